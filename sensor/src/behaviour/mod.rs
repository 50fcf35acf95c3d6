//! Behavioural detection: what no signature knows. Workers send compact events (flow start,
//! progress of long flows, bursts inside flows, flow end, HTTP transactions, DNS messages, TLS
//! handshakes, logins) through their [`tap::Tap`] to one analytics thread ([`stage`]) that
//! merges them by packet time and keeps all cross-flow state, bounded, keyed by host, host
//! pair or registered domain. The detections, each in its own file:
//!
//! | file | detects | signature ids |
//! |---|---|---|
//! | `beacon` | regular check-ins, on new connections or inside one long connection | 9200001 |
//! | `exfil` | volume sent out; volume pulled from inside servers | 9200010-9200011 |
//! | `dns_tunnel` | tunnels and C2 over DNS, per registered domain | 9200020 |
//! | `scan` | vertical, horizontal scans; ping sweeps | 9200030-9200032 |
//! | `web` (+ `inject`) | SQLi/XSS by tokenizing; attack tools by user agent and by behaviour | 9200040-9200043 |
//! | `creds` (+ `login`) | clear-text logins, brute force, SSH guessing | 9200050-9200052 |
//! | `lookalike` | look-alikes of the office's names in DNS, SNI, Host | 9200060 |
//! | `longconn` | long connections to outside hosts | 9200070 |
//!
//! Settings (asset model, allowlists, thresholds) are in [`config`]; alerts, suppression and
//! the EVE record in [`alert`].

pub mod alert;
pub mod beacon;
pub mod config;
pub mod creds;
pub mod dns_tunnel;
pub mod events;
pub mod exfil;
pub mod inject;
pub mod login;
pub mod longconn;
pub mod lookalike;
pub mod scan;
pub mod stage;
pub mod table;
pub mod tap;
pub mod util;
pub mod web;

pub use config::{BehaviourConfig, BehaviourSection};
pub use stage::{spawn, Stage, StageStats};
pub use tap::{FlowMark, Tap};
