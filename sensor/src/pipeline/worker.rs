//! A worker: owns one shard of the flow table and everything downstream of it for the flows the
//! dispatcher (replay) or its own capture rings (live) give it.
//!
//! Records are buffered per worker and handed to the sink in chunks, but never held long: a
//! chunk goes out when it is full or when its oldest record has waited [`FLUSH_AFTER`], checked
//! after every batch and on every idle tick, so a record reaches its output within a second of
//! the packet that made it however slow the traffic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::batch::Batch;
use super::decode_stage::{DecodeStage, FrameMeta};
use super::stats::DecodeStats;
use crate::app::AppStats;
use crate::capture::filter::CaptureFilter;
use crate::counters::{Histogram, IfaceCounters, Registry, WorkerSnapshot, PUBLISH_EVERY};
use crate::decode::checksum::Judged;
use crate::decode::{DefragConfig, DefragStats, L4};
use crate::detect::reload::EngineHandle;
use crate::events::PacketEvent;
use crate::flow::{
    EndReason, Flow, FlowPacket, FlowTable, FlowTableConfig, FlowTableStats, Timeouts,
};
use crate::output::eve;
use crate::output::file::CHUNK_BYTES;
use crate::output::record::RecordIndex;
use crate::output::sink::Outputs;
use crate::session::{AppConfig, AppLayer, FlowApp, Segment};
use crate::time::Timestamp;

/// How many packets ahead the worker prefetches frame headers.
const PREFETCH_AHEAD: usize = 4;

/// Asks the CPU to bring the first two cache lines of a frame (the headers) into cache.
#[inline(always)]
fn prefetch(frame: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    for off in [0usize, 64] {
        if let Some(b) = frame.get(off) {
            // SAFETY: prefetch is only a hint; the address is inside `frame`.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    b as *const u8 as *const i8,
                )
            };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = frame;
}

/// What a worker is told to do.
pub enum WorkerMsg {
    Batch(Batch),
    /// End of input: move the clock to this time, then end every flow.
    Finish(Timestamp),
}

/// What a worker counted, returned when it finishes.
#[derive(Clone, Copy, Debug, Default)]
pub struct WorkerStats {
    pub packets: u64,
    pub flows: FlowTableStats,
    pub flows_tcp: u64,
    pub flows_udp: u64,
    pub flows_icmp: u64,
    pub flows_other: u64,
    pub records: u64,
    /// Decoding done in this worker (single-worker runs decode in the worker).
    pub decode: Option<(DecodeStats, DefragStats)>,
    pub app: AppStats,
    pub alerts: u64,
    /// Signature matches held back by `threshold` / `detection_filter`.
    pub alerts_suppressed: u64,
    /// Matches past a packet's `packet-alert-max` (no alert raised).
    pub alert_queue_overflow: u64,
    /// Packets the built-in capture filter turned away.
    pub filtered: u64,
    /// Flows that ended with no packet from the responder (Zeek's S0: scans, floods).
    pub flows_unanswered: u64,
    /// Of those, the ones not written as records (`flow.log-unanswered = false`).
    pub flows_unlogged: u64,
}

impl WorkerStats {
    pub fn add(&mut self, o: &WorkerStats) {
        self.packets += o.packets;
        self.flows.add(&o.flows);
        self.flows_tcp += o.flows_tcp;
        self.flows_udp += o.flows_udp;
        self.flows_icmp += o.flows_icmp;
        self.flows_other += o.flows_other;
        self.records += o.records;
        self.app.add(&o.app);
        self.alerts += o.alerts;
        self.alerts_suppressed += o.alerts_suppressed;
        self.alert_queue_overflow += o.alert_queue_overflow;
        self.filtered += o.filtered;
        self.flows_unanswered += o.flows_unanswered;
        self.flows_unlogged += o.flows_unlogged;
        self.decode = match (self.decode, o.decode) {
            (Some((mut d, mut g)), Some((od, og))) => {
                d.add(&od);
                g.add(&og);
                Some((d, g))
            }
            (a, b) => a.or(b),
        };
    }
}

/// Longest a record waits in a worker's buffer.
pub const FLUSH_AFTER: Duration = Duration::from_millis(250);
/// How long a replay worker waits for a batch before it looks at its buffer and counters.
pub const IDLE_TICK: Duration = Duration::from_millis(100);

/// Output side of a worker: buffers records and hands chunks to the sink, measuring how long
/// records waited.
struct Output {
    buf: Vec<u8>,
    outputs: Arc<Outputs>,
    /// Scratch for indexing a chunk by record and type (when sinks filter).
    index: RecordIndex,
    stats: WorkerStats,
    /// Write records of flows nobody answered (the default, as Zeek logs S0 connections).
    log_unanswered: bool,
    /// Arrival of the packets being processed now (per batch or ring block).
    arrival: Instant,
    /// Arrival of the oldest packet whose records are in `buf`.
    pending_since: Option<Instant>,
    /// Alerts whose records are in `buf`, with the arrival of the packets that raised them.
    pending_alerts: Vec<(Instant, u64)>,
    record_latency: Histogram,
    alert_latency: Histogram,
}

impl Output {
    fn new(outputs: Arc<Outputs>, log_unanswered: bool) -> Output {
        Output {
            buf: Vec::with_capacity(CHUNK_BYTES * 2),
            outputs,
            index: RecordIndex::default(),
            stats: WorkerStats::default(),
            log_unanswered,
            arrival: Instant::now(),
            pending_since: None,
            pending_alerts: Vec::with_capacity(64),
            record_latency: Histogram::default(),
            alert_latency: Histogram::default(),
        }
    }

    fn flow_ended(&mut self, flow: &mut Flow<FlowApp>, reason: EndReason) {
        match flow.key.proto {
            6 => self.stats.flows_tcp += 1,
            17 => self.stats.flows_udp += 1,
            1 | 58 => self.stats.flows_icmp += 1,
            _ => self.stats.flows_other += 1,
        }
        if !flow.replied {
            self.stats.flows_unanswered += 1;
            if !self.log_unanswered {
                self.stats.flows_unlogged += 1;
                return;
            }
        }
        eve::write_flow_upgraded(
            &mut self.buf,
            flow,
            reason,
            flow.ext.proto.name(),
            flow.ext.proto_orig().name(),
            flow.ext.alerted(),
        );
        self.stats.records += 1;
        self.flush_if_full();
    }

    #[inline]
    fn flush_if_full(&mut self) {
        if self.buf.len() >= CHUNK_BYTES {
            self.flush();
        }
    }

    /// Alerts raised since the last call, by packets that arrived at `self.arrival`.
    fn alerts_raised(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        let full = self.pending_alerts.len() == self.pending_alerts.capacity();
        match self.pending_alerts.last_mut() {
            Some((t, k)) if *t == self.arrival => *k += n,
            // Bounded: beyond the capacity, later alerts are timed from the last entry's
            // arrival (earlier, so the measure errs long).
            Some((_, k)) if full => *k += n,
            _ => self.pending_alerts.push((self.arrival, n)),
        }
    }

    /// Hands what is buffered to the outputs and records how long it waited.
    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let oldest = *self.pending_since.get_or_insert(self.arrival);
        self.outputs.deliver(&self.buf, &mut self.index);
        let now = Instant::now();
        let records = memchr::memchr_iter(b'\n', &self.buf).count() as u64;
        // Each record is timed from the oldest packet of its chunk: an upper bound.
        self.record_latency
            .observe(now.saturating_duration_since(oldest).as_secs_f64(), records);
        for (t, n) in self.pending_alerts.drain(..) {
            self.alert_latency
                .observe(now.saturating_duration_since(t).as_secs_f64(), n);
        }
        self.buf.clear();
        self.pending_since = None;
    }

    /// After a batch or block: note when its records arrived; flush what has waited long.
    fn settle(&mut self, now: Instant) {
        if self.buf.is_empty() {
            return;
        }
        let since = *self.pending_since.get_or_insert(self.arrival);
        if now.saturating_duration_since(since) >= FLUSH_AFTER {
            self.flush();
        }
    }
}

/// The per-packet work after decoding: flow tracking, then the application layer.
struct Tracker {
    table: FlowTable<FlowApp>,
    out: Output,
    /// `None` in flows-only runs.
    app: Option<AppLayer>,
    packets: u64,
    /// Alerts already handed to `out.alerts_raised`.
    alerts_seen: u64,
}

/// Ends a flow: the application layer writes what it still has, then the flow record.
/// `now`: the packet time of the packet or tick that ended it.
fn end_flow(
    app: &mut Option<AppLayer>,
    out: &mut Output,
    flow: &mut Flow<FlowApp>,
    reason: EndReason,
    now: Timestamp,
    timeouts: &Timeouts,
) {
    if let Some(app) = app {
        app.flow_end(flow, &mut out.buf);
        if let Some(t) = &mut app.behaviour {
            // When the flow ended in packet time, the same whatever tick noticed it.
            let at = match reason {
                EndReason::Timeout => flow.deadline(timeouts),
                _ => now,
            };
            t.flow_end(flow, at.max(flow.last));
        }
    }
    out.flow_ended(flow, reason);
}

impl Tracker {
    #[inline]
    fn packet(&mut self, p: &FlowPacket, frame: &[u8]) {
        let Tracker {
            table,
            out,
            app,
            packets,
            ..
        } = self;
        if p.flowless {
            if let Some(app) = app {
                app.set_pcap_cnt(p.pcap_cnt);
                app.detect_flowless(&p.decoded, frame, p.ts, &mut out.buf);
                app.tag_packet(None, &p.decoded, frame, p.ts, &mut out.buf);
                out.flush_if_full();
            }
            return;
        }
        *packets += 1;
        if let Some(app) = app {
            app.set_pcap_cnt(p.pcap_cnt);
        }
        let d = &p.decoded;
        // Stream validation: a TCP segment with an invalid checksum is no part of the session
        // (decided with the flow, below).
        let csum = match (&d.l4, &*app) {
            (L4::Tcp(_), Some(a)) => a.tcp_checksum(d, frame),
            _ => None,
        };
        let suspect = matches!(csum, Some((_, Judged::Invalid)));
        let to = table.timeouts();
        let r = table.process_with(p, !suspect, &mut |f, reason| {
            end_flow(app, out, f, reason, p.ts, &to)
        });
        let Some(app) = app else { return };
        let Some(flow) = table.get_mut(r.slot) else {
            return;
        };
        let rejected = match (csum, &d.l4) {
            (Some(c), L4::Tcp(h)) => app.tcp_checksum_settle(flow, r.dir, h, c),
            _ => false,
        };
        let start = d.payload_offset as usize;
        let payload = frame
            .get(start..start + d.payload_len as usize)
            .unwrap_or(&[]);
        match &d.l4 {
            L4::Tcp(h) if !rejected => {
                // Suricata's decoder stops at an IP packet cut short by the capture: its
                // stream engine never sees the segment.
                let reassemble = if !d.events.has(PacketEvent::Ipv4TruncPkt)
                    && !d.events.has(PacketEvent::Ipv6TruncPkt)
                {
                    let l4 = d.l4_offset as usize;
                    let options = frame
                        .get(l4 + 20..l4 + h.header_len as usize)
                        .unwrap_or(&[]);
                    app.tcp_session(flow, r.dir, h, options, payload.len(), p.ts)
                } else {
                    app.midstream()
                };
                let seg = Segment {
                    header: h,
                    payload,
                    reassemble,
                };
                app.tcp_packet(flow, r.dir, seg, p.ts, &mut out.buf);
            }
            L4::Udp(_) => app.udp_packet(flow, r.dir, payload, p.ts, &mut out.buf),
            _ => {}
        }
        app.detect_packet(flow, r.dir, d, frame, p.ts, &mut out.buf);
        app.tag_packet(Some((flow, r.dir)), d, frame, p.ts, &mut out.buf);
        if let Some(t) = &mut app.behaviour {
            t.packet(flow, r.dir, payload, p.ts);
        }
        if out.buf.len() >= CHUNK_BYTES {
            let alerts = app.alerts();
            out.alerts_raised(alerts.saturating_sub(self.alerts_seen));
            self.alerts_seen = alerts;
            out.flush();
        }
    }

    fn advance_clock(&mut self, clock: Timestamp) {
        let Tracker {
            table, out, app, ..
        } = self;
        let to = table.timeouts();
        table.advance_clock(clock, &mut |f, reason| {
            end_flow(app, out, f, reason, clock, &to)
        });
    }

    /// After a batch or block (or an idle tick): count its alerts and flush what is due.
    fn settle(&mut self, now: Instant) {
        if let Some(app) = &self.app {
            let alerts = app.alerts();
            self.out
                .alerts_raised(alerts.saturating_sub(self.alerts_seen));
            self.alerts_seen = alerts;
        }
        self.out.settle(now);
    }

    /// Ends every flow (end of input or a stop) and writes everything out.
    fn finish(&mut self, clock: Timestamp) {
        self.advance_clock(clock);
        let Tracker {
            table, out, app, ..
        } = self;
        let to = table.timeouts();
        table.flush(&mut |f, reason| end_flow(app, out, f, reason, clock, &to));
        if let Some(t) = app.as_mut().and_then(|a| a.behaviour.as_mut()) {
            t.finish(clock);
        }
        self.settle(Instant::now());
        self.out.flush();
    }
}

/// A worker's state besides its input: the tracker, its own decoding (single-worker replay
/// and live capture) and the bookkeeping of what it publishes.
pub struct WorkerCore {
    index: usize,
    tracker: Tracker,
    stage: Option<DecodeStage>,
    filter: Option<Arc<CaptureFilter>>,
    filtered: u64,
    registry: Arc<Registry>,
    snapshot: WorkerSnapshot,
    /// Latest packet time seen or ticked to.
    pub clock: Timestamp,
    busy: Duration,
    busy_at_publish: Duration,
    last_publish: Instant,
}

/// What a worker is built from.
pub struct WorkerSetup {
    pub index: usize,
    pub flow: FlowTableConfig,
    pub app: Option<AppConfig>,
    pub engine: Option<Arc<EngineHandle>>,
    /// The worker decodes the frames it gets (single-worker replay, live capture).
    pub decode: Option<DefragConfig>,
    /// The built-in capture filter, judged on each decoded packet (live capture without
    /// libpcap).
    pub filter: Option<Arc<CaptureFilter>>,
    pub outputs: Arc<Outputs>,
    pub registry: Arc<Registry>,
    /// Write flow records of flows nobody answered (see `Output::log_unanswered`).
    pub log_unanswered: bool,
    /// This worker's tap into the behaviour stage (needs the application layer).
    pub behaviour: Option<crate::behaviour::Tap>,
    /// FTP data connections expected, one table for all the workers of a run (D42).
    pub expectations: Arc<crate::app::ftp_data::Expectations>,
}

impl WorkerCore {
    pub fn new(setup: WorkerSetup) -> WorkerCore {
        let has_engine = setup.engine.is_some();
        let tracker = Tracker {
            table: FlowTable::new(setup.flow),
            out: Output::new(setup.outputs, setup.log_unanswered),
            app: setup.app.map(|c| {
                let mut app = AppLayer::new(c, setup.engine);
                app.behaviour = setup.behaviour;
                app.share_expectations(setup.expectations);
                app
            }),
            packets: 0,
            alerts_seen: 0,
        };
        let detecting = tracker.app.is_some() && has_engine;
        WorkerCore {
            index: setup.index,
            stage: setup.decode.map(|c| DecodeStage::new(c, detecting)),
            tracker,
            filter: setup.filter,
            filtered: 0,
            registry: setup.registry,
            snapshot: WorkerSnapshot::default(),
            clock: Timestamp::ZERO,
            busy: Duration::ZERO,
            busy_at_publish: Duration::ZERO,
            last_publish: Instant::now(),
        }
    }

    /// Picks up reloaded rules (once per batch or block: one atomic load).
    #[inline]
    pub fn refresh_rules(&mut self) {
        if let Some(app) = &mut self.tracker.app {
            app.refresh_rules();
        }
    }

    /// Packets handled from here on arrived at `at`.
    #[inline]
    pub fn arrived(&mut self, at: Instant) {
        self.tracker.out.arrival = at;
    }

    /// A raw frame for this worker to decode.
    #[inline]
    pub fn frame(&mut self, meta: FrameMeta, frame: &[u8]) {
        if meta.ts > self.clock {
            self.clock = meta.ts;
        }
        let WorkerCore {
            stage,
            tracker,
            filter,
            filtered,
            ..
        } = self;
        let Some(stage) = stage else { return };
        match filter {
            None => stage.packet(meta, frame, None, &mut |p, bytes, _| {
                tracker.packet(&p, bytes)
            }),
            Some(f) => stage.packet(meta, frame, None, &mut |p, bytes, _| {
                if f.matches(&p.decoded) {
                    tracker.packet(&p, bytes)
                } else {
                    *filtered += 1;
                }
            }),
        }
    }

    /// A batch from the replay reader: raw frames to decode, and packets the reader decoded
    /// (fragments, tunnels, ...), processed in input order.
    pub fn batch(&mut self, batch: &Batch) {
        let (decoded, raw) = (&batch.packets, &batch.raw);
        let (mut i, mut j) = (0, 0);
        while i < decoded.len() || j < raw.len() {
            let take_decoded = match (decoded.get(i), raw.get(j)) {
                (Some(p), Some(r)) => p.flow.pcap_cnt < r.pcap_cnt,
                (p, _) => p.is_some(),
            };
            if take_decoded {
                // The frames were last touched by the reader's core: fetch the headers of a
                // packet a few ahead while this one is processed.
                if let Some(next) = decoded.get(i + PREFETCH_AHEAD) {
                    prefetch(batch.frame(&next.frame));
                }
                let p = &decoded[i];
                self.tracker.packet(&p.flow, batch.frame(&p.frame));
                i += 1;
            } else {
                if let Some(next) = raw.get(j + PREFETCH_AHEAD) {
                    prefetch(batch.frame(&next.frame));
                }
                let r = &raw[j];
                let meta = FrameMeta {
                    ts: r.ts,
                    pcap_cnt: r.pcap_cnt,
                    link: r.link,
                    wire_len: r.wire_len as u64,
                };
                self.frame(meta, batch.frame(&r.frame));
                j += 1;
            }
        }
        if batch.clock > self.clock {
            self.clock = batch.clock;
        }
        self.tracker.advance_clock(self.clock);
        self.settle_behaviour();
    }

    /// Hands the behaviour stage what this worker's tap holds, with the clock as watermark
    /// (after each batch or ring block).
    #[inline]
    pub fn settle_behaviour(&mut self) {
        let clock = self.clock;
        if let Some(t) = self.tracker.app.as_mut().and_then(|a| a.behaviour.as_mut()) {
            t.settle(clock);
        }
    }

    /// Moves packet time forward with no packet (a quiet live link): flows time out.
    pub fn tick_clock(&mut self, clock: Timestamp) {
        if clock > self.clock {
            self.clock = clock;
            self.tracker.advance_clock(clock);
            self.settle_behaviour();
        }
    }

    /// Time spent processing, for the busy ratio.
    #[inline]
    pub fn add_busy(&mut self, d: Duration) {
        self.busy += d;
    }

    /// After work or on an idle wake-up: flush records that are due and publish the counters
    /// when it is time. `ifaces` are the live capture counters of this worker, if any.
    pub fn tick(&mut self, now: Instant, ifaces: Option<&[IfaceCounters]>) {
        self.tracker.settle(now);
        let since = now.saturating_duration_since(self.last_publish);
        if since >= PUBLISH_EVERY {
            let busy = self.busy - self.busy_at_publish;
            self.snapshot.busy_ratio = (busy.as_secs_f64() / since.as_secs_f64()).min(1.0);
            self.busy_at_publish = self.busy;
            self.last_publish = now;
            self.publish(ifaces, false);
        }
    }

    fn publish(&mut self, ifaces: Option<&[IfaceCounters]>, wait: bool) {
        let snap = &mut self.snapshot;
        snap.stats = self.tracker.out.stats;
        snap.stats.packets = self.tracker.packets;
        snap.stats.filtered = self.filtered;
        snap.stats.flows = self.tracker.table.stats();
        snap.stats.decode = self.stage.as_ref().map(|s| (s.stats, s.defrag_stats()));
        if let Some(app) = &self.tracker.app {
            snap.stats.app = app.stats();
            snap.stats.alerts = app.alerts();
            snap.stats.alerts_suppressed = app.alerts_suppressed();
            snap.stats.alert_queue_overflow = app.alert_queue_overflow();
            app.alerts_by_series(&mut snap.alerts);
            app.alerts_by_sid(&mut snap.alerts_by_sid);
        }
        snap.active_flows = self.tracker.table.active() as u64;
        snap.busy_ns = self.busy.as_nanos() as u64;
        if let Some(i) = ifaces {
            snap.ifaces.clear();
            snap.ifaces.extend_from_slice(i);
        }
        snap.record_latency = self.tracker.out.record_latency;
        snap.alert_latency = self.tracker.out.alert_latency;
        snap.clock = self.clock;
        self.registry.publish_worker(self.index, snap, wait);
    }

    /// Ends every flow, writes everything out and publishes the final counters.
    pub fn finish(mut self, clock: Timestamp, ifaces: Option<&[IfaceCounters]>) -> WorkerStats {
        if clock > self.clock {
            self.clock = clock;
        }
        self.tracker.finish(self.clock);
        self.publish(ifaces, true);
        self.snapshot.stats
    }
}

/// Runs a replay worker until its input ends (or the run is stopped: the reader then sends
/// `Finish` early).
pub fn run(
    mut core: WorkerCore,
    input: Receiver<WorkerMsg>,
    recycle: Sender<Batch>,
) -> WorkerStats {
    loop {
        match input.recv_timeout(IDLE_TICK) {
            Ok(WorkerMsg::Batch(mut batch)) => {
                let started = Instant::now();
                core.refresh_rules();
                core.arrived(batch.arrived.unwrap_or(started));
                core.batch(&batch);
                batch.clear();
                // The reader may have finished and dropped its end: then the batch is just freed.
                let _ = recycle.try_send(batch);
                let now = Instant::now();
                core.add_busy(now - started);
                core.tick(now, None);
            }
            Ok(WorkerMsg::Finish(clock)) => return core.finish(clock, None),
            Err(RecvTimeoutError::Timeout) => core.tick(Instant::now(), None),
            Err(RecvTimeoutError::Disconnected) => {
                let clock = core.clock;
                return core.finish(clock, None);
            }
        }
    }
}
