//! Message body framing: Content-Length, chunked (libhtp's tolerant reading of chunk-size lines)
//! and close-delimited. Only the first `limit` decoded bytes are copied; the rest is counted.

use super::decompress::BodyDecoder;
use super::transaction::Message;

/// Longest chunk-size line (extensions included) accepted before giving up.
const MAX_CHUNK_LINE: u32 = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// Reading a chunk-size line.
    Size {
        val: u64,
        digits: u32,
        /// Past the digits: the rest of the line is not read (but for an extension).
        tail: bool,
        /// Only spaces since the digits: a `;` now starts an extension.
        spaces: bool,
        len: u32,
    },
    Data {
        remaining: u64,
    },
    /// Bytes after chunk data, up to and including the next LF.
    DataEnd,
    /// Trailer lines after the last chunk, until an empty line.
    Trailers {
        line_has_data: bool,
        total: u32,
    },
}

impl Chunk {
    fn size() -> Chunk {
        Chunk::Size {
            val: 0,
            digits: 0,
            tail: false,
            spaces: false,
            len: 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    Length { remaining: u64 },
    Chunked(Chunk),
    UntilClose,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyEvent {
    /// All input used; the body goes on.
    More,
    /// The body ended after the returned number of bytes.
    Done,
    /// Malformed chunk framing at the returned position.
    Invalid,
}

impl Body {
    pub(crate) fn chunked() -> Body {
        Body::Chunked(Chunk::size())
    }

    /// Consumes body bytes from `data`; returns how many were used and what happened.
    /// With a decoder (Content-Encoding), the decoded bytes go through it.
    pub(crate) fn feed(
        &mut self,
        data: &[u8],
        msg: &mut Message,
        dec: &mut Option<Box<BodyDecoder>>,
        limit: usize,
        max_trailers: u32,
    ) -> (usize, BodyEvent) {
        match self {
            Body::Length { remaining } => {
                let n = (*remaining).min(data.len() as u64) as usize;
                deliver(msg, dec, &data[..n], limit);
                msg.wire_len += n as u64;
                *remaining -= n as u64;
                let ev = if *remaining == 0 {
                    BodyEvent::Done
                } else {
                    BodyEvent::More
                };
                (n, ev)
            }
            Body::UntilClose => {
                deliver(msg, dec, data, limit);
                msg.wire_len += data.len() as u64;
                (data.len(), BodyEvent::More)
            }
            Body::Chunked(c) => feed_chunked(c, data, msg, dec, limit, max_trailers),
        }
    }

    /// Accounts for `len` lost bytes; false when the loss cannot be stepped over (the message
    /// boundary is no longer known).
    pub(crate) fn gap(&mut self, len: u64, msg: &mut Message) -> bool {
        match self {
            Body::Length { remaining } | Body::Chunked(Chunk::Data { remaining }) => {
                if len > *remaining {
                    return false;
                }
                *remaining -= len;
            }
            Body::UntilClose => {}
            Body::Chunked(_) => return false,
        }
        msg.body_len += len;
        msg.gap_bytes += len;
        msg.wire_len += len;
        if let Body::Chunked(c @ Chunk::Data { remaining: 0 }) = self {
            *c = Chunk::DataEnd;
        }
        true
    }

    /// The body is over once the current position is reached (used right after a gap).
    pub(crate) fn is_finished(&self) -> bool {
        matches!(self, Body::Length { remaining: 0 })
    }
}

/// Counts body bytes and keeps the first `limit` of them.
#[inline]
pub(crate) fn store(msg: &mut Message, bytes: &[u8], limit: usize) {
    msg.body_len += bytes.len() as u64;
    let room = limit.saturating_sub(msg.body.len());
    if room > 0 {
        let n = room.min(bytes.len());
        msg.body.extend_from_slice(&bytes[..n]);
    }
}

/// Counts body bytes and keeps them, decoded by `dec` when there is one.
#[inline]
pub(crate) fn deliver(
    msg: &mut Message,
    dec: &mut Option<Box<BodyDecoder>>,
    bytes: &[u8],
    limit: usize,
) {
    match dec {
        None => store(msg, bytes, limit),
        Some(d) => {
            msg.body_len += bytes.len() as u64;
            d.feed(bytes, &mut msg.body);
        }
    }
}

/// A chunk-size line that is not one, its byte before `i` the one that showed it: libhtp
/// reads the line again as body data (a response then reads raw until close). That byte and
/// what follows are given back, to be read (and counted) as body; what came before it on the
/// line (whitespace, or the digits of a size too large) is dropped, so the result does not
/// depend on where the input was split.
fn invalid_line(msg: &mut Message, i: usize) -> (usize, BodyEvent) {
    msg.wire_len -= 1;
    (i - 1, BodyEvent::Invalid)
}

fn feed_chunked(
    c: &mut Chunk,
    data: &[u8],
    msg: &mut Message,
    dec: &mut Option<Box<BodyDecoder>>,
    limit: usize,
    max_trailers: u32,
) -> (usize, BodyEvent) {
    let mut i = 0;
    while i < data.len() {
        match c {
            Chunk::Size {
                val,
                digits,
                tail,
                spaces,
                len,
            } => {
                let b = data[i];
                i += 1;
                msg.wire_len += 1;
                *len += 1;
                if *len > MAX_CHUNK_LINE {
                    return invalid_line(msg, i);
                }
                if b == b'\n' {
                    if *digits == 0 {
                        // Empty line where a size was expected: skipped, as libhtp does.
                        *c = Chunk::size();
                        continue;
                    }
                    *c = if *val == 0 {
                        Chunk::Trailers {
                            line_has_data: false,
                            total: 0,
                        }
                    } else {
                        Chunk::Data { remaining: *val }
                    };
                    continue;
                }
                if *tail {
                    if *spaces {
                        // libhtp 0.5.50 warns of an extension when a `;` follows the digits
                        // after spaces only.
                        msg.chunk_extension |= b == b';';
                        *spaces = b == b' ';
                    }
                    continue;
                }
                let hex = match b {
                    b'0'..=b'9' => Some(b - b'0'),
                    b'a'..=b'f' => Some(b - b'a' + 10),
                    b'A'..=b'F' => Some(b - b'A' + 10),
                    _ => None,
                };
                match hex {
                    Some(h) => {
                        // libhtp refuses sizes above INT64_MAX / 2.
                        if *val > (i64::MAX as u64 / 2) >> 4 {
                            return invalid_line(msg, i);
                        }
                        *val = *val << 4 | u64::from(h);
                        *digits += 1;
                    }
                    None if *digits == 0 => {
                        if !matches!(b, b'\r' | b' ' | b'\t' | 0x0b | 0x0c) {
                            // An extension without a size is still one (then invalid).
                            msg.chunk_extension |= b == b';';
                            return invalid_line(msg, i);
                        }
                    }
                    // Extensions (`;name=value`) and anything else after the digits: ignored.
                    None => {
                        *tail = true;
                        msg.chunk_extension |= b == b';';
                        *spaces = b == b' ';
                    }
                }
            }
            Chunk::Data { remaining } => {
                let n = (*remaining).min((data.len() - i) as u64) as usize;
                deliver(msg, dec, &data[i..i + n], limit);
                msg.wire_len += n as u64;
                *remaining -= n as u64;
                i += n;
                if *remaining == 0 {
                    *c = Chunk::DataEnd;
                }
            }
            Chunk::DataEnd => match memchr::memchr(b'\n', &data[i..]) {
                Some(p) => {
                    msg.wire_len += p as u64 + 1;
                    i += p + 1;
                    *c = Chunk::size();
                }
                None => {
                    msg.wire_len += (data.len() - i) as u64;
                    i = data.len();
                }
            },
            Chunk::Trailers {
                line_has_data,
                total,
            } => {
                let b = data[i];
                i += 1;
                *total += 1;
                if *total > max_trailers {
                    return (i, BodyEvent::Invalid);
                }
                match b {
                    b'\n' if !*line_has_data => return (i, BodyEvent::Done),
                    b'\n' => *line_has_data = false,
                    b'\r' => {}
                    _ => *line_has_data = true,
                }
            }
        }
    }
    (i, BodyEvent::More)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &mut Body, input: &[u8], step: usize) -> (Message, usize, BodyEvent) {
        let mut m = Message::default();
        let mut used = 0;
        let mut ev = BodyEvent::More;
        for piece in input.chunks(step.max(1)) {
            let (n, e) = body.feed(piece, &mut m, &mut None, 4, 1000);
            used += n;
            ev = e;
            if e != BodyEvent::More {
                break;
            }
        }
        (m, used, ev)
    }

    #[test]
    fn chunked_counts_like_libhtp() {
        // Suricata logged `length` 35 for this body; the trailer is not counted.
        let raw = b"5;ext=1\r\nhello\r\n0a\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        for step in [1, 2, 3, 7, raw.len()] {
            let mut b = Body::chunked();
            let (m, used, ev) = run(&mut b, raw, step);
            assert_eq!(ev, BodyEvent::Done, "step {step}");
            assert_eq!(used, raw.len() - 4);
            assert_eq!(m.wire_len, 35);
            assert_eq!(m.body_len, 15);
            assert_eq!(m.body, b"hell");
        }
    }

    #[test]
    fn chunk_size_with_spaces_and_leading_empty_line() {
        let mut b = Body::chunked();
        let (m, _, ev) = run(&mut b, b"\r\n  A  \r\n0123456789\r\n0\r\n\r\n", 1);
        assert_eq!(ev, BodyEvent::Done);
        assert_eq!(m.body_len, 10);
        let mut b = Body::chunked();
        let (m, used, ev) = run(&mut b, b"zz\r\n", 100);
        assert_eq!(ev, BodyEvent::Invalid);
        // The bad line is given back, to be read as body.
        assert_eq!((used, m.wire_len), (0, 0));
        let mut b = Body::chunked();
        let (m, used, ev) = run(&mut b, b"5\r\nhello\r\n  X5O!P", 100);
        assert_eq!(ev, BodyEvent::Invalid);
        assert_eq!((used, m.wire_len), (12, 12));
        let mut b = Body::chunked();
        let (_, _, ev) = run(&mut b, b"fffffffffffffffffff\r\n", 100);
        assert_eq!(ev, BodyEvent::Invalid);
    }

    #[test]
    fn gaps_inside_known_lengths() {
        let mut m = Message::default();
        let mut b = Body::Length { remaining: 10 };
        assert!(b.gap(10, &mut m));
        assert!(b.is_finished());
        let mut b = Body::Length { remaining: 10 };
        assert!(!b.gap(11, &mut m));
        let mut b = Body::Chunked(Chunk::Data { remaining: 5 });
        assert!(b.gap(5, &mut m));
        assert_eq!(b, Body::Chunked(Chunk::DataEnd));
        assert!(!Body::chunked().gap(1, &mut m));
    }
}
