//! A small HTTP/1.1 server for the scrape endpoint, on `std::net` threads.
//!
//! One accept thread polls a non-blocking listener (so `Drop` is noticed within ~50 ms) and
//! hands each connection to a short-lived thread; at most [`MAX_CONNECTIONS`] are served at
//! once and the rest get a 503. Each connection carries one request and is closed
//! (`Connection: close`): scrapes are rare and this keeps the state machine trivial. The server
//! only calls the [`Endpoints`] closures, so it never touches the packet path.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Connections served at the same time; one more is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 4;
/// Largest request head (request line and headers) accepted; larger gets 431.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Time a client has to send its whole request head (and the TLS handshake).
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);

const ACCEPT_POLL: Duration = Duration::from_millis(50);
const CONTENT_TYPE_METRICS: &str = "text/plain; version=0.0.4; charset=utf-8";
const CONTENT_TYPE_TEXT: &str = "text/plain; charset=utf-8";

#[derive(Clone, Debug)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    pub basic_auth: Option<BasicAuth>,
    pub tls: Option<TlsFiles>,
}

#[derive(Clone)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// PEM files: the certificate chain (leaf first) and its private key (PKCS#8, PKCS#1 or SEC1).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Called on the connection threads, possibly several at once; they should only read.
pub struct Endpoints {
    /// The exposition served at `/metrics`.
    pub metrics: Box<dyn Fn() -> String + Send + Sync>,
    /// `/readyz`: `Ok` gives 200 `ready`, `Err(reason)` gives 503 with the reason.
    pub ready: Box<dyn Fn() -> Result<(), String> + Send + Sync>,
}

#[derive(Debug)]
pub enum MetricsError {
    /// Binding the listen address failed.
    Listen { addr: SocketAddr, source: io::Error },
    /// `tls` is configured but the crate was built without the `tls` feature.
    TlsNotBuilt,
    /// The certificate or key could not be loaded or used.
    Tls(String),
    /// A configuration value that cannot work.
    Config(String),
    /// The accept thread could not be started.
    Thread(io::Error),
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricsError::Listen { addr, source } => {
                write!(f, "metrics: cannot listen on {addr}: {source}")
            }
            MetricsError::TlsNotBuilt => f.write_str(
                "metrics: TLS is configured but this build lacks the `tls` feature \
                 (rebuild with `--features tls`)",
            ),
            MetricsError::Tls(msg) => write!(f, "metrics: TLS: {msg}"),
            MetricsError::Config(msg) => write!(f, "metrics: {msg}"),
            MetricsError::Thread(e) => write!(f, "metrics: cannot start the server thread: {e}"),
        }
    }
}

impl std::error::Error for MetricsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MetricsError::Listen { source, .. } | MetricsError::Thread(source) => Some(source),
            _ => None,
        }
    }
}

/// Knobs the tests shrink; production uses [`Limits::DEFAULT`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub read_timeout: Duration,
    pub max_connections: usize,
    pub max_head: usize,
    /// How long to keep reading (and discarding) after the response, so that unread request
    /// bytes do not make the kernel reset the connection before the client read the answer.
    pub linger: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        read_timeout: READ_TIMEOUT,
        max_connections: MAX_CONNECTIONS,
        max_head: MAX_HEAD_BYTES,
        linger: Duration::from_secs(1),
    };
}

/// The running server; dropping it stops the accept loop and closes the listener.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// Dropped to wake the accept loop at once (rather than after its poll interval).
    wake: Option<crossbeam_channel::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    endpoints: Endpoints,
    /// SHA-256 of `user:password`: hashing both sides makes the comparison constant-time
    /// regardless of the length of what the client sent.
    auth_digest: Option<[u8; 32]>,
    #[cfg(feature = "tls")]
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: Limits,
}

impl MetricsServer {
    /// Binds now, so a bad or busy address is an error at start rather than a silent thread.
    pub fn start(config: HttpConfig, endpoints: Endpoints) -> Result<MetricsServer, MetricsError> {
        Self::start_with(config, endpoints, Limits::DEFAULT)
    }

    pub(crate) fn start_with(
        config: HttpConfig,
        endpoints: Endpoints,
        limits: Limits,
    ) -> Result<MetricsServer, MetricsError> {
        #[cfg(feature = "tls")]
        let tls = match &config.tls {
            Some(files) => Some(tls::server_config(files)?),
            None => None,
        };
        #[cfg(not(feature = "tls"))]
        if config.tls.is_some() {
            return Err(MetricsError::TlsNotBuilt);
        }
        let auth_digest = match &config.basic_auth {
            Some(auth) => {
                // RFC 7617: the user-id cannot hold a colon, it would make `user:password` ambiguous.
                if auth.user.contains(':') {
                    return Err(MetricsError::Config(
                        "basic auth user must not contain ':'".into(),
                    ));
                }
                Some(digest(
                    format!("{}:{}", auth.user, auth.password).as_bytes(),
                ))
            }
            None => None,
        };

        let listen_err = |source| MetricsError::Listen {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).map_err(listen_err)?;
        listener.set_nonblocking(true).map_err(listen_err)?;
        let addr = listener.local_addr().map_err(listen_err)?;

        let shared = Arc::new(Shared {
            endpoints,
            auth_digest,
            #[cfg(feature = "tls")]
            tls,
            limits,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (wake, woken) = crossbeam_channel::bounded::<()>(0);
        let thread = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("metrics-http".into())
                .spawn(move || accept_loop(listener, shared, stop, woken))
                .map_err(MetricsError::Thread)?
        };
        Ok(MetricsServer {
            addr,
            stop,
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// The bound address (the real port when the config asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsServer")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Releases a connection slot when the connection thread ends, even by panic.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    wake: crossbeam_channel::Receiver<()>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            // WouldBlock: nothing pending. Other errors (EMFILE, ECONNABORTED) are transient
            // for a listener: back off the same way instead of spinning.
            Err(_) => {
                // Sleeps the poll interval, or less when the server is dropped.
                let _ = wake.recv_timeout(ACCEPT_POLL);
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= shared.limits.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            reject_busy(stream);
            continue;
        }
        let slot = Slot(Arc::clone(&active));
        let shared = Arc::clone(&shared);
        // If the spawn fails the closure is dropped, which drops the slot and the stream.
        let _ = thread::Builder::new()
            .name("metrics-conn".into())
            .spawn(move || {
                let _slot = slot;
                serve_connection(stream, &shared);
            });
    }
}

/// Answers 503 without reading, never blocking the accept thread.
fn reject_busy(stream: TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let resp = response(503, &[], b"busy\n", false);
        let _ = (&stream).write(&resp);
    }
}

/// What the connection handler needs beyond `Read + Write`: the socket for timeouts.
trait Conn: Read + Write {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

#[cfg(feature = "tls")]
impl Conn for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) {
    // Accepted sockets may inherit non-blocking mode on some platforms.
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_write_timeout(Some(shared.limits.read_timeout))
            .is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    #[cfg(feature = "tls")]
    if let Some(config) = &shared.tls {
        let Ok(conn) = rustls::ServerConnection::new(Arc::clone(config)) else {
            return;
        };
        let mut tls = rustls::StreamOwned::new(conn, stream);
        if handle(&mut tls, shared) {
            tls.conn.send_close_notify();
            let _ = tls.flush();
            linger(&tls.sock, shared.limits.linger);
        }
        return;
    }
    let mut stream = stream;
    if handle(&mut stream, shared) {
        linger(&stream, shared.limits.linger);
    }
}

/// Serves one request; returns whether a response was sent.
fn handle(conn: &mut dyn Conn, shared: &Shared) -> bool {
    let deadline = Instant::now() + shared.limits.read_timeout;
    let resp = match read_head(conn, deadline, shared.limits.max_head) {
        Ok(head) => match parse_head(&head) {
            Some(req) => route(&req, shared),
            None => response(400, &[], b"bad request\n", false),
        },
        Err(HeadError::TooLarge) => response(431, &[], b"request head too large\n", false),
        Err(HeadError::Timeout) => response(408, &[], b"request timeout\n", false),
        Err(HeadError::Closed) => return false,
    };
    conn.write_all(&resp).and_then(|()| conn.flush()).is_ok()
}

enum HeadError {
    TooLarge,
    Timeout,
    Closed,
}

fn read_head(conn: &mut dyn Conn, deadline: Instant, max: usize) -> Result<Vec<u8>, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = head_end(&buf) {
            buf.truncate(end);
            return Ok(buf);
        }
        if buf.len() >= max {
            return Err(HeadError::TooLarge);
        }
        // A total deadline, not only a per-read one, so a client trickling bytes cannot hold
        // a slot forever.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || conn.tcp().set_read_timeout(Some(left)).is_err() {
            return Err(HeadError::Timeout);
        }
        let want = (max - buf.len()).min(chunk.len());
        match conn.read(&mut chunk[..want]) {
            Ok(0) => return Err(HeadError::Closed),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HeadError::Timeout)
            }
            Err(_) => return Err(HeadError::Closed),
        }
    }
}

/// The length of the head including its blank line (CRLF CRLF, or bare LF LF as RFC 9112
/// lets a server accept).
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

struct Request<'a> {
    method: &'a str,
    path: &'a str,
    authorization: Option<&'a str>,
}

fn parse_head(head: &[u8]) -> Option<Request<'_>> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .skip_while(|l| l.is_empty());
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        || !target.starts_with('/')
        || !(version == "HTTP/1.1" || version == "HTTP/1.0")
    {
        return None;
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let mut authorization = None;
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        if authorization.is_none() && name.eq_ignore_ascii_case("authorization") {
            authorization = Some(value.trim());
        }
    }
    Some(Request {
        method,
        path,
        authorization,
    })
}

fn route(req: &Request<'_>, shared: &Shared) -> Vec<u8> {
    let health = req.path == "/healthz";
    if !health {
        if let Some(expected) = &shared.auth_digest {
            if !authorized(req.authorization, expected) {
                return response(
                    401,
                    &[("WWW-Authenticate", "Basic realm=\"sensor\"")],
                    b"unauthorized\n",
                    false,
                );
            }
        }
    }
    let head_only = match req.method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            return response(
                405,
                &[("Allow", "GET, HEAD")],
                b"method not allowed\n",
                false,
            )
        }
    };
    match req.path {
        "/metrics" => {
            // A panicking renderer costs this scrape (500), not the server.
            match catch_unwind(AssertUnwindSafe(|| (shared.endpoints.metrics)())) {
                Ok(body) => {
                    response_typed(200, CONTENT_TYPE_METRICS, &[], body.as_bytes(), head_only)
                }
                Err(_) => response(500, &[], b"metrics renderer failed\n", head_only),
            }
        }
        "/healthz" => response(200, &[], b"ok\n", head_only),
        "/readyz" => match catch_unwind(AssertUnwindSafe(|| (shared.endpoints.ready)())) {
            Ok(Ok(())) => response(200, &[], b"ready\n", head_only),
            Ok(Err(reason)) => {
                let body = format!("{}\n", reason.trim_end());
                response(503, &[], body.as_bytes(), head_only)
            }
            Err(_) => response(500, &[], b"readiness check failed\n", head_only),
        },
        _ => response(404, &[], b"not found\n", head_only),
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn authorized(header: Option<&str>, expected: &[u8; 32]) -> bool {
    let Some((scheme, credentials)) = header.and_then(|h| h.split_once(' ')) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials.trim()) else {
        return false;
    };
    constant_time_eq(&digest(&decoded), expected)
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keeps the optimiser from turning the fold into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

fn response(status: u16, extra: &[(&str, &str)], body: &[u8], head_only: bool) -> Vec<u8> {
    response_typed(status, CONTENT_TYPE_TEXT, extra, body, head_only)
}

/// A full response; for HEAD the headers (with the GET body's length) and no body.
fn response_typed(
    status: u16,
    content_type: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in extra {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Half-closes and drains what the client still sends, bounded in time and bytes.
fn linger(tcp: &TcpStream, limit: Duration) {
    let _ = tcp.shutdown(Shutdown::Write);
    if tcp.set_read_timeout(Some(limit)).is_err() {
        return;
    }
    let deadline = Instant::now() + limit;
    let mut scratch = [0u8; 4096];
    let mut total = 0usize;
    let mut reader = tcp;
    while total < 64 * 1024 && Instant::now() < deadline {
        match reader.read(&mut scratch) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

#[cfg(feature = "tls")]
pub(crate) mod tls {
    use super::{MetricsError, TlsFiles};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;

    /// ring, not aws-lc, because it builds with only a C compiler. rustls 0.23.48 deprecated
    /// it for lacking post-quantum key exchange; classical ECDHE is acceptable for a scrape
    /// endpoint on the office network.
    #[allow(deprecated)]
    pub(crate) fn ring_provider() -> Arc<rustls::crypto::CryptoProvider> {
        Arc::new(rustls::crypto::ring::default_provider())
    }

    pub(super) fn server_config(
        files: &TlsFiles,
    ) -> Result<Arc<rustls::ServerConfig>, MetricsError> {
        let cert_path = files.cert.display();
        let key_path = files.key.display();
        let certs = CertificateDer::pem_file_iter(&files.cert)
            .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
            .map_err(|e| MetricsError::Tls(format!("cannot read certificate {cert_path}: {e}")))?;
        if certs.is_empty() {
            return Err(MetricsError::Tls(format!(
                "no certificate found in {cert_path}"
            )));
        }
        let key = PrivateKeyDer::from_pem_file(&files.key)
            .map_err(|e| MetricsError::Tls(format!("cannot read private key {key_path}: {e}")))?;
        let config = rustls::ServerConfig::builder_with_provider(ring_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| MetricsError::Tls(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| {
                MetricsError::Tls(format!(
                    "certificate {cert_path} and key {key_path} cannot be used: {e}"
                ))
            })?;
        Ok(Arc::new(config))
    }
}
