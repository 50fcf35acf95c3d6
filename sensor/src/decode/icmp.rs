//! ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) headers: type, code, and the identifier and sequence
//! number of the query messages that carry them.

use super::{DecodeError, IcmpHeader, Transport, L4};
use crate::events::{PacketEvent, PacketEvents};

mod field {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const ID: usize = 4;
    pub const SEQ: usize = 6;
}

/// Type, code, checksum and the 4-byte rest-of-header every message has.
pub const HEADER_LEN: usize = 8;

pub mod v4_type {
    pub const ECHO_REPLY: u8 = 0;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIMESTAMP: u8 = 13;
    pub const TIMESTAMP_REPLY: u8 = 14;
    pub const INFO_REQUEST: u8 = 15;
    pub const INFO_REPLY: u8 = 16;
    pub const ADDRESS_MASK_REQUEST: u8 = 17;
    pub const ADDRESS_MASK_REPLY: u8 = 18;
}

pub mod v6_type {
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
}

#[inline]
pub(crate) fn parse_v4(seg: &[u8]) -> Result<Transport, DecodeError> {
    use v4_type::*;
    let h = seg
        .first_chunk::<HEADER_LEN>()
        .ok_or(DecodeError::IcmpTruncated)?;
    let has_id = matches!(
        h[field::TYPE],
        ECHO_REPLY
            | ECHO_REQUEST
            | TIMESTAMP
            | TIMESTAMP_REPLY
            | INFO_REQUEST
            | INFO_REPLY
            | ADDRESS_MASK_REQUEST
            | ADDRESS_MASK_REPLY
    );
    Ok(transport(h, has_id, seg.len()))
}

#[inline]
pub(crate) fn parse_v6(seg: &[u8]) -> Result<Transport, DecodeError> {
    let h = seg
        .first_chunk::<HEADER_LEN>()
        .ok_or(DecodeError::Icmpv6Truncated)?;
    let has_id = matches!(h[field::TYPE], v6_type::ECHO_REQUEST | v6_type::ECHO_REPLY);
    Ok(transport(h, has_id, seg.len()))
}

#[inline]
fn transport(h: &[u8; HEADER_LEN], has_id: bool, seg_len: usize) -> Transport {
    let (id, seq) = if has_id {
        (
            u16::from_be_bytes([h[field::ID], h[field::ID + 1]]),
            u16::from_be_bytes([h[field::SEQ], h[field::SEQ + 1]]),
        )
    } else {
        (0, 0)
    };
    Transport {
        l4: L4::Icmp(IcmpHeader {
            icmp_type: h[field::TYPE],
            code: h[field::CODE],
            id,
            seq,
        }),
        header_len: HEADER_LEN,
        payload_len: seg_len.saturating_sub(HEADER_LEN),
    }
}

/// The highest valid code of an ICMPv4 type (`None`: a type Suricata does not know).
/// Measured against Suricata 7.0.10 (`testdata/icmp_events.tsv`), not taken from the RFCs:
/// router advertisements (9) take any code, router solicitations (10) are unknown.
fn v4_max_code(t: u8) -> Option<u8> {
    Some(match t {
        0 | 4 | 8 | 12..=18 => 0,
        3 => 15,
        5 => 3,
        9 => u8::MAX,
        11 => 1,
        _ => return None,
    })
}

/// Suricata's ICMPv4 decoder events for a message of type `t` and code `c` whose data after
/// the 8-byte header is `body`: an unknown type or code, and for error messages the embedded
/// IPv4 header (at least 20 bytes, version 4; a source quench must carry one, the other
/// errors only when they carry anything).
pub(crate) fn v4_events(t: u8, c: u8, body: &[u8], ev: &mut PacketEvents) {
    let Some(max) = v4_max_code(t) else {
        ev.set(PacketEvent::Icmpv4UnknownType);
        return;
    };
    if c > max {
        ev.set(PacketEvent::Icmpv4UnknownCode);
        return;
    }
    let error = matches!(t, 3 | 5 | 11 | 12) && !body.is_empty() || t == 4;
    if error {
        if body.len() < 20 {
            ev.set(PacketEvent::Icmpv4Ipv4TruncPkt);
        } else if body[0] >> 4 != 4 {
            ev.set(PacketEvent::Icmpv4Ipv4UnknownVer);
        }
    }
}

/// Suricata's ICMPv6 decoder events (measured like [`v4_events`]): unassigned and private
/// experimentation types, unknown codes of known types, MLD queries/reports/done not sent
/// with hop limit 1, and the embedded IPv6 header of error messages (at least 40 bytes,
/// version 6).
pub(crate) fn v6_events(t: u8, c: u8, body: &[u8], hop_limit: u8, ev: &mut PacketEvents) {
    let max: u8 = match t {
        0 | 127 | 150..=153 => return,
        100 | 101 | 200 | 201 => {
            ev.set(PacketEvent::Icmpv6ExperimentationType);
            return;
        }
        5..=99 | 102..=126 | 160..=199 | 202..=255 => {
            ev.set(PacketEvent::Icmpv6UnassignedType);
            return;
        }
        1 => 6,
        3 => 1,
        4 | 138 | 139 | 140 => 2,
        155 => 3,
        _ => 0,
    };
    if (130..=132).contains(&t) && hop_limit != 1 {
        ev.set(PacketEvent::Icmpv6MldInvalidHl);
    }
    // Router renumbering (138) also has the sequence number reset code, 255.
    if c > max && !(t == 138 && c == 255) {
        ev.set(PacketEvent::Icmpv6UnknownCode);
        return;
    }
    if (1..=4).contains(&t) {
        if body.len() < 40 {
            ev.set(PacketEvent::Icmpv6Ipv6TruncPkt);
        } else if body[0] >> 4 != 6 {
            ev.set(PacketEvent::Icmpv6Ipv6UnknownVersion);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, DecodeError, IcmpHeader, L4};
    use crate::capture::LinkType;

    /// zeek-traces/icmp/icmp-ping.pcap #1: echo request id 0x881c seq 0, 56 bytes of data.
    pub(crate) const PING: &str = concat!(
        "0010db000000c8bcc800000008004500005414e7000040012fe10a0000014a7d",
        "e16308006909881c00004f85e043000eebff08090a0b0c0d0e0f101112131415",
        "161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435",
        "3637",
    );
    /// zeek-traces/icmp/icmp6-ping.pcap #1: ICMPv6 echo request id 1 seq 3.
    pub(crate) const PING6: &str = concat!(
        "b0c69ada32800023aea00b3386dd6000000000283a80262000000e00400e0d1d",
        "db370beb5aac2001486080060000000000000000006380002910000100036162",
        "636465666768696a6b6c6d6e6f7071727374757677616263646566676869",
    );
    /// zeek-traces/icmp/icmp-destunreach-udp.pcap #1, first 64 bytes (port unreachable).
    pub(crate) const UNREACH: &str = concat!(
        "0019e3e75d23000bdb6358a60800450000b0281e000080018e77c0a80166c0a8",
        "0101030303bb00000000450000a3371100004011bf81c0a80101c0a801660035",
    );
    /// zeek-traces/trunc/icmp-header-trunc.pcap #1: 6 of the 8 ICMP header bytes captured.
    pub(crate) const ICMP_HDR_TRUNC: &str = concat!(
        "0010db88d2ef00000000000008004500005459c4000040012bda0a000001c000",
        "2b0a0800d9db69df",
    );

    #[test]
    fn echo_request() {
        let f = hex(PING);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 8,
                code: 0,
                id: 0x881c,
                seq: 0
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (42, 56));
    }

    #[test]
    fn timestamp_request_keeps_id() {
        // The echo request retyped as a timestamp request (13): same id/seq layout.
        let mut f = hex(PING);
        f[34] = 13;
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 13,
                code: 0,
                id: 0x881c,
                seq: 0
            })
        );
    }

    #[test]
    fn echo_request_v6() {
        let f = hex(PING6);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(d.ip_proto, 58);
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 128,
                code: 0,
                id: 1,
                seq: 3
            })
        );
        assert_eq!((d.payload_offset, d.payload_len), (62, 32));
    }

    #[test]
    fn unreachable_has_no_id() {
        let f = hex(UNREACH);
        let d = ip(decode(LinkType::Ethernet, &f));
        assert_eq!(
            d.l4,
            L4::Icmp(IcmpHeader {
                icmp_type: 3,
                code: 3,
                id: 0,
                seq: 0
            })
        );
        // Captured 64 of the 194 bytes: the payload is what was captured.
        assert_eq!((d.payload_offset, d.payload_len), (42, 22));
    }

    #[test]
    fn truncated() {
        assert_eq!(
            decode(LinkType::Ethernet, &hex(ICMP_HDR_TRUNC)),
            Err(DecodeError::IcmpTruncated)
        );
        let f = hex(PING6);
        assert_eq!(
            decode(LinkType::Ethernet, &f[..61]),
            Err(DecodeError::Icmpv6Truncated)
        );
    }
}
