//! The built-in capture filter, for builds without libpcap: a subset of the tcpdump
//! (pcap-filter) syntax, judged on the decoded packet rather than on raw bytes.
//!
//! Primitives:
//!
//! - `host A`, `net A/len`, `net A` (a dotted quad, triple, pair or single number: /32, /24,
//!   /16, /8 as in tcpdump), `net A mask M`, each optionally after `src`, `dst`, `src or dst`
//!   (the default) or `src and dst`, and after `ip` or `ip6`; a direction alone means `host`
//!   (`src 10.0.0.1`). IPv4 and IPv6 addresses; no host names.
//! - `port N`, `portrange N-M`, with the same directions and optionally after `tcp`, `udp` or
//!   `sctp` (`tcp dst port 80`). No service names.
//! - `ip`, `ip6`, `tcp`, `udp`, `sctp`, `icmp`, `icmp6`, `igmp`, `esp`, `ah`, `pim`, `vrrp`,
//!   `proto N`, `ip proto N`, `ip6 proto N` (N a number, or `\tcp` and the like).
//! - `vlan` (at least one tag), `vlan N` (one of the tags the decoder kept is N).
//!
//! Combined with `not`/`!`, `and`/`&&`, `or`/`||` and parentheses, with libpcap's precedence:
//! `not` binds tightest, `and` and `or` have the *same* precedence and group left to right, so
//! `a or b and c` is `(a or b) and c`. A bare value after `and`/`or` takes the qualifiers of
//! the primitive before it, as in tcpdump: `port 80 or 443`, `host a and not b`. The empty
//! filter accepts everything. Numbers may be decimal, `0x` hexadecimal or `0` octal.
//!
//! Where it differs from a BPF program compiled by libpcap, because it sees the packet as the
//! decoder does:
//!
//! - VLAN tags and tunnels (IP-in-IP, GRE, VXLAN) are already peeled off: `tcp port 80` matches
//!   a tagged frame without `vlan and ...`, and addresses and ports are the inner packet's.
//! - `vlan N` asks whether any kept tag (the outer two) is N, not "the next tag is N".
//! - Protocols are the transport protocol after all IPv6 extension headers.
//! - Only IP packets reach it: link-layer primitives (`ether`, `arp`, ...), `less`/`greater`
//!   and packet data accessors (`tcp[13]`) are rejected with an error saying so.
//!
//! As in tcpdump, port primitives do not match IP fragments other than the first: their ports
//! are unknown.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::decode::{Decoded, L4};

/// A parsed capture filter. Cheap to evaluate: a flat tree walked without allocating.
#[derive(Clone, Debug)]
pub struct CaptureFilter {
    expr: String,
    nodes: Vec<Node>,
    /// Children of `And` / `Or` nodes, each node's contiguous.
    kids: Vec<u32>,
    root: u32,
}

/// A filter expression that does not parse: where (1-based character position) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    position: usize,
    message: String,
}

impl FilterError {
    /// 1-based position of the offending character or token (one past the end when the
    /// expression ended too early).
    pub fn position(&self) -> usize {
        self.position
    }

    /// What was wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "capture filter: at character {}: {}",
            self.position, self.message
        )
    }
}

impl std::error::Error for FilterError {}

impl CaptureFilter {
    /// Parses a filter expression (see the module documentation for the syntax).
    pub fn parse(expr: &str) -> Result<CaptureFilter, FilterError> {
        let mut p = Parser {
            src: expr,
            toks: lex(expr)?,
            at: 0,
            nodes: Vec::new(),
            depth: Vec::new(),
            kids: Vec::new(),
            last: None,
            parens: 0,
        };
        let root = if p.peek().kind == Tok::End {
            p.push(Node::All, 0)?
        } else {
            let root = p.expr()?;
            let t = p.peek();
            if t.kind != Tok::End {
                let msg = match t.kind {
                    Tok::RParen => "`)` without a matching `(`".to_string(),
                    _ => format!(
                        "expected `and`, `or` or the end of the filter, found {}",
                        p.describe(t)
                    ),
                };
                return Err(p.error(t.start, msg));
            }
            root
        };
        Ok(CaptureFilter {
            expr: expr.to_string(),
            nodes: p.nodes,
            kids: p.kids,
            root,
        })
    }

    /// The expression as given.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Decides on a decoded packet. No allocation.
    pub fn matches(&self, d: &Decoded) -> bool {
        self.eval(self.root, d)
    }

    fn eval(&self, i: u32, d: &Decoded) -> bool {
        match self.nodes[i as usize] {
            Node::All => true,
            Node::Prim(ref p) => p.matches(d),
            Node::Not(k) => !self.eval(k, d),
            Node::And { start, len } => self.children(start, len).iter().all(|&k| self.eval(k, d)),
            Node::Or { start, len } => self.children(start, len).iter().any(|&k| self.eval(k, d)),
        }
    }

    fn children(&self, start: u32, len: u32) -> &[u32] {
        &self.kids[start as usize..(start + len) as usize]
    }
}

/// Deepest tree accepted: evaluation recurses once per level, so a hostile expression must not
/// reach the stack's end. Each `(` and each switch between `and` and `or` adds a level.
const MAX_DEPTH: u16 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    /// The empty filter.
    All,
    Prim(Prim),
    Not(u32),
    And {
        start: u32,
        len: u32,
    },
    Or {
        start: u32,
        len: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prim {
    Host(Dir, IpAddr),
    Net(Dir, Net),
    Port {
        proto: PortProto,
        dir: Dir,
        lo: u16,
        hi: u16,
    },
    /// Any tag, or one of the kept tags equal to the id.
    Vlan(Option<u16>),
    Version(IpVersion),
    /// Transport protocol number, optionally of one IP version only.
    Proto(Option<IpVersion>, u8),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Src,
    Dst,
    /// `src or dst` (the default).
    Either,
    /// `src and dst`.
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IpVersion {
    V4,
    V6,
}

/// Which transports a port primitive looks at: `port` alone is TCP, UDP or SCTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PortProto {
    Any,
    Tcp,
    Udp,
    Sctp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Net {
    V4 { addr: u32, mask: u32 },
    V6 { addr: u128, mask: u128 },
}

impl Net {
    fn contains(self, a: IpAddr) -> bool {
        match (self, a) {
            (Net::V4 { addr, mask }, IpAddr::V4(a)) => u32::from(a) & mask == addr,
            (Net::V6 { addr, mask }, IpAddr::V6(a)) => u128::from(a) & mask == addr,
            _ => false,
        }
    }
}

impl Dir {
    #[inline]
    fn test<T>(self, src: T, dst: T, f: impl Fn(T) -> bool) -> bool {
        match self {
            Dir::Src => f(src),
            Dir::Dst => f(dst),
            Dir::Either => f(src) || f(dst),
            Dir::Both => f(src) && f(dst),
        }
    }
}

fn version(a: IpAddr) -> IpVersion {
    match a {
        IpAddr::V4(_) => IpVersion::V4,
        IpAddr::V6(_) => IpVersion::V6,
    }
}

impl Prim {
    fn matches(&self, d: &Decoded) -> bool {
        match *self {
            Prim::Host(dir, addr) => dir.test(d.src, d.dst, |a| a == addr),
            Prim::Net(dir, net) => dir.test(d.src, d.dst, |a| net.contains(a)),
            Prim::Port { proto, dir, lo, hi } => {
                // Non-first fragments carry no transport header (`L4::None`): no ports.
                let ports = match (proto, d.l4) {
                    (PortProto::Any | PortProto::Tcp, L4::Tcp(h)) => (h.src_port, h.dst_port),
                    (PortProto::Any | PortProto::Udp, L4::Udp(h)) => (h.src_port, h.dst_port),
                    (PortProto::Any | PortProto::Sctp, L4::Sctp(h)) => (h.src_port, h.dst_port),
                    _ => return false,
                };
                dir.test(ports.0, ports.1, |p| (lo..=hi).contains(&p))
            }
            Prim::Vlan(None) => d.vlan_count > 0,
            Prim::Vlan(Some(id)) => {
                let kept = usize::from(d.vlan_count).min(d.vlan.len());
                d.vlan[..kept].contains(&id)
            }
            Prim::Version(v) => version(d.src) == v,
            Prim::Proto(v, proto) => d.ip_proto == proto && v.is_none_or(|v| version(d.src) == v),
        }
    }
}

// ---- lexing ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Word,
    LParen,
    RParen,
    Not,
    And,
    Or,
    End,
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Tok,
    text: &'a str,
    /// Byte offset in the expression.
    start: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '_' | '\\')
}

fn lex(src: &str) -> Result<Vec<Token<'_>>, FilterError> {
    let err = |at: usize, msg: String| FilterError {
        position: src[..at].chars().count() + 1,
        message: msg,
    };
    let mut toks = Vec::new();
    let mut it = src.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let (kind, end) = match c {
            c if c.is_whitespace() => continue,
            '(' => (Tok::LParen, i + 1),
            ')' => (Tok::RParen, i + 1),
            '!' if it.peek().map(|&(_, c)| c) != Some('=') => (Tok::Not, i + 1),
            '&' | '|' if it.peek().map(|&(_, n)| n) == Some(c) => {
                it.next();
                (if c == '&' { Tok::And } else { Tok::Or }, i + 2)
            }
            c if is_word_char(c) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, n)) = it.peek() {
                    if !is_word_char(n) {
                        break;
                    }
                    end = j + n.len_utf8();
                    it.next();
                }
                let kind = match &src[i..end] {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    _ => Tok::Word,
                };
                (kind, end)
            }
            '[' | ']' | '=' | '<' | '>' | '!' | '+' | '*' | '%' | '^' | '&' | '|' => {
                return Err(err(
                    i,
                    format!(
                        "`{c}`: packet data accessors, comparisons and arithmetic are not \
                         supported by the built-in capture filter"
                    ),
                ))
            }
            c => return Err(err(i, format!("unexpected character `{c}`"))),
        };
        toks.push(Token {
            kind,
            text: &src[i..end],
            start: i,
        });
    }
    toks.push(Token {
        kind: Tok::End,
        text: "",
        start: src.len(),
    });
    Ok(toks)
}

// ---- parsing ----

/// The type of a qualified primitive (what its value is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Host,
    Net,
    Port,
    PortRange,
    Proto,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Host => "host",
            Kind::Net => "net",
            Kind::Port => "port",
            Kind::PortRange => "portrange",
            Kind::Proto => "proto",
        }
    }
}

/// A protocol qualifier in front of a primitive (`ip host`, `tcp port`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Qproto {
    Ip,
    Ip6,
    Tcp,
    Udp,
    Sctp,
}

impl Qproto {
    fn from_word(w: &str) -> Option<Qproto> {
        Some(match w {
            "ip" => Qproto::Ip,
            "ip6" => Qproto::Ip6,
            "tcp" => Qproto::Tcp,
            "udp" => Qproto::Udp,
            "sctp" => Qproto::Sctp,
            _ => return None,
        })
    }

    fn version(self) -> Option<IpVersion> {
        match self {
            Qproto::Ip => Some(IpVersion::V4),
            Qproto::Ip6 => Some(IpVersion::V6),
            _ => None,
        }
    }

    fn port_proto(self) -> Option<PortProto> {
        match self {
            Qproto::Tcp => Some(PortProto::Tcp),
            Qproto::Udp => Some(PortProto::Udp),
            Qproto::Sctp => Some(PortProto::Sctp),
            _ => None,
        }
    }
}

/// The qualifiers of the last qualified primitive: a bare value after `and`/`or` reuses them.
#[derive(Clone, Copy, Debug)]
struct Qual {
    proto: Option<Qproto>,
    dir: Dir,
    kind: Kind,
}

/// Protocol names: as primitives (`tcp`) and as values of `proto` (`proto \tcp`). The IP
/// version restriction is libpcap's: `icmp` is IPv4's protocol 1 only, `tcp` either version.
const PROTOCOLS: &[(&str, Option<IpVersion>, u8)] = &[
    ("tcp", None, 6),
    ("udp", None, 17),
    ("sctp", None, 132),
    ("icmp", Some(IpVersion::V4), 1),
    ("icmp6", Some(IpVersion::V6), 58),
    ("igmp", Some(IpVersion::V4), 2),
    ("esp", None, 50),
    ("ah", None, 51),
    ("pim", None, 103),
    ("vrrp", Some(IpVersion::V4), 112),
];

/// pcap-filter keywords the built-in filter does not implement: named in the error.
const UNSUPPORTED: &[&str] = &[
    "ether",
    "arp",
    "rarp",
    "link",
    "fddi",
    "tr",
    "wlan",
    "ppp",
    "slip",
    "decnet",
    "atalk",
    "aarp",
    "iso",
    "esis",
    "isis",
    "clnp",
    "stp",
    "ipx",
    "netbeui",
    "mpls",
    "pppoed",
    "pppoes",
    "geneve",
    "llc",
    "broadcast",
    "multicast",
    "less",
    "greater",
    "len",
    "protochain",
    "gateway",
    "inbound",
    "outbound",
    "ifname",
    "on",
    "rnr",
    "rulenum",
    "reason",
    "rset",
    "srnr",
    "subrule",
    "action",
    "type",
    "subtype",
    "dir",
    "ra",
    "ta",
    "addr1",
    "addr2",
    "addr3",
    "addr4",
    "lat",
    "moprc",
    "mopdl",
    "sca",
    "igrp",
    "carp",
    "radio",
    "vxlan",
    "host6",
];

fn is_keyword(w: &str) -> bool {
    matches!(
        w,
        "src"
            | "dst"
            | "host"
            | "net"
            | "port"
            | "portrange"
            | "proto"
            | "vlan"
            | "mask"
            | "ip"
            | "ip6"
    ) || PROTOCOLS.iter().any(|p| p.0 == w)
        || UNSUPPORTED.contains(&w)
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token<'a>>,
    at: usize,
    nodes: Vec<Node>,
    /// Height of each node's subtree.
    depth: Vec<u16>,
    kids: Vec<u32>,
    last: Option<Qual>,
    parens: usize,
}

type PResult<T> = Result<T, FilterError>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Token<'a> {
        self.toks[self.at]
    }

    fn peek_word(&self, ahead: usize) -> Option<&'a str> {
        self.toks
            .get(self.at + ahead)
            .filter(|t| t.kind == Tok::Word)
            .map(|t| t.text)
    }

    fn next(&mut self) -> Token<'a> {
        let t = self.toks[self.at];
        if t.kind != Tok::End {
            self.at += 1;
        }
        t
    }

    fn error(&self, byte: usize, message: String) -> FilterError {
        FilterError {
            position: self.src[..byte].chars().count() + 1,
            message,
        }
    }

    fn describe(&self, t: Token<'_>) -> String {
        if t.kind == Tok::End {
            "the end of the filter".to_string()
        } else {
            format!("`{}`", t.text)
        }
    }

    fn push(&mut self, node: Node, depth: u16) -> PResult<u32> {
        if depth > MAX_DEPTH {
            let at = self.peek().start;
            return Err(self.error(
                at,
                format!("the filter nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.nodes.push(node);
        self.depth.push(depth);
        Ok((self.nodes.len() - 1) as u32)
    }

    fn prim(&mut self, p: Prim) -> PResult<u32> {
        self.push(Node::Prim(p), 0)
    }

    /// An `and` or `or` of several nodes (one level: `a and b and c`).
    fn group(&mut self, or: bool, members: &[u32]) -> PResult<u32> {
        let start = self.kids.len() as u32;
        let len = members.len() as u32;
        let depth = 1 + members
            .iter()
            .map(|&m| self.depth[m as usize])
            .max()
            .unwrap_or(0);
        self.kids.extend_from_slice(members);
        let node = if or {
            Node::Or { start, len }
        } else {
            Node::And { start, len }
        };
        self.push(node, depth)
    }

    /// expr := unary (('and' | 'or') unary)*, both operators of equal precedence, left
    /// associative (libpcap's grammar). A run of the same operator becomes one n-ary node.
    fn expr(&mut self) -> PResult<u32> {
        let mut members = vec![self.unary()?];
        let mut op: Option<bool> = None; // Some(true) for `or`
        loop {
            let or = match self.peek().kind {
                Tok::And => false,
                Tok::Or => true,
                _ => break,
            };
            self.next();
            let rhs = self.unary()?;
            match op {
                Some(cur) if cur != or => {
                    let left = self.group(cur, &members)?;
                    members.clear();
                    members.push(left);
                }
                _ => {}
            }
            op = Some(or);
            members.push(rhs);
        }
        match op {
            None => Ok(members[0]),
            Some(or) => self.group(or, &members),
        }
    }

    /// unary := ('not' | '!')* primary. An even number of negations cancels out.
    fn unary(&mut self) -> PResult<u32> {
        let mut negate = false;
        while self.peek().kind == Tok::Not {
            self.next();
            negate = !negate;
        }
        let p = self.primary()?;
        if negate {
            let depth = self.depth[p as usize] + 1;
            self.push(Node::Not(p), depth)
        } else {
            Ok(p)
        }
    }

    fn primary(&mut self) -> PResult<u32> {
        let t = self.peek();
        match t.kind {
            Tok::LParen => {
                self.next();
                self.parens += 1;
                if self.parens > usize::from(MAX_DEPTH) {
                    return Err(self.error(
                        t.start,
                        format!("parentheses nest deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let e = self.expr()?;
                let close = self.next();
                if close.kind != Tok::RParen {
                    let msg = format!(
                        "expected `)` to close the `(` at character {}, found {}",
                        self.src[..t.start].chars().count() + 1,
                        self.describe(close)
                    );
                    return Err(self.error(close.start, msg));
                }
                self.parens -= 1;
                Ok(e)
            }
            Tok::Word => self.primitive(),
            _ => Err(self.error(
                t.start,
                format!(
                    "expected a filter primitive (such as `host`, `net`, `port` or `tcp`), \
                     found {}",
                    self.describe(t)
                ),
            )),
        }
    }

    fn primitive(&mut self) -> PResult<u32> {
        let t = self.next();
        let w = t.text;
        match w {
            "vlan" => {
                let id = match self.peek_word(0) {
                    Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) => {
                        let v = self.next();
                        let id = self.number(v, "a VLAN id", "vlan")?;
                        if id > 4095 {
                            return Err(self.error(
                                v.start,
                                format!("VLAN id {id} is greater than the maximum, 4095"),
                            ));
                        }
                        Some(id as u16)
                    }
                    _ => None,
                };
                self.prim(Prim::Vlan(id))
            }
            "proto" => self.qualified(None, t, true),
            "src" | "dst" | "host" | "net" | "port" | "portrange" => {
                self.at -= 1;
                self.qualified(None, t, false)
            }
            _ => {
                if let Some(q) = Qproto::from_word(w) {
                    match self.peek_word(0) {
                        Some("proto") if q.version().is_some() => {
                            self.next();
                            return self.qualified(Some(q), t, true);
                        }
                        Some("src" | "dst" | "host" | "net" | "port" | "portrange") => {
                            return self.qualified(Some(q), t, false);
                        }
                        _ => {}
                    }
                }
                match w {
                    "ip" => return self.prim(Prim::Version(IpVersion::V4)),
                    "ip6" => return self.prim(Prim::Version(IpVersion::V6)),
                    _ => {}
                }
                if let Some(&(_, v, n)) = PROTOCOLS.iter().find(|p| p.0 == w) {
                    return self.prim(Prim::Proto(v, n));
                }
                if UNSUPPORTED.contains(&w) {
                    return Err(self.error(
                        t.start,
                        format!(
                            "`{w}` is not supported by the built-in capture filter, which sees \
                             decoded IP packets (a build with the `libpcap` feature has the \
                             full syntax)"
                        ),
                    ));
                }
                match self.last {
                    // A bare value after `and`/`or`: the previous primitive's qualifiers.
                    Some(q) if !is_keyword(w) => {
                        let p = self.value(q, t)?;
                        self.prim(p)
                    }
                    _ => Err(self.error(
                        t.start,
                        format!(
                            "expected a filter primitive (such as `host`, `net`, `port` or \
                             `tcp`), found `{w}`"
                        ),
                    )),
                }
            }
        }
    }

    /// `[proto] [dir] [type] value`, the protocol qualifier (if any) already read: `t` is the
    /// token that started the primitive. With `is_proto`, the `proto` keyword is read too.
    fn qualified(&mut self, proto: Option<Qproto>, t: Token<'a>, is_proto: bool) -> PResult<u32> {
        let (dir, kind) = if is_proto {
            (Dir::Either, Kind::Proto)
        } else {
            let dir = self.direction();
            let kind = match self.peek_word(0) {
                Some("host") => Some(Kind::Host),
                Some("net") => Some(Kind::Net),
                Some("port") => Some(Kind::Port),
                Some("portrange") => Some(Kind::PortRange),
                _ => None,
            };
            if kind.is_some() {
                self.next();
            }
            // A direction alone means `host`, as in tcpdump (`src 10.0.0.1`).
            (dir.unwrap_or(Dir::Either), kind.unwrap_or(Kind::Host))
        };
        if let Some(q) = proto {
            let fits = match kind {
                Kind::Host | Kind::Net | Kind::Proto => q.version().is_some(),
                Kind::Port | Kind::PortRange => q.port_proto().is_some(),
            };
            if !fits {
                let allowed = match kind {
                    Kind::Port | Kind::PortRange => "`tcp`, `udp` or `sctp`",
                    _ => "`ip` or `ip6`",
                };
                return Err(self.error(
                    t.start,
                    format!(
                        "`{}` cannot qualify `{}` (only {allowed} can)",
                        t.text,
                        kind.name()
                    ),
                ));
            }
        }
        let q = Qual { proto, dir, kind };
        let v = self.next();
        let p = self.value(q, v)?;
        self.last = Some(q);
        self.prim(p)
    }

    /// `src`, `dst`, `src or dst`, `dst or src`, `src and dst`, `dst and src`, or nothing.
    fn direction(&mut self) -> Option<Dir> {
        let first = match self.peek_word(0) {
            Some(w @ ("src" | "dst")) => w,
            _ => return None,
        };
        self.next();
        let other = if first == "src" { "dst" } else { "src" };
        let joined =
            matches!(self.peek().kind, Tok::And | Tok::Or) && self.peek_word(1) == Some(other);
        if joined {
            let both = self.next().kind == Tok::And;
            self.next();
            return Some(if both { Dir::Both } else { Dir::Either });
        }
        Some(if first == "src" { Dir::Src } else { Dir::Dst })
    }

    /// The value of a qualified primitive, in token `v`.
    fn value(&mut self, q: Qual, v: Token<'a>) -> PResult<Prim> {
        let kw = q.kind.name();
        if v.kind != Tok::Word {
            let what = match q.kind {
                Kind::Host => "an IPv4 or IPv6 address",
                Kind::Net => "a network (such as 10.0.0.0/8)",
                Kind::Port => "a port number",
                Kind::PortRange => "a port range (such as 1024-2047)",
                Kind::Proto => "a protocol number",
            };
            return Err(self.error(
                v.start,
                format!("expected {what} after `{kw}`, found {}", self.describe(v)),
            ));
        }
        let want = q.proto.and_then(Qproto::version);
        let check_version = |p: &Parser<'_>, a: IpAddr| -> PResult<()> {
            match want {
                Some(w) if version(a) != w => Err(p.error(
                    v.start,
                    format!(
                        "`{}` is an {} address but the primitive is qualified `{}`",
                        v.text,
                        if w == IpVersion::V4 { "IPv6" } else { "IPv4" },
                        if w == IpVersion::V4 { "ip" } else { "ip6" }
                    ),
                )),
                _ => Ok(()),
            }
        };
        match q.kind {
            Kind::Host => {
                let a: IpAddr = v.text.parse().map_err(|_| {
                    self.error(
                        v.start,
                        format!(
                            "expected an IPv4 or IPv6 address after `host`, found `{}` (host \
                             names are not supported)",
                            v.text
                        ),
                    )
                })?;
                check_version(self, a)?;
                Ok(Prim::Host(q.dir, a))
            }
            Kind::Net => {
                let net = self.net(v)?;
                let a = match net {
                    Net::V4 { .. } => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    Net::V6 { .. } => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                };
                check_version(self, a)?;
                Ok(Prim::Net(q.dir, net))
            }
            Kind::Port | Kind::PortRange => {
                let (lo, hi) = if q.kind == Kind::Port {
                    let n = self.port(v, v.text, kw)?;
                    (n, n)
                } else {
                    let Some((a, b)) = v.text.split_once('-') else {
                        return Err(self.error(
                            v.start,
                            format!(
                                "expected a port range (such as 1024-2047) after `portrange`, \
                                 found `{}`",
                                v.text
                            ),
                        ));
                    };
                    let (a, b) = (self.port(v, a, kw)?, self.port(v, b, kw)?);
                    // libpcap accepts the bounds in either order.
                    (a.min(b), a.max(b))
                };
                let proto = q
                    .proto
                    .and_then(Qproto::port_proto)
                    .unwrap_or(PortProto::Any);
                Ok(Prim::Port {
                    proto,
                    dir: q.dir,
                    lo,
                    hi,
                })
            }
            Kind::Proto => {
                let name = v.text.strip_prefix('\\').unwrap_or(v.text);
                let n = match PROTOCOLS.iter().find(|p| p.0 == name) {
                    Some(p) => p.2,
                    None => {
                        let n = self.number(v, "a protocol number", "proto")?;
                        u8::try_from(n).map_err(|_| {
                            self.error(
                                v.start,
                                format!("protocol number {n} is greater than the maximum, 255"),
                            )
                        })?
                    }
                };
                Ok(Prim::Proto(want, n))
            }
        }
    }

    fn port(&self, v: Token<'_>, text: &str, kw: &str) -> PResult<u16> {
        let n = parse_number(text).ok_or_else(|| {
            let hint = if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
                " (service names are not supported)"
            } else {
                ""
            };
            self.error(
                v.start,
                format!("expected a port number after `{kw}`, found `{text}`{hint}"),
            )
        })?;
        u16::try_from(n).map_err(|_| {
            self.error(
                v.start,
                format!("port number {n} is greater than the maximum, 65535"),
            )
        })
    }

    fn number(&self, v: Token<'_>, what: &str, kw: &str) -> PResult<u32> {
        parse_number(v.text).ok_or_else(|| {
            self.error(
                v.start,
                format!("expected {what} after `{kw}`, found `{}`", v.text),
            )
        })
    }

    /// `A/len`, `A` (IPv4 by the number of its parts, IPv6 a single address) or `A mask M`.
    fn net(&mut self, v: Token<'a>) -> PResult<Net> {
        let bad = |p: &Parser<'_>| {
            p.error(
                v.start,
                format!(
                    "expected a network (such as 10.0.0.0/8) after `net`, found `{}` (network \
                     names are not supported)",
                    v.text
                ),
            )
        };
        let (addr, len) = match v.text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (v.text, None),
        };
        let host_bits = |p: &Parser<'_>, text: String| {
            p.error(v.start, format!("non-network bits set in `{text}`"))
        };
        if addr.contains(':') {
            let a: Ipv6Addr = addr.parse().map_err(|_| bad(self))?;
            let bits = match len {
                None => 128,
                Some(l) => match l.parse::<u32>() {
                    Ok(b) if b <= 128 => b,
                    _ => {
                        return Err(self.error(
                            v.start,
                            format!("`{l}` is not an IPv6 prefix length (0 to 128)"),
                        ))
                    }
                },
            };
            if self.peek_word(0) == Some("mask") {
                let at = self.peek().start;
                return Err(self.error(at, "`mask` is for IPv4 networks only".to_string()));
            }
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            let a = u128::from(a);
            if a & !mask != 0 {
                return Err(host_bits(self, v.text.to_string()));
            }
            return Ok(Net::V6 { addr: a, mask });
        }
        let (a, parts) = parse_dotted(addr).ok_or_else(|| bad(self))?;
        let mut mask = prefix_mask(parts * 8);
        let mut shown = v.text.to_string();
        if let Some(l) = len {
            mask = match l.parse::<u32>() {
                Ok(b) if b <= 32 => prefix_mask(b),
                _ => {
                    return Err(self.error(
                        v.start,
                        format!("`{l}` is not an IPv4 prefix length (0 to 32)"),
                    ))
                }
            };
        } else if self.peek_word(0) == Some("mask") {
            self.next();
            let m = self.next();
            let parsed = (m.kind == Tok::Word)
                .then(|| parse_dotted(m.text))
                .flatten();
            let Some((m_addr, _)) = parsed else {
                return Err(self.error(
                    m.start,
                    format!(
                        "expected a dotted IPv4 mask after `mask`, found {}",
                        self.describe(m)
                    ),
                ));
            };
            mask = m_addr;
            shown = format!("{} mask {}", v.text, m.text);
        }
        if a & !mask != 0 {
            return Err(host_bits(self, shown));
        }
        Ok(Net::V4 { addr: a, mask })
    }
}

/// The top `bits` bits set.
fn prefix_mask(bits: u32) -> u32 {
    u32::MAX.checked_shl(32 - bits).unwrap_or(0)
}

/// An IPv4 address in one to four dotted decimal parts, left-aligned as tcpdump reads network
/// numbers (`10` is 10.0.0.0, `172.16` is 172.16.0.0): the address and the number of parts.
fn parse_dotted(s: &str) -> Option<(u32, u32)> {
    let mut a: u32 = 0;
    let mut parts = 0;
    for p in s.split('.') {
        if parts == 4 || p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        a = (a << 8) | u32::from(p.parse::<u8>().ok()?);
        parts += 1;
    }
    Some((a.checked_shl(32 - 8 * parts).unwrap_or(0), parts))
}

/// A number as libpcap reads one: `0x` hexadecimal, a leading `0` octal, else decimal.
fn parse_number(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u32::from_str_radix(h, 16)
            .ok()
            .filter(|_| !h.starts_with('+'));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.is_empty() {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return u32::from_str_radix(&s[1..], 8).ok();
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::LinkType;
    use crate::decode::{self, DecodeOutcome, IcmpHeader, SctpHeader, TcpHeader, UdpHeader};
    use proptest::prelude::*;
    use sensor_generate::packet::{self, Ip, Link, Tcp};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn decoded(link: LinkType, frame: &[u8]) -> Decoded {
        match decode::decode(link, frame) {
            Ok(DecodeOutcome::Ip(d)) => d,
            other => panic!("not an IP packet: {other:?}"),
        }
    }

    fn f(expr: &str) -> CaptureFilter {
        CaptureFilter::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    fn err(expr: &str) -> String {
        match CaptureFilter::parse(expr) {
            Ok(_) => panic!("`{expr}` parsed"),
            Err(e) => e.to_string(),
        }
    }

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// A hand-made TCP packet: 10.0.0.1:40000 -> 192.168.1.20:80.
    fn tcp_pkt() -> Decoded {
        Decoded {
            src: v4("10.0.0.1"),
            dst: v4("192.168.1.20"),
            ip_proto: 6,
            l4: L4::Tcp(TcpHeader {
                src_port: 40000,
                dst_port: 80,
                ..TcpHeader::default()
            }),
            ..Decoded::default()
        }
    }

    // ---- real frames (from the decoder tests) ----

    #[test]
    fn real_frames() {
        use crate::decode::{ethernet, icmp, ipv4, ipv6, udp};
        // 192.168.17.58:58755 -> 8.8.8.8:53, UDP.
        let dns = decoded(LinkType::Ethernet, &hex(udp::tests::DNS_QUERY));
        for yes in [
            "udp",
            "ip",
            "port 53",
            "udp dst port 53",
            "src host 192.168.17.58",
            "dst host 8.8.8.8 and udp",
            "net 192.168.0.0/16",
            "src net 192.168",
            "dst net 8 and not vlan",
            "net 192.168.17.0 mask 255.255.255.0",
            "portrange 50-60",
            "udp portrange 58000-59000",
            "proto 17",
            "ip proto \\udp",
            "not tcp",
            "host 1.1.1.1 or 8.8.8.8",
        ] {
            assert!(f(yes).matches(&dns), "{yes}");
        }
        for no in [
            "tcp",
            "ip6",
            "tcp port 53",
            "src port 53",
            "dst host 192.168.17.58",
            "src and dst net 192.168.0.0/16",
            "vlan",
            "icmp",
            "ip6 proto 17",
        ] {
            assert!(!f(no).matches(&dns), "{no}");
        }

        // QinQ, VLAN 13 outer, 10 inner: UDP 172.19.51.37:47808 -> 172.19.51.63:47808.
        let qinq = decoded(LinkType::Ethernet, &hex(ethernet::tests::QINQ_UDP));
        for yes in [
            "vlan",
            "vlan 13",
            "vlan 10",
            "vlan 13 and vlan 10",
            "udp port 47808",
            "src and dst port 47808",
            "net 172.19.51.0/24",
        ] {
            assert!(f(yes).matches(&qinq), "{yes}");
        }
        assert!(!f("vlan 12").matches(&qinq));
        assert!(!f("not vlan").matches(&qinq));

        // ICMPv6 echo request.
        let ping6 = decoded(LinkType::Ethernet, &hex(icmp::tests::PING6));
        for yes in ["icmp6", "ip6", "proto 58", "ip6 proto 58", "not port 0"] {
            assert!(f(yes).matches(&ping6), "{yes}");
        }
        for no in ["icmp", "ip", "ip proto 58", "port 0", "tcp or udp"] {
            assert!(!f(no).matches(&ping6), "{no}");
        }
        let src = match ping6.src {
            IpAddr::V6(a) => a,
            _ => unreachable!(),
        };
        assert!(f(&format!("src host {src}")).matches(&ping6));
        assert!(f(&format!("ip6 host {src}")).matches(&ping6));
        assert!(!f(&format!("dst host {src}")).matches(&ping6));
        let prefix = Ipv6Addr::from(u128::from(src) & !0u128 << 64);
        assert!(f(&format!("src net {prefix}/64")).matches(&ping6));
        assert!(!f(&format!("ip6 src net {prefix}/128")).matches(&ping6));

        // IPv6 with hop-by-hop and routing headers before UDP 53 -> 53.
        let ext = decoded(LinkType::Ethernet, &hex(ipv6::tests::HBH_ROUTING_UDP));
        assert!(f("ip6 and udp and port 53").matches(&ext));

        // A SYN split in two IPv4 fragments: the first carries the ports, the second not.
        let first = decoded(LinkType::Ethernet, &hex(ipv4::tests::FRAG_SYN_1));
        let second = decoded(LinkType::Ethernet, &hex(ipv4::tests::FRAG_SYN_2));
        assert!(first.fragment.is_some() && second.fragment.is_some());
        assert!(f("tcp port 80").matches(&first));
        assert!(f("tcp").matches(&second));
        assert!(!f("tcp port 80").matches(&second));
        assert!(!f("portrange 0-65535").matches(&second));
        assert!(f("not port 80").matches(&second));
    }

    #[test]
    fn sees_through_vlan_and_vxlan() {
        let ip = Ip::new(v4("10.1.1.1"), v4("10.2.2.2"), 64, 1);
        let tcp = Tcp {
            sport: 51000,
            dport: 443,
            seq: 1,
            ack: 0,
            flags: packet::TCP_SYN,
            window: 1024,
            options: &[],
        };
        let eth = Link::ethernet([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2]);
        let mut inner = Vec::new();
        packet::tcp_frame(&mut inner, &eth.with_vlan(7), &ip, &tcp, b"");
        let d = decoded(LinkType::Ethernet, &inner);
        assert!(f("vlan 7 and tcp dst port 443 and src 10.1.1.1").matches(&d));
        assert!(f("tcp port 443").matches(&d), "no `vlan` needed");

        // The same SYN in VXLAN over UDP between two other hosts.
        let mut vxlan = vec![0x08, 0, 0, 0, 0, 0, 0x2a, 0];
        vxlan.extend_from_slice(&inner);
        let outer = Ip::new(v4("172.16.0.1"), v4("172.16.0.2"), 64, 2);
        let mut frame = Vec::new();
        packet::udp_frame(&mut frame, &eth, &outer, 49152, 4789, &vxlan);
        let d = decoded(LinkType::Ethernet, &frame);
        assert!(f("tcp and port 443 and host 10.2.2.2 and vlan 7").matches(&d));
        assert!(!f("udp port 4789").matches(&d));
        assert!(!f("net 172.16.0.0/12").matches(&d));
    }

    #[test]
    fn sctp_ports_and_ip_proto() {
        let d = Decoded {
            src: v4("10.0.0.1"),
            dst: v4("10.0.0.2"),
            ip_proto: 132,
            l4: L4::Sctp(SctpHeader {
                src_port: 2905,
                dst_port: 2905,
                verification_tag: 0,
            }),
            ..Decoded::default()
        };
        for yes in [
            "sctp",
            "port 2905",
            "sctp port 2905",
            "proto 132",
            "ip proto 0x84",
        ] {
            assert!(f(yes).matches(&d), "{yes}");
        }
        for no in ["tcp port 2905", "udp port 2905", "ip proto 0132"] {
            assert!(!f(no).matches(&d), "{no}");
        }
        // ICMP has no ports.
        let icmp = Decoded {
            ip_proto: 1,
            l4: L4::Icmp(IcmpHeader::default()),
            ..d
        };
        assert!(f("icmp and not port 0").matches(&icmp));
        let udp = Decoded {
            ip_proto: 17,
            l4: L4::Udp(UdpHeader {
                src_port: 5,
                dst_port: 6,
                length: 8,
            }),
            ..d
        };
        assert!(f("udp src port 5 and dst port 6").matches(&udp));
        assert!(!f("src and dst port 5").matches(&udp));
        assert!(f("src or dst port 6").matches(&udp));
        assert!(f("dst or src port 5").matches(&udp));
    }

    // ---- syntax ----

    #[test]
    fn precedence_is_libpcaps() {
        let d = tcp_pkt(); // tcp, port 80, host 10.0.0.1
                           // `and` and `or` bind equally, left to right: (tcp or udp) and port 81 is false, where
                           // `and` binding tighter would give tcp or (udp and port 81), true.
        assert!(!f("tcp or udp and port 81").matches(&d));
        assert!(!f("tcp || udp && port 81").matches(&d));
        // And the other way round: (port 81 and udp) or tcp.
        assert!(f("port 81 and udp or tcp").matches(&d));
        assert!(f("tcp or (udp and port 81)").matches(&d));
        // `not` binds tightest: (not udp) and tcp.
        assert!(f("not udp and tcp").matches(&d));
        assert!(!f("not (udp or tcp)").matches(&d));
        assert!(f("! ! tcp").matches(&d));
        assert!(f("not not not udp").matches(&d));
        assert!(f("udp || tcp && port 80").matches(&d));
        assert!(f("((tcp))").matches(&d));
    }

    #[test]
    fn bare_values_inherit_qualifiers() {
        let d = tcp_pkt();
        assert!(f("port 81 or 80").matches(&d));
        assert!(!f("port 80 and not 40000").matches(&d));
        assert!(f("dst port 81 or 80").matches(&d));
        assert!(!f("dst port 81 or 40000").matches(&d), "`dst` is inherited");
        assert!(f("host 1.2.3.4 or (10.0.0.1)").matches(&d));
        assert!(f("tcp dst port 81 or 80").matches(&d));
        assert!(
            !f("udp dst port 81 or 80").matches(&d),
            "`udp` is inherited"
        );
        assert!(f("ip proto 17 or 6").matches(&d));
        assert!(f("src 10.0.0.1").matches(&d), "a direction alone is `host`");
        assert!(
            f("").matches(&d) && f("  ").matches(&d),
            "the empty filter takes all"
        );
        assert_eq!(f(" tcp ").expr(), " tcp ");
    }

    #[test]
    fn networks() {
        let d = tcp_pkt(); // 10.0.0.1 -> 192.168.1.20
        for yes in [
            "net 10",
            "net 10/8",
            "net 10.0/16",
            "net 10.0.0/24",
            "net 10.0.0.1",
            "net 0.0.0.0/0",
            "dst net 192.168.1.16/28",
            "net 10.0.0.0 mask 255.0.0.0",
            "src net 10.0.0.0 mask 255.255.255.254",
            "ip net 10.0.0.0/8",
            "net 192.168.1.20/32",
        ] {
            assert!(f(yes).matches(&d), "{yes}");
        }
        for no in [
            "net 11/8",
            "src net 192.168.0.0/16",
            "net 192.168.1.0/30",
            "net ::/0",
        ] {
            assert!(!f(no).matches(&d), "{no}");
        }
    }

    #[test]
    fn errors_name_the_position_and_the_token() {
        assert_eq!(
            err("udp or port http"),
            "capture filter: at character 13: expected a port number after `port`, found \
             `http` (service names are not supported)"
        );
        assert_eq!(
            err("tcp and"),
            "capture filter: at character 8: expected a filter primitive (such as `host`, \
             `net`, `port` or `tcp`), found the end of the filter"
        );
        assert_eq!(
            err("(tcp or udp"),
            "capture filter: at character 12: expected `)` to close the `(` at character 1, \
             found the end of the filter"
        );
        assert_eq!(
            err("tcp)"),
            "capture filter: at character 4: `)` without a matching `(`"
        );
        assert_eq!(
            err("tcp udp"),
            "capture filter: at character 5: expected `and`, `or` or the end of the filter, \
             found `udp`"
        );
        assert_eq!(
            err("host example.org"),
            "capture filter: at character 6: expected an IPv4 or IPv6 address after `host`, \
             found `example.org` (host names are not supported)"
        );
        assert_eq!(
            err("net 10.0.0.1/8"),
            "capture filter: at character 5: non-network bits set in `10.0.0.1/8`"
        );
        assert_eq!(
            err("net 10.1.0.0 mask 255.0.0.0"),
            "capture filter: at character 5: non-network bits set in `10.1.0.0 mask 255.0.0.0`"
        );
        assert_eq!(
            err("tcp[13] & 2 != 0"),
            "capture filter: at character 4: `[`: packet data accessors, comparisons and \
             arithmetic are not supported by the built-in capture filter"
        );
        assert!(err("ether host 01:02:03:04:05:06").contains("`ether` is not supported"));
        assert!(err("port 70000").contains("port number 70000 is greater than the maximum"));
        assert!(err("vlan 4096").contains("VLAN id 4096 is greater than the maximum, 4095"));
        assert!(err("proto 256").contains("protocol number 256 is greater"));
        assert!(err("tcp host 10.0.0.1").contains("`tcp` cannot qualify `host`"));
        assert!(err("ip port 80").contains("`ip` cannot qualify `port`"));
        assert!(err("ip6 host 10.0.0.1").contains("is an IPv4 address but"));
        assert!(err("ip host ::1").contains("is an IPv6 address but"));
        assert!(err("port 80 or http").contains("service names are not supported"));
        assert!(err("80").contains("expected a filter primitive"));
        assert!(err("portrange 10").contains("expected a port range"));
        assert!(err("net ::1/64").contains("non-network bits"));
        assert!(err("net ::/129").contains("IPv6 prefix length"));
        assert!(err("net ::/64 mask 255.0.0.0").contains("IPv4 networks only"));
        assert!(err("host").contains("found the end of the filter"));
        assert!(err("tcp é").contains("at character 5: unexpected character `é`"));
        assert!(err(&"(".repeat(200)).contains("parentheses nest deeper"));
        assert!(err(&"tcp or udp and ".repeat(100)).contains("nests deeper"));
    }

    #[test]
    fn long_flat_chains_are_fine() {
        // One n-ary node, not a 10 000-deep tree.
        let expr = vec!["port 1"; 10_000].join(" or ") + " or port 80";
        assert!(f(&expr).matches(&tcp_pkt()));
        let expr = vec!["tcp"; 10_000].join(" and ");
        assert!(f(&expr).matches(&tcp_pkt()));
        // Nested negations up to the limit evaluate (one stack frame per level).
        let deep = format!("{}tcp{}", "not (".repeat(99), ")".repeat(99));
        assert!(!f(&deep).matches(&tcp_pkt()));
        let deeper = format!("{}tcp{}", "not (".repeat(101), ")".repeat(101));
        assert!(err(&deeper).contains("deeper than 100"));
        // Negations cancel in pairs: 10 001 of them are one.
        assert!(!f(&format!("{}tcp", "not ".repeat(10_001))).matches(&tcp_pkt()));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("80"), Some(80));
        assert_eq!(parse_number("0x50"), Some(80));
        assert_eq!(parse_number("0120"), Some(80));
        assert_eq!(parse_number("0"), Some(0));
        assert_eq!(parse_number("08"), None);
        assert_eq!(parse_number("0x+5"), None);
        assert_eq!(parse_number("-1"), None);
        assert_eq!(parse_number("99999999999"), None);
        assert_eq!(parse_dotted("10"), Some((0x0a00_0000, 1)));
        assert_eq!(parse_dotted("172.16"), Some((0xac10_0000, 2)));
        assert_eq!(parse_dotted("1.2.3.4.5"), None);
        assert_eq!(parse_dotted("1..3"), None);
        assert_eq!(parse_dotted("256"), None);
    }

    // ---- properties ----

    /// A generated expression, kept as a tree so a reference evaluation can be made.
    #[derive(Clone, Debug)]
    enum Expr {
        Leaf(&'static str),
        Not(Box<Expr>),
        And(Box<Expr>, Box<Expr>),
        Or(Box<Expr>, Box<Expr>),
    }

    const LEAVES: &[&str] = &[
        "tcp",
        "udp",
        "icmp",
        "ip6",
        "vlan",
        "vlan 10",
        "port 80",
        "src port 53",
        "tcp dst port 443",
        "portrange 1-1023",
        "host 10.0.0.1",
        "dst host 10.0.0.2",
        "src net 10.0.0.0/30",
        "net 2001:db8::/32",
        "host 2001:db8::1",
        "proto 17",
        "ip proto 1",
    ];

    impl Expr {
        /// Fully parenthesised, so the text's structure is the tree's.
        fn text(&self) -> String {
            match self {
                Expr::Leaf(s) => s.to_string(),
                Expr::Not(e) => format!("not ({})", e.text()),
                Expr::And(a, b) => format!("({}) and ({})", a.text(), b.text()),
                Expr::Or(a, b) => format!("({}) || ({})", a.text(), b.text()),
            }
        }

        /// Reference result: each leaf judged alone, combined here.
        fn eval(&self, d: &Decoded) -> bool {
            match self {
                Expr::Leaf(s) => f(s).matches(d),
                Expr::Not(e) => !e.eval(d),
                Expr::And(a, b) => a.eval(d) && b.eval(d),
                Expr::Or(a, b) => a.eval(d) || b.eval(d),
            }
        }
    }

    fn expr_strategy() -> impl Strategy<Value = Expr> {
        let leaf = proptest::sample::select(LEAVES).prop_map(Expr::Leaf);
        leaf.prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::And(a.into(), b.into())),
                (inner.clone(), inner).prop_map(|(a, b)| Expr::Or(a.into(), b.into())),
            ]
        })
    }

    fn packet_strategy() -> impl Strategy<Value = Decoded> {
        let addrs = proptest::sample::select(vec![
            v4("10.0.0.1"),
            v4("10.0.0.2"),
            v4("10.0.0.5"),
            v4("192.168.0.1"),
        ]);
        let addrs6 = proptest::sample::select(vec![
            "2001:db8::1".parse::<IpAddr>().unwrap(),
            "2001:db8::2".parse().unwrap(),
            "fe80::1".parse().unwrap(),
        ]);
        let ports = proptest::sample::select(vec![53u16, 80, 443, 1023, 1024, 40000]);
        let vlans = proptest::sample::select(vec![1u16, 10, 20]);
        (
            any::<bool>(),
            (addrs.clone(), addrs, addrs6.clone(), addrs6),
            0u8..5,
            (ports.clone(), ports),
            (0u8..3, vlans.clone(), vlans),
        )
            .prop_map(|(v6, (s4, d4, s6, d6), l4, (sp, dp), (vc, v0, v1))| {
                let (src, dst) = if v6 { (s6, d6) } else { (s4, d4) };
                let (ip_proto, l4) = match l4 {
                    0 => (
                        6,
                        L4::Tcp(TcpHeader {
                            src_port: sp,
                            dst_port: dp,
                            ..TcpHeader::default()
                        }),
                    ),
                    1 => (
                        17,
                        L4::Udp(UdpHeader {
                            src_port: sp,
                            dst_port: dp,
                            length: 8,
                        }),
                    ),
                    2 => (if v6 { 58 } else { 1 }, L4::Icmp(IcmpHeader::default())),
                    // A non-first UDP fragment: protocol known, ports not.
                    3 => (17, L4::None),
                    _ => (47, L4::None),
                };
                Decoded {
                    src,
                    dst,
                    ip_proto,
                    l4,
                    vlan: [v0, v1],
                    vlan_count: vc,
                    ..Decoded::default()
                }
            })
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = CaptureFilter::parse(&s);
        }

        #[test]
        fn parse_never_panics_on_filter_like_text(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "host", "net", "port", "portrange", "src", "dst", "and", "or", "not", "!",
                "(", ")", "&&", "||", "tcp", "udp", "ip", "ip6", "vlan", "proto", "mask",
                "10.0.0.1", "::1", "10/8", "80", "1-2", "0x10", "255.0.0.0", "http", "\\tcp",
            ]), 0..12)
        ) {
            let _ = CaptureFilter::parse(&words.join(" "));
        }

        #[test]
        fn not_is_negation(e in expr_strategy(), d in packet_strategy()) {
            let x = f(&e.text());
            let not_x = f(&format!("not ({})", e.text()));
            let bang_x = f(&format!("!({})", e.text()));
            prop_assert_eq!(not_x.matches(&d), !x.matches(&d));
            prop_assert_eq!(bang_x.matches(&d), !x.matches(&d));
        }

        #[test]
        fn structure_is_kept(e in expr_strategy(), d in packet_strategy()) {
            prop_assert_eq!(f(&e.text()).matches(&d), e.eval(&d), "{}", e.text());
        }
    }
}
