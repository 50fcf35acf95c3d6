//! Unit tests per option form; expectations checked against Suricata 7.0.10 (`suricata -T`,
//! `--engine-analysis`, and alerts on crafted captures).

use std::net::IpAddr;
use std::path::Path;

use super::*;
use crate::app::AppProto;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn addr(s: &str) -> AddressSet {
    AddressSet::parse(s, &Vars::default()).unwrap()
}

fn ports(s: &str) -> PortSet {
    PortSet::parse(s, &Vars::default()).unwrap()
}

fn is_syntax(e: ErrorKind) -> bool {
    matches!(e, ErrorKind::Syntax { .. })
}

fn content_of(r: &Rule, b: Buffer, i: usize) -> &Content {
    match &r.matchers(b).unwrap()[i] {
        Matcher::Content(c) => c,
        other => panic!("not a content: {other:?}"),
    }
}

// ---- header ----

#[test]
fn actions_and_inline_flag() {
    let r = rule("alert tcp any any -> any any (sid:1;)");
    assert_eq!(r.header.action, Action::Alert);
    assert_eq!(r.header.inline_action, None);
    for (a, ia) in [
        ("drop", InlineAction::Drop),
        ("reject", InlineAction::Reject),
        ("rejectsrc", InlineAction::RejectSrc),
        ("rejectdst", InlineAction::RejectDst),
        ("rejectboth", InlineAction::RejectBoth),
    ] {
        let r = rule(&format!("{a} tcp any any -> any any (sid:1;)"));
        assert_eq!(r.header.action, Action::Alert);
        assert_eq!(r.header.inline_action, Some(ia));
    }
    assert_eq!(
        rule("pass ip any any -> any any (sid:1;)").header.action,
        Action::Pass
    );
    assert_eq!(
        rule("ALERT TCP any any -> any any (sid:1;)")
            .header
            .protocol,
        Protocol::Tcp
    );
    assert!(is_syntax(rule_err("log tcp any any -> any any (sid:1;)")));
}

#[test]
fn protocols() {
    for (p, want) in [
        ("ip", Protocol::Ip),
        ("tcp", Protocol::Tcp),
        ("udp", Protocol::Udp),
        ("icmp", Protocol::Icmp),
        ("icmpv6", Protocol::Icmpv6),
        ("http", Protocol::App(AppProto::Http)),
        ("tls", Protocol::App(AppProto::Tls)),
        ("dns", Protocol::App(AppProto::Dns)),
        ("tcp-pkt", Protocol::TcpPkt),
        ("tcp-stream", Protocol::TcpStream),
        ("ipv4", Protocol::IpVersion(4)),
        ("ip4", Protocol::IpVersion(4)),
        ("ipv6", Protocol::IpVersion(6)),
        ("IP6", Protocol::IpVersion(6)),
    ] {
        let r = rule(&format!("alert {p} any any -> any any (sid:1;)"));
        assert_eq!(r.header.protocol, want);
    }
    assert_eq!(
        rule_err("alert sctp any any -> any any (sid:1;)"),
        ErrorKind::unsupported("protocol sctp")
    );
}

#[test]
fn directions() {
    assert_eq!(
        rule("alert tcp any any <> any any (sid:1;)")
            .header
            .direction,
        Direction::Both
    );
    assert!(is_syntax(rule_err("alert tcp any any <- any any (sid:1;)")));
    assert!(is_syntax(rule_err(
        "alert tcp any any -> any any extra (sid:1;)"
    )));
}

#[test]
fn addresses() {
    let a = addr("1.2.3.4");
    assert!(a.contains(ip("1.2.3.4")) && !a.contains(ip("1.2.3.5")));
    let a = addr("1.2.3.4/24");
    assert!(a.contains(ip("1.2.3.0")) && a.contains(ip("1.2.3.255")) && !a.contains(ip("1.2.4.0")));
    let a = addr("1.2.3.0/255.255.255.0");
    assert!(a.contains(ip("1.2.3.77")) && !a.contains(ip("1.2.2.1")));
    let a = addr("1.2.3.4-1.2.3.10");
    assert!(a.contains(ip("1.2.3.10")) && !a.contains(ip("1.2.3.11")));
    let a = addr("!1.1.1.1");
    assert!(!a.contains(ip("1.1.1.1")) && a.contains(ip("1.1.1.2")) && a.contains(ip("::1")));
    let a = addr("[1.0.0.0/8,![1.1.0.0/16,!1.1.1.0/24]]");
    assert!(a.contains(ip("1.2.0.1")) && !a.contains(ip("1.1.2.1")) && a.contains(ip("1.1.1.9")));
    let a = addr("[1.1.1.1, 2.2.2.2]");
    assert!(a.contains(ip("2.2.2.2")));
    let a = addr("[!1.1.1.1]");
    assert!(!a.contains(ip("1.1.1.1")) && a.contains(ip("9.9.9.9")));
    let a = addr("![1.1.1.1,2.2.2.2]");
    assert!(!a.contains(ip("2.2.2.2")) && a.contains(ip("3.3.3.3")));
    let a = addr("[2001:db8::/32,!2001:db8::1]");
    assert!(
        a.contains(ip("2001:db8::2"))
            && !a.contains(ip("2001:db8::1"))
            && !a.contains(ip("1.1.1.1"))
    );
    let a = addr("[1.1.1.1,[2.2.2.2,3.3.3.3]]");
    assert!(a.contains(ip("3.3.3.3")));
    assert!(addr("0.0.0.0/0").v4.is_full());
    assert!(addr("any").is_any());
    // Normalized: sorted, merged.
    let a = addr("[10.0.0.2,10.0.0.1,10.0.0.3,192.168.0.0/16]");
    assert_eq!(a.v4.ranges().len(), 2);
    for bad in [
        "!any",
        "[1.1.1.1,!1.1.1.1]",
        "[]",
        "1.1.1.1/33",
        "1.1.1",
        "$FOO",
    ] {
        assert!(AddressSet::parse(bad, &Vars::default()).is_err(), "{bad}");
    }
}

#[test]
fn variables() {
    let home = addr("$HOME_NET");
    assert!(home.contains(ip("10.1.2.3")) && home.contains(ip("172.31.0.1")));
    assert!(!home.contains(ip("8.8.8.8")));
    let ext = addr("$EXTERNAL_NET");
    assert!(ext.contains(ip("8.8.8.8")) && !ext.contains(ip("192.168.1.1")));
    assert!(addr("$HTTP_SERVERS").contains(ip("10.0.0.1")));
    assert!(addr("$AIM_SERVERS").contains(ip("8.8.8.8")));
    assert!(!addr("[$HOME_NET,!192.168.1.1]").contains(ip("192.168.1.1")));
    assert!(ports("$HTTP_PORTS").contains(80));
    let sc = ports("$SHELLCODE_PORTS");
    assert!(!sc.contains(80) && sc.contains(81));
    let fd = ports("$FILE_DATA_PORTS");
    assert!(fd.contains(80) && fd.contains(110) && fd.contains(143) && !fd.contains(25));
    assert!(ports("$ORACLE_PORTS").contains(1521));
    assert!(ports("$SSH_PORTS").contains(22));
    assert!(ports("$FTP_PORTS").contains(21));
    assert!(ports("$DNP3_PORTS").contains(20000));
    assert!(ports("$MODBUS_PORTS").contains(502));
    // Address groups are not port groups.
    assert!(PortSet::parse("$HOME_NET", &Vars::default()).is_err());
    let mut v = Vars::default();
    v.set_address("A", "$B");
    v.set_address("B", "$A");
    assert!(AddressSet::parse("$A", &v).is_err());
}

#[test]
fn port_forms() {
    assert!(ports("80").contains(80) && !ports("80").contains(81));
    let p = ports("1:1024");
    assert!(p.contains(1) && p.contains(1024) && !p.contains(1025) && !p.contains(0));
    assert!(ports(":1024").contains(0) && !ports(":1024").contains(1025));
    assert!(ports("1024:").contains(65535) && !ports("1024:").contains(1023));
    let p = ports("[80:90,!85]");
    assert!(p.contains(84) && !p.contains(85) && p.contains(86));
    assert!(!ports("!80").contains(80));
    assert!(!ports("![80,443]").contains(443));
    assert!(ports("[80,[81,82]]").contains(82));
    assert!(ports("!:1024").contains(1025) && !ports("!:1024").contains(5));
    assert!(ports("[!80,!81]").contains(82));
    for bad in ["65536", "90:80", "!any", "[80,!80]", "[1:2,!1:2]", "x"] {
        assert!(PortSet::parse(bad, &Vars::default()).is_err(), "{bad}");
    }
}

// ---- general options ----

#[test]
fn meta_options() {
    let r = rule(
        r#"alert tcp any any -> any any (msg:"a\"b\;c\\d"; gid:2; sid:7; rev:3; classtype:Trojan-Activity; priority:1; reference:url,example.com; reference:cve,2020-1234; metadata:created_at 2018-01-30, tag tag1; metadata:e;)"#,
    );
    assert_eq!(r.msg, "a\"b;c\\d");
    assert_eq!((r.gid, r.sid, r.rev), (2, 7, 3));
    assert_eq!(r.classtype.as_deref(), Some("trojan-activity"));
    assert_eq!(r.priority, Some(1));
    assert_eq!(r.references.len(), 2);
    assert_eq!(r.references[1].kind, "cve");
    assert_eq!(
        r.metadata,
        vec![
            ("created_at".into(), "2018-01-30".into()),
            ("tag".into(), "tag1".into()),
            ("e".into(), "".into())
        ]
    );
    assert_eq!(rule("alert tcp any any -> any any (sid:1;)").gid, 1);
    for bad in [
        "(msg:\"x\";)",
        "(sid:0;)",
        "(sid:abc;)",
        "(sid:1; sid:2;)",
        "(msg:\"x\"; msg:\"y\"; sid:1;)",
        "(msg:x y; sid:1;)",
        "(sid:1; rev:0;)",
        "(reference:url; sid:1;)",
        "(sid:1",
        "(sid:1; nocase;)",
    ] {
        let e = rule_err(&format!("alert tcp any any -> any any {bad}"));
        assert!(is_syntax(e), "{bad}");
    }
}

#[test]
fn unsupported_keywords_are_named() {
    for (opts, kw) in [
        (
            "content:\"a\"; ftp.reply_received:yes;",
            "ftp.reply_received (a Suricata 8 keyword (7.0.10 does not have it))",
        ),
        (
            "http.uri; from_base64; content:\"a\";",
            "from_base64 (the from_base64 transform is not implemented)",
        ),
        ("ja3s_hash; content:\"x\";", "ja3s_hash"),
        ("lua:x.lua;", "lua (Lua scripts are not run)"),
        ("flow:only_frag;", "flow:only_frag"),
        ("pcre:\"/(?R)/\";", "pcre recursion or subroutine call"),
        ("pcre:\"/\\p{L}/\";", "pcre \\p / \\P property"),
    ] {
        let e = rule_err(&format!("alert tcp any any -> any any ({opts} sid:1;)"));
        assert_eq!(e, ErrorKind::unsupported(kw), "{opts}");
    }
}

// ---- content ----

#[test]
fn content_patterns() {
    let r = payload_rule(r#"content:"a|0d 0a|b|00|\"\;\\\:";"#);
    assert_eq!(
        content_of(&r, Buffer::Payload, 0).pattern,
        b"a\r\nb\0\";\\:"
    );
    let r = payload_rule(r#"content:"|4142|";"#);
    assert_eq!(content_of(&r, Buffer::Payload, 0).pattern, b"AB");
    let r = payload_rule(r#"content: ! "abc";"#);
    assert!(content_of(&r, Buffer::Payload, 0).negated);
    for bad in [
        r#"content:"a\nb";"#,
        r#"content:"a"b";"#,
        "content:abc;",
        r#"content:"";"#,
        r#"content:"|414|";"#,
        r#"content:"|41 4G|";"#,
        r#"content:"|41";"#,
    ] {
        assert!(
            is_syntax(rule_err(&format!(
                "alert tcp any any -> any any ({bad} sid:1;)"
            ))),
            "{bad}"
        );
    }
}

#[test]
fn content_modifiers() {
    let r = payload_rule(
        r#"content:"abc"; nocase; offset:2; depth:3; content:"d"; distance:-2; within:4; content:"e"; endswith; fast_pattern;"#,
    );
    let a = content_of(&r, Buffer::Payload, 0);
    assert!(a.nocase);
    assert_eq!(
        (a.offset, a.depth),
        (2, Some(5)),
        "depth is stored as offset + depth"
    );
    let d = content_of(&r, Buffer::Payload, 1);
    assert_eq!((d.distance, d.within), (Some(-2), Some(4)));
    let e = content_of(&r, Buffer::Payload, 2);
    assert!(e.endswith && e.fast_pattern == Some(FastPatternOpt::Yes));
    let r = payload_rule(r#"content:"abc"; depth:3; offset:2;"#);
    assert_eq!(content_of(&r, Buffer::Payload, 0).depth, Some(5));
    let r = payload_rule(r#"content:"abc"; startswith;"#);
    assert_eq!(content_of(&r, Buffer::Payload, 0).depth, Some(3));
    let r = payload_rule(r#"content:"abcdef"; fast_pattern:1,3;"#);
    assert_eq!(r.fast_pattern.as_ref().unwrap().pattern, b"bcd");
    let r = payload_rule(r#"content:"abc"; fast_pattern:only;"#);
    assert!(r.fast_pattern.unwrap().explicit);
    let r = payload_rule(r#"content:"abc"; rawbytes;"#);
    assert_eq!(r.matchers(Buffer::Payload).unwrap().len(), 1);
    // Errors Suricata makes too.
    for bad in [
        r#"content:"abc"; nocase; nocase;"#,
        r#"nocase; content:"abc";"#,
        r#"content:"abc"; depth:3; depth:4;"#,
        r#"content:"abc"; content:"d"; distance:0; offset:2;"#,
        r#"content:"abc"; content:"d"; within:5; depth:5;"#,
        r#"content:"abc"; content:"d"; within:-2;"#,
        r#"content:"abc"; startswith; offset:1;"#,
        r#"content:"abc"; startswith; depth:5;"#,
        r#"content:"abc"; content:"d"; distance:0; startswith;"#,
        r#"content:!"abc"; fast_pattern:only;"#,
        r#"content:"abc"; fast_pattern:only; content:"d"; distance:0;"#,
        r#"content:"abc"; fast_pattern; content:"d"; fast_pattern;"#,
        r#"content:"abcdef"; fast_pattern:4,3;"#,
        r#"content:"abc"; http_uri; rawbytes;"#,
        r#"content:"abc"; offset:-1;"#,
        r#"content:"abc"; depth:0;"#,
        r#"content:"abc"; depth:70000;"#,
        r#"content:"abc"; depth:2;"#,
        r#"content:"x"; content:"abc"; within:2; distance:1;"#,
        r#"content:"abc"; depth:3; startswith;"#,
    ] {
        let e = rule_err(&format!("alert http any any -> any any ({bad} sid:1;)"));
        assert!(is_syntax(e), "{bad}");
    }
}

#[test]
fn sticky_buffers_and_legacy_modifiers() {
    let r = rule(
        r#"alert http any any -> any any (http.uri; content:"a"; pkt_data; content:"b"; sid:1;)"#,
    );
    assert_eq!(content_of(&r, Buffer::HttpUri, 0).pattern, b"a");
    assert_eq!(content_of(&r, Buffer::Payload, 0).pattern, b"b");
    let r = rule(
        r#"alert tcp any any -> any any (content:"x"; http_user_agent; content:"y"; http_uri; content:"z"; http_user_agent; distance:0; sid:1;)"#,
    );
    assert_eq!(r.matchers(Buffer::HttpUserAgent).unwrap().len(), 2);
    assert_eq!(r.app_proto, Some(AppProto::Http));
    let r = rule(r#"alert tcp any any -> any any (uricontent:"abc"; nocase; sid:1;)"#);
    assert!(content_of(&r, Buffer::HttpUri, 0).nocase);
    for (kw, buf) in [
        ("http.uri", Buffer::HttpUri),
        ("http.uri.raw", Buffer::HttpUriRaw),
        ("http.host", Buffer::HttpHost),
        ("http.host.raw", Buffer::HttpHostRaw),
        ("http.method", Buffer::HttpMethod),
        ("http.user_agent", Buffer::HttpUserAgent),
        ("http.header", Buffer::HttpHeader),
        ("http.cookie", Buffer::HttpCookie),
        ("http.request_body", Buffer::HttpRequestBody),
        ("http.stat_code", Buffer::HttpStatCode),
        ("http.stat_msg", Buffer::HttpStatMsg),
        ("http.content_type", Buffer::HttpContentType),
        ("http.response_body", Buffer::FileData),
        ("file.data", Buffer::FileData),
        ("file_data", Buffer::FileData),
        ("dns.query", Buffer::DnsQuery),
        ("dns_query", Buffer::DnsQuery),
        ("tls.sni", Buffer::TlsSni),
        ("tls_sni", Buffer::TlsSni),
        ("tls.cert_subject", Buffer::TlsCertSubject),
        ("tls_cert_subject", Buffer::TlsCertSubject),
        ("ja3.hash", Buffer::Ja3Hash),
        ("ja3_hash", Buffer::Ja3Hash),
        ("ja3.string", Buffer::Ja3String),
        ("ja3_string", Buffer::Ja3String),
        ("ja3s.hash", Buffer::Ja3sHash),
        ("ja4.hash", Buffer::Ja4Hash),
    ] {
        let r = rule(&format!(
            "alert tcp any any -> any any ({kw}; content:\"x\"; sid:1;)"
        ));
        assert!(r.matchers(buf).is_some(), "{kw}");
    }
    for (kw, buf) in [
        ("http_uri", Buffer::HttpUri),
        ("http_raw_uri", Buffer::HttpUriRaw),
        ("http_host", Buffer::HttpHost),
        ("http_raw_host", Buffer::HttpHostRaw),
        ("http_method", Buffer::HttpMethod),
        ("http_user_agent", Buffer::HttpUserAgent),
        ("http_header", Buffer::HttpHeader),
        ("http_cookie", Buffer::HttpCookie),
        ("http_client_body", Buffer::HttpRequestBody),
        ("http_stat_code", Buffer::HttpStatCode),
        ("http_stat_msg", Buffer::HttpStatMsg),
        ("http_server_body", Buffer::FileData),
    ] {
        let r = rule(&format!(
            "alert tcp any any -> any any (content:\"x\"; {kw}; sid:1;)"
        ));
        assert!(r.matchers(buf).is_some(), "{kw}");
        assert!(r.matchers(Buffer::Payload).is_none(), "{kw}");
    }
    for bad in [
        r#"http.uri; content:"abc"; http_uri;"#,
        r#"content:"abc"; http_uri; http_uri;"#,
        r#"http.uri;"#,
        r#"http.uri; pkt_data;"#,
        r#"http.uri; http.host; content:"x";"#,
        r#"content:"ABC"; http_host;"#,
        r#"http.host; content:"ABC";"#,
        r#"http.host; content:"a"; nocase;"#,
        r#"dns.query; content:"x"; http.uri; content:"y";"#,
    ] {
        let e = rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)"));
        assert!(is_syntax(e), "{bad}");
    }
    assert!(is_syntax(rule_err(
        r#"alert tls any any -> any any (http.uri; content:"x"; sid:1;)"#
    )));
}

// ---- pcre ----

#[test]
fn pcre_forms() {
    let r = payload_rule(r#"pcre:"/a\/b/smi";"#);
    let Matcher::Pcre(p) = &r.matchers(Buffer::Payload).unwrap()[0] else {
        panic!()
    };
    assert_eq!(p.pattern, "a\\/b");
    assert_eq!(p.modifiers, "smi");
    let r = payload_rule(r#"pcre:!"/b/";"#);
    let Matcher::Pcre(p) = &r.matchers(Buffer::Payload).unwrap()[0] else {
        panic!()
    };
    assert!(p.negated);
    // Inside the quotes a `!` is skipped by Suricata's parse expression: not a negation.
    let r = payload_rule(r#"pcre:"!/b/";"#);
    let Matcher::Pcre(p) = &r.matchers(Buffer::Payload).unwrap()[0] else {
        panic!()
    };
    assert!(!p.negated);
    let r = payload_rule("pcre:/b/i;");
    assert!(r.matchers(Buffer::Payload).is_some());
    for (flag, buf) in [
        ("U", Buffer::HttpUri),
        ("I", Buffer::HttpUriRaw),
        ("H", Buffer::HttpHeader),
        ("M", Buffer::HttpMethod),
        ("C", Buffer::HttpCookie),
        ("P", Buffer::HttpRequestBody),
        ("Q", Buffer::FileData),
        ("S", Buffer::HttpStatCode),
        ("Y", Buffer::HttpStatMsg),
        ("V", Buffer::HttpUserAgent),
        ("W", Buffer::HttpHost),
        ("Z", Buffer::HttpHostRaw),
    ] {
        let r = rule(&format!(
            "alert tcp any any -> any any (pcre:\"/x/{flag}\"; sid:1;)"
        ));
        assert!(r.matchers(buf).is_some(), "{flag}");
    }
    let r = rule(r#"alert http any any -> any any (content:"a"; http_uri; pcre:"/b/UR"; sid:1;)"#);
    assert_eq!(r.matchers(Buffer::HttpUri).unwrap().len(), 2);
    for ok in [
        "pcre:\"/b/O\";",
        "pcre:\"/b/B\";",
        "http.uri; pcre:\"/abc/R\";",
        "pcre:\"/a/b/\";",
        "pcre:\"/a{,3}/\";",
        "pcre:\"/a/Wi\";",
    ] {
        rule(&format!("alert http any any -> any any ({ok} sid:1;)"));
    }
    for bad in [
        "pcre:\"/abc/R\";",
        "content:\"a\"; http_uri; pcre:\"/b/R\";",
        "content:\"a\"; pcre:\"/b/UR\";",
        "http.uri; pcre:\"/b/H\";",
        "pcre:\"/b/UH\";",
        "pcre:\"/b/UB\";",
        "pcre:\"/b/z\";",
        "pcre:\"/b\";",
        "pcre:\"/(a/\";",
        "pcre:\"/a/ \";",
        "pcre:\"/A/W\";",
        "pcre:\"/a**/\";",
        "pcre:\"/[b-a]/\";",
        "pcre:\"/\\i/\";",
    ] {
        let e = rule_err(&format!("alert http any any -> any any ({bad} sid:1;)"));
        assert!(matches!(e, ErrorKind::Syntax { .. }), "{bad}: {e:?}");
    }
}

fn pcre_find(re: &str, hay: &[u8]) -> Option<(usize, usize)> {
    let p = Pcre::parse(re, 0).unwrap();
    p.find(hay, 0)
}

#[test]
fn pcre_semantics() {
    // PCRE `$` also matches before a final newline; `E` turns that off.
    assert_eq!(pcre_find("/d$/", b"abcd\n"), Some((3, 4)));
    assert_eq!(pcre_find("/d$/E", b"abcd\n"), None);
    assert_eq!(pcre_find("/d\\Z/", b"abcd\n"), Some((3, 4)));
    assert_eq!(pcre_find("/d\\z/", b"abcd\n"), None);
    // Multi-line `^` does not match after the final newline.
    assert_eq!(pcre_find("/^$/m", b"a\n"), None);
    assert_eq!(pcre_find("/^b/m", b"a\nb"), Some((2, 3)));
    // Bytes, not UTF-8.
    assert_eq!(pcre_find("/\\xff./", b"\xff\xfe"), Some((0, 2)));
    assert_eq!(pcre_find("/[^a]/", b"a\x80"), Some((1, 2)));
    // `\h`/`\v` are PCRE's horizontal/vertical space, not hex digits.
    assert_eq!(pcre_find("/\\h/", b"ab c"), Some((2, 3)));
    assert_eq!(pcre_find("/\\v/", b"ab\rc"), Some((2, 3)));
    // Case folding is ASCII only, classes included.
    assert_eq!(pcre_find("/[a-c]+/i", b"xABCx"), Some((1, 4)));
    assert_eq!(pcre_find("/[^a]/i", b"aA b"), Some((2, 3)));
    // PCRE class syntax that other dialects read differently.
    assert_eq!(pcre_find("/[[]/", b"a[b"), Some((1, 2)));
    assert_eq!(pcre_find("/[a&&b]+/", b"x&&y"), Some((1, 3)));
    assert_eq!(pcre_find("/[]a]/", b"x]"), Some((1, 2)));
    assert_eq!(pcre_find("/a{/", b"a{"), Some((0, 2)));
    assert_eq!(pcre_find("/a{,2}/", b"a{,2}"), Some((0, 5)));
    assert_eq!(pcre_find("/[[:digit:]]+/", b"ab12"), Some((2, 4)));
    // Extended mode keeps whitespace inside classes.
    assert_eq!(pcre_find("/a [ ] b # comment\n/x", b"xa b"), Some((1, 4)));
    // Ungreedy and lazy.
    assert_eq!(pcre_find("/a.*b/G", b"aabab"), Some((0, 3)));
    assert_eq!(pcre_find("/a.*?b/G", b"aabab"), Some((0, 5)));
    // Look-around, back-references, atomic and possessive go to the backtracking engine.
    assert_eq!(pcre_find("/(?<=x)b/", b"ab xb"), Some((4, 5)));
    assert_eq!(pcre_find("/(\\w)\\1/", b"abccd"), Some((2, 4)));
    assert_eq!(pcre_find("/(?<n>\\w)\\k<n>/", b"abbc"), Some((1, 3)));
    assert_eq!(pcre_find("/a(?>bc|b)c/", b"abc"), None);
    assert_eq!(pcre_find("/a++a/", b"aaa"), None);
    assert_eq!(pcre_find("/\\Qa.b\\E+/", b"a.bbb"), Some((0, 5)));
    assert_eq!(
        pcre_find("/\\101\\x41\\x{41}\\o{101}\\cA/", b"AAAA\x01"),
        Some((0, 5))
    );
    // Anchored at the start position.
    let p = Pcre::parse("/b/A", 0).unwrap();
    assert_eq!(p.find(b"ab", 0), None);
    assert_eq!(p.find(b"ab", 1), Some((1, 2)));
    // `^` does not match at a later start position.
    let p = Pcre::parse("/^b/", 0).unwrap();
    assert_eq!(p.find(b"ab", 1), None);
    // Inline options are scoped to their group.
    assert_eq!(pcre_find("/(?i:a)B/", b"Ab AB"), Some((3, 5)));
    assert_eq!(pcre_find("/a(?i)b|c/", b"C"), Some((0, 1)));
}

// ---- inspect: Suricata's documented examples and backtracking ----

#[test]
fn inspect_distance_within_depth_offset() {
    // Backtracking: the first "a" has no "b" right after it, the second does.
    assert!(!matches(
        r#"content:"a"; content:"b"; distance:0; within:1;"#,
        b"a a b"
    ));
    assert!(matches(
        r#"content:"a"; content:"b"; distance:0; within:1;"#,
        b"a ab"
    ));
    assert!(matches(
        r#"content:"a"; content:"b"; distance:1; within:1;"#,
        b"a a b"
    ));
    assert!(matches(
        r#"content:"one"; content:"two"; distance:1; within:3; content:"three"; distance:1; within:5;"#,
        b"one one two three"
    ));
    // depth counts from offset.
    assert!(matches(r#"content:"b"; offset:1; depth:1;"#, b"ab"));
    assert!(!matches(r#"content:"b"; offset:2; depth:1;"#, b"ab"));
    assert!(matches(r#"content:"cd"; offset:2; depth:2;"#, b"abcd"));
    assert!(!matches(r#"content:"cd"; depth:3;"#, b"abcd"));
    // Negative distance looks back.
    assert!(matches(
        r#"content:"b"; content:"a"; distance:-2; within:1;"#,
        b"ab"
    ));
    // A relative first content is relative to the buffer start.
    assert!(matches(r#"content:"b"; distance:1;"#, b"ab"));
    assert!(!matches(r#"content:"a"; distance:1;"#, b"ab"));
    // startswith / endswith.
    assert!(matches(r#"content:"ab"; startswith;"#, b"abc"));
    assert!(!matches(r#"content:"bc"; startswith;"#, b"abc"));
    assert!(matches(r#"content:"bc"; endswith;"#, b"abcbc"));
    assert!(!matches(r#"content:"ab"; endswith;"#, b"abc"));
    // A relative endswith.
    assert!(matches(
        r#"content:"a"; content:"c"; distance:0; endswith;"#,
        b"abcac"
    ));
}

#[test]
fn inspect_negation_nocase_hex() {
    assert!(matches(r#"content:!"x";"#, b"abc"));
    assert!(!matches(r#"content:!"b";"#, b"abc"));
    // A negated relative content only checks its window.
    assert!(matches(
        r#"content:"a"; content:!"b"; distance:0; within:1;"#,
        b"acb"
    ));
    assert!(!matches(
        r#"content:"a"; content:!"c"; distance:0; within:1;"#,
        b"acb"
    ));
    // ... and retries earlier contents (Suricata 7.0.10 does this for distance alone too).
    assert!(matches(
        r#"content:"foo"; content:!"bar"; distance:1;"#,
        b"foo bar foo"
    ));
    assert!(matches(r#"content:"ABC"; nocase;"#, b"xxabcxx"));
    assert!(!matches(r#"content:"ABC";"#, b"xxabcxx"));
    assert!(matches(r#"content:"|00 ff|A|0d0a|";"#, b"\x00\xffA\r\n"));
    assert!(matches(r#"content:"|00 FF|a"; nocase;"#, b"\x00\xffA"));
}

#[test]
fn inspect_pcre_relative() {
    assert!(matches(
        r#"content:"hello"; pcre:"/^ world/R";"#,
        b"hello world"
    ));
    assert!(!matches(
        r#"content:"hello"; pcre:"/^world/R";"#,
        b"hello world"
    ));
    // pcre retries from one byte after its previous match start.
    assert!(matches(
        r#"pcre:"/a/"; content:"b"; distance:0; within:1;"#,
        b"a ab"
    ));
    assert!(matches(r#"content:"ab"; pcre:"/c/R";"#, b"xabc"));
    assert!(matches(r#"pcre:!"/zzz/";"#, b"abc"));
}

#[test]
fn inspect_recursion_is_bounded() {
    // Many candidate positions, each failing late: must stop at the limit.
    let buf = vec![b'a'; 20_000];
    let r = payload_rule(
        r#"content:"a"; content:"a"; distance:0; within:1; content:"b"; distance:0; within:1;"#,
    );
    let list = r.matchers(Buffer::Payload).unwrap();
    assert!(!inspect(&buf, list));
    assert!(!inspect_with_limit(&buf[..200], list, 0));
}

// ---- numeric and header-field keywords ----

#[test]
fn numeric_forms() {
    let cmp = |s: &str| NumCmp::parse(s, u16::MAX as u64).unwrap();
    assert!(cmp("5").matches(5) && !cmp("5").matches(4));
    assert!(cmp("=5").matches(5));
    assert!(cmp("<5").matches(4) && !cmp("<5").matches(5));
    assert!(cmp("<=5").matches(5));
    assert!(cmp(">5").matches(6) && !cmp(">5").matches(5));
    assert!(cmp(">=5").matches(5));
    assert!(cmp("!5").matches(4) && !cmp("!5").matches(5));
    assert!(cmp("!=5").matches(6));
    assert!(cmp("1<>5").matches(2) && !cmp("1<>5").matches(1) && !cmp("1<>5").matches(5));
    assert!(cmp("1-5").matches(4));
    assert!(cmp("1 <> 5").matches(3));
    assert!(cmp("1kb").matches(1024));
    for bad in [
        "1<>2", "!1-5", "0x10", ">65535", "<0", "5<>1", "-5", "5-", "abc",
    ] {
        assert!(NumCmp::parse(bad, u16::MAX as u64).is_err(), "{bad}");
    }
    let r = rule("alert tcp any any -> any any (dsize:>65000; sid:1;)");
    assert!(r.dsize.unwrap().matches(65001));
    let r = rule("alert icmp any any -> any any (itype:7<>20; icode:>2; sid:1;)");
    assert!(r.itype.unwrap().matches(8) && !r.itype.unwrap().matches(20));
    assert!(r.icode.unwrap().matches(3));
    assert!(is_syntax(rule_err(
        "alert icmp any any -> any any (itype:256; sid:1;)"
    )));
    let r = rule("alert ip any any -> any any (ttl:3-5; sid:1;)");
    assert!(r.ttl.unwrap().matches(4));
    let r = rule("alert http any any -> any any (urilen:<5,raw; sid:1;)");
    let u = r.urilen.unwrap();
    assert!(u.raw && u.matches(4) && !u.matches(5));
    let r = rule("alert http any any -> any any (urilen:5<>10,norm; sid:1;)");
    assert!(!r.urilen.unwrap().raw && r.urilen.unwrap().matches(6));
    assert!(r.urilen.unwrap().matches(6));
    assert!(Urilen::parse(">5").unwrap().matches(70000));
}

#[test]
fn ip_proto_forms() {
    for (s, v, want) in [
        ("6", 6, true),
        ("tcp", 6, true),
        ("TCP", 6, true),
        ("!6", 6, false),
        ("!tcp", 17, true),
        ("<6", 5, true),
        (">6", 6, false),
        ("ipv6-icmp", 58, true),
    ] {
        let r = rule(&format!(
            "alert ip any any -> any any (ip_proto:{s}; sid:1;)"
        ));
        assert_eq!(r.ip_proto.unwrap().matches(v), want, "{s}");
    }
    assert!(is_syntax(rule_err(
        "alert tcp any any -> any any (ip_proto:6; sid:1;)"
    )));
    assert!(is_syntax(rule_err(
        "alert ip any any -> any any (ip_proto:256; sid:1;)"
    )));
}

#[test]
fn tcp_flag_forms() {
    type T = crate::decode::TcpHeader;
    let f = |s: &str| TcpFlags::parse(s).unwrap();
    assert!(f("S").matches(T::SYN) && !f("S").matches(T::SYN | T::ACK));
    assert!(f("SA").matches(T::SYN | T::ACK));
    assert!(f("S,CE").matches(T::SYN | T::CWR | T::ECE));
    assert!(f("+S").matches(T::SYN | T::ACK) && !f("+S").matches(T::ACK));
    assert!(f("*SA").matches(T::ACK) && !f("*SA").matches(T::FIN));
    assert!(f("!S").matches(T::ACK) && !f("!S").matches(T::SYN));
    assert!(f("S+").matches(T::SYN | T::PSH));
    assert!(f("A!").matches(T::SYN) && !f("A!").matches(T::ACK));
    assert!(f("12").matches(T::CWR | T::ECE));
    assert!(f("0").matches(0) && !f("0").matches(T::ACK));
    assert!(f("SA,12").matches(T::SYN | T::ACK | T::CWR));
    assert!(f("U,SA").matches(T::URG | T::SYN));
    assert!(TcpFlags::parse("fin").is_err());
    let r = rule("alert tcp 66.155.11.238 any -> any any (flags:SA; sid:1; rev:1;)");
    assert!(r.flags.unwrap().matches(T::SYN | T::ACK));
}

// ---- flow, thresholds, flowbits, datasets ----

#[test]
fn flow_forms() {
    let r = rule("alert tcp any any -> any any (flow:from_server, established; sid:1;)");
    let fl = r.flow.unwrap();
    assert_eq!(fl.state, Some(FlowState::Established));
    assert_eq!(fl.direction, Some(FlowDirection::ToClient));
    for (s, f) in [
        (
            "established",
            Flow {
                state: Some(FlowState::Established),
                ..Flow::default()
            },
        ),
        (
            "not_established",
            Flow {
                state: Some(FlowState::NotEstablished),
                ..Flow::default()
            },
        ),
        (
            "stateless",
            Flow {
                state: Some(FlowState::Stateless),
                ..Flow::default()
            },
        ),
        (
            "to_server",
            Flow {
                direction: Some(FlowDirection::ToServer),
                ..Flow::default()
            },
        ),
        (
            "from_client",
            Flow {
                direction: Some(FlowDirection::ToServer),
                ..Flow::default()
            },
        ),
        (
            "to_client",
            Flow {
                direction: Some(FlowDirection::ToClient),
                ..Flow::default()
            },
        ),
        (
            "only_stream",
            Flow {
                stream: Some(StreamMode::OnlyStream),
                ..Flow::default()
            },
        ),
        (
            "no_stream",
            Flow {
                stream: Some(StreamMode::NoStream),
                ..Flow::default()
            },
        ),
    ] {
        assert_eq!(Flow::parse(s).unwrap(), f, "{s}");
    }
    for bad in [
        "flow:established,to_server; flow:to_client;",
        "flow:to_server,to_client;",
        "flow:established,not_established;",
        "flow:only_stream,no_stream;",
        "flow:foo;",
    ] {
        assert!(
            is_syntax(rule_err(&format!(
                "alert tcp any any -> any any ({bad} sid:1;)"
            ))),
            "{bad}"
        );
    }
}

#[test]
fn threshold_forms() {
    let r = rule("alert tcp any any -> any any (threshold: type limit, track by_src, count 1, seconds 60; sid:1;)");
    let t = r.threshold.unwrap();
    assert_eq!(
        (t.kind, t.track, t.count, t.seconds),
        (Some(ThresholdType::Limit), Track::BySrc, 1, 60)
    );
    let r = rule("alert tcp any any -> any any (threshold:type both,track by_both,count 1,seconds 60; sid:1;)");
    assert_eq!(r.threshold.unwrap().track, Track::ByBoth);
    let r = rule("alert ip any any -> 8.8.8.8 any (threshold: type limit, track by_rule, count 5, seconds 300; sid:1;)");
    assert_eq!(r.threshold.unwrap().track, Track::ByRule);
    // `by_flow` is Suricata 8's; its meaning (one counter per flow) is implemented.
    let r = rule("alert tcp any any -> any any (threshold: type limit, track by_flow, count 1, seconds 60; sid:1;)");
    assert_eq!(r.threshold.unwrap().track, Track::ByFlow);
    let r = rule(
        "alert tcp any any -> any any (detection_filter:track by_dst, count 5, seconds 60; sid:1;)",
    );
    let d = r.detection_filter.unwrap();
    assert_eq!((d.kind, d.track, d.count), (None, Track::ByDst, 5));
    for bad in [
        "detection_filter:track by_rule, count 5, seconds 60;",
        "threshold:type limit,track by_rule,count 1;",
        "threshold:type limit,track by_src,count 1,seconds 60; threshold:type limit,track by_src,count 1,seconds 60;",
        "threshold:type backoff, track by_flow, count 1, multiplier 2;",
    ] {
        assert!(is_syntax(rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)"))), "{bad}");
    }
}

#[test]
fn flowbits_forms() {
    let r = rule("alert tcp any any -> any any (flowbits:isset,a|b; flowbits:set,c&d; flowbits:noalert; sid:1;)");
    assert_eq!(
        r.flowbits[0],
        Flowbit {
            cmd: FlowbitCmd::IsSet,
            names: vec!["a".into(), "b".into()],
            any: true
        }
    );
    assert_eq!(
        r.flowbits[1],
        Flowbit {
            cmd: FlowbitCmd::Set,
            names: vec!["c".into(), "d".into()],
            any: false
        }
    );
    assert!(r.noalert);
    for cmd in ["isnotset,x", "unset,x", "toggle,x", "isset,a&b"] {
        rule(&format!(
            "alert tcp any any -> any any (flowbits:{cmd}; sid:1;)"
        ));
    }
    for bad in [
        "flowbits:noalert,x;",
        "flowbits:isset;",
        "flowbits:set,a b;",
        "flowbits:foo,x;",
    ] {
        assert!(
            is_syntax(rule_err(&format!(
                "alert tcp any any -> any any ({bad} sid:1;)"
            ))),
            "{bad}"
        );
    }
}

#[test]
fn dataset_forms() {
    let r = rule("alert dns any any -> any any (dns.query; dataset:isset,ds1,type string,load ds1.lst; sid:1;)");
    let d = &r.datasets[0];
    assert_eq!(d.buffer, Buffer::DnsQuery);
    assert_eq!(
        (d.dataset.cmd, d.dataset.kind),
        (DatasetCmd::IsSet, DatasetType::String)
    );
    assert_eq!(d.dataset.load.as_deref(), Some("ds1.lst"));
    let r = rule(
        "alert dns any any -> any any (dns.query; dataset:set,ds3,type md5,state ds3.lst; sid:1;)",
    );
    assert_eq!(r.datasets[0].dataset.state.as_deref(), Some("ds3.lst"));
    let r = rule("alert dns any any -> any any (dns.query; dataset:isnotset,ds4,type sha256,save ds4.lst,memcap 10mb,hashsize 1024; sid:1;)");
    assert_eq!(r.datasets[0].dataset.save.as_deref(), Some("ds4.lst"));
    for t in ["ipv4", "ipv6", "ip"] {
        rule(&format!(
            "alert dns any any -> any any (dns.query; dataset:unset,d,type {t}; sid:1;)"
        ));
    }
    for bad in [
        "dataset:isset,ds1,type string;",
        "dns.query; dataset:isset,ds2;",
        "dns.query; dataset:isset,ds8,type foo;",
    ] {
        assert!(
            is_syntax(rule_err(&format!(
                "alert dns any any -> any any ({bad} sid:1;)"
            ))),
            "{bad}"
        );
    }
}

// ---- fast pattern (checked with `suricata --engine-analysis`) ----

#[test]
fn fast_pattern_choice() {
    let fp = |r: &str| rule(r).fast_pattern.unwrap();
    let f = fp(
        r#"alert http any any -> any any (content:"GET"; http_method; content:"verylongpayloadcontent"; sid:1;)"#,
    );
    assert_eq!(
        (f.buffer, f.pattern.as_slice()),
        (Buffer::Payload, &b"verylongpayloadcontent"[..])
    );
    let f = fp(
        r#"alert http any any -> any any (content:"/a"; http_uri; content:"verylongpayloadcontent"; sid:1;)"#,
    );
    assert_eq!(f.buffer, Buffer::HttpUri);
    let f = fp(
        r#"alert http any any -> any any (content:"200"; http_stat_code; content:"verylongpayloadcontent"; sid:1;)"#,
    );
    assert_eq!(f.buffer, Buffer::Payload);
    let f = fp(
        r#"alert http any any -> any any (content:"OK"; http_stat_msg; content:"verylongpayloadcontent"; sid:1;)"#,
    );
    assert_eq!(f.buffer, Buffer::HttpStatMsg);
    let f = fp(
        r#"alert dns any any -> any any (dns.query; content:"x"; pkt_data; content:"verylongpayloadcontent"; sid:1;)"#,
    );
    assert_eq!(f.buffer, Buffer::DnsQuery);
    let f = fp(r#"alert tcp any any -> any any (content:"aaaa"; content:"abcd"; sid:1;)"#);
    assert_eq!(f.pattern, b"abcd");
    let f = fp(r#"alert tcp any any -> any any (content:"abcd"; content:"aaaa"; sid:1;)"#);
    assert_eq!(f.pattern, b"abcd");
    let f = fp(r#"alert tcp any any -> any any (content:!"abcdefg"; content:"ab"; sid:1;)"#);
    assert_eq!(f.pattern, b"ab");
    let f = fp(r#"alert tcp any any -> any any (content:!"abcdefg"; content:!"ab"; sid:1;)"#);
    assert!(f.negated && f.pattern == b"abcdefg");
    let f = fp(
        r#"alert http any any -> any any (content:"GET"; http_method; content:"x"; http_uri; sid:1;)"#,
    );
    assert_eq!(f.buffer, Buffer::HttpUri);
    let f = fp(
        r#"alert http any any -> any any (content:"GETTTTTTT"; http_method; content:"Mozilla"; http_user_agent; content:"xx"; http_header; sid:1;)"#,
    );
    assert_eq!(
        (f.buffer, f.pattern.as_slice()),
        (Buffer::HttpUserAgent, &b"Mozilla"[..])
    );
    let f =
        fp(r#"alert tcp any any -> any any (content:"short"; content:"x"; fast_pattern; sid:1;)"#);
    assert!(f.explicit && f.pattern == b"x");
    let f = fp(r#"alert tcp any any -> any any (content:"ABC"; nocase; sid:1;)"#);
    assert!(f.nocase);
    assert!(rule("alert tcp any any -> any any (pcre:\"/x/\"; sid:1;)")
        .fast_pattern
        .is_none());
    assert_eq!(pattern_strength(b"abcd"), 12);
    assert_eq!(pattern_strength(b"aaaa"), 6);
    assert_eq!(pattern_strength(b"\x00\x02"), 10);
}

#[test]
fn ip_only_class() {
    // Checked with `--engine-analysis` ("Rule is ip only").
    for r in [
        "alert tcp 1.1.1.1 80 -> any any (sid:1;)",
        "alert tcp 1.1.1.1 any -> any any (flowbits:set,x; sid:1;)",
        "alert tcp 1.1.1.1 any -> any any (threshold:type limit,track by_src,count 1,seconds 60; sid:1;)",
        "alert ip 1.1.1.1 any -> any any (ip_proto:6; sid:1;)",
        "alert tcp any any -> any any (metadata:a b; msg:\"x\"; classtype:bad-unknown; reference:url,x; priority:1; sid:1;)",
    ] {
        assert!(rule(r).ip_only, "{r}");
    }
    for r in [
        "alert tcp 1.1.1.1 any -> any any (flowbits:isset,x; sid:1;)",
        "alert ip 1.1.1.1 any -> any any (ttl:5; sid:1;)",
        "alert ip 1.1.1.1 any -> any any (flow:to_server; sid:1;)",
        "alert tcp any any -> any any (dsize:5; sid:1;)",
        "alert tcp any any -> any any (content:\"x\"; sid:1;)",
        "alert http any any -> any any (sid:1;)",
    ] {
        assert!(!rule(r).ip_only, "{r}");
    }
}

// ---- loader ----

#[test]
fn loader_lines_comments_continuations() {
    let text = "# comment\n\
        #alert tcp any any -> any any (sid:9;)\n\
        \n\
        alert dns any any -> any 53 ( \\\n\
        msg:\"multi\"; \\\n      content:\"x\"; \\\n\
        sid:2; rev:1;)\n\
        \x20alert tcp any any -> any any (sid:8;)\n\
        alert tcp any any -> any any (content:\"a\"; lua:x.lua; sid:3;)\r\n\
        alert tcp any any -> any any (sid:4; rev:1;)\n\
        alert tcp any any -> any any (sid:4; rev:3;)\n\
        alert tcp any any -> any any (sid:4; rev:2;)\n\
        alert tcp any any -> any any (sid:5; rev:2;)\n\
        alert tcp any any -> any any (sid:5; rev:2;)\n\
        alert tcp any any -> any any (content:\"unterminated\"; sid:6;\n";
    let (rules, errors) = parse_rules(text, Path::new("x.rules"), &Vars::default());
    let sids: Vec<(u32, u32)> = rules.iter().map(|r| (r.sid, r.rev)).collect();
    assert_eq!(sids, vec![(2, 1), (4, 3), (5, 2)]);
    assert_eq!(rules[0].msg, "multi");
    assert_eq!(rules[0].line, 4);
    let errs: Vec<(usize, Option<u32>, &ErrorKind)> =
        errors.iter().map(|e| (e.line, e.sid, &e.kind)).collect();
    assert_eq!(
        errs[0],
        (
            9,
            Some(3),
            &ErrorKind::unsupported("lua (Lua scripts are not run)")
        )
    );
    assert!(matches!(
        errs[1],
        (10, Some(4), ErrorKind::DuplicateSid { kept_rev: 3, .. })
    ));
    assert!(matches!(
        errs[2],
        (12, Some(4), ErrorKind::DuplicateSid { kept_rev: 3, .. })
    ));
    assert!(matches!(
        errs[3],
        (14, Some(5), ErrorKind::DuplicateSid { kept_rev: 2, .. })
    ));
    assert!(matches!(errs[4], (15, Some(6), ErrorKind::Syntax { .. })));
    assert_eq!(errors.len(), 5);
    assert_eq!(errors[0].file, Path::new("x.rules"));
    assert!(errors[0].to_string().contains("x.rules:9 sid 3"));
}

// ---- classification ----

#[test]
fn classification_config() {
    let c = Classifications::builtin();
    assert!(c.len() >= 40);
    assert_eq!(c.priority("trojan-activity"), Some(1));
    assert_eq!(
        c.description("bad-unknown"),
        Some("Potentially Bad Traffic")
    );
    assert_eq!(c.priority("not-suspicious"), Some(3));
    assert_eq!(c.rule_priority(Some("trojan-activity"), Some(3)), 3);
    assert_eq!(c.rule_priority(Some("trojan-activity"), None), 1);
    assert_eq!(c.rule_priority(None, None), 3);
    let c = Classifications::parse(
        "# x\nconfig classification: foo,Foo Things, 2\nconfig classification: bad\n",
    );
    assert_eq!(c.len(), 1);
    assert_eq!(c.get("FOO").unwrap().priority, 2);
}
