//! The generator's own guarantees: committed captures are reproducible byte for byte, frames
//! carry the checksums tshark accepts, the bench stream is deterministic.

use super::net::v4;
use super::packet::{self, Ip, Link};
use super::reference::reference_frames;
use super::*;

fn be16(f: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([f[at], f[at + 1]])
}

#[test]
fn pinned_checksums() {
    let f = reference_frames();
    // (IPv4 header checksum, transport checksum) at their offsets in each frame.
    assert_eq!(
        (be16(&f[0], 24), be16(&f[0], 50)),
        (PIN[0], PIN[1]),
        "TCP SYN"
    );
    assert_eq!(
        (be16(&f[1], 24), be16(&f[1], 50)),
        (PIN[2], PIN[3]),
        "TCP data"
    );
    assert_eq!(
        (be16(&f[2], 24), be16(&f[2], 40)),
        (PIN[4], PIN[5]),
        "UDP DNS query"
    );
    assert_eq!(
        (be16(&f[3], 24), be16(&f[3], 36)),
        (PIN[6], PIN[7]),
        "ICMP echo"
    );
    // IPv6: Ethernet 14 + IPv6 40 + Destination Options 8, TCP checksum at +16.
    assert_eq!(
        be16(&f[4], 62 + 16),
        PIN[8],
        "IPv6 TCP with Destination Options"
    );
    assert_eq!(be16(&f[5], 54 + 2), PIN[9], "ICMPv6 echo");
}

const PIN: [u16; 10] = [
    0xd06d, 0x8f03, 0xdf4f, 0x923a, 0x225a, 0x71f5, 0x2385, 0xe4be, 0x0192, 0x2c64,
];

#[test]
fn frames_verify_against_their_own_checksums() {
    // A valid checksum makes the ones'-complement sum over the covered bytes come to zero.
    let f = reference_frames();
    for fr in &f[..4] {
        assert_eq!(checksum::checksum(&fr[14..34]), 0);
    }
    // Frames shorter than 60 bytes are padded like a switch pads them.
    assert!(f.iter().all(|fr| fr.len() >= 60));
}

#[test]
fn ipv4_fragments_reassemble_to_the_datagram() {
    let link = Link::ethernet([0x02, 0x10, 10, 10, 3, 5], [0x02, 0x10, 10, 10, 1, 10]);
    let mut i = Ip::new(v4(192, 0, 2, 53), v4(10, 10, 0, 53), 50, 0x7777);
    i.dont_fragment = false;
    let payload: Vec<u8> = (0..3000u32).map(|x| x as u8).collect();
    let frags = packet::udp_fragments(&link, &i, 53, 40000, &payload, 1480);
    assert_eq!(frags.len(), 3);
    let mut whole = Vec::new();
    for (k, f) in frags.iter().enumerate() {
        assert_eq!(
            checksum::checksum(&f[14..34]),
            0,
            "header checksum of fragment {k}"
        );
        let field = be16(f, 20);
        assert_eq!((field & 0x1fff) as usize * 8, whole.len());
        assert_eq!(field & 0x2000 != 0, k < 2);
        let total = be16(f, 16) as usize;
        whole.extend_from_slice(&f[34..14 + total]);
    }
    assert_eq!(whole.len(), 8 + payload.len());
    assert_eq!(&whole[8..], &payload[..]);
}

#[test]
fn committed_captures_are_reproducible() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    for spec in captures() {
        let fresh = render(spec, DEFAULT_SEED).unwrap();
        let path = dir.join(spec.file);
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            fresh.len() < 2 << 20,
            "{} is {} bytes, over 2 MiB",
            spec.file,
            fresh.len()
        );
        assert!(
            fresh == committed,
            "{} differs from what `sensor generate --all --out-dir pcaps` now writes ({} vs {} bytes); regenerate it and the tables in sensor/tests/replay_pcaps.rs",
            spec.file,
            fresh.len(),
            committed.len()
        );
    }
}

#[test]
fn renders_are_deterministic_and_seeded() {
    let spec = captures().iter().find(|c| c.name == "nanosecond").unwrap();
    let a = render(spec, 1).unwrap();
    assert_eq!(a, render(spec, 1).unwrap());
    assert_ne!(a, render(spec, 2).unwrap());
}

#[test]
fn bench_is_deterministic_and_sized() {
    let run = |seed| {
        let mut buf = Vec::new();
        let stats = bench::generate(&mut buf, seed, 3 << 20).unwrap();
        (buf, stats)
    };
    let (a, sa) = run(5);
    let (b, _) = run(5);
    assert!(a == b);
    assert_eq!(sa.bytes, a.len() as u64);
    // The last flows started are completed, so the file runs over by at most a bulk transfer.
    assert!(
        a.len() as u64 >= 3 << 20 && (a.len() as u64) < 6 << 20,
        "{}",
        a.len()
    );
    let avg = (sa.bytes - 24) / sa.packets - 16;
    assert!((700..1100).contains(&avg), "average frame {avg}");
}

#[test]
fn sizes_parse() {
    assert_eq!(parse_size("1G"), Ok(1 << 30));
    assert_eq!(parse_size("500m"), Ok(500 << 20));
    assert_eq!(parse_size("64K"), Ok(64 << 10));
    assert_eq!(parse_size("1234"), Ok(1234));
    assert!(parse_size("lots").is_err());
    assert!(parse_size("99999999999G").is_err());
}

#[test]
fn ports_never_repeat_within_a_capture() {
    let mut ctx = Ctx::new(rng::Rng::new(3));
    let h = net::workstation(9);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..3000 {
        assert!(seen.insert(ctx.port(&h)));
    }
}

/// FNV-1a, to pin large outputs in a line.
fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn bench_stream_is_pinned() {
    // The plain bench capture must not change when other mixes are added (benchmark
    // results quoted in benches/README.md were measured on it).
    let mut buf = Vec::new();
    bench::generate(&mut buf, DEFAULT_SEED, 2 << 20).unwrap();
    assert_eq!(
        (buf.len(), fnv(&buf)),
        (2_099_450, 9_387_034_249_064_462_938)
    );
}

#[test]
fn bench_alerts_is_deterministic_and_adds_flagged_flows() {
    let run = |seed, alerts| {
        let mut buf = Vec::new();
        bench::generate_mix(&mut buf, seed, 4 << 20, alerts).unwrap();
        buf
    };
    let a = run(2, true);
    assert!(a == run(2, true));
    assert!(a != run(3, true));
    assert!(a != run(2, false));
    // Some of what the alert flows carry: tool requests, ping patterns, scanner probes.
    let has = |needle: &[u8]| a.windows(needle.len()).any(|w| w == needle);
    let kinds = [
        &b"Accept: */*\r\nConnection: close"[..],
        b"This program cannot be run in DOS mode",
        b"530 Login incorrect",
        b"Content-Transfer-Encoding: base64",
    ];
    assert!(kinds.iter().any(|k| has(k)), "too few alert flows in 4 MiB");
}
