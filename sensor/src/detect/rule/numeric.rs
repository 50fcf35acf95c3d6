//! Integer comparisons (`dsize`, `urilen`, `itype`, `icode`, `ttl`), `ip_proto`, `ipopts` and
//! TCP `flags`, parsed as Suricata 7 does and evaluated against given values.

use super::error::{bail, ErrorKind, PResult};

/// Suricata's unsigned comparison forms. Ranges `a<>b` / `a-b` are exclusive at both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumCmp {
    Eq(u64),
    Ne(u64),
    Lt(u64),
    Le(u64),
    Gt(u64),
    Ge(u64),
    /// `lo < v < hi`
    Range(u64, u64),
}

impl NumCmp {
    pub fn matches(self, v: u64) -> bool {
        match self {
            NumCmp::Eq(a) => v == a,
            NumCmp::Ne(a) => v != a,
            NumCmp::Lt(a) => v < a,
            NumCmp::Le(a) => v <= a,
            NumCmp::Gt(a) => v > a,
            NumCmp::Ge(a) => v >= a,
            NumCmp::Range(lo, hi) => v > lo && v < hi,
        }
    }

    /// Parses `n`, `=n`, `<n`, `<=n`, `>n`, `>=n`, `!n`, `!=n`, `a-b`, `a<>b` for an integer of
    /// at most `max` (u8/u16/u32 keywords), with Suricata's `kb`/`mb`/`gb` units.
    pub fn parse(s: &str, max: u64) -> PResult<Self> {
        let t = s.trim();
        let err = || ErrorKind::syntax(format!("invalid number comparison `{t}`"));
        // Range forms first.
        for sep in ["<>", "-"] {
            if let Some((a, b)) = t.split_once(sep) {
                if a.trim().is_empty() {
                    return Err(err());
                }
                let lo = parse_value(a.trim(), max).ok_or_else(err)?;
                let hi = parse_value(b.trim(), max).ok_or_else(err)?;
                if hi <= lo || hi - lo <= 1 {
                    return Err(err());
                }
                return Ok(NumCmp::Range(lo, hi));
            }
        }
        let (op, rest) = [">=", "<=", "!=", ">", "<", "!", "="]
            .iter()
            .find_map(|op| t.strip_prefix(op).map(|r| (*op, r.trim_start())))
            .unwrap_or(("", t));
        let v = parse_value(rest, max).ok_or_else(err)?;
        Ok(match op {
            "" | "=" => NumCmp::Eq(v),
            "!" | "!=" => NumCmp::Ne(v),
            "<" if v == 0 => return Err(err()),
            "<" => NumCmp::Lt(v),
            "<=" if v == max => return Err(err()),
            "<=" => NumCmp::Le(v),
            ">" if v == max => return Err(err()),
            ">" => NumCmp::Gt(v),
            ">=" if v == 0 => return Err(err()),
            _ => NumCmp::Ge(v),
        })
    }
}

fn parse_value(s: &str, max: u64) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let (digits, mult) = if let Some(d) = lower.strip_suffix("kb") {
        (d, 1024)
    } else if let Some(d) = lower.strip_suffix("mb") {
        (d, 1024 * 1024)
    } else if let Some(d) = lower.strip_suffix("gb") {
        (d, 1024 * 1024 * 1024)
    } else {
        (lower.as_str(), 1)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: u64 = digits.parse().ok()?;
    if v > max {
        return None;
    }
    let v = if v >= 1 { v.checked_mul(mult)? } else { v };
    (v <= max).then_some(v)
}

/// `urilen`: a comparison on the normalized or raw URI length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Urilen {
    pub cmp: NumCmp,
    /// `,raw`: the raw URI; otherwise the normalized one.
    pub raw: bool,
}

impl Urilen {
    pub fn parse(s: &str) -> PResult<Self> {
        let (cmp, kind) = match s.split_once(',') {
            Some((c, k)) => (c, k.trim()),
            None => (s, ""),
        };
        Ok(Urilen {
            cmp: NumCmp::parse(cmp, u16::MAX as u64)?,
            raw: kind == "raw",
        })
    }

    /// Suricata clamps lengths above 65535.
    pub fn matches(&self, uri_len: usize) -> bool {
        self.cmp.matches(uri_len.min(u16::MAX as usize) as u64)
    }
}

/// `ip_proto`: `n`, `name`, `!n`, `<n`, `>n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpProto {
    Eq(u8),
    Ne(u8),
    Lt(u8),
    Gt(u8),
}

impl IpProto {
    pub fn parse(s: &str) -> PResult<Self> {
        let t = s.trim();
        let (ctor, rest): (fn(u8) -> IpProto, &str) = if let Some(r) = t.strip_prefix('!') {
            (IpProto::Ne, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (IpProto::Lt, r)
        } else if let Some(r) = t.strip_prefix('>') {
            (IpProto::Gt, r)
        } else {
            (IpProto::Eq, t)
        };
        let rest = rest.trim();
        let n = if rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty() {
            match rest.parse::<u8>() {
                Ok(n) => n,
                Err(_) => bail!("malformed protocol number `{rest}`"),
            }
        } else {
            match proto_number(&rest.to_ascii_lowercase()) {
                Some(n) => n,
                None => bail!("unknown protocol name `{rest}`"),
            }
        };
        Ok(ctor(n))
    }

    pub fn matches(self, proto: u8) -> bool {
        match self {
            IpProto::Eq(n) => proto == n,
            IpProto::Ne(n) => proto != n,
            IpProto::Lt(n) => proto < n,
            IpProto::Gt(n) => proto > n,
        }
    }
}

/// Names from `/etc/protocols` that rules use.
fn proto_number(name: &str) -> Option<u8> {
    Some(match name {
        "ip" | "hopopt" => 0,
        "icmp" => 1,
        "igmp" => 2,
        "ggp" => 3,
        "ipencap" | "ipv4" => 4,
        "st" => 5,
        "tcp" => 6,
        "egp" => 8,
        "igp" => 9,
        "pup" => 12,
        "udp" => 17,
        "hmp" => 20,
        "xns-idp" => 22,
        "rdp" => 27,
        "iso-tp4" => 29,
        "dccp" => 33,
        "xtp" => 36,
        "ddp" => 37,
        "idpr-cmtp" => 38,
        "ipv6" => 41,
        "ipv6-route" => 43,
        "ipv6-frag" => 44,
        "idrp" => 45,
        "rsvp" => 46,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "skip" => 57,
        "ipv6-icmp" | "icmpv6" => 58,
        "ipv6-nonxt" => 59,
        "ipv6-opts" => 60,
        "rspf" => 73,
        "vmtp" => 81,
        "eigrp" => 88,
        "ospf" => 89,
        "ax.25" => 93,
        "ipip" => 94,
        "etherip" => 97,
        "encap" => 98,
        "pim" => 103,
        "ipcomp" => 108,
        "vrrp" => 112,
        "l2tp" => 115,
        "isis" => 124,
        "sctp" => 132,
        "fc" => 133,
        "mobility-header" => 135,
        "udplite" => 136,
        "mpls-in-ip" => 137,
        "manet" => 138,
        "hip" => 139,
        "shim6" => 140,
        "wesp" => 141,
        "rohc" => 142,
        _ => return None,
    })
}

/// How `flags` compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagsMode {
    /// Exactly these flags (after the ignore mask).
    Exact,
    /// `+`: at least these.
    All,
    /// `*`: any of these.
    Any,
    /// `!`: none of these.
    Not,
}

/// `flags:[+*!]FLAGS[,IGNORE]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TcpFlags {
    pub mode: FlagsMode,
    pub flags: u8,
    /// Bits ignored before comparing (`,CE`).
    pub ignore: u8,
}

fn flag_bit(c: char) -> Option<u8> {
    type T = crate::decode::TcpHeader;
    Some(match c.to_ascii_uppercase() {
        'F' => T::FIN,
        'S' => T::SYN,
        'R' => T::RST,
        'P' => T::PSH,
        'A' => T::ACK,
        'U' => T::URG,
        'E' | '2' => T::ECE,
        'C' | '1' => T::CWR,
        _ => return None,
    })
}

impl TcpFlags {
    pub fn parse(s: &str) -> PResult<Self> {
        let t = s.trim();
        let (main, ignore) = match t.split_once(',') {
            Some((m, i)) => (m.trim(), Some(i.trim())),
            None => (t, None),
        };
        let mut mode = FlagsMode::Exact;
        let mut flags = 0u8;
        let mut none = false;
        for c in main.chars() {
            match c {
                '+' => mode = FlagsMode::All,
                '*' => mode = FlagsMode::Any,
                '!' => mode = FlagsMode::Not,
                '0' => none = true,
                c => match flag_bit(c) {
                    Some(b) => flags |= b,
                    None => bail!("invalid TCP flag `{c}` in `{t}`"),
                },
            }
        }
        if flags == 0 && !none {
            bail!("no TCP flags in `{t}`");
        }
        let mut ig = 0u8;
        if let Some(i) = ignore {
            for c in i.chars() {
                match flag_bit(c) {
                    Some(b) => ig |= b,
                    None => bail!("invalid TCP flag `{c}` in ignore mask of `{t}`"),
                }
            }
        }
        Ok(TcpFlags {
            mode,
            flags,
            ignore: ig,
        })
    }

    /// Evaluates against a packet's flag byte.
    pub fn matches(&self, pkt: u8) -> bool {
        let v = pkt & !self.ignore;
        match self.mode {
            FlagsMode::Exact => v == self.flags,
            FlagsMode::All => v & self.flags == self.flags,
            FlagsMode::Any => v & self.flags != 0 || self.flags == 0,
            FlagsMode::Not => v & self.flags == 0,
        }
    }
}

/// `ipopts:<name>`: the IPv4 header carries that option (`any`: some option). Bits as
/// [`IpOpts::of_header`] sets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpOpts(pub u16);

impl IpOpts {
    const EOL: u16 = 1;
    const NOP: u16 = 1 << 1;
    const RR: u16 = 1 << 2;
    const TS: u16 = 1 << 3;
    const SEC: u16 = 1 << 4;
    const LSRR: u16 = 1 << 5;
    const ESEC: u16 = 1 << 6;
    const SID: u16 = 1 << 7;
    const SSRR: u16 = 1 << 8;
    const OTHER: u16 = 1 << 9;

    pub fn parse(s: &str) -> PResult<Self> {
        Ok(IpOpts(match s.trim() {
            "rr" => Self::RR,
            "eol" => Self::EOL,
            "nop" => Self::NOP,
            "ts" => Self::TS,
            "sec" => Self::SEC,
            "esec" => Self::ESEC,
            "lsrr" => Self::LSRR,
            "ssrr" => Self::SSRR,
            "satid" => Self::SID,
            "any" => u16::MAX,
            other => bail!(
                "ipopts: unknown option `{}`",
                super::lexer::truncate(other, 20)
            ),
        }))
    }

    /// The options of an IPv4 header (`hdr`: the header with its options), walked as
    /// Suricata's decoder does: EOL ends the list, NOP is one byte, every other option has a
    /// length of at least 2 that fits (and the minimum its type needs). A malformed list makes
    /// Suricata drop the packet as invalid: no options then.
    pub fn of_header(hdr: &[u8]) -> u16 {
        let mut opts = hdr.get(20..).unwrap_or(&[]);
        let mut set = 0;
        while let Some(&kind) = opts.first() {
            match kind {
                0 => return set | Self::EOL,
                1 => {
                    set |= Self::NOP;
                    opts = &opts[1..];
                }
                _ => {
                    let Some(&len) = opts.get(1) else { return 0 };
                    let len = len as usize;
                    let (bit, min) = match kind {
                        7 => (Self::RR, 3),
                        68 => (Self::TS, 5),
                        130 => (Self::SEC, 3),
                        131 => (Self::LSRR, 3),
                        133 => (Self::ESEC, 3),
                        136 => (Self::SID, 4),
                        137 => (Self::SSRR, 3),
                        _ => (Self::OTHER, 2),
                    };
                    if len < min || len > opts.len() {
                        return 0;
                    }
                    set |= bit;
                    opts = &opts[len..];
                }
            }
        }
        set
    }

    pub fn matches(self, hdr: &[u8]) -> bool {
        Self::of_header(hdr) & self.0 != 0
    }
}
