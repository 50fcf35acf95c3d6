//! Rule reload while running. A new engine is built aside (the running one keeps detecting),
//! then published; each worker picks it up at its next batch (one atomic load per batch, never
//! per packet) and the old engine is freed when the last worker lets go of it. Peak memory
//! during a reload is therefore two engines; nothing else is duplicated. A rule set with errors
//! is not published: the old engine stays and the errors are reported.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::engine::Engine;
use super::load::{self, RuleSources};

/// The engine workers should use, and a generation number that changes when it does.
#[derive(Debug)]
pub struct EngineHandle {
    current: Mutex<Arc<Engine>>,
    generation: AtomicU64,
    /// Rule load and reload counters, for the metrics.
    pub counters: RuleCounters,
}

/// How rule loading went, as the metrics show it.
#[derive(Debug, Default)]
pub struct RuleCounters {
    /// Signatures in the engine in use.
    pub loaded: AtomicU64,
    /// Rules skipped when the engine in use was built.
    pub skipped: AtomicU64,
    pub reloads_ok: AtomicU64,
    pub reloads_failed: AtomicU64,
    /// Unix time (seconds) of the last load or reload that took.
    pub last_success_unix: AtomicU64,
}

impl RuleCounters {
    fn loaded_now(&self, loaded: usize, skipped: usize) {
        self.loaded.store(loaded as u64, Ordering::Relaxed);
        self.skipped.store(skipped as u64, Ordering::Relaxed);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.last_success_unix.store(now, Ordering::Relaxed);
    }
}

impl EngineHandle {
    pub fn new(engine: Arc<Engine>) -> EngineHandle {
        let counters = RuleCounters::default();
        counters.loaded_now(engine.len(), 0);
        EngineHandle {
            current: Mutex::new(engine),
            generation: AtomicU64::new(0),
            counters,
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
        handle.counters.loaded_now(loaded, problems.len());
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
        let c = &self.handle.counters;
        if result.is_err() {
            self.state.reloads_failed += 1;
            c.reloads_failed.fetch_add(1, Ordering::Relaxed);
        } else {
            c.reloads_ok.fetch_add(1, Ordering::Relaxed);
            c.loaded_now(self.state.loaded, self.state.problems.len());
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
