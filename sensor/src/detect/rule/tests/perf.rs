//! A large generated rule set loads whole. How fast is a benchmark (`cargo bench -p
//! sensor-benches --bench rules`: this file only checks what loads, a timing check here
//! would only run in release builds, which tests are not).

use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

use super::*;

fn generated_rules(n: usize) -> String {
    let mut s = String::with_capacity(n * 160);
    for i in 0..n {
        let sid = 1_000_000 + i;
        let dom = format!("host{i}.example{}.org", i % 97);
        let line = match i % 5 {
            0 => format!(r#"alert dns $HOME_NET any -> any any (msg:"DNS {dom}"; dns.query; content:"{dom}"; nocase; classtype:trojan-activity; sid:{sid}; rev:1;)"#),
            1 => format!(r#"alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"SNI {dom}"; flow:established,to_server; tls.sni; content:"{dom}"; endswith; sid:{sid}; rev:1;)"#),
            2 => format!(r#"alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"Host {dom}"; flow:to_server; http.host; content:"{dom}"; sid:{sid}; rev:1;)"#),
            3 => format!(
                "alert ip $HOME_NET any -> [{}.{}.{}.0/24,!{}.{}.{}.7] any (msg:\"IP\"; threshold:type limit,track by_src,count 1,seconds 60; sid:{sid}; rev:1;)",
                11 + i % 200, (i / 200) % 250, i % 250, 11 + i % 200, (i / 200) % 250, i % 250
            ),
            _ => format!(r#"alert tls any any -> any any (msg:"JA3"; ja3.hash; content:"{:032x}"; sid:{sid}; rev:1;)"#, i as u128 * 0x9e37_79b9_7f4a_7c15),
        };
        let _ = writeln!(s, "{line}");
    }
    s
}

#[test]
fn loads_20000_generated_rules() {
    let text = generated_rules(20_000);
    let t = Instant::now();
    let (rules, errors) = parse_rules(&text, Path::new("gen.rules"), &Vars::default());
    let elapsed = t.elapsed();
    println!(
        "loaded {} rules in {:?} ({} errors)",
        rules.len(),
        elapsed,
        errors.len()
    );
    assert!(errors.is_empty(), "{:?}", errors.first());
    assert_eq!(rules.len(), 20_000);
    assert!(rules.iter().filter(|r| r.fast_pattern.is_some()).count() == 16_000);
}
