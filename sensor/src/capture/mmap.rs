//! Read-only memory mapping of a capture file. Reading a page-cached file through `read()`
//! copies every byte into our buffer, and that copy was half of a replay's time (perf, 1 GB
//! capture); a mapping hands the page-cache pages over directly, and lets packets cross to the
//! workers without being copied at all (a batch holds the mapping and offsets into it). Pages
//! well behind the reader's cursor are released as reading moves on, so resident memory stays
//! constant however large the file.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Release mapped pages behind the cursor in steps of this size...
const RELEASE_STEP: usize = 4 << 20;
/// ...keeping this much behind the cursor mapped, for the workers still reading those packets
/// (they lag the reader by a few batches at most; touching a released page just maps it again
/// from the page cache, so releasing too early costs time, never correctness).
const RELEASE_LAG: usize = 8 << 20;
/// Page tables are filled this far ahead of the cursor.
const POPULATE_WINDOW: usize = 4 << 20;

/// A read-only mapping of a whole file.
pub struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
    released: AtomicUsize,
    /// End of the range whose page tables were filled ahead of the cursor.
    populated: AtomicUsize,
}

// SAFETY: the mapping is read-only for its whole life; shared references only read it, and the
// release bookkeeping is atomic.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps a regular, non-empty file. `None` if the platform refuses (the caller falls back to
    /// buffered reads).
    pub(crate) fn new(file: &File, len: u64) -> Option<Mapping> {
        let len = usize::try_from(len).ok().filter(|&l| l > 0)?;
        // SAFETY: a fresh read-only private mapping of a file we hold open; the pointer is
        // checked for failure below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        // SAFETY: advice on our own mapping; failure is harmless.
        unsafe {
            libc::madvise(ptr, len, libc::MADV_SEQUENTIAL);
        }
        Some(Mapping {
            ptr,
            len,
            released: AtomicUsize::new(0),
            populated: AtomicUsize::new(0),
        })
    }

    #[inline]
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes for the lifetime of `self`. (A file truncated
        // by another process while mapped would fault on access: capture files being replayed
        // are not expected to shrink.)
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }

    /// Tells the kernel the bytes before `pos` are no longer needed: their pages leave our
    /// resident set (they stay in the page cache, and would be mapped again if touched).
    /// Fills the page tables of the window ahead of `pos` in one call (MADV_POPULATE_READ,
    /// Linux 5.14+) rather than a page fault every 64 KiB, and so that the reader's software
    /// prefetches (dropped on unmapped pages) land. On older kernels the call fails harmlessly.
    #[cold]
    fn populate_ahead(&self, pos: usize) {
        let start = self.populated.load(Ordering::Relaxed).max(pos) & !4095;
        let end = (pos + POPULATE_WINDOW).min(self.len);
        if start < end {
            // SAFETY: advice on a page-aligned range inside our mapping.
            unsafe {
                libc::madvise(
                    (self.ptr as *mut u8).add(start) as *mut libc::c_void,
                    end - start,
                    libc::MADV_POPULATE_READ,
                );
            }
        }
        self.populated.store(end, Ordering::Relaxed);
    }

    #[inline]
    pub(crate) fn consumed_to(&self, pos: usize) {
        let populated = self.populated.load(Ordering::Relaxed);
        if pos + POPULATE_WINDOW / 2 > populated && populated < self.len {
            self.populate_ahead(pos);
        }
        let released = self.released.load(Ordering::Relaxed);
        if pos < released + RELEASE_LAG + RELEASE_STEP {
            return;
        }
        let end = (pos - RELEASE_LAG) & !(RELEASE_STEP - 1);
        // SAFETY: the range lies inside our mapping and is page aligned (16 MiB multiples).
        // MADV_DONTNEED on a private read-only file mapping only drops our page-table entries.
        unsafe {
            libc::madvise(
                (self.ptr as *mut u8).add(released) as *mut libc::c_void,
                end - released,
                libc::MADV_DONTNEED,
            );
        }
        self.released.store(end, Ordering::Relaxed);
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `new` mapped.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

impl std::fmt::Debug for Mapping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapping").field("len", &self.len).finish()
    }
}
