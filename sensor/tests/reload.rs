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
        stderr.contains("rules reloaded (SIGHUP): 1 rules loaded"),
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

/// Runs `sensor ctl`; returns (exit code, stdout, stderr).
fn ctl(socket: &std::path::Path, command: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["ctl", "--socket"])
        .arg(socket)
        .arg(command)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn control_socket_reloads_the_configuration_and_answers() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixStream;

    let dir = std::env::temp_dir().join(format!("sensor-control-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("in.pcap");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: creating a FIFO at a path we own.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::fs::write(dir.join("one.rules"), "alert dns any any -> any any (msg:\"one\"; dns.query; content:\"exfil\"; nocase; sid:1;)\n").unwrap();
    std::fs::write(dir.join("two.rules"), "alert dns any any -> any any (msg:\"two\"; dns.query; content:\"exfil\"; nocase; sid:2;)\n").unwrap();
    let config = dir.join("sensor.toml");
    std::fs::write(&config, "rules = [\"one.rules\"]\n").unwrap();
    let socket = dir.join("control.sock");
    let eve = dir.join("eve.json");
    let child = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["replay", "-q", "--workers", "1", "--config"])
        .arg(&config)
        .arg("--control-socket")
        .arg(&socket)
        .arg("--eve")
        .arg(&eve)
        .arg(&fifo)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The socket is up before the input is opened (opening a FIFO waits for its writer).
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (code, out, err) = ctl(&socket, "ruleset-stats");
    assert_eq!(code, 0, "{err}");
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats[0]["rules_loaded"], 1, "{out}");

    // The protocol as suricatasc speaks it: messages back to back, no newline needed; the
    // handshake comes first.
    let mut raw = UnixStream::connect(&socket).unwrap();
    raw.write_all(br#"{"command": "uptime"}"#).unwrap();
    let mut line = String::new();
    BufReader::new(&raw).read_line(&mut line).unwrap();
    let reply: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(reply["return"], "NOK", "{line}");
    let mut raw = UnixStream::connect(&socket).unwrap();
    raw.write_all(br#"{"version": "0.2"}{"command": "version"}"#)
        .unwrap();
    let mut lines = BufReader::new(&raw).lines();
    let hello: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(hello["return"], "OK");
    let version: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(
        version["message"].as_str().unwrap().starts_with("sensor "),
        "{version}"
    );
    drop(lines);
    drop(raw);

    let pcap = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../pcaps/attack-dns-tunnel.pcap"
    ))
    .unwrap();
    let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    let half = pcap.len() / 2;
    w.write_all(&pcap[..half]).unwrap();
    w.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    // A configuration with an unknown key: refused with file, line and key; sid 1 stays.
    std::fs::write(&config, "rules = [\"two.rules\"]\nshiped-rules = false\n").unwrap();
    let (code, _, err) = ctl(&socket, "reload-rules");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("sensor.toml:2: unknown field `shiped-rules`"),
        "{err}"
    );
    // The configuration names other rules: the reload answers once they are in use.
    std::fs::write(&config, "rules = [\"two.rules\"]\n").unwrap();
    let (code, out, err) = ctl(&socket, "reload-rules");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("1 rules loaded and in use"), "{out}");
    let (_, out, _) = ctl(&socket, "ruleset-stats");
    let stats: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(stats[0]["reloads"], 2, "{out}");
    assert_eq!(stats[0]["reloads_failed"], 1, "{out}");
    w.write_all(&pcap[half..]).unwrap();
    drop(w);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!socket.exists(), "the socket file is removed at exit");
    let by_sid = alerts_by_sid(&std::fs::read_to_string(&eve).unwrap());
    assert!(by_sid.get(&1).copied().unwrap_or(0) > 0, "{by_sid:?}");
    assert!(by_sid.get(&2).copied().unwrap_or(0) > 0, "{by_sid:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
