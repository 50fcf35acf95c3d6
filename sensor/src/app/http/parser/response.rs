//! Response direction: status line (or raw data), interim responses, body framing, tunnels,
//! gaps.

use super::head::{
    chomp, contains_ci, content_length_of, finish_response_head, flush_pending, header_line,
    split_status_line, take_response_line, HeadState, LINE_BAD_FOLDING, LINE_INVALID,
    LINE_NO_COLON,
};
use super::resync::{Resync, Scan};
use super::{HttpParser, ReqPhase, RespPhase};
use crate::app::http::body::{Body, BodyEvent};
use crate::app::http::normalize::{is_space, parse_status};
use crate::app::http::transaction::{HttpResponse, Message, TxFlags};

/// What the check of a response's first line decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StatusCheck {
    /// A status line (or already checked): parse it.
    Go,
    /// Not decided yet.
    Wait,
    /// Junk before the status line: dropped.
    Skipped,
    /// Not HTTP: the response is raw data until close.
    Raw,
}

impl HttpParser {
    /// Pairs the response that starts now with its transaction and starts a fresh message.
    fn bind_response(&mut self) -> u64 {
        let id = match self.resp.tx {
            Some(id) => id,
            None => {
                let id = if self.resp_next < self.next_id {
                    self.resp_next
                } else {
                    self.stats.unmatched_responses += 1;
                    let id = self.push_tx(true);
                    if let Some(tx) = self.tx_mut(id) {
                        tx.flags.insert(TxFlags::UNMATCHED_RESPONSE);
                    }
                    id
                };
                self.resp_next = id + 1;
                id
            }
        };
        self.resp.tx = Some(id);
        self.resp.msg = HttpResponse {
            m: Message::with_capacity(1024),
            ..HttpResponse::default()
        };
        self.resp.head = HeadState::default();
        self.resp.checked = false;
        self.resp.junk = false;
        self.resp.ws_end = false;
        id
    }

    pub(super) fn start_response(&mut self) {
        let id = self.bind_response();
        // A request line without protocol still waiting for its next line: the server
        // answering settles it as HTTP/0.9.
        if self.req.tx == id && self.req.phase == ReqPhase::Headers && self.req.probe09 {
            self.req.probe09 = false;
            let start = self.req.head.line_start;
            let carry = self.req.msg.m.arena[start.min(self.req.msg.m.arena.len())..].to_vec();
            self.req.msg.m.arena.truncate(start);
            self.finish_http09();
            if !carry.is_empty() {
                self.feed_req(&carry);
            }
        }
        if self.meta(id).http09 {
            self.resp.msg.no_status_line = true;
            self.resp.phase = RespPhase::Body(Body::UntilClose);
        } else {
            self.resp.phase = RespPhase::Line;
        }
    }

    pub(super) fn feed_resp(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match self.resp.phase {
                RespPhase::Idle => {
                    let skip = data
                        .iter()
                        .position(|&c| c != b'\r' && c != b'\n')
                        .unwrap_or(data.len());
                    data = &data[skip..];
                    if !data.is_empty() {
                        self.start_response();
                    }
                }
                RespPhase::Line | RespPhase::Headers => {
                    if self.resp.junk {
                        self.resp.junk = false;
                        self.check_status_line(true, data.first().copied(), false);
                        continue;
                    }
                    if self.resp.ws_end {
                        self.resp.ws_end = false;
                        self.ws_line_done(data[0]);
                        continue;
                    }
                    let limit = self.cfg.max_head_bytes;
                    let r = &mut self.resp;
                    match take_response_line(&mut r.msg.m.arena, &mut r.head, data, limit) {
                        None => {
                            self.stats.header_limit_errors += 1;
                            self.resp_fail(TxFlags::RESPONSE_HEADER_LIMIT);
                        }
                        Some((n, done)) => {
                            data = &data[n..];
                            let mut status = StatusCheck::Go;
                            if self.resp.phase == RespPhase::Line && !self.resp.checked {
                                status = self.check_status_line(done, data.first().copied(), false);
                            }
                            if done
                                && status == StatusCheck::Go
                                && matches!(self.resp.phase, RespPhase::Line | RespPhase::Headers)
                            {
                                if self.resp.phase == RespPhase::Headers && self.ws_line() {
                                    // Decided with the next byte (maybe in the next call).
                                    match data.first() {
                                        Some(&b) => self.ws_line_done(b),
                                        None => self.resp.ws_end = true,
                                    }
                                } else {
                                    self.resp_line_done();
                                }
                            }
                        }
                    }
                }
                RespPhase::Body(mut body) => {
                    let limit = self.cfg.response_body_limit;
                    let max_tr = self.cfg.max_head_bytes as u32;
                    let r = &mut self.resp;
                    let (n, ev) = body.feed(data, &mut r.msg.m, &mut r.dec, limit, max_tr);
                    data = &data[n..];
                    self.resp.phase = RespPhase::Body(body);
                    match ev {
                        BodyEvent::More => {}
                        BodyEvent::Done => self.resp_complete(),
                        BodyEvent::Invalid => {
                            // As libhtp: bad chunk framing in a response is read as raw data
                            // until the connection closes.
                            self.stats.parse_errors += 1;
                            self.resp.head.flags.insert(TxFlags::INVALID_CHUNK);
                            self.resp.head.flags.insert(TxFlags::RESP_BAD_CHUNK);
                            self.resp.phase = RespPhase::Body(Body::UntilClose);
                        }
                    }
                }
                RespPhase::Resync => {
                    let (n, step) = self.resp.rs.scan(data, false);
                    match step {
                        Scan::Found => {
                            if self.resp.rs.placeholder {
                                self.attach_response(false);
                            }
                            self.resp.phase = RespPhase::Idle;
                            let held = std::mem::take(&mut self.resp.rs.held);
                            if !held.is_empty() {
                                self.feed_resp(&held);
                            }
                        }
                        Scan::Wait => {}
                        Scan::Junk(held) => {
                            self.resp_junk(&held);
                            self.resp_junk(&data[..n]);
                        }
                    }
                    data = &data[n..];
                }
                RespPhase::Tunnel | RespPhase::Failed | RespPhase::Closed => {
                    self.stats.bytes_ignored += data.len() as u64;
                    data = &[];
                }
            }
        }
    }

    /// A response whose first line does not start with `HTTP` (after whitespace) is raw data
    /// until close, as libhtp treats it; decided once four significant bytes are in. As libhtp
    /// (0.5.44 on), a short such line is skipped when a status line follows it (its next
    /// byte is `H`) or when it is at most two bytes long: junk before the status line. `next`
    /// is the byte after a complete line (`None`: not known yet, unless `closing`).
    pub(super) fn check_status_line(
        &mut self,
        line_done: bool,
        next: Option<u8>,
        closing: bool,
    ) -> StatusCheck {
        /// Longest first line that may be skipped as junk (libhtp buffers any line; waiting
        /// for the end of a long one would turn raw responses into header-limit errors).
        const JUNK_MAX: usize = 64;
        let start = self.resp.head.line_start;
        let m = &mut self.resp.msg.m;
        let line = &m.arena[start.min(m.arena.len())..];
        let lead = line.iter().take_while(|&&c| is_space(c) || c == 0).count();
        let rest = &line[lead..];
        if rest.len() < 4 && !line_done {
            return StatusCheck::Wait;
        }
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"HTTP") {
            self.resp.checked = true;
            return StatusCheck::Go;
        }
        let short = line.len() <= JUNK_MAX;
        if short && !line_done && !closing {
            return StatusCheck::Wait;
        }
        if short && line_done && !closing {
            let chomped = line
                .iter()
                .rposition(|&c| c != b'\r' && c != b'\n')
                .map_or(0, |p| p + 1);
            match next {
                None => {
                    self.resp.junk = true;
                    return StatusCheck::Wait;
                }
                Some(b) if b == b'H' || chomped <= 2 => {
                    m.arena.truncate(start);
                    self.resp.head = HeadState::default();
                    return StatusCheck::Skipped;
                }
                Some(_) => {}
            }
        }
        self.resp.checked = true;
        let raw = m.arena.split_off(start);
        m.body
            .extend_from_slice(&raw[..raw.len().min(self.cfg.response_body_limit)]);
        m.body_len += raw.len() as u64;
        m.wire_len += raw.len() as u64;
        self.resp.msg.no_status_line = true;
        self.resp
            .head
            .flags
            .insert(TxFlags::RESPONSE_NO_STATUS_LINE);
        self.resp.phase = RespPhase::Body(Body::UntilClose);
        StatusCheck::Raw
    }

    /// The complete header line is one SP or HT and a LF: libhtp ends the head there when the
    /// next byte is not a LF (http-evader's `end-lf<space>lf` heads); otherwise it folds.
    fn ws_line(&self) -> bool {
        let start = self.resp.head.line_start;
        matches!(
            self.resp.msg.m.arena.get(start..),
            Some([b' ' | b'\t', b'\n'])
        )
    }

    fn ws_line_done(&mut self, next: u8) {
        if next != b'\n' {
            let start = self.resp.head.line_start;
            self.resp.msg.m.arena.truncate(start);
        }
        self.resp_line_done();
    }

    pub(super) fn resp_line_done(&mut self) {
        let start = self.resp.head.line_start;
        let m = &mut self.resp.msg.m;
        let raw_len = m.arena.len().saturating_sub(start);
        let line = chomp(&mut m.arena, start);
        if self.resp.phase == RespPhase::Headers && line.len() == 0 && raw_len > 2 {
            // Only LF, CRLF or a lone CR end the head (libhtp's empty line); a line of CRs
            // (`\r\r\n`) is not one and holds no header: dropped.
            m.arena.truncate(start);
            return;
        }
        if self.resp.phase == RespPhase::Line {
            m.line = line;
            let (proto, status, message) = split_status_line(line.get(&m.arena), start);
            let r = &mut self.resp.msg;
            r.protocol = proto;
            r.status = status;
            r.message = message;
            r.status_code = status.and_then(|s| parse_status(s.get(&r.m.arena)));
            let proto_ok = proto.is_some_and(|p| protocol_number(p.get(&r.m.arena)).is_some());
            let status_ok = r.status_code.is_some();
            let flags = &mut self.resp.head.flags;
            if !proto_ok {
                flags.insert(TxFlags::RESP_BAD_PROTOCOL);
            }
            if !status_ok {
                flags.insert(TxFlags::RESP_BAD_STATUS);
            }
            self.resp.head.line_start = self.resp.msg.m.arena.len();
            self.resp.phase = RespPhase::Headers;
            return;
        }
        let max_headers = self.cfg.max_headers;
        let r = &mut self.resp;
        match header_line(&mut r.msg.m, &mut r.head, line, max_headers) {
            Err(()) => {
                self.stats.header_limit_errors += 1;
                self.resp_fail(TxFlags::RESPONSE_HEADER_LIMIT);
            }
            Ok(false) => r.head.line_start = r.msg.m.arena.len(),
            Ok(true) => self.resp_head_done(),
        }
    }

    pub(super) fn resp_head_done(&mut self) {
        let Some(id) = self.resp.tx else { return };
        self.resp.msg.m.headers_done = true;
        finish_response_head(&mut self.resp.msg);
        let meta = self.meta(id);
        let status = self.resp.msg.status_code.unwrap_or(0);
        // libhtp: a 101 with a Content-Length or Transfer-Encoding is not a switch; its body
        // is read as any other.
        let framed = || {
            self.resp.msg.header(b"content-length").is_some()
                || self.resp.msg.header(b"transfer-encoding").is_some()
        };
        if status == 101 && !framed() {
            // Suricata 7.0.10 asks to change to HTTP/2 on exactly `Upgrade: h2c`; on a flow
            // that changed protocol before, the change is refused.
            if self.after_change && self.resp.msg.header(b"upgrade") == Some(b"h2c") {
                self.resp.head.flags.insert(TxFlags::FAILED_PROTOCOL_CHANGE);
            }
            self.resp_complete();
            self.enter_tunnel(id);
            return;
        }
        if (100..200).contains(&status) && status != 101 {
            // Interim response: the final one for the same request follows.
            self.stats.interim_responses += 1;
            if status == 100 {
                if let Some(tx) = self.tx_mut(id) {
                    if tx.meta.seen_100 {
                        tx.flags.insert(TxFlags::CONTINUE_TWICE);
                    }
                    tx.meta.seen_100 = true;
                }
            }
            self.resp.msg = HttpResponse::default();
            self.resp.phase = RespPhase::Idle;
            return;
        }
        if meta.connect && (200..300).contains(&status) {
            self.resp_complete();
            self.enter_tunnel(id);
            return;
        }
        if let Some(tx) = self.tx_mut(id) {
            tx.resp_head_seen = true;
        }
        // A refused `Expect: 100-continue` request does not send its body.
        if meta.expect_continue
            && (400..500).contains(&status)
            && self.req.tx == id
            && matches!(self.req.phase, ReqPhase::Body(_))
            && self.req.msg.m.wire_len == 0
        {
            self.req_complete();
        }
        if let Some(ce) = self.resp.msg.header(b"content-encoding") {
            let f = ce_anomalies(ce, self.cfg.decompress_layer_limit);
            self.resp.head.flags.insert(f);
        }
        let m = &self.resp.msg.m;
        let te_value = self.resp.msg.header(b"transfer-encoding");
        let te = te_value.is_some_and(|v| contains_ci(v, b"chunked"));
        if te && !(meta.head || status == 204 || status == 304) {
            // libhtp's warnings on a chunked response it reads.
            if !te_value.is_some_and(|v| eq_ci_nonul(v, b"chunked")) {
                self.resp.head.flags.insert(TxFlags::RESP_TE_ABNORMAL);
            }
            let proto = self.resp.msg.protocol.map(|p| p.get(&m.arena));
            if proto.and_then(protocol_number) != Some(11) {
                self.resp.head.flags.insert(TxFlags::RESP_CHUNKED_OLD);
            }
        }
        let (cl, ambiguous) = content_length_of(m);
        if ambiguous {
            self.resp
                .head
                .flags
                .insert(TxFlags::AMBIGUOUS_CONTENT_LENGTH);
        }
        if meta.head || status == 204 || status == 304 {
            self.resp_complete();
        } else if te {
            if cl.is_some() {
                self.resp
                    .head
                    .flags
                    .insert(TxFlags::CONTENT_LENGTH_AND_CHUNKED);
            }
            self.resp.msg.m.chunked = true;
            self.resp.phase = RespPhase::Body(Body::chunked());
        } else {
            let byteranges = self
                .resp
                .msg
                .content_type()
                .is_some_and(|v| contains_ci(v, b"multipart/byteranges"));
            match cl {
                // libhtp does not read self-delimited byteranges bodies and stops there.
                None if byteranges => {
                    self.stats.parse_errors += 1;
                    self.resp.head.flags.insert(TxFlags::MULTIPART_BYTERANGES);
                    self.resp_complete();
                    self.resp.phase = RespPhase::Failed;
                    self.no_more_responses();
                }
                None => self.resp.phase = RespPhase::Body(Body::UntilClose),
                Some(None) => {
                    self.stats.parse_errors += 1;
                    self.resp.head.flags.insert(TxFlags::INVALID_CONTENT_LENGTH);
                    self.resp
                        .head
                        .flags
                        .insert(TxFlags::RESP_BAD_CONTENT_LENGTH);
                    self.resp_complete();
                    self.resp.phase = RespPhase::Failed;
                    self.no_more_responses();
                }
                Some(Some(n)) => {
                    self.resp.msg.m.content_length = Some(n);
                    if n == 0 {
                        self.resp_complete();
                    } else {
                        self.resp
                            .msg
                            .m
                            .body
                            .reserve((n as usize).min(self.cfg.response_body_limit));
                        self.resp.phase = RespPhase::Body(Body::Length { remaining: n });
                    }
                }
            }
        }
        if matches!(self.resp.phase, RespPhase::Body(_)) {
            self.resp.dec = self.body_decoder(&self.resp.msg.m, self.cfg.response_body_limit);
            self.resp.msg.m.inflated = self.resp.dec.is_some();
        }
        if (meta.connect || meta.upgrade) && self.req.tx == id {
            self.resume_requests();
        }
    }

    pub(super) fn attach_response(&mut self, complete: bool) {
        if Self::end_decoder(&mut self.stats, &mut self.resp.dec, &mut self.resp.msg.m) {
            self.resp.head.flags.insert(TxFlags::RESP_INFLATE_FAILED);
        }
        let Some(id) = self.resp.tx.take() else {
            return;
        };
        let mut msg = std::mem::take(&mut self.resp.msg);
        msg.m.complete = complete;
        let mut flags = std::mem::take(&mut self.resp.head.flags);
        let a = std::mem::take(&mut self.resp.head.anomalies);
        for (bit, flag) in [
            (LINE_NO_COLON, TxFlags::RESP_NO_COLON),
            (LINE_INVALID, TxFlags::RESP_HEADER_INVALID),
            (LINE_BAD_FOLDING, TxFlags::RESP_BAD_FOLDING),
        ] {
            if a & bit != 0 {
                flags.insert(flag);
            }
        }
        if !complete {
            flags.insert(TxFlags::RESPONSE_TRUNCATED);
        }
        self.stats.responses += 1;
        let needs = self.cfg.files;
        let limit = self.cfg.response_body_limit;
        // A body cut by the end of the stream is a closed file (Suricata closes it there, with
        // its digests: `pcaps/attack-sqli.pcap`); one with a gap is truncated.
        let whole = !flags.contains(TxFlags::RESPONSE_BODY_GAP);
        // The request may still be in progress (a response before the upload ended).
        let pending_path =
            (self.req.tx == id).then(|| super::request::path_of(&self.req.msg).to_vec());
        if let Some(tx) = self.tx_mut(id) {
            // A response body is a file, named by Content-Disposition or the URI path.
            if msg.body_len() > 0 && !msg.no_status_line {
                let name = msg
                    .header(b"content-disposition")
                    .and_then(crate::app::files::disposition_filename)
                    .map(<[u8]>::to_vec)
                    .or_else(|| {
                        tx.request
                            .as_ref()
                            .map(|r| super::request::path_of(r).to_vec())
                    })
                    .or(pending_path)
                    .unwrap_or_default();
                let f = super::request::body_file(&mut msg.m, &name, false, whole, limit, needs);
                tx.files.push(f);
            }
            tx.response = Some(msg);
            tx.flags.insert(flags);
            tx.resp_done = true;
        }
    }

    pub(super) fn resp_complete(&mut self) {
        self.attach_response(true);
        self.resp.phase = RespPhase::Idle;
    }

    pub(super) fn enter_tunnel(&mut self, id: u64) {
        self.stats.tunnels += 1;
        if let Some(tx) = self.tx_mut(id) {
            tx.flags.insert(TxFlags::TUNNEL);
        }
        self.abandon_request();
        self.req.held = Vec::new();
        self.req.phase = ReqPhase::Tunnel;
        self.resp.phase = RespPhase::Tunnel;
        for tx in self.txs.iter_mut() {
            tx.req_done = true;
            tx.resp_done = true;
        }
    }

    pub(super) fn resp_fail(&mut self, flag: TxFlags) {
        self.resp.head.flags.insert(flag);
        self.abandon_response();
        self.resp.phase = RespPhase::Failed;
        self.no_more_responses();
    }

    pub(super) fn abandon_response(&mut self) {
        match self.resp.phase {
            RespPhase::Line => {
                let start = self.resp.head.line_start;
                let m = &mut self.resp.msg.m;
                let line = chomp(&mut m.arena, start);
                m.line = line;
                let (proto, status, message) = split_status_line(line.get(&m.arena), start);
                let r = &mut self.resp.msg;
                r.protocol = proto;
                r.status = status;
                r.message = message;
                r.status_code = status.and_then(|s| parse_status(s.get(&r.m.arena)));
                finish_response_head(r);
                self.attach_response(false);
            }
            RespPhase::Headers => {
                let start = self.resp.head.line_start;
                self.resp.msg.m.arena.truncate(start);
                let _ = flush_pending(&mut self.resp.msg.m, &mut self.resp.head, usize::MAX);
                finish_response_head(&mut self.resp.msg);
                self.attach_response(false);
            }
            RespPhase::Body(_) => self.attach_response(false),
            _ => {}
        }
    }

    pub(super) fn gap_resp(&mut self, len: u64) {
        if len == 0 {
            return;
        }
        if let RespPhase::Body(mut body) = self.resp.phase {
            if body.gap(len, &mut self.resp.msg.m) {
                if let Some(d) = &mut self.resp.dec {
                    d.gap();
                }
                self.stats.gaps_skipped += 1;
                self.resp.head.flags.insert(TxFlags::RESPONSE_BODY_GAP);
                self.resp.phase = RespPhase::Body(body);
                if body.is_finished() {
                    self.resp_complete();
                }
                return;
            }
        }
        match self.resp.phase {
            RespPhase::Idle | RespPhase::Line | RespPhase::Headers | RespPhase::Body(_) => {
                self.stats.gaps_resync += 1;
                let between = self.resp.phase == RespPhase::Idle;
                if matches!(self.resp.phase, RespPhase::Body(_)) {
                    self.resp.head.flags.insert(TxFlags::RESPONSE_BODY_GAP);
                }
                self.abandon_response();
                self.resp.rs = Resync::after_gap(between);
                self.resp.phase = RespPhase::Resync;
            }
            RespPhase::Resync => {
                self.resp.rs.held.clear();
                self.resp.rs.at_line_start = false;
            }
            RespPhase::Tunnel | RespPhase::Failed | RespPhase::Closed => {}
        }
    }

    /// Bytes after a gap before the next response: when the gap fell between responses they
    /// are the rest of a response whose head was lost, kept as a response without status line
    /// for the next request (so later responses pair correctly); otherwise skipped.
    fn resp_junk(&mut self, junk: &[u8]) {
        if junk.is_empty() {
            return;
        }
        self.stats.resync_bytes_skipped += junk.len() as u64;
        let blank = junk.iter().all(|&c| c == b'\r' || c == b'\n');
        if self.resp.rs.owner && !self.resp.rs.placeholder && !blank {
            self.resp.rs.placeholder = true;
            self.bind_response();
            self.resp.msg.no_status_line = true;
            self.resp.head.flags.insert(TxFlags::RESPONSE_HEAD_LOST);
        }
        if self.resp.rs.placeholder {
            let m = &mut self.resp.msg.m;
            m.wire_len += junk.len() as u64;
            let limit = self.cfg.response_body_limit;
            crate::app::http::body::store(m, junk, limit);
        } else {
            self.stats.bytes_ignored += junk.len() as u64;
        }
    }

    pub(super) fn close_resp(&mut self) {
        match self.resp.phase {
            RespPhase::Body(Body::UntilClose) => self.resp_complete(),
            RespPhase::Line if !self.resp.checked => {
                self.resp.junk = false;
                self.check_status_line(true, None, true);
                if matches!(self.resp.phase, RespPhase::Body(_)) {
                    self.resp_complete();
                } else {
                    self.abandon_response();
                }
            }
            RespPhase::Line | RespPhase::Headers | RespPhase::Body(_) => self.abandon_response(),
            RespPhase::Resync if self.resp.rs.placeholder => self.attach_response(false),
            _ => {}
        }
        self.resp.rs = Resync::default();
        if self.resp.phase != RespPhase::Tunnel {
            self.resp.phase = RespPhase::Closed;
        }
        self.no_more_responses();
    }
}

/// libhtp `htp_parse_protocol`: 9, 10 or 11 for exactly `HTTP/0.9`, `HTTP/1.0`, `HTTP/1.1`.
pub(crate) fn protocol_number(p: &[u8]) -> Option<u8> {
    match p {
        b"HTTP/0.9" => Some(9),
        b"HTTP/1.0" => Some(10),
        b"HTTP/1.1" => Some(11),
        _ => None,
    }
}

/// ASCII case-insensitive equality, NUL bytes of `v` skipped (libhtp `bstr_cmp_c_nocasenorzero`).
fn eq_ci_nonul(v: &[u8], want: &[u8]) -> bool {
    let mut it = v.iter().filter(|&&c| c != 0);
    want.iter()
        .all(|w| it.next().is_some_and(|c| c.eq_ignore_ascii_case(w)))
        && it.next().is_none()
}

/// libhtp's response Content-Encoding warnings. A value that is one plain coding is taken
/// as is; any other is split on commas and spaces, each token a layer: beyond `limit` layers
/// "too many layers" (and no more tokens are looked at); a token holding gzip/deflate but
/// not exactly `gzip`/`x-gzip`/`deflate`/`x-deflate`, or one it does not know, "abnormal".
fn ce_anomalies(v: &[u8], limit: u32) -> TxFlags {
    let mut f = TxFlags::default();
    const PLAIN: &[&[u8]] = &[
        b"gzip",
        b"x-gzip",
        b"deflate",
        b"x-deflate",
        b"lzma",
        b"inflate",
        b"none",
    ];
    if PLAIN.iter().any(|p| eq_ci_nonul(v, p)) {
        return f;
    }
    let has = |t: &[u8], w: &[u8]| t.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    let mut layers = 0u32;
    for tok in v
        .split(|&c| c == b',' || c == b' ')
        .filter(|t| !t.is_empty())
    {
        layers += 1;
        if limit != 0 && layers > limit {
            f.insert(TxFlags::CE_TOO_MANY_LAYERS);
            break;
        }
        let normal = if has(tok, b"gzip") {
            tok == b"gzip" || tok == b"x-gzip"
        } else if has(tok, b"deflate") {
            tok == b"deflate" || tok == b"x-deflate"
        } else {
            matches!(tok, b"lzma" | b"inflate" | b"none")
        };
        if !normal {
            f.insert(TxFlags::CE_ABNORMAL);
        }
    }
    f
}
