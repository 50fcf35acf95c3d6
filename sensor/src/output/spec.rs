//! The configured sinks (`[[outputs.sink]]` tables of the configuration file), checked, and
//! opened into [`Outputs`]. Each sink names its type; keys that do not apply to that type are
//! errors, like unknown keys anywhere in the file.
//!
//! ```toml
//! [[outputs.sink]]
//! type = "file"                   # file, stdout, syslog, redis
//! path = "/var/log/sensor/eve.json"
//! rotate-size = "1GiB"            # and/or rotate-interval = "1h"; rotate-keep = 48
//!
//! [[outputs.sink]]
//! type = "syslog"
//! event-types = ["alert"]         # default: every record
//! transport = "udp"               # udp, tcp, unix
//! address = "10.0.0.5:514"        # or a socket path for unix (default /dev/log)
//! facility = "local5"
//! level = "info"
//!
//! [[outputs.sink]]
//! type = "redis"
//! server = "10.0.0.9:6379"
//! mode = "stream"                 # list/lpush (default), rpush, channel/publish, stream/xadd
//! key = "suricata"
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::file::{FileSink, OpenMode, Rotation};
use super::queued::{QueuedSink, WhenFull};
use super::record::EventFilter;
use super::redis::{RedisMode, RedisSettings, RedisTransport};
use super::sink::{Outputs, Sink, SinkBody};
use super::syslog::{facility_code, severity_code, SyslogTarget, SyslogTransport};

/// Chunks a network sink's queue holds by default (chunks are up to about 64 KiB: 16 MiB).
pub const DEFAULT_QUEUE_CHUNKS: usize = 256;

/// One `[[outputs.sink]]` table as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSink {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub event_types: Option<Vec<String>>,
    // file
    pub path: Option<PathBuf>,
    pub rotate_size: Option<SizeOrText>,
    pub rotate_interval: Option<SizeOrText>,
    pub rotate_keep: Option<usize>,
    // syslog
    pub transport: Option<String>,
    pub address: Option<String>,
    pub facility: Option<String>,
    pub level: Option<String>,
    pub identity: Option<String>,
    // redis
    pub server: Option<String>,
    pub mode: Option<String>,
    pub key: Option<String>,
    pub stream_maxlen: Option<u64>,
    pub stream_trim_exact: Option<bool>,
    pub password_file: Option<PathBuf>,
    pub username: Option<String>,
    pub db: Option<u32>,
    // network sinks
    pub queue_chunks: Option<usize>,
    pub when_full: Option<String>,
}

/// `1048576` or `"1MiB"`; `3600` or `"1h"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum SizeOrText {
    Number(u64),
    Text(String),
}

/// A checked sink, ready to open.
#[derive(Clone, Debug)]
pub struct SinkSpec {
    pub name: String,
    pub filter: EventFilter,
    pub kind: SinkKind,
    pub queue_chunks: usize,
    /// `None`: by mode (`run` drops, `replay` waits).
    pub when_full: Option<WhenFull>,
}

#[derive(Clone, Debug)]
pub enum SinkKind {
    File {
        path: PathBuf,
        rotation: Rotation,
    },
    Stdout,
    Syslog {
        target: SyslogTarget,
        facility: u8,
        severity: u8,
        identity: String,
    },
    Redis(RedisSettings),
}

impl SinkSpec {
    /// Checks a table; relative paths are taken from `base` (the configuration's directory).
    /// Errors name the key.
    pub fn from_raw(raw: &RawSink, base: &Path) -> Result<SinkSpec, String> {
        let kind_name = raw.kind.as_str();
        let allowed: &[&str] = match kind_name {
            "file" => &["path", "rotate-size", "rotate-interval", "rotate-keep"],
            "stdout" => &[],
            "syslog" => &[
                "transport",
                "address",
                "facility",
                "level",
                "identity",
                "queue-chunks",
                "when-full",
            ],
            "redis" => &[
                "server",
                "mode",
                "key",
                "stream-maxlen",
                "stream-trim-exact",
                "password-file",
                "username",
                "db",
                "queue-chunks",
                "when-full",
            ],
            other => {
                return Err(format!(
                    "type: unknown sink type \"{other}\" (file, stdout, syslog, redis)"
                ))
            }
        };
        for key in raw.set_keys() {
            if !allowed.contains(&key) {
                return Err(format!("{key}: does not apply to a {kind_name} sink"));
            }
        }
        let filter = match &raw.event_types {
            None => EventFilter::ALL,
            Some(names) => {
                EventFilter::from_names(names).map_err(|e| format!("event-types: {e}"))?
            }
        };
        let rel = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let kind = match kind_name {
            "file" => {
                let path = raw
                    .path
                    .as_deref()
                    .ok_or("path: a file sink needs a path")?;
                let rotation = Rotation {
                    max_bytes: raw
                        .rotate_size
                        .as_ref()
                        .map(parse_size)
                        .transpose()
                        .map_err(|e| format!("rotate-size: {e}"))?,
                    interval: raw
                        .rotate_interval
                        .as_ref()
                        .map(parse_interval)
                        .transpose()
                        .map_err(|e| format!("rotate-interval: {e}"))?,
                    keep: raw.rotate_keep,
                };
                if rotation.max_bytes == Some(0) || rotation.interval == Some(Duration::ZERO) {
                    return Err("rotate-size and rotate-interval must be above 0".into());
                }
                SinkKind::File {
                    path: rel(path),
                    rotation,
                }
            }
            "stdout" => SinkKind::Stdout,
            "syslog" => {
                let transport = raw.transport.as_deref().unwrap_or("unix");
                let target = match (transport, raw.address.clone()) {
                    ("udp", Some(a)) => SyslogTarget::Udp(with_port(&a, 514)),
                    ("tcp", Some(a)) => SyslogTarget::Tcp(with_port(&a, 514)),
                    ("udp" | "tcp", None) => {
                        return Err(format!(
                            "address: a {transport} syslog sink needs host:port"
                        ))
                    }
                    ("unix", a) => SyslogTarget::Unix(
                        a.map_or_else(|| PathBuf::from("/dev/log"), PathBuf::from),
                    ),
                    (other, _) => {
                        return Err(format!(
                            "transport: \"{other}\" is not one of udp, tcp, unix"
                        ))
                    }
                };
                let facility = raw.facility.as_deref().unwrap_or("local5");
                let level = raw.level.as_deref().unwrap_or("info");
                SinkKind::Syslog {
                    target,
                    facility: facility_code(facility)
                        .ok_or_else(|| format!("facility: unknown facility \"{facility}\""))?,
                    severity: severity_code(level)
                        .ok_or_else(|| format!("level: unknown level \"{level}\""))?,
                    identity: raw.identity.clone().unwrap_or_else(|| "sensor".into()),
                }
            }
            "redis" => {
                let mode = raw.mode.as_deref().unwrap_or("list");
                let password = match &raw.password_file {
                    None => None,
                    Some(p) => {
                        let p = rel(p);
                        let text = std::fs::read_to_string(&p)
                            .map_err(|e| format!("password-file: {}: {e}", p.display()))?;
                        Some(text.lines().next().unwrap_or("").to_string())
                    }
                };
                SinkKind::Redis(RedisSettings {
                    server: with_port(
                        raw.server.as_deref().unwrap_or("127.0.0.1:6379"),
                        6379,
                    ),
                    mode: RedisMode::parse(mode).ok_or_else(|| {
                        format!(
                            "mode: \"{mode}\" is not one of list, lpush, rpush, channel, publish, stream, xadd"
                        )
                    })?,
                    key: raw.key.clone().unwrap_or_else(|| "suricata".into()),
                    stream_maxlen: raw.stream_maxlen.unwrap_or(100_000),
                    stream_trim_exact: raw.stream_trim_exact.unwrap_or(false),
                    password,
                    username: raw.username.clone(),
                    db: raw.db,
                })
            }
            _ => unreachable!("checked above"),
        };
        if raw.username.is_some() && raw.password_file.is_none() {
            return Err("username: needs password-file as well".into());
        }
        let when_full = match raw.when_full.as_deref() {
            None => None,
            Some("drop") => Some(WhenFull::Drop),
            Some("wait") => Some(WhenFull::Wait),
            Some(other) => return Err(format!("when-full: \"{other}\" is not drop or wait")),
        };
        if raw.queue_chunks == Some(0) {
            return Err("queue-chunks: must be at least 1".into());
        }
        Ok(SinkSpec {
            name: raw.name.clone().unwrap_or_else(|| kind_name.to_string()),
            filter,
            kind,
            queue_chunks: raw.queue_chunks.unwrap_or(DEFAULT_QUEUE_CHUNKS),
            when_full,
        })
    }

    /// The `--eve PATH` sink (or the default `eve.json`): every record.
    pub fn eve_file(path: &Path) -> SinkSpec {
        SinkSpec {
            name: "eve".into(),
            filter: EventFilter::ALL,
            kind: if path == Path::new("-") {
                SinkKind::Stdout
            } else {
                SinkKind::File {
                    path: path.to_path_buf(),
                    rotation: Rotation::default(),
                }
            },
            queue_chunks: DEFAULT_QUEUE_CHUNKS,
            when_full: None,
        }
    }
}

impl RawSink {
    /// The keys this table sets, by their names in the file (beside `type`, `name` and
    /// `event-types`, which every sink has).
    fn set_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut add = |set: bool, k| {
            if set {
                keys.push(k)
            }
        };
        add(self.path.is_some(), "path");
        add(self.rotate_size.is_some(), "rotate-size");
        add(self.rotate_interval.is_some(), "rotate-interval");
        add(self.rotate_keep.is_some(), "rotate-keep");
        add(self.transport.is_some(), "transport");
        add(self.address.is_some(), "address");
        add(self.facility.is_some(), "facility");
        add(self.level.is_some(), "level");
        add(self.identity.is_some(), "identity");
        add(self.server.is_some(), "server");
        add(self.mode.is_some(), "mode");
        add(self.key.is_some(), "key");
        add(self.stream_maxlen.is_some(), "stream-maxlen");
        add(self.stream_trim_exact.is_some(), "stream-trim-exact");
        add(self.password_file.is_some(), "password-file");
        add(self.username.is_some(), "username");
        add(self.db.is_some(), "db");
        add(self.queue_chunks.is_some(), "queue-chunks");
        add(self.when_full.is_some(), "when-full");
        keys
    }
}

/// `host` alone gets the protocol's default port.
fn with_port(addr: &str, port: u16) -> String {
    let has_port = if addr.starts_with('[') {
        addr.contains("]:")
    } else {
        addr.matches(':').count() == 1
    };
    if has_port {
        addr.to_string()
    } else if addr.contains(':') && !addr.starts_with('[') {
        format!("[{addr}]:{port}")
    } else {
        format!("{addr}:{port}")
    }
}

/// Bytes: a number, or a number with `B`, `KB`/`KiB`, `MB`/`MiB`, `GB`/`GiB` (decimal units
/// are powers of 1000, binary of 1024).
pub fn parse_size(v: &SizeOrText) -> Result<u64, String> {
    let text = match v {
        SizeOrText::Number(n) => return Ok(*n),
        SizeOrText::Text(t) => t.trim(),
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\"{text}\" is not a size like 500MB or 1GiB"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "kib" => 1 << 10,
        "mb" | "m" => 1_000_000,
        "mib" => 1 << 20,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return Err(format!("\"{text}\": unknown unit \"{unit}\"")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("\"{text}\" is too large"))
}

/// Seconds: a number, or a number with `s`, `m`, `h`, `d`.
pub fn parse_interval(v: &SizeOrText) -> Result<Duration, String> {
    let text = match v {
        SizeOrText::Number(n) => return Ok(Duration::from_secs(*n)),
        SizeOrText::Text(t) => t.trim(),
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("\"{text}\" is not an interval like 30m, 1h or 1d"))?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("\"{text}\": unknown unit \"{unit}\" (s, m, h, d)")),
    };
    Ok(Duration::from_secs(n.saturating_mul(mult)))
}

/// Opens every sink: files now (an unwritable path is an error before any packet is read),
/// network sinks on their own threads (a server down at start-up is retried). `default_wait`:
/// what a full queue does when the sink does not say (`replay` waits, `run` drops). `host`:
/// the sensor's name in syslog headers.
pub fn open_outputs(
    specs: &[SinkSpec],
    open: OpenMode,
    default_wait: bool,
    host: &str,
) -> Result<Outputs, String> {
    let mut sinks = Vec::with_capacity(specs.len());
    let mut names: Vec<String> = Vec::new();
    for spec in specs {
        // Names label metrics: keep them distinct.
        let mut name = spec.name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{}-{n}", spec.name);
            n += 1;
        }
        names.push(name.clone());
        let when_full = spec.when_full.unwrap_or(if default_wait {
            WhenFull::Wait
        } else {
            WhenFull::Drop
        });
        let body = match &spec.kind {
            SinkKind::File { path, rotation } => SinkBody::File(
                FileSink::open(path, open)
                    .map_err(|e| format!("cannot open EVE output {}: {e}", path.display()))?
                    .with_rotation(*rotation),
            ),
            SinkKind::Stdout => SinkBody::File(
                FileSink::open(Path::new("-"), open)
                    .map_err(|e| format!("standard output: {e}"))?,
            ),
            SinkKind::Syslog {
                target,
                facility,
                severity,
                identity,
            } => {
                let t = SyslogTransport::new(target.clone(), *facility, *severity, host, identity);
                SinkBody::Queued(
                    QueuedSink::start(
                        &name,
                        Box::new(t),
                        spec.filter,
                        spec.queue_chunks,
                        when_full,
                    )
                    .map_err(|e| format!("output {name}: {e}"))?,
                )
            }
            SinkKind::Redis(settings) => {
                let t = RedisTransport::new(settings.clone());
                SinkBody::Queued(
                    QueuedSink::start(
                        &name,
                        Box::new(t),
                        spec.filter,
                        spec.queue_chunks,
                        when_full,
                    )
                    .map_err(|e| format!("output {name}: {e}"))?,
                )
            }
        };
        sinks.push(Sink {
            name,
            filter: spec.filter,
            body,
        });
    }
    Ok(Outputs::new(sinks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(toml_text: &str) -> RawSink {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn sizes_and_intervals() {
        let t = |s: &str| SizeOrText::Text(s.into());
        assert_eq!(parse_size(&t("1GiB")), Ok(1 << 30));
        assert_eq!(parse_size(&t("500MB")), Ok(500_000_000));
        assert_eq!(parse_size(&SizeOrText::Number(42)), Ok(42));
        assert!(parse_size(&t("lots")).is_err());
        assert!(parse_size(&t("5 parsecs"))
            .unwrap_err()
            .contains("unknown unit"));
        assert_eq!(parse_interval(&t("1h")), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_interval(&t("90")), Ok(Duration::from_secs(90)));
        assert!(parse_interval(&t("1w")).is_err());
    }

    #[test]
    fn sinks_are_checked_key_by_key() {
        let base = Path::new("/etc/sensor");
        let s = SinkSpec::from_raw(
            &raw("type = \"file\"\npath = \"eve.json\"\nrotate-size = \"1MiB\"\nevent-types = [\"alert\"]"),
            base,
        )
        .unwrap();
        match s.kind {
            SinkKind::File { path, rotation } => {
                assert_eq!(path, Path::new("/etc/sensor/eve.json"));
                assert_eq!(rotation.max_bytes, Some(1 << 20));
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(s.name, "file");
        let e = SinkSpec::from_raw(&raw("type = \"redis\"\npath = \"x\""), base).unwrap_err();
        assert_eq!(e, "path: does not apply to a redis sink");
        let e = SinkSpec::from_raw(&raw("type = \"kafka\""), base).unwrap_err();
        assert!(e.starts_with("type: unknown sink type \"kafka\""), "{e}");
        let e =
            SinkSpec::from_raw(&raw("type = \"syslog\"\ntransport = \"udp\""), base).unwrap_err();
        assert!(e.starts_with("address:"), "{e}");
        let e = SinkSpec::from_raw(&raw("type = \"redis\"\nmode = \"queue\""), base).unwrap_err();
        assert!(e.starts_with("mode:"), "{e}");
        let e = SinkSpec::from_raw(
            &raw("type = \"file\"\npath = \"x\"\nevent-types = [\"alerts\"]"),
            base,
        )
        .unwrap_err();
        assert!(e.starts_with("event-types: unknown event type"), "{e}");
        let s = SinkSpec::from_raw(
            &raw("type = \"syslog\"\ntransport = \"tcp\"\naddress = \"logs.example\"\nfacility = \"local3\""),
            base,
        )
        .unwrap();
        match s.kind {
            SinkKind::Syslog {
                target,
                facility,
                severity,
                ..
            } => {
                assert_eq!(target, SyslogTarget::Tcp("logs.example:514".into()));
                assert_eq!((facility, severity), (19, 6));
            }
            k => panic!("{k:?}"),
        }
        let s = SinkSpec::from_raw(&raw("type = \"redis\""), base).unwrap();
        match s.kind {
            SinkKind::Redis(r) => {
                assert_eq!(r.mode, RedisMode::Lpush);
                assert_eq!(r.key, "suricata");
                assert_eq!(r.server, "127.0.0.1:6379");
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn ports_are_added_where_missing() {
        assert_eq!(with_port("10.0.0.5", 514), "10.0.0.5:514");
        assert_eq!(with_port("10.0.0.5:1514", 514), "10.0.0.5:1514");
        assert_eq!(with_port("::1", 6379), "[::1]:6379");
        assert_eq!(with_port("[::1]:7000", 6379), "[::1]:7000");
    }
}
