//! The prefilter pattern of a rule, chosen as Suricata 7 does (`RetrieveFPForSig`):
//!
//! 1. A content with `fast_pattern` (any form) wins.
//! 2. Otherwise only buffers holding a non-negated content are candidates (negated contents
//!    are used only when the rule has nothing else).
//! 3. Among candidate buffers, those with the best (lowest) priority are kept: every
//!    app-layer buffer here is 2, the payload 3, `http.method` and `http.stat_code` 4. So a
//!    content on a sticky buffer beats a longer payload content, but a payload content beats
//!    `http.method`/`http.stat_code` contents.
//! 4. Among their contents, the longest; on equal length the highest Suricata "pattern
//!    strength" (distinct letters 3, other printable or 0x00/0x01/0xFF 4, other bytes 6,
//!    repeats 1); on a full tie the first in rule order (Suricata: registration order of the
//!    buffers, which rules cannot see).
//!
//! `fast_pattern:o,l` hands only that slice to the prefilter.

use super::buffer::Buffer;
use super::content::{Content, FastPatternOpt};
use super::inspect::Matcher;
use super::model::BufferMatchers;
use super::transform::Transforms;

/// What the prefilter should look for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FastPattern {
    pub buffer: Buffer,
    /// The buffer's transforms (the prefilter scans the transformed buffer).
    pub transforms: Transforms,
    /// The bytes to search (the chopped slice for `fast_pattern:o,l`).
    pub pattern: Vec<u8>,
    pub nocase: bool,
    /// The content is negated: the prefilter cannot require it (the engine must treat the
    /// rule as always a candidate for this buffer).
    pub negated: bool,
    /// Set by `fast_pattern` in the rule rather than chosen.
    pub explicit: bool,
    /// Index of the content within its buffer's matchers.
    pub index: usize,
}

/// Suricata's `PatternStrength`.
pub fn pattern_strength(pat: &[u8]) -> u32 {
    let mut seen = [false; 256];
    let mut s = 0u32;
    for &b in pat {
        if seen[b as usize] {
            s += 1;
            continue;
        }
        seen[b as usize] = true;
        s += if b.is_ascii_alphabetic() {
            3
        } else if (0x20..0x7f).contains(&b) || b == 0x00 || b == 0x01 || b == 0xFF {
            4
        } else {
            6
        };
    }
    s
}

fn make(l: &BufferMatchers, index: usize, c: &Content, explicit: bool) -> FastPattern {
    let pattern = match c.fast_pattern {
        Some(FastPatternOpt::Chop { offset, length }) => {
            let start = (offset as usize).min(c.pattern.len());
            let end = (start + length as usize).min(c.pattern.len());
            c.pattern[start..end].to_vec()
        }
        _ => c.pattern.clone(),
    };
    FastPattern {
        buffer: l.buffer,
        transforms: l.transforms,
        pattern,
        nocase: c.nocase,
        negated: c.negated,
        explicit,
        index,
    }
}

fn contents(l: &BufferMatchers) -> impl Iterator<Item = (usize, &Content)> {
    l.matchers.iter().enumerate().filter_map(|(i, m)| match m {
        Matcher::Content(c) => Some((i, c)),
        _ => None,
    })
}

/// Picks the fast pattern of a rule from its buffer lists.
pub fn select_fast_pattern(lists: &[BufferMatchers]) -> Option<FastPattern> {
    for l in lists {
        for (i, c) in contents(l) {
            if c.fast_pattern.is_some() {
                return Some(make(l, i, c, true));
            }
        }
    }
    let any_positive = lists.iter().any(|l| contents(l).any(|(_, c)| !c.negated));
    let usable = |c: &Content| !any_positive || !c.negated;
    let best_prio = lists
        .iter()
        .filter(|l| contents(l).any(|(_, c)| usable(c)))
        .map(|l| l.buffer.mpm_priority())
        .min()?;
    let candidates = || {
        lists
            .iter()
            .filter(move |l| l.buffer.mpm_priority() == best_prio)
            .flat_map(|l| contents(l).map(move |(i, c)| (l, i, c)))
            .filter(|(_, _, c)| usable(c))
    };
    let max_len = candidates().map(|(_, _, c)| c.pattern.len()).max()?;
    let mut best: Option<(&BufferMatchers, usize, &Content, u32)> = None;
    for (b, i, c) in candidates().filter(|(_, _, c)| c.pattern.len() == max_len) {
        let s = pattern_strength(&c.pattern);
        if best.as_ref().is_none_or(|(_, _, _, bs)| s > *bs) {
            best = Some((b, i, c, s));
        }
    }
    best.map(|(b, i, c, _)| make(b, i, c, false))
}
