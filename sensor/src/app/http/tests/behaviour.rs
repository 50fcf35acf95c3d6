//! Protocol behaviour: pipelining, bodies split anywhere, HEAD, 100-continue, tunnels, gaps,
//! limits, buffers and EVE values for edge cases.

use super::util::{eve_of, exchange, feed_split, run_chunks, Ev, Split};
use crate::app::http::{HttpBuffer, HttpConfig, HttpParser, HttpTransaction, TxFlags};
use crate::app::Direction::{ToClient, ToServer};

fn uri(tx: &HttpTransaction) -> &[u8] {
    tx.request().and_then(|r| r.uri_raw()).unwrap_or_default()
}

fn status(tx: &HttpTransaction) -> Option<u16> {
    tx.response()?.status_code()
}

fn drain(p: &mut HttpParser) -> Vec<HttpTransaction> {
    let mut v = Vec::new();
    while let Some(t) = p.next_complete() {
        v.push(t);
    }
    v
}

const PIPELINE_REQ: &[u8] = b"POST /login HTTP/1.1\r\nHost: portal\r\nContent-Length: 7\r\n\r\nuser=ab\
GET /a HTTP/1.1\r\nHost: portal\r\n\r\n\
POST /up HTTP/1.1\r\nHost: portal\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext\r\n world\r\n0\r\nT: x\r\n\r\n";
const PIPELINE_RESP: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";

#[test]
fn pipelined_requests_pair_in_order() {
    let mut p = HttpParser::default();
    p.feed(ToServer, PIPELINE_REQ);
    let mut seen = Vec::new();
    while let Some(tx) = p.next_request() {
        seen.push((tx.id(), uri(tx).to_vec()));
    }
    assert_eq!(
        seen,
        [
            (0, b"/login".to_vec()),
            (1, b"/a".to_vec()),
            (2, b"/up".to_vec())
        ]
    );
    assert!(p.next_complete().is_none(), "no response yet");
    p.feed(ToClient, PIPELINE_RESP);
    let txs = drain(&mut p);
    assert_eq!(txs.len(), 3);
    assert_eq!(
        txs.iter().map(status).collect::<Vec<_>>(),
        [Some(200), Some(404), Some(201)]
    );
    assert_eq!(txs[0].request().unwrap().body(), b"user=ab");
    assert_eq!(txs[2].request().unwrap().body(), b"hello world");
    assert_eq!(txs[2].request().unwrap().wire_len(), 28);
    assert_eq!(txs[1].response().unwrap().body(), b"abc");
    assert_eq!(txs[1].response().unwrap().wire_len(), 11);
}

#[test]
fn every_two_piece_split_gives_the_same_transactions() {
    let whole = run_chunks(&exchange(PIPELINE_REQ, PIPELINE_RESP));
    for cut in 0..=PIPELINE_REQ.len() {
        let ev = vec![
            Ev::Data(ToServer, PIPELINE_REQ[..cut].to_vec()),
            Ev::Data(ToServer, PIPELINE_REQ[cut..].to_vec()),
            Ev::Data(ToClient, PIPELINE_RESP.to_vec()),
        ];
        assert_eq!(run_chunks(&ev), whole, "request cut at {cut}");
    }
    for cut in 0..=PIPELINE_RESP.len() {
        let ev = vec![
            Ev::Data(ToServer, PIPELINE_REQ.to_vec()),
            Ev::Data(ToClient, PIPELINE_RESP[..cut].to_vec()),
            Ev::Data(ToClient, PIPELINE_RESP[cut..].to_vec()),
        ];
        assert_eq!(run_chunks(&ev), whole, "response cut at {cut}");
    }
    let ev = exchange(PIPELINE_REQ, PIPELINE_RESP);
    for split in [Split::Bytes, Split::Random(3), Split::Random(11)] {
        assert_eq!(feed_split(&ev, split), whole, "{split:?}");
    }
}

#[test]
fn head_and_bodyless_statuses() {
    let req = b"HEAD /h HTTP/1.1\r\nHost: a\r\n\r\nGET /n HTTP/1.1\r\nHost: a\r\n\r\nGET /m HTTP/1.1\r\nHost: a\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\nTransfer-Encoding: chunked\r\n\r\n\
HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    let txs = run_chunks(&exchange(req, resp));
    assert_eq!(
        txs.iter().map(status).collect::<Vec<_>>(),
        [Some(200), Some(304), Some(204)]
    );
    assert!(txs.iter().all(|t| t.response().unwrap().wire_len() == 0));
    assert!(txs.iter().all(|t| t.response().unwrap().is_complete()));
}

#[test]
fn continue_100_and_refused_expectation() {
    let ev = vec![
        Ev::Data(
            ToServer,
            b"POST /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
                .to_vec(),
        ),
        Ev::Data(ToClient, b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()),
        Ev::Data(ToServer, b"body".to_vec()),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc".to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 1);
    assert_eq!(status(&txs[0]), Some(201));
    assert_eq!(txs[0].request().unwrap().body(), b"body");

    // 417: the client does not send its body but the next request.
    let ev = vec![
        Ev::Data(
            ToServer,
            b"PUT /big HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 100000\r\n\r\n"
                .to_vec(),
        ),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        Ev::Data(ToServer, b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n".to_vec()),
        Ev::Data(ToClient, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert_eq!(uri(&txs[1]), b"/next");
    assert_eq!(status(&txs[1]), Some(200));
}

#[test]
fn connect_accepted_is_a_tunnel_refused_is_not() {
    let mut p = HttpParser::default();
    p.feed(
        ToServer,
        b"CONNECT db.example:443 HTTP/1.1\r\nHost: db.example:443\r\n\r\n",
    );
    p.feed(ToServer, b"\x16\x03\x01\x00\x05hello");
    p.feed(
        ToClient,
        b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03",
    );
    p.feed(ToServer, b"GET /not-http HTTP/1.1\r\n\r\n");
    assert!(p.is_tunnel());
    let txs = drain(&mut p);
    assert_eq!(txs.len(), 1);
    assert!(txs[0].flags().contains(TxFlags::TUNNEL));
    let r = txs[0].request().unwrap();
    assert_eq!(r.host(), Some(&b"db.example"[..]));
    assert_eq!(r.port(), Some(443));
    assert_eq!(r.uri(), None);

    // The request sent before the 407 arrives is held, then parsed.
    let ev = vec![
        Ev::Data(ToServer, b"CONNECT a:443 HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n".to_vec()),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 407 Proxy Auth\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert_eq!(uri(&txs[1]), b"/x");
    assert_eq!(status(&txs[1]), Some(200));
}

#[test]
fn websocket_upgrade_stops_parsing() {
    let mut p = HttpParser::default();
    p.feed(
        ToServer,
        b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x85",
    );
    p.feed(
        ToClient,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    );
    p.feed(ToServer, b"GET /x HTTP/1.1\r\n\r\n");
    assert!(p.is_tunnel() && p.is_finished());
    let txs = drain(&mut p);
    assert_eq!(txs.len(), 1);
    assert_eq!(status(&txs[0]), Some(101));
    assert!(p.stats().bytes_ignored > 0);
}

#[test]
fn upgrade_refused_before_the_request_body_ends() {
    let ev = vec![
        Ev::Data(
            ToServer,
            b"POST /u HTTP/1.1\r\nUpgrade: h2c\r\nContent-Length: 4\r\n\r\nab".to_vec(),
        ),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        Ev::Data(ToServer, b"cdGET /next HTTP/1.1\r\n\r\n".to_vec()),
        Ev::Data(ToClient, b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].request().unwrap().body(), b"abcd");
    assert_eq!((uri(&txs[1]), status(&txs[1])), (&b"/next"[..], Some(204)));
}

#[test]
fn gap_inside_bodies_is_stepped_over() {
    let ev = vec![
        Ev::Data(
            ToServer,
            b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n".to_vec(),
        ),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123".to_vec(),
        ),
        Ev::Gap(ToClient, 4),
        Ev::Data(
            ToClient,
            b"89HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nab".to_vec(),
        ),
        Ev::Gap(ToClient, 5),
        Ev::Data(
            ToClient,
            b"h\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n".to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 3);
    let r0 = txs[0].response().unwrap();
    assert_eq!((r0.body(), r0.body_len()), (&b"012389"[..], 10));
    assert!(txs[0].flags().contains(TxFlags::RESPONSE_BODY_GAP));
    let r1 = txs[1].response().unwrap();
    assert_eq!(
        (r1.body(), r1.body_len(), r1.is_complete()),
        (&b"abh"[..], 8, true)
    );
    assert_eq!(status(&txs[2]), Some(204));
}

#[test]
fn gap_that_loses_the_boundary_resyncs_on_the_next_message() {
    // The start of the first response is lost: what follows is kept as its body so the next
    // response still pairs with the second request (the Zeek "1000 requests" capture).
    let ev = vec![
        Ev::Data(
            ToServer,
            b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n".to_vec(),
        ),
        Ev::Gap(ToClient, 238),
        Ev::Data(ToClient, b"<html>\n</html>\n".to_vec()),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert!(txs[0].flags().contains(TxFlags::RESPONSE_HEAD_LOST));
    assert_eq!(txs[0].response().unwrap().body(), b"<html>\n</html>\n");
    assert_eq!(status(&txs[1]), Some(200));

    // Whole messages lost, then empty lines: no placeholder, pairing unchanged.
    let ev = vec![
        Ev::Data(ToServer, b"GET /1 HTTP/1.1\r\n\r\n".to_vec()),
        Ev::Gap(ToClient, 40),
        Ev::Data(ToServer, b"GET /2 HTTP/1.1\r\n\r\n".to_vec()),
        Ev::Data(
            ToClient,
            b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert_eq!(status(&txs[0]), Some(200));
    assert!(txs[1].response().is_none());

    // A gap inside request headers: that request is kept truncated, the next one is found.
    let ev = vec![
        Ev::Data(ToServer, b"GET /1 HTTP/1.1\r\nHost: a\r\nUser-Ag".to_vec()),
        Ev::Gap(ToServer, 100),
        Ev::Data(ToServer, b"ent tail\r\n\r\nGET /2 HTTP/1.1\r\n\r\n".to_vec()),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert!(txs[0].flags().contains(TxFlags::REQUEST_TRUNCATED));
    assert_eq!(txs[0].request().unwrap().host(), Some(&b"a"[..]));
    assert_eq!(uri(&txs[1]), b"/2");
    assert_eq!(status(&txs[1]), Some(200));

    // Nothing recognisable after the gap: the direction stays blind, without growth.
    let mut p = HttpParser::default();
    p.feed(ToServer, b"GET / HTTP/1.1\r\n\r\n");
    p.gap(ToClient, 10);
    for _ in 0..1000 {
        p.feed(ToClient, &[0xaa; 1000]);
    }
    assert!(p.heap_bytes() < 64 * 1024);
}

#[test]
fn head_limits_stop_the_direction() {
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 70 * 1024));
    let mut p = HttpParser::default();
    for c in big.chunks(1000) {
        p.feed(ToServer, c);
    }
    assert_eq!(p.stats().header_limit_errors, 1);
    p.finish();
    let txs = drain(&mut p);
    assert!(txs[0].flags().contains(TxFlags::REQUEST_HEADER_LIMIT));
    assert!(p.heap_bytes() < 200 * 1024);

    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..250 {
        many.extend_from_slice(format!("H{i}: v\r\n").as_bytes());
    }
    let mut p = HttpParser::default();
    p.feed(ToServer, &many);
    p.finish();
    let txs = drain(&mut p);
    assert!(txs[0].flags().contains(TxFlags::REQUEST_HEADER_LIMIT));
    assert_eq!(txs[0].request().unwrap().headers().count(), 200);
}

#[test]
fn bodies_keep_a_bounded_prefix() {
    let mut req = b"POST /bulk HTTP/1.1\r\nContent-Length: 10000\r\n\r\n".to_vec();
    req.extend(std::iter::repeat_n(b'A', 10000));
    let txs = run_chunks(&exchange(
        &req,
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    ));
    let r = txs[0].request().unwrap();
    assert_eq!((r.body().len(), r.body_len()), (4096, 10000));

    let cfg = HttpConfig {
        request_body_limit: 10,
        ..HttpConfig::default()
    };
    let mut p = HttpParser::new(cfg);
    p.feed(ToServer, &req);
    assert_eq!(
        p.next_request().unwrap().request().unwrap().body(),
        b"AAAAAAAAAA"
    );
}

#[test]
fn too_many_transactions_in_flight_keep_pairing() {
    let cfg = HttpConfig {
        max_txs: 8,
        ..HttpConfig::default()
    };
    let mut p = HttpParser::new(cfg);
    for i in 0..20 {
        p.feed(ToServer, format!("GET /{i} HTTP/1.1\r\n\r\n").as_bytes());
    }
    assert_eq!(p.stats().txs_evicted, 12);
    for i in 0..20 {
        p.feed(
            ToClient,
            format!("HTTP/1.1 200 OK\r\nX-For: /{i}\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        );
    }
    let txs = drain(&mut p);
    assert_eq!(txs.len(), 8);
    for tx in &txs {
        assert_eq!(Some(uri(tx)), tx.response().unwrap().header(b"x-for"));
    }
}

#[test]
fn close_finishes_close_delimited_and_truncated_messages() {
    let mut p = HttpParser::default();
    p.feed(
        ToServer,
        b"GET /a HTTP/1.0\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
    );
    p.feed(ToClient, b"HTTP/1.0 200 OK\r\n\r\nuntil close");
    assert!(p.next_complete().is_none());
    p.close(ToClient);
    let txs = drain(&mut p);
    assert_eq!(txs.len(), 1, "the POST is still being sent");
    assert!(txs[0].response().unwrap().is_complete());
    assert_eq!(txs[0].response().unwrap().wire_len(), 11);
    p.close(ToServer);
    let txs = drain(&mut p);
    assert_eq!(txs.len(), 1);
    assert!(txs[0].flags().contains(TxFlags::REQUEST_TRUNCATED));
    assert!(txs[0].response().is_none());
    assert_eq!(eve_of(&txs[0])["length"], 0);
}

#[test]
fn http09_requests() {
    // Settled by the response starting: raw response until close.
    let ev = vec![
        Ev::Data(ToServer, b"GET /09\r\n".to_vec()),
        Ev::Data(ToClient, b"raw 0.9 body".to_vec()),
    ];
    let txs = run_chunks(&ev);
    assert!(txs[0].flags().contains(TxFlags::HTTP09));
    assert_eq!(
        eve_of(&txs[0]),
        serde_json::json!({"http_port":0,"url":"/09","http_method":"GET","length":12})
    );
    // Followed by another request line: two requests.
    let ev = vec![Ev::Data(
        ToServer,
        b"GET /a\r\nGET /b HTTP/1.1\r\n\r\n".to_vec(),
    )];
    let txs = run_chunks(&ev);
    assert_eq!(txs.len(), 2);
    assert_eq!(uri(&txs[1]), b"/b");
}

/// Every detection buffer of one transaction (semantics checked on Suricata 7.0.10).
#[test]
fn detection_buffers() {
    let req = b"POST http://Portal.Example:8080/a/./b/../c%2Fd?q=%27%20OR%201=1 HTTP/1.1\r\n\
Host: ignored.example\r\nUser-Agent: sqlmap/1.7\r\nCookie: s=1\r\nCookie: t=2\r\n\
Content-Type: application/x-www-form-urlencoded\r\nX-Folded: a\r\n b\r\nContent-Length: 3\r\n\r\nq=1";
    let resp = b"HTTP/1.1 500 Internal Error\r\nContent-Type: text/html\r\nSet-Cookie: k=v\r\n\
Transfer-Encoding: chunked\r\n\r\n4\r\nerr!\r\n0\r\n\r\n";
    let txs = run_chunks(&exchange(req, resp));
    let tx = &txs[0];
    use HttpBuffer::*;
    let b = |k| {
        tx.buffer(k)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(b(Uri), s("/a/c/d?q=' OR 1=1"));
    assert_eq!(
        b(UriRaw),
        s("http://Portal.Example:8080/a/./b/../c%2Fd?q=%27%20OR%201=1")
    );
    assert_eq!(b(Host), s("portal.example"));
    assert_eq!(b(HostRaw), s("portal.example"));
    assert_eq!(b(Method), s("POST"));
    assert_eq!(b(Protocol), s("HTTP/1.1"));
    assert_eq!(
        b(RequestLine),
        s("POST http://Portal.Example:8080/a/./b/../c%2Fd?q=%27%20OR%201=1 HTTP/1.1")
    );
    assert_eq!(b(UserAgent), s("sqlmap/1.7"));
    assert_eq!(
        b(RequestHeaders),
        s("Host: ignored.example\r\nUser-Agent: sqlmap/1.7\r\n\
Content-Type: application/x-www-form-urlencoded\r\nX-Folded: a b\r\nContent-Length: 3\r\n")
    );
    assert_eq!(b(Cookie), s("s=1, t=2"));
    assert_eq!(
        b(RequestContentType),
        s("application/x-www-form-urlencoded")
    );
    assert_eq!(b(RequestBody), s("q=1"));
    assert_eq!(b(StatCode), s("500"));
    assert_eq!(b(StatMsg), s("Internal Error"));
    assert_eq!(b(ResponseLine), s("HTTP/1.1 500 Internal Error"));
    assert_eq!(
        b(ResponseHeaders),
        s("Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n")
    );
    assert_eq!(b(SetCookie), s("k=v"));
    assert_eq!(b(ResponseContentType), s("text/html"));
    assert_eq!(b(ResponseBody), s("err!"));
    assert_eq!(tx.request().unwrap().port(), Some(8080));
    assert_eq!(
        HttpBuffer::for_keyword("http.header"),
        &[RequestHeaders, ResponseHeaders]
    );
    assert_eq!(HttpBuffer::for_keyword("file.data"), &[ResponseBody]);
    assert!(HttpBuffer::for_keyword("tls.sni").is_empty());
}

/// The buffers added for ET Open: header names, start, raw headers and single header values.
#[test]
fn header_name_start_raw_and_value_buffers() {
    let req = b"GET /x HTTP/1.1\r\nHost: a.example\r\nUser-Agent:  two spaces\r\n\
Referer: http://r.example/\r\nAccept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\n\
Connection: close\r\nX-Folded: a\r\n b\r\n\r\n";
    let resp = b"HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: /y\r\nContent-Length: 0\r\n\r\n";
    let txs = run_chunks(&exchange(req, resp));
    let tx = &txs[0];
    use HttpBuffer::*;
    let b = |k| {
        tx.buffer(k)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        b(RequestHeaderNames),
        s("\r\nHost\r\nUser-Agent\r\nReferer\r\nAccept\r\nAccept-Encoding\r\nAccept-Language\r\nConnection\r\nX-Folded\r\n\r\n")
    );
    assert_eq!(
        b(ResponseHeaderNames),
        s("\r\nServer\r\nLocation\r\nContent-Length\r\n\r\n")
    );
    assert_eq!(
        b(ResponseStart),
        s("HTTP/1.1 302 Found\r\nServer: nginx\r\nLocation: /y\r\nContent-Length: 0\r\n\r\n")
    );
    assert!(b(RequestStart)
        .unwrap()
        .starts_with("GET /x HTTP/1.1\r\nHost: a.example\r\nUser-Agent: two spaces\r\n"));
    // Raw headers keep the spacing the normalized buffers trim.
    assert_eq!(
        b(RequestHeaderRaw),
        s(
            "Host: a.example\r\nUser-Agent:  two spaces\r\nReferer: http://r.example/\r\n\
Accept: */*\r\nAccept-Encoding: gzip\r\nAccept-Language: en\r\nConnection: close\r\n\
X-Folded: a b\r\n\r\n"
        )
    );
    assert_eq!(b(Referer), s("http://r.example/"));
    assert_eq!(b(Accept), s("*/*"));
    assert_eq!(b(AcceptEnc), s("gzip"));
    assert_eq!(b(AcceptLang), s("en"));
    assert_eq!(b(RequestConnection), s("close"));
    assert_eq!(b(ResponseConnection), None);
    assert_eq!(b(ResponseContentLen), s("0"));
    assert_eq!(b(RequestContentLen), None);
    assert_eq!(b(Server), s("nginx"));
    assert_eq!(b(Location), s("/y"));
}

#[test]
fn eve_for_unmatched_response_and_host_port() {
    let ev = vec![
        Ev::Data(ToServer, b"GET / HTTP/1.1\r\nHost: Example.COM:8443\r\n\r\n".to_vec()),
        Ev::Data(
            ToClient,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Range: bytes 0-9/10\r\nContent-Length: 0\r\n\r\n"
                .to_vec(),
        ),
    ];
    let txs = run_chunks(&ev);
    // As Suricata: the hostname keeps its case when a port follows; `http.host` does not.
    assert_eq!(
        eve_of(&txs[0]),
        serde_json::json!({"hostname":"Example.COM","http_port":8443,"url":"/",
            "http_content_type":"text/html","http_method":"GET","protocol":"HTTP/1.1",
            "status":200,"length":0})
    );
    assert_eq!(txs[0].buffer(HttpBuffer::Host), Some(&b"example.com"[..]));
    assert_eq!(
        eve_of(&txs[1]),
        serde_json::json!({"http_port":0,"url":"/libhtp::request_uri_not_seen",
            "content_range":{"raw":"bytes 0-9/10","start":0,"end":9,"size":10},
            "status":302,"redirect":"/x","length":0})
    );
    // Key order as Suricata writes it.
    let mut out = Vec::new();
    crate::app::http::write_eve_http(&txs[1], &mut out);
    assert!(out.starts_with(b"\"http\":{\"http_port\":0,\"url\""));
}

/// `s` gzipped (a fixed member, as a server would send it).
fn gzipped(s: &[u8]) -> Vec<u8> {
    let mut v = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    v.extend(miniz_oxide::deflate::compress_to_vec(s, 6));
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(&(s.len() as u32).to_le_bytes());
    v
}

#[test]
fn compressed_bodies_are_inflated_for_inspection() {
    let plain = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let z = gzipped(plain);
    // Chunked, the compressed stream cut across chunks.
    let mut resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=x\r\n\
Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for part in z.chunks(7) {
        resp.extend(format!("{:x}\r\n", part.len()).as_bytes());
        resp.extend_from_slice(part);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\n\r\n");
    let mut req =
        b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Encoding: deflate\r\nContent-Length: ".to_vec();
    let zreq = miniz_oxide::deflate::compress_to_vec_zlib(b"name=value", 6);
    req.extend(format!("{}\r\n\r\n", zreq.len()).as_bytes());
    req.extend_from_slice(&zreq);
    let ev = exchange(&req, &resp);
    let whole = feed_split(&ev, Split::Whole);
    for split in [Split::Bytes, Split::Random(7), Split::Random(99)] {
        assert_eq!(feed_split(&ev, split), whole);
    }
    let tx = &whole[0];
    assert_eq!(tx.buffer(HttpBuffer::ResponseBody), Some(&plain[..]));
    assert_eq!(tx.buffer(HttpBuffer::RequestBody), Some(&b"name=value"[..]));
    let r = tx.response().unwrap();
    // Lengths stay those of the body as sent; EVE is unchanged (`length` on the wire).
    assert_eq!(r.body_len(), z.len() as u64);
    let eve = eve_of(tx);
    assert_eq!(eve["length"], r.wire_len());
    assert_eq!(eve["http_content_type"], "text/plain");

    let mut p = HttpParser::default();
    for e in &ev {
        if let Ev::Data(d, b) = e {
            p.feed(*d, b);
        }
    }
    assert_eq!(p.stats().bodies_decompressed, 2);
    assert_eq!(p.stats().decompress_errors, 0);
    // The decoders were freed with their bodies.
    assert!(p.heap_bytes() < 16 * 1024, "{}", p.heap_bytes());
}

#[test]
fn compressed_body_limits_and_errors() {
    // Inflated output is cut at the body limit; the wire length is still all of it.
    let big = vec![b'A'; 100_000];
    let z = gzipped(&big);
    let mut resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        z.len()
    )
    .into_bytes();
    resp.extend_from_slice(&z);
    let txs = run_chunks(&exchange(b"GET / HTTP/1.1\r\n\r\n", &resp));
    let r = txs[0].response().unwrap();
    assert_eq!(r.body(), &big[..4096]);
    assert_eq!(r.wire_len(), z.len() as u64);

    // Labelled gzip but plain: kept as sent, counted as an error.
    let mut p = HttpParser::default();
    p.feed(ToServer, b"GET / HTTP/1.1\r\n\r\n");
    p.feed(
        ToClient,
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
    );
    let tx = p.next_complete().unwrap();
    assert_eq!(tx.response().unwrap().body(), b"hello");
    assert_eq!(
        (p.stats().bodies_decompressed, p.stats().decompress_errors),
        (0, 1)
    );

    // Unknown codings and the layer limit (0: none besides the decoder's own).
    let twice = gzipped(&gzipped(b"inner"));
    for (ce, limit, want) in [
        ("br", 2, twice.clone()),
        ("gzip, gzip", 1, gzipped(b"inner")),
        ("gzip, gzip", 2, b"inner".to_vec()),
        ("identity, gzip, gzip", 2, gzipped(b"inner")),
        ("identity, gzip, gzip", 0, b"inner".to_vec()),
    ] {
        let cfg = HttpConfig {
            decompress_layer_limit: limit,
            ..HttpConfig::default()
        };
        let mut p = HttpParser::new(cfg);
        p.feed(ToServer, b"GET / HTTP/1.1\r\n\r\n");
        let mut resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: {ce}\r\nContent-Length: {}\r\n\r\n",
            twice.len()
        )
        .into_bytes();
        resp.extend_from_slice(&twice);
        p.feed(ToClient, &resp);
        let tx = p.next_complete().unwrap();
        assert_eq!(
            tx.response().unwrap().body(),
            &want[..],
            "{ce} limit {limit}"
        );
    }
}

/// http-evader's odd response heads, read as libhtp reads them (each checked against
/// Suricata 7.0.10 by the suricata-verify http-evader cases): the body is found, de-chunked or
/// inflated, however the input is split.
#[test]
fn evader_heads_are_read_as_libhtp_does() {
    let eicar: &[u8] = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    let chunked: Vec<u8> = {
        let mut v = Vec::new();
        for part in eicar.chunks(4) {
            v.extend(format!("{:x}\r\n", part.len()).as_bytes());
            v.extend_from_slice(part);
            v.extend_from_slice(b"\r\n");
        }
        v.extend_from_slice(b"0\r\n\r\n");
        v
    };
    let z = gzipped(eicar);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // Junk lines before the status line.
        ("junk", [&b" \r\nHTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n"[..], &chunked].concat()),
        ("sip", [&b"SIP/2.0 200 ok\r\nHTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n"[..], &chunked].concat()),
        // Lone CR line ends, in the status line and the headers.
        ("cr", [&b"HTTP/1.1 200 ok\rConnection: close\rTransfer-Encoding: chunked\rX: y\r\n\n"[..], &chunked].concat()),
        // A line of CRs does not end the head.
        ("crcr", [&b"HTTP/1.1 200 ok\r\nConnection: close\r\n\r\r\nTransfer-Encoding: chunked\r\n\r\n"[..], &chunked].concat()),
        // NUL and controls in header names.
        ("nul", [&b"HTTP/1.1 200 ok\r\nTransfer\x00-Encoding:chunked\r\n\r\n"[..], &chunked].concat()),
        ("vt", [&b"HTTP/1.1 200 ok\r\nTransfer-Encoding\x0b:chu\x00nked\r\n\r\n"[..], &chunked].concat()),
        ("ce", [format!("HTTP/1.1 200 ok\r\nContent\x00-Encoding:gzip\r\nContent-length: {}\r\n\r\n", z.len()).as_bytes(), &z].concat()),
        // A space-only line followed by body bytes ends the head.
        ("ws", [format!("HTTP/1.1 200 ok\r\nContent-Encoding: gzip\r\nContent-length: {}\n \n", z.len()).as_bytes(), &z].concat()),
        // A 101 with a Content-Length is no switch.
        ("101", [format!("HTTP/1.1 101 ok\r\nContent-length: {}\r\n\r\n", eicar.len()).as_bytes(), eicar].concat()),
        // "Chunked" but not: the body is read raw, its first bytes kept.
        ("notchunked", [&b"HTTP/1.0 200 ok\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"[..], eicar].concat()),
    ];
    for (name, resp) in cases {
        let ev = exchange(b"GET /eicar.txt HTTP/1.1\r\nHost: e\r\n\r\n", &resp);
        let whole = feed_split(&ev, Split::Whole);
        for split in [Split::Bytes, Split::Random(3), Split::Random(11)] {
            assert_eq!(feed_split(&ev, split), whole, "{name}");
        }
        let body = whole[0]
            .buffer(HttpBuffer::ResponseBody)
            .unwrap_or_default();
        assert_eq!(body, eicar, "{name}: {}", String::from_utf8_lossy(body));
    }
}
