//! Tests on real messages, compression attacks, TCP framing and properties.

use super::testdata::{CASES, TCP_7018_SURICATA, TCP_7018_TO_CLIENT, TCP_7018_TO_SERVER};
use super::types::rrtype;
use super::*;
use crate::app::Direction;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    s.chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap_or("00"), 16).unwrap_or(0))
        .collect()
}

fn parse(hex_msg: &str) -> DnsMessage {
    let mut m = DnsMessage::new();
    m.parse(&hex(hex_msg)).expect("corpus message parses");
    m
}

fn all_records(m: &DnsMessage) -> impl Iterator<Item = Record<'_>> {
    m.answers().chain(m.authorities()).chain(m.additionals())
}

fn tshark_name(n: Name<'_>) -> String {
    if n.is_empty() {
        "<Root>".to_string()
    } else {
        n.to_string()
    }
}

/// Every real message decodes to what tshark printed for it.
#[test]
fn corpus_messages_match_tshark() {
    let mut checked = 0;
    for case in CASES {
        let Some(t) = &case.tshark else { continue };
        let m = parse(case.hex);
        let src = case.source;
        let h = m.header();
        assert_eq!(
            (h.id, h.flags, h.rcode()),
            (t.id, t.flags, t.flags_rcode),
            "{src}"
        );
        let qn: Vec<String> = m.questions().map(|q| q.name.to_string()).collect();
        let qt: Vec<u16> = m.questions().map(|q| q.qtype).collect();
        assert_eq!(qn, t.qry_name, "{src}");
        assert_eq!(qt, t.qry_type, "{src}");
        assert_eq!(
            m.query_name(),
            t.qry_name.first().map(|n| n.as_bytes()),
            "{src}"
        );

        let names: Vec<String> = all_records(&m).map(|r| tshark_name(r.name)).collect();
        let types: Vec<u16> = all_records(&m).map(|r| r.rtype).collect();
        // tshark shows no TTL for OPT (its bits are the extended rcode and flags).
        let ttls: Vec<u32> = all_records(&m)
            .filter(|r| r.rtype != rrtype::OPT)
            .map(|r| r.ttl)
            .collect();
        assert_eq!(names, t.resp_name, "{src}");
        assert_eq!(types, t.resp_type, "{src}");
        assert_eq!(ttls, t.resp_ttl, "{src}");

        let mut a = vec![];
        let mut aaaa = vec![];
        let mut cname = vec![];
        let mut ns = vec![];
        let mut ptr = vec![];
        let mut mx = vec![];
        let mut mx_pref = vec![];
        let mut txt = vec![];
        let mut soa = vec![];
        let mut serial = vec![];
        for r in all_records(&m) {
            match r.rdata {
                RData::A(x) => a.push(x.to_string()),
                RData::Aaaa(x) => aaaa.push(x.to_string()),
                RData::Cname(n) => cname.push(n.to_string()),
                RData::Ns(n) => ns.push(n.to_string()),
                RData::Ptr(n) => ptr.push(n.to_string()),
                RData::Mx {
                    preference,
                    exchange,
                } => {
                    mx.push(exchange.to_string());
                    mx_pref.push(preference);
                }
                RData::Txt(t) => {
                    txt.extend(t.strings().map(|s| String::from_utf8_lossy(s).into_owned()))
                }
                RData::Soa(s) => {
                    soa.push(s.mname.to_string());
                    serial.push(s.serial);
                }
                _ => {}
            }
        }
        assert_eq!(a, t.a, "{src}");
        assert_eq!(aaaa, t.aaaa, "{src}");
        assert_eq!(cname, t.cname, "{src}");
        assert_eq!(ns, t.ns, "{src}");
        assert_eq!(ptr, t.ptr_domain_name, "{src}");
        assert_eq!(mx, t.mx_mail_exchange, "{src}");
        assert_eq!(mx_pref, t.mx_preference, "{src}");
        assert_eq!(txt, t.txt, "{src}");
        assert_eq!(soa, t.soa_mname, "{src}");
        assert_eq!(serial, t.soa_serial_number, "{src}");
        assert_eq!(m.trailing_len(), 0, "{src}");
        assert_eq!(m.additional_error(), None, "{src}");
        checked += 1;
    }
    assert!(checked >= 15);
}

fn tx_id_of(suricata: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&format!("{{{suricata}}}")).unwrap();
    v["dns"]["tx_id"].as_u64().unwrap_or(0)
}

/// Compares our `"dns":{...}` with Suricata's: equal as JSON values, and byte for byte
/// unless `grouped` has several keys (Suricata's key order there comes from a hash map).
fn assert_eve_eq(ours: &[u8], suricata: &str, src: &str) {
    let ours = std::str::from_utf8(ours).expect("EVE is UTF-8");
    let parse = |s: &str| -> serde_json::Value {
        serde_json::from_str(&format!("{{{s}}}"))
            .unwrap_or_else(|e| panic!("{src}: invalid JSON {e}: {s}"))
    };
    let (a, b) = (parse(ours), parse(suricata));
    assert_eq!(a, b, "{src}\n ours:     {ours}\n suricata: {suricata}");
    let several_groups = b["dns"]["grouped"].as_object().is_some_and(|g| g.len() > 1);
    if !several_groups {
        assert_eq!(ours, suricata, "{src}");
    }
}

/// EVE records equal what Suricata 7.0.10 wrote for the same packets.
#[test]
fn corpus_eve_matches_suricata() {
    let mut compared = 0;
    for case in CASES.iter().filter(|c| !c.suricata.is_empty()) {
        let m = parse(case.hex);
        assert_eq!(eve_record_count(&m), case.suricata.len(), "{}", case.source);
        for (i, expected) in case.suricata.iter().enumerate() {
            let mut out = Vec::new();
            assert!(write_eve_dns_record(&m, i, tx_id_of(expected), &mut out));
            assert_eve_eq(&out, expected, case.source);
            compared += 1;
        }
        let mut out = Vec::new();
        assert!(!write_eve_dns_record(&m, case.suricata.len(), 0, &mut out));
        assert!(out.is_empty());
    }
    assert!(compared >= 20, "{compared}");
}

#[test]
fn eve_over_tcp_matches_suricata() {
    let mut p = DnsTcpParser::new();
    let mut msg = DnsMessage::new();
    let (ts, tc) = (hex(TCP_7018_TO_SERVER), hex(TCP_7018_TO_CLIENT));
    let mut records = Vec::new();
    // Suricata numbers transactions per message: query 0, answer 1, query 2...
    let mut tx = 0;
    for k in 0..3 {
        for (dir, stream) in [(Direction::ToServer, &ts), (Direction::ToClient, &tc)] {
            // Feed the k-th framed message of this direction.
            let mut off = 0;
            for _ in 0..k {
                off += 2 + u16::from_be_bytes([stream[off], stream[off + 1]]) as usize;
            }
            let len = 2 + u16::from_be_bytes([stream[off], stream[off + 1]]) as usize;
            p.feed(dir, &stream[off..off + len], &mut msg, |r| {
                let m = r.unwrap();
                let mut out = Vec::new();
                assert!(write_eve_dns(m, tx, &mut out));
                records.push(out);
            });
            tx += 1;
        }
    }
    assert_eq!(records.len(), TCP_7018_SURICATA.len());
    for (ours, theirs) in records.iter().zip(TCP_7018_SURICATA) {
        assert_eve_eq(ours, theirs, "task-7018 over TCP");
    }
}

#[test]
fn detection_and_analytics_accessors() {
    let txt = CASES
        .iter()
        .find(|c| c.source.starts_with("dns-txt-multiple"))
        .unwrap();
    let m = parse(txt.hex);
    assert!(m.is_response());
    assert_eq!(m.qtype(), Some(rrtype::TXT));
    assert_eq!(m.query_name(), Some(&b"flkr._domainkey.flickr.com"[..]));
    let t = m
        .answers()
        .find_map(|r| match r.rdata {
            RData::Txt(t) => Some(t),
            _ => None,
        })
        .unwrap();
    assert_eq!(t.count(), 2);
    assert_eq!(t.total_len(), t.strings().map(<[u8]>::len).sum::<usize>());
    let tshark = txt.tshark.as_ref().unwrap();
    assert_eq!(
        t.max_len(),
        tshark.txt.iter().map(|s| s.len()).max().unwrap()
    );
    assert_eq!(t.trailing_len(), 0);
    assert_eq!(m.answer_txt_len(), t.total_len());
    let q = m.question(0).unwrap();
    assert_eq!(q.name.label_count(), 4);
    assert_eq!(q.name.longest_label(), 10);
    assert_eq!(q.name.suffix(2), b"flickr.com");
    assert_eq!(q.name.wire_len(), q.name.len() + 2);
    assert_eq!(
        q.name.labels().collect::<Vec<_>>(),
        vec![&b"flkr"[..], b"_domainkey", b"flickr", b"com"]
    );
    let ips: Vec<_> = m.additionals().filter_map(|r| r.ip()).collect();
    assert!(!ips.is_empty());
    assert_eq!(probe_udp(m.raw()), Probe::Dns(Direction::ToClient));
}

#[test]
fn reparsing_does_not_allocate() {
    let msgs: Vec<Vec<u8>> = CASES.iter().map(|c| hex(c.hex)).collect();
    let mut m = DnsMessage::new();
    for b in &msgs {
        m.parse(b).unwrap();
    }
    let warm = m.capacities();
    for _ in 0..3 {
        for b in &msgs {
            m.parse(b).unwrap();
            assert_eq!(m.capacities(), warm);
        }
    }
}

#[test]
fn probes_accept_every_corpus_message() {
    for case in CASES {
        let b = hex(case.hex);
        let m = parse(case.hex);
        if m.questions().len() == 0 {
            continue;
        }
        let dir = if m.is_response() {
            Direction::ToClient
        } else {
            Direction::ToServer
        };
        assert_eq!(probe_udp(&b), Probe::Dns(dir), "{}", case.source);
        let mut framed = (b.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&b);
        assert_eq!(probe_tcp(&framed), Probe::Dns(dir), "{}", case.source);
    }
}

// ---- Hostile and truncated messages ------------------------------------------------------

fn query_with_name(name: &[u8]) -> Vec<u8> {
    let mut m = b"\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00".to_vec();
    m.extend_from_slice(name);
    m.extend_from_slice(b"\x00\x01\x00\x01");
    m
}

fn parse_err(b: &[u8]) -> DnsError {
    let mut m = DnsMessage::new();
    let e = m.parse(b).expect_err("must fail");
    assert!(!m.is_valid());
    assert_eq!(eve_record_count(&m), 0);
    assert!(!write_eve_dns(&m, 0, &mut Vec::new()));
    e
}

#[test]
fn compression_attacks_fail_cleanly() {
    use NameError::*;
    let q = Section::Question;
    // Self-pointer.
    assert_eq!(
        parse_err(&query_with_name(b"\xc0\x0c")),
        DnsError::Name(q, ForwardPointer)
    );
    // Two pointers pointing at each other.
    assert_eq!(
        parse_err(&query_with_name(b"\xc0\x0e\xc0\x0c")),
        DnsError::Name(q, ForwardPointer)
    );
    // Label, then a pointer back to that label.
    assert_eq!(
        parse_err(&query_with_name(b"\x03abc\xc0\x0c")),
        DnsError::Name(q, ForwardPointer)
    );
    // Pointer past the end, and into the header.
    assert_eq!(
        parse_err(&query_with_name(b"\xc3\xff")),
        DnsError::Name(q, PointerOutOfBounds)
    );
    assert_eq!(
        parse_err(&query_with_name(b"\xc0\x04")),
        DnsError::Name(q, PointerOutOfBounds)
    );
    // A 300-byte name.
    let mut long = Vec::new();
    for _ in 0..5 {
        long.push(59);
        long.extend_from_slice(&[b'a'; 59]);
    }
    long.push(0);
    assert_eq!(
        parse_err(&query_with_name(&long)),
        DnsError::Name(q, TooLong)
    );
    // A 300-byte name assembled from pointers to short names.
    let mut m = b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00".to_vec();
    m.extend_from_slice(
        b"\x3fAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\x00\x00\x01\x00\x01",
    );
    // Answer owner: 4 labels of 63 then a pointer to the 63-byte name: 321 bytes.
    for _ in 0..4 {
        m.push(63);
        m.extend_from_slice(&[b'b'; 63]);
    }
    m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x01\x00\x04\x01\x02\x03\x04");
    assert_eq!(parse_err(&m), DnsError::Name(Section::Answer, TooLong));
    // Too many labels.
    let mut many = b"\x01x".repeat(128);
    many.push(0);
    assert_eq!(
        parse_err(&query_with_name(&many)),
        DnsError::Name(q, TooManyLabels)
    );
    // Reserved label types.
    assert_eq!(
        parse_err(&query_with_name(b"\x40\x00")),
        DnsError::Name(q, BadLabelType)
    );
}

#[test]
fn long_legal_pointer_chain_decodes() {
    // Each name is one label plus a pointer to the previous one: x.x.x...x (60 labels).
    let mut m = b"\x00\x01\x01\x00\x00\x3c\x00\x00\x00\x00\x00\x00".to_vec();
    let mut prev = None;
    for _ in 0..60 {
        let here = m.len();
        m.extend_from_slice(b"\x01x");
        match prev {
            None => m.push(0),
            Some(p) => m.extend_from_slice(&(0xc000u16 | p as u16).to_be_bytes()),
        }
        m.extend_from_slice(b"\x00\x01\x00\x01");
        prev = Some(here);
    }
    let mut msg = DnsMessage::new();
    msg.parse(&m).unwrap();
    let last = msg.question(59).unwrap().name;
    assert_eq!(last.label_count(), 60);
    assert_eq!(last.len(), 119);
}

#[test]
fn truncations_of_real_messages_fail_cleanly() {
    let mut msg = DnsMessage::new();
    for case in CASES {
        let b = hex(case.hex);
        msg.parse(&b).unwrap();
        // The last byte parsed by a required section; cutting anywhere before it must fail.
        let needed = b.len() - msg.trailing_len();
        let has_additionals = msg.header().arcount > 0;
        for cut in 0..b.len() {
            let r = msg.parse(&b[..cut]);
            if has_additionals {
                // Cutting the additional section is tolerated and reported.
                assert!(
                    r.is_err() || msg.additional_error().is_some(),
                    "{} at {cut}",
                    case.source
                );
            } else {
                assert!(cut >= needed || r.is_err(), "{} at {cut}", case.source);
            }
            let mut out = Vec::new();
            for i in 0..eve_record_count(&msg) {
                write_eve_dns_record(&msg, i, 0, &mut out);
            }
        }
        assert_eq!(parse_err(&b[..11]), DnsError::TooShort);
    }
    let mut huge = hex(CASES[0].hex);
    huge.resize(MAX_MESSAGE_LEN + 1, 0);
    assert_eq!(parse_err(&huge), DnsError::TooLong);
}

#[test]
fn trailing_bytes_and_short_additionals_are_tolerated() {
    let case = CASES
        .iter()
        .find(|c| c.source.starts_with("dns_original_case"))
        .unwrap();
    let mut b = hex(case.hex);
    let mut m = DnsMessage::new();
    b.extend_from_slice(b"junk");
    m.parse(&b).unwrap();
    assert_eq!(m.trailing_len(), 4);
    // Claim one more additional record than there is.
    b.truncate(b.len() - 4);
    b[11] += 1;
    m.parse(&b).unwrap();
    assert_eq!(m.additionals().len(), 1);
    assert_eq!(
        m.additional_error(),
        Some(DnsError::Name(Section::Additional, NameError::Truncated))
    );
}

// ---- DNS over TCP ----------------------------------------------------------------------

/// A client stream of several real queries, framed.
fn tcp_stream() -> (Vec<u8>, Vec<u16>) {
    let mut s = Vec::new();
    let mut ids = Vec::new();
    for case in CASES.iter().take(12) {
        let b = hex(case.hex);
        s.extend_from_slice(&(b.len() as u16).to_be_bytes());
        s.extend_from_slice(&b);
        ids.push(u16::from_be_bytes([b[0], b[1]]));
    }
    (s, ids)
}

fn feed_chunks(p: &mut DnsTcpParser, chunks: &[&[u8]]) -> Vec<Result<u16, DnsError>> {
    let mut msg = DnsMessage::new();
    let mut seen = Vec::new();
    for c in chunks {
        p.feed(Direction::ToClient, c, &mut msg, |r| {
            seen.push(r.map(|m| m.header().id))
        });
    }
    seen
}

#[test]
fn tcp_framing_byte_by_byte_and_all_at_once() {
    let (s, ids) = tcp_stream();
    let expected: Vec<Result<u16, DnsError>> = ids.iter().map(|&i| Ok(i)).collect();
    let mut p = DnsTcpParser::new();
    assert_eq!(feed_chunks(&mut p, &[&s]), expected);
    assert_eq!(p.buffered(Direction::ToClient), 0);

    let mut p = DnsTcpParser::new();
    let bytes: Vec<&[u8]> = s.chunks(1).collect();
    assert_eq!(feed_chunks(&mut p, &bytes), expected);
    let st = p.stats(Direction::ToClient);
    assert_eq!((st.messages, st.errors), (ids.len() as u64, 0));
    assert_eq!(p.stats(Direction::ToServer), TcpDirStats::default());
}

#[test]
fn tcp_real_stream_every_split_point() {
    let s = hex(TCP_7018_TO_CLIENT);
    for cut in 0..=s.len() {
        let mut p = DnsTcpParser::new();
        let got = feed_chunks(&mut p, &[&s[..cut], &s[cut..]]);
        assert_eq!(got, vec![Ok(0), Ok(0), Ok(0)], "split at {cut}");
    }
}

#[test]
fn tcp_bad_frames_and_gaps() {
    let (s, ids) = tcp_stream();
    let first_len = 2 + u16::from_be_bytes([s[0], s[1]]) as usize;
    let mut p = DnsTcpParser::new();
    // A frame too short to be a message is reported and framing goes on.
    let got = feed_chunks(&mut p, &[b"\x00\x03abc", &s[..first_len]]);
    assert_eq!(got, vec![Err(DnsError::TooShort), Ok(ids[0])]);
    // Half a message, then a gap: the half is dropped...
    assert!(feed_chunks(&mut p, &[&s[first_len..first_len + 20]]).is_empty());
    assert_eq!(p.buffered(Direction::ToClient), 20);
    p.gap(Direction::ToClient);
    assert_eq!(p.buffered(Direction::ToClient), 0);
    // ...chunks that do not start a DNS frame are skipped...
    assert!(feed_chunks(&mut p, &[&s[first_len + 20..first_len + 60]]).is_empty());
    assert_eq!(p.stats(Direction::ToClient).skipped_bytes, 40);
    // ...and a chunk starting at a frame boundary resumes, even split inside the header.
    let third = first_len + 2 + u16::from_be_bytes([s[first_len], s[first_len + 1]]) as usize;
    let got = feed_chunks(&mut p, &[&s[third..third + 5], &s[third + 5..]]);
    assert_eq!(got, ids[2..].iter().map(|&i| Ok(i)).collect::<Vec<_>>());
    assert_eq!(p.stats(Direction::ToClient).gaps, 1);
}

#[test]
fn tcp_largest_frame_is_buffered_then_released() {
    // A 65535-byte message: a header claiming nothing, then padding (trailing bytes).
    let mut s = vec![0xff, 0xff];
    s.extend_from_slice(b"\x12\x34\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    s.resize(2 + 65535, 0);
    let mut p = DnsTcpParser::new();
    let mut msg = DnsMessage::new();
    let mut n = 0;
    p.feed(Direction::ToServer, &s[..30000], &mut msg, |_| n += 1);
    assert_eq!(p.buffered(Direction::ToServer), 30000);
    p.feed(Direction::ToServer, &s[30000..], &mut msg, |r| {
        assert_eq!(r.unwrap().trailing_len(), 65535 - 12);
        n += 1
    });
    assert_eq!((n, p.buffered(Direction::ToServer)), (1, 0));
}

// ---- Properties ------------------------------------------------------------------------

/// Parses, writes every EVE record, and checks the output is valid JSON.
fn parse_and_log(b: &[u8], msg: &mut DnsMessage) {
    let _ = msg.parse(b);
    for i in 0..eve_record_count(msg) {
        let mut out = b"{".to_vec();
        assert!(write_eve_dns_record(msg, i, 7, &mut out));
        out.push(b'}');
        serde_json::from_slice::<serde_json::Value>(&out).expect("valid JSON");
    }
    // Views must be consistent whatever happened.
    for r in msg
        .answers()
        .chain(msg.authorities())
        .chain(msg.additionals())
    {
        let _ = (r.name.to_string(), r.name.labels().count(), r.ip());
    }
    let _ = (probe_udp(b), probe_tcp(b));
}

fn mutated_case() -> impl Strategy<Value = Vec<u8>> {
    (
        0..CASES.len(),
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    )
        .prop_map(|(i, edits)| {
            let mut b = hex(CASES[i].hex);
            for (pos, v) in edits {
                let n = b.len();
                b[pos % n] = v;
            }
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..600)) {
        parse_and_log(&b, &mut DnsMessage::new());
    }

    #[test]
    fn mutated_real_messages_never_panic(b in mutated_case()) {
        parse_and_log(&b, &mut DnsMessage::new());
    }

    #[test]
    fn header_then_random_body_never_panics(
        counts in prop::array::uniform4(0u16..40),
        body in prop::collection::vec(any::<(u8, u8)>(), 0..400),
    ) {
        // Bias the body towards pointers, terminators and short labels.
        let mut b = b"\x00\x01\x81\x80".to_vec();
        for c in counts {
            b.extend_from_slice(&c.to_be_bytes());
        }
        b.extend(body.into_iter().map(|(kind, v)| match kind % 4 {
            0 => 0xc0,
            1 => 0,
            2 => 1 + v % 63,
            _ => v,
        }));
        parse_and_log(&b, &mut DnsMessage::new());
    }

    #[test]
    fn tcp_any_split_gives_the_same_messages(cuts in prop::collection::vec(any::<usize>(), 0..20)) {
        let (s, ids) = tcp_stream();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (s.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut prev = 0;
        for c in cuts.into_iter().chain([s.len()]) {
            chunks.push(&s[prev..c]);
            prev = c;
        }
        let mut p = DnsTcpParser::new();
        prop_assert_eq!(feed_chunks(&mut p, &chunks), ids.iter().map(|&i| Ok(i)).collect::<Vec<_>>());
    }

    #[test]
    fn tcp_arbitrary_bytes_and_gaps_never_panic(
        chunks in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..300), any::<bool>()), 0..12),
    ) {
        let mut p = DnsTcpParser::new();
        let mut msg = DnsMessage::new();
        for (c, gap) in chunks {
            if gap {
                p.gap(Direction::ToServer);
            }
            p.feed(Direction::ToServer, &c, &mut msg, |_| {});
            prop_assert!(p.buffered(Direction::ToServer) <= 2 + 65535 + 300);
        }
    }
}

/// Work is linear in the message size: the worst messages we can build (every question a
/// pointer to a 253-byte name, or to the end of a chain of pointers) cost a bounded amount
/// per input byte.
#[test]
fn decompression_work_is_linear() {
    // A 255-byte name at 12, then as many 6-byte questions pointing at it as fit in 64 KiB.
    let mut big = b"\x00\x01\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00".to_vec();
    for _ in 0..3 {
        big.push(63);
        big.extend_from_slice(&[b'a'; 63]);
    }
    big.push(61);
    big.extend_from_slice(&[b'b'; 61]);
    big.extend_from_slice(b"\x00\x00\x01\x00\x01");
    while big.len() + 6 <= 65535 {
        big.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
    }
    let questions = (big.len() - 12 - 259) / 6 + 1;
    big[4..6].copy_from_slice(&(questions as u16).to_be_bytes());
    let mut m = DnsMessage::new();
    let t = std::time::Instant::now();
    m.parse(&big).unwrap();
    let elapsed = t.elapsed();
    assert_eq!(m.questions().len(), questions);
    assert!(m.questions().all(|q| q.name.len() == 253));
    // Generous even for an unoptimised build on a busy machine: ~2.7 MB of name bytes.
    assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");

    // Chains: each question points at the previous question's name, so each hop is one
    // jump; the shared budget stops the message before the work grows quadratically.
    let mut chain =
        b"\x00\x01\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00\x01x\x00\x00\x01\x00\x01".to_vec();
    let mut prev = 12u16;
    while chain.len() + 6 <= 65535 {
        let here = chain.len() as u16;
        chain.extend_from_slice(&(0xc000 | prev).to_be_bytes());
        chain.extend_from_slice(b"\x00\x01\x00\x01");
        prev = here;
    }
    let t = std::time::Instant::now();
    let r = m.parse(&chain);
    assert!(t.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(
        r,
        Err(DnsError::Name(Section::Question, NameError::TooManyJumps))
    );
}
