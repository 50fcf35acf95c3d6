//! Signature groups: the rules of a stage split by transport (TCP, UDP, other), flow direction
//! and server port, as Suricata's signature group heads split them, so a packet to port 53 is
//! prefiltered only against rules that can apply to port 53. Each group gets its own
//! prefilter; a rule that applies to many ports is in each of their groups.
//!
//! Ports are singled out when rules name them (up to `MAX_PORT_GROUPS` per transport and
//! direction, the most used first); all other ports share one group holding the rules that can
//! apply to a port not singled out. Groups with the same rules are built once.

use std::collections::HashMap;

use super::rule::{Direction, FlowDirection, Header, Protocol, RangeSet};
use crate::app::registry::Transport;
use crate::flow::TO_SERVER;

/// Ports singled out per transport and direction.
const MAX_PORT_GROUPS: usize = 64;
/// A rule whose port set is larger than this does not single out its ports (it lands in the
/// shared group and in every singled-out group whose port it contains).
const MAX_PORTS_PER_RULE: u32 = 32;

/// Transport classes rules are split by.
pub const TRANSPORTS: usize = 3;

/// The transport class of an IP protocol number.
#[inline]
pub fn transport_of(ip_proto: u8) -> usize {
    match ip_proto {
        6 => 0,
        17 => 1,
        _ => 2,
    }
}

/// Group selection of one stage.
#[derive(Debug, Default)]
pub struct StageIndex {
    /// By transport and direction; `None` when the stage is not split (application-layer
    /// stages: their rules are already of one protocol).
    split: Option<Box<[[PortMap; 2]; TRANSPORTS]>>,
    /// The group of an unsplit stage.
    single: u32,
    /// The stage has any rule at all.
    pub has_rules: bool,
}

#[derive(Debug, Default)]
struct PortMap {
    /// Singled-out server ports and their groups, sorted by port.
    ports: Vec<(u16, u32)>,
    /// The group of every other port.
    other: u32,
}

impl StageIndex {
    /// The group for a subject of transport `t`, direction `dir`, server port `port`.
    #[inline]
    pub fn group(&self, t: usize, dir: usize, port: u16) -> u32 {
        let Some(split) = &self.split else {
            return self.single;
        };
        let m = &split[t.min(TRANSPORTS - 1)][dir & 1];
        match m.ports.binary_search_by_key(&port, |&(p, _)| p) {
            Ok(i) => m.ports[i].1,
            Err(_) => m.other,
        }
    }
}

/// Where a rule can apply: per transport and direction, the server ports (`None`: nowhere).
pub type Reach = [[Option<RangeSet<u16>>; 2]; TRANSPORTS];

/// The transports, directions and server ports a rule's header and `flow` option allow.
pub fn reach(header: &Header, flow_dir: Option<FlowDirection>) -> Reach {
    let transports: [bool; TRANSPORTS] = match header.protocol {
        Protocol::Ip | Protocol::IpVersion(_) | Protocol::Pkthdr => [true, true, true],
        Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream => [true, false, false],
        Protocol::App(p) => [p.over(Transport::Tcp), p.over(Transport::Udp), false],
        Protocol::Udp => [false, true, false],
        Protocol::Icmp | Protocol::Icmpv6 => [false, false, true],
    };
    let mut out: Reach = Default::default();
    for (t, row) in out.iter_mut().enumerate() {
        if !transports[t] {
            continue;
        }
        for (dir, cell) in row.iter_mut().enumerate() {
            let to_server = dir == TO_SERVER;
            match flow_dir {
                Some(FlowDirection::ToServer) if !to_server => continue,
                Some(FlowDirection::ToClient) if to_server => continue,
                _ => {}
            }
            if t == 2 {
                // No ports.
                *cell = Some(RangeSet::full());
                continue;
            }
            // A packet to the server has the server port as destination; one from it, as
            // source. `<>` rules match either way round.
            let (dst, src) = (&header.dst_ports.0, &header.src_ports.0);
            let ports = match (header.direction, to_server) {
                (Direction::Both, _) => dst.union(src),
                (_, true) => dst.clone(),
                (_, false) => src.clone(),
            };
            *cell = Some(ports);
        }
    }
    out
}

fn size(set: &RangeSet<u16>) -> u32 {
    set.ranges()
        .iter()
        .map(|&(lo, hi)| (hi - lo) as u32 + 1)
        .sum()
}

/// Builds a stage's index from its rules' reach (`rules`: signature id and reach). New groups
/// are appended to `groups` as signature-id lists, deduplicated through `known`.
pub fn build_split(
    rules: &[(u32, Reach)],
    groups: &mut Vec<Vec<u32>>,
    known: &mut HashMap<Vec<u32>, u32>,
) -> StageIndex {
    let mut intern = |ids: Vec<u32>| intern(ids, groups, known);
    let mut split: Box<[[PortMap; 2]; TRANSPORTS]> = Default::default();
    for (t, row) in split.iter_mut().enumerate() {
        for (dir, map) in row.iter_mut().enumerate() {
            let here: Vec<(u32, &RangeSet<u16>)> = rules
                .iter()
                .filter_map(|(id, r)| r[t][dir].as_ref().map(|p| (*id, p)))
                .collect();
            let mut uses: HashMap<u16, usize> = HashMap::new();
            for (_, ports) in &here {
                if !ports.is_full() && size(ports) <= MAX_PORTS_PER_RULE {
                    for &(lo, hi) in ports.ranges() {
                        for p in lo..=hi {
                            *uses.entry(p).or_default() += 1;
                        }
                    }
                }
            }
            let mut picked: Vec<(u16, usize)> = uses.into_iter().collect();
            picked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            picked.truncate(MAX_PORT_GROUPS);
            let mut ports: Vec<u16> = picked.into_iter().map(|(p, _)| p).collect();
            ports.sort_unstable();
            let singled = RangeSet::from_ranges(ports.iter().map(|&p| (p, p)).collect());
            for &p in &ports {
                let ids = here
                    .iter()
                    .filter(|(_, s)| s.contains(p))
                    .map(|(id, _)| *id)
                    .collect();
                map.ports.push((p, intern(ids)));
            }
            let other = here
                .iter()
                .filter(|(_, s)| !s.subtract(&singled).is_empty())
                .map(|(id, _)| *id)
                .collect();
            map.other = intern(other);
        }
    }
    StageIndex {
        split: Some(split),
        single: 0,
        has_rules: !rules.is_empty(),
    }
}

/// The group holding exactly `ids`, added when new.
fn intern(ids: Vec<u32>, groups: &mut Vec<Vec<u32>>, known: &mut HashMap<Vec<u32>, u32>) -> u32 {
    if let Some(&g) = known.get(&ids) {
        return g;
    }
    let g = groups.len() as u32;
    groups.push(ids.clone());
    known.insert(ids, g);
    g
}

/// A stage whose rules all share one group.
pub fn build_single(
    ids: Vec<u32>,
    groups: &mut Vec<Vec<u32>>,
    known: &mut HashMap<Vec<u32>, u32>,
) -> StageIndex {
    let has_rules = !ids.is_empty();
    let single = intern(ids, groups, known);
    StageIndex {
        split: None,
        single,
        has_rules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rule::{parse_rule, Vars};

    fn reach_of(text: &str) -> Reach {
        let r = parse_rule(text, &Vars::default()).unwrap();
        reach(&r.header, r.flow.and_then(|f| f.direction))
    }

    fn ids(groups: &[Vec<u32>], g: u32) -> Vec<u32> {
        groups[g as usize].clone()
    }

    #[test]
    fn reach_follows_header_and_flow() {
        let r = reach_of("alert tcp any any -> any 80 (sid:1;)");
        assert!(r[0][0].as_ref().unwrap().contains(80));
        assert!(!r[0][0].as_ref().unwrap().contains(81));
        assert!(
            r[0][1].as_ref().unwrap().is_full(),
            "responses: source port any"
        );
        assert!(r[1][0].is_none() && r[2][0].is_none());
        let r = reach_of("alert tcp any 80 <> any 8080 (sid:1;)");
        let s = r[0][0].as_ref().unwrap();
        assert!(s.contains(80) && s.contains(8080) && !s.contains(81));
        let r = reach_of("alert dns any any -> any 53 (flow:to_server; sid:1;)");
        assert!(r[0][0].is_some() && r[1][0].is_some());
        assert!(r[0][1].is_none() && r[1][1].is_none());
        let r = reach_of("alert icmp any any -> any any (sid:1;)");
        assert!(r[2][0].is_some() && r[0][0].is_none());
    }

    #[test]
    fn ports_single_out_and_the_rest_share() {
        let rules = [
            (0, reach_of("alert tcp any any -> any 80 (sid:1;)")),
            (1, reach_of("alert tcp any any -> any [80,443] (sid:2;)")),
            (2, reach_of("alert tcp any any -> any any (sid:3;)")),
            (3, reach_of("alert tcp any any -> any 1024: (sid:4;)")),
            (4, reach_of("alert udp any any -> any 53 (sid:5;)")),
        ];
        let mut groups = vec![Vec::new()];
        let mut known = HashMap::from([(Vec::new(), 0)]);
        let idx = build_split(&rules, &mut groups, &mut known);
        let to_server = TO_SERVER;
        assert_eq!(ids(&groups, idx.group(0, to_server, 80)), vec![0, 1, 2]);
        assert_eq!(ids(&groups, idx.group(0, to_server, 443)), vec![1, 2]);
        // Ports not singled out share a group: rule 3 is a candidate there (and fails
        // verification for port 22).
        assert_eq!(ids(&groups, idx.group(0, to_server, 22)), vec![2, 3]);
        assert_eq!(ids(&groups, idx.group(0, to_server, 8080)), vec![2, 3]);
        // Responses from port 80: the header's source port is `any` for all of them.
        assert_eq!(
            ids(&groups, idx.group(0, 1 - to_server, 80)),
            vec![0, 1, 2, 3]
        );
        assert_eq!(ids(&groups, idx.group(1, to_server, 53)), vec![4]);
        assert_eq!(ids(&groups, idx.group(1, to_server, 54)), Vec::<u32>::new());
        assert_eq!(ids(&groups, idx.group(2, to_server, 0)), Vec::<u32>::new());
        // Identical groups are built once.
        let mut sorted = groups.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), groups.len());
    }
}
