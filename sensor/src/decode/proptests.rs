//! Property tests: no input makes the decoders or the defragmenter panic, every offset a
//! decode reports stays inside the frame, and the defragmenter stays inside its bounds.

use proptest::prelude::*;

use super::testutil::hex;
use super::*;
use crate::time::Timestamp;

const LINKS: [LinkType; 11] = [
    LinkType::Null,
    LinkType::Ethernet,
    LinkType::Raw,
    LinkType::Loop,
    LinkType::LinuxSll,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::LinuxSll2,
    LinkType::Other(147),
    // PPP, Cisco HDLC.
    LinkType::Other(9),
    LinkType::Other(104),
];

/// Frames of every encapsulation from the Suricata differential test (`testdata/encap.tsv`):
/// well-formed tunnels and their anomalies.
const ENCAP_SEEDS: &[&str] = &[
    "gre_30_00_0800",
    "gre_b0_00_6558",
    "gre_20_81_880b",
    "gre_10_00_88be",
    "gre_00_00_88be",
    "gre_00_00_8100",
    "gre_sre_ok",
    "gre6_ip4",
    "greppp_hdlc_pfc_57",
    "ppp_hdlc_0021",
    "ppp_pfc_57",
    "pppoes_0021",
    "pppoes_pfc_57",
    "pppoed_len_12_12",
    "mpls_stack_ip4",
    "mpls_16_pw",
    "mpls_2_ip6",
    "8021ah_vlan_ip4",
    "vntag_8847",
    "dce_ip4",
    "dce_chain_14",
    "erspan_v1_vlan5",
    "vxlan_vlan",
    "geneve_opts",
    "geneve_ip6",
    "ip4in6_after_dstopts",
    "ip6in6",
    "null_1e",
    "teredo_origin",
];

/// Real frames from the unit tests, with their link types: mutation seeds.
fn seeds() -> Vec<(LinkType, Vec<u8>)> {
    use LinkType::*;
    let list: &[(LinkType, &str)] = &[
        (Ethernet, ethernet::tests::SYN_PADDED),
        (Ethernet, ethernet::tests::PSH_PADDED),
        (Ethernet, ethernet::tests::VLAN_SYN),
        (Ethernet, ethernet::tests::QINQ_UDP),
        (Ethernet, ethernet::tests::QINQINQ_SYN),
        (Ethernet, ethernet::tests::VLAN_ARP),
        (Ethernet, ethernet::tests::CDP_8023),
        (LinuxSll, sll::tests::SLL_TFO_SYN),
        (LinuxSll2, sll::tests::SLL2_PING),
        (LinuxSll2, sll::tests::SLL2_PING6),
        (Null, null::tests::NULL_UDP),
        (Null, null::tests::NULL_UDP6),
        (Ethernet, ipv4::tests::IGMP_RA),
        (Raw, ipv4::tests::RAW4_SYN),
        (Ethernet, ipv4::tests::FRAG_SYN_1),
        (Ethernet, ipv4::tests::FRAG_SYN_2),
        (Raw, ipv6::tests::RAW6_HBH_MLD),
        (Ethernet, ipv6::tests::HBH_ROUTING_UDP),
        (Ethernet, ipv6::tests::DSTOPTS_UDP),
        (Ethernet, ipv6::tests::MOBILITY_BU),
        (Ethernet, ipv6::tests::AH_PING6),
        (Ethernet, ipv6::tests::ATOMIC_FRAG_SYN),
        (Raw, tcp::tests::RAW_SYN_WITH_DATA),
        (Null, tcp::tests::NULL_ACK),
        (Ethernet, udp::tests::DNS_QUERY),
        (Ethernet, icmp::tests::PING),
        (Ethernet, icmp::tests::PING6),
    ];
    let mut v: Vec<(LinkType, Vec<u8>)> = list.iter().map(|&(l, h)| (l, hex(h))).collect();
    for n in 1..=3 {
        v.push((Ethernet, ipv6::tests::vlan_v6_fragment(n)));
    }
    for line in include_str!("testdata/encap.tsv").lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if ENCAP_SEEDS.contains(&f[0]) {
            v.push((LinkType::from_dlt(f[1].parse().unwrap()), hex(f[2])));
        }
    }
    assert_eq!(v.len(), list.len() + 3 + ENCAP_SEEDS.len());
    v
}

/// Everything `decode` reports lies inside the frame.
fn check_offsets(frame: &[u8], r: &Result<DecodeOutcome, DecodeError>) {
    if let Ok(DecodeOutcome::Ip(d)) = r {
        check_decoded(frame, d);
    }
}

fn check_decoded(frame: &[u8], d: &Decoded) {
    // Checksums of whatever decoded: never a panic, whatever the lengths claim.
    let _ = checksum::ipv4_header(frame, d);
    let _ = checksum::transport(frame, d);
    let _ = checksum::Csums::of(frame, d, 0x7f, &checksum::Policy::default());
    let len = frame.len() as u64;
    assert!(d.vlan_count <= 2);
    assert!(d.l3_offset <= d.l4_offset, "{d:?}");
    assert!(d.l4_offset <= d.payload_offset, "{d:?}");
    assert!(
        u64::from(d.payload_offset) + u64::from(d.payload_len) <= len,
        "{d:?}"
    );
    if let Some(f) = d.fragment {
        assert!(
            u64::from(f.data_offset) + u64::from(f.data_len) <= len,
            "{d:?}"
        );
        assert!(
            u64::from(d.l3_offset) + u64::from(f.unfragmentable_len) <= len,
            "{d:?}"
        );
        assert!(f.offset <= 0xfff8);
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Xor(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Xor(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(frame: &mut Vec<u8>, m: &Mutation) {
    let n = frame.len();
    match *m {
        Mutation::Set(i, b) if n > 0 => frame[i % n] = b,
        Mutation::Xor(i, b) if n > 0 => frame[i % n] ^= b,
        Mutation::Insert(i, b) => frame.insert(i % (n + 1), b),
        Mutation::Remove(i) if n > 0 => {
            frame.remove(i % n);
        }
        Mutation::Truncate(i) => frame.truncate(i % (n + 1)),
        _ => {}
    }
}

/// Bytes that start like an IP header of the given version with a consistent length field, so
/// the option and extension-header walkers see structured garbage.
fn ip_like(version: u8) -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(any::<u8>(), 0..300), any::<bool>()).prop_map(move |(mut v, fix)| {
        if let Some(b) = v.first_mut() {
            *b = (version << 4) | (*b & 0x0f);
        }
        if fix {
            let (field, base) = if version == 4 { (2, 0) } else { (4, 40) };
            let len = v.len().saturating_sub(base) as u16;
            if v.len() >= field + 2 {
                v[field..field + 2].copy_from_slice(&len.to_be_bytes());
            }
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(link in 0..LINKS.len(), frame in prop::collection::vec(any::<u8>(), 0..200)) {
        let r = decode(LINKS[link], &frame);
        check_offsets(&frame, &r);
    }

    #[test]
    fn ip_like_bytes_never_panic(v4 in ip_like(4), v6 in ip_like(6)) {
        for f in [&v4, &v6] {
            if let Ok(d) = decode_ip(f) {
                check_decoded(f, &d);
            }
            for link in [LinkType::Raw, LinkType::Ipv4, LinkType::Ipv6] {
                check_offsets(f, &decode(link, f));
            }
        }
    }

    #[test]
    fn mutated_real_frames_never_panic(seed in any::<prop::sample::Index>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let seeds = seeds();
        let (link, mut frame) = seeds[seed.index(seeds.len())].clone();
        for m in &muts {
            apply(&mut frame, m);
        }
        let r = decode(link, &frame);
        check_offsets(&frame, &r);
        check_error_paths(link, &frame, &r);
        // The same bytes read as every other link type.
        for l in LINKS {
            check_offsets(&frame, &decode(l, &frame));
        }
    }

    /// Any bytes after each encapsulation's type (an ethertype, a GRE header in IPv4, a UDP
    /// datagram to the VXLAN, Geneve or Teredo port), so the header walkers see their own layer.
    #[test]
    fn encapsulation_payloads_never_panic(
        kind in 0..ENCAP_TYPES.len() + 4,
        body in prop::collection::vec(any::<u8>(), 0..120),
    ) {
        let frame = match ENCAP_TYPES.get(kind) {
            Some(et) => {
                let mut f = vec![0u8; 12];
                f.extend_from_slice(&et.to_be_bytes());
                f.extend_from_slice(&body);
                f
            }
            None => {
                let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, 47, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
                let mut inner = body.clone();
                if kind > ENCAP_TYPES.len() {
                    // UDP to 4789, 6081 or 3544, the length field true.
                    ip[9] = 17;
                    let port: u16 = [4789, 6081, 3544][kind - ENCAP_TYPES.len() - 1];
                    let mut u = vec![0x9c, 0x40];
                    u.extend_from_slice(&port.to_be_bytes());
                    u.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
                    u.extend_from_slice(&[0, 0]);
                    u.extend_from_slice(&body);
                    inner = u;
                }
                ip[2..4].copy_from_slice(&((20 + inner.len()) as u16).to_be_bytes());
                ip.extend_from_slice(&inner);
                let mut f = vec![0u8; 12];
                f.extend_from_slice(&[0x08, 0x00]);
                f.extend_from_slice(&ip);
                f
            }
        };
        let r = decode(LinkType::Ethernet, &frame);
        check_offsets(&frame, &r);
        check_error_paths(LinkType::Ethernet, &frame, &r);
    }
}

/// Ethertypes of the layers between Ethernet and IP.
const ENCAP_TYPES: [u16; 9] = [
    0x8847, 0x8848, 0x8863, 0x8864, 0x88e7, 0x8926, 0x8903, 0x8100, 0x86dd,
];

/// The re-decodes the pipeline runs on a frame that failed stay inside it too.
fn check_error_paths(link: LinkType, frame: &[u8], r: &Result<DecodeOutcome, DecodeError>) {
    if let Err(e) = r {
        let d = if e.is_transport() {
            decode_flowless(link, frame)
        } else {
            decode_invalid(link, frame, *e)
        };
        match d {
            // What was read before the error: no transport, no payload.
            Some(d) if d.l3_invalid => {
                assert!(d.payload_len == 0 && d.l4 == L4::None, "{d:?}");
                assert!(d.l3_offset as usize <= frame.len(), "{d:?}");
            }
            Some(d) => check_decoded(frame, &d),
            None => {}
        }
    }
}

/// One fragment to build: which datagram (id), where, how long, MF, when.
#[derive(Clone, Debug)]
struct FragSpec {
    v6: bool,
    id: u8,
    offset_units: u16,
    len_units: u16,
    tail: u8,
    more: bool,
    time_step: u8,
    fill: u8,
}

proptest! {
    /// A real frame cut anywhere (a snap length): its transport checksum is either not
    /// judged or judged as on the whole frame (a cut in the Ethernet padding only).
    #[test]
    fn truncated_frames_are_not_judged(seed in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let seeds = seeds();
        let (link, frame) = &seeds[seed.index(seeds.len())];
        let whole = match decode(*link, frame) {
            Ok(DecodeOutcome::Ip(d)) => checksum::transport(frame, &d),
            _ => None,
        };
        let cut = &frame[..cut.index(frame.len() + 1)];
        if let Ok(DecodeOutcome::Ip(d)) = decode(*link, cut) {
            let part = checksum::transport(cut, &d);
            prop_assert!(part.is_none() || part == whole, "{part:?} vs {whole:?}");
        }
    }
}

fn frag_spec() -> impl Strategy<Value = FragSpec> {
    (
        any::<bool>(),
        0..4u8,
        prop_oneof![0..16u16, 0..8192u16],
        0..24u16,
        0..8u8,
        any::<bool>(),
        any::<u8>(),
        any::<u8>(),
    )
        .prop_map(
            |(v6, id, offset_units, len_units, tail, more, time_step, fill)| FragSpec {
                v6,
                id,
                offset_units,
                len_units,
                tail,
                more,
                time_step,
                fill,
            },
        )
}

/// An Ethernet frame carrying the fragment described by `s` (IPv4 or IPv6, UDP inside).
fn build_fragment(s: &FragSpec) -> Vec<u8> {
    let data_len = usize::from(s.len_units) * 8 + if s.more { 0 } else { usize::from(s.tail) };
    let data: Vec<u8> = (0..data_len)
        .map(|i| s.fill.wrapping_add(i as u8))
        .collect();
    let mut f = hex("00112233445566778899aabb");
    let offset_field = s.offset_units & 0x1fff;
    if !s.v6 {
        f.extend_from_slice(&[0x08, 0x00]);
        let total = (20 + data_len) as u16;
        let ff = offset_field | if s.more { 0x2000 } else { 0 };
        let mut h = vec![0x45, 0];
        h.extend_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&[0, s.id]);
        h.extend_from_slice(&ff.to_be_bytes());
        h.extend_from_slice(&[64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&h);
    } else {
        f.extend_from_slice(&[0x86, 0xdd]);
        let plen = (8 + data_len) as u16;
        let mut h = vec![0x60, 0, 0, 0];
        h.extend_from_slice(&plen.to_be_bytes());
        h.extend_from_slice(&[44, 64]);
        h.extend_from_slice(&[0x20, 1, 0x0d, 0xb8]);
        h.extend_from_slice(&[0; 11]);
        h.push(1);
        h.extend_from_slice(&[0x20, 1, 0x0d, 0xb8]);
        h.extend_from_slice(&[0; 11]);
        h.push(2);
        let of = (offset_field << 3) | u16::from(s.more);
        h.extend_from_slice(&[17, 0]);
        h.extend_from_slice(&of.to_be_bytes());
        h.extend_from_slice(&[0, 0, 0, s.id]);
        f.extend_from_slice(&h);
    }
    f.extend_from_slice(&data);
    f
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn defragmenter_stays_bounded(
        specs in prop::collection::vec(frag_spec(), 1..60),
        max_bytes in prop_oneof![Just(32usize << 20), 0..3000usize],
        max_trackers in 0..5usize,
        timeout_secs in 0..300u64,
    ) {
        let cfg = DefragConfig { timeout_secs, max_trackers, max_bytes };
        let mut df = Defragmenter::new(cfg);
        let mut now = 1_000u64;
        let mut latest = now;
        for s in &specs {
            // Mostly forward in time, sometimes back.
            now = if s.time_step == 0 { now.saturating_sub(30) } else { now + u64::from(s.time_step) };
            latest = latest.max(now);
            let frame = build_fragment(s);
            let Ok(DecodeOutcome::Ip(d)) = decode(LinkType::Ethernet, &frame) else { continue };
            if let Some(r) = df.insert(Timestamp::from_secs_nanos(now, 0), &frame, frame.len() as u32, &d) {
                let max = if s.v6 { 40 + 65_535 } else { 65_535 };
                prop_assert!(r.datagram.len() <= max);
                let dg = r.datagram.to_vec();
                if let Ok(d) = decode_ip(&dg) {
                    check_decoded(&dg, &d);
                    prop_assert_eq!(d.fragment, None);
                }
            }
            prop_assert!(df.held_bytes() <= max_bytes);
            prop_assert!(df.pending() <= max_trackers.max(1));
        }
        df.expire(Timestamp::from_secs_nanos(latest + timeout_secs + 1, 0));
        prop_assert_eq!((df.pending(), df.held_bytes()), (0, 0));
    }

    #[test]
    fn shuffled_fragments_rebuild_the_datagram(
        v6 in any::<bool>(),
        units in prop::collection::vec(1..20u16, 2..12),
        tail in 0..8u16,
        order in any::<prop::sample::Index>(),
        dups in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        // Cut a datagram of known bytes at 8-byte boundaries, send the pieces in a rotated
        // order with some duplicates: the result is the datagram, whatever the order.
        let mut specs = Vec::new();
        let mut offset = 0u16;
        for (i, &u) in units.iter().enumerate() {
            let last = i + 1 == units.len();
            specs.push(FragSpec {
                v6,
                id: 7,
                offset_units: offset,
                len_units: u,
                tail: if last { tail as u8 } else { 0 },
                more: !last,
                time_step: 1,
                fill: (offset as u8).wrapping_mul(8),
            });
            offset += u;
        }
        let total = usize::from(offset) * 8 + usize::from(tail);
        let rot = order.index(specs.len());
        specs.rotate_left(rot);
        for d in &dups {
            let s = specs[d.index(specs.len())].clone();
            specs.insert(0, s);
        }
        let mut df = Defragmenter::new(DefragConfig::default());
        // Duplicates sent early can complete the datagram before the originals, which then
        // start (and may complete) another copy: every completion must be the datagram.
        let mut done = Vec::new();
        for s in &specs {
            let frame = build_fragment(s);
            let d = super::testutil::ip(decode(LinkType::Ethernet, &frame));
            if let Some(r) = df.insert(Timestamp::from_secs_nanos(1, 0), &frame, frame.len() as u32, &d) {
                done.push(r.datagram.to_vec());
            }
        }
        prop_assert!(!done.is_empty());
        prop_assert!(done.windows(2).all(|w| w[0] == w[1]));
        let dg = done.swap_remove(0);
        let hlen = if v6 { 40 } else { 20 };
        prop_assert_eq!(dg.len(), hlen + total);
        // Byte i of the data is i (mod 256): every fragment's fill starts at its offset.
        for (i, b) in dg[hlen..].iter().enumerate() {
            prop_assert_eq!(*b, i as u8);
        }
        // The data starts 00 01 02 03 04 05: a UDP header with length 0x0405, which decodes.
        let d = decode_ip(&dg).unwrap();
        prop_assert_eq!(d.fragment, None);
        prop_assert_eq!(d.ip_proto, 17);
    }
}
