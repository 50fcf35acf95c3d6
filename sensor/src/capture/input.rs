//! The byte buffer both file readers stream through: chunks of 1 MiB filled with large reads and
//! recycled, so that iterating a file allocates nothing per packet and uses constant memory.
//! Packets are handed to the workers by reference into the chunk they were read into (see
//! `SharedBuf`); a chunk is reused once no batch points into it.

use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::sync::Arc;

use super::shared::SharedBuf;
use super::{CaptureError, CaptureErrorKind};

/// Chunk size for steady-state reading of one file: large reads amortise the system calls, and
/// a chunk the kernel just copied into is still in the reading core's cache (2 MiB of L2 here)
/// when the reader walks its records (1 MiB measured best against 256 KiB and 4 MiB).
pub(crate) const DEFAULT_BUFFER: usize = 1 << 20;
/// Chunk size for pipes and other streams (see `open_file_buffered`).
pub(crate) const STREAM_BUFFER: usize = 128 << 10;
/// First allocation; the buffer doubles towards its steady size as reading goes on, so merely
/// peeking at a file (as a merge of many files does) stays cheap.
const INITIAL_BUFFER: usize = 64 << 10;
/// Most warnings queued between two `take_warnings()` calls; the counters always count.
pub(crate) const MAX_WARNINGS: usize = 100;
/// How far ahead of the cursor the reader prefetches.
const PREFETCH_DISTANCE: usize = 4096;

/// Byte order of a file or pcapng section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    #[inline]
    pub(crate) fn u16(self, b: [u8; 2]) -> u16 {
        match self {
            Endian::Little => u16::from_le_bytes(b),
            Endian::Big => u16::from_be_bytes(b),
        }
    }

    #[inline]
    pub(crate) fn u32(self, b: [u8; 4]) -> u32 {
        match self {
            Endian::Little => u32::from_le_bytes(b),
            Endian::Big => u32::from_be_bytes(b),
        }
    }

    /// The `u16` at `off` in `buf`, `None` when it does not fit.
    #[inline]
    pub(crate) fn u16_at(self, buf: &[u8], off: usize) -> Option<u16> {
        let b = buf.get(off..off.checked_add(2)?)?;
        Some(self.u16(b.try_into().ok()?))
    }

    /// The `u32` at `off` in `buf`, `None` when it does not fit.
    #[inline]
    pub(crate) fn u32_at(self, buf: &[u8], off: usize) -> Option<u32> {
        let b = buf.get(off..off.checked_add(4)?)?;
        Some(self.u32(b.try_into().ok()?))
    }

    /// The `u64` at `off` in `buf`, `None` when it does not fit.
    #[inline]
    pub(crate) fn u64_at(self, buf: &[u8], off: usize) -> Option<u64> {
        let b: [u8; 8] = buf.get(off..off.checked_add(8)?)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u64::from_le_bytes(b),
            Endian::Big => u64::from_be_bytes(b),
        })
    }
}

/// What a resynchronisation check says about the bytes at one position.
pub(crate) enum Verdict {
    /// A plausible record starts here.
    Match,
    /// No record starts here.
    NoMatch,
    /// Cannot tell without more bytes.
    NeedMore,
}

impl Verdict {
    pub(crate) fn is_match(&self) -> bool {
        matches!(self, Verdict::Match)
    }
}

/// A read-only window over a byte stream: `avail()` is what was read and not yet consumed.
pub(crate) struct Input {
    src: Box<dyn Read + Send>,
    path: PathBuf,
    /// The chunk `avail()` is a window of. Packets are handed to workers by reference into it.
    cur: Arc<SharedBuf>,
    /// Chunks read earlier, reused once no batch holds them any more.
    spare: Vec<Arc<SharedBuf>>,
    /// First unconsumed byte in `cur`.
    start: usize,
    /// End of the bytes read into `cur`.
    end: usize,
    /// File offset of `cur[0]`.
    base: u64,
    eof: bool,
    /// Size the chunks grow to for bulk reading.
    steady: usize,
    /// Hard cap: the largest record the reader accepts plus its header.
    max: usize,
    total: Option<u64>,
    /// Reading was stopped (a stop signal): a record cut at the end is the stop's doing, not
    /// damage in the input.
    stopped: bool,
}

/// Spare chunks kept for reuse, in bytes: enough for what the batches in flight point into
/// (with two workers about 8 MiB of a file; a pipe's chunks are mostly empty); more are freed
/// when their batches are done.
const SPARE_BYTES: usize = 16 << 20;

impl Input {
    pub(crate) fn new(
        src: Box<dyn Read + Send>,
        path: PathBuf,
        total: Option<u64>,
        steady: usize,
    ) -> Input {
        let steady = steady.max(INITIAL_BUFFER);
        Input {
            src,
            path,
            cur: Arc::new(SharedBuf::new(INITIAL_BUFFER)),
            spare: Vec::new(),
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            steady,
            max: steady,
            total,
            stopped: false,
        }
    }

    /// Allows records up to `max` bytes (header included) by letting the buffer grow that far.
    pub(crate) fn set_max_record(&mut self, max: usize) {
        self.max = self.steady.max(max);
    }

    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }

    /// Bytes read and not consumed yet.
    #[inline]
    pub(crate) fn avail(&self) -> &[u8] {
        // start <= end <= buf.len() always holds; `get` keeps a broken invariant from panicking.
        self.buffer().get(self.start..self.end).unwrap_or(&[])
    }

    /// The whole buffer, to borrow a staged packet by its absolute position.
    #[inline]
    pub(crate) fn buffer(&self) -> &[u8] {
        self.cur.bytes()
    }

    /// The packet record for bytes `at..at + len` of `buffer()`: borrowed, and located in the
    /// shared buffer (so that it can be handed to a worker without a copy).
    #[inline]
    pub(crate) fn record(
        &self,
        at: usize,
        len: usize,
        ts: crate::time::Timestamp,
        link: super::LinkType,
        wire_len: u32,
    ) -> Option<super::PacketRecord<'_>> {
        Some(super::PacketRecord {
            ts,
            link,
            wire_len,
            data: self.buffer().get(at..at.checked_add(len)?)?,
            shared: Some(super::SharedFrame {
                map: &self.cur,
                offset: at,
            }),
        })
    }

    /// Position of the first unconsumed byte in `buffer()`.
    #[inline]
    pub(crate) fn start(&self) -> usize {
        self.start
    }

    /// File offset of the first unconsumed byte.
    #[inline]
    pub(crate) fn pos(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Marks `n` bytes as used (at most what is available).
    #[inline]
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.end);
    }

    /// Hints the CPU to fetch the bytes a few records ahead into cache. Records are read in
    /// order, but each is ~1 KB past the last, which the hardware prefetchers do not follow
    /// across pages; without this the reader stalls on every record header.
    #[inline]
    pub(crate) fn prefetch_ahead(&self) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let ahead = self.avail();
            for off in [0, PREFETCH_DISTANCE] {
                if let Some(b) = ahead.get(off) {
                    // SAFETY: prefetch is only a hint; the address is inside `ahead`.
                    unsafe { _mm_prefetch::<_MM_HINT_T0>(b as *const u8 as *const i8) };
                }
            }
        }
    }

    /// Consumes everything read so far.
    pub(crate) fn consume_all(&mut self) {
        self.consume(self.end - self.start);
    }

    #[cfg(test)]
    pub(crate) fn spare_chunks(&self) -> usize {
        self.spare.len()
    }

    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.cur.bytes().len()
    }

    /// Capacity limit, for tests of bounded memory.
    #[cfg(test)]
    pub(crate) fn max_capacity(&self) -> usize {
        self.max
    }

    pub(crate) fn error(&self, offset: u64, kind: CaptureErrorKind) -> CaptureError {
        CaptureError {
            path: self.path.clone(),
            offset,
            kind,
        }
    }

    /// Reads nothing more (a stop): what is buffered is still delivered, then the input ends.
    /// True when it holds unread bytes.
    pub(crate) fn stop_reading(&mut self) -> bool {
        self.eof = true;
        self.stopped = true;
        self.end > self.start
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    /// Everything read so far was consumed: the next record needs a read that may wait (a
    /// quiet pipe).
    pub(crate) fn drained(&self) -> bool {
        !self.eof && self.start == self.end
    }

    /// Makes at least `need` bytes available unless the input ends first; returns how many are.
    /// Invalidates positions in `buffer()`.
    #[inline]
    pub(crate) fn fill(&mut self, need: usize) -> Result<usize, CaptureError> {
        let have = self.end - self.start;
        if have >= need || self.eof {
            return Ok(have);
        }
        self.refill(need)
    }

    /// The slow path of `fill`: move the unconsumed tail (less than one record) to the front of
    /// a chunk nobody else holds (the current one, a spare one whose batches are done, or a new
    /// one), growing towards the steady size, then read.
    #[inline(never)]
    fn refill(&mut self, need: usize) -> Result<usize, CaptureError> {
        let need = need.min(self.max);
        let have = self.end - self.start;
        let len = self.cur.bytes().len();
        let mut target = len;
        if target < self.steady {
            target = target.saturating_mul(2).min(self.steady);
        }
        target = target.max(need);
        let (start, end) = (self.start, self.end);
        if target == len && Arc::get_mut(&mut self.cur).is_some() {
            // Nobody else holds the chunk: reuse it in place.
            if let Some(buf) = Arc::get_mut(&mut self.cur) {
                buf.bytes_mut().copy_within(start..end, 0);
            }
        } else {
            // Batches still point into the chunk (or it is too small): continue in another.
            let mut next = self.spare_chunk(target);
            if let Some(buf) = Arc::get_mut(&mut next) {
                buf.bytes_mut()[..have].copy_from_slice(&self.cur.bytes()[start..end]);
            }
            let old = std::mem::replace(&mut self.cur, next);
            if self.spare.len() >= self.max_spare() {
                self.spare.remove(0);
            }
            self.spare.push(old);
        }
        self.base += start as u64;
        self.end = have;
        self.start = 0;
        let Some(buf) = Arc::get_mut(&mut self.cur).map(|b| b.bytes_mut()) else {
            // Not reached: `cur` is a chunk only this input holds.
            self.eof = true;
            return Ok(self.end - self.start);
        };
        while self.end < need {
            let room = &mut buf[self.end..];
            match self.src.read(room) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                // A misbehaving reader must not push `end` past the buffer.
                Ok(n) => self.end += n.min(room.len()),
                // A stop signal interrupts a read that waits on a quiet pipe: the input ends
                // there. Other interruptions are retried.
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    if crate::signals::stop_requested() {
                        self.eof = true;
                        self.stopped = true;
                        break;
                    }
                }
                Err(e) => {
                    return Err(CaptureError {
                        path: self.path.clone(),
                        offset: self.base + self.end as u64,
                        kind: CaptureErrorKind::Io(e),
                    });
                }
            }
        }
        Ok(self.end - self.start)
    }

    pub(crate) fn max_spare(&self) -> usize {
        (SPARE_BYTES / self.steady).max(4)
    }

    /// A chunk of at least `len` bytes that no batch holds: a spare one, or a new one.
    fn spare_chunk(&mut self, len: usize) -> Arc<SharedBuf> {
        let mut i = 0;
        while i < self.spare.len() {
            if Arc::get_mut(&mut self.spare[i]).is_some() {
                if self.spare[i].bytes().len() >= len {
                    return self.spare.swap_remove(i);
                }
                // Free but too small (the chunks grew): let it go.
                self.spare.swap_remove(i);
                continue;
            }
            i += 1;
        }
        Arc::new(SharedBuf::new(len))
    }

    /// Steps forward a byte at a time until `check` accepts the bytes at the cursor, keeping
    /// `window` bytes ahead of it when the input has them. Returns false, with everything
    /// consumed, when the input ends first. Always consumes at least one byte or ends.
    pub(crate) fn scan(
        &mut self,
        window: usize,
        mut check: impl FnMut(&[u8], bool) -> Verdict,
    ) -> Result<bool, CaptureError> {
        loop {
            self.fill(window)?;
            let eof = self.eof;
            let data = self.avail();
            let mut i = 0;
            let mut found = false;
            while let Some(rest) = data.get(i..) {
                if rest.is_empty() {
                    break;
                }
                match check(rest, eof) {
                    Verdict::Match => {
                        found = true;
                        break;
                    }
                    Verdict::NoMatch => i += 1,
                    Verdict::NeedMore => {
                        // At the front of a full window more bytes cannot come: move on.
                        if i == 0 {
                            i = 1;
                        }
                        break;
                    }
                }
            }
            self.consume(i);
            if found {
                return Ok(true);
            }
            if self.eof && self.start == self.end {
                return Ok(false);
            }
        }
    }
}

/// Warnings kept for `take_warnings()`, at most [`MAX_WARNINGS`] at a time.
#[derive(Default)]
pub(crate) struct Warnings {
    queue: Vec<CaptureError>,
}

impl Warnings {
    pub(crate) fn push(&mut self, e: CaptureError) {
        if self.queue.len() < MAX_WARNINGS {
            self.queue.push(e);
        }
    }

    pub(crate) fn take(&mut self) -> Vec<CaptureError> {
        std::mem::take(&mut self.queue)
    }
}
