//! Helpers shared by the parser tests.

use crate::app::http::TxFlags;
use crate::app::http::{write_eve_http, HttpParser, HttpTransaction};
use crate::app::Direction;

/// One input event of a flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Ev {
    Data(Direction, Vec<u8>),
    Gap(Direction, u64),
}

/// How to cut a sequence of stream chunks before feeding.
#[derive(Clone, Copy, Debug)]
pub(super) enum Split {
    /// Consecutive chunks of the same direction joined.
    Whole,
    /// One byte per call.
    Bytes,
    /// Pieces of random length (seeded).
    Random(u64),
}

/// xorshift64*: deterministic, no dependency.
pub(super) struct Rng(pub u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// Feeds events in order, taking finished transactions as a pipeline would; then closes both
/// directions and drains the rest.
pub(super) fn run_chunks(events: &[Ev]) -> Vec<HttpTransaction> {
    let mut p = HttpParser::default();
    let mut out = Vec::new();
    for ev in events {
        match ev {
            Ev::Data(dir, data) => p.feed(*dir, data),
            Ev::Gap(dir, n) => p.gap(*dir, *n),
        }
        drain(&mut p, &mut out);
    }
    p.finish();
    drain(&mut p, &mut out);
    out
}

/// Whether the data, fed as given, makes libhtp's "Unexpected request body" case: what follows
/// a bodiless request in the same chunk is its body or the next request depending on where
/// the chunks end, as in libhtp, so such inputs are not split-invariant.
pub(super) fn has_unexpected_body(events: &[Ev]) -> bool {
    let mut p = HttpParser::default();
    let mut seen = false;
    let mut look = |p: &mut HttpParser| {
        while p.next_request().is_some() {}
        while let Some(tx) = p.next_complete() {
            seen |= tx.flags.contains(TxFlags::REQ_BODY_UNEXPECTED);
        }
    };
    for ev in events {
        match ev {
            Ev::Data(dir, data) => p.feed(*dir, data),
            Ev::Gap(dir, n) => p.gap(*dir, *n),
        }
        look(&mut p);
    }
    p.finish();
    look(&mut p);
    seen
}

pub(super) fn drain(p: &mut HttpParser, out: &mut Vec<HttpTransaction>) {
    while p.next_request().is_some() {}
    while let Some(mut tx) = p.next_complete() {
        // The one chunk-dependent flag (as libhtp's warning is): out of split comparisons.
        tx.flags.0 &= !TxFlags::REQ_BODY_UNEXPECTED.0;
        out.push(tx);
    }
}

/// Re-cuts the data events (gaps stay where they are) and runs them.
pub(super) fn feed_split(events: &[Ev], split: Split) -> Vec<HttpTransaction> {
    let mut pieces: Vec<Ev> = Vec::new();
    let mut rng = Rng(match split {
        Split::Random(seed) => seed | 1,
        _ => 1,
    });
    for ev in events {
        let Ev::Data(d, c) = ev else {
            pieces.push(ev.clone());
            continue;
        };
        match split {
            Split::Whole => match pieces.last_mut() {
                Some(Ev::Data(ld, lc)) if ld == d => lc.extend_from_slice(c),
                _ => pieces.push(ev.clone()),
            },
            Split::Bytes => pieces.extend(c.iter().map(|b| Ev::Data(*d, vec![*b]))),
            Split::Random(_) => {
                let mut rest = &c[..];
                while !rest.is_empty() {
                    let n = ((1 + rng.next() % 64) as usize).min(rest.len());
                    pieces.push(Ev::Data(*d, rest[..n].to_vec()));
                    rest = &rest[n..];
                }
            }
        }
    }
    run_chunks(&pieces)
}

/// The EVE `http` object of a transaction, parsed back.
pub(super) fn eve_of(tx: &HttpTransaction) -> serde_json::Value {
    let mut out = b"{".to_vec();
    write_eve_http(tx, &mut out);
    out.push(b'}');
    let v: serde_json::Value = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("bad JSON {e}: {}", String::from_utf8_lossy(&out)));
    v["http"].clone()
}

/// Request bytes to server, response bytes to client, in that order.
pub(super) fn exchange(req: &[u8], resp: &[u8]) -> Vec<Ev> {
    vec![
        Ev::Data(Direction::ToServer, req.to_vec()),
        Ev::Data(Direction::ToClient, resp.to_vec()),
    ]
}
