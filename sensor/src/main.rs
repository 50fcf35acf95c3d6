//! The `sensor` command line. Exit codes (also in `sensor --help` and the README):
//! 0 success; 1 an input could not be opened or is not a capture; 2 bad command line;
//! 3 EVE output could not be opened or written; 4 finished, but damaged input was skipped.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use sensor::capture::{expand_inputs, CaptureError, MergedSource};
use sensor::detect::{self, load::RuleSources, reload::EngineHandle};
use sensor::output::sink::{default_eve_path, EveSink};
use sensor::pipeline::{self, Progress, ReplayConfig};

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
    /// Generate synthetic election-office captures.
    Generate(sensor::generate::GenerateArgs),
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

#[derive(Args)]
struct ReplayArgs {
    /// Capture files or directories of capture files.
    #[arg(required = true, value_name = "PCAP")]
    inputs: Vec<PathBuf>,
    /// Worker threads (flow table shards). Default: one per core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
    /// EVE JSON output file, `-` for standard output. Default: eve.json in --log-dir.
    #[arg(long, value_name = "PATH")]
    eve: Option<PathBuf>,
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
    /// Configuration file (TOML): `rules`, `vars`, `stream.midstream`. Options given here
    /// override it.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Suricata rule file or directory of `*.rules` files (repeatable; replaces the
    /// configuration's `rules`). Without either, the packs shipped in the binary apply.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Run exactly the given rules: no shipped packs, whatever the configuration says (what
    /// conformance tests and comparisons with Suricata use).
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
    /// `suricatasc`): `reload-rules`, `ruleset-stats`, ...
    #[arg(long, value_name = "PATH")]
    control_socket: Option<PathBuf>,
    /// TCP sessions picked up without their handshake count as established for `flow:`
    /// (Suricata's `stream.midstream`).
    #[arg(long)]
    midstream: bool,
    /// Replay at the capture's own pace (as tcpreplay would put it on a link), optionally
    /// sped up: `--pace` is real time, `--pace 10` ten times faster. Flow timeouts and
    /// results are the same as at full speed; what changes is when records appear.
    #[arg(long, value_name = "FACTOR", num_args = 0..=1, default_missing_value = "1",
          value_parser = parse_pace)]
    pace: Option<f64>,
    /// No progress bar, even on a terminal.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay(args) => replay(args),
        Command::Rules(RulesCommand::Check {
            files,
            home_net,
            config,
            strict,
        }) => rules_check(&files, home_net, config, strict),
        Command::Ctl { socket, command } => ctl(&socket, &command),
        Command::Generate(args) => match sensor::generate::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sensor generate: {e}");
                ExitCode::from(EXIT_INPUT)
            }
        },
    }
}

fn replay(args: ReplayArgs) -> ExitCode {
    let files = match expand_inputs(&args.inputs) {
        Ok(f) => f,
        Err(e) => return input_error(&e),
    };
    let eve_path = args
        .eve
        .clone()
        .unwrap_or_else(|| default_eve_path(&args.log_dir));
    let sink = match EveSink::open(&eve_path) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("sensor: cannot open EVE output {}: {e}", eve_path.display());
            return ExitCode::from(EXIT_OUTPUT);
        }
    };
    let mut config = ReplayConfig::default();
    if let Some(w) = args.workers {
        config.workers = w as usize;
    }
    config.flow.max_flows = args.max_flows.max(1);
    config.pace = args.pace;
    let mut rule_sources = None;
    if args.flows_only {
        config.app = None;
    } else {
        let sources = RuleSources {
            paths: args.rules.clone(),
            signatures_only: args.signatures_only,
            home_net: args.home_net.clone(),
            config: args.config.clone(),
            mpm: args.mpm.map(|m| m.0),
            midstream: args.midstream,
        };
        if let Err(e) = sources.resolve() {
            eprintln!("sensor: error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        match detect::load::load(&sources) {
            Ok((engine, report)) => {
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
                // With rule sources configured, keep an engine even if empty: a reload may
                // fill it.
                if !engine.is_empty() || !sources.paths.is_empty() || sources.config.is_some() {
                    config.engine = Some(Arc::new(EngineHandle::new(Arc::new(engine))));
                }
                rule_sources = Some((sources, problems));
            }
            Err(e) => {
                eprintln!("sensor: error: rules: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        }
    }

    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let bar = ProgressBar::new(show_bar);
    let mut warn = |e: &CaptureError| {
        bar.println(&format!("sensor: warning: {e}"));
    };
    // SIGHUP and the control socket reload the rules while the replay runs (paced or piped
    // input).
    let control = match (&config.engine, rule_sources) {
        (Some(handle), Some((sources, problems))) => {
            let reloader = detect::reload::Reloader::new(handle.clone(), sources, problems);
            match sensor::control::Control::start(reloader, args.control_socket.as_deref()) {
                Ok(c) => Some(c),
                Err(e) => {
                    let path = args.control_socket.as_deref().unwrap_or(Path::new(""));
                    eprintln!("sensor: error: control socket {}: {e}", path.display());
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
        _ => {
            if args.control_socket.is_some() {
                eprintln!("sensor: warning: no rules in use (--flows-only): no control socket");
            }
            None
        }
    };
    // Opened once the control socket is up: opening a FIFO waits for its writer.
    let mut source = match MergedSource::open(&files) {
        Ok(s) => s,
        Err(e) => return input_error(&e),
    };
    let (stats, fatal) = pipeline::run(
        &mut source,
        &config,
        sink.clone(),
        &mut |p| bar.update(p),
        &mut warn,
    );
    bar.finish();
    drop(control);

    let mut line = Vec::new();
    stats.write_eve(&mut line);
    sink.write_chunk(&line);
    sink.flush();

    eprintln!("sensor: {}", stats.summary());
    if let Some(e) = &fatal {
        eprintln!("sensor: error: {e}; stopped reading there");
    }
    if stats.worker_panics > 0 {
        eprintln!(
            "sensor: error: {} worker(s) failed; their flows are missing",
            stats.worker_panics
        );
    }
    if let Some(e) = sink.first_error() {
        eprintln!(
            "sensor: error: {e}; {} bytes of records lost",
            sink.lost_bytes()
        );
        return ExitCode::from(EXIT_OUTPUT);
    }
    if fatal.is_some() || stats.input_damaged() || stats.worker_panics > 0 {
        let s = stats.skipped;
        eprintln!(
            "sensor: damaged input skipped: {} bad records, {} truncated records, {} bytes stepped over",
            s.bad_records, s.truncated_records, s.bytes_skipped
        );
        return ExitCode::from(EXIT_DAMAGED);
    }
    ExitCode::SUCCESS
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
            if strict && !problems.is_empty() {
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
