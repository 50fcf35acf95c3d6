//! `threshold` and `detection_filter`: how many matches of a signature, per source or per
//! destination address and time window (packet time), turn into alerts.
//!
//! The counters span flows, and flows of one host land on different workers, so this is the
//! one detection state shared between workers: a concurrent map (`dashmap`, sharded locks)
//! touched only when a signature with a threshold has matched, never per packet.

use std::net::IpAddr;

use dashmap::DashMap;

use crate::time::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThresholdType {
    /// Alert on the first `count` matches of each window.
    Limit,
    /// Alert on every `count`-th match of a window.
    Threshold,
    /// Alert once per window, when the `count`-th match is reached.
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    BySrc,
    ByDst,
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

/// Shared counters of all workers.
#[derive(Default)]
pub struct RateTable {
    windows: DashMap<(u32, IpAddr), Window>,
}

impl RateTable {
    pub fn new() -> RateTable {
        RateTable::default()
    }

    /// A match of signature `sig` (engine index) with the tracked address `ip` at `ts`:
    /// whether it becomes an alert.
    pub fn allow(&self, sig: u32, spec: &RateSpec, ip: IpAddr, ts: Timestamp) -> bool {
        let (count, seconds) = match *spec {
            RateSpec::Threshold { count, seconds, .. }
            | RateSpec::DetectionFilter { count, seconds, .. } => (count.max(1), seconds),
        };
        let mut w = self.windows.entry((sig, ip)).or_insert(Window {
            start: ts,
            matches: 0,
        });
        if ts.0 > w.start.saturating_add_secs(seconds as u64).0 {
            *w = Window {
                start: ts,
                matches: 0,
            };
        }
        w.matches = w.matches.saturating_add(1);
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

    /// Entries held (bounded by the number of distinct (signature, address) pairs seen).
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
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
            .map(|&s| t.allow(1, &spec, ip, at(s)))
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

    #[test]
    fn addresses_are_counted_apart() {
        let spec = RateSpec::Threshold {
            kind: ThresholdType::Limit,
            track: Track::BySrc,
            count: 1,
            seconds: 60,
        };
        let t = RateTable::new();
        assert!(t.allow(1, &spec, "10.0.0.1".parse().unwrap(), at(0)));
        assert!(t.allow(1, &spec, "10.0.0.2".parse().unwrap(), at(0)));
        assert!(!t.allow(1, &spec, "10.0.0.1".parse().unwrap(), at(1)));
        assert!(t.allow(2, &spec, "10.0.0.1".parse().unwrap(), at(1)));
    }
}
