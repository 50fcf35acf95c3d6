//! Helpers for tests across the crate.

use std::path::PathBuf;

/// Environment variable naming the shared test corpus directory.
pub const CORPUS_ENV: &str = "SENSOR_CORPUS_DIR";
/// Default corpus location, relative to the sensor crate's manifest directory.
const DEFAULT_CORPUS: &str = "../../shared/corpus";

/// The shared test corpus (`$SENSOR_CORPUS_DIR`, by default `../../shared/corpus` from the sensor
/// crate). When it is missing, panics under `CI=true` (a CI run must not skip silently), and
/// otherwise prints a skip line and returns `None` so the calling test can return early.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(CORPUS_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CORPUS),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if ci {
        panic!(
            "test corpus missing: {} is not a directory (set {CORPUS_ENV} to its location)",
            dir.display()
        );
    }
    eprintln!(
        "skipped: test corpus not found at {} (set {CORPUS_ENV} to run this test)",
        dir.display()
    );
    None
}
