//! DNS message parsing (RFC 1035 4.1) into a reusable, owned `DnsMessage`.
//!
//! `DnsMessage::parse` copies the message once, decodes names into an arena and records into
//! vectors that keep their capacity, so a parser reused across packets stops allocating after
//! warm-up. Everything is bounds-checked; no input panics, and the work is linear in the
//! message length (each record consumes at least 11 bytes, each name is at most 255 bytes
//! and pointer jumps share one budget per message).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::name::{read_name, Name, NameArena, NameError, NameRef};
use super::types::rrtype;

/// Length of the fixed header.
pub const HEADER_LEN: usize = 12;
/// Largest DNS message (the TCP length prefix and the UDP length are 16 bits).
pub const MAX_MESSAGE_LEN: usize = u16::MAX as usize;

/// The fixed 12-byte header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Header {
    pub id: u16,
    /// The raw flags word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode).
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    /// Reads the header from the first 12 bytes, `None` if there are fewer.
    pub fn parse(b: &[u8]) -> Option<Header> {
        let h = b.get(..HEADER_LEN)?;
        let w = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
        Some(Header {
            id: w(0),
            flags: w(2),
            qdcount: w(4),
            ancount: w(6),
            nscount: w(8),
            arcount: w(10),
        })
    }

    /// QR: the message is a response.
    pub fn qr(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }
    /// AA: authoritative answer.
    pub fn aa(&self) -> bool {
        self.flags & 0x0400 != 0
    }
    /// TC: truncated (the client should retry over TCP).
    pub fn tc(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    /// RD: recursion desired.
    pub fn rd(&self) -> bool {
        self.flags & 0x0100 != 0
    }
    /// RA: recursion available.
    pub fn ra(&self) -> bool {
        self.flags & 0x0080 != 0
    }
    /// Z: the reserved bit.
    pub fn z(&self) -> bool {
        self.flags & 0x0040 != 0
    }
    /// AD: authentic data (DNSSEC).
    pub fn ad(&self) -> bool {
        self.flags & 0x0020 != 0
    }
    /// CD: checking disabled (DNSSEC).
    pub fn cd(&self) -> bool {
        self.flags & 0x0010 != 0
    }
    /// The 4-bit header response code.
    pub fn rcode(&self) -> u8 {
        (self.flags & 0xf) as u8
    }
}

/// Message sections, for error reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Question,
    Answer,
    Authority,
    Additional,
}

/// Why a message could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DnsError {
    /// Shorter than the 12-byte header.
    TooShort,
    /// Longer than 65535 bytes, which no transport can carry.
    TooLong,
    /// A section ended before the number of entries its header count announced.
    Truncated(Section),
    /// An owner name, or a name inside rdata, failed to decode.
    Name(Section, NameError),
    /// The rdata of a decoded type (MX, TXT, SOA, SRV, SSHFP) does not fit its length.
    BadRdata(Section, u16),
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::TooShort => f.write_str("shorter than a DNS header"),
            DnsError::TooLong => f.write_str("longer than 65535 bytes"),
            DnsError::Truncated(s) => write!(f, "{s:?} section truncated"),
            DnsError::Name(s, e) => write!(f, "{s:?} section: {e}"),
            DnsError::BadRdata(s, t) => write!(f, "{s:?} section: malformed rdata of type {t}"),
        }
    }
}

impl std::error::Error for DnsError {}

#[derive(Clone, Copy, Debug)]
struct QuestionRaw {
    name: NameRef,
    qtype: u16,
    qclass: u16,
}

#[derive(Clone, Copy, Debug)]
enum RDataRaw {
    A([u8; 4]),
    Aaaa([u8; 16]),
    /// CNAME, NS or PTR, told apart by the record type.
    Name(NameRef),
    Mx(u16, NameRef),
    /// `valid` bytes of rdata hold complete character-strings.
    Txt {
        valid: u16,
    },
    Soa {
        mname: NameRef,
        rname: NameRef,
        nums: [u32; 5],
    },
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: NameRef,
    },
    Sshfp {
        algorithm: u8,
        fp_type: u8,
    },
    Other,
}

#[derive(Clone, Copy, Debug)]
struct RecordRaw {
    name: NameRef,
    rtype: u16,
    class: u16,
    ttl: u32,
    rdata_off: u32,
    rdlength: u16,
    rdata: RDataRaw,
}

/// A parsed DNS message. Create one per worker (or per flow) and call [`DnsMessage::parse`]
/// for each message; buffers are reused.
#[derive(Debug, Default)]
pub struct DnsMessage {
    raw: Vec<u8>,
    header: Header,
    names: NameArena,
    questions: Vec<QuestionRaw>,
    /// Answers, then authorities, then additionals.
    records: Vec<RecordRaw>,
    an_end: usize,
    ns_end: usize,
    end: usize,
    additional_error: Option<DnsError>,
    valid: bool,
}

impl DnsMessage {
    pub fn new() -> DnsMessage {
        DnsMessage::default()
    }

    /// Parses one whole message (a UDP payload, or a TCP message without its length prefix).
    ///
    /// Errors in the header, question, answer or authority sections fail the message; what
    /// was decoded before the error stays readable but `is_valid()` is false. A malformed
    /// additional section does not fail it (Suricata 7 does not read that section): the
    /// additionals decoded so far are kept and `additional_error()` says what went wrong.
    /// Bytes after the last section are ignored (`trailing_len()`).
    pub fn parse(&mut self, buf: &[u8]) -> Result<(), DnsError> {
        self.clear();
        if buf.len() > MAX_MESSAGE_LEN {
            return Err(DnsError::TooLong);
        }
        let header = Header::parse(buf).ok_or(DnsError::TooShort)?;
        self.header = header;
        self.raw.extend_from_slice(buf);
        let Self {
            raw,
            names,
            questions,
            records,
            an_end,
            ns_end,
            end,
            additional_error,
            valid,
            ..
        } = self;
        let msg = &raw[..];
        // Real messages need well under a jump per byte; the cap keeps hostile ones linear.
        let mut jumps = 256 + 4 * msg.len() as u32;
        let mut pos = HEADER_LEN;

        for _ in 0..header.qdcount {
            let (name, p) = read_name(msg, pos, msg.len(), names, &mut jumps)
                .map_err(|e| DnsError::Name(Section::Question, e))?;
            let f = msg
                .get(p..p + 4)
                .ok_or(DnsError::Truncated(Section::Question))?;
            questions.push(QuestionRaw {
                name,
                qtype: u16::from_be_bytes([f[0], f[1]]),
                qclass: u16::from_be_bytes([f[2], f[3]]),
            });
            pos = p + 4;
        }
        for _ in 0..header.ancount {
            pos = read_record(msg, pos, Section::Answer, names, &mut jumps, records)?;
            *an_end = records.len();
        }
        *ns_end = records.len();
        for _ in 0..header.nscount {
            pos = read_record(msg, pos, Section::Authority, names, &mut jumps, records)?;
            *ns_end = records.len();
        }
        for _ in 0..header.arcount {
            match read_record(msg, pos, Section::Additional, names, &mut jumps, records) {
                Ok(p) => pos = p,
                Err(e) => {
                    *additional_error = Some(e);
                    break;
                }
            }
        }
        *end = pos;
        *valid = true;
        Ok(())
    }

    fn clear(&mut self) {
        self.raw.clear();
        self.header = Header::default();
        self.names.clear();
        self.questions.clear();
        self.records.clear();
        self.an_end = 0;
        self.ns_end = 0;
        self.end = 0;
        self.additional_error = None;
        self.valid = false;
    }

    /// Capacities of the reusable buffers, to check that parsing stops allocating.
    #[cfg(test)]
    pub(crate) fn capacities(&self) -> [usize; 4] {
        [
            self.raw.capacity(),
            self.names.capacity(),
            self.questions.capacity(),
            self.records.capacity(),
        ]
    }

    /// True when the last `parse` succeeded.
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// The message bytes as parsed.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// QR bit: the message is a response.
    pub fn is_response(&self) -> bool {
        self.header.qr()
    }

    /// The 4-bit header response code.
    pub fn rcode(&self) -> u8 {
        self.header.rcode()
    }

    /// The questions, in order.
    pub fn questions(&self) -> impl ExactSizeIterator<Item = Question<'_>> + '_ {
        self.questions.iter().map(|q| self.question_view(q))
    }

    pub fn question(&self, i: usize) -> Option<Question<'_>> {
        self.questions.get(i).map(|q| self.question_view(q))
    }

    /// Dotted name of the first question: the `dns.query` detection buffer.
    pub fn query_name(&self) -> Option<&[u8]> {
        self.question(0).map(|q| q.name.as_bytes())
    }

    /// Type of the first question.
    pub fn qtype(&self) -> Option<u16> {
        self.questions.first().map(|q| q.qtype)
    }

    pub fn answers(&self) -> Records<'_> {
        self.records_in(0, self.an_end)
    }

    pub fn authorities(&self) -> Records<'_> {
        self.records_in(self.an_end, self.ns_end.max(self.an_end))
    }

    /// Additional records decoded (possibly fewer than announced, see `additional_error`).
    pub fn additionals(&self) -> Records<'_> {
        self.records_in(self.ns_end.max(self.an_end), self.records.len())
    }

    /// Why decoding of the additional section stopped early, if it did.
    pub fn additional_error(&self) -> Option<DnsError> {
        self.additional_error
    }

    /// Bytes after the last decoded section (0 unless the sender padded or smuggled data).
    pub fn trailing_len(&self) -> usize {
        if self.valid {
            self.raw.len().saturating_sub(self.end)
        } else {
            0
        }
    }

    /// Total bytes of TXT character-strings in the answer section (tunnelling indicator).
    pub fn answer_txt_len(&self) -> usize {
        self.answers()
            .filter_map(|r| match r.rdata {
                RData::Txt(t) => Some(t.total_len()),
                _ => None,
            })
            .sum()
    }

    fn question_view(&self, q: &QuestionRaw) -> Question<'_> {
        Question {
            name: self.names.get(q.name),
            qtype: q.qtype,
            qclass: q.qclass,
        }
    }

    fn records_in(&self, from: usize, to: usize) -> Records<'_> {
        Records {
            msg: self,
            recs: self.records.get(from..to).unwrap_or_default(),
        }
    }

    fn record_view(&self, r: &RecordRaw) -> Record<'_> {
        let off = r.rdata_off as usize;
        let bytes = self
            .raw
            .get(off..off + r.rdlength as usize)
            .unwrap_or_default();
        let name = |n| self.names.get(n);
        let rdata = match r.rdata {
            RDataRaw::A(a) => RData::A(Ipv4Addr::from(a)),
            RDataRaw::Aaaa(a) => RData::Aaaa(Ipv6Addr::from(a)),
            RDataRaw::Name(n) => match r.rtype {
                rrtype::CNAME => RData::Cname(name(n)),
                rrtype::NS => RData::Ns(name(n)),
                _ => RData::Ptr(name(n)),
            },
            RDataRaw::Mx(preference, n) => RData::Mx {
                preference,
                exchange: name(n),
            },
            RDataRaw::Txt { valid } => RData::Txt(Txt {
                data: bytes.get(..valid as usize).unwrap_or_default(),
                trailing: bytes.len() - (valid as usize).min(bytes.len()),
            }),
            RDataRaw::Soa { mname, rname, nums } => RData::Soa(Soa {
                mname: name(mname),
                rname: name(rname),
                serial: nums[0],
                refresh: nums[1],
                retry: nums[2],
                expire: nums[3],
                minimum: nums[4],
            }),
            RDataRaw::Srv {
                priority,
                weight,
                port,
                target,
            } => RData::Srv {
                priority,
                weight,
                port,
                target: name(target),
            },
            RDataRaw::Sshfp { algorithm, fp_type } => RData::Sshfp {
                algorithm,
                fp_type,
                fingerprint: bytes.get(2..).unwrap_or_default(),
            },
            RDataRaw::Other => RData::Other(bytes),
        };
        Record {
            name: self.names.get(r.name),
            rtype: r.rtype,
            class: r.class,
            ttl: r.ttl,
            rdata,
            rdata_bytes: bytes,
        }
    }
}

fn read_record(
    msg: &[u8],
    pos: usize,
    section: Section,
    names: &mut NameArena,
    jumps: &mut u32,
    out: &mut Vec<RecordRaw>,
) -> Result<usize, DnsError> {
    let (name, p) =
        read_name(msg, pos, msg.len(), names, jumps).map_err(|e| DnsError::Name(section, e))?;
    let f = msg.get(p..p + 10).ok_or(DnsError::Truncated(section))?;
    let rtype = u16::from_be_bytes([f[0], f[1]]);
    let class = u16::from_be_bytes([f[2], f[3]]);
    let ttl = u32::from_be_bytes([f[4], f[5], f[6], f[7]]);
    let rdlength = u16::from_be_bytes([f[8], f[9]]);
    let off = p + 10;
    let end = off + rdlength as usize;
    let rd = msg.get(off..end).ok_or(DnsError::Truncated(section))?;
    let rdata = read_rdata(msg, rtype, off, rd, names, jumps).map_err(|e| match e {
        RdataError::Name(e) => DnsError::Name(section, e),
        RdataError::Bad => DnsError::BadRdata(section, rtype),
    })?;
    out.push(RecordRaw {
        name,
        rtype,
        class,
        ttl,
        rdata_off: off as u32,
        rdlength,
        rdata,
    });
    Ok(end)
}

enum RdataError {
    Name(NameError),
    Bad,
}

impl From<NameError> for RdataError {
    fn from(e: NameError) -> Self {
        RdataError::Name(e)
    }
}

/// Decodes the rdata `rd` found at `off` in `msg`. Names inside must end within the rdata;
/// bytes left over after a decoded form are tolerated, as Suricata does. Empty rdata is valid
/// for every type (dynamic updates delete with it) and comes back as `Other`.
fn read_rdata(
    msg: &[u8],
    rtype: u16,
    off: usize,
    rd: &[u8],
    names: &mut NameArena,
    jumps: &mut u32,
) -> Result<RDataRaw, RdataError> {
    let end = off + rd.len();
    if rd.is_empty() {
        return Ok(RDataRaw::Other);
    }
    let u16_at = |i: usize| rd.get(i..i + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    Ok(match rtype {
        rrtype::A => match <[u8; 4]>::try_from(rd) {
            Ok(a) => RDataRaw::A(a),
            Err(_) => RDataRaw::Other,
        },
        rrtype::AAAA => match <[u8; 16]>::try_from(rd) {
            Ok(a) => RDataRaw::Aaaa(a),
            Err(_) => RDataRaw::Other,
        },
        rrtype::CNAME | rrtype::NS | rrtype::PTR => {
            RDataRaw::Name(read_name(msg, off, end, names, jumps)?.0)
        }
        rrtype::MX => {
            let pref = u16_at(0).ok_or(RdataError::Bad)?;
            RDataRaw::Mx(pref, read_name(msg, off + 2, end, names, jumps)?.0)
        }
        rrtype::TXT => {
            let mut p = 0;
            while let Some(&l) = rd.get(p) {
                if p + 1 + l as usize > rd.len() {
                    break;
                }
                p += 1 + l as usize;
            }
            if p == 0 {
                return Err(RdataError::Bad);
            }
            RDataRaw::Txt { valid: p as u16 }
        }
        rrtype::SOA => {
            let (mname, p) = read_name(msg, off, end, names, jumps)?;
            let (rname, p) = read_name(msg, p, end, names, jumps)?;
            let b = msg.get(p..p + 20).filter(|_| p + 20 <= end);
            let b = b.ok_or(RdataError::Bad)?;
            let n = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
            RDataRaw::Soa {
                mname,
                rname,
                nums: [n(0), n(4), n(8), n(12), n(16)],
            }
        }
        rrtype::SRV => {
            let (priority, weight, port) = match (u16_at(0), u16_at(2), u16_at(4)) {
                (Some(a), Some(b), Some(c)) => (a, b, c),
                _ => return Err(RdataError::Bad),
            };
            RDataRaw::Srv {
                priority,
                weight,
                port,
                target: read_name(msg, off + 6, end, names, jumps)?.0,
            }
        }
        rrtype::SSHFP => match rd {
            [algorithm, fp_type, ..] => RDataRaw::Sshfp {
                algorithm: *algorithm,
                fp_type: *fp_type,
            },
            _ => return Err(RdataError::Bad),
        },
        _ => RDataRaw::Other,
    })
}

/// A question entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question<'m> {
    pub name: Name<'m>,
    pub qtype: u16,
    /// Class; for mDNS the top bit is the "unicast response" flag.
    pub qclass: u16,
}

/// A resource record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'m> {
    pub name: Name<'m>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub rdata: RData<'m>,
    /// The undecoded rdata (its length is the RDLENGTH field).
    pub rdata_bytes: &'m [u8],
}

impl Record<'_> {
    /// The address of an A or AAAA record.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.rdata {
            RData::A(a) => Some(IpAddr::V4(a)),
            RData::Aaaa(a) => Some(IpAddr::V6(a)),
            _ => None,
        }
    }
}

/// Decoded rdata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RData<'m> {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(Name<'m>),
    Ns(Name<'m>),
    Ptr(Name<'m>),
    Mx {
        preference: u16,
        exchange: Name<'m>,
    },
    Txt(Txt<'m>),
    Soa(Soa<'m>),
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: Name<'m>,
    },
    Sshfp {
        algorithm: u8,
        fp_type: u8,
        fingerprint: &'m [u8],
    },
    /// Every other type, NULL, empty rdata, and A/AAAA of the wrong length: the raw bytes.
    Other(&'m [u8]),
}

/// SOA rdata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Soa<'m> {
    pub mname: Name<'m>,
    pub rname: Name<'m>,
    pub serial: u32,
    pub refresh: u32,
    pub retry: u32,
    pub expire: u32,
    pub minimum: u32,
}

/// TXT rdata: one or more character-strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Txt<'m> {
    data: &'m [u8],
    trailing: usize,
}

impl<'m> Txt<'m> {
    /// The character-strings, in order, without their length bytes.
    pub fn strings(&self) -> TxtStrings<'m> {
        TxtStrings { rest: self.data }
    }

    /// Number of character-strings.
    pub fn count(&self) -> usize {
        self.strings().count()
    }

    /// Sum of the strings' lengths.
    pub fn total_len(&self) -> usize {
        self.data.len() - self.count()
    }

    /// Longest string.
    pub fn max_len(&self) -> usize {
        self.strings().map(<[u8]>::len).max().unwrap_or(0)
    }

    /// Bytes after the last complete string (a length byte that overran the rdata).
    pub fn trailing_len(&self) -> usize {
        self.trailing
    }
}

/// Iterator over TXT character-strings.
#[derive(Clone, Debug)]
pub struct TxtStrings<'m> {
    rest: &'m [u8],
}

impl<'m> Iterator for TxtStrings<'m> {
    type Item = &'m [u8];

    fn next(&mut self) -> Option<&'m [u8]> {
        let (&l, rest) = self.rest.split_first()?;
        let s = rest.get(..l as usize)?;
        self.rest = &rest[l as usize..];
        Some(s)
    }
}

/// The records of one section.
#[derive(Clone, Copy)]
pub struct Records<'m> {
    msg: &'m DnsMessage,
    recs: &'m [RecordRaw],
}

impl<'m> Records<'m> {
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<Record<'m>> {
        self.recs.get(i).map(|r| self.msg.record_view(r))
    }
}

impl<'m> Iterator for Records<'m> {
    type Item = Record<'m>;

    fn next(&mut self) -> Option<Record<'m>> {
        let (r, rest) = self.recs.split_first()?;
        self.recs = rest;
        Some(self.msg.record_view(r))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.recs.len(), Some(self.recs.len()))
    }
}

impl ExactSizeIterator for Records<'_> {}

impl fmt::Debug for Records<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(*self).finish()
    }
}
