//! The deployment files stay true to the binary: the Prometheus alerting rules pass
//! `promtool check rules` and their unit tests (`promtool test rules`), and every metric they
//! name is one the sensor exports.

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
