//! Every record the sensor writes for the committed captures, with the shipped rules and a
//! sensor name, validates against Suricata 7.0.10's own EVE schema (`additionalProperties` is
//! false almost everywhere in it, so a field Suricata does not know fails): tools built for
//! Suricata's EVE read the output unchanged.

mod common;

use std::path::Path;
use std::process::Command;

use common::schema::validate_eve;

#[test]
fn records_of_the_committed_captures_are_valid_suricata_eve() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    let mut captures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    captures.sort();
    assert!(captures.len() >= 10, "{captures:?}");
    let mut all = String::new();
    let mut types = std::collections::BTreeSet::new();
    for c in &captures {
        let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
            .arg("replay")
            .arg(c)
            .args(["-q", "--eve", "-", "--sensor-name", "county-07"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", c.display());
        let text = String::from_utf8(out.stdout).unwrap();
        for l in text.lines() {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["host"], "county-07", "{l}");
            types.insert(v["event_type"].as_str().unwrap().to_string());
        }
        all.push_str(&text);
    }
    // The kinds of record the captures give: all of them checked.
    for t in [
        "alert", "dns", "fileinfo", "flow", "http", "smtp", "stats", "tls",
    ] {
        assert!(types.contains(t), "no {t} record in {types:?}");
    }
    let Some(checked) = validate_eve(&all, "records of pcaps/") else {
        return;
    };
    assert_eq!(checked, all.lines().count());
    eprintln!("{checked} records valid ({types:?})");
}
