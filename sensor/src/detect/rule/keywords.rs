//! The keyword table: every rule option this sensor understands, with its handler. Adding a
//! keyword is one entry here (plus its parser, if it has a value). Sticky buffers
//! (`Buffer::from_sticky`), legacy content modifiers (`Buffer::from_modifier`) and
//! transforms (`Transform::from_keyword`) are looked up in their own tables after this one.
//! Anything else is refused as [`ErrorKind::Unsupported`] naming the keyword.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::asn1::Asn1;
use super::buffer::Buffer;
use super::bytes::{
    parse_bsize, Base64Decode, ByteExtract, ByteJump, ByteMath, ByteTest, IsDataAt, Val,
};
use super::content::{Content, FastPatternOpt};
use super::error::{bail, ErrorKind, PResult};
use super::header::Protocol;
use super::inspect::Matcher;
use super::lexer::{unquote, RawOption};
use super::model::{AppLayerProtocol, DatasetMatch, DnsOpcode};
use super::numeric::{IpOpts, IpProto, NumCmp, TcpFlags, Urilen};
use super::options::{
    parse_metadata, parse_tls_version, quoted_string, Dataset, DatasetCmd, Flow, Flowbit, Flowint,
    Reference, StreamSize, Target, Threshold, Xbit, XbitCmd, XbitTrack,
};
use super::parse::{Builder, ListKey};
use super::pcre::{Pcre, PcreBufferFlag};
use super::transform::{Transform, Transforms};
use crate::app::AppProto;
use crate::events::{refusal, AppEvent, EventKind, PacketEvent};

/// A keyword handler: the builder, the option's index in the rule, the option.
type Handler = fn(&mut Builder, usize, &RawOption<'_>) -> PResult<()>;

/// Every keyword with a handler of its own.
const KEYWORDS: &[(&str, Handler)] = &[
    ("msg", kw_msg),
    ("sid", kw_sid),
    ("rev", kw_rev),
    ("gid", kw_gid),
    ("classtype", kw_classtype),
    ("priority", kw_priority),
    ("reference", kw_reference),
    ("metadata", kw_metadata),
    ("target", kw_target),
    ("content", kw_content),
    ("uricontent", kw_content),
    ("nocase", kw_nocase),
    ("rawbytes", kw_rawbytes),
    ("depth", kw_depth),
    ("offset", kw_offset),
    ("distance", kw_relative),
    ("within", kw_relative),
    ("startswith", kw_startswith),
    ("endswith", kw_endswith),
    ("fast_pattern", kw_fast_pattern),
    ("pcre", kw_pcre),
    ("isdataat", kw_isdataat),
    ("asn1", kw_asn1),
    ("byte_test", kw_byte_test),
    ("byte_jump", kw_byte_jump),
    ("byte_extract", kw_byte_extract),
    ("byte_math", kw_byte_math),
    ("bsize", kw_bsize),
    ("base64_decode", kw_base64_decode),
    ("urilen", kw_urilen),
    ("dsize", kw_dsize),
    ("itype", kw_itype),
    ("icode", kw_icode),
    ("ttl", kw_ttl),
    ("flow.age", kw_flow_age),
    ("ipopts", kw_ipopts),
    ("ip_proto", kw_ip_proto),
    ("flags", kw_flags),
    ("tcp.flags", kw_flags),
    ("flow", kw_flow),
    ("threshold", kw_threshold),
    ("detection_filter", kw_detection_filter),
    ("flowbits", kw_flowbits),
    ("xbits", kw_xbits),
    ("flowint", kw_flowint),
    ("noalert", kw_noalert),
    ("tag", kw_tag),
    ("dataset", kw_dataset),
    ("datarep", kw_datarep),
    ("tls.version", kw_tls_version),
    ("tls.subject", kw_tls_legacy),
    ("tls.issuerdn", kw_tls_legacy),
    ("tls.cert_chain_len", kw_tls_chain_len),
    ("stream_size", kw_stream_size),
    ("decode-event", kw_packet_event),
    ("stream-event", kw_packet_event),
    ("app-layer-event", kw_app_layer_event),
    ("ftpbounce", kw_ftpbounce),
    ("ftpdata_command", kw_ftpdata_command),
    ("app-layer-protocol", kw_app_layer_protocol),
    ("icmp_id", kw_icmp_id),
    ("icmp_seq", kw_icmp_seq),
    ("hostbits", kw_hostbits),
    ("prefilter", kw_prefilter),
    ("dns.opcode", kw_dns_opcode),
    ("dce_iface", kw_dce_iface),
    ("dcerpc.iface", kw_dce_iface),
    ("dce_opnum", kw_dce_opnum),
    ("dcerpc.opnum", kw_dce_opnum),
    ("ipv4-csum", kw_csum),
    ("tcpv4-csum", kw_csum),
    ("tcpv6-csum", kw_csum),
    ("udpv4-csum", kw_csum),
    ("udpv6-csum", kw_csum),
    ("icmpv4-csum", kw_csum),
    ("icmpv6-csum", kw_csum),
    ("requires", kw_requires),
    ("pcrexform", kw_transform_value),
    ("xor", kw_transform_value),
    ("filename", kw_filename),
    ("file.name", kw_filename),
    ("fileext", kw_fileext),
    ("filesize", kw_filesize),
    ("filemd5", kw_filehash),
    ("filesha1", kw_filehash),
    ("filesha256", kw_filehash),
    ("filestore", kw_filestore),
];

/// Valid Suricata keywords this sensor refuses, with the reason given in the load report.
const REFUSED: &[(&str, &str)] = &[
    (
        "ftp.reply_received",
        "a Suricata 8 keyword (7.0.10 does not have it)",
    ),
    (
        "from_base64",
        "the from_base64 transform is not implemented",
    ),
    ("lua", "Lua scripts are not run"),
    ("luajit", "Lua scripts are not run"),
    (
        "filemagic",
        "libmagic's file types are not computed (the sensor links no libmagic)",
    ),
    (
        "file.magic",
        "libmagic's file types are not computed (the sensor links no libmagic)",
    ),
    (
        "replace",
        "the sensor is passive: payloads are not rewritten",
    ),
];

fn table() -> &'static HashMap<&'static str, Handler> {
    static T: OnceLock<HashMap<&'static str, Handler>> = OnceLock::new();
    T.get_or_init(|| KEYWORDS.iter().copied().collect())
}

/// Applies one option to the rule being built.
pub(super) fn apply(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let kw = o.keyword;
    if let Some(h) = table().get(kw) {
        return h(b, pos, o);
    }
    if let Some(buf) = Buffer::from_sticky(kw) {
        return sticky(b, buf, o);
    }
    if let Some(buf) = Buffer::from_modifier(kw) {
        return modifier(b, buf, o);
    }
    if let Some(t) = Transform::from_keyword(kw) {
        return transform(b, t, o);
    }
    match REFUSED.iter().find(|(k, _)| *k == kw) {
        Some((_, why)) => Err(ErrorKind::unsupported(format!("{kw} ({why})"))),
        None => Err(ErrorKind::unsupported(kw)),
    }
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

fn pcre_flag_buffer(f: PcreBufferFlag) -> PResult<Buffer> {
    use PcreBufferFlag::*;
    Ok(match f {
        Uri => Buffer::HttpUri,
        UriRaw => Buffer::HttpUriRaw,
        Header => Buffer::HttpHeader,
        RawHeader => Buffer::HttpHeaderRaw,
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

fn kw_msg(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let m = quoted_string("msg", need_value(o)?)?;
    set_once(&mut b.msg, m, o.keyword)
}

fn kw_sid(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = parse_u32(o.keyword, need_value(o)?)?;
    if v == 0 {
        bail!("sid 0 is invalid");
    }
    set_once(&mut b.sid, v, o.keyword)
}

fn kw_rev(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = parse_u32(o.keyword, need_value(o)?)?;
    if v == 0 {
        bail!("rev 0 is invalid");
    }
    set_once(&mut b.rev, v, o.keyword)
}

fn kw_gid(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = parse_u32(o.keyword, need_value(o)?)?;
    set_once(&mut b.gid, v, o.keyword)
}

fn kw_classtype(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = unquote(need_value(o)?);
    if !v
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    {
        bail!("invalid classtype `{v}`");
    }
    // Suricata 7 keeps the last one.
    b.classtype = Some(v.to_ascii_lowercase());
    Ok(())
}

fn kw_priority(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = need_value(o)?.trim();
    match v.parse::<u32>() {
        // Suricata stores an int; larger values are meaningless but accepted.
        Ok(n) => b.priority = Some(n.min(255) as u8),
        Err(_) => bail!("invalid priority `{v}`"),
    }
    Ok(())
}

fn kw_reference(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    b.references.push(Reference::parse(need_value(o)?)?);
    Ok(())
}

fn kw_metadata(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    b.metadata.extend(parse_metadata(need_value(o)?));
    Ok(())
}

fn kw_target(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    // Suricata keeps the last one.
    b.target = Some(Target::parse(need_value(o)?)?);
    Ok(())
}

fn kw_content(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let kw = o.keyword;
    let mut c = Content::parse(need_value(o)?, pos)?;
    let key = if kw == "uricontent" {
        if b.sticky.is_some() {
            bail!("uricontent used with a sticky buffer set");
        }
        (Buffer::HttpUri, Transforms::NONE)
    } else {
        b.current_list()
    };
    if key == (Buffer::HttpHost, Transforms::NONE) && c.pattern.iter().any(u8::is_ascii_uppercase) {
        bail!("http.host content has uppercase characters; the buffer is lowercase");
    }
    c.position = pos;
    b.add_matcher(key, Matcher::Content(c))
}

fn kw_nocase(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    let host = b.last_content.map(|l| l.0) == Some((Buffer::HttpHost, Transforms::NONE));
    let c = b.last_content_mut(o.keyword)?;
    if c.nocase {
        bail!("multiple nocase on one content");
    }
    c.nocase = true;
    if host {
        bail!("http.host content with nocase (the buffer is already lowercase)");
    }
    Ok(())
}

fn kw_rawbytes(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    if b.last_content_buffer() != Some(Buffer::Payload) {
        bail!("rawbytes needs a preceding payload content");
    }
    Ok(())
}

/// The `byte_extract` variable an `offset`/`depth` names, if it names one (of the last
/// content's list).
fn window_var(b: &Builder, kw: &str, v: &str) -> PResult<Option<u8>> {
    let v = v.trim();
    if !v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Ok(None);
    }
    let Val::Var(i) = super::bytes::parse_val(kw, v, &b.var_names, 0, 0)? else {
        return Ok(None);
    };
    let Some((key, _)) = b.last_content else {
        bail!("`{kw}` needs a preceding content option");
    };
    b.check_var_list(kw, i, key)?;
    Ok(Some(i))
}

fn kw_depth(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    if let Some(var) = window_var(b, o.keyword, need_value(o)?)? {
        let c = b.last_content_mut(o.keyword)?;
        if c.startswith || c.has_depth || c.is_relative() {
            bail!("depth cannot be combined with depth/startswith/distance/within on one content");
        }
        c.has_depth = true;
        c.depth_var = Some(var);
        return Ok(());
    }
    let v = parse_u16_value(o.keyword, need_value(o)?)?;
    let key = b.last_content;
    let c = b.last_content_mut(o.keyword)?;
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
        b.raw_depths.push((key, v));
    }
    Ok(())
}

fn kw_offset(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let var = window_var(b, o.keyword, need_value(o)?)?;
    let v = match var {
        Some(_) => 0,
        None => parse_u16_value(o.keyword, need_value(o)?)?,
    };
    let c = b.last_content_mut(o.keyword)?;
    c.offset_var = var;
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
    Ok(())
}

/// `distance` and `within`: a number, or a `byte_extract` variable of the same buffer.
fn kw_relative(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let kw = o.keyword;
    let raw = need_value(o)?.trim();
    let val = super::bytes::parse_val(kw, raw, &b.var_names, i32::MIN as i64, i32::MAX as i64)?;
    if let Val::Var(v) = val {
        let Some((key, _)) = b.last_content else {
            bail!("`{kw}` needs a preceding content option");
        };
        if b.var_lists.get(v as usize) != Some(&key) {
            return Err(ErrorKind::unsupported(format!(
                "{kw} using a byte_extract variable of another buffer"
            )));
        }
    }
    if let Some(Matcher::Content(p)) = b.previous_of_last_content() {
        if p.fast_pattern == Some(FastPatternOpt::Only) {
            bail!("relative keyword next to a fast_pattern:only content");
        }
    }
    let c = b.last_content_mut(kw)?;
    if c.has_offset || c.has_depth || c.startswith {
        bail!("{kw} cannot be combined with offset/depth/startswith on one content");
    }
    if c.fast_pattern == Some(FastPatternOpt::Only) {
        bail!("{kw} on a fast_pattern:only content");
    }
    let (lit, var) = match val {
        Val::Lit(n) => (n as i32, None),
        Val::Var(v) => (0, Some(v)),
    };
    if kw == "distance" {
        if c.distance.is_some() {
            bail!("multiple distances on one content");
        }
        c.distance = Some(lit);
        c.distance_var = var;
    } else {
        if c.within.is_some() {
            bail!("multiple withins on one content");
        }
        if var.is_none() && (lit < 0 || (lit as usize) < c.pattern.len()) {
            bail!(
                "within {lit} is less than the content length {}",
                c.pattern.len()
            );
        }
        c.within = Some(lit);
        c.within_var = var;
    }
    Ok(())
}

fn kw_startswith(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    let c = b.last_content_mut(o.keyword)?;
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
    Ok(())
}

fn kw_endswith(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    let c = b.last_content_mut(o.keyword)?;
    if c.endswith {
        bail!("multiple endswith on one content");
    }
    c.endswith = true;
    Ok(())
}

fn kw_fast_pattern(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let fp = match o.value.map(str::trim).filter(|v| !v.is_empty()) {
        None => FastPatternOpt::Yes,
        Some("only") => FastPatternOpt::Only,
        Some(v) => {
            let Some((a, l)) = v.split_once(',') else {
                bail!("invalid fast_pattern value `{v}`");
            };
            let a: u16 = a
                .trim()
                .parse()
                .map_err(|_| ErrorKind::syntax(format!("invalid fast_pattern offset `{v}`")))?;
            let l: u16 = l
                .trim()
                .parse()
                .map_err(|_| ErrorKind::syntax(format!("invalid fast_pattern length `{v}`")))?;
            FastPatternOpt::Chop {
                offset: a,
                length: l,
            }
        }
    };
    let already = b.fast_pattern_seen;
    let c = b.last_content_mut(o.keyword)?;
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
    b.fast_pattern_seen = true;
    Ok(())
}

fn kw_pcre(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let p = Pcre::parse(need_value(o)?, pos)?;
    let key = match (b.sticky, p.buffer_flag) {
        (Some(s), Some(f)) => {
            if pcre_flag_buffer(f)? != s {
                bail!("pcre buffer modifier conflicts with the active sticky buffer");
            }
            b.current_list()
        }
        (Some(_), None) => b.current_list(),
        (None, Some(f)) => (pcre_flag_buffer(f)?, Transforms::NONE),
        // Unlike isdataat and the byte keywords, a relative pcre without a sticky buffer stays
        // on the payload (Suricata then wants a match before it there).
        (None, None) => (Buffer::Payload, Transforms::NONE),
    };
    if p.relative && b.sticky.is_none() && b.list(key).is_none_or(|l| l.is_empty()) {
        bail!("pcre with R needs a preceding match in the same buffer");
    }
    b.add_matcher(key, Matcher::Pcre(p))
}

/// A variable used by a payload keyword must come from the list it inspects.
fn check_vars(b: &Builder, kw: &str, vals: &[Val], here: ListKey) -> PResult<()> {
    for v in vals {
        if let Val::Var(i) = v {
            b.check_var_list(kw, *i, here)?;
        }
    }
    Ok(())
}

fn kw_isdataat(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let d = IsDataAt::parse(need_value(o)?, &b.var_names)?;
    let key = b.payload_list(d.relative);
    check_vars(b, o.keyword, &[d.at], key)?;
    b.add_matcher(key, Matcher::IsDataAt(d))
}

fn kw_asn1(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    if b.asn1.is_some() {
        bail!("asn1 given twice");
    }
    b.asn1 = Some(Asn1::parse(need_value(o)?)?);
    Ok(())
}

/// The `dce` option makes a rule a DCE/RPC one (as Suricata sets its protocol).
fn dce_order(b: &mut Builder, e: &super::bytes::Extract) -> PResult<()> {
    if e.dce {
        b.set_app_proto(AppProto::Dcerpc)?;
    }
    Ok(())
}

fn kw_byte_test(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let t = ByteTest::parse(need_value(o)?, &b.var_names)?;
    dce_order(b, &t.extract)?;
    let key = b.payload_list(t.relative);
    let n = t.extract.nbytes_var.map_or(Val::Lit(0), Val::Var);
    check_vars(b, o.keyword, &[t.value, t.offset, n], key)?;
    b.add_matcher(key, Matcher::ByteTest(t))
}

fn kw_byte_jump(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let j = ByteJump::parse(need_value(o)?, &b.var_names)?;
    dce_order(b, &j.extract)?;
    let key = b.payload_list(j.relative);
    let n = j.extract.nbytes_var.map_or(Val::Lit(0), Val::Var);
    check_vars(b, o.keyword, &[j.offset, n], key)?;
    b.add_matcher(key, Matcher::ByteJump(j))
}

fn kw_byte_extract(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let before = b.var_names.len();
    let e = ByteExtract::parse(need_value(o)?, &mut b.var_names)?;
    dce_order(b, &e.extract)?;
    let key = b.payload_list(e.relative);
    if b.var_names.len() > before {
        b.var_lists.push(key);
    } else if b.var_lists.get(e.var as usize) != Some(&key) {
        return Err(ErrorKind::unsupported(
            "byte_extract redefining a variable of another buffer",
        ));
    }
    b.add_matcher(key, Matcher::ByteExtract(e))
}

fn kw_byte_math(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let before = b.var_names.len();
    let m = ByteMath::parse(need_value(o)?, &mut b.var_names)?;
    dce_order(b, &m.extract)?;
    let key = b.payload_list(m.relative);
    let n = m.extract.nbytes_var.map_or(Val::Lit(0), Val::Var);
    check_vars(b, o.keyword, &[m.rvalue, n], key)?;
    if b.var_names.len() > before {
        b.var_lists.push(key);
    } else if b.var_lists.get(m.var as usize) != Some(&key) {
        return Err(ErrorKind::unsupported(
            "byte_math redefining a variable of another buffer",
        ));
    }
    b.add_matcher(key, Matcher::ByteMath(m))
}

fn kw_bsize(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let c = parse_bsize(need_value(o)?)?;
    if b.sticky.is_none() {
        bail!("bsize needs a sticky buffer");
    }
    let key = b.current_list();
    if b.list(key)
        .is_some_and(|l| l.iter().any(|m| matches!(m, Matcher::Bsize(_))))
    {
        bail!("bsize given twice for one buffer");
    }
    b.add_matcher(key, Matcher::Bsize(c))
}

fn kw_base64_decode(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let d = Base64Decode::parse(o.value)?;
    if b.sticky == Some(Buffer::Base64Data) {
        return Err(ErrorKind::unsupported("base64_decode inside base64_data"));
    }
    if b.base64_list.is_some() {
        return Err(ErrorKind::unsupported(
            "more than one base64_decode in a rule",
        ));
    }
    let key = b.payload_list(d.relative);
    b.base64_list = Some(key);
    b.add_matcher(key, Matcher::Base64(Box::new(d)))
}

fn kw_urilen(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let u = Urilen::parse(need_value(o)?)?;
    b.set_app_proto(AppProto::Http)?;
    set_once(&mut b.urilen, u, o.keyword)
}

fn kw_dsize(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u16::MAX as u64)?;
    set_once(&mut b.dsize, v, o.keyword)
}

fn kw_itype(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u8::MAX as u64)?;
    set_once(&mut b.itype, v, o.keyword)
}

fn kw_icode(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u8::MAX as u64)?;
    set_once(&mut b.icode, v, o.keyword)
}

fn kw_ttl(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u8::MAX as u64)?;
    set_once(&mut b.ttl, v, o.keyword)
}

/// `flow.age`: Suricata's unsigned 32-bit comparison forms.
fn kw_flow_age(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u32::MAX as u64)?;
    set_once(&mut b.flow_age, v, o.keyword)
}

fn kw_ipopts(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = IpOpts::parse(need_value(o)?)?;
    set_once(&mut b.ipopts, v, o.keyword)
}

fn kw_ip_proto(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = IpProto::parse(need_value(o)?)?;
    if b.header.protocol != Protocol::Ip {
        bail!("ip_proto can only be used in `alert ip` rules");
    }
    set_once(&mut b.ip_proto, v, o.keyword)
}

fn kw_flags(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = TcpFlags::parse(need_value(o)?)?;
    set_once(&mut b.flags, v, o.keyword)
}

fn kw_flow(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = Flow::parse(need_value(o)?)?;
    set_once(&mut b.flow, v, o.keyword)
}

fn kw_threshold(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = Threshold::parse(need_value(o)?, false)?;
    if b.detection_filter.is_some() {
        bail!("threshold cannot be combined with detection_filter");
    }
    set_once(&mut b.threshold, v, o.keyword)
}

fn kw_detection_filter(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = Threshold::parse(need_value(o)?, true)?;
    if b.threshold.is_some() {
        bail!("detection_filter cannot be combined with threshold");
    }
    set_once(&mut b.detection_filter, v, o.keyword)
}

fn kw_flowbits(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    b.flowbits.push(Flowbit::parse(need_value(o)?)?);
    Ok(())
}

fn kw_flowint(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    b.flowints.push(Flowint::parse(need_value(o)?)?);
    Ok(())
}

fn kw_xbits(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    b.xbits.push(Xbit::parse(need_value(o)?)?);
    Ok(())
}

fn kw_tag(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let spec = super::TagSpec::parse(need_value(o)?)?;
    b.tags.push(spec);
    Ok(())
}

fn kw_noalert(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    b.noalert = true;
    Ok(())
}

fn kw_dataset(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let d = Dataset::parse(need_value(o)?)?;
    push_dataset(b, pos, d, o.keyword)
}

fn kw_datarep(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let d = Dataset::parse_datarep(need_value(o)?)?;
    push_dataset(b, pos, d, o.keyword)
}

fn push_dataset(b: &mut Builder, pos: usize, d: Dataset, keyword: &str) -> PResult<()> {
    let Some(buffer) = b.sticky else {
        bail!("{keyword} is only supported on sticky buffers");
    };
    if !b.sticky_transforms.is_empty() && d.cmd == DatasetCmd::Set {
        return Err(ErrorKind::unsupported(
            "dataset `set` on a transformed buffer",
        ));
    }
    b.datasets.push(DatasetMatch {
        buffer,
        transforms: b.sticky_transforms,
        dataset: d,
        position: pos,
    });
    Ok(())
}

fn kw_stream_size(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let s = StreamSize::parse(need_value(o)?)?;
    if matches!(
        b.header.protocol,
        Protocol::Udp | Protocol::Icmp | Protocol::Icmpv6 | Protocol::App(AppProto::Dns)
    ) {
        bail!("stream_size needs a TCP rule");
    }
    // Several are allowed (a range written as two tests): all must hold.
    b.stream_size.push(s);
    Ok(())
}

/// `decode-event:<name>` / `stream-event:<name>`: the packet must carry the event. Events the
/// sensor does not raise are refused.
fn kw_packet_event(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let name = unquote(need_value(o)?.trim()).trim();
    let kind = if o.keyword == "stream-event" {
        EventKind::Stream
    } else {
        EventKind::Decode
    };
    match PacketEvent::from_name(kind, name) {
        Some(e) => {
            b.packet_events.set(e);
            Ok(())
        }
        None => Err(ErrorKind::unsupported(refusal(o.keyword, name))),
    }
}

/// `app-layer-event:<proto>.<name>`: the transaction (HTTP), message (DNS) or handshake (TLS)
/// must carry the event; the rule becomes one of that protocol. Protocol detection's own
/// events (`applayer_*`) are the packet's, as in Suricata, and leave the rule's protocol alone.
fn kw_app_layer_event(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let name = unquote(need_value(o)?.trim()).trim();
    if let Some(e) = PacketEvent::from_name(EventKind::AppLayer, name) {
        b.packet_events.set(e);
        return Ok(());
    }
    let Some(e) = AppEvent::from_name(name) else {
        return Err(ErrorKind::unsupported(refusal(o.keyword, name)));
    };
    b.set_app_proto(e.proto())?;
    b.app_events.set(e);
    Ok(())
}

/// `ftpbounce`: the rule is one of FTP; its PORT command must name another address than the
/// client's.
fn kw_ftpbounce(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    if o.value.is_some() {
        bail!("ftpbounce takes no value");
    }
    b.set_app_proto(AppProto::Ftp)?;
    b.ftp.bounce = true;
    Ok(())
}

/// `ftpdata_command:stor|retr`: the rule is one of ftp-data.
fn kw_ftpdata_command(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    use crate::app::ftp_data::FtpDataCmd;
    let cmd = match unquote(need_value(o)?.trim()).trim() {
        "stor" => FtpDataCmd::Stor,
        "retr" => FtpDataCmd::Retr,
        v => bail!("invalid ftpdata_command `{v}` (stor or retr)"),
    };
    b.set_app_proto(AppProto::FtpData)?;
    if b.ftp.data_command.replace(cmd).is_some() {
        bail!("ftpdata_command given twice");
    }
    Ok(())
}

/// `app-layer-protocol:[!]<proto>` (Suricata 7: one protocol, no mode). `failed` is a flow
/// whose protocol detection gave up. Protocols Suricata knows but the sensor does not detect
/// (`app::registry`) are refused (their flows would never match, or always match negated).
fn kw_app_layer_protocol(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = unquote(need_value(o)?.trim()).trim();
    if v.contains(',') {
        bail!("app-layer-protocol modes (`{v}`) are Suricata 8 syntax");
    }
    let (negated, name) = match v.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, v),
    };
    let proto = match name {
        "failed" => None,
        "" => bail!("app-layer-protocol needs a protocol"),
        other => match AppProto::by_rule_name(other) {
            Some(p) => Some(p),
            None => {
                return Err(ErrorKind::unsupported(format!(
                    "app-layer-protocol:{other} (a protocol the sensor does not detect)"
                )))
            }
        },
    };
    b.app_layer_protocol
        .push(AppLayerProtocol { negated, proto });
    Ok(())
}

/// `icmp_id` / `icmp_seq` value: a number (`icmp_id` may quote it, as in Suricata 7).
fn parse_icmp_u16(kw: &str, v: &str) -> PResult<u16> {
    let v = v.trim();
    let quoted = v.strip_prefix('"').and_then(|r| r.strip_suffix('"'));
    if quoted.is_some() && kw == "icmp_seq" {
        bail!("icmp_seq does not take quotes");
    }
    let inner = quoted.unwrap_or(v).trim();
    inner
        .parse::<u16>()
        .map_err(|_| ErrorKind::syntax(format!("invalid {kw} value `{v}`")))
}

fn kw_icmp_id(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = parse_icmp_u16(o.keyword, need_value(o)?)?;
    set_once(&mut b.icmp_id, v, o.keyword)
}

fn kw_icmp_seq(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = parse_icmp_u16(o.keyword, need_value(o)?)?;
    set_once(&mut b.icmp_seq, v, o.keyword)
}

/// Suricata 7's default lifetime of a host bit, in seconds.
const HOSTBITS_EXPIRE: u32 = 300;

/// `hostbits:<cmd>,<name>[,<src|dst>]` (or `hostbits:noalert`): a bit on the source (default)
/// or destination host, kept in the same bounded, expiring table as `xbits`.
fn kw_hostbits(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = need_value(o)?;
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let cmd = match parts[0] {
        "noalert" if parts.len() == 1 => {
            b.noalert = true;
            return Ok(());
        }
        "set" => XbitCmd::Set,
        "unset" => XbitCmd::Unset,
        "toggle" => XbitCmd::Toggle,
        "isset" => XbitCmd::IsSet,
        "isnotset" => XbitCmd::IsNotSet,
        other => bail!("invalid hostbits command `{other}`"),
    };
    let name = match parts.get(1) {
        Some(n) if !n.is_empty() && !n.contains(char::is_whitespace) => *n,
        _ => bail!("hostbits:{} needs a name", parts[0]),
    };
    let track = match parts.get(2).copied() {
        None | Some("src") => XbitTrack::IpSrc,
        Some("dst") => XbitTrack::IpDst,
        Some("both") => bail!("hostbits direction `both` is not implemented by Suricata 7"),
        Some(other) => bail!("invalid hostbits direction `{other}`"),
    };
    if parts.len() > 3 {
        bail!("hostbits takes at most a command, a name and a direction");
    }
    b.xbits.push(Xbit {
        cmd,
        name: name.to_string(),
        track,
        expire: HOSTBITS_EXPIRE,
    });
    b.hostbits += 1;
    Ok(())
}

/// `prefilter`: makes the keyword before it the rule's prefilter engine. Only a choice of
/// prefilter: matching is unchanged, so it is accepted (the rule keeps its content fast
/// pattern, or none). As in Suricata, it needs a match keyword before it.
fn kw_prefilter(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    if !b.has_condition() {
        bail!("prefilter needs a preceding match");
    }
    Ok(())
}

/// `dns.opcode:[!]<0-15>` (Suricata 7: equality, optionally negated).
fn kw_dns_opcode(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = need_value(o)?.trim();
    let (negated, n) = match v.strip_prefix('!') {
        Some(r) => (true, r.trim()),
        None => (false, v),
    };
    let opcode = match n.parse::<u8>() {
        Ok(x) if x <= 15 => x,
        _ => bail!("invalid dns.opcode `{v}`"),
    };
    b.set_app_proto(AppProto::Dns)?;
    set_once(&mut b.dns_opcode, DnsOpcode { negated, opcode }, o.keyword)
}

/// `dce_iface:<uuid>[,<op><version>][,any_frag]` (Suricata 7: op one of `<>=!`, version
/// 0..65535, `<0` and `>65535` refused).
fn kw_dce_iface(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = need_value(o)?;
    let mut parts = v.split(',').map(str::trim);
    let text = parts.next().unwrap_or("");
    let groups: Vec<&str> = text.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if groups.len() != 5
        || groups
            .iter()
            .zip(lens)
            .any(|(g, n)| g.len() != n || !g.bytes().all(|c| c.is_ascii_hexdigit()))
    {
        bail!("{}: invalid UUID `{}`", o.keyword, text);
    }
    let hex: String = groups.concat();
    let mut uuid = [0u8; 16];
    for (i, u) in uuid.iter_mut().enumerate() {
        *u = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    let mut iface = super::model::DceIface {
        uuid,
        version: None,
        any_frag: false,
    };
    for p in parts {
        if p == "any_frag" && !iface.any_frag {
            iface.any_frag = true;
            continue;
        }
        let op = p.bytes().next().unwrap_or(0);
        if iface.version.is_some() || iface.any_frag || !matches!(op, b'<' | b'>' | b'=' | b'!') {
            bail!("{}: invalid option `{p}`", o.keyword);
        }
        let n: u16 = match p[1..].trim().parse() {
            Ok(n) => n,
            Err(_) => bail!("{}: invalid version `{p}`", o.keyword),
        };
        if (op == b'<' && n == 0) || (op == b'>' && n == u16::MAX) {
            bail!("{}: version test `{p}` can never hold", o.keyword);
        }
        iface.version = Some((op, n));
    }
    b.set_app_proto(AppProto::Dcerpc)?;
    b.dce_iface.push(iface);
    Ok(())
}

/// `dce_opnum:<n>|<lo>-<hi>[,...]`.
fn kw_dce_opnum(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = need_value(o)?;
    let mut list = Vec::new();
    for item in v.split(',').map(str::trim) {
        let num = |s: &str| -> PResult<u16> {
            match s.trim().parse::<u16>() {
                Ok(n) => Ok(n),
                Err(_) => bail!("{}: invalid opnum `{item}`", o.keyword),
            }
        };
        let range = match item.split_once('-') {
            Some((lo, hi)) => (num(lo)?, num(hi)?),
            None => {
                let n = num(item)?;
                (n, n)
            }
        };
        if range.0 > range.1 {
            bail!("{}: invalid range `{item}`", o.keyword);
        }
        list.push(range);
    }
    b.set_app_proto(AppProto::Dcerpc)?;
    b.dce_opnum.push(list.into_boxed_slice());
    Ok(())
}

/// `tls.subject:"..."` / `tls.issuerdn:"..."` (legacy forms): the value anywhere in the first
/// certificate's subject / issuer, `!` negating; the same as a content on
/// `tls.cert_subject` / `tls.cert_issuer`.
fn kw_tls_legacy(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = need_value(o)?.trim();
    let (negated, v) = match v.strip_prefix('!') {
        Some(r) => (true, r.trim_start()),
        None => (false, v),
    };
    let text = quoted_string(o.keyword, v)?;
    if text.is_empty() {
        bail!("`{}` needs a non-empty value", o.keyword);
    }
    let buffer = if o.keyword == "tls.subject" {
        Buffer::TlsCertSubject
    } else {
        Buffer::TlsCertIssuer
    };
    b.set_app_proto(AppProto::Tls)?;
    let c = Content::new(text.into_bytes(), negated, pos);
    // Not a content of the rule's sticky lists: it does not move `last_content`.
    b.list_mut((buffer, Transforms::NONE))
        .push(Matcher::Content(c));
    Ok(())
}

fn kw_tls_chain_len(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u32::MAX as u64)?;
    b.set_app_proto(AppProto::Tls)?;
    set_once(&mut b.tls_chain_len, v, o.keyword)
}

fn kw_tls_version(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = parse_tls_version(need_value(o)?)?;
    b.set_app_proto(AppProto::Tls)?;
    set_once(&mut b.tls_version, v, o.keyword)
}

/// A sticky buffer keyword: later payload keywords inspect that buffer.
fn sticky(b: &mut Builder, buf: Buffer, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    b.close_sticky()?;
    b.sticky_transforms = Transforms::NONE;
    b.sticky_matched = false;
    if buf == Buffer::Base64Data && b.base64_list.is_none() {
        bail!("base64_data needs a preceding base64_decode");
    }
    if buf == Buffer::Payload {
        b.sticky = None;
    } else {
        b.set_buffer_proto(buf)?;
        b.sticky = Some(buf);
        b.list_mut((buf, Transforms::NONE));
    }
    Ok(())
}

/// A transform with a value, which Suricata wants quoted: `pcrexform:"<re>"`,
/// `xor:"<hex key>"`.
fn kw_transform_value(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let kw = o.keyword;
    let raw = need_value(o)?.trim();
    let Some(v) = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| raw.len() >= 2)
    else {
        bail!("`{kw}` value must be in double quotes");
    };
    if b.sticky.is_none() {
        bail!("transform `{kw}` needs a sticky buffer before it");
    }
    let t = match kw {
        "pcrexform" => Transform::pcrexform(v)?,
        _ => Transform::xor(v)?,
    };
    push_transform(b, t, kw)
}

/// A transform: applies to the active sticky buffer, before any of its matchers.
fn transform(b: &mut Builder, t: Transform, o: &RawOption<'_>) -> PResult<()> {
    no_value(o)?;
    push_transform(b, t, o.keyword)
}

fn push_transform(b: &mut Builder, t: Transform, kw: &str) -> PResult<()> {
    let Some(buf) = b.sticky else {
        bail!("transform `{kw}` needs a sticky buffer before it");
    };
    // Suricata 7.0.10 inspects matchers written before a transform on the buffer as it was
    // and those after it on the transformed one (measured: `http.uri; content:"/get";
    // to_uppercase; content:"/GET";` matches): the transform starts a list of its own.
    let old = (buf, b.sticky_transforms);
    b.sticky_matched |= b.list(old).is_some_and(|l| !l.is_empty());
    b.sticky_transforms.push(t)?;
    let new = (buf, b.sticky_transforms);
    if b.list(new).is_some_and(|l| !l.is_empty()) {
        return Err(ErrorKind::unsupported(
            "the same sticky buffer and transforms selected twice in one rule",
        ));
    }
    b.list_mut(new);
    Ok(())
}

/// A legacy content modifier (`content:"x"; http_uri;`): moves the last payload content.
fn modifier(b: &mut Builder, target: Buffer, o: &RawOption<'_>) -> PResult<()> {
    let kw = o.keyword;
    no_value(o)?;
    if b.sticky.is_some() {
        bail!("`{kw}` used while a sticky buffer is set (reset it with pkt_data)");
    }
    let payload = (Buffer::Payload, Transforms::NONE);
    let Some((key, idx)) = b.last_content else {
        bail!("`{kw}` needs a preceding content option");
    };
    if key != payload {
        bail!("`{kw}` needs a preceding content option");
    }
    let m = b.list_mut(payload).remove(idx);
    let Matcher::Content(mut c) = m else {
        bail!("`{kw}` needs a preceding content option");
    };
    if target == Buffer::HttpHost {
        if c.nocase {
            bail!("http_host content with nocase (the buffer is already lowercase)");
        }
        if c.pattern.iter().any(u8::is_ascii_uppercase) {
            bail!("http_host content has uppercase characters; the buffer is lowercase");
        }
    }
    c.moved_by_modifier = true;
    b.set_buffer_proto(target)?;
    let new_key = (target, Transforms::NONE);
    let list = b.list_mut(new_key);
    list.push(Matcher::Content(c));
    let new_idx = list.len() - 1;
    let old = (payload, idx);
    for (k, _) in &mut b.raw_depths {
        if *k == old {
            *k = (new_key, new_idx);
        }
    }
    b.last_content = Some((new_key, new_idx));
    b.last_match_list = Some(new_key);
    Ok(())
}

/// `ipv4-csum:valid|invalid;` and the six transport forms (Suricata 7's): the packet's
/// checksum of that kind, judged under the checksum policy (D30).
fn kw_csum(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    use crate::decode::checksum::Kind;
    let Some(kind) = Kind::from_keyword(o.keyword) else {
        bail!("unknown checksum keyword `{}`", o.keyword);
    };
    let v = unquote(need_value(o)?.trim());
    let bit = kind.bit();
    if (b.csum.valid | b.csum.invalid) & bit != 0 {
        bail!("`{}` given more than once", o.keyword);
    }
    if v.eq_ignore_ascii_case("valid") {
        b.csum.valid |= bit;
    } else if v.eq_ignore_ascii_case("invalid") {
        b.csum.invalid |= bit;
    } else {
        bail!(
            "invalid value `{v}` for {}: `valid` or `invalid`",
            o.keyword
        );
    }
    Ok(())
}

/// `requires`: checked (and an unmet rule skipped) before the options are parsed
/// (`parse::parse_rule`); here it is met and means nothing more.
fn kw_requires(_: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    super::requires::Requires::parse(need_value(o)?).map(|_| ())
}

/// The rule's file tests, created by its first file keyword.
fn file_tests(b: &mut Builder) -> &mut super::model::FileTests {
    b.files.get_or_insert_with(Default::default)
}

/// `file.name` without a value is the sticky buffer; `filename:"x"` (and `file.name:"x"`),
/// the legacy form, is a content on it, compared without case as Suricata's legacy
/// keyword does; the sticky buffer in force before it stays in force.
fn kw_filename(b: &mut Builder, pos: usize, o: &RawOption<'_>) -> PResult<()> {
    let Some(value) = o.value.filter(|v| !v.trim().is_empty()) else {
        if o.keyword == "filename" {
            bail!("`filename` needs a value");
        }
        return sticky(b, Buffer::FileName, o);
    };
    let (sticky_before, transforms_before) = (b.sticky, b.sticky_transforms);
    b.close_sticky()?;
    b.sticky = Some(Buffer::FileName);
    b.sticky_transforms = Transforms::NONE;
    b.set_buffer_proto(Buffer::FileName)?;
    let content = RawOption {
        keyword: "content",
        value: Some(value),
    };
    kw_content(b, pos, &content)?;
    b.last_content_mut(o.keyword)?.nocase = true;
    b.close_sticky()?;
    b.sticky = sticky_before;
    b.sticky_transforms = transforms_before;
    Ok(())
}

/// A quoted (or bare) value with Suricata's `!` negation before it.
fn negated_value(v: &str) -> (bool, &str) {
    let v = v.trim();
    match v.strip_prefix('!') {
        Some(rest) => (true, unquote(rest.trim())),
        None => (false, unquote(v)),
    }
}

/// `fileext:[!]"ext"`: the name's extension (after its last dot) is `ext`, without case.
fn kw_fileext(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let (neg, ext) = negated_value(need_value(o)?);
    if ext.is_empty() {
        bail!("`fileext` needs an extension");
    }
    file_tests(b)
        .ext
        .push((ext.as_bytes().to_ascii_lowercase(), neg));
    Ok(())
}

/// `filesize:[op]n` or `n<>m` in bytes.
fn kw_filesize(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let v = NumCmp::parse(need_value(o)?, u64::MAX)?;
    set_once(&mut file_tests(b).size, v, o.keyword)
}

/// `filemd5:[!]list`, `filesha1:`, `filesha256:`: the file's digest is (not) in the list
/// file (read when the engine is built).
fn kw_filehash(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    use super::model::FileHash;
    let kind = match o.keyword {
        "filemd5" => FileHash::Md5,
        "filesha1" => FileHash::Sha1,
        _ => FileHash::Sha256,
    };
    let (neg, name) = negated_value(need_value(o)?);
    if name.is_empty() {
        bail!("`{}` needs a hash list file", o.keyword);
    }
    file_tests(b).hashes.push((kind, name.to_string(), neg));
    Ok(())
}

/// `filestore[:direction[,scope]]`.
fn kw_filestore(b: &mut Builder, _: usize, o: &RawOption<'_>) -> PResult<()> {
    let mut store = super::model::FileStore::default();
    if let Some(v) = o.value.filter(|v| !v.trim().is_empty()) {
        let mut parts = v.split(',').map(str::trim);
        match parts.next().unwrap_or_default() {
            "request" | "to_server" => store.to_server = Some(true),
            "response" | "to_client" => store.to_server = Some(false),
            "both" => store.both = true,
            "" => {}
            other => bail!("invalid filestore direction `{other}`"),
        }
        match parts.next() {
            None | Some("file") => {}
            Some("tx") | Some("ssn") => store.whole_tx = true,
            Some(other) => bail!("invalid filestore scope `{other}`"),
        }
        if parts.next().is_some() {
            bail!("invalid filestore value `{v}`");
        }
    }
    set_once(&mut file_tests(b).store, store, o.keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every keyword of the table is reachable, and names are unique.
    #[test]
    fn table_has_unique_names() {
        let mut names: Vec<&str> = KEYWORDS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
        assert_eq!(table().len(), n);
        // Keywords of the other tables are not shadowed by this one, nor refused ones.
        for (name, _) in KEYWORDS {
            assert!(REFUSED.iter().all(|(r, _)| r != name), "{name}");
            assert!(Buffer::from_sticky(name).is_none(), "{name}");
            assert!(Transform::from_keyword(name).is_none(), "{name}");
        }
    }
}
