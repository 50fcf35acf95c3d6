//! `requires: feature <name>, version <expr>` (Suricata 7.0.3+): a rule for another engine
//! version or with features this sensor lacks is skipped, not an error. Checked before the
//! rest of the rule is parsed (as Suricata's pre-scan does), so a rule written for a later
//! Suricata, with keywords or a header protocol 7.0.10 does not know, is skipped too.
//!
//! The version compared is Suricata 7.0.10's, the reference this sensor matches; the features
//! are the sensor's own (those of Suricata 7.0.10's list it has: `ja3`, `ja4`).

use super::error::{bail, PResult};

/// The Suricata version this sensor answers `requires: version` for.
pub const VERSION: [u8; 3] = [7, 0, 10];

/// Features a rule may require that the sensor provides (Suricata 7.0.10's names).
pub const FEATURES: &[&str] = &["ja3", "ja4"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Gt,
    Ge,
    Lt,
    Le,
}

/// Comparisons that must all hold.
type Alternative = Vec<(Op, [u8; 3])>;

/// A parsed `requires` value.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Requires {
    features: Vec<String>,
    /// Alternatives (`|`), each a list of comparisons that must all hold.
    version: Vec<Alternative>,
    /// The version expression as written (for the reason given).
    version_text: String,
    /// Requirement names Suricata 7 does not know: never met.
    unknown: Vec<String>,
}

impl Requires {
    /// Parses the value as Suricata 7 does: comma-separated `name value` pairs; `version`
    /// at most once. A malformed version expression is an error; an unknown name is kept
    /// (it makes the rule skipped, not invalid).
    pub fn parse(value: &str) -> PResult<Requires> {
        let mut r = Requires::default();
        for part in value.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let end = part
                .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(part.len());
            let (name, rest) = (&part[..end], part[end..].trim());
            match name {
                "feature" => r.features.push(rest.to_string()),
                "version" => {
                    if !r.version.is_empty() {
                        bail!("requires: version may only be given once");
                    }
                    r.version = parse_version_expr(rest)
                        .ok_or_else(|| bad(format!("invalid version expression `{rest}`")))?;
                    r.version_text = rest.to_string();
                }
                _ => r.unknown.push(part.to_string()),
            }
        }
        if r.features.is_empty() && r.version.is_empty() && r.unknown.is_empty() {
            bail!("requires needs a feature or a version");
        }
        Ok(r)
    }

    /// `Err(why)` when the sensor does not meet the requirements.
    pub fn check(&self) -> Result<(), String> {
        if !self.unknown.is_empty() {
            return Err(format!("unknown requirement `{}`", self.unknown.join(", ")));
        }
        if !self.version.is_empty() {
            let holds = |alt: &Alternative| {
                alt.iter().all(|&(op, v)| match op {
                    Op::Gt => VERSION > v,
                    Op::Ge => VERSION >= v,
                    Op::Lt => VERSION < v,
                    Op::Le => VERSION <= v,
                })
            };
            if !self.version.iter().any(holds) {
                let [a, b, c] = VERSION;
                return Err(format!(
                    "needs Suricata version {} (answered as {a}.{b}.{c})",
                    self.version_text
                ));
            }
        }
        if let Some(f) = self
            .features
            .iter()
            .find(|f| !FEATURES.contains(&f.as_str()))
        {
            return Err(format!(
                "needs feature `{f}`, which the sensor does not have"
            ));
        }
        Ok(())
    }
}

fn bad(reason: String) -> super::error::ErrorKind {
    super::error::ErrorKind::syntax(reason)
}

/// `>= 7.0.3 < 8 | >= 8.0.3`: `|`-separated alternatives of one or more `op version`.
/// As in Suricata, text after the last comparison that parses is ignored.
fn parse_version_expr(s: &str) -> Option<Vec<Alternative>> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let mut alt = Vec::new();
        while let Some((cmp, r)) = parse_cmp(rest) {
            alt.push(cmp);
            rest = r;
        }
        if alt.is_empty() {
            // The first alternative must parse; a later one that does not ends the list.
            return (!out.is_empty()).then_some(out);
        }
        out.push(alt);
        match rest.trim_start().strip_prefix('|') {
            Some(r) => rest = r,
            None => return Some(out),
        }
    }
}

fn parse_cmp(s: &str) -> Option<((Op, [u8; 3]), &str)> {
    let s = s.trim_start();
    let (op, s) = if let Some(r) = s.strip_prefix(">=") {
        (Op::Ge, r)
    } else if let Some(r) = s.strip_prefix('>') {
        (Op::Gt, r)
    } else if let Some(r) = s.strip_prefix("<=") {
        (Op::Le, r)
    } else {
        (Op::Lt, s.strip_prefix('<')?)
    };
    let mut s = s.trim_start();
    let mut v = [0u8; 3];
    for (i, slot) in v.iter_mut().enumerate() {
        if i > 0 {
            if s.is_empty() || s.starts_with(' ') {
                break;
            }
            s = s.strip_prefix('.')?;
        }
        let end = s.find(['.', '-', ' ']).unwrap_or(s.len());
        *slot = s[..end].parse().ok()?;
        s = &s[end..];
    }
    Some(((op, v), s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn met(v: &str) -> bool {
        Requires::parse(v).unwrap().check().is_ok()
    }

    #[test]
    fn versions_compare_as_suricata_7_0_10() {
        assert!(met("version >= 7"));
        assert!(met("version >= 7.0.3 < 8"));
        assert!(met("version >= 7.0.10"));
        assert!(met("version <= 7.0.10"));
        assert!(!met("version > 7.0.10"));
        assert!(!met("version >= 8"));
        assert!(!met("version >= 9.0.0"));
        assert!(!met("version < 7"));
        // Alternatives: any may hold.
        assert!(met("version >= 6 | >= 8"));
        assert!(met("version >=8 | >=7 <8"));
        assert!(!met("version >= 7.0.3 < 7.0.10 | >= 8.0.3"));
        // Trailing text after a comparison is ignored, as Suricata's parser does.
        assert!(met("version >= 7.0.10.1"));
    }

    #[test]
    fn features_and_unknown_requirements() {
        assert!(met("feature ja3"));
        assert!(met("feature ja4, version >= 7.0"));
        assert!(!met("feature geoip"));
        assert!(!met("feature output::file-store"));
        // Unknown requirement names skip the rule (Suricata 7 does not ignore them).
        let e = Requires::parse("bogus 7").unwrap().check().unwrap_err();
        assert!(e.contains("bogus"), "{e}");
    }

    #[test]
    fn malformed_expressions_are_errors() {
        for v in [
            "version 8.0.0",
            "version >= 7-beta",
            "version >= 256",
            "version >= 7, version < 8",
            "version",
            "",
        ] {
            assert!(Requires::parse(v).is_err(), "{v}");
        }
    }
}
