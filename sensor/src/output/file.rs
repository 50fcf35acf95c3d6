//! The EVE file sink (and standard output). Chunks of whole lines go straight to the file
//! with no buffer in between: a chunk the sink accepted is in the kernel, so what is counted
//! as written was written, and a signal or crash of a later stage loses nothing the sink took.
//! A failing file (full disk, closed pipe) does not stop the sensor: the first failure is
//! reported, and every record and byte that could not be written is counted exactly (a record
//! cut by a failed write counts as lost).
//!
//! The file appends like Suricata's in `run`, is reopened on SIGHUP (after `logrotate` moved
//! it) and can rotate itself by size or age: the full file is renamed to
//! `<name>.<UTC time>` between two chunks, so no record is ever split across files.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::record::{EventFilter, RecordIndex};
use super::sink::SinkStats;
use crate::time::Timestamp;

/// Size at which a worker hands its buffered records to the outputs.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// How a file sink opens its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Start a new file (replays: the output is the result of one run).
    Truncate,
    /// Append to what is there (a running sensor restarted keeps its earlier records).
    Append,
}

/// When a file rotates itself (none set: never; `logrotate` plus SIGHUP works either way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Rotate once the file holds this many bytes.
    pub max_bytes: Option<u64>,
    /// Rotate when the file is this old (wall clock).
    pub interval: Option<Duration>,
    /// Rotated files to keep (oldest deleted); `None`: keep all.
    pub keep: Option<usize>,
}

impl Rotation {
    fn is_set(&self) -> bool {
        self.max_bytes.is_some() || self.interval.is_some()
    }
}

struct Open {
    out: Box<dyn Write + Send>,
    /// Bytes in the current file (for rotation by size).
    size: u64,
    opened: Instant,
    /// Scratch for the records a filter keeps.
    selected: Vec<u8>,
}

pub struct FileSink {
    name: String,
    /// The file, for reopening and rotating; `None` for stdout and writers.
    path: Option<PathBuf>,
    open: Mutex<Open>,
    rotation: Rotation,
    pub(crate) stats: SinkStats,
    rotations: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl FileSink {
    /// `-` means standard output; anything else is a file at that path.
    pub fn open(path: &Path, mode: OpenMode) -> io::Result<FileSink> {
        if path == Path::new("-") {
            return Ok(FileSink::from_writer("stdout", Box::new(io::stdout())));
        }
        let f = open_file(path, mode)?;
        let size = f.metadata().map_or(0, |m| m.len());
        let mut sink = FileSink::from_writer(&path.display().to_string(), Box::new(f));
        sink.path = Some(path.to_path_buf());
        sink.open.get_mut().unwrap_or_else(|e| e.into_inner()).size = size;
        Ok(sink)
    }

    pub fn from_writer(name: &str, w: Box<dyn Write + Send>) -> FileSink {
        FileSink {
            name: name.to_string(),
            path: None,
            open: Mutex::new(Open {
                out: w,
                size: 0,
                opened: Instant::now(),
                selected: Vec::new(),
            }),
            rotation: Rotation::default(),
            stats: SinkStats::default(),
            rotations: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    /// Rotates by size or age as set (files only).
    pub fn with_rotation(mut self, rotation: Rotation) -> FileSink {
        if self.path.is_some() {
            self.rotation = rotation;
        }
        self
    }

    /// Writes whole lines. What could not be written is counted as lost, by bytes and by
    /// records (lines).
    pub fn write_chunk(&self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        self.write_locked(&mut open, chunk);
    }

    /// Writes the records of an indexed chunk that `filter` accepts.
    pub fn write_selected(&self, chunk: &[u8], index: &RecordIndex, filter: EventFilter) {
        if index.all_accepted(filter) {
            return self.write_chunk(chunk);
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mut selected = std::mem::take(&mut open.selected);
        selected.clear();
        for (_, line) in index.select(chunk, filter) {
            selected.extend_from_slice(line);
        }
        if !selected.is_empty() {
            self.write_locked(&mut open, &selected);
        }
        open.selected = selected;
    }

    fn write_locked(&self, open: &mut Open, chunk: &[u8]) {
        if self.rotation.is_set() && open.size > 0 && self.rotation_due(open) {
            self.rotate_locked(open);
        }
        let (done, result) = write_counted(&mut *open.out, chunk);
        open.size += done as u64;
        let records_done = count_lines(&chunk[..done]);
        self.stats.add_written(records_done, done as u64);
        if let Err(e) = result {
            let rest = &chunk[done..];
            // A line cut by the failure is lost; its newline is in `rest`.
            self.stats.add_lost(count_lines(rest), rest.len() as u64);
            self.record_error(e);
        }
    }

    fn rotation_due(&self, open: &Open) -> bool {
        self.rotation.max_bytes.is_some_and(|max| open.size >= max)
            || self
                .rotation
                .interval
                .is_some_and(|every| open.opened.elapsed() >= every)
    }

    /// Renames the full file aside and starts a new one; on failure, keeps writing where it
    /// was (and says why once).
    fn rotate_locked(&self, open: &mut Open) {
        let Some(path) = &self.path else { return };
        let result = (|| -> io::Result<()> {
            let aside = rotated_name(path);
            std::fs::rename(path, &aside)?;
            let f = open_file(path, OpenMode::Append)?;
            open.out = Box::new(f);
            open.size = 0;
            open.opened = Instant::now();
            Ok(())
        })();
        match result {
            Ok(()) => {
                self.rotations.fetch_add(1, Ordering::Relaxed);
                if let Some(keep) = self.rotation.keep {
                    prune_rotated(path, keep);
                }
            }
            Err(e) => {
                // Try again at the next due time rather than at every chunk.
                open.opened = Instant::now();
                open.size = 0;
                self.record_error(io::Error::new(e.kind(), format!("rotating: {e}")));
            }
        }
    }

    /// Flushes the underlying writer (standard output's line buffer; files have none).
    pub fn flush(&self) {
        let result = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.out.flush()
        };
        if let Err(e) = result {
            self.record_error(e);
        }
    }

    /// Opens the file again at its path, appending (after `logrotate` moved it away, the
    /// records go to a new file by the old name). Standard output is left as it is.
    pub fn reopen(&self) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let f = open_file(path, OpenMode::Append)?;
        let size = f.metadata().map_or(0, |m| m.len());
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.out = Box::new(f);
        open.size = size;
        open.opened = Instant::now();
        self.stats.reopens.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn record_error(&self, e: io::Error) {
        if self.stats.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            let msg = format!("writing EVE records to {}: {e}", self.name);
            eprintln!("sensor: {msg} (records are counted as lost from here on)");
            *self.first_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(msg);
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn written_bytes(&self) -> u64 {
        self.stats.bytes.load(Ordering::Relaxed)
    }

    pub fn written_records(&self) -> u64 {
        self.stats.records.load(Ordering::Relaxed)
    }

    pub fn lost_bytes(&self) -> u64 {
        self.stats.lost_bytes.load(Ordering::Relaxed)
    }

    pub fn lost_records(&self) -> u64 {
        self.stats.lost_records.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> u64 {
        self.stats.errors.load(Ordering::Relaxed)
    }

    pub fn reopens(&self) -> u64 {
        self.stats.reopens.load(Ordering::Relaxed)
    }

    pub fn rotations(&self) -> u64 {
        self.rotations.load(Ordering::Relaxed)
    }

    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// `<path>.<YYYYMMDDTHHMMSSZ>`, with `.N` added if a file of that name exists (two rotations
/// in one second).
fn rotated_name(path: &Path) -> PathBuf {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let eve = Timestamp::from_secs_nanos(now.as_secs(), 0)
        .eve()
        .to_string();
    // "2026-12-05T15:24:00.000000+0000" -> "20261205T152400Z"
    let stamp: String = eve[..19]
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let base = format!("{}.{stamp}Z", path.display());
    let mut aside = PathBuf::from(&base);
    let mut n = 1;
    while aside.exists() {
        aside = PathBuf::from(format!("{base}.{n}"));
        n += 1;
    }
    aside
}

/// Deletes the oldest rotated files of `path` beyond `keep` (names sort by time).
fn prune_rotated(path: &Path, keep: usize) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut rotated: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.strip_prefix(&prefix)
                .is_some_and(|rest| rest.len() >= 16 && rest.as_bytes()[8] == b'T')
        })
        .map(|e| e.path())
        .collect();
    rotated.sort();
    let excess = rotated.len().saturating_sub(keep);
    for old in &rotated[..excess] {
        let _ = std::fs::remove_file(old);
    }
}

fn open_file(path: &Path, mode: OpenMode) -> io::Result<File> {
    match mode {
        OpenMode::Truncate => File::create(path),
        OpenMode::Append => OpenOptions::new().create(true).append(true).open(path),
    }
}

/// Writes as much of `buf` as the writer takes; returns how many bytes went out and, if it
/// stopped early, why (`write_all` would not say how far it got).
fn write_counted(w: &mut dyn Write, buf: &[u8]) -> (usize, io::Result<()>) {
    let mut done = 0;
    while done < buf.len() {
        match w.write(&buf[done..]) {
            Ok(0) => return (done, Err(io::ErrorKind::WriteZero.into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (done, Err(e)),
        }
    }
    (done, Ok(()))
}

fn count_lines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// The default EVE path inside a log directory.
pub fn default_eve_path(log_dir: &Path) -> PathBuf {
    log_dir.join("eve.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `room` bytes, then fails as a full disk does.
    struct Full {
        room: usize,
    }
    impl Write for Full {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "No space left on device",
                ));
            }
            let n = b.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn lines(n: usize, len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.extend(std::iter::repeat_n(b'x', len - 1));
            v.push(b'\n');
        }
        v
    }

    #[test]
    fn full_disk_is_counted_not_fatal() {
        let sink = FileSink::from_writer("full", Box::new(Full { room: 0 }));
        sink.write_chunk(&lines(300, 1024));
        assert!(sink.errors() >= 1);
        assert_eq!(sink.lost_bytes(), 300 * 1024);
        assert_eq!(sink.lost_records(), 300);
        assert_eq!(sink.written_records(), 0);
        assert!(sink.first_error().unwrap().contains("No space left"));
    }

    #[test]
    fn a_record_cut_by_the_failure_counts_as_lost() {
        // Room for two and a half records of 100 bytes.
        let sink = FileSink::from_writer("full", Box::new(Full { room: 250 }));
        sink.write_chunk(&lines(10, 100));
        assert_eq!(sink.written_bytes(), 250);
        assert_eq!(sink.written_records(), 2);
        assert_eq!(sink.lost_records(), 8);
        assert_eq!(sink.lost_bytes(), 750);
        // Later chunks are tried again and counted the same way.
        sink.write_chunk(&lines(3, 10));
        assert_eq!(sink.lost_records(), 11);
    }

    #[test]
    fn dev_full_loses_every_record_and_says_so() {
        let sink = FileSink::open(Path::new("/dev/full"), OpenMode::Append).unwrap();
        sink.write_chunk(&lines(5, 64));
        assert_eq!(sink.written_records(), 0);
        assert_eq!(sink.lost_records(), 5);
        assert_eq!(sink.lost_bytes(), 320);
    }

    #[test]
    fn reopen_follows_a_rename() {
        let dir = std::env::temp_dir().join(format!("sensor-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("eve.json");
        let sink = FileSink::open(&path, OpenMode::Truncate).unwrap();
        sink.write_chunk(b"one\n");
        std::fs::rename(&path, dir.join("eve.json.1")).unwrap();
        sink.write_chunk(b"two\n");
        sink.reopen().unwrap();
        sink.write_chunk(b"three\n");
        let old = std::fs::read_to_string(dir.join("eve.json.1")).unwrap();
        let new = std::fs::read_to_string(&path).unwrap();
        assert_eq!(old, "one\ntwo\n");
        assert_eq!(new, "three\n");
        assert_eq!(sink.written_records(), 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
