//! Validation of EVE records against Suricata 7.0.10's own EVE schema (in the shared corpus),
//! with Python's `jsonschema` (`.ci/run` installs it).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Checks every line of `records` (EVE JSON lines) against the schema; panics with the first
/// invalid records. Returns how many were checked, or `None` when the corpus is missing
/// outside CI (a printed skip).
pub fn validate_eve(records: &str, what: &str) -> Option<usize> {
    let schema = sensor::testutil::corpus_dir()?.join("suricata-eve-schema/schema.json");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate_eve.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().unwrap();
    let text = records.to_string();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    match out.status.code() {
        Some(0) => {}
        Some(2) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: schema check of {what}: {report}");
            return None;
        }
        _ => panic!("{what}: records outside Suricata's EVE schema:\n{report}"),
    }
    let checked = report
        .lines()
        .last()
        .and_then(|l| l.strip_prefix("checked "))
        .and_then(|n| n.trim().parse().ok())
        .expect("validator's count");
    Some(checked)
}
