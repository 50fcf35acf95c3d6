//! One file per capture family. Each `build` fills a `Ctx` timeline; `super::render` writes it.

pub mod beacon;
pub mod benign;
pub mod common;
pub mod dns_tunnel;
pub mod encap;
pub mod exfil;
pub mod formats;
pub mod lookalikes;
pub mod phishing;
pub mod scan;
pub mod sqli;
