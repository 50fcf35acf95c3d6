//! EVE `http` object with Suricata 7's field names, order and value rules (checked against
//! Suricata 7.0.10's `eve.json` with its default `http` logger settings, `extended: yes`).
//!
//! Fields, in Suricata's order: `hostname`, `http_port`, `url`, `http_user_agent`,
//! `http_content_type`, `content_range`, `http_refer`, `http_method`, `protocol`, `status`,
//! `redirect`, `length`. Request and response header arrays are not logged (Suricata's
//! default). Quirks kept on purpose so that records match Suricata's:
//! * `hostname` is lowercased except when the Host header carries a port (libhtp);
//! * a response with no request gets `"url":"/libhtp::request_uri_not_seen"` and
//!   `"http_port":0`, and so does (port only) a request whose header section never ended
//!   (HTTP/0.9);
//! * `http_content_type` is the response Content-Type up to the first `;`, left out when not
//!   valid UTF-8; empty hostname, user agent, referer and location are left out;
//! * `status` is the status code, or the leading number of a malformed code (0 if none);
//! * `length` is the response body length as sent (chunked framing included, trailers not).
//!
//! Strings that are valid UTF-8 are written as JSON strings; otherwise bytes >= 0x80 become the
//! text `\xhh` (as Suricata's JSON builder does).

use std::io::Write;

use super::normalize::{parse_content_range, strtoul_u32};
use super::transaction::HttpTransaction;
use crate::output::json::write_str;

/// URL Suricata logs for a response that matched no request.
pub const UNMATCHED_URL: &str = "/libhtp::request_uri_not_seen";

/// Writes `"http":{...}` for `tx` (key included, no leading comma).
pub fn write_eve_http(tx: &HttpTransaction, out: &mut Vec<u8>) {
    let mut w = Obj::open(out, "http");
    let req = tx.request();
    let resp = tx.response();
    match req {
        Some(r) => {
            if let Some(h) = r.eve_hostname.map(|s| s.get(&r.m.arena)) {
                w.bytes_nonempty("hostname", h);
            }
            match r.port() {
                Some(p) => w.uint("http_port", u64::from(p)),
                None if !r.m.headers_done => w.uint("http_port", 0),
                None => {}
            }
            if let Some(u) = r.uri_raw() {
                w.bytes("url", u);
            }
            if let Some(ua) = r.user_agent() {
                w.bytes_nonempty("http_user_agent", ua);
            }
        }
        None => {
            w.uint("http_port", 0);
            w.bytes("url", UNMATCHED_URL.as_bytes());
        }
    }
    if let Some(resp) = resp {
        if let Some(ct) = resp.content_type() {
            let ct = &ct[..memchr::memchr(b';', ct).unwrap_or(ct.len())];
            if let Ok(s) = std::str::from_utf8(ct) {
                w.key("http_content_type");
                write_str(w.out, s);
            }
        }
        if let Some(cr) = resp.header(b"content-range") {
            w.key("content_range");
            let mut o = Obj::open_value(w.out);
            o.bytes("raw", cr);
            if let Some(p) = parse_content_range(cr) {
                for (k, v) in [("start", p.start), ("end", p.end), ("size", p.size)] {
                    if v >= 0 {
                        o.uint(k, v as u64);
                    }
                }
            }
            o.close();
        }
    }
    if let Some(r) = req {
        if let Some(v) = r.referer() {
            w.bytes_nonempty("http_refer", v);
        }
        w.bytes_nonempty("http_method", r.method());
        if let Some(p) = r.protocol() {
            w.bytes("protocol", p);
        }
    }
    if let Some(resp) = resp {
        if let Some(code) = resp.status_code() {
            w.uint("status", u64::from(code));
        } else if let Some(s) = resp.status() {
            w.uint("status", u64::from(strtoul_u32(s)));
        }
        if let Some(l) = resp.location() {
            w.bytes_nonempty("redirect", l);
        }
    }
    w.uint("length", resp.map_or(0, |r| r.wire_len()));
    w.close();
}

/// Minimal JSON object writer (keys are static and need no escaping).
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>, key: &str) -> Obj<'a> {
        out.push(b'"');
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\":{");
        Obj { out, first: true }
    }

    fn open_value(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn uint(&mut self, k: &str, v: u64) {
        self.key(k);
        crate::output::json::write_u64(self.out, v);
    }

    fn bytes(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        write_bytes(self.out, v);
    }

    fn bytes_nonempty(&mut self, k: &str, v: &[u8]) {
        if !v.is_empty() {
            self.bytes(k, v);
        }
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

/// Writes bytes as a JSON string the way Suricata does (see module docs).
pub(crate) fn write_bytes(out: &mut Vec<u8>, v: &[u8]) {
    if let Ok(s) = std::str::from_utf8(v) {
        write_str(out, s);
        return;
    }
    out.push(b'"');
    for &b in v {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f => {
                let _ = write!(out, "\\u{b:04x}");
            }
            0x80..=0xff => {
                let _ = write!(out, "\\\\x{b:02x}");
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[u8]) -> String {
        let mut out = Vec::new();
        write_bytes(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    /// Values as Suricata 7.0.10 wrote them in eve.json.
    #[test]
    fn strings_like_suricata() {
        assert_eq!(s(b"h\xffx"), r#""h\\xffx""#);
        assert_eq!(s(b"/\xff\xc3\xa9\x01"), r#""/\\xff\\xc3\\xa9\u0001""#);
        assert_eq!(s(b"a\x01b\"c\\"), r#""a\u0001b\"c\\""#);
        assert_eq!(s("/é".as_bytes()), "\"/é\"");
    }
}
