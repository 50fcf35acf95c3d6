//! ClientHello and ServerHello bodies (the handshake message without its 4-byte header).
//!
//! Framing errors (a length running past its container) reject the whole message. The contents
//! of individual extensions are read leniently: a malformed known extension keeps its type in
//! `extensions` but contributes no value, and is reported in the returned anomaly count.

use super::reader::{u16_list, Reader};

pub const EXT_SERVER_NAME: u16 = 0x0000;
pub const EXT_SUPPORTED_GROUPS: u16 = 0x000a;
pub const EXT_EC_POINT_FORMATS: u16 = 0x000b;
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 0x000d;
pub const EXT_ALPN: u16 = 0x0010;
pub const EXT_SESSION_TICKET: u16 = 0x0023;
pub const EXT_SUPPORTED_VERSIONS: u16 = 0x002b;

/// SHA-256("HelloRetryRequest"): the ServerHello random that marks a HelloRetryRequest (RFC 8446).
const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// GREASE values (RFC 8701): 0x?a?a with both bytes equal.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// A parsed ClientHello. Lists keep wire order and GREASE values; fingerprints filter them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (for an SSLv2-compatible hello, its version field).
    pub version: u16,
    pub session_id: Vec<u8>,
    pub ciphers: Vec<u16>,
    pub compression: Vec<u8>,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// First `host_name` of the server_name extension (raw bytes, 1..=255 of them).
    pub sni: Option<Vec<u8>>,
    /// ALPN protocol names in wire order.
    pub alpn: Vec<Vec<u8>>,
    /// supported_groups (formerly elliptic_curves).
    pub groups: Vec<u16>,
    pub point_formats: Vec<u8>,
    pub sig_algs: Vec<u16>,
    /// supported_versions list (empty when the extension is absent).
    pub supported_versions: Vec<u16>,
    /// True for an SSLv2-format ClientHello: only `version` and `ciphers` (those with a TLS
    /// equivalent) are filled and no JA3/JA4 is computed, as in Suricata.
    pub sslv2: bool,
}

impl ClientHello {
    pub fn has_extension(&self, ext: u16) -> bool {
        self.extensions.contains(&ext)
    }
}

/// A parsed ServerHello.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` (the real version for TLS <= 1.2 and TLS 1.3 drafts before 22).
    pub version: u16,
    pub session_id: Vec<u8>,
    pub cipher: u16,
    pub compression: u8,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// The supported_versions extension's selected version (TLS 1.3).
    pub selected_version: Option<u16>,
    /// The ALPN protocol the server selected.
    pub alpn: Option<Vec<u8>>,
    /// The random is the HelloRetryRequest marker: a second ClientHello will follow.
    pub hello_retry_request: bool,
}

impl ServerHello {
    /// The version the connection uses: supported_versions if present, else `version`.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.version)
    }

    /// Everything after this ServerHello is encrypted (TLS 1.3 and its drafts and variants).
    pub fn encrypts_rest(&self) -> bool {
        !matches!(self.negotiated_version(), 0x0002 | 0x0200 | 0x0300..=0x0303)
    }
}

/// Parses a ClientHello body. Returns the hello and the number of malformed extension values.
pub fn parse_client_hello(body: &[u8]) -> Option<(ClientHello, u32)> {
    let mut r = Reader::new(body);
    let mut ch = ClientHello {
        version: r.u16()?,
        ..Default::default()
    };
    r.take(32)?; // random
    ch.session_id = r.vec8()?.to_vec();
    ch.ciphers = u16_list(r.vec16()?)?;
    ch.compression = r.vec8()?.to_vec();
    // Extensions are optional (RFC 5246 7.4.1.2); trailing bytes after them are ignored.
    if r.is_empty() {
        return Some((ch, 0));
    }
    let mut exts = Reader::new(r.vec16()?);
    let mut anomalies = 0;
    while !exts.is_empty() {
        let ty = exts.u16()?;
        let data = exts.vec16()?;
        ch.extensions.push(ty);
        if client_extension(&mut ch, ty, data).is_none() {
            anomalies += 1;
        }
    }
    Some((ch, anomalies))
}

/// Reads one ClientHello extension's value into `ch`; `None` if it is malformed.
fn client_extension(ch: &mut ClientHello, ty: u16, data: &[u8]) -> Option<()> {
    let mut r = Reader::new(data);
    match ty {
        EXT_SERVER_NAME => {
            // Servers may echo an empty server_name; a client normally sends a list.
            if data.is_empty() || ch.sni.is_some() {
                return Some(());
            }
            let mut list = Reader::new(r.vec16()?);
            while !list.is_empty() {
                let name_type = list.u8()?;
                let name = list.vec16()?;
                // Only host_name (0) is defined; DNS names are at most 255 bytes (as Suricata).
                if name_type == 0 && !name.is_empty() && name.len() <= 255 {
                    ch.sni = Some(name.to_vec());
                    return Some(());
                }
            }
            None
        }
        EXT_SUPPORTED_GROUPS => {
            ch.groups = u16_list(r.vec16()?)?;
            Some(())
        }
        EXT_EC_POINT_FORMATS => {
            ch.point_formats = r.vec8()?.to_vec();
            Some(())
        }
        EXT_SIGNATURE_ALGORITHMS => {
            ch.sig_algs = u16_list(r.vec16()?)?;
            Some(())
        }
        EXT_ALPN => {
            let mut list = Reader::new(r.vec16()?);
            while !list.is_empty() {
                ch.alpn.push(list.vec8()?.to_vec());
            }
            Some(())
        }
        EXT_SUPPORTED_VERSIONS => {
            ch.supported_versions = u16_list(r.vec8()?)?;
            Some(())
        }
        _ => Some(()),
    }
}

/// Parses a ServerHello body. Returns the hello and the number of malformed extension values.
pub fn parse_server_hello(body: &[u8]) -> Option<(ServerHello, u32)> {
    let mut r = Reader::new(body);
    let mut sh = ServerHello {
        version: r.u16()?,
        ..Default::default()
    };
    sh.hello_retry_request = r.take(32)? == HRR_RANDOM;
    // TLS 1.3 drafts before 22 put their version here and dropped session id and compression.
    let draft_format = sh.version == 0x0304 || sh.version >> 8 == 0x7f;
    if !draft_format {
        sh.session_id = r.vec8()?.to_vec();
    }
    sh.cipher = r.u16()?;
    if !draft_format {
        sh.compression = r.u8()?;
    }
    if r.is_empty() {
        return Some((sh, 0));
    }
    let mut exts = Reader::new(r.vec16()?);
    let mut anomalies = 0;
    while !exts.is_empty() {
        let ty = exts.u16()?;
        let data = exts.vec16()?;
        sh.extensions.push(ty);
        let mut v = Reader::new(data);
        let ok = match ty {
            EXT_SUPPORTED_VERSIONS => v.u16().map(|ver| sh.selected_version = Some(ver)),
            EXT_ALPN => v
                .vec16()
                .and_then(|list| Reader::new(list).vec8())
                .map(|p| sh.alpn = Some(p.to_vec())),
            _ => Some(()),
        };
        if ok.is_none() {
            anomalies += 1;
        }
    }
    Some((sh, anomalies))
}

/// Parses an SSLv2-format CLIENT-HELLO message (starting at its message type byte).
pub fn parse_sslv2_client_hello(msg: &[u8]) -> Option<ClientHello> {
    let mut r = Reader::new(msg);
    if r.u8()? != 1 {
        return None;
    }
    let version = r.u16()?;
    let specs_len = r.u16()? as usize;
    let session_len = r.u16()? as usize;
    let challenge_len = r.u16()? as usize;
    if specs_len % 3 != 0 {
        return None;
    }
    let specs = r.take(specs_len)?;
    let session_id = r.take(session_len)?.to_vec();
    r.take(challenge_len)?;
    // Cipher specs are 3 bytes; those starting with 0 are TLS cipher suites.
    let ciphers = specs
        .chunks_exact(3)
        .filter(|s| s[0] == 0)
        .map(|s| u16::from_be_bytes([s[1], s[2]]))
        .collect();
    Some(ClientHello {
        version,
        session_id,
        ciphers,
        sslv2: true,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_values() {
        let grease: Vec<u16> = (0..=0xffffu16).filter(|&v| is_grease(v)).collect();
        assert_eq!(grease.len(), 16);
        assert_eq!(grease[0], 0x0a0a);
        assert_eq!(grease[15], 0xfafa);
        assert!(!is_grease(0x0a1a));
    }

    #[test]
    fn minimal_client_hello_without_extensions() {
        let mut b = vec![0x03, 0x01];
        b.extend_from_slice(&[0; 32]);
        b.extend_from_slice(&[0, 0, 4, 0, 0x2f, 0, 0x35, 1, 0]);
        let (ch, anomalies) = parse_client_hello(&b).unwrap();
        assert_eq!(anomalies, 0);
        assert_eq!(ch.version, 0x0301);
        assert_eq!(ch.ciphers, vec![0x2f, 0x35]);
        assert!(ch.extensions.is_empty());
        // Truncating anywhere must fail cleanly.
        for n in 0..b.len() {
            assert!(parse_client_hello(&b[..n]).is_none(), "prefix {n}");
        }
    }
}
