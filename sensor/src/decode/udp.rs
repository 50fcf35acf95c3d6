//! UDP header (RFC 768).

use super::{DecodeError, Transport, UdpHeader, L4};

mod field {
    pub const SRC_PORT: usize = 0;
    pub const DST_PORT: usize = 2;
    pub const LENGTH: usize = 4;
}

pub const HEADER_LEN: usize = 8;

/// Parses the UDP header at the start of `seg`. The payload is the smaller of what the UDP
/// length says and what the IP payload holds.
#[inline]
pub(crate) fn parse(seg: &[u8]) -> Result<Transport, DecodeError> {
    let h = seg
        .first_chunk::<HEADER_LEN>()
        .ok_or(DecodeError::UdpTruncated)?;
    let length = u16::from_be_bytes([h[field::LENGTH], h[field::LENGTH + 1]]);
    let udp_payload = usize::from(length)
        .checked_sub(HEADER_LEN)
        .ok_or(DecodeError::UdpBadLength)?;
    Ok(Transport {
        l4: L4::Udp(UdpHeader {
            src_port: u16::from_be_bytes([h[field::SRC_PORT], h[field::SRC_PORT + 1]]),
            dst_port: u16::from_be_bytes([h[field::DST_PORT], h[field::DST_PORT + 1]]),
            length,
        }),
        header_len: HEADER_LEN,
        payload_len: udp_payload.min(seg.len() - HEADER_LEN),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, DecodeError, UdpHeader, L4};
    use crate::capture::LinkType;
    use std::net::{IpAddr, Ipv4Addr};

    /// zeek-traces/dns-caa.pcap #1: DNS query for google.com CAA, UDP length 36.
    pub(crate) const DNS_QUERY: &str = concat!(
        "9059af5b66d47831c1c63fc2080045000038239f000040117524c0a8113a0808",
        "0808e58300350024ede3355e0100000100000000000006676f6f676c6503636f",
        "6d0001010001",
    );

    #[test]
    fn dns_query() {
        let f = hex(DNS_QUERY);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.dst, IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)));
        assert_eq!(
            d.l4,
            L4::Udp(UdpHeader {
                src_port: 58755,
                dst_port: 53,
                length: 36
            })
        );
        assert_eq!((d.l4_offset, d.payload_offset, d.payload_len), (34, 42, 28));
        assert_eq!(f[42..44], [0x35, 0x5e], "DNS id");
    }

    #[test]
    fn length_field_bounds() {
        let f = hex(DNS_QUERY);
        // UDP length shorter than the IP payload: the rest is not UDP payload.
        let mut g = f.clone();
        g[38..40].copy_from_slice(&20u16.to_be_bytes());
        assert_eq!(ip(decode(LinkType::Ethernet, &g)).payload_len, 12);
        // Longer than the IP payload: bounded by it.
        g[38..40].copy_from_slice(&200u16.to_be_bytes());
        assert_eq!(ip(decode(LinkType::Ethernet, &g)).payload_len, 28);
        // Bounded by the capture too.
        assert_eq!(ip(decode(LinkType::Ethernet, &f[..50])).payload_len, 8);
    }

    #[test]
    fn errors() {
        let f = hex(DNS_QUERY);
        assert_eq!(
            decode(LinkType::Ethernet, &f[..41]),
            Err(DecodeError::UdpTruncated)
        );
        let mut g = f.clone();
        g[38..40].copy_from_slice(&7u16.to_be_bytes());
        assert_eq!(
            decode(LinkType::Ethernet, &g),
            Err(DecodeError::UdpBadLength)
        );
        // An IP total length that leaves fewer than 8 bytes for UDP.
        let mut g = f.clone();
        g[16..18].copy_from_slice(&26u16.to_be_bytes());
        assert_eq!(
            decode(LinkType::Ethernet, &g),
            Err(DecodeError::UdpTruncated)
        );
    }
}
