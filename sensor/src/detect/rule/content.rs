//! The `content` keyword: its pattern syntax (`"text|0d 0a|more"` with `\"` `\;` `\\` `\:`
//! escapes) and the prepared pattern used at inspection time.

use memchr::memmem::Finder;

use super::error::{bail, PResult};

/// `fast_pattern` as written on a content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FastPatternOpt {
    /// `fast_pattern;`
    Yes,
    /// `fast_pattern:only;` (Suricata 7 treats it as a plain `fast_pattern`).
    Only,
    /// `fast_pattern:offset,length;` (only that slice goes to the prefilter).
    Chop { offset: u16, length: u16 },
}

/// One `content` with its modifiers, prepared for searching.
#[derive(Clone, Debug)]
pub struct Content {
    /// The bytes as written.
    pub pattern: Vec<u8>,
    pub negated: bool,
    pub nocase: bool,
    /// `offset` (absolute start), 0 when unset.
    pub offset: u32,
    /// Absolute end of the search window (Suricata's stored depth: `depth` plus `offset`);
    /// `None` when unset. `startswith` sets it to the pattern length.
    pub depth: Option<u32>,
    /// `distance`, relative to the previous match end in the same buffer.
    pub distance: Option<i32>,
    /// `within`, relative to the previous match end plus `distance`.
    pub within: Option<i32>,
    pub startswith: bool,
    pub endswith: bool,
    pub fast_pattern: Option<FastPatternOpt>,
    /// `distance`/`within` given as a `byte_extract` variable (its index); the literal field
    /// then holds 0 so the content still counts as relative.
    pub distance_var: Option<u8>,
    pub within_var: Option<u8>,
    /// `offset`/`depth` given as a variable (absolute contents only): the window is
    /// `[offset, offset + depth)` with the values read at inspection time.
    pub offset_var: Option<u8>,
    pub depth_var: Option<u8>,
    /// Index of the `content` option in the rule (0-based over all options).
    pub position: usize,
    // Prepared at load so inspection does not allocate.
    finder: Box<Finder<'static>>,
    /// For `nocase`: the pattern lowercased.
    lower: Vec<u8>,
    // Set while building: which modifiers were given explicitly (duplicate detection).
    pub(crate) has_offset: bool,
    pub(crate) has_depth: bool,
    /// Moved to its buffer by a legacy modifier (`http_uri`, ...).
    pub(crate) moved_by_modifier: bool,
    /// Suricata's `WITHIN_NEXT` / `DISTANCE_NEXT`: the next matcher in the buffer is relative
    /// to this one (set by [`super::inspect::link`]).
    pub(crate) within_next: bool,
    pub(crate) distance_next: bool,
}

impl PartialEq for Content {
    fn eq(&self, o: &Self) -> bool {
        self.pattern == o.pattern
            && self.negated == o.negated
            && self.nocase == o.nocase
            && self.offset == o.offset
            && self.depth == o.depth
            && self.distance == o.distance
            && self.within == o.within
            && self.startswith == o.startswith
            && self.endswith == o.endswith
            && self.fast_pattern == o.fast_pattern
            && self.distance_var == o.distance_var
            && self.within_var == o.within_var
            && self.offset_var == o.offset_var
            && self.depth_var == o.depth_var
            && self.position == o.position
    }
}

impl Content {
    /// A content with no modifiers.
    pub fn new(pattern: Vec<u8>, negated: bool, position: usize) -> Self {
        let finder = Box::new(Finder::new(&pattern).into_owned());
        let lower = pattern.to_ascii_lowercase();
        Content {
            pattern,
            negated,
            nocase: false,
            offset: 0,
            depth: None,
            distance: None,
            within: None,
            startswith: false,
            endswith: false,
            fast_pattern: None,
            distance_var: None,
            within_var: None,
            offset_var: None,
            depth_var: None,
            position,
            finder,
            lower,
            has_offset: false,
            has_depth: false,
            moved_by_modifier: false,
            within_next: false,
            distance_next: false,
        }
    }

    /// Parses the value of `content:` (quotes included, optional leading `!`).
    pub fn parse(value: &str, position: usize) -> PResult<Self> {
        let v = value.trim();
        let (negated, v) = match v.strip_prefix('!') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, v),
        };
        if v.len() < 2 || !v.starts_with('"') || !v.ends_with('"') {
            bail!("content value must be double quoted");
        }
        let pattern = parse_pattern(&v[1..v.len() - 1])?;
        Ok(Content::new(pattern, negated, position))
    }

    /// Whether this content is relative to the previous match in its buffer.
    pub fn is_relative(&self) -> bool {
        self.distance.is_some() || self.within.is_some()
    }

    /// The first occurrence of the pattern in `hay`, honoring `nocase`. Does not allocate.
    #[inline]
    pub fn find(&self, hay: &[u8]) -> Option<usize> {
        if !self.nocase {
            return self.finder.find(hay);
        }
        find_nocase(hay, &self.lower)
    }
}

/// Case-insensitive (ASCII) search for a lowercased needle.
fn find_nocase(hay: &[u8], lower: &[u8]) -> Option<usize> {
    let n = lower.len();
    if n == 0 {
        return Some(0);
    }
    if hay.len() < n {
        return None;
    }
    let first = lower[0];
    let last_start = hay.len() - n;
    let upper = first.to_ascii_uppercase();
    let mut i = 0;
    while i <= last_start {
        // Candidates for the first byte in either case, then a full comparison.
        let rel = if upper != first {
            memchr::memchr2(first, upper, &hay[i..=last_start])?
        } else {
            memchr::memchr(first, &hay[i..=last_start])?
        };
        let at = i + rel;
        if hay[at..at + n].eq_ignore_ascii_case(lower) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Decodes a content pattern body (without the surrounding quotes).
pub fn parse_pattern(s: &str) -> PResult<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut in_hex = false;
    let mut nibble: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if in_hex {
            match c {
                b'|' => {
                    if nibble.is_some() {
                        bail!("incomplete hex code in content `{s}`");
                    }
                    in_hex = false;
                }
                b' ' | b'\t' => {
                    if nibble.is_some() {
                        bail!("incomplete hex code in content `{s}`");
                    }
                }
                _ => {
                    let Some(v) = (c as char).to_digit(16) else {
                        bail!("invalid hex code `{}` in content `{s}`", c as char);
                    };
                    match nibble.take() {
                        Some(hi) => out.push(hi << 4 | v as u8),
                        None => nibble = Some(v as u8),
                    }
                }
            }
            i += 1;
            continue;
        }
        match c {
            b'|' => in_hex = true,
            b'\\' => {
                let Some(&n) = b.get(i + 1) else {
                    bail!("content ends with a lone `\\`");
                };
                if !matches!(n, b'"' | b';' | b'\\' | b':') {
                    bail!("`\\{}` is not a valid escape in content", n as char);
                }
                out.push(n);
                i += 1;
            }
            b'"' => bail!("unescaped double quote inside content"),
            b';' => bail!("unescaped `;` inside content"),
            _ => out.push(c),
        }
        i += 1;
    }
    if in_hex {
        bail!("unterminated hex section in content `{s}`");
    }
    if out.is_empty() {
        bail!("empty content");
    }
    Ok(out)
}
