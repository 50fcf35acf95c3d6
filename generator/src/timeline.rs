//! Orders packets of many concurrent flows by time. Flows are generated one at a time, each
//! pushing its packets with their timestamps; the timeline releases them sorted. A streaming
//! caller (the bench generator) flushes everything older than the start of the next flow it
//! will generate, so memory holds only the flows in progress.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;

use super::pcap_writer::PacketSink;

struct Entry {
    ts: u64,
    /// Push order: ties in time keep the order the generator produced them in.
    order: u64,
    iface: u32,
    caplen: u32,
    data: Vec<u8>,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        (self.ts, self.order) == (o.ts, o.order)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.ts, self.order).cmp(&(o.ts, o.order))
    }
}

#[derive(Default)]
pub struct Timeline {
    heap: BinaryHeap<Reverse<Entry>>,
    order: u64,
    free: Vec<Vec<u8>>,
    /// Latest timestamp pushed so far.
    pub last_ts: u64,
    pub pending_bytes: u64,
}

impl Timeline {
    pub fn new() -> Timeline {
        Timeline::default()
    }

    /// An empty buffer to build a frame in (recycled from written packets).
    pub fn buffer(&mut self) -> Vec<u8> {
        let mut b = self.free.pop().unwrap_or_else(|| Vec::with_capacity(1600));
        b.clear();
        b
    }

    /// Adds a frame; `snap` truncates what is captured (the wire length stays the frame's).
    pub fn push(&mut self, ts: u64, iface: u32, data: Vec<u8>, snap: Option<u32>) {
        let caplen = snap.map_or(data.len() as u32, |s| s.min(data.len() as u32));
        self.order += 1;
        self.last_ts = self.last_ts.max(ts);
        self.pending_bytes += caplen as u64 + 16;
        self.heap.push(Reverse(Entry {
            ts,
            order: self.order,
            iface,
            caplen,
            data,
        }));
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Writes, in time order, every packet stamped before `ts`.
    pub fn flush_before(&mut self, ts: u64, sink: &mut dyn PacketSink) -> io::Result<()> {
        while let Some(Reverse(top)) = self.heap.peek() {
            if top.ts >= ts {
                break;
            }
            if let Some(Reverse(e)) = self.heap.pop() {
                let wire = e.data.len() as u32;
                sink.packet(e.iface, e.ts, &e.data[..e.caplen as usize], wire)?;
                self.pending_bytes -= e.caplen as u64 + 16;
                if self.free.len() < 4096 {
                    self.free.push(e.data);
                }
            }
        }
        Ok(())
    }

    /// Writes everything left.
    pub fn finish(&mut self, sink: &mut dyn PacketSink) -> io::Result<()> {
        self.flush_before(u64::MAX, sink)
    }
}
