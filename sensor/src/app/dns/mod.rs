//! DNS over UDP and TCP.
//!
//! - [`DnsMessage`]: zero-panic parser of one message (header, questions, answer, authority
//!   and additional records; A, AAAA, CNAME, NS, PTR, MX, TXT, SOA, SRV and SSHFP rdata
//!   decoded, other types kept raw), with strict, linear name decompression ([`name`]).
//! - [`probe_udp`], [`probe_tcp`]: recognise DNS by content on any port.
//! - [`DnsTcpParser`]: per-flow framing of DNS over TCP (2-byte length prefix).
//! - [`write_eve_dns`]: EVE `dns` objects in Suricata 7's format version 2.
//!
//! Names are exposed as Suricata renders them: labels joined by '.', no trailing dot, the
//! bytes as sent ([`Name::as_bytes`] is the `dns.query` buffer), with label boundaries kept.
//!
//! ```
//! use sensor::app::dns::{write_eve_dns, DnsMessage, DnsTcpParser, RData};
//! use sensor::app::Direction;
//!
//! // One DnsMessage per worker: parsing reuses its buffers.
//! let mut msg = DnsMessage::new();
//! let query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03com\x00\x00\x01\x00\x01";
//! msg.parse(query).unwrap();
//! assert_eq!(msg.query_name(), Some(&b"www.example.com"[..]));
//! let mut eve = Vec::new();
//! assert!(write_eve_dns(&msg, 0, &mut eve));
//! assert!(eve.starts_with(br#""dns":{"version":2,"type":"query","id":4660"#));
//!
//! // Over TCP, one parser per flow; bytes may be split anywhere.
//! let mut tcp = DnsTcpParser::new();
//! let mut framed = (query.len() as u16).to_be_bytes().to_vec();
//! framed.extend_from_slice(query);
//! let mut seen = 0;
//! for chunk in framed.chunks(5) {
//!     tcp.feed(Direction::ToServer, chunk, &mut msg, |m| {
//!         let m = m.unwrap();
//!         for r in m.answers() {
//!             if let RData::A(ip) = r.rdata { println!("{ip}"); }
//!         }
//!         seen += 1;
//!     });
//! }
//! assert_eq!(seen, 1);
//! ```

mod eve;
mod message;
pub mod name;
mod probe;
mod tcp;
pub mod types;

pub(crate) use eve::write_json_bytes;
pub use eve::{eve_record_count, write_eve_dns, write_eve_dns_record};
pub use message::{
    DnsError, DnsMessage, Header, Question, RData, Record, Records, Section, Soa, Txt, TxtStrings,
    HEADER_LEN, MAX_MESSAGE_LEN,
};
pub use name::{Labels, Name, NameError};
pub use probe::{probe_tcp, probe_udp, Probe};
pub use tcp::{DnsTcpParser, TcpDirStats};

#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;
