//! Application layer: protocol parsers fed with reassembled, in-order stream bytes (TCP) or
//! datagrams (UDP), each producing transactions that become EVE records and detection buffers.
//!
//! Every TCP parser implements [`parser::AppParser`]; [`registry`] lists the protocols (probe
//! and constructor) in one place.

mod adapters;
pub mod dns;
pub mod http;
pub mod parser;
pub mod registry;
pub mod session;
mod stats;
pub mod tls;

pub use registry::AppProto;
pub use session::{AppConfig, AppLayer, FlowApp};
pub use stats::AppStats;

/// Direction of stream bytes within a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ToServer,
    ToClient,
}
