//! The compact events workers send to the behaviour stage: one per flow start, flow progress,
//! burst, flow end, transaction, DNS message, TLS handshake and login; never one per packet.

use std::net::IpAddr;

use crate::time::Timestamp;

/// The two ends of a flow, client (who sent first) to server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conn {
    pub client: IpAddr,
    pub server: IpAddr,
    pub cport: u16,
    pub sport: u16,
    pub proto: u8,
}

/// How a flow's connection attempt went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Nothing came back.
    Unanswered,
    /// The server refused (TCP RST without SYN-ACK).
    Rejected,
    /// The server answered (SYN-ACK, or any packet back for UDP/ICMP) but no data flowed.
    Answered,
    /// Data flowed both ways, or from an established connection.
    Conversation,
}

/// Counters of a flow so far (progress) or at its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowSummary {
    pub start: Timestamp,
    pub last: Timestamp,
    /// Bytes on the wire client to server, server to client.
    pub bytes: [u64; 2],
    pub pkts: [u64; 2],
    pub outcome: Outcome,
    /// The flow was picked up without its start (a long connection begun before capture).
    pub midstream: bool,
    /// Bytes already reported by earlier progress events of this flow (so volumes add up).
    pub reported: [u64; 2],
}

/// A login exchange in clear text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoginProto {
    Ftp,
    Smtp,
    Pop3,
    Imap,
    Telnet,
    HttpBasic,
    HttpForm,
    /// An SSH session (encrypted: the attempt is counted, never the credentials).
    Ssh,
}

impl LoginProto {
    pub fn name(self) -> &'static str {
        match self {
            LoginProto::Ftp => "ftp",
            LoginProto::Smtp => "smtp",
            LoginProto::Pop3 => "pop3",
            LoginProto::Imap => "imap",
            LoginProto::Telnet => "telnet",
            LoginProto::HttpBasic => "http-basic",
            LoginProto::HttpForm => "http-form",
            LoginProto::Ssh => "ssh",
        }
    }

    /// Credentials cross the network readable.
    pub fn cleartext(self) -> bool {
        !matches!(self, LoginProto::Ssh)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoginResult {
    /// Credentials sent; the answer not seen (yet).
    Attempt,
    Success,
    Failure,
}

/// An HTTP transaction, cut down to what the detections need.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpEvent {
    pub method: Box<str>,
    pub host: Option<Box<str>>,
    pub uri: Box<str>,
    pub user_agent: Option<Box<str>>,
    pub status: Option<u16>,
    pub req_bytes: u64,
    pub resp_bytes: u64,
    /// What the injection detector found in the request (see `inject`), if anything.
    pub injection: Option<Box<str>>,
}

/// A DNS message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DnsEvent {
    /// Lower-case query name without trailing dot.
    pub qname: Box<str>,
    pub qtype: u16,
    pub response: bool,
    pub rcode: u8,
    /// Addresses in the answer (a few).
    pub addrs: Vec<IpAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// A flow's first packet.
    FlowStart,
    /// A long or large flow, reported while it lasts (every minute or 8 MB).
    Progress(FlowSummary),
    /// Client payload after at least `burst_idle_secs` of silence in the flow (or the flow's
    /// first client payload): a check-in. `bytes`: that packet's payload; `gap_ms`: the
    /// silence before it (0 for the first).
    Burst {
        bytes: u32,
        gap_ms: u64,
    },
    FlowEnd(FlowSummary),
    Http(Box<HttpEvent>),
    Dns(Box<DnsEvent>),
    /// A TLS ClientHello (`sni` lower-case).
    Tls {
        sni: Option<Box<str>>,
    },
    Login {
        proto: LoginProto,
        result: LoginResult,
        user: Option<Box<str>>,
    },
}

impl Body {
    /// Order of kinds at the same instant (stable tie-break for the merge).
    pub fn rank(&self) -> u8 {
        match self {
            Body::FlowStart => 0,
            Body::Burst { .. } => 1,
            Body::Tls { .. } => 2,
            Body::Dns(_) => 3,
            Body::Http(_) => 4,
            Body::Login { .. } => 5,
            Body::Progress(_) => 6,
            Body::FlowEnd(_) => 7,
        }
    }
}

/// One event: what, when (packet time), on which connection.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub ts: Timestamp,
    pub conn: Conn,
    pub body: Body,
}
