//! JA4 client fingerprint (FoxIO spec, `technical_details/JA4.md`):
//! `{t|q|d}{version}{d|i}{ciphers:02}{extensions:02}{alpn}_{cipher hash}_{extension hash}`.
//! GREASE values are ignored everywhere; hashes are the first 12 hex digits of SHA-256.

use std::fmt::Write;

use sha2::{Digest, Sha256};

use super::hello::{
    is_grease, ClientHello, EXT_ALPN, EXT_SERVER_NAME, EXT_SIGNATURE_ALGORITHMS,
    EXT_SUPPORTED_VERSIONS,
};
use super::ja3::{hex_lower, push_hex4};

/// Transport the hello was carried over: JA4's first character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Quic,
    Dtls,
}

/// Which JA4 to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ja4Flavor {
    /// The FoxIO specification (what EVE and detection use).
    Spec,
    /// What Suricata 7.0.10 prints, which departs from the spec in edge cases: versions it does
    /// not know (e.g. 0x7e01, 0x7f0e) are skipped when taking the highest supported version;
    /// JA4_c always has the `_` even without signature algorithms, and empty lists are hashed
    /// instead of giving `000000000000`; a one-byte ALPN gives `00` and non-alphanumeric ALPN
    /// bytes are printed as characters instead of hex.
    Suricata7,
}

/// JA4 of a ClientHello per the FoxIO spec; `None` for SSLv2 hellos (as Suricata).
pub fn ja4(ch: &ClientHello, transport: Transport) -> Option<String> {
    ja4_with(ch, transport, Ja4Flavor::Spec)
}

/// JA4 in the given flavor.
pub fn ja4_with(ch: &ClientHello, transport: Transport, flavor: Ja4Flavor) -> Option<String> {
    let (a, b, c) = parts(ch, transport, flavor)?;
    let hash = |s: &str| match flavor {
        Ja4Flavor::Spec => hash12(s),
        Ja4Flavor::Suricata7 => sha256_12(s),
    };
    Some(format!("{a}_{}_{}", hash(&b), hash(&c)))
}

/// JA4_r (spec): the same with the sorted lists in clear instead of hashed.
pub fn ja4_raw(ch: &ClientHello, transport: Transport) -> Option<String> {
    let (a, b, c) = parts(ch, transport, Ja4Flavor::Spec)?;
    Some(format!("{a}_{b}_{c}"))
}

/// Versions Suricata 7 knows (its `TLSVersionValid`): SSLv3 to TLS 1.3 and TLS 1.3 drafts.
fn suricata_knows(v: u16) -> bool {
    matches!(
        v,
        0x0300..=0x0304 | 0x7f01 | 0x7f10..=0x7f1c | 0xfb14..=0xfb17 | 0xfb1a
    )
}

fn parts(
    ch: &ClientHello,
    transport: Transport,
    flavor: Ja4Flavor,
) -> Option<(String, String, String)> {
    if ch.sslv2 {
        return None;
    }
    let suricata = flavor == Ja4Flavor::Suricata7;
    let mut a = String::with_capacity(10);
    a.push(match transport {
        Transport::Tcp => 't',
        Transport::Quic => 'q',
        Transport::Dtls => 'd',
    });
    // supported_versions' highest non-GREASE value wins over legacy_version.
    let version = if ch.has_extension(EXT_SUPPORTED_VERSIONS) {
        ch.supported_versions
            .iter()
            .copied()
            .filter(|&v| !is_grease(v) && (!suricata || suricata_knows(v)))
            .max()
            .unwrap_or(ch.version)
    } else {
        ch.version
    };
    a.push_str(version_code(version));
    a.push(if ch.has_extension(EXT_SERVER_NAME) {
        'd'
    } else {
        'i'
    });

    let mut ciphers: Vec<u16> = ch
        .ciphers
        .iter()
        .copied()
        .filter(|&v| !is_grease(v))
        .collect();
    let exts: Vec<u16> = ch
        .extensions
        .iter()
        .copied()
        .filter(|&v| !is_grease(v))
        .collect();
    let _ = write!(a, "{:02}{:02}", ciphers.len().min(99), exts.len().min(99));
    let first_alpn = ch.alpn.first().map(Vec::as_slice).unwrap_or_default();
    let (f, l) = if suricata {
        suricata_alpn_chars(first_alpn)
    } else {
        alpn_chars(first_alpn)
    };
    a.push(f);
    a.push(l);

    ciphers.sort_unstable();
    let b = hex_list(&ciphers);

    let mut sorted_exts: Vec<u16> = exts
        .into_iter()
        .filter(|&v| v != EXT_SERVER_NAME && v != EXT_ALPN)
        .collect();
    sorted_exts.sort_unstable();
    let mut c = hex_list(&sorted_exts);
    // Signature algorithms only count when the extension was sent; they keep wire order.
    let sigs: Vec<u16> = if ch.has_extension(EXT_SIGNATURE_ALGORITHMS) {
        ch.sig_algs
            .iter()
            .copied()
            .filter(|&v| !is_grease(v))
            .collect()
    } else {
        Vec::new()
    };
    if !sigs.is_empty() || suricata {
        c.push('_');
        c.push_str(&hex_list(&sigs));
    }
    // An empty extension list hashes to twelve zeros whatever the signature algorithms.
    if sorted_exts.is_empty() && !suricata {
        c.clear();
    }
    Some((a, b, c))
}

pub(super) fn version_code(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// First and last character of the first ALPN value; if either byte is not ASCII alphanumeric,
/// the first and last characters of its hex form instead; `00` when there is none.
pub(super) fn alpn_chars(p: &[u8]) -> (char, char) {
    let (Some(&first), Some(&last)) = (p.first(), p.last()) else {
        return ('0', '0');
    };
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        (first as char, last as char)
    } else {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (
            HEX[(first >> 4) as usize] as char,
            HEX[(last & 0xf) as usize] as char,
        )
    }
}

fn suricata_alpn_chars(p: &[u8]) -> (char, char) {
    match (p.first(), p.last()) {
        (Some(&f), Some(&l))
            if p.len() > 1 && !(p.len() == 2 && is_grease(u16::from_be_bytes([f, l]))) =>
        {
            (char::from(f), char::from(l))
        }
        _ => ('0', '0'),
    }
}

pub(super) fn hex_list(v: &[u16]) -> String {
    let mut s = String::with_capacity(v.len() * 5);
    for (i, x) in v.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_hex4(&mut s, *x);
    }
    s
}

pub(super) fn hash12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".to_string();
    }
    sha256_12(s)
}

fn sha256_12(s: &str) -> String {
    let mut h = hex_lower(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The worked example of the JA4 specification (FoxIO-LLC/ja4, technical_details/JA4.md):
    /// its JA4_ro lists (original order, GREASE already removed) give the published JA4 and JA4_r.
    pub(crate) fn spec_example() -> ClientHello {
        ClientHello {
            version: 0x0303,
            ciphers: vec![
                0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
                0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
            ],
            sni: Some(b"example.com".to_vec()),
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            sig_algs: vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            supported_versions: vec![0x0304, 0x0303],
            ..Default::default()
        }
    }

    #[test]
    fn spec_example_matches_published_values() {
        let ch = spec_example();
        assert_eq!(
            ja4(&ch, Transport::Tcp).unwrap(),
            "t13d1516h2_8daaf6152771_e5627efa2ab1"
        );
        assert_eq!(
            ja4_raw(&ch, Transport::Tcp).unwrap(),
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"
        );
    }

    #[test]
    fn spec_hash_without_signature_algorithms() {
        // "0005,...,ff01 = 6d807ffa2a79" in the spec's extension-hash section.
        assert_eq!(
            hash12("0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01"),
            "6d807ffa2a79"
        );
    }

    #[test]
    fn grease_is_ignored_everywhere() {
        // FoxIO's sigalg-grease.pcapng expected output (python/test/testdata): JA4_ro lists.
        let mut ch = ClientHello {
            version: 0x0303,
            ciphers: vec![
                0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0xfe0d, 0x0010, 0x0017, 0x0033, 0x44cd, 0xff01, 0x000a, 0x000d, 0x0023, 0x002b,
                0x000b, 0xca34, 0x002d, 0x0000, 0x0005, 0x001b, 0x0012,
            ],
            alpn: vec![b"h2".to_vec()],
            sig_algs: vec![
                0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
                0x0601,
            ],
            supported_versions: vec![0x0304, 0x0303],
            ..Default::default()
        };
        let expected = "t13d1517h2_8daaf6152771_cb7bf5808d99";
        assert_eq!(ja4(&ch, Transport::Tcp).unwrap(), expected);
        // Inserting GREASE in every list changes nothing.
        ch.ciphers.insert(0, 0x4a4a);
        ch.extensions.insert(0, 0x8a8a);
        ch.extensions.push(0xfafa);
        ch.sig_algs.insert(0, 0x3a3a);
        ch.supported_versions.insert(0, 0xdada);
        assert_eq!(ja4(&ch, Transport::Tcp).unwrap(), expected);
    }

    #[test]
    fn alpn_rules_from_spec() {
        assert_eq!(alpn_chars(b""), ('0', '0'));
        assert_eq!(alpn_chars(b"h2"), ('h', '2'));
        assert_eq!(alpn_chars(b"http/1.1"), ('h', '1'));
        assert_eq!(alpn_chars(b"h"), ('h', 'h'));
        assert_eq!(alpn_chars(&[0xab]), ('a', 'b'));
        assert_eq!(alpn_chars(&[0xab, 0xcd]), ('a', 'd'));
        assert_eq!(alpn_chars(&[0x30, 0xab]), ('3', 'b'));
        assert_eq!(alpn_chars(&[0x30, 0x31, 0xab, 0xcd]), ('3', 'd'));
        assert_eq!(alpn_chars(&[0x30, 0xab, 0xcd, 0x31]), ('0', '1'));
    }

    #[test]
    fn empty_lists_hash_to_zeros_and_counts_cap_at_99() {
        let ch = ClientHello {
            version: 0x0301,
            ciphers: (1..=150).collect(),
            ..Default::default()
        };
        let fp = ja4(&ch, Transport::Quic).unwrap();
        assert!(fp.starts_with("q10i990000_"), "{fp}");
        assert!(fp.ends_with("_000000000000"), "{fp}");
        let none = ClientHello::default();
        assert_eq!(
            ja4(&none, Transport::Tcp).unwrap(),
            "t00i000000_000000000000_000000000000"
        );
    }
}
