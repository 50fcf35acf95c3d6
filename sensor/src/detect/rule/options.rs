//! Non-payload options: `flow`, `threshold`/`detection_filter`, `flowbits`, `dataset`,
//! `reference`, `metadata`, and the quoted-string values of `msg`.

use super::error::{bail, ErrorKind, PResult};
use super::lexer::truncate;

/// `flow` connection state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowState {
    Established,
    NotEstablished,
    Stateless,
}

/// `flow` direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowDirection {
    /// `to_server` / `from_client`
    ToServer,
    /// `to_client` / `from_server`
    ToClient,
}

/// `flow` stream restriction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamMode {
    /// `only_stream`: reassembled stream only.
    OnlyStream,
    /// `no_stream`: packets only.
    NoStream,
}

/// A parsed `flow` option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flow {
    pub state: Option<FlowState>,
    pub direction: Option<FlowDirection>,
    pub stream: Option<StreamMode>,
}

impl Flow {
    pub fn parse(v: &str) -> PResult<Self> {
        let mut f = Flow::default();
        for item in v.split(',') {
            let item = item.trim();
            match item {
                "established" | "not_established" | "stateless" => {
                    if f.state.is_some() {
                        bail!("flow: conflicting or repeated state `{item}`");
                    }
                    f.state = Some(match item {
                        "established" => FlowState::Established,
                        "not_established" => FlowState::NotEstablished,
                        _ => FlowState::Stateless,
                    });
                }
                "to_server" | "from_client" | "to_client" | "from_server" => {
                    if f.direction.is_some() {
                        bail!("flow: conflicting or repeated direction `{item}`");
                    }
                    f.direction = Some(if matches!(item, "to_server" | "from_client") {
                        FlowDirection::ToServer
                    } else {
                        FlowDirection::ToClient
                    });
                }
                "only_stream" | "no_stream" => {
                    if f.stream.is_some() {
                        bail!("flow: conflicting or repeated stream option `{item}`");
                    }
                    f.stream = Some(if item == "only_stream" {
                        StreamMode::OnlyStream
                    } else {
                        StreamMode::NoStream
                    });
                }
                "only_frag" | "no_frag" => {
                    return Err(ErrorKind::unsupported(format!("flow:{item}")));
                }
                _ => bail!("invalid flow option `{}`", truncate(item, 40)),
            }
        }
        Ok(f)
    }
}

/// `threshold` type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThresholdType {
    /// Alert on the first `count` matches of each window.
    Limit,
    /// Alert on every `count`-th match of a window.
    Threshold,
    /// Alert once per window, when the `count`-th match is reached.
    Both,
}

/// What a threshold counts by (Suricata's `track`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    BySrc,
    ByDst,
    /// One counter for the rule.
    ByRule,
    /// The source/destination address pair, either order.
    ByBoth,
    /// The flow.
    ByFlow,
}

/// `threshold` or `detection_filter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Threshold {
    /// `None` for `detection_filter`.
    pub kind: Option<ThresholdType>,
    pub track: Track,
    pub count: u32,
    pub seconds: u32,
}

impl Threshold {
    /// Parses `threshold` (`detection_filter` when `filter`).
    pub fn parse(v: &str, filter: bool) -> PResult<Self> {
        let (mut kind, mut track, mut count, mut seconds) = (None, None, None, None);
        for item in v.split(',') {
            let item = item.trim();
            let (k, val) = match item.split_once(char::is_whitespace) {
                Some((k, val)) => (k, val.trim()),
                None => bail!("malformed threshold item `{}`", truncate(item, 40)),
            };
            match k {
                "type" if !filter => {
                    let t = match val {
                        "limit" => ThresholdType::Limit,
                        "threshold" => ThresholdType::Threshold,
                        "both" => ThresholdType::Both,
                        "backoff" => {
                            bail!("threshold type `backoff` does not exist in Suricata 7")
                        }
                        _ => bail!("invalid threshold type `{}`", truncate(val, 40)),
                    };
                    if kind.replace(t).is_some() {
                        bail!("threshold type given twice");
                    }
                }
                "track" => {
                    let t = match val {
                        "by_src" => Track::BySrc,
                        "by_dst" => Track::ByDst,
                        "by_rule" if !filter => Track::ByRule,
                        "by_both" if !filter => Track::ByBoth,
                        "by_flow" if !filter => Track::ByFlow,
                        _ => bail!("invalid track `{}`", truncate(val, 40)),
                    };
                    if track.replace(t).is_some() {
                        bail!("track given twice");
                    }
                }
                "count" => {
                    let n: u32 = val
                        .parse()
                        .map_err(|_| ErrorKind::syntax(format!("invalid count `{val}`")))?;
                    if count.replace(n).is_some() {
                        bail!("count given twice");
                    }
                }
                "seconds" => {
                    let n: u32 = val
                        .parse()
                        .map_err(|_| ErrorKind::syntax(format!("invalid seconds `{val}`")))?;
                    if seconds.replace(n).is_some() {
                        bail!("seconds given twice");
                    }
                }
                _ => bail!("invalid threshold item `{}`", truncate(item, 40)),
            }
        }
        let (Some(track), Some(count), Some(seconds)) = (track, count, seconds) else {
            bail!("threshold needs track, count and seconds");
        };
        if !filter && kind.is_none() {
            bail!("threshold needs a type");
        }
        Ok(Threshold {
            kind,
            track,
            count,
            seconds,
        })
    }
}

/// `flowbits` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowbitCmd {
    Set,
    IsSet,
    IsNotSet,
    Unset,
    Toggle,
    NoAlert,
}

/// A parsed `flowbits` option.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Flowbit {
    pub cmd: FlowbitCmd,
    /// Bit names; several when written `a|b` or `a&b`.
    pub names: Vec<String>,
    /// `a|b`: any of the names (for `isset`/`isnotset`); otherwise all of them.
    pub any: bool,
}

impl Flowbit {
    pub fn parse(v: &str) -> PResult<Self> {
        let (cmd, names) = match v.split_once(',') {
            Some((c, n)) => (c.trim(), Some(n.trim())),
            None => (v.trim(), None),
        };
        let cmd = match cmd {
            "set" => FlowbitCmd::Set,
            "isset" => FlowbitCmd::IsSet,
            "isnotset" => FlowbitCmd::IsNotSet,
            "unset" => FlowbitCmd::Unset,
            "toggle" => FlowbitCmd::Toggle,
            "noalert" => FlowbitCmd::NoAlert,
            _ => bail!("invalid flowbits command `{}`", truncate(cmd, 40)),
        };
        if cmd == FlowbitCmd::NoAlert {
            if names.is_some() {
                bail!("flowbits:noalert takes no name");
            }
            return Ok(Flowbit {
                cmd,
                names: Vec::new(),
                any: false,
            });
        }
        let Some(names) = names.filter(|n| !n.is_empty()) else {
            bail!("flowbits command needs a name");
        };
        let any = names.contains('|');
        if any && names.contains('&') {
            bail!("flowbits cannot mix `|` and `&`");
        }
        let list: Vec<String> = names
            .split(['|', '&'])
            .map(|n| n.trim().to_string())
            .collect();
        for n in &list {
            if n.is_empty() || n.contains(char::is_whitespace) {
                bail!("invalid flowbit name `{}`", truncate(n, 40));
            }
        }
        Ok(Flowbit {
            cmd,
            names: list,
            any,
        })
    }
}

/// `dataset` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DatasetCmd {
    Set,
    IsSet,
    IsNotSet,
    Unset,
    /// `datarep`: the value is in the set and its reputation compares so.
    Rep(RepCmp),
}

/// `datarep`'s test of a value's reputation: `<op> <value>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RepCmp {
    pub op: RepOp,
    pub value: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RepOp {
    Gt,
    Lt,
    Ge,
    Le,
    Eq,
}

impl RepCmp {
    pub fn matches(self, rep: u16) -> bool {
        match self.op {
            RepOp::Gt => rep > self.value,
            RepOp::Lt => rep < self.value,
            RepOp::Ge => rep >= self.value,
            RepOp::Le => rep <= self.value,
            RepOp::Eq => rep == self.value,
        }
    }
}

/// `dataset` value type: the dataset module's own (one type for rules and sets).
pub use crate::detect::dataset::DatasetType;

/// A parsed `dataset` option; the engine loads and updates the files.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dataset {
    pub cmd: DatasetCmd,
    pub name: String,
    pub kind: DatasetType,
    pub load: Option<String>,
    pub state: Option<String>,
    pub save: Option<String>,
    pub memcap: Option<String>,
    pub hashsize: Option<String>,
}

impl Dataset {
    pub fn parse(v: &str) -> PResult<Self> {
        let mut parts = v.split(',').map(str::trim);
        let cmd = match parts.next().unwrap_or("") {
            "set" => DatasetCmd::Set,
            "isset" => DatasetCmd::IsSet,
            "isnotset" => DatasetCmd::IsNotSet,
            "unset" => DatasetCmd::Unset,
            other => bail!("invalid dataset command `{}`", truncate(other, 40)),
        };
        let name = parts.next().unwrap_or("");
        Dataset::parse_rest(cmd, name, parts)
    }

    /// `datarep:<name>, <op>, <value>, load <file>, type <type>[, memcap .., hashsize ..]`.
    pub fn parse_datarep(v: &str) -> PResult<Self> {
        let mut parts = v.split(',').map(str::trim);
        let name = parts.next().unwrap_or("");
        let op = match parts.next().unwrap_or("") {
            ">" => RepOp::Gt,
            "<" => RepOp::Lt,
            ">=" => RepOp::Ge,
            "<=" => RepOp::Le,
            "==" => RepOp::Eq,
            other => bail!(
                "invalid datarep operator `{}` (>, <, >=, <=, ==)",
                truncate(other, 40)
            ),
        };
        let value = parts.next().unwrap_or("");
        let Ok(value) = value.parse::<u16>() else {
            bail!("invalid datarep value `{}` (0-65535)", truncate(value, 40));
        };
        Dataset::parse_rest(DatasetCmd::Rep(RepCmp { op, value }), name, parts)
    }

    fn parse_rest<'a>(
        cmd: DatasetCmd,
        name: &str,
        parts: impl Iterator<Item = &'a str>,
    ) -> PResult<Self> {
        if name.is_empty() || name.contains(char::is_whitespace) {
            bail!("invalid dataset name `{}`", truncate(name, 40));
        }
        let mut d = Dataset {
            cmd,
            name: name.to_string(),
            kind: DatasetType::String,
            load: None,
            state: None,
            save: None,
            memcap: None,
            hashsize: None,
        };
        let mut kind = None;
        for item in parts {
            let (k, val) = match item.split_once(char::is_whitespace) {
                Some((k, val)) => (k, val.trim().to_string()),
                None => bail!("malformed dataset option `{}`", truncate(item, 40)),
            };
            let slot = match k {
                "type" => {
                    let t = match val.as_str() {
                        "string" => DatasetType::String,
                        "md5" => DatasetType::Md5,
                        "sha256" => DatasetType::Sha256,
                        "ipv4" => DatasetType::Ipv4,
                        "ipv6" => DatasetType::Ipv6,
                        "ip" => DatasetType::Ip,
                        _ => bail!("invalid dataset type `{}`", truncate(&val, 40)),
                    };
                    if kind.replace(t).is_some() {
                        bail!("dataset type given twice");
                    }
                    continue;
                }
                "load" => &mut d.load,
                "state" => &mut d.state,
                "save" => &mut d.save,
                "memcap" => &mut d.memcap,
                "hashsize" => &mut d.hashsize,
                _ => return Err(ErrorKind::unsupported(format!("dataset option {k}"))),
            };
            if slot.replace(val).is_some() {
                bail!("dataset option `{k}` given twice");
            }
        }
        if d.state.is_some() && (d.load.is_some() || d.save.is_some()) {
            bail!("dataset `state` cannot be combined with `load` or `save`");
        }
        let Some(kind) = kind else {
            // Suricata needs the type unless the set is defined in its configuration.
            bail!("dataset `{}` needs a type", d.name);
        };
        d.kind = kind;
        Ok(d)
    }
}

/// `reference:type,id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference {
    pub kind: String,
    pub id: String,
}

impl Reference {
    pub fn parse(v: &str) -> PResult<Self> {
        match v.split_once(',') {
            Some((k, id)) if !k.trim().is_empty() && !id.trim().is_empty() => Ok(Reference {
                kind: k.trim().to_string(),
                id: id.trim().to_string(),
            }),
            _ => bail!("reference needs `type,id`"),
        }
    }
}

/// `metadata:key value, key value` as pairs (value may be empty).
pub fn parse_metadata(v: &str) -> Vec<(String, String)> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| match item.split_once(char::is_whitespace) {
            Some((k, val)) => (k.to_string(), val.trim().to_string()),
            None => (item.to_string(), String::new()),
        })
        .collect()
}

/// A double-quoted option value with `\"`, `\;`, `\\`, `\:` unescaped (as for `msg`).
pub fn quoted_string(keyword: &str, v: &str) -> PResult<String> {
    let v = v.trim();
    if v.len() < 2 || !v.starts_with('"') || !v.ends_with('"') {
        bail!("{keyword} value must be double quoted");
    }
    let inner = &v[1..v.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) => out.push(n),
                None => bail!("{keyword} ends with a lone backslash"),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// `target:src_ip|dest_ip`: the side of the alert that is attacked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    SrcIp,
    DestIp,
}

impl Target {
    pub fn parse(v: &str) -> PResult<Self> {
        match v.trim() {
            "src_ip" => Ok(Target::SrcIp),
            "dest_ip" => Ok(Target::DestIp),
            other => bail!(
                "invalid target `{}` (src_ip or dest_ip)",
                truncate(other, 40)
            ),
        }
    }
}

/// `xbits` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XbitCmd {
    Set,
    Unset,
    Toggle,
    IsSet,
    IsNotSet,
}

/// What an xbit is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XbitTrack {
    IpSrc,
    IpDst,
    IpPair,
}

/// `xbits:<cmd>,<name>,track <ip_src|ip_dst|ip_pair>[,expire <seconds>]`: bits on hosts or
/// host pairs that outlive flows.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Xbit {
    pub cmd: XbitCmd,
    pub name: String,
    pub track: XbitTrack,
    /// Seconds a set bit lives (Suricata's default: 30).
    pub expire: u32,
}

impl Xbit {
    pub fn parse(v: &str) -> PResult<Self> {
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        if parts.len() < 3 {
            bail!("xbits needs `command,name,track <type>`");
        }
        let cmd = match parts[0] {
            "set" => XbitCmd::Set,
            "unset" => XbitCmd::Unset,
            "toggle" => XbitCmd::Toggle,
            "isset" => XbitCmd::IsSet,
            "isnotset" => XbitCmd::IsNotSet,
            "noalert" => bail!("xbits:noalert is not valid (use noalert)"),
            other => bail!("invalid xbits command `{}`", truncate(other, 20)),
        };
        let name = parts[1];
        if name.is_empty() || name.contains(char::is_whitespace) {
            bail!("invalid xbits name `{}`", truncate(name, 40));
        }
        let (mut track, mut expire) = (None, None);
        for item in &parts[2..] {
            match item.split_once(char::is_whitespace) {
                Some(("track", t)) => {
                    let t = match t.trim() {
                        "ip_src" => XbitTrack::IpSrc,
                        "ip_dst" => XbitTrack::IpDst,
                        "ip_pair" => XbitTrack::IpPair,
                        "tx" => return Err(ErrorKind::unsupported("xbits track tx")),
                        other => bail!("invalid xbits track `{}`", truncate(other, 20)),
                    };
                    if track.replace(t).is_some() {
                        bail!("xbits track given twice");
                    }
                }
                Some(("expire", e)) => {
                    let e: u32 = e
                        .trim()
                        .parse()
                        .map_err(|_| ErrorKind::syntax(format!("invalid xbits expire `{e}`")))?;
                    if e == 0 || expire.replace(e).is_some() {
                        bail!("invalid or repeated xbits expire");
                    }
                }
                _ => bail!("invalid xbits option `{}`", truncate(item, 40)),
            }
        }
        let Some(track) = track else {
            bail!("xbits needs `track`");
        };
        Ok(Xbit {
            cmd,
            name: name.to_string(),
            track,
            expire: expire.unwrap_or(30),
        })
    }
}

/// `tls.version:<1.0|1.1|1.2|1.3|ssl2|ssl3|0x....>`.
pub fn parse_tls_version(v: &str) -> PResult<u16> {
    let v = v.trim();
    Ok(match v {
        "1.0" => 0x0301,
        "1.1" => 0x0302,
        "1.2" => 0x0303,
        // TLS 1.3 (drafts match too, see the engine).
        "1.3" => 0x0304,
        "3.0" | "ssl3" => 0x0300,
        "2.0" | "ssl2" => 0x0200,
        _ => match v.strip_prefix("0x").map(|h| u16::from_str_radix(h, 16)) {
            Some(Ok(n)) => n,
            _ => bail!("invalid tls.version `{}`", truncate(v, 20)),
        },
    })
}

/// `flowint` operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowintOp {
    /// `=`, `+`, `-`: performed when the rule matches.
    Set,
    Add,
    Sub,
    /// Conditions.
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    IsSet,
    NotSet,
}

impl FlowintOp {
    /// Whether the operation changes the variable (after a match) rather than tests it.
    pub fn is_action(self) -> bool {
        matches!(self, FlowintOp::Set | FlowintOp::Add | FlowintOp::Sub)
    }
}

/// What a `flowint` operation compares with or applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlowintValue {
    Lit(u32),
    /// Another flowint of the flow (0 when it is not set).
    Var(String),
}

/// `flowint:<name>,<op>[,<value>]`: integer variables of a flow.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Flowint {
    pub name: String,
    pub op: FlowintOp,
    /// `None` for `isset`/`notset`.
    pub value: Option<FlowintValue>,
}

impl Flowint {
    pub fn parse(v: &str) -> PResult<Self> {
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        if parts.len() < 2 || parts.len() > 3 {
            bail!("flowint needs `name,operator[,value]`");
        }
        let name = parts[0];
        if name.is_empty() || name.contains(char::is_whitespace) {
            bail!("invalid flowint name `{}`", truncate(name, 40));
        }
        let op = match parts[1] {
            "=" => FlowintOp::Set,
            "+" => FlowintOp::Add,
            "-" => FlowintOp::Sub,
            "==" => FlowintOp::Eq,
            "!=" => FlowintOp::Ne,
            "<" => FlowintOp::Lt,
            "<=" => FlowintOp::Le,
            ">" => FlowintOp::Gt,
            ">=" => FlowintOp::Ge,
            "isset" => FlowintOp::IsSet,
            "notset" | "isnotset" => FlowintOp::NotSet,
            other => bail!("invalid flowint operator `{}`", truncate(other, 10)),
        };
        let needs_value = !matches!(op, FlowintOp::IsSet | FlowintOp::NotSet);
        let value = match (parts.get(2), needs_value) {
            (Some(_), false) => bail!("flowint isset/notset take no value"),
            (None, true) => bail!("flowint `{}` needs a value", parts[1]),
            (None, false) => None,
            (Some(t), true) if t.starts_with(|c: char| c.is_ascii_digit()) => {
                match t.parse::<u32>() {
                    Ok(n) => Some(FlowintValue::Lit(n)),
                    Err(_) => bail!("invalid flowint value `{}`", truncate(t, 20)),
                }
            }
            (Some(t), true) => {
                if t.is_empty() || t.contains(char::is_whitespace) {
                    bail!("invalid flowint value `{}`", truncate(t, 20));
                }
                Some(FlowintValue::Var(t.to_string()))
            }
        };
        Ok(Flowint {
            name: name.to_string(),
            op,
            value,
        })
    }
}

/// Which side's stream `stream_size` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamSide {
    Client,
    Server,
    Both,
    Either,
}

/// `stream_size:<side>,<op>,<n>`: what a side of a TCP session has sent so far, as Suricata
/// counts it (next sequence number minus the initial one: payload bytes plus one for the
/// SYN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamSize {
    pub side: StreamSide,
    pub cmp: super::numeric::NumCmp,
}

impl StreamSize {
    pub fn parse(v: &str) -> PResult<Self> {
        use super::numeric::NumCmp;
        let parts: Vec<&str> = v.split(',').map(str::trim).collect();
        let [side, op, n] = parts[..] else {
            bail!("stream_size needs `side,operator,value`");
        };
        let side = match side {
            "client" => StreamSide::Client,
            "server" => StreamSide::Server,
            "both" => StreamSide::Both,
            "either" => StreamSide::Either,
            _ => bail!("stream_size: invalid side `{}`", truncate(side, 20)),
        };
        let n: u32 = n
            .parse()
            .map_err(|_| ErrorKind::syntax(format!("stream_size: invalid value `{n}`")))?;
        let n = n as u64;
        let cmp = match op {
            "<" => NumCmp::Lt(n),
            ">" => NumCmp::Gt(n),
            "=" => NumCmp::Eq(n),
            "<=" => NumCmp::Le(n),
            ">=" => NumCmp::Ge(n),
            "!=" => NumCmp::Ne(n),
            _ => bail!("stream_size: invalid operator `{}`", truncate(op, 10)),
        };
        Ok(StreamSize { side, cmp })
    }

    /// Whether the sizes (client, server) satisfy the test.
    pub fn matches(&self, client: u64, server: u64) -> bool {
        match self.side {
            StreamSide::Client => self.cmp.matches(client),
            StreamSide::Server => self.cmp.matches(server),
            StreamSide::Both => self.cmp.matches(client) && self.cmp.matches(server),
            StreamSide::Either => self.cmp.matches(client) || self.cmp.matches(server),
        }
    }
}
