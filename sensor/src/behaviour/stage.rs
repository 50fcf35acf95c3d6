//! The behaviour stage: one analytics thread holding all cross-flow state, fed by the workers'
//! taps through one bounded channel. Events are merged by packet time: the stage releases an
//! event only once every worker's watermark has passed it, so the detections see the same
//! order whatever the number of workers (ties broken by kind and connection). A worker that
//! stays silent cannot hold the merge back for long: beyond `MAX_PENDING` held events the
//! oldest are released anyway (counted).

use std::cmp::Ordering;
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
        let cfg = self.cfg.clone();
        let cfg = &*cfg;
        let c = &ev.conn;
        match &ev.body {
            Body::Burst { bytes, .. } => {
                self.beacon.contact(ev.ts, c, *bytes, cfg, &mut self.alerts)
            }
            Body::Progress(s) => {
                self.exfil.flow(ev.ts, c, s, false, cfg, &mut self.alerts);
                longconn::check(ev.ts, c, s, cfg, &mut self.alerts);
            }
            Body::FlowEnd(s) => {
                self.exfil.flow(ev.ts, c, s, true, cfg, &mut self.alerts);
                self.scan.flow_end(ev.ts, c, s, cfg, &mut self.alerts);
                longconn::check(ev.ts, c, s, cfg, &mut self.alerts);
            }
            Body::Http(h) => {
                let h = h.view(b);
                self.web.transaction(ev.ts, c, &h, cfg, &mut self.alerts);
                if let Some(host) = h.host {
                    let host = host.split(':').next().unwrap_or(host);
                    self.names(ev.ts, c, host, "http-host");
                }
            }
            Body::Dns(d) => {
                let d = d.view(b);
                self.dns.message(ev.ts, c, &d, cfg, &mut self.alerts);
                if d.response {
                    self.scan.reached(ev.ts, c.client, c.server, cfg);
                }
                if !d.response && cfg.is_home(c.client) {
                    self.lookalike
                        .name(ev.ts, c, d.qname, "dns", cfg, &mut self.alerts);
                }
            }
            Body::Tls { sni } => {
                if let Some(sni) = sni {
                    self.names(ev.ts, c, b.text(*sni), "sni");
                }
            }
            Body::Login {
                proto,
                result,
                user,
            } => self.creds.login(
                ev.ts,
                c,
                *proto,
                *result,
                user.map(|u| b.text(u)),
                cfg,
                &mut self.alerts,
            ),
        }
        for al in self.alerts.drain(..) {
            self.alerter.raise(&al, out);
        }
    }

    /// A server name seen in SNI or Host: the office's own when an outside client uses it
    /// to reach an inside server; checked for look-alikes when an inside client uses it.
    fn names(&mut self, ts: Timestamp, c: &crate::behaviour::events::Conn, name: &str, what: &str) {
        let cfg = self.cfg.clone();
        let cfg = &*cfg;
        let inside_client = cfg.is_home(c.client);
        let inside_server = cfg.is_home(c.server);
        if inside_server && cfg.is_external(c.client) {
            self.lookalike.learn(name);
        } else if inside_client && cfg.is_external(c.server) {
            self.beacon.name(ts, c, name, cfg);
            self.beacon
                .named_contact(ts, c, name, cfg, &mut self.alerts);
            self.lookalike
                .name(ts, c, name, what, cfg, &mut self.alerts);
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

/// An event waiting for the merge: its order key and where it lies (batch slot, index).
/// Keys are small so the heap moves little; events stay in their batch.
#[derive(PartialEq, Eq)]
struct Held {
    key: (Timestamp, u8, u64, u64),
    slot: u32,
    idx: u32,
}

impl PartialOrd for Held {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Held {
    // Reversed: `BinaryHeap` pops the earliest.
    fn cmp(&self, o: &Self) -> Ordering {
        o.key.cmp(&self.key)
    }
}

/// Batches whose events are not all processed yet, and the way back to the workers.
struct Batches {
    slots: Vec<Option<(Batch, usize)>>,
    free: Vec<u32>,
    recycle: Sender<Batch>,
}

impl Batches {
    fn insert(&mut self, b: Batch) -> u32 {
        let n = b.len();
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some((b, n));
                i
            }
            None => {
                self.slots.push(Some((b, n)));
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// One event of batch `slot` is done; a finished batch goes back to the workers.
    fn done(&mut self, slot: u32) {
        let Some(e) = self.slots.get_mut(slot as usize) else {
            return;
        };
        if let Some((_, left)) = e {
            *left -= 1;
            if *left == 0 {
                if let Some((mut b, _)) = e.take() {
                    b.clear();
                    let _ = self.recycle.try_send(b);
                }
                self.free.push(slot);
            }
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
    heap: &mut BinaryHeap<Held>,
    batches: &mut Batches,
    upto: Option<Timestamp>,
    out: &mut Vec<u8>,
    stats: &mut StageStats,
    sink: &Outputs,
    index: &mut RecordIndex,
) {
    while let Some(top) = heap.peek() {
        let due = match upto {
            None => true,
            Some(t) => top.key.0 <= t,
        };
        let forced = heap.len() > MAX_PENDING;
        if !due && !forced {
            break;
        }
        if forced && !due {
            stats.forced += 1;
        }
        let h = heap.pop().expect("peeked");
        if let Some(Some((b, _))) = batches.slots.get(h.slot as usize) {
            if let Some(ev) = b.events.get(h.idx as usize) {
                det.event(ev, b, out);
            }
        }
        batches.done(h.slot);
        if out.len() >= CHUNK_BYTES {
            sink.deliver(out, index);
            out.clear();
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
    let mut heap: BinaryHeap<Held> = BinaryHeap::new();
    let mut batches = Batches {
        slots: Vec::new(),
        free: Vec::new(),
        recycle,
    };
    let mut marks = vec![Timestamp::ZERO; workers];
    let mut done = vec![false; workers];
    let mut out = Vec::with_capacity(CHUNK_BYTES);
    let mut index = RecordIndex::default();
    let mut stats = StageStats::default();
    let mut seq = 0u64;
    let mut last_publish = Instant::now();
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Events {
                worker,
                events,
                watermark,
            } => {
                stats.events += events.len() as u64;
                if !events.is_empty() {
                    let slot = batches.insert(events);
                    if let Some(Some((b, _))) = batches.slots.get(slot as usize) {
                        for (idx, ev) in b.events.iter().enumerate() {
                            seq += 1;
                            heap.push(Held {
                                key: (ev.ts, ev.body.rank(), ev.conn.key(), seq),
                                slot,
                                idx: idx as u32,
                            });
                        }
                    }
                } else {
                    let _ = batches.recycle.try_send(events);
                }
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
            &mut det,
            &mut heap,
            &mut batches,
            upto,
            &mut out,
            &mut stats,
            &sink,
            &mut index,
        );
        if !out.is_empty() {
            sink.deliver(&out, &mut RecordIndex::default());
            out.clear();
        }
        if let Some(r) = &registry {
            let now = Instant::now();
            if now.saturating_duration_since(last_publish) >= PUBLISH_EVERY {
                last_publish = now;
                r.publish_behaviour(&current(&det, &stats, heap.len(), &dropped), false);
            }
        }
    }
    release(
        &mut det,
        &mut heap,
        &mut batches,
        None,
        &mut out,
        &mut stats,
        &sink,
        &mut index,
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
