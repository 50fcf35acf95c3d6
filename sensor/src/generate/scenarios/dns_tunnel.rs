//! DNS tunnelling from workstation 10.10.3.88 through the office resolver to the zone
//! `t.exfil-dns.test`:
//!
//! - 13:00:30 an iodine-like tunnel on one UDP socket: 420 TXT queries about one a second,
//!   each name carrying 100-150 characters of base32 in 63-character labels, answered with
//!   base64 TXT records (a few NXDOMAIN);
//! - 13:08:30 a dnscat-like burst: 40 TXT queries of hex labels, each from a new port;
//! - the same workstation's ordinary lookups, and over TCP a large TXT answer (DNS over TCP).

use super::benign::light_background;
use super::common::*;
use crate::generate::flow::{UdpFlow, Wire};
use crate::generate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::generate::protocols::dns::{self, Message, Rdata, Record};

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
}
