//! Parser tests: real streams compared with Suricata and tshark, split invariance, protocol
//! edge cases, gaps, limits and property tests.

mod behaviour;
mod corpus;
mod props;
mod util;
