//! Rule reload while running: SIGHUP builds the new rules aside and swaps them in; a rule file
//! with errors keeps the running rules. The replay reads a FIFO so the test controls when
//! packets arrive relative to the reload.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn alerts_by_sid(eve: &str) -> std::collections::BTreeMap<u64, usize> {
    let mut m = std::collections::BTreeMap::new();
    for line in eve.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["event_type"] == "alert" {
            *m.entry(v["alert"]["signature_id"].as_u64().unwrap())
                .or_default() += 1;
        }
    }
    m
}

#[test]
fn sighup_swaps_rules_and_a_broken_file_keeps_the_old_ones() {
    let dir = std::env::temp_dir().join(format!("sensor-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("in.pcap");
    let _ = std::fs::remove_file(&fifo);
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: creating a FIFO at a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let rules = dir.join("test.rules");
    // First rules: DNS queries for the tunnel domain (sid 1).
    std::fs::write(&rules, "alert dns any any -> any any (msg:\"one\"; dns.query; content:\"exfil\"; nocase; sid:1;)\n").unwrap();
    let eve = dir.join("eve.json");
    let child = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "replay",
            "-q",
            "--workers",
            "1",
            "--signatures-only",
            "--rules",
        ])
        .arg(&rules)
        .arg("--eve")
        .arg(&eve)
        .arg(&fifo)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pcap = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pcaps/attack-dns-tunnel.pcap"
    ))
    .unwrap();
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let third = pcap.len() / 3;
    w.write_all(&pcap[..third]).unwrap();
    w.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // A broken file: the reload is refused and sid 1 keeps alerting.
    std::fs::write(
        &rules,
        "alert dns any any -> any any (msg:\"broken\"; dns.query; content:\"x\" sid:2;)\n",
    )
    .unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGHUP) };
    std::thread::sleep(Duration::from_millis(300));
    w.write_all(&pcap[third..2 * third]).unwrap();
    w.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // New rules: a different sid for the same traffic.
    std::fs::write(&rules, "alert dns any any -> any any (msg:\"three\"; dns.query; content:\"exfil\"; nocase; sid:3;)\n").unwrap();
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGHUP) };
    std::thread::sleep(Duration::from_millis(300));
    w.write_all(&pcap[2 * third..]).unwrap();
    drop(w);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("rules reload failed"), "{stderr}");
    assert!(
        stderr.contains("rules reloaded: 1 rules loaded"),
        "{stderr}"
    );
    let by_sid = alerts_by_sid(&std::fs::read_to_string(&eve).unwrap());
    assert!(by_sid.get(&1).copied().unwrap_or(0) > 0, "{by_sid:?}");
    assert!(by_sid.get(&3).copied().unwrap_or(0) > 0, "{by_sid:?}");
    assert!(!by_sid.contains_key(&2), "{by_sid:?}");
    // Every query alerted exactly once, under one rule set or the other: as many alerts as one
    // rule set gives on the whole capture.
    std::fs::write(&rules, "alert dns any any -> any any (msg:\"one\"; dns.query; content:\"exfil\"; nocase; sid:1;)\n").unwrap();
    let once = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["replay", "-q", "--signatures-only", "--rules"])
        .arg(&rules)
        .args(["--eve", "-"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../pcaps/attack-dns-tunnel.pcap"
        ))
        .output()
        .unwrap();
    let baseline: usize = alerts_by_sid(&String::from_utf8_lossy(&once.stdout))
        .values()
        .sum();
    let total: usize = by_sid.values().sum();
    assert!(baseline > 0);
    assert_eq!(total, baseline, "{by_sid:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
