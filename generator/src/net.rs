//! The simulated election-office network: its hosts, their MAC addresses, and per-host
//! ephemeral port allocation (never reusing a 5-tuple inside one capture, so every flow in a
//! committed capture is unambiguous for tshark and the sensor alike).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::packet::Mac;
use super::rng::Rng;

/// 2026-11-03T13:00:00Z, Election Day, in nanoseconds since the Unix epoch.
pub const START_NS: u64 = 1_793_710_800 * NS_PER_SEC;
pub const NS_PER_SEC: u64 = 1_000_000_000;
pub const NS_PER_MS: u64 = 1_000_000;
pub const NS_PER_US: u64 = 1_000;

/// The edge router: every Internet host is seen behind its MAC.
pub const ROUTER_MAC: Mac = [0x00, 0x1b, 0x21, 0x3a, 0x00, 0x01];

/// How a host's stack behaves on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    pub ip: IpAddr,
    pub mac: Mac,
    /// TTL (or hop limit) as seen at the sensor.
    pub ttl: u8,
    pub os: Os,
}

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

pub fn v6(segs: [u16; 8]) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(
        segs[0], segs[1], segs[2], segs[3], segs[4], segs[5], segs[6], segs[7],
    ))
}

/// A stable locally administered MAC for an internal address.
fn mac_for(ip: IpAddr) -> Mac {
    let o = match ip {
        IpAddr::V4(a) => a.octets(),
        IpAddr::V6(a) => {
            let s = a.octets();
            [s[12], s[13], s[14], s[15]]
        }
    };
    [0x02, 0x10, o[0], o[1], o[2], o[3]]
}

pub fn internal(ip: IpAddr, os: Os) -> Host {
    let ttl = match os {
        Os::Linux => 64,
        Os::Windows => 128,
    };
    Host {
        ip,
        mac: mac_for(ip),
        ttl,
        os,
    }
}

/// An Internet host: behind the router, its TTL reduced by the hops it crossed.
pub fn external(ip: IpAddr, os: Os, hops: u8) -> Host {
    let base: u8 = match os {
        Os::Linux => 64,
        Os::Windows => 128,
    };
    Host {
        ip,
        mac: ROUTER_MAC,
        ttl: base.saturating_sub(hops),
        os,
    }
}

pub fn portal() -> Host {
    internal(v4(10, 10, 1, 10), Os::Linux)
}
pub fn portal_v6() -> Host {
    internal(v6([0x2001, 0xdb8, 0x10, 1, 0, 0, 0, 0x10]), Os::Linux)
}
pub fn database() -> Host {
    internal(v4(10, 10, 2, 20), Os::Linux)
}
pub fn resolver() -> Host {
    internal(v4(10, 10, 0, 53), Os::Linux)
}
pub fn mail_relay() -> Host {
    internal(v4(10, 10, 0, 25), Os::Linux)
}
pub fn workstation(n: u8) -> Host {
    internal(v4(10, 10, 3, n), Os::Windows)
}

/// Public name of the portal.
pub const PORTAL_NAME: &str = "voter.elections.example";

/// Hands out ephemeral ports per host, never the same one twice.
#[derive(Default)]
pub struct Ports {
    next: BTreeMap<IpAddr, u16>,
}

impl Ports {
    pub fn next(&mut self, rng: &mut Rng, h: &Host) -> u16 {
        let (lo, hi) = match h.os {
            Os::Linux => (32768u16, 60999u16),
            Os::Windows => (49152u16, 65535u16),
        };
        let start = lo + rng.below(((hi - lo) / 4) as u64) as u16;
        let p = self.next.entry(h.ip).or_insert(start);
        let port = *p;
        // Steps of 1-4 like a busy host's allocator; wrap within the range (a capture never
        // allocates a range's worth of ports from one host).
        let step = 1 + rng.below(4) as u16;
        *p = if port > hi - step { lo } else { port + step };
        port
    }
}
