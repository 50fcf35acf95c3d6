//! Whole-buffer equality: a pattern "matches" only when the buffer equals it
//! (`content:"x"; startswith; endswith;`, JA3 hashes, exact host names). Hash lookups instead
//! of an automaton pass.

use std::sync::Arc;

use hashbrown::HashMap;

use super::prepared::{Prepared, Seen};
use super::{MpmError, MultiPattern, Pattern, Scanner};

/// Set of byte strings matched against whole buffers; `nocase` entries compare ASCII-lowercased.
#[derive(Clone)]
pub struct ExactSet {
    inner: Arc<Inner>,
}

struct Inner {
    /// Case-sensitive entries, and `nocase` ones stored lowercase; values are slots.
    exact: HashMap<Box<[u8]>, Vec<u32>>,
    folded: HashMap<Box<[u8]>, Vec<u32>>,
    ids: Vec<u32>,
    always: Vec<u32>,
    pattern_count: usize,
}

impl ExactSet {
    /// True when `haystack` equals some pattern. Needs no scanner, but allocates to fold a
    /// buffer with uppercase letters when there are `nocase` patterns.
    pub fn contains(&self, haystack: &[u8]) -> bool {
        let inner = &*self.inner;
        if haystack.is_empty() && !inner.always.is_empty() {
            return true;
        }
        if !inner.exact.is_empty() && inner.exact.contains_key(haystack) {
            return true;
        }
        if inner.folded.is_empty() {
            return false;
        }
        if !haystack.iter().any(u8::is_ascii_uppercase) {
            return inner.folded.contains_key(haystack);
        }
        inner
            .folded
            .contains_key(&haystack.to_ascii_lowercase()[..])
    }
}

impl MultiPattern for ExactSet {
    type Scanner = ExactScanner;

    fn build(patterns: &[Pattern]) -> Result<ExactSet, MpmError> {
        let prep = Prepared::new(patterns)?;
        let mut exact: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        let mut folded: HashMap<Box<[u8]>, Vec<u32>> = HashMap::new();
        for lit in prep.literals {
            let map = if lit.nocase { &mut folded } else { &mut exact };
            map.entry(lit.bytes.into_boxed_slice())
                .or_default()
                .push(lit.slot);
        }
        Ok(ExactSet {
            inner: Arc::new(Inner {
                exact,
                folded,
                ids: prep.ids,
                always: prep.always,
                pattern_count: prep.pattern_count,
            }),
        })
    }

    fn scanner(&self) -> ExactScanner {
        ExactScanner {
            seen: Seen::new(self.inner.ids.len()),
            lower: Vec::new(),
            inner: Arc::clone(&self.inner),
        }
    }

    fn pattern_count(&self) -> usize {
        self.inner.pattern_count
    }
}

/// Per-worker state for [`ExactSet`]: a lowercase buffer reused across scans.
pub struct ExactScanner {
    inner: Arc<Inner>,
    seen: Seen,
    lower: Vec<u8>,
}

impl Scanner for ExactScanner {
    /// Reports the ids of the patterns equal to the whole `haystack` (an empty pattern equals
    /// only the empty haystack here).
    fn scan(&mut self, haystack: &[u8], on_match: &mut impl FnMut(u32)) {
        let inner = &*self.inner;
        let seen = &mut self.seen;
        seen.start();
        if haystack.is_empty() {
            for &slot in &inner.always {
                seen.report(slot, &inner.ids, on_match);
            }
            return;
        }
        // Skipping an empty map saves hashing the buffer.
        if !inner.exact.is_empty() {
            for &slot in inner.exact.get(haystack).map_or(&[][..], Vec::as_slice) {
                seen.report(slot, &inner.ids, on_match);
            }
        }
        if inner.folded.is_empty() {
            return;
        }
        let key: &[u8] = if haystack.iter().any(u8::is_ascii_uppercase) {
            self.lower.clear();
            self.lower
                .extend(haystack.iter().map(|b| b.to_ascii_lowercase()));
            &self.lower
        } else {
            haystack
        };
        if let Some(slots) = inner.folded.get(key) {
            for &slot in slots {
                seen.report(slot, &inner.ids, on_match);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(set: &ExactSet, hay: &[u8]) -> Vec<u32> {
        let mut v = Vec::new();
        set.scanner().scan(hay, &mut |id| v.push(id));
        v.sort_unstable();
        assert_eq!(set.contains(hay), !v.is_empty());
        v
    }

    #[test]
    fn equality_only() {
        let set = ExactSet::build(&[
            Pattern::new("a64c29923906f2a1be278be1da0714fa", true, 1),
            Pattern::new("Example.COM", false, 2),
            Pattern::new("example.com", true, 3),
            Pattern::new("example.com", false, 3),
        ])
        .unwrap();
        assert_eq!(ids(&set, b"A64C29923906F2A1BE278BE1DA0714FA"), vec![1]);
        assert_eq!(
            ids(&set, b"a64c29923906f2a1be278be1da0714fa "),
            Vec::<u32>::new()
        );
        assert_eq!(ids(&set, b"Example.COM"), vec![2, 3]);
        assert_eq!(ids(&set, b"EXAMPLE.com"), vec![3]);
        assert_eq!(ids(&set, b"www.example.com"), Vec::<u32>::new());
        assert_eq!(ids(&set, b""), Vec::<u32>::new());
        assert_eq!(set.pattern_count(), 4);
    }

    #[test]
    fn empty_pattern_equals_empty_buffer() {
        let set = ExactSet::build(&[Pattern::new("", true, 8)]).unwrap();
        assert_eq!(ids(&set, b""), vec![8]);
        assert_eq!(ids(&set, b"x"), Vec::<u32>::new());
    }
}
