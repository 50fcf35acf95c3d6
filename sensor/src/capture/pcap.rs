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
        if self.input.stopped() {
            // Reading was stopped part-way through this record: the end of a stopped run.
            self.input.consume_all();
            self.done = true;
            return Ok(false);
        }
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

    /// What resynchronisation needs to judge candidate records.
    fn plausibility(&self) -> Plausibility {
        Plausibility {
            endian: self.endian,
            header_len: self.record_header_len,
            caplen_limit: self.caplen_limit,
            frac_limit: self.frac_limit,
            last_secs: self.last_secs,
        }
    }

    /// Steps over a damaged record to the next plausible record header.
    #[cold]
    fn resync(&mut self, kind: CaptureErrorKind) -> Result<(), CaptureError> {
        let start = self.input.pos();
        self.skipped.bad_records += 1;
        self.warnings.push(self.input.error(start, kind));
        self.input.consume(1);
        let p = self.plausibility();
        let window = 2 * p.header_len + p.caplen_limit as usize;
        let found = self.input.scan(window, |b, eof| p.check(b, eof))?;
        self.skipped.bytes_skipped += self.input.pos() - start;
        if !found {
            self.done = true;
        }
        Ok(())
    }

    /// At the end of the input, whether a plausible record starts after the cursor: then the
    /// record that seems cut short has a damaged length instead.
    #[cold]
    fn record_follows(&self) -> bool {
        let p = self.plausibility();
        let rest = self.input.avail();
        (1..rest.len()).any(|i| rest.get(i..).is_some_and(|b| p.check(b, true).is_match()))
    }
}

/// The tests a resynchronisation candidate must pass.
#[derive(Clone, Copy)]
struct Plausibility {
    endian: Endian,
    header_len: usize,
    caplen_limit: u32,
    frac_limit: u32,
    last_secs: Option<u32>,
}

impl Plausibility {
    /// The record header at `b` if its fields are sane.
    fn header(&self, b: &[u8]) -> Option<RecordHeader> {
        let h = PcapReader::parse_header(self.endian, b.first_chunk()?);
        let ok = h.caplen <= self.caplen_limit
            && h.caplen <= h.origlen
            && h.origlen <= RESYNC_MAX_WIRE_LEN
            && h.frac < self.frac_limit;
        ok.then_some(h)
    }

    /// Whether a record starts at `b`: a sane header near the last good time, followed by
    /// another sane header near its own time (or by the end of the input).
    fn check(&self, b: &[u8], eof: bool) -> Verdict {
        let hl = self.header_len;
        let near = |a: u32, b: u32| a.abs_diff(b) <= RESYNC_TS_WINDOW_SECS;
        if b.len() < hl {
            return if eof {
                Verdict::NoMatch
            } else {
                Verdict::NeedMore
            };
        }
        let Some(h) = self.header(b) else {
            return Verdict::NoMatch;
        };
        // Runs of zeros look like empty records: demand some bytes.
        if h.caplen == 0 || self.last_secs.is_some_and(|s| !near(s, h.secs)) {
            return Verdict::NoMatch;
        }
        let next = hl + h.caplen as usize;
        match b.get(next..) {
            Some(rest) if rest.len() >= hl => match self.header(rest) {
                Some(n) if near(n.secs, h.secs) => Verdict::Match,
                _ => Verdict::NoMatch,
            },
            // A record that ends exactly at the end of the input needs no successor.
            Some(rest) if eof && rest.is_empty() => Verdict::Match,
            _ if eof => Verdict::NoMatch,
            _ => Verdict::NeedMore,
        }
    }
}

impl PacketSource for PcapReader {
    fn stop_reading(&mut self) -> bool {
        self.input.stop_reading()
    }

    fn drained(&self) -> bool {
        self.input.drained()
    }

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
                self.resync(CaptureErrorKind::AbsurdLength {
                    length: h.caplen.into(),
                    limit: self.caplen_limit.into(),
                })?;
                continue;
            }
            let need = hl + h.caplen as usize;
            if self.input.avail().len() < need {
                let n = self.input.fill(need)?;
                if n < need {
                    if self.record_follows() {
                        self.resync(CaptureErrorKind::BadHeader(format!(
                            "a {need}-byte record runs past the end of the file, \
                             yet records follow"
                        )))?;
                        continue;
                    }
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
            // The next record's header and the start of its packet will be read soon: ask for
            // them now, so the memory latency overlaps this packet's processing (perf showed
            // the header load as the reader's largest stall).
            self.input.prefetch_ahead();
            return Ok(true);
        }
        Ok(false)
    }

    #[inline]
    fn current(&self) -> Option<PacketRecord<'_>> {
        let s = self.staged?;
        self.input.record(s.at, s.len, s.ts, self.link, s.wire_len)
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
    use std::io::{Cursor, Read};

    use proptest::prelude::*;

    use super::*;
    use crate::capture::testgen::{read_all, PcapBuilder, Pkt};

    fn reader(bytes: Vec<u8>) -> PcapReader {
        let n = bytes.len() as u64;
        PcapReader::new(Cursor::new(bytes), "mem.pcap", Some(n)).expect("valid header")
    }

    fn pkt(ts: u64, data: &[u8]) -> Pkt {
        Pkt {
            ts,
            link: LinkType::Ethernet,
            wire_len: data.len() as u32,
            data: data.to_vec(),
        }
    }

    #[test]
    fn reads_both_byte_orders_and_resolutions() {
        for e in [Endian::Little, Endian::Big] {
            for nanos in [false, true] {
                let mut b = PcapBuilder::new(e, nanos, 1, 65535);
                b.packet(1_700_000_000, 123_456, b"first packet")
                    .packet(1_700_000_001, 999_999, b"")
                    .packet(5, 7, &[0xab; 300]);
                let mut r = reader(b.buf);
                assert_eq!(r.link_type(), LinkType::Ethernet);
                assert_eq!(r.snaplen(), 65535);
                let unit = if nanos { 1 } else { 1000 };
                let got = read_all(&mut r).unwrap();
                assert_eq!(
                    got,
                    vec![
                        pkt(1_700_000_000_000_000_000 + 123_456 * unit, b"first packet"),
                        pkt(1_700_000_001_000_000_000 + 999_999 * unit, b""),
                        pkt(5_000_000_000 + 7 * unit, &[0xab; 300]),
                    ],
                    "{e:?} nanos={nanos}"
                );
                assert_eq!(r.skipped(), SkipCounters::default());
                assert!(r.take_warnings().is_empty());
                assert_eq!(Some(r.bytes_read()), r.total_bytes());
                // The end is sticky.
                assert!(!r.advance().unwrap());
            }
        }
    }

    #[test]
    fn link_type_ignores_fcs_bits_and_wire_len_covers_data() {
        // FCS present (bit 28), 4 bytes (value 2 in bits 29-31), on LINKTYPE_LINUX_SLL.
        let mut b = PcapBuilder::new(Endian::Little, false, 0x5000_0000 | 113, 0);
        // origlen smaller than caplen: wire_len is raised to the data length.
        b.record(1, 2, 4, 2, b"abcd");
        b.record(1, 3, 2, 1500, b"ab");
        let mut r = reader(b.buf);
        assert_eq!(r.link_type(), LinkType::LinuxSll);
        let got = read_all(&mut r).unwrap();
        assert_eq!(got[0].wire_len, 4);
        assert_eq!(got[1].wire_len, 1500);
        assert_eq!(got[1].data, b"ab");
    }

    #[test]
    fn header_only_file_has_no_packets() {
        let mut r = reader(PcapBuilder::new(Endian::Big, true, 101, 0).buf);
        assert_eq!(r.link_type(), LinkType::Raw);
        assert!(!r.advance().unwrap());
        assert!(r.current().is_none());
        assert_eq!(r.skipped(), SkipCounters::default());
    }

    #[test]
    fn kuznetsov_records_have_longer_headers() {
        let mut buf = PcapBuilder::new(Endian::Little, false, 1, 0).buf;
        buf[..4].copy_from_slice(&MAGIC_KUZNETSOV.to_le_bytes());
        for (i, data) in [&b"one"[..], b"two!"].iter().enumerate() {
            for v in [10 + i as u32, 20, data.len() as u32, data.len() as u32] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
            buf.extend_from_slice(&[0; 8]); // ifindex, protocol, type, pad
            buf.extend_from_slice(data);
        }
        let got = read_all(&mut reader(buf)).unwrap();
        assert_eq!(
            got,
            vec![pkt(10_000_020_000, b"one"), pkt(11_000_020_000, b"two!")]
        );
    }

    #[test]
    fn bad_file_headers_are_errors_with_offsets() {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0).buf;
        b[4] = 3;
        let e = PcapReader::new(Cursor::new(b.clone()), "v3.pcap", None)
            .err()
            .unwrap();
        assert!(matches!(e.kind, CaptureErrorKind::BadHeader(_)), "{e}");
        assert_eq!(e.offset, 4);
        let e = PcapReader::new(Cursor::new(b[..10].to_vec()), "short.pcap", None)
            .err()
            .unwrap();
        assert!(
            matches!(
                e.kind,
                CaptureErrorKind::Truncated {
                    needed: 24,
                    available: 10
                }
            ),
            "{e}"
        );
        assert!(e.to_string().starts_with("short.pcap: at byte 0: "), "{e}");
        let e = PcapReader::new(Cursor::new(vec![1; 24]), "junk", None)
            .err()
            .unwrap();
        assert!(
            matches!(e.kind, CaptureErrorKind::BadMagic(0x0101_0101)),
            "{e}"
        );
    }

    #[test]
    fn truncated_last_record_ends_cleanly() {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        b.packet(1, 0, b"complete").packet(2, 0, b"cut short here");
        let full = b.buf.len();
        // Cut inside the data, then inside the header.
        for (cut, needed, available) in [(full - 3, 30, 27), (full - 20, 16, 10)] {
            let mut r = reader(b.buf[..cut].to_vec());
            let got = read_all(&mut r).unwrap();
            assert_eq!(got, vec![pkt(1_000_000_000, b"complete")]);
            assert_eq!(r.skipped().truncated_records, 1);
            let w = r.take_warnings();
            assert_eq!(w.len(), 1);
            assert_eq!(w[0].offset, 24 + 16 + 8);
            assert!(
                matches!(w[0].kind, CaptureErrorKind::Truncated { needed: n, available: a }
                    if n == needed && a == available),
                "{}",
                w[0]
            );
            assert_eq!(r.bytes_read(), cut as u64);
        }
    }

    #[test]
    fn absurd_length_resyncs_to_next_good_record() {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 1514);
        b.packet(1_600_000_000, 1, b"good one");
        let bad_at = b.buf.len() as u64;
        // A damaged header (absurd caplen) and some garbage, then good records again.
        b.record(1_600_000_000, 2, 0x00ff_ffff, 60, &[0x55; 37]);
        let good_at = b.buf.len() as u64;
        b.packet(1_600_000_001, 3, b"good two")
            .packet(1_600_000_002, 4, b"good three");
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        let data: Vec<&[u8]> = got.iter().map(|p| &p.data[..]).collect();
        assert_eq!(data, [&b"good one"[..], b"good two", b"good three"]);
        let s = r.skipped();
        assert_eq!(s.bad_records, 1);
        assert_eq!(s.bytes_skipped, good_at - bad_at);
        let w = r.take_warnings();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].offset, bad_at);
        let limit = u64::from(1514 + SNAPLEN_SLACK);
        assert!(matches!(
            w[0].kind,
            CaptureErrorKind::AbsurdLength { length: 0x00ff_ffff, limit: l } if l == limit
        ));
        assert!(r.take_warnings().is_empty(), "warnings are handed out once");
    }

    #[test]
    fn length_past_the_end_with_records_after_it_is_damage_not_truncation() {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        b.packet(100, 0, b"one");
        let bad_at = b.buf.len() as u64;
        // Plausible length, but more than what is left of the file.
        b.record(100, 1, 5000, 5000, b"xyz");
        b.packet(101, 0, b"two").packet(102, 0, b"three");
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        let data: Vec<&[u8]> = got.iter().map(|p| &p.data[..]).collect();
        assert_eq!(data, [&b"one"[..], b"two", b"three"]);
        let s = r.skipped();
        assert_eq!(
            (s.bad_records, s.truncated_records, s.bytes_skipped),
            (1, 0, 19)
        );
        let w = r.take_warnings();
        assert_eq!(w[0].offset, bad_at);
        assert!(w[0].to_string().contains("runs past the end"), "{}", w[0]);
    }

    #[test]
    fn resync_at_the_last_record_and_over_zeros() {
        // Damage before any good record, then a zero-filled run: zeros are not records.
        let mut b = PcapBuilder::new(Endian::Big, true, 1, 0);
        b.record(7, 0, u32::MAX, 0, &[0; 100]);
        b.packet(1_000, 5, b"only good record");
        let mut r = reader(b.buf);
        let got = read_all(&mut r).unwrap();
        assert_eq!(got, vec![pkt(1_000_000_000_005, b"only good record")]);
        assert_eq!(r.skipped().bad_records, 1);
        assert_eq!(r.skipped().bytes_skipped, 116);

        // Damage with nothing good after it: skipped to the end.
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        b.packet(1, 0, b"x");
        b.record(1, 0, MAX_CAPLEN + 1, 0, &[0xee; 50]);
        let mut r = reader(b.buf);
        assert_eq!(read_all(&mut r).unwrap().len(), 1);
        assert_eq!(r.skipped().bytes_skipped, 66);
        assert_eq!(r.skipped().truncated_records, 0);
    }

    #[test]
    fn warnings_are_bounded_but_counters_count() {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        // Resync needs two plausible headers in a row, so two packets between damages.
        for i in 0..500 {
            b.packet(1_000 + i, 0, b"payload")
                .packet(1_000 + i, 1, b"more");
            b.record(1_000 + i, 0, u32::MAX - i, 0, &[]);
        }
        b.packet(2_000, 0, b"last");
        let mut r = reader(b.buf);
        assert_eq!(read_all(&mut r).unwrap().len(), 1001);
        assert_eq!(r.skipped().bad_records, 500);
        assert_eq!(r.skipped().bytes_skipped, 500 * 16);
        assert_eq!(r.take_warnings().len(), crate::capture::input::MAX_WARNINGS);
    }

    /// Hands out at most `step` bytes per read, like a pipe.
    struct Trickle(Cursor<Vec<u8>>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
    }

    #[test]
    fn streams_many_packets_through_a_bounded_buffer() {
        let mut b = PcapBuilder::new(Endian::Little, true, 1, 0);
        let mut want = Vec::new();
        let mut data = Vec::new();
        // ~12 MiB of records of varying size, so records straddle every refill.
        for i in 0..20_000u32 {
            data.clear();
            data.extend((0..(i * 7919) % 1300).map(|j| (i ^ j) as u8));
            b.packet(i, i, &data);
            want.push(pkt(u64::from(i) * 1_000_000_001, &data));
        }
        b.packet(0, 0, &vec![9; MAX_CAPLEN as usize]);
        want.push(pkt(0, &vec![9; MAX_CAPLEN as usize]));
        for step in [usize::MAX, 1000] {
            let bytes = b.buf.clone();
            let mut r = PcapReader::new(Trickle(Cursor::new(bytes), step), "t", None).unwrap();
            assert!(read_all(&mut r).unwrap() == want, "step {step}");
            assert!(r.input().capacity() <= DEFAULT_BUFFER);
        }
    }

    #[test]
    fn held_packets_stay_intact_while_reading_goes_on() {
        // Workers hold packets by reference into the chunk they were read into while the reader
        // goes on: those chunks must not be refilled under them, and the reader's spare chunks
        // stay bounded.
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        let mut want = Vec::new();
        for i in 0..12_000u32 {
            let data: Vec<u8> = (0..(i * 31) % 1500).map(|j| (i ^ j) as u8).collect();
            b.packet(i, 0, &data);
            want.push(data);
        }
        for step in [usize::MAX, 70_000] {
            let mut r =
                PcapReader::new(Trickle(Cursor::new(b.buf.clone()), step), "t", None).unwrap();
            let mut held = std::collections::VecDeque::new();
            let mut n = 0;
            while r.advance().unwrap() {
                let p = r.current().unwrap();
                let s = p.shared.expect("read into a shared chunk");
                held.push_back((s.map.clone(), s.offset, n));
                n += 1;
                // Hold about 2 MB of packets, as batches in flight do.
                if held.len() > 3_000 {
                    let (map, off, k) = held.pop_front().unwrap();
                    let w: &Vec<u8> = &want[k];
                    assert_eq!(&map.bytes()[off..off + w.len()], &w[..], "packet {k}");
                }
                assert!(r.input().spare_chunks() <= r.input().max_spare());
            }
            assert_eq!(n, want.len());
            for (map, off, k) in held {
                assert_eq!(&map.bytes()[off..off + want[k].len()], &want[k][..]);
            }
        }
    }

    #[test]
    fn read_errors_carry_path_and_offset() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let b = PcapBuilder::new(Endian::Little, false, 1, 0).buf;
                let n = b.len().min(buf.len());
                buf[..n].copy_from_slice(&b[..n]);
                self.0 -= 1;
                Ok(n)
            }
        }
        let mut r = PcapReader::new(Failing(1), "/dev/flaky", None).unwrap();
        let e = r.advance().unwrap_err();
        assert_eq!(e.to_string(), "/dev/flaky: at byte 24: disk on fire");
    }

    /// Reads everything, checking that the reader stays within its bounds.
    fn read_checked(bytes: Vec<u8>) {
        let len = bytes.len();
        let Ok(mut r) = PcapReader::new(Cursor::new(bytes), "fuzz", Some(len as u64)) else {
            return;
        };
        let mut packets = 0usize;
        let mut last_read = r.bytes_read();
        while let Ok(true) = r.advance() {
            packets += 1;
            let p = r.current().expect("staged");
            assert!(p.data.len() <= MAX_CAPLEN as usize);
            assert!(p.wire_len as usize >= p.data.len());
            // Every packet consumes at least a record header.
            assert!(r.bytes_read() >= last_read + RECORD_HEADER_LEN as u64);
            last_read = r.bytes_read();
            assert!(packets <= len / RECORD_HEADER_LEN + 1);
            assert!(r.input().capacity() <= r.input().max_capacity());
        }
        assert!(r.bytes_read() <= len as u64);
        assert!(r.take_warnings().len() <= crate::capture::input::MAX_WARNINGS);
    }

    fn valid_pcap() -> Vec<u8> {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 2000);
        for i in 0..40u32 {
            b.packet(
                1_700_000_000 + i,
                i * 1000,
                &vec![i as u8; (i as usize * 37) % 200],
            );
        }
        b.buf
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_records_never_panic(
            nanos in any::<bool>(),
            big in any::<bool>(),
            body in proptest::collection::vec(any::<u8>(), 0..4096),
        ) {
            let e = if big { Endian::Big } else { Endian::Little };
            let mut bytes = PcapBuilder::new(e, nanos, 1, 0).buf;
            bytes.extend_from_slice(&body);
            read_checked(bytes);
        }

        #[test]
        fn mutated_pcap_never_panics(
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
            cut in any::<usize>(),
        ) {
            let mut bytes = valid_pcap();
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
            let mut bytes = valid_pcap();
            let at = FILE_HEADER_LEN + at % (bytes.len() - FILE_HEADER_LEN);
            let end = (at + delete).min(bytes.len());
            bytes.splice(at..end, insert);
            read_checked(bytes);
        }
    }
}
