//! The behaviour stage's settings: the office's asset model (home networks, protected servers
//! and their roles, allowlists) and the thresholds of each detection. Every field has a default
//! fit for a county office, so `--home-net` alone turns every detection on.
//!
//! ```toml
//! [behaviour]
//! home-net = ["10.10.0.0/16"]           # default: --home-net, else RFC 1918
//! own-names = ["elections.example"]     # the office's and its vendors' domains (look-alikes)
//!
//! [[behaviour.servers]]
//! address = "10.10.1.10"
//! role = "portal"                       # portal, database, resolver, mail, other
//!
//! [behaviour.allow]
//! hosts = ["10.10.0.5"]                 # inside hosts never alerted on (monitoring)
//! domains = ["windowsupdate.com"]       # registered domains never alerted on
//! destinations = ["192.0.2.10"]         # outside addresses never alerted on
//!
//! [behaviour.thresholds]
//! beacon-min-contacts = 8
//! [behaviour.roles.portal]
//! pull-bytes = 2000000
//! ```

use std::net::IpAddr;

use serde::Deserialize;

/// An address block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub bits: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (a, b) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("`{s}` is not an address or CIDR"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match b {
            None => max,
            Some(b) => b
                .parse::<u8>()
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(|| format!("`{s}`: bad prefix length"))?,
        };
        Ok(Cidr { addr, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.bits == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.bits as u32)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.bits as u32)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Parses a comma-separated list (`--home-net`), brackets and spaces allowed.
pub fn parse_cidr_list(s: &str) -> Result<Vec<Cidr>, String> {
    s.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(Cidr::parse)
        .collect()
}

/// What a protected server is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Portal,
    Database,
    Resolver,
    Mail,
    Other,
}

/// `[[behaviour.servers]]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Server {
    pub address: String,
    pub role: Role,
    /// Host names the server answers to (also the office's own names for look-alikes).
    #[serde(default)]
    pub names: Vec<String>,
}

/// `[behaviour.allow]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Allow {
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default)]
    pub destinations: Vec<String>,
}

/// Thresholds of every detection. Defaults are for a county office's edge: a few hundred
/// hosts, a public portal, mail, a resolver.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Thresholds {
    /// Seconds one alert covers per entity; repeats inside it are counted, not written.
    pub suppress_secs: u64,
    /// A client's payload after this many seconds of silence in a flow starts a new contact
    /// (a check-in inside a long-lived connection).
    pub burst_idle_secs: u64,
    /// Contacts (connections or bursts) before a series is scored.
    pub beacon_min_contacts: usize,
    /// Score in 0..1 at which a beacon alerts.
    pub beacon_score: f64,
    /// Shortest median interval (s) worth calling a beacon (faster is interactive traffic).
    pub beacon_min_interval_secs: f64,
    /// Shortest time span (s) a beacon series must cover.
    pub beacon_min_span_secs: f64,
    /// Inside hosts reaching one destination (address or registered domain) from which it
    /// counts as a shared service (updates, telemetry), not a beacon.
    pub beacon_shared_clients: usize,
    /// Bytes an inside host sends to one outside host within the window, any port.
    pub exfil_bytes: u64,
    /// Lower volume that alerts when the upload dominates (ratio) on an unusual port.
    pub exfil_bytes_unusual: u64,
    /// Upload / download ratio for the lower volume.
    pub exfil_ratio: f64,
    /// Window of the volume detections (s).
    pub exfil_window_secs: u64,
    /// Bytes one outside client pulls from an inside server within the window.
    pub pull_bytes: u64,
    /// Smaller volume that alerts when it is `pull-baseline-factor` times the median of what
    /// the server's other outside clients received (at least 3 of them) in the window.
    pub pull_bytes_unusual: u64,
    pub pull_baseline_factor: f64,
    /// Unique names under one registered domain before DNS tunnelling is scored.
    pub dns_min_unique: usize,
    /// Unique names under one registered domain that alone mean tunnelling.
    pub dns_unique_high: usize,
    /// Average longest label length of the unique names, for the lower count.
    pub dns_label_len: f64,
    /// Window of the DNS detections (s).
    pub dns_window_secs: u64,
    /// Distinct ports of one target probed without a conversation (vertical scan).
    pub scan_ports: usize,
    /// Distinct hosts probed on failed attempts (horizontal scan / sweep).
    pub scan_hosts: usize,
    /// Window of the scan detections (s).
    pub scan_window_secs: u64,
    /// Failed logins from one client to one server before brute force is called.
    pub bruteforce_failures: usize,
    /// Short sessions to one login service (SSH, RDP...) that count as guessing.
    pub bruteforce_sessions: usize,
    /// Window of the login detections (s).
    pub bruteforce_window_secs: u64,
    /// Packet time (s) the stage learns where inside hosts log in before it reports a login
    /// to an outside server none of them used.
    pub login_learning_secs: u64,
    /// HTTP requests from one client to one server in the window for the automated-tool check.
    pub web_tool_requests: usize,
    /// Share of 4xx answers among them.
    pub web_tool_error_ratio: f64,
    /// Window of the web detections (s).
    pub web_window_secs: u64,
    /// Duration (s) at which a connection from inside to outside is reported as long.
    pub long_conn_secs: u64,
    /// Per-entity state kept by each detection (hosts, pairs, domains); beyond it the idlest
    /// entries are evicted and counted.
    pub max_entities: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            suppress_secs: 3600,
            burst_idle_secs: 3,
            beacon_min_contacts: 8,
            beacon_score: 0.8,
            beacon_min_interval_secs: 5.0,
            beacon_min_span_secs: 300.0,
            beacon_shared_clients: 5,
            exfil_bytes: 50_000_000,
            exfil_bytes_unusual: 1_000_000,
            exfil_ratio: 20.0,
            exfil_window_secs: 3600,
            pull_bytes: 20_000_000,
            pull_bytes_unusual: 3_000_000,
            pull_baseline_factor: 50.0,
            dns_min_unique: 10,
            dns_unique_high: 300,
            dns_label_len: 24.0,
            dns_window_secs: 600,
            scan_ports: 25,
            scan_hosts: 12,
            scan_window_secs: 300,
            bruteforce_failures: 10,
            bruteforce_sessions: 20,
            bruteforce_window_secs: 600,
            login_learning_secs: 7 * 86_400,
            web_tool_requests: 40,
            web_tool_error_ratio: 0.5,
            web_window_secs: 300,
            long_conn_secs: 4 * 3600,
            max_entities: 65_536,
        }
    }
}

/// `[behaviour.roles.<role>]`: what differs for a protected server of that role.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RoleThresholds {
    pub pull_bytes: Option<u64>,
    pub web_tool_requests: Option<usize>,
}

/// `[behaviour.roles]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Roles {
    pub portal: Option<RoleThresholds>,
    pub database: Option<RoleThresholds>,
    pub resolver: Option<RoleThresholds>,
    pub mail: Option<RoleThresholds>,
    pub other: Option<RoleThresholds>,
}

/// `[behaviour]` as written in the configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct BehaviourSection {
    /// The behaviour stage runs (default true).
    pub enabled: bool,
    pub home_net: Vec<String>,
    pub own_names: Vec<String>,
    pub servers: Vec<Server>,
    pub allow: Allow,
    pub thresholds: Thresholds,
    pub roles: Roles,
}

impl Default for BehaviourSection {
    fn default() -> Self {
        BehaviourSection {
            enabled: true,
            home_net: Vec::new(),
            own_names: Vec::new(),
            servers: Vec::new(),
            allow: Allow::default(),
            thresholds: Thresholds::default(),
            roles: Roles::default(),
        }
    }
}

/// The resolved settings the stage runs with.
#[derive(Clone, Debug)]
pub struct BehaviourConfig {
    pub home: Vec<Cidr>,
    pub servers: Vec<(IpAddr, Role)>,
    /// Lower-case names of the office and its vendors (look-alike detection).
    pub own_names: Vec<String>,
    pub allow_hosts: Vec<Cidr>,
    pub allow_domains: Vec<String>,
    pub allow_destinations: Vec<Cidr>,
    pub t: Thresholds,
    pub roles: Roles,
}

impl Default for BehaviourConfig {
    fn default() -> Self {
        BehaviourConfig {
            home: parse_cidr_list("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7")
                .expect("valid default"),
            servers: Vec::new(),
            own_names: Vec::new(),
            allow_hosts: Vec::new(),
            allow_domains: Vec::new(),
            allow_destinations: Vec::new(),
            t: Thresholds::default(),
            roles: Roles::default(),
        }
    }
}

impl BehaviourConfig {
    /// Settings from the file's section and `--home-net` (which wins over the file).
    pub fn resolve(
        section: &BehaviourSection,
        home_net: Option<&str>,
    ) -> Result<BehaviourConfig, String> {
        let mut c = BehaviourConfig {
            t: section.thresholds.clone(),
            roles: section.roles.clone(),
            ..BehaviourConfig::default()
        };
        if let Some(h) = home_net {
            c.home = parse_cidr_list(h).map_err(|e| format!("--home-net: {e}"))?;
        } else if !section.home_net.is_empty() {
            c.home = section
                .home_net
                .iter()
                .map(|s| Cidr::parse(s))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("behaviour.home-net: {e}"))?;
        }
        for s in &section.servers {
            let a: IpAddr = s
                .address
                .parse()
                .map_err(|_| format!("behaviour.servers: `{}` is not an address", s.address))?;
            c.servers.push((a, s.role));
            c.own_names
                .extend(s.names.iter().map(|n| n.to_ascii_lowercase()));
        }
        c.own_names
            .extend(section.own_names.iter().map(|n| n.to_ascii_lowercase()));
        let cidrs = |v: &[String], what: &str| -> Result<Vec<Cidr>, String> {
            v.iter()
                .map(|s| Cidr::parse(s).map_err(|e| format!("behaviour.allow.{what}: {e}")))
                .collect()
        };
        c.allow_hosts = cidrs(&section.allow.hosts, "hosts")?;
        c.allow_destinations = cidrs(&section.allow.destinations, "destinations")?;
        c.allow_domains = section
            .allow
            .domains
            .iter()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
            .collect();
        Ok(c)
    }

    pub fn is_home(&self, ip: IpAddr) -> bool {
        self.home.iter().any(|c| c.contains(ip))
    }

    /// A unicast address (a host, not a group or a broadcast).
    pub fn is_unicast(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => !(a.is_broadcast() || a.is_multicast() || a.is_unspecified()),
            IpAddr::V6(a) => !(a.is_multicast() || a.is_unspecified()),
        }
    }

    /// An outside host: not home, and a unicast address (broadcast, multicast, link-local
    /// and unspecified addresses are local chatter, never a remote peer).
    pub fn is_external(&self, ip: IpAddr) -> bool {
        if self.is_home(ip) {
            return false;
        }
        match ip {
            IpAddr::V4(a) => {
                !(a.is_broadcast()
                    || a.is_multicast()
                    || a.is_link_local()
                    || a.is_unspecified()
                    || a.is_loopback())
            }
            IpAddr::V6(a) => {
                let seg = a.segments()[0];
                !(a.is_multicast()
                    || a.is_unspecified()
                    || a.is_loopback()
                    || (seg & 0xffc0) == 0xfe80)
            }
        }
    }

    pub fn role(&self, ip: IpAddr) -> Option<Role> {
        self.servers.iter().find(|(a, _)| *a == ip).map(|(_, r)| *r)
    }

    pub fn host_allowed(&self, ip: IpAddr) -> bool {
        self.allow_hosts.iter().any(|c| c.contains(ip))
    }

    pub fn destination_allowed(&self, ip: IpAddr) -> bool {
        self.allow_destinations.iter().any(|c| c.contains(ip))
    }

    /// `name` or a parent of it is allowlisted.
    pub fn domain_allowed(&self, name: &str) -> bool {
        self.allow_domains.iter().any(|d| {
            name == d
                || (name.len() > d.len() && name.ends_with(d.as_str()) && {
                    name.as_bytes()[name.len() - d.len() - 1] == b'.'
                })
        })
    }

    fn role_thresholds(&self, ip: IpAddr) -> Option<&RoleThresholds> {
        match self.role(ip)? {
            Role::Portal => self.roles.portal.as_ref(),
            Role::Database => self.roles.database.as_ref(),
            Role::Resolver => self.roles.resolver.as_ref(),
            Role::Mail => self.roles.mail.as_ref(),
            Role::Other => self.roles.other.as_ref(),
        }
    }

    /// Volume an outside client may pull from `server` within the window.
    pub fn pull_bytes(&self, server: IpAddr) -> u64 {
        self.role_thresholds(server)
            .and_then(|r| r.pull_bytes)
            .unwrap_or(self.t.pull_bytes)
    }

    pub fn web_tool_requests(&self, server: IpAddr) -> usize {
        self.role_thresholds(server)
            .and_then(|r| r.web_tool_requests)
            .unwrap_or(self.t.web_tool_requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.10.0.0/16").unwrap();
        assert!(c.contains("10.10.3.4".parse().unwrap()));
        assert!(!c.contains("10.11.3.4".parse().unwrap()));
        let c = Cidr::parse("2003:51:6012:121::/64").unwrap();
        assert!(c.contains("2003:51:6012:121::2".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert_eq!(parse_cidr_list("[1.2.3.4, 5.6.7.0/24]").unwrap().len(), 2);
    }

    #[test]
    fn section_resolves_with_roles_and_allowlists() {
        let s: BehaviourSection = toml::from_str(
            "home-net = [\"10.10.0.0/16\"]\n[[servers]]\naddress = \"10.10.1.10\"\nrole = \"portal\"\nnames = [\"Voter.Elections.example\"]\n[allow]\ndomains = [\"nest.com\"]\n[roles.portal]\npull-bytes = 1000\n",
        )
        .unwrap();
        let c = BehaviourConfig::resolve(&s, None).unwrap();
        let portal: IpAddr = "10.10.1.10".parse().unwrap();
        assert_eq!(c.role(portal), Some(Role::Portal));
        assert_eq!(c.pull_bytes(portal), 1000);
        assert_eq!(c.pull_bytes("10.10.1.11".parse().unwrap()), 20_000_000);
        assert!(c.domain_allowed("weave.nest.com"));
        assert!(!c.domain_allowed("notnest.com"));
        assert_eq!(c.own_names, vec!["voter.elections.example".to_string()]);
        assert!(toml::from_str::<BehaviourSection>("bogus = 1").is_err());
        assert!(c.is_external("192.0.2.1".parse().unwrap()));
        assert!(!c.is_external("255.255.255.255".parse().unwrap()));
        assert!(!c.is_external("224.0.0.251".parse().unwrap()));
        assert!(!c.is_external("ff02::fb".parse().unwrap()));
        assert!(!c.is_external("10.10.1.10".parse().unwrap()));
    }
}
