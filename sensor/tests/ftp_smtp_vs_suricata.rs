//! EVE `ftp` and `smtp` records on the behaviour corpus's FTP brute force and SMTP captures
//! equal Suricata 7.0.10's (`suricata -r PCAP -k none`, default configuration), and every
//! record validates against Suricata's EVE schema. Suricata's records are pinned as a count and
//! a digest of their sorted, canonical form (5-tuple, `tx_id`, object); the test never runs
//! Suricata.

mod common;

use std::process::Command;

use common::schema::validate_eve;

/// FNV-1a over the lines, each followed by a newline.
fn digest(lines: &[String]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for l in lines {
        for &b in l.as_bytes().iter().chain(b"\n") {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// The records of `event_type` as `"src sport dst dport tx_id {object}"`, sorted (object
/// keys sorted, as serde_json's map keeps them).
fn canonical(eve: &str, event_type: &str, skip_ports: &[u64]) -> Vec<String> {
    let mut out: Vec<String> = eve
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event_type"] == event_type)
        .filter(|v| !skip_ports.contains(&v["src_port"].as_u64().unwrap()))
        .map(|v| {
            format!(
                "{} {} {} {} {} {}",
                v["src_ip"].as_str().unwrap(),
                v["src_port"],
                v["dest_ip"].as_str().unwrap(),
                v["dest_port"],
                v["tx_id"],
                v[event_type]
            )
        })
        .collect();
    out.sort();
    out
}

/// (capture, event type, records, digest of Suricata's records, client ports of flows to
/// leave out, records there).
type Case = (
    &'static str,
    &'static str,
    usize,
    u64,
    &'static [u64],
    usize,
);

const CASES: &[Case] = &[
    // Two flows began before the capture: without `stream.midstream` neither Suricata nor
    // the sensor parses them (D43; before it, the sensor logged their 6 commands).
    (
        "cred-ppa-ftp-bruteforce.pcap",
        "ftp",
        2091,
        0x0421e683a9c4df3e,
        &[],
        0,
    ),
    (
        "cred-zeek-smtp-auth-login.pcap",
        "smtp",
        3,
        0xc982b56b42f3ca3c,
        &[],
        0,
    ),
    (
        "exfil-sv-smtp-upload-1.8mb.pcap",
        "smtp",
        3,
        0x0728874b9e1cf365,
        &[],
        0,
    ),
];

/// SMTP sessions upgraded by STARTTLS in a committed capture: Suricata logs the session's
/// `smtp` record, then the TLS handshake with `from_proto`, and the flow as `app_proto` `tls`,
/// `app_proto_orig` `smtp`.
#[test]
fn starttls_flows_as_suricata_logs_them() {
    let pcap = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps/benign-office.pcap");
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .arg("replay")
        .arg(&pcap)
        .args(["-q", "--no-behaviour", "--workers", "1", "--eve", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let eve = String::from_utf8(out.stdout).unwrap();
    let smtp = canonical(&eve, "smtp", &[]);
    assert_eq!(
        (smtp.len(), digest(&smtp)),
        (3, 0xc2000d918ddeff45),
        "{smtp:#?}"
    );
    let upgraded = eve
        .lines()
        .filter(|l| l.contains(r#""app_proto":"tls","app_proto_orig":"smtp""#))
        .count();
    assert_eq!(upgraded, 3);
    let from_smtp = eve
        .lines()
        .filter(|l| l.contains(r#""event_type":"tls""#) && l.contains(r#""from_proto":"smtp"}"#))
        .count();
    assert_eq!(from_smtp, 3);
    if let Some(checked) = validate_eve(&eve, "benign-office records") {
        assert_eq!(checked, eve.lines().count());
    }
}

#[test]
fn ftp_and_smtp_records_equal_suricatas() {
    let Some(corpus) = sensor::testutil::corpus_dir() else {
        return;
    };
    let dir = corpus.join("behaviour-real");
    let mut all = String::new();
    for &(capture, event_type, n, want, skip, skipped) in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
            .arg("replay")
            .arg(dir.join(capture))
            .args(["-q", "--no-behaviour", "--workers", "1", "--eve", "-"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{capture}");
        let eve = String::from_utf8(out.stdout).unwrap();
        let ours = canonical(&eve, event_type, skip);
        assert_eq!(ours.len(), n, "{capture}: {event_type} records");
        assert_eq!(
            digest(&ours),
            want,
            "{capture}: {:#?}",
            &ours[..ours.len().min(5)]
        );
        let with_skipped = canonical(&eve, event_type, &[]);
        assert_eq!(with_skipped.len(), n + skipped, "{capture}");
        // Flow records name the protocol as Suricata's do.
        let flows = eve
            .lines()
            .filter(|l| l.contains("\"event_type\":\"flow\""))
            .filter(|l| l.contains(&format!("\"app_proto\":\"{event_type}\"")))
            .count();
        assert!(flows > 0, "{capture}");
        all.push_str(&eve);
    }
    if let Some(checked) = validate_eve(&all, "ftp and smtp records") {
        assert_eq!(checked, all.lines().count());
    }
}
