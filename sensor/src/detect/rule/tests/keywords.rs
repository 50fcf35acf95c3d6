//! The keywords added for ET Open: `bsize`, `isdataat`, `byte_test`, `byte_jump`,
//! `byte_extract`, transforms, `target`, `tls.version`, `xbits`, `noalert`, the new buffers
//! and rule protocols. Each case is written against Suricata 7's documented meaning.

use super::*;
use crate::app::AppProto;

fn on(buffer: Buffer, opts: &str, buf: &[u8]) -> bool {
    let r = rule(&format!("alert http any any -> any any ({opts} sid:1;)"));
    let l = r
        .buffers
        .iter()
        .find(|b| b.buffer == buffer)
        .expect("buffer list");
    let mut scratch = Default::default();
    let view = l.transforms.apply(buf, &mut scratch).to_vec();
    inspect(&view, &l.matchers)
}

// ---- bsize ----

#[test]
fn bsize_compares_the_whole_buffer_length() {
    let uri = |opts: &str, b: &[u8]| on(Buffer::HttpUri, &format!("http.uri; {opts}"), b);
    assert!(uri("content:\"/a\"; bsize:2;", b"/a"));
    assert!(!uri("content:\"/a\"; bsize:2;", b"/ab"));
    assert!(uri("bsize:<3; content:\"/\";", b"/a"));
    assert!(!uri("bsize:<3; content:\"/\";", b"/ab"));
    assert!(uri("content:\"/\"; bsize:>2;", b"/ab"));
    assert!(uri("content:\"/\"; bsize:>=3;", b"/ab"));
    assert!(!uri("content:\"/\"; bsize:<=2;", b"/ab"));
    // Ranges are exclusive at both ends.
    assert!(uri("content:\"/\"; bsize:1<>4;", b"/ab"));
    assert!(!uri("content:\"/\"; bsize:1<>3;", b"/ab"));
    assert!(uri("content:\"/\"; bsize:!2;", b"/ab"));
}

#[test]
fn bsize_errors() {
    // Needs a sticky buffer; one per buffer; a content that cannot fit is refused.
    assert!(matches!(
        rule_err("alert tcp any any -> any any (content:\"a\"; bsize:1; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    assert!(matches!(
        rule_err(
            "alert http any any -> any any (http.uri; content:\"a\"; bsize:1; bsize:2; sid:1;)"
        ),
        ErrorKind::Syntax { .. }
    ));
    let e = rule_err("alert http any any -> any any (http.uri; content:\"abcd\"; bsize:3; sid:1;)");
    assert!(e.to_string().contains("bsize"), "{e}");
    assert!(matches!(
        rule_err("alert http any any -> any any (http.uri; content:\"a\"; bsize:x; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
}

// ---- isdataat ----

#[test]
fn isdataat_absolute_relative_negated() {
    assert!(matches("content:\"a\"; isdataat:3;", b"abcd"));
    assert!(!matches("content:\"a\"; isdataat:4;", b"abcd"));
    // Relative: that many bytes after the previous match.
    assert!(matches("content:\"a\"; isdataat:3,relative;", b"abcd"));
    assert!(!matches("content:\"a\"; isdataat:4,relative;", b"abcd"));
    assert!(matches("content:\"d\"; isdataat:!1,relative;", b"abcd"));
    assert!(!matches("content:\"c\"; isdataat:!1,relative;", b"abcd"));
    // A failed relative test makes the content retry at its next occurrence.
    assert!(matches("content:\"a\"; isdataat:!2,relative;", b"a---a-"));
    assert!(!matches("content:\"a\"; isdataat:!2,relative;", b"a---a--"));
    assert!(matches(
        "content:\"a\"; isdataat:1,relative,rawbytes;",
        b"ab"
    ));
    assert!(matches!(
        rule_err("alert tcp any any -> any any (content:\"a\"; isdataat:1,foo; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
}

// ---- byte_test ----

#[test]
fn byte_test_operators_and_forms() {
    let p = b"\x00\x10ab\x01\x02";
    assert!(matches("content:\"ab\"; byte_test:2,=,16,0;", p));
    assert!(matches("content:\"ab\"; byte_test:2,>,15,0;", p));
    assert!(!matches("content:\"ab\"; byte_test:2,>,16,0;", p));
    assert!(matches("content:\"ab\"; byte_test:2,<=,16,0;", p));
    assert!(matches("content:\"ab\"; byte_test:2,!=,17,0;", p));
    assert!(matches("content:\"ab\"; byte_test:2,!,17,0;", p));
    assert!(matches("content:\"ab\"; byte_test:2,&,0x10,0;", p));
    assert!(!matches("content:\"ab\"; byte_test:2,&,0x01,0;", p));
    assert!(matches("content:\"ab\"; byte_test:2,^,0x11,0;", p));
    // Relative to the content end, little endian.
    assert!(matches(
        "content:\"ab\"; byte_test:2,=,0x0201,0,relative,little;",
        p
    ));
    assert!(matches("content:\"ab\"; byte_test:1,=,2,1,relative;", p));
    // Out of the buffer: no match.
    assert!(!matches("content:\"ab\"; byte_test:2,>,0,1,relative;", p));
    // Bitmask: masked, then shifted right by the mask's trailing zeros.
    assert!(matches(
        "content:\"ab\"; byte_test:1,=,1,1,bitmask 0x10;",
        p
    ));
}

#[test]
fn byte_test_strings() {
    assert!(matches(
        "content:\"len=\"; byte_test:3,=,123,0,relative,string,dec;",
        b"len=123;"
    ));
    assert!(matches(
        "content:\"x\"; byte_test:2,=,0x1f,0,relative,string,hex;",
        b"x1f"
    ));
    assert!(matches(
        "content:\"x\"; byte_test:2,=,8,0,relative,string,oct;",
        b"x10"
    ));
    // Digits up to the first non-digit; none at all is no match.
    assert!(matches(
        "content:\"x\"; byte_test:3,=,7,0,relative,string,dec;",
        b"x7;;"
    ));
    assert!(!matches(
        "content:\"x\"; byte_test:3,<,1000,0,relative,string,dec;",
        b"x;;;"
    ));
    // `0` bytes with `string`: the number runs to the end (ET uses it on http.content_len).
    assert!(on(
        Buffer::HttpContentLen,
        "http.content_len; byte_test:0,=,0,0,string,dec;",
        b"0"
    ));
    assert!(!on(
        Buffer::HttpContentLen,
        "http.content_len; byte_test:0,=,0,0,string,dec;",
        b"10"
    ));
}

#[test]
fn byte_test_errors() {
    for opts in [
        "content:\"a\"; byte_test:9,=,1,0;",
        "content:\"a\"; byte_test:2,~,1,0;",
        "content:\"a\"; byte_test:2,=,1;",
        "content:\"a\"; byte_test:2,=,1,0,hex;",
        "content:\"a\"; byte_test:2,=,1,-1;",
        "content:\"a\"; byte_test:2,=,novar,0;",
        "content:\"a\"; byte_test:2,=,1,0,string,little;",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({opts} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{opts}"
        );
    }
}

// ---- byte_jump ----

#[test]
fn byte_jump_moves_the_inspection_point() {
    // Length 3 at the start, skip it, then `Z` must follow.
    assert!(matches(
        "byte_jump:1,0; content:\"Z\"; within:1;",
        b"\x03abcZ"
    ));
    assert!(!matches(
        "byte_jump:1,0; content:\"Z\"; within:1;",
        b"\x02abcZ"
    ));
    // Multiplier, post_offset, from_beginning.
    assert!(matches(
        "byte_jump:1,0,multiplier 2; content:\"Z\"; within:1;",
        b"\x02abcdZ"
    ));
    assert!(matches(
        "byte_jump:1,0,post_offset -1; content:\"cZ\"; within:2;",
        b"\x03abcZ"
    ));
    assert!(matches(
        "byte_jump:1,0,from_beginning; content:\"b\"; within:1;",
        b"\x02abcZ"
    ));
    // Align rounds the jump up to a multiple of 4.
    assert!(matches(
        "byte_jump:1,0,align; content:\"Z\"; within:1;",
        b"\x02abcdZ"
    ));
    assert!(!matches(
        "byte_jump:1,0; content:\"Z\"; within:1;",
        b"\x02abcdZ"
    ));
    // Jumping past the end fails, exactly to the end does not (Suricata 7.0.10); isdataat
    // after the jump sees the rest.
    assert!(!matches("byte_jump:1,0;", b"\x05abcZ"));
    assert!(matches("byte_jump:1,0; isdataat:!1,relative;", b"\x04abcZ"));
    assert!(matches("byte_jump:1,0; isdataat:!2,relative;", b"\x03abcZ"));
    // A jump before the start lands at the start.
    assert!(matches(
        "byte_jump:1,0,from_beginning,post_offset -5; isdataat:3,relative;",
        b"\x01abcd"
    ));
    // Relative to a content, and as a string.
    assert!(matches(
        "content:\"L\"; byte_jump:2,0,relative,string,dec; content:\"!\"; within:1;",
        b"L03abc!"
    ));
    // from_end with a negative post_offset lands before the end.
    assert!(matches(
        "byte_jump:1,0,from_end,post_offset -2; content:\"yz\"; within:2;",
        b"\x00wxyz"
    ));
}

#[test]
fn byte_jump_errors() {
    for opts in [
        "byte_jump:9,0;",
        "byte_jump:1;",
        "byte_jump:1,0,from_beginning,from_end;",
        "byte_jump:1,0,multiplier 0;",
        "byte_jump:1,0,bogus;",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({opts} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{opts}"
        );
    }
}

// ---- byte_extract ----

#[test]
fn byte_extract_variables_feed_later_keywords() {
    // ET's pattern: a length, then a content within that many bytes.
    let opts = "content:\"S\"; byte_extract:1,0,len,relative; content:\"X\"; within:len;";
    assert!(matches(opts, b"S\x03abX"));
    assert!(!matches(opts, b"S\x02abX"));
    // Used as a distance.
    let opts =
        "content:\"S\"; byte_extract:1,0,skip,relative; content:\"X\"; distance:skip; within:1;";
    assert!(matches(opts, b"S\x02abX"));
    assert!(!matches(opts, b"S\x01abX"));
    // Used as a byte_test value, with a multiplier.
    let opts = "byte_extract:1,0,v,multiplier 2; byte_test:1,=,v,1;";
    assert!(matches(opts, b"\x02\x04"));
    assert!(!matches(opts, b"\x02\x02"));
    // Negative offset with relative, little endian.
    let opts = "content:\"ABCD\"; byte_extract:2,-2,v,relative,little; byte_test:2,=,v,4,little;";
    assert!(matches(opts, b"ABCDCD"));
    assert!(!matches(opts, b"ABCDDC"));
    // As an isdataat offset.
    assert!(matches("byte_extract:1,0,n; isdataat:n;", b"\x02ab"));
    assert!(!matches("byte_extract:1,0,n; isdataat:n;", b"\x03ab"));
}

#[test]
fn byte_extract_errors() {
    assert!(matches!(
        rule_err("alert tcp any any -> any any (byte_extract:1,0; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    assert!(matches!(
        rule_err("alert tcp any any -> any any (byte_extract:1,0,1bad; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    // A variable of another buffer is refused with a reason, not misread.
    assert!(matches!(
        rule_err("alert http any any -> any any (byte_extract:1,0,v; http.uri; content:\"a\"; byte_test:1,=,v,0; sid:1;)"),
        ErrorKind::Unsupported { .. }
    ));
}

// ---- byte_math ----

#[test]
fn byte_math_computes_into_a_variable() {
    // Each operator, the result tested by byte_test (the value after the read byte).
    for (oper, first, want) in [
        ("+", 5u8, 7u8),
        ("-", 5, 3),
        ("*", 5, 10),
        ("/", 8, 4),
        ("<<", 3, 12),
        (">>", 12, 3),
    ] {
        let opts = format!(
            "byte_math:bytes 1, offset 0, oper {oper}, rvalue 2, result r; byte_test:1,=,r,1;"
        );
        assert!(matches(&opts, &[first, want]), "{oper}");
        assert!(!matches(&opts, &[first, want + 1]), "{oper}");
    }
    // rvalue and the byte count from byte_extract; the position moves past the bytes read
    // (`relative` byte_test after it); little endian, bitmask after the operation.
    let opts = "byte_extract:1,0,n; byte_math:bytes n, offset 1, oper +, rvalue n, result r, \
                endian little; byte_test:1,=,r,0,relative;";
    assert!(matches(opts, b"\x02\x01\x00\x03"));
    assert!(!matches(opts, b"\x02\x01\x01\x03"));
    let opts =
        "byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, bitmask 0xf0; byte_test:1,=,r,1;";
    assert!(matches(opts, b"\x1f\x02"));
    // A string number.
    let opts =
        "byte_math:bytes 2, offset 0, oper *, rvalue 3, result r, string dec; byte_test:1,=,r,2;";
    assert!(matches(opts, b"12\x24"));
    // Division by zero, or bytes past the buffer: no match.
    assert!(!matches(
        "byte_extract:1,0,z; byte_math:bytes 1, offset 1, oper /, rvalue z, result r;",
        b"\x00\x08"
    ));
    assert!(!matches(
        "byte_math:bytes 4, offset 0, oper +, rvalue 1, result r;",
        b"abc"
    ));
    assert!(!matches(
        "content:\"a\"; byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, relative;",
        b"a"
    ));
}

/// A variable set in one packet-header buffer is read by a later one (Suricata's
/// detect-bytemath-01 shape); other buffers still refuse it.
#[test]
fn byte_variables_carry_across_header_buffers() {
    let r = rule(
        "alert tcp any any -> any any (ipv4.hdr; byte_math:bytes 1, offset 1, oper <<, rvalue 2, result r; \
         tcp.hdr; byte_test:1,=,r,1; sid:1;)",
    );
    assert_eq!(r.buffers.len(), 2);
    let mut vars = [0u64; MAX_BYTE_VARS];
    assert!(inspect_vars(b"\x45\x22", &r.buffers[0].matchers, &mut vars));
    assert_eq!(vars[0], 0x88);
    assert!(inspect_vars(b"\x00\x88", &r.buffers[1].matchers, &mut vars));
    assert!(!inspect_vars(
        b"\x00\x89",
        &r.buffers[1].matchers,
        &mut vars
    ));
    // Used before it is set: refused.
    assert!(matches!(
        rule_err("alert tcp any any -> any any (tcp.hdr; content:\"a\"; ipv4.hdr; byte_extract:1,0,v; tcp.hdr; byte_test:1,=,v,0; sid:1;)"),
        ErrorKind::Unsupported { .. }
    ));
}

#[test]
fn byte_math_errors() {
    for bad in [
        "byte_math:bytes 11, offset 0, oper +, rvalue 1, result r;",
        "byte_math:bytes 1, offset 70000, oper +, rvalue 1, result r;",
        "byte_math:bytes 1, offset 0, oper &, rvalue 1, result r;",
        "byte_math:bytes 1, offset 0, oper +, result r;",
        "byte_math:bytes 1, offset 0, oper +, rvalue nosuch, result r;",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{bad}"
        );
    }
    let r = rule("alert tcp any any -> any any (dce_stub_data; byte_math:bytes 1, offset 0, oper +, rvalue 1, result r, endian dce; sid:1;)");
    assert_eq!(r.app_proto, Some(AppProto::Dcerpc));
}

// ---- pcre capture targets ----

/// `/re/flags, flow:a,flow:b` names where captures go (Suricata 7); the match is unchanged.
#[test]
fn pcre_capture_targets_are_accepted() {
    let opts = "pcre:\"/^(.*)\\/(\\d+\\.\\d+)/, flow:key,flow:value\";";
    assert!(matches(opts, b"Mozilla/5.0"));
    assert!(!matches(opts, b"Mozilla 5.0"));
    assert!(matches("pcre:\"/moz/i, pkt:x\";", b"MOZ"));
    assert!(matches!(
        rule_err("alert udp any any -> any any (pcre:\"/a/, bogus\"; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
}

// ---- ipopts ----

/// `ipopts` names one IPv4 option; the header's options are walked as Suricata's decoder
/// walks them (a malformed list has none). Not an IP-only keyword.
#[test]
fn ipopts_options_of_the_header() {
    let hdr = |opts: &[u8]| {
        let mut h = vec![0x45u8; 20];
        h[0] = 0x40 | (5 + opts.len() / 4) as u8;
        h.extend_from_slice(opts);
        h
    };
    let esec = IpOpts::parse("esec").unwrap();
    // The case of Suricata's ipopts-esec: ESEC (133) of length 3, then EOL.
    assert!(esec.matches(&hdr(&[0x85, 3, 0, 0])));
    assert!(IpOpts::parse("eol")
        .unwrap()
        .matches(&hdr(&[0x85, 3, 0, 0])));
    assert!(!IpOpts::parse("rr").unwrap().matches(&hdr(&[0x85, 3, 0, 0])));
    assert!(IpOpts::parse("any").unwrap().matches(&hdr(&[1, 1, 1, 1])));
    assert!(!IpOpts::parse("any").unwrap().matches(&hdr(&[])));
    // NOPs, then a record-route; a length past the header or below 2 is malformed.
    assert!(IpOpts::parse("rr")
        .unwrap()
        .matches(&hdr(&[1, 7, 7, 4, 0, 0, 0, 0])));
    assert!(!esec.matches(&hdr(&[0x85, 9, 0, 0])));
    assert!(!IpOpts::parse("nop")
        .unwrap()
        .matches(&hdr(&[1, 0x85, 1, 0])));
    assert!(IpOpts::parse("satid")
        .unwrap()
        .matches(&hdr(&[136, 4, 0, 1])));
    assert!(matches!(
        rule_err("alert ip any any -> any any (ipopts:bogus; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    let r = rule("alert ip any any -> any any (ipopts:esec; sid:1;)");
    assert!(!r.ip_only);
    assert_eq!(r.ipopts, Some(esec));
}

// ---- transforms ----

#[test]
fn dotprefix_matches_domain_and_subdomains_only() {
    let opts = "dns.query; dotprefix; content:\".evil.com\"; endswith;";
    let r = rule(&format!("alert dns any any -> any any ({opts} sid:1;)"));
    assert_eq!(r.buffers.len(), 1);
    assert!(!r.buffers[0].transforms.is_empty());
    let fp = r.fast_pattern.as_ref().unwrap();
    assert_eq!(fp.buffer, Buffer::DnsQuery);
    assert_eq!(fp.transforms, r.buffers[0].transforms);
    let check = |q: &[u8]| {
        let mut s = Default::default();
        inspect(
            r.buffers[0].transforms.apply(q, &mut s),
            &r.buffers[0].matchers,
        )
    };
    assert!(check(b"evil.com"));
    assert!(check(b"a.b.evil.com"));
    assert!(!check(b"notevil.com"));
    assert!(!check(b"evil.com.org"));
}

#[test]
fn transform_after_matchers_applies_to_the_matchers_after_it() {
    // As Suricata 7.0.10 does (measured with `dns.query; content:"bortz"; startswith;
    // dotprefix; content:".bortz"; startswith;`, which matches): the earlier content is
    // inspected on the buffer as it was, the later one on the transformed buffer.
    let r = rule("alert dns any any -> any any (dns.query; content:\"rs-\"; startswith; dotprefix; content:\".x.com\"; endswith; sid:1;)");
    assert_eq!(r.buffers.len(), 2);
    let plain = r.buffers.iter().find(|l| l.transforms.is_empty()).unwrap();
    let dotted = r.buffers.iter().find(|l| !l.transforms.is_empty()).unwrap();
    assert_eq!((plain.matchers.len(), dotted.matchers.len()), (1, 1));
    let mut s = Default::default();
    assert!(inspect(b"rs-a.x.com", &plain.matchers));
    assert!(!inspect(
        dotted.transforms.apply(b"rs-a.x.org", &mut s),
        &dotted.matchers
    ));
    assert!(!inspect(b".rs-a.x.com", &plain.matchers));
    assert!(matches!(
        rule_err("alert tcp any any -> any any (dotprefix; content:\"a\"; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    let r = rule("alert http any any -> any any (http.uri; strip_whitespace; to_lowercase; content:\"/ab\"; sid:1;)");
    let mut s = Default::default();
    assert!(inspect(
        r.buffers[0].transforms.apply(b"/ A\tB", &mut s),
        &r.buffers[0].matchers
    ));
}

// ---- other keywords ----

#[test]
fn target_tls_version_noalert_xbits() {
    let r = rule("alert tls any any -> any any (tls.certs; content:\"x\"; target:src_ip; target:dest_ip; sid:1;)");
    assert_eq!(r.target, Some(Target::DestIp));
    assert!(matches!(
        rule_err("alert tcp any any -> any any (target:both; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    let r = rule("alert tls any any -> any any (flow:to_client; tls.version:1.2; sid:1;)");
    assert_eq!(r.tls_version, Some(0x0303));
    assert_eq!(r.app_proto, Some(AppProto::Tls));
    let r = rule("alert tcp any any -> any any (content:\"a\"; noalert; sid:1;)");
    assert!(r.noalert);
    let r = rule("alert http any any -> any any (http.uri; content:\"a\"; xbits:set,ET.x,track ip_pair,expire 60; sid:1;)");
    assert_eq!(
        r.xbits[0],
        Xbit {
            cmd: XbitCmd::Set,
            name: "ET.x".into(),
            track: XbitTrack::IpPair,
            expire: 60
        }
    );
    assert!(!r.ip_only);
    assert!(matches!(
        rule_err("alert tcp any any -> any any (xbits:set,x; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
}

#[test]
fn new_buffers_and_protocols() {
    for kw in [
        "http.header_names",
        "http.start",
        "http.referer",
        "http.accept",
        "http.accept_enc",
        "http.accept_lang",
        "http.connection",
        "http.content_len",
        "http.server",
        "http.location",
    ] {
        let r = rule(&format!(
            "alert http any any -> any any ({kw}; content:\"a\"; sid:1;)"
        ));
        assert_eq!(r.buffers[0].buffer.name(), kw);
        assert_eq!(r.app_proto, Some(AppProto::Http));
    }
    for kw in ["tls.certs", "tls.cert_issuer", "tls.cert_serial"] {
        let r = rule(&format!(
            "alert tls any any -> any any ({kw}; content:\"a\"; sid:1;)"
        ));
        assert_eq!(r.app_proto, Some(AppProto::Tls));
    }
    for (p, want) in [
        ("smtp", Protocol::App(AppProto::Smtp)),
        ("ftp", Protocol::App(AppProto::Ftp)),
        ("smb", Protocol::App(AppProto::Smb)),
        ("ssh", Protocol::App(AppProto::Ssh)),
        ("http1", Protocol::App(AppProto::Http)),
    ] {
        let r = rule(&format!(
            "alert {p} any any -> any any (content:\"a\"; sid:1;)"
        ));
        assert_eq!(r.header.protocol, want);
    }
    // `file.data` on smtp is an attachment (D27); HTTP's buffers on smtp are refused.
    rule("alert smtp any any -> any any (file.data; content:\"a\"; sid:1;)");
    assert!(matches!(
        rule_err("alert smtp any any -> any any (http.uri; content:\"a\"; sid:1;)"),
        ErrorKind::Unsupported { .. }
    ));
}

/// `\-` inside a class is a literal dash (ET writes `[A-Z0-9_\-.]`), not a range `_-.`.
#[test]
fn pcre_escaped_dash_in_class() {
    assert!(matches(r#"pcre:"/^[A-Z0-9_\-.]{3}\x3b/";"#, b"A-.;"));
    assert!(!matches(r#"pcre:"/^[A-Z0-9_\-.]{3}\x3b/";"#, b"A,.;"));
    assert!(matches(r#"pcre:"/^[\w\/\+\-%]+=/";"#, b"a-b%2F+=x"));
    // A real reversed range stays an error.
    assert!(matches!(
        rule_err(r#"alert tcp any any -> any any (pcre:"/[z-a]/"; sid:1;)"#),
        ErrorKind::Syntax { .. }
    ));
}

/// Without a sticky buffer, a relative payload keyword belongs to the list of the previous
/// content or pcre (Suricata's rule): here the URI, not the packet payload.
#[test]
fn relative_keywords_follow_the_previous_match() {
    let r = rule(
        "alert tcp any any -> any any (content:\"fix_this\"; http_uri; isdataat:4,relative; byte_test:1,=,0x2f,0,relative; sid:1;)",
    );
    let uri = r.matchers(Buffer::HttpUri).unwrap();
    assert_eq!(uri.len(), 3);
    assert!(r.matchers(Buffer::Payload).is_none());
    assert!(inspect(b"/fix_this/abcd", uri));
    assert!(!inspect(b"/fix_this/ab", uri));
    // Absolute ones stay on the payload.
    let r = rule("alert tcp any any -> any any (content:\"x\"; http_uri; isdataat:4; sid:1;)");
    assert_eq!(r.matchers(Buffer::Payload).unwrap().len(), 1);
}

/// `offset`/`depth` from `byte_extract` variables: `depth` bytes from `offset`.
#[test]
fn offset_and_depth_from_variables() {
    // The first two digits say where the search starts (2) and how far it goes (2).
    let opts = "byte_extract:1,0,o,string,dec; byte_extract:1,1,d,string,dec; content:\"ab\"; offset:o; depth:d;";
    assert!(matches(opts, b"22ab--"));
    assert!(!matches(opts, b"21ab--"));
    assert!(!matches(opts, b"32ab--"));
    assert!(matches(opts, b"33-ab-"));
    // A variable of another buffer is refused.
    assert!(matches!(
        rule_err("alert http any any -> any any (byte_extract:1,0,v; http.uri; content:\"a\"; depth:v; sid:1;)"),
        ErrorKind::Unsupported { .. }
    ));
}

#[test]
fn flowint_forms() {
    let r = rule("alert tcp any any -> any any (content:\"a\"; flowint: ET.x, +, 1; flowint:y,isnotset; flowint:z,==,ET.x; sid:1;)");
    assert_eq!(
        r.flowints[0],
        Flowint {
            name: "ET.x".into(),
            op: FlowintOp::Add,
            value: Some(FlowintValue::Lit(1))
        }
    );
    assert_eq!(r.flowints[1].op, FlowintOp::NotSet);
    assert_eq!(r.flowints[2].value, Some(FlowintValue::Var("ET.x".into())));
    assert!(!r.ip_only);
    for bad in [
        "flowint:x;",
        "flowint:x,~,1;",
        "flowint:x,+;",
        "flowint:x,isset,1;",
        "flowint:x,=,99999999999;",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{bad}"
        );
    }
}

#[test]
fn stream_size_forms() {
    let r = rule("alert tcp any any -> any any (flow:to_server; stream_size:server,<,5; sid:1;)");
    let ss = r.stream_size[0];
    assert!(ss.matches(100, 4) && !ss.matches(0, 5));
    let r = rule("alert tcp any any -> any any (stream_size:either,>=,10; sid:1;)");
    assert!(r.stream_size[0].matches(10, 0));
    // Two tests (a range): both must hold.
    let r = rule(
        "alert tcp any any -> any any (stream_size:server,>,5; stream_size:server,<,50; sid:1;)",
    );
    assert_eq!(r.stream_size.len(), 2);
    assert!(!r.ip_only);
    for bad in [
        "stream_size:client,<;",
        "stream_size:left,<,5;",
        "stream_size:client,~,5;",
        "stream_size:client,<,-1;",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        rule_err("alert udp any any -> any any (stream_size:client,<,5; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
}

/// Legacy TLS forms and the chain length.
#[test]
fn tls_legacy_forms_and_chain_len() {
    let r = rule("alert tls any any -> any any (tls.subject:\"CN=SELKS\"; tls.issuerdn:!\"CN=Evil\"; tls.cert_chain_len:<4; sid:1;)");
    let subject = r.matchers(Buffer::TlsCertSubject).unwrap();
    assert!(inspect(b"C=FR, CN=SELKS", subject));
    assert!(!inspect(b"C=FR, CN=OTHER", subject));
    let issuer = r.matchers(Buffer::TlsCertIssuer).unwrap();
    assert!(inspect(b"CN=Good", issuer));
    assert!(!inspect(b"CN=Evil CA", issuer));
    assert_eq!(r.tls_chain_len, Some(NumCmp::Lt(4)));
    assert_eq!(r.app_proto, Some(AppProto::Tls));
    assert!(matches!(
        rule_err("alert tls any any -> any any (tls.subject:CN; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    // Legacy sticky names of Suricata 7.
    for (kw, b) in [
        ("http_request_line", Buffer::HttpRequestLine),
        ("http_accept", Buffer::HttpAccept),
        ("http_header_names", Buffer::HttpHeaderNames),
        ("tls.cert_fingerprint", Buffer::TlsCertFingerprint),
    ] {
        let r = rule(
            &format!("alert tls any any -> any any ({kw}; content:\"a\"; sid:1;)").replace(
                "alert tls",
                if kw.starts_with("http") {
                    "alert http"
                } else {
                    "alert tls"
                },
            ),
        );
        assert_eq!(r.buffers[0].buffer, b, "{kw}");
    }
}

/// `tcp.flags` is Suricata 7's name for `flags`.
#[test]
fn tcp_flags_alias() {
    let a = rule("alert tcp any any -> any any (tcp.flags:S; sid:1;)");
    let b = rule("alert tcp any any -> any any (flags:S; sid:1;)");
    assert_eq!(a.flags, b.flags);
    assert!(a.flags.is_some());
    assert!(matches!(
        rule_err("alert tcp any any -> any any (tcp.flags:S; flags:S; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
}

#[test]
fn base64_forms() {
    let r = payload_rule(
        "content:\"X=\"; base64_decode:bytes 8, offset 1, relative; base64_data; content:\"hi\";",
    );
    let list = r.matchers(Buffer::Payload).unwrap();
    let Matcher::Base64(d) = &list[1] else {
        panic!("{list:?}")
    };
    assert_eq!((d.bytes, d.offset, d.relative), (8, 1, true));
    assert_eq!(d.data.len(), 1);
    // The base64_data list is not a buffer of its own.
    assert_eq!(r.buffers.len(), 1);
    // Terminal: a match of the decoded data is the buffer's match.
    assert!(matches(
        "content:\"X=\"; base64_decode:relative; base64_data; content:\"hello\";",
        b"X=aGVsbG8="
    ));
    assert!(!matches(
        "content:\"X=\"; base64_decode:relative; base64_data; content:\"bye\";",
        b"X=aGVsbG8="
    ));
    for bad in [
        "base64_data; content:\"a\";",
        "base64_decode:bytes 0; base64_data; content:\"a\";",
        "base64_decode:foo; base64_data; content:\"a\";",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        rule_err("alert tcp any any -> any any (base64_decode; base64_data; content:\"a\"; base64_decode; sid:1;)"),
        ErrorKind::Unsupported { .. }
    ));
}

// ---- engine events and the small packet keywords ----

fn unsupported(text: &str) -> String {
    match rule_err(text) {
        ErrorKind::Unsupported { keyword } => keyword,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn syntax(text: &str) -> bool {
    !matches!(rule_err(text), ErrorKind::Unsupported { .. })
}

#[test]
fn event_keywords_parse_or_are_refused_by_name() {
    use crate::events::{AppEvent, PacketEvent};
    let r = rule("alert pkthdr any any -> any any (decode-event:ipv4.trunc_pkt; decode-event:tcp.opt_duplicate; sid:1;)");
    assert_eq!(r.header.protocol, Protocol::Pkthdr);
    assert!(r.packet_events.has(PacketEvent::Ipv4TruncPkt));
    assert!(r.packet_events.has(PacketEvent::TcpOptDuplicate));
    assert!(!r.ip_only);
    let r = rule("alert tcp any any -> any any (stream-event:reassembly_depth_reached; sid:1;)");
    assert!(r
        .packet_events
        .has(PacketEvent::StreamReassemblyDepthReached));
    let r = rule("alert dns any any -> any any (app-layer-event:dns.z_flag_set; sid:1;)");
    assert!(r.app_events.has(AppEvent::DnsZFlagSet));
    // `app-layer-event` makes the rule one of its protocol.
    let r = rule("alert udp any any -> any any (app-layer-event:dns.invalid_opcode; sid:1;)");
    assert_eq!(r.app_proto, Some(AppProto::Dns));
    let r = rule("alert pkthdr any any -> any any (decode-event:gre.pkt_too_small; sid:1;)");
    assert!(r.packet_events.has(PacketEvent::GrePktTooSmall));
    // A capture-method event the sensor's decoder never sees.
    let why =
        unsupported("alert pkthdr any any -> any any (decode-event:afpacket.trunc_pkt; sid:1;)");
    assert!(why.contains("afpacket.trunc_pkt") && why.contains("AF_PACKET"));
    // A stream event is not a decoder event, nor the reverse.
    assert!(
        unsupported("alert tcp any any -> any any (decode-event:reassembly_seq_gap; sid:1;)")
            .contains("decode-event")
    );
    assert!(
        unsupported("alert tcp any any -> any any (stream-event:ipv4.trunc_pkt; sid:1;)")
            .contains("stream-event")
    );
    let why = unsupported(
        "alert tls any any -> any any (app-layer-event:tls.invalid_tls_header; sid:1;)",
    );
    assert!(why.contains("tls.invalid_tls_header") && why.contains("Suricata 7.0.10"));
    let why =
        unsupported("alert tls any any -> any any (app-layer-event:tls.no_such_event; sid:1;)");
    assert!(why.contains("tls.no_such_event") && why.contains("parser"));
    // TLS and SMTP events make the rule one of their protocol.
    let r = rule("alert tcp any any -> any any (app-layer-event:tls.invalid_record_type; sid:1;)");
    assert_eq!(r.app_proto, Some(AppProto::Tls));
    assert!(r.app_events.has(AppEvent::TlsInvalidRecordType));
    let r = rule("alert tcp any any -> any any (app-layer-event:smtp.tls_rejected; sid:1;)");
    assert_eq!(r.app_proto, Some(AppProto::Smtp));
    // Protocol detection's events are the packet's and leave the rule's protocol alone.
    let r = rule(
        "alert ip any any -> any any (app-layer-event:applayer_mismatch_protocol_both_directions; sid:1;)",
    );
    assert!(r
        .packet_events
        .has(PacketEvent::ApplayerMismatchProtocolBothDirections));
    assert_eq!(r.app_proto, None);
    assert!(
        unsupported("alert ip any any -> any any (app-layer-event:applayer_no_such; sid:1;)")
            .contains("protocol detection")
    );
    // Suricata 8's spelling of a DNS event is not 7.0.10's.
    assert!(unsupported(
        "alert dns any any -> any any (app-layer-event:dns.not_a_request; sid:1;)"
    )
    .contains("dns.not_a_request"));
    // An HTTP event on a DNS rule: conflicting protocols.
    assert!(syntax(
        "alert dns any any -> any any (app-layer-event:http.missing_host_header; sid:1;)"
    ));
}

#[test]
fn app_layer_protocol_values() {
    let r = rule("alert tcp any any -> any 80 (app-layer-protocol:!http; sid:1;)");
    assert_eq!(
        r.app_layer_protocol,
        vec![AppLayerProtocol {
            negated: true,
            proto: Some(AppProto::Http)
        }]
    );
    // Only app-layer-protocol: Suricata's PD-only class; with `flow`, an ordinary rule.
    assert!(r.pd_only && !r.ip_only);
    let r = rule("alert tcp any any -> any 80 (flow:to_server; app-layer-protocol:failed; sid:1;)");
    assert!(!r.pd_only);
    assert_eq!(r.app_layer_protocol[0].proto, None);
    let r = rule("alert tcp any any -> any any (app-layer-protocol:http1; sid:1;)");
    assert_eq!(r.app_layer_protocol[0].proto, Some(AppProto::Http));
    // Suricata 8's modes are not 7's syntax; protocols without detection here are refused.
    assert!(syntax(
        "alert tcp any any -> any any (app-layer-protocol:http1,original; sid:1;)"
    ));
    let r = rule("alert tcp any any -> any any (app-layer-protocol:ssh; sid:1;)");
    assert_eq!(r.app_layer_protocol[0].proto, Some(AppProto::Ssh));
    let r = rule("alert udp any any -> any any (app-layer-protocol:!ike; sid:1;)");
    assert_eq!(r.app_layer_protocol[0].proto, Some(AppProto::Ike));
    // Disabled in Suricata's default configuration, or unknown.
    assert!(
        unsupported("alert tcp any any -> any any (app-layer-protocol:modbus; sid:1;)")
            .contains("modbus")
    );
    assert!(
        unsupported("alert tcp any any -> any any (app-layer-protocol:enip; sid:1;)")
            .contains("enip")
    );
}

#[test]
fn recognised_protocols_in_headers() {
    let r = rule("alert dcerpc any any -> any any (content:\"|05 00|\"; sid:1;)");
    assert_eq!(
        r.header.protocol,
        Protocol::App(crate::app::AppProto::Dcerpc)
    );
    assert_eq!(r.app_proto, Some(AppProto::Dcerpc));
    // DCE/RPC is parsed: an HTTP buffer on its rule is a conflict, as in Suricata.
    assert!(matches!(
        rule_err("alert dcerpc any any -> any any (http.uri; content:\"x\"; sid:1;)"),
        ErrorKind::Syntax { .. }
    ));
    assert!(unsupported("alert modbus any any -> any any (sid:1;)").contains("modbus"));
}

#[test]
fn icmp_id_seq_dns_opcode_prefilter_hostbits() {
    let r = rule("alert icmp any any -> any any (icmp_id:21781; icmp_seq: 0; sid:1;)");
    assert_eq!((r.icmp_id, r.icmp_seq), (Some(21781), Some(0)));
    assert!(!r.ip_only);
    assert_eq!(
        rule("alert icmp any any -> any any (icmp_id:\"7\"; sid:1;)").icmp_id,
        Some(7)
    );
    // As 7.0.10: icmp_seq takes no quotes; no negation; 16 bits.
    assert!(syntax(
        "alert icmp any any -> any any (icmp_seq:\"7\"; sid:1;)"
    ));
    assert!(syntax("alert icmp any any -> any any (icmp_id:!3; sid:1;)"));
    assert!(syntax(
        "alert icmp any any -> any any (icmp_id:65536; sid:1;)"
    ));
    let r = rule("alert dns any any -> any any (dns.opcode:!0; sid:1;)");
    assert_eq!(
        r.dns_opcode,
        Some(DnsOpcode {
            negated: true,
            opcode: 0
        })
    );
    assert!(syntax(
        "alert dns any any -> any any (dns.opcode:>3; sid:1;)"
    ));
    assert!(syntax(
        "alert dns any any -> any any (dns.opcode:16; sid:1;)"
    ));
    // prefilter needs a match before it; after a content it is accepted (7.0.10 loads it).
    assert!(syntax(
        "alert tcp any any -> any any (msg:\"x\"; prefilter; sid:1;)"
    ));
    rule("alert tcp any any -> any any (flags:S; prefilter; sid:1;)");
    rule("alert tcp any any -> any any (content:\"x\"; prefilter; sid:1;)");
    // hostbits: source by default; `dst`; `noalert`; IP-only like Suricata's.
    let r = rule("alert ip any any -> any any (hostbits:isset,abc; sid:1;)");
    assert_eq!(r.xbits[0].track, XbitTrack::IpSrc);
    assert_eq!(r.xbits[0].cmd, XbitCmd::IsSet);
    assert!(r.ip_only);
    let r = rule("alert ip any any -> any any (hostbits:toggle,abc,dst; content:\"GET \"; sid:1;)");
    assert_eq!(r.xbits[0].track, XbitTrack::IpDst);
    assert!(rule("alert ip any any -> any any (hostbits:noalert; sid:1;)").noalert);
    assert!(syntax(
        "alert ip any any -> any any (hostbits:set,abc,both; sid:1;)"
    ));
    assert!(syntax(
        "alert ip any any -> any any (hostbits:set,abc,dst,expire 10; sid:1;)"
    ));
    assert!(syntax("alert ip any any -> any any (hostbits:set; sid:1;)"));
}

#[test]
fn byte_count_from_a_variable() {
    // byte_test / byte_jump read as many bytes as a byte_extract variable says.
    let opts = "byte_extract:1,0,n; byte_test:n,=,0x0102,1;";
    assert!(matches(opts, &[2, 1, 2, 9]));
    assert!(!matches(opts, &[2, 1, 3, 9]));
    // A count the binary form cannot read (9 bytes): no match, not an error.
    assert!(!matches(opts, &[9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert!(!matches(opts, &[0, 1, 2]));
    let jump = "byte_extract:1,0,n; byte_jump:n,1; content:\"Z\"; within:1;";
    assert!(matches(jump, &[1, 2, 0, 0, b'Z']));
    assert!(!matches(jump, &[1, 3, 0, 0, b'Z']));
    // An unknown variable is an error; byte_extract itself takes no variable count.
    assert!(syntax(
        "alert udp any any -> any any (byte_test:m,=,1,0; sid:1;)"
    ));
    assert!(!syntax(
        "alert udp any any -> any any (byte_extract:1,0,n; byte_extract:n,1,m; sid:1;)"
    ));
}

#[test]
fn digest_transforms() {
    let r = rule("alert http any any -> any any (http.uri; to_sha256; content:\"|ba 78|\"; startswith; sid:1;)");
    assert!(on(
        Buffer::HttpUri,
        "http.uri; to_sha256; content:\"|ba 78|\"; startswith;",
        b"abc"
    ));
    assert!(!on(
        Buffer::HttpUri,
        "http.uri; to_md5; content:\"|ba 78|\"; startswith;",
        b"abc"
    ));
    assert!(on(
        Buffer::HttpUri,
        "http.uri; to_md5; content:\"|90 01 50 98|\"; startswith; bsize:16;",
        b"abc"
    ));
    assert_eq!(r.buffers[0].transforms.iter().count(), 1);
    assert!(unsupported(
        "alert http any any -> any any (http.uri; from_base64; content:\"x\"; sid:1;)"
    )
    .contains("from_base64"));
}

#[test]
fn pcrexform_and_xor() {
    // detect-xor's rule: the URI's query value, XORed with the key, holds `password=`.
    let opts = "http.uri; pcrexform:\"/get\\?data=(.*)\"; xor:\"0d0ac8ff\"; content:\"password=\"; startswith;";
    let key = [0x0d, 0x0a, 0xc8, 0xff];
    let mut uri = b"/get?data=".to_vec();
    uri.extend(
        b"password=x"
            .iter()
            .zip(key.iter().cycle())
            .map(|(b, k)| b ^ k),
    );
    assert!(on(Buffer::HttpUri, opts, &uri));
    uri[12] ^= 1;
    assert!(!on(Buffer::HttpUri, opts, &uri));
    // No match (or the group took no part): the buffer stays as it was (Suricata 7.0.10).
    assert!(on(
        Buffer::HttpUri,
        "http.uri; pcrexform:\"(zzz)\"; content:\"/get\"; startswith;",
        b"/get?a"
    ));
    assert!(on(
        Buffer::HttpUri,
        "http.uri; pcrexform:\"=(\\d+)\"; bsize:2;",
        b"/a?b=42&c=7"
    ));
    // One key byte XORs every byte.
    assert!(on(
        Buffer::HttpUri,
        "http.uri; xor:\"20\"; content:\"ABC\"; bsize:3;",
        b"abc"
    ));
    // Values must be quoted; one capturing group exactly; the key is hex, whole bytes.
    for bad in [
        "http.uri; pcrexform:a(b); content:\"x\";",
        "http.uri; pcrexform:\"abc\"; content:\"x\";",
        "http.uri; pcrexform:\"(a)(b)\"; content:\"x\";",
        "http.uri; xor:0d0a; content:\"x\";",
        "http.uri; xor:\"0d0\"; content:\"x\";",
        "http.uri; xor:\"zz\"; content:\"x\";",
        "xor:\"0d\"; content:\"x\";",
    ] {
        assert!(
            syntax(&format!("alert http any any -> any any ({bad} sid:1;)")),
            "{bad}"
        );
    }
    // The same expression in two rules is one interned transform: one list key.
    let a = rule("alert http any any -> any any (http.uri; xor:\"0d\"; content:\"x\"; sid:1;)");
    let b = rule("alert http any any -> any any (http.uri; xor:\"0d\"; content:\"y\"; sid:2;)");
    assert_eq!(a.buffers[0].transforms, b.buffers[0].transforms);
}

#[test]
fn checksum_keywords() {
    use crate::decode::checksum::Kind;
    let r = rule("alert ip any any -> any any (ipv4-csum:invalid; tcpv4-csum: \"valid\"; sid:1;)");
    assert_eq!(r.csum.invalid, Kind::Ipv4.bit());
    assert_eq!(r.csum.valid, Kind::Tcpv4.bit());
    // A packet keyword: not IP-only.
    assert!(!r.ip_only);
    for k in Kind::ALL {
        let r = rule(&format!(
            "alert ip any any -> any any ({}:VALID; sid:1;)",
            k.keyword()
        ));
        assert_eq!((r.csum.valid, r.csum.invalid), (k.bit(), 0));
    }
    assert!(syntax(
        "alert ip any any -> any any (ipv4-csum:maybe; sid:1;)"
    ));
    assert!(syntax("alert ip any any -> any any (ipv4-csum; sid:1;)"));
    assert!(syntax(
        "alert ip any any -> any any (udpv6-csum:valid; udpv6-csum:invalid; sid:1;)"
    ));
}

#[test]
fn dcerpc_keywords() {
    use crate::detect::rule::DceIface;
    let dcerpc = Some(AppProto::Dcerpc);
    let r = rule("alert tcp any any -> any any (dce_iface:4B324FC8-1670-01D3-1278-5A47BF6EE188,=3,any_frag; dce_opnum:1,5-7; sid:1;)");
    let uuid = [
        0x4b, 0x32, 0x4f, 0xc8, 0x16, 0x70, 0x01, 0xd3, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1,
        0x88,
    ];
    assert_eq!(
        r.dce_iface,
        vec![DceIface {
            uuid,
            version: Some((b'=', 3)),
            any_frag: true
        }]
    );
    assert_eq!(&*r.dce_opnum[0], &[(1, 1), (5, 7)]);
    assert_eq!(r.app_proto, dcerpc);
    let r = rule("alert tcp any any -> any any (dcerpc.iface:4b324fc8-1670-01d3-1278-5a47bf6ee188; dcerpc.opnum:65535; sid:1;)");
    assert_eq!(r.dce_iface[0].version, None);
    assert!(!r.dce_iface[0].any_frag);
    assert_eq!(&*r.dce_opnum[0], &[(65535, 65535)]);
    let r = rule("alert tcp any any -> any any (dce_stub_data; content:\"x\"; byte_test:2,=,1,0,relative,dce; sid:1;)");
    assert_eq!(r.buffers[0].buffer, Buffer::DceStubData);
    assert_eq!(r.app_proto, dcerpc);
    let r = rule("alert tcp any any -> any any (dcerpc.stub_data; content:\"x\"; sid:1;)");
    assert_eq!(r.buffers[0].buffer, Buffer::DceStubData);
    for bad in [
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee18;",
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee18g;",
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,<0;",
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,>65535;",
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,=65536;",
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,~1;",
        "dce_iface:4b324fc8-1670-01d3-1278-5a47bf6ee188,any_frag,=1;",
        "dce_iface;",
        "dce_opnum:;",
        "dce_opnum:7-5;",
        "dce_opnum:65536;",
        "dce_opnum:1,x;",
        "dce_stub_data; content:\"a\"; byte_test:2,=,1,0,big,dce;",
        "dce_stub_data; content:\"a\"; byte_test:2,=,1,0,string,dce;",
    ] {
        assert!(
            matches!(
                rule_err(&format!("alert tcp any any -> any any ({bad} sid:1;)")),
                ErrorKind::Syntax { .. }
            ),
            "{bad}"
        );
    }
    // DCE/RPC over SMB is not parsed: the keywords on an smb rule are refused.
    assert!(unsupported("alert smb any any -> any any (dce_opnum:1; sid:1;)").contains("smb"));
}

// ---- requires, flow.age, ip.src / ip.dst ----

#[test]
fn requires_skips_the_rule_before_parsing_it() {
    use crate::detect::rule::parse_rules;
    let text = "\
alert tcp any any -> any any (msg:\"a\"; content:\"x\"; sid:7; rev:1;)
alert tcp any any -> any any (msg:\"b\"; content:\"x\"; requires: version >= 8; sid:7; rev:2;)
alert tcp any any -> any any (nosuchkeyword; requires: feature geoip; sid:8;)
alert tcp any any -> any any (content:\"x\"; requires: feature ja3, version >= 7.0.3 < 8; sid:9;)
alert tcp any any -> any any (content:\"x\"; requires: version 8; sid:10;)
";
    let (rules, errors) = parse_rules(text, std::path::Path::new("t"), &Vars::default());
    let sids: Vec<(u32, u32)> = rules.iter().map(|r| (r.sid, r.rev)).collect();
    assert_eq!(sids, vec![(7, 1), (9, 0)]);
    // The skipped duplicate is no duplicate: it never loaded.
    let kinds: Vec<(Option<u32>, &ErrorKind)> = errors.iter().map(|e| (e.sid, &e.kind)).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(matches!(kinds[0], (Some(7), ErrorKind::Unmet { reason }) if reason.contains(">= 8")));
    assert!(matches!(kinds[1], (Some(8), ErrorKind::Unmet { reason }) if reason.contains("geoip")));
    assert!(matches!(kinds[2], (Some(10), ErrorKind::Syntax { .. })));
}

#[test]
fn flow_age_parses_as_an_unsigned_32_bit_comparison() {
    let r = rule("alert ip any any -> any any (flow.age:>20; sid:1;)");
    assert_eq!(r.flow_age, Some(NumCmp::Gt(20)));
    assert!(!r.ip_only);
    let r = rule("alert ip any any -> any any (flow.age:1<>4294967295; sid:1;)");
    assert!(r.flow_age.is_some_and(|c| c.matches(4_294_967_294)));
    for bad in [
        "flow.age:x;",
        "flow.age:4294967296;",
        "flow.age:;",
        "flow.age:1; flow.age:2;",
    ] {
        assert!(
            syntax(&format!("alert ip any any -> any any ({bad} sid:1;)")),
            "{bad}"
        );
    }
}

#[test]
fn ip_src_and_dst_are_packet_buffers() {
    let r = rule("alert http any any -> any any (ip.dst; dataset:isset,l,type ipv4,load x.csv; flow:established,to_server; sid:1;)");
    assert_eq!(r.datasets[0].buffer, Buffer::IpDst);
    let r = rule("alert ip any any -> any any (ip.src; content:\"|0a 00|\"; startswith; sid:1;)");
    assert_eq!(r.buffers[0].buffer, Buffer::IpSrc);
    assert!(Buffer::IpSrc.is_packet_header() && Buffer::IpDst.is_packet_header());
    assert_eq!(Buffer::IpDst.app_proto(), None);
    // Sticky buffers take no value and need a match after them.
    assert!(syntax(
        "alert ip any any -> any any (ip.src:1; content:\"a\"; sid:1;)"
    ));
    assert!(syntax("alert ip any any -> any any (ip.src; sid:1;)"));
}

// ---- file keywords (D46) ----

#[test]
fn file_keywords_parse_as_suricata_7() {
    use crate::detect::rule::{FileHash, FileStore};
    let r = rule("alert http any any -> any any (filestore; fileext:!\"MP4\"; filesize:>10; filemd5:!list.md5; filesha256:a/b.sha; sid:1;)");
    let f = r.files.as_deref().expect("file tests");
    assert_eq!(f.ext, [(b"mp4".to_vec(), true)]);
    assert_eq!(f.size, Some(NumCmp::Gt(10)));
    assert_eq!(
        f.hashes,
        [
            (FileHash::Md5, "list.md5".to_string(), true),
            (FileHash::Sha256, "a/b.sha".to_string(), false)
        ]
    );
    assert_eq!(f.store, Some(FileStore::default()));
    // File keywords make a rule a transaction rule, never IP-only.
    let r = rule("alert ip any any -> any any (filemd5:x; sid:1;)");
    assert!(!r.ip_only && r.files.is_some());
    let store = |v: &str| {
        rule(&format!(
            "alert http any any -> any any (filestore:{v}; sid:1;)"
        ))
        .files
        .unwrap()
        .store
        .unwrap()
    };
    assert_eq!(store("request,tx").to_server, Some(true));
    assert!(store("request,tx").whole_tx);
    assert_eq!(store("to_client").to_server, Some(false));
    assert!(store("both,ssn").both && store("both,ssn").whole_tx);
    assert!(syntax(
        "alert http any any -> any any (filestore:sideways; sid:1;)"
    ));
    assert!(syntax(
        "alert http any any -> any any (filestore:both,forever; sid:1;)"
    ));
    assert!(syntax(
        "alert http any any -> any any (filestore; filestore; sid:1;)"
    ));
    assert!(syntax(
        "alert http any any -> any any (fileext:\"\"; sid:1;)"
    ));
    assert!(syntax("alert http any any -> any any (filename; sid:1;)"));
    assert!(syntax(
        "alert http any any -> any any (filesize:abc; sid:1;)"
    ));
    // libmagic's types are not computed: refused, with the reason.
    assert!(
        unsupported("alert http any any -> any any (filemagic:\"PDF\"; sid:1;)")
            .contains("libmagic")
    );
}

#[test]
fn legacy_filename_is_a_content_on_file_name_without_case() {
    let r = rule("alert http any any -> any any (http.uri; content:\"/a\"; filename:\"Secret\"; content:\"b\"; sid:1;)");
    let name = r
        .buffers
        .iter()
        .find(|b| b.buffer == Buffer::FileName)
        .expect("file.name list");
    assert!(inspect(b"/x/SECRET.doc", &name.matchers));
    assert!(!inspect(b"/x/other.doc", &name.matchers));
    // The sticky buffer before it stays in force: `content:"b"` is the URI's.
    let uri = r
        .buffers
        .iter()
        .find(|b| b.buffer == Buffer::HttpUri)
        .unwrap();
    assert_eq!(uri.matchers.len(), 2);
    // `file.name` alone is the sticky buffer, its contents with case.
    assert!(!on(
        Buffer::FileName,
        "file.name; content:\"Secret\";",
        b"/x/SECRET"
    ));
    assert!(on(
        Buffer::FileName,
        "file.name; content:\"SECRET\"; endswith;",
        b"/x/SECRET"
    ));
}
