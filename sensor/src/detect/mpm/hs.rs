//! The Hyperscan backend (cargo feature `hyperscan`).
//!
//! Literals are compiled as expressions with every byte that is not an ASCII letter or digit
//! escaped as `\xHH` (so any byte, NUL included, is literal), `HS_FLAG_CASELESS` for `nocase`
//! and `HS_FLAG_SINGLEMATCH` so Hyperscan itself reports each id once. The Hyperscan id of a
//! literal is its dense slot, mapped back to the caller's id on report.

use std::fmt::Write;
use std::sync::Arc;

use hyperscan::prelude::*;

use super::prepared::{Prepared, Seen};
use super::{Backend, MpmError, MultiPattern, Pattern as MpmPattern, Scanner};

/// Pattern set compiled to a Hyperscan block-mode database.
#[derive(Clone)]
pub struct HsMpm {
    inner: Arc<Inner>,
}

struct Inner {
    /// None when there is no non-empty pattern.
    db: Option<BlockDatabase>,
    ids: Vec<u32>,
    always: Vec<u32>,
    /// Longest literal: chunks of an over-long haystack overlap by this minus one.
    max_len: usize,
    pattern_count: usize,
}

fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 4);
    for &b in bytes {
        if b.is_ascii_alphanumeric() {
            s.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

fn build_error(e: impl std::fmt::Display) -> MpmError {
    MpmError::Build {
        backend: Backend::Hyperscan,
        message: e.to_string(),
    }
}

impl MultiPattern for HsMpm {
    type Scanner = HsScanner;

    fn build(patterns: &[MpmPattern]) -> Result<HsMpm, MpmError> {
        let prep = Prepared::new(patterns)?;
        let max_len = prep
            .literals
            .iter()
            .map(|l| l.bytes.len())
            .max()
            .unwrap_or(0);
        let db = if prep.literals.is_empty() {
            None
        } else {
            let mut exprs = Vec::with_capacity(prep.literals.len());
            for lit in &prep.literals {
                let mut flags = CompileFlags::SINGLEMATCH;
                if lit.nocase {
                    flags |= CompileFlags::CASELESS;
                }
                let mut p = Pattern::with_flags(escape(&lit.bytes), flags).map_err(build_error)?;
                p.id = Some(lit.slot as usize);
                exprs.push(p);
            }
            let db: BlockDatabase = Patterns(exprs).build().map_err(build_error)?;
            Some(db)
        };
        Ok(HsMpm {
            inner: Arc::new(Inner {
                db,
                ids: prep.ids,
                always: prep.always,
                max_len,
                pattern_count: prep.pattern_count,
            }),
        })
    }

    fn scanner(&self) -> HsScanner {
        let scratch = self
            .inner
            .db
            .as_ref()
            .and_then(|db| db.alloc_scratch().ok());
        HsScanner {
            seen: Seen::new(self.inner.ids.len()),
            scratch,
            failed_scans: 0,
            inner: Arc::clone(&self.inner),
        }
    }

    fn pattern_count(&self) -> usize {
        self.inner.pattern_count
    }
}

impl HsMpm {
    /// Bytes of the compiled database.
    pub fn memory_usage(&self) -> usize {
        self.inner
            .db
            .as_ref()
            .and_then(|db| db.size().ok())
            .unwrap_or(0)
    }
}

/// Per-worker state for [`HsMpm`]: the Hyperscan scratch space.
pub struct HsScanner {
    inner: Arc<Inner>,
    /// None only if allocation failed (out of memory); retried on the next scan.
    scratch: Option<Scratch>,
    seen: Seen,
    failed_scans: u64,
}

/// Hyperscan takes a 32-bit length.
const MAX_CHUNK: usize = u32::MAX as usize;

impl HsScanner {
    /// Scans Hyperscan refused (no scratch memory, library error); such a scan reports only
    /// what was found before the failure.
    pub fn failed_scans(&self) -> u64 {
        self.failed_scans
    }

    fn scan_chunked(&mut self, haystack: &[u8], on_match: &mut impl FnMut(u32), chunk: usize) {
        let inner = &*self.inner;
        let seen = &mut self.seen;
        seen.start();
        for &slot in &inner.always {
            seen.report(slot, &inner.ids, on_match);
        }
        let Some(db) = &inner.db else { return };
        if haystack.is_empty() {
            return;
        }
        if self.scratch.is_none() {
            self.scratch = db.alloc_scratch().ok();
        }
        let Some(scratch) = &self.scratch else {
            self.failed_scans += 1;
            return;
        };
        // A match may straddle a chunk boundary: consecutive chunks share max_len - 1 bytes.
        let step = chunk.saturating_sub(inner.max_len.saturating_sub(1)).max(1);
        let mut start: usize = 0;
        loop {
            let end = haystack.len().min(start.saturating_add(chunk));
            let part = haystack.get(start..end).unwrap_or(&[]);
            let r = db.scan(part, scratch, |slot, _, _, _| {
                seen.report(slot, &inner.ids, on_match);
                if seen.all_found() {
                    Matching::Terminate
                } else {
                    Matching::Continue
                }
            });
            match r {
                Ok(()) | Err(hyperscan::Error::Hyperscan(hyperscan::HsError::ScanTerminated)) => {}
                Err(_) => self.failed_scans += 1,
            }
            if end >= haystack.len() || seen.all_found() {
                return;
            }
            start += step;
        }
    }
}

impl Scanner for HsScanner {
    fn scan(&mut self, haystack: &[u8], on_match: &mut impl FnMut(u32)) {
        self.scan_chunked(haystack, on_match, MAX_CHUNK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(s: &mut HsScanner, hay: &[u8], chunk: usize) -> Vec<u32> {
        let mut v = Vec::new();
        s.scan_chunked(hay, &mut |id| v.push(id), chunk);
        v.sort_unstable();
        v
    }

    #[test]
    fn any_byte_is_literal() {
        let m = HsMpm::build(&[
            MpmPattern::new(&b"a.c"[..], false, 1),
            MpmPattern::new(&b"\x00\xff(["[..], false, 2),
            MpmPattern::new(&b"^$\\"[..], true, 3),
        ])
        .unwrap();
        let mut s = m.scanner();
        assert_eq!(ids(&mut s, b"abc", MAX_CHUNK), Vec::<u32>::new());
        assert_eq!(ids(&mut s, b"xa.c\x00\xff([", MAX_CHUNK), vec![1, 2]);
        assert_eq!(ids(&mut s, b"x^$\\y", MAX_CHUNK), vec![3]);
    }

    #[test]
    fn caseless_and_single_report() {
        let m = HsMpm::build(&[
            MpmPattern::new("EVIL", true, 7),
            MpmPattern::new("Evil", false, 7),
            MpmPattern::new("Evil", false, 8),
        ])
        .unwrap();
        let mut s = m.scanner();
        assert_eq!(ids(&mut s, b"evil evil EVIL", MAX_CHUNK), vec![7]);
        assert_eq!(ids(&mut s, b"Evil", MAX_CHUNK), vec![7, 8]);
        assert_eq!(s.failed_scans(), 0);
    }

    #[test]
    fn matches_across_chunk_boundaries_are_found() {
        let m = HsMpm::build(&[
            MpmPattern::new("abcdef", false, 1),
            MpmPattern::new("zz", false, 2),
        ])
        .unwrap();
        let mut s = m.scanner();
        let hay = b"....abcdef..zz..";
        // Chunks must hold the longest literal (the real chunk is 4 GiB).
        for chunk in 6..=hay.len() + 1 {
            assert_eq!(ids(&mut s, hay, chunk), vec![1, 2], "chunk {chunk}");
        }
    }

    #[test]
    fn escape_keeps_alphanumerics() {
        assert_eq!(escape(b"aZ9.\x00"), "aZ9\\x2e\\x00");
    }
}
