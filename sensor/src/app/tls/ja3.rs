//! JA3 (client) and JA3S (server) fingerprints: decimal fields joined with `,`, list items with
//! `-`, GREASE values removed, then MD5 in lower-case hex.

use md5::{Digest, Md5};

use super::hello::{is_grease, ClientHello, ServerHello};

/// A fingerprint string and its hash, as EVE's `ja3: {hash, string}` object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint {
    pub string: String,
    pub hash: String,
}

impl Fingerprint {
    fn md5_of(string: String) -> Fingerprint {
        let hash = hex_lower(&Md5::digest(string.as_bytes()));
        Fingerprint { string, hash }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 0xf) as usize] as char);
    }
    s
}

/// Appends `v` as four lower-case hex digits (hot path of JA4: no `fmt` machinery).
pub(crate) fn push_hex4(s: &mut String, v: u16) {
    for shift in [12, 8, 4, 0] {
        s.push(HEX[((v >> shift) & 0xf) as usize] as char);
    }
}

/// Appends `v` in decimal (hot path of JA3: no `fmt` machinery).
pub(crate) fn push_dec(s: &mut String, v: u16) {
    let mut buf = [0u8; 5];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        s.push(d as char);
    }
}

fn push_list<T: Copy + Into<u16>>(s: &mut String, items: &[T]) {
    let mut first = true;
    for &v in items {
        let v: u16 = v.into();
        if is_grease(v) {
            continue;
        }
        if !first {
            s.push('-');
        }
        first = false;
        push_dec(s, v);
    }
}

/// JA3 string: SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats.
/// `None` for SSLv2 hellos, which have none of these fields.
pub fn ja3(ch: &ClientHello) -> Option<Fingerprint> {
    if ch.sslv2 {
        return None;
    }
    let mut s = String::with_capacity(64 + 6 * (ch.ciphers.len() + ch.extensions.len()));
    push_dec(&mut s, ch.version);
    s.push(',');
    push_list(&mut s, &ch.ciphers);
    s.push(',');
    push_list(&mut s, &ch.extensions);
    s.push(',');
    push_list(&mut s, &ch.groups);
    s.push(',');
    push_list(&mut s, &ch.point_formats);
    Some(Fingerprint::md5_of(s))
}

/// JA3S string: SSLVersion,Cipher,Extensions.
pub fn ja3s(sh: &ServerHello) -> Fingerprint {
    let mut s = String::with_capacity(32 + 6 * sh.extensions.len());
    push_dec(&mut s, sh.version);
    s.push(',');
    push_dec(&mut s, sh.cipher);
    s.push(',');
    push_list(&mut s, &sh.extensions);
    Fingerprint::md5_of(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ja3_removes_grease_and_hashes() {
        let ch = ClientHello {
            version: 771,
            ciphers: vec![0x0a0a, 4865, 4866],
            extensions: vec![0x1a1a, 0, 10, 11],
            groups: vec![0x2a2a, 29, 23],
            point_formats: vec![0],
            ..Default::default()
        };
        let fp = ja3(&ch).unwrap();
        assert_eq!(fp.string, "771,4865-4866,0-10-11,29-23,0");
        assert_eq!(fp.hash, hex_lower(&Md5::digest(fp.string.as_bytes())));
        // Empty lists stay as empty fields.
        let fp = ja3(&ClientHello {
            version: 769,
            ciphers: vec![4],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(fp.string, "769,4,,,");
    }

    #[test]
    fn number_formatting() {
        for v in [0u16, 7, 10, 99, 100, 771, 4865, 65535] {
            let mut s = String::new();
            push_dec(&mut s, v);
            assert_eq!(s, v.to_string());
            s.clear();
            push_hex4(&mut s, v);
            assert_eq!(s, format!("{v:04x}"));
        }
    }

    #[test]
    fn md5_known_answer() {
        assert_eq!(
            Fingerprint::md5_of(String::new()).hash,
            "d41d8cd98f00b204e9800998ecf8427e"
        );
    }
}
