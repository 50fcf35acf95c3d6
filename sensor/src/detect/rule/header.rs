//! The rule header: action, protocol, addresses, ports, direction, and the variable table
//! (`$HOME_NET`, `$HTTP_PORTS`, ...) they are resolved against.
//!
//! Addresses and ports compile to sorted, merged, inclusive ranges with negation applied, so
//! membership is a binary search. List semantics follow Suricata: a list is the union of its
//! plain items minus the union of its negated items (a list of only negated items starts from
//! `any`); `!x` is the complement of `x`; a result that is empty is an error, as in Suricata.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::error::{bail, ErrorKind, PResult};

/// What a matching rule does. `drop` and `reject*` become [`Action::Alert`] in this passive
/// sensor; [`Header::inline_action`] keeps what was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Alert,
    Pass,
}

/// The inline-only action a rule was written with, kept for reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InlineAction {
    Drop,
    Reject,
    RejectSrc,
    RejectDst,
    RejectBoth,
}

/// The header protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Ip,
    /// `ipv4`/`ip4` or `ipv6`/`ip6`: IP packets of that version only.
    IpVersion(u8),
    Tcp,
    Udp,
    /// ICMP of either IP version, as in Suricata.
    Icmp,
    Icmpv6,
    /// TCP, packet payloads only (no reassembled stream).
    TcpPkt,
    /// TCP, reassembled stream only.
    TcpStream,
    /// An application protocol (`http`, `smb`, `ike`, ...; `app::registry` names them): its
    /// flows, parsed here or only recognised.
    App(crate::app::AppProto),
    /// `pkthdr`: any packet, those whose decoding failed included (decoder-event rules).
    Pkthdr,
}

impl Protocol {
    fn parse(s: &str) -> PResult<Self> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "ip" => Protocol::Ip,
            "ipv4" | "ip4" => Protocol::IpVersion(4),
            "ipv6" | "ip6" => Protocol::IpVersion(6),
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "icmp" => Protocol::Icmp,
            "icmpv6" => Protocol::Icmpv6,
            "tcp-pkt" => Protocol::TcpPkt,
            "tcp-stream" => Protocol::TcpStream,
            "pkthdr" => Protocol::Pkthdr,
            other => match crate::app::AppProto::by_rule_name(other) {
                Some(p) => Protocol::App(p),
                None => return Err(ErrorKind::unsupported(format!("protocol {other}"))),
            },
        })
    }
}

/// `->` or `<>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    ToDst,
    Both,
}

/// A parsed header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub action: Action,
    /// `Some` when the rule was written with `drop`/`reject*` (it alerts here).
    pub inline_action: Option<InlineAction>,
    pub protocol: Protocol,
    pub src: AddressSet,
    pub src_ports: PortSet,
    pub direction: Direction,
    pub dst: AddressSet,
    pub dst_ports: PortSet,
}

/// Parses `action proto src sport dir dst dport`.
pub fn parse_header(text: &str, vars: &Vars) -> PResult<Header> {
    let tokens = tokenize(text)?;
    let [action, proto, src, sp, dir, dst, dp] = tokens[..] else {
        bail!(
            "header needs 7 fields (action proto src sport dir dst dport), found {}",
            tokens.len()
        );
    };
    let (action, inline_action) = match action.to_ascii_lowercase().as_str() {
        "alert" => (Action::Alert, None),
        "pass" => (Action::Pass, None),
        "drop" => (Action::Alert, Some(InlineAction::Drop)),
        "reject" => (Action::Alert, Some(InlineAction::Reject)),
        "rejectsrc" => (Action::Alert, Some(InlineAction::RejectSrc)),
        "rejectdst" => (Action::Alert, Some(InlineAction::RejectDst)),
        "rejectboth" => (Action::Alert, Some(InlineAction::RejectBoth)),
        other => bail!("unknown action `{other}`"),
    };
    let direction = match dir {
        "->" => Direction::ToDst,
        "<>" => Direction::Both,
        other => bail!("`{other}` is not a direction (`->` or `<>`)"),
    };
    Ok(Header {
        action,
        inline_action,
        protocol: Protocol::parse(proto)?,
        src: AddressSet::parse(src, vars)?,
        src_ports: PortSet::parse(sp, vars)?,
        direction,
        dst: AddressSet::parse(dst, vars)?,
        dst_ports: PortSet::parse(dp, vars)?,
    })
}

/// Splits on whitespace outside brackets (Suricata allows `[1.1.1.1, 2.2.2.2]`).
fn tokenize(text: &str) -> PResult<Vec<&str>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            bail!("unbalanced `]` in header");
        }
        if c.is_whitespace() && depth == 0 {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if depth != 0 {
        bail!("unbalanced `[` in header");
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    Ok(out)
}

/// Rule variables: address groups and port groups, without the leading `$`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vars {
    addresses: HashMap<String, String>,
    ports: HashMap<String, String>,
}

impl Default for Vars {
    /// Suricata 7's default `suricata.yaml` groups.
    fn default() -> Self {
        let mut v = Vars::empty();
        v.set_address("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
        v.set_address("EXTERNAL_NET", "!$HOME_NET");
        for name in [
            "HTTP_SERVERS",
            "SMTP_SERVERS",
            "SQL_SERVERS",
            "DNS_SERVERS",
            "TELNET_SERVERS",
            "DC_SERVERS",
            "DNP3_SERVER",
            "DNP3_CLIENT",
            "MODBUS_CLIENT",
            "MODBUS_SERVER",
            "ENIP_CLIENT",
            "ENIP_SERVER",
        ] {
            v.set_address(name, "$HOME_NET");
        }
        v.set_address("AIM_SERVERS", "$EXTERNAL_NET");
        for (name, value) in [
            ("HTTP_PORTS", "80"),
            ("SHELLCODE_PORTS", "!80"),
            ("ORACLE_PORTS", "1521"),
            ("SSH_PORTS", "22"),
            ("DNP3_PORTS", "20000"),
            ("MODBUS_PORTS", "502"),
            ("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
            ("FTP_PORTS", "21"),
            ("GENEVE_PORTS", "6081"),
            ("VXLAN_PORTS", "4789"),
            ("TEREDO_PORTS", "3544"),
        ] {
            v.set_port(name, value);
        }
        v
    }
}

impl Vars {
    /// No variables at all.
    pub fn empty() -> Self {
        Vars {
            addresses: HashMap::new(),
            ports: HashMap::new(),
        }
    }

    /// Defines or replaces an address group (`name` without `$`).
    pub fn set_address(&mut self, name: &str, value: &str) {
        self.addresses.insert(name.to_string(), value.to_string());
    }

    /// Defines or replaces a port group (`name` without `$`).
    pub fn set_port(&mut self, name: &str, value: &str) {
        self.ports.insert(name.to_string(), value.to_string());
    }

    pub fn address(&self, name: &str) -> Option<&str> {
        self.addresses.get(name).map(String::as_str)
    }

    pub fn port(&self, name: &str) -> Option<&str> {
        self.ports.get(name).map(String::as_str)
    }
}

/// Variables may refer to variables; this bounds the chain (and breaks cycles).
const MAX_VAR_DEPTH: usize = 16;

/// Integer types a [`RangeSet`] can hold.
pub trait RangeBound: Copy + Ord + std::fmt::Debug {
    const MIN: Self;
    const MAX: Self;
    fn checked_succ(self) -> Option<Self>;
    fn checked_pred(self) -> Option<Self>;
}

macro_rules! range_bound {
    ($t:ty) => {
        impl RangeBound for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn checked_succ(self) -> Option<Self> {
                self.checked_add(1)
            }
            fn checked_pred(self) -> Option<Self> {
                self.checked_sub(1)
            }
        }
    };
}
range_bound!(u16);
range_bound!(u32);
range_bound!(u128);

/// Sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RangeSet<T: RangeBound> {
    ranges: Vec<(T, T)>,
}

impl<T: RangeBound> RangeSet<T> {
    pub fn empty() -> Self {
        RangeSet { ranges: Vec::new() }
    }

    pub fn full() -> Self {
        RangeSet {
            ranges: vec![(T::MIN, T::MAX)],
        }
    }

    /// Builds a normalized set from arbitrary inclusive ranges (`lo > hi` ones are dropped).
    pub fn from_ranges(mut ranges: Vec<(T, T)>) -> Self {
        ranges.retain(|(lo, hi)| lo <= hi);
        ranges.sort_unstable();
        let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            if let Some(last) = out.last_mut() {
                let touches = match last.1.checked_succ() {
                    Some(next) => lo <= next,
                    None => true,
                };
                if touches {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            out.push((lo, hi));
        }
        RangeSet { ranges: out }
    }

    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.ranges == [(T::MIN, T::MAX)]
    }

    pub fn contains(&self, v: T) -> bool {
        // First range whose end is >= v.
        let i = self.ranges.partition_point(|&(_, hi)| hi < v);
        self.ranges.get(i).is_some_and(|&(lo, _)| lo <= v)
    }

    pub fn union(&self, other: &Self) -> Self {
        let mut all = self.ranges.clone();
        all.extend_from_slice(&other.ranges);
        Self::from_ranges(all)
    }

    pub fn complement(&self) -> Self {
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut next = Some(T::MIN);
        for &(lo, hi) in &self.ranges {
            if let Some(n) = next {
                if lo > n {
                    if let Some(p) = lo.checked_pred() {
                        out.push((n, p));
                    }
                }
            }
            next = hi.checked_succ();
        }
        if let Some(n) = next {
            out.push((n, T::MAX));
        }
        RangeSet { ranges: out }
    }

    pub fn subtract(&self, other: &Self) -> Self {
        let inv = other.complement();
        self.intersect(&inv)
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a0, a1) = self.ranges[i];
            let (b0, b1) = other.ranges[j];
            let lo = a0.max(b0);
            let hi = a1.min(b1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        RangeSet { ranges: out }
    }
}

/// A compiled address expression: IPv4 and IPv6 ranges.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AddressSet {
    pub v4: RangeSet<u32>,
    pub v6: RangeSet<u128>,
}

impl AddressSet {
    pub fn any() -> Self {
        AddressSet {
            v4: RangeSet::full(),
            v6: RangeSet::full(),
        }
    }

    fn empty() -> Self {
        AddressSet {
            v4: RangeSet::empty(),
            v6: RangeSet::empty(),
        }
    }

    pub fn is_any(&self) -> bool {
        self.v4.is_full() && self.v6.is_full()
    }

    fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    fn union(&self, o: &Self) -> Self {
        AddressSet {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }

    fn subtract(&self, o: &Self) -> Self {
        AddressSet {
            v4: self.v4.subtract(&o.v4),
            v6: self.v6.subtract(&o.v6),
        }
    }

    fn complement(&self) -> Self {
        AddressSet {
            v4: self.v4.complement(),
            v6: self.v6.complement(),
        }
    }

    /// Parses an address expression (`any`, `1.2.3.0/24`, `[a,!b]`, `!$HOME_NET`, ...).
    pub fn parse(text: &str, vars: &Vars) -> PResult<Self> {
        let set = parse_group(text.trim(), vars, 0, &AddrKind)?;
        if set.is_empty() {
            bail!("no addresses left in `{text}` after applying negations");
        }
        Ok(set)
    }
}

/// A compiled port expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortSet(pub RangeSet<u16>);

impl PortSet {
    pub fn any() -> Self {
        PortSet(RangeSet::full())
    }

    pub fn is_any(&self) -> bool {
        self.0.is_full()
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0.contains(port)
    }

    /// Parses a port expression (`any`, `80`, `1024:`, `[80,!81]`, `$HTTP_PORTS`, ...).
    pub fn parse(text: &str, vars: &Vars) -> PResult<Self> {
        let set = parse_group(text.trim(), vars, 0, &PortKind)?;
        if set.is_empty() {
            bail!("no ports left in `{text}` after applying negations");
        }
        Ok(PortSet(set))
    }
}

/// What differs between address and port expressions.
trait GroupKind {
    type Set: Clone;
    const WHAT: &'static str;
    fn any(&self) -> Self::Set;
    fn empty(&self) -> Self::Set;
    fn is_full(&self, s: &Self::Set) -> bool;
    fn union(&self, a: &Self::Set, b: &Self::Set) -> Self::Set;
    fn subtract(&self, a: &Self::Set, b: &Self::Set) -> Self::Set;
    fn complement(&self, a: &Self::Set) -> Self::Set;
    fn var<'v>(&self, vars: &'v Vars, name: &str) -> Option<&'v str>;
    fn atom(&self, s: &str) -> PResult<Self::Set>;
}

struct AddrKind;
struct PortKind;

impl GroupKind for AddrKind {
    type Set = AddressSet;
    const WHAT: &'static str = "address";
    fn any(&self) -> AddressSet {
        AddressSet::any()
    }
    fn empty(&self) -> AddressSet {
        AddressSet::empty()
    }
    fn is_full(&self, s: &AddressSet) -> bool {
        s.is_any()
    }
    fn union(&self, a: &AddressSet, b: &AddressSet) -> AddressSet {
        a.union(b)
    }
    fn subtract(&self, a: &AddressSet, b: &AddressSet) -> AddressSet {
        a.subtract(b)
    }
    fn complement(&self, a: &AddressSet) -> AddressSet {
        a.complement()
    }
    fn var<'v>(&self, vars: &'v Vars, name: &str) -> Option<&'v str> {
        vars.address(name)
    }
    fn atom(&self, s: &str) -> PResult<AddressSet> {
        parse_ip_atom(s)
    }
}

impl GroupKind for PortKind {
    type Set = RangeSet<u16>;
    const WHAT: &'static str = "port";
    fn any(&self) -> RangeSet<u16> {
        RangeSet::full()
    }
    fn empty(&self) -> RangeSet<u16> {
        RangeSet::empty()
    }
    fn is_full(&self, s: &RangeSet<u16>) -> bool {
        s.is_full()
    }
    fn union(&self, a: &RangeSet<u16>, b: &RangeSet<u16>) -> RangeSet<u16> {
        a.union(b)
    }
    fn subtract(&self, a: &RangeSet<u16>, b: &RangeSet<u16>) -> RangeSet<u16> {
        a.subtract(b)
    }
    fn complement(&self, a: &RangeSet<u16>) -> RangeSet<u16> {
        a.complement()
    }
    fn var<'v>(&self, vars: &'v Vars, name: &str) -> Option<&'v str> {
        vars.port(name)
    }
    fn atom(&self, s: &str) -> PResult<RangeSet<u16>> {
        parse_port_atom(s)
    }
}

fn parse_group<K: GroupKind>(text: &str, vars: &Vars, depth: usize, k: &K) -> PResult<K::Set> {
    if depth > MAX_VAR_DEPTH {
        bail!("{} variables nested too deeply (cycle?)", K::WHAT);
    }
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('!') {
        let inner = parse_group(rest, vars, depth, k)?;
        if k.is_full(&inner) {
            bail!("negation of the whole {} space (`{text}`)", K::WHAT);
        }
        return Ok(k.complement(&inner));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let Some(body) = rest.strip_suffix(']') else {
            bail!("unterminated {} list `{text}`", K::WHAT);
        };
        let mut pos = k.empty();
        let mut neg = k.empty();
        let mut any_pos = false;
        let mut items = 0;
        for item in split_list(body)? {
            let item = item.trim();
            if item.is_empty() {
                bail!("empty item in {} list `{text}`", K::WHAT);
            }
            items += 1;
            // A negated item is removed from the list; its own meaning is the set it names.
            if let Some(n) = item.strip_prefix('!') {
                let s = parse_group(n, vars, depth, k)?;
                neg = k.union(&neg, &s);
            } else {
                let s = parse_group(item, vars, depth, k)?;
                pos = k.union(&pos, &s);
                any_pos = true;
            }
        }
        if items == 0 {
            bail!("empty {} list", K::WHAT);
        }
        let base = if any_pos { pos } else { k.any() };
        return Ok(k.subtract(&base, &neg));
    }
    if let Some(name) = text.strip_prefix('$') {
        let Some(value) = k.var(vars, name) else {
            bail!("{} variable `${name}` is not defined", K::WHAT);
        };
        return parse_group(value, vars, depth + 1, k);
    }
    if text.eq_ignore_ascii_case("any") {
        return Ok(k.any());
    }
    k.atom(text)
}

/// Splits a list body at top-level commas.
fn split_list(body: &str) -> PResult<Vec<&str>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            bail!("unbalanced `]` in list");
        }
    }
    if depth != 0 {
        bail!("unbalanced `[` in list");
    }
    out.push(&body[start..]);
    Ok(out)
}

fn parse_ip_atom(s: &str) -> PResult<AddressSet> {
    let mut set = AddressSet::empty();
    // Range form `a-b` (IPv6 addresses contain no `-`).
    if let Some((a, b)) = s.split_once('-') {
        match (parse_ip(a.trim())?, parse_ip(b.trim())?) {
            (IpAddr::V4(a), IpAddr::V4(b)) if u32::from(a) <= u32::from(b) => {
                set.v4 = RangeSet::from_ranges(vec![(a.into(), b.into())]);
            }
            (IpAddr::V6(a), IpAddr::V6(b)) if u128::from(a) <= u128::from(b) => {
                set.v6 = RangeSet::from_ranges(vec![(a.into(), b.into())]);
            }
            _ => bail!("invalid address range `{s}`"),
        }
        return Ok(set);
    }
    let (addr, mask) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    match parse_ip(addr)? {
        IpAddr::V4(a) => {
            let bits = match mask {
                None => 32,
                Some(m) => {
                    if let Ok(n) = m.parse::<u32>() {
                        if n > 32 {
                            bail!("invalid IPv4 prefix length in `{s}`");
                        }
                        n
                    } else if let Ok(nm) = m.parse::<Ipv4Addr>() {
                        let v = u32::from(nm);
                        if v.leading_ones() + v.trailing_zeros() != 32 {
                            bail!("invalid IPv4 netmask in `{s}`");
                        }
                        v.leading_ones()
                    } else {
                        bail!("invalid IPv4 prefix in `{s}`");
                    }
                }
            };
            let host = u32::MAX.checked_shr(bits).unwrap_or(0);
            let lo = u32::from(a) & !host;
            set.v4 = RangeSet::from_ranges(vec![(lo, lo | host)]);
        }
        IpAddr::V6(a) => {
            let bits = match mask {
                None => 128,
                Some(m) => match m.parse::<u32>() {
                    Ok(n) if n <= 128 => n,
                    _ => bail!("invalid IPv6 prefix in `{s}`"),
                },
            };
            let host = u128::MAX.checked_shr(bits).unwrap_or(0);
            let lo = u128::from(a) & !host;
            set.v6 = RangeSet::from_ranges(vec![(lo, lo | host)]);
        }
    }
    Ok(set)
}

fn parse_ip(s: &str) -> PResult<IpAddr> {
    if let Ok(a) = s.parse::<Ipv4Addr>() {
        return Ok(IpAddr::V4(a));
    }
    if let Ok(a) = s.parse::<Ipv6Addr>() {
        return Ok(IpAddr::V6(a));
    }
    bail!("invalid address `{s}`")
}

fn parse_port_atom(s: &str) -> PResult<RangeSet<u16>> {
    let num = |t: &str| -> PResult<u16> {
        let t = t.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            bail!("invalid port `{s}`");
        }
        t.parse::<u16>()
            .map_err(|_| ErrorKind::syntax(format!("port out of range in `{s}`")))
    };
    let (lo, hi) = match s.split_once(':') {
        Some((a, b)) => {
            let lo = if a.trim().is_empty() { 0 } else { num(a)? };
            let hi = if b.trim().is_empty() {
                u16::MAX
            } else {
                num(b)?
            };
            if a.trim().is_empty() && b.trim().is_empty() {
                bail!("invalid port range `{s}`");
            }
            (lo, hi)
        }
        None => {
            let p = num(s)?;
            (p, p)
        }
    };
    if lo > hi {
        bail!("invalid port range `{s}`");
    }
    Ok(RangeSet::from_ranges(vec![(lo, hi)]))
}
