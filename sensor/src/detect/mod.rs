//! Detection: Suricata-syntax signatures (`rule`), the multi-pattern prefilter (`mpm`), IP
//! prefix tables (`iptable`) and indicator sets (`dataset`), and the engine that applies them
//! to packets and application-layer transactions.

pub mod dataset;
pub mod engine;
pub mod groups;
pub mod iptable;
pub mod load;
pub mod mpm;
pub mod reload;
pub mod rule;
pub mod tag;
pub mod threshold;
pub mod xbits;
