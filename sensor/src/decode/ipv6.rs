//! IPv6 fixed header and extension-header chain (RFC 8200), with the fragment header.

use std::net::{IpAddr, Ipv6Addr};

use super::{fill_opaque, fill_transport, DecodeError, Decoded, FragmentInfo};
use crate::events::PacketEvent;

mod field {
    pub const PAYLOAD_LEN: usize = 4;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: usize = 8;
    pub const DST: usize = 24;
}

/// In every extension header: the next header, then (for most) a length byte.
mod ext_field {
    pub const NEXT_HEADER: usize = 0;
    pub const LEN: usize = 1;
}

mod frag_field {
    pub const NEXT_HEADER: usize = 0;
    /// 13-bit offset in 8-byte units, 2 reserved bits, the M flag.
    pub const OFFSET_FLAGS: usize = 2;
    pub const IDENT: usize = 4;
}

pub const HEADER_LEN: usize = 40;
pub const FRAGMENT_HEADER_LEN: usize = 8;
/// Extension headers followed before `DecodeError::Ipv6TooManyExtHeaders`: real traffic uses a
/// handful; the bound caps the work a chain of tiny headers can cause.
pub const MAX_EXT_HEADERS: usize = 16;
const FRAG_OFFSET_MASK: u16 = 0xfff8;
const FRAG_MORE: u16 = 0x0001;
pub(crate) const PAYLOAD_LEN_FIELD: usize = field::PAYLOAD_LEN;
pub(crate) const NEXT_HEADER_FIELD: usize = field::NEXT_HEADER;

pub mod next_header {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const NO_NEXT_HEADER: u8 = 59;
    pub const DST_OPTS: u8 = 60;
    pub const MOBILITY: u8 = 135;
    pub const HIP: u8 = 139;
    pub const SHIM6: u8 = 140;
}

/// Decodes the IPv6 datagram at `frame[l3..]` and its transport header into `d`. A payload
/// length beyond the captured bytes is snap-length truncation: what was captured is decoded.
/// Payload length 0 with a hop-by-hop header is taken as a jumbogram: up to the capture.
#[inline]
pub(crate) fn decode(frame: &[u8], l3: usize, d: &mut Decoded) -> Result<(), DecodeError> {
    let buf = frame.get(l3..).unwrap_or_default();
    let Some(&ver) = buf.first() else {
        return Err(DecodeError::Ipv6Truncated);
    };
    // Suricata's order: too short, then the version.
    if buf.len() < HEADER_LEN {
        d.events.set(PacketEvent::Ipv6PktTooSmall);
    } else if ver >> 4 != 6 {
        d.events.set(PacketEvent::Ipv6WrongIpVersion);
    }
    if ver >> 4 != 6 {
        return Err(DecodeError::Ipv6BadVersion);
    }
    let Some(h) = buf.first_chunk::<HEADER_LEN>() else {
        return Err(DecodeError::Ipv6Truncated);
    };
    let payload_len = usize::from(u16::from_be_bytes([
        h[field::PAYLOAD_LEN],
        h[field::PAYLOAD_LEN + 1],
    ]));
    let mut nh = h[field::NEXT_HEADER];
    let jumbo = payload_len == 0 && nh == next_header::HOP_BY_HOP;
    let declared_end = if jumbo {
        buf.len()
    } else {
        HEADER_LEN + payload_len
    };
    // The datagram as captured: bounded by its declared length and by the capture.
    let ip = buf.get(..declared_end.min(buf.len())).unwrap_or_default();
    if declared_end > buf.len() {
        // Cut by the capture's snap length: decoded as far as captured, the event raised.
        d.events.set(PacketEvent::Ipv6TruncPkt);
    }

    let mut src = [0u8; 16];
    let mut dst = [0u8; 16];
    if let (Some(s), Some(t)) = (h.get(field::SRC..field::DST), h.get(field::DST..HEADER_LEN)) {
        src.copy_from_slice(s);
        dst.copy_from_slice(t);
    }
    d.src = IpAddr::V6(Ipv6Addr::from(src));
    d.dst = IpAddr::V6(Ipv6Addr::from(dst));
    d.ttl = h[field::HOP_LIMIT];
    d.l3_offset = l3 as u32;

    let mut off = HEADER_LEN;
    let mut fragment: Option<FragmentInfo> = None;
    let mut headers = 0;
    let mut seen_fh = false;
    // Headers seen, for Suricata's duplicate events: hop-by-hop, routing, AH, and how many
    // destination options (two are allowed: before and after a routing header).
    let (mut seen_hh, mut seen_rh, mut seen_ah, mut dst_opts) = (false, false, false, 0u8);
    loop {
        if nh == next_header::NO_NEXT_HEADER && declared_end > off && ip.len() > off {
            d.events.set(PacketEvent::Ipv6DataAfterNoneHeader);
        }
        if !is_ext_header(nh) {
            break;
        }
        headers += 1;
        if headers > MAX_EXT_HEADERS {
            return soft_error(d, fragment, DecodeError::Ipv6TooManyExtHeaders);
        }
        let ext = match ext_byte(ip, off + ext_field::LEN, declared_end)
            .and_then(|len| within(ip, off, off + ext_header_len(nh, len), declared_end))
        {
            Ok(ext) => ext,
            Err(e) => {
                if e == DecodeError::Ipv6BadPayloadLen {
                    // The header runs past the payload length (Suricata's check).
                    d.events.set(PacketEvent::Ipv6TruncExthdr);
                }
                return soft_error(d, fragment, e);
            }
        };
        let end = off + ext.len();
        match nh {
            next_header::HOP_BY_HOP | next_header::DST_OPTS => {
                let hop = nh == next_header::HOP_BY_HOP;
                let dup = if hop {
                    std::mem::replace(&mut seen_hh, true)
                } else {
                    dst_opts = dst_opts.saturating_add(1);
                    dst_opts > 2
                };
                if dup {
                    d.events.set(if hop {
                        PacketEvent::Ipv6ExthdrDuplHh
                    } else {
                        PacketEvent::Ipv6ExthdrDuplDh
                    });
                } else {
                    option_events(ext.get(2..).unwrap_or_default(), hop, d);
                }
            }
            next_header::ROUTING => {
                if std::mem::replace(&mut seen_rh, true) {
                    d.events.set(PacketEvent::Ipv6ExthdrDuplRh);
                } else if ext.get(2) == Some(&0) {
                    d.events.set(PacketEvent::Ipv6RhType0);
                }
            }
            next_header::AH => {
                if std::mem::replace(&mut seen_ah, true) {
                    d.events.set(PacketEvent::Ipv6ExthdrDuplAh);
                } else if ext.get(2..4).is_some_and(|r| r != [0, 0]) {
                    d.events.set(PacketEvent::Ipv6ExthdrAhResNotNull);
                }
            }
            next_header::FRAGMENT if ext.get(1).is_some_and(|&r| r != 0) => {
                d.events.set(PacketEvent::Ipv6FhNonZeroReservedField);
            }
            _ => {}
        }
        if nh == next_header::FRAGMENT {
            if seen_fh {
                d.events.set(PacketEvent::Ipv6ExthdrDuplFh);
            }
            seen_fh = true;
        }
        if nh == next_header::FRAGMENT && fragment.is_none() {
            let Some(fh) = ext.first_chunk::<FRAGMENT_HEADER_LEN>() else {
                return Err(DecodeError::Ipv6ExtHeaderTruncated);
            };
            let offset_flags = u16::from_be_bytes([
                fh[frag_field::OFFSET_FLAGS],
                fh[frag_field::OFFSET_FLAGS + 1],
            ]);
            let frag_offset = u32::from(offset_flags & FRAG_OFFSET_MASK);
            let more_fragments = offset_flags & FRAG_MORE != 0;
            if frag_offset == 0 && !more_fragments {
                d.events.set(PacketEvent::Ipv6ExthdrUselessFh);
            }
            // An atomic fragment (offset 0, no more) is a whole datagram (RFC 6946).
            if frag_offset != 0 || more_fragments {
                // A jumbogram cannot be fragmented, and non-last fragments carry whole 8-byte
                // units: hosts drop anything else.
                let declared_data = declared_end.saturating_sub(end);
                if jumbo || (more_fragments && declared_data % 8 != 0) {
                    if !jumbo {
                        d.events.set(PacketEvent::Ipv6FragInvalidLength);
                    }
                    return Err(DecodeError::FragmentBad);
                }
                let info = FragmentInfo {
                    id: u32::from_be_bytes([
                        fh[frag_field::IDENT],
                        fh[frag_field::IDENT + 1],
                        fh[frag_field::IDENT + 2],
                        fh[frag_field::IDENT + 3],
                    ]),
                    offset: frag_offset,
                    more_fragments,
                    proto: fh[frag_field::NEXT_HEADER],
                    data_offset: (l3 + end) as u32,
                    data_len: ip.len().saturating_sub(end) as u32,
                    unfragmentable_len: off as u32,
                };
                fragment = Some(info);
                if frag_offset != 0 {
                    // Not the first: what follows is data, not headers.
                    opaque(d, info);
                    return Ok(());
                }
            }
        }
        nh = ext
            .get(ext_field::NEXT_HEADER)
            .copied()
            .unwrap_or(next_header::NO_NEXT_HEADER);
        off = end;
    }

    if headers > 0 && nh != next_header::NO_NEXT_HEADER && declared_end.saturating_sub(off) < 2 {
        // After extension headers, fewer than 2 bytes left for the next one (Suricata checks
        // this before any header, the transport's included).
        d.events.set(PacketEvent::Ipv6TruncExthdr);
    }
    d.ip_proto = nh;
    if nh == super::ip_proto::ICMP {
        d.events.set(PacketEvent::Ipv6Icmpv4);
    }
    d.fragment = fragment;
    let seg = ip.get(off..).unwrap_or_default();
    fill_transport(
        d,
        l3 + off,
        seg,
        declared_end.saturating_sub(off),
        fragment.is_some(),
    )
}

#[inline]
fn is_ext_header(nh: u8) -> bool {
    use next_header::*;
    matches!(
        nh,
        HOP_BY_HOP | ROUTING | FRAGMENT | AH | DST_OPTS | MOBILITY | HIP | SHIM6
    )
}

/// Length in bytes of an extension header of type `nh` whose length byte is `len`.
#[inline]
fn ext_header_len(nh: u8, len: u8) -> usize {
    match nh {
        next_header::FRAGMENT => FRAGMENT_HEADER_LEN,
        // AH counts 4-byte words, minus 2.
        next_header::AH => (usize::from(len) + 2) * 4,
        // The others count 8-byte units after the first.
        _ => (usize::from(len) + 1) * 8,
    }
}

/// Option types of hop-by-hop and destination options headers.
mod ext_option {
    pub const PAD1: u8 = 0;
    pub const PADN: u8 = 1;
    pub const ROUTER_ALERT: u8 = 5;
    pub const JUMBO: u8 = 0xc2;
    pub const HOME_ADDRESS: u8 = 0xc9;
}

/// Suricata 7.0.10's walk of a hop-by-hop (`hop`) or destination options header's options
/// (`opts`: after next-header and length): option lengths that do not fit
/// (`exthdr_invalid_optlen`, which ends the walk; Suricata lets an option end one byte past
/// the header, and so does this), router alert, jumbo payload and home address shorter than
/// their value, options it does not know, and headers of padding only. Measured:
/// `testdata/ipv6_exthdrs.tsv`.
fn option_events(opts: &[u8], hop: bool, d: &mut Decoded) {
    use ext_option::*;
    let (mut padding, mut other) = (0u32, 0u32);
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        if kind == PAD1 {
            padding += 1;
            i += 1;
            continue;
        }
        let Some(&len) = opts.get(i + 1) else {
            d.events.set(PacketEvent::Ipv6ExthdrInvalidOptlen);
            break;
        };
        let len = usize::from(len);
        if i + 1 + len > opts.len() {
            d.events.set(PacketEvent::Ipv6ExthdrInvalidOptlen);
            break;
        }
        let min = match kind {
            PADN => {
                padding += 1;
                0
            }
            ROUTER_ALERT => {
                other += 1;
                2
            }
            JUMBO => 4,
            HOME_ADDRESS => {
                other += 1;
                16
            }
            _ => {
                d.events.set(if hop {
                    PacketEvent::Ipv6HopoptsUnknownOpt
                } else {
                    PacketEvent::Ipv6DstoptsUnknownOpt
                });
                other += 1;
                0
            }
        };
        if len < min {
            d.events.set(PacketEvent::Ipv6ExthdrInvalidOptlen);
            // Suricata stops before counting it.
            if kind == ROUTER_ALERT || kind == HOME_ADDRESS {
                other -= 1;
            }
            break;
        }
        i += len + 2;
    }
    if padding > 0 && other == 0 {
        d.events.set(if hop {
            PacketEvent::Ipv6HopoptsOnlyPadding
        } else {
            PacketEvent::Ipv6DstoptsOnlyPadding
        });
    }
}

/// After the fragment header of a fragment, headers that do not decode are not an error: the
/// first fragment may end inside them, and later fragments hold only data. The fragment's data
/// is kept opaque, and the reassembled datagram is judged as a whole.
#[inline]
fn soft_error(
    d: &mut Decoded,
    fragment: Option<FragmentInfo>,
    e: DecodeError,
) -> Result<(), DecodeError> {
    let Some(info) = fragment else {
        return Err(e);
    };
    opaque(d, info);
    Ok(())
}

/// Marks `d` as the fragment `info` whose data is not decoded.
#[inline]
fn opaque(d: &mut Decoded, info: FragmentInfo) {
    d.ip_proto = info.proto;
    d.fragment = Some(info);
    fill_opaque(d, info.data_offset as usize, info.data_len as usize);
}

/// The byte at `pos` of the datagram, or why not (see `within`).
#[inline]
fn ext_byte(ip: &[u8], pos: usize, declared_end: usize) -> Result<u8, DecodeError> {
    within(ip, pos, pos + 1, declared_end)?
        .first()
        .copied()
        .ok_or(DecodeError::Ipv6ExtHeaderTruncated)
}

/// `ip[start..end]`, or why not: past the declared payload is a bad payload length, past the
/// capture (but inside the declared payload) is truncation.
#[inline]
fn within(ip: &[u8], start: usize, end: usize, declared_end: usize) -> Result<&[u8], DecodeError> {
    if end > declared_end {
        return Err(DecodeError::Ipv6BadPayloadLen);
    }
    ip.get(start..end)
        .ok_or(DecodeError::Ipv6ExtHeaderTruncated)
}

/// In the unfragmentable part of a fragment (the IPv6 header and the extension headers before
/// the fragment header), the offset of the next-header field that names the fragment header:
/// the defragmenter rewrites it when it removes the fragment header.
pub(crate) fn fragment_next_header_field(unfragmentable: &[u8]) -> Option<usize> {
    let mut field = NEXT_HEADER_FIELD;
    let mut off = HEADER_LEN;
    let mut walked = 0;
    while off < unfragmentable.len() {
        walked += 1;
        if walked > MAX_EXT_HEADERS {
            return None;
        }
        let nh = *unfragmentable.get(field)?;
        if !is_ext_header(nh) {
            return None;
        }
        let len = ext_header_len(nh, *unfragmentable.get(off + ext_field::LEN)?);
        field = off + ext_field::NEXT_HEADER;
        off += len;
    }
    (off == unfragmentable.len()).then_some(field)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, decode_ip, DecodeError, FragmentInfo, IcmpHeader, UdpHeader, L4};
    use super::*;
    use crate::capture::LinkType;

    /// zeek-traces/icmp/icmp6-mld-query.pcap #1: raw IPv6, hop-by-hop (router alert), MLD query.
    pub(crate) const RAW6_HBH_MLD: &str = concat!(
        "600000000020000120010db800000000000000000527cdf4ff02000000000000",
        "00000000000000013a00050200000100820056c4271000000000000000000000",
        "0000000000000000",
    );
    /// zeek-traces/ipv6-hbh-routing0.pcap #1: hop-by-hop, routing type 0 (two addresses), UDP.
    pub(crate) const HBH_ROUTING_UDP: &str = concat!(
        "ffffffffffff00000000000086dd60000000003b0040200104f80004000702e0",
        "81fffe52ffff200104f80004000702e081fffe529a6b2b000104000000001104",
        "0002000000002001007800010032000000000000000120010078000100320000",
        "00000000000200350035000b8631585858",
    );
    /// zeek-traces/ipv6-mobility-dst-opts.pcap #3: destination options (home address), UDP.
    pub(crate) const DSTOPTS_UDP: &str = concat!(
        "ffffffffffff00000000000086dd6000000000243c40200104f80004000702e0",
        "81fffe52ffff200104f80004000702e081fffe529a6b110201020000c9012001",
        "0078000100320000000000000001753032c8000c43de58585858",
    );
    /// Same capture #2: a 40-byte destination options header in a 36-byte payload.
    pub(crate) const DSTOPTS_TOO_LONG: &str = concat!(
        "ffffffffffff00000000000086dd6000000000243c40200104f80004000702e0",
        "81fffe52ffff200104f80004000702e081fffe529a6b11040100c91020010078",
        "000100320000000000000001c910200100780001003200000000000000017530",
        "32c8000c43de58585858",
    );
    /// zeek-traces/mobile-ipv6/mip6_bu.pcap #1: mobility header (binding update), no next header.
    pub(crate) const MOBILITY_BU: &str = concat!(
        "ffffffffffff00000000000086dd6000000000108740200104f80004000702e0",
        "81fffe52ffff200104f80004000702e081fffe529a6b3b01050003640025d000",
        "000301020000",
    );
    /// zeek-traces/ipv6_zero_len_ah.pcap #5, first 80 bytes: AH (length 0: 8 bytes), ICMPv6 echo.
    pub(crate) const AH_PING6: &str = concat!(
        "080027be22930a002700000086dd6000000000a633ff20001300000000000000",
        "000000000001200013000000000000000000000000023a000000000000008000",
        "fae60000001f1f1f1f1f1f1f1f1f1f1f",
    );
    /// zeek-traces/ipv6-http-atomic-frag.pcap #13: an atomic fragment (offset 0, M clear), TCP.
    pub(crate) const ATOMIC_FRAG_SYN: &str = concat!(
        "aa0004000a0400101895316a86dd60000000001c2c4020010db8000100000000",
        "00000000000220010db80001000000000000000000010600000000000000e92e",
        "005069817905000000005002200068660000",
    );
    /// zeek-traces/trunc/ip6-trunc.pcap #1: 18 bytes of the fixed header captured.
    pub(crate) const IP6_TRUNC: &str = concat!(
        "ffffffffffff00000000000086dd6000000000140040200104f80004000702e0",
        "81fffe52ffff200104f80004000702e0",
    );
    /// zeek-traces/trunc/ip6-ext-trunc.pcap #1: next header hop-by-hop, nothing after the
    /// fixed header captured.
    pub(crate) const IP6_EXT_TRUNC: &str = concat!(
        "ffffffffffff00000000000086dd6000000000140040200104f80004000702e0",
        "81fffe52ffff200104f80004000702e081fffe529a6b",
    );

    #[test]
    fn raw_hop_by_hop_mld() {
        let f = hex(RAW6_HBH_MLD);
        for link in [LinkType::Raw, LinkType::Ipv6] {
            let d = ip(decode(link, &f));
            assert_eq!((d.ip_proto, d.ttl), (58, 1));
            assert_eq!(d.dst, "ff02::1".parse::<IpAddr>().unwrap());
            assert_eq!((d.l3_offset, d.l4_offset), (0, 48));
            assert_eq!(
                d.l4,
                L4::Icmp(IcmpHeader {
                    icmp_type: 130,
                    code: 0,
                    id: 0,
                    seq: 0
                })
            );
            assert_eq!((d.payload_offset, d.payload_len), (56, 16));
        }
        assert_eq!(decode(LinkType::Ipv4, &f), Err(DecodeError::Ipv4BadVersion));
    }

    #[test]
    fn hop_by_hop_routing_udp() {
        let f = hex(HBH_ROUTING_UDP);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.l4_offset, 14 + 40 + 8 + 40);
        assert_eq!(
            d.l4,
            L4::Udp(UdpHeader {
                src_port: 53,
                dst_port: 53,
                length: 11
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (110, 3));
    }

    #[test]
    fn destination_options() {
        let d = ip(decode(LinkType::Ethernet, &hex(DSTOPTS_UDP)));
        assert_eq!(d.l4_offset, 14 + 40 + 24);
        assert_eq!(
            d.l4,
            L4::Udp(UdpHeader {
                src_port: 30000,
                dst_port: 13000,
                length: 12
            })
        );
        assert_eq!(d.payload_len, 4);
        assert_eq!(
            decode(LinkType::Ethernet, &hex(DSTOPTS_TOO_LONG)),
            Err(DecodeError::Ipv6BadPayloadLen)
        );
    }

    #[test]
    fn mobility_then_no_next_header() {
        let f = hex(MOBILITY_BU);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.ip_proto, d.l4), (59, L4::None));
        assert_eq!((d.l4_offset, d.payload_len), (70, 0));
    }

    #[test]
    fn authentication_header() {
        let f = hex(AH_PING6);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.ip_proto, 58);
        assert_eq!(d.l4_offset, 14 + 40 + 8);
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 128,
                code: 0,
                id: 0,
                seq: 31
            })
        );
        // 80 of 220 bytes captured.
        assert_eq!((d.payload_offset, d.payload_len), (70, 10));
    }

    #[test]
    fn atomic_fragment_is_whole() {
        let f = hex(ATOMIC_FRAG_SYN);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.fragment, None);
        assert_eq!(d.l4_offset, 62);
        let L4::Tcp(t) = d.l4 else { panic!() };
        assert_eq!((t.src_port, t.dst_port), (59694, 80));
    }

    #[test]
    fn esp_and_unknown_are_kept() {
        // The destination-options packet's inner protocol changed to ESP (50) and to 253.
        for proto in [50u8, 253] {
            let mut f = hex(DSTOPTS_UDP);
            f[54] = proto;
            let d = ip(decode(LinkType::Ethernet, &f));
            assert_eq!(
                (d.ip_proto, d.l4, d.l4_offset, d.payload_len),
                (proto, L4::None, 78, 12)
            );
        }
    }

    #[test]
    fn errors() {
        assert_eq!(
            decode(LinkType::Ethernet, &hex(IP6_TRUNC)),
            Err(DecodeError::Ipv6Truncated)
        );
        assert_eq!(
            decode(LinkType::Ethernet, &hex(IP6_EXT_TRUNC)),
            Err(DecodeError::Ipv6ExtHeaderTruncated)
        );
        let f = hex(HBH_ROUTING_UDP);
        // Cut inside the routing header.
        assert_eq!(
            decode(LinkType::Ethernet, &f[..80]),
            Err(DecodeError::Ipv6ExtHeaderTruncated)
        );
        let mut g = f.clone();
        g[14] = 0x40;
        assert_eq!(
            decode(LinkType::Ethernet, &g),
            Err(DecodeError::Ipv6BadVersion)
        );
        assert_eq!(decode(LinkType::Ipv6, &[]), Err(DecodeError::Ipv6Truncated));
        // Payload length too short for the hop-by-hop header.
        let mut g = f.clone();
        g[18..20].copy_from_slice(&4u16.to_be_bytes());
        assert_eq!(
            decode(LinkType::Ethernet, &g),
            Err(DecodeError::Ipv6BadPayloadLen)
        );
    }

    /// A chain of `n` empty destination-options headers in front of the MLD query's ICMPv6.
    fn chain(n: usize) -> Vec<u8> {
        let f = hex(RAW6_HBH_MLD);
        let mut g = f[..40].to_vec();
        g[6] = next_header::DST_OPTS;
        for i in 0..n {
            let next = if i + 1 == n {
                58
            } else {
                next_header::DST_OPTS
            };
            g.extend_from_slice(&[next, 0, 1, 4, 0, 0, 0, 0]);
        }
        g.extend_from_slice(&f[48..]);
        let plen = (g.len() - 40) as u16;
        g[4..6].copy_from_slice(&plen.to_be_bytes());
        g
    }

    #[test]
    fn extension_chain_limit() {
        assert_eq!(decode_ip(&chain(MAX_EXT_HEADERS)).unwrap().ip_proto, 58);
        assert_eq!(
            decode_ip(&chain(MAX_EXT_HEADERS + 1)),
            Err(DecodeError::Ipv6TooManyExtHeaders)
        );
    }

    /// suricata-verify/defrag__bug-6887-defrag-eth-vlan-ipv6-tcp #1 and #3: headers as captured;
    /// the rest of each frame is 0x41 bytes.
    pub(crate) fn vlan_v6_fragment(n: usize) -> Vec<u8> {
        let (head, fill) = match n {
            1 => (
                concat!(
                    "0504030201000001020304058100000686dd6000000001c02c40000000000000",
                    "000000000000000000010000000000000000000000000000000106000001a5d3",
                    "3a2d30391f90000000010000000050102000c8ad0000",
                ),
                420,
            ),
            2 => (
                concat!(
                    "0504030201000001020304058100000686dd6000000001c02c40000000000000",
                    "0000000000000000000100000000000000000000000000000001060001b9a5d3",
                    "3a2d",
                ),
                440,
            ),
            _ => (
                concat!(
                    "0504030201000001020304058100000686dd6000000000942c40000000000000",
                    "000000000000000000010000000000000000000000000000000106000370a5d3",
                    "3a2d",
                ),
                140,
            ),
        };
        let mut f = hex(head);
        f.resize(f.len() + fill, 0x41);
        f
    }

    #[test]
    fn fragments() {
        let f = vlan_v6_fragment(1);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.vlan_count, d.vlan[0]), (1, 6));
        assert_eq!(
            d.fragment,
            Some(FragmentInfo {
                id: 0xa5d3_3a2d,
                offset: 0,
                more_fragments: true,
                proto: 6,
                data_offset: 18 + 48,
                data_len: 440,
                unfragmentable_len: 40,
            })
        );
        // The first fragment decodes its TCP header.
        assert_eq!(d.ip_proto, 6);
        let L4::Tcp(t) = d.l4 else {
            panic!("{:?}", d.l4)
        };
        assert_eq!((t.src_port, t.dst_port), (12345, 8080));
        assert_eq!((d.payload_offset, d.payload_len), (18 + 48 + 20, 420));

        let f = vlan_v6_fragment(3);
        let d = ip(decode(LinkType::Ethernet, &f));
        let frag = d.fragment.unwrap();
        assert_eq!(
            (frag.offset, frag.more_fragments, frag.data_len),
            (880, false, 140)
        );
        assert_eq!((d.ip_proto, d.l4, d.payload_offset), (6, L4::None, 66));

        // M set on a fragment that is not a multiple of 8 bytes.
        let mut g = vlan_v6_fragment(2);
        g.pop();
        g[22..24].copy_from_slice(&0x1bfu16.to_be_bytes());
        assert_eq!(
            decode(LinkType::Ethernet, &g),
            Err(DecodeError::FragmentBad)
        );
    }

    #[test]
    fn next_header_field_of_fragment_header() {
        let f = hex(HBH_ROUTING_UDP);
        // Fixed header, hop-by-hop, routing: the routing header's field names what follows.
        assert_eq!(fragment_next_header_field(&f[14..102]), Some(48));
        assert_eq!(fragment_next_header_field(&f[14..54]), Some(6));
        assert_eq!(fragment_next_header_field(&f[14..60]), None);
    }
}
