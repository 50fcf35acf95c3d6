//! Batches carry packets from the reader to a worker: small per-packet summaries, and the frames
//! either by reference into a memory-mapped capture (no copy) or copied into the batch's byte
//! arena (frames from streams, reassembled datagrams). Everything is reused after the worker
//! hands the batch back, so nothing is allocated per packet once the pool is warm.

use std::sync::Arc;

use crate::capture::{Mapping, SharedFrame};

use crate::flow::FlowPacket;
use crate::time::Timestamp;

/// Packets per batch: big enough to amortise the channel, small enough to keep latency low.
pub const BATCH_PACKETS: usize = 256;
/// Arena bytes per batch before it is sent even if not full of packets.
pub const BATCH_BYTES: usize = 512 * 1024;

/// `BatchPacket::map` value for frames held in the batch's own arena.
const IN_ARENA: u16 = u16::MAX;

#[derive(Clone, Copy, Debug)]
pub struct BatchPacket {
    pub flow: FlowPacket,
    /// Where the frame (or reassembled datagram) sits: in `maps[map]`, or in the arena.
    offset: usize,
    len: u32,
    map: u16,
}

#[derive(Default)]
pub struct Batch {
    pub data: Vec<u8>,
    pub packets: Vec<BatchPacket>,
    /// Mappings the packets point into (usually one).
    maps: Vec<Arc<Mapping>>,
    /// The reader's packet clock when the batch was sent: the worker moves its flow timeouts
    /// up to it even if none of its own packets are that recent.
    pub clock: Timestamp,
}

impl Batch {
    pub fn with_capacity() -> Batch {
        Batch {
            data: Vec::with_capacity(BATCH_BYTES + 65_536),
            packets: Vec::with_capacity(BATCH_PACKETS),
            maps: Vec::new(),
            clock: Timestamp::ZERO,
        }
    }

    pub fn is_full(&self) -> bool {
        self.packets.len() >= BATCH_PACKETS || self.data.len() >= BATCH_BYTES
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.packets.clear();
        self.maps.clear();
    }

    /// Adds a packet, by reference when its frame is in a shared mapping, else by copy.
    #[inline]
    pub fn push(&mut self, flow: FlowPacket, frame: &[u8], shared: Option<SharedFrame<'_>>) {
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
                self.packets.push(BatchPacket {
                    flow,
                    offset: s.offset,
                    len,
                    map: map as u16,
                });
                return;
            }
        }
        let offset = self.data.len();
        self.data.extend_from_slice(frame);
        self.packets.push(BatchPacket {
            flow,
            offset,
            len,
            map: IN_ARENA,
        });
    }

    /// The frame (or reassembled datagram) of a packet of this batch.
    #[inline]
    pub fn frame(&self, p: &BatchPacket) -> &[u8] {
        let bytes = match self.maps.get(p.map as usize) {
            Some(m) => m.bytes(),
            None => &self.data,
        };
        bytes
            .get(p.offset..p.offset + p.len as usize)
            .unwrap_or(&[])
    }
}
