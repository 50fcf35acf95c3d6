//! The detection path allocates nothing per packet once warm (the architecture's invariant):
//! a counting global allocator watches `Engine::inspect` on packets, stream chunks and DNS
//! messages of flows already seen, with the shipped packs and a synthetic rule set that
//! exercises every prefilter path (fast patterns per buffer and group, rules without one,
//! IP-only tables by source and destination, flowbits, thresholds, stream carry-over, pcre).
//! With `SENSOR_TEST_ET=1` and ET Open in `../shared/corpus/`, ET Open is loaded too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::IpAddr;
use std::path::PathBuf;

use sensor::app::dns::DnsMessage;
use sensor::decode::{Decoded, TcpHeader, UdpHeader, L4};
use sensor::detect::engine::{Engine, EngineConfig, FlowDetect, FlowFacts, Subject};
use sensor::detect::load::SHIPPED_RULES;
use sensor::detect::rule::{Classifications, Vars};
use sensor::time::Timestamp;

struct Counting;

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    let _ = ON.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(p, l, n) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    ON.with(|on| on.set(true));
    f();
    ON.with(|on| on.set(false));
    COUNT.with(|c| c.get())
}

fn synthetic_rules() -> String {
    let mut s = String::new();
    let ports = [
        "any",
        "80",
        "443",
        "53",
        "[8080,8443]",
        "$HTTP_PORTS",
        "1024:",
    ];
    for i in 0..300u32 {
        let port = ports[i as usize % ports.len()];
        let sid = 7_000_000 + i;
        let rule = match i % 10 {
            0 => format!(
                "alert tcp any any -> any {port} (msg:\"s\"; flow:established,to_server; content:\"GET /p{i}\"; content:\"Host|3a|\"; distance:0; sid:{sid};)"
            ),
            1 => format!(
                "alert udp any any -> any {port} (msg:\"s\"; content:\"|00 01|q{i}\"; nocase; dsize:>10; sid:{sid};)"
            ),
            2 => format!(
                "alert tcp any {port} -> any any (msg:\"s\"; flow:to_client; content:\"HTTP/1.1 {i}\"; pcre:\"/^HTTP\\/1\\.1 \\d+/\"; sid:{sid};)"
            ),
            3 => format!(
                "alert ip [198.51.100.{},203.0.113.0/24] any -> $HOME_NET any (msg:\"s\"; threshold:type limit, track by_src, seconds 60, count 1; sid:{sid};)",
                i % 250
            ),
            4 => format!(
                "alert ip $HOME_NET any -> [192.0.2.{}] any (msg:\"s\"; sid:{sid};)",
                i % 250
            ),
            5 => format!(
                "alert dns any any -> any any (msg:\"s\"; dns.query; content:\"evil{i}.example\"; nocase; sid:{sid};)"
            ),
            6 => format!(
                "alert tcp any any -> any {port} (msg:\"s\"; flow:established; flags:PA; dsize:<2000; sid:{sid};)"
            ),
            7 => format!(
                "alert tcp any any -> any any (msg:\"s\"; flow:established,to_server; content:\"x{i}\"; flowbits:set,b{i}; flowbits:noalert; sid:{sid};)"
            ),
            8 => format!(
                "alert tcp any any -> any any (msg:\"s\"; flow:established,to_client; content:\"y{i}\"; flowbits:isset,b{}; sid:{sid};)",
                i - 1
            ),
            _ => format!(
                "alert tcp-stream any any -> any {port} (msg:\"s\"; content:\"User-Agent|3a| bot{i}\"; nocase; content:\"|0d 0a|\"; distance:0; sid:{sid};)"
            ),
        };
        s.push_str(&rule);
        s.push('\n');
    }
    // Rules that match the traffic below, so verification and alerting run too.
    s.push_str("alert tcp any any -> any 80 (msg:\"hit\"; flow:established,to_server; content:\"GET /index.html\"; content:\"Host|3a| \"; distance:0; sid:7100000;)\n");
    s.push_str(
        "alert udp any any -> any 53 (msg:\"hit\"; content:\"|07|example\"; sid:7100001;)\n",
    );
    s.push_str("alert dns any any -> any any (msg:\"hit\"; dns.query; content:\"example.com\"; nocase; sid:7100002;)\n");
    s.push_str("alert tcp any any -> any any (msg:\"hit\"; flow:established; content:\"|16 03|\"; depth:2; sid:7100003;)\n");
    s
}

fn sources() -> Vec<(PathBuf, String)> {
    let mut v: Vec<(PathBuf, String)> = SHIPPED_RULES
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
    v.push((PathBuf::from("synthetic.rules"), synthetic_rules()));
    if std::env::var_os("SENSOR_TEST_ET").is_some() {
        let et = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/corpus/et-open/et-open.rules");
        if let Ok(t) = std::fs::read_to_string(&et) {
            v.push((et, t));
        }
    }
    v
}

fn dns_query(name: &str) -> Vec<u8> {
    let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]);
    q
}

/// Deterministic "encrypted-looking" bytes.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn inspecting_packets_streams_and_messages_allocates_nothing_once_warm() {
    // The counter sees allocations at all.
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![0u8; 16]))), 1);
    let (engine, report) = Engine::build(
        &sources(),
        &Vars::default(),
        &Classifications::builtin(),
        EngineConfig::default(),
    );
    assert!(report.loaded > 300, "{:?}", report.errors.first());
    let mut ctx = engine.context();

    let client: IpAddr = "10.1.2.3".parse().unwrap();
    let server: IpAddr = "203.0.113.7".parse().unwrap();
    let http = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n".to_vec();
    let response = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".to_vec();
    let tls = [b"\x16\x03\x01\x02\x00".to_vec(), noise(1200, 7)].concat();
    let query = dns_query("www.example.com");
    let tcp = |to_server: bool| {
        let (sp, dp) = if to_server { (40000, 80) } else { (80, 40000) };
        L4::Tcp(TcpHeader {
            src_port: sp,
            dst_port: dp,
            flags: 0x18,
            ..Default::default()
        })
    };
    let packet = |to_server: bool, l4: L4, proto: u8| Decoded {
        src: if to_server { client } else { server },
        dst: if to_server { server } else { client },
        ip_proto: proto,
        ttl: 64,
        l4,
        ..Default::default()
    };
    let to_server_tcp = packet(true, tcp(true), 6);
    let to_client_tcp = packet(false, tcp(false), 6);
    let udp53 = packet(
        true,
        L4::Udp(UdpHeader {
            src_port: 5353,
            dst_port: 53,
            length: 8,
        }),
        17,
    );
    let tcp_facts = FlowFacts {
        client: (client, 40000),
        server: (server, 80),
        proto: 6,
        established: true,
        midstream_established: false,
        app: Some(sensor::app::AppProto::Http),
        tcp_base_seq: [None; 2],
        age: Some(0),
    };
    let udp_facts = FlowFacts {
        client: (client, 5353),
        server: (server, 53),
        proto: 17,
        established: true,
        midstream_established: false,
        app: Some(sensor::app::AppProto::Dns),
        tcp_base_seq: [None; 2],
        age: Some(0),
    };
    let mut msg = DnsMessage::new();
    msg.parse(&query).expect("a DNS query");

    let mut tcp_flow = FlowDetect::default();
    let mut udp_flow = FlowDetect::default();
    let mut alerts = 0u64;
    let mut offset = 0u64;
    let mut window = Vec::with_capacity(8192);
    let mut round = |tcp_flow: &mut FlowDetect, udp_flow: &mut FlowDetect, alerts: &mut u64| {
        let mut alert = |_: u32, _: bool| *alerts += 1;
        for (d, payload, dir) in [
            (&to_server_tcp, &http[..], 0usize),
            (&to_client_tcp, &response[..], 1),
            (&to_server_tcp, &tls[..], 0),
        ] {
            let s = Subject::Packet {
                frame: &[],
                events: Default::default(),
                decoded: d,
                payload,
                dir,
            };
            ctx.begin_packet(); // as the session does for every packet (packet-alert-max)
            engine.inspect(
                &mut ctx,
                &s,
                &tcp_facts,
                tcp_flow,
                Timestamp::ZERO,
                &mut alert,
            );
            // The same bytes as a stream chunk after a kept tail (as the app layer passes them).
            let seen = window.len().min(64);
            let keep = window.len() - seen;
            window.drain(..keep);
            window.extend_from_slice(payload);
            offset += keep as u64;
            let s = Subject::Stream {
                data: &window,
                dir,
                seen,
                offset,
                lone: false,
            };
            ctx.begin_packet(); // as the session does for every packet (packet-alert-max)
            engine.inspect(
                &mut ctx,
                &s,
                &tcp_facts,
                tcp_flow,
                Timestamp::ZERO,
                &mut alert,
            );
        }
        let s = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &udp53,
            payload: &query,
            dir: 0,
        };
        ctx.begin_packet(); // as the session does for every packet (packet-alert-max)
        engine.inspect(
            &mut ctx,
            &s,
            &udp_facts,
            udp_flow,
            Timestamp::ZERO,
            &mut alert,
        );
        let s = Subject::Dns {
            msg: &msg,
            dir: 0,
            malformed: false,
        };
        ctx.begin_packet(); // as the session does for every packet (packet-alert-max)
        engine.inspect(
            &mut ctx,
            &s,
            &udp_facts,
            udp_flow,
            Timestamp::ZERO,
            &mut alert,
        );
    };
    // Warm: per-flow state (flowbits, carried stream candidates) and scratch reach their size.
    for _ in 0..50 {
        round(&mut tcp_flow, &mut udp_flow, &mut alerts);
    }
    let warm_alerts = alerts;
    assert!(warm_alerts > 0, "the traffic matches some rules");
    let n = allocations(|| {
        for _ in 0..500 {
            round(&mut tcp_flow, &mut udp_flow, &mut alerts);
        }
    });
    assert!(alerts > warm_alerts, "alerts go on while measured");
    assert_eq!(n, 0, "allocations on the per-packet detection path");
}
