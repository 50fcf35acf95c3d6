//! Application-layer parser costs: a TLS ClientHello (with JA3 and JA4), a whole TLS 1.2
//! handshake, and feeding encrypted payload after the handshake (which must cost nothing).
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sensor::app::tls::TlsParser;
use sensor::app::Direction::{ToClient, ToServer};

const CHROME_HELLO: &[u8] =
    include_bytes!("../sensor/src/app/tls/testdata/chrome-1250-tls-x25519-kyber.0.c2s.bin");
const TLS12_C2S: &[u8] = include_bytes!("../sensor/src/app/tls/testdata/tls1.2.0.c2s.bin");
const TLS12_S2C: &[u8] = include_bytes!("../sensor/src/app/tls/testdata/tls1.2.0.s2c.bin");

fn tls(c: &mut Criterion) {
    let mut g = c.benchmark_group("tls");
    g.throughput(Throughput::Elements(1));
    g.bench_function("client_hello_chrome_ja3_ja4", |b| {
        b.iter(|| {
            let mut p = TlsParser::new();
            p.feed(ToServer, black_box(CHROME_HELLO));
            black_box(p.record().ja4.clone())
        })
    });
    g.bench_function("handshake_tls12_with_certificate", |b| {
        b.iter(|| {
            let mut p = TlsParser::new();
            p.feed(ToServer, black_box(TLS12_C2S));
            p.feed(ToClient, black_box(TLS12_S2C));
            black_box(p.is_done())
        })
    });
    let mut done = TlsParser::new();
    done.feed(ToServer, TLS12_C2S);
    done.feed(ToClient, TLS12_S2C);
    assert!(done.is_done());
    let payload = vec![0x17u8; 1460];
    g.throughput(Throughput::Bytes(payload.len() as u64));
    g.bench_function("feed_after_handshake_1460_bytes", |b| {
        b.iter(|| done.feed(ToClient, black_box(&payload)))
    });
    g.finish();
}

criterion_group!(benches, tls);
criterion_main!(benches);
