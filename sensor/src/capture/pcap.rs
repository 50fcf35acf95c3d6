//! Classic libpcap file reader (both byte orders, micro- and nanosecond resolution).
//!
//! Layout: a 24-byte file header, then records of a 16-byte header (seconds, fraction, captured
//! length, original length) followed by the captured bytes. Records are not aligned.

use std::io::Read;
use std::path::PathBuf;

use super::input::{Endian, Input, Verdict, Warnings, DEFAULT_BUFFER};
use super::{CaptureError, CaptureErrorKind, LinkType, PacketRecord, PacketSource, SkipCounters};
use crate::time::Timestamp;

/// Magic numbers as read little-endian from the first four bytes.
pub(crate) const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
pub(crate) const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Alexey Kuznetsov's patched libpcap: 8 more bytes per record header (ifindex, protocol, type).
pub(crate) const MAGIC_KUZNETSOV: u32 = 0xa1b2_cd34;

const FILE_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;
const KUZNETSOV_RECORD_HEADER_LEN: usize = 24;
const OFF_VERSION_MAJOR: usize = 4;
const OFF_SNAPLEN: usize = 16;
const OFF_NETWORK: usize = 20;
const SUPPORTED_MAJOR: u16 = 2;
/// The low 16 bits of the header's network field are the link type; the upper bits carry the
/// FCS length and are not needed to decode.
const LINKTYPE_MASK: u32 = 0xffff;

/// Largest captured length accepted: libpcap's MAXIMUM_SNAPLEN. Longer records are damage.
pub const MAX_CAPLEN: u32 = 256 << 10;
/// Records may exceed the header snap length a little (some writers get it wrong), not by far.
const SNAPLEN_SLACK: u32 = 64 << 10;
/// Largest original length a resynchronisation candidate may claim (TSO/GRO super-packets
/// stay well below this).
const RESYNC_MAX_WIRE_LEN: u32 = 1 << 20;
/// Candidate records must be this close in time to the last good record, and to each other.
const RESYNC_TS_WINDOW_SECS: u32 = 86_400;

const NANOS_PER_MICRO: u64 = 1_000;
const MICROS_PER_SEC: u32 = 1_000_000;
const NANOS_PER_SEC: u32 = 1_000_000_000;

/// The packet staged by `advance()`: its place in the input buffer and its metadata.
#[derive(Clone, Copy)]
struct Staged {
    at: usize,
    len: usize,
    ts: Timestamp,
    wire_len: u32,
}

/// A record header's fields.
#[derive(Clone, Copy)]
struct RecordHeader {
    secs: u32,
    frac: u32,
    caplen: u32,
    origlen: u32,
}

/// Reads a classic pcap file as a stream of packets, in constant memory.
pub struct PcapReader {
    input: Input,
    endian: Endian,
    /// Multiplier from the fraction field to nanoseconds.
    frac_to_nanos: u64,
    /// The fraction field's exclusive upper bound (used to judge resync candidates).
    frac_limit: u32,
    record_header_len: usize,
    link: LinkType,
    snaplen: u32,
    /// Captured lengths above this are damage.
    caplen_limit: u32,
    staged: Option<Staged>,
    last_secs: Option<u32>,
    done: bool,
    skipped: SkipCounters,
    warnings: Warnings,
}

impl PcapReader {
    /// Reads a pcap stream; `path` names it in errors, `total` is its size when known.
    pub fn new(
        reader: impl Read + Send + 'static,
        path: impl Into<PathBuf>,
        total: Option<u64>,
    ) -> Result<PcapReader, CaptureError> {
        PcapReader::from_input(Input::new(
            Box::new(reader),
            path.into(),
            total,
            DEFAULT_BUFFER,
        ))
    }

    pub(crate) fn from_input(mut input: Input) -> Result<PcapReader, CaptureError> {
        let n = input.fill(FILE_HEADER_LEN)?;
        let Some(h) = input.avail().first_chunk::<FILE_HEADER_LEN>().copied() else {
            return Err(input.error(
                0,
                CaptureErrorKind::Truncated {
                    needed: FILE_HEADER_LEN as u64,
                    available: n as u64,
                },
            ));
        };
        let magic_bytes = [h[0], h[1], h[2], h[3]];
        let (endian, magic) = if u32::from_le_bytes(magic_bytes) >> 16 == MAGIC_MICROS >> 16 {
            (Endian::Little, u32::from_le_bytes(magic_bytes))
        } else {
            (Endian::Big, u32::from_be_bytes(magic_bytes))
        };
        let (frac_to_nanos, frac_limit, record_header_len) = match magic {
            MAGIC_MICROS => (NANOS_PER_MICRO, MICROS_PER_SEC, RECORD_HEADER_LEN),
            MAGIC_NANOS => (1, NANOS_PER_SEC, RECORD_HEADER_LEN),
            MAGIC_KUZNETSOV => (NANOS_PER_MICRO, MICROS_PER_SEC, KUZNETSOV_RECORD_HEADER_LEN),
            _ => {
                return Err(input.error(
                    0,
                    CaptureErrorKind::BadMagic(u32::from_be_bytes(magic_bytes)),
                ))
            }
        };
        let major = endian.u16([h[OFF_VERSION_MAJOR], h[OFF_VERSION_MAJOR + 1]]);
        if major != SUPPORTED_MAJOR {
            return Err(input.error(
                OFF_VERSION_MAJOR as u64,
                CaptureErrorKind::BadHeader(format!(
                    "unsupported pcap version {major} (expected {SUPPORTED_MAJOR})"
                )),
            ));
        }
        let word = |off: usize| endian.u32([h[off], h[off + 1], h[off + 2], h[off + 3]]);
        let snaplen = word(OFF_SNAPLEN);
        let link = LinkType::from_dlt(word(OFF_NETWORK) & LINKTYPE_MASK);
        let caplen_limit = if snaplen == 0 || snaplen >= MAX_CAPLEN {
            MAX_CAPLEN
        } else {
            snaplen
                .saturating_mul(2)
                .max(snaplen + SNAPLEN_SLACK)
                .min(MAX_CAPLEN)
        };
        input.consume(FILE_HEADER_LEN);
        // Room for a whole resync window: two headers around the largest record.
        input.set_max_record(2 * record_header_len + caplen_limit as usize);
        Ok(PcapReader {
            input,
            endian,
            frac_to_nanos,
            frac_limit,
            record_header_len,
            link,
            snaplen,
            caplen_limit,
            staged: None,
            last_secs: None,
            done: false,
            skipped: SkipCounters::default(),
            warnings: Warnings::default(),
        })
    }

    /// The file's link type (every packet has it).
    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// The snap length from the file header.
    pub fn snaplen(&self) -> u32 {
        self.snaplen
    }

    #[cfg(test)]
    pub(crate) fn input(&self) -> &Input {
        &self.input
    }

    #[inline]
    fn parse_header(endian: Endian, h: &[u8; RECORD_HEADER_LEN]) -> RecordHeader {
        RecordHeader {
            secs: endian.u32([h[0], h[1], h[2], h[3]]),
            frac: endian.u32([h[4], h[5], h[6], h[7]]),
            caplen: endian.u32([h[8], h[9], h[10], h[11]]),
            origlen: endian.u32([h[12], h[13], h[14], h[15]]),
        }
    }

    /// Ends reading at a record the file cuts short.
    fn truncated(&mut self, needed: usize, available: usize) -> Result<bool, CaptureError> {
        let at = self.input.pos();
        self.skipped.truncated_records += 1;
        self.warnings.push(self.input.error(
            at,
            CaptureErrorKind::Truncated {
                needed: needed as u64,
                available: available as u64,
            },
        ));
        self.input.consume_all();
        self.done = true;
        Ok(false)
    }

    /// Steps over a record with an absurd length to the next plausible record header.
    #[cold]
    fn resync(&mut self, caplen: u32) -> Result<(), CaptureError> {
        let start = self.input.pos();
        self.skipped.bad_records += 1;
        self.warnings.push(self.input.error(
            start,
            CaptureErrorKind::AbsurdLength {
                length: caplen.into(),
                limit: self.caplen_limit.into(),
            },
        ));
        self.input.consume(1);
        let endian = self.endian;
        let hl = self.record_header_len;
        let limit = self.caplen_limit;
        let frac_limit = self.frac_limit;
        let last_secs = self.last_secs;
        let window = 2 * hl + limit as usize;
        let plausible = |b: &[u8]| -> Option<RecordHeader> {
            let h = Self::parse_header(endian, b.first_chunk()?);
            let ok = h.caplen <= limit
                && h.caplen <= h.origlen
                && h.origlen <= RESYNC_MAX_WIRE_LEN
                && h.frac < frac_limit;
            ok.then_some(h)
        };
        let near = |a: u32, b: u32| a.abs_diff(b) <= RESYNC_TS_WINDOW_SECS;
        let found = self.input.scan(window, |b, eof| {
            if b.len() < hl {
                return if eof {
                    Verdict::NoMatch
                } else {
                    Verdict::NeedMore
                };
            }
            let Some(h) = plausible(b) else {
                return Verdict::NoMatch;
            };
            // Runs of zeros look like empty records: demand some bytes.
            if h.caplen == 0 || last_secs.is_some_and(|s| !near(s, h.secs)) {
                return Verdict::NoMatch;
            }
            let next = hl + h.caplen as usize;
            match b.get(next..) {
                Some(rest) if rest.len() >= hl => match plausible(rest) {
                    Some(n) if near(n.secs, h.secs) => Verdict::Match,
                    _ => Verdict::NoMatch,
                },
                // A record that ends exactly at the end of the file needs no successor.
                Some(rest) if eof && rest.is_empty() => Verdict::Match,
                _ if eof => Verdict::NoMatch,
                _ => Verdict::NeedMore,
            }
        })?;
        self.skipped.bytes_skipped += self.input.pos() - start;
        if !found {
            self.done = true;
        }
        Ok(())
    }
}

impl PacketSource for PcapReader {
    fn advance(&mut self) -> Result<bool, CaptureError> {
        self.staged = None;
        let hl = self.record_header_len;
        while !self.done {
            if self.input.avail().len() < hl {
                let n = self.input.fill(hl)?;
                if n == 0 {
                    self.done = true;
                    return Ok(false);
                }
                if n < hl {
                    return self.truncated(hl, n);
                }
            }
            let Some(hb) = self.input.avail().first_chunk::<RECORD_HEADER_LEN>() else {
                return self.truncated(hl, self.input.avail().len());
            };
            let h = Self::parse_header(self.endian, hb);
            if h.caplen > self.caplen_limit {
                self.resync(h.caplen)?;
                continue;
            }
            let need = hl + h.caplen as usize;
            if self.input.avail().len() < need {
                let n = self.input.fill(need)?;
                if n < need {
                    return self.truncated(need, n);
                }
            }
            self.staged = Some(Staged {
                at: self.input.start() + hl,
                len: h.caplen as usize,
                ts: Timestamp(
                    u64::from(h.secs) * u64::from(NANOS_PER_SEC)
                        + u64::from(h.frac) * self.frac_to_nanos,
                ),
                // Keep wire_len >= data.len() even for writers that get origlen wrong.
                wire_len: h.origlen.max(h.caplen),
            });
            self.input.consume(need);
            self.last_secs = Some(h.secs);
            return Ok(true);
        }
        Ok(false)
    }

    #[inline]
    fn current(&self) -> Option<PacketRecord<'_>> {
        let s = self.staged?;
        Some(PacketRecord {
            ts: s.ts,
            link: self.link,
            wire_len: s.wire_len,
            data: self.input.buffer().get(s.at..s.at + s.len)?,
        })
    }

    fn bytes_read(&self) -> u64 {
        self.input.pos()
    }

    fn total_bytes(&self) -> Option<u64> {
        self.input.total()
    }

    fn skipped(&self) -> SkipCounters {
        self.skipped
    }

    fn take_warnings(&mut self) -> Vec<CaptureError> {
        self.warnings.take()
    }
}
