//! BSD loopback: LINKTYPE_NULL (4-byte address family in the capturing host's byte order) and
//! LINKTYPE_LOOP (network byte order).

use super::{DecodeError, Decoded, NetLayer};
use crate::events::PacketEvent;

pub const HEADER_LEN: usize = 4;

/// Address families that mean IP. IPv6's value differs between systems.
pub mod af {
    pub const INET: u32 = 2;
    /// Linux.
    pub const INET6_LINUX: u32 = 10;
    /// NetBSD, OpenBSD, BSD/OS.
    pub const INET6_BSD: u32 = 24;
    /// FreeBSD, DragonFly.
    pub const INET6_FREEBSD: u32 = 28;
    /// macOS, iOS.
    pub const INET6_DARWIN: u32 = 30;
    /// Windows (Winsock).
    pub const INET6_WINSOCK: u32 = 23;
    /// Solaris.
    pub const INET6_SOLARIS: u32 = 26;
}

/// LINKTYPE_NULL. The file does not say which host wrote it, so both byte orders are accepted:
/// families are small numbers, so a value above 0xffff can only be one read the wrong way round
/// (Suricata reads the little-endian order only: D37). A family that is not IP is
/// `ltnull.unsupported_type`, as in Suricata.
#[inline]
pub(crate) fn decode_null(frame: &[u8], d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    let h = frame
        .first_chunk::<HEADER_LEN>()
        .ok_or(DecodeError::NullTruncated)?;
    let v = u32::from_le_bytes(*h);
    let family = if v > 0xffff { v.swap_bytes() } else { v };
    match by_family(family) {
        NetLayer::NotIp(_) => {
            d.events.set(PacketEvent::LtnullUnsupportedType);
            Err(DecodeError::NullUnsupportedType)
        }
        net => {
            if matches!(net, NetLayer::Ipv4(_)) && frame.len() == HEADER_LEN {
                // Suricata's IPv4 decoder is handed the empty datagram.
                d.events.set(PacketEvent::Ipv4PktTooSmall);
            }
            Ok(net)
        }
    }
}

/// LINKTYPE_LOOP: the family is always in network byte order.
#[inline]
pub(crate) fn decode_loop(frame: &[u8]) -> Result<NetLayer, DecodeError> {
    let h = frame
        .first_chunk::<HEADER_LEN>()
        .ok_or(DecodeError::NullTruncated)?;
    Ok(by_family(u32::from_be_bytes(*h)))
}

#[inline]
fn by_family(family: u32) -> NetLayer {
    match family {
        af::INET => NetLayer::Ipv4(HEADER_LEN),
        af::INET6_LINUX
        | af::INET6_BSD
        | af::INET6_FREEBSD
        | af::INET6_DARWIN
        | af::INET6_WINSOCK
        | af::INET6_SOLARIS => NetLayer::Ipv6(HEADER_LEN),
        _ => NetLayer::NotIp(0),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, DecodeError, DecodeOutcome, UdpHeader, L4};
    use crate::capture::LinkType;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    /// zeek-traces/udp-multiple-source-ports.pcap #1: NULL, AF_INET little-endian, UDP "1234\n".
    pub(crate) const NULL_UDP: &str = concat!(
        "020000004500002196ed00004011e5dc7f0000017f000001752e32c8000deb74",
        "313233340a",
    );
    /// zeek-traces/ssh/ssh-over-udp.pcap #1: NULL, AF 30 (Darwin IPv6) little-endian, UDP.
    pub(crate) const NULL_UDP6: &str = concat!(
        "1e000000600d0800001d11400000000000000000000000000000000100000000",
        "000000000000000000000001ce4604d2001d00305353482d322e302d4f70656e",
        "5353485f34322e320a",
    );

    fn with_family(frame: &str, family: [u8; 4]) -> Vec<u8> {
        let mut f = hex(frame);
        f[..4].copy_from_slice(&family);
        f
    }

    #[test]
    fn null_ipv4_both_byte_orders() {
        for fam in [[2, 0, 0, 0], [0, 0, 0, 2]] {
            let f = with_family(NULL_UDP, fam);
            let d = ip(decode(LinkType::Null, &f));
            assert_eq!(d.src, IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert_eq!(d.l3_offset, 4);
            assert_eq!(
                d.l4,
                L4::Udp(UdpHeader {
                    src_port: 29998,
                    dst_port: 13000,
                    length: 13
                })
            );
            assert_eq!(
                &f[d.payload_offset as usize..][..d.payload_len as usize],
                b"1234\n"
            );
        }
    }

    #[test]
    fn null_ipv6_every_family() {
        for fam in [10u32, 24, 28, 30] {
            for f in [
                with_family(NULL_UDP6, fam.to_le_bytes()),
                with_family(NULL_UDP6, fam.to_be_bytes()),
            ] {
                let d = ip(decode(LinkType::Null, &f));
                assert_eq!(d.src, IpAddr::V6(Ipv6Addr::LOCALHOST));
                let L4::Udp(u) = d.l4 else { panic!() };
                assert_eq!((u.src_port, u.dst_port), (52806, 1234));
                assert_eq!(d.payload_len, 21);
            }
        }
    }

    #[test]
    fn loop_is_big_endian() {
        let f = with_family(NULL_UDP, [0, 0, 0, 2]);
        assert_eq!(ip(decode(LinkType::Loop, &f)).l3_offset, 4);
        // Little-endian 2 read as network order is 0x02000000: not a known family.
        let f = hex(NULL_UDP);
        assert_eq!(
            decode(LinkType::Loop, &f),
            Ok(DecodeOutcome::NotIp { ethertype: 0 })
        );
        let f = with_family(NULL_UDP6, [0, 0, 0, 30]);
        assert_eq!(ip(decode(LinkType::Loop, &f)).ip_proto, 17);
    }

    #[test]
    fn unknown_family_and_truncation() {
        // Not IP: Suricata's `ltnull.unsupported_type` on an invalid packet.
        let f = with_family(NULL_UDP, [7, 0, 0, 0]);
        assert_eq!(
            decode(LinkType::Null, &f),
            Err(DecodeError::NullUnsupportedType)
        );
        let d = crate::decode::decode_invalid(LinkType::Null, &f, DecodeError::NullUnsupportedType)
            .unwrap();
        assert!(d
            .events
            .has(crate::events::PacketEvent::LtnullUnsupportedType));
        let f = hex(NULL_UDP);
        assert_eq!(
            decode(LinkType::Null, &f[..3]),
            Err(DecodeError::NullTruncated)
        );
        assert_eq!(
            decode(LinkType::Loop, &f[..3]),
            Err(DecodeError::NullTruncated)
        );
    }
}
