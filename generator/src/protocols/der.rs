//! Just enough DER to write an X.509 certificate that parsers accept (subject and issuer CN,
//! validity, P-256 key, subjectAltName), with random key and signature bytes.

use crate::rng::Rng;

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = body.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(body);
    v
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A positive INTEGER from random bytes (leading zero added when the top bit is set).
fn uint(bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if b.first().is_some_and(|x| x & 0x80 != 0) {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_EC_PUBKEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_C: &[u8] = &[0x55, 0x04, 0x06];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

fn name(org: &str, cn: &str) -> Vec<u8> {
    let rdn =
        |oid: &[u8], tag: u8, v: &str| tlv(0x31, &seq(&[tlv(0x06, oid), tlv(tag, v.as_bytes())]));
    seq(&[
        rdn(OID_C, 0x13, "US"),
        rdn(OID_O, 0x0c, org),
        rdn(OID_CN, 0x0c, cn),
    ])
}

/// DER ECDSA-Sig-Value with random r and s.
pub fn ecdsa_signature(rng: &mut Rng) -> Vec<u8> {
    seq(&[uint(&rng.bytes(32)), uint(&rng.bytes(32))])
}

/// A certificate for `cn` issued by `issuer`, valid through Election Day.
pub fn certificate(rng: &mut Rng, cn: &str, issuer: &str) -> Vec<u8> {
    let cn = if cn.is_empty() { "localhost" } else { cn };
    let alg = seq(&[tlv(0x06, OID_ECDSA_SHA256)]);
    let mut serial = rng.bytes(16);
    serial[0] &= 0x7f;
    let mut point = vec![0x00, 0x04]; // no unused bits, uncompressed point
    point.extend_from_slice(&rng.bytes(64));
    let spki = seq(&[
        seq(&[tlv(0x06, OID_EC_PUBKEY), tlv(0x06, OID_P256)]),
        tlv(0x03, &point),
    ]);
    let san = seq(&[tlv(0x82, cn.as_bytes())]);
    let exts = tlv(0xa3, &seq(&[seq(&[tlv(0x06, OID_SAN), tlv(0x04, &san)])]));
    let tbs = seq(&[
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &serial),
        alg.clone(),
        name("Example Trust Services", issuer),
        seq(&[tlv(0x17, b"261001000000Z"), tlv(0x17, b"261230235959Z")]),
        name("Example Organization", cn),
        spki,
        exts,
    ]);
    let mut sig = vec![0u8];
    sig.extend_from_slice(&ecdsa_signature(rng));
    seq(&[tbs, alg, tlv(0x03, &sig)])
}
