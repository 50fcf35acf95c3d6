use super::*;
use proptest::prelude::*;

/// Collects what reassembly delivers, with gaps as `?` bytes for easy comparison.
fn run(segments: &[(u32, bool, &[u8])], config: StreamConfig) -> (Vec<u8>, StreamStats) {
    let mut mem = StreamMemory::new(config, 1 << 30);
    let mut dir = StreamDir::default();
    let mut out = Vec::new();
    let mut sink = |e: StreamEvent<'_>| match e {
        StreamEvent::Data(d) => out.extend_from_slice(d),
        StreamEvent::Gap(n) => out.extend(std::iter::repeat_n(b'?', n as usize)),
    };
    for &(seq, syn, data) in segments {
        dir.segment(seq, syn, data, &mut mem, &mut sink);
    }
    dir.finish(&mut mem, &mut sink);
    assert_eq!(mem.stats.held_bytes, 0, "everything held is released");
    (out, mem.stats)
}

#[test]
fn in_order_after_syn() {
    let (out, s) = run(
        &[
            (100, true, b""),
            (101, false, b"GET / "),
            (107, false, b"HTTP/1.1\r\n"),
        ],
        StreamConfig::default(),
    );
    assert_eq!(out, b"GET / HTTP/1.1\r\n");
    assert_eq!(s.in_order, 2);
    assert_eq!(s.midstream_pickups, 0);
}

#[test]
fn out_of_order_is_reordered() {
    let (out, s) = run(
        &[
            (100, true, b""),
            (107, false, b"HTTP/1.1\r\n"),
            (101, false, b"GET / "),
        ],
        StreamConfig::default(),
    );
    assert_eq!(out, b"GET / HTTP/1.1\r\n");
    assert_eq!(s.out_of_order, 1);
}

#[test]
fn retransmission_and_overlap_first_data_wins() {
    let (out, s) = run(
        &[
            (0, true, b""),
            (1, false, b"abcd"),
            (1, false, b"XXXX"),
            (3, false, b"YYef"),
            (9, false, b"ij"),
            (7, false, b"ZZZZ"),
        ],
        StreamConfig::default(),
    );
    // "ij" was held first at 9..11; the later "ZZZZ" only fills 7..9.
    assert_eq!(out, b"abcdefZZij");
    assert_eq!(s.retransmissions, 1);
    assert!(s.overlaps >= 2);
}

#[test]
fn sequence_wraparound() {
    let isn = u32::MAX - 3;
    let (out, _) = run(
        &[
            (isn, true, b""),
            (isn.wrapping_add(1), false, b"abc"),
            (isn.wrapping_add(4), false, b"def"),
        ],
        StreamConfig::default(),
    );
    assert_eq!(out, b"abcdef");
}

#[test]
fn midstream_pickup_starts_at_first_segment() {
    let (out, s) = run(
        &[(5000, false, b"hello "), (5006, false, b"world")],
        StreamConfig::default(),
    );
    assert_eq!(out, b"hello world");
    assert_eq!(s.midstream_pickups, 1);
}

#[test]
fn hole_at_end_becomes_gap() {
    let (out, s) = run(
        &[(0, true, b""), (1, false, b"ab"), (6, false, b"fg")],
        StreamConfig::default(),
    );
    assert_eq!(out, b"ab???fg");
    assert_eq!((s.gaps, s.gap_bytes), (1, 3));
}

#[test]
fn peer_ack_past_hole_declares_gap() {
    let mut mem = StreamMemory::new(StreamConfig::default(), 1 << 20);
    let mut dir = StreamDir::default();
    let mut events = Vec::new();
    let mut sink = |e: StreamEvent<'_>| {
        events.push(match e {
            StreamEvent::Data(d) => format!("D{}", String::from_utf8_lossy(d)),
            StreamEvent::Gap(n) => format!("G{n}"),
        })
    };
    dir.segment(0, true, b"", &mut mem, &mut sink);
    dir.segment(1, false, b"ab", &mut mem, &mut sink);
    dir.segment(10, false, b"xyz", &mut mem, &mut sink);
    dir.peer_ack(13, &mut mem, &mut sink);
    // "xyz" starts at stream offset 9 (the SYN takes sequence number 0).
    assert_eq!(events, ["Dab", "G7", "Dxyz"]);
}

#[test]
fn depth_stops_delivery() {
    let config = StreamConfig {
        depth: 5,
        ..Default::default()
    };
    let (out, s) = run(
        &[
            (0, true, b""),
            (1, false, b"abc"),
            (4, false, b"defgh"),
            (9, false, b"ijk"),
        ],
        config,
    );
    assert_eq!(out, b"abcde");
    assert_eq!(s.depth_reached, 1);
}

#[test]
fn held_bytes_are_bounded_per_direction() {
    let config = StreamConfig {
        max_held_per_dir: 10,
        ..Default::default()
    };
    // Hole at 1..2, then 20 bytes ahead of it: the bound forces a gap rather than holding more.
    let segs: Vec<(u32, bool, &[u8])> = vec![
        (0, true, b""),
        (2, false, b"0123456789"),
        (12, false, b"abcdefghij"),
    ];
    let (out, s) = run(&segs, config);
    assert_eq!(out, b"?0123456789abcdefghij");
    assert_eq!(s.gaps, 1);
}

#[test]
fn memcap_drops_are_counted() {
    let mut mem = StreamMemory::new(StreamConfig::default(), 4);
    let mut dir = StreamDir::default();
    let mut sink = |_: StreamEvent<'_>| {};
    dir.segment(0, true, b"", &mut mem, &mut sink);
    dir.segment(10, false, b"too many bytes", &mut mem, &mut sink);
    assert_eq!(mem.stats.memcap_drops, 1);
    assert_eq!(mem.stats.held_bytes, 0);
}

proptest! {
    /// Any order of delivery of a stream's segments, with duplicates, gives back the stream.
    #[test]
    fn any_permutation_reassembles(data in proptest::collection::vec(any::<u8>(), 1..400), cuts in proptest::collection::vec(1usize..50, 1..30), order_seed in any::<u64>(), isn in any::<u32>()) {
        let mut segs = Vec::new();
        let mut pos = 0usize;
        for c in cuts.iter().cycle() {
            if pos >= data.len() { break; }
            let end = (pos + c).min(data.len());
            segs.push((pos, end));
            pos = end;
        }
        // Shuffle deterministically and duplicate a few.
        let mut s = order_seed;
        for i in (1..segs.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            segs.swap(i, (s >> 33) as usize % (i + 1));
        }
        let dup: Vec<_> = segs.iter().step_by(3).copied().collect();
        segs.extend(dup);
        let mut list: Vec<(u32, bool, &[u8])> = vec![(isn, true, &b""[..])];
        for &(a, b) in &segs {
            list.push((isn.wrapping_add(1).wrapping_add(a as u32), false, &data[a..b]));
        }
        let (out, _) = run(&list, StreamConfig { max_segments_per_dir: 10_000, max_held_per_dir: 1 << 20, ..Default::default() });
        prop_assert_eq!(out, data);
    }

    /// Arbitrary segments never panic and never hold more than the bound.
    #[test]
    fn arbitrary_segments_are_safe(segs in proptest::collection::vec((any::<u32>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..100)), 0..100)) {
        let config = StreamConfig { max_held_per_dir: 500, max_segments_per_dir: 20, depth: 2000 };
        let mut mem = StreamMemory::new(config, 1 << 20);
        let mut dir = StreamDir::default();
        let mut delivered = 0u64;
        let mut sink = |e: StreamEvent<'_>| if let StreamEvent::Data(d) = e { delivered += d.len() as u64 };
        for (seq, syn, data) in &segs {
            dir.segment(*seq, *syn, data, &mut mem, &mut sink);
            prop_assert!(dir.held_bytes <= 500 + 100);
        }
        dir.finish(&mut mem, &mut sink);
        prop_assert!(delivered <= 2000);
        prop_assert_eq!(mem.stats.held_bytes, 0);
    }
}
