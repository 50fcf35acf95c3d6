//! Syslog sink transport: each record is one RFC 5424 message whose MSG is the EVE line,
//! sent over UDP (one datagram each), TCP (octet-counted framing, RFC 6587) or a local unix
//! datagram socket (`/dev/log`). The header names the sensor (HOSTNAME), the program
//! (APP-NAME, `identity`), its pid and the record's event type (MSGID), so a collector can
//! route alerts without parsing the JSON.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::queued::Transport;
use super::record::EventType;
use crate::time::Timestamp;

/// Largest UDP payload over IPv4.
const MAX_DATAGRAM: usize = 65_507;
const IO_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyslogTarget {
    Udp(String),
    Tcp(String),
    Unix(PathBuf),
}

/// Facility names (RFC 5424 table 1) to their codes.
pub fn facility_code(name: &str) -> Option<u8> {
    const NAMES: [&str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7",
    ];
    NAMES.iter().position(|n| *n == name).map(|i| i as u8)
}

/// Severity names (RFC 5424 table 2) to their codes.
pub fn severity_code(name: &str) -> Option<u8> {
    const NAMES: [&str; 8] = [
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
    ];
    let name = match name {
        "emergency" => "emerg",
        "critical" => "crit",
        "error" => "err",
        "warn" => "warning",
        "informational" => "info",
        n => n,
    };
    NAMES.iter().position(|n| *n == name).map(|i| i as u8)
}

enum Conn {
    Udp(UdpSocket),
    Tcp(TcpStream),
    Unix(UnixDatagram),
}

pub struct SyslogTransport {
    target: SyslogTarget,
    /// `<PRI>1 ` is written per record from this priority.
    priority: u8,
    hostname: String,
    app_name: String,
    procid: String,
    conn: Option<Conn>,
    buf: Vec<u8>,
    msg: Vec<u8>,
}

impl SyslogTransport {
    pub fn new(
        target: SyslogTarget,
        facility: u8,
        severity: u8,
        hostname: &str,
        app_name: &str,
    ) -> SyslogTransport {
        SyslogTransport {
            target,
            priority: facility * 8 + severity,
            hostname: header_field(hostname, 255),
            app_name: header_field(app_name, 48),
            procid: std::process::id().to_string(),
            conn: None,
            buf: Vec::new(),
            msg: Vec::new(),
        }
    }

    /// One RFC 5424 message into `self.msg`.
    fn format(&mut self, time: &str, record: &[u8]) {
        let msg = &mut self.msg;
        msg.clear();
        let msgid = EventType::of_line(record);
        let _ = write!(
            msg,
            "<{}>1 {time} {} {} {} {} - ",
            self.priority,
            self.hostname,
            self.app_name,
            self.procid,
            if msgid == EventType::Other {
                "-"
            } else {
                msgid.name()
            }
        );
        msg.extend_from_slice(record);
    }
}

/// A header field as RFC 5424 allows it: printable US-ASCII, no spaces, at most `max`
/// characters; empty becomes the nil value `-`.
fn header_field(s: &str, max: usize) -> String {
    let v: String = s
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .take(max)
        .collect();
    if v.is_empty() {
        "-".into()
    } else {
        v
    }
}

/// RFC 3339 UTC with microseconds, as RFC 5424 TIMESTAMP allows.
fn now_rfc3339() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let eve = Timestamp::from_secs_nanos(now.as_secs(), now.subsec_nanos())
        .eve()
        .to_string();
    // "2026-12-05T15:24:00.123456+0000" -> "2026-12-05T15:24:00.123456Z"
    format!("{}Z", &eve[..26])
}

fn resolve(addr: &str) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{addr}: no address")))
}

impl Transport for SyslogTransport {
    fn kind(&self) -> &'static str {
        "syslog"
    }

    fn describe(&self) -> String {
        match &self.target {
            SyslogTarget::Udp(a) => format!("syslog udp://{a}"),
            SyslogTarget::Tcp(a) => format!("syslog tcp://{a}"),
            SyslogTarget::Unix(p) => format!("syslog unix:{}", p.display()),
        }
    }

    fn connect(&mut self) -> io::Result<()> {
        self.conn = None;
        let conn = match &self.target {
            SyslogTarget::Udp(a) => {
                let to = resolve(a)?;
                let bind: SocketAddr = if to.is_ipv4() {
                    "0.0.0.0:0".parse().expect("address")
                } else {
                    "[::]:0".parse().expect("address")
                };
                let s = UdpSocket::bind(bind)?;
                s.connect(to)?;
                Conn::Udp(s)
            }
            SyslogTarget::Tcp(a) => {
                let s = TcpStream::connect_timeout(&resolve(a)?, IO_TIMEOUT)?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                s.set_nodelay(true)?;
                Conn::Tcp(s)
            }
            SyslogTarget::Unix(p) => {
                let s = UnixDatagram::unbound()?;
                s.connect(p)?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                Conn::Unix(s)
            }
        };
        self.conn = Some(conn);
        Ok(())
    }

    fn disconnect(&mut self) {
        self.conn = None;
    }

    fn send(&mut self, records: &[&[u8]], refused: &mut u64) -> Result<(), (usize, io::Error)> {
        let time = now_rfc3339();
        if matches!(self.conn, Some(Conn::Tcp(_))) {
            // One write for the batch: `LEN SP MSG` per record.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            for r in records {
                self.format(&time, r);
                let _ = write!(buf, "{} ", self.msg.len());
                buf.extend_from_slice(&self.msg);
            }
            let result = match &mut self.conn {
                Some(Conn::Tcp(s)) => s.write_all(&buf),
                _ => Ok(()),
            };
            self.buf = buf;
            // TCP says nothing of how much the collector read: on failure, all is resent.
            return result.map_err(|e| (0, e));
        }
        for (i, r) in records.iter().enumerate() {
            self.format(&time, r);
            if self.msg.len() > MAX_DATAGRAM {
                *refused += 1;
                continue;
            }
            let result = match &self.conn {
                Some(Conn::Udp(s)) => s.send(&self.msg).map(|_| ()),
                Some(Conn::Unix(s)) => s.send(&self.msg).map(|_| ()),
                _ => Err(io::ErrorKind::NotConnected.into()),
            };
            if let Err(e) = result {
                return Err((i, e));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_rfc5424() {
        let mut t = SyslogTransport::new(
            SyslogTarget::Udp("127.0.0.1:1".into()),
            facility_code("local5").unwrap(),
            severity_code("info").unwrap(),
            "county 7",
            "sensor",
        );
        t.format(
            "2026-12-05T15:24:00.123456Z",
            b"{\"timestamp\":\"x\",\"event_type\":\"alert\"}",
        );
        let msg = String::from_utf8(t.msg.clone()).unwrap();
        let pid = std::process::id();
        assert_eq!(
            msg,
            format!("<174>1 2026-12-05T15:24:00.123456Z county_7 sensor {pid} alert - {{\"timestamp\":\"x\",\"event_type\":\"alert\"}}")
        );
        assert_eq!(now_rfc3339().len(), 27);
        assert!(now_rfc3339().ends_with('Z'));
    }

    #[test]
    fn names_map_to_codes() {
        assert_eq!(facility_code("local0"), Some(16));
        assert_eq!(facility_code("daemon"), Some(3));
        assert_eq!(facility_code("local9"), None);
        assert_eq!(severity_code("warning"), Some(4));
        assert_eq!(severity_code("error"), Some(3));
        assert_eq!(severity_code("loud"), None);
        assert_eq!(header_field("", 5), "-");
        assert_eq!(header_field("abcdefgh", 5), "abcde");
    }

    #[test]
    fn udp_datagrams_reach_a_socket() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        server
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut t = SyslogTransport::new(
            SyslogTarget::Udp(server.local_addr().unwrap().to_string()),
            21,
            6,
            "s1",
            "sensor",
        );
        t.connect().unwrap();
        let mut refused = 0;
        t.send(
            &[b"{\"event_type\":\"flow\"}", b"{\"event_type\":\"dns\"}"],
            &mut refused,
        )
        .unwrap();
        let mut buf = [0u8; 2048];
        let n = server.recv(&mut buf).unwrap();
        let first = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(
            first.starts_with("<174>1 ") && first.ends_with(" flow - {\"event_type\":\"flow\"}"),
            "{first}"
        );
        let n = server.recv(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).contains(" dns - "));
        // Oversized records are refused, not sent cut.
        let big = vec![b'x'; MAX_DATAGRAM + 1];
        t.send(&[&big], &mut refused).unwrap();
        assert_eq!(refused, 1);
    }
}
