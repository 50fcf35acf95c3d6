use super::*;

const C: Direction = Direction::ToServer;
const S: Direction = Direction::ToClient;

const IFACE: [u8; 16] = [
    0x4b, 0x32, 0x4f, 0xc8, 0x16, 0x70, 0x01, 0xd3, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88,
];

/// A PDU: header (`little`: data representation 0x10) and body.
fn pdu(little: bool, ptype: u8, flags: u8, call_id: u32, body: &[u8]) -> Vec<u8> {
    let len = (16 + body.len()) as u16;
    let mut v = vec![5, 0, ptype, flags, if little { 0x10 } else { 0 }, 0, 0, 0];
    let (l, c) = if little {
        (len.to_le_bytes(), call_id.to_le_bytes())
    } else {
        (len.to_be_bytes(), call_id.to_be_bytes())
    };
    v.extend_from_slice(&l);
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&c);
    v.extend_from_slice(body);
    v
}

fn u16b(little: bool, v: u16) -> [u8; 2] {
    if little {
        v.to_le_bytes()
    } else {
        v.to_be_bytes()
    }
}

/// The interface UUID as the PDU carries it.
fn wire_uuid(little: bool, u: &[u8; 16]) -> Vec<u8> {
    let mut w = u.to_vec();
    if little {
        w[0..4].reverse();
        w[4..6].reverse();
        w[6..8].reverse();
    }
    w
}

/// A BIND (or ALTER_CONTEXT) proposing `ctxs` (context id, version major), each with two
/// transfer syntaxes.
fn bind(little: bool, ptype: u8, call_id: u32, ctxs: &[(u16, u16)]) -> Vec<u8> {
    let mut b = vec![
        0xd0,
        0x16,
        0xd0,
        0x16,
        0,
        0,
        0,
        0,
        ctxs.len() as u8,
        0,
        0,
        0,
    ];
    for &(id, major) in ctxs {
        b.extend_from_slice(&u16b(little, id));
        b.extend_from_slice(&[2, 0]);
        b.extend_from_slice(&wire_uuid(little, &IFACE));
        b.extend_from_slice(&u16b(little, major));
        b.extend_from_slice(&u16b(little, 0));
        b.extend_from_slice(&[0x33; 40]);
    }
    pdu(little, ptype, 3, call_id, &b)
}

/// A BIND_ACK with a secondary address of `addr` and these results.
fn bind_ack(little: bool, ptype: u8, call_id: u32, addr: &[u8], results: &[u16]) -> Vec<u8> {
    let mut b = vec![0xd0, 0x16, 0xd0, 0x16, 0, 0, 0, 0];
    b.extend_from_slice(&u16b(little, addr.len() as u16));
    b.extend_from_slice(addr);
    while (16 + b.len()) % 4 != 0 {
        b.push(0);
    }
    b.extend_from_slice(&[results.len() as u8, 0, 0, 0]);
    for &r in results {
        b.extend_from_slice(&u16b(little, r));
        b.extend_from_slice(&[0; 22]);
    }
    pdu(little, ptype, 3, call_id, &b)
}

fn request(little: bool, flags: u8, call_id: u32, ctx: u16, opnum: u16, stub: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0];
    b.extend_from_slice(&u16b(little, ctx));
    b.extend_from_slice(&u16b(little, opnum));
    b.extend_from_slice(stub);
    pdu(little, REQUEST, flags, call_id, &b)
}

fn response(little: bool, flags: u8, call_id: u32, stub: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, 0, 0, 0, 0, 0, 0];
    b.extend_from_slice(stub);
    pdu(little, RESPONSE, flags, call_id, &b)
}

/// What a parser hands out: records written, and per inspection (direction, opnum, stub,
/// binding accepted for context 1).
#[derive(Debug, Default, PartialEq)]
struct Seen {
    records: Vec<String>,
    inspected: Vec<(Direction, u16, Vec<u8>, bool)>,
}

fn drain(p: &mut DcerpcParser, at_end: bool, seen: &mut Seen) {
    p.drain(at_end, &mut |tx| {
        let Tx::Dcerpc {
            tx,
            binding,
            inspect,
            log,
        } = tx
        else {
            panic!("not a dcerpc tx");
        };
        if log {
            let mut o = Vec::new();
            tx.write_eve(&mut o);
            seen.records.push(String::from_utf8(o).unwrap());
        }
        if let Some(d) = inspect {
            let ok = binding
                .contexts
                .iter()
                .any(|c| c.ctxid == tx.ctxid && c.ack_result == Some(0));
            seen.inspected.push((d, tx.opnum, tx.stub(d).to_vec(), ok));
        }
    });
}

/// Feeds a session (direction, bytes), cut into pieces of `step` bytes, draining after each.
fn run(session: &[(Direction, Vec<u8>)], step: usize) -> (Seen, bool) {
    let mut p = DcerpcParser::new();
    let mut seen = Seen::default();
    for (d, bytes) in session {
        for piece in bytes.chunks(step.max(1)) {
            p.feed(*d, piece);
            drain(&mut p, false, &mut seen);
        }
    }
    let done = p.is_done();
    p.finish();
    drain(&mut p, true, &mut seen);
    (seen, done)
}

fn session(little: bool) -> Vec<(Direction, Vec<u8>)> {
    vec![
        (C, bind(little, BIND, 7, &[(0, 3), (1, 4)])),
        (S, bind_ack(little, BIND_ACK, 7, b"\\PIPE\\x\0", &[2, 0])),
        (C, request(little, 1, 8, 1, 9, b"AAAA")),
        (C, request(little, 0, 8, 1, 9, b"BBBB")),
        (C, request(little, 2, 8, 1, 9, b"CC")),
        (S, response(little, 3, 8, b"reply")),
    ]
}

#[test]
fn bind_and_fragmented_call_as_suricata_logs_them() {
    for little in [true, false] {
        let (seen, done) = run(&session(little), usize::MAX);
        assert!(!done);
        assert_eq!(
            seen.records,
            [
                "{\"request\":\"BIND\",\"interfaces\":[{\"uuid\":\"4b324fc8-1670-01d3-1278-5a47bf6ee188\",\"version\":\"3.0\",\"ack_result\":2},{\"uuid\":\"4b324fc8-1670-01d3-1278-5a47bf6ee188\",\"version\":\"4.0\",\"ack_result\":0}],\"response\":\"BINDACK\",\"call_id\":7,\"rpc_version\":\"5.0\"}",
                // The response stub keeps the 8 bytes after the header, as Suricata's does.
                "{\"request\":\"REQUEST\",\"req\":{\"opnum\":9,\"frag_cnt\":3,\"stub_data_size\":10},\"response\":\"RESPONSE\",\"res\":{\"frag_cnt\":1,\"stub_data_size\":13},\"call_id\":8,\"rpc_version\":\"5.0\"}",
            ],
            "little {little}"
        );
        let mut resp = vec![0; 8];
        resp.extend_from_slice(b"reply");
        assert_eq!(
            seen.inspected,
            [
                (C, 9, b"AAAABBBBCC".to_vec(), true),
                (S, 9, resp.clone(), true)
            ]
        );
    }
}

#[test]
fn any_split_gives_the_same_result() {
    let s = session(true);
    let (whole, _) = run(&s, usize::MAX);
    for step in 1..40 {
        assert_eq!(run(&s, step).0, whole, "pieces of {step}");
    }
}

#[test]
fn endianness_and_first_fragment_of_a_call() {
    let mut p = DcerpcParser::new();
    p.feed(C, &request(false, 0, 0x0102_0304, 5, 0x0a0b, b"x"));
    p.feed(C, &request(false, 2, 0x0102_0304, 5, 0x0a0b, b"y"));
    let mut calls = Vec::new();
    p.drain(false, &mut |tx| {
        if let Tx::Dcerpc {
            tx,
            inspect: Some(_),
            ..
        } = tx
        {
            calls.push((
                tx.call_id,
                tx.opnum,
                tx.ctxid,
                tx.req.first_frag,
                tx.little(C),
            ));
        }
    });
    // Picked up after its first fragment: `dce_iface` without `any_frag` does not match it.
    assert_eq!(calls, [(0x0102_0304, 0x0a0b, 5, false, false)]);
}

#[test]
fn unanswered_contexts_log_result_zero_and_are_not_accepted() {
    let mut p = DcerpcParser::new();
    p.feed(C, &bind(true, BIND, 1, &[(0, 1), (1, 1), (2, 1)]));
    // The answer lists one result: the other contexts keep none (Suricata logs 0 for them).
    p.feed(S, &bind_ack(true, BIND_ACK, 1, b"", &[0]));
    let b = p.binding();
    assert!(b.acked);
    let results: Vec<_> = b.contexts.iter().map(|c| c.ack_result).collect();
    assert_eq!(results, [Some(0), None, None]);
    let mut seen = Seen::default();
    drain(&mut p, false, &mut seen);
    assert_eq!(seen.records.len(), 1);
    assert_eq!(seen.records[0].matches("\"ack_result\":0").count(), 3);
    // ALTER_CONTEXT replaces the binding once answered; its record has no interfaces.
    p.feed(C, &bind(true, ALTER_CONTEXT, 2, &[(4, 2)]));
    p.feed(S, &bind_ack(true, ALTER_CONTEXT_RESP, 2, b"", &[0]));
    drain(&mut p, false, &mut seen);
    assert_eq!(
        seen.records[1],
        "{\"request\":\"ALTER_CONTEXT\",\"response\":\"ALTER_CONTEXT_RESP\",\"call_id\":2,\"rpc_version\":\"5.0\"}"
    );
    let ids: Vec<_> = p
        .binding()
        .contexts
        .iter()
        .map(|c| (c.ctxid, c.ver_major))
        .collect();
    assert_eq!(ids, [(4, 2)]);
}

#[test]
fn other_pdu_types_and_bad_headers_stop_the_flow() {
    // AUTH3 (16): Suricata's parser errors out and parses nothing more of the flow.
    let mut s = session(true);
    s.insert(2, (C, pdu(true, 16, 3, 8, &[0; 8])));
    let (seen, done) = run(&s, usize::MAX);
    assert!(done);
    assert_eq!(seen.records.len(), 1);
    assert!(seen.inspected.is_empty());
    // A header that is no DCE/RPC 5.x.
    let mut bad = request(true, 3, 1, 0, 0, b"zz");
    bad[0] = 4;
    let (seen, done) = run(&[(C, bad)], usize::MAX);
    assert!(done && seen.records.is_empty());
    // A PDU that is its header alone (once looped forever): stepped over.
    let (seen, done) = run(
        &[
            (C, pdu(true, REQUEST, 3, 1, &[])),
            (C, request(true, 3, 2, 0, 1, b"ok")),
        ],
        1,
    );
    assert!(!done);
    assert_eq!(seen.inspected.len(), 2);
    // A fragment length below the header's.
    let mut short = request(true, 3, 1, 0, 0, b"");
    short[8] = 15;
    assert!(run(&[(C, short)], usize::MAX).1);
}

#[test]
fn a_gap_stops_its_direction_and_unfinished_calls_log_at_the_end() {
    let mut p = DcerpcParser::new();
    p.feed(C, &request(true, 1, 3, 0, 2, b"first"));
    p.gap(C, 100);
    p.feed(C, &request(true, 2, 3, 0, 2, b"never"));
    assert!(!p.is_done());
    p.gap(S, 1);
    assert!(p.is_done());
    p.finish();
    let mut seen = Seen::default();
    drain(&mut p, true, &mut seen);
    assert_eq!(
        seen.records,
        ["{\"request\":\"REQUEST\",\"req\":{\"opnum\":2,\"frag_cnt\":1,\"stub_data_size\":5},\"response\":\"UNREPLIED\",\"call_id\":3,\"rpc_version\":\"5.0\"}"]
    );
    // Inspected by the flow's end in both directions, as Suricata does.
    let dirs: Vec<_> = seen.inspected.iter().map(|i| i.0).collect();
    assert_eq!(dirs, [C, S]);
}

#[test]
fn stub_and_open_calls_are_bounded() {
    let mut p = DcerpcParser::new();
    let frag = request(true, 0, 1, 0, 0, &[0x41; 60_000]);
    for _ in 0..20 {
        p.feed(C, &frag);
    }
    let tx = &p.txs[0];
    assert_eq!(tx.req.stub_len, 20 * 60_000);
    assert_eq!(tx.req.stub.len(), MAX_STUB);
    let mut p = DcerpcParser::new();
    for call in 0..(MAX_OPEN as u32 + 50) {
        p.feed(C, &request(true, 1, call, 0, 0, b"x"));
        let mut n = 0;
        p.drain(false, &mut |_| n += 1);
    }
    assert!(p.txs.len() <= MAX_OPEN + 1, "{}", p.txs.len());
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(
        chunks in proptest::collection::vec(
            (proptest::bool::ANY, proptest::collection::vec(proptest::num::u8::ANY, 0..300)),
            0..20,
        ),
    ) {
        let mut p = DcerpcParser::new();
        let mut seen = Seen::default();
        for (to_server, b) in &chunks {
            let d = if *to_server { C } else { S };
            if b.first() == Some(&0xff) {
                p.gap(d, 10);
            }
            p.feed(d, b);
            drain(&mut p, false, &mut seen);
        }
        p.finish();
        drain(&mut p, true, &mut seen);
    }

    /// Valid headers with arbitrary bodies (the length fields inside them lie freely).
    #[test]
    fn arbitrary_bodies_never_panic(
        pdus in proptest::collection::vec(
            (proptest::bool::ANY, 0u8..21, proptest::num::u8::ANY, proptest::bool::ANY,
             proptest::collection::vec(proptest::num::u8::ANY, 0..200)),
            0..20,
        ),
        step in 1usize..64,
    ) {
        let s: Vec<(Direction, Vec<u8>)> = pdus
            .iter()
            .map(|(to_server, ptype, flags, little, body)| {
                (if *to_server { C } else { S }, pdu(*little, *ptype, *flags, 1, body))
            })
            .collect();
        let whole = run(&s, usize::MAX);
        proptest::prop_assert_eq!(run(&s, step), whole);
    }
}
