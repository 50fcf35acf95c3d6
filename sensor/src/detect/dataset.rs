//! Indicator sets (Suricata datasets): `dataset:isset,<name>,type <type>,load <file>;`.
//!
//! File formats, as Suricata 7.0.10 reads them (checked against the installed binary):
//! - `string`: one base64-encoded value per line (`Z29vZ2xlLmNvbQ==` for `google.com`; a
//!   plain-text line is "bad base64"); padding may be left out.
//! - `md5`, `sha256`: 32 or 64 hex digits, either case.
//! - `ipv4`: dotted quads. `ipv6` and `ip`: IPv6 or IPv4 addresses; an IPv4 address and its
//!   IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) are the same entry.
//! - No CIDR: Suricata rejects `192.168.1.0/24` ("dataset data parse failed"), and so do we
//!   (with a message saying so). Prefix lists belong in an IP rule or `iprep`.
//! - Any line may end in `,<reputation>` (0-65535), which `datarep` compares (`dataset`
//!   ignores it); empty lines are skipped; no comments (`#` is a bad line, as in Suricata).
//!
//! Differences kept on purpose: a trailing `\r` is stripped (Suricata rejects CRLF files), and a
//! last line without a newline is read whole (Suricata drops its last byte).
//!
//! Matching compares what the inspection buffer holds: `string` the bytes, `md5`/`sha256` the
//! **raw** 16/32-byte digest, `ipv4` 4 raw bytes, `ip`/`ipv6` 4 or 16 raw bytes. So, as in
//! Suricata, `ja3.hash; dataset:isset,x,type md5` never matches (the buffer is 32 hex
//! characters): use `ja3.string; to_md5;` with an `md5` set, or a `string` set of the
//! base64-encoded hex text.
//!
//! A bad line is skipped and counted; the first few are kept with file and line for the
//! engine to report ([`Dataset::bad_lines`], [`Dataset::line_errors`]). A file that cannot be
//! read fails the load (Suricata fails the rule).

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use hashbrown::HashMap;

use super::iptable::ip_key;

/// Padding optional, as Suricata accepts `Z29vZ2xlLmNvbQ`.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Bad lines kept with their text; the rest are only counted.
const KEPT_LINE_ERRORS: usize = 16;
/// Offending text quoted in an error, at most.
const QUOTED: usize = 80;

/// The `type` of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatasetType {
    String,
    Md5,
    Sha256,
    Ipv4,
    Ipv6,
    /// Either family (Suricata 7's `type ip`).
    Ip,
}

impl DatasetType {
    pub fn name(self) -> &'static str {
        match self {
            DatasetType::String => "string",
            DatasetType::Md5 => "md5",
            DatasetType::Sha256 => "sha256",
            DatasetType::Ipv4 => "ipv4",
            DatasetType::Ipv6 => "ipv6",
            DatasetType::Ip => "ip",
        }
    }
}

impl fmt::Display for DatasetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DatasetType {
    type Err = DatasetError;

    fn from_str(s: &str) -> Result<DatasetType, DatasetError> {
        Ok(match s {
            "string" => DatasetType::String,
            "md5" => DatasetType::Md5,
            "sha256" => DatasetType::Sha256,
            "ipv4" => DatasetType::Ipv4,
            "ipv6" => DatasetType::Ipv6,
            "ip" => DatasetType::Ip,
            _ => return Err(DatasetError::new(DatasetErrorKind::UnknownType(s.into()))),
        })
    }
}

/// A dataset problem: where (file, 1-based line) when known, and what.
#[derive(Debug)]
pub struct DatasetError {
    pub path: Option<PathBuf>,
    pub line: Option<u64>,
    pub kind: DatasetErrorKind,
}

#[derive(Debug)]
#[non_exhaustive]
pub enum DatasetErrorKind {
    /// The file could not be opened or read.
    Io(io::Error),
    /// A `string` line that is not base64 (the text, shortened).
    BadBase64(String),
    /// An `md5`/`sha256` line that is not `digits` hex digits.
    BadHex {
        text: String,
        digits: usize,
    },
    /// An address line that does not parse for the set's type.
    BadAddress {
        text: String,
        kind: DatasetType,
    },
    /// A CIDR prefix in an address dataset.
    CidrNotAllowed(String),
    /// The `,<reputation>` suffix is not a number from 0 to 65535.
    BadReputation(String),
    UnknownType(String),
    /// A dataset name used again with another type or file.
    Conflict {
        name: String,
        existing: String,
        requested: String,
    },
    /// A dataset referenced by name only that no rule has declared.
    Undefined(String),
}

impl DatasetError {
    fn new(kind: DatasetErrorKind) -> DatasetError {
        DatasetError {
            path: None,
            line: None,
            kind,
        }
    }
}

impl fmt::Display for DatasetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{l}: ", p.display())?,
            (Some(p), None) => write!(f, "{}: ", p.display())?,
            _ => {}
        }
        match &self.kind {
            DatasetErrorKind::Io(e) => write!(f, "{e}"),
            DatasetErrorKind::BadBase64(t) => write!(
                f,
                "bad base64 {t:?} (string dataset lines are base64-encoded)"
            ),
            DatasetErrorKind::BadHex { text, digits } => {
                write!(f, "bad hash {text:?} (want {digits} hex digits)")
            }
            DatasetErrorKind::BadAddress { text, kind } => {
                write!(f, "bad address {text:?} for a {kind} dataset")
            }
            DatasetErrorKind::CidrNotAllowed(t) => write!(
                f,
                "{t:?}: datasets hold single addresses, not CIDR prefixes (as in Suricata)"
            ),
            DatasetErrorKind::BadReputation(t) => {
                write!(f, "bad reputation value {t:?} (0-65535)")
            }
            DatasetErrorKind::UnknownType(t) => write!(
                f,
                "unknown dataset type {t:?} (string, md5, sha256, ipv4, ipv6, ip)"
            ),
            DatasetErrorKind::Conflict {
                name,
                existing,
                requested,
            } => write!(
                f,
                "dataset {name:?} is already {existing}, cannot also be {requested}"
            ),
            DatasetErrorKind::Undefined(n) => {
                write!(
                    f,
                    "dataset {n:?} is used without type and was never declared"
                )
            }
        }
    }
}

impl std::error::Error for DatasetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            DatasetErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

#[derive(Debug)]
enum Values {
    Strings(HashMap<Box<[u8]>, u16>),
    Md5(HashMap<[u8; 16], u16>),
    Sha256(HashMap<[u8; 32], u16>),
    Ipv4(HashMap<u32, u16>),
    /// `ipv6` and `ip`: IPv4 as IPv4-mapped keys.
    Ip(HashMap<u128, u16>),
}

/// One loaded dataset. Read-only once loaded: share it through an `Arc`.
#[derive(Debug)]
pub struct Dataset {
    kind: DatasetType,
    values: Values,
    path: Option<PathBuf>,
    bad_lines: u64,
    line_errors: Vec<DatasetError>,
}

impl Dataset {
    pub fn new(kind: DatasetType) -> Dataset {
        let values = match kind {
            DatasetType::String => Values::Strings(HashMap::new()),
            DatasetType::Md5 => Values::Md5(HashMap::new()),
            DatasetType::Sha256 => Values::Sha256(HashMap::new()),
            DatasetType::Ipv4 => Values::Ipv4(HashMap::new()),
            DatasetType::Ipv6 | DatasetType::Ip => Values::Ip(HashMap::new()),
        };
        Dataset {
            kind,
            values,
            path: None,
            bad_lines: 0,
            line_errors: Vec::new(),
        }
    }

    /// Loads a Suricata dataset file. Fails only when the file cannot be read; bad lines are
    /// skipped and counted.
    pub fn load(path: impl AsRef<Path>, kind: DatasetType) -> Result<Dataset, DatasetError> {
        let path = path.as_ref();
        let io_err = |e| DatasetError {
            path: Some(path.to_path_buf()),
            line: None,
            kind: DatasetErrorKind::Io(e),
        };
        let file = File::open(path).map_err(io_err)?;
        let mut set = Dataset::read(BufReader::new(file), kind, Some(path)).map_err(io_err)?;
        set.path = Some(path.to_path_buf());
        Ok(set)
    }

    /// Reads dataset lines from any reader; `path` only labels errors.
    pub fn read(
        mut reader: impl BufRead,
        kind: DatasetType,
        path: Option<&Path>,
    ) -> io::Result<Dataset> {
        let mut set = Dataset::new(kind);
        let mut buf = Vec::new();
        let mut line_no = 0u64;
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            line_no += 1;
            let line = trim_eol(&buf);
            if line.is_empty() {
                continue;
            }
            if let Err(kind) = set.insert_line(line) {
                set.bad_lines += 1;
                if set.line_errors.len() < KEPT_LINE_ERRORS {
                    set.line_errors.push(DatasetError {
                        path: path.map(Path::to_path_buf),
                        line: Some(line_no),
                        kind,
                    });
                }
            }
        }
        Ok(set)
    }

    fn insert_line(&mut self, line: &[u8]) -> Result<(), DatasetErrorKind> {
        // Reputation suffix: ',' is in neither base64, hex nor address syntax.
        let (value, rep) = match line.iter().position(|&b| b == b',') {
            Some(comma) => {
                let (value, rep) = line.split_at(comma);
                let rep = rep.get(1..).unwrap_or(&[]);
                let Some(r) = std::str::from_utf8(rep)
                    .ok()
                    .and_then(|r| r.parse::<u16>().ok())
                else {
                    return Err(DatasetErrorKind::BadReputation(quote(rep)));
                };
                (value, r)
            }
            None => (line, 0),
        };
        match &mut self.values {
            Values::Strings(s) => {
                let v = BASE64
                    .decode(value)
                    .map_err(|_| DatasetErrorKind::BadBase64(quote(value)))?;
                s.insert(v.into_boxed_slice(), rep);
            }
            Values::Md5(s) => {
                s.insert(hex::<16>(value)?, rep);
            }
            Values::Sha256(s) => {
                s.insert(hex::<32>(value)?, rep);
            }
            Values::Ipv4(s) => match parse_ip(value, self.kind)? {
                IpAddr::V4(a) => {
                    s.insert(u32::from(a), rep);
                }
                IpAddr::V6(_) => return Err(bad_address(value, self.kind)),
            },
            Values::Ip(s) => {
                s.insert(ip_key(parse_ip(value, self.kind)?), rep);
            }
        }
        Ok(())
    }

    /// Adds a value in its buffer form (as [`Dataset::contains`] takes it). False when the
    /// value cannot belong to this type (wrong length).
    pub fn insert(&mut self, value: &[u8]) -> bool {
        match &mut self.values {
            Values::Strings(s) => {
                s.insert(value.into(), 0);
                true
            }
            Values::Md5(s) => value.try_into().map(|v| s.insert(v, 0)).is_ok(),
            Values::Sha256(s) => value.try_into().map(|v| s.insert(v, 0)).is_ok(),
            Values::Ipv4(s) => <[u8; 4]>::try_from(value)
                .map(|v| s.insert(u32::from_be_bytes(v), 0))
                .is_ok(),
            Values::Ip(s) => match raw_ip_key(value) {
                Some(k) => {
                    s.insert(k, 0);
                    true
                }
                None => false,
            },
        }
    }

    /// Adds an address; false for a non-address type, or IPv6 in an `ipv4` set.
    pub fn insert_ip(&mut self, ip: IpAddr) -> bool {
        match (&mut self.values, ip) {
            (Values::Ipv4(s), IpAddr::V4(a)) => {
                s.insert(u32::from(a), 0);
                true
            }
            (Values::Ip(s), ip) => {
                s.insert(ip_key(ip), 0);
                true
            }
            _ => false,
        }
    }

    /// Whether the buffer's bytes are in the set: `string` exact bytes, `md5`/`sha256` raw
    /// digests, addresses as 4 (`ipv4`, `ip`, `ipv6`) or 16 (`ip`, `ipv6`) raw bytes.
    pub fn contains(&self, value: &[u8]) -> bool {
        self.reputation(value).is_some()
    }

    /// The value's reputation (`datarep`) when it is in the set.
    pub fn reputation(&self, value: &[u8]) -> Option<u16> {
        match &self.values {
            Values::Strings(s) => s.get(value).copied(),
            Values::Md5(s) => <[u8; 16]>::try_from(value)
                .ok()
                .and_then(|v| s.get(&v).copied()),
            Values::Sha256(s) => <[u8; 32]>::try_from(value)
                .ok()
                .and_then(|v| s.get(&v).copied()),
            Values::Ipv4(s) => <[u8; 4]>::try_from(value)
                .ok()
                .and_then(|v| s.get(&u32::from_be_bytes(v)).copied()),
            Values::Ip(s) => raw_ip_key(value).and_then(|k| s.get(&k).copied()),
        }
    }

    /// Whether the address is in an address set (an IPv6 address is never in an `ipv4` set,
    /// as in Suricata); false for other types.
    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        match (&self.values, ip) {
            (Values::Ipv4(s), IpAddr::V4(a)) => s.contains_key(&u32::from(a)),
            (Values::Ip(s), ip) => s.contains_key(&ip_key(ip)),
            _ => false,
        }
    }

    pub fn kind(&self) -> DatasetType {
        self.kind
    }

    /// The file it was loaded from.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn len(&self) -> usize {
        match &self.values {
            Values::Strings(s) => s.len(),
            Values::Md5(s) => s.len(),
            Values::Sha256(s) => s.len(),
            Values::Ipv4(s) => s.len(),
            Values::Ip(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lines skipped as malformed.
    pub fn bad_lines(&self) -> u64 {
        self.bad_lines
    }

    /// The first malformed lines (at most 16), with file and line number.
    pub fn line_errors(&self) -> &[DatasetError] {
        &self.line_errors
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn quote(text: &[u8]) -> String {
    let s = String::from_utf8_lossy(text);
    match s.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}...", &s[..cut]),
        None => s.into_owned(),
    }
}

fn hex<const N: usize>(text: &[u8]) -> Result<[u8; N], DatasetErrorKind> {
    let bad = || DatasetErrorKind::BadHex {
        text: quote(text),
        digits: N * 2,
    };
    if text.len() != N * 2 {
        return Err(bad());
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (hi, lo) = (
            digit(pair[0]).ok_or_else(bad)?,
            digit(pair[1]).ok_or_else(bad)?,
        );
        *o = hi << 4 | lo;
    }
    Ok(out)
}

fn bad_address(text: &[u8], kind: DatasetType) -> DatasetErrorKind {
    DatasetErrorKind::BadAddress {
        text: quote(text),
        kind,
    }
}

fn parse_ip(text: &[u8], kind: DatasetType) -> Result<IpAddr, DatasetErrorKind> {
    let s = std::str::from_utf8(text).map_err(|_| bad_address(text, kind))?;
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(ip);
    }
    match s.split_once('/') {
        Some((ip, _)) if ip.parse::<IpAddr>().is_ok() => {
            Err(DatasetErrorKind::CidrNotAllowed(quote(text)))
        }
        _ => Err(bad_address(text, kind)),
    }
}

/// Key of a raw 4- or 16-byte address (as Suricata's `ip.src` buffer holds it).
fn raw_ip_key(value: &[u8]) -> Option<u128> {
    match value.len() {
        4 => <[u8; 4]>::try_from(value)
            .ok()
            .map(|v| ip_key(IpAddr::V4(Ipv4Addr::from(v)))),
        16 => <[u8; 16]>::try_from(value).ok().map(u128::from_be_bytes),
        _ => None,
    }
}

struct Registered {
    kind: DatasetType,
    /// Canonical path of the loaded file.
    path: Option<PathBuf>,
    set: Arc<Dataset>,
}

/// The datasets of one rule set, by name: rules naming the same dataset share one loaded set.
///
/// As in Suricata: reusing a name with another type or another file is an error, and a rule
/// may name a declared dataset without type or file.
#[derive(Default)]
pub struct DatasetRegistry {
    sets: HashMap<String, Registered>,
}

impl DatasetRegistry {
    pub fn new() -> DatasetRegistry {
        DatasetRegistry::default()
    }

    /// The dataset `name` of type `kind` loaded from `load` (or empty without a file), loading
    /// it on first use. `load` is used as given: the caller resolves relative paths.
    pub fn get_or_load(
        &mut self,
        name: &str,
        kind: DatasetType,
        load: Option<&Path>,
    ) -> Result<Arc<Dataset>, DatasetError> {
        let canonical = load.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
        if let Some(r) = self.sets.get(name) {
            let same_file = canonical.is_none() || canonical == r.path;
            if r.kind == kind && same_file {
                return Ok(Arc::clone(&r.set));
            }
            let describe = |k: DatasetType, p: &Option<PathBuf>| match p {
                Some(p) => format!("type {k} loaded from {}", p.display()),
                None => format!("type {k} without a file"),
            };
            return Err(DatasetError::new(DatasetErrorKind::Conflict {
                name: name.to_string(),
                existing: describe(r.kind, &r.path),
                requested: describe(kind, &canonical),
            }));
        }
        let set = match load {
            Some(p) => Dataset::load(p, kind)?,
            None => Dataset::new(kind),
        };
        let set = Arc::new(set);
        self.sets.insert(
            name.to_string(),
            Registered {
                kind,
                path: canonical,
                set: Arc::clone(&set),
            },
        );
        Ok(set)
    }

    /// A dataset named without type or file (`dataset:isset,name;`): it must be declared.
    pub fn get(&self, name: &str) -> Result<Arc<Dataset>, DatasetError> {
        self.sets
            .get(name)
            .map(|r| Arc::clone(&r.set))
            .ok_or_else(|| DatasetError::new(DatasetErrorKind::Undefined(name.to_string())))
    }

    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Every dataset with its name, for reporting bad lines and sizes.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<Dataset>)> {
        self.sets.iter().map(|(n, r)| (n.as_str(), &r.set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use std::io::Cursor;
    use std::net::Ipv6Addr;

    #[test]
    fn reputations_are_kept_for_datarep() {
        use crate::detect::rule::{DatasetCmd, RepCmp, RepOp};
        let text = "Z29vZ2xlLmNvbQ==,255\nZXhhbXBsZS5vcmc=,100\nbm9yZXA=\n";
        let set = Dataset::read(Cursor::new(text), DatasetType::String, None).unwrap();
        assert_eq!(set.reputation(b"google.com"), Some(255));
        assert_eq!(set.reputation(b"example.org"), Some(100));
        assert_eq!(set.reputation(b"norep"), Some(0));
        assert_eq!(set.reputation(b"other"), None);
        let d = crate::detect::rule::Dataset::parse_datarep(
            "dns_string, >, 200, load dns_string.rep, type string",
        )
        .unwrap();
        let DatasetCmd::Rep(c) = d.cmd else {
            panic!("{:?}", d.cmd)
        };
        assert_eq!(
            c,
            RepCmp {
                op: RepOp::Gt,
                value: 200
            }
        );
        assert!(c.matches(255) && !c.matches(200) && !c.matches(100));
        for (op, rep, want) in [
            ("<", 99, true),
            ("<=", 100, true),
            (">=", 99, false),
            ("==", 100, true),
        ] {
            let c = RepCmp {
                op: match op {
                    "<" => RepOp::Lt,
                    "<=" => RepOp::Le,
                    ">=" => RepOp::Ge,
                    _ => RepOp::Eq,
                },
                value: 100,
            };
            assert_eq!(c.matches(rep), want, "{op} {rep}");
        }
        for bad in [
            "x, !=, 1, type string",
            "x, >, 70000, type string",
            "x, >, 1",
        ] {
            assert!(
                crate::detect::rule::Dataset::parse_datarep(bad).is_err(),
                "{bad}"
            );
        }
    }

    /// A scratch directory unique to this test process and test name, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let p =
                std::env::temp_dir().join(format!("sensor-dataset-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&p);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }

        fn file(&self, name: &str, text: &str) -> PathBuf {
            let p = self.0.join(name);
            std::fs::write(&p, text).unwrap();
            p
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn read(kind: DatasetType, text: &str) -> Dataset {
        Dataset::read(Cursor::new(text.as_bytes()), kind, Some(Path::new("x.lst"))).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn string_lines_are_base64() {
        // google.com, padded and not, with a reputation, CRLF, blank lines, no final newline.
        let d = read(
            DatasetType::String,
            "Z29vZ2xlLmNvbQ==\n\nZXZpbC5leGFtcGxl\r\nYmFkLm9yZw==,7\ngoogle.com\n#comment\nYQ",
        );
        assert!(d.contains(b"google.com"));
        assert!(d.contains(b"evil.example"));
        assert!(d.contains(b"bad.org"));
        assert!(d.contains(b"a"));
        assert!(!d.contains(b"GOOGLE.COM"));
        assert_eq!(d.len(), 4);
        assert_eq!(d.bad_lines(), 2);
        let msgs: Vec<String> = d.line_errors().iter().map(|e| e.to_string()).collect();
        assert!(
            msgs[0].starts_with("x.lst:5: bad base64 \"google.com\""),
            "{msgs:?}"
        );
        assert!(msgs[1].starts_with("x.lst:6: "), "{msgs:?}");
    }

    #[test]
    fn bad_reputation_suffix() {
        let d = read(DatasetType::String, "YQ==,70000\nYg==,x\nYw==,65535\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d.bad_lines(), 2);
        assert!(matches!(
            d.line_errors()[0].kind,
            DatasetErrorKind::BadReputation(_)
        ));
    }

    #[test]
    fn md5_and_sha256_compare_raw_digests() {
        let ja3 = "a64c29923906f2a1be278be1da0714fa";
        let d = read(
            DatasetType::Md5,
            &format!(
                "{}\n{ja3},3\nzz\n{}\nxx4c29923906f2a1be278be1da0714fa\n",
                ja3.to_uppercase(),
                &ja3[1..]
            ),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d.bad_lines(), 3);
        assert!(d.line_errors()[0]
            .to_string()
            .contains("want 32 hex digits"));
        let raw: Vec<u8> = (0..16)
            .map(|i| u8::from_str_radix(&ja3[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert!(d.contains(&raw));
        // The ja3.hash buffer holds hex text: no match, as in Suricata.
        assert!(!d.contains(ja3.as_bytes()));

        let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let d = read(DatasetType::Sha256, &format!("{sha}\n{ja3}\n"));
        assert_eq!((d.len(), d.bad_lines()), (1, 1));
        let mut raw = [0u8; 32];
        for (i, b) in raw.iter_mut().enumerate() {
            *b = u8::from_str_radix(&sha[2 * i..2 * i + 2], 16).unwrap();
        }
        assert!(d.contains(&raw));
        assert!(!d.contains(&raw[..16]));
    }

    #[test]
    fn ipv4_sets() {
        let d = read(
            DatasetType::Ipv4,
            "192.168.1.5\n192.168.1.0/24\n2001:db8::1\n 10.0.0.1\n10.0.0.2\n",
        );
        assert_eq!((d.len(), d.bad_lines()), (2, 3));
        assert!(matches!(
            d.line_errors()[0].kind,
            DatasetErrorKind::CidrNotAllowed(_)
        ));
        assert!(d.line_errors()[0].to_string().contains("not CIDR prefixes"));
        assert!(matches!(
            d.line_errors()[1].kind,
            DatasetErrorKind::BadAddress { .. }
        ));
        assert!(d.contains_ip(ip("192.168.1.5")));
        assert!(!d.contains_ip(ip("192.168.1.6")));
        assert!(!d.contains_ip(ip("::ffff:192.168.1.5")));
        assert!(d.contains(&[10, 0, 0, 2]));
        assert!(!d.contains(&ip_key(ip("10.0.0.2")).to_be_bytes()));
    }

    #[test]
    fn ip_sets_hold_both_families_and_mapped_is_v4() {
        for kind in [DatasetType::Ip, DatasetType::Ipv6] {
            let d = read(
                kind,
                "192.168.1.5\n2001:db8::1\n::ffff:10.0.0.1\n10.0.0.0/8\n",
            );
            assert_eq!((d.len(), d.bad_lines()), (3, 1), "{kind}");
            assert!(d.contains_ip(ip("192.168.1.5")));
            assert!(d.contains_ip(ip("::ffff:192.168.1.5")));
            assert!(d.contains_ip(ip("10.0.0.1")));
            assert!(d.contains_ip(ip("2001:db8::1")));
            assert!(!d.contains_ip(ip("2001:db8::2")));
            assert!(d.contains(&[192, 168, 1, 5]));
            assert!(d.contains(&Ipv6Addr::from(ip_key(ip("192.168.1.5"))).octets()));
            assert!(d.contains(
                &ip("2001:db8::1")
                    .to_canonical()
                    .to_string()
                    .parse::<Ipv6Addr>()
                    .unwrap()
                    .octets()
            ));
            assert!(!d.contains(b"192.168.1.5"));
        }
    }

    #[test]
    fn insert_checks_lengths() {
        let mut d = Dataset::new(DatasetType::Md5);
        assert!(!d.insert(b"short"));
        assert!(d.insert(&[7; 16]));
        assert!(d.contains(&[7; 16]));
        assert!(!d.insert_ip(ip("1.2.3.4")));
        let mut d = Dataset::new(DatasetType::Ipv4);
        assert!(!d.insert_ip(ip("::1")));
        assert!(d.insert_ip(ip("1.2.3.4")));
        assert!(!d.contains(b"anything"));
        assert!(!Dataset::new(DatasetType::String).contains_ip(ip("1.2.3.4")));
    }

    #[test]
    fn types_parse() {
        for t in ["string", "md5", "sha256", "ipv4", "ipv6", "ip"] {
            assert_eq!(t.parse::<DatasetType>().unwrap().to_string(), t);
        }
        let e = "sha1".parse::<DatasetType>().unwrap_err();
        assert!(e.to_string().contains("unknown dataset type \"sha1\""));
    }

    #[test]
    fn registry_shares_and_rejects_conflicts() {
        let dir = TempDir::new("registry");
        let bad = dir.file("bad.lst", "Z29vZ2xlLmNvbQ==\n");
        let other = dir.file("other.lst", "YQ==\n");
        let mut reg = DatasetRegistry::new();
        let a = reg
            .get_or_load("bad", DatasetType::String, Some(&bad))
            .unwrap();
        assert_eq!(a.path(), Some(bad.as_path()));
        let b = reg
            .get_or_load("bad", DatasetType::String, Some(&bad))
            .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = reg.get_or_load("bad", DatasetType::String, None).unwrap();
        assert!(Arc::ptr_eq(&a, &c));
        assert!(Arc::ptr_eq(&a, &reg.get("bad").unwrap()));
        assert!(a.contains(b"google.com"));

        let e = reg
            .get_or_load("bad", DatasetType::String, Some(&other))
            .unwrap_err();
        assert!(matches!(e.kind, DatasetErrorKind::Conflict { .. }));
        assert!(e.to_string().contains("other.lst"), "{e}");
        let e = reg.get_or_load("bad", DatasetType::Md5, None).unwrap_err();
        assert!(e.to_string().contains("already type string"), "{e}");

        let e = reg.get("never").unwrap_err();
        assert!(matches!(e.kind, DatasetErrorKind::Undefined(_)));
        let missing = dir.0.join("missing.lst");
        let e = reg
            .get_or_load("m", DatasetType::Ip, Some(&missing))
            .unwrap_err();
        assert!(matches!(e.kind, DatasetErrorKind::Io(_)));
        assert!(e.to_string().contains("missing.lst"), "{e}");
        // A failed load leaves the name free.
        assert!(reg.get("m").is_err());
        let empty = reg.get_or_load("seen", DatasetType::Ipv4, None).unwrap();
        assert!(empty.is_empty());
        assert_eq!(reg.len(), 2);
        assert_eq!(reg.iter().count(), 2);
    }

    fn to_hex(bytes: &[u8], upper: bool) -> String {
        bytes
            .iter()
            .map(|b| {
                if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                }
            })
            .collect()
    }

    proptest! {
        #[test]
        fn strings_round_trip(
            values in vec(vec(any::<u8>(), 0..40), 0..50),
            probes in vec(vec(any::<u8>(), 0..40), 0..20),
            pad in any::<bool>(),
        ) {
            let engine = if pad {
                base64::engine::general_purpose::STANDARD
            } else {
                base64::engine::general_purpose::STANDARD_NO_PAD
            };
            let text: String = values.iter().map(|v| engine.encode(v) + "\n").collect();
            let d = read(DatasetType::String, &text);
            prop_assert_eq!(d.bad_lines(), 0);
            // Empty values encode to empty lines, which are skipped.
            for v in values.iter().filter(|v| !v.is_empty()) {
                prop_assert!(d.contains(v));
            }
            for p in &probes {
                prop_assert_eq!(d.contains(p), !p.is_empty() && values.contains(p));
            }
        }

        #[test]
        fn digests_round_trip(
            md5s in vec(any::<[u8; 16]>(), 0..30),
            shas in vec(any::<[u8; 32]>(), 0..30),
            upper in any::<bool>(),
        ) {
            let d = read(DatasetType::Md5, &md5s.iter().map(|v| to_hex(v, upper) + "\n").collect::<String>());
            prop_assert_eq!(d.bad_lines(), 0);
            for v in &md5s {
                prop_assert!(d.contains(v));
            }
            let d = read(DatasetType::Sha256, &shas.iter().map(|v| to_hex(v, upper) + "\n").collect::<String>());
            prop_assert_eq!(d.bad_lines(), 0);
            for v in &shas {
                prop_assert!(d.contains(v));
            }
        }

        #[test]
        fn addresses_round_trip(
            v4 in vec(any::<u32>(), 0..30),
            v6 in vec(any::<u128>(), 0..30),
            probe4 in any::<u32>(),
            probe6 in any::<u128>(),
        ) {
            let v4: Vec<IpAddr> = v4.into_iter().map(|a| IpAddr::V4(a.into())).collect();
            let v6: Vec<IpAddr> = v6.into_iter().map(|a| IpAddr::V6(a.into())).collect();
            let lines = |ips: &[IpAddr]| ips.iter().map(|a| format!("{a}\n")).collect::<String>();

            let d = read(DatasetType::Ipv4, &lines(&v4));
            prop_assert_eq!(d.bad_lines(), 0);
            for a in &v4 {
                prop_assert!(d.contains_ip(*a));
            }
            let p4 = IpAddr::V4(probe4.into());
            prop_assert_eq!(d.contains_ip(p4), v4.contains(&p4));

            let all: Vec<IpAddr> = v4.iter().chain(&v6).copied().collect();
            let d = read(DatasetType::Ip, &lines(&all));
            prop_assert_eq!(d.bad_lines(), 0);
            for a in &all {
                prop_assert!(d.contains_ip(*a));
                prop_assert!(d.contains_ip(a.to_canonical()));
            }
            let p6 = IpAddr::V6(probe6.into());
            let want = all.iter().any(|a| ip_key(*a) == ip_key(p6));
            prop_assert_eq!(d.contains_ip(p6), want);
        }
    }
}
