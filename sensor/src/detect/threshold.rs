//! `threshold` and `detection_filter`: how many matches of a signature, per what the rule
//! tracks (source or destination address, address pair, flow, or the rule as a whole) and
//! time window (packet time), turn into alerts.
//!
//! The counters span flows, and flows of one host land on different workers, so this is the
//! one detection state shared between workers: a concurrent map (`dashmap`, sharded locks)
//! touched only when a signature with a threshold has matched, never per packet.
//!
//! Workers do not run in lockstep: one may still be at a capture's first minute when another
//! is days later in packet time (a directory of captures, a gap in traffic). A match is
//! therefore counted in the window its own time falls in, of the two most recent windows of
//! its key, not in whichever window another worker opened last; otherwise a lagging worker's
//! match would land in a later window and lose its alert.

use std::net::IpAddr;

use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;

use crate::time::Timestamp;

pub use super::rule::{ThresholdType, Track};

/// What one counter is kept for (besides the signature).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// `by_rule`: one counter for the signature.
    Rule,
    /// `by_src` / `by_dst`.
    Addr(IpAddr),
    /// `by_both`: the address pair, either order (the lower address first).
    Pair(IpAddr, IpAddr),
    /// `by_flow`: client address and port, server address and port, IP protocol.
    Flow(IpAddr, u16, IpAddr, u16, u8),
}

impl RateKey {
    pub fn pair(a: IpAddr, b: IpAddr) -> RateKey {
        if a <= b {
            RateKey::Pair(a, b)
        } else {
            RateKey::Pair(b, a)
        }
    }
}

/// What a rule asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateSpec {
    Threshold {
        kind: ThresholdType,
        track: Track,
        count: u32,
        seconds: u32,
    },
    /// `detection_filter`: alert on every match once `count` matches were seen in the window.
    DetectionFilter {
        track: Track,
        count: u32,
        seconds: u32,
    },
}

impl RateSpec {
    pub fn track(&self) -> Track {
        match self {
            RateSpec::Threshold { track, .. } | RateSpec::DetectionFilter { track, .. } => *track,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Window {
    start: Timestamp,
    matches: u32,
}

impl Window {
    /// Whether a match at `ts` belongs here: within `seconds` after the start, or before it
    /// by less than a window (a lagging worker's match of the same period).
    fn holds(&self, ts: Timestamp, seconds: u32) -> bool {
        ts.0 <= self.start.saturating_add_secs(seconds as u64).0
            && ts.saturating_add_secs(seconds as u64).0 >= self.start.0
    }
}

/// The two latest windows of one signature and key.
#[derive(Clone, Copy, Debug)]
struct Slots {
    seconds: u32,
    windows: [Option<Window>; 2],
}

impl Slots {
    /// Whether a match at `ts` could still fall in one of the windows.
    fn live(&self, ts: Timestamp) -> bool {
        self.windows
            .iter()
            .flatten()
            .any(|w| w.start.saturating_add_secs(self.seconds as u64).0 >= ts.0)
    }
}

/// Keys held before expired ones are dropped (a flood of spoofed sources matching a
/// `by_src` rule must not grow the table without bound; Suricata bounds its host table too).
pub const RATE_TABLE_CAP: usize = 1 << 20;

/// Shared counters of all workers: per signature and key, the two latest windows.
pub struct RateTable {
    windows: DashMap<(u32, RateKey), Slots>,
    cap: usize,
    /// Packet time (ns) of the last sweep of expired keys: at most one per 10 s.
    last_sweep: AtomicU64,
    /// Matches decided without a table entry because the table was full of live keys.
    untracked: AtomicU64,
}

impl Default for RateTable {
    fn default() -> RateTable {
        RateTable::with_cap(RATE_TABLE_CAP)
    }
}

impl RateTable {
    pub fn new() -> RateTable {
        RateTable::default()
    }

    pub fn with_cap(cap: usize) -> RateTable {
        RateTable {
            windows: DashMap::new(),
            cap,
            last_sweep: AtomicU64::new(0),
            untracked: AtomicU64::new(0),
        }
    }

    /// Forgets every window (a new, unrelated capture starts).
    pub fn clear(&self) {
        self.windows.clear();
        self.last_sweep.store(0, Ordering::Relaxed);
    }

    /// Matches decided as the first of a new window because the table was full.
    pub fn untracked(&self) -> u64 {
        self.untracked.load(Ordering::Relaxed)
    }

    /// A match of signature `sig` (engine index) counted under `key` at `ts`: whether it
    /// becomes an alert.
    pub fn allow(&self, sig: u32, spec: &RateSpec, key: RateKey, ts: Timestamp) -> bool {
        let (count, seconds) = match *spec {
            RateSpec::Threshold { count, seconds, .. }
            | RateSpec::DetectionFilter { count, seconds, .. } => (count.max(1), seconds),
        };
        if self.windows.len() >= self.cap && !self.windows.contains_key(&(sig, key)) {
            self.sweep(ts);
            if self.windows.len() >= self.cap {
                // Decided as the first match of a fresh window, and not remembered.
                self.untracked.fetch_add(1, Ordering::Relaxed);
                return decide(
                    spec,
                    &mut Window {
                        start: ts,
                        matches: 1,
                    },
                    count,
                );
            }
        }
        let mut entry = self.windows.entry((sig, key)).or_insert(Slots {
            seconds,
            windows: [None, None],
        });
        let slots = &mut entry.windows;
        let found = slots
            .iter()
            .position(|w| w.is_some_and(|w| w.holds(ts, seconds)));
        let k = found.unwrap_or_else(|| {
            // A new window replaces the older of the two (or an empty slot).
            match (slots[0], slots[1]) {
                (None, _) => 0,
                (_, None) => 1,
                (Some(a), Some(b)) => usize::from(b.start.0 < a.start.0),
            }
        });
        let w = slots[k].get_or_insert(Window {
            start: ts,
            matches: 0,
        });
        if found.is_none() {
            *w = Window {
                start: ts,
                matches: 0,
            };
        }
        w.matches = w.matches.saturating_add(1);
        decide(spec, w, count)
    }

    /// Drops the keys whose windows ended before `ts`, at most once per 10 s of packet time.
    fn sweep(&self, ts: Timestamp) {
        let last = self.last_sweep.load(Ordering::Relaxed);
        if ts.0 < last.saturating_add(10_000_000_000)
            || self
                .last_sweep
                .compare_exchange(last, ts.0, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        self.windows.retain(|_, s| s.live(ts));
    }
    /// Entries held (bounded by the number of distinct (signature, address) pairs seen).
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }
}

/// Whether the match just counted in `w` becomes an alert.
fn decide(spec: &RateSpec, w: &mut Window, count: u32) -> bool {
    let n = w.matches;
    match *spec {
        RateSpec::Threshold {
            kind: ThresholdType::Limit,
            ..
        } => n <= count,
        RateSpec::Threshold {
            kind: ThresholdType::Threshold,
            ..
        } => {
            if n >= count {
                w.matches = 0;
                true
            } else {
                false
            }
        }
        RateSpec::Threshold {
            kind: ThresholdType::Both,
            ..
        } => n == count,
        RateSpec::DetectionFilter { .. } => n > count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> Timestamp {
        Timestamp::from_secs_nanos(s, 0)
    }

    fn run(spec: RateSpec, times: &[u64]) -> Vec<bool> {
        let t = RateTable::new();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        times
            .iter()
            .map(|&s| t.allow(1, &spec, RateKey::Addr(ip), at(s)))
            .collect()
    }

    #[test]
    fn limit_alerts_on_the_first_n_per_window() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Limit,
            track: Track::BySrc,
            count: 2,
            seconds: 60,
        };
        assert_eq!(
            run(spec, &[0, 1, 2, 3, 70, 71, 72]),
            [true, true, false, false, true, true, false]
        );
    }

    #[test]
    fn threshold_alerts_every_nth() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Threshold,
            track: Track::BySrc,
            count: 3,
            seconds: 60,
        };
        assert_eq!(
            run(spec, &[0, 1, 2, 3, 4, 5, 6]),
            [false, false, true, false, false, true, false]
        );
    }

    #[test]
    fn both_alerts_once_per_window() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Both,
            track: Track::ByDst,
            count: 2,
            seconds: 10,
        };
        assert_eq!(
            run(spec, &[0, 1, 2, 3, 20, 21, 22]),
            [false, true, false, false, false, true, false]
        );
    }

    #[test]
    fn detection_filter_alerts_after_the_rate_is_reached() {
        let spec = RateSpec::DetectionFilter {
            track: Track::BySrc,
            count: 2,
            seconds: 60,
        };
        assert_eq!(run(spec, &[0, 1, 2, 3]), [false, false, true, true]);
    }

    /// A lagging worker's match from an earlier period still gets its window (and alert),
    /// and the later window is not disturbed by it.
    #[test]
    fn late_matches_count_in_their_own_window() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Limit,
            track: Track::BySrc,
            count: 1,
            seconds: 600,
        };
        let day = 86_400;
        assert_eq!(
            run(
                spec,
                &[9 * day, 2 * day, 9 * day + 1, 2 * day + 1, 9 * day + 700]
            ),
            [true, true, false, false, true]
        );
        // Slightly out of order inside one window: still one alert.
        assert_eq!(run(spec, &[100, 99, 101]), [true, false, false]);
    }

    /// A flood of new sources cannot grow the table past its cap: expired keys are swept,
    /// and while every held key is live, new ones are decided without being remembered.
    #[test]
    fn the_table_stays_within_its_cap() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Limit,
            track: Track::BySrc,
            count: 1,
            seconds: 60,
        };
        let t = RateTable::with_cap(100);
        let src = |i: u32| RateKey::Addr(IpAddr::from(i.to_be_bytes()));
        for i in 0..1000 {
            assert!(t.allow(1, &spec, src(i), at(0)));
        }
        assert_eq!(t.len(), 100);
        assert_eq!(t.untracked(), 900);
        // A held key still counts: its second match is suppressed.
        assert!(!t.allow(1, &spec, src(5), at(1)));
        // Once the windows have ended, a sweep makes room for new sources.
        for i in 1000..1100 {
            assert!(t.allow(1, &spec, src(i), at(200)));
        }
        assert_eq!(t.untracked(), 900);
        assert!(t.len() <= 100);
        assert!(!t.allow(1, &spec, src(1050), at(201)));
    }

    #[test]
    fn addresses_are_counted_apart() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Limit,
            track: Track::BySrc,
            count: 1,
            seconds: 60,
        };
        let t = RateTable::new();
        let a = |s: &str| RateKey::Addr(s.parse().unwrap());
        assert!(t.allow(1, &spec, a("10.0.0.1"), at(0)));
        assert!(t.allow(1, &spec, a("10.0.0.2"), at(0)));
        assert!(!t.allow(1, &spec, a("10.0.0.1"), at(1)));
        assert!(t.allow(2, &spec, a("10.0.0.1"), at(1)));
    }

    /// `by_rule` counts all matches together; `by_both` counts a pair in either order.
    #[test]
    fn rule_and_pair_keys() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Limit,
            track: Track::ByRule,
            count: 1,
            seconds: 60,
        };
        let t = RateTable::new();
        assert!(t.allow(1, &spec, RateKey::Rule, at(0)));
        assert!(!t.allow(1, &spec, RateKey::Rule, at(1)));
        let (x, y) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert_eq!(RateKey::pair(x, y), RateKey::pair(y, x));
        assert!(t.allow(2, &spec, RateKey::pair(x, y), at(0)));
        assert!(!t.allow(2, &spec, RateKey::pair(y, x), at(1)));
    }
}
