//! The `tag` keyword: after a rule alerts, later packets of its session or of one of its hosts
//! are "tagged" and written as EVE `packet` records, so an analyst sees what followed.
//!
//! Suricata 7 semantics (`detect-engine-tag.c`):
//! - `tag:session[,N,packets|bytes|seconds]` tags the alert's flow; `tag:host[,N,metric[,src|dst]]`
//!   tags the packet's source or destination address (default `dst`), and then every packet
//!   from or to that address, in any flow. Without a count: 256 packets; a packet count is
//!   capped at 256.
//! - A tag is set only by a match that becomes an alert (thresholds and `packet-alert-max`
//!   applied). Each packet steps the tags of its flow and of both its addresses: `packets`
//!   counts packets, `bytes` their captured length, `seconds` the time since the tag was set.
//!   The alert's own packet is the first one counted and is not tagged (the alert shows it);
//!   the tag ends once the count is exceeded, so `tag:host,9,packets` tags the next 8.
//! - The same rule matching again restarts its tag (at most 10 times); a flow or host holds
//!   at most 50 tags; a host's tags end 600 s after the last packet that stepped them.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use dashmap::DashMap;

use super::rule::{TagMetric, TagSpec};
use crate::time::Timestamp;

/// Suricata's `DETECT_TAG_MAX_TAGS`: tags per flow or host.
const MAX_TAGS: usize = 50;
/// Suricata's `DETECT_TAG_MATCH_LIMIT`: restarts of one rule's tag.
const MATCH_LIMIT: u16 = 10;
/// Suricata's `TAG_MAX_LAST_TIME_SEEN`: a host tag not stepped for this long is dropped.
const HOST_IDLE_SECS: u64 = 600;
/// Hosts with tags kept at most (the table stays bounded whatever the traffic).
const MAX_HOSTS: usize = 65_536;

/// A tag in force.
#[derive(Clone, Debug)]
struct Tag {
    gid: u32,
    sid: u32,
    metric: TagMetric,
    count: u32,
    packets: u32,
    bytes: u64,
    first_secs: u64,
    last_secs: u64,
    /// The alert's own packet has been counted.
    skipped_first: bool,
    matches: u16,
}

/// The tags of one flow or host.
#[derive(Clone, Debug, Default)]
pub struct TagList(Vec<Tag>);

impl TagList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets (or restarts) rule `gid:sid`'s tag; whether a new tag was added.
    pub fn add(&mut self, gid: u32, sid: u32, spec: &TagSpec, ts: Timestamp) -> bool {
        let secs = ts.secs();
        if let Some(t) = self.0.iter_mut().find(|t| t.sid == sid && t.gid == gid) {
            t.matches = t.matches.saturating_add(1);
            if t.matches < MATCH_LIMIT {
                t.first_secs = secs;
                t.last_secs = secs;
                t.packets = 0;
                t.bytes = 0;
            }
            return false;
        }
        if self.0.len() >= MAX_TAGS {
            return false;
        }
        self.0.push(Tag {
            gid,
            sid,
            metric: spec.metric,
            count: spec.count,
            packets: 0,
            bytes: 0,
            first_secs: secs,
            last_secs: secs,
            skipped_first: false,
            matches: 0,
        });
        true
    }

    /// Steps every tag for one packet of `len` captured bytes and drops the ones that end;
    /// whether the packet is tagged, and how many tags ended.
    pub fn step(&mut self, len: u64, ts: Timestamp) -> (bool, usize) {
        let secs = ts.secs();
        let mut tagged = false;
        let before = self.0.len();
        self.0.retain_mut(|t| {
            t.last_secs = secs;
            match t.metric {
                TagMetric::Packets => t.packets = t.packets.saturating_add(1),
                TagMetric::Bytes => t.bytes = t.bytes.saturating_add(len),
                TagMetric::Seconds => {}
            }
            if !t.skipped_first {
                t.skipped_first = true;
                return true;
            }
            let ended = match t.metric {
                TagMetric::Packets => t.packets > t.count,
                TagMetric::Bytes => t.bytes > t.count as u64,
                TagMetric::Seconds => t.last_secs.saturating_sub(t.first_secs) > t.count as u64,
            };
            tagged |= !ended;
            !ended
        });
        (tagged, before - self.0.len())
    }

    /// Drops tags not stepped since `HOST_IDLE_SECS` before `now`; how many.
    fn expire(&mut self, now_secs: u64) -> usize {
        let before = self.0.len();
        self.0
            .retain(|t| now_secs.saturating_sub(t.last_secs) <= HOST_IDLE_SECS);
        before - self.0.len()
    }
}

/// Host tags, shared by the workers (a host's packets reach several of them).
#[derive(Default)]
pub struct HostTags {
    hosts: DashMap<IpAddr, TagList>,
    /// Tags in force: zero makes the per-packet check one atomic load.
    active: AtomicUsize,
}

impl HostTags {
    /// Forgets every host's tags (a new, unrelated capture starts).
    pub fn clear(&self) {
        self.hosts.clear();
        self.active.store(0, Ordering::Relaxed);
    }

    pub fn add(&self, host: IpAddr, gid: u32, sid: u32, spec: &TagSpec, ts: Timestamp) {
        if self.hosts.len() >= MAX_HOSTS && !self.hosts.contains_key(&host) {
            let now = ts.secs();
            let mut dropped = 0;
            self.hosts.retain(|_, l| {
                dropped += l.expire(now);
                !l.is_empty()
            });
            self.active.fetch_sub(dropped, Ordering::Relaxed);
            if self.hosts.len() >= MAX_HOSTS {
                return;
            }
        }
        if self.hosts.entry(host).or_default().add(gid, sid, spec, ts) {
            self.active.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Steps the tags of a packet's two addresses; whether either tags it.
    pub fn step(&self, src: IpAddr, dst: IpAddr, len: u64, ts: Timestamp) -> bool {
        if self.active.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let mut tagged = false;
        for host in [src, dst] {
            let mut ended = 0;
            if let Some(mut l) = self.hosts.get_mut(&host) {
                let now = ts.secs();
                ended += l.expire(now);
                let (t, n) = l.step(len, ts);
                tagged |= t;
                ended += n;
            }
            if ended > 0 {
                self.active.fetch_sub(ended, Ordering::Relaxed);
                self.hosts.remove_if(&host, |_, l| l.is_empty());
            }
        }
        tagged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(secs: u64) -> Timestamp {
        Timestamp::from_secs_nanos(secs, 0)
    }

    #[test]
    fn the_alerts_packet_counts_but_is_not_tagged() {
        let spec = TagSpec::parse("host,9,packets,dst").unwrap();
        let mut l = TagList::default();
        assert!(l.add(1, 7, &spec, ts(100)));
        let tagged: Vec<bool> = (0..12).map(|_| l.step(60, ts(100)).0).collect();
        // The alert's packet, 8 tagged, then the tag has ended.
        assert_eq!(tagged.iter().filter(|t| **t).count(), 8);
        assert!(!tagged[0] && tagged[1] && tagged[8] && !tagged[9]);
        assert!(l.is_empty());
    }

    #[test]
    fn bytes_and_seconds_metrics() {
        let mut l = TagList::default();
        l.add(1, 1, &TagSpec::parse("session,150,bytes").unwrap(), ts(0));
        let tagged: Vec<bool> = (0..5).map(|_| l.step(60, ts(0)).0).collect();
        // 60 (alert), 120, then 180 > 150 ends it.
        assert_eq!(tagged, [false, true, false, false, false]);
        let mut l = TagList::default();
        l.add(1, 1, &TagSpec::parse("session,3,seconds").unwrap(), ts(10));
        let tagged: Vec<bool> = [10, 11, 13, 14, 15].map(|s| l.step(1, ts(s)).0).to_vec();
        assert_eq!(tagged, [false, true, true, false, false]);
    }

    #[test]
    fn a_new_match_restarts_the_tag_ten_times_at_most() {
        let spec = TagSpec::parse("session,2,packets").unwrap();
        let mut l = TagList::default();
        l.add(1, 1, &spec, ts(0));
        l.step(1, ts(0));
        l.step(1, ts(0));
        for _ in 0..9 {
            assert!(!l.add(1, 1, &spec, ts(0)));
            assert_eq!(l.0[0].packets, 0);
            l.step(1, ts(0));
        }
        l.add(1, 1, &spec, ts(0));
        assert_eq!(l.0[0].packets, 1, "the tenth match no longer restarts it");
    }

    #[test]
    fn host_tags_follow_the_address_in_any_flow_and_end() {
        let tags = HostTags::default();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let c: IpAddr = "10.0.0.3".parse().unwrap();
        assert!(!tags.step(a, b, 1, ts(0)));
        tags.add(
            a,
            1,
            5,
            &TagSpec::parse("host,3,packets,src").unwrap(),
            ts(0),
        );
        assert!(!tags.step(a, b, 1, ts(0)), "the alert's packet");
        assert!(tags.step(c, a, 1, ts(1)), "to the host, another flow");
        assert!(!tags.step(b, c, 1, ts(1)), "not the host");
        assert!(tags.step(a, c, 1, ts(2)));
        assert!(!tags.step(a, c, 1, ts(2)), "ended");
        assert_eq!(tags.active.load(Ordering::Relaxed), 0);
        assert!(tags.hosts.is_empty());
        tags.add(b, 1, 5, &TagSpec::parse("host").unwrap(), ts(0));
        assert!(!tags.step(b, c, 1, ts(0)));
        assert!(!tags.step(b, c, 1, ts(601)), "idle for more than 600 s");
        assert_eq!(tags.active.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn fifty_tags_per_flow() {
        let spec = TagSpec::parse("session").unwrap();
        let mut l = TagList::default();
        for sid in 0..60 {
            l.add(1, sid, &spec, ts(0));
        }
        assert_eq!(l.0.len(), 50);
    }
}
