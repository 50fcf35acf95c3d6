//! Behaviour alerts: the catalogue of signatures (ids 9200001-9200099, see `rules/README.md`),
//! suppression (one alert per signature, host pair and entity per window, with the count of
//! what was held back), and the EVE `alert` record, written by the same writer as signature
//! alerts. The explanation goes in `alert.metadata`, whose keys Suricata's schema leaves open;
//! every value is an array of strings, as Suricata writes rule metadata, so SIEM mappings of
//! `alert.metadata.*` keep working.

use std::net::IpAddr;

use super::table::Bounded;
use crate::output::eve::{self, AlertContext, AlertFields, FlowIdent};
use crate::time::Timestamp;

/// One behaviour signature.
#[derive(Clone, Copy, Debug)]
pub struct Sig {
    pub sid: u32,
    pub msg: &'static str,
    pub category: &'static str,
    pub severity: u8,
    /// MITRE ATT&CK technique and tactic.
    pub technique: &'static str,
    pub tactic: &'static str,
    /// The detection that raises it.
    pub detector: &'static str,
}

macro_rules! sig {
    ($name:ident, $sid:expr, $msg:expr, $cat:expr, $sev:expr, $tech:expr, $tac:expr, $det:expr) => {
        pub const $name: Sig = Sig {
            sid: $sid,
            msg: $msg,
            category: $cat,
            severity: $sev,
            technique: $tech,
            tactic: $tac,
            detector: $det,
        };
    };
}

const C2: &str = "Malware Command and Control Activity Detected";
const LEAK: &str = "Attempted Information Leak";
const SCAN: &str = "Detection of a Network Scan";
const WEB: &str = "Web Application Attack";
const POLICY: &str = "Potential Corporate Privacy Violation";
const USER: &str = "Attempted User Privilege Gain";
const SOCIAL: &str = "Possible Social Engineering Attempted";
const MISC: &str = "Misc activity";

sig!(
    BEACON,
    9200001,
    "ELECTION BEHAVIOUR C2 beaconing: regular check-ins to an outside host",
    C2,
    1,
    "T1071",
    "command-and-control",
    "beacon"
);
sig!(
    EXFIL_VOLUME,
    9200010,
    "ELECTION BEHAVIOUR Exfiltration: inside host sending unusual volume out",
    LEAK,
    1,
    "T1048",
    "exfiltration",
    "exfil"
);
sig!(
    EXFIL_PULL,
    9200011,
    "ELECTION BEHAVIOUR Data theft: outside client pulling unusual volume from an inside server",
    LEAK,
    1,
    "T1041",
    "exfiltration",
    "exfil"
);
sig!(
    DNS_TUNNEL,
    9200020,
    "ELECTION BEHAVIOUR DNS tunnelling: many unusual names under one domain",
    C2,
    1,
    "T1071.004",
    "command-and-control",
    "dns-tunnel"
);
sig!(
    SCAN_VERTICAL,
    9200030,
    "ELECTION BEHAVIOUR Port scan: many ports of one host probed",
    SCAN,
    2,
    "T1046",
    "discovery",
    "scan"
);
sig!(
    SCAN_HORIZONTAL,
    9200031,
    "ELECTION BEHAVIOUR Network scan: many hosts probed with failed attempts",
    SCAN,
    2,
    "T1046",
    "discovery",
    "scan"
);
sig!(
    SCAN_ICMP,
    9200032,
    "ELECTION BEHAVIOUR Ping sweep: many hosts probed by ICMP echo",
    SCAN,
    2,
    "T1018",
    "discovery",
    "scan"
);
sig!(
    WEB_SQLI,
    9200040,
    "ELECTION BEHAVIOUR SQL injection in a request (tokenized)",
    WEB,
    1,
    "T1190",
    "initial-access",
    "web"
);
sig!(
    WEB_XSS,
    9200041,
    "ELECTION BEHAVIOUR Cross-site scripting in a request (tokenized)",
    WEB,
    1,
    "T1189",
    "initial-access",
    "web"
);
sig!(
    WEB_TOOL_RATE,
    9200042,
    "ELECTION BEHAVIOUR Automated web tool: high request rate with mostly errors",
    WEB,
    2,
    "T1595.003",
    "reconnaissance",
    "web"
);
sig!(
    WEB_TOOL_UA,
    9200043,
    "ELECTION BEHAVIOUR Automated web attack tool by user agent",
    WEB,
    2,
    "T1595.002",
    "reconnaissance",
    "web"
);
sig!(
    CRED_CLEARTEXT,
    9200050,
    "ELECTION BEHAVIOUR Clear-text credentials sent over the network",
    POLICY,
    2,
    "T1552",
    "credential-access",
    "credentials"
);
sig!(
    CRED_BRUTEFORCE,
    9200051,
    "ELECTION BEHAVIOUR Brute force: repeated failed logins",
    USER,
    1,
    "T1110",
    "credential-access",
    "credentials"
);
sig!(
    CRED_GUESSING,
    9200052,
    "ELECTION BEHAVIOUR Brute force: burst of login attempts the sensor cannot judge (SSH, RDP, web form)",
    USER,
    1,
    "T1110",
    "credential-access",
    "credentials"
);
sig!(
    CRED_NEW_DESTINATION,
    9200053,
    "ELECTION BEHAVIOUR Login to an outside server the office has not used before",
    USER,
    2,
    "T1078",
    "initial-access",
    "credentials"
);
sig!(
    LOOKALIKE,
    9200060,
    "ELECTION BEHAVIOUR Look-alike of the office's own domain",
    SOCIAL,
    1,
    "T1583.001",
    "resource-development",
    "lookalike"
);
sig!(
    LONG_CONN,
    9200070,
    "ELECTION BEHAVIOUR Long connection from inside to an outside host",
    MISC,
    3,
    "T1071",
    "command-and-control",
    "long-connection"
);

/// Every behaviour signature (for documentation and tests).
pub const ALL: &[Sig] = &[
    BEACON,
    EXFIL_VOLUME,
    EXFIL_PULL,
    DNS_TUNNEL,
    SCAN_VERTICAL,
    SCAN_HORIZONTAL,
    SCAN_ICMP,
    WEB_SQLI,
    WEB_XSS,
    WEB_TOOL_RATE,
    WEB_TOOL_UA,
    CRED_CLEARTEXT,
    CRED_BRUTEFORCE,
    CRED_GUESSING,
    CRED_NEW_DESTINATION,
    LOOKALIKE,
    LONG_CONN,
];

/// An alert a detection raised.
#[derive(Clone, Debug)]
pub struct Alert {
    pub ts: Timestamp,
    pub sig: Sig,
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
    pub proto: u8,
    /// What else identifies the alert for suppression (a domain's hash, 0 for none).
    pub entity: u64,
    /// Why it fired, in a sentence.
    pub why: String,
    /// The numbers (`name=value`).
    pub evidence: Vec<String>,
    /// Severity override (a stronger or weaker case of the signature).
    pub severity: Option<u8>,
    /// Suppress by source alone (scans: the destination changes with every probe).
    pub per_source: bool,
}

/// The detections, as `Sig::detector` names them (the label of the alert counters).
pub const DETECTORS: [&str; 8] = [
    "beacon",
    "exfil",
    "dns-tunnel",
    "scan",
    "web",
    "credentials",
    "lookalike",
    "long-connection",
];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlertStats {
    pub written: u64,
    pub suppressed: u64,
    /// Written, by `DETECTORS` index.
    pub by_detector: [u64; 8],
}

/// Suppression and writing.
pub struct Alerter {
    window_ns: u64,
    seen: Bounded<(u32, IpAddr, IpAddr, u64), (Timestamp, u64)>,
    pub stats: AlertStats,
}

impl Alerter {
    pub fn new(window_secs: u64, cap: usize) -> Alerter {
        Alerter {
            window_ns: window_secs.max(1) * 1_000_000_000,
            seen: Bounded::new(cap),
            stats: AlertStats::default(),
        }
    }

    /// Writes `a` unless an alert with the same key was written within the window (then it
    /// is counted for the next one).
    pub fn raise(&mut self, a: &Alert, out: &mut Vec<u8>) -> bool {
        let dst = if a.per_source {
            IpAddr::from([0u8; 4])
        } else {
            a.dst
        };
        let key = (a.sig.sid, a.src, dst, a.entity);
        let window = self.window_ns;
        let e = self
            .seen
            .entry(&key, a.ts.secs(), || (Timestamp::ZERO, u64::MAX));
        if e.1 != u64::MAX && a.ts.as_nanos() < e.0.as_nanos().saturating_add(window) {
            e.1 += 1;
            self.stats.suppressed += 1;
            return false;
        }
        let suppressed = if e.1 == u64::MAX { 0 } else { e.1 };
        *e = (a.ts, 0);
        self.stats.written += 1;
        if let Some(i) = DETECTORS.iter().position(|d| *d == a.sig.detector) {
            self.stats.by_detector[i] += 1;
        }
        write(a, suppressed, out);
        true
    }

    pub fn evicted(&self) -> u64 {
        self.seen.evicted
    }
}

/// The EVE record of `a`.
pub fn write(a: &Alert, suppressed: u64, out: &mut Vec<u8>) {
    let mut md: Vec<(String, String)> = vec![
        ("mitre_technique_id".into(), a.sig.technique.into()),
        ("mitre_tactic_name".into(), a.sig.tactic.into()),
        ("behaviour".into(), a.sig.detector.into()),
        ("explanation".into(), a.why.clone()),
    ];
    md.extend(
        a.evidence
            .iter()
            .map(|e| ("evidence".to_string(), e.clone())),
    );
    md.push(("suppressed_before".into(), suppressed.to_string()));
    let fields = AlertFields {
        action: "allowed",
        gid: 1,
        signature_id: a.sig.sid,
        rev: 1,
        signature: a.sig.msg,
        category: a.sig.category,
        severity: a.severity.unwrap_or(a.sig.severity),
        metadata: &md,
        target: None,
    };
    let ident = FlowIdent {
        flow_id: None,
        pcap_cnt: None,
        vlan: [0, 0],
        endpoints: crate::flow::Endpoints {
            src: a.src,
            dst: a.dst,
            src_port: a.sport,
            dst_port: a.dport,
        },
        proto: a.proto,
        icmp: None,
    };
    let cid = ident.community_id();
    let cx = AlertContext {
        app_proto: None,
        community_id: &cid,
        app_object: None,
    };
    eve::write_alert(out, a.ts, &ident, false, &fields, &cx);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(ts_s: u64) -> Alert {
        Alert {
            ts: Timestamp(ts_s * 1_000_000_000),
            sig: BEACON,
            src: "10.0.0.1".parse().unwrap(),
            sport: 0,
            dst: "192.0.2.1".parse().unwrap(),
            dport: 443,
            proto: 6,
            entity: 0,
            why: "w".into(),
            evidence: vec!["count=9".into()],
            severity: None,
            per_source: false,
        }
    }

    #[test]
    fn one_alert_per_window_with_the_suppressed_count() {
        let mut al = Alerter::new(3600, 100);
        let mut out = Vec::new();
        assert!(al.raise(&alert(100), &mut out));
        assert!(!al.raise(&alert(200), &mut out));
        assert!(!al.raise(&alert(300), &mut out));
        assert!(al.raise(&alert(4000), &mut out));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(v["alert"]["signature_id"], 9200001);
        assert_eq!(v["alert"]["metadata"]["suppressed_before"][0], "2");
        assert_eq!(v["alert"]["metadata"]["mitre_technique_id"][0], "T1071");
        assert_eq!(v["alert"]["metadata"]["evidence"][0], "count=9");
        assert_eq!(v["src_ip"], "10.0.0.1");
        assert_eq!(v["dest_port"], 443);
        assert_eq!(al.stats.suppressed, 2);
    }

    #[test]
    fn every_signature_has_a_counted_detector() {
        for s in ALL {
            assert!(DETECTORS.contains(&s.detector), "{}", s.detector);
        }
    }

    #[test]
    fn sids_are_unique_and_in_range() {
        let mut s: Vec<u32> = ALL.iter().map(|s| s.sid).collect();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), ALL.len());
        assert!(s.iter().all(|&x| (9_200_001..=9_200_099).contains(&x)));
    }
}
