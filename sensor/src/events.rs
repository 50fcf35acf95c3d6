//! Engine events: anomalies the decoder, stream reassembly and the application parsers find,
//! named as Suricata 7 names them, for the `decode-event`, `stream-event` and
//! `app-layer-event` rule keywords.
//!
//! A packet carries a [`PacketEvents`] (decoder and stream events: 128 bits, set where the
//! anomaly is found, never allocated); an HTTP transaction, a DNS message or a TLS record
//! carries an [`AppEvents`]. Events Suricata names that the sensor does not detect are not in
//! these tables: a rule naming one is refused at load ([`refusal`] gives the reason). A few
//! that Suricata 7.0.10 itself never raises are in them, accepted and never raised, as there.

/// A decoder or stream event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketEvent {
    Ipv4PktTooSmall,
    Ipv4HlenTooSmall,
    Ipv4IplenSmallerThanHlen,
    Ipv4TruncPkt,
    Ipv4OptInvalidLen,
    Ipv4OptEolRequired,
    Ipv4OptInvalid,
    Ipv4OptMalformed,
    Ipv4OptDuplicate,
    /// Never raised, as in Suricata 7 (its decoder sets it only on an internal error).
    Ipv4OptUnknown,
    Ipv4WrongIpVersion,
    Ipv4Icmpv6,
    Ipv4FragPktTooLarge,
    Ipv4FragOverlap,
    Ipv6PktTooSmall,
    Ipv6TruncPkt,
    Ipv6TruncExthdr,
    Ipv6WrongIpVersion,
    Ipv6ExthdrDuplFh,
    Ipv6ExthdrUselessFh,
    Ipv6ExthdrDuplRh,
    Ipv6ExthdrDuplHh,
    Ipv6ExthdrDuplDh,
    Ipv6ExthdrDuplAh,
    Ipv6ExthdrInvalidOptlen,
    Ipv6ExthdrAhResNotNull,
    Ipv6HopoptsUnknownOpt,
    Ipv6HopoptsOnlyPadding,
    Ipv6DstoptsUnknownOpt,
    Ipv6DstoptsOnlyPadding,
    Ipv6RhType0,
    Ipv6FhNonZeroReservedField,
    Ipv6DataAfterNoneHeader,
    Ipv6Icmpv4,
    Ipv6FragPktTooLarge,
    Ipv6FragOverlap,
    Ipv6FragInvalidLength,
    TcpPktTooSmall,
    TcpHlenTooSmall,
    TcpInvalidOptlen,
    TcpOptInvalidLen,
    TcpOptDuplicate,
    UdpPktTooSmall,
    UdpHlenTooSmall,
    UdpLenInvalid,
    Icmpv4PktTooSmall,
    Icmpv4UnknownType,
    Icmpv4UnknownCode,
    Icmpv4Ipv4TruncPkt,
    Icmpv4Ipv4UnknownVer,
    Icmpv6PktTooSmall,
    Icmpv6UnknownCode,
    Icmpv6UnassignedType,
    Icmpv6ExperimentationType,
    Icmpv6MldInvalidHl,
    Icmpv6Ipv6TruncPkt,
    Icmpv6Ipv6UnknownVersion,
    ChdlcPktTooSmall,
    EthernetPktTooSmall,
    VlanHeaderTooSmall,
    VlanUnknownType,
    VlanTooManyLayers,
    SllPktTooSmall,
    IprawInvalidIpVersion,
    /// Stream events from here on.
    StreamReassemblySeqGap,
    StreamReassemblyDepthReached,
    /// A regular segment from the side that sent the previous RST (`flow::tcp`).
    StreamSuspectedRstInject,
    /// Not nameable by rules: the flow's application protocol became known on this packet
    /// (Suricata's "protocol detection done" packet flag, which `app-layer-protocol`-only
    /// rules wait for).
    ProtoDetected,
}

/// Which keyword names an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Decode,
    Stream,
    Internal,
}

impl PacketEvent {
    pub const ALL: &'static [PacketEvent] = &[
        PacketEvent::Ipv4PktTooSmall,
        PacketEvent::Ipv4HlenTooSmall,
        PacketEvent::Ipv4IplenSmallerThanHlen,
        PacketEvent::Ipv4TruncPkt,
        PacketEvent::Ipv4OptInvalidLen,
        PacketEvent::Ipv4OptEolRequired,
        PacketEvent::Ipv4OptInvalid,
        PacketEvent::Ipv4OptMalformed,
        PacketEvent::Ipv4OptDuplicate,
        PacketEvent::Ipv4OptUnknown,
        PacketEvent::Ipv4WrongIpVersion,
        PacketEvent::Ipv4Icmpv6,
        PacketEvent::Ipv4FragPktTooLarge,
        PacketEvent::Ipv4FragOverlap,
        PacketEvent::Ipv6PktTooSmall,
        PacketEvent::Ipv6TruncPkt,
        PacketEvent::Ipv6TruncExthdr,
        PacketEvent::Ipv6WrongIpVersion,
        PacketEvent::Ipv6ExthdrDuplFh,
        PacketEvent::Ipv6ExthdrUselessFh,
        PacketEvent::Ipv6ExthdrDuplRh,
        PacketEvent::Ipv6ExthdrDuplHh,
        PacketEvent::Ipv6ExthdrDuplDh,
        PacketEvent::Ipv6ExthdrDuplAh,
        PacketEvent::Ipv6ExthdrInvalidOptlen,
        PacketEvent::Ipv6ExthdrAhResNotNull,
        PacketEvent::Ipv6HopoptsUnknownOpt,
        PacketEvent::Ipv6HopoptsOnlyPadding,
        PacketEvent::Ipv6DstoptsUnknownOpt,
        PacketEvent::Ipv6DstoptsOnlyPadding,
        PacketEvent::Ipv6RhType0,
        PacketEvent::Ipv6FhNonZeroReservedField,
        PacketEvent::Ipv6DataAfterNoneHeader,
        PacketEvent::Ipv6Icmpv4,
        PacketEvent::Ipv6FragPktTooLarge,
        PacketEvent::Ipv6FragOverlap,
        PacketEvent::Ipv6FragInvalidLength,
        PacketEvent::TcpPktTooSmall,
        PacketEvent::TcpHlenTooSmall,
        PacketEvent::TcpInvalidOptlen,
        PacketEvent::TcpOptInvalidLen,
        PacketEvent::TcpOptDuplicate,
        PacketEvent::UdpPktTooSmall,
        PacketEvent::UdpHlenTooSmall,
        PacketEvent::UdpLenInvalid,
        PacketEvent::Icmpv4PktTooSmall,
        PacketEvent::Icmpv4UnknownType,
        PacketEvent::Icmpv4UnknownCode,
        PacketEvent::Icmpv4Ipv4TruncPkt,
        PacketEvent::Icmpv4Ipv4UnknownVer,
        PacketEvent::Icmpv6PktTooSmall,
        PacketEvent::Icmpv6UnknownCode,
        PacketEvent::Icmpv6UnassignedType,
        PacketEvent::Icmpv6ExperimentationType,
        PacketEvent::Icmpv6MldInvalidHl,
        PacketEvent::Icmpv6Ipv6TruncPkt,
        PacketEvent::Icmpv6Ipv6UnknownVersion,
        PacketEvent::ChdlcPktTooSmall,
        PacketEvent::EthernetPktTooSmall,
        PacketEvent::VlanHeaderTooSmall,
        PacketEvent::VlanUnknownType,
        PacketEvent::VlanTooManyLayers,
        PacketEvent::SllPktTooSmall,
        PacketEvent::IprawInvalidIpVersion,
        PacketEvent::StreamReassemblySeqGap,
        PacketEvent::StreamReassemblyDepthReached,
        PacketEvent::StreamSuspectedRstInject,
        PacketEvent::ProtoDetected,
    ];

    /// Suricata's name (without the `stream.` prefix for stream events, as rules write them).
    pub fn name(self) -> &'static str {
        use PacketEvent::*;
        match self {
            Ipv4PktTooSmall => "ipv4.pkt_too_small",
            Ipv4HlenTooSmall => "ipv4.hlen_too_small",
            Ipv4IplenSmallerThanHlen => "ipv4.iplen_smaller_than_hlen",
            Ipv4TruncPkt => "ipv4.trunc_pkt",
            Ipv4OptInvalidLen => "ipv4.opt_invalid_len",
            Ipv4OptEolRequired => "ipv4.opt_eol_required",
            Ipv4OptInvalid => "ipv4.opt_invalid",
            Ipv4OptMalformed => "ipv4.opt_malformed",
            Ipv4OptDuplicate => "ipv4.opt_duplicate",
            Ipv4OptUnknown => "ipv4.opt_unknown",
            Ipv4WrongIpVersion => "ipv4.wrong_ip_version",
            Ipv4Icmpv6 => "ipv4.icmpv6",
            Ipv4FragPktTooLarge => "ipv4.frag_pkt_too_large",
            Ipv4FragOverlap => "ipv4.frag_overlap",
            Ipv6PktTooSmall => "ipv6.pkt_too_small",
            Ipv6TruncPkt => "ipv6.trunc_pkt",
            Ipv6TruncExthdr => "ipv6.trunc_exthdr",
            Ipv6WrongIpVersion => "ipv6.wrong_ip_version",
            Ipv6ExthdrDuplFh => "ipv6.exthdr_dupl_fh",
            Ipv6ExthdrUselessFh => "ipv6.exthdr_useless_fh",
            Ipv6ExthdrDuplRh => "ipv6.exthdr_dupl_rh",
            Ipv6ExthdrDuplHh => "ipv6.exthdr_dupl_hh",
            Ipv6ExthdrDuplDh => "ipv6.exthdr_dupl_dh",
            Ipv6ExthdrDuplAh => "ipv6.exthdr_dupl_ah",
            Ipv6ExthdrInvalidOptlen => "ipv6.exthdr_invalid_optlen",
            Ipv6ExthdrAhResNotNull => "ipv6.exthdr_ah_res_not_null",
            Ipv6HopoptsUnknownOpt => "ipv6.hopopts_unknown_opt",
            Ipv6HopoptsOnlyPadding => "ipv6.hopopts_only_padding",
            Ipv6DstoptsUnknownOpt => "ipv6.dstopts_unknown_opt",
            Ipv6DstoptsOnlyPadding => "ipv6.dstopts_only_padding",
            Ipv6RhType0 => "ipv6.rh_type_0",
            Ipv6FhNonZeroReservedField => "ipv6.fh_non_zero_reserved_field",
            Ipv6DataAfterNoneHeader => "ipv6.data_after_none_header",
            Ipv6Icmpv4 => "ipv6.icmpv4",
            Ipv6FragPktTooLarge => "ipv6.frag_pkt_too_large",
            Ipv6FragOverlap => "ipv6.frag_overlap",
            Ipv6FragInvalidLength => "ipv6.frag_invalid_length",
            TcpPktTooSmall => "tcp.pkt_too_small",
            TcpHlenTooSmall => "tcp.hlen_too_small",
            TcpInvalidOptlen => "tcp.invalid_optlen",
            TcpOptInvalidLen => "tcp.opt_invalid_len",
            TcpOptDuplicate => "tcp.opt_duplicate",
            UdpPktTooSmall => "udp.pkt_too_small",
            UdpHlenTooSmall => "udp.hlen_too_small",
            UdpLenInvalid => "udp.len_invalid",
            Icmpv4PktTooSmall => "icmpv4.pkt_too_small",
            Icmpv6PktTooSmall => "icmpv6.pkt_too_small",
            Icmpv4UnknownType => "icmpv4.unknown_type",
            Icmpv4UnknownCode => "icmpv4.unknown_code",
            Icmpv4Ipv4TruncPkt => "icmpv4.ipv4_trunc_pkt",
            Icmpv4Ipv4UnknownVer => "icmpv4.ipv4_unknown_ver",
            Icmpv6UnknownCode => "icmpv6.unknown_code",
            Icmpv6UnassignedType => "icmpv6.unassigned_type",
            Icmpv6ExperimentationType => "icmpv6.experimentation_type",
            Icmpv6MldInvalidHl => "icmpv6.mld_message_with_invalid_hl",
            Icmpv6Ipv6TruncPkt => "icmpv6.ipv6_trunc_pkt",
            Icmpv6Ipv6UnknownVersion => "icmpv6.ipv6_unknown_version",
            ChdlcPktTooSmall => "chdlc.pkt_too_small",
            EthernetPktTooSmall => "ethernet.pkt_too_small",
            VlanHeaderTooSmall => "vlan.header_too_small",
            VlanUnknownType => "vlan.unknown_type",
            VlanTooManyLayers => "vlan.too_many_layers",
            SllPktTooSmall => "sll.pkt_too_small",
            IprawInvalidIpVersion => "ipraw.invalid_ip_version",
            StreamReassemblySeqGap => "reassembly_seq_gap",
            StreamReassemblyDepthReached => "reassembly_depth_reached",
            StreamSuspectedRstInject => "suspected_rst_inject",
            ProtoDetected => "(protocol detected)",
        }
    }

    pub fn kind(self) -> EventKind {
        if self == PacketEvent::ProtoDetected {
            EventKind::Internal
        } else if (self as u8) >= PacketEvent::StreamReassemblySeqGap as u8 {
            EventKind::Stream
        } else {
            EventKind::Decode
        }
    }

    /// The event a `decode-event` / `stream-event` value names (`stream-event` also takes
    /// the `stream.` prefix).
    pub fn from_name(kind: EventKind, name: &str) -> Option<PacketEvent> {
        let name = match kind {
            EventKind::Stream => name.strip_prefix("stream.").unwrap_or(name),
            _ => name,
        };
        PacketEvent::ALL
            .iter()
            .copied()
            .find(|e| e.kind() == kind && e.name() == name)
    }
}

/// A set of packet events: one bit each, in two words (8-byte aligned: it sits in every
/// decoded packet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PacketEvents([u64; 2]);

impl PacketEvents {
    pub const NONE: PacketEvents = PacketEvents([0; 2]);

    #[inline]
    fn bit(e: PacketEvent) -> (usize, u64) {
        let i = e as usize;
        ((i >> 6) & 1, 1 << (i & 63))
    }

    #[inline]
    pub fn set(&mut self, e: PacketEvent) {
        let (w, b) = Self::bit(e);
        self.0[w] |= b;
    }

    #[inline]
    pub fn has(self, e: PacketEvent) -> bool {
        let (w, b) = Self::bit(e);
        self.0[w] & b != 0
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == [0; 2]
    }

    /// Every event of `want` is in `self`.
    #[inline]
    pub fn contains(self, want: PacketEvents) -> bool {
        self.0[0] & want.0[0] == want.0[0] && self.0[1] & want.0[1] == want.0[1]
    }

    #[inline]
    pub fn union(self, o: PacketEvents) -> PacketEvents {
        PacketEvents([self.0[0] | o.0[0], self.0[1] | o.0[1]])
    }

    pub fn iter(self) -> impl Iterator<Item = PacketEvent> {
        PacketEvent::ALL
            .iter()
            .copied()
            .filter(move |e| self.has(*e))
    }
}

/// An application-layer event. These are judged from the parsed transaction, message or
/// handshake when a rule asks for them (nothing is computed for rules that do not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AppEvent {
    /// A message sent to the server with the response bit set.
    DnsNotRequest,
    /// A message sent to the client without the response bit.
    DnsNotResponse,
    /// The reserved Z bit is set.
    DnsZFlagSet,
    /// An opcode Suricata does not know (7 to 15).
    DnsInvalidOpcode,
    /// An HTTP/1.1 request without a Host header.
    HttpMissingHostHeader,
    /// An Authorization header whose scheme is not Basic, Digest or Bearer.
    HttpRequestAuthUnrecognized,
    /// Content-Length given twice with different (or unreadable) values (libhtp's
    /// "Ambiguous request/response C-L value").
    HttpDuplicateContentLengthInRequest,
    HttpDuplicateContentLengthInResponse,
    /// A request Transfer-Encoding without the `chunked` token, or chunked before HTTP/1.1
    /// (libhtp's invalid T-E flag).
    HttpInvalidTransferEncodingInRequest,
    /// Never raised, as in Suricata 7.0.10 (its catch-all for libhtp messages it does not map is event 0, which it skips).
    HttpUnknownError,
    /// A gzip or deflate body (either direction) that would not inflate: libhtp's restarts all failed, or the stream went corrupt (a truncated stream is not one).
    HttpGzipDecompressionFailed,
    /// A request header line without a colon (before any NUL).
    HttpRequestFieldMissingColon,
    /// A response header line without a colon.
    HttpResponseFieldMissingColon,
    /// A request chunk-size line that is not a length.
    HttpInvalidRequestChunkLen,
    /// A response chunk-size line that is not a length.
    HttpInvalidResponseChunkLen,
    /// Never raised, as in Suricata 7.0.10 (libhtp 0.5.50 has no such message).
    HttpInvalidTransferEncodingInResponse,
    /// A request Content-Length with no digits (no Transfer-Encoding).
    HttpInvalidContentLengthInRequest,
    /// A response Content-Length with no digits (not chunked).
    HttpInvalidContentLengthInResponse,
    /// A second `100 Continue` for one request.
    Http100ContinueAlreadySeen,
    /// A response with no request left to pair with.
    HttpUnableToMatchResponseToRequest,
    /// Never raised, as in Suricata 7.0.10 (libhtp 0.5.50 no longer logs it).
    HttpInvalidServerPortInRequest,
    /// Never raised, as in Suricata 7.0.10.
    HttpInvalidAuthorityPort,
    /// A request header with an empty name, whitespace before the colon, or a name that is not a token.
    HttpRequestHeaderInvalid,
    /// The same in a response header.
    HttpResponseHeaderInvalid,
    /// The absolute URI's host (or port) differs from the Host header's, or the Host header is unusable.
    HttpHostHeaderAmbiguous,
    /// The first request header line starts with whitespace (folding onto nothing).
    HttpInvalidRequestFieldFolding,
    /// The same in a response.
    HttpInvalidResponseFieldFolding,
    /// A request line or header line over libhtp's hard field limit (18,000 bytes).
    HttpRequestFieldTooLong,
    /// Never raised, as in Suricata 7.0.10 (libhtp 0.5.50 spells the message so that Suricata does not map it).
    HttpResponseFieldTooLong,
    /// Never raised, as in Suricata 7.0.10 (libhtp 0.5.50 no longer logs it).
    HttpRequestServerPortTcpPortMismatch,
    /// The absolute URI's host is not a valid hostname, or its port is not 1-65535.
    HttpRequestUriHostInvalid,
    /// The Host header is not a valid hostname with an optional port 1-65535.
    HttpRequestHeaderHostInvalid,
    /// Whitespace other than SP in the request target.
    HttpUriDelimNonCompliant,
    /// Whitespace other than SP between method and target.
    HttpMethodDelimNonCompliant,
    /// Whitespace before the method.
    HttpRequestLineLeadingWhitespace,
    /// A response Content-Encoding with more gzip/deflate layers than the layer limit.
    HttpTooManyEncodingLayers,
    /// A response Content-Encoding that is not a plain known coding: an unknown token, or gzip/deflate spelled otherwise.
    HttpAbnormalCeHeader,
    /// Never raised, as in Suricata 7.0.10 (libhtp 0.5.50 has no such message).
    HttpRequestHeaderRepetition,
    /// Never raised, as in Suricata 7.0.10.
    HttpResponseHeaderRepetition,
    /// A response Transfer-Encoding holding `chunked` but not exactly `chunked`.
    HttpResponseAbnormalTransferEncoding,
    /// A chunked response whose protocol is not HTTP/1.1.
    HttpResponseChunkedOldProto,
    /// A status line whose protocol is not HTTP/0.9, 1.0 or 1.1.
    HttpResponseInvalidProtocol,
    /// A status line whose status is not a number 100-999.
    HttpResponseInvalidStatus,
    /// Never raised with Suricata's default configuration (`double-decode-path`/`query` off), as in Suricata 7.0.10.
    HttpDoubleEncodedUri,
    /// After a request without a body, the same data chunk goes on with a line that is not a request (libhtp then reads it as that request's body).
    HttpRequestBodyUnexpected,
    /// A response body with a Content-Range Suricata cannot parse or whose range is impossible.
    HttpRangeInvalid,
    /// A request head with more than 1,024 header lines.
    HttpRequestTooManyHeaders,
    /// A response head with more than 1,024 header lines.
    HttpResponseTooManyHeaders,
    /// A ClientHello with more than one server_name extension.
    TlsMultipleSniExtensions,
}

/// The protocol an application-layer event belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEventProto {
    Http,
    Dns,
    Tls,
}

impl AppEvent {
    pub const ALL: &'static [AppEvent] = &[
        AppEvent::DnsNotRequest,
        AppEvent::DnsNotResponse,
        AppEvent::DnsZFlagSet,
        AppEvent::DnsInvalidOpcode,
        AppEvent::HttpMissingHostHeader,
        AppEvent::HttpRequestAuthUnrecognized,
        AppEvent::HttpDuplicateContentLengthInRequest,
        AppEvent::HttpDuplicateContentLengthInResponse,
        AppEvent::HttpInvalidTransferEncodingInRequest,
        AppEvent::HttpUnknownError,
        AppEvent::HttpGzipDecompressionFailed,
        AppEvent::HttpRequestFieldMissingColon,
        AppEvent::HttpResponseFieldMissingColon,
        AppEvent::HttpInvalidRequestChunkLen,
        AppEvent::HttpInvalidResponseChunkLen,
        AppEvent::HttpInvalidTransferEncodingInResponse,
        AppEvent::HttpInvalidContentLengthInRequest,
        AppEvent::HttpInvalidContentLengthInResponse,
        AppEvent::Http100ContinueAlreadySeen,
        AppEvent::HttpUnableToMatchResponseToRequest,
        AppEvent::HttpInvalidServerPortInRequest,
        AppEvent::HttpInvalidAuthorityPort,
        AppEvent::HttpRequestHeaderInvalid,
        AppEvent::HttpResponseHeaderInvalid,
        AppEvent::HttpHostHeaderAmbiguous,
        AppEvent::HttpInvalidRequestFieldFolding,
        AppEvent::HttpInvalidResponseFieldFolding,
        AppEvent::HttpRequestFieldTooLong,
        AppEvent::HttpResponseFieldTooLong,
        AppEvent::HttpRequestServerPortTcpPortMismatch,
        AppEvent::HttpRequestUriHostInvalid,
        AppEvent::HttpRequestHeaderHostInvalid,
        AppEvent::HttpUriDelimNonCompliant,
        AppEvent::HttpMethodDelimNonCompliant,
        AppEvent::HttpRequestLineLeadingWhitespace,
        AppEvent::HttpTooManyEncodingLayers,
        AppEvent::HttpAbnormalCeHeader,
        AppEvent::HttpRequestHeaderRepetition,
        AppEvent::HttpResponseHeaderRepetition,
        AppEvent::HttpResponseAbnormalTransferEncoding,
        AppEvent::HttpResponseChunkedOldProto,
        AppEvent::HttpResponseInvalidProtocol,
        AppEvent::HttpResponseInvalidStatus,
        AppEvent::HttpDoubleEncodedUri,
        AppEvent::HttpRequestBodyUnexpected,
        AppEvent::HttpRangeInvalid,
        AppEvent::HttpRequestTooManyHeaders,
        AppEvent::HttpResponseTooManyHeaders,
        AppEvent::TlsMultipleSniExtensions,
    ];

    /// Suricata's name, `proto.event`.
    pub fn name(self) -> &'static str {
        use AppEvent::*;
        match self {
            DnsNotRequest => "dns.not_request",
            DnsNotResponse => "dns.not_response",
            DnsZFlagSet => "dns.z_flag_set",
            DnsInvalidOpcode => "dns.invalid_opcode",
            HttpMissingHostHeader => "http.missing_host_header",
            HttpRequestAuthUnrecognized => "http.request_auth_unrecognized",
            HttpDuplicateContentLengthInRequest => "http.duplicate_content_length_field_in_request",
            HttpDuplicateContentLengthInResponse => {
                "http.duplicate_content_length_field_in_response"
            }
            HttpInvalidTransferEncodingInRequest => {
                "http.invalid_transfer_encoding_value_in_request"
            }
            HttpUnknownError => "http.unknown_error",
            HttpGzipDecompressionFailed => "http.gzip_decompression_failed",
            HttpRequestFieldMissingColon => "http.request_field_missing_colon",
            HttpResponseFieldMissingColon => "http.response_field_missing_colon",
            HttpInvalidRequestChunkLen => "http.invalid_request_chunk_len",
            HttpInvalidResponseChunkLen => "http.invalid_response_chunk_len",
            HttpInvalidTransferEncodingInResponse => {
                "http.invalid_transfer_encoding_value_in_response"
            }
            HttpInvalidContentLengthInRequest => "http.invalid_content_length_field_in_request",
            HttpInvalidContentLengthInResponse => "http.invalid_content_length_field_in_response",
            Http100ContinueAlreadySeen => "http.100_continue_already_seen",
            HttpUnableToMatchResponseToRequest => "http.unable_to_match_response_to_request",
            HttpInvalidServerPortInRequest => "http.invalid_server_port_in_request",
            HttpInvalidAuthorityPort => "http.invalid_authority_port",
            HttpRequestHeaderInvalid => "http.request_header_invalid",
            HttpResponseHeaderInvalid => "http.response_header_invalid",
            HttpHostHeaderAmbiguous => "http.host_header_ambiguous",
            HttpInvalidRequestFieldFolding => "http.invalid_request_field_folding",
            HttpInvalidResponseFieldFolding => "http.invalid_response_field_folding",
            HttpRequestFieldTooLong => "http.request_field_too_long",
            HttpResponseFieldTooLong => "http.response_field_too_long",
            HttpRequestServerPortTcpPortMismatch => "http.request_server_port_tcp_port_mismatch",
            HttpRequestUriHostInvalid => "http.request_uri_host_invalid",
            HttpRequestHeaderHostInvalid => "http.request_header_host_invalid",
            HttpUriDelimNonCompliant => "http.uri_delim_non_compliant",
            HttpMethodDelimNonCompliant => "http.method_delim_non_compliant",
            HttpRequestLineLeadingWhitespace => "http.request_line_leading_whitespace",
            HttpTooManyEncodingLayers => "http.too_many_encoding_layers",
            HttpAbnormalCeHeader => "http.abnormal_ce_header",
            HttpRequestHeaderRepetition => "http.request_header_repetition",
            HttpResponseHeaderRepetition => "http.response_header_repetition",
            HttpResponseAbnormalTransferEncoding => "http.response_abnormal_transfer_encoding",
            HttpResponseChunkedOldProto => "http.response_chunked_old_proto",
            HttpResponseInvalidProtocol => "http.response_invalid_protocol",
            HttpResponseInvalidStatus => "http.response_invalid_status",
            HttpDoubleEncodedUri => "http.double_encoded_uri",
            HttpRequestBodyUnexpected => "http.request_body_unexpected",
            HttpRangeInvalid => "http.range_invalid",
            HttpRequestTooManyHeaders => "http.request_too_many_headers",
            HttpResponseTooManyHeaders => "http.response_too_many_headers",
            TlsMultipleSniExtensions => "tls.multiple_sni_extensions",
        }
    }

    pub fn proto(self) -> AppEventProto {
        match self.name().split('.').next() {
            Some("dns") => AppEventProto::Dns,
            Some("tls") => AppEventProto::Tls,
            _ => AppEventProto::Http,
        }
    }

    /// The event an `app-layer-event` value names (7.0.10's names: `dns.not_request`, where
    /// Suricata 8 says `dns.not_a_request`).
    pub fn from_name(name: &str) -> Option<AppEvent> {
        AppEvent::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// A set of application-layer events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AppEvents(u128);

impl AppEvents {
    pub const NONE: AppEvents = AppEvents(0);

    #[inline]
    pub fn set(&mut self, e: AppEvent) {
        self.0 |= 1 << (e as u8);
    }

    #[inline]
    pub fn has(self, e: AppEvent) -> bool {
        self.0 & (1 << (e as u8)) != 0
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    #[inline]
    pub fn contains(self, want: AppEvents) -> bool {
        self.0 & want.0 == want.0
    }

    pub fn iter(self) -> impl Iterator<Item = AppEvent> {
        AppEvent::ALL.iter().copied().filter(move |e| self.has(*e))
    }
}

/// Why an event rule is refused: the sensor does not raise the event it names (or the name
/// is not one of Suricata's; both refuse the rule, with this reason).
pub fn refusal(keyword: &str, name: &str) -> String {
    match keyword {
        "app-layer-event" if name.starts_with("applayer_") => format!(
            "app-layer-event:{name} (protocol detection events are not raised by this sensor)"
        ),
        "app-layer-event" if name.starts_with("http.") => {
            let why = match name {
                "http.multipart_generic_error"
                | "http.multipart_no_filedata"
                | "http.multipart_invalid_header"
                | "http.file_name_too_long" => {
                    "the sensor does not parse multipart request bodies into files"
                }
                "http.request_line_incomplete" | "http.request_line_invalid" => {
                    "Suricata raises it only in libhtp parser states the sensor does not model"
                }
                "http.lzma_memlimit_reached" => "the sensor does not decode lzma bodies",
                "http.compression_bomb" => {
                    "decompression is bounded by the kept body prefix, not libhtp's bomb limits"
                }
                "http.too_many_warnings" => {
                    "it counts libhtp's log messages, which the sensor does not keep"
                }
                "http.failed_protocol_change" => "HTTP/2 upgrades are not followed",
                _ => "the http parser does not raise this event",
            };
            format!("app-layer-event:{name} ({why})")
        }
        "app-layer-event" => {
            let proto = name.split('.').next().unwrap_or(name);
            if matches!(proto, "http" | "dns" | "tls") {
                format!("app-layer-event:{name} (the {proto} parser does not raise this event)")
            } else {
                format!("app-layer-event:{name} (the sensor has no {proto} parser raising events)")
            }
        }
        "stream-event" => {
            format!("stream-event:{name} (stream reassembly does not raise this event)")
        }
        _ => format!("decode-event:{name} (the decoder does not raise this event)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        assert!(PacketEvent::ALL.len() <= 128);
        assert!(AppEvent::ALL.len() <= 128);
        for (i, e) in PacketEvent::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i, "{e:?}");
            if e.kind() != EventKind::Internal {
                assert_eq!(PacketEvent::from_name(e.kind(), e.name()), Some(*e));
            }
        }
        for (i, e) in AppEvent::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i, "{e:?}");
            assert_eq!(AppEvent::from_name(e.name()), Some(*e));
        }
        assert_eq!(
            PacketEvent::from_name(EventKind::Stream, "stream.reassembly_seq_gap"),
            Some(PacketEvent::StreamReassemblySeqGap)
        );
        // A decoder event is not a stream event, nor the reverse.
        assert_eq!(
            PacketEvent::from_name(EventKind::Stream, "ipv4.trunc_pkt"),
            None
        );
        assert_eq!(
            PacketEvent::from_name(EventKind::Decode, "reassembly_seq_gap"),
            None
        );
        assert_eq!(AppEvent::from_name("dns.not_a_request"), None);
    }

    #[test]
    fn sets() {
        let mut s = PacketEvents::NONE;
        assert!(s.is_empty());
        s.set(PacketEvent::TcpOptDuplicate);
        s.set(PacketEvent::StreamReassemblyDepthReached);
        assert!(s.has(PacketEvent::TcpOptDuplicate));
        assert!(!s.has(PacketEvent::TcpPktTooSmall));
        let mut want = PacketEvents::NONE;
        want.set(PacketEvent::TcpOptDuplicate);
        assert!(s.contains(want));
        want.set(PacketEvent::TcpPktTooSmall);
        assert!(!s.contains(want));
        assert_eq!(s.iter().count(), 2);
        let mut a = AppEvents::NONE;
        a.set(AppEvent::DnsZFlagSet);
        assert!(a.has(AppEvent::DnsZFlagSet) && !a.has(AppEvent::DnsInvalidOpcode));
    }
}
