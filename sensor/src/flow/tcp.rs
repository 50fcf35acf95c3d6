//! TCP connection state as seen from the wire, per flow. The sensor observes both directions, so
//! it follows the handshake and the close without being a party to them.

use crate::decode::TcpHeader;

/// States named as Suricata's EVE `tcp.state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TcpState {
    /// No SYN seen: traffic picked up mid-stream.
    #[default]
    None,
    SynSent,
    SynRecv,
    Established,
    /// One side has sent FIN.
    FinWait1,
    /// Both sides have sent FIN.
    Closing,
    /// Both FINs acknowledged, or a RST.
    Closed,
}

impl TcpState {
    pub fn name(self) -> &'static str {
        match self {
            TcpState::None => "none",
            TcpState::SynSent => "syn_sent",
            TcpState::SynRecv => "syn_recv",
            TcpState::Established => "established",
            TcpState::FinWait1 => "fin_wait1",
            TcpState::Closing => "closing",
            TcpState::Closed => "closed",
        }
    }
}

/// Per-flow TCP tracking. Direction 0 is client to server, 1 server to client.
#[derive(Clone, Copy, Debug, Default)]
pub struct TcpTracker {
    /// OR of the flags seen in each direction.
    pub flags: [u8; 2],
    pub state: TcpState,
    /// Sequence base of each direction (the SYN's sequence number, or one less than the first
    /// segment's when the SYN was missed), as Wireshark keeps it to recognise port reuse.
    base_seq: [u32; 2],
    fin_seq: [u32; 2],
    /// `BASE_SET << dir`: `base_seq[dir]` is set; `FIN_SEEN << dir`: `fin_seq[dir]` is.
    /// (Bits rather than bools: one tracker per TCP flow, a million flows.)
    seen: u8,
    pub rst_seen: bool,
    /// The three-way handshake was seen (not a mid-stream pickup).
    pub handshake: bool,
    /// `handshake` before the latest segment: the segment that completes the handshake is not
    /// itself part of an established session (as Suricata's `flow:established` sees it).
    pub handshake_before: bool,
}

const BASE_SET: u8 = 1;
const FIN_SEEN: u8 = 4;

impl TcpTracker {
    #[inline]
    fn base_seq_set(&self, dir: usize) -> bool {
        self.seen & (BASE_SET << dir) != 0
    }

    /// The sequence base of direction `dir` (its SYN's sequence number, or one less than its
    /// first segment's), once a segment travelled that way.
    #[inline]
    pub fn base_seq(&self, dir: usize) -> Option<u32> {
        self.base_seq_set(dir).then_some(self.base_seq[dir])
    }

    #[inline]
    fn fin_seen(&self, dir: usize) -> bool {
        self.seen & (FIN_SEEN << dir) != 0
    }

    /// Whether this segment opens a new connection on a reused 4-tuple: a SYN without ACK (nor
    /// FIN or RST, which never start a stream in Suricata) whose sequence number differs from
    /// the one this direction started with.
    #[inline]
    pub fn is_reuse(&self, dir: usize, h: &TcpHeader) -> bool {
        const STARTER: u8 = TcpHeader::SYN | TcpHeader::ACK | TcpHeader::FIN | TcpHeader::RST;
        h.flags & STARTER == TcpHeader::SYN && self.base_seq_set(dir) && h.seq != self.base_seq[dir]
    }

    /// Follows one segment travelling in direction `dir`.
    #[inline]
    pub fn update(&mut self, dir: usize, h: &TcpHeader) {
        self.handshake_before = self.handshake;
        let flags = h.flags;
        self.flags[dir] |= flags;
        if !self.base_seq_set(dir) {
            self.seen |= BASE_SET << dir;
            self.base_seq[dir] = if flags & TcpHeader::SYN != 0 {
                h.seq
            } else {
                h.seq.wrapping_sub(1)
            };
        }
        if flags & TcpHeader::RST != 0 {
            self.rst_seen = true;
            self.state = TcpState::Closed;
            return;
        }
        let syn = flags & TcpHeader::SYN != 0;
        let ack = flags & TcpHeader::ACK != 0;
        match self.state {
            TcpState::None if syn && !ack && dir == 0 => self.state = TcpState::SynSent,
            TcpState::None if syn && ack => self.state = TcpState::SynRecv,
            TcpState::None if self.flags[0] != 0 && self.flags[1] != 0 => {
                // Both directions seen without a handshake: a session picked up mid-stream.
                self.state = TcpState::Established
            }
            TcpState::SynSent if syn && ack && dir == 1 => self.state = TcpState::SynRecv,
            TcpState::SynRecv if ack && !syn && dir == 0 => {
                self.state = TcpState::Established;
                self.handshake = true;
            }
            _ => {}
        }
        if flags & TcpHeader::FIN != 0 && !self.fin_seen(dir) {
            self.seen |= FIN_SEEN << dir;
            self.fin_seq[dir] = h.seq;
            self.state = if self.fin_seen(1 - dir) {
                TcpState::Closing
            } else {
                TcpState::FinWait1
            };
        } else if self.state == TcpState::Closing
            && ack
            && self.fin_seen(1 - dir)
            && h.ack.wrapping_sub(self.fin_seq[1 - dir]) as i32 > 0
        {
            // The last FIN has been acknowledged.
            self.state = TcpState::Closed;
        }
    }

    /// Established at some point (handshake completed or both sides talked).
    pub fn was_established(&self) -> bool {
        !matches!(
            self.state,
            TcpState::None | TcpState::SynSent | TcpState::SynRecv
        )
    }

    /// FIN from both sides or a RST: the connection is over.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, TcpState::Closing | TcpState::Closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(flags: u8, seq: u32, ack: u32) -> TcpHeader {
        TcpHeader {
            flags,
            seq,
            ack,
            ..Default::default()
        }
    }

    #[test]
    fn handshake_data_and_close() {
        let mut t = TcpTracker::default();
        t.update(0, &seg(TcpHeader::SYN, 100, 0));
        assert_eq!(t.state, TcpState::SynSent);
        t.update(1, &seg(TcpHeader::SYN | TcpHeader::ACK, 500, 101));
        assert_eq!(t.state, TcpState::SynRecv);
        t.update(0, &seg(TcpHeader::ACK, 101, 501));
        assert_eq!(t.state, TcpState::Established);
        t.update(0, &seg(TcpHeader::FIN | TcpHeader::ACK, 101, 501));
        assert_eq!(t.state, TcpState::FinWait1);
        t.update(1, &seg(TcpHeader::FIN | TcpHeader::ACK, 501, 102));
        assert_eq!(t.state, TcpState::Closing);
        assert!(t.is_closed());
        t.update(0, &seg(TcpHeader::ACK, 102, 502));
        assert_eq!(t.state, TcpState::Closed);
        assert_eq!(t.flags[0], TcpHeader::SYN | TcpHeader::ACK | TcpHeader::FIN);
    }

    #[test]
    fn reuse_needs_a_new_isn() {
        let mut t = TcpTracker::default();
        let syn = seg(TcpHeader::SYN, 100, 0);
        t.update(0, &syn);
        assert!(
            !t.is_reuse(0, &syn),
            "a retransmitted SYN is the same connection"
        );
        assert!(t.is_reuse(0, &seg(TcpHeader::SYN, 9999, 0)));
        assert!(!t.is_reuse(0, &seg(TcpHeader::SYN | TcpHeader::ACK, 9999, 0)));
        assert!(!t.is_reuse(0, &seg(TcpHeader::SYN | TcpHeader::FIN, 9999, 0)));
    }

    #[test]
    fn rst_closes_and_midstream_establishes() {
        let mut t = TcpTracker::default();
        t.update(0, &seg(TcpHeader::ACK | TcpHeader::PSH, 1000, 2000));
        assert_eq!(t.state, TcpState::None);
        t.update(1, &seg(TcpHeader::ACK, 2000, 1010));
        assert_eq!(t.state, TcpState::Established);
        t.update(1, &seg(TcpHeader::RST, 2000, 0));
        assert_eq!(t.state, TcpState::Closed);
    }
}
