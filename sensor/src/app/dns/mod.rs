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

mod eve;
mod message;
pub mod name;
mod probe;
mod tcp;
pub mod types;

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
