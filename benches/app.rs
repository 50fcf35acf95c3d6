//! Application-layer parser costs: a TLS ClientHello (with JA3 and JA4), a whole TLS 1.2
//! handshake, and feeding encrypted payload after the handshake (which must cost nothing);
//! an HTTP exchange; a DCE/RPC call.
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sensor::app::dns::{write_eve_dns, DnsMessage};
use sensor::app::http::{write_eve_http, HttpParser};
use sensor::app::tls::TlsParser;
use sensor::app::Direction::{ToClient, ToServer};

const CHROME_HELLO: &[u8] =
    include_bytes!("../sensor/src/app/tls/testdata/chrome-1250-tls-x25519-kyber.0.c2s.bin");
const TLS12_C2S: &[u8] = include_bytes!("../sensor/src/app/tls/testdata/tls1.2.0.c2s.bin");
const TLS12_S2C: &[u8] = include_bytes!("../sensor/src/app/tls/testdata/tls1.2.0.s2c.bin");

fn tls(c: &mut Criterion) {
    let mut g = c.benchmark_group("tls");
    g.throughput(Throughput::Elements(1));
    g.bench_function("client_hello_chrome_ja3_ja4", |b| {
        b.iter(|| {
            let mut p = TlsParser::new();
            p.feed(ToServer, black_box(CHROME_HELLO));
            black_box(p.record().ja4.clone())
        })
    });
    g.bench_function("handshake_tls12_with_certificate", |b| {
        b.iter(|| {
            let mut p = TlsParser::new();
            p.feed(ToServer, black_box(TLS12_C2S));
            p.feed(ToClient, black_box(TLS12_S2C));
            black_box(p.is_done())
        })
    });
    let mut done = TlsParser::new();
    done.feed(ToServer, TLS12_C2S);
    done.feed(ToClient, TLS12_S2C);
    assert!(done.is_done());
    let payload = vec![0x17u8; 1460];
    g.throughput(Throughput::Bytes(payload.len() as u64));
    g.bench_function("feed_after_handshake_1460_bytes", |b| {
        b.iter(|| done.feed(ToClient, black_box(&payload)))
    });
    g.finish();
}

/// wikipedia.pcap frame 21 (Zeek traces): a response with CNAME, A, NS authorities and glue.
const DNS_RESPONSE_HEX: &str = concat!(
    "65f0818000010002000300030675706c6f61640977696b696d65646961036f72670000010001c00c000500010000007c",
    "000f0675706c6f616405706d747061c013c032000100010000086c0004d0509803c013000200010000c0480006036e73",
    "31c013c013000200010000c0480006036e7332c013c013000200010000c0480006036e7330c013c08100010001000008",
    "5d0004d0509882c05d000100010000085d0004d050988ec06f000100010000085d00045bc6ae04",
);

fn dns(c: &mut Criterion) {
    let msg: Vec<u8> = (0..DNS_RESPONSE_HEX.len() / 2)
        .map(|i| u8::from_str_radix(&DNS_RESPONSE_HEX[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut g = c.benchmark_group("dns");
    g.throughput(Throughput::Elements(1));
    let mut m = DnsMessage::new();
    g.bench_function("parse_response_8_records", |b| {
        b.iter(|| m.parse(black_box(&msg)).is_ok())
    });
    m.parse(&msg).unwrap();
    let mut out = Vec::with_capacity(4096);
    g.bench_function("eve_response", |b| {
        b.iter(|| {
            out.clear();
            write_eve_dns(black_box(&m), 0, &mut out)
        })
    });
    g.finish();
}

const HTTP_REQUEST: &[u8] = b"GET /voter/lookup.php?last=SMITH&dob=1970-01-01&county=12 HTTP/1.1\r\n\
Host: vote.example.gov\r\n\
User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Referer: https://vote.example.gov/voter/\r\n\
Cookie: PHPSESSID=0123456789abcdef0123456789abcdef; consent=1\r\n\
Connection: keep-alive\r\n\r\n";

fn http(c: &mut Criterion) {
    let body = vec![b'x'; 2048];
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nServer: Apache\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    let mut g = c.benchmark_group("http");
    g.throughput(Throughput::Elements(1));
    let mut p = HttpParser::default();
    let mut out = Vec::with_capacity(4096);
    g.bench_function("keep_alive_exchange_with_eve", |b| {
        b.iter(|| {
            p.feed(ToServer, black_box(HTTP_REQUEST));
            p.feed(ToClient, black_box(&response));
            while let Some(tx) = p.next_complete() {
                out.clear();
                write_eve_http(&tx, &mut out);
            }
        })
    });
    g.finish();
}

/// A DCE/RPC PDU (little-endian) of type `ptype` with `body` after the header.
fn dce_pdu(ptype: u8, flags: u8, call_id: u32, body: &[u8]) -> Vec<u8> {
    let mut v = vec![5, 0, ptype, flags, 0x10, 0, 0, 0];
    v.extend_from_slice(&((16 + body.len()) as u16).to_le_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&call_id.to_le_bytes());
    v.extend_from_slice(body);
    v
}

fn dcerpc(c: &mut Criterion) {
    use sensor::app::dcerpc::DcerpcParser;
    use sensor::app::parser::AppParser;
    // One call: a request in two 1 KiB fragments (opnum 15), a 1 KiB response, its record.
    let mut req = vec![0u8; 8];
    req[6] = 15;
    req.extend_from_slice(&[0x41; 1024]);
    let (first, last) = (dce_pdu(0, 1, 9, &req), dce_pdu(0, 2, 9, &req));
    let mut resp = vec![0u8; 8];
    resp.extend_from_slice(&[0x42; 1024]);
    let resp = dce_pdu(2, 3, 9, &resp);
    let mut g = c.benchmark_group("dcerpc");
    g.throughput(Throughput::Elements(1));
    let mut p = DcerpcParser::new();
    let mut out = Vec::with_capacity(4096);
    g.bench_function("call_two_fragments_with_eve", |b| {
        b.iter(|| {
            p.feed(ToServer, black_box(&first));
            p.feed(ToServer, black_box(&last));
            p.feed(ToClient, black_box(&resp));
            p.drain(false, &mut |tx| {
                if let sensor::app::parser::Tx::Dcerpc { tx, log: true, .. } = tx {
                    out.clear();
                    tx.write_eve(&mut out);
                }
            });
        })
    });
    g.finish();
}

criterion_group!(benches, tls, dns, http, dcerpc);
criterion_main!(benches);
