//! `inspect` against Suricata 7.0.10's verdicts on the same payloads.
//!
//! `testdata/inspect_cases.tsv` holds `payload-hex <TAB> rule options <TAB> 0|1`: each rule
//! was loaded as `alert udp any any -> any any (<options> sid:N;)` and run by Suricata over a
//! capture with one UDP packet per payload; 1 means Suricata alerted.

use super::*;

#[test]
fn inspect_agrees_with_suricata() {
    let data = include_str!("../testdata/inspect_cases.tsv");
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
            failures.push(format!(
                "{opts}  on {:?}: suricata {want}, got {got}",
                String::from_utf8_lossy(&payload)
            ));
        }
    }
    println!("differential: {checked} checked, {skipped} skipped (unsupported keyword)");
    // The file holds 1,600 cases; every keyword in them is implemented now. A parser change
    // that refused cases would otherwise pass silently.
    assert!(
        checked >= 1600 && skipped == 0,
        "only {checked} cases checked ({skipped} skipped)"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
