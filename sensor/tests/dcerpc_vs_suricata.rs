//! The DCE/RPC parser and the `dce_iface`, `dce_opnum`, `dce_stub_data` keywords (and the
//! byte keywords' `dce` order) against Suricata 7.0.10 on every DCE/RPC-over-TCP capture of
//! the corpus (Zeek's `dce-rpc` traces, the wide suite's `dcerpc*` cases): the same `dcerpc`
//! records (the whole object) and the same alerts per flow and signature of
//! `tests/data/dcerpc/dcerpc.rules`, pinned in `suricata-dcerpc.tsv` by `make_pins.py` there
//! (the test never runs Suricata). Every record the sensor writes is also checked against
//! Suricata's EVE schema.
//!
//! TCP flows whose handshake the capture lacks (pinned `M`) are compared like the others:
//! without `stream.midstream` neither Suricata nor the sensor (D43) parses them. Set apart:
//! flows Suricata parsed as SMB (pinned `S`): DCE/RPC over SMB named pipes, which the sensor
//! does not parse (SMB is only recognised), so Suricata alone alerts there.

mod common;

use std::collections::{BTreeMap, BTreeSet};

const PINS: &str = include_str!("data/dcerpc/suricata-dcerpc.tsv");
const RULES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/dcerpc/dcerpc.rules"
);

type Flow = (String, String, String);

#[test]
fn dcerpc_records_and_keywords_like_suricata() {
    let Some(corpus) = sensor::testutil::corpus_dir() else {
        return;
    };
    let pins: Vec<Vec<&str>> = PINS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').collect())
        .collect();
    let caps: BTreeSet<&str> = pins.iter().map(|p| p[1]).collect();
    assert!(caps.len() >= 20, "{caps:?}");
    // Flows set apart, either way round.
    let apart = |kind: &str| -> BTreeSet<Flow> {
        pins.iter()
            .filter(|p| p[0] == kind)
            .flat_map(|p| {
                let (c, a, b) = (p[1].to_string(), p[2].to_string(), p[3].to_string());
                [(c.clone(), a.clone(), b.clone()), (c, b, a)]
            })
            .collect()
    };
    let midstream = apart("M");
    let smb = apart("S");
    assert!(!smb.is_empty());
    let (out, _) = common::replay_like_suricata(RULES, caps.iter().map(|c| corpus.join(c)), true);
    // Every record, `dcerpc` ones included, within Suricata 7.0.10's EVE schema.
    let text = out.as_str();
    if let Some(n) = common::schema::validate_eve(text, "records of the DCE/RPC captures") {
        assert_eq!(n, text.lines().count());
    }
    let prefix = format!("{}/", corpus.display());
    let mut got: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut records: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut alerts: BTreeMap<(Flow, u64), u64> = BTreeMap::new();
    for line in out.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let cap = r["pcap_filename"]
            .as_str()
            .unwrap()
            .trim_start_matches(&prefix)
            .to_string();
        let flow = (cap, r["src_port"].to_string(), r["dest_port"].to_string());
        let kind = r["event_type"].as_str();
        match kind {
            Some("dcerpc") => {
                let obj = canon(&r["dcerpc"]);
                *records
                    .entry(vec!["R".into(), flow.0, flow.1, flow.2, obj])
                    .or_default() += 1;
            }
            Some("alert") => {
                // Suricata 7.0.10 writes no `dcerpc` object into a call's alerts.
                assert!(r.get("dcerpc").is_none(), "{line}");
                *alerts
                    .entry((flow, r["alert"]["signature_id"].as_u64().unwrap()))
                    .or_default() += 1;
            }
            _ => {}
        }
    }
    // A record may repeat within a flow (the same call id and sizes): count them.
    let mut want_records: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for p in pins.iter().filter(|p| p[0] == "R") {
        let mut key: Vec<String> = p.iter().map(|s| s.to_string()).collect();
        key[4] = canon(&serde_json::from_str(p[4]).unwrap());
        *want_records.entry(key).or_default() += 1;
    }
    for ((flow, sid), n) in alerts {
        got.insert(vec![
            "A".into(),
            flow.0,
            flow.1,
            flow.2,
            sid.to_string(),
            n.to_string(),
        ]);
    }
    let on_smb =
        |p: &&Vec<&str>| smb.contains(&(p[1].to_string(), p[2].to_string(), p[3].to_string()));
    assert!(pins.iter().filter(|p| p[0] == "A").any(|p| on_smb(&p)));
    let want: BTreeSet<Vec<String>> = pins
        .iter()
        .filter(|p| p[0] == "A" && !on_smb(p))
        .map(|p| p.iter().map(|s| s.to_string()).collect())
        .collect();
    assert!(want_records.values().sum::<u64>() >= 60);
    assert!(want.len() >= 280, "{} alert rows pinned", want.len());
    // mapi.pcap's calls without a handshake are among the compared flows.
    assert!(!midstream.is_empty());
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    let rec_diff: Vec<_> = want_records
        .iter()
        .filter(|(k, n)| records.get(*k) != Some(n))
        .chain(
            records
                .iter()
                .filter(|(k, _)| !want_records.contains_key(*k)),
        )
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && rec_diff.is_empty(),
        "Suricata only: {missing:#?}\nsensor only: {extra:#?}\nrecords differing: {rec_diff:#?}"
    );
}

/// A JSON value with its object keys sorted (the pins' order).
fn canon(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let sorted: BTreeMap<&String, String> = m.iter().map(|(k, v)| (k, canon(v))).collect();
            let inner: Vec<String> = sorted
                .iter()
                .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::Array(a) => {
            format!("[{}]", a.iter().map(canon).collect::<Vec<_>>().join(","))
        }
        other => other.to_string(),
    }
}
