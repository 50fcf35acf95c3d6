//! Decoding cost per frame.
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sensor::capture::LinkType;
use sensor::decode::decode;
use sensor_benches::{tcp_frame, vlan_udp6_frame};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    let tcp = tcp_frame([10, 0, 0, 1], 40000, [10, 0, 0, 2], 443, 0x18, 1400);
    g.bench_function("eth_ipv4_tcp", |b| {
        b.iter(|| decode(LinkType::Ethernet, black_box(&tcp)))
    });
    let udp6 = vlan_udp6_frame(100);
    g.bench_function("eth_vlan_ipv6_udp", |b| {
        b.iter(|| decode(LinkType::Ethernet, black_box(&udp6)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
