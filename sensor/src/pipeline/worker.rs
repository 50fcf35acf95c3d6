//! A worker: owns one shard of the flow table and everything downstream of it for the flows the
//! dispatcher sends it.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::batch::Batch;
use super::decode_stage::{DecodeStage, FrameMeta};
use super::stats::DecodeStats;
use crate::app::{AppConfig, AppLayer, AppStats, FlowApp};
use crate::decode::{DefragConfig, DefragStats, L4};
use crate::detect::reload::EngineHandle;
use crate::flow::{EndReason, Flow, FlowPacket, FlowTable, FlowTableConfig, FlowTableStats};
use crate::output::eve;
use crate::output::sink::{EveSink, CHUNK_BYTES};
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

/// Output side of a worker: buffers records and hands full chunks to the sink.
struct Output {
    buf: Vec<u8>,
    sink: Arc<EveSink>,
    stats: WorkerStats,
}

impl Output {
    fn flow_ended(&mut self, flow: &mut Flow<FlowApp>, reason: EndReason) {
        match flow.key.proto {
            6 => self.stats.flows_tcp += 1,
            17 => self.stats.flows_udp += 1,
            1 | 58 => self.stats.flows_icmp += 1,
            _ => self.stats.flows_other += 1,
        }
        eve::write_flow(
            &mut self.buf,
            flow,
            reason,
            flow.ext.proto.name(),
            flow.ext.alerted(),
        );
        self.stats.records += 1;
        self.flush_if_full();
    }

    #[inline]
    fn flush_if_full(&mut self) {
        if self.buf.len() >= CHUNK_BYTES {
            self.sink.write_chunk(&self.buf);
            self.buf.clear();
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
}

/// Ends a flow: the application layer writes what it still has, then the flow record.
fn end_flow(
    app: &mut Option<AppLayer>,
    out: &mut Output,
    flow: &mut Flow<FlowApp>,
    reason: EndReason,
) {
    if let Some(app) = app {
        app.flow_end(flow, &mut out.buf);
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
        } = self;
        if p.flowless {
            if let Some(app) = app {
                app.set_pcap_cnt(p.pcap_cnt);
                app.detect_flowless(&p.decoded, p.ts, &mut out.buf);
                out.flush_if_full();
            }
            return;
        }
        *packets += 1;
        if let Some(app) = app {
            app.set_pcap_cnt(p.pcap_cnt);
        }
        let r = table.process(p, &mut |f, reason| end_flow(app, out, f, reason));
        let Some(app) = app else { return };
        let Some(flow) = table.get_mut(r.slot) else {
            return;
        };
        let d = &p.decoded;
        let start = d.payload_offset as usize;
        let payload = frame
            .get(start..start + d.payload_len as usize)
            .unwrap_or(&[]);
        match &d.l4 {
            L4::Tcp(h) => app.tcp_packet(flow, r.dir, h, payload, p.ts, &mut out.buf),
            L4::Udp(_) => app.udp_packet(flow, r.dir, payload, p.ts, &mut out.buf),
            _ => {}
        }
        app.detect_packet(flow, r.dir, d, payload, p.ts, &mut out.buf);
        out.flush_if_full();
    }

    fn advance_clock(&mut self, clock: Timestamp) {
        let Tracker {
            table, out, app, ..
        } = self;
        table.advance_clock(clock, &mut |f, reason| end_flow(app, out, f, reason));
    }
}

/// Runs a worker until its input ends. With `decode` set, the worker decodes the raw packets
/// it is sent (single-worker runs).
pub fn run(
    config: FlowTableConfig,
    app: Option<AppConfig>,
    engine: Option<Arc<EngineHandle>>,
    decode: Option<DefragConfig>,
    input: Receiver<WorkerMsg>,
    recycle: Sender<Batch>,
    sink: Arc<EveSink>,
) -> WorkerStats {
    let has_engine = engine.is_some();
    let mut tracker = Tracker {
        table: FlowTable::new(config),
        out: Output {
            buf: Vec::with_capacity(CHUNK_BYTES * 2),
            sink,
            stats: WorkerStats::default(),
        },
        app: app.map(|c| AppLayer::new(c, engine)),
        packets: 0,
    };
    let detecting = tracker.app.is_some() && has_engine;
    let mut stage = decode.map(|c| DecodeStage::new(c, detecting));
    while let Ok(msg) = input.recv() {
        match msg {
            WorkerMsg::Batch(mut batch) => {
                if let Some(app) = &mut tracker.app {
                    app.refresh_rules();
                }
                for (i, p) in batch.packets.iter().enumerate() {
                    if let Some(next) = batch.packets.get(i + PREFETCH_AHEAD) {
                        prefetch(batch.frame(&next.frame));
                    }
                    tracker.packet(&p.flow, batch.frame(&p.frame));
                }
                if let Some(stage) = &mut stage {
                    for (i, r) in batch.raw.iter().enumerate() {
                        // The frames were last touched by the reader's core: fetch the headers
                        // of a packet a few ahead while this one is processed.
                        if let Some(next) = batch.raw.get(i + PREFETCH_AHEAD) {
                            prefetch(batch.frame(&next.frame));
                        }
                        let frame = batch.frame(&r.frame);
                        let meta = FrameMeta {
                            ts: r.ts,
                            pcap_cnt: r.pcap_cnt,
                            link: r.link,
                            wire_len: r.wire_len as u64,
                        };
                        stage.packet(meta, frame, None, &mut |p, bytes, _| {
                            tracker.packet(&p, bytes)
                        });
                    }
                }
                tracker.advance_clock(batch.clock);
                batch.clear();
                // The reader may have finished and dropped its end: then the batch is just freed.
                let _ = recycle.try_send(batch);
            }
            WorkerMsg::Finish(clock) => {
                tracker.advance_clock(clock);
                let Tracker {
                    table, out, app, ..
                } = &mut tracker;
                table.flush(&mut |f, reason| end_flow(app, out, f, reason));
                break;
            }
        }
    }
    let mut stats = tracker.out.stats;
    tracker.out.sink.write_chunk(&tracker.out.buf);
    stats.packets = tracker.packets;
    stats.flows = tracker.table.stats();
    stats.decode = stage.map(|s| (s.stats, s.defrag_stats()));
    stats.app = tracker.app.as_ref().map(|a| a.stats()).unwrap_or_default();
    stats.alerts = tracker.app.as_ref().map_or(0, |a| a.alerts());
    stats
}
