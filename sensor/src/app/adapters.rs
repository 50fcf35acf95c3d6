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
    pub fn new(cfg: HttpConfig) -> Http {
        Http(HttpParser::new(cfg))
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
    ready: Vec<(Direction, Vec<u8>)>,
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
        self.parser.feed(dir, data, &mut msg, |m| {
            if let Ok(m) = m {
                ready.push((dir, m.raw().to_vec()));
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
        for (dir, raw) in &ready {
            // Parsed once already while framing: it parses again.
            if msg.parse(raw).is_ok() {
                out(Tx::Dns { msg, dir: *dir });
            }
        }
    }

    fn is_done(&self) -> bool {
        false
    }

    fn add_stats(&self, stats: &mut AppStats) {
        stats.dns_tcp.add(&self.parser.stats(Direction::ToServer));
        stats.dns_tcp.add(&self.parser.stats(Direction::ToClient));
    }
}
