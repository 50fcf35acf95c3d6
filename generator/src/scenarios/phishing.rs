//! Spear-phishing of an election official:
//!
//! - 13:00:40 a message arrives at the mail relay from 192.0.2.77 (plain SMTP) with a link to
//!   `http://voter-elections-login.test/verify`;
//! - 13:03:10 workstation 10.10.3.42 resolves `voter-elections-login.test` (-> 192.0.2.66),
//!   fetches the look-alike login page and POSTs a user name and password to it; the site
//!   redirects to the real portal;
//! - 13:05:00 the same workstation opens `elections-example-sso.test` over HTTPS (SNI only).
//!
//! Other seeds draw the victim, the sender, the sites' addresses and look-alike names
//! (combosquats and homoglyphs of `elections`), the times, the credentials, and whether the
//! password goes out over plain HTTP (a quarter of the seeds use only the HTTPS site).

use super::benign::light_background;
use super::common::*;
use crate::flow::{Dir, TcpSession, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::http::{self, Request};
use crate::protocols::tls;

pub const LOOKALIKE: &str = "voter-elections-login.test";
pub const LOOKALIKE_SSO: &str = "elections-example-sso.test";
pub const VICTIM: u8 = 42;

struct Plan {
    victim: Host,
    sender: Host,
    site: Host,
    sso: Host,
    lookalike: String,
    lookalike_sso: String,
    click: u64,
    sso_at: u64,
    cleartext: bool,
    creds: String,
}

fn combosquat(rng: &mut crate::rng::Rng) -> String {
    let core = *rng.pick(&["elections", "elections", "e1ections", "electi0ns"]);
    match rng.below(3) {
        0 => format!(
            "{}-{core}-{}.test",
            rng.pick(&["voter", "vote", "county", "secure"]),
            rng.pick(&["login", "verify", "account", "portal"])
        ),
        1 => format!(
            "{core}-{}-sso.test",
            rng.pick(&["example", "office", "staff"])
        ),
        _ => format!(
            "{}-{core}.test",
            rng.pick(&["myvoter", "login", "verify", "staff"])
        ),
    }
}

fn plan(ctx: &mut Ctx, t0: u64) -> Plan {
    if !ctx.varied {
        return Plan {
            victim: net::workstation(VICTIM),
            sender: net::external(net::v4(192, 0, 2, 77), net::Os::Linux, 12),
            site: net::external(net::v4(192, 0, 2, 66), net::Os::Linux, 13),
            sso: net::external(net::v4(192, 0, 2, 67), net::Os::Linux, 13),
            lookalike: LOOKALIKE.into(),
            lookalike_sso: LOOKALIKE_SSO.into(),
            click: t0 + 190 * NS_PER_SEC,
            sso_at: t0 + 300 * NS_PER_SEC,
            cleartext: true,
            creds: "username=j.doe%40elections.example&password=Autumn2026%21Vote&remember=on"
                .into(),
        };
    }
    let victim = ctx.inside_host();
    let sender = ctx.outside_server();
    let site = ctx.outside_server();
    let sso = ctx.outside_server();
    let r = &mut ctx.rng;
    let lookalike = combosquat(r);
    let mut lookalike_sso = combosquat(r);
    while lookalike_sso == lookalike {
        lookalike_sso = combosquat(r);
    }
    let click = t0 + r.range(120, 240) * NS_PER_SEC;
    let sso_at = click + r.range(60, 180) * NS_PER_SEC;
    let user = r.pick(&["j.doe", "m.smith", "clerk", "a.garcia", "poll.admin"]);
    let creds = format!(
        "{}={user}%40elections.example&{}={}{}%21&remember=on",
        r.pick(&["username", "user", "email", "login"]),
        r.pick(&["password", "pass", "pwd"]),
        r.pick(&["Autumn", "Ballot", "County", "Summer"]),
        r.range(2020, 2026)
    );
    Plan {
        victim,
        sender,
        site,
        sso,
        lookalike,
        lookalike_sso,
        click,
        sso_at,
        cleartext: r.chance(75),
        creds,
    }
}

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let p = plan(ctx, t0);
    let span = if ctx.varied {
        (p.sso_at - t0 + 120 * NS_PER_SEC).max(420 * NS_PER_SEC)
    } else {
        420 * NS_PER_SEC
    };
    light_background(ctx, t0, span, 4, 33);
    let (lookalike, lookalike_sso) = (p.lookalike.as_str(), p.lookalike_sso.as_str());

    // The lure, delivered to the relay.
    let sender = p.sender;
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
    let ws = p.victim;
    let site = p.site;
    if p.cleartext {
        click(ctx, ws, site, lookalike, p.click, p.creds.as_bytes());
        ctx.truth(
            "cleartext-password",
            ws.ip,
            site.ip,
            (p.click, p.click + 30 * NS_PER_SEC),
            format!("form POST to http://{lookalike}/verify"),
        );
    }

    // The HTTPS look-alike.
    let sso = p.sso;
    let t = resolve_a(ctx, ws, p.sso_at, lookalike_sso, sso.ip);
    let plan = TlsPlan {
        client_kind: tls::Client::Chrome,
        sni: lookalike_sso,
        exchanges: vec![(520, 4200), (610, 800)],
        think: (5 * NS_PER_SEC, 9 * NS_PER_SEC),
        fin: false,
    };
    let end = https_session(
        ctx,
        ws,
        sso,
        Wire::between(&ws, &sso),
        t + NS_PER_MS,
        200_000,
        60 * NS_PER_MS,
        &plan,
    );
    let first = if p.cleartext { p.click } else { p.sso_at };
    ctx.truth(
        "lookalike",
        ws.ip,
        net::resolver().ip,
        (first, end),
        format!("{lookalike}, {lookalike_sso}"),
    );
}

/// The victim opens the lure's link, gets the form and posts the credentials in clear text.
fn click(ctx: &mut Ctx, ws: Host, site: Host, lookalike: &str, at: u64, creds: &[u8]) {
    let t = resolve_a(ctx, ws, at, lookalike, site.ip);
    let form = b"<!DOCTYPE html><html><head><title>Voter Elections Portal - Sign in</title></head><body>\n<form method=\"post\" action=\"/verify\"><input name=\"username\"><input name=\"password\" type=\"password\"><button>Sign in</button></form>\n</body></html>\n";
    let referer = format!("http://{lookalike}/verify?user=j.doe");
    let pairs = vec![
        (
            Request::get("/verify?user=j.doe", lookalike, http::UA_EDGE).encode(),
            http::ok_html(form),
        ),
        (
            Request::post(
                "/verify",
                lookalike,
                http::UA_EDGE,
                "application/x-www-form-urlencoded",
                creds,
            )
            .header("Origin", format!("http://{lookalike}"))
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
}
