//! Packet sources: capture files now, live capture later. A source is a cursor over packets:
//! `advance()` stages the next packet, `current()` borrows it until the next `advance()`. This lets
//! a merge of several files compare their next timestamps without copying packets.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::time::Timestamp;

mod input;
pub mod merge;
pub mod pcap;
pub mod pcapng;
#[cfg(test)]
mod testgen;

use input::Input;
pub use merge::{expand_inputs, MergedSource};
pub use pcap::PcapReader;
pub use pcapng::PcapngReader;

/// Link-layer header type of a packet (the pcap LINKTYPE_* / DLT_* values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// LINKTYPE_NULL (0): BSD loopback, 4-byte address family in host byte order.
    Null,
    /// LINKTYPE_ETHERNET (1).
    Ethernet,
    /// LINKTYPE_RAW (101, also DLT 12 and 14 on some systems): raw IPv4 or IPv6.
    Raw,
    /// LINKTYPE_LOOP (108): BSD loopback, address family in network byte order.
    Loop,
    /// LINKTYPE_LINUX_SLL (113): Linux cooked capture v1.
    LinuxSll,
    /// LINKTYPE_IPV4 (228).
    Ipv4,
    /// LINKTYPE_IPV6 (229).
    Ipv6,
    /// LINKTYPE_LINUX_SLL2 (276): Linux cooked capture v2.
    LinuxSll2,
    /// Anything else; packets of this type are counted and skipped by the decoder.
    Other(u32),
}

impl LinkType {
    pub fn from_dlt(v: u32) -> LinkType {
        match v {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            n => LinkType::Other(n),
        }
    }

    pub fn to_dlt(self) -> u32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
            LinkType::Other(n) => n,
        }
    }
}

/// One packet as read from a source, borrowed from the source's buffer.
#[derive(Clone, Copy, Debug)]
pub struct PacketRecord<'a> {
    pub ts: Timestamp,
    pub link: LinkType,
    /// Length of the packet on the wire (may exceed `data.len()` when the capture was truncated
    /// by a snap length). Never less than `data.len()`: readers raise a smaller recorded length.
    pub wire_len: u32,
    /// The captured bytes.
    pub data: &'a [u8],
}

/// A source of packets in capture order.
pub trait PacketSource: Send {
    /// Stages the next packet. `Ok(false)` at the end of input. Damage the reader can step over
    /// (a record with an absurd length, an unknown block) is counted in `skipped()` and recorded
    /// in `take_warnings()`, and reading goes on; `Err` means nothing more can be read.
    fn advance(&mut self) -> Result<bool, CaptureError>;

    /// The packet staged by the last successful `advance()`.
    fn current(&self) -> Option<PacketRecord<'_>>;

    /// Bytes consumed from the input so far (for progress).
    fn bytes_read(&self) -> u64;

    /// Total input size when known (regular files), for progress and time-left estimates.
    fn total_bytes(&self) -> Option<u64>;

    /// What was skipped so far.
    fn skipped(&self) -> SkipCounters;

    /// Warnings about damage stepped over since the last call (bounded by the reader).
    fn take_warnings(&mut self) -> Vec<CaptureError>;
}

/// Counts of input the readers could not use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkipCounters {
    /// Records or blocks that could not be parsed and were stepped over.
    pub bad_records: u64,
    /// Bytes stepped over while resynchronising after damage.
    pub bytes_skipped: u64,
    /// A truncated last record (the file ended inside it).
    pub truncated_records: u64,
    /// pcapng blocks of types the sensor does not use (name resolution, statistics, ...).
    pub unknown_blocks: u64,
}

impl SkipCounters {
    pub fn add(&mut self, o: &SkipCounters) {
        self.bad_records += o.bad_records;
        self.bytes_skipped += o.bytes_skipped;
        self.truncated_records += o.truncated_records;
        self.unknown_blocks += o.unknown_blocks;
    }
}

/// What went wrong with an input, always with the file and byte offset where it was found.
#[derive(Debug)]
pub struct CaptureError {
    pub path: PathBuf,
    /// Byte offset in the file where the problem starts.
    pub offset: u64,
    pub kind: CaptureErrorKind,
}

#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureErrorKind {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The first bytes are neither a pcap nor a pcapng magic number (the first four bytes read
    /// big-endian, as a hex dump shows them).
    BadMagic(u32),
    /// A file header or block header field has an impossible value.
    BadHeader(String),
    /// The file ended inside a header, record or block: `needed` bytes from `offset` on, only
    /// `available` there.
    Truncated { needed: u64, available: u64 },
    /// A record or block declares a length beyond any sane limit.
    AbsurdLength { length: u64, limit: u64 },
    /// A packet refers to a pcapng interface that was not described.
    UnknownInterface(u32),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: at byte {}: ", self.path.display(), self.offset)?;
        match &self.kind {
            CaptureErrorKind::Io(e) => write!(f, "{e}"),
            CaptureErrorKind::BadMagic(m) => {
                write!(f, "not a pcap or pcapng file (magic number 0x{m:08x})")
            }
            CaptureErrorKind::BadHeader(s) => write!(f, "bad header: {s}"),
            CaptureErrorKind::Truncated { needed, available } => write!(
                f,
                "file truncated: {needed} bytes needed, only {available} left"
            ),
            CaptureErrorKind::AbsurdLength { length, limit } => {
                write!(f, "record length {length} exceeds the limit of {limit}")
            }
            CaptureErrorKind::UnknownInterface(i) => {
                write!(f, "packet refers to undeclared interface {i}")
            }
        }
    }
}

impl std::error::Error for CaptureError {}

/// Opens one capture file, detecting pcap or pcapng from its magic number.
pub fn open_file(path: &Path) -> Result<Box<dyn PacketSource>, CaptureError> {
    open_file_buffered(path, input::DEFAULT_BUFFER)
}

/// Opens one capture file, reading it through a buffer of about `buffer` bytes (it still grows
/// for a record that does not fit).
pub(crate) fn open_file_buffered(
    path: &Path,
    buffer: usize,
) -> Result<Box<dyn PacketSource>, CaptureError> {
    let io_err = |e| CaptureError {
        path: path.to_path_buf(),
        offset: 0,
        kind: CaptureErrorKind::Io(e),
    };
    let file = File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    let total = meta.is_file().then(|| meta.len());
    open_input(Input::new(
        Box::new(file),
        path.to_path_buf(),
        total,
        buffer,
    ))
}

/// Reads a capture from any byte stream (a pipe, memory), detecting pcap or pcapng from its
/// magic number. `name` stands for it in errors; `total` is its size when known.
pub fn open_reader(
    reader: impl Read + Send + 'static,
    name: &Path,
    total: Option<u64>,
) -> Result<Box<dyn PacketSource>, CaptureError> {
    open_input(Input::new(
        Box::new(reader),
        name.to_path_buf(),
        total,
        input::DEFAULT_BUFFER,
    ))
}

/// The format a file's first four bytes announce, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Pcap,
    Pcapng,
}

pub(crate) fn detect_format(magic: [u8; MAGIC_LEN]) -> Option<Format> {
    let (le, be) = (u32::from_le_bytes(magic), u32::from_be_bytes(magic));
    let pcap = [pcap::MAGIC_MICROS, pcap::MAGIC_NANOS, pcap::MAGIC_KUZNETSOV];
    if pcap.contains(&le) || pcap.contains(&be) {
        Some(Format::Pcap)
    } else if le == pcapng::BT_SHB {
        Some(Format::Pcapng)
    } else {
        None
    }
}

/// Length of the magic number that tells the formats apart.
pub(crate) const MAGIC_LEN: usize = 4;

fn open_input(mut input: Input) -> Result<Box<dyn PacketSource>, CaptureError> {
    let n = input.fill(MAGIC_LEN)?;
    let Some(&magic) = input.avail().first_chunk::<MAGIC_LEN>() else {
        let kind = CaptureErrorKind::Truncated {
            needed: MAGIC_LEN as u64,
            available: n as u64,
        };
        return Err(input.error(0, kind));
    };
    match detect_format(magic) {
        Some(Format::Pcap) => Ok(Box::new(PcapReader::from_input(input)?)),
        Some(Format::Pcapng) => Ok(Box::new(PcapngReader::from_input(input)?)),
        None => Err(input.error(0, CaptureErrorKind::BadMagic(u32::from_be_bytes(magic)))),
    }
}
