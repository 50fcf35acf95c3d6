//! DNS tunnelling and C2 over DNS, per registered domain: unique names below it, the length
//! and entropy of their longest labels, the share of TXT/NULL/CNAME/MX/ANY queries, the query
//! rate and the NXDOMAIN share. One alert per domain and window, never one per query.

use std::net::IpAddr;

use hashbrown::HashSet;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::{Conn, DnsView};
use super::table::Bounded;
use super::util::{entropy, fnv1a, registered_domain};
use crate::time::Timestamp;

/// Unique names remembered per domain (beyond it only counted).
const UNIQUE_CAP: usize = 2048;

#[derive(Default)]
struct Domain {
    window_start: u64,
    names: HashSet<u64>,
    /// Unique names beyond the set's cap.
    more: u64,
    queries: u64,
    odd_types: u64,
    responses: u64,
    nxdomain: u64,
    label_len_sum: f64,
    entropy_sum: f64,
    client: Option<(IpAddr, IpAddr, u16, u16)>,
    alerted: bool,
}

pub struct DnsTunnel {
    domains: Bounded<Box<str>, Domain>,
}

/// Query types a tunnel carries data in.
fn odd_type(t: u16) -> bool {
    matches!(t, 5 | 10 | 15 | 16 | 255 | 99)
}

/// What lies below the registered domain (`abc.def` of `abc.def.example.com`).
fn subdomain<'a>(name: &'a str, reg: &str) -> &'a str {
    name.strip_suffix(reg)
        .map(|s| s.trim_end_matches('.'))
        .unwrap_or("")
}

impl DnsTunnel {
    pub fn new(cap: usize) -> DnsTunnel {
        DnsTunnel {
            domains: Bounded::new(cap),
        }
    }

    /// Entities held now.
    pub fn len(&self) -> usize {
        self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn evicted(&self) -> u64 {
        self.domains.evicted
    }

    pub fn message(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        d: &DnsView,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        let name = d.qname;
        if name.is_empty()
            || name.ends_with(".arpa")
            || name.ends_with(".local")
            || cfg.domain_allowed(name)
        {
            return;
        }
        let t = &cfg.t;
        let reg = registered_domain(name);
        if reg.len() == name.len() {
            return;
        }
        let now = ts.secs();
        let dom = self
            .domains
            .entry_by(reg, |r| r.into(), now, Domain::default);
        if now >= dom.window_start + t.dns_window_secs {
            *dom = Domain {
                window_start: now,
                ..Default::default()
            };
        }
        if d.response {
            dom.responses += 1;
            if d.rcode == 3 {
                dom.nxdomain += 1;
            }
            return;
        }
        dom.queries += 1;
        if odd_type(d.qtype) {
            dom.odd_types += 1;
        }
        dom.client
            .get_or_insert((c.client, c.server, c.cport, c.sport));
        let sub = subdomain(name, reg);
        let h = fnv1a(name.as_bytes());
        let new = if dom.names.len() < UNIQUE_CAP {
            dom.names.insert(h)
        } else if !dom.names.contains(&h) {
            dom.more += 1;
            true
        } else {
            false
        };
        if !new {
            return;
        }
        let longest = sub.split('.').max_by_key(|l| l.len()).unwrap_or("");
        dom.label_len_sum += longest.len() as f64;
        dom.entropy_sum += entropy(longest.as_bytes());
        let unique = dom.names.len() as u64 + dom.more;
        // A few names with labels near the 63-byte maximum, full of encoded data, are a tunnel
        // already (a short exfiltration); otherwise wait for `dns-min-unique` names.
        let near_max = unique >= 4
            && dom.label_len_sum / unique as f64 >= 50.0
            && dom.entropy_sum / unique as f64 >= 3.5;
        if dom.alerted || ((unique as usize) < t.dns_min_unique && !near_max) {
            return;
        }
        let avg_len = dom.label_len_sum / unique as f64;
        let avg_ent = dom.entropy_sum / unique as f64;
        let odd_share = dom.odd_types as f64 / dom.queries as f64;
        let nx_share = if dom.responses > 0 {
            dom.nxdomain as f64 / dom.responses as f64
        } else {
            0.0
        };
        let span = now.saturating_sub(dom.window_start).max(1);
        let rate = dom.queries as f64 / span as f64;
        let mut reasons = Vec::new();
        if unique as usize >= t.dns_unique_high {
            reasons.push("very many unique names");
        }
        // Encoded data: long labels with the spread of characters of base16/32/64.
        if avg_len >= t.dns_label_len && avg_ent >= 3.0 {
            reasons.push("long high-entropy labels");
        }
        if near_max && reasons.is_empty() {
            reasons.push("labels near the maximum length full of encoded data");
        }
        if odd_share >= 0.5 && avg_len >= t.dns_label_len / 2.0 && avg_ent >= 2.5 {
            reasons.push("mostly TXT/NULL/CNAME/MX queries for random-looking names");
        }
        if nx_share >= 0.5
            && avg_len >= t.dns_label_len / 2.0
            && unique >= 2 * t.dns_min_unique as u64
        {
            reasons.push("mostly NXDOMAIN for random-looking names");
        }
        if reasons.is_empty() {
            return;
        }
        dom.alerted = true;
        let (client, server, cport, sport) =
            dom.client.unwrap_or((c.client, c.server, c.cport, c.sport));
        out.push(Alert {
            ts,
            sig: alert::DNS_TUNNEL,
            src: client,
            sport: cport,
            dst: server,
            dport: sport,
            proto: c.proto,
            entity: fnv1a(reg.as_bytes()),
            why: format!(
                "{unique} unique names under {reg} within {span} s: {}",
                reasons.join(", ")
            ),
            evidence: vec![
                format!("domain={reg}"),
                format!("unique_names={unique}"),
                format!("queries={}", dom.queries),
                format!("avg_longest_label={avg_len:.1}"),
                format!("avg_label_entropy={avg_ent:.2}"),
                format!("odd_type_share={odd_share:.2}"),
                format!("nxdomain_share={nx_share:.2}"),
                format!("queries_per_s={rate:.2}"),
            ],
            severity: None,
            per_source: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Conn {
        Conn {
            client: "10.10.3.88".parse().unwrap(),
            server: "10.10.0.53".parse().unwrap(),
            cport: 5353,
            sport: 53,
            proto: 17,
        }
    }

    fn q(name: &str, qtype: u16) -> DnsView<'_> {
        DnsView {
            qname: name,
            qtype,
            response: false,
            rcode: 0,
        }
    }

    #[test]
    fn hex_names_under_one_domain_alert_once() {
        let cfg = BehaviourConfig::default();
        let mut d = DnsTunnel::new(100);
        let mut out = Vec::new();
        for i in 0..200u64 {
            let name = format!(
                "{:016x}{:018x}.biillpi.com",
                i.wrapping_mul(0x9e3779b97f4a7c15),
                i * 7919
            );
            d.message(
                Timestamp(i * 1_000_000_000),
                &conn(),
                &q(&name, 16),
                &cfg,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1);
        assert!(out[0].evidence[0].contains("biillpi.com"));
    }

    #[test]
    fn a_short_exfiltration_with_maximal_labels_alerts() {
        let cfg = BehaviourConfig::default();
        let mut d = DnsTunnel::new(100);
        let mut out = Vec::new();
        for i in 0..5u64 {
            let mut label = String::new();
            let mut x = i.wrapping_mul(0x9e3779b97f4a7c15) | 1;
            while label.len() < 60 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                label.push(b"abcdefghijklmnopqrstuvwxyz234567"[(x % 32) as usize] as char);
            }
            let name = format!("{label}.{label}.x.exfil.example");
            d.message(
                Timestamp(i * 1_000_000),
                &conn(),
                &q(&name, 16),
                &cfg,
                &mut out,
            );
        }
        assert_eq!(out.len(), 1);
        // Three such names are not enough.
        let mut d = DnsTunnel::new(100);
        let mut out = Vec::new();
        for i in 0..3u64 {
            let name = format!(
                "{}{i}.x.example",
                "k2j4h5g6f7d8s9a0q1w3e5r7t9y2u4i6o8p0z1x3c5v7b9n2m4l6k8j0h2g4f6d8"
            );
            d.message(Timestamp(i), &conn(), &q(&name, 1), &cfg, &mut out);
        }
        assert!(out.is_empty());
    }

    #[test]
    fn ordinary_browsing_names_do_not_alert() {
        let cfg = BehaviourConfig::default();
        let mut d = DnsTunnel::new(100);
        let mut out = Vec::new();
        let words = [
            "www", "mail", "static", "img", "cdn", "api", "login", "news", "shop", "video", "maps",
            "docs", "drive", "calendar",
        ];
        for (i, w) in words.iter().enumerate() {
            for dom in ["example.com", "google.com", "county-gov.example"] {
                d.message(
                    Timestamp(i as u64 * 1_000_000_000),
                    &conn(),
                    &q(&format!("{w}.{dom}"), 1),
                    &cfg,
                    &mut out,
                );
            }
        }
        assert!(out.is_empty());
    }

    #[test]
    fn memory_is_bounded_under_a_flood_of_domains() {
        let cfg = BehaviourConfig::default();
        let mut d = DnsTunnel::new(1000);
        let mut out = Vec::new();
        for i in 0..50_000u64 {
            d.message(
                Timestamp(i * 1_000_000),
                &conn(),
                &q(&format!("a.d{i}.com"), 1),
                &cfg,
                &mut out,
            );
        }
        assert!(d.domains.len() <= 1000);
        assert!(d.evicted() >= 49_000);
    }
}
