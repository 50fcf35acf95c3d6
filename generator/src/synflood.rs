//! `sensor generate --scenario synflood --packets N`: a SYN flood from spoofed sources against
//! the voter portal, streamed in constant memory.
//!
//! Every packet is a TCP SYN from a random public IPv4 address and port to the portal (HTTPS
//! mostly, some HTTP), never answered, at about `pps` packets a second of packet time (100,000
//! by default, with jitter). Source endpoints never repeat: they are a bijective scramble of the
//! packet's index over the 48 bits of address and port, so each SYN is a new flow and the
//! number of flows equals the number of packets. The SYNs look like what flood tools send:
//! bare 20-byte headers (hping3), MSS only, or a full Linux option set.

use std::io::{self, Write};

use super::net::{self, NS_PER_SEC};
use super::packet::{self, Ip, Link, Tcp, TCP_SYN};
use super::pcap_writer::{Endian, PacketSink, PcapWriter, LINKTYPE_ETHERNET};
use super::rng::Rng;

/// Default rate of the flood, packets per second of packet time.
pub const DEFAULT_PPS: u64 = 100_000;
/// Default size of the flood, packets.
pub const DEFAULT_PACKETS: u64 = 3_000_000;

pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    /// Distinct flows (each SYN is one: equal to `packets`).
    pub flows: u64,
}

const MASK48: u64 = (1 << 48) - 1;

/// A bijection of the 48-bit numbers (xorshifts and odd multipliers modulo 2^48), keyed.
fn scramble48(mut x: u64, k: &[u64; 2]) -> u64 {
    x &= MASK48;
    x ^= x >> 24;
    x = x.wrapping_mul(k[0] | 1) & MASK48;
    x ^= x >> 21;
    x = x.wrapping_mul(k[1] | 1) & MASK48;
    x ^ (x >> 24)
}

/// Addresses a spoofing tool draws that a border router would still carry: not private,
/// loopback, link-local, shared, multicast or reserved.
fn public_v4(a: u32) -> bool {
    let [o1, o2, ..] = a.to_be_bytes();
    !(o1 == 0
        || o1 == 10
        || o1 == 127
        || o1 >= 224
        || (o1 == 100 && (64..128).contains(&o2))
        || (o1 == 169 && o2 == 254)
        || (o1 == 172 && (16..32).contains(&o2))
        || (o1 == 192 && o2 == 168))
}

/// Writes `packets` SYNs at about `pps` a second; depends only on `seed`.
pub fn generate<W: Write>(out: &mut W, seed: u64, packets: u64, pps: u64) -> io::Result<Stats> {
    let mut rng = Rng::derive(seed, "synflood");
    let keys = [rng.next_u64(), rng.next_u64()];
    let mut index = rng.next_u64() & MASK48;
    let mut sink = PcapWriter::new(out, Endian::Little, false, LINKTYPE_ETHERNET, 262_144)?;
    let portal = net::portal();
    let link = Link::ethernet(net::ROUTER_MAC, portal.mac);
    let gap = NS_PER_SEC / pps.max(1);
    let mut t = net::START_NS;
    let mut buf = Vec::with_capacity(128);
    for _ in 0..packets {
        let (src, sport) = loop {
            let y = scramble48(index, &keys);
            index = (index + 1) & MASK48;
            let (a, p) = ((y >> 16) as u32, y as u16);
            if p >= 1024 && public_v4(a) {
                break (a, p);
            }
        };
        let dport = if rng.chance(85) { 443 } else { 80 };
        let ip = Ip::new(
            std::net::Ipv4Addr::from(src).into(),
            portal.ip,
            rng.range(30, 250) as u8,
            rng.next_u32() & 0xffff,
        );
        let full = packet::syn_options(1460, 7, Some((rng.next_u32(), 0)));
        let mss = [2, 4, 0x05, 0xb4];
        let (options, window): (&[u8], u16) = match rng.weighted(&[50, 30, 20]) {
            0 => (&[], *rng.pick(&[64u16, 512, 1024, 65535])),
            1 => (&mss, 1024),
            _ => (&full.0[..full.1], 64240),
        };
        let syn = Tcp {
            sport,
            dport,
            seq: rng.next_u32(),
            ack: 0,
            flags: TCP_SYN,
            window,
            options,
        };
        buf.clear();
        packet::tcp_frame(&mut buf, &link, &ip, &syn, &[]);
        sink.packet(0, t, &buf, buf.len() as u32)?;
        // Mean gap 1/pps, uniformly jittered by +-50%.
        t += gap / 2 + rng.below(gap + 1);
    }
    let stats = Stats {
        packets: sink.packets,
        bytes: sink.bytes_written,
        flows: sink.packets,
    };
    sink.into_inner().flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn scramble_is_a_bijection_on_a_window() {
        let k = [0x1234_5678_9abc_def1, 0x0fed_cba9_8765_4321];
        let mut seen = HashSet::new();
        for i in 0..100_000u64 {
            assert!(seen.insert(scramble48(i + (1 << 47) - 50_000, &k)));
        }
    }

    #[test]
    fn deterministic_unique_syns_at_the_rate() {
        let mut a = Vec::new();
        let s = generate(&mut a, 7, 2000, 100_000).unwrap();
        let mut b = Vec::new();
        generate(&mut b, 7, 2000, 100_000).unwrap();
        assert_eq!(a, b);
        let mut c = Vec::new();
        generate(&mut c, 8, 2000, 100_000).unwrap();
        assert_ne!(a, c);
        assert_eq!((s.packets, s.flows, s.bytes), (2000, 2000, a.len() as u64));
        let mut off = 24;
        let mut flows = HashSet::new();
        let mut times = Vec::new();
        while off < a.len() {
            let le = |i: usize| u32::from_le_bytes(a[i..i + 4].try_into().unwrap());
            times.push(le(off) as u64 * 1_000_000 + le(off + 4) as u64);
            let len = le(off + 8) as usize;
            let frame = &a[off + 16..off + 16 + len];
            off += 16 + len;
            assert_eq!(crate::checksum::checksum(&frame[14..34]), 0);
            // Ethernet, IPv4 without options, TCP (the sensor's decoder reads the same frames
            // in sensor/tests/generator.rs).
            assert_eq!(
                (&frame[12..14], frame[14], frame[23]),
                (&[8u8, 0][..], 0x45, 6)
            );
            let be16 = |i: usize| u16::from_be_bytes([frame[i], frame[i + 1]]);
            let src = u32::from_be_bytes(frame[26..30].try_into().unwrap());
            let dst = std::net::IpAddr::from(<[u8; 4]>::try_from(&frame[30..34]).unwrap());
            let (sport, dport) = (be16(34), be16(36));
            assert_eq!(frame[47], TCP_SYN);
            assert!(dport == 443 || dport == 80);
            assert!(sport >= 1024);
            assert_eq!(dst, net::portal().ip);
            assert!(public_v4(src));
            assert!(flows.insert((src, sport, dport)));
        }
        assert_eq!(flows.len(), 2000);
        // 2,000 packets at 100,000 a second: about 20 ms of packet time.
        let span = times[times.len() - 1] - times[0];
        assert!((18_000..22_000).contains(&span), "{span} us");
    }
}
