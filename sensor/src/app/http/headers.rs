//! Header lines of one message: parsing (libhtp's generic rules), the merged table libhtp keeps
//! (same-name headers joined with `", "`), lookups and the `http.header` buffer.
//!
//! All bytes live in the message's arena (`Vec<u8>`); headers are pairs of spans into it, so a
//! message costs a handful of allocations whatever its header count.

use super::normalize::is_lws;

/// Byte range in a message arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Span {
        // Arenas are bounded far below 4 GiB (head and body limits), so this never truncates.
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    #[inline]
    pub(crate) fn get(self, arena: &[u8]) -> &[u8] {
        arena
            .get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }

    pub(crate) fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }
}

/// One header: name and value spans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: Span,
    pub value: Span,
}

/// Splits one unfolded header line (CR/LF already removed) into name and value.
///
/// As libhtp: the name ends at the first `:` with trailing SP/HT removed; the value has SP/HT
/// removed on both ends; a line without `:` becomes a header with an empty name and the whole
/// line as value.
pub(crate) fn parse_header_line(arena: &[u8], line: Span) -> Field {
    let data = line.get(arena);
    let base = line.start as usize;
    let Some(colon) = memchr::memchr(b':', data) else {
        return Field {
            name: Span::new(base, base),
            value: line,
        };
    };
    let mut name_end = colon;
    while name_end > 0 && is_lws(data[name_end - 1]) {
        name_end -= 1;
    }
    let mut vs = colon + 1;
    while vs < data.len() && is_lws(data[vs]) {
        vs += 1;
    }
    let mut ve = data.len();
    while ve > vs && is_lws(data[ve - 1]) {
        ve -= 1;
    }
    Field {
        name: Span::new(base, base + name_end),
        value: Span::new(base + vs, base + ve),
    }
}

/// Whether header name `have` is `want` (lowercase ASCII): case-insensitive, NUL bytes skipped,
/// SP/HT/VT/FF/CR/LF around it ignored (a name after a lone-CR line end starts with the CR).
#[inline]
pub(crate) fn name_is(have: &[u8], want: &[u8]) -> bool {
    let junk = |c: &u8| matches!(c, b' ' | b'\t' | 0x0b | 0x0c | b'\r' | b'\n' | 0);
    let n = want.len();
    if have.len() == n && have.eq_ignore_ascii_case(want) {
        return true;
    }
    // The general comparison only for names that junk could make match: junk at either end,
    // or a NUL inside a longer name that starts like `want`.
    if !have.first().is_some_and(junk) && !have.last().is_some_and(junk) {
        let nul_inside = have.len() > n
            && want
                .first()
                .is_some_and(|w| have[0].eq_ignore_ascii_case(w))
            && memchr::memchr(0, have).is_some();
        if !nul_inside {
            return false;
        }
    }
    let end = have.iter().rposition(|c| !junk(c)).map_or(0, |p| p + 1);
    let start = have[..end].iter().take_while(|c| junk(c)).count();
    let mut it = have[start..end].iter().filter(|&&c| c != 0);
    want.iter()
        .all(|w| it.next().is_some_and(|c| c.eq_ignore_ascii_case(w)))
        && it.next().is_none()
}

/// Headers of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HeaderTable {
    /// Every header in arrival order (folded lines joined).
    pub raw: Vec<Field>,
    /// libhtp's table when some name repeats (first-occurrence order and name, values joined
    /// with `", "`, repeated Content-Length ignored); empty when no name repeats.
    pub merged: Vec<Field>,
    /// Each header line as received, line end removed (a folded line with its continuation).
    pub lines: Vec<Span>,
}

impl HeaderTable {
    /// The table detection and logging use (libhtp semantics).
    pub(crate) fn fields(&self) -> &[Field] {
        if self.merged.is_empty() {
            &self.raw
        } else {
            &self.merged
        }
    }

    /// Value of the first header named `name` (ASCII case-insensitive) in the merged table.
    /// As libhtp's lookups: NUL bytes in the name and whitespace or control bytes left at its
    /// end are ignored (`Transfer\0-Encoding`, `Content-Encoding\x0b:` name those headers).
    pub(crate) fn get(&self, arena: &[u8], name: &[u8]) -> Option<Span> {
        self.fields()
            .iter()
            .find(|f| name_is(f.name.get(arena), name))
            .map(|f| f.value)
    }

    /// Builds the merged table if any name repeats. Joined values are appended to the arena.
    pub(crate) fn merge(&mut self, arena: &mut Vec<u8>) {
        let n = self.raw.len();
        let has_dup = (1..n).any(|i| {
            let name = self.raw[i].name.get(arena);
            self.raw[..i]
                .iter()
                .any(|f| f.name.get(arena).eq_ignore_ascii_case(name))
        });
        if !has_dup {
            return;
        }
        let mut merged: Vec<Field> = Vec::with_capacity(n);
        for i in 0..n {
            let f = self.raw[i];
            let pos = merged
                .iter()
                .position(|m| m.name.get(arena).eq_ignore_ascii_case(f.name.get(arena)));
            match pos {
                None => merged.push(f),
                Some(p) => {
                    if f.name.get(arena).eq_ignore_ascii_case(b"content-length") {
                        continue;
                    }
                    let old = merged[p].value;
                    let start = arena.len();
                    arena.extend_from_within(old.start as usize..old.end as usize);
                    arena.extend_from_slice(b", ");
                    arena.extend_from_within(f.value.start as usize..f.value.end as usize);
                    merged[p].value = Span::new(start, arena.len());
                }
            }
        }
        self.merged = merged;
    }

    /// Appends the `http.header` buffer to the arena: `Name: Value\r\n` for each header of the
    /// merged table except `exclude` (Cookie for requests, Set-Cookie for responses).
    pub(crate) fn build_buffer(&self, arena: &mut Vec<u8>, exclude: &[u8]) -> Span {
        let need: usize = self
            .fields()
            .iter()
            .map(|f| f.name.len() + f.value.len() + 4)
            .sum();
        arena.reserve(need);
        let start = arena.len();
        let n = self.fields().len();
        for i in 0..n {
            let f = self.fields()[i];
            if f.name.get(arena).eq_ignore_ascii_case(exclude) {
                continue;
            }
            arena.extend_from_within(f.name.start as usize..f.name.end as usize);
            arena.extend_from_slice(b": ");
            arena.extend_from_within(f.value.start as usize..f.value.end as usize);
            arena.extend_from_slice(b"\r\n");
        }
        Span::new(start, arena.len())
    }
}

impl HeaderTable {
    /// Appends the `http.header.raw` buffer: every header line as received, each ended by
    /// `\r\n`, then the empty line `\r\n`. (Line ends are written as CRLF whatever the
    /// sender used, and a folded line keeps its continuation without the break.)
    pub(crate) fn build_raw(&self, arena: &mut Vec<u8>) -> Span {
        let start = arena.len();
        for i in 0..self.lines.len() {
            let l = self.lines[i];
            arena.extend_from_within(l.start as usize..l.end as usize);
            arena.extend_from_slice(b"\r\n");
        }
        arena.extend_from_slice(b"\r\n");
        Span::new(start, arena.len())
    }

    /// Appends the `http.header_names` buffer: `\r\n`, each name of the table followed by
    /// `\r\n`, then `\r\n` (Suricata's layout).
    pub(crate) fn build_names(&self, arena: &mut Vec<u8>) -> Span {
        let start = arena.len();
        arena.extend_from_slice(b"\r\n");
        for i in 0..self.fields().len() {
            let f = self.fields()[i];
            arena.extend_from_within(f.name.start as usize..f.name.end as usize);
            arena.extend_from_slice(b"\r\n");
        }
        arena.extend_from_slice(b"\r\n");
        Span::new(start, arena.len())
    }

    /// Appends the `http.start` buffer: the start line, `\r\n`, `Name: Value\r\n` for each
    /// header of the table, then `\r\n`.
    pub(crate) fn build_start(&self, arena: &mut Vec<u8>, line: Span) -> Span {
        let start = arena.len();
        arena.extend_from_within(line.start as usize..line.end as usize);
        arena.extend_from_slice(b"\r\n");
        for i in 0..self.fields().len() {
            let f = self.fields()[i];
            arena.extend_from_within(f.name.start as usize..f.name.end as usize);
            arena.extend_from_slice(b": ");
            arena.extend_from_within(f.value.start as usize..f.value.end as usize);
            arena.extend_from_slice(b"\r\n");
        }
        arena.extend_from_slice(b"\r\n");
        Span::new(start, arena.len())
    }
}

/// libhtp's test for "the line after an HTTP/0.9-looking request line is a header": a run of
/// non-space bytes, optional SP/HT, then `:`.
pub(crate) fn looks_like_header(line: &[u8]) -> bool {
    let mut after_space = false;
    for &c in line {
        if c == b':' {
            return true;
        }
        if is_lws(c) {
            after_space = true;
        } else if super::normalize::is_space(c) || after_space {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let f = parse_header_line(line, Span::new(0, line.len()));
        (f.name.get(line).to_vec(), f.value.get(line).to_vec())
    }

    /// Header lines and the name/value Suricata 7.0.10 kept (Lua `HttpGetRequestHeaders`).
    #[test]
    fn names_match_ignoring_nul_and_trailing_controls() {
        assert!(name_is(b"Transfer-Encoding", b"transfer-encoding"));
        assert!(name_is(b"Transfer\0-encoding", b"transfer-encoding"));
        assert!(name_is(b"Content-Encoding\x0b", b"content-encoding"));
        assert!(name_is(b"Content-Encoding\0\x0c", b"content-encoding"));
        assert!(!name_is(b"Content-Encodingx", b"content-encoding"));
        assert!(!name_is(b"Content-Encod", b"content-encoding"));
        assert!(name_is(b"\rTransfer-Encoding", b"transfer-encoding"));
        assert!(!name_is(b"\rTransfer-Encodin", b"transfer-encoding"));
        assert!(!name_is(b"xContent-Encoding", b"content-encoding"));
    }

    #[test]
    fn header_lines_match_suricata() {
        assert_eq!(
            parse(b"User-Agent:  ua  "),
            (b"User-Agent".to_vec(), b"ua".to_vec())
        );
        assert_eq!(
            parse(b"User-Agent : spaced"),
            (b"User-Agent".to_vec(), b"spaced".to_vec())
        );
        assert_eq!(
            parse(b"NoColonLine"),
            (b"".to_vec(), b"NoColonLine".to_vec())
        );
        assert_eq!(parse(b": emptyname"), (b"".to_vec(), b"emptyname".to_vec()));
        assert_eq!(parse(b"X: a\x00b"), (b"X".to_vec(), b"a\x00b".to_vec()));
        assert_eq!(
            parse(b"X-A: 1  cont\tmore"),
            (b"X-A".to_vec(), b"1  cont\tmore".to_vec())
        );
        assert_eq!(parse(b"Empty:"), (b"Empty".to_vec(), b"".to_vec()));
    }

    #[test]
    fn merge_and_buffer_like_suricata() {
        let lines: &[&[u8]] = &[
            b"Host: h",
            b"Cookie: a=1",
            b"Cookie: b=2",
            b"User-Agent: u1",
            b"user-agent: u2",
            b"Content-Length: 3",
            b"Content-Length: 5",
        ];
        let mut arena = Vec::new();
        let mut t = HeaderTable::default();
        for l in lines {
            let s = arena.len();
            arena.extend_from_slice(l);
            t.raw
                .push(parse_header_line(&arena, Span::new(s, arena.len())));
        }
        t.merge(&mut arena);
        let get = |t: &HeaderTable, a: &Vec<u8>, n: &[u8]| t.get(a, n).map(|s| s.get(a).to_vec());
        assert_eq!(get(&t, &arena, b"cookie"), Some(b"a=1, b=2".to_vec()));
        assert_eq!(get(&t, &arena, b"USER-AGENT"), Some(b"u1, u2".to_vec()));
        assert_eq!(get(&t, &arena, b"content-length"), Some(b"3".to_vec()));
        let buf = t.build_buffer(&mut arena, b"cookie");
        // Verified with `http.header; content:"..."; startswith; endswith;` on Suricata 7.0.10.
        assert_eq!(
            buf.get(&arena),
            b"Host: h\r\nUser-Agent: u1, u2\r\nContent-Length: 3\r\n"
        );
    }

    #[test]
    fn http09_header_probe() {
        assert!(looks_like_header(b"Host: h"));
        assert!(looks_like_header(b"Host :h"));
        assert!(!looks_like_header(b""));
        assert!(!looks_like_header(b"Ho st: h"));
        assert!(!looks_like_header(b"GET / HTTP/1.1"));
    }
}
