//! `sensor generate --scenario bench`: a large mixed capture streamed in constant memory.
//!
//! Flows start one after another at a steady rate; each is generated whole into the timeline,
//! and before the next one starts, every packet older than its start is written out. Memory
//! therefore holds only the flows in progress (a few thousand), whatever the output size.
//!
//! The mix follows an enterprise Internet edge: bulk HTTPS transfers carry most bytes, web
//! sessions most flows, then DNS, plain HTTP and UDP streams; the average frame is about
//! 870 bytes, about 1.1 million packets per GiB.

use std::io::{self, Write};

use super::flow::{Dir, TcpSession, UdpFlow, Wire};
use super::net::{self, Host, NS_PER_MS, NS_PER_US};
use super::pcap_writer::{Endian, PcapWriter, LINKTYPE_ETHERNET};
use super::protocols::dns::{self, Message};
use super::protocols::http::{self, Request};
use super::protocols::tls;
use super::rng::Rng;
use super::scenarios::common::*;

pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
}

const SITES: &[&str] = &[
    "www.news.example",
    "video.stream.example",
    "cdn.assets.example",
    "api.saas.example",
    "files.share.example",
    "updates.os-vendor.example",
    "mail.office-suite.example",
    "maps.example",
];

pub(crate) struct Hosts {
    pub(crate) clients: Vec<Host>,
    pub(crate) workstations: Vec<Host>,
    pub(crate) servers: Vec<Host>,
}

impl Hosts {
    fn new(rng: &mut Rng) -> Hosts {
        let mut clients: Vec<Host> = (0..1500).map(|_| internet_client(rng)).collect();
        clients.extend((0..150).map(|_| internet_client_v6(rng)));
        let workstations = (0..1000u32)
            .map(|i| {
                net::internal(
                    net::v4(10, 10, 3 + (i / 250) as u8, 2 + (i % 250) as u8),
                    if i % 5 == 0 {
                        net::Os::Linux
                    } else {
                        net::Os::Windows
                    },
                )
            })
            .collect();
        let servers = (0..600).map(|_| internet_server(rng)).collect();
        Hosts {
            clients,
            workstations,
            servers,
        }
    }
}

/// Generates `size` bytes (approximately: the flows in progress are completed) of capture.
pub fn generate<W: Write>(out: &mut W, seed: u64, size: u64) -> io::Result<Stats> {
    generate_mix(out, seed, size, false)
}

/// `generate`, or with `alerts` the `bench-alerts` mix: a few percent of the flows are ones
/// ET Open rules fire on (`bench_alerts`). Without `alerts` no draw differs from the plain
/// mix, so `bench` stays byte-identical for a seed.
pub fn generate_mix<W: Write>(
    out: &mut W,
    seed: u64,
    size: u64,
    alerts: bool,
) -> io::Result<Stats> {
    let mut ctx = Ctx::new(Rng::derive(seed, "bench"));
    let hosts = Hosts::new(&mut ctx.rng);
    // The alert flows draw from a stream of their own: adding them draws nothing from the
    // plain mix's stream when `alerts` is off.
    let mut extra = alerts.then(|| super::bench_alerts::Extra::new(seed));
    let mut sink = PcapWriter::new(out, Endian::Little, false, LINKTYPE_ETHERNET, 262_144)?;
    let mut t = net::START_NS;
    let mut flows = 0u64;
    while sink.bytes_written + ctx.tl.pending_bytes < size {
        let before = ctx.tl.pending_bytes;
        match extra.as_mut() {
            Some(x) => {
                if x.due() {
                    x.one_flow(&mut ctx, &hosts, t)
                } else {
                    one_flow(&mut ctx, &hosts, t)
                }
            }
            None => one_flow(&mut ctx, &hosts, t),
        }
        flows += 1;
        // Pace flow starts so the link carries about 1 Gb/s (8 ns a byte), with jitter.
        let bytes = ctx.tl.pending_bytes - before;
        t += bytes * ctx.rng.range(4, 12);
        ctx.tl.flush_before(t, &mut sink)?;
    }
    ctx.tl.finish(&mut sink)?;
    let bytes = sink.bytes_written;
    let packets = sink.packets;
    sink.into_inner().flush()?;
    Ok(Stats {
        packets,
        bytes,
        flows,
    })
}

fn one_flow(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    match ctx.rng.weighted(&[5, 30, 60, 8, 3, 16]) {
        0 => bulk(ctx, hosts, t),
        1 => web(ctx, hosts, t),
        2 => dns_query(ctx, hosts, t),
        3 => plain_http(ctx, hosts, t),
        4 => udp_stream(ctx, hosts, t),
        _ => portal(ctx, hosts, t),
    }
}

pub(crate) fn pick(rng: &mut Rng, v: &[Host]) -> Host {
    *rng.pick(v)
}

/// A large HTTPS download (sometimes an upload) by a workstation.
fn bulk(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = pick(&mut ctx.rng, &hosts.workstations);
    let server = pick(&mut ctx.rng, &hosts.servers);
    let sni = *ctx.rng.pick(SITES);
    let port = ctx.port(&ws);
    let rtt = ctx.rng.range(5, 40) * NS_PER_MS;
    let mut s = TcpSession::new(
        &mut ctx.rng,
        ws,
        port,
        server,
        443,
        Wire::between(&ws, &server),
        t,
        200 * NS_PER_US,
        rtt,
    );
    s.gap = ctx.rng.range(40, 250) * NS_PER_US;
    // Many stacks ACK every segment during bulk transfers (quick-ACK mode, Windows).
    s.ack_every = if ctx.rng.chance(35) { 1 } else { 2 };
    s.handshake(&mut ctx.tl);
    tls_handshake(ctx, &mut s, tls::Client::Chrome, sni);
    let big = ctx.rng.range(100_000, 1_500_000) as usize;
    let ex = if ctx.rng.chance(15) {
        (big, 400)
    } else {
        (ctx.rng.range(400, 900) as usize, big)
    };
    tls_exchanges(ctx, &mut s, &[ex], (0, 0));
    s.wait(&mut ctx.tl, 10 * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
}

/// A browsing session: a few small request/response pairs.
fn web(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = pick(&mut ctx.rng, &hosts.workstations);
    let server = pick(&mut ctx.rng, &hosts.servers);
    let sni = *ctx.rng.pick(SITES);
    let n = ctx.rng.range(1, 6) as usize;
    let exchanges: Vec<(usize, usize)> = (0..n)
        .map(|_| {
            (
                ctx.rng.range(300, 1400) as usize,
                ctx.rng.range(500, 30_000) as usize,
            )
        })
        .collect();
    let kind = *ctx.rng.pick(&[
        tls::Client::Chrome,
        tls::Client::Firefox,
        tls::Client::OpenSsl,
    ]);
    let port = ctx.port(&ws);
    let rtt = ctx.rng.range(5, 60) * NS_PER_MS;
    let mut s = TcpSession::new(
        &mut ctx.rng,
        ws,
        port,
        server,
        443,
        Wire::between(&ws, &server),
        t,
        200 * NS_PER_US,
        rtt,
    );
    s.gap = 30 * NS_PER_US;
    s.ack_every = if ctx.rng.chance(35) { 1 } else { 2 };
    s.handshake(&mut ctx.tl);
    tls_handshake(ctx, &mut s, kind, sni);
    tls_exchanges(ctx, &mut s, &exchanges, (20 * NS_PER_MS, 800 * NS_PER_MS));
    s.wait(&mut ctx.tl, 5 * NS_PER_MS);
    if ctx.rng.chance(50) {
        s.close(&mut ctx.tl, Dir::ToServer);
    } else {
        s.abort(&mut ctx.tl, Dir::ToServer);
    }
}

fn dns_query(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = pick(&mut ctx.rng, &hosts.workstations);
    let server = pick(&mut ctx.rng, &hosts.servers);
    let name = format!(
        "{}{}",
        ["www.", "api.", "img.", ""][ctx.rng.below(4) as usize],
        ctx.rng.pick(SITES)
    );
    let qtype = if ctx.rng.chance(25) {
        dns::TYPE_AAAA
    } else {
        dns::TYPE_A
    };
    let q = Message::query(ctx.rng.next_u32() as u16, &name, qtype);
    let r = q.answer(vec![a_record(&name, 300, server.ip)]);
    let resolver = net::resolver();
    dns_lookup(ctx, ws, resolver, Wire::between(&ws, &resolver), t, &q, &r);
}

fn plain_http(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = pick(&mut ctx.rng, &hosts.workstations);
    let server = pick(&mut ctx.rng, &hosts.servers);
    let host = *ctx.rng.pick(SITES);
    let n = ctx.rng.range(1, 4);
    let mut pairs = Vec::new();
    for i in 0..n {
        let path = format!("/static/{}/{i}.bin", ctx.rng.hex(8));
        let req = Request::get(&path, host, http::UA_CHROME).encode();
        let len = ctx.rng.range(1_000, 40_000) as usize;
        let body = ctx.rng.bytes(len);
        pairs.push((
            req,
            http::response(200, "OK", "application/octet-stream", &[], &body),
        ));
    }
    http_session(
        ctx,
        ws,
        server,
        80,
        t,
        200 * NS_PER_US,
        20 * NS_PER_MS,
        &pairs,
        (NS_PER_MS, 50 * NS_PER_MS),
    );
}

/// A QUIC-like UDP stream on port 443: mostly full-size datagrams one way.
fn udp_stream(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let ws = pick(&mut ctx.rng, &hosts.workstations);
    let server = pick(&mut ctx.rng, &hosts.servers);
    let port = ctx.port(&ws);
    let mut f = UdpFlow::new(
        &mut ctx.rng,
        ws,
        port,
        server,
        443,
        Wire::between(&ws, &server),
    );
    let mut at = t;
    let mut buf = vec![0u8; 1350];
    for i in 0..ctx.rng.range(20, 400) {
        let down = i % 8 != 0;
        let len = if down {
            1200 + ctx.rng.below(150) as usize
        } else {
            40 + ctx.rng.below(40) as usize
        };
        ctx.rng.fill(&mut buf[..len]);
        // A QUIC short header (fixed bit set), so dissectors see QUIC rather than noise.
        buf[0] = 0x40 | (buf[0] & 0x3f);
        f.send(&mut ctx.tl, !down, at, &buf[..len]);
        at += ctx.rng.range(50, 400) * NS_PER_US;
    }
}

/// A citizen on the portal (small HTTPS session from the Internet).
fn portal(ctx: &mut Ctx, hosts: &Hosts, t: u64) {
    let client = pick(&mut ctx.rng, &hosts.clients);
    let portal = if client.ip.is_ipv6() {
        net::portal_v6()
    } else {
        net::portal()
    };
    let port = ctx.port(&client);
    let rtt = ctx.rng.range(10, 80) * NS_PER_MS;
    let mut s = TcpSession::new(
        &mut ctx.rng,
        client,
        port,
        portal,
        443,
        Wire::between(&client, &portal),
        t,
        rtt,
        100 * NS_PER_US,
    );
    s.gap = 20 * NS_PER_US;
    s.handshake(&mut ctx.tl);
    tls_handshake(ctx, &mut s, tls::Client::Chrome, net::PORTAL_NAME);
    let exchanges = [
        (
            ctx.rng.range(400, 700) as usize,
            ctx.rng.range(4_000, 40_000) as usize,
        ),
        (
            ctx.rng.range(300, 700) as usize,
            ctx.rng.range(1_000, 8_000) as usize,
        ),
    ];
    tls_exchanges(ctx, &mut s, &exchanges, (10 * NS_PER_MS, 200 * NS_PER_MS));
    s.wait(&mut ctx.tl, 5 * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
}
