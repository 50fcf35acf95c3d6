//! The decode stage's counters, and what a replay returns. Every output of counters (the
//! EVE `stats` record, Prometheus, the summary line) reads `crate::counters` instead.

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

/// Everything a replay counted (for library callers; the outputs read `crate::counters`).
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
    /// What the behaviour stage counted, when it ran.
    pub behaviour: Option<crate::behaviour::StageStats>,
}
