//! Frames for the micro-benchmarks, built by hand so the benchmarks depend on nothing but the
//! sensor's public API.

use sensor::capture::{CaptureError, LinkType, PacketRecord, PacketSource, SkipCounters};
use sensor::time::Timestamp;

/// An Ethernet/IPv4/TCP frame with `payload_len` bytes of payload.
pub fn tcp_frame(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    flags: u8,
    payload_len: usize,
) -> Vec<u8> {
    let mut f = Vec::with_capacity(54 + payload_len);
    f.extend_from_slice(&[
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    ]);
    let total = (20 + 20 + payload_len) as u16;
    f.extend_from_slice(&[0x45, 0x00]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0x12, 0x34, 0x40, 0x00, 64, 6, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&1000u32.to_be_bytes());
    f.extend_from_slice(&2000u32.to_be_bytes());
    f.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    f.resize(54 + payload_len, 0x41);
    f
}

/// An Ethernet/802.1Q/IPv6/UDP frame.
pub fn vlan_udp6_frame(payload_len: usize) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&[
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x81, 0x00, 0x00,
        0x0a, 0x86, 0xdd,
    ]);
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&((8 + payload_len) as u16).to_be_bytes());
    f.extend_from_slice(&[17, 64]);
    f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    f.extend_from_slice(&5353u16.to_be_bytes());
    f.extend_from_slice(&53u16.to_be_bytes());
    f.extend_from_slice(&((8 + payload_len) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.resize(f.len() + payload_len, 0x42);
    f
}

/// A mixed in-memory capture: `flows` concurrent TCP flows with `per_flow` packets each
/// (interleaved, both directions, ~900-byte average), one millisecond apart.
pub fn mixed_capture(flows: u32, per_flow: u32) -> Vec<(Timestamp, Vec<u8>)> {
    let mut out = Vec::with_capacity((flows * per_flow) as usize);
    let mut t = Timestamp::from_secs_nanos(1_793_710_800, 0);
    for i in 0..per_flow {
        for f in 0..flows {
            let client = [10, 10, 3, (f % 250) as u8 + 1];
            let server = [198, 51, 100, (f / 250) as u8 + 1];
            let sport = 40_000 + (f % 20_000) as u16;
            let frame = if i % 3 == 0 {
                tcp_frame(client, sport, server, 443, 0x10, 60)
            } else {
                tcp_frame(server, 443, client, sport, 0x18, 1400)
            };
            out.push((t, frame));
            t = Timestamp(t.0 + 1_000_000);
        }
    }
    out
}

/// A `PacketSource` over packets held in memory.
pub struct MemorySource<'a> {
    packets: &'a [(Timestamp, Vec<u8>)],
    next: usize,
    bytes: u64,
}

impl<'a> MemorySource<'a> {
    pub fn new(packets: &'a [(Timestamp, Vec<u8>)]) -> Self {
        MemorySource {
            packets,
            next: 0,
            bytes: 0,
        }
    }
}

impl PacketSource for MemorySource<'_> {
    fn advance(&mut self) -> Result<bool, CaptureError> {
        if self.next >= self.packets.len() {
            return Ok(false);
        }
        self.bytes += self.packets[self.next].1.len() as u64 + 16;
        self.next += 1;
        Ok(true)
    }
    fn current(&self) -> Option<PacketRecord<'_>> {
        let (ts, data) = self.packets.get(self.next.checked_sub(1)?)?;
        Some(PacketRecord {
            ts: *ts,
            link: LinkType::Ethernet,
            wire_len: data.len() as u32,
            data,
            shared: None,
        })
    }
    fn bytes_read(&self) -> u64 {
        self.bytes
    }
    fn total_bytes(&self) -> Option<u64> {
        None
    }
    fn skipped(&self) -> SkipCounters {
        SkipCounters::default()
    }
    fn take_warnings(&mut self) -> Vec<CaptureError> {
        Vec::new()
    }
}
