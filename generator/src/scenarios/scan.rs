//! Reconnaissance of the portal:
//!
//! - 13:00:30 198.51.100.200 (nmap-like): ICMP echo, then a SYN scan of 240 TCP ports from one
//!   source port in random order, about 100 probes a second. Open ports (22, 80, 443) answer
//!   SYN-ACK and get a RST back; the rest answer RST-ACK. No connection is completed.
//! - 13:02:00 203.0.113.99: an HTTP vulnerability scanner (Nikto user agent, then Acunetix,
//!   then sqlmap's) probing paths such as `/.env`, `/wp-admin/`, `/../../etc/passwd` over
//!   keep-alive connections; almost everything answers 404.
//!
//! Other seeds draw the kind of reconnaissance, its source (outside, or an inside host
//! already compromised), its target, size and pace: a TCP SYN scan of 40-400 ports, a UDP
//! scan of 40-200 ports, a ping sweep of 20-80 inside addresses, or a TCP SYN sweep of one
//! service port (SMB, RDP, SSH, Telnet, VNC) over 20-80 inside addresses; and, half the time,
//! the web scanner from its own address with one to three of its user agents.

use super::benign::light_background;
use super::common::*;
use crate::flow::{self, Dir, TcpSession, UdpFlow, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::packet;
use crate::protocols::http::{self, Request};

pub const SCANNER: [u8; 4] = [198, 51, 100, 200];
pub const WEB_SCANNER: [u8; 4] = [203, 0, 113, 99];
pub const SCANNED_PORTS: usize = 240;

const COMMON: &[u16] = &[
    21, 22, 23, 25, 53, 80, 81, 88, 110, 111, 135, 139, 143, 179, 389, 443, 445, 465, 514, 515,
    587, 631, 636, 873, 993, 995, 1025, 1080, 1194, 1433, 1521, 1723, 2049, 2082, 2083, 2222, 2375,
    3000, 3128, 3306, 3389, 4443, 5000, 5060, 5432, 5601, 5900, 5985, 6379, 6443, 7001, 8000, 8008,
    8080, 8081, 8443, 8888, 9000, 9090, 9200, 9443, 10000, 11211, 27017,
];

const PROBE_PATHS: &[&str] = &[
    "/.env",
    "/.git/config",
    "/.git/HEAD",
    "/.svn/entries",
    "/.DS_Store",
    "/wp-admin/",
    "/wp-login.php",
    "/wp-content/plugins/",
    "/xmlrpc.php",
    "/phpmyadmin/",
    "/pma/",
    "/admin/",
    "/administrator/",
    "/admin.php",
    "/login.php",
    "/server-status",
    "/server-info",
    "/config.php.bak",
    "/config.inc.php",
    "/backup.zip",
    "/backup.sql",
    "/db.sql",
    "/dump.sql",
    "/.htaccess",
    "/.htpasswd",
    "/web.config",
    "/cgi-bin/test-cgi",
    "/cgi-bin/php",
    "/shell.php",
    "/cmd.php",
    "/phpinfo.php",
    "/info.php",
    "/test.php",
    "/console/",
    "/manager/html",
    "/jmx-console/",
    "/solr/admin/",
    "/actuator/env",
    "/api/v1/users",
    "/debug/pprof/",
    "/../../etc/passwd",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/index.php?page=../../../../etc/passwd",
    "/lookup.php?voter_id=../../../../etc/passwd%00",
    "/?s=<script>alert(1)</script>",
    "/robots.txt",
    "/sitemap.xml",
    "/crossdomain.xml",
    "/.well-known/security.txt",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
];

pub fn build(ctx: &mut Ctx) {
    if ctx.varied {
        return varied(ctx);
    }
    let t0 = net::START_NS;
    light_background(ctx, t0, 300 * NS_PER_SEC, 4, 32);
    let scanner = net::external(
        net::v4(SCANNER[0], SCANNER[1], SCANNER[2], SCANNER[3]),
        net::Os::Linux,
        11,
    );
    let portal = net::portal();
    let wire = Wire::between(&scanner, &portal);
    let rtt = 35 * NS_PER_MS;
    let mut t = flow::ping(
        &mut ctx.tl,
        &mut ctx.rng,
        scanner,
        portal,
        wire,
        t0 + 30 * NS_PER_SEC,
        1,
        NS_PER_SEC,
        rtt,
    );

    // Port list: the common ones plus others, shuffled (nmap randomises the order).
    let mut ports: Vec<u16> = COMMON.to_vec();
    while ports.len() < SCANNED_PORTS {
        let p = ctx.rng.range(1, 10_000) as u16;
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    for i in (1..ports.len()).rev() {
        let j = ctx.rng.below(i as u64 + 1) as usize;
        ports.swap(i, j);
    }
    let sport = ctx.rng.range(40_000, 60_000) as u16;
    for &p in &ports {
        let mut s = TcpSession::new(
            &mut ctx.rng,
            scanner,
            sport,
            portal,
            p,
            wire,
            t,
            rtt,
            120_000,
        );
        s.syn(&mut ctx.tl);
        if [22, 80, 443].contains(&p) {
            s.syn_ack(&mut ctx.tl);
            s.reset(&mut ctx.tl, Dir::ToServer, rtt, false);
        } else {
            s.reset(&mut ctx.tl, Dir::ToClient, 120_000, true);
        }
        t += ctx.rng.range(6, 14) * NS_PER_MS;
    }

    ctx.truth(
        "port-scan",
        scanner.ip,
        portal.ip,
        (t0 + 30 * NS_PER_SEC, t),
        format!("TCP SYN scan of {SCANNED_PORTS} ports"),
    );

    // The web scanner: several keep-alive connections of probes.
    let web = net::external(
        net::v4(
            WEB_SCANNER[0],
            WEB_SCANNER[1],
            WEB_SCANNER[2],
            WEB_SCANNER[3],
        ),
        net::Os::Linux,
        15,
    );
    web_scan(
        ctx,
        web,
        t0 + 120 * NS_PER_SEC,
        &[http::UA_NIKTO, http::UA_ACUNETIX, http::UA_SQLMAP],
    );
}

/// The web scanner from `web`: one keep-alive series of probes per user agent, all paths for
/// the first, every (3+k)th for the others, 20 s apart.
fn web_scan(ctx: &mut Ctx, web: Host, start: u64, agents: &[&str]) {
    let portal = net::portal();
    let mut t = start;
    for (k, ua) in agents.iter().enumerate() {
        let paths: Vec<&str> = if k == 0 {
            PROBE_PATHS.to_vec()
        } else {
            PROBE_PATHS.iter().copied().step_by(3 + k).collect()
        };
        for chunk in paths.chunks(12) {
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = chunk
                .iter()
                .map(|p| {
                    let req = Request::get(p, net::PORTAL_NAME, ua).encode();
                    let resp = match *p {
                        "/robots.txt" => http::response(
                            200,
                            "OK",
                            "text/plain",
                            &[],
                            b"User-agent: *\nDisallow: /admin/\nDisallow: /lookup.php\n",
                        ),
                        "/server-status" | "/.htaccess" | "/.htpasswd" => http::response(
                            403,
                            "Forbidden",
                            "text/html",
                            &[],
                            b"<html><head><title>403 Forbidden</title></head></html>\n",
                        ),
                        _ => http::not_found(),
                    };
                    (req, resp)
                })
                .collect();
            t = http_session(
                ctx,
                web,
                portal,
                80,
                t,
                60 * NS_PER_MS,
                150_000,
                &pairs,
                (20 * NS_PER_MS, 120 * NS_PER_MS),
            ) + ctx.rng.range(100, 800) * NS_PER_MS;
        }
        t += 20 * NS_PER_SEC;
    }
    ctx.truth(
        "web-scanner",
        web.ip,
        portal.ip,
        (start, t),
        format!("{} user agents", agents.len()),
    );
}

/// One probe: a SYN from `src` to `dst:port`, answered with SYN-ACK (open: the scanner
/// resets), RST-ACK (closed) or nothing (filtered).
#[allow(clippy::too_many_arguments)]
fn syn_probe(
    ctx: &mut Ctx,
    src: Host,
    sport: u16,
    dst: Host,
    port: u16,
    t: u64,
    rtt: u64,
    answer: u8,
) {
    let wire = Wire::between(&src, &dst);
    let mut s = TcpSession::new(&mut ctx.rng, src, sport, dst, port, wire, t, rtt, 120_000);
    s.syn(&mut ctx.tl);
    match answer {
        0 => {
            s.syn_ack(&mut ctx.tl);
            s.reset(&mut ctx.tl, Dir::ToServer, rtt, false);
        }
        1 => s.reset(&mut ctx.tl, Dir::ToClient, 120_000, true),
        _ => {}
    }
}

/// An ICMP echo request, answered or not.
fn echo(ctx: &mut Ctx, src: Host, dst: Host, t: u64, answered: bool) {
    if answered {
        flow::ping(
            &mut ctx.tl,
            &mut ctx.rng,
            src,
            dst,
            Wire::between(&src, &dst),
            t,
            1,
            NS_PER_SEC,
            400_000,
        );
        return;
    }
    let wire = Wire::between(&src, &dst);
    let ip = packet::Ip::new(src.ip, dst.ip, src.ttl, ctx.rng.next_u32());
    let rest = [ctx.rng.next_u32() as u8, 7, 0, 1];
    let payload = [0u8; 56];
    let mut buf = ctx.tl.buffer();
    packet::icmp_frame(&mut buf, &wire.link, &ip, 8, 0, rest, &payload);
    ctx.tl.push(t, wire.iface, buf, None);
}

/// Other seeds: the kind, source, target, size and pace of the reconnaissance drawn.
fn varied(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    light_background(ctx, t0, 300 * NS_PER_SEC, 4, 32);
    let start = t0 + ctx.rng.range(20, 90) * NS_PER_SEC;
    let pace = ctx.rng.range(2, 30) * NS_PER_MS;
    let mut t = start;
    match ctx.rng.below(4) {
        kind @ (0 | 1) => {
            let src = ctx.outside_client();
            let target = *ctx.rng.pick(&[
                net::portal(),
                net::portal(),
                net::mail_relay(),
                net::database(),
            ]);
            let rtt = ctx.rng.range(10, 80) * NS_PER_MS;
            let mut ports: Vec<u16> = COMMON.to_vec();
            let n = if kind == 0 {
                ctx.rng.range(40, 400)
            } else {
                ctx.rng.range(40, 200)
            } as usize;
            while ports.len() < n.max(COMMON.len()) {
                let p = ctx.rng.range(1, 20_000) as u16;
                if !ports.contains(&p) {
                    ports.push(p);
                }
            }
            for i in (1..ports.len()).rev() {
                let j = ctx.rng.below(i as u64 + 1) as usize;
                ports.swap(i, j);
            }
            ports.truncate(n);
            let sport = ctx.rng.range(40_000, 60_000) as u16;
            for &p in &ports {
                if kind == 0 {
                    let open = [22, 25, 80, 443].contains(&p);
                    let answer = if open {
                        0
                    } else if ctx.rng.chance(80) {
                        1
                    } else {
                        2
                    };
                    syn_probe(ctx, src, sport, target, p, t, rtt, answer);
                } else {
                    // UDP probes with empty or protocol-shaped payloads; filtered ports stay
                    // silent, an open one (DNS, NTP, SNMP) answers.
                    let mut f = UdpFlow::new(
                        &mut ctx.rng,
                        src,
                        sport,
                        target,
                        p,
                        Wire::between(&src, &target),
                    );
                    let n = ctx.rng.range(0, 48) as usize;
                    let probe = ctx.rng.bytes(n);
                    f.send(&mut ctx.tl, true, t, &probe);
                    if [53, 123, 161].contains(&p) {
                        let r = ctx.rng.bytes(48);
                        f.send(&mut ctx.tl, false, t + rtt, &r);
                    }
                }
                t += pace;
            }
            let what = if kind == 0 { "TCP SYN" } else { "UDP" };
            ctx.truth(
                "port-scan",
                src.ip,
                target.ip,
                (start, t),
                format!("{what} scan of {n} ports"),
            );
        }
        kind => {
            let src = if ctx.rng.chance(50) {
                let h = ctx.inside_host();
                // The compromised host's own ordinary browsing before the sweep.
                let at = t0 + ctx.rng.below(10 * NS_PER_SEC);
                super::benign::browse(ctx, h, at);
                h
            } else {
                ctx.outside_client()
            };
            let subnet = ctx.rng.range(3, 9) as u8;
            let n = ctx.rng.range(20, 80) as u8;
            let first = ctx.rng.range(1, 250 - n as u64) as u8;
            let port = *ctx.rng.pick(&[445u16, 3389, 22, 23, 5900]);
            let sport = ctx.rng.range(40_000, 60_000) as u16;
            let mut first_target = None;
            for k in 0..n {
                let dst = net::internal(net::v4(10, 10, subnet, first + k), net::Os::Windows);
                if dst.ip == src.ip {
                    continue;
                }
                first_target.get_or_insert(dst.ip);
                let alive = ctx.rng.chance(25);
                if kind == 2 {
                    echo(ctx, src, dst, t, alive);
                } else {
                    let answer = if alive {
                        0
                    } else if ctx.rng.chance(30) {
                        1
                    } else {
                        2
                    };
                    let sp = if ctx.rng.chance(50) {
                        sport
                    } else {
                        ctx.port(&src)
                    };
                    syn_probe(ctx, src, sp, dst, port, t, 300_000, answer);
                }
                t += pace;
            }
            let dst = first_target.unwrap_or(net::portal().ip);
            let (kind, what) = if kind == 2 {
                (
                    "ping-sweep",
                    format!("ICMP echo to {n} addresses of 10.10.{subnet}.0/24"),
                )
            } else {
                (
                    "network-scan",
                    format!("TCP SYN to port {port} of {n} addresses of 10.10.{subnet}.0/24"),
                )
            };
            ctx.truth(kind, src.ip, dst, (start, t), what);
        }
    }
    if ctx.rng.chance(50) {
        let web = ctx.outside_client();
        let all = [http::UA_NIKTO, http::UA_ACUNETIX, http::UA_SQLMAP];
        let k = ctx.rng.range(1, 3) as usize;
        let first = ctx.rng.below(3) as usize;
        let agents: Vec<&str> = (0..k).map(|i| all[(first + i) % 3]).collect();
        let at = t + ctx.rng.range(10, 60) * NS_PER_SEC;
        web_scan(ctx, web, at, &agents);
    }
}
