//! Control of a running sensor: SIGHUP, and a Unix control socket (`--control-socket PATH`)
//! that speaks Suricata's unix-socket protocol, so `suricatasc` and scripts written for it
//! work, as does `sensor ctl`. Unlike a signal, a command answers: whether the reload took
//! and, if not, why.
//!
//! The protocol: the client sends `{"version": "0.2"}` and gets `{"return": "OK"}`, then
//! sends commands `{"command": "reload-rules"}` (optionally with `"arguments": {...}`), each
//! answered by `{"return": "OK"|"NOK", "message": ...}`. Messages are JSON values, one after
//! another; a newline after each is optional.
//!
//! Everything here runs on its own threads, never on the packet path: a reload builds the new
//! engine aside and publishes it (see `detect::reload`).

use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::counters::Registry;
use crate::detect::reload::Reloader;

/// Protocol version spoken (Suricata's current one).
pub const PROTOCOL_VERSION: &str = "0.2";

/// How often the control thread looks for a signal, a connection or the end of the run.
const POLL: Duration = Duration::from_millis(50);
/// The longest command accepted (a reload command is a few dozen bytes).
const MAX_MESSAGE: usize = 64 << 10;

/// Commands the socket understands.
const COMMANDS: &[&str] = &[
    "command-list",
    "help",
    "version",
    "uptime",
    "reload-rules",
    "ruleset-reload-rules",
    "ruleset-reload-nonblocking",
    "ruleset-stats",
    "ruleset-failed-rules",
    "dump-counters",
];

/// The control thread: answers SIGHUP and, when a socket path is given, socket clients (each
/// on its own thread) until dropped. The socket file is removed at the end.
pub struct Control {
    stop: Arc<AtomicBool>,
    /// Dropped to wake the control thread at once (rather than after its poll interval).
    wake: Option<crossbeam_channel::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Control {
    /// Starts control of `reloader` (none in flows-only runs: rule commands are refused) and
    /// answers `dump-counters` from `registry`. Fails only when the socket cannot be created.
    pub fn start(
        reloader: Option<Reloader>,
        registry: Arc<Registry>,
        socket: Option<&Path>,
    ) -> std::io::Result<Control> {
        let listener = match socket {
            Some(p) => Some((bind(p)?, p.to_path_buf())),
            None => None,
        };
        crate::signals::install();
        let hup = crate::signals::HupWatch::new();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            reloader: reloader.map(Mutex::new),
            registry,
            started: Instant::now(),
            stop: stop.clone(),
        });
        let (wake, woken) = crossbeam_channel::bounded::<()>(0);
        let thread = std::thread::Builder::new()
            .name("control".into())
            .spawn(move || control_loop(shared, listener, hup, woken))?;
        Ok(Control {
            stop,
            wake: Some(wake),
            thread: Some(thread),
        })
    }
}

impl Drop for Control {
    /// Stops answering (the socket file is removed) and waits for the control thread.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Shared {
    reloader: Option<Mutex<Reloader>>,
    registry: Arc<Registry>,
    started: Instant,
    stop: Arc<AtomicBool>,
}

/// Binds the socket, replacing a stale socket file left by an earlier run (never another
/// kind of file).
fn bind(path: &Path) -> std::io::Result<UnixListener> {
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_socket() {
            std::fs::remove_file(path)?;
        } else {
            return Err(std::io::Error::new(
                ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
    }
    let l = UnixListener::bind(path)?;
    l.set_nonblocking(true)?;
    Ok(l)
}

fn control_loop(
    shared: Arc<Shared>,
    listener: Option<(UnixListener, PathBuf)>,
    mut hup: crate::signals::HupWatch,
    woken: crossbeam_channel::Receiver<()>,
) {
    let mut clients: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stop.load(Ordering::Relaxed) {
        if hup.take() {
            if let Some(r) = &shared.reloader {
                let result = lock(r).reload();
                report("SIGHUP", &result);
            }
        }
        if let Some((l, _)) = &listener {
            loop {
                match l.accept() {
                    Ok((stream, _)) => {
                        let s = shared.clone();
                        let spawned = std::thread::Builder::new()
                            .name("control-client".into())
                            .spawn(move || serve_client(stream, &s));
                        match spawned {
                            Ok(t) => clients.push(t),
                            Err(e) => eprintln!("sensor: control socket: {e}"),
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => {
                        eprintln!("sensor: control socket: {e}");
                        break;
                    }
                }
            }
            clients.retain(|t| !t.is_finished());
        }
        // The poll interval, or less when the run ends.
        let _ = woken.recv_timeout(POLL);
    }
    for t in clients {
        let _ = t.join();
    }
    if let Some((_, path)) = listener {
        let _ = std::fs::remove_file(path);
    }
}

fn lock(m: &Mutex<Reloader>) -> std::sync::MutexGuard<'_, Reloader> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn report(via: &str, result: &Result<String, String>) {
    match result {
        Ok(msg) => eprintln!("sensor: rules reloaded ({via}): {msg}"),
        Err(e) => eprintln!("sensor: rules reload failed ({via}): {e}"),
    }
}

/// One client: the version handshake, then commands until it hangs up or the run ends.
fn serve_client(mut stream: UnixStream, shared: &Shared) {
    if stream.set_nonblocking(false).is_err() || stream.set_read_timeout(Some(POLL * 4)).is_err() {
        return;
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut greeted = false;
    loop {
        let msg = match next_message(&mut stream, &mut buf, &shared.stop) {
            Ok(Some(m)) => m,
            Ok(None) => return,
            Err(reply) => {
                let _ = send(&mut stream, &reply);
                return;
            }
        };
        let reply = if greeted {
            command(&msg, shared)
        } else {
            match msg.get("version").and_then(Value::as_str) {
                Some(v) if v == PROTOCOL_VERSION || v == "0.1" => {
                    greeted = true;
                    json!({"return": "OK"})
                }
                _ => {
                    let reply = nok(format!(
                        "expected {{\"version\": \"{PROTOCOL_VERSION}\"}} first"
                    ));
                    let _ = send(&mut stream, &reply);
                    return;
                }
            }
        };
        if send(&mut stream, &reply).is_err() {
            return;
        }
    }
}

/// The next complete JSON value from the client: `Ok(None)` when it hung up (or the run is
/// ending), `Err(reply)` when what it sent cannot be a message.
fn next_message(
    stream: &mut UnixStream,
    buf: &mut Vec<u8>,
    stop: &AtomicBool,
) -> Result<Option<Value>, Value> {
    loop {
        let start = buf
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(buf.len());
        buf.drain(..start);
        if !buf.is_empty() {
            let mut it = serde_json::Deserializer::from_slice(buf).into_iter::<Value>();
            match it.next() {
                Some(Ok(v)) => {
                    let used = it.byte_offset();
                    buf.drain(..used);
                    return Ok(Some(v));
                }
                Some(Err(e)) if !e.is_eof() => return Err(nok(format!("invalid JSON: {e}"))),
                _ => {}
            }
        }
        if buf.len() > MAX_MESSAGE {
            return Err(nok(format!("message longer than {MAX_MESSAGE} bytes")));
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if stop.load(Ordering::Relaxed) {
                    return Ok(None);
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Ok(None),
        }
    }
}

fn send(stream: &mut UnixStream, reply: &Value) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(reply).unwrap_or_default();
    bytes.push(b'\n');
    stream.write_all(&bytes)
}

fn ok(message: impl Into<Value>) -> Value {
    json!({"return": "OK", "message": message.into()})
}

fn nok(message: impl Into<Value>) -> Value {
    json!({"return": "NOK", "message": message.into()})
}

/// Answers one command.
fn command(msg: &Value, shared: &Shared) -> Value {
    let Some(name) = msg.get("command").and_then(Value::as_str) else {
        return nok("expected {\"command\": ...}");
    };
    let no_rules = || nok("no rules in use (--flows-only)");
    match name {
        "dump-counters" => ok(crate::counters::stats_object(&shared.registry.totals())),
        "command-list" | "help" => ok(json!({"count": COMMANDS.len(), "commands": COMMANDS})),
        "version" => ok(concat!("sensor ", env!("CARGO_PKG_VERSION"))),
        "uptime" => ok(shared.started.elapsed().as_secs()),
        // A reload answers once the new rules are in use (or refused): the non-blocking form
        // is accepted for compatibility and behaves the same.
        "reload-rules" | "ruleset-reload-rules" | "ruleset-reload-nonblocking" => {
            let Some(r) = &shared.reloader else {
                return no_rules();
            };
            let result = lock(r).reload();
            report("control socket", &result);
            match result {
                Ok(m) => ok(m),
                Err(e) => nok(e),
            }
        }
        "ruleset-stats" => {
            let Some(r) = &shared.reloader else {
                return no_rules();
            };
            let r = lock(r);
            let s = r.last();
            ok(json!([{
                "id": 0,
                "rules_loaded": s.loaded,
                "rules_failed": s.problems.len(),
                "reloads": s.reloads,
                "reloads_failed": s.reloads_failed,
            }]))
        }
        "ruleset-failed-rules" => {
            let Some(r) = &shared.reloader else {
                return no_rules();
            };
            ok(lock(r).last().problems.clone())
        }
        other => nok(format!("unknown command `{other}` (see command-list)")),
    }
}

/// A client for `sensor ctl`: sends the handshake and one command, returns the reply.
pub fn request(socket: &Path, command: &str, arguments: Option<Value>) -> Result<Value, String> {
    let fail = |e: std::io::Error| format!("{}: {e}", socket.display());
    let mut s = UnixStream::connect(socket).map_err(fail)?;
    s.set_read_timeout(Some(Duration::from_secs(600)))
        .map_err(fail)?;
    let mut buf = Vec::new();
    let never = AtomicBool::new(false);
    let mut exchange = |s: &mut UnixStream, v: Value| -> Result<Value, String> {
        send(s, &v).map_err(fail)?;
        match next_message(s, &mut buf, &never) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(format!(
                "{}: the sensor closed the connection",
                socket.display()
            )),
            Err(v) => Err(format!("{}: {}", socket.display(), v["message"])),
        }
    };
    let hello = exchange(&mut s, json!({"version": PROTOCOL_VERSION}))?;
    if hello["return"] != "OK" {
        return Err(format!("{}: handshake refused: {hello}", socket.display()));
    }
    let mut cmd = json!({"command": command});
    if let Some(a) = arguments {
        cmd["arguments"] = a;
    }
    exchange(&mut s, cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_replaces_a_stale_socket_but_no_other_file() {
        let dir = std::env::temp_dir().join(format!("sensor-ctl-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("s.sock");
        let _ = std::fs::remove_file(&sock);
        drop(bind(&sock).unwrap());
        assert!(
            sock.exists(),
            "a socket file stays behind a dropped listener"
        );
        drop(bind(&sock).unwrap());
        let file = dir.join("data.txt");
        std::fs::write(&file, "keep me").unwrap();
        let e = bind(&file).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn messages_split_and_joined_arbitrarily() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        b.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let stop = AtomicBool::new(false);
        let mut buf = Vec::new();
        a.write_all(b"  {\"version\": \"0.2\"}{\"comm").unwrap();
        let m = next_message(&mut b, &mut buf, &stop).unwrap().unwrap();
        assert_eq!(m["version"], "0.2");
        a.write_all(b"and\": \"uptime\"}\n").unwrap();
        let m = next_message(&mut b, &mut buf, &stop).unwrap().unwrap();
        assert_eq!(m["command"], "uptime");
        a.write_all(b"{\"command\": nope}").unwrap();
        let e = next_message(&mut b, &mut buf, &stop).unwrap_err();
        assert_eq!(e["return"], "NOK");
        assert!(e["message"].as_str().unwrap().starts_with("invalid JSON"));
        // Hung up: no message, no error.
        let mut buf = Vec::new();
        drop(a);
        assert_eq!(next_message(&mut b, &mut buf, &stop).unwrap(), None);
    }

    #[test]
    fn oversized_message_is_refused() {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        b.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let writer = std::thread::spawn(move || {
            let _ = a.write_all(b"[\"");
            let _ = a.write_all(&vec![b'a'; MAX_MESSAGE + 10]);
        });
        let stop = AtomicBool::new(false);
        let e = next_message(&mut b, &mut Vec::new(), &stop).unwrap_err();
        assert!(e["message"].as_str().unwrap().contains("longer than"));
        drop(b);
        writer.join().unwrap();
    }
}
