//! Tests on real messages, compression attacks, TCP framing and properties.

use super::*;
use crate::app::Direction;

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    s.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}

/// Writes this parser's EVE records for payloads listed in `$DNS_CROSSCHECK_IN` (lines
/// `key<TAB>u<TAB>hex` for UDP datagrams, `key<TAB>t<stream><s|c><TAB>hex` for TCP segments
/// in order) to `$DNS_CROSSCHECK_OUT`, to be compared with Suricata's eve.json.
#[test]
#[ignore]
fn crosscheck_dump() {
    let (Ok(inp), Ok(outp)) = (
        std::env::var("DNS_CROSSCHECK_IN"),
        std::env::var("DNS_CROSSCHECK_OUT"),
    ) else {
        return;
    };
    let text = std::fs::read_to_string(inp).unwrap();
    let mut out = Vec::new();
    let mut msg = DnsMessage::new();
    let mut tcp: std::collections::HashMap<String, DnsTcpParser> = Default::default();
    let mut emit = |key: &str, proto: &str, m: &DnsMessage, out: &mut Vec<u8>| {
        for i in 0..eve_record_count(m) {
            out.extend_from_slice(format!("{key}\t{proto}\t").as_bytes());
            write_eve_dns_record(m, i, 0, out);
            out.push(b'\n');
        }
    };
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let bytes = hex(f[2]);
        if f[1] == "u" {
            if msg.parse(&bytes).is_ok() {
                emit(f[0], "UDP", &msg, &mut out);
            }
        } else {
            let (stream, d) = f[1].split_at(f[1].len() - 1);
            let dir = if d == "s" {
                Direction::ToServer
            } else {
                Direction::ToClient
            };
            let p = tcp.entry(stream.to_string()).or_default();
            let mut done = Vec::new();
            p.feed(dir, &bytes, &mut msg, |r| {
                if let Ok(m) = r {
                    emit(f[0], "TCP", m, &mut done);
                }
            });
            out.extend_from_slice(&done);
        }
    }
    std::fs::write(outp, out).unwrap();
}
