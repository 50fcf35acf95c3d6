//! Suricata's `app-layer-event:http.*` names on a transaction, with libhtp 0.5.50's meaning
//! (as Suricata 7.0.10 configures it). Anomalies only the parser sees (line and header
//! warnings, chunk framing, decompression, interim responses, pairing) are flags it set;
//! the rest (Host checks, Content-Length repeats, Transfer-Encoding, Authorization,
//! Content-Range) are judged here from the finished transaction, only for the events a rule
//! asks for.

use super::normalize::{is_space, normalize_uri_hostname, parse_uint_lws, split_uri};
use super::transaction::{HttpTransaction, TxFlags};
use crate::events::{AppEvent, AppEvents};

/// The HTTP events of `tx` among those in `want`.
pub fn http_events(tx: &HttpTransaction, want: AppEvents) -> AppEvents {
    use AppEvent::*;
    let mut out = AppEvents::NONE;
    let f = tx.flags();
    for (e, flag) in [
        (HttpRequestLineLeadingWhitespace, TxFlags::REQ_LEADING_WS),
        (HttpMethodDelimNonCompliant, TxFlags::REQ_METHOD_DELIM),
        (HttpUriDelimNonCompliant, TxFlags::REQ_URI_DELIM),
        (HttpRequestFieldMissingColon, TxFlags::REQ_NO_COLON),
        (HttpRequestHeaderInvalid, TxFlags::REQ_HEADER_INVALID),
        (HttpInvalidRequestFieldFolding, TxFlags::REQ_BAD_FOLDING),
        (HttpRequestFieldTooLong, TxFlags::REQ_FIELD_TOO_LONG),
        (HttpRequestTooManyHeaders, TxFlags::REQ_TOO_MANY_HEADERS),
        (HttpInvalidRequestChunkLen, TxFlags::REQ_BAD_CHUNK),
        (HttpRequestBodyUnexpected, TxFlags::REQ_BODY_UNEXPECTED),
        (HttpGzipDecompressionFailed, TxFlags::REQ_INFLATE_FAILED),
        (
            HttpInvalidContentLengthInRequest,
            TxFlags::REQ_BAD_CONTENT_LENGTH,
        ),
        (HttpResponseFieldMissingColon, TxFlags::RESP_NO_COLON),
        (HttpResponseHeaderInvalid, TxFlags::RESP_HEADER_INVALID),
        (HttpInvalidResponseFieldFolding, TxFlags::RESP_BAD_FOLDING),
        (HttpResponseTooManyHeaders, TxFlags::RESP_TOO_MANY_HEADERS),
        (HttpInvalidResponseChunkLen, TxFlags::RESP_BAD_CHUNK),
        (HttpGzipDecompressionFailed, TxFlags::RESP_INFLATE_FAILED),
        (
            HttpInvalidContentLengthInResponse,
            TxFlags::RESP_BAD_CONTENT_LENGTH,
        ),
        (HttpResponseInvalidProtocol, TxFlags::RESP_BAD_PROTOCOL),
        (HttpResponseInvalidStatus, TxFlags::RESP_BAD_STATUS),
        (HttpResponseChunkedOldProto, TxFlags::RESP_CHUNKED_OLD),
        (
            HttpResponseAbnormalTransferEncoding,
            TxFlags::RESP_TE_ABNORMAL,
        ),
        (HttpAbnormalCeHeader, TxFlags::CE_ABNORMAL),
        (HttpTooManyEncodingLayers, TxFlags::CE_TOO_MANY_LAYERS),
        (Http100ContinueAlreadySeen, TxFlags::CONTINUE_TWICE),
        (
            HttpUnableToMatchResponseToRequest,
            TxFlags::UNMATCHED_RESPONSE,
        ),
        (HttpFailedProtocolChange, TxFlags::FAILED_PROTOCOL_CHANGE),
    ] {
        if f.contains(flag) {
            out.set(e);
        }
    }
    if want.has(HttpRangeInvalid) && range_invalid(tx) {
        out.set(HttpRangeInvalid);
    }
    let Some(req) = tx.request() else {
        return out;
    };
    if req.m.chunk_extension {
        out.set(HttpRequestChunkExtension);
    }
    if want.has(HttpDuplicateContentLengthInRequest) && ambiguous_content_length(req.headers()) {
        out.set(HttpDuplicateContentLengthInRequest);
    }
    if want.has(HttpDuplicateContentLengthInResponse)
        && tx
            .response()
            .is_some_and(|r| ambiguous_content_length(r.headers()))
    {
        out.set(HttpDuplicateContentLengthInResponse);
    }
    // libhtp judges the rest once the request head is complete.
    if !req.m.headers_done {
        return out;
    }
    let host = req.header(b"host");
    if want.has(HttpMissingHostHeader) {
        let v11 = req.protocol() == Some(b"HTTP/1.1".as_slice());
        if v11 && host.is_none() {
            out.set(HttpMissingHostHeader);
        }
    }
    if want.has(HttpInvalidTransferEncodingInRequest) {
        if let Some(te) = req.header(b"transfer-encoding") {
            let chunked = te
                .split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"));
            let v11 = req
                .protocol()
                .is_some_and(|p| p.eq_ignore_ascii_case(b"HTTP/1.1"));
            if !chunked || !v11 {
                out.set(HttpInvalidTransferEncodingInRequest);
            }
        }
    }
    if want.has(HttpRequestAuthUnrecognized) {
        req.header_table().for_each(|(n, v)| {
            if n.eq_ignore_ascii_case(b"authorization") {
                let scheme = v.trim_ascii_start();
                let known = [b"basic".as_slice(), b"digest", b"bearer"]
                    .iter()
                    .any(|s| scheme.len() >= s.len() && scheme[..s.len()].eq_ignore_ascii_case(s));
                if !known {
                    out.set(HttpRequestAuthUnrecognized);
                }
            }
        });
    }
    let host_events = [
        HttpHostHeaderAmbiguous,
        HttpRequestUriHostInvalid,
        HttpRequestHeaderHostInvalid,
    ];
    if host_events.iter().any(|e| want.has(*e)) {
        let connect = tx.meta.connect;
        let (uri_host, uri_port, uri_invalid) = uri_host(req.uri_raw(), connect);
        if uri_invalid {
            out.set(HttpRequestUriHostInvalid);
        }
        if let Some(h) = host {
            let hp = host_port(h);
            if hp.invalid {
                out.set(HttpRequestHeaderHostInvalid);
            }
            if let Some(u) = &uri_host {
                let ambiguous = match hp.host {
                    Some(hh) => {
                        !hh.eq_ignore_ascii_case(u.as_slice())
                            || matches!((uri_port, hp.port), (Some(a), Some(b)) if a != b)
                    }
                    None => true,
                };
                if ambiguous {
                    out.set(HttpHostHeaderAmbiguous);
                }
            }
        }
    }
    out
}

/// libhtp's Content-Length reading: digits between optional whitespace; `None` otherwise.
fn content_length(v: &[u8]) -> Option<u64> {
    let t = v.trim_ascii();
    if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse().ok()
}

/// A Content-Length header repeated with a different (or unreadable) value.
fn ambiguous_content_length<'h>(headers: impl Iterator<Item = (&'h [u8], &'h [u8])>) -> bool {
    let mut first: Option<Option<u64>> = None;
    for (n, v) in headers {
        if !n.eq_ignore_ascii_case(b"content-length") {
            continue;
        }
        let cl = content_length(v);
        match first {
            None => first = Some(cl),
            Some(f) if f.is_none() || cl.is_none() || f != cl => return true,
            Some(_) => {}
        }
    }
    false
}

/// A hostname as libhtp `htp_validate_hostname` accepts it: a bracketed IPv6 address, or
/// dot-separated labels of 1-63 letters, digits, `-` and `_`, at most 255 bytes.
fn valid_hostname(h: &[u8]) -> bool {
    if h.is_empty() || h.len() > 255 {
        return false;
    }
    if h[0] == b'[' {
        // libhtp drops the first and the last byte, whatever they are.
        if h.len() < 2 || h.len() - 2 >= 46 {
            return false;
        }
        return std::str::from_utf8(&h[1..h.len() - 1])
            .is_ok_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok());
    }
    let mut pos = 0;
    while pos < h.len() {
        let start = pos;
        while pos < h.len() && h[pos] != b'.' {
            let c = h[pos];
            if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                return false;
            }
            pos += 1;
        }
        if pos == start || pos - start > 63 {
            return false;
        }
        let dots = h[pos..].iter().take_while(|&&c| c == b'.').count();
        // Exactly one dot between labels (one may end the name).
        if pos < h.len() && dots != 1 {
            return false;
        }
        pos += dots;
    }
    true
}

/// A Host value split as libhtp `htp_parse_hostport` does.
struct HostPort<'a> {
    host: Option<&'a [u8]>,
    port: Option<u16>,
    invalid: bool,
}

fn host_port(v: &[u8]) -> HostPort<'_> {
    let lead = v.iter().take_while(|&&c| is_space(c)).count();
    let v = &v[lead..];
    let v = &v[..v.len() - v.iter().rev().take_while(|&&c| is_space(c)).count()];
    let mut hp = HostPort {
        host: None,
        port: None,
        invalid: false,
    };
    let port = |s: &[u8], hp: &mut HostPort<'_>| match parse_uint_lws(s) {
        Some(p @ 1..=65535) => hp.port = Some(p as u16),
        _ => hp.invalid = true,
    };
    if v.is_empty() {
        hp.invalid = true;
    } else if v[0] == b'[' {
        match memchr::memchr(b']', v) {
            None => hp.invalid = true,
            Some(rb) => {
                hp.host = Some(&v[..=rb]);
                match v.get(rb + 1) {
                    None => {}
                    Some(b':') => port(&v[rb + 2..], &mut hp),
                    Some(_) => hp.invalid = true,
                }
            }
        }
    } else {
        match memchr::memchr(b':', v) {
            None => hp.host = Some(v),
            Some(c) => {
                let h = &v[..c];
                hp.host =
                    Some(&h[..h.len() - h.iter().rev().take_while(|&&c| is_space(c)).count()]);
                port(&v[c + 1..], &mut hp);
            }
        }
    }
    if hp.host.is_some_and(|h| !valid_hostname(h)) {
        hp.invalid = true;
    }
    hp
}

/// The request target's host (normalized as libhtp does: decoded, lowercased, trailing dots
/// dropped), its port, and whether either is invalid (libhtp's `HTP_HOSTU_INVALID`). A
/// CONNECT target is an authority. Judged only for rules naming the Host events.
fn uri_host(uri: Option<&[u8]>, connect: bool) -> (Option<Vec<u8>>, Option<u16>, bool) {
    let Some(uri) = uri else {
        return (None, None, false);
    };
    if connect {
        let hp = host_port(uri);
        return (hp.host.map(<[u8]>::to_ascii_lowercase), hp.port, hp.invalid);
    }
    let parts = split_uri(uri);
    let Some(h) = parts.hostname else {
        return (None, None, false);
    };
    let mut host = Vec::with_capacity(h.len());
    normalize_uri_hostname(h, &mut host);
    let mut invalid = !valid_hostname(&host);
    let port = match parts.port.map(parse_uint_lws) {
        None => None,
        Some(Some(p @ 1..=65535)) => Some(p as u16),
        Some(_) => {
            invalid = true;
            None
        }
    };
    (Some(host), port, invalid)
}

/// Suricata's Content-Range check on a response body it tracks as a file: the value must
/// read `<unit> <start>-<end>/<size|*>` or `<unit> */<size>`; with an end and a size, and
/// not the whole file, start <= end < size.
fn range_invalid(tx: &HttpTransaction) -> bool {
    let (Some(req), Some(resp)) = (tx.request(), tx.response()) else {
        return false;
    };
    if resp.body_len() == 0 || req.uri_raw().is_none() {
        return false;
    }
    let Some(v) = resp.header(b"content-range") else {
        return false;
    };
    match parse_content_range(v) {
        None => true,
        // Without an end or a size Suricata checks the range no further.
        Some((_, end, size)) if end <= 0 || size <= 0 => false,
        Some((start, end, size)) => {
            !(start == 0 && end == size - 1) && (start > end || end > size - 1)
        }
    }
}

/// (start, end, size), -1 for `*`, as Suricata's Rust parser reads a Content-Range value.
fn parse_content_range(v: &[u8]) -> Option<(i64, i64, i64)> {
    let skip_sp = |s: &[u8]| s.iter().take_while(|&&c| c == b' ').count();
    let mut s = &v[skip_sp(v)..];
    s = &s[s.iter().take_while(|&&c| c != b' ').count()..];
    s = &s[skip_sp(s)..];
    fn num(s: &[u8]) -> Option<(i64, &[u8])> {
        let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
        let v = std::str::from_utf8(&s[..n]).ok()?.parse().ok()?;
        Some((v, &s[n..]))
    }
    if let Some(rest) = s.strip_prefix(b"*/") {
        let (size, _) = num(rest)?;
        return Some((-1, -1, size));
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
    Some((start, end, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames_as_libhtp() {
        for ok in [
            &b"a"[..],
            b"a.b",
            b"a_b",
            b"x-1.example",
            b"[::1]",
            b"[::]",
            b"a.",
        ] {
            assert!(valid_hostname(ok), "{}", String::from_utf8_lossy(ok));
        }
        for bad in [&b""[..], b"a..b", b"a b", b".a", b"a,b", b"[zz]", b"["] {
            assert!(!valid_hostname(bad), "{}", String::from_utf8_lossy(bad));
        }
        assert!(host_port(b"h:xyz").invalid);
        assert!(host_port(b"h:99999").invalid);
        assert!(host_port(b"h, h").invalid);
        assert!(!host_port(b" h:8080 ").invalid);
        assert_eq!(host_port(b"[::1]:81").port, Some(81));
        assert!(host_port(b"[::1]x").invalid);
    }

    #[test]
    fn content_ranges_as_suricata() {
        assert_eq!(parse_content_range(b"bytes 0-1/10"), Some((0, 1, 10)));
        assert_eq!(parse_content_range(b"bytes */10"), Some((-1, -1, 10)));
        assert_eq!(parse_content_range(b"bytes 0-1/*"), Some((0, 1, -1)));
        assert_eq!(parse_content_range(b"bytes abc"), None);
        assert_eq!(parse_content_range(b"bytes 0--5/*"), None);
        // Beyond i64: unreadable.
        assert_eq!(parse_content_range(b"bytes 0-1/9223372036854775808"), None);
        assert_eq!(parse_content_range(b"bytes 10-5/*"), Some((10, 5, -1)));
    }

    #[test]
    fn content_length_ambiguity_as_libhtp() {
        let h = |list: &[(&'static [u8], &'static [u8])]| {
            ambiguous_content_length(list.iter().map(|&(n, v)| (n, v)))
        };
        assert!(!h(&[(b"Content-Length", b"11")]));
        // Repeated with the same value (whitespace aside): not ambiguous.
        assert!(!h(&[
            (b"Content-Length", b"11"),
            (b"content-length", b" 11 ")
        ]));
        assert!(h(&[(b"Content-Length", b"11"), (b"Content-Length", b"93")]));
        // An unreadable value repeated is ambiguous.
        assert!(h(&[(b"Content-Length", b"1x"), (b"Content-Length", b"1x")]));
        assert!(!h(&[(b"Host", b"a"), (b"Host", b"b")]));
        assert_eq!(content_length(b" 42\t"), Some(42));
        assert_eq!(content_length(b"-1"), None);
        assert_eq!(content_length(b""), None);
    }

    /// The transactions of a request stream and a response stream, each fed as one chunk.
    fn txs(req: &[u8], resp: &[u8], after_change: bool) -> Vec<HttpTransaction> {
        use crate::app::http::HttpParser;
        use crate::app::Direction;
        let mut p = HttpParser::default();
        if after_change {
            p.after_protocol_change();
        }
        p.feed(Direction::ToServer, req);
        p.feed(Direction::ToClient, resp);
        p.finish();
        let mut out = Vec::new();
        while p.next_request().is_some() {}
        while let Some(tx) = p.next_complete() {
            out.push(tx);
        }
        out
    }

    fn events_of(tx: &HttpTransaction) -> AppEvents {
        http_events(tx, AppEvents::NONE)
    }

    #[test]
    fn request_chunk_extension_as_libhtp() {
        let req = |sizes: &str| {
            format!(
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n{sizes}\r\n\r\n"
            )
        };
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        let has = |sizes: &str| {
            let t = txs(req(sizes).as_bytes(), ok, false);
            events_of(&t[0]).has(AppEvent::HttpRequestChunkExtension)
        };
        // `;` right after the size, or after spaces only.
        assert!(has("2;x=y\r\nab\r\n0"));
        assert!(has("2   ;x\r\nab\r\n0"));
        assert!(has("2\r\nab\r\n0 ; qwe3=asd3"), "on the last chunk too");
        // Anything else between: not an extension (libhtp skips spaces only).
        assert!(!has("2\t;x\r\nab\r\n0"));
        assert!(!has("2 x;y\r\nab\r\n0"));
        assert!(!has("2 \r\nab\r\n0"));
        // A response's extension is not the request event.
        let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x\r\nab\r\n0\r\n\r\n";
        let t = txs(req("0").as_bytes(), resp, false);
        assert!(!events_of(&t[0]).has(AppEvent::HttpRequestChunkExtension));
    }

    #[test]
    fn failed_protocol_change_only_after_a_change() {
        let req = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\n\r\n";
        let h2c = b"HTTP/1.1 101 Switching\r\nUpgrade: h2c\r\n\r\n";
        let failed = |resp: &[u8], after: bool| {
            let t = txs(req, resp, after);
            events_of(&t[0]).has(AppEvent::HttpFailedProtocolChange)
        };
        // A first change (HTTP/1 to HTTP/2) succeeds in Suricata: no event.
        assert!(!failed(h2c, false));
        // On a flow that already changed (STARTTLS to HTTP), it is refused.
        assert!(failed(h2c, true));
        // Only exactly `h2c`, only on a switch (101 without a body framing).
        assert!(!failed(
            b"HTTP/1.1 101 S\r\nUpgrade: websocket\r\n\r\n",
            true
        ));
        assert!(!failed(b"HTTP/1.1 101 S\r\nUpgrade: H2C\r\n\r\n", true));
        assert!(!failed(
            b"HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n",
            true
        ));
        assert!(!failed(
            b"HTTP/1.1 101 S\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n",
            true
        ));
    }

    #[test]
    fn unexpected_request_body_is_the_bodiless_requests_body() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        // libhtp reads the lines after a bodiless POST as its body (Suricata's
        // http-request-invalid case: http.request_body sees them).
        let t = txs(
            b"POST /i HTTP/1.1\r\nHost: h\r\n\r\nlogin=foo&password=bar\r\nmore\r\n",
            ok,
            false,
        );
        assert_eq!(t.len(), 1);
        let r = t[0].request().unwrap();
        assert_eq!(r.body(), b"login=foo&password=bar\r\nmore\r\n");
        assert!(events_of(&t[0]).has(AppEvent::HttpRequestBodyUnexpected));
        // Up to a line that starts a request, which is the next one.
        let t = txs(
            b"POST /i HTTP/1.1\r\nHost: h\r\n\r\njunk\r\nGET /n HTTP/1.1\r\nHost: h\r\n\r\n",
            ok,
            false,
        );
        assert_eq!(t[0].request().unwrap().body(), b"junk\r\n");
        assert!(t
            .iter()
            .any(|t| t.request().is_some_and(|r| r.uri() == Some(&b"/n"[..]))));
        // After a request with a body, the warning only: the rest is the next request.
        let t = txs(
            b"POST /i HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nxT / HTTP/1.1\r\n\r\n",
            ok,
            false,
        );
        assert_eq!(t[0].request().unwrap().body(), b"x");
        assert!(events_of(&t[0]).has(AppEvent::HttpRequestBodyUnexpected));
        assert_eq!(t.len(), 2);
        // A line cut by the chunk's end is not judged: the next request.
        let t = txs(b"POST /i HTTP/1.1\r\nHost: h\r\n\r\nlogin", ok, false);
        assert_eq!(t[0].request().unwrap().body(), b"");
    }
}
