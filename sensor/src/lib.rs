//! Network sensor for election offices.
//!
//! The crate is laid out as the pipeline runs:
//!
//! ```text
//! capture (pcap/pcapng files)      -> capture::PacketSource
//!   -> decode (link, VLAN, IP, L4)  -> decode::decode, decode::Defragmenter
//!   -> dispatch by symmetric hash   -> pipeline (one reader, N workers)
//!   -> worker: flow table shard     -> flow::FlowTable
//!   -> reassembly, HTTP/DNS/TLS     -> stream, app
//!   -> signatures                   -> detect::engine
//!   -> outputs                      -> output::eve
//! ```
//!
//! Beside the pipeline: `config` (the configuration file) and `control` (SIGHUP and the
//! control socket, which reload the rules).
//!
//! Time always comes from packet timestamps (`time::Timestamp`), never from the wall clock.

pub mod app;
pub mod behaviour;
pub mod capture;
pub mod config;
pub mod control;
pub mod counters;
pub mod decode;
pub mod detect;
pub mod events;
pub mod flow;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod privilege;
pub mod session;
pub mod signals;
pub mod stream;
#[doc(hidden)]
pub mod testutil;
pub mod time;

/// Cargo features this binary was built with (for `sensor_build_info` and `version`).
pub fn build_features() -> Vec<&'static str> {
    let mut f = Vec::new();
    if cfg!(feature = "hyperscan") {
        f.push("hyperscan");
    }
    if cfg!(feature = "libpcap") {
        f.push("libpcap");
    }
    if cfg!(feature = "tls") {
        f.push("tls");
    }
    f
}
