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

impl PacketSource for MergedSource {
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
