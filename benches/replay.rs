//! Whole replay of an in-memory capture: decode, dispatch, flow tracking and EVE output.
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sensor::counters::{Registry, SensorInfo};
use sensor::output::file::FileSink;
use sensor::output::sink::Outputs;
use sensor::pipeline::{self, ReplayConfig};
use sensor_benches::{mixed_capture, MemorySource};

fn bench(c: &mut Criterion) {
    let packets = mixed_capture(2_000, 100);
    let bytes: u64 = packets.iter().map(|(_, f)| f.len() as u64).sum();
    let mut g = c.benchmark_group("replay");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    for workers in [1usize, 2] {
        g.bench_function(format!("mixed_200k_pkts_{workers}_workers"), |b| {
            b.iter(|| {
                let mut src = MemorySource::new(&packets);
                let sink = Arc::new(Outputs::single(FileSink::from_writer(
                    "null",
                    Box::new(std::io::sink()),
                )));
                let config = ReplayConfig {
                    workers,
                    ..Default::default()
                };
                let registry = Arc::new(Registry::new(
                    SensorInfo::default(),
                    workers,
                    sink.clone(),
                    None,
                    config.flow.max_flows as u64,
                ));
                let (stats, fatal) =
                    pipeline::run(&mut src, &config, sink, registry, &mut |_| {}, &mut |_| {});
                assert!(fatal.is_none());
                stats
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
