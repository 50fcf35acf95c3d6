//! Long connections from inside to outside hosts, reported while they last (from flow
//! progress), once per host pair and suppression window.

use super::alert::{self, Alert};
use super::config::BehaviourConfig;
use super::events::{Conn, FlowSummary};
use crate::time::Timestamp;

pub fn check(
    ts: Timestamp,
    c: &Conn,
    s: &FlowSummary,
    cfg: &BehaviourConfig,
    out: &mut Vec<Alert>,
) {
    if !cfg.is_home(c.client) || !cfg.is_external(c.server) || cfg.destination_allowed(c.server) {
        return;
    }
    let dur = s.last.as_nanos().saturating_sub(s.start.as_nanos()) / 1_000_000_000;
    if dur < cfg.t.long_conn_secs {
        return;
    }
    out.push(Alert {
        ts,
        sig: alert::LONG_CONN,
        src: c.client,
        sport: c.cport,
        dst: c.server,
        dport: c.sport,
        proto: c.proto,
        entity: 0,
        why: format!(
            "{} has been connected to {}:{} for {} s",
            c.client, c.server, c.sport, dur
        ),
        evidence: vec![
            format!("duration_s={dur}"),
            format!("bytes_out={}", s.bytes[0]),
            format!("bytes_in={}", s.bytes[1]),
        ],
        severity: None,
        per_source: false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::events::Outcome;

    #[test]
    fn only_past_the_threshold() {
        let cfg = BehaviourConfig::default();
        let c = Conn {
            client: "10.0.0.1".parse().unwrap(),
            server: "192.0.2.1".parse().unwrap(),
            cport: 1,
            sport: 443,
            proto: 6,
        };
        let mut s = FlowSummary {
            start: Timestamp(0),
            last: Timestamp(3600 * 1_000_000_000),
            bytes: [1, 1],
            pkts: [1, 1],
            outcome: Outcome::Conversation,
            midstream: false,
            icmp_type: None,
        };
        let mut out = Vec::new();
        check(s.last, &c, &s, &cfg, &mut out);
        assert!(out.is_empty());
        s.last = Timestamp(5 * 3600 * 1_000_000_000);
        check(s.last, &c, &s, &cfg, &mut out);
        assert_eq!(out.len(), 1);
    }
}
