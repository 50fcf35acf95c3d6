//! The `bench-alerts` capture (the pipeline benchmark's mix with flows ET Open rules fire on)
//! raises exactly Suricata's alerts with ET Open plus the shipped packs.

use std::collections::BTreeMap;
use std::process::Command;

/// Seed and size of the capture: 16 MiB, seed 2 (28 signatures fire).
const SEED: u64 = 2;
const SIZE: u64 = 16 << 20;

/// Suricata 7.0.10's alerts by signature on that capture (`suricata -r FILE --runmode single
/// -k none -S ALL` with ALL = et-open.rules + rules/*.rules, 5 Dec 2026; the test never runs
/// Suricata). A change to the generator's bench mix changes the capture: regenerate it with
/// `sensor generate --scenario bench-alerts --size 16M --seed 2`, run Suricata and the sensor,
/// and compare (sid, src, dst) before repinning.
const SURICATA: &[(u32, usize)] = &[
    (2001219, 2),
    (2011465, 1),
    (2013031, 1),
    (2017616, 3),
    (2017886, 1),
    (2027883, 1),
    (2028842, 1),
    (2029054, 4),
    (2031499, 1),
    (2031502, 1),
    (2034005, 1),
    (2034125, 1),
    (2035742, 1),
    (2035948, 1),
    (2040673, 1),
    (2043474, 1),
    (2043973, 1),
    (2044990, 1),
    (2052628, 1),
    (2052966, 1),
    (2052976, 1),
    (2054141, 1),
    (2100371, 1),
    (2100465, 3),
    (2100482, 2),
    (9100026, 1),
    (9100027, 1),
    (9100040, 1),
];

/// Matches held back by thresholds (`stats.detect.alerts_suppressed`) in the same run.
const SURICATA_SUPPRESSED: u64 = 14;

#[test]
fn bench_alerts_capture_alerts_like_suricata() {
    let Some(corpus) = sensor::testutil::corpus_dir() else {
        return;
    };
    let pcap = std::env::temp_dir().join(format!("bench-alerts-test-{}.pcap", std::process::id()));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&pcap).unwrap());
        sensor_generate::bench::generate_mix(&mut f, SEED, SIZE, true).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["replay", "-q", "--workers", "1", "--signatures-only"])
        .args(["--eve", "-", "--rules"])
        .arg(corpus.join("et-open/et-open.rules"))
        .args(["--rules", concat!(env!("CARGO_MANIFEST_DIR"), "/../rules")])
        .arg(&pcap)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&pcap);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut got: BTreeMap<u32, usize> = BTreeMap::new();
    let mut suppressed = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["event_type"] == "stats" {
            suppressed = v["stats"]["detect"]["alerts_suppressed"].as_u64();
        }
        if v["event_type"] == "alert" {
            *got.entry(v["alert"]["signature_id"].as_u64().unwrap() as u32)
                .or_default() += 1;
        }
    }
    let want: BTreeMap<u32, usize> = SURICATA.iter().copied().collect();
    assert_eq!(got, want, "alerts by signature: sensor, then Suricata");
    assert_eq!(suppressed, Some(SURICATA_SUPPRESSED), "matches suppressed");
}
