//! `inspect` against Suricata 7.0.10's verdicts on the same payloads.
//!
//! `testdata/inspect_cases.tsv` holds `payload-hex <TAB> rule options <TAB> 0|1`: each rule
//! was loaded as `alert udp any any -> any any (<options> sid:N;)` and run by Suricata over a
//! capture with one UDP packet per payload; 1 means Suricata alerted. `bytes_cases.tsv` is
//! made the same way (Suricata 7.0.10, Dec 2026) for `byte_test`, `byte_jump`,
//! `byte_extract` and `isdataat`: 202 generated rules over 30 payloads, rules in groups of
//! ten, each group on its own destination port with its own copy of the payloads, so that no
//! packet reaches Suricata's limit of 15 alerts per packet.

use super::*;

#[test]
fn inspect_agrees_with_suricata() {
    check(include_str!("../testdata/inspect_cases.tsv"), 1600);
}

#[test]
fn byte_keywords_agree_with_suricata() {
    check(include_str!("../testdata/bytes_cases.tsv"), 6060);
}

/// `base64_decode`/`base64_data` on 17 payloads (padding, invalid bytes, NUL, spaces, partial
/// blocks) with 22 rules, made like `bytes_cases.tsv`.
#[test]
fn base64_agrees_with_suricata() {
    check(include_str!("../testdata/base64_cases.tsv"), 374);
}

/// `asn1` on 39 BER payloads (X.690's worked example, overflowing bit strings and reals,
/// nesting, indefinite lengths, truncation) with 39 rules: `testdata/asn1_cases.py` made it.
#[test]
fn asn1_agrees_with_suricata() {
    check(include_str!("../testdata/asn1_cases.tsv"), 1521);
}

/// Runs every case of `data`; at least `min` must be checked (none skipped).
fn check(data: &str, min: usize) {
    let (mut checked, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for line in data.lines().filter(|l| !l.is_empty()) {
        let mut f = line.split('\t');
        let (Some(hex), Some(opts), Some(want)) = (f.next(), f.next(), f.next()) else {
            panic!("bad line {line}");
        };
        let payload: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let text = format!("alert udp any any -> any any ({opts} sid:1;)");
        let r = match parse_rule(&text, &Vars::default()) {
            Ok(r) => r,
            Err(ErrorKind::Unsupported { .. }) => {
                skipped += 1;
                continue;
            }
            Err(e) => panic!("{opts}: {e}"),
        };
        let got = inspect(&payload, r.matchers(Buffer::Payload).unwrap_or(&[]));
        checked += 1;
        if got != (want == "1") {
            // Hex, cut short: some payloads are hundreds of bytes.
            failures.push(format!(
                "{opts}  on {}{}: suricata {want}, got {got}",
                &hex[..hex.len().min(48)],
                if hex.len() > 48 { "..." } else { "" }
            ));
        }
    }
    println!("differential: {checked} checked, {skipped} skipped (unsupported keyword)");
    // Every keyword in the files is implemented: a parser change that refused cases would
    // otherwise pass silently.
    assert!(
        checked >= min && skipped == 0,
        "only {checked} cases checked ({skipped} skipped)"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
