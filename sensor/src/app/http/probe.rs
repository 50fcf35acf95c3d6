//! Protocol detection by content: is this stream (either direction) HTTP/1.x?

/// Answer of [`probe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    Yes,
    No,
    /// Not decidable yet: call again with more bytes of the same stream start.
    NeedMore,
}

/// Request methods recognized by name (IANA registry plus common extensions).
const METHODS: &[&[u8]] = &[
    b"GET",
    b"POST",
    b"HEAD",
    b"PUT",
    b"DELETE",
    b"OPTIONS",
    b"CONNECT",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"SEARCH",
    b"REPORT",
    b"MKACTIVITY",
    b"CHECKOUT",
    b"UNCHECKOUT",
    b"MERGE",
    b"MKWORKSPACE",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"UPDATE",
    b"LABEL",
    b"MKCALENDAR",
    b"ACL",
    b"BIND",
    b"UNBIND",
    b"REBIND",
    b"LINK",
    b"UNLINK",
    b"ORDERPATCH",
    b"QUERY",
    b"PURGE",
    b"M-SEARCH",
    b"NOTIFY",
    b"SUBSCRIBE",
    b"UNSUBSCRIBE",
];

/// Longest request line looked at for an unknown method.
const MAX_PROBE_LINE: usize = 8192;

enum Prefix {
    Full,
    Partial,
    No,
}

fn prefix(data: &[u8], pat: &[u8]) -> Prefix {
    let n = data.len().min(pat.len());
    if data[..n] != pat[..n] {
        Prefix::No
    } else if n == pat.len() {
        Prefix::Full
    } else {
        Prefix::Partial
    }
}

/// Whether `data`, the first bytes of one direction of a TCP stream, starts an HTTP/1.x
/// request (a known method and a space, or a plausible `TOKEN SP target SP HTTP/1.` line) or
/// response (`HTTP/1.`). Empty lines before the message are allowed.
pub fn probe(data: &[u8]) -> Probe {
    let skip = data
        .iter()
        .take_while(|&&c| c == b'\r' || c == b'\n')
        .count();
    let d = &data[skip..];
    if d.is_empty() {
        return Probe::NeedMore;
    }
    let mut more = false;
    match prefix(d, b"HTTP/1.") {
        Prefix::Full => return Probe::Yes,
        Prefix::Partial => more = true,
        Prefix::No => {}
    }
    for m in METHODS {
        match prefix(d, m) {
            Prefix::Full => match d.get(m.len()) {
                Some(b' ') => return Probe::Yes,
                None => more = true,
                Some(_) => {}
            },
            Prefix::Partial => more = true,
            Prefix::No => {}
        }
    }
    match plausible_request_line(d) {
        Probe::No if more => Probe::NeedMore,
        p => p,
    }
}

/// Stricter check used to find the next message after bytes were lost: a known method and a
/// space (`to_server`) or `HTTP/` (responses). Leading empty lines are allowed.
pub(crate) fn starts_message(data: &[u8], to_server: bool) -> Probe {
    let skip = data
        .iter()
        .take_while(|&&c| c == b'\r' || c == b'\n')
        .count();
    let d = &data[skip..];
    if d.is_empty() {
        return Probe::NeedMore;
    }
    if !to_server {
        return match prefix(d, b"HTTP/") {
            Prefix::Full => Probe::Yes,
            Prefix::Partial => Probe::NeedMore,
            Prefix::No => Probe::No,
        };
    }
    let mut more = false;
    for m in METHODS {
        match prefix(d, m) {
            Prefix::Full => match d.get(m.len()) {
                Some(b' ') => return Probe::Yes,
                None => more = true,
                Some(_) => {}
            },
            Prefix::Partial => more = true,
            Prefix::No => {}
        }
    }
    if more {
        Probe::NeedMore
    } else {
        Probe::No
    }
}

/// `TOKEN SP target SP HTTP/1.` with an upper-case token (an unknown method).
fn plausible_request_line(d: &[u8]) -> Probe {
    let tok = d
        .iter()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'-' || **c == b'_')
        .count();
    if tok == d.len() {
        return if tok <= 32 {
            Probe::NeedMore
        } else {
            Probe::No
        };
    }
    if tok == 0 || tok > 32 || d[tok] != b' ' {
        return Probe::No;
    }
    let rest = &d[tok + 1..];
    let target = rest.iter().take_while(|&&c| c > b' ' && c != 0x7f).count();
    if target == rest.len() {
        return if tok + 1 + target < MAX_PROBE_LINE {
            Probe::NeedMore
        } else {
            Probe::No
        };
    }
    if target == 0 || rest[target] != b' ' {
        return Probe::No;
    }
    match prefix(&rest[target + 1..], b"HTTP/1.") {
        Prefix::Full => Probe::Yes,
        Prefix::Partial => Probe::NeedMore,
        Prefix::No => Probe::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_responses() {
        assert_eq!(probe(b"GET / HTTP/1.1\r\n"), Probe::Yes);
        assert_eq!(probe(b"\r\nPOST /x"), Probe::Yes);
        assert_eq!(probe(b"HTTP/1.1 200 OK"), Probe::Yes);
        assert_eq!(probe(b"HTTP/1.0"), Probe::Yes);
        assert_eq!(probe(b"FOO /x HTTP/1.1\r\n"), Probe::Yes);
        assert_eq!(probe(b"M-SEARCH * HTTP/1.1"), Probe::Yes);
    }

    #[test]
    fn partial_input_asks_for_more() {
        for d in [
            &b""[..],
            b"G",
            b"GE",
            b"GET",
            b"H",
            b"HTTP/",
            b"FOO /x",
            b"FOO /x HT",
            b"\r\n",
        ] {
            assert_eq!(
                probe(d),
                Probe::NeedMore,
                "{:?}",
                String::from_utf8_lossy(d)
            );
        }
    }

    #[test]
    fn message_starts_after_a_gap() {
        assert_eq!(starts_message(b"\r\nGET /", true), Probe::Yes);
        assert_eq!(starts_message(b"GE", true), Probe::NeedMore);
        assert_eq!(starts_message(b"\x00GET /", true), Probe::No);
        assert_eq!(starts_message(b"FOO / HTTP/1.1", true), Probe::No);
        assert_eq!(starts_message(b"HTTP/1.1 200", false), Probe::Yes);
        assert_eq!(starts_message(b"HTT", false), Probe::NeedMore);
        assert_eq!(starts_message(b"<html>", false), Probe::No);
    }

    #[test]
    fn other_protocols() {
        for d in [
            &b"\x16\x03\x01\x02\x00\x01"[..],
            b"SSH-2.0-OpenSSH_9.0\r\n",
            b"GETX /\r\n",
            b"get / HTTP/1.1",
            b"FOO bar baz\r\n",
            b"PRI * HTTP/2.0\r\n",
            b"HTTP/2 200",
            b"EHLO mail.example.com\r\n",
        ] {
            assert_eq!(probe(d), Probe::No, "{:?}", String::from_utf8_lossy(d));
        }
    }
}
