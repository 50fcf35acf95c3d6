//! The SSH parser and the `ssh.*` keywords against Suricata 7.0.10 on the corpus's SSH
//! captures (Zeek's SSH traces, two mixed ones, the behaviour corpus's brute force): the same
//! `ssh` records (each side's protocol and software version, per flow) and the same alerts per
//! signature of `tests/data/ssh/ssh.rules`, pinned in `suricata-ssh.tsv` by `make_pins.py`
//! there (the test never runs Suricata).
//!
//! The two half-duplex captures (one direction of each session only) are compared too:
//! neither Suricata nor the sensor (D43) lets such a session past its handshake, so neither
//! parses it, and packet rules see its payload.

use std::collections::{BTreeMap, BTreeSet};
mod common;

const PINS: &str = include_str!("data/ssh/suricata-ssh.tsv");
const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ssh/ssh.rules");

#[test]
fn ssh_records_and_keywords_like_suricata() {
    let Some(corpus) = sensor::testutil::corpus_dir() else {
        return;
    };
    let pins: Vec<Vec<&str>> = PINS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    let mut caps: BTreeSet<String> = pins.iter().map(|p| p[1].to_string()).collect();
    for e in std::fs::read_dir(corpus.join("zeek-traces/ssh")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".pcap") {
            caps.insert(format!("zeek-traces/ssh/{name}"));
        }
    }
    let caps: Vec<String> = caps.into_iter().collect();
    assert!(caps.len() >= 19, "{caps:?}");
    let (eve, _) = common::replay_like_suricata(RULES, caps.iter().map(|c| corpus.join(c)), true);
    let prefix = format!("{}/", corpus.display());
    let mut got: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut alerts: BTreeMap<(String, u64), u64> = BTreeMap::new();
    for line in eve.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let cap = r["pcap_filename"]
            .as_str()
            .unwrap()
            .trim_start_matches(&prefix)
            .to_string();
        match r["event_type"].as_str() {
            Some("ssh") => {
                let side = |n: &str| {
                    let s = &r["ssh"][n];
                    match s["proto_version"].as_str() {
                        Some(p) => [
                            p.to_string(),
                            s["software_version"].as_str().unwrap().to_string(),
                        ],
                        None => ["-".to_string(), "-".to_string()],
                    }
                };
                let mut row = vec![
                    "R".to_string(),
                    cap,
                    r["src_ip"].as_str().unwrap().to_string(),
                    r["src_port"].to_string(),
                    r["dest_ip"].as_str().unwrap().to_string(),
                    r["dest_port"].to_string(),
                ];
                row.extend(side("client"));
                row.extend(side("server"));
                got.insert(row);
            }
            Some("alert") => {
                *alerts
                    .entry((cap, r["alert"]["signature_id"].as_u64().unwrap()))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    for ((cap, sid), n) in alerts {
        got.insert(vec!["A".into(), cap, sid.to_string(), n.to_string()]);
    }
    let want: BTreeSet<Vec<String>> = pins
        .iter()
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect();
    let records = want.iter().filter(|r| r[0] == "R").count();
    assert!(records >= 100, "{records} ssh records pinned");
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "Suricata only: {missing:#?}\nsensor only: {extra:#?}"
    );
}

/// Suricata's shipped `ssh-events.rules` on built sessions (`tests/data/ssh/events.py`: a
/// server's line before its identification, a client's and a server's line over 255 bytes, a
/// line without a software part, a packet length too short for its header, a 4 GiB packet
/// length Suricata accepts, LF-only lines, a clean control): the same alerts as Suricata
/// 7.0.10, each event once from each side as Suricata inspects a transaction's events.
#[test]
fn ssh_event_rules_like_suricata() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ssh/");
    let (eve, _) = common::replay_like_suricata(
        format!("{dir}ssh-events.rules"),
        [format!("{dir}events.pcap")],
        false,
    );
    let mut got: Vec<String> = eve
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["event_type"] == "alert")
        .map(|r| {
            format!(
                "{}\t{}\t{}",
                r["src_ip"].as_str().unwrap(),
                r["dest_ip"].as_str().unwrap(),
                r["alert"]["signature_id"]
            )
        })
        .collect();
    got.sort();
    let want: Vec<&str> = include_str!("data/ssh/events-suricata.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(want.len(), 10);
    assert_eq!(got, want);
}
