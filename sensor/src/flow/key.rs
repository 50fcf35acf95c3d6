//! Flow keys and the symmetric flow hash. A key is stored in canonical order (lower endpoint
//! first), so both directions of a flow produce the same key and the same hash: that is what
//! lets the dispatcher send a whole flow to one worker.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::decode::{Decoded, L4};

const PROTO_ICMP: u8 = 1;
const PROTO_ICMPV6: u8 = 58;

/// Bidirectional flow key: VLAN ids, protocol and the two endpoints in canonical order.
/// 44 bytes, aligned to 4 (addresses as 32-bit limbs rather than `u128`, whose 16-byte
/// alignment would pad every flow).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// Addresses as 128-bit numbers (IPv4 as IPv4-mapped IPv6) in 32-bit limbs, least
    /// significant first; lower endpoint first.
    pub addr_lo: [u32; 4],
    pub addr_hi: [u32; 4],
    /// Ports of the two endpoints. For ICMP, both are the echo/query identifier and `icmp_class`
    /// holds the message class, so a request and its reply share a flow.
    pub port_lo: u16,
    pub port_hi: u16,
    pub vlan: [u16; 2],
    pub proto: u8,
    pub icmp_class: u8,
    pub ipv6: bool,
}

/// The endpoints of one packet, as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
}

impl FlowKey {
    /// Builds the key of a decoded IP packet; returns it with a flag telling whether the packet
    /// travels from the lower endpoint to the higher one.
    #[inline]
    pub fn from_decoded(d: &Decoded) -> (FlowKey, bool) {
        let (src_port, dst_port, icmp_class) = match d.l4 {
            L4::Tcp(t) => (t.src_port, t.dst_port, 0),
            L4::Udp(u) => (u.src_port, u.dst_port, 0),
            L4::Sctp(h) => (h.src_port, h.dst_port, 0),
            L4::Icmp(i) => {
                let class = icmp_class(d.ip_proto == PROTO_ICMPV6, i.icmp_type);
                (i.id, i.id, class)
            }
            L4::None => (0, 0, 0),
        };
        let src = addr16(d.src);
        let dst = addr16(d.dst);
        let forward = (src, src_port) <= (dst, dst_port);
        let (addr_lo, port_lo, addr_hi, port_hi) = if forward {
            (src, src_port, dst, dst_port)
        } else {
            (dst, dst_port, src, src_port)
        };
        let vlan = match d.vlan_count {
            0 => [0, 0],
            1 => [d.vlan[0], 0],
            _ => d.vlan,
        };
        (
            FlowKey {
                addr_lo: limbs(addr_lo),
                addr_hi: limbs(addr_hi),
                port_lo,
                port_hi,
                vlan,
                proto: d.ip_proto,
                icmp_class,
                ipv6: matches!(d.src, IpAddr::V6(_)),
            },
            forward,
        )
    }

    /// A fast, well-mixed 64-bit hash of the key. Symmetric because the key is canonical.
    #[inline]
    pub fn hash64(&self) -> u64 {
        let w = |a: [u32; 4], i: usize| (a[2 * i] as u64) | (a[2 * i + 1] as u64) << 32;
        let tail = (self.port_lo as u64)
            | (self.port_hi as u64) << 16
            | (self.proto as u64) << 32
            | (self.icmp_class as u64) << 40
            | (self.ipv6 as u64) << 48;
        let vlan = (self.vlan[0] as u64) | (self.vlan[1] as u64) << 16;
        let mut h = 0x243f_6a88_85a3_08d3u64;
        for x in [
            w(self.addr_lo, 0),
            w(self.addr_lo, 1),
            w(self.addr_hi, 0),
            w(self.addr_hi, 1),
            tail,
            vlan,
        ] {
            h = (h ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            h ^= h >> 29;
        }
        fmix64(h)
    }

    pub fn lo_ip(&self) -> IpAddr {
        ip_from16(from_limbs(self.addr_lo), self.ipv6)
    }

    pub fn hi_ip(&self) -> IpAddr {
        ip_from16(from_limbs(self.addr_hi), self.ipv6)
    }

    /// Endpoints in the lower-to-higher direction.
    pub fn endpoints(&self, lo_to_hi: bool) -> Endpoints {
        if lo_to_hi {
            Endpoints {
                src: self.lo_ip(),
                dst: self.hi_ip(),
                src_port: self.port_lo,
                dst_port: self.port_hi,
            }
        } else {
            Endpoints {
                src: self.hi_ip(),
                dst: self.lo_ip(),
                src_port: self.port_hi,
                dst_port: self.port_lo,
            }
        }
    }

    pub fn is_icmp(&self) -> bool {
        matches!(self.proto, PROTO_ICMP | PROTO_ICMPV6)
    }
}

/// Which of `n` workers owns the flow with this hash. Uses the hash's low half, while the flow
/// table indexes by the whole hash.
#[inline]
pub fn worker_for(hash: u64, n: usize) -> usize {
    (((hash & 0xffff_ffff) * n as u64) >> 32) as usize
}

/// MurmurHash3's 64-bit finalizer: every input bit affects every output bit.
#[inline]
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[inline]
fn limbs(a: u128) -> [u32; 4] {
    [
        a as u32,
        (a >> 32) as u32,
        (a >> 64) as u32,
        (a >> 96) as u32,
    ]
}

#[inline]
fn from_limbs(l: [u32; 4]) -> u128 {
    l.iter().rev().fold(0u128, |acc, &x| acc << 32 | x as u128)
}

#[inline]
fn addr16(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(a) => 0xffff_0000_0000 | u32::from(a) as u128,
        IpAddr::V6(a) => u128::from(a),
    }
}

fn ip_from16(a: u128, ipv6: bool) -> IpAddr {
    if ipv6 {
        IpAddr::V6(Ipv6Addr::from(a))
    } else {
        IpAddr::V4(Ipv4Addr::from(a as u32))
    }
}

/// Requests and their replies share a class, so that they land in one flow; other messages are
/// their own class.
fn icmp_class(v6: bool, icmp_type: u8) -> u8 {
    if v6 {
        match icmp_type {
            128 | 129 => 128,
            130 | 131 => 130,
            133 | 134 => 133,
            135 | 136 => 135,
            139 | 140 => 139,
            144 | 145 => 144,
            t => t,
        }
    } else {
        match icmp_type {
            0 | 8 => 8,
            13 | 14 => 13,
            15 | 16 => 15,
            9 | 10 => 10,
            17 | 18 => 17,
            t => t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{IcmpHeader, TcpHeader};

    fn tcp(src: &str, sp: u16, dst: &str, dp: u16) -> Decoded {
        Decoded {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_proto: 6,
            l4: L4::Tcp(TcpHeader {
                src_port: sp,
                dst_port: dp,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn both_directions_give_one_key_and_hash() {
        let (k1, f1) = FlowKey::from_decoded(&tcp("10.0.0.1", 40000, "10.0.0.2", 80));
        let (k2, f2) = FlowKey::from_decoded(&tcp("10.0.0.2", 80, "10.0.0.1", 40000));
        assert_eq!(k1, k2);
        assert_eq!(k1.hash64(), k2.hash64());
        assert_ne!(f1, f2);
        let e = k1.endpoints(f1);
        assert_eq!(e.src, "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(e.dst_port, 80);
    }

    #[test]
    fn limbs_round_trip_and_hash_is_stable() {
        let a: u128 = 0x2001_0db8_0010_0001_0000_0000_0000_0010;
        assert_eq!(from_limbs(limbs(a)), a);
        // The hash (and so flow ids and worker choice) must not change with the layout.
        let (k, _) = FlowKey::from_decoded(&tcp("10.0.0.1", 40000, "10.0.0.2", 80));
        assert_eq!(k.hash64(), 0xa195_fb28_3309_1d6a);
        let d6 = Decoded {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8:ffff::2".parse().unwrap(),
            ip_proto: 17,
            l4: L4::Udp(crate::decode::UdpHeader {
                src_port: 53,
                dst_port: 5353,
                length: 8,
            }),
            ..Default::default()
        };
        let (k6, _) = FlowKey::from_decoded(&d6);
        assert_eq!(k6.hash64(), 0xeff9_48ee_1bbc_b8e8);
        assert_eq!(k6.lo_ip(), "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(k.lo_ip(), "10.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(k.hi_ip(), "10.0.0.2".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn vlan_and_ports_distinguish_flows() {
        let a = tcp("10.0.0.1", 40000, "10.0.0.2", 80);
        let mut b = a;
        b.vlan = [7, 0];
        b.vlan_count = 1;
        assert_ne!(FlowKey::from_decoded(&a).0, FlowKey::from_decoded(&b).0);
        let c = tcp("10.0.0.1", 40001, "10.0.0.2", 80);
        assert_ne!(
            FlowKey::from_decoded(&a).0.hash64(),
            FlowKey::from_decoded(&c).0.hash64()
        );
    }

    #[test]
    fn echo_request_and_reply_share_a_flow() {
        let mk = |src: &str, dst: &str, t: u8| Decoded {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_proto: 1,
            l4: L4::Icmp(IcmpHeader {
                icmp_type: t,
                code: 0,
                id: 77,
                seq: 1,
            }),
            ..Default::default()
        };
        let (k1, _) = FlowKey::from_decoded(&mk("10.0.0.1", "10.0.0.2", 8));
        let (k2, _) = FlowKey::from_decoded(&mk("10.0.0.2", "10.0.0.1", 0));
        assert_eq!(k1, k2);
    }

    #[test]
    fn workers_are_balanced() {
        let mut counts = [0usize; 4];
        for p in 0..4000u16 {
            let (k, _) = FlowKey::from_decoded(&tcp("10.0.0.1", 1024 + p, "10.0.0.2", 443));
            counts[worker_for(k.hash64(), 4)] += 1;
        }
        assert!(counts.iter().all(|&c| c > 800), "{counts:?}");
    }
}
