//! Backend choice at run time (configuration), over the compiled-in backends.

use std::fmt;
use std::str::FromStr;

use super::ac::{AcMpm, AcScanner};
#[cfg(feature = "hyperscan")]
use super::hs::{HsMpm, HsScanner};
use super::{MpmError, MultiPattern, Pattern, Scanner};

/// A multi-pattern backend. Every variant exists in every build so that configurations parse
/// the same way; building with one that was not compiled in fails with
/// [`MpmError::BackendUnavailable`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backend {
    /// The `aho-corasick` crate; always available.
    #[default]
    AhoCorasick,
    /// Intel Hyperscan (cargo feature `hyperscan`, system library `libhyperscan`).
    Hyperscan,
}

impl Backend {
    pub fn is_available(self) -> bool {
        match self {
            Backend::AhoCorasick => true,
            Backend::Hyperscan => cfg!(feature = "hyperscan"),
        }
    }

    /// Hyperscan when compiled in (several times faster), else aho-corasick.
    pub fn fastest_available() -> Backend {
        if Backend::Hyperscan.is_available() {
            Backend::Hyperscan
        } else {
            Backend::AhoCorasick
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::AhoCorasick => "ac",
            Backend::Hyperscan => "hs",
        })
    }
}

/// Accepts Suricata's `mpm-algo` names (`ac`, `hs`) and the long names.
impl FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Backend, String> {
        match s.to_ascii_lowercase().as_str() {
            "ac" | "aho-corasick" => Ok(Backend::AhoCorasick),
            "hs" | "hyperscan" => Ok(Backend::Hyperscan),
            _ => Err(format!("unknown multi-pattern backend {s:?} (ac, hs)")),
        }
    }
}

/// A pattern set on the backend chosen at run time. `MultiPattern::build` uses
/// [`Backend::default`].
#[derive(Clone)]
pub struct Mpm(Imp);

#[derive(Clone)]
enum Imp {
    Ac(AcMpm),
    #[cfg(feature = "hyperscan")]
    Hs(HsMpm),
}

impl Mpm {
    pub fn with_backend(backend: Backend, patterns: &[Pattern]) -> Result<Mpm, MpmError> {
        match backend {
            Backend::AhoCorasick => Ok(Mpm(Imp::Ac(AcMpm::build(patterns)?))),
            #[cfg(feature = "hyperscan")]
            Backend::Hyperscan => Ok(Mpm(Imp::Hs(HsMpm::build(patterns)?))),
            #[cfg(not(feature = "hyperscan"))]
            Backend::Hyperscan => Err(MpmError::BackendUnavailable(backend)),
        }
    }

    pub fn backend(&self) -> Backend {
        match &self.0 {
            Imp::Ac(_) => Backend::AhoCorasick,
            #[cfg(feature = "hyperscan")]
            Imp::Hs(_) => Backend::Hyperscan,
        }
    }
}

impl MultiPattern for Mpm {
    type Scanner = MpmScanner;

    fn build(patterns: &[Pattern]) -> Result<Mpm, MpmError> {
        Mpm::with_backend(Backend::default(), patterns)
    }

    fn scanner(&self) -> MpmScanner {
        MpmScanner(match &self.0 {
            Imp::Ac(m) => ScanImp::Ac(m.scanner()),
            #[cfg(feature = "hyperscan")]
            Imp::Hs(m) => ScanImp::Hs(m.scanner()),
        })
    }

    fn pattern_count(&self) -> usize {
        match &self.0 {
            Imp::Ac(m) => m.pattern_count(),
            #[cfg(feature = "hyperscan")]
            Imp::Hs(m) => m.pattern_count(),
        }
    }
}

/// Per-worker state for [`Mpm`].
pub struct MpmScanner(ScanImp);

enum ScanImp {
    Ac(AcScanner),
    #[cfg(feature = "hyperscan")]
    Hs(HsScanner),
}

impl Scanner for MpmScanner {
    fn scan(&mut self, haystack: &[u8], on_match: &mut impl FnMut(u32)) {
        match &mut self.0 {
            ScanImp::Ac(s) => s.scan(haystack, on_match),
            #[cfg(feature = "hyperscan")]
            ScanImp::Hs(s) => s.scan(haystack, on_match),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in [Backend::AhoCorasick, Backend::Hyperscan] {
            assert_eq!(b.to_string().parse::<Backend>(), Ok(b));
        }
        assert_eq!("Hyperscan".parse::<Backend>(), Ok(Backend::Hyperscan));
        assert!("regex".parse::<Backend>().is_err());
    }

    #[test]
    fn unavailable_backend_is_an_error_not_a_fallback() {
        let r = Mpm::with_backend(Backend::Hyperscan, &[Pattern::new("x", false, 1)]);
        if Backend::Hyperscan.is_available() {
            assert_eq!(r.map(|m| m.backend()).ok(), Some(Backend::Hyperscan));
        } else {
            assert_eq!(
                r.err(),
                Some(MpmError::BackendUnavailable(Backend::Hyperscan))
            );
        }
        let m = Mpm::build(&[Pattern::new("x", false, 1)]).unwrap();
        assert_eq!(m.backend(), Backend::AhoCorasick);
        let mut got = Vec::new();
        m.scan(b"xx", &mut |id| got.push(id));
        assert_eq!(got, vec![1]);
    }
}
