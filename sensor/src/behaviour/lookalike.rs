//! Look-alike domains of the office's own names and its vendors' in DNS queries, TLS SNI and
//! HTTP Host: typosquats (edit distance), homoglyphs (`0`/`o`, `1`/`l`, `rn`/`m`) and
//! combosquats (`voter-elections-login`). The own names come from the configuration and are
//! also learned from the names outside clients use to reach inside servers (the portal's SNI).

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::Conn;
use super::util::{fnv1a, registered_domain};
use crate::time::Timestamp;

/// Learned names kept at most.
const LEARNED_CAP: usize = 32;
/// Shortest label compared (shorter ones match too much by chance).
const MIN_LABEL: usize = 5;

pub struct Lookalike {
    /// Own registered domains and their first labels, configured then learned.
    own: Vec<(String, String)>,
    /// Each own label with its homoglyphs folded (computed once, not per name seen).
    folded: Vec<String>,
    configured: usize,
}

/// The label of a registered domain without its public suffix (`elections` of `elections.example`).
fn core_label(reg: &str) -> &str {
    reg.split('.').next().unwrap_or(reg)
}

fn homoglyph_fold(s: &str) -> String {
    s.replace("rn", "m")
        .replace("vv", "w")
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            '3' => 'e',
            '5' => 's',
            '@' => 'a',
            c => c,
        })
        .collect()
}

/// Levenshtein distance, stopping early above `max`.
fn distance(a: &str, b: &str, max: usize) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut best = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            best = best.min(cur[j]);
        }
        if best > max {
            return max + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Names under suffixes that never leave the site (a resolver's search list appends them:
/// `wpad.elections.example.local`).
fn local_suffix(name: &str) -> bool {
    let tld = name.rsplit('.').next().unwrap_or("");
    matches!(
        tld,
        "local"
            | "lan"
            | "home"
            | "corp"
            | "internal"
            | "localdomain"
            | "arpa"
            | "intranet"
            | "localhost"
    )
}

fn plausible_name(name: &str) -> bool {
    name.contains('.')
        && name.parse::<std::net::IpAddr>().is_err()
        && !name
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b':')
}

impl Lookalike {
    pub fn new(cfg: &BehaviourConfig) -> Lookalike {
        let mut l = Lookalike {
            own: Vec::new(),
            folded: Vec::new(),
            configured: 0,
        };
        for n in &cfg.own_names {
            l.add(n);
        }
        l.configured = l.own.len();
        l
    }

    fn add(&mut self, name: &str) {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if !plausible_name(&name) {
            return;
        }
        let reg = registered_domain(&name).to_string();
        let label = core_label(&reg).to_string();
        if label.len() < MIN_LABEL || self.own.iter().any(|(r, _)| *r == reg) {
            return;
        }
        if self.own.len() >= self.configured + LEARNED_CAP {
            return;
        }
        self.folded.push(homoglyph_fold(&label));
        self.own.push((reg, label));
    }

    /// A name outside clients used to reach an inside server: one of the office's own.
    pub fn learn(&mut self, name: &str) {
        self.add(name);
    }

    /// The own domain `name` imitates, and how.
    pub fn imitates(&self, name: &str) -> Option<(&str, &'static str)> {
        if !plausible_name(name) {
            return None;
        }
        let reg = registered_domain(name);
        if self.own.iter().any(|(r, _)| r == reg) {
            return None;
        }
        let label = core_label(reg);
        let folded = homoglyph_fold(label);
        for ((own_reg, own), folded_own) in self.own.iter().zip(&self.folded) {
            if label == own {
                // Same name under another suffix (elections.example vs elections-example.test
                // is below; elections.com vs elections.example here).
                return Some((own_reg, "same name under another suffix"));
            }
            if folded == *folded_own {
                return Some((own_reg, "homoglyph"));
            }
            let max = if own.len() >= 8 { 2 } else { 1 };
            if distance(label, own, max) <= max {
                return Some((own_reg, "typosquat"));
            }
            if label.len() > own.len() && label.contains(own.as_str()) {
                return Some((own_reg, "combosquat"));
            }
            // Both at once (`staff-electi0ns`): the folded name holds the folded own name.
            if folded.len() > folded_own.len() && folded.contains(folded_own.as_str()) {
                return Some((own_reg, "combosquat with homoglyphs"));
            }
            let flat_own = own_reg.replace('.', "-");
            if name.contains(&flat_own) || name.contains(own_reg.as_str()) {
                return Some((own_reg, "own domain embedded in another"));
            }
        }
        None
    }

    /// A name an inside client looked up or reached (`what`: dns, sni, http-host).
    pub fn name(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        name: &str,
        what: &str,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        if self.own.is_empty()
            || cfg.domain_allowed(name)
            || cfg.host_allowed(c.client)
            || local_suffix(name)
        {
            return;
        }
        let Some((own, how)) = self.imitates(name) else {
            return;
        };
        let reg = registered_domain(name);
        out.push(Alert {
            ts,
            sig: alert::LOOKALIKE,
            src: c.client,
            sport: c.cport,
            dst: c.server,
            dport: c.sport,
            proto: c.proto,
            entity: fnv1a(reg.as_bytes()),
            // One alert per client and look-alike, whether seen in DNS, SNI or Host.
            why: format!(
                "{} {what} {name} imitates the office's {own} ({how})",
                c.client
            ),
            evidence: vec![
                format!("name={name}"),
                format!("imitates={own}"),
                format!("kind={how}"),
                format!("seen_in={what}"),
            ],
            severity: None,
            per_source: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l() -> Lookalike {
        let cfg = BehaviourConfig {
            own_names: vec!["voter.elections.example".into(), "votingvendor.com".into()],
            ..Default::default()
        };
        Lookalike::new(&cfg)
    }

    #[test]
    fn finds_imitations() {
        let l = l();
        assert!(l.imitates("voter-elections-login.test").is_some());
        assert!(l.imitates("elections-example-sso.test").is_some());
        assert!(l.imitates("e1ections.example").is_some());
        assert!(l.imitates("electoins.com").is_some());
        assert!(l.imitates("votingvend0r.com").is_some());
        assert!(l.imitates("elections.com").is_some());
        assert_eq!(
            l.imitates("staff-electi0ns.test").map(|(_, how)| how),
            Some("combosquat with homoglyphs")
        );
    }

    #[test]
    fn leaves_own_and_unrelated_names_alone() {
        let l = l();
        assert!(l.imitates("www.elections.example").is_none());
        assert!(l.imitates("portal.votingvendor.com").is_none());
        assert!(l.imitates("www.google.com").is_none());
        assert!(
            l.imitates("selection.example").is_none()
                || l.imitates("selection.example").unwrap().1 == "typosquat"
        );
        assert!(l.imitates("10.1.2.3").is_none());
        assert!(local_suffix("wpad.elections.example.local"));
        assert!(l.imitates("weather.gov").is_none());
    }

    #[test]
    fn learns_at_most_a_bounded_number_of_names() {
        let mut l = Lookalike::new(&BehaviourConfig::default());
        for i in 0..1000 {
            l.learn(&format!("portal{i}.county{i}.example"));
        }
        assert!(l.own.len() <= LEARNED_CAP);
        assert!(l.imitates("n0thing-like-it.example").is_none());
    }
}
