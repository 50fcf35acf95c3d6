//! Tests of the rule module.

mod corpus;
mod differential;
mod keywords;
mod perf;
mod props;
mod units;

use super::*;

/// Parses one rule written as `alert ... (options)` with default vars.
pub(super) fn rule(text: &str) -> Rule {
    match parse_rule(text, &Vars::default()) {
        Ok(r) => r,
        Err(e) => panic!("rule did not parse: {e}\n{text}"),
    }
}

/// The error of a rule that must not parse.
pub(super) fn rule_err(text: &str) -> ErrorKind {
    match parse_rule(text, &Vars::default()) {
        Ok(_) => panic!("rule parsed but should not:\n{text}"),
        Err(e) => e,
    }
}

/// The payload matchers of `alert udp any any -> any any (<opts> sid:1;)`.
pub(super) fn payload_rule(opts: &str) -> Rule {
    rule(&format!("alert udp any any -> any any ({opts} sid:1;)"))
}

pub(super) fn matches(opts: &str, buf: &[u8]) -> bool {
    let r = payload_rule(opts);
    inspect(buf, r.matchers(Buffer::Payload).unwrap_or(&[]))
}
