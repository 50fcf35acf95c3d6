//! Outputs: EVE JSON records and the sinks they are written to.

pub mod eve;
pub mod file;
pub mod json;
pub mod periodic;
pub mod queued;
pub mod record;
pub mod redis;
pub mod sink;
pub mod spec;
pub mod syslog;
