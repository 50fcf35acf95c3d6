//! The `sensor` command line. Exit codes (also in `sensor --help` and the README):
//! 0 success; 1 an input could not be opened or is not a capture; 2 bad command line;
//! 3 EVE output could not be opened or written; 4 finished, but damaged input was skipped.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use sensor::capture::{expand_inputs, CaptureError, MergedSource};
use sensor::config::Config;
use sensor::counters::{write_eve_stats, Registry, SensorInfo, Totals};
use sensor::detect::{self, load::RuleSources, reload::EngineHandle};
use sensor::metrics::{BasicAuth, Endpoints, HttpConfig, MetricsServer, TlsFiles};
use sensor::output::file::{default_eve_path, OpenMode};
use sensor::output::periodic::Periodic;
use sensor::output::sink::Outputs;
use sensor::output::spec::{open_outputs, SinkKind, SinkSpec};
use sensor::pipeline::{self, Progress, ReplayConfig};
use sensor::signals;

const EXIT_INPUT: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_OUTPUT: u8 = 3;
const EXIT_DAMAGED: u8 = 4;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  an input could not be opened, or is not a pcap/pcapng file
  2  bad command line or configuration file
  3  EVE output could not be opened or written (records were lost)
  4  finished, but damaged input was skipped (see the stats record)";

#[derive(Parser)]
#[command(name = "sensor", version, about = "Network sensor for election offices", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay capture files (pcap or pcapng) through the sensor, in timestamp order across files.
    #[command(after_help = EXIT_CODES)]
    Replay(ReplayArgs),
    /// Capture live from network interfaces (AF_PACKET rings, one per worker) until SIGTERM or
    /// SIGINT; the same pipeline and records as `replay`.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Generate synthetic election-office captures.
    Generate(sensor_generate::GenerateArgs),
    /// Rule files: check that they load.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Send a command to a running sensor's control socket (`--control-socket`) and print
    /// the answer; exits 1 when the sensor refuses it.
    Ctl {
        /// The sensor's control socket.
        #[arg(long, short, value_name = "PATH")]
        socket: PathBuf,
        /// `reload-rules`, `ruleset-stats`, `ruleset-failed-rules`, `uptime`, `version`,
        /// `command-list`.
        command: String,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Load rule files or directories and report loaded/skipped counts and every reason.
    Check {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// `HOME_NET` for the check (as for replay).
        #[arg(long, value_name = "CIDR[,CIDR...]")]
        home_net: Option<String>,
        /// Configuration file whose `vars` the rules see.
        #[arg(long, value_name = "PATH")]
        config: Option<PathBuf>,
        /// Exit non-zero when any rule was skipped.
        #[arg(long)]
        strict: bool,
    },
}

/// Options shared by `replay` and `run`.
#[derive(Args)]
struct CommonArgs {
    /// Worker threads (flow table shards). Default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    /// EVE JSON output file, `-` for standard output. Default: eve.json in --log-dir, or the
    /// sinks of the configuration (`[[outputs.sink]]`), whose first file this replaces.
    #[arg(long, value_name = "PATH")]
    eve: Option<PathBuf>,
    /// Also write the sensor's own counters in EVE `stats` records, under `stats.sensor`
    /// (outside Suricata's EVE schema; Prometheus and `dump-counters` always have them).
    #[arg(long)]
    stats_sensor_counters: bool,
    /// Directory for output files.
    #[arg(long, value_name = "DIR", default_value = ".")]
    log_dir: PathBuf,
    /// Most flows tracked at once across all workers; beyond it the flow due to time out
    /// soonest is evicted (and counted).
    #[arg(long, default_value_t = 1 << 20)]
    max_flows: usize,
    /// Track flows only: no stream reassembly, application-layer parsing or signatures (for
    /// comparison and for links where only flow records are wanted).
    #[arg(long)]
    flows_only: bool,
    /// Configuration file (TOML): `rules`, `vars`, `stream`, `http`, `sensor`, `metrics`,
    /// `capture`, `outputs`. Options given here override it.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Suricata rule file or directory of `*.rules` files (repeatable; replaces the
    /// configuration's `rules`). Without either, the packs shipped in the binary apply.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Run exactly the given rules: no shipped packs and no behavioural detections, whatever
    /// the configuration says (what conformance tests and comparisons with Suricata use).
    #[arg(long)]
    signatures_only: bool,
    /// `HOME_NET` (default: Suricata's 192.168.0.0/16,10.0.0.0/8,172.16.0.0/12).
    #[arg(long, value_name = "CIDR[,CIDR...]")]
    home_net: Option<String>,
    /// Prefilter backend: `ac` (aho-corasick), `hs` (Hyperscan, in builds with the
    /// `hyperscan` feature) or `auto` (the fastest built in; the default).
    #[arg(long, value_name = "ALGO", value_parser = parse_mpm)]
    mpm: Option<MpmChoice>,
    /// Unix socket for control commands (Suricata's unix-socket protocol; `sensor ctl`,
    /// `suricatasc`): `reload-rules`, `ruleset-stats`, `dump-counters`, ...
    #[arg(long, value_name = "PATH")]
    control_socket: Option<PathBuf>,
    /// Pick up TCP sessions without their handshake, or with one silent side: reassemble
    /// and parse them, and count them as established for `flow:` (Suricata's
    /// `stream.midstream` with `async-oneside`). Without it, as in Suricata's default, such
    /// sessions are inspected packet by packet only.
    #[arg(long)]
    midstream: bool,
    /// Checksum validation (Suricata's `-k`): `all` keeps TCP segments with a bad checksum
    /// out of the stream (the default), `none` lets them in (the `*-csum` keywords still judge
    /// checksums, as in Suricata). Sets the configuration's `stream.checksum-validation`;
    /// `decode.checksum-checks` still applies.
    #[arg(short = 'k', value_name = "all|none", value_parser = parse_k)]
    checksum: Option<bool>,
    /// Serve Prometheus metrics (`/metrics`, `/healthz`, `/readyz`) on ADDR:PORT, or on
    /// 127.0.0.1:PORT when only a port is given.
    #[arg(long, value_name = "ADDR:PORT")]
    metrics_listen: Option<String>,
    /// The sensor's name in `sensor_info` and the EVE `host` field (default: the host name).
    #[arg(long, value_name = "NAME")]
    sensor_name: Option<String>,
    /// No progress bar, even on a terminal.
    #[arg(long, short)]
    quiet: bool,
    /// Run without the behavioural detections (beacons, exfiltration, DNS tunnels, scans,
    /// web attacks, credentials, look-alikes); signatures only.
    #[arg(long)]
    no_behaviour: bool,
}

#[derive(Args)]
struct ReplayArgs {
    /// Capture files or directories of capture files.
    #[arg(required = true, value_name = "PCAP")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
    /// Replay at the capture's own pace (as tcpreplay would put it on a link), optionally
    /// sped up: `--pace` is real time, `--pace 10` ten times faster. Flow timeouts and
    /// results are the same as at full speed; what changes is when records appear.
    #[arg(long, value_name = "FACTOR", num_args = 0..=1, default_missing_value = "1",
          value_parser = parse_pace)]
    pace: Option<f64>,
    /// Replay each capture on its own, as Suricata's unix-socket `pcap-file` does: flows,
    /// thresholds, xbits and host tags start fresh for every file; rules load once. Records
    /// carry `pcap_filename`, and each capture ends with its own `stats` record.
    #[arg(long, conflicts_with_all = ["metrics_listen", "control_socket"])]
    each: bool,
}

#[derive(Args)]
struct RunArgs {
    /// Network interface to capture on (repeatable: an office often mirrors its inside and
    /// outside links to two ports). Replaces the configuration's `capture.interfaces`.
    #[arg(long = "interface", short = 'i', value_name = "IFACE")]
    interfaces: Vec<String>,
    #[command(flatten)]
    common: CommonArgs,
    /// Capture filter. Builds with the `libpcap` feature take full tcpdump syntax, applied in
    /// the kernel; others a built-in subset (host, net, port, portrange, vlan, protocols,
    /// and/or/not) applied after decoding.
    #[arg(long, value_name = "EXPR")]
    capture_filter: Option<String>,
    /// Bytes captured per packet.
    #[arg(long, value_name = "BYTES")]
    snaplen: Option<u32>,
    /// Ring block size in bytes (a power of two, a multiple of the page size; default 1 MiB).
    #[arg(long, value_name = "BYTES")]
    ring_block_size: Option<u32>,
    /// Ring blocks per worker and interface (default 64).
    #[arg(long, value_name = "N")]
    ring_blocks: Option<u32>,
    /// Leave the interfaces out of promiscuous mode.
    #[arg(long)]
    no_promisc: bool,
    /// Once the capture sockets are open, run as this user (when started as root).
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// ... and this group (default: the user's primary group).
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// Seconds between EVE `stats` records (0: only the final one). Default 30.
    #[arg(long, value_name = "SECS")]
    stats_interval: Option<u64>,
    /// Where packets come from: `afpacket` (Linux; one ring per worker, the default) or
    /// `pcap` (libpcap, one reader thread; builds with the `libpcap` feature, for systems
    /// without AF_PACKET).
    #[arg(long, value_name = "BACKEND", value_parser = parse_backend)]
    capture_backend: Option<CaptureBackend>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay(args) => replay(args),
        Command::Run(args) => run(args),
        Command::Rules(RulesCommand::Check {
            files,
            home_net,
            config,
            strict,
        }) => rules_check(&files, home_net, config, strict),
        Command::Ctl { socket, command } => ctl(&socket, &command),
        Command::Generate(args) => match sensor_generate::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sensor generate: {e}");
                ExitCode::from(EXIT_INPUT)
            }
        },
    }
}

/// What `replay` and `run` share once their options are checked: the output, the rules,
/// the counters and the services around them (metrics endpoint, control socket, output chores).
struct Session {
    config: Config,
    /// The configuration's checksum policy with `-k` applied.
    checksum: sensor::decode::checksum::Policy,
    /// Midstream pickup (`--midstream` or `stream.midstream`).
    midstream: bool,
    outputs: Arc<Outputs>,
    stats_sensor_counters_flag: bool,
    registry: Arc<Registry>,
    engine: Option<Arc<EngineHandle>>,
    app: bool,
    max_flows: usize,
    workers: usize,
    _metrics: Option<MetricsServer>,
    control: Option<sensor::control::Control>,
    periodic: Option<Periodic>,
    /// The behaviour stage's settings (`None`: off).
    behaviour: Option<Arc<sensor::behaviour::BehaviourConfig>>,
}

impl Session {
    fn start(
        common: &CommonArgs,
        mode: &'static str,
        interfaces: Vec<String>,
        open: OpenMode,
    ) -> Result<Session, ExitCode> {
        signals::install();
        if common.max_flows == 0 {
            eprintln!("sensor: error: --max-flows 0 would track no flow at all; give at least 1");
            return Err(ExitCode::from(EXIT_USAGE));
        }
        let config = match &common.config {
            Some(p) => match Config::load(p) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("sensor: error: {e}");
                    return Err(ExitCode::from(EXIT_USAGE));
                }
            },
            None => Config::default(),
        };
        let behaviour = match behaviour_config(common, &config) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("sensor: error: {e}");
                return Err(ExitCode::from(EXIT_USAGE));
            }
        };
        let metrics_config = match metrics_config(common, &config) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("sensor: error: {e}");
                return Err(ExitCode::from(EXIT_USAGE));
            }
        };
        let (engine, reloader) = if common.flows_only {
            (None, None)
        } else {
            load_rules(common)?
        };
        let configured_name = common
            .sensor_name
            .clone()
            .or_else(|| config.sensor.name.clone());
        // A live sensor always names itself in its records (many sensors feed one stream); a
        // replay only when a name is given, so its output depends on the input alone.
        if mode == "run" || configured_name.is_some() {
            sensor::output::eve::set_host(configured_name.clone().unwrap_or_else(hostname));
        }
        let info = SensorInfo {
            name: configured_name.unwrap_or_else(hostname),
            site: config.sensor.site.clone().unwrap_or_default(),
            mode,
            interfaces,
        };
        let specs = sink_specs(common, &config);
        let outputs = match open_outputs(&specs, open, mode != "run", &info.name) {
            Ok(o) => Arc::new(o),
            Err(e) => {
                eprintln!("sensor: {e}");
                return Err(ExitCode::from(EXIT_OUTPUT));
            }
        };
        let workers = common
            .workers
            .map(|w| w as usize)
            .unwrap_or_else(pipeline::default_workers);
        let registry = Arc::new(Registry::new(
            info,
            workers,
            outputs.clone(),
            engine.clone(),
            common.max_flows as u64,
        ));
        let metrics = match metrics_config {
            Some(http) => {
                let r1 = registry.clone();
                let r2 = registry.clone();
                let endpoints = Endpoints {
                    metrics: Box::new(move || r1.prometheus()),
                    ready: Box::new(move || {
                        if r2.is_ready() {
                            Ok(())
                        } else {
                            Err("not reading input (starting or stopping)".into())
                        }
                    }),
                };
                let scheme = if http.tls.is_some() { "https" } else { "http" };
                match MetricsServer::start(http, endpoints) {
                    Ok(m) => {
                        eprintln!("sensor: metrics on {scheme}://{}/metrics", m.local_addr());
                        Some(m)
                    }
                    Err(e) => {
                        eprintln!("sensor: error: {e}");
                        return Err(ExitCode::from(EXIT_USAGE));
                    }
                }
            }
            None => None,
        };
        let control = if reloader.is_some() || common.control_socket.is_some() {
            match sensor::control::Control::start(
                reloader,
                registry.clone(),
                common.control_socket.as_deref(),
            ) {
                Ok(c) => Some(c),
                Err(e) => {
                    let path = common.control_socket.as_deref().unwrap_or(Path::new(""));
                    eprintln!("sensor: error: control socket {}: {e}", path.display());
                    return Err(ExitCode::from(EXIT_USAGE));
                }
            }
        } else {
            None
        };
        Ok(Session {
            midstream: common.midstream || config.midstream,
            checksum: sensor::decode::checksum::Policy {
                validation: common.checksum.unwrap_or(config.checksum.validation),
                ..config.checksum
            },
            config,
            outputs,
            stats_sensor_counters_flag: common.stats_sensor_counters,
            registry,
            engine,
            app: !common.flows_only,
            max_flows: common.max_flows,
            workers,
            _metrics: metrics,
            control,
            periodic: None,
            behaviour,
        })
    }

    /// The pipeline settings the session's options and configuration give (replay, and live
    /// capture through libpcap, which runs on the replay path).
    fn replay_config(&self) -> ReplayConfig {
        let mut config = ReplayConfig {
            workers: self.workers,
            engine: self.engine.clone(),
            log_unanswered: self.config.log_unanswered,
            ..ReplayConfig::default()
        };
        config.flow.max_flows = self.max_flows;
        config.flow.timeouts = self.config.timeouts;
        config.behaviour = self.behaviour.clone();
        if let Some(app) = &mut config.app {
            app.http = self.config.http;
            if let Some(d) = self.config.stream_depth {
                app.stream.depth = d;
            }
            app.checksum = self.checksum;
            app.tls_ja4s = self.config.outputs.tls_ja4s;
            app.xff = self.config.outputs.xff;
            app.files = self.config.outputs.files;
            app.midstream = self.midstream;
        }
        if !self.app {
            config.app = None;
        }
        config
    }

    fn start_periodic(&mut self, stats_every: Option<Duration>) {
        match Periodic::start(
            self.outputs.clone(),
            self.registry.clone(),
            stats_every,
            self.stats_sensor_counters(),
        ) {
            Ok(p) => self.periodic = Some(p),
            Err(e) => eprintln!("sensor: warning: output chores thread: {e}"),
        }
    }

    /// Writes the final stats record and the summary; the exit code for output failures.
    fn finish(self, elapsed: Duration) -> (Totals, Option<ExitCode>) {
        self.finish_with(elapsed, true)
    }

    /// As [`Session::finish`]; without the stats record when each capture wrote its own.
    fn finish_with(mut self, elapsed: Duration, final_stats: bool) -> (Totals, Option<ExitCode>) {
        self.periodic.take();
        self.control.take();
        if final_stats {
            self.write_stats(&self.registry.totals());
        }
        self.outputs.flush();
        // Network sinks send what they hold (in `run`, within a grace period).
        self.outputs.close();
        // The stats record itself is now written (or lost): count it.
        let totals = self.registry.totals();
        if final_stats {
            eprintln!("sensor: {}", totals.summary(elapsed));
        }
        if totals.worker_panics > 0 {
            eprintln!(
                "sensor: error: {} worker(s) failed; their flows are missing",
                totals.worker_panics
            );
        }
        for o in totals.outputs.iter().filter(|o| o.dropped_records > 0) {
            eprintln!(
                "sensor: warning: output {}: {} records dropped (its server was slow or down)",
                o.name, o.dropped_records
            );
        }
        let errors = self.outputs.file_errors();
        for (e, records, bytes) in &errors {
            eprintln!("sensor: error: {e}; {records} records ({bytes} bytes) lost");
        }
        if !errors.is_empty() {
            return (totals, Some(ExitCode::from(EXIT_OUTPUT)));
        }
        (totals, None)
    }

    fn write_stats(&self, totals: &Totals) {
        let mut line = Vec::new();
        write_eve_stats(totals, self.stats_sensor_counters(), &mut line);
        self.outputs.write_record(&line);
    }

    fn stats_sensor_counters(&self) -> bool {
        self.stats_sensor_counters_flag || self.config.outputs.stats_sensor_counters
    }
}

/// The sinks to open: the configuration's `[[outputs.sink]]` list, with `--eve` replacing
/// the path of its first file sink (or added as the `eve` sink when it has none); with no
/// sink configured, the EVE file of `--eve` or `--log-dir`.
fn sink_specs(common: &CommonArgs, config: &Config) -> Vec<SinkSpec> {
    let mut specs = config.outputs.sinks.clone();
    match &common.eve {
        Some(path) => {
            let first_file = specs
                .iter_mut()
                .find(|s| matches!(s.kind, SinkKind::File { .. } | SinkKind::Stdout));
            match first_file {
                Some(spec) => {
                    let eve = SinkSpec::eve_file(path);
                    spec.kind = match (eve.kind, &spec.kind) {
                        (SinkKind::File { path, .. }, SinkKind::File { rotation, .. }) => {
                            SinkKind::File {
                                path,
                                rotation: *rotation,
                            }
                        }
                        (k, _) => k,
                    };
                }
                None => specs.insert(0, SinkSpec::eve_file(path)),
            }
        }
        None if specs.is_empty() => {
            specs.push(SinkSpec::eve_file(&default_eve_path(&common.log_dir)))
        }
        None => {}
    }
    specs
}

/// The behaviour stage's settings: `[behaviour]` of the configuration, with the home networks
/// from `--home-net`, else `behaviour.home-net`, else the rules' `HOME_NET`.
fn behaviour_config(
    common: &CommonArgs,
    config: &Config,
) -> Result<Option<Arc<sensor::behaviour::BehaviourConfig>>, String> {
    use sensor::behaviour::config::parse_cidr_list;
    if common.no_behaviour
        || common.signatures_only
        || common.flows_only
        || !config.behaviour.enabled
    {
        return Ok(None);
    }
    let home = common.home_net.clone().or_else(|| {
        if config.behaviour.home_net.is_empty() {
            config
                .vars
                .address("HOME_NET")
                .filter(|h| parse_cidr_list(h).is_ok())
                .map(str::to_string)
        } else {
            None
        }
    });
    sensor::behaviour::BehaviourConfig::resolve(&config.behaviour, home.as_deref())
        .map(|c| Some(Arc::new(c)))
}

/// The host name, for the sensor's default name.
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return "sensor".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// The metrics endpoint's settings from the command line and the configuration file.
fn metrics_config(common: &CommonArgs, config: &Config) -> Result<Option<HttpConfig>, String> {
    let m = &config.metrics;
    let Some(listen) = common.metrics_listen.clone().or_else(|| m.listen.clone()) else {
        return Ok(None);
    };
    let listen = parse_listen(&listen)?;
    let basic_auth = match (&m.user, &m.password_file) {
        (None, None) => None,
        (Some(user), Some(file)) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("metrics.password-file {}: {e}", file.display()))?;
            let password = text.lines().next().unwrap_or("").to_string();
            if password.is_empty() {
                return Err(format!(
                    "metrics.password-file {}: the first line (the password) is empty",
                    file.display()
                ));
            }
            Some(BasicAuth {
                user: user.clone(),
                password,
            })
        }
        _ => return Err("metrics: `user` and `password-file` go together".into()),
    };
    let tls = match (&m.tls_cert, &m.tls_key) {
        (None, None) => None,
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => return Err("metrics: `tls-cert` and `tls-key` go together".into()),
    };
    Ok(Some(HttpConfig {
        listen,
        basic_auth,
        tls,
    }))
}

/// `ADDR:PORT`, `[v6]:PORT`, or a bare port on 127.0.0.1.
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.parse::<SocketAddr>()
        .map_err(|_| format!("metrics listen address `{s}` is not ADDR:PORT or a port"))
}

/// Loads the rules; fails closed when configured rule files hold rules and none loads.
fn load_rules(
    common: &CommonArgs,
) -> Result<(Option<Arc<EngineHandle>>, Option<detect::reload::Reloader>), ExitCode> {
    let sources = RuleSources {
        paths: common.rules.clone(),
        signatures_only: common.signatures_only,
        home_net: common.home_net.clone(),
        config: common.config.clone(),
        mpm: common.mpm.map(|m| m.0),
        midstream: common.midstream,
        checksum_validation: common.checksum,
    };
    if let Err(e) = sources.resolve() {
        eprintln!("sensor: error: {e}");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    let (engine, report) = match detect::load::load(&sources) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sensor: error: rules: {e}");
            return Err(ExitCode::from(EXIT_INPUT));
        }
    };
    let problems = detect::load::describe(&report);
    for p in problems.iter().take(MAX_RULE_WARNINGS) {
        eprintln!("sensor: rules: {p}");
    }
    if problems.len() > MAX_RULE_WARNINGS {
        eprintln!(
            "sensor: rules: ... and {} more (see `sensor rules check`)",
            problems.len() - MAX_RULE_WARNINGS
        );
    }
    if let Some(note) = detect::load::notes(&report) {
        eprintln!("sensor: rules: note: {note}");
    }
    eprintln!(
        "sensor: rules: {} loaded, {} skipped",
        report.loaded,
        problems.len()
    );
    if engine.is_empty() && !problems.is_empty() {
        // Running with no detection while the operator believes rules are in force is the
        // worst outcome: refuse. (A rule file with no rules at all stays valid.)
        eprintln!(
            "sensor: error: rules: none of the {} configured rules loaded; not starting without detection (see `sensor rules check`)",
            problems.len()
        );
        return Err(ExitCode::from(EXIT_USAGE));
    }
    // With rule sources configured, keep an engine even if empty: a reload may fill it.
    if engine.is_empty() && sources.paths.is_empty() && sources.config.is_none() {
        return Ok((None, None));
    }
    let handle = Arc::new(EngineHandle::new(Arc::new(engine)));
    let reloader = detect::reload::Reloader::new(handle.clone(), sources, problems);
    Ok((Some(handle), Some(reloader)))
}

fn replay(args: ReplayArgs) -> ExitCode {
    let files = match expand_inputs(&args.inputs) {
        Ok(f) => f,
        Err(e) => return input_error(&e),
    };
    let mut session = match Session::start(&args.common, "replay", Vec::new(), OpenMode::Truncate) {
        Ok(s) => s,
        Err(code) => return code,
    };
    session.start_periodic(None);
    let config = ReplayConfig {
        pace: args.pace,
        ..session.replay_config()
    };

    if args.each {
        return replay_each(&args, &files, session, &config);
    }
    let show_bar = !args.common.quiet && std::io::stderr().is_terminal();
    let bar = ProgressBar::new(show_bar);
    let mut warn = |e: &CaptureError| {
        bar.println(&format!("sensor: warning: {e}"));
    };
    // Opened once the control socket is up: opening a FIFO waits for its writer.
    let mut source = match MergedSource::open(&files) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let started = Instant::now();
    let (stats, fatal) = pipeline::run(
        &mut source,
        &config,
        session.outputs.clone(),
        session.registry.clone(),
        &mut |p| bar.update(p),
        &mut warn,
    );
    bar.finish();
    if let Some(b) = &stats.behaviour {
        eprintln!(
            "sensor: behaviour: {} events, {} alerts ({} suppressed), {} entities evicted, {} events released early, {} late",
            b.events, b.alerts.written, b.alerts.suppressed, b.evicted, b.forced, b.late
        );
    }
    if signals::stop_requested() {
        eprintln!("sensor: stopped by a signal; every flow read so far was written");
    }
    let (totals, output_failed) = session.finish(started.elapsed());
    if let Some(e) = &fatal {
        eprintln!("sensor: error: {e}; stopped reading there");
    }
    if let Some(code) = output_failed {
        return code;
    }
    if fatal.is_some() || totals.input_damaged() || stats.worker_panics > 0 {
        let s = totals.skipped;
        eprintln!(
            "sensor: damaged input skipped: {} bad records, {} truncated records, {} bytes stepped over",
            s.bad_records, s.truncated_records, s.bytes_skipped
        );
        return ExitCode::from(EXIT_DAMAGED);
    }
    ExitCode::SUCCESS
}

/// `replay --each`: every capture through a fresh pipeline (flows, counters) and with the
/// engine's cross-flow state forgotten, the rules loaded once. A capture that cannot be
/// opened is reported and skipped; the others still run.
fn replay_each(
    args: &ReplayArgs,
    files: &[PathBuf],
    session: Session,
    config: &ReplayConfig,
) -> ExitCode {
    let started = Instant::now();
    let (mut unreadable, mut damaged) = (0usize, 0usize);
    for file in files {
        if signals::stop_requested() {
            eprintln!("sensor: stopped by a signal before {}", file.display());
            break;
        }
        let mut source = match MergedSource::open(std::slice::from_ref(file)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("sensor: error: {e}; skipped");
                unreadable += 1;
                continue;
            }
        };
        if let Some(engine) = &session.engine {
            engine.current().forget_cross_flow_state();
        }
        sensor::output::eve::set_capture(Some(&file.display().to_string()));
        let registry = Arc::new(session.registry.fresh());
        let show_bar = !args.common.quiet && std::io::stderr().is_terminal();
        let bar = ProgressBar::new(show_bar);
        let mut warn = |e: &CaptureError| {
            bar.println(&format!("sensor: warning: {}: {e}", file.display()));
        };
        let (stats, fatal) = pipeline::run(
            &mut source,
            config,
            session.outputs.clone(),
            registry.clone(),
            &mut |p| bar.update(p),
            &mut warn,
        );
        bar.finish();
        let totals = registry.totals();
        session.write_stats(&totals);
        eprintln!(
            "sensor: {}: {}",
            file.display(),
            totals.summary(stats.elapsed)
        );
        if let Some(e) = &fatal {
            eprintln!("sensor: error: {e}; stopped reading there");
        }
        if fatal.is_some() || totals.input_damaged() || stats.worker_panics > 0 {
            damaged += 1;
        }
    }
    sensor::output::eve::set_capture(None);
    let (_, output_failed) = session.finish_with(started.elapsed(), false);
    eprintln!(
        "sensor: {} captures replayed each on its own; {unreadable} could not be read, {damaged} had damaged input skipped",
        files.len() - unreadable
    );
    if let Some(code) = output_failed {
        return code;
    }
    if unreadable > 0 {
        return ExitCode::from(EXIT_INPUT);
    }
    if damaged > 0 {
        return ExitCode::from(EXIT_DAMAGED);
    }
    ExitCode::SUCCESS
}

/// `run`'s options with the configuration file's `[capture]` and `[sensor]` applied.
struct LiveOptions {
    interfaces: Vec<String>,
    snaplen: Option<u32>,
    ring_block_size: Option<u32>,
    ring_blocks: Option<u32>,
    promiscuous: bool,
    filter: Option<String>,
    user: Option<String>,
    group: Option<String>,
}

fn run(args: RunArgs) -> ExitCode {
    // The configuration is read twice (here for `capture` and `sensor`, in the session for
    // the rest): both reads are checked the same way.
    let (file_capture, file_sensor) = match &args.common.config {
        Some(p) => match Config::load(p) {
            Ok(c) => (c.capture, c.sensor),
            Err(e) => {
                eprintln!("sensor: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => Default::default(),
    };
    let interfaces = if args.interfaces.is_empty() {
        file_capture.interfaces.clone()
    } else {
        args.interfaces.clone()
    };
    if interfaces.is_empty() {
        eprintln!("sensor: error: no interface to capture on (--interface, or capture.interfaces in the configuration)");
        return ExitCode::from(EXIT_USAGE);
    }
    let options = LiveOptions {
        interfaces,
        snaplen: args.snaplen.or(file_capture.snaplen),
        ring_block_size: args.ring_block_size.or(file_capture.ring_block_size),
        ring_blocks: args.ring_blocks.or(file_capture.ring_blocks),
        promiscuous: !args.no_promisc && file_capture.promiscuous.unwrap_or(true),
        filter: args.capture_filter.clone().or(file_capture.filter.clone()),
        user: args.user.clone().or(file_sensor.user.clone()),
        group: args.group.clone().or(file_sensor.group.clone()),
    };
    let backend = args.capture_backend.unwrap_or(CaptureBackend::DEFAULT);
    match backend {
        #[cfg(target_os = "linux")]
        CaptureBackend::AfPacket => run_afpacket(&args, options),
        #[cfg(feature = "libpcap")]
        CaptureBackend::Pcap => run_pcap(&args, options),
    }
}

/// Where live packets come from.
#[derive(Clone, Copy, Debug)]
enum CaptureBackend {
    /// AF_PACKET rings, one per worker (Linux).
    #[cfg(target_os = "linux")]
    AfPacket,
    /// libpcap, one reader thread (`libpcap` feature; for systems without AF_PACKET).
    #[cfg(feature = "libpcap")]
    Pcap,
}

impl CaptureBackend {
    #[cfg(target_os = "linux")]
    const DEFAULT: CaptureBackend = CaptureBackend::AfPacket;
    #[cfg(all(not(target_os = "linux"), feature = "libpcap"))]
    const DEFAULT: CaptureBackend = CaptureBackend::Pcap;
}

fn parse_backend(s: &str) -> Result<CaptureBackend, String> {
    match s {
        #[cfg(target_os = "linux")]
        "afpacket" | "af-packet" => Ok(CaptureBackend::AfPacket),
        #[cfg(feature = "libpcap")]
        "pcap" | "libpcap" => Ok(CaptureBackend::Pcap),
        _ => Err(format!(
            "`{s}` is not a capture backend of this build (afpacket on Linux; pcap with the `libpcap` feature)"
        )),
    }
}

/// The end of a live run: the workers have finished; write the final records and summary.
fn finish_live(session: Session, started: Instant) -> ExitCode {
    if signals::stop_requested() {
        eprintln!("sensor: stopping: every open flow was written");
    }
    let (_totals, output_failed) = session.finish(started.elapsed());
    output_failed.unwrap_or(ExitCode::SUCCESS)
}

#[cfg(target_os = "linux")]
fn run_afpacket(args: &RunArgs, options: LiveOptions) -> ExitCode {
    use sensor::capture::afpacket::RingConfig;
    use sensor::pipeline::live::{self, LiveConfig, LiveSockets};

    let mut ring = RingConfig::default();
    if let Some(v) = options.snaplen {
        ring.snaplen = v;
    }
    if let Some(v) = options.ring_block_size {
        ring.block_size = v;
    }
    if let Some(v) = options.ring_blocks {
        ring.block_count = v;
    }
    ring.promiscuous = options.promiscuous;
    // Sockets first, while the process has one thread and its privileges; then privileges
    // go, then everything else starts.
    let mut config = LiveConfig {
        interfaces: options.interfaces.clone(),
        ring,
        workers: args
            .common
            .workers
            .map(|w| w as usize)
            .unwrap_or_else(pipeline::default_workers),
        flow: Default::default(),
        defrag: Default::default(),
        app: (!args.common.flows_only).then(Default::default),
        engine: None,
        filter: None,
        log_unanswered: true,
        behaviour: None,
    };
    config.flow.max_flows = args.common.max_flows;
    let sockets = match LiveSockets::open(&config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sensor: error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    if let Some(expr) = &options.filter {
        match apply_capture_filter(&sockets, expr, config.ring.snaplen) {
            Ok(built_in) => config.filter = built_in.map(Arc::new),
            Err(e) => {
                eprintln!("sensor: error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let session = match live_session(args, options) {
        Ok(s) => s,
        Err(code) => return code,
    };
    config.engine = session.engine.clone();
    config.workers = session.workers;
    config.flow.timeouts = session.config.timeouts;
    config.log_unanswered = session.config.log_unanswered;
    config.behaviour = session.behaviour.clone();
    if let Some(app) = &mut config.app {
        app.http = session.config.http;
        if let Some(d) = session.config.stream_depth {
            app.stream.depth = d;
        }
        app.checksum = session.checksum;
        app.tls_ja4s = session.config.outputs.tls_ja4s;
        app.xff = session.config.outputs.xff;
        app.files = session.config.outputs.files;
        app.midstream = session.midstream;
    }
    eprintln!(
        "sensor: capturing on {} with {} workers",
        config.interfaces.join(", "),
        config.workers
    );
    let started = Instant::now();
    live::run(
        sockets,
        &config,
        session.outputs.clone(),
        session.registry.clone(),
    );
    finish_live(session, started)
}

/// libpcap: one reader thread dispatching to the workers, as replay does.
#[cfg(feature = "libpcap")]
fn run_pcap(args: &RunArgs, options: LiveOptions) -> ExitCode {
    use sensor::capture::pcap_live::{PcapLiveConfig, PcapLiveSource};

    let block = options.ring_block_size.unwrap_or(1 << 20) as u64;
    let blocks = options.ring_blocks.unwrap_or(64) as u64;
    let pcap_config = PcapLiveConfig {
        snaplen: options.snaplen.unwrap_or(65535),
        promiscuous: options.promiscuous,
        buffer_bytes: (block * blocks).min(u32::MAX as u64) as u32,
        filter: options.filter.clone(),
    };
    let mut source = match PcapLiveSource::open(&options.interfaces, &pcap_config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sensor: error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let interfaces = options.interfaces.clone();
    let session = match live_session(args, options) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = session.replay_config();
    eprintln!(
        "sensor: capturing on {} with libpcap and {} workers",
        interfaces.join(", "),
        config.workers
    );
    let started = Instant::now();
    let (_stats, fatal) = pipeline::run(
        &mut source,
        &config,
        session.outputs.clone(),
        session.registry.clone(),
        &mut |_| {},
        &mut |e| eprintln!("sensor: warning: {e}"),
    );
    if let Some(e) = fatal {
        eprintln!("sensor: error: {e}; capture stopped");
    }
    finish_live(session, started)
}

/// Once the capture is open: privileges go, then the session (outputs, rules, metrics,
/// control) starts, with periodic stats records.
fn live_session(args: &RunArgs, options: LiveOptions) -> Result<Session, ExitCode> {
    if let Err(e) = drop_privileges(options.user, options.group) {
        eprintln!("sensor: error: {e}");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    let mut session = Session::start(&args.common, "live", options.interfaces, OpenMode::Append)?;
    session.start_periodic(stats_every(args, &session));
    Ok(session)
}

/// `--stats-interval`, else the configuration's, else 30 s; 0 turns periodic records off.
fn stats_every(args: &RunArgs, session: &Session) -> Option<Duration> {
    let every = args
        .stats_interval
        .or(session.config.outputs.stats_interval)
        .unwrap_or(30);
    (every > 0).then(|| Duration::from_secs(every))
}

/// Applies a capture filter: compiled by libpcap and attached to the sockets in builds with the
/// `libpcap` feature (returns `None`), else parsed as the built-in filter the workers apply.
#[cfg(target_os = "linux")]
fn apply_capture_filter(
    sockets: &sensor::pipeline::live::LiveSockets,
    expr: &str,
    snaplen: u32,
) -> Result<Option<sensor::capture::filter::CaptureFilter>, String> {
    #[cfg(feature = "libpcap")]
    {
        let links = sockets.link_types();
        let Some(link) = links.first() else {
            return Ok(None);
        };
        if links.iter().any(|l| l != link) {
            return Err(format!(
                "capture filter `{expr}`: the interfaces have different link types; one compiled filter cannot serve them all"
            ));
        }
        let prog = sensor::capture::bpf::compile(expr, *link, snaplen)?;
        sockets.attach_filter(&prog)?;
        Ok(None)
    }
    #[cfg(not(feature = "libpcap"))]
    {
        let _ = (sockets, snaplen);
        sensor::capture::filter::CaptureFilter::parse(expr)
            .map(Some)
            .map_err(|e| format!("capture filter `{expr}`: {e}"))
    }
}

/// Gives up what opening the sockets needed: switches to `user` when given (started as
/// root), else clears the capabilities of a non-root process (systemd's
/// `AmbientCapabilities=CAP_NET_RAW`). A root process with no user configured keeps running as
/// root, with a warning.
#[cfg(target_os = "linux")]
fn drop_privileges(user: Option<String>, group: Option<String>) -> Result<(), String> {
    use sensor::privilege;
    match user {
        Some(user) => {
            privilege::drop_to(&privilege::DropTo { user, group }).map_err(|e| e.to_string())?;
        }
        None if group.is_some() => return Err("a group to run as needs a user too (--user)".into()),
        None => {
            if privilege::current().euid == 0 {
                eprintln!("sensor: warning: running as root; give --user (or sensor.user) to drop privileges once capture starts");
                return Ok(());
            }
            privilege::drop_capabilities().map_err(|e| e.to_string())?;
        }
    }
    eprintln!("sensor: running as {}", privilege::current());
    Ok(())
}

/// Rule load problems printed by `replay` before it refers to `sensor rules check`.
const MAX_RULE_WARNINGS: usize = 20;

fn rules_check(
    files: &[PathBuf],
    home_net: Option<String>,
    config: Option<PathBuf>,
    strict: bool,
) -> ExitCode {
    let sources = RuleSources {
        paths: files.to_vec(),
        signatures_only: true,
        home_net,
        config,
        ..Default::default()
    };
    if let Err(e) = sources.resolve() {
        eprintln!("sensor: error: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let started = std::time::Instant::now();
    match detect::load::load(&sources) {
        Ok((engine, report)) => {
            let problems = detect::load::describe(&report);
            for p in &problems {
                println!("{p}");
            }
            if let Some(note) = detect::load::notes(&report) {
                println!("note: {note}");
            }
            println!(
                "{}: {} files, {} rules loaded, {} skipped, in {:.3} s",
                detect::load::display(files),
                report.files,
                engine.len(),
                problems.len(),
                started.elapsed().as_secs_f64()
            );
            // A rule skipped by its `requires` is not a problem (Suricata's `-T` passes).
            let unmet = report
                .errors
                .iter()
                .filter(|e| matches!(e.kind, sensor::detect::rule::ErrorKind::Unmet { .. }))
                .count();
            if strict && problems.len() > unmet {
                ExitCode::from(EXIT_INPUT)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("sensor: error: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// `--mpm`: a backend, or `auto` (`None`).
#[derive(Clone, Copy, Debug)]
struct MpmChoice(Option<sensor::detect::mpm::Backend>);

fn parse_mpm(s: &str) -> Result<MpmChoice, String> {
    sensor::config::parse_backend(s).map(MpmChoice)
}

fn parse_k(s: &str) -> Result<bool, String> {
    sensor::decode::checksum::Policy::parse_k(s)
        .ok_or_else(|| format!("`{s}` is not `all` or `none`"))
}

fn parse_pace(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("`{s}` is not a speed-up factor (a number above 0)")),
    }
}

fn ctl(socket: &Path, command: &str) -> ExitCode {
    match sensor::control::request(socket, command, None) {
        Ok(reply) => {
            let message = match &reply["message"] {
                serde_json::Value::String(m) => m.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            if reply["return"] == "OK" {
                println!("{message}");
                ExitCode::SUCCESS
            } else {
                eprintln!("sensor ctl: {command}: {message}");
                ExitCode::from(EXIT_INPUT)
            }
        }
        Err(e) => {
            eprintln!("sensor ctl: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

fn input_error(e: &CaptureError) -> ExitCode {
    eprintln!("sensor: error: {e}");
    ExitCode::from(EXIT_INPUT)
}

/// A progress bar on stderr when it is a terminal: bytes read, packets/s, Gbit/s, time left.
struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl ProgressBar {
    fn new(enabled: bool) -> ProgressBar {
        let bar = enabled.then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {bytes}/{total_bytes}  {msg}  eta {eta}",
                )
                .expect("valid template"),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        ProgressBar {
            bar,
            started: Instant::now(),
        }
    }

    fn update(&self, p: Progress) {
        let Some(bar) = &self.bar else { return };
        if let Some(t) = p.total_bytes {
            bar.set_length(t);
        }
        bar.set_position(p.bytes_read);
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        bar.set_message(format!(
            "{:.2} Mpkt/s  {:.2} Gbit/s",
            p.packets as f64 / secs / 1e6,
            p.wire_bytes as f64 * 8.0 / secs / 1e9
        ));
    }

    fn println(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
