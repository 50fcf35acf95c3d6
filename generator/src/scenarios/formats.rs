//! Captures that exercise the file readers: a two-interface pcapng, a big-endian pcap and a
//! nanosecond pcap. Their traffic is a small slice of an ordinary afternoon.

use super::common::*;
use crate::flow::{self, Dir, TcpSession, Wire};
use crate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::packet::Link;
use crate::protocols::http::{self, Request};
use crate::protocols::{postgres, tls};

/// Interface 0 ("span0", Ethernet) sees citizens on the portal; interface 1 ("any", Linux SLL2,
/// as `tcpdump -i any` on the database server writes) sees the portal's database sessions.
pub fn multi_iface(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let portal = net::portal();
    let db = net::database();
    for i in 0..5u64 {
        let client = internet_client(&mut ctx.rng);
        let t = t0 + i * 6 * NS_PER_SEC + ctx.rng.below(NS_PER_SEC);
        let plan = TlsPlan {
            client_kind: tls::Client::Chrome,
            sni: net::PORTAL_NAME,
            exchanges: vec![(500, 5000), (430, 1500)],
            think: (NS_PER_SEC, 2 * NS_PER_SEC),
            fin: true,
        };
        let (rc, rs) = (wan_rtt(&mut ctx.rng), 100_000);
        https_session(
            ctx,
            client,
            portal,
            Wire::between(&client, &portal),
            t,
            rc,
            rs,
            &plan,
        );
        // The matching database session, captured on the database host in cooked mode.
        let port = ctx.port(&portal);
        let wire = Wire {
            iface: 1,
            link: Link::Sll2 {
                src: portal.mac,
                dst: db.mac,
                ifindex: 2,
                pkttype: 0,
            },
        };
        let mut s = TcpSession::new(
            &mut ctx.rng,
            portal,
            port,
            db,
            5432,
            wire,
            t + 2 * NS_PER_SEC,
            150_000,
            20_000,
        );
        s.handshake(&mut ctx.tl);
        s.send(
            &mut ctx.tl,
            Dir::ToServer,
            &postgres::startup("portal_app", "voters"),
        );
        s.reply(
            &mut ctx.tl,
            Dir::ToClient,
            &postgres::startup_reply(4100 + i as u32, ctx.rng.next_u32()),
            2 * NS_PER_MS,
        );
        s.reply(
            &mut ctx.tl,
            Dir::ToServer,
            &postgres::query("SELECT voter_id, status, precinct FROM voters WHERE voter_id = $1"),
            50_000,
        );
        let reply = voter_lookup_reply(&mut ctx.rng);
        s.reply(&mut ctx.tl, Dir::ToClient, &reply, 3 * NS_PER_MS);
        s.reply(&mut ctx.tl, Dir::ToServer, &postgres::terminate(), 50_000);
        s.close(&mut ctx.tl, Dir::ToServer);
    }
    // A DNS lookup by the database host itself, also on the cooked interface.
    let resolver = net::resolver();
    let q = crate::protocols::dns::Message::query(
        0x4d2,
        "pool.ntp.example",
        crate::protocols::dns::TYPE_A,
    );
    let r = q.answer(vec![a_record(
        "pool.ntp.example",
        600,
        net::v4(192, 0, 2, 123),
    )]);
    let wire = Wire {
        iface: 1,
        link: Link::Sll2 {
            src: db.mac,
            dst: resolver.mac,
            ifindex: 2,
            pkttype: 4,
        },
    };
    dns_lookup(
        ctx,
        db,
        resolver,
        wire,
        t0 + 13 * NS_PER_SEC + 123_457,
        &q,
        &r,
    );
}

/// A few ordinary flows: an HTTP session, DNS, an HTTPS session, a ping.
fn small_mix(ctx: &mut Ctx, t0: u64) {
    let ws = net::workstation(70);
    let server = internet_server(&mut ctx.rng);
    let t = resolve_a(
        ctx,
        ws,
        t0 + 1_234_567,
        "downloads.vendor.example",
        server.ip,
    );
    let page = http::html_page(&mut ctx.rng, "Downloads", 4000);
    let pairs = vec![
        (
            Request::get("/", "downloads.vendor.example", http::UA_EDGE).encode(),
            http::ok_html(&page),
        ),
        (
            Request::get("/drivers/", "downloads.vendor.example", http::UA_EDGE)
                .header("Referer", "http://downloads.vendor.example/")
                .encode(),
            http::ok_html(&page[..1800]),
        ),
    ];
    http_session(
        ctx,
        ws,
        server,
        80,
        t + 333_333,
        210_000,
        31_234_567,
        &pairs,
        (NS_PER_SEC, 2 * NS_PER_SEC),
    );
    let client = internet_client(&mut ctx.rng);
    portal_visit_https(ctx, client, t0 + 3 * NS_PER_SEC + 987_654_321);
    let monitor = net::internal(net::v4(10, 10, 0, 5), net::Os::Linux);
    let portal = net::portal();
    flow::ping(
        &mut ctx.tl,
        &mut ctx.rng,
        monitor,
        portal,
        Wire::between(&monitor, &portal),
        t0 + 500_000_001,
        3,
        NS_PER_SEC + 7,
        180_123,
    );
}

pub fn big_endian(ctx: &mut Ctx) {
    small_mix(ctx, net::START_NS);
}

pub fn nanosecond(ctx: &mut Ctx) {
    small_mix(ctx, net::START_NS + 111);
}
