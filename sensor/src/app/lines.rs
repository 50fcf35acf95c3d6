//! Lines of a text protocol's direction (FTP, SMTP), split anywhere: lines wholly inside a
//! chunk are handed out in place; only a line that straddles chunks is copied, and at most
//! `max` bytes of it are kept (the rest is dropped and the line flagged truncated).

/// One direction's unfinished line.
#[derive(Debug, Default)]
pub struct Lines {
    buf: Vec<u8>,
    /// The line in `buf` went past the limit: its rest is dropped.
    truncated: bool,
    /// After a gap: drop bytes up to the next line end.
    resync: bool,
    /// `buf` was handed out: cleared at the next call.
    done: bool,
}

/// A line, without its LF (a CR before it is kept: callers trim as their protocol does).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    pub bytes: &'a [u8],
    /// Longer than the limit; `bytes` is its start.
    pub truncated: bool,
}

impl Lines {
    /// Feeds `data`, handing each complete line to `f`.
    #[cfg(test)]
    pub fn feed(&mut self, max: usize, mut data: &[u8], f: &mut impl FnMut(Line<'_>)) {
        while let Some(line) = self.next(max, &mut data) {
            f(line);
        }
    }

    /// The next complete line of `data` (with what an earlier chunk left unfinished), `data`
    /// moved past it; `None` once `data` is used up (its unfinished end is kept).
    pub fn next<'a, 'd: 'a>(&'a mut self, max: usize, data: &mut &'d [u8]) -> Option<Line<'a>> {
        if self.done {
            self.clear();
        }
        if self.resync {
            let i = memchr::memchr(b'\n', data)?;
            self.resync = false;
            *data = &data[i + 1..];
        }
        if data.is_empty() {
            return None;
        }
        let d: &'d [u8] = data;
        let end = memchr::memchr(b'\n', d);
        let part = &d[..end.unwrap_or(d.len())];
        if self.buf.is_empty() && !self.truncated {
            if let Some(e) = end {
                *data = &d[e + 1..];
                return Some(Line {
                    bytes: &part[..part.len().min(max)],
                    truncated: part.len() > max,
                });
            }
        }
        let room = max - self.buf.len();
        if part.len() > room {
            self.truncated = true;
        }
        self.buf.extend_from_slice(&part[..part.len().min(room)]);
        match end {
            Some(e) => {
                *data = &d[e + 1..];
                self.done = true;
                Some(Line {
                    bytes: &self.buf,
                    truncated: self.truncated,
                })
            }
            None => {
                *data = &[];
                None
            }
        }
    }

    /// Bytes were lost: the line in progress is dropped, and so is what follows up to the
    /// next line end.
    pub fn gap(&mut self) {
        self.clear();
        self.resync = true;
    }

    /// The direction ended: an unterminated line still counts.
    pub fn finish(&mut self, f: &mut impl FnMut(Line<'_>)) {
        if self.done {
            self.clear();
        }
        if (!self.buf.is_empty() || self.truncated) && !self.resync {
            f(Line {
                bytes: &self.buf,
                truncated: self.truncated,
            });
        }
        self.clear();
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.truncated = false;
        self.done = false;
        if self.buf.capacity() > 8192 {
            self.buf = Vec::new();
        }
    }
}

/// 0 for the client's direction, 1 for the server's.
pub fn dir_index(d: super::Direction) -> usize {
    match d {
        super::Direction::ToServer => 0,
        super::Direction::ToClient => 1,
    }
}

/// `b` without trailing white space (C's `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`).
pub fn trim_end(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .rposition(|&c| !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .map_or(0, |i| i + 1);
    &b[..n]
}

/// `b` starts with `prefix`, ASCII case ignored.
pub fn starts_ci(b: &[u8], prefix: &[u8]) -> bool {
    b.len() >= prefix.len() && b[..prefix.len()].eq_ignore_ascii_case(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]], max: usize) -> Vec<(Vec<u8>, bool)> {
        let mut l = Lines::default();
        let mut out = Vec::new();
        for c in chunks {
            l.feed(max, c, &mut |x| out.push((x.bytes.to_vec(), x.truncated)));
        }
        l.finish(&mut |x| out.push((x.bytes.to_vec(), x.truncated)));
        out
    }

    #[test]
    fn the_same_lines_for_any_split() {
        let text = b"USER a\r\nPASS bb\r\n\r\nQUIT\r\nlast";
        let whole = run(&[text], 4096);
        assert_eq!(whole.len(), 5);
        assert_eq!(whole[4].0, b"last");
        for i in 0..text.len() {
            for j in i..text.len() {
                assert_eq!(run(&[&text[..i], &text[i..j], &text[j..]], 4096), whole);
            }
        }
    }

    #[test]
    fn long_lines_are_cut_and_flagged() {
        let out = run(&[b"abcdefgh\nxy\n"], 4);
        assert_eq!(out, vec![(b"abcd".to_vec(), true), (b"xy".to_vec(), false)]);
        let out = run(&[b"abc", b"defgh", b"ij\nxy\n"], 4);
        assert_eq!(out, vec![(b"abcd".to_vec(), true), (b"xy".to_vec(), false)]);
    }

    #[test]
    fn a_gap_drops_to_the_next_line() {
        let mut l = Lines::default();
        let mut out = Vec::new();
        l.feed(100, b"USER a", &mut |x| out.push(x.bytes.to_vec()));
        l.gap();
        l.feed(100, b"bc\r\nPASS x\r\n", &mut |x| {
            out.push(x.bytes.to_vec())
        });
        assert_eq!(out, vec![b"PASS x\r".to_vec()]);
    }

    #[test]
    fn trims_like_isspace() {
        assert_eq!(trim_end(b"a b \t\r\n"), b"a b");
        assert_eq!(trim_end(b" \r"), b"");
    }
}
