//! The reader's dispatch with several workers: the flow hash of a frame read straight from its
//! headers, without decoding it, so the reader only frames packets and the workers decode them.
//!
//! Only the common shapes are read this way: Ethernet (up to two VLAN tags) or raw IP, IPv4 that
//! is not a fragment or IPv6 without extension headers, carrying TCP or UDP (not VXLAN). For
//! anything else `flow_hash` says `None` and the reader decodes the frame itself, as before
//! (fragments need its defragmenter; tunnels, ICMP and the rest are rare). The hash is the one
//! the worker's flow table computes from the decoded packet (`FlowKey::hash64` of the same key),
//! so a flow's packets reach one worker whichever way each was dispatched: tested below on
//! arbitrary and mutated frames against the full decoder.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::capture::LinkType;
use crate::decode::{Decoded, TcpHeader, UdpHeader, L4};
use crate::flow::FlowKey;

const ETHERNET_HEADER: usize = 14;
const VLAN_TAG: usize = 4;
/// VLAN ids kept in a flow key (the decoder keeps the outer two).
const MAX_TAGS: u8 = 2;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
/// 802.1Q, 802.1ad and the old QinQ type: the tags the decoder reads.
const ETHERTYPE_TAGS: [u16; 3] = [0x8100, 0x88a8, 0x9100];
const VLAN_ID_MASK: u16 = 0x0fff;
const TCP: u8 = 6;
const UDP: u8 = 17;
/// UDP to this port may be VXLAN, which the decoder unwraps.
const VXLAN_PORT: u16 = 4789;
const IPV4_HEADER: usize = 20;
const IPV6_HEADER: usize = 40;
/// IPv4 "more fragments" flag and fragment offset.
const IPV4_FRAGMENT_BITS: u16 = 0x3fff;

/// The flow hash of a frame of a common shape (see the module doc), `None` otherwise.
#[inline]
pub fn flow_hash(link: LinkType, frame: &[u8]) -> Option<u64> {
    let mut d = Decoded::default();
    let (off, version) = match link {
        LinkType::Ethernet => ethernet(frame, &mut d)?,
        LinkType::Raw => (0, frame.first()? >> 4),
        LinkType::Ipv4 => (0, 4),
        LinkType::Ipv6 => (0, 6),
        _ => return None,
    };
    let ip = frame.get(off..)?;
    let l4 = match version {
        4 => {
            let h = ip.first_chunk::<IPV4_HEADER>()?;
            let header_len = usize::from(h[0] & 0x0f) * 4;
            let frag = u16::from_be_bytes([h[6], h[7]]);
            if h[0] >> 4 != 4 || header_len < IPV4_HEADER || frag & IPV4_FRAGMENT_BITS != 0 {
                return None;
            }
            d.ip_proto = h[9];
            d.src = IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15]));
            d.dst = IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19]));
            header_len
        }
        6 => {
            let h = ip.first_chunk::<IPV6_HEADER>()?;
            if h[0] >> 4 != 6 {
                return None;
            }
            d.ip_proto = h[6];
            let addr = |at: usize| {
                let b: [u8; 16] = h[at..at + 16].try_into().unwrap_or_default();
                IpAddr::V6(Ipv6Addr::from(b))
            };
            d.src = addr(8);
            d.dst = addr(24);
            IPV6_HEADER
        }
        _ => return None,
    };
    let ports = ip.get(l4..)?.first_chunk::<4>()?;
    let src_port = u16::from_be_bytes([ports[0], ports[1]]);
    let dst_port = u16::from_be_bytes([ports[2], ports[3]]);
    d.l4 = match d.ip_proto {
        TCP => L4::Tcp(TcpHeader {
            src_port,
            dst_port,
            ..TcpHeader::default()
        }),
        UDP if src_port != VXLAN_PORT && dst_port != VXLAN_PORT => L4::Udp(UdpHeader {
            src_port,
            dst_port,
            ..UdpHeader::default()
        }),
        _ => return None,
    };
    Some(FlowKey::from_decoded(&d).0.hash64())
}

/// The Ethernet header and VLAN tags: where IP starts and its version (by ethertype).
#[inline]
fn ethernet(frame: &[u8], d: &mut Decoded) -> Option<(usize, u8)> {
    let h = frame.first_chunk::<ETHERNET_HEADER>()?;
    let mut et = u16::from_be_bytes([h[12], h[13]]);
    let mut off = ETHERNET_HEADER;
    loop {
        match et {
            ETHERTYPE_IPV4 => return Some((off, 4)),
            ETHERTYPE_IPV6 => return Some((off, 6)),
            t if ETHERTYPE_TAGS.contains(&t) && d.vlan_count < MAX_TAGS => {
                let tag = frame.get(off..)?.first_chunk::<VLAN_TAG>()?;
                d.vlan[usize::from(d.vlan_count)] =
                    u16::from_be_bytes([tag[0], tag[1]]) & VLAN_ID_MASK;
                d.vlan_count += 1;
                et = u16::from_be_bytes([tag[2], tag[3]]);
                off += VLAN_TAG;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decode::{decode, DecodeOutcome};
    use crate::flow::FlowPacket;
    use crate::time::Timestamp;

    /// What the worker's flow table makes of the frame: the flow hash of a decoded packet that
    /// enters a flow, `None` for one that does not (errors, non-IP, fragments).
    fn decoded_hash(link: LinkType, frame: &[u8]) -> Option<u64> {
        match decode(link, frame) {
            Ok(DecodeOutcome::Ip(d)) if d.fragment.is_none() => {
                Some(FlowPacket::new(Timestamp::ZERO, 0, d).hash)
            }
            _ => None,
        }
    }

    /// The dispatch promise: a frame given a hash without decoding either enters no flow, or
    /// enters the flow with that hash.
    fn check(link: LinkType, frame: &[u8]) -> Option<u64> {
        let fast = flow_hash(link, frame);
        if let (Some(h), Some(want)) = (fast, decoded_hash(link, frame)) {
            assert_eq!(h, want, "{link:?} {frame:02x?}");
        }
        fast
    }

    fn frame(tags: &[u16], v6: bool, proto: u8, ports: (u16, u16), frag: u16) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
        for (i, t) in tags.iter().enumerate() {
            f.extend_from_slice(&[0x81, 0x00]);
            f.extend_from_slice(&(t | (i as u16) << 13).to_be_bytes());
        }
        let mut l4 = Vec::new();
        l4.extend_from_slice(&ports.0.to_be_bytes());
        l4.extend_from_slice(&ports.1.to_be_bytes());
        if proto == TCP {
            l4.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        } else {
            l4.extend_from_slice(&(8u16 + 5).to_be_bytes());
            l4.extend_from_slice(&[0, 0]);
        }
        l4.extend_from_slice(b"hello");
        if v6 {
            f.extend_from_slice(&[0x86, 0xdd, 0x60, 0, 0, 0]);
            f.extend_from_slice(&(l4.len() as u16).to_be_bytes());
            f.extend_from_slice(&[proto, 64]);
            f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
            f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
        } else {
            f.extend_from_slice(&[0x08, 0x00, 0x45, 0]);
            f.extend_from_slice(&((20 + l4.len()) as u16).to_be_bytes());
            f.extend_from_slice(&[0, 1]);
            f.extend_from_slice(&frag.to_be_bytes());
            f.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 9, 192, 168, 1, 7]);
        }
        f.extend_from_slice(&l4);
        f
    }

    #[test]
    fn common_frames_hash_like_their_flows_and_both_directions_agree() {
        for tags in [&[][..], &[100], &[100, 200]] {
            for v6 in [false, true] {
                for proto in [TCP, UDP] {
                    let f = frame(tags, v6, proto, (40000, 443), 0);
                    let h = check(LinkType::Ethernet, &f).expect("read without decoding");
                    assert_eq!(Some(h), decoded_hash(LinkType::Ethernet, &f));
                    // The reply, addresses and ports swapped, hashes the same.
                    let mut r = f.clone();
                    let ip = 14 + 4 * tags.len();
                    let (a, n) = if v6 { (ip + 8, 16) } else { (ip + 12, 4) };
                    let (src, dst) = (r[a..a + n].to_vec(), r[a + n..a + 2 * n].to_vec());
                    r[a..a + n].copy_from_slice(&dst);
                    r[a + n..a + 2 * n].copy_from_slice(&src);
                    let l4 = ip + if v6 { 40 } else { 20 };
                    r[l4..l4 + 4].copy_from_slice(&[1, 187, 0x9c, 0x40]);
                    assert_eq!(check(LinkType::Ethernet, &r), Some(h));
                    // Raw IP: the same flow when there were no VLAN tags.
                    let raw = check(LinkType::Raw, &f[ip..]);
                    assert_eq!(raw == Some(h), tags.is_empty());
                }
            }
        }
    }

    #[test]
    fn other_shapes_are_left_to_the_decoder() {
        // Fragments (more fragments; an offset), VXLAN, ICMP, three tags, ARP.
        assert_eq!(
            check(LinkType::Ethernet, &frame(&[], false, UDP, (1, 2), 0x2000)),
            None
        );
        assert_eq!(
            check(LinkType::Ethernet, &frame(&[], false, UDP, (1, 2), 0x0010)),
            None
        );
        assert_eq!(
            check(
                LinkType::Ethernet,
                &frame(&[], false, UDP, (5, VXLAN_PORT), 0)
            ),
            None
        );
        assert_eq!(
            check(LinkType::Ethernet, &frame(&[], false, 1, (8, 0), 0)),
            None
        );
        assert_eq!(
            check(LinkType::Ethernet, &frame(&[1, 2, 3], true, TCP, (1, 2), 0)),
            None
        );
        let mut arp = frame(&[], false, TCP, (1, 2), 0);
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert_eq!(check(LinkType::Ethernet, &arp), None);
        assert_eq!(check(LinkType::LinuxSll, &arp), None);
        // Don't-fragment is not a fragment.
        assert!(check(LinkType::Ethernet, &frame(&[], false, TCP, (1, 2), 0x4000)).is_some());
    }

    #[test]
    fn committed_captures_dispatch_like_their_flows() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
        let (mut fast, mut all) = (0, 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if ext != "pcap" && ext != "pcapng" {
                continue;
            }
            let mut src = crate::capture::open_file(&path).unwrap();
            while src.advance().unwrap() {
                let p = src.current().unwrap();
                all += 1;
                fast += usize::from(check(p.link, p.data).is_some());
            }
        }
        assert!(all > 10_000, "{all}");
        // Nearly everything takes the fast path.
        assert!(fast * 100 > all * 95, "{fast} of {all}");
    }

    fn mutated() -> impl Strategy<Value = (Vec<u8>, bool)> {
        (
            proptest::collection::vec(0u16..4096, 0..3),
            any::<bool>(),
            prop_oneof![Just(TCP), Just(UDP), any::<u8>()],
            any::<(u16, u16)>(),
            prop_oneof![Just(0u16), Just(0x4000), any::<u16>()],
            proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
            any::<usize>(),
            any::<bool>(),
        )
            .prop_map(|(tags, v6, proto, ports, frag, edits, cut, raw)| {
                let mut f = frame(&tags, v6, proto, ports, frag);
                for (at, v) in edits {
                    let n = f.len();
                    f[at % n] = v;
                }
                f.truncate(cut % (f.len() + 1));
                (f, raw)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn fast_hash_agrees_with_the_decoder_on_mutated_frames((f, raw) in mutated()) {
            check(LinkType::Ethernet, &f);
            if raw {
                for link in [LinkType::Raw, LinkType::Ipv4, LinkType::Ipv6] {
                    check(link, f.get(14..).unwrap_or(&[]));
                }
            }
        }

        #[test]
        fn fast_hash_agrees_with_the_decoder_on_arbitrary_bytes(
            f in proptest::collection::vec(any::<u8>(), 0..120),
        ) {
            for link in [LinkType::Ethernet, LinkType::Raw, LinkType::Ipv4, LinkType::Ipv6] {
                check(link, &f);
            }
        }
    }
}
