//! Per-flow orchestration, the stage between the flow table and the output: for each packet
//! of a flow, TCP stream reassembly per direction, protocol detection (the protocols of
//! `app::registry`, where Suricata 7 looks for each), feeding the flow's parser (`app::parser`), the
//! EVE records of what it hands out (`records`), the signatures (packet, stream and
//! transaction rules) and the behaviour stage's tap. Per-flow state (`FlowApp`) lives in the
//! flow table entry, so it shares the flow's worker and needs no lock.
//!
//! Once a parser says it needs nothing more (a TLS handshake seen), or detection fails,
//! reassembly of the flow stops: later segments cost a flag test.

use crate::app::dns::DnsMessage;
use crate::app::http::HttpConfig;
use crate::app::parser::{AppParser, ParserConfig, Ports, Probe, Tx};
use crate::app::registry::{self, AppProto, Detect};
use crate::app::{AppStats, Direction};
use std::sync::Arc;

use crate::decode::checksum::{self, Checks, Judged, Verdict};
use crate::decode::{Decoded, TcpHeader};
use crate::detect::engine::{AlertSeries, DetectCtx, Engine, FlowFacts, Subject};
use crate::detect::reload::EngineHandle;
use crate::events::{PacketEvent, PacketEvents};
use crate::flow::tcp_ssn::{TcpOpts, TcpSsn};
use crate::flow::{Flow, TO_SERVER};
use crate::output::eve::{self, FlowIdent};
use crate::stream::{StreamConfig, StreamDir, StreamEvent, StreamMemory};
use crate::time::Timestamp;
use std::collections::HashMap;

mod records;

use records::{community_id, FlowRecords, Logged, TxWriter};

/// Settings of the application layer.
#[derive(Clone, Copy, Debug)]
pub struct AppConfig {
    pub stream: StreamConfig,
    /// Most out-of-order bytes one worker holds across its flows.
    pub stream_memcap: u64,
    /// Bytes of a direction kept while detection needs more (beyond it detection fails).
    pub probe_limit: usize,
    pub http: HttpConfig,
    /// Which checksums count: TCP segments judged invalid stay out of the stream.
    pub checksum: crate::decode::checksum::Policy,
    /// Write `tls.ja4s` in EVE (`[outputs] tls-ja4s`; outside Suricata 7's schema).
    pub tls_ja4s: bool,
    /// Alerts on HTTP transactions carry the `X-Forwarded-For` address (`[outputs.xff]`).
    pub xff: Option<crate::config::Xff>,
    /// Reassemble and parse TCP sessions whose SYN was not seen, or whose other side never
    /// answered (Suricata's `stream.midstream` with `async-oneside`). Off, as in Suricata's
    /// default configuration, such sessions are inspected packet by packet only (D43).
    pub midstream: bool,
    /// Fileinfo records, forced digests, the filestore directory (D46).
    pub files: crate::app::files::FilesOutput,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            stream: StreamConfig::default(),
            stream_memcap: 64 << 20,
            probe_limit: 4096,
            http: HttpConfig::default(),
            checksum: Default::default(),
            tls_ja4s: false,
            xff: None,
            midstream: false,
            files: Default::default(),
        }
    }
}

/// Application state of one flow. Every tracked flow carries one, so it is kept small (see
/// the size test below): what only some flows need lives behind a pointer, allocated when
/// first needed.
#[derive(Default)]
pub struct FlowApp {
    pub proto: AppProto,
    /// The protocol before the stream was handed over (SMTP or FTP before TLS, HTTP before
    /// its tunnel's protocol): EVE `app_proto_orig`.
    proto_orig: AppProto,
    /// Packet rules see `proto` (see `AppLayer::detect_packet`).
    proto_visible: bool,
    /// Direction whose data `proto` was recognised in.
    proto_dir: u8,
    /// Nothing more to inspect in this flow.
    done: bool,
    /// Reassembly and parsing of a TCP flow, allocated with its first payload (see
    /// `TCP_STARTED`).
    tcp: Option<Box<TcpApp>>,
    /// Until `tcp` exists: `TCP_STARTED`, and `1 << dir` for each direction whose stream has
    /// started.
    tcp_started: u8,
    /// `1 << dir` for each direction that carried a right TCP checksum (stream validation
    /// under `checksum-checks: auto`, D30).
    csum_valid: u8,
    rec: FlowRecords,
    /// What the behaviour stage's tap keeps per flow (8 bytes).
    pub beh: crate::behaviour::FlowMark,
    /// Suricata's TCP session state machine: which segments reach reassembly (without
    /// midstream pickup, D43) and the events `stream-event` rules name (D33). Allocated with a
    /// TCP flow's first packet when either is wanted.
    ssn: Option<Box<TcpSsn>>,
    /// Without midstream pickup, `flow:established` as Suricata's session gives it for the
    /// packet being processed: `EST_UNKNOWN` (the `TcpTracker` decides), `EST_NO`, `EST_YES`.
    tcp_est: u8,
}

const EST_UNKNOWN: u8 = 0;
const EST_NO: u8 = 1;
const EST_YES: u8 = 2;

/// Reassembly of a TCP flow starts at its first SYN or payload, as Suricata's session does;
/// but segments without payload only fix where each direction's stream starts (an
/// acknowledgement matters to reassembly only once data is held), so the state is allocated
/// with the first payload: a flood of SYNs, or a scan, never allocates it. Until then a
/// started direction's stream starts one after the sequence base its `TcpTracker` recorded
/// (a direction for which that is not so gets the state allocated at once, the rare case).
const TCP_STARTED: u8 = 4;

impl FlowApp {
    /// The protocol before an upgrade (`Unknown`: none).
    pub fn proto_orig(&self) -> AppProto {
        self.proto_orig
    }

    /// A signature alerted on this flow (EVE `flow.alerted`).
    pub fn alerted(&self) -> bool {
        self.rec.detect.alerted
    }
}

/// What identifies a flow in records and what rules test about it, copied out of the flow
/// before its application state is borrowed.
#[derive(Clone, Copy)]
struct Who {
    ident: FlowIdent,
    facts: FlowFacts,
}

impl Who {
    /// The flow's ports, client to server.
    fn ports(&self) -> Ports {
        Ports {
            client: self.facts.client.1,
            server: self.facts.server.1,
        }
    }

    /// `pcap_cnt`: the packet being processed, if records written now are about it.
    fn of(flow: &Flow<FlowApp>, pcap_cnt: Option<u64>) -> Who {
        let ep = flow.endpoints();
        let tcp = flow.key.proto == 6;
        Who {
            ident: FlowIdent {
                pcap_cnt,
                ..FlowIdent::of(flow)
            },
            facts: FlowFacts {
                client: (ep.src, ep.src_port),
                server: (ep.dst, ep.dst_port),
                proto: flow.key.proto,
                established: if tcp {
                    match flow.ext.tcp_est {
                        EST_UNKNOWN => flow.tcp.handshake_before,
                        e => e == EST_YES,
                    }
                } else {
                    flow.replied
                },
                midstream_established: tcp && flow.tcp.was_established(),
                tcp_base_seq: if tcp {
                    [flow.tcp.base_seq(0), flow.tcp.base_seq(1)]
                } else {
                    [None; 2]
                },
                app: match flow.ext.proto {
                    AppProto::Unknown => None,
                    p => Some(p),
                },
                age: Some(
                    flow.last
                        .secs()
                        .saturating_sub(flow.start.secs())
                        .min(u32::MAX as u64) as u32,
                ),
            },
        }
    }
}

/// The worker's signature engine and its scratch.
pub struct Detector {
    pub engine: Arc<Engine>,
    ctx: DetectCtx,
    /// (file index, sid) of the `filestore` signatures the last `run` matched (reused).
    store: Vec<(usize, u32)>,
}

impl Detector {
    pub fn new(engine: Arc<Engine>) -> Detector {
        let ctx = engine.context();
        Detector {
            engine,
            ctx,
            store: Vec::new(),
        }
    }

    pub fn alerts(&self) -> u64 {
        self.ctx.alerts
    }

    pub fn alerts_suppressed(&self) -> u64 {
        self.ctx.alerts_suppressed
    }

    pub fn alert_queue_overflow(&self) -> u64 {
        self.ctx.alert_queue_overflow
    }

    /// Runs the engine on `subject`, writing an EVE alert per alert (with the transaction's
    /// object when `app_object` is given).
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        subject: &Subject<'_>,
        who: &Who,
        rec: &mut FlowRecords,
        ts: Timestamp,
        app_proto: Option<&str>,
        out: &mut Vec<u8>,
        app_object: Option<eve::WriteObject<'_>>,
    ) {
        let Detector { engine, ctx, store } = self;
        let FlowRecords { logged, detect } = rec;
        store.clear();
        ctx.file_stores.clear();
        engine.inspect(ctx, subject, &who.facts, detect, ts, &mut |sig, reverse| {
            let cid = community_id(logged, who);
            let fields = engine.alert_fields(sig);
            let cx = eve::AlertContext {
                app_proto,
                community_id: cid,
                app_object,
            };
            eve::write_alert(out, ts, &who.ident, reverse, &fields, &cx);
        });
        // `filestore` matches (alerting or not): the files to store, with their signature.
        for &sig in &ctx.file_stores {
            let sid = engine.alert_fields(sig).signature_id;
            engine.files_to_store(sig, subject, &mut |i| store.push((i, sid)));
        }
    }
}

struct TcpApp {
    stream: [StreamDir; 2],
    /// Start of each direction, held while detection needs more bytes.
    probe: [Vec<u8>; 2],
    /// Detection gave up on this direction. Its start is still held (within the probe limit)
    /// in case the other direction names the protocol: the parser then sees both starts, as
    /// Suricata's does (an FTP or POP3 server's greeting before the client's first command).
    probe_failed: [bool; 2],
    /// Part of a direction's start could not be held: the parser is told of a gap there.
    probe_lost: [bool; 2],
    /// The flow's parser, once its protocol is known.
    parser: Option<Box<dyn AppParser>>,
    /// Last bytes of each direction inspected by stream rules (matches may span chunks).
    stream_tail: [Vec<u8>; 2],
    /// Stream bytes of each direction inspected so far (the offset of new data).
    stream_inspected: [u64; 2],
    /// What protocol detection knows beyond the parser (D41).
    pd: Detection,
}

/// Protocol detection's state for Suricata's `applayer_*` events (D41).
#[derive(Default)]
struct Detection {
    /// The protocol of the current parser.
    proto: AppProto,
    /// While a parser runs: detection of that direction is over (it named a protocol or gave
    /// up). A direction still open is probed on when rules name events that need it.
    done: [bool; 2],
    /// Bytes of each direction delivered while no protocol was known (Suricata's bail-out).
    undecided: [u32; 2],
    /// Which direction carried the flow's first data (`FIRST_*`).
    first: u8,
    /// The stream was handed over after SMTP STARTTLS: what follows should be TLS.
    expect_tls: bool,
    /// Events judged on data of direction `1 - later_dir`, raised on the next packet of
    /// `later_dir`: Suricata (IDS mode) runs detection on data when the other side
    /// acknowledges it, so its events sit on that packet.
    /// (Bits of `APPLAYER_EVENTS`: the stream state stays within its size.)
    later: u8,
    later_dir: u8,
}

/// Protocol detection's events, as `Detection::later` keeps them.
const APPLAYER_EVENTS: [PacketEvent; 6] = [
    PacketEvent::ApplayerMismatchProtocolBothDirections,
    PacketEvent::ApplayerWrongDirectionFirstData,
    PacketEvent::ApplayerDetectProtocolOnlyOneDirection,
    PacketEvent::ApplayerProtoDetectionSkipped,
    PacketEvent::ApplayerNoTlsAfterStarttls,
    PacketEvent::ApplayerUnexpectedProtocol,
];

impl Detection {
    /// Keeps `events` (judged on data of direction `1 - dir`) for the next packet of `dir`.
    fn defer(&mut self, events: PacketEvents, dir: usize) {
        for (i, e) in APPLAYER_EVENTS.iter().enumerate() {
            if events.has(*e) {
                self.later |= 1 << i;
            }
        }
        self.later_dir = dir as u8;
    }

    /// The events kept for a packet of direction `dir`.
    fn take(&mut self, dir: usize) -> PacketEvents {
        let mut out = PacketEvents::NONE;
        if self.later != 0 && self.later_dir as usize == dir {
            for (i, e) in APPLAYER_EVENTS.iter().enumerate() {
                if self.later & (1 << i) != 0 {
                    out.set(*e);
                }
            }
            self.later = 0;
        }
        out
    }
}

const FIRST_NONE: u8 = 0;
/// `FIRST_DIR + dir`: that direction's data came first.
const FIRST_DIR: u8 = 1;
/// A parser has seen data: the first direction no longer matters (Suricata's "already sent").
const FIRST_SENT: u8 = 3;

/// Suricata gives up detecting a flow whose undecided direction holds this much while the
/// other sent nothing (twice this whatever the other sent): `applayer_proto_detection_skipped`.
/// Suricata's limit is the larger of this and the receiver's window (up to the stream depth);
/// windows are not followed here, so a scaled window past 100,000 bytes is judged sooner.
const BAIL_OUT: u32 = 100_000;

/// The session's settings and buffers a [`Feeder`] works with.
struct StreamScratch<'a> {
    /// Bytes of a direction held while detection needs more.
    limit: usize,
    /// Keep a copy of delivered data for `tcp-stream` rules.
    keep: bool,
    chunks: &'a mut Vec<(usize, usize, usize)>,
    bytes: &'a mut Vec<u8>,
    /// Probe on a direction detection did not decide once the other named the protocol.
    second_probe: bool,
    /// The segment being fed acknowledged all the other direction's data.
    peer_acked: bool,
}

impl TcpApp {
    /// The flow's two streams, and a feeder that hands what they deliver to protocol
    /// detection, the parser and stream detection.
    fn feeder<'a>(
        &'a mut self,
        config: &'a ParserConfig,
        ports: Ports,
        scratch: StreamScratch<'a>,
    ) -> (&'a mut [StreamDir; 2], Feeder<'a>) {
        let feeder = Feeder {
            pd: &mut self.pd,
            second_probe: scratch.second_probe,
            peer_acked: scratch.peer_acked,
            probe: &mut self.probe,
            probe_failed: &mut self.probe_failed,
            probe_lost: &mut self.probe_lost,
            parser: &mut self.parser,
            limit: scratch.limit,
            config,
            ports,
            keep: scratch.keep,
            chunks: scratch.chunks,
            bytes: scratch.bytes,
            pending: Pending::default(),
        };
        (&mut self.stream, feeder)
    }
}

/// One TCP segment handed to `AppLayer::tcp_packet`.
pub struct Segment<'a> {
    pub header: &'a TcpHeader,
    pub payload: &'a [u8],
    /// `AppLayer::tcp_session`'s answer: false for a segment Suricata's stream engine never
    /// takes into reassembly.
    pub reassemble: bool,
}

/// Bytes of a direction kept so stream rules can match across delivered chunks.
const STREAM_TAIL: usize = 2048;

fn direction(dir: usize) -> Direction {
    if dir == TO_SERVER {
        Direction::ToServer
    } else {
        Direction::ToClient
    }
}

fn dir_index(d: Direction) -> usize {
    match d {
        Direction::ToServer => TO_SERVER,
        Direction::ToClient => 1 - TO_SERVER,
    }
}

/// One worker's application layer.
pub struct AppLayer {
    config: AppConfig,
    mem: StreamMemory,
    stats: AppStats,
    /// Reused for every DNS message.
    dns_msg: DnsMessage,
    detector: Option<Detector>,
    /// Stream data delivered during one packet, kept for `tcp-stream` rules (only when the
    /// engine has such rules): `(direction, start, end)` into `stream_bytes`.
    stream_chunks: Vec<(usize, usize, usize)>,
    stream_bytes: Vec<u8>,
    /// Scratch for `detect_stream`: a direction's kept tail and its new data, contiguous.
    stream_window: Vec<u8>,
    stream_rules: bool,
    /// Done flows keep reassembling up to the depth: stream rules, or a rule naming
    /// `reassembly_depth_reached`, need the bytes or the depth.
    keep_streams: bool,
    /// A rule names `reassembly_depth_reached`: streams go on to the depth even once their
    /// payload is no longer inspected (encrypted TLS), as Suricata's raw reassembly does.
    depth_event: bool,
    /// Where reloaded rules come from, and the generation in use.
    rules: Option<(Arc<EngineHandle>, u64)>,
    /// Input position of the packet being processed (0: unknown).
    pcap_cnt: u64,
    /// Alerts counted by engines replaced by a reload, by series.
    alerts_retired: HashMap<AlertSeries, u64>,
    /// The same by signature id.
    alerts_retired_by_sid: HashMap<u32, u64>,
    /// The behaviour stage's tap (events per flow and transaction), when it runs.
    pub behaviour: Option<crate::behaviour::Tap>,
    /// Stream events the last TCP segment raised (for `stream-event` rules on its packet).
    stream_events: PacketEvents,
    /// Loaded rules name an event of the TCP session state machine.
    tcp_session_events: bool,
    /// FTP data connections expected by control sessions, shared by the workers (D42).
    expectations: Arc<crate::app::ftp_data::Expectations>,
    /// Loaded rules name a detection event that needs the second direction probed (D41).
    second_probe: bool,
    /// Loaded rules name one of protocol detection's events.
    applayer_events: bool,
    /// Digests the files of new parsers need (configured and the rules'), D46.
    file_needs: crate::app::files::FileNeeds,
}

/// What a parser produced while being fed, applied after the feeding borrow ends: the stream
/// handed over to another protocol (an HTTP tunnel, a SOCKS connection), with the parser that
/// handed it over (its last transactions are logged), then a protocol recognised in the data
/// of a direction (possibly what the tunnel carries, in the same data).
#[derive(Default)]
struct Pending {
    handed_over: Option<Box<dyn AppParser>>,
    detected: Option<(AppProto, usize)>,
    /// `1 << dir` for a direction whose first data no probe recognised: an expected FTP data
    /// connection is looked for (once per direction, as Suricata's expectation check).
    expect: u8,
    /// Protocol detection's events (`applayer_*`) for the packet being processed.
    events: PacketEvents,
}

impl AppLayer {
    pub fn new(config: AppConfig, rules: Option<Arc<EngineHandle>>) -> AppLayer {
        let engine = rules.as_ref().map(|h| h.current());
        AppLayer {
            rules: rules.map(|h| {
                let g = h.generation();
                (h, g)
            }),
            mem: StreamMemory::new(config.stream, config.stream_memcap),
            config,
            stats: AppStats::default(),
            dns_msg: DnsMessage::new(),
            stream_rules: engine.as_ref().is_some_and(|e| e.has_stream_rules()),
            keep_streams: engine
                .as_ref()
                .is_some_and(|e| e.has_stream_rules() || e.wants_depth_event()),
            depth_event: engine.as_ref().is_some_and(|e| e.wants_depth_event()),
            tcp_session_events: engine
                .as_ref()
                .is_some_and(|e| e.wants_tcp_session_events()),
            second_probe: engine.as_ref().is_some_and(|e| e.wants_second_probe()),
            applayer_events: engine.as_ref().is_some_and(|e| e.wants_applayer_events()),
            file_needs: config.files.hashes.union(
                engine
                    .as_ref()
                    .map_or(crate::app::files::FileNeeds::NONE, |e| e.file_needs()),
            ),
            pcap_cnt: 0,
            detector: engine.map(Detector::new),
            stream_chunks: Vec::new(),
            stream_bytes: Vec::new(),
            stream_window: Vec::new(),
            alerts_retired: HashMap::new(),
            alerts_retired_by_sid: HashMap::new(),
            behaviour: None,
            stream_events: PacketEvents::NONE,
            expectations: Default::default(),
        }
    }

    /// What parsers are created with: the HTTP limits, and the digests files need (the
    /// configured ones and the loaded rules').
    fn parser_config(&self) -> ParserConfig {
        ParserConfig {
            http: self.config.http,
            files: self.file_needs,
            after_change: false,
        }
    }

    /// Shares the FTP data-connection expectations with the other workers of the run.
    pub fn share_expectations(&mut self, table: Arc<crate::app::ftp_data::Expectations>) {
        self.expectations = table;
    }

    /// Alerts raised so far by series (classtype, severity, pack), across rule reloads.
    /// Called at publication time (every 100 ms or so), not per packet.
    pub fn alerts_by_series(&self, out: &mut Vec<(AlertSeries, u64)>) {
        out.clear();
        out.extend(self.alerts_retired.iter().map(|(k, v)| (k.clone(), *v)));
        if let Some(d) = &self.detector {
            for (series, n) in d.engine.alert_series().iter().zip(&d.ctx.alerts_by_series) {
                if *n == 0 {
                    continue;
                }
                match out.iter_mut().find(|(k, _)| k == series) {
                    Some((_, v)) => *v += n,
                    None => out.push((series.clone(), *n)),
                }
            }
        }
        out.sort();
    }

    /// Alerts raised so far by signature id, across rule reloads, sorted by sid. Called at
    /// publication time, not per packet.
    pub fn alerts_by_sid(&self, out: &mut Vec<(u32, u64)>) {
        out.clear();
        out.extend(self.alerts_retired_by_sid.iter().map(|(k, v)| (*k, *v)));
        if let Some(d) = &self.detector {
            for (i, n) in d.ctx.alerts_by_rule.iter().enumerate() {
                if *n > 0 {
                    out.push((d.engine.alert_fields(i as u32).signature_id, *n));
                }
            }
        }
        out.sort_unstable();
        out.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
    }

    /// Picks up reloaded rules (called once per batch: one atomic load).
    #[inline]
    pub fn refresh_rules(&mut self) {
        let Some((handle, seen)) = &mut self.rules else {
            return;
        };
        let g = handle.generation();
        if g == *seen {
            return;
        }
        *seen = g;
        let engine = handle.current();
        let alerts = self.detector.as_ref().map_or(0, |d| d.alerts());
        let suppressed = self.detector.as_ref().map_or(0, |d| d.alerts_suppressed());
        let overflow = self
            .detector
            .as_ref()
            .map_or(0, |d| d.alert_queue_overflow());
        if let Some(old) = &self.detector {
            for (series, n) in old
                .engine
                .alert_series()
                .iter()
                .zip(&old.ctx.alerts_by_series)
            {
                if *n > 0 {
                    *self.alerts_retired.entry(series.clone()).or_default() += n;
                }
            }
            for (i, n) in old.ctx.alerts_by_rule.iter().enumerate() {
                if *n > 0 {
                    let sid = old.engine.alert_fields(i as u32).signature_id;
                    *self.alerts_retired_by_sid.entry(sid).or_default() += n;
                }
            }
        }
        self.stream_rules = engine.has_stream_rules();
        self.keep_streams = self.stream_rules || engine.wants_depth_event();
        self.depth_event = engine.wants_depth_event();
        self.tcp_session_events = engine.wants_tcp_session_events();
        self.second_probe = engine.wants_second_probe();
        self.applayer_events = engine.wants_applayer_events();
        self.file_needs = self.config.files.hashes.union(engine.file_needs());
        let mut det = Detector::new(engine);
        det.ctx.alerts = alerts;
        det.ctx.alerts_suppressed = suppressed;
        det.ctx.alert_queue_overflow = overflow;
        self.detector = Some(det);
    }

    /// Alerts raised so far by this worker.
    pub fn alerts(&self) -> u64 {
        self.detector.as_ref().map_or(0, |d| d.alerts())
    }

    /// Signature matches a threshold or detection filter held back so far.
    pub fn alerts_suppressed(&self) -> u64 {
        self.detector.as_ref().map_or(0, |d| d.alerts_suppressed())
    }

    /// Signature matches past their packet's `packet-alert-max` so far.
    pub fn alert_queue_overflow(&self) -> u64 {
        self.detector
            .as_ref()
            .map_or(0, |d| d.alert_queue_overflow())
    }

    /// Runs packet signatures (payload, header, IP-only rules) on one packet of `flow`
    /// (`frame`: the bytes `decoded` describes).
    #[inline]
    pub fn detect_packet(
        &mut self,
        flow: &mut Flow<FlowApp>,
        dir: usize,
        decoded: &Decoded,
        frame: &[u8],
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        let start = decoded.payload_offset as usize;
        let payload = frame
            .get(start..start + decoded.payload_len as usize)
            .unwrap_or(&[]);
        let pcap_cnt = self.pcap_cnt();
        let mut events = decoded
            .events
            .union(std::mem::take(&mut self.stream_events));
        let Some(det) = &mut self.detector else {
            return;
        };
        if self.applayer_events {
            if let Some(t) = flow.ext.tcp.as_deref_mut() {
                events = events.union(t.pd.take(dir));
            }
        }
        if !det.engine.wants_packet(&flow.ext.rec.detect, dir) {
            return;
        }
        let mut who = Who::of(flow, pcap_cnt);
        // As in Suricata, a TCP flow's protocol reaches packet rules once the peer has
        // acknowledged the data it was recognised in, on an established session: the app layer
        // parses a direction's data when the other side's ACK arrives.
        let ext = &mut flow.ext;
        if !ext.proto_visible
            && ext.proto != AppProto::Unknown
            && (flow.key.proto != 6
                || (dir != ext.proto_dir as usize
                    && (who.facts.established || who.facts.midstream_established)))
        {
            ext.proto_visible = true;
            events.set(PacketEvent::ProtoDetected);
        }
        if !ext.proto_visible {
            who.facts.app = None;
        }
        let app = who
            .facts
            .app
            .and_then(AppProto::name)
            .filter(|p| *p != "failed");
        let subject = Subject::Packet {
            decoded,
            frame,
            payload,
            dir,
            events,
        };
        det.run(&subject, &who, &mut flow.ext.rec, ts, app, out, None);
    }

    /// After a packet's detection: steps the `tag`s of its flow (with the packet's direction;
    /// `None` outside any flow) and of its addresses, and writes the packet as an EVE `packet`
    /// record when a tag covers it.
    #[inline]
    pub fn tag_packet(
        &mut self,
        flow: Option<(&mut Flow<FlowApp>, usize)>,
        decoded: &Decoded,
        frame: &[u8],
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        let pcap_cnt = self.pcap_cnt();
        let Some(det) = &mut self.detector else {
            return;
        };
        let len = frame.len() as u64;
        let (src, dst) = (decoded.src, decoded.dst);
        let (ident, reverse) = match flow {
            Some((flow, dir)) => {
                if !det
                    .engine
                    .step_tags(Some(&mut flow.ext.rec.detect), src, dst, len, ts)
                {
                    return;
                }
                let ident = FlowIdent {
                    pcap_cnt,
                    ..FlowIdent::of(flow)
                };
                (ident, dir == crate::flow::TO_CLIENT)
            }
            None => {
                if !det.engine.step_tags(None, src, dst, len, ts) {
                    return;
                }
                let ident = FlowIdent {
                    flow_id: None,
                    pcap_cnt,
                    vlan: decoded.vlan,
                    endpoints: crate::flow::Endpoints {
                        src,
                        dst,
                        src_port: 0,
                        dst_port: 0,
                    },
                    proto: decoded.ip_proto,
                    icmp: None,
                };
                (ident, false)
            }
        };
        crate::output::eve::write_packet(out, ts, &ident, reverse, frame, decoded.dlt.into());
    }

    /// The input position of the packet about to be processed (EVE `pcap_cnt`; 0: unknown).
    /// Called once per packet: its alert budget (`packet-alert-max`) starts afresh.
    #[inline]
    pub fn set_pcap_cnt(&mut self, n: u64) {
        self.pcap_cnt = n;
        if let Some(d) = &mut self.detector {
            d.ctx.begin_packet();
        }
    }

    fn pcap_cnt(&self) -> Option<u64> {
        (self.pcap_cnt != 0).then_some(self.pcap_cnt)
    }

    /// Stream validation (Suricata's `stream.checksum-validation`), first half, before the
    /// flow is looked up: the TCP segment's checksum when validation may reject it
    /// (`Judged::Invalid`); `None` when nothing is validated or it cannot be checked.
    pub fn tcp_checksum(&self, d: &Decoded, frame: &[u8]) -> Option<(Verdict, Judged)> {
        let policy = self.config.checksum;
        if !policy.validates_stream() {
            return None;
        }
        let (_, v) = checksum::transport(frame, d)?;
        Some((v, policy.judge(v)))
    }

    /// Second half, with the flow: whether the segment stays out of the stream and the flow's
    /// TCP state (its packet rules still run, as in Suricata). The table left the TCP state
    /// alone for a segment judged invalid; a kept one is applied here. Under `auto`, a wrong
    /// checksum in a direction that never carried a right one is not judged either: the
    /// sender does not compute them where it was captured (offload without the seed, a
    /// capture rewritten without fixing its checksums), so nothing of it is lost and the
    /// keywords see it as not checked. Counted.
    pub fn tcp_checksum_settle(
        &mut self,
        flow: &mut Flow<FlowApp>,
        dir: usize,
        h: &TcpHeader,
        (v, judged): (Verdict, Judged),
    ) -> bool {
        let st = &mut self.mem.stats;
        let unchecked = match judged {
            Judged::Valid => {
                flow.ext.csum_valid |= 1 << dir;
                return false;
            }
            Judged::Ignored => v == Verdict::Offloaded,
            Judged::Invalid => {
                let checked_here = flow.ext.csum_valid & (1 << dir) != 0;
                if self.config.checksum.checks != Checks::Auto || checked_here {
                    st.invalid_checksum += 1;
                    return true;
                }
                flow.tcp.update(dir, h);
                true
            }
        };
        if unchecked {
            st.checksum_offloaded += 1;
            if let Some(d) = &mut self.detector {
                d.ctx.tcp_checksum_unchecked = true;
            }
        }
        false
    }

    /// Runs packet signatures on a packet outside any flow (its transport header did not
    /// decode): only rules that need nothing of the transport can match; the alert carries
    /// no flow id and no Community ID, as Suricata's.
    pub fn detect_flowless(
        &mut self,
        decoded: &Decoded,
        frame: &[u8],
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        let pcap_cnt = self.pcap_cnt();
        let Some(det) = &mut self.detector else {
            return;
        };
        let (src, dst) = ((decoded.src, 0), (decoded.dst, 0));
        let who = Who {
            ident: FlowIdent {
                flow_id: None,
                pcap_cnt,
                vlan: decoded.vlan,
                endpoints: crate::flow::Endpoints {
                    src: src.0,
                    dst: dst.0,
                    src_port: 0,
                    dst_port: 0,
                },
                proto: decoded.ip_proto,
                icmp: None,
            },
            facts: FlowFacts {
                client: src,
                server: dst,
                proto: decoded.ip_proto,
                established: false,
                midstream_established: false,
                tcp_base_seq: [None; 2],
                app: None,
                age: None,
            },
        };
        let subject = Subject::Packet {
            decoded,
            frame,
            payload: &[],
            dir: TO_SERVER,
            events: decoded.events,
        };
        // Per-packet state only: no flowbits, and IP-only rules are due on every such packet.
        let mut rec = FlowRecords {
            logged: Some(Box::new(Logged {
                community_id: Some(String::new()),
                ..Default::default()
            })),
            ..Default::default()
        };
        det.run(&subject, &who, &mut rec, ts, None, out, None);
    }

    /// Whether sessions are picked up mid-stream (see `AppConfig::midstream`).
    pub fn midstream(&self) -> bool {
        self.config.midstream
    }

    pub fn stats(&self) -> AppStats {
        let mut s = self.stats;
        s.stream = self.mem.stats;
        s
    }

    /// A TCP segment of `flow` as Suricata's TCP session state machine judges it (`options`:
    /// the bytes of its TCP options), before `tcp_packet`: its events join the packet's, when
    /// rules name them, and the answer says whether the segment goes to reassembly. Only for
    /// segments Suricata's stream engine sees: decoded whole, with a valid checksum.
    #[inline]
    pub fn tcp_session(
        &mut self,
        flow: &mut Flow<FlowApp>,
        dir: usize,
        h: &TcpHeader,
        options: &[u8],
        payload_len: usize,
        ts: Timestamp,
    ) -> bool {
        let midstream = self.config.midstream;
        if midstream && !self.tcp_session_events {
            return true;
        }
        if flow.ext.done
            && !self.depth_event
            && (!self.stream_rules || flow.ext.rec.detect.payload_inspection_stopped())
            && !self.tcp_session_events
            && flow.ext.tcp_est == EST_YES
        {
            // Nothing more is reassembled (`tcp_packet` returns at once) and `established`
            // never goes back: the machine has nothing left to decide (TLS after its
            // handshake, most of a busy link's packets).
            return true;
        }
        let ssn = flow.ext.ssn.get_or_insert_with(Default::default);
        let j = ssn.packet(
            dir,
            h,
            TcpOpts::parse(options),
            payload_len as u32,
            ts.secs() as u32,
        );
        if self.tcp_session_events {
            self.stream_events = self.stream_events.union(j.events);
        }
        if midstream {
            return true;
        }
        flow.ext.tcp_est = if ssn.established_before() {
            EST_YES
        } else {
            EST_NO
        };
        if !j.reassemble && payload_len > 0 {
            self.mem.stats.outside_session += 1;
        }
        j.reassemble
    }

    /// A TCP segment of `flow` travelling in direction `dir`.
    #[inline]
    pub fn tcp_packet(
        &mut self,
        flow: &mut Flow<FlowApp>,
        dir: usize,
        seg: Segment<'_>,
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        let Segment {
            header: h,
            payload,
            reassemble,
        } = seg;
        if !reassemble {
            self.detect_lone_segment(flow, dir, h, payload, ts, out);
            return;
        }
        if flow.ext.done && !self.keep_streams {
            return;
        }
        // Data on a RST is not part of the stream (Suricata neither reassembles nor parses
        // it); packet rules still see it in the packet's payload.
        let payload = if h.flags & TcpHeader::RST != 0 {
            &[][..]
        } else {
            payload
        };
        let syn = h.flags & TcpHeader::SYN != 0;
        let gated = !self.config.midstream;
        if gated && payload.is_empty() && flow.ext.tcp.is_none() {
            // Both streams start at the session's ISNs when the state is allocated (below).
            return;
        }
        if payload.is_empty() && flow.ext.tcp.is_none() {
            // Before any payload: what `StreamDir::segment` would note (`peer_ack` does nothing
            // while no data is held, and nothing can be ready to drain or inspect).
            let started = flow.ext.tcp_started;
            if started & TCP_STARTED == 0 && !syn {
                return;
            }
            if started & (1 << dir) != 0 {
                return;
            }
            let base = if syn { h.seq.wrapping_add(1) } else { h.seq };
            let other_seen = flow.tcp.base_seq(1 - dir).is_some();
            let known = flow.tcp.base_seq(dir).map(|b| b.wrapping_add(1)) == Some(base);
            if known && (started & TCP_STARTED != 0 || !other_seen) {
                flow.ext.tcp_started = started | TCP_STARTED | 1 << dir;
                if !syn {
                    self.mem.stats.midstream_pickups += 1;
                }
                return;
            }
            // Otherwise the state is allocated now and this segment starts its direction.
        }
        let who = Who::of(flow, self.pcap_cnt());
        let app = &mut flow.ext;
        if app.tcp.is_none() {
            let mut tcp = Box::new(TcpApp {
                stream: Default::default(),
                probe: Default::default(),
                probe_failed: [false; 2],
                probe_lost: [false; 2],
                parser: None,
                stream_tail: Default::default(),
                stream_inspected: [0; 2],
                pd: Detection::default(),
            });
            for (d, s) in tcp.stream.iter_mut().enumerate() {
                if gated {
                    // Where Suricata's session starts each stream: one after its SYN.
                    if let Some(isn) = app.ssn.as_ref().and_then(|ssn| ssn.isn(d)) {
                        s.segment(isn, true, &[], &mut self.mem, &mut |_| {});
                    }
                } else if app.tcp_started & (1 << d) != 0 {
                    if let Some(b) = flow.tcp.base_seq(d) {
                        // As a SYN at the recorded base: the stream starts one after it.
                        s.segment(b, true, &[], &mut self.mem, &mut |_| {});
                    }
                }
            }
            app.tcp_started = 0;
            app.tcp = Some(tcp);
        }
        let Some(tcp) = app.tcp.as_mut() else {
            unreachable!("created above")
        };
        let mut parsers = self.parser_config();
        // A parser made now, with the flow's protocol already known, follows a protocol
        // change (SOCKS is the sensor's own hand-over, not one of Suricata's changes).
        parsers.after_change = !matches!(
            app.proto,
            AppProto::Unknown | AppProto::Failed | AppProto::Socks
        );
        let (gaps, depth) = (self.mem.stats.gaps, self.mem.stats.depth_reached);
        let peer_acked = {
            let other = &tcp.stream[1 - dir];
            h.flags & TcpHeader::ACK != 0 && other.acked_all(h.ack)
        };
        let scratch = StreamScratch {
            limit: self.config.probe_limit,
            keep: self.stream_rules,
            chunks: &mut self.stream_chunks,
            bytes: &mut self.stream_bytes,
            second_probe: self.second_probe,
            peer_acked,
        };
        let (stream, mut feeder) = tcp.feeder(&parsers, who.ports(), scratch);
        let (this, other) = if dir == TO_SERVER {
            let (a, b) = stream.split_at_mut(1);
            (&mut a[0], &mut b[0])
        } else {
            let (a, b) = stream.split_at_mut(1);
            (&mut b[0], &mut a[0])
        };
        if h.flags & TcpHeader::ACK != 0 {
            // The other side's data this segment acknowledges was sent: a hole there is a gap.
            other.peer_ack(h.ack, &mut self.mem, &mut |ev| feeder.event(1 - dir, ev));
        }
        this.segment(h.seq, syn, payload, &mut self.mem, &mut |ev| {
            feeder.event(dir, ev)
        });
        let pending = feeder.pending;
        if !pending.events.is_empty() {
            tcp.pd.defer(pending.events, 1 - dir);
        }
        if self.mem.stats.gaps != gaps {
            self.stream_events.set(PacketEvent::StreamReassemblySeqGap);
        }
        if self.mem.stats.depth_reached != depth {
            self.stream_events
                .set(PacketEvent::StreamReassemblyDepthReached);
        }
        self.settle(pending, app, &who, ts, out);
        self.drain(app, &who, ts, out, false);
        self.detect_stream(app, &who, ts, out);
    }

    /// A TCP segment kept out of reassembly: Suricata inspects its payload with the rules it
    /// would otherwise match on the stream (`alert tcp ... content:...`), as a packet's.
    fn detect_lone_segment(
        &mut self,
        flow: &mut Flow<FlowApp>,
        dir: usize,
        h: &TcpHeader,
        payload: &[u8],
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        if payload.is_empty() || h.flags & TcpHeader::RST != 0 || !self.stream_rules {
            return;
        }
        let who = Who::of(flow, self.pcap_cnt());
        let Some(det) = &mut self.detector else {
            return;
        };
        let name = flow.ext.proto.name().filter(|p| *p != "failed");
        let subject = Subject::Stream {
            data: payload,
            dir,
            seen: 0,
            offset: 0,
            lone: true,
        };
        det.run(&subject, &who, &mut flow.ext.rec, ts, name, out, None);
    }

    /// A UDP datagram of `flow` in direction `dir`.
    #[inline]
    pub fn udp_packet(
        &mut self,
        flow: &mut Flow<FlowApp>,
        dir: usize,
        payload: &[u8],
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        if flow.ext.done || payload.is_empty() {
            return;
        }
        if flow.ext.proto == AppProto::Unknown {
            // Suricata's UDP detection: the first datagram with payload decides.
            let ep = flow.endpoints();
            let ports = Ports {
                client: ep.src_port,
                server: ep.dst_port,
            };
            match registry::detect_udp(payload, direction(dir), ports) {
                Some(p) if p.proto == AppProto::Dns => {
                    flow.ext.proto = AppProto::Dns;
                    self.stats.flows_dns_udp += 1;
                }
                Some(p) => {
                    // Recognised only: nothing to parse.
                    flow.ext.proto = p.proto;
                    flow.ext.done = true;
                    self.stats.flow_detected(p.proto);
                    return;
                }
                None => {
                    flow.ext.proto = AppProto::Failed;
                    flow.ext.done = true;
                    self.stats.flows_failed += 1;
                    return;
                }
            }
        }
        let who = Who::of(flow, self.pcap_cnt());
        let app = &mut flow.ext;
        let AppLayer {
            dns_msg,
            stats,
            detector,
            behaviour,
            config,
            ..
        } = self;
        match dns_msg.parse(payload) {
            Ok(()) => TxWriter {
                tls_ja4s: config.tls_ja4s,
                xff: config.xff,
                files: config.files,
                stats,
                det: detector,
                beh: behaviour,
                rec: &mut app.rec,
                who: &who,
                ts,
                out,
                orig: AppProto::Unknown,
            }
            .tx(Tx::Dns {
                msg: dns_msg,
                dir: direction(dir),
                // A datagram is inspected as it is parsed: an unparsable one has no
                // uninspected transaction to carry `malformed_data` (nor in Suricata 7.0.10).
                malformed: false,
            }),
            Err(_) => stats.dns_errors += 1,
        }
    }

    /// The flow ended: deliver what reassembly still holds, log unfinished transactions, free.
    pub fn flow_end(&mut self, flow: &mut Flow<FlowApp>, out: &mut Vec<u8>) {
        // A flow's end is inspected as a packet of its own (Suricata's pseudo-packet), with
        // its own alert budget; it may come in the middle of another packet's processing (an
        // eviction, before that packet is inspected), whose budget then starts afresh.
        if let Some(d) = &mut self.detector {
            d.ctx.begin_packet();
        }
        let who = Who::of(flow, None);
        let ts = flow.last;
        let app = &mut flow.ext;
        let mut pending = Pending::default();
        if let Some(tcp) = app.tcp.as_deref_mut() {
            let parsers = self.parser_config();
            let scratch = StreamScratch {
                limit: self.config.probe_limit,
                keep: self.stream_rules,
                chunks: &mut self.stream_chunks,
                bytes: &mut self.stream_bytes,
                second_probe: self.second_probe,
                peer_acked: true,
            };
            let (stream, mut feeder) = tcp.feeder(&parsers, who.ports(), scratch);
            for (dir, s) in stream.iter_mut().enumerate() {
                s.finish(&mut self.mem, &mut |ev| feeder.event(dir, ev));
            }
            pending = feeder.pending;
            if let Some(p) = feeder.parser {
                p.finish();
            }
            // Suricata also checks expectations for a direction that ends without data while
            // the other carried some (its stream start comes with the end).
            let had = |d: usize| tcp.probe_failed[d] || !tcp.probe[d].is_empty();
            if tcp.parser.is_none() {
                for d in 0..2 {
                    if !had(d) && had(1 - d) {
                        pending.expect |= 1 << d;
                    }
                }
            }
        }
        self.settle(pending, app, &who, ts, out);
        self.drain(app, &who, ts, out, true);
        self.detect_stream(app, &who, ts, out);
        if let Some(mut tcp) = app.tcp.take() {
            if let Some(p) = &tcp.parser {
                p.add_stats(&mut self.stats);
            }
            for s in tcp.stream.iter_mut() {
                s.free(&mut self.mem);
            }
        }
        if let Some(d) = &mut self.detector {
            d.ctx.begin_packet();
        }
    }

    /// Runs `tcp-stream` rules on the stream data this packet delivered.
    fn detect_stream(&mut self, app: &mut FlowApp, who: &Who, ts: Timestamp, out: &mut Vec<u8>) {
        if self.stream_chunks.is_empty() {
            return;
        }
        if let (Some(det), Some(tcp)) = (&mut self.detector, app.tcp.as_deref_mut()) {
            let name = app.proto.name().filter(|p| *p != "failed");
            // The protocol may have been recognised in this very data.
            let mut who = *who;
            who.facts.app = Some(app.proto).filter(|p| *p != AppProto::Unknown);
            let who = &who;
            let window = &mut self.stream_window;
            for &(dir, start, end) in &self.stream_chunks {
                let tail = &mut tcp.stream_tail[dir & 1];
                let inspected = &mut tcp.stream_inspected[dir & 1];
                window.clear();
                window.extend_from_slice(tail);
                window.extend_from_slice(&self.stream_bytes[start..end]);
                let subject = Subject::Stream {
                    data: window,
                    dir,
                    seen: tail.len(),
                    offset: *inspected - tail.len() as u64,
                    lone: false,
                };
                *inspected += (end - start) as u64;
                det.run(&subject, who, &mut app.rec, ts, name, out, None);
                let keep = window.len().saturating_sub(STREAM_TAIL);
                tail.clear();
                tail.extend_from_slice(&window[keep..]);
            }
        }
        self.stream_chunks.clear();
        self.stream_bytes.clear();
    }

    /// The writer of the records of `rec`'s flow.
    fn writer<'a>(
        &'a mut self,
        rec: &'a mut FlowRecords,
        orig: AppProto,
        who: &'a Who,
        ts: Timestamp,
        out: &'a mut Vec<u8>,
    ) -> TxWriter<'a> {
        TxWriter {
            tls_ja4s: self.config.tls_ja4s,
            xff: self.config.xff,
            files: self.config.files,
            stats: &mut self.stats,
            det: &mut self.detector,
            beh: &mut self.behaviour,
            rec,
            who,
            ts,
            out,
            orig,
        }
    }

    /// Applies what feeding decided: a protocol detected, or a stream handed over (the
    /// parser's last transactions are logged).
    fn settle(
        &mut self,
        pending: Pending,
        app: &mut FlowApp,
        who: &Who,
        ts: Timestamp,
        out: &mut Vec<u8>,
    ) {
        if let Some(mut p) = pending.handed_over {
            p.finish();
            p.add_stats(&mut self.stats);
            let mut w = self.writer(&mut app.rec, app.proto_orig, who, ts, out);
            // It sees no more of the flow: what it holds unfinished is logged now.
            p.drain(true, &mut |tx| w.tx(tx));
            p.events(&mut |e| w.stats.event(&e));
        }
        if let Some((p, dir)) = pending.detected {
            if !matches!(app.proto, AppProto::Unknown | AppProto::Failed) && app.proto != p {
                app.proto_orig = app.proto;
            }
            app.proto = p;
            self.stats.flow_detected(p);
            app.proto_dir = dir as u8;
        }
        if pending.expect != 0 && app.proto == AppProto::Unknown && !self.expectations.is_empty() {
            self.take_expectation(pending.expect, app, who, ts);
        }
    }

    /// A TCP flow whose first data of the directions in `dirs` no probe recognised: if a
    /// control session expects it, it becomes that FTP data connection, and what detection
    /// held of its start goes to the data parser.
    fn take_expectation(&mut self, dirs: u8, app: &mut FlowApp, who: &Who, ts: Timestamp) {
        let Some(tcp) = app.tcp.as_deref_mut() else {
            return;
        };
        if tcp.parser.is_some() || who.ident.proto != 6 {
            return;
        }
        for dir in [TO_SERVER, 1 - TO_SERVER] {
            if dirs & (1 << dir) == 0 {
                continue;
            }
            let Some(taken) = self.expectations.take(
                who.facts.client.0,
                who.facts.server.0,
                who.facts.server.1,
                direction(dir),
                ts,
            ) else {
                continue;
            };
            let mut p = Box::new(crate::app::ftp_data::FtpDataParser::new(taken));
            for d in [TO_SERVER, 1 - TO_SERVER] {
                let held = std::mem::take(&mut tcp.probe[d]);
                if tcp.probe_lost[d] {
                    p.gap(direction(d), 0);
                }
                if !held.is_empty() {
                    p.feed(direction(d), &held);
                }
            }
            tcp.probe_failed = [false; 2];
            tcp.probe_lost = [false; 2];
            tcp.parser = Some(p);
            // Named by the expectation, as Suricata's: detection is over both ways, and what
            // it was about to say of an undecided direction is not said.
            tcp.pd.later = 0;
            tcp.pd.done = [true; 2];
            app.proto = AppProto::FtpData;
            self.stats.flow_detected(AppProto::FtpData);
            app.proto_dir = dir as u8;
            return;
        }
    }

    /// Writes the records the flow's parser has ready, and stops reassembly when the parser
    /// needs nothing more.
    fn drain(
        &mut self,
        app: &mut FlowApp,
        who: &Who,
        ts: Timestamp,
        out: &mut Vec<u8>,
        at_end: bool,
    ) {
        let FlowApp {
            proto,
            proto_orig,
            tcp,
            done,
            rec,
            ..
        } = app;
        let Some(tcp) = tcp.as_deref_mut() else {
            return;
        };
        // Probing on the undecided direction needs its data (D41).
        let probing = self.second_probe && !(tcp.pd.done[0] && tcp.pd.done[1]);
        let stop = match &mut tcp.parser {
            None => {
                // As Suricata 7: detection fails once both directions gave up; a flow that
                // ends before that stays undecided (no `app_proto`).
                let failed =
                    *proto == AppProto::Unknown && tcp.probe_failed[0] && tcp.probe_failed[1];
                if failed {
                    tcp.probe = Default::default();
                    *proto = AppProto::Failed;
                    self.stats.flow_detected(AppProto::Failed);
                }
                failed
            }
            Some(p) => {
                let mut w = TxWriter {
                    tls_ja4s: self.config.tls_ja4s,
                    xff: self.config.xff,
                    files: self.config.files,
                    stats: &mut self.stats,
                    det: &mut self.detector,
                    beh: &mut self.behaviour,
                    rec,
                    who,
                    ts,
                    out,
                    orig: *proto_orig,
                };
                p.drain(at_end, &mut |tx| w.tx(tx));
                p.events(&mut |e| w.stats.event(&e));
                if *proto == AppProto::Ftp {
                    let table = &self.expectations;
                    p.expectations(&mut |e| {
                        table.add(
                            who.facts.client.0,
                            who.facts.server.0,
                            e,
                            ts,
                            who.ident.flow_id.unwrap_or(0),
                        )
                    });
                }
                if p.encrypted() {
                    // Suricata's `encryption-handling: default`: no content inspection of
                    // the payload once encrypted application data flows.
                    rec.detect.stop_payload_inspection();
                }
                p.is_done() && !probing
            }
        };
        if stop {
            *done = true;
            // Stream rules still need the bytes, a depth event rule the depth: keep
            // reassembling (up to the depth), unless the payload is no longer inspected.
            let inspected = self.stream_rules && !rec.detect.payload_inspection_stopped();
            if !inspected && !self.depth_event {
                for s in tcp.stream.iter_mut() {
                    s.stop(&mut self.mem);
                }
            }
        }
    }
}

/// Feeds the stream events of one flow to its parser, detecting the protocol first: the one
/// path for data delivered by a segment, by the peer's acknowledgement and at the flow's end.
struct Feeder<'a> {
    pd: &'a mut Detection,
    /// Probe on a direction detection did not decide once the other named the protocol.
    second_probe: bool,
    /// The segment being fed acknowledged all the other direction's data.
    peer_acked: bool,
    probe: &'a mut [Vec<u8>; 2],
    probe_failed: &'a mut [bool; 2],
    probe_lost: &'a mut [bool; 2],
    parser: &'a mut Option<Box<dyn AppParser>>,
    /// Bytes of a direction held while detection needs more.
    limit: usize,
    config: &'a ParserConfig,
    ports: Ports,
    /// Keep a copy of delivered data for `tcp-stream` rules.
    keep: bool,
    chunks: &'a mut Vec<(usize, usize, usize)>,
    bytes: &'a mut Vec<u8>,
    pending: Pending,
}

impl Feeder<'_> {
    /// One stream event of direction `dir`.
    fn event(&mut self, dir: usize, ev: StreamEvent<'_>) {
        let d = direction(dir);
        let data = match ev {
            StreamEvent::Gap(n) => {
                match self.parser {
                    // A hole before the protocol is known: give up on detecting this direction.
                    None => {
                        self.probe[dir] = Vec::new();
                        self.probe_failed[dir] = true;
                        self.probe_lost[dir] = true;
                    }
                    Some(p) => {
                        p.gap(d, n);
                        // Nor is a direction probed on past a hole (as Suricata: no event).
                        if !self.pd.done[dir] {
                            self.pd.done[dir] = true;
                            self.probe[dir] = Vec::new();
                        }
                    }
                }
                return;
            }
            StreamEvent::Data(data) => data,
        };
        if self.pd.first == FIRST_NONE && !data.is_empty() {
            self.pd.first = FIRST_DIR + dir as u8;
        }
        if self.keep {
            let start = self.bytes.len();
            self.bytes.extend_from_slice(data);
            self.chunks.push((dir, start, self.bytes.len()));
        }
        self.data(dir, data);
    }

    /// In-order bytes of direction `dir`: to the parser, or to detection.
    fn data(&mut self, dir: usize, data: &[u8]) {
        let d = direction(dir);
        if let Some(p) = self.parser.as_deref_mut() {
            p.feed(d, data);
            if !p.handed_over() {
                if self.second_probe && !self.pd.done[dir] {
                    self.probe_on(dir, data);
                }
                return;
            }
            // What follows is another protocol (usually TLS in an HTTP CONNECT tunnel or
            // a SOCKS connection): detect it anew, starting with what the parser received
            // past the handover. What the parser completed was logged at this packet.
            if let Some(mut old) = self.parser.take() {
                let rest = [old.rest(direction(0)), old.rest(direction(1))];
                self.pending.handed_over = Some(old);
                *self.probe = Default::default();
                *self.probe_failed = [false; 2];
                *self.probe_lost = [false; 2];
                // Suricata expects TLS after SMTP's STARTTLS (its FTP and HTTP changes name
                // no protocol), and no longer bails out on size.
                self.pd.expect_tls = self.pd.proto == AppProto::Smtp;
                self.pd.proto = AppProto::Unknown;
                self.pd.done = [false; 2];
                for (i, r) in rest.iter().enumerate() {
                    if !r.is_empty() {
                        self.data(i, r);
                    }
                }
            }
            return;
        }
        let n = &mut self.pd.undecided[dir];
        *n = n.saturating_add(data.len() as u32);
        if self.pd.first != FIRST_SENT && self.bail_out(dir) {
            return;
        }
        if self.probe_failed[dir] {
            self.unexpected(None);
            // Held while the other direction may still name the protocol.
            if !self.probe_failed[1 - dir] && !self.probe_lost[dir] {
                let held = &mut self.probe[dir];
                if held.len() + data.len() <= self.limit {
                    held.extend_from_slice(data);
                } else {
                    *held = Vec::new();
                    self.probe_lost[dir] = true;
                }
            }
            return;
        }
        let mut held = std::mem::take(&mut self.probe[dir]);
        let first = held.is_empty();
        if !held.is_empty() {
            held.extend_from_slice(data);
        }
        let start: &[u8] = if held.is_empty() { data } else { &held };
        let found = registry::detect_tcp(start, d, self.ports);
        if first && !matches!(found, Detect::Found(_)) {
            self.pending.expect |= 1 << dir;
        }
        match found {
            Detect::Found(proto) => {
                if self.wrong_first_direction(proto.proto, dir) {
                    return;
                }
                self.unexpected(Some(proto.proto));
                let mut new = proto.new_parser(self.config);
                // Feed what the other direction held while undecided, then this one.
                let other_start = std::mem::take(&mut self.probe[1 - dir]);
                if self.probe_lost[1 - dir] {
                    new.gap(direction(1 - dir), 0);
                }
                if !other_start.is_empty() {
                    new.feed(direction(1 - dir), &other_start);
                }
                new.feed(d, start);
                *self.parser = Some(new);
                self.pending.detected = Some((proto.proto, dir));
                self.pd.proto = proto.proto;
                self.pd.first = FIRST_SENT;
                self.pd.done = [true; 2];
                let other_same = !other_start.is_empty()
                    && matches!(
                        registry::same_protocol(
                            proto.proto,
                            &other_start,
                            direction(1 - dir),
                            self.ports
                        ),
                        Probe::Yes
                    );
                if self.probe_failed[1 - dir] && !other_same {
                    // The other direction gave up first: its data goes to this protocol's
                    // parser, as Suricata's, which says so (unless that protocol's own check
                    // takes it, as Suricata's probing parser of the named protocol does).
                    self.pending
                        .events
                        .set(PacketEvent::ApplayerDetectProtocolOnlyOneDirection);
                } else if self.second_probe {
                    // Still undecided there: probed on as its data comes.
                    self.pd.done[1 - dir] = false;
                    if !other_start.is_empty() {
                        self.probe_on(1 - dir, &other_start);
                    }
                }
            }
            Detect::NeedMore if start.len() < self.limit => {
                self.unexpected(None);
                if held.is_empty() {
                    held.extend_from_slice(data);
                }
                self.probe[dir] = held;
            }
            _ => {
                self.unexpected(None);
                self.probe_failed[dir] = true;
                if start.len() <= self.limit && !self.probe_failed[1 - dir] {
                    if held.is_empty() {
                        held.extend_from_slice(data);
                    }
                    self.probe[dir] = held;
                } else {
                    self.probe_lost[dir] = true;
                }
            }
        }
    }

    /// Detection goes on in direction `dir` after the other named the protocol (only when
    /// rules name the events it raises): a different protocol is a mismatch, giving up means
    /// the protocol was detected in one direction only.
    fn probe_on(&mut self, dir: usize, data: &[u8]) {
        let held = &mut self.probe[dir];
        let judged = {
            let start: &[u8] = if held.is_empty() {
                data
            } else {
                held.extend_from_slice(data);
                held
            };
            let own = registry::same_protocol(self.pd.proto, start, direction(dir), self.ports);
            match (own, registry::detect_tcp(start, direction(dir), self.ports)) {
                (Probe::Yes, _) => Some(Some(self.pd.proto)),
                // The flow's own protocol only as its own check reads it.
                (_, Detect::Found(p)) if p.proto != self.pd.proto => Some(Some(p.proto)),
                (Probe::NeedMore, _) | (_, Detect::NeedMore) if start.len() < self.limit => None,
                _ => Some(None),
            }
        };
        let Some(found) = judged else {
            if held.is_empty() {
                held.extend_from_slice(data);
            }
            return;
        };
        *held = Vec::new();
        self.pd.done[dir] = true;
        match found {
            Some(p) if p == self.pd.proto => {}
            Some(_) => self
                .pending
                .events
                .set(PacketEvent::ApplayerMismatchProtocolBothDirections),
            None => self
                .pending
                .events
                .set(PacketEvent::ApplayerDetectProtocolOnlyOneDirection),
        }
    }

    /// After SMTP's STARTTLS, detection that names another protocol than TLS, or none yet
    /// (Suricata judges each chunk of data until one is named).
    fn unexpected(&mut self, found: Option<AppProto>) {
        if !self.pd.expect_tls {
            return;
        }
        if found == Some(AppProto::Tls) {
            self.pd.expect_tls = false;
            return;
        }
        if found.is_some() {
            self.pd.expect_tls = false;
        }
        let e = &mut self.pending.events;
        e.set(PacketEvent::ApplayerUnexpectedProtocol);
        e.set(PacketEvent::ApplayerNoTlsAfterStarttls);
    }

    /// Suricata's TLS parser wants the client's data first: when the server's came first,
    /// detection of TLS fails the flow, with an event when TLS was found in the server's data
    /// or the server's data was not acknowledged yet (Suricata then sees it unparsed).
    fn wrong_first_direction(&mut self, proto: AppProto, dir: usize) -> bool {
        let to_client = 1 - TO_SERVER;
        if proto != AppProto::Tls || self.pd.first != FIRST_DIR + to_client as u8 {
            return false;
        }
        if dir == to_client || !self.peer_acked {
            self.pending
                .events
                .set(PacketEvent::ApplayerWrongDirectionFirstData);
        }
        self.fail();
        true
    }

    /// Suricata's bail-out: an undecided direction holding too much makes the flow `failed`.
    fn bail_out(&mut self, dir: usize) -> bool {
        let (this, other) = (self.pd.undecided[dir], self.pd.undecided[1 - dir]);
        let skip = this > 2 * BAIL_OUT
            || other > 2 * BAIL_OUT
            || (self.probe_failed[dir] && this > BAIL_OUT && other == 0);
        if skip {
            self.pending
                .events
                .set(PacketEvent::ApplayerProtoDetectionSkipped);
            self.fail();
        }
        skip
    }

    /// Detection gives up on both directions: the flow is `failed` (see `AppLayer::drain`).
    fn fail(&mut self) {
        *self.probe = Default::default();
        *self.probe_failed = [true; 2];
        *self.probe_lost = [true; 2];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::engine::FlowDetect;
    use std::mem::size_of;

    /// Every tracked flow carries a `Flow<FlowApp>` (a million at the default cap): these sizes
    /// are the table's memory per flow. A change that grows them should be deliberate.
    #[test]
    fn per_flow_sizes() {
        assert_eq!(size_of::<crate::flow::FlowKey>(), 44);
        assert_eq!(size_of::<crate::flow::tcp::TcpTracker>(), 24);
        assert_eq!(size_of::<FlowDetect>(), 16);
        // 8 bytes of it are the behaviour stage's per-flow mark (bursts, progress, logins).
        assert_eq!(size_of::<crate::behaviour::FlowMark>(), 8);
        // 8 bytes of it are the TCP session state machine's pointer (D33).
        assert_eq!(size_of::<FlowApp>(), 56);
        assert_eq!(size_of::<Flow<()>>(), 128);
        assert_eq!(size_of::<Flow<FlowApp>>(), 184);
        assert_eq!(size_of::<Option<Flow<FlowApp>>>(), 184);
        // Allocated only for TCP flows, and only when rules name its events.
        assert_eq!(size_of::<crate::flow::tcp_ssn::TcpSsn>(), 96);
        // Allocated only for flows that carry payload.
        assert!(size_of::<TcpApp>() <= 256);
    }
}
