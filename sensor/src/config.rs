//! The configuration file (`--config sensor.toml`): which rules to run and the variables they
//! see. Unknown keys are errors (a misspelt key that silently does nothing is worse than a
//! refusal), and every error names the file, line and key. Relative paths are taken from the
//! file's directory, so a configuration directory can be moved as a whole.
//!
//! ```toml
//! rules = ["local.rules", "/etc/sensor/rules.d"]
//! shipped-rules = true          # also the packs the binary carries
//!
//! [vars.address-groups]
//! HOME_NET = "[10.20.0.0/16,192.0.2.0/24]"
//!
//! [vars.port-groups]
//! HTTP_PORTS = "[80,8080]"
//!
//! [stream]
//! midstream = true
//! checksum-validation = true    # TCP segments with a bad checksum stay out of the stream
//! reassembly-depth = 1048576    # bytes reassembled per direction (Suricata's; 0: no limit)
//!
//! [decode]
//! checksum-checks = "auto"      # yes, no, auto: offload seeds are not judged (D30)
//!
//! [detect]
//! mpm-algo = "auto"             # ac, hs (Hyperscan builds), auto: the fastest built in
//! packet-alert-max = 15         # alerts one packet may raise (Suricata's; 0: 15)
//!
//! [http]                        # Suricata's libhtp settings of the same names
//! request-body-limit = 4096     # bytes of a body kept for inspection (after decompression)
//! response-body-limit = 4096
//! response-body-decompress-layer-limit = 2   # Content-Encoding layers (0: no limit)
//! ```
//!
//! Command-line options override the file: `--rules` replaces `rules`, `--home-net` replaces
//! `HOME_NET`, `--midstream` turns midstream pickup on.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::detect::mpm::Backend;
use crate::detect::rule::{AddressSet, PortSet, Vars};
use crate::flow::Timeouts;
use crate::output::spec::{RawSink, SinkSpec};

/// The parsed configuration, relative paths resolved.
#[derive(Clone, Debug)]
pub struct Config {
    /// Rule files and directories of `*.rules` files.
    pub rules: Vec<PathBuf>,
    /// Load the shipped packs as well. Unset: only when no rules are configured.
    pub shipped_rules: Option<bool>,
    /// Rule variables: Suricata's defaults with the file's groups applied.
    pub vars: Vars,
    /// TCP sessions picked up without their handshake count as established.
    pub midstream: bool,
    /// `stream.checksum-validation` and `decode.checksum-checks`.
    pub checksum: crate::decode::checksum::Policy,
    /// `stream.reassembly.depth`: bytes reassembled per direction of a TCP session (0: no
    /// limit; unset: Suricata's 1 MiB).
    pub stream_depth: Option<u64>,
    /// Prefilter backend (`detect.mpm-algo`: `ac`, `hs`, `auto`); `None`: the fastest built in.
    pub mpm: Option<Backend>,
    /// `detect.packet-alert-max`: alerts one packet may raise; 0: Suricata's default (15).
    pub packet_alert_max: u16,
    /// `[sensor]`: who this sensor is.
    pub sensor: SensorSection,
    /// `[metrics]`: the Prometheus endpoint.
    pub metrics: MetricsSection,
    /// `[capture]`: live capture (`sensor run`).
    pub capture: CaptureSection,
    /// `[outputs]`.
    pub outputs: OutputsSection,
    /// `[flow.timeouts]`: seconds of packet time, Suricata's `flow-timeouts`.
    pub timeouts: Timeouts,
    /// `flow.log-unanswered`: write flow records of flows nobody answered (default true, as
    /// Zeek logs S0 connections); false keeps floods and scans out of the log, still counted.
    pub log_unanswered: bool,
    /// `[behaviour]`: the asset model and thresholds of the behavioural detections.
    pub behaviour: crate::behaviour::BehaviourSection,
    /// `[http]`: body limits and decompression layers of the HTTP parser.
    pub http: crate::app::http::HttpConfig,
}

/// `[sensor]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SensorSection {
    /// The sensor's name in `sensor_info` and EVE `host` (default: the host name).
    pub name: Option<String>,
    /// Where it stands (county, office), in `sensor_info`.
    pub site: Option<String>,
    /// User to run as once the capture sockets are open (`sensor run`, started as root).
    pub user: Option<String>,
    /// Group to run as (default: the user's primary group).
    pub group: Option<String>,
}

/// `[metrics]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MetricsSection {
    /// `ADDR:PORT` to serve `/metrics`, `/healthz`, `/readyz` on.
    pub listen: Option<String>,
    /// Basic authentication for scrapes across a network.
    pub user: Option<String>,
    /// File holding the basic-auth password (first line), kept out of the configuration.
    pub password_file: Option<PathBuf>,
    /// PEM certificate and key for HTTPS (builds with the `tls` feature).
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// `[capture]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CaptureSection {
    /// Interfaces to capture on (`--interface` replaces them).
    #[serde(default)]
    pub interfaces: Vec<String>,
    /// Capture filter (tcpdump syntax; see `sensor run --help`).
    pub filter: Option<String>,
    /// Bytes captured per packet.
    pub snaplen: Option<u32>,
    /// Ring block size in bytes (a power of two, a multiple of the page size).
    pub ring_block_size: Option<u32>,
    /// Ring blocks per worker and interface.
    pub ring_blocks: Option<u32>,
    /// Promiscuous mode (default true).
    pub promiscuous: Option<bool>,
}

/// `[flow]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFlow {
    #[serde(default)]
    timeouts: RawTimeouts,
    log_unanswered: Option<bool>,
}

/// `[flow.timeouts]`: any left out keep Suricata's defaults.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTimeouts {
    tcp_new: Option<u32>,
    tcp_established: Option<u32>,
    tcp_closed: Option<u32>,
    udp_new: Option<u32>,
    udp_established: Option<u32>,
    icmp_new: Option<u32>,
    icmp_established: Option<u32>,
    other_new: Option<u32>,
    other_established: Option<u32>,
}

impl RawTimeouts {
    fn apply(&self, t: &mut Timeouts) {
        let set = |dst: &mut u32, v: Option<u32>| {
            if let Some(v) = v {
                *dst = v;
            }
        };
        set(&mut t.tcp_new, self.tcp_new);
        set(&mut t.tcp_established, self.tcp_established);
        set(&mut t.tcp_closed, self.tcp_closed);
        set(&mut t.udp_new, self.udp_new);
        set(&mut t.udp_established, self.udp_established);
        set(&mut t.icmp_new, self.icmp_new);
        set(&mut t.icmp_established, self.icmp_established);
        set(&mut t.other_new, self.other_new);
        set(&mut t.other_established, self.other_established);
    }
}

/// `[outputs]`.
#[derive(Clone, Debug, Default)]
pub struct OutputsSection {
    /// Seconds between EVE `stats` records in `sensor run` (0: only the final one).
    pub stats_interval: Option<u64>,
    /// Also write the sensor's own counters in EVE `stats` records, under `stats.sensor`
    /// (outside Suricata's EVE schema; Prometheus has them either way).
    pub stats_sensor_counters: bool,
    /// Also write JA4S as `tls.ja4s` in EVE `tls` records and alerts' `tls` objects (outside
    /// Suricata 7's EVE schema, which closes the `tls` object).
    pub tls_ja4s: bool,
    /// `[outputs.xff]`: Suricata's alert `xff` option (overwrite mode).
    pub xff: Option<Xff>,
    /// Fileinfo records, the digests every file gets (`file-hashes`, Suricata's `force-hash`)
    /// and `filestore-dir` (relative to the configuration file), D46.
    pub files: crate::app::files::FilesOutput,
    /// `[[outputs.sink]]`: where records go (none: the EVE file of `--eve` / `--log-dir`).
    pub sinks: Vec<SinkSpec>,
}

/// Suricata's alert `xff` option in `overwrite` mode: in an alert on an HTTP transaction whose
/// request has an `X-Forwarded-For` header holding an IP address, that address replaces the
/// client's (`src_ip` of an alert to the server, `dest_ip` of one to the client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Xff {
    /// `deployment: reverse` (Suricata's default): the last address of the list; `forward`:
    /// the first.
    pub reverse: bool,
}

impl Xff {
    /// The address the header's value gives, if it is one.
    pub fn address(&self, value: &[u8]) -> Option<std::net::IpAddr> {
        let text = std::str::from_utf8(value).ok()?;
        let mut parts = text.split(',');
        let pick = if self.reverse {
            parts.next_back()
        } else {
            parts.next()
        };
        pick?.trim().parse().ok()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawXff {
    #[serde(default = "yes")]
    enabled: bool,
    mode: Spanned<String>,
    #[serde(default)]
    deployment: Option<Spanned<String>>,
    #[serde(default)]
    header: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOutputs {
    stats_interval: Option<u64>,
    #[serde(default)]
    stats_sensor_counters: bool,
    #[serde(default)]
    tls_ja4s: bool,
    /// Write EVE `fileinfo` records (default true).
    fileinfo: Option<bool>,
    #[serde(default)]
    file_hashes: Vec<String>,
    filestore_dir: Option<PathBuf>,
    #[serde(default)]
    xff: Option<RawXff>,
    #[serde(default)]
    sink: Vec<Spanned<RawSink>>,
}

/// What is wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line, when the problem is at a place in the file.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    shipped_rules: Option<bool>,
    #[serde(default)]
    vars: RawVars,
    #[serde(default)]
    stream: RawStream,
    #[serde(default)]
    detect: RawDetect,
    #[serde(default)]
    sensor: SensorSection,
    #[serde(default)]
    metrics: MetricsSection,
    #[serde(default)]
    capture: CaptureSection,
    #[serde(default)]
    outputs: RawOutputs,
    #[serde(default)]
    flow: RawFlow,
    #[serde(default)]
    behaviour: crate::behaviour::BehaviourSection,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    decode: RawDecode,
}

/// `[decode]`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDecode {
    /// Suricata's `checksum-checks` (of `pcap-file` and the capture sections): yes, no, auto.
    checksum_checks: Option<Spanned<String>>,
}

/// `[http]`: Suricata's libhtp `default-config` keys of the same names.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHttp {
    request_body_limit: Option<usize>,
    response_body_limit: Option<usize>,
    response_body_decompress_layer_limit: Option<u32>,
}

impl RawHttp {
    fn apply(&self, c: &mut crate::app::http::HttpConfig) {
        if let Some(v) = self.request_body_limit {
            c.request_body_limit = v;
        }
        if let Some(v) = self.response_body_limit {
            c.response_body_limit = v;
        }
        if let Some(v) = self.response_body_decompress_layer_limit {
            c.decompress_layer_limit = v;
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDetect {
    mpm_algo: Option<Spanned<String>>,
    #[serde(default)]
    packet_alert_max: u16,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVars {
    #[serde(default)]
    address_groups: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    port_groups: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStream {
    #[serde(default)]
    midstream: bool,
    checksum_validation: Option<bool>,
    reassembly_depth: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rules: Vec::new(),
            shipped_rules: None,
            vars: Vars::default(),
            midstream: false,
            checksum: Default::default(),
            stream_depth: None,
            mpm: None,
            packet_alert_max: 0,
            sensor: SensorSection::default(),
            metrics: MetricsSection::default(),
            capture: CaptureSection::default(),
            outputs: OutputsSection::default(),
            timeouts: Timeouts::default(),
            log_unanswered: true,
            behaviour: Default::default(),
            http: Default::default(),
        }
    }
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parses configuration text; `path` names it in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let error = |span: Option<Range<usize>>, message: String| ConfigError {
            file: path.to_path_buf(),
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            // The message of `toml` repeats the source line with a caret; the first line and
            // the span say it all.
            let first = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            error(e.span(), first)
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let rules = raw
            .rules
            .iter()
            .map(|r| {
                if r.get_ref().trim().is_empty() {
                    return Err(error(Some(r.span()), "rules: empty path".into()));
                }
                let p = Path::new(r.get_ref());
                Ok(if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    base.join(p)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut vars = Vars::default();
        for (name, value) in &raw.vars.address_groups {
            vars.set_address(name, value.get_ref());
        }
        for (name, value) in &raw.vars.port_groups {
            vars.set_port(name, value.get_ref());
        }
        // Check each group now (a typo in HOME_NET would otherwise surface as every rule
        // using it failing to load).
        for (name, value) in &raw.vars.address_groups {
            check_var_name(name)
                .and_then(|()| {
                    AddressSet::parse(value.get_ref(), &vars)
                        .map(drop)
                        .map_err(|e| e.to_string())
                })
                .map_err(|e| {
                    error(
                        Some(value.span()),
                        format!("vars.address-groups.{name}: {e}"),
                    )
                })?;
        }
        for (name, value) in &raw.vars.port_groups {
            check_var_name(name)
                .and_then(|()| {
                    PortSet::parse(value.get_ref(), &vars)
                        .map(drop)
                        .map_err(|e| e.to_string())
                })
                .map_err(|e| error(Some(value.span()), format!("vars.port-groups.{name}: {e}")))?;
        }
        let mpm = match &raw.detect.mpm_algo {
            None => None,
            Some(m) => parse_backend(m.get_ref())
                .map_err(|e| error(Some(m.span()), format!("detect.mpm-algo: {e}")))?,
        };
        let mut checksum = crate::decode::checksum::Policy::default();
        if let Some(v) = raw.stream.checksum_validation {
            checksum.validation = v;
        }
        if let Some(c) = &raw.decode.checksum_checks {
            checksum.checks =
                crate::decode::checksum::Checks::parse(c.get_ref()).ok_or_else(|| {
                    error(
                        Some(c.span()),
                        format!(
                            "decode.checksum-checks: `{}` is not yes, no or auto",
                            c.get_ref()
                        ),
                    )
                })?;
        }
        let xff = match &raw.outputs.xff {
            Some(x) if x.enabled => {
                if x.mode.get_ref() != "overwrite" {
                    return Err(error(
                        Some(x.mode.span()),
                        format!(
                            "outputs.xff.mode: `{}` is not implemented (only `overwrite`)",
                            x.mode.get_ref()
                        ),
                    ));
                }
                if let Some(h) = &x.header {
                    if !h.get_ref().eq_ignore_ascii_case("X-Forwarded-For") {
                        return Err(error(
                            Some(h.span()),
                            "outputs.xff.header: only `X-Forwarded-For` is read".to_string(),
                        ));
                    }
                }
                let reverse = match x.deployment.as_ref().map(|d| (d.get_ref().as_str(), d)) {
                    None | Some(("reverse", _)) => true,
                    Some(("forward", _)) => false,
                    Some((other, d)) => {
                        return Err(error(
                            Some(d.span()),
                            format!(
                                "outputs.xff.deployment: `{other}` is not `forward` or `reverse`"
                            ),
                        ))
                    }
                };
                Some(Xff { reverse })
            }
            _ => None,
        };
        let sinks = raw
            .outputs
            .sink
            .iter()
            .enumerate()
            .map(|(i, t)| {
                SinkSpec::from_raw(t.get_ref(), base)
                    .map_err(|e| error(Some(t.span()), format!("outputs.sink[{i}].{e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Config {
            rules,
            shipped_rules: raw.shipped_rules,
            vars,
            midstream: raw.stream.midstream,
            checksum,
            stream_depth: raw.stream.reassembly_depth,
            mpm,
            packet_alert_max: raw.detect.packet_alert_max,
            metrics: MetricsSection {
                password_file: raw.metrics.password_file.map(|p| base.join(p)),
                tls_cert: raw.metrics.tls_cert.map(|p| base.join(p)),
                tls_key: raw.metrics.tls_key.map(|p| base.join(p)),
                ..raw.metrics
            },
            sensor: raw.sensor,
            capture: raw.capture,
            outputs: OutputsSection {
                stats_interval: raw.outputs.stats_interval,
                stats_sensor_counters: raw.outputs.stats_sensor_counters,
                tls_ja4s: raw.outputs.tls_ja4s,
                xff,
                files: {
                    let mut hashes = crate::app::files::FileNeeds::NONE;
                    for h in &raw.outputs.file_hashes {
                        hashes = hashes.with_name(h).ok_or_else(|| {
                            error(
                                None,
                                format!(
                                    "outputs.file-hashes: `{h}` is not one of md5, sha1, sha256"
                                ),
                            )
                        })?;
                    }
                    crate::app::files::FilesOutput {
                        hashes,
                        fileinfo: raw.outputs.fileinfo.unwrap_or(true),
                        // Leaked once per configuration read: the settings stay `Copy`.
                        store_dir: raw
                            .outputs
                            .filestore_dir
                            .map(|d| &*Box::leak(base.join(d).into_boxed_path())),
                    }
                },
                sinks,
            },
            timeouts: {
                let mut t = Timeouts::default();
                raw.flow.timeouts.apply(&mut t);
                t
            },
            log_unanswered: raw.flow.log_unanswered.unwrap_or(true),
            behaviour: {
                // Checked now (addresses, CIDRs), used when the pipeline starts.
                crate::behaviour::BehaviourConfig::resolve(&raw.behaviour, None)
                    .map_err(|e| error(None, e))?;
                raw.behaviour
            },
            http: {
                let mut h = crate::app::http::HttpConfig::default();
                raw.http.apply(&mut h);
                h
            },
        })
    }
}

/// A prefilter backend by Suricata's `mpm-algo` names; `auto` is `None` (the fastest built
/// in). One this build lacks is an error.
pub fn parse_backend(name: &str) -> Result<Option<Backend>, String> {
    if name.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    let b: Backend = name.parse()?;
    if !b.is_available() {
        return Err(format!(
            "`{name}`: this build has no Hyperscan (build with `--features hyperscan`)"
        ));
    }
    Ok(Some(b))
}

/// Variable names as rules write them after `$`.
fn check_var_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a variable name (letters, digits, `_`)"
        ))
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/sensor/sensor.toml"))
    }

    #[test]
    fn full_file() {
        let c = parse(
            r#"
rules = ["local.rules", "/srv/rules"]
shipped-rules = true

[vars.address-groups]
HOME_NET = "[10.20.0.0/16]"
PORTAL_SERVERS = "10.20.1.5"

[vars.port-groups]
HTTP_PORTS = "[80,8080]"

[stream]
midstream = true
reassembly-depth = 50

[detect]
mpm-algo = "ac"
"#,
        )
        .unwrap();
        assert_eq!(c.mpm, Some(Backend::AhoCorasick));
        assert_eq!(
            c.rules,
            vec![
                PathBuf::from("/etc/sensor/local.rules"),
                PathBuf::from("/srv/rules")
            ]
        );
        assert_eq!(c.shipped_rules, Some(true));
        assert_eq!(c.vars.address("HOME_NET"), Some("[10.20.0.0/16]"));
        assert_eq!(c.vars.address("PORTAL_SERVERS"), Some("10.20.1.5"));
        // Defaults not named stay.
        assert_eq!(c.vars.address("EXTERNAL_NET"), Some("!$HOME_NET"));
        assert_eq!(c.vars.port("HTTP_PORTS"), Some("[80,8080]"));
        assert!(c.midstream);
        assert_eq!(c.stream_depth, Some(50));
    }

    #[test]
    fn xff_overwrite_mode() {
        let c = parse("[outputs.xff]\nmode = \"overwrite\"\ndeployment = \"forward\"\n").unwrap();
        let x = c.outputs.xff.unwrap();
        assert!(!x.reverse);
        assert_eq!(x.address(b"10.2.2.2, 10.3.3.3"), "10.2.2.2".parse().ok());
        // Suricata's default deployment is reverse: the last address.
        let x = parse("[outputs.xff]\nmode = \"overwrite\"\n")
            .unwrap()
            .outputs
            .xff
            .unwrap();
        assert_eq!(
            x.address(b"10.2.2.2,  2001:db8::1 "),
            "2001:db8::1".parse().ok()
        );
        assert_eq!(x.address(b"10.2.2.2, unknown"), None);
        assert_eq!(x.address(b""), None);
        let off = parse("[outputs.xff]\nenabled = false\nmode = \"overwrite\"\n").unwrap();
        assert!(off.outputs.xff.is_none());
        for bad in [
            "[outputs.xff]\nmode = \"extra-data\"\n",
            "[outputs.xff]\nmode = \"overwrite\"\ndeployment = \"sideways\"\n",
            "[outputs.xff]\nmode = \"overwrite\"\nheader = \"X-Real-IP\"\n",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.message.starts_with("outputs.xff."), "{e}");
            assert!(e.line.is_some(), "{e}");
        }
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let c = parse("").unwrap();
        assert!(c.rules.is_empty());
        assert_eq!(c.shipped_rules, None);
        assert_eq!(c.vars, Vars::default());
        assert!(!c.midstream);
        assert_eq!(c.stream_depth, None);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let c = parse(
            "[http]\nresponse-body-limit = 1048576\nresponse-body-decompress-layer-limit = 3\n",
        )
        .unwrap();
        assert_eq!(c.http.response_body_limit, 1 << 20);
        assert_eq!(c.http.decompress_layer_limit, 3);
        assert_eq!(c.http.request_body_limit, 4096);
        assert!(parse("[http]\nresponse-body-decompress-layer-limit = -1\n").is_err());
        assert!(parse("[http]\nbody-limit = 1\n").is_err());
        let e = parse("rules = []\n\n[stream]\nmidstraem = true\n").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("midstraem"), "{e}");
        let e = parse("rule = [\"a.rules\"]\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.message.contains("rule"), "{e}");
    }

    #[test]
    fn bad_variable_names_the_group() {
        let e =
            parse("[vars.address-groups]\nHOME_NET = \"10.0.0.0/8\"\nPORTAL = \"10.0.0.300\"\n")
                .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.starts_with("vars.address-groups.PORTAL:"), "{e}");
        let e = parse("[vars.port-groups]\nHTTP_PORTS = \"[80,http]\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        // A group that refers to an undefined variable.
        let e = parse("[vars.address-groups]\nX = \"$NOPE\"\n").unwrap_err();
        assert!(e.message.contains("NOPE"), "{e}");
    }

    #[test]
    fn wrong_type_and_syntax_errors() {
        let e = parse("rules = \"local.rules\"\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        let e = parse("[stream\nmidstream = true\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        let e = parse("rules = [\"\"]\n").unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn mpm_algo_names() {
        assert_eq!(parse("[detect]\nmpm-algo = \"auto\"\n").unwrap().mpm, None);
        let e = parse("[detect]\nmpm-algo = \"bm\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.starts_with("detect.mpm-algo:"), "{e}");
        let hs = parse("[detect]\nmpm-algo = \"hs\"\n");
        if Backend::Hyperscan.is_available() {
            assert_eq!(hs.unwrap().mpm, Some(Backend::Hyperscan));
        } else {
            assert!(hs.unwrap_err().message.contains("no Hyperscan"));
        }
    }

    #[test]
    fn unreadable_file() {
        let e = Config::load(Path::new("/nonexistent/sensor.toml")).unwrap_err();
        assert_eq!(e.line, None);
        assert!(e
            .to_string()
            .starts_with("/nonexistent/sensor.toml: cannot read"));
    }

    /// The example shipped in deploy/ stays valid.
    #[test]
    fn operational_sections() {
        let c = parse(
            "[sensor]\nname = \"c7\"\nsite = \"County 7\"\nuser = \"sensor\"\n\
             [capture]\ninterfaces = [\"eth1\", \"eth2\"]\nfilter = \"tcp\"\nsnaplen = 1600\n\
             ring-block-size = 65536\nring-blocks = 8\npromiscuous = false\n\
             [metrics]\nlisten = \"9917\"\nuser = \"p\"\npassword-file = \"pw\"\n\
             [outputs]\nstats-interval = 10\n",
        )
        .unwrap();
        assert_eq!(c.sensor.name.as_deref(), Some("c7"));
        assert_eq!(c.capture.interfaces, ["eth1", "eth2"]);
        assert_eq!(c.capture.ring_blocks, Some(8));
        assert_eq!(c.capture.promiscuous, Some(false));
        assert_eq!(c.metrics.listen.as_deref(), Some("9917"));
        // Relative to the configuration file.
        assert!(c.metrics.password_file.unwrap().ends_with("pw"));
        assert_eq!(c.outputs.stats_interval, Some(10));
        let c = parse("[flow.timeouts]\nudp-new = 2\ntcp-established = 3600\n").unwrap();
        assert_eq!(c.timeouts.udp_new, 2);
        assert_eq!(c.timeouts.tcp_established, 3600);
        assert_eq!(c.timeouts.tcp_new, Timeouts::default().tcp_new);
        let e = parse("[capture]\ninterface = \"eth1\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("interface"), "{e}");
    }

    #[test]
    fn sinks_errors_name_the_table_line_and_key() {
        let e = parse("rules = []\n\n[[outputs.sink]]\ntype = \"file\"\npath = \"e.json\"\n\n[[outputs.sink]]\ntype = \"redis\"\npath = \"x\"\n")
            .unwrap_err();
        assert_eq!(e.line, Some(7), "{e}");
        assert_eq!(
            e.message,
            "outputs.sink[1].path: does not apply to a redis sink"
        );
        let e = parse("[[outputs.sink]]\ntype = \"file\"\npaht = \"x\"\n").unwrap_err();
        assert!(e.message.contains("paht"), "{e}");
        let c = parse("[[outputs.sink]]\ntype = \"file\"\npath = \"e.json\"\n[[outputs.sink]]\ntype = \"syslog\"\nevent-types = [\"alert\"]\n").unwrap();
        assert_eq!(c.outputs.sinks.len(), 2);
        assert_eq!(c.outputs.sinks[1].name, "syslog");
    }

    #[test]
    fn shipped_example_loads() {
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/sensor.toml"
        ));
        let c = Config::load(path).unwrap();
        assert!(c.rules.iter().all(|r| r.exists()), "{:?}", c.rules);
        assert_eq!(c.vars.port("HTTP_PORTS"), Some("[80,8080]"));
    }
}
