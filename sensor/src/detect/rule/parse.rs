//! One rule from text to a typed [`Rule`] (the model is in `model.rs`): the builder that
//! keyword handlers (`keywords.rs`, one table) fill in, modifier bookkeeping (which content a
//! modifier applies to, sticky buffers and their transforms, legacy `http_*` modifiers) and the
//! consistency checks Suricata 7 makes at the end of a rule.

use super::buffer::Buffer;
use super::bytes::VarNames;
use super::content::Content;
use super::error::{bail, ErrorKind, PResult};
use super::fast_pattern::select_fast_pattern;
use super::header::{parse_header, Header, Protocol, Vars};
use super::inspect::{link, Matcher};
use super::keywords;
use super::lexer::split_rule;
use super::model::{AppLayerProtocol, BufferMatchers, DatasetMatch, DnsOpcode, Rule};
use super::numeric::{IpOpts, IpProto, NumCmp, TcpFlags, Urilen};
use super::options::{
    Flow, Flowbit, FlowbitCmd, Flowint, Reference, StreamSize, Target, Threshold, Xbit,
};
use super::transform::Transforms;
use crate::app::AppProto;
use crate::events::{AppEvents, PacketEvents};

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
    // Suricata checks `requires` before anything else: an unmet rule is skipped whatever
    // else it holds.
    for o in raw.options.iter().filter(|o| o.keyword == "requires") {
        let Some(v) = o.value.filter(|v| !v.trim().is_empty()) else {
            return Err(ErrorKind::syntax("`requires` needs a value"));
        };
        if let Err(reason) = super::requires::Requires::parse(v)?.check() {
            return Err(ErrorKind::Unmet { reason });
        }
    }
    let header = parse_header(raw.header, vars)?;
    let mut b = Builder::new(header);
    for (pos, opt) in raw.options.iter().enumerate() {
        keywords::apply(&mut b, pos, opt)?;
    }
    b.finish()
}

/// A buffer list's identity: the buffer and its transforms.
pub(super) type ListKey = (Buffer, Transforms);

/// The rule being built; keyword handlers fill it in.
pub(super) struct Builder {
    pub header: Header,
    pub gid: Option<u32>,
    pub sid: Option<u32>,
    pub rev: Option<u32>,
    pub msg: Option<String>,
    pub classtype: Option<String>,
    pub priority: Option<u8>,
    pub references: Vec<Reference>,
    pub metadata: Vec<(String, String)>,
    pub lists: Vec<BufferMatchers>,
    /// Active sticky buffer (`None`: payload / `pkt_data`) and its transforms.
    pub sticky: Option<Buffer>,
    pub sticky_transforms: Transforms,
    /// The active sticky buffer had matchers before its latest transform (which start a
    /// list of their own).
    pub sticky_matched: bool,
    /// The most recently added content: (list, index in it).
    pub last_content: Option<(ListKey, usize)>,
    /// The list of the most recent payload keyword (where a relative isdataat or byte
    /// keyword written without a sticky buffer belongs, as in Suricata).
    pub last_match_list: Option<ListKey>,
    /// Raw `depth` values (Suricata adds `offset` to it), keyed like `last_content`.
    pub raw_depths: Vec<((ListKey, usize), u32)>,
    pub fast_pattern_seen: bool,
    pub app_proto: Option<AppProto>,
    pub flow: Option<Flow>,
    pub dsize: Option<NumCmp>,
    pub urilen: Option<Urilen>,
    pub flags: Option<TcpFlags>,
    pub itype: Option<NumCmp>,
    pub icode: Option<NumCmp>,
    pub ttl: Option<NumCmp>,
    pub flow_age: Option<NumCmp>,
    pub ip_proto: Option<IpProto>,
    pub ipopts: Option<IpOpts>,
    pub threshold: Option<Threshold>,
    pub detection_filter: Option<Threshold>,
    pub flowbits: Vec<Flowbit>,
    pub flowints: Vec<Flowint>,
    pub xbits: Vec<Xbit>,
    pub datasets: Vec<DatasetMatch>,
    pub stream_size: Vec<StreamSize>,
    pub tls_chain_len: Option<NumCmp>,
    pub tls_version: Option<u16>,
    pub target: Option<Target>,
    pub packet_events: PacketEvents,
    pub app_events: AppEvents,
    pub app_layer_protocol: Vec<AppLayerProtocol>,
    pub icmp_id: Option<u16>,
    pub icmp_seq: Option<u16>,
    pub dns_opcode: Option<DnsOpcode>,
    pub ftp: super::model::FtpTests,
    pub dce_iface: Vec<super::model::DceIface>,
    pub dce_opnum: Vec<Box<[(u16, u16)]>>,
    pub csum: crate::decode::checksum::Csums,
    /// How many of `xbits` are `hostbits` (those keep a rule IP-only, as in Suricata).
    pub hostbits: usize,
    pub noalert: bool,
    pub tags: Vec<super::TagSpec>,
    /// The list holding the rule's `base64_decode`, if it has one.
    pub base64_list: Option<ListKey>,
    /// `asn1`: added to the end of the payload list when the rule is complete.
    pub asn1: Option<super::asn1::Asn1>,
    /// `byte_extract` variables, and the list each was defined in.
    pub var_names: VarNames,
    pub var_lists: Vec<ListKey>,
    /// File keywords (D46).
    pub files: Option<Box<super::model::FileTests>>,
}

impl Builder {
    fn new(header: Header) -> Self {
        let app_proto = match header.protocol {
            Protocol::App(p) => Some(p),
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
            sticky_transforms: Transforms::NONE,
            sticky_matched: false,
            last_content: None,
            last_match_list: None,
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
            flow_age: None,
            ip_proto: None,
            ipopts: None,
            threshold: None,
            detection_filter: None,
            flowbits: Vec::new(),
            flowints: Vec::new(),
            xbits: Vec::new(),
            datasets: Vec::new(),
            stream_size: Vec::new(),
            tls_chain_len: None,
            tls_version: None,
            target: None,
            packet_events: PacketEvents::NONE,
            app_events: AppEvents::NONE,
            app_layer_protocol: Vec::new(),
            icmp_id: None,
            icmp_seq: None,
            dns_opcode: None,
            ftp: Default::default(),
            dce_iface: Vec::new(),
            dce_opnum: Vec::new(),
            csum: Default::default(),
            hostbits: 0,
            noalert: false,
            tags: Vec::new(),
            base64_list: None,
            asn1: None,
            var_names: Vec::new(),
            var_lists: Vec::new(),
            files: None,
        }
    }

    pub fn set_app_proto(&mut self, p: AppProto) -> PResult<()> {
        match self.app_proto {
            Some(cur) if cur != p => {
                if !matches!(
                    cur,
                    AppProto::Http | AppProto::Tls | AppProto::Dns | AppProto::Dcerpc
                ) {
                    // Valid Suricata (e.g. `alert smb ... file.data`), but those protocols
                    // have none of these buffers here.
                    let name = |p: AppProto| p.name().unwrap_or("unknown");
                    return Err(ErrorKind::unsupported(format!(
                        "{} buffer on an {} rule ({} is not parsed)",
                        name(p),
                        name(cur),
                        name(cur)
                    )));
                }
                bail!("conflicting application protocols ({cur:?} and {p:?})")
            }
            _ => {
                self.app_proto = Some(p);
                Ok(())
            }
        }
    }

    pub fn list_mut(&mut self, key: ListKey) -> &mut Vec<Matcher> {
        let i = match self
            .lists
            .iter()
            .position(|l| (l.buffer, l.transforms) == key)
        {
            Some(i) => i,
            None => {
                self.lists.push(BufferMatchers {
                    buffer: key.0,
                    transforms: key.1,
                    matchers: Vec::new(),
                });
                self.lists.len() - 1
            }
        };
        &mut self.lists[i].matchers
    }

    pub fn list(&self, key: ListKey) -> Option<&Vec<Matcher>> {
        self.lists
            .iter()
            .find(|l| (l.buffer, l.transforms) == key)
            .map(|l| &l.matchers)
    }

    /// The list payload keywords go to now.
    pub fn current_list(&self) -> ListKey {
        match self.sticky {
            Some(b) => (b, self.sticky_transforms),
            None => (Buffer::Payload, Transforms::NONE),
        }
    }

    pub fn last_content_mut(&mut self, keyword: &str) -> PResult<&mut Content> {
        let Some((key, idx)) = self.last_content else {
            bail!("`{keyword}` needs a preceding content option");
        };
        match self.list_mut(key).get_mut(idx) {
            Some(Matcher::Content(c)) => Ok(c),
            _ => bail!("`{keyword}` needs a preceding content option"),
        }
    }

    /// The buffer of the last content.
    pub fn last_content_buffer(&self) -> Option<Buffer> {
        self.last_content.map(|((b, _), _)| b)
    }

    /// The matcher before the last content in its list (what a relative modifier refers to).
    pub fn previous_of_last_content(&self) -> Option<&Matcher> {
        let (key, idx) = self.last_content?;
        let list = self.list(key)?;
        idx.checked_sub(1).and_then(|i| list.get(i))
    }

    /// The application protocol a buffer implies; `file.data` on an `smtp` rule is the mail's
    /// attachments (SMTP's file data), not an HTTP body.
    pub fn set_buffer_proto(&mut self, buffer: Buffer) -> PResult<()> {
        if matches!(buffer, Buffer::FileData | Buffer::FileName)
            && matches!(self.app_proto, Some(AppProto::Smtp | AppProto::FtpData))
        {
            return Ok(());
        }
        match buffer.app_proto() {
            Some(p) => self.set_app_proto(p),
            None => Ok(()),
        }
    }

    pub fn add_matcher(&mut self, key: ListKey, m: Matcher) -> PResult<()> {
        self.set_buffer_proto(key.0)?;
        let is_content = matches!(m, Matcher::Content(_));
        self.last_match_list = Some(key);
        let list = self.list_mut(key);
        list.push(m);
        let idx = list.len() - 1;
        if is_content {
            self.last_content = Some((key, idx));
        }
        Ok(())
    }

    /// The list a payload keyword goes to: the sticky buffer's, or without one, for a
    /// relative keyword, the list of the previous content or pcre (`content:"x"; http_uri;
    /// isdataat:1,relative;` tests the URI).
    pub fn payload_list(&self, relative: bool) -> ListKey {
        match (self.sticky, self.last_match_list) {
            (None, Some(key)) if relative => key,
            _ => self.current_list(),
        }
    }

    /// Checks that a variable used by a keyword of list `here` was extracted in that list.
    /// A variable of an earlier packet-header buffer is allowed too: a packet's buffers are
    /// inspected in the order the rule first names them, and a variable keeps its value from
    /// one to the next (Suricata's `ipv4.hdr; byte_math:...,result r; tcp.hdr;
    /// byte_test:1,=,r,1`).
    pub fn check_var_list(&self, kw: &str, var: u8, here: ListKey) -> PResult<()> {
        let pos = |key: &ListKey| {
            self.lists
                .iter()
                .position(|l| (l.buffer, l.transforms) == *key)
        };
        let earlier = match self.var_lists.get(var as usize) {
            Some(def) if *def == here => true,
            Some(def) => {
                def.0.is_packet_header()
                    && here.0.is_packet_header()
                    && pos(def) < Some(pos(&here).unwrap_or(self.lists.len()))
            }
            None => false,
        };
        if !earlier {
            return Err(ErrorKind::unsupported(format!(
                "{kw} using a byte_extract variable of another buffer"
            )));
        }
        Ok(())
    }

    /// Some match keyword has been given (what `prefilter` needs before it).
    pub fn has_condition(&self) -> bool {
        !self.lists.iter().all(|l| l.matchers.is_empty())
            || self.flow.is_some()
            || self.dsize.is_some()
            || self.urilen.is_some()
            || self.flags.is_some()
            || self.itype.is_some()
            || self.icode.is_some()
            || self.ttl.is_some()
            || self.flow_age.is_some()
            || self.ip_proto.is_some()
            || self.ipopts.is_some()
            || !self.flowbits.is_empty()
            || !self.flowints.is_empty()
            || !self.xbits.is_empty()
            || !self.datasets.is_empty()
            || !self.stream_size.is_empty()
            || !self.packet_events.is_empty()
            || !self.app_events.is_empty()
            || !self.app_layer_protocol.is_empty()
            || self.icmp_id.is_some()
            || self.icmp_seq.is_some()
            || self.dns_opcode.is_some()
            || self.ftp != Default::default()
            || !self.dce_iface.is_empty()
            || !self.dce_opnum.is_empty()
            || self.csum != Default::default()
            || self.tls_version.is_some()
            || self.tls_chain_len.is_some()
    }

    /// A sticky buffer must get at least one match before the next one (or the end).
    pub fn close_sticky(&self) -> PResult<()> {
        if let Some(s) = self.sticky {
            let key = (s, self.sticky_transforms);
            let has_match = self.sticky_matched
                || self.list(key).is_some_and(|l| !l.is_empty())
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
        for ((key, idx), depth) in std::mem::take(&mut self.raw_depths) {
            if let Some(Matcher::Content(c)) = self.list_mut(key).get_mut(idx) {
                c.depth = Some(depth + c.offset);
            }
        }
        for l in &mut self.lists {
            // Suricata refuses a HASSH content that cannot be a hash (its length check).
            if matches!(l.buffer, Buffer::SshHassh | Buffer::SshHasshServer)
                && l.transforms.is_empty()
            {
                for m in &l.matchers {
                    if let Matcher::Content(c) = m {
                        if c.pattern.len() != 32 {
                            bail!(
                                "{}: content of {} bytes, a HASSH is 32 hex digits",
                                l.buffer.name(),
                                c.pattern.len()
                            );
                        }
                    }
                }
            }
            for m in &mut l.matchers {
                if let Matcher::Content(c) = m {
                    if c.startswith {
                        c.depth = Some(c.pattern.len() as u32);
                    }
                }
            }
        }
        // The `base64_data` matchers belong to the `base64_decode` that feeds them.
        if let Some(i) = self
            .lists
            .iter()
            .position(|l| l.buffer == Buffer::Base64Data)
        {
            let mut data = self.lists.remove(i);
            link(&mut data.matchers);
            check_bsize(&data)?;
            let key = self.base64_list;
            let decode = key.and_then(|k| {
                self.lists
                    .iter_mut()
                    .find(|l| (l.buffer, l.transforms) == k)?
                    .matchers
                    .iter_mut()
                    .find_map(|m| match m {
                        Matcher::Base64(d) => Some(d),
                        _ => None,
                    })
            });
            match decode {
                Some(d) => d.data = data.matchers,
                None => bail!("base64_data needs a preceding base64_decode"),
            }
        }
        // Suricata runs `asn1` from the packet's match list, after all payload keywords.
        if let Some(a) = self.asn1.take() {
            self.list_mut((Buffer::Payload, Transforms::NONE))
                .push(Matcher::Asn1(Box::new(a)));
        }
        self.lists.retain(|l| !l.matchers.is_empty());
        for l in &mut self.lists {
            link(&mut l.matchers);
            check_bsize(l)?;
        }
        let fast_pattern = select_fast_pattern(&self.lists);
        let flowbits_iponly = self
            .flowbits
            .iter()
            .all(|f| matches!(f.cmd, FlowbitCmd::Set | FlowbitCmd::NoAlert));
        let ip_only_but_alp = self.app_proto.is_none()
            && self.lists.is_empty()
            && self.datasets.is_empty()
            && self.flow.is_none()
            && self.dsize.is_none()
            && self.urilen.is_none()
            && self.flags.is_none()
            && self.itype.is_none()
            && self.icode.is_none()
            && self.ttl.is_none()
            && self.flow_age.is_none()
            && self.ipopts.is_none()
            && self.xbits.len() == self.hostbits
            && self.flowints.is_empty()
            && self.stream_size.is_empty()
            && self.packet_events.is_empty()
            && self.app_events.is_empty()
            && self.icmp_id.is_none()
            && self.icmp_seq.is_none()
            && self.dns_opcode.is_none()
            && self.ftp == Default::default()
            && self.dce_iface.is_empty()
            && self.dce_opnum.is_empty()
            && self.csum == Default::default()
            && self.files.is_none()
            && flowbits_iponly
            && matches!(
                self.header.protocol,
                Protocol::Ip | Protocol::Tcp | Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6
            );
        let ip_only = ip_only_but_alp && self.app_layer_protocol.is_empty();
        // Suricata's "PD-only" class: `app-layer-protocol` and nothing but IP-only keywords.
        let pd_only = ip_only_but_alp && !self.app_layer_protocol.is_empty();
        let noalert = self.noalert || self.flowbits.iter().any(|f| f.cmd == FlowbitCmd::NoAlert);
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
            flow_age: self.flow_age,
            ip_proto: self.ip_proto,
            ipopts: self.ipopts,
            threshold: self.threshold,
            detection_filter: self.detection_filter,
            flowbits: self.flowbits,
            flowints: self.flowints,
            xbits: self.xbits,
            datasets: self.datasets,
            stream_size: self.stream_size,
            tls_chain_len: self.tls_chain_len,
            tls_version: self.tls_version,
            target: self.target,
            packet_events: self.packet_events,
            app_events: self.app_events,
            app_layer_protocol: self.app_layer_protocol,
            icmp_id: self.icmp_id,
            icmp_seq: self.icmp_seq,
            dns_opcode: self.dns_opcode,
            ftp: self.ftp,
            dce_iface: self.dce_iface,
            dce_opnum: self.dce_opnum,
            csum: self.csum,
            fast_pattern,
            ip_only,
            pd_only,
            noalert,
            tags: self.tags,
            files: self.files,
            line: 0,
        })
    }
}

/// Suricata rejects a rule whose `bsize` cannot hold one of the buffer's absolute contents.
fn check_bsize(l: &BufferMatchers) -> PResult<()> {
    let max = l.matchers.iter().find_map(|m| match m {
        Matcher::Bsize(NumCmp::Eq(n) | NumCmp::Le(n)) => Some(*n),
        Matcher::Bsize(NumCmp::Lt(n)) => Some(n.saturating_sub(1)),
        Matcher::Bsize(NumCmp::Range(_, hi)) => Some(hi.saturating_sub(1)),
        _ => None,
    });
    let Some(max) = max else {
        return Ok(());
    };
    for m in &l.matchers {
        if let Matcher::Content(c) = m {
            if !c.negated && !c.is_relative() && (c.offset as u64 + c.pattern.len() as u64) > max {
                bail!(
                    "bsize {max} is smaller than content at offset {} of length {}: the rule cannot match",
                    c.offset,
                    c.pattern.len()
                );
            }
        }
    }
    Ok(())
}
