//! The aho-corasick backend.
//!
//! One automaton serves all patterns. When the set mixes `nocase` and case-sensitive literals
//! the automaton folds ASCII case and a case-sensitive hit is confirmed by comparing the matched
//! bytes: one pass over the haystack instead of two (two automata measured half as fast, see
//! `benches/mpm.rs`). A set of one kind needs no confirmation.
//!
//! Sets whose first two bytes are few use the bigram filter of `bigram` (no automaton).
//! Other small sets are compiled to a DFA, which scans 1.5-2x faster than the contiguous NFA but
//! takes a row of 4-byte transitions per pattern byte, one per byte class (measured: 10k
//! domains, 35 MB and 180 ms against 2.7 MB and 90 ms). Sets whose DFA would exceed
//! [`DFA_MAX_BYTES`] get the hashed three-byte filter of `hash3` (3x the contiguous NFA on ET
//! Open's payload patterns), or the NFA when it cannot be built.

use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use hashbrown::HashMap;

use super::bigram::BigramSet;
use super::hash3::Hash3Set;
use super::prepared::{Prepared, Seen};
use super::{Backend, MpmError, MultiPattern, Pattern, Scanner};

/// Pattern set compiled to an aho-corasick automaton (overlapping, `Standard` semantics).
#[derive(Clone)]
pub struct AcMpm {
    inner: Arc<Inner>,
}

struct Inner {
    /// None when there is no non-empty pattern, or `bigram` serves instead.
    ac: Option<AhoCorasick>,
    /// The bigram filter, for sets it suits (see `bigram`).
    bigram: Option<BigramSet>,
    /// The hashed three-byte filter, for large sets (see `hash3`).
    hash3: Option<Hash3Set>,
    /// Automaton pattern index to its range in `entries`.
    groups: Vec<(u32, u32)>,
    entries: Vec<Entry>,
    ids: Vec<u32>,
    always: Vec<u32>,
    pattern_count: usize,
}

/// One literal behind an automaton pattern: several literals that differ only in case share
/// one automaton pattern when the automaton folds case.
struct Entry {
    slot: u32,
    /// Bytes the match must equal exactly; None when any case is fine.
    exact: Option<Box<[u8]>>,
}

/// Largest estimated DFA compiled; larger sets get the contiguous NFA.
pub const DFA_MAX_BYTES: usize = 16 << 20;

/// Upper estimate of a DFA's size: a state per pattern byte, a row of one 4-byte transition
/// per byte class (at most one class per distinct pattern byte, plus the rest), times two
/// (measured: 10k domains estimate 18 MB, take 35 MB).
fn dfa_estimate(keys: &[Vec<u8>]) -> usize {
    let mut present = [false; 256];
    let mut total = 0usize;
    for k in keys {
        total = total.saturating_add(k.len());
        for &b in k {
            present[usize::from(b)] = true;
        }
    }
    let classes = present.iter().filter(|&&p| p).count() + 1;
    total.saturating_mul(classes).saturating_mul(8)
}

/// Automaton representation.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default)]
pub enum AcKind {
    /// The bigram filter when the set suits it, else the DFA up to [`DFA_MAX_BYTES`], else
    /// the hashed three-byte filter (`hash3`), else the contiguous NFA.
    #[default]
    Auto,
    Nfa,
    Dfa,
    /// The bigram filter whenever it can be built (as `Auto`, for tests and measurements).
    Bigram,
    /// The hashed three-byte filter whenever it can be built (`Auto` uses it where the DFA
    /// would be too big: measured 3x the contiguous NFA on ET Open's payload patterns; a DFA
    /// that fits is faster on traffic without matches).
    Hash3,
}

impl AcMpm {
    /// Builds with an explicit automaton representation (for measurements).
    #[doc(hidden)]
    pub fn build_with(patterns: &[Pattern], kind: AcKind) -> Result<AcMpm, MpmError> {
        let prep = Prepared::new(patterns)?;
        let bigram = match kind {
            AcKind::Auto | AcKind::Bigram => BigramSet::build(&prep.literals),
            AcKind::Nfa | AcKind::Dfa | AcKind::Hash3 => None,
        };
        let hash3 = match kind {
            AcKind::Hash3 => Hash3Set::build(&prep.literals),
            AcKind::Auto if bigram.is_none() => {
                let keys: Vec<Vec<u8>> = prep.literals.iter().map(|l| l.bytes.clone()).collect();
                if dfa_estimate(&keys) > DFA_MAX_BYTES {
                    Hash3Set::build(&prep.literals)
                } else {
                    None
                }
            }
            _ => None,
        };
        if bigram.is_some() || hash3.is_some() {
            return Ok(AcMpm {
                inner: Arc::new(Inner {
                    ac: None,
                    bigram,
                    hash3,
                    groups: Vec::new(),
                    entries: Vec::new(),
                    ids: prep.ids,
                    always: prep.always,
                    pattern_count: prep.pattern_count,
                }),
            });
        }
        let any_nocase = prep.literals.iter().any(|l| l.nocase);
        let any_exact = prep.literals.iter().any(|l| !l.nocase);
        let fold = any_nocase;
        let confirm = any_nocase && any_exact;

        // Key each literal by the bytes the automaton will see.
        let mut group_of: HashMap<Vec<u8>, usize> = HashMap::with_capacity(prep.literals.len());
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut members: Vec<Vec<Entry>> = Vec::new();
        for lit in &prep.literals {
            let key = if fold {
                lit.bytes.to_ascii_lowercase()
            } else {
                lit.bytes.clone()
            };
            let g = *group_of.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                members.push(Vec::new());
                members.len() - 1
            });
            let exact = (confirm && !lit.nocase).then(|| lit.bytes.clone().into_boxed_slice());
            if let Some(list) = members.get_mut(g) {
                list.push(Entry {
                    slot: lit.slot,
                    exact,
                });
            }
        }
        let mut groups = Vec::with_capacity(members.len());
        let mut entries = Vec::with_capacity(prep.literals.len());
        for list in members {
            let start = entries.len() as u32;
            entries.extend(list);
            groups.push((start, entries.len() as u32 - start));
        }

        let ac = if keys.is_empty() {
            None
        } else {
            let kind = match kind {
                AcKind::Auto | AcKind::Bigram | AcKind::Hash3
                    if dfa_estimate(&keys) <= DFA_MAX_BYTES =>
                {
                    Some(AhoCorasickKind::DFA)
                }
                // aho-corasick's own choice for large sets: the contiguous NFA when it fits.
                AcKind::Auto | AcKind::Bigram | AcKind::Hash3 => None,
                AcKind::Nfa => Some(AhoCorasickKind::ContiguousNFA),
                AcKind::Dfa => Some(AhoCorasickKind::DFA),
            };
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(fold)
                .kind(kind)
                .build(&keys)
                .map_err(|e| MpmError::Build {
                    backend: Backend::AhoCorasick,
                    message: e.to_string(),
                })?;
            Some(ac)
        };
        Ok(AcMpm {
            inner: Arc::new(Inner {
                ac,
                bigram: None,
                hash3: None,
                groups,
                entries,
                ids: prep.ids,
                always: prep.always,
                pattern_count: prep.pattern_count,
            }),
        })
    }

    #[cfg(test)]
    pub(crate) fn inner_kind_is_hash3(&self) -> bool {
        self.inner.hash3.is_some()
    }

    /// Heap bytes held by the automaton.
    pub fn memory_usage(&self) -> usize {
        self.inner.ac.as_ref().map_or(0, |ac| ac.memory_usage())
    }
}

impl MultiPattern for AcMpm {
    type Scanner = AcScanner;

    fn build(patterns: &[Pattern]) -> Result<AcMpm, MpmError> {
        AcMpm::build_with(patterns, AcKind::Auto)
    }

    fn scanner(&self) -> AcScanner {
        AcScanner {
            seen: Seen::new(self.inner.ids.len()),
            inner: Arc::clone(&self.inner),
        }
    }

    fn pattern_count(&self) -> usize {
        self.inner.pattern_count
    }
}

/// Per-worker state for [`AcMpm`].
pub struct AcScanner {
    inner: Arc<Inner>,
    seen: Seen,
}

impl Scanner for AcScanner {
    fn scan(&mut self, haystack: &[u8], on_match: &mut impl FnMut(u32)) {
        let inner = &*self.inner;
        let seen = &mut self.seen;
        seen.start();
        for &slot in &inner.always {
            seen.report(slot, &inner.ids, on_match);
        }
        if let Some(b) = &inner.bigram {
            b.scan(haystack, seen, &inner.ids, on_match);
            return;
        }
        if let Some(h) = &inner.hash3 {
            h.scan(haystack, seen, &inner.ids, on_match);
            return;
        }
        let Some(ac) = &inner.ac else { return };
        // Only fails for unsupported match kinds or anchoring, which are fixed above.
        let Ok(iter) = ac.try_find_overlapping_iter(haystack) else {
            return;
        };
        for m in iter {
            let (start, len) = inner
                .groups
                .get(m.pattern().as_usize())
                .copied()
                .unwrap_or((0, 0));
            let members = inner
                .entries
                .get(start as usize..(start + len) as usize)
                .unwrap_or(&[]);
            for e in members {
                let ok = match &e.exact {
                    None => true,
                    Some(b) => haystack.get(m.start()..m.end()) == Some(&b[..]),
                };
                if ok {
                    seen.report(e.slot, &inner.ids, on_match);
                }
            }
            if seen.all_found() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(m: &AcMpm, hay: &[u8]) -> Vec<u32> {
        let mut v = Vec::new();
        m.scanner().scan(hay, &mut |id| v.push(id));
        v.sort_unstable();
        v
    }

    #[test]
    fn mixed_case_sensitivity_is_confirmed() {
        let m = AcMpm::build(&[
            Pattern::new("Host", false, 1),
            Pattern::new("host", true, 2),
            Pattern::new("EVIL", false, 3),
        ])
        .unwrap();
        assert_eq!(ids(&m, b"HOST: x"), vec![2]);
        assert_eq!(ids(&m, b"Host: x"), vec![1, 2]);
        assert_eq!(ids(&m, b"evil Host"), vec![1, 2]);
        assert_eq!(ids(&m, b"EVIL"), vec![3]);
    }

    #[test]
    fn overlapping_and_nested_patterns_all_reported_once() {
        let m = AcMpm::build(&[
            Pattern::new("abcd", false, 1),
            Pattern::new("bc", false, 2),
            Pattern::new("c", false, 3),
            Pattern::new("cd", false, 3),
        ])
        .unwrap();
        let mut v = Vec::new();
        m.scanner().scan(b"abcdabcd", &mut |id| v.push(id));
        v.sort_unstable();
        assert_eq!(v, vec![1, 2, 3]);
    }

    #[test]
    fn kinds_agree() {
        let pats = [Pattern::new("foo", true, 1), Pattern::new("bar", false, 2)];
        for kind in [AcKind::Auto, AcKind::Nfa, AcKind::Dfa, AcKind::Bigram] {
            let m = AcMpm::build_with(&pats, kind).unwrap();
            assert_eq!(ids(&m, b"xFoO bar BAR"), vec![1, 2], "{kind:?}");
        }
    }

    #[test]
    fn dfa_only_for_small_sets() {
        let kind = |m: &AcMpm| m.inner.ac.as_ref().map(|ac| ac.kind());
        // Few first bigrams: the bigram filter, no automaton.
        let few: Vec<Pattern> = (0..100u32)
            .map(|i| Pattern::new(format!("pattern{i}"), i % 2 == 0, i))
            .collect();
        let m = AcMpm::build(&few).unwrap();
        assert!(m.inner.bigram.is_some() && kind(&m).is_none());
        // Many first bigrams (400 nocase letter pairs, four case variants each): the DFA.
        let letter = |n: u32| char::from(b'a' + (n % 26) as u8);
        let small: Vec<Pattern> = (0..400u32)
            .map(|i| Pattern::new(format!("{}{}tail{i}", letter(i), letter(i / 26)), true, i))
            .collect();
        let m = AcMpm::build(&small).unwrap();
        assert!(m.inner.bigram.is_none());
        assert_eq!(kind(&m), Some(AhoCorasickKind::DFA));
        // 20k binary patterns of 8 bytes: every byte value is a class.
        let big: Vec<Pattern> = (0..20_000u32)
            .map(|i| {
                Pattern::new(
                    (i.wrapping_mul(2_654_435_761) as u64 * 0x0101).to_le_bytes(),
                    false,
                    i,
                )
            })
            .collect();
        let m = AcMpm::build(&big).unwrap();
        assert_ne!(kind(&m), Some(AhoCorasickKind::DFA));
    }

    #[test]
    fn empty_set_and_empty_haystack() {
        let m = AcMpm::build(&[]).unwrap();
        assert_eq!(ids(&m, b"anything"), Vec::<u32>::new());
        let m = AcMpm::build(&[Pattern::new("", false, 4), Pattern::new("a", false, 5)]).unwrap();
        assert_eq!(ids(&m, b""), vec![4]);
        assert_eq!(m.pattern_count(), 2);
    }
}
