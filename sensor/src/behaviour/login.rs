//! Small login parsers for the clear-text protocols the credential detections need (FTP,
//! SMTP AUTH, POP3, IMAP, Telnet) and SSH session starts. They read the lines of a packet's
//! payload (control-channel commands are short and arrive one per segment in practice); the
//! per-flow state is two bytes in the flow's `FlowMark`. HTTP Basic and form logins come from
//! the HTTP parser's transactions (`http_login`).

use super::events::{LoginProto, LoginResult};

/// Per-flow login protocol (0: not one / unknown).
pub const P_NONE: u8 = 0;
const P_FTP: u8 = 1;
const P_SMTP: u8 = 2;
const P_POP3: u8 = 3;
const P_IMAP: u8 = 4;
const P_TELNET: u8 = 5;
pub const P_SSH: u8 = 6;
/// RDP (an X.224 connection request in TPKT): encrypted, counted per session like SSH.
pub const P_RDP: u8 = 7;
/// Looked at and found to be none of them: never look again.
pub const P_NOT: u8 = 255;

fn proto_of(p: u8) -> Option<LoginProto> {
    Some(match p {
        P_FTP => LoginProto::Ftp,
        P_SMTP => LoginProto::Smtp,
        P_POP3 => LoginProto::Pop3,
        P_IMAP => LoginProto::Imap,
        P_TELNET => LoginProto::Telnet,
        P_SSH => LoginProto::Ssh,
        P_RDP => LoginProto::Rdp,
        _ => return None,
    })
}

/// What a payload told about logins.
#[derive(Debug, PartialEq, Eq)]
pub struct LoginNote {
    pub proto: LoginProto,
    pub result: LoginResult,
    pub user: Option<String>,
}

/// The login state of one flow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoginState {
    /// `P_*`.
    pub proto: u8,
    /// Credentials sent, answer awaited.
    pub pending: bool,
}

fn starts_ci(line: &[u8], prefix: &[u8]) -> bool {
    line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn word(line: &[u8], n: usize) -> Option<&[u8]> {
    line.split(|&b| b == b' ' || b == b'\t')
        .filter(|w| !w.is_empty())
        .nth(n)
}

fn text(b: &[u8]) -> String {
    let b = &b[..b.len().min(64)];
    String::from_utf8_lossy(b)
        .trim_matches(|c: char| c == '"' || c.is_whitespace())
        .to_string()
}

/// Guesses the protocol from a flow's first payload in direction `to_server` and the server
/// port. Returns `P_NOT` when it is none of them.
pub fn classify(payload: &[u8], to_server: bool, server_port: u16) -> u8 {
    if payload.starts_with(b"SSH-") {
        return P_SSH;
    }
    // TPKT version 3 carrying an X.224 Connection Request (0xe0): RDP's first packet.
    if to_server && payload.len() >= 7 && payload[0] == 3 && payload[1] == 0 && payload[5] == 0xe0 {
        return P_RDP;
    }
    if to_server {
        // `USER` is also IRC's registration command: only on the services' ports when the
        // banner was not seen.
        if starts_ci(payload, b"USER ") {
            return match server_port {
                110 => P_POP3,
                21 | 2121 => P_FTP,
                _ => P_NOT,
            };
        }
        if starts_ci(payload, b"EHLO ") || starts_ci(payload, b"HELO ") {
            return P_SMTP;
        }
        // `tag LOGIN user pass` / `tag CAPABILITY`: a tag is not a reply code.
        let line = payload.split(|&b| b == b'\n').next().unwrap_or(b"");
        let tag_ok =
            word(line, 0).is_some_and(|t| t.len() <= 16 && !t.iter().all(u8::is_ascii_digit));
        let cmd = word(line, 1);
        if tag_ok
            && (cmd.is_some_and(|w| w.eq_ignore_ascii_case(b"LOGIN")) && word(line, 3).is_some()
                || cmd.is_some_and(|w| w.trim_ascii_end().eq_ignore_ascii_case(b"CAPABILITY")))
        {
            return P_IMAP;
        }
        if server_port == 23 {
            return P_TELNET;
        }
        return P_NOT;
    }
    if payload.starts_with(b"+OK") {
        return P_POP3;
    }
    if payload.starts_with(b"* OK") {
        return P_IMAP;
    }
    if payload.starts_with(b"220") {
        let head = &payload[..payload.len().min(200)];
        let smtp = memchr::memmem::find(head, b"SMTP").is_some()
            || memchr::memmem::find(head, b"smtp").is_some()
            || matches!(server_port, 25 | 465 | 587 | 2525);
        let ftp = memchr::memmem::find(head, b"FTP").is_some()
            || memchr::memmem::find(head, b"ftp").is_some()
            || server_port == 21;
        return if smtp && !ftp {
            P_SMTP
        } else if ftp {
            P_FTP
        } else {
            P_NOT
        };
    }
    if server_port == 23 || payload.first() == Some(&0xff) {
        // Telnet option negotiation (IAC) or the Telnet port.
        return P_TELNET;
    }
    P_NOT
}

/// Reads one payload of a classified flow; `out` gets what it meant.
pub fn on_payload(
    st: &mut LoginState,
    payload: &[u8],
    to_server: bool,
    out: &mut impl FnMut(LoginNote),
) {
    let Some(proto) = proto_of(st.proto) else {
        return;
    };
    if matches!(proto, LoginProto::Ssh | LoginProto::Rdp) {
        return;
    }
    if proto == LoginProto::Telnet {
        telnet(st, payload, to_server, out);
        return;
    }
    for line in payload.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if to_server {
            client_line(st, proto, line, out);
        } else {
            server_line(st, proto, line, out);
        }
    }
}

fn note(proto: LoginProto, result: LoginResult, user: Option<String>) -> LoginNote {
    LoginNote {
        proto,
        result,
        user,
    }
}

fn client_line(
    st: &mut LoginState,
    proto: LoginProto,
    line: &[u8],
    out: &mut impl FnMut(LoginNote),
) {
    match proto {
        LoginProto::Ftp | LoginProto::Pop3 => {
            if starts_ci(line, b"USER ") {
                out(note(proto, LoginResult::Attempt, Some(text(&line[5..]))));
            } else if starts_ci(line, b"PASS ") || starts_ci(line, b"PASS\r") || line == b"PASS" {
                st.pending = true;
            } else if proto == LoginProto::Pop3 && starts_ci(line, b"APOP ") {
                out(note(proto, LoginResult::Attempt, word(line, 1).map(text)));
                st.pending = true;
            }
        }
        LoginProto::Smtp if starts_ci(line, b"AUTH ") => {
            let mech = word(line, 1).unwrap_or(b"");
            let user = if mech.eq_ignore_ascii_case(b"PLAIN") {
                word(line, 2).and_then(plain_user)
            } else {
                None
            };
            out(note(proto, LoginResult::Attempt, user));
            st.pending = true;
        }
        LoginProto::Imap => {
            if let Some(cmd) = word(line, 1) {
                if cmd.eq_ignore_ascii_case(b"LOGIN") {
                    out(note(proto, LoginResult::Attempt, word(line, 2).map(text)));
                    st.pending = true;
                } else if cmd.eq_ignore_ascii_case(b"AUTHENTICATE") {
                    out(note(proto, LoginResult::Attempt, None));
                    st.pending = true;
                }
            }
        }
        _ => {}
    }
}

/// The user of an AUTH PLAIN initial response (`\0user\0pass`, base64).
fn plain_user(b64: &[u8]) -> Option<String> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let mut parts = raw.split(|&b| b == 0);
    let authz = parts.next()?;
    let user = parts.next()?;
    let u = if user.is_empty() { authz } else { user };
    Some(text(u))
}

fn server_line(
    st: &mut LoginState,
    proto: LoginProto,
    line: &[u8],
    out: &mut impl FnMut(LoginNote),
) {
    if !st.pending {
        return;
    }
    let result = match proto {
        LoginProto::Ftp => match line.get(..3) {
            Some(b"230") => Some(LoginResult::Success),
            Some(b"530") => Some(LoginResult::Failure),
            _ => None,
        },
        LoginProto::Pop3 => {
            if line.starts_with(b"+OK") {
                Some(LoginResult::Success)
            } else if line.starts_with(b"-ERR") {
                Some(LoginResult::Failure)
            } else {
                None
            }
        }
        LoginProto::Smtp => match line.first() {
            Some(b'2') if line.starts_with(b"235") => Some(LoginResult::Success),
            Some(b'5') | Some(b'4') => Some(LoginResult::Failure),
            _ => None,
        },
        LoginProto::Imap => {
            if line.starts_with(b"*") || line.starts_with(b"+") {
                None
            } else {
                match word(line, 1) {
                    Some(w) if w.eq_ignore_ascii_case(b"OK") => Some(LoginResult::Success),
                    Some(w) if w.eq_ignore_ascii_case(b"NO") || w.eq_ignore_ascii_case(b"BAD") => {
                        Some(LoginResult::Failure)
                    }
                    _ => None,
                }
            }
        }
        _ => None,
    };
    if let Some(r) = result {
        st.pending = false;
        out(note(proto, r, None));
    }
}

fn telnet(st: &mut LoginState, payload: &[u8], to_server: bool, out: &mut impl FnMut(LoginNote)) {
    if to_server {
        return;
    }
    let has = |n: &[u8]| memchr::memmem::find(payload, n).is_some();
    if st.pending {
        if has(b"incorrect") || has(b"failed") || has(b"denied") || has(b"invalid") {
            st.pending = false;
            out(note(LoginProto::Telnet, LoginResult::Failure, None));
        } else if has(b"Last login") || has(b"$ ") || has(b"# ") || has(b"> ") {
            st.pending = false;
            out(note(LoginProto::Telnet, LoginResult::Success, None));
        }
    } else if has(b"assword:") {
        st.pending = true;
        out(note(LoginProto::Telnet, LoginResult::Attempt, None));
    }
}

/// A login in an HTTP request: Basic credentials (user) or a form posting a password field.
pub fn http_login(
    authorization: Option<&[u8]>,
    method: &[u8],
    content_type: Option<&[u8]>,
    body: &[u8],
) -> Option<(LoginProto, Option<String>)> {
    if let Some(a) = authorization {
        if starts_ci(a, b"Basic ") {
            use base64::Engine;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(a[6..].trim_ascii())
                .ok()?;
            let user = raw.split(|&b| b == b':').next().map(text);
            return Some((LoginProto::HttpBasic, user));
        }
    }
    let form = match content_type {
        Some(c) => starts_ci(c, b"application/x-www-form-urlencoded"),
        None => body.contains(&b'='),
    };
    if method.eq_ignore_ascii_case(b"POST") && form {
        let mut user = None;
        let mut pass = false;
        for pair in body.split(|&b| b == b'&') {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => continue,
            };
            let k = k.to_ascii_lowercase();
            if matches!(
                k.as_slice(),
                b"password" | b"passwd" | b"pass" | b"pwd" | b"user_password" | b"login_password"
            ) && !v.is_empty()
            {
                pass = true;
            } else if matches!(
                k.as_slice(),
                b"username" | b"user" | b"login" | b"email" | b"user_name" | b"userid"
            ) {
                user = Some(text(v));
            }
        }
        if pass {
            return Some((LoginProto::HttpForm, user));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(proto: u8, exchange: &[(bool, &[u8])]) -> Vec<LoginNote> {
        let mut st = LoginState {
            proto,
            pending: false,
        };
        let mut v = Vec::new();
        for (to_server, p) in exchange {
            on_payload(&mut st, p, *to_server, &mut |n| v.push(n));
        }
        v
    }

    #[test]
    fn classifies_banners_and_commands() {
        assert_eq!(classify(b"220 mail ESMTP Postfix\r\n", false, 25), P_SMTP);
        assert_eq!(classify(b"220 (vsFTPd 2.3.4)\r\n", false, 21), P_FTP);
        assert_eq!(classify(b"220 Welcome\r\n", false, 21), P_FTP);
        assert_eq!(classify(b"+OK POP3 ready\r\n", false, 110), P_POP3);
        assert_eq!(classify(b"* OK IMAP4rev1\r\n", false, 143), P_IMAP);
        assert_eq!(classify(b"SSH-2.0-OpenSSH_8.9\r\n", false, 902), P_SSH);
        assert_eq!(
            classify(
                b"\x03\x00\x00\x2b\x26\xe0\x00\x00\x00\x00\x00Cookie: mstshash=a\r\n",
                true,
                3389
            ),
            P_RDP
        );
        assert_eq!(classify(b"a001 LOGIN bob pw\r\n", true, 9143), P_IMAP);
        assert_eq!(classify(b"GET / HTTP/1.1\r\n", true, 80), P_NOT);
        assert_eq!(classify(b"USER foo 0 * :Foo\r\n", true, 6667), P_NOT);
        // An FTP data connection carrying a reply text is not IMAP.
        assert_eq!(classify(b"530 Login incorrect.\r\n", true, 2217), P_NOT);
        assert_eq!(classify(b"\x16\x03\x01", false, 443), P_NOT);
    }

    #[test]
    fn ftp_failures_and_success() {
        let v = run(
            P_FTP,
            &[
                (true, b"USER admin\r\n"),
                (false, b"331 Password required\r\n"),
                (true, b"PASS guess\r\n"),
                (false, b"530 Login incorrect.\r\n"),
                (true, b"PASS right\r\n"),
                (false, b"230 Login successful.\r\n"),
            ],
        );
        assert_eq!(v[0].user.as_deref(), Some("admin"));
        assert_eq!(v[1].result, LoginResult::Failure);
        assert_eq!(v[2].result, LoginResult::Success);
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn smtp_auth_plain_user_and_result() {
        // \0alice\0secret
        let v = run(
            P_SMTP,
            &[
                (true, b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"),
                (false, b"235 2.7.0 Authentication successful\r\n"),
            ],
        );
        assert_eq!(v[0].user.as_deref(), Some("alice"));
        assert_eq!(v[1].result, LoginResult::Success);
        let v = run(
            P_SMTP,
            &[
                (true, b"AUTH LOGIN\r\n"),
                (false, b"334 VXNlcm5hbWU6\r\n"),
                (true, b"Z3VycGFydGFw\r\n"),
                (false, b"535 bad\r\n"),
            ],
        );
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].result, LoginResult::Failure);
    }

    #[test]
    fn imap_and_pop3() {
        let v = run(
            P_IMAP,
            &[
                (true, b"a1 LOGIN \"neulingern\" \"x\"\r\n"),
                (false, b"* CAPABILITY x\r\na1 OK LOGIN completed\r\n"),
            ],
        );
        assert_eq!(v[0].user.as_deref(), Some("neulingern"));
        assert_eq!(v[1].result, LoginResult::Success);
        let v = run(
            P_POP3,
            &[
                (true, b"USER bob\r\n"),
                (false, b"+OK\r\n"),
                (true, b"PASS x\r\n"),
                (false, b"-ERR denied\r\n"),
            ],
        );
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].result, LoginResult::Failure);
    }

    #[test]
    fn http_basic_and_forms() {
        let (p, u) = http_login(Some(b"Basic bWFpbnQ6cGFzc3dvcmQ="), b"GET", None, b"").unwrap();
        assert_eq!(p, LoginProto::HttpBasic);
        assert_eq!(u.as_deref(), Some("maint"));
        let (p, u) = http_login(
            None,
            b"POST",
            Some(b"application/x-www-form-urlencoded"),
            b"username=j.doe%40x&password=Autumn&remember=on",
        )
        .unwrap();
        assert_eq!(p, LoginProto::HttpForm);
        assert_eq!(u.as_deref(), Some("j.doe%40x"));
        assert!(http_login(None, b"POST", Some(b"text/plain"), b"password=x").is_none());
        assert!(http_login(None, b"GET", None, b"").is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_payloads(p in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
                                              to_server: bool, port: u16) {
            let c = classify(&p, to_server, port);
            let mut st = LoginState { proto: c, pending: true };
            on_payload(&mut st, &p, to_server, &mut |_| {});
            for proto in 1..=6 {
                let mut st = LoginState { proto, pending: true };
                on_payload(&mut st, &p, !to_server, &mut |_| {});
            }
            let _ = http_login(Some(&p), b"POST", Some(b"application/x-www-form-urlencoded"), &p);
        }
    }
}
