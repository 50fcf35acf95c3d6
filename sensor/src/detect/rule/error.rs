//! Why a rule did not load.

use std::fmt;
use std::path::PathBuf;

/// What is wrong with a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A keyword (or protocol, or keyword form) this sensor does not implement. The rule is
    /// valid Suricata but cannot be matched here.
    Unsupported { keyword: String },
    /// The rule is malformed or inconsistent (Suricata rejects it too).
    Syntax { reason: String },
    /// Another rule with the same `gid:sid` was kept (Suricata keeps the highest `rev`; on equal
    /// revisions the first one).
    DuplicateSid { gid: u32, sid: u32, kept_rev: u32 },
    /// The rule's `requires` is not met (another Suricata version, a feature the sensor does
    /// not have): skipped, as Suricata 7 skips it, not an error.
    Unmet { reason: String },
}

/// A rule that did not load, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    pub file: PathBuf,
    /// 1-based line of the rule's first line.
    pub line: usize,
    /// The rule's sid when it could be read.
    pub sid: Option<u32>,
    pub kind: ErrorKind,
}

impl ErrorKind {
    pub(crate) fn syntax(reason: impl Into<String>) -> Self {
        ErrorKind::Syntax {
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(keyword: impl Into<String>) -> Self {
        ErrorKind::Unsupported {
            keyword: keyword.into(),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Unsupported { keyword } => write!(f, "unsupported keyword `{keyword}`"),
            ErrorKind::Syntax { reason } => write!(f, "syntax error: {reason}"),
            ErrorKind::DuplicateSid { gid, sid, kept_rev } => {
                write!(f, "duplicate signature {gid}:{sid} (kept rev {kept_rev})")
            }
            ErrorKind::Unmet { reason } => write!(f, "requirements not met: {reason}"),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(sid) = self.sid {
            write!(f, " sid {sid}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for RuleError {}

/// Shorthand for the parsers' internal results.
pub(crate) type PResult<T> = Result<T, ErrorKind>;

/// `Err(Syntax)` with a formatted reason.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::detect::rule::error::ErrorKind::syntax(format!($($arg)*)))
    };
}
pub(crate) use bail;
