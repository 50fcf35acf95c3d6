//! Outputs: EVE JSON records and the sinks they are written to.

pub mod eve;
pub mod json;
pub mod periodic;
pub mod sink;
