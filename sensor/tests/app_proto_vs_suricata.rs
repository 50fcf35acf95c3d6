//! Per-flow `app_proto` (EVE `flow` records) against Suricata 7.0.10's on every capture of the
//! corpora (Zeek's traces, the behaviour corpus, suricata-verify and its wide set, the
//! Community ID captures), the committed `pcaps/` and two captures made for this test
//! (`tests/data/proto/make_captures.py`: one flow per recognised protocol and look-alikes on
//! other ports; SOCKS 4/5 tunnels). Suricata's records are pinned in
//! `tests/data/proto/suricata-flows.txt`; the test never runs Suricata.
//!
//! Every flow Suricata parsed must have its `app_proto`, except the differences listed with
//! their reason in `tests/data/proto/known-differences.txt` (a listed difference that no
//! longer occurs fails too: the list stays exact). Flows Suricata did not track (no handshake
//! seen: it runs without `stream.midstream`, the sensor picks them up) are counted, not
//! compared. Without the corpus only the committed captures run.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const PINS: &str = include_str!("data/proto/suricata-flows.txt");
const KNOWN: &str = include_str!("data/proto/known-differences.txt");

/// One pinned flow: its line (proto, endpoints, start), Suricata's `app_proto`, and whether
/// Suricata tracked the session.
struct Pin<'a> {
    key: &'a str,
    app: &'a str,
    untracked: bool,
}

fn pins() -> Vec<(&'static str, Vec<Pin<'static>>)> {
    let mut out: Vec<(&str, Vec<Pin>)> = Vec::new();
    for line in PINS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if let Some(cap) = line.strip_prefix("= ") {
            out.push((cap, Vec::new()));
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        let key_len = f[..4].iter().map(|s| s.len() + 1).sum::<usize>() - 1;
        out.last_mut().unwrap().1.push(Pin {
            key: &line[..key_len],
            app: f[4],
            untracked: f.len() > 5,
        });
    }
    out
}

fn path_of(cap: &str, corpus: Option<&Path>) -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if cap.starts_with("tests/") {
        Some(manifest.join(cap))
    } else if cap.starts_with("pcaps/") {
        Some(manifest.join("..").join(cap))
    } else {
        corpus.map(|c| c.join(cap))
    }
}

/// The sensor's flows of one capture: key (as pinned) to the `app_proto` of each flow.
fn sensor_flows(pcap: &Path, rules: &Path) -> HashMap<String, Vec<String>> {
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "replay",
            "-q",
            "--workers",
            "1",
            "--signatures-only",
            "--no-behaviour",
        ])
        .args(["--eve", "-", "--rules"])
        .arg(rules)
        .arg(pcap)
        .output()
        .unwrap();
    let mut flows: HashMap<String, Vec<String>> = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["event_type"] != "flow" {
            continue;
        }
        let end = |ip: &str, port: &str| format!("{}|{}", v[ip].as_str().unwrap_or(""), v[port]);
        let mut ends = [end("src_ip", "src_port"), end("dest_ip", "dest_port")];
        ends.sort();
        let start = v["flow"]["start"].as_str().unwrap_or("");
        let key = format!(
            "{} {} {} {}",
            v["proto"].as_str().unwrap_or(""),
            ends[0],
            ends[1],
            start.trim_end_matches("+0000")
        );
        let app = v["app_proto"].as_str().unwrap_or("none").to_string();
        flows.entry(key).or_default().push(app);
    }
    flows
}

#[test]
fn app_proto_like_suricata() {
    let corpus = sensor::testutil::corpus_dir();
    let dir = std::env::temp_dir().join(format!("sensor-app-proto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("empty.rules");
    std::fs::write(&rules, "").unwrap();
    let known: HashMap<String, &str> = KNOWN
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (diff, reason) = l.rsplit_once('\t').unwrap();
            (diff.to_string(), reason)
        })
        .collect();
    let jobs: Vec<(&str, Vec<Pin>, PathBuf)> = pins()
        .into_iter()
        .filter_map(|(cap, flows)| Some((cap, flows, path_of(cap, corpus.as_deref())?)))
        .collect();
    // Two threads: each capture is a short run of its own.
    let results: Vec<HashMap<String, Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2).max(1))
            .map(|part| {
                let rules = &rules;
                s.spawn(move || {
                    part.iter()
                        .map(|(_, _, p)| sensor_flows(p, rules))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut agree: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut untracked = 0;
    let mut unexplained = Vec::new();
    let mut seen_known = HashSet::new();
    for ((cap, flows, _), got) in jobs.iter().zip(&results) {
        let mut taken: HashMap<&str, usize> = HashMap::new();
        for pin in flows {
            if pin.untracked {
                untracked += 1;
                continue;
            }
            let i = taken.entry(pin.key).or_default();
            let have = got
                .get(pin.key)
                .and_then(|v| v.get(*i))
                .map_or("missing", String::as_str);
            *i += 1;
            let e = agree.entry(pin.app).or_default();
            e.1 += 1;
            if have == pin.app {
                e.0 += 1;
                continue;
            }
            let diff = format!("{cap}\t{}\t{} -> {have}", pin.key, pin.app);
            if known.contains_key(&diff) {
                seen_known.insert(diff);
            } else {
                unexplained.push(diff);
            }
        }
    }
    let mut table = String::new();
    for (p, (ok, all)) in &agree {
        table.push_str(&format!("  {p:10} {ok:5}/{all:5}\n"));
    }
    let (ok, all) = agree.values().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    eprintln!(
        "app_proto equal to Suricata's on {ok} of {all} flows it parsed ({untracked} it did not \
         track left out), by Suricata's app_proto:\n{table}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        unexplained.is_empty(),
        "{} flows differ from Suricata without a known reason:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    if corpus.is_some() {
        let stale: Vec<_> = known.keys().filter(|k| !seen_known.contains(*k)).collect();
        assert!(
            stale.is_empty(),
            "listed differences that no longer occur (remove them): {stale:#?}"
        );
    }
}

/// Rules naming a recognised protocol (header or `app-layer-protocol` with content) on the
/// built capture alert as Suricata 7.0.10's do (`suricata -r recognise.pcap -k none -S
/// recognised.rules`): sid and count.
const RECOGNISED_RULES_SURICATA: &[(u64, usize)] = &[
    (1, 4),
    (2, 6),
    (3, 2),
    (4, 2),
    (5, 1),
    (6, 3),
    (7, 4),
    (8, 1),
    (9, 2),
    (10, 2),
    (11, 2),
    (12, 2),
    (13, 2),
    (14, 1),
    (15, 1),
    (18, 3),
    (19, 6),
    (20, 1),
];

#[test]
fn recognised_protocol_rules_alert_like_suricata() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/proto");
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "replay",
            "-q",
            "--workers",
            "1",
            "--signatures-only",
            "--no-behaviour",
        ])
        .args(["--eve", "-", "--rules"])
        .arg(data.join("recognised.rules"))
        .arg(data.join("recognise.pcap"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: BTreeMap<u64, usize> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["event_type"] == "alert" {
            *got.entry(v["alert"]["signature_id"].as_u64().unwrap())
                .or_default() += 1;
        }
    }
    let want: BTreeMap<u64, usize> = RECOGNISED_RULES_SURICATA.iter().copied().collect();
    assert_eq!(got, want);
}
