//! JA4S server fingerprint (FoxIO spec, `technical_details/JA4S.md`):
//! `{t|q}{version}{extensions:02}{alpn}_{cipher}_{extension hash}`.
//!
//! Unlike JA4, nothing is sorted and nothing is dropped: the extensions are hashed in the order
//! the server sent them, GREASE included (FoxIO's implementations keep them; a server has no
//! reason to send any), and the one cipher the server chose is written in clear.

use super::hello::{ServerHello, EXT_SUPPORTED_VERSIONS};
use super::ja3::push_hex4;
use super::ja4::{alpn_chars, hash12, hex_list, version_code, Transport};

/// JA4S of a ServerHello (or HelloRetryRequest).
pub fn ja4s(sh: &ServerHello, transport: Transport) -> String {
    let (ab, exts) = parts(sh, transport);
    let mut s = ab;
    s.push('_');
    s.push_str(&hash12(&exts));
    s
}

/// JA4S_r: the same with the extension list in clear.
pub fn ja4s_raw(sh: &ServerHello, transport: Transport) -> String {
    let (ab, exts) = parts(sh, transport);
    format!("{ab}_{exts}")
}

/// (`{a}_{b}`, comma-separated extension list in wire order).
fn parts(sh: &ServerHello, transport: Transport) -> (String, String) {
    let mut a = String::with_capacity(16);
    a.push(match transport {
        Transport::Tcp => 't',
        Transport::Quic => 'q',
        // The spec defines no DTLS marker for JA4S; its JA4 letter is the natural one.
        Transport::Dtls => 'd',
    });
    // The supported_versions extension (TLS 1.3) wins over legacy_version.
    let version = match sh.selected_version {
        Some(v) if sh.extensions.contains(&EXT_SUPPORTED_VERSIONS) => v,
        _ => sh.version,
    };
    a.push_str(version_code(version));
    let n = sh.extensions.len().min(99);
    a.push(char::from(b'0' + (n / 10) as u8));
    a.push(char::from(b'0' + (n % 10) as u8));
    let (f, l) = alpn_chars(sh.alpn.as_deref().unwrap_or_default());
    a.push(f);
    a.push(l);
    a.push('_');
    push_hex4(&mut a, sh.cipher);
    (a, hex_list(&sh.extensions))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(version: u16, cipher: u16, extensions: &[u16]) -> ServerHello {
        ServerHello {
            version,
            cipher,
            extensions: extensions.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn spec_example() {
        // technical_details/JA4S.md: TLS 1.2, c030, extensions 0005,0017,ff01,0000, no ALPN.
        let h = sh(0x0303, 0xc030, &[0x0005, 0x0017, 0xff01, 0x0000]);
        assert_eq!(ja4s(&h, Transport::Tcp), "t120400_c030_4e8089b08790");
        assert_eq!(
            ja4s_raw(&h, Transport::Tcp),
            "t120400_c030_0005,0017,ff01,0000"
        );
    }

    #[test]
    fn order_is_kept_not_sorted() {
        let a = sh(0x0303, 0x1301, &[0x002b, 0x0033]);
        let b = sh(0x0303, 0x1301, &[0x0033, 0x002b]);
        assert_ne!(ja4s(&a, Transport::Tcp), ja4s(&b, Transport::Tcp));
        assert!(ja4s_raw(&b, Transport::Tcp).ends_with("_0033,002b"));
    }

    #[test]
    fn no_extensions_hash_to_zeros() {
        let h = sh(0x0301, 0x0004, &[]);
        assert_eq!(ja4s(&h, Transport::Tcp), "t100000_0004_000000000000");
        assert_eq!(ja4s_raw(&h, Transport::Tcp), "t100000_0004_");
    }

    #[test]
    fn supported_versions_wins_only_when_sent() {
        let mut h = sh(0x0303, 0x1301, &[0x002b, 0x0033]);
        h.selected_version = Some(0x0304);
        assert_eq!(
            ja4s(&h, Transport::Tcp),
            // FoxIO tls3.pcapng.json stream 7: t130200_1301_002b,0033.
            "t130200_1301_a56c5b993250"
        );
        assert_eq!(ja4s(&h, Transport::Quic), "q130200_1301_a56c5b993250");
        // A value without the extension in the list (not produced by the parser) is ignored.
        h.extensions = vec![0x0033];
        assert!(ja4s(&h, Transport::Tcp).starts_with("t1201"));
        // Versions JA4 has no code for (a TLS 1.3 draft) give 00.
        let h = sh(0x7f12, 0x1301, &[0x0028]);
        assert!(ja4s(&h, Transport::Tcp).starts_with("t000100_1301_"));
    }

    #[test]
    fn grease_extensions_are_kept() {
        let plain = sh(0x0303, 0xc02f, &[0xff01, 0x000b]);
        let grease = sh(0x0303, 0xc02f, &[0xff01, 0x0a0a, 0x000b]);
        assert!(ja4s_raw(&grease, Transport::Tcp).starts_with("t120300_c02f_ff01,0a0a,000b"));
        assert_ne!(ja4s(&plain, Transport::Tcp), ja4s(&grease, Transport::Tcp));
    }

    #[test]
    fn alpn_characters() {
        let mut h = sh(0x0303, 0xc02b, &[0xff01, 0x0010]);
        h.alpn = Some(b"h2".to_vec());
        assert!(ja4s(&h, Transport::Tcp).starts_with("t1202h2_c02b_"));
        h.alpn = Some(b"http/1.1".to_vec());
        assert!(ja4s(&h, Transport::Tcp).starts_with("t1202h1_"));
        // Non-alphanumeric first or last byte: hex of the first and last byte instead.
        h.alpn = Some(vec![0xc3, b'x', 0xa9]);
        assert!(ja4s(&h, Transport::Tcp).starts_with("t1202c9_"));
        // Empty or malformed ALPN value: 00.
        h.alpn = Some(Vec::new());
        assert!(ja4s(&h, Transport::Tcp).starts_with("t120200_"));
        h.alpn = None;
        assert!(ja4s(&h, Transport::Tcp).starts_with("t120200_"));
    }

    #[test]
    fn extension_count_caps_at_99() {
        let exts: Vec<u16> = (0x0100..0x0100 + 120).collect();
        let h = sh(0x0303, 0x002f, &exts);
        assert!(ja4s(&h, Transport::Tcp).starts_with("t129900_002f_"));
        // All 120 are still hashed.
        assert_eq!(ja4s_raw(&h, Transport::Tcp).matches(',').count(), 119);
    }
}
