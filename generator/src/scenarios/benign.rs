//! Ten minutes of an ordinary Election-Day afternoon: citizens checking their registration on
//! the portal (HTTPS, some plain HTTP redirected, a few over IPv6), the portal querying the voter
//! database, staff browsing and resolving names, certificate checks over plain HTTP, mail
//! leaving through the relay, NTP and a monitoring ping.

use super::common::*;
use crate::flow::{self, Dir, TcpSession, UdpFlow, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::dns::{self, Rdata, Record};
use crate::protocols::http::{self, Request};
use crate::protocols::tls;

/// Web sites the staff visit (all fictional).
pub const SITES: &[&str] = &[
    "www.news.example",
    "mail.office-suite.example",
    "calendar.office-suite.example",
    "www.county-gov.example",
    "weather.example",
    "www.vendor-support.example",
    "cdn.fonts.example",
    "login.identity.example",
];

/// Plain-HTTP things a Windows workstation fetches: certificate trust lists and vendor pages,
/// several requests on one keep-alive connection.
pub fn background_http(ctx: &mut Ctx, ws: Host, t: u64) -> u64 {
    let server = internet_server(&mut ctx.rng);
    let host = *ctx
        .rng
        .pick(&["ctldl.update.example", "downloads.vendor.example"]);
    let t = resolve_a(ctx, ws, t, host, server.ip);
    let n = ctx.rng.range(2, 4);
    let mut pairs = Vec::new();
    for i in 0..n {
        let (req, resp) = if host.starts_with("ctldl") {
            let path = format!("/msdownload/update/v3/static/trustedr/en/disallowedcert-{i}.cab");
            let req = Request::get(&path, host, "Microsoft-CryptoAPI/10.0")
                .header("Cache-Control", "max-age = 86400")
                .encode();
            let n = ctx.rng.range(700, 3000) as usize;
            let body = ctx.rng.bytes(n);
            (
                req,
                http::response(
                    200,
                    "OK",
                    "application/vnd.ms-cab-compressed",
                    &[("ETag", format!("\"{}\"", ctx.rng.hex(16)))],
                    &body,
                ),
            )
        } else {
            let path = format!(
                "/drivers/printer-{}/release-notes-{}.html",
                ctx.rng.range(100, 999),
                i
            );
            let referer = format!("http://{host}/drivers/");
            let cookie = format!("session={}; region=us", ctx.rng.hex(24));
            let req = Request::get(&path, host, http::UA_EDGE)
                .header("Referer", referer)
                .header("Cookie", cookie)
                .encode();
            let n = ctx.rng.range(1500, 5000) as usize;
            let page = http::html_page(&mut ctx.rng, "Release notes", n);
            (req, http::ok_html(&page))
        };
        pairs.push((req, resp));
    }
    let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng));
    http_session(
        ctx,
        ws,
        server,
        80,
        t,
        rc,
        rs,
        &pairs,
        (200 * NS_PER_MS, 3 * NS_PER_SEC),
    )
}

/// A workstation opening a web site: DNS then one or two HTTPS connections.
pub fn browse(ctx: &mut Ctx, ws: Host, t: u64) -> u64 {
    let site = *ctx.rng.pick(SITES);
    let server = internet_server(&mut ctx.rng);
    let t = resolve_a(ctx, ws, t, site, server.ip);
    let kind = *ctx.rng.pick(&[
        tls::Client::Chrome,
        tls::Client::Chrome,
        tls::Client::Firefox,
    ]);
    let mut end = t;
    for _ in 0..ctx.rng.range(1, 2) {
        let n = ctx.rng.range(1, 4) as usize;
        let exchanges = (0..n)
            .map(|_| {
                (
                    ctx.rng.range(300, 1200) as usize,
                    ctx.rng.range(500, 9_000) as usize,
                )
            })
            .collect();
        let plan = TlsPlan {
            client_kind: kind,
            sni: site,
            exchanges,
            think: (100 * NS_PER_MS, 4 * NS_PER_SEC),
            fin: ctx.rng.chance(50),
        };
        let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng));
        let at = t + ctx.rng.range(1, 30) * NS_PER_MS;
        end = end.max(https_session(
            ctx,
            ws,
            server,
            Wire::between(&ws, &server),
            at,
            rc,
            rs,
            &plan,
        ));
    }
    end
}

/// The mail relay delivering one message: MX lookup, SMTP with STARTTLS, then TLS.
pub fn mail_out(ctx: &mut Ctx, t: u64) -> u64 {
    let relay = net::mail_relay();
    let mx = internet_server(&mut ctx.rng);
    let domain = *ctx.rng.pick(&[
        "county-gov.example",
        "state-sos.example",
        "vendor-support.example",
    ]);
    let mx_name = format!("mx1.{domain}");
    let id = ctx.rng.next_u32() as u16;
    let q = dns::Message::query(id, domain, dns::TYPE_MX);
    let r = q.answer(vec![
        Record {
            name: domain.into(),
            ttl: 3600,
            data: Rdata::Mx(10, mx_name.clone()),
        },
        Record {
            name: domain.into(),
            ttl: 3600,
            data: Rdata::Mx(20, format!("mx2.{domain}")),
        },
    ]);
    let resolver = net::resolver();
    let t = dns_lookup(
        ctx,
        relay,
        resolver,
        Wire::between(&relay, &resolver),
        t,
        &q,
        &r,
    );
    let t = resolve(
        ctx,
        relay,
        t,
        &mx_name,
        dns::TYPE_A,
        vec![a_record(&mx_name, 3600, mx.ip)],
    );
    let port = ctx.port(&relay);
    let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng));
    let mut s = TcpSession::new(
        &mut ctx.rng,
        relay,
        port,
        mx,
        25,
        Wire::between(&relay, &mx),
        t + NS_PER_MS,
        rc,
        rs,
    );
    s.handshake(&mut ctx.tl);
    let banner = format!("220 {mx_name} ESMTP Postfix\r\n");
    s.reply(&mut ctx.tl, Dir::ToClient, banner.as_bytes(), 5 * NS_PER_MS);
    s.reply(
        &mut ctx.tl,
        Dir::ToServer,
        b"EHLO relay.elections.example\r\n",
        100_000,
    );
    let ehlo = format!("250-{mx_name}\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
    s.reply(&mut ctx.tl, Dir::ToClient, ehlo.as_bytes(), NS_PER_MS);
    s.reply(&mut ctx.tl, Dir::ToServer, b"STARTTLS\r\n", 100_000);
    s.reply(
        &mut ctx.tl,
        Dir::ToClient,
        b"220 2.0.0 Ready to start TLS\r\n",
        NS_PER_MS,
    );
    let body = ctx.rng.range(2_000, 9_000) as usize;
    let plan = TlsPlan {
        client_kind: tls::Client::OpenSsl,
        sni: &mx_name,
        exchanges: vec![(120, 300), (body, 120), (30, 60)],
        think: (NS_PER_MS, 30 * NS_PER_MS),
        fin: true,
    };
    run_tls(ctx, &mut s, &plan);
    s.last
}

/// NTP client request and server reply (mode 3 / mode 4).
pub fn ntp(ctx: &mut Ctx, client: Host, t: u64) -> u64 {
    let server = net::external(net::v4(192, 0, 2, 123), net::Os::Linux, 10);
    let port = if ctx.rng.chance(50) {
        123
    } else {
        ctx.port(&client)
    };
    let mut f = UdpFlow::new(
        &mut ctx.rng,
        client,
        port,
        server,
        123,
        Wire::between(&client, &server),
    );
    let mut req = [0u8; 48];
    req[0] = 0x23; // LI 0, version 4, mode 3
    ctx.rng.fill(&mut req[40..48]);
    f.send(&mut ctx.tl, true, t, &req);
    let mut resp = [0u8; 48];
    resp[0] = 0x24; // mode 4
    resp[1] = 2; // stratum
    resp[12..16].copy_from_slice(b"GPS\0");
    resp[24..32].copy_from_slice(&req[40..48]);
    ctx.rng.fill(&mut resp[32..48]);
    let rtt = wan_rtt(&mut ctx.rng);
    f.send(&mut ctx.tl, false, t + rtt, &resp);
    t + rtt
}

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let span = 600 * NS_PER_SEC;
    // Citizens on the portal.
    for _ in 0..14 {
        let t = t0 + ctx.rng.below(span - 60 * NS_PER_SEC);
        let client = internet_client(&mut ctx.rng);
        portal_visit_https(ctx, client, t);
    }
    for _ in 0..3 {
        let t = t0 + ctx.rng.below(span - 60 * NS_PER_SEC);
        let client = internet_client_v6(&mut ctx.rng);
        portal_visit_https(ctx, client, t);
    }
    for _ in 0..5 {
        let t = t0 + ctx.rng.below(span - 30 * NS_PER_SEC);
        let client = internet_client(&mut ctx.rng);
        portal_http_redirect(ctx, client, t);
    }
    // Staff at their desks.
    for n in 11..=18u8 {
        let ws = net::workstation(n);
        let mut t = t0 + ctx.rng.below(40 * NS_PER_SEC);
        while t < t0 + span - 60 * NS_PER_SEC {
            let end = if ctx.rng.chance(80) {
                browse(ctx, ws, t)
            } else {
                background_http(ctx, ws, t)
            };
            t = end.max(t) + ctx.rng.range(60, 200) * NS_PER_SEC;
        }
        // Lookups that lead nowhere (typos, probes of search suffixes).
        let name = format!(
            "wpad.elections.example{}",
            if n % 2 == 0 { "" } else { ".local" }
        );
        let at = t0 + ctx.rng.below(span);
        resolve(ctx, ws, at, &name, dns::TYPE_A, Vec::new());
    }
    for _ in 0..3 {
        let t = t0 + ctx.rng.below(span - 60 * NS_PER_SEC);
        mail_out(ctx, t);
    }
    // The relay checks senders' SPF and DKIM records; big TXT answers come over TCP.
    for (k, name) in [
        "_spf.state-sos.example",
        "selector1._domainkey.county-gov.example",
    ]
    .iter()
    .enumerate()
    {
        let at = t0 + (90 + 200 * k as u64) * NS_PER_SEC + ctx.rng.below(NS_PER_SEC);
        let txts: Vec<Record> = (0..6)
            .map(|i| {
                let t = format!(
                    "v=spf1 ip4:192.0.2.{}/30 include:_spf{i}.{} ~all {}",
                    4 * i,
                    registered_domain(name),
                    ctx.rng.hex(150)
                );
                Record {
                    name: (*name).into(),
                    ttl: 3600,
                    data: Rdata::Txt(vec![t]),
                }
            })
            .collect();
        resolve_tcp(ctx, net::mail_relay(), at, name, dns::TYPE_TXT, txts);
    }
    for i in 0..4u64 {
        let at = t0 + i * 150 * NS_PER_SEC + ctx.rng.below(NS_PER_SEC);
        ntp(ctx, net::resolver(), at);
    }
    // A monitoring box pings the portal every 10 s for a minute.
    let monitor = net::internal(net::v4(10, 10, 0, 5), net::Os::Linux);
    let portal = net::portal();
    flow::ping(
        &mut ctx.tl,
        &mut ctx.rng,
        monitor,
        portal,
        Wire::between(&monitor, &portal),
        t0 + 5 * NS_PER_SEC,
        6,
        10 * NS_PER_SEC,
        300_000,
    );
}

/// A little ordinary traffic around an attack: a few portal visits and one workstation
/// browsing, spread over `span` from `t0`.
pub fn light_background(ctx: &mut Ctx, t0: u64, span: u64, visits: u32, ws: u8) {
    for _ in 0..visits {
        let t = t0 + ctx.rng.below(span.saturating_sub(60 * NS_PER_SEC).max(1));
        let client = internet_client(&mut ctx.rng);
        portal_visit_https(ctx, client, t);
    }
    let host = net::workstation(ws);
    let mut t = t0 + ctx.rng.below(30 * NS_PER_SEC);
    while t + 60 * NS_PER_SEC < t0 + span {
        let end = browse(ctx, host, t);
        t = end.max(t) + ctx.rng.range(90, 400) * NS_PER_SEC;
    }
}
