//! Translation: PCRE syntax re-emitted in the explicit form both engines read the same way.

use super::classes::{digit, hspace, push_hex, space, vspace, word, ByteSet};
use crate::detect::rule::error::{bail, ErrorKind, PResult};

/// Compile-time options from the modifier letters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Opts {
    pub(super) caseless: bool,
    pub(super) dotall: bool,
    pub(super) multiline: bool,
    pub(super) extended: bool,
    pub(super) dollar_endonly: bool,
    pub(super) ungreedy: bool,
    /// Unnamed groups capture (PCRE's default; the `pcre` keyword compiles without it, as
    /// Suricata's `PCRE2_NO_AUTO_CAPTURE` does, `pcrexform` with it).
    pub(super) auto_capture: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Variant {
    /// Exact PCRE semantics for every subject.
    Exact,
    /// Valid only for subjects that do not end with `\n`.
    NoFinalNewline,
}

pub(super) struct Translated {
    pub(super) out: String,
    pub(super) fancy: bool,
    pub(super) eol_sensitive: bool,
}

/// Flags in effect at a point of the pattern.
#[derive(Clone, Copy, Debug)]
pub(super) struct Flags {
    pub(super) i: bool,
    pub(super) s: bool,
    pub(super) m: bool,
    pub(super) x: bool,
    pub(super) ungreedy: bool,
    pub(super) dollar_endonly: bool,
}

/// What an escape outside a class stands for.
pub(super) enum Esc {
    Byte(u8),
    Set(ByteSet),
    /// Already-translated text (assertions, back-references, `\R`).
    Raw {
        text: String,
        fancy: bool,
        eol: bool,
    },
    /// `\Q`: literal text follows until `\E`.
    QuoteStart,
    /// `\E` outside `\Q`: nothing.
    Nothing,
}

pub(super) struct Tr<'a> {
    pub(super) p: &'a [u8],
    pub(super) i: usize,
    pub(super) out: String,
    pub(super) variant: Variant,
    pub(super) fancy: bool,
    pub(super) eol: bool,
    /// Emit unnamed groups as capturing (pattern uses numeric back-references that refer to
    /// them).
    pub(super) capture_unnamed: bool,
    /// Total capturing groups in the pattern (for `\N` backref-or-octal decisions).
    pub(super) total_groups: usize,
    pub(super) named_groups: usize,
    pub(super) numeric_backref_max: usize,
}

pub(super) fn translate(p: &[u8], o: Opts, variant: Variant) -> PResult<Translated> {
    let (total_groups, named_groups) = count_groups(p);
    let mut t = Tr {
        p,
        i: 0,
        out: String::with_capacity(p.len() * 2),
        variant,
        fancy: false,
        eol: false,
        capture_unnamed: o.auto_capture,
        total_groups,
        named_groups,
        numeric_backref_max: 0,
    };
    let flags = Flags {
        i: o.caseless,
        s: o.dotall,
        m: o.multiline,
        x: o.extended,
        ungreedy: o.ungreedy,
        dollar_endonly: o.dollar_endonly,
    };
    if p.starts_with(b"(*") {
        return Err(ErrorKind::unsupported("pcre (*...) setting or verb"));
    }
    t.group_body(flags, false)?;
    if t.numeric_backref_max > 0 {
        // Suricata compiles with PCRE2_NO_AUTO_CAPTURE and retries without it when a numeric
        // back-reference names a group that does not exist: with enough named groups the
        // numbers count named groups only, otherwise every group counts.
        let named_only = t.named_groups >= t.numeric_backref_max;
        if named_only && t.named_groups < t.total_groups {
            return Err(ErrorKind::unsupported(
                "pcre numeric back-reference in a pattern mixing named and unnamed groups",
            ));
        }
        if !named_only {
            let mut t2 = Tr {
                p,
                i: 0,
                out: String::with_capacity(p.len() * 2),
                variant,
                fancy: false,
                eol: false,
                capture_unnamed: true,
                total_groups,
                named_groups,
                numeric_backref_max: 0,
            };
            t2.group_body(flags, false)?;
            t = t2;
        }
    }
    Ok(Translated {
        out: t.out,
        fancy: t.fancy,
        eol_sensitive: t.eol,
    })
}

/// Counts capturing groups (all, named) with a light scan that skips escapes and classes.
fn count_groups(p: &[u8]) -> (usize, usize) {
    let (mut total, mut named) = (0, 0);
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' => {
                if p.get(i + 1) == Some(&b'Q') {
                    match find_sub(&p[i + 2..], b"\\E") {
                        Some(e) => i += 2 + e + 2,
                        None => i = p.len(),
                    }
                    continue;
                }
                i += 2;
                continue;
            }
            b'[' => {
                i += 1;
                if p.get(i) == Some(&b'^') {
                    i += 1;
                }
                if p.get(i) == Some(&b']') {
                    i += 1;
                }
                while i < p.len() && p[i] != b']' {
                    if p[i] == b'\\' {
                        i += 1;
                    } else if p[i] == b'[' && p.get(i + 1) == Some(&b':') {
                        if let Some(e) = find_sub(&p[i..], b":]") {
                            i += e + 1;
                        }
                    }
                    i += 1;
                }
            }
            b'(' => {
                let rest = &p[i + 1..];
                if rest.first() != Some(&b'?') && rest.first() != Some(&b'*') {
                    total += 1;
                } else if rest.starts_with(b"?<")
                    && !rest.starts_with(b"?<=")
                    && !rest.starts_with(b"?<!")
                    || rest.starts_with(b"?P<")
                    || rest.starts_with(b"?'")
                {
                    total += 1;
                    named += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    (total, named)
}

pub(super) fn find_sub(h: &[u8], n: &[u8]) -> Option<usize> {
    memchr::memmem::find(h, n)
}

impl Tr<'_> {
    pub(super) fn peek(&self) -> Option<u8> {
        self.p.get(self.i).copied()
    }

    pub(super) fn peek_at(&self, k: usize) -> Option<u8> {
        self.p.get(self.i + k).copied()
    }

    pub(super) fn rest(&self) -> &[u8] {
        &self.p[self.i.min(self.p.len())..]
    }

    /// Skips `x`-mode whitespace and `#` comments.
    fn skip_extended(&mut self, f: &Flags) {
        if !f.x {
            return;
        }
        while let Some(c) = self.peek() {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
                self.i += 1;
            } else if c == b'#' {
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == b'\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    /// Translates alternatives until `)` (when `in_group`) or the end.
    fn group_body(&mut self, mut f: Flags, in_group: bool) -> PResult<()> {
        // Start of the last quantifiable item in `out`, if any.
        let mut last_atom: Option<usize> = None;
        loop {
            self.skip_extended(&f);
            let Some(c) = self.peek() else {
                if in_group {
                    bail!("pcre: missing closing parenthesis");
                }
                return Ok(());
            };
            match c {
                b')' => {
                    if !in_group {
                        bail!("pcre: unmatched closing parenthesis");
                    }
                    self.i += 1;
                    return Ok(());
                }
                b'|' => {
                    self.i += 1;
                    self.out.push('|');
                    last_atom = None;
                }
                b'*' | b'+' | b'?' => {
                    let Some(start) = last_atom.take() else {
                        bail!("pcre: quantifier does not follow a repeatable item");
                    };
                    self.i += 1;
                    let q = match c {
                        b'*' => "*",
                        b'+' => "+",
                        _ => "?",
                    };
                    self.quantifier(start, q, &f)?;
                }
                b'{' => {
                    if let Some(q) = self.brace_quantifier()? {
                        let Some(start) = last_atom.take() else {
                            bail!("pcre: quantifier does not follow a repeatable item");
                        };
                        self.quantifier(start, &q, &f)?;
                    } else {
                        self.i += 1;
                        last_atom = Some(self.out.len());
                        self.literal(b'{', &f);
                    }
                }
                b'(' => {
                    let start = self.out.len();
                    if let Some(new_flags) = self.group(f)? {
                        // `(?i)`-style setting: applies to the rest of this group.
                        f = new_flags;
                        last_atom = None;
                    } else {
                        last_atom = Some(start);
                    }
                }
                _ => {
                    let start = self.out.len();
                    let item = self.atom(&f)?;
                    last_atom = if self.out.len() > start {
                        Some(item.unwrap_or(start))
                    } else {
                        None
                    };
                }
            }
        }
    }

    /// Emits quantifier `q` after the item at `start`, reading a lazy `?` or possessive `+`.
    fn quantifier(&mut self, start: usize, q: &str, f: &Flags) -> PResult<()> {
        let mut lazy = f.ungreedy;
        let mut possessive = false;
        match self.peek() {
            Some(b'?') => {
                self.i += 1;
                lazy = !lazy;
            }
            Some(b'+') => {
                self.i += 1;
                possessive = true;
            }
            _ => {}
        }
        // Wrap so the quantifier applies to the whole emitted item.
        let item = self.out.split_off(start);
        if possessive {
            self.fancy = true;
            self.out.push_str("(?>(?:");
            self.out.push_str(&item);
            self.out.push(')');
            self.out.push_str(q);
            self.out.push(')');
        } else {
            self.out.push_str("(?:");
            self.out.push_str(&item);
            self.out.push(')');
            self.out.push_str(q);
            if lazy {
                self.out.push('?');
            }
        }
        self.skip_extended(f);
        if matches!(self.peek(), Some(b'*' | b'+' | b'?')) {
            bail!("pcre: nothing to repeat");
        }
        Ok(())
    }

    /// Reads `{n}`, `{n,}`, `{n,m}` at the cursor; `None` (cursor unchanged) when the brace is
    /// a literal (PCRE2 10.42 rules: digits only, `{,m}` is literal).
    fn brace_quantifier(&mut self) -> PResult<Option<String>> {
        let r = self.rest();
        let Some(close) = r.iter().position(|&b| b == b'}') else {
            return Ok(None);
        };
        let inner = &r[1..close];
        let (a, b) = match inner.iter().position(|&c| c == b',') {
            Some(k) => (&inner[..k], Some(&inner[k + 1..])),
            None => (inner, None),
        };
        let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
        if !digits(a) || b.is_some_and(|b| !b.is_empty() && !digits(b)) {
            return Ok(None);
        }
        let num = |s: &[u8]| -> PResult<u32> {
            let v: u32 = std::str::from_utf8(s)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(u32::MAX);
            if v > 65535 {
                bail!("pcre: number too big in {{}} quantifier");
            }
            Ok(v)
        };
        let n = num(a)?;
        let q = match b {
            None => format!("{{{n}}}"),
            Some([]) => format!("{{{n},}}"),
            Some(b) => {
                let m = num(b)?;
                if m < n {
                    bail!("pcre: numbers out of order in {{}} quantifier");
                }
                format!("{{{n},{m}}}")
            }
        };
        self.i += close + 1;
        Ok(Some(q))
    }

    /// Emits one literal byte honoring case-insensitivity.
    fn literal(&mut self, b: u8, f: &Flags) {
        if f.i && b.is_ascii_alphabetic() {
            let mut s = ByteSet::default();
            s.add(b);
            s.fold_case();
            s.emit(&mut self.out);
        } else if b.is_ascii_alphanumeric() {
            self.out.push(b as char);
        } else {
            push_hex(&mut self.out, b);
        }
    }

    fn set(&mut self, mut s: ByteSet, f: &Flags) {
        if f.i {
            s.fold_case();
        }
        s.emit(&mut self.out);
    }

    fn raw(&mut self, text: &str) {
        self.out.push_str("(?:");
        self.out.push_str(text);
        self.out.push(')');
    }

    /// One item that is not a group, quantifier or alternation. Returns where a following
    /// quantifier's operand starts when that is not the start of the item (`\Q...\E`).
    fn atom(&mut self, f: &Flags) -> PResult<Option<usize>> {
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        self.i += 1;
        match c {
            b'.' => {
                let s = if f.s {
                    ByteSet::default().negated()
                } else {
                    ByteSet::of(b"\n").negated()
                };
                s.emit(&mut self.out);
            }
            b'^' => {
                if f.m {
                    self.eol = true;
                    match self.variant {
                        Variant::Exact => {
                            self.fancy = true;
                            self.raw("\\A|(?<=\\n)(?!\\z)");
                        }
                        Variant::NoFinalNewline => self.raw("(?m:^)"),
                    }
                } else {
                    self.raw("\\A");
                }
            }
            b'$' => {
                if f.m {
                    self.raw("(?m:$)");
                } else if f.dollar_endonly {
                    self.raw("\\z");
                } else {
                    self.dollar_like();
                }
            }
            b'[' => {
                let s = self.class(f)?;
                s.emit(&mut self.out);
            }
            b'\\' => match self.escape(f)? {
                Esc::Byte(b) => self.literal(b, f),
                Esc::Set(s) => self.set(s, f),
                Esc::Raw { text, fancy, eol } => {
                    self.fancy |= fancy;
                    self.eol |= eol;
                    self.raw(&text);
                }
                Esc::QuoteStart => {
                    // Literal bytes until `\E`; the whole run is one item per byte, so a
                    // following quantifier applies to the last byte as in PCRE.
                    let end = find_sub(self.rest(), b"\\E").map(|e| self.i + e);
                    let stop = end.unwrap_or(self.p.len());
                    let bytes = self.p[self.i..stop].to_vec();
                    self.i = end.map(|e| e + 2).unwrap_or(self.p.len());
                    if let Some((&last, init)) = bytes.split_last() {
                        for &b in init {
                            self.literal(b, f);
                        }
                        // A quantifier only takes the last byte.
                        let at = self.out.len();
                        self.literal(last, f);
                        return Ok(Some(at));
                    }
                }
                Esc::Nothing => {}
            },
            _ => self.literal(c, f),
        }
        Ok(None)
    }

    /// `$` without `m`/`E`, and `\Z`: end of subject or before a final newline.
    fn dollar_like(&mut self) {
        self.eol = true;
        match self.variant {
            Variant::Exact => {
                self.fancy = true;
                self.raw("(?=\\n?\\z)");
            }
            Variant::NoFinalNewline => self.raw("\\z"),
        }
    }

    /// A group starting at `(`. Returns new flags for a bare `(?flags)` setting.
    fn group(&mut self, f: Flags) -> PResult<Option<Flags>> {
        self.i += 1; // `(`
        if self.peek() == Some(b'*') {
            return Err(ErrorKind::unsupported("pcre backtracking verb (*...)"));
        }
        if self.peek() != Some(b'?') {
            self.out
                .push_str(if self.capture_unnamed { "(" } else { "(?:" });
            self.group_body(f, true)?;
            self.out.push(')');
            return Ok(None);
        }
        self.i += 1; // `?`
        let r = self.rest();
        let kind: &[u8] = r;
        if kind.starts_with(b"#") {
            let Some(e) = r.iter().position(|&b| b == b')') else {
                bail!("pcre: missing ) after comment");
            };
            self.i += e + 1;
            return Ok(None);
        }
        let (open, consumed, fancy): (String, usize, bool) = if kind.starts_with(b":") {
            ("(?:".into(), 1, false)
        } else if kind.starts_with(b"=") {
            ("(?=".into(), 1, true)
        } else if kind.starts_with(b"!") {
            ("(?!".into(), 1, true)
        } else if kind.starts_with(b"<=") {
            ("(?<=".into(), 2, true)
        } else if kind.starts_with(b"<!") {
            ("(?<!".into(), 2, true)
        } else if kind.starts_with(b">") {
            ("(?>".into(), 1, true)
        } else if kind.starts_with(b"P<") || kind.starts_with(b"<") || kind.starts_with(b"'") {
            let skip = if kind.starts_with(b"P<") { 2 } else { 1 };
            let close = if kind[skip - 1] == b'\'' { b'\'' } else { b'>' };
            let Some(e) = kind[skip..].iter().position(|&b| b == close) else {
                bail!("pcre: unterminated group name");
            };
            let name = &kind[skip..skip + e];
            if name.is_empty()
                || !name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
                || name[0].is_ascii_digit()
            {
                bail!("pcre: invalid group name");
            }
            let name = String::from_utf8_lossy(name);
            (format!("(?P<{name}>"), skip + e + 1, false)
        } else if kind.starts_with(b"P=") {
            let Some(e) = kind.iter().position(|&b| b == b')') else {
                bail!("pcre: unterminated (?P=name)");
            };
            let name = String::from_utf8_lossy(&kind[2..e]).into_owned();
            self.i += e + 1;
            self.fancy = true;
            if f.i {
                self.raw(&format!("(?i:\\k<{name}>)"));
            } else {
                self.raw(&format!("\\k<{name}>"));
            }
            return Ok(None);
        } else if kind.starts_with(b"|") {
            return Err(ErrorKind::unsupported("pcre branch reset group (?|"));
        } else if kind.starts_with(b"(") {
            return Err(ErrorKind::unsupported("pcre conditional group (?("));
        } else if kind.starts_with(b"C") {
            return Err(ErrorKind::unsupported("pcre callout (?C"));
        } else if kind
            .first()
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'R' | b'+' | b'&'))
            || kind.starts_with(b"P>")
            || (kind.starts_with(b"-") && kind.get(1).is_some_and(u8::is_ascii_digit))
        {
            return Err(ErrorKind::unsupported("pcre recursion or subroutine call"));
        } else {
            // Option setting: `(?imsxU-imsxU)` or `(?imsxU-imsxU:...)`.
            let mut nf = f;
            let mut on = true;
            let mut k = 0;
            loop {
                let Some(&b) = kind.get(k) else {
                    bail!("pcre: unterminated group");
                };
                k += 1;
                match b {
                    b'i' => nf.i = on,
                    b's' => nf.s = on,
                    b'm' => nf.m = on,
                    b'x' => nf.x = on,
                    b'U' => nf.ungreedy = on,
                    b'-' if on => on = false,
                    b')' => {
                        self.i += k;
                        return Ok(Some(nf));
                    }
                    b':' => {
                        self.i += k;
                        self.out.push_str("(?:");
                        self.group_body(nf, true)?;
                        self.out.push(')');
                        return Ok(None);
                    }
                    other if other.is_ascii_alphabetic() || other == b'^' => {
                        return Err(ErrorKind::unsupported(format!(
                            "pcre inline option `{}`",
                            other as char
                        )));
                    }
                    _ => bail!("pcre: unrecognized character after (?"),
                }
            }
        };
        self.i += consumed;
        self.fancy |= fancy;
        self.out.push_str(&open);
        self.group_body(f, true)?;
        self.out.push(')');
        Ok(None)
    }

    /// Reads up to `max` digits of `radix` at the cursor.
    pub(super) fn digits(&mut self, radix: u32, max: usize) -> u32 {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek().and_then(|c| (c as char).to_digit(radix)) {
                Some(d) => {
                    v = v.saturating_mul(radix).saturating_add(d);
                    self.i += 1;
                    n += 1;
                }
                None => break,
            }
        }
        v
    }

    fn braced_number(&mut self, radix: u32) -> PResult<u32> {
        // Cursor after `{`.
        let start = self.i;
        let v = self.digits(radix, 16);
        if self.i == start || self.peek() != Some(b'}') {
            bail!("pcre: malformed braced number");
        }
        self.i += 1;
        Ok(v)
    }

    pub(super) fn byte_value(v: u32) -> PResult<u8> {
        u8::try_from(v).map_err(|_| {
            ErrorKind::syntax("pcre: character code point value is too large (non-UTF mode)")
        })
    }

    /// Escapes shared by classes and the main pattern: returns a byte or set, or `None` when
    /// the escape is not of that kind (cursor then unchanged, after the backslash).
    pub(super) fn common_escape(&mut self, c: u8) -> PResult<Option<Esc>> {
        Ok(Some(match c {
            b'd' => Esc::Set(digit()),
            b'D' => Esc::Set(digit().negated()),
            b'w' => Esc::Set(word()),
            b'W' => Esc::Set(word().negated()),
            b's' => Esc::Set(space()),
            b'S' => Esc::Set(space().negated()),
            b'h' => Esc::Set(hspace()),
            b'H' => Esc::Set(hspace().negated()),
            b'v' => Esc::Set(vspace()),
            b'V' => Esc::Set(vspace().negated()),
            b'a' => Esc::Byte(0x07),
            b'e' => Esc::Byte(0x1B),
            b'f' => Esc::Byte(0x0C),
            b'n' => Esc::Byte(b'\n'),
            b'r' => Esc::Byte(b'\r'),
            b't' => Esc::Byte(b'\t'),
            b'x' => {
                if self.peek() == Some(b'{') {
                    self.i += 1;
                    let v = self.braced_number(16)?;
                    Esc::Byte(Self::byte_value(v)?)
                } else {
                    Esc::Byte(self.digits(16, 2) as u8)
                }
            }
            b'o' => {
                if self.peek() != Some(b'{') {
                    bail!("pcre: missing {{ after \\o");
                }
                self.i += 1;
                let v = self.braced_number(8)?;
                Esc::Byte(Self::byte_value(v)?)
            }
            b'0' => {
                let v = self.digits(8, 2);
                Esc::Byte(v as u8)
            }
            b'c' => {
                let Some(x) = self.peek() else {
                    bail!("pcre: \\c at end of pattern");
                };
                if !(32..=126).contains(&x) {
                    bail!("pcre: \\c must be followed by a printable ASCII character");
                }
                self.i += 1;
                Esc::Byte(x.to_ascii_uppercase() ^ 0x40)
            }
            b'Q' => Esc::QuoteStart,
            b'E' => Esc::Nothing,
            b'p' | b'P' => return Err(ErrorKind::unsupported("pcre \\p / \\P property")),
            b'X' => return Err(ErrorKind::unsupported("pcre \\X")),
            b'C' => return Err(ErrorKind::unsupported("pcre \\C")),
            b'L' | b'l' | b'U' | b'u' => {
                bail!("pcre: PCRE does not support \\L, \\l, \\N{{name}}, \\U, or \\u")
            }
            c if c.is_ascii_alphanumeric() => return Ok(None),
            c => Esc::Byte(c),
        }))
    }

    /// An escape outside a class; cursor after the backslash.
    fn escape(&mut self, f: &Flags) -> PResult<Esc> {
        let Some(c) = self.peek() else {
            bail!("pcre: \\ at end of pattern");
        };
        self.i += 1;
        if let Some(e) = self.common_escape(c)? {
            return Ok(e);
        }
        let raw = |text: &str, fancy: bool| Esc::Raw {
            text: text.to_string(),
            fancy,
            eol: false,
        };
        Ok(match c {
            b'b' => raw("\\b", false),
            b'B' => raw("\\B", false),
            b'A' => raw("\\A", false),
            b'z' => raw("\\z", false),
            b'Z' => {
                self.dollar_like();
                Esc::Nothing
            }
            b'G' => return Err(ErrorKind::unsupported("pcre \\G")),
            b'K' => raw("\\K", true),
            b'R' => raw("(?>\\r\\n|[\\n\\x0B\\x0C\\r\\x85])", true),
            b'N' => {
                if self.peek() == Some(b'{') {
                    bail!("pcre: PCRE does not support \\N{{name}}");
                }
                Esc::Set(ByteSet::of(b"\n").negated())
            }
            b'1'..=b'9' => {
                self.i -= 1;
                let start = self.i;
                let n = self.digits(10, 10);
                if n < 10 || (n as usize) <= self.total_groups {
                    self.backref_num(n as usize, f)?
                } else {
                    // Octal escape.
                    self.i = start;
                    if !matches!(self.peek(), Some(b'0'..=b'7')) {
                        return Err(ErrorKind::unsupported("pcre \\8 / \\9 escape"));
                    }
                    let v = self.digits(8, 3);
                    Esc::Byte(Self::byte_value(v)?)
                }
            }
            b'g' => {
                let (num, name) = self.backref_g()?;
                match (num, name) {
                    (Some(n), _) => self.backref_num(n, f)?,
                    (None, Some(name)) => self.backref_name(&name, f),
                    _ => bail!("pcre: malformed \\g"),
                }
            }
            b'k' => {
                let close = match self.peek() {
                    Some(b'<') => b'>',
                    Some(b'\'') => b'\'',
                    Some(b'{') => b'}',
                    _ => bail!("pcre: \\k is not followed by a name"),
                };
                self.i += 1;
                let Some(e) = self.rest().iter().position(|&b| b == close) else {
                    bail!("pcre: unterminated \\k name");
                };
                let name = String::from_utf8_lossy(&self.rest()[..e]).into_owned();
                self.i += e + 1;
                self.backref_name(&name, f)
            }
            other => bail!(
                "pcre: unrecognized character follows \\ (`{}`)",
                other as char
            ),
        })
    }

    /// Parses after `\g`: `{n}`, `{-n}`, `n`, `-n`, `{name}`; `<`/`'` are subroutine calls.
    fn backref_g(&mut self) -> PResult<(Option<usize>, Option<String>)> {
        match self.peek() {
            Some(b'<') | Some(b'\'') => {
                Err(ErrorKind::unsupported("pcre subroutine call \\g<...>"))
            }
            Some(b'{') => {
                self.i += 1;
                let Some(e) = self.rest().iter().position(|&b| b == b'}') else {
                    bail!("pcre: unterminated \\g{{");
                };
                let inner = String::from_utf8_lossy(&self.rest()[..e]).into_owned();
                self.i += e + 1;
                if let Some(n) = self.relative_or_number(&inner)? {
                    Ok((Some(n), None))
                } else {
                    Ok((None, Some(inner)))
                }
            }
            _ => {
                let start = self.i;
                if self.peek() == Some(b'-') {
                    self.i += 1;
                }
                self.digits(10, 10);
                let text = String::from_utf8_lossy(&self.p[start..self.i]).into_owned();
                match self.relative_or_number(&text)? {
                    Some(n) => Ok((Some(n), None)),
                    None => bail!("pcre: malformed \\g"),
                }
            }
        }
    }

    fn relative_or_number(&self, s: &str) -> PResult<Option<usize>> {
        if let Some(rel) = s.strip_prefix('-') {
            let Ok(r) = rel.parse::<usize>() else {
                return Ok(None);
            };
            // Relative to the groups opened so far.
            let opened = count_groups(&self.p[..self.i]).0;
            if r == 0 || r > opened {
                bail!("pcre: reference to non-existent subpattern");
            }
            return Ok(Some(opened + 1 - r));
        }
        Ok(s.parse::<usize>().ok())
    }

    fn backref_num(&mut self, n: usize, f: &Flags) -> PResult<Esc> {
        if n == 0 || n > self.total_groups {
            bail!("pcre: reference to non-existent subpattern");
        }
        self.numeric_backref_max = self.numeric_backref_max.max(n);
        let text = if f.i {
            format!("(?i:\\{n})")
        } else {
            format!("\\{n}")
        };
        Ok(Esc::Raw {
            text,
            fancy: true,
            eol: false,
        })
    }

    fn backref_name(&mut self, name: &str, f: &Flags) -> Esc {
        let text = if f.i {
            format!("(?i:\\k<{name}>)")
        } else {
            format!("\\k<{name}>")
        };
        Esc::Raw {
            text,
            fancy: true,
            eol: false,
        }
    }
}
