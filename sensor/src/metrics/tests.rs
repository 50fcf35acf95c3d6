//! Server tests over real sockets on 127.0.0.1, and `promtool check metrics` on what we render.

use super::http::Limits;
use super::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const IO_TIMEOUT: Duration = Duration::from_secs(10);

fn local() -> HttpConfig {
    HttpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        basic_auth: None,
        tls: None,
    }
}

fn endpoints(
    metrics: impl Fn() -> String + Send + Sync + 'static,
    ready: impl Fn() -> Result<(), String> + Send + Sync + 'static,
) -> Endpoints {
    Endpoints {
        metrics: Box::new(metrics),
        ready: Box::new(ready),
    }
}

fn simple_server() -> MetricsServer {
    MetricsServer::start(local(), endpoints(sample_exposition, || Ok(()))).unwrap()
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

fn parse_response(bytes: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(bytes);
    let (head, _) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {text:?}"));
    let body = bytes[head.len() + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().unwrap().parse().unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_string(), v.to_string())
        })
        .collect();
    Resp {
        status,
        headers,
        body,
    }
}

/// Sends `request` as is and reads the response until the server closes.
fn raw(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut s = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    parse_response(&out)
}

fn request(addr: SocketAddr, method: &str, path: &str, auth: Option<&str>) -> Resp {
    let auth = auth
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let resp = raw(
        addr,
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n").as_bytes(),
    );
    if method != "HEAD" {
        assert_eq!(
            resp.header("Content-Length"),
            Some(resp.body.len().to_string().as_str()),
            "{method} {path}"
        );
    }
    assert_eq!(resp.header("Connection"), Some("close"));
    resp
}

fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, None)
}

/// A realistic exposition: labelled counters, gauges (one NaN), histograms.
fn sample_exposition() -> String {
    let mut w = TextWriter::new();
    w.family(
        "sensor_packets_total",
        "Packets read from the capture source.",
        Kind::Counter,
    );
    w.sample_u64("sensor_packets_total", &[("interface", "eth0")], 1_234_567);
    w.sample_u64("sensor_packets_total", &[("interface", "eth1")], 0);
    w.family(
        "sensor_alerts_total",
        "Alerts raised, by signature.\nThe msg label is the rule's msg.",
        Kind::Counter,
    );
    w.sample_u64(
        "sensor_alerts_total",
        &[
            ("sid", "2100498"),
            (
                "msg",
                "GPL ATTACK_RESPONSE id check returned \"root\" \\ x\n",
            ),
        ],
        3,
    );
    w.family(
        "sensor_flows_active",
        "Flows in the flow tables.",
        Kind::Gauge,
    );
    w.sample_u64("sensor_flows_active", &[("worker", "0")], 812);
    w.sample_u64("sensor_flows_active", &[("worker", "1")], 790);
    w.family(
        "sensor_capture_drop_ratio",
        "Share of packets dropped by the kernel.",
        Kind::Gauge,
    );
    w.sample_f64("sensor_capture_drop_ratio", &[], f64::NAN);
    w.family(
        "sensor_rules_loaded_timestamp_seconds",
        "When the rules were last loaded.",
        Kind::Gauge,
    );
    w.sample_f64("sensor_rules_loaded_timestamp_seconds", &[], 1.7e9);
    w.family(
        "sensor_packet_processing_seconds",
        "Time a worker spent on one packet.",
        Kind::Histogram,
    );
    let bounds = [1e-5, 1e-4, 1e-3, 0.01, 0.1];
    for (worker, counts, sum) in [
        ("0", [10, 500, 40, 2, 0, 1], 0.71),
        ("1", [0, 0, 0, 0, 0, 0], 0.0),
    ] {
        w.histogram(
            "sensor_packet_processing_seconds",
            &[("worker", worker)],
            &bounds,
            &counts,
            sum,
        );
    }
    w.finish()
}

/// `Some(Ok)` when promtool accepts `text` with no lint problem, `Some(Err(report))` otherwise,
/// `None` when promtool is missing outside CI.
fn promtool_check(text: &str) -> Option<Result<(), String>> {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("promtool not found (Debian package `prometheus`)");
            }
            println!("skipped: promtool not found");
            return None;
        }
        Err(e) => panic!("promtool: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Lint problems are printed with exit status 3; accept neither.
    Some(if out.status.success() && report.trim().is_empty() {
        Ok(())
    } else {
        Err(format!("{}: {report}", out.status))
    })
}

#[test]
fn sample_passes_promtool() {
    if let Some(result) = promtool_check(&sample_exposition()) {
        result.unwrap();
    }
}

#[test]
fn promtool_harness_reports_problems() {
    // Guards the check above: a lint problem and a syntax error must both be reported.
    let mut w = TextWriter::new();
    w.family("sensor_packets", "No _total suffix.", Kind::Counter);
    w.sample_u64("sensor_packets", &[], 1);
    if let Some(result) = promtool_check(&w.finish()) {
        assert!(result.unwrap_err().contains("_total"));
    }
    if let Some(result) = promtool_check("# TYPE x gauge\nx{a=\"unterminated} 1\n") {
        result.unwrap_err();
    }
}

#[test]
fn served_metrics_pass_promtool() {
    let server = simple_server();
    let resp = get(server.local_addr(), "/metrics");
    assert_eq!(resp.status, 200);
    if let Some(result) = promtool_check(resp.text()) {
        result.unwrap();
    }
}

#[test]
fn endpoints_and_status_codes() {
    let ready = Arc::new(AtomicBool::new(true));
    let server = MetricsServer::start(
        local(),
        endpoints(sample_exposition, {
            let ready = Arc::clone(&ready);
            move || {
                if ready.load(Ordering::SeqCst) {
                    Ok(())
                } else {
                    Err("rules not loaded".into())
                }
            }
        }),
    )
    .unwrap();
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0);

    let m = get(addr, "/metrics");
    assert_eq!(m.status, 200);
    assert_eq!(
        m.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(m.text(), sample_exposition());
    assert_eq!(get(addr, "/metrics?name[]=x").text(), sample_exposition());

    let h = get(addr, "/healthz");
    assert_eq!((h.status, h.text()), (200, "ok\n"));
    let r = get(addr, "/readyz");
    assert_eq!((r.status, r.text()), (200, "ready\n"));
    ready.store(false, Ordering::SeqCst);
    let r = get(addr, "/readyz");
    assert_eq!((r.status, r.text()), (503, "rules not loaded\n"));
    let h = get(addr, "/healthz");
    assert_eq!(h.status, 200, "health does not depend on readiness");

    for path in ["/metrics", "/healthz", "/readyz"] {
        let head = request(addr, "HEAD", path, None);
        let full = get(addr, path);
        assert_eq!(head.status, full.status, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert_eq!(
            head.header("Content-Length"),
            Some(full.body.len().to_string().as_str()),
            "{path}"
        );
    }

    assert_eq!(get(addr, "/").status, 404);
    assert_eq!(get(addr, "/metrics/").status, 404);
    assert_eq!(request(addr, "HEAD", "/nope", None).status, 404);
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let r = request(addr, method, "/metrics", None);
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("Allow"), Some("GET, HEAD"));
    }
}

#[test]
fn malformed_requests_get_400() {
    let server = simple_server();
    let addr = server.local_addr();
    for bad in [
        &b"garbage\r\n\r\n"[..],
        b"GET /metrics HTTP/2.0\r\n\r\n",
        b"GET metrics HTTP/1.1\r\n\r\n",
        b"GET /metrics HTTP/1.1 extra\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /metrics HTTP/1.1\r\nX: \xff\xfe\r\n\r\n",
        b"G(T /metrics HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(
            raw(addr, bad).status,
            400,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // Bare LF line ends are accepted.
    assert_eq!(raw(addr, b"GET /healthz HTTP/1.0\n\n").status, 200);
}

#[test]
fn oversized_head_gets_431() {
    let server = simple_server();
    let mut req = b"GET /metrics HTTP/1.1\r\n".to_vec();
    for i in 0..200 {
        req.extend_from_slice(format!("X-Padding-{i}: {}\r\n", "a".repeat(40)).as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    assert!(req.len() > http::MAX_HEAD_BYTES);
    assert_eq!(raw(server.local_addr(), &req).status, 431);
    // Just under the limit is fine.
    let mut req = b"GET /healthz HTTP/1.1\r\nX-Pad: ".to_vec();
    req.resize(http::MAX_HEAD_BYTES - 4, b'a');
    req.extend_from_slice(b"\r\n\r\n");
    assert_eq!(raw(server.local_addr(), &req).status, 200);
}

#[test]
fn basic_auth() {
    let mut config = local();
    config.basic_auth = Some(BasicAuth {
        user: "prom".into(),
        password: "s3cret:x".into(),
    });
    let server = MetricsServer::start(config, endpoints(sample_exposition, || Ok(()))).unwrap();
    let addr = server.local_addr();
    let b64 = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let good = format!("Basic {}", b64("prom:s3cret:x"));

    for path in ["/metrics", "/readyz", "/nope"] {
        let r = get(addr, path);
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.header("WWW-Authenticate"), Some("Basic realm=\"sensor\""));
    }
    // Unauthenticated clients learn nothing about methods either.
    assert_eq!(request(addr, "POST", "/metrics", None).status, 401);

    for bad in [
        format!("Basic {}", b64("prom:s3cret")),
        format!("Basic {}", b64("prom:s3cret:xx")),
        format!("Basic {}", b64("other:s3cret:x")),
        format!("Basic {}", b64("")),
        format!("Bearer {}", b64("prom:s3cret:x")),
        "Basic !!!not-base64".to_string(),
        "Basic".to_string(),
    ] {
        let r = request(addr, "GET", "/metrics", Some(&bad));
        assert_eq!(r.status, 401, "{bad}");
    }

    let r = request(addr, "GET", "/metrics", Some(&good));
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), sample_exposition());
    let scheme_case = format!("bAsIc {}", b64("prom:s3cret:x"));
    assert_eq!(
        request(addr, "GET", "/readyz", Some(&scheme_case)).status,
        200
    );
    assert_eq!(request(addr, "GET", "/nope", Some(&good)).status, 404);
    assert_eq!(request(addr, "DELETE", "/metrics", Some(&good)).status, 405);

    // Liveness stays open for the orchestrator.
    assert_eq!(get(addr, "/healthz").status, 200);
}

#[test]
fn auth_user_with_colon_is_rejected() {
    let mut config = local();
    config.basic_auth = Some(BasicAuth {
        user: "a:b".into(),
        password: "c".into(),
    });
    let err = MetricsServer::start(config, endpoints(String::new, || Ok(()))).unwrap_err();
    assert!(matches!(err, MetricsError::Config(_)), "{err}");
}

#[test]
fn address_in_use_is_a_clear_error() {
    let first = simple_server();
    let addr = first.local_addr();
    let mut config = local();
    config.listen = addr;
    let err = MetricsServer::start(config, endpoints(String::new, || Ok(()))).unwrap_err();
    assert!(
        matches!(&err, MetricsError::Listen { source, .. }
            if source.kind() == std::io::ErrorKind::AddrInUse),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "metrics: cannot listen on {addr}: Address already in use"
        )),
        "{text}"
    );
    #[cfg(target_os = "linux")]
    assert_eq!(
        text,
        format!("metrics: cannot listen on {addr}: Address already in use (os error 98)")
    );
    // The first server is unaffected.
    assert_eq!(get(addr, "/healthz").status, 200);
}

#[test]
fn drop_stops_the_server() {
    let server = simple_server();
    let addr = server.local_addr();
    assert_eq!(get(addr, "/healthz").status, 200);
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "drop took {:?}",
        started.elapsed()
    );
    let err = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn slow_clients_time_out_and_connections_are_bounded() {
    let limits = Limits {
        read_timeout: Duration::from_millis(300),
        max_connections: 2,
        ..Limits::DEFAULT
    };
    let server =
        MetricsServer::start_with(local(), endpoints(sample_exposition, || Ok(())), limits)
            .unwrap();
    let addr = server.local_addr();
    // Two clients that send half a request and stall take both slots.
    let mut stalled: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost:").unwrap();
            s
        })
        .collect();
    // The third is turned away at once (it sends nothing, so the close is clean).
    let mut third = TcpStream::connect(addr).unwrap();
    third.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut out = Vec::new();
    third.read_to_end(&mut out).unwrap();
    assert_eq!(parse_response(&out).status, 503);
    // The stalled ones are answered 408 once their time is up, which frees the slots.
    let started = Instant::now();
    for s in &mut stalled {
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        assert_eq!(parse_response(&out).status, 408);
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(stalled);
    // Slots are released by the connection threads just after they close.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n\r\n").unwrap();
        let mut out = Vec::new();
        // A busy answer may come with a reset since the request was not read.
        let status = s
            .read_to_end(&mut out)
            .ok()
            .filter(|_| !out.is_empty())
            .map(|_| parse_response(&out).status);
        if status == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "slots never freed: {status:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn panicking_closures_cost_one_response() {
    let server = MetricsServer::start(
        local(),
        endpoints(
            || panic!("renderer bug (expected by the test)"),
            || panic!("readiness bug (expected by the test)"),
        ),
    )
    .unwrap();
    let addr = server.local_addr();
    assert_eq!(get(addr, "/metrics").status, 500);
    assert_eq!(get(addr, "/readyz").status, 500);
    assert_eq!(get(addr, "/healthz").status, 200);
}

#[cfg(not(feature = "tls"))]
#[test]
fn tls_needs_the_feature() {
    let mut config = local();
    config.tls = Some(TlsFiles {
        cert: "cert.pem".into(),
        key: "key.pem".into(),
    });
    let err = MetricsServer::start(config, endpoints(String::new, || Ok(()))).unwrap_err();
    assert!(matches!(err, MetricsError::TlsNotBuilt));
    assert!(err.to_string().contains("lacks the `tls` feature"), "{err}");
}

#[cfg(feature = "tls")]
mod tls {
    use super::*;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use std::path::{Path, PathBuf};

    struct TempDir(PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A self-signed P-256 certificate for localhost and 127.0.0.1, made by the openssl
    /// command line (CA:FALSE, since webpki refuses a CA certificate as the server's own).
    fn self_signed(tag: &str) -> Option<(TempDir, TlsFiles)> {
        let dir = std::env::temp_dir().join(format!("sensor-metrics-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = TempDir(dir);
        let files = TlsFiles {
            cert: dir.0.join("cert.pem"),
            key: dir.0.join("key.pem"),
        };
        let status = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-addext",
                "basicConstraints=critical,CA:FALSE",
                "-keyout",
            ])
            .arg(&files.key)
            .arg("-out")
            .arg(&files.cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => Some((dir, files)),
            Ok(s) => panic!("openssl req failed: {s}"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::env::var("CI").as_deref() == Ok("true") {
                    panic!("openssl not found");
                }
                println!("skipped: openssl not found");
                None
            }
            Err(e) => panic!("openssl: {e}"),
        }
    }

    fn tls_get(addr: SocketAddr, ca: &Path, path: &str) -> Result<Resp, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(ca).unwrap())
            .unwrap();
        let config = rustls::ClientConfig::builder_with_provider(http::tls::ring_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).unwrap();
        tcp.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        tls.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        tls.read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok(parse_response(&out))
    }

    #[test]
    fn metrics_over_tls() {
        let Some((_dir, files)) = self_signed("tls") else {
            return;
        };
        let mut config = local();
        config.tls = Some(files.clone());
        config.basic_auth = Some(BasicAuth {
            user: "u".into(),
            password: "p".into(),
        });
        let server = MetricsServer::start(config, endpoints(sample_exposition, || Ok(()))).unwrap();
        let addr = server.local_addr();

        let h = tls_get(addr, &files.cert, "/healthz").unwrap();
        assert_eq!((h.status, h.text()), (200, "ok\n"));
        assert_eq!(tls_get(addr, &files.cert, "/metrics").unwrap().status, 401);

        // Plain HTTP on the TLS port gets no HTTP answer and does not hurt the server.
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n\r\n").unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        assert!(!out.starts_with(b"HTTP/"), "{out:?}");

        // A client that does not trust the certificate fails the handshake.
        let (_other_dir, other) = self_signed("tls-other").unwrap();
        assert!(tls_get(addr, &other.cert, "/healthz").is_err());

        drop(server);
        let mut config = local();
        config.tls = Some(files.clone());
        let server = MetricsServer::start(config, endpoints(sample_exposition, || Ok(()))).unwrap();
        let m = tls_get(server.local_addr(), &files.cert, "/metrics").unwrap();
        assert_eq!(m.status, 200);
        assert_eq!(
            m.header("Content-Type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        assert_eq!(m.text(), sample_exposition());
        if let Some(result) = promtool_check(m.text()) {
            result.unwrap();
        }
    }

    #[test]
    fn bad_tls_files_are_errors_at_start() {
        let Some((dir, files)) = self_signed("tls-bad") else {
            return;
        };
        let start = |tls: TlsFiles| {
            let mut config = local();
            config.tls = Some(tls);
            MetricsServer::start(config, endpoints(String::new, || Ok(()))).unwrap_err()
        };
        let missing = dir.0.join("missing.pem");
        let err = start(TlsFiles {
            cert: missing.clone(),
            key: files.key.clone(),
        });
        assert!(
            err.to_string().contains(&*missing.to_string_lossy()),
            "{err}"
        );
        // The key file holds no certificate, the certificate file no key.
        let err = start(TlsFiles {
            cert: files.key.clone(),
            key: files.key.clone(),
        });
        assert!(err.to_string().contains("no certificate"), "{err}");
        let err = start(TlsFiles {
            cert: files.cert.clone(),
            key: files.cert.clone(),
        });
        assert!(err.to_string().contains("private key"), "{err}");
        // A key that does not match the certificate.
        let (_other_dir, other) = self_signed("tls-bad-other").unwrap();
        let err = start(TlsFiles {
            cert: files.cert.clone(),
            key: other.key.clone(),
        });
        assert!(matches!(err, MetricsError::Tls(_)), "{err}");
    }
}
