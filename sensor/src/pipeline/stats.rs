//! Counters of a run and the final EVE `stats` record.

use std::io::Write;
use std::time::Duration;

use crate::capture::SkipCounters;
use crate::decode::{DecodeError, Decoded, DefragStats, L4};
use crate::time::Timestamp;

use super::worker::WorkerStats;

/// What the reader counted while decoding.
#[derive(Clone, Copy, Debug)]
pub struct DecodeStats {
    pub packets: u64,
    pub bytes: u64,
    pub ipv4: u64,
    pub ipv6: u64,
    pub tcp: u64,
    pub udp: u64,
    pub icmpv4: u64,
    pub icmpv6: u64,
    pub other_ip: u64,
    pub vlan: u64,
    pub not_ip: u64,
    pub fragments: u64,
    pub errors: [u64; DecodeError::ALL.len()],
    pub first_ts: Timestamp,
}

impl Default for DecodeStats {
    fn default() -> Self {
        DecodeStats {
            packets: 0,
            bytes: 0,
            ipv4: 0,
            ipv6: 0,
            tcp: 0,
            udp: 0,
            icmpv4: 0,
            icmpv6: 0,
            other_ip: 0,
            vlan: 0,
            not_ip: 0,
            fragments: 0,
            errors: [0; DecodeError::ALL.len()],
            first_ts: Timestamp::ZERO,
        }
    }
}

impl DecodeStats {
    pub fn add(&mut self, o: &DecodeStats) {
        if self.packets == 0 || (o.packets > 0 && o.first_ts < self.first_ts) {
            self.first_ts = o.first_ts;
        }
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.ipv4 += o.ipv4;
        self.ipv6 += o.ipv6;
        self.tcp += o.tcp;
        self.udp += o.udp;
        self.icmpv4 += o.icmpv4;
        self.icmpv6 += o.icmpv6;
        self.other_ip += o.other_ip;
        self.vlan += o.vlan;
        self.not_ip += o.not_ip;
        self.fragments += o.fragments;
        for (a, b) in self.errors.iter_mut().zip(o.errors.iter()) {
            *a += b;
        }
    }

    #[inline]
    pub fn count_l4(&mut self, d: &Decoded) {
        if d.src.is_ipv4() {
            self.ipv4 += 1;
        } else {
            self.ipv6 += 1;
        }
        if d.vlan_count > 0 {
            self.vlan += 1;
        }
        match d.l4 {
            L4::Tcp(_) => self.tcp += 1,
            L4::Udp(_) => self.udp += 1,
            L4::Icmp(_) if d.ip_proto == 1 => self.icmpv4 += 1,
            L4::Icmp(_) => self.icmpv6 += 1,
            L4::Sctp(_) | L4::None => self.other_ip += 1,
        }
    }

    pub fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }
}

/// Everything a replay counted.
#[derive(Clone, Debug)]
pub struct ReplayStats {
    pub capture_bytes_read: u64,
    pub skipped: SkipCounters,
    pub decode: DecodeStats,
    pub defrag: DefragStats,
    pub workers: WorkerStats,
    pub worker_count: usize,
    pub worker_panics: usize,
    pub max_flows: u64,
    pub first_ts: Timestamp,
    pub last_ts: Timestamp,
    pub elapsed: Duration,
    pub eve_bytes: u64,
    pub eve_lost_bytes: u64,
    pub eve_errors: u64,
}

impl ReplayStats {
    pub fn flows(&self) -> u64 {
        self.workers.flows.created
    }

    pub fn packets_per_sec(&self) -> f64 {
        self.decode.packets as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn gbit_per_sec(&self) -> f64 {
        self.decode.bytes as f64 * 8.0 / 1e9 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Input that was damaged and stepped over.
    pub fn input_damaged(&self) -> bool {
        let s = &self.skipped;
        s.bad_records + s.truncated_records + s.bytes_skipped > 0
    }

    /// The final `stats` record (one line). Throughput fields are the only ones that depend on
    /// the machine; everything else depends on the input alone.
    pub fn write_eve(&self, out: &mut Vec<u8>) {
        let d = &self.decode;
        let s = &self.skipped;
        let f = &self.workers.flows;
        let _ = write!(
            out,
            "{{\"timestamp\":\"{}\",\"event_type\":\"stats\",\"stats\":{{",
            self.last_ts.eve()
        );
        let _ = write!(
            out,
            "\"capture\":{{\"bytes_read\":{},\"bad_records\":{},\"bytes_skipped\":{},\"truncated_records\":{},\"unknown_blocks\":{}}}",
            self.capture_bytes_read, s.bad_records, s.bytes_skipped, s.truncated_records, s.unknown_blocks
        );
        let _ = write!(
            out,
            ",\"decoder\":{{\"pkts\":{},\"bytes\":{},\"ipv4\":{},\"ipv6\":{},\"tcp\":{},\"udp\":{},\"icmpv4\":{},\"icmpv6\":{},\"other_ip\":{},\"vlan\":{},\"not_ip\":{},\"invalid\":{}",
            d.packets, d.bytes, d.ipv4, d.ipv6, d.tcp, d.udp, d.icmpv4, d.icmpv6, d.other_ip, d.vlan, d.not_ip, d.error_total()
        );
        out.extend_from_slice(b",\"errors\":{");
        for (i, kind) in DecodeError::ALL.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "\"{}\":{}", kind.name(), d.errors[kind.index()]);
        }
        let g = &self.defrag;
        let _ = write!(
            out,
            "}},\"defrag\":{{\"fragments\":{},\"reassembled\":{},\"timeouts\":{},\"evicted\":{},\"overlaps\":{},\"too_large\":{},\"invalid\":{}}}}}",
            g.fragments, g.reassembled, g.timeouts, g.evicted, g.overlaps, g.too_large, g.invalid
        );
        let w = &self.workers;
        let _ = write!(
            out,
            ",\"flow\":{{\"total\":{},\"tcp\":{},\"udp\":{},\"icmp\":{},\"other\":{},\"ended\":{{\"timeout\":{},\"forced\":{},\"shutdown\":{},\"tcp_reuse\":{}}},\"evictions\":{},\"max_flows\":{},\"peak_active\":{}}}",
            f.created, w.flows_tcp, w.flows_udp, w.flows_icmp, w.flows_other, f.ended_timeout, f.ended_forced, f.ended_shutdown, f.ended_tcp_reuse, f.ended_forced, self.max_flows, f.peak_active
        );
        let a = &w.app;
        let st = &a.stream;
        let _ = write!(
            out,
            ",\"app_layer\":{{\"flow\":{{\"http\":{},\"tls\":{},\"dns_udp\":{},\"dns_tcp\":{},\"failed\":{}}},\"tx\":{{\"http\":{},\"tls\":{},\"dns\":{}}},\"dns_errors\":{}}}",
            a.flows_http, a.flows_tls, a.flows_dns_udp, a.flows_dns_tcp, a.flows_failed, a.http_tx, a.tls_handshakes, a.dns_messages, a.dns_errors
        );
        let _ = write!(
            out,
            ",\"stream\":{{\"segments\":{},\"in_order\":{},\"out_of_order\":{},\"retransmissions\":{},\"overlaps\":{},\"gaps\":{},\"gap_bytes\":{},\"depth_reached\":{},\"memcap_drops\":{},\"midstream_pickups\":{},\"peak_held_bytes\":{}}}",
            st.segments, st.in_order, st.out_of_order, st.retransmissions, st.overlaps, st.gaps, st.gap_bytes, st.depth_reached, st.memcap_drops, st.midstream_pickups, st.peak_held_bytes
        );
        let _ = write!(out, ",\"detect\":{{\"alerts\":{}}}", w.alerts);
        let _ = write!(
            out,
            ",\"output\":{{\"records\":{},\"lost_bytes\":{},\"errors\":{}}}",
            w.records, self.eve_lost_bytes, self.eve_errors
        );
        let _ = write!(
            out,
            ",\"throughput\":{{\"workers\":{},\"wall_seconds\":{:.3},\"pkts_per_sec\":{:.0},\"gbit_per_sec\":{:.3}}}",
            self.worker_count,
            self.elapsed.as_secs_f64(),
            self.packets_per_sec(),
            self.gbit_per_sec()
        );
        out.extend_from_slice(b"}}\n");
    }

    /// The one-line summary printed on stderr at the end.
    pub fn summary(&self) -> String {
        format!(
            "{} packets, {:.1} MB, {} flows ({} tcp, {} udp, {} icmp, {} other), {} alerts, {} decode errors, {} not IP, {} evicted; {:.2} s, {:.2} Mpkt/s, {:.2} Gbit/s, {} workers",
            self.decode.packets,
            self.decode.bytes as f64 / 1e6,
            self.flows(),
            self.workers.flows_tcp,
            self.workers.flows_udp,
            self.workers.flows_icmp,
            self.workers.flows_other,
            self.workers.alerts,
            self.decode.error_total(),
            self.decode.not_ip,
            self.workers.flows.ended_forced,
            self.elapsed.as_secs_f64(),
            self.packets_per_sec() / 1e6,
            self.gbit_per_sec(),
            self.worker_count
        )
    }
}
