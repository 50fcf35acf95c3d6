//! Live capture through libpcap (`libpcap` feature): the backend for systems without
//! AF_PACKET, and `sensor run --capture-backend pcap` anywhere. It is a [`PacketSource`] like a
//! capture file, so it runs on the replay pipeline: one reader thread takes packets from every
//! interface in turn and dispatches them to the workers by flow hash.
//!
//! Backpressure is libpcap's: when the workers fall behind, the reader waits on their queues,
//! the capture buffer fills and the kernel drops and counts (`pcap_stats`), so capture never
//! blocks the kernel. When no packet arrives the source reports the wall-clock time
//! ([`PacketSource::idle_clock`]), so flows still time out on a quiet link.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use std::os::fd::AsRawFd;

use pcap::{Active, Capture, Precision};

/// Interfaces waited on at once (more are read, but only these wake a quiet wait).
const MAX_POLL: usize = 16;

use super::{CaptureError, CaptureErrorKind, LinkType, PacketRecord, PacketSource, SkipCounters};
use crate::counters::IfaceCounters;
use crate::time::Timestamp;

/// libpcap's read timeout. On Linux's TPACKET_V3 it only bounds how long a partly filled
/// block waits; the handles are non-blocking and waited on with poll(2) here, because
/// libpcap's own wait there has no timeout (a stop would never be noticed on a quiet link).
const READ_TIMEOUT_MS: i32 = 10;
/// How long a quiet source waits for packets before it reports itself idle.
const IDLE_WAIT_MS: i32 = 100;

/// What the handles are opened with.
#[derive(Clone, Debug)]
pub struct PcapLiveConfig {
    pub snaplen: u32,
    pub promiscuous: bool,
    /// Kernel buffer per interface, bytes.
    pub buffer_bytes: u32,
    /// tcpdump syntax, compiled and applied by libpcap.
    pub filter: Option<String>,
}

struct Handle {
    name: String,
    cap: Capture<Active>,
    link: LinkType,
    counters: IfaceCounters,
}

pub struct PcapLiveSource {
    handles: Vec<Handle>,
    /// The interface the staged packet came from, and the next to read.
    next: usize,
    staged: Option<usize>,
    buf: Vec<u8>,
    ts: Timestamp,
    wire_len: u32,
    /// Consecutive read timeouts: every handle timed out once means the link is quiet.
    idle_rounds: usize,
}

fn error(iface: &str, what: &str, e: impl std::fmt::Display) -> CaptureError {
    CaptureError {
        path: PathBuf::from(iface),
        offset: 0,
        kind: CaptureErrorKind::Io(std::io::Error::other(format!("{what}: {e}"))),
    }
}

impl PcapLiveSource {
    /// Opens every interface; errors name the interface and libpcap's reason.
    pub fn open(interfaces: &[String], config: &PcapLiveConfig) -> Result<Self, CaptureError> {
        let mut handles = Vec::with_capacity(interfaces.len());
        for name in interfaces {
            let cap = Capture::from_device(name.as_str())
                .map_err(|e| error(name, "libpcap", e))?
                .promisc(config.promiscuous)
                .snaplen(config.snaplen.min(i32::MAX as u32) as i32)
                .buffer_size(config.buffer_bytes.min(i32::MAX as u32) as i32)
                .immediate_mode(true)
                .timeout(READ_TIMEOUT_MS)
                .precision(Precision::Nano)
                .open()
                .and_then(|c| c.setnonblock())
                .map_err(|e| error(name, "opening the capture", e))?;
            let mut cap = cap;
            if let Some(f) = &config.filter {
                cap.filter(f, true)
                    .map_err(|e| error(name, &format!("capture filter `{f}`"), e))?;
            }
            let link = LinkType::from_dlt(cap.get_datalink().0 as u32);
            handles.push(Handle {
                name: name.clone(),
                cap,
                link,
                counters: IfaceCounters::default(),
            });
        }
        Ok(PcapLiveSource {
            handles,
            next: 0,
            staged: None,
            buf: Vec::with_capacity(65_536),
            ts: Timestamp::ZERO,
            wire_len: 0,
            idle_rounds: 0,
        })
    }
}

impl PacketSource for PcapLiveSource {
    /// Stages the next packet of any interface; `Ok(true)` with no packet staged when every
    /// interface stayed quiet for a read timeout (see `idle_clock`), `Ok(false)` never: a live
    /// capture ends by a stop request, which the pipeline checks.
    fn advance(&mut self) -> Result<bool, CaptureError> {
        self.staged = None;
        let n = self.handles.len();
        if n == 0 {
            return Ok(false);
        }
        for _ in 0..n {
            let i = self.next;
            self.next = (self.next + 1) % n;
            let h = &mut self.handles[i];
            match h.cap.next_packet() {
                Ok(p) => {
                    let secs = p.header.ts.tv_sec.max(0) as u64;
                    // With nanosecond precision, tv_usec holds nanoseconds.
                    let nanos = p.header.ts.tv_usec.clamp(0, 999_999_999) as u32;
                    self.ts = Timestamp::from_secs_nanos(secs, nanos);
                    self.wire_len = p.header.len.max(p.data.len() as u32);
                    self.buf.clear();
                    self.buf.extend_from_slice(p.data);
                    h.counters.packets += 1;
                    h.counters.bytes += self.wire_len as u64;
                    h.counters.last_packet = h.counters.last_packet.max(self.ts);
                    self.staged = Some(i);
                    self.idle_rounds = 0;
                    return Ok(true);
                }
                Err(pcap::Error::TimeoutExpired) => {}
                Err(e) => return Err(error(&h.name, "reading", e)),
            }
        }
        // Nothing ready anywhere: wait for any interface, then report idle (no packet staged)
        // so the pipeline can notice a stop and move its clock.
        let mut fds: [libc::pollfd; MAX_POLL] = [libc::pollfd {
            fd: -1,
            events: 0,
            revents: 0,
        }; MAX_POLL];
        for (fd, h) in fds.iter_mut().zip(&self.handles) {
            fd.fd = h.cap.as_raw_fd();
            fd.events = libc::POLLIN;
        }
        let count = n.min(MAX_POLL) as libc::nfds_t;
        // SAFETY: `fds` holds `count` valid entries for the duration of the call.
        unsafe { libc::poll(fds.as_mut_ptr(), count, IDLE_WAIT_MS) };
        self.idle_rounds += 1;
        Ok(true)
    }

    fn current(&self) -> Option<PacketRecord<'_>> {
        let i = self.staged?;
        Some(PacketRecord {
            ts: self.ts,
            link: self.handles[i].link,
            wire_len: self.wire_len,
            data: &self.buf,
            shared: None,
        })
    }

    fn bytes_read(&self) -> u64 {
        0
    }

    fn total_bytes(&self) -> Option<u64> {
        None
    }

    fn skipped(&self) -> SkipCounters {
        SkipCounters::default()
    }

    fn take_warnings(&mut self) -> Vec<CaptureError> {
        Vec::new()
    }

    fn idle_clock(&self) -> Option<Timestamp> {
        (self.idle_rounds > 0 && self.staged.is_none()).then(|| {
            let d = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            Timestamp::from_secs_nanos(d.as_secs(), d.subsec_nanos())
        })
    }

    fn interface_counters(&mut self, out: &mut Vec<IfaceCounters>) {
        out.clear();
        for h in &mut self.handles {
            if let Ok(s) = h.cap.stats() {
                // libpcap's counters are 32-bit and wrap; they are read often enough that a
                // wrap shows as a step back, which is carried into the upper bits.
                h.counters.kernel_packets = widen(h.counters.kernel_packets, s.received);
                h.counters.kernel_drops = widen(
                    h.counters.kernel_drops,
                    s.dropped.saturating_add(s.if_dropped),
                );
            }
            out.push(h.counters);
        }
    }
}

/// Extends a wrapping 32-bit counter reading to 64 bits, given the previous 64-bit value.
fn widen(prev: u64, now: u32) -> u64 {
    let high = prev & !0xffff_ffff;
    let candidate = high | now as u64;
    if candidate < prev {
        candidate + (1 << 32)
    } else {
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_carries_wraps() {
        assert_eq!(widen(0, 5), 5);
        assert_eq!(widen(0xffff_fff0, 3), 0x1_0000_0003);
        assert_eq!(widen(0x1_0000_0003, 10), 0x1_0000_000a);
    }

    #[test]
    fn a_missing_interface_is_named() {
        let config = PcapLiveConfig {
            snaplen: 65535,
            promiscuous: false,
            buffer_bytes: 1 << 20,
            filter: None,
        };
        let e = PcapLiveSource::open(&["sxnope7".to_string()], &config)
            .err()
            .expect("no such interface");
        assert!(e.to_string().contains("sxnope7"), "{e}");
    }
}
