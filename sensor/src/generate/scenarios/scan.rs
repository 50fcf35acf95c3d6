//! Reconnaissance of the portal:
//!
//! - 13:00:30 198.51.100.200 (nmap-like): ICMP echo, then a SYN scan of 240 TCP ports from one
//!   source port in random order, about 100 probes a second. Open ports (22, 80, 443) answer
//!   SYN-ACK and get a RST back; the rest answer RST-ACK. No connection is completed.
//! - 13:02:00 203.0.113.99: an HTTP vulnerability scanner (Nikto user agent, then Acunetix,
//!   then sqlmap's) probing paths such as `/.env`, `/wp-admin/`, `/../../etc/passwd` over
//!   keep-alive connections; almost everything answers 404.

use super::benign::light_background;
use super::common::*;
use crate::generate::flow::{self, Dir, TcpSession, Wire};
use crate::generate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::generate::protocols::http::{self, Request};

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
    let mut t = t0 + 120 * NS_PER_SEC;
    let agents = [http::UA_NIKTO, http::UA_ACUNETIX, http::UA_SQLMAP];
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
}
