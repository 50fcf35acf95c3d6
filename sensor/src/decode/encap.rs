//! Encapsulations between the link and the network layer (MPLS, PPPoE, PPP) and the tunnel
//! headers that carry a whole inner packet (GRE with ERSPAN, VXLAN, Geneve, Teredo), with the
//! decoder events Suricata 7.0.10 raises on each (measured: `testdata/encap.tsv`, D37). The
//! functions here read headers and set events; `ethernet.rs` and `unwrap_tunnels` walk the
//! layers.

use super::{DecodeError, Decoded, NetLayer};
use crate::events::{PacketEvent, PacketEvents};

const IPV4_MIN: usize = 20;
const IPV6_MIN: usize = 40;

/// What follows an MPLS label stack.
pub(crate) enum MplsInner {
    Ipv4(usize),
    Ipv6(usize),
    /// An Ethernet pseudowire frame at this offset (after its 4-byte control word).
    Ethernet(usize),
}

/// MPLS labels from `off` to the bottom of the stack; the bottom label says (or the first
/// nibble after it guesses) what is carried. Reserved labels other than the IPv4 and IPv6
/// explicit nulls raise their events and end decoding, as in Suricata.
pub(crate) fn mpls(
    frame: &[u8],
    mut off: usize,
    d: &mut Decoded,
) -> Result<MplsInner, DecodeError> {
    let label = loop {
        let Some(&shim) = frame.get(off..).and_then(|b| b.first_chunk::<4>()) else {
            d.events.set(PacketEvent::MplsHeaderTooSmall);
            return Err(DecodeError::MplsInvalid);
        };
        off += 4;
        let shim = u32::from_be_bytes(shim);
        if shim & 0x100 != 0 {
            break shim >> 12;
        }
    };
    let rest = frame.len().saturating_sub(off);
    let event = match label {
        0 => {
            if rest == 0 {
                d.events.set(PacketEvent::Ipv4PktTooSmall);
            }
            return Ok(MplsInner::Ipv4(off));
        }
        // Suricata's IPv6 decoder stays silent on a datagram shorter than its header here.
        2 if rest < IPV6_MIN => return Err(DecodeError::Ipv6Truncated),
        2 => return Ok(MplsInner::Ipv6(off)),
        1 => PacketEvent::MplsBadLabelRouterAlert,
        3 => PacketEvent::MplsBadLabelImplicitNull,
        4..=14 => PacketEvent::MplsBadLabelReserved,
        _ => {
            if rest < 4 {
                d.events.set(PacketEvent::MplsPktTooSmall);
                return Err(DecodeError::MplsInvalid);
            }
            return match frame[off] >> 4 {
                4 => Ok(MplsInner::Ipv4(off)),
                6 if rest < IPV6_MIN => Err(DecodeError::Ipv6Truncated),
                6 => Ok(MplsInner::Ipv6(off)),
                0 => Ok(MplsInner::Ethernet(off + 4)),
                _ => {
                    d.events.set(PacketEvent::MplsUnknownPayloadType);
                    Err(DecodeError::MplsInvalid)
                }
            };
        }
    };
    d.events.set(event);
    Err(DecodeError::MplsInvalid)
}

/// PPPoE discovery (RFC 2516): checked (code, tag length), never IP.
pub(crate) fn pppoe_discovery(
    frame: &[u8],
    off: usize,
    d: &mut Decoded,
) -> Result<NetLayer, DecodeError> {
    let Some(h) = frame.get(off..).and_then(|b| b.first_chunk::<6>()) else {
        d.events.set(PacketEvent::PppoePktTooSmall);
        return Err(DecodeError::PppoeInvalid);
    };
    // PADI, PADO, PADR, PADS, PADT.
    if !matches!(h[1], 0x09 | 0x07 | 0x19 | 0x65 | 0xa7) {
        d.events.set(PacketEvent::PppoeWrongCode);
        return Err(DecodeError::PppoeInvalid);
    }
    let declared = usize::from(u16::from_be_bytes([h[4], h[5]]));
    if declared > frame.len() - off - 6 {
        d.events.set(PacketEvent::PppoeMalformedTags);
        return Err(DecodeError::PppoeInvalid);
    }
    Ok(NetLayer::NotIp(0x8863))
}

/// PPP protocols Suricata knows but does not decode (`ppp.unsup_proto`); any other that is not
/// IP is `ppp.wrong_type`. Through PPPoE, three of them (CCP, CBCP, compressed datagram) are
/// not in the list.
const PPP_KNOWN: [u16; 31] = [
    0x002d, 0x002b, 0x0023, 0x0025, 0x0027, 0x0029, 0x0031, 0x0033, 0x0035, 0x0201, 0x0231, 0x0233,
    0x0281, 0x0283, 0x8021, 0x8023, 0x8025, 0x8027, 0x8029, 0x802b, 0x8033, 0x8035, 0x8057, 0x8281,
    0xc021, 0xc023, 0xc025, 0xc223, 0x00fd, 0xc029, 0x80fd,
];
const PPPOE_KNOWN: &[u16] = PPP_KNOWN.split_at(28).0;

const PPP_IP: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;
/// Van Jacobson uncompressed: an IPv4 header (when its version says so).
const PPP_VJ_UCOMP: u16 = 0x002f;

/// IP after a PPP protocol field: the too-small event for `proto`, or where the datagram
/// starts. `rest` is the captured length from `off`.
fn ppp_ip(proto: u16, frame: &[u8], off: usize, d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    let rest = frame.len().saturating_sub(off);
    let (min, event) = match proto {
        PPP_IP => (IPV4_MIN, PacketEvent::PppIp4PktTooSmall),
        PPP_IPV6 => (IPV6_MIN, PacketEvent::PppIp6PktTooSmall),
        _ => (IPV4_MIN, PacketEvent::PppVjuPktTooSmall),
    };
    if rest < min {
        d.events.set(event);
        return Err(DecodeError::PppTruncated);
    }
    Ok(match proto {
        PPP_IP => NetLayer::Ipv4(off),
        PPP_IPV6 => NetLayer::Ipv6(off),
        // VJ uncompressed carrying something else: Suricata drops it without an event.
        _ if frame[off] >> 4 != 4 => return Err(DecodeError::PppNotIp),
        _ => NetLayer::Ipv4(off),
    })
}

fn ppp_not_ip(event: PacketEvent, d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    d.events.set(event);
    Err(DecodeError::PppNotIp)
}

/// PPP at `off` (LINKTYPE_PPP, GRE): optional HDLC address and control bytes (a leading 0xff),
/// then a protocol field of one byte (odd first byte, RFC 1661 PFC) or two.
pub(crate) fn ppp(frame: &[u8], off: usize, d: &mut Decoded) -> Result<NetLayer, DecodeError> {
    let data = frame.get(off..).unwrap_or(&[]);
    let too_small = |d: &mut Decoded| {
        d.events.set(PacketEvent::PppPktTooSmall);
        Err(DecodeError::PppTruncated)
    };
    let Some(&first) = data.first() else {
        return too_small(d);
    };
    let start = if first == 0xff {
        if data.len() < 3 {
            return too_small(d);
        }
        2
    } else {
        0
    };
    let b = data[start];
    if b & 1 == 1 {
        return match u16::from(b) {
            p @ (PPP_IP | PPP_IPV6 | PPP_VJ_UCOMP) => ppp_ip(p, frame, off + start + 1, d),
            _ => ppp_not_ip(PacketEvent::PppUnsupProto, d),
        };
    }
    let Some(&[hi, lo]) = data
        .get(start..start + 2)
        .and_then(|b| b.first_chunk::<2>())
    else {
        return too_small(d);
    };
    match u16::from_be_bytes([hi, lo]) {
        p @ (PPP_IP | PPP_IPV6 | PPP_VJ_UCOMP) => ppp_ip(p, frame, off + start + 2, d),
        p if PPP_KNOWN.contains(&p) => ppp_not_ip(PacketEvent::PppUnsupProto, d),
        _ => ppp_not_ip(PacketEvent::PppWrongType, d),
    }
}

/// PPPoE session (RFC 2516): a 6-byte header, then the PPP protocol field (one byte when
/// compressed) and the PPP payload. A zero length field carries nothing.
pub(crate) fn pppoe_session(
    frame: &[u8],
    off: usize,
    d: &mut Decoded,
) -> Result<NetLayer, DecodeError> {
    let Some(h) = frame.get(off..).and_then(|b| b.first_chunk::<8>()) else {
        d.events.set(PacketEvent::PppoePktTooSmall);
        return Err(DecodeError::PppoeInvalid);
    };
    if u16::from_be_bytes([h[4], h[5]]) == 0 {
        return Ok(NetLayer::NotIp(0x8864));
    }
    let (proto, hdr) = if h[6] & 1 == 1 {
        (u16::from(h[6]), 7)
    } else {
        (u16::from_be_bytes([h[6], h[7]]), 8)
    };
    match proto {
        PPP_IP | PPP_IPV6 | PPP_VJ_UCOMP => ppp_ip(proto, frame, off + hdr, d),
        // A compressed protocol byte is looked up as the two-byte value it stands for.
        p if PPPOE_KNOWN.contains(&p) => ppp_not_ip(PacketEvent::PppUnsupProto, d),
        _ => ppp_not_ip(PacketEvent::PppWrongType, d),
    }
}

/// What a GRE header says it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GreInner {
    Ipv4,
    Ipv6,
    Ppp,
    /// An 802.1Q tag (and what follows it).
    Vlan,
    /// Bridged Ethernet, and ERSPAN type I (no header of its own).
    Ethernet,
    /// ERSPAN type II: an 8-byte header, then Ethernet.
    Erspan2,
}

/// A GRE header (RFC 2784/2890 version 0, RFC 2637 version 1 as PPTP uses it) at the start of
/// `p` (the IP payload): its length and what it carries, or `None` (with the outer packet's
/// event when Suricata raises one) when the tunnel is not followed.
pub(crate) fn gre(p: &[u8], ev: &mut PacketEvents) -> Option<(usize, GreInner)> {
    let Some(&[f1, f2, p1, p2]) = p.first_chunk::<4>() else {
        ev.set(PacketEvent::GrePktTooSmall);
        return None;
    };
    let proto = u16::from_be_bytes([p1, p2]);
    let (checksum, route, key, seq, ssr, recur) = (
        f1 & 0x80 != 0,
        f1 & 0x40 != 0,
        f1 & 0x20 != 0,
        f1 & 0x10 != 0,
        f1 & 0x08 != 0,
        f1 & 0x07 != 0,
    );
    let mut fail = |e: PacketEvent| {
        ev.set(e);
        None
    };
    let mut len = 4;
    match f2 & 0x07 {
        0 => {
            if recur {
                return fail(PacketEvent::GreV0Recur);
            }
            if f2 & 0x78 != 0 {
                return fail(PacketEvent::GreV0Flags);
            }
            len += 4 * (usize::from(key) + usize::from(seq) + usize::from(checksum || route));
            if len > p.len() {
                return fail(PacketEvent::GreV0HdrTooBig);
            }
            if route {
                // Source route entries: family, offset, length; family 0 and length 0 end them.
                loop {
                    let Some(&[a, b, _, l]) = p.get(len..).and_then(|s| s.first_chunk::<4>())
                    else {
                        return fail(PacketEvent::GreV0MalformedSreHdr);
                    };
                    len += 4;
                    if a == 0 && b == 0 && l == 0 {
                        break;
                    }
                    len += usize::from(l);
                    if len > p.len() {
                        return fail(PacketEvent::GreV0MalformedSreHdr);
                    }
                }
            }
        }
        1 => {
            let refused = [
                (checksum, PacketEvent::GreV1Chksum),
                (route, PacketEvent::GreV1Route),
                (ssr, PacketEvent::GreV1Ssr),
                (recur, PacketEvent::GreV1Recur),
                (f2 & 0x78 != 0, PacketEvent::GreV1Flags),
                (proto != 0x880b, PacketEvent::GreV1WrongProtocol),
                (!key, PacketEvent::GreV1NoKey),
            ];
            if let Some(&(_, e)) = refused.iter().find(|(bad, _)| *bad) {
                return fail(e);
            }
            // Key (payload length and call id), sequence, acknowledgement.
            len += 4 + 4 * (usize::from(seq) + usize::from(f2 & 0x80 != 0));
            if len > p.len() {
                return fail(PacketEvent::GreV1HdrTooBig);
            }
            // PPTP with a zero payload length (an acknowledgement only) carries nothing.
            if p[4] == 0 && p[5] == 0 {
                return None;
            }
        }
        _ => return fail(PacketEvent::GreWrongVersion),
    }
    let inner = match proto {
        0x0800 => GreInner::Ipv4,
        0x86dd => GreInner::Ipv6,
        0x880b => GreInner::Ppp,
        0x8100 => GreInner::Vlan,
        0x6558 => GreInner::Ethernet,
        // ERSPAN: type II has the sequence number flag, type I does not.
        0x88be if seq => GreInner::Erspan2,
        0x88be => GreInner::Ethernet,
        _ => return None,
    };
    Some((len, inner))
}

/// ERSPAN type II: where its Ethernet frame starts in `p`, its VLAN id recorded in `d`. Suricata
/// raises its events on a tunnelled packet it then drops, so none is raised here (D37).
pub(crate) fn erspan2(p: &[u8], d: &mut Decoded) -> Option<usize> {
    let &[a, b, ..] = p.first_chunk::<8>()?;
    let ver_vlan = u16::from_be_bytes([a, b]);
    if ver_vlan >> 12 != 1 {
        return None;
    }
    let vlan = ver_vlan & 0x0fff;
    // Suricata's tunnelled packet starts with no VLAN of its own, so this one always fits there
    // (measured: two outer tags and an ERSPAN VLAN still decode); here the outer two are kept.
    if let Some(slot) = d
        .vlan
        .get_mut(usize::from(d.vlan_count))
        .filter(|_| vlan > 0)
    {
        *slot = vlan;
        d.vlan_count += 1;
    }
    Some(8)
}

/// The start of a tunnelled packet in a UDP payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UdpTunnel {
    Ipv4(usize),
    Ipv6(usize),
    Ethernet(usize),
}

const ETH_LEN: usize = 14;

/// Types decoded after a VXLAN or Geneve inner Ethernet header.
fn eth_tunnel_type(t: u16) -> Option<bool> {
    match t {
        0x0800 | 0x86dd | 0x8100 | 0x88a8 | 0x9100 => Some(true),
        0x0806 => Some(false),
        _ => None,
    }
}

/// VXLAN (RFC 7348) on its port: the I flag set, an Ethernet frame after the 8-byte header.
pub(crate) fn vxlan(p: &[u8], ev: &mut PacketEvents) -> Option<UdpTunnel> {
    if p.len() < 8 + ETH_LEN || p[0] & 0x08 == 0 {
        return None;
    }
    match eth_tunnel_type(u16::from_be_bytes([p[8 + 12], p[8 + 13]])) {
        Some(true) => Some(UdpTunnel::Ethernet(8)),
        Some(false) => None,
        None => {
            ev.set(PacketEvent::VxlanUnknownPayloadType);
            None
        }
    }
}

/// Geneve (RFC 8926): version 0, options that fit their declared length, then Ethernet, IPv4
/// or IPv6.
pub(crate) fn geneve(p: &[u8], ev: &mut PacketEvents) -> Option<UdpTunnel> {
    let &[vo, _, t1, t2, ..] = p.first_chunk::<8>()?;
    let hdr = 8 + usize::from(vo & 0x3f) * 4;
    if vo >> 6 != 0 || p.len() < hdr {
        return None;
    }
    let mut o = 8;
    while o < hdr {
        let opt = p.get(o..o + 4)?;
        o += 4 + usize::from(opt[3] & 0x1f) * 4;
        if o > hdr {
            return None;
        }
    }
    match u16::from_be_bytes([t1, t2]) {
        0x6558 => {
            let e = p.get(hdr..hdr + ETH_LEN)?;
            eth_tunnel_type(u16::from_be_bytes([e[12], e[13]]))
                .filter(|&ip| ip)
                .map(|_| UdpTunnel::Ethernet(hdr))
        }
        0x0800 => Some(UdpTunnel::Ipv4(hdr)),
        0x86dd => Some(UdpTunnel::Ipv6(hdr)),
        _ => {
            ev.set(PacketEvent::GeneveUnknownPayloadType);
            None
        }
    }
}

/// Teredo (RFC 4380) on its port: an IPv6 packet filling the UDP payload exactly, after an
/// optional origin indication; authentication headers, hop limit 0 and a hop-by-hop header
/// with under 8 bytes of payload are not taken for Teredo (Suricata's checks: the protocol has
/// no field that proves it).
pub(crate) fn teredo(p: &[u8]) -> Option<UdpTunnel> {
    if p.len() < IPV6_MIN {
        return None;
    }
    let start = match p {
        [0, 0, ..] if p.len() >= 8 + IPV6_MIN => 8,
        [0, ..] => return None,
        _ => 0,
    };
    let h = &p[start..];
    let plen = usize::from(u16::from_be_bytes([h[4], h[5]]));
    let ok = h[0] >> 4 == 6
        && h[7] != 0
        && !(h[6] == 0 && plen < 8)
        && p.len() == start + IPV6_MIN + plen;
    ok.then_some(UdpTunnel::Ipv6(start))
}
