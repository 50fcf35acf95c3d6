//! The anomalies Suricata 7's TLS parser raises as app-layer events, judged on the messages
//! and records the parser already holds (no copy): ClientHello framing and SNI, certificate
//! DER framing and validity times, handshake message types, clear-text heartbeats.

use super::reader::Reader;
use crate::app::Direction;
use crate::events::{AppEvent, AppEvents};

/// Handshake message types Suricata 7 parses; any other is `invalid_handshake_message`.
pub fn supported_handshake_type(t: u8) -> bool {
    matches!(
        t,
        0 | 1 | 2 | 4 | 11 | 12 | 13 | 14 | 15 | 16 | 20 | 21 | 22
    )
}

/// Events of a complete ClientHello body: a length field overrunning the message
/// (`handshake_invalid_length`), or a server_name entry that is not a host name or whose
/// name is over 255 bytes or overruns the extension. Parsing stops at the first, as Suricata's.
pub fn client_hello_events(body: &[u8]) -> AppEvents {
    let mut out = AppEvents::NONE;
    if let Err(e) = walk_client_hello(body) {
        out.set(e);
    }
    out
}

fn walk_client_hello(body: &[u8]) -> Result<(), AppEvent> {
    const LEN: AppEvent = AppEvent::TlsHandshakeInvalidLength;
    let mut r = Reader::new(body);
    r.take(2 + 32).ok_or(LEN)?;
    r.vec8().ok_or(LEN)?; // session id
    r.vec16().ok_or(LEN)?; // cipher suites
    r.vec8().ok_or(LEN)?; // compression methods
    if r.is_empty() {
        return Ok(());
    }
    let mut exts = Reader::new(r.vec16().ok_or(LEN)?);
    let mut sni_seen = false;
    while !exts.is_empty() {
        let ty = exts.u16().ok_or(LEN)?;
        let data = exts.vec16().ok_or(LEN)?;
        if ty == 0 && !sni_seen && !data.is_empty() {
            sni_seen = true;
            sni(data)?;
        }
    }
    Ok(())
}

fn sni(data: &[u8]) -> Result<(), AppEvent> {
    let mut r = Reader::new(data);
    r.u16().ok_or(AppEvent::TlsHandshakeInvalidLength)?; // list length
    if r.u8().ok_or(AppEvent::TlsHandshakeInvalidLength)? != 0 {
        return Err(AppEvent::TlsInvalidSniType);
    }
    let len = r.u16().ok_or(AppEvent::TlsInvalidSniLength)? as usize;
    if len > 255 || len > r.rest().len() {
        return Err(AppEvent::TlsInvalidSniLength);
    }
    Ok(())
}

/// Events of a Certificate message body's first certificate (`complete`: the whole message,
/// not a kept prefix): a certificate longer than what follows it, or whose DER does not frame as a certificate,
/// is `invalid_certificate`; a validity time that is not a valid time,
/// `certificate_invalid_date`. Suricata 7.0.10 raised nothing for odd names, algorithms,
/// serials or versions, nor for a list length that overruns the message.
pub fn certificate_events(body: &[u8], complete: bool) -> AppEvents {
    let mut out = AppEvents::NONE;
    let mut r = Reader::new(body);
    if r.u24().is_none() {
        return out;
    }
    // Only the first certificate: Suricata 7.0.10 raised nothing for a bad second one.
    if let Some(len) = r.u24() {
        match r.take(len as usize) {
            None if complete => out.set(AppEvent::TlsInvalidCertificate),
            None => {}
            Some(der) => {
                if let Err(e) = walk_certificate(der) {
                    out.set(e);
                }
            }
        }
    }
    out
}

/// One DER TLV: tag and contents (definite lengths up to 4 bytes).
fn tlv<'a>(r: &mut Reader<'a>) -> Option<(u8, &'a [u8])> {
    let tag = r.u8()?;
    let first = r.u8()?;
    let len = if first & 0x80 == 0 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        r.take(n)?
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | b as usize)
    };
    Some((tag, r.take(len)?))
}

fn walk_certificate(der: &[u8]) -> Result<(), AppEvent> {
    const BAD: AppEvent = AppEvent::TlsInvalidCertificate;
    let mut outer = Reader::new(der);
    let (tag, cert) = tlv(&mut outer).ok_or(BAD)?;
    if tag != 0x30 || !outer.is_empty() {
        return Err(BAD);
    }
    let mut cert = Reader::new(cert);
    let (tag, tbs) = tlv(&mut cert).ok_or(BAD)?;
    if tag != 0x30 {
        return Err(BAD);
    }
    let mut tbs = Reader::new(tbs);
    let (mut tag, _) = tlv(&mut tbs).ok_or(BAD)?;
    if tag == 0xa0 {
        (tag, _) = tlv(&mut tbs).ok_or(BAD)?;
    }
    if tag != 0x02 {
        return Err(BAD);
    }
    tlv(&mut tbs).ok_or(BAD)?; // signature algorithm
    tlv(&mut tbs).ok_or(BAD)?; // issuer
    let (tag, validity) = tlv(&mut tbs).ok_or(BAD)?;
    if tag != 0x30 {
        return Err(BAD);
    }
    let mut v = Reader::new(validity);
    for _ in 0..2 {
        let (tag, t) = tlv(&mut v).ok_or(AppEvent::TlsCertificateInvalidDate)?;
        if !valid_time(tag, t) {
            return Err(AppEvent::TlsCertificateInvalidDate);
        }
    }
    Ok(())
}

/// UTCTime `YYMMDDHHMMSSZ` or GeneralizedTime `YYYYMMDDHHMMSSZ`, fields in range.
fn valid_time(tag: u8, t: &[u8]) -> bool {
    let digits = match (tag, t.len()) {
        (0x17, 13) => &t[..12],
        (0x18, 15) => &t[2..14],
        _ => return false,
    };
    if t.last() != Some(&b'Z') || !t[..t.len() - 1].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let f = |i: usize| u32::from(digits[i] - b'0') * 10 + u32::from(digits[i + 1] - b'0');
    (1..=12).contains(&f(2)) && (1..=31).contains(&f(4)) && f(6) <= 23 && f(8) <= 59 && f(10) <= 60
}

/// A clear-text heartbeat record's first bytes, gathered across calls.
#[derive(Debug, Default)]
pub struct Heartbeat {
    head: [u8; 3],
    have: u8,
    record_len: usize,
    /// A heartbeat record's body is being read.
    active: bool,
}

impl Heartbeat {
    pub fn start(&mut self, record_len: usize) {
        *self = Heartbeat {
            record_len,
            active: true,
            ..Heartbeat::default()
        };
    }

    /// Takes body bytes; once the type and payload length are in, judges the record as
    /// Suricata does before ChangeCipherSpec (`inflight`: the side with a request pending).
    pub fn push(
        &mut self,
        body: &[u8],
        dir: Direction,
        inflight: &mut Option<Direction>,
        events: &mut AppEvents,
    ) {
        if !self.active {
            return;
        }
        for &b in body.iter().take(3 - self.have as usize) {
            self.head[self.have as usize] = b;
            self.have += 1;
        }
        if self.have < 3 {
            return;
        }
        self.active = false;
        if !matches!(self.head[0], 1 | 2) {
            events.set(AppEvent::TlsInvalidHeartbeat);
            return;
        }
        match *inflight {
            None => {
                *inflight = Some(dir);
                let payload = u16::from_be_bytes([self.head[1], self.head[2]]) as usize;
                if payload + 3 > self.record_len {
                    events.set(AppEvent::TlsOverflowHeartbeat);
                } else if self.record_len - payload - 3 < 16 {
                    events.set(AppEvent::TlsInvalidHeartbeat);
                }
            }
            Some(d) if d == dir => events.set(AppEvent::TlsInvalidHeartbeat),
            Some(_) => *inflight = None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert!(valid_time(0x17, b"240101000000Z"));
        assert!(valid_time(0x18, b"20240101000000Z"));
        assert!(!valid_time(0x17, b"2401X1000000Z"));
        assert!(!valid_time(0x17, b"241301000000Z"));
        assert!(!valid_time(0x04, b"240101000000Z"));
    }

    /// A ClientHello body: version, random, empty session id, `suites`, null compression,
    /// then `exts` behind their length.
    fn hello(suites: &[u8], exts: &[u8]) -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&[0x11; 32]);
        b.push(0);
        b.extend_from_slice(&(suites.len() as u16).to_be_bytes());
        b.extend_from_slice(suites);
        b.extend_from_slice(&[1, 0]);
        b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        b.extend_from_slice(exts);
        b
    }

    fn sni_ext(ty: u8, name: &[u8], name_len: u16) -> Vec<u8> {
        let mut entry = vec![ty];
        entry.extend_from_slice(&name_len.to_be_bytes());
        entry.extend_from_slice(name);
        let mut e = vec![0, 0];
        e.extend_from_slice(&((entry.len() + 2) as u16).to_be_bytes());
        e.extend_from_slice(&(entry.len() as u16).to_be_bytes());
        e.extend_from_slice(&entry);
        e
    }

    #[test]
    fn client_hello_anomalies() {
        let names = |b: &[u8]| {
            client_hello_events(b)
                .iter()
                .map(|e| e.name())
                .collect::<Vec<_>>()
        };
        let ok = sni_ext(0, b"example.com", 11);
        assert!(names(&hello(&[0x13, 1], &ok)).is_empty());
        // A second server_name is `multiple_sni_extensions`, judged from the parsed hello.
        assert!(names(&hello(&[0x13, 1], &[ok.clone(), ok].concat())).is_empty());
        assert_eq!(
            names(&hello(&[0x13, 1], &sni_ext(1, b"example.com", 11))),
            ["tls.invalid_sni_type"]
        );
        assert_eq!(
            names(&hello(&[0x13, 1], &sni_ext(0, b"example.com", 200))),
            ["tls.invalid_sni_length"]
        );
        assert_eq!(
            names(&hello(&[0x13, 1], &sni_ext(0, &[b'a'; 300], 300))),
            ["tls.invalid_sni_length"]
        );
        let mut overrun = hello(&[0x13, 1], &[]);
        overrun[35..37].copy_from_slice(&300u16.to_be_bytes());
        assert_eq!(names(&overrun), ["tls.handshake_invalid_length"]);
        // No extensions at all is a valid (old) hello.
        let bare = hello(&[0x13, 1], &[]);
        assert!(names(&bare[..bare.len() - 2]).is_empty());
    }

    #[test]
    fn certificate_anomalies() {
        let msg = |certs: &[&[u8]], len_fix: Option<u32>| {
            let mut body = Vec::new();
            for c in certs {
                let l = len_fix.unwrap_or(c.len() as u32);
                body.extend_from_slice(&l.to_be_bytes()[1..]);
                body.extend_from_slice(c);
            }
            let mut m = (body.len() as u32).to_be_bytes()[1..].to_vec();
            m.extend_from_slice(&body);
            m
        };
        let names = |b: &[u8]| {
            certificate_events(b, true)
                .iter()
                .map(|e| e.name())
                .collect::<Vec<_>>()
        };
        assert!(names(&msg(&[], None)).is_empty());
        assert_eq!(
            names(&msg(&[b"hello world"], None)),
            ["tls.invalid_certificate"]
        );
        assert_eq!(
            names(&msg(&[&[0x30, 3, 1, 1, 0]], Some(500))),
            ["tls.invalid_certificate"]
        );
        // The smallest certificate these checks take; only the first one is judged.
        let der = |tag: u8, body: &[u8]| [&[tag, body.len() as u8][..], body].concat();
        let time = der(0x17, b"240101000000Z");
        let validity = der(0x30, &[time.clone(), time].concat());
        let tbs = der(
            0x30,
            &[&[2, 1, 1, 0x30, 0, 0x30, 0][..], &validity].concat(),
        );
        let good = der(0x30, &tbs);
        assert!(names(&msg(&[&good], None)).is_empty());
        assert!(names(&msg(&[&good, b"hello"], None)).is_empty());
        let bad_time = der(
            0x30,
            &[&[2, 1, 1, 0x30, 0, 0x30, 0][..], &der(0x30, &[])].concat(),
        );
        assert_eq!(
            names(&msg(&[&der(0x30, &bad_time)], None)),
            ["tls.certificate_invalid_date"]
        );
        // Only the certificates within a kept prefix are judged.
        let m = msg(&[&[0x30, 3, 1, 1, 0]], Some(500));
        assert!(certificate_events(&m, false).is_empty());
    }

    #[test]
    fn heartbeat_split_and_judged() {
        let mut hb = Heartbeat::default();
        let mut inflight = None;
        let mut ev = AppEvents::NONE;
        hb.start(23);
        hb.push(&[1], Direction::ToClient, &mut inflight, &mut ev);
        hb.push(&[0, 4, 9, 9], Direction::ToClient, &mut inflight, &mut ev);
        assert!(ev.is_empty());
        assert_eq!(inflight, Some(Direction::ToClient));
        hb.start(23);
        hb.push(&[1, 0, 4], Direction::ToServer, &mut inflight, &mut ev);
        assert!(ev.is_empty() && inflight.is_none());
        hb.start(23);
        hb.push(&[1, 3, 0], Direction::ToServer, &mut inflight, &mut ev);
        assert!(ev.has(AppEvent::TlsOverflowHeartbeat));
    }
}
