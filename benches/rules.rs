//! Rule loading: parsing 20,000 generated indicator-style rules, and building the engine from
//! Emerging Threats Open when the corpus is present (`$SENSOR_CORPUS_DIR` or
//! `../shared/corpus`). Suricata 7.0.10 takes 10-13 s to load ET Open on the same machine.
//!
//! `cargo bench -p sensor-benches --bench rules`
use std::fmt::Write;
use std::path::{Path, PathBuf};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sensor::detect::engine::{Engine, EngineConfig};
use sensor::detect::rule::{parse_rules, Classifications, Vars};

/// DNS, TLS SNI, HTTP host, IP and JA3 indicator rules, as feeds write them.
fn generated_rules(n: usize) -> String {
    let mut s = String::with_capacity(n * 160);
    for i in 0..n {
        let sid = 1_000_000 + i;
        let dom = format!("host{i}.example{}.org", i % 97);
        let line = match i % 5 {
            0 => format!(r#"alert dns $HOME_NET any -> any any (msg:"DNS {dom}"; dns.query; content:"{dom}"; nocase; sid:{sid}; rev:1;)"#),
            1 => format!(r#"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"SNI {dom}"; flow:established,to_server; tls.sni; dotprefix; content:".{dom}"; endswith; sid:{sid}; rev:1;)"#),
            2 => format!(r#"alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"Host {dom}"; flow:to_server; http.host; content:"{dom}"; bsize:{}; sid:{sid}; rev:1;)"#, dom.len()),
            3 => format!(
                "alert ip $HOME_NET any -> [{}.{}.{}.0/24] any (msg:\"IP\"; threshold:type limit,track by_src,count 1,seconds 60; sid:{sid}; rev:1;)",
                11 + i % 200, (i / 200) % 250, i % 250
            ),
            _ => format!(r#"alert tls any any -> any any (msg:"JA3"; ja3.hash; content:"{:032x}"; sid:{sid}; rev:1;)"#, i as u128 * 0x9e37_79b9_7f4a_7c15),
        };
        let _ = writeln!(s, "{line}");
    }
    s
}

fn et_open() -> Option<(PathBuf, String)> {
    let dir = std::env::var_os("SENSOR_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    let path = dir.join("et-open/et-open.rules");
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("rules");
    g.sample_size(10);
    let text = generated_rules(20_000);
    g.bench_function("parse_20k_generated", |b| {
        b.iter(|| black_box(parse_rules(&text, Path::new("gen.rules"), &Vars::default())))
    });
    if let Some(source) = et_open() {
        let sources = [source];
        let classes = Classifications::builtin();
        g.bench_function("engine_build_et_open", |b| {
            b.iter(|| {
                black_box(Engine::build(
                    &sources,
                    &Vars::default(),
                    &classes,
                    EngineConfig::default(),
                ))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
