//! SMTP (RFC 5321) commands and replies, parsed and logged as Suricata 7 does
//! (`app-layer-smtp.c`, EVE `smtp` records: `helo`, `mail_from`, `rcpt_to`).
//!
//! Transactions: the first command opens one; a command after the current one completed
//! (the end of its mail's data, or an accepted `RSET`) opens the next. `HELO`/`EHLO` belongs to
//! the session and is logged with every transaction; `MAIL FROM` and `RCPT TO` to the
//! transaction (their first word after the colon, as Suricata keeps it). Mail data (after
//! `DATA` is answered `354`, or at once when the server offered `PIPELINING`, until the line
//! `.`) goes through the MIME decoder ([`super::mime`]): its attachments, decoded, are the
//! transaction's `files` (`file.data` of smtp rules); `BDAT` chunks are stepped over. `STARTTLS`
//! answered `220` hands the stream over to TLS. Lines are kept up to 4096 bytes.

use std::collections::VecDeque;

use super::lines::{dir_index, starts_ci, trim_end, Line, Lines};
use super::parser::{AppParser, ParserEvent, Tx};
use super::registry::AppProto;
use super::Direction;
use crate::events::{AppEvent, AppEvents};

/// Longest line kept.
pub const MAX_LINE: usize = 4096;
/// Most recipients kept per transaction, commands awaiting replies, transactions held.
const MAX_RCPT: usize = 256;
const MAX_PENDING: usize = 256;
/// Longest address or name kept.
const MAX_FIELD: usize = 1024;

/// One mail (or the session's commands before or after one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmtpTx {
    /// The session's `HELO`/`EHLO` name when the transaction was handed out.
    pub helo: Option<Vec<u8>>,
    pub mail_from: Option<Vec<u8>>,
    pub rcpt_to: Vec<Vec<u8>>,
    /// `AUTH` mechanism named by the client, if any (not in Suricata's record).
    pub auth: Option<Vec<u8>>,
    /// The mail's data ended, or `RSET` was accepted.
    pub done: bool,
    /// The mail's attachments, decoded (bounded: [`super::mime`]).
    pub files: Vec<super::files::File>,
    /// Parser anomalies raised while this was the current transaction
    /// (`app-layer-event:smtp.*`).
    pub events: AppEvents,
}

impl SmtpTx {
    /// The EVE `smtp` object (Suricata 7's `JsonSMTPLogJSON`'s `smtp` part).
    pub fn write_eve(&self, out: &mut Vec<u8>) {
        let write_bytes = super::dns::write_json_bytes;
        out.push(b'{');
        let mut sep = "";
        if let Some(h) = &self.helo {
            out.extend_from_slice(b"\"helo\":");
            write_bytes(out, h);
            sep = ",";
        }
        if let Some(m) = &self.mail_from {
            out.extend_from_slice(sep.as_bytes());
            out.extend_from_slice(b"\"mail_from\":");
            write_bytes(out, m);
            sep = ",";
        }
        if !self.rcpt_to.is_empty() {
            out.extend_from_slice(sep.as_bytes());
            out.extend_from_slice(b"\"rcpt_to\":[");
            for (i, r) in self.rcpt_to.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_bytes(out, r);
            }
            out.push(b']');
        }
        out.push(b'}');
    }
}

/// Commands whose replies change the parser's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    StartTls,
    Data,
    Bdat,
    Rset,
    Other,
}

/// Per-flow SMTP parser.
#[derive(Debug, Default)]
pub struct SmtpParser {
    lines: [Lines; 2],
    helo: Option<Vec<u8>>,
    /// The transaction commands go to.
    cur: Option<SmtpTx>,
    /// Completed transactions not yet handed out.
    ready: VecDeque<SmtpTx>,
    /// Commands sent, awaiting their final reply, oldest first.
    cmds: VecDeque<Cmd>,
    /// The client sends mail data.
    data_mode: bool,
    /// Bytes of the current `BDAT` chunk still to come.
    bdat_left: u64,
    /// The current `BDAT` chunk is the last.
    bdat_last: bool,
    /// The server offered `PIPELINING`: `DATA` starts the data at once.
    pipelining: bool,
    /// A reply line ended with `-`: more lines of it come.
    multiline: bool,
    /// `STARTTLS` was accepted: the rest is TLS.
    tls: bool,
    /// MIME state of the mail's data in progress.
    mime: super::mime::Mime,
    events: Vec<ParserEvent>,
    /// The server's first reply was seen (a command before it: no welcome message).
    first_reply_seen: bool,
    /// The current transaction had a DATA command (a second one means the first mail's
    /// data never ended).
    data_cmd: bool,
    /// Bytes announced by the session's BDAT commands since the last RSET: Suricata 7.0.10
    /// never resets its count between chunks, so a later chunk overruns at once.
    bdat_carry: u64,
    /// The next client byte overruns the BDAT chunk (a zero-length chunk, a later chunk, or
    /// a chunk ending inside a line starting with `--`, which Suricata holds until its end).
    bdat_over_next: bool,
    /// An invalid reply or BDAT command: Suricata's parser fails the flow there, so nothing
    /// after it is parsed (or raises events) here either.
    failed: bool,
}

/// Reply codes Suricata 7 knows; any other reply is invalid.
fn known_reply(code: u16) -> bool {
    matches!(
        code,
        211 | 214 | 220 | 221 | 235 | 250 | 251 | 252 | 334 | 354 | 421 | 450 | 451 | 452 | 455
            | 500..=504 | 550..=555
    )
}

/// `prefix_len` bytes of command, one separator, spaces, then the first word (Suricata's
/// `SMTPParseCommandWithParam`).
fn param(line: &[u8], prefix_len: usize) -> Vec<u8> {
    let rest = line.get(prefix_len + 1..).unwrap_or(&[]);
    let start = rest.iter().position(|&c| c != b' ').unwrap_or(rest.len());
    let rest = &rest[start..];
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    rest[..end.min(MAX_FIELD)].to_vec()
}

impl SmtpParser {
    pub fn new() -> SmtpParser {
        SmtpParser::default()
    }

    /// A parser whose attachments get the digests `needs` names.
    pub fn with_files(needs: super::files::FileNeeds) -> SmtpParser {
        let mut p = SmtpParser::default();
        p.mime.needs = needs;
        p
    }

    fn event(&mut self, dir: Direction, name: &'static str) {
        if self.events.len() < 64 {
            self.events.push(ParserEvent {
                proto: AppProto::Smtp,
                dir,
                name,
            });
        }
    }

    /// Raises an app-layer event on the current transaction (or on the last completed one
    /// not yet handed out, which Suricata's still is); with none, it is lost, as in Suricata.
    fn raise(&mut self, e: AppEvent) {
        if let Some(tx) = self.cur.as_mut().or(self.ready.back_mut()) {
            tx.events.set(e);
        }
    }

    /// The current transaction done: it waits to be handed out.
    fn complete(&mut self) {
        self.data_cmd = false;
        if let Some(mut tx) = self.cur.take() {
            tx.done = true;
            tx.helo = self.helo.clone();
            if self.ready.len() < MAX_PENDING {
                self.ready.push_back(tx);
            }
        }
    }

    fn request(&mut self, line: Line<'_>) {
        if line.truncated {
            self.event(Direction::ToServer, "max_command_line_len_exceeded");
        }
        // The line without its CR (Suricata's line excludes CRLF or LF).
        let b = line.bytes.strip_suffix(b"\r").unwrap_or(line.bytes);
        if self.data_mode {
            if b == b"." {
                self.data_mode = false;
                let mut mime = std::mem::take(&mut self.mime);
                self.mime.needs = mime.needs;
                mime.finish();
                if let Some(tx) = &mut self.cur {
                    tx.files = mime.files;
                    if mime.long_boundary {
                        tx.events.set(AppEvent::SmtpMimeLongBoundary);
                    }
                    if mime.long_filename {
                        tx.events.set(AppEvent::SmtpMimeLongFilename);
                    }
                }
                self.complete();
            } else {
                self.mime.line(b);
            }
            return;
        }
        if starts_ci(b, b"data") && std::mem::take(&mut self.data_cmd) {
            // The previous DATA's mail never ended: Suricata starts a new transaction.
            self.raise(AppEvent::SmtpUnparsableContent);
            self.complete();
        }
        self.cur.get_or_insert_with(SmtpTx::default);
        if !self.first_reply_seen {
            self.raise(AppEvent::SmtpNoServerWelcomeMessage);
        }
        if matches!(self.cmds.back(), Some(Cmd::StartTls | Cmd::Data)) {
            self.raise(AppEvent::SmtpInvalidPipelinedSequence);
        }
        let Some(tx) = self.cur.as_mut() else {
            return;
        };
        let mut cmd = Cmd::Other;
        if starts_ci(b, b"helo") || starts_ci(b, b"ehlo") {
            if self.helo.is_some() {
                tx.events.set(AppEvent::SmtpDuplicateFields);
                self.event(Direction::ToServer, "duplicate_fields");
            } else {
                self.helo = Some(param(b, 4));
            }
        } else if starts_ci(b, b"mail from") {
            if tx.mail_from.is_some() {
                tx.events.set(AppEvent::SmtpDuplicateFields);
                self.event(Direction::ToServer, "duplicate_fields");
            } else {
                tx.mail_from = Some(param(b, 9));
            }
        } else if starts_ci(b, b"rcpt to") {
            if tx.rcpt_to.len() < MAX_RCPT {
                tx.rcpt_to.push(param(b, 7));
            }
        } else if starts_ci(b, b"starttls") {
            cmd = Cmd::StartTls;
        } else if starts_ci(b, b"data") {
            cmd = Cmd::Data;
            self.data_cmd = true;
            if self.pipelining {
                self.data_mode = true;
            }
        } else if starts_ci(b, b"bdat") {
            cmd = Cmd::Bdat;
            let arg = &b[4..];
            let spaces = arg.iter().take_while(|&&c| c == b' ').count();
            let len = (spaces > 0).then(|| strtoul(&arg[spaces..])).flatten();
            match len {
                Some(n) => {
                    self.bdat_left = n;
                    let mut words = arg.split(|&c| c == b' ').filter(|w| !w.is_empty());
                    self.bdat_last = words
                        .nth(1)
                        .is_some_and(|w| w.eq_ignore_ascii_case(b"last"));
                    self.bdat_over_next = n == 0 || self.bdat_carry > 0;
                    self.bdat_carry = self.bdat_carry.saturating_add(n);
                }
                None => {
                    tx.events.set(AppEvent::SmtpBdatChunkLenExceeded);
                    self.failed = true;
                    self.event(Direction::ToServer, "bdat_chunk_len_exceeded")
                }
            }
        } else if starts_ci(b, b"rset") {
            cmd = Cmd::Rset;
            self.bdat_carry = 0;
        } else if starts_ci(b, b"auth") {
            let mech = param(b, 4);
            if !mech.is_empty() {
                tx.auth = Some(mech);
            }
        }
        if self.cmds.len() < MAX_PENDING {
            self.cmds.push_back(cmd);
        }
    }

    fn reply(&mut self, line: Line<'_>) {
        if line.truncated {
            self.event(Direction::ToClient, "max_reply_line_len_exceeded");
        }
        let b = trim_end(line.bytes);
        if b.is_empty() && line.bytes == b"\n" {
            return;
        }
        let code = match b.get(..3) {
            Some(c) if c.iter().all(u8::is_ascii_digit) => {
                u16::from(c[0] - b'0') * 100 + u16::from(c[1] - b'0') * 10 + u16::from(c[2] - b'0')
            }
            _ => {
                self.raise(AppEvent::SmtpInvalidReply);
                self.event(Direction::ToClient, "invalid_reply");
                self.failed = true;
                return;
            }
        };
        if !known_reply(code) {
            self.raise(AppEvent::SmtpInvalidReply);
            self.event(Direction::ToClient, "invalid_reply");
            self.failed = true;
            return;
        }
        let more = b.get(3) == Some(&b'-');
        if b.get(4..).is_some_and(|t| starts_ci(t, b"PIPELINING")) {
            self.pipelining = true;
        }
        self.multiline = more;
        if more {
            return;
        }
        let Some(cmd) = self.cmds.pop_front() else {
            // The greeting, or a reply to nothing.
            if !std::mem::replace(&mut self.first_reply_seen, true) && code != 220 {
                self.raise(AppEvent::SmtpInvalidReply);
            }
            return;
        };
        match cmd {
            Cmd::StartTls if code == 220 => self.tls = true,
            Cmd::StartTls => self.raise(AppEvent::SmtpTlsRejected),
            Cmd::Data if code == 354 => self.data_mode = true,
            Cmd::Data => {
                self.data_mode = false;
                self.raise(AppEvent::SmtpDataCommandRejected);
                self.event(Direction::ToClient, "data_command_rejected");
            }
            Cmd::Rset if code == 250 => self.complete(),
            _ => {}
        }
    }

    fn feed_dir(&mut self, dir: Direction, mut data: &[u8]) {
        let i = dir_index(dir);
        let mut lines = std::mem::take(&mut self.lines[i]);
        while !self.tls && !self.failed && !data.is_empty() {
            if dir == Direction::ToServer && std::mem::take(&mut self.bdat_over_next) {
                self.raise(AppEvent::SmtpBdatChunkLenExceeded);
                // Suricata's parser fails the flow there.
                self.failed = true;
                break;
            }
            if dir == Direction::ToServer && self.bdat_left > 0 {
                let n = (self.bdat_left.min(data.len() as u64)) as usize;
                self.bdat_left -= n as u64;
                // Suricata reads BDAT data by lines, a line's piece at the end of what arrived
                // counting as one: a line going on past the chunk's end in the same input
                // overruns it, and so does one starting with `--` (a possible MIME boundary,
                // held until its end) whatever comes next.
                let part = &data[..n];
                let line = &part[memchr::memrchr(b'\n', part).map_or(0, |p| p + 1)..];
                let mut held = false;
                if self.bdat_left == 0 && !line.is_empty() {
                    if data.len() > n {
                        self.raise(AppEvent::SmtpBdatChunkLenExceeded);
                        self.failed = true;
                    } else if line == b"-" || line.starts_with(b"--") {
                        self.bdat_over_next = true;
                        held = true;
                    }
                }
                data = &data[n..];
                if self.bdat_left == 0 && self.bdat_last && !held {
                    self.bdat_last = false;
                    self.complete();
                }
                continue;
            }
            let Some(line) = lines.next(MAX_LINE, &mut data) else {
                break;
            };
            match dir {
                Direction::ToServer => self.request(line),
                Direction::ToClient => self.reply(line),
            }
        }
        self.lines[i] = lines;
    }
}

/// A BDAT length as C's `strtoul` reads it (Suricata's): leading white space, a sign (a
/// negative value wraps), digits (at least one), saturating at the maximum.
fn strtoul(b: &[u8]) -> Option<u64> {
    let s = b.trim_ascii_start();
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let n = s[..digits].iter().fold(0u64, |n, &c| {
        n.saturating_mul(10).saturating_add(u64::from(c - b'0'))
    });
    Some(if neg && n != u64::MAX {
        n.wrapping_neg()
    } else {
        n
    })
}

impl AppParser for SmtpParser {
    fn proto(&self) -> AppProto {
        AppProto::Smtp
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        self.feed_dir(dir, data);
    }

    fn gap(&mut self, dir: Direction, len: u64) {
        if dir == Direction::ToServer && self.bdat_left > 0 {
            self.bdat_left = self.bdat_left.saturating_sub(len);
            return;
        }
        self.lines[dir_index(dir)].gap();
    }

    fn finish(&mut self) {
        for dir in [Direction::ToServer, Direction::ToClient] {
            let i = dir_index(dir);
            let mut lines = std::mem::take(&mut self.lines[i]);
            lines.finish(&mut |line| {
                if !self.tls && !self.failed {
                    match dir {
                        Direction::ToServer => self.request(line),
                        Direction::ToClient => self.reply(line),
                    }
                }
            });
        }
    }

    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        while let Some(tx) = self.ready.pop_front() {
            out(Tx::Smtp(&tx));
        }
        if at_end {
            if let Some(mut tx) = self.cur.take() {
                tx.helo = self.helo.clone();
                out(Tx::Smtp(&tx));
            }
        }
    }

    fn events(&mut self, out: &mut dyn FnMut(ParserEvent)) {
        for e in self.events.drain(..) {
            out(e);
        }
    }

    fn is_done(&self) -> bool {
        false
    }

    fn handed_over(&self) -> bool {
        self.tls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Direction = Direction::ToServer;
    const S: Direction = Direction::ToClient;

    fn eve(tx: Tx<'_>) -> String {
        let Tx::Smtp(tx) = tx else { panic!("not smtp") };
        let mut v = Vec::new();
        tx.write_eve(&mut v);
        String::from_utf8(v).unwrap()
    }

    fn run_on(p: &mut SmtpParser, exchange: &[(Direction, &[u8])]) -> Vec<String> {
        let mut out = Vec::new();
        for (d, b) in exchange {
            p.feed(*d, b);
            p.drain(false, &mut |tx| out.push(eve(tx)));
        }
        p.finish();
        p.drain(true, &mut |tx| out.push(eve(tx)));
        out
    }

    fn run(exchange: &[(Direction, &[u8])]) -> Vec<String> {
        run_on(&mut SmtpParser::new(), exchange)
    }

    const MAIL: &[(Direction, &[u8])] = &[
        (S, b"220-mx ESMTP\r\n220 ready\r\n"),
        (C, b"EHLO GP\r\n"),
        (S, b"250-mx Hello\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n"),
        (C, b"AUTH LOGIN\r\n"),
        (S, b"334 VXNlcm5hbWU6\r\n"),
        (C, b"dXNlcg==\r\n"),
        (S, b"334 UGFzc3dvcmQ6\r\n"),
        (C, b"cGFzcw==\r\n"),
        (S, b"235 ok\r\n"),
        (C, b"MAIL FROM: <a@example.org> SIZE=100\r\n"),
        (S, b"250 OK\r\n"),
        (C, b"RCPT TO:<b@example.com>\r\n"),
        (S, b"250 OK\r\n"),
        (C, b"RCPT TO:<c@example.com>\r\n"),
        (S, b"250 OK\r\n"),
        (C, b"DATA\r\n"),
        (S, b"354 go ahead\r\n"),
        (
            C,
            b"Subject: hi\r\nMAIL FROM: <not@a.command>\r\n\r\nbody\r\n.\r\n",
        ),
        (S, b"250 queued\r\n"),
        (C, b"QUIT\r\n"),
        (S, b"221 bye\r\n"),
    ];

    #[test]
    fn mail_then_quit_as_suricata_logs_them() {
        assert_eq!(
            run(MAIL),
            [
                r#"{"helo":"GP","mail_from":"<a@example.org>","rcpt_to":["<b@example.com>","<c@example.com>"]}"#,
                r#"{"helo":"GP"}"#,
            ]
        );
    }

    /// The app-layer events of each transaction handed out.
    fn events_of(exchange: &[(Direction, &[u8])]) -> Vec<Vec<&'static str>> {
        let mut p = SmtpParser::new();
        let mut out = Vec::new();
        let mut take = |tx: Tx<'_>| {
            if let Tx::Smtp(tx) = tx {
                out.push(tx.events.iter().map(|e| e.name()).collect());
            }
        };
        for (d, b) in exchange {
            p.feed(*d, b);
            p.drain(false, &mut take);
        }
        p.finish();
        p.drain(true, &mut take);
        out
    }

    #[test]
    fn events_as_suricata_raises_them_for_any_split() {
        type Exchange<'a> = &'a [(Direction, &'a [u8])];
        let cases: &[(Exchange, &[&[&str]])] = &[
            (MAIL, &[&[], &[]]),
            (
                &[
                    (C, b"EHLO c\r\n"),
                    (S, b"250 ok\r\n"),
                    (C, b"STARTTLS\r\nNOOP\r\n"),
                    (S, b"502 no\r\n250 ok\r\n"),
                ],
                &[&[
                    "smtp.invalid_pipelined_sequence",
                    "smtp.no_server_welcome_message",
                    "smtp.tls_rejected",
                ]],
            ),
            (
                &[
                    (S, b"220 mx\r\n"),
                    (C, b"EHLO c\r\n"),
                    (S, b"299 odd\r\n"),
                    (C, b"EHLO d\r\n"),
                ],
                // The invalid reply ends the parsing: the second EHLO is not seen.
                &[&["smtp.invalid_reply"]],
            ),
            (
                &[
                    (S, b"220 mx\r\n"),
                    (C, b"MAIL FROM:<a@b>\r\n"),
                    (S, b"250 ok\r\n"),
                    (C, b"BDAT 3 LAST\r\nab\r\n"),
                ],
                &[&["smtp.bdat_chunk_len_exceeded"]],
            ),
            (
                &[
                    (S, b"220 mx\r\n"),
                    (C, b"MAIL FROM:<a@b>\r\n"),
                    (S, b"250 ok\r\n"),
                    (C, b"DATA\r\n"),
                    (S, b"554 no\r\n"),
                    (C, b"DATA\r\n"),
                ],
                &[
                    &["smtp.data_command_rejected", "smtp.unparsable_content"],
                    &[],
                ],
            ),
        ];
        for (n, (ex, want)) in cases.iter().enumerate() {
            let whole = events_of(ex);
            assert_eq!(whole, *want, "{ex:?}");
            if n == 3 {
                // Suricata judges a BDAT chunk's end within one input: split there, the line
                // is not seen to overrun it.
                continue;
            }
            for (k, (d, b)) in ex.iter().enumerate() {
                for i in 0..=b.len() {
                    let mut split: Vec<(Direction, &[u8])> = ex.to_vec();
                    split.splice(k..=k, [(*d, &b[..i]), (*d, &b[i..])]);
                    assert_eq!(events_of(&split), whole, "message {k} split at {i}");
                }
            }
        }
    }

    #[test]
    fn the_same_records_for_any_split() {
        let whole = run(MAIL);
        for (k, (d, b)) in MAIL.iter().enumerate() {
            for i in 0..=b.len() {
                let mut ex: Vec<(Direction, &[u8])> = MAIL.to_vec();
                ex.splice(k..=k, [(*d, &b[..i]), (*d, &b[i..])]);
                assert_eq!(run(&ex), whole, "message {k} split at {i}");
            }
        }
    }

    fn files_of(exchange: &[(Direction, &[u8])]) -> Vec<Vec<Vec<u8>>> {
        let mut p = SmtpParser::new();
        let mut out = Vec::new();
        for (d, b) in exchange {
            p.feed(*d, b);
            p.drain(false, &mut |tx| {
                if let Tx::Smtp(t) = tx {
                    out.push(t.files.iter().map(|f| f.content.clone()).collect())
                }
            });
        }
        p.finish();
        p.drain(true, &mut |tx| {
            if let Tx::Smtp(t) = tx {
                out.push(t.files.iter().map(|f| f.content.clone()).collect())
            }
        });
        out
    }

    const ATTACHED: &[u8] = b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nnot a file\r\n--b\r\nContent-Disposition: attachment; filename=\"f\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nQVRUQUNI\r\nTUFSSw==\r\n--b\r\n\
Content-Type: text/plain; name=q\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nq=3Dp=\r\nx\r\n--b--\r\n.\r\n";

    /// The mail's attachments, decoded, whatever the split of the data (every byte).
    #[test]
    fn attachments_decoded_for_any_split() {
        let head: &[(Direction, &[u8])] = &[
            (C, b"EHLO x\r\n"),
            (S, b"250 mx\r\n"),
            (C, b"MAIL FROM:<a@b>\r\n"),
            (S, b"250 ok\r\n"),
            (C, b"DATA\r\n"),
            (S, b"354 go\r\n"),
        ];
        let want = vec![vec![b"ATTACHMARK".to_vec(), b"q=px\r\n".to_vec()]];
        let mut ex = head.to_vec();
        ex.push((C, ATTACHED));
        assert_eq!(files_of(&ex), want);
        for i in 0..=ATTACHED.len() {
            let mut ex = head.to_vec();
            ex.push((C, &ATTACHED[..i]));
            ex.push((C, &ATTACHED[i..]));
            assert_eq!(files_of(&ex), want, "split at {i}");
        }
    }

    #[test]
    fn pipelining_enters_data_at_once() {
        let out = run(&[
            (C, b"EHLO x\r\n"),
            (S, b"250-mx\r\n250 PIPELINING\r\n"),
            (
                C,
                b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nRCPT TO:<in@body>\r\n.\r\n",
            ),
        ]);
        assert_eq!(
            out[0],
            r#"{"helo":"x","mail_from":"<a@b>","rcpt_to":["<c@d>"]}"#
        );
    }

    #[test]
    fn rejected_data_is_no_mail_data_and_rset_completes() {
        let mut p = SmtpParser::new();
        let out = run_on(
            &mut p,
            &[
                (C, b"HELO h\r\nMAIL FROM:<a@b>\r\nDATA\r\n"),
                (S, b"250 ok\r\n250 ok\r\n554 no valid recipients\r\n"),
                (C, b"RCPT TO:<late@x>\r\nRSET\r\n"),
                (S, b"250 ok\r\n250 reset\r\n"),
                (C, b"MAIL FROM:<next@x>\r\n"),
            ],
        );
        assert_eq!(
            out,
            [
                r#"{"helo":"h","mail_from":"<a@b>","rcpt_to":["<late@x>"]}"#,
                r#"{"helo":"h","mail_from":"<next@x>"}"#,
            ]
        );
        let mut events = Vec::new();
        p.events(&mut |e| events.push(e.name));
        assert_eq!(events, ["data_command_rejected"]);
    }

    #[test]
    fn bdat_chunks_are_stepped_over() {
        let out = run(&[
            (C, b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 13 LAST\r\nRCPT TO:<x>\r\nQUIT\r\n"),
        ]);
        assert_eq!(
            out,
            [
                r#"{"helo":"x","mail_from":"<a@b>","rcpt_to":["<c@d>"]}"#,
                r#"{"helo":"x"}"#
            ]
        );
    }

    #[test]
    fn starttls_hands_over() {
        let mut p = SmtpParser::new();
        p.feed(C, b"EHLO x\r\n");
        p.feed(S, b"250 STARTTLS\r\n");
        p.feed(C, b"STARTTLS\r\n");
        assert!(!p.handed_over());
        p.feed(S, b"220 go ahead\r\n");
        assert!(p.handed_over());
        // What follows is TLS, not SMTP.
        p.feed(C, b"\x16\x03\x01\x00\x05EHLO y\r\n");
        let mut out = Vec::new();
        p.drain(true, &mut |tx| out.push(eve(tx)));
        assert_eq!(out, [r#"{"helo":"x"}"#]);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            chunks in proptest::collection::vec(
                (proptest::bool::ANY, proptest::collection::vec(proptest::num::u8::ANY, 0..300)),
                0..20,
            ),
        ) {
            let mut p = SmtpParser::new();
            for (to_server, b) in &chunks {
                let d = if *to_server { C } else { S };
                if b.first() == Some(&0) {
                    p.gap(d, 1 << 40);
                }
                p.feed(d, b);
                p.drain(false, &mut |tx| { eve(tx); });
            }
            p.finish();
            p.drain(true, &mut |tx| { eve(tx); });
        }
    }
}
