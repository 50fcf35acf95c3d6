//! Building blocks shared by the scenarios: the generation context and the everyday activities
//! (a DNS lookup, an HTTPS session, an HTTP keep-alive session, a portal visit with its database
//! queries).

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::flow::{Dir, TcpSession, UdpFlow, Wire};
use crate::net::{self, Host, Ports, NS_PER_MS, NS_PER_SEC, NS_PER_US};
use crate::protocols::dns::{self, Message, Rdata, Record};
use crate::protocols::http::{self, Request};
use crate::protocols::{postgres, tls};
use crate::rng::Rng;
use crate::timeline::Timeline;

/// Everything a scenario draws from and writes to.
pub struct Ctx {
    pub rng: Rng,
    pub tl: Timeline,
    pub ports: Ports,
    /// The scenario draws its parameters (addresses, periods, jitter, volumes, timing,
    /// protocol) from the seed. False for the default seed: the committed captures keep the
    /// parameters `pcaps/README.md` documents, and their bytes.
    pub varied: bool,
    /// Addresses handed out by `inside_host` / `outside_*` (never twice in one capture).
    pub used: BTreeSet<IpAddr>,
    /// What the capture holds that a detector should find (`--truth`).
    pub truth: Vec<Truth>,
}

/// One thing a capture holds that a detector should report: its kind, the two hosts (the
/// actor first) and the packet time it spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Truth {
    pub kind: &'static str,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub start_ns: u64,
    pub end_ns: u64,
    /// How it was made (protocol, period, volume), for people reading the truth file.
    pub detail: String,
}

impl Ctx {
    pub fn new(rng: Rng) -> Ctx {
        Ctx {
            rng,
            tl: Timeline::new(),
            ports: Ports::default(),
            varied: false,
            used: BTreeSet::new(),
            truth: Vec::new(),
        }
    }

    pub fn port(&mut self, h: &Host) -> u16 {
        self.ports.next(&mut self.rng, h)
    }

    /// Records what a detector should find.
    pub fn truth(
        &mut self,
        kind: &'static str,
        src: IpAddr,
        dst: IpAddr,
        span: (u64, u64),
        detail: String,
    ) {
        self.truth.push(Truth {
            kind,
            src,
            dst,
            start_ns: span.0,
            end_ns: span.1,
            detail,
        });
    }

    /// `canonical` for the default seed, else `draw()` (a seed-varied parameter).
    pub fn vary<T>(&mut self, canonical: T, draw: impl FnOnce(&mut Rng) -> T) -> T {
        if self.varied {
            draw(&mut self.rng)
        } else {
            canonical
        }
    }

    fn fresh(&mut self, mut draw: impl FnMut(&mut Rng) -> Host) -> Host {
        loop {
            let h = draw(&mut self.rng);
            if self.used.insert(h.ip) {
                return h;
            }
        }
    }

    /// An inside host of the staff networks (10.10.4.0-10.10.9.255: away from the fixed
    /// hosts of 10.10.0-3.x), Windows or Linux, not handed out before in this capture.
    pub fn inside_host(&mut self) -> Host {
        self.fresh(|r| {
            let os = if r.chance(75) {
                net::Os::Windows
            } else {
                net::Os::Linux
            };
            net::internal(
                net::v4(10, 10, r.range(4, 9) as u8, r.range(20, 239) as u8),
                os,
            )
        })
    }

    /// An Internet server not handed out before in this capture.
    pub fn outside_server(&mut self) -> Host {
        self.fresh(internet_server)
    }

    /// An Internet client not handed out before in this capture.
    pub fn outside_client(&mut self) -> Host {
        self.fresh(internet_client)
    }
}

/// A made-up domain name: two words, a TLD of the documentation zones.
pub fn made_up_domain(rng: &mut Rng) -> String {
    const A: &[&str] = &[
        "cdn", "cloud", "edge", "secure", "static", "api", "sync", "data", "files", "metrics",
        "update", "assets", "global", "fast", "net", "app",
    ];
    const B: &[&str] = &[
        "telemetry",
        "relay",
        "store",
        "services",
        "hub",
        "gateway",
        "stats",
        "media",
        "portal",
        "cache",
        "link",
        "zone",
        "labs",
        "works",
        "point",
        "node",
    ];
    format!(
        "{}-{}{}.{}",
        rng.pick(A),
        rng.pick(B),
        rng.range(1, 99),
        rng.pick(&["test", "example"])
    )
}

/// Round trips as seen at the sensor, which sits next to the portal and the office LAN.
pub fn lan_rtt(rng: &mut Rng) -> u64 {
    rng.range(80, 400) * NS_PER_US
}

pub fn wan_rtt(rng: &mut Rng) -> u64 {
    rng.range(12, 90) * NS_PER_MS
}

/// One UDP DNS question and its answer from the resolver; returns when the answer arrived.
pub fn dns_lookup(
    ctx: &mut Ctx,
    client: Host,
    server: Host,
    wire: Wire,
    t: u64,
    q: &Message,
    resp: &Message,
) -> u64 {
    let port = ctx.port(&client);
    let mut f = UdpFlow::new(&mut ctx.rng, client, port, server, 53, wire);
    f.send(&mut ctx.tl, true, t, &q.encode());
    // Cached answers come back in well under a millisecond; others take an upstream trip.
    let delay = if ctx.rng.chance(60) {
        ctx.rng.range(150, 900) * NS_PER_US
    } else {
        ctx.rng.range(8, 70) * NS_PER_MS
    };
    f.send(&mut ctx.tl, false, t + delay, &resp.encode());
    t + delay
}

/// A DNS query and answer over TCP (two-byte length prefix): what a stub does after a
/// truncated UDP answer, or for answers it knows are large. Returns the last packet time.
pub fn resolve_tcp(
    ctx: &mut Ctx,
    client: Host,
    t: u64,
    name: &str,
    qtype: u16,
    answers: Vec<Record>,
) -> u64 {
    let resolver = net::resolver();
    let port = ctx.port(&client);
    let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, lan_rtt(&mut ctx.rng) / 2);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        client,
        port,
        resolver,
        53,
        Wire::between(&client, &resolver),
        t,
        rc,
        rs,
    );
    s.handshake(&mut ctx.tl);
    let q = Message::query(ctx.rng.next_u32() as u16, name, qtype);
    s.send(&mut ctx.tl, Dir::ToServer, &q.encode_tcp());
    let work = ctx.rng.range(2, 25) * NS_PER_MS;
    s.reply(
        &mut ctx.tl,
        Dir::ToClient,
        &q.answer(answers).encode_tcp(),
        work,
    );
    s.wait(&mut ctx.tl, 5 * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
    s.last
}

/// A DNS lookup of `name` answered with `answers` (NXDOMAIN when there are none).
pub fn resolve(
    ctx: &mut Ctx,
    client: Host,
    t: u64,
    name: &str,
    qtype: u16,
    answers: Vec<Record>,
) -> u64 {
    let id = ctx.rng.next_u32() as u16;
    let q = Message::query(id, name, qtype);
    let r = if answers.is_empty() {
        q.nxdomain(registered_domain(name))
    } else {
        q.answer(answers)
    };
    let resolver = net::resolver();
    dns_lookup(
        ctx,
        client,
        resolver,
        Wire::between(&client, &resolver),
        t,
        &q,
        &r,
    )
}

/// The last two labels of a name (good enough for the fictional zones used here).
pub fn registered_domain(name: &str) -> &str {
    let mut dots = name.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((i, _))) => &name[i + 1..],
        _ => name,
    }
}

pub fn a_record(name: &str, ttl: u32, ip: IpAddr) -> Record {
    let data = match ip {
        IpAddr::V4(a) => Rdata::A(a),
        IpAddr::V6(a) => Rdata::Aaaa(a),
    };
    Record {
        name: name.into(),
        ttl,
        data,
    }
}

/// A browser's A lookup, sometimes through a CDN CNAME.
pub fn resolve_a(ctx: &mut Ctx, client: Host, t: u64, name: &str, ip: IpAddr) -> u64 {
    let mut answers = Vec::new();
    if ctx.rng.chance(30) {
        let cname = format!("{}.cdn.example.net", name.replace('.', "-"));
        answers.push(Record {
            name: name.into(),
            ttl: 300,
            data: Rdata::Cname(cname.clone()),
        });
        answers.push(a_record(&cname, 60, ip));
    } else {
        answers.push(a_record(name, ctx.rng.range(60, 3600) as u32, ip));
    }
    let qtype = if ip.is_ipv6() {
        dns::TYPE_AAAA
    } else {
        dns::TYPE_A
    };
    resolve(ctx, client, t, name, qtype, answers)
}

/// How an HTTPS session goes.
#[derive(Clone, Debug)]
pub struct TlsPlan<'a> {
    pub client_kind: tls::Client,
    pub sni: &'a str,
    /// (request bytes, response bytes) of each exchange of application data.
    pub exchanges: Vec<(usize, usize)>,
    /// Idle between exchanges.
    pub think: (u64, u64),
    /// Close with FIN (else RST from the client, as browsers often do).
    pub fin: bool,
}

/// A full HTTPS session: handshake, ClientHello/ServerHello, application data, close.
/// Returns the session's last packet time.
#[allow(clippy::too_many_arguments)]
pub fn https_session(
    ctx: &mut Ctx,
    client: Host,
    server: Host,
    wire: Wire,
    t: u64,
    rtt_c: u64,
    rtt_s: u64,
    plan: &TlsPlan<'_>,
) -> u64 {
    let port = ctx.port(&client);
    let sport = 443;
    let mut s = TcpSession::new(
        &mut ctx.rng,
        client,
        port,
        server,
        sport,
        wire,
        t,
        rtt_c,
        rtt_s,
    );
    s.handshake(&mut ctx.tl);
    run_tls(ctx, &mut s, plan);
    s.last
}

/// The TLS part of a session already set up (shared with the bench generator).
pub fn run_tls(ctx: &mut Ctx, s: &mut TcpSession, plan: &TlsPlan<'_>) {
    tls_handshake(ctx, s, plan.client_kind, plan.sni);
    tls_exchanges(ctx, s, &plan.exchanges, plan.think);
    tls_close(ctx, s, plan.fin);
}

/// ClientHello, the server's flight, the client's Finished (and the TLS 1.2 server's).
pub fn tls_handshake(ctx: &mut Ctx, s: &mut TcpSession, kind: tls::Client, sni: &str) {
    let tls13 = kind.is_tls13();
    let ch = tls::client_hello(&mut ctx.rng, kind, sni, &[]);
    s.send(&mut ctx.tl, Dir::ToServer, &ch);
    let alpn = match kind {
        tls::Client::Legacy12 => None,
        _ => Some("http/1.1"),
    };
    let flight = tls::server_flight(&mut ctx.rng, tls13, sni, alpn);
    s.reply(&mut ctx.tl, Dir::ToClient, &flight, 300 * NS_PER_US);
    let fin = tls::client_finish(&mut ctx.rng, tls13);
    s.reply(&mut ctx.tl, Dir::ToServer, &fin, 200 * NS_PER_US);
    if !tls13 {
        let sf = tls::server_finish(&mut ctx.rng);
        s.reply(&mut ctx.tl, Dir::ToClient, &sf, 100 * NS_PER_US);
    }
}

/// Request/response pairs of application data, `think` apart.
pub fn tls_exchanges(
    ctx: &mut Ctx,
    s: &mut TcpSession,
    exchanges: &[(usize, usize)],
    think: (u64, u64),
) {
    for (i, &(req, resp)) in exchanges.iter().enumerate() {
        if i > 0 {
            let w = ctx.rng.range(think.0, think.1.max(think.0));
            s.wait(&mut ctx.tl, w);
        }
        if req > 0 {
            let r = tls::app_data(&mut ctx.rng, req);
            s.reply(&mut ctx.tl, Dir::ToServer, &r, 100 * NS_PER_US);
        }
        if resp > 0 {
            let r = tls::app_data(&mut ctx.rng, resp);
            let proc = ctx.rng.range(1, 40) * NS_PER_MS;
            s.reply(&mut ctx.tl, Dir::ToClient, &r, proc);
        }
    }
}

/// A pause, then close_notify and FIN, or a client RST.
pub fn tls_close(ctx: &mut Ctx, s: &mut TcpSession, fin: bool) {
    s.wait(&mut ctx.tl, ctx.rng.range(50, 2000) * NS_PER_MS);
    if fin {
        // close_notify alert first, as TLS libraries send it.
        let alert = tls::record(21, 0x0303, &ctx.rng.bytes(26));
        s.send(&mut ctx.tl, Dir::ToServer, &alert);
        s.close(&mut ctx.tl, Dir::ToServer);
    } else {
        s.abort(&mut ctx.tl, Dir::ToServer);
    }
}

/// A plain-HTTP keep-alive session: each (request, response) pair in turn, `think` apart.
/// Returns the session's last packet time.
#[allow(clippy::too_many_arguments)]
pub fn http_session(
    ctx: &mut Ctx,
    client: Host,
    server: Host,
    port: u16,
    t: u64,
    rtt_c: u64,
    rtt_s: u64,
    pairs: &[(Vec<u8>, Vec<u8>)],
    think: (u64, u64),
) -> u64 {
    let cport = ctx.port(&client);
    let wire = Wire::between(&client, &server);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        client,
        cport,
        server,
        port,
        wire,
        t,
        rtt_c,
        rtt_s,
    );
    s.handshake(&mut ctx.tl);
    for (i, (req, resp)) in pairs.iter().enumerate() {
        if i > 0 {
            let w = ctx.rng.range(think.0, think.1.max(think.0));
            s.wait(&mut ctx.tl, w);
        }
        let proc = ctx.rng.range(2, 30) * NS_PER_MS;
        s.send(&mut ctx.tl, Dir::ToServer, req);
        s.reply(&mut ctx.tl, Dir::ToClient, resp, proc);
    }
    s.wait(&mut ctx.tl, ctx.rng.range(100, 3000) * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
    s.last
}

/// The portal looking a voter up in the database: its own short connection (the portal's PHP
/// opens one per request). Returns the last packet time.
pub fn portal_db(ctx: &mut Ctx, t: u64, sql: &str, reply: &[u8]) -> u64 {
    let portal = net::portal();
    let db = net::database();
    let port = ctx.port(&portal);
    let wire = Wire::between(&portal, &db);
    let (rc, rs) = (lan_rtt(&mut ctx.rng) / 2, lan_rtt(&mut ctx.rng) / 2);
    let mut s = TcpSession::new(&mut ctx.rng, portal, port, db, 5432, wire, t, rc, rs);
    s.gap = 12 * NS_PER_US; // gigabit between the two servers
    s.handshake(&mut ctx.tl);
    s.send(
        &mut ctx.tl,
        Dir::ToServer,
        &postgres::startup("portal_app", "voters"),
    );
    let (pid, key) = (ctx.rng.range(1000, 60000) as u32, ctx.rng.next_u32());
    s.reply(
        &mut ctx.tl,
        Dir::ToClient,
        &postgres::startup_reply(pid, key),
        2 * NS_PER_MS,
    );
    s.reply(
        &mut ctx.tl,
        Dir::ToServer,
        &postgres::query(sql),
        50 * NS_PER_US,
    );
    let work = ctx.rng.range(1, 8) * NS_PER_MS;
    s.reply(&mut ctx.tl, Dir::ToClient, reply, work);
    s.reply(
        &mut ctx.tl,
        Dir::ToServer,
        &postgres::terminate(),
        50 * NS_PER_US,
    );
    s.close(&mut ctx.tl, Dir::ToServer);
    s.last
}

/// A registered voter's status lookup (the portal's main query) with one row.
pub fn voter_lookup_reply(rng: &mut Rng) -> Vec<u8> {
    let id = rng.range(100_000, 999_999).to_string();
    let row = vec![
        id,
        "ACTIVE".to_string(),
        format!("PRECINCT {}", rng.range(1, 240)),
        "2026-11-03".to_string(),
    ];
    postgres::result(&["voter_id", "status", "precinct", "election_date"], &[row])
}

/// A citizen checking registration status on the portal over HTTPS, with the portal's
/// database lookups. Returns the last packet time.
pub fn portal_visit_https(ctx: &mut Ctx, client: Host, t: u64) -> u64 {
    let portal = if client.ip.is_ipv6() {
        net::portal_v6()
    } else {
        net::portal()
    };
    let rtt_c = wan_rtt(&mut ctx.rng);
    let rtt_s = lan_rtt(&mut ctx.rng) / 4;
    let kind = *ctx.rng.pick(&[
        tls::Client::Chrome,
        tls::Client::Chrome,
        tls::Client::Firefox,
        tls::Client::OpenSsl,
    ]);
    let n = ctx.rng.range(2, 4) as usize;
    let mut exchanges = vec![(
        ctx.rng.range(450, 700) as usize,
        ctx.rng.range(5_000, 12_000) as usize,
    )];
    for _ in 1..n {
        exchanges.push((
            ctx.rng.range(350, 900) as usize,
            ctx.rng.range(600, 6_000) as usize,
        ));
    }
    let plan = TlsPlan {
        client_kind: kind,
        sni: net::PORTAL_NAME,
        exchanges,
        think: (2 * NS_PER_SEC, 12 * NS_PER_SEC),
        fin: ctx.rng.chance(60),
    };
    let end = https_session(
        ctx,
        client,
        portal,
        Wire::between(&client, &portal),
        t,
        rtt_c,
        rtt_s,
        &plan,
    );
    // The lookup happens a few seconds into the visit (after the form is submitted).
    if !client.ip.is_ipv6() || ctx.rng.chance(50) {
        let q = format!("SELECT voter_id, status, precinct, election_date FROM voters WHERE last_name = $1 AND dob = $2 AND zip = '{}'", ctx.rng.range(10000, 99999));
        let reply = voter_lookup_reply(&mut ctx.rng);
        let at = t + ctx.rng.range(2, 6) * NS_PER_SEC;
        portal_db(ctx, at, &q, &reply);
    }
    end
}

/// A plain-HTTP visit to the portal: the browser is redirected to HTTPS.
pub fn portal_http_redirect(ctx: &mut Ctx, client: Host, t: u64) -> u64 {
    let portal = net::portal();
    let ua = *ctx.rng.pick(http::BROWSERS);
    let req = Request::get("/", net::PORTAL_NAME, ua).encode();
    let resp = http::redirect(&format!("https://{}/", net::PORTAL_NAME));
    let (rc, rs) = (wan_rtt(&mut ctx.rng), lan_rtt(&mut ctx.rng) / 4);
    http_session(ctx, client, portal, 80, t, rc, rs, &[(req, resp)], (0, 0))
}

/// Picks an Internet client address in the documentation ranges.
/// Clients come from 198.51.100.0/24 and 203.0.113.0/25; servers on the Internet live in
/// 192.0.2.0/24 and 203.0.113.128/25 (see `internet_server`).
pub fn internet_client(rng: &mut Rng) -> Host {
    let ip = if rng.chance(60) {
        net::v4(198, 51, 100, rng.range(2, 254) as u8)
    } else {
        net::v4(203, 0, 113, rng.range(2, 127) as u8)
    };
    let os = if rng.chance(70) {
        net::Os::Windows
    } else {
        net::Os::Linux
    };
    net::external(ip, os, rng.range(8, 22) as u8)
}

pub fn internet_client_v6(rng: &mut Rng) -> Host {
    let ip = net::v6([
        0x2001,
        0xdb8,
        rng.range(0x100, 0xfff) as u16,
        rng.below(0xffff) as u16,
        0,
        0,
        0,
        rng.range(1, 0xffff) as u16,
    ]);
    net::external(ip, net::Os::Linux, rng.range(8, 22) as u8)
}

/// An Internet server address (web sites, mail exchangers, the attackers' infrastructure).
pub fn internet_server(rng: &mut Rng) -> Host {
    let ip = if rng.chance(60) {
        net::v4(192, 0, 2, rng.range(2, 254) as u8)
    } else {
        net::v4(203, 0, 113, rng.range(128, 254) as u8)
    };
    net::external(ip, net::Os::Linux, rng.range(6, 18) as u8)
}
