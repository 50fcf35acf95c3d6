//! Property tests: arbitrary input never panics, memory stays bounded, and HTTP-like input
//! gives the same transactions however it is split.

use proptest::prelude::*;

use super::util::{feed_split, has_unexpected_body, run_chunks, Ev, Split};
use crate::app::http::decompress::max_decoder_bytes;
use crate::app::http::{probe, HttpConfig, HttpParser};
use crate::app::Direction;

fn dir(b: bool) -> Direction {
    if b {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

/// Pieces of HTTP, valid and broken, to assemble streams from.
const PIECES: &[&[u8]] = &[
    b"GET /a?x=%41 HTTP/1.1\r\n",
    b"POST /p HTTP/1.1\r\n",
    b"HEAD / HTTP/1.0\r\n",
    b"CONNECT h:443 HTTP/1.1\r\n",
    b"GET /09\r\n",
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    b"HTTP/1.1 101 Switching\r\n",
    b"HTTP/1.1 304 NM\r\n",
    b"Host: a.example:81\r\n",
    b"Content-Length: 5\r\n",
    b"Content-Length: x\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Upgrade: websocket\r\n",
    b"Expect: 100-continue\r\n",
    b" folded\r\n",
    b"\r\n",
    b"\n",
    b"hello",
    b"5\r\nhello\r\n0\r\n\r\n",
    b"ffffffffffffffffff\r\n",
    b"\x00\xff\xfe",
    b"Content-Encoding: gzip, deflate\r\n",
    b"Content-Encoding: deflate\r\n",
    // "hello" gzipped, and a zlib stream of "hello hello hello".
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00",
    b"x\x9c\xcbH\xcd\xc9\xc9W\xc8@\x90\x00:.\x06}",
];

fn http_like() -> impl Strategy<Value = Vec<Ev>> {
    prop::collection::vec(
        (
            any::<bool>(),
            prop::collection::vec(0..PIECES.len(), 1..6),
            0u8..20,
        ),
        0..40,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .map(|(to_server, idx, gap)| {
                if gap == 0 {
                    Ev::Gap(dir(to_server), 3)
                } else {
                    Ev::Data(
                        dir(to_server),
                        idx.iter().flat_map(|&i| PIECES[i].to_vec()).collect(),
                    )
                }
            })
            .collect()
    })
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=n for longer runs.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_bytes_never_panic(chunks in prop::collection::vec(
        (any::<bool>(), prop::collection::vec(any::<u8>(), 0..300), any::<u8>()), 0..30)) {
        let mut p = HttpParser::default();
        for (to_server, data, op) in &chunks {
            match op % 16 {
                0 => p.gap(dir(*to_server), u64::from(*op)),
                1 => p.close(dir(*to_server)),
                _ => p.feed(dir(*to_server), data),
            }
            while p.next_request().is_some() {}
            while let Some(tx) = p.next_complete() {
                let mut out = Vec::new();
                crate::app::http::write_eve_http(&tx, &mut out);
                let json = [b"{".as_slice(), &out, b"}"].concat();
                let parsed = serde_json::from_slice::<serde_json::Value>(&json);
                prop_assert!(parsed.is_ok(), "invalid JSON");
            }
            let _ = probe(data);
        }
        p.finish();
        while p.next_complete().is_some() {}
        prop_assert!(p.transactions().next().is_none());
    }

    #[test]
    fn http_like_input_is_split_invariant(ev in http_like(), seed in any::<u64>()) {
        // libhtp's unexpected request body depends on the chunks, by design.
        let mut merged: Vec<Ev> = Vec::new();
        for e in &ev {
            match (merged.last_mut(), e) {
                (Some(Ev::Data(ld, lc)), Ev::Data(d, c)) if ld == d => lc.extend_from_slice(c),
                _ => merged.push(e.clone()),
            }
        }
        prop_assume!(!has_unexpected_body(&ev) && !has_unexpected_body(&merged));
        let whole = run_chunks(&ev);
        prop_assert_eq!(&feed_split(&ev, Split::Random(seed)), &whole);
        prop_assert_eq!(&feed_split(&ev, Split::Whole), &whole);
    }

    #[test]
    fn memory_stays_bounded(ev in http_like(), filler in 0usize..3000) {
        // Small limits so that the bound is reached quickly.
        let cfg = HttpConfig {
            request_body_limit: 64,
            response_body_limit: 64,
            max_head_bytes: 512,
            max_headers: 8,
            max_txs: 4,
            decompress_layer_limit: 2,
            files: crate::app::files::FileNeeds::NONE,
        };
        let mut p = HttpParser::new(cfg);
        for e in &ev {
            match e {
                Ev::Data(d, b) => {
                    p.feed(*d, b);
                    p.feed(*d, &vec![b'a'; filler]);
                }
                Ev::Gap(d, n) => p.gap(*d, *n),
            }
            // Not draining on purpose: held transactions are what must stay bounded.
            // Plus a body decoder per direction while a compressed body is in progress.
            let bound = 4 * 2 * (4 * 512 + 64 + 512) + 16 * 1024 + 2 * max_decoder_bytes(2);
            prop_assert!(p.heap_bytes() <= bound, "{} > {}", p.heap_bytes(), bound);
        }
    }
}
