//! Malware command and control: workstation 10.10.3.77 connects over HTTPS to
//! `cdn-telemetry-update.test` (203.0.113.140) every 60 s with +/- 3 s of jitter from 13:00:15
//! for an hour: 60 short TLS 1.2 sessions with the same ClientHello, small check-ins and small
//! answers (every tenth answer a larger tasking). The name is looked up again whenever its
//! 300 s TTL has run out. Light ordinary traffic runs alongside.
//!
//! Other seeds draw the infected host, the controller's address and name, the period (15 s to
//! 10 min), the jitter (up to 20 % of the period), the number of check-ins (24 to 60), the
//! start, the sizes, and the channel: new HTTPS sessions (TLS 1.2 implant, OpenSSL-like or
//! browser-like client), new plain-HTTP connections (GET with a session cookie, or POST, on
//! port 80 or 8080), or one long-lived TLS connection with a check-in after each silence.

use super::benign::light_background;
use super::common::*;
use crate::flow::{Dir, TcpSession, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::http::{self, Request};
use crate::protocols::{dns, tls};

pub const C2_NAME: &str = "cdn-telemetry-update.test";
pub const C2: [u8; 4] = [203, 0, 113, 140];
pub const INFECTED: u8 = 77;
pub const BEACONS: u64 = 60;

/// How the implant reaches its controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Https(tls::Client),
    Http { port: u16, post: bool },
    KeepAlive,
}

struct Plan {
    ws: Host,
    c2: Host,
    name: String,
    period: u64,
    jitter: u64,
    count: u64,
    start: u64,
    channel: Channel,
}

fn plan(ctx: &mut Ctx, t0: u64) -> Plan {
    if !ctx.varied {
        return Plan {
            ws: net::workstation(INFECTED),
            c2: net::external(net::v4(C2[0], C2[1], C2[2], C2[3]), net::Os::Linux, 16),
            name: C2_NAME.into(),
            period: 60 * NS_PER_SEC,
            jitter: 3 * NS_PER_SEC,
            count: BEACONS,
            start: t0 + 15 * NS_PER_SEC,
            channel: Channel::Https(tls::Client::Legacy12),
        };
    }
    let ws = ctx.inside_host();
    let c2 = ctx.outside_server();
    let r = &mut ctx.rng;
    let name = made_up_domain(r);
    let period = *r.pick(&[15u64, 20, 30, 45, 60, 90, 120, 180, 300, 600]) * NS_PER_SEC;
    let period = period + r.below(period / 5);
    let jitter = period * r.below(21) / 100;
    let count = (3600 * NS_PER_SEC / period).clamp(24, 60);
    let start = t0 + r.range(5, 120) * NS_PER_SEC;
    let channel = match r.below(6) {
        0 => Channel::Https(tls::Client::Legacy12),
        1 => Channel::Https(tls::Client::OpenSsl),
        2 => Channel::Https(tls::Client::Chrome),
        3 => Channel::Http {
            port: *r.pick(&[80, 8080]),
            post: r.chance(50),
        },
        _ => Channel::KeepAlive,
    };
    Plan {
        ws,
        c2,
        name,
        period,
        jitter,
        count,
        start,
        channel,
    }
}

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let p = plan(ctx, t0);
    let span = if ctx.varied {
        ((p.start - t0) + p.count * p.period + 60 * NS_PER_SEC).max(3660 * NS_PER_SEC)
    } else {
        3660 * NS_PER_SEC
    };
    light_background(ctx, t0, span, 6, 34);
    let (ws, c2, name) = (p.ws, p.c2, p.name.as_str());
    // Check-in times are drawn one by one, interleaved with the sessions' own draws (the
    // committed capture's byte order).
    let when = |ctx: &mut Ctx, i: u64| {
        let t = p.start + i * p.period;
        (t + ctx.rng.below(2 * p.jitter)).saturating_sub(p.jitter)
    };
    let detail = format!(
        "{:?} every {} s +/- {} s, {} check-ins",
        p.channel,
        p.period / NS_PER_SEC,
        p.jitter / NS_PER_SEC,
        p.count
    );
    if p.channel == Channel::KeepAlive {
        let first = when(ctx, 0);
        let t = resolve(
            ctx,
            ws,
            first,
            name,
            dns::TYPE_A,
            vec![a_record(name, 300, c2.ip)],
        );
        let port = ctx.port(&ws);
        let mut s = TcpSession::new(
            &mut ctx.rng,
            ws,
            port,
            c2,
            443,
            Wire::between(&ws, &c2),
            t + NS_PER_MS,
            250_000,
            85 * NS_PER_MS,
        );
        s.handshake(&mut ctx.tl);
        tls_handshake(ctx, &mut s, tls::Client::OpenSsl, name);
        let ask = ctx.rng.range(60, 200) as usize;
        for i in 0..p.count {
            let at = if i == 0 { s.now } else { when(ctx, i) };
            s.wait(&mut ctx.tl, at.saturating_sub(s.now));
            let n = ask + ctx.rng.below(8) as usize;
            let q = tls::app_data(&mut ctx.rng, n);
            s.send(&mut ctx.tl, Dir::ToServer, &q);
            let n = if i % 10 == 9 { 1800 } else { 80 } + ctx.rng.below(40) as usize;
            let a = tls::app_data(&mut ctx.rng, n);
            s.reply(&mut ctx.tl, Dir::ToClient, &a, 30 * NS_PER_MS);
        }
        tls_close(ctx, &mut s, true);
        ctx.truth("beacon", ws.ip, c2.ip, (first, s.last), detail);
        return;
    }
    let mut resolved_at: Option<u64> = None;
    let (mut first, mut last) = (0, 0);
    for i in 0..p.count {
        let mut t = when(ctx, i);
        if i == 0 {
            first = t;
        }
        if resolved_at.is_none_or(|r| t.saturating_sub(r) > 300 * NS_PER_SEC) {
            t = resolve(
                ctx,
                ws,
                t,
                name,
                dns::TYPE_A,
                vec![a_record(name, 300, c2.ip)],
            ) + NS_PER_MS;
            resolved_at = Some(t);
        }
        let big = i % 10 == 9;
        last = match p.channel {
            Channel::Https(kind) => {
                let resp = if big {
                    ctx.rng.range(1500, 2600)
                } else {
                    ctx.rng.range(90, 140)
                } as usize;
                let plan = TlsPlan {
                    client_kind: kind,
                    sni: name,
                    exchanges: vec![(ctx.rng.range(190, 260) as usize, resp)],
                    think: (0, 0),
                    fin: true,
                };
                https_session(
                    ctx,
                    ws,
                    c2,
                    Wire::between(&ws, &c2),
                    t,
                    250_000,
                    85 * NS_PER_MS,
                    &plan,
                )
            }
            Channel::Http { port, post } => {
                let host = if port == 80 {
                    name.to_string()
                } else {
                    format!("{name}:{port}")
                };
                let id = ctx.rng.hex(16);
                let n = ctx.rng.range(40, 70) as usize;
                let body = ctx.rng.hex(n);
                let req = if post {
                    Request::post(
                        "/api/v2/status",
                        &host,
                        http::UA_CHROME,
                        "application/octet-stream",
                        body.as_bytes(),
                    )
                    .encode()
                } else {
                    Request::get("/static/pixel.gif", &host, http::UA_CHROME)
                        .header("Cookie", format!("SESSIONID={id}"))
                        .encode()
                };
                let n = if big { 1800 } else { 60 } + ctx.rng.below(40) as usize;
                let payload = ctx.rng.bytes(n);
                let resp = http::response(200, "OK", "application/octet-stream", &[], &payload);
                http_session(
                    ctx,
                    ws,
                    c2,
                    port,
                    t,
                    250_000,
                    85 * NS_PER_MS,
                    &[(req, resp)],
                    (0, 0),
                )
            }
            Channel::KeepAlive => unreachable!(),
        };
    }
    ctx.truth("beacon", ws.ip, c2.ip, (first, last), detail);
}
