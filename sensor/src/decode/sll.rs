//! Linux cooked captures ("any" device): SLL v1 and v2. The protocol field holds an ethertype,
//! so dispatch is shared with Ethernet (a tag the kernel did not strip is followed like one).

use super::ethernet;
use super::{DecodeError, Decoded, NetLayer};

/// SLL v1: packet type, ARPHRD type, address length, 8 address bytes, protocol.
mod v1 {
    pub const ARPHRD: usize = 2;
    pub const PROTOCOL: usize = 14;
}
/// SLL v2: protocol, reserved, interface index, ARPHRD type, packet type, address length,
/// 8 address bytes.
mod v2 {
    pub const PROTOCOL: usize = 0;
    pub const ARPHRD: usize = 8;
}

pub const V1_HEADER_LEN: usize = 16;
pub const V2_HEADER_LEN: usize = 20;
/// On netlink captures (nlmon) the protocol field is a netlink family, not an ethertype.
pub const ARPHRD_NETLINK: u16 = 824;

#[inline]
pub(crate) fn decode_v1(frame: &[u8], d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    let Some(h) = frame.first_chunk::<V1_HEADER_LEN>() else {
        return Err(DecodeError::SllTruncated);
    };
    let hatype = u16::from_be_bytes([h[v1::ARPHRD], h[v1::ARPHRD + 1]]);
    let proto = u16::from_be_bytes([h[v1::PROTOCOL], h[v1::PROTOCOL + 1]]);
    dispatch(frame, V1_HEADER_LEN, hatype, proto, d)
}

#[inline]
pub(crate) fn decode_v2(frame: &[u8], d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    let Some(h) = frame.first_chunk::<V2_HEADER_LEN>() else {
        return Err(DecodeError::SllTruncated);
    };
    let hatype = u16::from_be_bytes([h[v2::ARPHRD], h[v2::ARPHRD + 1]]);
    let proto = u16::from_be_bytes([h[v2::PROTOCOL], h[v2::PROTOCOL + 1]]);
    dispatch(frame, V2_HEADER_LEN, hatype, proto, d)
}

#[inline]
fn dispatch(
    frame: &[u8],
    off: usize,
    hatype: u16,
    proto: u16,
    d: &mut Decoded,
) -> Result<NetLayer, DecodeError> {
    if hatype == ARPHRD_NETLINK {
        return Ok(NetLayer::NotIp(0));
    }
    ethernet::decode_ethertype(frame, off, proto, d)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, DecodeError, DecodeOutcome, IcmpHeader, L4};
    use super::*;
    use crate::capture::LinkType;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    /// suricata-verify/tcp-fastopen-04/tfo.pcap #1: SLL v1 on loopback (ARPHRD 772), IPv4 TCP
    /// SYN carrying 3 bytes of Fast Open data.
    pub(crate) const SLL_TFO_SYN: &str = concat!(
        "000003040006000000000000000008004500004b6d4f40004006cf5b7f000001",
        "7f000001a7683039940edc2100000000d002aaaafe3f00000204ffd70402080a",
        "00dcb16e000000000103030afe0cf989a46fd54e0905784a486921",
    );
    /// zeek-traces/linuxsll-arp.pcap #1: SLL v1, ARP request.
    pub(crate) const SLL_ARP: &str = concat!(
        "000100010006cc2de0261999000008060001080006040001cc2de0261999c0a8",
        "1601000000000000c0a816a0000000000000000000000000000000000000",
    );
    /// zeek-traces/linux_dlt_sll2.pcap #1: SLL v2, ICMP echo request id 8 seq 1.
    pub(crate) const SLL2_PING: &str = concat!(
        "080000000000000103040006000000000000000045000054af8c40004001071a",
        "c0000201c0000201080066b400080001e9bdf96200000000e24e0d0000000000",
        "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f",
        "3031323334353637",
    );
    /// Same capture #3: SLL v2, ICMPv6 echo request id 9 seq 1.
    pub(crate) const SLL2_PING6: &str = concat!(
        "86dd0000000000010304000600000000000000006005c2e400403a40fe800000",
        "000000008c3606fffe44acaffe800000000000008c3606fffe44acaf8000a8d7",
        "00090001f8bdf96200000000ab59010000000000101112131415161718191a1b",
        "1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
    );

    #[test]
    fn sll_v1_tcp_syn_with_data() {
        let f = hex(SLL_TFO_SYN);
        let d = ip(decode(LinkType::LinuxSll, &f));
        assert_eq!(d.src, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!((d.l3_offset, d.l4_offset), (16, 36));
        let L4::Tcp(t) = d.l4 else {
            panic!("{:?}", d.l4)
        };
        assert_eq!((t.src_port, t.dst_port, t.header_len), (42856, 12345, 52));
        assert_eq!((d.payload_offset, d.payload_len), (88, 3));
        assert_eq!(&f[88..], b"Hi!");
    }

    #[test]
    fn sll_v1_arp() {
        assert_eq!(
            decode(LinkType::LinuxSll, &hex(SLL_ARP)),
            Ok(DecodeOutcome::NotIp { ethertype: 0x0806 })
        );
    }

    #[test]
    fn sll_v2_icmp_and_icmpv6_echo() {
        let f = hex(SLL2_PING);
        let d = ip(decode(LinkType::LinuxSll2, &f));
        assert_eq!(d.l3_offset, 20);
        assert_eq!(d.src, IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 8,
                code: 0,
                id: 8,
                seq: 1
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (48, 56));

        let f = hex(SLL2_PING6);
        let d = ip(decode(LinkType::LinuxSll2, &f));
        let ll: Ipv6Addr = "fe80::8c36:6ff:fe44:acaf".parse().unwrap();
        assert_eq!((d.src, d.dst), (IpAddr::V6(ll), IpAddr::V6(ll)));
        assert_eq!((d.ip_proto, d.ttl), (58, 64));
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 128,
                code: 0,
                id: 9,
                seq: 1
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (68, 56));
    }

    #[test]
    fn netlink_is_not_ip() {
        let mut f = hex(SLL2_PING);
        f[8..10].copy_from_slice(&ARPHRD_NETLINK.to_be_bytes());
        assert_eq!(
            decode(LinkType::LinuxSll2, &f),
            Ok(DecodeOutcome::NotIp { ethertype: 0 })
        );
    }

    #[test]
    fn truncations() {
        let f = hex(SLL_TFO_SYN);
        assert_eq!(
            decode(LinkType::LinuxSll, &f[..15]),
            Err(DecodeError::SllTruncated)
        );
        assert_eq!(
            decode(LinkType::LinuxSll, &f[..16]),
            Err(DecodeError::Ipv4Truncated)
        );
        let f = hex(SLL2_PING);
        assert_eq!(
            decode(LinkType::LinuxSll2, &f[..19]),
            Err(DecodeError::SllTruncated)
        );
        assert_eq!(
            decode(LinkType::LinuxSll2, &f[..20]),
            Err(DecodeError::Ipv4Truncated)
        );
    }
}
