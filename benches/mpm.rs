//! Prefilter costs: multi-pattern scan throughput over a 1 MiB haystack with 1k and 10k
//! patterns (aho-corasick, and Hyperscan with `--features hyperscan`), building sets at
//! indicator-list scale (20k patterns, 100k address ranges), and IP table, exact-set and dataset lookups.
//!
//! `cargo bench -p sensor-benches --bench mpm [--features hyperscan]`
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sensor::detect::dataset::{Dataset, DatasetType};
use sensor::detect::iptable::{ip_key, IpRange, IpTable};
use sensor::detect::mpm::{AcKind, AcMpm, Backend, ExactSet, Mpm, MultiPattern, Pattern, Scanner};

/// Deterministic xorshift64* so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn word(&mut self, min: usize, max: usize) -> Vec<u8> {
        let len = min + self.below(max - min + 1);
        (0..len).map(|_| b'a' + self.below(26) as u8).collect()
    }
}

/// Content-like literals (paths, parameters, domains, header fragments), half of them
/// `nocase` as in typical rule sets.
fn patterns(n: usize, seed: u64) -> Vec<Pattern> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let mut p = match rng.below(4) {
                0 => [b"/".as_slice(), &rng.word(4, 12), b".php"].concat(),
                1 => [rng.word(3, 8), b"=".to_vec(), rng.word(2, 6)].concat(),
                2 => [rng.word(5, 14), b".com".to_vec()].concat(),
                _ => [b"User-Agent: ".as_slice(), &rng.word(4, 10)].concat(),
            };
            if rng.below(3) == 0 {
                p.make_ascii_uppercase();
            }
            Pattern::new(p, i % 2 == 0, i as u32)
        })
        .collect()
}

/// 1 MiB of traffic-like bytes: HTTP-ish requests of random words alternating with random
/// (encrypted-looking) records, plus a few planted pattern occurrences.
fn haystack(pats: &[Pattern]) -> Vec<u8> {
    const SIZE: usize = 1 << 20;
    let mut rng = Rng(42);
    let mut h = Vec::with_capacity(SIZE + 4096);
    while h.len() < SIZE {
        if rng.below(2) == 0 {
            h.extend_from_slice(b"GET /");
            h.extend(rng.word(3, 10));
            h.extend_from_slice(b"/");
            h.extend(rng.word(3, 10));
            h.extend_from_slice(b"?q=");
            h.extend(rng.word(3, 10));
            h.extend_from_slice(b" HTTP/1.1\r\nHost: www.");
            h.extend(rng.word(4, 12));
            h.extend_from_slice(b".org\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n");
            h.extend_from_slice(b"Accept: text/html,application/xhtml+xml\r\nCookie: id=");
            h.extend(rng.word(16, 32));
            h.extend_from_slice(b"\r\n\r\n");
        } else {
            let n = 200 + rng.below(1200);
            h.extend((0..n).map(|_| rng.next() as u8));
        }
        if rng.below(50) == 0 {
            h.extend_from_slice(&pats[rng.below(pats.len())].bytes);
        }
    }
    h.truncate(SIZE);
    h
}

fn scan_all(s: &mut impl Scanner, hay: &[u8]) -> usize {
    let mut n = 0;
    s.scan(hay, &mut |_| n += 1);
    n
}

fn mpm_scan(c: &mut Criterion) {
    let mut g = c.benchmark_group("mpm_scan_1MiB");
    g.sample_size(10);
    for n in [1_000, 10_000] {
        let pats = patterns(n, n as u64);
        let hay = haystack(&pats);
        g.throughput(Throughput::Bytes(hay.len() as u64));
        for backend in [Backend::AhoCorasick, Backend::Hyperscan] {
            if !backend.is_available() {
                continue;
            }
            let m = Mpm::with_backend(backend, &pats).unwrap();
            let mut s = m.scanner();
            g.bench_with_input(BenchmarkId::new(backend.to_string(), n), &hay, |b, hay| {
                b.iter(|| scan_all(&mut s, black_box(hay)))
            });
        }
        // The chosen nocase strategy (one folding automaton, confirming case-sensitive hits)
        // against two automata scanned one after the other.
        let (folded, exact): (Vec<Pattern>, Vec<Pattern>) =
            pats.iter().cloned().partition(|p| p.nocase);
        let (mut a, mut b2) = (
            AcMpm::build(&folded).unwrap().scanner(),
            AcMpm::build(&exact).unwrap().scanner(),
        );
        g.bench_with_input(BenchmarkId::new("ac_two_automata", n), &hay, |b, hay| {
            b.iter(|| scan_all(&mut a, black_box(hay)) + scan_all(&mut b2, black_box(hay)))
        });
        // Both automaton representations, whichever `ac` picked.
        for (name, kind) in [("ac_dfa", AcKind::Dfa), ("ac_nfa", AcKind::Nfa)] {
            let mut s = AcMpm::build_with(&pats, kind).unwrap().scanner();
            g.bench_with_input(BenchmarkId::new(name, n), &hay, |b, hay| {
                b.iter(|| scan_all(&mut s, black_box(hay)))
            });
        }
    }
    g.finish();
}

/// A signature group of a port-specific pack (see `port_rules.py`): 300 fast patterns, mostly
/// random 6-12 character words, some short frequent tokens. The bigram filter (what `ac`
/// picks for such a set) against the DFA and Hyperscan.
fn mpm_scan_port_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("mpm_scan_1MiB_port_group");
    g.sample_size(10);
    let mut rng = Rng(11);
    let common: [&[u8]; 6] = [b"HTTP", b"Host", b"GET ", b"admin", b"\x16\x03", b"Mozilla"];
    let pats: Vec<Pattern> = (0..300u32)
        .map(|i| {
            let bytes = if i % 10 == 0 {
                common[(i / 10) as usize % common.len()].to_vec()
            } else {
                rng.word(6, 12)
            };
            Pattern::new(bytes, false, i)
        })
        .collect();
    let hay = haystack(&pats);
    g.throughput(Throughput::Bytes(hay.len() as u64));
    for (name, kind) in [("bigram", AcKind::Bigram), ("ac_dfa", AcKind::Dfa)] {
        let mut s = AcMpm::build_with(&pats, kind).unwrap().scanner();
        g.bench_with_input(BenchmarkId::new(name, 300), &hay, |b, hay| {
            b.iter(|| scan_all(&mut s, black_box(hay)))
        });
    }
    if Backend::Hyperscan.is_available() {
        let mut s = Mpm::with_backend(Backend::Hyperscan, &pats)
            .unwrap()
            .scanner();
        g.bench_with_input(BenchmarkId::new("hs", 300), &hay, |b, hay| {
            b.iter(|| scan_all(&mut s, black_box(hay)))
        });
    }
    g.finish();
}

fn domains(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng(7);
    (0..n)
        .map(|_| [rng.word(6, 18), b".com".to_vec()].concat())
        .collect()
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("build_20k_domains");
    g.sample_size(10);
    let pats: Vec<Pattern> = domains(20_000)
        .into_iter()
        .enumerate()
        .map(|(i, d)| Pattern::new(d, true, i as u32))
        .collect();
    for backend in [Backend::AhoCorasick, Backend::Hyperscan] {
        if backend.is_available() {
            g.bench_function(backend.to_string(), |b| {
                b.iter(|| Mpm::with_backend(backend, black_box(&pats)).unwrap())
            });
        }
    }
    g.bench_function("exact_set", |b| {
        b.iter(|| ExactSet::build(black_box(&pats)).unwrap())
    });
    // 80k addresses, 10k IPv4 prefixes, 10k IPv6 /64s.
    let mut rng = Rng(9);
    let ips: Vec<(u128, u128, u32)> = (0..100_000u32)
        .map(|i| {
            let r = match i % 10 {
                8 => IpRange::cidr(IpAddr::V4(Ipv4Addr::from(rng.next() as u32)), 20),
                9 => IpRange::cidr(IpAddr::V6(Ipv6Addr::from(u128::from(rng.next()) << 64)), 64),
                _ => Ok(IpRange::single(IpAddr::V4(Ipv4Addr::from(
                    rng.next() as u32
                )))),
            }
            .unwrap();
            (r.start, r.end, i)
        })
        .collect();
    g.bench_function("iptable_100k_ranges", |b| {
        b.iter(|| IpTable::build(black_box(ips.iter().copied())).unwrap())
    });
    g.finish();
}

fn lookups(c: &mut Criterion) {
    let mut g = c.benchmark_group("lookup");
    let mut rng = Rng(11);
    // 20k single addresses, 1k /24s and /48s, and a few wide negated-variable-like ranges.
    let mut entries: Vec<(u128, u128, u32)> = Vec::new();
    for i in 0..20_000u32 {
        let k = ip_key(IpAddr::V4(Ipv4Addr::from(rng.next() as u32)));
        entries.push((k, k, i));
    }
    for i in 0..1_000u32 {
        let v4 = IpRange::cidr(IpAddr::V4(Ipv4Addr::from(rng.next() as u32)), 24).unwrap();
        let v6 =
            IpRange::cidr(IpAddr::V6(Ipv6Addr::from(u128::from(rng.next()) << 64)), 48).unwrap();
        entries.push((v4.start, v4.end, 20_000 + i));
        entries.push((v6.start, v6.end, 30_000 + i));
    }
    for (i, r) in ["0.0.0.0-9.255.255.255", "11.0.0.0-172.15.255.255", "::/0"]
        .iter()
        .enumerate()
    {
        let r: IpRange = r.parse().unwrap();
        entries.push((r.start, r.end, 40_000 + i as u32));
    }
    let table = IpTable::build(entries.iter().copied()).unwrap();
    let probes: Vec<IpAddr> = (0..1024)
        .map(|i| {
            if i % 4 == 0 {
                IpAddr::V6(Ipv6Addr::from(entries[rng.below(entries.len())].0))
            } else {
                IpAddr::V4(Ipv4Addr::from(rng.next() as u32))
            }
        })
        .collect();
    g.throughput(Throughput::Elements(probes.len() as u64));
    g.bench_function("iptable_22k_entries_x1024", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for ip in &probes {
                table.lookup(black_box(*ip), &mut |id| n = n.wrapping_add(id));
            }
            n
        })
    });

    let names = domains(20_000);
    let set = ExactSet::build(
        &names
            .iter()
            .enumerate()
            .map(|(i, d)| Pattern::new(d.clone(), true, i as u32))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut ds = Dataset::new(DatasetType::String);
    for d in &names {
        ds.insert(d);
    }
    let queries: Vec<Vec<u8>> = (0..1024)
        .map(|i| {
            if i % 8 == 0 {
                names[rng.below(names.len())].clone()
            } else {
                [b"www.".to_vec(), rng.word(5, 15), b".net".to_vec()].concat()
            }
        })
        .collect();
    let mut s = set.scanner();
    g.bench_function("exact_set_20k_x1024", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for q in &queries {
                n += scan_all(&mut s, black_box(q));
            }
            n
        })
    });
    g.bench_function("dataset_string_20k_x1024", |b| {
        b.iter(|| queries.iter().filter(|q| ds.contains(black_box(q))).count())
    });
    g.finish();
}

criterion_group!(benches, mpm_scan, mpm_scan_port_group, build, lookups);
criterion_main!(benches);
