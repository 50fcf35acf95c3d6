//! Property tests: no input makes the parser or `inspect` panic.

use std::path::Path;

use proptest::prelude::*;

use super::*;

const PIECES: &[&str] = &[
    "alert",
    "tcp",
    "http",
    "any",
    "->",
    "<>",
    "$HOME_NET",
    "[1.1.1.1,!2.2.2.0/24]",
    "!80",
    "1:1024",
    "(",
    ")",
    ";",
    ":",
    "\"",
    "\\",
    "|",
    "content:\"a|00|b\"",
    "content:!\"x\"",
    "nocase",
    "depth:3",
    "offset:2",
    "distance:-1",
    "within:4",
    "startswith",
    "endswith",
    "fast_pattern",
    "fast_pattern:1,2",
    "pcre:\"/a(b)\\1[^c]*$/smiR\"",
    "pcre:\"/(?<=x)\"",
    "http.uri",
    "http_uri",
    "pkt_data",
    "dsize:<5",
    "flags:S,CE",
    "flow:established",
    "sid:1",
    "rev:2",
    "threshold:type limit",
    "flowbits:isset,a|b",
    "dataset:isset,d,type string",
    " ",
    "\n",
    "\\\n",
    "#",
    "[",
    "]",
    "{",
    "}",
    "?",
    "*",
    "+",
];

fn rule_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parser_never_panics_on_arbitrary_text(s in ".{0,300}") {
        let _ = parse_rules(&s, Path::new("p.rules"), &Vars::default());
        let _ = parse_rule(&s, &Vars::default());
    }

    #[test]
    fn parser_never_panics_on_rule_like_text(s in rule_like()) {
        let _ = parse_rules(&s, Path::new("p.rules"), &Vars::default());
        let _ = parse_rule(&format!("alert tcp any any -> any any ({s})"), &Vars::default());
    }

    #[test]
    fn pcre_never_panics(re in ".{0,40}", flags in "[ismxAEGRUIHMCPQSYVWZBO]{0,4}", hay in prop::collection::vec(any::<u8>(), 0..64), start in 0usize..70) {
        if let Ok(p) = Pcre::parse(&format!("/{re}/{flags}"), 0) {
            let _ = p.find(&hay, start);
        }
    }

    #[test]
    fn inspect_never_panics(
        buf in prop::collection::vec(prop::sample::select(b"ab\n\x00".to_vec()), 0..64),
        opts in prop::sample::select(vec![
            r#"content:"a"; content:"b"; distance:0; within:1;"#,
            r#"content:"b"; content:"a"; distance:-5; within:2;"#,
            r#"content:"a"; offset:3; depth:2; content:!"b"; distance:0; within:1;"#,
            r#"content:"ab"; endswith; content:"a"; distance:-2147483647; within:2147483647;"#,
            r#"content:"a"; content:"a"; distance:2147483647;"#,
            r#"pcre:"/a+/"; content:"b"; distance:0; within:1; pcre:"/^\n/R";"#,
            r#"content:"a"; nocase; pcre:!"/b$/R"; content:"a"; distance:0;"#,
            r#"content:"a"; startswith; endswith;"#,
            r#"content:!"a"; endswith; content:"b"; within:1;"#,
        ]),
    ) {
        let r = payload_rule(opts);
        let _ = inspect(&buf, r.matchers(Buffer::Payload).unwrap_or(&[]));
    }
}
