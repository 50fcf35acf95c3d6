//! The HTTP, TLS and DNS-over-TCP parsers behind [`AppParser`]: thin wrappers that keep what
//! the session used to keep beside each of them (the TLS record logged once, DNS messages
//! framed while feeding and handed out when drained).

use super::dns::{DnsMessage, DnsTcpParser};
use super::http::{HttpConfig, HttpParser};
use super::parser::{AppParser, Tx};
use super::registry::AppProto;
use super::tls::TlsParser;
use super::{AppStats, Direction};

/// HTTP/1.x.
pub struct Http(HttpParser);

impl Http {
    /// `after_change`: the flow already changed protocol (see `ParserConfig`).
    pub fn new(cfg: HttpConfig, after_change: bool) -> Http {
        let mut p = HttpParser::new(cfg);
        if after_change {
            p.after_protocol_change();
        }
        Http(p)
    }
}

impl AppParser for Http {
    fn proto(&self) -> AppProto {
        AppProto::Http
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        self.0.feed(dir, data);
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        self.0.gap(dir, len);
    }

    fn finish(&mut self) {
        self.0.finish();
    }

    fn drain(&mut self, _at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        // Requests first: their rules need not wait for the response.
        while let Some(tx) = self.0.next_request() {
            out(Tx::HttpRequest(tx));
        }
        while let Some(tx) = self.0.next_complete() {
            out(Tx::Http(&tx));
        }
    }

    fn is_done(&self) -> bool {
        self.0.is_tunnel()
    }

    fn handed_over(&self) -> bool {
        self.0.is_tunnel()
    }

    fn add_stats(&self, stats: &mut AppStats) {
        stats.http += *self.0.stats();
    }
}

/// TLS handshakes: the record is handed out once, when the handshake is done or, if a hello
/// was seen, when the flow ends.
#[derive(Default)]
pub struct Tls {
    parser: TlsParser,
    logged: bool,
}

impl AppParser for Tls {
    fn proto(&self) -> AppProto {
        AppProto::Tls
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        self.parser.feed(dir, data);
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        self.parser.gap(dir);
    }

    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        let p = &self.parser;
        let hello_seen = p.record().client_hello.is_some() || p.record().server_hello.is_some();
        if !self.logged && (p.is_done() || (at_end && hello_seen)) {
            self.logged = true;
            out(Tx::Tls(p));
        }
    }

    fn is_done(&self) -> bool {
        self.parser.is_done()
    }

    fn encrypted(&self) -> bool {
        self.parser.is_encrypted()
    }

    fn add_stats(&self, stats: &mut AppStats) {
        stats.tls_errors += self.parser.errors() as u64;
        stats.tls_anomalies += self.parser.anomalies() as u64;
        stats.tls_gaps += self.parser.gaps() as u64;
    }
}

/// DNS over TCP. Complete messages are copied while feeding (the framing parser lends them
/// only for the feed) and parsed again when drained: DNS over TCP is rare.
#[derive(Default)]
pub struct DnsTcp {
    parser: DnsTcpParser,
    /// Scratch for framing, and for the messages handed out.
    msg: Option<Box<DnsMessage>>,
    /// Messages parsed and not inspected yet; the flag: a message after it did not parse.
    ready: Vec<(Direction, Vec<u8>, bool)>,
    /// A message did not parse: as Suricata 7's parser error, the flow's DNS parsing ends.
    failed: bool,
}

impl DnsTcp {
    fn msg(&mut self) -> &mut DnsMessage {
        self.msg.get_or_insert_with(|| Box::new(DnsMessage::new()))
    }
}

impl AppParser for DnsTcp {
    fn proto(&self) -> AppProto {
        AppProto::Dns
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        let mut msg = self
            .msg
            .take()
            .unwrap_or_else(|| Box::new(DnsMessage::new()));
        let ready = &mut self.ready;
        let failed = &mut self.failed;
        if *failed {
            self.msg = Some(msg);
            return;
        }
        self.parser.feed(dir, data, &mut msg, |m| {
            if *failed {
                return;
            }
            match m {
                Ok(m) => ready.push((dir, m.raw().to_vec(), false)),
                Err(_) => {
                    // Suricata 7.0.10 sets `malformed_data` on the flow's latest transaction
                    // (either direction's), seen only if not inspected yet: here, one parsed
                    // from the data not yet drained. With none, the event is lost, as there.
                    if let Some(last) = ready.last_mut() {
                        last.2 = true;
                    }
                    *failed = true;
                }
            }
        });
        self.msg = Some(msg);
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        self.parser.gap(dir);
    }

    fn drain(&mut self, _at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        if self.ready.is_empty() {
            return;
        }
        let ready = std::mem::take(&mut self.ready);
        let msg = self.msg();
        for (dir, raw, malformed) in &ready {
            // Parsed once already while framing: it parses again.
            if msg.parse(raw).is_ok() {
                out(Tx::Dns {
                    msg,
                    dir: *dir,
                    malformed: *malformed,
                });
            }
        }
    }

    fn is_done(&self) -> bool {
        self.failed && self.ready.is_empty()
    }

    fn add_stats(&self, stats: &mut AppStats) {
        stats.dns_tcp.add(&self.parser.stats(Direction::ToServer));
        stats.dns_tcp.add(&self.parser.stats(Direction::ToClient));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &[u8] =
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x06google\x03com\x00\x00\x01\x00\x01";

    fn framed(msgs: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in msgs {
            out.extend_from_slice(&(m.len() as u16).to_be_bytes());
            out.extend_from_slice(m);
        }
        out
    }

    /// The messages drained, with their `malformed` flags.
    fn drained(p: &mut DnsTcp) -> Vec<(Direction, bool)> {
        let mut out = Vec::new();
        p.drain(false, &mut |tx| {
            if let Tx::Dns { dir, malformed, .. } = tx {
                out.push((dir, malformed));
            }
        });
        out
    }

    #[test]
    fn malformed_message_marks_the_undrained_one_before_it() {
        // A query and a cut one in the same data: the event rides on the first (Suricata
        // 7.0.10 alerts `malformed_data` to_server on such a segment).
        let mut p = DnsTcp::default();
        p.feed(Direction::ToServer, &framed(&[QUERY, &QUERY[..15]]));
        assert!(!p.is_done(), "the query is still to be handed out");
        assert_eq!(drained(&mut p), vec![(Direction::ToServer, true)]);
        assert!(p.is_done(), "parsing ends at the error, as Suricata's");
        // Nothing more is parsed on this flow.
        p.feed(Direction::ToServer, &framed(&[QUERY]));
        assert!(drained(&mut p).is_empty());
    }

    #[test]
    fn malformed_message_after_an_inspected_one_is_lost() {
        let mut p = DnsTcp::default();
        p.feed(Direction::ToServer, &framed(&[QUERY]));
        assert_eq!(drained(&mut p), vec![(Direction::ToServer, false)]);
        p.feed(Direction::ToServer, &framed(&[&QUERY[..15]]));
        assert!(drained(&mut p).is_empty());
        assert!(p.is_done());
        // A first message that does not parse: no transaction to carry the event.
        let mut p = DnsTcp::default();
        p.feed(Direction::ToServer, &framed(&[&QUERY[..15]]));
        assert!(drained(&mut p).is_empty());
        assert!(p.is_done());
    }

    #[test]
    fn zero_length_frames_are_stepped_over() {
        let mut p = DnsTcp::default();
        p.feed(Direction::ToServer, &framed(&[b"", QUERY, b""]));
        assert_eq!(drained(&mut p), vec![(Direction::ToServer, false)]);
        assert!(!p.is_done());
    }
}
