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
//! * [`probe`] tells whether a stream start is HTTP/1.x.
//! * [`HttpParser::feed`] takes in-order bytes of one direction split anywhere;
//!   [`HttpParser::gap`] reports lost bytes; [`HttpParser::close`] / [`HttpParser::finish`] the
//!   end of a direction / the flow.
//! * [`HttpParser::next_request`] yields each finished request (inspect request buffers
//!   early); [`HttpParser::next_complete`] pops finished transactions in order (log them,
//!   inspect response buffers).
//! * [`HttpTransaction::buffer`] gives the detection buffers ([`HttpBuffer`]; exact contents
//!   in `buffers`), [`write_eve_http`] the EVE object.
//!
//! Behaviour follows Suricata 7 (libhtp 0.5, IDS personality) where it was checked, with these
//! deliberate differences: a 304, 204 or any response to HEAD never has a body even with a
//! Content-Length (libhtp reads one and desynchronizes); every 1xx except 101 is an interim
//! response (libhtp only skips 100); repeated different Content-Length values keep the first
//! and flag the transaction; bodies are not decompressed.

mod body;
mod buffers;
mod config;
mod eve;
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
pub use parser::{HttpParser, HttpStats};
pub use probe::{probe, Probe};
pub use transaction::{HttpRequest, HttpResponse, HttpTransaction, TxFlags};
