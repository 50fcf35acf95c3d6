//! Batches carry packets from the reader to a worker. A batch owns one byte arena with the
//! frames and a vector of small per-packet summaries; both are reused after the worker hands the
//! batch back, so nothing is allocated per packet once the pool is warm.

use crate::flow::FlowPacket;
use crate::time::Timestamp;

/// Packets per batch: big enough to amortise the channel, small enough to keep latency low.
pub const BATCH_PACKETS: usize = 256;
/// Arena bytes per batch before it is sent even if not full of packets.
pub const BATCH_BYTES: usize = 512 * 1024;

#[derive(Clone, Copy, Debug)]
pub struct BatchPacket {
    pub flow: FlowPacket,
    /// Where the frame (or reassembled datagram) sits in the arena.
    pub offset: u32,
    pub len: u32,
}

#[derive(Default)]
pub struct Batch {
    pub data: Vec<u8>,
    pub packets: Vec<BatchPacket>,
    /// The reader's packet clock when the batch was sent: the worker moves its flow timeouts
    /// up to it even if none of its own packets are that recent.
    pub clock: Timestamp,
}

impl Batch {
    pub fn with_capacity() -> Batch {
        Batch {
            data: Vec::with_capacity(BATCH_BYTES + 65_536),
            packets: Vec::with_capacity(BATCH_PACKETS),
            clock: Timestamp::ZERO,
        }
    }

    pub fn is_full(&self) -> bool {
        self.packets.len() >= BATCH_PACKETS || self.data.len() >= BATCH_BYTES
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.packets.clear();
    }

    pub fn frame(&self, p: &BatchPacket) -> &[u8] {
        &self.data[p.offset as usize..(p.offset + p.len) as usize]
    }
}
