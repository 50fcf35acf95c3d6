//! Multi-pattern matching for the prefilter.
//!
//! For each inspection buffer the engine searches all rules' fast patterns at once and then
//! verifies only the rules whose pattern occurred. A [`MultiPattern`] is built once from
//! [`Pattern`]s (bytes, `nocase`, `u32` id) and is shared read-only by all workers; each worker
//! owns a [`Scanner`] from [`MultiPattern::scanner`] that holds its mutable scratch state (the
//! Hyperscan scratch space, the per-scan "already reported" marks), so scanning takes no lock.
//!
//! Contract of every backend, checked against a naive matcher by property tests:
//! - `scan` reports every id that has at least one pattern occurring in the haystack (anywhere,
//!   overlapping matches included) **exactly once per scan**, in no particular order;
//! - `nocase` folds ASCII letters only (as Suricata's `nocase`); other bytes compare exactly;
//! - an empty pattern occurs in every haystack, the empty one included;
//! - several patterns may share an id (the id is reported once), and the same bytes may carry
//!   several ids (each is reported).
//!
//! Backends: [`AcMpm`] (aho-corasick, always built, the default) and `HsMpm` (Hyperscan, with
//! the `hyperscan` cargo feature and Debian's `libhyperscan-dev`). [`Mpm`] picks one at run
//! time. [`ExactSet`] has the same interface for buffers that must *equal* a pattern in whole
//! (`content:"x"; startswith; endswith;`, JA3 hashes).

mod ac;
mod bigram;
mod exact;
mod hash3;
#[cfg(feature = "hyperscan")]
mod hs;
mod prepared;
mod select;
#[cfg(test)]
mod tests;

use std::fmt;

#[doc(hidden)]
pub use ac::AcKind;
pub use ac::{AcMpm, AcScanner, DFA_MAX_BYTES};
pub use exact::{ExactScanner, ExactSet};
#[cfg(feature = "hyperscan")]
pub use hs::{HsMpm, HsScanner};
pub use select::{Backend, Mpm, MpmScanner};

/// One literal to search for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub bytes: Vec<u8>,
    /// Fold ASCII case when matching.
    pub nocase: bool,
    /// Reported when the pattern occurs; need not be unique.
    pub id: u32,
}

impl Pattern {
    pub fn new(bytes: impl Into<Vec<u8>>, nocase: bool, id: u32) -> Pattern {
        Pattern {
            bytes: bytes.into(),
            nocase,
            id,
        }
    }
}

/// A set of patterns compiled for one backend. Cheap to clone (the compiled form is shared).
pub trait MultiPattern: Clone + Send + Sync + Sized {
    type Scanner: Scanner;

    fn build(patterns: &[Pattern]) -> Result<Self, MpmError>;

    /// A scanner with its own scratch state, to be kept by one worker and reused for every scan.
    fn scanner(&self) -> Self::Scanner;

    /// Number of patterns the set was built from.
    fn pattern_count(&self) -> usize;

    /// One-off scan with a temporary scanner. It allocates scratch on every call (for Hyperscan,
    /// a scratch space): workers keep a [`Scanner`] instead.
    fn scan(&self, haystack: &[u8], on_match: &mut impl FnMut(u32)) {
        self.scanner().scan(haystack, on_match)
    }
}

/// Per-worker scanning state of a [`MultiPattern`].
pub trait Scanner: Send {
    /// Calls `on_match` once for each id with a pattern occurring in `haystack`. With the
    /// Hyperscan backend `on_match` runs inside a C callback: a panic there aborts the process.
    fn scan(&mut self, haystack: &[u8], on_match: &mut impl FnMut(u32));
}

/// Why a pattern set could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MpmError {
    /// The backend was not compiled in (the `hyperscan` cargo feature is off).
    BackendUnavailable(Backend),
    /// More distinct patterns or ids than the backend can number.
    TooManyPatterns(usize),
    /// The backend's compiler refused the set.
    Build { backend: Backend, message: String },
}

impl fmt::Display for MpmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MpmError::BackendUnavailable(b) => {
                write!(f, "multi-pattern backend {b} is not compiled in")
            }
            MpmError::TooManyPatterns(n) => write!(f, "too many patterns ({n})"),
            MpmError::Build { backend, message } => {
                write!(f, "{backend} could not build the pattern set: {message}")
            }
        }
    }
}

impl std::error::Error for MpmError {}
