//! Flow table cost: lookups of existing flows, and inserts of new ones (with eviction at the cap).
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use sensor::capture::LinkType;
use sensor::decode::{decode, DecodeOutcome};
use sensor::flow::{FlowPacket, FlowTable, FlowTableConfig};
use sensor::time::Timestamp;
use sensor_benches::tcp_frame;

fn packets(n: u32) -> Vec<FlowPacket> {
    (0..n)
        .map(|i| {
            let f = tcp_frame(
                [10, 10, (i >> 16) as u8, (i >> 8) as u8],
                (i & 0xff) as u16 + 1024,
                [198, 51, 100, 7],
                443,
                0x10,
                0,
            );
            let Ok(DecodeOutcome::Ip(d)) = decode(LinkType::Ethernet, &f) else {
                panic!("bench frame must decode")
            };
            FlowPacket::new(Timestamp::from_secs_nanos(1_793_710_800, i), 60, d)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("flow_table");
    let pkts = packets(100_000);
    g.throughput(Throughput::Elements(pkts.len() as u64));
    g.bench_function("lookup_existing_100k_flows", |b| {
        let mut table = FlowTable::<()>::new(FlowTableConfig::default());
        for p in &pkts {
            table.process(p, &mut |_, _| {});
        }
        b.iter(|| {
            for p in &pkts {
                black_box(table.process(p, &mut |_, _| {}));
            }
        })
    });
    g.bench_function("insert_100k_new_flows", |b| {
        b.iter_batched(
            || FlowTable::<()>::new(FlowTableConfig::default()),
            |mut table| {
                for p in &pkts {
                    black_box(table.process(p, &mut |_, _| {}));
                }
                table
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("insert_100k_at_cap_10k", |b| {
        b.iter_batched(
            || {
                FlowTable::<()>::new(FlowTableConfig {
                    max_flows: 10_000,
                    ..Default::default()
                })
            },
            |mut table| {
                for p in &pkts {
                    black_box(table.process(p, &mut |_, _| {}));
                }
                table
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
