//! Application protocol parsers, fed with reassembled, in-order stream bytes (TCP) or
//! datagrams (UDP), each producing transactions that become EVE records and detection buffers.
//! Only parsers live here: feeding them, writing their records and running detection is
//! `crate::session`'s.
//!
//! Every TCP parser implements [`parser::AppParser`]; [`registry`] lists the protocols (probe
//! and constructor) in one place.

mod adapters;
pub mod dcerpc;
pub mod dns;
pub mod files;
pub mod ftp;
pub mod ftp_data;
pub mod http;
mod lines;
pub mod mime;
pub mod parser;
pub mod recognise;
pub mod registry;
pub mod smtp;
pub mod socks;
pub mod ssh;
mod stats;
pub mod tls;

pub use registry::AppProto;
pub use stats::AppStats;

/// Direction of stream bytes within a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ToServer,
    ToClient,
}
