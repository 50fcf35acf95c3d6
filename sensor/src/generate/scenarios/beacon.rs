//! Malware command and control: workstation 10.10.3.77 connects over HTTPS to
//! `cdn-telemetry-update.test` (203.0.113.140) every 60 s with +/- 3 s of jitter from 13:00:15
//! for an hour: 60 short TLS 1.2 sessions with the same ClientHello, small check-ins and small
//! answers (every tenth answer a larger tasking). The name is looked up again whenever its
//! 300 s TTL has run out. Light ordinary traffic runs alongside.

use super::benign::light_background;
use super::common::*;
use crate::generate::flow::Wire;
use crate::generate::net::{self, NS_PER_MS, NS_PER_SEC};
use crate::generate::protocols::tls;

pub const C2_NAME: &str = "cdn-telemetry-update.test";
pub const C2: [u8; 4] = [203, 0, 113, 140];
pub const INFECTED: u8 = 77;
pub const BEACONS: u64 = 60;

pub fn build(ctx: &mut Ctx) {
    let t0 = net::START_NS;
    light_background(ctx, t0, 3660 * NS_PER_SEC, 6, 34);
    let ws = net::workstation(INFECTED);
    let c2 = net::external(net::v4(C2[0], C2[1], C2[2], C2[3]), net::Os::Linux, 16);
    let mut resolved_at: Option<u64> = None;
    for i in 0..BEACONS {
        let mut t = t0 + 15 * NS_PER_SEC + i * 60 * NS_PER_SEC;
        t = (t + ctx.rng.below(6 * NS_PER_SEC)).saturating_sub(3 * NS_PER_SEC);
        if resolved_at.is_none_or(|r| t.saturating_sub(r) > 300 * NS_PER_SEC) {
            t = resolve(
                ctx,
                ws,
                t,
                C2_NAME,
                crate::generate::protocols::dns::TYPE_A,
                vec![a_record(C2_NAME, 300, c2.ip)],
            ) + NS_PER_MS;
            resolved_at = Some(t);
        }
        let resp = if i % 10 == 9 {
            ctx.rng.range(1500, 2600)
        } else {
            ctx.rng.range(90, 140)
        } as usize;
        let plan = TlsPlan {
            client_kind: tls::Client::Legacy12,
            sni: C2_NAME,
            exchanges: vec![(ctx.rng.range(190, 260) as usize, resp)],
            think: (0, 0),
            fin: true,
        };
        https_session(
            ctx,
            ws,
            c2,
            Wire::between(&ws, &c2),
            t,
            250_000,
            85 * NS_PER_MS,
            &plan,
        );
    }
}
