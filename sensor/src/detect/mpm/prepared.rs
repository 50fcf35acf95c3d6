//! Pattern normalisation shared by the backends, and the per-scan "reported once" marks.

use hashbrown::HashMap;

use super::{MpmError, Pattern};

/// Patterns as the backends compile them: ids numbered densely ("slots") so that per-scan
/// marks are a plain vector, duplicates removed, empty patterns set aside.
pub(crate) struct Prepared {
    /// Slot to caller's id.
    pub ids: Vec<u32>,
    /// Slots of empty patterns: they occur in every haystack.
    pub always: Vec<u32>,
    /// Distinct non-empty literals. `nocase` ones are stored lowercase, and `nocase` is cleared
    /// on literals without ASCII letters (folding cannot change them).
    pub literals: Vec<Literal>,
    pub pattern_count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Literal {
    pub bytes: Vec<u8>,
    pub nocase: bool,
    pub slot: u32,
}

/// Backends number patterns with 31-bit ids (aho-corasick's `PatternID` limit).
const MAX_PATTERNS: usize = i32::MAX as usize;

impl Prepared {
    pub fn new(patterns: &[Pattern]) -> Result<Prepared, MpmError> {
        if patterns.len() > MAX_PATTERNS {
            return Err(MpmError::TooManyPatterns(patterns.len()));
        }
        let mut slot_of: HashMap<u32, u32> = HashMap::new();
        let mut ids = Vec::new();
        let mut always = Vec::new();
        let mut seen: HashMap<Literal, ()> = HashMap::with_capacity(patterns.len());
        let mut literals = Vec::with_capacity(patterns.len());
        for p in patterns {
            // Fits: at most MAX_PATTERNS distinct ids.
            let next = ids.len() as u32;
            let slot = *slot_of.entry(p.id).or_insert_with(|| {
                ids.push(p.id);
                next
            });
            if p.bytes.is_empty() {
                if !always.contains(&slot) {
                    always.push(slot);
                }
                continue;
            }
            let nocase = p.nocase && p.bytes.iter().any(u8::is_ascii_alphabetic);
            let bytes = if nocase {
                p.bytes.to_ascii_lowercase()
            } else {
                p.bytes.clone()
            };
            let lit = Literal {
                bytes,
                nocase,
                slot,
            };
            if seen.insert(lit.clone(), ()).is_none() {
                literals.push(lit);
            }
        }
        Ok(Prepared {
            ids,
            always,
            literals,
            pattern_count: patterns.len(),
        })
    }
}

/// Which slots were reported in the current scan. Marks carry the scan's epoch, so starting a
/// scan costs nothing until the epoch counter wraps.
pub(crate) struct Seen {
    marks: Vec<u32>,
    epoch: u32,
    found: usize,
}

impl Seen {
    pub fn new(slots: usize) -> Seen {
        Seen {
            marks: vec![0; slots],
            epoch: 0,
            found: 0,
        }
    }

    pub fn start(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.marks.fill(0);
            self.epoch = 1;
        }
        self.found = 0;
    }

    /// True the first time `slot` is seen in this scan.
    #[inline]
    pub fn first(&mut self, slot: u32) -> bool {
        match self.marks.get_mut(slot as usize) {
            Some(m) if *m != self.epoch => {
                *m = self.epoch;
                self.found += 1;
                true
            }
            _ => false,
        }
    }

    /// `slot` was already reported in this scan.
    #[inline]
    pub fn is_reported(&self, slot: u32) -> bool {
        self.marks.get(slot as usize) == Some(&self.epoch)
    }

    /// Every slot has been reported: the rest of the haystack cannot add anything.
    #[inline]
    pub fn all_found(&self) -> bool {
        self.found == self.marks.len()
    }

    /// Reports `slot` as its caller id unless already reported in this scan.
    #[inline]
    pub fn report(&mut self, slot: u32, ids: &[u32], on_match: &mut impl FnMut(u32)) {
        if self.first(slot) {
            if let Some(&id) = ids.get(slot as usize) {
                on_match(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbered_densely_and_duplicates_dropped() {
        let p = Prepared::new(&[
            Pattern::new("abc", false, 70),
            Pattern::new("ABC", true, 70),
            Pattern::new("abc", true, 70),
            Pattern::new("..", true, 9),
            Pattern::new("", false, 9),
            Pattern::new("", true, 9),
        ])
        .unwrap();
        assert_eq!(p.ids, vec![70, 9]);
        assert_eq!(p.always, vec![1]);
        assert_eq!(p.pattern_count, 6);
        assert_eq!(
            p.literals,
            vec![
                Literal {
                    bytes: b"abc".to_vec(),
                    nocase: false,
                    slot: 0
                },
                Literal {
                    bytes: b"abc".to_vec(),
                    nocase: true,
                    slot: 0
                },
                // No letters: folding is moot.
                Literal {
                    bytes: b"..".to_vec(),
                    nocase: false,
                    slot: 1
                },
            ]
        );
    }

    #[test]
    fn seen_reports_once_per_scan_and_survives_epoch_wrap() {
        let mut s = Seen::new(2);
        let mut got = Vec::new();
        s.epoch = u32::MAX - 1;
        for _ in 0..3 {
            s.start();
            s.report(1, &[5, 6], &mut |id| got.push(id));
            s.report(1, &[5, 6], &mut |id| got.push(id));
            s.report(7, &[5, 6], &mut |id| got.push(id));
            assert!(!s.all_found());
            s.report(0, &[5, 6], &mut |id| got.push(id));
            assert!(s.all_found());
        }
        assert_eq!(got, vec![6, 5, 6, 5, 6, 5]);
    }
}
