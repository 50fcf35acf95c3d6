//! URI, host and number parsing with the results Suricata 7 (libhtp 0.5.x, `IDS` personality,
//! Suricata's default settings) gives. Every rule below was checked by running Suricata 7.0.10 on
//! crafted requests and reading the buffers back (Lua output and rules); the expected values are
//! pinned in this module's tests.
//!
//! Normalized URI (`http.uri`) = normalized path, then `?` + decoded query if a query is present,
//! then `#` + decoded fragment if present; absent when that is empty (e.g. `CONNECT`, or a path
//! that normalizes to nothing such as `/a/..`).
//!
//! * URI split: a URI not starting with `/` is scheme-first (`scheme:`); `//authority` is parsed only
//!   after a scheme and only if the third character is not `/` (so `//x/y` is a path and
//!   `http:/x` has path `/x`). Path ends at `?` or `#`, query at `#`.
//! * Path: `%HH` decoded; `%uHHHH` decoded (code points >= U+0100 via best fit, see below); invalid or
//!   truncated escapes left as they are (percent kept); `\` becomes `/`; runs of `/` compressed to
//!   one (also ones produced by decoding); then UTF-8 sequences (overlong forms accepted, e.g.
//!   `%c0%af` is `/`) are converted to one byte each: code points below U+0100 as that byte,
//!   fullwidth ASCII U+FF01..U+FF5E as the ASCII byte, anything else as `?`; invalid bytes as `?`,
//!   a truncated sequence at the end is dropped; finally dot segments are removed (RFC 3986
//!   5.2.4 as libhtp implements it: `/a/b/..` is `/a`, `/a/..` and `/..` become empty).
//!   Case is kept; `+` is kept.
//! * Query: only `%HH` decoded (no `%u`, `+` kept, invalid escapes kept).
//! * Fragment: `%HH` and `%uHHHH` decoded, nothing else.
//!
//! Known difference: libhtp's best-fit table also maps some letters of U+0100..U+FFFF to ASCII
//! (e.g. U+0141 to `L`); here only the fullwidth ASCII block is mapped, the rest becomes `?`.

/// SP or HT (libhtp `htp_is_lws`).
#[inline]
pub(crate) fn is_lws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// C `isspace` in the C locale (libhtp `htp_is_space`).
#[inline]
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Parts of a request URI, borrowed from it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UriParts<'a> {
    pub hostname: Option<&'a [u8]>,
    pub port: Option<&'a [u8]>,
    pub path: &'a [u8],
    pub query: Option<&'a [u8]>,
    pub fragment: Option<&'a [u8]>,
}

/// Splits a request URI the way libhtp does (no validation).
pub(crate) fn split_uri(uri: &[u8]) -> UriParts<'_> {
    let mut parts = UriParts::default();
    let len = uri.len();
    let mut pos = 0;
    let mut scheme = false;
    if len > 0 && uri[0] != b'/' {
        if let Some(colon) = memchr::memchr(b':', uri) {
            scheme = true;
            pos = colon + 1;
        }
    }
    if scheme && pos + 2 < len && uri[pos] == b'/' && uri[pos + 1] == b'/' && uri[pos + 2] != b'/' {
        let start = pos + 2;
        let end = uri[start..]
            .iter()
            .position(|&c| c == b'?' || c == b'/' || c == b'#')
            .map_or(len, |p| start + p);
        let mut host = &uri[start..end];
        if let Some(at) = memchr::memchr(b'@', host) {
            host = &host[at + 1..];
        }
        if host.first() == Some(&b'[') {
            match memchr::memchr(b']', host) {
                None => parts.hostname = Some(host),
                Some(rb) => {
                    parts.hostname = Some(&host[..=rb]);
                    let rest = &host[rb + 1..];
                    if let Some(c) = memchr::memchr(b':', rest) {
                        parts.port = Some(&rest[c + 1..]);
                    }
                }
            }
        } else if let Some(c) = memchr::memchr(b':', host) {
            parts.hostname = Some(&host[..c]);
            parts.port = Some(&host[c + 1..]);
        } else {
            parts.hostname = Some(host);
        }
        pos = end;
    }
    let rest = &uri[pos..];
    let path_end = rest
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .unwrap_or(rest.len());
    parts.path = &rest[..path_end];
    let mut rest = &rest[path_end..];
    if rest.first() == Some(&b'?') {
        let q = &rest[1..];
        let qend = memchr::memchr(b'#', q).unwrap_or(q.len());
        parts.query = Some(&q[..qend]);
        rest = &q[qend..];
    }
    if rest.first() == Some(&b'#') {
        parts.fragment = Some(&rest[1..]);
    }
    parts
}

#[inline]
fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[inline]
fn hex2(a: u8, b: u8) -> Option<u8> {
    Some(hex_val(a)? << 4 | hex_val(b)?)
}

/// One byte for a code point (libhtp "best fit"; see module docs for what is left out).
#[inline]
fn best_fit(cp: u32) -> u8 {
    match cp {
        0..=0xff => cp as u8,
        0xff01..=0xff5e => (cp - 0xfee0) as u8,
        _ => b'?',
    }
}

/// Decodes `%uHHHH` at `s` (which starts after `%u`), if four hex digits follow.
#[inline]
fn u_escape(s: &[u8]) -> Option<u8> {
    if s.len() < 4 {
        return None;
    }
    let hi = hex2(s[0], s[1])?;
    let lo = hex2(s[2], s[3])?;
    Some(if hi == 0 {
        lo
    } else {
        best_fit(u32::from(hi) << 8 | u32::from(lo))
    })
}

/// Percent-decoding shared by the three URI parts. `u` enables `%uHHHH`.
/// Returns the decoded byte and how many input bytes it used.
#[inline]
fn decode_at(s: &[u8], i: usize, u: bool) -> (u8, usize) {
    let c = s[i];
    if c != b'%' || i + 2 >= s.len() {
        return (c, 1);
    }
    if u && (s[i + 1] == b'u' || s[i + 1] == b'U') {
        return match u_escape(&s[i + 2..]) {
            Some(b) => (b, 6),
            None => (b'%', 1),
        };
    }
    match hex2(s[i + 1], s[i + 2]) {
        Some(b) => (b, 3),
        None => (b'%', 1),
    }
}

/// Whether a path is already normal: ASCII, no escapes, no backslash, no empty or dot segment.
fn path_is_plain(path: &[u8]) -> bool {
    let mut prev = 0u8;
    for &c in path {
        if c >= 0x80 || c == b'%' || c == b'\\' || (prev == b'/' && (c == b'/' || c == b'.')) {
            return false;
        }
        prev = c;
    }
    // A leading "." or ".." segment is removed too.
    path.first() != Some(&b'.')
}

/// Appends the normalized path (see module docs) to `out`.
pub(crate) fn normalize_path(path: &[u8], out: &mut Vec<u8>) {
    if path_is_plain(path) {
        out.extend_from_slice(path);
    } else {
        normalize_path_slow(path, out);
    }
}

fn normalize_path_slow(path: &[u8], out: &mut Vec<u8>) {
    let base = out.len();
    let mut i = 0;
    let mut prev_sep = false;
    while i < path.len() {
        let (mut c, used) = decode_at(path, i, true);
        i += used;
        if c == b'\\' {
            c = b'/';
        }
        if c == b'/' {
            if prev_sep {
                continue;
            }
            prev_sep = true;
        } else {
            prev_sep = false;
        }
        out.push(c);
    }
    let n = utf8_best_fit(&mut out[base..]);
    out.truncate(base + n);
    let n = remove_dot_segments(&mut out[base..]);
    out.truncate(base + n);
}

/// Converts UTF-8 in place to one byte per character; returns the new length.
/// Overlong forms are accepted (as libhtp's decoder does); surrogates, code points above
/// U+10FFFF and stray bytes are invalid and become `?`.
fn utf8_best_fit(buf: &mut [u8]) -> usize {
    let (mut r, mut w) = (0, 0);
    while r < buf.len() {
        let lead = buf[r];
        let (need, init, lo, hi) = match lead {
            0x00..=0x7f => {
                buf[w] = lead;
                w += 1;
                r += 1;
                continue;
            }
            0xc0..=0xdf => (1, u32::from(lead & 0x1f), 0x80, 0xbf),
            0xe0..=0xec | 0xee..=0xef => (2, u32::from(lead & 0x0f), 0x80, 0xbf),
            0xed => (2, 0x0d, 0x80, 0x9f),
            0xf0..=0xf3 => (3, u32::from(lead & 0x07), 0x80, 0xbf),
            0xf4 => (3, 4, 0x80, 0x8f),
            _ => {
                // Stray continuation byte or impossible lead: replaced and consumed.
                buf[w] = b'?';
                w += 1;
                r += 1;
                continue;
            }
        };
        let mut cp = init;
        let mut k = 1;
        let mut bad = false;
        while k <= need {
            let Some(&b) = buf.get(r + k) else {
                // Truncated at the end: dropped, like libhtp.
                return w;
            };
            let (l, h) = if k == 1 { (lo, hi) } else { (0x80, 0xbf) };
            if b < l || b > h {
                bad = true;
                break;
            }
            cp = cp << 6 | u32::from(b & 0x3f);
            k += 1;
        }
        buf[w] = if bad { b'?' } else { best_fit(cp) };
        w += 1;
        // An invalid byte after the lead starts the next character.
        r += k.min(need + 1);
    }
    w
}

/// RFC 3986 5.2.4 "remove dot segments", in place, with libhtp's results for edge cases.
fn remove_dot_segments(buf: &mut [u8]) -> usize {
    let len = buf.len();
    let (mut r, mut w) = (0, 0);
    // `cur` is the current byte when already taken from input (libhtp's `c`); a pending `/`
    // at the very end is dropped, as libhtp does (`/a/b/..` gives `/a`).
    let mut cur: Option<u8> = None;
    while r < len {
        let c = match cur.take() {
            Some(c) => c,
            None => {
                let c = buf[r];
                r += 1;
                c
            }
        };
        let at = |i: usize| if i < len { Some(buf[i]) } else { None };
        if c == b'.' {
            // A: "../" or "./" prefix removed.
            if at(r) == Some(b'.') && at(r + 1) == Some(b'/') {
                r += 2;
                continue;
            }
            if at(r) == Some(b'/') {
                r += 1;
                continue;
            }
        }
        if c == b'/' {
            // B: "/./" or trailing "/." become "/".
            if at(r) == Some(b'.') && at(r + 1) == Some(b'/') {
                r += 2;
                cur = Some(b'/');
                continue;
            }
            if r + 1 == len && at(r) == Some(b'.') {
                r += 1;
                cur = Some(b'/');
                continue;
            }
            // C: "/../" or trailing "/.." become "/" and drop the last output segment.
            let up = (at(r) == Some(b'.') && at(r + 1) == Some(b'.'))
                && (at(r + 2) == Some(b'/') || r + 2 == len);
            if up {
                r += if r + 2 == len { 2 } else { 3 };
                while w > 0 && buf[w - 1] != b'/' {
                    w -= 1;
                }
                w = w.saturating_sub(1);
                cur = Some(b'/');
                continue;
            }
        }
        // D: input that is only "." or "..".
        if c == b'.' && r == len {
            continue;
        }
        if c == b'.' && r + 1 == len && buf[r] == b'.' {
            r += 1;
            continue;
        }
        // E: move one segment to the output.
        buf[w] = c;
        w += 1;
        while r < len && buf[r] != b'/' {
            buf[w] = buf[r];
            w += 1;
            r += 1;
        }
    }
    w
}

/// Appends the query with `%HH` decoded (Suricata's query hook: no `%u`, no `+`).
pub(crate) fn decode_query(q: &[u8], out: &mut Vec<u8>) {
    if memchr::memchr(b'%', q).is_none() {
        out.extend_from_slice(q);
        return;
    }
    let mut i = 0;
    while i < q.len() {
        let (c, used) = decode_at(q, i, false);
        out.push(c);
        i += used;
    }
}

/// Appends the fragment with `%HH` and `%uHHHH` decoded.
pub(crate) fn decode_fragment(f: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < f.len() {
        let (c, used) = decode_at(f, i, true);
        out.push(c);
        i += used;
    }
}

/// Appends the whole normalized URI (`http.uri`); returns false when it is empty.
pub(crate) fn normalize_uri(parts: &UriParts<'_>, out: &mut Vec<u8>) -> bool {
    let base = out.len();
    normalize_path(parts.path, out);
    if let Some(q) = parts.query {
        out.push(b'?');
        decode_query(q, out);
    }
    if let Some(f) = parts.fragment {
        out.push(b'#');
        decode_fragment(f, out);
    }
    out.len() > base
}

/// Appends a URI authority hostname normalized: `%` decoded, lowercased, trailing dots removed.
pub(crate) fn normalize_uri_hostname(h: &[u8], out: &mut Vec<u8>) {
    let base = out.len();
    decode_fragment(h, out);
    out[base..].make_ascii_lowercase();
    while out.len() > base && out.last() == Some(&b'.') {
        out.pop();
    }
}

/// libhtp `htp_parse_positive_integer_whitespace` for base 10: LWS around digits allowed.
pub(crate) fn parse_uint_lws(s: &[u8]) -> Option<u64> {
    let s = trim_lws(s);
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// A port number as libhtp accepts it: 1..=65535 with optional LWS around.
pub(crate) fn parse_port(s: &[u8]) -> Option<u16> {
    match parse_uint_lws(s) {
        Some(p @ 1..=65535) => Some(p as u16),
        _ => None,
    }
}

pub(crate) fn trim_lws(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_lws(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_lws(*last) {
            break;
        }
        s = rest;
    }
    s
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Host header value split into host and port, as libhtp does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostPort<'a> {
    /// Hostname bytes as they appear (not lowercased); `None` when the value is unusable.
    pub host: Option<&'a [u8]>,
    /// libhtp lowercases the hostname only when no port part follows (kept for EVE `hostname`).
    pub lowercased_by_libhtp: bool,
    /// Valid port (1..=65535) when a port part is present.
    pub port: Option<u16>,
}

/// Parses a Host header value (libhtp `htp_parse_hostport`).
pub(crate) fn parse_host_header(value: &[u8]) -> HostPort<'_> {
    let v = trim_space(value);
    let mut hp = HostPort {
        host: None,
        lowercased_by_libhtp: false,
        port: None,
    };
    if v.is_empty() {
        return hp;
    }
    if v[0] == b'[' {
        let Some(rb) = memchr::memchr(b']', v) else {
            return hp;
        };
        hp.host = Some(&v[..=rb]);
        if v.get(rb + 1) == Some(&b':') {
            hp.port = parse_port(&v[rb + 2..]);
        }
        return hp;
    }
    match memchr::memchr(b':', v) {
        None => {
            hp.host = Some(v);
            hp.lowercased_by_libhtp = true;
        }
        Some(c) => {
            let mut h = &v[..c];
            while let [rest @ .., last] = h {
                if !is_space(*last) {
                    break;
                }
                h = rest;
            }
            hp.host = Some(h);
            hp.port = parse_port(&v[c + 1..]);
        }
    }
    hp
}

/// Content-Length as libhtp reads it: junk before the digits skipped, junk after ignored.
pub(crate) fn parse_content_length(v: &[u8]) -> Option<u64> {
    let start = v.iter().position(u8::is_ascii_digit)?;
    let digits = &v[start..];
    let end = digits
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let n = digits[..end].iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })?;
    // libhtp keeps lengths in an int64_t.
    (n <= i64::MAX as u64).then_some(n)
}

/// Status code when it is a valid three-digit number (100..=999), LWS around allowed.
pub(crate) fn parse_status(v: &[u8]) -> Option<u16> {
    match parse_uint_lws(v) {
        Some(n @ 100..=999) => Some(n as u16),
        _ => None,
    }
}

/// C `strtoul(s, NULL, 10)` truncated to 32 bits: what Suricata logs as `status` when the
/// status code is not valid.
pub(crate) fn strtoul_u32(s: &[u8]) -> u32 {
    let s = trim_space_start(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: u64 = 0;
    for &d in s.iter().take_while(|c| c.is_ascii_digit()) {
        n = match n
            .checked_mul(10)
            .and_then(|x| x.checked_add(u64::from(d - b'0')))
        {
            Some(x) => x,
            None => return u32::MAX,
        };
    }
    let n = if neg { n.wrapping_neg() } else { n };
    n as u32
}

fn trim_space_start(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_space(*first) {
            break;
        }
        s = rest;
    }
    s
}

/// Parsed `Content-Range` (Suricata's parser): negative means absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContentRange {
    pub start: i64,
    pub end: i64,
    pub size: i64,
}

/// Parses `Content-Range: <unit> <start>-<end>/<size|*>` or `<unit> */<size>`.
pub(crate) fn parse_content_range(v: &[u8]) -> Option<ContentRange> {
    let mut s = v;
    while s.first() == Some(&b' ') {
        s = &s[1..];
    }
    let unit_end = memchr::memchr(b' ', s).unwrap_or(s.len());
    s = &s[unit_end..];
    while s.first() == Some(&b' ') {
        s = &s[1..];
    }
    fn num(s: &[u8]) -> Option<(i64, &[u8])> {
        let end = s
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(s.len());
        if end == 0 {
            return None;
        }
        let n = s[..end].iter().try_fold(0i64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })?;
        Some((n, &s[end..]))
    }
    if let Some(rest) = s.strip_prefix(b"*/") {
        let (size, _) = num(rest)?;
        return Some(ContentRange {
            start: -1,
            end: -1,
            size,
        });
    }
    let (start, s) = num(s)?;
    let s = s.strip_prefix(b"-")?;
    let (end, s) = num(s)?;
    let s = s.strip_prefix(b"/")?;
    let size = if s.first() == Some(&b'*') {
        -1
    } else {
        num(s)?.0
    };
    Some(ContentRange { start, end, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(uri: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        normalize_uri(&split_uri(uri), &mut out).then_some(out)
    }

    /// Raw URI and the `http.uri` buffer Suricata 7.0.10 produced for it (Lua
    /// `HttpGetRequestUriNormalized`); `None` = no buffer.
    const SURICATA_URI: &[(&[u8], Option<&[u8]>)] = &[
        (b"/a/./b/../c//d", Some(b"/a/c/d")),
        (b"//x///y", Some(b"/x/y")),
        (b"/%c3%a9t%C3%A9", Some(b"/\xe9t\xe9")),
        (b"/\xc3\xa9", Some(b"/\xe9")),
        (b"/a/../../../b", Some(b"/b")),
        (b"*", Some(b"*")),
        (b"/%2e%2e/%2E/x", Some(b"/x")),
        (b"/a;b/c?d;e", Some(b"/a;b/c?d;e")),
        (b"/%41%42%2f%2F%5c\\x", Some(b"/AB/x")),
        (b"/path?q=%41+b&x=%2f", Some(b"/path?q=A+b&x=/")),
        (b"/A/B?C#frag", Some(b"/A/B?C#frag")),
        (b"/%u0041%U0042", Some(b"/AB")),
        (b"/a%00b", Some(b"/a\x00b")),
        (b"/%zz%4", Some(b"/%zz%4")),
        (
            b"http://User:pw@Example.COM:8080/x/../y?z=1",
            Some(b"/y?z=1"),
        ),
        (b"/..%2f..%2fetc/passwd", Some(b"/etc/passwd")),
        (b"/a/b/..", Some(b"/a")),
        (b"/a/b/.", Some(b"/a/b")),
        (b"/a%20b", Some(b"/a b")),
        (b"/a?b=%00c&d=%u0041", Some(b"/a?b=\x00c&d=%u0041")),
        (b"index.html", Some(b"index.html")),
        (b"https://u@Host.ORG/p?q=%41#f%41", Some(b"/p?q=A#fA")),
        (b"http:/x/p", Some(b"/x/p")),
        (b"//auth.com/p", Some(b"/auth.com/p")),
        (
            b"/p%41?q=%41%2B+%u0041%zz#f%41%2f",
            Some(b"/pA?q=A++%u0041%zz#fA/"),
        ),
        (b"/%c0%af", Some(b"//")),
        (b"/%e0%80%af", Some(b"//")),
        (b"/%f0%80%80%afx", Some(b"//x")),
        (b"/%f5%80%80%80x", Some(b"/????x")),
        (b"/%ed%a0%80x", Some(b"/???x")),
        (b"/%f4%90%80%80x", Some(b"/????x")),
        (b"/%80x", Some(b"/?x")),
        (b"/x%c3", Some(b"/x")),
        (b"/%c3%28", Some(b"/?(")),
        (b"/%ef%bc%a1", Some(b"/A")),
        (b"/%e2%80%a6", Some(b"/?")),
        (b"/%c0%ae%c0%ae/x", Some(b"/x")),
        (b"/a/%2e%2e%5c%2e%2e%5cb", Some(b"/b")),
        (b"/a/..", None),
        (b"/..", None),
        (b"/.", None),
        (b"..", None),
        (b"../a", Some(b"a")),
        (b"./a", Some(b"a")),
        (b"/a/.b/..c/...", Some(b"/a/.b/..c/...")),
        (b"/%", Some(b"/%")),
        (b"/%u", Some(b"/%u")),
        (b"/%u12", Some(b"/%u12")),
        (b"/%uzzzz", Some(b"/%uzzzz")),
        (b"/%uff21", Some(b"/A")),
        (b"/%u002f%u005c/x", Some(b"/x")),
        (b"/a%2", Some(b"/a%2")),
        (b"?only", Some(b"?only")),
        (b"#frag", Some(b"#frag")),
        (b"/p?q#f?g", Some(b"/p?q#f?g")),
        (b"/A%7e", Some(b"/A~")),
        (b"/\x01\x7f", Some(b"/\x01\x7f")),
        (b"/a//../b", Some(b"/b")),
        (b"/a/b/../../..", None),
        (b"/a/./../b/./c/.", Some(b"/b/c")),
        (b"/tab2\tx", Some(b"/tab2\tx")),
    ];

    #[test]
    fn uri_normalization_matches_suricata() {
        for (raw, want) in SURICATA_URI {
            assert_eq!(
                norm(raw).as_deref(),
                *want,
                "uri {:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_paths_take_the_fast_path_unchanged(
            p in proptest::collection::vec(proptest::sample::select(b"/.%a\\2fu\xc3\xa9".to_vec()), 0..24)
        ) {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            normalize_path(&p, &mut fast);
            normalize_path_slow(&p, &mut slow);
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn uri_hostname_and_port() {
        let p = split_uri(b"http://User:pw@Example.COM:8080/x");
        assert_eq!(p.hostname, Some(&b"Example.COM"[..]));
        assert_eq!(p.port.and_then(parse_port), Some(8080));
        let p = split_uri(b"http://[::2]:83/p");
        assert_eq!(p.hostname, Some(&b"[::2]"[..]));
        assert_eq!(p.port.and_then(parse_port), Some(83));
        let p = split_uri(b"http://host.org:0/p");
        assert_eq!(p.port.and_then(parse_port), None);
        assert_eq!(split_uri(b"//auth.com/p").hostname, None);
        let mut h = Vec::new();
        normalize_uri_hostname(b"URI.com.", &mut h);
        assert_eq!(h, b"uri.com");
    }

    /// Host header value, host, whether libhtp lowercases it, port.
    type HostCase = (&'static [u8], Option<&'static [u8]>, bool, Option<u16>);

    /// Host header values and what Suricata 7.0.10 reported (EVE `hostname`, `http_port`).
    #[test]
    fn host_header_matches_suricata() {
        let cases: &[HostCase] = &[
            (b"EXAMPLE.com.", Some(b"EXAMPLE.com."), true, None),
            (b"[::1]:8080", Some(b"[::1]"), false, Some(8080)),
            (b"[::1]", Some(b"[::1]"), false, None),
            (b"a.com:abc", Some(b"a.com"), false, None),
            (b"a.com:", Some(b"a.com"), false, None),
            (b"  X.com  ", Some(b"X.com"), true, None),
            (b"A.com:0", Some(b"A.com"), false, None),
            (b"A.com:99999", Some(b"A.com"), false, None),
            (b"a.com :81", Some(b"a.com"), false, Some(81)),
            (b"", None, false, None),
            (b":80", Some(b""), false, Some(80)),
            (b"a.com:81 ", Some(b"a.com"), false, Some(81)),
            (b"a.com: 81", Some(b"a.com"), false, Some(81)),
            (b"a.com:8x", Some(b"a.com"), false, None),
        ];
        for (v, host, lc, port) in cases {
            let hp = parse_host_header(v);
            assert_eq!(hp.host, *host, "{v:?}");
            assert_eq!(hp.lowercased_by_libhtp, *lc, "{v:?}");
            assert_eq!(hp.port, *port, "{v:?}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_content_length(b"  +3 x"), Some(3));
        assert_eq!(parse_content_length(b"abc"), None);
        assert_eq!(parse_content_length(b"99999999999999999999"), None);
        assert_eq!(parse_status(b"200"), Some(200));
        assert_eq!(parse_status(b"abc"), None);
        assert_eq!(parse_status(b"99"), None);
        assert_eq!(strtoul_u32(b"abc"), 0);
        assert_eq!(strtoul_u32(b"200abc"), 200);
        assert_eq!(strtoul_u32(b"99999999999999999999999"), u32::MAX);
    }

    /// Content-Range values from the Zeek corpus and what Suricata logged for them.
    #[test]
    fn content_range_matches_suricata() {
        let cr = |s: &[u8]| parse_content_range(s).map(|c| (c.start, c.end, c.size));
        assert_eq!(cr(b"bytes 0-32767/555523"), Some((0, 32767, 555523)));
        assert_eq!(cr(b"bytes foo-bar/baz"), None);
        assert_eq!(cr(b"bytes 0--5/*"), None);
        assert_eq!(cr(b"bytes 10-5/*"), Some((10, 5, -1)));
        assert_eq!(cr(b"bytes 0-9223372036854775807/9223372036854775808"), None);
        assert_eq!(cr(b"bytes */100"), Some((-1, -1, 100)));
    }
}
