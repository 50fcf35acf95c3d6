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
use super::events::{Body, Event};
use super::exfil::Exfil;
use super::longconn;
use super::lookalike::Lookalike;
use super::scan::Scan;
use super::tap::{Msg, Tap};
use super::web::Web;
use crate::output::sink::{EveSink, CHUNK_BYTES};
use crate::time::Timestamp;

/// Event batches queued to the stage before workers wait (replay) or drop (live).
const QUEUE: usize = 256;
/// Events held for the merge before the oldest are released regardless.
const MAX_PENDING: usize = 1 << 18;

/// What the stage counted.
#[derive(Clone, Copy, Debug, Default)]
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

    /// Handles one event; alerts go to `out` as EVE records.
    pub fn event(&mut self, ev: &Event, out: &mut Vec<u8>) {
        if ev.ts < self.clock {
            self.late += 1;
        } else {
            self.clock = ev.ts;
        }
        let cfg = self.cfg.clone();
        let cfg = &*cfg;
        let c = &ev.conn;
        match &ev.body {
            Body::FlowStart => {}
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
                self.web.transaction(ev.ts, c, h, cfg, &mut self.alerts);
                if let Some(host) = &h.host {
                    let host = host.split(':').next().unwrap_or(host);
                    self.names(ev.ts, c, host, "http-host");
                }
            }
            Body::Dns(d) => {
                self.dns.message(ev.ts, c, d, cfg, &mut self.alerts);
                if !d.response && cfg.is_home(c.client) {
                    self.lookalike
                        .name(ev.ts, c, &d.qname, "dns", cfg, &mut self.alerts);
                }
            }
            Body::Tls { sni } => {
                if let Some(sni) = sni {
                    self.names(ev.ts, c, sni, "sni");
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
                user.as_deref(),
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
            self.lookalike
                .name(ts, c, name, what, cfg, &mut self.alerts);
        }
    }

    pub fn stats(&self) -> StageStats {
        StageStats {
            late: self.late,
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

/// An event waiting for the merge.
struct Held {
    key: (Timestamp, u8, crate::behaviour::events::Conn, u64),
    ev: Event,
}

impl PartialEq for Held {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Held {}
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

/// The running stage: join it after the workers have finished.
pub struct Stage {
    handle: Option<JoinHandle<StageStats>>,
}

/// Starts the stage for `workers` workers; returns their taps.
pub fn spawn(
    cfg: Arc<BehaviourConfig>,
    workers: usize,
    sink: Arc<EveSink>,
    live: bool,
) -> (Stage, Vec<Tap>) {
    let (tx, rx) = bounded::<Msg>(QUEUE);
    let (recycle_tx, recycle_rx) = bounded::<Vec<Event>>(QUEUE);
    let burst = cfg.t.burst_idle_secs;
    let taps = (0..workers)
        .map(|i| Tap::new(i, tx.clone(), recycle_rx.clone(), live, burst))
        .collect();
    drop(tx);
    let handle = thread::Builder::new()
        .name("behaviour".into())
        .spawn(move || run(cfg, workers, rx, recycle_tx, sink))
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

fn run(
    cfg: Arc<BehaviourConfig>,
    workers: usize,
    rx: Receiver<Msg>,
    recycle: Sender<Vec<Event>>,
    sink: Arc<EveSink>,
) -> StageStats {
    let mut det = Detectors::new(cfg);
    let mut heap: BinaryHeap<Held> = BinaryHeap::new();
    let mut marks = vec![Timestamp::ZERO; workers];
    let mut done = vec![false; workers];
    let mut out = Vec::with_capacity(CHUNK_BYTES);
    let mut stats = StageStats::default();
    let mut seq = 0u64;
    let release = |det: &mut Detectors,
                   heap: &mut BinaryHeap<Held>,
                   upto: Option<Timestamp>,
                   out: &mut Vec<u8>,
                   stats: &mut StageStats| {
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
            det.event(&h.ev, out);
            if out.len() >= CHUNK_BYTES {
                sink.write_chunk(out);
                out.clear();
            }
        }
    };
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Events {
                worker,
                mut events,
                watermark,
            } => {
                stats.events += events.len() as u64;
                for ev in events.drain(..) {
                    seq += 1;
                    heap.push(Held {
                        key: (ev.ts, ev.body.rank(), ev.conn, seq),
                        ev,
                    });
                }
                let _ = recycle.try_send(events);
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
        let upto = marks
            .iter()
            .zip(&done)
            .filter(|(_, d)| !**d)
            .map(|(m, _)| *m)
            .min();
        if done.iter().all(|d| *d) {
            release(&mut det, &mut heap, None, &mut out, &mut stats);
            break;
        }
        release(&mut det, &mut heap, upto, &mut out, &mut stats);
        if !out.is_empty() {
            sink.write_chunk(&out);
            out.clear();
        }
    }
    release(&mut det, &mut heap, None, &mut out, &mut stats);
    if !out.is_empty() {
        sink.write_chunk(&out);
    }
    let d = det.stats();
    StageStats {
        late: d.late,
        alerts: d.alerts,
        evicted: d.evicted,
        ..stats
    }
}
