//! TLS handshakes: ClientHello/ServerHello, SNI, first server certificate, JA3/JA3S, JA4/JA4S.
//!
//! [`probe`] recognises the start of a client's TLS stream on any port; [`TlsParser`] takes the
//! reassembled stream of both directions in any split and fills a [`TlsRecord`], then reports
//! [`TlsParser::is_done`] so encrypted traffic is not fed at all.
//!
//! Layers, one file each: `record` (record framing), `anomaly` (Suricata's parser events),
//! `handshake` (message reassembly across records), `hello` (ClientHello/ServerHello), `x509`
//! (certificate fields), `ja3`, `ja4`, `ja4s`,
//! `info` (the record and version names), `eve` (JSON), `parser` (the per-flow state machine).

mod anomaly;
mod eve;
mod handshake;
mod hello;
mod info;
mod ja3;
mod ja4;
mod ja4s;
mod parser;
mod reader;
mod record;
mod x509;

#[cfg(test)]
mod foxio;
#[cfg(test)]
mod tests;

pub use hello::{is_grease, ClientHello, ServerHello};
pub use info::{version_name, TlsRecord};
pub use ja3::{ja3, ja3s, Fingerprint};
pub use ja4::{ja4, ja4_raw, ja4_with, Ja4Flavor, Transport};
pub use ja4s::{ja4s, ja4s_raw};
pub use parser::{TlsError, TlsParser, MAX_HANDSHAKE_LEN};
pub use x509::{parse_certificate, Certificate};

/// Answer of [`probe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    Yes,
    No,
    /// Consistent so far, but too short to tell.
    NeedMore,
}

/// Is `data` the start of a client's TLS stream? A handshake record (type 22, version 3.x)
/// holding a ClientHello with a 3.x version, or an SSLv2-format ClientHello (as sent by old
/// clients for compatibility) with an SSL 2/3 or TLS version.
pub fn probe(data: &[u8]) -> Probe {
    match data.first() {
        None => Probe::NeedMore,
        Some(&b) if b & 0x80 != 0 => probe_sslv2(data),
        Some(_) => probe_tls(data),
    }
}

/// A start of TLS sent to the client: Suricata 7's patterns for that direction (a handshake or
/// alert record of SSL 3.0 to TLS 1.2 framing, 3 bytes), else what [`probe`] takes.
pub fn probe_to_client(data: &[u8]) -> Probe {
    let pattern = |i: usize, f: fn(u8) -> bool| data.get(i).is_none_or(|&b| f(b));
    if pattern(0, |b| b == 22 || b == 21) && pattern(1, |b| b == 3) && pattern(2, |b| b <= 3) {
        return if data.len() >= 3 {
            Probe::Yes
        } else {
            Probe::NeedMore
        };
    }
    probe(data)
}

fn probe_tls(data: &[u8]) -> Probe {
    // Record: type 22, version 3.0-3.4, length; handshake: type 1 (ClientHello), length(3);
    // hello: version major 3.
    let ok = |i: usize, f: fn(u8) -> bool| data.get(i).is_none_or(|&b| f(b));
    if !(ok(0, |b| b == 22) && ok(1, |b| b == 3) && ok(2, |b| b <= 4) && ok(5, |b| b == 1)) {
        return Probe::No;
    }
    if let (Some(&hi), Some(&lo)) = (data.get(3), data.get(4)) {
        let len = u16::from_be_bytes([hi, lo]) as usize;
        // A ClientHello needs its 4-byte header plus at least 38 bytes; 2^14 is the maximum.
        if !(42..=16384).contains(&len) {
            return Probe::No;
        }
    }
    match data.get(9) {
        Some(&3) => Probe::Yes,
        Some(_) => Probe::No,
        None => Probe::NeedMore,
    }
}

fn probe_sslv2(data: &[u8]) -> Probe {
    // len(2, high bit set), msg type 1, version(2), then three 2-byte lengths.
    let (Some(&b0), Some(&b1)) = (data.first(), data.get(1)) else {
        return Probe::NeedMore;
    };
    let len = (((b0 & 0x7f) as usize) << 8) | b1 as usize;
    if len < 9 {
        return Probe::No;
    }
    match data.get(2) {
        Some(1) => {}
        Some(_) => return Probe::No,
        None => return Probe::NeedMore,
    }
    let (Some(&major), Some(&minor)) = (data.get(3), data.get(4)) else {
        return Probe::NeedMore;
    };
    match (major, minor) {
        (0, 2) | (3, 0..=4) => Probe::Yes,
        _ => Probe::No,
    }
}
