//! Packet sources: capture files now, live capture later. A source is a cursor over packets:
//! `advance()` stages the next packet, `current()` borrows it until the next `advance()`. This lets
//! a merge of several files compare their next timestamps without copying packets.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::time::Timestamp;

mod input;
mod shared;

pub use shared::SharedBuf;
#[cfg(target_os = "linux")]
pub mod afpacket;
#[cfg(feature = "libpcap")]
pub mod bpf;
pub mod filter;
pub mod merge;
pub mod pcap;
#[cfg(feature = "libpcap")]
pub mod pcap_live;
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
    /// Where `data` sits in a shared chunk, when the source reads into one (files and streams):
    /// the pipeline then passes the packet to a worker by reference instead of copying it.
    pub shared: Option<SharedFrame<'a>>,
}

/// A packet's place in a shared chunk of input (immutable while shared).
#[derive(Clone, Copy, Debug)]
pub struct SharedFrame<'a> {
    pub map: &'a std::sync::Arc<SharedBuf>,
    /// Offset of the packet's first byte in `map.bytes()`.
    pub offset: usize,
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

    /// A stop was asked for: read nothing more from the operating system. True when the
    /// source still holds input it already read (a pipe's buffer), which `advance()` then
    /// delivers before it reports the end; false when there is nothing worth draining (a
    /// mapped file, a live capture), and the caller stops at once.
    fn stop_reading(&mut self) -> bool {
        false
    }

    /// The next `advance()` may wait on the operating system (a pipe whose data was all
    /// consumed): the pipeline hands its partial batches to the workers first, so a slow
    /// stream's packets are processed as they come, not when a batch fills.
    fn drained(&self) -> bool {
        false
    }

    /// Live sources only: after an `advance()` that staged no packet (the link was quiet),
    /// the time to move the packet clock to, so flows still time out. Files never idle.
    fn idle_clock(&self) -> Option<Timestamp> {
        None
    }

    /// Live sources only: per-interface counters (packets, kernel drops), in interface order.
    fn interface_counters(&mut self, out: &mut Vec<crate::counters::IfaceCounters>) {
        out.clear();
    }
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
    let total = meta.is_file().then_some(meta.len());
    // A pipe hands over at most its buffer (64 KiB) per read, and a chunk packets were
    // dispatched from is not written again, so each read starts a chunk: small ones keep the
    // chunks in flight small.
    let buffer = if meta.is_file() {
        buffer
    } else {
        buffer.min(input::STREAM_BUFFER)
    };
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
        input::STREAM_BUFFER,
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use proptest::prelude::*;

    use super::input::Endian;
    use super::testgen::{read_all, PcapBuilder, PcapngBuilder, TempDir};
    use super::*;
    use crate::testutil::corpus_dir;

    #[test]
    fn open_file_detects_the_format() {
        let dir = TempDir::new("detect");
        let mut b = PcapBuilder::new(Endian::Big, true, 276, 0);
        b.packet(3, 4, b"sll2");
        let pcap = dir.write("x.bin", &b.buf);
        let mut ng = PcapngBuilder::new(Endian::Little);
        ng.idb(108, 0, None, None).epb(0, 5, b"loop");
        let pcapng = dir.write("y", &ng.buf);
        let got = read_all(&mut *open_file(&pcap).unwrap()).unwrap();
        assert_eq!(
            (got[0].ts, got[0].link),
            (3_000_000_004, LinkType::LinuxSll2)
        );
        let mut src = open_file(&pcapng).unwrap();
        assert_eq!(src.total_bytes(), Some(ng.buf.len() as u64));
        let got = read_all(&mut *src).unwrap();
        assert_eq!((got[0].ts, got[0].link), (5_000, LinkType::Loop));
        let got = read_all(&mut *open_reader(Cursor::new(ng.buf), Path::new("-"), None).unwrap());
        assert_eq!(got.unwrap().len(), 1);
    }

    #[test]
    fn missing_file_error_names_path_and_offset() {
        let e = open_file(Path::new("/nonexistent/dir/capture.pcap"))
            .err()
            .unwrap();
        assert!(matches!(e.kind, CaptureErrorKind::Io(_)));
        let msg = e.to_string();
        assert!(
            msg.starts_with("/nonexistent/dir/capture.pcap: at byte 0: "),
            "{msg}"
        );
        assert!(msg.contains("No such file"), "{msg}");
    }

    #[test]
    fn bad_magic_and_empty_files_are_errors() {
        let dir = TempDir::new("magic");
        let gz = dir.write("trace.pcap.gz", &[0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0]);
        let e = open_file(&gz).err().unwrap();
        assert!(matches!(e.kind, CaptureErrorKind::BadMagic(0x1f8b_0808)));
        assert_eq!(
            e.to_string(),
            format!(
                "{}: at byte 0: not a pcap or pcapng file (magic number 0x1f8b0808)",
                gz.display()
            )
        );
        let empty = dir.write("empty.pcap", &[]);
        let e = open_file(&empty).err().unwrap();
        assert!(matches!(
            e.kind,
            CaptureErrorKind::Truncated {
                needed: 4,
                available: 0
            }
        ));
        assert!(
            e.to_string()
                .contains("empty.pcap: at byte 0: file truncated"),
            "{e}"
        );
        let e = open_file(dir.path()).err().unwrap();
        assert!(matches!(e.kind, CaptureErrorKind::Io(_)), "{e}");
    }

    #[test]
    fn format_detection() {
        assert_eq!(detect_format([0xd4, 0xc3, 0xb2, 0xa1]), Some(Format::Pcap));
        assert_eq!(detect_format([0xa1, 0xb2, 0x3c, 0x4d]), Some(Format::Pcap));
        assert_eq!(detect_format([0x34, 0xcd, 0xb2, 0xa1]), Some(Format::Pcap));
        assert_eq!(
            detect_format([0x0a, 0x0d, 0x0d, 0x0a]),
            Some(Format::Pcapng)
        );
        assert_eq!(detect_format(*b"GET "), None);
    }

    /// Packet counts of corpus files, from `tshark -r FILE | wc -l` (equal to `capinfos -c`).
    const CORPUS_COUNTS: &[(&str, usize)] = &[
        ("zeek-traces/pcapng-multi-interface.pcapng", 6),
        ("zeek-traces/ldap/modify-request.pcapng", 17), // 126 interfaces, 3 link types
        ("zeek-traces/snap-arp.pcapng", 4),
        ("zeek-traces/irc-dcc-send.pcapng", 1184),
        ("zeek-traces/ldap/missing_ldap_logs.pcapng", 315),
        ("zeek-traces/krb/kerberos_tso.pcapng", 314),
        ("zeek-traces/trunc/ip-discarder-truncated-tcp-oob.pcapng", 1),
        ("zeek-traces/http/get-to-ssh-server.pcap", 9), // little-endian, nanoseconds
        ("zeek-traces/vntag.pcap", 3),                  // little-endian, nanoseconds
        // big-endian, microseconds
        (
            "zeek-traces/smb/dssetup_DsRoleGetPrimaryDomainInformation_standalone_workstation.cap",
            9,
        ),
        ("zeek-traces/linux_dlt_sll2.pcap", 6),
        ("zeek-traces/redis/auth.pcap", 12),     // NULL/loopback
        ("zeek-traces/tcp/payload-syn.pcap", 6), // raw IP
        ("zeek-traces/tcp/timeout-with-pings.pcap", 15), // raw IPv4
        ("zeek-traces/arp-leak.pcap", 6),
        ("zeek-traces/empty.pcap", 0),
    ];

    /// First packet of some corpus files: nanoseconds since the epoch (tshark's
    /// `frame.time_epoch`) and link type.
    const CORPUS_FIRST: &[(&str, u64, LinkType)] = &[
        (
            "zeek-traces/smb/dssetup_DsRoleGetPrimaryDomainInformation_standalone_workstation.cap",
            1_073_392_738_144_777_000,
            LinkType::Ethernet,
        ),
        (
            "zeek-traces/pcapng-multi-interface.pcapng",
            1_767_663_089_500_330_493,
            LinkType::Ethernet,
        ),
        (
            "zeek-traces/linux_dlt_sll2.pcap",
            1_660_534_249_872_259_000,
            LinkType::LinuxSll2,
        ),
        (
            "zeek-traces/redis/auth.pcap",
            1_747_341_476_921_547_000,
            LinkType::Null,
        ),
        (
            "zeek-traces/tcp/payload-syn.pcap",
            1_567_174_416_436_962_000,
            LinkType::Raw,
        ),
        (
            "zeek-traces/tcp/timeout-with-pings.pcap",
            1_772_474_337_092_800_000,
            LinkType::Ipv4,
        ),
    ];

    #[test]
    fn corpus_packet_counts_match_tshark() {
        let Some(corpus) = corpus_dir() else { return };
        for &(file, want) in CORPUS_COUNTS {
            let path = corpus.join(file);
            let mut src = open_file(&path).unwrap_or_else(|e| panic!("{e}"));
            let got = read_all(&mut *src).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got.len(), want, "{file}");
            let s = src.skipped();
            // Statistics and other blocks the sensor does not use are fine; damage is not.
            let damage = (s.bad_records, s.bytes_skipped, s.truncated_records);
            assert_eq!(damage, (0, 0, 0), "{file}");
            assert!(src.take_warnings().is_empty(), "{file}");
            assert_eq!(Some(src.bytes_read()), src.total_bytes(), "{file}");
        }
    }

    #[test]
    fn corpus_timestamps_and_link_types_match_tshark() {
        let Some(corpus) = corpus_dir() else { return };
        for &(file, ts, link) in CORPUS_FIRST {
            let mut src = open_file(&corpus.join(file)).unwrap_or_else(|e| panic!("{e}"));
            assert!(src.advance().unwrap());
            let p = src.current().unwrap();
            assert_eq!(p.ts.as_nanos(), ts, "{file}");
            assert_eq!(p.link, link, "{file}");
        }
        // Two interfaces: nanosecond then microsecond resolution.
        let path = corpus.join("zeek-traces/pcapng-multi-interface.pcapng");
        let got = read_all(&mut *open_file(&path).unwrap()).unwrap();
        let ts: Vec<u64> = got.iter().map(|p| p.ts).collect();
        assert_eq!(
            ts,
            [
                1_767_663_089_500_330_493,
                1_767_663_089_514_291_940,
                1_767_663_437_111_897_000,
                1_767_663_437_126_460_000,
                1_767_663_437_128_303_000,
                1_767_663_437_140_942_000,
            ]
        );
        let lens: Vec<usize> = got.iter().map(|p| p.data.len()).collect();
        assert_eq!(lens, [96, 214, 70, 166, 70, 182]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(
            magic in prop_oneof![
                Just(vec![0xd4, 0xc3, 0xb2, 0xa1]),
                Just(vec![0xa1, 0xb2, 0x3c, 0x4d]),
                Just(vec![0x0a, 0x0d, 0x0d, 0x0a]),
                Just(vec![]),
            ],
            body in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            let mut bytes = magic;
            bytes.extend_from_slice(&body);
            let len = bytes.len();
            if let Ok(mut src) = open_reader(Cursor::new(bytes), Path::new("fuzz"), None) {
                let mut n = 0;
                while let Ok(true) = src.advance() {
                    n += 1;
                    prop_assert!(n <= len / 12);
                }
                prop_assert!(src.bytes_read() <= len as u64);
            }
        }
    }
}
