//! Splitting a rule into its header and its `keyword[:value];` options, the way Suricata does:
//! an option ends at the first `;` not escaped by a backslash (quotes do not protect `;`).

use super::error::{bail, PResult};

/// One option as written: keyword and its value, both trimmed; `value` keeps quotes and
/// escapes for the keyword's own parser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawOption<'a> {
    pub keyword: &'a str,
    pub value: Option<&'a str>,
}

/// A rule cut into header text and options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRule<'a> {
    pub header: &'a str,
    pub options: Vec<RawOption<'a>>,
}

/// Splits one (already joined) rule line.
pub fn split_rule(text: &str) -> PResult<RawRule<'_>> {
    let text = text.trim();
    let Some(open) = text.find('(') else {
        bail!("no rule options");
    };
    let Some(body) = text[open + 1..].strip_suffix(')') else {
        bail!("rule options must end with `)`");
    };
    let header = text[..open].trim();
    Ok(RawRule {
        header,
        options: split_options(body)?,
    })
}

/// Splits the text between the parentheses into options.
pub fn split_options(body: &str) -> PResult<Vec<RawOption<'_>>> {
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b';' => {
                out.push(parse_option(&body[start..i])?);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if !body[start.min(body.len())..].trim().is_empty() {
        bail!("last option is not terminated by `;`");
    }
    if out.is_empty() {
        bail!("no rule options");
    }
    Ok(out)
}

fn parse_option(text: &str) -> PResult<RawOption<'_>> {
    let text = text.trim();
    let (keyword, value) = match text.find(':') {
        Some(colon) => (text[..colon].trim(), Some(text[colon + 1..].trim())),
        None => (text, None),
    };
    if keyword.is_empty() {
        bail!("empty option");
    }
    if keyword.bytes().any(|b| b.is_ascii_whitespace()) {
        bail!("malformed option `{}`", truncate(text, 40));
    }
    Ok(RawOption { keyword, value })
}

/// A prefix of `s` cut at a char boundary, for error messages.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Strips one pair of surrounding double quotes, if present.
pub(crate) fn unquote(value: &str) -> &str {
    let v = value.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    }
}
