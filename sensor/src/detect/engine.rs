//! The signature engine: rules grouped by where they are evaluated (packets, HTTP transactions,
//! DNS messages, TLS handshakes), a multi-pattern prefilter per inspection buffer over the
//! rules' fast patterns, then full verification of the candidates only.
//!
//! The engine is built once and shared read-only by the workers (`Arc`); each worker has its
//! own `DetectCtx` (prefilter scanners, scratch), and each flow a `FlowDetect` (flowbits, the
//! alerted flag). The only state shared between workers is the threshold table.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dataset::{Dataset, DatasetRegistry};
use super::groups::{self, StageIndex};
use super::iptable::IpTable;
use super::mpm::{Backend, Mpm, MpmScanner, MultiPattern, Pattern, Scanner};
use super::rule::{
    inspect, inspect_vars_dce, Action, Buffer, Classifications, DatasetCmd, Direction,
    FlowDirection, FlowState, FlowbitCmd, FlowintOp, FlowintValue, Header, Protocol, Rule,
    RuleError, TagKind, Target, Transforms, Vars, XbitCmd, XbitTrack, MAX_BYTE_VARS,
};
use super::rule::{FileHash, NumCmp};
use super::tag::{HostTags, TagList};
use super::threshold::{RateKey, RateSpec, RateTable, ThresholdType, Track};
use super::xbits::{XbitKey, XbitTable};
use crate::app::dns::DnsMessage;
use crate::app::files::{File, FileNeeds, FileState};
use crate::app::http::{HttpBuffer, HttpTransaction};
use crate::app::tls::TlsRecord;
use crate::decode::checksum::{Csums, Kind};
use crate::decode::{Decoded, L4};
use crate::events::{AppEvent, AppEvents, PacketEvent, PacketEvents};
use crate::output::eve::AlertFields;
use crate::time::Timestamp;

/// Where a signature is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Packet = 0,
    Http = 1,
    Dns = 2,
    Tls = 3,
    /// `tcp-stream` rules: the reassembled stream of a direction.
    Stream = 4,
    /// `file.data` of `smtp` rules: a mail's attachments, per transaction.
    Smtp = 5,
    /// `ssh.*` buffers: a side's identification line and KEXINIT.
    Ssh = 6,
    /// FTP commands (`ftpbounce`, `ftp.*` events) and ftp-data connections
    /// (`ftpdata_command`, their `file.data`).
    Ftp = 7,
    /// `dce_*` keywords: a DCE/RPC call, once per direction when that side completes.
    Dcerpc = 8,
}
const STAGES: usize = 9;

#[derive(Clone, Copy, Debug, Default)]
pub struct EngineConfig {
    /// Sessions picked up without their handshake count as established (Suricata's
    /// `stream.midstream`).
    pub midstream: bool,
    /// Prefilter backend; `None`: the fastest compiled in (Suricata's `mpm-algo: auto`).
    pub mpm: Option<Backend>,
    /// Alerts one packet may raise (Suricata's `packet-alert-max`); 0: Suricata's default,
    /// [`PACKET_ALERT_MAX`].
    pub packet_alert_max: u16,
    /// Which checksums count (Suricata's `stream.checksum-validation` and `checksum-checks`),
    /// as the `*-csum` keywords see them.
    pub checksum: crate::decode::checksum::Policy,
}

/// Suricata's default `packet-alert-max`.
pub const PACKET_ALERT_MAX: u16 = 15;

impl EngineConfig {
    /// The per-packet alert limit in force.
    pub fn packet_alert_max(&self) -> u16 {
        match self.packet_alert_max {
            0 => PACKET_ALERT_MAX,
            n => n,
        }
    }
}

struct Sig {
    rule: Rule,
    category: String,
    severity: u8,
    /// Index into `Engine::alert_series` (the labels its alerts are counted under).
    series: u16,
    stage: Stage,
    /// The header is matched server-to-client (rules on response buffers only).
    response_side: bool,
    /// No `flow` direction and only HTTP buffers that exist in both directions: inspected
    /// on the request and on the response separately.
    two_sided: bool,
    /// No `flow` direction and TLS or SMTP events: inspected as the request side and as the
    /// response side, each alerting.
    events_two_sided: bool,
    /// Of an HTTP rule: which phase of a transaction decides it.
    http_when: HttpWhen,
    /// A stream rule of an application protocol, also inspected on packets of flows that
    /// are not TCP (DNS over UDP).
    packet_too: bool,
    /// A `tcp` stream rule with anchored content, also inspected on each TCP packet's payload.
    /// As in Suricata, a match in both (data at the start of the stream and of its packet)
    /// alerts twice: Suricata inspects the stream when the data is acknowledged, a later
    /// packet.
    tcp_packet_too: bool,
    /// Inspects the packet payload or stream (skipped once a flow's payload is not inspected).
    payload: bool,
    rate: Option<RateSpec>,
    flowbits: Vec<(FlowbitCmd, Vec<u16>, bool)>,
    /// (command, interned name, what it is attached to, expiry seconds).
    xbits: Vec<(XbitCmd, u16, XbitTrack, u32)>,
    /// `flowint`: (variable, operation, value); conditions and actions in rule order.
    flowints: Vec<(u16, FlowintOp, Option<IntValue>)>,
    datasets: Vec<(Buffer, Transforms, DatasetCmd, Arc<Dataset>)>,
    /// `filemd5`/`filesha1`/`filesha256` lists, loaded: (digest, negated, digests).
    file_hashes: Vec<(FileHash, bool, Arc<HashList>)>,
}

/// The digests of one hash list file, as bytes.
type HashList = std::collections::HashSet<Box<[u8]>>;

/// A hash list file as Suricata 7 reads one: a hex digest at the start of each line (what
/// follows it on the line is ignored), of the length the keyword's digest has; blank lines
/// and `#` comments skipped. A malformed line fails the list (and the rule).
fn load_hash_list(path: &Path, kind: FileHash) -> Result<HashList, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut set = HashList::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let hex = line.split_whitespace().next().unwrap_or_default();
        let bytes = (hex.len() == kind.hex_len())
            .then(|| {
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten()
            .ok_or_else(|| format!("{}:{}: not a {kind:?} digest", path.display(), n + 1))?;
        set.insert(bytes.into_boxed_slice());
    }
    Ok(set)
}

/// Whether one file passes a rule's file tests (all of them, D46). `filesize` compares a
/// closed file's size (only `>` may hold for a cut one, its size being a lower bound);
/// digests exist for closed files only, so a hash list, negated or not, never accepts another.
fn file_passes(
    t: &super::rule::FileTests,
    hashes: &[(FileHash, bool, Arc<HashList>)],
    f: &File,
) -> bool {
    for (ext, neg) in &t.ext {
        let is = f.ext().is_some_and(|e| e.eq_ignore_ascii_case(ext));
        if is == *neg {
            return false;
        }
    }
    if let Some(c) = t.size {
        let final_size = f.state == FileState::Closed;
        if !(final_size || matches!(c, NumCmp::Gt(_) | NumCmp::Ge(_))) || !c.matches(f.size) {
            return false;
        }
    }
    for (kind, neg, set) in hashes {
        let digest: Option<&[u8]> = match kind {
            FileHash::Md5 => f.md5.as_ref().map(|d| &d[..]),
            FileHash::Sha1 => f.sha1.as_ref().map(|d| &d[..]),
            FileHash::Sha256 => f.sha256.as_ref().map(|d| &d[..]),
        };
        match digest {
            Some(d) if set.contains(d) != *neg => {}
            _ => return false,
        }
    }
    true
}

/// The files a transaction subject has (HTTP uploads and bodies, SMTP attachments).
fn subject_files<'s>(subject: &Subject<'s>) -> &'s [File] {
    match subject {
        Subject::Http { tx, .. } => tx.files(),
        Subject::Smtp(tx) => &tx.files,
        _ => &[],
    }
}

/// Whether a file is on the side a rule inspects.
fn file_on_side(side: Side, f: &File) -> bool {
    match side {
        Side::Any | Side::Prefilter => true,
        Side::Request => f.to_server,
        Side::Response => !f.to_server,
    }
}

/// A `flowint` operand: a number or another variable (interned).
#[derive(Clone, Copy, Debug)]
enum IntValue {
    Lit(u32),
    Var(u16),
}

/// Prefilter of one signature group.
#[derive(Default)]
struct Prefilter {
    /// Per buffer (and transforms), the automaton over fast patterns (pattern id = signature
    /// index).
    mpms: Vec<((Buffer, Transforms), Mpm)>,
    /// Signatures evaluated whatever the prefilter finds (no usable fast pattern).
    always: Vec<u32>,
    /// Signatures without a fast pattern that need packet events: evaluated only on packets
    /// that carry some (so event rules cost nothing on ordinary packets).
    on_events: Vec<u32>,
    /// Longest fast pattern: a stream scan starts this many bytes minus one before new data.
    max_pattern_len: usize,
}

/// IP-only signatures (evaluated once per flow direction).
#[derive(Default)]
struct IpOnly {
    /// Bidirectional ones, listed...
    list: Vec<u32>,
    /// ...the others found by destination address (indicator lists of thousands of addresses
    /// would otherwise be checked one rule at a time)...
    by_dst: Option<IpTable>,
    /// ...or by source address, whichever side names fewer addresses (`[list] -> $HOME_NET`
    /// rules by destination would make every rule a candidate for every flow to the office).
    by_src: Option<IpTable>,
}

impl IpOnly {
    fn is_empty(&self) -> bool {
        self.list.is_empty() && self.by_dst.is_none() && self.by_src.is_none()
    }
}

/// What loading rule files gave.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub files: usize,
    pub loaded: usize,
    pub errors: Vec<RuleError>,
    /// Problems with datasets named by rules (the rule is skipped).
    pub dataset_errors: Vec<String>,
    /// Rules written with `drop` or `reject*`: this passive sensor alerts on them instead.
    pub inline_as_alert: usize,
}

pub struct Engine {
    sigs: Vec<Sig>,
    /// Prefilter groups of all stages (see `groups`); `DetectCtx::scanners` parallels it.
    groups: Vec<Prefilter>,
    /// Per stage, which group a subject uses.
    stages: [StageIndex; STAGES],
    /// IP-only signatures (packet stage), evaluated once per flow direction.
    ip_only: IpOnly,
    rates: RateTable,
    xbits: XbitTable,
    /// Host tags (`tag:host`), shared by the workers.
    host_tags: HostTags,
    config: EngineConfig,
    /// Distinguishes engines across reloads: per-flow state made with another engine (flowbit
    /// ids) is reset rather than misread. (32 bits: every flow stores one.)
    id: u32,
    /// The distinct label sets alerts are counted under (`sensor_alerts_total`).
    alert_series: Vec<AlertSeries>,
    /// Packet events judged at inspection, only when some rule asks for them (TCP options
    /// are not walked otherwise).
    lazy_events: PacketEvents,
    /// Some rules name an event of the TCP session state machine (`flow::tcp_ssn`): only
    /// then is it run.
    tcp_session_events: bool,
    /// See `wants_second_probe`.
    second_probe: bool,
    /// See `wants_depth_event`.
    depth_event: bool,
    /// Some rules name one of protocol detection's events (`applayer_*`).
    applayer_events: bool,
    /// Digests the loaded file keywords need (`filestore` needs SHA-256, file-store v2's
    /// name).
    file_needs: FileNeeds,
    /// Checksum kinds loaded rules name (`checksum::Kind` bits): computed per packet only
    /// then.
    csum_kinds: u8,
    /// Some HTTP rules are decided by the request (`HttpPhase::Request` has work).
    http_request_rules: bool,
}

/// What alerts are counted by in the metrics: few distinct values, never free text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertSeries {
    /// The rule's `classtype` (`trojan-activity`, ...), or `none`.
    pub classtype: String,
    /// 1 (high) to 4, as in EVE `alert.severity`.
    pub severity: u8,
    /// The rule file's name without `.rules` (`election-portal`, `emerging-malware`, ...).
    pub pack: String,
}

/// A rule pack's name: its file name without `.rules`.
fn pack_name(file: &Path) -> String {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("rules");
    name.strip_suffix(".rules").unwrap_or(name).to_string()
}

/// Packet events judged at inspection time (from the frame) rather than by the decoder.
const LAZY_EVENTS: &[PacketEvent] = &[PacketEvent::TcpOptInvalidLen, PacketEvent::TcpOptDuplicate];

/// IPv4 addresses as IPv4-mapped IPv6 keys (`::ffff:a.b.c.d`), as the IP tables store them.
const V4_MAPPED: u128 = 0xffff_0000_0000;

/// Source of engine ids.
static NEXT_ENGINE_ID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Per-worker detection scratch: prefilter scanners and candidate bookkeeping.
pub struct DetectCtx {
    scanners: Vec<Vec<MpmScanner>>,
    /// Stamp per signature of the last evaluation round it was queued in.
    seen: Vec<u32>,
    round: u32,
    candidates: Vec<u32>,
    /// Candidates the prefilter found in this round's new stream data.
    fresh: Vec<u32>,
    /// Where transformed buffers are built.
    scratch: [Vec<u8>; 2],
    /// The packet events of the subject being inspected (lazy ones included).
    pkt_events: PacketEvents,
    /// Its checksums, of the kinds loaded rules name (`*-csum`).
    csums: Csums,
    /// The packet's TCP checksum is wrong but not judged (`checksum-checks: auto`, decided
    /// by the stream's validation from the flow, D30): `tcpv4-csum`/`tcpv6-csum` see it valid.
    pub tcp_checksum_unchecked: bool,
    pub alerts: u64,
    /// Matches a `threshold` or `detection_filter` kept from becoming alerts (Suricata's
    /// `detect.alerts_suppressed`).
    pub alerts_suppressed: u64,
    /// Alerts per `Engine::alert_series` entry.
    pub alerts_by_series: Vec<u64>,
    /// Alerts per signature (by index; `Engine::alert_fields` names it).
    pub alerts_by_rule: Vec<u64>,
    /// Alerts raised for the packet being processed (its packet rules, stream chunks and
    /// transactions; a flow's end counts as a packet of its own, Suricata's pseudo-packet).
    packet_alerts: u16,
    /// Matches dropped because their packet had raised `packet-alert-max` alerts already
    /// (Suricata's `detect.alert_queue_overflow`).
    pub alert_queue_overflow: u64,
    /// Signatures with `filestore` that matched since the caller last cleared it: their
    /// files are stored whether the match alerts or not (`filestore; noalert;` stores all).
    pub file_stores: Vec<u32>,
}

impl DetectCtx {
    /// A new packet (or a flow's end) is about to be inspected: its alert budget starts afresh.
    #[inline]
    pub fn begin_packet(&mut self) {
        self.packet_alerts = 0;
        self.tcp_checksum_unchecked = false;
    }
}

/// Detection state of one flow. Every flow carries one: what only flows with flowbits or
/// stream rules need is allocated when first used.
#[derive(Debug, Default)]
pub struct FlowDetect {
    more: Option<Box<FlowDetectMore>>,
    pub alerted: bool,
    /// `IP_ONLY_DONE << dir`: IP-only rules were evaluated for that direction;
    /// `NO_PAYLOAD`: packet payload and stream content are no longer inspected (encrypted
    /// TLS); `PASSED`: a pass rule passed the whole flow, nothing of it is inspected. One byte: every flow carries this struct (16 bytes, pinned by a size test).
    flags: u8,
    engine: u32,
}

const IP_ONLY_DONE: u8 = 1;
const NO_PAYLOAD: u8 = 4;
const PASSED: u8 = 8;

#[derive(Debug, Default)]
struct FlowDetectMore {
    /// Flowbits set on this flow (interned ids of engine `engine`).
    bits: Vec<u16>,
    /// `flowint` variables set on this flow (interned ids, values).
    ints: Vec<(u16, u32)>,
    /// Per direction, stream-rule candidates whose fast pattern was found in data that may
    /// still be in the inspected tail: (signature, stream offset where the scanned region
    /// ended). The prefilter scans only new data; these stand in for re-scanning the tail.
    stream_carried: [Vec<(u32, u64)>; 2],
    /// Session tags (`tag:session`) in force on this flow.
    tags: TagList,
}

impl FlowDetect {
    fn more(&mut self) -> &mut FlowDetectMore {
        self.more.get_or_insert_with(Default::default)
    }

    /// Packets and stream data of this flow are no longer inspected by content rules (as
    /// Suricata's `FlowSetNoPayloadInspectionFlag`); rules without payload content still run.
    pub fn stop_payload_inspection(&mut self) {
        self.flags |= NO_PAYLOAD;
        if let Some(m) = &mut self.more {
            m.stream_carried = Default::default();
        }
    }

    pub fn payload_inspection_stopped(&self) -> bool {
        self.flags & NO_PAYLOAD != 0
    }

    /// A pass rule passed the flow: no later packet, stream chunk or transaction of it is
    /// inspected (Suricata's flow pass action).
    pub fn passed(&self) -> bool {
        self.flags & PASSED != 0
    }

    fn ip_only_done(&self, dir: usize) -> bool {
        self.flags & (IP_ONLY_DONE << (dir & 1)) != 0
    }

    fn has_bit(&self, id: &u16) -> bool {
        self.more.as_ref().is_some_and(|m| m.bits.contains(id))
    }

    fn int(&self, id: u16) -> Option<u32> {
        let m = self.more.as_ref()?;
        m.ints.iter().find(|(i, _)| *i == id).map(|(_, v)| *v)
    }

    fn set_int(&mut self, id: u16, v: u32) {
        let ints = &mut self.more().ints;
        match ints.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = v,
            None => ints.push((id, v)),
        }
    }

    /// A `flowint` condition (Suricata: the variable must be set, an unset operand
    /// variable counts as 0).
    fn int_test(&self, id: u16, op: FlowintOp, value: Option<IntValue>) -> bool {
        let have = self.int(id);
        if op == FlowintOp::IsSet {
            return have.is_some();
        }
        if op == FlowintOp::NotSet {
            return have.is_none();
        }
        let Some(have) = have else {
            return false;
        };
        let want = match value {
            Some(IntValue::Lit(n)) => n,
            Some(IntValue::Var(v)) => self.int(v).unwrap_or(0),
            None => 0,
        };
        match op {
            FlowintOp::Eq => have == want,
            FlowintOp::Ne => have != want,
            FlowintOp::Lt => have < want,
            FlowintOp::Le => have <= want,
            FlowintOp::Gt => have > want,
            FlowintOp::Ge => have >= want,
            _ => true,
        }
    }

    /// A `flowint` action after a match: `=` sets, `+` adds (an unset variable starts at
    /// the value), `-` subtracts (an unset variable stays unset). u32 arithmetic wraps.
    fn int_apply(&mut self, id: u16, op: FlowintOp, value: Option<IntValue>) {
        let v = match value {
            Some(IntValue::Lit(n)) => n,
            Some(IntValue::Var(x)) => self.int(x).unwrap_or(0),
            None => return,
        };
        match (op, self.int(id)) {
            (FlowintOp::Set, _) | (FlowintOp::Add, None) => self.set_int(id, v),
            (FlowintOp::Add, Some(cur)) => self.set_int(id, cur.wrapping_add(v)),
            (FlowintOp::Sub, Some(cur)) => self.set_int(id, cur.wrapping_sub(v)),
            _ => {}
        }
    }
}

/// The flow facts rules test.
#[derive(Clone, Copy, Debug)]
pub struct FlowFacts {
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub proto: u8,
    /// TCP handshake seen, or (UDP/ICMP) both directions seen.
    pub established: bool,
    /// Both directions seen without a handshake (mid-stream pickup).
    pub midstream_established: bool,
    /// TCP: each direction's sequence base (SYN sequence number, or one less than its first
    /// segment's), for `stream_size`; index 0 is client to server.
    pub tcp_base_seq: [Option<u32>; 2],
    pub app: Option<crate::app::AppProto>,
    /// Whole seconds from the flow's first packet to its latest (Suricata's `flow.age`:
    /// the difference of the two times' seconds); `None` for a packet without a flow.
    pub age: Option<u32>,
}

/// Which part of an HTTP transaction an inspection covers. Suricata inspects a request as
/// soon as it is complete, without waiting for the response (which may take minutes, or end
/// only with the connection); the sensor does the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpPhase {
    /// The request just finished, the response has not: the rules the request alone decides
    /// (`HttpWhen::Request`), and the request side of rules inspected on both sides.
    Request,
    /// The transaction is done and its request was inspected already: every other rule.
    Rest,
    /// The transaction is done and nothing of it was inspected before: every rule.
    Whole,
}

/// When an HTTP rule can be decided (see [`HttpPhase`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HttpWhen {
    /// On the request alone: request buffers only (or buffers of both directions read on the
    /// request side), no app-layer events, not `flow:to_client`.
    Request,
    /// Inspected on the request and on the response separately (`Sig::two_sided`), each
    /// side when it is there.
    EachSide,
    /// Needs the response, or events of the whole transaction.
    Complete,
}

/// What is being inspected.
pub enum Subject<'a> {
    Packet {
        decoded: &'a Decoded,
        /// The frame (or reassembled datagram) `decoded` describes: header buffers.
        frame: &'a [u8],
        payload: &'a [u8],
        dir: usize,
        /// Decoder and stream events of the packet.
        events: PacketEvents,
    },
    /// In-order reassembled bytes of one direction of a TCP flow: the tail of what was
    /// inspected before (`data[..seen]`, so a match may span chunks) and the new bytes.
    Stream {
        data: &'a [u8],
        dir: usize,
        seen: usize,
        /// Offset of `data[0]` in the direction's stream.
        offset: u64,
        /// The payload of one TCP segment kept out of reassembly (no session, or rejected by
        /// it), inspected as Suricata inspects such a packet's payload with the rules it
        /// would match on the stream; `seen` and `offset` are 0.
        lone: bool,
    },
    /// An HTTP transaction, or the part of it `phase` says.
    Http {
        tx: &'a HttpTransaction,
        phase: HttpPhase,
    },
    Dns {
        msg: &'a DnsMessage,
        dir: usize,
        /// A message after this one in the same delivery did not parse: Suricata's
        /// `dns.malformed_data` lands on this, the flow's latest transaction.
        malformed: bool,
    },
    Tls(&'a TlsRecord),
    /// An SMTP transaction (its attachments are the `file.data` of smtp rules).
    Smtp(&'a crate::app::smtp::SmtpTx),
    /// What one side of an SSH session has sent (`dir`), once its identification line or
    /// its KEXINIT is complete (`ready`: 1 the line, 2 the HASSH).
    Ssh {
        tx: &'a crate::app::ssh::SshTx,
        dir: usize,
        ready: u8,
        /// Parser events not yet inspected in this direction.
        events: AppEvents,
    },
    /// An FTP command and its reply, inspected for the direction `dir`.
    Ftp {
        tx: &'a crate::app::ftp::FtpTx,
        dir: usize,
    },
    /// An FTP data connection, at its end.
    FtpData(&'a crate::app::ftp_data::FtpDataTx),
    /// A DCE/RPC call, inspected in direction `dir` (its request or its response side),
    /// with the binding in force.
    Dcerpc {
        tx: &'a crate::app::dcerpc::DcerpcTx,
        binding: &'a crate::app::dcerpc::Binding,
        dir: usize,
    },
}

impl Subject<'_> {
    fn stage(&self) -> Stage {
        match self {
            Subject::Packet { .. } => Stage::Packet,
            Subject::Http { .. } => Stage::Http,
            Subject::Dns { .. } => Stage::Dns,
            Subject::Tls(_) => Stage::Tls,
            Subject::Stream { .. } => Stage::Stream,
            Subject::Smtp(_) => Stage::Smtp,
            Subject::Ssh { .. } => Stage::Ssh,
            Subject::Ftp { .. } | Subject::FtpData(_) => Stage::Ftp,
            Subject::Dcerpc { .. } => Stage::Dcerpc,
        }
    }
}

fn stage_of(rule: &Rule) -> Stage {
    let payload_only =
        rule.buffers.iter().all(|b| b.buffer == Buffer::Payload) && rule.datasets.is_empty();
    // `tcp-stream` rules, and `tcp` rules with payload content (Suricata inspects those on the
    // reassembled stream), unless they ask for packets only.
    // Rules of an application protocol with payload content (`alert dns ... content:...`)
    // likewise inspect the stream of TCP flows; DNS over UDP they inspect per packet
    // (`packet_too`).
    let stream_proto = match rule.header.protocol {
        Protocol::TcpStream | Protocol::App(_) => true,
        Protocol::Tcp => !rule
            .flow
            .is_some_and(|f| f.stream == Some(super::rule::StreamMode::NoStream)),
        _ => false,
    };
    // Packet keywords (`dsize`, `flags`, ...) make a rule inspect packet payloads (Suricata's
    // "requires packet"): they mean nothing on a reassembled stream.
    if stream_proto
        && payload_only
        && !rule.buffers.is_empty()
        && !has_packet_keywords(rule)
        && rule.ftp == Default::default()
    {
        return Stage::Stream;
    }
    // `tls.version` alone is a handshake test; DNS and HTTP events and `dns.opcode` are tests
    // of a message or transaction.
    let event_proto = |p| rule.app_events.iter().any(|e| e.proto() == p);
    let mut stage = if rule.tls_version.is_some()
        || rule.tls_chain_len.is_some()
        || event_proto(crate::app::AppProto::Tls)
    {
        Stage::Tls
    } else if rule.dns_opcode.is_some()
        || rule
            .app_events
            .iter()
            .any(|e| e.proto() == crate::app::AppProto::Dns)
    {
        Stage::Dns
    } else if event_proto(crate::app::AppProto::Smtp) {
        Stage::Smtp
    } else if event_proto(crate::app::AppProto::Ssh) {
        Stage::Ssh
    } else if event_proto(crate::app::AppProto::Ftp) || rule.ftp != Default::default() {
        Stage::Ftp
    } else if !rule.dce_iface.is_empty() || !rule.dce_opnum.is_empty() {
        Stage::Dcerpc
    } else if !rule.app_events.is_empty() {
        Stage::Http
    } else {
        Stage::Packet
    };
    let buffers = rule
        .buffers
        .iter()
        .map(|b| b.buffer)
        .chain(rule.datasets.iter().map(|d| d.buffer));
    for b in buffers {
        stage = match b {
            Buffer::Payload => continue,
            b if b.is_packet_header() => Stage::Packet,
            Buffer::DnsQuery => Stage::Dns,
            Buffer::FileData | Buffer::FileName
                if rule.header.protocol == Protocol::App(crate::app::AppProto::Smtp) =>
            {
                Stage::Smtp
            }
            Buffer::FileData
                if rule.header.protocol == Protocol::App(crate::app::AppProto::FtpData) =>
            {
                Stage::Ftp
            }
            Buffer::TlsSni
            | Buffer::TlsCertSubject
            | Buffer::TlsCertIssuer
            | Buffer::TlsCertSerial
            | Buffer::TlsCerts
            | Buffer::TlsCertFingerprint
            | Buffer::Ja3Hash
            | Buffer::Ja3String
            | Buffer::Ja3sHash
            | Buffer::Ja3sString
            | Buffer::Ja4Hash => Stage::Tls,
            Buffer::SshProto
            | Buffer::SshSoftware
            | Buffer::SshHassh
            | Buffer::SshHasshString
            | Buffer::SshHasshServer
            | Buffer::SshHasshServerString => Stage::Ssh,
            Buffer::DceStubData => Stage::Dcerpc,
            _ => Stage::Http,
        };
    }
    // File keywords alone are tests of a transaction's files.
    if rule.files.is_some() && stage == Stage::Packet {
        stage = if rule.header.protocol == Protocol::App(crate::app::AppProto::Smtp) {
            Stage::Smtp
        } else {
            Stage::Http
        };
    }
    stage
}

/// An `ip`/`tcp` rule on `file.data` alone: as in Suricata, it inspects the files of every
/// protocol that has them, so SMTP attachments as well as HTTP bodies.
fn files_of_any_protocol(rule: &Rule) -> bool {
    let file_buffer = |b: Buffer| matches!(b, Buffer::FileData | Buffer::FileName);
    matches!(rule.header.protocol, Protocol::Ip | Protocol::Tcp)
        && (!rule.buffers.is_empty() || rule.files.is_some())
        && rule.buffers.iter().all(|b| file_buffer(b.buffer))
        && rule.datasets.iter().all(|d| file_buffer(d.buffer))
        && rule.app_events.is_empty()
        && rule.urilen.is_none()
}

/// A header protocol that is an application protocol (Suricata's app-layer signatures).
fn app_layer_header(p: Protocol) -> bool {
    !matches!(
        p,
        Protocol::Ip
            | Protocol::Tcp
            | Protocol::Udp
            | Protocol::Icmp
            | Protocol::Icmpv6
            | Protocol::TcpPkt
            | Protocol::TcpStream
            | Protocol::Pkthdr
    )
}

fn has_packet_keywords(rule: &Rule) -> bool {
    !rule.packet_events.is_empty()
        || rule.icmp_id.is_some()
        || rule.icmp_seq.is_some()
        || rule.dsize.is_some()
        || !rule.stream_size.is_empty()
        || rule.flags.is_some()
        || rule.ttl.is_some()
        || rule.flow_age.is_some()
        || rule.itype.is_some()
        || rule.icode.is_some()
        || rule.ip_proto.is_some()
        || rule.csum != Csums::default()
        || rule.ipopts.is_some()
}

/// A stream rule (`tcp` or an application protocol, not `tcp-stream` or `only_stream`) with
/// payload content anchored by `offset`/`depth`/`startswith`: as in Suricata, it is also
/// inspected on each TCP packet's payload, where such anchors usually point (a reply at the
/// start of a segment is rarely at the start of the stream).
fn anchored_tcp_rule(rule: &Rule) -> bool {
    let only_stream = rule
        .flow
        .is_some_and(|f| f.stream == Some(super::rule::StreamMode::OnlyStream));
    rule.header.protocol != Protocol::TcpStream
        && !only_stream
        && rule.matchers(Buffer::Payload).is_some_and(|ms| {
            ms.iter().any(|m| {
                matches!(m, super::rule::Matcher::Content(c)
                    if !c.is_relative() && (c.depth.is_some() || c.has_offset || c.startswith))
            })
        })
}

/// HTTP buffers that exist in the request and in the response.
fn is_two_way_http(b: Buffer) -> bool {
    matches!(
        b,
        Buffer::HttpHeader
            | Buffer::HttpHeaderRaw
            | Buffer::HttpHeaderNames
            | Buffer::HttpStart
            | Buffer::HttpCookie
            | Buffer::HttpContentType
            | Buffer::HttpConnection
            | Buffer::HttpContentLen
    )
}

fn is_response_buffer(b: Buffer) -> bool {
    matches!(
        b,
        Buffer::HttpStatCode
            | Buffer::HttpStatMsg
            | Buffer::HttpResponseLine
            | Buffer::FileData
            | Buffer::HttpServer
            | Buffer::HttpLocation
            | Buffer::HttpResponseHeader
            | Buffer::TlsCertSubject
            | Buffer::TlsCertIssuer
            | Buffer::TlsCertSerial
            | Buffer::TlsCerts
            | Buffer::TlsCertFingerprint
            | Buffer::Ja3sHash
            | Buffer::Ja3sString
    )
}

impl Engine {
    /// Builds the engine from rule texts (`(file, text)`); rules that fail to parse, or name
    /// datasets that cannot be loaded, are reported and skipped.
    pub fn build(
        sources: &[(PathBuf, String)],
        vars: &Vars,
        classes: &Classifications,
        config: EngineConfig,
    ) -> (Engine, LoadReport) {
        let mut report = LoadReport {
            files: sources.len(),
            ..Default::default()
        };
        let mut rules = Vec::new();
        let mut seen_ids: HashMap<(u32, u32), ()> = HashMap::new();
        for (file, text) in sources {
            let (parsed, errors) = super::rule::parse_rules(text, file, vars);
            report.errors.extend(errors);
            for r in parsed {
                // The same gid:sid in two files: the first one loaded wins.
                if seen_ids.insert((r.gid, r.sid), ()).is_none() {
                    rules.push((file.clone(), r));
                }
            }
        }
        let mut names: HashMap<String, u16> = HashMap::new();
        let mut intern = |n: &str| -> u16 {
            let next = names.len() as u16;
            *names.entry(n.to_string()).or_insert(next)
        };
        let mut xbit_names: HashMap<String, u16> = HashMap::new();
        let mut int_names: HashMap<String, u16> = HashMap::new();
        let mut intern_int = |n: &str| -> u16 {
            let next = int_names.len() as u16;
            *int_names.entry(n.to_string()).or_insert(next)
        };
        let mut registry = DatasetRegistry::new();
        let mut alert_series: Vec<AlertSeries> = Vec::new();
        let mut series_index: HashMap<AlertSeries, u16> = HashMap::new();
        let mut sigs = Vec::with_capacity(rules.len());
        'rules: for (file, rule) in rules {
            // Files a rule names (dataset `load`, hash lists) are relative to the rule file's
            // directory (the rule's own directory when run as `-S file`, as Suricata's
            // suricata-verify cases lay them out); a file that does not load drops the rule.
            let beside_rules = |name: &str| {
                let p = Path::new(name);
                if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    file.parent().unwrap_or(Path::new(".")).join(p)
                }
            };
            let load_error = |e: &dyn std::fmt::Display| {
                format!("{}:{}: sid {}: {e}", file.display(), rule.line, rule.sid)
            };
            let mut datasets = Vec::new();
            for d in &rule.datasets {
                let load = d.dataset.load.as_deref().map(beside_rules);
                match registry.get_or_load(&d.dataset.name, d.dataset.kind, load.as_deref()) {
                    Ok(set) => datasets.push((d.buffer, d.transforms, d.dataset.cmd, set)),
                    Err(e) => {
                        report.dataset_errors.push(load_error(&e));
                        continue 'rules;
                    }
                }
            }
            let mut file_hashes = Vec::new();
            for (kind, name, neg) in rule.files.iter().flat_map(|t| t.hashes.iter()) {
                match load_hash_list(&beside_rules(name), *kind) {
                    Ok(set) => file_hashes.push((*kind, *neg, Arc::new(set))),
                    Err(e) => {
                        report.dataset_errors.push(load_error(&e));
                        continue 'rules;
                    }
                }
            }
            let flowbits = rule
                .flowbits
                .iter()
                .map(|f| (f.cmd, f.names.iter().map(|n| intern(n)).collect(), f.any))
                .collect();
            let xbits = rule
                .xbits
                .iter()
                .map(|x| {
                    let next = xbit_names.len() as u16;
                    let id = *xbit_names.entry(x.name.clone()).or_insert(next);
                    (x.cmd, id, x.track, x.expire)
                })
                .collect();
            let flowints = rule
                .flowints
                .iter()
                .map(|f| {
                    let value = f.value.as_ref().map(|v| match v {
                        FlowintValue::Lit(n) => IntValue::Lit(*n),
                        FlowintValue::Var(name) => IntValue::Var(intern_int(name)),
                    });
                    (intern_int(&f.name), f.op, value)
                })
                .collect();
            let classtype = rule.classtype.as_deref();
            let category = classtype
                .and_then(|c| classes.description(c))
                .unwrap_or("")
                .to_string();
            let severity = classes.rule_priority(classtype, rule.priority);
            let key = AlertSeries {
                classtype: classtype.unwrap_or("none").to_string(),
                severity,
                pack: pack_name(&file),
            };
            let series = *series_index.entry(key.clone()).or_insert_with(|| {
                alert_series.push(key);
                (alert_series.len() - 1) as u16
            });
            let rate = rule.detection_filter.map(|t| RateSpec::DetectionFilter {
                track: t.track,
                count: t.count,
                seconds: t.seconds,
            });
            let rate = rate.or(rule.threshold.map(|t| RateSpec::Threshold {
                kind: t.kind.unwrap_or(ThresholdType::Threshold),
                track: t.track,
                count: t.count,
                seconds: t.seconds,
            }));
            let stage = stage_of(&rule);
            let tcp_packet_too = stage == Stage::Stream && anchored_tcp_rule(&rule);
            let packet_too = stage == Stage::Stream
                && match rule.header.protocol {
                    Protocol::App(p) => {
                        use crate::app::AppProto as A;
                        matches!(p, A::Http | A::Tls | A::Dns)
                            || p.over(crate::app::registry::Transport::Udp)
                    }
                    _ => false,
                };
            let app_buffers: Vec<Buffer> = rule
                .buffers
                .iter()
                .map(|b| b.buffer)
                .filter(|b| *b != Buffer::Payload)
                .collect();
            // Transactions and handshakes are matched client to server unless the rule is
            // about the response: `flow:to_client`, or only response buffers.
            let no_direction = rule.flow.and_then(|f| f.direction).is_none();
            // So is a rule of HTTP events alone without a direction (Suricata inspects the
            // transaction's events once per direction).
            let http_events_only = app_buffers.is_empty()
                && !rule.app_events.is_empty()
                && rule
                    .app_events
                    .iter()
                    .all(|e| e.proto() == crate::app::AppProto::Http);
            let two_sided = no_direction
                && ((!app_buffers.is_empty() && app_buffers.iter().all(|b| is_two_way_http(*b)))
                    || http_events_only)
                && rule.urilen.is_none();
            // TLS and SMTP events belong to the flow's transaction, which Suricata inspects
            // once per direction: a rule without a direction alerts on each.
            let events_two_sided = no_direction
                && app_buffers.is_empty()
                && rule.app_events.iter().any(|e| {
                    matches!(
                        e.proto(),
                        crate::app::AppProto::Tls | crate::app::AppProto::Smtp
                    )
                });
            // `file.data` of a `flow:to_server` rule is the request's files (uploads).
            let to_server = rule
                .flow
                .is_some_and(|f| f.direction == Some(FlowDirection::ToServer));
            let response_side = rule
                .flow
                .is_some_and(|f| f.direction == Some(FlowDirection::ToClient))
                || (!app_buffers.is_empty()
                    && app_buffers.iter().all(|b| is_response_buffer(*b))
                    && !(to_server && app_buffers.iter().all(|b| *b == Buffer::FileData)));
            let http_when = if two_sided && rule.app_events.is_empty() {
                HttpWhen::EachSide
            } else if !two_sided
                && !response_side
                && rule.app_events.is_empty()
                && rule.files.is_none()
                && !app_buffers
                    .iter()
                    .any(|b| is_response_buffer(*b) || *b == Buffer::FileName)
                && !rule.datasets.iter().any(|d| is_response_buffer(d.buffer))
            {
                HttpWhen::Request
            } else {
                HttpWhen::Complete
            };
            let payload = rule.buffers.iter().any(|b| b.buffer == Buffer::Payload);
            sigs.push(Sig {
                payload,
                rule,
                category,
                severity,
                series,
                stage,
                response_side,
                two_sided,
                events_two_sided,
                http_when,
                packet_too,
                tcp_packet_too,
                rate,
                flowbits,
                xbits,
                flowints,
                datasets,
                file_hashes,
            });
        }
        // Evaluation order, as Suricata's: pass rules first (they silence alerts); then by
        // flowbits: rules that only change them (set, unset, toggle), rules that test and
        // change them, rules that only test them, rules without; the same for xbits; then by
        // sid.
        fn bits_rank(reads: bool, writes: bool) -> u8 {
            match (writes, reads) {
                (true, false) => 0,
                (true, true) => 1,
                (false, true) => 2,
                (false, false) => 3,
            }
        }
        sigs.sort_by_key(|s| {
            let pass = s.rule.header.action != Action::Pass;
            let is_read = |c: FlowbitCmd| matches!(c, FlowbitCmd::IsSet | FlowbitCmd::IsNotSet);
            let is_write = |c: FlowbitCmd| {
                matches!(c, FlowbitCmd::Set | FlowbitCmd::Unset | FlowbitCmd::Toggle)
            };
            let flowbits = bits_rank(
                s.flowbits.iter().any(|f| is_read(f.0)),
                s.flowbits.iter().any(|f| is_write(f.0)),
            );
            let xread = |c: XbitCmd| matches!(c, XbitCmd::IsSet | XbitCmd::IsNotSet);
            let xbits = bits_rank(
                s.xbits.iter().any(|x| xread(x.0)),
                s.xbits.iter().any(|x| !xread(x.0)),
            );
            (pass, flowbits, xbits, s.rule.sid)
        });
        report.loaded = sigs.len();
        let csum_kinds = sigs
            .iter()
            .fold(0, |k, s| k | s.rule.csum.valid | s.rule.csum.invalid);
        let http_request_rules = sigs
            .iter()
            .any(|s| s.stage == Stage::Http && s.http_when != HttpWhen::Complete);
        let mut lazy_events = PacketEvents::NONE;
        let mut tcp_session_events = false;
        let mut second_probe = false;
        let mut applayer_events = false;
        let mut depth_event = false;
        for s in &sigs {
            for e in s.rule.packet_events.iter() {
                depth_event |= e == PacketEvent::StreamReassemblyDepthReached;
                if LAZY_EVENTS.contains(&e) {
                    lazy_events.set(e);
                }
                tcp_session_events |= e.is_tcp_session();
                second_probe |= e.needs_second_probe();
                applayer_events |= e.kind() == crate::events::EventKind::AppLayer;
            }
        }
        report.inline_as_alert = sigs
            .iter()
            .filter(|s| s.rule.header.inline_action.is_some())
            .count();
        let mut file_needs = FileNeeds::NONE;
        for s in &sigs {
            let Some(t) = &s.rule.files else { continue };
            for (kind, _, _) in &t.hashes {
                match kind {
                    FileHash::Md5 => file_needs.md5 = true,
                    FileHash::Sha1 => file_needs.sha1 = true,
                    FileHash::Sha256 => file_needs.sha256 = true,
                }
            }
            file_needs.sha256 |= t.store.is_some();
        }
        let mut ip_only = IpOnly::default();
        let mut ip_entries: Vec<(u128, u128, u32)> = Vec::new();
        let mut ip_src_entries: Vec<(u128, u128, u32)> = Vec::new();
        // Per stage, the signatures its prefilter groups are made of.
        let mut per_stage: Vec<Vec<u32>> = vec![Vec::new(); STAGES];
        for (i, s) in sigs.iter().enumerate() {
            if s.rule.ip_only {
                if s.rule.header.direction == Direction::Both {
                    ip_only.list.push(i as u32);
                } else {
                    let h = &s.rule.header;
                    let (side, entries) = if address_count(&h.src) < address_count(&h.dst) {
                        (&h.src, &mut ip_src_entries)
                    } else {
                        (&h.dst, &mut ip_entries)
                    };
                    let v4 = side
                        .v4
                        .ranges()
                        .iter()
                        .map(|&(a, b)| (V4_MAPPED | a as u128, V4_MAPPED | b as u128));
                    let v6 = side.v6.ranges().iter().copied();
                    entries.extend(v4.chain(v6).map(|(a, b)| (a, b, i as u32)));
                }
                continue;
            }
            per_stage[s.stage as usize].push(i as u32);
            if s.packet_too || s.tcp_packet_too {
                per_stage[Stage::Packet as usize].push(i as u32);
            }
            if files_of_any_protocol(&s.rule) {
                per_stage[Stage::Smtp as usize].push(i as u32);
                per_stage[Stage::Ftp as usize].push(i as u32);
            }
        }
        if !ip_entries.is_empty() {
            match IpTable::build(ip_entries.iter().copied()) {
                Ok(t) => ip_only.by_dst = Some(t),
                // Cannot happen for normalized ranges; never lose the rules: check them all.
                Err(_) => ip_only.list.extend(ip_entries.iter().map(|e| e.2)),
            }
        }
        if !ip_src_entries.is_empty() {
            match IpTable::build(ip_src_entries.iter().copied()) {
                Ok(t) => ip_only.by_src = Some(t),
                Err(_) => ip_only.list.extend(ip_src_entries.iter().map(|e| e.2)),
            }
        }
        ip_only.list.sort_unstable();
        ip_only.list.dedup();
        // Packets and streams are split by transport, direction and server port; the
        // application-layer stages are of one protocol already.
        let mut members: Vec<Vec<u32>> = vec![Vec::new()];
        let mut known: HashMap<Vec<u32>, u32> = HashMap::from([(Vec::new(), 0)]);
        let stages: [StageIndex; STAGES] = std::array::from_fn(|st| {
            let ids = std::mem::take(&mut per_stage[st]);
            if st == Stage::Packet as usize || st == Stage::Stream as usize {
                let reach: Vec<(u32, groups::Reach)> = ids
                    .iter()
                    .map(|&i| {
                        let sig = &sigs[i as usize];
                        let r = &sig.rule;
                        let mut reach = groups::reach(&r.header, r.flow.and_then(|f| f.direction));
                        if sig.packet_too && !sig.tcp_packet_too && st == Stage::Packet as usize {
                            // Their TCP payload is inspected on the stream, not per packet.
                            reach[0] = Default::default();
                        }
                        (i, reach)
                    })
                    .collect();
                groups::build_split(&reach, &mut members, &mut known)
            } else {
                groups::build_single(ids, &mut members, &mut known)
            }
        });
        let backend = config.mpm.unwrap_or_else(Backend::fastest_available);
        let groups = members
            .iter()
            .map(|ids| build_prefilter(&sigs, ids, backend))
            .collect();
        (
            Engine {
                sigs,
                groups,
                stages,
                ip_only,
                rates: RateTable::new(),
                xbits: XbitTable::default(),
                host_tags: HostTags::default(),
                config,
                id: NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                alert_series,
                lazy_events,
                tcp_session_events,
                second_probe,
                depth_event,
                applayer_events,
                file_needs,
                csum_kinds,
                http_request_rules,
            },
            report,
        )
    }

    pub fn len(&self) -> usize {
        self.sigs.len()
    }

    /// Whether a packet of a flow in this state could match any packet rule: lets the caller
    /// skip all per-packet detection work (the common case with application-layer rule sets).
    #[inline]
    pub fn wants_packet(&self, fd: &FlowDetect, dir: usize) -> bool {
        let ip_only_due = fd.engine != self.id || !fd.ip_only_done(dir);
        self.stages[Stage::Packet as usize].has_rules || (!self.ip_only.is_empty() && ip_only_due)
    }

    /// Some rules name an event of the TCP session state machine.
    pub fn wants_tcp_session_events(&self) -> bool {
        self.tcp_session_events
    }

    /// Some rules name `stream-event:reassembly_depth_reached`: a flow whose application
    /// layer is done keeps reassembling up to the depth (as Suricata's stream engine does
    /// while the payload is inspected), so the event is raised where its depth is reached.
    pub fn wants_depth_event(&self) -> bool {
        self.depth_event
    }

    /// Rules name a protocol detection event that needs the direction detection did not
    /// decide probed on (`applayer_mismatch_protocol_both_directions`,
    /// `applayer_detect_protocol_only_one_direction`; D41).
    pub fn wants_second_probe(&self) -> bool {
        self.second_probe
    }

    /// Some rules name one of protocol detection's events (`applayer_*`).
    pub fn wants_applayer_events(&self) -> bool {
        self.applayer_events
    }

    /// Digests the loaded file keywords need computed for every file (D46).
    pub fn file_needs(&self) -> FileNeeds {
        self.file_needs
    }

    /// The files of `subject` signature `sig`'s `filestore` stores after it matched:
    /// `filestore`'s direction (default: the rule's `flow` direction, else both) and scope
    /// (`file`: those passing the rule's file tests; `tx`, `ssn`: all). `keep(i)` is called
    /// with each file's index.
    pub fn files_to_store(&self, sig: u32, subject: &Subject<'_>, keep: &mut impl FnMut(usize)) {
        let Some(s) = self.sigs.get(sig as usize) else {
            return;
        };
        let Some(t) = &s.rule.files else { return };
        let Some(store) = t.store else { return };
        let side = match (store.both, store.to_server) {
            (true, _) => Side::Any,
            (false, Some(true)) => Side::Request,
            (false, Some(false)) => Side::Response,
            (false, None) => Side::of(&s.rule),
        };
        for (i, f) in subject_files(subject).iter().enumerate() {
            if file_on_side(side, f) && (store.whole_tx || file_passes(t, &s.file_hashes, f)) {
                keep(i);
            }
        }
    }

    /// Some rules inspect reassembled TCP streams (`tcp-stream` with content).
    pub fn has_stream_rules(&self) -> bool {
        self.stages[Stage::Stream as usize].has_rules
    }

    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
    }

    /// Forgets what matching has remembered across flows (threshold windows, xbits, host
    /// tags), as when a new, unrelated capture starts (`replay --each`, like Suricata's
    /// unix-socket `pcap-file`). Only between runs: no worker may be inspecting.
    pub fn forget_cross_flow_state(&self) {
        self.rates.clear();
        self.xbits.clear();
        self.host_tags.clear();
    }

    pub fn context(&self) -> DetectCtx {
        DetectCtx {
            scanners: self
                .groups
                .iter()
                .map(|s| s.mpms.iter().map(|(_, m)| m.scanner()).collect())
                .collect(),
            seen: vec![0; self.sigs.len()],
            round: 0,
            candidates: Vec::new(),
            fresh: Vec::new(),
            scratch: Default::default(),
            pkt_events: PacketEvents::NONE,
            csums: Csums::default(),
            tcp_checksum_unchecked: false,
            alerts: 0,
            alerts_suppressed: 0,
            alerts_by_series: vec![0; self.alert_series.len()],
            alerts_by_rule: vec![0; self.sigs.len()],
            packet_alerts: 0,
            alert_queue_overflow: 0,
            file_stores: Vec::new(),
        }
    }

    /// The `msg` of the loaded rule with this sid (the first, if several share it).
    pub fn signature_of(&self, sid: u32) -> Option<&str> {
        self.sigs
            .iter()
            .find(|s| s.rule.sid == sid)
            .map(|s| s.rule.msg.as_str())
    }

    /// The label sets alerts are counted under; `DetectCtx::alerts_by_series` parallels it.
    pub fn alert_series(&self) -> &[AlertSeries] {
        &self.alert_series
    }

    /// The EVE fields of an alert of signature `sig`.
    pub fn alert_fields(&self, sig: u32) -> AlertFields<'_> {
        let s = &self.sigs[sig as usize];
        AlertFields {
            action: "allowed",
            gid: s.rule.gid,
            signature_id: s.rule.sid,
            rev: s.rule.rev,
            signature: &s.rule.msg,
            category: &s.category,
            severity: s.severity,
            metadata: &s.rule.metadata,
            target: s.rule.target.map(|t| t == Target::DestIp),
        }
    }

    /// Inspects one subject; `alert(sig, reverse)` is called for every alert, `reverse` meaning
    /// the alert is about a server-to-client packet or response.
    pub fn inspect(
        &self,
        ctx: &mut DetectCtx,
        subject: &Subject<'_>,
        flow: &FlowFacts,
        fd: &mut FlowDetect,
        ts: Timestamp,
        alert: &mut impl FnMut(u32, bool),
    ) {
        if fd.engine != self.id {
            // First inspection by this engine (new flow, or rules reloaded): its flowbit ids
            // and IP-only bookkeeping start afresh.
            if let Some(m) = &mut fd.more {
                m.bits.clear();
                m.ints.clear();
                m.stream_carried.iter_mut().for_each(Vec::clear);
            }
            fd.flags &= !(IP_ONLY_DONE | IP_ONLY_DONE << 1);
            fd.engine = self.id;
        }
        if fd.passed() {
            return;
        }
        if !self.http_request_rules
            && matches!(
                subject,
                Subject::Http {
                    phase: HttpPhase::Request,
                    ..
                }
            )
        {
            return;
        }
        // Encrypted payload (see `FlowDetect::stop_payload_inspection`): stream rules have
        // nothing to look at, packet rules only their non-content conditions.
        let stopped = fd.payload_inspection_stopped();
        let no_payload = stopped && matches!(subject, Subject::Packet { .. });
        if stopped && matches!(subject, Subject::Stream { .. }) {
            return;
        }
        let st = subject.stage() as usize;
        let dir = match subject {
            Subject::Packet { dir, .. } | Subject::Stream { dir, .. } => *dir,
            _ => crate::flow::TO_SERVER,
        };
        let g =
            self.stages[st].group(groups::transport_of(flow.proto), dir, flow.server.1) as usize;
        let pre = &self.groups[g];
        ctx.round = ctx.round.wrapping_add(1);
        if ctx.round == 0 {
            ctx.seen.iter_mut().for_each(|s| *s = 0);
            ctx.round = 1;
        }
        ctx.candidates.clear();
        ctx.pkt_events = match subject {
            Subject::Packet {
                decoded,
                frame,
                events,
                ..
            } if !self.lazy_events.is_empty() => {
                events.union(lazy_packet_events(decoded, frame, self.lazy_events))
            }
            Subject::Packet { events, .. } => *events,
            _ => PacketEvents::NONE,
        };
        ctx.csums = match subject {
            Subject::Packet { decoded, frame, .. } if self.csum_kinds != 0 => {
                let mut c = Csums::of(frame, decoded, self.csum_kinds, &self.config.checksum);
                if ctx.tcp_checksum_unchecked {
                    let tcp = Kind::Tcpv4.bit() | Kind::Tcpv6.bit();
                    c.valid |= c.invalid & tcp;
                    c.invalid &= !tcp;
                }
                c
            }
            _ => Csums::default(),
        };
        let (pkt_events, csums) = (ctx.pkt_events, ctx.csums);
        let round = ctx.round;
        {
            let DetectCtx {
                scanners,
                seen,
                candidates,
                fresh,
                scratch,
                ..
            } = ctx;
            // Queues a signature once per round.
            fn mark(seen: &mut [u32], candidates: &mut Vec<u32>, round: u32, id: u32) {
                if let Some(s) = seen.get_mut(id as usize) {
                    if *s != round {
                        *s = round;
                        candidates.push(id);
                    }
                }
            }
            if let Subject::Stream {
                data,
                dir,
                seen: old,
                offset,
                ..
            } = subject
            {
                // Only new data is scanned (from far enough back to catch a pattern that
                // straddles it); patterns in the older part were found when it was new and
                // are carried for as long as their region overlaps the window.
                let from = old.saturating_sub(pre.max_pattern_len.saturating_sub(1));
                let new_data = &data[from.min(data.len())..];
                let end = offset + data.len() as u64;
                fresh.clear();
                for (((buffer, _), _), scanner) in pre.mpms.iter().zip(scanners[g].iter_mut()) {
                    if *buffer == Buffer::Payload && !new_data.is_empty() {
                        scanner.scan(new_data, &mut |id| fresh.push(id));
                    }
                }
                for &id in fresh.iter() {
                    mark(seen, candidates, round, id);
                }
                // Carried ones found again are refreshed with this round's end.
                let none_carried = fd
                    .more
                    .as_ref()
                    .is_none_or(|m| m.stream_carried[dir & 1].is_empty());
                if !(none_carried && fresh.is_empty()) {
                    let carried = &mut fd.more().stream_carried[dir & 1];
                    carried.retain(|&(id, region_end)| {
                        region_end > *offset && seen.get(id as usize).is_some_and(|&s| s != round)
                    });
                    for &(id, _) in carried.iter() {
                        mark(seen, candidates, round, id);
                    }
                    carried.extend(fresh.iter().map(|&id| (id, end)));
                }
            } else {
                for ((key, _), scanner) in pre.mpms.iter().zip(scanners[g].iter_mut()) {
                    if no_payload && key.0 == Buffer::Payload {
                        continue;
                    }
                    for_each_view(*key, subject, Side::Prefilter, scratch, &mut |bytes| {
                        scanner.scan(bytes, &mut |id| mark(seen, candidates, round, id))
                    });
                }
            }
            for &i in &pre.always {
                mark(seen, candidates, round, i);
            }
            if !pkt_events.is_empty() {
                for &i in &pre.on_events {
                    mark(seen, candidates, round, i);
                }
            }
            if let Subject::Packet { dir, decoded, .. } = subject {
                if !fd.ip_only_done(*dir) {
                    fd.flags |= IP_ONLY_DONE << (*dir & 1);
                    for &i in &self.ip_only.list {
                        mark(seen, candidates, round, i);
                    }
                    if let Some(t) = &self.ip_only.by_dst {
                        t.lookup(decoded.dst, &mut |id| mark(seen, candidates, round, id));
                    }
                    if let Some(t) = &self.ip_only.by_src {
                        t.lookup(decoded.src, &mut |id| mark(seen, candidates, round, id));
                    }
                }
            }
        }
        if ctx.candidates.is_empty() {
            return;
        }
        // Signatures are sorted by evaluation order, and so are their indices.
        ctx.candidates.sort_unstable();
        let mut passed = false;
        for k in 0..ctx.candidates.len() {
            let i = ctx.candidates[k];
            let sig = &self.sigs[i as usize];
            if no_payload && sig.payload {
                continue;
            }
            // A rule on HTTP buffers of both directions, without a `flow` direction, is
            // inspected on the request and on the response, each alerting (as Suricata); an
            // HTTP rule only in the phase that decides it.
            let sides: &[Option<Side>] = match subject {
                Subject::Http { phase, .. } => match (phase, sig.http_when) {
                    (HttpPhase::Request, HttpWhen::EachSide) => &[Some(Side::Request)],
                    (HttpPhase::Rest, HttpWhen::EachSide) => &[Some(Side::Response)],
                    (HttpPhase::Request, HttpWhen::Request)
                    | (HttpPhase::Rest, HttpWhen::Complete)
                    | (HttpPhase::Whole, _) => {
                        if sig.two_sided {
                            &[Some(Side::Request), Some(Side::Response)]
                        } else {
                            &[None]
                        }
                    }
                    _ => continue,
                },
                Subject::Tls(_) | Subject::Smtp(_) if sig.events_two_sided => {
                    &[Some(Side::Request), Some(Side::Response)]
                }
                _ => &[None],
            };
            for &side in sides {
                let Some(reverse) = self.matches(
                    sig,
                    subject,
                    flow,
                    fd,
                    &mut ctx.scratch,
                    side,
                    (pkt_events, csums),
                ) else {
                    continue;
                };
                if !sig.xbits.is_empty() && !self.apply_xbits(sig, subject, flow, reverse, ts) {
                    continue;
                }
                for (cmd, ids, _) in &sig.flowbits {
                    for id in ids {
                        match cmd {
                            FlowbitCmd::Set if !fd.has_bit(id) => fd.more().bits.push(*id),
                            FlowbitCmd::Unset => {
                                if let Some(m) = &mut fd.more {
                                    m.bits.retain(|b| b != id)
                                }
                            }
                            FlowbitCmd::Toggle => {
                                let bits = &mut fd.more().bits;
                                if bits.contains(id) {
                                    bits.retain(|b| b != id);
                                } else {
                                    bits.push(*id);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                for &(id, op, value) in &sig.flowints {
                    if op.is_action() {
                        fd.int_apply(id, op, value);
                    }
                }
                if sig.rule.header.action == Action::Pass {
                    passed = true;
                    // As Suricata, a pass by an IP-only or application-layer rule, or one
                    // matched on a stream or a transaction, is the flow's verdict; a packet
                    // rule's passes only its packet.
                    if sig.rule.ip_only
                        || app_layer_header(sig.rule.header.protocol)
                        || !matches!(subject, Subject::Packet { .. })
                    {
                        fd.flags |= PASSED;
                    }
                    continue;
                }
                if passed {
                    continue;
                }
                if sig.rule.files.as_ref().is_some_and(|t| t.store.is_some()) {
                    ctx.file_stores.push(i);
                }
                if sig.rule.noalert {
                    // Suricata counts a `noalert` match as suppressed too.
                    ctx.alerts_suppressed += 1;
                    continue;
                }
                if let Some(rate) = &sig.rate {
                    let (src, dst) = endpoints(subject, flow, reverse);
                    let key = match rate.track() {
                        Track::BySrc => RateKey::Addr(src),
                        Track::ByDst => RateKey::Addr(dst),
                        Track::ByRule => RateKey::Rule,
                        Track::ByBoth => RateKey::pair(src, dst),
                        Track::ByFlow => RateKey::Flow(
                            flow.client.0,
                            flow.client.1,
                            flow.server.0,
                            flow.server.1,
                            flow.proto,
                        ),
                    };
                    if !self.rates.allow(i, rate, key, ts) {
                        ctx.alerts_suppressed += 1;
                        continue;
                    }
                }
                // As Suricata's alert queue: past `packet-alert-max`, the match (its flowbits
                // and thresholds applied) raises no alert; candidates run in signature order,
                // so the ones kept are the first in that order.
                if ctx.packet_alerts >= self.config.packet_alert_max() {
                    ctx.alert_queue_overflow += 1;
                    continue;
                }
                ctx.packet_alerts += 1;
                fd.alerted = true;
                if !sig.rule.tags.is_empty() {
                    self.set_tags(sig, subject, flow, fd, reverse, ts);
                }
                ctx.alerts += 1;
                if let Some(n) = ctx.alerts_by_series.get_mut(sig.series as usize) {
                    *n += 1;
                }
                if let Some(n) = ctx.alerts_by_rule.get_mut(i as usize) {
                    *n += 1;
                }
                alert(i, reverse);
            }
        }
    }

    /// An alert of a rule with `tag` keywords: tags its flow or the packet's hosts.
    fn set_tags(
        &self,
        sig: &Sig,
        subject: &Subject<'_>,
        flow: &FlowFacts,
        fd: &mut FlowDetect,
        reverse: bool,
        ts: Timestamp,
    ) {
        let (src, dst) = endpoints(subject, flow, reverse);
        let (gid, sid) = (sig.rule.gid, sig.rule.sid);
        for spec in &sig.rule.tags {
            match spec.kind {
                TagKind::Session => {
                    fd.more().tags.add(gid, sid, spec, ts);
                }
                TagKind::Host { src: true } => self.host_tags.add(src, gid, sid, spec, ts),
                TagKind::Host { src: false } => self.host_tags.add(dst, gid, sid, spec, ts),
            }
        }
    }

    /// After a packet's detection: steps the tags of its flow (`fd`, `None` outside any flow)
    /// and of its two addresses; whether the packet is tagged (to be logged as an EVE
    /// `packet` record). Costs two branches and an atomic load while nothing is tagged.
    #[inline]
    pub fn step_tags(
        &self,
        fd: Option<&mut FlowDetect>,
        src: IpAddr,
        dst: IpAddr,
        len: u64,
        ts: Timestamp,
    ) -> bool {
        let mut tagged = false;
        if let Some(m) = fd.and_then(|fd| fd.more.as_mut()) {
            if !m.tags.is_empty() {
                tagged |= m.tags.step(len, ts).0;
            }
        }
        tagged | self.host_tags.step(src, dst, len, ts)
    }

    /// Tests the signature's `xbits` conditions and, when they hold, performs its
    /// set/unset/toggle commands; whether the signature still matches.
    fn apply_xbits(
        &self,
        sig: &Sig,
        subject: &Subject<'_>,
        flow: &FlowFacts,
        reverse: bool,
        ts: Timestamp,
    ) -> bool {
        let (src, dst) = endpoints(subject, flow, reverse);
        let key = |t: XbitTrack| match t {
            XbitTrack::IpSrc => XbitKey::Host(src),
            XbitTrack::IpDst => XbitKey::Host(dst),
            XbitTrack::IpPair => XbitKey::pair(src, dst),
        };
        for &(cmd, id, track, _) in &sig.xbits {
            let set = self.xbits.is_set(id, key(track), ts);
            match cmd {
                XbitCmd::IsSet if !set => return false,
                XbitCmd::IsNotSet if set => return false,
                _ => {}
            }
        }
        for &(cmd, id, track, expire) in &sig.xbits {
            match cmd {
                XbitCmd::Set => self.xbits.set(id, key(track), ts, expire),
                XbitCmd::Unset => self.xbits.unset(id, key(track)),
                XbitCmd::Toggle => self.xbits.toggle(id, key(track), ts, expire),
                XbitCmd::IsSet | XbitCmd::IsNotSet => {}
            }
        }
        true
    }

    /// Whether `sig` matches; `Some(reverse)` with the orientation the header matched in.
    #[allow(clippy::too_many_arguments)]
    fn matches(
        &self,
        sig: &Sig,
        subject: &Subject<'_>,
        flow: &FlowFacts,
        fd: &FlowDetect,
        scratch: &mut [Vec<u8>; 2],
        side: Option<Side>,
        (pkt_events, csums): (PacketEvents, Csums),
    ) -> Option<bool> {
        let rule = &sig.rule;
        if !proto_ok(rule.header.protocol, subject, flow) {
            return None;
        }
        if let Subject::Packet { decoded, .. } = subject {
            // A packet whose network layer did not decode: only `pkthdr` rules apply.
            if decoded.l3_invalid && rule.header.protocol != Protocol::Pkthdr {
                return None;
            }
        }
        if !rule.packet_events.is_empty() {
            let is_packet = matches!(subject, Subject::Packet { .. });
            if !is_packet || !pkt_events.contains(rule.packet_events) {
                return None;
            }
        }
        if !rule.app_events.is_empty() {
            let response = side.map_or(sig.response_side, |s| s == Side::Response);
            if !app_events(subject, rule.app_events, response).contains(rule.app_events) {
                return None;
            }
        }
        if rule.pd_only && !pkt_events.has(PacketEvent::ProtoDetected) {
            return None;
        }
        for t in &rule.app_layer_protocol {
            // As Suricata 7: no match while the protocol is not known, negated or not.
            let have = flow.app?;
            let is = match t.proto {
                None => have == crate::app::AppProto::Failed,
                Some(p) => have == p,
            };
            if is == t.negated {
                return None;
            }
        }
        if rule.ftp.bounce {
            match subject {
                Subject::Ftp { tx, dir } if *dir == crate::flow::TO_SERVER => {
                    if !ftp_bounce(tx, flow.client.0) {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        if let Some(c) = rule.ftp.data_command {
            match subject {
                Subject::FtpData(tx) if tx.cmd == Some(c) => {}
                _ => return None,
            }
        }
        if !rule.dce_iface.is_empty() || !rule.dce_opnum.is_empty() {
            let Subject::Dcerpc { tx, binding, dir } = subject else {
                return None;
            };
            if !rule
                .dce_iface
                .iter()
                .all(|i| dce_iface_matches(i, tx, binding, *dir))
            {
                return None;
            }
            let opnum_in = |l: &[(u16, u16)]| l.iter().any(|&(a, b)| (a..=b).contains(&tx.opnum));
            if !rule.dce_opnum.iter().all(|l| opnum_in(l)) {
                return None;
            }
        }
        if let Some(op) = rule.dns_opcode {
            match subject {
                Subject::Dns { msg, .. } if op.matches(msg.header().opcode()) => {}
                _ => return None,
            }
        }
        if sig.packet_too
            && !sig.tcp_packet_too
            && flow.proto == 6
            && matches!(subject, Subject::Packet { .. })
        {
            // TCP payload of these rules is inspected on the stream.
            return None;
        }
        if sig.tcp_packet_too && matches!(subject, Subject::Stream { lone: true, .. }) {
            // Inspected on the packet already.
            return None;
        }
        // Orientation: packets by their direction, transactions client to server (responses
        // and DNS answers server to client).
        let reverse = match subject {
            Subject::Packet { dir, .. } | Subject::Stream { dir, .. } => {
                *dir != crate::flow::TO_SERVER
            }
            Subject::Dns { dir, .. }
            | Subject::Ssh { dir, .. }
            | Subject::Ftp { dir, .. }
            | Subject::Dcerpc { dir, .. } => *dir != crate::flow::TO_SERVER,
            Subject::FtpData(tx) => tx.dir == Some(crate::app::Direction::ToClient),
            Subject::Smtp(_) if rule.app_events.is_empty() => false,
            _ => match side {
                Some(s) => s == Side::Response,
                None => sig.response_side,
            },
        };
        let (src, dst) = endpoint_pairs(subject, flow, reverse);
        let header_ok = header_matches(&rule.header, src, dst)
            || (rule.header.direction == Direction::Both && header_matches(&rule.header, dst, src));
        if !header_ok {
            return None;
        }
        if let Some(f) = &rule.flow {
            let established =
                flow.established || (self.config.midstream && flow.midstream_established);
            match f.state {
                Some(FlowState::Established) if !established => return None,
                Some(FlowState::NotEstablished) if established => return None,
                _ => {}
            }
            match f.direction {
                Some(FlowDirection::ToServer) if reverse => return None,
                Some(FlowDirection::ToClient) if !reverse => return None,
                _ => {}
            }
        }
        if let Subject::Packet {
            decoded,
            payload,
            frame,
            ..
        } = subject
        {
            if rule.dsize.is_some_and(|c| !c.matches(payload.len() as u64)) {
                return None;
            }
            if let Some(f) = &rule.flags {
                match decoded.l4 {
                    L4::Tcp(h) if f.matches(h.flags) => {}
                    _ => return None,
                }
            }
            let icmp = match decoded.l4 {
                L4::Icmp(i) => Some(i),
                _ => None,
            };
            if let Some(c) = rule.itype {
                if !icmp.is_some_and(|i| c.matches(i.icmp_type as u64)) {
                    return None;
                }
            }
            if let Some(c) = rule.icode {
                if !icmp.is_some_and(|i| c.matches(i.code as u64)) {
                    return None;
                }
            }
            if rule.ttl.is_some_and(|c| !c.matches(decoded.ttl as u64)) {
                return None;
            }
            // A packet without a flow has no age.
            if let Some(c) = rule.flow_age {
                if !flow.age.is_some_and(|a| c.matches(a as u64)) {
                    return None;
                }
            }
            // Every named checksum applies to the packet and is judged as the rule asks.
            if rule.csum.valid & !csums.valid != 0 || rule.csum.invalid & !csums.invalid != 0 {
                return None;
            }
            if rule.icmp_id.is_some() || rule.icmp_seq.is_some() {
                let i = icmp.filter(|i| icmp_has_id(decoded.ip_proto, i.icmp_type))?;
                if rule.icmp_id.is_some_and(|v| v != i.id)
                    || rule.icmp_seq.is_some_and(|v| v != i.seq)
                {
                    return None;
                }
            }
            if rule.ip_proto.is_some_and(|p| !p.matches(decoded.ip_proto)) {
                return None;
            }
            if let Some(o) = rule.ipopts {
                match packet_header(Buffer::Ipv4Hdr, decoded, frame) {
                    Some(h) if o.matches(h) => {}
                    _ => return None,
                }
            }
            if !rule.stream_size.is_empty() {
                let L4::Tcp(h) = decoded.l4 else {
                    return None;
                };
                let (client, server) = stream_sizes(h, payload.len(), flow, *dir_of(subject));
                if !rule.stream_size.iter().all(|ss| ss.matches(client, server)) {
                    return None;
                }
            }
        }
        if let (Some(u), Subject::Http { tx, .. }) = (&rule.urilen, subject) {
            let uri = tx.buffer(if u.raw {
                HttpBuffer::UriRaw
            } else {
                HttpBuffer::Uri
            });
            if !uri.is_some_and(|b| u.matches(b.len())) {
                return None;
            }
        }
        if let Some(t) = &rule.files {
            let side = side.unwrap_or_else(|| Side::of(rule));
            if !subject_files(subject)
                .iter()
                .any(|f| file_on_side(side, f) && file_passes(t, &sig.file_hashes, f))
            {
                return None;
            }
        }
        for (cmd, ids, any) in &sig.flowbits {
            let test = |id: &u16| fd.has_bit(id);
            let ok = match cmd {
                FlowbitCmd::IsSet if *any => ids.iter().any(test),
                FlowbitCmd::IsSet => ids.iter().all(test),
                FlowbitCmd::IsNotSet if *any => !ids.iter().all(test),
                FlowbitCmd::IsNotSet => !ids.iter().any(test),
                _ => true,
            };
            if !ok {
                return None;
            }
        }
        for &(id, op, value) in &sig.flowints {
            if !op.is_action() && !fd.int_test(id, op, value) {
                return None;
            }
        }
        if let Subject::Tls(r) = subject {
            if let Some(want) = rule.tls_version {
                if !tls_version_matches(want, r) {
                    return None;
                }
            }
            // Counted when the server's Certificate message was seen.
            if let Some(c) = rule.tls_chain_len {
                if r.cert_chain.is_empty() || !c.matches(r.cert_chain.len() as u64) {
                    return None;
                }
            }
        }
        let side = side.unwrap_or_else(|| Side::of(rule));
        // The byte keywords' `dce` option reads in the call's byte order.
        let dce_little = match subject {
            Subject::Dcerpc { tx, dir, .. } => tx.little(if *dir == crate::flow::TO_SERVER {
                crate::app::Direction::ToServer
            } else {
                crate::app::Direction::ToClient
            }),
            _ => false,
        };
        // Byte variables carry from one buffer to the next, in the rule's order.
        let mut vars = [0u64; MAX_BYTE_VARS];
        for b in &rule.buffers {
            let mut hit = false;
            let mut present = false;
            for_each_view(
                (b.buffer, b.transforms),
                subject,
                side,
                scratch,
                &mut |bytes| {
                    present = true;
                    if !hit {
                        let mut v = vars;
                        if inspect_vars_dce(bytes, &b.matchers, &mut v, dce_little) {
                            hit = true;
                            vars = v;
                        }
                    }
                },
            );
            if !hit || !present {
                return None;
            }
        }
        if let Subject::Stream { data, seen, .. } = subject {
            // A match already inside the previously inspected tail was reported then.
            let old = &data[..(*seen).min(data.len())];
            if !old.is_empty() && rule.buffers.iter().all(|b| inspect(old, &b.matchers)) {
                return None;
            }
        }
        for (buffer, transforms, cmd, set) in &sig.datasets {
            let mut found = false;
            let mut present = false;
            let mut rep_ok = false;
            for_each_view(
                (*buffer, *transforms),
                subject,
                side,
                scratch,
                &mut |bytes| {
                    present = true;
                    let rep = set.reputation(bytes);
                    found |= rep.is_some();
                    if let (DatasetCmd::Rep(c), Some(r)) = (cmd, rep) {
                        rep_ok |= c.matches(r);
                    }
                },
            );
            match cmd {
                DatasetCmd::IsSet if !found => return None,
                DatasetCmd::IsNotSet if found || !present => return None,
                DatasetCmd::Rep(_) if !rep_ok => return None,
                _ => {}
            }
        }
        Some(reverse)
    }
}

/// The prefilter of one group: per buffer an automaton over its signatures' fast patterns;
/// signatures without a usable one are always verified.
fn build_prefilter(sigs: &[Sig], ids: &[u32], backend: Backend) -> Prefilter {
    let mut pre = Prefilter::default();
    let mut by_buffer: Vec<((Buffer, Transforms), Vec<Pattern>)> = Vec::new();
    for &i in ids {
        match &sigs[i as usize].rule.fast_pattern {
            Some(fp) if !fp.negated && !fp.pattern.is_empty() => {
                pre.max_pattern_len = pre.max_pattern_len.max(fp.pattern.len());
                let p = Pattern::new(fp.pattern.clone(), fp.nocase, i);
                let key = (fp.buffer, fp.transforms);
                match by_buffer.iter_mut().find(|(b, _)| *b == key) {
                    Some((_, v)) => v.push(p),
                    None => by_buffer.push((key, vec![p])),
                }
            }
            _ if !sigs[i as usize].rule.packet_events.is_empty() => pre.on_events.push(i),
            _ => pre.always.push(i),
        }
    }
    for (b, pats) in by_buffer {
        match Mpm::with_backend(backend, &pats) {
            Ok(m) => pre.mpms.push((b, m)),
            // Cannot happen for literal patterns; never lose the rules: verify them all.
            Err(_) => pre.always.extend(pats.iter().map(|p| p.id)),
        }
    }
    pre.always.sort_unstable();
    pre.on_events.sort_unstable();
    pre
}

/// Addresses in a set (IPv4 and IPv6 together, saturating): which side of an IP-only rule
/// to index it by.
fn address_count(set: &super::rule::AddressSet) -> u128 {
    let v4 = set
        .v4
        .ranges()
        .iter()
        .fold(0u128, |n, &(a, b)| n.saturating_add(u128::from(b - a) + 1));
    set.v6
        .ranges()
        .iter()
        .fold(v4, |n, &(a, b)| n.saturating_add((b - a).saturating_add(1)))
}

fn proto_ok(p: Protocol, subject: &Subject<'_>, flow: &FlowFacts) -> bool {
    use crate::app::AppProto as A;
    match p {
        Protocol::Pkthdr => matches!(subject, Subject::Packet { .. }),
        // The transaction being inspected is of the protocol (its flow may have been named
        // another, e.g. HTTP behind a SOCKS handshake), or the flow's detected protocol is.
        // Suricata's `dcerpc` rules also apply to SMB flows (DCE/RPC over named pipes).
        Protocol::App(want) => {
            subject_proto(subject) == Some(want)
                || flow.app == Some(want)
                || want == A::Dcerpc && flow.app == Some(A::Smb)
        }
        Protocol::Ip => true,
        Protocol::IpVersion(v) => flow.client.0.is_ipv4() == (v == 4),
        Protocol::Tcp | Protocol::TcpPkt | Protocol::TcpStream => flow.proto == 6,
        Protocol::Udp => flow.proto == 17,
        Protocol::Icmp => flow.proto == 1,
        Protocol::Icmpv6 => flow.proto == 58,
    }
}

/// The application protocol of a transaction subject (`None` for packets and streams).
fn subject_proto(subject: &Subject<'_>) -> Option<crate::app::AppProto> {
    use crate::app::AppProto as A;
    Some(match subject {
        Subject::Http { .. } => A::Http,
        Subject::Tls(_) => A::Tls,
        Subject::Dns { .. } => A::Dns,
        Subject::Smtp(_) => A::Smtp,
        Subject::Ssh { .. } => A::Ssh,
        Subject::Dcerpc { .. } => A::Dcerpc,
        _ => return None,
    })
}

/// ICMP messages that carry an identifier and a sequence number (`icmp_id` / `icmp_seq` match
/// only those, as in Suricata): echo, timestamp, information and address mask for ICMPv4,
/// echo for ICMPv6.
fn icmp_has_id(ip_proto: u8, icmp_type: u8) -> bool {
    if ip_proto == crate::decode::ip_proto::ICMPV6 {
        matches!(icmp_type, 128 | 129)
    } else {
        matches!(icmp_type, 0 | 8 | 13..=18)
    }
}

/// The packet events judged from the frame, of those in `want`: TCP option lengths and
/// duplicates, as Suricata's decoder finds them (a length below 2 or past the options stops
/// the walk; window scale 3, MSS 4, SACK-permitted 2, timestamps 10, SACK 2 plus up to four
/// 8-byte blocks, an empty one included; a second valid one of these is a duplicate).
fn lazy_packet_events(decoded: &Decoded, frame: &[u8], want: PacketEvents) -> PacketEvents {
    let mut out = PacketEvents::NONE;
    let L4::Tcp(h) = decoded.l4 else {
        return out;
    };
    if h.header_len <= 20
        || !(want.has(PacketEvent::TcpOptInvalidLen) || want.has(PacketEvent::TcpOptDuplicate))
    {
        return out;
    }
    let start = decoded.l4_offset as usize + 20;
    let end = decoded.l4_offset as usize + h.header_len as usize;
    let Some(mut opts) = frame.get(start..end) else {
        return out;
    };
    let mut seen = 0u8;
    while let Some(&kind) = opts.first() {
        match kind {
            0 => break,
            1 => opts = &opts[1..],
            _ => {
                let Some(&len) = opts.get(1) else { break };
                let len = len as usize;
                if len < 2 || len > opts.len() {
                    out.set(PacketEvent::TcpOptInvalidLen);
                    break;
                }
                let (valid, bit) = match kind {
                    3 => (len == 3, 1),
                    2 => (len == 4, 2),
                    4 => (len == 2, 4),
                    8 => (len == 10, 8),
                    5 => ((2..=34).contains(&len) && (len - 2) % 8 == 0, 16),
                    _ => (true, 0),
                };
                if !valid {
                    out.set(PacketEvent::TcpOptInvalidLen);
                } else if bit != 0 {
                    if seen & bit != 0 {
                        out.set(PacketEvent::TcpOptDuplicate);
                    }
                    seen |= bit;
                }
                opts = &opts[len..];
            }
        }
    }
    out
}

/// The application-layer events of a transaction or message, of those in `want` (judged only
/// for rules that name them), as the inspection of the request side or of the `response` side
/// sees them.
fn app_events(subject: &Subject<'_>, want: AppEvents, response: bool) -> AppEvents {
    let mut out = AppEvents::NONE;
    match subject {
        Subject::Dns {
            msg,
            dir,
            malformed,
        } => {
            if *malformed {
                out.set(AppEvent::DnsMalformedData);
            }
            let h = msg.header();
            let to_server = *dir == crate::flow::TO_SERVER;
            if to_server && h.qr() {
                out.set(AppEvent::DnsNotRequest);
            }
            if !to_server && !h.qr() {
                out.set(AppEvent::DnsNotResponse);
            }
            if h.z() {
                out.set(AppEvent::DnsZFlagSet);
            }
            if h.opcode() >= 7 {
                out.set(AppEvent::DnsInvalidOpcode);
            }
        }
        Subject::Http { tx, .. } => out = crate::app::http::http_events(tx, want),
        Subject::Tls(r) => {
            let sni =
                |c: &crate::app::tls::ClientHello| c.extensions.iter().filter(|&&e| e == 0).count();
            if r.client_hello.as_ref().is_some_and(|c| sni(c) > 1) {
                out.set(AppEvent::TlsMultipleSniExtensions);
            }
            out = out.union(r.events[usize::from(response)]);
        }
        Subject::Smtp(tx) => out = tx.events,
        Subject::Ssh { events, .. } => out = *events,
        Subject::Ftp { tx, .. } => {
            if tx.request_truncated {
                out.set(AppEvent::FtpRequestCommandTooLong);
            }
            if tx.reply_truncated {
                out.set(AppEvent::FtpResponseCommandTooLong);
            }
        }
        _ => {}
    }
    out
}

/// `ftpbounce` (Suricata's `DetectFtpbounceALMatch`): a PORT command whose address is not the
/// client's (an IPv6 client: its first four bytes, as Suricata compares them).
fn ftp_bounce(tx: &crate::app::ftp::FtpTx, client: IpAddr) -> bool {
    let own = match client {
        IpAddr::V4(a) => a.octets(),
        IpAddr::V6(a) => {
            let o = a.octets();
            [o[0], o[1], o[2], o[3]]
        }
    };
    tx.command == Some("PORT") && tx.port_addr.is_some_and(|a| a != own)
}

/// The index of the server-to-client direction, for `dir_of`.
const TO_CLIENT_DIR: usize = 1 - crate::flow::TO_SERVER;

fn header_matches(h: &Header, src: (IpAddr, u16), dst: (IpAddr, u16)) -> bool {
    h.src.contains(src.0)
        && h.src_ports.contains(src.1)
        && h.dst.contains(dst.0)
        && h.dst_ports.contains(dst.1)
}

/// Source and destination of what is inspected, in the orientation given.
fn endpoint_pairs(
    subject: &Subject<'_>,
    flow: &FlowFacts,
    reverse: bool,
) -> ((IpAddr, u16), (IpAddr, u16)) {
    if let Subject::Packet { decoded, .. } = subject {
        let (sp, dp) = match decoded.l4 {
            L4::Tcp(h) => (h.src_port, h.dst_port),
            L4::Udp(h) => (h.src_port, h.dst_port),
            L4::Sctp(h) => (h.src_port, h.dst_port),
            _ => (0, 0),
        };
        return ((decoded.src, sp), (decoded.dst, dp));
    }
    if reverse {
        (flow.server, flow.client)
    } else {
        (flow.client, flow.server)
    }
}

fn endpoints(subject: &Subject<'_>, flow: &FlowFacts, reverse: bool) -> (IpAddr, IpAddr) {
    let (s, d) = endpoint_pairs(subject, flow, reverse);
    (s.0, d.0)
}

/// Which instances of an HTTP buffer that exists in both directions a rule inspects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Both (no `flow` direction).
    Any,
    /// The prefilter: every instance either side's rules may inspect (also the request's
    /// files for `file.data`, which only `flow:to_server` rules inspect).
    Prefilter,
    /// `flow:to_server`: the request's.
    Request,
    /// `flow:to_client`: the response's.
    Response,
}

impl Side {
    fn of(rule: &Rule) -> Side {
        match rule.flow.and_then(|f| f.direction) {
            Some(FlowDirection::ToServer) => Side::Request,
            Some(FlowDirection::ToClient) => Side::Response,
            None => Side::Any,
        }
    }
}

/// [`for_each_buffer`] with the list's transforms applied (built in `scratch`).
fn for_each_view(
    (buffer, transforms): (Buffer, Transforms),
    subject: &Subject<'_>,
    side: Side,
    scratch: &mut [Vec<u8>; 2],
    f: &mut impl FnMut(&[u8]),
) {
    if transforms.is_empty() {
        return for_each_buffer(buffer, subject, side, f);
    }
    for_each_buffer(buffer, subject, side, &mut |bytes| {
        f(transforms.apply(bytes, scratch))
    });
}

fn dir_of<'a>(subject: &'a Subject<'_>) -> &'a usize {
    match subject {
        Subject::Packet { dir, .. }
        | Subject::Stream { dir, .. }
        | Subject::Dns { dir, .. }
        | Subject::Ssh { dir, .. }
        | Subject::Ftp { dir, .. }
        | Subject::Dcerpc { dir, .. } => dir,
        Subject::FtpData(tx) if tx.dir == Some(crate::app::Direction::ToClient) => &TO_CLIENT_DIR,
        _ => &crate::flow::TO_SERVER,
    }
}

/// What client and server have sent so far as Suricata's `stream_size` counts it (next
/// sequence number minus the initial one): this packet's end for its own direction, and for
/// the other the data this packet acknowledges (0 when that side has sent nothing yet).
fn stream_sizes(
    h: crate::decode::TcpHeader,
    len: usize,
    flow: &FlowFacts,
    dir: usize,
) -> (u64, u64) {
    let dir = dir & 1;
    let own =
        flow.tcp_base_seq[dir].map_or(0, |b| h.seq.wrapping_add(len as u32).wrapping_sub(b) as u64);
    let other = match flow.tcp_base_seq[1 - dir] {
        Some(b) if h.flags & crate::decode::TcpHeader::ACK != 0 => h.ack.wrapping_sub(b) as u64,
        _ => 0,
    };
    if dir == crate::flow::TO_SERVER {
        (own, other)
    } else {
        (other, own)
    }
}

/// `tls.version`: the negotiated version, whichever the rule's direction (Suricata 7.0.10
/// matches `flow:to_server; tls.version:1.2` on the same sessions as `to_client`, not on
/// every ClientHello saying 1.2); TLS 1.3 drafts count as 1.3.
/// `dce_iface` on a call: the call's context is one the server accepted (result 0) for this
/// interface, within the version test; without `any_frag`, only a request whose first
/// fragment was seen.
fn dce_iface_matches(
    want: &super::rule::DceIface,
    tx: &crate::app::dcerpc::DcerpcTx,
    binding: &crate::app::dcerpc::Binding,
    _dir: usize,
) -> bool {
    if tx.req.ptype != Some(crate::app::dcerpc::REQUEST) || !binding.acked {
        return false;
    }
    if !want.any_frag && !tx.req.first_frag {
        return false;
    }
    binding.contexts.iter().any(|c| {
        c.ack_result == Some(0)
            && c.uuid == want.uuid
            && c.ctxid == tx.ctxid
            && want.version_ok(c.ver_major)
    })
}

fn tls_version_matches(want: u16, r: &TlsRecord) -> bool {
    let have = r.version();
    let is13 = |v: u16| v == 0x0304 || (0x7f00..=0x7fff).contains(&v);
    have == want || (want == 0x0304 && is13(have))
}

thread_local! {
    /// Where `Name: Value` header buffers are built (per thread: no allocation once grown).
    static HEADER_SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `http.request_header` / `http.response_header`: `f` with each header of the table as
/// `Name: Value`.
fn for_each_header(tx: &HttpTransaction, response: bool, f: &mut impl FnMut(&[u8])) {
    let mut buf = HEADER_SCRATCH.with(|c| std::mem::take(&mut *c.borrow_mut()));
    let mut each = |name: &[u8], value: &[u8]| {
        buf.clear();
        buf.extend_from_slice(name);
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(value);
        f(&buf);
    };
    if response {
        if let Some(r) = tx.response() {
            r.header_table().for_each(|(n, v)| each(n, v));
        }
    } else if let Some(r) = tx.request() {
        r.header_table().for_each(|(n, v)| each(n, v));
    }
    HEADER_SCRATCH.with(|c| *c.borrow_mut() = buf);
}

/// A packet header buffer's bytes: the IP header with its options or extension headers, the
/// TCP header with its options, the 8-byte UDP and ICMP headers, the source or destination
/// address (`None`: the packet has no such header, or it was not captured whole).
fn packet_header<'f>(buffer: Buffer, d: &Decoded, frame: &'f [u8]) -> Option<&'f [u8]> {
    let (l3, l4, payload) = (
        d.l3_offset as usize,
        d.l4_offset as usize,
        d.payload_offset as usize,
    );
    let ip = match d.src {
        IpAddr::V4(_) => Buffer::Ipv4Hdr,
        IpAddr::V6(_) => Buffer::Ipv6Hdr,
    };
    let v6 = ip == Buffer::Ipv6Hdr;
    let range = match (buffer, d.l4) {
        _ if d.l3_invalid => return None,
        (b, _) if b == ip => l3..l4,
        // The addresses as the IP header holds them (Suricata's `ip.src` / `ip.dst`).
        (Buffer::IpSrc, _) if v6 => l3 + 8..l3 + 24,
        (Buffer::IpDst, _) if v6 => l3 + 24..l3 + 40,
        (Buffer::IpSrc, _) => l3 + 12..l3 + 16,
        (Buffer::IpDst, _) => l3 + 16..l3 + 20,
        (Buffer::TcpHdr, L4::Tcp(_)) | (Buffer::UdpHdr, L4::Udp(_)) => l4..payload,
        (Buffer::Icmpv4Hdr, L4::Icmp(_)) if d.ip_proto == crate::decode::ip_proto::ICMP => {
            l4..payload
        }
        (Buffer::Icmpv6Hdr, L4::Icmp(_)) if d.ip_proto == crate::decode::ip_proto::ICMPV6 => {
            l4..payload
        }
        _ => return None,
    };
    frame.get(range).filter(|h| !h.is_empty())
}

/// Calls `f` with each instance of `buffer` in the subject (HTTP keywords that apply to both
/// directions have two).
fn for_each_buffer(buffer: Buffer, subject: &Subject<'_>, side: Side, f: &mut impl FnMut(&[u8])) {
    match subject {
        Subject::Packet {
            payload,
            decoded,
            frame,
            ..
        } => {
            if buffer == Buffer::Payload {
                if !payload.is_empty() {
                    f(payload)
                }
            } else if let Some(h) = packet_header(buffer, decoded, frame) {
                f(h)
            }
        }
        Subject::Stream { data, .. } => {
            if buffer == Buffer::Payload && !data.is_empty() {
                f(data)
            }
        }
        Subject::Http { tx, .. } => {
            use HttpBuffer as H;
            if buffer == Buffer::FileName {
                for file in tx.files().iter().filter(|f| file_on_side(side, f)) {
                    f(&file.name)
                }
                return;
            }
            // `file.data` of a `flow:to_server` rule is the request's files (a POST or PUT
            // body, uploads). Without a direction it stays the response body: the sensor's
            // `file.data` is also `http.response_body`, which must not see the request.
            if buffer == Buffer::FileData && matches!(side, Side::Request | Side::Prefilter) {
                for file in tx.files().iter().filter(|f| f.to_server) {
                    let bytes = tx.file_content(file);
                    if !bytes.is_empty() {
                        f(bytes)
                    }
                }
                if side == Side::Request {
                    return;
                }
            }
            if matches!(
                buffer,
                Buffer::HttpRequestHeader | Buffer::HttpResponseHeader
            ) {
                return for_each_header(tx, buffer == Buffer::HttpResponseHeader, f);
            }
            let list: &[HttpBuffer] = match buffer {
                Buffer::HttpUri => &[H::Uri],
                Buffer::HttpUriRaw => &[H::UriRaw],
                Buffer::HttpHost => &[H::Host],
                Buffer::HttpHostRaw => &[H::HostRaw],
                Buffer::HttpMethod => &[H::Method],
                Buffer::HttpUserAgent => &[H::UserAgent],
                Buffer::HttpHeader => &[H::RequestHeaders, H::ResponseHeaders],
                Buffer::HttpCookie => &[H::Cookie, H::SetCookie],
                Buffer::HttpRequestBody => &[H::RequestBody],
                Buffer::HttpStatCode => &[H::StatCode],
                Buffer::HttpStatMsg => &[H::StatMsg],
                Buffer::HttpContentType => &[H::RequestContentType, H::ResponseContentType],
                Buffer::HttpProtocol => &[H::Protocol],
                Buffer::HttpRequestLine => &[H::RequestLine],
                Buffer::HttpResponseLine => &[H::ResponseLine],
                Buffer::FileData => &[H::ResponseBody],
                Buffer::HttpHeaderNames => &[H::RequestHeaderNames, H::ResponseHeaderNames],
                Buffer::HttpStart => &[H::RequestStart, H::ResponseStart],
                Buffer::HttpHeaderRaw => &[H::RequestHeaderRaw, H::ResponseHeaderRaw],
                Buffer::HttpReferer => &[H::Referer],
                Buffer::HttpAccept => &[H::Accept],
                Buffer::HttpAcceptEnc => &[H::AcceptEnc],
                Buffer::HttpAcceptLang => &[H::AcceptLang],
                Buffer::HttpConnection => &[H::RequestConnection, H::ResponseConnection],
                Buffer::HttpContentLen => &[H::RequestContentLen, H::ResponseContentLen],
                Buffer::HttpServer => &[H::Server],
                Buffer::HttpLocation => &[H::Location],
                _ => &[],
            };
            for b in list {
                let wanted = match side {
                    Side::Any | Side::Prefilter => true,
                    Side::Request => !b.is_response(),
                    Side::Response => b.is_response(),
                };
                if !wanted && list.len() > 1 {
                    continue;
                }
                if let Some(bytes) = tx.buffer(*b) {
                    f(bytes)
                }
            }
        }
        Subject::Ssh { tx, dir, ready, .. } => {
            let to_server = *dir == crate::flow::TO_SERVER;
            let side = if to_server { &tx.client } else { &tx.server };
            let hassh = |client: bool| {
                (client == to_server)
                    .then_some(side.hassh.as_ref())
                    .flatten()
            };
            let bytes: Option<&[u8]> = match buffer {
                Buffer::SshProto if ready & 1 != 0 => Some(&side.proto_version),
                Buffer::SshSoftware if ready & 1 != 0 => Some(&side.software_version),
                Buffer::SshHassh => hassh(true).map(|h| h.hash.as_bytes()),
                Buffer::SshHasshString => hassh(true).map(|h| h.string.as_bytes()),
                Buffer::SshHasshServer => hassh(false).map(|h| h.hash.as_bytes()),
                Buffer::SshHasshServerString => hassh(false).map(|h| h.string.as_bytes()),
                _ => None,
            };
            if let Some(b) = bytes {
                f(b)
            }
        }
        // Suricata 7.0.10 matched `file.data` of ftp-data only on files sent to the server
        // (measured: tests/data/ftp); the file name and command are not buffers here.
        Subject::FtpData(tx) => {
            if buffer == Buffer::FileData
                && tx.dir == Some(crate::app::Direction::ToServer)
                && !tx.file.is_empty()
            {
                f(&tx.file)
            }
        }
        Subject::Ftp { .. } => {}
        Subject::Dcerpc { tx, dir, .. } => {
            let d = if *dir == crate::flow::TO_SERVER {
                crate::app::Direction::ToServer
            } else {
                crate::app::Direction::ToClient
            };
            let stub = tx.stub(d);
            if buffer == Buffer::DceStubData && !stub.is_empty() {
                f(stub)
            }
        }
        Subject::Smtp(tx) => {
            for file in &tx.files {
                match buffer {
                    Buffer::FileData if !file.content.is_empty() => f(&file.content),
                    Buffer::FileName => f(&file.name),
                    _ => {}
                }
            }
        }
        Subject::Dns { msg, .. } => {
            if buffer == Buffer::DnsQuery && !msg.is_response() {
                for q in msg.questions() {
                    f(q.name.as_bytes())
                }
            }
        }
        Subject::Tls(r) => {
            if buffer == Buffer::TlsCerts {
                for c in &r.cert_chain {
                    f(c)
                }
                return;
            }
            let bytes: Option<&[u8]> = match buffer {
                Buffer::TlsSni => r.sni(),
                Buffer::TlsCertSubject => r.server_cert.as_ref().map(|c| c.subject.as_bytes()),
                Buffer::TlsCertIssuer => r.server_cert.as_ref().map(|c| c.issuer.as_bytes()),
                Buffer::TlsCertSerial => r.server_cert.as_ref().map(|c| c.serial.as_bytes()),
                Buffer::TlsCertFingerprint => r
                    .server_cert
                    .as_ref()
                    .and_then(|c| c.fingerprint.as_ref())
                    .map(|f| f.as_bytes()),
                Buffer::Ja3Hash => r.ja3.as_ref().map(|j| j.hash.as_bytes()),
                Buffer::Ja3String => r.ja3.as_ref().map(|j| j.string.as_bytes()),
                Buffer::Ja3sHash => r.ja3s.as_ref().map(|j| j.hash.as_bytes()),
                Buffer::Ja3sString => r.ja3s.as_ref().map(|j| j.string.as_bytes()),
                Buffer::Ja4Hash => r.ja4.as_ref().map(|j| j.as_bytes()),
                _ => None,
            };
            if let Some(b) = bytes {
                f(b)
            }
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("signatures", &self.sigs.len())
            .finish()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::UdpHeader;
    #[test]
    fn ip_only_rule_needs_both_addresses() {
        let text =
            r#"alert ip $HOME_NET any -> [5.149.249.172,185.104.9.39] any (msg:"x"; sid:1;)"#
                .to_string();
        let (e, rep) = Engine::build(
            &[(PathBuf::from("t"), text)],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        assert_eq!(rep.loaded, 1);
        let mut ctx = e.context();
        let d = Decoded {
            src: "10.10.0.53".parse().unwrap(),
            dst: "192.0.2.123".parse().unwrap(),
            ip_proto: 17,
            l4: L4::Udp(UdpHeader {
                src_port: 1,
                dst_port: 2,
                length: 8,
            }),
            ..Default::default()
        };
        let facts = FlowFacts {
            client: (d.src, 1),
            server: (d.dst, 2),
            proto: 17,
            established: false,
            midstream_established: false,
            tcp_base_seq: [None; 2],
            app: None,
            age: Some(0),
        };
        let mut fd = FlowDetect::default();
        let mut n = 0;
        e.inspect(
            &mut ctx,
            &Subject::Packet {
                frame: &[],
                events: Default::default(),
                decoded: &d,
                payload: b"",
                dir: 0,
            },
            &facts,
            &mut fd,
            Timestamp::ZERO,
            &mut |_, _| n += 1,
        );
        assert_eq!(n, 0);
    }

    pub(super) fn count_alerts(
        e: &Engine,
        subject: &Subject<'_>,
        facts: &FlowFacts,
        fd: &mut FlowDetect,
    ) -> Vec<u32> {
        let mut ctx = e.context();
        let mut got = Vec::new();
        e.inspect(
            &mut ctx,
            subject,
            facts,
            fd,
            Timestamp::ZERO,
            &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
        );
        got.sort_unstable();
        got
    }

    pub(super) fn tcp_packet(src: &str, dst: &str) -> (Decoded, FlowFacts) {
        let d = Decoded {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            ip_proto: 6,
            l4: L4::Tcp(crate::decode::TcpHeader {
                src_port: 40000,
                dst_port: 80,
                flags: 0x18,
                ..Default::default()
            }),
            ..Default::default()
        };
        let facts = FlowFacts {
            client: (d.src, 40000),
            server: (d.dst, 80),
            proto: 6,
            established: true,
            midstream_established: false,
            app: None,
            age: Some(0),
            tcp_base_seq: [None; 2],
        };
        (d, facts)
    }

    /// A pass by an IP-only rule passes the whole flow (Suricata applies it to the flow);
    /// a pass by a packet rule only silences its own packet.
    #[test]
    fn ip_only_pass_passes_the_flow_packet_pass_the_packet() {
        let udp = |payload: &'static [u8]| {
            let d = Decoded {
                src: "198.51.100.3".parse().unwrap(),
                dst: "192.0.2.2".parse().unwrap(),
                ip_proto: 17,
                l4: L4::Udp(UdpHeader {
                    src_port: 12345,
                    dst_port: 514,
                    length: 8 + payload.len() as u16,
                }),
                ..Default::default()
            };
            (d, payload)
        };
        let facts = FlowFacts {
            client: ("198.51.100.3".parse().unwrap(), 12345),
            server: ("192.0.2.2".parse().unwrap(), 514),
            proto: 17,
            established: false,
            midstream_established: false,
            tcp_base_seq: [None; 2],
            app: None,
            age: Some(0),
        };
        let run = |e: &Engine, fd: &mut FlowDetect, payload: &'static [u8]| {
            let (d, payload) = udp(payload);
            let subject = Subject::Packet {
                frame: &[],
                events: Default::default(),
                decoded: &d,
                payload,
                dir: 0,
            };
            count_alerts(e, &subject, &facts, fd)
        };
        let flow_pass = engine_of(
            "pass ip any any <> 192.0.2.2 any (msg:\"p\"; sid:10;)\n\
             alert udp any any -> any any (msg:\"e\"; content:\"EVIL\"; sid:1;)\n",
        );
        let mut fd = FlowDetect::default();
        assert!(run(&flow_pass, &mut fd, b"EVIL").is_empty());
        assert!(fd.passed());
        // The IP-only rule is not evaluated again, yet the flow stays passed.
        assert!(run(&flow_pass, &mut fd, b"EVIL").is_empty());
        let packet_pass = engine_of(
            "pass udp any any -> any any (msg:\"p\"; content:\"GOOD\"; sid:10;)\n\
             alert udp any any -> any any (msg:\"e\"; content:\"EVIL\"; sid:1;)\n",
        );
        let mut fd = FlowDetect::default();
        assert!(run(&packet_pass, &mut fd, b"GOOD EVIL").is_empty());
        assert!(!fd.passed());
        assert_eq!(run(&packet_pass, &mut fd, b"EVIL"), [1]);
    }

    /// `[list] -> $HOME_NET` IP-only rules are found by their source list, the smaller side.
    #[test]
    fn ip_only_rules_are_indexed_by_the_smaller_side() {
        let text =
            "alert ip [198.51.100.1,198.51.100.9] any -> $HOME_NET any (msg:\"s\"; sid:1;)\n\
                    alert ip $HOME_NET any -> [192.0.2.5] any (msg:\"d\"; sid:2;)\n\
                    alert ip [198.51.100.0/24] any <> $HOME_NET any (msg:\"b\"; sid:3;)\n";
        let (e, rep) = Engine::build(
            &[(PathBuf::from("t"), text.to_string())],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        assert_eq!(rep.loaded, 3);
        assert!(e.ip_only.by_src.is_some() && e.ip_only.by_dst.is_some());
        let run = |src: &str, dst: &str| {
            let (d, facts) = tcp_packet(src, dst);
            let s = Subject::Packet {
                frame: &[],
                events: Default::default(),
                decoded: &d,
                payload: b"",
                dir: 0,
            };
            count_alerts(&e, &s, &facts, &mut FlowDetect::default())
        };
        assert_eq!(run("198.51.100.9", "10.0.0.1"), vec![1, 3]);
        assert_eq!(run("198.51.100.2", "10.0.0.1"), vec![3]);
        assert_eq!(run("10.0.0.1", "192.0.2.5"), vec![2]);
        assert_eq!(run("10.0.0.1", "198.51.100.9"), vec![3]);
        assert_eq!(run("203.0.113.1", "10.0.0.1"), Vec::<u32>::new());
    }

    /// Once a flow's payload is no longer inspected (encrypted TLS), content rules stay quiet
    /// on its packets and stream; rules without payload content still apply.
    #[test]
    fn stopped_payload_inspection_leaves_non_content_rules() {
        let text = "alert tcp any any -> any any (msg:\"c\"; content:\"abc\"; sid:1;)\n\
                    alert tcp-pkt any any -> any any (msg:\"p\"; content:\"abc\"; sid:2;)\n\
                    alert tcp any any -> any any (msg:\"f\"; flags:PA; sid:3;)\n";
        let (e, rep) = Engine::build(
            &[(PathBuf::from("t"), text.to_string())],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        assert_eq!(rep.loaded, 3);
        let (d, facts) = tcp_packet("10.0.0.1", "192.0.2.1");
        let packet = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &d,
            payload: b"xxabcxx",
            dir: 0,
        };
        let stream = Subject::Stream {
            data: b"xxabcxx",
            dir: 0,
            seen: 0,
            offset: 0,
            lone: false,
        };
        let mut fd = FlowDetect::default();
        assert_eq!(count_alerts(&e, &packet, &facts, &mut fd), vec![2, 3]);
        let mut fd = FlowDetect::default();
        assert_eq!(count_alerts(&e, &stream, &facts, &mut fd), vec![1]);
        let mut fd = FlowDetect::default();
        fd.stop_payload_inspection();
        assert!(fd.payload_inspection_stopped());
        assert_eq!(count_alerts(&e, &packet, &facts, &mut fd), vec![3]);
        assert_eq!(
            count_alerts(&e, &stream, &facts, &mut fd),
            Vec::<u32>::new()
        );
    }

    /// `alert dns ... content:` inspects UDP DNS per packet, and TCP flows' packets not at all
    /// (their stream instead).
    #[test]
    fn app_payload_rule_inspects_udp_packets_and_tcp_streams() {
        let text =
            r#"alert dns any any -> any any (msg:"x"; content:"evil|03|"; sid:1;)"#.to_string();
        let (e, rep) = Engine::build(
            &[(PathBuf::from("t"), text)],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        assert_eq!(rep.loaded, 1);
        assert!(e.has_stream_rules());
        let d = Decoded {
            src: "10.10.0.53".parse().unwrap(),
            dst: "192.0.2.123".parse().unwrap(),
            ip_proto: 17,
            l4: L4::Udp(UdpHeader {
                src_port: 1,
                dst_port: 53,
                length: 8,
            }),
            ..Default::default()
        };
        let query =
            b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04evil\x03com\x00\x00\x01\x00\x01";
        let count = |proto: u8, subject: &Subject<'_>| {
            let facts = FlowFacts {
                client: (d.src, 1),
                server: (d.dst, 53),
                proto,
                established: true,
                midstream_established: false,
                tcp_base_seq: [None; 2],
                app: Some(crate::app::AppProto::Dns),
                age: Some(0),
            };
            let mut ctx = e.context();
            let mut fd = FlowDetect::default();
            let mut n = 0;
            e.inspect(
                &mut ctx,
                subject,
                &facts,
                &mut fd,
                Timestamp::ZERO,
                &mut |_, _| n += 1,
            );
            n
        };
        let packet = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &d,
            payload: query,
            dir: 0,
        };
        assert_eq!(count(17, &packet), 1);
        assert_eq!(count(6, &packet), 0);
        let stream = Subject::Stream {
            data: query,
            dir: 0,
            seen: 0,
            offset: 0,
            lone: false,
        };
        assert_eq!(count(6, &stream), 1);
    }

    /// A stream rule whose fast pattern came in an earlier chunk and whose other content comes
    /// in a later one matches, though only new data is scanned: the candidate is carried while
    /// its chunk stays in the window.
    #[test]
    fn stream_candidates_carry_across_chunks() {
        let text = r#"alert tcp any any -> any any (msg:"x"; content:"longpattern"; fast_pattern; content:"ZZ"; distance:0; sid:1;)"#.to_string();
        let (e, _) = Engine::build(
            &[(PathBuf::from("t"), text)],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        let facts = FlowFacts {
            client: ("10.0.0.1".parse().unwrap(), 40000),
            server: ("192.0.2.1".parse().unwrap(), 80),
            proto: 6,
            established: true,
            midstream_established: false,
            tcp_base_seq: [None; 2],
            app: None,
            age: Some(0),
        };
        let mut ctx = e.context();
        let mut fd = FlowDetect::default();
        let alerts = std::cell::Cell::new(0u32);
        let mut run = |data: &[u8], seen: usize, offset: u64, fd: &mut FlowDetect| {
            let subject = Subject::Stream {
                data,
                dir: 0,
                seen,
                offset,
                lone: false,
            };
            e.inspect(
                &mut ctx,
                &subject,
                &facts,
                fd,
                Timestamp::ZERO,
                &mut |_, _| alerts.set(alerts.get() + 1),
            );
        };
        // Chunk 1 (offset 0): the pattern; chunk 2: filler; chunk 3: the second content.
        let c1 = b"xx longpattern yy".to_vec();
        run(&c1, 0, 0, &mut fd);
        let mut w2 = c1.clone();
        w2.extend_from_slice(b" filler ");
        run(&w2, c1.len(), 0, &mut fd);
        let mut w3 = w2.clone();
        w3.extend_from_slice(b"ZZ");
        run(&w3, w2.len(), 0, &mut fd);
        assert_eq!(alerts.get(), 1);
        // Once the pattern's chunk has left the window, it is no longer a candidate.
        assert!(!fd.more().stream_carried[0].is_empty());
        let tail = b"ZZ more ZZ".to_vec();
        run(&tail, 2, w3.len() as u64 - 2, &mut fd);
        assert_eq!(alerts.get(), 1);
        assert!(fd.more().stream_carried[0].is_empty());
    }

    pub(super) fn engine_of(text: &str) -> Engine {
        let (e, rep) = Engine::build(
            &[(PathBuf::from("t"), text.to_string())],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        e
    }

    fn tcp_facts(client: &str, server: &str, sport: u16) -> FlowFacts {
        FlowFacts {
            client: (client.parse().unwrap(), 40000),
            server: (server.parse().unwrap(), sport),
            proto: 6,
            established: true,
            midstream_established: false,
            tcp_base_seq: [None; 2],
            app: None,
            age: Some(0),
        }
    }

    /// Signature ids of the alerts for one stream chunk at the start of direction `dir`.
    fn stream_alerts(
        e: &Engine,
        ctx: &mut DetectCtx,
        fd: &mut FlowDetect,
        facts: &FlowFacts,
        data: &[u8],
        dir: usize,
        secs: u64,
    ) -> Vec<u32> {
        let mut got = Vec::new();
        e.inspect(
            ctx,
            &Subject::Stream {
                data,
                dir,
                seen: 0,
                offset: 0,
                lone: false,
            },
            facts,
            fd,
            Timestamp::from_secs_nanos(secs, 0),
            &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
        );
        got
    }

    /// `track by_rule` counts every source together, `by_src` each apart, `by_both` the
    /// address pair; none of them is another in disguise.
    #[test]
    fn threshold_tracks_count_apart() {
        let e = engine_of(
            "alert tcp any any -> any any (msg:\"r\"; content:\"x\"; threshold:type limit,track by_rule,count 1,seconds 60; sid:1;)\n\
             alert tcp any any -> any any (msg:\"s\"; content:\"x\"; threshold:type limit,track by_src,count 1,seconds 60; sid:2;)\n\
             alert tcp any any -> any any (msg:\"b\"; content:\"x\"; threshold:type limit,track by_both,count 1,seconds 60; sid:3;)\n\
             alert tcp any any -> any any (msg:\"f\"; content:\"x\"; threshold:type limit,track by_flow,count 1,seconds 60; sid:4;)\n",
        );
        let mut ctx = e.context();
        let mut all = Vec::new();
        for (client, server) in [
            ("10.0.0.1", "192.0.2.1"),
            ("10.0.0.2", "192.0.2.1"),
            ("10.0.0.1", "192.0.2.1"),
        ] {
            let mut fd = FlowDetect::default();
            let facts = tcp_facts(client, server, 80);
            all.extend(stream_alerts(&e, &mut ctx, &mut fd, &facts, b"x", 0, 1));
        }
        all.sort_unstable();
        // by_rule once; by_src per source (2); by_both per pair (2); by_flow per flow: the
        // third flow has the first one's 5-tuple (ports included), so 2.
        assert_eq!(all, [1, 2, 2, 3, 3, 4, 4]);
    }

    /// An xbit set on a host by one flow is seen by another flow of that host, until it
    /// expires.
    #[test]
    fn xbits_span_flows_and_expire() {
        let e = engine_of(
            "alert tcp any any -> any any (msg:\"set\"; content:\"login\"; xbits:set,seen,track ip_src,expire 10; noalert; sid:1;)\n\
             alert tcp any any -> any any (msg:\"check\"; content:\"exfil\"; xbits:isset,seen,track ip_src; sid:2;)\n",
        );
        let mut ctx = e.context();
        let facts = tcp_facts("10.0.0.1", "192.0.2.1", 80);
        let other = tcp_facts("10.0.0.9", "192.0.2.1", 80);
        let mut fd = FlowDetect::default();
        assert!(stream_alerts(&e, &mut ctx, &mut fd, &facts, b"exfil", 0, 1).is_empty());
        assert!(stream_alerts(&e, &mut ctx, &mut fd, &facts, b"login", 0, 2).is_empty());
        let mut fd2 = FlowDetect::default();
        assert_eq!(
            stream_alerts(&e, &mut ctx, &mut fd2, &facts, b"exfil", 0, 3),
            [2]
        );
        let mut fd3 = FlowDetect::default();
        assert!(stream_alerts(&e, &mut ctx, &mut fd3, &other, b"exfil", 0, 3).is_empty());
        let mut fd4 = FlowDetect::default();
        assert!(stream_alerts(&e, &mut ctx, &mut fd4, &facts, b"exfil", 0, 13).is_empty());
    }

    /// `file.data` on an smtp rule is each of the mail's attachments (not its text, not HTTP
    /// bodies): `startswith` anchors at an attachment's start; other HTTP buffers stay refused.
    #[test]
    fn smtp_file_data_inspects_each_attachment() {
        let e = engine_of(
            "alert smtp any any -> any any (msg:\"a\"; flow:to_server; file.data; content:\"MARK\"; startswith; sid:1;)\n\
             alert smtp any any -> any any (msg:\"b\"; file_data; content:\"body\"; sid:2;)\n\
             alert http any any -> any any (msg:\"h\"; file.data; content:\"MARK\"; sid:3;)\n",
        );
        assert_eq!(e.len(), 3);
        let facts = tcp_facts("10.0.0.1", "192.0.2.1", 25);
        let mut ctx = e.context();
        let run = |tx: &crate::app::smtp::SmtpTx, ctx: &mut DetectCtx| {
            let mut fd = FlowDetect::default();
            let mut got = Vec::new();
            e.inspect(
                ctx,
                &Subject::Smtp(tx),
                &facts,
                &mut fd,
                Timestamp::default(),
                &mut |s, r| got.push((e.sigs[s as usize].rule.sid, r)),
            );
            got
        };
        let tx = crate::app::smtp::SmtpTx {
            files: vec![smtp_file(b"body text"), smtp_file(b"MARK and more")],
            ..Default::default()
        };
        assert_eq!(run(&tx, &mut ctx), [(1, false), (2, false)]);
        let none = crate::app::smtp::SmtpTx::default();
        assert!(run(&none, &mut ctx).is_empty());
        let (_, report) = Engine::build(
            &[(
                PathBuf::from("t"),
                "alert smtp any any -> any any (msg:\"u\"; http.uri; content:\"x\"; sid:4;)\n"
                    .into(),
            )],
            &Vars::default(),
            &Classifications::default(),
            EngineConfig::default(),
        );
        assert_eq!((report.loaded, report.errors.len()), (0, 1));
    }

    /// File keywords as Suricata 7.0.10 judged them on the file of bug 2558's capture
    /// (`/a/expl/2008.mp4`, 195 bytes; `tests/data` has no copy, the corpus case pins it):
    /// legacy `filename` without case, `file.name` content with case, `fileext` after the last
    /// dot without case, `filesize` forms, hash lists and their negation, direction.
    #[test]
    fn file_keywords_as_suricata_judges_them() {
        let dir = std::env::temp_dir().join(format!("engine-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data = b"0123456789";
        let md5 = "781e5e245d69b566979b86e28d23f2c7";
        std::fs::write(dir.join("in.md5"), format!("# list\n{md5}  a comment\n")).unwrap();
        std::fs::write(dir.join("out.md5"), "00000000000000000000000000000000\n").unwrap();
        std::fs::write(dir.join("bad.md5"), "not-a-digest\n").unwrap();
        let rules = "alert ip any any -> any any (filename:\"2008.MP4\"; sid:1;)\n\
             alert ip any any -> any any (fileext:\"MP4\"; sid:2;)\n\
             alert ip any any -> any any (filesize:10; sid:3;)\n\
             alert ip any any -> any any (filesize:<10; sid:4;)\n\
             alert ip any any -> any any (filesize:5<>11; sid:5;)\n\
             alert ip any any -> any any (filemd5:in.md5; sid:6;)\n\
             alert ip any any -> any any (filemd5:!in.md5; sid:7;)\n\
             alert ip any any -> any any (filemd5:!out.md5; sid:8;)\n\
             alert ip any any -> any any (file.name; content:\"2008.MP4\"; sid:9;)\n\
             alert ip any any -> any any (fileext:\".mp4\"; sid:10;)\n\
             alert ip any any -> any any (fileext:!\"mp4\"; sid:11;)\n\
             alert ip any any -> any any (filename:!\"zzz\"; sid:12;)\n\
             alert smtp any any -> any any (flow:to_client; fileext:\"mp4\"; sid:13;)\n\
             alert ip any any -> any any (file.name; content:\"expl\"; fileext:\"mp4\"; filesize:>9; filestore; sid:14;)\n\
             alert ip any any -> any any (filemd5:bad.md5; sid:15;)\n";
        let (e, rep) = Engine::build(
            &[(dir.join("t.rules"), rules.to_string())],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig::default(),
        );
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        // A malformed list fails its rule only.
        assert_eq!(rep.dataset_errors.len(), 1, "{:?}", rep.dataset_errors);
        assert_eq!(
            e.file_needs(),
            FileNeeds {
                md5: true,
                sha1: false,
                sha256: true
            }
        );
        let needs = e.file_needs();
        let file = File::whole(b"/a/expl/2008.mp4", true, data, true, needs);
        let tx = crate::app::smtp::SmtpTx {
            files: vec![file.clone()],
            ..Default::default()
        };
        let facts = tcp_facts("10.0.0.1", "192.0.2.1", 25);
        let mut fd = FlowDetect::default();
        let mut got = count_alerts(&e, &Subject::Smtp(&tx), &facts, &mut fd);
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3, 5, 6, 8, 12, 14]);
        let mut stored = Vec::new();
        let sig = e.sigs.iter().position(|s| s.rule.sid == 14).unwrap() as u32;
        e.files_to_store(sig, &Subject::Smtp(&tx), &mut |i| stored.push(i));
        assert_eq!(stored, [0]);
        // A cut file: no digest (lists never match, negated or not), and its size is only a
        // lower bound (`>` may hold, `=` and `<` not).
        let cut = File::whole(b"/a/expl/2008.mp4", true, data, false, needs);
        let tx = crate::app::smtp::SmtpTx {
            files: vec![cut],
            ..Default::default()
        };
        let mut got = count_alerts(&e, &Subject::Smtp(&tx), &facts, &mut FlowDetect::default());
        got.sort_unstable();
        assert_eq!(got, [1, 2, 12, 14]);
        // No file: no file keyword matches, negated ones included.
        let none = crate::app::smtp::SmtpTx::default();
        assert!(count_alerts(
            &e,
            &Subject::Smtp(&none),
            &facts,
            &mut FlowDetect::default()
        )
        .is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An attachment of a mail, closed.
    fn smtp_file(data: &[u8]) -> File {
        File::whole(b"a.bin", true, data, true, FileNeeds::NONE)
    }

    /// `file.data` in an `ip` or `tcp` rule inspects SMTP attachments as well as HTTP
    /// bodies; with other buffers beside it the rule stays an HTTP rule.
    #[test]
    fn file_data_of_tcp_rules_covers_smtp_attachments() {
        let e = engine_of(
            "alert tcp any any -> any any (msg:\"t\"; file.data; content:\"42\"; sid:1;)\n\
             alert ip any any -> any any (msg:\"i\"; file_data; content:\"42\"; sid:2;)\n\
             alert tcp any any -> any any (msg:\"u\"; http.uri; content:\"/\"; file.data; content:\"42\"; sid:3;)\n\
             alert udp any any -> any any (msg:\"d\"; file.data; content:\"42\"; sid:4;)\n",
        );
        let facts = tcp_facts("10.0.0.1", "192.0.2.1", 25);
        let tx = crate::app::smtp::SmtpTx {
            files: vec![smtp_file(b"42")],
            ..Default::default()
        };
        let mut fd = FlowDetect::default();
        assert_eq!(
            count_alerts(&e, &Subject::Smtp(&tx), &facts, &mut fd),
            [1, 2]
        );
    }

    /// `alert smtp` applies to flows detected as SMTP, whatever the port, and not to other
    /// TCP flows (Suricata: the flow's `app_proto`).
    #[test]
    fn smtp_rules_apply_to_smtp_flows() {
        let e = engine_of(
            "alert smtp any any -> any any (msg:\"m\"; flow:to_server; content:\"MAIL FROM\"; sid:1;)\n\
             alert ftp any any -> any any (msg:\"f\"; flow:to_server; content:\"MAIL FROM\"; sid:2;)\n",
        );
        let mut ctx = e.context();
        let data = b"EHLO client\r\nMAIL FROM:<a@b>\r\n";
        for (app, want) in [
            (Some(crate::app::AppProto::Smtp), &[1u32][..]),
            (Some(crate::app::AppProto::Ftp), &[2]),
            (Some(crate::app::AppProto::Failed), &[]),
            (None, &[]),
        ] {
            let facts = FlowFacts {
                app,
                ..tcp_facts("10.0.0.1", "192.0.2.1", 2525)
            };
            let mut fd = FlowDetect::default();
            let mut got = stream_alerts(&e, &mut ctx, &mut fd, &facts, data, 0, 1);
            got.sort_unstable();
            assert_eq!(got, want, "{app:?}");
        }
    }

    /// `tls.certs` inspects every certificate of the chain; `tls.cert_issuer` the first one's
    /// issuer; `tls.version` the negotiated version on server-to-client rules.
    #[test]
    fn tls_certs_issuer_and_version() {
        use crate::app::tls::{Certificate, ServerHello, TlsRecord};
        let e = engine_of(
            "alert tls any any -> any any (msg:\"c\"; flow:to_client; tls.certs; content:\"Evil Root\"; sid:1;)\n\
             alert tls any any -> any any (msg:\"i\"; flow:to_client; tls.cert_issuer; content:\"CN=Evil\"; sid:2;)\n\
             alert tls any any -> any any (msg:\"v\"; flow:to_client; tls.version:1.2; sid:3;)\n\
             alert tls any any -> any any (msg:\"v13\"; flow:to_client; tls.version:1.3; sid:4;)\n",
        );
        let rec = TlsRecord {
            server_hello: Some(ServerHello {
                version: 0x0303,
                ..Default::default()
            }),
            server_cert: Some(Certificate {
                issuer: "C=US, CN=Evil Intermediate".into(),
                ..Default::default()
            }),
            cert_chain: vec![b"leaf cert".to_vec(), b"...Evil Root...".to_vec()],
            ..Default::default()
        };
        let mut ctx = e.context();
        let mut fd = FlowDetect::default();
        let facts = FlowFacts {
            app: Some(crate::app::AppProto::Tls),
            age: Some(0),
            ..tcp_facts("10.0.0.1", "192.0.2.1", 443)
        };
        let mut got = Vec::new();
        e.inspect(
            &mut ctx,
            &Subject::Tls(&rec),
            &facts,
            &mut fd,
            Timestamp::ZERO,
            &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
        );
        got.sort_unstable();
        assert_eq!(got, [1, 2, 3]);
    }

    /// A `tcp` rule with a `depth`-anchored content matches each packet's payload (ET's FTP
    /// brute-force rule: replies are not at the start of the stream) besides the stream.
    /// `dsize` makes a rule a packet rule.
    #[test]
    fn anchored_tcp_content_matches_per_packet_once() {
        use crate::decode::TcpHeader;
        let e = engine_of(
            "alert tcp any 21 -> any any (msg:\"a\"; flow:from_server; content:\"530 \"; depth:4; sid:1;)\n\
             alert tcp any 21 -> any any (msg:\"d\"; flow:from_server; dsize:<100; content:\"530 \"; depth:4; sid:2;)\n",
        );
        let facts = tcp_facts("10.0.0.1", "192.0.2.1", 21);
        let d = Decoded {
            src: facts.server.0,
            dst: facts.client.0,
            ip_proto: 6,
            l4: L4::Tcp(TcpHeader {
                src_port: 21,
                dst_port: 40000,
                flags: 0x18,
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut ctx = e.context();
        let mut fd = FlowDetect::default();
        let packet = |ctx: &mut DetectCtx, fd: &mut FlowDetect, payload: &[u8]| {
            let mut got = Vec::new();
            e.inspect(
                ctx,
                &Subject::Packet {
                    frame: &[],
                    events: Default::default(),
                    decoded: &d,
                    payload,
                    dir: 1,
                },
                &facts,
                fd,
                Timestamp::ZERO,
                &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
            );
            got.sort_unstable();
            got
        };
        // The stream starts with the banner: the anchored content is not at its start...
        let stream = b"220 ready\r\n530 Login incorrect\r\n";
        assert!(stream_alerts(&e, &mut ctx, &mut fd, &facts, stream, 1, 0).is_empty());
        // ...but it is at the start of the reply's packet.
        assert_eq!(
            packet(&mut ctx, &mut fd, b"530 Login incorrect\r\n"),
            [1, 2]
        );
        // Data at the start of the stream and of its packet: the stream match and the packet
        // match each alert (Suricata 7.0.10 does so: 6 alerts for 3 FTP greetings with
        // `content:"220"; depth:3;` on Zeek's FTP traces).
        let mut fd = FlowDetect::default();
        let first = b"530 Login incorrect\r\n";
        assert_eq!(
            stream_alerts(&e, &mut ctx, &mut fd, &facts, first, 1, 0),
            [1]
        );
        assert_eq!(packet(&mut ctx, &mut fd, first), [1, 2]);
    }

    /// `flowint`: `+` starts an unset variable at the value, conditions need the variable
    /// set, and a rule testing it sees what rules matched earlier on the flow did.
    #[test]
    fn flowint_counts_per_flow() {
        let e = engine_of(
            "alert tcp any any -> any any (msg:\"n\"; content:\"dll\"; flowint:n,+,1; noalert; sid:1;)\n\
             alert tcp any any -> any any (msg:\"t\"; content:\"dll\"; flowint:n,>=,2; sid:2;)\n\
             alert tcp any any -> any any (msg:\"u\"; content:\"dll\"; flowint:m,isset; sid:3;)\n\
             alert tcp any any -> any any (msg:\"s\"; content:\"x\"; flowint:n,-,5; sid:4;)\n",
        );
        let mut ctx = e.context();
        let facts = tcp_facts("10.0.0.1", "192.0.2.1", 80);
        let mut fd = FlowDetect::default();
        let mut run =
            |fd: &mut FlowDetect, d: &[u8]| stream_alerts(&e, &mut ctx, fd, &facts, d, 0, 0);
        assert!(run(&mut fd, b"a.dll").is_empty());
        assert_eq!(run(&mut fd, b"b.dll"), [2]);
        assert_eq!(run(&mut fd, b"x"), [4]);
        // 2 - 5 wraps as a u32 does in Suricata: far above 2.
        assert_eq!(run(&mut fd, b"c.dll"), [2]);
        // Another flow starts from nothing.
        let mut fd2 = FlowDetect::default();
        assert!(run(&mut fd2, b"d.dll").is_empty());
        assert_eq!(fd.int(0).map(|v| v > 2), Some(true));
    }

    /// `stream_size` counts what each side sent (sequence distance from its base, the SYN
    /// included) on TCP packets: this packet's end for its sender, the acknowledgement for
    /// the other side.
    #[test]
    fn stream_size_from_sequence_numbers() {
        use crate::decode::TcpHeader;
        let e = engine_of(
            "alert tcp any any -> any any (msg:\"c\"; flow:to_server; stream_size:server,<,5; content:\"HELLO\"; sid:1;)\n\
             alert tcp any any -> any any (msg:\"s\"; flow:to_server; stream_size:client,>,10; sid:2;)\n",
        );
        let facts = FlowFacts {
            tcp_base_seq: [Some(1000), Some(5000)],
            ..tcp_facts("10.0.0.1", "192.0.2.1", 80)
        };
        let run = |seq: u32, ack: u32, payload: &[u8]| {
            let d = Decoded {
                src: facts.client.0,
                dst: facts.server.0,
                ip_proto: 6,
                l4: L4::Tcp(TcpHeader {
                    src_port: 40000,
                    dst_port: 80,
                    seq,
                    ack,
                    flags: 0x18,
                    ..Default::default()
                }),
                ..Default::default()
            };
            let mut ctx = e.context();
            let mut fd = FlowDetect::default();
            let mut got = Vec::new();
            e.inspect(
                &mut ctx,
                &Subject::Packet {
                    frame: &[],
                    events: Default::default(),
                    decoded: &d,
                    payload,
                    dir: 0,
                },
                &facts,
                &mut fd,
                Timestamp::ZERO,
                &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
            );
            got.sort_unstable();
            got
        };
        // Client's first data (size 1 + 5 = 6), server sent nothing (ack 5001: size 1).
        assert_eq!(run(1001, 5001, b"HELLO"), [1]);
        // The server has sent 10 bytes: size 11, not < 5.
        assert!(run(1001, 5011, b"HELLO").is_empty());
        // Later client data: 1 + 20 + 5 > 10.
        assert_eq!(run(1021, 5011, b"HELLO"), [2]);
    }

    /// A request is inspected as soon as it is complete (`HttpPhase::Request`): rules it
    /// decides alone alert then, once; rules needing the response wait for the transaction
    /// (`Rest`); a rule inspected on each side gets its request side first and its response
    /// side later. Inspecting the whole transaction at once (`Whole`) gives the same alerts.
    #[test]
    fn http_requests_are_inspected_before_their_response() {
        use crate::app::http::HttpParser;
        use crate::app::Direction as D;
        let e = engine_of(
            "alert http any any -> any any (msg:\"u\"; flow:to_server; http.uri; content:\"/evil\"; sid:1;)\n\
             alert http any any -> any any (msg:\"s\"; http.stat_code; content:\"200\"; sid:2;)\n\
             alert http any any -> any any (msg:\"m\"; http.uri; content:\"/evil\"; http.stat_code; content:\"200\"; sid:3;)\n\
             alert http any any -> any any (msg:\"h\"; http.header; content:\"X-Evil\"; sid:4;)\n\
             alert http any any -> any any (msg:\"b\"; flow:to_client; file.data; content:\"x\"; sid:5;)\n",
        );
        let facts = FlowFacts {
            app: Some(crate::app::AppProto::Http),
            ..tcp_facts("10.0.0.1", "192.0.2.1", 80)
        };
        let run = |tx: &HttpTransaction, phase| {
            let mut ctx = e.context();
            let mut fd = FlowDetect::default();
            let mut got = Vec::new();
            e.inspect(
                &mut ctx,
                &Subject::Http { tx, phase },
                &facts,
                &mut fd,
                Timestamp::ZERO,
                &mut |i, reverse| got.push((e.sigs[i as usize].rule.sid, reverse)),
            );
            got.sort_unstable();
            got
        };
        let mut p = HttpParser::default();
        p.feed(D::ToServer, b"GET /evil HTTP/1.1\r\nX-Evil: 1\r\n\r\n");
        assert!(p.next_complete().is_none(), "no response yet");
        let request = run(p.next_request().expect("request done"), HttpPhase::Request);
        assert_eq!(request, [(1, false), (4, false)]);
        p.feed(
            D::ToClient,
            b"HTTP/1.1 200 OK\r\nX-Evil: 2\r\nContent-Length: 1\r\n\r\nx",
        );
        let tx = p.next_complete().expect("transaction done");
        let rest = run(&tx, HttpPhase::Rest);
        assert_eq!(rest, [(2, true), (3, false), (4, true), (5, true)]);
        let mut both = [request, rest].concat();
        both.sort_unstable();
        assert_eq!(run(&tx, HttpPhase::Whole), both);
    }

    /// A buffer that exists in both directions (`http.header`) is the response's for a
    /// `flow:to_client` rule and the request's for a `flow:to_server` one (to_client header
    /// rules never matched before); without a direction, each side is inspected and alerts.
    #[test]
    fn two_way_http_buffers_follow_the_rule_direction() {
        use crate::app::http::HttpParser;
        use crate::app::Direction as D;
        let e = engine_of(
            "alert http any any -> any any (msg:\"c\"; flow:to_client; http.header; content:\"X-Evil\"; sid:1;)\n\
             alert http any any -> any any (msg:\"s\"; flow:to_server; http.header; content:\"X-Evil\"; sid:2;)\n\
             alert http any any -> any any (msg:\"a\"; http.header; content:\"X-Evil\"; sid:3;)\n",
        );
        let facts = FlowFacts {
            app: Some(crate::app::AppProto::Http),
            age: Some(0),
            ..tcp_facts("10.0.0.1", "192.0.2.1", 80)
        };
        let alerts = |req: &[u8], resp: &[u8]| {
            let mut p = HttpParser::default();
            p.feed(D::ToServer, req);
            p.feed(D::ToClient, resp);
            p.finish();
            let tx = p.next_complete().expect("a transaction");
            let mut ctx = e.context();
            let mut fd = FlowDetect::default();
            let mut got = Vec::new();
            e.inspect(
                &mut ctx,
                &Subject::Http {
                    tx: &tx,
                    phase: HttpPhase::Whole,
                },
                &facts,
                &mut fd,
                Timestamp::ZERO,
                &mut |i, reverse| got.push((e.sigs[i as usize].rule.sid, reverse)),
            );
            got.sort_unstable();
            got
        };
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        let req = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        assert_eq!(
            alerts(
                req,
                b"HTTP/1.1 200 OK\r\nX-Evil: 1\r\nContent-Length: 0\r\n\r\n"
            ),
            [(1, true), (3, true)]
        );
        // Without a direction, a match on each side alerts once per side (as Suricata).
        assert_eq!(
            alerts(
                b"GET / HTTP/1.1\r\nX-Evil: 1\r\n\r\n",
                b"HTTP/1.1 200 OK\r\nX-Evil: 2\r\nContent-Length: 0\r\n\r\n"
            ),
            [(1, true), (2, false), (3, false), (3, true)]
        );
        assert_eq!(
            alerts(b"GET / HTTP/1.1\r\nX-Evil: 1\r\n\r\n", ok),
            [(2, false), (3, false)]
        );
        assert!(alerts(req, ok).is_empty());
    }

    /// `http.request_header`/`http.response_header`: one `Name: Value` buffer per header.
    #[test]
    fn per_header_buffers() {
        use crate::app::http::HttpParser;
        use crate::app::Direction as D;
        let e = engine_of(
            "alert http any any -> any any (msg:\"k\"; flow:to_server; http.request_header; content:\"Key|3a 20|\"; startswith; bsize:8; sid:1;)\n\
             alert http any any -> any any (msg:\"s\"; flow:to_client; http.response_header; content:\"Server|3a 20|x\"; startswith; endswith; sid:2;)\n\
             alert http any any -> any any (msg:\"n\"; flow:to_server; http.request_header; content:\"Host|3a 20|a|0d 0a|\"; sid:3;)\n",
        );
        let mut p = HttpParser::default();
        p.feed(
            D::ToServer,
            b"GET / HTTP/1.1\r\nHost: a\r\nKey: abc\r\n\r\n",
        );
        p.feed(
            D::ToClient,
            b"HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 0\r\n\r\n",
        );
        p.finish();
        let tx = p.next_complete().unwrap();
        let facts = FlowFacts {
            app: Some(crate::app::AppProto::Http),
            age: Some(0),
            ..tcp_facts("10.0.0.1", "192.0.2.1", 80)
        };
        let mut ctx = e.context();
        let mut fd = FlowDetect::default();
        let mut got = Vec::new();
        e.inspect(
            &mut ctx,
            &Subject::Http {
                tx: &tx,
                phase: HttpPhase::Whole,
            },
            &facts,
            &mut fd,
            Timestamp::ZERO,
            &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
        );
        got.sort_unstable();
        // Each header alone, without its line end.
        assert_eq!(got, [1, 2]);
    }

    mod grouping {
        use super::*;
        use crate::decode::TcpHeader;
        use proptest::prelude::*;

        const PORTS: [&str; 8] = [
            "any",
            "80",
            "53",
            "[80,443]",
            "1024:",
            "!80",
            "443",
            "[53,5353]",
        ];
        const PROTOS: [&str; 6] = ["tcp", "udp", "ip", "icmp", "dns", "tcp-pkt"];
        const FLOWS: [&str; 3] = ["", "flow:to_server;", "flow:to_client;"];

        fn rule_text(
            i: usize,
            (p, sp, dp, both, f, pat): (usize, usize, usize, bool, usize, u8),
        ) -> String {
            format!(
                "alert {} any {} {} any {} (msg:\"r\"; content:\"{}{}\"; {} sid:{};)",
                PROTOS[p],
                PORTS[sp],
                if both { "<>" } else { "->" },
                PORTS[dp],
                (b'a' + pat) as char,
                (b'a' + pat) as char,
                FLOWS[f],
                i + 1
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            /// Splitting rules into groups by transport, direction and port never changes what
            /// alerts: the engine's alerts equal every signature of the stage checked in full.
            #[test]
            fn grouping_changes_no_result(
                rules in proptest::collection::vec((0..6usize, 0..8usize, 0..8usize, any::<bool>(), 0..3usize, 0..3u8), 1..40),
                packets in proptest::collection::vec((0..3usize, prop_oneof![Just(53u16), Just(80), Just(443), Just(5353), Just(2000), 0..65535u16], 1024..65535u16, 0..2usize, 0..3u8), 1..20),
            ) {
                let text: String = rules.iter().enumerate().map(|(i, r)| rule_text(i, *r) + "\n").collect();
                let (e, rep) = Engine::build(
                    &[(PathBuf::from("t"), text)],
                    &Vars::default(),
                    &Classifications::builtin(),
                    EngineConfig::default(),
                );
                prop_assert!(rep.errors.is_empty(), "{:?}", rep.errors);
                for (t, server_port, client_port, dir, pat) in packets {
                    let proto = [6u8, 17, 1][t];
                    let client: IpAddr = "10.0.0.1".parse().unwrap();
                    let server: IpAddr = "192.0.2.1".parse().unwrap();
                    let (src, dst, sp, dp) = if dir == crate::flow::TO_SERVER {
                        (client, server, client_port, server_port)
                    } else {
                        (server, client, server_port, client_port)
                    };
                    let l4 = match proto {
                        6 => L4::Tcp(TcpHeader { src_port: sp, dst_port: dp, flags: 0x18, ..Default::default() }),
                        17 => L4::Udp(UdpHeader { src_port: sp, dst_port: dp, length: 8 }),
                        _ => L4::None,
                    };
                    let server_port = if proto == 1 { 0 } else { server_port };
                    let d = Decoded { src, dst, ip_proto: proto, l4, ..Default::default() };
                    let payload = vec![b'a' + pat; 4];
                    let facts = FlowFacts {
                        client: (client, if proto == 1 { 0 } else { client_port }),
                        server: (server, server_port),
                        proto,
                        established: true,
                        midstream_established: false,
                        tcp_base_seq: [None; 2],
                        // (DNS is the one application protocol these rules name.)
                        app: (proto != 1).then_some(crate::app::AppProto::Dns),
                        age: Some(0),
                    };
                    let subjects = [
                        Subject::Packet { frame: &[], events: Default::default(), decoded: &d, payload: &payload, dir },
                        Subject::Stream { data: &payload, dir, seen: 0, offset: 0, lone: false },
                    ];
                    for subject in &subjects {
                        if matches!(subject, Subject::Stream { .. }) && proto != 6 {
                            continue;
                        }
                        let mut ctx = e.context();
                        let mut fd = FlowDetect::default();
                        let mut got = Vec::new();
                        e.inspect(&mut ctx, subject, &facts, &mut fd, Timestamp::ZERO, &mut |i, _| got.push(i));
                        got.sort_unstable();
                        let stage = subject.stage();
                        let fd = FlowDetect::default();
                        let want: Vec<u32> = (0..e.sigs.len() as u32)
                            .filter(|&i| {
                                let sig = &e.sigs[i as usize];
                                let staged = sig.stage == stage
                                    || (stage == Stage::Packet && (sig.packet_too || sig.tcp_packet_too));
                                staged && !sig.rule.ip_only && e.matches(sig, subject, &facts, &fd, &mut Default::default(), None, (PacketEvents::NONE, Csums::default())).is_some()
                            })
                            .collect();
                        prop_assert_eq!(got, want);
                    }
                }
            }
        }
    }
}

/// Engine events, packet header buffers and the small packet keywords, on decoded frames.
#[cfg(test)]
mod event_tests {
    use super::tests::engine_of;
    use super::*;
    use crate::capture::LinkType;
    use crate::decode::{decode, decode_invalid, DecodeError, DecodeOutcome};

    fn facts(d: &Decoded, app: Option<crate::app::AppProto>) -> FlowFacts {
        let ports = match d.l4 {
            L4::Tcp(h) => (h.src_port, h.dst_port),
            L4::Udp(h) => (h.src_port, h.dst_port),
            _ => (0, 0),
        };
        FlowFacts {
            client: (d.src, ports.0),
            server: (d.dst, ports.1),
            proto: d.ip_proto,
            established: true,
            midstream_established: false,
            tcp_base_seq: [None; 2],
            app,
            age: Some(0),
        }
    }

    /// Sids alerting on one packet (fresh per-flow state).
    fn sids_at(
        e: &Engine,
        frame: &[u8],
        d: &Decoded,
        events: PacketEvents,
        ts: Timestamp,
    ) -> Vec<u32> {
        let payload = frame
            .get(d.payload_offset as usize..(d.payload_offset + d.payload_len) as usize)
            .unwrap_or(&[]);
        let s = Subject::Packet {
            decoded: d,
            frame,
            payload,
            dir: 0,
            events,
        };
        let mut ctx = e.context();
        let mut got = Vec::new();
        e.inspect(
            &mut ctx,
            &s,
            &facts(d, None),
            &mut FlowDetect::default(),
            ts,
            &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
        );
        got.sort_unstable();
        got
    }

    fn sids(e: &Engine, frame: &[u8]) -> Vec<u32> {
        let d = decoded(frame);
        sids_at(e, frame, &d, d.events, Timestamp::ZERO)
    }

    fn decoded(frame: &[u8]) -> Decoded {
        match decode(LinkType::Raw, frame) {
            Ok(DecodeOutcome::Ip(d)) => d,
            other => panic!("{other:?}"),
        }
    }

    /// IPv4 (10.0.0.1 -> 10.0.0.2) carrying `body` as protocol `proto`.
    fn v4(proto: u8, body: &[u8]) -> Vec<u8> {
        let mut f = vec![
            0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        f[2..4].copy_from_slice(&(20 + body.len() as u16).to_be_bytes());
        f.extend_from_slice(body);
        f
    }

    /// TCP 40000 -> 80 with `options` (a multiple of 4 bytes) and `data`.
    fn tcp(options: &[u8], data: &[u8]) -> Vec<u8> {
        let words = 5 + options.len() as u8 / 4;
        let mut t = vec![
            0x9c,
            0x40,
            0,
            80,
            0,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            words << 4,
            0x18,
            0xff,
            0xff,
            0,
            0,
            0,
            0,
        ];
        t.extend_from_slice(options);
        t.extend_from_slice(data);
        t
    }

    #[test]
    fn header_buffers() {
        let e = engine_of(concat!(
            "alert ip any any -> any any (ipv4.hdr; content:\"|40 06|\"; offset:8; depth:2; sid:1;)\n",
            "alert tcp any any -> any any (tcp.hdr; content:\"|9c 40 00 50|\"; startswith; sid:2;)\n",
            "alert tcp any any -> any any (tcp.hdr; content:\"|02 04 05 b4|\"; offset:20; sid:3;)\n",
            "alert udp any any -> any any (udp.hdr; content:\"|00 35|\"; depth:2; sid:4;)\n",
            "alert icmp any any -> any any (icmpv4.hdr; content:\"|08 00|\"; startswith; bsize:8; sid:5;)\n",
            "alert ip any any -> any any (ipv6.hdr; content:\"|40|\"; offset:7; depth:1; sid:6;)\n",
            "alert tcp any any -> any any (tcp.hdr; content:\"GET\"; sid:7;)\n",
        ));
        // Options are part of tcp.hdr; the payload is not.
        let f = v4(6, &tcp(&[2, 4, 5, 0xb4], b"GET /"));
        assert_eq!(sids(&e, &f), vec![1, 2, 3]);
        let f = v4(17, &[0, 53, 0, 53, 0, 9, 0, 0, 7]);
        assert_eq!(sids(&e, &f), vec![4]);
        let f = v4(1, &[8, 0, 0, 0, 0x12, 0x34, 0, 7, 1, 2, 3]);
        assert_eq!(sids(&e, &f), vec![5]);
        // IPv6: hop limit 64 at offset 7.
        let mut f = vec![0x60, 0, 0, 0, 0, 9, 17, 64];
        f.extend_from_slice(&[0xfd; 32]);
        f.extend_from_slice(&[0, 53, 0, 53, 0, 9, 0, 0, 7]);
        let d = match decode(LinkType::Raw, &f) {
            Ok(DecodeOutcome::Ip(d)) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(sids_at(&e, &f, &d, d.events, Timestamp::ZERO), vec![4, 6]);
    }

    #[test]
    fn packet_alert_max_keeps_the_first_in_signature_order() {
        let text: String = (1..=5)
            .rev()
            .map(|sid| {
                format!("alert udp any any -> any any (content:\"GET\"; flowbits:set,b{sid}; sid:{sid};)\n")
            })
            .collect();
        let (e, rep) = Engine::build(
            &[(PathBuf::from("t"), text)],
            &Vars::default(),
            &Classifications::builtin(),
            EngineConfig {
                packet_alert_max: 2,
                ..Default::default()
            },
        );
        assert!(rep.errors.is_empty(), "{:?}", rep.errors);
        let f = v4(
            17,
            &[0x9c, 0x40, 0, 53, 0, 13, 0, 0, b'G', b'E', b'T', b' ', b'/'],
        );
        let d = decoded(&f);
        let payload = &f[d.payload_offset as usize..];
        let s = Subject::Packet {
            decoded: &d,
            frame: &f,
            payload,
            dir: 0,
            events: d.events,
        };
        let mut ctx = e.context();
        let mut fd = FlowDetect::default();
        let run = |ctx: &mut DetectCtx, fd: &mut FlowDetect| {
            let mut got = Vec::new();
            e.inspect(
                ctx,
                &s,
                &facts(&d, None),
                fd,
                Timestamp::ZERO,
                &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
            );
            got
        };
        // The budget is the packet's, across inspections, until the next packet.
        assert_eq!(run(&mut ctx, &mut fd), vec![1, 2]);
        assert_eq!(run(&mut ctx, &mut fd), Vec::<u32>::new());
        assert_eq!(ctx.alert_queue_overflow, 8);
        // Matches past the limit still set their flowbits.
        assert_eq!(fd.more.as_ref().map(|m| m.bits.len()), Some(5));
        ctx.begin_packet();
        assert_eq!(run(&mut ctx, &mut fd), vec![1, 2]);
        // Suricata's default is 15.
        let many: String = (1..=20)
            .map(|sid| format!("alert udp any any -> any any (content:\"GET\"; sid:{sid};)\n"))
            .collect();
        assert_eq!(sids(&engine_of(&many), &f), (1..=15).collect::<Vec<u32>>());
    }

    #[test]
    fn flowbit_writers_before_readers_and_writers_that_read() {
        // Suricata's order: rules that only change flowbits (1, 7), then those that test and
        // change them (8), then those that only test them (5, 6), then the rest.
        let e = engine_of(concat!(
            "alert udp any any -> any any (flowbits:set,fb1; sid:1;)\n",
            "alert udp any any -> any any (flowbits:isset,fb1|fb5; sid:5;)\n",
            "alert udp any any -> any any (flowbits:isnotset,fb1; sid:6;)\n",
            "alert udp any any -> any any (flowbits:unset,fb1; sid:7;)\n",
            "alert udp any any -> any any (flowbits:isnotset,fb1; flowbits:set,fb1; sid:8;)\n",
            "alert udp any any -> any any (content:\"GET\"; sid:2;)\n",
        ));
        let f = v4(
            17,
            &[0x9c, 0x40, 0, 53, 0, 13, 0, 0, b'G', b'E', b'T', b' ', b'/'],
        );
        assert_eq!(sids(&e, &f), vec![1, 2, 5, 7, 8]);
        let order: Vec<u32> = e.sigs.iter().map(|s| s.rule.sid).collect();
        assert_eq!(order, vec![1, 7, 8, 5, 6, 2]);
    }

    #[test]
    fn icmp_id_and_seq_only_on_query_messages() {
        let e = engine_of(concat!(
            "alert icmp any any -> any any (icmp_id:4660; sid:1;)\n",
            "alert icmp any any -> any any (icmp_seq:7; sid:2;)\n",
            "alert icmp any any -> any any (icmp_id:\"4660\"; icmp_seq:8; sid:3;)\n",
            "alert icmp any any -> any any (icmp_id:0; sid:4;)\n",
        ));
        // Echo request id 0x1234 seq 7.
        assert_eq!(
            sids(&e, &v4(1, &[8, 0, 0, 0, 0x12, 0x34, 0, 7])),
            vec![1, 2]
        );
        // Destination unreachable with the same bytes where an echo has its id: no id.
        assert_eq!(
            sids(&e, &v4(1, &[3, 1, 0, 0, 0x12, 0x34, 0, 7])),
            Vec::<u32>::new()
        );
        // An id of 0 is an id.
        assert_eq!(sids(&e, &v4(1, &[0, 0, 0, 0, 0, 0, 0, 9])), vec![4]);
    }

    #[test]
    fn tcp_option_events_are_judged_when_asked() {
        let e = engine_of(concat!(
            "alert tcp any any -> any any (decode-event:tcp.opt_duplicate; sid:1;)\n",
            "alert tcp any any -> any any (decode-event:tcp.opt_invalid_len; sid:2;)\n",
        ));
        // Two MSS options.
        let dup = v4(6, &tcp(&[2, 4, 5, 0xb4, 2, 4, 5, 0xb4], b""));
        assert_eq!(sids(&e, &dup), vec![1]);
        // An empty SACK is valid (Suricata's minimum is the 2-byte option alone).
        let sack = v4(6, &tcp(&[5, 2, 1, 1], b""));
        assert_eq!(sids(&e, &sack), Vec::<u32>::new());
        let sack = v4(6, &tcp(&[5, 6, 0, 0, 0, 0, 1, 1], b""));
        assert_eq!(sids(&e, &sack), vec![2]);
        // Window scale with length 4; then an option length past the header.
        let bad = v4(6, &tcp(&[3, 4, 7, 1], b""));
        assert_eq!(sids(&e, &bad), vec![2]);
        let past = v4(6, &tcp(&[1, 1, 8, 10], b""));
        assert_eq!(sids(&e, &past), vec![2]);
        // NOPs, MSS, SACK-permitted, window scale, end of list.
        let good = v4(6, &tcp(&[2, 4, 5, 0xb4, 4, 2, 1, 1, 3, 3, 7, 0], b""));
        assert_eq!(sids(&e, &good), Vec::<u32>::new());
        // Rules without such events do not walk options.
        let plain = engine_of("alert tcp any any -> any any (content:\"x\"; sid:9;)");
        assert!(plain.lazy_events.is_empty());
    }

    #[test]
    fn pkthdr_rules_see_packets_without_a_network_layer() {
        let e = engine_of(concat!(
            "alert pkthdr any any -> any any (decode-event:ipv4.hlen_too_small; sid:1;)\n",
            "alert ip any any -> any any (sid:2;)\n",
            "alert ip any any -> any any (decode-event:ipv4.hlen_too_small; sid:3;)\n",
            "alert pkthdr any any -> any any (decode-event:ipv4.trunc_pkt; sid:4;)\n",
        ));
        let mut f = v4(6, &tcp(&[], b""));
        f[0] = 0x44;
        let err = decode(LinkType::Raw, &f).unwrap_err();
        assert_eq!(err, DecodeError::Ipv4BadHeaderLen);
        let d = decode_invalid(LinkType::Raw, &f, err).unwrap();
        // Only the pkthdr rule: `ip` rules need a network layer.
        assert_eq!(sids_at(&e, &f, &d, d.events, Timestamp::ZERO), vec![1]);
        // An ordinary packet raises no event: only the IP-only rule.
        let ok = v4(6, &tcp(&[], b""));
        assert_eq!(sids(&e, &ok), vec![2]);
        // A packet cut by the capture keeps decoding and carries its event.
        let mut cut = ok.clone();
        cut[2..4].copy_from_slice(&400u16.to_be_bytes());
        assert_eq!(sids(&e, &cut), vec![2, 4]);
    }

    #[test]
    fn stream_events_come_with_the_packet() {
        let e = engine_of("alert tcp any any -> any any (stream-event:reassembly_seq_gap; sid:1;)");
        let f = v4(6, &tcp(&[], b"abc"));
        let d = decoded(&f);
        assert!(sids_at(&e, &f, &d, d.events, Timestamp::ZERO).is_empty());
        let mut ev = PacketEvents::NONE;
        ev.set(PacketEvent::StreamReassemblySeqGap);
        assert_eq!(sids_at(&e, &f, &d, ev, Timestamp::ZERO), vec![1]);
        let e =
            engine_of("alert tcp any any -> any any (stream-event:suspected_rst_inject; sid:2;)");
        assert!(sids_at(&e, &f, &d, ev, Timestamp::ZERO).is_empty());
        ev.set(PacketEvent::StreamSuspectedRstInject);
        assert_eq!(sids_at(&e, &f, &d, ev, Timestamp::ZERO), vec![2]);
    }

    #[test]
    fn hostbits_follow_the_host_and_expire() {
        let e = engine_of(concat!(
            "alert tcp-pkt any any -> any any (hostbits:set,seen,dst; content:\"A\"; sid:1;)\n",
            "alert tcp-pkt any any -> any any (hostbits:isset,seen,src; content:\"B\"; sid:2;)\n",
            "alert tcp-pkt any any -> any any (hostbits:isnotset,seen; content:\"B\"; sid:3;)\n",
        ));
        let a = v4(6, &tcp(&[], b"A"));
        // The reply, from the host the bit was set on.
        let mut b = v4(6, &tcp(&[], b"B"));
        b[12..16].copy_from_slice(&[10, 0, 0, 2]);
        b[16..20].copy_from_slice(&[10, 0, 0, 1]);
        let (da, db) = (decoded(&a), decoded(&b));
        let t0 = Timestamp::ZERO;
        assert_eq!(sids_at(&e, &b, &db, db.events, t0), vec![3]);
        assert_eq!(sids_at(&e, &a, &da, da.events, t0), vec![1]);
        assert_eq!(sids_at(&e, &b, &db, db.events, t0), vec![2]);
        // Suricata's host bits live 300 s.
        let later = t0.saturating_add_secs(301);
        assert_eq!(sids_at(&e, &b, &db, db.events, later), vec![3]);
    }

    #[test]
    fn app_layer_protocol_needs_a_known_protocol() {
        use crate::app::AppProto as A;
        let e = engine_of(concat!(
            "alert tcp any any -> any any (flow:to_server; app-layer-protocol:!http; sid:1;)\n",
            "alert tcp any any -> any any (flow:to_server; app-layer-protocol:http; sid:2;)\n",
            "alert tcp any any -> any any (flow:to_server; app-layer-protocol:failed; sid:3;)\n",
            "alert tcp any any -> any any (app-layer-protocol:tls; sid:4;)\n",
        ));
        let f = v4(6, &tcp(&[], b"x"));
        let d = decoded(&f);
        let run = |app: Option<A>, events: PacketEvents| {
            let s = Subject::Packet {
                decoded: &d,
                frame: &f,
                payload: b"x",
                dir: 0,
                events,
            };
            let mut ctx = e.context();
            let mut got = Vec::new();
            e.inspect(
                &mut ctx,
                &s,
                &facts(&d, app),
                &mut FlowDetect::default(),
                Timestamp::ZERO,
                &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
            );
            got.sort_unstable();
            got
        };
        let none = PacketEvents::NONE;
        let mut detected = PacketEvents::NONE;
        detected.set(PacketEvent::ProtoDetected);
        // Unknown: nothing matches, negated or not.
        assert!(run(None, none).is_empty());
        assert_eq!(run(Some(A::Http), none), vec![2]);
        assert_eq!(run(Some(A::Failed), none), vec![1, 3]);
        // A rule of only app-layer-protocol (Suricata's PD-only) waits for the packet where
        // the protocol became known.
        assert_eq!(run(Some(A::Tls), none), vec![1]);
        assert_eq!(run(Some(A::Tls), detected), vec![1, 4]);
    }

    #[test]
    fn dns_events_and_opcode() {
        let e = engine_of(concat!(
            "alert dns any any -> any any (app-layer-event:dns.z_flag_set; sid:1;)\n",
            "alert dns any any -> any any (app-layer-event:dns.not_request; sid:2;)\n",
            "alert dns any any -> any any (app-layer-event:dns.invalid_opcode; sid:3;)\n",
            "alert dns any any -> any any (dns.opcode:4; sid:4;)\n",
            "alert dns any any -> any any (dns.opcode:!0; sid:5;)\n",
            "alert dns any any -> any any (app-layer-event:dns.not_response; sid:6;)\n",
        ));
        // A query for a.b, flags given.
        let query = |flags: u16| {
            let mut m = vec![0x12, 0x34];
            m.extend_from_slice(&flags.to_be_bytes());
            m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 1, b'a', 1, b'b', 0, 0, 1, 0, 1]);
            m
        };
        let run = |bytes: &[u8], dir: usize| {
            let mut msg = DnsMessage::new();
            msg.parse(bytes).unwrap();
            let d = decoded(&v4(17, &[0, 53, 0, 53, 0, 8, 0, 0]));
            let mut ctx = e.context();
            let mut got = Vec::new();
            e.inspect(
                &mut ctx,
                &Subject::Dns {
                    msg: &msg,
                    dir,
                    malformed: false,
                },
                &facts(&d, Some(crate::app::AppProto::Dns)),
                &mut FlowDetect::default(),
                Timestamp::ZERO,
                &mut |i, _| got.push(e.sigs[i as usize].rule.sid),
            );
            got.sort_unstable();
            got
        };
        assert!(run(&query(0x0100), 0).is_empty());
        assert_eq!(run(&query(0x0140), 0), vec![1]);
        assert_eq!(run(&query(0x8100), 0), vec![2]);
        assert_eq!(run(&query(0x0100), 1), vec![6]);
        assert_eq!(run(&query(0x2100), 0), vec![4, 5]);
        assert_eq!(run(&query(0x3900), 0), vec![3, 5]);
    }
}

#[cfg(test)]
mod app_event_tests {
    use super::*;

    #[test]
    fn tls_multiple_sni() {
        let mut want = AppEvents::NONE;
        want.set(AppEvent::TlsMultipleSniExtensions);
        let mut r = TlsRecord::default();
        assert!(app_events(&Subject::Tls(&r), want, false).is_empty());
        r.client_hello = Some(crate::app::tls::ClientHello {
            extensions: vec![0, 10, 0],
            ..Default::default()
        });
        assert!(app_events(&Subject::Tls(&r), want, false).has(AppEvent::TlsMultipleSniExtensions));
        r.client_hello = Some(crate::app::tls::ClientHello {
            extensions: vec![0, 10],
            ..Default::default()
        });
        assert!(app_events(&Subject::Tls(&r), want, false).is_empty());
    }

    use super::tests::{count_alerts, engine_of, tcp_packet};

    /// `flow.age` compares whole seconds of the flow's age; a packet without a flow has none.
    #[test]
    fn flow_age_compares_the_flows_age() {
        let e = engine_of(
            "alert tcp any any -> any any (flow.age:>20; sid:1;)\n\
             alert tcp any any -> any any (flow.age:5-30; sid:2;)\n\
             alert tcp any any -> any any (flow.age:0; sid:3;)\n",
        );
        let (d, mut facts) = tcp_packet("10.0.0.1", "10.0.0.2");
        let pkt = Subject::Packet {
            frame: &[],
            events: Default::default(),
            decoded: &d,
            payload: b"",
            dir: 0,
        };
        let mut at = |age: Option<u32>| {
            facts.age = age;
            count_alerts(&e, &pkt, &facts, &mut FlowDetect::default())
        };
        assert_eq!(at(Some(0)), vec![3]);
        assert_eq!(at(Some(20)), vec![2]);
        assert_eq!(at(Some(21)), vec![1, 2]);
        assert_eq!(at(Some(30)), vec![1]);
        assert_eq!(at(None), Vec::<u32>::new());
    }

    /// `ip.src` / `ip.dst` hold the packet's addresses as the IP header has them.
    #[test]
    fn ip_src_and_dst_are_the_raw_addresses() {
        let e = engine_of(
            "alert tcp any any -> any any (ip.src; content:\"|0a 00 00 01|\"; bsize:4; sid:1;)\n\
             alert tcp any any -> any any (ip.dst; content:\"|0a 00 00 02|\"; sid:2;)\n\
             alert tcp any any -> any any (ip.dst; content:\"|0a 00 00 01|\"; sid:3;)\n\
             alert tcp any any -> any any (ip.src; content:\"|20 01 0d b8|\"; startswith; bsize:16; sid:4;)\n",
        );
        let (mut d, facts) = tcp_packet("10.0.0.1", "10.0.0.2");
        // A 20-byte IPv4 header (addresses at 12..20), then the TCP header.
        let mut frame = vec![0x45u8; 40];
        frame[12..16].copy_from_slice(&[10, 0, 0, 1]);
        frame[16..20].copy_from_slice(&[10, 0, 0, 2]);
        d.l4_offset = 20;
        d.payload_offset = 40;
        let pkt = |d: &Decoded, frame: &[u8], facts: &FlowFacts| {
            let s = Subject::Packet {
                frame,
                events: Default::default(),
                decoded: d,
                payload: b"",
                dir: 0,
            };
            count_alerts(&e, &s, facts, &mut FlowDetect::default())
        };
        assert_eq!(pkt(&d, &frame, &facts), vec![1, 2]);
        // IPv6: addresses at 8..24 and 24..40 of the fixed header.
        let (mut d6, facts6) = tcp_packet("2001:db8::1", "2001:db8::2");
        let mut frame6 = vec![0u8; 60];
        let v6 = |a: &str| a.parse::<std::net::Ipv6Addr>().unwrap().octets();
        frame6[8..24].copy_from_slice(&v6("2001:db8::1"));
        frame6[24..40].copy_from_slice(&v6("2001:db8::2"));
        d6.l4_offset = 40;
        d6.payload_offset = 60;
        assert_eq!(pkt(&d6, &frame6, &facts6), vec![4]);
        // A header cut short: no buffer.
        assert_eq!(pkt(&d, &frame[..14], &facts), Vec::<u32>::new());
    }
}
