//! Handshake-message framing across records for one direction. A message may span any number of
//! records and any number of calls; only messages the parser asks for are copied, and at most
//! `cap` bytes of each. A message that arrives whole inside one input slice is not copied at all.

/// Handshake message types used by the parser.
pub const HS_CLIENT_HELLO: u8 = 1;
pub const HS_SERVER_HELLO: u8 = 2;
pub const HS_CERTIFICATE: u8 = 11;
pub const HS_SERVER_HELLO_DONE: u8 = 14;

/// Where a completed message's body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// `input[start..end]` of the slice given to [`Reassembler::push`].
    Input { start: usize, end: usize },
    /// [`Reassembler::buffered`].
    Buffered,
    /// Not kept (the caller did not want it).
    Skipped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub msg_type: u8,
    /// Declared body length.
    pub len: usize,
    pub body: Body,
    /// False when only a prefix (at most the cap) of the body was kept.
    pub complete: bool,
}

#[derive(Debug, Default)]
pub struct Reassembler {
    hdr: [u8; 4],
    hdr_len: u8,
    msg_type: u8,
    len: usize,
    /// Body bytes still to come.
    remaining: usize,
    /// Bytes of the body to keep (0: skip).
    cap: usize,
    /// The kept prefix was already handed out; the rest of the message is skipped silently.
    delivered: bool,
    buf: Vec<u8>,
}

impl Reassembler {
    /// Feeds handshake-record bytes. Returns how many bytes of `data` were consumed (at least
    /// one if `data` is not empty) and the message completed by them, if any. `want` gives, for
    /// a message type, how many body bytes to keep.
    pub fn push(&mut self, data: &[u8], want: impl Fn(u8) -> usize) -> (usize, Option<Message>) {
        let mut used = 0;
        if self.hdr_len < 4 {
            while let (true, Some(&b)) = (self.hdr_len < 4, data.get(used)) {
                self.hdr[self.hdr_len as usize] = b;
                self.hdr_len += 1;
                used += 1;
            }
            if self.hdr_len < 4 {
                return (used, None);
            }
            self.msg_type = self.hdr[0];
            self.len = u32::from_be_bytes([0, self.hdr[1], self.hdr[2], self.hdr[3]]) as usize;
            self.remaining = self.len;
            self.cap = want(self.msg_type);
            self.delivered = false;
            self.buf.clear();
            if self.len == 0 {
                return (used, Some(self.finish(Body::Skipped, true)));
            }
        }
        let avail = &data[used.min(data.len())..];
        if self.cap == 0 || self.delivered {
            let n = self.remaining.min(avail.len());
            self.remaining -= n;
            used += n;
            if self.remaining > 0 {
                return (used, None);
            }
            if self.delivered {
                self.hdr_len = 0;
                return (used, None);
            }
            return (used, Some(self.finish(Body::Skipped, false)));
        }
        // Zero-copy: the whole body is here and nothing was buffered before.
        if self.buf.is_empty()
            && self.remaining == self.len
            && avail.len() >= self.len
            && self.len <= self.cap
        {
            let body = Body::Input {
                start: used,
                end: used + self.len,
            };
            used += self.len;
            self.remaining = 0;
            return (used, Some(self.finish(body, true)));
        }
        let n = self.remaining.min(avail.len());
        let keep = n.min(self.cap.saturating_sub(self.buf.len()));
        if self.buf.is_empty() {
            // One allocation of the exact size: the memory bound is the cap, not twice it.
            self.buf.reserve_exact(self.len.min(self.cap));
        }
        if let Some(part) = avail.get(..keep) {
            self.buf.extend_from_slice(part);
        }
        self.remaining -= n;
        used += n;
        if self.remaining == 0 {
            let complete = self.buf.len() == self.len;
            return (used, Some(self.finish(Body::Buffered, complete)));
        }
        if self.buf.len() >= self.cap {
            // Hand out the prefix now; the caller need not wait for (or keep) the rest.
            self.delivered = true;
            return (
                used,
                Some(Message {
                    msg_type: self.msg_type,
                    len: self.len,
                    body: Body::Buffered,
                    complete: false,
                }),
            );
        }
        (used, None)
    }

    fn finish(&mut self, body: Body, complete: bool) -> Message {
        self.hdr_len = 0;
        Message {
            msg_type: self.msg_type,
            len: self.len,
            body,
            complete,
        }
    }

    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes held for a partial message (for the memory bound).
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Drops any partial message and frees its memory.
    pub fn reset(&mut self) {
        *self = Reassembler::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(chunks: &[&[u8]], cap: usize) -> Vec<(u8, Vec<u8>, bool)> {
        let mut r = Reassembler::default();
        let mut out = Vec::new();
        for chunk in chunks {
            let mut off = 0;
            while off < chunk.len() {
                let (used, m) = r.push(&chunk[off..], |_| cap);
                assert!(used > 0);
                if let Some(m) = m {
                    let body = match m.body {
                        Body::Input { start, end } => chunk[off + start..off + end].to_vec(),
                        Body::Buffered => r.buffered().to_vec(),
                        Body::Skipped => Vec::new(),
                    };
                    out.push((m.msg_type, body, m.complete));
                }
                off += used;
            }
        }
        out
    }

    #[test]
    fn whole_split_and_capped_messages() {
        let data = [1, 0, 0, 3, b'a', b'b', b'c', 14, 0, 0, 0, 2, 0, 0, 1, b'z'];
        let whole = msgs(&[&data], 100);
        assert_eq!(
            whole,
            vec![
                (1, b"abc".to_vec(), true),
                (14, vec![], true),
                (2, b"z".to_vec(), true)
            ]
        );
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(msgs(&bytes, 100), whole);
        assert_eq!(msgs(&[&data[..5], &data[5..]], 100), whole);
        let capped = msgs(&[&data], 2);
        assert_eq!(capped[0], (1, b"ab".to_vec(), false));
        assert_eq!(capped.len(), 3);
        let bytes_capped = msgs(&bytes, 2);
        assert_eq!(bytes_capped, capped);
        let skipped = msgs(&[&data], 0);
        assert_eq!(skipped[0], (1, vec![], false));
    }
}
