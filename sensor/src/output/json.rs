//! Minimal JSON writing helpers for hot output paths (records are written straight into a
//! reusable byte buffer; no intermediate tree).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Writes `s` as a JSON string literal, escaping what JSON requires: `"`, `\\`, `\n`, `\r`,
/// `\t` by their short escapes, other bytes below 0x20 as `\u00XX`; everything else as it is.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none needs escaping (the usual case).
        if let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            if !word_needs_escape(word) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if !byte_needs_escape(b) {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[inline(always)]
fn byte_needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any of the eight bytes of `w` needs escaping (as a yes/no answer exact: the borrows
/// that make these tests inexact per byte only reach bytes above one that matched).
#[inline(always)]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte below 0x20 (a byte with the high bit set is never below).
    let below = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    (below | zero(w ^ (ONES * b'"' as u64)) | zero(w ^ (ONES * b'\\' as u64))) != 0
}

/// Writes bytes that may not be UTF-8 as a JSON string (invalid sequences become U+FFFD).
pub fn write_bytes_lossy(out: &mut Vec<u8>, b: &[u8]) {
    write_str(out, &String::from_utf8_lossy(b));
}

/// `"00" "01" ... "99"`: two decimal digits per table entry.
const DEC_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends text of at most `N` bytes written by `f` in place: `N` bytes are added (a fill of
/// constant length, done with a few stores), `f` writes its text at their start and returns its
/// length, and the rest is cut off. Writing digits in a stack buffer and copying them would load
/// bytes just stored one at a time, which stalls (store forwarding fails) on every number.
#[inline(always)]
fn write_in_place<const N: usize>(out: &mut Vec<u8>, f: impl FnOnce(&mut [u8; N]) -> usize) {
    let len = out.len();
    out.resize(len + N, 0);
    let buf: &mut [u8; N] = (&mut out[len..len + N])
        .try_into()
        .expect("N bytes were added");
    let n = f(buf);
    debug_assert!(n <= N);
    out.truncate(len + n);
}

/// Writes the decimal digits of `v` into `buf[..end]`, right-aligned at `end` (which must be
/// the digit count of `v`, or more to zero-pad on the left only if the caller pre-filled
/// zeros).
#[inline(always)]
fn put_dec(buf: &mut [u8], end: usize, mut v: u64) {
    let mut i = end;
    while v >= 100 {
        let r = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i] = DEC_PAIRS[r];
        buf[i + 1] = DEC_PAIRS[r + 1];
    }
    if v >= 10 {
        let r = v as usize * 2;
        i -= 2;
        buf[i] = DEC_PAIRS[r];
        buf[i + 1] = DEC_PAIRS[r + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    debug_assert_eq!(i, 0, "end was not the digit count");
}

/// Number of decimal digits of `v` (1 for 0).
#[inline(always)]
fn dec_len(v: u64) -> usize {
    v.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// Writes `v` in decimal, as `write!(out, "{v}")` does.
#[inline]
pub fn write_u64(out: &mut Vec<u8>, v: u64) {
    write_in_place::<20>(out, |buf| {
        let n = dec_len(v);
        put_dec(&mut buf[..n], n, v);
        n
    });
}

/// Writes `v` as two lowercase hex digits, as `write!(out, "{v:02x}")` does.
#[inline]
pub fn write_hex_u8(out: &mut Vec<u8>, v: u8) {
    out.extend_from_slice(&[HEX[(v >> 4) as usize], HEX[(v & 15) as usize]]);
}

/// Writes `true` or `false`.
#[inline]
pub fn write_bool(out: &mut Vec<u8>, v: bool) {
    out.extend_from_slice(if v { b"true" } else { b"false" });
}

/// Writes an IPv4 address's octets dotted into `buf` from `at`; returns the end.
#[inline(always)]
fn put_ipv4(buf: &mut [u8], mut at: usize, octets: [u8; 4]) -> usize {
    for (k, o) in octets.into_iter().enumerate() {
        if k > 0 {
            buf[at] = b'.';
            at += 1;
        }
        let n = if o >= 100 {
            3
        } else if o >= 10 {
            2
        } else {
            1
        };
        put_dec(&mut buf[at..at + n], n, o as u64);
        at += n;
    }
    at
}

/// Writes an IPv4 address as `Display` for `Ipv4Addr` does (`192.0.2.1`).
#[inline]
pub fn write_ipv4(out: &mut Vec<u8>, a: Ipv4Addr) {
    write_in_place::<16>(out, |buf| put_ipv4(buf, 0, a.octets()));
}

/// Writes an IPv6 address as Suricata writes it in EVE: eight groups of four lowercase hex
/// digits (`2001:0db8:0000:0000:0000:ff00:0042:8329`), never shortened, IPv4-mapped addresses
/// included. Consumers join Suricata's and the sensor's records on this text.
pub fn write_ipv6(out: &mut Vec<u8>, a: Ipv6Addr) {
    write_in_place::<40>(out, |buf| put_ipv6(buf, a));
}

/// Writes the text of an IPv6 address at the start of `buf`; returns its length (39).
fn put_ipv6(buf: &mut [u8; 40], a: Ipv6Addr) -> usize {
    for (k, g) in a.segments().into_iter().enumerate() {
        let at = k * 5;
        if k > 0 {
            buf[at - 1] = b':';
        }
        for d in 0..4 {
            buf[at + d] = HEX[((g >> (4 * (3 - d))) & 15) as usize];
        }
    }
    39
}

/// Writes an IP address: IPv4 as `Display` does, IPv6 as Suricata does ([`write_ipv6`]).
#[inline]
pub fn write_ip(out: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(a) => write_ipv4(out, a),
        IpAddr::V6(a) => write_ipv6(out, a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn u64_text(v: u64) -> String {
        let mut out = Vec::new();
        write_u64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn ip_text(a: IpAddr) -> String {
        let mut out = b"x".to_vec();
        write_ip(&mut out, a);
        String::from_utf8(out[1..].to_vec()).unwrap()
    }

    #[test]
    fn integers_equal_fmt_at_the_edges() {
        let mut values = vec![0u64, u64::MAX, u64::MAX - 1];
        for p in 0..20u32 {
            let t = 10u64.pow(p);
            values.extend([t, t - 1, t + 1, t.saturating_mul(9), t.saturating_mul(5)]);
        }
        for shift in 0..64 {
            values.extend([1u64 << shift, (1u64 << shift) - 1]);
        }
        values.extend([u8::MAX as u64, u16::MAX as u64, u32::MAX as u64]);
        for v in values {
            assert_eq!(u64_text(v), v.to_string());
        }
        for v in 0..=100_000u64 {
            assert_eq!(u64_text(v), v.to_string());
        }
        for v in 0..=255u8 {
            let mut out = Vec::new();
            write_hex_u8(&mut out, v);
            assert_eq!(out, format!("{v:02x}").as_bytes());
        }
    }

    /// The reference: IPv4 as `Display`, IPv6 as eight zero-padded groups (Suricata's EVE).
    fn reference(a: IpAddr) -> String {
        match a {
            IpAddr::V4(a) => a.to_string(),
            IpAddr::V6(a) => a
                .segments()
                .iter()
                .map(|g| format!("{g:04x}"))
                .collect::<Vec<_>>()
                .join(":"),
        }
    }

    #[test]
    fn ipv6_is_written_in_full_as_suricata_writes_it() {
        let a: IpAddr = "2001:db8::ff00:42:8329".parse().unwrap();
        assert_eq!(ip_text(a), "2001:0db8:0000:0000:0000:ff00:0042:8329");
        let a: IpAddr = "::ffff:1.2.3.4".parse().unwrap();
        assert_eq!(ip_text(a), "0000:0000:0000:0000:0000:ffff:0102:0304");
    }

    #[test]
    fn ip_addresses_equal_fmt_at_the_edges() {
        for s in [
            "0.0.0.0",
            "255.255.255.255",
            "1.2.3.4",
            "10.0.0.1",
            "100.99.9.0",
            "::",
            "::1",
            "1::",
            "::ffff:1.2.3.4",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::1.2.3.4",
            "::ffff:0:1.2.3.4",
            "64:ff9b::1.2.3.4",
            "fe80::1",
            "fe80:0:0:1::1",
            "1:0:0:2:0:0:0:3",
            "1:0:0:0:2:0:0:3",
            "1:0:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:0",
            "0:1:2:3:4:5:6:7",
            "2001:db8::ff00:42:8329",
            "2001:db8:0:0:1:0:0:1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "0:0:0:0:0:ffff:ffff:ffff",
            "0:0:0:0:ffff:0:0:0",
            "ff02::1:ff00:1",
            "abcd:ef01:2345:6789:a:b0:c00:d000",
        ] {
            let a: IpAddr = s.parse().unwrap();
            assert_eq!(ip_text(a), reference(a), "{s}");
        }
        // Every pattern of zero and non-zero groups, with short and long groups.
        for mask in 0..=255u32 {
            for fill in [1u16, 0xf, 0x10, 0xabc, 0xffff, 0x100] {
                let mut g = [0u16; 8];
                for (i, s) in g.iter_mut().enumerate() {
                    if mask & (1 << i) != 0 {
                        *s = fill.wrapping_add(i as u16);
                    }
                }
                let a = IpAddr::V6(Ipv6Addr::from(g));
                assert_eq!(ip_text(a), reference(a), "{g:?}");
            }
        }
    }

    /// Addresses made of groups that are zero half of the time (runs of zeros).
    fn zero_heavy_v6() -> impl Strategy<Value = [u16; 8]> {
        prop::array::uniform8(prop_oneof![
            Just(0u16),
            Just(0xffff),
            any::<u16>(),
            0u16..16
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn integers_equal_fmt(v in any::<u64>(), small in any::<u32>(), bits in 0u32..64) {
            prop_assert_eq!(u64_text(v), v.to_string());
            prop_assert_eq!(u64_text(small as u64), small.to_string());
            let masked = v >> bits;
            prop_assert_eq!(u64_text(masked), masked.to_string());
        }

        #[test]
        fn ip_addresses_equal_fmt(
            v4 in any::<[u8; 4]>(),
            v6 in any::<[u8; 16]>(),
            zeros in zero_heavy_v6(),
            mapped in any::<[u8; 4]>(),
        ) {
            let a = IpAddr::from(v4);
            prop_assert_eq!(ip_text(a), reference(a));
            let a = IpAddr::from(v6);
            prop_assert_eq!(ip_text(a), reference(a));
            let a = IpAddr::V6(Ipv6Addr::from(zeros));
            prop_assert_eq!(ip_text(a), reference(a));
            let a = IpAddr::V6(Ipv4Addr::from(mapped).to_ipv6_mapped());
            prop_assert_eq!(ip_text(a), reference(a));
            let a = IpAddr::V6(Ipv4Addr::from(mapped).to_ipv6_compatible());
            prop_assert_eq!(ip_text(a), reference(a));
        }
    }

    /// `write_str` as it was before the word-at-a-time scan: the reference.
    fn write_str_reference(out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let esc: Option<&[u8]> = match b {
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'\n' => Some(b"\\n"),
                b'\r' => Some(b"\\r"),
                b'\t' => Some(b"\\t"),
                0..=0x1f => None,
                _ => continue,
            };
            out.extend_from_slice(&bytes[start..i]);
            match esc {
                Some(e) => out.extend_from_slice(e),
                None => {
                    let _ = write!(out, "\\u{:04x}", b);
                }
            }
            start = i + 1;
        }
        out.extend_from_slice(&bytes[start..]);
        out.push(b'"');
    }

    fn str_equal_reference(s: &str) {
        let (mut a, mut b) = (b"x".to_vec(), b"x".to_vec());
        write_str(&mut a, s);
        write_str_reference(&mut b, s);
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "{s:?}"
        );
    }

    #[test]
    fn strings_equal_reference_at_the_edges() {
        // Every byte value below 0x80 alone and at every position of a 17-byte string.
        for c in 0..0x80u8 {
            let c = c as char;
            for pos in 0..17 {
                let mut s: String = "abcdefghijklmnopq".into();
                s.replace_range(pos..pos + 1, &c.to_string());
                str_equal_reference(&s);
            }
        }
        for s in [
            "",
            "\"",
            "\\",
            "é\u{7f}\u{80}\u{ffff}",
            "日本語\n",
            "\u{1f}\u{20}!~",
        ] {
            str_equal_reference(s);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn strings_equal_reference(
            s in any::<String>(),
            ascii in "[ -~\\x00-\\x1f\"\\\\]{0,40}",
            bytes in prop::collection::vec(prop_oneof![Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..0x80], 0..40),
        ) {
            str_equal_reference(&s);
            str_equal_reference(&ascii);
            str_equal_reference(std::str::from_utf8(&bytes).unwrap());
        }
    }

    #[test]
    fn escapes_what_json_requires() {
        let mut v = Vec::new();
        write_str(&mut v, "a\"b\\c\nd\u{1}é");
        let s = String::from_utf8(v).unwrap();
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\"");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
    }
}
