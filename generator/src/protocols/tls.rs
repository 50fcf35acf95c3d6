//! TLS records: ClientHello (SNI, ALPN, supported groups, signature algorithms, key share, ...)
//! in the shapes of common clients, ServerHello, a DER certificate for TLS 1.2 handshakes, and
//! opaque application-data records.

use super::der;
use crate::rng::Rng;

pub const CT_CCS: u8 = 20;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPDATA: u8 = 23;

/// How a client builds its ClientHello (each gives a different JA3/JA4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// Chrome/Edge: GREASE values, TLS 1.3 and 1.2, h2 + http/1.1.
    Chrome,
    /// Firefox: no GREASE, TLS 1.3 and 1.2.
    Firefox,
    /// A bare TLS 1.2 client (an old script or implant): no supported_versions, no ALPN.
    Legacy12,
    /// Python requests / curl with OpenSSL 3: TLS 1.3, http/1.1 only.
    OpenSsl,
}

impl Client {
    pub fn is_tls13(self) -> bool {
        self != Client::Legacy12
    }
}

fn u16s(v: &mut Vec<u8>, xs: &[u16]) {
    for x in xs {
        v.extend_from_slice(&x.to_be_bytes());
    }
}

fn ext(out: &mut Vec<u8>, ty: u16, body: &[u8]) {
    out.extend_from_slice(&ty.to_be_bytes());
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// Prefixes a u16 length.
fn l16(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

fn l8(body: &[u8]) -> Vec<u8> {
    let mut v = vec![body.len() as u8];
    v.extend_from_slice(body);
    v
}

/// A handshake message wrapped in one record.
fn handshake_record(record_version: u16, msgs: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut hs = Vec::new();
    for (ty, body) in msgs {
        hs.push(*ty);
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(body);
    }
    record(CT_HANDSHAKE, record_version, &hs)
}

pub fn record(ct: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut v = vec![ct];
    v.extend_from_slice(&version.to_be_bytes());
    v.extend_from_slice(&(body.len() as u16).to_be_bytes());
    v.extend_from_slice(body);
    v
}

const GREASE: &[u16] = &[
    0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba,
    0xcaca, 0xdada, 0xeaea, 0xfafa,
];

/// A ClientHello record for `sni` (empty: no SNI extension) with the given ALPN protocols
/// (empty: the client's default).
pub fn client_hello(rng: &mut Rng, client: Client, sni: &str, alpn: &[&str]) -> Vec<u8> {
    let grease = client == Client::Chrome;
    let gv = *rng.pick(GREASE);
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(&0x0303u16.to_be_bytes());
    body.extend_from_slice(&rng.bytes(32));
    if client.is_tls13() {
        body.extend_from_slice(&l8(&rng.bytes(32)));
    } else {
        body.push(0);
    }
    let mut suites = Vec::new();
    if grease {
        suites.push(gv);
    }
    match client {
        Client::Chrome => suites.extend_from_slice(&[
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ]),
        Client::Firefox => suites.extend_from_slice(&[
            0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009,
            0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
        ]),
        Client::OpenSsl => suites.extend_from_slice(&[
            0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f,
            0x009e, 0xc024, 0xc028, 0x006b, 0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009,
            0xc013, 0x0033, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff,
        ]),
        Client::Legacy12 => suites.extend_from_slice(&[
            0xc02f, 0xc030, 0xc02b, 0xc02c, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a,
        ]),
    }
    let mut s = Vec::new();
    u16s(&mut s, &suites);
    body.extend_from_slice(&l16(&s));
    body.extend_from_slice(&[1, 0]); // compression: null

    let groups: &[u16] = match client {
        Client::Chrome => &[0x001d, 0x0017, 0x0018],
        Client::Firefox => &[0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101],
        Client::OpenSsl => &[0x001d, 0x0017, 0x001e, 0x0019, 0x0018],
        Client::Legacy12 => &[0x0017, 0x0018, 0x001d],
    };
    let sigalgs: &[u16] = match client {
        Client::Chrome => &[
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ],
        Client::Firefox => &[
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
        ],
        Client::OpenSsl => &[
            0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806,
            0x0401, 0x0501, 0x0601,
        ],
        Client::Legacy12 => &[0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0201],
    };
    let default_alpn: &[&str] = match client {
        Client::Chrome | Client::Firefox => &["h2", "http/1.1"],
        Client::OpenSsl => &["http/1.1"],
        Client::Legacy12 => &[],
    };
    let alpn = if alpn.is_empty() { default_alpn } else { alpn };

    let mut e = Vec::new();
    if grease {
        ext(&mut e, gv ^ 0x1010, &[]);
    }
    if !sni.is_empty() {
        let mut n = vec![0u8];
        n.extend_from_slice(&l16(sni.as_bytes()));
        ext(&mut e, 0, &l16(&n));
    }
    ext(&mut e, 23, &[]); // extended_master_secret
    ext(&mut e, 0xff01, &[0]); // renegotiation_info
    let mut gl = Vec::new();
    if grease {
        u16s(&mut gl, &[gv]);
    }
    u16s(&mut gl, groups);
    ext(&mut e, 10, &l16(&gl));
    ext(&mut e, 11, &[1, 0]); // ec_point_formats: uncompressed
    ext(&mut e, 35, &[]); // session_ticket
    if !alpn.is_empty() {
        let mut a = Vec::new();
        for p in alpn {
            a.extend_from_slice(&l8(p.as_bytes()));
        }
        ext(&mut e, 16, &l16(&a));
    }
    ext(&mut e, 5, &[1, 0, 0, 0, 0]); // status_request: OCSP
    let mut sa = Vec::new();
    u16s(&mut sa, sigalgs);
    ext(&mut e, 13, &l16(&sa));
    if client.is_tls13() {
        if client == Client::Chrome {
            ext(&mut e, 18, &[]); // signed_certificate_timestamp
        }
        let mut ks = Vec::new();
        if grease {
            u16s(&mut ks, &[gv, 1]);
            ks.push(0);
        }
        u16s(&mut ks, &[0x001d, 32]);
        ks.extend_from_slice(&rng.bytes(32));
        ext(&mut e, 51, &l16(&ks)); // key_share
        ext(&mut e, 45, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        let mut sv = Vec::new();
        if grease {
            u16s(&mut sv, &[gv]);
        }
        u16s(&mut sv, &[0x0304, 0x0303]);
        ext(&mut e, 43, &l8(&sv)); // supported_versions
        if client == Client::Chrome {
            ext(&mut e, 27, &[2, 0, 2]); // compress_certificate: brotli
            ext(&mut e, gv ^ 0x2020, &[0]);
        }
    }
    body.extend_from_slice(&l16(&e));
    handshake_record(0x0301, &[(1, body)])
}

/// The server's first flight. TLS 1.3: ServerHello, ChangeCipherSpec and the encrypted rest
/// (EncryptedExtensions, Certificate, CertificateVerify, Finished) as application data.
/// TLS 1.2: ServerHello, Certificate, ServerKeyExchange, ServerHelloDone in the clear.
pub fn server_flight(rng: &mut Rng, tls13: bool, sni: &str, alpn: Option<&str>) -> Vec<u8> {
    let mut sh = Vec::new();
    sh.extend_from_slice(&0x0303u16.to_be_bytes());
    sh.extend_from_slice(&rng.bytes(32));
    sh.extend_from_slice(&l8(&rng.bytes(32)));
    let suite: u16 = if tls13 { 0x1301 } else { 0xc02f };
    sh.extend_from_slice(&suite.to_be_bytes());
    sh.push(0);
    let mut e = Vec::new();
    if tls13 {
        let mut ks = Vec::new();
        u16s(&mut ks, &[0x001d, 32]);
        ks.extend_from_slice(&rng.bytes(32));
        ext(&mut e, 51, &ks);
        ext(&mut e, 43, &0x0304u16.to_be_bytes());
    } else {
        ext(&mut e, 0xff01, &[0]);
        ext(&mut e, 23, &[]);
        ext(&mut e, 11, &[1, 0]);
        if let Some(p) = alpn {
            ext(&mut e, 16, &l16(&l8(p.as_bytes())));
        }
    }
    sh.extend_from_slice(&l16(&e));
    if tls13 {
        let mut v = handshake_record(0x0303, &[(2, sh)]);
        v.extend_from_slice(&record(CT_CCS, 0x0303, &[1]));
        let n = rng.range(2400, 4200) as usize;
        v.extend_from_slice(&app_data(rng, n));
        v
    } else {
        let cert = der::certificate(rng, sni, "Example Issuing CA R3");
        let mut certs = Vec::new();
        let mut one = (cert.len() as u32).to_be_bytes()[1..].to_vec();
        one.extend_from_slice(&cert);
        certs.extend_from_slice(&(one.len() as u32).to_be_bytes()[1..]);
        certs.extend_from_slice(&one);
        let mut ske = vec![3, 0x00, 0x1d, 32];
        ske.extend_from_slice(&rng.bytes(32));
        ske.extend_from_slice(&0x0403u16.to_be_bytes());
        ske.extend_from_slice(&l16(&der::ecdsa_signature(rng)));
        handshake_record(0x0303, &[(2, sh), (11, certs), (12, ske), (14, Vec::new())])
    }
}

/// The client's second flight: TLS 1.3 ChangeCipherSpec + encrypted Finished; TLS 1.2
/// ClientKeyExchange, ChangeCipherSpec, encrypted Finished.
pub fn client_finish(rng: &mut Rng, tls13: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if !tls13 {
        let mut cke = vec![32];
        cke.extend_from_slice(&rng.bytes(32));
        v.extend_from_slice(&handshake_record(0x0303, &[(16, cke)]));
    }
    v.extend_from_slice(&record(CT_CCS, 0x0303, &[1]));
    if tls13 {
        v.extend_from_slice(&record(CT_APPDATA, 0x0303, &rng.bytes(53)));
    } else {
        v.extend_from_slice(&record(CT_HANDSHAKE, 0x0303, &rng.bytes(40)));
    }
    v
}

/// TLS 1.2 server's ChangeCipherSpec + encrypted Finished (TLS 1.3 servers finished earlier).
pub fn server_finish(rng: &mut Rng) -> Vec<u8> {
    let mut v = record(CT_CCS, 0x0303, &[1]);
    v.extend_from_slice(&record(CT_HANDSHAKE, 0x0303, &rng.bytes(40)));
    v
}

/// `len` bytes of application data as records of at most 16 KiB of ciphertext (plus the AEAD
/// tag), so the total on the wire is `len` plus 5 bytes of header per record.
pub fn app_data(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + len / 16384 * 5 + 5);
    app_data_into(rng, len, &mut v);
    v
}

pub fn app_data_into(rng: &mut Rng, len: usize, v: &mut Vec<u8>) {
    let mut left = len.max(1);
    while left > 0 {
        let n = left.min(16384 + 17);
        v.extend_from_slice(&[CT_APPDATA, 0x03, 0x03]);
        v.extend_from_slice(&(n as u16).to_be_bytes());
        let at = v.len();
        v.resize(at + n, 0);
        rng.fill(&mut v[at..]);
        left -= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_lengths_are_consistent() {
        let mut rng = Rng::new(7);
        for c in [
            Client::Chrome,
            Client::Firefox,
            Client::Legacy12,
            Client::OpenSsl,
        ] {
            let r = client_hello(&mut rng, c, "voter.elections.example", &[]);
            assert_eq!(r[0], CT_HANDSHAKE);
            let rec_len = u16::from_be_bytes([r[3], r[4]]) as usize;
            assert_eq!(rec_len + 5, r.len());
            let hs_len = u32::from_be_bytes([0, r[6], r[7], r[8]]) as usize;
            assert_eq!(hs_len + 4, rec_len);
            let needle = b"voter.elections.example";
            assert!(r.windows(needle.len()).any(|w| w == needle));
        }
    }

    #[test]
    fn app_data_splits_records() {
        let mut rng = Rng::new(1);
        let v = app_data(&mut rng, 40_000);
        assert_eq!(v.len(), 40_000 + 3 * 5);
        assert_eq!(&v[..3], &[23, 3, 3]);
    }
}
