//! Batches carry packets from the reader to a worker: either decoded (a flow-keyed summary) or
//! raw (when the worker decodes), with their frames either referenced in the reader's input chunk
//! (no copy; `SharedBuf`) or copied into the batch's byte arena (reassembled datagrams).
//! Everything is reused after the worker hands the batch back, so nothing is allocated per
//! packet once the pool is warm.

use std::sync::Arc;
use std::time::Instant;

use crate::capture::{LinkType, SharedBuf, SharedFrame};
use crate::flow::FlowPacket;
use crate::time::Timestamp;

/// Packets per batch: big enough to amortise the channel, small enough to keep latency low.
pub const BATCH_PACKETS: usize = 256;
/// Arena bytes per batch before it is sent even if not full of packets.
pub const BATCH_BYTES: usize = 512 * 1024;

/// `FrameLoc::map` value for frames held in the batch's own arena.
const IN_ARENA: u16 = u16::MAX;

/// Where a frame sits: in `maps[map]` of its batch, or in the arena.
#[derive(Clone, Copy, Debug)]
pub struct FrameLoc {
    offset: usize,
    len: u32,
    map: u16,
}

/// A decoded packet.
#[derive(Clone, Copy, Debug)]
pub struct BatchPacket {
    pub flow: FlowPacket,
    pub frame: FrameLoc,
}

/// A packet the worker decodes itself.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket {
    pub ts: Timestamp,
    /// Position in the input, from 1 (EVE `pcap_cnt`).
    pub pcap_cnt: u64,
    pub link: LinkType,
    pub wire_len: u32,
    pub frame: FrameLoc,
}

#[derive(Default)]
pub struct Batch {
    data: Vec<u8>,
    pub packets: Vec<BatchPacket>,
    pub raw: Vec<RawPacket>,
    /// Input chunks the frames point into (one or two).
    maps: Vec<Arc<SharedBuf>>,
    /// The reader's packet clock when the batch was sent: the worker moves its flow timeouts
    /// up to it even if none of its own packets are that recent.
    pub clock: Timestamp,
    /// When the reader took the batch's first packet (for the output latency measure).
    pub arrived: Option<Instant>,
}

impl Batch {
    pub fn with_capacity() -> Batch {
        Batch {
            data: Vec::with_capacity(BATCH_BYTES + 65_536),
            packets: Vec::with_capacity(BATCH_PACKETS),
            raw: Vec::new(),
            maps: Vec::new(),
            clock: Timestamp::ZERO,
            arrived: None,
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty() && self.raw.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.packets.len() + self.raw.len() >= BATCH_PACKETS || self.data.len() >= BATCH_BYTES
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.packets.clear();
        self.raw.clear();
        self.maps.clear();
        self.arrived = None;
    }

    /// Adds a decoded packet.
    #[inline]
    pub fn push(&mut self, flow: FlowPacket, frame: &[u8], shared: Option<SharedFrame<'_>>) {
        let frame = self.place(frame, shared);
        self.packets.push(BatchPacket { flow, frame });
    }

    /// Adds a packet for the worker to decode.
    #[inline]
    pub fn push_raw(
        &mut self,
        ts: Timestamp,
        pcap_cnt: u64,
        link: LinkType,
        wire_len: u32,
        frame: &[u8],
        shared: Option<SharedFrame<'_>>,
    ) {
        let frame = self.place(frame, shared);
        self.raw.push(RawPacket {
            ts,
            pcap_cnt,
            link,
            wire_len,
            frame,
        });
    }

    /// References the frame when it is in a shared input chunk, else copies it into the arena.
    #[inline]
    fn place(&mut self, frame: &[u8], shared: Option<SharedFrame<'_>>) -> FrameLoc {
        if self.arrived.is_none() {
            self.arrived = Some(Instant::now());
        }
        let len = frame.len() as u32;
        if let Some(s) = shared {
            let map = match self.maps.iter().rposition(|m| Arc::ptr_eq(m, s.map)) {
                Some(i) => i,
                None => {
                    self.maps.push(s.map.clone());
                    self.maps.len() - 1
                }
            };
            if map < IN_ARENA as usize {
                return FrameLoc {
                    offset: s.offset,
                    len,
                    map: map as u16,
                };
            }
        }
        let offset = self.data.len();
        self.data.extend_from_slice(frame);
        FrameLoc {
            offset,
            len,
            map: IN_ARENA,
        }
    }

    /// The bytes of a frame of this batch.
    #[inline]
    pub fn frame(&self, loc: &FrameLoc) -> &[u8] {
        let bytes = match self.maps.get(loc.map as usize) {
            Some(m) => m.bytes(),
            None => &self.data,
        };
        bytes
            .get(loc.offset..loc.offset + loc.len as usize)
            .unwrap_or(&[])
    }
}
