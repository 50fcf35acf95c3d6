//! The replay pipeline: one reader thread decodes packets and dispatches them in batches, by a
//! symmetric flow hash, to N workers that each own a shard of the flow table. Replay never drops:
//! when a worker falls behind, the reader waits on its bounded channel.

pub mod batch;
pub mod stats;
pub mod worker;

use std::sync::Arc;
use std::thread;
use std::time::Instant;

use crossbeam_channel::{bounded, Sender};

use crate::capture::{CaptureError, PacketSource, SharedFrame};
use crate::decode::{self, DecodeOutcome, DefragConfig, Defragmenter};
use crate::flow::{worker_for, FlowPacket, FlowTableConfig};
use crate::output::sink::EveSink;
use crate::time::Timestamp;
use batch::Batch;
use stats::{DecodeStats, ReplayStats};
use worker::{WorkerMsg, WorkerStats};

/// Batches queued per worker before the reader waits.
const QUEUE_DEPTH: usize = 8;
/// How often (in packets) the reader reports progress and drains reader warnings.
const PROGRESS_EVERY: u64 = 1 << 16;

#[derive(Clone, Debug)]
pub struct ReplayConfig {
    pub workers: usize,
    /// Flow table settings; `max_flows` is for the whole sensor and is split across workers.
    pub flow: FlowTableConfig,
    pub defrag: DefragConfig,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            workers: default_workers(),
            flow: FlowTableConfig::default(),
            defrag: DefragConfig::default(),
        }
    }
}

/// One worker per core.
pub fn default_workers() -> usize {
    thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Progress as the reader sees it.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub bytes_read: u64,
    pub total_bytes: Option<u64>,
    pub packets: u64,
    pub wire_bytes: u64,
}

/// Replays `source` through the pipeline, writing records to `sink`. Returns the run's stats;
/// an `Err` only for input that stopped being readable part-way (the stats of what was read are
/// still returned with it, and every flow seen so far has been written).
pub fn run(
    source: &mut dyn PacketSource,
    config: &ReplayConfig,
    sink: Arc<EveSink>,
    progress: &mut dyn FnMut(Progress),
    warn: &mut dyn FnMut(&CaptureError),
) -> (ReplayStats, Option<CaptureError>) {
    let started = Instant::now();
    let n = config.workers.max(1);
    let mut flow_config = config.flow;
    flow_config.max_flows = (config.flow.max_flows / n).max(1);

    let (recycle_tx, recycle_rx) = bounded::<Batch>(n * (QUEUE_DEPTH + 2));
    let mut senders: Vec<Sender<WorkerMsg>> = Vec::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        let (tx, rx) = bounded::<WorkerMsg>(QUEUE_DEPTH);
        let recycle = recycle_tx.clone();
        let sink = sink.clone();
        let handle = thread::Builder::new()
            .name(format!("worker-{i}"))
            .spawn(move || worker::run(flow_config, rx, recycle, sink))
            .expect("spawn worker thread");
        senders.push(tx);
        handles.push(handle);
    }
    drop(recycle_tx);

    let mut reader = Reader {
        decode: DecodeStats::default(),
        defrag: Defragmenter::new(config.defrag),
        batches: (0..n).map(|_| Batch::with_capacity()).collect(),
        clock: Timestamp::ZERO,
    };
    let mut fatal = None;
    loop {
        match source.advance() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                fatal = Some(e);
                break;
            }
        }
        let Some(rec) = source.current() else { break };
        reader.packet(rec.ts, rec.link, rec.data, rec.shared, rec.wire_len as u64);
        for (w, batch) in reader.batches.iter_mut().enumerate() {
            if batch.is_full() {
                let fresh = recycle_rx
                    .try_recv()
                    .unwrap_or_else(|_| Batch::with_capacity());
                let mut full = std::mem::replace(batch, fresh);
                full.clock = reader.clock;
                // A worker that died has already reported its panic; keep reading the rest.
                let _ = senders[w].send(WorkerMsg::Batch(full));
            }
        }
        if reader.decode.packets % PROGRESS_EVERY == 0 {
            for w in source.take_warnings() {
                warn(&w);
            }
            progress(Progress {
                bytes_read: source.bytes_read(),
                total_bytes: source.total_bytes(),
                packets: reader.decode.packets,
                wire_bytes: reader.decode.bytes,
            });
        }
    }
    for w in source.take_warnings() {
        warn(&w);
    }
    progress(Progress {
        bytes_read: source.bytes_read(),
        total_bytes: source.total_bytes(),
        packets: reader.decode.packets,
        wire_bytes: reader.decode.bytes,
    });

    for (w, batch) in reader.batches.drain(..).enumerate() {
        let mut batch = batch;
        batch.clock = reader.clock;
        let _ = senders[w].send(WorkerMsg::Batch(batch));
        let _ = senders[w].send(WorkerMsg::Finish(reader.clock));
    }
    drop(senders);
    let mut workers = WorkerStats::default();
    let mut worker_panics = 0;
    for h in handles {
        match h.join() {
            Ok(s) => workers.add(&s),
            Err(_) => worker_panics += 1,
        }
    }
    sink.flush();

    let stats = ReplayStats {
        capture_bytes_read: source.bytes_read(),
        skipped: source.skipped(),
        decode: reader.decode,
        defrag: reader.defrag.stats(),
        workers,
        worker_count: n,
        worker_panics,
        max_flows: config.flow.max_flows as u64,
        first_ts: reader.decode.first_ts,
        last_ts: reader.clock,
        elapsed: started.elapsed(),
        eve_bytes: sink.written_bytes(),
        eve_lost_bytes: sink.lost_bytes(),
        eve_errors: sink.errors(),
    };
    (stats, fatal)
}

/// The reader's per-packet work: decode, reassemble fragments, hash, and place into a batch.
struct Reader {
    decode: DecodeStats,
    defrag: Defragmenter,
    batches: Vec<Batch>,
    clock: Timestamp,
}

impl Reader {
    #[inline]
    fn packet(
        &mut self,
        ts: Timestamp,
        link: crate::capture::LinkType,
        frame: &[u8],
        shared: Option<SharedFrame<'_>>,
        wire_len: u64,
    ) {
        let d = &mut self.decode;
        if d.packets == 0 {
            d.first_ts = ts;
        }
        d.packets += 1;
        d.bytes += wire_len;
        if ts > self.clock {
            self.clock = ts;
        }
        let decoded = match decode::decode(link, frame) {
            Ok(DecodeOutcome::Ip(decoded)) => decoded,
            Ok(DecodeOutcome::NotIp { .. }) => {
                d.not_ip += 1;
                return;
            }
            Err(e) => {
                d.errors[e.index()] += 1;
                return;
            }
        };
        if decoded.fragment.is_some() {
            d.fragments += 1;
            let Some(r) = self.defrag.insert(ts, frame, wire_len as u32, &decoded) else {
                return;
            };
            match decode::decode_ip(r.datagram) {
                Ok(mut whole) => {
                    whole.vlan = decoded.vlan;
                    whole.vlan_count = decoded.vlan_count;
                    self.decode.count_l4(&whole);
                    let mut flow = FlowPacket::new(ts, r.wire_len_total, whole);
                    flow.frames = r.fragments.max(1);
                    let n = self.batches.len();
                    self.batches[worker_for(flow.hash, n)].push(flow, r.datagram, None);
                }
                Err(e) => self.decode.errors[e.index()] += 1,
            }
            return;
        }
        d.count_l4(&decoded);
        let flow = FlowPacket::new(ts, wire_len, decoded);
        let n = self.batches.len();
        self.batches[worker_for(flow.hash, n)].push(flow, frame, shared);
    }
}
