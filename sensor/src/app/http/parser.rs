//! Incremental per-flow HTTP/1.x parser: in-order stream bytes per direction in, transactions
//! out, in order.
//!
//! Each direction is a small state machine that appends the current line to the message's
//! arena, so input may be split anywhere (one byte at a time or many pipelined messages per
//! call) and the result is the same. A transaction is created when its request starts; a
//! response pairs with the oldest request that has no response yet (FIFO), or becomes a
//! response-only transaction when there is none.

use std::collections::VecDeque;

use super::body::{Body, BodyEvent};
use super::config::HttpConfig;
use super::headers::{looks_like_header, parse_header_line, Span};
use super::normalize::{
    is_lws, is_space, normalize_uri, normalize_uri_hostname, parse_content_length,
    parse_host_header, parse_port, parse_status, split_uri,
};
use super::transaction::{
    HttpRequest, HttpResponse, HttpTransaction, Message, ReqMeta, TxFlags,
};
use crate::app::Direction;

/// Counters of one parser (one flow); add them up per worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// Requests whose parsing finished (complete or cut short).
    pub requests: u64,
    /// Responses whose parsing finished (complete or cut short).
    pub responses: u64,
    /// Responses that no request could be paired with.
    pub unmatched_responses: u64,
    /// Interim 1xx responses skipped (100 Continue, 102, 103).
    pub interim_responses: u64,
    /// A message head went over the size or count limit; that direction stopped.
    pub header_limit_errors: u64,
    /// Invalid Content-Length or chunk framing; that direction stopped (or, for a response
    /// with bad chunks, fell back to reading until close).
    pub parse_errors: u64,
    /// Gaps inside bodies of known length, stepped over.
    pub gaps_skipped: u64,
    /// Gaps that made a direction stop (message boundary lost).
    pub gaps_fatal: u64,
    /// Transactions dropped unread because too many were in flight (`max_txs`).
    pub txs_evicted: u64,
    /// CONNECT or protocol upgrades accepted: the flow stopped being HTTP.
    pub tunnels: u64,
    /// Bytes not parsed (after a tunnel, an error or a fatal gap).
    pub bytes_ignored: u64,
}

/// State of the request direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReqPhase {
    /// Between requests (empty lines skipped).
    Idle,
    Line,
    Headers,
    Body(Body),
    /// After CONNECT or an Upgrade request: bytes held until the response says whether the
    /// stream becomes a tunnel.
    AwaitResponse,
    Tunnel,
    Failed,
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RespPhase {
    Idle,
    Line,
    Headers,
    Body(Body),
    Tunnel,
    Failed,
    Closed,
}

/// Head-parsing state shared by both directions.
#[derive(Debug, Default)]
struct HeadState {
    /// Start of the current line in the arena.
    line_start: usize,
    /// Raw head bytes received (limit accounting).
    head_bytes: usize,
    /// Last header line, kept until the next line shows whether it continues (folding).
    pending: Option<Span>,
    /// Flags gathered while the message is being parsed.
    flags: TxFlags,
}

#[derive(Debug)]
struct ReqSide {
    phase: ReqPhase,
    msg: HttpRequest,
    tx: u64,
    head: HeadState,
    /// The request line had no protocol: the next line decides between HTTP/0.9 and headers.
    probe09: bool,
    held: Vec<u8>,
}

#[derive(Debug)]
struct RespSide {
    phase: RespPhase,
    msg: HttpResponse,
    tx: Option<u64>,
    head: HeadState,
    /// The status line has been checked to start with `HTTP`.
    checked: bool,
}

/// Per-flow HTTP/1.x parser. See the module documentation of [`super`] for the API contract.
#[derive(Debug)]
pub struct HttpParser {
    cfg: HttpConfig,
    txs: VecDeque<HttpTransaction>,
    /// Id of `txs[0]`.
    first_id: u64,
    /// Id the next transaction gets.
    next_id: u64,
    /// Id of the transaction the next response pairs with.
    resp_next: u64,
    /// Next transaction whose finished request `next_request` has not returned yet.
    report_next: u64,
    req: ReqSide,
    resp: RespSide,
    stats: HttpStats,
    /// Reused for copies made while deriving buffers (no allocation per message once warm).
    scratch: Vec<u8>,
}

impl Default for HttpParser {
    fn default() -> Self {
        HttpParser::new(HttpConfig::default())
    }
}

/// Appends the current line's bytes to `arena` until a LF; returns (used, line complete), or
/// `None` when the head would exceed `limit`.
#[inline]
fn take_line(
    arena: &mut Vec<u8>,
    head: &mut HeadState,
    data: &[u8],
    limit: usize,
) -> Option<(usize, bool)> {
    let (n, done) = match memchr::memchr(b'\n', data) {
        Some(p) => (p + 1, true),
        None => (data.len(), false),
    };
    if head.head_bytes + n > limit {
        return None;
    }
    head.head_bytes += n;
    arena.extend_from_slice(&data[..n]);
    Some((n, done))
}

/// Removes the line end (any trailing CR/LF, as libhtp's chomp) and returns the line's span.
#[inline]
fn chomp(arena: &mut Vec<u8>, start: usize) -> Span {
    while arena.len() > start && matches!(arena.last(), Some(b'\r' | b'\n')) {
        arena.pop();
    }
    Span::new(start, arena.len())
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Records the previous header line and starts `line` (folding handled by the caller).
/// Returns false when the header count limit is exceeded.
fn flush_pending(m: &mut Message, head: &mut HeadState, max_headers: usize) -> bool {
    if let Some(p) = head.pending.take() {
        if m.headers.raw.len() >= max_headers {
            return false;
        }
        let f = parse_header_line(&m.arena, p);
        m.headers.raw.push(f);
    }
    true
}

/// Handles one complete header line (already chomped). Returns `Err(())` on the header count
/// limit, `Ok(true)` at the end of the head.
fn header_line(
    m: &mut Message,
    head: &mut HeadState,
    line: Span,
    max_headers: usize,
) -> Result<bool, ()> {
    if line.len() == 0 {
        if !flush_pending(m, head, max_headers) {
            return Err(());
        }
        return Ok(true);
    }
    let first = m.arena.get(line.start as usize).copied().unwrap_or(0);
    if is_lws(first) {
        match head.pending.as_mut() {
            // The previous line ended where this one starts: extending joins them as libhtp does.
            Some(p) if p.end == line.start => p.end = line.end,
            _ => {
                if !flush_pending(m, head, max_headers) {
                    return Err(());
                }
                let data = line.get(&m.arena);
                let skip = data.iter().take_while(|&&c| is_lws(c)).count();
                head.pending = Some(Span::new(line.start as usize + skip, line.end as usize));
            }
        }
    } else {
        if !flush_pending(m, head, max_headers) {
            return Err(());
        }
        head.pending = Some(line);
    }
    Ok(false)
}

/// Splits a request line: (method, target, protocol) as libhtp does.
fn split_request_line(line: &[u8], base: usize) -> (Span, Option<Span>, Option<Span>) {
    let len = line.len();
    let mut pos = 0;
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    let ms = pos;
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let method = Span::new(base + ms, base + pos);
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (method, None, None);
    }
    let us = pos;
    while pos < len && line[pos] != b' ' {
        pos += 1;
    }
    let uri = Span::new(base + us, base + pos);
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (method, Some(uri), None);
    }
    (method, Some(uri), Some(Span::new(base + pos, base + len)))
}

/// Splits a status line: (protocol, status, message).
fn split_status_line(line: &[u8], base: usize) -> (Option<Span>, Option<Span>, Option<Span>) {
    let len = line.len();
    let mut pos = 0;
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    let ps = pos;
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let proto = Some(Span::new(base + ps, base + pos));
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (proto, None, None);
    }
    let ss = pos;
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let status = Some(Span::new(base + ss, base + pos));
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (proto, status, None);
    }
    (proto, status, Some(Span::new(base + pos, base + len)))
}

/// Fills the request's derived buffers once its head is over (or cut short). `scratch` is a
/// reusable buffer (the target and Host value are copied there because results are appended
/// to the arena they live in).
fn finish_request_head(r: &mut HttpRequest, connect: bool, scratch: &mut Vec<u8>) {
    let m = &mut r.m;
    m.headers.merge(&mut m.arena);
    if let Some(u) = r.uri {
        scratch.clear();
        scratch.extend_from_slice(u.get(&m.arena));
        if connect {
            // Authority form (`host:port`): no path, so no `http.uri`.
            let hp = parse_host_header(scratch);
            if let Some(h) = hp.host {
                let start = m.arena.len();
                m.arena.extend_from_slice(h);
                m.arena[start..].make_ascii_lowercase();
                let span = Span::new(start, m.arena.len());
                r.host = Some(span);
                r.host_raw = Some(span);
                r.eve_hostname = Some(span);
                r.port = hp.port;
            }
        } else {
            let parts = split_uri(scratch);
            let start = m.arena.len();
            if normalize_uri(&parts, &mut m.arena) {
                r.uri_norm = Some(Span::new(start, m.arena.len()));
            }
            if let Some(h) = parts.hostname {
                let start = m.arena.len();
                normalize_uri_hostname(h, &mut m.arena);
                let span = Span::new(start, m.arena.len());
                r.host = Some(span);
                r.host_raw = Some(span);
                r.eve_hostname = Some(span);
                r.port = parts.port.and_then(parse_port);
            }
        }
    }
    if r.host.is_none() {
        if let Some(v) = m.headers.get(&m.arena, b"host") {
            scratch.clear();
            scratch.extend_from_slice(v.get(&m.arena));
            let hp = parse_host_header(scratch);
            if let Some(h) = hp.host {
                // Original case first (EVE `hostname` keeps it when a port follows, as libhtp
                // does), lowercased copy second (`http.host`).
                let start = m.arena.len();
                m.arena.extend_from_slice(h);
                let mid = m.arena.len();
                m.arena.extend_from_slice(h);
                m.arena[mid..].make_ascii_lowercase();
                let lower = Span::new(mid, m.arena.len());
                r.eve_hostname = Some(if hp.lowercased_by_libhtp {
                    lower
                } else {
                    Span::new(start, mid)
                });
                r.host = Some(lower);
                r.host_raw = Some(v);
                r.port = hp.port;
            }
        }
    }
    m.header_buf = m.headers.build_buffer(&mut m.arena, b"cookie");
}

fn finish_response_head(r: &mut HttpResponse) {
    r.m.headers.merge(&mut r.m.arena);
    r.m.header_buf = r.m.headers.build_buffer(&mut r.m.arena, b"set-cookie");
}

/// Checks repeated Content-Length headers: returns the first value and whether others differ.
fn content_length_of(m: &Message) -> (Option<Option<u64>>, bool) {
    let mut first: Option<Option<u64>> = None;
    let mut ambiguous = false;
    for f in &m.headers.raw {
        if !f.name.get(&m.arena).eq_ignore_ascii_case(b"content-length") {
            continue;
        }
        let v = parse_content_length(f.value.get(&m.arena));
        match first {
            None => first = Some(v),
            Some(prev) if prev != v => ambiguous = true,
            Some(_) => {}
        }
    }
    (first, ambiguous)
}

impl HttpParser {
    pub fn new(cfg: HttpConfig) -> HttpParser {
        let cfg = cfg.sanitized();
        HttpParser {
            cfg,
            txs: VecDeque::new(),
            first_id: 0,
            next_id: 0,
            resp_next: 0,
            report_next: 0,
            req: ReqSide {
                phase: ReqPhase::Idle,
                msg: HttpRequest::default(),
                tx: 0,
                head: HeadState::default(),
                probe09: false,
                held: Vec::new(),
            },
            resp: RespSide {
                phase: RespPhase::Idle,
                msg: HttpResponse::default(),
                tx: None,
                head: HeadState::default(),
                checked: false,
            },
            stats: HttpStats::default(),
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    pub fn stats(&self) -> &HttpStats {
        &self.stats
    }

    /// Feeds in-order stream bytes of one direction.
    pub fn feed(&mut self, dir: Direction, data: &[u8]) {
        match dir {
            Direction::ToServer => self.feed_req(data),
            Direction::ToClient => self.feed_resp(data),
        }
    }

    /// Reports `len` bytes lost in `dir` (reassembly gap). Inside a body of known length the
    /// loss is stepped over and parsing continues with the next message; anywhere else the
    /// direction stops (the message in progress is kept, marked truncated).
    pub fn gap(&mut self, dir: Direction, len: u64) {
        match dir {
            Direction::ToServer => self.gap_req(len),
            Direction::ToClient => self.gap_resp(len),
        }
    }

    /// The direction's stream ended (FIN, RST or flow end): a close-delimited response is
    /// complete, anything else in progress is kept as truncated, and requests still waiting
    /// for a response give up waiting once the server side is closed.
    pub fn close(&mut self, dir: Direction) {
        match dir {
            Direction::ToServer => self.close_req(),
            Direction::ToClient => self.close_resp(),
        }
    }

    /// Closes both directions (end of flow). Afterwards every transaction is done.
    pub fn finish(&mut self) {
        self.close_req();
        self.close_resp();
    }

    /// Next transaction whose request is finished (complete or cut short) and not yet returned
    /// by this method, in order: the point to inspect request buffers without waiting for the
    /// response. Response-only transactions are skipped.
    pub fn next_request(&mut self) -> Option<&HttpTransaction> {
        loop {
            if self.report_next < self.first_id {
                self.report_next = self.first_id;
            }
            let idx = (self.report_next - self.first_id) as usize;
            let tx = self.txs.get(idx)?;
            if !tx.req_done {
                return None;
            }
            self.report_next += 1;
            if tx.request.is_some() {
                return self.txs.get(idx);
            }
        }
    }

    /// Removes and returns the oldest transaction if it is done (both sides finished). Call
    /// until `None` after each feed; transactions come out in order.
    pub fn next_complete(&mut self) -> Option<HttpTransaction> {
        if self.txs.front()?.is_done() {
            self.first_id += 1;
            self.txs.pop_front()
        } else {
            None
        }
    }

    /// Transactions still held (in flight, or done and not yet taken), oldest first.
    pub fn transactions(&self) -> impl Iterator<Item = &HttpTransaction> {
        self.txs.iter()
    }

    /// The flow switched to another protocol (CONNECT accepted or 101 Switching Protocols).
    pub fn is_tunnel(&self) -> bool {
        self.req.phase == ReqPhase::Tunnel || self.resp.phase == RespPhase::Tunnel
    }

    /// Neither direction will parse anything more (tunnel, errors, fatal gaps or closes).
    pub fn is_finished(&self) -> bool {
        matches!(
            self.req.phase,
            ReqPhase::Tunnel | ReqPhase::Failed | ReqPhase::Closed
        ) && matches!(
            self.resp.phase,
            RespPhase::Tunnel | RespPhase::Failed | RespPhase::Closed
        )
    }

    // ---- transactions ----

    fn tx_mut(&mut self, id: u64) -> Option<&mut HttpTransaction> {
        let idx = id.checked_sub(self.first_id)?;
        self.txs.get_mut(usize::try_from(idx).ok()?)
    }

    fn meta(&self, id: u64) -> ReqMeta {
        id.checked_sub(self.first_id)
            .and_then(|i| self.txs.get(i as usize))
            .map(|t| t.meta)
            .unwrap_or_default()
    }

    fn resp_side_dead(&self) -> bool {
        matches!(
            self.resp.phase,
            RespPhase::Failed | RespPhase::Closed | RespPhase::Tunnel
        )
    }

    /// Appends a transaction (evicting the oldest one beyond `max_txs`); returns its id.
    fn push_tx(&mut self, response_only: bool) -> u64 {
        if self.txs.len() >= self.cfg.max_txs {
            self.txs.pop_front();
            self.first_id += 1;
            self.stats.txs_evicted += 1;
        }
        let id = self.next_id;
        self.next_id += 1;
        let dead = self.resp_side_dead();
        self.txs.push_back(HttpTransaction {
            id,
            req_done: response_only,
            resp_done: !response_only && dead,
            ..HttpTransaction::default()
        });
        id
    }

    /// Marks every transaction still expecting a response as never getting one.
    fn no_more_responses(&mut self) {
        for tx in self.txs.iter_mut() {
            tx.resp_done = true;
        }
    }

    // ---- request side ----

    fn start_request(&mut self) {
        let id = self.push_tx(false);
        self.req.tx = id;
        self.req.msg = HttpRequest {
            m: Message::with_capacity(512),
            ..HttpRequest::default()
        };
        self.req.head = HeadState::default();
        self.req.probe09 = false;
        self.req.phase = ReqPhase::Line;
    }

    fn feed_req(&mut self, mut data: &[u8]) {
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
                                if let Some(carry) = self.req_line_done() {
                                    self.feed_req(&carry);
                                }
                            }
                        }
                    }
                }
                ReqPhase::Body(mut body) => {
                    let limit = self.cfg.request_body_limit;
                    let max_tr = self.cfg.max_head_bytes as u32;
                    let (n, ev) = body.feed(data, &mut self.req.msg.m, limit, max_tr);
                    data = &data[n..];
                    self.req.phase = ReqPhase::Body(body);
                    match ev {
                        BodyEvent::More => {}
                        BodyEvent::Done => self.req_complete(),
                        BodyEvent::Invalid => {
                            self.stats.parse_errors += 1;
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
                ReqPhase::Tunnel | ReqPhase::Failed | ReqPhase::Closed => {
                    self.stats.bytes_ignored += data.len() as u64;
                    data = &[];
                }
            }
        }
    }

    /// A complete line of the request head is in the arena. Returns bytes to parse again when
    /// an HTTP/0.9 request turned out to be followed by the next request's line.
    fn req_line_done(&mut self) -> Option<Vec<u8>> {
        let start = self.req.head.line_start;
        let m = &mut self.req.msg.m;
        let line = chomp(&mut m.arena, start);
        if self.req.phase == ReqPhase::Line {
            m.line = line;
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

    fn finish_http09(&mut self) {
        let id = self.req.tx;
        finish_request_head(&mut self.req.msg, false, &mut self.scratch);
        self.req.head.flags.insert(TxFlags::HTTP09);
        if let Some(tx) = self.tx_mut(id) {
            tx.meta.http09 = true;
        }
        self.req_complete();
    }

    fn req_head_done(&mut self) {
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
        let te = r.header(b"transfer-encoding").map(|v| contains_ci(v, b"chunked"));
        let (cl, ambiguous) = content_length_of(&r.m);
        if ambiguous {
            self.req.head.flags.insert(TxFlags::AMBIGUOUS_CONTENT_LENGTH);
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
                    self.req.head.flags.insert(TxFlags::INVALID_TRANSFER_ENCODING);
                }
                match cl {
                    None => self.req_complete(),
                    Some(None) => {
                        self.stats.parse_errors += 1;
                        self.req.head.flags.insert(TxFlags::INVALID_CONTENT_LENGTH);
                        self.req_complete();
                        self.req.phase = ReqPhase::Failed;
                    }
                    Some(Some(n)) => {
                        self.req.msg.m.content_length = Some(n);
                        if n == 0 {
                            self.req_complete();
                        } else {
                            self.req.msg.m.body.reserve(
                                (n as usize).min(self.cfg.request_body_limit),
                            );
                            self.req.phase = ReqPhase::Body(Body::Length { remaining: n });
                        }
                    }
                }
            }
        }
    }

    /// Hands the request in progress to its transaction.
    fn attach_request(&mut self, complete: bool) {
        let mut msg = std::mem::take(&mut self.req.msg);
        msg.m.complete = complete;
        let mut flags = std::mem::take(&mut self.req.head.flags);
        if !complete {
            flags.insert(TxFlags::REQUEST_TRUNCATED);
        }
        let id = self.req.tx;
        self.stats.requests += 1;
        let dead = self.resp_side_dead();
        if let Some(tx) = self.tx_mut(id) {
            tx.request = Some(msg);
            tx.flags.insert(flags);
            tx.req_done = true;
            if dead {
                tx.resp_done = true;
            }
        }
    }

    fn req_complete(&mut self) {
        let id = self.req.tx;
        self.attach_request(true);
        let meta = self.meta(id);
        self.req.phase = ReqPhase::Idle;
        if meta.connect || meta.upgrade {
            // The response decides whether what follows is still HTTP.
            let (answered, tunnel) = self
                .tx_mut(id)
                .map(|t| (t.resp_done, t.flags.contains(TxFlags::TUNNEL)))
                .unwrap_or((true, false));
            if tunnel {
                self.req.phase = ReqPhase::Tunnel;
            } else if !answered {
                self.req.phase = ReqPhase::AwaitResponse;
            }
        }
    }

    /// Stops the request direction, keeping the request in progress as truncated.
    fn req_fail(&mut self, flag: TxFlags) {
        self.req.head.flags.insert(flag);
        self.abandon_request();
        self.req.phase = ReqPhase::Failed;
    }

    fn abandon_request(&mut self) {
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

    fn gap_req(&mut self, len: u64) {
        match self.req.phase {
            ReqPhase::Body(mut body) => {
                if body.gap(len, &mut self.req.msg.m) {
                    self.stats.gaps_skipped += 1;
                    self.req.head.flags.insert(TxFlags::REQUEST_BODY_GAP);
                    self.req.phase = ReqPhase::Body(body);
                    if body.is_finished() {
                        self.req_complete();
                    }
                } else {
                    self.stats.gaps_fatal += 1;
                    self.req_fail(TxFlags::REQUEST_BODY_GAP);
                }
            }
            ReqPhase::Tunnel | ReqPhase::Failed | ReqPhase::Closed => {}
            _ if len == 0 => {}
            _ => {
                self.stats.gaps_fatal += 1;
                self.req_fail(TxFlags::default());
            }
        }
    }

    fn close_req(&mut self) {
        match self.req.phase {
            ReqPhase::Headers if self.req.probe09 && self.req.head.pending.is_none() => {
                let start = self.req.head.line_start;
                self.req.msg.m.arena.truncate(start);
                self.finish_http09();
            }
            ReqPhase::Line | ReqPhase::Headers | ReqPhase::Body(_) => self.abandon_request(),
            _ => {}
        }
        self.req.held = Vec::new();
        if self.req.phase != ReqPhase::Tunnel {
            self.req.phase = ReqPhase::Closed;
        }
    }

    /// The response for the CONNECT/Upgrade request was not a switch: parse the held bytes.
    fn resume_requests(&mut self) {
        if self.req.phase == ReqPhase::AwaitResponse {
            self.req.phase = ReqPhase::Idle;
            let held = std::mem::take(&mut self.req.held);
            self.feed_req(&held);
        }
    }

    // ---- response side ----

    fn start_response(&mut self) {
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
            m: Message::with_capacity(512),
            ..HttpResponse::default()
        };
        self.resp.head = HeadState::default();
        self.resp.checked = false;
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

    fn feed_resp(&mut self, mut data: &[u8]) {
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
                    let limit = self.cfg.max_head_bytes;
                    let r = &mut self.resp;
                    match take_line(&mut r.msg.m.arena, &mut r.head, data, limit) {
                        None => {
                            self.stats.header_limit_errors += 1;
                            self.resp_fail(TxFlags::RESPONSE_HEADER_LIMIT);
                        }
                        Some((n, done)) => {
                            data = &data[n..];
                            if self.resp.phase == RespPhase::Line && !self.resp.checked {
                                self.check_status_line(done);
                            }
                            if done
                                && matches!(self.resp.phase, RespPhase::Line | RespPhase::Headers)
                            {
                                self.resp_line_done();
                            }
                        }
                    }
                }
                RespPhase::Body(mut body) => {
                    let limit = self.cfg.response_body_limit;
                    let max_tr = self.cfg.max_head_bytes as u32;
                    let (n, ev) = body.feed(data, &mut self.resp.msg.m, limit, max_tr);
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
                            self.resp.phase = RespPhase::Body(Body::UntilClose);
                        }
                    }
                }
                RespPhase::Tunnel | RespPhase::Failed | RespPhase::Closed => {
                    self.stats.bytes_ignored += data.len() as u64;
                    data = &[];
                }
            }
        }
    }

    /// A response whose first line does not start with `HTTP` (after whitespace) is raw data
    /// until close, as libhtp treats it. Decided once four significant bytes are in.
    fn check_status_line(&mut self, line_done: bool) {
        let start = self.resp.head.line_start;
        let m = &mut self.resp.msg.m;
        let line = &m.arena[start.min(m.arena.len())..];
        let lead = line
            .iter()
            .take_while(|&&c| is_space(c) || c == 0)
            .count();
        let rest = &line[lead..];
        if rest.len() < 4 && !line_done {
            return;
        }
        self.resp.checked = true;
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"HTTP") {
            return;
        }
        let raw = m.arena.split_off(start);
        m.body.extend_from_slice(&raw[..raw.len().min(self.cfg.response_body_limit)]);
        m.body_len += raw.len() as u64;
        m.wire_len += raw.len() as u64;
        self.resp.msg.no_status_line = true;
        self.resp.head.flags.insert(TxFlags::RESPONSE_NO_STATUS_LINE);
        self.resp.phase = RespPhase::Body(Body::UntilClose);
    }

    fn resp_line_done(&mut self) {
        let start = self.resp.head.line_start;
        let m = &mut self.resp.msg.m;
        let line = chomp(&mut m.arena, start);
        if self.resp.phase == RespPhase::Line {
            m.line = line;
            let (proto, status, message) = split_status_line(line.get(&m.arena), start);
            let r = &mut self.resp.msg;
            r.protocol = proto;
            r.status = status;
            r.message = message;
            r.status_code = status.and_then(|s| parse_status(s.get(&r.m.arena)));
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

    fn resp_head_done(&mut self) {
        let Some(id) = self.resp.tx else { return };
        self.resp.msg.m.headers_done = true;
        finish_response_head(&mut self.resp.msg);
        let meta = self.meta(id);
        let status = self.resp.msg.status_code.unwrap_or(0);
        if status == 101 {
            self.resp_complete();
            self.enter_tunnel(id);
            return;
        }
        if (100..200).contains(&status) {
            // Interim response: the final one for the same request follows.
            self.stats.interim_responses += 1;
            self.resp.msg = HttpResponse::default();
            self.resp.phase = RespPhase::Idle;
            return;
        }
        if meta.connect && (200..300).contains(&status) {
            self.resp_complete();
            self.enter_tunnel(id);
            return;
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
        let m = &self.resp.msg.m;
        let te = self
            .resp
            .msg
            .header(b"transfer-encoding")
            .is_some_and(|v| contains_ci(v, b"chunked"));
        let (cl, ambiguous) = content_length_of(m);
        if ambiguous {
            self.resp.head.flags.insert(TxFlags::AMBIGUOUS_CONTENT_LENGTH);
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
            match cl {
                None => self.resp.phase = RespPhase::Body(Body::UntilClose),
                Some(None) => {
                    self.stats.parse_errors += 1;
                    self.resp.head.flags.insert(TxFlags::INVALID_CONTENT_LENGTH);
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
        if (meta.connect || meta.upgrade) && self.req.tx == id {
            self.resume_requests();
        }
    }

    fn attach_response(&mut self, complete: bool) {
        let Some(id) = self.resp.tx.take() else {
            return;
        };
        let mut msg = std::mem::take(&mut self.resp.msg);
        msg.m.complete = complete;
        let mut flags = std::mem::take(&mut self.resp.head.flags);
        if !complete {
            flags.insert(TxFlags::RESPONSE_TRUNCATED);
        }
        self.stats.responses += 1;
        if let Some(tx) = self.tx_mut(id) {
            tx.response = Some(msg);
            tx.flags.insert(flags);
            tx.resp_done = true;
        }
    }

    fn resp_complete(&mut self) {
        self.attach_response(true);
        self.resp.phase = RespPhase::Idle;
    }

    fn enter_tunnel(&mut self, id: u64) {
        self.stats.tunnels += 1;
        if let Some(tx) = self.tx_mut(id) {
            tx.flags.insert(TxFlags::TUNNEL);
        }
        if self.req.tx != id || self.req.phase != ReqPhase::Idle {
            self.abandon_request();
        }
        self.req.held = Vec::new();
        self.req.phase = ReqPhase::Tunnel;
        self.resp.phase = RespPhase::Tunnel;
        for tx in self.txs.iter_mut() {
            tx.req_done = true;
            tx.resp_done = true;
        }
    }

    fn resp_fail(&mut self, flag: TxFlags) {
        self.resp.head.flags.insert(flag);
        self.abandon_response();
        self.resp.phase = RespPhase::Failed;
        self.no_more_responses();
    }

    fn abandon_response(&mut self) {
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

    fn gap_resp(&mut self, len: u64) {
        match self.resp.phase {
            RespPhase::Body(mut body) => {
                if body.gap(len, &mut self.resp.msg.m) {
                    self.stats.gaps_skipped += 1;
                    self.resp.head.flags.insert(TxFlags::RESPONSE_BODY_GAP);
                    self.resp.phase = RespPhase::Body(body);
                    if body.is_finished() {
                        self.resp_complete();
                    }
                } else {
                    self.stats.gaps_fatal += 1;
                    self.resp_fail(TxFlags::RESPONSE_BODY_GAP);
                }
            }
            RespPhase::Tunnel | RespPhase::Failed | RespPhase::Closed => {}
            _ if len == 0 => {}
            _ => {
                self.stats.gaps_fatal += 1;
                self.resp_fail(TxFlags::default());
            }
        }
    }

    fn close_resp(&mut self) {
        match self.resp.phase {
            RespPhase::Body(Body::UntilClose) => self.resp_complete(),
            RespPhase::Line if !self.resp.checked => {
                self.check_status_line(true);
                if matches!(self.resp.phase, RespPhase::Body(_)) {
                    self.resp_complete();
                } else {
                    self.abandon_response();
                }
            }
            RespPhase::Line | RespPhase::Headers | RespPhase::Body(_) => self.abandon_response(),
            _ => {}
        }
        if self.resp.phase != RespPhase::Tunnel {
            self.resp.phase = RespPhase::Closed;
        }
        self.no_more_responses();
    }
}
