//! TCP stream reassembly, one `StreamDir` per flow direction, owned by the worker that owns the
//! flow (no locks). In-order segments are delivered straight from the packet (no copy); only
//! segments that arrive ahead of a hole are copied and held, within a per-flow bound and a
//! per-worker memory cap.
//!
//! Sequence numbers are turned into 64-bit stream offsets relative to the direction's start, so
//! wraparound is handled once, at the edge. Overlap policy: first data wins: bytes already
//! delivered or already held are never replaced by a later copy of the same range (Suricata's
//! "bsd"-like default for the cases that matter for evasion: retransmissions with different
//! content are ignored).

/// What reassembly hands to the application layer.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamEvent<'a> {
    /// The next in-order bytes of the stream.
    Data(&'a [u8]),
    /// This many bytes were lost (never seen); the stream continues after them.
    Gap(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// Bytes per direction delivered before reassembly stops (Suricata's
    /// `stream.reassembly.depth`, default 1 MiB). 0 means unlimited.
    pub depth: u64,
    /// Most out-of-order bytes held for one direction; beyond it the hole is declared a gap.
    pub max_held_per_dir: usize,
    /// Most segments held for one direction.
    pub max_segments_per_dir: usize,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            depth: 1 << 20,
            max_held_per_dir: 256 * 1024,
            max_segments_per_dir: 256,
        }
    }
}

/// Counters and the memory cap shared by all streams of one worker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamStats {
    pub segments: u64,
    pub in_order: u64,
    pub out_of_order: u64,
    pub retransmissions: u64,
    pub overlaps: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    pub depth_reached: u64,
    pub memcap_drops: u64,
    pub midstream_pickups: u64,
    /// TCP segments with data kept out of reassembly because Suricata's stream engine would
    /// not take them: no session (its SYN was not seen), a server that never answered, a
    /// segment the session's state machine rejects (D43).
    pub outside_session: u64,
    /// TCP segments kept out of the stream for an invalid checksum (Suricata's
    /// `tcp.invalid_checksum`).
    pub invalid_checksum: u64,
    /// TCP segments with a wrong checksum not judged under `checksum-checks: auto` (offload
    /// seeds; directions that never carried a right one), kept.
    pub checksum_offloaded: u64,
    /// Bytes currently held out of order by this worker.
    pub held_bytes: u64,
    pub peak_held_bytes: u64,
}

impl StreamStats {
    pub fn add(&mut self, o: &StreamStats) {
        self.segments += o.segments;
        self.in_order += o.in_order;
        self.out_of_order += o.out_of_order;
        self.retransmissions += o.retransmissions;
        self.overlaps += o.overlaps;
        self.gaps += o.gaps;
        self.gap_bytes += o.gap_bytes;
        self.depth_reached += o.depth_reached;
        self.memcap_drops += o.memcap_drops;
        self.midstream_pickups += o.midstream_pickups;
        self.outside_session += o.outside_session;
        self.invalid_checksum += o.invalid_checksum;
        self.checksum_offloaded += o.checksum_offloaded;
        self.held_bytes += o.held_bytes;
        self.peak_held_bytes += o.peak_held_bytes;
    }
}

/// The worker's reassembly memory budget and counters.
#[derive(Debug)]
pub struct StreamMemory {
    pub config: StreamConfig,
    /// Most out-of-order bytes this worker may hold across all its flows.
    pub memcap: u64,
    pub stats: StreamStats,
}

impl StreamMemory {
    pub fn new(config: StreamConfig, memcap: u64) -> StreamMemory {
        StreamMemory {
            config,
            memcap,
            stats: StreamStats::default(),
        }
    }

    fn reserve(&mut self, n: usize) -> bool {
        if self.stats.held_bytes + n as u64 > self.memcap {
            self.stats.memcap_drops += 1;
            return false;
        }
        self.stats.held_bytes += n as u64;
        self.stats.peak_held_bytes = self.stats.peak_held_bytes.max(self.stats.held_bytes);
        true
    }

    fn release(&mut self, n: usize) {
        self.stats.held_bytes = self.stats.held_bytes.saturating_sub(n as u64);
    }
}

/// A segment held ahead of a hole: stream offset and its bytes.
#[derive(Debug)]
struct Held {
    offset: u64,
    data: Vec<u8>,
}

/// Reassembly state of one direction of one TCP connection.
#[derive(Debug, Default)]
pub struct StreamDir {
    /// Sequence number that corresponds to stream offset 0; set by the SYN or the first segment.
    base_seq: u32,
    started: bool,
    /// Next stream offset to deliver.
    next: u64,
    held: Vec<Held>,
    held_bytes: usize,
    /// Reassembly has stopped (depth reached, or the application layer wants no more).
    stopped: bool,
}

impl StreamDir {
    /// Bytes delivered or skipped as gaps so far.
    pub fn offset(&self) -> u64 {
        self.next
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Stops reassembly of this direction and frees what it holds (the application layer needs
    /// nothing more, e.g. encrypted TLS payload).
    pub fn stop(&mut self, mem: &mut StreamMemory) {
        self.stopped = true;
        self.free(mem);
    }

    /// Frees held segments (at flow end).
    pub fn free(&mut self, mem: &mut StreamMemory) {
        mem.release(self.held_bytes);
        self.held.clear();
        self.held_bytes = 0;
    }

    /// Stream offset of a sequence number (wrap-aware: within 2 GiB of the next offset).
    fn offset_of(&self, seq: u32) -> Option<u64> {
        let next_seq = self.base_seq.wrapping_add(self.next as u32);
        let delta = seq.wrapping_sub(next_seq) as i32 as i64;
        let off = self.next as i64 + delta;
        (off >= 0).then_some(off as u64)
    }

    /// A segment with sequence number `seq` (and the SYN flag) carrying `payload`. In-order bytes
    /// go to `sink` at once; bytes ahead of a hole are held.
    pub fn segment(
        &mut self,
        seq: u32,
        syn: bool,
        payload: &[u8],
        mem: &mut StreamMemory,
        sink: &mut impl FnMut(StreamEvent<'_>),
    ) {
        if !self.started {
            // The SYN occupies one sequence number before the data; without it the stream is
            // picked up where we first see it.
            self.base_seq = if syn { seq.wrapping_add(1) } else { seq };
            self.started = true;
            if !syn {
                mem.stats.midstream_pickups += 1;
            }
        }
        if payload.is_empty() || self.stopped {
            return;
        }
        mem.stats.segments += 1;
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        let Some(start) = self.offset_of(data_seq) else {
            mem.stats.retransmissions += 1;
            return;
        };
        let end = start + payload.len() as u64;
        if end <= self.next {
            mem.stats.retransmissions += 1;
            return;
        }
        if start <= self.next {
            if start < self.next {
                mem.stats.overlaps += 1;
            }
            mem.stats.in_order += 1;
            let fresh = &payload[(self.next - start) as usize..];
            let fresh_end = self.next + fresh.len() as u64;
            match self.held.first().map(|h| h.offset) {
                // The segment runs into data already held: that data came first and wins, so
                // deliver up to it and let the held copy (and any remainder) follow.
                Some(held_at) if held_at < fresh_end => {
                    let cut = held_at.saturating_sub(self.next) as usize;
                    self.deliver(&fresh[..cut], mem, sink);
                    if !self.stopped {
                        self.hold(held_at, &fresh[cut..], mem);
                    }
                }
                _ => self.deliver(fresh, mem, sink),
            }
            self.drain_held(mem, sink);
        } else {
            mem.stats.out_of_order += 1;
            self.hold(start, payload, mem);
            if self.held_bytes > mem.config.max_held_per_dir
                || self.held.len() > mem.config.max_segments_per_dir
            {
                self.skip_to_held(mem, sink);
            }
        }
    }

    /// The other side acknowledged up to `ack`: if that is past a hole we are holding data
    /// behind, the hole's bytes were on the wire but not in our capture: declare the gap.
    pub fn peer_ack(
        &mut self,
        ack: u32,
        mem: &mut StreamMemory,
        sink: &mut impl FnMut(StreamEvent<'_>),
    ) {
        if !self.started || self.held.is_empty() || self.stopped {
            return;
        }
        if let Some(acked) = self.offset_of(ack) {
            if acked > self.next {
                self.skip_to_held(mem, sink);
            }
        }
    }

    /// The other side's acknowledgement `ack` covers every byte this direction delivered (or
    /// nothing was delivered yet).
    pub fn acked_all(&self, ack: u32) -> bool {
        !self.started || self.offset_of(ack).is_some_and(|a| a >= self.next)
    }

    /// End of the flow: whatever is held is delivered after the gaps in front of it.
    pub fn finish(&mut self, mem: &mut StreamMemory, sink: &mut impl FnMut(StreamEvent<'_>)) {
        while !self.held.is_empty() && !self.stopped {
            self.skip_to_held(mem, sink);
        }
        self.free(mem);
    }

    fn deliver(
        &mut self,
        data: &[u8],
        mem: &mut StreamMemory,
        sink: &mut impl FnMut(StreamEvent<'_>),
    ) {
        let depth = mem.config.depth;
        let allowed = if depth == 0 {
            data.len()
        } else {
            depth.saturating_sub(self.next).min(data.len() as u64) as usize
        };
        if allowed > 0 {
            sink(StreamEvent::Data(&data[..allowed]));
            self.next += allowed as u64;
        }
        if depth != 0 && self.next >= depth && !self.stopped {
            mem.stats.depth_reached += 1;
            self.stop(mem);
        }
    }

    fn drain_held(&mut self, mem: &mut StreamMemory, sink: &mut impl FnMut(StreamEvent<'_>)) {
        while !self.stopped && self.held.first().is_some_and(|h| h.offset <= self.next) {
            let h = self.held.remove(0);
            self.held_bytes -= h.data.len();
            mem.release(h.data.len());
            let end = h.offset + h.data.len() as u64;
            if end > self.next {
                let fresh = &h.data[(self.next - h.offset) as usize..];
                self.deliver(fresh, mem, sink);
            }
        }
    }

    /// Declares the hole before the first held segment a gap and delivers from there.
    fn skip_to_held(&mut self, mem: &mut StreamMemory, sink: &mut impl FnMut(StreamEvent<'_>)) {
        let Some(first) = self.held.first() else {
            return;
        };
        if first.offset > self.next {
            let gap = first.offset - self.next;
            mem.stats.gaps += 1;
            mem.stats.gap_bytes += gap;
            sink(StreamEvent::Gap(gap));
            self.next = first.offset;
        }
        self.drain_held(mem, sink);
    }

    /// Holds the parts of [start, start+len) not already held (first data wins).
    fn hold(&mut self, start: u64, payload: &[u8], mem: &mut StreamMemory) {
        let end = start + payload.len() as u64;
        let mut cur = start;
        let mut i = 0;
        while cur < end {
            // Next held segment at or after `cur`'s position in the sorted list.
            while i < self.held.len() && self.held[i].offset + self.held[i].data.len() as u64 <= cur
            {
                i += 1;
            }
            let piece_end = match self.held.get(i) {
                Some(h) if h.offset <= cur => {
                    // `cur` is inside a held segment: skip what it covers.
                    mem.stats.overlaps += 1;
                    cur = (h.offset + h.data.len() as u64).min(end);
                    continue;
                }
                Some(h) => h.offset.min(end),
                None => end,
            };
            let piece = &payload[(cur - start) as usize..(piece_end - start) as usize];
            if !mem.reserve(piece.len()) {
                return;
            }
            self.held.insert(
                i,
                Held {
                    offset: cur,
                    data: piece.to_vec(),
                },
            );
            self.held_bytes += piece.len();
            i += 1;
            cur = piece_end;
        }
    }
}

#[cfg(test)]
mod tests;
