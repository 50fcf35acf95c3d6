//! ET Open plus the shipped packs raise Suricata 7.0.10's alerts (signature, source,
//! destination, count) on every capture of the committed `pcaps/` and of the public corpus
//! (behaviour-real, community-id, Zeek's traces, suricata-verify and its wide set: 1,607
//! captures), each replayed on its own (`replay --each`, as Suricata's unix-socket
//! `pcap-file`; `-k none`, one worker).
//!
//! Suricata's alerts are pinned in `tests/data/et-corpus/et-alerts.tsv` by `make_pins.py`
//! there; the test never runs Suricata. Every difference must be listed with its reason in
//! `et-differences.tsv`, and a listed difference that no longer occurs fails too, so the list
//! stays exact. Without the corpus only the committed captures run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const PINS: &str = include_str!("data/et-corpus/et-alerts.tsv");
const KNOWN: &str = include_str!("data/et-corpus/et-differences.tsv");

/// (capture, sid, src, dst) -> alerts.
type Alerts = BTreeMap<(String, u32, String, String), u64>;

fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

/// Suricata's alerts and every capture it read.
fn pinned() -> (Vec<String>, Alerts) {
    let (mut caps, mut alerts) = (Vec::new(), Alerts::new());
    for f in rows(PINS) {
        if caps.last() != Some(&f[0].to_string()) {
            caps.push(f[0].to_string());
        }
        if f.len() == 5 {
            let key = (f[0].into(), f[1].parse().unwrap(), f[2].into(), f[3].into());
            alerts.insert(key, f[4].parse().unwrap());
        }
    }
    (caps, alerts)
}

/// Listed differences: (capture, sid, src, dst) -> (Suricata's count, the sensor's count).
fn known() -> BTreeMap<(String, u32, String, String), (u64, u64)> {
    rows(KNOWN)
        .map(|f| {
            assert!(
                f.len() >= 7 && !f[6].trim().is_empty(),
                "difference without a reason: {f:?}"
            );
            let key = (f[0].into(), f[1].parse().unwrap(), f[2].into(), f[3].into());
            (key, (f[4].parse().unwrap(), f[5].parse().unwrap()))
        })
        .collect()
}

fn path_of(cap: &str, corpus: Option<&Path>) -> Option<PathBuf> {
    match cap.strip_prefix("pcaps/") {
        Some(_) => Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(cap)),
        None => corpus.map(|c| c.join(cap)),
    }
}

#[test]
fn et_open_alerts_like_suricata_on_every_capture() {
    let corpus = sensor::testutil::corpus_dir();
    let (caps, want_all) = pinned();
    assert!(
        caps.len() >= 1600 || corpus.is_none(),
        "{} captures pinned",
        caps.len()
    );
    let mut run: Vec<(String, PathBuf)> = Vec::new();
    for cap in &caps {
        if let Some(p) = path_of(cap, corpus.as_deref()) {
            assert!(p.is_file(), "{} is missing", p.display());
            run.push((cap.clone(), p));
        }
    }
    let rules: Vec<PathBuf> = match &corpus {
        Some(c) => vec![c.join("et-open/et-open.rules")],
        None => Vec::new(),
    };
    let eve = std::env::temp_dir().join(format!("et-corpus-{}.json", std::process::id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sensor"));
    cmd.args([
        "replay",
        "--each",
        "-q",
        "--workers",
        "1",
        "--signatures-only",
        "-k",
        "none",
    ])
    .arg("--eve")
    .arg(&eve)
    .args(["--rules", concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")]);
    for r in &rules {
        cmd.arg("--rules").arg(r);
    }
    cmd.args(run.iter().map(|(_, p)| p));
    let out = cmd.output().unwrap();
    // Exit 4: some captures of the corpus are damaged on purpose (truncated records).
    assert!(
        matches!(out.status.code(), Some(0) | Some(4)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let by_path: BTreeMap<String, &str> = run
        .iter()
        .map(|(c, p)| (p.display().to_string(), c.as_str()))
        .collect();
    let mut got = Alerts::new();
    let mut stats_records = 0;
    for line in std::fs::read_to_string(&eve).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(cap) = v["pcap_filename"].as_str().and_then(|p| by_path.get(p)) else {
            panic!("record without its capture: {line}");
        };
        match v["event_type"].as_str() {
            Some("stats") => stats_records += 1,
            Some("alert") => {
                let key = (
                    cap.to_string(),
                    v["alert"]["signature_id"].as_u64().unwrap() as u32,
                    v["src_ip"].as_str().unwrap_or("").to_string(),
                    v["dest_ip"].as_str().unwrap_or("").to_string(),
                );
                *got.entry(key).or_default() += 1;
            }
            _ => {}
        }
    }
    let _ = std::fs::remove_file(&eve);
    assert_eq!(stats_records, run.len(), "one stats record per capture");

    let ran: BTreeSet<&str> = run.iter().map(|(c, _)| c.as_str()).collect();
    let want: Alerts = want_all
        .into_iter()
        .filter(|(k, _)| ran.contains(k.0.as_str()))
        .collect();
    let keys: BTreeSet<_> = want.keys().chain(got.keys()).cloned().collect();
    let listed = known();
    let (mut same, mut unlisted, mut stale) = (0u64, Vec::new(), Vec::new());
    for k in &keys {
        let (w, g) = (
            want.get(k).copied().unwrap_or(0),
            got.get(k).copied().unwrap_or(0),
        );
        match listed.get(k) {
            Some(&(lw, lg)) if (lw, lg) == (w, g) => {}
            Some(&(lw, lg)) if ran.contains(k.0.as_str()) => stale.push(format!(
                "{k:?}: listed {lw}/{lg}, now Suricata {w} sensor {g}"
            )),
            Some(_) => {}
            None if w == g => same += w,
            None => unlisted.push(format!("{}\t{}\t{}\t{}\t{w}\t{g}", k.0, k.1, k.2, k.3)),
        }
    }
    for (k, &(lw, lg)) in &listed {
        if ran.contains(k.0.as_str()) && !keys.contains(k) {
            stale.push(format!("{k:?}: listed {lw}/{lg}, now neither raises it"));
        }
    }
    eprintln!(
        "{} captures; {same} alerts equal to Suricata's; {} listed differences",
        run.len(),
        listed.len()
    );
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "alerts differing from Suricata's (capture, sid, src, dst, Suricata, sensor):\n{}\n\
         listed differences that changed:\n{}",
        unlisted.join("\n"),
        stale.join("\n")
    );
}

/// `replay --each` forgets thresholds between captures: the same capture given twice raises
/// its thresholded alerts twice (merged into one replay, the second copy's matches would fall
/// in the first copy's windows), each record names its capture, and each capture ends with its
/// own stats record.
#[test]
fn each_capture_starts_with_fresh_thresholds() {
    let sqli = concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps/attack-sqli.pcap");
    let run = |each: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sensor"));
        cmd.args([
            "replay",
            "-q",
            "--workers",
            "1",
            "--no-behaviour",
            "--eve",
            "-",
        ]);
        if each {
            cmd.arg("--each");
        }
        let out = cmd.args([sqli, sqli]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        records
    };
    let count = |records: &[serde_json::Value], kind: &str| {
        records.iter().filter(|r| r["event_type"] == kind).count()
    };
    let once = run(false);
    let each = run(true);
    let alerts = count(&once, "alert");
    assert!(alerts > 0);
    // The shipped SQL-injection rules are thresholded by source: the merged replay holds the
    // second copy back, the separate ones do not.
    assert_eq!(count(&each, "alert"), 2 * alerts);
    assert_eq!(count(&each, "stats"), 2);
    assert_eq!(count(&each, "flow"), 2 * count(&once, "flow"));
    assert!(each.iter().all(|r| r["pcap_filename"] == sqli));
    assert!(once.iter().all(|r| r.get("pcap_filename").is_none()));
}
