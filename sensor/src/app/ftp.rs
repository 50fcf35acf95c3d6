//! FTP control channel (RFC 959), parsed and logged as Suricata 7 does (`app-layer-ftp.c`,
//! EVE `ftp` records).
//!
//! Transactions: each client line naming a known command (found anywhere in the line, case
//! ignored, as Suricata's pattern matcher finds it) opens one; a line naming none opens
//! nothing. Each reply line goes to the oldest transaction still waiting for its reply, else
//! to the last one not yet logged, else to a new transaction without a command (the server's
//! greeting, or data the client's unknown commands drew). A line starting with `1`
//! (preliminary reply) keeps the transaction open; any other line completes it, so a
//! multi-line reply to pipelined commands spreads over them as Suricata's does.
//!
//! Dynamic ports: `PORT`/`EPRT` (active mode, from the command, once a reply comes), `PASV`'s
//! `227` and `EPSV`'s `229` replies (passive mode). `AUTH TLS` answered by `234 ` hands the
//! stream over to TLS. Lines are kept up to 4096 bytes (Suricata's `max-line-length`), the
//! rest dropped and the command or reply flagged truncated (the transaction then carries
//! Suricata's `ftp.request_command_too_long` / `ftp.response_command_too_long` event).
//!
//! Data connections: a `STOR` or `RETR` once a data port is known leaves an expectation
//! (`ftp_data`) and forgets the port; one without a port (or without a file name) is a parser
//! error in Suricata, which stops parsing the flow: so here too, nothing after it is parsed.

use std::collections::VecDeque;

use super::lines::{dir_index, trim_end, Line, Lines};
use super::parser::{AppParser, ParserEvent, Tx};
use super::registry::AppProto;
use super::Direction;

/// Longest line kept (Suricata's default `app-layer.protocols.ftp.max-line-length`).
pub const MAX_LINE: usize = 4096;
/// Most transactions held waiting for replies (beyond it the oldest is logged unanswered).
const MAX_TXS: usize = 256;

/// Commands Suricata 7 knows (`FtpCommands`), by name.
const COMMANDS: &[&str] = &[
    "ABOR", "ACCT", "ALLO", "APPE", "AUTH TLS", "CDUP", "CHMOD", "CWD", "DELE", "EPSV", "HELP",
    "IDLE", "LIST", "MAIL", "MDTM", "MKD", "MLFL", "MODE", "MRCP", "MRSQ", "MSAM", "MSND", "MSOM",
    "NLST", "NOOP", "PASS", "PASV", "PORT", "PWD", "QUIT", "REIN", "REST", "RETR", "RMD", "RNFR",
    "RNTO", "SITE", "SIZE", "SMNT", "STAT", "STOR", "STOU", "STRU", "SYST", "TYPE", "UMASK",
    "USER", "EPRT",
];

/// The command of a line: the known name whose occurrence ends first (case ignored), as
/// Suricata's pattern matcher (Aho-Corasick over the whole line) reports it.
fn command_of(line: &[u8]) -> Option<&'static str> {
    static MATCHER: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let ac = MATCHER.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(COMMANDS)
            .expect("FTP command patterns")
    });
    ac.find(line).map(|m| COMMANDS[m.pattern().as_usize()])
}

/// One command and its reply lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FtpTx {
    /// The command's name as Suricata spells it (`None`: a reply with no command).
    pub command: Option<&'static str>,
    /// The command line, trailing white space removed.
    pub request: Vec<u8>,
    pub request_truncated: bool,
    /// Reply lines, trailing white space removed.
    pub replies: Vec<Vec<u8>>,
    pub reply_truncated: bool,
    /// Data-channel port the command or its reply set (0: none).
    pub dynamic_port: u16,
    /// The dynamic port is the client's (PORT/EPRT).
    pub active: bool,
    /// A final (non-1xx) reply line came.
    pub done: bool,
    /// The PORT command names another address than the client's (`ftpbounce`): the address
    /// its line gives, as Suricata's `DetectFtpbounceMatchArgs` reads it.
    pub port_addr: Option<[u8; 4]>,
}

impl FtpTx {
    /// The command's argument (`command_data`): what follows the name and one byte.
    pub fn command_data(&self) -> Option<&[u8]> {
        let n = self.command?.len() + 1;
        (self.request.len() > n - 1).then(|| self.request.get(n..).unwrap_or(&[]))
    }

    /// Completion codes of the reply lines that start with three digits.
    pub fn completion_codes(&self) -> impl Iterator<Item = &[u8]> {
        self.replies
            .iter()
            .filter(|r| r.len() >= 3 && r[..3].iter().all(u8::is_ascii_digit))
            .map(|r| &r[..3])
    }

    /// The EVE `ftp` object's members (Suricata 7's `EveFTPLogCommand`).
    pub fn write_eve(&self, out: &mut Vec<u8>) {
        use crate::output::json::{write_bool, write_u64};
        let write_bytes = super::dns::write_json_bytes;
        out.push(b'{');
        if let Some(cmd) = self.command {
            out.extend_from_slice(b"\"command\":\"");
            out.extend_from_slice(cmd.as_bytes());
            out.extend_from_slice(b"\",");
            if let Some(data) = self.command_data() {
                out.extend_from_slice(b"\"command_data\":");
                write_bytes(out, data);
                out.extend_from_slice(b",\"command_truncated\":");
                write_bool(out, self.request_truncated);
                out.push(b',');
            }
        }
        let mut codes = self.completion_codes().peekable();
        if codes.peek().is_some() {
            out.extend_from_slice(b"\"completion_code\":[");
            for (i, c) in codes.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_bytes(out, c);
            }
            out.extend_from_slice(b"],");
        }
        let mut texts = self
            .replies
            .iter()
            .filter_map(|r| {
                let coded = r.len() >= 3 && r[..3].iter().all(u8::is_ascii_digit);
                let offset = if coded { 4 } else { 0 };
                r.get(offset..)
            })
            .peekable();
        if texts.peek().is_some() {
            out.extend_from_slice(b"\"reply\":[");
            for (i, t) in texts.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_bytes(out, t);
            }
            out.extend_from_slice(b"],");
        }
        if self.dynamic_port != 0 {
            out.extend_from_slice(b"\"dynamic_port\":");
            write_u64(out, self.dynamic_port as u64);
            out.push(b',');
        }
        if matches!(self.command, Some("PORT" | "EPRT")) {
            out.extend_from_slice(if self.active {
                b"\"mode\":\"active\","
            } else {
                b"\"mode\":\"passive\","
            });
        }
        out.extend_from_slice(if self.done {
            b"\"reply_received\":\"yes\""
        } else {
            b"\"reply_received\":\"no\""
        });
        out.extend_from_slice(b",\"reply_truncated\":");
        write_bool(out, self.reply_truncated);
        out.push(b'}');
    }
}

/// Per-flow FTP control-channel parser.
#[derive(Debug, Default)]
pub struct FtpParser {
    lines: [Lines; 2],
    /// Transactions not yet handed out, oldest first.
    txs: VecDeque<FtpTx>,
    /// The command of the last client line (`None`: unknown), which decides how replies are
    /// read, as Suricata's `state->command`.
    last_command: Option<&'static str>,
    /// The last PORT/EPRT line (its port is read when the reply comes).
    port_line: Vec<u8>,
    /// `AUTH TLS` was accepted: the rest is TLS.
    tls: bool,
    /// The data port the last PORT/EPRT/PASV/EPSV set (0: none, or used by a STOR/RETR).
    dyn_port: u16,
    /// That port is the client's (active mode).
    active: bool,
    /// Expectations not yet handed out.
    expects: Vec<super::ftp_data::Expect>,
    /// A STOR/RETR without a data port: Suricata's parser errors and parses no more.
    stopped: bool,
    events: Vec<ParserEvent>,
    /// Transactions handed out.
    pub tx_count: u64,
}

impl FtpParser {
    pub fn new() -> FtpParser {
        FtpParser::default()
    }

    fn event(&mut self, dir: Direction, name: &'static str) {
        if self.events.len() < 64 {
            self.events.push(ParserEvent {
                proto: AppProto::Ftp,
                dir,
                name,
            });
        }
    }

    fn request(&mut self, line: Line<'_>) {
        if line.truncated {
            self.event(Direction::ToServer, "request_command_too_long");
        }
        let text = trim_end(line.bytes);
        let Some(cmd) = command_of(line.bytes) else {
            self.last_command = None;
            return;
        };
        self.last_command = Some(cmd);
        if matches!(cmd, "PORT" | "EPRT") {
            self.port_line.clear();
            self.port_line.extend_from_slice(line.bytes);
        }
        let port_addr = if cmd == "PORT" {
            port_address(strip_cr(line.bytes))
        } else {
            None
        };
        self.txs.push_back(FtpTx {
            command: Some(cmd),
            request: text.to_vec(),
            request_truncated: line.truncated,
            port_addr,
            ..Default::default()
        });
        if matches!(cmd, "STOR" | "RETR") {
            let bytes = strip_cr(line.bytes);
            if self.dyn_port == 0 || bytes.len() < 6 {
                self.stopped = true;
                return;
            }
            use super::ftp_data::{Expect, FtpDataCmd};
            let stor = cmd == "STOR";
            // The file flows to the data connection's client for an active STOR or a passive
            // RETR (Suricata's expectation direction).
            let dir = if self.active == stor {
                Direction::ToClient
            } else {
                Direction::ToServer
            };
            if self.expects.len() < 16 {
                self.expects.push(Expect {
                    port: self.dyn_port,
                    dir,
                    cmd: if stor {
                        FtpDataCmd::Stor
                    } else {
                        FtpDataCmd::Retr
                    },
                    file_name: bytes[5..bytes.len().min(5 + 4095)].to_vec(),
                });
            }
            self.dyn_port = 0;
            self.active = false;
        }
    }

    fn reply(&mut self, line: Line<'_>) {
        if line.truncated {
            self.event(Direction::ToClient, "response_command_too_long");
        }
        let cur = self.txs.iter().position(|t| !t.done);
        let tx = match cur {
            Some(i) => &mut self.txs[i],
            None => {
                if self.txs.is_empty() {
                    self.txs.push_back(FtpTx::default());
                }
                self.txs.back_mut().expect("not empty")
            }
        };
        let b = line.bytes;
        let mut store = true;
        match self.last_command {
            Some("AUTH TLS") if b.starts_with(b"234 ") => self.tls = true,
            Some(c @ ("PORT" | "EPRT")) => {
                let port = if c == "PORT" {
                    port_of_port(&self.port_line)
                } else {
                    port_of_eprt(&self.port_line)
                };
                match port {
                    Some(p) => {
                        tx.dynamic_port = p;
                        tx.active = true;
                        self.dyn_port = p;
                        self.active = true;
                    }
                    // Suricata completes the transaction without keeping the line.
                    None => store = false,
                }
            }
            Some("PASV") if b.starts_with(b"227 ") => {
                if let Some(p) = port_of_pasv(b) {
                    tx.dynamic_port = p;
                    tx.active = false;
                    self.dyn_port = p;
                    self.active = false;
                }
            }
            Some("EPSV") if b.starts_with(b"229 ") => {
                if let Some(p) = port_of_epsv(b) {
                    tx.dynamic_port = p;
                    tx.active = false;
                    self.dyn_port = p;
                    self.active = false;
                }
            }
            _ => {}
        }
        if store {
            if !b.is_empty() {
                tx.replies.push(trim_end(b).to_vec());
                tx.reply_truncated |= line.truncated;
            }
            if b.first() == Some(&b'1') {
                return;
            }
        }
        tx.done = true;
    }
}

/// A line without its CR (Suricata's line excludes the CRLF or LF).
fn strip_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// The address a PORT line gives, read as Suricata's `ftpbounce` reads it: from the first
/// digit, four numbers of at most three digits (spaces allowed before each comma), each
/// followed by a comma; a number over 256 or anything else means no address. Numbers are
/// shifted in as Suricata does (256 carries into the previous byte).
fn port_address(line: &[u8]) -> Option<[u8; 4]> {
    if line.len() < 8 {
        return None;
    }
    let mut i = line.iter().position(u8::is_ascii_digit)?;
    let (mut octet, mut digits, mut n, mut ip) = (0u32, 0, 0, 0u32);
    while i < line.len() && digits < 4 {
        let c = line[i];
        if c.is_ascii_digit() {
            octet = octet * 10 + u32::from(c - b'0');
            digits += 1;
        } else {
            if octet > 256 {
                return None;
            }
            while i < line.len() && line[i].is_ascii_whitespace() {
                i += 1;
            }
            if line.get(i) != Some(&b',') {
                return None;
            }
            n += 1;
            digits = 0;
            ip = (ip << 8).wrapping_add(octet);
            octet = 0;
            if n == 4 {
                return Some(ip.to_be_bytes());
            }
        }
        i += 1;
    }
    None
}

/// `PORT h1,h2,h3,h4,p1,p2`: the port, if the six numbers are bytes and it is not 0.
fn port_of_port(line: &[u8]) -> Option<u16> {
    let i = memchr::memmem::find(&line.to_ascii_uppercase(), b"PORT")? + 4;
    let rest = line.get(i..)?;
    let rest = rest.strip_prefix(b" ")?;
    let nums = byte_list(trim_end(rest), 6)?;
    nonzero(u16::from(nums[4]) << 8 | u16::from(nums[5]))
}

/// `EPRT |af|addr|port|`: the port.
fn port_of_eprt(line: &[u8]) -> Option<u16> {
    let i = memchr::memmem::find(&line.to_ascii_uppercase(), b"EPRT")? + 4;
    let rest = trim_end(line.get(i..)?).strip_prefix(b" ")?;
    let d = *rest.first()?;
    let mut parts = rest[1..].split(|&c| c == d);
    let _af = parts.next()?;
    let _addr = parts.next()?;
    let port = parts.next()?;
    nonzero(decimal(port)?.try_into().ok()?)
}

/// `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)`.
fn port_of_pasv(line: &[u8]) -> Option<u16> {
    let open = memchr::memchr(b'(', line)?;
    let rest = &line[open + 1..];
    let close = memchr::memchr(b')', rest)?;
    let nums = byte_list(&rest[..close], 6)?;
    nonzero(u16::from(nums[4]) << 8 | u16::from(nums[5]))
}

/// `229 Entering Extended Passive Mode (|||port|)`.
fn port_of_epsv(line: &[u8]) -> Option<u16> {
    let open = memchr::memchr(b'(', line)?;
    let rest = &line[open + 1..];
    let d = *rest.first()?;
    let inner = rest.get(3..)?;
    if rest[1] != d || rest[2] != d {
        return None;
    }
    let end = memchr::memchr(d, inner)?;
    nonzero(decimal(&inner[..end])?.try_into().ok()?)
}

fn nonzero(p: u16) -> Option<u16> {
    (p != 0).then_some(p)
}

fn decimal(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0')))
}

/// `n` comma-separated numbers of 0-255.
fn byte_list(b: &[u8], n: usize) -> Option<Vec<u8>> {
    let v: Vec<u8> = b
        .split(|&c| c == b',')
        .map(|p| decimal(p).and_then(|x| u8::try_from(x).ok()))
        .collect::<Option<_>>()?;
    (v.len() == n).then_some(v)
}

impl AppParser for FtpParser {
    fn proto(&self) -> AppProto {
        AppProto::Ftp
    }

    fn feed(&mut self, dir: Direction, mut data: &[u8]) {
        let i = dir_index(dir);
        let mut lines = std::mem::take(&mut self.lines[i]);
        while !self.tls && !self.stopped {
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

    fn gap(&mut self, dir: Direction, _len: u64) {
        self.lines[dir_index(dir)].gap();
    }

    fn finish(&mut self) {
        for dir in [Direction::ToServer, Direction::ToClient] {
            let i = dir_index(dir);
            let mut lines = std::mem::take(&mut self.lines[i]);
            lines.finish(&mut |line| {
                if !self.tls && !self.stopped {
                    match dir {
                        Direction::ToServer => self.request(line),
                        Direction::ToClient => self.reply(line),
                    }
                }
            });
        }
    }

    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        while let Some(tx) = self.txs.front() {
            if !(tx.done || at_end || self.txs.len() > MAX_TXS) {
                break;
            }
            let tx = self.txs.pop_front().expect("front exists");
            self.tx_count += 1;
            out(Tx::Ftp(&tx));
        }
    }

    fn events(&mut self, out: &mut dyn FnMut(ParserEvent)) {
        for e in self.events.drain(..) {
            out(e);
        }
    }

    fn is_done(&self) -> bool {
        self.stopped
    }

    fn handed_over(&self) -> bool {
        self.tls
    }

    fn expectations(&mut self, out: &mut dyn FnMut(super::ftp_data::Expect)) {
        for e in self.expects.drain(..) {
            out(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs an exchange (direction, bytes) and returns the EVE objects of the transactions.
    fn run(exchange: &[(Direction, &[u8])]) -> Vec<String> {
        let mut p = FtpParser::new();
        let mut out = Vec::new();
        for (d, b) in exchange {
            p.feed(*d, b);
            p.drain(false, &mut |tx| out.push(eve(tx)));
        }
        p.finish();
        p.drain(true, &mut |tx| out.push(eve(tx)));
        out
    }

    fn eve(tx: Tx<'_>) -> String {
        let Tx::Ftp(tx) = tx else { panic!("not ftp") };
        let mut v = Vec::new();
        tx.write_eve(&mut v);
        String::from_utf8(v).unwrap()
    }

    const C: Direction = Direction::ToServer;
    const S: Direction = Direction::ToClient;

    #[test]
    fn greeting_login_and_commands() {
        let out = run(&[
            (S, b"220 FTP Service\r\n"),
            (C, b"USER admin\r\n"),
            (S, b"331 Password required for admin.\r\n"),
            (C, b"PASS secret\r\n"),
            (S, b"530 Login incorrect.\r\n"),
            (C, b"QUIT\r\n"),
        ]);
        assert_eq!(
            out,
            [
                r#"{"completion_code":["220"],"reply":["FTP Service"],"reply_received":"yes","reply_truncated":false}"#,
                r#"{"command":"USER","command_data":"admin","command_truncated":false,"completion_code":["331"],"reply":["Password required for admin."],"reply_received":"yes","reply_truncated":false}"#,
                r#"{"command":"PASS","command_data":"secret","command_truncated":false,"completion_code":["530"],"reply":["Login incorrect."],"reply_received":"yes","reply_truncated":false}"#,
                r#"{"command":"QUIT","reply_received":"no","reply_truncated":false}"#,
            ]
        );
    }

    #[test]
    fn multi_line_reply_stays_with_its_command() {
        let out = run(&[
            (C, b"FEAT\r\n"),
            (C, b"SYST\r\n"),
            (
                S,
                b"211-Features:\r\n MDTM\r\n211 End\r\n215 UNIX Type: L8\r\n",
            ),
        ]);
        // FEAT is no command Suricata knows: the whole multi-line reply goes to SYST's
        // transaction, closed by its first line, and the rest follows it there.
        assert_eq!(out.len(), 1);
        assert!(out[0].starts_with(r#"{"command":"SYST","completion_code":["211","211","215"],"reply":["Features:"," MDTM","End","UNIX Type: L8"]"#), "{}", out[0]);
    }

    #[test]
    fn pipelined_commands_pair_in_order() {
        let out = run(&[
            (C, b"USER a\r\nPASS b\r\nPWD\r\n"),
            (S, b"331 need pass\r\n230 ok\r\n257 \"/\"\r\n"),
        ]);
        assert_eq!(out.len(), 3);
        assert!(out[0].contains(r#""command":"USER""#) && out[0].contains(r#"["331"]"#));
        assert!(out[1].contains(r#""command":"PASS""#) && out[1].contains(r#"["230"]"#));
        assert!(out[2].contains(r#""command":"PWD""#) && out[2].contains(r#""reply":["\"/\""]"#));
    }

    #[test]
    fn preliminary_replies_keep_the_transaction_open() {
        let out = run(&[
            (C, b"EPSV\r\n"),
            (S, b"229 Entering Extended Passive Mode (|||6446|)\r\n"),
            (C, b"RETR f\r\n"),
            (S, b"150 Opening data connection\r\n"),
            (S, b"226 Transfer complete\r\n"),
        ]);
        assert_eq!(out.len(), 2);
        assert!(
            out[1].contains(r#""completion_code":["150","226"]"#),
            "{}",
            out[1]
        );
        assert!(out[1].contains(r#""reply_received":"yes""#));
    }

    #[test]
    fn transfers_leave_expectations_and_a_portless_one_stops_parsing() {
        use crate::app::ftp_data::{Expect, FtpDataCmd};
        let mut p = FtpParser::new();
        let mut exp = Vec::new();
        for (d, b) in [
            (C, &b"PASV\r\n"[..]),
            (S, b"227 Entering Passive Mode (10,0,0,2,19,137).\r\n"),
            (C, b"RETR a/b.txt\r\n"),
            (S, b"150 ok\r\n226 ok\r\n"),
            (C, b"PORT 10,0,0,1,4,1\r\n"),
            (S, b"200 ok\r\n"),
            (C, b"STOR up\r\n"),
        ] {
            p.feed(d, b);
        }
        p.expectations(&mut |e| exp.push(e));
        let e = |port, dir, cmd, name: &[u8]| Expect {
            port,
            dir,
            cmd,
            file_name: name.to_vec(),
        };
        assert_eq!(
            exp,
            [
                // Passive RETR and active STOR: the file flows to the data connection's client.
                e(5001, S, FtpDataCmd::Retr, b"a/b.txt"),
                e(1025, S, FtpDataCmd::Stor, b"up"),
            ]
        );
        // The port was used: a second RETR has none, and Suricata's parser stops there.
        p.feed(C, b"RETR again\r\nNOOP\r\n");
        p.feed(S, b"150 ok\r\n");
        assert!(p.is_done());
        let mut out = Vec::new();
        p.finish();
        p.drain(true, &mut |tx| out.push(eve(tx)));
        assert!(out
            .last()
            .unwrap()
            .starts_with(r#"{"command":"RETR","command_data":"again""#));
        assert!(out.last().unwrap().contains(r#""reply_received":"no""#));
    }

    #[test]
    fn port_address_as_ftpbounce_reads_it() {
        assert_eq!(port_address(b"PORT 10,9,9,9,0,80"), Some([10, 9, 9, 9]));
        assert_eq!(port_address(b"PORT 10 ,9,9,9,0,80"), Some([10, 9, 9, 9]));
        // 256 carries into the byte before, as Suricata's shift-and-add does.
        assert_eq!(port_address(b"PORT 1,256,0,0,0,80"), Some([2, 0, 0, 0]));
        assert_eq!(port_address(b"PORT 1,257,0,0,0,80"), None);
        assert_eq!(port_address(b"PORT 1000,0,0,0,0,1"), None);
        assert_eq!(port_address(b"PORT 1,2,3,4"), None);
        assert_eq!(port_address(b"PORT 1,2"), None);
    }

    #[test]
    fn dynamic_ports() {
        let out = run(&[
            (C, b"PORT 192,168,0,13,234,10\r\n"),
            (S, b"200 PORT command successful\r\n"),
            (C, b"EPRT |1|132.235.1.2|6275|\r\n"),
            (S, b"200 ok\r\n"),
            (C, b"PASV\r\n"),
            (S, b"227 Entering Passive Mode (192,168,0,5,195,149).\r\n"),
            (C, b"EPSV\r\n"),
            (S, b"229 Entering Extended Passive Mode (|||6446|)\r\n"),
        ]);
        assert!(
            out[0].contains(r#""dynamic_port":59914,"mode":"active""#),
            "{}",
            out[0]
        );
        assert!(
            out[1].contains(r#""dynamic_port":6275,"mode":"active""#),
            "{}",
            out[1]
        );
        assert!(
            out[2].contains(r#""dynamic_port":50069,"reply_received""#),
            "{}",
            out[2]
        );
        assert!(
            out[3].contains(r#""dynamic_port":6446,"reply_received""#),
            "{}",
            out[3]
        );
        // A PORT Suricata cannot read completes without its reply kept.
        let out = run(&[(C, b"PORT 1,2,3\r\n"), (S, b"501 bad\r\n")]);
        assert_eq!(
            out,
            [
                r#"{"command":"PORT","command_data":"1,2,3","command_truncated":false,"mode":"passive","reply_received":"yes","reply_truncated":false}"#
            ]
        );
    }

    #[test]
    fn auth_tls_hands_over() {
        let mut p = FtpParser::new();
        p.feed(C, b"AUTH TLS\r\n");
        assert!(!p.handed_over());
        p.feed(S, b"234 Proceed\r\n\x16\x03\x01");
        assert!(p.handed_over());
        let mut n = 0;
        p.drain(true, &mut |_| n += 1);
        assert_eq!(n, 1);
    }

    #[test]
    fn long_lines_are_truncated_and_counted() {
        let mut long = b"USER ".to_vec();
        long.extend(std::iter::repeat_n(b'a', 5000));
        long.extend_from_slice(b"\r\n");
        let mut p = FtpParser::new();
        p.feed(C, &long);
        let mut events = Vec::new();
        p.events(&mut |e| events.push(e.name));
        assert_eq!(events, ["request_command_too_long"]);
        let out = {
            let mut v = Vec::new();
            p.drain(true, &mut |tx| v.push(eve(tx)));
            v
        };
        assert!(out[0].contains(r#""command_truncated":true"#));
        assert!(out[0].len() < 4200);
    }

    #[test]
    fn the_same_records_for_any_split() {
        let server: &[u8] = b"220-Welcome\r\n220 ready\r\n331 pass\r\n230 in\r\n227 Entering Passive Mode (10,0,0,1,4,1)\r\n";
        let client: &[u8] = b"USER u\r\nPASS p\r\nPASV\r\n";
        let whole = {
            let mut p = FtpParser::new();
            p.feed(S, &server[..24]);
            p.feed(C, client);
            p.feed(S, &server[24..]);
            let mut v = Vec::new();
            p.finish();
            p.drain(true, &mut |tx| v.push(eve(tx)));
            v
        };
        assert_eq!(whole.len(), 4);
        for i in 0..client.len() {
            for j in 24..server.len() {
                let mut p = FtpParser::new();
                p.feed(S, &server[..24]);
                p.feed(C, &client[..i]);
                p.feed(C, &client[i..]);
                p.feed(S, &server[24..j]);
                p.feed(S, &server[j..]);
                let mut v = Vec::new();
                p.finish();
                p.drain(true, &mut |tx| v.push(eve(tx)));
                assert_eq!(v, whole, "split at {i}/{j}");
            }
        }
    }

    #[test]
    fn command_found_anywhere_as_suricata() {
        assert_eq!(command_of(b"user x"), Some("USER"));
        assert_eq!(command_of(b"XCWD /tmp"), Some("CWD"));
        assert_eq!(command_of(b"CAPA"), None);
        assert_eq!(command_of(b"AUTH TLS"), Some("AUTH TLS"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(
            chunks in proptest::collection::vec(
                (proptest::bool::ANY, proptest::collection::vec(proptest::num::u8::ANY, 0..300)),
                0..20,
            ),
        ) {
            let mut p = FtpParser::new();
            for (to_server, b) in &chunks {
                let d = if *to_server { C } else { S };
                if b.first() == Some(&0) {
                    p.gap(d, 10);
                }
                p.feed(d, b);
                p.drain(false, &mut |tx| { eve(tx); });
            }
            p.finish();
            p.drain(true, &mut |tx| { eve(tx); });
            p.expectations(&mut |e| assert!(e.port != 0 && e.file_name.len() < 4096));
        }

        #[test]
        fn port_address_never_panics(
            digits in proptest::collection::vec(
                proptest::sample::select(b"0123456789, \t256x".to_vec()), 0..40),
        ) {
            let mut line = b"PORT ".to_vec();
            line.extend_from_slice(&digits);
            let _ = port_address(&line);
        }
    }
}
