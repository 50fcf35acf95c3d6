//! Rule reload while running. A new engine is built aside (the running one keeps detecting),
//! then published; each worker picks it up at its next batch (one atomic load per batch, never
//! per packet) and the old engine is freed when the last worker lets go of it. Peak memory
//! during a reload is therefore two engines; nothing else is duplicated. A rule set with errors
//! is not published: the old engine stays and the errors are reported.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::engine::Engine;
use super::load::{self, RuleSources};

/// The engine workers should use, and a generation number that changes when it does.
#[derive(Debug)]
pub struct EngineHandle {
    current: Mutex<Arc<Engine>>,
    generation: AtomicU64,
}

impl EngineHandle {
    pub fn new(engine: Arc<Engine>) -> EngineHandle {
        EngineHandle {
            current: Mutex::new(engine),
            generation: AtomicU64::new(0),
        }
    }

    #[inline]
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn current(&self) -> Arc<Engine> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn publish(&self, engine: Arc<Engine>) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = engine;
        self.generation.fetch_add(1, Ordering::Release);
    }
}

/// What the rule set in use came from, and how reloads went (for `ruleset-stats`).
#[derive(Clone, Debug, Default)]
pub struct RulesetState {
    /// Signatures in the engine in use.
    pub loaded: usize,
    /// Why rules were skipped when the engine in use was built.
    pub problems: Vec<String>,
    pub reloads: u64,
    pub reloads_failed: u64,
}

/// Rebuilds the engine from its sources on request (SIGHUP, control socket).
#[derive(Debug)]
pub struct Reloader {
    handle: Arc<EngineHandle>,
    sources: RuleSources,
    state: RulesetState,
}

impl Reloader {
    /// `handle` holds the engine built from `sources`, with `problems` its skipped rules.
    pub fn new(handle: Arc<EngineHandle>, sources: RuleSources, problems: Vec<String>) -> Self {
        let loaded = handle.current().len();
        Reloader {
            handle,
            sources,
            state: RulesetState {
                loaded,
                problems,
                ..Default::default()
            },
        }
    }

    pub fn last(&self) -> &RulesetState {
        &self.state
    }

    /// Builds the engine from the sources again (the configuration file and rule files are
    /// read anew) and publishes it when every rule loaded; otherwise the running rules stay.
    /// Returns a one-line account of what happened.
    pub fn reload(&mut self) -> Result<String, String> {
        let result = self.try_reload();
        self.state.reloads += 1;
        if result.is_err() {
            self.state.reloads_failed += 1;
        }
        result
    }

    fn try_reload(&mut self) -> Result<String, String> {
        let started = std::time::Instant::now();
        let (engine, report) = load::load(&self.sources)?;
        let problems = load::describe(&report);
        if !problems.is_empty() {
            return Err(format!(
                "{} rule(s) did not load, keeping the running rules: {}",
                problems.len(),
                problems
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        let n = engine.len();
        self.handle.publish(Arc::new(engine));
        self.state.loaded = n;
        self.state.problems = problems;
        Ok(format!(
            "{n} rules loaded and in use (built in {:.3} s)",
            started.elapsed().as_secs_f64()
        ))
    }
}

static SIGHUP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sighup(_: libc::c_int) {
    SIGHUP.store(true, Ordering::Relaxed);
}

/// Installs a SIGHUP handler that only raises a flag (async-signal-safe); `take_sighup` reads
/// and clears it.
pub fn install_sighup() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGHUP, on_sighup as *const () as libc::sighandler_t);
    }
}

pub fn take_sighup() -> bool {
    SIGHUP.swap(false, Ordering::Relaxed)
}
