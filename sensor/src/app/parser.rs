//! What every application parser offers the session: one trait, [`AppParser`], and the
//! transactions it hands out, [`Tx`].
//!
//! A parser is created once its protocol's probe said yes ([`super::registry`]), then fed the
//! reassembled, in-order bytes of both directions of one TCP flow, split anywhere, with the
//! holes reassembly could not fill reported as gaps. After each feed the session drains what is
//! ready (transactions to log and inspect, events to count) and asks whether the parser still
//! needs bytes: when it does not, reassembly of the flow stops.

use super::dns::DnsMessage;
use super::http::HttpTransaction;
use super::registry::AppProto;
use super::tls::TlsParser;
use super::{AppStats, Direction};

/// Answer of a protocol probe on the first bytes of a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// This is the protocol.
    Yes,
    /// It is not.
    No,
    /// Consistent so far, but too short to tell.
    NeedMore,
}

/// Ports of the flow, oriented client to server (probes that Suricata restricts to a port,
/// or that need it to tell look-alike protocols apart, read them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ports {
    pub client: u16,
    pub server: u16,
}

/// Settings parsers are created with.
#[derive(Clone, Copy, Debug, Default)]
pub struct ParserConfig {
    pub http: super::http::HttpConfig,
    /// Digests the files of transactions need (D46).
    pub files: super::files::FileNeeds,
    /// The flow already changed protocol (STARTTLS, an HTTP tunnel): Suricata 7 refuses a
    /// second change, so an HTTP/2 upgrade there fails (`http.failed_protocol_change`).
    pub after_change: bool,
}

/// Something a parser has ready for the session: a record to write and inspect.
pub enum Tx<'a> {
    /// An HTTP request just finished (complete or cut short); its response is still to come.
    HttpRequest(&'a HttpTransaction),
    /// A finished HTTP transaction (request and response, or what the flow had of them).
    Http(&'a HttpTransaction),
    /// A TLS handshake, once (when done, or at flow end if a hello was seen).
    Tls(&'a TlsParser),
    /// One DNS message (over TCP), from the direction given; `malformed`: a message after it
    /// in the same delivery did not parse (the event Suricata puts on the latest transaction).
    Dns {
        msg: &'a DnsMessage,
        dir: Direction,
        malformed: bool,
    },
    /// An FTP command and its reply.
    Ftp(&'a super::ftp::FtpTx),
    /// An FTP data connection, at its end.
    FtpData(&'a super::ftp_data::FtpDataTx),
    /// An SMTP transaction (a mail, or the session's commands before or after one).
    Smtp(&'a super::smtp::SmtpTx),
    /// The SSH session: `inspect` names a side whose identification line (bit 1) or HASSH
    /// (bit 2) just became complete; `log`: write the record now (once).
    Ssh {
        tx: &'a super::ssh::SshTx,
        inspect: Option<(Direction, u8, crate::events::AppEvents)>,
        log: bool,
    },
    /// A DCE/RPC call: `inspect` names the direction whose side just completed (its stub
    /// and the binding in force are what `dce_*` keywords see); `log`: write the record now.
    Dcerpc {
        tx: &'a super::dcerpc::DcerpcTx,
        binding: &'a super::dcerpc::Binding,
        inspect: Option<Direction>,
        log: bool,
    },
}

/// A parser event: something about the traffic worth counting or matching (Suricata's
/// app-layer events), named as Suricata names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParserEvent {
    pub proto: AppProto,
    pub dir: Direction,
    pub name: &'static str,
}

/// The parser events counted (`app_parser_events_total`), by protocol and Suricata's name.
pub const EVENTS: &[(AppProto, &str)] = &[
    (AppProto::Ftp, "request_command_too_long"),
    (AppProto::Ftp, "response_command_too_long"),
    (AppProto::Smtp, "max_command_line_len_exceeded"),
    (AppProto::Smtp, "max_reply_line_len_exceeded"),
    (AppProto::Smtp, "invalid_reply"),
    (AppProto::Smtp, "duplicate_fields"),
    (AppProto::Smtp, "data_command_rejected"),
    (AppProto::Smtp, "bdat_chunk_len_exceeded"),
    (AppProto::Ssh, "invalid_banner"),
    (AppProto::Ssh, "long_banner"),
    (AppProto::Ssh, "invalid_record"),
];

/// A per-flow application protocol parser.
///
/// Contract: `feed` takes in-order bytes of one direction, split anywhere; the result must not
/// depend on the split. `gap` reports `len` bytes of a direction lost. Malformed input never
/// panics, and what a parser holds is bounded.
pub trait AppParser: Send {
    /// The protocol (the flow's `app_proto`).
    fn proto(&self) -> AppProto;

    /// In-order bytes of direction `dir`.
    fn feed(&mut self, dir: Direction, data: &[u8]);

    /// `len` bytes of direction `dir` were lost.
    fn gap(&mut self, dir: Direction, len: u64);

    /// The flow ended: no more bytes in either direction. Unfinished transactions become
    /// ready.
    fn finish(&mut self) {}

    /// Hands out what is ready, in order, each once. `at_end`: the flow ended (a parser may
    /// then log what it would otherwise wait to complete).
    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>));

    /// Hands out the events raised since the last call.
    fn events(&mut self, _out: &mut dyn FnMut(ParserEvent)) {}

    /// Nothing more to parse: reassembly of the flow may stop.
    fn is_done(&self) -> bool;

    /// The stream was handed over to another protocol (an HTTP CONNECT tunnel, a 101
    /// upgrade): what follows is detected anew, and this parser, after a last `finish` and
    /// `drain`, is dropped.
    fn handed_over(&self) -> bool {
        false
    }

    /// Bytes of direction `dir` the parser received past the point where it handed the
    /// stream over: the start of what follows, detected anew.
    fn rest(&mut self, _dir: Direction) -> Vec<u8> {
        Vec::new()
    }

    /// The payload is encrypted from now on (TLS application data): content inspection of
    /// the flow stops, as Suricata's `encryption-handling: default`.
    fn encrypted(&self) -> bool {
        false
    }

    /// Hands out the data connections the control session now expects (FTP's STOR/RETR).
    fn expectations(&mut self, _out: &mut dyn FnMut(super::ftp_data::Expect)) {}

    /// Adds the parser's own counters to `stats` when it is dropped.
    fn add_stats(&self, _stats: &mut AppStats) {}
}
