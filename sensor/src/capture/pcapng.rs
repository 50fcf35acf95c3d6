//! pcapng reader (several interfaces and link types, both byte orders).
//!
//! A pcapng file is a sequence of blocks: type (4 bytes), total length (4), body, total length
//! again (4), every block a multiple of 4 bytes. A Section Header Block starts each section and
//! sets its byte order; Interface Description Blocks number the section's interfaces; packets
//! (Enhanced, Simple and obsolete Packet Blocks) refer to an interface for their link type and
//! timestamp resolution.

use std::io::Read;
use std::path::PathBuf;

use super::input::{Endian, Input, Verdict, Warnings, DEFAULT_BUFFER};
use super::{CaptureError, CaptureErrorKind, LinkType, PacketRecord, PacketSource, SkipCounters};
use crate::time::Timestamp;

/// Section Header Block type: the same bytes in either byte order, and the file's magic number.
pub(crate) const BT_SHB: u32 = 0x0a0d_0d0a;
const BT_IDB: u32 = 1;
/// Obsolete Packet Block.
const BT_PB: u32 = 2;
const BT_SPB: u32 = 3;
const BT_NRB: u32 = 4;
const BT_ISB: u32 = 5;
const BT_EPB: u32 = 6;
const BT_IRIG_TIMESTAMP: u32 = 7;
const BT_ARINC_429: u32 = 8;
const BT_SYSTEMD_JOURNAL: u32 = 9;
const BT_DSB: u32 = 0x0a;
const BT_CUSTOM: u32 = 0x0bad;
const BT_CUSTOM_NOCOPY: u32 = 0x4000_0bad;
/// Block types that resynchronisation accepts as the start of a block.
const KNOWN_BLOCK_TYPES: [u32; 13] = [
    BT_SHB,
    BT_IDB,
    BT_PB,
    BT_SPB,
    BT_NRB,
    BT_ISB,
    BT_EPB,
    BT_IRIG_TIMESTAMP,
    BT_ARINC_429,
    BT_SYSTEMD_JOURNAL,
    BT_DSB,
    BT_CUSTOM,
    BT_CUSTOM_NOCOPY,
];

const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const SUPPORTED_MAJOR: u16 = 1;

const BLOCK_HEADER_LEN: usize = 8;
const BLOCK_TRAILER_LEN: usize = 4;
const MIN_BLOCK_LEN: usize = BLOCK_HEADER_LEN + BLOCK_TRAILER_LEN;
/// Header, byte-order magic, version (4), section length (8), trailer.
const MIN_SHB_LEN: usize = MIN_BLOCK_LEN + 16;
const BLOCK_ALIGN: u32 = 4;
/// Largest block accepted; longer ones are damage.
pub const MAX_BLOCK_LEN: u32 = 16 << 20;
/// Resynchronisation only accepts blocks up to this length, which bounds the bytes it must
/// hold to judge a candidate (a 256 KiB packet with its headers and options fits).
const RESYNC_MAX_BLOCK_LEN: u32 = 512 << 10;
/// Interfaces kept per section; more are damage (and would let a file grow memory without end).
const MAX_INTERFACES: usize = 1 << 16;

// Offsets inside a block (from the block type field).
const OFF_BLOCK_LEN: usize = 4;
const OFF_SHB_BOM: usize = 8;
const OFF_SHB_MAJOR: usize = 12;

// Offsets inside a block body (after type and length).
const IDB_FIXED_LEN: usize = 8;
const IDB_OFF_SNAPLEN: usize = 4;
const EPB_FIXED_LEN: usize = 20;
const EPB_OFF_TS_HIGH: usize = 4;
const EPB_OFF_TS_LOW: usize = 8;
const EPB_OFF_CAPLEN: usize = 12;
const EPB_OFF_ORIGLEN: usize = 16;
const SPB_FIXED_LEN: usize = 4;

const OPT_ENDOFOPT: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;
const OPTION_HEADER_LEN: usize = 4;
/// if_tsresol when absent: microseconds.
const DEFAULT_TSRESOL: u8 = 6;
/// if_tsresol's top bit selects a power of 2 instead of a power of 10.
const TSRESOL_POW2: u8 = 0x80;
const NANOS_PER_SEC: u64 = 1_000_000_000;
const NANO_DIGITS: u8 = 9;
/// Ticks of 10^-k s with k beyond this are under 1 ns for any 64-bit tick count.
const MAX_USEFUL_TSRESOL_DIGITS: u8 = 28;

/// How one interface's timestamp ticks become nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scale {
    /// Ticks of 10^-k s, k <= 9: multiply.
    Mul(u64),
    /// Ticks of 10^-k s, k > 9: divide.
    Div(u128),
    /// Ticks of 2^-k s.
    Shift(u32),
    /// Ticks so fine that every 64-bit count is under a nanosecond.
    Zero,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Clock {
    scale: Scale,
    /// if_tsoffset: seconds added to every timestamp.
    offset_secs: i64,
}

impl Clock {
    fn new(tsresol: u8, offset_secs: i64) -> Clock {
        let scale = if tsresol & TSRESOL_POW2 != 0 {
            Scale::Shift(u32::from(tsresol & !TSRESOL_POW2))
        } else if tsresol <= NANO_DIGITS {
            Scale::Mul(10u64.pow(u32::from(NANO_DIGITS - tsresol)))
        } else if tsresol <= MAX_USEFUL_TSRESOL_DIGITS {
            Scale::Div(10u128.pow(u32::from(tsresol - NANO_DIGITS)))
        } else {
            Scale::Zero
        };
        Clock { scale, offset_secs }
    }

    /// Nanoseconds since the epoch, clamped to the representable range (negative times -> 0).
    fn timestamp(self, ticks: u64) -> Timestamp {
        let t = u128::from(ticks);
        let ns = match self.scale {
            Scale::Mul(m) => t * u128::from(m),
            Scale::Div(d) => t / d,
            Scale::Shift(k) => (t * u128::from(NANOS_PER_SEC)) >> k,
            Scale::Zero => 0,
        };
        // Both terms are far below 2^100, so neither the conversion nor the sum overflows.
        let ns = ns as i128 + i128::from(self.offset_secs) * i128::from(NANOS_PER_SEC);
        Timestamp(ns.clamp(0, i128::from(u64::MAX)) as u64)
    }
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    link: LinkType,
    snaplen: u32,
    clock: Clock,
}

/// The packet staged by `advance()`.
#[derive(Clone, Copy)]
struct Staged {
    at: usize,
    len: usize,
    ts: Timestamp,
    wire_len: u32,
    link: LinkType,
}

/// A packet block's fields, positions relative to the block start.
struct PacketFields {
    iface: u32,
    /// `None` for Simple Packet Blocks, which have no timestamp.
    ticks: Option<u64>,
    data_off: usize,
    caplen: usize,
    origlen: u32,
}

/// Reads a pcapng file as a stream of packets, in constant memory.
pub struct PcapngReader {
    input: Input,
    endian: Endian,
    ifaces: Vec<Interface>,
    /// Set after a section header of an unsupported version: its blocks cannot be trusted.
    skip_section: bool,
    /// Simple Packet Blocks carry no timestamp and get the last one seen.
    last_ts: Timestamp,
    staged: Option<Staged>,
    done: bool,
    skipped: SkipCounters,
    warnings: Warnings,
}

/// Block length problems, as an error kind (`None`: the length is fine).
fn check_block_len(len: u32, min: usize, max: u32) -> Option<CaptureErrorKind> {
    if len > max {
        Some(CaptureErrorKind::AbsurdLength {
            length: len.into(),
            limit: max.into(),
        })
    } else if (len as usize) < min || len % BLOCK_ALIGN != 0 {
        Some(CaptureErrorKind::BadHeader(format!(
            "block length {len} is not a multiple of {BLOCK_ALIGN} of at least {min}"
        )))
    } else {
        None
    }
}

/// The byte order a section header declares, from the bytes of its block.
fn shb_endian(block: &[u8]) -> Option<Endian> {
    match Endian::Little.u32_at(block, OFF_SHB_BOM)? {
        BYTE_ORDER_MAGIC => Some(Endian::Little),
        m if m.swap_bytes() == BYTE_ORDER_MAGIC => Some(Endian::Big),
        _ => None,
    }
}

/// The block type at the start of `b` (read in `endian`) and the byte order of the block.
fn block_type(b: &[u8], endian: Endian) -> Option<(u32, Endian)> {
    let t = endian.u32_at(b, 0)?;
    if t == BT_SHB {
        Some((t, shb_endian(b)?))
    } else {
        Some((t, endian))
    }
}

/// Reads an Interface Description Block (`block`: the whole block, validated).
fn parse_idb(block: &[u8], e: Endian) -> Option<Interface> {
    let body = block.get(BLOCK_HEADER_LEN..block.len().checked_sub(BLOCK_TRAILER_LEN)?)?;
    let link = e.u16_at(body, 0)?;
    let snaplen = e.u32_at(body, IDB_OFF_SNAPLEN)?;
    let mut tsresol = DEFAULT_TSRESOL;
    let mut offset_secs = 0i64;
    let mut off = IDB_FIXED_LEN;
    // Options: code, length, value padded to 4 bytes. A malformed list just ends early.
    while let (Some(code), Some(len)) = (e.u16_at(body, off), e.u16_at(body, off + 2)) {
        if code == OPT_ENDOFOPT {
            break;
        }
        let value_at = off + OPTION_HEADER_LEN;
        let Some(value) = body.get(value_at..value_at + usize::from(len)) else {
            break;
        };
        match code {
            OPT_IF_TSRESOL => {
                if let Some(&v) = value.first() {
                    tsresol = v;
                }
            }
            OPT_IF_TSOFFSET => {
                if let Some(v) = e.u64_at(value, 0) {
                    offset_secs = v as i64;
                }
            }
            _ => {}
        }
        off = value_at + usize::from(len).next_multiple_of(BLOCK_ALIGN as usize);
    }
    Some(Interface {
        link: LinkType::from_dlt(u32::from(link)),
        snaplen,
        clock: Clock::new(tsresol, offset_secs),
    })
}

/// Reads an EPB, PB or SPB (`block`: the whole block, validated).
/// `n_ifaces` is the number of interfaces described so far. A Simple Packet Block's captured
/// length still has to be capped by its interface's snap length.
fn parse_packet(
    btype: u32,
    block: &[u8],
    e: Endian,
    n_ifaces: usize,
) -> Result<PacketFields, CaptureErrorKind> {
    let body_end = block.len().saturating_sub(BLOCK_TRAILER_LEN);
    let body = block.get(BLOCK_HEADER_LEN..body_end).unwrap_or(&[]);
    let short = || CaptureErrorKind::BadHeader(format!("packet block of type {btype} too short"));
    let fields = if btype == BT_SPB {
        let origlen = e.u32_at(body, 0).ok_or_else(short)?;
        let room = body.len().saturating_sub(SPB_FIXED_LEN);
        if n_ifaces == 0 {
            return Err(CaptureErrorKind::UnknownInterface(0));
        }
        PacketFields {
            iface: 0,
            ticks: None,
            data_off: BLOCK_HEADER_LEN + SPB_FIXED_LEN,
            caplen: room.min(origlen as usize),
            origlen,
        }
    } else {
        let iface = if btype == BT_PB {
            e.u16_at(body, 0).map(u32::from)
        } else {
            e.u32_at(body, 0)
        }
        .ok_or_else(short)?;
        let hi = e.u32_at(body, EPB_OFF_TS_HIGH).ok_or_else(short)?;
        let lo = e.u32_at(body, EPB_OFF_TS_LOW).ok_or_else(short)?;
        let caplen = e.u32_at(body, EPB_OFF_CAPLEN).ok_or_else(short)?;
        let origlen = e.u32_at(body, EPB_OFF_ORIGLEN).ok_or_else(short)?;
        let room = body.len().saturating_sub(EPB_FIXED_LEN);
        if caplen as usize > room {
            return Err(CaptureErrorKind::BadHeader(format!(
                "captured length {caplen} exceeds the {room} bytes of its block"
            )));
        }
        if iface as usize >= n_ifaces {
            return Err(CaptureErrorKind::UnknownInterface(iface));
        }
        PacketFields {
            iface,
            ticks: Some(u64::from(hi) << 32 | u64::from(lo)),
            data_off: BLOCK_HEADER_LEN + EPB_FIXED_LEN,
            caplen: caplen as usize,
            origlen,
        }
    };
    Ok(fields)
}

impl PcapngReader {
    /// Reads a pcapng stream; `path` names it in errors, `total` is its size when known.
    pub fn new(
        reader: impl Read + Send + 'static,
        path: impl Into<PathBuf>,
        total: Option<u64>,
    ) -> Result<PcapngReader, CaptureError> {
        PcapngReader::from_input(Input::new(
            Box::new(reader),
            path.into(),
            total,
            DEFAULT_BUFFER,
        ))
    }

    pub(crate) fn from_input(mut input: Input) -> Result<PcapngReader, CaptureError> {
        input.set_max_record(MAX_BLOCK_LEN as usize);
        let bad = |input: &Input, off: usize, s: String| {
            input.error(off as u64, CaptureErrorKind::BadHeader(s))
        };
        let n = input.fill(MIN_SHB_LEN)?;
        let head = input.avail();
        if n < MIN_SHB_LEN {
            let kind = CaptureErrorKind::Truncated {
                needed: MIN_SHB_LEN as u64,
                available: n as u64,
            };
            return Err(input.error(0, kind));
        }
        if Endian::Little.u32_at(head, 0) != Some(BT_SHB) {
            return Err(bad(
                &input,
                0,
                "file does not start with a section header".into(),
            ));
        }
        let Some(endian) = shb_endian(head) else {
            return Err(bad(&input, OFF_SHB_BOM, "bad byte-order magic".into()));
        };
        let len = endian.u32_at(head, OFF_BLOCK_LEN).unwrap_or(0);
        if let Some(kind) = check_block_len(len, MIN_SHB_LEN, MAX_BLOCK_LEN) {
            return Err(input.error(OFF_BLOCK_LEN as u64, kind));
        }
        let mut reader = PcapngReader {
            input,
            endian,
            ifaces: Vec::new(),
            skip_section: false,
            last_ts: Timestamp::ZERO,
            staged: None,
            done: false,
            skipped: SkipCounters::default(),
            warnings: Warnings::default(),
        };
        let n = reader.input.fill(len as usize)?;
        if n < len as usize {
            let kind = CaptureErrorKind::Truncated {
                needed: len.into(),
                available: n as u64,
            };
            return Err(reader.input.error(0, kind));
        }
        let block = reader.input.avail();
        let trailer = endian.u32_at(block, len as usize - BLOCK_TRAILER_LEN);
        if trailer != Some(len) {
            let s = format!("trailing block length {trailer:?} differs from {len}");
            return Err(bad(&reader.input, len as usize - BLOCK_TRAILER_LEN, s));
        }
        let major = endian.u16_at(block, OFF_SHB_MAJOR).unwrap_or(0);
        if major != SUPPORTED_MAJOR {
            let s = format!("unsupported pcapng version {major} (expected {SUPPORTED_MAJOR})");
            return Err(bad(&reader.input, OFF_SHB_MAJOR, s));
        }
        reader.input.consume(len as usize);
        Ok(reader)
    }

    #[cfg(test)]
    pub(crate) fn input(&self) -> &Input {
        &self.input
    }

    fn warn(&mut self, at: u64, kind: CaptureErrorKind) {
        self.skipped.bad_records += 1;
        self.warnings.push(self.input.error(at, kind));
    }

    fn truncated(&mut self, needed: usize, available: usize) -> Result<bool, CaptureError> {
        if self.input.stopped() {
            // Reading was stopped part-way through this record: the end of a stopped run.
            self.input.consume_all();
            self.done = true;
            return Ok(false);
        }
        let at = self.input.pos();
        self.skipped.truncated_records += 1;
        let kind = CaptureErrorKind::Truncated {
            needed: needed as u64,
            available: available as u64,
        };
        self.warnings.push(self.input.error(at, kind));
        self.input.consume_all();
        self.done = true;
        Ok(false)
    }

    /// Steps over a damaged block to the next plausible block.
    #[cold]
    fn resync(&mut self, kind: CaptureErrorKind) -> Result<(), CaptureError> {
        let start = self.input.pos();
        self.warn(start, kind);
        self.input.consume(1);
        let section_endian = self.endian;
        let n_ifaces = self.ifaces.len();
        let found = self.input.scan(RESYNC_MAX_BLOCK_LEN as usize, |b, eof| {
            resync_candidate(b, eof, section_endian, n_ifaces)
        })?;
        self.skipped.bytes_skipped += self.input.pos() - start;
        if !found {
            self.done = true;
        }
        Ok(())
    }

    /// At the end of the input, whether a plausible block starts after the cursor: then the
    /// block that seems cut short has a damaged length instead.
    #[cold]
    fn block_follows(&self) -> bool {
        let rest = self.input.avail();
        let n_ifaces = self.ifaces.len();
        (1..rest.len()).any(|i| {
            rest.get(i..)
                .is_some_and(|b| resync_candidate(b, true, self.endian, n_ifaces).is_match())
        })
    }

    /// Handles a validated Section Header Block.
    fn section_header(&mut self, at: u64, endian: Endian, major: u16) {
        self.ifaces.clear();
        self.endian = endian;
        self.skip_section = major != SUPPORTED_MAJOR;
        if self.skip_section {
            let s = format!("unsupported pcapng version {major}: section skipped");
            self.warn(at, CaptureErrorKind::BadHeader(s));
        }
    }
}

/// Whether a plausible block starts at `b`: a known type, a sane length, a matching trailer, and
/// for packets a described interface and a captured length that fits.
fn resync_candidate(b: &[u8], eof: bool, section: Endian, n_ifaces: usize) -> Verdict {
    let more = if eof {
        Verdict::NoMatch
    } else {
        Verdict::NeedMore
    };
    if b.len() < MIN_BLOCK_LEN {
        return more;
    }
    let Some((btype, e)) = block_type(b, section) else {
        return Verdict::NoMatch;
    };
    if !KNOWN_BLOCK_TYPES.contains(&btype) {
        return Verdict::NoMatch;
    }
    let Some(len) = e.u32_at(b, OFF_BLOCK_LEN) else {
        return Verdict::NoMatch;
    };
    let min = if btype == BT_SHB {
        MIN_SHB_LEN
    } else {
        MIN_BLOCK_LEN
    };
    if check_block_len(len, min, RESYNC_MAX_BLOCK_LEN).is_some() {
        return Verdict::NoMatch;
    }
    let len = len as usize;
    let Some(block) = b.get(..len) else {
        return more;
    };
    if e.u32_at(block, len - BLOCK_TRAILER_LEN) != Some(len as u32) {
        return Verdict::NoMatch;
    }
    let ok = match btype {
        BT_IDB => len >= MIN_BLOCK_LEN + IDB_FIXED_LEN,
        BT_EPB | BT_PB | BT_SPB => parse_packet(btype, block, e, n_ifaces).is_ok(),
        _ => true,
    };
    if ok {
        Verdict::Match
    } else {
        Verdict::NoMatch
    }
}

impl PacketSource for PcapngReader {
    fn stop_reading(&mut self) -> bool {
        self.input.stop_reading()
    }

    fn drained(&self) -> bool {
        self.input.drained()
    }

    fn advance(&mut self) -> Result<bool, CaptureError> {
        self.staged = None;
        while !self.done {
            let n = self.input.fill(MIN_BLOCK_LEN)?;
            if n == 0 {
                self.done = true;
                return Ok(false);
            }
            if n < MIN_BLOCK_LEN {
                return self.truncated(MIN_BLOCK_LEN, n);
            }
            let at = self.input.pos();
            let Some((btype, e)) = block_type(self.input.avail(), self.endian) else {
                self.resync(CaptureErrorKind::BadHeader(
                    "section header with a bad byte-order magic".into(),
                ))?;
                continue;
            };
            let len = e.u32_at(self.input.avail(), OFF_BLOCK_LEN).unwrap_or(0);
            let min = if btype == BT_SHB {
                MIN_SHB_LEN
            } else {
                MIN_BLOCK_LEN
            };
            if let Some(kind) = check_block_len(len, min, MAX_BLOCK_LEN) {
                self.resync(kind)?;
                continue;
            }
            let len = len as usize;
            let n = self.input.fill(len)?;
            if n < len {
                if self.block_follows() {
                    self.resync(CaptureErrorKind::BadHeader(format!(
                        "a {len}-byte block runs past the end of the file, yet blocks follow"
                    )))?;
                    continue;
                }
                return self.truncated(len, n);
            }
            let block = self.input.avail().get(..len).unwrap_or(&[]);
            let trailer = e.u32_at(block, len - BLOCK_TRAILER_LEN).unwrap_or(0);
            if trailer != len as u32 {
                self.resync(CaptureErrorKind::BadHeader(format!(
                    "trailing block length {trailer} differs from leading {len}"
                )))?;
                continue;
            }
            match btype {
                BT_SHB => {
                    let major = e.u16_at(block, OFF_SHB_MAJOR).unwrap_or(0);
                    self.section_header(at, e, major);
                }
                _ if self.skip_section => self.skipped.bytes_skipped += len as u64,
                BT_IDB => match parse_idb(block, e) {
                    Some(iface) if self.ifaces.len() < MAX_INTERFACES => self.ifaces.push(iface),
                    Some(_) => self.warn(
                        at,
                        CaptureErrorKind::BadHeader(format!(
                            "more than {MAX_INTERFACES} interfaces in one section"
                        )),
                    ),
                    None => {
                        // Keep the numbering of later interfaces; their packets are undecodable.
                        self.ifaces.push(Interface {
                            link: LinkType::Other(u32::MAX),
                            snaplen: 0,
                            clock: Clock::new(DEFAULT_TSRESOL, 0),
                        });
                        self.warn(
                            at,
                            CaptureErrorKind::BadHeader(
                                "interface description block too short".into(),
                            ),
                        );
                    }
                },
                BT_EPB | BT_PB | BT_SPB => match parse_packet(btype, block, e, self.ifaces.len()) {
                    Ok(mut p) => {
                        let Some(iface) = self.ifaces.get(p.iface as usize) else {
                            self.warn(at, CaptureErrorKind::UnknownInterface(p.iface));
                            self.input.consume(len);
                            continue;
                        };
                        let ts = match p.ticks {
                            Some(t) => iface.clock.timestamp(t),
                            None => {
                                // A Simple Packet Block's data stops at the snap length.
                                if iface.snaplen != 0 {
                                    p.caplen = p.caplen.min(iface.snaplen as usize);
                                }
                                self.last_ts
                            }
                        };
                        self.last_ts = ts;
                        self.staged = Some(Staged {
                            at: self.input.start() + p.data_off,
                            len: p.caplen,
                            ts,
                            wire_len: p.origlen.max(p.caplen as u32),
                            link: iface.link,
                        });
                        self.input.consume(len);
                        return Ok(true);
                    }
                    Err(kind) => self.warn(at, kind),
                },
                _ => self.skipped.unknown_blocks += 1,
            }
            self.input.consume(len);
        }
        Ok(false)
    }

    #[inline]
    fn current(&self) -> Option<PacketRecord<'_>> {
        let s = self.staged?;
        self.input.record(s.at, s.len, s.ts, s.link, s.wire_len)
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use proptest::prelude::*;

    use super::*;
    use crate::capture::testgen::{read_all, PcapngBuilder, Pkt};

    const SEC: u64 = 1_000_000_000;

    fn reader(bytes: Vec<u8>) -> PcapngReader {
        let n = bytes.len() as u64;
        PcapngReader::new(Cursor::new(bytes), "mem.pcapng", Some(n)).expect("valid section")
    }

    fn pkt(ts: u64, link: LinkType, wire_len: u32, data: &[u8]) -> Pkt {
        Pkt {
            ts,
            link,
            wire_len,
            data: data.to_vec(),
        }
    }

    #[test]
    fn clock_resolutions_and_offsets() {
        let c = |r, o| Clock::new(r, o).timestamp(1_500_000_123).as_nanos();
        assert_eq!(c(6, 0), 1_500_000_123_000);
        assert_eq!(c(9, 0), 1_500_000_123);
        assert_eq!(c(0, 0), 1_500_000_123 * SEC);
        assert_eq!(c(12, 0), 1_500_000);
        assert_eq!(c(0x80 | 10, 0), 1_500_000_123 * SEC / 1024);
        assert_eq!(c(0x80 | 30, 0), 1_396_983_976); // 1_500_000_123 / 2^30 s, rounded down
        assert_eq!(c(6, 100), 100 * SEC + 1_500_000_123_000);
        assert_eq!(c(127, 0), 0);
        assert_eq!(c(0xff, 0), 0);
        // Negative results clamp to zero; overflows to the largest timestamp.
        assert_eq!(c(6, -1_000_000), 0);
        assert_eq!(
            Clock::new(0, i64::MAX).timestamp(u64::MAX).as_nanos(),
            u64::MAX
        );
    }

    #[test]
    fn reads_enhanced_packets_in_both_byte_orders() {
        for e in [Endian::Little, Endian::Big] {
            let mut b = PcapngBuilder::new(e);
            b.idb(1, 0, None, None)
                .epb(0, 1_700_000_000_000_001, b"hello")
                .epb(0, 1_700_000_000_000_002, &[1; 9]);
            let mut r = reader(b.buf);
            let got = read_all(&mut r).unwrap();
            assert_eq!(
                got,
                vec![
                    pkt(1_700_000_000_000_001_000, LinkType::Ethernet, 15, b"hello"),
                    pkt(1_700_000_000_000_002_000, LinkType::Ethernet, 19, &[1; 9]),
                ],
                "{e:?}"
            );
            assert_eq!(r.skipped(), SkipCounters::default());
            assert!(r.take_warnings().is_empty());
            assert_eq!(Some(r.bytes_read()), r.total_bytes());
        }
    }

    #[test]
    fn interfaces_carry_their_link_types_and_clocks() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, Some(6), None)
            .idb(101, 0, Some(9), Some(-10))
            .idb(113, 0, Some(0x80 | 1), Some(1000))
            .epb(0, 2_000_000, b"eth")
            .epb(1, 12 * SEC + 5, b"raw")
            .epb(2, 3, b"sll")
            .pb(1, 11 * SEC, b"old block");
        let got = read_all(&mut reader(b.buf)).unwrap();
        assert_eq!(
            got,
            vec![
                pkt(2 * SEC, LinkType::Ethernet, 13, b"eth"),
                pkt(2 * SEC + 5, LinkType::Raw, 13, b"raw"),
                pkt(1001 * SEC + SEC / 2, LinkType::LinuxSll, 13, b"sll"),
                pkt(SEC, LinkType::Raw, 9, b"old block"),
            ]
        );
    }

    #[test]
    fn simple_packets_use_interface_zero_and_the_last_timestamp() {
        let mut b = PcapngBuilder::new(Endian::Big);
        b.idb(228, 4, Some(9), None)
            .spb(3, b"abc")
            .idb(1, 0, None, None)
            .epb(1, 77, b"timed")
            .spb(9, b"abcdefghi");
        let got = read_all(&mut reader(b.buf)).unwrap();
        assert_eq!(
            got,
            vec![
                pkt(0, LinkType::Ipv4, 3, b"abc"),
                pkt(77_000, LinkType::Ethernet, 15, b"timed"),
                // Cut at interface 0's snap length.
                pkt(77_000, LinkType::Ipv4, 9, b"abcd"),
            ]
        );
    }

    #[test]
    fn other_blocks_are_counted_and_skipped() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.block(BT_NRB, &[0; 8])
            .idb(1, 0, None, None)
            .block(BT_ISB, &[1; 20])
            .block(BT_CUSTOM, b"vendor stuff")
            .block(0x1234_5678, &[])
            .epb(0, 1, b"x")
            .block(BT_DSB, &[2; 33]);
        let mut r = reader(b.buf);
        assert_eq!(read_all(&mut r).unwrap().len(), 1);
        assert_eq!(
            r.skipped(),
            SkipCounters {
                unknown_blocks: 5,
                ..Default::default()
            }
        );
        assert!(r.take_warnings().is_empty());
    }

    #[test]
    fn each_section_has_its_byte_order_and_interfaces() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, None, None)
            .idb(101, 0, None, None)
            .epb(1, 1, b"s1")
            .section(Endian::Big)
            .idb(229, 0, Some(9), None)
            .epb(0, 2, b"s2")
            .epb(1, 3, b"gone") // interface 1 belonged to the first section
            .section(Endian::Little)
            .idb(0, 0, None, None)
            .epb(0, 4, b"s3");
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        assert_eq!(
            got,
            vec![
                pkt(1000, LinkType::Raw, 12, b"s1"),
                pkt(2, LinkType::Ipv6, 12, b"s2"),
                pkt(4000, LinkType::Null, 12, b"s3"),
            ]
        );
        assert_eq!(r.skipped().bad_records, 1);
        let w = r.take_warnings();
        assert!(
            matches!(w[0].kind, CaptureErrorKind::UnknownInterface(1)),
            "{}",
            w[0]
        );
    }

    #[test]
    fn packets_before_any_interface_or_overflowing_their_block_are_bad_records() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.epb(0, 1, b"no interface yet")
            .spb(4, b"nope")
            .idb(1, 0, None, None);
        let bad_at = b.buf.len() as u64;
        let mut body = Vec::new();
        for v in [0u32, 0, 1, 500, 500] {
            body.extend_from_slice(&v.to_le_bytes());
        }
        b.block(BT_EPB, &body).epb(0, 5, b"fine");
        let mut r = reader(b.buf);
        assert_eq!(read_all(&mut r).unwrap().len(), 1);
        assert_eq!(r.skipped().bad_records, 3);
        let w = r.take_warnings();
        assert_eq!(w.len(), 3);
        assert!(matches!(w[0].kind, CaptureErrorKind::UnknownInterface(0)));
        assert!(matches!(w[1].kind, CaptureErrorKind::UnknownInterface(0)));
        assert_eq!(w[2].offset, bad_at);
        assert!(
            w[2].to_string().contains("captured length 500 exceeds"),
            "{}",
            w[2]
        );
    }

    #[test]
    fn truncated_block_ends_cleanly() {
        let mut b = PcapngBuilder::new(Endian::Big);
        b.idb(1, 0, None, None).epb(0, 1, b"one");
        let cut_at = b.buf.len();
        b.epb(0, 2, b"two, cut");
        for keep in [cut_at + 5, b.buf.len() - 1] {
            let mut r = reader(b.buf[..keep].to_vec());
            assert_eq!(read_all(&mut r).unwrap().len(), 1);
            assert_eq!(r.skipped().truncated_records, 1);
            let w = r.take_warnings();
            assert_eq!(w[0].offset, cut_at as u64);
            assert!(matches!(w[0].kind, CaptureErrorKind::Truncated { .. }));
        }
    }

    #[test]
    fn bad_block_lengths_resync() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, None, None).epb(0, 1, b"before");
        let bad_at = b.buf.len();
        // Damage kinds: absurd, unaligned, too small, trailer mismatch.
        let damages: [(u32, Option<u32>); 4] =
            [(0x7fff_0000, None), (30, None), (8, None), (32, Some(36))];
        for (len, trailer) in damages {
            let mut bytes = b.buf.clone();
            bytes.extend_from_slice(&BT_EPB.to_le_bytes());
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(&[0xcc; 21]); // garbage, not a multiple of 4
            if let Some(t) = trailer {
                bytes.truncate(bad_at + 28);
                bytes.extend_from_slice(&t.to_le_bytes());
            }
            let good_at = bytes.len();
            let mut tail = PcapngBuilder::new(Endian::Little);
            tail.buf.clear();
            tail.epb(0, 2, b"after").epb(0, 3, b"and more");
            bytes.extend_from_slice(&tail.buf);
            let mut r = reader(bytes);
            let got = read_all(&mut r).unwrap();
            let data: Vec<&[u8]> = got.iter().map(|p| &p.data[..]).collect();
            assert_eq!(data, [&b"before"[..], b"after", b"and more"], "len {len}");
            assert_eq!(r.skipped().bad_records, 1);
            assert_eq!(r.skipped().bytes_skipped, (good_at - bad_at) as u64);
            let w = r.take_warnings();
            assert_eq!(w[0].offset, bad_at as u64);
            if len > MAX_BLOCK_LEN {
                assert!(matches!(w[0].kind, CaptureErrorKind::AbsurdLength { .. }));
            }
        }
    }

    #[test]
    fn length_past_the_end_with_blocks_after_it_is_damage_not_truncation() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, None, None).epb(0, 1, b"one");
        let bad_at = b.buf.len();
        b.epb(0, 2, b"damaged");
        b.buf[bad_at + OFF_BLOCK_LEN + 2] = 0x10; // length + 1 MiB
        let good_at = b.buf.len();
        b.epb(0, 3, b"two");
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        let data: Vec<&[u8]> = got.iter().map(|p| &p.data[..]).collect();
        assert_eq!(data, [&b"one"[..], b"two"]);
        let s = r.skipped();
        assert_eq!((s.bad_records, s.truncated_records), (1, 0));
        assert_eq!(s.bytes_skipped, (good_at - bad_at) as u64);
        assert_eq!(r.take_warnings()[0].offset, bad_at as u64);
    }

    #[test]
    fn resync_finds_a_new_section() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, None, None).epb(0, 1, b"a");
        b.buf.extend_from_slice(&[0xff; 13]);
        b.section(Endian::Big)
            .idb(101, 0, None, None)
            .epb(0, 1, b"b");
        let got = read_all(&mut reader(b.buf)).unwrap();
        assert_eq!(got[1], pkt(1000, LinkType::Raw, 11, b"b"));
    }

    #[test]
    fn bad_section_headers() {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.buf[OFF_SHB_MAJOR] = 2;
        let e = PcapngReader::new(Cursor::new(b.buf.clone()), "v2.pcapng", None)
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .starts_with("v2.pcapng: at byte 12: bad header"),
            "{e}"
        );
        b.buf[OFF_SHB_BOM] = 0;
        let e = PcapngReader::new(Cursor::new(b.buf.clone()), "bom", None)
            .err()
            .unwrap();
        assert_eq!(e.offset, OFF_SHB_BOM as u64);
        let e = PcapngReader::new(Cursor::new(b.buf[..20].to_vec()), "s", None)
            .err()
            .unwrap();
        assert!(matches!(
            e.kind,
            CaptureErrorKind::Truncated {
                needed: 28,
                available: 20
            }
        ));

        // A later section of an unknown version is skipped as a whole.
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, None, None).epb(0, 1, b"a");
        let v2 = b.buf.len() + OFF_SHB_MAJOR;
        b.section(Endian::Little)
            .idb(1, 0, None, None)
            .epb(0, 2, b"b");
        let skipped_len = b.buf.len() - (v2 - OFF_SHB_MAJOR) - MIN_SHB_LEN; // its IDB and EPB
        b.section(Endian::Little)
            .idb(1, 0, None, None)
            .epb(0, 3, b"c");
        b.buf[v2] = 2;
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        let data: Vec<&[u8]> = got.iter().map(|p| &p.data[..]).collect();
        assert_eq!(data, [b"a", b"c"]);
        assert_eq!(r.skipped().bad_records, 1);
        assert_eq!(r.skipped().bytes_skipped, skipped_len as u64);
    }

    #[test]
    fn large_blocks_grow_the_buffer_within_bounds() {
        let mut b = PcapngBuilder::new(Endian::Little);
        let big = vec![7u8; 6 << 20];
        b.idb(1, 0, None, None).epb(0, 1, &big).epb(0, 2, b"small");
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        assert_eq!(got[0].data.len(), big.len());
        assert_eq!(got[1].data, b"small");
        assert!(r.input().capacity() <= MAX_BLOCK_LEN as usize);
    }

    fn read_checked(bytes: Vec<u8>) {
        let len = bytes.len();
        let Ok(mut r) = PcapngReader::new(Cursor::new(bytes), "fuzz", Some(len as u64)) else {
            return;
        };
        let mut packets = 0usize;
        let mut last_read = r.bytes_read();
        while let Ok(true) = r.advance() {
            packets += 1;
            let p = r.current().expect("staged");
            assert!(p.wire_len as usize >= p.data.len());
            assert!(r.bytes_read() >= last_read + MIN_BLOCK_LEN as u64);
            last_read = r.bytes_read();
            assert!(packets <= len / MIN_BLOCK_LEN);
            assert!(r.input().capacity() <= r.input().max_capacity());
            assert!(r.ifaces.len() <= MAX_INTERFACES);
        }
        assert!(r.bytes_read() <= len as u64);
        assert!(r.take_warnings().len() <= crate::capture::input::MAX_WARNINGS);
    }

    fn valid_pcapng() -> Vec<u8> {
        let mut b = PcapngBuilder::new(Endian::Little);
        b.idb(1, 0, Some(9), Some(5)).idb(101, 100, None, None);
        for i in 0..20u32 {
            let data = vec![i as u8; (i as usize * 37) % 150];
            b.epb(i % 2, u64::from(i) << 20, &data);
            if i % 5 == 0 {
                b.spb(i * 3, &data).block(BT_ISB, &[0; 12]);
            }
            if i == 10 {
                b.section(Endian::Big)
                    .idb(1, 0, Some(0x80 | 20), None)
                    .pb(0, 99, &data);
            }
        }
        b.buf
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_blocks_never_panic(
            big in any::<bool>(),
            body in proptest::collection::vec(any::<u8>(), 0..4096),
        ) {
            let mut bytes = PcapngBuilder::new(if big { Endian::Big } else { Endian::Little }).buf;
            bytes.extend_from_slice(&body);
            read_checked(bytes);
        }

        #[test]
        fn mutated_pcapng_never_panics(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
            cut in any::<usize>(),
        ) {
            let mut bytes = valid_pcapng();
            for (at, v) in edits {
                let n = bytes.len();
                bytes[at % n] = v;
            }
            let keep = cut % (bytes.len() + 1);
            bytes.truncate(keep.max(bytes.len() / 2));
            read_checked(bytes);
        }

        #[test]
        fn inserted_or_deleted_bytes_never_panic(
            at in any::<usize>(),
            insert in proptest::collection::vec(any::<u8>(), 0..64),
            delete in 0usize..64,
        ) {
            let mut bytes = valid_pcapng();
            let at = MIN_SHB_LEN + at % (bytes.len() - MIN_SHB_LEN);
            let end = (at + delete).min(bytes.len());
            bytes.splice(at..end, insert);
            read_checked(bytes);
        }
    }
}
