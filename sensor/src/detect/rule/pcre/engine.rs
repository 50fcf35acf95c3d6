//! Engine choice: `regex-automata` (linear time) when the translation allows it,
//! `fancy-regex` otherwise, and both (`Engine::Dual`) when only the end-of-line handling of
//! a final newline needs `fancy-regex`. [`compile`] runs at load (to check, result dropped)
//! and again at a pattern's first search, which keeps it.

use fancy_regex::{BytesMode, RegexBuilder, RegexInput};
use regex_automata::meta;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};

use super::translate::{translate, Opts, Variant};
use crate::detect::rule::error::{ErrorKind, PResult};

#[derive(Clone, Debug)]
pub(super) enum Engine {
    Fast(meta::Regex),
    Fancy(Box<fancy_regex::Regex>),
    /// `fast` agrees with `exact` on subjects that do not end with `\n`.
    Dual {
        fast: meta::Regex,
        exact: Box<fancy_regex::Regex>,
    },
}

/// fancy-regex's backtracking budget; exceeding it counts as no match (as a PCRE error does).
const BACKTRACK_LIMIT: usize = 1_000_000;

pub(super) fn compile(pattern: &str, o: Opts) -> PResult<Engine> {
    let exact = translate(pattern.as_bytes(), o, Variant::Exact)?;
    if !exact.fancy {
        return Ok(Engine::Fast(build_fast(&exact.out)?));
    }
    let fancy = build_fancy(&exact.out)?;
    if exact.eol_sensitive {
        let fast = translate(pattern.as_bytes(), o, Variant::NoFinalNewline)?;
        if !fast.fancy {
            return Ok(Engine::Dual {
                fast: build_fast(&fast.out)?,
                exact: Box::new(fancy),
            });
        }
    }
    Ok(Engine::Fancy(Box::new(fancy)))
}

fn build_fast(pat: &str) -> PResult<meta::Regex> {
    meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(meta::Config::new().utf8_empty(false))
        .build(pat)
        .map_err(|e| ErrorKind::unsupported(format!("pcre (regex engine: {e})")))
}

fn build_fancy(pat: &str) -> PResult<fancy_regex::Regex> {
    RegexBuilder::new(pat)
        .bytes_mode(BytesMode::Ascii)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| ErrorKind::unsupported(format!("pcre (fancy-regex engine: {e})")))
}

impl Engine {
    /// Runs `fast` or `fancy` with the engine that decides on `subject`: `Dual` takes the
    /// exact one only where the linear-time one could differ (a subject ending in a newline).
    fn on<R>(
        &self,
        subject: &[u8],
        fast: impl FnOnce(&meta::Regex) -> R,
        fancy: impl FnOnce(&fancy_regex::Regex) -> R,
    ) -> R {
        match self {
            Engine::Fast(re) => fast(re),
            Engine::Fancy(re) => fancy(re),
            Engine::Dual { fast: f, exact } => {
                if subject.last() == Some(&b'\n') {
                    fancy(exact)
                } else {
                    fast(f)
                }
            }
        }
    }

    /// Capturing groups, the whole match not counted.
    pub(super) fn groups(&self) -> usize {
        match self {
            Engine::Fast(re) => re
                .group_info()
                .group_len(regex_automata::PatternID::ZERO)
                .saturating_sub(1),
            Engine::Fancy(re) | Engine::Dual { exact: re, .. } => {
                re.captures_len().saturating_sub(1)
            }
        }
    }

    /// Where group 1 of the leftmost match lies (`None`: no match, or the group took no
    /// part in it). The linear-time engine needs no allocation; `fancy-regex` allocates its
    /// captures (patterns with look-around or back-references only).
    pub(super) fn group1(&self, subject: &[u8]) -> Option<(usize, usize)> {
        let fast = |re: &meta::Regex| {
            let mut slots = [None; 4];
            re.search_slots(&Input::new(subject), &mut slots)?;
            Some((slots[2]?.get(), slots[3]?.get()))
        };
        let fancy = |re: &fancy_regex::Regex| {
            let caps = re.captures(subject).ok().flatten()?;
            let m = caps.get(1)?;
            Some((m.start(), m.end()))
        };
        self.on(subject, fast, fancy)
    }

    /// Leftmost match in `subject` from `start` (`start <= subject.len()`), anchored there if
    /// `anchored`.
    pub(super) fn find(
        &self,
        subject: &[u8],
        start: usize,
        anchored: bool,
    ) -> Option<(usize, usize)> {
        let fast = |re: &meta::Regex| {
            let input = Input::new(subject).range(start..).anchored(if anchored {
                Anchored::Yes
            } else {
                Anchored::No
            });
            re.search(&input).map(|m| (m.start(), m.end()))
        };
        let fancy = |re: &fancy_regex::Regex| {
            let input = RegexInput::new(subject).from_pos(start).anchored(anchored);
            re.find_input(input)
                .ok()
                .flatten()
                .map(|m| (m.start(), m.end()))
        };
        self.on(subject, fast, fancy)
    }
}
