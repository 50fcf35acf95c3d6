//! The shipped rule packs on the committed captures raise exactly the alerts Suricata 7.0.10
//! raises with the same rules (`suricata -r PCAP -k none -S rules/election-portal.rules -S
//! rules/c2-exfil.rules`, counts by signature pinned below; the test never runs Suricata).

use std::collections::BTreeMap;
use std::process::Command;

/// (capture, [(signature id, alerts)]) as Suricata 7.0.10 reported them.
const SURICATA: &[(&str, &[(u32, usize)])] = &[
    ("attack-beacon.pcap", &[]),
    ("attack-dns-tunnel.pcap", &[(9100120, 443)]),
    ("attack-exfil.pcap", &[]),
    ("attack-phishing.pcap", &[(9100110, 1), (9100111, 1)]),
    (
        "attack-scan.pcap",
        &[
            (9100020, 10),
            (9100021, 13),
            (9100023, 50),
            (9100026, 3),
            (9100027, 2),
            (9100028, 2),
            (9100040, 5),
            (9100042, 6),
            (9100050, 2),
        ],
    ),
    (
        "attack-sqli.pcap",
        &[(9100001, 8), (9100004, 2), (9100006, 2), (9100020, 26)],
    ),
    ("benign-office.pcap", &[]),
    ("big-endian.pcap", &[]),
    ("fragments.pcap", &[]),
    ("ipv6.pcap", &[]),
    ("nanosecond.pcap", &[]),
    ("vlan-qinq.pcap", &[]),
    ("multi-iface.pcapng", &[]),
];

#[test]
fn shipped_packs_alert_like_suricata() {
    let pcaps = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    for (name, want) in SURICATA {
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
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
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
        }
    }
}
