//! The keyword: `pcre:"/re/flags"` and its modifier letters into [`Pcre`].

use std::sync::OnceLock;

use super::engine::{compile, Engine};
use super::translate::Opts;
use crate::detect::rule::error::{bail, PResult};
use crate::detect::rule::lexer::truncate;

/// Buffer a pcre modifier letter selects (`U`, `I`, `H`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PcreBufferFlag {
    /// `U`: http.uri
    Uri,
    /// `I`: http.uri.raw
    UriRaw,
    /// `H`: http.header
    Header,
    /// `D`: http.header.raw (unsupported buffer)
    RawHeader,
    /// `M`: http.method
    Method,
    /// `C`: http.cookie
    Cookie,
    /// `P`: http.request_body
    RequestBody,
    /// `Q`: file.data
    FileData,
    /// `S`: http.stat_code
    StatCode,
    /// `Y`: http.stat_msg
    StatMsg,
    /// `V`: http.user_agent
    UserAgent,
    /// `W`: http.host
    Host,
    /// `Z`: http.host.raw
    HostRaw,
}

/// A compiled `pcre`.
#[derive(Clone, Debug)]
pub struct Pcre {
    /// The expression between the slashes, as written.
    pub pattern: String,
    /// The modifier letters, as written.
    pub modifiers: String,
    pub negated: bool,
    /// `R`: starts at the previous match end in the same buffer.
    pub relative: bool,
    /// `A`: anchored at the start position.
    pub anchored: bool,
    /// `i` (used for validation of `W`).
    pub caseless: bool,
    /// Buffer chosen by a modifier letter, if any.
    pub buffer_flag: Option<PcreBufferFlag>,
    /// Index of the `pcre` option in the rule.
    pub position: usize,
    /// Suricata's `RELATIVE_NEXT`: the next matcher is relative to this one.
    pub(crate) relative_next: bool,
    opts: Opts,
    backtracking: bool,
    /// Compiled at the first search, not at load: compiled expressions are most of the memory
    /// of a large rule set (ET Open: 190 of 270 MB), and most rules are never evaluated (the
    /// prefilter rules them out). Loading compiles each once to check it, then drops it.
    engine: OnceLock<Option<Engine>>,
}

impl PartialEq for Pcre {
    fn eq(&self, o: &Self) -> bool {
        self.pattern == o.pattern
            && self.modifiers == o.modifiers
            && self.negated == o.negated
            && self.position == o.position
    }
}

impl Pcre {
    /// Parses the value of `pcre:` (`"/re/flags"`, quotes optional, `!` before or inside the
    /// quotes).
    pub fn parse(value: &str, position: usize) -> PResult<Self> {
        let mut v = value.trim();
        let mut negated = false;
        if let Some(rest) = v.strip_prefix('!') {
            negated = true;
            v = rest.trim_start();
        }
        if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            v = &v[1..v.len() - 1];
        }
        let (pattern, modifiers) = split_slashes(v)?;
        // Suricata 7's capture targets after the flags (`/re/flags, flow:key,flow:value`):
        // where captured groups are stored. Like named `flow_`/`pkt_` groups they are accepted
        // and not stored (no flow or packet variables are kept or logged; `flowvar` and
        // `pktvar` tests are refused).
        let modifiers = match modifiers.split_once(',') {
            Some((flags, targets)) => {
                for t in targets.split(',').map(str::trim) {
                    let ok = t.split_once(':').is_some_and(|(kind, name)| {
                        matches!(kind.trim(), "flow" | "pkt" | "alert")
                            && !name.trim().is_empty()
                            && name
                                .trim()
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                    });
                    if !ok {
                        bail!("pcre: invalid capture target `{}`", truncate(t, 40));
                    }
                }
                flags.trim_end()
            }
            None => modifiers,
        };
        let mut o = Opts::default();
        let mut relative = false;
        let mut anchored = false;
        let mut buffer_flag = None;
        let mut rawbytes = false;
        for c in modifiers.chars() {
            let buf = match c {
                'i' => {
                    o.caseless = true;
                    None
                }
                's' => {
                    o.dotall = true;
                    None
                }
                'm' => {
                    o.multiline = true;
                    None
                }
                'x' => {
                    o.extended = true;
                    None
                }
                'A' => {
                    anchored = true;
                    None
                }
                'E' => {
                    o.dollar_endonly = true;
                    None
                }
                'G' => {
                    o.ungreedy = true;
                    None
                }
                'R' => {
                    relative = true;
                    None
                }
                // Match-limit tuning; no effect here.
                'O' => None,
                'B' => {
                    if buffer_flag.is_some() {
                        bail!("pcre modifier `B` inconsistent with the chosen buffer");
                    }
                    rawbytes = true;
                    None
                }
                'U' => Some(PcreBufferFlag::Uri),
                'I' => Some(PcreBufferFlag::UriRaw),
                'H' => Some(PcreBufferFlag::Header),
                'D' => Some(PcreBufferFlag::RawHeader),
                'M' => Some(PcreBufferFlag::Method),
                'C' => Some(PcreBufferFlag::Cookie),
                'P' => Some(PcreBufferFlag::RequestBody),
                'Q' => Some(PcreBufferFlag::FileData),
                'S' => Some(PcreBufferFlag::StatCode),
                'Y' => Some(PcreBufferFlag::StatMsg),
                'V' => Some(PcreBufferFlag::UserAgent),
                'W' => Some(PcreBufferFlag::Host),
                'Z' => Some(PcreBufferFlag::HostRaw),
                other => bail!("unknown pcre modifier `{other}`"),
            };
            if let Some(b) = buf {
                if rawbytes
                    && !matches!(
                        b,
                        PcreBufferFlag::RawHeader
                            | PcreBufferFlag::RequestBody
                            | PcreBufferFlag::FileData
                            | PcreBufferFlag::StatCode
                            | PcreBufferFlag::StatMsg
                    )
                {
                    bail!("pcre modifier `{c}` inconsistent with `B`");
                }
                if buffer_flag.is_some() {
                    bail!("only one pcre modifier may select a buffer");
                }
                buffer_flag = Some(b);
            }
        }
        if buffer_flag == Some(PcreBufferFlag::Host)
            && !o.caseless
            && has_upper_outside_escapes(pattern)
        {
            bail!("pcre with `W` (http.host) has an uppercase character; the buffer is lowercase");
        }
        let backtracking = !matches!(compile(pattern, o)?, Engine::Fast(_));
        Ok(Pcre {
            pattern: pattern.to_string(),
            modifiers: modifiers.to_string(),
            negated,
            relative,
            anchored,
            caseless: o.caseless,
            buffer_flag,
            position,
            relative_next: false,
            opts: o,
            backtracking,
            engine: OnceLock::new(),
        })
    }

    /// Leftmost match of the expression in `subject` starting at `start` (PCRE's
    /// `start_offset`: look-behind and `^` still see the bytes before `start`). Returns the
    /// match span. Does not allocate (after a thread's first search).
    pub fn find(&self, subject: &[u8], start: usize) -> Option<(usize, usize)> {
        if start > subject.len() {
            return None;
        }
        // Compiled when loaded, so it compiles here too; if it did not, nothing matches.
        let engine = self
            .engine
            .get_or_init(|| compile(&self.pattern, self.opts).ok());
        engine.as_ref()?.find(subject, start, self.anchored)
    }

    /// Whether the expression needs the backtracking engine.
    pub fn uses_backtracking(&self) -> bool {
        self.backtracking
    }
}

/// Cuts `/regex/flags` the way Suricata's parse expression does: the expression starts after
/// the first unescaped `/` (anything before it, such as a `!` inside the quotes, is ignored),
/// runs greedily to the last `/` that does not follow a lone backslash, and the flags are
/// what follows up to a `"`.
fn split_slashes(v: &str) -> PResult<(&str, &str)> {
    let b = v.as_bytes();
    let first = (0..b.len()).find(|&i| b[i] == b'/' && (i == 0 || b[i - 1] != b'\\'));
    let Some(first) = first else {
        bail!("pcre must be written /regex/flags");
    };
    let body_start = first + 1;
    let last = (body_start..b.len()).rev().find(|&i| {
        if b[i] != b'/' {
            return false;
        }
        // The expression must not end with a backslash unless that one is escaped.
        let ends_lone_backslash =
            i > body_start && b[i - 1] == b'\\' && !(i >= body_start + 2 && b[i - 2] == b'\\');
        !ends_lone_backslash
    });
    let Some(last) = last else {
        bail!("pcre must be written /regex/flags");
    };
    let flags = &v[last + 1..];
    let flags = match flags.find('"') {
        Some(q) => &flags[..q],
        None => flags,
    };
    Ok((&v[body_start..last], flags))
}

/// Suricata's check for `W`: an uppercase letter that is not part of an escape.
fn has_upper_outside_escapes(re: &str) -> bool {
    let b = re.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'x') {
                i += 4;
            } else {
                i += 2;
            }
            continue;
        }
        if b[i].is_ascii_uppercase() {
            return true;
        }
        i += 1;
    }
    false
}
