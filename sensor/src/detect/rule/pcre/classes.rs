//! Character classes: byte sets (`\d`, `\w`, POSIX names, case folding) and the parsing
//! of `[...]`.

use super::translate::{find_sub, Esc, Flags, Tr};
use crate::detect::rule::error::{bail, PResult};

/// 256-bit byte set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ByteSet([u64; 4]);

impl ByteSet {
    pub(super) fn add(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }
    fn add_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.add(b);
        }
    }
    fn has(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }
    fn union(&mut self, o: &ByteSet) {
        for k in 0..4 {
            self.0[k] |= o.0[k];
        }
    }
    fn negate(&mut self) {
        for k in 0..4 {
            self.0[k] = !self.0[k];
        }
    }
    pub(super) fn negated(mut self) -> Self {
        self.negate();
        self
    }
    pub(super) fn fold_case(&mut self) {
        for b in b'a'..=b'z' {
            let u = b.to_ascii_uppercase();
            if self.has(b) || self.has(u) {
                self.add(b);
                self.add(u);
            }
        }
    }
    pub(super) fn of(bytes: &[u8]) -> Self {
        let mut s = ByteSet::default();
        for &b in bytes {
            s.add(b);
        }
        s
    }
    fn range(lo: u8, hi: u8) -> Self {
        let mut s = ByteSet::default();
        s.add_range(lo, hi);
        s
    }
    /// Emits `[...]` with explicit byte ranges.
    pub(super) fn emit(&self, out: &mut String) {
        if *self == ByteSet::default() {
            // Never matches.
            out.push_str("[^\\x00-\\xFF]");
            return;
        }
        out.push('[');
        let mut b: u16 = 0;
        while b < 256 {
            if self.has(b as u8) {
                let lo = b;
                while b + 1 < 256 && self.has((b + 1) as u8) {
                    b += 1;
                }
                push_hex(out, lo as u8);
                if b > lo {
                    out.push('-');
                    push_hex(out, b as u8);
                }
            }
            b += 1;
        }
        out.push(']');
    }
}

pub(super) fn push_hex(out: &mut String, b: u8) {
    use std::fmt::Write;
    let _ = write!(out, "\\x{b:02X}");
}

pub(super) fn digit() -> ByteSet {
    ByteSet::range(b'0', b'9')
}
pub(super) fn word() -> ByteSet {
    let mut s = ByteSet::range(b'a', b'z');
    s.add_range(b'A', b'Z');
    s.add_range(b'0', b'9');
    s.add(b'_');
    s
}
pub(super) fn space() -> ByteSet {
    ByteSet::of(b"\t\n\x0B\x0C\r ")
}
pub(super) fn hspace() -> ByteSet {
    ByteSet::of(b"\t \xA0")
}
pub(super) fn vspace() -> ByteSet {
    ByteSet::of(b"\n\x0B\x0C\r\x85")
}

fn posix_class(name: &str) -> Option<ByteSet> {
    let mut s = ByteSet::default();
    match name {
        "alnum" => {
            s = word();
            // `_` is not alnum.
            s.0[1] &= !(1 << (b'_' - 64));
        }
        "alpha" => {
            s.add_range(b'a', b'z');
            s.add_range(b'A', b'Z');
        }
        "ascii" => s.add_range(0, 127),
        "blank" => {
            s.add(b' ');
            s.add(b'\t');
        }
        "cntrl" => {
            s.add_range(0, 31);
            s.add(127);
        }
        "digit" => s = digit(),
        "graph" => s.add_range(33, 126),
        "lower" => s.add_range(b'a', b'z'),
        "print" => s.add_range(32, 126),
        "punct" => {
            for b in 33u8..=126 {
                if !b.is_ascii_alphanumeric() {
                    s.add(b);
                }
            }
        }
        "space" => s = space(),
        "upper" => s.add_range(b'A', b'Z'),
        "word" => s = word(),
        "xdigit" => {
            s.add_range(b'0', b'9');
            s.add_range(b'a', b'f');
            s.add_range(b'A', b'F');
        }
        _ => return None,
    }
    Some(s)
}

impl Tr<'_> {
    /// A character class; cursor after `[`.
    pub(super) fn class(&mut self, f: &Flags) -> PResult<ByteSet> {
        let mut set = ByteSet::default();
        let negate = if self.peek() == Some(b'^') {
            self.i += 1;
            true
        } else {
            false
        };
        let mut first = true;
        // Pending single byte that may start a range.
        let mut prev: Option<u8> = None;
        let mut in_quote = false;
        loop {
            let Some(c) = self.peek() else {
                bail!("pcre: missing terminating ] for character class");
            };
            if in_quote {
                if c == b'\\' && self.peek_at(1) == Some(b'E') {
                    self.i += 2;
                    in_quote = false;
                    continue;
                }
                self.i += 1;
                self.class_byte(c, &mut set, &mut prev)?;
                first = false;
                continue;
            }
            if c == b']' && !first {
                self.i += 1;
                break;
            }
            first = false;
            if c == b'[' && self.peek_at(1) == Some(b':') {
                if let Some(e) = find_sub(&self.rest()[2..], b":]") {
                    let name = String::from_utf8_lossy(&self.rest()[2..2 + e]).into_owned();
                    let (neg, n) = match name.strip_prefix('^') {
                        Some(n) => (true, n.to_string()),
                        None => (false, name.clone()),
                    };
                    let Some(mut s) = posix_class(&n) else {
                        bail!("pcre: unknown POSIX class name `{name}`");
                    };
                    if neg {
                        s.negate();
                    }
                    self.i += 2 + e + 2;
                    if let Some(p) = prev.take() {
                        set.add(p);
                    }
                    set.union(&s);
                    continue;
                }
            }
            self.i += 1;
            if c == b'\\' {
                let Some(e) = self.peek() else {
                    bail!("pcre: \\ at end of pattern");
                };
                self.i += 1;
                let esc = match e {
                    b'b' => Esc::Byte(0x08),
                    b'N' | b'R' | b'X' | b'B' => {
                        bail!("pcre: escape sequence is invalid in character class")
                    }
                    _ => match self.common_escape(e)? {
                        Some(x) => x,
                        None => {
                            if e.is_ascii_digit() {
                                // Octal in classes.
                                self.i -= 1;
                                let v = self.digits(8, 3);
                                if v == 0 && !matches!(e, b'0') {
                                    bail!("pcre: invalid escape in class");
                                }
                                Esc::Byte(Self::byte_value(v)?)
                            } else {
                                bail!("pcre: unrecognized character follows \\ (`{}`)", e as char);
                            }
                        }
                    },
                };
                match esc {
                    // `\-` is a literal dash, never a range operator.
                    Esc::Byte(b'-') if e == b'-' => {
                        if let Some(p) = prev.replace(b'-') {
                            set.add(p);
                        }
                    }
                    Esc::Byte(b) => self.class_byte(b, &mut set, &mut prev)?,
                    Esc::Set(s) => {
                        if let Some(p) = prev.take() {
                            set.add(p);
                        }
                        if self.peek() == Some(b'-') && self.peek_at(1) != Some(b']') {
                            bail!("pcre: invalid range in character class");
                        }
                        set.union(&s);
                    }
                    Esc::QuoteStart => in_quote = true,
                    Esc::Nothing => {}
                    Esc::Raw { .. } => bail!("pcre: escape sequence is invalid in character class"),
                }
                continue;
            }
            self.class_byte(c, &mut set, &mut prev)?;
        }
        if let Some(p) = prev.take() {
            set.add(p);
        }
        if f.i {
            set.fold_case();
        }
        if negate {
            set.negate();
        }
        Ok(set)
    }

    /// Adds a literal byte in a class, completing a pending range `a-b`.
    fn class_byte(&mut self, b: u8, set: &mut ByteSet, prev: &mut Option<u8>) -> PResult<()> {
        // A `-` right after a byte starts a range unless it is the last thing in the class.
        if b == b'-' {
            if let Some(lo) = *prev {
                if self.peek() != Some(b']') && self.peek().is_some() {
                    let hi = self.range_end()?;
                    match hi {
                        Some(hi) => {
                            if hi < lo {
                                bail!("pcre: range out of order in character class");
                            }
                            set.add_range(lo, hi);
                            *prev = None;
                            return Ok(());
                        }
                        None => {
                            // `[a-\d]`: PCRE treats `-` literally here.
                            set.add(lo);
                            set.add(b'-');
                            *prev = None;
                            return Ok(());
                        }
                    }
                }
            }
        }
        if let Some(p) = prev.replace(b) {
            set.add(p);
        }
        Ok(())
    }

    /// Reads a range end byte; `None` if the next item is a class escape like `\d`.
    fn range_end(&mut self) -> PResult<Option<u8>> {
        let Some(c) = self.peek() else {
            bail!("pcre: missing terminating ] for character class");
        };
        if c == b'[' && self.peek_at(1) == Some(b':') {
            bail!("pcre: invalid range in character class");
        }
        self.i += 1;
        if c != b'\\' {
            return Ok(Some(c));
        }
        let Some(e) = self.peek() else {
            bail!("pcre: \\ at end of pattern");
        };
        self.i += 1;
        if e == b'b' {
            return Ok(Some(0x08));
        }
        match self.common_escape(e)? {
            Some(Esc::Byte(b)) => Ok(Some(b)),
            Some(Esc::Set(_)) => bail!("pcre: invalid range in character class"),
            Some(_) => bail!("pcre: invalid range end in character class"),
            None => {
                if e.is_ascii_digit() {
                    self.i -= 1;
                    let v = self.digits(8, 3);
                    return Ok(Some(Self::byte_value(v)?));
                }
                bail!("pcre: unrecognized character follows \\ (`{}`)", e as char)
            }
        }
    }
}
