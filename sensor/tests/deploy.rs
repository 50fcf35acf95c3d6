//! The deployment files stay true to the binary: the Prometheus alerting rules pass
//! `promtool check rules` and their unit tests (`promtool test rules`), every metric they name
//! is one the sensor exports, the example scrape configuration checks, and a real Prometheus
//! server scrapes a running sensor with the rules loaded.

use std::path::PathBuf;
use std::process::Command;

use sensor::counters::{FAMILIES, PREFIX};

fn deploy(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy/prometheus")
        .join(file)
}

/// Runs promtool; without it, a failure under CI and a printed skip elsewhere.
fn promtool(args: &[&str]) -> Option<String> {
    let out = match Command::new("promtool")
        .args(args)
        .current_dir(deploy(""))
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("promtool not found ({e}); .ci/run installs Debian's `prometheus`");
            }
            eprintln!("skipped: promtool not found");
            return None;
        }
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?}: {text}");
    Some(text)
}

#[test]
fn alerting_rules_check_and_pass_their_unit_tests() {
    let Some(check) = promtool(&["check", "rules", "sensor-alerts.yml"]) else {
        return;
    };
    assert!(check.contains("SUCCESS: 7 rules found"), "{check}");
    let test = promtool(&["test", "rules", "sensor-alerts.test.yml"]).unwrap();
    assert!(test.contains("SUCCESS"), "{test}");
    // The example scrape configuration for a state's Prometheus, which loads the rules.
    let config = promtool(&["check", "config", "prometheus.yml"]).unwrap();
    assert!(
        config.contains("SUCCESS: prometheus.yml is valid"),
        "{config}"
    );
}

#[test]
fn alerting_rules_name_only_exported_metrics() {
    let rules = std::fs::read_to_string(deploy("sensor-alerts.yml")).unwrap();
    let exported: Vec<String> = FAMILIES
        .iter()
        .map(|f| format!("{PREFIX}{}", f.name))
        .collect();
    let mut named = 0;
    for word in rules.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with(PREFIX) && word.len() > PREFIX.len() {
            named += 1;
            assert!(
                exported.iter().any(|e| e == word),
                "sensor-alerts.yml names {word}, which the sensor does not export"
            );
        }
    }
    assert!(named >= 7, "only {named} sensor metrics named");
}

/// A free port on loopback.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET `path` on 127.0.0.1:`port`; the body.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    Some(text.split_once("\r\n\r\n")?.1.to_string())
}

/// Kills a child process when dropped (a failing test leaves nothing running).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real Prometheus server scrapes a running sensor (a paced replay) and answers queries on
/// its metrics, with the shipped alerting rules loaded.
#[test]
fn a_real_prometheus_scrapes_the_sensor() {
    use std::time::{Duration, Instant};
    if Command::new("prometheus")
        .arg("--version")
        .output()
        .is_err()
    {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("prometheus not found; .ci/run installs Debian's `prometheus`");
        }
        eprintln!("skipped: prometheus not found");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sensor-prom-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (sensor_port, prom_port) = (free_port(), free_port());
    std::fs::copy(deploy("sensor-alerts.yml"), dir.join("sensor-alerts.yml")).unwrap();
    std::fs::write(
        dir.join("prometheus.yml"),
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
             rule_files: [sensor-alerts.yml]\n\
             scrape_configs:\n  - job_name: sensor\n    static_configs:\n      \
             - targets: ['127.0.0.1:{sensor_port}']\n"
        ),
    )
    .unwrap();
    let pcap = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pcaps/benign-office.pcap");
    let _sensor = Running(
        Command::new(env!("CARGO_BIN_EXE_sensor"))
            .arg("replay")
            .arg(&pcap)
            .args(["-q", "--pace", "20", "--sensor-name", "county-07", "--eve"])
            .arg(dir.join("eve.json"))
            .args(["--metrics-listen", &sensor_port.to_string()])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let _prometheus = Running(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let query = |q: &str| -> Option<serde_json::Value> {
        let body = http_get(prom_port, &format!("/api/v1/query?query={q}"))?;
        serde_json::from_str(&body).ok()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = serde_json::Value::Null;
    loop {
        if let Some(v) = query("sensor_decoder_packets_total") {
            let value = v["data"]["result"][0]["value"][1]
                .as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(0.0);
            if value > 0.0 {
                break;
            }
            last = v;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus had no sensor_decoder_packets_total after 30 s: {last}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let up = query("up").unwrap();
    assert_eq!(up["data"]["result"][0]["value"][1], "1", "{up}");
    let info = query("sensor_info").unwrap();
    assert_eq!(
        info["data"]["result"][0]["metric"]["name"], "county-07",
        "{info}"
    );
    // The rules loaded and evaluate (none fires on a healthy replay).
    let rules = http_get(prom_port, "/api/v1/rules").unwrap();
    let rules: serde_json::Value = serde_json::from_str(&rules).unwrap();
    let groups = rules["data"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{rules}");
    let _ = std::fs::remove_dir_all(&dir);
}
