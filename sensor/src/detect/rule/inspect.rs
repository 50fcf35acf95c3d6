//! Evaluation of one buffer's ordered matchers, following Suricata 7's
//! `DetectEngineContentInspection` step for step: absolute windows (`offset`, `depth`,
//! `startswith`, `endswith`), relative windows from the previous match end (`distance`,
//! `within`, pcre `R`), negation, and backtracking: when a later relative matcher fails, a
//! content retries at its next occurrence only if the next matcher depends on it through
//! `within` (or a relative pcre); a pcre retries from one byte after its previous match start
//! when the next matcher is relative to it. Recursion is bounded like Suricata's
//! `inspection-recursion-limit` (3000 calls).

use std::cell::RefCell;

use super::asn1::Asn1;
use super::bytes::{
    base64_decode, Base64Decode, ByteExtract, ByteJump, ByteMath, ByteTest, IsDataAt, Step,
    MAX_BYTE_VARS,
};
use super::content::Content;
use super::numeric::NumCmp;
use super::pcre::Pcre;

/// State of one inspection: the recursion count and its limit, `byte_extract` values.
struct Cx {
    count: u32,
    limit: u32,
    vars: [u64; MAX_BYTE_VARS],
    /// The buffer is a little-endian DCE/RPC call's (the byte keywords' `dce` option).
    dce_little: bool,
}

/// Suricata's default `detect.inspection-recursion-limit`.
pub const INSPECTION_RECURSION_LIMIT: u32 = 3000;

/// One payload keyword of a buffer, in rule order.
#[derive(Clone, Debug, PartialEq)]
pub enum Matcher {
    Content(Content),
    Pcre(Pcre),
    IsDataAt(IsDataAt),
    ByteTest(ByteTest),
    ByteJump(ByteJump),
    ByteExtract(ByteExtract),
    ByteMath(ByteMath),
    /// `bsize`: the whole buffer's length (the position is unchanged).
    Bsize(NumCmp),
    /// `base64_decode` with its `base64_data` matchers.
    Base64(Box<Base64Decode>),
    /// `asn1`: always last in the payload list (Suricata runs it after the payload keywords,
    /// from where they ended); its verdict is final.
    Asn1(Box<Asn1>),
}

thread_local! {
    /// Where `base64_decode` decodes (kept per thread: no allocation once grown).
    static BASE64_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Matcher {
    /// Whether this matcher is positioned relative to the previous one in its buffer.
    pub fn is_relative(&self) -> bool {
        match self {
            Matcher::Content(c) => c.is_relative(),
            Matcher::Pcre(p) => p.relative,
            Matcher::IsDataAt(d) => d.relative,
            Matcher::ByteTest(b) => b.relative,
            Matcher::ByteJump(b) => b.relative,
            Matcher::ByteExtract(b) => b.relative,
            Matcher::ByteMath(b) => b.relative,
            Matcher::Bsize(_) => false,
            Matcher::Base64(b) => b.relative,
            Matcher::Asn1(_) => false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Res {
    Match,
    NoMatch,
    /// No match, and retrying earlier matchers cannot help.
    Discontinue,
}

/// Whether `buf` satisfies every matcher of `list` (an empty list matches). Never allocates.
pub fn inspect(buf: &[u8], list: &[Matcher]) -> bool {
    inspect_with_limit(buf, list, INSPECTION_RECURSION_LIMIT)
}

/// [`inspect`] starting with the variables `vars` holds (set by earlier buffers of the rule),
/// which on a match receive the values this buffer's keywords left.
pub fn inspect_vars(buf: &[u8], list: &[Matcher], vars: &mut [u64; MAX_BYTE_VARS]) -> bool {
    inspect_vars_dce(buf, list, vars, false)
}

/// [`inspect_vars`] on a DCE/RPC call's buffer, whose byte order is `dce_little`.
pub fn inspect_vars_dce(
    buf: &[u8],
    list: &[Matcher],
    vars: &mut [u64; MAX_BYTE_VARS],
    dce_little: bool,
) -> bool {
    if list.is_empty() {
        return true;
    }
    let buf = &buf[..buf.len().min(u32::MAX as usize)];
    let mut cx = Cx {
        count: 0,
        limit: INSPECTION_RECURSION_LIMIT,
        vars: *vars,
        dce_little,
    };
    let hit = step(buf, list, 0, 0, &mut cx) == Res::Match;
    if hit {
        *vars = cx.vars;
    }
    hit
}

/// [`inspect`] with an explicit recursion limit (0: unlimited).
pub fn inspect_with_limit(buf: &[u8], list: &[Matcher], limit: u32) -> bool {
    if list.is_empty() {
        return true;
    }
    // Suricata's offsets are 32-bit.
    let buf = &buf[..buf.len().min(u32::MAX as usize)];
    let mut cx = Cx {
        count: 0,
        limit,
        vars: [0; MAX_BYTE_VARS],
        dce_little: false,
    };
    step(buf, list, 0, 0, &mut cx) == Res::Match
}

/// A byte keyword with the `dce` option reads in the buffer's DCE/RPC byte order: a copy of
/// it with that order (the keywords hold no heap data); any other is used as it is.
macro_rules! dce {
    ($b:expr, $little:expr) => {
        if $b.extract.dce {
            let mut k = $b.clone();
            k.extract.little = $little;
            std::borrow::Cow::Owned(k)
        } else {
            std::borrow::Cow::Borrowed($b)
        }
    };
}

fn step(buf: &[u8], list: &[Matcher], idx: usize, buffer_offset: u32, cx: &mut Cx) -> Res {
    cx.count = cx.count.saturating_add(1);
    if cx.limit != 0 && cx.count == cx.limit {
        return Res::Discontinue;
    }
    let Some(m) = list.get(idx) else {
        return Res::Match;
    };
    let is_last = idx + 1 == list.len();
    let s = match m {
        Matcher::Content(cd) => {
            return content_step(buf, list, idx, cd, is_last, buffer_offset, cx)
        }
        Matcher::Pcre(pe) => return pcre_step(buf, list, idx, pe, is_last, buffer_offset, cx),
        Matcher::IsDataAt(d) => d.step(buf.len() as u32, buffer_offset, &cx.vars),
        Matcher::ByteTest(b) => {
            match dce!(b, cx.dce_little).matches(buf, buffer_offset, &cx.vars) {
                true => Step::Match(buffer_offset),
                false => Step::NoMatch,
            }
        }
        Matcher::ByteJump(b) => dce!(b, cx.dce_little)
            .jump(buf, buffer_offset, &cx.vars)
            .map_or(Step::NoMatch, Step::Match),
        Matcher::ByteExtract(b) => dce!(b, cx.dce_little)
            .run(buf, buffer_offset, &mut cx.vars)
            .map_or(Step::NoMatch, Step::Match),
        Matcher::ByteMath(b) => dce!(b, cx.dce_little)
            .run(buf, buffer_offset, &mut cx.vars)
            .map_or(Step::NoMatch, Step::Match),
        Matcher::Bsize(c) => match c.matches(buf.len() as u64) {
            true => Step::Match(buffer_offset),
            false => Step::Discontinue,
        },
        Matcher::Base64(b) => return base64_step(buf, b, buffer_offset, cx),
        Matcher::Asn1(a) => match a.matches(buf, buffer_offset) {
            true => Step::Match(buffer_offset),
            // Suricata judges the first way the payload keywords match, never another.
            false => Step::Discontinue,
        },
    };
    match s {
        Step::Match(off) => matched(buf, list, idx, is_last, off, cx),
        Step::NoMatch => Res::NoMatch,
        Step::Discontinue => Res::Discontinue,
    }
}

/// `base64_decode`: decodes the window and inspects the `base64_data` matchers on it; a match
/// is final for the buffer (Suricata's terminal list).
fn base64_step(buf: &[u8], b: &Base64Decode, buffer_offset: u32, cx: &mut Cx) -> Res {
    let Some(window) = b.window(buf, buffer_offset) else {
        return Res::NoMatch;
    };
    let mut decoded = BASE64_SCRATCH.with(|c| std::mem::take(&mut *c.borrow_mut()));
    decoded.clear();
    base64_decode(window, &mut decoded);
    let res = if decoded.is_empty() || b.data.is_empty() {
        Res::NoMatch
    } else {
        match step(&decoded, &b.data, 0, 0, cx) {
            Res::Match => Res::Match,
            _ => Res::NoMatch,
        }
    };
    BASE64_SCRATCH.with(|c| *c.borrow_mut() = decoded);
    res
}

/// Continues with the next matcher after a (possibly negated) match.
fn matched(buf: &[u8], list: &[Matcher], idx: usize, is_last: bool, off: u32, cx: &mut Cx) -> Res {
    if is_last {
        return Res::Match;
    }
    step(buf, list, idx + 1, off, cx)
}

#[allow(clippy::too_many_arguments)]
fn content_step(
    buf: &[u8],
    list: &[Matcher],
    idx: usize,
    cd: &Content,
    is_last: bool,
    buffer_offset: u32,
    cx: &mut Cx,
) -> Res {
    let buffer_len = buf.len() as u32;
    let content_len = cd.pattern.len() as u32;
    let relative = cd.is_relative();
    let prev_buffer_offset = buffer_offset;
    let mut prev_offset: u32 = 0;
    loop {
        let mut depth: u32 = buffer_len;
        let mut offset: u32;
        if relative {
            offset = prev_buffer_offset;
            let distance = match cd.distance_var {
                Some(v) => cx.vars[v as usize & (MAX_BYTE_VARS - 1)] as i32,
                None => cd.distance.unwrap_or(0),
            };
            if cd.distance.is_some() {
                if distance < 0 && distance.unsigned_abs() > offset {
                    offset = 0;
                } else {
                    offset = offset.wrapping_add(distance as u32);
                }
            }
            let within = match cd.within_var {
                Some(v) => Some(cx.vars[v as usize & (MAX_BYTE_VARS - 1)] as i32),
                None => cd.within,
            };
            if let Some(within) = within {
                // Suricata compares as signed 32-bit and stores the (possibly wrapped) sum.
                let end = prev_buffer_offset
                    .wrapping_add(within as u32)
                    .wrapping_add(distance as u32);
                if (depth as i32) > (end as i32) {
                    depth = end;
                }
            }
            if let Some(d) = cd.depth {
                if d.wrapping_add(prev_buffer_offset) < depth {
                    depth = prev_buffer_offset.wrapping_add(d);
                }
            }
            if cd.offset > offset {
                offset = cd.offset;
            }
        } else {
            if let Some(d) = cd.depth {
                depth = d;
            }
            offset = cd.offset;
            let var = |v: u8| cx.vars[v as usize & (MAX_BYTE_VARS - 1)] as u32;
            if let Some(v) = cd.depth_var {
                depth = var(v);
            }
            if let Some(v) = cd.offset_var {
                offset = var(v);
            }
            if cd.depth_var.is_some() || cd.offset_var.is_some() {
                // Suricata: a window from variables is `depth` bytes from `offset`.
                depth = depth.saturating_add(offset);
            }
        }
        if prev_offset != 0 {
            offset = prev_offset;
        }
        if depth > buffer_len {
            depth = buffer_len;
        }
        if offset > depth || depth == 0 {
            if cd.negated {
                return matched(buf, list, idx, is_last, buffer_offset, cx);
            }
            return Res::NoMatch;
        }
        let sbuffer = &buf[offset as usize..depth as usize];
        let sbuffer_len = depth - offset;
        let found = if (cd.endswith && depth < buffer_len) || content_len > sbuffer_len {
            None
        } else {
            cd.find(sbuffer).map(|p| offset + p as u32)
        };
        let Some(found) = found else {
            if !cd.negated {
                if !relative {
                    // Independent of earlier matches: nothing can fix it.
                    return Res::Discontinue;
                }
                return Res::NoMatch;
            }
            return matched(buf, list, idx, is_last, buffer_offset, cx);
        };
        let match_offset = found + content_len;
        if cd.negated {
            // Suricata compares the window length with the absolute end here.
            if cd.endswith && sbuffer_len != match_offset {
                return matched(buf, list, idx, is_last, buffer_offset, cx);
            }
            if is_single(cd) {
                return Res::Discontinue;
            }
            return Res::NoMatch;
        }
        if !cd.endswith || match_offset == buffer_len {
            if is_last {
                return Res::Match;
            }
            match step(buf, list, idx + 1, match_offset, cx) {
                Res::Match => return Res::Match,
                Res::Discontinue => return Res::Discontinue,
                Res::NoMatch => {}
            }
            // Suricata 7.0 retries when the next matcher is relative in any way (checked
            // against 7.0.10: a negated `distance`-only content makes it retry).
            if !(cd.within_next || cd.distance_next) {
                return Res::Discontinue;
            }
        }
        prev_offset = match_offset - (content_len - 1);
    }
}

/// Suricata's `DETECT_CONTENT_IS_SINGLE`: not relative in either direction, no window.
fn is_single(cd: &Content) -> bool {
    !(cd.is_relative()
        || cd.within_next
        || cd.distance_next
        || cd.depth.is_some()
        || cd.offset != 0
        || cd.has_offset)
}

#[allow(clippy::too_many_arguments)]
fn pcre_step(
    buf: &[u8],
    list: &[Matcher],
    idx: usize,
    pe: &Pcre,
    is_last: bool,
    buffer_offset: u32,
    cx: &mut Cx,
) -> Res {
    let prev_buffer_offset = buffer_offset;
    let mut match_start_offset: u32 = 0;
    loop {
        let base = if pe.relative { prev_buffer_offset } else { 0 };
        let subject = &buf[base as usize..];
        let start = if match_start_offset != 0 {
            match_start_offset.wrapping_sub(base)
        } else {
            0
        };
        let found = if (start as usize) > subject.len() {
            None
        } else {
            pe.find(subject, start as usize)
        };
        let (ok, new_offset, new_start) = match (found, pe.negated) {
            (None, true) => (true, prev_buffer_offset, match_start_offset),
            (None, false) | (Some(_), true) => (false, 0, 0),
            (Some((s, e)), false) => (true, base + e as u32, base + s as u32 + 1),
        };
        if !ok {
            return Res::NoMatch;
        }
        if !pe.relative_next {
            return matched(buf, list, idx, is_last, new_offset, cx);
        }
        let prev_offset = new_start;
        match step(buf, list, idx + 1, new_offset, cx) {
            Res::Match => return Res::Match,
            Res::Discontinue => return Res::Discontinue,
            Res::NoMatch => {}
        }
        if prev_offset == 0 {
            // A negated pcre has no next occurrence to try.
            return Res::NoMatch;
        }
        match_start_offset = prev_offset;
    }
}

/// Computes, for every matcher of a buffer list, whether the next matcher depends on it
/// (Suricata's `*_NEXT` flags).
pub(crate) fn link(list: &mut [Matcher]) {
    for i in 0..list.len() {
        let (within_next, distance_next) = match list.get(i + 1) {
            Some(Matcher::Content(n)) => {
                if n.moved_by_modifier && n.is_relative() {
                    // Suricata sets both flags when a legacy modifier moves a relative content.
                    (true, true)
                } else {
                    (n.within.is_some(), n.distance.is_some())
                }
            }
            Some(Matcher::Pcre(n)) => (n.relative, n.relative),
            // Suricata's RELATIVE_NEXT for the byte keywords and isdataat.
            Some(n) => (n.is_relative(), n.is_relative()),
            None => (false, false),
        };
        match &mut list[i] {
            Matcher::Content(c) => {
                c.within_next = within_next;
                c.distance_next = distance_next;
            }
            Matcher::Pcre(p) => p.relative_next = within_next || distance_next,
            _ => {}
        }
    }
}
