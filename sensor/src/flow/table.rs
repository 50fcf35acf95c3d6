//! One worker's shard of the flow table. The worker owns it outright, so nothing here locks.
//!
//! Flows live in a slab indexed by a hash table of slot numbers. Timeouts use packet time and a
//! lazy timer wheel: each flow has one wheel entry, and a flow that was active since its entry
//! was scheduled is simply rescheduled when the entry comes due, so a packet never touches the
//! wheel. A lookup also checks the timeout itself, so a flow ends at the same packet whatever
//! the worker's clock saw before: results do not depend on the number of workers.

use hashbrown::HashTable;

use super::key::FlowKey;
use super::tcp::TcpTracker;
use crate::decode::{Decoded, TcpHeader, L4};
use crate::time::Timestamp;

/// Slots of the timer wheel, one per second of packet time. Longer timeouts are rescheduled.
const WHEEL_SLOTS: usize = 1024;
/// Entries whose allocation an emptied wheel slot keeps for its next turn. A flood fills a
/// slot with a second's worth of new flows (100,000 and more); were every slot to keep that,
/// the wheel would hold a megabyte per second of its span.
const WHEEL_KEEP: usize = 1024;

/// Flow timeouts in seconds of packet time, per protocol and state (Suricata's defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub tcp_new: u32,
    pub tcp_established: u32,
    pub tcp_closed: u32,
    pub udp_new: u32,
    pub udp_established: u32,
    pub icmp_new: u32,
    pub icmp_established: u32,
    pub other_new: u32,
    pub other_established: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            tcp_new: 60,
            tcp_established: 600,
            tcp_closed: 60,
            udp_new: 30,
            udp_established: 300,
            icmp_new: 30,
            icmp_established: 300,
            other_new: 30,
            other_established: 300,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowTableConfig {
    pub timeouts: Timeouts,
    /// Most flows this shard holds; beyond it the flow due to time out soonest is evicted.
    pub max_flows: usize,
}

impl Default for FlowTableConfig {
    fn default() -> Self {
        FlowTableConfig {
            timeouts: Timeouts::default(),
            max_flows: 1 << 20,
        }
    }
}

/// `flow.state` of Suricata's EVE flow records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowState {
    New,
    Established,
    Closed,
}

impl FlowState {
    pub fn name(self) -> &'static str {
        match self {
            FlowState::New => "new",
            FlowState::Established => "established",
            FlowState::Closed => "closed",
        }
    }
}

/// Why a flow record was written (`flow.reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// No packet for longer than the flow's timeout.
    Timeout,
    /// Evicted because the table was full.
    Forced,
    /// End of input.
    Shutdown,
    /// A new TCP connection on the same 4-tuple (SYN with a new initial sequence number).
    TcpReuse,
}

impl EndReason {
    pub fn name(self) -> &'static str {
        match self {
            EndReason::Timeout => "timeout",
            EndReason::Forced => "forced",
            EndReason::Shutdown => "shutdown",
            EndReason::TcpReuse => "tcp_reuse",
        }
    }
}

/// Direction of a packet in its flow.
pub const TO_SERVER: usize = 0;
pub const TO_CLIENT: usize = 1;

/// One bidirectional flow. `T` is per-flow state of the stages after the flow table (stream
/// reassembly, application layer), owned by the same worker.
///
/// A table holds up to `max_flows` of these (a million by default), so every byte counts: only
/// the half of the hash the flow id uses is stored (in what would be padding; the table
/// recomputes the whole hash from the key when it needs it), and the slot's generation lives
/// beside the slab. Sizes are pinned by a test.
#[derive(Clone, Debug)]
pub struct Flow<T = ()> {
    pub key: FlowKey,
    /// The high half of the flow hash (for `flow_id`).
    hash_hi: u32,
    /// True when the client (who sent first) is the key's lower endpoint.
    pub client_is_lo: bool,
    pub start: Timestamp,
    pub last: Timestamp,
    /// Indexed by `TO_SERVER` / `TO_CLIENT`.
    pub pkts: [u64; 2],
    pub bytes: [u64; 2],
    pub tcp: TcpTracker,
    /// ICMP type and code of the first message in each direction.
    pub icmp: [Option<(u8, u8)>; 2],
    /// Seen traffic in both directions (UDP/ICMP/other "established").
    pub replied: bool,
    /// State of later stages, created with the flow and dropped with it.
    pub ext: T,
}

impl<T> Flow<T> {
    pub fn state(&self) -> FlowState {
        if self.key.proto == 6 {
            if self.tcp.is_closed() {
                FlowState::Closed
            } else if self.tcp.was_established() {
                FlowState::Established
            } else {
                FlowState::New
            }
        } else if self.replied {
            FlowState::Established
        } else {
            FlowState::New
        }
    }

    /// Suricata-style 51-bit flow id: the flow hash with the start time mixed in, the same on
    /// every run and for any worker count.
    pub fn flow_id(&self) -> u64 {
        let h = self.hash_hi as u64;
        let id = h << 31
            | (self.start.secs() & 0xffff) << 16
            | (self.start.subsec_micros() as u64 & 0xffff);
        id & 0x7_ffff_ffff_ffff
    }

    /// Client and server endpoints.
    pub fn endpoints(&self) -> super::key::Endpoints {
        self.key.endpoints(self.client_is_lo)
    }

    fn timeout(&self, t: &Timeouts) -> u32 {
        let established = self.state() != FlowState::New;
        match self.key.proto {
            6 if self.tcp.is_closed() => t.tcp_closed,
            6 if established => t.tcp_established,
            6 => t.tcp_new,
            17 if established => t.udp_established,
            17 => t.udp_new,
            1 | 58 if established => t.icmp_established,
            1 | 58 => t.icmp_new,
            _ if established => t.other_established,
            _ => t.other_new,
        }
    }

    /// Whether the flow has timed out at `now` (strictly more than its timeout since its last
    /// packet, as Suricata decides).
    /// When the flow ends if nothing more comes: its last packet plus its timeout (the
    /// packet time a timeout end stands for, whatever tick noticed it).
    pub fn deadline(&self, t: &Timeouts) -> Timestamp {
        self.last.saturating_add_secs(self.timeout(t) as u64)
    }

    fn expired_at(&self, now: Timestamp, t: &Timeouts) -> bool {
        now.0 > self.last.saturating_add_secs(self.timeout(t) as u64).0
    }

    fn expiry_sec(&self, t: &Timeouts) -> u64 {
        self.last.secs() + self.timeout(t) as u64 + 1
    }
}

/// Counters of one shard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowTableStats {
    pub created: u64,
    pub ended_timeout: u64,
    pub ended_forced: u64,
    pub ended_shutdown: u64,
    pub ended_tcp_reuse: u64,
    /// Largest number of flows held at once.
    pub peak_active: u64,
}

impl FlowTableStats {
    pub fn add(&mut self, o: &FlowTableStats) {
        self.created += o.created;
        self.ended_timeout += o.ended_timeout;
        self.ended_forced += o.ended_forced;
        self.ended_shutdown += o.ended_shutdown;
        self.ended_tcp_reuse += o.ended_tcp_reuse;
        self.peak_active += o.peak_active;
    }
}

/// A decoded packet with its flow key, as the flow table takes it.
#[derive(Clone, Copy, Debug)]
pub struct FlowPacket {
    pub ts: Timestamp,
    /// Bytes on the wire this packet stands for (all fragments, for a reassembled datagram).
    pub wire_len: u64,
    /// Frames it stands for: 1, or the number of fragments of a reassembled datagram.
    pub frames: u32,
    pub decoded: Decoded,
    pub key: FlowKey,
    pub hash: u64,
    /// The packet travels from the key's lower endpoint to its higher one.
    pub lo_to_hi: bool,
    /// Outside any flow (`Decoded::l4_invalid`): only IP-level detection sees it.
    pub flowless: bool,
    /// Position of the (last) frame in the input, from 1; 0 when unknown (EVE `pcap_cnt`).
    pub pcap_cnt: u64,
}

impl FlowPacket {
    pub fn new(ts: Timestamp, wire_len: u64, decoded: Decoded) -> FlowPacket {
        let (key, lo_to_hi) = FlowKey::from_decoded(&decoded);
        FlowPacket {
            ts,
            wire_len,
            frames: 1,
            decoded,
            key,
            hash: key.hash64(),
            lo_to_hi,
            flowless: decoded.l4_invalid,
            pcap_cnt: 0,
        }
    }
}

/// Where a packet landed: the flow's slot and the packet's direction in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowRef {
    pub slot: u32,
    pub dir: usize,
    /// The packet created the flow.
    pub new: bool,
}

/// Slots per slab chunk: 4,096 flows, under a megabyte.
const CHUNK_SHIFT: u32 = 12;
const CHUNK: usize = 1 << CHUNK_SHIFT;

/// Flow storage in fixed-size chunks, allocated as the table fills. A growing `Vec` would copy
/// every flow at each doubling and, until its final size, leave the old copies behind in the
/// allocator (a table of a million flows peaked about a third above its size); chunks are
/// never moved, and a table holds at most the chunk it is filling beyond what it uses.
struct Slab<T> {
    chunks: Vec<Vec<Option<Flow<T>>>>,
    /// Generation of each slot (bumped when its flow ends, so stale wheel entries are
    /// recognised), in chunks alike.
    generations: Vec<Vec<u32>>,
    len: usize,
}

impl<T> Slab<T> {
    fn new() -> Slab<T> {
        Slab {
            chunks: Vec::new(),
            generations: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    fn generation(&self, slot: usize) -> u32 {
        self.generations[slot >> CHUNK_SHIFT][slot & (CHUNK - 1)]
    }

    #[inline]
    fn next_generation(&mut self, slot: usize) {
        let g = &mut self.generations[slot >> CHUNK_SHIFT][slot & (CHUNK - 1)];
        *g = g.wrapping_add(1);
    }

    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn get(&self, slot: usize) -> Option<&Option<Flow<T>>> {
        self.chunks
            .get(slot >> CHUNK_SHIFT)
            .and_then(|c| c.get(slot & (CHUNK - 1)))
    }

    #[inline]
    fn get_mut(&mut self, slot: usize) -> Option<&mut Option<Flow<T>>> {
        self.chunks
            .get_mut(slot >> CHUNK_SHIFT)
            .and_then(|c| c.get_mut(slot & (CHUNK - 1)))
    }

    /// Appends a slot holding `flow`; returns its number.
    fn push(&mut self, flow: Flow<T>) -> usize {
        if self.len & (CHUNK - 1) == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
            self.generations.push(Vec::with_capacity(CHUNK));
        }
        let last = self.chunks.last_mut().expect("a chunk with room");
        last.push(Some(flow));
        let gens = self.generations.last_mut().expect("a chunk with room");
        gens.push(0);
        self.len += 1;
        self.len - 1
    }
}

impl<T> std::ops::Index<usize> for Slab<T> {
    type Output = Option<Flow<T>>;
    #[inline]
    fn index(&self, slot: usize) -> &Option<Flow<T>> {
        &self.chunks[slot >> CHUNK_SHIFT][slot & (CHUNK - 1)]
    }
}

impl<T> std::ops::IndexMut<usize> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, slot: usize) -> &mut Option<Flow<T>> {
        &mut self.chunks[slot >> CHUNK_SHIFT][slot & (CHUNK - 1)]
    }
}

#[derive(Clone, Copy)]
struct WheelEntry {
    slot: u32,
    generation: u32,
}

pub struct FlowTable<T = ()> {
    config: FlowTableConfig,
    index: HashTable<u32>,
    slab: Slab<T>,
    free: Vec<u32>,
    wheel: Vec<Vec<WheelEntry>>,
    /// Last second of packet time the wheel has been run up to.
    wheel_sec: Option<u64>,
    now: Timestamp,
    active: usize,
    stats: FlowTableStats,
}

impl<T: Default> FlowTable<T> {
    pub fn new(config: FlowTableConfig) -> FlowTable<T> {
        FlowTable {
            config,
            index: HashTable::new(),
            slab: Slab::new(),
            free: Vec::new(),
            wheel: (0..WHEEL_SLOTS).map(|_| Vec::new()).collect(),
            wheel_sec: None,
            now: Timestamp::ZERO,
            active: 0,
            stats: FlowTableStats::default(),
        }
    }

    /// The timeouts flows are ended by.
    pub fn timeouts(&self) -> Timeouts {
        self.config.timeouts
    }

    pub fn stats(&self) -> FlowTableStats {
        self.stats
    }

    pub fn active(&self) -> usize {
        self.active
    }

    pub fn get(&self, slot: u32) -> Option<&Flow<T>> {
        self.slab.get(slot as usize).and_then(|f| f.as_ref())
    }

    pub fn get_mut(&mut self, slot: u32) -> Option<&mut Flow<T>> {
        self.slab.get_mut(slot as usize).and_then(|f| f.as_mut())
    }

    /// Accounts one IP packet to its flow, creating, ending and evicting flows as needed. Ended
    /// flows are handed to `on_end` before their slot is reused.
    #[inline]
    pub fn process(
        &mut self,
        p: &FlowPacket,
        on_end: &mut impl FnMut(&mut Flow<T>, EndReason),
    ) -> FlowRef {
        self.process_with(p, true, on_end)
    }

    /// [`Self::process`]; `tcp_state` false leaves the flow's TCP state as it was (a segment
    /// that stream validation rejects: counted in the flow, not part of the session).
    pub fn process_with(
        &mut self,
        p: &FlowPacket,
        tcp_state: bool,
        on_end: &mut impl FnMut(&mut Flow<T>, EndReason),
    ) -> FlowRef {
        let FlowPacket {
            ts,
            wire_len,
            ref decoded,
            ref key,
            hash,
            lo_to_hi,
            ..
        } = *p;
        self.advance_clock(ts, on_end);
        let timeouts = self.config.timeouts;
        let mut found = self
            .index
            .find(hash, |&s| {
                self.slab[s as usize]
                    .as_ref()
                    .is_some_and(|f| f.key == *key)
            })
            .copied();
        if let Some(slot) = found {
            let flow = self.slab[slot as usize]
                .as_ref()
                .expect("indexed slot holds a flow");
            let dir = if lo_to_hi == flow.client_is_lo {
                TO_SERVER
            } else {
                TO_CLIENT
            };
            let reason = if flow.expired_at(ts, &timeouts) {
                Some(EndReason::Timeout)
            } else if let L4::Tcp(h) = &decoded.l4 {
                flow.tcp.is_reuse(dir, h).then_some(EndReason::TcpReuse)
            } else {
                None
            };
            if let Some(reason) = reason {
                self.end(slot, reason, on_end);
                found = None;
            }
        }
        let (slot, new) = match found {
            Some(slot) => (slot, false),
            None => (self.create(ts, key, hash, lo_to_hi, decoded, on_end), true),
        };
        let flow = self.slab[slot as usize]
            .as_mut()
            .expect("slot holds a flow");
        let dir = if lo_to_hi == flow.client_is_lo {
            TO_SERVER
        } else {
            TO_CLIENT
        };
        flow.last = flow.last.max(ts);
        flow.pkts[dir] += p.frames as u64;
        flow.bytes[dir] += wire_len;
        if dir == TO_CLIENT {
            flow.replied = true;
        }
        match &decoded.l4 {
            L4::Tcp(h) if tcp_state => flow.tcp.update(dir, h),
            L4::Icmp(i) if flow.icmp[dir].is_none() => flow.icmp[dir] = Some((i.icmp_type, i.code)),
            _ => {}
        }
        FlowRef { slot, dir, new }
    }

    fn create(
        &mut self,
        ts: Timestamp,
        key: &FlowKey,
        hash: u64,
        lo_to_hi: bool,
        decoded: &Decoded,
        on_end: &mut impl FnMut(&mut Flow<T>, EndReason),
    ) -> u32 {
        if self.active >= self.config.max_flows.max(1) {
            self.evict_one(on_end);
        }
        // The client is who sent first, except that a SYN-ACK (its SYN missed) comes from the
        // server.
        const SYN_ACK: u8 = TcpHeader::SYN | TcpHeader::ACK;
        let from_server = matches!(&decoded.l4, L4::Tcp(h) if h.flags & SYN_ACK == SYN_ACK);
        let flow = Flow {
            key: *key,
            hash_hi: (hash >> 32) as u32,
            client_is_lo: lo_to_hi != from_server,
            start: ts,
            last: ts,
            pkts: [0; 2],
            bytes: [0; 2],
            tcp: TcpTracker::default(),
            icmp: [None; 2],
            replied: false,
            ext: T::default(),
        };
        let expiry = flow.expiry_sec(&self.config.timeouts);
        let slot = match self.free.pop() {
            Some(s) => {
                self.slab[s as usize] = Some(flow);
                s
            }
            None => {
                let slot = self.slab.push(flow);
                slot as u32
            }
        };
        let generation = self.slab.generation(slot as usize);
        let slab = &self.slab;
        self.index.insert_unique(hash, slot, |&s| {
            slab[s as usize].as_ref().map_or(0, |f| f.key.hash64())
        });
        self.schedule(slot, generation, expiry);
        self.active += 1;
        self.stats.created += 1;
        self.stats.peak_active = self.stats.peak_active.max(self.active as u64);
        slot
    }

    fn end(
        &mut self,
        slot: u32,
        reason: EndReason,
        on_end: &mut impl FnMut(&mut Flow<T>, EndReason),
    ) {
        // The flow is handed over in place, then dropped in place: no copy of it is made.
        let Some(flow) = self.slab[slot as usize].as_mut() else {
            return;
        };
        on_end(flow, reason);
        let hash = flow.key.hash64();
        if let Ok(entry) = self.index.find_entry(hash, |&s| s == slot) {
            entry.remove();
        }
        self.slab[slot as usize] = None;
        self.slab.next_generation(slot as usize);
        self.free.push(slot);
        self.active -= 1;
        match reason {
            EndReason::Timeout => self.stats.ended_timeout += 1,
            EndReason::Forced => self.stats.ended_forced += 1,
            EndReason::Shutdown => self.stats.ended_shutdown += 1,
            EndReason::TcpReuse => self.stats.ended_tcp_reuse += 1,
        }
    }

    fn schedule(&mut self, slot: u32, generation: u32, expiry_sec: u64) {
        // Entries further out than the wheel spans come due early and are rescheduled.
        let base = self.wheel_sec.unwrap_or(self.now.secs());
        let due = expiry_sec.clamp(base + 1, base + WHEEL_SLOTS as u64 - 1);
        self.wheel[(due % WHEEL_SLOTS as u64) as usize].push(WheelEntry { slot, generation });
    }

    /// Moves packet time forward to `ts`, ending flows that timed out on the way.
    #[inline]
    pub fn advance_clock(
        &mut self,
        ts: Timestamp,
        on_end: &mut impl FnMut(&mut Flow<T>, EndReason),
    ) {
        if ts > self.now {
            self.now = ts;
        }
        let sec = self.now.secs();
        let start = match self.wheel_sec {
            Some(s) if s >= sec => return,
            Some(s) => s,
            None => {
                self.wheel_sec = Some(sec);
                return;
            }
        };
        // After a long jump every slot is visited once, not once per elapsed second.
        let steps = (sec - start).min(WHEEL_SLOTS as u64);
        self.wheel_sec = Some(sec);
        for i in 1..=steps {
            let idx = ((start + i) % WHEEL_SLOTS as u64) as usize;
            self.run_slot(idx, on_end);
        }
    }

    fn run_slot(&mut self, idx: usize, on_end: &mut impl FnMut(&mut Flow<T>, EndReason)) {
        let mut entries = std::mem::take(&mut self.wheel[idx]);
        let timeouts = self.config.timeouts;
        for e in entries.iter().copied() {
            let Some(flow) = self.slab.get(e.slot as usize).and_then(|f| f.as_ref()) else {
                continue;
            };
            if self.slab.generation(e.slot as usize) != e.generation {
                continue;
            }
            if flow.expired_at(self.now, &timeouts) {
                self.end(e.slot, EndReason::Timeout, on_end);
            } else {
                let expiry = flow.expiry_sec(&timeouts);
                self.schedule(e.slot, e.generation, expiry);
            }
        }
        entries.clear();
        if self.wheel[idx].is_empty() && entries.capacity() <= WHEEL_KEEP {
            // Keep the allocation for the slot's next turn.
            self.wheel[idx] = entries;
        }
    }

    /// Evicts the flow whose timeout check comes due soonest: the least recently scheduled,
    /// which approximates the least recently active.
    fn evict_one(&mut self, on_end: &mut impl FnMut(&mut Flow<T>, EndReason)) {
        let base = self.wheel_sec.unwrap_or(self.now.secs());
        for i in 0..WHEEL_SLOTS as u64 {
            let idx = ((base + i) % WHEEL_SLOTS as u64) as usize;
            while let Some(e) = self.wheel[idx].pop() {
                let live = self.slab.get(e.slot as usize).is_some_and(|f| f.is_some())
                    && self.slab.generation(e.slot as usize) == e.generation;
                if live {
                    self.end(e.slot, EndReason::Forced, on_end);
                    return;
                }
            }
            if self.wheel[idx].capacity() > WHEEL_KEEP {
                self.wheel[idx] = Vec::new();
            }
        }
    }

    /// Ends every flow (end of input), in slot order, and frees the table's memory. (Flows are
    /// ended in place and the index, free list and wheel are dropped whole afterwards, rather
    /// than updated flow by flow: a free list of every slot would be the run's peak.)
    pub fn flush(&mut self, on_end: &mut impl FnMut(&mut Flow<T>, EndReason)) {
        for slot in 0..self.slab.len() {
            if let Some(flow) = self.slab[slot].as_mut() {
                on_end(flow, EndReason::Shutdown);
                self.slab[slot] = None;
                self.active -= 1;
                self.stats.ended_shutdown += 1;
            }
        }
        self.slab = Slab::new();
        self.index = HashTable::new();
        self.free = Vec::new();
        for w in &mut self.wheel {
            *w = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{TcpHeader, UdpHeader};

    fn udp(src: &str, sp: u16, dst: &str, dp: u16) -> Decoded {
        Decoded {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_proto: 17,
            l4: L4::Udp(UdpHeader {
                src_port: sp,
                dst_port: dp,
                length: 8,
            }),
            ..Default::default()
        }
    }

    fn tcp(src: &str, sp: u16, dst: &str, dp: u16, flags: u8, seq: u32) -> Decoded {
        Decoded {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_proto: 6,
            l4: L4::Tcp(TcpHeader {
                src_port: sp,
                dst_port: dp,
                flags,
                seq,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    struct Run {
        table: FlowTable,
        ended: Vec<(Flow, EndReason)>,
    }

    impl Run {
        fn new(config: FlowTableConfig) -> Run {
            Run {
                table: FlowTable::new(config),
                ended: Vec::new(),
            }
        }
        fn packet(&mut self, secs: u64, d: &Decoded, len: u64) -> FlowRef {
            let ended = &mut self.ended;
            let p = FlowPacket::new(Timestamp::from_secs_nanos(secs, 0), len, *d);
            self.table
                .process(&p, &mut |f: &mut Flow, r| ended.push((f.clone(), r)))
        }
        fn flush(&mut self) {
            let ended = &mut self.ended;
            self.table
                .flush(&mut |f: &mut Flow, r| ended.push((f.clone(), r)));
        }
    }

    #[test]
    fn counts_per_direction_with_client_first() {
        let mut r = Run::new(FlowTableConfig::default());
        let q = udp("10.0.0.5", 5353, "10.0.0.53", 53);
        let a = udp("10.0.0.53", 53, "10.0.0.5", 5353);
        assert!(r.packet(100, &q, 80).new);
        assert_eq!(r.packet(100, &a, 120).dir, TO_CLIENT);
        r.packet(101, &q, 80);
        r.flush();
        assert_eq!(r.ended.len(), 1);
        let (f, reason) = &r.ended[0];
        assert_eq!(*reason, EndReason::Shutdown);
        assert_eq!(f.pkts, [2, 1]);
        assert_eq!(f.bytes, [160, 120]);
        assert_eq!(f.endpoints().src_port, 5353);
        assert_eq!(f.state(), FlowState::Established);
    }

    #[test]
    fn udp_times_out_by_packet_time_and_restarts() {
        let mut r = Run::new(FlowTableConfig::default());
        let q = udp("10.0.0.5", 5353, "10.0.0.53", 53);
        r.packet(100, &q, 80);
        // 30 s is the new-UDP timeout: 31 s later the flow is gone and a new one begins.
        assert!(!r.packet(130, &q, 80).new);
        assert!(r.packet(161, &q, 80).new);
        assert_eq!(r.ended.len(), 1);
        assert_eq!(r.ended[0].1, EndReason::Timeout);
        assert_eq!(r.ended[0].0.pkts, [2, 0]);
    }

    #[test]
    fn idle_flows_expire_through_the_wheel() {
        let mut r = Run::new(FlowTableConfig::default());
        for p in 0..100 {
            r.packet(10, &udp("10.0.0.5", 1000 + p, "10.0.0.53", 53), 60);
        }
        // Another flow's packets move the clock; the first 100 expire without being looked up.
        for s in 11..100 {
            r.packet(s, &udp("10.0.0.6", 1, "10.0.0.53", 53), 60);
        }
        assert_eq!(
            r.ended
                .iter()
                .filter(|(_, x)| *x == EndReason::Timeout)
                .count(),
            100
        );
        assert_eq!(r.table.active(), 1);
    }

    #[test]
    fn syn_with_new_isn_starts_a_new_flow() {
        let mut r = Run::new(FlowTableConfig::default());
        r.packet(
            1,
            &tcp("10.0.0.5", 4000, "10.0.0.80", 80, TcpHeader::SYN, 1),
            60,
        );
        r.packet(
            1,
            &tcp(
                "10.0.0.80",
                80,
                "10.0.0.5",
                4000,
                TcpHeader::RST | TcpHeader::ACK,
                0,
            ),
            60,
        );
        r.packet(
            2,
            &tcp("10.0.0.5", 4000, "10.0.0.80", 80, TcpHeader::SYN, 1),
            60,
        );
        assert!(
            r.packet(
                3,
                &tcp("10.0.0.5", 4000, "10.0.0.80", 80, TcpHeader::SYN, 777),
                60
            )
            .new
        );
        assert_eq!(r.ended[0].1, EndReason::TcpReuse);
        assert_eq!(r.ended[0].0.pkts, [2, 1]);
        assert_eq!(r.ended[0].0.state(), FlowState::Closed);
    }

    #[test]
    fn syn_ack_first_makes_its_sender_the_server() {
        let mut r = Run::new(FlowTableConfig::default());
        r.packet(
            1,
            &tcp(
                "10.0.0.80",
                80,
                "10.0.0.5",
                4000,
                TcpHeader::SYN | TcpHeader::ACK,
                5,
            ),
            60,
        );
        r.flush();
        let e = r.ended[0].0.endpoints();
        assert_eq!(e.dst_port, 80);
        assert_eq!(r.ended[0].0.pkts, [0, 1]);
    }

    #[test]
    fn cap_evicts_and_counts() {
        let mut r = Run::new(FlowTableConfig {
            max_flows: 10,
            ..Default::default()
        });
        for p in 0..25 {
            r.packet(
                1 + p as u64 / 5,
                &udp("10.0.0.5", 1000 + p, "10.0.0.53", 53),
                60,
            );
        }
        assert_eq!(r.table.active(), 10);
        assert_eq!(r.table.stats().ended_forced, 15);
        // The oldest flows went first.
        assert!(r.ended.iter().all(|(f, _)| f.start.secs() <= 3));
    }

    #[test]
    fn long_clock_jump_is_cheap_and_expires_all() {
        let mut r = Run::new(FlowTableConfig::default());
        r.packet(10, &udp("10.0.0.5", 1, "10.0.0.53", 53), 60);
        r.packet(10 + 86_400 * 365, &udp("10.0.0.6", 1, "10.0.0.53", 53), 60);
        assert_eq!(r.ended.len(), 1);
    }
}
