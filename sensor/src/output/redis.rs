//! Redis sink transport, with the choices and record shape of Suricata's redis output: each
//! record is the EVE line, pushed on a list (`LPUSH`, the default, or `RPUSH`), published on
//! a channel (`PUBLISH`), or added to a stream (`XADD key MAXLEN ~ N * eve <json>`). Commands
//! of a batch are pipelined: one write, then one reply per record; a record the server
//! refuses (an error reply such as `WRONGTYPE`) is counted as lost, not retried.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::queued::Transport;

const IO_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisMode {
    Lpush,
    Rpush,
    Publish,
    Stream,
}

impl RedisMode {
    /// Suricata's names and aliases: `list`/`lpush`, `rpush`, `channel`/`publish`,
    /// `stream`/`xadd`.
    pub fn parse(s: &str) -> Option<RedisMode> {
        Some(match s {
            "list" | "lpush" => RedisMode::Lpush,
            "rpush" => RedisMode::Rpush,
            "channel" | "publish" => RedisMode::Publish,
            "stream" | "xadd" => RedisMode::Stream,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct RedisSettings {
    /// `host:port`.
    pub server: String,
    pub mode: RedisMode,
    /// List, channel or stream name (Suricata's default: `suricata`).
    pub key: String,
    /// Stream length kept (`MAXLEN`), Suricata's `stream-maxlen` (default 100000).
    pub stream_maxlen: u64,
    /// `MAXLEN N` rather than `MAXLEN ~ N` (Suricata's `stream-trim-exact`).
    pub stream_trim_exact: bool,
    /// `AUTH` password, if the server wants one.
    pub password: Option<String>,
    /// ACL user for `AUTH user password` (Redis 6+); none: the default user.
    pub username: Option<String>,
    /// `SELECT` database.
    pub db: Option<u32>,
}

pub struct RedisTransport {
    settings: RedisSettings,
    maxlen: String,
    conn: Option<(TcpStream, BufReader<TcpStream>)>,
    buf: Vec<u8>,
}

impl RedisTransport {
    pub fn new(settings: RedisSettings) -> RedisTransport {
        RedisTransport {
            maxlen: settings.stream_maxlen.to_string(),
            settings,
            conn: None,
            buf: Vec::new(),
        }
    }

    /// Appends one record's command in RESP.
    fn command(&mut self, record: &[u8]) {
        let s = &self.settings;
        let key = s.key.as_bytes();
        match s.mode {
            RedisMode::Lpush => encode(&mut self.buf, &[b"LPUSH", key, record]),
            RedisMode::Rpush => encode(&mut self.buf, &[b"RPUSH", key, record]),
            RedisMode::Publish => encode(&mut self.buf, &[b"PUBLISH", key, record]),
            RedisMode::Stream if s.stream_trim_exact => encode(
                &mut self.buf,
                &[
                    b"XADD",
                    key,
                    b"MAXLEN",
                    self.maxlen.as_bytes(),
                    b"*",
                    b"eve",
                    record,
                ],
            ),
            RedisMode::Stream => encode(
                &mut self.buf,
                &[
                    b"XADD",
                    key,
                    b"MAXLEN",
                    b"~",
                    self.maxlen.as_bytes(),
                    b"*",
                    b"eve",
                    record,
                ],
            ),
        }
    }

    /// Sends one command outside a batch (AUTH, SELECT) and checks its reply.
    fn call(&mut self, args: &[&[u8]]) -> io::Result<()> {
        let mut cmd = Vec::new();
        encode(&mut cmd, args);
        let (w, r) = self.conn.as_mut().ok_or(io::ErrorKind::NotConnected)?;
        w.write_all(&cmd)?;
        match read_reply(r)? {
            Reply::Ok => Ok(()),
            Reply::Error(e) => Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{}: {e}", String::from_utf8_lossy(args[0])),
            )),
        }
    }
}

/// A RESP array of bulk strings.
fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    let _ = write!(out, "*{}\r\n", args.len());
    for a in args {
        let _ = write!(out, "${}\r\n", a.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Ok,
    Error(String),
}

/// Reads one reply, whatever its type; only errors are kept.
fn read_reply(r: &mut impl BufRead) -> io::Result<Reply> {
    let mut line = Vec::new();
    read_line(r, &mut line)?;
    let (kind, rest) = line.split_first().ok_or_else(|| bad("empty reply"))?;
    match kind {
        b'+' | b':' => Ok(Reply::Ok),
        b'-' => Ok(Reply::Error(String::from_utf8_lossy(rest).into_owned())),
        b'$' => {
            let n = number(rest)?;
            if n >= 0 {
                let mut skip = vec![0u8; n as usize + 2];
                r.read_exact(&mut skip)?;
            }
            Ok(Reply::Ok)
        }
        b'*' => {
            let n = number(rest)?;
            for _ in 0..n.max(0) {
                if let Reply::Error(e) = read_reply(r)? {
                    return Ok(Reply::Error(e));
                }
            }
            Ok(Reply::Ok)
        }
        _ => Err(bad("unknown reply type")),
    }
}

fn read_line(r: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<()> {
    line.clear();
    let n = r.read_until(b'\n', line)?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    if !line.ends_with(b"\r\n") {
        return Err(bad("reply line not ended by CRLF"));
    }
    line.truncate(line.len() - 2);
    Ok(())
}

fn number(s: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("bad length in reply"))
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("redis protocol: {what}"),
    )
}

fn resolve(addr: &str) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{addr}: no address")))
}

impl Transport for RedisTransport {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn describe(&self) -> String {
        format!("redis://{}", self.settings.server)
    }

    fn connect(&mut self) -> io::Result<()> {
        self.conn = None;
        let s = TcpStream::connect_timeout(&resolve(&self.settings.server)?, IO_TIMEOUT)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(IO_TIMEOUT))?;
        s.set_write_timeout(Some(IO_TIMEOUT))?;
        let r = BufReader::new(s.try_clone()?);
        self.conn = Some((s, r));
        match (
            self.settings.username.clone(),
            self.settings.password.clone(),
        ) {
            (Some(u), Some(p)) => self.call(&[b"AUTH", u.as_bytes(), p.as_bytes()])?,
            (None, Some(p)) => self.call(&[b"AUTH", p.as_bytes()])?,
            _ => {}
        }
        if let Some(db) = self.settings.db {
            self.call(&[b"SELECT", db.to_string().as_bytes()])?;
        }
        Ok(())
    }

    fn disconnect(&mut self) {
        self.conn = None;
    }

    fn send(&mut self, records: &[&[u8]], refused: &mut u64) -> Result<(), (usize, io::Error)> {
        self.buf.clear();
        for r in records {
            self.command(r);
        }
        let Some((w, r)) = self.conn.as_mut() else {
            return Err((0, io::ErrorKind::NotConnected.into()));
        };
        w.write_all(&self.buf).map_err(|e| (0, e))?;
        for i in 0..records.len() {
            match read_reply(r) {
                Ok(Reply::Ok) => {}
                Ok(Reply::Error(e)) => {
                    if *refused == 0 {
                        eprintln!("sensor: redis refused a record: {e}");
                    }
                    *refused += 1;
                }
                // Replies say which records arrived: the first `i` did.
                Err(e) => return Err((i, e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(mode: RedisMode) -> RedisSettings {
        RedisSettings {
            server: "127.0.0.1:1".into(),
            mode,
            key: "suricata".into(),
            stream_maxlen: 100_000,
            stream_trim_exact: false,
            password: None,
            username: None,
            db: None,
        }
    }

    #[test]
    fn commands_have_suricatas_shape() {
        let mut t = RedisTransport::new(settings(RedisMode::Stream));
        t.command(b"{\"a\":1}");
        assert_eq!(
            t.buf,
            b"*8\r\n$4\r\nXADD\r\n$8\r\nsuricata\r\n$6\r\nMAXLEN\r\n$1\r\n~\r\n$6\r\n100000\r\n$1\r\n*\r\n$3\r\neve\r\n$7\r\n{\"a\":1}\r\n"
        );
        let mut t = RedisTransport::new(settings(RedisMode::Lpush));
        t.command(b"x");
        assert_eq!(t.buf, b"*3\r\n$5\r\nLPUSH\r\n$8\r\nsuricata\r\n$1\r\nx\r\n");
        assert_eq!(RedisMode::parse("channel"), Some(RedisMode::Publish));
        assert_eq!(RedisMode::parse("list"), Some(RedisMode::Lpush));
        assert_eq!(RedisMode::parse("queue"), None);
    }

    #[test]
    fn replies_of_every_type_are_read() {
        let mut r: &[u8] =
            b"+OK\r\n:5\r\n$15\r\n1700000000000-0\r\n$-1\r\n*2\r\n:1\r\n$1\r\nx\r\n-WRONGTYPE bad\r\n";
        for _ in 0..5 {
            assert_eq!(read_reply(&mut r).unwrap(), Reply::Ok);
        }
        assert_eq!(
            read_reply(&mut r).unwrap(),
            Reply::Error("WRONGTYPE bad".into())
        );
        assert!(read_reply(&mut r).is_err());
        let mut cut: &[u8] = b"$10\r\nabc";
        assert!(read_reply(&mut cut).is_err());
    }
}
