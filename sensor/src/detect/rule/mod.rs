//! Suricata rule language: parsing and per-buffer match evaluation.
//!
//! - [`parse_rules`] loads a rules file into typed [`Rule`]s and [`RuleError`]s.
//! - [`inspect`] evaluates one buffer's [`Matcher`]s exactly as Suricata 7 does.
//! - [`Rule::fast_pattern`] is the prefilter pattern, [`Rule::ip_only`] the IP-only class.
//! - [`Classifications`] reads `classification.config`.
//!
//! Supported keywords: the table in `keywords.rs`; anything else is rejected as
//! [`ErrorKind::Unsupported`] naming the keyword.

mod asn1;
mod buffer;
mod bytes;
mod classification;
mod content;
mod error;
mod fast_pattern;
mod header;
mod inspect;
mod keywords;
mod lexer;
mod loader;
mod model;
mod numeric;
mod options;
mod parse;
mod pcre;
mod requires;
mod tag;
mod transform;

#[cfg(test)]
mod tests;

pub use buffer::Buffer;
pub use bytes::{ByteExtract, ByteJump, ByteMath, ByteTest, IsDataAt, Val, MAX_BYTE_VARS};
pub use classification::{Classification, Classifications, DEFAULT_CLASSIFICATION};
pub use content::{Content, FastPatternOpt};
pub use error::{ErrorKind, RuleError};
pub use fast_pattern::{pattern_strength, FastPattern};
pub use header::{
    parse_header, Action, AddressSet, Direction, Header, InlineAction, PortSet, Protocol,
    RangeBound, RangeSet, Vars,
};
pub use inspect::{
    inspect, inspect_vars, inspect_vars_dce, inspect_with_limit, Matcher,
    INSPECTION_RECURSION_LIMIT,
};
pub use loader::parse_rules;
pub use model::{
    AppLayerProtocol, BufferMatchers, DatasetMatch, DceIface, DnsOpcode, FileHash, FileStore,
    FileTests, Rule,
};
pub use numeric::{FlagsMode, IpOpts, IpProto, NumCmp, TcpFlags, Urilen};
pub use options::{
    Dataset, DatasetCmd, DatasetType, Flow, FlowDirection, FlowState, Flowbit, FlowbitCmd, Flowint,
    FlowintOp, FlowintValue, Reference, RepCmp, RepOp, StreamMode, StreamSide, StreamSize, Target,
    Threshold, ThresholdType, Track, Xbit, XbitCmd, XbitTrack,
};
pub use parse::parse_rule;
pub use pcre::{Pcre, PcreBufferFlag};
pub use tag::{TagKind, TagMetric, TagSpec, MAX_TAG_PACKETS};
pub use transform::{Transform, Transforms};
