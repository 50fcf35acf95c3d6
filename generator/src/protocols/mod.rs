//! Application payloads the scenarios put on the wire.

pub mod der;
pub mod dns;
pub mod http;
pub mod postgres;
pub mod tls;
