//! The sensor's lifecycle as an operator meets it: a stop signal loses nothing, records come
//! out while traffic is slow, the metrics endpoint serves what `promtool` accepts, and bad
//! settings or a failing output are refused or counted exactly.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{free_port, http_get, pcap, promtool_check, sensor, temp_dir, wait_for};

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
    let dir = temp_dir("lifecycle", "sigterm");
    let eve = dir.join("eve.json");
    let port = free_port();
    let mut child = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args([
            "--pace",
            "20",
            "-q",
            "--workers",
            "2",
            "--stats-sensor-counters",
        ])
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
    assert!(
        s["sensor"]["flow"]["ended"]["shutdown"].as_u64().unwrap() > 0,
        "{s}"
    );
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
    assert_eq!(s["sensor"]["output"]["lost_records"]["eve"], 0);
    assert_eq!(
        s["sensor"]["output"]["records"]["eve"].as_u64().unwrap(),
        recs.len() as u64 - 1,
        "records counted before the stats record itself"
    );
    assert!(
        first_records < Duration::from_secs(5),
        "first records after {first_records:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
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

    let dir = temp_dir("lifecycle", "rules");
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
    let dir = temp_dir("lifecycle", "dump");
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

/// Seconds since the epoch of a classic pcap's first packet.
fn first_packet_time(path: &Path) -> f64 {
    let b = std::fs::read(path).unwrap();
    let le = b[0..4] == [0xd4, 0xc3, 0xb2, 0xa1] || b[0..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let nanos = b[0..4] == [0x4d, 0x3c, 0xb2, 0xa1] || b[0..4] == [0xa1, 0xb2, 0x3c, 0x4d];
    let word = |o: usize| {
        let w = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    word(24) as f64 + word(28) as f64 / if nanos { 1e9 } else { 1e6 }
}

/// EVE time (`2026-11-03T14:00:01.123456+0000`) as seconds since the epoch.
fn eve_seconds(ts: &str) -> f64 {
    let (date, rest) = ts.split_once('T').unwrap();
    let mut d = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, day) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let time = &rest[..rest.len() - 5];
    let mut t = time.split(':');
    let h: f64 = t.next().unwrap().parse().unwrap();
    let mi: f64 = t.next().unwrap().parse().unwrap();
    let s: f64 = t.next().unwrap().parse().unwrap();
    days as f64 * 86400.0 + h * 3600.0 + mi * 60.0 + s
}

/// A paced replay delivers packets as a live link would; every record about a packet (alert,
/// http, dns, tls) must reach the file within a second of that packet's release.
#[test]
fn records_reach_the_output_within_a_second_of_their_packet() {
    let dir = temp_dir("lifecycle", "latency");
    let eve = dir.join("eve.json");
    let file = pcap("benign-office.pcap");
    let t0 = first_packet_time(&file);
    let pace = 10.0;
    let spawned = Instant::now();
    let mut child = sensor()
        .arg("replay")
        .arg(&file)
        .args(["--pace", "10", "-q", "--workers", "2"])
        .arg("--eve")
        .arg(&eve)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = 0usize;
    let mut worst = 0.0f64;
    let mut checked = 0usize;
    while spawned.elapsed() < Duration::from_secs(8) {
        let text = std::fs::read_to_string(&eve).unwrap_or_default();
        let now = spawned.elapsed().as_secs_f64();
        // Only whole lines (the sensor writes whole lines, but a read may see a partial one).
        let whole = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        for line in whole.lines().skip(seen) {
            seen += 1;
            let v: Value = serde_json::from_str(line).unwrap();
            let kind = v["event_type"].as_str().unwrap_or("");
            if !matches!(kind, "alert" | "http" | "dns" | "tls") {
                continue;
            }
            let released = (eve_seconds(v["timestamp"].as_str().unwrap()) - t0) / pace;
            // Seen at the latest `now`, so `now - released` bounds the latency from above
            // (plus the poll interval).
            let latency = now - released;
            worst = worst.max(latency);
            checked += 1;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    sigterm(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(15)).success());
    assert!(checked >= 20, "only {checked} records in 8 s");
    assert!(
        worst < 1.0,
        "a record reached the output {worst:.3} s after its packet"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `logrotate`'s way: rename the file, SIGHUP, and the sensor writes on in a new file by the
/// old name; together the two files hold every record of a run without rotation.
#[test]
fn rename_and_sighup_lose_no_record() {
    let dir = temp_dir("lifecycle", "rotate");
    let eve = dir.join("eve.json");
    let file = pcap("benign-office.pcap");
    let mut child = sensor()
        .arg("replay")
        .arg(&file)
        .args(["--pace", "100", "-q", "--workers", "2"])
        .arg("--eve")
        .arg(&eve)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("the first records", Duration::from_secs(10), || {
        !records(&eve).is_empty()
    });
    std::thread::sleep(Duration::from_millis(1500));
    std::fs::rename(&eve, dir.join("eve.json.1")).unwrap();
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGHUP) };
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("reopened"), "{err}");
    let lines = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.contains("\"event_type\":\"stats\""))
            .map(str::to_string)
            .collect()
    };
    let old = lines(&dir.join("eve.json.1"));
    let new = lines(&eve);
    assert!(
        !old.is_empty() && !new.is_empty(),
        "{} + {}",
        old.len(),
        new.len()
    );
    let mut rotated: Vec<String> = old.into_iter().chain(new).collect();
    rotated.sort();
    let full = sensor()
        .arg("replay")
        .arg(&file)
        .args(["-q", "--workers", "2", "--eve", "-"])
        .output()
        .unwrap();
    let mut whole: Vec<String> = String::from_utf8_lossy(&full.stdout)
        .lines()
        .filter(|l| !l.contains("\"event_type\":\"stats\""))
        .map(str::to_string)
        .collect();
    whole.sort();
    assert_eq!(rotated.len(), whole.len());
    assert!(rotated == whole, "the rotated run's records differ");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `[metrics]` and `[sensor]` sections: basic auth on every path but `/healthz`, and
/// `sensor_info` carrying the configured name and site.
#[test]
fn metrics_auth_and_identity_from_the_configuration() {
    let dir = temp_dir("lifecycle", "auth");
    let port = free_port();
    std::fs::write(dir.join("pw"), "s3cret\n").unwrap();
    std::fs::write(
        dir.join("sensor.toml"),
        format!(
            "[sensor]\nname = \"county-07\"\nsite = \"Example County\"\n\
             [metrics]\nlisten = \"127.0.0.1:{port}\"\nuser = \"prom\"\npassword-file = \"pw\"\n"
        ),
    )
    .unwrap();
    let mut child = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["-q", "--pace", "20", "--eve"])
        .arg(dir.join("eve.json"))
        .arg("--config")
        .arg(dir.join("sensor.toml"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the metrics endpoint", Duration::from_secs(10), || {
        http_get(port, "/healthz").is_some_and(|(s, _)| s == 200)
    });
    assert_eq!(http_get(port, "/metrics").unwrap().0, 401);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // "prom:s3cret" in base64.
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic cHJvbTpzM2NyZXQ=\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("sensor_info{name=\"county-07\",site=\"Example County\",mode=\"replay\"} 1"),
        "{text}"
    );
    sigterm(&child);
    assert!(wait_exit(&mut child, Duration::from_secs(15)).success());
    let recs = records(&dir.join("eve.json"));
    assert_eq!(recs.last().unwrap()["host"], "county-07");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A classic pcap of `n` TCP SYNs from spoofed sources to 192.0.2.80:443 that nobody
/// answers (a SYN flood's shape), one per millisecond.
fn syn_flood_pcap(path: &Path, n: u32) {
    let frames: Vec<(u32, u32, Vec<u8>)> = (0..n)
        .map(|i| {
            let mut tcp = Vec::new();
            tcp.extend_from_slice(&(1024 + (i % 60000) as u16).to_be_bytes());
            tcp.extend_from_slice(&443u16.to_be_bytes());
            tcp.extend_from_slice(&i.to_be_bytes());
            tcp.extend_from_slice(&[0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
            let src = [198, 51, (i >> 8) as u8, i as u8];
            let frame = common::ipv4_frame(6, src, [192, 0, 2, 80], &tcp);
            (1_700_000_000, i * 1000, frame)
        })
        .collect();
    common::write_pcap(path, &frames);
}

/// Unanswered flows (a SYN flood's) are written by default, as Zeek logs S0 connections;
/// `flow.log-unanswered = false` keeps them out of the log, and they are counted either way.
#[test]
fn unanswered_flows_are_counted_and_logged_unless_configured() {
    let dir = temp_dir("lifecycle", "s0");
    std::fs::write(dir.join("quiet.toml"), "[flow]\nlog-unanswered = false\n").unwrap();
    let flood = dir.join("flood.pcap");
    syn_flood_pcap(&flood, 300);
    let run = |file: &Path, extra: &[&str]| -> Vec<Value> {
        let out = sensor()
            .arg("replay")
            .arg(file)
            .args(["-q", "--eve", "-", "--stats-sensor-counters"])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let quiet_config = dir.join("quiet.toml");
    let quiet_args = ["--config", quiet_config.to_str().unwrap()];
    let flows = |r: &[Value]| r.iter().filter(|v| v["event_type"] == "flow").count() as u64;
    let stats = |r: &[Value]| r.last().unwrap()["stats"]["sensor"]["flow"].clone();

    let all = run(&flood, &[]);
    let quiet = run(&flood, &quiet_args);
    assert_eq!(stats(&all)["unanswered"], 300);
    assert_eq!(stats(&all)["unlogged"], 0);
    assert_eq!(flows(&all), 300);
    assert_eq!(stats(&quiet)["unanswered"], 300);
    assert_eq!(stats(&quiet)["unlogged"], 300);
    assert_eq!(flows(&quiet), 0);

    // A scan's probes are answered (RST from closed ports): nothing goes missing there.
    let scan = run(&pcap("attack-scan.pcap"), &[]);
    let scan_quiet = run(&pcap("attack-scan.pcap"), &quiet_args);
    let unanswered = stats(&scan)["unanswered"].as_u64().unwrap();
    assert_eq!(flows(&scan), flows(&scan_quiet) + unanswered);
    assert!(scan_quiet
        .iter()
        .filter(|v| v["event_type"] == "flow")
        .all(|v| v["flow"]["pkts_toclient"].as_u64().unwrap() > 0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `tcpdump -w - | sensor replay -`: a replay reading a pipe that has gone quiet stops on
/// SIGTERM (the signal interrupts the read) and writes what it read.
#[test]
fn sigterm_stops_a_replay_waiting_on_a_quiet_pipe() {
    let dir = temp_dir("lifecycle", "pipe");
    let fifo = dir.join("in.pcap");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let eve = dir.join("eve.json");
    let port = free_port();
    let mut child = sensor()
        .arg("replay")
        .arg(&fifo)
        .args(["-q", "--workers", "1", "--eve"])
        .arg(&eve)
        .args(["--metrics-listen", &port.to_string()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The writer sends a whole capture's records and keeps the pipe open.
    let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    writer
        .write_all(&std::fs::read(pcap("attack-sqli.pcap")).unwrap())
        .unwrap();
    writer.flush().unwrap();
    // Records come out while the pipe stays open (the 250 ms flush).
    wait_for("records from the pipe", Duration::from_secs(10), || {
        records(&eve).iter().any(|r| r["event_type"] == "alert")
    });
    // Every packet was taken from the pipe before the stop.
    wait_for("every packet decoded", Duration::from_secs(10), || {
        http_get(port, "/metrics")
            .is_some_and(|(_, body)| body.contains("sensor_decoder_packets_total 5470\n"))
    });
    sigterm(&child);
    let status = wait_exit(&mut child, Duration::from_secs(10));
    drop(writer);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}: {err}");
    let recs = records(&eve);
    assert_eq!(recs.last().unwrap()["event_type"], "stats");
    assert_eq!(recs.last().unwrap()["stats"]["decoder"]["pkts"], 5470);
    assert_eq!(of_type(&recs, "flow").len(), 52);
    let _ = std::fs::remove_dir_all(&dir);
}
