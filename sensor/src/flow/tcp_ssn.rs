//! Suricata 7's TCP session state machine: which packets it rejects and why (the
//! `stream-event` names of `stream-events.rules`), and which segments it hands to reassembly.
//! The second decides what the sensor reassembles when midstream pickup is off (the default,
//! as in Suricata): a session whose SYN was not seen, or whose server never answered, is
//! inspected packet by packet only, and a segment the machine rejects stays out of the stream
//! (D33, D43). How the sensor names a connection's state (`flow::tcp`) does not change.
//!
//! Run as Suricata 7.0.10 runs with its shipped configuration: no midstream pickup, no
//! async-oneside, IDS (not inline) mode, the `windows` host OS policy for every address
//! (`host-os-policy: windows: [0.0.0.0/0]`), strict timestamps. Sequence arithmetic is modulo
//! 2^32 as in Suricata's `SEQ_*` macros.

use crate::decode::TcpHeader;
use crate::events::{PacketEvent, PacketEvents};

/// Suricata's `stream.max-syn-queued` and `stream.max-synack-queued` defaults.
const MAX_SYN_QUEUED: usize = 10;
const MAX_SYNACK_QUEUED: usize = 5;
/// RFC 7323's PAWS limit: a timestamp older than this is not held against a segment.
const PAWS_24DAYS: u32 = 24 * 24 * 60 * 60;
const WSCALE_MAX: u8 = 14;

#[inline]
fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
#[inline]
fn leq(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}
#[inline]
fn gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
#[inline]
fn geq(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// The TCP options the state machine reads (as Suricata's decoder keeps them: the first of
/// each kind with the right length; a window scale above 14 counts as 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOpts {
    pub ts: Option<(u32, u32)>,
    pub wscale: Option<u8>,
    pub sackok: bool,
    /// An RFC 2385 MD5 signature or RFC 5925 TCP-AO option: a RST carrying one cannot be
    /// judged, so its sender is watched instead.
    pub signed: bool,
    /// A TCP Fast Open option (a cookie or a cookie request, kind 34 or experimental).
    pub tfo: bool,
}

impl TcpOpts {
    /// Reads the option bytes after the fixed 20-byte header.
    pub fn parse(mut b: &[u8]) -> TcpOpts {
        let mut o = TcpOpts::default();
        while let Some(&kind) = b.first() {
            match kind {
                0 => break,
                1 => {
                    b = &b[1..];
                    continue;
                }
                _ => {}
            }
            let Some(&len) = b.get(1) else { break };
            let len = len as usize;
            if len < 2 || len > b.len() {
                break;
            }
            let v = &b[2..len];
            match (kind, len) {
                (3, 3) if o.wscale.is_none() => {
                    o.wscale = Some(if v[0] <= WSCALE_MAX { v[0] } else { 0 })
                }
                (4, 2) => o.sackok = true,
                (19 | 29, _) => o.signed = true,
                (34, n) if n == 2 || (6..=18).contains(&n) && n % 2 == 0 => o.tfo = true,
                // The experimental encoding (RFC 7413 section 4.1.3), as Suricata reads it.
                (253 | 254, 4 | 12) if v[..2] == [0xF9, 0x89] => o.tfo = true,
                (8, 10) if o.ts.is_none() => {
                    let val = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                    let ecr = u32::from_be_bytes([v[4], v[5], v[6], v[7]]);
                    o.ts = Some((val, ecr));
                }
                _ => {}
            }
            b = &b[len..];
        }
        o
    }
}

/// Suricata's TCP states, in its order (comparisons like "before established" use it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
enum St {
    #[default]
    None,
    SynSent,
    SynRecv,
    Established,
    FinWait1,
    FinWait2,
    TimeWait,
    LastAck,
    CloseWait,
    Closing,
    Closed,
}

/// One direction's sequence space: `isn`, `next_seq` and `last_ack` (the highest ACK its
/// peer sent for it); `window` is what the peer advertised for it, `next_win` the right edge.
#[derive(Clone, Copy, Debug, Default)]
struct Side {
    isn: u32,
    next_seq: u32,
    last_ack: u32,
    next_win: u32,
    window: u32,
    last_ts: u32,
    last_pkt_ts: u32,
    wscale: u8,
    flags: u8,
}

// Side flags.
const S_TIMESTAMP: u8 = 1;
const S_ZERO_TS: u8 = 2;
const S_KEEPALIVE: u8 = 4;
const S_RST_RECV: u8 = 8;

// Session flags.
const F_4WHS: u16 = 1;
const F_3WHS_CONFIRMED: u16 = 2;
const F_TIMESTAMP: u16 = 4;
const F_SERVER_WSCALE: u16 = 8;
const F_ZWP_TS: u16 = 16;
const F_ZWP_TC: u16 = 32;
const F_CLIENT_SACKOK: u16 = 64;
const F_TFO: u16 = 128;

/// A SYN or SYN/ACK kept aside while the handshake is undecided (Suricata's `TcpStateQueue`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Queued {
    has_ts: bool,
    ws: Option<u8>,
    sack: bool,
    ts: u32,
    win: u16,
    seq: u32,
    ack: u32,
    pkt_ts: u32,
}

/// One TCP session as Suricata's stream engine follows it. Side 0 is the client (the SYN's
/// sender), side 1 the server.
#[derive(Clone, Debug, Default)]
pub struct TcpSsn {
    side: [Side; 2],
    state: St,
    pstate: St,
    /// A session exists (Suricata allocates one with the first SYN; before it, every packet
    /// is judged as the first).
    started: bool,
    flags: u16,
    /// Queued SYNs (`SynSent`) or SYN/ACKs (`SynRecv`); empty, so unallocated, unless the
    /// handshake repeats itself with differences.
    queue: Vec<Queued>,
    /// The server's ISN is known (from its SYN/ACK, or its SYN in a simultaneous open).
    server_isn: bool,
    /// The session reached an established state, now and before the packet being judged.
    flow_established: bool,
    flow_established_before: bool,
}

/// A packet as the machine sees it.
struct Pkt {
    dir: usize,
    flags: u8,
    seq: u32,
    ack: u32,
    win: u16,
    len: u32,
    opts: TcpOpts,
    now: u32,
}

impl Pkt {
    fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    fn toserver(&self) -> bool {
        self.dir == 0
    }
}

const SYN: u8 = TcpHeader::SYN;
const ACK: u8 = TcpHeader::ACK;
const FIN: u8 = TcpHeader::FIN;
const RST: u8 = TcpHeader::RST;

/// What the state machine made of one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Judgement {
    pub events: PacketEvents,
    /// Suricata hands the segment to reassembly (`StreamTcpReassembleHandleSegment`): its
    /// data joins the stream and its ACK counts for the peer's.
    pub reassemble: bool,
}

/// Why a packet was rejected: its events are set; the session keeps its state.
struct Reject;
type R = Result<(), Reject>;

impl TcpSsn {
    /// Follows one packet travelling in direction `dir` (0 to server): the stream events it
    /// raises and whether its segment goes to reassembly. `now` is the packet's time in
    /// seconds.
    pub fn packet(
        &mut self,
        dir: usize,
        h: &TcpHeader,
        opts: TcpOpts,
        payload_len: u32,
        now: u32,
    ) -> Judgement {
        let mut reassemble = false;
        self.flow_established_before = self.flow_established;
        let events = self.judge(dir, h, opts, payload_len, now, &mut reassemble);
        Judgement { events, reassemble }
    }

    /// The sequence number of direction `dir`'s SYN (its stream starts one after it), once
    /// the session knows it.
    pub fn isn(&self, dir: usize) -> Option<u32> {
        let known = match dir {
            0 => self.started,
            _ => self.server_isn,
        };
        known.then_some(self.side[dir].isn)
    }

    fn judge(
        &mut self,
        dir: usize,
        h: &TcpHeader,
        opts: TcpOpts,
        payload_len: u32,
        now: u32,
        reassemble: &mut bool,
    ) -> PacketEvents {
        let p = Pkt {
            dir,
            flags: h.flags,
            seq: h.seq,
            ack: h.ack,
            win: h.window,
            len: payload_len,
            opts,
            now,
        };
        let mut ev = PacketEvents::NONE;
        if !p.has(ACK) && p.ack != 0 {
            ev.set(PacketEvent::StreamPktBrokenAck);
        }
        if !self.started || self.state == St::None {
            // Before the handshake only a Fast Open SYN's data is reassembled.
            *reassemble = self.state_none(&p, &mut ev).is_ok()
                && self.flags & F_TFO != 0
                && p.has(SYN)
                && p.len > 0;
            return ev;
        }
        if self.is_keepalive(&p) {
            self.post_rst(&p, &mut ev);
            return ev;
        }
        if self.is_keepalive_ack(&p) {
            self.side[p.dir].flags &= !S_KEEPALIVE;
            self.post_rst(&p, &mut ev);
            return ev;
        }
        self.side[p.dir].flags &= !S_KEEPALIVE;
        let zwp_ack = self.is_zwp_ack(&p);
        self.flags &= !if p.toserver() { F_ZWP_TC } else { F_ZWP_TS };
        if !zwp_ack {
            let skip = !self.is_fin_shutdown_ack(&p)
                && !self.is_window_update(&p)
                && (self.is_bad_window_update(&p, &mut ev) || self.is_outdated_ack(&p));
            let spurious = if skip {
                0
            } else {
                self.spurious_retransmission(&p)
            };
            if spurious > 0 {
                ev.set(PacketEvent::StreamPktSpuriousRetransmission);
            }
            if !skip && spurious != 2 {
                // Suricata's state handlers hand a segment they accept to reassembly once the
                // session is established; a SYN (a resend) or a segment without ACK, FIN or
                // RST is accepted without being reassembled.
                *reassemble = self.dispatch(self.state, &p, &mut ev).is_ok()
                    && self.state >= St::Established
                    && !p.has(SYN)
                    && p.flags & (ACK | FIN | RST) != 0;
            }
        }
        self.post_rst(&p, &mut ev);
        ev
    }

    fn set_state(&mut self, s: St) {
        if s != self.state {
            self.pstate = self.state;
            self.state = s;
            if matches!(
                s,
                St::Established | St::FinWait1 | St::FinWait2 | St::Closing | St::CloseWait
            ) {
                // Suricata's flow state becomes established (`StreamTcpPacketSetState`).
                self.flow_established = true;
            }
        }
    }

    /// `flow:established` for the packet being judged: the session was established before
    /// it (Suricata looks at the flow's state before the stream engine runs, so the segment
    /// completing the handshake is not itself established). Unlike Suricata's, it stays so
    /// once the session closes: the sensor inspects a transaction once, when it is complete
    /// (possibly at the flow's end), where Suricata inspects it again on each packet.
    pub fn established_before(&self) -> bool {
        self.flow_established_before
    }

    fn dispatch(&mut self, st: St, p: &Pkt, ev: &mut PacketEvents) -> R {
        match st {
            St::SynSent => self.syn_sent(p, ev),
            St::SynRecv => self.syn_recv(p, ev),
            St::Established => self.established(p, ev),
            St::FinWait1 => self.fin_wait1(p, ev),
            St::FinWait2 => self.fin_wait2(p, ev),
            St::Closing => self.closing(p, ev),
            St::CloseWait => self.close_wait(p, ev),
            St::LastAck => self.last_ack(p, ev),
            St::TimeWait => self.time_wait(p, ev),
            St::Closed => self.closed(p, ev),
            St::None => Ok(()),
        }
    }

    // ----- no session yet -----

    fn state_none(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        if p.has(RST) {
            ev.set(PacketEvent::StreamRstButNoSession);
            return Err(Reject);
        }
        if p.has(FIN) {
            // Without midstream pickup a FIN never starts a session.
            ev.set(PacketEvent::StreamFinButNoSession);
            return Err(Reject);
        }
        if p.flags & (SYN | ACK) != SYN {
            // A SYN/ACK or an ACK would start a midstream session: not picked up.
            return Ok(());
        }
        *self = TcpSsn {
            started: true,
            ..TcpSsn::default()
        };
        self.set_state(St::SynSent);
        let c = &mut self.side[0];
        c.isn = p.seq;
        c.next_seq = p.seq.wrapping_add(1);
        if let Some((val, _)) = p.opts.ts {
            c.last_ts = val;
            if val == 0 {
                c.flags |= S_ZERO_TS;
            }
            c.last_pkt_ts = p.now;
            c.flags |= S_TIMESTAMP;
        }
        self.side[1].window = p.win as u32;
        if let Some(ws) = p.opts.wscale {
            self.flags |= F_SERVER_WSCALE;
            self.side[1].wscale = ws;
        }
        if p.opts.sackok {
            self.flags |= F_CLIENT_SACKOK;
        }
        if p.opts.tfo {
            // Fast Open: the SYN's data counts.
            self.flags |= F_TFO;
            let c = &mut self.side[0];
            c.next_seq = c.next_seq.wrapping_add(p.len);
        }
        Ok(())
    }

    // ----- handshake -----

    fn syn_queue_entry_from_ssn(&self) -> Queued {
        let c = &self.side[0];
        Queued {
            has_ts: c.flags & S_TIMESTAMP != 0,
            ts: if c.flags & S_TIMESTAMP != 0 {
                c.last_ts
            } else {
                0
            },
            ws: (self.flags & F_SERVER_WSCALE != 0).then_some(self.side[1].wscale),
            win: self.side[1].window as u16,
            sack: self.flags & F_CLIENT_SACKOK != 0,
            pkt_ts: c.last_pkt_ts,
            ..Queued::default()
        }
    }

    fn syn_queue_entry(p: &Pkt, tsecr: bool) -> Queued {
        Queued {
            has_ts: p.opts.ts.is_some(),
            ts: p.opts.ts.map_or(0, |(v, e)| if tsecr { e } else { v }),
            ws: p.opts.wscale,
            sack: p.opts.sackok,
            win: p.win,
            pkt_ts: p.now,
            ..Queued::default()
        }
    }

    fn find_syn(&self, s: &Queued) -> Option<Queued> {
        self.queue
            .iter()
            .find(|q| q.has_ts == s.has_ts && q.ts == s.ts)
            .copied()
    }

    fn apply_syn(&mut self, q: &Queued) {
        if q.has_ts {
            let c = &mut self.side[0];
            c.last_pkt_ts = q.pkt_ts;
            c.last_ts = q.ts;
            c.flags |= S_TIMESTAMP;
        }
        match q.ws {
            Some(ws) => {
                self.flags |= F_SERVER_WSCALE;
                self.side[1].wscale = ws;
            }
            None => {
                // Suricata clears every other flag here (`flags &= FLAG`), a slip kept for
                // its consequences: the wscale flag survives.
                self.flags &= F_SERVER_WSCALE;
                self.side[1].wscale = 0;
            }
        }
        self.side[1].window = q.win as u32;
        if q.sack {
            self.flags |= F_CLIENT_SACKOK;
        } else {
            self.flags &= !F_CLIENT_SACKOK;
        }
    }

    /// Whether a SYN/ACK's echoed timestamp answers the SYN (only a server can be evil here).
    fn syn_sent_ts_ok(&self, p: &Pkt) -> bool {
        let Some((_, ecr)) = p.opts.ts else {
            return true;
        };
        if p.toserver() {
            return true;
        }
        let r = &self.side[0];
        if r.flags & S_TIMESTAMP != 0 {
            !(r.last_ts != 0 && ecr != 0 && ecr != r.last_ts)
        } else {
            !(r.last_ts == 0 && ecr != 0)
        }
    }

    fn synack_update(&mut self, p: &Pkt, q: Option<Queued>) {
        let q = q.unwrap_or(Queued {
            has_ts: p.opts.ts.is_some(),
            ts: p.opts.ts.map_or(0, |(v, _)| v),
            ws: p.opts.wscale,
            sack: p.opts.sackok,
            win: p.win,
            seq: p.seq,
            ack: p.ack,
            pkt_ts: p.now,
        });
        self.set_state(St::SynRecv);
        self.server_isn = true;
        let s = &mut self.side[1];
        s.isn = q.seq;
        s.next_seq = q.seq.wrapping_add(1);
        self.side[0].window = q.win as u32;
        if q.has_ts && self.side[0].flags & S_TIMESTAMP != 0 {
            let s = &mut self.side[1];
            s.last_ts = q.ts;
            s.last_pkt_ts = q.pkt_ts;
            if s.last_ts == 0 {
                s.flags |= S_ZERO_TS;
            }
            self.flags |= F_TIMESTAMP;
        } else {
            self.side[0].last_ts = 0;
            self.side[1].last_ts = 0;
            self.side[0].flags &= !S_ZERO_TS;
        }
        self.side[0].last_ack = q.ack;
        self.side[1].last_ack = self.side[1].isn.wrapping_add(1);
        self.side[0].wscale = match q.ws {
            Some(ws) if self.flags & F_SERVER_WSCALE != 0 => ws,
            _ => 0,
        };
        for s in &mut self.side {
            s.next_win = s.last_ack.wrapping_add(s.window);
        }
        self.flags &= !F_4WHS;
    }

    fn syn_sent(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let synack = p.flags & (SYN | ACK) == SYN | ACK;
        if synack && !p.toserver() {
            if !p.opts.tfo && self.flags & F_TFO == 0 {
                if p.ack != self.side[0].isn.wrapping_add(1) {
                    ev.set(PacketEvent::Stream3whsSynackWithWrongAck);
                    return Err(Reject);
                }
            } else {
                let c = &mut self.side[0];
                if p.ack == c.next_seq {
                    // The SYN's data was acknowledged.
                } else if p.ack == c.isn.wrapping_add(1) {
                    // Only the SYN was: its data will come again.
                    c.next_seq = c.isn;
                    ev.set(PacketEvent::Stream3whsSynackTfoDataIgnored);
                } else {
                    ev.set(PacketEvent::Stream3whsSynackWithWrongAck);
                    return Err(Reject);
                }
                self.flags |= F_TFO;
                self.set_state(St::Established);
            }
            if !self.syn_sent_ts_ok(p) {
                let search = Self::syn_queue_entry(p, true);
                match self.find_syn(&search) {
                    Some(q) if !self.queue.is_empty() => self.apply_syn(&q),
                    _ => {
                        ev.set(PacketEvent::StreamPktInvalidTimestamp);
                        return Err(Reject);
                    }
                }
            }
            self.queue = Vec::new();
            self.synack_update(p, None);
            return Ok(());
        }
        if synack {
            if self.flags & F_4WHS == 0 {
                ev.set(PacketEvent::Stream3whsSynackInWrongDirection);
                return Err(Reject);
            }
            if p.ack != self.side[1].isn.wrapping_add(1) {
                ev.set(PacketEvent::Stream4whsSynackWithWrongAck);
                return Err(Reject);
            }
            if p.seq != self.side[0].isn {
                ev.set(PacketEvent::Stream4whsSynackWithWrongSyn);
                return Err(Reject);
            }
            self.set_state(St::SynRecv);
            let c = &mut self.side[0];
            c.isn = p.seq;
            c.next_seq = p.seq.wrapping_add(1);
            self.side[1].window = p.win as u32;
            match p.opts.ts {
                Some((val, _)) if self.side[1].flags & S_TIMESTAMP != 0 => {
                    let c = &mut self.side[0];
                    c.last_ts = val;
                    c.last_pkt_ts = p.now;
                    if val == 0 {
                        c.flags |= S_ZERO_TS;
                    }
                    self.flags |= F_TIMESTAMP;
                }
                _ => {
                    self.side[0].last_ts = 0;
                    self.side[1].last_ts = 0;
                    self.side[1].flags &= !S_ZERO_TS;
                }
            }
            self.side[1].last_ack = p.ack;
            self.side[0].last_ack = self.side[0].isn.wrapping_add(1);
            self.side[1].wscale = match p.opts.wscale {
                Some(ws) if self.flags & F_SERVER_WSCALE != 0 => ws,
                _ => 0,
            };
            for s in &mut self.side {
                s.next_win = s.last_ack.wrapping_add(s.window);
            }
            return Ok(());
        }
        if !self.syn_sent_ts_ok(p) {
            ev.set(PacketEvent::StreamPktInvalidTimestamp);
            return Err(Reject);
        }
        if p.has(RST) {
            self.validate_rst(p, ev)?;
            if p.toserver() {
                let c = self.side[0];
                if p.seq == c.isn && p.win == 0 && p.ack == c.isn.wrapping_add(1) {
                    self.side[1].flags |= S_RST_RECV;
                    self.set_state(St::Closed);
                    self.queue = Vec::new();
                }
            } else {
                self.side[0].flags |= S_RST_RECV;
                self.set_state(St::Closed);
                self.queue = Vec::new();
            }
        } else if p.has(FIN) {
            // Not judged by Suricata in this state.
        } else if p.has(SYN) {
            if !p.toserver() {
                // A SYN back: possibly a simultaneous open (four-way handshake).
                self.flags |= F_4WHS;
                self.server_isn = true;
                let s = &mut self.side[1];
                s.isn = p.seq;
                s.next_seq = p.seq.wrapping_add(1);
                if let Some((val, _)) = p.opts.ts {
                    s.last_ts = val;
                    if val == 0 {
                        s.flags |= S_ZERO_TS;
                    }
                    s.last_pkt_ts = p.now;
                    s.flags |= S_TIMESTAMP;
                }
                s.window = p.win as u32;
                match p.opts.wscale {
                    Some(ws) => {
                        self.flags |= F_SERVER_WSCALE;
                        self.side[1].wscale = ws;
                    }
                    None => {
                        self.flags &= !F_SERVER_WSCALE;
                        self.side[1].wscale = 0;
                    }
                }
            } else {
                // A SYN resent: the previous one's settings are queued when they differ.
                let pkt = Self::syn_queue_entry(p, false);
                let ssn = self.syn_queue_entry_from_ssn();
                if pkt != ssn {
                    self.store_syn(ssn, ev);
                }
                self.apply_syn(&pkt);
            }
        }
        // A lone ACK would make the session asynchronous: only with async-oneside.
        Ok(())
    }

    fn store_syn(&mut self, q: Queued, ev: &mut PacketEvents) {
        if !self.queue.is_empty() && self.find_syn(&q).is_some() {
            return;
        }
        if self.queue.len() >= MAX_SYN_QUEUED {
            ev.set(PacketEvent::Stream3whsSynFlood);
            return;
        }
        self.queue.push(q);
    }

    fn queue_synack(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let q = Queued {
            has_ts: p.opts.ts.is_some(),
            ts: p.opts.ts.map_or(0, |(v, _)| v),
            ws: p.opts.wscale,
            sack: p.opts.sackok,
            win: p.win,
            seq: p.seq,
            ack: p.ack,
            pkt_ts: 0,
        };
        let same = |a: &Queued| {
            a.has_ts == q.has_ts
                && a.ws == q.ws
                && a.sack == q.sack
                && a.ts == q.ts
                && a.win == q.win
                && a.seq == q.seq
                && a.ack == q.ack
        };
        if self.queue.iter().any(same) {
            return Ok(());
        }
        if self.queue.len() >= MAX_SYNACK_QUEUED {
            ev.set(PacketEvent::Stream3whsSynackFlood);
            return Err(Reject);
        }
        let mut q = q;
        q.pkt_ts = p.now;
        self.queue.push(q);
        Ok(())
    }

    fn syn_recv(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        if p.has(RST) {
            self.validate_rst(p, ev)?;
            // (The evasion exception applies to Linux and Solaris targets only.)
            self.set_state(St::Closed);
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            return Ok(());
        }
        if p.has(FIN) {
            if self.flags & F_TIMESTAMP != 0 && !self.validate_ts(p, ev) {
                return Err(Reject);
            }
            return self.handle_fin(p, ev);
        }
        if p.flags & (SYN | ACK) == SYN | ACK {
            if p.toserver() {
                ev.set(PacketEvent::Stream3whsSynackToserverOnSynRecv);
                return Err(Reject);
            }
            if p.ack != self.side[0].last_ack {
                ev.set(PacketEvent::Stream3whsSynackResendWithDifferentAck);
                return Err(Reject);
            }
            if p.seq != self.side[1].isn {
                self.queue_synack(p, ev)?;
            }
            return Ok(());
        }
        if p.has(SYN) {
            if !p.toserver() {
                ev.set(PacketEvent::Stream3whsSynToclientOnSynRecv);
                return Err(Reject);
            }
            if p.seq != self.side[0].isn {
                ev.set(PacketEvent::Stream3whsSynResendDiffSeqOnSynRecv);
                return Err(Reject);
            }
            return Ok(());
        }
        if !p.has(ACK) {
            return Ok(());
        }
        if !self.queue.is_empty() {
            let (seq, ack) = (p.ack.wrapping_sub(1), p.seq);
            if let Some(q) = self.queue.iter().find(|q| q.seq == seq && q.ack == ack) {
                let q = *q;
                self.synack_update(p, Some(q));
            }
        }
        if self.flags & F_TIMESTAMP != 0 && !self.validate_ts(p, ev) {
            return Err(Reject);
        }
        if self.flags & F_4WHS != 0 && !p.toserver() {
            if p.seq != self.side[1].next_seq {
                ev.set(PacketEvent::Stream4whsWrongSeq);
                return Err(Reject);
            }
            if self.validate_ack(0, p, ev).is_err() {
                ev.set(PacketEvent::Stream4whsInvalidAck);
                return Err(Reject);
            }
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            self.update_last_ack(0, p.ack);
            self.side[1].next_seq = self.side[1].next_seq.wrapping_add(p.len);
            let c = &mut self.side[0];
            c.window = (p.win as u32) << c.wscale;
            c.next_win = c.last_ack.wrapping_add(c.window);
            self.set_state(St::Established);
            return Ok(());
        }
        // In IDS mode an ACK to the client here means the handshake's last ACK was missed (or,
        // with Fast Open, the server's data follows its SYN/ACK).
        let missed_ack = !p.toserver() || self.flags & F_TFO != 0;
        let (c, s) = (self.side[0], self.side[1]);
        if p.seq == c.next_seq && p.ack == s.next_seq {
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            self.update_last_ack(1, p.ack);
            self.side[0].next_seq = c.next_seq.wrapping_add(p.len);
            let s = &mut self.side[1];
            s.window = (p.win as u32) << s.wscale;
            s.next_win = s.last_ack.wrapping_add(s.window);
            self.set_state(St::Established);
        } else if p.seq == c.next_seq {
            ev.set(PacketEvent::Stream3whsRightSeqWrongAckEvasion);
            return Err(Reject);
        } else if !p.toserver() && gt(p.seq, c.next_seq) && gt(p.ack, c.last_ack) {
            // Toclient data acknowledging data not seen: packets were lost.
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            self.update_last_ack(0, p.ack);
            self.side[1].next_seq = p.seq.wrapping_add(p.len);
            let c = &mut self.side[0];
            c.window = (p.win as u32) << c.wscale;
            c.next_win = c.last_ack.wrapping_add(c.window);
            c.window = p.win as u32;
            let s = &mut self.side[1];
            s.next_win = s.last_ack.wrapping_add(s.window);
            self.set_state(St::Established);
        } else if gt(p.seq, c.next_seq) && leq(p.seq, c.next_win) && p.ack == s.next_seq {
            // Right ACK, sequence ahead within the window: packets were lost.
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            self.side[0].next_seq = p.seq.wrapping_add(p.len);
            self.update_last_ack(1, p.ack);
            let s = &mut self.side[1];
            s.window = (p.win as u32) << s.wscale;
            s.next_win = s.last_ack.wrapping_add(s.window);
            self.set_state(St::Established);
        } else if missed_ack && p.ack == c.last_ack && p.seq == s.next_seq {
            self.side[1].next_seq = p.seq.wrapping_add(p.len);
            let s = &mut self.side[1];
            s.window = (p.win as u32) << s.wscale;
            s.next_win = s.last_ack.wrapping_add(s.window);
            self.set_state(St::Established);
        } else {
            ev.set(PacketEvent::Stream3whsWrongSeqWrongAck);
            return Err(Reject);
        }
        Ok(())
    }

    // ----- established -----

    fn established(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let d = p.dir;
        if p.has(RST) {
            self.validate_rst(p, ev)?;
            self.set_state(St::Closed);
            if d == 0 {
                self.side[1].next_seq = p.ack;
                self.side[0].next_seq = p.seq.wrapping_add(p.len);
            } else {
                self.side[1].next_seq = p.seq.wrapping_add(p.len).wrapping_add(1);
                self.side[0].next_seq = p.ack;
            }
            let sd = &mut self.side[d];
            sd.window = (p.win as u32) << sd.wscale;
            self.rst_acks(p, ev);
            return Ok(());
        }
        if p.has(FIN) {
            if self.flags & F_TIMESTAMP != 0 && !self.validate_ts(p, ev) {
                return Err(Reject);
            }
            return self.handle_fin(p, ev);
        }
        if p.flags & (SYN | ACK) == SYN | ACK {
            if p.toserver() {
                ev.set(PacketEvent::StreamEstSynackToserver);
                return Err(Reject);
            }
            if p.ack != self.side[0].last_ack {
                ev.set(PacketEvent::StreamEstSynackResendWithDifferentAck);
                return Err(Reject);
            }
            if p.seq != self.side[1].isn {
                ev.set(PacketEvent::StreamEstSynackResendWithDiffSeq);
                return Err(Reject);
            }
            if self.flags & F_3WHS_CONFIRMED != 0 {
                ev.set(PacketEvent::StreamEstSynackResend);
                return Err(Reject);
            }
            return Ok(());
        }
        if p.has(SYN) {
            if !p.toserver() {
                ev.set(PacketEvent::StreamEstSynToclient);
            } else if p.seq != self.side[0].isn {
                ev.set(PacketEvent::StreamEstSynResendDiffSeq);
            } else {
                ev.set(PacketEvent::StreamEstSynResend);
            }
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        if self.flags & F_TIMESTAMP != 0 && !self.validate_ts(p, ev) {
            return Err(Reject);
        }
        if !p.toserver() {
            self.flags |= F_3WHS_CONFIRMED;
        }
        self.established_data(p, ev)
    }

    /// An ACK segment on an established session (`HandleEstablishedPacketTo{Server,Client}`).
    fn established_data(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let d = p.dir;
        let o = 1 - d;
        let (zwp_mine, zwp_set) = if d == 0 {
            (F_ZWP_TC, F_ZWP_TS)
        } else {
            (F_ZWP_TS, F_ZWP_TC)
        };
        if self.flags & zwp_mine != 0 && p.ack == self.side[o].next_seq.wrapping_add(1) {
            // Acknowledges the byte of the peer's zero window probe.
        } else if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamEstInvalidAck);
            return Err(Reject);
        }
        let me = self.side[d];
        let end = p.seq.wrapping_add(p.len);
        let keepalive = p.len <= 1 && p.seq == me.next_seq.wrapping_sub(1);
        if !keepalive && !geq(end, me.last_ack) {
            // Before what the peer acknowledged, unless it fills data acknowledged unseen.
            if !(gt(me.last_ack, me.next_seq) && gt(end, me.next_seq)) {
                ev.set(PacketEvent::StreamEstPktBeforeLastAck);
                return Err(Reject);
            }
        }
        let zwp = p.len == 1 && p.seq == me.next_seq && me.window == 0;
        if zwp {
            self.flags |= zwp_set;
        } else if geq(end, me.next_seq) {
            self.side[d].next_seq = end;
        }
        if zwp {
            return Ok(());
        }
        if !leq(end, me.next_win) {
            ev.set(PacketEvent::StreamEstPacketOutOfWindow);
            return Err(Reject);
        }
        let peer = &mut self.side[o];
        peer.window = (p.win as u32) << peer.wscale;
        self.update_last_ack(o, p.ack);
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        let peer = &mut self.side[o];
        let win = peer.last_ack.wrapping_add(peer.window);
        if gt(win, peer.next_win) {
            peer.next_win = win;
        }
        Ok(())
    }

    /// After a valid RST: its ACK and sequence move the acknowledged edges.
    fn rst_acks(&mut self, p: &Pkt, ev: &mut PacketEvents) {
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(ACK) && self.validate_ack(o, p, ev).is_ok() {
            self.update_last_ack(o, p.ack);
        }
        self.update_last_ack(d, p.seq);
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
    }

    fn handle_fin(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let (d, o) = (p.dir, 1 - p.dir);
        if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamFinInvalidAck);
            return Err(Reject);
        }
        let me = self.side[d];
        let end = p.seq.wrapping_add(p.len);
        if !(geq(p.seq, me.last_ack) && leq(end, me.next_win)) {
            ev.set(PacketEvent::StreamFinOutOfWindow);
            return Err(Reject);
        }
        if d == 0 {
            if p.has(SYN) {
                ev.set(PacketEvent::StreamFinSyn);
                return Err(Reject);
            }
            self.set_state(St::CloseWait);
            self.side[0].next_seq = end;
        } else {
            self.set_state(St::FinWait1);
            self.side[1].next_seq = end.wrapping_add(1);
        }
        let peer = &mut self.side[o];
        peer.window = (p.win as u32) << peer.wscale;
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if lt(self.side[o].next_seq, p.ack) {
            self.side[o].next_seq = p.ack;
        }
        if p.has(ACK) {
            self.update_last_ack(o, p.ack);
        }
        Ok(())
    }

    // ----- closing states -----

    /// A RST in a closing state: validated, then the session is closed.
    fn closing_rst(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        self.validate_rst(p, ev)?;
        self.set_state(St::Closed);
        self.rst_acks(p, ev);
        Ok(())
    }

    fn ts_gate(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        if self.flags & F_TIMESTAMP != 0 && !self.validate_ts(p, ev) {
            return Err(Reject);
        }
        Ok(())
    }

    fn fin_wait1(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(RST) {
            return self.closing_rst(p, ev);
        }
        if p.has(FIN) {
            self.ts_gate(p, ev)?;
            let with_ack = p.has(ACK);
            let me = self.side[d];
            let mut retrans = self.is_retransmission(d, p, ev);
            if !retrans
                && with_ack
                && d == 1
                && p.seq == me.next_seq.wrapping_sub(1)
                && p.ack == self.side[0].last_ack
            {
                retrans = true;
            }
            if !retrans
                && (lt(p.seq, me.next_seq.wrapping_sub(1))
                    || gt(p.seq, me.last_ack.wrapping_add(me.window)))
            {
                ev.set(PacketEvent::StreamFin1FinWrongSeq);
                return Err(Reject);
            }
            if self.validate_ack(o, p, ev).is_err() {
                ev.set(PacketEvent::StreamFin1InvalidAck);
                return Err(Reject);
            }
            let next = if with_ack { St::TimeWait } else { St::Closing };
            if d == 0 || !with_ack {
                if !retrans {
                    self.set_state(next);
                    let peer = &mut self.side[o];
                    peer.window = (p.win as u32) << peer.wscale;
                }
                if self.flags & F_TIMESTAMP != 0 {
                    let _ = self.handle_ts(p, ev);
                }
                if lt(self.side[o].next_seq.wrapping_sub(1), p.ack) {
                    self.side[o].next_seq = p.ack;
                }
                let expect = if with_ack {
                    self.side[d].next_seq
                } else {
                    self.side[d].next_seq.wrapping_sub(1)
                };
                if p.seq == expect {
                    self.side[d].next_seq = p.seq.wrapping_add(p.len);
                }
                if p.has(ACK) {
                    self.update_last_ack(o, p.ack);
                }
            } else {
                // FIN/ACK to the client.
                if self.flags & F_TIMESTAMP != 0 {
                    let _ = self.handle_ts(p, ev);
                }
                if !retrans {
                    self.set_state(St::TimeWait);
                    let c = &mut self.side[0];
                    c.window = (p.win as u32) << c.wscale;
                    if lt(self.side[0].next_seq.wrapping_sub(1), p.ack) {
                        self.side[0].next_seq = p.ack;
                    }
                    if self.side[1].next_seq.wrapping_sub(1) == p.seq {
                        self.side[1].next_seq = p.seq.wrapping_add(p.len);
                    }
                    self.update_last_ack(0, p.ack);
                }
            }
            return Ok(());
        }
        if p.has(SYN) {
            ev.set(PacketEvent::StreamShutdownSynResend);
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        self.ts_gate(p, ev)?;
        let retrans = self.is_retransmission(d, p, ev);
        if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamFin1InvalidAck);
            return Err(Reject);
        }
        let me = self.side[d];
        let end = p.seq.wrapping_add(p.len);
        if d == 0 {
            if lt(p.ack, self.side[1].next_seq) {
                // Acknowledges older data.
            } else if !retrans && p.ack == self.side[1].next_seq {
                if leq(end, me.next_win) {
                    if p.seq == me.next_seq {
                        self.set_state(St::FinWait2);
                    }
                } else {
                    ev.set(PacketEvent::StreamFin1AckWrongSeq);
                    return Err(Reject);
                }
                let s = &mut self.side[1];
                s.window = (p.win as u32) << s.wscale;
            }
        } else if !retrans {
            if leq(end, me.next_win) {
                if p.seq == me.next_seq.wrapping_sub(1) {
                    self.set_state(St::FinWait2);
                }
            } else {
                ev.set(PacketEvent::StreamFin1AckWrongSeq);
                return Err(Reject);
            }
            let c = &mut self.side[0];
            c.window = (p.win as u32) << c.wscale;
        }
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if lt(self.side[o].next_seq.wrapping_sub(1), p.ack) {
            self.side[o].next_seq = p.ack;
        }
        let expect = if d == 0 {
            self.side[0].next_seq
        } else {
            self.side[1].next_seq.wrapping_sub(1)
        };
        if p.seq == expect {
            self.side[d].next_seq = end;
        }
        self.update_last_ack(o, p.ack);
        self.grow_next_win(o);
        Ok(())
    }

    fn grow_next_win(&mut self, s: usize) {
        let side = &mut self.side[s];
        let win = side.last_ack.wrapping_add(side.window);
        if gt(win, side.next_win) {
            side.next_win = win;
        }
    }

    fn fin_wait2(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(RST) {
            return self.closing_rst(p, ev);
        }
        if p.has(FIN) {
            self.ts_gate(p, ev)?;
            let me = self.side[d];
            let retrans = (p.seq == me.next_seq.wrapping_sub(1) && p.ack == self.side[o].last_ack)
                || self.is_retransmission(d, p, ev);
            if !retrans
                && (lt(p.seq, me.next_seq) || gt(p.seq, me.last_ack.wrapping_add(me.window)))
            {
                ev.set(PacketEvent::StreamFin2FinWrongSeq);
                return Err(Reject);
            }
            if self.validate_ack(o, p, ev).is_err() {
                ev.set(PacketEvent::StreamFin2InvalidAck);
                return Err(Reject);
            }
            if !retrans {
                self.set_state(St::TimeWait);
                if d == 0 && self.side[0].next_seq == p.seq {
                    self.side[0].next_seq = p.seq.wrapping_add(p.len);
                }
                let peer = &mut self.side[o];
                peer.window = (p.win as u32) << peer.wscale;
            }
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            if lt(self.side[o].next_seq, p.ack) {
                self.side[o].next_seq = p.ack;
            }
            if p.has(ACK) {
                self.update_last_ack(o, p.ack);
            }
            return Ok(());
        }
        if p.has(SYN) {
            ev.set(PacketEvent::StreamShutdownSynResend);
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        self.ts_gate(p, ev)?;
        let retrans = self.is_retransmission(d, p, ev);
        if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamFin2InvalidAck);
            return Err(Reject);
        }
        let me = self.side[d];
        if !retrans {
            if !leq(p.seq.wrapping_add(p.len), me.next_win) {
                ev.set(PacketEvent::StreamFin2AckWrongSeq);
                return Err(Reject);
            }
            let peer = &mut self.side[o];
            peer.window = (p.win as u32) << peer.wscale;
        }
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if self.side[d].next_seq == p.seq {
            self.side[d].next_seq = p.seq.wrapping_add(p.len);
        }
        self.update_last_ack(o, p.ack);
        self.grow_next_win(o);
        Ok(())
    }

    fn closing(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(RST) {
            return self.closing_rst(p, ev);
        }
        if p.has(SYN) {
            ev.set(PacketEvent::StreamShutdownSynResend);
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        self.ts_gate(p, ev)?;
        let retrans = self.is_retransmission(d, p, ev);
        if p.seq != self.side[d].next_seq {
            ev.set(PacketEvent::StreamClosingAckWrongSeq);
            return Err(Reject);
        }
        if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamClosingInvalidAck);
            return Err(Reject);
        }
        if !retrans {
            self.set_state(St::TimeWait);
            // Suricata updates the client's window whichever way the ACK goes.
            let c = &mut self.side[0];
            c.window = (p.win as u32) << c.wscale;
        }
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if lt(self.side[o].next_seq, p.ack) {
            self.side[o].next_seq = p.ack;
        }
        self.update_last_ack(o, p.ack);
        Ok(())
    }

    fn close_wait(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(RST) {
            return self.closing_rst(p, ev);
        }
        if p.has(FIN) {
            self.ts_gate(p, ev)?;
            let me = self.side[d];
            let retrans = self.is_retransmission(d, p, ev);
            if !retrans
                && (lt(p.seq, me.next_seq) || gt(p.seq, me.last_ack.wrapping_add(me.window)))
            {
                ev.set(PacketEvent::StreamClosewaitFinOutOfWindow);
                return Err(Reject);
            }
            if self.validate_ack(o, p, ev).is_err() {
                ev.set(PacketEvent::StreamClosewaitInvalidAck);
                return Err(Reject);
            }
            if !retrans {
                // Only the server's FIN moves to LAST_ACK.
                if d == 1 {
                    self.set_state(St::LastAck);
                }
                let peer = &mut self.side[o];
                peer.window = (p.win as u32) << peer.wscale;
            }
            if self.flags & F_TIMESTAMP != 0 {
                let _ = self.handle_ts(p, ev);
            }
            if lt(self.side[o].next_seq, p.ack) {
                self.side[o].next_seq = p.ack;
            }
            if p.has(ACK) {
                self.update_last_ack(o, p.ack);
            }
            return Ok(());
        }
        if p.has(SYN) {
            ev.set(PacketEvent::StreamShutdownSynResend);
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        self.ts_gate(p, ev)?;
        let retrans = self.is_retransmission(d, p, ev);
        let me = self.side[d];
        if p.len > 0 && leq(p.seq.wrapping_add(p.len), me.last_ack) {
            ev.set(PacketEvent::StreamClosewaitPktBeforeLastAck);
            return Err(Reject);
        }
        if gt(p.seq, me.last_ack.wrapping_add(me.window)) {
            ev.set(PacketEvent::StreamClosewaitAckOutOfWindow);
            return Err(Reject);
        }
        if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamClosewaitInvalidAck);
            return Err(Reject);
        }
        if !retrans {
            let peer = &mut self.side[o];
            peer.window = (p.win as u32) << peer.wscale;
        }
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if lt(self.side[o].next_seq, p.ack) {
            self.side[o].next_seq = p.ack;
        }
        if p.seq == self.side[d].next_seq {
            self.side[d].next_seq = p.seq.wrapping_add(p.len);
        }
        self.update_last_ack(o, p.ack);
        Ok(())
    }

    fn last_ack(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        if p.has(RST) {
            return self.closing_rst(p, ev);
        }
        if p.has(FIN) {
            return Ok(());
        }
        if p.has(SYN) {
            ev.set(PacketEvent::StreamShutdownSynResend);
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        self.ts_gate(p, ev)?;
        if !p.toserver() {
            return Ok(());
        }
        let retrans = self.is_retransmission(0, p, ev);
        if self.validate_ack(1, p, ev).is_err() {
            ev.set(PacketEvent::StreamLastackInvalidAck);
            return Err(Reject);
        }
        if !retrans {
            let next = self.side[0].next_seq;
            if lt(p.seq, next) {
                // Before next_seq: the state is kept.
            } else if p.seq != next && p.seq != next.wrapping_add(1) {
                ev.set(PacketEvent::StreamLastackAckWrongSeq);
                return Err(Reject);
            } else {
                self.set_state(St::Closed);
            }
            let s = &mut self.side[1];
            s.window = (p.win as u32) << s.wscale;
        }
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if lt(self.side[1].next_seq, p.ack) {
            self.side[1].next_seq = p.ack;
        }
        self.update_last_ack(1, p.ack);
        Ok(())
    }

    fn time_wait(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(RST) {
            return self.closing_rst(p, ev);
        }
        if p.has(FIN) {
            return Ok(());
        }
        if p.has(SYN) {
            ev.set(PacketEvent::StreamShutdownSynResend);
            return Err(Reject);
        }
        if !p.has(ACK) {
            return Ok(());
        }
        self.ts_gate(p, ev)?;
        let retrans = self.is_retransmission(d, p, ev);
        let next = self.side[d].next_seq;
        if !retrans {
            let ok = if d == 0 {
                p.seq == next || p.seq == next.wrapping_add(1)
            } else {
                p.seq == next.wrapping_sub(1) || p.seq == next
            };
            if !ok {
                if d == 1 && p.len > 0 && p.seq == self.side[1].last_ack {
                    return Ok(());
                }
                ev.set(PacketEvent::StreamTimewaitAckWrongSeq);
                return Err(Reject);
            }
        }
        if self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamTimewaitInvalidAck);
            return Err(Reject);
        }
        if !retrans {
            self.set_state(St::Closed);
            let peer = &mut self.side[o];
            peer.window = (p.win as u32) << peer.wscale;
        }
        if self.flags & F_TIMESTAMP != 0 {
            let _ = self.handle_ts(p, ev);
        }
        if lt(self.side[o].next_seq, p.ack) {
            self.side[o].next_seq = p.ack;
        }
        self.update_last_ack(o, p.ack);
        Ok(())
    }

    fn closed(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        if p.has(RST) {
            return Ok(());
        }
        let (d, o) = (p.dir, 1 - p.dir);
        // A RST seen by only one side (during the handshake): the other may carry on.
        if self.side[d].flags & S_RST_RECV == 0 && self.side[o].flags & S_RST_RECV != 0 {
            let prev = self.pstate;
            let r = self.dispatch(prev, p, ev);
            if self.state == St::Closed {
                self.state = self.pstate;
            }
            return r;
        }
        Ok(())
    }

    /// `StreamTcpPacketCheckPostRst`: a regular packet from a RST's sender.
    fn post_rst(&mut self, p: &Pkt, ev: &mut PacketEvents) {
        if p.has(RST) {
            return;
        }
        let o = 1 - p.dir;
        if self.side[o].flags & S_RST_RECV != 0 {
            self.side[o].flags &= !S_RST_RECV;
            ev.set(PacketEvent::StreamSuspectedRstInject);
        }
    }

    // ----- checks shared by the states -----

    fn update_last_ack(&mut self, s: usize, ack: u32) {
        if gt(ack, self.side[s].last_ack) {
            self.side[s].last_ack = ack;
        }
    }

    /// `StreamTcpPacketIsRetransmission`: sets `pkt_retransmission` when it is one.
    fn is_retransmission(&self, d: usize, p: &Pkt, ev: &mut PacketEvents) -> bool {
        if p.len == 0 {
            return false;
        }
        let s = &self.side[d];
        let end = p.seq.wrapping_add(p.len);
        let r = (lt(p.seq, s.last_ack) && gt(end, s.last_ack))
            || leq(end, s.last_ack)
            || leq(end, s.next_seq);
        if r {
            ev.set(PacketEvent::StreamPktRetransmission);
        }
        r
    }

    /// `StreamTcpValidateAck` against side `s` (the side whose data the ACK acknowledges).
    fn validate_ack(&self, s: usize, p: &Pkt, ev: &mut PacketEvents) -> R {
        if !p.has(ACK) {
            return Ok(());
        }
        let st = &self.side[s];
        let ack = p.ack;
        if (gt(ack, st.last_ack) && leq(ack, st.next_win)) || ack == st.last_ack {
            return Ok(());
        }
        if lt(ack, st.last_ack) {
            if st.window != 0 && lt(ack, st.last_ack.wrapping_sub(st.window)) {
                ev.set(PacketEvent::StreamPktInvalidAck);
                return Err(Reject);
            }
            return Ok(());
        }
        if self.state > St::SynSent && gt(ack, st.next_win) {
            ev.set(PacketEvent::StreamPktInvalidAck);
            return Err(Reject);
        }
        if self.state == St::SynSent && !p.toserver() && p.has(RST) && ack == st.isn.wrapping_add(1)
        {
            return Ok(());
        }
        ev.set(PacketEvent::StreamPktInvalidAck);
        Err(Reject)
    }

    /// `StreamTcpValidateRst` under the `windows` policy: the RST's sequence number must be
    /// exactly the sender's next.
    fn validate_rst(&mut self, p: &Pkt, ev: &mut PacketEvents) -> R {
        if self.flags & F_TIMESTAMP != 0 && !self.validate_ts(p, ev) {
            return Err(Reject);
        }
        let (d, o) = (p.dir, 1 - p.dir);
        if p.has(ACK) && p.ack != 0 && self.validate_ack(o, p, ev).is_err() {
            ev.set(PacketEvent::StreamRstInvalidAck);
            return Err(Reject);
        }
        if p.opts.signed {
            self.side[o].flags |= S_RST_RECV;
        }
        if p.seq == self.side[d].next_seq {
            Ok(())
        } else {
            Err(Reject)
        }
    }

    /// `StreamTcpValidateTimestamp` under the `windows` policy (timestamp 0 allowed; a zero
    /// timestamp in the handshake is replaced by the next in-order one).
    fn validate_ts(&self, p: &Pkt, ev: &mut PacketEvents) -> bool {
        let Some((ts, _)) = p.opts.ts else {
            return true;
        };
        let snd = &self.side[p.dir];
        let mut last_ts = snd.last_ts;
        let mut check = true;
        if snd.flags & S_ZERO_TS != 0 && snd.next_seq == p.seq {
            last_ts = ts;
            check = false;
        }
        if !check {
            return true;
        }
        let stale = p.now > snd.last_pkt_ts.wrapping_add(PAWS_24DAYS);
        let bad = (ts.wrapping_sub(last_ts) as i32) < 0 || (snd.last_ts != 0 && stale);
        if bad && !(snd.next_seq == p.seq && stale) {
            ev.set(PacketEvent::StreamPktInvalidTimestamp);
            return false;
        }
        true
    }

    /// `StreamTcpHandleTimestamp` under the `windows` policy: validates and keeps the newest.
    fn handle_ts(&mut self, p: &Pkt, ev: &mut PacketEvents) -> bool {
        let Some((ts, _)) = p.opts.ts else {
            return true;
        };
        let snd = &mut self.side[p.dir];
        if snd.flags & S_ZERO_TS != 0 {
            snd.flags &= !S_ZERO_TS;
            if snd.next_seq == p.seq {
                snd.last_ts = ts;
                return true;
            }
        }
        let stale = p.now > snd.last_pkt_ts.wrapping_add(PAWS_24DAYS);
        let bad = (ts.wrapping_sub(snd.last_ts) as i32) < 0 || (snd.last_ts != 0 && stale);
        if !bad {
            if snd.next_seq == p.seq {
                snd.last_ts = ts;
            }
            snd.last_pkt_ts = p.now;
            return true;
        }
        if snd.next_seq == p.seq && stale {
            snd.last_ts = ts;
            snd.last_pkt_ts = p.now;
            return true;
        }
        ev.set(PacketEvent::StreamPktInvalidTimestamp);
        false
    }

    // ----- packets judged before the state (`StreamTcpPacket`) -----

    fn is_keepalive(&mut self, p: &Pkt) -> bool {
        if p.len > 1 || p.flags & (SYN | FIN | RST) != 0 {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        if p.ack == self.side[o].last_ack && p.seq == self.side[d].next_seq.wrapping_sub(1) {
            self.side[d].flags |= S_KEEPALIVE;
            return true;
        }
        false
    }

    fn is_keepalive_ack(&self, p: &Pkt) -> bool {
        if p.len > 0 || p.flags & (SYN | FIN | RST) != 0 || p.win == 0 {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        let peer = &self.side[o];
        ((p.win as u32) << peer.wscale) == peer.window
            && peer.flags & S_KEEPALIVE != 0
            && p.ack == peer.last_ack
            && p.seq == self.side[d].next_seq
    }

    fn pure_ack_established(&self, p: &Pkt) -> bool {
        self.state >= St::Established && p.len == 0 && p.flags & (ACK | SYN | FIN | RST) == ACK
    }

    fn is_zwp_ack(&self, p: &Pkt) -> bool {
        if !self.pure_ack_established(p) {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        let need = if d == 1 { F_ZWP_TS } else { F_ZWP_TC };
        if self.flags & need == 0 {
            return false;
        }
        let (snd, rcv) = (&self.side[d], &self.side[o]);
        let win = (p.win as u32) << snd.wscale;
        win == 0 && win == rcv.window && p.seq == snd.next_seq && p.ack == rcv.last_ack
    }

    fn is_fin_shutdown_ack(&self, p: &Pkt) -> bool {
        if !matches!(self.state, St::TimeWait | St::CloseWait | St::LastAck)
            || p.flags != ACK
            || p.len != 0
        {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        self.side[d].next_seq.wrapping_add(1) == p.seq
            && p.ack == self.side[o].next_seq.wrapping_add(1)
    }

    fn is_window_update(&self, p: &Pkt) -> bool {
        if self.state < St::Established
            || p.len > 0
            || p.flags & (SYN | FIN | RST) != 0
            || p.win == 0
        {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        let peer = &self.side[o];
        ((p.win as u32) << peer.wscale) != peer.window
            && p.ack == peer.last_ack
            && p.seq == self.side[d].next_seq
    }

    fn is_bad_window_update(&self, p: &Pkt, ev: &mut PacketEvents) -> bool {
        if self.state < St::Established
            || self.state == St::Closed
            || p.flags & (SYN | FIN | RST) != 0
        {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        let peer = &self.side[o];
        let win = (p.win as u32) << peer.wscale;
        if win >= peer.window {
            return false;
        }
        let diff = peer.window - win;
        if diff > p.len && gt(p.ack, peer.next_seq) && gt(p.seq, self.side[d].next_seq) {
            let adiff = p.ack.wrapping_sub(peer.last_ack);
            if (win > 1024 && diff > adiff.wrapping_add(32)) || (win <= 1024 && diff > adiff) {
                ev.set(PacketEvent::StreamPktBadWindowUpdate);
                return true;
            }
        }
        false
    }

    fn is_outdated_ack(&self, p: &Pkt) -> bool {
        // Without SACK blocks (the sensor does not read them): the segment is only an ACK
        // older than one already seen.
        if !self.pure_ack_established(p) {
            return false;
        }
        let (d, o) = (p.dir, 1 - p.dir);
        p.seq == self.side[d].next_seq && lt(p.ack, self.side[o].last_ack)
    }

    /// 1: entirely before what the peer acknowledged; 2: also before the reassembly base.
    fn spurious_retransmission(&self, p: &Pkt) -> u8 {
        if p.len == 0 {
            return 0;
        }
        let s = &self.side[p.dir];
        let end = p.seq.wrapping_add(p.len);
        // Suricata's reassembly base moves on as data is inspected; the sensor does not
        // follow it and takes the first byte of the stream.
        if leq(end, s.isn.wrapping_add(1)) {
            return 2;
        }
        if leq(end, s.last_ack) {
            return 1;
        }
        0
    }
}

#[cfg(test)]
mod tests;
