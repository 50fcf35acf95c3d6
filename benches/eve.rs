//! EVE record writing: flow records (what a SYN flood writes one of per packet), alert records,
//! and the timestamp text alone. Records go into a reused buffer, as a worker writes them.
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sensor::capture::LinkType;
use sensor::decode::{decode, DecodeOutcome};
use sensor::flow::{EndReason, Endpoints, FlowPacket, FlowTable, FlowTableConfig};
use sensor::output::eve::{self, AlertContext, AlertFields, FlowIdent};
use sensor::time::Timestamp;
use sensor_benches::tcp_frame;

const FLOWS: u32 = 10_000;

/// A table of `FLOWS` flood-like flows (one SYN each, from distinct sources, 10 µs apart) and
/// their slots.
fn syn_flows() -> (FlowTable<()>, Vec<u32>) {
    let mut table = FlowTable::<()>::new(FlowTableConfig::default());
    let mut slots = Vec::with_capacity(FLOWS as usize);
    for i in 0..FLOWS {
        let f = tcp_frame(
            [
                (11 + (i >> 24)) as u8,
                (i >> 16) as u8,
                (i >> 8) as u8,
                i as u8,
            ],
            (i.wrapping_mul(7919) & 0xffff) as u16 | 1024,
            [198, 51, 100, 7],
            if i % 7 == 0 { 80 } else { 443 },
            0x02,
            0,
        );
        let Ok(DecodeOutcome::Ip(d)) = decode(LinkType::Ethernet, &f) else {
            panic!("bench frame must decode")
        };
        let p = FlowPacket::new(Timestamp::from_secs_nanos(1_793_710_800, i * 10_000), 60, d);
        slots.push(table.process(&p, &mut |_, _| {}).slot);
    }
    (table, slots)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("eve");
    let (table, slots) = syn_flows();
    let mut out = Vec::with_capacity(8 << 20);
    g.throughput(Throughput::Elements(slots.len() as u64));
    g.bench_function("flow_record_10k_syn_flows", |b| {
        b.iter(|| {
            out.clear();
            for &s in &slots {
                let flow = table.get(s).expect("flow in table");
                eve::write_flow(&mut out, flow, EndReason::Forced, None, false);
            }
            black_box(out.len())
        })
    });

    let metadata = vec![
        ("mitre_technique_id".to_string(), "T1190".to_string()),
        ("signature_severity".to_string(), "Major".to_string()),
    ];
    let alert = AlertFields {
        action: "allowed",
        gid: 1,
        signature_id: 9_000_001,
        rev: 2,
        signature: "ELECTION SQL injection attempt on the results portal",
        category: "Web Application Attack",
        severity: 1,
        metadata: &metadata,
        target: None,
    };
    let cx = AlertContext {
        app_proto: Some("http"),
        community_id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
        app_object: None,
    };
    g.bench_function("alert_record_10k", |b| {
        b.iter(|| {
            out.clear();
            for i in 0..FLOWS {
                let ident = FlowIdent {
                    flow_id: Some(1_234_567_890_123 + i as u64),
                    pcap_cnt: Some(i as u64 * 3),
                    vlan: [0, 0],
                    endpoints: Endpoints {
                        src: [10, 1, (i >> 8) as u8, i as u8].into(),
                        dst: [198, 51, 100, 7].into(),
                        src_port: 40_000 + (i & 0x3fff) as u16,
                        dst_port: 80,
                    },
                    proto: 6,
                    icmp: None,
                };
                let ts = Timestamp::from_secs_nanos(1_793_710_800 + (i / 1000) as u64, i * 997);
                eve::write_alert(&mut out, ts, &ident, false, &alert, &cx);
            }
            black_box(out.len())
        })
    });

    g.bench_function("timestamp_10k", |b| {
        b.iter(|| {
            out.clear();
            for i in 0..FLOWS {
                // 100 per second of packet time, as a busy link's flow starts.
                Timestamp::from_secs_nanos(1_793_710_800 + (i / 100) as u64, i * 10_007)
                    .write_eve(&mut out);
            }
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
