//! Rule files: comments, blank lines, continuation lines, duplicate sids.
//!
//! Line handling follows Suricata's loader: a line whose first character is `#`, a space, a
//! tab or a line end is skipped (so commented-out rules never load, and neither does an
//! indented rule); a line ending in `\` (before trailing whitespace) continues on the next
//! line, which is appended as is. Errors carry the rule's first line.
//!
//! Duplicates (same `gid:sid`): Suricata keeps the rule with the highest `rev` (a later rule
//! with a higher `rev` replaces an earlier one), and on an equal or lower `rev` keeps the
//! earlier rule. Every dropped rule gets a [`ErrorKind::DuplicateSid`] error.

use std::collections::HashMap;
use std::path::Path;

use super::error::{ErrorKind, RuleError};
use super::header::Vars;
use super::model::Rule;
use super::parse::{parse_rule, peek_sid};

/// Parses a whole rules file. Returns the rules that loaded and one error per rule that did
/// not.
pub fn parse_rules(text: &str, file: &Path, vars: &Vars) -> (Vec<Rule>, Vec<RuleError>) {
    let mut rules: Vec<Rule> = Vec::new();
    let mut errors = Vec::new();
    let mut by_id: HashMap<(u32, u32), usize> = HashMap::new();
    let mut pending: Option<(usize, String)> = None;
    let err = |line: usize, sid: Option<u32>, kind: ErrorKind| RuleError {
        file: file.to_path_buf(),
        line,
        sid,
        kind,
    };
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let lineno = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let (start, mut acc) = match pending.take() {
            Some((start, acc)) => (start, acc),
            None => {
                match line.as_bytes().first() {
                    None | Some(b'#' | b' ' | b'\t' | b'\r') => continue,
                    _ => {}
                }
                (lineno, String::new())
            }
        };
        let trimmed = line.trim_end();
        if let Some(body) = trimmed.strip_suffix('\\') {
            acc.push_str(body);
            if lines.peek().is_some() {
                pending = Some((start, acc));
                continue;
            }
        } else {
            acc.push_str(line);
        }
        let text = acc.trim();
        if text.is_empty() {
            continue;
        }
        match parse_rule(text, vars) {
            Ok(mut rule) => {
                rule.line = start;
                let key = (rule.gid, rule.sid);
                match by_id.get(&key) {
                    None => {
                        by_id.insert(key, rules.len());
                        rules.push(rule);
                    }
                    Some(&idx) => {
                        let old = &rules[idx];
                        if rule.rev > old.rev {
                            let dup = ErrorKind::DuplicateSid {
                                gid: rule.gid,
                                sid: rule.sid,
                                kept_rev: rule.rev,
                            };
                            errors.push(err(old.line, Some(old.sid), dup));
                            rules[idx] = rule;
                        } else {
                            let dup = ErrorKind::DuplicateSid {
                                gid: old.gid,
                                sid: old.sid,
                                kept_rev: old.rev,
                            };
                            errors.push(err(start, Some(rule.sid), dup));
                        }
                    }
                }
            }
            Err(kind) => errors.push(err(start, peek_sid(text), kind)),
        }
    }
    (rules, errors)
}
