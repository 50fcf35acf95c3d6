//! IPv4 and IPv6 fragment reassembly, bounded in memory and time.
//!
//! Overlap policy: **first** (Suricata's `first` policy, not its default `bsd`): a byte of the
//! datagram, once received, is never replaced. A later fragment only fills the gaps it covers;
//! any fragment that touches bytes already held counts once in `overlaps` (an exact duplicate
//! too). The first last fragment (MF clear) fixes the datagram's length: bytes past it, held or
//! later received, are dropped (also counted as an overlap), and a later "last fragment" that
//! disagrees is ignored. The unfragmentable header is the first offset-0 fragment's.
//!
//! Storage: each datagram under reassembly holds the bytes it received once, in arrival order,
//! with a sorted list of the runs they fill; the datagram is laid out only when complete, into
//! one buffer reused for every datagram. Trackers, their buffers and the index are recycled, so
//! steady-state reassembly does not allocate.
//!
//! Time: a datagram times out `timeout_secs` (packet time) after its first fragment. Trackers
//! are kept in creation order and expire from the oldest, so the check is O(1) per packet; if
//! packet time steps backwards, a tracker can outlive its timeout until the older ones go.
//! A fragment that finds its datagram's tracker timed out starts a new one.

use hashbrown::HashMap;
use std::net::IpAddr;

use crate::time::Timestamp;

use super::{ipv4, ipv6, Decoded, FragmentInfo};

#[derive(Clone, Copy, Debug)]
pub struct DefragConfig {
    /// Fragments of a datagram older than this (packet time) are dropped.
    pub timeout_secs: u64,
    /// Most datagrams under reassembly at once; the oldest is dropped beyond it.
    pub max_trackers: usize,
    /// Most bytes held in all pending fragments.
    pub max_bytes: usize,
}

impl Default for DefragConfig {
    fn default() -> Self {
        DefragConfig {
            timeout_secs: 60,
            max_trackers: 65_535,
            max_bytes: 32 << 20,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefragStats {
    pub fragments: u64,
    pub reassembled: u64,
    pub timeouts: u64,
    /// Datagrams dropped unfinished to stay within `max_trackers` or `max_bytes`.
    pub evicted: u64,
    /// Fragments that touched bytes already received (duplicates included).
    pub overlaps: u64,
    /// Datagrams dropped because their fragments reach beyond the largest IP datagram.
    pub too_large: u64,
    /// Fragments that cannot be used: cut by the capture's snap length, or not matching the
    /// datagram they claim to belong to.
    pub invalid: u64,
}

impl DefragStats {
    pub fn add(&mut self, o: &DefragStats) {
        self.fragments += o.fragments;
        self.reassembled += o.reassembled;
        self.timeouts += o.timeouts;
        self.evicted += o.evicted;
        self.overlaps += o.overlaps;
        self.too_large += o.too_large;
        self.invalid += o.invalid;
    }
}

/// A datagram rebuilt from its fragments.
#[derive(Clone, Copy, Debug)]
pub struct Reassembled<'a> {
    /// The whole IP datagram: the first fragment's header (with length and fragment fields
    /// fixed up, and for IPv6 the fragment header removed) followed by the full payload. Decode
    /// it with `decode::decode_ip`.
    pub datagram: &'a [u8],
    /// Sum of the wire lengths of all frames that carried its fragments.
    pub wire_len_total: u64,
    /// Number of fragments it was made of.
    pub fragments: u32,
}

/// The largest datagram: IPv4 total length and IPv6 payload length are 16-bit fields.
const MAX_LEN: u32 = 65_535;
const NIL: u32 = u32::MAX;

/// Which datagram a fragment belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    vlan: [u16; 2],
    vlan_count: u8,
    proto: u8,
}

/// A run of received bytes: `len` bytes at datagram data offset `offset`, stored at `pos` in
/// the tracker's `data`.
#[derive(Clone, Copy, Debug)]
struct Piece {
    offset: u32,
    len: u32,
    pos: u32,
}

impl Piece {
    fn end(&self) -> u32 {
        self.offset + self.len
    }
}

/// One datagram under reassembly. Slots are recycled: `clear` keeps the buffers' capacity.
#[derive(Debug)]
struct Tracker {
    key: Key,
    first_seen: Timestamp,
    /// Neighbours in creation order (oldest first), for timeouts and eviction.
    prev: u32,
    next: u32,
    /// The unfragmentable part of the first offset-0 fragment; empty until one arrives.
    header: Vec<u8>,
    /// Received bytes, each stored once, in arrival order.
    data: Vec<u8>,
    /// Runs of `data`, sorted by offset and disjoint.
    pieces: Vec<Piece>,
    /// Bytes of the datagram's data covered by `pieces`.
    covered: u32,
    /// Length of the datagram's data, known once a last fragment arrived.
    end: Option<u32>,
    wire_len_total: u64,
    fragments: u32,
}

impl Tracker {
    fn new(key: Key) -> Tracker {
        Tracker {
            key,
            first_seen: Timestamp::ZERO,
            prev: NIL,
            next: NIL,
            header: Vec::new(),
            data: Vec::new(),
            pieces: Vec::new(),
            covered: 0,
            end: None,
            wire_len_total: 0,
            fragments: 0,
        }
    }

    fn held(&self) -> usize {
        self.header.len() + self.data.len()
    }

    fn capacity(&self) -> usize {
        self.header.capacity()
            + self.data.capacity()
            + self.pieces.capacity() * std::mem::size_of::<Piece>()
    }

    fn reset(&mut self, key: Key, ts: Timestamp) {
        self.key = key;
        self.first_seen = ts;
        self.prev = NIL;
        self.next = NIL;
        self.header.clear();
        self.data.clear();
        self.pieces.clear();
        self.covered = 0;
        self.end = None;
        self.wire_len_total = 0;
        self.fragments = 0;
    }

    /// Drops everything at or past data offset `end`.
    fn clip(&mut self, end: u32) -> bool {
        let mut clipped = false;
        while let Some(last) = self.pieces.last_mut() {
            if last.end() <= end {
                break;
            }
            clipped = true;
            if last.offset >= end {
                self.covered -= last.len;
                self.pieces.pop();
            } else {
                self.covered -= last.end() - end;
                last.len = end - last.offset;
            }
        }
        clipped
    }
}

pub struct Defragmenter {
    config: DefragConfig,
    stats: DefragStats,
    index: HashMap<Key, u32>,
    slots: Vec<Tracker>,
    free: Vec<u32>,
    oldest: u32,
    newest: u32,
    /// Bytes of fragment data and headers held by live trackers (kept <= `max_bytes`).
    held: usize,
    /// Buffer capacity kept in free slots for reuse, capped at `pool_limit()`.
    pooled: usize,
    /// Gaps a new fragment fills, reused between calls.
    gaps: Vec<(u32, u32)>,
    /// The last reassembled datagram.
    out: Vec<u8>,
}

impl Defragmenter {
    pub fn new(config: DefragConfig) -> Defragmenter {
        Defragmenter {
            config,
            stats: DefragStats::default(),
            index: HashMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            oldest: NIL,
            newest: NIL,
            held: 0,
            pooled: 0,
            gaps: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Takes one fragment (`frame` is the captured frame `decoded` came from, `wire_len` its
    /// length on the wire). Fragments are matched by VLAN, addresses, protocol and id. When one
    /// completes a datagram, returns it (valid until the next call).
    pub fn insert(
        &mut self,
        ts: Timestamp,
        frame: &[u8],
        wire_len: u32,
        decoded: &Decoded,
    ) -> Option<Reassembled<'_>> {
        let frag = decoded.fragment?;
        self.stats.fragments += 1;
        self.expire(ts);
        let Some((unfragmentable, data)) = fragment_parts(frame, decoded, &frag) else {
            self.stats.invalid += 1;
            return None;
        };
        let key = Key {
            src: decoded.src,
            dst: decoded.dst,
            id: frag.id,
            vlan: decoded.vlan,
            vlan_count: decoded.vlan_count,
            proto: frag.proto,
        };
        let start = frag.offset;
        let end = start.saturating_add(data.len() as u32);
        // The header that will lead the datagram shares the 16-bit length with the data.
        if end.saturating_add(length_overhead(decoded, unfragmentable.len())) > MAX_LEN {
            self.stats.too_large += 1;
            if let Some(&slot) = self.index.get(&key) {
                self.remove(slot);
            }
            return None;
        }

        let slot = self.tracker_for(key, ts);
        let t = self.slots.get_mut(slot as usize)?;
        t.fragments += 1;
        t.wire_len_total += u64::from(wire_len);
        let mut overlapped = false;
        if !frag.more_fragments {
            match t.end {
                None => {
                    t.end = Some(end);
                    overlapped |= t.clip(end);
                }
                Some(e) if e != end => overlapped = true,
                Some(_) => {}
            }
        }
        // First wins: never past a known end, never over bytes already held.
        let limit = t.end.map_or(end, |e| e.min(end));
        overlapped |= limit < end;
        self.gaps.clear();
        let mut cursor = start;
        let first = t.pieces.partition_point(|p| p.end() <= start);
        for p in t.pieces.get(first..).unwrap_or_default() {
            if p.offset >= limit {
                break;
            }
            if p.offset > cursor {
                self.gaps.push((cursor, p.offset));
            }
            cursor = cursor.max(p.end());
        }
        if cursor < limit {
            self.gaps.push((cursor, limit));
        }
        let fresh: u32 = self.gaps.iter().map(|&(a, b)| b - a).sum();
        overlapped |= fresh < limit.saturating_sub(start);
        if overlapped {
            self.stats.overlaps += 1;
        }
        let new_header = start == 0 && t.header.is_empty();
        let needed = fresh as usize + if new_header { unfragmentable.len() } else { 0 };
        if !self.make_room(needed, slot) {
            self.stats.evicted += 1;
            self.remove(slot);
            return None;
        }
        self.held += needed;

        let t = self.slots.get_mut(slot as usize)?;
        if new_header {
            t.header.extend_from_slice(unfragmentable);
        }
        for &(a, b) in &self.gaps {
            let bytes = data.get((a - start) as usize..(b - start) as usize)?;
            add_piece(t, a, bytes);
        }
        if t.end != Some(t.covered) || t.header.is_empty() {
            return None;
        }
        self.complete(slot)
    }

    /// Drops datagrams whose first fragment is older than the timeout at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        while let Some(t) = self.slots.get(self.oldest as usize) {
            if !self.expired(t, now) {
                break;
            }
            self.stats.timeouts += 1;
            self.remove(self.oldest);
        }
    }

    pub fn stats(&self) -> DefragStats {
        self.stats
    }

    /// Bytes of fragment data and headers held now (never above `max_bytes`).
    pub fn held_bytes(&self) -> usize {
        self.held
    }

    /// Datagrams under reassembly now.
    pub fn pending(&self) -> usize {
        self.index.len()
    }

    fn expired(&self, t: &Tracker, now: Timestamp) -> bool {
        let timeout = self.config.timeout_secs.saturating_mul(1_000_000_000);
        now.as_nanos().saturating_sub(t.first_seen.as_nanos()) > timeout
    }

    /// The tracker of `key`, created (evicting the oldest if at the limit) when there is none
    /// or the one there has timed out.
    fn tracker_for(&mut self, key: Key, ts: Timestamp) -> u32 {
        if let Some(&slot) = self.index.get(&key) {
            match self.slots.get(slot as usize) {
                Some(t) if self.expired(t, ts) => {
                    self.stats.timeouts += 1;
                    self.remove(slot);
                }
                _ => return slot,
            }
        }
        while self.index.len() >= self.config.max_trackers.max(1) && self.oldest != NIL {
            self.stats.evicted += 1;
            self.remove(self.oldest);
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(Tracker::new(key));
                (self.slots.len() - 1) as u32
            }
        };
        if let Some(t) = self.slots.get_mut(slot as usize) {
            self.pooled = self.pooled.saturating_sub(t.capacity());
            t.reset(key, ts);
            t.prev = self.newest;
        }
        if let Some(prev) = self.slots.get_mut(self.newest as usize) {
            prev.next = slot;
        } else {
            self.oldest = slot;
        }
        self.newest = slot;
        self.index.insert(key, slot);
        slot
    }

    /// Evicts the oldest trackers other than `keep` until `needed` more bytes fit.
    fn make_room(&mut self, needed: usize, keep: u32) -> bool {
        while self.held + needed > self.config.max_bytes {
            let victim = if self.oldest == keep {
                self.slots.get(keep as usize).map_or(NIL, |t| t.next)
            } else {
                self.oldest
            };
            if victim == NIL {
                return false;
            }
            self.stats.evicted += 1;
            self.remove(victim);
        }
        true
    }

    /// Frees a tracker: out of the index and the age list, its buffers kept for reuse while
    /// the pool is small.
    fn remove(&mut self, slot: u32) {
        let pool_limit = self.pool_limit();
        let Some(t) = self.slots.get_mut(slot as usize) else {
            return;
        };
        let (key, prev, next, held) = (t.key, t.prev, t.next, t.held());
        t.header.clear();
        t.data.clear();
        t.pieces.clear();
        let capacity = t.capacity();
        if self.pooled + capacity <= pool_limit {
            self.pooled += capacity;
        } else {
            t.header = Vec::new();
            t.data = Vec::new();
            t.pieces = Vec::new();
        }
        match self.slots.get_mut(prev as usize) {
            Some(p) => p.next = next,
            None => self.oldest = next,
        }
        match self.slots.get_mut(next as usize) {
            Some(n) => n.prev = prev,
            None => self.newest = prev,
        }
        self.held -= held;
        self.index.remove(&key);
        self.free.push(slot);
    }

    /// Spare buffer capacity kept around: enough for steady traffic, small next to the bound.
    fn pool_limit(&self) -> usize {
        self.config.max_bytes / 4
    }

    /// Lays out the complete datagram of `slot` in `out`, fixes its header, frees the tracker.
    fn complete(&mut self, slot: u32) -> Option<Reassembled<'_>> {
        let t = self.slots.get(slot as usize)?;
        let data_len = t.end.unwrap_or(0) as usize;
        let (wire_len_total, fragments) = (t.wire_len_total, t.fragments);
        self.out.clear();
        self.out.extend_from_slice(&t.header);
        let hlen = self.out.len();
        self.out.resize(hlen + data_len, 0);
        for p in &t.pieces {
            let src = t.data.get(p.pos as usize..(p.pos + p.len) as usize);
            let dst = self
                .out
                .get_mut(hlen + p.offset as usize..hlen + p.end() as usize);
            if let (Some(src), Some(dst)) = (src, dst) {
                dst.copy_from_slice(src);
            }
        }
        let fixed = match t.key.src {
            IpAddr::V4(_) => fix_ipv4_header(&mut self.out, hlen),
            IpAddr::V6(_) => fix_ipv6_header(&mut self.out, hlen, t.key.proto),
        };
        self.remove(slot);
        match fixed {
            Ok(()) => {
                self.stats.reassembled += 1;
                Some(Reassembled {
                    datagram: &self.out,
                    wire_len_total,
                    fragments,
                })
            }
            Err(Unusable::TooLarge) => {
                self.stats.too_large += 1;
                None
            }
            Err(Unusable::Invalid) => {
                self.stats.invalid += 1;
                None
            }
        }
    }
}

enum Unusable {
    TooLarge,
    Invalid,
}

/// Records `bytes` at data offset `offset` (a gap: nothing there yet). A run that continues the
/// previous one both in the datagram and in storage extends it, so in-order fragments stay one
/// piece.
fn add_piece(t: &mut Tracker, offset: u32, bytes: &[u8]) {
    let len = bytes.len() as u32;
    let pos = t.data.len() as u32;
    t.data.extend_from_slice(bytes);
    t.covered += len;
    let at = t.pieces.partition_point(|p| p.offset < offset);
    if let Some(prev) = at.checked_sub(1).and_then(|i| t.pieces.get_mut(i)) {
        if prev.end() == offset && prev.pos + prev.len == pos {
            prev.len += len;
            return;
        }
    }
    t.pieces.insert(at, Piece { offset, len, pos });
}

/// The fragment's unfragmentable part and data in `frame`, if the decoded summary is consistent
/// with it and the capture holds all the data the IP header announces.
fn fragment_parts<'f>(
    frame: &'f [u8],
    decoded: &Decoded,
    frag: &FragmentInfo,
) -> Option<(&'f [u8], &'f [u8])> {
    let l3 = decoded.l3_offset as usize;
    let unfrag_len = frag.unfragmentable_len as usize;
    let unfragmentable = frame.get(l3..l3.checked_add(unfrag_len)?)?;
    let data_start = frag.data_offset as usize;
    let data = frame.get(data_start..data_start.checked_add(frag.data_len as usize)?)?;
    let (header_span, declared_end) = match decoded.src {
        IpAddr::V4(_) => {
            let f = ipv4::TOTAL_LEN_FIELD;
            let total = u16::from_be_bytes([*unfragmentable.get(f)?, *unfragmentable.get(f + 1)?]);
            (unfrag_len, usize::from(total))
        }
        IpAddr::V6(_) => {
            let f = ipv6::PAYLOAD_LEN_FIELD;
            let plen = u16::from_be_bytes([*unfragmentable.get(f)?, *unfragmentable.get(f + 1)?]);
            (
                unfrag_len + ipv6::FRAGMENT_HEADER_LEN,
                ipv6::HEADER_LEN + usize::from(plen),
            )
        }
    };
    // Data must follow the headers directly and be all there (not cut by the snap length).
    let declared = declared_end.checked_sub(header_span)?;
    (data_start == l3 + header_span && data.len() == declared).then_some((unfragmentable, data))
}

/// How much of the datagram's 16-bit length the header takes besides the data.
fn length_overhead(decoded: &Decoded, unfragmentable_len: usize) -> u32 {
    let overhead = match decoded.src {
        IpAddr::V4(_) => unfragmentable_len,
        IpAddr::V6(_) => unfragmentable_len.saturating_sub(ipv6::HEADER_LEN),
    };
    u32::try_from(overhead).unwrap_or(u32::MAX)
}

/// Total length set, MF and offset cleared (DF and the reserved bit kept), checksum recomputed.
fn fix_ipv4_header(out: &mut [u8], hlen: usize) -> Result<(), Unusable> {
    let total = u16::try_from(out.len()).map_err(|_| Unusable::TooLarge)?;
    let header = out.get_mut(..hlen).ok_or(Unusable::Invalid)?;
    put16(header, ipv4::TOTAL_LEN_FIELD, total)?;
    let flags = get16(header, ipv4::FLAGS_FRAG_FIELD)? & !(ipv4::FLAG_MF | 0x1fff);
    put16(header, ipv4::FLAGS_FRAG_FIELD, flags)?;
    let checksum = ipv4::header_checksum(header);
    put16(header, ipv4::CHECKSUM_FIELD, checksum)
}

/// Payload length set, and the next-header field that named the (removed) fragment header now
/// names the fragmented payload's protocol.
fn fix_ipv6_header(out: &mut [u8], hlen: usize, proto: u8) -> Result<(), Unusable> {
    let plen = out.len().saturating_sub(ipv6::HEADER_LEN);
    let plen = u16::try_from(plen).map_err(|_| Unusable::TooLarge)?;
    let header = out.get_mut(..hlen).ok_or(Unusable::Invalid)?;
    let field = ipv6::fragment_next_header_field(header).ok_or(Unusable::Invalid)?;
    *header.get_mut(field).ok_or(Unusable::Invalid)? = proto;
    put16(header, ipv6::PAYLOAD_LEN_FIELD, plen)
}

fn get16(b: &[u8], at: usize) -> Result<u16, Unusable> {
    match b.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(u16::from_be_bytes([hi, lo])),
        _ => Err(Unusable::Invalid),
    }
}

fn put16(b: &mut [u8], at: usize, v: u16) -> Result<(), Unusable> {
    b.get_mut(at..at + 2)
        .ok_or(Unusable::Invalid)?
        .copy_from_slice(&v.to_be_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, decode_ip, ipv6::tests::vlan_v6_fragment, TcpHeader, L4};
    use super::*;
    use crate::capture::LinkType;

    /// zeek-traces/ipv4/fragmented-syn.pcap #1 and #2: a SYN whose 40-byte TCP header is split
    /// 24 + 16.
    const SYN_1: &str = concat!(
        "1e0b8b14f6f998eecbbd07fe08004500002c0001200040068ebac0a801640a00",
        "000530390050000003e800000000a0022000c5730000020405b4",
    );
    const SYN_2: &str = concat!(
        "1e0b8b14f6f998eecbbd07fe080045000024000100034006aebfc0a801640a00",
        "00050402080a00bc614e0000000001030307",
    );
    /// The reassembled SYN: #1's header with total length 60, MF cleared, checksum 0xaeaa; the
    /// 40 bytes of TCP as Wireshark reassembles them.
    const SYN_WHOLE: &str = concat!(
        "4500003c000100004006aeaac0a801640a000005",
        "30390050000003e800000000a0022000c5730000020405b40402080a00bc614e",
        "0000000001030307",
    );

    /// zeek-traces/ipv4/fragmented-4.pcap #2..#5: an HTTP request in fragments at 0 (24 bytes),
    /// 48 (24), 72 (17, last) and 24 (48 bytes, arriving last and overlapping 48..72 with
    /// different data).
    const OVL: [&str; 4] = [
        concat!(
            "000130249d0000b0d0e4131108004510002c00002000ff06e30c80202e8e0a00",
            "00011e6e005000e08925002d97f25000ffff4f69000047455420",
        ),
        concat!(
            "000130249d0000b0d0e4131108004510002c00002006ff06e30680202e8e0a00",
            "00012e2532662e2e2f77696e6e742f73797374656d33322f636d",
        ),
        concat!(
            "000130249d0000b0d0e4131108004510002500000009ff06030b80202e8e0a00",
            "0001642e6578653f2f632b6469722b633a5c0a",
        ),
        concat!(
            "000130249d0000b0d0e4131108004510004400002003ff06e2f180202e8e0a00",
            "00012f6d736164632f2e2e2532662e2e2f2e2e2532662e2e2f2e524b4e575572",
            "646f6f4d2b57736b4f324969414c51544900",
        ),
    ];

    fn secs(s: u64) -> Timestamp {
        Timestamp::from_secs_nanos(s, 0)
    }

    /// Decodes an Ethernet frame and gives it to the defragmenter; a copy of the datagram if
    /// it completed one.
    fn feed(df: &mut Defragmenter, ts: Timestamp, frame: &[u8]) -> Option<(Vec<u8>, u64, u32)> {
        let d = ip(decode(LinkType::Ethernet, frame));
        assert!(d.fragment.is_some());
        df.insert(ts, frame, frame.len() as u32, &d)
            .map(|r| (r.datagram.to_vec(), r.wire_len_total, r.fragments))
    }

    #[test]
    fn ipv4_in_order() {
        let mut df = Defragmenter::new(DefragConfig::default());
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_1)), None);
        assert_eq!(df.pending(), 1);
        let (dgram, wire, n) = feed(&mut df, secs(1), &hex(SYN_2)).unwrap();
        assert_eq!(dgram, hex(SYN_WHOLE));
        assert_eq!((wire, n), (58 + 50, 2));
        let d = decode_ip(&dgram).unwrap();
        assert_eq!(d.fragment, None);
        let L4::Tcp(t) = d.l4 else { panic!() };
        assert_eq!(
            (t.src_port, t.dst_port, t.flags, t.header_len),
            (12345, 80, TcpHeader::SYN, 40)
        );
        assert_eq!((d.payload_offset, d.payload_len), (60, 0));
        assert_eq!((df.pending(), df.held_bytes()), (0, 0));
        let s = df.stats();
        assert_eq!((s.fragments, s.reassembled, s.overlaps), (2, 1, 0));
    }

    #[test]
    fn ipv4_reversed() {
        let mut df = Defragmenter::new(DefragConfig::default());
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_2)), None);
        let (dgram, _, _) = feed(&mut df, secs(1), &hex(SYN_1)).unwrap();
        assert_eq!(dgram, hex(SYN_WHOLE));
    }

    #[test]
    fn ipv4_duplicate() {
        let mut df = Defragmenter::new(DefragConfig::default());
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_1)), None);
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_1)), None);
        let (dgram, wire, n) = feed(&mut df, secs(1), &hex(SYN_2)).unwrap();
        assert_eq!(dgram, hex(SYN_WHOLE));
        assert_eq!((wire, n), (58 + 58 + 50, 3));
        assert_eq!(df.stats().overlaps, 1);
    }

    #[test]
    fn ipv4_overlap_first_wins() {
        let mut df = Defragmenter::new(DefragConfig::default());
        let frames: Vec<Vec<u8>> = OVL.iter().map(|h| hex(h)).collect();
        for f in &frames[..3] {
            assert_eq!(feed(&mut df, secs(1), f), None);
        }
        let (dgram, _, n) = feed(&mut df, secs(1), &frames[3]).unwrap();
        assert_eq!(n, 4);
        assert_eq!(df.stats().overlaps, 1);
        // #2's header: total length 20 + 89, MF cleared, checksum recomputed.
        assert_eq!(dgram[..20], hex("4510006d00000000ff0602cc80202e8e0a000001"));
        // Bytes 48..72 are #3's (received first), not the later fragment's.
        assert_eq!(dgram[20..40], frames[0][34..54]);
        assert_eq!(
            &dgram[40..],
            b"GET /msadc/..%2f../..%2f../..%2f../winnt/system32/cmd.exe?/c+dir+c:\\\n"
        );
        let d = decode_ip(&dgram).unwrap();
        assert_eq!((d.payload_offset, d.payload_len), (40, 69));
    }

    #[test]
    fn later_fragment_fills_only_gaps() {
        // The 48-byte fragment first, then the one it overlaps: the 48-byte one wins now.
        let mut df = Defragmenter::new(DefragConfig::default());
        let frames: Vec<Vec<u8>> = OVL.iter().map(|h| hex(h)).collect();
        for i in [3, 1, 0] {
            assert_eq!(feed(&mut df, secs(1), &frames[i]), None);
        }
        let (dgram, _, _) = feed(&mut df, secs(1), &frames[2]).unwrap();
        assert!(
            dgram[40..].starts_with(b"GET /msadc/..%2f../..%2f../.RKNWUrdooM+WskO2IiALQTI\0d.exe")
        );
    }

    #[test]
    fn conflicting_last_fragment_is_ignored() {
        let mut df = Defragmenter::new(DefragConfig::default());
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_2)), None);
        // The same last fragment 8 bytes further: its end disagrees; the first end stands.
        let mut moved = hex(SYN_2);
        moved[21] = 0x04;
        moved[24..26].copy_from_slice(&[0, 0]);
        assert_eq!(feed(&mut df, secs(1), &moved), None);
        let (dgram, _, _) = feed(&mut df, secs(1), &hex(SYN_1)).unwrap();
        assert_eq!(dgram, hex(SYN_WHOLE));
        assert_eq!(df.stats().overlaps, 1);
    }

    #[test]
    fn timeout() {
        let cfg = DefragConfig {
            timeout_secs: 60,
            ..DefragConfig::default()
        };
        let mut df = Defragmenter::new(cfg);
        assert_eq!(feed(&mut df, secs(100), &hex(SYN_1)), None);
        df.expire(secs(160));
        assert_eq!(df.pending(), 1, "60 s old is not older than the timeout");
        df.expire(secs(161));
        assert_eq!(
            (df.pending(), df.held_bytes(), df.stats().timeouts),
            (0, 0, 1)
        );
        assert_eq!(feed(&mut df, secs(161), &hex(SYN_2)), None);

        // Lazily on insert: the late fragment starts a new datagram.
        let mut df = Defragmenter::new(cfg);
        assert_eq!(feed(&mut df, secs(100), &hex(SYN_1)), None);
        assert_eq!(feed(&mut df, secs(200), &hex(SYN_2)), None);
        assert_eq!((df.pending(), df.stats().timeouts), (1, 1));
    }

    #[test]
    fn ipv6_in_order_and_shuffled() {
        let mut expected = hex(concat!(
            "6000000003fc0640000000000000000000000000000000010000000000000000",
            "000000000000000130391f90000000010000000050102000c8ad0000",
        ));
        expected.resize(40 + 1020, 0x41);
        for order in [[1, 2, 3], [3, 1, 2], [2, 3, 1]] {
            let mut df = Defragmenter::new(DefragConfig::default());
            let mut got = None;
            for n in order {
                got = feed(&mut df, secs(1), &vlan_v6_fragment(n));
            }
            let (dgram, wire, frags) = got.expect("complete");
            assert_eq!(dgram, expected, "order {order:?}");
            assert_eq!((wire, frags), (506 + 506 + 206, 3));
            let d = decode_ip(&dgram).unwrap();
            assert_eq!((d.ip_proto, d.fragment), (6, None));
            assert_eq!((d.payload_offset, d.payload_len), (60, 1000));
        }
    }

    #[test]
    fn ipv6_extension_header_before_fragment_header() {
        // The real fragments with an empty destination-options header put in front of the
        // fragment header: the reassembled datagram keeps it, now naming TCP.
        let with_dst_opts = |n| {
            let f = vlan_v6_fragment(n);
            let mut g = f[..58].to_vec();
            g.extend_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]);
            g.extend_from_slice(&f[58..]);
            g[24] = 60;
            let plen = u16::from_be_bytes([g[22], g[23]]) + 8;
            g[22..24].copy_from_slice(&plen.to_be_bytes());
            g
        };
        let mut df = Defragmenter::new(DefragConfig::default());
        let mut got = None;
        for n in [2, 1, 3] {
            got = feed(&mut df, secs(1), &with_dst_opts(n));
        }
        let (dgram, _, _) = got.unwrap();
        assert_eq!(u16::from_be_bytes([dgram[4], dgram[5]]), 8 + 1020);
        assert_eq!(
            (dgram[6], &dgram[40..48]),
            (60, &[6u8, 0, 1, 4, 0, 0, 0, 0][..])
        );
        let d = decode_ip(&dgram).unwrap();
        assert_eq!((d.ip_proto, d.l4_offset, d.payload_len), (6, 48, 1000));
    }

    #[test]
    fn tracker_limit_evicts_oldest() {
        let cfg = DefragConfig {
            max_trackers: 1,
            ..DefragConfig::default()
        };
        let mut df = Defragmenter::new(cfg);
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_1)), None);
        // Another datagram (id 2) pushes the first out.
        let mut other = hex(SYN_1);
        other[19] = 2;
        assert_eq!(feed(&mut df, secs(2), &other), None);
        assert_eq!(feed(&mut df, secs(3), &hex(SYN_2)), None);
        let s = df.stats();
        assert_eq!((s.evicted, s.reassembled), (2, 0));
        assert_eq!(df.pending(), 1);
    }

    #[test]
    fn byte_limit() {
        // Room for one IPv6 fragment's data and header, not two: the datagram is given up.
        let cfg = DefragConfig {
            max_bytes: 600,
            ..DefragConfig::default()
        };
        let mut df = Defragmenter::new(cfg);
        assert_eq!(feed(&mut df, secs(1), &vlan_v6_fragment(1)), None);
        assert_eq!(df.held_bytes(), 40 + 440);
        assert_eq!(feed(&mut df, secs(1), &vlan_v6_fragment(2)), None);
        assert_eq!(
            (df.stats().evicted, df.pending(), df.held_bytes()),
            (1, 0, 0)
        );

        // A fragment that does not fit evicts older datagrams first.
        let cfg = DefragConfig {
            max_bytes: 500,
            ..DefragConfig::default()
        };
        let mut df = Defragmenter::new(cfg);
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_1)), None);
        assert_eq!(df.held_bytes(), 20 + 24);
        assert_eq!(feed(&mut df, secs(1), &vlan_v6_fragment(1)), None);
        assert_eq!(
            (df.stats().evicted, df.pending(), df.held_bytes()),
            (1, 1, 480)
        );
    }

    #[test]
    fn too_large() {
        let mut df = Defragmenter::new(DefragConfig::default());
        assert_eq!(feed(&mut df, secs(1), &hex(SYN_1)), None);
        // The last fragment moved to offset 65528: 16 bytes there end past 65535 - 20.
        let mut far = hex(SYN_2);
        far[20..22].copy_from_slice(&0x1fffu16.to_be_bytes());
        assert_eq!(feed(&mut df, secs(1), &far), None);
        assert_eq!(
            (df.stats().too_large, df.pending(), df.held_bytes()),
            (1, 0, 0)
        );
    }

    #[test]
    fn truncated_capture_is_invalid() {
        let mut df = Defragmenter::new(DefragConfig::default());
        let f = hex(SYN_1);
        assert_eq!(feed(&mut df, secs(1), &f[..54]), None);
        assert_eq!((df.stats().invalid, df.pending()), (1, 0));
        // Not a fragment: ignored.
        let d = ip(decode(LinkType::Ethernet, &hex(SYN_WHOLE_FRAME)));
        assert!(df.insert(secs(1), &[], 0, &d).is_none());
        assert_eq!(df.stats().fragments, 1);
    }

    /// An Ethernet frame around `SYN_WHOLE`.
    const SYN_WHOLE_FRAME: &str = concat!(
        "1e0b8b14f6f998eecbbd07fe0800",
        "4500003c000100004006aeaac0a801640a000005",
        "30390050000003e800000000a0022000c5730000020405b40402080a00bc614e",
        "0000000001030307",
    );

    #[test]
    fn buffers_are_reused() {
        let mut df = Defragmenter::new(DefragConfig::default());
        for round in 0..100u64 {
            assert_eq!(feed(&mut df, secs(round), &hex(SYN_2)), None);
            assert!(feed(&mut df, secs(round), &hex(SYN_1)).is_some());
        }
        assert_eq!(df.slots.len(), 1);
        assert_eq!(df.stats().reassembled, 100);
    }
}
