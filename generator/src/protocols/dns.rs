//! DNS messages (RFC 1035) with name compression: queries and responses carrying A, AAAA,
//! CNAME, MX, TXT and NS records, and an EDNS OPT record when asked.

use std::net::{Ipv4Addr, Ipv6Addr};

pub const TYPE_A: u16 = 1;
pub const TYPE_NS: u16 = 2;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_MX: u16 = 15;
pub const TYPE_TXT: u16 = 16;
pub const TYPE_AAAA: u16 = 28;
pub const TYPE_OPT: u16 = 41;

pub const RCODE_NOERROR: u8 = 0;
pub const RCODE_NXDOMAIN: u8 = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rdata {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Ns(String),
    Mx(u16, String),
    /// Character strings (each at most 255 bytes; longer ones are split).
    Txt(Vec<String>),
}

impl Rdata {
    fn rtype(&self) -> u16 {
        match self {
            Rdata::A(_) => TYPE_A,
            Rdata::Aaaa(_) => TYPE_AAAA,
            Rdata::Cname(_) => TYPE_CNAME,
            Rdata::Ns(_) => TYPE_NS,
            Rdata::Mx(..) => TYPE_MX,
            Rdata::Txt(_) => TYPE_TXT,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Record {
    pub name: String,
    pub ttl: u32,
    pub data: Rdata,
}

/// Writes a message, remembering where each name suffix was written so later names point
/// back to it (RFC 1035 section 4.1.4).
struct Writer {
    buf: Vec<u8>,
    names: Vec<(String, u16)>,
}

impl Writer {
    fn name(&mut self, name: &str) {
        let name = name.trim_end_matches('.');
        let labels: Vec<&str> = if name.is_empty() {
            Vec::new()
        } else {
            name.split('.').collect()
        };
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".").to_ascii_lowercase();
            if let Some((_, off)) = self.names.iter().find(|(n, _)| *n == suffix) {
                self.buf.extend_from_slice(&(0xc000 | *off).to_be_bytes());
                return;
            }
            if self.buf.len() < 0x3fff {
                self.names.push((suffix, self.buf.len() as u16));
            }
            let l = &labels[i].as_bytes()[..labels[i].len().min(63)];
            self.buf.push(l.len() as u8);
            self.buf.extend_from_slice(l);
        }
        self.buf.push(0);
    }

    fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    fn record(&mut self, r: &Record) {
        self.name(&r.name);
        self.u16(r.data.rtype());
        self.u16(1); // IN
        self.buf.extend_from_slice(&r.ttl.to_be_bytes());
        let len_at = self.buf.len();
        self.u16(0);
        match &r.data {
            Rdata::A(a) => self.buf.extend_from_slice(&a.octets()),
            Rdata::Aaaa(a) => self.buf.extend_from_slice(&a.octets()),
            Rdata::Cname(n) | Rdata::Ns(n) => self.name(n),
            Rdata::Mx(pref, n) => {
                self.u16(*pref);
                self.name(n);
            }
            Rdata::Txt(strings) => {
                for s in strings {
                    for part in s.as_bytes().chunks(255) {
                        self.buf.push(part.len() as u8);
                        self.buf.extend_from_slice(part);
                    }
                }
            }
        }
        let rdlen = (self.buf.len() - len_at - 2) as u16;
        self.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
    }
}

/// A DNS message.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: u16,
    pub response: bool,
    pub rcode: u8,
    pub qname: String,
    pub qtype: u16,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    /// Advertise EDNS with this UDP payload size.
    pub edns: Option<u16>,
}

impl Message {
    pub fn query(id: u16, qname: &str, qtype: u16) -> Message {
        Message {
            id,
            response: false,
            rcode: 0,
            qname: qname.into(),
            qtype,
            answers: Vec::new(),
            authority: Vec::new(),
            edns: None,
        }
    }

    /// The response to this query with the given answers.
    pub fn answer(&self, answers: Vec<Record>) -> Message {
        Message {
            response: true,
            answers,
            ..self.clone()
        }
    }

    pub fn nxdomain(&self, soa_zone: &str) -> Message {
        let ns = Record {
            name: soa_zone.into(),
            ttl: 300,
            data: Rdata::Ns(format!("ns1.{soa_zone}")),
        };
        Message {
            response: true,
            rcode: RCODE_NXDOMAIN,
            authority: vec![ns],
            ..self.clone()
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer {
            buf: Vec::with_capacity(128),
            names: Vec::new(),
        };
        w.u16(self.id);
        // QR, opcode 0, AA off, RD on, RA on in responses.
        let flags: u16 = if self.response {
            0x8180 | self.rcode as u16
        } else {
            0x0100
        };
        w.u16(flags);
        w.u16(1);
        w.u16(self.answers.len() as u16);
        w.u16(self.authority.len() as u16);
        w.u16(self.edns.is_some() as u16);
        w.name(&self.qname);
        w.u16(self.qtype);
        w.u16(1);
        for r in self.answers.iter().chain(&self.authority) {
            w.record(r);
        }
        if let Some(size) = self.edns {
            w.buf.push(0); // root
            w.u16(TYPE_OPT);
            w.u16(size);
            w.buf.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // ext rcode, version, flags, rdlen
        }
        w.buf
    }

    /// The message framed for TCP (two-byte length prefix, RFC 1035 section 4.2.2).
    pub fn encode_tcp(&self) -> Vec<u8> {
        let m = self.encode();
        let mut v = Vec::with_capacity(m.len() + 2);
        v.extend_from_slice(&(m.len() as u16).to_be_bytes());
        v.extend_from_slice(&m);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_points_back() {
        let q = Message::query(0x1234, "www.example.com", TYPE_A);
        let r = q.answer(vec![
            Record {
                name: "www.example.com".into(),
                ttl: 60,
                data: Rdata::Cname("cdn.example.com".into()),
            },
            Record {
                name: "cdn.example.com".into(),
                ttl: 60,
                data: Rdata::A(Ipv4Addr::new(192, 0, 2, 1)),
            },
        ]);
        let b = r.encode();
        // Header 12 + qname 17 + type/class 4 = 33: the first answer's name is a pointer to 12.
        assert_eq!(&b[33..35], &[0xc0, 0x0c]);
        // The CNAME target "cdn" then points at "example.com" (offset 16).
        assert_eq!(&b[45..51], &[3, b'c', b'd', b'n', 0xc0, 16]);
        // The A record's owner points at the CNAME target at offset 45.
        assert_eq!(&b[51..53], &[0xc0, 45]);
    }
}
