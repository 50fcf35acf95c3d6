//! Where EVE lines go. Workers fill their own buffers and hand whole chunks to the sink, so the
//! sink's lock is taken once per chunk (tens of kilobytes), never per packet or per record.
//! A failing sink (full disk, closed pipe) does not stop the sensor: the failure is reported
//! once, and what could not be written is counted.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Size at which a worker hands its buffered records to the sink.
pub const CHUNK_BYTES: usize = 64 * 1024;

pub struct EveSink {
    name: String,
    out: Mutex<Box<dyn Write + Send>>,
    written_bytes: AtomicU64,
    lost_bytes: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl EveSink {
    /// `-` means standard output; anything else is a file created (truncated) at that path.
    pub fn open(path: &Path) -> io::Result<EveSink> {
        if path == Path::new("-") {
            return Ok(EveSink::from_writer("stdout", Box::new(io::stdout())));
        }
        let f = File::create(path)?;
        Ok(EveSink::from_writer(
            &path.display().to_string(),
            Box::new(f),
        ))
    }

    pub fn from_writer(name: &str, w: Box<dyn Write + Send>) -> EveSink {
        EveSink {
            name: name.to_string(),
            out: Mutex::new(Box::new(BufWriter::with_capacity(256 * 1024, w))),
            written_bytes: AtomicU64::new(0),
            lost_bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }

    /// Writes whole lines; on failure the bytes are counted as lost.
    pub fn write_chunk(&self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        let result = {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            out.write_all(chunk)
        };
        match result {
            Ok(()) => {
                self.written_bytes
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            Err(e) => self.record_error(chunk.len() as u64, e),
        }
    }

    pub fn flush(&self) {
        let result = {
            let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
            out.flush()
        };
        if let Err(e) = result {
            self.record_error(0, e);
        }
    }

    fn record_error(&self, lost: u64, e: io::Error) {
        self.lost_bytes.fetch_add(lost, Ordering::Relaxed);
        if self.errors.fetch_add(1, Ordering::Relaxed) == 0 {
            let msg = format!("writing EVE records to {}: {e}", self.name);
            eprintln!("sensor: {msg} (records are counted as lost from here on)");
            *self.first_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(msg);
        }
    }

    pub fn written_bytes(&self) -> u64 {
        self.written_bytes.load(Ordering::Relaxed)
    }

    pub fn lost_bytes(&self) -> u64 {
        self.lost_bytes.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The default EVE path inside a log directory.
pub fn default_eve_path(log_dir: &Path) -> PathBuf {
    log_dir.join("eve.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Full;
    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ))
        }
    }

    #[test]
    fn full_disk_is_counted_not_fatal() {
        let sink = EveSink::from_writer("full", Box::new(Full));
        // Larger than the buffer, so the failure shows at once.
        sink.write_chunk(&vec![b'x'; 300 * 1024]);
        sink.flush();
        assert!(sink.errors() >= 1);
        assert_eq!(sink.lost_bytes(), 300 * 1024);
        assert!(sink.first_error().unwrap().contains("No space left"));
    }
}
