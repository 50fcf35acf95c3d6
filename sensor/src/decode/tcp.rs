//! TCP header (RFC 9293). Options are not parsed here: only their extent, via the data offset.

use super::{DecodeError, TcpHeader, Transport, L4};

mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const SEQ: usize = 4;
    pub const ACK: usize = 8;
    pub const DATA_OFFSET: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: usize = 14;
}

pub const MIN_HEADER_LEN: usize = 20;

/// Parses the TCP header at the start of `seg`, the captured part of a segment the IP layer
/// says is `declared_len` bytes long. A data offset below 5 words or past the declared segment
/// is `TcpBadHeaderLen`; a header cut by the capture is `TcpTruncated`.
#[inline]
pub(crate) fn parse(seg: &[u8], declared_len: usize) -> Result<Transport, DecodeError> {
    let h = fixed(seg)?;
    let header_len = usize::from(h.header_len);
    if header_len < MIN_HEADER_LEN || header_len > declared_len {
        return Err(DecodeError::TcpBadHeaderLen);
    }
    let payload_len = seg
        .len()
        .checked_sub(header_len)
        .ok_or(DecodeError::TcpTruncated)?;
    Ok(Transport {
        l4: L4::Tcp(h),
        header_len,
        payload_len,
    })
}

/// For a first fragment: the fixed header is enough (its options may continue in the next
/// fragment); the payload is whatever of this fragment follows the header.
#[inline]
pub(crate) fn parse_partial(seg: &[u8]) -> Option<Transport> {
    let h = fixed(seg).ok()?;
    let header_len = usize::from(h.header_len);
    if header_len < MIN_HEADER_LEN {
        return None;
    }
    let header_len = header_len.min(seg.len());
    Some(Transport {
        l4: L4::Tcp(h),
        header_len,
        payload_len: seg.len() - header_len,
    })
}

#[inline]
fn fixed(seg: &[u8]) -> Result<TcpHeader, DecodeError> {
    let h = seg
        .first_chunk::<MIN_HEADER_LEN>()
        .ok_or(DecodeError::TcpTruncated)?;
    Ok(TcpHeader {
        src_port: u16::from_be_bytes([h[field::SRC_PORT], h[field::SRC_PORT + 1]]),
        dst_port: u16::from_be_bytes([h[field::DST_PORT], h[field::DST_PORT + 1]]),
        seq: u32::from_be_bytes([
            h[field::SEQ],
            h[field::SEQ + 1],
            h[field::SEQ + 2],
            h[field::SEQ + 3],
        ]),
        ack: u32::from_be_bytes([
            h[field::ACK],
            h[field::ACK + 1],
            h[field::ACK + 2],
            h[field::ACK + 3],
        ]),
        flags: h[field::FLAGS],
        window: u16::from_be_bytes([h[field::WINDOW], h[field::WINDOW + 1]]),
        header_len: (h[field::DATA_OFFSET] >> 4) * 4,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, decode_ip, DecodeError, TcpHeader, L4};
    use crate::capture::LinkType;

    /// zeek-traces/tcp/payload-syn.pcap #1: raw IP, a SYN carrying an HTTP request (100 bytes).
    pub(crate) const RAW_SYN_WITH_DATA: &str = concat!(
        "4500008c000100004006f917c0a80001c0a80002005000500000000a00000000",
        "50022000c4e20000474554202f2f696e6465782e7068703f706167653d2e2e2f",
        "2e2e2f2e2e2f6574632f70617373776420485454502f312e310d0a557365722d",
        "4167656e743a20637a787432730d0a4163636570743a202a2f2a0d0a0d0a0000",
        "000000000000000000000000",
    );
    /// suricata-verify/http-uri-spaces/input.pcap #3 (NULL link): ACK with timestamps.
    pub(crate) const NULL_ACK: &str = concat!(
        "020000004500003400004000400600007f0000017f000001d9db1f401470e657",
        "76d821e7801031d7fe2800000101080a13fa7dc313fa7dc3",
    );

    #[test]
    fn syn_with_payload() {
        let f = hex(RAW_SYN_WITH_DATA);
        let d = ip(decode(LinkType::Raw, &f));
        assert_eq!(
            d.l4,
            L4::Tcp(TcpHeader {
                src_port: 80,
                dst_port: 80,
                seq: 10,
                ack: 0,
                flags: TcpHeader::SYN,
                window: 8192,
                header_len: 20,
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (40, 100));
        assert!(f[40..].starts_with(b"GET //index.php"));
    }

    #[test]
    fn ack_with_options() {
        let f = hex(NULL_ACK);
        let d = ip(decode(LinkType::Null, &f));
        let L4::Tcp(t) = d.l4 else { panic!() };
        assert_eq!(
            (t.flags, t.header_len, t.window),
            (TcpHeader::ACK, 32, 0x31d7)
        );
        assert_eq!((d.payload_offset, d.payload_len), (56, 0));
    }

    /// A bad TCP header leaves the IP layer: `decode_flowless` gives it with no transport
    /// header and no payload; a good packet or a bad IP header gives nothing.
    #[test]
    fn flowless_keeps_the_ip_layer() {
        let f = hex(RAW_SYN_WITH_DATA);
        let mut g = f.clone();
        g[32] = 0x40;
        let e = decode(LinkType::Raw, &g).unwrap_err();
        assert!(e.is_transport());
        let d = crate::decode::decode_flowless(LinkType::Raw, &g).unwrap();
        assert!(d.l4_invalid);
        assert_eq!((d.l4, d.ip_proto, d.payload_len), (L4::None, 6, 0));
        assert_eq!(d.src, "192.168.0.1".parse::<std::net::IpAddr>().unwrap());
        assert!(crate::decode::decode_flowless(LinkType::Raw, &g[..10]).is_none());
        assert!(!DecodeError::Ipv4Truncated.is_transport());
    }

    #[test]
    fn errors() {
        let f = hex(RAW_SYN_WITH_DATA);
        // Header cut by the capture.
        assert_eq!(decode_ip(&f[..39]), Err(DecodeError::TcpTruncated));
        // Data offset below 5 words.
        let mut g = f.clone();
        g[32] = 0x40;
        assert_eq!(decode_ip(&g), Err(DecodeError::TcpBadHeaderLen));
        // Data offset past the segment the IP header declares (total length 56: 36 of TCP).
        let mut g = f.clone();
        g[32] = 0xf0;
        g[2..4].copy_from_slice(&56u16.to_be_bytes());
        assert_eq!(decode_ip(&g), Err(DecodeError::TcpBadHeaderLen));
        // Same offset inside the declared segment but beyond the capture: truncated.
        let mut g = f.clone();
        g[32] = 0xf0;
        assert_eq!(decode_ip(&g[..70]), Err(DecodeError::TcpTruncated));
    }
}
