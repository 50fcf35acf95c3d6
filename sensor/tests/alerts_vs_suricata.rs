//! The shipped rule packs on the committed captures raise exactly the alerts Suricata 7.0.10
//! raises with the same rules (`cat rules/*.rules > all.rules; suricata -r PCAP -k none -S
//! all.rules`), and hold back as many matches by their `threshold` (Suricata's
//! `stats.detect.alerts_suppressed`): counts pinned below; the test never runs Suricata.

use std::collections::BTreeMap;
use std::process::Command;

/// (capture, [(signature id, alerts)], matches suppressed) as Suricata 7.0.10 reported them.
type Expected = (&'static str, &'static [(u32, usize)], u64);

const SURICATA: &[Expected] = &[
    ("attack-beacon.pcap", &[], 0),
    ("attack-dns-tunnel.pcap", &[(9100120, 1)], 442),
    ("attack-exfil.pcap", &[], 0),
    ("attack-phishing.pcap", &[(9100110, 1), (9100111, 1)], 0),
    (
        "attack-scan.pcap",
        &[
            (9100020, 1),
            (9100021, 1),
            (9100023, 1),
            (9100026, 1),
            (9100027, 1),
            (9100028, 1),
            (9100040, 1),
            (9100042, 1),
            (9100050, 1),
        ],
        84,
    ),
    (
        "attack-sqli.pcap",
        &[(9100001, 1), (9100004, 1), (9100006, 1), (9100020, 1)],
        34,
    ),
    ("benign-office.pcap", &[], 0),
    ("big-endian.pcap", &[], 0),
    ("fragments.pcap", &[], 0),
    ("ipv6.pcap", &[], 0),
    ("nanosecond.pcap", &[], 0),
    ("vlan-qinq.pcap", &[], 0),
    ("multi-iface.pcapng", &[], 0),
];

#[test]
fn shipped_packs_alert_like_suricata() {
    let pcaps = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    for (name, want, suppressed) in SURICATA {
        for workers in ["1", "2"] {
            let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
                // Signatures only: the behaviour stage's alerts have no Suricata counterpart.
                .args([
                    "replay",
                    "-q",
                    "--no-behaviour",
                    "--workers",
                    workers,
                    "--eve",
                    "-",
                ])
                .arg(pcaps.join(name))
                .output()
                .expect("run sensor");
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let mut got: BTreeMap<u32, usize> = BTreeMap::new();
            let mut got_suppressed = None;
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                if v["event_type"] == "stats" {
                    got_suppressed = v["stats"]["detect"]["alerts_suppressed"].as_u64();
                }
                if v["event_type"] == "alert" {
                    *got.entry(v["alert"]["signature_id"].as_u64().unwrap() as u32)
                        .or_default() += 1;
                }
            }
            let want: BTreeMap<u32, usize> = want.iter().copied().collect();
            assert_eq!(
                got, want,
                "{name} with {workers} workers: alerts by signature"
            );
            assert_eq!(
                got_suppressed,
                Some(*suppressed),
                "{name} with {workers} workers: matches held back by threshold"
            );
        }
    }
}
