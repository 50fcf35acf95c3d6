//! Several inputs (files or directories) read as one source in timestamp order.
//!
//! Files are opened lazily: at open each file is peeked for its first packet's timestamp and
//! closed again; a file is reopened only when its first packet is due. Rotated captures (one
//! file after the other in time) thus keep one or two files open however many there are.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use super::input::{DEFAULT_BUFFER, MAX_WARNINGS};
use super::{
    detect_format, open_file, open_file_buffered, CaptureError, CaptureErrorKind, PacketRecord,
    PacketSource, SkipCounters, MAGIC_LEN,
};
use crate::time::Timestamp;

/// Capture file names, matched case-insensitively at the end of a name.
const CAPTURE_EXTENSIONS: [&str; 4] = [".pcap", ".pcapng", ".cap", ".dmp"];
/// Rotated captures are named `x.pcap.1`, `x.pcap.20240101`, ...
const ROTATED_INFIX: &str = ".pcap.";
/// ... unless the suffix says compressed, which the readers cannot read.
const COMPRESSED_EXTENSIONS: [&str; 7] = [".gz", ".bz2", ".xz", ".zst", ".lz4", ".zip", ".7z"];
/// Read buffers of all files of a merge together stay around this size.
const MERGE_BUFFER_BUDGET: usize = 64 << 20;
/// Smallest read buffer per file of a merge: large reads still amortise the system calls.
const MIN_MERGE_BUFFER: usize = 256 << 10;

fn io_error(path: &Path, e: std::io::Error) -> CaptureError {
    CaptureError {
        path: path.to_path_buf(),
        offset: 0,
        kind: CaptureErrorKind::Io(e),
    }
}

/// Expands files and directories (their capture files, sorted by name) into a list of files.
///
/// A directory's entries are taken when named like a capture (`.pcap`, `.pcapng`, `.cap`,
/// `.dmp`, `.pcap.<rotation>`) or starting with a pcap or pcapng magic number; hidden files and
/// subdirectories are left out. Files named on their own are taken as given.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, CaptureError> {
    let mut files = Vec::new();
    for input in inputs {
        let meta = fs::metadata(input).map_err(|e| io_error(input, e))?;
        if !meta.is_dir() {
            files.push(input.clone());
            continue;
        }
        let mut found = Vec::new();
        for entry in fs::read_dir(input).map_err(|e| io_error(input, e))? {
            let path = entry.map_err(|e| io_error(input, e))?.path();
            if is_capture_file(&path) {
                found.push(path);
            }
        }
        if found.is_empty() {
            let e = std::io::Error::new(
                ErrorKind::NotFound,
                "no capture files (.pcap, .pcapng, .cap, .dmp) in this directory",
            );
            return Err(io_error(input, e));
        }
        found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        files.extend(found);
    }
    Ok(files)
}

fn is_capture_file(path: &Path) -> bool {
    let Some(name) = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
    else {
        return false;
    };
    if name.starts_with('.') || !fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    has_capture_name(&name) || has_capture_magic(path)
}

fn has_capture_name(lower: &str) -> bool {
    if CAPTURE_EXTENSIONS.iter().any(|ext| lower.ends_with(ext)) {
        return true;
    }
    match lower.rfind(ROTATED_INFIX) {
        Some(i) => {
            let suffix = &lower[i + ROTATED_INFIX.len() - 1..];
            !COMPRESSED_EXTENSIONS.iter().any(|c| suffix.ends_with(c))
        }
        None => false,
    }
}

fn has_capture_magic(path: &Path) -> bool {
    let mut magic = [0u8; MAGIC_LEN];
    fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && detect_format(magic).is_some()
}

/// One input file of a merge.
struct Slot {
    path: PathBuf,
    /// Open while the file has packets due; `None` before its first packet is due and after
    /// its end.
    src: Option<Box<dyn PacketSource>>,
}

/// Several files merged in timestamp order.
struct Many {
    slots: Vec<Slot>,
    /// Each file with a packet to come, keyed by that packet's timestamp, then file order.
    heap: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// The file whose packet is staged.
    current: Option<usize>,
    buffer: usize,
    /// What the closed files read and skipped.
    done_bytes: u64,
    done_skipped: SkipCounters,
    warnings: Vec<CaptureError>,
}

enum Inner {
    /// One file: no merge at all.
    Single(Box<dyn PacketSource>),
    Many(Many),
}

/// Reads several sources as one, always handing out the packet with the earliest timestamp next
/// (ties: the earlier file first; packets of one file keep their file order even when their
/// timestamps go backwards).
pub struct MergedSource {
    inner: Inner,
    total: Option<u64>,
}

impl MergedSource {
    pub fn open(files: &[PathBuf]) -> Result<MergedSource, CaptureError> {
        let mut total = 0u64;
        for f in files {
            total += fs::metadata(f).map_err(|e| io_error(f, e))?.len();
        }
        if let [only] = files {
            return Ok(MergedSource {
                inner: Inner::Single(open_file(only)?),
                total: Some(total),
            });
        }
        let buffer =
            (MERGE_BUFFER_BUDGET / files.len().max(1)).clamp(MIN_MERGE_BUFFER, DEFAULT_BUFFER);
        let mut many = Many {
            slots: Vec::with_capacity(files.len()),
            heap: BinaryHeap::with_capacity(files.len()),
            current: None,
            buffer,
            done_bytes: 0,
            done_skipped: SkipCounters::default(),
            warnings: Vec::new(),
        };
        for (i, path) in files.iter().enumerate() {
            // Peek with a small buffer; the file is closed again until its first packet is due.
            let mut src = open_file_buffered(path, 0)?;
            if src.advance()? {
                if let Some(p) = src.current() {
                    many.heap.push(Reverse((p.ts, i)));
                }
            } else {
                // No packets: what the peek found is all there is to report.
                many.retire(src);
            }
            many.slots.push(Slot {
                path: path.clone(),
                src: None,
            });
        }
        Ok(MergedSource {
            inner: Inner::Many(many),
            total: Some(total),
        })
    }
}

impl Many {
    /// Keeps the counts and warnings of a source that has ended.
    fn retire(&mut self, mut src: Box<dyn PacketSource>) {
        self.done_bytes += src.bytes_read();
        self.done_skipped.add(&src.skipped());
        self.keep_warnings(src.take_warnings());
    }

    fn keep_warnings(&mut self, w: Vec<CaptureError>) {
        let room = MAX_WARNINGS.saturating_sub(self.warnings.len());
        self.warnings.extend(w.into_iter().take(room));
    }

    /// Steps file `i` past its staged packet and queues its next one.
    fn step(&mut self, i: usize) -> Result<(), CaptureError> {
        let Some(slot) = self.slots.get_mut(i) else {
            return Ok(());
        };
        let Some(src) = slot.src.as_mut() else {
            return Ok(());
        };
        if src.advance()? {
            if let Some(p) = src.current() {
                self.heap.push(Reverse((p.ts, i)));
                return Ok(());
            }
        }
        if let Some(src) = slot.src.take() {
            self.retire(src);
        }
        Ok(())
    }

    fn advance(&mut self) -> Result<bool, CaptureError> {
        if let Some(i) = self.current.take() {
            self.step(i)?;
        }
        while let Some(Reverse((ts, i))) = self.heap.pop() {
            let Some(slot) = self.slots.get_mut(i) else {
                continue;
            };
            if slot.src.is_some() {
                self.current = Some(i);
                return Ok(true);
            }
            // The file's first packet is due: reopen it.
            let mut src = open_file_buffered(&slot.path, self.buffer)?;
            if !src.advance()? {
                // The file changed since the peek.
                self.retire(src);
                continue;
            }
            let first = src.current().map(|p| p.ts);
            slot.src = Some(src);
            match first {
                Some(t) if t == ts => {
                    self.current = Some(i);
                    return Ok(true);
                }
                // The file changed since the peek: queue it by what it holds now.
                Some(t) => self.heap.push(Reverse((t, i))),
                None => self.step(i)?,
            }
        }
        Ok(false)
    }

    fn open_sources(&self) -> impl Iterator<Item = &dyn PacketSource> {
        self.slots.iter().filter_map(|s| s.src.as_deref())
    }
}

#[cfg(test)]
impl MergedSource {
    /// Files open right now.
    fn open_count(&self) -> usize {
        match &self.inner {
            Inner::Single(_) => 1,
            Inner::Many(m) => m.open_sources().count(),
        }
    }
}

impl PacketSource for MergedSource {
    /// A merge of several files reads regular files: it stops at once. A single input drains
    /// what it read (at most a chunk).
    fn stop_reading(&mut self) -> bool {
        match &mut self.inner {
            Inner::Single(s) => s.stop_reading(),
            Inner::Many(_) => false,
        }
    }

    fn drained(&self) -> bool {
        match &self.inner {
            Inner::Single(s) => s.drained(),
            Inner::Many(_) => false,
        }
    }

    fn advance(&mut self) -> Result<bool, CaptureError> {
        match &mut self.inner {
            Inner::Single(s) => s.advance(),
            Inner::Many(m) => m.advance(),
        }
    }

    #[inline]
    fn current(&self) -> Option<PacketRecord<'_>> {
        match &self.inner {
            Inner::Single(s) => s.current(),
            Inner::Many(m) => m.slots.get(m.current?)?.src.as_ref()?.current(),
        }
    }

    fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Single(s) => s.bytes_read(),
            Inner::Many(m) => m.done_bytes + m.open_sources().map(|s| s.bytes_read()).sum::<u64>(),
        }
    }

    fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    fn skipped(&self) -> SkipCounters {
        match &self.inner {
            Inner::Single(s) => s.skipped(),
            Inner::Many(m) => {
                let mut total = m.done_skipped;
                for s in m.open_sources() {
                    total.add(&s.skipped());
                }
                total
            }
        }
    }

    fn take_warnings(&mut self) -> Vec<CaptureError> {
        match &mut self.inner {
            Inner::Single(s) => s.take_warnings(),
            Inner::Many(m) => {
                let mut w = std::mem::take(&mut m.warnings);
                for slot in &mut m.slots {
                    if let Some(s) = slot.src.as_mut() {
                        let more = s.take_warnings();
                        let room = MAX_WARNINGS.saturating_sub(w.len());
                        w.extend(more.into_iter().take(room));
                    }
                }
                w
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::capture::input::Endian;
    use crate::capture::testgen::{read_all, PcapBuilder, PcapngBuilder, TempDir};
    use crate::capture::LinkType;
    use crate::testutil::corpus_dir;

    const SEC: u64 = 1_000_000_000;

    fn pcap(packets: &[(u32, &str)]) -> Vec<u8> {
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        for &(secs, label) in packets {
            b.packet(secs, 0, label.as_bytes());
        }
        b.buf
    }

    fn labels(src: &mut dyn PacketSource) -> Vec<String> {
        read_all(src)
            .unwrap()
            .into_iter()
            .map(|p| String::from_utf8(p.data).unwrap())
            .collect()
    }

    #[test]
    fn merges_three_files_by_time_ties_to_the_earlier_file() {
        let dir = TempDir::new("merge3");
        let a = dir.write(
            "a.pcap",
            &pcap(&[(1, "a1"), (4, "a4a"), (4, "a4b"), (2, "a2"), (9, "a9")]),
        );
        let mut b = PcapngBuilder::new(Endian::Big);
        b.idb(101, 0, Some(0), None);
        for (t, l) in [(1, "b1"), (3, "b3"), (4, "b4"), (8, "b8")] {
            b.epb(0, t, l.as_bytes());
        }
        let b_path = dir.write("b.pcapng", &b.buf);
        let mut c = PcapBuilder::new(Endian::Big, true, 1, 0);
        c.packet(0, 0, b"c0")
            .packet(4, 0, b"c4")
            .packet(10, 0, b"c10");
        let c_path = dir.write("c.pcap", &c.buf);
        let files = [a, b_path, c_path];
        let mut m = MergedSource::open(&files).unwrap();
        let total: u64 = files.iter().map(|f| fs::metadata(f).unwrap().len()).sum();
        assert_eq!(m.total_bytes(), Some(total));
        assert_eq!(m.bytes_read(), 0);
        let got = read_all(&mut m).unwrap();
        let got: Vec<(String, u64, LinkType)> = got
            .into_iter()
            .map(|p| (String::from_utf8(p.data).unwrap(), p.ts / SEC, p.link))
            .collect();
        let want = [
            "c0", "a1", "b1", "b3", "a4a", "a4b", "a2", "b4", "c4", "b8", "a9", "c10",
        ];
        let names: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(names, want);
        for (label, secs, link) in &got {
            assert_eq!(label[1..].trim_end_matches(['a', 'b']), secs.to_string());
            let want_link = if label.starts_with('b') {
                LinkType::Raw
            } else {
                LinkType::Ethernet
            };
            assert_eq!(*link, want_link);
        }
        assert_eq!(m.bytes_read(), total);
        assert_eq!(m.skipped(), SkipCounters::default());
        assert_eq!(m.open_count(), 0);
    }

    #[test]
    fn one_file_reads_as_itself() {
        let dir = TempDir::new("one");
        let f = dir.write("only.pcap", &pcap(&[(5, "x"), (3, "y")]));
        let mut m = MergedSource::open(std::slice::from_ref(&f)).unwrap();
        assert!(matches!(m.inner, Inner::Single(_)));
        assert_eq!(labels(&mut m), ["x", "y"]);
        assert_eq!(Some(m.bytes_read()), m.total_bytes());
        let mut none = MergedSource::open(&[]).unwrap();
        assert!(!none.advance().unwrap());
        assert_eq!(none.total_bytes(), Some(0));
    }

    #[test]
    fn damage_is_aggregated_across_files() {
        let dir = TempDir::new("damage");
        let mut t = pcap(&[(1, "t1"), (3, "t3")]);
        t.truncate(t.len() - 1);
        let truncated = dir.write("t.pcap", &t);
        let mut b = PcapBuilder::new(Endian::Little, false, 1, 0);
        b.packet(2, 0, b"b2");
        b.record(2, 0, u32::MAX, 0, b"junk");
        b.packet(4, 0, b"b4");
        let absurd = dir.write("b.pcap", &b.buf);
        let empty = dir.write("e.pcap", &pcap(&[]));
        let mut cut = pcap(&[(0, "gone")]);
        cut.truncate(30);
        let only_cut = dir.write("z.pcap", &cut);
        let mut m =
            MergedSource::open(&[truncated.clone(), absurd.clone(), empty, only_cut.clone()])
                .unwrap();
        assert_eq!(labels(&mut m), ["t1", "b2", "b4"]);
        let s = m.skipped();
        assert_eq!(
            (s.truncated_records, s.bad_records, s.bytes_skipped),
            (2, 1, 20)
        );
        let mut w: Vec<(PathBuf, u64)> = m
            .take_warnings()
            .into_iter()
            .map(|e| (e.path, e.offset))
            .collect();
        w.sort();
        assert_eq!(w, [(absurd, 42), (truncated, 42), (only_cut, 24)]);
        assert_eq!(Some(m.bytes_read()), m.total_bytes());
    }

    #[test]
    fn rotated_files_are_opened_one_at_a_time() {
        let dir = TempDir::new("rotated");
        let files: Vec<PathBuf> = (0..50u32)
            .map(|i| {
                let p = [(i * 10, "p"), (i * 10 + 5, "q"), (i * 10 + 9, "r")];
                dir.write(&format!("cap.pcap.{i:03}"), &pcap(&p))
            })
            .collect();
        let mut m = MergedSource::open(&files).unwrap();
        let mut n = 0;
        let mut last = 0;
        while m.advance().unwrap() {
            let ts = m.current().unwrap().ts.as_nanos();
            assert!(ts >= last);
            last = ts;
            n += 1;
            assert!(m.open_count() <= 1, "{} files open", m.open_count());
        }
        assert_eq!(n, 150);
    }

    #[test]
    fn files_changed_since_open_still_merge() {
        let dir = TempDir::new("changed");
        let a = dir.write("a.pcap", &pcap(&[(1, "a1"), (5, "a5")]));
        let b = dir.write("b.pcap", &pcap(&[(2, "b2")]));
        let c = dir.write("c.pcap", &pcap(&[(3, "c3")]));
        let mut m = MergedSource::open(&[a, b.clone(), c.clone()]).unwrap();
        fs::write(&b, pcap(&[(6, "b6")])).unwrap();
        fs::write(&c, pcap(&[])).unwrap();
        assert_eq!(labels(&mut m), ["a1", "a5", "b6"]);
    }

    #[test]
    fn open_errors_name_the_file() {
        let dir = TempDir::new("errors");
        let good = dir.write("good.pcap", &pcap(&[(1, "x")]));
        let bad = dir.write("bad.pcap", b"not a capture");
        let e = MergedSource::open(&[good.clone(), bad.clone()])
            .err()
            .unwrap();
        assert_eq!(e.path, bad);
        let missing = dir.path().join("missing.pcap");
        let e = MergedSource::open(&[good, missing.clone()]).err().unwrap();
        assert_eq!(e.path, missing);
    }

    #[test]
    fn expand_inputs_picks_capture_files_sorted() {
        let dir = TempDir::new("expand");
        let cap = pcap(&[(1, "x")]);
        let ng = PcapngBuilder::new(Endian::Little).buf;
        for name in [
            "b.pcap", "a.PCAPNG", "c.cap", "d.dmp", "e.pcap.1", "e.pcap.2", "odd.pcap",
        ] {
            dir.write(name, &cap);
        }
        dir.write("no_extension", &ng);
        dir.write("README.md", b"# notes");
        dir.write("x.pcap.gz", &[0x1f, 0x8b, 0x08, 0x00]);
        dir.write(".hidden.pcap", &cap);
        fs::create_dir(dir.path().join("sub.pcap")).unwrap();
        let single = dir.write("README.txt", b"given by name: taken as is");
        let got = expand_inputs(&[single.clone(), dir.path().to_path_buf()]).unwrap();
        let names: Vec<String> = got
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "README.txt",
                "a.PCAPNG",
                "b.pcap",
                "c.cap",
                "d.dmp",
                "e.pcap.1",
                "e.pcap.2",
                "no_extension",
                "odd.pcap"
            ]
        );
        assert_eq!(got[0], single);
    }

    #[test]
    fn expand_inputs_errors_name_the_path() {
        let dir = TempDir::new("expand-err");
        let missing = dir.path().join("nope");
        let e = expand_inputs(std::slice::from_ref(&missing)).err().unwrap();
        assert_eq!(e.path, missing);
        assert!(e
            .to_string()
            .starts_with(&format!("{}: at byte 0: ", missing.display())));
        dir.write("notes.txt", b"nothing to read");
        let e = expand_inputs(&[dir.path().to_path_buf()]).err().unwrap();
        assert!(e.to_string().contains("no capture files"), "{e}");
    }

    #[test]
    fn corpus_directory_merges_in_time_order() {
        let Some(corpus) = corpus_dir() else { return };
        // 9 files, 29 packets (tshark), each file in strict time order (capinfos -o).
        let files = expand_inputs(&[corpus.join("zeek-traces/dnssec")]).unwrap();
        assert_eq!(files.len(), 9);
        let mut m = MergedSource::open(&files).unwrap();
        let got = read_all(&mut m).unwrap();
        assert_eq!(got.len(), 29);
        assert!(got.windows(2).all(|w| w[0].ts <= w[1].ts));
        assert_eq!(Some(m.bytes_read()), m.total_bytes());
    }

    /// The merge order by definition: repeatedly the earliest head, ties to the earlier file.
    fn reference_merge(files: &[Vec<(u32, String)>]) -> Vec<String> {
        let mut pos = vec![0; files.len()];
        let mut out = Vec::new();
        loop {
            let next = (0..files.len())
                .filter_map(|i| files[i].get(pos[i]).map(|p| (p.0, i)))
                .min();
            let Some((_, i)) = next else { return out };
            out.push(files[i][pos[i]].1.clone());
            pos[i] += 1;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn merge_matches_reference(
            times in proptest::collection::vec(proptest::collection::vec(0u32..20, 0..12), 1..6),
        ) {
            let dir = TempDir::new("prop");
            let files: Vec<Vec<(u32, String)>> = times
                .iter()
                .enumerate()
                .map(|(f, ts)| {
                    ts.iter().enumerate().map(|(k, &t)| (t, format!("{f}.{k}"))).collect()
                })
                .collect();
            let paths: Vec<PathBuf> = files
                .iter()
                .enumerate()
                .map(|(f, pkts)| {
                    let p: Vec<(u32, &str)> = pkts.iter().map(|(t, l)| (*t, l.as_str())).collect();
                    dir.write(&format!("{f}.pcap"), &pcap(&p))
                })
                .collect();
            let mut m = MergedSource::open(&paths).unwrap();
            prop_assert_eq!(labels(&mut m), reference_merge(&files));
        }
    }
}
