//! `[outputs] tls-ja4s = true` adds `tls.ja4s` to the EVE `tls` records of a committed capture
//! and changes nothing else; each JA4S agrees with the record's JA3S string (checked against
//! tshark by `app_fields.rs`): same cipher, same extensions in the same order, hashed as the
//! JA4S spec says. Without the option the records stay within Suricata 7's EVE schema
//! (`eve_schema.rs`), whose `tls` object admits no other key.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

fn tls_records(pcap: &Path, config: Option<&Path>) -> Vec<Value> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sensor"));
    cmd.args(["replay", "-q", "--eve", "-"]);
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let out = cmd.arg(pcap).output().expect("run sensor replay");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &Value| r["event_type"] == "tls")
        .collect();
    v.sort_by_key(|r| r["flow_id"].as_u64());
    v
}

/// What the JA4S of the ServerHello behind a JA3S string must be (TLS over TCP, no ALPN: the
/// capture's servers select none).
fn expected_ja4s(ja3s: &str, version: &str) -> String {
    let f: Vec<&str> = ja3s.split(',').collect();
    let cipher: u16 = f[1].parse().unwrap();
    let exts: Vec<String> = f[2]
        .split('-')
        .filter(|s| !s.is_empty())
        .map(|s| format!("{:04x}", s.parse::<u16>().unwrap()))
        .collect();
    let ver = match version {
        "TLS 1.3" => "13",
        "TLS 1.2" => "12",
        other => panic!("version {other}"),
    };
    let list = exts.join(",");
    let hash = if list.is_empty() {
        "000000000000".to_string()
    } else {
        let d = Sha256::digest(list.as_bytes());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()[..12].to_string()
    };
    format!("t{ver}{:02}00_{cipher:04x}_{hash}", exts.len())
}

#[test]
fn ja4s_in_eve_tls_records_when_configured() {
    let pcap = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps/attack-beacon.pcap");
    let dir = std::env::temp_dir().join(format!("sensor-ja4s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config: PathBuf = dir.join("sensor.toml");
    std::fs::write(&config, "[outputs]\ntls-ja4s = true\n").unwrap();

    let plain = tls_records(&pcap, None);
    let with = tls_records(&pcap, Some(&config));
    assert_eq!(plain.len(), with.len());
    assert!(plain.len() >= 50, "{} tls records", plain.len());
    let mut seen = std::collections::BTreeSet::new();
    for (p, w) in plain.iter().zip(&with) {
        assert!(p["tls"].get("ja4s").is_none(), "{p}");
        let ja4s = w["tls"]["ja4s"].as_str().expect("ja4s written");
        let want = expected_ja4s(
            w["tls"]["ja3s"]["string"].as_str().unwrap(),
            w["tls"]["version"].as_str().unwrap(),
        );
        assert_eq!(ja4s, want, "{w}");
        seen.insert(ja4s.to_string());
        // Nothing else differs, and the key comes last in the tls object (after ja4).
        let mut w = w.clone();
        let tls = w["tls"].as_object_mut().unwrap();
        assert_eq!(tls.keys().next_back().map(String::as_str), Some("ja4s"));
        tls.remove("ja4s");
        assert_eq!(&w, p);
    }
    // Both kinds of server in the capture: TLS 1.3 (supported_versions, key_share) and 1.2.
    // The first is FoxIO's own expected value for that ServerHello (tls-handshake.pcapng.json).
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["t120300_c02f_5935512bb26a", "t130200_1301_234ea6891581"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Why `tls.ja4s` is opt-in: Suricata 7.0.10's EVE schema closes the `tls` object and has no
/// such key, so a default record carrying it would fail `eve_schema.rs`.
#[test]
fn suricata_7_schema_has_no_tls_ja4s() {
    let Some(dir) = sensor::testutil::corpus_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("suricata-eve-schema/schema.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let tls = &schema["properties"]["tls"];
    assert_eq!(tls["additionalProperties"], Value::Bool(false));
    assert!(tls["properties"].get("ja4").is_some());
    assert!(tls["properties"].get("ja4s").is_none());
}
