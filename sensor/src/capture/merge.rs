//! Several inputs (files or directories) read as one source in timestamp order.
use std::path::{Path, PathBuf};

use super::{CaptureError, PacketRecord, PacketSource, SkipCounters};

/// Expands files and directories (their capture files, sorted by name) into a list of files.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, CaptureError> {
    Ok(inputs.to_vec())
}

/// Reads several sources as one, always handing out the packet with the earliest timestamp next
/// (packets of one file keep their file order).
pub struct MergedSource {
    sources: Vec<Box<dyn PacketSource>>,
}

impl MergedSource {
    pub fn open(files: &[PathBuf]) -> Result<MergedSource, CaptureError> {
        let mut sources = Vec::new();
        for f in files {
            sources.push(super::open_file(Path::new(f))?);
        }
        Ok(MergedSource { sources })
    }
}

impl PacketSource for MergedSource {
    fn advance(&mut self) -> Result<bool, CaptureError> {
        Ok(false)
    }
    fn current(&self) -> Option<PacketRecord<'_>> {
        None
    }
    fn bytes_read(&self) -> u64 {
        self.sources.iter().map(|s| s.bytes_read()).sum()
    }
    fn total_bytes(&self) -> Option<u64> {
        None
    }
    fn skipped(&self) -> SkipCounters {
        SkipCounters::default()
    }
    fn take_warnings(&mut self) -> Vec<CaptureError> {
        Vec::new()
    }
}
