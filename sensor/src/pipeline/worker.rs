//! A worker: owns one shard of the flow table and everything downstream of it for the flows the
//! dispatcher sends it.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::batch::Batch;
use super::decode_stage::DecodeStage;
use super::stats::DecodeStats;
use crate::decode::{DefragConfig, DefragStats};
use crate::flow::{EndReason, Flow, FlowPacket, FlowTable, FlowTableConfig, FlowTableStats};
use crate::output::eve;
use crate::output::sink::{EveSink, CHUNK_BYTES};
use crate::time::Timestamp;

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
    fn flow_ended(&mut self, flow: &mut Flow, reason: EndReason) {
        match flow.key.proto {
            6 => self.stats.flows_tcp += 1,
            17 => self.stats.flows_udp += 1,
            1 | 58 => self.stats.flows_icmp += 1,
            _ => self.stats.flows_other += 1,
        }
        eve::write_flow(&mut self.buf, flow, reason, None);
        self.stats.records += 1;
        if self.buf.len() >= CHUNK_BYTES {
            self.sink.write_chunk(&self.buf);
            self.buf.clear();
        }
    }
}

/// The per-packet work after decoding.
struct Tracker {
    table: FlowTable,
    out: Output,
    packets: u64,
}

impl Tracker {
    #[inline]
    fn packet(&mut self, p: &FlowPacket, _frame: &[u8]) {
        let out = &mut self.out;
        self.table.process(p, &mut |f, r| out.flow_ended(f, r));
        self.packets += 1;
    }

    fn advance_clock(&mut self, clock: Timestamp) {
        let out = &mut self.out;
        self.table
            .advance_clock(clock, &mut |f, r| out.flow_ended(f, r));
    }
}

/// Runs a worker until its input ends. With `decode` set, the worker decodes the raw packets
/// it is sent (single-worker runs).
pub fn run(
    config: FlowTableConfig,
    decode: Option<DefragConfig>,
    input: Receiver<WorkerMsg>,
    recycle: Sender<Batch>,
    sink: Arc<EveSink>,
) -> WorkerStats {
    let mut tracker = Tracker {
        table: FlowTable::new(config),
        out: Output {
            buf: Vec::with_capacity(CHUNK_BYTES * 2),
            sink,
            stats: WorkerStats::default(),
        },
        packets: 0,
    };
    let mut stage = decode.map(DecodeStage::new);
    while let Ok(msg) = input.recv() {
        match msg {
            WorkerMsg::Batch(mut batch) => {
                for p in &batch.packets {
                    tracker.packet(&p.flow, batch.frame(&p.frame));
                }
                if let Some(stage) = &mut stage {
                    for r in &batch.raw {
                        let frame = batch.frame(&r.frame);
                        stage.packet(
                            r.ts,
                            r.link,
                            frame,
                            None,
                            r.wire_len as u64,
                            &mut |p, bytes, _| tracker.packet(&p, bytes),
                        );
                    }
                }
                tracker.advance_clock(batch.clock);
                batch.clear();
                // The reader may have finished and dropped its end: then the batch is just freed.
                let _ = recycle.try_send(batch);
            }
            WorkerMsg::Finish(clock) => {
                tracker.advance_clock(clock);
                let out = &mut tracker.out;
                tracker.table.flush(&mut |f, r| out.flow_ended(f, r));
                break;
            }
        }
    }
    let mut stats = tracker.out.stats;
    tracker.out.sink.write_chunk(&tracker.out.buf);
    stats.packets = tracker.packets;
    stats.flows = tracker.table.stats();
    stats.decode = stage.map(|s| (s.stats, s.defrag_stats()));
    stats
}
