//! The sensor's lifecycle as an operator meets it: a stop signal loses nothing, records come
//! out while traffic is slow, the metrics endpoint serves what `promtool` accepts, and bad
//! settings or a failing output are refused or counted exactly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn sensor() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sensor"))
}

fn pcap(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pcaps")
        .join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sensor-lifecycle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn of_type<'a>(recs: &'a [Value], t: &str) -> Vec<&'a Value> {
    recs.iter().filter(|r| r["event_type"] == t).collect()
}

/// A free port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
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

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + timeout;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("sensor did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sigterm(child: &Child) {
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
}

/// Ten minutes of office traffic at 20x: 30 s of replay, stopped after a few seconds.
#[test]
fn sigterm_during_a_paced_replay_writes_every_flow_and_the_final_stats() {
    let dir = temp_dir("sigterm");
    let eve = dir.join("eve.json");
    let port = free_port();
    let mut child = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["--pace", "20", "-q", "--workers", "2"])
        .arg("--eve")
        .arg(&eve)
        .args(["--metrics-listen", &port.to_string()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // Records come out while the replay runs, not only at the end (the latency promise).
    wait_for("the first records", Duration::from_secs(10), || {
        !records(&eve).is_empty()
    });
    let first_records = started.elapsed();
    wait_for("the metrics endpoint", Duration::from_secs(5), || {
        http_get(port, "/readyz").is_some_and(|(s, _)| s == 200)
    });
    let (status, body) = http_get(port, "/metrics").unwrap();
    assert_eq!(status, 200);
    promtool_check(&body);
    assert!(body.contains("sensor_decoder_packets_total"), "{body}");
    assert!(body.contains("sensor_info{"), "{body}");
    assert_eq!(http_get(port, "/healthz").unwrap().0, 200);
    std::thread::sleep(Duration::from_millis(1500));
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("stopped by a signal"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "the stop did not cut the 30 s replay short"
    );

    let recs = records(&eve);
    let stats = of_type(&recs, "stats");
    assert_eq!(stats.len(), 1, "one final stats record");
    let last = recs.last().unwrap();
    assert_eq!(last["event_type"], "stats", "the stats record comes last");
    let s = &last["stats"];
    let flows = of_type(&recs, "flow").len() as u64;
    // Every flow the sensor created was written: at the stop, open flows end as records.
    assert_eq!(s["flow"]["total"].as_u64().unwrap(), flows, "{s}");
    assert!(s["flow"]["ended"]["shutdown"].as_u64().unwrap() > 0, "{s}");
    // Fewer packets than the file holds: the stop came part-way.
    let full = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["-q", "--eve", "-"])
        .output()
        .unwrap();
    let all: Vec<Value> = String::from_utf8_lossy(&full.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let all_pkts = all.last().unwrap()["stats"]["decoder"]["pkts"]
        .as_u64()
        .unwrap();
    let pkts = s["decoder"]["pkts"].as_u64().unwrap();
    assert!(pkts > 0 && pkts < all_pkts, "{pkts} of {all_pkts}");
    // Everything written was counted, and nothing was lost.
    assert_eq!(s["output"]["lost_records"]["eve"], 0);
    assert_eq!(
        s["output"]["records"]["eve"].as_u64().unwrap(),
        recs.len() as u64 - 1,
        "records counted before the stats record itself"
    );
    assert!(
        first_records < Duration::from_secs(5),
        "first records after {first_records:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `promtool check metrics` on a scrape: fails under CI when promtool is missing.
fn promtool_check(text: &str) {
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

#[test]
fn a_full_disk_reports_exactly_what_was_lost() {
    let good = sensor()
        .arg("replay")
        .arg(pcap("attack-sqli.pcap"))
        .args(["-q", "--eve", "-"])
        .output()
        .unwrap();
    assert!(good.status.success());
    let produced = String::from_utf8_lossy(&good.stdout).lines().count();
    let out = sensor()
        .arg("replay")
        .arg(pcap("attack-sqli.pcap"))
        .args(["-q", "--eve", "/dev/full"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    // Every record, the final stats record included, was lost, and the count says so.
    assert!(
        err.contains(&format!("{produced} records (")),
        "expected {produced} lost records: {err}"
    );
    assert!(err.contains("No space left on device"), "{err}");
}

#[test]
fn bad_settings_are_refused_at_start() {
    let run = |args: &[&str]| {
        let out = sensor()
            .arg("replay")
            .arg(pcap("attack-sqli.pcap"))
            .args(["-q", "--eve", "-"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--max-flows", "0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--max-flows 0"), "{err}");

    let dir = temp_dir("rules");
    let broken = dir.join("broken.rules");
    std::fs::write(
        &broken,
        "alert tcp any any -> any any (msg:\"x\"; nosuchkeyword; sid:1;)\n\
         alert http any any -> any any (msg:\"y\"; content:\"a\"; sid:2; rev:1; bogus:1;)\n",
    )
    .unwrap();
    let (code, err) = run(&["--signatures-only", "--rules", broken.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("none of the 2 configured rules loaded"),
        "{err}"
    );
    // An empty rule file is valid: no rules, no detection, no error.
    let empty = dir.join("empty.rules");
    std::fs::write(&empty, "# nothing yet\n").unwrap();
    let (code, err) = run(&["--signatures-only", "--rules", empty.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let (code, err) = run(&["--metrics-listen", &port]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("Address already in use"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dump_counters_answers_from_the_registry() {
    let dir = temp_dir("dump");
    let sock = dir.join("ctl.sock");
    let mut child = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["-q", "--pace", "60", "--eve"])
        .arg(dir.join("eve.json"))
        .arg("--control-socket")
        .arg(&sock)
        .spawn()
        .unwrap();
    wait_for("the control socket", Duration::from_secs(10), || {
        sock.exists()
    });
    let mut answer = Value::Null;
    wait_for(
        "packets counted while the replay runs",
        Duration::from_secs(10),
        || {
            let out = sensor()
                .args(["ctl", "--socket"])
                .arg(&sock)
                .arg("dump-counters")
                .output()
                .unwrap();
            answer = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
            answer["decoder"]["pkts"].as_u64().unwrap_or(0) > 0
                && answer["flow"]["total"].as_u64().unwrap_or(0) > 0
        },
    );
    assert!(answer["uptime"].is_u64(), "{answer}");
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    assert!(status.success());
    let _ = std::fs::remove_dir_all(&dir);
}
