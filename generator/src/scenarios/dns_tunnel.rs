//! DNS tunnelling from workstation 10.10.3.88 through the office resolver to the zone
//! `t.exfil-dns.test`:
//!
//! - 13:00:30 an iodine-like tunnel on one UDP socket: 420 TXT queries about one a second,
//!   each name carrying 100-150 characters of base32 in 63-character labels, answered with
//!   base64 TXT records (a few NXDOMAIN);
//! - 13:08:30 a dnscat-like burst: 40 TXT queries of hex labels, each from a new port;
//! - the same workstation's ordinary lookups, and over TCP a large TXT answer (DNS over TCP).
//!
//! Other seeds draw the host, the zone, the encoding (base32, hex, base64url), the label
//! lengths, the query type (TXT, NULL, CNAME, MX, A), the number of queries (60-420) and
//! their pace, and whether the tunnel keeps one socket (iodine-like) or takes a new port per
//! query (dnscat-like).

use super::benign::light_background;
use super::common::*;
use crate::flow::{UdpFlow, Wire};
use crate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::protocols::dns::{self, Message, Rdata, Record};

pub const ZONE: &str = "t.exfil-dns.test";
pub const TUNNEL_HOST: u8 = 88;
pub const TUNNEL_QUERIES: u64 = 420;
pub const BURST_QUERIES: u64 = 40;

const B32: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn labels(s: &str) -> String {
    s.as_bytes()
        .chunks(63)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

pub fn build(ctx: &mut Ctx) {
    if ctx.varied {
        return varied(ctx);
    }
    let t0 = net::START_NS;
    light_background(ctx, t0, 600 * NS_PER_SEC, 4, 35);
    let ws = net::workstation(TUNNEL_HOST);
    let resolver = net::resolver();
    let wire = Wire::between(&ws, &resolver);

    let port = ctx.port(&ws);
    let mut f = UdpFlow::new(&mut ctx.rng, ws, port, resolver, 53, wire);
    let mut t = t0 + 30 * NS_PER_SEC;
    for i in 0..TUNNEL_QUERIES {
        let n = ctx.rng.range(100, 150) as usize;
        let data = ctx.rng.string_from(B32, n);
        let qname = format!("{}.{}.{ZONE}", labels(&data), ctx.rng.hex(4));
        let q = Message::query(ctx.rng.next_u32() as u16, &qname, dns::TYPE_TXT);
        f.send(&mut ctx.tl, true, t, &q.encode());
        let delay = ctx.rng.range(20, 60) * NS_PER_MS;
        let r = if i % 37 == 36 {
            q.nxdomain(ZONE)
        } else {
            let n = ctx.rng.range(60, 220) as usize;
            q.answer(vec![Record {
                name: qname.clone(),
                ttl: 0,
                data: Rdata::Txt(vec![ctx.rng.string_from(B64, n)]),
            }])
        };
        f.send(&mut ctx.tl, false, t + delay, &r.encode());
        t += ctx.rng.range(700, 1400) * NS_PER_MS;
    }

    let mut t = t0 + 510 * NS_PER_SEC;
    for _ in 0..BURST_QUERIES {
        let n = ctx.rng.range(40, 60) as usize;
        let qname = format!("{}.{ZONE}", labels(&ctx.rng.hex(n)));
        let answer = vec![Record {
            name: qname.clone(),
            ttl: 0,
            data: Rdata::Txt(vec![ctx.rng.hex(80)]),
        }];
        t = resolve(ctx, ws, t, &qname, dns::TYPE_TXT, answer) + ctx.rng.range(50, 300) * NS_PER_MS;
    }

    // Ordinary lookups by the same host, one answered over TCP after a truncated UDP reply.
    for (k, name) in [
        "www.news.example",
        "mail.office-suite.example",
        "weather.example",
    ]
    .iter()
    .enumerate()
    {
        let at = t0 + (100 + 120 * k as u64) * NS_PER_SEC;
        let srv = internet_server(&mut ctx.rng);
        resolve_a(ctx, ws, at, name, srv.ip);
    }
    let name = "_spf-records.county-gov.example";
    let txts: Vec<Record> = (0..8)
        .map(|i| {
            let t = format!(
                "v=spf1 ip4:192.0.2.{}/32 include:_spf{i}.county-gov.example ~all {}",
                i * 10,
                ctx.rng.hex(120)
            );
            Record {
                name: name.into(),
                ttl: 3600,
                data: Rdata::Txt(vec![t]),
            }
        })
        .collect();
    resolve_tcp(ctx, ws, t0 + 200 * NS_PER_SEC, name, dns::TYPE_TXT, txts);
    ctx.truth(
        "dns-tunnel",
        ws.ip,
        resolver.ip,
        (t0 + 30 * NS_PER_SEC, t),
        format!("TXT tunnel to {ZONE}"),
    );
}

/// Other seeds: host, zone, encoding, label lengths, query type, volume, pace, sockets drawn.
fn varied(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let ws = ctx.inside_host();
    let resolver = net::resolver();
    let zone = format!(
        "{}.{}",
        ctx.rng.pick(&["t", "d", "ns1", "x"]),
        made_up_domain(&mut ctx.rng)
    );
    let (alphabet, enc): (&[u8], &str) = *ctx.rng.pick(&[
        (B32, "base32"),
        (b"0123456789abcdef".as_slice(), "hex"),
        (
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".as_slice(),
            "base64url",
        ),
    ]);
    let (qtype, tname) = *ctx.rng.pick(&[
        (dns::TYPE_TXT, "TXT"),
        (10u16, "NULL"),
        (dns::TYPE_CNAME, "CNAME"),
        (dns::TYPE_MX, "MX"),
        (dns::TYPE_A, "A"),
    ]);
    let queries = ctx.rng.range(60, 420);
    let (lo, hi) = (ctx.rng.range(30, 60), ctx.rng.range(100, 180));
    let pace = ctx.rng.range(200, 2000);
    let one_socket = ctx.rng.chance(50);
    let start = t0 + ctx.rng.range(10, 120) * NS_PER_SEC;
    let port = ctx.port(&ws);
    let mut f = UdpFlow::new(
        &mut ctx.rng,
        ws,
        port,
        resolver,
        53,
        Wire::between(&ws, &resolver),
    );
    let mut t = start;
    for i in 0..queries {
        let n = ctx.rng.range(lo, hi) as usize;
        let data = ctx.rng.string_from(alphabet, n);
        let qname = format!("{}.{}.{zone}", labels(&data), ctx.rng.hex(4));
        let q = Message::query(ctx.rng.next_u32() as u16, &qname, qtype);
        let data = match qtype {
            dns::TYPE_A => Rdata::A(std::net::Ipv4Addr::new(
                10,
                ctx.rng.below(255) as u8,
                ctx.rng.below(255) as u8,
                1,
            )),
            dns::TYPE_CNAME => Rdata::Cname(format!("{}.{zone}", ctx.rng.string_from(B32, 40))),
            dns::TYPE_MX => Rdata::Mx(10, format!("{}.{zone}", ctx.rng.string_from(B32, 40))),
            _ => {
                let n = ctx.rng.range(60, 220) as usize;
                Rdata::Txt(vec![ctx.rng.string_from(B64, n)])
            }
        };
        let r = if i % 37 == 36 {
            q.nxdomain(&zone)
        } else {
            q.answer(vec![Record {
                name: qname.clone(),
                ttl: 0,
                data,
            }])
        };
        let delay = ctx.rng.range(20, 60) * NS_PER_MS;
        if one_socket {
            f.send(&mut ctx.tl, true, t, &q.encode());
            f.send(&mut ctx.tl, false, t + delay, &r.encode());
        } else {
            dns_lookup(ctx, ws, resolver, Wire::between(&ws, &resolver), t, &q, &r);
        }
        t += ctx.rng.range(pace / 2, pace * 3 / 2) * NS_PER_MS;
    }
    light_background(
        ctx,
        t0,
        (t - t0 + 60 * NS_PER_SEC).max(300 * NS_PER_SEC),
        4,
        35,
    );
    for name in ["www.news.example", "weather.example"] {
        let at = start + ctx.rng.below(t - start);
        let srv = internet_server(&mut ctx.rng);
        resolve_a(ctx, ws, at, name, srv.ip);
    }
    let sockets = if one_socket {
        "one socket"
    } else {
        "a port per query"
    };
    ctx.truth(
        "dns-tunnel",
        ws.ip,
        resolver.ip,
        (start, t),
        format!("{queries} {tname} queries of {enc} labels to {zone}, {sockets}"),
    );
}
