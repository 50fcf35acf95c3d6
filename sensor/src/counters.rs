//! The one registry of counters. Every counter the sensor keeps is defined once here, in
//! [`FAMILIES`] (name, help, type, labels, and where it goes in the EVE `stats` record), and
//! every output reads it through [`Registry::totals`]: the Prometheus endpoint, the periodic and
//! final EVE `stats` records, the summary line and the `dump-counters` control command.
//!
//! How values get here without costing the packet path anything: each worker counts in plain
//! fields of structs it owns (no atomics, no sharing), and publishes a copy of them into its
//! own slot here every [`PUBLISH_EVERY`] and when it stops. Publication takes the slot with
//! `try_lock` and skips a round rather than wait if a scrape is reading it, so a worker never
//! blocks on an observer; readers merge the slots (sums, maxima) when they are asked.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::capture::SkipCounters;
use crate::decode::{DecodeError, DefragStats};
use crate::detect::engine::AlertSeries;
use crate::detect::reload::EngineHandle;
use crate::metrics::text::{Kind, TextWriter};
use crate::output::sink::{OutputTotals, Outputs};
use crate::pipeline::stats::DecodeStats;
use crate::pipeline::worker::WorkerStats;
use crate::time::Timestamp;

/// How often workers publish their counters (and the longest a scrape lags behind them).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// Prefix of every metric name of the sensor's own.
pub const PREFIX: &str = "sensor_";

/// Upper bounds (seconds) of the latency histograms' buckets: from a fraction of a
/// millisecond to the one-second promise and well past it.
pub const LATENCY_BOUNDS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A latency histogram (per-bucket counts, the last one above every bound).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Histogram {
    pub counts: [u64; LATENCY_BOUNDS.len() + 1],
    pub sum_seconds: f64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64, n: u64) {
        if n == 0 {
            return;
        }
        let i = LATENCY_BOUNDS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(LATENCY_BOUNDS.len());
        self.counts[i] += n;
        self.sum_seconds += seconds * n as f64;
    }

    pub fn add(&mut self, o: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(o.counts.iter()) {
            *a += b;
        }
        self.sum_seconds += o.sum_seconds;
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Observations above `seconds` (a bucket bound).
    pub fn count_above(&self, seconds: f64) -> u64 {
        LATENCY_BOUNDS
            .iter()
            .position(|b| *b >= seconds)
            .map_or(0, |i| self.counts[i + 1..].iter().sum())
    }
}

/// Counters of one capture interface as one worker saw it (live capture).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IfaceCounters {
    /// Packets and bytes the worker took from its ring.
    pub packets: u64,
    pub bytes: u64,
    /// The kernel's PACKET_STATISTICS for the worker's socket: packets it passed the filter
    /// and packets it dropped because the ring was full.
    pub kernel_packets: u64,
    pub kernel_drops: u64,
    /// Packet time of the last packet.
    pub last_packet: Timestamp,
}

/// What a worker publishes.
#[derive(Clone, Debug, Default)]
pub struct WorkerSnapshot {
    pub stats: WorkerStats,
    pub active_flows: u64,
    /// Alerts by series, cumulative.
    pub alerts: Vec<(AlertSeries, u64)>,
    /// Alerts by signature id, cumulative, sorted by sid.
    pub alerts_by_sid: Vec<(u32, u64)>,
    /// Time spent processing (not waiting for input).
    pub busy_ns: u64,
    /// Share of the last publication interval spent processing.
    pub busy_ratio: f64,
    /// Per capture interface (live capture), in the order the interfaces were given.
    pub ifaces: Vec<IfaceCounters>,
    /// From a packet's arrival to the write of the records it produced.
    pub record_latency: Histogram,
    /// From a packet's arrival to the write of the alerts it raised.
    pub alert_latency: Histogram,
    /// The worker's packet clock.
    pub clock: Timestamp,
}

/// What the reader publishes: its reading and, with several workers, its decoding; for a
/// live libpcap source, its interfaces.
#[derive(Clone, Debug, Default)]
pub struct ReaderSnapshot {
    pub bytes_read: u64,
    pub skipped: SkipCounters,
    pub decode: DecodeStats,
    pub defrag: DefragStats,
    pub clock: Timestamp,
    pub ifaces: Vec<IfaceCounters>,
}

/// Who this sensor is, for `sensor_info` and EVE `host`.
#[derive(Clone, Debug, Default)]
pub struct SensorInfo {
    /// The sensor's name (default: the host name).
    pub name: String,
    /// Where it stands (a county, an office), as configured.
    pub site: String,
    /// `replay` or `live`.
    pub mode: &'static str,
    /// Capture interfaces (live), in order.
    pub interfaces: Vec<String>,
}

/// The shared side of the counters: one slot per worker, one for the reader, and the parts
/// that keep their own atomics (the EVE sink, the rule loader).
pub struct Registry {
    pub info: SensorInfo,
    started: Instant,
    started_unix: f64,
    workers: Vec<Mutex<WorkerSnapshot>>,
    reader: Mutex<ReaderSnapshot>,
    outputs: Arc<Outputs>,
    rules: Option<Arc<EngineHandle>>,
    max_flows: u64,
    worker_panics: AtomicU64,
    ready: AtomicBool,
    /// The behaviour stage's counters, published by its thread.
    behaviour: Mutex<Option<crate::behaviour::StageStats>>,
}

impl Registry {
    pub fn new(
        info: SensorInfo,
        workers: usize,
        outputs: Arc<Outputs>,
        rules: Option<Arc<EngineHandle>>,
        max_flows: u64,
    ) -> Registry {
        let started_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Registry {
            info,
            started: Instant::now(),
            started_unix,
            workers: (0..workers)
                .map(|_| Mutex::new(WorkerSnapshot::default()))
                .collect(),
            reader: Mutex::new(ReaderSnapshot::default()),
            outputs,
            rules,
            max_flows,
            worker_panics: AtomicU64::new(0),
            ready: AtomicBool::new(false),
            behaviour: Mutex::new(None),
        }
    }

    /// A registry like this one with every counter at zero (`replay --each` counts each
    /// capture on its own).
    pub fn fresh(&self) -> Registry {
        Registry::new(
            self.info.clone(),
            self.workers.len(),
            self.outputs.clone(),
            self.rules.clone(),
            self.max_flows,
        )
    }

    /// The behaviour stage's publication (skipped when a reader holds the slot, unless `wait`).
    pub fn publish_behaviour(&self, stats: &crate::behaviour::StageStats, wait: bool) {
        let guard = if wait {
            Some(self.behaviour.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            self.behaviour.try_lock().ok()
        };
        if let Some(mut g) = guard {
            *g = Some(*stats);
        }
    }

    pub fn worker_count(&self) -> usize {
        self.workers.len()
    }

    /// A worker's publication. With `wait` false (the periodic one) it is skipped when a
    /// reader holds the slot; the final one waits.
    pub fn publish_worker(&self, worker: usize, snap: &WorkerSnapshot, wait: bool) {
        let Some(slot) = self.workers.get(worker) else {
            return;
        };
        let guard = if wait {
            Some(slot.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            slot.try_lock().ok()
        };
        if let Some(mut g) = guard {
            g.clone_from(snap);
        }
    }

    pub fn publish_reader(&self, snap: &ReaderSnapshot, wait: bool) {
        let guard = if wait {
            Some(self.reader.lock().unwrap_or_else(|e| e.into_inner()))
        } else {
            self.reader.try_lock().ok()
        };
        if let Some(mut g) = guard {
            g.clone_from(snap);
        }
    }

    pub fn worker_panicked(&self) {
        self.worker_panics.fetch_add(1, Ordering::Relaxed);
    }

    /// The sensor reads its input: `/readyz` answers 200 from here on.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Relaxed)
    }

    /// Every counter now, merged across workers.
    pub fn totals(&self) -> Totals {
        let reader = self
            .reader
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut by_sid: Vec<(u32, u64)> = Vec::new();
        let mut t = Totals {
            info: self.info.clone(),
            uptime: self.started.elapsed(),
            started_unix: self.started_unix,
            bytes_read: reader.bytes_read,
            skipped: reader.skipped,
            decode: reader.decode,
            defrag: reader.defrag,
            last_ts: reader.clock,
            max_flows: self.max_flows,
            worker_panics: self.worker_panics.load(Ordering::Relaxed),
            ready: self.is_ready(),
            behaviour: *self.behaviour.lock().unwrap_or_else(|e| e.into_inner()),
            ifaces: self
                .info
                .interfaces
                .iter()
                .map(|n| (n.clone(), IfaceCounters::default()))
                .collect(),
            outputs: self.outputs.totals(),
            ..Totals::default()
        };
        for (i, c) in reader.ifaces.iter().enumerate() {
            if let Some((_, sum)) = t.ifaces.get_mut(i) {
                *sum = *c;
            }
        }
        if let Some(h) = &self.rules {
            let c = &h.counters;
            t.rules = Some(RuleTotals {
                loaded: c.loaded.load(Ordering::Relaxed),
                skipped: c.skipped.load(Ordering::Relaxed),
                reloads_ok: c.reloads_ok.load(Ordering::Relaxed),
                reloads_failed: c.reloads_failed.load(Ordering::Relaxed),
                last_success_unix: c.last_success_unix.load(Ordering::Relaxed),
            });
        }
        for slot in &self.workers {
            let w = slot.lock().unwrap_or_else(|e| e.into_inner());
            t.workers.add(&w.stats);
            if let Some((d, g)) = w.stats.decode {
                t.decode.add(&d);
                t.defrag.add(&g);
            }
            t.active_flows += w.active_flows;
            for (series, n) in &w.alerts {
                match t.alerts.iter_mut().find(|(k, _)| k == series) {
                    Some((_, v)) => *v += n,
                    None => t.alerts.push((series.clone(), *n)),
                }
            }
            by_sid.extend_from_slice(&w.alerts_by_sid);
            t.record_latency.add(&w.record_latency);
            t.alert_latency.add(&w.alert_latency);
            let mut drops = 0;
            for (i, c) in w.ifaces.iter().enumerate() {
                drops += c.kernel_drops;
                if let Some((_, sum)) = t.ifaces.get_mut(i) {
                    sum.packets += c.packets;
                    sum.bytes += c.bytes;
                    sum.kernel_packets += c.kernel_packets;
                    sum.kernel_drops += c.kernel_drops;
                    sum.last_packet = sum.last_packet.max(c.last_packet);
                }
            }
            t.per_worker.push(PerWorker {
                packets: w.stats.packets,
                busy_seconds: w.busy_ns as f64 / 1e9,
                busy_ratio: w.busy_ratio,
                drops: (!w.ifaces.is_empty()).then_some(drops),
            });
            t.last_ts = t.last_ts.max(w.clock);
        }
        // The reader's decode counters start at the first packet either way.
        t.first_ts = t.decode.first_ts;
        t.alerts.sort();
        t.top_signatures = self.top_signatures(by_sid);
        t
    }

    /// The signatures with the most alerts (at most [`TOP_SIGNATURES`], most first), named
    /// by the rules in use; the rest summed under sid 0.
    fn top_signatures(&self, mut by_sid: Vec<(u32, u64)>) -> Vec<(u32, String, u64)> {
        if by_sid.is_empty() {
            return Vec::new();
        }
        by_sid.sort_unstable();
        by_sid.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
        by_sid.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let engine = self.rules.as_ref().map(|h| h.current());
        let mut top: Vec<(u32, String, u64)> = by_sid
            .iter()
            .take(TOP_SIGNATURES)
            .map(|&(sid, n)| {
                let msg = engine
                    .as_ref()
                    .and_then(|e| e.signature_of(sid))
                    .unwrap_or("")
                    .to_string();
                (sid, msg, n)
            })
            .collect();
        let rest: u64 = by_sid.iter().skip(TOP_SIGNATURES).map(|x| x.1).sum();
        if rest > 0 {
            top.push((0, "other signatures".into(), rest));
        }
        top
    }

    /// The Prometheus text exposition of [`Registry::totals`].
    pub fn prometheus(&self) -> String {
        prometheus(&self.totals())
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RuleTotals {
    pub loaded: u64,
    pub skipped: u64,
    pub reloads_ok: u64,
    pub reloads_failed: u64,
    pub last_success_unix: u64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct PerWorker {
    pub packets: u64,
    pub busy_seconds: f64,
    pub busy_ratio: f64,
    /// Packets the kernel dropped from this worker's rings (it fell behind); `None` when the
    /// worker has no rings of its own (replay, the libpcap backend).
    pub drops: Option<u64>,
}

/// Every counter at one moment, merged.
#[derive(Clone, Debug, Default)]
pub struct Totals {
    pub info: SensorInfo,
    pub uptime: Duration,
    pub started_unix: f64,
    pub bytes_read: u64,
    pub skipped: SkipCounters,
    pub decode: DecodeStats,
    pub defrag: DefragStats,
    pub workers: WorkerStats,
    pub per_worker: Vec<PerWorker>,
    pub ifaces: Vec<(String, IfaceCounters)>,
    pub active_flows: u64,
    pub alerts: Vec<(AlertSeries, u64)>,
    /// The signatures that raised the most alerts: (sid, msg, alerts); sid 0 sums the rest.
    pub top_signatures: Vec<(u32, String, u64)>,
    pub record_latency: Histogram,
    pub alert_latency: Histogram,
    /// Per sink, in configuration order (the first is the main EVE output).
    pub outputs: Vec<OutputTotals>,
    pub rules: Option<RuleTotals>,
    pub first_ts: Timestamp,
    pub last_ts: Timestamp,
    pub max_flows: u64,
    pub worker_panics: u64,
    pub ready: bool,
    /// The behaviour stage's counters, when it runs.
    pub behaviour: Option<crate::behaviour::StageStats>,
}

impl Totals {
    pub fn kernel_drops(&self) -> u64 {
        self.ifaces.iter().map(|(_, c)| c.kernel_drops).sum()
    }

    pub fn alert_count(&self) -> u64 {
        self.workers.alerts
    }

    /// Input that was damaged and stepped over.
    pub fn input_damaged(&self) -> bool {
        let s = &self.skipped;
        s.bad_records + s.truncated_records + s.bytes_skipped > 0
    }

    /// The one-line summary printed on stderr at the end.
    pub fn summary(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let w = &self.workers;
        let mut s = format!(
            "{} packets, {:.1} MB, {} flows ({} tcp, {} udp, {} icmp, {} other), {} alerts, {} decode errors, {} not IP, {} evicted",
            self.decode.packets,
            self.decode.bytes as f64 / 1e6,
            w.flows.created,
            w.flows_tcp,
            w.flows_udp,
            w.flows_icmp,
            w.flows_other,
            w.alerts,
            self.decode.error_total(),
            self.decode.not_ip,
            w.flows.ended_forced,
        );
        if !self.ifaces.is_empty() {
            s.push_str(&format!(", {} kernel drops", self.kernel_drops()));
        }
        s.push_str(&format!(
            "; {} records written, {} lost; {:.2} s, {:.2} Mpkt/s, {:.2} Gbit/s, {} workers",
            self.outputs.first().map_or(0, |o| o.records),
            self.outputs
                .iter()
                .map(|o| o.lost_records + o.dropped_records)
                .sum::<u64>(),
            secs,
            self.decode.packets as f64 / secs / 1e6,
            self.decode.bytes as f64 * 8.0 / 1e9 / secs,
            self.per_worker.len()
        ));
        s
    }
}

/// Signatures exported one by one in `sensor_signature_alerts_total` (a bounded label set).
pub const TOP_SIGNATURES: usize = 200;

/// A metric family: defined once, read by every output.
pub struct Family {
    /// Name without [`PREFIX`] (`process_*` families are written as they are).
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    /// Where it goes in the EVE `stats` object, below `sensor` (dotted path); with labels,
    /// one key per label value below it, nested in label order.
    pub eve: Option<&'static str>,
    pub read: fn(&Totals, &mut Samples),
}

/// The values of one family.
#[derive(Default)]
pub struct Samples {
    pub values: Vec<(Vec<(&'static str, String)>, f64)>,
    pub histogram: Option<Histogram>,
}

impl Samples {
    fn one(&mut self, v: impl Into<f64>) {
        self.values.push((Vec::new(), v.into()));
    }

    fn by(&mut self, label: &'static str, value: &str, v: impl Into<f64>) {
        self.values
            .push((vec![(label, value.to_string())], v.into()));
    }
}

fn u(v: u64) -> f64 {
    v as f64
}

/// Every family, in the order they are written.
pub const FAMILIES: &[Family] = &[
    // Identity.
    Family {
        name: "info",
        help: "The sensor's name, site and mode (value 1).",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| {
            s.values.push((
                vec![
                    ("name", t.info.name.clone()),
                    ("site", t.info.site.clone()),
                    ("mode", t.info.mode.to_string()),
                ],
                1.0,
            ))
        },
    },
    Family {
        name: "build_info",
        help: "Version and build features of the sensor binary (value 1).",
        kind: Kind::Gauge,
        eve: None,
        read: |_, s| {
            s.values.push((
                vec![
                    ("version", env!("CARGO_PKG_VERSION").to_string()),
                    ("features", crate::build_features().join(",")),
                ],
                1.0,
            ))
        },
    },
    Family {
        name: "start_time_seconds",
        help: "Unix time the sensor started.",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| s.one(t.started_unix.floor()),
    },
    Family {
        name: "uptime_seconds",
        help: "Seconds since the sensor started.",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| s.one(t.uptime.as_secs() as f64),
    },
    Family {
        name: "ready",
        help: "1 while the sensor reads its input (what /readyz reports).",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| s.one(if t.ready { 1.0 } else { 0.0 }),
    },
    // Capture.
    Family {
        name: "capture_file_bytes_read_total",
        help: "Bytes read from capture files (replay).",
        kind: Kind::Counter,
        eve: Some("capture.bytes_read"),
        read: |t, s| s.one(u(t.bytes_read)),
    },
    Family {
        name: "capture_file_skipped_total",
        help: "Damaged or unused parts of capture files stepped over, by reason.",
        kind: Kind::Counter,
        eve: Some("capture.skipped"),
        read: |t, s| {
            let k = &t.skipped;
            s.by("reason", "bad_record", u(k.bad_records));
            s.by("reason", "truncated_record", u(k.truncated_records));
            s.by("reason", "unknown_block", u(k.unknown_blocks));
        },
    },
    Family {
        name: "capture_file_bytes_skipped_total",
        help: "Bytes of capture files stepped over while resynchronising after damage.",
        kind: Kind::Counter,
        eve: Some("capture.bytes_skipped"),
        read: |t, s| s.one(u(t.skipped.bytes_skipped)),
    },
    Family {
        name: "interface_packets_total",
        help: "Packets taken from the capture rings, per interface.",
        kind: Kind::Counter,
        eve: Some("capture.interface_packets"),
        read: |t, s| {
            for (n, c) in &t.ifaces {
                s.by("interface", n, u(c.packets));
            }
        },
    },
    Family {
        name: "interface_bytes_total",
        help: "Bytes on the wire of the packets taken from the capture rings, per interface.",
        kind: Kind::Counter,
        eve: Some("capture.interface_bytes"),
        read: |t, s| {
            for (n, c) in &t.ifaces {
                s.by("interface", n, u(c.bytes));
            }
        },
    },
    Family {
        name: "kernel_packets_total",
        help: "Packets the kernel delivered to the sensor's sockets (PACKET_STATISTICS), per interface.",
        kind: Kind::Counter,
        eve: Some("capture.kernel_packets"),
        read: |t, s| {
            for (n, c) in &t.ifaces {
                s.by("interface", n, u(c.kernel_packets));
            }
        },
    },
    Family {
        name: "kernel_drops_total",
        help: "Packets the kernel dropped because a capture ring was full (PACKET_STATISTICS), per interface.",
        kind: Kind::Counter,
        eve: Some("capture.kernel_drops"),
        read: |t, s| {
            for (n, c) in &t.ifaces {
                s.by("interface", n, u(c.kernel_drops));
            }
        },
    },
    Family {
        name: "interface_last_packet_timestamp_seconds",
        help: "Time of the last packet seen on each interface (Unix seconds); a silent SPAN port stops moving it.",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| {
            for (n, c) in &t.ifaces {
                s.by("interface", n, c.last_packet.as_nanos() as f64 / 1e9);
            }
        },
    },
    Family {
        name: "capture_filtered_total",
        help: "Packets the built-in capture filter turned away (filters compiled by libpcap drop in the kernel, uncounted).",
        kind: Kind::Counter,
        eve: Some("capture.filtered"),
        read: |t, s| s.one(u(t.workers.filtered)),
    },
    Family {
        name: "worker_queue_drops_total",
        help: "Packets dropped because a worker fell behind (its capture ring was full), per worker.",
        kind: Kind::Counter,
        eve: Some("capture.worker_drops"),
        read: |t, s| {
            for (i, w) in t.per_worker.iter().enumerate() {
                if let Some(d) = w.drops {
                    s.by("worker", &i.to_string(), u(d));
                }
            }
        },
    },
    // Decoding.
    Family {
        name: "decoder_packets_total",
        help: "Frames decoded.",
        kind: Kind::Counter,
        eve: Some("decoder.pkts"),
        read: |t, s| s.one(u(t.decode.packets)),
    },
    Family {
        name: "decoder_bytes_total",
        help: "Bytes on the wire of the frames decoded.",
        kind: Kind::Counter,
        eve: Some("decoder.bytes"),
        read: |t, s| s.one(u(t.decode.bytes)),
    },
    Family {
        name: "decoder_layer_packets_total",
        help: "Decoded packets by the layer they carry.",
        kind: Kind::Counter,
        eve: Some("decoder"),
        read: |t, s| {
            let d = &t.decode;
            for (k, v) in [
                ("ipv4", d.ipv4),
                ("ipv6", d.ipv6),
                ("tcp", d.tcp),
                ("udp", d.udp),
                ("icmpv4", d.icmpv4),
                ("icmpv6", d.icmpv6),
                ("other_ip", d.other_ip),
                ("vlan", d.vlan),
                ("not_ip", d.not_ip),
                ("fragment", d.fragments),
            ] {
                s.by("layer", k, u(v));
            }
        },
    },
    Family {
        name: "decoder_errors_total",
        help: "Frames that did not decode, by the layer and reason that failed.",
        kind: Kind::Counter,
        eve: Some("decoder.errors"),
        read: |t, s| {
            for k in DecodeError::ALL {
                s.by("kind", k.name(), u(t.decode.errors[k.index()]));
            }
        },
    },
    Family {
        name: "defrag_fragments_total",
        help: "IP fragments received.",
        kind: Kind::Counter,
        eve: Some("defrag.fragments"),
        read: |t, s| s.one(u(t.defrag.fragments)),
    },
    Family {
        name: "defrag_reassembled_total",
        help: "IP datagrams reassembled from fragments.",
        kind: Kind::Counter,
        eve: Some("defrag.reassembled"),
        read: |t, s| s.one(u(t.defrag.reassembled)),
    },
    Family {
        name: "defrag_discarded_total",
        help: "Fragmented datagrams or fragments given up, by reason.",
        kind: Kind::Counter,
        eve: Some("defrag.discarded"),
        read: |t, s| {
            let g = &t.defrag;
            s.by("reason", "timeout", u(g.timeouts));
            s.by("reason", "evicted", u(g.evicted));
            s.by("reason", "too_large", u(g.too_large));
            s.by("reason", "invalid", u(g.invalid));
        },
    },
    Family {
        name: "defrag_overlaps_total",
        help: "Fragments that overlapped data already received.",
        kind: Kind::Counter,
        eve: Some("defrag.overlaps"),
        read: |t, s| s.one(u(t.defrag.overlaps)),
    },
    // Flows.
    Family {
        name: "flows_created_total",
        help: "Flows created.",
        kind: Kind::Counter,
        eve: Some("flow.total"),
        read: |t, s| s.one(u(t.workers.flows.created)),
    },
    Family {
        name: "flows_ended_total",
        help: "Flows ended, by transport protocol.",
        kind: Kind::Counter,
        eve: Some("flow.ended_by_proto"),
        read: |t, s| {
            let w = &t.workers;
            s.by("proto", "tcp", u(w.flows_tcp));
            s.by("proto", "udp", u(w.flows_udp));
            s.by("proto", "icmp", u(w.flows_icmp));
            s.by("proto", "other", u(w.flows_other));
        },
    },
    Family {
        name: "flows_ended_by_reason_total",
        help: "Flows ended, by reason (forced: evicted at the flow cap).",
        kind: Kind::Counter,
        eve: Some("flow.ended"),
        read: |t, s| {
            let f = &t.workers.flows;
            s.by("reason", "timeout", u(f.ended_timeout));
            s.by("reason", "forced", u(f.ended_forced));
            s.by("reason", "shutdown", u(f.ended_shutdown));
            s.by("reason", "tcp_reuse", u(f.ended_tcp_reuse));
        },
    },
    Family {
        name: "flows_evicted_total",
        help: "Flows evicted to stay within the flow cap (--max-flows).",
        kind: Kind::Counter,
        eve: Some("flow.evictions"),
        read: |t, s| s.one(u(t.workers.flows.ended_forced)),
    },
    Family {
        name: "flows_unanswered_total",
        help: "Flows that ended with no packet from the responder (Zeek's S0: scans, floods, dead servers).",
        kind: Kind::Counter,
        eve: Some("flow.unanswered"),
        read: |t, s| s.one(u(t.workers.flows_unanswered)),
    },
    Family {
        name: "flows_unlogged_total",
        help: "Unanswered flows not written as records (flow.log-unanswered = false); counted all the same.",
        kind: Kind::Counter,
        eve: Some("flow.unlogged"),
        read: |t, s| s.one(u(t.workers.flows_unlogged)),
    },
    Family {
        name: "flows_active",
        help: "Flows tracked now.",
        kind: Kind::Gauge,
        eve: Some("flow.active"),
        read: |t, s| s.one(u(t.active_flows)),
    },
    Family {
        name: "flows_peak_active",
        help: "Most flows tracked at once (sum of the workers' peaks).",
        kind: Kind::Gauge,
        eve: Some("flow.peak_active"),
        read: |t, s| s.one(u(t.workers.flows.peak_active)),
    },
    Family {
        name: "flows_max",
        help: "The flow cap (--max-flows).",
        kind: Kind::Gauge,
        eve: Some("flow.max_flows"),
        read: |t, s| s.one(u(t.max_flows)),
    },
    // Application layer.
    Family {
        name: "app_flows_total",
        help: "Flows whose application protocol was recognised, by protocol (failed: none was).",
        kind: Kind::Counter,
        eve: Some("app_layer.flow"),
        read: |t, s| {
            let a = &t.workers.app;
            s.by("proto", "http", u(a.flows_http));
            s.by("proto", "tls", u(a.flows_tls));
            s.by("proto", "dns_udp", u(a.flows_dns_udp));
            s.by("proto", "dns_tcp", u(a.flows_dns_tcp));
            s.by("proto", "ftp", u(a.flows_ftp));
            s.by("proto", "smtp", u(a.flows_smtp));
            s.by("proto", "failed", u(a.flows_failed));
        },
    },
    Family {
        name: "app_transactions_total",
        help: "Application transactions parsed (HTTP request/response pairs, TLS handshakes, DNS messages, FTP commands, SMTP mails).",
        kind: Kind::Counter,
        eve: Some("app_layer.tx"),
        read: |t, s| {
            let a = &t.workers.app;
            s.by("proto", "http", u(a.http_tx));
            s.by("proto", "tls", u(a.tls_handshakes));
            s.by("proto", "dns", u(a.dns_messages));
            s.by("proto", "ftp", u(a.ftp_tx));
            s.by("proto", "smtp", u(a.smtp_tx));
            s.by("proto", "ssh", u(a.ssh_tx));
            s.by("proto", "dcerpc", u(a.dcerpc_tx));
        },
    },
    Family {
        name: "app_files_total",
        help: "Files of HTTP and SMTP transactions (D46): seen, written by filestore, and filestore writes that failed.",
        kind: Kind::Counter,
        eve: None,
        read: |t, s| {
            let a = &t.workers.app;
            s.by("outcome", "seen", u(a.files));
            s.by("outcome", "stored", u(a.files_stored));
            s.by("outcome", "store_error", u(a.filestore_errors));
        },
    },
    Family {
        name: "app_parser_events_total",
        help: "Parser limits, errors, gaps and tunnels of the application parsers, by protocol and event.",
        kind: Kind::Counter,
        eve: Some("app_layer.events"),
        read: |t, s| {
            let a = &t.workers.app;
            let h = &a.http;
            let d = &a.dns_tcp;
            for (proto, event, v) in [
                ("http", "unmatched_response", h.unmatched_responses),
                ("http", "interim_response", h.interim_responses),
                ("http", "header_limit", h.header_limit_errors),
                ("http", "parse_error", h.parse_errors),
                ("http", "gap_skipped", h.gaps_skipped),
                ("http", "gap_resync", h.gaps_resync),
                ("http", "tx_evicted", h.txs_evicted),
                ("http", "tunnel", h.tunnels),
                ("dns", "parse_error", a.dns_errors),
                ("dns_tcp", "message", d.messages),
                ("dns_tcp", "parse_error", d.errors),
                ("dns_tcp", "gap", d.gaps),
                ("tls", "parse_error", a.tls_errors),
                ("tls", "anomaly", a.tls_anomalies),
                ("tls", "gap", a.tls_gaps),
            ] {
                s.values.push((
                    vec![("proto", proto.to_string()), ("event", event.to_string())],
                    u(v),
                ));
            }
            for (&(proto, event), &v) in crate::app::parser::EVENTS.iter().zip(&a.events) {
                s.values.push((
                    vec![
                        ("proto", proto.name().unwrap_or("").to_string()),
                        ("event", event.to_string()),
                    ],
                    u(v),
                ));
            }
        },
    },
    Family {
        name: "app_http_bodies_decompressed_total",
        help: "HTTP bodies (requests and responses) with a gzip or deflate Content-Encoding that were inflated for inspection.",
        kind: Kind::Counter,
        eve: Some("app_layer.http.bodies_decompressed"),
        read: |t, s| s.one(u(t.workers.app.http.bodies_decompressed)),
    },
    Family {
        name: "app_http_decompress_errors_total",
        help: "HTTP bodies whose decompression failed: not compressed as labelled (kept raw), corrupt or truncated stream, a gap, or the work bound.",
        kind: Kind::Counter,
        eve: Some("app_layer.http.decompress_errors"),
        read: |t, s| s.one(u(t.workers.app.http.decompress_errors)),
    },
    Family {
        name: "app_bytes_skipped_total",
        help: "Application bytes not parsed: HTTP after tunnels, errors or gaps, and bytes stepped over to find the next message.",
        kind: Kind::Counter,
        eve: Some("app_layer.bytes_skipped"),
        read: |t, s| {
            let a = &t.workers.app;
            s.by("proto", "http", u(a.http.bytes_ignored + a.http.resync_bytes_skipped));
            s.by("proto", "dns_tcp", u(a.dns_tcp.skipped_bytes));
        },
    },
    // Stream reassembly.
    Family {
        name: "stream_segments_total",
        help: "TCP segments with payload seen by reassembly, by how they arrived.",
        kind: Kind::Counter,
        eve: Some("stream.segments"),
        read: |t, s| {
            let st = &t.workers.app.stream;
            s.by("kind", "in_order", u(st.in_order));
            s.by("kind", "out_of_order", u(st.out_of_order));
            s.by("kind", "retransmission", u(st.retransmissions));
            s.by("kind", "overlap", u(st.overlaps));
        },
    },
    Family {
        name: "stream_gaps_total",
        help: "Gaps in reassembled TCP streams (data never seen).",
        kind: Kind::Counter,
        eve: Some("stream.gaps"),
        read: |t, s| s.one(u(t.workers.app.stream.gaps)),
    },
    Family {
        name: "stream_gap_bytes_total",
        help: "Bytes missing in reassembled TCP streams.",
        kind: Kind::Counter,
        eve: Some("stream.gap_bytes"),
        read: |t, s| s.one(u(t.workers.app.stream.gap_bytes)),
    },
    Family {
        name: "stream_limits_total",
        help: "Reassembly limits reached: stream depth, memory cap; and midstream pickups.",
        kind: Kind::Counter,
        eve: Some("stream"),
        read: |t, s| {
            let st = &t.workers.app.stream;
            s.by("event", "depth_reached", u(st.depth_reached));
            s.by("event", "memcap_drops", u(st.memcap_drops));
            s.by("event", "midstream_pickups", u(st.midstream_pickups));
        },
    },
    Family {
        name: "tcp_segments_outside_session_total",
        help: "TCP segments with data not reassembled: no session seen from its SYN (midstream pickup off), a server that never answered, or rejected by the session's state machine.",
        kind: Kind::Counter,
        eve: Some("stream.outside_session"),
        read: |t, s| s.one(u(t.workers.app.stream.outside_session)),
    },
    Family {
        name: "tcp_invalid_checksum_total",
        help: "TCP segments kept out of the stream for an invalid checksum (stream.checksum-validation).",
        kind: Kind::Counter,
        eve: Some("stream.invalid_checksum"),
        read: |t, s| s.one(u(t.workers.app.stream.invalid_checksum)),
    },
    Family {
        name: "tcp_checksum_offloaded_total",
        help: "TCP segments with a wrong checksum not judged under checksum-checks auto (offload seeds; directions that never carried a right one), kept.",
        kind: Kind::Counter,
        eve: Some("stream.checksum_offloaded"),
        read: |t, s| s.one(u(t.workers.app.stream.checksum_offloaded)),
    },
    Family {
        name: "stream_reassembly_memory_bytes",
        help: "Bytes held out of order by reassembly now.",
        kind: Kind::Gauge,
        eve: Some("stream.held_bytes"),
        read: |t, s| s.one(u(t.workers.app.stream.held_bytes)),
    },
    Family {
        name: "stream_reassembly_memory_peak_bytes",
        help: "Most bytes held out of order by reassembly at once (sum of the workers' peaks).",
        kind: Kind::Gauge,
        eve: Some("stream.peak_held_bytes"),
        read: |t, s| s.one(u(t.workers.app.stream.peak_held_bytes)),
    },
    // Behaviour stage (absent when it does not run).
    Family {
        name: "behaviour_events_total",
        help: "Events the behaviour stage received from the workers (flows, bursts, progress, transactions, logins).",
        kind: Kind::Counter,
        eve: Some("behaviour.events"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                s.one(u(b.events))
            }
        },
    },
    Family {
        name: "behaviour_events_dropped_total",
        help: "Events the workers dropped because the behaviour stage fell behind (live capture only).",
        kind: Kind::Counter,
        eve: Some("behaviour.events_dropped"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                s.one(u(b.dropped))
            }
        },
    },
    Family {
        name: "behaviour_events_pending",
        help: "Events held by the behaviour stage until every worker's packet clock passes them.",
        kind: Kind::Gauge,
        eve: Some("behaviour.events_pending"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                s.one(u(b.pending))
            }
        },
    },
    Family {
        name: "behaviour_alerts_total",
        help: "Behaviour alerts written, by detection.",
        kind: Kind::Counter,
        eve: Some("behaviour.alerts"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                for (i, name) in crate::behaviour::alert::DETECTORS.iter().enumerate() {
                    s.by("detection", name, u(b.alerts.by_detector[i]));
                }
            }
        },
    },
    Family {
        name: "behaviour_alerts_suppressed_total",
        help: "Behaviour alerts held back: one per signature, hosts and entity per window.",
        kind: Kind::Counter,
        eve: Some("behaviour.alerts_suppressed"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                s.one(u(b.alerts.suppressed))
            }
        },
    },
    Family {
        name: "behaviour_entities",
        help: "Hosts, host pairs and domains the behaviour stage keeps state for.",
        kind: Kind::Gauge,
        eve: Some("behaviour.entities"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                s.one(u(b.entities))
            }
        },
    },
    Family {
        name: "behaviour_entities_evicted_total",
        help: "Per-entity states evicted to stay within the behaviour stage's bound (max-entities).",
        kind: Kind::Counter,
        eve: Some("behaviour.entities_evicted"),
        read: |t, s| {
            if let Some(b) = &t.behaviour {
                s.one(u(b.evicted))
            }
        },
    },
    // Detection.
    Family {
        name: "alerts_total",
        help: "Alerts raised, by rule classtype, severity (1 high to 4) and rule pack.",
        kind: Kind::Counter,
        eve: Some("detect.alerts_by_class"),
        read: |t, s| {
            for (k, v) in &t.alerts {
                s.values.push((
                    vec![
                        ("classtype", k.classtype.clone()),
                        ("severity", k.severity.to_string()),
                        ("pack", k.pack.clone()),
                    ],
                    u(*v),
                ));
            }
        },
    },
    Family {
        name: "alerts_suppressed_total",
        help: "Signature matches a threshold or detection_filter kept from becoming alerts (Suricata's detect.alerts_suppressed).",
        kind: Kind::Counter,
        eve: Some("detect.alerts_suppressed"),
        read: |t, s| s.one(u(t.workers.alerts_suppressed)),
    },
    Family {
        name: "alert_queue_overflow_total",
        help: "Signature matches that raised no alert because their packet had raised packet-alert-max alerts already (Suricata's detect.alert_queue_overflow).",
        kind: Kind::Counter,
        eve: Some("detect.alert_queue_overflow"),
        read: |t, s| s.one(u(t.workers.alert_queue_overflow)),
    },
    Family {
        name: "signature_alerts_total",
        help: "Alerts raised by the signatures that raised the most (at most 200; sid 0 sums the rest), by sid and the rule's msg.",
        kind: Kind::Counter,
        eve: None,
        read: |t, s| {
            for (sid, msg, n) in &t.top_signatures {
                s.values.push((
                    vec![("sid", sid.to_string()), ("signature", msg.clone())],
                    u(*n),
                ));
            }
        },
    },
    Family {
        name: "rules_loaded",
        help: "Signatures in the rule set in use.",
        kind: Kind::Gauge,
        eve: Some("detect.rules_loaded"),
        read: |t, s| {
            if let Some(r) = &t.rules {
                s.one(u(r.loaded))
            }
        },
    },
    Family {
        name: "rules_skipped",
        help: "Rules of the configured files that did not load (see `sensor rules check`).",
        kind: Kind::Gauge,
        eve: Some("detect.rules_skipped"),
        read: |t, s| {
            if let Some(r) = &t.rules {
                s.one(u(r.skipped))
            }
        },
    },
    Family {
        name: "rule_reloads_total",
        help: "Rule reloads (SIGHUP, control socket), by result; a failed one keeps the running rules.",
        kind: Kind::Counter,
        eve: Some("detect.reloads"),
        read: |t, s| {
            if let Some(r) = &t.rules {
                s.by("result", "ok", u(r.reloads_ok));
                s.by("result", "failed", u(r.reloads_failed));
            }
        },
    },
    Family {
        name: "rules_last_load_timestamp_seconds",
        help: "Unix time of the last rule load or reload that took.",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| {
            if let Some(r) = &t.rules {
                s.one(u(r.last_success_unix))
            }
        },
    },
    // Outputs.
    Family {
        name: "output_records_total",
        help: "Records written (files) or sent (syslog, Redis), per output.",
        kind: Kind::Counter,
        eve: Some("output.records"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.records));
            }
        },
    },
    Family {
        name: "output_bytes_total",
        help: "Bytes written, per output.",
        kind: Kind::Counter,
        eve: Some("output.bytes"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.bytes));
            }
        },
    },
    Family {
        name: "output_lost_records_total",
        help: "Records that could not be written (full disk, closed pipe), per output.",
        kind: Kind::Counter,
        eve: Some("output.lost_records"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.lost_records));
            }
        },
    },
    Family {
        name: "output_lost_bytes_total",
        help: "Bytes that could not be written, per output.",
        kind: Kind::Counter,
        eve: Some("output.lost_bytes"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.lost_bytes));
            }
        },
    },
    Family {
        name: "output_errors_total",
        help: "Failed writes, per output.",
        kind: Kind::Counter,
        eve: Some("output.errors"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.errors));
            }
        },
    },
    Family {
        name: "output_reopens_total",
        help: "Output files reopened (SIGHUP, after log rotation), per output.",
        kind: Kind::Counter,
        eve: Some("output.reopens"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.reopens));
            }
        },
    },
    Family {
        name: "output_dropped_records_total",
        help: "Records a slow or dead network output could not take (its queue was full), per output.",
        kind: Kind::Counter,
        eve: Some("output.dropped_records"),
        read: |t, s| {
            for o in &t.outputs {
                s.by("output", &o.name, u(o.dropped_records));
            }
        },
    },
    Family {
        name: "output_queue_records",
        help: "Records waiting in a network output's queue, per output.",
        kind: Kind::Gauge,
        eve: Some("output.queue_records"),
        read: |t, s| {
            for o in t.outputs.iter().filter(|o| o.connected.is_some()) {
                s.by("output", &o.name, u(o.queued_records));
            }
        },
    },
    Family {
        name: "output_connected",
        help: "1 while a network output (syslog, Redis) is connected to its server, per output.",
        kind: Kind::Gauge,
        eve: Some("output.connected"),
        read: |t, s| {
            for o in &t.outputs {
                if let Some(c) = o.connected {
                    s.by("output", &o.name, u(c as u64));
                }
            }
        },
    },
    Family {
        name: "output_reconnects_total",
        help: "Connections a network output made again after losing its server, per output.",
        kind: Kind::Counter,
        eve: Some("output.reconnects"),
        read: |t, s| {
            for o in t.outputs.iter().filter(|o| o.connected.is_some()) {
                s.by("output", &o.name, u(o.reconnects));
            }
        },
    },
    Family {
        name: "record_latency_seconds",
        help: "From a packet's arrival at the sensor to the write of the records it produced.",
        kind: Kind::Histogram,
        eve: Some("output.record_latency"),
        read: |t, s| s.histogram = Some(t.record_latency),
    },
    Family {
        name: "alert_latency_seconds",
        help: "From a packet's arrival at the sensor to the write of the alerts it raised.",
        kind: Kind::Histogram,
        eve: Some("output.alert_latency"),
        read: |t, s| s.histogram = Some(t.alert_latency),
    },
    // Workers.
    Family {
        name: "worker_packets_total",
        help: "Packets processed, per worker.",
        kind: Kind::Counter,
        eve: None,
        read: |t, s| {
            for (i, w) in t.per_worker.iter().enumerate() {
                s.by("worker", &i.to_string(), u(w.packets));
            }
        },
    },
    Family {
        name: "worker_busy_seconds_total",
        help: "Time spent processing rather than waiting for packets, per worker.",
        kind: Kind::Counter,
        eve: None,
        read: |t, s| {
            for (i, w) in t.per_worker.iter().enumerate() {
                s.by("worker", &i.to_string(), w.busy_seconds);
            }
        },
    },
    Family {
        name: "worker_busy_ratio",
        help: "Share of the last 100 ms a worker spent processing (1: it is the bottleneck).",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| {
            for (i, w) in t.per_worker.iter().enumerate() {
                s.by("worker", &i.to_string(), w.busy_ratio);
            }
        },
    },
    Family {
        name: "worker_failures_total",
        help: "Workers that failed (their flows are missing from the output).",
        kind: Kind::Counter,
        eve: Some("workers.failed"),
        read: |t, s| s.one(u(t.worker_panics)),
    },
    Family {
        name: "packet_time_seconds",
        help: "The packet clock (Unix seconds): the time of the latest packet, or of the idle tick on a quiet link.",
        kind: Kind::Gauge,
        eve: None,
        read: |t, s| s.one(t.last_ts.as_nanos() as f64 / 1e9),
    },
    Family {
        name: "process_resident_memory_bytes",
        help: "Resident memory of the sensor process.",
        kind: Kind::Gauge,
        eve: Some("memory.resident_bytes"),
        read: |_, s| {
            if let Some(b) = resident_bytes() {
                s.one(u(b))
            }
        },
    },
];

/// Full metric name of a family.
fn full_name(f: &Family) -> String {
    if f.name.starts_with("process_") {
        f.name.to_string()
    } else {
        format!("{PREFIX}{}", f.name)
    }
}

/// The Prometheus text exposition of `t`.
pub fn prometheus(t: &Totals) -> String {
    let mut w = TextWriter::new();
    for f in FAMILIES {
        let mut s = Samples::default();
        (f.read)(t, &mut s);
        let name = full_name(f);
        if s.values.is_empty() && s.histogram.is_none() {
            continue;
        }
        w.family(&name, f.help, f.kind);
        if let Some(h) = &s.histogram {
            w.histogram(&name, &[], &LATENCY_BOUNDS, &h.counts, h.sum_seconds);
        }
        for (labels, v) in &s.values {
            let l: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match f.kind {
                Kind::Counter | Kind::Gauge if v.fract() == 0.0 && v.abs() < 9e15 => {
                    if *v >= 0.0 {
                        w.sample_u64(&name, &l, *v as u64)
                    } else {
                        w.sample_f64(&name, &l, *v)
                    }
                }
                _ => w.sample_f64(&name, &l, *v),
            }
        }
    }
    w.finish()
}

/// Reads one value from the totals; `None` when it does not apply (kernel counters in replay).
pub type ReadOne = fn(&Totals) -> Option<u64>;

/// Suricata's own `stats` names for the counters it also keeps, with the same meaning and
/// type, so that what reads Suricata's stats (Filebeat's Suricata module, EveBox) reads these
/// as they are. A view on the families above, not more counters; everything the sensor counts
/// is under `stats.sensor`, the one key Suricata's schema does not know.
pub const SURICATA_STATS: &[(&str, ReadOne)] = &[
    ("uptime", |t| Some(t.uptime.as_secs())),
    ("capture.kernel_packets", |t| {
        (!t.ifaces.is_empty()).then(|| t.ifaces.iter().map(|(_, c)| c.kernel_packets).sum())
    }),
    ("capture.kernel_drops", |t| {
        (!t.ifaces.is_empty()).then(|| t.kernel_drops())
    }),
    ("decoder.pkts", |t| Some(t.decode.packets)),
    ("decoder.bytes", |t| Some(t.decode.bytes)),
    ("decoder.invalid", |t| Some(t.decode.error_total())),
    ("decoder.ipv4", |t| Some(t.decode.ipv4)),
    ("decoder.ipv6", |t| Some(t.decode.ipv6)),
    ("decoder.tcp", |t| Some(t.decode.tcp)),
    ("decoder.udp", |t| Some(t.decode.udp)),
    ("decoder.icmpv4", |t| Some(t.decode.icmpv4)),
    ("decoder.icmpv6", |t| Some(t.decode.icmpv6)),
    ("decoder.vlan", |t| Some(t.decode.vlan)),
    ("flow.total", |t| Some(t.workers.flows.created)),
    ("flow.active", |t| Some(t.active_flows)),
    ("flow.tcp_reuse", |t| Some(t.workers.flows.ended_tcp_reuse)),
    ("app_layer.flow.http", |t| Some(t.workers.app.flows_http)),
    ("app_layer.flow.tls", |t| Some(t.workers.app.flows_tls)),
    ("app_layer.flow.dns_udp", |t| {
        Some(t.workers.app.flows_dns_udp)
    }),
    ("app_layer.flow.dns_tcp", |t| {
        Some(t.workers.app.flows_dns_tcp)
    }),
    ("app_layer.flow.ftp", |t| Some(t.workers.app.flows_ftp)),
    ("app_layer.flow.smtp", |t| Some(t.workers.app.flows_smtp)),
    ("app_layer.tx.http", |t| Some(t.workers.app.http_tx)),
    ("app_layer.tx.tls", |t| Some(t.workers.app.tls_handshakes)),
    ("app_layer.tx.ftp", |t| Some(t.workers.app.ftp_tx)),
    ("app_layer.tx.smtp", |t| Some(t.workers.app.smtp_tx)),
    ("app_layer.tx.ssh", |t| Some(t.workers.app.ssh_tx)),
    ("app_layer.tx.dcerpc_tcp", |t| Some(t.workers.app.dcerpc_tx)),
    ("tcp.midstream_pickups", |t| {
        Some(t.workers.app.stream.midstream_pickups)
    }),
    ("tcp.reassembly_gap", |t| Some(t.workers.app.stream.gaps)),
    ("tcp.invalid_checksum", |t| {
        Some(t.workers.app.stream.invalid_checksum)
    }),
    ("tcp.overlap", |t| Some(t.workers.app.stream.overlaps)),
    ("tcp.stream_depth_reached", |t| {
        Some(t.workers.app.stream.depth_reached)
    }),
    ("tcp.segment_memcap_drop", |t| {
        Some(t.workers.app.stream.memcap_drops)
    }),
    ("detect.alert", |t| Some(t.workers.alerts)),
    ("detect.alerts_suppressed", |t| {
        Some(t.workers.alerts_suppressed)
    }),
    ("detect.alert_queue_overflow", |t| {
        Some(t.workers.alert_queue_overflow)
    }),
];

/// The `stats` object of the EVE `stats` record and of `dump-counters`: Suricata's names
/// first ([`SURICATA_STATS`]), then every family under `sensor`.
pub fn stats_object(t: &Totals) -> Value {
    let mut root = Map::new();
    for (path, read) in SURICATA_STATS {
        if let Some(v) = read(t) {
            insert(&mut root, path, v.into());
        }
    }
    let mut ours = Map::new();
    for f in FAMILIES {
        let Some(path) = f.eve else { continue };
        let mut s = Samples::default();
        (f.read)(t, &mut s);
        if let Some(h) = &s.histogram {
            let mut o = Map::new();
            o.insert("count".into(), h.count().into());
            o.insert("sum_seconds".into(), round6(h.sum_seconds));
            o.insert("over_1s".into(), h.count_above(1.0).into());
            insert(&mut ours, path, Value::Object(o));
            continue;
        }
        if s.values.is_empty() {
            continue;
        }
        for (labels, v) in &s.values {
            if labels.is_empty() {
                insert(&mut ours, path, number(*v));
            } else {
                let keys: Vec<&str> = labels.iter().map(|(_, v)| v.as_str()).collect();
                insert_keys(&mut ours, path, &keys, number(*v));
            }
        }
    }
    root.insert("sensor".into(), Value::Object(ours));
    Value::Object(root)
}

/// The EVE `stats` record (one line), timed by the packet clock.
pub fn write_eve_stats(t: &Totals, with_sensor: bool, out: &mut Vec<u8>) {
    let mut stats = stats_object(t);
    if !with_sensor {
        if let Value::Object(m) = &mut stats {
            m.remove("sensor");
        }
    }
    let mut record = serde_json::json!({
        "timestamp": t.last_ts.eve().to_string(),
        "event_type": "stats",
        "host": t.info.name,
        "stats": stats,
    });
    if let Some(capture) = crate::output::eve::capture() {
        record["pcap_filename"] = Value::from(capture);
    }
    if serde_json::to_writer(&mut *out, &record).is_ok() {
        out.push(b'\n');
    }
}

fn number(v: f64) -> Value {
    if v.fract() == 0.0 && (0.0..9e15).contains(&v) {
        Value::from(v as u64)
    } else {
        round6(v)
    }
}

fn round6(v: f64) -> Value {
    Value::from((v * 1e6).round() / 1e6)
}

/// Sets `root[a][b]...` for a dotted path.
fn insert(root: &mut Map<String, Value>, path: &str, v: Value) {
    let mut parts = path.split('.').peekable();
    let mut node = root;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            node.insert(p.to_string(), v);
            return;
        }
        let next = node
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        node = next.as_object_mut().expect("made an object above");
    }
}

/// Sets `root[path...][key1][key2]...`; the keys may themselves contain dots (decode error
/// names).
fn insert_keys(root: &mut Map<String, Value>, path: &str, keys: &[&str], v: Value) {
    let Some((last, inner)) = keys.split_last() else {
        return;
    };
    let mut node = root;
    for p in path.split('.').chain(inner.iter().copied()) {
        let next = node
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        node = next.as_object_mut().expect("made an object above");
    }
    node.insert(last.to_string(), v);
}

/// Resident set size from /proc (Linux); `None` elsewhere.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page.max(4096) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_and_over_one_second() {
        let mut h = Histogram::default();
        h.observe(0.0001, 3);
        h.observe(0.3, 1);
        h.observe(1.5, 2);
        assert_eq!(h.count(), 6);
        assert_eq!(h.counts[0], 3);
        assert_eq!(h.count_above(1.0), 2);
        assert!((h.sum_seconds - (0.0003 + 0.3 + 3.0)).abs() < 1e-9);
    }

    #[test]
    fn top_signatures_are_bounded_and_merged_across_workers() {
        use crate::output::file::FileSink;
        let outputs = Arc::new(Outputs::single(FileSink::from_writer(
            "null",
            Box::new(std::io::sink()),
        )));
        let r = Registry::new(SensorInfo::default(), 2, outputs, None, 10);
        let many: Vec<(u32, u64)> = (1..=250u32).map(|sid| (sid, sid as u64)).collect();
        let snap = WorkerSnapshot {
            alerts_by_sid: many,
            ..WorkerSnapshot::default()
        };
        r.publish_worker(0, &snap, true);
        let other = WorkerSnapshot {
            alerts_by_sid: vec![(250, 1000), (7, 1)],
            ..WorkerSnapshot::default()
        };
        r.publish_worker(1, &other, true);
        let top = r.totals().top_signatures;
        assert_eq!(top.len(), TOP_SIGNATURES + 1);
        // Worker counts add up; the most alerts first.
        assert_eq!(top[0], (250, String::new(), 1250));
        assert_eq!(top[1].0, 249);
        // Sids 1..=50 (and 7 once more) did not make the cut: summed under sid 0.
        let rest: u64 = (1..=50u64).sum::<u64>() + 1;
        assert_eq!(
            top.last().unwrap(),
            &(0, "other signatures".to_string(), rest)
        );
    }

    #[test]
    fn every_family_name_is_unique_and_valid() {
        let mut seen = std::collections::HashSet::new();
        for f in FAMILIES {
            let n = full_name(f);
            assert!(seen.insert(n.clone()), "{n} twice");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{n}"
            );
            if matches!(f.kind, Kind::Counter) {
                assert!(n.ends_with("_total"), "{n}: counters end in _total");
            }
        }
    }

    #[test]
    fn eve_stats_nest_labels_under_their_path() {
        let mut t = Totals::default();
        t.decode.packets = 7;
        t.decode.errors[DecodeError::Ipv4Truncated.index()] = 2;
        t.workers.flows_tcp = 3;
        t.workers.flows.ended_forced = 1;
        let v = stats_object(&t);
        assert_eq!(v["decoder"]["pkts"], 7);
        assert_eq!(v["decoder"]["invalid"], 2);
        let ours = &v["sensor"];
        assert_eq!(ours["decoder"]["pkts"], 7);
        assert_eq!(ours["decoder"]["errors"]["ipv4.truncated"], 2);
        assert_eq!(ours["flow"]["ended_by_proto"]["tcp"], 3);
        assert_eq!(ours["flow"]["ended"]["forced"], 1);
        assert_eq!(ours["flow"]["evictions"], 1);
    }

    /// Files of transactions (D46) are counted by outcome in Prometheus.
    #[test]
    fn files_are_counted_by_outcome() {
        let mut t = Totals::default();
        t.workers.app.files = 5;
        t.workers.app.files_stored = 2;
        t.workers.app.filestore_errors = 1;
        let text = prometheus(&t);
        for line in [
            "app_files_total{outcome=\"seen\"} 5",
            "app_files_total{outcome=\"stored\"} 2",
            "app_files_total{outcome=\"store_error\"} 1",
        ] {
            assert!(text.lines().any(|l| l.ends_with(line)), "{line}\n{text}");
        }
    }

    /// Outside `stats.sensor`, every field is one Suricata 7.0.10's EVE schema knows, with
    /// the type it gives it (its consumers map fields by that type).
    #[test]
    fn suricata_names_match_suricatas_schema() {
        let Some(dir) = crate::testutil::corpus_dir() else {
            return;
        };
        let file = dir.join("suricata-eve-schema/schema.json");
        let schema: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        let mut t = Totals::default();
        t.ifaces.push(("eth0".into(), IfaceCounters::default()));
        let mut v = stats_object(&t);
        v.as_object_mut().unwrap().remove("sensor");
        fn check(v: &Value, schema: &Value, path: &str) {
            let Some(props) = schema.get("properties") else {
                panic!("{path}: the schema describes no fields here");
            };
            for (k, child) in v.as_object().unwrap() {
                let p = format!("{path}.{k}");
                let s = props
                    .get(k)
                    .unwrap_or_else(|| panic!("{p}: not in Suricata's schema"));
                match child {
                    Value::Object(_) => {
                        assert_eq!(s["type"], "object", "{p}");
                        check(child, s, &p);
                    }
                    _ => assert_eq!(s["type"], "integer", "{p}"),
                }
            }
        }
        check(&v, &schema["properties"]["stats"], "stats");
        assert_eq!(v.as_object().unwrap().len(), 7, "{v}");
    }
}
