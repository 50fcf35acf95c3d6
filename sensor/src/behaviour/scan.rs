//! Scans and sweeps: per source, the distinct hosts it failed to reach (unanswered or
//! rejected attempts, TCP or UDP) and the distinct hosts it pinged (horizontal, sweeps); per
//! source and target, the distinct ports probed without a conversation (vertical). Windows of
//! `scan_window_secs`; sets are capped just above what the thresholds need.

use std::net::IpAddr;

use hashbrown::HashSet;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::{Conn, FlowSummary, Outcome};
use super::table::Bounded;
use super::util::fnv1a;
use crate::time::Timestamp;

/// Most distinct items a set keeps (enough to decide and to report).
const SET_CAP: usize = 1024;

#[derive(Default)]
struct Source {
    window_start: u64,
    failed_hosts: HashSet<IpAddr>,
    ok_hosts: HashSet<IpAddr>,
    ping_hosts: HashSet<IpAddr>,
    failed: u64,
    rejected: u64,
    udp: u64,
    alerted_horizontal: bool,
}

#[derive(Default)]
struct Pair {
    window_start: u64,
    ports: HashSet<u16>,
    rejected: u64,
    half_open: u64,
}

pub struct Scan {
    sources: Bounded<IpAddr, Source>,
    pairs: Bounded<(IpAddr, IpAddr), Pair>,
}

fn key_hash(ip: &IpAddr) -> u64 {
    match ip {
        IpAddr::V4(a) => fnv1a(&a.octets()),
        IpAddr::V6(a) => fnv1a(&a.octets()),
    }
}

impl Scan {
    pub fn new(cap: usize) -> Scan {
        Scan {
            sources: Bounded::new(cap),
            pairs: Bounded::new(cap),
        }
    }

    /// Entities held now.
    pub fn len(&self) -> usize {
        self.sources.len() + self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn evicted(&self) -> u64 {
        self.sources.evicted + self.pairs.evicted
    }

    /// An answer seen before the flow ends (a DNS response): `server` counts as reached by
    /// `client` now. A UDP flow that got an answer stays open until its idle timeout, one
    /// that got none closes sooner; counting successes only at flow end would let a busy
    /// resolver's few lame servers look like a scan before its hundreds of good answers
    /// are counted.
    pub fn reached(
        &mut self,
        ts: Timestamp,
        client: IpAddr,
        server: IpAddr,
        cfg: &BehaviourConfig,
    ) {
        if !cfg.is_unicast(server) || cfg.host_allowed(client) {
            return;
        }
        let now = ts.secs();
        let src = self.sources.entry(&client, now, Source::default);
        if now >= src.window_start + cfg.t.scan_window_secs {
            *src = Source {
                window_start: now,
                ..Default::default()
            };
        }
        if src.ok_hosts.len() < SET_CAP {
            src.ok_hosts.insert(server);
        }
    }

    pub fn flow_end(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        s: &FlowSummary,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        // Hosts probed: TCP, UDP, ICMP to unicast addresses (multicast joins and broadcasts
        // go unanswered by design).
        if !matches!(c.proto, 1 | 6 | 17 | 58)
            || !cfg.is_unicast(c.server)
            || cfg.host_allowed(c.client)
            || cfg.destination_allowed(c.server)
        {
            return;
        }
        let t = &cfg.t;
        let now = ts.secs();
        let icmp = matches!(c.proto, 1 | 58);
        // Echo requests (v4 type 8, v6 type 128); other ICMP is errors and neighbour chatter.
        if icmp && !matches!((c.proto, s.icmp_type), (1, Some(8)) | (58, Some(128))) {
            return;
        }
        let icmp_echo = icmp;
        let failed = matches!(s.outcome, Outcome::Unanswered | Outcome::Rejected);
        // A SYN answered by SYN-ACK and never used: what a SYN scan leaves on open ports.
        let half_open =
            c.proto == 6 && s.outcome == Outcome::Answered && s.bytes[0] <= 200 && s.pkts[0] <= 3;
        let src = self.sources.entry(&c.client, now, Source::default);
        if now >= src.window_start + t.scan_window_secs {
            *src = Source {
                window_start: now,
                ..Default::default()
            };
        }
        if icmp_echo {
            if src.ping_hosts.len() < SET_CAP {
                src.ping_hosts.insert(c.server);
            }
            if src.ping_hosts.len() == t.scan_hosts {
                out.push(Alert {
                    ts,
                    sig: alert::SCAN_ICMP,
                    per_source: true,
                    src: c.client,
                    sport: 0,
                    dst: c.server,
                    dport: 0,
                    proto: c.proto,
                    entity: 0,
                    why: format!(
                        "{} pinged {} distinct hosts within {} s",
                        c.client,
                        src.ping_hosts.len(),
                        t.scan_window_secs
                    ),
                    evidence: vec![
                        format!("hosts={}", src.ping_hosts.len()),
                        format!("window_s={}", t.scan_window_secs),
                    ],
                    severity: None,
                });
            }
            return;
        }
        if failed || half_open {
            src.failed += 1;
            if s.outcome == Outcome::Rejected {
                src.rejected += 1;
            }
            if c.proto == 17 {
                src.udp += 1;
            }
            if src.failed_hosts.len() < SET_CAP {
                src.failed_hosts.insert(c.server);
            }
        } else if src.ok_hosts.len() < SET_CAP {
            src.ok_hosts.insert(c.server);
        }
        let nf = src.failed_hosts.len();
        // Mostly failures: a browser reaching many hosts succeeds with most of them.
        if (failed || half_open)
            && !src.alerted_horizontal
            && nf >= t.scan_hosts
            && nf >= 2 * src.ok_hosts.len()
        {
            src.alerted_horizontal = true;
            let (failed_n, rejected, udp) = (src.failed, src.rejected, src.udp);
            out.push(Alert {
                ts,
                sig: alert::SCAN_HORIZONTAL,
                per_source: true,
                src: c.client,
                sport: 0,
                dst: c.server,
                dport: c.sport,
                proto: c.proto,
                entity: 0,
                why: format!(
                    "{} failed to reach {} distinct hosts ({} attempts) within {} s, reaching {} others",
                    c.client, nf, failed_n, t.scan_window_secs, src.ok_hosts.len()
                ),
                evidence: vec![
                    format!("failed_hosts={nf}"),
                    format!("ok_hosts={}", src.ok_hosts.len()),
                    format!("failed_attempts={failed_n}"),
                    format!("rejected={rejected}"),
                    format!("udp_attempts={udp}"),
                    format!("window_s={}", t.scan_window_secs),
                ],
                severity: None,
            });
        }
        if !(failed || half_open) {
            return;
        }
        let pair = self.pairs.entry(&(c.client, c.server), now, Pair::default);
        if now >= pair.window_start + t.scan_window_secs {
            *pair = Pair {
                window_start: now,
                ..Default::default()
            };
        }
        if pair.ports.len() < SET_CAP {
            pair.ports.insert(c.sport);
        }
        if s.outcome == Outcome::Rejected {
            pair.rejected += 1;
        }
        if half_open {
            pair.half_open += 1;
        }
        if pair.ports.len() >= t.scan_ports {
            out.push(Alert {
                ts,
                sig: alert::SCAN_VERTICAL,
                src: c.client,
                sport: 0,
                dst: c.server,
                dport: 0,
                proto: c.proto,
                entity: key_hash(&c.server),
                why: format!(
                    "{} probed {} distinct ports of {} without a conversation within {} s",
                    c.client,
                    pair.ports.len(),
                    c.server,
                    t.scan_window_secs
                ),
                evidence: vec![
                    format!("ports={}", pair.ports.len()),
                    format!("rejected={}", pair.rejected),
                    format!("half_open={}", pair.half_open),
                    format!("window_s={}", t.scan_window_secs),
                ],
                severity: None,
                per_source: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::events::FlowSummary;

    fn conn(c: &str, s: &str, port: u16, proto: u8) -> Conn {
        Conn {
            client: c.parse().unwrap(),
            server: s.parse().unwrap(),
            cport: 40000,
            sport: port,
            proto,
        }
    }

    fn summary(outcome: Outcome) -> FlowSummary {
        FlowSummary {
            start: Timestamp(0),
            last: Timestamp(0),
            bytes: [60, 54],
            pkts: [1, 1],
            outcome,
            midstream: false,
            icmp_type: None,
        }
    }

    #[test]
    fn vertical_scan_alerts_once_threshold_met() {
        let cfg = BehaviourConfig::default();
        let mut s = Scan::new(1000);
        let mut out = Vec::new();
        for p in 1..=30u16 {
            s.flow_end(
                Timestamp(p as u64 * 10_000_000),
                &conn("198.51.100.200", "10.10.1.10", p, 6),
                &summary(Outcome::Rejected),
                &cfg,
                &mut out,
            );
        }
        assert!(out.iter().any(|a| a.sig.sid == alert::SCAN_VERTICAL.sid));
    }

    #[test]
    fn horizontal_and_sweep() {
        let cfg = BehaviourConfig::default();
        let mut s = Scan::new(1000);
        let mut out = Vec::new();
        for h in 1..=20u8 {
            let dst = format!("203.0.113.{h}");
            s.flow_end(
                Timestamp(h as u64 * 1_000_000_000),
                &conn("192.168.2.16", &dst, 23, 6),
                &summary(Outcome::Unanswered),
                &cfg,
                &mut out,
            );
            s.flow_end(
                Timestamp(h as u64 * 1_000_000_000),
                &conn("192.168.1.109", &format!("192.168.1.{h}"), 0, 1),
                &FlowSummary {
                    icmp_type: Some(8),
                    ..summary(Outcome::Conversation)
                },
                &cfg,
                &mut out,
            );
        }
        assert!(out.iter().any(|a| a.sig.sid == alert::SCAN_HORIZONTAL.sid));
        // Multicast groups and ICMP errors are not probed hosts.
        let mut quiet = Vec::new();
        let mut s2 = Scan::new(1000);
        for h in 1..=40u8 {
            let group = format!("239.0.0.{h}");
            s2.flow_end(
                Timestamp(h as u64),
                &conn("10.0.0.1", &group, 5000, 17),
                &summary(Outcome::Unanswered),
                &cfg,
                &mut quiet,
            );
            let unreach = FlowSummary {
                icmp_type: Some(3),
                ..summary(Outcome::Unanswered)
            };
            s2.flow_end(
                Timestamp(h as u64),
                &conn("10.0.0.2", &format!("192.0.2.{h}"), 0, 1),
                &unreach,
                &cfg,
                &mut quiet,
            );
        }
        assert!(quiet.is_empty());
        assert_eq!(
            out.iter()
                .filter(|a| a.sig.sid == alert::SCAN_ICMP.sid)
                .count(),
            1
        );
    }

    #[test]
    fn a_browser_with_a_few_failures_is_not_a_scan() {
        let cfg = BehaviourConfig::default();
        let mut s = Scan::new(1000);
        let mut out = Vec::new();
        for h in 1..=60u8 {
            let dst = format!("203.0.113.{h}");
            let o = if h % 4 == 0 {
                Outcome::Unanswered
            } else {
                Outcome::Conversation
            };
            s.flow_end(
                Timestamp(h as u64 * 1_000_000_000),
                &conn("10.10.3.11", &dst, 443, 6),
                &summary(o),
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
    }

    #[test]
    fn a_resolver_with_a_few_lame_servers_is_not_a_scan() {
        let cfg = BehaviourConfig::default();
        let mut s = Scan::new(1000);
        let mut out = Vec::new();
        let resolver: IpAddr = "10.10.0.53".parse().unwrap();
        // Answers arrive as they come; the answered flows end minutes later.
        for h in 1..=100u8 {
            let server = format!("192.0.2.{h}").parse().unwrap();
            s.reached(Timestamp(h as u64 * 1_000_000_000), resolver, server, &cfg);
        }
        for h in 1..=15u8 {
            s.flow_end(
                Timestamp((100 + h as u64) * 1_000_000_000),
                &conn("10.10.0.53", &format!("203.0.113.{h}"), 53, 17),
                &summary(Outcome::Unanswered),
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
        // Without the answers the same failures are a sweep.
        let mut s = Scan::new(1000);
        for h in 1..=15u8 {
            s.flow_end(
                Timestamp((100 + h as u64) * 1_000_000_000),
                &conn("10.10.0.53", &format!("203.0.113.{h}"), 53, 17),
                &summary(Outcome::Unanswered),
                &cfg,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1);
    }
}
