//! Finding the next message after a reassembly gap lost the message boundary.
//!
//! Bytes after the gap are scanned line by line: a line starting with a known method and a
//! space (requests) or `HTTP/` (responses) starts the next message; everything before it is
//! junk. When the gap fell between messages, the junk is the rest of a message whose start was
//! lost: it is kept as a placeholder message (body = junk) so that responses still pair with
//! the right requests.

use crate::app::http::probe::{starts_message, Probe};

/// Longest prefix that can still be undecided (`VERSION-CONTROL `, `HTTP/`), with room.
const PROBE_MAX: usize = 40;

#[derive(Debug, Default)]
pub(super) struct Resync {
    /// The next byte starts a line.
    pub at_line_start: bool,
    /// The gap fell between messages: junk belongs to a new (placeholder) message.
    pub owner: bool,
    /// A placeholder message is in progress.
    pub placeholder: bool,
    /// Start of a line that may begin a message (shorter than `PROBE_MAX`).
    pub held: Vec<u8>,
}

pub(super) enum Scan {
    /// A message starts with the held bytes followed by the input.
    Found,
    /// Input held; undecided.
    Wait,
    /// Junk: the returned held bytes, then the consumed input.
    Junk(Vec<u8>),
}

impl Resync {
    pub(super) fn after_gap(owner: bool) -> Resync {
        Resync {
            at_line_start: true,
            owner,
            placeholder: false,
            held: Vec::new(),
        }
    }

    /// One step over `data`: returns how many input bytes were used and what they are.
    pub(super) fn scan(&mut self, data: &[u8], to_server: bool) -> (usize, Scan) {
        if !self.at_line_start {
            return match memchr::memchr(b'\n', data) {
                Some(p) => {
                    self.at_line_start = true;
                    (p + 1, Scan::Junk(Vec::new()))
                }
                None => (data.len(), Scan::Junk(Vec::new())),
            };
        }
        if self.held.is_empty() {
            // Empty lines: junk, still at a line start.
            let blank = data
                .iter()
                .take_while(|&&c| c == b'\r' || c == b'\n')
                .count();
            if blank > 0 {
                return (blank, Scan::Junk(Vec::new()));
            }
        }
        let mut buf = [0u8; PROBE_MAX];
        let h = self.held.len().min(PROBE_MAX);
        buf[..h].copy_from_slice(&self.held[..h]);
        let m = (PROBE_MAX - h).min(data.len());
        buf[h..h + m].copy_from_slice(&data[..m]);
        match starts_message(&buf[..h + m], to_server) {
            Probe::Yes => (0, Scan::Found),
            // Undecided only on a short prefix, so all of `data` fits in `buf`.
            Probe::NeedMore if m == data.len() => {
                self.held.extend_from_slice(data);
                (data.len(), Scan::Wait)
            }
            _ => {
                self.at_line_start = false;
                (0, Scan::Junk(std::mem::take(&mut self.held)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[&[u8]], to_server: bool) -> (usize, bool) {
        let mut r = Resync::after_gap(true);
        let mut junk = 0;
        for piece in input {
            let mut d: &[u8] = piece;
            while !d.is_empty() {
                let (n, s) = r.scan(d, to_server);
                match s {
                    Scan::Found => return (junk, true),
                    Scan::Wait => {}
                    Scan::Junk(h) => junk += h.len() + n,
                }
                d = &d[n..];
            }
        }
        (junk, false)
    }

    #[test]
    fn finds_the_next_message_at_a_line_start() {
        assert_eq!(run(&[b"GET / HTTP/1.1\r\n"], true), (0, true));
        assert_eq!(run(&[b"G", b"E", b"T / HTTP/1.1\r\n"], true), (0, true));
        assert_eq!(run(&[b"tail of body\r\nGET /"], true), (14, true));
        assert_eq!(run(&[b"GETTING\nxGET /\nPOST /"], true), (15, true));
        assert_eq!(
            run(&[b"<html>\n</html>\nHTTP/1.1 200 OK"], false),
            (15, true)
        );
        assert_eq!(run(&[b"HT", b"ML\nHTTP/1.0 200"], false), (5, true));
        assert_eq!(run(&[b"\r\n\r\nHTTP/1.1"], false), (4, true));
        assert_eq!(run(&[b"no message here"], false), (15, false));
    }
}
