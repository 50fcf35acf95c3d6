//! The behaviour stage: one analytics thread holding all cross-flow state, fed by the workers'
//! taps through one bounded channel. Events are merged by packet time: the stage releases an
//! event only once every worker's watermark has passed it, so the detections see the same
//! order whatever the number of workers (ties broken by kind and connection). Each batch is
//! sorted once on arrival and the sorted batches are merged k-way (a heap of batches, not of
//! events). A worker that stays silent cannot hold the merge back for long: beyond
//! `MAX_PENDING` held events the oldest are released anyway (counted).

use std::collections::BinaryHeap;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{bounded, Receiver, Sender};

use super::alert::{Alert, AlertStats, Alerter};
use super::beacon::Beacon;
use super::config::BehaviourConfig;
use super::creds::Creds;
use super::dns_tunnel::DnsTunnel;
use super::events::{Batch, Body, Event};
use super::exfil::Exfil;
use super::longconn;
use super::lookalike::Lookalike;
use super::scan::Scan;
use super::tap::{Msg, Tap};
use super::web::Web;
use crate::counters::{Registry, PUBLISH_EVERY};
use crate::output::file::CHUNK_BYTES;
use crate::output::record::RecordIndex;
use crate::output::sink::Outputs;
use crate::time::Timestamp;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::time::Instant;

/// Event batches queued to the stage before workers wait (replay) or drop (live).
const QUEUE: usize = 256;
/// Events held for the merge before the oldest are released regardless.
const MAX_PENDING: usize = 1 << 18;

/// What the stage counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageStats {
    pub events: u64,
    /// Released before every worker's watermark passed them (the merge bound was hit).
    pub forced: u64,
    /// Arrived after later events had been processed.
    pub late: u64,
    pub alerts: AlertStats,
    /// Per-entity state evicted to stay within bounds, all detections.
    pub evicted: u64,
    /// Events the workers dropped (live capture, stage behind).
    pub dropped: u64,
    /// Events held for the merge now.
    pub pending: u64,
    /// Per-entity states held now, all detections.
    pub entities: u64,
}

/// Every detection, fed one event at a time in packet-time order.
pub struct Detectors {
    cfg: Arc<BehaviourConfig>,
    beacon: Beacon,
    exfil: Exfil,
    dns: DnsTunnel,
    scan: Scan,
    web: Web,
    creds: Creds,
    lookalike: Lookalike,
    alerter: Alerter,
    alerts: Vec<Alert>,
    pub clock: Timestamp,
    pub late: u64,
}

impl Detectors {
    pub fn new(cfg: Arc<BehaviourConfig>) -> Detectors {
        let cap = cfg.t.max_entities;
        Detectors {
            beacon: Beacon::new(cap),
            exfil: Exfil::new(cap),
            dns: DnsTunnel::new(cap / 4),
            scan: Scan::new(cap),
            web: Web::new(cap),
            creds: Creds::new(cap),
            lookalike: Lookalike::new(&cfg),
            alerter: Alerter::new(cfg.t.suppress_secs, cap),
            alerts: Vec::new(),
            clock: Timestamp::ZERO,
            late: 0,
            cfg,
        }
    }

    /// Handles one event (its texts in `b`); alerts go to `out` as EVE records.
    pub fn event(&mut self, ev: &Event, b: &Batch, out: &mut Vec<u8>) {
        if ev.ts < self.clock {
            self.late += 1;
        } else {
            self.clock = ev.ts;
        }
        // Borrowed field by field: no reference count touched per event.
        let Detectors {
            cfg,
            beacon,
            exfil,
            dns,
            scan,
            web,
            creds,
            lookalike,
            alerter,
            alerts,
            ..
        } = self;
        let cfg = &**cfg;
        let c = &ev.conn;
        match &ev.body {
            Body::Burst { bytes, .. } => beacon.contact(ev.ts, c, *bytes, cfg, alerts),
            Body::Progress(s) => {
                exfil.flow(ev.ts, c, s, false, cfg, alerts);
                longconn::check(ev.ts, c, s, cfg, alerts);
            }
            Body::FlowEnd(s) => {
                exfil.flow(ev.ts, c, s, true, cfg, alerts);
                scan.flow_end(ev.ts, c, s, cfg, alerts);
                longconn::check(ev.ts, c, s, cfg, alerts);
            }
            Body::Http(h) => {
                let h = h.view(b);
                web.transaction(ev.ts, c, &h, cfg, alerts);
                if let Some(host) = h.host {
                    let host = host.split(':').next().unwrap_or(host);
                    names(beacon, lookalike, ev.ts, c, host, "http-host", cfg, alerts);
                }
            }
            Body::Dns(d) => {
                let d = d.view(b);
                dns.message(ev.ts, c, &d, cfg, alerts);
                if d.response {
                    scan.reached(ev.ts, c.client, c.server, cfg);
                }
                if !d.response && cfg.is_home(c.client) {
                    lookalike.name(ev.ts, c, d.qname, "dns", cfg, alerts);
                }
            }
            Body::Tls { sni } => {
                if let Some(sni) = sni {
                    names(
                        beacon,
                        lookalike,
                        ev.ts,
                        c,
                        b.text(*sni),
                        "sni",
                        cfg,
                        alerts,
                    );
                }
            }
            Body::Login {
                proto,
                result,
                user,
            } => creds.login(
                ev.ts,
                c,
                *proto,
                *result,
                user.map(|u| b.text(u)),
                cfg,
                alerts,
            ),
        }
        for al in alerts.drain(..) {
            alerter.raise(&al, out);
        }
    }

    /// Entries held across all per-entity maps, and the most they may hold.
    pub fn entities(&self) -> (usize, usize) {
        let held = self.beacon.len()
            + self.exfil.len()
            + self.dns.len()
            + self.scan.len()
            + self.web.len()
            + self.creds.len();
        let cap = self.cfg.t.max_entities;
        // beacon (pairs + three quarters), exfil (pairs, flows, a sixteenth), dns (a quarter),
        // scan (two), web, creds (pairs + a quarter).
        (held, cap * 8 + cap / 2)
    }

    pub fn stats(&self) -> StageStats {
        StageStats {
            late: self.late,
            entities: self.entities().0 as u64,
            alerts: self.alerter.stats,
            evicted: self.beacon.evicted()
                + self.exfil.evicted()
                + self.dns.evicted()
                + self.scan.evicted()
                + self.web.evicted()
                + self.creds.evicted()
                + self.alerter.evicted(),
            ..Default::default()
        }
    }
}

/// A server name seen in SNI or Host: the office's own when an outside client uses it to
/// reach an inside server; checked for look-alikes when an inside client uses it.
#[allow(clippy::too_many_arguments)]
fn names(
    beacon: &mut Beacon,
    lookalike: &mut Lookalike,
    ts: Timestamp,
    c: &crate::behaviour::events::Conn,
    name: &str,
    what: &str,
    cfg: &BehaviourConfig,
    alerts: &mut Vec<Alert>,
) {
    let inside_client = cfg.is_home(c.client);
    let inside_server = cfg.is_home(c.server);
    if inside_server && cfg.is_external(c.client) {
        lookalike.learn(name);
    } else if inside_client && cfg.is_external(c.server) {
        beacon.name(ts, c, name, cfg);
        beacon.named_contact(ts, c, name, cfg, alerts);
        lookalike.name(ts, c, name, what, cfg, alerts);
    }
}

/// An event's place in the merge order: packet time, kind, connection, arrival. Unique (the
/// arrival number is), so the order is total and does not depend on how events are grouped.
type Key = (Timestamp, u8, u64, u64);

/// A batch of one worker, its events sorted into merge order, and how far the merge got.
/// A worker's events come nearly in time order (only flow ends stamped with their timeout
/// deadline lag behind), so sorting a batch is close to linear and the merge takes events
/// from a run in long stretches: one heap operation per stretch, not per event.
struct Run {
    batch: Batch,
    /// (key, index in `batch.events`), ascending.
    order: Vec<(Key, u32)>,
    pos: usize,
}

impl Run {
    fn head(&self) -> Option<&Key> {
        self.order.get(self.pos).map(|(k, _)| k)
    }
}

/// The runs in the merge: each batch's sorted events, and a heap of runs by their next
/// event, so the earliest held event is always the head of the top run.
struct Merge {
    slots: Vec<Option<Run>>,
    free: Vec<u32>,
    /// (head key, slot) per run with events left; reversed so the heap pops the earliest.
    heads: BinaryHeap<std::cmp::Reverse<(Key, u32)>>,
    /// Events held, all runs.
    pending: usize,
    /// Spare order vectors (no allocation per batch once warm).
    spare: Vec<Vec<(Key, u32)>>,
    seq: u64,
    recycle: Sender<Batch>,
}

impl Merge {
    fn new(recycle: Sender<Batch>) -> Merge {
        Merge {
            slots: Vec::new(),
            free: Vec::new(),
            heads: BinaryHeap::new(),
            pending: 0,
            spare: Vec::new(),
            seq: 0,
            recycle,
        }
    }

    /// Takes a worker's batch into the merge.
    fn insert(&mut self, batch: Batch) {
        if batch.is_empty() {
            let _ = self.recycle.try_send(batch);
            return;
        }
        let mut order = self.spare.pop().unwrap_or_default();
        order.clear();
        for (idx, ev) in batch.events.iter().enumerate() {
            self.seq += 1;
            order.push(((ev.ts, ev.body.rank(), ev.conn.key(), self.seq), idx as u32));
        }
        // In place (no scratch buffer per batch); keys are unique, so the result is the one
        // total order; a batch already in order costs one pass.
        if !order.is_sorted_by_key(|e| e.0) {
            order.sort_unstable_by_key(|e| e.0);
        }
        self.pending += order.len();
        let head = order[0].0;
        let run = Run {
            batch,
            order,
            pos: 0,
        };
        let slot = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(run);
                i
            }
            None => {
                self.slots.push(Some(run));
                (self.slots.len() - 1) as u32
            }
        };
        self.heads.push(std::cmp::Reverse((head, slot)));
    }

    /// A run with nothing left: its batch goes back to the workers.
    fn retire(&mut self, slot: u32) {
        if let Some(Some(mut run)) = self.slots.get_mut(slot as usize).map(Option::take) {
            run.batch.clear();
            let _ = self.recycle.try_send(run.batch);
            self.spare.push(run.order);
            self.free.push(slot);
        }
    }
}

/// The running stage: join it after the workers have finished.
pub struct Stage {
    handle: Option<JoinHandle<StageStats>>,
}

/// Starts the stage for `workers` workers, publishing its counters to `registry`; returns
/// the workers' taps.
pub fn spawn(
    cfg: Arc<BehaviourConfig>,
    workers: usize,
    sink: Arc<Outputs>,
    registry: Option<Arc<Registry>>,
    live: bool,
) -> (Stage, Vec<Tap>) {
    let (tx, rx) = bounded::<Msg>(QUEUE);
    let (recycle_tx, recycle_rx) = bounded::<Batch>(QUEUE);
    let burst = cfg.t.burst_idle_secs;
    let dropped = Arc::new(AtomicU64::new(0));
    let taps = (0..workers)
        .map(|i| {
            Tap::new(
                i,
                tx.clone(),
                recycle_rx.clone(),
                live,
                burst,
                dropped.clone(),
            )
        })
        .collect();
    drop(tx);
    let io = StageIo {
        rx,
        recycle: recycle_tx,
        sink,
        registry,
        dropped,
    };
    let handle = thread::Builder::new()
        .name("behaviour".into())
        .spawn(move || run(cfg, workers, io))
        .expect("spawn behaviour thread");
    (
        Stage {
            handle: Some(handle),
        },
        taps,
    )
}

impl Stage {
    /// Waits for the stage to process everything (every tap finished or dropped).
    pub fn join(mut self) -> StageStats {
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

/// What the stage thread reads from and writes to.
struct StageIo {
    rx: Receiver<Msg>,
    recycle: Sender<Batch>,
    sink: Arc<Outputs>,
    registry: Option<Arc<Registry>>,
    dropped: Arc<AtomicU64>,
}

#[allow(clippy::too_many_arguments)]
/// Processes held events in order up to `upto` (all when `None`; the oldest regardless when
/// more than `MAX_PENDING` are held).
fn release(
    det: &mut Detectors,
    merge: &mut Merge,
    upto: Option<Timestamp>,
    out: &mut Vec<u8>,
    stats: &mut StageStats,
    sink: &Outputs,
    index: &mut RecordIndex,
) {
    while let Some(std::cmp::Reverse((_, slot))) = merge.heads.pop() {
        // Events of this run go in order while they come before every other run's next one.
        let next = merge.heads.peek().map(|std::cmp::Reverse((k, _))| *k);
        let Some(Some(run)) = merge.slots.get_mut(slot as usize) else {
            continue;
        };
        let mut stopped = false;
        while let Some(&(key, idx)) = run.order.get(run.pos) {
            if next.is_some_and(|n| key > n) {
                break;
            }
            let due = match upto {
                None => true,
                Some(t) => key.0 <= t,
            };
            let forced = merge.pending > MAX_PENDING;
            if !due && !forced {
                stopped = true;
                break;
            }
            if forced && !due {
                stats.forced += 1;
            }
            run.pos += 1;
            merge.pending -= 1;
            if let Some(ev) = run.batch.events.get(idx as usize) {
                det.event(ev, &run.batch, out);
            }
            if out.len() >= CHUNK_BYTES {
                sink.deliver(out, index);
                out.clear();
            }
        }
        match run.head() {
            Some(&head) => merge.heads.push(std::cmp::Reverse((head, slot))),
            None => merge.retire(slot),
        }
        if stopped {
            break;
        }
    }
}

/// The stage's counters now.
fn current(det: &Detectors, stats: &StageStats, pending: usize, dropped: &AtomicU64) -> StageStats {
    let d = det.stats();
    StageStats {
        late: d.late,
        alerts: d.alerts,
        evicted: d.evicted,
        entities: d.entities,
        pending: pending as u64,
        dropped: dropped.load(AtomicOrdering::Relaxed),
        ..*stats
    }
}

fn run(cfg: Arc<BehaviourConfig>, workers: usize, io: StageIo) -> StageStats {
    let StageIo {
        rx,
        recycle,
        sink,
        registry,
        dropped,
    } = io;
    let mut det = Detectors::new(cfg);
    let mut merge = Merge::new(recycle);
    let mut marks = vec![Timestamp::ZERO; workers];
    let mut done = vec![false; workers];
    let mut out = Vec::with_capacity(CHUNK_BYTES);
    let mut index = RecordIndex::default();
    let mut stats = StageStats::default();
    let mut last_publish = Instant::now();
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Events {
                worker,
                events,
                watermark,
            } => {
                stats.events += events.len() as u64;
                merge.insert(events);
                if let Some(m) = marks.get_mut(worker) {
                    *m = (*m).max(watermark);
                }
            }
            Msg::Done { worker } => {
                if let Some(d) = done.get_mut(worker) {
                    *d = true;
                }
            }
        }
        if done.iter().all(|d| *d) {
            break;
        }
        let upto = marks
            .iter()
            .zip(&done)
            .filter(|(_, d)| !**d)
            .map(|(m, _)| *m)
            .min();
        release(
            &mut det, &mut merge, upto, &mut out, &mut stats, &sink, &mut index,
        );
        if !out.is_empty() {
            sink.deliver(&out, &mut RecordIndex::default());
            out.clear();
        }
        if let Some(r) = &registry {
            let now = Instant::now();
            if now.saturating_duration_since(last_publish) >= PUBLISH_EVERY {
                last_publish = now;
                r.publish_behaviour(&current(&det, &stats, merge.pending, &dropped), false);
            }
        }
    }
    release(
        &mut det, &mut merge, None, &mut out, &mut stats, &sink, &mut index,
    );
    if !out.is_empty() {
        sink.deliver(&out, &mut RecordIndex::default());
    }
    let last = current(&det, &stats, 0, &dropped);
    if let Some(r) = &registry {
        r.publish_behaviour(&last, true);
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::events::{Conn, DnsEvent, FlowSummary, Outcome};
    use std::net::{IpAddr, Ipv4Addr};

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(n))
    }

    /// A flood of new hosts, destinations and domains: every map stays within its bound, the
    /// evictions are counted, and nothing alerts by accident.
    #[test]
    fn memory_stays_bounded_under_a_flood_of_new_entities() {
        let cfg = BehaviourConfig {
            t: crate::behaviour::config::Thresholds {
                max_entities: 2000,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut det = Detectors::new(Arc::new(cfg));
        let mut out = Vec::new();
        let mut b = Batch::with_capacity(4);
        for i in 0..200_000u32 {
            let ts = Timestamp(1_000_000_000_000 + i as u64 * 1_000_000);
            // Inside host i to a new outside host, a burst then an end with some volume.
            let conn = Conn {
                client: ip(0x0a00_0000 | (i % 60_000)),
                server: ip(0x0800_0000 + i * 7),
                cport: 40000,
                sport: 443,
                proto: 6,
            };
            b.clear();
            let qname = b.put(format!("x{i}.d{i}.example").as_bytes(), true, 255);
            let evs = [
                Body::Burst {
                    bytes: 100,
                    gap_ms: 0,
                },
                Body::FlowEnd(FlowSummary {
                    start: ts,
                    last: ts,
                    bytes: [1000, 2000],
                    pkts: [3, 3],
                    outcome: if i % 2 == 0 {
                        Outcome::Unanswered
                    } else {
                        Outcome::Conversation
                    },
                    midstream: false,
                    icmp_type: None,
                }),
                Body::Dns(DnsEvent {
                    qname,
                    qtype: 1,
                    response: false,
                    rcode: 0,
                }),
            ];
            for body in evs {
                let ev = Event { ts, conn, body };
                det.event(&ev, &b, &mut out);
            }
            let (held, bound) = det.entities();
            assert!(held <= bound, "{held} > {bound}");
        }
        let st = det.stats();
        assert!(st.evicted > 100_000, "{st:?}");
        assert_eq!(st.alerts.written, 0, "{}", String::from_utf8_lossy(&out));
    }

    /// The whole replay pipeline with the stage: alerts reach the sink, the counters reach
    /// the registry and its Prometheus text, and a second run with two workers agrees.
    #[test]
    fn replay_publishes_alerts_and_counters() {
        use crate::capture::merge::MergedSource;
        use crate::counters::SensorInfo;
        use crate::pipeline::{self, ReplayConfig};
        let pcap =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../pcaps/attack-scan.pcap");
        let mut texts = Vec::new();
        for workers in [1, 2] {
            let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
            struct W(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
            impl std::io::Write for W {
                fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                    self.0.lock().unwrap().extend_from_slice(b);
                    Ok(b.len())
                }
                fn flush(&mut self) -> std::io::Result<()> {
                    Ok(())
                }
            }
            let sink = Arc::new(Outputs::single(crate::output::file::FileSink::from_writer(
                "mem",
                Box::new(W(buf.clone())),
            )));
            let cfg = BehaviourConfig::resolve(&Default::default(), Some("10.10.0.0/16")).unwrap();
            let config = ReplayConfig {
                workers,
                behaviour: Some(Arc::new(cfg)),
                ..Default::default()
            };
            let registry = Arc::new(Registry::new(
                SensorInfo::default(),
                workers,
                sink.clone(),
                None,
                1 << 20,
            ));
            let mut src = MergedSource::open(std::slice::from_ref(&pcap)).unwrap();
            let (stats, fatal) = pipeline::run(
                &mut src,
                &config,
                sink.clone(),
                registry.clone(),
                &mut |_| {},
                &mut |_| {},
            );
            assert!(fatal.is_none());
            let b = stats.behaviour.expect("stage ran");
            assert!(b.events > 100, "{b:?}");
            assert_eq!(b.pending, 0);
            sink.flush();
            let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
            let alerts: Vec<&str> = text
                .lines()
                .filter(|l| l.contains("\"signature_id\":92000"))
                .collect();
            assert_eq!(alerts.len() as u64, b.alerts.written, "{text}");
            let prom = crate::counters::prometheus(&registry.totals());
            assert!(
                prom.contains("sensor_behaviour_alerts_total{detection=\"scan\"} 1"),
                "{prom}"
            );
            assert!(prom.contains("sensor_behaviour_events_total "), "{prom}");
            let mut a: Vec<String> = alerts
                .iter()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    format!(
                        "{} {} {}",
                        v["timestamp"], v["alert"]["signature_id"], v["src_ip"]
                    )
                })
                .collect();
            a.sort();
            texts.push(a);
        }
        assert_eq!(texts[0], texts[1]);
    }
}
