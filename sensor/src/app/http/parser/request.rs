//! Request direction: request line, headers, HTTP/0.9, body, CONNECT/Upgrade hold, gaps.

use super::head::{
    chomp, contains_ci, content_length_of, finish_request_head, flush_pending, header_line,
    request_line_flags, split_request_line, take_line, HeadState, FIELD_LIMIT_HARD,
    LINE_BAD_FOLDING, LINE_INVALID, LINE_NO_COLON, LINE_TOO_LONG,
};
use super::resync::{Resync, Scan};
use super::{HttpParser, ReqPhase};
use crate::app::http::body::{store, Body, BodyEvent};
use crate::app::http::headers::looks_like_header;
use crate::app::http::normalize::is_space;
use crate::app::http::transaction::{HttpRequest, Message, TxFlags};

impl HttpParser {
    pub(super) fn start_request(&mut self) {
        let id = self.push_tx(false);
        self.req.tx = id;
        self.req.msg = HttpRequest {
            m: Message::with_capacity(1024),
            ..HttpRequest::default()
        };
        self.req.head = HeadState {
            request: true,
            ..HeadState::default()
        };
        self.req.probe09 = false;
        self.req.phase = ReqPhase::Line;
    }

    pub(super) fn feed_req(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match self.req.phase {
                ReqPhase::Idle => {
                    let skip = data
                        .iter()
                        .position(|&c| c != b'\r' && c != b'\n')
                        .unwrap_or(data.len());
                    data = &data[skip..];
                    if !data.is_empty() {
                        self.start_request();
                    }
                }
                ReqPhase::Line | ReqPhase::Headers => {
                    let limit = self.cfg.max_head_bytes;
                    let r = &mut self.req;
                    match take_line(&mut r.msg.m.arena, &mut r.head, data, limit) {
                        None => {
                            self.stats.header_limit_errors += 1;
                            self.req_fail(TxFlags::REQUEST_HEADER_LIMIT);
                        }
                        Some((n, done)) => {
                            data = &data[n..];
                            if done {
                                let in_head = self.req.phase == ReqPhase::Headers;
                                if let Some(carry) = self.req_line_done() {
                                    self.feed_req(&carry);
                                } else if in_head && self.req.phase == ReqPhase::Idle {
                                    data = &data[self.body_unexpected(data, true)..];
                                }
                            }
                        }
                    }
                }
                ReqPhase::Body(mut body) => {
                    let limit = self.cfg.request_body_limit;
                    let max_tr = self.cfg.max_head_bytes as u32;
                    let r = &mut self.req;
                    let (n, ev) = body.feed(data, &mut r.msg.m, &mut r.dec, limit, max_tr);
                    data = &data[n..];
                    self.req.phase = ReqPhase::Body(body);
                    match ev {
                        BodyEvent::More => {}
                        BodyEvent::Done => {
                            self.req_complete();
                            if self.req.phase == ReqPhase::Idle {
                                data = &data[self.body_unexpected(data, false)..];
                            }
                        }
                        BodyEvent::Invalid => {
                            self.stats.parse_errors += 1;
                            self.req.head.flags.insert(TxFlags::REQ_BAD_CHUNK);
                            self.req_fail(TxFlags::INVALID_CHUNK);
                        }
                    }
                }
                ReqPhase::AwaitResponse => {
                    if self.req.held.len() + data.len() > self.cfg.max_head_bytes {
                        self.stats.bytes_ignored += (self.req.held.len() + data.len()) as u64;
                        self.req.held = Vec::new();
                        self.req.phase = ReqPhase::Failed;
                    } else {
                        self.req.held.extend_from_slice(data);
                    }
                    data = &[];
                }
                ReqPhase::Resync => {
                    let (n, step) = self.req.rs.scan(data, true);
                    match step {
                        Scan::Found => {
                            if self.req.rs.placeholder {
                                self.attach_request(false);
                            }
                            self.req.phase = ReqPhase::Idle;
                            let held = std::mem::take(&mut self.req.rs.held);
                            if !held.is_empty() {
                                self.feed_req(&held);
                            }
                        }
                        Scan::Wait => {}
                        Scan::Junk(held) => {
                            self.req_junk(&held);
                            self.req_junk(&data[..n]);
                        }
                    }
                    data = &data[n..];
                }
                ReqPhase::Tunnel | ReqPhase::Failed | ReqPhase::Closed => {
                    self.stats.bytes_ignored += data.len() as u64;
                    data = &[];
                }
            }
        }
    }

    /// A complete line of the request head is in the arena. Returns bytes to parse again when
    /// an HTTP/0.9 request turned out to be followed by the next request's line.
    pub(super) fn req_line_done(&mut self) -> Option<Vec<u8>> {
        let start = self.req.head.line_start;
        let m = &mut self.req.msg.m;
        if m.arena.len() - start.min(m.arena.len()) > FIELD_LIMIT_HARD {
            self.req.head.anomalies |= LINE_TOO_LONG;
        }
        let line = chomp(&mut m.arena, start);
        if self.req.phase == ReqPhase::Line {
            m.line = line;
            let lf = request_line_flags(line.get(&m.arena));
            self.req.head.flags.insert(lf);
            let (method, uri, proto) = split_request_line(line.get(&m.arena), start);
            let r = &mut self.req.msg;
            r.method = method;
            r.uri = uri;
            r.protocol = proto;
            let meth = method.get(&r.m.arena);
            let (head, connect) = (meth == b"HEAD", meth == b"CONNECT");
            self.req.probe09 = proto.is_none();
            self.req.head.line_start = self.req.msg.m.arena.len();
            self.req.phase = ReqPhase::Headers;
            let id = self.req.tx;
            if let Some(tx) = self.tx_mut(id) {
                tx.meta.head = head;
                tx.meta.connect = connect;
            }
            return None;
        }
        if std::mem::take(&mut self.req.probe09) && !looks_like_header(line.get(&m.arena)) {
            // HTTP/0.9: no headers follow. A non-empty line is the next request's.
            let carry = line.get(&m.arena).to_vec();
            m.arena.truncate(start);
            self.finish_http09();
            return (!carry.is_empty()).then(|| {
                let mut c = carry;
                c.push(b'\n');
                c
            });
        }
        let max_headers = self.cfg.max_headers;
        let r = &mut self.req;
        match header_line(&mut r.msg.m, &mut r.head, line, max_headers) {
            Err(()) => {
                self.stats.header_limit_errors += 1;
                self.req_fail(TxFlags::REQUEST_HEADER_LIMIT);
            }
            Ok(false) => r.head.line_start = r.msg.m.arena.len(),
            Ok(true) => self.req_head_done(),
        }
        None
    }

    pub(super) fn finish_http09(&mut self) {
        let id = self.req.tx;
        finish_request_head(&mut self.req.msg, false, &mut self.scratch);
        self.req.head.flags.insert(TxFlags::HTTP09);
        if let Some(tx) = self.tx_mut(id) {
            tx.meta.http09 = true;
        }
        self.req_complete();
    }

    pub(super) fn req_head_done(&mut self) {
        let id = self.req.tx;
        let meta = self.meta(id);
        let r = &mut self.req.msg;
        r.m.headers_done = true;
        finish_request_head(r, meta.connect, &mut self.scratch);
        let upgrade = !meta.connect && r.header(b"upgrade").is_some();
        let expect = r
            .header(b"expect")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"));
        if let Some(tx) = self.tx_mut(id) {
            tx.meta.upgrade = upgrade;
            tx.meta.expect_continue = expect;
        }
        if meta.connect {
            self.req_complete();
            return;
        }
        let r = &mut self.req.msg;
        let te = r
            .header(b"transfer-encoding")
            .map(|v| contains_ci(v, b"chunked"));
        let (cl, ambiguous) = content_length_of(&r.m);
        if ambiguous {
            self.req
                .head
                .flags
                .insert(TxFlags::AMBIGUOUS_CONTENT_LENGTH);
        }
        match (te, cl) {
            (Some(true), cl) => {
                if cl.is_some() {
                    self.req
                        .head
                        .flags
                        .insert(TxFlags::CONTENT_LENGTH_AND_CHUNKED);
                }
                self.req.msg.m.chunked = true;
                self.req.phase = ReqPhase::Body(Body::chunked());
            }
            (te, cl) => {
                if te == Some(false) {
                    self.req
                        .head
                        .flags
                        .insert(TxFlags::INVALID_TRANSFER_ENCODING);
                }
                match cl {
                    None => self.req_complete(),
                    Some(None) => {
                        self.stats.parse_errors += 1;
                        self.req.head.flags.insert(TxFlags::INVALID_CONTENT_LENGTH);
                        self.req.head.flags.insert(TxFlags::REQ_BAD_CONTENT_LENGTH);
                        self.req_complete();
                        self.req.phase = ReqPhase::Failed;
                    }
                    Some(Some(n)) => {
                        self.req.msg.m.content_length = Some(n);
                        if n == 0 {
                            self.req_complete();
                        } else {
                            self.req
                                .msg
                                .m
                                .body
                                .reserve((n as usize).min(self.cfg.request_body_limit));
                            self.req.phase = ReqPhase::Body(Body::Length { remaining: n });
                        }
                    }
                }
            }
        }
        if matches!(self.req.phase, ReqPhase::Body(_)) {
            self.req.dec = self.body_decoder(&self.req.msg.m, self.cfg.request_body_limit);
            self.req.msg.m.inflated = self.req.dec.is_some();
        }
    }

    /// A request just ended inside a data chunk: libhtp 0.5.50 reads what follows line by
    /// line before it takes a next request, and a line whose first word is not a method it
    /// knows raises "Unexpected request body". After a request without a body (`bodiless`)
    /// such lines are that request's body, up to a line that starts a request or the end of
    /// the data (so `http.request_body` sees them: Suricata's `http-request-invalid`); after
    /// a body they are still read as the next request (the corpus' crafted-133/134, where
    /// Suricata logs such requests). Returns the bytes taken as body.
    fn body_unexpected(&mut self, rest: &[u8], bodiless: bool) -> usize {
        let first_word = |line: &[u8]| {
            let lead = line.iter().take_while(|&&c| is_space(c)).count();
            let word = &line[lead..];
            let n = word.iter().take_while(|&&c| !is_space(c)).count();
            (lead, n)
        };
        let (lead, n) = first_word(rest);
        let word = &rest[lead..lead + n];
        if word.is_empty() || is_known_method(word) {
            return 0;
        }
        let limit = self.cfg.request_body_limit;
        let id = self.req.tx;
        let Some(tx) = self.tx_mut(id) else {
            return 0;
        };
        tx.flags.insert(TxFlags::REQ_BODY_UNEXPECTED);
        let Some(req) = tx.request.as_mut() else {
            return 0;
        };
        // A request of a method libhtp does not know is followed by a next request (the
        // corpus' request-then-cruft, where Suricata logs each).
        if !bodiless || !is_known_method(req.method()) {
            return 0;
        }
        // Whole lines only: libhtp waits for a line's end before it judges the line.
        let (mut pos, mut used) = (0, 0);
        while let Some(p) = memchr::memchr(b'\n', &rest[pos..]) {
            let line = &rest[pos..pos + p + 1];
            let (lead, n) = first_word(line);
            if is_known_method(&line[lead..lead + n]) {
                break;
            }
            pos += line.len();
            // Blank lines are body only with a line that is not a request among them.
            if n > 0 || used > 0 {
                used = pos;
            }
        }
        if used > 0 {
            store(&mut req.m, &rest[..used], limit);
            req.m.wire_len += used as u64;
        }
        used
    }

    /// Hands the request in progress to its transaction.
    pub(super) fn attach_request(&mut self, complete: bool) {
        if Self::end_decoder(&mut self.stats, &mut self.req.dec, &mut self.req.msg.m) {
            self.req.head.flags.insert(TxFlags::REQ_INFLATE_FAILED);
        }
        let mut msg = std::mem::take(&mut self.req.msg);
        msg.m.complete = complete;
        let mut flags = std::mem::take(&mut self.req.head.flags);
        let a = std::mem::take(&mut self.req.head.anomalies);
        for (bit, flag) in [
            (LINE_NO_COLON, TxFlags::REQ_NO_COLON),
            (LINE_INVALID, TxFlags::REQ_HEADER_INVALID),
            (LINE_BAD_FOLDING, TxFlags::REQ_BAD_FOLDING),
            (LINE_TOO_LONG, TxFlags::REQ_FIELD_TOO_LONG),
        ] {
            if a & bit != 0 {
                flags.insert(flag);
            }
        }
        if !complete {
            flags.insert(TxFlags::REQUEST_TRUNCATED);
        }
        let id = self.req.tx;
        self.stats.requests += 1;
        let dead = self.resp_side_dead();
        let needs = self.cfg.files;
        let limit = self.cfg.request_body_limit;
        let gap = flags.contains(TxFlags::REQUEST_BODY_GAP);
        if let Some(tx) = self.tx_mut(id) {
            // A body cut by the end of the stream is a closed file, as Suricata closes it
            // there; one with a gap is truncated.
            request_files(&mut msg, complete, !gap, limit, needs, &mut tx.files);
            tx.request = Some(msg);
            tx.flags.insert(flags);
            tx.req_done = true;
            if dead {
                tx.resp_done = true;
            }
        }
    }

    pub(super) fn req_complete(&mut self) {
        let id = self.req.tx;
        self.attach_request(true);
        let meta = self.meta(id);
        self.req.phase = ReqPhase::Idle;
        if meta.connect || meta.upgrade {
            // The response decides whether what follows is still HTTP.
            let (answered, tunnel) = self
                .tx_mut(id)
                .map(|t| (t.resp_head_seen, t.flags.contains(TxFlags::TUNNEL)))
                .unwrap_or((true, false));
            if tunnel {
                self.req.phase = ReqPhase::Tunnel;
            } else if !answered {
                self.req.phase = ReqPhase::AwaitResponse;
            }
        }
    }

    /// Stops the request direction, keeping the request in progress as truncated.
    pub(super) fn req_fail(&mut self, flag: TxFlags) {
        self.req.head.flags.insert(flag);
        self.abandon_request();
        self.req.phase = ReqPhase::Failed;
    }

    pub(super) fn abandon_request(&mut self) {
        match self.req.phase {
            ReqPhase::Line => {
                let start = self.req.head.line_start;
                let m = &mut self.req.msg.m;
                let line = chomp(&mut m.arena, start);
                m.line = line;
                let (method, uri, proto) = split_request_line(line.get(&m.arena), start);
                self.req.msg.method = method;
                self.req.msg.uri = uri;
                self.req.msg.protocol = proto;
                finish_request_head(&mut self.req.msg, false, &mut self.scratch);
                self.attach_request(false);
            }
            ReqPhase::Headers => {
                let start = self.req.head.line_start;
                self.req.msg.m.arena.truncate(start);
                let _ = flush_pending(&mut self.req.msg.m, &mut self.req.head, usize::MAX);
                let connect = self.meta(self.req.tx).connect;
                finish_request_head(&mut self.req.msg, connect, &mut self.scratch);
                self.attach_request(false);
            }
            ReqPhase::Body(_) => self.attach_request(false),
            _ => {}
        }
        self.req.held = Vec::new();
    }

    pub(super) fn gap_req(&mut self, len: u64) {
        if len == 0 {
            return;
        }
        if let ReqPhase::Body(mut body) = self.req.phase {
            if body.gap(len, &mut self.req.msg.m) {
                if let Some(d) = &mut self.req.dec {
                    d.gap();
                }
                self.stats.gaps_skipped += 1;
                self.req.head.flags.insert(TxFlags::REQUEST_BODY_GAP);
                self.req.phase = ReqPhase::Body(body);
                if body.is_finished() {
                    self.req_complete();
                }
                return;
            }
        }
        match self.req.phase {
            ReqPhase::Idle | ReqPhase::Line | ReqPhase::Headers | ReqPhase::Body(_) => {
                self.stats.gaps_resync += 1;
                let between = self.req.phase == ReqPhase::Idle;
                if matches!(self.req.phase, ReqPhase::Body(_)) {
                    self.req.head.flags.insert(TxFlags::REQUEST_BODY_GAP);
                }
                self.abandon_request();
                self.req.rs = Resync::after_gap(between);
                self.req.phase = ReqPhase::Resync;
            }
            ReqPhase::Resync => {
                self.req.rs.held.clear();
                self.req.rs.at_line_start = false;
            }
            ReqPhase::AwaitResponse => {
                // Requests after the CONNECT/Upgrade may have been lost: stop.
                self.req.held = Vec::new();
                self.req.phase = ReqPhase::Failed;
            }
            ReqPhase::Tunnel | ReqPhase::Failed | ReqPhase::Closed => {}
        }
    }

    /// Bytes after a gap before the next request: the body of a placeholder request when the
    /// gap fell between requests (its response must still pair with it), else skipped.
    fn req_junk(&mut self, junk: &[u8]) {
        if junk.is_empty() {
            return;
        }
        self.stats.resync_bytes_skipped += junk.len() as u64;
        // Empty lines between messages are normal: no placeholder for them.
        let blank = junk.iter().all(|&c| c == b'\r' || c == b'\n');
        if self.req.rs.owner && !self.req.rs.placeholder && !blank {
            self.req.rs.placeholder = true;
            self.req.tx = self.push_tx(false);
            self.req.msg = HttpRequest::default();
            self.req.head = HeadState {
                request: true,
                ..HeadState::default()
            };
            self.req.head.flags.insert(TxFlags::REQUEST_HEAD_LOST);
        }
        if self.req.rs.placeholder {
            let m = &mut self.req.msg.m;
            m.wire_len += junk.len() as u64;
            let limit = self.cfg.request_body_limit;
            crate::app::http::body::store(m, junk, limit);
        } else {
            self.stats.bytes_ignored += junk.len() as u64;
        }
    }

    pub(super) fn close_req(&mut self) {
        match self.req.phase {
            ReqPhase::Headers if self.req.probe09 && self.req.head.pending.is_none() => {
                let start = self.req.head.line_start;
                self.req.msg.m.arena.truncate(start);
                self.finish_http09();
            }
            ReqPhase::Line | ReqPhase::Headers | ReqPhase::Body(_) => self.abandon_request(),
            ReqPhase::Resync if self.req.rs.placeholder => self.attach_request(false),
            _ => {}
        }
        self.req.held = Vec::new();
        self.req.rs = Resync::default();
        if self.req.phase != ReqPhase::Tunnel {
            self.req.phase = ReqPhase::Closed;
        }
    }

    /// The response for the CONNECT/Upgrade request was not a switch: parse the held bytes.
    pub(super) fn resume_requests(&mut self) {
        if self.req.phase == ReqPhase::AwaitResponse {
            self.req.phase = ReqPhase::Idle;
            let held = std::mem::take(&mut self.req.held);
            self.feed_req(&held);
        }
    }
}

/// The methods libhtp numbers (`htp_convert_method_to_number`, case-sensitive).
fn is_known_method(m: &[u8]) -> bool {
    const KNOWN: &[&[u8]] = &[
        b"GET",
        b"PUT",
        b"POST",
        b"DELETE",
        b"CONNECT",
        b"OPTIONS",
        b"TRACE",
        b"PATCH",
        b"PROPFIND",
        b"PROPPATCH",
        b"MKCOL",
        b"COPY",
        b"MOVE",
        b"LOCK",
        b"UNLOCK",
        b"VERSION-CONTROL",
        b"CHECKOUT",
        b"UNCHECKOUT",
        b"CHECKIN",
        b"UPDATE",
        b"LABEL",
        b"REPORT",
        b"MKWORKSPACE",
        b"MKACTIVITY",
        b"BASELINE-CONTROL",
        b"MERGE",
        b"INVALID",
        b"HEAD",
    ];
    KNOWN.contains(&m)
}

/// Whether the body of a request is a file as Suricata 7 sees it: the body of a PUT, or of a
/// POST that is not `multipart/form-data` (whose uploads are the files).
fn body_is_file(r: &HttpRequest) -> bool {
    let m = r.method();
    (m == b"PUT" || m == b"POST")
        && !r
            .content_type()
            .is_some_and(|ct| contains_ci(ct, b"multipart/form-data"))
}

/// The files of a finished request (`complete`: it ended as framed; `no_gap`: no body byte
/// was lost).
fn request_files(
    r: &mut HttpRequest,
    complete: bool,
    no_gap: bool,
    limit: usize,
    needs: crate::app::files::FileNeeds,
    out: &mut Vec<crate::app::files::File>,
) {
    use crate::app::files::multipart_files;
    if r.body_len() == 0 {
        return;
    }
    if r.method() == b"POST" {
        if let Some(ct) = r
            .content_type()
            .filter(|ct| contains_ci(ct, b"multipart/form-data"))
        {
            // A part the kept bytes do not close is truncated when bytes are missing.
            let cut = !complete || !no_gap || r.body_len() > r.body().len() as u64 || r.m.inflated;
            multipart_files(ct, r.body(), cut, needs, out);
            return;
        }
    }
    if !body_is_file(r) {
        return;
    }
    let name = path_of(r).to_vec();
    out.push(body_file(&mut r.m, &name, true, no_gap, limit, needs));
}

/// The URI path Suricata names an HTTP file by (the normalized URI without its query).
pub(super) fn path_of(r: &HttpRequest) -> &[u8] {
    let u = r.uri().unwrap_or_default();
    &u[..memchr::memchr(b'?', u).unwrap_or(u.len())]
}

/// The file a message body makes, as Suricata 7 keeps it: the body up to the body limit
/// (a longer body is a file TRUNCATED at the limit, whose SHA-256 Suricata still gives), a
/// body with a gap TRUNCATED without digests, else CLOSED with the digests `needs` names. The
/// bytes are the message's kept body (`in_body`), hashed once here.
pub(super) fn body_file(
    m: &mut crate::app::http::transaction::Message,
    name: &[u8],
    to_server: bool,
    no_gap: bool,
    limit: usize,
    needs: crate::app::files::FileNeeds,
) -> crate::app::files::File {
    use crate::app::files::{File, FileNeeds, FileState, Hasher};
    let mut f = File::new(name, to_server);
    f.in_body = true;
    // Inflated bodies count decoded bytes (the decoder stops at the limit).
    let seen = if m.inflated {
        m.body.len() as u64
    } else {
        m.body_len - m.gap_bytes
    };
    let cut = limit > 0
        && if m.inflated {
            m.body.len() >= limit
        } else {
            seen > limit as u64
        };
    f.size = if cut { limit as u64 } else { seen };
    let needs = match (no_gap && limit > 0, cut) {
        (false, _) => FileNeeds::NONE,
        (true, true) => FileNeeds {
            sha256: needs.sha256,
            ..FileNeeds::NONE
        },
        (true, false) => needs,
    };
    let mut h = Hasher::new(needs);
    if let Some(h) = &mut h {
        h.update(&m.body);
    }
    f.close(&mut h, false);
    if cut || !no_gap {
        f.state = FileState::Truncated;
    }
    f
}
