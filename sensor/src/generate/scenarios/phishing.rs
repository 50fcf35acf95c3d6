//! Spear-phishing of an election official:
//!
//! - 13:00:40 a message arrives at the mail relay from 192.0.2.77 (plain SMTP) with a link to
//!   `http://voter-elections-login.test/verify`;
//! - 13:03:10 workstation 10.10.3.42 resolves `voter-elections-login.test` (-> 192.0.2.66),
//!   fetches the look-alike login page and POSTs a user name and password to it; the site
//!   redirects to the real portal;
//! - 13:05:00 the same workstation opens `elections-example-sso.test` over HTTPS (SNI only).

use super::benign::light_background;
use super::common::*;
use crate::generate::flow::{Dir, TcpSession, Wire};
use crate::generate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::generate::protocols::http::{self, Request};
use crate::generate::protocols::tls;

pub const LOOKALIKE: &str = "voter-elections-login.test";
pub const LOOKALIKE_SSO: &str = "elections-example-sso.test";
pub const VICTIM: u8 = 42;

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    light_background(ctx, t0, 420 * NS_PER_SEC, 4, 33);

    // The lure, delivered to the relay.
    let sender = net::external(net::v4(192, 0, 2, 77), net::Os::Linux, 12);
    let relay = net::mail_relay();
    let port = ctx.port(&sender);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        sender,
        port,
        relay,
        25,
        Wire::between(&sender, &relay),
        t0 + 40 * NS_PER_SEC,
        70 * NS_PER_MS,
        200_000,
    );
    s.handshake(&mut ctx.tl);
    let lines: [(&[u8], &[u8]); 5] = [
        (b"EHLO mail.secure-notify.test\r\n", b"250-relay.elections.example\r\n250-SIZE 52428800\r\n250 8BITMIME\r\n"),
        (b"MAIL FROM:<it-support@secure-notify.test>\r\n", b"250 2.1.0 Ok\r\n"),
        (b"RCPT TO:<j.doe@elections.example>\r\n", b"250 2.1.5 Ok\r\n"),
        (b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (
            b"From: \"Election IT Support\" <it-support@secure-notify.test>\r\nTo: j.doe@elections.example\r\nSubject: Action required: verify your election-management account\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour account will be suspended before polls close unless you verify it today:\r\n\r\n  http://voter-elections-login.test/verify?user=j.doe\r\n\r\nElection IT Support\r\n.\r\n",
            b"250 2.0.0 Ok: queued as 4Q1XZ2\r\n",
        ),
    ];
    s.reply(
        &mut ctx.tl,
        Dir::ToClient,
        b"220 relay.elections.example ESMTP\r\n",
        2 * NS_PER_MS,
    );
    for (c, r) in lines {
        s.reply(&mut ctx.tl, Dir::ToServer, c, 100_000);
        s.reply(&mut ctx.tl, Dir::ToClient, r, NS_PER_MS);
    }
    s.reply(&mut ctx.tl, Dir::ToServer, b"QUIT\r\n", 100_000);
    s.reply(&mut ctx.tl, Dir::ToClient, b"221 2.0.0 Bye\r\n", NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToClient);

    // The click, the form, the POST.
    let ws = net::workstation(VICTIM);
    let site = net::external(net::v4(192, 0, 2, 66), net::Os::Linux, 13);
    let t = resolve_a(ctx, ws, t0 + 190 * NS_PER_SEC, LOOKALIKE, site.ip);
    let form = b"<!DOCTYPE html><html><head><title>Voter Elections Portal - Sign in</title></head><body>\n<form method=\"post\" action=\"/verify\"><input name=\"username\"><input name=\"password\" type=\"password\"><button>Sign in</button></form>\n</body></html>\n";
    let creds = b"username=j.doe%40elections.example&password=Autumn2026%21Vote&remember=on";
    let referer = format!("http://{LOOKALIKE}/verify?user=j.doe");
    let pairs = vec![
        (
            Request::get("/verify?user=j.doe", LOOKALIKE, http::UA_EDGE).encode(),
            http::ok_html(form),
        ),
        (
            Request::post(
                "/verify",
                LOOKALIKE,
                http::UA_EDGE,
                "application/x-www-form-urlencoded",
                creds,
            )
            .header("Origin", format!("http://{LOOKALIKE}"))
            .header("Referer", referer)
            .header("Cookie", format!("sid={}", ctx.rng.hex(32)))
            .encode(),
            http::response(
                302,
                "Found",
                "text/html",
                &[("Location", format!("https://{}/", net::PORTAL_NAME))],
                b"",
            ),
        ),
    ];
    let (rc, rs) = (200_000, 55 * NS_PER_MS);
    http_session(
        ctx,
        ws,
        site,
        80,
        t + NS_PER_MS,
        rc,
        rs,
        &pairs,
        (6 * NS_PER_SEC, 14 * NS_PER_SEC),
    );

    // The HTTPS look-alike.
    let sso = net::external(net::v4(192, 0, 2, 67), net::Os::Linux, 13);
    let t = resolve_a(ctx, ws, t0 + 300 * NS_PER_SEC, LOOKALIKE_SSO, sso.ip);
    let plan = TlsPlan {
        client_kind: tls::Client::Chrome,
        sni: LOOKALIKE_SSO,
        exchanges: vec![(520, 4200), (610, 800)],
        think: (5 * NS_PER_SEC, 9 * NS_PER_SEC),
        fin: false,
    };
    https_session(
        ctx,
        ws,
        sso,
        Wire::between(&ws, &sso),
        t + NS_PER_MS,
        200_000,
        60 * NS_PER_MS,
        &plan,
    );
}
