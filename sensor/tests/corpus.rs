//! The sensor against public captures: every Zeek test trace replays to the end without a
//! panic, hang or runaway memory; Community ID of every flow equals the spec's baselines; the
//! Zeek traces of PPPoE, MPLS, ERSPAN and GRE give the flows Suricata 7.0.10 finds inside them.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sensor::testutil::corpus_dir;

const PER_FILE_LIMIT: Duration = Duration::from_secs(30);
const RSS_LIMIT_KB: i64 = 512 * 1024;

struct Outcome {
    code: i32,
    max_rss_kb: i64,
    stderr: String,
}

/// Runs `sensor replay` on one capture with a time limit, measuring its peak memory.
// The child is reaped by `wait4`, which also gives its resource usage.
#[allow(clippy::zombie_processes)]
fn replay(pcap: &Path, eve: &Path) -> Outcome {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["replay", "-q", "--workers", "2", "--eve"])
        .arg(eve)
        .arg(pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sensor");
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    loop {
        let mut status = 0;
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                -libc::WTERMSIG(status)
            };
            return Outcome {
                code,
                max_rss_kb: usage.ru_maxrss,
                stderr: reader.join().unwrap(),
            };
        }
        if started.elapsed() > PER_FILE_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{}: still running after {:?} (hang?)",
                pcap.display(),
                PER_FILE_LIMIT
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn captures_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            captures_under(&p, out);
        } else if p.extension().is_none_or(|e| e != "md" && e != "txt") {
            out.push(p);
        }
    }
}

#[test]
fn every_zeek_trace_replays_without_panic_hang_or_runaway_memory() {
    let Some(corpus) = corpus_dir() else { return };
    let mut files = Vec::new();
    captures_under(&corpus.join("zeek-traces"), &mut files);
    assert!(
        files.len() > 500,
        "expected the Zeek trace corpus, found {} files",
        files.len()
    );
    let tmp = tempdir("zeek");
    let eve = tmp.join("eve.json");
    let (mut ok, mut damaged, mut not_capture) = (0, 0, 0);
    for f in &files {
        let o = replay(f, &eve);
        match o.code {
            0 => ok += 1,
            4 => damaged += 1,
            1 => {
                not_capture += 1;
                assert!(
                    o.stderr.contains(&f.display().to_string()),
                    "error must name the file: {}",
                    o.stderr
                );
                continue;
            }
            c => panic!("{}: exit code {c}\n{}", f.display(), o.stderr),
        }
        assert!(
            o.max_rss_kb < RSS_LIMIT_KB,
            "{}: peak RSS {} KiB",
            f.display(),
            o.max_rss_kb
        );
        // Every line is JSON and the last one is the stats record.
        let text = std::fs::read_to_string(&eve).unwrap();
        let last = text.lines().last().expect("at least the stats record");
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{}: bad JSON {e}: {line}", f.display()));
        }
        let stats: serde_json::Value = serde_json::from_str(last).unwrap();
        assert_eq!(stats["event_type"], "stats", "{}", f.display());
    }
    eprintln!("zeek traces: {} files: {ok} clean, {damaged} with damage skipped, {not_capture} not captures", files.len());
    assert!(ok > files.len() / 2);
}

#[test]
fn community_id_of_every_flow_matches_the_spec_baseline() {
    let Some(corpus) = corpus_dir() else { return };
    let dir = corpus.join("community-id");
    let baseline: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("baseline/baseline_deflt.json")).unwrap(),
    )
    .unwrap();
    let expected: HashSet<String> = baseline
        .iter()
        .map(|r| r["communityid"].as_str().unwrap().to_string())
        .collect();
    let tmp = tempdir("cid");
    let eve = tmp.join("eve.json");
    let mut checked = 0;
    for name in [
        "tcp.pcap",
        "udp.pcap",
        "icmp.pcap",
        "icmp6.pcap",
        "ipv6.pcap",
        "sctp.pcap",
    ] {
        let o = replay(&dir.join("pcaps").join(name), &eve);
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        for line in std::fs::read_to_string(&eve).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["event_type"] != "flow" {
                continue;
            }
            let cid = v["community_id"].as_str().expect("flow has community_id");
            assert!(
                expected.contains(cid),
                "{name}: {cid} not in the baseline: {line}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} flows checked");
}

/// Zeek's traces of PPPoE (also in QinQ), MPLS in VLANs, ERSPAN types I and II, PPTP, GRE in
/// GRE, GRE over UDP, IPv6 in IPv6 and Teredo: the sensor's flows (protocol, addresses, ports) are the
/// ones Suricata 7.0.10 writes for the same capture (`tests/data/encap-flows.tsv`, its EVE
/// `flow` records with no rules; D37).
#[test]
fn encapsulated_zeek_traces_give_suricatas_flows() {
    let Some(corpus) = corpus_dir() else { return };
    type Flow = (String, std::net::IpAddr, std::net::IpAddr, String, String);
    let mut want: std::collections::BTreeMap<&str, HashSet<Flow>> = Default::default();
    let flow = |proto: &str, src: &str, dst: &str, sp: &str, dp: &str| -> Flow {
        (
            proto.to_string(),
            src.parse().unwrap(),
            dst.parse().unwrap(),
            sp.to_string(),
            dp.to_string(),
        )
    };
    for line in include_str!("data/encap-flows.tsv").lines() {
        let f: Vec<&str> = line.split('\t').collect();
        want.entry(f[0])
            .or_default()
            .insert(flow(f[1], f[2], f[3], f[4], f[5]));
    }
    assert_eq!(want.len(), 11);
    let tmp = tempdir("encap");
    let eve = tmp.join("eve.json");
    for (name, want) in want {
        let o = replay(&corpus.join("zeek-traces").join(name), &eve);
        assert_eq!(o.code, 0, "{name}: {}", o.stderr);
        let mut got = HashSet::new();
        for line in std::fs::read_to_string(&eve).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["event_type"] != "flow" {
                continue;
            }
            let port = |k: &str| v[k].as_u64().map_or(String::new(), |p| p.to_string());
            got.insert(flow(
                v["proto"].as_str().unwrap(),
                v["src_ip"].as_str().unwrap(),
                v["dest_ip"].as_str().unwrap(),
                &port("src_port"),
                &port("dest_port"),
            ));
        }
        assert_eq!(got, want, "{name}");
    }
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sensor-test-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
