//! Incremental per-flow HTTP/1.x parser: in-order stream bytes per direction in, transactions
//! out, in order.
//!
//! Each direction is a small state machine that appends the current line to the message's
//! arena, so input may be split anywhere (one byte at a time or many pipelined messages per
//! call) and the result is the same. A transaction is created when its request starts; a
//! response pairs with the oldest request that has no response yet (FIFO), or becomes a
//! response-only transaction when there is none.

mod head;
mod request;
mod response;
mod resync;

use std::collections::VecDeque;

use self::head::HeadState;
use self::resync::Resync;
use super::body::Body;
use super::config::HttpConfig;
use super::decompress::{codings, BodyDecoder};
use super::transaction::{HttpRequest, HttpResponse, HttpTransaction, Message, ReqMeta};
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
    /// Gaps elsewhere: the message in progress is kept as truncated and the next message start
    /// is looked for in the bytes after the gap.
    pub gaps_resync: u64,
    /// Bytes skipped after such gaps before the next message start was found.
    pub resync_bytes_skipped: u64,
    /// Transactions dropped unread because too many were in flight (`max_txs`).
    pub txs_evicted: u64,
    /// CONNECT or protocol upgrades accepted: the flow stopped being HTTP.
    pub tunnels: u64,
    /// Bytes not parsed (after a tunnel, an error or a fatal gap).
    pub bytes_ignored: u64,
    /// Bodies with a gzip/deflate Content-Encoding that were inflated (either direction).
    pub bodies_decompressed: u64,
    /// Bodies whose decoding failed: not compressed as labelled (kept raw), corrupt or
    /// truncated stream, a gap, or the work bound.
    pub decompress_errors: u64,
}

impl std::ops::AddAssign for HttpStats {
    /// Sums counters (per-worker totals).
    fn add_assign(&mut self, o: HttpStats) {
        self.requests += o.requests;
        self.responses += o.responses;
        self.unmatched_responses += o.unmatched_responses;
        self.interim_responses += o.interim_responses;
        self.header_limit_errors += o.header_limit_errors;
        self.parse_errors += o.parse_errors;
        self.gaps_skipped += o.gaps_skipped;
        self.gaps_resync += o.gaps_resync;
        self.resync_bytes_skipped += o.resync_bytes_skipped;
        self.txs_evicted += o.txs_evicted;
        self.tunnels += o.tunnels;
        self.bytes_ignored += o.bytes_ignored;
        self.bodies_decompressed += o.bodies_decompressed;
        self.decompress_errors += o.decompress_errors;
    }
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
    /// After a gap that lost the message boundary: the next bytes must start a request.
    Resync,
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
    /// After a gap that lost the message boundary: the next bytes must start a response.
    Resync,
    Tunnel,
    Failed,
    Closed,
}

#[derive(Debug)]
pub(super) struct ReqSide {
    phase: ReqPhase,
    msg: HttpRequest,
    tx: u64,
    head: HeadState,
    /// The request line had no protocol: the next line decides between HTTP/0.9 and headers.
    probe09: bool,
    /// Bytes after a CONNECT or Upgrade request, until its response is seen.
    held: Vec<u8>,
    rs: Resync,
    /// Decoder of the body in progress when its Content-Encoding asks for one.
    dec: Option<Box<BodyDecoder>>,
}

#[derive(Debug)]
pub(super) struct RespSide {
    phase: RespPhase,
    msg: HttpResponse,
    tx: Option<u64>,
    head: HeadState,
    /// The status line has been checked to start with `HTTP`.
    checked: bool,
    /// A complete first line that does not look like a status line waits for the next byte:
    /// it is skipped when a status line follows.
    junk: bool,
    /// A header line of one space or tab waits for the next byte (see `ws_line`).
    ws_end: bool,
    rs: Resync,
    /// Decoder of the body in progress when its Content-Encoding asks for one.
    dec: Option<Box<BodyDecoder>>,
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
    /// The flow already changed protocol: an upgrade to HTTP/2 fails (Suricata 7).
    after_change: bool,
}

impl Default for HttpParser {
    fn default() -> Self {
        HttpParser::new(HttpConfig::default())
    }
}

impl HttpParser {
    /// The stream this parser reads is the result of a protocol change (STARTTLS to an
    /// unexpected HTTP, an HTTP tunnel): a `101` switching to HTTP/2 then fails, as Suricata
    /// 7.0.10 refuses a flow's second change (`http.failed_protocol_change`).
    pub fn after_protocol_change(&mut self) {
        self.after_change = true;
    }

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
                rs: Resync::default(),
                dec: None,
            },
            resp: RespSide {
                phase: RespPhase::Idle,
                msg: HttpResponse::default(),
                tx: None,
                head: HeadState::default(),
                checked: false,
                junk: false,
                ws_end: false,
                rs: Resync::default(),
                dec: None,
            },
            stats: HttpStats::default(),
            scratch: Vec::new(),
            after_change: false,
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

    /// Heap bytes held by this parser (transactions, messages in progress, buffers): what the
    /// limits in [`HttpConfig`] bound.
    pub fn heap_bytes(&self) -> usize {
        self.txs
            .iter()
            .map(HttpTransaction::heap_bytes)
            .sum::<usize>()
            + self.txs.capacity() * std::mem::size_of::<HttpTransaction>()
            + self.req.msg.m.heap_bytes()
            + self.resp.msg.m.heap_bytes()
            + self.req.held.capacity()
            + self.req.rs.held.capacity()
            + self.resp.rs.held.capacity()
            + self.scratch.capacity()
            + self.req.dec.as_ref().map_or(0, |d| d.heap_bytes())
            + self.resp.dec.as_ref().map_or(0, |d| d.heap_bytes())
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

    /// A decoder for the body of `m` that starts now, when its Content-Encoding names gzip or
    /// deflate layers.
    fn body_decoder(&self, m: &Message, limit: usize) -> Option<Box<BodyDecoder>> {
        let ce = m.header(b"content-encoding")?;
        BodyDecoder::new(&codings(ce, self.cfg.decompress_layer_limit), limit)
    }

    /// The body of a direction ended (complete or not): passes on what its decoder still
    /// holds, counts what it saw and frees it.
    /// Returns whether the body failed to inflate (libhtp's decompression warning).
    fn end_decoder(
        stats: &mut HttpStats,
        dec: &mut Option<Box<BodyDecoder>>,
        m: &mut Message,
    ) -> bool {
        if let Some(mut d) = dec.take() {
            let r = d.finish(&mut m.body);
            stats.bodies_decompressed += u64::from(r.inflated);
            stats.decompress_errors += u64::from(r.error);
            return r.failed;
        }
        false
    }

    /// Marks every transaction still expecting a response as never getting one.
    fn no_more_responses(&mut self) {
        for tx in self.txs.iter_mut() {
            tx.resp_done = true;
        }
    }
}
