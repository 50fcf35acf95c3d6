//! IPv4 header, options and fragment fields (RFC 791).

use std::net::{IpAddr, Ipv4Addr};

use super::{fill_opaque, fill_transport, DecodeError, Decoded, FragmentInfo};
use crate::events::PacketEvent;

mod field {
    pub const VER_IHL: usize = 0;
    pub const TOTAL_LEN: usize = 2;
    pub const IDENT: usize = 4;
    pub const FLAGS_FRAG: usize = 6;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: usize = 10;
    pub const SRC: usize = 12;
    pub const DST: usize = 16;
}

pub const MIN_HEADER_LEN: usize = 20;
pub const MAX_HEADER_LEN: usize = 60;
/// Largest datagram the 16-bit total length can describe.
pub const MAX_DATAGRAM_LEN: usize = 65_535;
pub const FLAG_DF: u16 = 0x4000;
pub const FLAG_MF: u16 = 0x2000;
const FRAG_OFFSET_MASK: u16 = 0x1fff;
/// Offset of the total length, flags/fragment offset and checksum fields, for the defragmenter.
pub(crate) const TOTAL_LEN_FIELD: usize = field::TOTAL_LEN;
pub(crate) const FLAGS_FRAG_FIELD: usize = field::FLAGS_FRAG;
pub(crate) const CHECKSUM_FIELD: usize = field::CHECKSUM;

mod option {
    pub const END: u8 = 0;
    pub const NOP: u8 = 1;
    pub const RR: u8 = 0x07;
    pub const QS: u8 = 0x19;
    pub const TS: u8 = 0x44;
    pub const SEC: u8 = 0x82;
    pub const LSRR: u8 = 0x83;
    pub const ESEC: u8 = 0x85;
    pub const CIPSO: u8 = 0x86;
    pub const SID: u8 = 0x88;
    pub const SSRR: u8 = 0x89;
    pub const RTRALT: u8 = 0x94;
    /// The options Suricata validates, in the order of the bits that remember a valid one.
    pub const KNOWN: [u8; 10] = [RR, QS, TS, SEC, LSRR, ESEC, CIPSO, SID, SSRR, RTRALT];
}

/// Decodes the IPv4 datagram at `frame[l3..]` and its transport header into `d`. A total length
/// beyond the captured bytes is snap-length truncation: what was captured is decoded. Bytes
/// beyond the total length (Ethernet padding) are ignored. A total length of 0 is taken as TSO.
#[inline]
pub(crate) fn decode(frame: &[u8], l3: usize, d: &mut Decoded) -> Result<(), DecodeError> {
    let buf = frame.get(l3..).unwrap_or_default();
    // Suricata's events, in its order of checks: too short, version, header length, total
    // length against the header, total length against the capture.
    let Some(h) = buf.first_chunk::<MIN_HEADER_LEN>() else {
        if !buf.is_empty() {
            d.events.set(PacketEvent::Ipv4PktTooSmall);
        }
        if buf.first().is_some_and(|v| v >> 4 != 4) {
            return Err(DecodeError::Ipv4BadVersion);
        }
        return Err(DecodeError::Ipv4Truncated);
    };
    if h[field::VER_IHL] >> 4 != 4 {
        d.events.set(PacketEvent::Ipv4WrongIpVersion);
        return Err(DecodeError::Ipv4BadVersion);
    }
    let header_len = usize::from(h[field::VER_IHL] & 0x0f) * 4;
    if header_len < MIN_HEADER_LEN {
        d.events.set(PacketEvent::Ipv4HlenTooSmall);
        return Err(DecodeError::Ipv4BadHeaderLen);
    }
    let total_len = match u16::from_be_bytes([h[field::TOTAL_LEN], h[field::TOTAL_LEN + 1]]) {
        // Captured on a host with TCP segmentation offload: the NIC fills the length in later.
        // Like Wireshark and Zeek, take the datagram to be what was captured (Suricata calls
        // the packet invalid: the event is raised).
        0 => {
            d.events.set(PacketEvent::Ipv4IplenSmallerThanHlen);
            buf.len().max(header_len)
        }
        n => usize::from(n),
    };
    if total_len < header_len {
        d.events.set(PacketEvent::Ipv4IplenSmallerThanHlen);
        return Err(DecodeError::Ipv4BadTotalLen);
    }
    if total_len > buf.len() {
        // Cut by the capture's snap length: decoded as far as captured, the event raised.
        d.events.set(PacketEvent::Ipv4TruncPkt);
    }
    let options = buf
        .get(MIN_HEADER_LEN..header_len)
        .ok_or(DecodeError::Ipv4Truncated)?;
    check_options(options, d)?;

    let src = Ipv4Addr::new(
        h[field::SRC],
        h[field::SRC + 1],
        h[field::SRC + 2],
        h[field::SRC + 3],
    );
    let dst = Ipv4Addr::new(
        h[field::DST],
        h[field::DST + 1],
        h[field::DST + 2],
        h[field::DST + 3],
    );
    d.src = IpAddr::V4(src);
    d.dst = IpAddr::V4(dst);
    d.ip_proto = h[field::PROTOCOL];
    if d.ip_proto == super::ip_proto::ICMPV6 {
        d.events.set(PacketEvent::Ipv4Icmpv6);
    }
    d.ttl = h[field::TTL];
    d.l3_offset = l3 as u32;

    // The payload ends at the total length or at the end of the capture, whichever is first.
    let seg = buf
        .get(header_len..total_len.min(buf.len()))
        .unwrap_or_default();
    let declared_len = total_len - header_len;
    let l4 = l3 + header_len;

    let flags_frag = u16::from_be_bytes([h[field::FLAGS_FRAG], h[field::FLAGS_FRAG + 1]]);
    let more_fragments = flags_frag & FLAG_MF != 0;
    let frag_offset = u32::from(flags_frag & FRAG_OFFSET_MASK) * 8;
    if !more_fragments && frag_offset == 0 {
        return fill_transport(d, l4, seg, declared_len, false);
    }
    // Every fragment but the last carries a multiple of 8 bytes (the offset unit); hosts drop
    // the others, so reassembling them would show the sensor a datagram the target never saw.
    if more_fragments && declared_len % 8 != 0 {
        return Err(DecodeError::FragmentBad);
    }
    d.fragment = Some(FragmentInfo {
        id: u32::from(u16::from_be_bytes([h[field::IDENT], h[field::IDENT + 1]])),
        offset: frag_offset,
        more_fragments,
        proto: d.ip_proto,
        data_offset: l4 as u32,
        data_len: seg.len() as u32,
        unfragmentable_len: header_len as u32,
    });
    if frag_offset == 0 {
        fill_transport(d, l4, seg, declared_len, true)
    } else {
        fill_opaque(d, l4, seg.len());
        Ok(())
    }
}

/// Walks the options: single-byte END and NOP, every other option a type, a length of at
/// least 2 and a body, all inside the header. After END the rest is padding. A multi-byte
/// option without room for its length byte is Suricata's `ipv4.opt_eol_required`, a length
/// below 2 or past the header `ipv4.opt_invalid_len` (the datagram does not decode). Then as
/// Suricata 7.0.10: an option type it does not know is `ipv4.opt_invalid`; a known one that
/// fails its checks ([`option_event`]) raises its event and is not kept; one of a type already
/// kept is `ipv4.opt_duplicate`. Those leave the datagram decoded (measured against Suricata:
/// `testdata/ipv4_options.tsv`).
#[inline]
fn check_options(options: &[u8], d: &mut Decoded) -> Result<(), DecodeError> {
    let mut i = 0;
    let mut kept: u16 = 0;
    while let Some(&kind) = options.get(i) {
        match kind {
            option::END => break,
            option::NOP => i += 1,
            _ => {
                let Some(&len) = options.get(i + 1) else {
                    d.events.set(PacketEvent::Ipv4OptEolRequired);
                    return Err(DecodeError::Ipv4BadOptions);
                };
                let len = usize::from(len);
                if len < 2 || len > options.len() - i {
                    d.events.set(PacketEvent::Ipv4OptInvalidLen);
                    return Err(DecodeError::Ipv4BadOptions);
                }
                match option::KNOWN.iter().position(|&k| k == kind) {
                    None => d.events.set(PacketEvent::Ipv4OptInvalid),
                    Some(bit) if kept & (1 << bit) != 0 => {
                        d.events.set(PacketEvent::Ipv4OptDuplicate)
                    }
                    Some(bit) => match option_event(kind, &options[i..i + len]) {
                        Some(e) => d.events.set(e),
                        None => kept |= 1 << bit,
                    },
                }
                i += len;
            }
        }
    }
    Ok(())
}

/// The event of a known option `opt` (type, length, body) that fails Suricata's checks:
/// minimum or exact lengths, route and timestamp pointers, CIPSO tags.
fn option_event(kind: u8, opt: &[u8]) -> Option<PacketEvent> {
    use option::*;
    const LEN: Option<PacketEvent> = Some(PacketEvent::Ipv4OptInvalidLen);
    const MALFORMED: Option<PacketEvent> = Some(PacketEvent::Ipv4OptMalformed);
    let len = opt.len();
    match kind {
        RR | LSRR | SSRR => {
            if len < 3 {
                return LEN;
            }
            // 1-based, past type, length and pointer, in 4-byte steps, inside the option.
            let ptr = usize::from(opt[2]);
            if ptr < 4 || ptr % 4 != 0 || ptr > len + 1 {
                return MALFORMED;
            }
        }
        TS => {
            if len < 5 {
                return LEN;
            }
            let ptr = usize::from(opt[2]);
            if ptr < 5 {
                return MALFORMED;
            }
            // Flags 1 and 3: address and timestamp in each record.
            let record = if matches!(opt[3] & 0x0f, 1 | 3) { 8 } else { 4 };
            if (ptr - 5) % record != 0 || ptr > len + 1 {
                return MALFORMED;
            }
        }
        QS if len < 8 => return LEN,
        SEC | ESEC if len < 3 => return LEN,
        SID | RTRALT if len != 4 => return LEN,
        CIPSO => {
            if len < 10 {
                return LEN;
            }
            // After the 4-byte domain of interpretation: tags of type, length, data.
            let mut tags = &opt[6..];
            while !tags.is_empty() {
                let [ttype, tlen, ..] = *tags else {
                    return MALFORMED;
                };
                let tlen = usize::from(tlen);
                if tlen > tags.len() {
                    return MALFORMED;
                }
                match ttype {
                    1 | 2 | 5 | 6 | 7 => {
                        // The alignment octet is zero but in tag 7, which has none.
                        if tlen < 4 || (ttype != 7 && tags[2] != 0) {
                            return MALFORMED;
                        }
                        tags = &tags[tlen..];
                    }
                    _ => return MALFORMED,
                }
            }
        }
        _ => {}
    }
    None
}

/// The Internet checksum of an IPv4 header (its checksum field read as zero).
pub(crate) fn header_checksum(header: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for (i, pair) in header.chunks(2).enumerate() {
        if i * 2 == field::CHECKSUM {
            continue;
        }
        let hi = pair.first().copied().unwrap_or(0);
        let lo = pair.get(1).copied().unwrap_or(0);
        sum += u32::from(u16::from_be_bytes([hi, lo]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, decode_ip, DecodeError, FragmentInfo, TcpHeader, L4};
    use super::*;
    use crate::capture::LinkType;

    /// zeek-traces/igmp/igmp.pcap #1: IHL 6 with a Router Alert option, IGMPv3 (protocol 2).
    pub(crate) const IGMP_RA: &str = concat!(
        "01005e00001650dce7a2d895080046c0002800004000010241bbc0a80196e000",
        "0016940400002200ea030000000104000000effffffa",
    );
    /// zeek-traces/tcp-syslog.pcap #1: raw IPv4 (LINKTYPE_IPV4), TCP SYN.
    pub(crate) const RAW4_SYN: &str = concat!(
        "45000028000100004006f77bc0a80101c0a8010230390202000003e800000000",
        "50022000d66b0000",
    );
    /// zeek-traces/ldap/missing_ldap_logs.pcapng #4, first 80 of 1862 bytes: captured before
    /// TCP segmentation offload, total length 0.
    pub(crate) const TSO_SEGMENT: &str = concat!(
        "000c293e3cb8000c292518e5080045000000c8654000800600000ac702790ac7",
        "026fe7bf0185212f1f5f1022c29f501820141a7c000030840000070a02010360",
        "84000007010201030400a384000006f6",
    );
    /// zeek-traces/ip-bogus-header-len.pcap #1: total length 0, garbage after the header.
    pub(crate) const BOGUS_TOTAL_LEN: &str = concat!(
        "000000000002000000000001080045030000252c00000001000176b590c288ff",
        "7374617465ff000000ff000000000000000000000000000000000000",
    );
    /// zeek-traces/trunc/ip4-trunc.pcap #1: the capture stops 6 bytes into the IPv4 header.
    pub(crate) const IP4_TRUNC: &str = "0010db88d2efc8bcc896d2a00800450000200001";
    /// zeek-traces/trunc/ipv4-internally-truncated-header.pcap #1: IHL 15, 20 bytes captured.
    pub(crate) const IHL15_TRUNC: &str = concat!(
        "d404ffeac8f07831c1c63fc208004f0000726dec00004006bc7ea3fd30b7c096",
        "bb2b",
    );
    /// zeek-traces/trunc/ipv4-truncated-broken-header.pcap #1: IHL 15 but total length 20.
    pub(crate) const IHL15_TOTAL20: &str = concat!(
        "d404ffeac8f07831c1c63fc208004f0000146dec00004006bc7ea3fd30b7c096",
        "bb2b",
    );
    /// zeek-traces/ipv4/fragmented-syn.pcap #1: first fragment (MF, 24 bytes) of a SYN whose
    /// 40-byte TCP header continues in the next fragment.
    pub(crate) const FRAG_SYN_1: &str = concat!(
        "1e0b8b14f6f998eecbbd07fe08004500002c0001200040068ebac0a801640a00",
        "000530390050000003e800000000a0022000c5730000020405b4",
    );
    /// Same capture #2: the last fragment, offset 24, 16 bytes.
    pub(crate) const FRAG_SYN_2: &str = concat!(
        "1e0b8b14f6f998eecbbd07fe080045000024000100034006aebfc0a801640a00",
        "00050402080a00bc614e0000000001030307",
    );
    /// zeek-traces/ipv4/fragmented-1.pcap #1: MF set on an 18-byte fragment.
    pub(crate) const FRAG_ODD_LEN: &str = concat!(
        "006097122f580020afba786508004500002600f2200040111af2a4017ba3a401",
        "7b3d007b00890012bfe2000000000000000000000000000000000000",
    );

    fn with_options(opts: [u8; 4]) -> Vec<u8> {
        let mut f = hex(IGMP_RA);
        f[34..38].copy_from_slice(&opts);
        f
    }

    #[test]
    fn options_router_alert() {
        let f = hex(IGMP_RA);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.ip_proto, d.ttl), (2, 1));
        assert_eq!((d.l3_offset, d.l4_offset), (14, 38));
        assert_eq!(d.l4, L4::None);
        assert_eq!((d.payload_offset, d.payload_len), (38, 16));
    }

    #[test]
    fn options_walk() {
        // NOP NOP NOP END; END then garbage after it is padding.
        for ok in [
            [1, 1, 1, 0],
            [0, 0xff, 0xff, 0xff],
            [1, 1, 1, 1],
            [0x94, 4, 0, 0],
        ] {
            assert!(
                decode(LinkType::Ethernet, &with_options(ok)).is_ok(),
                "{ok:?}"
            );
        }
        // Length beyond the header, length below 2, a type with no length byte.
        for bad in [
            [0x94, 5, 0, 0],
            [0x94, 1, 0, 0],
            [1, 1, 1, 0x94],
            [0x94, 0, 0, 0],
        ] {
            assert_eq!(
                decode(LinkType::Ethernet, &with_options(bad)),
                Err(DecodeError::Ipv4BadOptions),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn raw_ipv4_link_types() {
        let f = hex(RAW4_SYN);
        for link in [LinkType::Raw, LinkType::Ipv4] {
            let d = ip(decode(link, &f));
            assert_eq!(
                (d.l3_offset, d.l4_offset, d.payload_offset, d.payload_len),
                (0, 20, 40, 0)
            );
            let L4::Tcp(t) = d.l4 else { panic!() };
            assert_eq!(
                (t.src_port, t.dst_port, t.seq, t.flags),
                (12345, 514, 1000, TcpHeader::SYN)
            );
        }
        assert_eq!(decode_ip(&f).unwrap().payload_offset, 40);
        assert_eq!(decode(LinkType::Ipv6, &f), Err(DecodeError::Ipv6BadVersion));
    }

    #[test]
    fn snaplen_truncation_is_not_an_error() {
        let f = hex(RAW4_SYN);
        let d = decode_ip(&f[..30]);
        // 10 of the 20 TCP header bytes: the transport header itself is cut.
        assert_eq!(d, Err(DecodeError::TcpTruncated));
        let f = hex(IGMP_RA);
        let d = ip(decode(LinkType::Ethernet, &f[..44]));
        assert_eq!((d.payload_offset, d.payload_len), (38, 6));
    }

    #[test]
    fn total_length_zero_is_tso() {
        let f = hex(TSO_SEGMENT);
        let d = ip(decode(LinkType::Ethernet, &f));
        let L4::Tcp(t) = d.l4 else {
            panic!("{:?}", d.l4)
        };
        assert_eq!((t.src_port, t.dst_port), (59327, 389));
        assert_eq!((d.payload_offset, d.payload_len), (54, 26));
        // Also when the rest is garbage: decoded as captured (here an ICMP type 0x61).
        let f = hex(BOGUS_TOTAL_LEN);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!((d.ip_proto, d.payload_offset, d.payload_len), (1, 42, 18));
    }

    #[test]
    fn header_errors() {
        // Total length below the header length (but not 0).
        let mut f = hex(RAW4_SYN);
        f[2..4].copy_from_slice(&19u16.to_be_bytes());
        assert_eq!(
            decode(LinkType::Ipv4, &f),
            Err(DecodeError::Ipv4BadTotalLen)
        );
        assert_eq!(
            decode(LinkType::Ethernet, &hex(IHL15_TOTAL20)),
            Err(DecodeError::Ipv4BadTotalLen)
        );
        assert_eq!(
            decode(LinkType::Ethernet, &hex(IP4_TRUNC)),
            Err(DecodeError::Ipv4Truncated)
        );
        // IHL 15 (60 bytes) with only 20 captured.
        assert_eq!(
            decode(LinkType::Ethernet, &hex(IHL15_TRUNC)),
            Err(DecodeError::Ipv4Truncated)
        );
        let mut f = hex(RAW4_SYN);
        f[0] = 0x44;
        assert_eq!(
            decode(LinkType::Ipv4, &f),
            Err(DecodeError::Ipv4BadHeaderLen)
        );
        f[0] = 0x65;
        assert_eq!(decode(LinkType::Ipv4, &f), Err(DecodeError::Ipv4BadVersion));
        assert_eq!(decode(LinkType::Ipv4, &[]), Err(DecodeError::Ipv4Truncated));
        f[0] = 0x35;
        assert_eq!(decode(LinkType::Raw, &f), Err(DecodeError::RawBadVersion));
        assert_eq!(decode(LinkType::Raw, &[]), Err(DecodeError::RawTruncated));
    }

    #[test]
    fn fragments() {
        let f = hex(FRAG_SYN_1);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(
            d.fragment,
            Some(FragmentInfo {
                id: 1,
                offset: 0,
                more_fragments: true,
                proto: 6,
                data_offset: 34,
                data_len: 24,
                unfragmentable_len: 20,
            })
        );
        // The fixed TCP header is here; its options run into the next fragment.
        let L4::Tcp(t) = d.l4 else {
            panic!("{:?}", d.l4)
        };
        assert_eq!((t.src_port, t.dst_port, t.header_len), (12345, 80, 40));
        assert_eq!((d.payload_offset, d.payload_len), (58, 0));

        let f = hex(FRAG_SYN_2);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.l4, L4::None);
        let frag = d.fragment.unwrap();
        assert_eq!(
            (frag.offset, frag.more_fragments, frag.data_len),
            (24, false, 16)
        );
        assert_eq!((d.l4_offset, d.payload_offset, d.payload_len), (34, 34, 16));

        assert_eq!(
            decode(LinkType::Ethernet, &hex(FRAG_ODD_LEN)),
            Err(DecodeError::FragmentBad)
        );
    }

    #[test]
    fn checksum_matches_capture() {
        let f = hex(RAW4_SYN);
        assert_eq!(header_checksum(&f[..20]), 0xf77b);
        let f = hex(IGMP_RA);
        assert_eq!(header_checksum(&f[14..38]), 0x41bb);
    }
}
