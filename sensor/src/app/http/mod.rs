//! HTTP/1.x: protocol probe, incremental per-flow parser, transactions with the buffers
//! Suricata rules inspect, and EVE `http` records.
//!
//! Use:
//!
//! ```
//! use sensor::app::{http::{HttpParser, write_eve_http}, Direction};
//!
//! let mut p = HttpParser::default();
//! p.feed(Direction::ToServer, b"GET /a HTTP/1.1\r\nHost: example.org\r\n\r\n");
//! while let Some(tx) = p.next_request() {
//!     assert_eq!(tx.request().unwrap().host(), Some(&b"example.org"[..]));
//! }
//! p.feed(Direction::ToClient, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
//! while let Some(tx) = p.next_complete() {
//!     let mut eve = Vec::new();
//!     write_eve_http(&tx, &mut eve);
//! }
//! ```
//!
//! * [`probe`] tells whether a stream start is HTTP/1.x (either direction).
//! * [`HttpParser::feed`] takes in-order bytes of one direction, split anywhere (the result is
//!   the same for any split); [`HttpParser::gap`] reports `len` lost bytes (the length is what
//!   lets a body of known size be stepped over); [`HttpParser::close`] /
//!   [`HttpParser::finish`] report the end of a direction / of the flow.
//! * [`HttpParser::next_request`] yields each finished request once, in order (inspect request
//!   buffers without waiting for the response); [`HttpParser::next_complete`] pops finished
//!   transactions in order (inspect response buffers, log them). Call both after each feed.
//! * [`HttpTransaction::buffer`] gives the detection buffers ([`HttpBuffer`], contents in
//!   `buffers.rs`, URI normalization in `normalize.rs`); [`write_eve_http`] the EVE object
//!   (`eve.rs`).
//!
//! Transactions: one per request, created when the request starts; responses pair FIFO
//! (pipelining), a response with no request left becomes a response-only transaction. Interim
//! 1xx responses are skipped; 101 and an accepted CONNECT end parsing (tunnel, `is_tunnel`);
//! bytes after CONNECT or an `Upgrade` request are held until the response says which.
//!
//! Bounds: message heads (`max_head_bytes`, 64 KiB) and header counts (`max_headers`, 200):
//! beyond them that direction stops, the message is kept truncated and flagged, and the
//! counter goes up; bodies keep only their first `*_body_limit` bytes (4 KiB) and the rest is
//! counted; at most `max_txs` transactions are held (the oldest is dropped, responses still
//! pair right). [`HttpParser::heap_bytes`] reports what a parser holds.
//!
//! Gaps: inside a body of known remaining length (Content-Length, chunk data) the bytes are
//! counted as lost and parsing goes on. Otherwise the message in progress is kept as truncated
//! and the direction looks for the next line that starts a message (a known method, or
//! `HTTP/`); when the gap fell between messages, the bytes before it are kept as a
//! placeholder message (flag `*_HEAD_LOST`) so that responses keep pairing with the right
//! requests. Nothing grows while looking.
//!
//! Behaviour follows Suricata 7 (libhtp 0.5.50, IDS personality, Suricata's defaults), checked
//! against Suricata 7.0.10 on 191 flows of the Zeek and suricata-verify captures (all equal but
//! 7: 2 cut by Suricata's 1 MiB stream depth, 5 libhtp artefacts that depend on how data is
//! chunked) and 148 crafted flows. Deliberate differences: a 304, 204 or any response to HEAD
//! never has a body even with a Content-Length (libhtp reads one and desynchronizes); every
//! 1xx except 101 is an interim response (libhtp only skips 100); repeated different
//! Content-Length values keep the first and flag the transaction; a request line of a method
//! alone pairs with its response; a non-HTTP response is one raw response until close (libhtp
//! ends it at a data chunk boundary); URI best-fit mapping covers Latin-1 and fullwidth ASCII
//! only.
//!
//! Bodies with a gzip or deflate `Content-Encoding` (either direction, as Suricata configures
//! libhtp) are inflated as they arrive, up to `decompress_layer_limit` layers, before the body
//! limit applies (`decompress.rs`: libhtp's format guessing, restarts and pass-through; the
//! decoder is allocated when such a body starts and freed when it ends; a work bound caps
//! what a body may inflate). `length` and `body_len` stay the body as sent.

mod body;
mod buffers;
mod config;
mod decompress;
mod eve;
mod events;
mod headers;
mod normalize;
mod parser;
mod probe;
mod transaction;

#[cfg(test)]
mod tests;

pub use buffers::HttpBuffer;
pub use config::HttpConfig;
pub use eve::{write_eve_http, UNMATCHED_URL};
pub use events::http_events;
pub use parser::{HttpParser, HttpStats};
pub use probe::{probe, Probe};
pub use transaction::{HttpRequest, HttpResponse, HttpTransaction, TxFlags};
