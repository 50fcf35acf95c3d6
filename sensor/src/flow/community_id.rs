//! Community ID v1 (corelight/community-id-spec): a flow hash that every tool computes the same
//! way, so an analyst can pivot from our records to Zeek's or Suricata's.

use std::net::IpAddr;

use base64::Engine;
use sha1::{Digest, Sha1};

const PROTO_ICMP: u8 = 1;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_ICMPV6: u8 = 58;
const PROTO_SCTP: u8 = 132;

/// Community ID v1 of a flow with seed 0, e.g. `1:LQU9qZlK+B5F3KDmev6m5PMibrg=`.
///
/// For ICMP and ICMPv6, `src_port` and `dst_port` are the message type and code, as in the spec.
pub fn community_id_v1(
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    src_port: u16,
    dst_port: u16,
) -> String {
    community_id_v1_seeded(0, src, dst, proto, src_port, dst_port, true)
}

/// The general form: any seed, with or without base64 (hex digest otherwise).
pub fn community_id_v1_seeded(
    seed: u16,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    src_port: u16,
    dst_port: u16,
    base64: bool,
) -> String {
    let (mut sport, mut dport, one_way) = match proto {
        PROTO_ICMP => icmp_ports(src_port as u8, dst_port as u8, false),
        PROTO_ICMPV6 => icmp_ports(src_port as u8, dst_port as u8, true),
        _ => (src_port, dst_port, false),
    };
    let (mut a, mut b) = (src, dst);
    let has_ports = matches!(
        proto,
        PROTO_ICMP | PROTO_TCP | PROTO_UDP | PROTO_ICMPV6 | PROTO_SCTP
    );
    // Order the endpoints so both directions hash alike; one-way ICMP messages are hashed as sent.
    if !(one_way || is_ordered(a, b, sport, dport)) {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut sport, &mut dport);
    }
    // The whole input in one buffer and one hash update (a flow record computes this for every
    // flow: a flood writes millions).
    let mut buf = [0u8; 40];
    buf[..2].copy_from_slice(&seed.to_be_bytes());
    let mut n = 2;
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            buf[n..n + 4].copy_from_slice(&a.octets());
            buf[n + 4..n + 8].copy_from_slice(&b.octets());
            n += 8;
        }
        (a, b) => {
            buf[n..n + 16].copy_from_slice(&to_v6(a));
            buf[n + 16..n + 32].copy_from_slice(&to_v6(b));
            n += 32;
        }
    }
    buf[n] = proto;
    n += 2;
    if has_ports {
        buf[n..n + 2].copy_from_slice(&sport.to_be_bytes());
        buf[n + 2..n + 4].copy_from_slice(&dport.to_be_bytes());
        n += 4;
    }
    let digest = Sha1::digest(&buf[..n]);
    if base64 {
        let mut s = String::with_capacity(30);
        s.push_str("1:");
        base64::engine::general_purpose::STANDARD.encode_string(digest, &mut s);
        s
    } else {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(42);
        s.push_str("1:");
        for byte in digest {
            s.push(HEX[(byte >> 4) as usize] as char);
            s.push(HEX[(byte & 15) as usize] as char);
        }
        s
    }
}

fn to_v6(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

fn is_ordered(a: IpAddr, b: IpAddr, sport: u16, dport: u16) -> bool {
    let (a, b) = (to_v6(a), to_v6(b));
    a < b || (a == b && sport < dport)
}

/// Maps an ICMP type/code to the spec's port pair: requests and replies map to each other so
/// both directions share an ID; other messages are one-way with (type, code).
fn icmp_ports(icmp_type: u8, code: u8, v6: bool) -> (u16, u16, bool) {
    let counterpart = if v6 {
        match icmp_type {
            128 => Some(129), // echo request / reply
            129 => Some(128),
            130 => Some(131), // multicast listener query / report
            131 => Some(130),
            133 => Some(134), // router solicitation / advertisement
            134 => Some(133),
            135 => Some(136), // neighbor solicitation / advertisement
            136 => Some(135),
            139 => Some(140), // node information query / response
            140 => Some(139),
            144 => Some(145), // home agent address discovery request / reply
            145 => Some(144),
            _ => None,
        }
    } else {
        match icmp_type {
            8 => Some(0), // echo / echo reply
            0 => Some(8),
            13 => Some(14), // timestamp
            14 => Some(13),
            15 => Some(16), // information
            16 => Some(15),
            10 => Some(9), // router solicitation / advertisement
            9 => Some(10),
            17 => Some(18), // address mask
            18 => Some(17),
            _ => None,
        }
    };
    match counterpart {
        Some(c) => (icmp_type as u16, c, false),
        None => (icmp_type as u16, code as u16, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn spec_readme_examples() {
        // From the spec's README: TCP 128.232.110.120:34855 -> 66.35.250.204:80
        assert_eq!(
            community_id_v1(ip("128.232.110.120"), ip("66.35.250.204"), 6, 34855, 80),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
        // and the reverse direction gives the same ID
        assert_eq!(
            community_id_v1(ip("66.35.250.204"), ip("128.232.110.120"), 6, 80, 34855),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
    }

    /// Every tuple of the spec's baselines (default seed, seed 1, hex digests).
    #[test]
    fn spec_baselines() {
        let Some(dir) = crate::testutil::corpus_dir() else {
            return;
        };
        let base = dir.join("community-id/baseline");
        for (file, seed, b64) in [
            ("baseline_deflt.json", 0u16, true),
            ("baseline_seed1.json", 1, true),
            ("baseline_nob64.json", 0, false),
        ] {
            let text = std::fs::read_to_string(base.join(file)).expect("baseline readable");
            let rows: Vec<serde_json::Value> = serde_json::from_str(&text).expect("baseline json");
            assert!(!rows.is_empty());
            for row in rows {
                let proto = row["proto"].as_u64().unwrap() as u8;
                let sport = row["sport"].as_u64().unwrap_or(0) as u16;
                let dport = row["dport"].as_u64().unwrap_or(0) as u16;
                let got = community_id_v1_seeded(
                    seed,
                    ip(row["saddr"].as_str().unwrap()),
                    ip(row["daddr"].as_str().unwrap()),
                    proto,
                    sport,
                    dport,
                    b64,
                );
                assert_eq!(got, row["communityid"].as_str().unwrap(), "{file}: {row}");
            }
        }
    }
}
