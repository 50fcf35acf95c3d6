//! Conversations on the wire: a TCP session (handshake, data with correct sequence and
//! acknowledgement numbers, delayed ACKs, FIN or RST close), UDP exchanges and ICMP echo.
//!
//! Times are as seen at the sensor. `rtt_c` is the round trip between the sensor and the client,
//! `rtt_s` between the sensor and the server: a segment seen at `t` is answered by the server at
//! `t + rtt_s` (+ processing) and by the client at `t + rtt_c`.

use super::net::{Host, NS_PER_MS, NS_PER_US};
use super::packet::{self, Ip, Link, Tcp, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN};
use super::rng::Rng;
use super::timeline::Timeline;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// From the client (who sent the SYN) to the server.
    ToServer,
    ToClient,
}

/// Where a flow's packets go: the pcapng interface and the client-to-server link header.
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    pub iface: u32,
    pub link: Link,
}

impl Wire {
    pub fn between(c: &Host, s: &Host) -> Wire {
        Wire {
            iface: 0,
            link: Link::ethernet(c.mac, s.mac),
        }
    }
}

struct Side {
    host: Host,
    port: u16,
    /// Next sequence number to send.
    seq: u32,
    ipid: u16,
    ts_base: u32,
    /// Timestamp value of the last segment this side sent (what the peer echoes).
    last_tsval: u32,
    win: u16,
    mss: usize,
    /// Segments received and not yet acknowledged.
    unacked: u32,
}

pub struct TcpSession {
    c: Side,
    s: Side,
    wire: Wire,
    timestamps: bool,
    pub rtt_c: u64,
    pub rtt_s: u64,
    /// Time between back-to-back segments of one sender (its bottleneck rate).
    pub gap: u64,
    /// Time of the sender's current activity.
    pub now: u64,
    /// Latest packet time of this session.
    pub last: u64,
    /// Captured length of data segments (None: whole frames).
    pub snap: Option<u32>,
    /// IPv6 only: every packet carries a Destination Options header.
    pub dest_opts: bool,
    /// The receiver ACKs every this many segments (2: delayed ACKs; 1: quick ACKs).
    pub ack_every: u32,
    start: u64,
    pub packets: u64,
}

impl TcpSession {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rng: &mut Rng,
        client: Host,
        cport: u16,
        server: Host,
        sport: u16,
        wire: Wire,
        start: u64,
        rtt_c: u64,
        rtt_s: u64,
    ) -> TcpSession {
        let v6 = client.ip.is_ipv6();
        let mss = if v6 { 1440 } else { 1460 };
        let timestamps = client.os == super::net::Os::Linux || rng.chance(20);
        let opt = if timestamps { 12 } else { 0 };
        let side = |h: Host, port: u16, rng: &mut Rng| Side {
            host: h,
            port,
            seq: rng.next_u32(),
            ipid: rng.next_u32() as u16,
            ts_base: rng.next_u32(),
            last_tsval: 0,
            win: *rng.pick(&[501, 502, 509, 1026, 2052, 4106]),
            mss: mss - opt,
            unacked: 0,
        };
        let c = side(client, cport, rng);
        let s = side(server, sport, rng);
        TcpSession {
            c,
            s,
            wire,
            timestamps,
            rtt_c: rtt_c.max(NS_PER_US),
            rtt_s: rtt_s.max(NS_PER_US),
            gap: 120 * NS_PER_US,
            now: start,
            last: start,
            snap: None,
            dest_opts: false,
            ack_every: 2,
            start,
            packets: 0,
        }
    }

    fn emit(
        &mut self,
        tl: &mut Timeline,
        dir: Dir,
        ts: u64,
        flags: u8,
        payload: &[u8],
        syn_opts: bool,
    ) {
        let (me, peer) = match dir {
            Dir::ToServer => (&mut self.c, &self.s),
            Dir::ToClient => (&mut self.s, &self.c),
        };
        let ms = (ts.saturating_sub(self.start) / NS_PER_MS) as u32;
        let tsval = me.ts_base.wrapping_add(ms);
        // Echo exactly the peer's most recent timestamp value (RFC 7323): stream engines such as
        // Suricata's reject a SYN-ACK whose echo does not match the SYN.
        let ecr = if flags == TCP_SYN { 0 } else { peer.last_tsval };
        me.last_tsval = tsval;
        let mut opts_buf = [0u8; 20];
        let opts: &[u8] = if syn_opts {
            let mss = if me.host.ip.is_ipv6() { 1440 } else { 1460 };
            let ts = if self.timestamps {
                Some((tsval, ecr))
            } else {
                None
            };
            let (o, n) = packet::syn_options(mss, 7, ts);
            opts_buf = o;
            &opts_buf[..n]
        } else if self.timestamps {
            opts_buf[..12].copy_from_slice(&packet::ts_options(tsval, ecr));
            &opts_buf[..12]
        } else {
            &[]
        };
        let ack = if flags & TCP_ACK != 0 { peer.seq } else { 0 };
        let win = if syn_opts { 64240 } else { me.win };
        let tcp = Tcp {
            sport: me.port,
            dport: peer.port,
            seq: me.seq,
            ack,
            flags,
            window: win,
            options: opts,
        };
        let mut ip = Ip::new(me.host.ip, peer.host.ip, me.host.ttl, me.ipid as u32);
        if ip.is_v6() {
            ip.dest_opts = self.dest_opts;
            ip.id = me.ts_base & 0x000f_ffff; // one flow label per direction
        }
        let link = match dir {
            Dir::ToServer => self.wire.link,
            Dir::ToClient => self.wire.link.reversed(),
        };
        let mut buf = tl.buffer();
        packet::tcp_frame(&mut buf, &link, &ip, &tcp, payload);
        me.ipid = me.ipid.wrapping_add(1);
        let consumed = payload.len() as u32 + (flags & (TCP_SYN | TCP_FIN) != 0) as u32;
        me.seq = me.seq.wrapping_add(consumed);
        let snap = if payload.is_empty() { None } else { self.snap };
        tl.push(ts, self.wire.iface, buf, snap);
        self.last = self.last.max(ts);
        self.packets += 1;
    }

    /// SYN, SYN-ACK, ACK starting at `now`; afterwards `now` is when the client can send.
    pub fn handshake(&mut self, tl: &mut Timeline) {
        let t = self.now;
        self.emit(tl, Dir::ToServer, t, TCP_SYN, &[], true);
        self.emit(
            tl,
            Dir::ToClient,
            t + self.rtt_s,
            TCP_SYN | TCP_ACK,
            &[],
            true,
        );
        let t = t + self.rtt_s + self.rtt_c;
        self.emit(tl, Dir::ToServer, t, TCP_ACK, &[], false);
        self.now = t + 20 * NS_PER_US;
    }

    /// The client's SYN alone (an unanswered probe, or the first step of a scan).
    pub fn syn(&mut self, tl: &mut Timeline) {
        let t = self.now;
        self.emit(tl, Dir::ToServer, t, TCP_SYN, &[], true);
    }

    /// The server's SYN-ACK to `syn()`, `rtt_s` later.
    pub fn syn_ack(&mut self, tl: &mut Timeline) {
        let t = self.now + self.rtt_s;
        self.emit(tl, Dir::ToClient, t, TCP_SYN | TCP_ACK, &[], true);
        self.now = t;
    }

    /// A reset from `dir`'s sender, `delay` after `now`. A closed port answers a SYN with
    /// RST-ACK; a scanner tears down a half-open connection with a bare RST.
    pub fn reset(&mut self, tl: &mut Timeline, dir: Dir, delay: u64, with_ack: bool) {
        let t = self.now + delay;
        let flags = if with_ack { TCP_RST | TCP_ACK } else { TCP_RST };
        self.emit(tl, dir, t, flags, &[], false);
        self.now = t;
    }

    /// Sends `data` from one side as MSS-sized segments at the sender's pace. The receiver ACKs
    /// every second segment; an odd last segment is acknowledged by the receiver's next packet.
    pub fn send(&mut self, tl: &mut Timeline, dir: Dir, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let mss = match dir {
            Dir::ToServer => self.c.mss,
            Dir::ToClient => self.s.mss,
        };
        let back = match dir {
            Dir::ToServer => (Dir::ToClient, self.rtt_s),
            Dir::ToClient => (Dir::ToServer, self.rtt_c),
        };
        let n = data.len().div_ceil(mss);
        let mut t = self.now;
        for (i, chunk) in data.chunks(mss).enumerate() {
            let last = i + 1 == n;
            let flags = if last { TCP_ACK | TCP_PSH } else { TCP_ACK };
            self.emit(tl, dir, t, flags, chunk, false);
            let rx = match dir {
                Dir::ToServer => &mut self.s,
                Dir::ToClient => &mut self.c,
            };
            rx.unacked += 1;
            if rx.unacked >= self.ack_every {
                rx.unacked = 0;
                self.emit(tl, back.0, t + back.1, TCP_ACK, &[], false);
            }
            if !last {
                t += self.gap;
            }
        }
        // The sender's other half now owes nothing: its data went out with a current ACK.
        match dir {
            Dir::ToServer => self.c.unacked = 0,
            Dir::ToClient => self.s.unacked = 0,
        }
        self.now = t;
    }

    /// A full exchange: the client sends `req`; the server answers `resp` after `proc` of work.
    /// Afterwards `now` is when the client has the whole response.
    pub fn exchange(&mut self, tl: &mut Timeline, req: &[u8], resp: &[u8], proc: u64) {
        self.send(tl, Dir::ToServer, req);
        self.now += self.rtt_s + proc;
        self.send(tl, Dir::ToClient, resp);
        self.now += self.rtt_c;
    }

    /// Sends from `dir`'s side after the other side's last data has reached it.
    pub fn reply(&mut self, tl: &mut Timeline, dir: Dir, data: &[u8], proc: u64) {
        self.now += proc
            + match dir {
                Dir::ToServer => self.rtt_c,
                Dir::ToClient => self.rtt_s,
            };
        self.send(tl, dir, data);
    }

    /// Idle time (user think time, keep-alive pause). A pending odd segment is ACKed by the
    /// receiver's delayed-ACK timer (40 ms) first.
    pub fn wait(&mut self, tl: &mut Timeline, ns: u64) {
        let acked = self.flush_acks(tl);
        self.now = (self.now + ns).max(acked);
    }

    /// Emits delayed ACKs still owed; returns the time of the last one (or `now`).
    fn flush_acks(&mut self, tl: &mut Timeline) -> u64 {
        let mut t = self.now;
        if self.c.unacked > 0 {
            self.c.unacked = 0;
            t = self.now + self.rtt_c + 40 * NS_PER_MS;
            self.emit(tl, Dir::ToServer, t, TCP_ACK, &[], false);
        }
        if self.s.unacked > 0 {
            self.s.unacked = 0;
            t = self.now + self.rtt_s + 40 * NS_PER_MS;
            self.emit(tl, Dir::ToClient, t, TCP_ACK, &[], false);
        }
        t
    }

    /// Orderly close started by `dir`'s sender: FIN-ACK, FIN-ACK, ACK.
    pub fn close(&mut self, tl: &mut Timeline, dir: Dir) {
        self.c.unacked = 0;
        self.s.unacked = 0;
        let (rtt_from, rtt_to) = match dir {
            Dir::ToServer => (self.rtt_c, self.rtt_s),
            Dir::ToClient => (self.rtt_s, self.rtt_c),
        };
        let other = match dir {
            Dir::ToServer => Dir::ToClient,
            Dir::ToClient => Dir::ToServer,
        };
        let t = self.now.max(self.last) + 100 * NS_PER_US;
        self.emit(tl, dir, t, TCP_FIN | TCP_ACK, &[], false);
        let t = t + rtt_to;
        self.emit(tl, other, t, TCP_FIN | TCP_ACK, &[], false);
        let t = t + rtt_from;
        self.emit(tl, dir, t, TCP_ACK, &[], false);
        self.now = t;
    }

    /// Abortive close: RST-ACK from `dir`'s sender (browsers and TLS clients do this often).
    pub fn abort(&mut self, tl: &mut Timeline, dir: Dir) {
        self.c.unacked = 0;
        self.s.unacked = 0;
        let t = self.now.max(self.last) + 100 * NS_PER_US;
        self.emit(tl, dir, t, TCP_RST | TCP_ACK, &[], false);
        self.now = t;
    }
}

/// A UDP conversation between two hosts' ports.
pub struct UdpFlow {
    pub a: Host,
    pub b: Host,
    pub aport: u16,
    pub bport: u16,
    pub wire: Wire,
    ipid_a: u16,
    ipid_b: u16,
    pub packets: u64,
}

impl UdpFlow {
    pub fn new(rng: &mut Rng, a: Host, aport: u16, b: Host, bport: u16, wire: Wire) -> UdpFlow {
        UdpFlow {
            a,
            b,
            aport,
            bport,
            wire,
            ipid_a: rng.next_u32() as u16,
            ipid_b: rng.next_u32() as u16,
            packets: 0,
        }
    }

    fn ip(&mut self, from_a: bool) -> (Ip, Link, u16, u16) {
        let (src, dst, id, sp, dp, link) = if from_a {
            self.ipid_a = self.ipid_a.wrapping_add(1);
            (
                self.a,
                self.b,
                self.ipid_a,
                self.aport,
                self.bport,
                self.wire.link,
            )
        } else {
            self.ipid_b = self.ipid_b.wrapping_add(1);
            (
                self.b,
                self.a,
                self.ipid_b,
                self.bport,
                self.aport,
                self.wire.link.reversed(),
            )
        };
        let mut ip = Ip::new(src.ip, dst.ip, src.ttl, id as u32);
        // Resolvers and NTP send UDP without DF more often than not; keep DF off for UDP.
        ip.dont_fragment = false;
        (ip, link, sp, dp)
    }

    /// One datagram from `a` (or `b`) at `ts`.
    pub fn send(&mut self, tl: &mut Timeline, from_a: bool, ts: u64, payload: &[u8]) {
        let (ip, link, sp, dp) = self.ip(from_a);
        let mut buf = tl.buffer();
        packet::udp_frame(&mut buf, &link, &ip, sp, dp, payload);
        tl.push(ts, self.wire.iface, buf, None);
        self.packets += 1;
    }

    /// One datagram sent as IP fragments of at most `chunk` bytes of IP payload, `spacing` apart.
    #[allow(clippy::too_many_arguments)]
    pub fn send_fragmented(
        &mut self,
        tl: &mut Timeline,
        from_a: bool,
        ts: u64,
        payload: &[u8],
        chunk: usize,
        spacing: u64,
        reverse_order: bool,
    ) -> usize {
        let (mut ip, link, sp, dp) = self.ip(from_a);
        if ip.is_v6() {
            ip.id = 0x1000_0000 | ((ip.id & 0xffff) << 4) | 0x5;
        }
        let mut frames = packet::udp_fragments(&link, &ip, sp, dp, payload, chunk);
        if reverse_order {
            frames.reverse();
        }
        let n = frames.len();
        for (i, f) in frames.into_iter().enumerate() {
            tl.push(ts + i as u64 * spacing, self.wire.iface, f, None);
            self.packets += 1;
        }
        n
    }
}

/// ICMP (or ICMPv6) echo request and reply pairs, `interval` apart.
#[allow(clippy::too_many_arguments)]
pub fn ping(
    tl: &mut Timeline,
    rng: &mut Rng,
    a: Host,
    b: Host,
    wire: Wire,
    start: u64,
    count: u16,
    interval: u64,
    rtt: u64,
) -> u64 {
    let id = rng.next_u32() as u16;
    let v6 = a.ip.is_ipv6();
    let (req_t, rep_t) = if v6 { (128, 129) } else { (8, 0) };
    let mut payload = [0u8; 56];
    for (i, b) in payload.iter_mut().enumerate().skip(8) {
        *b = i as u8; // Linux ping's pattern after its 8-byte timestamp
    }
    let mut ipid = rng.next_u32() as u16;
    let mut t = start;
    for seq in 1..=count {
        payload[..8].copy_from_slice(&(t / 1000).to_le_bytes());
        let rest = [(id >> 8) as u8, id as u8, (seq >> 8) as u8, seq as u8];
        for (src, dst, ty, link, at) in [
            (a, b, req_t, wire.link, t),
            (b, a, rep_t, wire.link.reversed(), t + rtt),
        ] {
            let ip = Ip::new(src.ip, dst.ip, src.ttl, ipid as u32);
            ipid = ipid.wrapping_add(1);
            let mut buf = tl.buffer();
            packet::icmp_frame(&mut buf, &link, &ip, ty, 0, rest, &payload);
            tl.push(at, wire.iface, buf, None);
        }
        t += interval;
    }
    t
}
