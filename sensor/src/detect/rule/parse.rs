//! One rule from text to a typed [`Rule`]: the option dispatcher, modifier bookkeeping
//! (which content a modifier applies to, sticky buffers, legacy `http_*` modifiers) and the
//! consistency checks Suricata 7 makes.

use super::buffer::{AppProto, Buffer};
use super::content::{Content, FastPatternOpt};
use super::error::{bail, ErrorKind, PResult};
use super::fast_pattern::{select_fast_pattern, FastPattern};
use super::header::{parse_header, Header, Protocol, Vars};
use super::inspect::{link, Matcher};
use super::lexer::{split_rule, unquote, RawOption};
use super::numeric::{IpProto, NumCmp, TcpFlags, Urilen};
use super::options::{
    parse_metadata, quoted_string, Dataset, Flow, Flowbit, FlowbitCmd, Reference, Threshold,
};
use super::pcre::{Pcre, PcreBufferFlag};

/// The matchers of one buffer, in rule order.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferMatchers {
    pub buffer: Buffer,
    pub matchers: Vec<Matcher>,
}

/// A `dataset` and the buffer it looks up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetMatch {
    pub buffer: Buffer,
    pub dataset: Dataset,
    /// Index of the option in the rule.
    pub position: usize,
}

/// A parsed, validated rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub header: Header,
    pub gid: u32,
    pub sid: u32,
    pub rev: u32,
    pub msg: String,
    pub classtype: Option<String>,
    pub priority: Option<u8>,
    pub references: Vec<Reference>,
    pub metadata: Vec<(String, String)>,
    /// Per-buffer matchers, in order of the buffers' first use.
    pub buffers: Vec<BufferMatchers>,
    /// The application protocol implied by the header or the buffers.
    pub app_proto: Option<AppProto>,
    pub flow: Option<Flow>,
    pub dsize: Option<NumCmp>,
    pub urilen: Option<Urilen>,
    pub flags: Option<TcpFlags>,
    pub itype: Option<NumCmp>,
    pub icode: Option<NumCmp>,
    pub ttl: Option<NumCmp>,
    pub ip_proto: Option<IpProto>,
    pub threshold: Option<Threshold>,
    pub detection_filter: Option<Threshold>,
    pub flowbits: Vec<Flowbit>,
    pub datasets: Vec<DatasetMatch>,
    /// The prefilter pattern, if the rule has any content.
    pub fast_pattern: Option<FastPattern>,
    /// Suricata's IP-only class: decided on addresses/ports/protocol alone.
    pub ip_only: bool,
    /// `flowbits:noalert` was given.
    pub noalert: bool,
    /// 1-based line of the rule in its file (0 when parsed alone).
    pub line: usize,
}

impl Rule {
    /// The matchers for `buffer`, if the rule inspects it.
    pub fn matchers(&self, buffer: Buffer) -> Option<&[Matcher]> {
        self.buffers
            .iter()
            .find(|b| b.buffer == buffer)
            .map(|b| b.matchers.as_slice())
    }
}

/// Reads the sid early so errors can carry it even when the rule fails.
pub fn peek_sid(text: &str) -> Option<u32> {
    let open = text.find('(')?;
    let rest = text[open + 1..].trim_end();
    let body = rest.strip_suffix(')').unwrap_or(rest);
    body.split(';')
        .filter_map(|o| o.split_once(':'))
        .find(|(k, _)| k.trim() == "sid")
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// Parses one complete rule (continuation lines already joined).
pub fn parse_rule(text: &str, vars: &Vars) -> PResult<Rule> {
    let raw = split_rule(text)?;
    let header = parse_header(raw.header, vars)?;
    let mut b = Builder::new(header);
    for (pos, opt) in raw.options.iter().enumerate() {
        b.option(pos, opt)?;
    }
    b.finish()
}

struct Builder {
    header: Header,
    gid: Option<u32>,
    sid: Option<u32>,
    rev: Option<u32>,
    msg: Option<String>,
    classtype: Option<String>,
    priority: Option<u8>,
    references: Vec<Reference>,
    metadata: Vec<(String, String)>,
    lists: Vec<BufferMatchers>,
    /// Active sticky buffer (`None`: payload / `pkt_data`).
    sticky: Option<Buffer>,
    /// The most recently added content: (buffer, index in its list).
    last_content: Option<(Buffer, usize)>,
    /// Raw `depth` values (Suricata adds `offset` to it), keyed like `last_content`.
    raw_depths: Vec<((Buffer, usize), u32)>,
    fast_pattern_seen: bool,
    app_proto: Option<AppProto>,
    flow: Option<Flow>,
    dsize: Option<NumCmp>,
    urilen: Option<Urilen>,
    flags: Option<TcpFlags>,
    itype: Option<NumCmp>,
    icode: Option<NumCmp>,
    ttl: Option<NumCmp>,
    ip_proto: Option<IpProto>,
    threshold: Option<Threshold>,
    detection_filter: Option<Threshold>,
    flowbits: Vec<Flowbit>,
    datasets: Vec<DatasetMatch>,
}

fn need_value<'a>(o: &RawOption<'a>) -> PResult<&'a str> {
    match o.value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => bail!("`{}` needs a value", o.keyword),
    }
}

fn no_value(o: &RawOption<'_>) -> PResult<()> {
    if o.value.is_some_and(|v| !v.is_empty()) {
        bail!("`{}` takes no value", o.keyword);
    }
    Ok(())
}

fn set_once<T>(slot: &mut Option<T>, v: T, keyword: &str) -> PResult<()> {
    if slot.replace(v).is_some() {
        bail!("`{keyword}` given more than once");
    }
    Ok(())
}

fn parse_u32(keyword: &str, v: &str) -> PResult<u32> {
    v.trim()
        .parse::<u32>()
        .map_err(|_| ErrorKind::syntax(format!("invalid value `{v}` for {keyword}")))
}

/// `offset`/`depth` values: Suricata accepts 0..=65535.
fn parse_u16_value(keyword: &str, v: &str) -> PResult<u32> {
    match v.trim().parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(n),
        _ => bail!("invalid value `{v}` for {keyword}"),
    }
}

fn parse_i32(keyword: &str, v: &str) -> PResult<i32> {
    v.trim()
        .parse::<i32>()
        .map_err(|_| ErrorKind::syntax(format!("invalid value `{v}` for {keyword}")))
}

fn pcre_flag_buffer(f: PcreBufferFlag) -> PResult<Buffer> {
    use PcreBufferFlag::*;
    Ok(match f {
        Uri => Buffer::HttpUri,
        UriRaw => Buffer::HttpUriRaw,
        Header => Buffer::HttpHeader,
        RawHeader => return Err(ErrorKind::unsupported("pcre modifier D (http.header.raw)")),
        Method => Buffer::HttpMethod,
        Cookie => Buffer::HttpCookie,
        RequestBody => Buffer::HttpRequestBody,
        FileData => Buffer::FileData,
        StatCode => Buffer::HttpStatCode,
        StatMsg => Buffer::HttpStatMsg,
        UserAgent => Buffer::HttpUserAgent,
        Host => Buffer::HttpHost,
        HostRaw => Buffer::HttpHostRaw,
    })
}

impl Builder {
    fn new(header: Header) -> Self {
        let app_proto = match header.protocol {
            Protocol::Http => Some(AppProto::Http),
            Protocol::Tls => Some(AppProto::Tls),
            Protocol::Dns => Some(AppProto::Dns),
            _ => None,
        };
        Builder {
            header,
            gid: None,
            sid: None,
            rev: None,
            msg: None,
            classtype: None,
            priority: None,
            references: Vec::new(),
            metadata: Vec::new(),
            lists: Vec::new(),
            sticky: None,
            last_content: None,
            raw_depths: Vec::new(),
            fast_pattern_seen: false,
            app_proto,
            flow: None,
            dsize: None,
            urilen: None,
            flags: None,
            itype: None,
            icode: None,
            ttl: None,
            ip_proto: None,
            threshold: None,
            detection_filter: None,
            flowbits: Vec::new(),
            datasets: Vec::new(),
        }
    }

    fn set_app_proto(&mut self, p: AppProto) -> PResult<()> {
        match self.app_proto {
            Some(cur) if cur != p => {
                bail!("conflicting application protocols ({cur:?} and {p:?})")
            }
            _ => {
                self.app_proto = Some(p);
                Ok(())
            }
        }
    }

    fn list_mut(&mut self, buffer: Buffer) -> &mut Vec<Matcher> {
        let i = match self.lists.iter().position(|l| l.buffer == buffer) {
            Some(i) => i,
            None => {
                self.lists.push(BufferMatchers {
                    buffer,
                    matchers: Vec::new(),
                });
                self.lists.len() - 1
            }
        };
        &mut self.lists[i].matchers
    }

    fn list(&self, buffer: Buffer) -> Option<&Vec<Matcher>> {
        self.lists
            .iter()
            .find(|l| l.buffer == buffer)
            .map(|l| &l.matchers)
    }

    fn current_buffer(&self) -> Buffer {
        self.sticky.unwrap_or(Buffer::Payload)
    }

    fn last_content_mut(&mut self, keyword: &str) -> PResult<&mut Content> {
        let Some((buf, idx)) = self.last_content else {
            bail!("`{keyword}` needs a preceding content option");
        };
        match self.list_mut(buf).get_mut(idx) {
            Some(Matcher::Content(c)) => Ok(c),
            _ => bail!("`{keyword}` needs a preceding content option"),
        }
    }

    /// The matcher before the last content in its list (what a relative modifier refers to).
    fn previous_of_last_content(&self) -> Option<&Matcher> {
        let (buf, idx) = self.last_content?;
        let list = self.list(buf)?;
        idx.checked_sub(1).and_then(|i| list.get(i))
    }

    fn add_matcher(&mut self, buffer: Buffer, m: Matcher) -> PResult<()> {
        if let Some(p) = buffer.app_proto() {
            self.set_app_proto(p)?;
        }
        let is_content = matches!(m, Matcher::Content(_));
        let list = self.list_mut(buffer);
        list.push(m);
        let idx = list.len() - 1;
        if is_content {
            self.last_content = Some((buffer, idx));
        }
        Ok(())
    }

    fn option(&mut self, pos: usize, o: &RawOption<'_>) -> PResult<()> {
        let kw = o.keyword;
        match kw {
            "msg" => {
                let m = quoted_string("msg", need_value(o)?)?;
                set_once(&mut self.msg, m, kw)?;
            }
            "sid" => {
                let v = parse_u32(kw, need_value(o)?)?;
                if v == 0 {
                    bail!("sid 0 is invalid");
                }
                set_once(&mut self.sid, v, kw)?;
            }
            "rev" => {
                let v = parse_u32(kw, need_value(o)?)?;
                if v == 0 {
                    bail!("rev 0 is invalid");
                }
                set_once(&mut self.rev, v, kw)?;
            }
            "gid" => {
                let v = parse_u32(kw, need_value(o)?)?;
                set_once(&mut self.gid, v, kw)?;
            }
            "classtype" => {
                let v = unquote(need_value(o)?);
                if !v
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    bail!("invalid classtype `{v}`");
                }
                // Suricata 7 keeps the last one.
                self.classtype = Some(v.to_ascii_lowercase());
            }
            "priority" => {
                let v = need_value(o)?.trim();
                match v.parse::<u32>() {
                    // Suricata stores an int; larger values are meaningless but accepted.
                    Ok(n) => self.priority = Some(n.min(255) as u8),
                    Err(_) => bail!("invalid priority `{v}`"),
                }
            }
            "reference" => self.references.push(Reference::parse(need_value(o)?)?),
            "metadata" => self.metadata.extend(parse_metadata(need_value(o)?)),
            "content" | "uricontent" => {
                let mut c = Content::parse(need_value(o)?, pos)?;
                let buffer = if kw == "uricontent" {
                    if self.sticky.is_some() {
                        bail!("uricontent used with a sticky buffer set");
                    }
                    Buffer::HttpUri
                } else {
                    self.current_buffer()
                };
                if buffer == Buffer::HttpHost && c.pattern.iter().any(u8::is_ascii_uppercase) {
                    bail!("http.host content has uppercase characters; the buffer is lowercase");
                }
                c.position = pos;
                self.add_matcher(buffer, Matcher::Content(c))?;
            }
            "nocase" => {
                no_value(o)?;
                let c = self.last_content_mut(kw)?;
                if c.nocase {
                    bail!("multiple nocase on one content");
                }
                c.nocase = true;
                if self.last_content.map(|l| l.0) == Some(Buffer::HttpHost) {
                    bail!("http.host content with nocase (the buffer is already lowercase)");
                }
            }
            "rawbytes" => {
                no_value(o)?;
                if self.last_content.map(|l| l.0) != Some(Buffer::Payload) {
                    bail!("rawbytes needs a preceding payload content");
                }
            }
            "depth" => {
                let v = parse_u16_value(kw, need_value(o)?)?;
                let key = self.last_content;
                let c = self.last_content_mut(kw)?;
                if c.startswith || c.has_depth {
                    bail!("multiple depth/startswith on one content");
                }
                if c.is_relative() {
                    bail!("depth cannot be combined with distance/within on one content");
                }
                if (v as usize) < c.pattern.len() {
                    bail!(
                        "depth {v} is smaller than the content length {}",
                        c.pattern.len()
                    );
                }
                c.has_depth = true;
                if let Some(key) = key {
                    self.raw_depths.push((key, v));
                }
            }
            "offset" => {
                let v = parse_u16_value(kw, need_value(o)?)?;
                let c = self.last_content_mut(kw)?;
                if c.startswith {
                    bail!("offset cannot be combined with startswith");
                }
                if c.has_offset {
                    bail!("multiple offsets on one content");
                }
                if c.is_relative() {
                    bail!("offset cannot be combined with distance/within on one content");
                }
                c.has_offset = true;
                c.offset = v;
            }
            "distance" | "within" => {
                let v = parse_i32(kw, need_value(o)?)?;
                if let Some(Matcher::Content(p)) = self.previous_of_last_content() {
                    if p.fast_pattern == Some(FastPatternOpt::Only) {
                        bail!("relative keyword next to a fast_pattern:only content");
                    }
                }
                let c = self.last_content_mut(kw)?;
                if c.has_offset || c.has_depth || c.startswith {
                    bail!("{kw} cannot be combined with offset/depth/startswith on one content");
                }
                if c.fast_pattern == Some(FastPatternOpt::Only) {
                    bail!("{kw} on a fast_pattern:only content");
                }
                if kw == "distance" {
                    if c.distance.is_some() {
                        bail!("multiple distances on one content");
                    }
                    c.distance = Some(v);
                } else {
                    if c.within.is_some() {
                        bail!("multiple withins on one content");
                    }
                    if v < 0 || (v as usize) < c.pattern.len() {
                        bail!(
                            "within {v} is less than the content length {}",
                            c.pattern.len()
                        );
                    }
                    c.within = Some(v);
                }
            }
            "startswith" => {
                no_value(o)?;
                let c = self.last_content_mut(kw)?;
                if c.has_depth || c.startswith {
                    bail!("multiple depth/startswith on one content");
                }
                if c.has_offset {
                    bail!("startswith cannot be combined with offset");
                }
                if c.is_relative() {
                    bail!("startswith cannot be combined with distance/within");
                }
                c.startswith = true;
            }
            "endswith" => {
                no_value(o)?;
                let c = self.last_content_mut(kw)?;
                if c.endswith {
                    bail!("multiple endswith on one content");
                }
                c.endswith = true;
            }
            "fast_pattern" => {
                let fp = match o.value.map(str::trim).filter(|v| !v.is_empty()) {
                    None => FastPatternOpt::Yes,
                    Some("only") => FastPatternOpt::Only,
                    Some(v) => {
                        let Some((a, b)) = v.split_once(',') else {
                            bail!("invalid fast_pattern value `{v}`");
                        };
                        let a: u16 = a.trim().parse().map_err(|_| {
                            ErrorKind::syntax(format!("invalid fast_pattern offset `{v}`"))
                        })?;
                        let b: u16 = b.trim().parse().map_err(|_| {
                            ErrorKind::syntax(format!("invalid fast_pattern length `{v}`"))
                        })?;
                        FastPatternOpt::Chop {
                            offset: a,
                            length: b,
                        }
                    }
                };
                let already = self.fast_pattern_seen;
                let c = self.last_content_mut(kw)?;
                if c.fast_pattern.is_some() {
                    bail!("multiple fast_pattern on one content");
                }
                if already {
                    bail!("fast_pattern can be used on only one content in a rule");
                }
                match fp {
                    FastPatternOpt::Only => {
                        if c.negated || c.is_relative() || c.has_offset || c.has_depth {
                            bail!("fast_pattern:only cannot be used with negation or offset/depth/distance/within");
                        }
                    }
                    FastPatternOpt::Chop { offset, length } => {
                        if offset as usize + length as usize > c.pattern.len() {
                            bail!(
                                "fast_pattern chop {offset},{length} exceeds the content length {}",
                                c.pattern.len()
                            );
                        }
                    }
                    FastPatternOpt::Yes => {}
                }
                c.fast_pattern = Some(fp);
                self.fast_pattern_seen = true;
            }
            "pcre" => {
                let p = Pcre::parse(need_value(o)?, pos)?;
                let buffer = match (self.sticky, p.buffer_flag) {
                    (Some(s), Some(f)) => {
                        if pcre_flag_buffer(f)? != s {
                            bail!("pcre buffer modifier conflicts with the active sticky buffer");
                        }
                        s
                    }
                    (Some(s), None) => s,
                    (None, Some(f)) => pcre_flag_buffer(f)?,
                    (None, None) => Buffer::Payload,
                };
                if p.relative
                    && self.sticky.is_none()
                    && self.list(buffer).is_none_or(|l| l.is_empty())
                {
                    bail!("pcre with R needs a preceding match in the same buffer");
                }
                self.add_matcher(buffer, Matcher::Pcre(p))?;
            }
            _ if Buffer::from_sticky(kw).is_some() => {
                no_value(o)?;
                let Some(b) = Buffer::from_sticky(kw) else {
                    return Ok(());
                };
                self.close_sticky()?;
                if b == Buffer::Payload {
                    self.sticky = None;
                } else {
                    if let Some(p) = b.app_proto() {
                        self.set_app_proto(p)?;
                    }
                    self.sticky = Some(b);
                    self.list_mut(b);
                }
            }
            _ if Buffer::from_modifier(kw).is_some() => {
                no_value(o)?;
                let Some(target) = Buffer::from_modifier(kw) else {
                    return Ok(());
                };
                if self.sticky.is_some() {
                    bail!("`{kw}` used while a sticky buffer is set (reset it with pkt_data)");
                }
                let Some((Buffer::Payload, idx)) = self.last_content else {
                    bail!("`{kw}` needs a preceding content option");
                };
                let m = self.list_mut(Buffer::Payload).remove(idx);
                let Matcher::Content(mut c) = m else {
                    bail!("`{kw}` needs a preceding content option");
                };
                if target == Buffer::HttpHost {
                    if c.nocase {
                        bail!("http_host content with nocase (the buffer is already lowercase)");
                    }
                    if c.pattern.iter().any(u8::is_ascii_uppercase) {
                        bail!(
                            "http_host content has uppercase characters; the buffer is lowercase"
                        );
                    }
                }
                c.moved_by_modifier = true;
                if let Some(p) = target.app_proto() {
                    self.set_app_proto(p)?;
                }
                let list = self.list_mut(target);
                list.push(Matcher::Content(c));
                let new_idx = list.len() - 1;
                let old = (Buffer::Payload, idx);
                for (key, _) in &mut self.raw_depths {
                    if *key == old {
                        *key = (target, new_idx);
                    }
                }
                self.last_content = Some((target, new_idx));
            }
            "urilen" => {
                let u = Urilen::parse(need_value(o)?)?;
                self.set_app_proto(AppProto::Http)?;
                set_once(&mut self.urilen, u, kw)?;
            }
            "dsize" => {
                let v = NumCmp::parse(need_value(o)?, u16::MAX as u64)?;
                set_once(&mut self.dsize, v, kw)?;
            }
            "itype" => {
                let v = NumCmp::parse(need_value(o)?, u8::MAX as u64)?;
                set_once(&mut self.itype, v, kw)?;
            }
            "icode" => {
                let v = NumCmp::parse(need_value(o)?, u8::MAX as u64)?;
                set_once(&mut self.icode, v, kw)?;
            }
            "ttl" => {
                let v = NumCmp::parse(need_value(o)?, u8::MAX as u64)?;
                set_once(&mut self.ttl, v, kw)?;
            }
            "ip_proto" => {
                let v = IpProto::parse(need_value(o)?)?;
                if self.header.protocol != Protocol::Ip {
                    bail!("ip_proto can only be used in `alert ip` rules");
                }
                set_once(&mut self.ip_proto, v, kw)?;
            }
            "flags" => {
                let v = TcpFlags::parse(need_value(o)?)?;
                set_once(&mut self.flags, v, kw)?;
            }
            "flow" => {
                let v = Flow::parse(need_value(o)?)?;
                set_once(&mut self.flow, v, kw)?;
            }
            "threshold" => {
                let v = Threshold::parse(need_value(o)?, false)?;
                if self.detection_filter.is_some() {
                    bail!("threshold cannot be combined with detection_filter");
                }
                set_once(&mut self.threshold, v, kw)?;
            }
            "detection_filter" => {
                let v = Threshold::parse(need_value(o)?, true)?;
                if self.threshold.is_some() {
                    bail!("detection_filter cannot be combined with threshold");
                }
                set_once(&mut self.detection_filter, v, kw)?;
            }
            "flowbits" => self.flowbits.push(Flowbit::parse(need_value(o)?)?),
            "dataset" => {
                let d = Dataset::parse(need_value(o)?)?;
                let Some(buffer) = self.sticky else {
                    bail!("dataset is only supported on sticky buffers");
                };
                self.datasets.push(DatasetMatch {
                    buffer,
                    dataset: d,
                    position: pos,
                });
            }
            other => return Err(ErrorKind::unsupported(other)),
        }
        Ok(())
    }

    /// A sticky buffer must get at least one match before the next one (or the end).
    fn close_sticky(&self) -> PResult<()> {
        if let Some(s) = self.sticky {
            let has_match = self.list(s).is_some_and(|l| !l.is_empty())
                || self.datasets.iter().any(|d| d.buffer == s)
                || (s == Buffer::HttpUri && self.urilen.is_some());
            if !has_match {
                bail!("sticky buffer {} has no matches", s.name());
            }
        }
        Ok(())
    }

    fn finish(mut self) -> PResult<Rule> {
        self.close_sticky()?;
        let Some(sid) = self.sid else {
            bail!("rule has no sid");
        };
        // Suricata stores depth as an absolute end: depth plus offset.
        for ((buf, idx), depth) in std::mem::take(&mut self.raw_depths) {
            if let Some(Matcher::Content(c)) = self.list_mut(buf).get_mut(idx) {
                c.depth = Some(depth + c.offset);
            }
        }
        for l in &mut self.lists {
            for m in &mut l.matchers {
                if let Matcher::Content(c) = m {
                    if c.startswith {
                        c.depth = Some(c.pattern.len() as u32);
                    }
                }
            }
        }
        self.lists.retain(|l| !l.matchers.is_empty());
        for l in &mut self.lists {
            link(&mut l.matchers);
        }
        let fast_pattern = select_fast_pattern(&self.lists);
        let flowbits_iponly = self
            .flowbits
            .iter()
            .all(|f| matches!(f.cmd, FlowbitCmd::Set | FlowbitCmd::NoAlert));
        let ip_only = self.app_proto.is_none()
            && self.lists.is_empty()
            && self.datasets.is_empty()
            && self.flow.is_none()
            && self.dsize.is_none()
            && self.urilen.is_none()
            && self.flags.is_none()
            && self.itype.is_none()
            && self.icode.is_none()
            && self.ttl.is_none()
            && flowbits_iponly
            && matches!(
                self.header.protocol,
                Protocol::Ip | Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6
            );
        let noalert = self.flowbits.iter().any(|f| f.cmd == FlowbitCmd::NoAlert);
        Ok(Rule {
            header: self.header,
            gid: self.gid.unwrap_or(1),
            sid,
            rev: self.rev.unwrap_or(0),
            msg: self.msg.unwrap_or_default(),
            classtype: self.classtype,
            priority: self.priority,
            references: self.references,
            metadata: self.metadata,
            buffers: self.lists,
            app_proto: self.app_proto,
            flow: self.flow,
            dsize: self.dsize,
            urilen: self.urilen,
            flags: self.flags,
            itype: self.itype,
            icode: self.icode,
            ttl: self.ttl,
            ip_proto: self.ip_proto,
            threshold: self.threshold,
            detection_filter: self.detection_filter,
            flowbits: self.flowbits,
            datasets: self.datasets,
            fast_pattern,
            ip_only,
            noalert,
            line: 0,
        })
    }
}
