//! Packet decoding: link layer, VLAN, IPv4/IPv6, TCP/UDP/ICMP. Zero-copy: the decoder reads the
//! captured bytes and fills a small `Decoded` summary of offsets and header fields that is cheap
//! to copy into a batch. Malformed or truncated layers yield a `DecodeError` naming the layer and
//! the problem; the decoder never panics on any input.

use std::net::{IpAddr, Ipv4Addr};

use crate::capture::LinkType;
use crate::events::{PacketEvent, PacketEvents};

pub mod checksum;
pub mod defrag;
mod encap;
pub mod ethernet;
pub mod icmp;
pub mod ipv4;
pub mod ipv6;
pub mod null;
pub mod sll;
pub mod tcp;
pub mod udp;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod testutil;

pub use defrag::{DefragConfig, DefragStats, Defragmenter, Reassembled};

/// What the decoder learned from one packet. All offsets are from the start of the captured
/// frame (or of the reassembled datagram, for reassembled fragments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// VLAN ids, outermost first; `vlan_count` says how many are valid (at most 2 kept; deeper
    /// stacks are decoded but only the outer two kept).
    pub vlan: [u16; 2],
    pub vlan_count: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IP protocol number of the transport layer (after IPv6 extension headers).
    pub ip_proto: u8,
    /// IPv4 TTL or IPv6 hop limit.
    pub ttl: u8,
    /// The frame's link type (pcap DLT number), for records that carry the frame.
    pub dlt: u16,
    /// Offset of the IP header.
    pub l3_offset: u32,
    /// Offset of the transport header (after IPv4 options / IPv6 extension headers).
    pub l4_offset: u32,
    /// Offset and length of the transport payload. Length is bounded by both the IP total
    /// length and the captured bytes (Ethernet padding excluded).
    pub payload_offset: u32,
    pub payload_len: u32,
    pub l4: L4,
    /// Set when this packet is an IP fragment that still needs reassembly; `l4` is then
    /// `L4::None` unless it is the first fragment.
    pub fragment: Option<FragmentInfo>,
    /// The transport header did not decode and was left out (`decode_flowless` only): the
    /// packet belongs to no flow, but IP-level rules still apply to it.
    pub l4_invalid: bool,
    /// The network layer did not decode (`decode_invalid` only): what is here is what was read
    /// before the error; only `pkthdr` rules apply to such a packet.
    pub l3_invalid: bool,
    /// Decoder events (Suricata's `decode-event` names) found in this packet.
    pub events: PacketEvents,
}

impl Default for Decoded {
    fn default() -> Self {
        Decoded {
            vlan: [0; 2],
            vlan_count: 0,
            src: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            dst: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            ip_proto: 0,
            ttl: 0,
            dlt: 1,
            l3_offset: 0,
            l4_offset: 0,
            payload_offset: 0,
            payload_len: 0,
            l4: L4::None,
            fragment: None,
            l4_invalid: false,
            l3_invalid: false,
            events: PacketEvents::NONE,
        }
    }
}

/// Transport header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum L4 {
    /// No transport header decoded (non-first fragment, or a protocol without ports).
    None,
    Tcp(TcpHeader),
    Udp(UdpHeader),
    /// ICMPv4 (`ip_proto` 1) or ICMPv6 (`ip_proto` 58).
    Icmp(IcmpHeader),
    /// SCTP common header: its ports make flows (and Community IDs) like TCP's.
    Sctp(SctpHeader),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TcpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// The 8 classic flag bits (CWR ECE URG ACK PSH RST SYN FIN).
    pub flags: u8,
    pub window: u16,
    /// Header length in bytes (data offset * 4).
    pub header_len: u8,
}

/// The TCP flag bits as on the wire: the one set, used by the decoder, flow tracking and the
/// rule engine's `flags` keyword.
impl TcpHeader {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UdpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    /// The UDP length field.
    pub length: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct IcmpHeader {
    pub icmp_type: u8,
    pub code: u8,
    /// Identifier and sequence number of echo / information / timestamp messages (0 otherwise).
    pub id: u16,
    pub seq: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SctpHeader {
    pub src_port: u16,
    pub dst_port: u16,
    pub verification_tag: u32,
}

/// An IP fragment awaiting reassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FragmentInfo {
    /// IPv4 identification (16 bits) or IPv6 fragment header identification (32 bits).
    pub id: u32,
    /// Offset of this fragment's data in the original datagram, in bytes.
    pub offset: u32,
    pub more_fragments: bool,
    /// Protocol of the fragmented payload (IPv4 protocol / IPv6 fragment header next header).
    pub proto: u8,
    /// Offset in the frame where the fragment's data starts (after the fragment header for IPv6).
    pub data_offset: u32,
    pub data_len: u32,
    /// Length of the unfragmentable part (IPv4 header, or IPv6 header plus the extension headers
    /// before the fragment header), starting at `l3_offset`.
    pub unfragmentable_len: u32,
}

/// A layer of the packet that was malformed or truncated: the stats name each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DecodeError {
    /// The link type is not one the sensor decodes.
    UnsupportedLinkType,
    EthernetTruncated,
    VlanTruncated,
    /// More VLAN tags than the decoder follows (counted, not decoded further).
    VlanTooDeep,
    /// A type after a VLAN tag that Suricata does not decode (not IP, ARP, MPLS, PPPoE, ...).
    VlanUnknownType,
    SllTruncated,
    NullTruncated,
    /// A Cisco HDLC frame shorter than its 4-byte header.
    ChdlcTruncated,
    Ipv4Truncated,
    Ipv4BadVersion,
    Ipv4BadHeaderLen,
    Ipv4BadTotalLen,
    Ipv4BadOptions,
    Ipv6Truncated,
    Ipv6BadVersion,
    Ipv6ExtHeaderTruncated,
    Ipv6BadPayloadLen,
    TcpTruncated,
    TcpBadHeaderLen,
    UdpTruncated,
    UdpBadLength,
    IcmpTruncated,
    Icmpv6Truncated,
    FragmentBad,
    /// A raw-IP frame (`LinkType::Raw`) or a datagram given to `decode_ip` with no bytes.
    RawTruncated,
    /// A raw-IP frame whose version nibble is neither 4 nor 6.
    RawBadVersion,
    /// More IPv6 extension headers than the decoder follows (`ipv6::MAX_EXT_HEADERS`).
    Ipv6TooManyExtHeaders,
    /// A PPP frame too short for its protocol field or for the IP datagram it announces.
    PppTruncated,
    /// A PPP frame of a protocol other than IP (LCP, IPCP, ... or an unknown one): Suricata
    /// raises an event on it, so it reaches the rules as an invalid packet.
    PppNotIp,
    PppoeInvalid,
    MplsInvalid,
    Ieee8021ahTruncated,
    VntagInvalid,
    DceTruncated,
    /// Suricata's decoder layer limit reached (`ethernet::MAX_LAYERS`).
    TooManyLayers,
    /// A LINKTYPE_NULL address family that is neither IPv4 nor IPv6 in either byte order.
    NullUnsupportedType,
}

impl DecodeError {
    /// The IP layer decoded but the transport header did not.
    pub fn is_transport(self) -> bool {
        matches!(
            self,
            DecodeError::TcpTruncated
                | DecodeError::TcpBadHeaderLen
                | DecodeError::UdpTruncated
                | DecodeError::UdpBadLength
                | DecodeError::IcmpTruncated
                | DecodeError::Icmpv6Truncated
        )
    }

    /// The event of an error found below the IP layer (the IP and transport decoders set
    /// theirs on the packet where they find them).
    pub fn link_event(self) -> Option<PacketEvent> {
        Some(match self {
            DecodeError::EthernetTruncated => PacketEvent::EthernetPktTooSmall,
            DecodeError::VlanTruncated => PacketEvent::VlanHeaderTooSmall,
            DecodeError::VlanUnknownType => PacketEvent::VlanUnknownType,
            DecodeError::SllTruncated => PacketEvent::SllPktTooSmall,
            DecodeError::ChdlcTruncated => PacketEvent::ChdlcPktTooSmall,
            DecodeError::RawBadVersion => PacketEvent::IprawInvalidIpVersion,
            DecodeError::NullTruncated => PacketEvent::LtnullPktTooSmall,
            _ => return None,
        })
    }

    /// Stable name used in stats (`decoder.errors.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            DecodeError::UnsupportedLinkType => "link.unsupported",
            DecodeError::EthernetTruncated => "ethernet.truncated",
            DecodeError::VlanTruncated => "vlan.truncated",
            DecodeError::VlanTooDeep => "vlan.too_deep",
            DecodeError::VlanUnknownType => "vlan.unknown_type",
            DecodeError::SllTruncated => "sll.truncated",
            DecodeError::NullTruncated => "null.truncated",
            DecodeError::ChdlcTruncated => "chdlc.truncated",
            DecodeError::Ipv4Truncated => "ipv4.truncated",
            DecodeError::Ipv4BadVersion => "ipv4.bad_version",
            DecodeError::Ipv4BadHeaderLen => "ipv4.bad_header_len",
            DecodeError::Ipv4BadTotalLen => "ipv4.bad_total_len",
            DecodeError::Ipv4BadOptions => "ipv4.bad_options",
            DecodeError::Ipv6Truncated => "ipv6.truncated",
            DecodeError::Ipv6BadVersion => "ipv6.bad_version",
            DecodeError::Ipv6ExtHeaderTruncated => "ipv6.ext_header_truncated",
            DecodeError::Ipv6BadPayloadLen => "ipv6.bad_payload_len",
            DecodeError::TcpTruncated => "tcp.truncated",
            DecodeError::TcpBadHeaderLen => "tcp.bad_header_len",
            DecodeError::UdpTruncated => "udp.truncated",
            DecodeError::UdpBadLength => "udp.bad_length",
            DecodeError::IcmpTruncated => "icmp.truncated",
            DecodeError::Icmpv6Truncated => "icmpv6.truncated",
            DecodeError::FragmentBad => "fragment.bad",
            DecodeError::RawTruncated => "raw.truncated",
            DecodeError::RawBadVersion => "raw.bad_version",
            DecodeError::Ipv6TooManyExtHeaders => "ipv6.too_many_ext_headers",
            DecodeError::PppTruncated => "ppp.truncated",
            DecodeError::PppNotIp => "ppp.not_ip",
            DecodeError::PppoeInvalid => "pppoe.invalid",
            DecodeError::MplsInvalid => "mpls.invalid",
            DecodeError::Ieee8021ahTruncated => "ieee8021ah.truncated",
            DecodeError::VntagInvalid => "vntag.invalid",
            DecodeError::DceTruncated => "dce.truncated",
            DecodeError::TooManyLayers => "layers.too_many",
            DecodeError::NullUnsupportedType => "null.unsupported_type",
        }
    }

    /// Every kind, for stats tables.
    pub const ALL: &'static [DecodeError] = &[
        DecodeError::UnsupportedLinkType,
        DecodeError::EthernetTruncated,
        DecodeError::VlanTruncated,
        DecodeError::VlanTooDeep,
        DecodeError::VlanUnknownType,
        DecodeError::SllTruncated,
        DecodeError::NullTruncated,
        DecodeError::ChdlcTruncated,
        DecodeError::Ipv4Truncated,
        DecodeError::Ipv4BadVersion,
        DecodeError::Ipv4BadHeaderLen,
        DecodeError::Ipv4BadTotalLen,
        DecodeError::Ipv4BadOptions,
        DecodeError::Ipv6Truncated,
        DecodeError::Ipv6BadVersion,
        DecodeError::Ipv6ExtHeaderTruncated,
        DecodeError::Ipv6BadPayloadLen,
        DecodeError::TcpTruncated,
        DecodeError::TcpBadHeaderLen,
        DecodeError::UdpTruncated,
        DecodeError::UdpBadLength,
        DecodeError::IcmpTruncated,
        DecodeError::Icmpv6Truncated,
        DecodeError::FragmentBad,
        DecodeError::RawTruncated,
        DecodeError::RawBadVersion,
        DecodeError::Ipv6TooManyExtHeaders,
        DecodeError::PppTruncated,
        DecodeError::PppNotIp,
        DecodeError::PppoeInvalid,
        DecodeError::MplsInvalid,
        DecodeError::Ieee8021ahTruncated,
        DecodeError::VntagInvalid,
        DecodeError::DceTruncated,
        DecodeError::TooManyLayers,
        DecodeError::NullUnsupportedType,
    ];

    /// Dense index into a counter array of `ALL.len()` entries.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Outcome of decoding one frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeOutcome {
    /// An IPv4 or IPv6 packet (possibly a fragment: see `Decoded::fragment`).
    Ip(Decoded),
    /// A valid frame that carries no IP (ARP, LLDP, STP, ...): counted, not tracked.
    /// `ethertype` is the innermost ethertype (after VLAN tags; the SLL protocol field for
    /// cooked captures). It is 0 when the frame has none: 802.3 length frames (LLC/SNAP),
    /// Linux SLL pseudo-protocols below 0x0600, netlink, and NULL/LOOP address families other
    /// than IPv4/IPv6.
    NotIp { ethertype: u16 },
}

/// Where the network layer starts, as found by a link-layer decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NetLayer {
    Ipv4(usize),
    Ipv6(usize),
    /// IP of either version: the version nibble decides (raw IP).
    AnyIp(usize),
    NotIp(u16),
}

/// What a transport decoder found in an IP payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Transport {
    pub l4: L4,
    /// Bytes of transport header before the payload.
    pub header_len: usize,
    /// Captured payload bytes after the header.
    pub payload_len: usize,
}

/// Decodes one captured frame of the given link type.
pub fn decode(link: LinkType, frame: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let frame = clamp(frame);
    let d = Decoded {
        dlt: link.to_dlt() as u16,
        ..Decoded::default()
    };
    match decode_layers(link, frame, d)? {
        DecodeOutcome::Ip(d) => Ok(DecodeOutcome::Ip(unwrap_tunnels(frame, d))),
        other => Ok(other),
    }
}

/// For a frame whose transport header did not decode (`DecodeError::is_transport`): its IP
/// layer, with `l4_invalid` set, no transport header and no payload, as Suricata still applies
/// IP rules to such packets without a flow. Tunnels are not followed.
pub fn decode_flowless(link: LinkType, frame: &[u8]) -> Option<Decoded> {
    let lenient = Decoded {
        l4_invalid: true,
        dlt: link.to_dlt() as u16,
        ..Decoded::default()
    };
    match decode_layers(link, clamp(frame), lenient) {
        Ok(DecodeOutcome::Ip(d)) if d.l4 == L4::None && d.fragment.is_none() => Some(d),
        _ => None,
    }
}

/// Link, network and transport layers into `d` (`d.l4_invalid` preset: transport errors are
/// tolerated).
fn decode_layers(
    link: LinkType,
    frame: &[u8],
    mut d: Decoded,
) -> Result<DecodeOutcome, DecodeError> {
    match layers_into(link, frame, &mut d)? {
        Some(ethertype) => Ok(DecodeOutcome::NotIp { ethertype }),
        None => Ok(DecodeOutcome::Ip(d)),
    }
}

/// [`decode_layers`] into `d`, which keeps what was decoded (and its events) on an error;
/// `Some(ethertype)` for a frame that is not IP.
#[inline]
fn layers_into(link: LinkType, frame: &[u8], d: &mut Decoded) -> Result<Option<u16>, DecodeError> {
    let net = match link {
        LinkType::Ethernet => ethernet::decode(frame, d)?,
        LinkType::LinuxSll => sll::decode_v1(frame, d)?,
        LinkType::LinuxSll2 => sll::decode_v2(frame, d)?,
        LinkType::Null => null::decode_null(frame, d)?,
        LinkType::Loop => null::decode_loop(frame)?,
        LinkType::Raw => NetLayer::AnyIp(0),
        LinkType::Ipv4 => NetLayer::Ipv4(0),
        LinkType::Ipv6 => NetLayer::Ipv6(0),
        LinkType::Other(LINKTYPE_PPP) => encap::ppp(frame, 0, d)?,
        LinkType::Other(LINKTYPE_C_HDLC) => c_hdlc(frame)?,
        LinkType::Other(_) => return Err(DecodeError::UnsupportedLinkType),
    };
    match net {
        NetLayer::Ipv4(off) => ipv4::decode(frame, off, d)?,
        NetLayer::Ipv6(off) => ipv6::decode(frame, off, d)?,
        NetLayer::AnyIp(off) => decode_any_ip(frame, off, d)?,
        NetLayer::NotIp(ethertype) => return Ok(Some(ethertype)),
    }
    Ok(None)
}

/// For a frame whose network layer did not decode (an error that is not
/// [`DecodeError::is_transport`]): what was read before the error, with the decoder events
/// found, `l3_invalid` set and no transport layer; `None` when the error raises no event
/// (nothing a rule could match). A rare path: the frame is decoded again.
pub fn decode_invalid(link: LinkType, frame: &[u8], err: DecodeError) -> Option<Decoded> {
    let mut d = Decoded {
        dlt: link.to_dlt() as u16,
        ..Decoded::default()
    };
    let _ = layers_into(link, clamp(frame), &mut d);
    if let Some(e) = err.link_event() {
        d.events.set(e);
    }
    if d.events.is_empty() {
        return None;
    }
    d.l3_invalid = true;
    d.l4_invalid = true;
    d.l4 = L4::None;
    d.fragment = None;
    d.payload_len = 0;
    Some(d)
}

/// LINKTYPE_PPP: PPP in HDLC-like framing (RFC 1662).
const LINKTYPE_PPP: u32 = 9;

/// LINKTYPE_C_HDLC: Cisco HDLC.
const LINKTYPE_C_HDLC: u32 = 104;

/// Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an Ethernet type (IPv4
/// 0x0800, IPv6 0x86dd; SLARP, CDP and the rest are not IP). As Suricata's decoder, the address
/// and control bytes are not checked.
fn c_hdlc(frame: &[u8]) -> Result<NetLayer, DecodeError> {
    let Some(&[_, _, a, b]) = frame.first_chunk::<4>() else {
        return Err(DecodeError::ChdlcTruncated);
    };
    Ok(match u16::from_be_bytes([a, b]) {
        0x0800 => NetLayer::Ipv4(4),
        0x86dd => NetLayer::Ipv6(4),
        p => NetLayer::NotIp(p),
    })
}

/// Tunnels followed before giving up (a tunnel in a tunnel in ...).
const MAX_TUNNEL_DEPTH: usize = 4;
/// VXLAN's IANA port (destination), the only one Suricata's default configuration decodes.
const VXLAN_PORT: u16 = 4789;
/// Geneve's IANA port (source or destination).
const GENEVE_PORT: u16 = 6081;
/// Teredo's IANA port (source or destination), on in Suricata's default configuration.
const TEREDO_PORT: u16 = 3544;

/// What a tunnel header says follows it.
enum Tunnelled {
    Net(NetLayer),
    Ppp,
    Vlan,
    Ethernet,
    Erspan2,
}

/// Replaces a tunnel packet (IP in IP, GRE and what it carries, VXLAN, Geneve, Teredo) by the
/// packet it carries, as Suricata does: the inner packet is the one tracked and inspected, and
/// it carries the outer packet's decoder events besides its own. A tunnel whose inner packet does
/// not decode is kept as the outer packet, without the inner's events: Suricata drops such a
/// tunnelled packet, events and all (a PPP protocol other than IP excepted: that packet stays).
fn unwrap_tunnels(frame: &[u8], mut d: Decoded) -> Decoded {
    for _ in 0..MAX_TUNNEL_DEPTH {
        if d.fragment.is_some() {
            break;
        }
        let start = d.payload_offset as usize;
        let end = start + d.payload_len as usize;
        let Some(payload) = frame.get(start..end) else {
            break;
        };
        let outer_v6 = d.src.is_ipv6();
        let (skip, what, keep_vlan) = match (d.ip_proto, &d.l4) {
            (ip_proto::IPIP, _) => {
                if outer_v6 && !ip_in_ipv6(payload, 4, &mut d.events) {
                    break;
                }
                (0, Tunnelled::Net(NetLayer::Ipv4(0)), true)
            }
            (ip_proto::IPV6, _) => {
                if outer_v6 && !ip_in_ipv6(payload, 6, &mut d.events) {
                    break;
                }
                (0, Tunnelled::Net(NetLayer::Ipv6(0)), true)
            }
            (ip_proto::GRE, _) => {
                let Some((hdr, inner)) = encap::gre(payload, &mut d.events) else {
                    break;
                };
                let what = match inner {
                    encap::GreInner::Ipv4 => Tunnelled::Net(NetLayer::Ipv4(0)),
                    encap::GreInner::Ipv6 => Tunnelled::Net(NetLayer::Ipv6(0)),
                    encap::GreInner::Ppp => Tunnelled::Ppp,
                    encap::GreInner::Vlan => Tunnelled::Vlan,
                    encap::GreInner::Ethernet => Tunnelled::Ethernet,
                    encap::GreInner::Erspan2 => Tunnelled::Erspan2,
                };
                (hdr, what, true)
            }
            (ip_proto::UDP, L4::Udp(u)) => {
                let t = if u.src_port == TEREDO_PORT || u.dst_port == TEREDO_PORT {
                    encap::teredo(payload)
                } else if u.src_port == GENEVE_PORT || u.dst_port == GENEVE_PORT {
                    encap::geneve(payload, &mut d.events)
                } else if u.dst_port == VXLAN_PORT {
                    encap::vxlan(payload, &mut d.events)
                } else {
                    None
                };
                match t {
                    Some(encap::UdpTunnel::Ipv4(o)) => {
                        (o, Tunnelled::Net(NetLayer::Ipv4(0)), false)
                    }
                    Some(encap::UdpTunnel::Ipv6(o)) => {
                        (o, Tunnelled::Net(NetLayer::Ipv6(0)), false)
                    }
                    Some(encap::UdpTunnel::Ethernet(o)) => (o, Tunnelled::Ethernet, false),
                    None => break,
                }
            }
            _ => break,
        };
        let Some(inner) = payload.get(skip..) else {
            break;
        };
        let mut n = Decoded {
            dlt: d.dlt,
            ..Decoded::default()
        };
        if keep_vlan {
            (n.vlan, n.vlan_count) = (d.vlan, d.vlan_count);
        }
        let net = match what {
            Tunnelled::Net(net) => Ok(net),
            Tunnelled::Ppp => encap::ppp(inner, 0, &mut n),
            Tunnelled::Vlan => {
                ethernet::decode_ethertype(inner, 0, ethernet::ethertype::VLAN, &mut n)
            }
            Tunnelled::Ethernet => ethernet::decode(inner, &mut n),
            Tunnelled::Erspan2 => match encap::erspan2(inner, &mut n) {
                Some(o) => ethernet::decode_at(inner, o, &mut n),
                None => break,
            },
        };
        match net.and_then(|net| decode_net(inner, net, &mut n)) {
            Ok(()) => {
                shift(&mut n, (start + skip) as u32);
                n.events = n.events.union(d.events);
                d = n;
            }
            Err(DecodeError::PppNotIp) => {
                d.events = d.events.union(n.events);
                break;
            }
            Err(_) => break,
        }
    }
    d
}

/// IPv4 (`version` 4) or IPv6 in IPv6: Suricata's checks on the inner header, with their events
/// on the outer packet.
fn ip_in_ipv6(payload: &[u8], version: u8, ev: &mut PacketEvents) -> bool {
    let (min, small, wrong) = if version == 4 {
        (
            20,
            PacketEvent::Ipv6Ipv4InIpv6TooSmall,
            PacketEvent::Ipv6Ipv4InIpv6WrongVersion,
        )
    } else {
        (
            40,
            PacketEvent::Ipv6Ipv6InIpv6TooSmall,
            PacketEvent::Ipv6Ipv6InIpv6WrongVersion,
        )
    };
    if payload.len() < min {
        ev.set(small);
        false
    } else if payload[0] >> 4 != version {
        ev.set(wrong);
        false
    } else {
        true
    }
}

fn decode_net(frame: &[u8], net: NetLayer, d: &mut Decoded) -> Result<(), DecodeError> {
    match net {
        NetLayer::Ipv4(off) => ipv4::decode(frame, off, d),
        NetLayer::Ipv6(off) => ipv6::decode(frame, off, d),
        NetLayer::AnyIp(off) => decode_any_ip(frame, off, d),
        NetLayer::NotIp(_) => Err(DecodeError::UnsupportedLinkType),
    }
}

/// Moves every offset of `d` (decoded from a slice starting at `base` in the frame) so that it
/// is relative to the frame.
fn shift(d: &mut Decoded, base: u32) {
    d.l3_offset += base;
    d.l4_offset += base;
    d.payload_offset += base;
    if let Some(f) = &mut d.fragment {
        f.data_offset += base;
    }
}

/// Decodes a bare IPv4 or IPv6 datagram starting at offset 0 (used for reassembled fragments).
pub fn decode_ip(datagram: &[u8]) -> Result<Decoded, DecodeError> {
    let datagram = clamp(datagram);
    let mut d = Decoded::default();
    decode_any_ip(datagram, 0, &mut d)?;
    Ok(d)
}

/// Offsets in `Decoded` are `u32`: a (never seen) frame beyond 4 GiB is decoded as if cut there,
/// so every offset cast below is lossless.
#[inline]
fn clamp(frame: &[u8]) -> &[u8] {
    frame.get(..u32::MAX as usize).unwrap_or(frame)
}

/// Raw IP: the version nibble picks the decoder.
#[inline]
fn decode_any_ip(frame: &[u8], off: usize, d: &mut Decoded) -> Result<(), DecodeError> {
    match frame.get(off).map(|b| b >> 4) {
        None => Err(DecodeError::RawTruncated),
        Some(4) => ipv4::decode(frame, off, d),
        Some(6) => ipv6::decode(frame, off, d),
        Some(_) => Err(DecodeError::RawBadVersion),
    }
}

/// IP protocol numbers the decoders act on.
pub mod ip_proto {
    pub const ICMP: u8 = 1;
    /// IPv4 in IP.
    pub const IPIP: u8 = 4;
    /// IPv6 in IP.
    pub const IPV6: u8 = 41;
    pub const GRE: u8 = 47;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
    pub const SCTP: u8 = 132;
}

/// Decodes the transport header of protocol `proto` in `seg` (the captured part of the IP
/// payload; `declared_len` is the length the IP header gives it). Protocols without a decoder
/// are kept as `L4::None` with the whole segment as payload.
#[inline]
pub(crate) fn decode_transport(
    proto: u8,
    seg: &[u8],
    declared_len: usize,
) -> Result<Transport, DecodeError> {
    match proto {
        ip_proto::TCP => tcp::parse(seg, declared_len),
        ip_proto::UDP => udp::parse(seg),
        ip_proto::ICMP => icmp::parse_v4(seg),
        ip_proto::ICMPV6 => icmp::parse_v6(seg),
        // SCTP: only the 12-byte common header matters here (ports and tag); a shorter one is
        // kept as an opaque payload.
        ip_proto::SCTP if seg.len() >= 12 => Ok(Transport {
            l4: L4::Sctp(SctpHeader {
                src_port: u16::from_be_bytes([seg[0], seg[1]]),
                dst_port: u16::from_be_bytes([seg[2], seg[3]]),
                verification_tag: u32::from_be_bytes([seg[4], seg[5], seg[6], seg[7]]),
            }),
            header_len: 12,
            payload_len: seg.len() - 12,
        }),
        _ => Ok(Transport {
            l4: L4::None,
            header_len: 0,
            payload_len: seg.len(),
        }),
    }
}

/// Fills the transport part of `d` from the IP payload `seg` starting at frame offset `l4_off`.
/// With `fragment` set (a first fragment), a transport header that does not decode is not an
/// error: the rest of it may be in later fragments, and the reassembled datagram is judged.
#[inline]
pub(crate) fn fill_transport(
    d: &mut Decoded,
    l4_off: usize,
    seg: &[u8],
    declared_len: usize,
    fragment: bool,
) -> Result<(), DecodeError> {
    let t = if fragment {
        let partial = match d.ip_proto {
            ip_proto::TCP => tcp::parse_partial(seg),
            p => decode_transport(p, seg, seg.len()).ok(),
        };
        partial.unwrap_or(Transport {
            l4: L4::None,
            header_len: 0,
            payload_len: seg.len(),
        })
    } else {
        match decode_transport(d.ip_proto, seg, declared_len) {
            Ok(t) => {
                if let L4::Icmp(h) = t.l4 {
                    let body = seg.get(icmp::HEADER_LEN..).unwrap_or(&[]);
                    if d.ip_proto == ip_proto::ICMP {
                        icmp::v4_events(h.icmp_type, h.code, body, &mut d.events);
                    } else {
                        icmp::v6_events(h.icmp_type, h.code, body, d.ttl, &mut d.events);
                    }
                }
                if let L4::Udp(u) = t.l4 {
                    // The UDP length says more than the IP payload holds.
                    if usize::from(u.length) > declared_len {
                        d.events.set(PacketEvent::UdpPktTooSmall);
                    }
                }
                t
            }
            // Asked to tolerate it (`decode_flowless`): no transport header, no payload.
            Err(e) if d.l4_invalid && e.is_transport() => {
                if let Some(ev) = transport_event(e, seg) {
                    d.events.set(ev);
                }
                Transport {
                    l4: L4::None,
                    header_len: 0,
                    payload_len: 0,
                }
            }
            Err(e) => return Err(e),
        }
    };
    d.l4 = t.l4;
    d.l4_offset = l4_off as u32;
    d.payload_offset = (l4_off + t.header_len) as u32;
    d.payload_len = t.payload_len as u32;
    Ok(())
}

/// Suricata's event for a transport header that does not decode (`seg`: the captured IP
/// payload). A TCP data offset below 5 words is `tcp.invalid_optlen` (Suricata computes the
/// option length as header length minus 20, in 8 bits), one past the segment
/// `tcp.hlen_too_small`.
fn transport_event(e: DecodeError, seg: &[u8]) -> Option<PacketEvent> {
    Some(match e {
        DecodeError::TcpTruncated if seg.len() < tcp::MIN_HEADER_LEN => PacketEvent::TcpPktTooSmall,
        DecodeError::TcpBadHeaderLen => match seg.get(12).map(|b| usize::from(b >> 4) * 4) {
            Some(hl) if hl < tcp::MIN_HEADER_LEN => PacketEvent::TcpInvalidOptlen,
            _ => PacketEvent::TcpHlenTooSmall,
        },
        DecodeError::UdpTruncated => PacketEvent::UdpHlenTooSmall,
        DecodeError::UdpBadLength => PacketEvent::UdpLenInvalid,
        DecodeError::IcmpTruncated => PacketEvent::Icmpv4PktTooSmall,
        DecodeError::Icmpv6Truncated => PacketEvent::Icmpv6PktTooSmall,
        _ => return None,
    })
}

/// Marks `d` as a non-first fragment: no transport header, the fragment data is the payload.
#[inline]
pub(crate) fn fill_opaque(d: &mut Decoded, l4_off: usize, len: usize) {
    d.l4 = L4::None;
    d.l4_offset = l4_off as u32;
    d.payload_offset = l4_off as u32;
    d.payload_len = len as u32;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_table_is_consistent() {
        for (i, e) in DecodeError::ALL.iter().enumerate() {
            assert_eq!(e.index(), i, "{e:?}");
        }
        let mut names: Vec<&str> = DecodeError::ALL.iter().map(|e| e.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DecodeError::ALL.len());
    }

    #[test]
    fn unsupported_link_type() {
        // IEEE 802.11 (LINKTYPE 105) is not decoded.
        let frame = testutil::hex("0801000000010020");
        assert_eq!(
            decode(LinkType::from_dlt(105), &frame),
            Err(DecodeError::UnsupportedLinkType)
        );
    }

    #[test]
    fn cisco_hdlc_carries_ip_by_ethernet_type() {
        // LINKTYPE_C_HDLC (104): unicast address, control 0, IPv4; a UDP datagram 10.0.0.1:53 ->
        // 10.0.0.2:1024 with 4 bytes of payload.
        let frame = testutil::hex(
            "0f000800\
             4500002000000000401100000a0000010a000002\
             00350400000c0000\
             00006869",
        );
        let Ok(DecodeOutcome::Ip(d)) = decode(LinkType::from_dlt(104), &frame) else {
            panic!("not decoded");
        };
        assert_eq!(d.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(d.l3_offset, 4);
        assert_eq!(d.dlt, 104);
        assert!(matches!(d.l4, L4::Udp(_)));
        // Broadcast address, IPv6 header cut short: the IPv6 decoder is reached.
        let v6 = testutil::hex("8f0086dd60000000");
        assert_eq!(
            decode(LinkType::from_dlt(104), &v6),
            Err(DecodeError::Ipv6Truncated)
        );
        // SLARP keepalives are Cisco HDLC but not IP; three bytes are not a header.
        let slarp = testutil::hex("8f0080350000000200000000");
        assert_eq!(
            decode(LinkType::from_dlt(104), &slarp),
            Ok(DecodeOutcome::NotIp { ethertype: 0x8035 })
        );
        assert_eq!(
            decode(LinkType::from_dlt(104), &[0x0f, 0, 8]),
            Err(DecodeError::ChdlcTruncated)
        );
    }

    #[test]
    fn ppp_with_compressed_protocol_field_reaches_ipv6() {
        // zeek-traces/ppp/quic-interop-retry.pcap #1 (first 8 bytes): LINKTYPE_PPP (9), protocol
        // 0x0057 (IPv6) with too few bytes after it for an IPv6 header: Suricata's event.
        let frame = testutil::hex("0057600000010020");
        assert_eq!(
            decode(LinkType::from_dlt(9), &frame),
            Err(DecodeError::PppTruncated)
        );
        let d = decode_invalid(LinkType::from_dlt(9), &frame, DecodeError::PppTruncated).unwrap();
        assert!(d.events.has(PacketEvent::PppIp6PktTooSmall));
        // One-byte (compressed) protocol 0x57 before a whole IPv6 header reaches the IPv6
        // decoder.
        let mut v6 = testutil::hex("57600000000014114000");
        v6.resize(41, 0);
        assert!(!matches!(
            decode(LinkType::from_dlt(9), &v6),
            Err(DecodeError::PppTruncated | DecodeError::PppNotIp)
        ));
        // Address/control bytes and a two-byte protocol field: LCP is valid PPP, not IP, and
        // raises `ppp.unsup_proto` as in Suricata.
        let lcp = testutil::hex("ff03c02101010004");
        assert_eq!(
            decode(LinkType::from_dlt(9), &lcp),
            Err(DecodeError::PppNotIp)
        );
        let d = decode_invalid(LinkType::from_dlt(9), &lcp, DecodeError::PppNotIp).unwrap();
        assert!(d.events.has(PacketEvent::PppUnsupProto));
    }
}

/// Decoder events: raised where the decoder finds the anomaly, with Suricata's names.
#[cfg(test)]
mod event_tests {
    use super::testutil::hex;
    use super::*;
    use crate::events::{PacketEvent as E, PacketEvents};

    /// A raw IPv4 datagram: 20-byte header (total length `total`, or the real one) and body.
    fn v4(proto: u8, body: &[u8], total: Option<u16>) -> Vec<u8> {
        let len = total.unwrap_or(20 + body.len() as u16);
        let mut f = vec![
            0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        f[2..4].copy_from_slice(&len.to_be_bytes());
        f.extend_from_slice(body);
        f
    }

    fn tcp(offset_words: u8, options: &[u8]) -> Vec<u8> {
        let mut t = vec![
            0x9c,
            0x40,
            0,
            80,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            offset_words << 4,
            0x02,
            0xff,
            0xff,
            0,
            0,
            0,
            0,
        ];
        t.extend_from_slice(options);
        t
    }

    fn events_of(frame: &[u8]) -> PacketEvents {
        match decode(LinkType::Raw, frame) {
            Ok(DecodeOutcome::Ip(d)) => d.events,
            Ok(_) => PacketEvents::NONE,
            Err(e) if e.is_transport() => decode_flowless(LinkType::Raw, frame).unwrap().events,
            Err(e) => decode_invalid(LinkType::Raw, frame, e).map_or(PacketEvents::NONE, |d| {
                assert!(d.l3_invalid && d.l4_invalid && d.payload_len == 0);
                d.events
            }),
        }
    }

    fn only(e: E) -> PacketEvents {
        let mut s = PacketEvents::NONE;
        s.set(e);
        s
    }

    /// A raw IPv6 datagram (fixed header, no extension headers) with hop limit `hl`.
    fn v6_hl(next: u8, body: &[u8], hl: u8) -> Vec<u8> {
        let mut f = vec![0x60, 0, 0, 0];
        f.extend_from_slice(&(body.len() as u16).to_be_bytes());
        f.extend_from_slice(&[next, hl]);
        f.extend_from_slice(&[0xfd; 16]);
        f.extend_from_slice(&[0xfe; 16]);
        f.extend_from_slice(body);
        f
    }

    /// The events of `ev` whose Suricata name starts with `prefix`, sorted (how the
    /// differential tests compare with Suricata's alerts).
    fn event_names(ev: PacketEvents, prefix: &str) -> Vec<&'static str> {
        let mut names: Vec<&str> = E::ALL
            .iter()
            .filter(|e| ev.has(**e) && e.name().starts_with(prefix))
            .map(|e| e.name())
            .collect();
        names.sort_unstable();
        names
    }

    /// A differential test file's comma-separated event names.
    fn listed(s: &str) -> Vec<&str> {
        s.split(',').filter(|s| !s.is_empty()).collect()
    }

    /// Every ICMPv4 and ICMPv6 type with codes 0-20 and 255, error messages with short or
    /// foreign embedded headers, MLD with several hop limits: the events Suricata 7.0.10 raised
    /// on the same messages (`testdata/icmp_events.py` made the file).
    #[test]
    fn icmp_events_agree_with_suricata() {
        let data = include_str!("testdata/icmp_events.tsv");
        let codes: Vec<u8> = (0..=20).chain([255]).collect();
        // What the generator put after the 8-byte header of the matrix messages.
        let emb4 = {
            let mut h = v4(17, &[3, 232, 0, 53, 0, 8, 0, 0], None);
            h.truncate(28);
            h
        };
        let emb6 = v6_hl(17, &[3, 232, 0, 53, 0, 8, 0, 0], 64);
        let (mut checked, mut failures) = (0, Vec::new());
        for line in data.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (frame, want, what) = match f[0] {
                "matrix" => {
                    let (fam, t): (u8, u8) = (f[1].parse().unwrap(), f[2].parse().unwrap());
                    for (&c, ch) in codes.iter().zip(f[3].chars()) {
                        let mut m = vec![t, c, 0, 0, 0, 0, 0, 0];
                        let frame = if fam == 4 {
                            m.extend_from_slice(&emb4);
                            v4(1, &m, None)
                        } else {
                            m.extend_from_slice(if t < 128 { &emb6 } else { &[0; 20] });
                            v6_hl(58, &m, 64)
                        };
                        let p = if fam == 4 { "icmpv4." } else { "icmpv6." };
                        let want: Vec<String> = match ch {
                            '.' => vec![],
                            'c' => vec![format!("{p}unknown_code")],
                            't' => vec![format!("{p}unknown_type")],
                            'u' => vec![format!("{p}unassigned_type")],
                            'x' => vec![format!("{p}experimentation_type")],
                            'm' => vec![format!("{p}mld_message_with_invalid_hl")],
                            'M' => vec![
                                format!("{p}mld_message_with_invalid_hl"),
                                format!("{p}unknown_code"),
                            ],
                            other => panic!("bad matrix character {other}"),
                        };
                        let got = event_names(events_of(&frame), "icmpv");
                        checked += 1;
                        if got != want {
                            failures.push(format!(
                                "v{fam} type {t} code {c}: want {want:?}, got {got:?}"
                            ));
                        }
                    }
                    continue;
                }
                "packet" => {
                    let fam: u8 = f[1].parse().unwrap();
                    let hl: u8 = f[2].parse().unwrap();
                    let m = hex(f[3]);
                    let frame = if fam == 4 {
                        v4(1, &m, None)
                    } else {
                        v6_hl(58, &m, hl)
                    };
                    let want: Vec<String> = f
                        .get(4)
                        .filter(|s| !s.is_empty())
                        .map_or(vec![], |s| s.split(',').map(str::to_string).collect());
                    (frame, want, format!("v{fam} hl {hl} {}", f[3]))
                }
                other => panic!("bad line kind {other}"),
            };
            let got = event_names(events_of(&frame), "icmpv");
            checked += 1;
            if got != want {
                failures.push(format!("{what}: want {want:?}, got {got:?}"));
            }
        }
        assert!(checked >= 11_330, "only {checked} cases");
        assert!(
            failures.is_empty(),
            "{} of {checked}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// IPv4 options of every type and length, duplicates, route and timestamp pointers,
    /// CIPSO and the fixed-length options, in a TCP SYN: the option events Suricata 7.0.10
    /// raised on the same datagrams (`testdata/ipv4_options.py` made the file).
    #[test]
    fn ipv4_option_events_agree_with_suricata() {
        let (mut checked, mut failures) = (0, Vec::new());
        for line in include_str!("testdata/ipv4_options.tsv").lines() {
            let (opts_hex, want) = line.split_once('\t').expect("two fields");
            let mut opts = hex(opts_hex);
            opts.resize(opts.len().div_ceil(4) * 4, 0);
            let mut f = v4(6, &tcp(5, &[]), None);
            f[0] = 0x40 | (5 + opts.len() / 4) as u8;
            let total = (f.len() + opts.len()) as u16;
            f[2..4].copy_from_slice(&total.to_be_bytes());
            f.splice(20..20, opts);
            let ev = events_of(&f);
            let got = event_names(ev, "ipv4.opt");
            let want = listed(want);
            checked += 1;
            if got != want {
                failures.push(format!("{opts_hex}: want {want:?}, got {got:?}"));
            }
        }
        assert!(checked >= 2_091, "only {checked} cases");
        assert!(
            failures.is_empty(),
            "{} of {checked}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// IPv6 extension-header chains (options of every kind, padding only, bad lengths,
    /// duplicates, routing type 0, reserved fields, data after no-next-header) before a TCP
    /// SYN: the `ipv6.` events Suricata 7.0.10 raised (`testdata/ipv6_exthdrs.py`).
    #[test]
    fn ipv6_extension_header_events_agree_with_suricata() {
        let (mut checked, mut failures) = (0, Vec::new());
        for line in include_str!("testdata/ipv6_exthdrs.tsv").lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let frame = v6_hl(f[0].parse().unwrap(), &hex(f[1]), 64);
            let ev = events_of(&frame);
            let got = event_names(ev, "ipv6.");
            let want = listed(f[2]);
            checked += 1;
            if got != want {
                failures.push(format!("{} {}: want {want:?}, got {got:?}", f[0], f[1]));
            }
        }
        assert!(checked >= 67, "only {checked} cases");
        assert!(
            failures.is_empty(),
            "{} of {checked}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// VLAN-tagged frames before 26 types and with 1-5 stacked tags: the `vlan.` events
    /// Suricata 7.0.10 raised (`testdata/vlan.py`).
    #[test]
    fn vlan_events_agree_with_suricata() {
        let syn = {
            let mut f = v4(6, &tcp(5, &[]), None);
            f[12..20].copy_from_slice(&[10, 0, 0, 1, 10, 1, 0, 1]);
            f
        };
        let mut checked = 0;
        for line in include_str!("testdata/vlan.tsv").lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let depth: u16 = f[0].parse().unwrap();
            let last = u16::from_str_radix(f[1], 16).unwrap();
            let mut frame = hex("0001020304050001020304068100");
            for k in 0..depth {
                let next = if k + 1 < depth { 0x8100 } else { last };
                frame.extend_from_slice(&(100 + k).to_be_bytes());
                frame.extend_from_slice(&next.to_be_bytes());
            }
            if matches!(last, 0x0800 | 0x86dd) {
                frame.extend_from_slice(&syn);
            } else {
                frame.extend_from_slice(&[0; 40]);
            }
            let ev = match decode(LinkType::Ethernet, &frame) {
                Ok(DecodeOutcome::Ip(d)) => d.events,
                Ok(DecodeOutcome::NotIp { .. }) | Err(_) => {
                    let mut d = Decoded::default();
                    let _ = layers_into(LinkType::Ethernet, &frame, &mut d);
                    d.events
                }
            };
            let got = event_names(ev, "vlan.");
            let want = listed(f.get(2).copied().unwrap_or(""));
            assert_eq!(got, want, "{line}");
            checked += 1;
        }
        assert!(checked >= 31, "only {checked} cases");
    }

    /// Frames of GRE (every flag and version combination before each payload type), PPP (link
    /// type 9 and in GRE), PPPoE, MPLS, 802.1ah, VN-Tag, DCE, ERSPAN, null/loopback, IP in
    /// IPv6, VXLAN and Geneve: the decoder events Suricata 7.0.10 raised on each and whether it
    /// decapsulated the UDP datagram 10.9.9.1 -> 10.9.9.2 (fd00::1 -> fd00::2) carrying
    /// "DECAPOK" that the well-formed ones hold (`testdata/encap.py`).
    #[test]
    fn encapsulation_events_agree_with_suricata() {
        // Where the sensor differs, what it gives instead: it reads a null/loopback family in
        // both byte orders (Suricata: the little-endian one only), and follows IPv4 in IPv4
        // (Suricata 7.0.10 does not).
        const ACCEPTED: &[(&str, &str)] = &[
            ("null_2000000", "decap"),
            ("null_1e000000", "decap"),
            ("null_a000000", "decap"),
            ("ip4in4", "decap"),
        ];
        let (mut checked, mut failures) = (0, Vec::new());
        for line in include_str!("testdata/encap.tsv").lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let (name, frame) = (f[0], hex(f[2]));
            let link = LinkType::from_dlt(f[1].parse().unwrap());
            let (ev, decap) = match decode(link, &frame) {
                Ok(DecodeOutcome::Ip(d)) => {
                    let payload = &frame[d.payload_offset as usize..][..d.payload_len as usize];
                    let inner = ["10.9.9.1", "fd00::1"].map(|a| a.parse::<IpAddr>().unwrap());
                    let decap = inner.contains(&d.src)
                        && matches!(d.l4, L4::Udp(u) if u.dst_port == 2222)
                        && payload == b"DECAPOK";
                    (d.events, decap)
                }
                Ok(DecodeOutcome::NotIp { .. }) => (PacketEvents::NONE, false),
                Err(e) if e.is_transport() => (
                    decode_flowless(link, &frame).map_or(PacketEvents::NONE, |d| d.events),
                    false,
                ),
                Err(e) => (
                    decode_invalid(link, &frame, e).map_or(PacketEvents::NONE, |d| d.events),
                    false,
                ),
            };
            let mut got = event_names(ev, "");
            if decap {
                got.push("decap");
                got.sort_unstable();
            }
            let want = ACCEPTED.iter().find(|(n, _)| *n == name).map_or_else(
                || listed(f.get(3).copied().unwrap_or("")),
                |(_, w)| listed(w),
            );
            checked += 1;
            if got != want {
                failures.push(format!("{name} {}: want {want:?}, got {got:?}", f[2]));
            }
        }
        assert!(checked >= 2_802, "only {checked} cases");
        assert!(
            failures.is_empty(),
            "{} of {checked}:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn clean_packets_raise_nothing() {
        assert!(events_of(&v4(6, &tcp(5, &[]), None)).is_empty());
        assert!(events_of(&v4(17, &[0, 53, 0, 53, 0, 9, 0, 0, 7], None)).is_empty());
        let f = hex(super::tcp::tests::RAW_SYN_WITH_DATA);
        assert!(events_of(&f).is_empty());
    }

    #[test]
    fn ipv4_events() {
        let good = v4(6, &tcp(5, &[]), None);
        assert_eq!(events_of(&good[..19]), only(E::Ipv4PktTooSmall));
        let mut f = good.clone();
        f[0] = 0x44;
        assert_eq!(events_of(&f), only(E::Ipv4HlenTooSmall));
        let f = v4(6, &tcp(5, &[]), Some(19));
        assert_eq!(events_of(&f), only(E::Ipv4IplenSmallerThanHlen));
        // Total length past the capture: decoded as captured, the event raised.
        let f = v4(6, &tcp(5, &[]), Some(400));
        assert!(matches!(
            decode(LinkType::Raw, &f),
            Ok(DecodeOutcome::Ip(_))
        ));
        assert_eq!(events_of(&f), only(E::Ipv4TruncPkt));
        // Options: a type without its length byte, a length of 1.
        let mut f = good.clone();
        f[0] = 0x46;
        f.splice(20..20, [1, 1, 1, 0x44]);
        assert_eq!(events_of(&f), only(E::Ipv4OptEolRequired));
        f[23] = 0x44;
        f[22] = 0x07;
        f[23] = 1;
        assert_eq!(events_of(&f), only(E::Ipv4OptInvalidLen));
        // ICMPv6 carried by IPv4.
        let f = v4(58, &[128, 0, 0, 0, 0, 1, 0, 1], None);
        assert!(events_of(&f).has(E::Ipv4Icmpv6));
        // A link-layer truncation has no IP layer but still an event.
        let d = decode_invalid(
            LinkType::Ethernet,
            &[0u8; 10],
            DecodeError::EthernetTruncated,
        )
        .unwrap();
        assert_eq!(d.events, only(E::EthernetPktTooSmall));
        assert!(decode_invalid(LinkType::Raw, &[], DecodeError::RawTruncated).is_none());
    }

    #[test]
    fn transport_events() {
        // Fewer than 20 bytes of TCP.
        assert_eq!(
            events_of(&v4(6, &tcp(5, &[])[..12], None)),
            only(E::TcpPktTooSmall)
        );
        // Data offset below 5 words: Suricata's option length underflows.
        assert_eq!(
            events_of(&v4(6, &tcp(4, &[]), None)),
            only(E::TcpInvalidOptlen)
        );
        // Data offset past the segment.
        assert_eq!(
            events_of(&v4(6, &tcp(8, &[]), None)),
            only(E::TcpHlenTooSmall)
        );
        // UDP: short header, length below 8, length past the IP payload.
        assert_eq!(
            events_of(&v4(17, &[0, 53, 0, 53], None)),
            only(E::UdpHlenTooSmall)
        );
        assert_eq!(
            events_of(&v4(17, &[0, 53, 0, 53, 0, 7, 0, 0], None)),
            only(E::UdpLenInvalid)
        );
        assert_eq!(
            events_of(&v4(17, &[0, 53, 0, 53, 0, 20, 0, 0, 1], None)),
            only(E::UdpPktTooSmall)
        );
        assert_eq!(
            events_of(&v4(1, &[8, 0, 0], None)),
            only(E::Icmpv4PktTooSmall)
        );
    }

    /// A raw IPv6 datagram whose payload is `ext` then `body`.
    fn v6(next: u8, ext: &[u8], body: &[u8], plen: Option<u16>) -> Vec<u8> {
        let len = plen.unwrap_or((ext.len() + body.len()) as u16);
        let mut f = vec![0x60, 0, 0, 0, 0, 0, next, 64];
        f[4..6].copy_from_slice(&len.to_be_bytes());
        f.extend_from_slice(&[0xfd; 16]);
        f.extend_from_slice(&[0xfe; 16]);
        f.extend_from_slice(ext);
        f.extend_from_slice(body);
        f
    }

    #[test]
    fn ipv6_events() {
        let udp = [0, 53, 0, 53, 0, 9, 0, 0, 7];
        assert!(events_of(&v6(17, &[], &udp, None)).is_empty());
        assert_eq!(
            events_of(&v6(17, &[], &udp, None)[..30]),
            only(E::Ipv6PktTooSmall)
        );
        assert_eq!(
            events_of(&v6(17, &[], &udp, Some(200))),
            only(E::Ipv6TruncPkt)
        );
        let mut f = v6(17, &[], &udp, None);
        f[0] = 0x40;
        assert_eq!(
            decode(LinkType::Ipv6, &f).unwrap_err(),
            DecodeError::Ipv6BadVersion
        );
        assert_eq!(
            decode_invalid(LinkType::Ipv6, &f, DecodeError::Ipv6BadVersion)
                .unwrap()
                .events,
            only(E::Ipv6WrongIpVersion)
        );
        // An atomic fragment header (offset 0, no more fragments) is useless; two are a
        // duplicate.
        let fh = [17, 0, 0, 0, 0, 0, 0, 9];
        assert_eq!(
            events_of(&v6(44, &fh, &udp, None)),
            only(E::Ipv6ExthdrUselessFh)
        );
        let fh2 = [44, 0, 0, 0, 0, 0, 0, 9, 17, 0, 0, 0, 0, 0, 0, 9];
        let ev = events_of(&v6(44, &fh2, &udp, None));
        assert!(ev.has(E::Ipv6ExthdrDuplFh) && ev.has(E::Ipv6ExthdrUselessFh));
        // A non-last fragment whose data is not a multiple of 8 bytes.
        let more = [17, 0, 0, 1, 0, 0, 0, 9];
        assert_eq!(
            events_of(&v6(44, &more, &udp, None)),
            only(E::Ipv6FragInvalidLength)
        );
        // A hop-by-hop header running past the payload length.
        let hop = [17, 1, 0, 0, 0, 0, 0, 0];
        assert!(events_of(&v6(0, &hop, &udp, Some(8))).has(E::Ipv6TruncExthdr));
        // An atomic fragment header then nothing left for the transport header.
        let fh_tcp = [6, 0, 0, 0, 0, 0, 0, 9];
        assert!(events_of(&v6(44, &fh_tcp, &[], None)).has(E::Ipv6TruncExthdr));
        // Without extension headers, a short transport header is the transport's event.
        assert!(!events_of(&v6(6, &[], &[0], None)).has(E::Ipv6TruncExthdr));
        // ICMPv4 carried by IPv6.
        assert!(events_of(&v6(1, &[], &[8, 0, 0, 0, 0, 1, 0, 1], None)).has(E::Ipv6Icmpv4));
    }
}
