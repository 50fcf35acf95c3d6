//! Application-layer fields against tshark: for the project's captures and the suricata-verify
//! pcaps, the TLS SNIs and JA3 hashes, HTTP request fields and DNS query names and answers in
//! the sensor's EVE records equal what tshark 4.0 dissects from the same packets. The tshark
//! values were extracted by `pcaps/tshark-app-fields.py` into `tests/data/app_fields.json`;
//! this test never runs tshark. tshark dissects sessions without their handshake, so the
//! sensor runs with `--midstream` here (its default, as Suricata's, leaves them unparsed).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use sensor::testutil::corpus_dir;
use serde_json::Value;

/// Captures where tshark and a Suricata-like sensor legitimately disagree, with the reason.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "corpus:suricata-verify/uricontent__detect-uricontent-02/input.pcap",
        "http_requests",
        "tshark dissects TCP port 53 as DNS; the payload is an HTTP request, which the sensor \
         finds by content (as Suricata does: the test expects its HTTP alerts on that flow)",
    ),
    (
        "pcaps/benign-office.pcap",
        "tls_sni",
        "two ClientHellos follow SMTP STARTTLS on the mail relay; the sensor has no SMTP parser \
         yet, so those flows are app_proto failed",
    ),
];

fn replay(pcap: &PathBuf) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "replay",
            "-q",
            "--midstream",
            "--workers",
            "2",
            "--eve",
            "-",
        ])
        .arg(pcap)
        .output()
        .expect("run sensor");
    assert!(
        matches!(out.status.code(), Some(0) | Some(4)),
        "{}: {:?}",
        pcap.display(),
        out
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default()
}

/// DNS type numbers of the names EVE uses, for the types tshark reports as numbers.
fn rrtype_number(name: &str) -> String {
    let n = match name {
        "A" => 1,
        "NS" => 2,
        "CNAME" => 5,
        "SOA" => 6,
        "PTR" => 12,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        "SRV" => 33,
        "NULL" => 10,
        "ANY" => 255,
        other => return other.to_string(),
    };
    n.to_string()
}

/// What the sensor reported, in the shape of the tshark extraction.
fn sensor_fields(records: &[Value]) -> serde_json::Map<String, Value> {
    let (mut sni, mut ja3, mut http, mut queries, mut answers) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in records {
        match r["event_type"].as_str() {
            Some("tls") => {
                if let Some(s) = r["tls"]["sni"].as_str() {
                    sni.push(Value::from(s));
                }
                if let Some(h) = r["tls"]["ja3"]["hash"].as_str() {
                    ja3.push(Value::from(h));
                }
            }
            Some("http") => {
                let h = &r["http"];
                let s = |k: &str| Value::from(h[k].as_str().unwrap_or(""));
                http.push(Value::from(vec![
                    s("http_method"),
                    s("hostname"),
                    s("url"),
                    s("http_user_agent"),
                ]));
            }
            Some("dns") => {
                let d = &r["dns"];
                if d["type"] == "query" {
                    let t = rrtype_number(d["rrtype"].as_str().unwrap_or(""));
                    queries.push(Value::from(vec![d["rrname"].clone(), Value::from(t)]));
                } else if let Some(list) = d["answers"].as_array() {
                    for a in list {
                        let t = a["rrtype"].as_str().unwrap_or("");
                        let rdata = a["rdata"].as_str().unwrap_or("");
                        // EVE writes IPv6 addresses in full, as Suricata does; tshark compresses them.
                        let rdata = match (t, rdata.parse::<std::net::Ipv6Addr>()) {
                            ("AAAA", Ok(ip)) => ip.to_string(),
                            _ => rdata.to_string(),
                        };
                        if matches!(t, "A" | "AAAA" | "CNAME") {
                            answers.push(Value::from(vec![Value::from(t), Value::from(rdata)]));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut m = serde_json::Map::new();
    for (k, v) in [
        ("tls_sni", sni),
        ("tls_ja3", ja3),
        ("http_requests", http),
        ("dns_queries", queries),
        ("dns_answers", answers),
    ] {
        m.insert(k.to_string(), Value::from(v));
    }
    m
}

/// tshark's host header keeps the port and case; Suricata's `hostname` has neither.
fn normalize_tshark_http(v: &Value) -> Value {
    let rows = v.as_array().cloned().unwrap_or_default();
    Value::from(
        rows.into_iter()
            .map(|row| {
                let mut row = row.as_array().cloned().unwrap_or_default();
                if let Some(host) = row.get(1).and_then(|h| h.as_str()) {
                    let host = match host.rsplit_once(':') {
                        Some((h, port))
                            if port.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') =>
                        {
                            h
                        }
                        _ => host,
                    };
                    row[1] = Value::from(host.to_ascii_lowercase());
                }
                Value::from(row)
            })
            .collect::<Vec<_>>(),
    )
}

#[test]
fn app_fields_equal_tsharks() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data: Value = serde_json::from_str(
        &std::fs::read_to_string(manifest.join("tests/data/app_fields.json")).unwrap(),
    )
    .unwrap();
    let corpus = corpus_dir();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (name, expected) in data["captures"].as_object().unwrap() {
        let path = match name.strip_prefix("corpus:") {
            Some(rel) => match &corpus {
                Some(c) => c.join(rel),
                None => continue,
            },
            None => manifest.join("..").join(name),
        };
        let got = sensor_fields(&replay(&path));
        for (field, want) in expected.as_object().unwrap() {
            if KNOWN_DIFFERENCES
                .iter()
                .any(|(n, f, _)| *n == name && *f == field)
            {
                continue;
            }
            let want = if field == "http_requests" {
                normalize_tshark_http(want)
            } else {
                want.clone()
            };
            let (want, have) = (strings(&want), strings(&got[field]));
            checked += 1;
            if want != have {
                failures.push(format!(
                    "{name} {field}:\n  tshark only: {:?}\n  sensor only: {:?}",
                    want.difference(&have).collect::<Vec<_>>(),
                    have.difference(&want).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} comparisons differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 40, "only {checked} comparisons");
}
