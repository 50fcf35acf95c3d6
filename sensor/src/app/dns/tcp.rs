//! DNS over TCP (RFC 1035 4.2.2, RFC 7766): each message is preceded by its 2-byte length.
//!
//! `DnsTcpParser` keeps, per direction, only the unfinished frame (at most 2 + 65535 bytes,
//! held only while a message straddles chunks); whole messages inside a chunk are parsed in
//! place. After a gap the framing is lost, so the direction waits for a chunk that starts
//! like a framed DNS message (`probe_tcp`) and drops the others.

use super::message::{DnsError, DnsMessage};
use super::probe::{probe_tcp, Probe};
use crate::app::Direction;

/// Largest frame: length prefix plus the largest message.
/// Buffers grown beyond this are released once their frame is done.
const KEEP_CAPACITY: usize = 4096;

/// Counters for one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpDirStats {
    /// Frames delivered, parsed or not.
    pub messages: u64,
    /// Frames whose message failed to parse.
    pub errors: u64,
    /// Gaps reported.
    pub gaps: u64,
    /// Bytes dropped while looking for a frame start after a gap.
    pub skipped_bytes: u64,
}

impl TcpDirStats {
    pub fn add(&mut self, o: &TcpDirStats) {
        self.messages += o.messages;
        self.errors += o.errors;
        self.gaps += o.gaps;
        self.skipped_bytes += o.skipped_bytes;
    }
}

#[derive(Debug, Default)]
struct DirState {
    /// Start of the unfinished frame (length prefix included), or chunks held while
    /// resynchronising.
    buf: Vec<u8>,
    resync: bool,
    stats: TcpDirStats,
}

/// Per-flow DNS-over-TCP parser.
#[derive(Debug, Default)]
pub struct DnsTcpParser {
    to_server: DirState,
    to_client: DirState,
}

impl DnsTcpParser {
    pub fn new() -> DnsTcpParser {
        DnsTcpParser::default()
    }

    /// Feeds in-order stream bytes of one direction, split anywhere. Each complete message is
    /// parsed into `scratch` and handed to `on_message` (with its parse error, if any).
    pub fn feed<F>(
        &mut self,
        dir: Direction,
        bytes: &[u8],
        scratch: &mut DnsMessage,
        mut on_message: F,
    ) where
        F: FnMut(Result<&DnsMessage, DnsError>),
    {
        let st = self.dir_mut(dir);
        if !st.resync {
            frame(st, bytes, scratch, &mut on_message);
            return;
        }
        // Resynchronising: decide from the chunk (plus a short start held from before)
        // whether it begins a DNS frame. Probing needs at most a header and one name, so
        // what is held stays small.
        let held;
        let input = if st.buf.is_empty() {
            bytes
        } else {
            st.buf.extend_from_slice(bytes);
            held = std::mem::take(&mut st.buf);
            &held[..]
        };
        match probe_tcp(input) {
            Probe::Dns(_) => {
                st.resync = false;
                frame(st, input, scratch, &mut on_message);
            }
            Probe::NeedMore => st.buf.extend_from_slice(input),
            Probe::NotDns => st.stats.skipped_bytes += input.len() as u64,
        }
    }

    /// Bytes of this direction were lost: drop the unfinished frame and resynchronise.
    pub fn gap(&mut self, dir: Direction) {
        let st = self.dir_mut(dir);
        st.buf = Vec::new();
        st.resync = true;
        st.stats.gaps += 1;
    }

    /// Bytes held for this direction (an unfinished frame).
    pub fn buffered(&self, dir: Direction) -> usize {
        self.dir(dir).buf.len()
    }

    pub fn stats(&self, dir: Direction) -> TcpDirStats {
        self.dir(dir).stats
    }

    fn dir(&self, dir: Direction) -> &DirState {
        match dir {
            Direction::ToServer => &self.to_server,
            Direction::ToClient => &self.to_client,
        }
    }

    fn dir_mut(&mut self, dir: Direction) -> &mut DirState {
        match dir {
            Direction::ToServer => &mut self.to_server,
            Direction::ToClient => &mut self.to_client,
        }
    }
}

fn frame<F>(st: &mut DirState, mut input: &[u8], scratch: &mut DnsMessage, on_message: &mut F)
where
    F: FnMut(Result<&DnsMessage, DnsError>),
{
    while !input.is_empty() {
        if !st.buf.is_empty() {
            // Finish the frame begun in an earlier chunk.
            let want = match frame_len(&st.buf) {
                Some(len) => len - st.buf.len(),
                None => 2 - st.buf.len(),
            };
            let (take, rest) = input.split_at(want.min(input.len()));
            st.buf.extend_from_slice(take);
            input = rest;
            if frame_len(&st.buf) == Some(st.buf.len()) {
                deliver(&mut st.stats, &st.buf[2..], scratch, on_message);
                st.buf.clear();
                if st.buf.capacity() > KEEP_CAPACITY {
                    st.buf = Vec::new();
                }
            }
            continue;
        }
        match frame_len(input) {
            Some(len) if input.len() >= len => {
                deliver(&mut st.stats, &input[2..len], scratch, on_message);
                input = &input[len..];
            }
            // Hold the unfinished frame; it grows with the bytes that arrive, not with the
            // length the peer announces.
            _ => {
                st.buf.extend_from_slice(input);
                return;
            }
        }
    }
}

/// Length of the frame starting at `b`, prefix included, once the prefix is there.
fn frame_len(b: &[u8]) -> Option<usize> {
    let p = b.get(..2)?;
    Some(2 + u16::from_be_bytes([p[0], p[1]]) as usize)
}

fn deliver<F>(stats: &mut TcpDirStats, msg: &[u8], scratch: &mut DnsMessage, on_message: &mut F)
where
    F: FnMut(Result<&DnsMessage, DnsError>),
{
    if msg.is_empty() {
        // A zero length prefix: Suricata 7 steps over it (no message, no error).
        return;
    }
    stats.messages += 1;
    match scratch.parse(msg) {
        Ok(()) => on_message(Ok(scratch)),
        Err(e) => {
            stats.errors += 1;
            on_message(Err(e));
        }
    }
}
