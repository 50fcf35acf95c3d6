//! EVE JSON records with Suricata's field names, so Filebeat's Suricata module, Splunk, EveBox
//! and the rest read them as they are. Fields of our own would go under `sensor`, which Suricata
//! never uses.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::json;
use crate::flow::community_id::community_id_v1;
use crate::flow::{EndReason, Flow, TO_CLIENT, TO_SERVER};
use crate::time::{with_eve_clock, EveClock, Timestamp};

/// Version of the record schema this sensor writes (bumped on any incompatible change).
pub const SCHEMA_VERSION: u32 = 1;

/// Suricata's protocol names for `proto`.
pub fn proto_name(proto: u8) -> std::borrow::Cow<'static, str> {
    match proto_static_name(proto) {
        Some(name) => name.into(),
        None => proto.to_string().into(),
    }
}

fn has_ports(proto: u8) -> bool {
    matches!(proto, 6 | 17 | 132)
}

/// What identifies a flow in every record about it (copied out of the flow, so a record can
/// be written while the flow's other state is being changed).
#[derive(Clone, Copy, Debug)]
pub struct FlowIdent {
    /// `None` for a packet outside any flow (its transport header did not decode).
    pub flow_id: Option<u64>,
    /// The packet being processed when the record was written (replay only; not on flow
    /// records).
    pub pcap_cnt: Option<u64>,
    pub vlan: [u16; 2],
    /// Client to server.
    pub endpoints: crate::flow::Endpoints,
    pub proto: u8,
    /// ICMP type and code of the first message, for the Community ID of ICMP flows.
    pub icmp: Option<(u8, u8)>,
}

impl FlowIdent {
    pub fn of<T>(flow: &Flow<T>) -> FlowIdent {
        FlowIdent {
            flow_id: Some(flow.flow_id()),
            pcap_cnt: None,
            vlan: flow.key.vlan,
            endpoints: flow.endpoints(),
            proto: flow.key.proto,
            icmp: flow.icmp[TO_SERVER].or(flow.icmp[TO_CLIENT]),
        }
    }

    /// Community ID v1 (ICMP flows hash their first message's type and code).
    pub fn community_id(&self) -> String {
        let ep = &self.endpoints;
        match (self.proto, self.icmp) {
            (1 | 58, icmp) => {
                let (t, c) = icmp.unwrap_or((0, 0));
                community_id_v1(ep.src, ep.dst, self.proto, t as u16, c as u16)
            }
            _ => community_id_v1(ep.src, ep.dst, self.proto, ep.src_port, ep.dst_port),
        }
    }
}

/// Suricata's protocol name for `proto`, if it has one (otherwise the number is written).
fn proto_static_name(proto: u8) -> Option<&'static str> {
    Some(match proto {
        1 => "ICMP",
        2 => "IGMP",
        6 => "TCP",
        17 => "UDP",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "IPv6-ICMP",
        132 => "SCTP",
        _ => return None,
    })
}

/// Writes `"` + the EVE text of `ts` + `"`.
#[inline]
fn write_time(out: &mut Vec<u8>, clock: &mut EveClock, ts: Timestamp) {
    out.push(b'"');
    clock.write(ts, out);
    out.push(b'"');
}

/// `,"host":"<name>"` once the sensor's name is set: written in every record's head, as
/// Suricata writes its `sensor-name`, so many sensors can feed one stream.
static HOST: OnceLock<Box<[u8]>> = OnceLock::new();

/// Names the sensor in every record from now on (once per process; later calls are ignored).
pub fn set_host(name: String) {
    let mut field = b",\"host\":".to_vec();
    json::write_str(&mut field, &name);
    let _ = HOST.set(field.into_boxed_slice());
}

/// `,"pcap_filename":"<path>"` while `replay --each` replays one capture on its own (Suricata
/// writes the same field with `eve-log.pcap-file`), so one EVE stream says which capture each
/// record came from. Changed only between captures, when no worker runs; threads notice the
/// change by the generation (one atomic load per record, no lock).
static CAPTURE: Mutex<Option<Arc<[u8]>>> = Mutex::new(None);
static CAPTURE_NAME: Mutex<Option<String>> = Mutex::new(None);
static CAPTURE_GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static CAPTURE_SEEN: RefCell<(u64, Option<Arc<[u8]>>)> = const { RefCell::new((0, None)) };
}

/// Names the capture every record written from now on comes from (`None`: no field).
pub fn set_capture(path: Option<&str>) {
    let field = path.map(|p| {
        let mut field = b",\"pcap_filename\":".to_vec();
        json::write_str(&mut field, p);
        Arc::from(field.into_boxed_slice())
    });
    *CAPTURE.lock().unwrap_or_else(|e| e.into_inner()) = field;
    *CAPTURE_NAME.lock().unwrap_or_else(|e| e.into_inner()) = path.map(str::to_owned);
    CAPTURE_GENERATION.fetch_add(1, Ordering::Release);
}

/// The capture named by [`set_capture`] (for records not written through [`write_head`]).
pub fn capture() -> Option<String> {
    CAPTURE_NAME
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn write_capture(out: &mut Vec<u8>) {
    let generation = CAPTURE_GENERATION.load(Ordering::Acquire);
    if generation == 0 {
        return;
    }
    CAPTURE_SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.0 != generation {
            let current = CAPTURE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            *seen = (generation, current);
        }
        if let Some(field) = &seen.1 {
            out.extend_from_slice(field);
        }
    });
}

/// Writes the head every record shares: `{"timestamp":..,"flow_id":..,"event_type":..,` VLAN,
/// endpoints and `proto`, with no closing brace. Endpoints are client to server, or the reverse
/// when `reverse` is set (records about server-to-client packets, as Suricata writes them).
///
/// Records are written straight into `out`, without `core::fmt` (a flood writes millions of
/// flow records): integers, addresses and timestamps by the writers of [`super::json`] and
/// [`EveClock`] (this thread's), which give the same text as `Display`.
pub fn write_head(
    out: &mut Vec<u8>,
    ts: Timestamp,
    flow: &FlowIdent,
    event_type: &str,
    reverse: bool,
) {
    with_eve_clock(|clock| write_head_with(out, clock, ts, flow, event_type, reverse));
}

fn write_head_with(
    out: &mut Vec<u8>,
    clock: &mut EveClock,
    ts: Timestamp,
    flow: &FlowIdent,
    event_type: &str,
    reverse: bool,
) {
    let ep = flow.endpoints;
    let (src, sport, dst, dport) = if reverse {
        (ep.dst, ep.dst_port, ep.src, ep.src_port)
    } else {
        (ep.src, ep.src_port, ep.dst, ep.dst_port)
    };
    let proto = flow.proto;
    out.extend_from_slice(b"{\"timestamp\":");
    write_time(out, clock, ts);
    if let Some(id) = flow.flow_id {
        out.extend_from_slice(b",\"flow_id\":");
        json::write_u64(out, id);
    }
    if let Some(n) = flow.pcap_cnt {
        out.extend_from_slice(b",\"pcap_cnt\":");
        json::write_u64(out, n);
    }
    out.extend_from_slice(b",\"event_type\":\"");
    out.extend_from_slice(event_type.as_bytes());
    out.push(b'"');
    if let Some(host) = HOST.get() {
        out.extend_from_slice(host);
    }
    write_capture(out);
    if flow.vlan[0] != 0 || flow.vlan[1] != 0 {
        out.extend_from_slice(b",\"vlan\":[");
        json::write_u64(out, flow.vlan[0].into());
        if flow.vlan[1] != 0 {
            out.push(b',');
            json::write_u64(out, flow.vlan[1].into());
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"src_ip\":\"");
    json::write_ip(out, src);
    out.push(b'"');
    if has_ports(proto) {
        out.extend_from_slice(b",\"src_port\":");
        json::write_u64(out, sport.into());
    }
    out.extend_from_slice(b",\"dest_ip\":\"");
    json::write_ip(out, dst);
    out.push(b'"');
    if has_ports(proto) {
        out.extend_from_slice(b",\"dest_port\":");
        json::write_u64(out, dport.into());
    }
    out.extend_from_slice(b",\"proto\":\"");
    match proto_static_name(proto) {
        Some(name) => out.extend_from_slice(name.as_bytes()),
        None => json::write_u64(out, proto.into()),
    }
    out.push(b'"');
}

/// Appends one `flow` record (one line, newline included) for a flow that ended.
pub fn write_flow<T>(
    out: &mut Vec<u8>,
    flow: &Flow<T>,
    reason: EndReason,
    app_proto: Option<&str>,
    alerted: bool,
) {
    write_flow_upgraded(out, flow, reason, app_proto, None, alerted);
}

/// `write_flow` for a flow whose protocol changed (SMTP or FTP to TLS, an HTTP tunnel):
/// `app_proto_orig` names the first.
pub fn write_flow_upgraded<T>(
    out: &mut Vec<u8>,
    flow: &Flow<T>,
    reason: EndReason,
    app_proto: Option<&str>,
    app_proto_orig: Option<&str>,
    alerted: bool,
) {
    with_eve_clock(|clock| {
        write_flow_with(out, clock, flow, reason, app_proto, app_proto_orig, alerted)
    });
}

fn write_flow_with<T>(
    out: &mut Vec<u8>,
    clock: &mut EveClock,
    flow: &Flow<T>,
    reason: EndReason,
    app_proto: Option<&str>,
    app_proto_orig: Option<&str>,
    alerted: bool,
) {
    let proto = flow.key.proto;
    let ident = FlowIdent::of(flow);
    write_head_with(out, clock, flow.start, &ident, "flow", false);
    // ICMP flows carry the message types instead of ports.
    if flow.key.is_icmp() {
        if let Some((t, c)) = flow.icmp[TO_SERVER] {
            out.extend_from_slice(b",\"icmp_type\":");
            json::write_u64(out, t.into());
            out.extend_from_slice(b",\"icmp_code\":");
            json::write_u64(out, c.into());
        }
        if let Some((t, c)) = flow.icmp[TO_CLIENT] {
            out.extend_from_slice(b",\"response_icmp_type\":");
            json::write_u64(out, t.into());
            out.extend_from_slice(b",\"response_icmp_code\":");
            json::write_u64(out, c.into());
        }
    }
    if let Some(app) = app_proto {
        out.extend_from_slice(b",\"app_proto\":\"");
        out.extend_from_slice(app.as_bytes());
        out.push(b'"');
    }
    if let Some(orig) = app_proto_orig {
        out.extend_from_slice(b",\"app_proto_orig\":\"");
        out.extend_from_slice(orig.as_bytes());
        out.push(b'"');
    }
    let age = flow.last.secs().saturating_sub(flow.start.secs());
    out.extend_from_slice(b",\"flow\":{\"pkts_toserver\":");
    json::write_u64(out, flow.pkts[TO_SERVER]);
    out.extend_from_slice(b",\"pkts_toclient\":");
    json::write_u64(out, flow.pkts[TO_CLIENT]);
    out.extend_from_slice(b",\"bytes_toserver\":");
    json::write_u64(out, flow.bytes[TO_SERVER]);
    out.extend_from_slice(b",\"bytes_toclient\":");
    json::write_u64(out, flow.bytes[TO_CLIENT]);
    out.extend_from_slice(b",\"start\":");
    write_time(out, clock, flow.start);
    out.extend_from_slice(b",\"end\":");
    write_time(out, clock, flow.last);
    out.extend_from_slice(b",\"age\":");
    json::write_u64(out, age);
    out.extend_from_slice(b",\"state\":\"");
    out.extend_from_slice(flow.state().name().as_bytes());
    out.extend_from_slice(b"\",\"reason\":\"");
    out.extend_from_slice(reason.name().as_bytes());
    out.extend_from_slice(b"\",\"alerted\":");
    json::write_bool(out, alerted);
    out.extend_from_slice(b"},\"community_id\":\"");
    out.extend_from_slice(ident.community_id().as_bytes());
    out.push(b'"');
    if proto == 6 {
        let t = &flow.tcp;
        let all = t.flags[TO_SERVER] | t.flags[TO_CLIENT];
        out.extend_from_slice(b",\"tcp\":{\"tcp_flags\":\"");
        json::write_hex_u8(out, all);
        out.extend_from_slice(b"\",\"tcp_flags_ts\":\"");
        json::write_hex_u8(out, t.flags[TO_SERVER]);
        out.extend_from_slice(b"\",\"tcp_flags_tc\":\"");
        json::write_hex_u8(out, t.flags[TO_CLIENT]);
        out.push(b'"');
        for (bit, field) in [
            (0x02, &b",\"syn\":true"[..]),
            (0x01, b",\"fin\":true"),
            (0x04, b",\"rst\":true"),
            (0x08, b",\"psh\":true"),
            (0x10, b",\"ack\":true"),
            (0x20, b",\"urg\":true"),
            (0x40, b",\"ecn\":true"),
            (0x80, b",\"cwr\":true"),
        ] {
            if all & bit != 0 {
                out.extend_from_slice(field);
            }
        }
        out.extend_from_slice(b",\"state\":\"");
        out.extend_from_slice(t.state.name().as_bytes());
        out.extend_from_slice(b"\"}");
    }
    out.extend_from_slice(b"}\n");
}

/// The `alert` object of an alert record.
#[derive(Clone, Copy, Debug)]
pub struct AlertFields<'a> {
    /// `allowed` for alerts (the sensor is passive: `drop` rules alert and say so in metadata).
    pub action: &'a str,
    pub gid: u32,
    pub signature_id: u32,
    pub rev: u32,
    pub signature: &'a str,
    pub category: &'a str,
    pub severity: u8,
    /// Rule `metadata` as key/value pairs; written as Suricata does: `{"key":["v1","v2"]}`.
    pub metadata: &'a [(String, String)],
    /// The rule's `target`: `Some(true)` when the destination is the target (`dest_ip`),
    /// `Some(false)` when the source is; adds `alert.source` and `alert.target`.
    pub target: Option<bool>,
}

/// Writes an object of a record, key included (`"http":{...}`).
pub type WriteObject<'a> = &'a dyn Fn(&mut Vec<u8>);

/// What an alert record carries besides the alert: the flow's `app_proto` and Community ID,
/// and the object of the transaction the alert came from.
#[derive(Clone, Copy)]
pub struct AlertContext<'a> {
    pub app_proto: Option<&'a str>,
    /// Empty for a packet outside any flow.
    pub community_id: &'a str,
    pub app_object: Option<WriteObject<'a>>,
}

/// Writes one `packet` record: a packet tagged by a rule's `tag` keyword, as Suricata's alert
/// output writes it (`tagged-packets`): the head in the packet's own direction, the captured
/// frame in base64 and its link type.
pub fn write_packet(
    out: &mut Vec<u8>,
    ts: Timestamp,
    flow: &FlowIdent,
    reverse: bool,
    frame: &[u8],
    linktype: u32,
) {
    use base64::Engine as _;
    write_head(out, ts, flow, "packet", reverse);
    out.extend_from_slice(b",\"packet\":\"");
    let start = out.len();
    out.resize(start + frame.len().div_ceil(3) * 4, 0);
    let n = base64::engine::general_purpose::STANDARD
        .encode_slice(frame, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + n);
    out.extend_from_slice(b"\",\"packet_info\":{\"linktype\":");
    json::write_u64(out, linktype.into());
    out.extend_from_slice(b"}}\n");
}

/// Writes one `alert` record: head, `alert` object, `app_proto`, Community ID and, when the
/// alert came from a transaction, that transaction's object.
pub fn write_alert(
    out: &mut Vec<u8>,
    ts: Timestamp,
    flow: &FlowIdent,
    reverse: bool,
    alert: &AlertFields<'_>,
    cx: &AlertContext<'_>,
) {
    let AlertContext {
        app_proto,
        community_id,
        app_object,
    } = *cx;
    write_head(out, ts, flow, "alert", reverse);
    if !community_id.is_empty() {
        out.extend_from_slice(b",\"community_id\":\"");
        out.extend_from_slice(community_id.as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b",\"alert\":{\"action\":\"");
    out.extend_from_slice(alert.action.as_bytes());
    out.extend_from_slice(b"\",\"gid\":");
    json::write_u64(out, alert.gid.into());
    out.extend_from_slice(b",\"signature_id\":");
    json::write_u64(out, alert.signature_id.into());
    out.extend_from_slice(b",\"rev\":");
    json::write_u64(out, alert.rev.into());
    out.extend_from_slice(b",\"signature\":");
    json::write_str(out, alert.signature);
    out.extend_from_slice(b",\"category\":");
    json::write_str(out, alert.category);
    out.extend_from_slice(b",\"severity\":");
    json::write_u64(out, alert.severity.into());
    if let Some(dest_is_target) = alert.target {
        let ep = flow.endpoints;
        let (src, sport, dst, dport) = if reverse {
            (ep.dst, ep.dst_port, ep.src, ep.src_port)
        } else {
            (ep.src, ep.src_port, ep.dst, ep.dst_port)
        };
        let (source, target) = if dest_is_target {
            ((src, sport), (dst, dport))
        } else {
            ((dst, dport), (src, sport))
        };
        for (key, (ip, port)) in [("source", source), ("target", target)] {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":{\"ip\":\"");
            json::write_ip(out, ip);
            out.push(b'"');
            if has_ports(flow.proto) {
                out.extend_from_slice(b",\"port\":");
                json::write_u64(out, port.into());
            }
            out.push(b'}');
        }
    }
    if !alert.metadata.is_empty() {
        out.extend_from_slice(b",\"metadata\":{");
        let mut first = true;
        for (i, (k, _)) in alert.metadata.iter().enumerate() {
            // Each key once, where it first occurs.
            if alert.metadata[..i].iter().any(|(kk, _)| kk == k) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            json::write_str(out, k);
            out.extend_from_slice(b":[");
            let mut first_v = true;
            for (_, v) in alert.metadata.iter().filter(|(kk, _)| kk == k) {
                if !first_v {
                    out.push(b',');
                }
                first_v = false;
                json::write_str(out, v);
            }
            out.push(b']');
        }
        out.push(b'}');
    }
    out.push(b'}');
    if let Some(app) = app_proto {
        out.extend_from_slice(b",\"app_proto\":\"");
        out.extend_from_slice(app.as_bytes());
        out.push(b'"');
    }
    if let Some(write_app) = app_object {
        out.push(b',');
        write_app(out);
    }
    out.extend_from_slice(b"}\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Decoded, TcpHeader, L4};
    use crate::flow::{FlowPacket, FlowTable, FlowTableConfig};
    use crate::time::Timestamp;

    #[test]
    fn flow_record_has_suricata_fields() {
        let mut table = FlowTable::new(FlowTableConfig::default());
        let pkt = |src: &str, sp, dst: &str, dp, flags| Decoded {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_proto: 6,
            l4: L4::Tcp(TcpHeader {
                src_port: sp,
                dst_port: dp,
                flags,
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut out = Vec::new();
        let mut on_end = |f: &mut Flow, r| write_flow(&mut out, f, r, None, false);
        for (i, d) in [
            pkt(
                "128.232.110.120",
                34855,
                "66.35.250.204",
                80,
                TcpHeader::SYN,
            ),
            pkt(
                "66.35.250.204",
                80,
                "128.232.110.120",
                34855,
                TcpHeader::SYN | TcpHeader::ACK,
            ),
        ]
        .iter()
        .enumerate()
        {
            let p = FlowPacket::new(
                Timestamp::from_secs_micros(1_457_868_224, i as u32 * 1000),
                60 + i as u64,
                *d,
            );
            table.process(&p, &mut on_end);
        }
        table.flush(&mut on_end);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["event_type"], "flow");
        assert_eq!(v["timestamp"], "2016-03-13T11:23:44.000000+0000");
        assert_eq!(v["src_ip"], "128.232.110.120");
        assert_eq!(v["src_port"], 34855);
        assert_eq!(v["dest_port"], 80);
        assert_eq!(v["proto"], "TCP");
        assert_eq!(v["community_id"], "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
        assert_eq!(v["flow"]["pkts_toserver"], 1);
        assert_eq!(v["flow"]["bytes_toclient"], 61);
        assert_eq!(v["flow"]["end"], "2016-03-13T11:23:44.001000+0000");
        assert_eq!(v["flow"]["state"], "new");
        assert_eq!(v["flow"]["reason"], "shutdown");
        assert_eq!(v["tcp"]["tcp_flags"], "12");
        assert_eq!(v["tcp"]["syn"], true);
        assert_eq!(v["tcp"]["state"], "syn_recv");
        assert!(v["flow_id"].as_u64().unwrap() < 1 << 51);
    }

    #[test]
    fn alert_record_has_suricata_fields() {
        let ident = FlowIdent {
            flow_id: Some(42),
            pcap_cnt: None,
            vlan: [0, 0],
            endpoints: crate::flow::Endpoints {
                src: "10.0.0.1".parse().unwrap(),
                dst: "10.0.0.2".parse().unwrap(),
                src_port: 40000,
                dst_port: 80,
            },
            proto: 6,
            icmp: None,
        };
        let metadata = vec![
            ("mitre_technique_id".to_string(), "T1190".to_string()),
            ("tag".to_string(), "sqli".to_string()),
            ("tag".to_string(), "portal".to_string()),
        ];
        let alert = AlertFields {
            action: "allowed",
            gid: 1,
            signature_id: 9000001,
            rev: 2,
            signature: "ELECTION SQL \"injection\"",
            category: "Web Application Attack",
            severity: 1,
            metadata: &metadata,
            target: Some(false),
        };
        let mut out = Vec::new();
        let app = |o: &mut Vec<u8>| o.extend_from_slice(b"\"http\":{\"url\":\"/x\"}");
        let cx = AlertContext {
            app_proto: Some("http"),
            community_id: "1:abc",
            app_object: Some(&app),
        };
        write_alert(&mut out, Timestamp::ZERO, &ident, true, &alert, &cx);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["event_type"], "alert");
        assert_eq!(
            v["src_port"], 80,
            "reversed: the record is about a server-to-client packet"
        );
        assert_eq!(v["alert"]["signature_id"], 9000001);
        // `target:src_ip` on a reversed alert: the alert's source (the server) is the source.
        assert_eq!(v["alert"]["target"]["port"], v["src_port"]);
        assert_eq!(v["alert"]["source"]["ip"], v["dest_ip"]);
        assert_eq!(v["alert"]["signature"], "ELECTION SQL \"injection\"");
        assert_eq!(
            v["alert"]["metadata"]["tag"],
            serde_json::json!(["sqli", "portal"])
        );
        assert_eq!(v["app_proto"], "http");
        assert_eq!(v["http"]["url"], "/x");
    }
}
