//! The worker's side of the behaviour stage: turns what the worker already knows (a packet's
//! flow, a finished transaction, a DNS message, a handshake, a flow's end) into compact
//! events, buffers them, and hands them to the stage in batches, with the worker's packet
//! clock as a watermark. Per packet it costs a few comparisons on the flow's `FlowMark`; an
//! event is made per flow, burst, progress step or transaction, never per packet.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::events::{
    Batch, Body, Conn, DnsEvent, Event, FlowSummary, HttpEvent, LoginProto, LoginResult, Outcome,
};
use super::inject;
use super::login::{self, LoginState};
use crate::app::dns::DnsMessage;
use crate::app::http::HttpTransaction;
use crate::app::tls::TlsRecord;
use crate::app::AppProto;
use crate::decode::TcpHeader;
use crate::flow::{Endpoints, Flow, TO_CLIENT, TO_SERVER};
use crate::session::FlowApp;
use crate::time::Timestamp;

/// Events a worker buffers before it hands them over (also handed over after every batch).
const BATCH_EVENTS: usize = 512;
/// A long flow is reported every this many seconds ...
const PROGRESS_SECS: u64 = 60;
/// ... or this many bytes, whichever comes first.
const PROGRESS_BYTES: u64 = 8 << 20;
/// Payloads longer than this are not read for login commands (control lines are short).
const LOGIN_MAX_PAYLOAD: usize = 1024;
/// Client bytes after which a flow is no longer read for logins.
const LOGIN_MAX_CLIENT_BYTES: u64 = 256 << 10;

/// How far behind its clock a worker's watermark stays (see `Tap::send`).
const WATERMARK_SLACK_NS: u64 = 2_000_000_000;

/// What a flow carries for the behaviour stage (8 bytes in every flow entry).
#[derive(Clone, Copy, Debug, Default)]
pub struct FlowMark {
    /// Latest packet, in ms after the flow's start (saturating).
    last_ms: u32,
    /// Progress steps reported.
    progress: u16,
    /// Login protocol (`login::P_*`).
    login_proto: u8,
    flags: u8,
}

const CLIENT_DATA: u8 = 2;
const LOGIN_PENDING: u8 = 4;
const SSH_NOTED: u8 = 8;

/// Messages to the stage.
pub enum Msg {
    Events {
        worker: usize,
        events: Batch,
        /// No later event from this worker will carry an earlier emission time.
        watermark: Timestamp,
    },
    Done {
        worker: usize,
    },
}

/// Counters of one worker's tap.
#[derive(Clone, Copy, Debug, Default)]
pub struct TapStats {
    pub events: u64,
    /// Events dropped because the stage fell behind (live capture only; replay waits).
    pub dropped: u64,
}

/// One worker's connection to the stage.
pub struct Tap {
    worker: usize,
    buf: Batch,
    tx: Sender<Msg>,
    recycle: Receiver<Batch>,
    /// Live capture never waits for the stage: it drops and counts.
    live: bool,
    burst_idle_ms: u64,
    clock: Timestamp,
    sent_clock: Timestamp,
    pub stats: TapStats,
    /// Events dropped by every tap (live capture), counted where the stage publishes them.
    dropped: Arc<AtomicU64>,
    done: bool,
}

impl Conn {
    pub fn of(ep: &Endpoints, proto: u8) -> Conn {
        Conn {
            client: ep.src,
            server: ep.dst,
            cport: ep.src_port,
            sport: ep.dst_port,
            proto,
        }
    }
}

/// A flow's counters and how its connection attempt went.
pub fn summary(flow: &Flow<FlowApp>) -> FlowSummary {
    let outcome = if flow.pkts[TO_CLIENT] == 0 {
        Outcome::Unanswered
    } else if flow.key.proto == 6 {
        let back = flow.tcp.flags[TO_CLIENT];
        let synack = back & TcpHeader::SYN != 0;
        if back & TcpHeader::RST != 0 && !synack && flow.pkts[TO_CLIENT] <= 2 {
            Outcome::Rejected
        } else if flow.tcp.was_established()
            && (flow.bytes[TO_SERVER] > 0 && flow.bytes[TO_CLIENT] > 0)
            && (flow.pkts[TO_SERVER] > 3 || flow.pkts[TO_CLIENT] > 2)
        {
            Outcome::Conversation
        } else if synack || flow.tcp.was_established() {
            Outcome::Answered
        } else {
            // Midstream: packets both ways without a handshake seen.
            Outcome::Conversation
        }
    } else if flow.key.proto == 1 || flow.key.proto == 58 {
        // An echo answered by an unreachable is not an answer from the host.
        match flow.icmp[TO_CLIENT] {
            Some((3, _)) | Some((1, _)) => Outcome::Rejected,
            _ => Outcome::Conversation,
        }
    } else {
        Outcome::Conversation
    };
    FlowSummary {
        start: flow.start,
        last: flow.last,
        bytes: flow.bytes,
        pkts: flow.pkts,
        outcome,
        midstream: flow.key.proto == 6 && flow.tcp.flags[TO_SERVER] & TcpHeader::SYN == 0,
        icmp_type: flow.icmp[TO_SERVER].map(|(t, _)| t),
    }
}

impl Tap {
    pub fn new(
        worker: usize,
        tx: Sender<Msg>,
        recycle: Receiver<Batch>,
        live: bool,
        burst_idle_secs: u64,
        dropped: Arc<AtomicU64>,
    ) -> Tap {
        Tap {
            worker,
            buf: Batch::with_capacity(BATCH_EVENTS),
            tx,
            recycle,
            live,
            burst_idle_ms: burst_idle_secs.max(1) * 1000,
            clock: Timestamp::ZERO,
            sent_clock: Timestamp::ZERO,
            stats: TapStats::default(),
            dropped,
            done: false,
        }
    }

    #[inline]
    fn push(&mut self, ts: Timestamp, conn: Conn, body: Body) {
        self.stats.events += 1;
        self.buf.events.push(Event { ts, conn, body });
        if self.buf.len() >= BATCH_EVENTS {
            self.send();
        }
    }

    /// Every packet of a tracked flow, after the application layer has seen it.
    #[inline]
    pub fn packet(&mut self, flow: &mut Flow<FlowApp>, dir: usize, payload: &[u8], ts: Timestamp) {
        if ts > self.clock {
            self.clock = ts;
        }
        let rel = ts.as_nanos().saturating_sub(flow.start.as_nanos()) / 1_000_000;
        let rel = rel.min(u32::MAX as u64) as u32;
        // The mark stays a value (in registers) and is stored once, whole: partial stores
        // followed by a whole load stall the store buffer on every packet.
        let mark = flow.ext.beh;
        let mut m = mark;
        m.last_ms = m.last_ms.max(rel);
        if !payload.is_empty() && dir == TO_SERVER {
            let gap = rel.saturating_sub(mark.last_ms) as u64;
            if m.flags & CLIENT_DATA == 0 {
                m.flags |= CLIENT_DATA;
                self.burst(flow, ts, payload.len(), 0);
            } else if gap >= self.burst_idle_ms {
                self.burst(flow, ts, payload.len(), gap);
            }
        }
        // Progress is looked at every 16th packet of a flow (a step is a minute or 8 MB).
        let pkts = flow.pkts[0] + flow.pkts[1];
        if pkts & 15 == 0 {
            let step = (rel as u64 / 1000 / PROGRESS_SECS)
                .max((flow.bytes[0] + flow.bytes[1]) / PROGRESS_BYTES)
                .min(u16::MAX as u64) as u16;
            if step > m.progress {
                m.progress = step;
                self.progress(flow, ts);
            }
        }
        if !payload.is_empty()
            && flow.key.proto == 6
            && m.login_proto != login::P_NOT
            && payload.len() <= LOGIN_MAX_PAYLOAD
            && flow.bytes[TO_SERVER] <= LOGIN_MAX_CLIENT_BYTES
            && !matches!(
                flow.ext.proto,
                AppProto::Http | AppProto::Tls | AppProto::Dns
            )
        {
            m = self.login(flow, m, dir, payload, ts);
        }
        flow.ext.beh = m;
    }

    /// A contact: the flow's first client payload (`gap_ms` 0) or one after a silence.
    #[inline(never)]
    fn burst(&mut self, flow: &Flow<FlowApp>, ts: Timestamp, bytes: usize, gap_ms: u64) {
        let conn = Conn::of(&flow.endpoints(), flow.key.proto);
        // Contacts feed only the beacon series, which never takes these.
        if super::beacon::periodic_by_design(&conn) {
            return;
        }
        let bytes = bytes as u32;
        self.push(ts, conn, Body::Burst { bytes, gap_ms });
    }

    #[inline(never)]
    fn progress(&mut self, flow: &Flow<FlowApp>, ts: Timestamp) {
        let conn = Conn::of(&flow.endpoints(), flow.key.proto);
        self.push(ts, conn, Body::Progress(summary(flow)));
    }

    /// Reads a login exchange; the flow's mark as it is after this payload.
    #[inline(never)]
    fn login(
        &mut self,
        flow: &Flow<FlowApp>,
        mut m: FlowMark,
        dir: usize,
        payload: &[u8],
        ts: Timestamp,
    ) -> FlowMark {
        let to_server = dir == TO_SERVER;
        let ep = flow.endpoints();
        if m.login_proto == login::P_NONE {
            m.login_proto = login::classify(payload, to_server, ep.dst_port);
        }
        let conn = Conn::of(&ep, flow.key.proto);
        if m.login_proto == login::P_SSH || m.login_proto == login::P_RDP {
            // SSH, RDP: one attempt per session, counted for guessing; nothing else to read.
            if m.flags & SSH_NOTED == 0 {
                m.flags |= SSH_NOTED;
                let proto = if m.login_proto == login::P_SSH {
                    LoginProto::Ssh
                } else {
                    LoginProto::Rdp
                };
                self.push(
                    ts,
                    conn,
                    Body::Login {
                        proto,
                        result: LoginResult::Attempt,
                        user: None,
                    },
                );
            }
            return m;
        }
        let mut st = LoginState {
            proto: m.login_proto,
            pending: m.flags & LOGIN_PENDING != 0,
        };
        let mut notes: [Option<login::LoginNote>; 4] = Default::default();
        let mut n = 0;
        login::on_payload(&mut st, payload, to_server, &mut |note| {
            if n < notes.len() {
                notes[n] = Some(note);
                n += 1;
            }
        });
        if st.pending {
            m.flags |= LOGIN_PENDING;
        } else {
            m.flags &= !LOGIN_PENDING;
        }
        for note in notes.into_iter().flatten() {
            let user = note.user.map(|u| self.buf.put_str(&u));
            self.push(
                ts,
                conn,
                Body::Login {
                    proto: note.proto,
                    result: note.result,
                    user,
                },
            );
        }
        m
    }

    /// A flow ended (any reason) at packet time `ts` (its timeout deadline, or the packet or
    /// tick that ended it).
    pub fn flow_end(&mut self, flow: &Flow<FlowApp>, ts: Timestamp) {
        if ts > self.clock {
            self.clock = ts;
        }
        let conn = Conn::of(&flow.endpoints(), flow.key.proto);
        self.push(ts, conn, Body::FlowEnd(summary(flow)));
    }

    /// A finished HTTP transaction.
    pub fn http(&mut self, ep: &Endpoints, proto: u8, ts: Timestamp, tx: &HttpTransaction) {
        let Some(req) = tx.request() else { return };
        let resp = tx.response();
        let status = resp.and_then(|r| r.status_code());
        let uri = req.uri_raw().unwrap_or(b"");
        // A form body, declared or (no Content-Type, as hand-made clients send) by its shape.
        let form = match req.content_type() {
            Some(c) => {
                c.len() >= 33 && c[..33].eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
            }
            None => req.body().contains(&b'='),
        };
        let mut headers: [(&'static str, &[u8]); 3] = [
            ("user-agent", b""),
            ("referer", b""),
            ("x-forwarded-for", b""),
        ];
        headers[0].1 = req.user_agent().unwrap_or(b"");
        headers[1].1 = req.referer().unwrap_or(b"");
        headers[2].1 = req.header(b"x-forwarded-for").unwrap_or(b"");
        let finding =
            inject::inspect_request(uri, form.then(|| req.body()), req.cookie(), &headers);
        let conn = Conn::of(ep, proto);
        if let Some((lp, user)) = login::http_login(
            req.header(b"authorization"),
            req.method(),
            req.content_type(),
            req.body(),
        ) {
            let result = match status {
                Some(401) | Some(403) => LoginResult::Failure,
                Some(200..=399) if lp == LoginProto::HttpBasic => LoginResult::Success,
                _ => LoginResult::Attempt,
            };
            let user = user.map(|u| self.buf.put_str(&u));
            self.push(
                ts,
                conn,
                Body::Login {
                    proto: lp,
                    result,
                    user,
                },
            );
        }
        let b = &mut self.buf;
        let ev = HttpEvent {
            method: b.put(req.method(), false, 16),
            host: req.host().map(|h| b.put(h, true, 255)),
            uri: b.put(uri, false, 512),
            user_agent: req.user_agent().map(|u| b.put(u, false, 256)),
            status,
            req_bytes: req.wire_len(),
            resp_bytes: resp.map_or(0, |r| r.wire_len()),
            injection: finding.map(|f| b.put_str(&f.describe())),
        };
        self.push(ts, conn, Body::Http(ev));
    }

    /// A parsed DNS message.
    pub fn dns(&mut self, ep: &Endpoints, proto: u8, ts: Timestamp, msg: &DnsMessage) {
        let Some(q) = msg.question(0) else { return };
        let mut name = q.name.as_bytes();
        while let [rest @ .., b'.'] = name {
            name = rest;
        }
        let ev = DnsEvent {
            qname: self.buf.put(name, true, 255),
            qtype: q.qtype,
            response: msg.is_response(),
            rcode: msg.rcode(),
        };
        self.push(ts, Conn::of(ep, proto), Body::Dns(ev));
    }

    /// A TLS handshake (ClientHello seen).
    pub fn tls(&mut self, ep: &Endpoints, proto: u8, ts: Timestamp, rec: &TlsRecord) {
        let sni = rec.sni().map(|s| self.buf.put(s, true, 255));
        self.push(ts, Conn::of(ep, proto), Body::Tls { sni });
    }

    /// After a batch (or ring block): moves the watermark and hands over what is buffered.
    pub fn settle(&mut self, clock: Timestamp) {
        if clock > self.clock {
            self.clock = clock;
        }
        // Few, full batches: a batch goes when full (see `push`) or once a second of packet
        // time (the watermark must move even when nothing happens).
        if self.clock.as_nanos() >= self.sent_clock.as_nanos() + 1_000_000_000 {
            self.send();
        }
    }

    fn send(&mut self) {
        if self.done {
            return;
        }
        let fresh = self
            .recycle
            .try_recv()
            .unwrap_or_else(|_| Batch::with_capacity(BATCH_EVENTS));
        let events = std::mem::replace(&mut self.buf, fresh);
        let n = events.len() as u64;
        // A timeout is noticed by the per-second wheel up to a second after its deadline, so
        // an end still to come may be stamped a little before the clock: hold back 2 s.
        let watermark = Timestamp(self.clock.as_nanos().saturating_sub(WATERMARK_SLACK_NS));
        let msg = Msg::Events {
            worker: self.worker,
            events,
            watermark,
        };
        self.sent_clock = self.clock;
        if self.live {
            match self.tx.try_send(msg) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                    self.stats.dropped += n;
                    self.dropped.fetch_add(n, Ordering::Relaxed);
                }
            }
        } else if self.tx.send(msg).is_err() {
            self.stats.dropped += n;
            self.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// No more events from this worker.
    pub fn finish(&mut self, clock: Timestamp) {
        if self.done {
            return;
        }
        if clock > self.clock {
            self.clock = clock;
        }
        self.send();
        self.done = true;
        let _ = self.tx.send(Msg::Done {
            worker: self.worker,
        });
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        // A worker that ends without `finish` (a panic) must not hold the stage's merge back.
        if !self.done {
            self.done = true;
            let _ = self.tx.try_send(Msg::Done {
                worker: self.worker,
            });
        }
    }
}
