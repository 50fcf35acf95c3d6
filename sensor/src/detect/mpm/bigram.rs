//! A literal matcher for the default build that skips most bytes: a bitmap of the first two
//! bytes of every pattern (all case variants for `nocase` ones; 8 KiB, stays in L1) is tested
//! at each position, and only where it hits are the patterns starting with those two bytes
//! compared. The aho-corasick DFA spends a dependent table load per byte (perf: 6 cycles a
//! byte once the tables of a few hundred patterns leave L1); this loop has no dependency
//! between positions. It pays when few positions hit, so `AcMpm` uses it only for sets whose
//! bigrams cover a small part of the 65,536 (see `MAX_COVERAGE`), and keeps the automaton for
//! the rest. One-byte patterns are found with `memchr`.

use hashbrown::HashMap;

use super::prepared::{Literal, Seen};

/// Largest share of all bigrams (in 1/65536) the set's first bigrams may cover.
pub const MAX_COVERAGE: usize = 1200;

pub(crate) struct BigramSet {
    /// Bit per bigram (`b0 << 8 | b1`) that starts some pattern.
    bits: Box<[u64; 1024]>,
    /// Per bigram, the range of `candidates` holding the patterns that start with it.
    starts: HashMap<u16, (u32, u32)>,
    candidates: Vec<Candidate>,
    /// One-byte patterns: the byte (both cases for `nocase`) and the slot.
    single: Vec<(u8, u8, u32)>,
}

struct Candidate {
    bytes: Box<[u8]>,
    nocase: bool,
    slot: u32,
}

fn variants(b: u8, nocase: bool) -> [u8; 2] {
    if nocase {
        [b.to_ascii_lowercase(), b.to_ascii_uppercase()]
    } else {
        [b, b]
    }
}

impl BigramSet {
    /// Builds the set when its bigrams are few enough for the filter to pay; `None` otherwise.
    /// Empty literals are not expected (the caller reports them on every scan).
    pub fn build(literals: &[Literal]) -> Option<BigramSet> {
        let mut by_bigram: HashMap<u16, Vec<usize>> = HashMap::new();
        let mut single = Vec::new();
        for (i, lit) in literals.iter().enumerate() {
            match lit.bytes.len() {
                0 => return None,
                1 => {
                    let [a, b] = variants(lit.bytes[0], lit.nocase);
                    single.push((a, b, lit.slot));
                }
                _ => {
                    for b0 in variants(lit.bytes[0], lit.nocase) {
                        for b1 in variants(lit.bytes[1], lit.nocase) {
                            let list = by_bigram.entry(u16::from_be_bytes([b0, b1])).or_default();
                            if list.last() != Some(&i) {
                                list.push(i);
                            }
                        }
                    }
                }
            }
        }
        if by_bigram.len() > MAX_COVERAGE {
            return None;
        }
        let mut bits = Box::new([0u64; 1024]);
        let mut starts = HashMap::with_capacity(by_bigram.len());
        let mut candidates = Vec::new();
        for (bigram, list) in by_bigram {
            bits[usize::from(bigram) >> 6] |= 1 << (bigram & 63);
            let start = candidates.len() as u32;
            candidates.extend(list.into_iter().map(|i| Candidate {
                bytes: literals[i].bytes.clone().into_boxed_slice(),
                nocase: literals[i].nocase,
                slot: literals[i].slot,
            }));
            starts.insert(bigram, (start, candidates.len() as u32));
        }
        Some(BigramSet {
            bits,
            starts,
            candidates,
            single,
        })
    }

    pub fn scan(
        &self,
        haystack: &[u8],
        seen: &mut Seen,
        ids: &[u32],
        on_match: &mut impl FnMut(u32),
    ) {
        for &(a, b, slot) in &self.single {
            let found = if a == b {
                memchr::memchr(a, haystack)
            } else {
                memchr::memchr2(a, b, haystack)
            };
            if found.is_some() {
                seen.report(slot, ids, on_match);
            }
        }
        if self.candidates.is_empty() || seen.all_found() {
            return;
        }
        let mut from = 0;
        while let Some(i) = next_hit(&self.bits, haystack, from) {
            from = i + 1;
            let k = u16::from_be_bytes([haystack[i], haystack[i + 1]]);
            let Some(&(start, end)) = self.starts.get(&k) else {
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

/// The first position at or after `from` whose bigram is in `bits`. Kept apart from the
/// verification so the loop runs in registers: one byte load and one bit test per position.
#[inline(never)]
fn next_hit(bits: &[u64; 1024], haystack: &[u8], from: usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    let (&first, tail) = rest.split_first()?;
    let mut prev = usize::from(first);
    for (j, &b) in tail.iter().enumerate() {
        let k = prev << 8 | usize::from(b);
        if bits[k >> 6] & (1 << (k & 63)) != 0 {
            return Some(from + j);
        }
        prev = usize::from(b);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{ac::AcKind, AcMpm, MultiPattern, Pattern, Scanner};

    fn ids(pats: &[Pattern], hay: &[u8]) -> Vec<u32> {
        let m = AcMpm::build_with(pats, AcKind::Bigram).unwrap();
        let mut v = Vec::new();
        m.scanner().scan(hay, &mut |id| v.push(id));
        v.sort_unstable();
        v
    }

    #[test]
    fn edges_cases_and_single_bytes() {
        let pats = [
            Pattern::new("zz", false, 1),
            Pattern::new("Host", true, 2),
            Pattern::new("HOST:", false, 3),
            Pattern::new("\u{0}", false, 4),
            Pattern::new("q", true, 5),
        ];
        // At the very end, and one byte short of it.
        assert_eq!(ids(&pats, b"abczz"), vec![1]);
        assert_eq!(ids(&pats, b"abcz"), Vec::<u32>::new());
        // nocase matches any case, the case-sensitive one only its own.
        assert_eq!(ids(&pats, b"hOsT: x"), vec![2]);
        assert_eq!(ids(&pats, b"HOST: x"), vec![2, 3]);
        assert_eq!(ids(&pats, b"xQ\x00"), vec![4, 5]);
        assert_eq!(ids(&pats, b""), Vec::<u32>::new());
        // Overlapping and repeated occurrences: each id once.
        assert_eq!(ids(&pats, b"zzzzHostzz"), vec![1, 2]);
    }

    #[test]
    fn too_many_bigrams_fall_back_to_the_automaton() {
        let pats: Vec<Pattern> = (0..2000u32)
            .map(|i| Pattern::new((i as u16).to_be_bytes().repeat(2), false, i))
            .collect();
        assert!(super::BigramSet::build(
            &super::super::prepared::Prepared::new(&pats)
                .unwrap()
                .literals
        )
        .is_none());
        let m = AcMpm::build_with(&pats, AcKind::Bigram).unwrap();
        let mut v = Vec::new();
        m.scanner().scan(&[0, 7, 0, 7, 1], &mut |id| v.push(id));
        assert_eq!(v, vec![7]);
    }
}
