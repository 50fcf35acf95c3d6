//! The decode stage: link to transport decoding, fragment reassembly and flow keying of each
//! packet. It runs in the reader thread when there are several workers (the flow hash decides
//! the worker), and inside the single worker otherwise (no dispatch is needed, so the reader
//! only hands over raw frames and the two threads share the work).

use crate::capture::{LinkType, SharedFrame};
use crate::decode::{self, DecodeOutcome, DefragConfig, DefragStats, Defragmenter};
use crate::events::PacketEvent;
use crate::flow::FlowPacket;
use crate::time::Timestamp;

use super::stats::DecodeStats;

/// What the capture says about a frame besides its bytes.
#[derive(Clone, Copy, Debug)]
pub struct FrameMeta {
    pub ts: Timestamp,
    /// Position in the input, from 1.
    pub pcap_cnt: u64,
    pub link: LinkType,
    pub wire_len: u64,
}

pub struct DecodeStage {
    pub stats: DecodeStats,
    defrag: Defragmenter,
    /// Pass on packets whose transport header did not decode, flagged flowless (signatures
    /// apply IP-level rules to them).
    flowless: bool,
}

impl DecodeStage {
    pub fn new(defrag: DefragConfig, flowless: bool) -> DecodeStage {
        DecodeStage {
            stats: DecodeStats::default(),
            defrag: Defragmenter::new(defrag),
            flowless,
        }
    }

    pub fn defrag_stats(&self) -> DefragStats {
        self.defrag.stats()
    }

    /// Decodes one frame; every IP packet that comes out (a whole packet, or a datagram that
    /// this fragment completed) goes to `emit` with its bytes.
    #[inline]
    pub fn packet(
        &mut self,
        meta: FrameMeta,
        frame: &[u8],
        shared: Option<SharedFrame<'_>>,
        emit: &mut impl FnMut(FlowPacket, &[u8], Option<SharedFrame<'_>>),
    ) {
        let FrameMeta {
            ts,
            pcap_cnt,
            link,
            wire_len,
        } = meta;
        let d = &mut self.stats;
        if d.packets == 0 {
            d.first_ts = ts;
        }
        d.packets += 1;
        d.bytes += wire_len;
        let decoded = match decode::decode(link, frame) {
            Ok(DecodeOutcome::Ip(decoded)) => decoded,
            Ok(DecodeOutcome::NotIp { .. }) => {
                d.not_ip += 1;
                return;
            }
            Err(e) => {
                d.errors[e.index()] += 1;
                if self.flowless {
                    // Rare (malformed packets): decoded again, leniently. A packet whose
                    // transport header is bad keeps its IP layer; one whose network layer is
                    // bad is passed on when it raised a decoder event (`pkthdr` rules).
                    let again = if e.is_transport() {
                        decode::decode_flowless(link, frame)
                    } else {
                        decode::decode_invalid(link, frame, e)
                    };
                    if let Some(ip) = again {
                        let mut p = FlowPacket::new(ts, wire_len, ip);
                        p.pcap_cnt = pcap_cnt;
                        emit(p, frame, shared);
                    }
                }
                return;
            }
        };
        if decoded.fragment.is_none() {
            d.count_l4(&decoded);
            let mut p = FlowPacket::new(ts, wire_len, decoded);
            p.pcap_cnt = pcap_cnt;
            emit(p, frame, shared);
            return;
        }
        d.fragments += 1;
        let before = self.defrag.stats();
        if let Some(r) = self.defrag.insert(ts, frame, wire_len as u32, &decoded) {
            match decode::decode_ip(r.datagram) {
                Ok(mut whole) => {
                    whole.vlan = decoded.vlan;
                    whole.vlan_count = decoded.vlan_count;
                    self.stats.count_l4(&whole);
                    let mut flow = FlowPacket::new(ts, r.wire_len_total, whole);
                    flow.frames = r.fragments.max(1);
                    flow.pcap_cnt = pcap_cnt;
                    emit(flow, r.datagram, None);
                }
                Err(e) => self.stats.errors[e.index()] += 1,
            }
        }
        if self.flowless {
            let after = self.defrag.stats();
            let mut events = decoded.events;
            let v4 = decoded.src.is_ipv4();
            if after.overlaps != before.overlaps {
                events.set(if v4 {
                    PacketEvent::Ipv4FragOverlap
                } else {
                    PacketEvent::Ipv6FragOverlap
                });
            }
            if after.too_large != before.too_large {
                events.set(if v4 {
                    PacketEvent::Ipv4FragPktTooLarge
                } else {
                    PacketEvent::Ipv6FragPktTooLarge
                });
            }
            if !events.is_empty() {
                // A fragment with an event is also inspected on its own, outside any flow,
                // as Suricata inspects fragments (after the datagram it may have completed).
                let mut f = decoded;
                f.events = events;
                f.l4_invalid = true;
                f.payload_len = 0;
                let mut p = FlowPacket::new(ts, wire_len, f);
                p.pcap_cnt = pcap_cnt;
                emit(p, frame, shared);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::PacketEvents;

    fn meta(n: u64) -> FrameMeta {
        FrameMeta {
            ts: Timestamp::from_secs_nanos(1, 0),
            pcap_cnt: n,
            link: LinkType::Raw,
            wire_len: 0,
        }
    }

    /// IPv6 fragment of datagram 7 at `offset` (bytes, multiple of 8), `data` (UDP).
    fn frag(offset: u16, more: bool, data: &[u8]) -> Vec<u8> {
        let mut f = vec![0x60, 0, 0, 0, 0, 0, 44, 64];
        f[4..6].copy_from_slice(&(8 + data.len() as u16).to_be_bytes());
        f.extend_from_slice(&[0xfd; 16]);
        f.extend_from_slice(&[0xfe; 16]);
        let of = offset | u16::from(more);
        f.extend_from_slice(&[17, 0]);
        f.extend_from_slice(&of.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 7]);
        f.extend_from_slice(data);
        f
    }

    /// Every packet the stage passes on: (flowless, events).
    fn run(stage: &mut DecodeStage, frames: &[Vec<u8>]) -> Vec<(bool, PacketEvents)> {
        let mut out = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            stage.packet(meta(i as u64 + 1), f, None, &mut |p, _, _| {
                out.push((p.flowless, p.decoded.events))
            });
        }
        out
    }

    #[test]
    fn fragments_with_events_and_invalid_packets_are_passed_on_flowless() {
        let udp = [0u8, 53, 0, 53, 0, 16, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        // The second fragment repeats the first: it comes on its own, flowless, with its
        // event; the third completes the datagram, passed on as usual.
        let frames = vec![
            frag(0, true, &udp[..8]),
            frag(0, true, &udp[..8]),
            frag(8, false, &udp[8..]),
        ];
        let mut stage = DecodeStage::new(DefragConfig::default(), true);
        let got = run(&mut stage, &frames);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].0 && got[0].1.has(PacketEvent::Ipv6FragOverlap));
        assert!(!got[1].0 && got[1].1.is_empty());
        // Without signatures nothing extra is passed on.
        let mut quiet = DecodeStage::new(DefragConfig::default(), false);
        assert_eq!(run(&mut quiet, &frames).len(), 1);
        // An IPv4 header with IHL 4: counted, and passed on for pkthdr rules.
        let mut bad = vec![
            0x44, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        bad.extend_from_slice(&[0; 20]);
        let got = run(&mut stage, &[bad]);
        assert_eq!(got.len(), 1);
        assert!(got[0].0 && got[0].1.has(PacketEvent::Ipv4HlenTooSmall));
        assert_eq!(run(&mut quiet, &[vec![0x44; 40]]).len(), 0);
    }
}
