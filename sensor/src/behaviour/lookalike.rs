//! Look-alike domains of the office's own names and its vendors' in DNS queries, TLS SNI and
//! HTTP Host: typosquats (edit distance), homoglyphs (`0`/`o`, `1`/`l`, `rn`/`m`) and
//! combosquats (`voter-elections-login`). The own names come from the configuration and are
//! also learned from the names outside clients use to reach inside servers (the portal's SNI).

use std::cell::RefCell;

use hashbrown::{DefaultHashBuilder, HashTable};
use memchr::memmem::Finder;
use std::hash::BuildHasher;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::Conn;
use super::util::{fnv1a, registered_domain};
use crate::time::Timestamp;

/// Learned names kept at most.
const LEARNED_CAP: usize = 32;
/// Shortest label compared (shorter ones match too much by chance).
const MIN_LABEL: usize = 5;
/// Verdicts remembered (names repeat: a busy office looks up a few hundred names all day)
/// and the bytes of name text kept for them; past either, the memory starts afresh.
const CACHE_NAMES: usize = 4096;
const CACHE_BYTES: usize = 256 << 10;

pub struct Lookalike {
    /// Own registered domains and their first labels, configured then learned.
    own: Vec<(String, String)>,
    /// Per own name, what every name seen is compared with (computed once, not per name).
    prepared: Vec<Prepared>,
    configured: usize,
    /// Buffers for the name being judged (no allocation per name), and verdicts of names
    /// judged before.
    scratch: RefCell<Scratch>,
    cache: RefCell<Verdicts>,
}

/// A verdict: the index of the own name imitated, and how.
type Verdict = Option<(u32, &'static str)>;

/// Verdicts per name since the own names last changed: (name's place in `text`, own name
/// index and how). No allocation once warm.
#[derive(Default)]
struct Verdicts {
    table: HashTable<(u32, u32, Verdict)>,
    text: String,
    hasher: DefaultHashBuilder,
}

impl Verdicts {
    fn clear(&mut self) {
        self.table.clear();
        self.text.clear();
    }

    fn get(&self, hash: u64, name: &str) -> Option<Verdict> {
        let text = &self.text;
        self.table
            .find(hash, |e| {
                text.get(e.0 as usize..(e.0 + e.1) as usize) == Some(name)
            })
            .map(|e| e.2)
    }

    fn put(&mut self, hash: u64, name: &str, verdict: Verdict) {
        if self.table.len() >= CACHE_NAMES || self.text.len() + name.len() > CACHE_BYTES {
            self.clear();
        }
        let off = self.text.len() as u32;
        self.text.push_str(name);
        let hasher = &self.hasher;
        let text = &self.text;
        self.table
            .insert_unique(hash, (off, name.len() as u32, verdict), |e| {
                hasher.hash_one(&text[e.0 as usize..(e.0 + e.1) as usize])
            });
    }
}

/// An own name ready for comparison: its label with homoglyphs folded, its registered domain
/// with dots as dashes, and searchers for each.
struct Prepared {
    folded: String,
    label: Finder<'static>,
    folded_finder: Finder<'static>,
    flat: Finder<'static>,
    reg: Finder<'static>,
}

#[derive(Default)]
struct Scratch {
    folded: String,
    prev: Vec<usize>,
    cur: Vec<usize>,
}

/// The label of a registered domain without its public suffix (`elections` of `elections.example`).
fn core_label(reg: &str) -> &str {
    reg.split('.').next().unwrap_or(reg)
}

/// `s` with look-alike letters folded (`rn` and `vv` first, left to right, then `0`, `1`, `i`,
/// `3`, `5`, `@`), into `out`. One pass: neither pair shares a letter with the other or with
/// what replaces it, so folding both at once equals folding one after the other.
fn homoglyph_fold(s: &str, out: &mut String) {
    out.clear();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"rn") {
            out.push('m');
            i += 2;
            continue;
        }
        if b[i..].starts_with(b"vv") {
            out.push('w');
            i += 2;
            continue;
        }
        let Some(c) = s[i..].chars().next() else {
            break;
        };
        out.push(match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            '3' => 'e',
            '5' => 's',
            '@' => 'a',
            c => c,
        });
        i += c.len_utf8();
    }
}

/// Levenshtein distance, stopping early above `max` (`prev`, `cur`: reused rows).
fn distance(a: &str, b: &str, max: usize, prev: &mut Vec<usize>, cur: &mut Vec<usize>) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for i in 1..=a.len() {
        cur[0] = i;
        let mut best = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            best = best.min(cur[j]);
        }
        if best > max {
            return max + 1;
        }
        std::mem::swap(prev, cur);
    }
    prev[b.len()]
}

/// Names under suffixes that never leave the site (a resolver's search list appends them:
/// `wpad.elections.example.local`).
fn local_suffix(name: &str) -> bool {
    let tld = match memchr::memrchr(b'.', name.as_bytes()) {
        Some(i) => &name[i + 1..],
        None => name,
    };
    matches!(
        tld,
        "local"
            | "lan"
            | "home"
            | "corp"
            | "internal"
            | "localdomain"
            | "arpa"
            | "intranet"
            | "localhost"
    )
}

fn plausible_name(name: &str) -> bool {
    // Only hex digits, colons and dots can spell an address: parse just those.
    let address = || {
        name.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
            && name.parse::<std::net::IpAddr>().is_ok()
    };
    name.contains('.')
        && !address()
        && !name
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b':')
}

impl Lookalike {
    pub fn new(cfg: &BehaviourConfig) -> Lookalike {
        let mut l = Lookalike {
            own: Vec::new(),
            prepared: Vec::new(),
            configured: 0,
            scratch: RefCell::new(Scratch::default()),
            cache: RefCell::new(Verdicts::default()),
        };
        for n in &cfg.own_names {
            l.add(n);
        }
        l.configured = l.own.len();
        l
    }

    fn add(&mut self, name: &str) {
        let name = name.trim_end_matches('.');
        // Names from events are lower-case already, and most are known: no copy for those.
        let lowered;
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            lowered = name.to_ascii_lowercase();
            lowered.as_str()
        } else {
            name
        };
        if !plausible_name(name) {
            return;
        }
        let reg = registered_domain(name);
        let label = core_label(reg);
        if label.len() < MIN_LABEL || self.own.iter().any(|(r, _)| r == reg) {
            return;
        }
        if self.own.len() >= self.configured + LEARNED_CAP {
            return;
        }
        let (reg, label) = (reg.to_string(), label.to_string());
        let mut folded = String::new();
        homoglyph_fold(&label, &mut folded);
        self.prepared.push(Prepared {
            label: Finder::new(label.as_bytes()).into_owned(),
            folded_finder: Finder::new(folded.as_bytes()).into_owned(),
            flat: Finder::new(reg.replace('.', "-").as_bytes()).into_owned(),
            reg: Finder::new(reg.as_bytes()).into_owned(),
            folded,
        });
        self.own.push((reg, label));
        // Verdicts were given against the former own names.
        self.cache.get_mut().clear();
    }

    /// A name outside clients used to reach an inside server: one of the office's own.
    pub fn learn(&mut self, name: &str) {
        self.add(name);
    }

    /// The own domain `name` imitates, and how (remembered per name).
    pub fn imitates(&self, name: &str) -> Option<(&str, &'static str)> {
        let mut cache = self.cache.borrow_mut();
        let hash = cache.hasher.hash_one(name);
        let verdict = match cache.get(hash, name) {
            Some(v) => v,
            None => {
                let v = self.judge(name);
                cache.put(hash, name, v);
                v
            }
        };
        verdict.and_then(|(i, how)| Some((self.own.get(i as usize)?.0.as_str(), how)))
    }

    /// `imitates` without the memory: the index of the own name imitated, and how.
    fn judge(&self, name: &str) -> Verdict {
        if !plausible_name(name) {
            return None;
        }
        let reg = registered_domain(name);
        if self.own.iter().any(|(r, _)| r == reg) {
            return None;
        }
        let label = core_label(reg);
        let mut scratch = self.scratch.borrow_mut();
        let Scratch { folded, prev, cur } = &mut *scratch;
        homoglyph_fold(label, folded);
        for (i, ((_, own), p)) in self.own.iter().zip(&self.prepared).enumerate() {
            let i = i as u32;
            if label == own {
                // Same name under another suffix (elections.example vs elections-example.test
                // is below; elections.com vs elections.example here).
                return Some((i, "same name under another suffix"));
            }
            if *folded == p.folded {
                return Some((i, "homoglyph"));
            }
            let max = if own.len() >= 8 { 2 } else { 1 };
            if distance(label, own, max, prev, cur) <= max {
                return Some((i, "typosquat"));
            }
            if label.len() > own.len() && p.label.find(label.as_bytes()).is_some() {
                return Some((i, "combosquat"));
            }
            // Both at once (`staff-electi0ns`): the folded name holds the folded own name.
            if folded.len() > p.folded.len() && p.folded_finder.find(folded.as_bytes()).is_some() {
                return Some((i, "combosquat with homoglyphs"));
            }
            if p.flat.find(name.as_bytes()).is_some() || p.reg.find(name.as_bytes()).is_some() {
                return Some((i, "own domain embedded in another"));
            }
        }
        None
    }

    /// A name an inside client looked up or reached (`what`: dns, sni, http-host).
    pub fn name(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        name: &str,
        what: &str,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        if self.own.is_empty()
            || cfg.domain_allowed(name)
            || cfg.host_allowed(c.client)
            || local_suffix(name)
        {
            return;
        }
        let Some((own, how)) = self.imitates(name) else {
            return;
        };
        let reg = registered_domain(name);
        out.push(Alert {
            ts,
            sig: alert::LOOKALIKE,
            src: c.client,
            sport: c.cport,
            dst: c.server,
            dport: c.sport,
            proto: c.proto,
            entity: fnv1a(reg.as_bytes()),
            // One alert per client and look-alike, whether seen in DNS, SNI or Host.
            why: format!(
                "{} {what} {name} imitates the office's {own} ({how})",
                c.client
            ),
            evidence: vec![
                format!("name={name}"),
                format!("imitates={own}"),
                format!("kind={how}"),
                format!("seen_in={what}"),
            ],
            severity: None,
            per_source: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l() -> Lookalike {
        let cfg = BehaviourConfig {
            own_names: vec!["voter.elections.example".into(), "votingvendor.com".into()],
            ..Default::default()
        };
        Lookalike::new(&cfg)
    }

    /// The matching as it was before it stopped building strings per name (D28).
    mod reference {
        use super::super::core_label;
        use crate::behaviour::util::registered_domain;

        pub fn homoglyph_fold(s: &str) -> String {
            s.replace("rn", "m")
                .replace("vv", "w")
                .chars()
                .map(|c| match c {
                    '0' => 'o',
                    '1' | 'i' => 'l',
                    '3' => 'e',
                    '5' => 's',
                    '@' => 'a',
                    c => c,
                })
                .collect()
        }

        fn distance(a: &str, b: &str, max: usize) -> usize {
            let (a, b) = (a.as_bytes(), b.as_bytes());
            if a.len().abs_diff(b.len()) > max {
                return max + 1;
            }
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            let mut cur = vec![0; b.len() + 1];
            for i in 1..=a.len() {
                cur[0] = i;
                let mut best = cur[0];
                for j in 1..=b.len() {
                    let cost = usize::from(a[i - 1] != b[j - 1]);
                    cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
                    best = best.min(cur[j]);
                }
                if best > max {
                    return max + 1;
                }
                std::mem::swap(&mut prev, &mut cur);
            }
            prev[b.len()]
        }

        pub fn plausible_name(name: &str) -> bool {
            name.contains('.')
                && name.parse::<std::net::IpAddr>().is_err()
                && !name
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b':')
        }

        pub fn imitates<'a>(
            own_list: &'a [(String, String)],
            folded_list: &[String],
            name: &str,
        ) -> Option<(&'a str, &'static str)> {
            if !plausible_name(name) {
                return None;
            }
            let reg = registered_domain(name);
            if own_list.iter().any(|(r, _)| r == reg) {
                return None;
            }
            let label = core_label(reg);
            let folded = homoglyph_fold(label);
            for ((own_reg, own), folded_own) in own_list.iter().zip(folded_list) {
                if label == own {
                    // Same name under another suffix (elections.example vs elections-example.test
                    // is below; elections.com vs elections.example here).
                    return Some((own_reg, "same name under another suffix"));
                }
                if folded == *folded_own {
                    return Some((own_reg, "homoglyph"));
                }
                let max = if own.len() >= 8 { 2 } else { 1 };
                if distance(label, own, max) <= max {
                    return Some((own_reg, "typosquat"));
                }
                if label.len() > own.len() && label.contains(own.as_str()) {
                    return Some((own_reg, "combosquat"));
                }
                // Both at once (`staff-electi0ns`): the folded name holds the folded own name.
                if folded.len() > folded_own.len() && folded.contains(folded_own.as_str()) {
                    return Some((own_reg, "combosquat with homoglyphs"));
                }
                let flat_own = own_reg.replace('.', "-");
                if name.contains(&flat_own) || name.contains(own_reg.as_str()) {
                    return Some((own_reg, "own domain embedded in another"));
                }
            }
            None
        }
    }

    /// Names made of look-alike pieces, judged by the reference matching and the current
    /// one against configured and learned own names: the same verdict every time.
    #[test]
    fn judges_like_the_reference_matching() {
        let mut l = l();
        l.learn("portal.county-clerk.example");
        l.learn("vvebmail.rn-office.org");
        let fold_all = |l: &Lookalike| -> Vec<String> {
            l.own
                .iter()
                .map(|(_, o)| reference::homoglyph_fold(o))
                .collect()
        };
        let mut folded = fold_all(&l);
        const PIECES: &[&str] = &[
            "voter",
            "elections",
            "e1ections",
            "electi0ns",
            "votingvendor",
            "vend0r",
            "county",
            "clerk",
            "webmail",
            "vvebmail",
            "rn",
            "m",
            "vv",
            "w",
            "i",
            "l",
            "1",
            "0",
            "3",
            "5",
            "@",
            "-",
            ".",
            ".",
            ".com",
            ".example",
            ".co.uk",
            ".test",
            "login",
            "sso",
            "é",
            "x",
            "10",
            ":",
            "a",
            "office",
            "0ffice",
            "org",
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut flagged = 0;
        let mut fold = String::new();
        for k in 0..100_000 {
            // A name learned midway: verdicts remembered before must not outlive it.
            if k == 50_000 {
                l.learn("www.0ffice-votes.example");
                folded = fold_all(&l);
            }
            let mut v = String::new();
            for _ in 0..1 + next(6) {
                v.push_str(PIECES[next(PIECES.len())]);
            }
            homoglyph_fold(&v, &mut fold);
            assert_eq!(fold, reference::homoglyph_fold(&v), "{v}");
            assert_eq!(plausible_name(&v), reference::plausible_name(&v), "{v}");
            let want = reference::imitates(&l.own, &folded, &v);
            flagged += usize::from(want.is_some());
            assert_eq!(l.imitates(&v), want, "{v}");
        }
        assert!(flagged > 5_000, "{flagged}");
    }

    #[test]
    fn finds_imitations() {
        let l = l();
        assert!(l.imitates("voter-elections-login.test").is_some());
        assert!(l.imitates("elections-example-sso.test").is_some());
        assert!(l.imitates("e1ections.example").is_some());
        assert!(l.imitates("electoins.com").is_some());
        assert!(l.imitates("votingvend0r.com").is_some());
        assert!(l.imitates("elections.com").is_some());
        assert_eq!(
            l.imitates("staff-electi0ns.test").map(|(_, how)| how),
            Some("combosquat with homoglyphs")
        );
    }

    #[test]
    fn leaves_own_and_unrelated_names_alone() {
        let l = l();
        assert!(l.imitates("www.elections.example").is_none());
        assert!(l.imitates("portal.votingvendor.com").is_none());
        assert!(l.imitates("www.google.com").is_none());
        assert!(
            l.imitates("selection.example").is_none()
                || l.imitates("selection.example").unwrap().1 == "typosquat"
        );
        assert!(l.imitates("10.1.2.3").is_none());
        assert!(local_suffix("wpad.elections.example.local"));
        assert!(l.imitates("weather.gov").is_none());
    }

    #[test]
    fn learns_at_most_a_bounded_number_of_names() {
        let mut l = Lookalike::new(&BehaviourConfig::default());
        for i in 0..1000 {
            l.learn(&format!("portal{i}.county{i}.example"));
        }
        assert!(l.own.len() <= LEARNED_CAP);
        assert!(l.imitates("n0thing-like-it.example").is_none());
    }
}
