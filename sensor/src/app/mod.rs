//! Application layer: protocol parsers fed with reassembled, in-order stream bytes (TCP) or
//! datagrams (UDP), each producing transactions that become EVE records and detection buffers.

pub mod dns;
pub mod http;
pub mod session;
pub mod tls;

pub use session::{AppConfig, AppLayer, AppProto, AppStats, FlowApp};

/// Direction of stream bytes within a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ToServer,
    ToClient,
}
