//! Internet checksums (RFC 1071) of the IPv4 header, TCP and UDP over IPv4 and IPv6, ICMPv4 and
//! ICMPv6, and the policy that says which of them are trusted.
//!
//! Nothing is computed while decoding: a checksum is summed when something asks for it (the
//! stream's validation of TCP segments, a rule with a `*-csum` keyword), straight from the
//! frame, with no allocation.
//!
//! Checksum offload: a sending host whose network card fills in TCP/UDP checksums hands the
//! card segments whose checksum field holds only the pseudo-header sum (Linux, Windows' NDIS and
//! the BSDs all seed it that way for the card to finish); a capture taken on that host shows
//! every outgoing segment with that "wrong" checksum. [`Verdict::Offloaded`] names exactly that
//! case, so the `auto` policy can tell it from a segment damaged in transit.

use super::{Decoded, L4};

/// Which checksum a keyword or a counter means (Suricata's keyword names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    Ipv4 = 0,
    Tcpv4 = 1,
    Tcpv6 = 2,
    Udpv4 = 3,
    Udpv6 = 4,
    Icmpv4 = 5,
    Icmpv6 = 6,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Ipv4,
        Kind::Tcpv4,
        Kind::Tcpv6,
        Kind::Udpv4,
        Kind::Udpv6,
        Kind::Icmpv4,
        Kind::Icmpv6,
    ];

    /// The rule keyword (`ipv4-csum`, ...).
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4-csum",
            Kind::Tcpv4 => "tcpv4-csum",
            Kind::Tcpv6 => "tcpv6-csum",
            Kind::Udpv4 => "udpv4-csum",
            Kind::Udpv6 => "udpv6-csum",
            Kind::Icmpv4 => "icmpv4-csum",
            Kind::Icmpv6 => "icmpv6-csum",
        }
    }

    pub fn from_keyword(k: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|c| c.keyword() == k)
    }

    #[inline]
    pub fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// What a checksum says about its packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// Wrong: the packet was damaged (or forged) after its sender computed it.
    Invalid,
    /// Wrong, and the field holds the pseudo-header sum a sender leaves for its network card
    /// to complete: captured on the sending host before the card filled it in (TCP/UDP only).
    Offloaded,
}

/// Ones' complement sum of `data` as big-endian 16-bit words (an odd last byte padded with
/// zero), added to `acc`, not yet folded. Eight bytes per step: the sum of 32-bit words folds
/// to the same 16-bit value (2^16 is 1 modulo 0xffff), and a `u64` cannot overflow on any
/// packet.
#[inline]
pub fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_be_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        acc += (w >> 32) + (w & 0xffff_ffff);
    }
    let rest = words.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        acc += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [b] = pairs.remainder() {
        acc += u64::from(*b) << 8;
    }
    acc
}

/// Folds a sum to 16 bits (end-around carry).
#[inline]
pub fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The IPv4 header's checksum; `None` when the packet is not IPv4 or its header is not all
/// there.
pub fn ipv4_header(frame: &[u8], d: &Decoded) -> Option<Verdict> {
    if d.l3_invalid {
        return None;
    }
    let l3 = d.l3_offset as usize;
    let first = *frame.get(l3)?;
    if first >> 4 != 4 {
        return None;
    }
    let header = frame.get(l3..l3 + usize::from(first & 0x0f) * 4)?;
    if header.len() < 20 {
        return None;
    }
    Some(if fold(sum(header, 0)) == 0xffff {
        Verdict::Valid
    } else {
        Verdict::Invalid
    })
}

/// The transport checksum of a TCP, UDP or ICMP packet, with which one it is. `None` when there
/// is none to judge: another protocol, a fragment not reassembled, a transport header that did
/// not decode, or a segment cut short by the capture's snap length (its sum cannot be
/// checked), or UDP over IPv4 with a zero checksum field, which carries none (neither valid
/// nor invalid for Suricata 7.0.10's `udpv4-csum`).
pub fn transport(frame: &[u8], d: &Decoded) -> Option<(Kind, Verdict)> {
    if d.fragment.is_some() || d.l4_invalid || d.l3_invalid {
        return None;
    }
    let l3 = d.l3_offset as usize;
    let l4 = d.l4_offset as usize;
    let v6 = *frame.get(l3)? >> 4 == 6;
    // Where the IP layer says the datagram ends (0 in the length field: TSO, or a jumbogram:
    // what was captured).
    let ip_end = if v6 {
        match be16(frame, l3 + 4)? {
            0 => frame.len(),
            n => l3 + 40 + usize::from(n),
        }
    } else {
        match be16(frame, l3 + 2)? {
            0 => frame.len(),
            n => l3 + usize::from(n),
        }
    };
    if ip_end > frame.len() || l4 >= ip_end {
        return None;
    }
    let (kind, end, field) = match (d.l4, v6) {
        (L4::Tcp(_), false) => (Kind::Tcpv4, ip_end, 16),
        (L4::Tcp(_), true) => (Kind::Tcpv6, ip_end, 16),
        (L4::Udp(u), _) => {
            let len = usize::from(u.length);
            if len < 8 || l4 + len > ip_end {
                return None;
            }
            (if v6 { Kind::Udpv6 } else { Kind::Udpv4 }, l4 + len, 6)
        }
        (L4::Icmp(_), false) if d.ip_proto == 1 => (Kind::Icmpv4, ip_end, 2),
        (L4::Icmp(_), true) if d.ip_proto == 58 => (Kind::Icmpv6, ip_end, 2),
        _ => return None,
    };
    let seg = frame.get(l4..end)?;
    let stored = be16(seg, field)?;
    if kind == Kind::Udpv4 && stored == 0 {
        return None;
    }
    if kind == Kind::Icmpv4 {
        let ok = fold(sum(seg, 0)) == 0xffff;
        return Some((kind, if ok { Verdict::Valid } else { Verdict::Invalid }));
    }
    // Pseudo-header: addresses, protocol and the segment's length.
    let addrs = if v6 {
        frame.get(l3 + 8..l3 + 40)?
    } else {
        frame.get(l3 + 12..l3 + 20)?
    };
    let proto = u64::from(d.ip_proto);
    let len = seg.len() as u64;
    let pseudo = sum(addrs, proto) + (len >> 16) + (len & 0xffff);
    if fold(sum(seg, pseudo)) == 0xffff {
        return Some((kind, Verdict::Valid));
    }
    // The offload seed: the pseudo-header sum, with the length (Linux, NDIS, BSD) or without
    // it (drivers that seed TSO segments so).
    let offloaded = matches!(kind, Kind::Tcpv4 | Kind::Tcpv6 | Kind::Udpv4 | Kind::Udpv6)
        && (stored == fold(pseudo) || stored == fold(sum(addrs, proto)));
    Some((
        kind,
        if offloaded {
            Verdict::Offloaded
        } else {
            Verdict::Invalid
        },
    ))
}

/// Suricata's `checksum-checks` (`pcap-file` and capture sections): whether checksums are
/// trusted at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Checks {
    /// Every wrong checksum is invalid.
    Yes,
    /// No checksum is judged: every packet counts as valid.
    No,
    /// Wrong checksums are invalid, except offload seeds ([`Verdict::Offloaded`]), which count
    /// as not checked.
    #[default]
    Auto,
}

impl Checks {
    pub fn parse(s: &str) -> Option<Checks> {
        match s.to_ascii_lowercase().as_str() {
            "yes" | "true" | "on" => Some(Checks::Yes),
            "no" | "false" | "off" => Some(Checks::No),
            "auto" => Some(Checks::Auto),
            _ => None,
        }
    }
}

/// Which checksums count, as Suricata's settings say: `stream.checksum-validation` (a TCP
/// segment with an invalid checksum is kept out of the stream) and `checksum-checks` (what is
/// judged at all). As in Suricata 7.0.10, validation off (`-k none`) changes nothing for the
/// keywords: they still see the checksums `checksum-checks` judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub validation: bool,
    pub checks: Checks,
}

impl Default for Policy {
    /// Suricata's defaults: validation on, `auto`.
    fn default() -> Self {
        Policy {
            validation: true,
            checks: Checks::Auto,
        }
    }
}

/// How a verdict counts under a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    Valid,
    Invalid,
    /// Not judged (checks off, or an offload seed under `auto`): counts as valid for the
    /// keywords, as Suricata's ignore-checksum flag.
    Ignored,
}

impl Policy {
    /// `-k none` / `-k all` (Suricata's: they set `stream.checksum-validation` only).
    pub fn parse_k(s: &str) -> Option<bool> {
        match s {
            "none" => Some(false),
            "all" => Some(true),
            _ => None,
        }
    }

    /// Whether TCP segments are validated for the stream (nothing to compute otherwise).
    #[inline]
    pub fn validates_stream(&self) -> bool {
        self.validation && self.checks != Checks::No
    }

    #[inline]
    pub fn judge(&self, v: Verdict) -> Judged {
        if self.checks == Checks::No {
            return Judged::Ignored;
        }
        match v {
            Verdict::Valid => Judged::Valid,
            Verdict::Offloaded if self.checks == Checks::Auto => Judged::Ignored,
            Verdict::Offloaded | Verdict::Invalid => Judged::Invalid,
        }
    }
}

/// The packet's checksums as the `*-csum` keywords see them: a bit per [`Kind`] in `valid`
/// (valid or not judged) or `invalid`; a kind in neither does not apply to the packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Csums {
    pub valid: u8,
    pub invalid: u8,
}

impl Csums {
    /// The kinds in `want` that apply to the packet, judged under `policy`.
    pub fn of(frame: &[u8], d: &Decoded, want: u8, policy: &Policy) -> Csums {
        let mut out = Csums::default();
        let mut put = |kind: Kind, v: Verdict| match policy.judge(v) {
            Judged::Invalid => out.invalid |= kind.bit(),
            Judged::Valid | Judged::Ignored => out.valid |= kind.bit(),
        };
        if want & Kind::Ipv4.bit() != 0 {
            if let Some(v) = ipv4_header(frame, d) {
                put(Kind::Ipv4, v);
            }
        }
        if want & !Kind::Ipv4.bit() != 0 {
            if let Some((kind, v)) = transport(frame, d) {
                if want & kind.bit() != 0 {
                    put(kind, v);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{hex, ip};
    use super::super::{decode, decode_ip};
    use super::*;
    use crate::capture::LinkType;

    fn verdicts(link: LinkType, f: &[u8]) -> (Option<Verdict>, Option<(Kind, Verdict)>) {
        let d = ip(decode(link, f));
        (ipv4_header(f, &d), transport(f, &d))
    }

    /// Flips one bit of byte `at`.
    fn flip(f: &[u8], at: usize) -> Vec<u8> {
        let mut g = f.to_vec();
        g[at] ^= 0x10;
        g
    }

    #[test]
    fn sum_is_rfc1071() {
        // RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (after the fold).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data, 0)), 0xddf2);
        // The same words in any split and order, and an odd tail padded with zero.
        assert_eq!(fold(sum(&data[4..], sum(&data[..4], 0))), 0xddf2);
        assert_eq!(fold(sum(&[0xab], 0)), 0xab00);
        assert_eq!(fold(sum(&[0x12, 0x34, 0x56], 0)), 0x1234 + 0x5600);
        // Long runs of 0xff carry into the fold: 9 words of ffff fold to ffff.
        assert_eq!(fold(sum(&[0xff; 18], 0)), 0xffff);
    }

    /// The IPv4 header of a zeek-traces capture (checksum 0xf77b, `ipv4::tests`) is valid;
    /// any flipped bit makes it invalid.
    #[test]
    fn ipv4_header_known_good() {
        let f = hex(super::super::ipv4::tests::RAW4_SYN);
        let (h, t) = verdicts(LinkType::Raw, &f);
        assert_eq!(h, Some(Verdict::Valid));
        assert_eq!(t, Some((Kind::Tcpv4, Verdict::Valid)));
        for at in [8, 10, 12, 19] {
            let (h, _) = verdicts(LinkType::Raw, &flip(&f, at));
            assert_eq!(h, Some(Verdict::Invalid), "byte {at}");
        }
        // A flipped payload/header bit of TCP leaves the IP header valid, the segment not.
        let (h, t) = verdicts(LinkType::Raw, &flip(&f, 25));
        assert_eq!(h, Some(Verdict::Valid));
        assert_eq!(t, Some((Kind::Tcpv4, Verdict::Invalid)));
    }

    /// The generator's reference frames (checked "Good" by tshark once, pinned in its tests;
    /// its checksum code is separate from this one) are valid, each of its kind.
    #[test]
    fn reference_frames_are_valid() {
        let kinds: Vec<Kind> = sensor_generate::reference::reference_frames()
            .iter()
            .map(|f| {
                let d = ip(decode(LinkType::Ethernet, f));
                let (kind, v) = transport(f, &d).expect("a transport checksum");
                assert_eq!(v, Verdict::Valid, "{kind:?}");
                if let Some(h) = ipv4_header(f, &d) {
                    assert_eq!(h, Verdict::Valid, "{kind:?}: IPv4 header");
                }
                // Any flipped bit past the link header is caught by one of the two sums.
                for at in [22, 30, f.len() - 1] {
                    let g = flip(f, at);
                    let d = ip(decode(LinkType::Ethernet, &g));
                    let t = transport(&g, &d).map(|t| t.1);
                    let h = ipv4_header(&g, &d);
                    assert!(
                        t == Some(Verdict::Invalid) || h == Some(Verdict::Invalid),
                        "{kind:?}: flip at {at}: {h:?} {t:?}"
                    );
                }
                kind
            })
            .collect();
        use Kind::*;
        assert_eq!(kinds, [Tcpv4, Tcpv4, Udpv4, Icmpv4, Tcpv6, Icmpv6]);
    }

    /// A TCP segment captured on a host with checksum offload: the field holds the
    /// pseudo-header sum (computed here by hand: 0a00 0001 + 0a00 0002 + 0006 + 0014).
    #[test]
    fn offload_seed_is_recognised() {
        // IPv4 10.0.0.1 -> 10.0.0.2, TCP 1000 -> 80, SYN, 20-byte header, no payload.
        let mut f = hex(concat!(
            "4500002800010000400600000a0000010a000002",
            "03e80050000000010000000050022000 0000 0000"
        )
        .replace(' ', "")
        .as_str());
        let c = !fold(sum(&f[..20], 0));
        f[10..12].copy_from_slice(&c.to_be_bytes());
        // Pseudo-header sum: 0x0a00+0x0001+0x0a00+0x0002+0x0006+0x0014 = 0x141d.
        f[36..38].copy_from_slice(&0x141du16.to_be_bytes());
        let d = decode_ip(&f).unwrap();
        assert_eq!(transport(&f, &d), Some((Kind::Tcpv4, Verdict::Offloaded)));
        // Seeded without the length (0x1409), as some TSO drivers do.
        f[36..38].copy_from_slice(&0x1409u16.to_be_bytes());
        assert_eq!(transport(&f, &d), Some((Kind::Tcpv4, Verdict::Offloaded)));
        // Any other wrong value is damage.
        f[36..38].copy_from_slice(&0x1234u16.to_be_bytes());
        assert_eq!(transport(&f, &d), Some((Kind::Tcpv4, Verdict::Invalid)));
        // The right value: the complement of the whole sum with the field zero.
        f[36..38].copy_from_slice(&[0, 0]);
        let pseudo = sum(&f[12..20], 6) + 20;
        let right = !fold(sum(&f[20..], pseudo));
        f[36..38].copy_from_slice(&right.to_be_bytes());
        assert_eq!(transport(&f, &d), Some((Kind::Tcpv4, Verdict::Valid)));
        assert_eq!(ipv4_header(&f, &d), Some(Verdict::Valid));
    }

    #[test]
    fn udp_zero_checksum_and_truncation() {
        // IPv4 UDP 10.0.0.1:53 -> 10.0.0.2:1024, 4 bytes of payload, checksum field zero.
        let mut f = hex(
            "450000200001000040110000 0a000001 0a000002 0035 0400 000c 0000 61626364"
                .replace(' ', "")
                .as_str(),
        );
        let c = !fold(sum(&f[..20], 0));
        f[10..12].copy_from_slice(&c.to_be_bytes());
        let d = decode_ip(&f).unwrap();
        assert_eq!(transport(&f, &d), None);
        f[26..28].copy_from_slice(&0x0001u16.to_be_bytes());
        assert_eq!(transport(&f, &d), Some((Kind::Udpv4, Verdict::Invalid)));
        // Cut by the snap length: nothing to judge.
        let cut = &f[..30];
        let d = decode_ip(cut).unwrap();
        assert_eq!(transport(cut, &d), None);
    }

    #[test]
    fn policy() {
        let auto = Policy::default();
        assert!(auto.validates_stream());
        assert_eq!(auto.judge(Verdict::Invalid), Judged::Invalid);
        assert_eq!(auto.judge(Verdict::Offloaded), Judged::Ignored);
        assert_eq!(auto.judge(Verdict::Valid), Judged::Valid);
        let yes = Policy {
            checks: Checks::Yes,
            ..auto
        };
        assert_eq!(yes.judge(Verdict::Offloaded), Judged::Invalid);
        // `-k none`: no stream validation, the keywords still judge (Suricata 7.0.10's).
        let k_none = Policy {
            validation: false,
            ..auto
        };
        assert!(!k_none.validates_stream());
        assert_eq!(k_none.judge(Verdict::Invalid), Judged::Invalid);
        let no = Policy {
            checks: Checks::No,
            ..auto
        };
        assert!(!no.validates_stream());
        assert_eq!(no.judge(Verdict::Invalid), Judged::Ignored);
        assert_eq!(Checks::parse("AUTO"), Some(Checks::Auto));
        assert_eq!(Policy::parse_k("none"), Some(false));
        assert_eq!(Policy::parse_k("some"), None);
    }
}
