//! Message-head mechanics shared by both directions: line accumulation, folding, start-line
//! splitting and the buffers derived once a head is complete.

use crate::app::http::headers::{parse_header_line, Span};
use crate::app::http::normalize::{
    is_lws, is_space, normalize_uri, normalize_uri_hostname, parse_content_length,
    parse_host_header, parse_port, split_uri,
};
use crate::app::http::transaction::{HttpRequest, HttpResponse, Message, TxFlags};

/// Head-parsing state shared by both directions.
#[derive(Debug, Default)]
pub(super) struct HeadState {
    /// Start of the current line in the arena.
    pub line_start: usize,
    /// Raw head bytes received (limit accounting).
    pub head_bytes: usize,
    /// Last header line, kept until the next line shows whether it continues (folding).
    pub pending: Option<Span>,
    /// Flags gathered while the message is being parsed.
    pub flags: TxFlags,
    /// The head is a request's (header names also end at a NUL there).
    pub request: bool,
    /// Header-line anomalies seen so far ([`LINE_NO_COLON`] ...), made flags of the right
    /// direction when the message is attached.
    pub anomalies: u8,
}

/// A header line without a colon (libhtp: "field invalid: colon missing").
pub(super) const LINE_NO_COLON: u8 = 1;
/// A header name that is empty, followed by LWS or not a token.
pub(super) const LINE_INVALID: u8 = 2;
/// A continuation line with no header before it.
pub(super) const LINE_BAD_FOLDING: u8 = 4;
/// A head line over [`FIELD_LIMIT_HARD`].
pub(super) const LINE_TOO_LONG: u8 = 8;

/// libhtp's hard limit on one head line (its default, which Suricata keeps).
pub(super) const FIELD_LIMIT_HARD: usize = 18_000;

/// libhtp `htp_is_token`.
fn is_token(c: u8) -> bool {
    (32..=126).contains(&c) && !b"()<>@,;:\\\"/[]?={} \t".contains(&c)
}

/// What libhtp's header-line parser warns about on `line` (folded lines joined). A request
/// name ends at a NUL as well as at the colon.
pub(super) fn header_line_anomalies(line: &[u8], request: bool) -> u8 {
    let end = if request {
        memchr::memchr2(b':', 0, line).filter(|&p| line[p] == b':')
    } else {
        memchr::memchr(b':', line)
    };
    let Some(colon) = end else {
        return LINE_NO_COLON;
    };
    let mut name_end = colon;
    let mut bad = colon == 0;
    while name_end > 0 && is_lws(line[name_end - 1]) {
        name_end -= 1;
        bad = true;
    }
    if !line[..name_end].iter().all(|&c| is_token(c)) {
        bad = true;
    }
    if bad {
        LINE_INVALID
    } else {
        0
    }
}

/// libhtp's request-line warnings: whitespace before the method, other whitespace than SP
/// after it, whitespace other than SP inside the target.
pub(super) fn request_line_flags(line: &[u8]) -> TxFlags {
    let mut f = TxFlags::default();
    let len = line.len();
    let mut pos = line.iter().take_while(|&&c| is_space(c)).count();
    if pos > 0 {
        f.insert(TxFlags::REQ_LEADING_WS);
    }
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let ws = line[pos..].iter().take_while(|&&c| is_space(c)).count();
    if line[pos..pos + ws].iter().any(|&c| c != b' ') {
        f.insert(TxFlags::REQ_METHOD_DELIM);
    }
    pos += ws;
    let target = line[pos..].iter().take_while(|&&c| c != b' ').count();
    if line[pos..pos + target].iter().any(|&c| is_space(c)) {
        f.insert(TxFlags::REQ_URI_DELIM);
    }
    f
}

/// Appends the current line's bytes to `arena` until a LF; returns (used, line complete), or
/// `None` when the head would exceed `limit`.
#[inline]
pub(super) fn take_line(
    arena: &mut Vec<u8>,
    head: &mut HeadState,
    data: &[u8],
    limit: usize,
) -> Option<(usize, bool)> {
    let (n, done) = match memchr::memchr(b'\n', data) {
        Some(p) => (p + 1, true),
        None => (data.len(), false),
    };
    if head.head_bytes + n > limit {
        return None;
    }
    head.head_bytes += n;
    arena.extend_from_slice(&data[..n]);
    Some((n, done))
}

/// [`take_line`] for response heads, where a lone CR (followed by a byte other than LF or CR)
/// also ends a line that has something before it, as libhtp and browsers read responses
/// (http-evader's `cr-no-crlf` heads). Whether a CR at the end of `data` is lone is decided
/// with the next call's first byte, so the result does not depend on the split.
#[inline]
pub(super) fn take_response_line(
    arena: &mut Vec<u8>,
    head: &mut HeadState,
    data: &[u8],
    limit: usize,
) -> Option<(usize, bool)> {
    let start = head.line_start;
    let lone = |prev_len: usize, next: u8| prev_len > 0 && next != b'\n' && next != b'\r';
    if let (Some(&b'\r'), Some(&next)) = (arena.last(), data.first()) {
        let before = arena.len().saturating_sub(start + 1);
        if arena.len() > start && lone(before, next) {
            return Some((0, true));
        }
    }
    let mut end = None;
    for p in memchr::memchr2_iter(b'\n', b'\r', data) {
        if data[p] == b'\n' {
            end = Some(p + 1);
            break;
        }
        let before = arena.len().saturating_sub(start) + p;
        match data.get(p + 1) {
            Some(&next) if lone(before, next) => {
                end = Some(p + 1);
                break;
            }
            _ => {}
        }
    }
    let (n, done) = match end {
        Some(n) => (n, true),
        None => (data.len(), false),
    };
    if head.head_bytes + n > limit {
        return None;
    }
    head.head_bytes += n;
    arena.extend_from_slice(&data[..n]);
    Some((n, done))
}

/// Removes the line end (any trailing CR/LF, as libhtp's chomp) and returns the line's span.
#[inline]
pub(super) fn chomp(arena: &mut Vec<u8>, start: usize) -> Span {
    while arena.len() > start && matches!(arena.last(), Some(b'\r' | b'\n')) {
        arena.pop();
    }
    Span::new(start, arena.len())
}

/// Whether `hay` contains `needle` (ASCII case-insensitive), NUL bytes in `hay` skipped (as
/// libhtp's `bstr_index_of_c_nocasenorzero`).
pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if hay
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
    {
        return true;
    }
    if !hay.contains(&0) {
        return false;
    }
    (0..hay.len()).any(|start| {
        let mut it = hay[start..].iter().filter(|&&c| c != 0);
        hay[start] != 0
            && needle
                .iter()
                .all(|n| it.next().is_some_and(|c| c.eq_ignore_ascii_case(n)))
    })
}

/// Records the previous header line and starts `line` (folding handled by the caller).
/// Returns false when the header count limit is exceeded.
pub(super) fn flush_pending(m: &mut Message, head: &mut HeadState, max_headers: usize) -> bool {
    if let Some(p) = head.pending.take() {
        if m.headers.raw.len() >= max_headers {
            return false;
        }
        head.anomalies |= header_line_anomalies(p.get(&m.arena), head.request);
        let f = parse_header_line(&m.arena, p);
        m.headers.raw.push(f);
        m.headers.lines.push(p);
    }
    true
}

/// Handles one complete header line (already chomped). Returns `Err(())` on the header count
/// limit, `Ok(true)` at the end of the head.
pub(super) fn header_line(
    m: &mut Message,
    head: &mut HeadState,
    line: Span,
    max_headers: usize,
) -> Result<bool, ()> {
    if line.len() == 0 {
        if !flush_pending(m, head, max_headers) {
            return Err(());
        }
        return Ok(true);
    }
    let first = m.arena.get(line.start as usize).copied().unwrap_or(0);
    if is_lws(first) {
        match head.pending.as_mut() {
            // The previous line ended where this one starts: extending joins them as libhtp does.
            Some(p) if p.end == line.start => p.end = line.end,
            _ => {
                if head.pending.is_none() {
                    head.anomalies |= LINE_BAD_FOLDING;
                }
                if !flush_pending(m, head, max_headers) {
                    return Err(());
                }
                let data = line.get(&m.arena);
                let skip = data.iter().take_while(|&&c| is_lws(c)).count();
                head.pending = Some(Span::new(line.start as usize + skip, line.end as usize));
            }
        }
    } else {
        if !flush_pending(m, head, max_headers) {
            return Err(());
        }
        head.pending = Some(line);
    }
    Ok(false)
}

/// Splits a request line: (method, target, protocol) as libhtp does.
pub(super) fn split_request_line(line: &[u8], base: usize) -> (Span, Option<Span>, Option<Span>) {
    let len = line.len();
    let mut pos = 0;
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    let ms = pos;
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let method = Span::new(base + ms, base + pos);
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (method, None, None);
    }
    let us = pos;
    while pos < len && line[pos] != b' ' {
        pos += 1;
    }
    if pos == len && line[us..].iter().any(|&c| is_space(c)) {
        // libhtp: a target with other whitespace and no SP after it ends at that whitespace.
        pos = us + line[us..].iter().take_while(|&&c| !is_space(c)).count();
    }
    let uri = Span::new(base + us, base + pos);
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (method, Some(uri), None);
    }
    (method, Some(uri), Some(Span::new(base + pos, base + len)))
}

/// Splits a status line: (protocol, status, message).
pub(super) fn split_status_line(
    line: &[u8],
    base: usize,
) -> (Option<Span>, Option<Span>, Option<Span>) {
    let len = line.len();
    let mut pos = 0;
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    let ps = pos;
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let proto = Some(Span::new(base + ps, base + pos));
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (proto, None, None);
    }
    let ss = pos;
    while pos < len && !is_space(line[pos]) {
        pos += 1;
    }
    let status = Some(Span::new(base + ss, base + pos));
    while pos < len && is_space(line[pos]) {
        pos += 1;
    }
    if pos == len {
        return (proto, status, None);
    }
    (proto, status, Some(Span::new(base + pos, base + len)))
}

/// Fills the request's derived buffers once its head is over (or cut short). `scratch` is a
/// reusable buffer (the target and Host value are copied there because results are appended
/// to the arena they live in).
pub(super) fn finish_request_head(r: &mut HttpRequest, connect: bool, scratch: &mut Vec<u8>) {
    let m = &mut r.m;
    m.headers.merge(&mut m.arena);
    if let Some(u) = r.uri {
        scratch.clear();
        scratch.extend_from_slice(u.get(&m.arena));
        if connect {
            // Authority form (`host:port`): no path, so no `http.uri`.
            let hp = parse_host_header(scratch);
            if let Some(h) = hp.host {
                let start = m.arena.len();
                m.arena.extend_from_slice(h);
                m.arena[start..].make_ascii_lowercase();
                let span = Span::new(start, m.arena.len());
                r.host = Some(span);
                r.host_raw = Some(span);
                r.eve_hostname = Some(span);
                r.port = hp.port;
            }
        } else {
            let parts = split_uri(scratch);
            let start = m.arena.len();
            if normalize_uri(&parts, &mut m.arena) {
                r.uri_norm = Some(Span::new(start, m.arena.len()));
            }
            if let Some(h) = parts.hostname {
                let start = m.arena.len();
                normalize_uri_hostname(h, &mut m.arena);
                let span = Span::new(start, m.arena.len());
                r.host = Some(span);
                r.host_raw = Some(span);
                r.eve_hostname = Some(span);
                r.port = parts.port.and_then(parse_port);
            }
        }
    }
    if r.host.is_none() {
        if let Some(v) = m.headers.get(&m.arena, b"host") {
            scratch.clear();
            scratch.extend_from_slice(v.get(&m.arena));
            let hp = parse_host_header(scratch);
            if let Some(h) = hp.host {
                // Original case first (EVE `hostname` keeps it when a port follows, as libhtp
                // does), lowercased copy second (`http.host`).
                let start = m.arena.len();
                m.arena.extend_from_slice(h);
                let mid = m.arena.len();
                m.arena.extend_from_slice(h);
                m.arena[mid..].make_ascii_lowercase();
                let lower = Span::new(mid, m.arena.len());
                r.eve_hostname = Some(if hp.lowercased_by_libhtp {
                    lower
                } else {
                    Span::new(start, mid)
                });
                r.host = Some(lower);
                r.host_raw = Some(v);
                r.port = hp.port;
            }
        }
    }
    m.header_buf = m.headers.build_buffer(&mut m.arena, b"cookie");
    m.names_buf = m.headers.build_names(&mut m.arena);
    m.start_buf = m.headers.build_start(&mut m.arena, m.line);
    m.raw_buf = m.headers.build_raw(&mut m.arena);
}

pub(super) fn finish_response_head(r: &mut HttpResponse) {
    r.m.headers.merge(&mut r.m.arena);
    r.m.header_buf = r.m.headers.build_buffer(&mut r.m.arena, b"set-cookie");
    r.m.names_buf = r.m.headers.build_names(&mut r.m.arena);
    r.m.start_buf = r.m.headers.build_start(&mut r.m.arena, r.m.line);
    r.m.raw_buf = r.m.headers.build_raw(&mut r.m.arena);
}

/// Checks repeated Content-Length headers: returns the first value and whether others differ.
pub(super) fn content_length_of(m: &Message) -> (Option<Option<u64>>, bool) {
    let mut first: Option<Option<u64>> = None;
    let mut ambiguous = false;
    for f in &m.headers.raw {
        if !f.name.get(&m.arena).eq_ignore_ascii_case(b"content-length") {
            continue;
        }
        let v = parse_content_length(f.value.get(&m.arena));
        match first {
            None => first = Some(v),
            Some(prev) if prev != v => ambiguous = true,
            Some(_) => {}
        }
    }
    (first, ambiguous)
}
