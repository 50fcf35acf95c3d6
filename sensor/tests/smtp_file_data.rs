//! `file.data` on smtp rules against Suricata 7.0.10 (`suricata -r PCAP -S RULES -k none`):
//! two captures built for it (`tests/data/smtp-mime/`: a multipart mail with a
//! quoted-printable text, a base64 attachment and an HTML part, a mail without MIME, a
//! single-part attachment named by `Content-Type` and one by an unquoted
//! `Content-Disposition` filename; raw and quoted-printable attachments in a multipart, whose
//! last line ends differ). The signatures Suricata raised are pinned; the test never runs
//! Suricata.

use std::process::Command;

fn alerts(name: &str) -> Vec<u64> {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/smtp-mime");
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["replay", "--signatures-only", "--rules"])
        .arg(format!("{data}/{name}.rules"))
        .args(["--eve", "-"])
        .arg(format!("{data}/{name}.pcap"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut sids: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event_type"] == "alert")
        .map(|v| v["alert"]["signature_id"].as_u64().unwrap())
        .collect();
    sids.sort_unstable();
    sids
}

#[test]
fn attachments_only_as_suricata() {
    // Attachments (base64, by Content-Type name, by unquoted filename), with startswith at
    // an attachment's start; no text body, HTML, preamble, epilogue or header.
    assert_eq!(alerts("mails"), [2, 11, 12, 13]);
}

#[test]
fn attachment_line_ends_as_suricata() {
    // A raw attachment loses the line end before its boundary, a quoted-printable one keeps it.
    assert_eq!(alerts("attachment-ends"), [1, 3, 5, 6]);
}
