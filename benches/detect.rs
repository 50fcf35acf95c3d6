//! Detection hot paths with a real rule set, each in isolation: the prefilter over ET Open's
//! own fast-pattern sets, rule verification, and the per-packet detection entry
//! (`Engine::inspect` on packets and stream chunks).
//!
//! `cargo bench -p sensor-benches --bench detect`. ET Open is read from
//! `../shared/corpus/et-open/et-open.rules` (or `ET_OPEN=FILE`); without it the shipped packs
//! stand in and the ET groups are skipped.
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sensor::decode::{Decoded, TcpHeader, UdpHeader, L4};
use sensor::detect::engine::{Engine, EngineConfig, FlowDetect, FlowFacts, Subject};
use sensor::detect::load::SHIPPED_RULES;
use sensor::detect::mpm::{Mpm, MultiPattern, Pattern, Scanner};
use sensor::detect::rule::{inspect, parse_rules, Buffer, Classifications, Protocol, Rule, Vars};
use sensor::time::Timestamp;

fn et_open() -> Option<(PathBuf, String)> {
    let path = std::env::var_os("ET_OPEN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/et-open/et-open.rules")
        });
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

fn shipped() -> Vec<(PathBuf, String)> {
    SHIPPED_RULES
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect()
}

/// Deterministic bytes: `text` gives HTTP-like traffic, otherwise encrypted-looking noise.
fn haystack(len: usize, text: bool) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut h = Vec::with_capacity(len + 512);
    while h.len() < len {
        if text {
            let n = next();
            h.extend_from_slice(
                format!(
                    "GET /static/{:x}/app.js?v={} HTTP/1.1\r\nHost: cdn{}.county.example.gov\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\nCookie: s={:x}\r\n\r\n",
                    n & 0xffff,
                    n >> 48,
                    n % 7,
                    n >> 20
                )
                .as_bytes(),
            );
        } else {
            h.extend_from_slice(&next().to_le_bytes());
        }
    }
    h.truncate(len);
    h
}

/// ET Open's fast patterns by buffer, as the engine would prefilter them (ids = rule index).
fn fast_patterns(rules: &[Rule], buffer: Buffer) -> Vec<Pattern> {
    rules
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let fp = r.fast_pattern.as_ref()?;
            (fp.buffer == buffer && !fp.negated && !fp.pattern.is_empty())
                .then(|| Pattern::new(fp.pattern.clone(), fp.nocase, i as u32))
        })
        .collect()
}

fn prefilter(c: &mut Criterion) {
    let Some((path, text)) = et_open() else {
        eprintln!("ET Open not found: prefilter benchmarks skipped");
        return;
    };
    let (rules, _) = parse_rules(&text, &path, &Vars::default());
    let mut g = c.benchmark_group("prefilter_et_open");
    let text_hay = haystack(256 << 10, true);
    let noise_hay = haystack(256 << 10, false);
    // Whole buffers, and the payload patterns of UDP and of TCP rules (about the size of
    // one port group's set: the bigram filter).
    let proto = |p: Protocol| {
        let rules = &rules;
        move |i: &Pattern| rules[i.id as usize].header.protocol == p
    };
    for (name, buffer, keep) in [
        ("payload", Buffer::Payload, None),
        ("payload_udp", Buffer::Payload, Some(proto(Protocol::Udp))),
        ("payload_tcp", Buffer::Payload, Some(proto(Protocol::Tcp))),
        ("http_uri", Buffer::HttpUri, None),
        ("http_host", Buffer::HttpHost, None),
        ("dns_query", Buffer::DnsQuery, None),
    ] {
        let mut pats = fast_patterns(&rules, buffer);
        if let Some(keep) = keep {
            pats.retain(keep);
        }
        let mpm = Mpm::build(&pats).expect("pattern set");
        let mut scanner = mpm.scanner();
        for (kind, hay) in [("text", &text_hay), ("noise", &noise_hay)] {
            g.throughput(Throughput::Bytes(hay.len() as u64));
            g.bench_function(format!("{name}_{}pats_{kind}", pats.len()), |b| {
                b.iter(|| {
                    let mut n = 0u32;
                    // Packet-sized scans, as the engine makes them.
                    for chunk in hay.chunks(1400) {
                        scanner.scan(chunk, &mut |_| n += 1);
                    }
                    black_box(n)
                })
            });
        }
    }
    g.finish();
}

fn verification(c: &mut Criterion) {
    let Some((path, text)) = et_open() else {
        eprintln!("ET Open not found: verification benchmarks skipped");
        return;
    };
    let (rules, _) = parse_rules(&text, &path, &Vars::default());
    // Rules with payload matchers: each verified against one HTTP-like packet, as if the
    // prefilter had made every one of them a candidate.
    let payload: Vec<_> = rules
        .iter()
        .flat_map(|r| r.buffers.iter().filter(|b| b.buffer == Buffer::Payload))
        .collect();
    let packet = haystack(1400, true);
    let mut g = c.benchmark_group("verify_et_open");
    g.throughput(Throughput::Elements(payload.len() as u64));
    g.bench_function(
        format!("payload_rules_{}_on_http_packet", payload.len()),
        |b| {
            b.iter(|| {
                payload
                    .iter()
                    .filter(|m| inspect(black_box(&packet), &m.matchers))
                    .count()
            })
        },
    );
    g.finish();
}

fn entry(c: &mut Criterion) {
    let mut sources = shipped();
    let label = match et_open() {
        Some(et) => {
            sources.insert(0, et);
            "et_shipped"
        }
        None => "shipped",
    };
    let (engine, _) = Engine::build(
        &sources,
        &Vars::default(),
        &Classifications::builtin(),
        EngineConfig::default(),
    );
    let mut ctx = engine.context();
    let client: IpAddr = "10.1.2.3".parse().unwrap();
    let server: IpAddr = "203.0.113.7".parse().unwrap();
    let facts = |proto: u8, port: u16| FlowFacts {
        client: (client, 40000),
        server: (server, port),
        proto,
        established: true,
        midstream_established: false,
        app: None,
        tcp_base_seq: [None; 2],
        age: Some(0),
    };
    let tcp = Decoded {
        src: client,
        dst: server,
        ip_proto: 6,
        ttl: 64,
        l4: L4::Tcp(TcpHeader {
            src_port: 40000,
            dst_port: 80,
            flags: 0x18,
            ..Default::default()
        }),
        ..Default::default()
    };
    let udp = Decoded {
        src: client,
        dst: server,
        ip_proto: 17,
        ttl: 64,
        l4: L4::Udp(UdpHeader {
            src_port: 40000,
            dst_port: 443,
            length: 1208,
        }),
        ..Default::default()
    };
    let http = haystack(1400, true);
    let noise = haystack(1200, false);
    let tcp_facts = facts(6, 80);
    let udp_facts = facts(17, 443);
    let mut g = c.benchmark_group(format!("detect_entry_{label}"));
    let mut fd = FlowDetect::default();
    g.throughput(Throughput::Bytes(http.len() as u64));
    g.bench_function("tcp_packet_http_1400", |b| {
        let s = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &tcp,
            payload: &http,
            dir: 0,
        };
        b.iter(|| {
            let mut n = 0;
            engine.inspect(
                &mut ctx,
                &s,
                &tcp_facts,
                &mut fd,
                Timestamp::ZERO,
                &mut |_, _| n += 1,
            );
            n
        })
    });
    g.bench_function("tcp_stream_http_1400", |b| {
        let s = Subject::Stream {
            data: &http,
            dir: 0,
            seen: 0,
            offset: 0,
            lone: false,
        };
        b.iter(|| {
            let mut n = 0;
            engine.inspect(
                &mut ctx,
                &s,
                &tcp_facts,
                &mut fd,
                Timestamp::ZERO,
                &mut |_, _| n += 1,
            );
            n
        })
    });
    g.throughput(Throughput::Bytes(noise.len() as u64));
    let mut ufd = FlowDetect::default();
    g.bench_function("udp_packet_noise_1200", |b| {
        let s = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &udp,
            payload: &noise,
            dir: 0,
        };
        b.iter(|| {
            let mut n = 0;
            engine.inspect(
                &mut ctx,
                &s,
                &udp_facts,
                &mut ufd,
                Timestamp::ZERO,
                &mut |_, _| n += 1,
            );
            n
        })
    });
    let mut efd = FlowDetect::default();
    efd.stop_payload_inspection();
    g.bench_function("tcp_packet_encrypted_flow_1200", |b| {
        let s = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &tcp,
            payload: &noise,
            dir: 0,
        };
        b.iter(|| {
            let mut n = 0;
            engine.inspect(
                &mut ctx,
                &s,
                &tcp_facts,
                &mut efd,
                Timestamp::ZERO,
                &mut |_, _| n += 1,
            );
            n
        })
    });
    g.finish();
}

criterion_group!(benches, prefilter, verification, entry);
criterion_main!(benches);
