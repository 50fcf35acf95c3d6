//! Frame builders: Ethernet (with 802.1Q / QinQ tags) or Linux SLL2, IPv4 or IPv6, and TCP, UDP
//! or ICMP, with every length and checksum filled in. Builders append to a caller's buffer so the
//! bench generator can recycle buffers.

use std::net::IpAddr;

use super::checksum;

pub type Mac = [u8; 6];

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const TPID_8021Q: u16 = 0x8100;
pub const TPID_8021AD: u16 = 0x88a8;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_IPV6_FRAG: u8 = 44;
pub const PROTO_ICMPV6: u8 = 58;
pub const PROTO_IPV6_DSTOPTS: u8 = 60;

pub const TCP_FIN: u8 = 0x01;
pub const TCP_SYN: u8 = 0x02;
pub const TCP_RST: u8 = 0x04;
pub const TCP_PSH: u8 = 0x08;
pub const TCP_ACK: u8 = 0x10;

/// The link layer of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Ethernet II with up to two VLAN tags `(tpid, vlan id)`, outermost first.
    Ethernet {
        src: Mac,
        dst: Mac,
        vlans: [(u16, u16); 2],
        vlan_count: u8,
    },
    /// Linux cooked capture v2 (as `tcpdump -i any` writes): the sender's MAC (the header's
    /// address field), the receiver's (used when the link is reversed), the packet type (0 to
    /// this host, 4 sent by it) and the interface index.
    Sll2 {
        src: Mac,
        dst: Mac,
        ifindex: u32,
        pkttype: u8,
    },
}

impl Link {
    pub fn ethernet(src: Mac, dst: Mac) -> Link {
        Link::Ethernet {
            src,
            dst,
            vlans: [(0, 0); 2],
            vlan_count: 0,
        }
    }

    /// The same link seen in the other direction (MACs swapped, same tags).
    pub fn reversed(&self) -> Link {
        match *self {
            Link::Ethernet {
                src,
                dst,
                vlans,
                vlan_count,
            } => Link::Ethernet {
                src: dst,
                dst: src,
                vlans,
                vlan_count,
            },
            Link::Sll2 {
                src,
                dst,
                ifindex,
                pkttype,
            } => Link::Sll2 {
                src: dst,
                dst: src,
                ifindex,
                pkttype: if pkttype == 4 { 0 } else { 4 },
            },
        }
    }

    pub fn with_vlan(self, vid: u16) -> Link {
        self.with_tags(&[(TPID_8021Q, vid)])
    }

    /// QinQ: an 802.1ad service tag outside an 802.1Q customer tag.
    pub fn with_qinq(self, outer: u16, inner: u16) -> Link {
        self.with_tags(&[(TPID_8021AD, outer), (TPID_8021Q, inner)])
    }

    fn with_tags(self, tags: &[(u16, u16)]) -> Link {
        match self {
            Link::Ethernet { src, dst, .. } => {
                let mut vlans = [(0, 0); 2];
                for (slot, t) in vlans.iter_mut().zip(tags) {
                    *slot = *t;
                }
                Link::Ethernet {
                    src,
                    dst,
                    vlans,
                    vlan_count: tags.len().min(2) as u8,
                }
            }
            other => other,
        }
    }

    fn write(&self, buf: &mut Vec<u8>, ethertype: u16) {
        match *self {
            Link::Ethernet {
                src,
                dst,
                vlans,
                vlan_count,
            } => {
                buf.extend_from_slice(&dst);
                buf.extend_from_slice(&src);
                for &(tpid, vid) in vlans.iter().take(vlan_count as usize) {
                    buf.extend_from_slice(&tpid.to_be_bytes());
                    buf.extend_from_slice(&(vid & 0x0fff).to_be_bytes());
                }
                buf.extend_from_slice(&ethertype.to_be_bytes());
            }
            Link::Sll2 {
                src,
                ifindex,
                pkttype,
                ..
            } => {
                buf.extend_from_slice(&ethertype.to_be_bytes());
                buf.extend_from_slice(&[0, 0]); // reserved
                buf.extend_from_slice(&ifindex.to_be_bytes());
                buf.extend_from_slice(&1u16.to_be_bytes()); // ARPHRD_ETHER
                buf.push(pkttype);
                buf.push(6);
                buf.extend_from_slice(&src);
                buf.extend_from_slice(&[0, 0]);
            }
        }
    }
}

/// IP header fields a flow chooses; lengths, protocol and checksum are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ip {
    pub src: IpAddr,
    pub dst: IpAddr,
    /// TTL or hop limit.
    pub ttl: u8,
    /// IPv4 identification, or IPv6 flow label (20 bits).
    pub id: u32,
    pub dont_fragment: bool,
    /// IPv6 only: insert an empty Destination Options header (exercises extension-header walks).
    pub dest_opts: bool,
}

impl Ip {
    pub fn new(src: IpAddr, dst: IpAddr, ttl: u8, id: u32) -> Ip {
        Ip {
            src,
            dst,
            ttl,
            id,
            dont_fragment: true,
            dest_opts: false,
        }
    }

    pub fn is_v6(&self) -> bool {
        self.src.is_ipv6()
    }
}

/// TCP header fields; `options` must be a multiple of 4 bytes long (at most 40).
#[derive(Clone, Copy, Debug)]
pub struct Tcp<'a> {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    pub window: u16,
    pub options: &'a [u8],
}

/// Writes link + IP headers for a transport payload of `l4_len` bytes; returns the offset of the
/// IP header. IPv4 checksum is filled in here since it depends only on the header.
fn write_ip(buf: &mut Vec<u8>, link: &Link, ip: &Ip, proto: u8, l4_len: usize) -> usize {
    match (ip.src, ip.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            link.write(buf, ETHERTYPE_IPV4);
            let off = buf.len();
            let total = (20 + l4_len).min(65535) as u16;
            let frag: u16 = if ip.dont_fragment { 0x4000 } else { 0 };
            buf.extend_from_slice(&[0x45, 0x00]);
            buf.extend_from_slice(&total.to_be_bytes());
            buf.extend_from_slice(&(ip.id as u16).to_be_bytes());
            buf.extend_from_slice(&frag.to_be_bytes());
            buf.extend_from_slice(&[ip.ttl, proto, 0, 0]);
            buf.extend_from_slice(&s.octets());
            buf.extend_from_slice(&d.octets());
            let c = checksum::checksum(&buf[off..off + 20]);
            buf[off + 10..off + 12].copy_from_slice(&c.to_be_bytes());
            off
        }
        _ => {
            link.write(buf, ETHERTYPE_IPV6);
            let off = buf.len();
            let ext = if ip.dest_opts { 8 } else { 0 };
            let plen = (ext + l4_len).min(65535) as u16;
            let vtf: u32 = (6 << 28) | (ip.id & 0x000f_ffff);
            buf.extend_from_slice(&vtf.to_be_bytes());
            buf.extend_from_slice(&plen.to_be_bytes());
            buf.push(if ip.dest_opts {
                PROTO_IPV6_DSTOPTS
            } else {
                proto
            });
            buf.push(ip.ttl);
            buf.extend_from_slice(&v6(ip.src));
            buf.extend_from_slice(&v6(ip.dst));
            if ip.dest_opts {
                // Next header, length 0 (8 bytes), PadN option filling the rest.
                buf.extend_from_slice(&[proto, 0, 1, 4, 0, 0, 0, 0]);
            }
            off
        }
    }
}

fn v6(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V6(a) => a.octets(),
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
    }
}

/// Sum of the TCP/UDP/ICMPv6 pseudo-header.
fn pseudo_sum(ip: &Ip, proto: u8, len: usize) -> u64 {
    let mut acc = 0;
    match (ip.src, ip.dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = checksum::sum(acc, &s.octets());
            acc = checksum::sum(acc, &d.octets());
            acc = checksum::sum(acc, &[0, proto]);
            acc = checksum::sum(acc, &(len as u16).to_be_bytes());
        }
        _ => {
            acc = checksum::sum(acc, &v6(ip.src));
            acc = checksum::sum(acc, &v6(ip.dst));
            acc = checksum::sum(acc, &(len as u32).to_be_bytes());
            acc = checksum::sum(acc, &[0, 0, 0, proto]);
        }
    }
    acc
}

/// Fills the transport checksum at `l4_off + field` over the segment from `l4_off` to the end.
fn fill_l4_checksum(buf: &mut [u8], ip: &Ip, proto: u8, l4_off: usize, field: usize) {
    let len = buf.len() - l4_off;
    let acc = checksum::sum(pseudo_sum(ip, proto, len), &buf[l4_off..]);
    let mut c = checksum::finish(acc);
    if proto == PROTO_UDP && c == 0 {
        c = 0xffff; // zero means "no checksum" in UDP
    }
    buf[l4_off + field..l4_off + field + 2].copy_from_slice(&c.to_be_bytes());
}

pub fn tcp_frame(buf: &mut Vec<u8>, link: &Link, ip: &Ip, tcp: &Tcp<'_>, payload: &[u8]) {
    let opts = &tcp.options[..tcp.options.len().min(40) & !3];
    let hlen = 20 + opts.len();
    write_ip(buf, link, ip, PROTO_TCP, hlen + payload.len());
    let l4 = buf.len();
    buf.extend_from_slice(&tcp.sport.to_be_bytes());
    buf.extend_from_slice(&tcp.dport.to_be_bytes());
    buf.extend_from_slice(&tcp.seq.to_be_bytes());
    buf.extend_from_slice(&tcp.ack.to_be_bytes());
    buf.push(((hlen / 4) as u8) << 4);
    buf.push(tcp.flags);
    buf.extend_from_slice(&tcp.window.to_be_bytes());
    buf.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    buf.extend_from_slice(opts);
    buf.extend_from_slice(payload);
    fill_l4_checksum(buf, ip, PROTO_TCP, l4, 16);
    pad(buf, link);
}

fn udp_segment(buf: &mut Vec<u8>, sport: u16, dport: u16, payload: &[u8]) {
    let len = (8 + payload.len()).min(65535) as u16;
    buf.extend_from_slice(&sport.to_be_bytes());
    buf.extend_from_slice(&dport.to_be_bytes());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(&[0, 0]);
    buf.extend_from_slice(payload);
}

pub fn udp_frame(buf: &mut Vec<u8>, link: &Link, ip: &Ip, sport: u16, dport: u16, payload: &[u8]) {
    write_ip(buf, link, ip, PROTO_UDP, 8 + payload.len());
    let l4 = buf.len();
    udp_segment(buf, sport, dport, payload);
    fill_l4_checksum(buf, ip, PROTO_UDP, l4, 6);
    pad(buf, link);
}

/// ICMP (IPv4) or ICMPv6 (IPv6) message: type, code, the 4 bytes after the checksum (id and
/// sequence for echo), and the payload.
pub fn icmp_frame(
    buf: &mut Vec<u8>,
    link: &Link,
    ip: &Ip,
    ty: u8,
    code: u8,
    rest: [u8; 4],
    payload: &[u8],
) {
    let proto = if ip.is_v6() { PROTO_ICMPV6 } else { PROTO_ICMP };
    write_ip(buf, link, ip, proto, 8 + payload.len());
    let l4 = buf.len();
    buf.extend_from_slice(&[ty, code, 0, 0]);
    buf.extend_from_slice(&rest);
    buf.extend_from_slice(payload);
    if proto == PROTO_ICMPV6 {
        fill_l4_checksum(buf, ip, proto, l4, 2);
    } else {
        let c = checksum::checksum(&buf[l4..]);
        buf[l4 + 2..l4 + 4].copy_from_slice(&c.to_be_bytes());
    }
    pad(buf, link);
}

/// A switch pads Ethernet frames to the 60-byte minimum (FCS not captured), and SPAN ports
/// deliver them padded: decoders must bound payloads by the IP length, not the frame length.
fn pad(buf: &mut Vec<u8>, link: &Link) {
    if matches!(link, Link::Ethernet { .. }) && buf.len() < 60 {
        buf.resize(60, 0);
    }
}

/// A UDP datagram split into IP fragments carrying at most `chunk` bytes of IP payload each
/// (rounded down to a multiple of 8). The UDP checksum covers the whole datagram, as a sender's
/// would. IPv6 fragments carry a Fragment extension header with `ip.id` as identification.
pub fn udp_fragments(
    link: &Link,
    ip: &Ip,
    sport: u16,
    dport: u16,
    payload: &[u8],
    chunk: usize,
) -> Vec<Vec<u8>> {
    let mut whole = Vec::with_capacity(8 + payload.len());
    udp_segment(&mut whole, sport, dport, payload);
    let acc = checksum::sum(pseudo_sum(ip, PROTO_UDP, whole.len()), &whole);
    let c = match checksum::finish(acc) {
        0 => 0xffff,
        c => c,
    };
    whole[6..8].copy_from_slice(&c.to_be_bytes());
    let chunk = (chunk & !7).max(8);
    let mut frames = Vec::new();
    let mut off = 0;
    while off < whole.len() {
        let end = (off + chunk).min(whole.len());
        let more = end < whole.len();
        let data = &whole[off..end];
        let mut buf = Vec::with_capacity(data.len() + 80);
        let fo = (off / 8) as u16;
        if ip.is_v6() {
            let frag_ip = Ip {
                dest_opts: false,
                ..*ip
            };
            write_ip(&mut buf, link, &frag_ip, PROTO_IPV6_FRAG, 8 + data.len());
            buf.extend_from_slice(&[PROTO_UDP, 0]);
            buf.extend_from_slice(&((fo << 3) | more as u16).to_be_bytes());
            buf.extend_from_slice(&ip.id.to_be_bytes());
        } else {
            let l3 = buf.len() + link_len(link);
            let frag_ip = Ip {
                dont_fragment: false,
                ..*ip
            };
            write_ip(&mut buf, link, &frag_ip, PROTO_UDP, data.len());
            let field = (fo & 0x1fff) | if more { 0x2000 } else { 0 };
            buf[l3 + 6..l3 + 8].copy_from_slice(&field.to_be_bytes());
            buf[l3 + 10..l3 + 12].copy_from_slice(&[0, 0]);
            let c = checksum::checksum(&buf[l3..l3 + 20]);
            buf[l3 + 10..l3 + 12].copy_from_slice(&c.to_be_bytes());
        }
        buf.extend_from_slice(data);
        pad(&mut buf, link);
        frames.push(buf);
        off = end;
    }
    frames
}

fn link_len(link: &Link) -> usize {
    match link {
        Link::Ethernet { vlan_count, .. } => 14 + 4 * *vlan_count as usize,
        Link::Sll2 { .. } => 20,
    }
}

/// TCP options of a SYN or SYN-ACK: MSS, SACK permitted, timestamps, window scale (Linux order),
/// or MSS, window scale, SACK permitted when timestamps are off (Windows order).
pub fn syn_options(mss: u16, wscale: u8, ts: Option<(u32, u32)>) -> ([u8; 20], usize) {
    let mut o = [0u8; 20];
    o[0..4].copy_from_slice(&[2, 4, (mss >> 8) as u8, mss as u8]);
    match ts {
        Some((val, ecr)) => {
            o[4..6].copy_from_slice(&[4, 2]);
            o[6..8].copy_from_slice(&[8, 10]);
            o[8..12].copy_from_slice(&val.to_be_bytes());
            o[12..16].copy_from_slice(&ecr.to_be_bytes());
            o[16..20].copy_from_slice(&[1, 3, 3, wscale]);
            (o, 20)
        }
        None => {
            o[4..8].copy_from_slice(&[1, 3, 3, wscale]);
            o[8..12].copy_from_slice(&[1, 1, 4, 2]);
            (o, 12)
        }
    }
}

/// NOP, NOP, timestamps: the options on every segment after a handshake that agreed them.
pub fn ts_options(val: u32, ecr: u32) -> [u8; 12] {
    let mut o = [1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0];
    o[4..8].copy_from_slice(&val.to_be_bytes());
    o[8..12].copy_from_slice(&ecr.to_be_bytes());
    o
}
