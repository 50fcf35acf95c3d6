//! IP prefix tables: which rules (or indicator entries) have an address set containing an
//! address.
//!
//! Addresses are keys in one 128-bit space: IPv6 as is, IPv4 as the IPv4-mapped IPv6 address
//! `::ffff:a.b.c.d` (so an IPv4 address and its mapped IPv6 form are the same key). Each id
//! comes with inclusive key ranges, already normalised by the caller (negation, variables and
//! families are the rule parser's business; [`subtract`] and [`union`] help with it).
//!
//! The table is a static segment tree over the elementary intervals that the range bounds cut
//! the key space into: an id's range is stored at the O(log n) tree nodes that exactly cover
//! it, so a range shared by many addresses costs no more than a single address, and a lookup
//! is a binary search for the interval and a walk up to the root collecting ids (it follows
//! precomputed links that skip nodes without ids).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// Start of `::ffff:0.0.0.0/96`, where IPv4 addresses live.
const V4_BASE: u128 = 0xffff_0000_0000;

/// The table key of an address (IPv4 mapped into IPv6).
pub fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => V4_BASE | u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The address of a key (IPv4 for keys in `::ffff:0:0/96`).
pub fn key_ip(key: u128) -> IpAddr {
    match u32::try_from(key ^ V4_BASE) {
        Ok(v4) if key >= V4_BASE => IpAddr::V4(Ipv4Addr::from(v4)),
        _ => IpAddr::V6(Ipv6Addr::from(key)),
    }
}

/// An inclusive range of keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpRange {
    pub start: u128,
    pub end: u128,
}

impl IpRange {
    /// Every address, both families.
    pub const ALL: IpRange = IpRange {
        start: 0,
        end: u128::MAX,
    };
    /// Every IPv4 address.
    pub const ALL_V4: IpRange = IpRange {
        start: V4_BASE,
        end: V4_BASE | u32::MAX as u128,
    };
    /// Every IPv6 address that is not IPv4-mapped.
    pub const ALL_V6: [IpRange; 2] = [
        IpRange {
            start: 0,
            end: V4_BASE - 1,
        },
        IpRange {
            start: (V4_BASE | u32::MAX as u128) + 1,
            end: u128::MAX,
        },
    ];

    /// None when `start > end`.
    pub fn new(start: u128, end: u128) -> Option<IpRange> {
        (start <= end).then_some(IpRange { start, end })
    }

    pub fn single(ip: IpAddr) -> IpRange {
        let k = ip_key(ip);
        IpRange { start: k, end: k }
    }

    /// The network `ip/prefix`; host bits of `ip` are ignored, as Suricata does.
    pub fn cidr(ip: IpAddr, prefix: u8) -> Result<IpRange, IpTableError> {
        let (k, host_bits) = match ip {
            IpAddr::V4(_) if prefix <= 32 => (ip_key(ip), 32 - u32::from(prefix)),
            IpAddr::V6(_) if prefix <= 128 => (ip_key(ip), 128 - u32::from(prefix)),
            _ => return Err(IpTableError::BadPrefix(format!("{ip}/{prefix}"))),
        };
        // No host bits: shifting by 128 is None.
        let host = u128::MAX.checked_shr(128 - host_bits).unwrap_or(0);
        Ok(IpRange {
            start: k & !host,
            end: k | host,
        })
    }

    pub fn contains(&self, key: u128) -> bool {
        self.start <= key && key <= self.end
    }
}

/// `a.b.c.d`, `a.b.c.d/n`, IPv6 likewise, or `first-last` (both of one family).
impl FromStr for IpRange {
    type Err = IpTableError;

    fn from_str(s: &str) -> Result<IpRange, IpTableError> {
        let bad = || IpTableError::BadAddress(s.to_string());
        let s = s.trim();
        if let Some((ip, prefix)) = s.split_once('/') {
            let ip: IpAddr = ip.parse().map_err(|_| bad())?;
            let prefix: u8 = prefix
                .parse()
                .map_err(|_| IpTableError::BadPrefix(s.to_string()))?;
            return IpRange::cidr(ip, prefix);
        }
        if let Some((a, b)) = s.split_once('-') {
            let a: IpAddr = a.trim().parse().map_err(|_| bad())?;
            let b: IpAddr = b.trim().parse().map_err(|_| bad())?;
            if a.is_ipv4() != b.is_ipv4() {
                return Err(bad());
            }
            return IpRange::new(ip_key(a), ip_key(b)).ok_or_else(bad);
        }
        s.parse().map(IpRange::single).map_err(|_| bad())
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", key_ip(self.start))
        } else {
            write!(f, "{}-{}", key_ip(self.start), key_ip(self.end))
        }
    }
}

/// Sorted, disjoint, non-adjacent ranges covering the same keys.
pub fn union(ranges: &[IpRange]) -> Vec<IpRange> {
    let mut v = ranges.to_vec();
    v.sort_unstable();
    let mut out: Vec<IpRange> = Vec::with_capacity(v.len());
    for r in v {
        match out.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(1) => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The keys of `from` that are not in `remove` (negation: `subtract(&[IpRange::ALL_V4], ..)`).
pub fn subtract(from: &[IpRange], remove: &[IpRange]) -> Vec<IpRange> {
    let remove = union(remove);
    let mut out = Vec::new();
    for r in union(from) {
        let mut start = r.start;
        let mut open = true;
        // Removals overlapping r, in order.
        let first = remove.partition_point(|x| x.end < r.start);
        for x in remove.get(first..).unwrap_or(&[]) {
            if x.start > r.end {
                break;
            }
            if x.start > start {
                out.push(IpRange {
                    start,
                    end: x.start - 1,
                });
            }
            match x.end.checked_add(1) {
                Some(next) if next <= r.end => start = start.max(next),
                _ => {
                    open = false;
                    break;
                }
            }
        }
        if open {
            out.push(IpRange { start, end: r.end });
        }
    }
    out
}

/// Why a table or range could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IpTableError {
    /// An entry whose start is above its end.
    InvertedRange {
        start: u128,
        end: u128,
        id: u32,
    },
    /// More entries than the table indexes (2^24).
    TooManyEntries(usize),
    BadAddress(String),
    BadPrefix(String),
}

impl fmt::Display for IpTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IpTableError::InvertedRange { start, end, id } => write!(
                f,
                "range of id {id} starts after it ends ({} > {})",
                key_ip(*start),
                key_ip(*end)
            ),
            IpTableError::TooManyEntries(n) => write!(f, "too many address ranges ({n})"),
            IpTableError::BadAddress(s) => write!(f, "bad address or range {s:?}"),
            IpTableError::BadPrefix(s) => write!(f, "bad prefix length in {s:?}"),
        }
    }
}

impl std::error::Error for IpTableError {}

/// Keeps node numbers and the node-to-id lists (at most 2 log2(2n) per entry) within u32.
const MAX_ENTRIES: usize = 1 << 24;

/// Addresses to the ids whose ranges contain them. Immutable once built; share it freely.
#[derive(Clone, Debug)]
pub struct IpTable {
    /// Starts of the elementary intervals; `points[0] == 0`.
    points: Vec<u128>,
    /// Leaves of the tree (a power of two); node n has children 2n and 2n+1, the root is 1.
    leaves: usize,
    /// Ids of node n: `ids[offsets[n]..offsets[n + 1]]`.
    offsets: Vec<u32>,
    ids: Vec<u32>,
    /// Nearest node at or above n that has ids; 0 for none.
    up: Vec<u32>,
    entries: usize,
}

impl IpTable {
    /// Builds from `(start, end, id)` inclusive key ranges. An id may come with many ranges,
    /// overlapping or not.
    pub fn build(
        entries: impl IntoIterator<Item = (u128, u128, u32)>,
    ) -> Result<IpTable, IpTableError> {
        let mut v: Vec<(u32, u128, u128)> = Vec::new();
        for (start, end, id) in entries {
            if start > end {
                return Err(IpTableError::InvertedRange { start, end, id });
            }
            if v.len() >= MAX_ENTRIES {
                return Err(IpTableError::TooManyEntries(v.len() + 1));
            }
            v.push((id, start, end));
        }
        let entries = v.len();
        // Merge each id's ranges so that any key lies in at most one range per id: every id
        // is then reported at most once per lookup.
        v.sort_unstable();
        let mut merged: Vec<(u32, u128, u128)> = Vec::with_capacity(v.len());
        for (id, start, end) in v {
            match merged.last_mut() {
                Some(last) if last.0 == id && start <= last.2.saturating_add(1) => {
                    last.2 = last.2.max(end)
                }
                _ => merged.push((id, start, end)),
            }
        }

        let mut points = Vec::with_capacity(merged.len() * 2 + 1);
        points.push(0);
        for &(_, start, end) in &merged {
            points.push(start);
            if let Some(next) = end.checked_add(1) {
                points.push(next);
            }
        }
        points.sort_unstable();
        points.dedup();
        let leaves = points.len().next_power_of_two();
        let nodes = 2 * leaves;

        // Covering nodes of each range, then grouped by node (counting sort keeps id order).
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for &(id, start, end) in &merged {
            let l = points.partition_point(|&p| p < start);
            let r = match end.checked_add(1) {
                Some(next) => points.partition_point(|&p| p < next),
                None => points.len(),
            };
            let (mut l, mut r) = (l + leaves, r + leaves);
            while l < r {
                if l & 1 == 1 {
                    pairs.push((l as u32, id));
                    l += 1;
                }
                if r & 1 == 1 {
                    r -= 1;
                    pairs.push((r as u32, id));
                }
                l >>= 1;
                r >>= 1;
            }
        }
        let mut offsets = vec![0u32; nodes + 1];
        for &(n, _) in &pairs {
            offsets[n as usize + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut fill = offsets.clone();
        let mut ids = vec![0u32; pairs.len()];
        for &(n, id) in &pairs {
            let at = &mut fill[n as usize];
            ids[*at as usize] = id;
            *at += 1;
        }
        let mut up = vec![0u32; nodes];
        for n in 1..nodes {
            up[n] = if offsets[n + 1] > offsets[n] {
                n as u32
            } else {
                up[n >> 1]
            };
        }
        Ok(IpTable {
            points,
            leaves,
            offsets,
            ids,
            up,
            entries,
        })
    }

    /// Calls `out` once for each id with a range containing `ip`, in no particular order.
    pub fn lookup(&self, ip: IpAddr, out: &mut impl FnMut(u32)) {
        self.lookup_key(ip_key(ip), out)
    }

    /// [`IpTable::lookup`] by key.
    pub fn lookup_key(&self, key: u128, out: &mut impl FnMut(u32)) {
        // points[0] == 0, so the interval index is at least 0.
        let interval = self.points.partition_point(|&p| p <= key).saturating_sub(1);
        let mut n = self.up.get(self.leaves + interval).copied().unwrap_or(0) as usize;
        while n != 0 {
            let from = self.offsets.get(n).copied().unwrap_or(0) as usize;
            let to = self.offsets.get(n + 1).copied().unwrap_or(0) as usize;
            for &id in self.ids.get(from..to).unwrap_or(&[]) {
                out(id);
            }
            n = self.up.get(n >> 1).copied().unwrap_or(0) as usize;
        }
    }

    /// True when some range contains `ip`.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let mut any = false;
        self.lookup(ip, &mut |_| any = true);
        any
    }

    /// Number of `(range, id)` entries the table was built from.
    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Heap bytes held.
    pub fn memory_usage(&self) -> usize {
        self.points.capacity() * 16
            + (self.offsets.capacity() + self.ids.capacity() + self.up.capacity()) * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn r(s: &str) -> IpRange {
        s.parse().unwrap()
    }

    fn ids(t: &IpTable, ip: &str) -> Vec<u32> {
        let mut v = Vec::new();
        t.lookup(ip.parse().unwrap(), &mut |id| v.push(id));
        v.sort_unstable();
        v
    }

    fn entry(s: &str, id: u32) -> (u128, u128, u32) {
        let x = r(s);
        (x.start, x.end, id)
    }

    #[test]
    fn parses_addresses_prefixes_and_ranges() {
        assert_eq!(r("10.1.2.3/8"), r("10.0.0.0-10.255.255.255"));
        assert_eq!(r("0.0.0.0/0"), IpRange::ALL_V4);
        assert_eq!(r("::/0"), IpRange::ALL);
        assert_eq!(r("2001:db8::/127").end, r("2001:db8::1").start);
        assert_eq!(r("192.0.2.7/32"), r("192.0.2.7"));
        assert_eq!(r("::ffff:192.0.2.7"), r("192.0.2.7"));
        assert_eq!(r("192.0.2.7").to_string(), "192.0.2.7");
        assert_eq!(r("10.0.0.0/8").to_string(), "10.0.0.0-10.255.255.255");
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.300",
            "10.0.0.2-10.0.0.1",
            "1.2.3.4-::1",
            "x/8",
            "1.2.3.4/x",
        ] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn union_and_subtract() {
        let u = union(&[r("10.0.0.0/9"), r("10.128.0.0/9"), r("10.0.0.5")]);
        assert_eq!(u, vec![r("10.0.0.0/8")]);
        let not_home = subtract(&[IpRange::ALL_V4], &[r("10.0.0.0/8"), r("192.168.0.0/16")]);
        assert_eq!(
            not_home,
            vec![
                r("0.0.0.0-9.255.255.255"),
                r("11.0.0.0-192.167.255.255"),
                r("192.169.0.0-255.255.255.255")
            ]
        );
        assert_eq!(subtract(&[IpRange::ALL], &[IpRange::ALL]), vec![]);
        let v6 = subtract(&[IpRange::ALL], &[IpRange::ALL_V4]);
        assert_eq!(v6, IpRange::ALL_V6.to_vec());
        assert_eq!(subtract(&[r("1.2.3.4")], &[]), vec![r("1.2.3.4")]);
    }

    #[test]
    fn nested_and_overlapping_ranges() {
        let t = IpTable::build([
            entry("10.0.0.0/8", 1),
            entry("10.1.0.0/16", 2),
            entry("10.1.2.3", 3),
            entry("10.1.0.0/16", 1), // inside id 1's /8: still reported once
            entry("::/0", 4),
            entry("2001:db8::/32", 5),
        ])
        .unwrap();
        assert_eq!(ids(&t, "10.1.2.3"), vec![1, 2, 3, 4]);
        assert_eq!(ids(&t, "10.1.2.4"), vec![1, 2, 4]);
        assert_eq!(ids(&t, "10.2.0.0"), vec![1, 4]);
        assert_eq!(ids(&t, "11.0.0.0"), vec![4]);
        assert_eq!(ids(&t, "2001:db8::1"), vec![4, 5]);
        assert_eq!(ids(&t, "::ffff:10.1.2.3"), vec![1, 2, 3, 4]);
        assert!(t.contains("1.1.1.1".parse().unwrap()));
        assert_eq!(t.len(), 6);
    }

    #[test]
    fn extremes_and_errors() {
        let t = IpTable::build([(u128::MAX, u128::MAX, 1), (0, 0, 2)]).unwrap();
        assert_eq!(ids(&t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), vec![1]);
        assert_eq!(ids(&t, "::"), vec![2]);
        assert_eq!(ids(&t, "::1"), Vec::<u32>::new());
        let empty = IpTable::build([]).unwrap();
        assert!(empty.is_empty());
        assert_eq!(ids(&empty, "1.2.3.4"), Vec::<u32>::new());
        assert_eq!(
            IpTable::build([(5, 4, 9)]).err(),
            Some(IpTableError::InvertedRange {
                start: 5,
                end: 4,
                id: 9
            })
        );
    }

    /// Keys bunched together so that ranges overlap, plus the extremes.
    fn key() -> impl Strategy<Value = u128> {
        prop_oneof![
            0u128..64,
            (V4_BASE..V4_BASE + 64),
            (u128::MAX - 64..=u128::MAX),
            any::<u128>(),
        ]
    }

    proptest! {
        #[test]
        fn lookup_equals_list_scan(
            raw in vec((key(), key(), 0u32..16), 0..60),
            probes in vec(key(), 1..40),
        ) {
            let entries: Vec<(u128, u128, u32)> =
                raw.iter().map(|&(a, b, id)| (a.min(b), a.max(b), id)).collect();
            let t = IpTable::build(entries.iter().copied()).unwrap();
            // Probe each bound and its neighbours too.
            let mut keys = probes;
            for &(s, e, _) in &entries {
                keys.extend([s, e, s.wrapping_sub(1), e.wrapping_add(1)]);
            }
            for k in keys {
                let want: BTreeSet<u32> = entries
                    .iter()
                    .filter(|&&(s, e, _)| s <= k && k <= e)
                    .map(|&(_, _, id)| id)
                    .collect();
                let mut got = Vec::new();
                t.lookup_key(k, &mut |id| got.push(id));
                let set: BTreeSet<u32> = got.iter().copied().collect();
                prop_assert_eq!(set.len(), got.len(), "duplicate id");
                prop_assert_eq!(set, want);
            }
        }

        #[test]
        fn subtract_equals_membership(
            from in vec((key(), key()), 0..8),
            remove in vec((key(), key()), 0..8),
            probes in vec(key(), 1..40),
        ) {
            let mk = |v: &[(u128, u128)]| -> Vec<IpRange> {
                v.iter().map(|&(a, b)| IpRange { start: a.min(b), end: a.max(b) }).collect()
            };
            let (from, remove) = (mk(&from), mk(&remove));
            let diff = subtract(&from, &remove);
            for w in diff.windows(2) {
                prop_assert!(w[0].end < w[1].start);
            }
            let mut keys = probes;
            for x in from.iter().chain(&remove) {
                keys.extend([x.start, x.end, x.start.wrapping_sub(1), x.end.wrapping_add(1)]);
            }
            for k in keys {
                let want = from.iter().any(|x| x.contains(k)) && !remove.iter().any(|x| x.contains(k));
                prop_assert_eq!(diff.iter().any(|x| x.contains(k)), want, "key {}", k);
            }
        }
    }
}
