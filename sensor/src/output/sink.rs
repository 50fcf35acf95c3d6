//! Where EVE lines go. Workers fill their own buffers and hand whole chunks of whole lines to the
//! sink, so the sink's lock is taken once per chunk (tens of kilobytes, or whatever a worker
//! holds when its records are due: see `pipeline::worker`), never per packet or per record.
//!
//! Chunks go straight to the file with no buffer in between: a chunk the sink accepted is in the
//! kernel, so what is counted as written was written, and a signal or crash of a later stage
//! loses nothing the sink took. A failing sink (full disk, closed pipe) does not stop the
//! sensor: the first failure is reported, and every record and byte that could not be written
//! is counted exactly (a record cut by a failed write counts as lost).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Size at which a worker hands its buffered records to the sink.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// How a file sink opens its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Start a new file (replays: the output is the result of one run).
    Truncate,
    /// Append to what is there (a running sensor restarted keeps its earlier records).
    Append,
}

pub struct EveSink {
    name: String,
    /// The file, for reopening after `logrotate` moved it; `None` for stdout and writers.
    path: Option<PathBuf>,
    out: Mutex<Box<dyn Write + Send>>,
    written_bytes: AtomicU64,
    written_records: AtomicU64,
    lost_bytes: AtomicU64,
    lost_records: AtomicU64,
    errors: AtomicU64,
    reopens: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl EveSink {
    /// `-` means standard output; anything else is a file at that path.
    pub fn open(path: &Path, mode: OpenMode) -> io::Result<EveSink> {
        if path == Path::new("-") {
            return Ok(EveSink::from_writer("stdout", Box::new(io::stdout())));
        }
        let f = open_file(path, mode)?;
        let mut sink = EveSink::from_writer(&path.display().to_string(), Box::new(f));
        sink.path = Some(path.to_path_buf());
        Ok(sink)
    }

    pub fn from_writer(name: &str, w: Box<dyn Write + Send>) -> EveSink {
        EveSink {
            name: name.to_string(),
            path: None,
            out: Mutex::new(w),
            written_bytes: AtomicU64::new(0),
            written_records: AtomicU64::new(0),
            lost_bytes: AtomicU64::new(0),
            lost_records: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            reopens: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    /// Writes whole lines. What could not be written is counted as lost, by bytes and by
    /// records (lines).
    pub fn write_chunk(&self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let (done, result) = {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            write_counted(&mut **out, chunk)
        };
        let records_done = count_lines(&chunk[..done]);
        self.written_bytes.fetch_add(done as u64, Ordering::Relaxed);
        self.written_records
            .fetch_add(records_done, Ordering::Relaxed);
        if let Err(e) = result {
            let rest = &chunk[done..];
            // A line cut by the failure is lost; its newline is in `rest`.
            self.lost_records
                .fetch_add(count_lines(rest), Ordering::Relaxed);
            self.record_error(rest.len() as u64, e);
        }
    }

    /// Flushes the underlying writer (standard output's line buffer; files have none).
    pub fn flush(&self) {
        let result = {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            out.flush()
        };
        if let Err(e) = result {
            self.record_error(0, e);
        }
    }

    /// Opens the file again at its path, appending (after `logrotate` moved it away, the
    /// records go to a new file by the old name). Standard output is left as it is.
    pub fn reopen(&self) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let f = open_file(path, OpenMode::Append)?;
        *self.out.lock().unwrap_or_else(|e| e.into_inner()) = Box::new(f);
        self.reopens.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn record_error(&self, lost: u64, e: io::Error) {
        self.lost_bytes.fetch_add(lost, Ordering::Relaxed);
        if self.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            let msg = format!("writing EVE records to {}: {e}", self.name);
            eprintln!("sensor: {msg} (records are counted as lost from here on)");
            *self.first_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(msg);
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn written_bytes(&self) -> u64 {
        self.written_bytes.load(Ordering::Relaxed)
    }

    pub fn written_records(&self) -> u64 {
        self.written_records.load(Ordering::Relaxed)
    }

    pub fn lost_bytes(&self) -> u64 {
        self.lost_bytes.load(Ordering::Relaxed)
    }

    pub fn lost_records(&self) -> u64 {
        self.lost_records.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn reopens(&self) -> u64 {
        self.reopens.load(Ordering::Relaxed)
    }

    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
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
        let sink = EveSink::from_writer("full", Box::new(Full { room: 0 }));
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
        let sink = EveSink::from_writer("full", Box::new(Full { room: 250 }));
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
        let sink = EveSink::open(Path::new("/dev/full"), OpenMode::Append).unwrap();
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
        let sink = EveSink::open(&path, OpenMode::Truncate).unwrap();
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
