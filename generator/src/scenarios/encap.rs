//! Captures that exercise decoding: VLAN tags, IPv6, IP fragments.

use super::common::*;
use crate::flow::{self, Dir, TcpSession, UdpFlow, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::dns::{self, Message, Rdata, Record};
use crate::protocols::http::{self, Request};
use crate::protocols::tls;

/// 802.1Q and QinQ: the portal's segment is VLAN 110; the office LAN reaches the sensor through
/// a provider bridge as QinQ (service tag 802.1ad 200 outside customer tag 802.1Q 30).
pub fn vlan(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let portal = net::portal();
    for i in 0..6u64 {
        let client = internet_client(&mut ctx.rng);
        let wire = Wire {
            iface: 0,
            link: Wire::between(&client, &portal).link.with_vlan(110),
        };
        let plan = TlsPlan {
            client_kind: tls::Client::Chrome,
            sni: net::PORTAL_NAME,
            exchanges: vec![(520, 6000), (480, 2500)],
            think: (NS_PER_SEC, 4 * NS_PER_SEC),
            fin: i % 2 == 0,
        };
        let (rc, rs) = (wan_rtt(&mut ctx.rng), 100_000);
        https_session(
            ctx,
            client,
            portal,
            wire,
            t0 + i * 9 * NS_PER_SEC,
            rc,
            rs,
            &plan,
        );
    }
    let resolver = net::resolver();
    for n in 0..4u8 {
        let ws = net::workstation(50 + n);
        let wire = Wire {
            iface: 0,
            link: Wire::between(&ws, &resolver).link.with_qinq(200, 30),
        };
        let server = internet_server(&mut ctx.rng);
        let name = *ctx.rng.pick(super::benign::SITES);
        let q = Message::query(ctx.rng.next_u32() as u16, name, dns::TYPE_A);
        let r = q.answer(vec![a_record(name, 300, server.ip)]);
        let t = dns_lookup(
            ctx,
            ws,
            resolver,
            wire,
            t0 + (5 + n as u64 * 11) * NS_PER_SEC,
            &q,
            &r,
        );
        let wire = Wire {
            iface: 0,
            link: Wire::between(&ws, &server).link.with_qinq(200, 30),
        };
        let plan = TlsPlan {
            client_kind: tls::Client::Firefox,
            sni: name,
            exchanges: vec![(700, 3000)],
            think: (0, 0),
            fin: true,
        };
        let (rc, rs) = (150_000, wan_rtt(&mut ctx.rng));
        https_session(ctx, ws, server, wire, t + NS_PER_MS, rc, rs, &plan);
    }
    let monitor = net::internal(net::v4(10, 10, 0, 5), net::Os::Linux);
    let wire = Wire {
        iface: 0,
        link: Wire::between(&monitor, &portal).link.with_vlan(110),
    };
    flow::ping(
        &mut ctx.tl,
        &mut ctx.rng,
        monitor,
        portal,
        wire,
        t0 + 2 * NS_PER_SEC,
        4,
        NS_PER_SEC,
        250_000,
    );
}

/// IPv6: portal visits over HTTPS and HTTP, AAAA lookups over IPv6, ICMPv6 echo, and one TCP
/// session whose packets carry a Destination Options extension header.
pub fn ipv6(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let portal = net::portal_v6();
    let resolver6 = net::internal(
        net::v6([0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 0x53]),
        net::Os::Linux,
    );
    for i in 0..5u64 {
        let client = internet_client_v6(&mut ctx.rng);
        let plan = TlsPlan {
            client_kind: tls::Client::Chrome,
            sni: net::PORTAL_NAME,
            exchanges: vec![(540, 7000), (450, 1800)],
            think: (NS_PER_SEC, 3 * NS_PER_SEC),
            fin: i % 2 == 1,
        };
        let (rc, rs) = (wan_rtt(&mut ctx.rng), 100_000);
        https_session(
            ctx,
            client,
            portal,
            Wire::between(&client, &portal),
            t0 + i * 7 * NS_PER_SEC,
            rc,
            rs,
            &plan,
        );
    }
    // Workstations with IPv6 addresses resolving and browsing.
    for n in 0..4u16 {
        let ws = net::internal(
            net::v6([0x2001, 0xdb8, 0x10, 3, 0, 0, 0, 0x60 + n]),
            net::Os::Windows,
        );
        let server = net::external(
            net::v6([0x2001, 0xdb8, 0xbeef, n, 0, 0, 0, 0x443]),
            net::Os::Linux,
            12,
        );
        let name = *ctx.rng.pick(super::benign::SITES);
        let q = Message::query(ctx.rng.next_u32() as u16, name, dns::TYPE_AAAA);
        let r = q.answer(vec![a_record(name, 300, server.ip)]);
        let t = dns_lookup(
            ctx,
            ws,
            resolver6,
            Wire::between(&ws, &resolver6),
            t0 + (3 + n as u64 * 8) * NS_PER_SEC,
            &q,
            &r,
        );
        let plan = TlsPlan {
            client_kind: tls::Client::Firefox,
            sni: name,
            exchanges: vec![(650, 5000)],
            think: (0, 0),
            fin: true,
        };
        let (rc, rs) = (150_000, wan_rtt(&mut ctx.rng));
        https_session(
            ctx,
            ws,
            server,
            Wire::between(&ws, &server),
            t + NS_PER_MS,
            rc,
            rs,
            &plan,
        );
    }
    // Plain HTTP over IPv6 with a Destination Options header on every packet.
    let client = internet_client_v6(&mut ctx.rng);
    let port = ctx.port(&client);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        client,
        port,
        portal,
        80,
        Wire::between(&client, &portal),
        t0 + 20 * NS_PER_SEC,
        40 * NS_PER_MS,
        100_000,
    );
    s.dest_opts = true;
    s.handshake(&mut ctx.tl);
    let req = Request::get("/", net::PORTAL_NAME, http::UA_SAFARI_IOS).encode();
    s.send(&mut ctx.tl, Dir::ToServer, &req);
    s.reply(
        &mut ctx.tl,
        Dir::ToClient,
        &http::redirect(&format!("https://{}/", net::PORTAL_NAME)),
        2 * NS_PER_MS,
    );
    s.wait(&mut ctx.tl, 300 * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
    let monitor = net::internal(
        net::v6([0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 5]),
        net::Os::Linux,
    );
    flow::ping(
        &mut ctx.tl,
        &mut ctx.rng,
        monitor,
        portal,
        Wire::between(&monitor, &portal),
        t0 + NS_PER_SEC,
        4,
        NS_PER_SEC,
        200_000,
    );
}

/// A large DNS answer over UDP with EDNS, as fragments. Each flow here has an address pair of
/// its own so per-address-pair counts check fragment accounting.
#[allow(clippy::too_many_arguments)]
fn fragmented_txt(
    ctx: &mut Ctx,
    client: Host,
    server: Host,
    t: u64,
    name: &str,
    txt_bytes: usize,
    chunk: usize,
    reverse: bool,
) {
    let port = ctx.port(&client);
    let mut f = UdpFlow::new(
        &mut ctx.rng,
        client,
        port,
        server,
        53,
        Wire::between(&client, &server),
    );
    let mut q = Message::query(ctx.rng.next_u32() as u16, name, dns::TYPE_TXT);
    q.edns = Some(4096);
    f.send(&mut ctx.tl, true, t, &q.encode());
    let strings: Vec<String> = (0..txt_bytes / 250).map(|_| ctx.rng.hex(250)).collect();
    let mut r = q.answer(vec![Record {
        name: name.into(),
        ttl: 300,
        data: Rdata::Txt(strings),
    }]);
    r.edns = Some(4096);
    f.send_fragmented(
        &mut ctx.tl,
        false,
        t + 30 * NS_PER_MS,
        &r.encode(),
        chunk,
        20_000,
        reverse,
    );
}

/// IPv4 and IPv6 fragmented UDP: large DNS answers (in order and in reverse order) and a large
/// syslog-over-UDP message from the portal.
pub fn fragments(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let dns4 = net::external(net::v4(192, 0, 2, 53), net::Os::Linux, 9);
    let dns4b = net::external(net::v4(203, 0, 113, 153), net::Os::Linux, 9);
    let dns6 = net::external(
        net::v6([0x2001, 0xdb8, 0x53, 0, 0, 0, 0, 0x53]),
        net::Os::Linux,
        9,
    );
    let resolver = net::resolver();
    let resolver6 = net::internal(
        net::v6([0x2001, 0xdb8, 0x10, 0, 0, 0, 0, 0x53]),
        net::Os::Linux,
    );
    fragmented_txt(
        ctx,
        resolver,
        dns4,
        t0 + NS_PER_SEC,
        "_keys.county-gov.example",
        3000,
        1480,
        false,
    );
    fragmented_txt(
        ctx,
        resolver,
        dns4b,
        t0 + 3 * NS_PER_SEC,
        "_keys.state-sos.example",
        3500,
        1480,
        true,
    );
    fragmented_txt(
        ctx,
        resolver6,
        dns6,
        t0 + 5 * NS_PER_SEC,
        "_keys.vendor-support.example",
        2600,
        1448,
        false,
    );
    // Syslog over UDP from the portal to a collector, one message bigger than the MTU.
    let collector = net::internal(net::v4(10, 10, 0, 14), net::Os::Linux);
    let portal = net::portal();
    let mut f = UdpFlow::new(
        &mut ctx.rng,
        portal,
        514,
        collector,
        514,
        Wire::between(&portal, &collector),
    );
    let mut t = t0 + 2 * NS_PER_SEC;
    for i in 0..5 {
        let mut msg =
            format!("<134>Nov  3 13:00:0{i} portal php-fpm[2211]: request trace ").into_bytes();
        let n = if i == 2 { 5000 } else { 300 };
        msg.extend_from_slice(ctx.rng.hex(n).as_bytes());
        if n > 1400 {
            f.send_fragmented(&mut ctx.tl, true, t, &msg, 1480, 15_000, false);
        } else {
            f.send(&mut ctx.tl, true, t, &msg);
        }
        t += 700 * NS_PER_MS;
    }
    // IPv6 fragments of a datagram from a client in small pieces (and its unfragmented answer).
    let c6 = internet_client_v6(&mut ctx.rng);
    let s6 = net::internal(
        net::v6([0x2001, 0xdb8, 0x10, 1, 0, 0, 0, 0x11]),
        net::Os::Linux,
    );
    let cport = 40_000 + ctx.rng.below(1000) as u16;
    let mut f = UdpFlow::new(&mut ctx.rng, c6, cport, s6, 29999, Wire::between(&c6, &s6));
    let payload = ctx.rng.bytes(3000);
    f.send_fragmented(
        &mut ctx.tl,
        true,
        t0 + 8 * NS_PER_SEC,
        &payload,
        1232,
        10_000,
        false,
    );
    f.send(
        &mut ctx.tl,
        false,
        t0 + 8 * NS_PER_SEC + 60 * NS_PER_MS,
        &ctx.rng.bytes(120),
    );
}
