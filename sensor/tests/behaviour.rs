//! The behaviour stage end to end: the real labelled captures of `behaviour-real` scored as
//! its `score.py` scores them (pinned), the committed captures raising what `pcaps/README.md`
//! promises (pinned per capture), and the same alerts whatever the worker count.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use sensor::testutil::corpus_dir;

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sensor-behaviour-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Replays `pcap` with defaults and `--home-net`; the alert records.
fn alerts(
    pcap: &Path,
    home_net: &str,
    workers: u32,
    extra: &[&str],
    eve: &Path,
) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "replay",
            "-q",
            "--workers",
            &workers.to_string(),
            "--home-net",
            home_net,
            "--eve",
        ])
        .arg(eve)
        .args(extra)
        .arg(pcap)
        .output()
        .expect("run sensor");
    assert!(
        out.status.success(),
        "{}: {}",
        pcap.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(eve)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["event_type"] == "alert")
        .collect()
}

/// Seconds since the epoch of an EVE timestamp (`2018-09-12T01:10:02.587299+0000`).
fn epoch(ts: &str) -> f64 {
    let b = ts.as_bytes();
    let num = |r: std::ops::Range<usize>| ts[r].parse::<i64>().unwrap();
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (hh, mm, ss) = (num(11..13), num(14..16), num(17..19));
    let frac: f64 = format!("0{}", &ts[19..26]).parse().unwrap();
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let sign = if b[26] == b'-' { -1 } else { 1 };
    let off = sign * (num(27..29) * 3600 + num(29..31) * 60);
    (days * 86400 + hh * 3600 + mm * 60 + ss - off) as f64 + frac
}

fn in_cidr(ip: &str, cidr: &str) -> bool {
    let Some((net, bits)) = cidr.split_once('/') else {
        return ip == cidr;
    };
    let (Ok(IpAddr::V4(a)), Ok(IpAddr::V4(n)), Ok(bits)) = (
        ip.parse::<IpAddr>(),
        net.parse::<IpAddr>(),
        bits.parse::<u32>(),
    ) else {
        return false;
    };
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    u32::from(a) & mask == u32::from(n) & mask
}

/// Does `alert` name the attack's hosts within its time window (score.py's rule)?
fn detects(alert: &serde_json::Value, attack: &serde_json::Value) -> bool {
    let (Some(s), Some(d)) = (alert["src_ip"].as_str(), alert["dest_ip"].as_str()) else {
        return false;
    };
    let src = attack["src"].as_str().unwrap();
    let far = |ip: &str| {
        in_cidr(ip, attack["dst"].as_str().unwrap())
            || attack["dst_also"]
                .as_array()
                .is_some_and(|v| v.iter().any(|x| x.as_str() == Some(ip)))
    };
    let hosts = (s == src && far(d)) || (d == src && far(s));
    let t = epoch(alert["timestamp"].as_str().unwrap());
    let (start, end) = (
        attack["start"].as_f64().unwrap(),
        attack["end"].as_f64().unwrap(),
    );
    hosts && t >= start - 60.0 && t <= end + 3600.0
}

fn is_behaviour(a: &serde_json::Value) -> bool {
    a["alert"]["signature_id"]
        .as_u64()
        .is_some_and(|s| (9_200_001..=9_200_099).contains(&s))
}

/// All 26 real captures with defaults and the truth's `--home-net`: every attack found, by a
/// behaviour alert, and no alert that is not about an attack (benign or not).
#[test]
fn behaviour_real_score_is_pinned() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("behaviour-real");
    let mut truths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    truths.sort();
    assert_eq!(truths.len(), 26, "behaviour-real holds 26 captures");
    let tmp = tempdir("real");
    let (mut attacks, mut detected, mut by_behaviour, mut false_pos, mut benign_fp) =
        (0, 0, 0, 0, 0);
    let mut missed = Vec::new();
    for t in &truths {
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(t).unwrap()).unwrap();
        let pcap = dir.join(truth["pcap"].as_str().unwrap());
        let eve = tmp.join("eve.json");
        let found = alerts(&pcap, truth["home_net"].as_str().unwrap(), 1, &[], &eve);
        let list = truth["attacks"].as_array().unwrap();
        for a in list {
            attacks += 1;
            if found.iter().any(|al| detects(al, a)) {
                detected += 1;
            } else {
                missed.push(a["id"].as_str().unwrap().to_string());
            }
            if found.iter().any(|al| is_behaviour(al) && detects(al, a)) {
                by_behaviour += 1;
            }
        }
        let fp = found
            .iter()
            .filter(|al| !list.iter().any(|a| detects(al, a)))
            .count();
        false_pos += fp;
        if list.is_empty() {
            benign_fp += fp;
            assert!(
                fp <= 1,
                "{}: {fp} false alerts on a benign capture",
                t.display()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    eprintln!("behaviour-real: detected {detected}/{attacks} ({by_behaviour} by behaviour), false positives {false_pos} ({benign_fp} on benign captures)");
    assert_eq!(attacks, 20);
    assert_eq!(detected, 20, "missed: {missed:?}");
    assert_eq!(
        by_behaviour, 20,
        "every attack is found by behaviour, not only by signatures"
    );
    assert_eq!(false_pos, 0);
}

/// An alert a capture must raise: signature id, source, destination.
type Expected = (u64, &'static str, &'static str);

/// What each committed capture must raise (`pcaps/README.md`, "Expected"): (sid, src, dst).
#[test]
fn committed_captures_raise_what_the_readme_promises() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    let home = "10.10.0.0/16,2001:db8:10::/48";
    let expect: &[(&str, &[Expected])] = &[
        ("benign-office.pcap", &[]),
        (
            "attack-sqli.pcap",
            &[
                (9200040, "203.0.113.66", "10.10.1.10"),
                (9200043, "203.0.113.66", "10.10.1.10"),
                (9200011, "10.10.1.10", "203.0.113.66"),
            ],
        ),
        (
            "attack-scan.pcap",
            &[
                (9200030, "198.51.100.200", "10.10.1.10"),
                (9200041, "203.0.113.99", "10.10.1.10"),
                (9200042, "203.0.113.99", "10.10.1.10"),
                (9200043, "203.0.113.99", "10.10.1.10"),
            ],
        ),
        (
            "attack-phishing.pcap",
            &[
                (9200050, "10.10.3.42", "192.0.2.66"),
                (9200060, "10.10.3.42", "10.10.0.53"),
            ],
        ),
        (
            "attack-beacon.pcap",
            &[(9200001, "10.10.3.77", "203.0.113.140")],
        ),
        (
            "attack-dns-tunnel.pcap",
            &[(9200020, "10.10.3.88", "10.10.0.53")],
        ),
        (
            "attack-exfil.pcap",
            &[(9200010, "10.10.3.64", "192.0.2.200")],
        ),
        ("vlan-qinq.pcap", &[]),
        ("ipv6.pcap", &[]),
        ("fragments.pcap", &[]),
        ("multi-iface.pcapng", &[]),
        ("big-endian.pcap", &[]),
        ("nanosecond.pcap", &[]),
    ];
    let tmp = tempdir("pcaps");
    for (file, want) in expect {
        let eve = tmp.join("eve.json");
        let got: BTreeSet<(u64, String, String)> = alerts(&root.join(file), home, 1, &[], &eve)
            .iter()
            .filter(|a| is_behaviour(a))
            .map(|a| {
                (
                    a["alert"]["signature_id"].as_u64().unwrap(),
                    a["src_ip"].as_str().unwrap().to_string(),
                    a["dest_ip"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: BTreeSet<(u64, String, String)> = want
            .iter()
            .map(|(s, a, b)| (*s, a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want, "{file}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The stage merges events by packet time: one worker or two, the same alerts.
#[test]
fn same_behaviour_alerts_whatever_the_worker_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    let tmp = tempdir("workers");
    for file in [
        "attack-scan.pcap",
        "attack-beacon.pcap",
        "attack-sqli.pcap",
        "attack-phishing.pcap",
    ] {
        let runs: Vec<Vec<String>> = [1, 2, 3]
            .iter()
            .map(|&w| {
                let eve = tmp.join(format!("eve-{w}.json"));
                let mut v: Vec<String> = alerts(&root.join(file), "10.10.0.0/16", w, &[], &eve)
                    .iter()
                    .filter(|a| is_behaviour(a))
                    .map(|a| {
                        format!(
                            "{} {} {} {} {}",
                            a["timestamp"],
                            a["alert"]["signature_id"],
                            a["src_ip"],
                            a["dest_ip"],
                            a["alert"]["metadata"]["explanation"]
                        )
                    })
                    .collect();
                v.sort();
                v
            })
            .collect();
        assert!(!runs[0].is_empty(), "{file}");
        assert_eq!(runs[0], runs[1], "{file}: 1 vs 2 workers");
        assert_eq!(runs[0], runs[2], "{file}: 1 vs 3 workers");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// `--no-behaviour` turns the stage off; signatures still run.
#[test]
fn no_behaviour_switch() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    let tmp = tempdir("off");
    let eve = tmp.join("eve.json");
    let a = alerts(
        &root.join("attack-scan.pcap"),
        "10.10.0.0/16",
        1,
        &["--no-behaviour"],
        &eve,
    );
    assert!(!a.is_empty());
    assert!(!a.iter().any(is_behaviour));
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Runs `sensor generate` for `scenario` and `seed` into `pcap`; the truth's items.
fn generate(scenario: &str, seed: u64, pcap: &Path) -> Vec<serde_json::Value> {
    let truth = pcap.with_extension("truth.json");
    let st = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "generate",
            "--scenario",
            scenario,
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(pcap)
        .arg("--truth")
        .arg(&truth)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{scenario} {seed}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&truth).unwrap()).unwrap();
    let _ = std::fs::remove_file(&truth);
    v["items"].as_array().unwrap().clone()
}

/// The behaviour sids that report a kind of truth item, and whether only its source counts
/// (sweeps name the last host probed; look-alike lookups go to the resolver).
fn sids_for(kind: &str) -> (&'static [u64], bool) {
    match kind {
        "beacon" => (&[9200001], false),
        "exfil" => (&[9200010], false),
        "data-pulled" => (&[9200011], false),
        "dns-tunnel" => (&[9200020], false),
        "port-scan" => (&[9200030], false),
        "network-scan" => (&[9200031], true),
        "ping-sweep" => (&[9200032], true),
        "sqli" => (&[9200040, 9200041, 9200042, 9200043], false),
        "web-scanner" => (&[9200041, 9200042, 9200043], false),
        "cleartext-password" => (&[9200050], false),
        "lookalike" => (&[9200060], true),
        other => panic!("unknown truth kind {other}"),
    }
}

/// Does a behaviour alert report this truth item?
fn reports(alert: &serde_json::Value, item: &serde_json::Value) -> bool {
    let (sids, by_source) = sids_for(item["kind"].as_str().unwrap());
    let sid = alert["alert"]["signature_id"].as_u64().unwrap();
    let (s, d) = (
        alert["src_ip"].as_str().unwrap(),
        alert["dest_ip"].as_str().unwrap(),
    );
    let (src, dst) = (item["src"].as_str().unwrap(), item["dst"].as_str().unwrap());
    sids.contains(&sid)
        && if by_source {
            s == src
        } else {
            (s == src && d == dst) || (s == dst && d == src)
        }
}

const ATTACKS: &[&str] = &["sqli", "scan", "phishing", "beacon", "dns-tunnel", "exfil"];
const LOOKALIKES: &[&str] = &[
    "benign",
    "update-checks",
    "ntp",
    "backup",
    "cdn-download",
    "chatty-browsers",
    "busy-resolver",
    "printer-scan-to-mail",
];
const SEEDS: u64 = 20;

/// One scenario and seed: (truth items, which of them were reported, behaviour alerts that
/// report none of them).
type Outcome = (Vec<serde_json::Value>, Vec<bool>, Vec<String>);

fn score_seed(tmp: &Path, scenario: &str, seed: u64) -> Outcome {
    let pcap = tmp.join(format!("{scenario}-{seed}.pcap"));
    let items = generate(scenario, seed, &pcap);
    let eve = tmp.join(format!("{scenario}-{seed}.eve.json"));
    let found: Vec<serde_json::Value> =
        alerts(&pcap, "10.10.0.0/16,2001:db8:10::/48", 1, &[], &eve)
            .into_iter()
            .filter(is_behaviour)
            .collect();
    let _ = std::fs::remove_file(&pcap);
    let _ = std::fs::remove_file(&eve);
    let hit = items
        .iter()
        .map(|i| found.iter().any(|a| reports(a, i)))
        .collect();
    let false_alerts = found
        .iter()
        .filter(|a| !items.iter().any(|i| reports(a, i)))
        .map(|a| {
            format!(
                "{} {} -> {}: {}",
                a["alert"]["signature_id"],
                a["src_ip"],
                a["dest_ip"],
                a["alert"]["metadata"]["explanation"]
            )
        })
        .collect();
    (items, hit, false_alerts)
}

/// Every generated attack scenario over 20 seeds, each seed drawing its own addresses,
/// periods, jitter, volumes, timing and protocol: everything the generator's truth lists is
/// reported by a behaviour alert with defaults, and no behaviour alert reports anything else.
/// Every benign look-alike (and the benign office) over 20 seeds: no behaviour alert at all.
/// Prints the table of `README.md` (detections per attack type, alerts per look-alike).
#[test]
fn generated_scenarios_over_twenty_seeds() {
    let tmp = tempdir("seeds");
    let jobs: Vec<(&str, u64)> = ATTACKS
        .iter()
        .chain(LOOKALIKES)
        .flat_map(|s| (1..=SEEDS).map(move |seed| (*s, seed)))
        .collect();
    // Two at a time: each is a generator run and a replay.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(&str, u64, Outcome)> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                sc.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(scenario, seed)) = jobs.get(k) else {
                            return out;
                        };
                        out.push((scenario, seed, score_seed(&tmp, scenario, seed)));
                    }
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let _ = std::fs::remove_dir_all(&tmp);

    // Per attack type: items detected / generated; per scenario: false alerts; variety.
    let mut by_kind: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    let mut false_by_scenario: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    let mut sources: std::collections::BTreeMap<&str, BTreeSet<String>> = Default::default();
    let mut details: std::collections::BTreeMap<&str, BTreeSet<String>> = Default::default();
    let mut missed = Vec::new();
    for (scenario, seed, (items, hit, false_alerts)) in &results {
        let attack = ATTACKS.contains(scenario);
        assert_eq!(
            !items.is_empty(),
            attack,
            "{scenario} {seed}: truth {items:?}"
        );
        for (i, h) in items.iter().zip(hit) {
            let kind = i["kind"].as_str().unwrap().to_string();
            let e = by_kind.entry(kind).or_default();
            e.1 += 1;
            if *h {
                e.0 += 1;
            } else {
                missed.push(format!("{scenario} seed {seed}: {i}"));
            }
            sources
                .entry(scenario)
                .or_default()
                .insert(i["src"].as_str().unwrap().to_string());
            details
                .entry(scenario)
                .or_default()
                .insert(i["detail"].as_str().unwrap().to_string());
        }
        false_by_scenario
            .entry(scenario)
            .or_default()
            .extend(false_alerts.iter().map(|a| format!("seed {seed}: {a}")));
    }
    let mut table = vec![
        "| attack type | detected | seeds |".to_string(),
        "|---|---|---|".to_string(),
    ];
    for (kind, (d, n)) in &by_kind {
        table.push(format!("| {kind} | {d}/{n} | {SEEDS} |"));
    }
    table.push(String::new());
    table.push("| scenario | behaviour alerts not about an attack | seeds |".to_string());
    table.push("|---|---|---|".to_string());
    for s in ATTACKS.iter().chain(LOOKALIKES) {
        let n = false_by_scenario.get(s).map_or(0, Vec::len);
        table.push(format!("| {s} | {n} | {SEEDS} |"));
    }
    eprintln!("{}", table.join("\n"));
    assert!(missed.is_empty(), "missed: {missed:#?}");
    let false_alerts: Vec<&String> = false_by_scenario.values().flatten().collect();
    assert!(false_alerts.is_empty(), "false alerts: {false_alerts:#?}");
    // Every attack type of the issue shows up, and the seeds really vary the attacks.
    for kind in [
        "beacon",
        "exfil",
        "data-pulled",
        "dns-tunnel",
        "port-scan",
        "network-scan",
        "ping-sweep",
        "sqli",
        "web-scanner",
        "cleartext-password",
        "lookalike",
    ] {
        assert!(by_kind.contains_key(kind), "no {kind} in 20 seeds");
    }
    for s in ATTACKS {
        assert!(sources[s].len() >= 15, "{s}: {:?}", sources[s]);
    }
    for s in ["beacon", "exfil", "dns-tunnel", "scan"] {
        assert!(details[s].len() >= 15, "{s}: {:?}", details[s]);
    }
}

/// Rewrites a classic little-endian microsecond pcap's record times `secs` later; without
/// its global header unless `header`.
fn shifted(d: &[u8], secs: u32, header: bool, out: &mut Vec<u8>) {
    assert_eq!(&d[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
    if header {
        out.extend_from_slice(&d[..24]);
    }
    let mut o = 24;
    while o + 16 <= d.len() {
        let t = u32::from_le_bytes(d[o..o + 4].try_into().unwrap()) + secs;
        let caplen = u32::from_le_bytes(d[o + 8..o + 12].try_into().unwrap()) as usize;
        out.extend_from_slice(&t.to_le_bytes());
        out.extend_from_slice(&d[o + 4..o + 16 + caplen]);
        o += 16 + caplen;
    }
}

/// An office day: 50 ten-minute benign slices (`sensor generate --scenario benign`, a seed
/// each) laid end to end, 8 h 20 min of packet time with the same hosts all day (workstations
/// browsing the same sites, the mail relay delivering, the resolver's NTP, pings from the
/// monitoring host); and over the same day two runs of each benign look-alike at different
/// hours (update checks for hours, NTP, a backup, CDN downloads, chatty browsers, the busy
/// resolver, the printer mailing scans), replayed together, merged by time. The issue allows
/// at most 3 alerts, each explained here; the stage raises none.
#[test]
fn an_office_day_raises_no_behaviour_alert() {
    let tmp = tempdir("day");
    let day = tmp.join("day.pcap");
    let mut out: Vec<u8> = Vec::new();
    for k in 0..50u32 {
        let slice = tmp.join(format!("slice-{k}.pcap"));
        generate("benign", 100 + k as u64, &slice);
        shifted(&std::fs::read(&slice).unwrap(), 600 * k, k == 0, &mut out);
        let _ = std::fs::remove_file(&slice);
    }
    std::fs::write(&day, &out).unwrap();
    let mut files = vec![day];
    for (i, scenario) in LOOKALIKES[1..].iter().enumerate() {
        for run in 0..2u32 {
            let pcap = tmp.join(format!("{scenario}-{run}.pcap"));
            generate(scenario, 200 + 10 * i as u64 + run as u64, &pcap);
            // Spread over the day: the k-th of 14 runs starts k * 33 minutes in.
            let k = 2 * i as u32 + run;
            let mut o = Vec::new();
            shifted(&std::fs::read(&pcap).unwrap(), 1980 * k, true, &mut o);
            std::fs::write(&pcap, &o).unwrap();
            files.push(pcap);
        }
    }
    let eve = tmp.join("eve.json");
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args([
            "replay",
            "-q",
            "--workers",
            "2",
            "--home-net",
            "10.10.0.0/16,2001:db8:10::/48",
            "--eve",
        ])
        .arg(&eve)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&eve)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let span = {
        let ts: Vec<f64> = records
            .iter()
            .filter(|r| r["event_type"] == "flow")
            .map(|r| epoch(r["flow"]["start"].as_str().unwrap()))
            .collect();
        let lo = ts.iter().cloned().fold(f64::MAX, f64::min);
        let hi = ts.iter().cloned().fold(0.0, f64::max);
        hi - lo
    };
    assert!(span >= 8.0 * 3600.0, "packet time {span} s");
    let behaviour: Vec<String> = records
        .iter()
        .filter(|r| r["event_type"] == "alert" && is_behaviour(r))
        .map(|a| a["alert"]["metadata"]["explanation"].to_string())
        .collect();
    // Allowed: at most 3, each explained. None is expected, so none is explained.
    let explained: &[&str] = &[];
    assert!(behaviour.len() <= 3, "{behaviour:#?}");
    for b in &behaviour {
        assert!(
            explained.iter().any(|e| b.contains(e)),
            "unexplained alert over the office day: {b}"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
