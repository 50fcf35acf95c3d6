//! Domain name decompression (RFC 1035 4.1.4) into a reusable arena, and the `Name` view.
//!
//! Decompression is strict so that it is linear and cannot loop: every pointer must point
//! strictly before the start of the label run that contains it (which is where any real
//! compressor points, and which makes positions strictly decrease), never into the 12-byte
//! header, and pointer jumps are capped per name and share one budget per message. Names longer than 255
//! bytes in wire form, more than 127 labels, and the reserved label types 0x40/0x80 are errors.

use std::fmt;

/// Maximum wire length of a name, root byte included (RFC 1035 2.3.4).
pub const MAX_NAME_WIRE_LEN: usize = 255;
/// Maximum number of labels: a 255-byte wire name holds at most 127 one-byte labels.
pub const MAX_LABELS: usize = 127;
/// Pointer jumps allowed within one name; compressors need at most one per label.
const MAX_JUMPS_PER_NAME: usize = MAX_LABELS + 1;
const HEADER_LEN: usize = 12;

/// Why a name could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameError {
    /// The name ran past the end of the message (or of the rdata holding it).
    Truncated,
    /// A compression pointer points past the end of the message or into the header.
    PointerOutOfBounds,
    /// A compression pointer points at or after the label run it belongs to: a loop or a
    /// forward reference.
    ForwardPointer,
    /// The name, or the message, used up its budget of compression pointer jumps.
    TooManyJumps,
    /// The decoded name is longer than 255 bytes in wire form.
    TooLong,
    /// The decoded name has more than 127 labels.
    TooManyLabels,
    /// A label starts with the reserved bit patterns 01 or 10.
    BadLabelType,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameError::Truncated => "name truncated",
            NameError::PointerOutOfBounds => "compression pointer out of bounds",
            NameError::ForwardPointer => "compression pointer loop or forward pointer",
            NameError::TooManyJumps => "too many compression pointer jumps",
            NameError::TooLong => "name longer than 255 bytes",
            NameError::TooManyLabels => "name has more than 127 labels",
            NameError::BadLabelType => "reserved label type",
        })
    }
}

/// Where a decoded name lives in the arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameRef {
    off: u32,
    lens_off: u32,
    len: u16,
    labels: u8,
}

/// Decoded names of one message: dotted text bytes and, alongside, each label's length
/// (the dotted form alone is ambiguous when a label contains a '.').
#[derive(Debug, Default)]
pub(crate) struct NameArena {
    dotted: Vec<u8>,
    lens: Vec<u8>,
    /// Recently decoded names by message offset, so that the many owner names that are a
    /// bare pointer (usually to the question) reuse the decoded copy.
    recent: [(u16, u8, NameRef); RECENT],
    recent_len: usize,
}

const RECENT: usize = 8;

impl NameArena {
    pub(crate) fn clear(&mut self) {
        self.dotted.clear();
        self.lens.clear();
        self.recent_len = 0;
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.dotted.capacity() + self.lens.capacity()
    }

    fn lookup(&self, offset: usize) -> Option<(u8, NameRef)> {
        self.recent[..self.recent_len.min(RECENT)]
            .iter()
            .find(|e| e.0 as usize == offset)
            .map(|e| (e.1, e.2))
    }

    fn remember(&mut self, offset: usize, hops: u8, r: NameRef) {
        // Pointers have 14 bits: names further in can never be pointed at.
        if offset < 0x4000 {
            self.recent[self.recent_len % RECENT] = (offset as u16, hops, r);
            self.recent_len += 1;
        }
    }

    pub(crate) fn get(&self, r: NameRef) -> Name<'_> {
        let off = r.off as usize;
        let lens_off = r.lens_off as usize;
        Name {
            dotted: self
                .dotted
                .get(off..off + r.len as usize)
                .unwrap_or_default(),
            lens: self
                .lens
                .get(lens_off..lens_off + r.labels as usize)
                .unwrap_or_default(),
        }
    }
}

/// Decodes the name starting at `start` in `msg`. Labels before the first pointer must lie
/// below `limit` (the end of the rdata holding the name, or the message). Returns the name
/// and the offset just past it in the original position. `jumps` is the message's remaining
/// pointer budget. On error the arena is left as it was.
pub(crate) fn read_name(
    msg: &[u8],
    start: usize,
    limit: usize,
    arena: &mut NameArena,
    jumps: &mut u32,
) -> Result<(NameRef, usize), NameError> {
    let limit = limit.min(msg.len());
    // A name that is only a pointer to a name decoded before is that name: decoding from
    // the target gives the same result, so only the pointer itself needs checking.
    if let Some(target) = valid_pointer_at(msg, start, limit) {
        if let Some((hops, r)) = arena.lookup(target) {
            if (hops as usize) < MAX_JUMPS_PER_NAME {
                *jumps = jumps.checked_sub(1).ok_or(NameError::TooManyJumps)?;
                return Ok((r, start + 2));
            }
        }
    }
    let dotted_mark = arena.dotted.len();
    let lens_mark = arena.lens.len();
    match decode(msg, start, limit, arena, jumps) {
        Ok(d) => {
            let name = NameRef {
                off: dotted_mark as u32,
                lens_off: lens_mark as u32,
                len: (arena.dotted.len() - dotted_mark) as u16,
                labels: d.labels,
            };
            arena.remember(start, d.hops, name);
            Ok((name, d.end))
        }
        Err(e) => {
            arena.dotted.truncate(dotted_mark);
            arena.lens.truncate(lens_mark);
            Err(e)
        }
    }
}

/// The target of a compression pointer at `pos` that obeys the rules for a name's first
/// pointer (inside the message, after the header, strictly before `pos`).
fn valid_pointer_at(msg: &[u8], pos: usize, limit: usize) -> Option<usize> {
    let b = *msg.get(pos).filter(|_| pos + 1 < limit)?;
    if b & 0xc0 != 0xc0 {
        return None;
    }
    let target = (((b & 0x3f) as usize) << 8) | *msg.get(pos + 1)? as usize;
    (HEADER_LEN..pos).contains(&target).then_some(target)
}

struct Decoded {
    labels: u8,
    hops: u8,
    end: usize,
}

/// Checks the name at `start` without storing it; returns the offset just past it.
pub(crate) fn skip_name(
    msg: &[u8],
    start: usize,
    limit: usize,
    jumps: &mut u32,
) -> Result<usize, NameError> {
    decode(msg, start, limit.min(msg.len()), &mut (), jumps).map(|d| d.end)
}

/// Receives decoded labels, so that checking a name (probing) needs no buffer.
trait LabelSink {
    fn label(&mut self, first: bool, label: &[u8]);
}

impl LabelSink for () {
    fn label(&mut self, _: bool, _: &[u8]) {}
}

impl LabelSink for NameArena {
    fn label(&mut self, first: bool, label: &[u8]) {
        if !first {
            self.dotted.push(b'.');
        }
        self.dotted.extend_from_slice(label);
        self.lens.push(label.len() as u8);
    }
}

fn decode<S: LabelSink>(
    msg: &[u8],
    start: usize,
    mut limit: usize,
    sink: &mut S,
    jumps: &mut u32,
) -> Result<Decoded, NameError> {
    let mut pos = start;
    // Start of the current run of labels; pointers must land strictly below it.
    let mut run_start = start;
    // Offset after the name in its original position, fixed at the first pointer.
    let mut end = None;
    let mut wire_len = 1usize;
    let mut labels = 0usize;
    let mut hops = 0usize;
    loop {
        if pos >= limit {
            return Err(NameError::Truncated);
        }
        let b = msg[pos];
        match b & 0xc0 {
            0x00 if b == 0 => {
                return Ok(Decoded {
                    labels: labels as u8,
                    hops: hops as u8,
                    end: end.unwrap_or(pos + 1),
                });
            }
            0x00 => {
                let len = b as usize;
                let label = msg
                    .get(pos + 1..pos + 1 + len)
                    .filter(|_| pos + 1 + len <= limit)
                    .ok_or(NameError::Truncated)?;
                labels += 1;
                if labels > MAX_LABELS {
                    return Err(NameError::TooManyLabels);
                }
                wire_len += 1 + len;
                if wire_len > MAX_NAME_WIRE_LEN {
                    return Err(NameError::TooLong);
                }
                sink.label(labels == 1, label);
                pos += 1 + len;
            }
            0xc0 => {
                if pos + 1 >= limit {
                    return Err(NameError::Truncated);
                }
                let target = (((b & 0x3f) as usize) << 8) | msg[pos + 1] as usize;
                if target >= msg.len() || target < HEADER_LEN {
                    return Err(NameError::PointerOutOfBounds);
                }
                if target >= run_start {
                    return Err(NameError::ForwardPointer);
                }
                hops += 1;
                if hops > MAX_JUMPS_PER_NAME {
                    return Err(NameError::TooManyJumps);
                }
                *jumps = jumps.checked_sub(1).ok_or(NameError::TooManyJumps)?;
                end.get_or_insert(pos + 2);
                run_start = target;
                pos = target;
                limit = msg.len();
            }
            _ => return Err(NameError::BadLabelType),
        }
    }
}

/// A decoded domain name: the dotted form Suricata uses (labels joined by '.', no trailing
/// dot, the root is empty, bytes as sent) plus the label boundaries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name<'m> {
    dotted: &'m [u8],
    lens: &'m [u8],
}

impl<'m> Name<'m> {
    /// Dotted bytes, exactly the content of Suricata's `dns.query` buffer for a question.
    pub fn as_bytes(&self) -> &'m [u8] {
        self.dotted
    }

    /// Length of the dotted form.
    pub fn len(&self) -> usize {
        self.dotted.len()
    }

    /// True for the root name (empty dotted form).
    pub fn is_empty(&self) -> bool {
        self.dotted.is_empty()
    }

    /// Number of labels (0 for the root).
    pub fn label_count(&self) -> usize {
        self.lens.len()
    }

    /// Length of the longest label.
    pub fn longest_label(&self) -> usize {
        self.lens.iter().copied().max().unwrap_or(0) as usize
    }

    /// Length in uncompressed wire form, root byte included.
    pub fn wire_len(&self) -> usize {
        self.dotted.len() + 2 - usize::from(self.lens.is_empty())
    }

    /// Raw label bytes, leftmost first.
    pub fn labels(&self) -> Labels<'m> {
        Labels {
            dotted: self.dotted,
            lens: self.lens,
            pos: 0,
        }
    }

    /// The rightmost `n` labels as dotted bytes (the whole name if it has fewer).
    pub fn suffix(&self, n: usize) -> &'m [u8] {
        let skip = self.lens.len().saturating_sub(n);
        let start: usize = self.lens[..skip].iter().map(|&l| l as usize + 1).sum();
        self.dotted.get(start..).unwrap_or_default()
    }
}

impl fmt::Debug for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({:?})", String::from_utf8_lossy(self.dotted))
    }
}

/// Renders like Suricata's EVE value, before JSON escaping: UTF-8 as is, otherwise bytes
/// from 0x80 as `\xNN`.
impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(self.dotted) {
            Ok(s) => f.write_str(s),
            Err(_) => self.dotted.iter().try_for_each(|&b| {
                if b < 0x80 {
                    fmt::Write::write_char(f, b as char)
                } else {
                    write!(f, "\\x{b:02x}")
                }
            }),
        }
    }
}

/// Iterator over a name's raw labels.
#[derive(Clone, Debug)]
pub struct Labels<'m> {
    dotted: &'m [u8],
    lens: &'m [u8],
    pos: usize,
}

impl<'m> Iterator for Labels<'m> {
    type Item = &'m [u8];

    fn next(&mut self) -> Option<&'m [u8]> {
        let (&len, rest) = self.lens.split_first()?;
        self.lens = rest;
        let label = self
            .dotted
            .get(self.pos..self.pos + len as usize)
            .unwrap_or_default();
        self.pos += len as usize + 1;
        Some(label)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.lens.len(), Some(self.lens.len()))
    }
}

impl ExactSizeIterator for Labels<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_at(msg: &[u8], start: usize) -> Result<(String, Vec<Vec<u8>>, usize), NameError> {
        let mut arena = NameArena::default();
        let mut jumps = 1000;
        let (r, end) = read_name(msg, start, msg.len(), &mut arena, &mut jumps)?;
        let n = arena.get(r);
        Ok((n.to_string(), n.labels().map(<[u8]>::to_vec).collect(), end))
    }

    fn with_header(body: &[u8]) -> Vec<u8> {
        let mut m = vec![0u8; 12];
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn plain_and_compressed() {
        // 12: www.example.com, 29: mail + ptr(16) -> mail.example.com, 36: ptr(29)
        let m = with_header(b"\x03www\x07example\x03com\x00\x04mail\xc0\x10\xc0\x1d");
        assert_eq!(decode_at(&m, 12).unwrap().0, "www.example.com");
        assert_eq!(decode_at(&m, 12).unwrap().2, 29);
        let (s, labels, end) = decode_at(&m, 29).unwrap();
        assert_eq!(s, "mail.example.com");
        assert_eq!(
            labels,
            vec![b"mail".to_vec(), b"example".to_vec(), b"com".to_vec()]
        );
        assert_eq!(end, 36);
        assert_eq!(decode_at(&m, 36).unwrap(), (s, labels, 38));
    }

    #[test]
    fn root_name() {
        let m = with_header(b"\x00");
        let mut arena = NameArena::default();
        let (r, end) = read_name(&m, 12, m.len(), &mut arena, &mut 10).unwrap();
        let n = arena.get(r);
        assert!(n.is_empty());
        assert_eq!((n.label_count(), n.wire_len(), end), (0, 1, 13));
    }

    #[test]
    fn dot_inside_label_keeps_boundaries() {
        let m = with_header(b"\x03a.b\x01c\x00");
        let mut arena = NameArena::default();
        let (r, _) = read_name(&m, 12, m.len(), &mut arena, &mut 10).unwrap();
        let n = arena.get(r);
        assert_eq!(n.as_bytes(), b"a.b.c");
        assert_eq!(n.labels().collect::<Vec<_>>(), vec![&b"a.b"[..], b"c"]);
        assert_eq!(n.wire_len(), 7);
        assert_eq!(n.suffix(1), b"c");
        assert_eq!(n.suffix(5), b"a.b.c");
    }

    #[test]
    fn self_pointer_is_a_loop() {
        let m = with_header(b"\xc0\x0c");
        assert_eq!(decode_at(&m, 12), Err(NameError::ForwardPointer));
    }

    #[test]
    fn two_pointer_loop() {
        // 12: ptr(14), 14: ptr(12)
        let m = with_header(b"\xc0\x0e\xc0\x0c");
        assert_eq!(decode_at(&m, 12), Err(NameError::ForwardPointer));
        assert_eq!(decode_at(&m, 14), Err(NameError::ForwardPointer));
    }

    #[test]
    fn label_then_pointer_back_to_itself() {
        let m = with_header(b"\x03abc\xc0\x0c");
        assert_eq!(decode_at(&m, 12), Err(NameError::ForwardPointer));
    }

    #[test]
    fn forward_pointer() {
        let m = with_header(b"\xc0\x0e\x01a\x00");
        assert_eq!(decode_at(&m, 12), Err(NameError::ForwardPointer));
    }

    #[test]
    fn pointer_past_end_or_into_header() {
        let m = with_header(b"\x01a\x00\xc0\xff");
        assert_eq!(decode_at(&m, 15), Err(NameError::PointerOutOfBounds));
        let m = with_header(b"\x01a\x00\xc0\x02");
        assert_eq!(decode_at(&m, 15), Err(NameError::PointerOutOfBounds));
        let m = with_header(b"\x01a\x00\xc0");
        assert_eq!(decode_at(&m, 15), Err(NameError::Truncated));
    }

    #[test]
    fn too_long_and_too_many_labels() {
        // 300 bytes of 63-byte labels.
        let mut body = Vec::new();
        for _ in 0..5 {
            body.push(59);
            body.extend_from_slice(&[b'a'; 59]);
        }
        body.push(0);
        assert_eq!(decode_at(&with_header(&body), 12), Err(NameError::TooLong));

        // Exactly 255 bytes is fine, 256 is not.
        let name = |last: u8| {
            let mut b = Vec::new();
            for _ in 0..3 {
                b.push(63);
                b.extend_from_slice(&[b'x'; 63]);
            }
            b.push(last);
            b.extend(std::iter::repeat_n(b'y', last as usize));
            b.push(0);
            with_header(&b)
        };
        assert_eq!(decode_at(&name(61), 12).unwrap().0.len(), 253);
        assert_eq!(decode_at(&name(62), 12), Err(NameError::TooLong));

        let labels = |n: usize| {
            let mut b = b"\x01x".repeat(n);
            b.push(0);
            with_header(&b)
        };
        assert_eq!(decode_at(&labels(127), 12).unwrap().1.len(), 127);
        assert_eq!(decode_at(&labels(128), 12), Err(NameError::TooManyLabels));
    }

    #[test]
    fn bad_label_type_and_truncation() {
        assert_eq!(
            decode_at(&with_header(b"\x41abc"), 12),
            Err(NameError::BadLabelType)
        );
        assert_eq!(
            decode_at(&with_header(b"\x81abc"), 12),
            Err(NameError::BadLabelType)
        );
        assert_eq!(
            decode_at(&with_header(b"\x03ab"), 12),
            Err(NameError::Truncated)
        );
        assert_eq!(
            decode_at(&with_header(b"\x03abc"), 12),
            Err(NameError::Truncated)
        );
    }

    #[test]
    fn limit_bounds_labels_before_first_pointer() {
        let m = with_header(b"\x01a\x00\x01b\xc0\x0c");
        let mut arena = NameArena::default();
        assert_eq!(
            read_name(&m, 15, 17, &mut arena, &mut 10).map(|_| ()),
            Err(NameError::Truncated)
        );
        let (r, end) = read_name(&m, 15, 19, &mut arena, &mut 10).unwrap();
        assert_eq!((arena.get(r).as_bytes(), end), (&b"b.a"[..], 19));
    }

    #[test]
    fn jump_budget_is_shared_and_errors_roll_back() {
        let m = with_header(b"\x01a\x00\xc0\x0c\xc0\x0f");
        let mut arena = NameArena::default();
        let mut jumps = 2;
        assert!(read_name(&m, 15, m.len(), &mut arena, &mut jumps).is_ok());
        assert_eq!(jumps, 1);
        // 17 -> 15 -> 12 needs two jumps when 15 was not decoded before.
        let mut fresh = NameArena::default();
        assert_eq!(
            read_name(&m, 17, m.len(), &mut fresh, &mut jumps).map(|_| ()),
            Err(NameError::TooManyJumps)
        );
        assert!(fresh.dotted.is_empty() && fresh.lens.is_empty());
        // With 15 decoded before, the pointer to it is resolved in one jump.
        jumps = 1;
        let (r, end) = read_name(&m, 17, m.len(), &mut arena, &mut jumps).unwrap();
        assert_eq!((arena.get(r).as_bytes(), end, jumps), (&b"a"[..], 19, 0));
    }

    #[test]
    fn reuse_of_decoded_names_keeps_the_pointer_rules() {
        // 12: "a", 15: ptr(12); 17: ptr(19) is a forward pointer even though 19 is cached
        // below, 19: ptr(15).
        let m = with_header(b"\x01a\x00\xc0\x0c\xc0\x13\xc0\x0f");
        let mut arena = NameArena::default();
        let mut jumps = 100;
        read_name(&m, 12, m.len(), &mut arena, &mut jumps).unwrap();
        read_name(&m, 19, m.len(), &mut arena, &mut jumps).unwrap();
        assert_eq!(
            read_name(&m, 17, m.len(), &mut arena, &mut jumps).map(|_| ()),
            Err(NameError::ForwardPointer)
        );
        // A pointer at the end of an rdata limit is truncated, cached or not.
        assert_eq!(
            read_name(&m, 15, 16, &mut arena, &mut jumps).map(|_| ()),
            Err(NameError::Truncated)
        );
    }

    #[test]
    fn display_escapes_like_suricata() {
        let m = with_header(b"\x05bad\x80\xff\x07example\x00");
        assert_eq!(decode_at(&m, 12).unwrap().0, "bad\\x80\\xff.example");
        let m = with_header(b"\x05caf\xc3\xa9\x00");
        assert_eq!(decode_at(&m, 12).unwrap().0, "café");
    }
}
