//! The `pcrexform` transform's expression: a PCRE with exactly one capturing group, compiled
//! with PCRE's default options (unnamed groups capture; no modifier letters: the value is the
//! bare expression).

use super::engine::{compile, Engine};
use super::translate::Opts;
use crate::detect::rule::error::{bail, PResult};

/// A compiled `pcrexform` expression. Equal, ordered and hashed by its text.
pub struct PcreXform {
    pub source: String,
    engine: Engine,
}

impl PcreXform {
    /// Compiles `source`; Suricata 7 refuses an expression without exactly one group.
    pub fn compile(source: &str) -> PResult<PcreXform> {
        if source.is_empty() {
            bail!("pcrexform needs an expression");
        }
        let opts = Opts {
            auto_capture: true,
            ..Opts::default()
        };
        let engine = compile(source, opts)?;
        let n = engine.groups();
        if n != 1 {
            bail!("pcrexform needs exactly one capturing group, `{source}` has {n}");
        }
        Ok(PcreXform {
            source: source.to_string(),
            engine,
        })
    }

    /// The bytes of the first group of the leftmost match, if the expression matches and the
    /// group took part (Suricata 7.0.10 then leaves the buffer as it was).
    pub fn capture<'a>(&self, subject: &'a [u8]) -> Option<&'a [u8]> {
        let (s, e) = self.engine.group1(subject)?;
        subject.get(s..e)
    }
}

impl std::fmt::Debug for PcreXform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PcreXform({:?})", self.source)
    }
}

impl PartialEq for PcreXform {
    fn eq(&self, o: &Self) -> bool {
        self.source == o.source
    }
}

impl Eq for PcreXform {}

impl PartialOrd for PcreXform {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for PcreXform {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.source.cmp(&o.source)
    }
}

impl std::hash::Hash for PcreXform {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.source.hash(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_group_exactly() {
        assert!(PcreXform::compile("a(b)").is_ok());
        assert!(PcreXform::compile("a(?<n>b)").is_ok());
        assert!(PcreXform::compile("a(?:x)(b)").is_ok());
        for bad in ["abc", "a(b)(c)", "a((b))", "(?:a)", ""] {
            assert!(PcreXform::compile(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn capture_is_group_one_of_the_leftmost_match() {
        let x = PcreXform::compile("/get\\?data=(.*)").unwrap();
        assert_eq!(x.capture(b"/get?data=abc"), Some(&b"abc"[..]));
        assert_eq!(x.capture(b"/post?data=abc"), None);
        // An optional group that took no part: no capture.
        let x = PcreXform::compile("a(z)?").unwrap();
        assert_eq!(x.capture(b"xa"), None);
        // PCRE's defaults: case-sensitive, `.` stops at a newline.
        let x = PcreXform::compile("k=(.+)").unwrap();
        assert_eq!(x.capture(b"K=1\nk=22\n3"), Some(&b"22"[..]));
        // Look-around runs on the backtracking engine.
        let x = PcreXform::compile("(?<=id=)(\\d+)").unwrap();
        assert_eq!(x.capture(b"xid=42;"), Some(&b"42"[..]));
    }
}
