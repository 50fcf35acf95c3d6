//! Exfiltration by volume. Per inside host and outside host, the bytes the inside host sent
//! and received over a sliding window (two half-window buckets), fed by flow progress while
//! flows last and by their ends: so a 60 MB upload is seen while it happens, and data pulled
//! through many short connections adds up (also over TLS: only byte counts are used).
//!
//! - inside host as client: a large upload, or a smaller one that dominates the exchange
//!   (ratio) on an unusual port or to a destination first contacted within the window;
//! - inside host as server (a protected server, an inside host that accepted the connection):
//!   an outside client pulling more than its role allows, or pushing data out on an unusual
//!   port (a DCC send, a reverse shell's upload).

use std::net::IpAddr;

use hashbrown::HashMap;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::{Conn, FlowSummary};
use super::table::Bounded;
use crate::time::Timestamp;

/// Ports where large transfers are ordinary.
fn usual_port(p: u16) -> bool {
    matches!(p, 80 | 443 | 8080 | 8443 | 993 | 995 | 853 | 21 | 20 | 990)
}

#[derive(Default)]
struct Volume {
    bucket_start: u64,
    out: [u64; 2],
    inn: [u64; 2],
    first_seen: u64,
    /// The inside host acted as the server in most of the bytes.
    as_server_out: u64,
    port: u16,
    unusual: bool,
    flows: u64,
    alerted: bool,
}

impl Volume {
    fn roll(&mut self, now: u64, half: u64) {
        if now >= self.bucket_start + 2 * half {
            self.out = [0, 0];
            self.inn = [0, 0];
            self.as_server_out = 0;
            self.bucket_start = now;
            self.alerted = false;
        } else if now >= self.bucket_start + half {
            self.out = [self.out[1], 0];
            self.inn = [self.inn[1], 0];
            self.bucket_start += half;
        }
    }
    fn out(&self) -> u64 {
        self.out[0] + self.out[1]
    }
    fn inn(&self) -> u64 {
        self.inn[0] + self.inn[1]
    }
}

/// What the outside clients of one inside server received within the window: the baseline
/// that makes one client's volume unusual.
#[derive(Default)]
struct Clients {
    window_start: u64,
    bytes: HashMap<IpAddr, u64>,
}

/// Clients remembered per server (beyond it new clients are not added to the baseline).
const CLIENTS_CAP: usize = 512;
/// Other clients needed before a baseline means anything.
const BASELINE_MIN_CLIENTS: usize = 3;

impl Clients {
    /// Median volume of the clients other than `who`.
    fn median_without(&self, who: IpAddr, scratch: &mut Vec<f64>) -> Option<f64> {
        scratch.clear();
        scratch.extend(
            self.bytes
                .iter()
                .filter(|(ip, _)| **ip != who)
                .map(|(_, b)| *b as f64),
        );
        if scratch.len() < BASELINE_MIN_CLIENTS {
            return None;
        }
        super::util::median(scratch)
    }
}

pub struct Exfil {
    pairs: Bounded<(IpAddr, IpAddr), Volume>,
    servers: Bounded<IpAddr, Clients>,
    scratch: Vec<f64>,
    /// Bytes of flows already counted from progress events.
    reported: Bounded<Conn, [u64; 2]>,
}

impl Exfil {
    pub fn new(cap: usize) -> Exfil {
        Exfil {
            pairs: Bounded::new(cap),
            servers: Bounded::new(cap / 16),
            scratch: Vec::new(),
            reported: Bounded::new(cap),
        }
    }

    /// Entities held now.
    pub fn len(&self) -> usize {
        self.pairs.len() + self.reported.len() + self.servers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn evicted(&self) -> u64 {
        self.pairs.evicted + self.reported.evicted + self.servers.evicted
    }

    /// Progress of a long flow (`end`: false) or its end (true).
    pub fn flow(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        s: &FlowSummary,
        end: bool,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        let client_home = cfg.is_home(c.client);
        let server_home = cfg.is_home(c.server);
        let outside_ok = if client_home {
            cfg.is_external(c.server)
        } else {
            cfg.is_external(c.client)
        };
        if client_home == server_home || !outside_ok {
            return;
        }
        let now = ts.secs();
        // The bytes not yet counted.
        let before = if end {
            self.reported.remove(c).unwrap_or([0; 2])
        } else {
            let r = self.reported.entry(c, now, || [0; 2]);
            std::mem::replace(r, s.bytes)
        };
        let delta = [
            s.bytes[0].saturating_sub(before[0]),
            s.bytes[1].saturating_sub(before[1]),
        ];
        let (inside, outside, sent, recv) = if client_home {
            (c.client, c.server, delta[0], delta[1])
        } else {
            (c.server, c.client, delta[1], delta[0])
        };
        if sent == 0 && recv == 0 {
            return;
        }
        if cfg.host_allowed(inside) || cfg.destination_allowed(outside) {
            return;
        }
        let t = &cfg.t;
        let half = (t.exfil_window_secs / 2).max(1);
        // The server's baseline: what each of its outside clients received.
        let mut client_total = 0;
        let mut baseline = None;
        if !client_home {
            let srv = self.servers.entry(&inside, now, Clients::default);
            if now >= srv.window_start + t.exfil_window_secs {
                *srv = Clients {
                    window_start: now,
                    ..Default::default()
                };
            }
            if srv.bytes.len() < CLIENTS_CAP || srv.bytes.contains_key(&outside) {
                let b = srv.bytes.entry(outside).or_insert(0);
                *b += sent;
                client_total = *b;
            }
            if client_total >= t.pull_bytes_unusual {
                baseline = srv.median_without(outside, &mut self.scratch);
            }
        }
        let v = self.pairs.entry(&(inside, outside), now, || Volume {
            bucket_start: now,
            first_seen: now,
            ..Default::default()
        });
        v.roll(now, half);
        v.out[1] += sent;
        v.inn[1] += recv;
        if !client_home {
            v.as_server_out += sent;
        }
        if end {
            v.flows += 1;
        }
        if !usual_port(c.sport) {
            v.unusual = true;
            v.port = c.sport;
        } else if v.port == 0 {
            v.port = c.sport;
        }
        if v.alerted {
            return;
        }
        let o = v.out();
        let i = v.inn();
        let ratio = o as f64 / i.max(1) as f64;
        let new_dest = now.saturating_sub(v.first_seen) <= t.exfil_window_secs;
        let pulled = v.as_server_out * 2 > o;
        let unusual_pull = baseline.is_some_and(|m| {
            client_total >= t.pull_bytes_unusual
                && client_total as f64 >= t.pull_baseline_factor * m.max(1.0)
        });
        let (sig, why) = if pulled && !client_home && unusual_pull {
            let m = baseline.unwrap_or(0.0);
            (
                alert::EXFIL_PULL,
                format!(
                    "{outside} pulled {client_total} bytes from {inside} within {} s, {:.0} times the median of its other clients ({m:.0} bytes)",
                    t.exfil_window_secs,
                    client_total as f64 / m.max(1.0)
                ),
            )
        } else if pulled && !client_home && o >= cfg.pull_bytes(inside) {
            (
                alert::EXFIL_PULL,
                format!(
                    "{outside} pulled {o} bytes from {inside} within {} s",
                    t.exfil_window_secs
                ),
            )
        } else if o >= t.exfil_bytes {
            (
                alert::EXFIL_VOLUME,
                format!(
                    "{inside} sent {o} bytes to {outside} within {} s",
                    t.exfil_window_secs
                ),
            )
        } else if o >= t.exfil_bytes_unusual && ratio >= t.exfil_ratio && v.unusual {
            (alert::EXFIL_VOLUME, format!(
                "{inside} sent {o} bytes to {outside} on unusual port {} ({ratio:.0} times what came back)", v.port
            ))
        } else if client_home
            && o >= 5 * t.exfil_bytes_unusual
            && ratio >= t.exfil_ratio
            && new_dest
        {
            (alert::EXFIL_VOLUME, format!(
                "{inside} uploaded {o} bytes to {outside}, first contacted within the window ({ratio:.0} times what came back)"
            ))
        } else {
            return;
        };
        v.alerted = true;
        let (src, dst) = (inside, outside);
        out.push(Alert {
            ts,
            sig,
            src,
            sport: 0,
            dst,
            dport: c.sport,
            proto: c.proto,
            entity: 0,
            why,
            evidence: vec![
                format!("bytes_out={o}"),
                format!("bytes_in={i}"),
                format!("ratio={ratio:.1}"),
                format!("flows_ended={}", v.flows),
                format!("port={}", v.port),
                format!("first_seen_in_window={new_dest}"),
                format!("window_s={}", t.exfil_window_secs),
            ],
            severity: None,
            per_source: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::events::Outcome;

    fn s(up: u64, down: u64) -> FlowSummary {
        FlowSummary {
            start: Timestamp(0),
            last: Timestamp(0),
            bytes: [up, down],
            pkts: [10, 10],
            outcome: Outcome::Conversation,
            midstream: false,
            icmp_type: None,
        }
    }

    fn conn(c: &str, s: &str, port: u16, cport: u16) -> Conn {
        Conn {
            client: c.parse().unwrap(),
            server: s.parse().unwrap(),
            cport,
            sport: port,
            proto: 6,
        }
    }

    #[test]
    fn upload_on_unusual_port_alerts_and_progress_is_not_counted_twice() {
        let cfg = BehaviourConfig::default();
        let mut e = Exfil::new(100);
        let mut out = Vec::new();
        let c = conn("10.9.18.101", "207.246.115.231", 2525, 40000);
        e.flow(
            Timestamp(1_000_000_000),
            &c,
            &s(600_000, 300),
            false,
            &cfg,
            &mut out,
        );
        e.flow(
            Timestamp(2_000_000_000),
            &c,
            &s(900_000, 400),
            false,
            &cfg,
            &mut out,
        );
        assert!(out.is_empty());
        e.flow(
            Timestamp(3_000_000_000),
            &c,
            &s(1_790_000, 579),
            true,
            &cfg,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert!(
            out[0].evidence[0] == "bytes_out=1790000",
            "{:?}",
            out[0].evidence
        );
    }

    #[test]
    fn web_downloads_and_small_uploads_do_not_alert() {
        let cfg = BehaviourConfig::default();
        let mut e = Exfil::new(100);
        let mut out = Vec::new();
        for i in 0..50u16 {
            let c = conn("10.10.3.11", "192.0.2.10", 443, 40000 + i);
            e.flow(
                Timestamp(i as u64 * 1_000_000_000),
                &c,
                &s(2_000, 900_000),
                true,
                &cfg,
                &mut out,
            );
            let c = conn("10.10.3.11", "192.0.2.11", 443, 40000 + i);
            e.flow(
                Timestamp(i as u64 * 1_000_000_000),
                &c,
                &s(60_000, 2_000),
                true,
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
    }

    #[test]
    fn one_client_pulling_far_more_than_the_others_with_defaults() {
        let cfg = BehaviourConfig::default();
        let mut e = Exfil::new(1000);
        let mut out = Vec::new();
        for i in 0..20u16 {
            let citizen = format!("198.51.100.{}", i + 1);
            let c = conn(&citizen, "10.10.1.10", 443, 40000 + i);
            e.flow(
                Timestamp(i as u64 * 1_000_000_000),
                &c,
                &s(2_000, 30_000 + i as u64 * 500),
                true,
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
        for i in 0..8u16 {
            let c = conn("203.0.113.66", "10.10.1.10", 443, 50000 + i);
            e.flow(
                Timestamp((30 + i as u64) * 1_000_000_000),
                &c,
                &s(3_000, 500_000),
                true,
                &cfg,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].sig.sid, alert::EXFIL_PULL.sid);
        assert!(out[0].why.contains("median"), "{}", out[0].why);
    }

    #[test]
    fn outside_client_pulling_from_a_portal() {
        let mut cfg = BehaviourConfig::default();
        cfg.servers.push((
            "10.10.1.10".parse().unwrap(),
            crate::behaviour::config::Role::Portal,
        ));
        cfg.roles.portal = Some(crate::behaviour::config::RoleThresholds {
            pull_bytes: Some(2_000_000),
            web_tool_requests: None,
        });
        let mut e = Exfil::new(100);
        let mut out = Vec::new();
        for i in 0..10u16 {
            let c = conn("203.0.113.66", "10.10.1.10", 443, 40000 + i);
            e.flow(
                Timestamp(i as u64 * 10_000_000_000),
                &c,
                &s(3_000, 450_000),
                true,
                &cfg,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].sig.sid, alert::EXFIL_PULL.sid);
        assert_eq!(out[0].src.to_string(), "10.10.1.10");
    }
}
