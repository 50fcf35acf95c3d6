//! Every rule of the suricata-verify corpus parses or is rejected with a reason.

use std::fs;

use super::*;

/// Rules Suricata 7.0.10 itself rejects (`suricata -T`), by test directory and line: they may
/// be syntax errors here.
const SURICATA_REJECTS: &[(&str, usize)] = &[
    // `threshold: type backoff` and `track by_flow` arrived after 7.0.
    ("threshold__threshold-rule-flow-backoff-single-flow", 2),
    ("threshold__threshold-rule-flow-backoff-single-flow", 3),
    ("threshold__threshold-rule-flow-backoff-single-flow", 4),
];

#[test]
fn suricata_verify_rules_parse_or_name_the_reason() {
    let Some(corpus) = crate::testutil::corpus_dir() else {
        return;
    };
    let dir = corpus.join("suricata-verify");
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .expect("suricata-verify directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("test.rules").is_file())
        .collect();
    entries.sort();
    let (mut loaded, mut unsupported, mut rejected, mut files) = (0, 0, 0, 0);
    let mut unexpected = Vec::new();
    let vars = Vars::default();
    for d in &entries {
        let path = d.join("test.rules");
        let text = fs::read_to_string(&path).expect("read rules");
        files += 1;
        let name = d.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let (rules, errors) = parse_rules(&text, &path, &vars);
        loaded += rules.len();
        for e in errors {
            match &e.kind {
                ErrorKind::Unsupported { keyword } => {
                    unsupported += 1;
                    println!("unsupported: {name}:{} `{keyword}`", e.line);
                }
                ErrorKind::Syntax { reason } => {
                    rejected += 1;
                    if SURICATA_REJECTS.contains(&(name, e.line)) {
                        println!("rejected (as Suricata 7 does): {name}:{} {reason}", e.line);
                    } else {
                        unexpected.push(e.to_string());
                    }
                }
                ErrorKind::DuplicateSid { .. } | ErrorKind::Unmet { .. } => {
                    unexpected.push(e.to_string())
                }
            }
        }
    }
    println!(
        "suricata-verify: {files} rule files, {loaded} rules loaded, {unsupported} unsupported, \
         {rejected} rejected"
    );
    assert!(files > 0, "no rule files found in {}", dir.display());
    assert!(
        unexpected.is_empty(),
        "rules Suricata accepts were rejected:\n{}",
        unexpected.join("\n")
    );
}
