//! Live capture (`sensor run`): no reader thread. Each worker opens its own AF_PACKET ring on
//! every interface, and the worker's sockets of one interface form a `PACKET_FANOUT` group in
//! hash mode, so the kernel gives both directions of a flow (and, with its defragmentation flag,
//! every fragment of a datagram) to the same worker. A worker decodes the frames straight from
//! its ring (no copy), tracks them in its own flow table shard and runs the rest of the
//! pipeline as in replay.
//!
//! Backpressure: a worker that falls behind leaves its ring full and the kernel drops packets
//! for that socket, counting them (PACKET_STATISTICS): capture never stalls, and the drops show
//! per interface and per worker. Time: packet time drives flows as in replay, but when a link
//! stays quiet the worker moves its clock with the wall clock (kernel timestamps are wall-clock
//! times), so flows still time out and their records come out.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::capture::afpacket::{reinsert_vlan, AfPacketSocket, Fanout, RingConfig};
use crate::capture::filter::CaptureFilter;
use crate::counters::{IfaceCounters, Registry};
use crate::decode::DefragConfig;
use crate::detect::reload::EngineHandle;
use crate::flow::FlowTableConfig;
use crate::output::sink::Outputs;
use crate::session::AppConfig;
use crate::time::Timestamp;

use super::decode_stage::FrameMeta;
use super::worker::{WorkerCore, WorkerSetup, WorkerStats};

/// How long a worker waits for packets before it looks at its buffer, counters and clock.
const POLL: Duration = Duration::from_millis(100);
/// A link quiet this long gets its packet clock moved by the wall clock.
const IDLE_AFTER: Duration = Duration::from_secs(1);
/// The ring's block timeout (a partly filled block is handed over after it): bounds latency
/// at low rates.
const RING_BLOCK_TIMEOUT_MS: u32 = 10;
/// Blocks taken from one ring before the worker attends to its other rings and its output.
const BLOCKS_PER_ROUND: usize = 8;

/// What a live run needs besides its sockets.
#[derive(Clone, Debug)]
pub struct LiveConfig {
    pub interfaces: Vec<String>,
    pub ring: RingConfig,
    pub workers: usize,
    pub flow: FlowTableConfig,
    pub defrag: DefragConfig,
    pub app: Option<AppConfig>,
    pub engine: Option<Arc<EngineHandle>>,
    /// The built-in capture filter (when the kernel does not filter: builds without libpcap).
    pub filter: Option<Arc<CaptureFilter>>,
    /// Write records of flows nobody answered (counted either way).
    pub log_unanswered: bool,
    /// The behaviour stage's settings; `None` runs without it.
    pub behaviour: Option<Arc<crate::behaviour::BehaviourConfig>>,
}

/// The capture sockets, opened before privileges are dropped: `sockets[worker][interface]`.
pub struct LiveSockets {
    sockets: Vec<Vec<AfPacketSocket>>,
}

impl LiveSockets {
    /// Opens one ring per worker and interface, each interface's rings in one fanout group.
    /// Errors name the interface and the step that failed.
    pub fn open(config: &LiveConfig) -> Result<LiveSockets, String> {
        let workers = config.workers.max(1);
        let mut sockets: Vec<Vec<AfPacketSocket>> = (0..workers).map(|_| Vec::new()).collect();
        for (i, iface) in config.interfaces.iter().enumerate() {
            let mut ring = config.ring.clone();
            ring.block_timeout_ms = RING_BLOCK_TIMEOUT_MS;
            // Group ids are per network namespace: derive them from the process id so two
            // sensors on one host do not share (and split) each other's traffic.
            ring.fanout = (workers > 1).then(|| Fanout {
                group_id: (std::process::id() as u16).wrapping_add((i as u16).wrapping_mul(97)),
            });
            for w in sockets.iter_mut() {
                w.push(AfPacketSocket::open(iface, &ring).map_err(|e| e.to_string())?);
            }
        }
        Ok(LiveSockets { sockets })
    }

    /// Attaches a classic BPF program (a compiled capture filter) to every socket.
    pub fn attach_filter(&self, prog: &[libc::sock_filter]) -> Result<(), String> {
        for s in self.sockets.iter().flatten() {
            s.attach_filter(prog)
                .map_err(|e| format!("{}: attaching the capture filter: {e}", s.iface()))?;
        }
        Ok(())
    }

    /// The link type of each interface (from the first worker's sockets).
    pub fn link_types(&self) -> Vec<crate::capture::LinkType> {
        self.sockets
            .first()
            .map(|w| w.iter().map(|s| s.link_type()).collect())
            .unwrap_or_default()
    }
}

/// Runs the workers on their sockets until a stop is requested (SIGTERM, SIGINT), then ends
/// every flow, writes everything out and returns the merged worker counters and how many
/// workers failed.
pub fn run(
    sockets: LiveSockets,
    config: &LiveConfig,
    outputs: Arc<Outputs>,
    registry: Arc<Registry>,
) -> (WorkerStats, usize) {
    let n = sockets.sockets.len();
    let mut flow = config.flow;
    flow.max_flows = (config.flow.max_flows / n).max(1);
    let mut handles = Vec::with_capacity(n);
    let (stage, mut taps) = match (&config.behaviour, &config.app) {
        (Some(b), Some(_)) => {
            let (stage, taps) = crate::behaviour::spawn(
                b.clone(),
                n,
                outputs.clone(),
                Some(registry.clone()),
                true,
            );
            (Some(stage), taps.into_iter().map(Some).collect())
        }
        _ => (None, (0..n).map(|_| None).collect::<Vec<_>>()),
    };
    let expectations: Arc<crate::app::ftp_data::Expectations> = Arc::default();
    for (i, socks) in sockets.sockets.into_iter().enumerate() {
        let setup = WorkerSetup {
            index: i,
            flow,
            app: config.app,
            engine: config.engine.clone(),
            decode: Some(config.defrag),
            filter: config.filter.clone(),
            outputs: outputs.clone(),
            registry: registry.clone(),
            log_unanswered: config.log_unanswered,
            behaviour: taps[i].take(),
            expectations: expectations.clone(),
        };
        let handle = thread::Builder::new()
            .name(format!("worker-{i}"))
            .spawn(move || live_worker(WorkerCore::new(setup), socks))
            .expect("spawn worker thread");
        handles.push(handle);
    }
    registry.set_ready(true);
    let mut total = WorkerStats::default();
    let mut failed = 0;
    for h in handles {
        match h.join() {
            Ok(s) => total.add(&s),
            Err(_) => {
                failed += 1;
                registry.worker_panicked();
            }
        }
    }
    registry.set_ready(false);
    if let Some(s) = stage {
        s.join();
    }
    outputs.flush();
    (total, failed)
}

/// Wall-clock time as packet time (what the kernel stamps packets with).
fn wall_now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_secs_nanos(d.as_secs(), d.subsec_nanos())
}

fn live_worker(mut core: WorkerCore, mut socks: Vec<AfPacketSocket>) -> WorkerStats {
    use std::os::fd::AsRawFd;
    let links: Vec<_> = socks.iter().map(|s| s.link_type()).collect();
    let mut fds: Vec<libc::pollfd> = socks
        .iter()
        .map(|s| libc::pollfd {
            fd: s.as_raw_fd(),
            events: libc::POLLIN | libc::POLLERR,
            revents: 0,
        })
        .collect();
    let mut ifaces = vec![IfaceCounters::default(); socks.len()];
    let mut scratch = Vec::new();
    let mut last_packet = Instant::now();
    let mut last_kernel_stats = Instant::now();
    loop {
        if crate::signals::stop_requested() {
            break;
        }
        core.refresh_rules();
        let mut got = false;
        for (i, sock) in socks.iter_mut().enumerate() {
            got |= take_blocks(
                &mut core,
                sock,
                links[i],
                &mut ifaces[i],
                &mut scratch,
                BLOCKS_PER_ROUND,
            );
        }
        let now = Instant::now();
        if got {
            last_packet = now;
        } else {
            wait_any(&mut socks, &mut fds, POLL);
            if last_packet.elapsed() >= IDLE_AFTER {
                core.tick_clock(wall_now());
            }
        }
        if now.saturating_duration_since(last_kernel_stats) >= POLL {
            last_kernel_stats = now;
            read_kernel_stats(&mut socks, &mut ifaces);
        }
        core.settle_behaviour();
        core.tick(Instant::now(), Some(&ifaces));
    }
    // What is still in the rings arrived before the stop: take it too, including a block the
    // kernel is still filling (it hands it over after the block timeout).
    let settle = Duration::from_millis(3 * RING_BLOCK_TIMEOUT_MS as u64);
    let until = Instant::now() + settle;
    while Instant::now() < until {
        drain_all(&mut core, &mut socks, &links, &mut ifaces, &mut scratch);
        wait_any(
            &mut socks,
            &mut fds,
            until.saturating_duration_since(Instant::now()),
        );
    }
    drain_all(&mut core, &mut socks, &links, &mut ifaces, &mut scratch);
    read_kernel_stats(&mut socks, &mut ifaces);
    let clock = core.clock;
    core.finish(clock, Some(&ifaces))
}

/// Processes up to `max_blocks` blocks the kernel has handed over on one socket; true when
/// there was any.
fn take_blocks(
    core: &mut WorkerCore,
    sock: &mut AfPacketSocket,
    link: crate::capture::LinkType,
    iface: &mut IfaceCounters,
    scratch: &mut Vec<u8>,
    max_blocks: usize,
) -> bool {
    let mut got = false;
    for _ in 0..max_blocks {
        let Some(block) = sock.next_block() else {
            break;
        };
        let started = Instant::now();
        core.arrived(started);
        got = true;
        for p in block.packets() {
            let (frame, wire_len) = match p.vlan {
                // The kernel took the outer tag off: put it back so the frame decodes as it
                // was on the wire (VLAN ids are part of the flow key).
                Some((tpid, tci)) => (reinsert_vlan(p.data, tpid, tci, scratch), p.wire_len + 4),
                None => (p.data, p.wire_len),
            };
            iface.packets += 1;
            iface.bytes += wire_len as u64;
            iface.last_packet = iface.last_packet.max(p.ts);
            let meta = FrameMeta {
                ts: p.ts,
                pcap_cnt: 0,
                link,
                wire_len: wire_len as u64,
            };
            core.frame(meta, frame);
        }
        drop(block);
        core.add_busy(started.elapsed());
    }
    got
}

/// Processes every block already handed to user space (at a stop).
fn drain_all(
    core: &mut WorkerCore,
    socks: &mut [AfPacketSocket],
    links: &[crate::capture::LinkType],
    ifaces: &mut [IfaceCounters],
    scratch: &mut Vec<u8>,
) {
    for (i, sock) in socks.iter_mut().enumerate() {
        take_blocks(core, sock, links[i], &mut ifaces[i], scratch, usize::MAX);
    }
}

fn read_kernel_stats(socks: &mut [AfPacketSocket], ifaces: &mut [IfaceCounters]) {
    for (s, c) in socks.iter_mut().zip(ifaces.iter_mut()) {
        if let Ok(k) = s.stats() {
            c.kernel_packets = k.packets;
            c.kernel_drops = k.drops;
        }
    }
}

/// Waits until any of the sockets has a block ready, or `timeout`.
fn wait_any(socks: &mut [AfPacketSocket], fds: &mut [libc::pollfd], timeout: Duration) {
    if let [one] = socks {
        let _ = one.wait(timeout);
        return;
    }
    // SAFETY: `fds` is a valid array of pollfd for the duration of the call.
    unsafe {
        libc::poll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            timeout.as_millis() as libc::c_int,
        )
    };
}
