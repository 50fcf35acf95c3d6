//! The `asn1` keyword: decodes BER (X.690) objects from the packet payload and checks them for
//! the encodings that overflowed old ASN.1 decoders (MS04-007 and kin).
//!
//! Suricata 7 semantics: the keyword belongs to the packet's match list, so it runs after the
//! rule's payload keywords, on the packet payload, starting at `absolute_offset`, or at
//! `relative_offset` from where the last payload match ended (a negated content does not move
//! it), or at 0. Up to 256 top-level objects are decoded in a row, each to a depth of 256
//! (`asn1-max-frames` in Suricata's shipped `suricata.yaml`; its built-in default is 30);
//! decoding stops at the first object that does not parse, keeping those before it. The rule matches when any decoded node, at any depth,
//! fails one of the chosen checks:
//! - `oversize_length N`: a node's declared length is above N (the indefinite form declares
//!   none);
//! - `bitstring_overflow`: a primitive universal BIT STRING whose unused-bits count is larger
//!   than its length in bits;
//! - `double_overflow`: a primitive universal REAL in decimal form (first content byte with the
//!   two top bits clear) longer than 256 bytes.
//!
//! Decoding walks the encoding in place: nothing is allocated per packet.

use super::error::{bail, PResult};
use super::lexer::truncate;

/// Suricata's `asn1-max-frames` as its shipped `suricata.yaml` sets it (the built-in default
/// is 30): objects decoded in a row, and nesting depth.
const MAX_FRAMES: u32 = 256;

/// The tag numbers the checks look at (universal class).
const TAG_BIT_STRING: u32 = 3;
const TAG_REAL: u32 = 9;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Asn1 {
    pub bitstring_overflow: bool,
    pub double_overflow: bool,
    pub oversize_length: Option<u32>,
    pub absolute_offset: Option<u16>,
    /// Within +/-65535.
    pub relative_offset: Option<i32>,
}

impl Asn1 {
    /// Parses the option value: options separated by spaces and/or commas, in any order
    /// (`double_overflow, bitstring_overflow, relative_offset 54, oversize_length 2048`).
    pub fn parse(v: &str) -> PResult<Self> {
        if v.is_empty() {
            bail!("asn1: no option given");
        }
        let mut a = Asn1::default();
        let mut rest = v;
        // Suricata's grammar: spaces, one option, then one separator (spaces or a comma).
        while !rest.is_empty() {
            rest = rest.trim_start();
            let name_len = rest
                .find(|c: char| c == ',' || c.is_whitespace())
                .unwrap_or(rest.len());
            let (name, after) = rest.split_at(name_len);
            let mut number = || -> PResult<&str> {
                let digits = after.trim_start();
                if digits.len() == after.len() {
                    bail!("asn1: `{name}` needs a number");
                }
                let n_len = digits
                    .find(|c: char| c == ',' || c.is_whitespace())
                    .unwrap_or(digits.len());
                let (n, tail) = digits.split_at(n_len);
                rest = tail;
                Ok(n)
            };
            match name {
                "bitstring_overflow" => {
                    a.bitstring_overflow = true;
                    rest = after;
                }
                "double_overflow" => {
                    a.double_overflow = true;
                    rest = after;
                }
                "oversize_length" => {
                    let n = number()?;
                    match n.parse::<u32>() {
                        Ok(v) if all_digits(n) => a.oversize_length = Some(v),
                        _ => bail!("asn1: oversize_length `{n}` is not a number of 0-4294967295"),
                    }
                }
                "absolute_offset" => {
                    let n = number()?;
                    match n.parse::<u16>() {
                        Ok(v) if all_digits(n) => a.absolute_offset = Some(v),
                        _ => bail!("asn1: absolute_offset `{n}` is not a number of 0-65535"),
                    }
                }
                "relative_offset" => {
                    let n = number()?;
                    let digits = n.strip_prefix('-').unwrap_or(n);
                    match n.parse::<i32>() {
                        Ok(v) if all_digits(digits) && (-65535..=65535).contains(&v) => {
                            a.relative_offset = Some(v)
                        }
                        _ => bail!("asn1: relative_offset `{n}` is not a number of -65535-65535"),
                    }
                }
                "" => bail!("asn1: an option is missing before `{}`", truncate(rest, 20)),
                other => bail!("asn1: unknown option `{}`", truncate(other, 40)),
            }
            // One separator: a run of spaces, or a single comma.
            if let Some(r) = rest.strip_prefix(',') {
                rest = r;
            } else {
                rest = rest.trim_start();
            }
        }
        Ok(a)
    }

    /// Whether the checks fire on `payload`, `buffer_offset` being where the rule's last
    /// payload match ended.
    pub fn matches(&self, payload: &[u8], buffer_offset: u32) -> bool {
        if payload.is_empty() {
            return false;
        }
        let start = match (self.absolute_offset, self.relative_offset) {
            (Some(a), _) => a as i64,
            (None, Some(r)) => buffer_offset as i64 + r as i64,
            (None, None) => 0,
        };
        // Suricata keeps the offset in 16 bits and refuses one outside the payload.
        if !(0..=u16::MAX as i64).contains(&start) || start as usize >= payload.len() {
            return false;
        }
        let mut rest = &payload[start as usize..];
        let mut fired = false;
        let mut frames = 0;
        while !rest.is_empty() {
            if frames == MAX_FRAMES {
                // Suricata gives up on the whole payload, objects decoded so far included.
                return false;
            }
            match self.decode(rest, MAX_FRAMES, true) {
                Some((used, f)) => {
                    fired |= f;
                    rest = &rest[used..];
                }
                None => break,
            }
            frames += 1;
        }
        fired
    }

    /// Decodes one object at the start of `buf`: its encoded size and whether a check fired
    /// on it or (when `check`) on a child, or `None` when it does not decode. An object whose
    /// child does not decode does not decode either, so a whole object is read even after a
    /// check fired. Only SEQUENCE and SET children are checked (Suricata's decoder keeps
    /// other constructed contents as bytes), but every indefinite-length content is walked to
    /// find its end.
    fn decode(&self, buf: &[u8], depth: u32, check: bool) -> Option<(usize, bool)> {
        if depth == 0 {
            return None;
        }
        let h = Header::read(buf)?;
        let body = &buf[h.header_len..];
        let universal = h.class == 0;
        if h.constructed && universal && !CONSTRUCTED_OK.contains(&h.tag) {
            return None;
        }
        let children_checked = check && universal && (h.tag == TAG_SEQUENCE || h.tag == TAG_SET);
        let mut fired = false;
        let used = match h.len {
            Some(len) => {
                let content = body.get(..len)?;
                if h.constructed {
                    if universal && (h.tag == TAG_SEQUENCE || h.tag == TAG_SET) {
                        // Children must fill the content exactly.
                        let mut rest = content;
                        while !rest.is_empty() {
                            let (n, f) = self.decode(rest, depth - 1, children_checked)?;
                            fired |= f;
                            rest = &rest[n..];
                        }
                    }
                } else if universal && !primitive_is_valid(h.tag, content) {
                    return None;
                }
                fired |= check && self.fires(&h, content);
                h.header_len + len
            }
            None => {
                // The indefinite form: constructed only, children up to an end-of-contents.
                if !h.constructed {
                    return None;
                }
                let mut at = 0;
                loop {
                    let rest = &body[at..];
                    if rest.starts_with(&[0, 0]) {
                        break;
                    }
                    let (n, f) = self.decode(rest, depth - 1, children_checked)?;
                    fired |= f;
                    at += n;
                }
                h.header_len + at + 2
            }
        };
        Some((used, fired))
    }

    /// The checks on one node and its own content bytes.
    fn fires(&self, h: &Header, content: &[u8]) -> bool {
        // The declared length; the indefinite form declares none.
        if let (Some(max), Some(len)) = (self.oversize_length, h.len) {
            if len as u64 > max as u64 {
                return true;
            }
        }
        let universal_primitive = h.class == 0 && !h.constructed;
        if self.bitstring_overflow && universal_primitive && h.tag == TAG_BIT_STRING {
            if let Some(&unused) = content.first() {
                if unused as u64 > (content.len() as u64) * 8 {
                    return true;
                }
            }
        }
        if self.double_overflow && universal_primitive && h.tag == TAG_REAL {
            if let Some(&first) = content.first() {
                if first & 0xC0 == 0 && content.len() > 256 {
                    return true;
                }
            }
        }
        false
    }
}

/// Universal tags (X.680 8.4).
const TAG_BOOLEAN: u32 = 1;
const TAG_INTEGER: u32 = 2;
const TAG_OCTET_STRING: u32 = 4;
const TAG_NULL: u32 = 5;
const TAG_ENUMERATED: u32 = 10;
const TAG_UTF8_STRING: u32 = 12;
const TAG_SEQUENCE: u32 = 16;
const TAG_SET: u32 = 17;
const TAG_NUMERIC_STRING: u32 = 18;
const TAG_PRINTABLE_STRING: u32 = 19;
const TAG_IA5_STRING: u32 = 22;
const TAG_UTC_TIME: u32 = 23;
const TAG_GENERALIZED_TIME: u32 = 24;
const TAG_VISIBLE_STRING: u32 = 26;
const TAG_BMP_STRING: u32 = 30;

/// Universal types Suricata's decoder accepts in the constructed form (measured against
/// 7.0.10: a constructed BIT STRING, UTF8String or PrintableString fails, a constructed
/// OCTET STRING, INTEGER or NULL does not). Tags not measured are taken as the nearest
/// measured kind: strings, times and bit strings fail, the rest pass.
const CONSTRUCTED_OK: &[u32] = &[
    0,
    TAG_INTEGER,
    TAG_OCTET_STRING,
    TAG_NULL,
    7,
    8,
    11,
    TAG_SEQUENCE,
    TAG_SET,
];

/// The content rules Suricata's decoder enforces on primitive universal types (each
/// measured against 7.0.10; see `testdata/asn1_cases.tsv`). Other types are taken as bytes.
fn primitive_is_valid(tag: u32, c: &[u8]) -> bool {
    match tag {
        // A SEQUENCE or SET is constructed by definition.
        TAG_SEQUENCE | TAG_SET => false,
        TAG_BOOLEAN => c.len() == 1,
        TAG_BIT_STRING => !c.is_empty(),
        TAG_ENUMERATED => c.len() <= 8,
        TAG_UTF8_STRING => std::str::from_utf8(c).is_ok(),
        TAG_NUMERIC_STRING => c.iter().all(|&b| b.is_ascii_digit() || b == b' '),
        TAG_PRINTABLE_STRING => c
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)),
        TAG_IA5_STRING => c.is_ascii(),
        TAG_VISIBLE_STRING => c.iter().all(|&b| (0x20..=0x7f).contains(&b)),
        TAG_BMP_STRING => {
            c.len() % 2 == 0
                && char::decode_utf16(c.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]])))
                    .all(|r| r.is_ok())
        }
        TAG_UTC_TIME => utc_time_is_valid(c),
        TAG_GENERALIZED_TIME => generalized_time_is_valid(c),
        _ => true,
    }
}

/// Two ASCII digits as a number.
fn two_digits(c: &[u8], at: usize) -> Option<u32> {
    match c.get(at..at + 2)? {
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => Some(((a - b'0') * 10 + (b - b'0')) as u32),
        _ => None,
    }
}

/// Month, day, hour, minute and optional second from `at` are in range; returns the index
/// after them (seconds included when `seconds` says they must be there).
fn date_time(c: &[u8], at: usize, seconds: Option<bool>) -> Option<usize> {
    let month = two_digits(c, at)?;
    let day = two_digits(c, at + 2)?;
    let hour = two_digits(c, at + 4)?;
    let minute = two_digits(c, at + 6)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let mut end = at + 8;
    match (seconds, two_digits(c, end)) {
        (Some(false), _) | (None, None) => {}
        (_, Some(s)) if s <= 59 => end += 2,
        _ => return None,
    }
    Some(end)
}

/// `YYMMDDhhmm[ss]Z` (offsets such as `+0100` fail in Suricata's decoder).
fn utc_time_is_valid(c: &[u8]) -> bool {
    two_digits(c, 0).is_some() && date_time(c, 2, None).is_some_and(|end| &c[end..] == b"Z")
}

/// `YYYYMMDDhhmmss[.f+][Z|+hhmm|-hhmm]` (a time without seconds fails in Suricata's decoder).
fn generalized_time_is_valid(c: &[u8]) -> bool {
    if two_digits(c, 0).is_none() || two_digits(c, 2).is_none() {
        return false;
    }
    let Some(mut end) = date_time(c, 4, Some(true)) else {
        return false;
    };
    if matches!(c.get(end), Some(b'.' | b',')) {
        let digits = c[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return false;
        }
        end += 1 + digits;
    }
    match &c[end..] {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => {
            rest.len() == 4
                && two_digits(rest, 0).is_some_and(|h| h <= 23)
                && two_digits(rest, 2).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// An identifier and length (X.690 8.1.2, 8.1.3).
struct Header {
    class: u8,
    constructed: bool,
    tag: u32,
    /// `None`: the indefinite form.
    len: Option<usize>,
    header_len: usize,
}

impl Header {
    fn read(buf: &[u8]) -> Option<Header> {
        let first = *buf.first()?;
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut tag = (first & 0x1f) as u32;
        let mut at = 1;
        if tag == 0x1f {
            // High tag number: base-128 digits; at most four of them fit 32 bits here.
            tag = 0;
            loop {
                let b = *buf.get(at)?;
                if at > 4 {
                    return None;
                }
                tag = (tag << 7) | (b & 0x7f) as u32;
                at += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let l = *buf.get(at)?;
        at += 1;
        let len = if l & 0x80 == 0 {
            Some(l as usize)
        } else if l == 0x80 {
            None
        } else {
            let n = (l & 0x7f) as usize;
            // 0xff is reserved (8.1.3.5); lengths above 64 bits cannot be followed.
            if n == 0x7f || n > 8 {
                return None;
            }
            let bytes = buf.get(at..at + n)?;
            at += n;
            let v = bytes.iter().fold(0u64, |v, &b| (v << 8) | b as u64);
            Some(usize::try_from(v).ok()?)
        };
        Some(Header {
            class,
            constructed,
            tag,
            len,
            header_len: at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X.690 (07/2002) annex A.3: a personnel record, 136 bytes; the outer object declares 133.
    const PERSONNEL: &[u8] = b"\x60\x81\x85\x61\x10\x1a\x04John\x1a\x01P\x1a\x05Smith\xa0\x0a\x1a\x08Director\x42\x01\x33\xa1\x0a\x43\x0819710917\xa2\x12\x61\x10\x1a\x04Mary\x1a\x01T\x1a\x05Smith\xa3\x42\x31\x1f\x61\x11\x1a\x05Ralph\x1a\x01T\x1a\x05Smith\xa0\x0a\x43\x0819571111\x31\x1f\x61\x11\x1a\x05Susan\x1a\x01B\x1a\x05Jones\xa0\x0a\x43\x0819590717";

    fn kw(s: &str) -> Asn1 {
        Asn1::parse(s).unwrap()
    }

    #[test]
    fn parses_options_in_any_order_and_separation() {
        let a = kw("double_overflow, bitstring_overflow, relative_offset 54, oversize_length 2048");
        assert!(a.double_overflow && a.bitstring_overflow);
        assert_eq!(a.relative_offset, Some(54));
        assert_eq!(a.oversize_length, Some(2048));
        let b = kw("oversize_length 1024,relative_offset -1");
        assert_eq!(b.relative_offset, Some(-1));
        let c = kw("\n\t oversize_length 1024 absolute_offset 10,\n bitstring_overflow");
        assert_eq!(c.absolute_offset, Some(10));
        assert!(c.bitstring_overflow);
        assert_eq!(
            kw("oversize_length 4294967295").oversize_length,
            Some(u32::MAX)
        );
        assert_eq!(kw("relative_offset -65535").relative_offset, Some(-65535));
    }

    #[test]
    fn refuses_what_suricata_refuses() {
        for bad in [
            "",
            "oversize_length",
            "oversize_length -1",
            "oversize_length 4294967296",
            "absolute_offset 65536",
            "absolute_offset -1",
            "relative_offset 65536",
            "relative_offset -65536",
            "relative_offset",
            "oversize_length 1024, some_other_param 360",
            "bitstring_overflowabsolute_offset",
            "oversize_length 1024,,",
            "oversize_length +5",
        ] {
            assert!(Asn1::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn oversize_length_compares_declared_lengths() {
        assert_eq!(PERSONNEL.len(), 136);
        assert!(kw("oversize_length 132, absolute_offset 0").matches(PERSONNEL, 0));
        assert!(!kw("oversize_length 133, absolute_offset 0").matches(PERSONNEL, 0));
        // A length form of two bytes, content present.
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(b'x', 256));
        assert!(kw("oversize_length 255").matches(&long, 0));
        assert!(!kw("oversize_length 256").matches(&long, 0));
    }

    #[test]
    fn relative_offset_counts_from_the_last_match() {
        let mut buf = b"AA".to_vec();
        buf.extend_from_slice(PERSONNEL);
        let a = kw("relative_offset 0, oversize_length 130");
        assert!(a.matches(&buf, 2), "decoding starts after `AA`");
        assert!(!a.matches(&buf, 1), "one byte off, `A` then garbage");
        assert!(kw("relative_offset -2, oversize_length 130").matches(&buf, 4));
        assert!(!kw("relative_offset -5, oversize_length 130").matches(&buf, 4));
        assert!(!kw("relative_offset 200, oversize_length 1").matches(&buf, 0));
        assert!(!kw("absolute_offset 1000, oversize_length 1").matches(&buf, 0));
    }

    #[test]
    fn bitstring_overflow_needs_more_unused_bits_than_bits() {
        assert!(kw("bitstring_overflow, absolute_offset 0").matches(b"\x03\x01\xff", 0));
        assert!(!kw("bitstring_overflow, absolute_offset 0").matches(b"\x03\x01\x07", 0));
        assert!(kw("relative_offset 2, bitstring_overflow").matches(b"AA\x03\x01\xff", 0));
        // Inside a SEQUENCE.
        assert!(kw("bitstring_overflow").matches(b"\x30\x03\x03\x01\x09", 0));
        // Constructed or non-universal bit strings are not judged.
        assert!(!kw("bitstring_overflow").matches(b"\x83\x01\xff", 0));
    }

    #[test]
    fn double_overflow_is_a_long_decimal_real() {
        let mut real = vec![0x05u8; 261];
        real[0] = 0x09;
        real[1] = 0x82;
        real[2] = 0x01;
        real[3] = 0x01; // 257 bytes of content
        assert!(kw("absolute_offset 0, double_overflow").matches(&real, 0));
        real[3] = 0x00; // 256
        assert!(!kw("absolute_offset 0, double_overflow").matches(&real, 0));
        real[3] = 0x01;
        real[4] = 0x80; // binary encoding
        assert!(!kw("absolute_offset 0, double_overflow").matches(&real, 0));
    }

    #[test]
    fn objects_that_do_not_decode_do_not_fire() {
        // Declares 200 bytes, holds 3.
        assert!(!kw("oversize_length 10").matches(b"\x04\x81\xc8abc", 0));
        // A later object that does not decode leaves the earlier ones counted.
        assert!(kw("oversize_length 2").matches(b"\x04\x03abc\xff", 0));
        // Indefinite length on a primitive.
        assert!(!kw("oversize_length 0").matches(b"\x04\x80ab\x00\x00", 0));
        // Indefinite length on a constructed object, ended by end-of-contents: the child's
        // length counts, the parent declares none.
        assert!(kw("oversize_length 3").matches(b"\x30\x80\x04\x04abcd\x00\x00", 0));
        assert!(!kw("oversize_length 4").matches(b"\x30\x80\x04\x04abcd\x00\x00", 0));
    }

    #[test]
    fn never_panics_and_stays_bounded_on_hostile_input() {
        let a = kw("double_overflow, bitstring_overflow, oversize_length 5");
        // 100 nested indefinite SEQUENCEs: the depth limit ends it.
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(!a.matches(&deep, 0));
        let mut x: u32 = 0x1234_5678;
        for len in 0..400 {
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            for off in [0u32, 1, 7, 300] {
                let _ = a.matches(&buf, off);
                let _ = kw("relative_offset -3, oversize_length 0").matches(&buf, off);
            }
        }
    }
}
