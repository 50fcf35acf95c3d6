//! `xbits`: named bits on a host (`track ip_src`/`ip_dst`) or a host pair (`track ip_pair`,
//! either order) that outlive flows and expire after the rule's `expire` seconds of packet
//! time. Shared by the workers like the threshold table, and touched only when a signature
//! that names an xbit is evaluated or matches.

use std::net::IpAddr;

use dashmap::DashMap;

use crate::time::Timestamp;

/// What a bit is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XbitKey {
    Host(IpAddr),
    /// The lower address first, so both orders are one pair.
    Pair(IpAddr, IpAddr),
}

impl XbitKey {
    pub fn pair(a: IpAddr, b: IpAddr) -> XbitKey {
        if a <= b {
            XbitKey::Pair(a, b)
        } else {
            XbitKey::Pair(b, a)
        }
    }
}

/// Set bits and when they expire. Bounded by the distinct (bit, key) pairs rules set;
/// expired entries are dropped when seen and swept as the table grows.
#[derive(Default)]
pub struct XbitTable {
    bits: DashMap<(u16, XbitKey), Timestamp>,
}

/// Above this many entries, a set also sweeps expired ones.
const SWEEP_ABOVE: usize = 65_536;
/// Most entries kept: when sweeping leaves the table this full, a new bit is not set (the
/// table stays bounded whatever the traffic; Suricata's host table has a memcap likewise).
pub const MAX_ENTRIES: usize = 1 << 20;

impl XbitTable {
    /// Forgets every bit (a new, unrelated capture starts).
    pub fn clear(&self) {
        self.bits.clear();
    }

    pub fn is_set(&self, bit: u16, key: XbitKey, now: Timestamp) -> bool {
        self.bits.get(&(bit, key)).is_some_and(|exp| now.0 < exp.0)
    }

    pub fn set(&self, bit: u16, key: XbitKey, now: Timestamp, expire_secs: u32) {
        if self.bits.len() > SWEEP_ABOVE {
            self.bits.retain(|_, exp| now.0 < exp.0);
            if self.bits.len() >= MAX_ENTRIES && !self.bits.contains_key(&(bit, key)) {
                return;
            }
        }
        self.bits
            .insert((bit, key), now.saturating_add_secs(expire_secs as u64));
    }

    pub fn unset(&self, bit: u16, key: XbitKey) {
        self.bits.remove(&(bit, key));
    }

    pub fn toggle(&self, bit: u16, key: XbitKey, now: Timestamp, expire_secs: u32) {
        if self.is_set(bit, key, now) {
            self.unset(bit, key);
        } else {
            self.set(bit, key, now, expire_secs);
        }
    }

    pub fn len(&self) -> usize {
        self.bits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> Timestamp {
        Timestamp::from_secs_nanos(s, 0)
    }

    #[test]
    fn bits_expire_and_pairs_are_unordered() {
        let t = XbitTable::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        t.set(1, XbitKey::Host(a), at(100), 10);
        assert!(t.is_set(1, XbitKey::Host(a), at(105)));
        assert!(!t.is_set(1, XbitKey::Host(b), at(105)));
        assert!(!t.is_set(2, XbitKey::Host(a), at(105)));
        assert!(!t.is_set(1, XbitKey::Host(a), at(110)));
        t.set(1, XbitKey::pair(a, b), at(0), 30);
        assert!(t.is_set(1, XbitKey::pair(b, a), at(1)));
        t.toggle(1, XbitKey::pair(b, a), at(2), 30);
        assert!(!t.is_set(1, XbitKey::pair(a, b), at(3)));
        t.toggle(1, XbitKey::pair(b, a), at(4), 30);
        assert!(t.is_set(1, XbitKey::pair(a, b), at(5)));
        t.unset(1, XbitKey::pair(a, b));
        // The expired host bit is still held until a sweep.
        assert_eq!(t.len(), 1);
    }
}
