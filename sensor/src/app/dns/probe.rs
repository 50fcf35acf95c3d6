//! Recognising DNS by content, for traffic on any port.
//!
//! A payload is taken for DNS when its header is plausible (any opcode, as Suricata 7.0.10
//! takes an unassigned one for DNS and raises `dns.invalid_opcode` on it; at least one
//! question, record counts that fit in the message, a query without an rcode) and its first
//! question decodes under the parser's strict name rules with a known class and a non-zero
//! type.

use super::message::{Header, HEADER_LEN};
use super::name::skip_name;
use super::types::class;
use crate::app::Direction;

/// Outcome of probing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Probe {
    NotDns,
    /// Too few bytes to decide yet (TCP only).
    NeedMore,
    /// DNS, with the direction the probed bytes travel: `ToServer` for a query, `ToClient`
    /// for a response.
    Dns(Direction),
}

/// More questions than this is not a real message (mDNS queries carry a few dozen at most).
const MAX_QUESTIONS: u16 = 64;
/// Smallest question: root name, type, class.
const MIN_QUESTION_LEN: usize = 5;
/// Smallest record: root name, type, class, TTL, rdlength.
const MIN_RECORD_LEN: usize = 11;

/// Probes a UDP payload (one whole message).
pub fn probe_udp(payload: &[u8]) -> Probe {
    match check(payload, payload.len()) {
        Probe::NeedMore => Probe::NotDns,
        p => p,
    }
}

/// Probes the first bytes of one direction of a TCP stream (2-byte length, then message).
pub fn probe_tcp(stream_start: &[u8]) -> Probe {
    let Some(len) = stream_start.get(..2) else {
        return Probe::NeedMore;
    };
    let len = u16::from_be_bytes([len[0], len[1]]) as usize;
    let msg = &stream_start[2..];
    check(&msg[..len.min(msg.len())], len)
}

/// `msg` holds the first bytes of a message of `len` bytes.
fn check(msg: &[u8], len: usize) -> Probe {
    if len < HEADER_LEN + MIN_QUESTION_LEN {
        return Probe::NotDns;
    }
    let Some(h) = Header::parse(msg) else {
        return Probe::NeedMore;
    };
    let records = h.ancount as usize + h.nscount as usize + h.arcount as usize;
    let min_len = HEADER_LEN + h.qdcount as usize * MIN_QUESTION_LEN + records * MIN_RECORD_LEN;
    let plausible_rcode = if h.qr() {
        h.rcode() <= 10
    } else {
        h.rcode() == 0
    };
    if !plausible_rcode || h.qdcount == 0 || h.qdcount > MAX_QUESTIONS || min_len > len {
        return Probe::NotDns;
    }

    let complete = msg.len() >= len;
    let mut jumps = 16;
    let end = match skip_name(msg, HEADER_LEN, msg.len(), &mut jumps) {
        Ok(end) => end,
        Err(super::NameError::Truncated) if !complete => return Probe::NeedMore,
        Err(_) => return Probe::NotDns,
    };
    let Some(f) = msg.get(end..end + 4) else {
        return if complete {
            Probe::NotDns
        } else {
            Probe::NeedMore
        };
    };
    let qtype = u16::from_be_bytes([f[0], f[1]]);
    // mDNS sets the top bit of the class to ask for a unicast response.
    let qclass = u16::from_be_bytes([f[2], f[3]]) & 0x7fff;
    let known_class = matches!(
        qclass,
        class::IN | class::CH | class::HS | class::NONE | class::ANY
    );
    if qtype == 0 || !known_class {
        return Probe::NotDns;
    }
    Probe::Dns(if h.qr() {
        Direction::ToClient
    } else {
        Direction::ToServer
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &[u8] =
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06google\x03com\x00\x00\x01\x00\x01";

    #[test]
    fn udp_query_and_response() {
        assert_eq!(probe_udp(QUERY), Probe::Dns(Direction::ToServer));
        let mut resp = QUERY.to_vec();
        resp[2] = 0x81;
        resp[3] = 0x80;
        assert_eq!(probe_udp(&resp), Probe::Dns(Direction::ToClient));
    }

    #[test]
    fn udp_rejects_implausible_headers() {
        let with = |i: usize, v: u8| {
            let mut m = QUERY.to_vec();
            m[i] = v;
            probe_udp(&m)
        };
        // Every opcode, unassigned ones too: Suricata 7.0.10 takes opcodes 0-15 for DNS
        // (measured on port 53) and raises `dns.invalid_opcode` from 7 on.
        assert_eq!(with(2, 0x19), Probe::Dns(Direction::ToServer), "opcode 3");
        assert_eq!(with(2, 0x39), Probe::Dns(Direction::ToServer), "opcode 7");
        assert_eq!(with(2, 0x79), Probe::Dns(Direction::ToServer), "opcode 15");
        assert_eq!(with(3, 0x03), Probe::NotDns, "query with rcode");
        assert_eq!(with(5, 0), Probe::NotDns, "no question");
        assert_eq!(with(7, 9), Probe::NotDns, "answers cannot fit");
        assert_eq!(with(12, 0xc0), Probe::NotDns, "pointer in first name");
        assert_eq!(with(QUERY.len() - 1, 9), Probe::NotDns, "unknown class");
        assert_eq!(with(QUERY.len() - 3, 0), Probe::NotDns, "qtype 0");
        assert_eq!(probe_udp(&QUERY[..QUERY.len() - 1]), Probe::NotDns);
        assert_eq!(probe_udp(b""), Probe::NotDns);
        assert_eq!(
            probe_udp(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
            Probe::NotDns
        );
    }

    #[test]
    fn mdns_unicast_class_bit() {
        let mut m = QUERY.to_vec();
        let n = m.len();
        m[n - 2] = 0x80;
        assert_eq!(probe_udp(&m), Probe::Dns(Direction::ToServer));
    }

    #[test]
    fn tcp_needs_more_then_decides() {
        let mut s = (QUERY.len() as u16).to_be_bytes().to_vec();
        s.extend_from_slice(QUERY);
        for cut in 0..s.len() {
            assert_eq!(probe_tcp(&s[..cut]), Probe::NeedMore, "cut at {cut}");
        }
        assert_eq!(probe_tcp(&s), Probe::Dns(Direction::ToServer));
        s.extend_from_slice(b"next message");
        assert_eq!(probe_tcp(&s), Probe::Dns(Direction::ToServer));
        assert_eq!(probe_tcp(b"\x00\x05hello"), Probe::NotDns);
        let tls_hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a\x1b\x22\x9c\x05\x11";
        assert_eq!(probe_tcp(tls_hello), Probe::NotDns);
    }
}
