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
    /// ICMP type of the flow's first message from the client (ICMP flows).
    pub icmp_type: Option<u8>,
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
    /// An RDP session (encrypted, likewise).
    Rdp,
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
            LoginProto::Rdp => "rdp",
        }
    }

    /// Credentials cross the network readable.
    pub fn cleartext(self) -> bool {
        !matches!(self, LoginProto::Ssh | LoginProto::Rdp)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoginResult {
    /// Credentials sent; the answer not seen (yet).
    Attempt,
    Success,
    Failure,
}

/// Text carried by an event: a range of its batch's text buffer, so an event needs no
/// allocation of its own and a batch is recycled whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Text {
    off: u32,
    len: u32,
}

/// Events as a worker hands them over, with the text they refer to.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<Event>,
    text: String,
}

impl Batch {
    pub fn with_capacity(events: usize) -> Batch {
        Batch {
            events: Vec::with_capacity(events),
            text: String::with_capacity(events * 32),
        }
    }

    pub fn clear(&mut self) {
        self.events.clear();
        self.text.clear();
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Stores up to `max` bytes of `s` (invalid UTF-8 replaced), lower-cased if asked.
    pub fn put(&mut self, s: &[u8], lower: bool, max: usize) -> Text {
        let s = &s[..s.len().min(max)];
        let off = self.text.len();
        let cow = String::from_utf8_lossy(s);
        self.text.push_str(&cow);
        if lower {
            self.text[off..].make_ascii_lowercase();
        }
        Text {
            off: off as u32,
            len: (self.text.len() - off) as u32,
        }
    }

    /// Stores a string as it is.
    pub fn put_str(&mut self, s: &str) -> Text {
        let off = self.text.len();
        self.text.push_str(s);
        Text {
            off: off as u32,
            len: s.len() as u32,
        }
    }

    pub fn text(&self, t: Text) -> &str {
        self.text
            .get(t.off as usize..(t.off + t.len) as usize)
            .unwrap_or("")
    }
}

/// An HTTP transaction, cut down to what the detections need (texts in the batch).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HttpEvent {
    pub method: Text,
    pub host: Option<Text>,
    pub uri: Text,
    pub user_agent: Option<Text>,
    pub status: Option<u16>,
    pub req_bytes: u64,
    pub resp_bytes: u64,
    /// What the injection detector found in the request (see `inject`), if anything.
    pub injection: Option<Text>,
}

/// An HTTP transaction as the detections read it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HttpView<'a> {
    pub method: &'a str,
    pub host: Option<&'a str>,
    pub uri: &'a str,
    pub user_agent: Option<&'a str>,
    pub status: Option<u16>,
    pub req_bytes: u64,
    pub resp_bytes: u64,
    pub injection: Option<&'a str>,
}

impl HttpEvent {
    pub fn view<'a>(&self, b: &'a Batch) -> HttpView<'a> {
        HttpView {
            method: b.text(self.method),
            host: self.host.map(|t| b.text(t)),
            uri: b.text(self.uri),
            user_agent: self.user_agent.map(|t| b.text(t)),
            status: self.status,
            req_bytes: self.req_bytes,
            resp_bytes: self.resp_bytes,
            injection: self.injection.map(|t| b.text(t)),
        }
    }
}

/// A DNS message (the name lower-case, without trailing dot).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DnsEvent {
    pub qname: Text,
    pub qtype: u16,
    pub response: bool,
    pub rcode: u8,
}

/// A DNS message as the detections read it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DnsView<'a> {
    pub qname: &'a str,
    pub qtype: u16,
    pub response: bool,
    pub rcode: u8,
}

impl DnsEvent {
    pub fn view<'a>(&self, b: &'a Batch) -> DnsView<'a> {
        DnsView {
            qname: b.text(self.qname),
            qtype: self.qtype,
            response: self.response,
            rcode: self.rcode,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
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
    Http(HttpEvent),
    Dns(DnsEvent),
    /// A TLS ClientHello (`sni` lower-case).
    Tls {
        sni: Option<Text>,
    },
    Login {
        proto: LoginProto,
        result: LoginResult,
        user: Option<Text>,
    },
}

impl Conn {
    /// A stable 64-bit key (FNV-1a of the fields), for ordering ties in the merge.
    pub fn key(&self) -> u64 {
        let mut b = [0u8; 40];
        let mut n = 0;
        for ip in [self.client, self.server] {
            match ip {
                IpAddr::V4(a) => {
                    b[n..n + 4].copy_from_slice(&a.octets());
                    n += 4;
                }
                IpAddr::V6(a) => {
                    b[n..n + 16].copy_from_slice(&a.octets());
                    n += 16;
                }
            }
        }
        b[n..n + 2].copy_from_slice(&self.cport.to_be_bytes());
        b[n + 2..n + 4].copy_from_slice(&self.sport.to_be_bytes());
        b[n + 4] = self.proto;
        super::util::fnv1a(&b[..n + 5])
    }
}

impl Body {
    /// Order of kinds at the same instant (stable tie-break for the merge).
    pub fn rank(&self) -> u8 {
        match self {
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

/// One event: what, when (packet time), on which connection. Kept small (a batch holds
/// hundreds; see the size test).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub ts: Timestamp,
    pub conn: Conn,
    pub body: Body,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_stay_small_and_texts_round_trip() {
        assert!(
            std::mem::size_of::<Event>() <= 128,
            "{}",
            std::mem::size_of::<Event>()
        );
        let mut b = Batch::with_capacity(4);
        let t = b.put(b"WWW.Example.COM", true, 255);
        let u = b.put(b"\xffabc", false, 2);
        assert_eq!(b.text(t), "www.example.com");
        assert_eq!(b.text(u), "\u{fffd}a");
        let c = Conn {
            client: "10.0.0.1".parse().unwrap(),
            server: "192.0.2.1".parse().unwrap(),
            cport: 1,
            sport: 2,
            proto: 6,
        };
        let mut d = c;
        d.cport = 3;
        assert_ne!(c.key(), d.key());
        assert_eq!(c.key(), c.key());
    }
}
