//! EVE JSON records with Suricata's field names, so Filebeat's Suricata module, Splunk, EveBox
//! and the rest read them as they are. Fields of our own would go under `sensor`, which Suricata
//! never uses.

use std::io::Write;
use std::net::IpAddr;

use crate::flow::community_id::community_id_v1;
use crate::flow::{EndReason, Flow, TO_CLIENT, TO_SERVER};

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

/// Appends one `flow` record (one line, newline included) for a flow that ended.
pub fn write_flow<T>(out: &mut Vec<u8>, flow: &Flow<T>, reason: EndReason) {
    let ep = flow.endpoints();
    let proto = flow.key.proto;
    let _ = write!(
        out,
        "{{\"timestamp\":\"{}\",\"flow_id\":{},\"event_type\":\"flow\"",
        flow.start.eve(),
        flow.flow_id()
    );
    if flow.key.vlan[0] != 0 || flow.key.vlan[1] != 0 {
        if flow.key.vlan[1] != 0 {
            let _ = write!(out, ",\"vlan\":[{},{}]", flow.key.vlan[0], flow.key.vlan[1]);
        } else {
            let _ = write!(out, ",\"vlan\":[{}]", flow.key.vlan[0]);
        }
    }
    let _ = write!(out, ",\"src_ip\":\"{}\"", ep.src);
    if has_ports(proto) {
        let _ = write!(out, ",\"src_port\":{}", ep.src_port);
    }
    let _ = write!(out, ",\"dest_ip\":\"{}\"", ep.dst);
    if has_ports(proto) {
        let _ = write!(out, ",\"dest_port\":{}", ep.dst_port);
    }
    let _ = write!(out, ",\"proto\":\"{}\"", proto_name(proto));
    // ICMP flows carry the message types instead of ports.
    let (cid_sport, cid_dport) = if flow.key.is_icmp() {
        let first = flow.icmp[TO_SERVER]
            .or(flow.icmp[TO_CLIENT])
            .unwrap_or((0, 0));
        if let Some((t, c)) = flow.icmp[TO_SERVER] {
            let _ = write!(out, ",\"icmp_type\":{t},\"icmp_code\":{c}");
        }
        if let Some((t, c)) = flow.icmp[TO_CLIENT] {
            let _ = write!(
                out,
                ",\"response_icmp_type\":{t},\"response_icmp_code\":{c}"
            );
        }
        (first.0 as u16, first.1 as u16)
    } else {
        (ep.src_port, ep.dst_port)
    };
    let age = flow.last.secs().saturating_sub(flow.start.secs());
    let _ = write!(
        out,
        ",\"flow\":{{\"pkts_toserver\":{},\"pkts_toclient\":{},\"bytes_toserver\":{},\"bytes_toclient\":{},\"start\":\"{}\",\"end\":\"{}\",\"age\":{},\"state\":\"{}\",\"reason\":\"{}\",\"alerted\":false}}",
        flow.pkts[TO_SERVER],
        flow.pkts[TO_CLIENT],
        flow.bytes[TO_SERVER],
        flow.bytes[TO_CLIENT],
        flow.start.eve(),
        flow.last.eve(),
        age,
        flow.state().name(),
        reason.name(),
    );
    let cid = community_id_v1(ep.src, ep.dst, proto, cid_sport, cid_dport);
    let _ = write!(out, ",\"community_id\":\"{cid}\"");
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

/// Formats an address as EVE does (IPv6 in its compressed form).
pub fn ip_str(a: IpAddr) -> String {
    a.to_string()
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
        let mut on_end = |f: &mut Flow, r| write_flow(&mut out, f, r);
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
}
