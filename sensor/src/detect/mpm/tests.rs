//! Backend equivalence against a naive matcher, and build time at indicator-list scale.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;
use crate::detect::dataset::{Dataset, DatasetType};
use crate::detect::iptable::{IpRange, IpTable};

fn occurs(p: &Pattern, hay: &[u8]) -> bool {
    p.bytes.is_empty()
        || hay.windows(p.bytes.len()).any(|w| {
            if p.nocase {
                w.eq_ignore_ascii_case(&p.bytes)
            } else {
                w == p.bytes
            }
        })
}

fn naive(patterns: &[Pattern], hay: &[u8]) -> BTreeSet<u32> {
    patterns
        .iter()
        .filter(|p| occurs(p, hay))
        .map(|p| p.id)
        .collect()
}

fn naive_exact(patterns: &[Pattern], hay: &[u8]) -> BTreeSet<u32> {
    patterns
        .iter()
        .filter(|p| {
            if p.nocase {
                p.bytes.eq_ignore_ascii_case(hay)
            } else {
                p.bytes == hay
            }
        })
        .map(|p| p.id)
        .collect()
}

/// Ids reported by one scan, failing on an id reported twice.
fn reported(scan: &mut ScanFn, hay: &[u8]) -> Result<BTreeSet<u32>, TestCaseError> {
    let all = scan(hay);
    let set: BTreeSet<u32> = all.iter().copied().collect();
    prop_assert_eq!(set.len(), all.len(), "an id was reported twice: {:?}", all);
    Ok(set)
}

type ScanFn = Box<dyn FnMut(&[u8]) -> Vec<u32>>;

/// A scanner kept across scans, as a worker keeps it.
fn scan_fn(mut s: impl Scanner + 'static) -> ScanFn {
    Box::new(move |hay| {
        let mut v = Vec::new();
        s.scan(hay, &mut |id| v.push(id));
        v
    })
}

/// Every compiled-in backend (and each aho-corasick representation), from the same patterns.
fn backends(patterns: &[Pattern]) -> Vec<(String, ScanFn)> {
    let mut v = Vec::new();
    for b in [Backend::AhoCorasick, Backend::Hyperscan] {
        if b.is_available() {
            let m = Mpm::with_backend(b, patterns).expect("build");
            v.push((b.to_string(), scan_fn(m.scanner())));
        }
    }
    #[cfg(feature = "hyperscan")]
    assert_eq!(v.len(), 2);
    for kind in [
        ac::AcKind::Nfa,
        ac::AcKind::Dfa,
        ac::AcKind::Bigram,
        ac::AcKind::Hash3,
    ] {
        let m = AcMpm::build_with(patterns, kind).expect("build");
        v.push((format!("ac {kind:?}"), scan_fn(m.scanner())));
    }
    v
}

fn check(patterns: &[Pattern], hays: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let mut scanners = backends(patterns);
    let exact = ExactSet::build(patterns).expect("build");
    let mut exact_scan = scan_fn(exact.scanner());
    for hay in hays {
        let want = naive(patterns, hay);
        for (name, s) in scanners.iter_mut() {
            let got = reported(s, hay)?;
            prop_assert_eq!(&got, &want, "backend {}", name);
        }
        let want = naive_exact(patterns, hay);
        prop_assert_eq!(reported(&mut exact_scan, hay)?, want.clone());
        prop_assert_eq!(exact.contains(hay), !want.is_empty());
    }
    Ok(())
}

/// Bytes where case folding, NUL, high bytes and regex syntax all get exercised.
fn byte() -> impl Strategy<Value = u8> {
    prop::sample::select(vec![
        b'a', b'A', b'b', b'B', b'z', b'.', b'*', b'\\', 0, 0xff, 0xc0, 0xe0,
    ])
}

fn pattern(max_len: usize) -> impl Strategy<Value = Pattern> {
    (vec(byte(), 0..max_len), any::<bool>(), 0u32..12)
        .prop_map(|(bytes, nocase, id)| Pattern::new(bytes, nocase, id))
}

/// Patterns cut from the haystack, with their case flipped at random, so that long patterns
/// match too.
fn planted() -> impl Strategy<Value = (Vec<Pattern>, Vec<u8>)> {
    vec(any::<u8>(), 1..400)
        .prop_flat_map(|hay| {
            let n = hay.len();
            let cut = (0..n, 1usize..40, any::<bool>(), any::<u64>(), 0u32..30);
            (vec(cut, 0..30), Just(hay))
        })
        .prop_map(|(cuts, hay)| {
            let pats = cuts
                .into_iter()
                .map(|(start, len, nocase, flips, id)| {
                    let end = (start + len).min(hay.len());
                    let mut bytes = hay[start..end].to_vec();
                    for (i, b) in bytes.iter_mut().enumerate() {
                        if flips >> (i % 64) & 1 == 1 {
                            *b = if b.is_ascii_lowercase() {
                                b.to_ascii_uppercase()
                            } else {
                                b.to_ascii_lowercase()
                            };
                        }
                    }
                    Pattern::new(bytes, nocase, id)
                })
                .collect();
            (pats, hay)
        })
}

proptest! {
    #[test]
    fn backends_equal_naive_small_alphabet(
        patterns in vec(pattern(6), 0..40),
        hays in vec(vec(byte(), 0..120), 1..6),
    ) {
        check(&patterns, &hays)?;
    }

    #[test]
    fn backends_equal_naive_planted((patterns, hay) in planted()) {
        let mut hays = vec![hay.clone(), hay.to_ascii_uppercase(), hay.to_ascii_lowercase()];
        // Whole-haystack patterns exercise ExactSet too.
        hays.extend(patterns.iter().map(|p| p.bytes.clone()));
        check(&patterns, &hays)?;
    }
}

/// Deterministic pseudo-random generator for the scale test (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn domains(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let tlds = [".com", ".net", ".org", ".ru", ".info", ".xyz"];
    (0..n)
        .map(|_| {
            let len = 6 + (rng.next() % 12) as usize;
            let mut d: Vec<u8> = (0..len).map(|_| b'a' + (rng.next() % 26) as u8).collect();
            d.extend_from_slice(tlds[(rng.next() % tlds.len() as u64) as usize].as_bytes());
            d
        })
        .collect()
}

/// Indicator-list scale: 20k domains into each multi-pattern backend and an exact set, 20k
/// lines into `string` and `md5` datasets, 100k address ranges into an IP table.
#[test]
fn indicator_lists_build_fast() {
    const N: usize = 20_000;
    let names = domains(N);
    let patterns: Vec<Pattern> = names
        .iter()
        .enumerate()
        .map(|(i, d)| Pattern::new(d.clone(), true, i as u32))
        .collect();
    // 80k addresses, 10k IPv4 prefixes (/16-/31), 10k IPv6 /64s.
    let mut rng = Rng(7);
    let mut ips: Vec<(u128, u128, u32)> = Vec::with_capacity(100_000);
    for i in 0..100_000u32 {
        let r = match i % 10 {
            8 => IpRange::cidr(
                IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
                16 + (rng.next() % 16) as u8,
            ),
            9 => IpRange::cidr(IpAddr::V6(Ipv6Addr::from(u128::from(rng.next()) << 64)), 64),
            _ => Ok(IpRange::single(IpAddr::V4(Ipv4Addr::from(
                rng.next() as u32
            )))),
        }
        .expect("range");
        ips.push((r.start, r.end, i));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let string_lines: String = names
        .iter()
        .map(|d| base64::Engine::encode(&b64, d) + "\n")
        .collect();
    let md5_lines: String = (0..N)
        .map(|_| format!("{:016x}{:016x}\n", rng.next(), rng.next()))
        .collect();

    let mut timings = Vec::new();
    let mut built = Vec::new();
    for b in [Backend::AhoCorasick, Backend::Hyperscan] {
        if !b.is_available() {
            continue;
        }
        let t = Instant::now();
        let m = Mpm::with_backend(b, &patterns).expect("mpm build");
        timings.push((format!("mpm {b}, {N} domains"), t.elapsed()));
        built.push(m);
    }
    let t = Instant::now();
    let ex = ExactSet::build(&patterns).expect("exact build");
    timings.push((format!("exact set, {N} domains"), t.elapsed()));
    let t = Instant::now();
    let table = IpTable::build(ips.iter().copied()).expect("iptable build");
    timings.push(("iptable, 100k ranges".to_string(), t.elapsed()));
    let t = Instant::now();
    let strings = Dataset::read(string_lines.as_bytes(), DatasetType::String, None).expect("read");
    timings.push((format!("string dataset, {N} lines"), t.elapsed()));
    let t = Instant::now();
    let md5s = Dataset::read(md5_lines.as_bytes(), DatasetType::Md5, None).expect("read");
    timings.push((format!("md5 dataset, {N} lines"), t.elapsed()));

    for (what, d) in &timings {
        println!("build {what}: {:.1} ms", d.as_secs_f64() * 1e3);
    }
    // What was built works.
    let hay = [b"GET http://www.".as_slice(), &names[123], b"/x"].concat();
    for m in &built {
        let mut got = Vec::new();
        m.scan(&hay, &mut |id| got.push(id));
        assert!(got.contains(&123), "{}", m.backend());
    }
    assert!(ex.contains(&names[5].to_ascii_uppercase()));
    let (k, _, id) = ips[77];
    let mut got = Vec::new();
    table.lookup_key(k, &mut |i| got.push(i));
    assert!(got.contains(&id));
    assert_eq!((strings.len(), strings.bad_lines()), (N, 0));
    assert!(strings.contains(&names[9]));
    assert_eq!((md5s.len(), md5s.bad_lines()), (N, 0));
    // Debug builds are an order of magnitude slower: the limit holds for release only.
    if !cfg!(debug_assertions) {
        for (what, d) in &timings {
            assert!(d.as_secs_f64() < 1.0, "{what} took {d:?}");
        }
    }
}
