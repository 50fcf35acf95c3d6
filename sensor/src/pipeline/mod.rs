//! The replay pipeline: one reader thread frames packets and dispatches them in batches, by a
//! symmetric flow hash read from their headers, to N workers that each own a shard of the flow
//! table and decode their packets. (Frames whose flow key cannot be read without decoding them,
//! fragments above all, are decoded by the reader: see `dispatch`.) Replay never drops: when a
//! worker falls behind, the reader waits on its bounded channel.

pub mod batch;
pub mod decode_stage;
pub mod dispatch;
#[cfg(target_os = "linux")]
pub mod live;
pub mod stats;
pub mod worker;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender};

use crate::capture::{CaptureError, PacketSource};
use crate::counters::{IfaceCounters, ReaderSnapshot, Registry, PUBLISH_EVERY};
use crate::decode::DefragConfig;
use crate::detect::reload::EngineHandle;
use crate::flow::{worker_for, FlowTableConfig};
use crate::output::sink::Outputs;
use crate::session::AppConfig;
use crate::time::Timestamp;
use batch::Batch;
use decode_stage::{DecodeStage, FrameMeta};
use stats::ReplayStats;
use worker::{WorkerCore, WorkerMsg, WorkerSetup, WorkerStats};

/// Batches queued per worker before the reader waits: 16 x 256 packets, a few milliseconds of
/// a worker's time, so that a worker does not run dry while the reader waits for a core (three
/// threads on two cores; 8 measured about 10 % slower with two workers).
const QUEUE_DEPTH: usize = 16;
/// How often (in packets) the reader reports progress and drains reader warnings.
const PROGRESS_EVERY: u64 = 1 << 16;

#[derive(Clone, Debug)]
pub struct ReplayConfig {
    pub workers: usize,
    /// Flow table settings; `max_flows` is for the whole sensor and is split across workers.
    pub flow: FlowTableConfig,
    pub defrag: DefragConfig,
    /// Application layer (stream reassembly, HTTP, TLS, DNS); `None` tracks flows only.
    pub app: Option<AppConfig>,
    /// Signatures (needs the application layer for all but packet rules); reloadable.
    pub engine: Option<Arc<EngineHandle>>,
    /// Replay at the capture's own pace, sped up by this factor (`None`: as fast as possible).
    pub pace: Option<f64>,
    /// Write records of flows nobody answered (counted either way).
    pub log_unanswered: bool,
    /// The behaviour stage's settings; `None` runs without it (needs `app`).
    pub behaviour: Option<Arc<crate::behaviour::BehaviourConfig>>,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            workers: default_workers(),
            flow: FlowTableConfig::default(),
            defrag: DefragConfig::default(),
            app: Some(AppConfig::default()),
            engine: None,
            pace: None,
            log_unanswered: true,
            behaviour: None,
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

/// Replays `source` through the pipeline, writing records to `outputs` and publishing counters to
/// `registry`. Returns the run's stats; an `Err` only for input that stopped being readable
/// part-way (the stats of what was read are still returned with it, and every flow seen so far
/// has been written). A stop signal ends reading early, and the run ends as if the input had
/// ended there: every open flow is written.
pub fn run(
    source: &mut dyn PacketSource,
    config: &ReplayConfig,
    outputs: Arc<Outputs>,
    registry: Arc<Registry>,
    progress: &mut dyn FnMut(Progress),
    warn: &mut dyn FnMut(&CaptureError),
) -> (ReplayStats, Option<CaptureError>) {
    let started = Instant::now();
    let n = config.workers.max(1);
    let mut flow_config = config.flow;
    flow_config.max_flows = (config.flow.max_flows / n).max(1);
    // One worker needs no dispatch: the reader hands it every frame raw. With several, the
    // reader reads each frame's flow hash from its headers and only decodes frames whose key
    // it cannot read that way (fragments, tunnels, ...); workers decode the rest.
    let single = n == 1;

    let (recycle_tx, recycle_rx) = bounded::<Batch>(n * (QUEUE_DEPTH + 2));
    let (beh_stage, mut taps) = match (&config.behaviour, &config.app) {
        (Some(b), Some(_)) => {
            let (stage, taps) = crate::behaviour::spawn(
                b.clone(),
                n,
                outputs.clone(),
                Some(registry.clone()),
                false,
            );
            (Some(stage), taps.into_iter().map(Some).collect())
        }
        _ => (None, (0..n).map(|_| None).collect::<Vec<_>>()),
    };
    let mut senders: Vec<Sender<WorkerMsg>> = Vec::with_capacity(n);
    let mut handles = Vec::with_capacity(n);
    let expectations: Arc<crate::app::ftp_data::Expectations> = Arc::default();
    for (i, tap) in taps.iter_mut().enumerate() {
        let (tx, rx) = bounded::<WorkerMsg>(QUEUE_DEPTH);
        let recycle = recycle_tx.clone();
        let setup = WorkerSetup {
            index: i,
            flow: flow_config,
            app: config.app,
            engine: config.engine.clone(),
            decode: Some(config.defrag),
            filter: None,
            outputs: outputs.clone(),
            registry: registry.clone(),
            log_unanswered: config.log_unanswered,
            behaviour: tap.take(),
            expectations: expectations.clone(),
        };
        let handle = thread::Builder::new()
            .name(format!("worker-{i}"))
            .spawn(move || worker::run(WorkerCore::new(setup), rx, recycle))
            .expect("spawn worker thread");
        senders.push(tx);
        handles.push(handle);
    }
    drop(recycle_tx);

    let mut dispatch = Dispatch {
        batches: (0..n).map(|_| Batch::with_capacity()).collect(),
        senders,
        recycle: recycle_rx,
        clock: Timestamp::ZERO,
    };
    let detecting = config.engine.is_some() && config.app.is_some();
    let mut stage = DecodeStage::new(config.defrag, detecting);
    let mut pacer = config.pace.map(Pacer::new);
    let (mut packets, mut wire_bytes) = (0u64, 0u64);
    let mut fatal = None;
    let mut last_publish = Instant::now();
    let mut ifaces = Vec::new();
    registry.set_ready(true);
    let mut draining = false;
    loop {
        // One relaxed load per packet: a slow input (a pipe) is stopped as promptly as a fast
        // one. What a streamed input already read is still processed (nothing it accepted is
        // lost); a mapped file or a live capture stops at once.
        if !draining && crate::signals::stop_requested() {
            if !source.stop_reading() {
                break;
            }
            draining = true;
        }
        if packets % PUBLISH_CHECK_EVERY == 0 {
            let now = Instant::now();
            if now - last_publish >= PUBLISH_EVERY {
                last_publish = now;
                source.interface_counters(&mut ifaces);
                registry.publish_reader(
                    &reader_snapshot(source, &stage, dispatch.clock, &ifaces),
                    false,
                );
            }
        }
        match source.advance() {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                fatal = Some(e);
                break;
            }
        }
        let Some(rec) = source.current() else {
            // A live source with nothing to read: notice a stop, let packet time follow the
            // wall clock so flows still time out, keep the counters fresh.
            if crate::signals::stop_requested() {
                break;
            }
            if let Some(t) = source.idle_clock() {
                if t > dispatch.clock {
                    dispatch.clock = t;
                }
            }
            let now = Instant::now();
            if now - last_publish >= PUBLISH_EVERY {
                last_publish = now;
                dispatch.flush_clock();
                source.interface_counters(&mut ifaces);
                registry.publish_reader(
                    &reader_snapshot(source, &stage, dispatch.clock, &ifaces),
                    false,
                );
            }
            continue;
        };
        packets += 1;
        wire_bytes += rec.wire_len as u64;
        if rec.ts > dispatch.clock {
            dispatch.clock = rec.ts;
        }
        // Draining after a stop: what was read goes through without waiting.
        let pacing = pacer.as_mut().filter(|_| !draining);
        if let Some(wait) = pacing.and_then(|p| p.wait(rec.ts)) {
            // Workers get what was read before the pause, as they would on a live link.
            dispatch.flush();
            if !pause(wait) {
                break;
            }
            registry.publish_reader(
                &reader_snapshot(source, &stage, dispatch.clock, &ifaces),
                false,
            );
        }
        let Some(rec) = source.current() else { break };
        let raw_to = if single {
            Some(0)
        } else {
            dispatch::flow_hash(rec.link, rec.data).map(|h| worker_for(h, n))
        };
        if let Some(w) = raw_to {
            dispatch.batches[w].push_raw(
                rec.ts,
                packets,
                rec.link,
                rec.wire_len,
                rec.data,
                rec.shared,
            );
            dispatch.send_if_full(w);
        } else {
            let meta = FrameMeta {
                ts: rec.ts,
                pcap_cnt: packets,
                link: rec.link,
                wire_len: rec.wire_len as u64,
            };
            stage.packet(meta, rec.data, rec.shared, &mut |p, bytes, shared| {
                let w = worker_for(p.hash, n);
                dispatch.batches[w].push(p, bytes, shared);
                dispatch.send_if_full(w);
            });
        }
        if source.drained() {
            dispatch.flush();
        }
        if packets % PROGRESS_EVERY == 0 {
            for w in source.take_warnings() {
                warn(&w);
            }
            progress(Progress {
                bytes_read: source.bytes_read(),
                total_bytes: source.total_bytes(),
                packets,
                wire_bytes,
            });
        }
    }
    registry.set_ready(false);
    for w in source.take_warnings() {
        warn(&w);
    }
    progress(Progress {
        bytes_read: source.bytes_read(),
        total_bytes: source.total_bytes(),
        packets,
        wire_bytes,
    });

    let clock = dispatch.clock;
    for (w, mut batch) in dispatch.batches.drain(..).enumerate() {
        batch.clock = clock;
        let _ = dispatch.senders[w].send(WorkerMsg::Batch(batch));
        let _ = dispatch.senders[w].send(WorkerMsg::Finish(clock));
    }
    drop(dispatch);
    let mut workers = WorkerStats::default();
    let mut worker_panics = 0;
    for h in handles {
        match h.join() {
            Ok(s) => workers.add(&s),
            Err(_) => {
                worker_panics += 1;
                registry.worker_panicked();
            }
        }
    }
    let behaviour = beh_stage.map(|s| s.join());
    outputs.flush();
    source.interface_counters(&mut ifaces);
    registry.publish_reader(&reader_snapshot(source, &stage, clock, &ifaces), true);

    let mut decode = stage.stats;
    let mut defrag = stage.defrag_stats();
    if let Some((d, g)) = workers.decode {
        decode.add(&d);
        defrag.add(&g);
    }
    let sinks = outputs.totals();
    let stats = ReplayStats {
        capture_bytes_read: source.bytes_read(),
        skipped: source.skipped(),
        decode,
        defrag,
        workers,
        worker_count: n,
        worker_panics,
        max_flows: config.flow.max_flows as u64,
        first_ts: decode.first_ts,
        last_ts: clock,
        elapsed: started.elapsed(),
        eve_bytes: sinks.iter().map(|o| o.bytes).sum(),
        eve_lost_bytes: sinks.iter().map(|o| o.lost_bytes).sum(),
        eve_errors: sinks.iter().map(|o| o.errors).sum(),
        behaviour,
    };
    (stats, fatal)
}

/// How often (in packets) the reader looks at the clock to publish its counters.
const PUBLISH_CHECK_EVERY: u64 = 1024;

/// Sleeps for a pacing wait in short steps, so a stop request is seen; false when stopped.
fn pause(wait: Duration) -> bool {
    let until = Instant::now() + wait;
    loop {
        if crate::signals::stop_requested() {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(Duration::from_millis(50)));
    }
}

fn reader_snapshot(
    source: &dyn PacketSource,
    stage: &DecodeStage,
    clock: Timestamp,
    ifaces: &[IfaceCounters],
) -> ReaderSnapshot {
    ReaderSnapshot {
        bytes_read: source.bytes_read(),
        skipped: source.skipped(),
        decode: stage.stats,
        defrag: stage.defrag_stats(),
        clock,
        ifaces: ifaces.to_vec(),
    }
}

/// The reader's side of the worker channels: one filling batch per worker.
struct Dispatch {
    batches: Vec<Batch>,
    senders: Vec<Sender<WorkerMsg>>,
    recycle: Receiver<Batch>,
    /// Latest packet time read.
    clock: Timestamp,
}

impl Dispatch {
    /// Sends every batch holding packets, full or not.
    fn flush(&mut self) {
        for w in 0..self.batches.len() {
            if !self.batches[w].is_empty() {
                self.send(w);
            }
        }
    }

    /// Sends every worker its batch, empty or not, so each moves its clock to the reader's
    /// (a quiet live link: flows time out).
    fn flush_clock(&mut self) {
        for w in 0..self.batches.len() {
            self.send(w);
        }
    }

    #[inline]
    fn send_if_full(&mut self, w: usize) {
        if self.batches[w].is_full() {
            self.send(w);
        }
    }

    fn send(&mut self, w: usize) {
        let fresh = self
            .recycle
            .try_recv()
            .unwrap_or_else(|_| Batch::with_capacity());
        let mut full = std::mem::replace(&mut self.batches[w], fresh);
        full.clock = self.clock;
        // A worker that died has already reported its panic; keep reading the rest.
        let _ = self.senders[w].send(WorkerMsg::Batch(full));
    }
}

/// Holds the reader back to the capture's pace: packet `ts` is released no sooner than
/// `(ts - first) / factor` after the first packet was.
struct Pacer {
    factor: f64,
    first: Option<(Timestamp, Instant)>,
}

/// Waits shorter than this are not worth a sleep (and a flush of partial batches).
const PACE_SLACK: Duration = Duration::from_millis(1);

impl Pacer {
    fn new(factor: f64) -> Pacer {
        Pacer {
            factor: if factor > 0.0 { factor } else { 1.0 },
            first: None,
        }
    }

    /// How long to wait before releasing a packet of time `ts`, if at all.
    fn wait(&mut self, ts: Timestamp) -> Option<Duration> {
        let (t0, w0) = *self.first.get_or_insert((ts, Instant::now()));
        let ahead_ns = ts.as_nanos().checked_sub(t0.as_nanos())?;
        let due = w0 + Duration::from_secs_f64(ahead_ns as f64 / 1e9 / self.factor);
        let wait = due.checked_duration_since(Instant::now())?;
        (wait >= PACE_SLACK).then_some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_waits_for_packet_time() {
        let mut p = Pacer::new(10.0);
        let t0 = Timestamp(5_000_000_000);
        assert_eq!(p.wait(t0), None);
        // Two seconds of capture at 10x: about 200 ms.
        let w = p.wait(Timestamp(7_000_000_000)).unwrap();
        assert!(
            w > Duration::from_millis(150) && w <= Duration::from_millis(200),
            "{w:?}"
        );
        // Out-of-order and same-time packets never wait.
        assert_eq!(p.wait(Timestamp(4_000_000_000)), None);
        assert_eq!(p.wait(t0), None);
    }
}
