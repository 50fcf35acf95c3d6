//! Helpers shared by the integration tests that run the binary: `promtool` on a scrape, and
//! small hand-built captures.
#![allow(dead_code)] // each test crate uses its own subset

pub mod schema;

/// The sensor binary of this build.
pub fn sensor() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_sensor"))
}

/// A committed capture in `pcaps/`.
pub fn pcap(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pcaps")
        .join(name)
}

/// A new, empty directory for one test (`sensor-<group>-<name>-<pid>`).
pub fn temp_dir(group: &str, name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sensor-{group}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The shipped rule packs without their `threshold`s, written once into `dir`.
///
/// With several workers, which of a host's matches in a window carries a threshold's alert
/// depends on thread timing (as in Suricata; DECISIONS D25), so tests that compare records
/// across worker counts or live against replay, or that need a steady stream of alerts, use
/// every match.
pub fn unthrottled_rules(dir: &Path) -> std::path::PathBuf {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let mut text = String::new();
    let mut names: Vec<_> = std::fs::read_dir(&rules)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rules"))
        .collect();
    names.sort();
    for name in names {
        for line in std::fs::read_to_string(name).unwrap().lines() {
            let line = match line.find(" threshold:") {
                Some(at) => {
                    let end = at + line[at..].find(';').unwrap() + 1;
                    format!("{}{}", &line[..at], &line[end..])
                }
                None => line.to_string(),
            };
            text.push_str(&line);
            text.push('\n');
        }
    }
    let path = dir.join("unthrottled.rules");
    std::fs::write(&path, text).unwrap();
    path
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on a loopback port: the status and the body.
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// Polls `ok` every 50 ms until it holds; panics naming `what` after `timeout`.
pub fn wait_for(what: &str, timeout: std::time::Duration, mut ok: impl FnMut() -> bool) {
    let until = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < until {
        if ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// `promtool check metrics` on a scrape. Without promtool: a failure under CI (`CI=true`;
/// `.ci/run` installs Debian's `prometheus`), a printed skip elsewhere.
pub fn promtool_check(text: &str) {
    let Ok(mut child) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("promtool not found (Debian package `prometheus`); .ci/run installs it");
        }
        eprintln!("skipped: promtool not found");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An Ethernet frame carrying an IPv4 packet (`proto`, `src` -> `dst`) with `l4` after the
/// header; the IPv4 checksum is filled in.
pub fn ipv4_frame(proto: u8, src: [u8; 4], dst: [u8; 4], l4: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + l4.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let mut acc: u32 = ip
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]) as u32)
        .sum();
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    ip[10..12].copy_from_slice(&(!(acc as u16)).to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(l4);
    f
}

/// A classic pcap (little-endian, microseconds, Ethernet) of `(seconds, microseconds, frame)`.
pub fn write_pcap(path: &Path, frames: &[(u32, u32, Vec<u8>)]) {
    let mut file = Vec::new();
    file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    file.extend_from_slice(&2u16.to_le_bytes());
    file.extend_from_slice(&4u16.to_le_bytes());
    file.extend_from_slice(&[0; 8]);
    file.extend_from_slice(&65535u32.to_le_bytes());
    file.extend_from_slice(&1u32.to_le_bytes());
    for (secs, micros, f) in frames {
        file.extend_from_slice(&secs.to_le_bytes());
        file.extend_from_slice(&micros.to_le_bytes());
        file.extend_from_slice(&(f.len() as u32).to_le_bytes());
        file.extend_from_slice(&(f.len() as u32).to_le_bytes());
        file.extend_from_slice(f);
    }
    std::fs::write(path, file).unwrap();
}

/// Alerts of a signatures-only replay of `pcap` with `rules` (one worker), by the client port
/// of each session (client address 10.0.0.1, as the built event captures use) and signature.
pub fn alerts_by_client_port(
    rules: &Path,
    pcap: &Path,
) -> std::collections::BTreeMap<u64, std::collections::BTreeMap<u64, usize>> {
    let out = sensor()
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
        .expect("run sensor");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: std::collections::BTreeMap<u64, std::collections::BTreeMap<u64, usize>> =
        Default::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["event_type"] != "alert" {
            continue;
        }
        let port = if v["src_ip"] == "10.0.0.1" {
            v["src_port"].as_u64()
        } else {
            v["dest_port"].as_u64()
        };
        let sid = v["alert"]["signature_id"].as_u64().unwrap();
        *got.entry(port.unwrap())
            .or_default()
            .entry(sid)
            .or_default() += 1;
    }
    got
}

/// Runs the sensor as the comparisons with Suricata 7.0.10 do (`suricata -k none -S RULES`):
/// the given rules only, one worker, no checksum validation, EVE on standard output; `each`:
/// every capture through a fresh pipeline (`--each`, as Suricata's unix-socket mode). Fails
/// the test on a non-zero exit; returns the records and the log.
pub fn replay_like_suricata(
    rules: impl AsRef<std::ffi::OsStr>,
    captures: impl IntoIterator<Item = impl AsRef<std::ffi::OsStr>>,
    each: bool,
) -> (String, String) {
    let mut cmd = sensor();
    cmd.args(["replay", "-q", "--workers", "1", "--signatures-only"]);
    if each {
        cmd.arg("--each");
    }
    let out = cmd
        .args(["-k", "none", "--eve", "-", "--rules"])
        .arg(rules)
        .args(captures)
        .output()
        .expect("run sensor replay");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{log}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), log)
}
