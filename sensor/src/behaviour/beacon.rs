//! Beaconing, continuously and in the spirit of RITA: per inside host and outside host, the
//! contacts (each connection's first client payload, and each client payload after a silence
//! inside a long-lived connection) are kept in a ring; once there are enough, every new
//! contact rescores the series: interval regularity (Bowley skew and MAD of the gaps), size
//! regularity, contact count, and the time covered. Works the same for a check-in every
//! minute on new connections and for keep-alives inside one connection that lasts hours.
//!
//! A second series per inside host and registered domain (from TLS SNI and HTTP Host) follows
//! a controller that changes addresses (CDN fronting, fast flux): it alerts only when its
//! contacts went to two or more addresses (one address is the first series' case), scored on
//! intervals and count (handshakes carry no comparable size). Destinations that five or more
//! inside hosts reach are shared services, not beacons (prevalence).

use std::collections::VecDeque;
use std::net::IpAddr;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::Conn;
use super::table::Bounded;
use super::util::Dispersion;
use crate::time::Timestamp;

/// Contacts kept per pair (the newest).
const RING: usize = 48;
/// Contacts closer than this to the previous one are the same contact.
const MERGE_MS: u64 = 1000;

#[derive(Default)]
struct Series {
    /// Contact times (ms) and sizes, oldest first, at most `RING` (allocated with the first
    /// contact: most pairs never have many).
    ring: VecDeque<(u64, u32)>,
    total: u64,
    first_ms: u64,
    last_ms: u64,
    port: u16,
    /// The name seen for the server (SNI or Host), for the allowlist and evidence.
    name: Option<Box<str>>,
}

impl Series {
    /// Adds a contact; false when it is part of the previous one.
    fn push(&mut self, ms: u64, bytes: u32) -> bool {
        if !self.ring.is_empty() && ms < self.last_ms + MERGE_MS {
            return false;
        }
        if self.ring.is_empty() && self.total == 0 {
            self.first_ms = ms;
        }
        self.last_ms = ms;
        if self.ring.len() == RING {
            self.ring.pop_front();
        }
        self.ring.push_back((ms, bytes));
        self.total += 1;
        true
    }

    fn len(&self) -> usize {
        self.ring.len()
    }
}

/// A beacon's score and its parts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    pub score: f64,
    pub interval: Dispersion,
    pub interval_score: f64,
    pub size_score: f64,
    pub count_score: f64,
    pub span_s: f64,
}

/// Scores contact times (ms, ascending) and sizes.
pub fn score(
    times: &[u64],
    sizes: &[u32],
    scratch: &mut Vec<f64>,
    gaps: &mut Vec<f64>,
) -> Option<Score> {
    if times.len() < 3 {
        return None;
    }
    gaps.clear();
    gaps.extend(times.windows(2).map(|w| (w[1] - w[0]) as f64 / 1000.0));
    let interval = Dispersion::of(gaps, scratch)?;
    gaps.clear();
    gaps.extend(sizes.iter().map(|&s| s as f64));
    let size = Dispersion::of(gaps, scratch)?;
    // Sizes vary by a few bytes even for a fixed check-in: tolerate 32 bytes of MAD.
    let size_score = {
        let skew = 1.0 - size.skew.abs().min(1.0);
        let mad = 1.0 - ((size.mad - 32.0).max(0.0) / size.median.max(1.0)).min(1.0);
        (skew + mad) / 2.0
    };
    let interval_score = interval.regularity();
    let count_score = (times.len() as f64 / 24.0).min(1.0);
    let span_s = (times[times.len() - 1] - times[0]) as f64 / 1000.0;
    let score = 0.5 * interval_score + 0.25 * size_score + 0.25 * count_score;
    Some(Score {
        score,
        interval,
        interval_score,
        size_score,
        count_score,
        span_s,
    })
}

/// NTP and DNS are periodic by design: never a beacon, so the tap does not even report
/// their contacts (a DNS flow for every other connection on a busy link).
pub fn periodic_by_design(c: &Conn) -> bool {
    (c.proto == 17 && (c.sport == 123 || c.sport == 53)) || (c.proto == 6 && c.sport == 53)
}

/// Inside clients remembered per destination (enough to call it shared).
const PREVALENCE_CAP: usize = 64;

/// Which inside hosts talk to one destination (an address, or a registered domain's hash):
/// a destination many of them reach on a schedule is a service (updates, mail, telemetry),
/// not one implant's controller (RITA's prevalence).
#[derive(Default)]
struct Prevalence {
    clients: hashbrown::HashSet<IpAddr>,
}

/// Contacts of one inside host with one registered domain, over any of its addresses.
#[derive(Default)]
struct Named {
    series: Series,
    /// Distinct addresses seen (up to 8).
    ips: Vec<IpAddr>,
}

pub struct Beacon {
    pairs: Bounded<(IpAddr, IpAddr), Series>,
    named: Bounded<(IpAddr, u64), Named>,
    by_ip: Bounded<IpAddr, Prevalence>,
    by_domain: Bounded<u64, Prevalence>,
    scratch: Vec<f64>,
    gaps: Vec<f64>,
    times: Vec<u64>,
    sizes: Vec<u32>,
}

impl Beacon {
    pub fn new(cap: usize) -> Beacon {
        Beacon {
            pairs: Bounded::new(cap),
            by_ip: Bounded::new(cap / 4),
            named: Bounded::new(cap / 4),
            by_domain: Bounded::new(cap / 4),
            scratch: Vec::new(),
            gaps: Vec::new(),
            times: Vec::new(),
            sizes: Vec::new(),
        }
    }

    /// Entities held now.
    pub fn len(&self) -> usize {
        self.pairs.len() + self.by_ip.len() + self.by_domain.len() + self.named.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn evicted(&self) -> u64 {
        self.pairs.evicted + self.by_ip.evicted + self.by_domain.evicted + self.named.evicted
    }

    /// A contact seen by name (a ClientHello's SNI, an HTTP request's Host) with the
    /// registered domain `name` belongs to.
    pub fn named_contact(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        name: &str,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        if !Self::eligible(c, cfg) || cfg.domain_allowed(name) {
            return;
        }
        let t = &cfg.t;
        let reg = super::util::registered_domain(name);
        let key = super::util::fnv1a(reg.as_bytes());
        let ms = ts.as_nanos() / 1_000_000;
        let n = self
            .named
            .entry(&(c.client, key), ts.secs(), Named::default);
        if n.ips.len() < 8 && !n.ips.contains(&c.server) {
            n.ips.push(c.server);
        }
        let s = &mut n.series;
        if !s.push(ms, 0) {
            return;
        }
        s.port = c.sport;
        if s.len() < t.beacon_min_contacts || n.ips.len() < 2 {
            return;
        }
        let prevalence = self.by_domain.get(&key).map_or(0, |p| p.clients.len());
        if prevalence >= t.beacon_shared_clients {
            return;
        }
        self.times.clear();
        self.times.extend(s.ring.iter().map(|(t, _)| *t));
        self.sizes.clear();
        self.sizes.resize(self.times.len(), 0);
        let Some(sc) = score(&self.times, &self.sizes, &mut self.scratch, &mut self.gaps) else {
            return;
        };
        let named_score = 0.65 * sc.interval_score + 0.35 * sc.count_score;
        let span = (s.last_ms - s.first_ms) as f64 / 1000.0;
        if named_score < t.beacon_score
            || sc.interval.median < t.beacon_min_interval_secs
            || span < t.beacon_min_span_secs
        {
            return;
        }
        out.push(Alert {
            ts,
            sig: alert::BEACON,
            src: c.client,
            sport: 0,
            dst: c.server,
            dport: s.port,
            proto: c.proto,
            entity: key,
            why: format!(
                "{} contacted {reg} ({} addresses) {} times at a regular {:.1} s interval (MAD {:.1} s) over {span:.0} s; score {named_score:.2}",
                c.client, n.ips.len(), s.total, sc.interval.median, sc.interval.mad
            ),
            evidence: vec![
                format!("score={named_score:.2}"),
                format!("contacts={}", s.total),
                format!("domain={reg}"),
                format!("addresses={}", n.ips.len()),
                format!("median_interval_s={:.1}", sc.interval.median),
                format!("interval_mad_s={:.1}", sc.interval.mad),
                format!("interval_skew={:.2}", sc.interval.skew),
                format!("span_s={span:.0}"),
                format!("inside_hosts_to_destination={prevalence}"),
            ],
            severity: None,
            per_source: true,
        });
    }

    fn note_client(
        map: &mut Bounded<u64, Prevalence>,
        key: u64,
        client: IpAddr,
        now: u64,
    ) -> usize {
        let p = map.entry(&key, now, Prevalence::default);
        if p.clients.len() < PREVALENCE_CAP {
            p.clients.insert(client);
        }
        p.clients.len()
    }

    fn eligible(c: &Conn, cfg: &BehaviourConfig) -> bool {
        // Inside to outside.
        cfg.is_home(c.client)
            && cfg.is_external(c.server)
            && !periodic_by_design(c)
            && !cfg.host_allowed(c.client)
            && !cfg.destination_allowed(c.server)
    }

    /// The server's name, from a ClientHello or an HTTP Host.
    pub fn name(&mut self, ts: Timestamp, c: &Conn, name: &str, cfg: &BehaviourConfig) {
        if !Self::eligible(c, cfg) {
            return;
        }
        let s = self
            .pairs
            .entry(&(c.client, c.server), ts.secs(), Series::default);
        if s.name.is_none() {
            s.name = Some(name.into());
        }
        let reg = super::util::registered_domain(name);
        Self::note_client(
            &mut self.by_domain,
            super::util::fnv1a(reg.as_bytes()),
            c.client,
            ts.secs(),
        );
    }

    /// A contact: a connection's first client payload, or one after a silence.
    pub fn contact(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        bytes: u32,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        if !Self::eligible(c, cfg) {
            return;
        }
        let t = &cfg.t;
        let ms = ts.as_nanos() / 1_000_000;
        {
            let p = self.by_ip.entry(&c.server, ts.secs(), Prevalence::default);
            if p.clients.len() < PREVALENCE_CAP {
                p.clients.insert(c.client);
            }
        }
        let s = self
            .pairs
            .entry(&(c.client, c.server), ts.secs(), Series::default);
        if !s.push(ms, bytes) {
            return;
        }
        s.port = c.sport;
        if s.len() < t.beacon_min_contacts {
            return;
        }
        if s.name.as_deref().is_some_and(|n| cfg.domain_allowed(n)) {
            return;
        }
        let name_key = s
            .name
            .as_deref()
            .map(|n| super::util::fnv1a(super::util::registered_domain(n).as_bytes()));
        // Prevalence: how many inside hosts reach this address / this domain.
        let ip_prev = self.by_ip.get(&c.server).map_or(0, |p| p.clients.len());
        let dom_prev =
            name_key.map_or(0, |k| self.by_domain.get(&k).map_or(0, |p| p.clients.len()));
        let prevalence = ip_prev.max(dom_prev);
        if prevalence >= t.beacon_shared_clients {
            return;
        }
        let Some(s) = self.pairs.get_mut(&(c.client, c.server)) else {
            return;
        };
        // Re-alert only after the suppression window (the alerter counts the rest).
        self.times.clear();
        self.sizes.clear();
        for &(t, b) in &s.ring {
            self.times.push(t);
            self.sizes.push(b);
        }
        let Some(sc) = score(&self.times, &self.sizes, &mut self.scratch, &mut self.gaps) else {
            return;
        };
        let span_total = (s.last_ms - s.first_ms) as f64 / 1000.0;
        if sc.score < t.beacon_score
            || sc.interval.median < t.beacon_min_interval_secs
            || span_total < t.beacon_min_span_secs
        {
            return;
        }
        let name = s.name.as_deref().unwrap_or("-");
        out.push(Alert {
            ts,
            sig: alert::BEACON,
            src: c.client,
            sport: 0,
            dst: c.server,
            dport: s.port,
            proto: c.proto,
            entity: 0,
            why: format!(
                "{} contacted {}:{} ({}) {} times at a regular {:.1} s interval (MAD {:.1} s) over {:.0} s; score {:.2}",
                c.client, c.server, s.port, name, s.total, sc.interval.median, sc.interval.mad, span_total, sc.score
            ),
            evidence: vec![
                format!("score={:.2}", sc.score),
                format!("contacts={}", s.total),
                format!("median_interval_s={:.1}", sc.interval.median),
                format!("interval_mad_s={:.1}", sc.interval.mad),
                format!("interval_skew={:.2}", sc.interval.skew),
                format!("interval_score={:.2}", sc.interval_score),
                format!("size_score={:.2}", sc.size_score),
                format!("span_s={span_total:.0}"),
                format!("server_name={name}"),
                format!("inside_hosts_to_destination={prevalence}"),
            ],
            severity: None,
            per_source: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(cport: u16) -> Conn {
        Conn {
            client: "10.10.3.77".parse().unwrap(),
            server: "203.0.113.140".parse().unwrap(),
            cport,
            sport: 443,
            proto: 6,
        }
    }

    /// A small deterministic PRNG for jitter.
    fn lcg(x: &mut u64) -> f64 {
        *x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*x >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn jittered_minute_beacon_alerts() {
        let cfg = BehaviourConfig::default();
        let mut b = Beacon::new(100);
        let mut out = Vec::new();
        let mut r = 7;
        let mut t = 1_000.0;
        for i in 0..60 {
            t += 60.0 + (lcg(&mut r) - 0.5) * 6.0;
            let size = 200 + (lcg(&mut r) * 60.0) as u32;
            b.contact(
                Timestamp((t * 1e9) as u64),
                &conn(40000 + i),
                size,
                &cfg,
                &mut out,
            );
        }
        assert!(!out.is_empty());
        assert_eq!(out[0].sig.sid, alert::BEACON.sid);
    }

    #[test]
    fn irregular_browsing_does_not_alert() {
        let cfg = BehaviourConfig::default();
        let mut b = Beacon::new(100);
        let mut out = Vec::new();
        let mut r = 3;
        let mut t = 0.0;
        for i in 0..200 {
            // Exponential gaps (a person), sizes all over the place.
            t += -120.0 * (1.0 - lcg(&mut r)).ln() + 1.5;
            let size = (lcg(&mut r) * 5000.0) as u32 + 100;
            b.contact(
                Timestamp((t * 1e9) as u64),
                &conn(40000 + i),
                size,
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty(), "{:?}", out.first().map(|a| &a.why));
    }

    #[test]
    fn a_schedule_many_inside_hosts_share_is_a_service() {
        let cfg = BehaviourConfig::default();
        let mut b = Beacon::new(1000);
        let mut out = Vec::new();
        for i in 0..40u64 {
            for h in 1..=6u8 {
                let c = Conn {
                    client: format!("10.10.3.{h}").parse().unwrap(),
                    ..conn(40000)
                };
                b.contact(
                    Timestamp((1000 + i * 300 + h as u64) * 1_000_000_000),
                    &c,
                    300,
                    &cfg,
                    &mut out,
                );
            }
        }
        assert!(out.is_empty(), "{:?}", out.first().map(|a| &a.why));
    }

    #[test]
    fn a_controller_changing_addresses_is_followed_by_name() {
        let cfg = BehaviourConfig::default();
        let mut b = Beacon::new(1000);
        let mut out = Vec::new();
        for i in 0..30u64 {
            let c = Conn {
                server: format!("203.0.113.{}", 100 + i % 5).parse().unwrap(),
                ..conn(40000 + i as u16)
            };
            b.named_contact(
                Timestamp((1000 + i * 60) * 1_000_000_000),
                &c,
                "cdn-telemetry-update.test",
                &cfg,
                &mut out,
            );
        }
        assert!(!out.is_empty());
        assert!(out[0].why.contains("5 addresses"), "{}", out[0].why);
        // One address: left to the per-address series.
        let mut b = Beacon::new(1000);
        let mut out = Vec::new();
        for i in 0..30u64 {
            b.named_contact(
                Timestamp((1000 + i * 60) * 1_000_000_000),
                &conn(40000),
                "c2.example.net",
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
    }

    #[test]
    fn keepalives_in_one_long_flow_alert() {
        let cfg = BehaviourConfig::default();
        let mut b = Beacon::new(100);
        let mut out = Vec::new();
        for i in 0..31u64 {
            b.contact(
                Timestamp((1000 + i * 120) * 1_000_000_000),
                &conn(49152),
                4,
                &cfg,
                &mut out,
            );
        }
        assert!(!out.is_empty());
    }

    #[test]
    fn too_short_a_span_does_not_alert() {
        let cfg = BehaviourConfig::default();
        let mut b = Beacon::new(100);
        let mut out = Vec::new();
        for i in 0..20u64 {
            b.contact(
                Timestamp((1000 + i * 6) * 1_000_000_000),
                &conn(49152),
                4,
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
    }
}
