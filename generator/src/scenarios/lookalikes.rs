//! Benign traffic that looks like an attack to a behavioural detector: each scenario is what
//! an office does every day and what a naive detection would flag. Everything is drawn from
//! the seed (hosts, destinations, periods, jitter, volumes, timing, protocol); none of them
//! is committed (`sensor generate --scenario NAME --seed N --out FILE`). None should raise a
//! behaviour alert with the defaults (`sensor/tests/behaviour.rs` checks 20 seeds of each).
//!
//! | scenario | looks like | why it is not |
//! |---|---|---|
//! | `update-checks` | a beacon: regular HTTPS/HTTP polls, little jitter, for hours | many inside hosts poll the same vendor (a shared service) |
//! | `ntp` | a beacon: one request every 64-1024 s to the same servers | NTP is periodic by design |
//! | `backup` | exfiltration: tens of MB out of a server | to the office's own backup server, inside |
//! | `cdn-download` | data pulled: tens of MB on few connections | inbound, to the inside client that asked |
//! | `chatty-browsers` | scanning and DNS tunnelling: hundreds of names, dozens of hosts, some refused; a webmail tab polling | nearly every contact succeeds, names are short, the webmail is everyone's |
//! | `busy-resolver` | DNS tunnelling, a UDP scan: thousands of lookups, hundreds of servers, some silent | names are ordinary, nearly every server answers |
//! | `printer-scan-to-mail` | exfiltration, clear-text login: MB of SMTP from a device | to the office's own mail server, no password in clear |

use super::benign::{browse, ntp as ntp_exchange};
use super::common::*;
use crate::flow::{Dir, TcpSession, UdpFlow, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::dns::{self, Message};
use crate::protocols::http::{self, Request};
use crate::protocols::tls;
use crate::rng::Rng;

/// `n` distinct inside hosts.
fn inside_hosts(ctx: &mut Ctx, n: usize) -> Vec<Host> {
    (0..n).map(|_| ctx.inside_host()).collect()
}

/// An outside server with a name that is not the office's (no look-alike of `elections`).
fn vendor(rng: &mut Rng) -> String {
    const V: &[&str] = &[
        "os-vendor",
        "antivirus-co",
        "pdf-tools",
        "browser-corp",
        "office-suite",
        "driver-hub",
        "backup-soft",
        "java-runtime",
        "chat-app",
        "printer-maker",
    ];
    format!("{}{}.example", rng.pick(V), rng.range(1, 9))
}

/// A TLS session of one small request and answer (`sizes`), then FIN.
#[allow(clippy::too_many_arguments)]
fn small_https(
    ctx: &mut Ctx,
    c: Host,
    s: Host,
    t: u64,
    sni: &str,
    kind: tls::Client,
    sizes: (usize, usize),
) -> u64 {
    let plan = TlsPlan {
        client_kind: kind,
        sni,
        exchanges: vec![sizes],
        think: (0, 0),
        fin: true,
    };
    let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng));
    https_session(ctx, c, s, Wire::between(&c, &s), t, rc, rs, &plan)
}

/// Software-update checks: 6-30 inside hosts each poll one vendor's update service every
/// 2-30 minutes with at most 3 % jitter, 10-14 times, over HTTPS (a fixed agent ClientHello)
/// or plain HTTP (a manifest GET); the service answers from 1-4 CDN addresses.
pub fn update_checks(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let n = ctx.rng.range(6, 30) as usize;
    let hosts = inside_hosts(ctx, n);
    let name = format!("updates.{}", vendor(&mut ctx.rng));
    let addrs: Vec<Host> = (0..ctx.rng.range(1, 4))
        .map(|_| ctx.outside_server())
        .collect();
    let period = *ctx.rng.pick(&[120u64, 300, 600, 900, 1800]) * NS_PER_SEC;
    let jitter = period * ctx.rng.below(4) / 100;
    let checks = ctx.rng.range(10, 14);
    let https = ctx.rng.chance(70);
    let kind = *ctx.rng.pick(&[
        tls::Client::OpenSsl,
        tls::Client::Chrome,
        tls::Client::Legacy12,
    ]);
    for h in hosts {
        let mut t = t0 + ctx.rng.below(period);
        for _ in 0..checks {
            let at = (t + ctx.rng.below(2 * jitter + 1)).saturating_sub(jitter);
            let server = *ctx.rng.pick(&addrs);
            let at = resolve(
                ctx,
                h,
                at,
                &name,
                dns::TYPE_A,
                vec![a_record(&name, 60, server.ip)],
            ) + NS_PER_MS;
            if https {
                let req = ctx.rng.range(300, 340) as usize;
                let resp = ctx.rng.range(400, 900) as usize;
                small_https(ctx, h, server, at, &name, kind, (req, resp));
            } else {
                let req = Request::get(
                    "/v1/manifest.xml?channel=stable&arch=x64",
                    &name,
                    "UpdateAgent/4.2",
                )
                .header("If-None-Match", format!("\"{}\"", ctx.rng.hex(12)))
                .encode();
                let resp = http::response(304, "Not Modified", "application/xml", &[], b"");
                let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng));
                http_session(ctx, h, server, 80, at, rc, rs, &[(req, resp)], (0, 0));
            }
            t += period;
        }
    }
}

/// NTP: the office's time server (the resolver) polls 3-4 pool servers every 64-1024 s (one
/// of them sometimes silent), and 4-12 inside hosts poll it, for 1-2 hours.
pub fn ntp(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let span = ctx.rng.range(3600, 7200) * NS_PER_SEC;
    let resolver = net::resolver();
    let pool: Vec<Host> = (0..ctx.rng.range(3, 4))
        .map(|_| ctx.outside_server())
        .collect();
    let silent = ctx.rng.chance(30);
    for (k, server) in pool.iter().enumerate() {
        let poll = (64u64 << ctx.rng.below(5)) * NS_PER_SEC;
        let mut t = t0 + ctx.rng.below(poll);
        let port = if ctx.rng.chance(50) {
            123
        } else {
            ctx.port(&resolver)
        };
        while t < t0 + span {
            if silent && k == 0 {
                // A pool server that stopped answering: requests only.
                let mut f = UdpFlow::new(
                    &mut ctx.rng,
                    resolver,
                    port,
                    *server,
                    123,
                    Wire::between(&resolver, server),
                );
                let mut req = [0u8; 48];
                req[0] = 0x23;
                ctx.rng.fill(&mut req[40..48]);
                f.send(&mut ctx.tl, true, t, &req);
            } else {
                ntp_to(ctx, resolver, *server, port, t);
            }
            t += poll;
        }
    }
    for _ in 0..ctx.rng.range(4, 12) {
        let h = ctx.inside_host();
        let poll = (64u64 << ctx.rng.below(4)) * NS_PER_SEC;
        let mut t = t0 + ctx.rng.below(poll);
        while t < t0 + span {
            ntp_to(ctx, h, resolver, 123, t);
            t += poll;
        }
    }
    // Some hosts use the public pool directly, as the benign office's resolver does.
    ntp_exchange(ctx, resolver, t0 + span / 2);
}

fn ntp_to(ctx: &mut Ctx, c: Host, s: Host, port: u16, t: u64) {
    let mut f = UdpFlow::new(&mut ctx.rng, c, port, s, 123, Wire::between(&c, &s));
    let mut req = [0u8; 48];
    req[0] = 0x23;
    ctx.rng.fill(&mut req[40..48]);
    f.send(&mut ctx.tl, true, t, &req);
    let mut resp = [0u8; 48];
    resp[0] = 0x24;
    resp[1] = 2;
    resp[24..32].copy_from_slice(&req[40..48]);
    ctx.rng.fill(&mut resp[32..48]);
    let rtt = if s.mac == net::ROUTER_MAC {
        wan_rtt(&mut ctx.rng)
    } else {
        lan_rtt(&mut ctx.rng)
    };
    f.send(&mut ctx.tl, false, t + rtt, &resp);
}

/// `total` bytes from `from` to `to:port` on one connection at LAN speed, in `chunk`-byte
/// writes each answered by a few bytes; data segments snapped to 64 bytes (wire lengths kept).
#[allow(clippy::too_many_arguments)]
fn bulk(
    ctx: &mut Ctx,
    from: Host,
    to: Host,
    port: u16,
    t: u64,
    total: usize,
    chunk: usize,
    answer: usize,
) -> u64 {
    let cport = ctx.port(&from);
    let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, lan_rtt(&mut ctx.rng) / 2);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        from,
        cport,
        to,
        port,
        Wire::between(&from, &to),
        t,
        rc,
        rs,
    );
    s.gap = 12 * crate::net::NS_PER_US;
    s.handshake(&mut ctx.tl);
    s.snap = Some(64);
    let data = ctx.rng.bytes(chunk);
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk);
        s.send(&mut ctx.tl, Dir::ToServer, &data[..n]);
        left -= n;
        let a = ctx.rng.bytes(answer);
        s.reply(&mut ctx.tl, Dir::ToClient, &a, 100_000);
    }
    s.wait(&mut ctx.tl, 20 * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
    s.last
}

/// A legitimate backup: one or two inside servers copy 20-60 MB each to the office's backup
/// server (another inside subnet) over SMB, rsync over SSH or HTTPS to the NAS.
pub fn backup(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let target = net::internal(
        net::v4(10, 10, 2, ctx.rng.range(30, 60) as u8),
        net::Os::Linux,
    );
    let mut t = t0 + ctx.rng.range(5, 60) * NS_PER_SEC;
    for _ in 0..ctx.rng.range(1, 2) {
        let src = ctx.inside_host();
        let total = ctx.rng.range(20_000_000, 60_000_000) as usize;
        let port = *ctx.rng.pick(&[445u16, 22, 443, 873]);
        t = bulk(ctx, src, target, port, t, total, 256 << 10, 64)
            + ctx.rng.range(5, 60) * NS_PER_SEC;
    }
    // The ordinary traffic of the night shift.
    super::benign::light_background(ctx, t0, (t - t0).max(300 * NS_PER_SEC), 2, 37);
}

/// Large downloads from CDNs: 1-5 inside hosts each fetch 10-50 MB (an OS update, a video,
/// an installer) over 1-4 parallel HTTPS connections from a CDN's addresses.
pub fn cdn_download(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    for _ in 0..ctx.rng.range(1, 5) {
        let h = ctx.inside_host();
        let name = format!("dl.{}", vendor(&mut ctx.rng));
        let at = t0 + ctx.rng.range(5, 240) * NS_PER_SEC;
        let total = ctx.rng.range(10_000_000, 50_000_000) as usize;
        let conns = ctx.rng.range(1, 4) as usize;
        for _ in 0..conns {
            let server = ctx.outside_server();
            let t = resolve_a(ctx, h, at, &name, server.ip) + NS_PER_MS;
            let port = ctx.port(&h);
            let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng) / 3);
            let mut s = TcpSession::new(
                &mut ctx.rng,
                h,
                port,
                server,
                443,
                Wire::between(&h, &server),
                t,
                rc,
                rs,
            );
            s.gap = 15 * crate::net::NS_PER_US;
            s.handshake(&mut ctx.tl);
            tls_handshake(ctx, &mut s, tls::Client::Chrome, &name);
            s.snap = Some(64);
            let record = tls::app_data(&mut ctx.rng, 16_000);
            let req = tls::app_data(&mut ctx.rng, 420);
            s.send(&mut ctx.tl, Dir::ToServer, &req);
            s.now += rs;
            let mut left = total / conns;
            while left > 0 {
                let n = left.min(record.len());
                s.send(&mut ctx.tl, Dir::ToClient, &record[..n]);
                left -= n;
            }
            tls_close(ctx, &mut s, true);
        }
    }
}

/// Third-party names a page pulls in (ads, analytics, fonts, CDNs), under a few domains.
fn third_party(rng: &mut Rng) -> String {
    let dom = *rng.pick(&[
        "ads-metrics.example",
        "tracker-stats.example",
        "cdn-assets.example",
        "fonts-static.example",
        "video-embed.example",
        "social-widgets.example",
        "cloudfront-cdn.example",
    ]);
    match rng.below(4) {
        0 => format!("static{}.{dom}", rng.range(1, 40)),
        1 => format!(
            "{}.{dom}",
            rng.string_from(b"abcdefghijklmnopqrstuvwxyz0123456789", 14)
        ),
        2 => format!(
            "{}.{dom}",
            rng.pick(&["px", "beacon", "img", "api", "js", "collect", "sync"])
        ),
        _ => format!(
            "{}-{}.{dom}",
            rng.pick(&["eu", "us", "edge"]),
            rng.range(1, 99)
        ),
    }
}

/// Chatty browsers: 6-14 inside hosts load pages that pull in 5-25 third-party hosts each
/// (a lookup and a short HTTPS session per host, a few blocked by the proxy or silent) every
/// 1-4 minutes, for 10-20 minutes; each also keeps a webmail tab open that polls the office suite every
/// 30-120 s on one connection.
pub fn chatty_browsers(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let span = ctx.rng.range(600, 1200) * NS_PER_SEC;
    let n = ctx.rng.range(6, 14) as usize;
    let hosts = inside_hosts(ctx, n);
    let mail = ctx.outside_server();
    let mail_name = "outlook.office-suite.example";
    let poll = ctx.rng.range(30, 120) * NS_PER_SEC;
    for &h in &hosts {
        // Page loads.
        let mut t = t0 + ctx.rng.below(30 * NS_PER_SEC);
        while t + 60 * NS_PER_SEC < t0 + span {
            let end = browse(ctx, h, t);
            for _ in 0..ctx.rng.range(5, 25) {
                let name = third_party(&mut ctx.rng);
                let server = internet_server(&mut ctx.rng);
                let at = end + ctx.rng.below(2 * NS_PER_SEC);
                let at = resolve_a(ctx, h, at, &name, server.ip) + NS_PER_MS;
                if ctx.rng.chance(4) {
                    // Blocked (refused) or black-holed.
                    let port = ctx.port(&h);
                    let mut s = TcpSession::new(
                        &mut ctx.rng,
                        h,
                        port,
                        server,
                        443,
                        Wire::between(&h, &server),
                        at,
                        200_000,
                        30 * NS_PER_MS,
                    );
                    s.syn(&mut ctx.tl);
                    if ctx.rng.chance(50) {
                        s.reset(&mut ctx.tl, Dir::ToClient, 30 * NS_PER_MS, true);
                    }
                    continue;
                }
                let sizes = (
                    ctx.rng.range(300, 900) as usize,
                    ctx.rng.range(200, 8_000) as usize,
                );
                small_https(ctx, h, server, at, &name, tls::Client::Chrome, sizes);
            }
            t = end.max(t) + ctx.rng.range(60, 240) * NS_PER_SEC;
        }
        // The webmail tab: one connection, a small poll every `poll`.
        let at = t0 + ctx.rng.below(20 * NS_PER_SEC);
        let at = resolve_a(ctx, h, at, mail_name, mail.ip) + NS_PER_MS;
        let port = ctx.port(&h);
        let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, wan_rtt(&mut ctx.rng));
        let mut s = TcpSession::new(
            &mut ctx.rng,
            h,
            port,
            mail,
            443,
            Wire::between(&h, &mail),
            at,
            rc,
            rs,
        );
        s.handshake(&mut ctx.tl);
        tls_handshake(ctx, &mut s, tls::Client::Chrome, mail_name);
        while s.now + poll < t0 + span {
            s.wait(&mut ctx.tl, poll);
            let n = ctx.rng.range(400, 700) as usize;
            let q = tls::app_data(&mut ctx.rng, n);
            s.send(&mut ctx.tl, Dir::ToServer, &q);
            let n = ctx.rng.range(150, 3000) as usize;
            let a = tls::app_data(&mut ctx.rng, n);
            s.reply(&mut ctx.tl, Dir::ToClient, &a, 20 * NS_PER_MS);
        }
        s.abort(&mut ctx.tl, Dir::ToServer);
    }
}

/// Ordinary names an office resolves.
fn office_name(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => SITE_NAMES[rng.below(SITE_NAMES.len() as u64) as usize].to_string(),
        1 => format!(
            "{}.{}",
            rng.pick(&["www", "api", "login", "cdn", "mail"]),
            vendor(rng)
        ),
        2 => third_party(rng),
        3 => format!(
            "_ldap._tcp.dc._msdcs.office{}.elections.example",
            rng.range(1, 3)
        ),
        4 => format!("host{}.elections.example", rng.range(1, 250)),
        _ => format!(
            "{}.{}",
            rng.pick(&["time", "ocsp", "crl", "ctldl"]),
            vendor(rng)
        ),
    }
}

const SITE_NAMES: &[&str] = &[
    "www.news.example",
    "mail.office-suite.example",
    "calendar.office-suite.example",
    "www.county-gov.example",
    "weather.example",
    "www.vendor-support.example",
    "login.identity.example",
];

/// A busy resolver: 20-60 inside clients send it 600-2000 queries over 10-20 minutes; it
/// forwards the misses (about half) to two upstream forwarders, or resolves them itself from
/// 80-200 authoritative servers of which a few do not answer; the mail relay checks senders
/// against a DNS blocklist (reversed addresses, 40-120 lookups).
pub fn busy_resolver(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let span = ctx.rng.range(600, 1200) * NS_PER_SEC;
    let resolver = net::resolver();
    let n = ctx.rng.range(20, 60) as usize;
    let clients = inside_hosts(ctx, n);
    let forwarders: Vec<Host> = (0..2).map(|_| ctx.outside_server()).collect();
    let iterative = ctx.rng.chance(50);
    let auth: Vec<Host> = (0..ctx.rng.range(80, 200))
        .map(|_| ctx.outside_server())
        .collect();
    let queries = ctx.rng.range(600, 2000);
    let up_port = ctx.port(&resolver);
    let mut fwd: Vec<UdpFlow> = forwarders
        .iter()
        .map(|f| {
            UdpFlow::new(
                &mut ctx.rng,
                resolver,
                up_port,
                *f,
                53,
                Wire::between(&resolver, f),
            )
        })
        .collect();
    for _ in 0..queries {
        let c = *ctx.rng.pick(&clients);
        let t = t0 + ctx.rng.below(span);
        let name = office_name(&mut ctx.rng);
        let ip = internet_server(&mut ctx.rng).ip;
        let qtype = if ctx.rng.chance(20) {
            dns::TYPE_AAAA
        } else {
            dns::TYPE_A
        };
        let answers = if qtype == dns::TYPE_A {
            vec![a_record(&name, 300, ip)]
        } else {
            Vec::new()
        };
        let done = resolve(ctx, c, t, &name, qtype, answers.clone());
        if ctx.rng.chance(50) {
            // A miss: the resolver asks upstream between the question and the answer.
            let q = Message::query(ctx.rng.next_u32() as u16, &name, qtype);
            let r = if answers.is_empty() {
                q.answer(Vec::new())
            } else {
                q.answer(answers)
            };
            let at = t + 100 * crate::net::NS_PER_US;
            let back = at + (done - t) / 2;
            if iterative {
                let server = *ctx.rng.pick(&auth);
                let port = ctx.port(&resolver);
                let mut f = UdpFlow::new(
                    &mut ctx.rng,
                    resolver,
                    port,
                    server,
                    53,
                    Wire::between(&resolver, &server),
                );
                f.send(&mut ctx.tl, true, at, &q.encode());
                // A lame server now and then: no answer.
                if !ctx.rng.chance(3) {
                    f.send(&mut ctx.tl, false, back, &r.encode());
                }
            } else {
                let k = ctx.rng.below(2) as usize;
                fwd[k].send(&mut ctx.tl, true, at, &q.encode());
                fwd[k].send(&mut ctx.tl, false, back, &r.encode());
            }
        }
    }
    // The mail relay's blocklist lookups for its senders.
    let relay = net::mail_relay();
    for _ in 0..ctx.rng.range(40, 120) {
        let t = t0 + ctx.rng.below(span);
        let sender = internet_client(&mut ctx.rng).ip;
        let std::net::IpAddr::V4(a) = sender else {
            continue;
        };
        let o = a.octets();
        let name = format!("{}.{}.{}.{}.zen.dnsbl.example", o[3], o[2], o[1], o[0]);
        resolve(ctx, relay, t, &name, dns::TYPE_A, Vec::new());
    }
}

/// The office printer scanning to mail: 3-15 scans, each an SMTP message with a PDF of
/// 0.2-5 MB (base64) to the office's mail server, on port 25 without a login (the server
/// relays for the printer's address) or on 587 after STARTTLS (the login inside TLS).
pub fn printer_scan_to_mail(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let printer = net::internal(
        net::v4(
            10,
            10,
            ctx.rng.range(4, 9) as u8,
            ctx.rng.range(240, 250) as u8,
        ),
        net::Os::Linux,
    );
    let relay = net::mail_relay();
    let starttls = ctx.rng.chance(50);
    let mut t = t0 + ctx.rng.range(5, 60) * NS_PER_SEC;
    for k in 0..ctx.rng.range(3, 15) {
        let pdf = ctx.rng.range(200_000, 5_000_000) as usize;
        let port = ctx.port(&printer);
        let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, lan_rtt(&mut ctx.rng) / 2);
        let sport = if starttls { 587 } else { 25 };
        let mut s = TcpSession::new(
            &mut ctx.rng,
            printer,
            port,
            relay,
            sport,
            Wire::between(&printer, &relay),
            t,
            rc,
            rs,
        );
        s.gap = 20 * crate::net::NS_PER_US;
        s.handshake(&mut ctx.tl);
        s.reply(
            &mut ctx.tl,
            Dir::ToClient,
            b"220 relay.elections.example ESMTP\r\n",
            2 * NS_PER_MS,
        );
        s.reply(
            &mut ctx.tl,
            Dir::ToServer,
            b"EHLO mfp-3rd-floor.elections.example\r\n",
            100_000,
        );
        s.reply(&mut ctx.tl, Dir::ToClient, b"250-relay.elections.example\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n", NS_PER_MS);
        if starttls {
            s.reply(&mut ctx.tl, Dir::ToServer, b"STARTTLS\r\n", 100_000);
            s.reply(
                &mut ctx.tl,
                Dir::ToClient,
                b"220 2.0.0 Ready to start TLS\r\n",
                NS_PER_MS,
            );
            tls_handshake(ctx, &mut s, tls::Client::OpenSsl, "relay.elections.example");
            s.snap = Some(64);
            let plan = [(60, 40), (120, 300), (pdf * 4 / 3 + 2000, 60), (30, 60)];
            tls_exchanges(ctx, &mut s, &plan, (NS_PER_MS, 5 * NS_PER_MS));
            tls_close(ctx, &mut s, true);
        } else {
            let lines: [(&[u8], &[u8]); 3] = [
                (
                    b"MAIL FROM:<scanner@elections.example>\r\n",
                    b"250 2.1.0 Ok\r\n",
                ),
                (
                    b"RCPT TO:<clerk@elections.example>\r\n",
                    b"250 2.1.5 Ok\r\n",
                ),
                (b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n"),
            ];
            for (c, r) in lines {
                s.reply(&mut ctx.tl, Dir::ToServer, c, 100_000);
                s.reply(&mut ctx.tl, Dir::ToClient, r, NS_PER_MS);
            }
            let mut msg = format!("From: Scanner <scanner@elections.example>\r\nTo: clerk@elections.example\r\nSubject: Scanned document {k}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: application/pdf; name=\"scan{k}.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n").into_bytes();
            let line = ctx.rng.string_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                76,
            );
            for _ in 0..pdf * 4 / 3 / 76 {
                msg.extend_from_slice(line.as_bytes());
                msg.extend_from_slice(b"\r\n");
            }
            msg.extend_from_slice(b"--b1--\r\n.\r\n");
            s.snap = Some(64);
            s.reply(&mut ctx.tl, Dir::ToServer, &msg, 100_000);
            s.snap = None;
            s.reply(
                &mut ctx.tl,
                Dir::ToClient,
                b"250 2.0.0 Ok: queued\r\n",
                5 * NS_PER_MS,
            );
            s.reply(&mut ctx.tl, Dir::ToServer, b"QUIT\r\n", 100_000);
            s.reply(&mut ctx.tl, Dir::ToClient, b"221 2.0.0 Bye\r\n", NS_PER_MS);
            s.close(&mut ctx.tl, Dir::ToClient);
        }
        t = s.last + ctx.rng.range(20, 300) * NS_PER_SEC;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_names_are_not_the_office() {
        let mut r = Rng::new(1);
        for _ in 0..200 {
            assert!(!vendor(&mut r).contains("election"));
            assert!(!third_party(&mut r).contains("election"));
        }
    }
}
