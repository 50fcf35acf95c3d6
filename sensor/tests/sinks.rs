//! The sinks against real servers: Redis (`redis-server`) and rsyslog, started by the tests on
//! loopback ports of their own; and EVE file rotation. `.ci/run` installs Debian's
//! `redis-server` and `rsyslog`; without them a test fails under CI and is skipped elsewhere.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use common::schema::validate_eve;
use common::{free_port, http_get, pcap, sensor, temp_dir, unthrottled_rules, wait_for};

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

fn of_type(lines: &[String], t: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| json(l)["event_type"] == t)
        .cloned()
        .collect()
}

/// Whether a program this test needs is installed: a failure under CI, a skip elsewhere.
fn have(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{program} is missing (.ci/run installs it)");
        }
        eprintln!("SKIPPED: {program} is not installed");
    }
    found
}

/// A `redis-server` of the test's own, persisting every write (append-only file, fsync
/// always), so that a restart keeps what it acknowledged before it was killed.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    fn start(dir: &Path) -> Redis {
        let mut r = Redis {
            child: None,
            port: free_port(),
            dir: dir.to_path_buf(),
        };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .args(["--protected-mode", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server");
        self.child = Some(child);
        wait_for("redis-server", Duration::from_secs(10), || {
            self.cli(&["PING"]).trim() == "PONG"
        });
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The `eve` values of a stream's entries, in order.
    fn stream(&self, key: &str) -> Vec<String> {
        // --raw XRANGE: per entry, its id, then field and value lines.
        let text = self.cli(&["XRANGE", key, "-", "+"]);
        let l: Vec<&str> = text.lines().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i + 2 < l.len() {
            assert_eq!(l[i + 1], "eve", "stream field name");
            out.push(l[i + 2].to_string());
            i += 3;
        }
        out
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A channel subscriber speaking RESP itself (redis-cli buffers its output in a pipe).
struct Subscriber {
    got: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Subscriber {
    fn start(port: u16, channel: &str) -> Subscriber {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "*2\r\n$9\r\nSUBSCRIBE\r\n${}\r\n{channel}\r\n",
            channel.len()
        )
        .unwrap();
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let out = got.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(s);
            // Each push is an array: kind, channel, payload (or count, for the subscription).
            while let Some(items) = read_array(&mut r) {
                if items.first().map(String::as_str) == Some("message") && items.len() == 3 {
                    out.lock().unwrap().push(items[2].clone());
                }
            }
        });
        Subscriber { got }
    }

    fn messages(&self) -> Vec<String> {
        self.got.lock().unwrap().clone()
    }
}

/// One RESP array of bulk strings and integers; `None` at the end of the stream.
fn read_array(r: &mut impl BufRead) -> Option<Vec<String>> {
    let mut line = String::new();
    r.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let n: usize = line.trim_end().strip_prefix('*')?.parse().ok()?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        line.clear();
        r.read_line(&mut line).ok().filter(|n| *n > 0)?;
        let l = line.trim_end();
        if let Some(len) = l.strip_prefix('$') {
            let len: usize = len.parse().ok()?;
            let mut buf = vec![0u8; len + 2];
            r.read_exact(&mut buf).ok()?;
            buf.truncate(len);
            items.push(String::from_utf8_lossy(&buf).into_owned());
        } else {
            items.push(l.trim_start_matches(':').to_string());
        }
    }
    Some(items)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Replays a committed capture with a configuration; the run must succeed.
fn replay_with(config: &Path, capture: &str) {
    let out = sensor()
        .arg("replay")
        .arg(pcap(capture))
        .arg("--config")
        .arg(config)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The configuration `text` in `dir`, with the shipped packs' rules unthrottled (the tests
/// need an alert for every match of the tunnel's queries).
fn write_config(dir: &Path, text: &str) -> PathBuf {
    let rules = unthrottled_rules(dir);
    let p = dir.join("sensor.toml");
    let text = format!(
        "rules = [{:?}]\nshipped-rules = false\n{text}",
        rules.display().to_string()
    );
    std::fs::write(&p, text).unwrap();
    p
}

/// Every alert of a replay reaches Redis, in each of Suricata's redis modes, with the
/// sensor's name in every record; and every record there is valid EVE.
#[test]
fn every_alert_reaches_redis_as_stream_list_and_channel() {
    if !have("redis-server") || !have("redis-cli") {
        return;
    }
    let dir = temp_dir("sinks", "redis");
    let redis = Redis::start(&dir);
    let port = redis.port;
    // A Redis ACL user allowed only to append to these keys, as a state would give a county.
    assert_eq!(
        redis
            .cli(&[
                "ACL",
                "SETUSER",
                "county-07",
                "on",
                ">s3cret",
                "~alerts",
                "~eve",
                "&alerts-live",
                "+xadd",
                "+rpush",
                "+publish",
            ])
            .trim(),
        "OK"
    );
    std::fs::write(dir.join("redis-password"), "s3cret\n").unwrap();
    let config = write_config(
        &dir,
        &format!(
            r#"
[sensor]
name = "county-07"

[[outputs.sink]]
type = "file"
path = "eve.json"

[[outputs.sink]]
name = "alert-stream"
type = "redis"
server = "127.0.0.1:{port}"
mode = "stream"
key = "alerts"
event-types = ["alert"]
username = "county-07"
password-file = "redis-password"

[[outputs.sink]]
name = "everything"
type = "redis"
server = "127.0.0.1:{port}"
mode = "rpush"
key = "eve"
username = "county-07"
password-file = "redis-password"

[[outputs.sink]]
name = "alert-channel"
type = "redis"
server = "127.0.0.1:{port}"
mode = "channel"
key = "alerts-live"
event-types = ["alert"]
username = "county-07"
password-file = "redis-password"
"#
        ),
    );
    // A subscriber to the channel, listening before the replay starts.
    let sub = Subscriber::start(port, "alerts-live");
    wait_for("the subscriber", Duration::from_secs(10), || {
        redis
            .cli(&["PUBSUB", "NUMSUB", "alerts-live"])
            .lines()
            .nth(1)
            == Some("1")
    });
    replay_with(&config, "attack-dns-tunnel.pcap");
    let file = lines(&dir.join("eve.json"));
    let alerts = of_type(&file, "alert");
    assert!(alerts.len() > 100, "{} alerts", alerts.len());
    for l in &file {
        assert_eq!(json(l)["host"], "county-07", "{l}");
    }

    // The stream holds exactly the file's alerts. (Order may differ between sinks where two
    // workers hand over chunks at the same time: compare as multisets.)
    assert_eq!(
        redis.cli(&["XLEN", "alerts"]).trim(),
        alerts.len().to_string()
    );
    assert_eq!(sorted(redis.stream("alerts")), sorted(alerts.clone()));
    // The list holds every record, stats included.
    let list = redis.cli(&["LRANGE", "eve", "0", "-1"]);
    let list: Vec<String> = list.lines().map(str::to_string).collect();
    assert_eq!(sorted(list.clone()), sorted(file.clone()));
    // The subscriber saw every alert.
    wait_for("every published alert", Duration::from_secs(10), || {
        sub.messages().len() >= alerts.len()
    });
    assert_eq!(sorted(sub.messages()), sorted(alerts.clone()));

    validate_eve(&(list.join("\n") + "\n"), "records sent to Redis");
    let _ = std::fs::remove_dir_all(&dir);
}

/// One sample of the sensor's /metrics.
fn metric(port: u16, name: &str) -> Option<f64> {
    let (_, text) = http_get(port, "/metrics")?;
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Redis killed mid-run: the file sink loses nothing, the sensor goes on, the Redis sink
/// counts what it could not send and reconnects when Redis is back.
#[test]
fn killing_redis_mid_run_loses_nothing_in_the_file_and_it_reconnects() {
    if !have("redis-server") || !have("redis-cli") {
        return;
    }
    let dir = temp_dir("sinks", "redis-kill");
    let mut redis = Redis::start(&dir);
    let port = redis.port;
    let metrics = free_port();
    // A small queue that drops when full, as a live sensor does (a replay would wait).
    let config = write_config(
        &dir,
        &format!(
            r#"
[[outputs.sink]]
type = "file"
path = "eve.json"

[[outputs.sink]]
name = "redis"
type = "redis"
server = "127.0.0.1:{port}"
mode = "stream"
key = "alerts"
event-types = ["alert"]
queue-chunks = 2
when-full = "drop"
"#
        ),
    );
    // About 8 minutes of capture with alerts all through it, at 40x: about 12 s.
    let mut child = sensor()
        .arg("replay")
        .arg(pcap("attack-dns-tunnel.pcap"))
        .args([
            "--pace",
            "40",
            "-q",
            "--workers",
            "2",
            "--stats-sensor-counters",
        ])
        .arg("--config")
        .arg(&config)
        .args(["--metrics-listen", &metrics.to_string()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for("alerts in Redis", Duration::from_secs(20), || {
        redis
            .cli(&["XLEN", "alerts"])
            .trim()
            .parse::<u64>()
            .unwrap_or(0)
            > 20
    });
    redis.kill();
    wait_for(
        "the sink to see Redis gone",
        Duration::from_secs(10),
        || metric(metrics, "sensor_output_connected{output=\"redis\"}") == Some(0.0),
    );
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sensor keeps running"
    );
    redis.spawn();
    wait_for("the sink to reconnect", Duration::from_secs(15), || {
        metric(metrics, "sensor_output_connected{output=\"redis\"}") == Some(1.0)
    });
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("connected again"), "{err}");

    let file = lines(&dir.join("eve.json"));
    let alerts = of_type(&file, "alert");
    // The file has every alert: the same as a replay with no Redis at all.
    let plain = sensor()
        .arg("replay")
        .arg(pcap("attack-dns-tunnel.pcap"))
        .args(["-q", "--eve", "-", "--rules"])
        .arg(dir.join("unthrottled.rules"))
        .output()
        .unwrap();
    let plain_alerts = String::from_utf8_lossy(&plain.stdout)
        .lines()
        .filter(|l| l.contains("\"event_type\":\"alert\""))
        .count();
    assert_eq!(alerts.len(), plain_alerts);

    let stats = json(file.last().unwrap());
    let out = &stats["stats"]["sensor"]["output"];
    let dropped = out["dropped_records"]["redis"].as_u64().unwrap();
    let reconnects = out["reconnects"]["redis"].as_u64().unwrap();
    let sent = out["records"]["redis"].as_u64().unwrap();
    assert!(dropped > 0, "the outage outlasted the small queue: {out}");
    assert!(reconnects >= 1, "{out}");
    // Redis has only alerts of the file; with those it lacks counted as dropped. Delivery is
    // at least once: a batch cut by the kill may be sent again, so count distinct records.
    let in_redis: BTreeSet<String> = redis.stream("alerts").into_iter().collect();
    let in_file: BTreeSet<String> = alerts.iter().cloned().collect();
    assert!(in_redis.is_subset(&in_file));
    let missing = (in_file.len() - in_redis.len()) as u64;
    assert!(
        missing <= dropped,
        "{missing} alerts missing from Redis, {dropped} counted as dropped"
    );
    assert!(sent > 0 && !in_redis.is_empty(), "{sent} sent");
    eprintln!(
        "{} alerts: {} in Redis, {missing} missing, {dropped} dropped, {sent} sent, {reconnects} reconnects",
        in_file.len(),
        in_redis.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An rsyslog of the test's own: UDP, TCP and a unix socket in, each message's RFC 5424
/// fields written out one per line by a template.
struct Rsyslog {
    child: Child,
    udp: u16,
    tcp: u16,
    socket: PathBuf,
    out: PathBuf,
}

impl Rsyslog {
    fn start(dir: &Path) -> Rsyslog {
        let udp = {
            let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap().port()
        };
        let tcp = free_port();
        let socket = dir.join("log.sock");
        let out = dir.join("received.log");
        let work = dir.join("rsyslog-work");
        std::fs::create_dir_all(&work).unwrap();
        let conf = dir.join("rsyslog.conf");
        std::fs::write(
            &conf,
            format!(
                r#"
global(workDirectory="{work}" maxMessageSize="256k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
input(type="imudp" address="127.0.0.1" port="{udp}")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
input(type="imuxsock" Socket="{socket}" UseSpecialParser="off" ParseHostname="on")
template(name="fields" type="list") {{
  property(name="inputname") constant(value="|")
  property(name="protocol-version") constant(value="|")
  property(name="syslogfacility-text") constant(value="|")
  property(name="syslogseverity-text") constant(value="|")
  property(name="hostname") constant(value="|")
  property(name="app-name") constant(value="|")
  property(name="procid") constant(value="|")
  property(name="msgid") constant(value="|")
  property(name="msg" droplastlf="on") constant(value="\n")
}}
*.* action(type="omfile" file="{out}" template="fields")
"#,
                work = work.display(),
                socket = socket.display(),
                out = out.display(),
            ),
        )
        .unwrap();
        let child = Command::new("rsyslogd")
            .args(["-n", "-f"])
            .arg(&conf)
            .arg("-i")
            .arg(dir.join("rsyslog.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("rsyslogd");
        let r = Rsyslog {
            child,
            udp,
            tcp,
            socket,
            out,
        };
        wait_for("rsyslog's inputs", Duration::from_secs(10), || {
            r.socket.exists() && std::net::TcpStream::connect(("127.0.0.1", r.tcp)).is_ok()
        });
        r
    }

    /// Received messages by input: (version, facility, severity, host, app, procid, msgid, msg).
    fn received(&self) -> HashMap<String, Vec<Vec<String>>> {
        let mut by_input: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        let f = std::fs::File::open(&self.out);
        let Ok(f) = f else { return by_input };
        for line in BufReader::new(f).lines() {
            let line = line.unwrap();
            let fields: Vec<String> = line.splitn(9, '|').map(str::to_string).collect();
            if fields.len() == 9 {
                by_input
                    .entry(fields[0].clone())
                    .or_default()
                    .push(fields[1..].to_vec());
            }
        }
        by_input
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// rsyslog receives the alerts over UDP, TCP and its unix socket, and parses them as RFC 5424:
/// version 1, the configured facility and level, the sensor's name as HOSTNAME, the event
/// type as MSGID and the EVE record as MSG.
#[test]
fn rsyslog_receives_alerts_over_udp_tcp_and_unix_as_rfc5424() {
    if !have("rsyslogd") {
        return;
    }
    let dir = temp_dir("sinks", "rsyslog");
    let rsyslog = Rsyslog::start(&dir);
    let config = write_config(
        &dir,
        &format!(
            r#"
[sensor]
name = "county-07"

[[outputs.sink]]
type = "file"
path = "eve.json"

[[outputs.sink]]
name = "syslog-udp"
type = "syslog"
transport = "udp"
address = "127.0.0.1:{udp}"
event-types = ["alert"]

[[outputs.sink]]
name = "syslog-tcp"
type = "syslog"
transport = "tcp"
address = "127.0.0.1:{tcp}"
facility = "local3"
level = "warning"
identity = "eve"
event-types = ["alert", "flow"]

[[outputs.sink]]
name = "syslog-unix"
type = "syslog"
transport = "unix"
address = "{socket}"
event-types = ["alert"]
"#,
            udp = rsyslog.udp,
            tcp = rsyslog.tcp,
            socket = rsyslog.socket.display(),
        ),
    );
    replay_with(&config, "attack-sqli.pcap");
    let file = lines(&dir.join("eve.json"));
    let alerts = of_type(&file, "alert");
    let flows = of_type(&file, "flow");
    assert!(!alerts.is_empty());
    let expect_tcp = alerts.len() + flows.len();
    wait_for("every message at rsyslog", Duration::from_secs(15), || {
        let r = rsyslog.received();
        let n = |k: &str| r.get(k).map_or(0, Vec::len);
        n("imudp") >= alerts.len() && n("imtcp") >= expect_tcp && n("imuxsock") >= alerts.len()
    });
    let r = rsyslog.received();
    let pid = out_pid(&r);
    for (input, facility, severity, app, want) in [
        ("imudp", "local5", "info", "sensor", &alerts),
        ("imuxsock", "local5", "info", "sensor", &alerts),
    ] {
        let got = &r[input];
        assert_eq!(got.len(), want.len(), "{input}");
        for m in got {
            assert_eq!(
                m[..7],
                ["1", facility, severity, "county-07", app, &pid, "alert"],
                "{input}: {m:?}"
            );
        }
        let msgs: Vec<String> = got.iter().map(|m| m[7].clone()).collect();
        assert_eq!(sorted(msgs), sorted(want.to_vec()), "{input}");
    }
    let tcp = &r["imtcp"];
    assert_eq!(tcp.len(), expect_tcp);
    let mut msgs: Vec<String> = Vec::new();
    for m in tcp {
        assert_eq!(
            m[..5],
            ["1", "local3", "warning", "county-07", "eve"],
            "{m:?}"
        );
        let rec = json(&m[7]);
        assert_eq!(
            rec["event_type"].as_str().unwrap(),
            m[6],
            "MSGID is the event type"
        );
        msgs.push(m[7].clone());
    }
    let mut want: Vec<String> = alerts.iter().chain(flows.iter()).cloned().collect();
    want.sort();
    msgs.sort();
    assert_eq!(msgs, want);
    validate_eve(&(msgs.join("\n") + "\n"), "records sent to syslog");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The sensor's pid as rsyslog saw it (the same in every message).
fn out_pid(r: &HashMap<String, Vec<Vec<String>>>) -> String {
    let pid = r["imudp"][0][5].clone();
    assert!(pid.parse::<u32>().is_ok(), "PROCID {pid}");
    pid
}

fn rotated(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("eve.json.")
        })
        .collect();
    v.sort();
    v
}

fn without_stats(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .filter(|l| !l.contains("\"event_type\":\"stats\""))
        .collect()
}

/// The file rotates itself by size and by age during a paced replay; together the files
/// hold exactly the records of a run without rotation, none split, and `rotate-keep` prunes.
#[test]
fn eve_rotation_by_size_and_time_loses_no_record() {
    let dir = temp_dir("sinks", "rotation");
    let plain = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["-q", "--workers", "1", "--eve", "-"])
        .output()
        .unwrap();
    let mut want = without_stats(
        String::from_utf8_lossy(&plain.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    );
    want.sort();
    for (name, rotate, keep) in [
        ("size", "rotate-size = \"8KiB\"", None),
        ("time", "rotate-interval = 1", None),
        ("keep", "rotate-size = 8192\nrotate-keep = 2", Some(2)),
    ] {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        let config = write_config(
            &d,
            &format!("[[outputs.sink]]\ntype = \"file\"\npath = \"eve.json\"\n{rotate}\n"),
        );
        // About 10 minutes of capture at 150x: 4 s.
        let out = sensor()
            .arg("replay")
            .arg(pcap("benign-office.pcap"))
            .args(["-q", "--workers", "1", "--pace", "150"])
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files = rotated(&d);
        match keep {
            Some(k) => {
                assert_eq!(files.len(), k, "{name}: {files:?}");
                continue;
            }
            None => assert!(files.len() >= 2, "{name}: {files:?}"),
        }
        let mut got = Vec::new();
        for f in files.iter().chain([d.join("eve.json")].iter()) {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(
                text.is_empty() || text.ends_with('\n'),
                "{name}: a record split"
            );
            for l in text.lines() {
                json(l);
            }
            got.extend(text.lines().map(str::to_string));
        }
        let mut got = without_stats(got);
        got.sort();
        assert_eq!(got.len(), want.len(), "{name}");
        assert_eq!(got, want, "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped logrotate configuration, run by the real `logrotate` during a paced replay (its
/// paths pointed at a test directory and its postrotate signal at the test's sensor): the
/// rotated and the new file together hold every record of a run without rotation.
#[test]
fn shipped_logrotate_config_rotates_without_loss() {
    if !have("logrotate") {
        return;
    }
    let dir = temp_dir("sinks", "logrotate");
    let plain = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["-q", "--workers", "2", "--eve", "-"])
        .output()
        .unwrap();
    let mut want = without_stats(
        String::from_utf8_lossy(&plain.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    );
    want.sort();
    let mut child = sensor()
        .arg("replay")
        .arg(pcap("benign-office.pcap"))
        .args(["-q", "--workers", "2", "--pace", "100"])
        .arg("--eve")
        .arg(dir.join("eve.json"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shipped = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/logrotate/sensor"),
    )
    .unwrap();
    assert!(
        !shipped
            .lines()
            .any(|l| !l.trim_start().starts_with('#') && l.contains("copytruncate")),
        "copytruncate loses what is written between the copy and the truncate"
    );
    let config = shipped
        .replace("/var/log/sensor", &dir.display().to_string())
        .replace(
            "systemctl kill --signal=HUP --kill-whom=main sensor.service",
            &format!("kill -HUP {}", child.id()),
        );
    assert!(config.contains("kill -HUP"), "the postrotate line changed");
    std::fs::write(dir.join("logrotate.conf"), config).unwrap();
    wait_for("the first records", Duration::from_secs(10), || {
        !lines(&dir.join("eve.json")).is_empty()
    });
    std::thread::sleep(Duration::from_millis(1500));
    let rotate = Command::new("logrotate")
        .arg("-f")
        .arg("-s")
        .arg(dir.join("logrotate.state"))
        .arg(dir.join("logrotate.conf"))
        .output()
        .unwrap();
    assert!(
        rotate.status.success(),
        "{}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(err.contains("reopened"), "{err}");
    let moved: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("eve.json-")
        })
        .collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    let old = lines(&moved[0]);
    let new = lines(&dir.join("eve.json"));
    assert!(
        !old.is_empty() && !new.is_empty(),
        "{} + {}",
        old.len(),
        new.len()
    );
    let mut got = without_stats(old.into_iter().chain(new).collect());
    got.sort();
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}
