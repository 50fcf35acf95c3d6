//! Parse cost of a typical exchange. Run with
//! `cargo test --release -p sensor --lib app::http::tests::bench -- --ignored --nocapture`.

use std::time::Instant;

use crate::app::http::{write_eve_http, HttpBuffer, HttpParser};
use crate::app::Direction::{ToClient, ToServer};

const REQUEST: &[u8] = b"GET /voter/lookup.php?last=SMITH&dob=1970-01-01&county=12 HTTP/1.1\r\n\
Host: vote.example.gov\r\n\
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://vote.example.gov/voter/\r\n\
Cookie: PHPSESSID=0123456789abcdef0123456789abcdef; consent=1\r\n\
Connection: keep-alive\r\n\r\n";

fn response() -> Vec<u8> {
    let body = vec![b'x'; 2048];
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nDate: Mon, 02 Nov 2026 10:00:00 GMT\r\nServer: Apache\r\n\
Content-Type: text/html; charset=UTF-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
Set-Cookie: lb=a1; Path=/\r\nKeep-Alive: timeout=5, max=100\r\nConnection: Keep-Alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(&body);
    r
}

fn run(label: &str, n: usize, mut step: impl FnMut()) {
    for _ in 0..n / 10 {
        step();
    }
    let t = Instant::now();
    for _ in 0..n {
        step();
    }
    let ns = t.elapsed().as_nanos() as f64 / n as f64;
    println!("{label}: {ns:.0} ns per exchange");
}

#[test]
#[ignore]
fn typical_exchange_cost() {
    let resp = response();
    let n = 200_000;
    let mut p = HttpParser::default();
    run("keep-alive, whole messages", n, || {
        p.feed(ToServer, REQUEST);
        p.feed(ToClient, &resp);
        while let Some(tx) = p.next_complete() {
            std::hint::black_box(&tx);
        }
    });
    let mut p = HttpParser::default();
    run("request + 204 (no body)", n, || {
        p.feed(ToServer, REQUEST);
        p.feed(ToClient, b"HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n");
        while let Some(tx) = p.next_complete() {
            std::hint::black_box(&tx);
        }
    });
    let mut p = HttpParser::default();
    run("keep-alive, 1460-byte segments", n, || {
        for c in REQUEST.chunks(1460) {
            p.feed(ToServer, c);
        }
        for c in resp.chunks(1460) {
            p.feed(ToClient, c);
        }
        while let Some(tx) = p.next_complete() {
            std::hint::black_box(&tx);
        }
    });
    let mut p = HttpParser::default();
    let mut out = Vec::with_capacity(1024);
    run("whole messages + all buffers + EVE", n, || {
        p.feed(ToServer, REQUEST);
        p.feed(ToClient, &resp);
        while let Some(tx) = p.next_complete() {
            for b in [
                HttpBuffer::Uri,
                HttpBuffer::Host,
                HttpBuffer::RequestHeaders,
            ] {
                std::hint::black_box(tx.buffer(b));
            }
            out.clear();
            write_eve_http(&tx, &mut out);
            std::hint::black_box(&out);
        }
    });
    run("new parser per flow", n / 4, || {
        let mut p = HttpParser::default();
        p.feed(ToServer, REQUEST);
        p.feed(ToClient, &resp);
        p.finish();
        std::hint::black_box(p.next_complete());
    });
}
