//! A worker: owns one shard of the flow table and everything downstream of it for the flows the
//! dispatcher sends it.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::batch::Batch;
use crate::flow::{EndReason, Flow, FlowTable, FlowTableConfig, FlowTableStats};
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
    }
}

/// Output side of a worker: buffers records and hands full chunks to the sink.
struct Output {
    buf: Vec<u8>,
    sink: Arc<EveSink>,
    stats: WorkerStats,
}

impl Output {
    fn flow_ended(&mut self, flow: &Flow, reason: EndReason) {
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

pub fn run(
    config: FlowTableConfig,
    input: Receiver<WorkerMsg>,
    recycle: Sender<Batch>,
    sink: Arc<EveSink>,
) -> WorkerStats {
    let mut table = FlowTable::new(config);
    let mut out = Output {
        buf: Vec::with_capacity(CHUNK_BYTES * 2),
        sink,
        stats: WorkerStats::default(),
    };
    let mut on_end = |f: &mut Flow, r: EndReason| out.flow_ended(f, r);
    let mut packets = 0u64;
    while let Ok(msg) = input.recv() {
        match msg {
            WorkerMsg::Batch(mut batch) => {
                for p in &batch.packets {
                    table.process(&p.flow, &mut on_end);
                }
                packets += batch.packets.len() as u64;
                table.advance_clock(batch.clock, &mut on_end);
                batch.clear();
                // The reader may have finished and dropped its end: then the batch is just freed.
                let _ = recycle.try_send(batch);
            }
            WorkerMsg::Finish(clock) => {
                table.advance_clock(clock, &mut on_end);
                table.flush(&mut on_end);
                break;
            }
        }
    }
    let flows = table.stats();
    out.sink.write_chunk(&out.buf);
    out.stats.packets = packets;
    out.stats.flows = flows;
    out.stats
}
