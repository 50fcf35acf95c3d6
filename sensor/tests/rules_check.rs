//! `sensor rules check`: counts, every reason with file, line and sid, `--strict`, and the note
//! about drop/reject rules.

use std::process::Command;

fn check(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sensor"))
        .args(["rules", "check"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn reasons_counts_strict_and_notes() {
    let dir = std::env::temp_dir().join(format!("sensor-rules-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("mixed.rules");
    std::fs::write(
        &file,
        "# a comment\n\
         alert http any any -> any any (msg:\"ok\"; http.uri; content:\"/admin\"; sid:1;)\n\
         drop tcp any any -> any 80 (msg:\"drop\"; content:\"x\"; sid:2;)\n\
         alert http any any -> any any (msg:\"unknown\"; http.cookie_jar; content:\"x\"; sid:3;)\n\
         alert tcp any any -> any any (msg:\"syntax\" sid:4;)\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let (code, out) = check(&[path]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 rules loaded, 2 skipped"), "{out}");
    assert!(
        out.contains(&format!(
            "{path}:4 sid 3: unsupported keyword `http.cookie_jar`"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("{path}:5:")), "{out}");
    assert!(
        out.contains("1 drop/reject rule(s) raise alerts only"),
        "{out}"
    );
    let (code, _) = check(&["--strict", path]);
    assert_eq!(code, 1);
    // The shipped packs load cleanly, strictly.
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../rules");
    let (code, out) = check(&["--strict", rules]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" 0 skipped"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Rules of Emerging Threats Open (`../shared/corpus/et-open/`) that load: the count can only
/// go up (Suricata 7.0.10 loads all 20,743). Every skipped rule is listed with its reason.
const ET_OPEN_LOADED: usize = 20_691;

#[test]
fn et_open_loaded_count_is_pinned() {
    let Some(corpus) = sensor::testutil::corpus_dir() else {
        return;
    };
    let path = corpus.join("et-open/et-open.rules");
    let path = path.to_str().unwrap();
    let (code, out) = check(&[path]);
    assert_eq!(code, 0, "{out}");
    let summary = out
        .lines()
        .find(|l| l.contains(" rules loaded, "))
        .unwrap_or_else(|| panic!("no summary line:\n{out}"));
    // `<file>: 1 files, N rules loaded, M skipped, in T s`
    let words: Vec<&str> = summary.split_whitespace().collect();
    let before = |word: &str, back: usize| -> usize {
        let i = words
            .iter()
            .position(|w| w.trim_end_matches(',') == word)
            .unwrap_or_else(|| panic!("{summary}"));
        words[i - back].parse().unwrap()
    };
    let (loaded, skipped) = (before("loaded", 2), before("skipped", 1));
    eprintln!("ET Open: {loaded} loaded, {skipped} skipped");
    assert!(
        loaded >= ET_OPEN_LOADED,
        "ET Open: {loaded} rules load, {ET_OPEN_LOADED} did before\n{out}"
    );
    let reasons = out
        .lines()
        .filter(|l| l.starts_with("skipped ") && l.contains(" sid "))
        .count();
    assert_eq!(reasons, skipped, "every skipped rule has its reason");
}
