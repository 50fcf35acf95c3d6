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
