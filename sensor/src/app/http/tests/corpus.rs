//! Real HTTP streams from public pcaps (`testdata/*.txt`, made by `testdata/extract.py` from
//! the Zeek and suricata-verify corpora): the EVE objects must equal what Suricata 7.0.10 wrote
//! for the same flow, and the request/response fields must equal what tshark decoded. Each
//! stream is also fed in other splits (whole, byte by byte, random) and must give identical
//! transactions.

use std::path::{Path, PathBuf};

use super::util::{eve_of, feed_split, run_chunks, Ev, Split};
use crate::app::Direction;

pub(super) struct Vector {
    pub name: String,
    pub chunks: Vec<Ev>,
    pub eve: Vec<serde_json::Value>,
    /// tshark: method, URI, Host, User-Agent per request.
    pub requests: Vec<[String; 4]>,
    /// tshark: status code per response.
    pub responses: Vec<u16>,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Reads a vector file: one or more flows, each starting with a `## name` line.
pub(super) fn load(path: &Path) -> Vec<Vector> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut out: Vec<Vector> = Vec::new();
    let mut ours: Vec<serde_json::Value> = Vec::new();
    let finish = |v: &mut Vector, ours: &mut Vec<serde_json::Value>| {
        // Deliberate differences from Suricata replace its records.
        if !ours.is_empty() {
            v.eve = std::mem::take(ours);
        }
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            if let Some(v) = out.last_mut() {
                finish(v, &mut ours);
            }
            out.push(Vector {
                name: format!("{file}: {name}"),
                chunks: Vec::new(),
                eve: Vec::new(),
                requests: Vec::new(),
                responses: Vec::new(),
            });
            continue;
        }
        let Some(v) = out.last_mut() else { continue };
        if let Some(h) = line.strip_prefix("> ") {
            v.chunks.push(Ev::Data(Direction::ToServer, unhex(h)));
        } else if let Some(h) = line.strip_prefix("< ") {
            v.chunks.push(Ev::Data(Direction::ToClient, unhex(h)));
        } else if let Some(n) = line.strip_prefix("G> ") {
            v.chunks
                .push(Ev::Gap(Direction::ToServer, n.trim().parse().unwrap()));
        } else if let Some(n) = line.strip_prefix("G< ") {
            v.chunks
                .push(Ev::Gap(Direction::ToClient, n.trim().parse().unwrap()));
        } else if let Some(j) = line.strip_prefix("= ") {
            v.eve.push(serde_json::from_str(j).unwrap());
        } else if let Some(j) = line.strip_prefix("~ ") {
            ours.push(serde_json::from_str(j).unwrap());
        } else if let Some(q) = line.strip_prefix("T Q ") {
            let f: Vec<String> = q.split('\t').map(str::to_owned).collect();
            v.requests
                .push([0, 1, 2, 3].map(|i| f.get(i).cloned().unwrap_or_default()));
        } else if let Some(r) = line.strip_prefix("T R ") {
            // Interim 1xx responses belong to the final response's transaction.
            let code: u16 = r.trim().parse().unwrap();
            if !(100..200).contains(&code) || code == 101 {
                v.responses.push(code);
            }
        }
    }
    if let Some(v) = out.last_mut() {
        finish(v, &mut ours);
    }
    out
}

pub(super) fn vectors(dir: &Path) -> Vec<Vector> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().flat_map(|p| load(p)).collect()
}

/// Compares one vector; returns the differences found (empty when it matches).
pub(super) fn check(v: &Vector) -> Vec<String> {
    let mut errs = Vec::new();
    let txs = run_chunks(&v.chunks);
    let got: Vec<serde_json::Value> = txs.iter().map(eve_of).collect();
    if got != v.eve {
        errs.push(format!(
            "{}: EVE differs\n  suricata: {}\n  ours:     {}",
            v.name,
            serde_json::Value::Array(v.eve.clone()),
            serde_json::Value::Array(got)
        ));
    }
    let reqs: Vec<_> = txs.iter().filter_map(|t| t.request()).collect();
    for (i, want) in v.requests.iter().enumerate() {
        let Some(r) = reqs.get(i) else {
            errs.push(format!("{}: request {i} missing", v.name));
            continue;
        };
        let lossy = |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
        let got = [
            lossy(Some(r.method())),
            lossy(r.uri_raw()),
            lossy(r.header(b"host")),
            lossy(r.user_agent()),
        ];
        // tshark shows non-printable bytes escaped; compare only clean ASCII fields.
        for k in 0..4 {
            if want[k].is_ascii() && !want[k].contains('\\') && got[k] != want[k] {
                errs.push(format!(
                    "{}: request {i} field {k}: tshark {:?}, ours {:?}",
                    v.name, want[k], got[k]
                ));
            }
        }
    }
    let codes: Vec<u16> = txs
        .iter()
        .filter_map(|t| t.response()?.status_code())
        .collect();
    for (i, want) in v.responses.iter().enumerate() {
        if codes.get(i) != Some(want) {
            errs.push(format!(
                "{}: response {i}: tshark {want}, ours {:?}",
                v.name,
                codes.get(i)
            ));
        }
    }
    for split in [
        Split::Whole,
        Split::Bytes,
        Split::Random(7),
        Split::Random(99),
    ] {
        if feed_split(&v.chunks, split) != txs {
            errs.push(format!(
                "{}: {split:?} split gives other transactions",
                v.name
            ));
        }
    }
    errs
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app/http/testdata")
}

#[test]
fn corpus_streams_match_suricata_and_tshark() {
    let vs = vectors(&testdata());
    assert!(vs.len() >= 200, "test vectors missing: {}", vs.len());
    let errs: Vec<String> = vs.iter().flat_map(check).collect();
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}
