//! A filter for large literal sets (a thousand patterns and more, whose first two bytes cover
//! too many bigrams for `bigram`): a bitmap of 65,536 bits over a hash of the first three
//! bytes of every pattern, ASCII case folded (8 KiB, stays in L1), tested at each position.
//! Folding lets one entry serve a `nocase` pattern whatever its case, and costs a
//! case-sensitive one only an extra comparison on a hit. Only where the bit is set are the
//! patterns of that hash compared. Each position costs a few independent operations and no
//! table walk, where the aho-corasick automaton of such a set (the contiguous NFA: its DFA is
//! too big) runs at 60-80 MB/s on text (`benches/detect.rs`).
//!
//! Patterns of one or two bytes are left to a [`BigramSet`] (a second, cheap pass), and the set
//! is not built when they are too many for it.

use hashbrown::HashMap;

use super::bigram::BigramSet;
use super::prepared::{Literal, Seen};

/// ASCII lowercase of every byte.
static FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

#[inline(always)]
fn hash(window: u32) -> usize {
    (window.wrapping_mul(0x9E37_79B1) >> 16) as usize
}

pub(crate) struct Hash3Set {
    bits: Box<[u64; 1024]>,
    /// Per hash, the range of `candidates` holding the patterns whose first three bytes have it.
    starts: HashMap<u16, (u32, u32)>,
    candidates: Vec<Candidate>,
    /// Patterns shorter than three bytes.
    short: Option<BigramSet>,
}

struct Candidate {
    bytes: Box<[u8]>,
    nocase: bool,
    slot: u32,
}

impl Hash3Set {
    /// `None` when the set has empty patterns, or short ones too many for the bigram filter.
    pub fn build(literals: &[Literal]) -> Option<Hash3Set> {
        let (short, long): (Vec<Literal>, Vec<Literal>) =
            literals.iter().cloned().partition(|l| l.bytes.len() < 3);
        if short.iter().any(|l| l.bytes.is_empty()) {
            return None;
        }
        let short = if short.is_empty() {
            None
        } else {
            Some(BigramSet::build(&short)?)
        };
        let mut by_hash: HashMap<u16, Vec<usize>> = HashMap::new();
        for (i, lit) in long.iter().enumerate() {
            let w = u32::from(FOLD[usize::from(lit.bytes[0])]) << 16
                | u32::from(FOLD[usize::from(lit.bytes[1])]) << 8
                | u32::from(FOLD[usize::from(lit.bytes[2])]);
            by_hash.entry(hash(w) as u16).or_default().push(i);
        }
        let mut bits = Box::new([0u64; 1024]);
        let mut starts = HashMap::with_capacity(by_hash.len());
        let mut candidates = Vec::with_capacity(long.len());
        for (h, list) in by_hash {
            bits[usize::from(h) >> 6] |= 1 << (h & 63);
            let start = candidates.len() as u32;
            candidates.extend(list.into_iter().map(|i| Candidate {
                bytes: long[i].bytes.clone().into_boxed_slice(),
                nocase: long[i].nocase,
                slot: long[i].slot,
            }));
            starts.insert(h, (start, candidates.len() as u32));
        }
        Some(Hash3Set {
            bits,
            starts,
            candidates,
            short,
        })
    }

    pub fn scan(
        &self,
        haystack: &[u8],
        seen: &mut Seen,
        ids: &[u32],
        on_match: &mut impl FnMut(u32),
    ) {
        if let Some(s) = &self.short {
            s.scan(haystack, seen, ids, on_match);
        }
        if self.candidates.is_empty() || seen.all_found() {
            return;
        }
        let mut from = 0;
        while let Some(i) = next_hit(&self.bits, haystack, from) {
            from = i + 1;
            let w = u32::from(FOLD[usize::from(haystack[i])]) << 16
                | u32::from(FOLD[usize::from(haystack[i + 1])]) << 8
                | u32::from(FOLD[usize::from(haystack[i + 2])]);
            let Some(&(start, end)) = self.starts.get(&(hash(w) as u16)) else {
                continue;
            };
            let rest = &haystack[i..];
            for c in &self.candidates[start as usize..end as usize] {
                if rest.len() < c.bytes.len() || seen.is_reported(c.slot) {
                    continue;
                }
                let head = &rest[..c.bytes.len()];
                let hit = if c.nocase {
                    head.eq_ignore_ascii_case(&c.bytes)
                } else {
                    *head == *c.bytes
                };
                if hit {
                    seen.report(c.slot, ids, on_match);
                }
            }
            if seen.all_found() {
                return;
            }
        }
    }
}

/// The first position at or after `from` whose folded three bytes hash to a set bit.
#[inline(never)]
fn next_hit(bits: &[u64; 1024], haystack: &[u8], from: usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    if rest.len() < 3 {
        return None;
    }
    let mut w = u32::from(FOLD[usize::from(rest[0])]) << 8 | u32::from(FOLD[usize::from(rest[1])]);
    for (j, &b) in rest[2..].iter().enumerate() {
        w = (w << 8 | u32::from(FOLD[usize::from(b)])) & 0x00ff_ffff;
        let k = hash(w);
        if bits[k >> 6] & (1 << (k & 63)) != 0 {
            return Some(from + j);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{ac::AcKind, AcMpm, MultiPattern, Pattern, Scanner};

    fn ids(pats: &[Pattern], hay: &[u8]) -> Vec<u32> {
        let m = AcMpm::build_with(pats, AcKind::Hash3).unwrap();
        let mut v = Vec::new();
        m.scanner().scan(hay, &mut |id| v.push(id));
        v.sort_unstable();
        v
    }

    #[test]
    fn edges_cases_and_short_patterns() {
        let pats = [
            Pattern::new("zzz", false, 1),
            Pattern::new("Host", true, 2),
            Pattern::new("HOST:", false, 3),
            Pattern::new("\u{0}", false, 4),
            Pattern::new("qq", true, 5),
        ];
        assert_eq!(ids(&pats, b"abczzz"), vec![1]);
        assert_eq!(ids(&pats, b"abczz"), Vec::<u32>::new());
        assert_eq!(ids(&pats, b"hOsT: x"), vec![2]);
        assert_eq!(ids(&pats, b"HOST: x"), vec![2, 3]);
        assert_eq!(ids(&pats, b"xQq\x00"), vec![4, 5]);
        assert_eq!(ids(&pats, b""), Vec::<u32>::new());
        assert_eq!(ids(&pats, b"zz"), Vec::<u32>::new());
        assert_eq!(ids(&pats, b"zzzzHostzzz"), vec![1, 2]);
    }

    #[test]
    fn large_sets_agree_with_the_automaton() {
        // 3,000 domain-like nocase patterns: too many first bigrams for the bigram filter.
        let pats: Vec<Pattern> = (0..3000u32)
            .map(|i| {
                let a = (b'a' + (i % 26) as u8) as char;
                let b = (b'a' + (i / 26 % 26) as u8) as char;
                let c = (b'0' + (i / 676 % 10) as u8) as char;
                Pattern::new(format!("{a}{b}{c}x{i}.example"), i % 3 != 0, i)
            })
            .collect();
        let auto = AcMpm::build_with(&pats, AcKind::Hash3).unwrap();
        assert!(auto.inner_kind_is_hash3());
        // `Auto` takes it where the DFA would be too big: 20k binary patterns.
        let big: Vec<Pattern> = (0..20_000u32)
            .map(|i| {
                Pattern::new(
                    u64::from(i)
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                        .to_le_bytes(),
                    false,
                    i,
                )
            })
            .collect();
        assert!(AcMpm::build(&big).unwrap().inner_kind_is_hash3());
        let nfa = AcMpm::build_with(&pats, AcKind::Nfa).unwrap();
        let mut hay = b"GET / HTTP/1.1\r\nHost: ".to_vec();
        hay.extend(pats[10].bytes.to_ascii_uppercase());
        hay.push(b' ');
        hay.extend(&pats[2000].bytes);
        hay.push(b' ');
        hay.extend(&pats[5].bytes[..pats[5].bytes.len() - 1]);
        let scan = |m: &AcMpm| {
            let mut v = Vec::new();
            m.scanner().scan(&hay, &mut |id| v.push(id));
            v.sort_unstable();
            v
        };
        assert_eq!(scan(&auto), scan(&nfa));
        // pats[10] is nocase (10 % 3 != 0), pats[2000] found as is, pats[5] cut short.
        assert_eq!(scan(&auto), vec![10, 2000]);
    }
}
