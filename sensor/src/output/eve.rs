//! EVE JSON records with Suricata's field names, so Filebeat's Suricata module, Splunk, EveBox
//! and the rest read them as they are. Fields of our own would go under `sensor`, which Suricata
//! never uses.

use std::io::Write;

use crate::flow::community_id::community_id_v1;
use crate::flow::{EndReason, Flow, TO_CLIENT, TO_SERVER};
use crate::time::Timestamp;

/// Version of the record schema this sensor writes (bumped on any incompatible change).
pub const SCHEMA_VERSION: u32 = 1;

/// Suricata's protocol names for `proto`.
pub fn proto_name(proto: u8) -> std::borrow::Cow<'static, str> {
    match proto {
        1 => "ICMP".into(),
        2 => "IGMP".into(),
        6 => "TCP".into(),
        17 => "UDP".into(),
        47 => "GRE".into(),
        50 => "ESP".into(),
        51 => "AH".into(),
        58 => "IPv6-ICMP".into(),
        132 => "SCTP".into(),
        n => n.to_string().into(),
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

/// Writes the head every record shares: `{"timestamp":..,"flow_id":..,"event_type":..,` VLAN,
/// endpoints and `proto`, with no closing brace. Endpoints are client to server, or the reverse
/// when `reverse` is set (records about server-to-client packets, as Suricata writes them).
pub fn write_head(
    out: &mut Vec<u8>,
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
    let _ = write!(out, "{{\"timestamp\":\"{}\"", ts.eve());
    if let Some(id) = flow.flow_id {
        let _ = write!(out, ",\"flow_id\":{id}");
    }
    if let Some(n) = flow.pcap_cnt {
        let _ = write!(out, ",\"pcap_cnt\":{n}");
    }
    let _ = write!(out, ",\"event_type\":\"{event_type}\"");
    if flow.vlan[1] != 0 {
        let _ = write!(out, ",\"vlan\":[{},{}]", flow.vlan[0], flow.vlan[1]);
    } else if flow.vlan[0] != 0 {
        let _ = write!(out, ",\"vlan\":[{}]", flow.vlan[0]);
    }
    let _ = write!(out, ",\"src_ip\":\"{src}\"");
    if has_ports(proto) {
        let _ = write!(out, ",\"src_port\":{sport}");
    }
    let _ = write!(out, ",\"dest_ip\":\"{dst}\"");
    if has_ports(proto) {
        let _ = write!(out, ",\"dest_port\":{dport}");
    }
    let _ = write!(out, ",\"proto\":\"{}\"", proto_name(proto));
}

/// Appends one `flow` record (one line, newline included) for a flow that ended.
pub fn write_flow<T>(
    out: &mut Vec<u8>,
    flow: &Flow<T>,
    reason: EndReason,
    app_proto: Option<&str>,
    alerted: bool,
) {
    let proto = flow.key.proto;
    let ident = FlowIdent::of(flow);
    write_head(out, flow.start, &ident, "flow", false);
    // ICMP flows carry the message types instead of ports.
    if flow.key.is_icmp() {
        if let Some((t, c)) = flow.icmp[TO_SERVER] {
            let _ = write!(out, ",\"icmp_type\":{t},\"icmp_code\":{c}");
        }
        if let Some((t, c)) = flow.icmp[TO_CLIENT] {
            let _ = write!(
                out,
                ",\"response_icmp_type\":{t},\"response_icmp_code\":{c}"
            );
        }
    }
    if let Some(app) = app_proto {
        let _ = write!(out, ",\"app_proto\":\"{app}\"");
    }
    let age = flow.last.secs().saturating_sub(flow.start.secs());
    let _ = write!(
        out,
        ",\"flow\":{{\"pkts_toserver\":{},\"pkts_toclient\":{},\"bytes_toserver\":{},\"bytes_toclient\":{},\"start\":\"{}\",\"end\":\"{}\",\"age\":{},\"state\":\"{}\",\"reason\":\"{}\",\"alerted\":{}}}",
        flow.pkts[TO_SERVER],
        flow.pkts[TO_CLIENT],
        flow.bytes[TO_SERVER],
        flow.bytes[TO_CLIENT],
        flow.start.eve(),
        flow.last.eve(),
        age,
        flow.state().name(),
        reason.name(),
        alerted,
    );
    let _ = write!(out, ",\"community_id\":\"{}\"", ident.community_id());
    if proto == 6 {
        let t = &flow.tcp;
        let all = t.flags[TO_SERVER] | t.flags[TO_CLIENT];
        let _ = write!(
            out,
            ",\"tcp\":{{\"tcp_flags\":\"{:02x}\",\"tcp_flags_ts\":\"{:02x}\",\"tcp_flags_tc\":\"{:02x}\"",
            all, t.flags[TO_SERVER], t.flags[TO_CLIENT]
        );
        for (bit, name) in [
            (0x02, "syn"),
            (0x01, "fin"),
            (0x04, "rst"),
            (0x08, "psh"),
            (0x10, "ack"),
            (0x20, "urg"),
            (0x40, "ecn"),
            (0x80, "cwr"),
        ] {
            if all & bit != 0 {
                let _ = write!(out, ",\"{name}\":true");
            }
        }
        let _ = write!(out, ",\"state\":\"{}\"}}", t.state.name());
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
        let _ = write!(out, ",\"community_id\":\"{community_id}\"");
    }
    let _ = write!(
        out,
        ",\"alert\":{{\"action\":\"{}\",\"gid\":{},\"signature_id\":{},\"rev\":{},\"signature\":",
        alert.action, alert.gid, alert.signature_id, alert.rev
    );
    super::json::write_str(out, alert.signature);
    out.extend_from_slice(b",\"category\":");
    super::json::write_str(out, alert.category);
    let _ = write!(out, ",\"severity\":{}", alert.severity);
    if !alert.metadata.is_empty() {
        out.extend_from_slice(b",\"metadata\":{");
        let mut first = true;
        let mut seen: Vec<&str> = Vec::new();
        for (k, _) in alert.metadata {
            if seen.contains(&k.as_str()) {
                continue;
            }
            seen.push(k);
            if !first {
                out.push(b',');
            }
            first = false;
            super::json::write_str(out, k);
            out.extend_from_slice(b":[");
            let mut first_v = true;
            for (_, v) in alert.metadata.iter().filter(|(kk, _)| kk == k) {
                if !first_v {
                    out.push(b',');
                }
                first_v = false;
                super::json::write_str(out, v);
            }
            out.push(b']');
        }
        out.push(b'}');
    }
    out.push(b'}');
    if let Some(app) = app_proto {
        let _ = write!(out, ",\"app_proto\":\"{app}\"");
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
        assert_eq!(v["alert"]["signature"], "ELECTION SQL \"injection\"");
        assert_eq!(
            v["alert"]["metadata"]["tag"],
            serde_json::json!(["sqli", "portal"])
        );
        assert_eq!(v["app_proto"], "http");
        assert_eq!(v["http"]["url"], "/x");
    }
}
