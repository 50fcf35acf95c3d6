//! The application protocols, in one place: each TCP protocol's name, `AppProto`, probe and
//! parser constructor. Adding a protocol is a variant of [`AppProto`] and an entry in
//! [`TCP_PROTOCOLS`] (plus its parser's module).
//!
//! Detection probes the first bytes of each direction with every protocol of the list, in
//! order, on any port: the first `Yes` wins; while one says `NeedMore` the bytes are held (up
//! to the session's probe limit). DNS over UDP needs no per-flow parser: the session parses
//! each datagram (`dns::probe_udp` recognises it).

use super::parser::{AppParser, ParserConfig, Ports, Probe};
use super::{adapters, dns, ftp, http, smtp, tls, Direction};

/// Application protocol of a flow (`app_proto` in EVE): what protocol detection decided,
/// including undecided (`Unknown`) and gave up (`Failed`), and only protocols with a parser.
/// Not [`crate::detect::rule::AppProto`], the protocol a rule asks for (which also names
/// protocols recognised only by the signature engine's hint, such as SMB and SSH).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AppProto {
    /// Not decided yet (or no payload seen).
    #[default]
    Unknown,
    Http,
    Tls,
    Dns,
    Ftp,
    Smtp,
    /// Payload seen, but no parser recognised it.
    Failed,
}

impl AppProto {
    /// The `app_proto` value, `None` while undecided.
    pub fn name(self) -> Option<&'static str> {
        match self {
            AppProto::Unknown => None,
            AppProto::Http => Some("http"),
            AppProto::Tls => Some("tls"),
            AppProto::Dns => Some("dns"),
            AppProto::Ftp => Some("ftp"),
            AppProto::Smtp => Some("smtp"),
            AppProto::Failed => Some("failed"),
        }
    }
}

/// A protocol parsed over TCP.
pub struct Protocol {
    pub proto: AppProto,
    /// Probe of the first bytes of a direction.
    pub probe: fn(&[u8], Direction, Ports) -> Probe,
    /// A parser for a flow just recognised.
    pub new: fn(&ParserConfig) -> Box<dyn AppParser>,
}

impl Protocol {
    pub fn name(&self) -> &'static str {
        self.proto.name().unwrap_or("unknown")
    }
}

/// The TCP protocols, in probing order. TLS and HTTP are recognised in either direction; DNS
/// over TCP only from the client (its probe is weaker: a length prefix and a header).
pub static TCP_PROTOCOLS: &[Protocol] = &[
    Protocol {
        proto: AppProto::Tls,
        probe: |data, _, _| from_tls(tls::probe(data)),
        new: |_| Box::<adapters::Tls>::default(),
    },
    Protocol {
        proto: AppProto::Http,
        probe: |data, _, _| from_http(http::probe(data)),
        new: |cfg| Box::new(adapters::Http::new(cfg.http)),
    },
    Protocol {
        proto: AppProto::Dns,
        probe: |data, dir, _| match dir {
            Direction::ToServer => match dns::probe_tcp(data) {
                dns::Probe::Dns(_) => Probe::Yes,
                dns::Probe::NeedMore => Probe::NeedMore,
                dns::Probe::NotDns => Probe::No,
            },
            Direction::ToClient => Probe::No,
        },
        new: |_| Box::<adapters::DnsTcp>::default(),
    },
    // Suricata 7's patterns: client commands at the stream start, and vsftpd's greeting.
    Protocol {
        proto: AppProto::Ftp,
        probe: |data, dir, _| match dir {
            Direction::ToServer => patterns(data, &[b"FEAT", b"USER ", b"PASS ", b"PORT "]),
            Direction::ToClient => patterns(data, &[b"220 ("]),
        },
        new: |_| Box::new(ftp::FtpParser::new()),
    },
    Protocol {
        proto: AppProto::Smtp,
        probe: |data, dir, _| match dir {
            Direction::ToServer => patterns(data, &[b"EHLO", b"HELO", b"QUIT"]),
            Direction::ToClient => Probe::No,
        },
        new: |_| Box::new(smtp::SmtpParser::new()),
    },
];

/// Whether `data` starts with one of `pats` (ASCII case ignored), or could once more comes.
fn patterns(data: &[u8], pats: &[&[u8]]) -> Probe {
    let mut need_more = false;
    for p in pats {
        let n = p.len().min(data.len());
        if data[..n].eq_ignore_ascii_case(&p[..n]) {
            if n == p.len() {
                return Probe::Yes;
            }
            need_more = true;
        }
    }
    if need_more {
        Probe::NeedMore
    } else {
        Probe::No
    }
}

fn from_tls(p: tls::Probe) -> Probe {
    match p {
        tls::Probe::Yes => Probe::Yes,
        tls::Probe::No => Probe::No,
        tls::Probe::NeedMore => Probe::NeedMore,
    }
}

fn from_http(p: http::Probe) -> Probe {
    match p {
        http::Probe::Yes => Probe::Yes,
        http::Probe::No => Probe::No,
        http::Probe::NeedMore => Probe::NeedMore,
    }
}

/// What probing a stream start found.
pub enum Detect {
    Found(&'static Protocol),
    NeedMore,
    No,
}

/// The protocol of a stream start of direction `dir`.
pub fn detect_tcp(start: &[u8], dir: Direction, ports: Ports) -> Detect {
    let mut need_more = false;
    for p in TCP_PROTOCOLS {
        match (p.probe)(start, dir, ports) {
            Probe::Yes => return Detect::Found(p),
            Probe::NeedMore => need_more = true,
            Probe::No => {}
        }
    }
    if need_more {
        Detect::NeedMore
    } else {
        Detect::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_builds_its_own_parser() {
        let cfg = ParserConfig::default();
        for p in TCP_PROTOCOLS {
            assert_eq!((p.new)(&cfg).proto(), p.proto, "{}", p.name());
            assert!(p.proto.name().is_some());
        }
    }

    #[test]
    fn detects_by_content_on_any_port() {
        let ports = Ports {
            client: 40000,
            server: 9999,
        };
        let get = b"GET / HTTP/1.1\r\n";
        assert!(matches!(
            detect_tcp(get, Direction::ToServer, ports),
            Detect::Found(p) if p.proto == AppProto::Http
        ));
        assert!(matches!(
            detect_tcp(b"GE", Direction::ToServer, ports),
            Detect::NeedMore
        ));
        assert!(matches!(
            detect_tcp(b"SSH-2.0-OpenSSH_9.6\r\n", Direction::ToClient, ports),
            Detect::No
        ));
        // DNS over TCP only from the client.
        let q = b"\x00\x21\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";
        assert!(matches!(
            detect_tcp(q, Direction::ToServer, ports),
            Detect::Found(p) if p.proto == AppProto::Dns
        ));
        assert!(matches!(
            detect_tcp(q, Direction::ToClient, ports),
            Detect::No
        ));
    }
}
