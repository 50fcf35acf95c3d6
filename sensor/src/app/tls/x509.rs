//! Just enough DER to log a server certificate the way Suricata 7 does: subject and issuer as
//! `C=US, O=Org, CN=name` (x509-parser's formatting), serial as upper-case colon hex, SHA-1
//! fingerprint as lower-case colon hex, validity as `YYYY-MM-DDTHH:MM:SS` (UTC).

use std::fmt::Write;

use sha1::{Digest, Sha1};

use super::reader::Reader;

/// Fields of the first certificate of a server's Certificate message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// SHA-1 of the DER; `None` when the certificate was larger than what is kept.
    pub fingerprint: Option<String>,
    pub not_before: String,
    pub not_after: String,
}

const TAG_INTEGER: u8 = 0x02;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_VERSION: u8 = 0xa0;

/// One DER element: (tag, contents). Only low tag numbers and definite lengths (DER).
fn tlv<'a>(r: &mut Reader<'a>) -> Option<(u8, &'a [u8])> {
    let tag = r.u8()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let first = r.u8()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for &b in r.take(n)? {
            len = (len << 8) | b as usize;
        }
        len
    };
    Some((tag, r.take(len)?))
}

fn expect<'a>(r: &mut Reader<'a>, tag: u8) -> Option<&'a [u8]> {
    let (t, v) = tlv(r)?;
    (t == tag).then_some(v)
}

/// Parses a DER certificate; `None` if its structure is not that of an X.509 certificate.
pub fn parse_certificate(der: &[u8]) -> Option<Certificate> {
    parse_certificate_prefix(der, der.len())
}

/// Parses the first `der.len()` bytes of a certificate that is `full_len` long. The names,
/// serial and validity come first, so a prefix is enough for them (a huge certificate, e.g.
/// padded with names, does not hide its subject); only the fingerprint needs it whole.
pub fn parse_certificate_prefix(der: &[u8], full_len: usize) -> Option<Certificate> {
    let complete = der.len() == full_len;
    let mut outer = Reader::new(der);
    let mut cert = Reader::new(sequence_prefix(&mut outer, complete)?);
    let mut tbs = Reader::new(sequence_prefix(&mut cert, complete)?);
    let (mut tag, mut value) = tlv(&mut tbs)?;
    if tag == TAG_VERSION {
        (tag, value) = tlv(&mut tbs)?;
    }
    if tag != TAG_INTEGER {
        return None;
    }
    let serial = colon_hex(value, true);
    expect(&mut tbs, TAG_SEQUENCE)?; // signature algorithm
    let issuer = name(expect(&mut tbs, TAG_SEQUENCE)?)?;
    let mut validity = Reader::new(expect(&mut tbs, TAG_SEQUENCE)?);
    let not_before = time(&mut validity)?;
    let not_after = time(&mut validity)?;
    let subject = name(expect(&mut tbs, TAG_SEQUENCE)?)?;
    Some(Certificate {
        subject,
        issuer,
        serial,
        fingerprint: complete.then(|| colon_hex(&Sha1::digest(der), false)),
        not_before,
        not_after,
    })
}

/// A SEQUENCE's contents; when the input is a truncated prefix, whatever of them is there.
fn sequence_prefix<'a>(r: &mut Reader<'a>, complete: bool) -> Option<&'a [u8]> {
    if complete {
        return expect(r, TAG_SEQUENCE);
    }
    if r.u8()? != TAG_SEQUENCE {
        return None;
    }
    let first = r.u8()?;
    if first & 0x80 != 0 {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        r.take(n)?;
    }
    Some(r.rest())
}

fn colon_hex(b: &[u8], upper: bool) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = if upper {
            write!(s, "{x:02X}")
        } else {
            write!(s, "{x:02x}")
        };
    }
    s
}

/// RDNs joined with ", ", attributes of a multi-valued RDN with " + ".
fn name(seq: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut rdns = Reader::new(seq);
    while !rdns.is_empty() {
        let mut set = Reader::new(expect(&mut rdns, TAG_SET)?);
        if !out.is_empty() {
            out.push_str(", ");
        }
        let mut first = true;
        while !set.is_empty() {
            let mut atv = Reader::new(expect(&mut set, TAG_SEQUENCE)?);
            let oid = expect(&mut atv, TAG_OID)?;
            let (tag, value) = tlv(&mut atv)?;
            if !first {
                out.push_str(" + ");
            }
            first = false;
            match attribute_name(oid) {
                Some(n) => out.push_str(n),
                None => out.push_str(&oid_dotted(oid)),
            }
            out.push('=');
            attribute_value(&mut out, tag, value);
        }
    }
    Some(out)
}

fn attribute_value(out: &mut String, tag: u8, value: &[u8]) {
    match tag {
        // Numeric, Printable, T61, Videotex, IA5, Graphic, Visible, General, UTF8, ObjectDescriptor.
        0x12 | 0x13 | 0x14 | 0x15 | 0x16 | 0x19 | 0x1a | 0x1b | 0x0c | 0x07 => {
            out.push_str(&String::from_utf8_lossy(value))
        }
        // BMPString: UTF-16BE.
        0x1e => {
            let units = value
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')));
        }
        _ => {
            for b in value {
                let _ = write!(out, "{b:02X}");
            }
        }
    }
}

/// Short names x509-parser prints (its abbreviations, then oid-registry names).
fn attribute_name(oid: &[u8]) -> Option<&'static str> {
    if let [0x55, 0x04, n] = oid {
        return Some(match n {
            3 => "CN",
            4 => "surname",
            5 => "serialNumber",
            6 => "C",
            7 => "L",
            8 => "ST",
            9 => "streetAddress",
            10 => "O",
            11 => "OU",
            12 => "title",
            13 => "description",
            15 => "businessCategory",
            16 => "postalAddress",
            17 => "postalCode",
            41 => "name",
            42 => "givenName",
            43 => "initials",
            44 => "generationQualifier",
            46 => "dnQualifier",
            65 => "pseudonym",
            97 => "organizationIdentifier",
            _ => return None,
        });
    }
    Some(match oid {
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "Email",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01] => {
            "msJurisdictionLocality"
        }
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02] => {
            "msJurisdictionStateOrProvince"
        }
        [0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03] => {
            "msJurisdictionCountry"
        }
        _ => return None,
    })
}

fn oid_dotted(oid: &[u8]) -> String {
    let mut s = String::new();
    let mut acc: u64 = 0;
    let mut first = true;
    for &b in oid {
        acc = (acc << 7) | (b & 0x7f) as u64;
        if b & 0x80 != 0 {
            if acc > u64::MAX >> 8 {
                return "?".to_string();
            }
            continue;
        }
        if first {
            let (a, b) = if acc < 80 {
                (acc / 40, acc % 40)
            } else {
                (2, acc - 80)
            };
            let _ = write!(s, "{a}.{b}");
            first = false;
        } else {
            let _ = write!(s, ".{acc}");
        }
        acc = 0;
    }
    s
}

/// UTCTime (YYMMDDHHMMSSZ, 50..99 meaning 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ).
fn time(r: &mut Reader) -> Option<String> {
    let (tag, v) = tlv(r)?;
    let digits = |b: &[u8]| -> Option<u32> {
        b.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
        })
    };
    let (year, rest) = match tag {
        TAG_UTC_TIME => {
            let yy = digits(v.get(..2)?)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, v.get(2..)?)
        }
        TAG_GENERALIZED_TIME => (digits(v.get(..4)?)?, v.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2).and_then(digits);
    let (mo, d, h, mi) = (field(0)?, field(2)?, field(4)?, field(6)?);
    // Seconds are optional in BER UTCTime; DER always has them.
    let s = field(8).unwrap_or(0);
    Some(format!("{year:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_formatting() {
        assert_eq!(oid_dotted(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(
            oid_dotted(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]),
            "1.2.840.113549.1.9.1"
        );
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(parse_certificate(&[]).is_none());
        assert!(parse_certificate(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(parse_certificate(&[0x30, 0x03, 0x30, 0x01, 0x02]).is_none());
    }
}
