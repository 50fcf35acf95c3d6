//! The rule model: what a parsed, validated rule holds. Built by `parse.rs`, read by the
//! fast-pattern choice and the engine.

use super::buffer::Buffer;
use super::fast_pattern::FastPattern;
use super::header::Header;
use super::inspect::Matcher;
use super::numeric::{IpOpts, IpProto, NumCmp, TcpFlags, Urilen};
use super::options::{
    Dataset, Flow, Flowbit, Flowint, Reference, StreamSize, Target, Threshold, Xbit,
};
use super::transform::Transforms;
use crate::app::AppProto;
use crate::events::{AppEvents, PacketEvents};

/// The matchers of one buffer, in rule order.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferMatchers {
    pub buffer: Buffer,
    /// Transforms applied to the buffer before inspection (empty: none).
    pub transforms: Transforms,
    pub matchers: Vec<Matcher>,
}

/// A `dataset` and the buffer it looks up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetMatch {
    pub buffer: Buffer,
    /// Transforms applied to the buffer before the lookup (`to_md5; dataset:...`).
    pub transforms: super::transform::Transforms,
    pub dataset: Dataset,
    /// Index of the option in the rule.
    pub position: usize,
}

/// `app-layer-protocol:[!]<proto>` (Suricata 7: no modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppLayerProtocol {
    pub negated: bool,
    /// `None`: the value `failed` (detection gave up).
    pub proto: Option<AppProto>,
}

/// `dns.opcode:[!]<n>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsOpcode {
    pub negated: bool,
    pub opcode: u8,
}

impl DnsOpcode {
    pub fn matches(self, opcode: u8) -> bool {
        (opcode == self.opcode) != self.negated
    }
}

/// `dce_iface:<uuid>[,<op><version>][,any_frag]` (`dcerpc.iface`): the call's context is an
/// interface the server accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DceIface {
    /// The UUID in canonical byte order.
    pub uuid: [u8; 16],
    /// Version test on the interface's major version: `<`, `>`, `=` or `!` and the value.
    pub version: Option<(u8, u16)>,
    /// Also match a request whose first fragment was not seen.
    pub any_frag: bool,
}

impl DceIface {
    pub fn version_ok(&self, v: u16) -> bool {
        match self.version {
            None => true,
            Some((b'<', n)) => v < n,
            Some((b'>', n)) => v > n,
            Some((b'!', n)) => v != n,
            Some((_, n)) => v == n,
        }
    }
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
    /// `flow.age`: seconds from the flow's first packet to this one (whole seconds).
    pub flow_age: Option<NumCmp>,
    pub ip_proto: Option<IpProto>,
    pub ipopts: Option<IpOpts>,
    pub threshold: Option<Threshold>,
    pub detection_filter: Option<Threshold>,
    pub flowbits: Vec<Flowbit>,
    pub flowints: Vec<Flowint>,
    pub xbits: Vec<Xbit>,
    pub datasets: Vec<DatasetMatch>,
    /// `stream_size` tests (a packet keyword: tested on TCP packets; all must hold).
    pub stream_size: Vec<StreamSize>,
    /// `tls.cert_chain_len`: how many certificates the server sent.
    pub tls_chain_len: Option<NumCmp>,
    /// `tls.version`: the negotiated version (Suricata's numbering: 0x0303 for TLS 1.2, ...).
    pub tls_version: Option<u16>,
    /// `decode-event` / `stream-event`: events the packet must carry (all of them).
    pub packet_events: PacketEvents,
    /// `app-layer-event`: events the transaction, message or handshake must carry (all).
    pub app_events: AppEvents,
    /// `app-layer-protocol`: tests on the flow's detected protocol (all must hold).
    pub app_layer_protocol: Vec<AppLayerProtocol>,
    /// `icmp_id` / `icmp_seq`: of ICMP echo (and the other query) messages.
    pub icmp_id: Option<u16>,
    pub icmp_seq: Option<u16>,
    /// `dns.opcode:[!]n`.
    pub dns_opcode: Option<DnsOpcode>,
    /// `ftpbounce`, `ftpdata_command`.
    pub ftp: FtpTests,
    /// `dce_iface` tests (all must hold).
    pub dce_iface: Vec<DceIface>,
    /// `dce_opnum` lists of inclusive ranges (each must hold).
    pub dce_opnum: Vec<Box<[(u16, u16)]>>,
    /// `ipv4-csum`, `tcpv4-csum`, ...: the checksums that must be valid (`valid`) and those
    /// that must be invalid (`invalid`), a bit per `checksum::Kind`.
    pub csum: crate::decode::checksum::Csums,
    /// `target`: which side of the alert is attacked (adds `source`/`target` to the alert).
    pub target: Option<Target>,
    /// The prefilter pattern, if the rule has any content.
    pub fast_pattern: Option<FastPattern>,
    /// Suricata's IP-only class: decided on addresses/ports/protocol alone.
    pub ip_only: bool,
    /// Suricata's protocol-detection-only class: `app-layer-protocol` with nothing but
    /// IP-only keywords; such a rule is tested only on the packet where the flow's protocol
    /// became known.
    pub pd_only: bool,
    /// `noalert` or `flowbits:noalert` was given.
    pub noalert: bool,
    /// `tag` keywords: what to tag once the rule alerts.
    pub tags: Vec<super::TagSpec>,
    /// File keywords (`fileext`, `filesize`, `filemd5`/`filesha1`/`filesha256`,
    /// `filestore`): one file of the transaction must pass them all (D46).
    pub files: Option<Box<FileTests>>,
    /// 1-based line of the rule in its file (0 when parsed alone).
    pub line: usize,
}

/// Tests of the FTP keywords.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FtpTests {
    /// `ftpbounce`: a PORT command naming another address than the client's.
    pub bounce: bool,
    /// `ftpdata_command:stor|retr`: the command of an FTP data connection.
    pub data_command: Option<crate::app::ftp_data::FtpDataCmd>,
}

impl Rule {
    /// The matchers for `buffer` (without transforms), if the rule inspects it.
    pub fn matchers(&self, buffer: Buffer) -> Option<&[Matcher]> {
        self.buffers
            .iter()
            .find(|b| b.buffer == buffer && b.transforms.is_empty())
            .map(|b| b.matchers.as_slice())
    }
}

/// A digest a file hash list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileHash {
    Md5,
    Sha1,
    Sha256,
}

impl FileHash {
    /// Hex digits of one digest.
    pub fn hex_len(self) -> usize {
        match self {
            FileHash::Md5 => 32,
            FileHash::Sha1 => 40,
            FileHash::Sha256 => 64,
        }
    }
}

/// Which files `filestore` stores: the direction (`request`/`to_server`, `response`/
/// `to_client`, `both`; default: the files that matched) and the scope (`file`: the matching
/// files, `tx`: every file of the transaction, `ssn`: taken as `tx`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileStore {
    /// `None`: the direction of the files that matched.
    pub to_server: Option<bool>,
    pub both: bool,
    /// Every file of the transaction, not only those the rule's file tests accept.
    pub whole_tx: bool,
}

/// The file keywords of a rule.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileTests {
    /// `fileext:[!]"ext"` (each must hold; compared without case).
    pub ext: Vec<(Vec<u8>, bool)>,
    pub size: Option<NumCmp>,
    /// Hash lists: the digest, the list file as written (resolved against the rule file's
    /// directory when the engine loads it), negated.
    pub hashes: Vec<(FileHash, String, bool)>,
    pub store: Option<FileStore>,
}
