//! SOCKS 4, 4a and 5 handshakes (RFC 1928, RFC 1929, the SOCKS 4 and 4a notes): a client
//! greeting and the server's method choice, username/password authentication, the connect
//! request and the server's reply. Once a CONNECT succeeds the stream belongs to what the
//! tunnel carries: the parser hands it over ([`AppParser::handed_over`]) and the session
//! detects the protocol of what follows (TLS, HTTP, ...), as after an HTTP `CONNECT`. Bytes of
//! either direction past the handshake are handed back ([`AppParser::rest`]).
//!
//! Suricata 7 has no SOCKS parser: it calls such a flow `failed` (no probe matches a SOCKS
//! greeting, and it does not look past it), so it never parses the TLS inside.

use super::parser::{AppParser, Probe, Tx};
use super::registry::AppProto;
use super::Direction;

/// Most bytes a direction may hold while the handshake is incomplete (a SOCKS message is at
/// most a few hundred bytes; the rest is what a client sent early through the tunnel).
const MAX_HELD: usize = 16 * 1024;

/// Methods a SOCKS 5 greeting may offer: IANA's (0 to 9) and the private range.
fn method_ok(m: u8) -> bool {
    m <= 9 || (0x80..=0xfe).contains(&m)
}

/// Whether `d`, a client's first bytes, start a SOCKS 4/4a request or a SOCKS 5 greeting
/// (possibly followed by more, from a client that does not wait for the reply).
pub fn probe(d: &[u8], dir: Direction) -> Probe {
    if dir != Direction::ToServer {
        return Probe::No;
    }
    match d.first() {
        None => Probe::NeedMore,
        Some(5) => {
            let Some(&n) = d.get(1) else {
                return Probe::NeedMore;
            };
            let end = 2 + usize::from(n);
            if n == 0 || !d[2..d.len().min(end)].iter().all(|&m| method_ok(m)) {
                return Probe::No;
            }
            match d.get(end) {
                _ if d.len() < end => Probe::NeedMore,
                None | Some(5) => Probe::Yes,
                Some(_) => Probe::No,
            }
        }
        Some(4) => match v4_request(d) {
            Step::Done(_) => Probe::Yes,
            Step::More => Probe::NeedMore,
            Step::Bad => Probe::No,
        },
        Some(_) => Probe::No,
    }
}

/// Parsing one message: its length, wait for more, or not SOCKS.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Done(usize),
    More,
    Bad,
}

/// A NUL-terminated string of at most 255 bytes starting at `at`: where it ends (after the
/// NUL).
fn cstr(d: &[u8], at: usize) -> Step {
    let s = d.get(at..).unwrap_or(&[]);
    match memchr::memchr(0, &s[..s.len().min(256)]) {
        Some(i) => Step::Done(at + i + 1),
        None if s.len() < 256 => Step::More,
        None => Step::Bad,
    }
}

/// SOCKS 4 request: version, command (connect, bind), port, address, user id; SOCKS 4a
/// (address 0.0.0.x, x not 0) adds a host name.
fn v4_request(d: &[u8]) -> Step {
    if d.first().is_some_and(|&v| v != 4) || d.get(1).is_some_and(|&c| !matches!(c, 1 | 2)) {
        return Step::Bad;
    }
    if d.len() < 8 {
        return Step::More;
    }
    let user_end = match cstr(d, 8) {
        Step::Done(e) => e,
        other => return other,
    };
    if d[4..7] == [0, 0, 0] && d[7] != 0 {
        cstr(d, user_end)
    } else {
        Step::Done(user_end)
    }
}

/// SOCKS 5 address (type, address, port) at `at`: where it ends.
fn v5_address(d: &[u8], at: usize) -> Step {
    let len = match d.get(at) {
        None => return Step::More,
        Some(1) => 4,
        Some(4) => 16,
        Some(3) => match d.get(at + 1) {
            None => return Step::More,
            Some(0) => return Step::Bad,
            Some(&n) => 1 + usize::from(n),
        },
        Some(_) => return Step::Bad,
    };
    let end = at + 1 + len + 2;
    if d.len() < end {
        Step::More
    } else {
        Step::Done(end)
    }
}

/// Where the handshake is: whose message comes next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// The client's first message (a SOCKS 5 greeting or a SOCKS 4 request).
    #[default]
    Greeting,
    /// The server's method choice (SOCKS 5).
    Method,
    /// The client's username and password (method 2).
    Auth,
    AuthReply,
    /// The client's SOCKS 5 request.
    Request,
    /// The server's reply to the request.
    Reply,
    /// The tunnel is open: the stream is handed over.
    Open,
    /// Not (or no longer) a handshake this parser follows, or the server refused.
    Closed,
}

/// A SOCKS handshake on one TCP flow.
#[derive(Default)]
pub struct SocksParser {
    phase: Phase,
    v4: bool,
    /// The request was a CONNECT (a BIND or UDP ASSOCIATE carries no stream to follow).
    connect: bool,
    /// Bytes not parsed yet, per direction (index: `Direction::ToServer` is 0).
    held: [Vec<u8>; 2],
}

fn idx(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl SocksParser {
    /// Parses what the held bytes allow, message by message.
    fn step(&mut self) {
        loop {
            let (dir, step) = match self.phase {
                Phase::Open | Phase::Closed => return,
                Phase::Greeting => (0, self.greeting()),
                Phase::Method => (1, self.method()),
                Phase::Auth => (0, self.auth()),
                Phase::AuthReply => (1, self.auth_reply()),
                Phase::Request => (0, self.request()),
                Phase::Reply => (1, self.reply()),
            };
            match step {
                Step::Done(n) => {
                    self.held[dir].drain(..n);
                }
                Step::More => return,
                Step::Bad => {
                    self.close();
                    return;
                }
            }
        }
    }

    fn close(&mut self) {
        self.phase = Phase::Closed;
        self.held = Default::default();
    }

    fn greeting(&mut self) -> Step {
        let d = &self.held[0];
        match d.first() {
            None => Step::More,
            Some(4) => {
                let s = v4_request(d);
                if matches!(s, Step::Done(_)) {
                    self.v4 = true;
                    self.connect = d[1] == 1;
                    self.phase = Phase::Reply;
                }
                s
            }
            Some(5) => {
                let Some(&n) = d.get(1) else {
                    return Step::More;
                };
                let end = 2 + usize::from(n);
                if n == 0 || !d[2..d.len().min(end)].iter().all(|&m| method_ok(m)) {
                    Step::Bad
                } else if d.len() < end {
                    Step::More
                } else {
                    self.phase = Phase::Method;
                    Step::Done(end)
                }
            }
            Some(_) => Step::Bad,
        }
    }

    fn method(&mut self) -> Step {
        let d = &self.held[1];
        if d.len() < 2 {
            return if d.first().is_some_and(|&v| v != 5) {
                Step::Bad
            } else {
                Step::More
            };
        }
        self.phase = match (d[0], d[1]) {
            (5, 0) => Phase::Request,
            (5, 2) => Phase::Auth,
            // GSS-API and others encapsulate what follows; 0xff: no method accepted.
            _ => return Step::Bad,
        };
        Step::Done(2)
    }

    fn auth(&mut self) -> Step {
        let d = &self.held[0];
        if d.first().is_some_and(|&v| v != 1) {
            return Step::Bad;
        }
        let Some(&ulen) = d.get(1) else {
            return Step::More;
        };
        let p = 2 + usize::from(ulen);
        let Some(&plen) = d.get(p) else {
            return Step::More;
        };
        let end = p + 1 + usize::from(plen);
        if d.len() < end {
            return Step::More;
        }
        self.phase = Phase::AuthReply;
        Step::Done(end)
    }

    fn auth_reply(&mut self) -> Step {
        let d = &self.held[1];
        match (d.first(), d.get(1)) {
            (Some(1), Some(0)) => {
                self.phase = Phase::Request;
                Step::Done(2)
            }
            (Some(1), None) | (None, _) => Step::More,
            _ => Step::Bad,
        }
    }

    fn request(&mut self) -> Step {
        let d = &self.held[0];
        let head_ok = d.first().is_none_or(|&v| v == 5)
            && d.get(1).is_none_or(|c| matches!(c, 1..=3))
            && d.get(2).is_none_or(|&r| r == 0);
        if !head_ok {
            return Step::Bad;
        }
        let s = v5_address(d, 3);
        if matches!(s, Step::Done(_)) {
            self.connect = d[1] == 1;
            self.phase = Phase::Reply;
        }
        s
    }

    fn reply(&mut self) -> Step {
        let d = &self.held[1];
        if self.v4 {
            if d.first().is_some_and(|&v| v != 0) {
                return Step::Bad;
            }
            if d.len() < 8 {
                return Step::More;
            }
            return if d[1] == 0x5a && self.connect {
                self.phase = Phase::Open;
                Step::Done(8)
            } else {
                Step::Bad
            };
        }
        if d.first().is_some_and(|&v| v != 5) || d.get(2).is_some_and(|&r| r != 0) {
            return Step::Bad;
        }
        let s = v5_address(d, 3);
        if matches!(s, Step::Done(_)) {
            if d[1] != 0 || !self.connect {
                return Step::Bad;
            }
            self.phase = Phase::Open;
        }
        s
    }
}

impl AppParser for SocksParser {
    fn proto(&self) -> AppProto {
        AppProto::Socks
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        if self.phase == Phase::Closed {
            return;
        }
        let held = &mut self.held[idx(dir)];
        if held.len() + data.len() > MAX_HELD {
            self.close();
            return;
        }
        // Once open, what comes is the tunnel's: held for `rest`.
        held.extend_from_slice(data);
        self.step();
    }

    fn gap(&mut self, _: Direction, _: u64) {
        if self.phase != Phase::Open {
            self.close();
        }
    }

    fn drain(&mut self, _: bool, _: &mut dyn FnMut(Tx<'_>)) {}

    fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Open | Phase::Closed)
    }

    fn handed_over(&self) -> bool {
        self.phase == Phase::Open
    }

    fn rest(&mut self, dir: Direction) -> Vec<u8> {
        std::mem::take(&mut self.held[idx(dir)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TS: Direction = Direction::ToServer;
    const TC: Direction = Direction::ToClient;

    /// A SOCKS 5 handshake with username/password, to example.org:443, then a TLS start.
    pub(crate) fn v5_exchange() -> Vec<(Direction, Vec<u8>)> {
        vec![
            (TS, b"\x05\x02\x00\x02".to_vec()),
            (TC, b"\x05\x02".to_vec()),
            (TS, b"\x01\x04user\x04pass".to_vec()),
            (TC, b"\x01\x00".to_vec()),
            (TS, b"\x05\x01\x00\x03\x0bexample.org\x01\xbb".to_vec()),
            (TC, b"\x05\x00\x00\x01\x0a\x00\x00\x01\x04\x38".to_vec()),
            (TS, b"\x16\x03\x01\x00\x05hello".to_vec()),
        ]
    }

    fn run(msgs: &[(Direction, Vec<u8>)]) -> SocksParser {
        let mut p = SocksParser::default();
        for (d, m) in msgs {
            p.feed(*d, m);
        }
        p
    }

    #[test]
    fn socks5_with_auth_hands_over_and_keeps_the_rest() {
        let mut p = run(&v5_exchange());
        assert!(p.handed_over());
        assert_eq!(p.rest(TS), b"\x16\x03\x01\x00\x05hello");
        assert!(p.rest(TC).is_empty());
    }

    #[test]
    fn socks5_byte_by_byte() {
        let mut p = SocksParser::default();
        for (d, m) in v5_exchange() {
            for b in m {
                p.feed(d, &[b]);
            }
        }
        assert!(p.handed_over());
        assert_eq!(p.rest(TS), b"\x16\x03\x01\x00\x05hello");
    }

    #[test]
    fn socks4_and_4a() {
        let mut p = run(&[
            (TS, b"\x04\x01\x01\xbb\x5d\xb8\xd8\x22bob\x00".to_vec()),
            (TC, b"\x00\x5a\x00\x00\x00\x00\x00\x00GET".to_vec()),
        ]);
        assert!(p.handed_over());
        assert_eq!(p.rest(TC), b"GET");
        let p = run(&[
            (
                TS,
                b"\x04\x01\x00\x50\x00\x00\x00\x01\x00example.org\x00".to_vec(),
            ),
            (TC, b"\x00\x5a\x00\x00\x00\x00\x00\x00".to_vec()),
        ]);
        assert!(p.handed_over());
        // Refused.
        let p = run(&[
            (TS, b"\x04\x01\x00\x50\x01\x02\x03\x04\x00".to_vec()),
            (TC, b"\x00\x5b\x00\x00\x00\x00\x00\x00".to_vec()),
        ]);
        assert!(!p.handed_over() && p.is_done());
    }

    #[test]
    fn refusals_and_other_commands_are_not_followed() {
        // No acceptable method.
        let p = run(&[(TS, b"\x05\x01\x00".to_vec()), (TC, b"\x05\xff".to_vec())]);
        assert!(p.is_done() && !p.handed_over());
        // Connection refused (reply 5).
        let p = run(&[
            (TS, b"\x05\x01\x00".to_vec()),
            (TC, b"\x05\x00".to_vec()),
            (TS, b"\x05\x01\x00\x01\x01\x02\x03\x04\x00\x50".to_vec()),
            (TC, b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00".to_vec()),
        ]);
        assert!(p.is_done() && !p.handed_over());
        // UDP ASSOCIATE.
        let p = run(&[
            (TS, b"\x05\x01\x00".to_vec()),
            (TC, b"\x05\x00".to_vec()),
            (TS, b"\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00".to_vec()),
            (TC, b"\x05\x00\x00\x01\x01\x02\x03\x04\x10\x00".to_vec()),
        ]);
        assert!(p.is_done() && !p.handed_over());
    }

    #[test]
    fn probe_tells_socks_from_lookalikes() {
        assert_eq!(probe(b"\x05\x01\x00", TS), Probe::Yes);
        assert_eq!(probe(b"\x05\x02\x00", TS), Probe::NeedMore);
        assert_eq!(probe(b"\x05\x01\x00", TC), Probe::No);
        // Optimistic client: greeting and request together.
        assert_eq!(
            probe(b"\x05\x01\x00\x05\x01\x00\x01\x01\x02\x03\x04\x00\x50", TS),
            Probe::Yes
        );
        // DCE/RPC 5.0 and 5.1 headers.
        assert_eq!(probe(b"\x05\x00\x0b\x03\x10\x00\x00\x00", TS), Probe::No);
        assert_eq!(probe(b"\x05\x01\x00\x03\x10\x00\x00\x00", TS), Probe::No);
        assert_eq!(
            probe(b"\x04\x01\x00\x50\x01\x02\x03\x04ab", TS),
            Probe::NeedMore
        );
        assert_eq!(
            probe(b"\x04\x01\x00\x50\x01\x02\x03\x04ab\x00", TS),
            Probe::Yes
        );
        assert_eq!(probe(b"\x04\x03", TS), Probe::No);
    }

    proptest! {
        /// Any bytes, any split, either direction: no panic, and what is held stays bounded.
        #[test]
        fn never_panics(chunks in proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..64)), 0..20)) {
            let mut p = SocksParser::default();
            for (ts, c) in &chunks {
                let d = if *ts { TS } else { TC };
                let _ = probe(c, d);
                p.feed(d, c);
                prop_assert!(p.held.iter().all(|h| h.len() <= MAX_HELD));
            }
            let _ = p.rest(TS);
        }

        /// The handshake parses the same whatever the split.
        #[test]
        fn any_split(cuts in proptest::collection::vec(0usize..40, 7)) {
            let mut p = SocksParser::default();
            for ((d, m), cut) in v5_exchange().into_iter().zip(cuts) {
                let c = cut.min(m.len());
                p.feed(d, &m[..c]);
                p.feed(d, &m[c..]);
            }
            prop_assert!(p.handed_over());
            prop_assert_eq!(p.rest(TS), b"\x16\x03\x01\x00\x05hello".to_vec());
        }
    }
}
