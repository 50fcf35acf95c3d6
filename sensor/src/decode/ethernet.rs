//! Ethernet II framing and VLAN tags (802.1Q, 802.1ad, and the pre-standard 0x9100 QinQ).

use super::{encap, DecodeError, Decoded, NetLayer};
use crate::events::PacketEvent;

mod field {
    pub const ETHERTYPE: usize = 12;
    /// In a VLAN tag: tag control information (PCP, DEI, 12-bit VLAN id), then the next type.
    pub const TAG_TCI: usize = 0;
    pub const TAG_ETHERTYPE: usize = 2;
}

/// Destination and source MAC, ethertype.
pub const HEADER_LEN: usize = 14;
pub const VLAN_TAG_LEN: usize = 4;
/// Stacks deeper than this are not followed (`DecodeError::VlanTooDeep`): real networks use
/// two, and the bound keeps a crafted frame of tags from costing a loop over the whole frame.
pub const MAX_VLAN_DEPTH: usize = 8;
/// Below this the field is an 802.3 length, not an ethertype.
pub const MIN_ETHERTYPE: u16 = 0x0600;
const VLAN_ID_MASK: u16 = 0x0fff;

pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86dd;
    pub const QINQ: u16 = 0x88a8;
    pub const LLDP: u16 = 0x88cc;
    pub const QINQ_OLD: u16 = 0x9100;
    pub const MPLS_UNICAST: u16 = 0x8847;
    pub const MPLS_MULTICAST: u16 = 0x8848;
    pub const PPPOE_DISCOVERY: u16 = 0x8863;
    pub const PPPOE_SESSION: u16 = 0x8864;
    pub const IEEE8021AH: u16 = 0x88e7;
    pub const DCE: u16 = 0x8903;
    pub const VNTAG: u16 = 0x8926;
    pub const ERSPAN: u16 = 0x88be;
    pub const BRIDGE: u16 = 0x6558;
}

/// 802.1ah: I-TAG, customer destination and source MAC, type.
const IEEE8021AH_LEN: usize = 18;
/// VN-Tag: 4 bytes of tag, then the type.
const VNTAG_LEN: usize = 6;
/// What Suricata requires after a DCE type: 2 bytes and an Ethernet header.
const DCE_LEN: usize = 16;

/// Decodes the Ethernet header and what follows it down to the network layer (VLAN tags,
/// MPLS, PPPoE, 802.1ah, VN-Tag, DCE); VLAN ids go into `d`.
#[inline]
pub(crate) fn decode(frame: &[u8], d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    decode_at(frame, 0, d)
}

/// [`decode`] for an Ethernet header at `off` (inside a tunnel).
#[inline]
pub(crate) fn decode_at(
    frame: &[u8],
    off: usize,
    d: &mut Decoded,
) -> Result<NetLayer, DecodeError> {
    let Some(h) = frame.get(off..).and_then(|b| b.first_chunk::<HEADER_LEN>()) else {
        return Err(DecodeError::EthernetTruncated);
    };
    let et = u16::from_be_bytes([h[field::ETHERTYPE], h[field::ETHERTYPE + 1]]);
    dispatch(frame, off + HEADER_LEN, et, d, 1)
}

/// VLAN layers Suricata decodes; a fourth raises `vlan.too_many_layers`.
const SURICATA_VLAN_LAYERS: usize = 3;

/// Suricata's `decoder.max-layers` default: the layer that reaches it is not decoded and
/// raises `too_many_layers`. Ethernet headers, VLAN tags, VN-Tags, MPLS stacks and the IP
/// header count, PPPoE and 802.1ah do not (measured on chains of each: `testdata/encap.tsv`).
pub(crate) const MAX_LAYERS: u8 = 16;

/// Types Suricata 7.0.10 decodes after a VLAN tag or a VN-Tag besides IP and further tags (ARP,
/// MPLS, PPPoE discovery and session, 802.1ah, VN-Tag, DCE, NSH); any other is
/// `vlan.unknown_type` / `vntag.unknown_type` (measured: `testdata/vlan.tsv`,
/// `testdata/encap.tsv`).
const KNOWN_AFTER_VLAN: [u16; 9] = [
    0x0806, 0x8847, 0x8848, 0x8863, 0x8864, 0x88e7, 0x8926, 0x894f, 0x8903,
];

/// Dispatches on an ethertype found at the end of a link header whose payload starts at `off`,
/// following VLAN tags. Shared with the Linux cooked-capture decoders, whose protocol field
/// holds an ethertype.
#[inline]
pub(crate) fn decode_ethertype(
    frame: &[u8],
    off: usize,
    et: u16,
    d: &mut Decoded,
) -> Result<NetLayer, DecodeError> {
    dispatch(frame, off, et, d, 0)
}

/// What put the current ethertype in front of the decoder: an unknown type after a VLAN tag or
/// a VN-Tag is an event, after a link header or 802.1ah it is just not IP.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Before {
    Link,
    Vlan,
    Vntag,
}

/// Counts one more decoder layer, as Suricata does before decoding it.
#[inline]
fn layer(layers: &mut u8, d: &mut Decoded) -> Result<(), DecodeError> {
    *layers = layers.saturating_add(1);
    if *layers >= MAX_LAYERS {
        d.events.set(PacketEvent::TooManyLayers);
        return Err(DecodeError::TooManyLayers);
    }
    Ok(())
}

/// The layers between the link header and IP. Every step moves `off` forward by a header, so
/// the loop ends with the frame (and sooner, at the layer limit).
fn dispatch(
    frame: &[u8],
    mut off: usize,
    mut et: u16,
    d: &mut Decoded,
    mut layers: u8,
) -> Result<NetLayer, DecodeError> {
    let mut depth = 0;
    let mut before = Before::Link;
    loop {
        match et {
            ethertype::IPV4 => {
                layer(&mut layers, d)?;
                if off >= frame.len() {
                    // Suricata's IPv4 decoder is handed the empty datagram.
                    d.events.set(PacketEvent::Ipv4PktTooSmall);
                }
                return Ok(NetLayer::Ipv4(off));
            }
            ethertype::IPV6 => {
                layer(&mut layers, d)?;
                return Ok(NetLayer::Ipv6(off));
            }
            ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD => {
                depth += 1;
                if depth > MAX_VLAN_DEPTH {
                    return Err(DecodeError::VlanTooDeep);
                }
                if depth == SURICATA_VLAN_LAYERS + 1 {
                    // Suricata stops decoding here; the sensor goes on (up to 8 tags).
                    d.events.set(PacketEvent::VlanTooManyLayers);
                }
                let tag = frame
                    .get(off..)
                    .and_then(|b| b.first_chunk::<VLAN_TAG_LEN>())
                    .ok_or(DecodeError::VlanTruncated)?;
                layer(&mut layers, d)?;
                let tci = u16::from_be_bytes([tag[field::TAG_TCI], tag[field::TAG_TCI + 1]]);
                if let Some(slot) = d.vlan.get_mut(usize::from(d.vlan_count)) {
                    *slot = tci & VLAN_ID_MASK;
                    d.vlan_count += 1;
                }
                et = u16::from_be_bytes([tag[field::TAG_ETHERTYPE], tag[field::TAG_ETHERTYPE + 1]]);
                off += VLAN_TAG_LEN;
                before = Before::Vlan;
            }
            ethertype::MPLS_UNICAST | ethertype::MPLS_MULTICAST => {
                layer(&mut layers, d)?;
                match encap::mpls(frame, off, d)? {
                    encap::MplsInner::Ipv4(o) => {
                        layer(&mut layers, d)?;
                        return Ok(NetLayer::Ipv4(o));
                    }
                    encap::MplsInner::Ipv6(o) => {
                        layer(&mut layers, d)?;
                        return Ok(NetLayer::Ipv6(o));
                    }
                    encap::MplsInner::Ethernet(o) => {
                        (off, et) = ethernet_at(frame, o, d, &mut layers)?;
                        before = Before::Link;
                    }
                }
            }
            ethertype::PPPOE_DISCOVERY => return encap::pppoe_discovery(frame, off, d),
            ethertype::PPPOE_SESSION => {
                return match encap::pppoe_session(frame, off, d)? {
                    NetLayer::Ipv4(o) | NetLayer::AnyIp(o) => {
                        layer(&mut layers, d)?;
                        Ok(NetLayer::Ipv4(o))
                    }
                    NetLayer::Ipv6(o) => {
                        layer(&mut layers, d)?;
                        Ok(NetLayer::Ipv6(o))
                    }
                    other => Ok(other),
                };
            }
            ethertype::IEEE8021AH => {
                // I-TAG (4 bytes), customer MACs, then the next type.
                let h = frame
                    .get(off..)
                    .and_then(|b| b.first_chunk::<IEEE8021AH_LEN>())
                    .ok_or_else(|| {
                        d.events.set(PacketEvent::Ieee8021ahHeaderTooSmall);
                        DecodeError::Ieee8021ahTruncated
                    })?;
                et = u16::from_be_bytes([h[IEEE8021AH_LEN - 2], h[IEEE8021AH_LEN - 1]]);
                off += IEEE8021AH_LEN;
                before = Before::Link;
            }
            ethertype::VNTAG => {
                let h = frame
                    .get(off..)
                    .and_then(|b| b.first_chunk::<VNTAG_LEN>())
                    .ok_or_else(|| {
                        d.events.set(PacketEvent::VntagHeaderTooSmall);
                        DecodeError::VntagInvalid
                    })?;
                layer(&mut layers, d)?;
                et = u16::from_be_bytes([h[4], h[5]]);
                off += VNTAG_LEN;
                before = Before::Vntag;
            }
            ethertype::DCE => {
                // Two bytes, then a whole Ethernet frame; Suricata wants 16 bytes.
                if frame.len().saturating_sub(off) < DCE_LEN {
                    d.events.set(PacketEvent::DcePktTooSmall);
                    return Err(DecodeError::DceTruncated);
                }
                (off, et) = ethernet_at(frame, off + 2, d, &mut layers)?;
                before = Before::Link;
            }
            t => {
                if !KNOWN_AFTER_VLAN.contains(&t) {
                    // Suricata: an invalid packet, which decoder-event rules still see.
                    match before {
                        Before::Vlan => {
                            d.events.set(PacketEvent::VlanUnknownType);
                            return Err(DecodeError::VlanUnknownType);
                        }
                        Before::Vntag => {
                            d.events.set(PacketEvent::VntagUnknownType);
                            return Err(DecodeError::VntagInvalid);
                        }
                        Before::Link => {}
                    }
                }
                // 802.3 length field (LLC, SNAP): no ethertype to report.
                return Ok(NetLayer::NotIp(if t < MIN_ETHERTYPE { 0 } else { t }));
            }
        }
    }
}

/// An inner Ethernet header at `off` (MPLS pseudowire, DCE): where its payload starts and its
/// type, counted as a layer.
fn ethernet_at(
    frame: &[u8],
    off: usize,
    d: &mut Decoded,
    layers: &mut u8,
) -> Result<(usize, u16), DecodeError> {
    let Some(h) = frame.get(off..).and_then(|b| b.first_chunk::<HEADER_LEN>()) else {
        d.events.set(PacketEvent::EthernetPktTooSmall);
        return Err(DecodeError::EthernetTruncated);
    };
    layer(layers, d)?;
    Ok((
        off + HEADER_LEN,
        u16::from_be_bytes([h[field::ETHERTYPE], h[field::ETHERTYPE + 1]]),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, DecodeError, DecodeOutcome, TcpHeader, UdpHeader, L4};
    use super::*;
    use crate::capture::LinkType;
    use std::net::{IpAddr, Ipv4Addr};

    /// zeek-traces/tcp-http-with-padding.pcap #1: IPv4 TCP SYN with options, 2 bytes of
    /// Ethernet padding after the 64-byte datagram.
    pub(crate) const SYN_PADDED: &str = concat!(
        "4cd98f8b4075182ad32f15f00800450000400000400032060917a7dd1eb5d9cf",
        "9f3fe80e6a885323ca3d00000000b002ffffd7390000020405ac010303060101",
        "080abbfdf4320000000004020000ffff",
    );
    /// Same capture #6: PSH/ACK with one byte of data and 2 bytes of padding.
    pub(crate) const PSH_PADDED: &str = concat!(
        "4cd98f8b4075182ad32f15f00800450000350000400032060922a7dd1eb5d9cf",
        "9f3fe80e6a885323ca3fa15a58ce80180816879800000101080abbfdff60f3e0",
        "490145ffff",
    );
    /// zeek-traces/http-vlan-0.pcap #1: one 802.1Q tag (PCP 5, VLAN 0), TCP SYN.
    pub(crate) const VLAN_SYN: &str = concat!(
        "0010db88d2efc8bcc896d2a08100b000080045000040df8e400040066dd38d8e",
        "e405c096bb2be9d00050fe21323a00000000b002ffff3bc00000020405b40103",
        "03040101080a164add200000000004020000",
    );
    /// zeek-traces/q-in-q.pcap #1: VLAN 13 then 10 (both 0x8100), UDP BACnet.
    pub(crate) const QINQ_UDP: &str = concat!(
        "ffffffffffff00c0e4012ced8100000d8100000a08004500002e479600004011",
        "749eac133325ac13333fbac0bac0001ab9da810b00120120ffff00ff10080a1b",
        "591a1b59",
    );
    /// zeek-traces/vlan-qinqinq.pcap #1: three tags, VLAN 30, 20, 10.
    pub(crate) const QINQINQ_SYN: &str = concat!(
        "0010db88d2efc8bcc896d2a08100001e810000148100000a080045000040df8e",
        "400040066dd38d8ee405c096bb2be9d00050fe21323a00000000b002ffff3bc0",
        "0000020405b4010303040101080a164add200000000004020000",
    );
    /// zeek-traces/icmp_dot1q.pcap #1: gratuitous ARP in VLAN 123.
    pub(crate) const VLAN_ARP: &str = concat!(
        "ffffffffffff001906eab8c18100007b08060001080006040002001906eab8c1",
        "c0a87b01ffffffffffffc0a87b01000000000000000000000000000000000000",
    );
    /// zeek-traces/lldp.pcap #1 (first 32 bytes: the decoder stops at the ethertype).
    pub(crate) const LLDP: &str =
        "0180c200000e00222d81db1088cc02070400222d81db10040207310602007808";
    /// zeek-traces/cdp-v1.pcap #1 (first 32 bytes): 802.3 length 0x011e, LLC/SNAP, CDP.
    pub(crate) const CDP_8023: &str =
        "01000ccccccc00e01ed5d515011eaaaa0300000c200001b4dff0000100065231";
    /// zeek-traces/trunc/trunc-hdr.pcap #1: a frame cut after 8 bytes.
    pub(crate) const TRUNC_HDR: &str = "002688e78d81a820";

    #[test]
    fn ipv4_tcp_syn_with_padding() {
        let f = hex(SYN_PADDED);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.vlan_count, 0);
        assert_eq!(d.src, IpAddr::V4(Ipv4Addr::new(167, 221, 30, 181)));
        assert_eq!(d.dst, IpAddr::V4(Ipv4Addr::new(217, 207, 159, 63)));
        assert_eq!((d.ip_proto, d.ttl), (6, 0x32));
        assert_eq!((d.l3_offset, d.l4_offset, d.payload_offset), (14, 34, 78));
        assert_eq!(d.payload_len, 0, "the 2 padding bytes are not payload");
        assert_eq!(
            d.l4,
            L4::Tcp(TcpHeader {
                src_port: 59406,
                dst_port: 27272,
                seq: 0x5323_ca3d,
                ack: 0,
                flags: TcpHeader::SYN,
                window: 65535,
                header_len: 44,
            })
        );
        assert_eq!(d.fragment, None);
    }

    #[test]
    fn payload_excludes_padding() {
        let f = hex(PSH_PADDED);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.payload_offset, d.payload_len), (66, 1));
        assert_eq!(f[66], b'E');
        let L4::Tcp(t) = d.l4 else { panic!() };
        assert_eq!(t.flags, TcpHeader::PSH | TcpHeader::ACK);
    }

    #[test]
    fn single_vlan() {
        let f = hex(VLAN_SYN);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.vlan_count, d.vlan[0]), (1, 0));
        assert_eq!((d.l3_offset, d.l4_offset), (18, 38));
        let L4::Tcp(t) = d.l4 else { panic!() };
        assert_eq!(
            (t.src_port, t.dst_port, t.flags),
            (59856, 80, TcpHeader::SYN)
        );
    }

    #[test]
    fn qinq() {
        let f = hex(QINQ_UDP);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.vlan_count, d.vlan), (2, [13, 10]));
        assert_eq!(d.l3_offset, 22);
        assert_eq!(
            d.l4,
            L4::Udp(UdpHeader {
                src_port: 47808,
                dst_port: 47808,
                length: 26
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (50, 18));
    }

    #[test]
    fn qinq_8021ad_and_9100_outer_tags() {
        // The real QinQ frame with its outer TPID rewritten to 802.1ad and to 0x9100.
        for tpid in [[0x88, 0xa8], [0x91, 0x00]] {
            let mut f = hex(QINQ_UDP);
            f[12..14].copy_from_slice(&tpid);
            let d = ip(decode(LinkType::Ethernet, &f));
            assert_eq!((d.vlan_count, d.vlan), (2, [13, 10]));
        }
    }

    #[test]
    fn three_tags_keep_outer_two() {
        let f = hex(QINQINQ_SYN);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.vlan_count, d.vlan), (2, [30, 20]));
        assert_eq!(d.l3_offset, 26);
    }

    #[test]
    fn vlan_too_deep() {
        // The QinQ frame's tags repeated to MAX_VLAN_DEPTH + 1.
        let f = hex(QINQ_UDP);
        let mut deep = f[..12].to_vec();
        for _ in 0..=MAX_VLAN_DEPTH {
            deep.extend_from_slice(&[0x81, 0x00, 0x00, 0x0d]);
        }
        deep.extend_from_slice(&f[20..]);
        assert_eq!(
            decode(LinkType::Ethernet, &deep),
            Err(DecodeError::VlanTooDeep)
        );
        // Exactly MAX_VLAN_DEPTH tags still decode.
        let mut ok = f[..12].to_vec();
        for _ in 0..MAX_VLAN_DEPTH {
            ok.extend_from_slice(&[0x81, 0x00, 0x00, 0x0d]);
        }
        ok.extend_from_slice(&f[20..]);
        assert_eq!(ip(decode(LinkType::Ethernet, &ok)).vlan_count, 2);
    }

    #[test]
    fn non_ip() {
        let arp = hex(VLAN_ARP);
        assert_eq!(
            decode(LinkType::Ethernet, &arp),
            Ok(DecodeOutcome::NotIp {
                ethertype: ethertype::ARP
            })
        );
        assert_eq!(
            decode(LinkType::Ethernet, &hex(LLDP)),
            Ok(DecodeOutcome::NotIp {
                ethertype: ethertype::LLDP
            })
        );
        assert_eq!(
            decode(LinkType::Ethernet, &hex(CDP_8023)),
            Ok(DecodeOutcome::NotIp { ethertype: 0 })
        );
    }

    #[test]
    fn truncations() {
        assert_eq!(
            decode(LinkType::Ethernet, &hex(TRUNC_HDR)),
            Err(DecodeError::EthernetTruncated)
        );
        let f = hex(QINQ_UDP);
        for cut in 14..22 {
            assert_eq!(
                decode(LinkType::Ethernet, &f[..cut]),
                Err(DecodeError::VlanTruncated)
            );
        }
        assert_eq!(
            decode(LinkType::Ethernet, &f[..22]),
            Err(DecodeError::Ipv4Truncated)
        );
    }
}
