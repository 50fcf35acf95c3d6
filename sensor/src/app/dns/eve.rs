//! EVE `dns` objects in Suricata 7's format version 2 (checked against Suricata 7.0.10).
//!
//! What Suricata 7 writes, and so what this writes:
//! - a query gives one record per question: `version`, `type:"query"`, `id`, `rrname`,
//!   `rrtype`, `tx_id`, `z` (only when set), `opcode`;
//! - a response gives one record if it has a question: `version`, `type:"answer"`, `id`,
//!   `flags` (lowercase hex, unpadded), the set flags among `qr aa tc rd ra z`, `opcode`,
//!   the first question's `rrname`/`rrtype`, `rcode`, then `answers` + `grouped` when there
//!   are answers and `authorities` when there are authority records. Additional records are
//!   never logged.
//! - answer details: `rrname`, `rrtype`, `ttl`, then `rdata` for A/AAAA (AAAA as 8 groups of
//!   4 hex digits), CNAME, NS, PTR, MX (exchange only), TXT (one entry per string) and NULL;
//!   a `soa`, `srv` or `sshfp` object for those types; nothing for other types.
//! - strings: valid UTF-8 as is, otherwise bytes >= 0x80 as `\xNN`; JSON escapes `\b \f \n
//!   \r \t` and `\u00XX` for other control bytes.
//!
//! Like Suricata 7.0.10, a response with an empty-rdata record in its answer or authority
//! section (dynamic update prerequisites, for instance) is not logged: its parser rejects
//! the message. `grouped` keys come in order of first appearance (Suricata's order is a
//! hash map's, so varies). The parser's stricter name rules (pointer loops, forward
//! pointers and names over 255 bytes are errors) mean a few hostile messages Suricata logs
//! with a truncated name are not logged here.

use super::message::{DnsMessage, RData, Record, Records};
use super::name::Name;
use super::types::{rcode_name, rrtype, rrtype_name};

/// How many EVE `dns` records Suricata 7 writes for this message: one per question for a
/// query, one for a response with at least one question (and no empty rdata in its answer
/// or authority sections), none for an invalid message.
pub fn eve_record_count(msg: &DnsMessage) -> usize {
    let questions = msg.questions().len();
    let empty_rdata = |mut r: Records<'_>| r.any(|r| r.rdata_bytes.is_empty());
    match (msg.is_valid(), msg.is_response()) {
        (false, _) => 0,
        (true, false) => questions,
        (true, true) if empty_rdata(msg.answers()) || empty_rdata(msg.authorities()) => 0,
        (true, true) => questions.min(1),
    }
}

/// Writes `"dns":{...}` for the message's first record (see [`write_eve_dns_record`]).
pub fn write_eve_dns(msg: &DnsMessage, tx_id: u64, out: &mut Vec<u8>) -> bool {
    write_eve_dns_record(msg, 0, tx_id, out)
}

/// Writes `"dns":{...}` (key included, no leading comma) for record `index` of the message,
/// `index < eve_record_count(msg)`: the question `index` of a query, or the response.
/// `tx_id` is the flow's transaction number, logged for queries only. Returns false and
/// writes nothing when there is no such record.
pub fn write_eve_dns_record(msg: &DnsMessage, index: usize, tx_id: u64, out: &mut Vec<u8>) -> bool {
    if index >= eve_record_count(msg) {
        return false;
    }
    let h = msg.header();
    out.extend_from_slice(b"\"dns\":{\"version\":2,\"type\":");
    if !msg.is_response() {
        let Some(q) = msg.question(index) else {
            return false;
        };
        out.extend_from_slice(b"\"query\",\"id\":");
        write_u64(out, h.id.into());
        out.extend_from_slice(b",\"rrname\":");
        write_name(out, q.name);
        out.extend_from_slice(b",\"rrtype\":");
        write_rrtype(out, q.qtype);
        out.extend_from_slice(b",\"tx_id\":");
        write_u64(out, tx_id);
        if h.z() {
            out.extend_from_slice(b",\"z\":true");
        }
        out.extend_from_slice(b",\"opcode\":");
        write_u64(out, h.opcode().into());
        out.push(b'}');
        return true;
    }

    out.extend_from_slice(b"\"answer\",\"id\":");
    write_u64(out, h.id.into());
    out.extend_from_slice(b",\"flags\":\"");
    write_hex_u16(out, h.flags);
    out.push(b'"');
    for (set, key) in [
        (h.qr(), &b",\"qr\":true"[..]),
        (h.aa(), b",\"aa\":true"),
        (h.tc(), b",\"tc\":true"),
        (h.rd(), b",\"rd\":true"),
        (h.ra(), b",\"ra\":true"),
        (h.z(), b",\"z\":true"),
    ] {
        if set {
            out.extend_from_slice(key);
        }
    }
    out.extend_from_slice(b",\"opcode\":");
    write_u64(out, h.opcode().into());
    if let Some(q) = msg.question(0) {
        out.extend_from_slice(b",\"rrname\":");
        write_name(out, q.name);
        out.extend_from_slice(b",\"rrtype\":");
        write_rrtype(out, q.qtype);
    }
    out.extend_from_slice(b",\"rcode\":");
    match rcode_name(h.rcode()) {
        Some(s) => write_json_bytes(out, s.as_bytes()),
        None => {
            out.push(b'"');
            write_u64(out, h.rcode().into());
            out.push(b'"');
        }
    }
    if !msg.answers().is_empty() {
        out.extend_from_slice(b",\"answers\":");
        write_details(out, msg.answers());
        out.extend_from_slice(b",\"grouped\":");
        write_grouped(out, msg.answers());
    }
    if !msg.authorities().is_empty() {
        out.extend_from_slice(b",\"authorities\":");
        write_details(out, msg.authorities());
    }
    out.push(b'}');
    true
}

/// The array of answer details, one per record (one per string for TXT).
fn write_details(out: &mut Vec<u8>, records: Records<'_>) {
    out.push(b'[');
    let mut first = true;
    for r in records {
        match r.rdata {
            RData::Txt(t) => {
                for s in t.strings() {
                    sep(out, &mut first);
                    detail_head(out, &r);
                    out.extend_from_slice(b",\"rdata\":");
                    write_json_bytes(out, s);
                    out.push(b'}');
                }
            }
            _ => {
                sep(out, &mut first);
                detail_head(out, &r);
                match r.rdata {
                    RData::Soa(_) => out.extend_from_slice(b",\"soa\":"),
                    RData::Srv { .. } => out.extend_from_slice(b",\"srv\":"),
                    RData::Sshfp { .. } => out.extend_from_slice(b",\"sshfp\":"),
                    _ if has_string_value(&r) => out.extend_from_slice(b",\"rdata\":"),
                    _ => {}
                }
                write_value(out, &r);
                out.push(b'}');
            }
        }
    }
    out.push(b']');
}

fn detail_head(out: &mut Vec<u8>, r: &Record<'_>) {
    out.extend_from_slice(b"{\"rrname\":");
    write_name(out, r.name);
    out.extend_from_slice(b",\"rrtype\":");
    write_rrtype(out, r.rtype);
    out.extend_from_slice(b",\"ttl\":");
    write_u64(out, r.ttl.into());
}

/// Types whose value is a string in `answers` and in `grouped`.
fn has_string_value(r: &Record<'_>) -> bool {
    match r.rdata {
        RData::A(_)
        | RData::Aaaa(_)
        | RData::Cname(_)
        | RData::Ns(_)
        | RData::Ptr(_)
        | RData::Mx { .. } => true,
        // Suricata prints "" for an address of the wrong length, and NULL rdata as text.
        RData::Other(_) => matches!(r.rtype, rrtype::A | rrtype::AAAA | rrtype::NULL),
        _ => false,
    }
}

/// Whether the record appears in `grouped` (TXT is handled per string).
fn groupable(r: &Record<'_>) -> bool {
    has_string_value(r)
        || matches!(
            r.rdata,
            RData::Txt(_) | RData::Soa(_) | RData::Srv { .. } | RData::Sshfp { .. }
        )
}

/// The value of a non-TXT record: a string, an object, or nothing.
fn write_value(out: &mut Vec<u8>, r: &Record<'_>) {
    match r.rdata {
        RData::A(a) => {
            out.push(b'"');
            for (i, o) in a.octets().iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                write_u64(out, (*o).into());
            }
            out.push(b'"');
        }
        RData::Aaaa(a) => {
            out.push(b'"');
            for (i, pair) in a.octets().chunks(2).enumerate() {
                if i > 0 {
                    out.push(b':');
                }
                for b in pair {
                    write_hex_byte(out, *b);
                }
            }
            out.push(b'"');
        }
        RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) | RData::Mx { exchange: n, .. } => {
            write_name(out, n)
        }
        RData::Soa(s) => {
            out.extend_from_slice(b"{\"mname\":");
            write_name(out, s.mname);
            out.extend_from_slice(b",\"rname\":");
            write_name(out, s.rname);
            for (key, v) in [
                (&b",\"serial\":"[..], s.serial),
                (b",\"refresh\":", s.refresh),
                (b",\"retry\":", s.retry),
                (b",\"expire\":", s.expire),
                (b",\"minimum\":", s.minimum),
            ] {
                out.extend_from_slice(key);
                write_u64(out, v.into());
            }
            out.push(b'}');
        }
        RData::Srv {
            priority,
            weight,
            port,
            target,
        } => {
            out.extend_from_slice(b"{\"priority\":");
            write_u64(out, priority.into());
            out.extend_from_slice(b",\"weight\":");
            write_u64(out, weight.into());
            out.extend_from_slice(b",\"port\":");
            write_u64(out, port.into());
            out.extend_from_slice(b",\"name\":");
            write_name(out, target);
            out.push(b'}');
        }
        RData::Sshfp {
            algorithm,
            fp_type,
            fingerprint,
        } => {
            out.extend_from_slice(b"{\"fingerprint\":\"");
            for (i, b) in fingerprint.iter().enumerate() {
                if i > 0 {
                    out.push(b':');
                }
                write_hex_byte(out, *b);
            }
            out.extend_from_slice(b"\",\"algo\":");
            write_u64(out, algorithm.into());
            out.extend_from_slice(b",\"type\":");
            write_u64(out, fp_type.into());
            out.push(b'}');
        }
        RData::Other(b) if r.rtype == rrtype::NULL => write_json_bytes(out, b),
        RData::Other(_) if has_string_value(r) => out.extend_from_slice(b"\"\""),
        RData::Txt(_) | RData::Other(_) => {}
    }
}

/// `grouped`: for each type in order of first appearance, the list of values.
fn write_grouped(out: &mut Vec<u8>, records: Records<'_>) {
    // Few types are groupable, so collect the distinct ones in a small fixed array.
    let mut types = [0u16; 16];
    let mut n = 0;
    for r in records.filter(groupable) {
        if !types[..n].contains(&r.rtype) && n < types.len() {
            types[n] = r.rtype;
            n += 1;
        }
    }
    out.push(b'{');
    for (i, &t) in types[..n].iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_rrtype(out, t);
        out.extend_from_slice(b":[");
        let mut first = true;
        for r in records.filter(|r| r.rtype == t && groupable(r)) {
            if let RData::Txt(txt) = r.rdata {
                for s in txt.strings() {
                    sep(out, &mut first);
                    write_json_bytes(out, s);
                }
            } else {
                sep(out, &mut first);
                write_value(out, &r);
            }
        }
        out.push(b']');
    }
    out.push(b'}');
}

fn sep(out: &mut Vec<u8>, first: &mut bool) {
    if !*first {
        out.push(b',');
    }
    *first = false;
}

fn write_name(out: &mut Vec<u8>, n: Name<'_>) {
    write_json_bytes(out, n.as_bytes());
}

fn write_rrtype(out: &mut Vec<u8>, t: u16) {
    out.push(b'"');
    match rrtype_name(t) {
        Some(s) => out.extend_from_slice(s.as_bytes()),
        None => write_u64(out, t.into()),
    }
    out.push(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_hex_byte(out: &mut Vec<u8>, b: u8) {
    out.push(HEX[(b >> 4) as usize]);
    out.push(HEX[(b & 0xf) as usize]);
}

/// `{:x}` of the flags word, as Suricata formats it.
fn write_hex_u16(out: &mut Vec<u8>, v: u16) {
    let digits = (16 - v.leading_zeros()).div_ceil(4).max(1);
    for i in (0..digits).rev() {
        out.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
    }
}

fn write_u64(out: &mut Vec<u8>, v: u64) {
    crate::output::json::write_u64(out, v);
}

/// A JSON string of bytes as Suricata's JsonBuilder writes it (`set_string_from_bytes`):
/// valid UTF-8 is kept, otherwise every byte from 0x80 becomes the text `\xNN`.
pub(crate) fn write_json_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'"');
    // Nearly every name is printable ASCII: copy it whole.
    if b.iter()
        .all(|&c| (0x20..0x80).contains(&c) && c != b'"' && c != b'\\')
    {
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    let utf8 = b.is_ascii() || std::str::from_utf8(b).is_ok();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"\\u00",
            // The backslash of "\xNN" is itself escaped in JSON.
            0x80.. if !utf8 => b"\\\\x",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        out.extend_from_slice(esc);
        if esc.len() > 2 {
            write_hex_byte(out, c);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> String {
        let mut v = Vec::new();
        write_json_bytes(&mut v, b);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn string_escaping_matches_suricata() {
        // Expected values are what Suricata 7.0.10 wrote for these names.
        assert_eq!(s(b"a\x01b.c"), r#""a\u0001b.c""#);
        assert_eq!(s("café.example".as_bytes()), "\"café.example\"");
        assert_eq!(s(b"bad\x80\xff.example"), r#""bad\\x80\\xff.example""#);
        assert_eq!(s(b"q\"uo\\te.x"), r#""q\"uo\\te.x""#);
        assert_eq!(
            s(b"sp ace\t\n\r\x08\x0c\x7f.x"),
            "\"sp ace\\t\\n\\r\\b\\f\x7f.x\""
        );
        assert_eq!(s(b"\x00\x1f.x"), r#""\u0000\u001f.x""#);
        assert_eq!(s(b"bad\x80.\x01\xc3"), r#""bad\\x80.\u0001\\xc3""#);
        assert_eq!(s(b""), r#""""#);
    }

    #[test]
    fn numbers_and_flags() {
        let mut v = Vec::new();
        for n in [0u64, 7, 10, 4294967295, u64::MAX] {
            v.clear();
            write_u64(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
        }
        for f in [0u16, 0x1, 0x10, 0x100, 0x8180, 0xffff, 0x0fff] {
            v.clear();
            write_hex_u16(&mut v, f);
            assert_eq!(v, format!("{f:x}").as_bytes());
        }
    }
}
