//! Attacks on web servers: injections found by the tokenizing detector (`inject`), attack
//! tools by user agent, and automated tools by behaviour (many requests in a short window,
//! mostly answered with errors: forced browsing, fuzzing, vulnerability scanners).

use std::net::IpAddr;

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::{Conn, HttpView};
use super::table::Bounded;
use crate::time::Timestamp;

/// User agents of attack and reconnaissance tools (lower case, matched as substrings).
const TOOLS: &[&str] = &[
    "sqlmap",
    "nikto",
    "acunetix",
    "nmap scripting engine",
    "masscan",
    "zgrab",
    "gobuster",
    "dirbuster",
    "wpscan",
    "hydra",
    "nuclei",
    "ffuf",
    "wfuzz",
    "havij",
    "netsparker",
    "burp collaborator",
    "openvas",
    "w3af",
    "arachni",
    "skipfish",
    "commix",
    "jorgee",
    "zmeu",
    "dirb",
    "feroxbuster",
    "whatweb",
];

#[derive(Default)]
struct Client {
    window_start: u64,
    requests: u64,
    errors: u64,
    not_found: u64,
    paths: u64,
}

pub struct Web {
    pairs: Bounded<(IpAddr, IpAddr), Client>,
}

impl Web {
    pub fn new(cap: usize) -> Web {
        Web {
            pairs: Bounded::new(cap),
        }
    }

    /// Entities held now.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn evicted(&self) -> u64 {
        self.pairs.evicted
    }

    pub fn transaction(
        &mut self,
        ts: Timestamp,
        c: &Conn,
        h: &HttpView,
        cfg: &BehaviourConfig,
        out: &mut Vec<Alert>,
    ) {
        if cfg.host_allowed(c.client) {
            return;
        }
        let base = |sig, why: String, evidence: Vec<String>| Alert {
            ts,
            sig,
            src: c.client,
            sport: c.cport,
            dst: c.server,
            dport: c.sport,
            proto: c.proto,
            entity: 0,
            why,
            evidence,
            severity: None,
            per_source: false,
        };
        if let Some(inj) = &h.injection {
            let sig = if inj.starts_with("xss") {
                alert::WEB_XSS
            } else {
                alert::WEB_SQLI
            };
            out.push(base(
                sig,
                format!("{} {} carries {}", h.method, h.uri, inj),
                vec![
                    format!("finding={inj}"),
                    format!("method={}", h.method),
                    format!("uri={}", h.uri),
                    format!("status={}", h.status.map_or("-".into(), |s| s.to_string())),
                ],
            ));
        }
        if let Some(ua) = &h.user_agent {
            let lower = ua.to_ascii_lowercase();
            if let Some(tool) = TOOLS.iter().find(|t| lower.contains(*t)) {
                out.push(base(
                    alert::WEB_TOOL_UA,
                    format!(
                        "requests from {} name the attack tool {tool} in their user agent",
                        c.client
                    ),
                    vec![format!("tool={tool}"), format!("user_agent={ua}")],
                ));
            }
        }
        let t = &cfg.t;
        let now = ts.secs();
        let p = self
            .pairs
            .entry(&(c.client, c.server), now, Client::default);
        if now >= p.window_start + t.web_window_secs {
            *p = Client {
                window_start: now,
                ..Default::default()
            };
        }
        p.requests += 1;
        match h.status {
            Some(404) => {
                p.errors += 1;
                p.not_found += 1;
            }
            Some(400..=499) => p.errors += 1,
            _ => {}
        }
        p.paths += 1;
        let need = cfg.web_tool_requests(c.server) as u64;
        if p.requests == need || (p.requests > need && p.requests % need == 0) {
            let ratio = p.errors as f64 / p.requests as f64;
            if ratio >= t.web_tool_error_ratio {
                out.push(base(
                    alert::WEB_TOOL_RATE,
                    format!(
                        "{} made {} requests to {} within {} s, {:.0} % answered with client errors",
                        c.client, p.requests, c.server, t.web_window_secs, ratio * 100.0
                    ),
                    vec![
                        format!("requests={}", p.requests),
                        format!("client_errors={}", p.errors),
                        format!("not_found={}", p.not_found),
                        format!("error_ratio={ratio:.2}"),
                        format!("window_s={}", t.web_window_secs),
                    ],
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Conn {
        Conn {
            client: "203.0.113.99".parse().unwrap(),
            server: "10.10.1.10".parse().unwrap(),
            cport: 50000,
            sport: 80,
            proto: 6,
        }
    }

    fn tx<'a>(uri: &'a str, status: u16, ua: &'a str) -> HttpView<'a> {
        HttpView {
            method: "GET",
            uri,
            status: Some(status),
            user_agent: Some(ua),
            ..Default::default()
        }
    }

    #[test]
    fn forced_browsing_is_seen_by_behaviour() {
        let cfg = BehaviourConfig::default();
        let mut w = Web::new(100);
        let mut out = Vec::new();
        for i in 0..60u64 {
            w.transaction(
                Timestamp(i * 500_000_000),
                &conn(),
                &tx(&format!("/p{i}"), 404, "Mozilla/5.0"),
                &cfg,
                &mut out,
            );
        }
        assert_eq!(
            out.iter()
                .filter(|a| a.sig.sid == alert::WEB_TOOL_RATE.sid)
                .count(),
            1
        );
    }

    #[test]
    fn a_busy_ordinary_visitor_is_not_a_tool() {
        let cfg = BehaviourConfig::default();
        let mut w = Web::new(100);
        let mut out = Vec::new();
        for i in 0..200u64 {
            let status = if i % 20 == 0 { 404 } else { 200 };
            w.transaction(
                Timestamp(i * 500_000_000),
                &conn(),
                &tx("/static/x.css", status, "Mozilla/5.0"),
                &cfg,
                &mut out,
            );
        }
        assert!(out.is_empty());
    }

    #[test]
    fn tool_user_agents_and_injections() {
        let cfg = BehaviourConfig::default();
        let mut w = Web::new(100);
        let mut out = Vec::new();
        let mut h = tx("/?id=1", 200, "sqlmap/1.8.11#stable (https://sqlmap.org)");
        h.injection = Some("sqli in uri: boolean injection");
        w.transaction(Timestamp(1), &conn(), &h, &cfg, &mut out);
        assert!(out.iter().any(|a| a.sig.sid == alert::WEB_TOOL_UA.sid));
        assert!(out.iter().any(|a| a.sig.sid == alert::WEB_SQLI.sid));
    }
}
