//! Process signals. Handlers only touch atomics (async-signal-safe); the threads that act on a
//! signal poll these flags on their own schedule:
//!
//! - SIGTERM, SIGINT: stop cleanly. The input stops being read, workers end their open flows
//!   as records, outputs are flushed, the final stats record is written and the process exits 0.
//!   A second stop signal while stopping ends the process at once (exit 130), as an operator
//!   pressing Ctrl-C twice expects.
//! - SIGHUP: reload the rules (the control thread) and reopen output files (after `logrotate`
//!   renamed them). Each consumer keeps the generation it last acted on, so one signal reaches
//!   every consumer exactly once.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Once;

static STOP: AtomicBool = AtomicBool::new(false);
static HUP_GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

extern "C" fn on_stop(_: libc::c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

extern "C" fn on_hup(_: libc::c_int) {
    HUP_GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// Installs the handlers (once per process). Every wait in the sensor has a timeout, so the
/// flags are seen promptly. SIGHUP restarts interrupted calls (`SA_RESTART`); the stop signals
/// do not, so that a replay blocked reading a quiet pipe returns from its read (EINTR) and
/// ends: Linux gives a process-directed signal to the main thread (the replay reader) when it
/// does not block it.
pub fn install() {
    INSTALL.call_once(|| {
        for (sig, handler, flags) in [
            (libc::SIGTERM, on_stop as extern "C" fn(libc::c_int), 0),
            (libc::SIGINT, on_stop, 0),
            (libc::SIGHUP, on_hup, libc::SA_RESTART),
        ] {
            // SAFETY: a zeroed sigaction is valid; the handlers only touch atomics.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = handler as usize;
                sa.sa_flags = flags;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
}

/// A stop was asked for (SIGTERM, SIGINT, or [`request_stop`]).
#[inline]
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Asks the run to stop as a signal would (tests, the end of a bounded live run).
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// How many SIGHUPs have arrived.
pub fn hup_generation() -> u64 {
    HUP_GENERATION.load(Ordering::SeqCst)
}

/// Tracks SIGHUPs for one consumer: `take()` is true once per new signal (several signals
/// between two calls count once).
#[derive(Debug)]
pub struct HupWatch {
    seen: u64,
}

impl HupWatch {
    /// Starts from now: signals that came before are not reported.
    pub fn new() -> HupWatch {
        HupWatch {
            seen: hup_generation(),
        }
    }

    pub fn take(&mut self) -> bool {
        let now = hup_generation();
        let new = now != self.seen;
        self.seen = now;
        new
    }
}

impl Default for HupWatch {
    fn default() -> Self {
        HupWatch::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hup_reaches_each_watcher_once() {
        install();
        let mut a = HupWatch::new();
        let mut b = HupWatch::new();
        assert!(!a.take());
        // SAFETY: raising a signal whose handler only bumps an atomic.
        unsafe { libc::raise(libc::SIGHUP) };
        unsafe { libc::raise(libc::SIGHUP) };
        assert!(a.take());
        assert!(!a.take());
        assert!(b.take());
        assert!(!b.take());
    }
}
