//! Helpers shared by tests: where the public corpus lives, reading a capture whole.
use std::path::PathBuf;

/// The shared corpus directory (`SENSOR_CORPUS_DIR`, default `../shared/corpus` beside the
/// repository). Missing: a failure under CI (`CI=true`), a printed skip elsewhere.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SENSOR_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").map(|v| v == "true").unwrap_or(false) {
        panic!(
            "corpus directory {} is missing (set SENSOR_CORPUS_DIR)",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: corpus directory {} is missing (set SENSOR_CORPUS_DIR)",
        dir.display()
    );
    None
}

/// Every frame of a capture file, in order (test-sized files only).
pub fn read_frames(path: &std::path::Path) -> Vec<Vec<u8>> {
    let mut src = crate::capture::open_file(path).expect("open capture");
    let mut out = Vec::new();
    while src.advance().expect("read capture") {
        if let Some(rec) = src.current() {
            out.push(rec.data.to_vec());
        }
    }
    out
}
