//! The application protocols, in one place: each protocol's name, `AppProto`, transport,
//! where Suricata 7 looks for it (any port, or only the server ports its probing parser is
//! registered on), probe and parser constructor (none for protocols only recognised).
//! Adding a protocol is a variant of [`AppProto`] and an entry in [`PROTOCOLS`] (plus its
//! probe in `recognise`, or its parser's module).
//!
//! Detection follows Suricata 7's order: the pattern protocols (any port) first, then the
//! port-bound ones, each on the first bytes of one direction, the first `Yes` winning; while one
//! says `NeedMore` a TCP direction's bytes are held (up to the session's probe limit). Over UDP
//! each datagram is probed whole, and the first one decides. A flow whose protocol has no
//! parser here still gets its `app_proto`, and rules naming that protocol apply to its packets
//! and stream (`recognise::Recognised`). DNS over UDP needs no per-flow parser: the session
//! parses each datagram.

use super::parser::{AppParser, ParserConfig, Ports, Probe};
use super::{adapters, dcerpc, dns, ftp, http, recognise, smtp, socks, ssh, tls, Direction};

/// Application protocol of a flow (`app_proto` in EVE): what protocol detection decided,
/// including undecided (`Unknown`) and gave up (`Failed`).
/// Rules name these too (header protocol, `app-layer-protocol`, sticky buffers):
/// [`AppProto::by_rule_name`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AppProto {
    /// Not decided yet (or no payload seen).
    #[default]
    Unknown,
    Http,
    Tls,
    Dns,
    Ftp,
    /// An FTP data connection, linked to its control session by an expectation
    /// (`ftp_data`), never probed.
    FtpData,
    Smtp,
    /// A SOCKS 4/4a/5 handshake (the sensor's own: Suricata 7 has no SOCKS parser).
    Socks,
    Ssh,
    Smb,
    Dcerpc,
    Http2,
    Mqtt,
    Rdp,
    Ike,
    Krb5,
    Snmp,
    Sip,
    Dhcp,
    Ntp,
    Tftp,
    Nfs,
    Imap,
    Rfb,
    Quic,
    Dnp3,
    Modbus,
    /// Payload seen, but no probe recognised it.
    Failed,
}

impl AppProto {
    /// The `app_proto` value (Suricata's name), `None` while undecided.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            AppProto::Unknown => return None,
            AppProto::Http => "http",
            AppProto::Tls => "tls",
            AppProto::Dns => "dns",
            AppProto::Ftp => "ftp",
            AppProto::FtpData => "ftp-data",
            AppProto::Smtp => "smtp",
            AppProto::Socks => "socks",
            AppProto::Ssh => "ssh",
            AppProto::Smb => "smb",
            AppProto::Dcerpc => "dcerpc",
            AppProto::Http2 => "http2",
            AppProto::Mqtt => "mqtt",
            AppProto::Rdp => "rdp",
            AppProto::Ike => "ike",
            AppProto::Krb5 => "krb5",
            AppProto::Snmp => "snmp",
            AppProto::Sip => "sip",
            AppProto::Dhcp => "dhcp",
            AppProto::Ntp => "ntp",
            AppProto::Tftp => "tftp",
            AppProto::Nfs => "nfs",
            AppProto::Imap => "imap",
            AppProto::Rfb => "rfb",
            AppProto::Quic => "quic",
            AppProto::Dnp3 => "dnp3",
            AppProto::Modbus => "modbus",
            AppProto::Failed => "failed",
        })
    }

    /// Whether the protocol is recognised over `transport`.
    pub fn over(self, transport: Transport) -> bool {
        // FTP data connections are linked by their control session, never probed.
        (self == AppProto::FtpData && transport == Transport::Tcp)
            || PROTOCOLS
                .iter()
                .any(|p| p.proto == self && p.transport == transport)
    }

    /// The protocol a rule names (in its header or `app-layer-protocol`) by Suricata's name,
    /// `http1` included: any protocol detected here, parsed or only recognised, and
    /// `ftp-data` (linked by its control session, never probed). `None` for other names, for
    /// the sensor's own SOCKS, and for DNP3 and Modbus, which Suricata's default
    /// configuration disables (Suricata 7 refuses their rules too).
    pub fn by_rule_name(name: &str) -> Option<AppProto> {
        match name {
            "http1" => return Some(AppProto::Http),
            "ftp-data" => return Some(AppProto::FtpData),
            _ => {}
        }
        PROTOCOLS
            .iter()
            .find(|p| p.enabled && p.proto != AppProto::Socks && p.proto.name() == Some(name))
            .map(|p| p.proto)
    }
}

/// Transport a protocol is probed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

/// Where a probe runs, as Suricata 7 registers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    /// Pattern-based: on any port (the port is no hint).
    AnyPort,
    /// A probing parser registered on these server ports: a requirement (elsewhere the
    /// protocol is never probed for).
    ServerPort(&'static [u16]),
}

/// A parser constructor.
pub type NewParser = fn(&ParserConfig) -> Box<dyn AppParser>;

/// One application protocol on one transport.
pub struct Protocol {
    pub proto: AppProto,
    pub transport: Transport,
    pub at: Where,
    /// Recognised by default (Suricata's default configuration disables DNP3 and Modbus).
    pub enabled: bool,
    /// Probe of the first bytes of a direction (a whole datagram over UDP).
    pub probe: fn(&[u8], Direction, Ports) -> Probe,
    /// The parser of a flow just recognised; `None`: no parser here (the flow only gets its
    /// `app_proto`).
    pub parser: Option<NewParser>,
}

impl Protocol {
    pub fn name(&self) -> &'static str {
        self.proto.name().unwrap_or("unknown")
    }

    /// The parser for a flow just recognised (one that parses nothing if the protocol has
    /// none here).
    pub fn new_parser(&self, cfg: &ParserConfig) -> Box<dyn AppParser> {
        match self.parser {
            Some(new) => new(cfg),
            None => Box::new(recognise::Recognised::new(self.proto)),
        }
    }

    fn applies(&self, transport: Transport, ports: Ports) -> bool {
        self.enabled
            && self.transport == transport
            && match self.at {
                Where::AnyPort => true,
                Where::ServerPort(list) => list.contains(&ports.server),
            }
    }
}

const fn entry(
    proto: AppProto,
    transport: Transport,
    at: Where,
    probe: fn(&[u8], Direction, Ports) -> Probe,
) -> Protocol {
    Protocol {
        proto,
        transport,
        at,
        enabled: true,
        probe,
        parser: None,
    }
}

use Transport::{Tcp, Udp};
use Where::{AnyPort, ServerPort};

/// Every protocol, in probing order: pattern protocols first, then port-bound ones (Suricata
/// runs its pattern matcher before its probing parsers). TLS and HTTP are recognised in either
/// direction.
pub static PROTOCOLS: &[Protocol] = &[
    Protocol {
        proto: AppProto::Tls,
        transport: Tcp,
        at: AnyPort,
        enabled: true,
        probe: |data, dir, _| match dir {
            Direction::ToServer => from_tls(tls::probe(data)),
            Direction::ToClient => from_tls(tls::probe_to_client(data)),
        },
        parser: Some(|_| Box::<adapters::Tls>::default()),
    },
    entry(AppProto::Http2, Tcp, AnyPort, recognise::http2),
    Protocol {
        proto: AppProto::Http,
        transport: Tcp,
        at: AnyPort,
        enabled: true,
        probe: |data, _, _| from_http(http::probe(data)),
        parser: Some(|cfg| {
            let http = crate::app::http::HttpConfig {
                files: cfg.files,
                ..cfg.http
            };
            Box::new(adapters::Http::new(http, cfg.after_change))
        }),
    },
    // Suricata 7's patterns: client commands at the stream start, and vsftpd's greeting.
    Protocol {
        proto: AppProto::Ftp,
        transport: Tcp,
        at: AnyPort,
        enabled: true,
        probe: |data, dir, _| match dir {
            Direction::ToServer => patterns(data, &[b"FEAT", b"USER ", b"PASS ", b"PORT "]),
            Direction::ToClient => patterns(data, &[b"220 ("]),
        },
        parser: Some(|_| Box::new(ftp::FtpParser::new())),
    },
    Protocol {
        proto: AppProto::Smtp,
        transport: Tcp,
        at: AnyPort,
        enabled: true,
        probe: |data, dir, _| match dir {
            Direction::ToServer => patterns(data, &[b"EHLO", b"HELO", b"QUIT"]),
            Direction::ToClient => Probe::No,
        },
        parser: Some(|cfg| Box::new(smtp::SmtpParser::with_files(cfg.files))),
    },
    Protocol {
        parser: Some(|_| Box::new(ssh::SshParser::new())),
        ..entry(AppProto::Ssh, Tcp, AnyPort, recognise::ssh)
    },
    entry(AppProto::Smb, Tcp, AnyPort, recognise::smb),
    Protocol {
        parser: Some(|_| Box::new(dcerpc::DcerpcParser::new())),
        ..entry(AppProto::Dcerpc, Tcp, AnyPort, recognise::dcerpc_tcp)
    },
    entry(AppProto::Imap, Tcp, AnyPort, recognise::imap),
    entry(AppProto::Rfb, Tcp, AnyPort, recognise::rfb),
    // Not Suricata's: a SOCKS handshake, then what the tunnel carries is detected anew.
    Protocol {
        proto: AppProto::Socks,
        transport: Tcp,
        at: AnyPort,
        enabled: true,
        probe: |data, dir, _| socks::probe(data, dir),
        parser: Some(|_| Box::<socks::SocksParser>::default()),
    },
    // Port-bound (Suricata's probing parsers).
    Protocol {
        proto: AppProto::Dns,
        transport: Tcp,
        at: ServerPort(&[53]),
        enabled: true,
        probe: |data, _, _| match dns::probe_tcp(data) {
            dns::Probe::Dns(_) => Probe::Yes,
            dns::Probe::NeedMore => Probe::NeedMore,
            dns::Probe::NotDns => Probe::No,
        },
        parser: Some(|_| Box::<adapters::DnsTcp>::default()),
    },
    entry(AppProto::Smb, Tcp, ServerPort(&[139, 445]), recognise::nbss),
    entry(AppProto::Mqtt, Tcp, ServerPort(&[1883]), recognise::mqtt),
    entry(AppProto::Rdp, Tcp, ServerPort(&[3389]), recognise::rdp),
    entry(AppProto::Krb5, Tcp, ServerPort(&[88]), recognise::krb5_tcp),
    entry(AppProto::Nfs, Tcp, ServerPort(&[2049]), recognise::nfs_tcp),
    Protocol {
        enabled: false,
        ..entry(AppProto::Dnp3, Tcp, ServerPort(&[20000]), recognise::dnp3)
    },
    Protocol {
        enabled: false,
        ..entry(AppProto::Modbus, Tcp, ServerPort(&[502]), recognise::modbus)
    },
    // UDP.
    Protocol {
        proto: AppProto::Dns,
        transport: Udp,
        at: ServerPort(&[53]),
        enabled: true,
        probe: |data, _, _| match dns::probe_udp(data) {
            dns::Probe::Dns(_) => Probe::Yes,
            _ => Probe::No,
        },
        parser: None,
    },
    entry(AppProto::Sip, Udp, ServerPort(&[5060]), recognise::sip),
    entry(AppProto::Ike, Udp, ServerPort(&[500]), recognise::ike),
    entry(AppProto::Krb5, Udp, ServerPort(&[88]), recognise::krb5_udp),
    entry(
        AppProto::Snmp,
        Udp,
        ServerPort(&[161, 162]),
        recognise::snmp,
    ),
    entry(AppProto::Dhcp, Udp, ServerPort(&[67, 68]), recognise::dhcp),
    entry(AppProto::Ntp, Udp, ServerPort(&[123]), recognise::ntp),
    entry(AppProto::Tftp, Udp, ServerPort(&[69]), recognise::tftp),
    entry(AppProto::Nfs, Udp, ServerPort(&[2049]), recognise::nfs_udp),
    entry(AppProto::Quic, Udp, ServerPort(&[443]), recognise::quic),
    Protocol {
        enabled: false,
        ..entry(AppProto::Dnp3, Udp, ServerPort(&[20000]), recognise::dnp3)
    },
];

/// Whether `data` starts with one of `pats` (ASCII case ignored), or could once more comes.
pub(super) fn patterns(data: &[u8], pats: &[&[u8]]) -> Probe {
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

/// The protocol of a stream start of direction `dir` of a TCP flow.
pub fn detect_tcp(start: &[u8], dir: Direction, ports: Ports) -> Detect {
    detect(Tcp, start, dir, ports)
}

/// The protocol of a UDP datagram of direction `dir` (a datagram is whole: `NeedMore` is no).
pub fn detect_udp(datagram: &[u8], dir: Direction, ports: Ports) -> Option<&'static Protocol> {
    match detect(Udp, datagram, dir, ports) {
        Detect::Found(p) => Some(p),
        _ => None,
    }
}

/// Whether the start of direction `dir` is `proto`, the protocol the other direction named,
/// checked first as Suricata does when it probes the second direction (that protocol's own
/// probing parser, on any port): HTTP answers as Suricata 7.0.10 took them on the corpus
/// (`HTTP/0.` or `HTTP/1.` and a digit, in any case, nothing before it), an HTTP/2 server's frames as HTTP/2 (its probing
/// parser reads the frames this sensor does not), otherwise the protocol's probe.
pub fn same_protocol(proto: AppProto, start: &[u8], dir: Direction, ports: Ports) -> Probe {
    match (proto, dir) {
        (AppProto::Http, Direction::ToClient) => {
            let n = start.len().min(8);
            let version = |b: &u8| matches!(b, b'0' | b'1');
            if !start[..n.min(5)].eq_ignore_ascii_case(&b"HTTP/"[..n.min(5)])
                || start.get(5).is_some_and(|b| !version(b))
                || start.get(6).is_some_and(|&b| b != b'.')
                || start.get(7).is_some_and(|b| !b.is_ascii_digit())
            {
                Probe::No
            } else if n < 8 {
                Probe::NeedMore
            } else {
                Probe::Yes
            }
        }
        (AppProto::Http2, Direction::ToClient) => Probe::Yes,
        _ => PROTOCOLS
            .iter()
            .find(|p| p.proto == proto && p.transport == Tcp)
            .map_or(Probe::No, |p| (p.probe)(start, dir, ports)),
    }
}

/// Bytes of a TCP direction Suricata 7's pattern matcher needs before it gives up on it (its
/// deepest pattern: `BASELINE-CONTROL ` to the server, 8 bytes to the client); a shorter
/// start that nothing recognised is undecided, not failed (measured on 7.0.10).
const PM_DEPTH_TO_SERVER: usize = 17;
const PM_DEPTH_TO_CLIENT: usize = 8;

fn detect(transport: Transport, start: &[u8], dir: Direction, ports: Ports) -> Detect {
    let depth = match (transport, dir) {
        (Udp, _) => 0,
        (Tcp, Direction::ToServer) => PM_DEPTH_TO_SERVER,
        (Tcp, Direction::ToClient) => PM_DEPTH_TO_CLIENT,
    };
    let mut need_more = start.len() < depth;
    for p in PROTOCOLS.iter().filter(|p| p.applies(transport, ports)) {
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
    fn second_direction_checks_of_the_named_protocol() {
        let ports = Ports {
            client: 40000,
            server: 80,
        };
        let c = Direction::ToClient;
        let is =
            |p: Probe, want: Probe| std::mem::discriminant(&p) == std::mem::discriminant(&want);
        // HTTP answers as Suricata 7.0.10 took them on the corpus.
        for yes in [&b"HTTP/1.1 200 OK"[..], b"http/1.0 200", b"HTTP/0.9 200"] {
            assert!(is(same_protocol(AppProto::Http, yes, c, ports), Probe::Yes));
        }
        for no in [
            &b"\r\nHTTP/1.1 200"[..],
            b"HTTP/2.0 200",
            b"HTTP/1\0.1",
            b"HTTP/1.a",
            b"<html>",
        ] {
            assert!(is(same_protocol(AppProto::Http, no, c, ports), Probe::No));
        }
        assert!(is(
            same_protocol(AppProto::Http, b"HTT", c, ports),
            Probe::NeedMore
        ));
        // A TLS server's first record is TLS in that direction, not in the other.
        let hello = b"\x16\x03\x03\x00\x31\x02";
        assert!(is(
            same_protocol(AppProto::Tls, hello, c, ports),
            Probe::Yes
        ));
        assert!(
            matches!(detect_tcp(hello, c, ports), Detect::Found(p) if p.proto == AppProto::Tls)
        );
        assert!(is(
            same_protocol(AppProto::Tls, hello, Direction::ToServer, ports),
            Probe::No
        ));
        assert!(is(
            same_protocol(AppProto::Tls, b"\x16\x03", c, ports),
            Probe::NeedMore
        ));
    }

    #[test]
    fn every_protocol_builds_its_own_parser() {
        let cfg = ParserConfig::default();
        for p in PROTOCOLS.iter().filter(|p| p.transport == Tcp) {
            assert_eq!(p.new_parser(&cfg).proto(), p.proto, "{}", p.name());
            assert!(p.proto.name().is_some());
        }
    }

    #[test]
    fn rule_names_are_the_detected_protocols() {
        let by = AppProto::by_rule_name;
        assert_eq!(by("rfb"), Some(AppProto::Rfb));
        assert_eq!(by("dcerpc"), Some(AppProto::Dcerpc));
        assert_eq!(by("ike"), Some(AppProto::Ike));
        assert_eq!(by("http"), Some(AppProto::Http));
        assert_eq!(by("http1"), Some(AppProto::Http));
        assert_eq!(by("dns"), Some(AppProto::Dns));
        assert_eq!(by("ftp-data"), Some(AppProto::FtpData));
        assert_eq!(by("socks"), None);
        assert_eq!(by("modbus"), None);
        assert_eq!(by("failed"), None);
        assert_eq!(by("unknown"), None);
        assert_eq!(by("HTTP"), None, "the caller lowercases");
        // Every name a rule can use maps back to itself.
        for p in PROTOCOLS
            .iter()
            .filter(|p| p.enabled && p.proto != AppProto::Socks)
        {
            assert_eq!(by(p.name()), Some(p.proto), "{}", p.name());
        }
    }

    fn found(d: Detect) -> Option<AppProto> {
        match d {
            Detect::Found(p) => Some(p.proto),
            _ => None,
        }
    }

    #[test]
    fn detects_by_content_on_any_port() {
        let ports = Ports {
            client: 40000,
            server: 9999,
        };
        let get = b"GET / HTTP/1.1\r\n";
        assert_eq!(
            found(detect_tcp(get, Direction::ToServer, ports)),
            Some(AppProto::Http)
        );
        assert!(matches!(
            detect_tcp(b"GE", Direction::ToServer, ports),
            Detect::NeedMore
        ));
        assert_eq!(
            found(detect_tcp(
                b"SSH-2.0-OpenSSH_9.6\r\n",
                Direction::ToClient,
                ports
            )),
            Some(AppProto::Ssh)
        );
        let h2 = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        assert_eq!(
            found(detect_tcp(h2, Direction::ToServer, ports)),
            Some(AppProto::Http2)
        );
    }

    #[test]
    fn port_bound_protocols_need_their_port() {
        let q = b"\x00\x21\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";
        let on = |server| Ports {
            client: 40000,
            server,
        };
        assert_eq!(
            found(detect_tcp(q, Direction::ToServer, on(53))),
            Some(AppProto::Dns)
        );
        assert!(matches!(
            detect_tcp(q, Direction::ToServer, on(5353)),
            Detect::No
        ));
        let udp = &q[2..];
        assert_eq!(
            detect_udp(udp, Direction::ToServer, on(53)).map(|p| p.proto),
            Some(AppProto::Dns)
        );
        assert!(detect_udp(udp, Direction::ToServer, on(5353)).is_none());
        // Modbus is disabled, as in Suricata's default configuration; a client's start
        // shorter than Suricata's deepest pattern (17 bytes) is undecided, not failed.
        let mb = b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a";
        assert!(matches!(
            detect_tcp(mb, Direction::ToServer, on(502)),
            Detect::NeedMore
        ));
        let mut two = mb.to_vec();
        two.extend_from_slice(mb);
        assert!(matches!(
            detect_tcp(&two, Direction::ToServer, on(502)),
            Detect::No
        ));
        assert!(matches!(
            detect_tcp(
                b"\x01\x02\x03\x04\x05\x06\x07\x08",
                Direction::ToClient,
                on(502)
            ),
            Detect::No
        ));
    }
}
