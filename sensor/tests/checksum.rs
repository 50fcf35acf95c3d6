//! Checksum keywords and stream validation against Suricata 7.0.10 (DECISIONS D30).
//!
//! `tests/data/checksums/checksums.pcap` (written by `make_checksums.py` there): five HTTP
//! sessions (IPv4: good; one request segment damaged; every client segment carrying the
//! offload seed; IPv6: good; request damaged), UDP over IPv4 (good, damaged, zero, seeded, and
//! one with a damaged IPv4 header), UDP over IPv6 (good, damaged, zero), ICMPv4 and ICMPv6
//! echoes (good, damaged). Suricata's alerts per signature and its `tcp.invalid_checksum`
//! (`suricata -r checksums.pcap -S checksums.rules`, with and without `-k none`) are pinned
//! below; the test never runs Suricata.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::sensor;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/checksums")
        .join(name)
}

/// Alerts by signature id and the `tcp.invalid_checksum` and offload counters of a replay.
fn run(pcap: &Path, rules: &Path, extra: &[&str]) -> (BTreeMap<u64, u64>, u64, u64) {
    let out = sensor()
        .args([
            "replay",
            "-q",
            "--signatures-only",
            "--stats-sensor-counters",
        ])
        .args(["--eve", "-", "--rules"])
        .arg(rules)
        .args(extra)
        .arg(pcap)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sids = BTreeMap::new();
    let (mut invalid, mut offloaded) = (None, None);
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        match v["event_type"].as_str() {
            Some("alert") => {
                *sids
                    .entry(v["alert"]["signature_id"].as_u64().unwrap())
                    .or_default() += 1
            }
            Some("stats") => {
                invalid = v["stats"]["tcp"]["invalid_checksum"].as_u64();
                offloaded = v["stats"]["sensor"]["stream"]["checksum_offloaded"].as_u64();
            }
            _ => {}
        }
    }
    (
        sids,
        invalid.expect("tcp.invalid_checksum"),
        offloaded.expect("checksum_offloaded"),
    )
}

fn config(name: &str, text: &str) -> PathBuf {
    let dir = common::temp_dir("checksum", name);
    let path = dir.join("sensor.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Suricata's alerts on `checksums.pcap` without `-k` (`pcap-file.checksum-checks: auto`,
/// which under 1,000 packets judges every checksum). Sids: 1/2 ipv4-csum invalid/valid, 3/4
/// tcpv4, 5/6 tcpv6, 7/8 udpv4, 9/10 udpv6, 11/12 icmpv4, 13/14 icmpv6, 20 an HTTP URI (a
/// session whose request was dropped from the stream has none), 21 tcpv4 invalid on `ip`.
const SURICATA: [(u64, u64); 16] = [
    (1, 1),
    (2, 33),
    (3, 7),
    (4, 20),
    (5, 1),
    (6, 17),
    (7, 2),
    (8, 2),
    (9, 2),
    (10, 1),
    (11, 1),
    (12, 1),
    (13, 1),
    (14, 1),
    (20, 2),
    (21, 7),
];

fn with(base: &[(u64, u64)], changes: &[(u64, u64)]) -> BTreeMap<u64, u64> {
    let mut m: BTreeMap<u64, u64> = base.iter().copied().collect();
    m.extend(changes.iter().copied());
    m
}

/// With `checksum-checks = "yes"` (every wrong checksum invalid, as Suricata's `auto` on a
/// capture this small), the keywords and the stream agree with Suricata exactly: the UDP
/// datagram with a zero checksum is neither valid nor invalid, the damaged IPv4 header does
/// not hide its valid UDP checksum, the eight TCP segments judged invalid (one damaged request
/// per IP version, six seeded) stay out of the stream, so three of the five requests are not
/// parsed; with `-k none` all five are, and the keywords still judge every checksum.
#[test]
fn as_suricata_when_every_checksum_is_judged() {
    let (pcap, rules) = (data("checksums.pcap"), data("checksums.rules"));
    let yes = config("yes", "[decode]\nchecksum-checks = \"yes\"\n");
    let yes = yes.to_str().unwrap();
    let (sids, invalid, offloaded) = run(&pcap, &rules, &["--config", yes]);
    assert_eq!(sids, with(&SURICATA, &[]));
    assert_eq!((invalid, offloaded), (8, 0));
    let (sids, invalid, _) = run(&pcap, &rules, &["--config", yes, "-k", "none"]);
    assert_eq!(sids, with(&SURICATA, &[(20, 5)]));
    assert_eq!(invalid, 0);
    // `-k all` is validation on: the same as the configuration's default.
    let (sids, invalid, _) = run(&pcap, &rules, &["--config", yes, "-k", "all"]);
    assert_eq!((sids, invalid), (with(&SURICATA, &[]), 8));
    // The file's `stream.checksum-validation = false` is `-k none`.
    let off = config(
        "off",
        "[stream]\nchecksum-validation = false\n[decode]\nchecksum-checks = \"yes\"\n",
    );
    let (sids, invalid, _) = run(&pcap, &rules, &["--config", off.to_str().unwrap()]);
    assert_eq!((sids, invalid), (with(&SURICATA, &[(20, 5)]), 0));
}

/// The default (`auto`): the six offload-seeded segments are not judged (tcpv4 valid, kept in
/// the stream: the offloaded session's request is parsed and alerts), the two damaged ones are
/// invalid and dropped from the stream as in Suricata.
#[test]
fn auto_keeps_offloaded_segments_and_flags_damaged_ones() {
    let (pcap, rules) = (data("checksums.pcap"), data("checksums.rules"));
    let (sids, invalid, offloaded) = run(&pcap, &rules, &[]);
    // The seeded UDP datagram is not judged either (udpv4 valid, not invalid).
    let auto = with(
        &SURICATA,
        &[(3, 1), (4, 26), (7, 1), (8, 3), (20, 3), (21, 1)],
    );
    assert_eq!(sids, auto);
    assert_eq!((invalid, offloaded), (2, 6));
    // `checksum-checks = "no"`: nothing judged, every checksum counts as valid.
    let no = config("no", "[decode]\nchecksum-checks = \"no\"\n");
    let (sids, invalid, _) = run(&pcap, &rules, &["--config", no.to_str().unwrap()]);
    let none_invalid = with(
        &SURICATA,
        &[
            (2, 34),
            (4, 27),
            (6, 18),
            (8, 4),
            (10, 3),
            (12, 2),
            (14, 2),
            (20, 5),
        ],
    );
    let none_invalid: BTreeMap<u64, u64> = none_invalid
        .into_iter()
        .filter(|(sid, _)| ![1, 3, 5, 7, 9, 11, 13, 21].contains(sid))
        .collect();
    assert_eq!((sids, invalid), (none_invalid, 0));
}

/// A capture taken on a host with checksum offload (suricata-verify's `tls-cert-issuer`: 15
/// of its 110 packets, all sent by the capturing host, carry the seed): under `auto` none is
/// invalid and nothing is lost; judged as Suricata does on this small capture, the 15 are
/// invalid (Suricata 7.0.10 counts 15 in `tcp.invalid_checksum`) and the alerts are the same
/// (4, Suricata's).
#[test]
fn offloaded_capture_loses_nothing() {
    let Some(corpus) = sensor::testutil::corpus_dir() else {
        return;
    };
    let dir = corpus.join("suricata-verify-wide/tls__tls-cert-issuer");
    let (pcap, rules) = (dir.join("tls.pcap"), dir.join("test.rules"));
    let (sids, invalid, offloaded) = run(&pcap, &rules, &[]);
    assert_eq!(
        (sids.get(&1).copied(), invalid, offloaded),
        (Some(4), 0, 15)
    );
    let yes = config("tls-yes", "[decode]\nchecksum-checks = \"yes\"\n");
    let (sids, invalid, offloaded) = run(&pcap, &rules, &["--config", yes.to_str().unwrap()]);
    assert_eq!(
        (sids.get(&1).copied(), invalid, offloaded),
        (Some(4), 15, 0)
    );
}
