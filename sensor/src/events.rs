//! Engine events: anomalies the decoder, stream reassembly and the application parsers find,
//! named as Suricata 7 names them, for the `decode-event`, `stream-event` and
//! `app-layer-event` rule keywords.
//!
//! A packet carries a [`PacketEvents`] (decoder and stream events: 256 bits, set where the
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
    /// Encapsulations (D37).
    PppPktTooSmall,
    PppVjuPktTooSmall,
    PppIp4PktTooSmall,
    PppIp6PktTooSmall,
    PppWrongType,
    PppUnsupProto,
    PppoePktTooSmall,
    PppoeWrongCode,
    PppoeMalformedTags,
    GrePktTooSmall,
    GreWrongVersion,
    GreV0Recur,
    GreV0Flags,
    GreV0HdrTooBig,
    GreV0MalformedSreHdr,
    GreV1Chksum,
    GreV1Route,
    GreV1Ssr,
    GreV1Recur,
    GreV1Flags,
    GreV1NoKey,
    GreV1WrongProtocol,
    /// Never raised, as in Suricata 7: version 1 refuses the routing flag before any source route is read.
    GreV1MalformedSreHdr,
    GreV1HdrTooBig,
    VntagHeaderTooSmall,
    VntagUnknownType,
    Ieee8021ahHeaderTooSmall,
    Ipv6Ipv4InIpv6TooSmall,
    Ipv6Ipv4InIpv6WrongVersion,
    Ipv6Ipv6InIpv6TooSmall,
    Ipv6Ipv6InIpv6WrongVersion,
    /// Never raised, as in Suricata 7: ESP ends the header chain, so a second one is never read.
    Ipv6ExthdrDuplEh,
    MplsHeaderTooSmall,
    MplsPktTooSmall,
    MplsBadLabelRouterAlert,
    MplsBadLabelImplicitNull,
    MplsBadLabelReserved,
    MplsUnknownPayloadType,
    LtnullPktTooSmall,
    LtnullUnsupportedType,
    /// Never raised, as in Suricata 7.0.10: ERSPAN is only reached in a GRE tunnel, and a tunnelled packet that fails to decode is dropped with its events (measured: `testdata/encap.tsv`).
    ErspanHeaderTooSmall,
    /// Never raised, as in Suricata 7.0.10 (see `ErspanHeaderTooSmall`).
    ErspanUnsupportedVersion,
    /// Never raised, as in Suricata 7.0.10 (see `ErspanHeaderTooSmall`).
    ErspanTooManyVlanLayers,
    DcePktTooSmall,
    /// More than Suricata's 16 decoder layers (`decoder.max-layers`).
    TooManyLayers,
    VxlanUnknownPayloadType,
    GeneveUnknownPayloadType,
    /// Stream events from here on.
    StreamReassemblySeqGap,
    StreamReassemblyDepthReached,
    /// A regular segment from the side that sent the previous RST (`flow::tcp`).
    StreamSuspectedRstInject,
    /// The TCP session state machine's events (`flow::tcp_ssn`), Suricata's names.
    Stream3whsSynackInWrongDirection,
    Stream3whsSynackWithWrongAck,
    Stream3whsSynackResendWithDifferentAck,
    Stream3whsSynackToserverOnSynRecv,
    Stream3whsSynackFlood,
    Stream3whsSynFlood,
    Stream3whsSynResendDiffSeqOnSynRecv,
    Stream3whsSynToclientOnSynRecv,
    Stream3whsWrongSeqWrongAck,
    Stream3whsRightSeqWrongAckEvasion,
    Stream4whsSynackWithWrongAck,
    Stream4whsSynackWithWrongSyn,
    Stream4whsWrongSeq,
    Stream4whsInvalidAck,
    StreamClosewaitAckOutOfWindow,
    StreamClosewaitFinOutOfWindow,
    StreamClosewaitInvalidAck,
    StreamClosewaitPktBeforeLastAck,
    StreamClosingAckWrongSeq,
    StreamClosingInvalidAck,
    StreamEstPacketOutOfWindow,
    StreamEstPktBeforeLastAck,
    StreamEstSynackResend,
    StreamEstSynackResendWithDifferentAck,
    StreamEstSynackResendWithDiffSeq,
    StreamEstSynackToserver,
    StreamEstSynResend,
    StreamEstSynResendDiffSeq,
    StreamEstSynToclient,
    StreamEstInvalidAck,
    StreamFinInvalidAck,
    StreamFin1AckWrongSeq,
    StreamFin1FinWrongSeq,
    StreamFin1InvalidAck,
    StreamFin2AckWrongSeq,
    StreamFin2FinWrongSeq,
    StreamFin2InvalidAck,
    StreamFinButNoSession,
    StreamFinOutOfWindow,
    StreamFinSyn,
    StreamLastackAckWrongSeq,
    StreamLastackInvalidAck,
    StreamRstButNoSession,
    StreamRstInvalidAck,
    StreamTimewaitAckWrongSeq,
    StreamTimewaitInvalidAck,
    StreamPktInvalidTimestamp,
    StreamPktInvalidAck,
    StreamPktBrokenAck,
    StreamPktRetransmission,
    StreamPktSpuriousRetransmission,
    StreamPktBadWindowUpdate,
    StreamShutdownSynResend,
    Stream3whsSynackTfoDataIgnored,
    /// Never raised, as in Suricata 7 (a SYN/ACK resent with another sequence number is
    /// queued as a candidate, not reported).
    Stream3whsSynackResendWithDiffSeq,
    /// Not nameable by rules: the flow's application protocol became known on this packet
    /// (Suricata's "protocol detection done" packet flag, which `app-layer-protocol`-only
    /// rules wait for).
    ProtoDetected,
    /// Protocol detection's own events (`app-layer-event:applayer_*`), raised on the packet
    /// whose data detection judged (`session`, D41).
    ApplayerMismatchProtocolBothDirections,
    ApplayerWrongDirectionFirstData,
    ApplayerDetectProtocolOnlyOneDirection,
    ApplayerProtoDetectionSkipped,
    ApplayerNoTlsAfterStarttls,
    ApplayerUnexpectedProtocol,
}

/// Which keyword names an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Decode,
    Stream,
    Internal,
    /// Named by `app-layer-event` (protocol detection's events).
    AppLayer,
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
        PacketEvent::PppPktTooSmall,
        PacketEvent::PppVjuPktTooSmall,
        PacketEvent::PppIp4PktTooSmall,
        PacketEvent::PppIp6PktTooSmall,
        PacketEvent::PppWrongType,
        PacketEvent::PppUnsupProto,
        PacketEvent::PppoePktTooSmall,
        PacketEvent::PppoeWrongCode,
        PacketEvent::PppoeMalformedTags,
        PacketEvent::GrePktTooSmall,
        PacketEvent::GreWrongVersion,
        PacketEvent::GreV0Recur,
        PacketEvent::GreV0Flags,
        PacketEvent::GreV0HdrTooBig,
        PacketEvent::GreV0MalformedSreHdr,
        PacketEvent::GreV1Chksum,
        PacketEvent::GreV1Route,
        PacketEvent::GreV1Ssr,
        PacketEvent::GreV1Recur,
        PacketEvent::GreV1Flags,
        PacketEvent::GreV1NoKey,
        PacketEvent::GreV1WrongProtocol,
        PacketEvent::GreV1MalformedSreHdr,
        PacketEvent::GreV1HdrTooBig,
        PacketEvent::VntagHeaderTooSmall,
        PacketEvent::VntagUnknownType,
        PacketEvent::Ieee8021ahHeaderTooSmall,
        PacketEvent::Ipv6Ipv4InIpv6TooSmall,
        PacketEvent::Ipv6Ipv4InIpv6WrongVersion,
        PacketEvent::Ipv6Ipv6InIpv6TooSmall,
        PacketEvent::Ipv6Ipv6InIpv6WrongVersion,
        PacketEvent::Ipv6ExthdrDuplEh,
        PacketEvent::MplsHeaderTooSmall,
        PacketEvent::MplsPktTooSmall,
        PacketEvent::MplsBadLabelRouterAlert,
        PacketEvent::MplsBadLabelImplicitNull,
        PacketEvent::MplsBadLabelReserved,
        PacketEvent::MplsUnknownPayloadType,
        PacketEvent::LtnullPktTooSmall,
        PacketEvent::LtnullUnsupportedType,
        PacketEvent::ErspanHeaderTooSmall,
        PacketEvent::ErspanUnsupportedVersion,
        PacketEvent::ErspanTooManyVlanLayers,
        PacketEvent::DcePktTooSmall,
        PacketEvent::TooManyLayers,
        PacketEvent::VxlanUnknownPayloadType,
        PacketEvent::GeneveUnknownPayloadType,
        PacketEvent::StreamReassemblySeqGap,
        PacketEvent::StreamReassemblyDepthReached,
        PacketEvent::StreamSuspectedRstInject,
        PacketEvent::Stream3whsSynackInWrongDirection,
        PacketEvent::Stream3whsSynackWithWrongAck,
        PacketEvent::Stream3whsSynackResendWithDifferentAck,
        PacketEvent::Stream3whsSynackToserverOnSynRecv,
        PacketEvent::Stream3whsSynackFlood,
        PacketEvent::Stream3whsSynFlood,
        PacketEvent::Stream3whsSynResendDiffSeqOnSynRecv,
        PacketEvent::Stream3whsSynToclientOnSynRecv,
        PacketEvent::Stream3whsWrongSeqWrongAck,
        PacketEvent::Stream3whsRightSeqWrongAckEvasion,
        PacketEvent::Stream4whsSynackWithWrongAck,
        PacketEvent::Stream4whsSynackWithWrongSyn,
        PacketEvent::Stream4whsWrongSeq,
        PacketEvent::Stream4whsInvalidAck,
        PacketEvent::StreamClosewaitAckOutOfWindow,
        PacketEvent::StreamClosewaitFinOutOfWindow,
        PacketEvent::StreamClosewaitInvalidAck,
        PacketEvent::StreamClosewaitPktBeforeLastAck,
        PacketEvent::StreamClosingAckWrongSeq,
        PacketEvent::StreamClosingInvalidAck,
        PacketEvent::StreamEstPacketOutOfWindow,
        PacketEvent::StreamEstPktBeforeLastAck,
        PacketEvent::StreamEstSynackResend,
        PacketEvent::StreamEstSynackResendWithDifferentAck,
        PacketEvent::StreamEstSynackResendWithDiffSeq,
        PacketEvent::StreamEstSynackToserver,
        PacketEvent::StreamEstSynResend,
        PacketEvent::StreamEstSynResendDiffSeq,
        PacketEvent::StreamEstSynToclient,
        PacketEvent::StreamEstInvalidAck,
        PacketEvent::StreamFinInvalidAck,
        PacketEvent::StreamFin1AckWrongSeq,
        PacketEvent::StreamFin1FinWrongSeq,
        PacketEvent::StreamFin1InvalidAck,
        PacketEvent::StreamFin2AckWrongSeq,
        PacketEvent::StreamFin2FinWrongSeq,
        PacketEvent::StreamFin2InvalidAck,
        PacketEvent::StreamFinButNoSession,
        PacketEvent::StreamFinOutOfWindow,
        PacketEvent::StreamFinSyn,
        PacketEvent::StreamLastackAckWrongSeq,
        PacketEvent::StreamLastackInvalidAck,
        PacketEvent::StreamRstButNoSession,
        PacketEvent::StreamRstInvalidAck,
        PacketEvent::StreamTimewaitAckWrongSeq,
        PacketEvent::StreamTimewaitInvalidAck,
        PacketEvent::StreamPktInvalidTimestamp,
        PacketEvent::StreamPktInvalidAck,
        PacketEvent::StreamPktBrokenAck,
        PacketEvent::StreamPktRetransmission,
        PacketEvent::StreamPktSpuriousRetransmission,
        PacketEvent::StreamPktBadWindowUpdate,
        PacketEvent::StreamShutdownSynResend,
        PacketEvent::Stream3whsSynackTfoDataIgnored,
        PacketEvent::Stream3whsSynackResendWithDiffSeq,
        PacketEvent::ProtoDetected,
        PacketEvent::ApplayerMismatchProtocolBothDirections,
        PacketEvent::ApplayerWrongDirectionFirstData,
        PacketEvent::ApplayerDetectProtocolOnlyOneDirection,
        PacketEvent::ApplayerProtoDetectionSkipped,
        PacketEvent::ApplayerNoTlsAfterStarttls,
        PacketEvent::ApplayerUnexpectedProtocol,
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
            PppPktTooSmall => "ppp.pkt_too_small",
            PppVjuPktTooSmall => "ppp.vju_pkt_too_small",
            PppIp4PktTooSmall => "ppp.ip4_pkt_too_small",
            PppIp6PktTooSmall => "ppp.ip6_pkt_too_small",
            PppWrongType => "ppp.wrong_type",
            PppUnsupProto => "ppp.unsup_proto",
            PppoePktTooSmall => "pppoe.pkt_too_small",
            PppoeWrongCode => "pppoe.wrong_code",
            PppoeMalformedTags => "pppoe.malformed_tags",
            GrePktTooSmall => "gre.pkt_too_small",
            GreWrongVersion => "gre.wrong_version",
            GreV0Recur => "gre.version0_recur",
            GreV0Flags => "gre.version0_flags",
            GreV0HdrTooBig => "gre.version0_hdr_too_big",
            GreV0MalformedSreHdr => "gre.version0_malformed_sre_hdr",
            GreV1Chksum => "gre.version1_chksum",
            GreV1Route => "gre.version1_route",
            GreV1Ssr => "gre.version1_ssr",
            GreV1Recur => "gre.version1_recur",
            GreV1Flags => "gre.version1_flags",
            GreV1NoKey => "gre.version1_no_key",
            GreV1WrongProtocol => "gre.version1_wrong_protocol",
            GreV1MalformedSreHdr => "gre.version1_malformed_sre_hdr",
            GreV1HdrTooBig => "gre.version1_hdr_too_big",
            VntagHeaderTooSmall => "vntag.header_too_small",
            VntagUnknownType => "vntag.unknown_type",
            Ieee8021ahHeaderTooSmall => "ieee8021ah.header_too_small",
            Ipv6Ipv4InIpv6TooSmall => "ipv6.ipv4_in_ipv6_too_small",
            Ipv6Ipv4InIpv6WrongVersion => "ipv6.ipv4_in_ipv6_wrong_version",
            Ipv6Ipv6InIpv6TooSmall => "ipv6.ipv6_in_ipv6_too_small",
            Ipv6Ipv6InIpv6WrongVersion => "ipv6.ipv6_in_ipv6_wrong_version",
            Ipv6ExthdrDuplEh => "ipv6.exthdr_dupl_eh",
            MplsHeaderTooSmall => "mpls.header_too_small",
            MplsPktTooSmall => "mpls.pkt_too_small",
            MplsBadLabelRouterAlert => "mpls.bad_label_router_alert",
            MplsBadLabelImplicitNull => "mpls.bad_label_implicit_null",
            MplsBadLabelReserved => "mpls.bad_label_reserved",
            MplsUnknownPayloadType => "mpls.unknown_payload_type",
            LtnullPktTooSmall => "ltnull.pkt_too_small",
            LtnullUnsupportedType => "ltnull.unsupported_type",
            ErspanHeaderTooSmall => "erspan.header_too_small",
            ErspanUnsupportedVersion => "erspan.unsupported_version",
            ErspanTooManyVlanLayers => "erspan.too_many_vlan_layers",
            DcePktTooSmall => "dce.pkt_too_small",
            TooManyLayers => "too_many_layers",
            VxlanUnknownPayloadType => "vxlan.unknown_payload_type",
            GeneveUnknownPayloadType => "geneve.unknown_payload_type",
            StreamReassemblySeqGap => "reassembly_seq_gap",
            StreamReassemblyDepthReached => "reassembly_depth_reached",
            StreamSuspectedRstInject => "suspected_rst_inject",
            Stream3whsSynackInWrongDirection => "3whs_synack_in_wrong_direction",
            Stream3whsSynackWithWrongAck => "3whs_synack_with_wrong_ack",
            Stream3whsSynackResendWithDifferentAck => "3whs_synack_resend_with_different_ack",
            Stream3whsSynackToserverOnSynRecv => "3whs_synack_toserver_on_syn_recv",
            Stream3whsSynackFlood => "3whs_synack_flood",
            Stream3whsSynFlood => "3whs_syn_flood",
            Stream3whsSynResendDiffSeqOnSynRecv => "3whs_syn_resend_diff_seq_on_syn_recv",
            Stream3whsSynToclientOnSynRecv => "3whs_syn_toclient_on_syn_recv",
            Stream3whsWrongSeqWrongAck => "3whs_wrong_seq_wrong_ack",
            Stream3whsRightSeqWrongAckEvasion => "3whs_right_seq_wrong_ack_evasion",
            Stream4whsSynackWithWrongAck => "4whs_synack_with_wrong_ack",
            Stream4whsSynackWithWrongSyn => "4whs_synack_with_wrong_syn",
            Stream4whsWrongSeq => "4whs_wrong_seq",
            Stream4whsInvalidAck => "4whs_invalid_ack",
            StreamClosewaitAckOutOfWindow => "closewait_ack_out_of_window",
            StreamClosewaitFinOutOfWindow => "closewait_fin_out_of_window",
            StreamClosewaitInvalidAck => "closewait_invalid_ack",
            StreamClosewaitPktBeforeLastAck => "closewait_pkt_before_last_ack",
            StreamClosingAckWrongSeq => "closing_ack_wrong_seq",
            StreamClosingInvalidAck => "closing_invalid_ack",
            StreamEstPacketOutOfWindow => "est_packet_out_of_window",
            StreamEstPktBeforeLastAck => "est_pkt_before_last_ack",
            StreamEstSynackResend => "est_synack_resend",
            StreamEstSynackResendWithDifferentAck => "est_synack_resend_with_different_ack",
            StreamEstSynackResendWithDiffSeq => "est_synack_resend_with_diff_seq",
            StreamEstSynackToserver => "est_synack_toserver",
            StreamEstSynResend => "est_syn_resend",
            StreamEstSynResendDiffSeq => "est_syn_resend_diff_seq",
            StreamEstSynToclient => "est_syn_toclient",
            StreamEstInvalidAck => "est_invalid_ack",
            StreamFinInvalidAck => "fin_invalid_ack",
            StreamFin1AckWrongSeq => "fin1_ack_wrong_seq",
            StreamFin1FinWrongSeq => "fin1_fin_wrong_seq",
            StreamFin1InvalidAck => "fin1_invalid_ack",
            StreamFin2AckWrongSeq => "fin2_ack_wrong_seq",
            StreamFin2FinWrongSeq => "fin2_fin_wrong_seq",
            StreamFin2InvalidAck => "fin2_invalid_ack",
            StreamFinButNoSession => "fin_but_no_session",
            StreamFinOutOfWindow => "fin_out_of_window",
            StreamFinSyn => "fin_syn",
            StreamLastackAckWrongSeq => "lastack_ack_wrong_seq",
            StreamLastackInvalidAck => "lastack_invalid_ack",
            StreamRstButNoSession => "rst_but_no_session",
            StreamRstInvalidAck => "rst_invalid_ack",
            StreamTimewaitAckWrongSeq => "timewait_ack_wrong_seq",
            StreamTimewaitInvalidAck => "timewait_invalid_ack",
            StreamPktInvalidTimestamp => "pkt_invalid_timestamp",
            StreamPktInvalidAck => "pkt_invalid_ack",
            StreamPktBrokenAck => "pkt_broken_ack",
            StreamPktRetransmission => "pkt_retransmission",
            StreamPktSpuriousRetransmission => "pkt_spurious_retransmission",
            StreamPktBadWindowUpdate => "pkt_bad_window_update",
            StreamShutdownSynResend => "shutdown_syn_resend",
            Stream3whsSynackTfoDataIgnored => "3whs_synack_tfo_data_ignored",
            Stream3whsSynackResendWithDiffSeq => "3whs_synack_resend_with_diff_seq",

            ProtoDetected => "(protocol detected)",
            ApplayerMismatchProtocolBothDirections => "applayer_mismatch_protocol_both_directions",
            ApplayerWrongDirectionFirstData => "applayer_wrong_direction_first_data",
            ApplayerDetectProtocolOnlyOneDirection => "applayer_detect_protocol_only_one_direction",
            ApplayerProtoDetectionSkipped => "applayer_proto_detection_skipped",
            ApplayerNoTlsAfterStarttls => "applayer_no_tls_after_starttls",
            ApplayerUnexpectedProtocol => "applayer_unexpected_protocol",
        }
    }

    pub fn kind(self) -> EventKind {
        if self == PacketEvent::ProtoDetected {
            EventKind::Internal
        } else if (self as u8) > PacketEvent::ProtoDetected as u8 {
            EventKind::AppLayer
        } else if (self as u8) >= PacketEvent::StreamReassemblySeqGap as u8 {
            EventKind::Stream
        } else {
            EventKind::Decode
        }
    }

    /// Raised only when probing goes on in the direction detection did not decide (the other
    /// direction named the protocol): rules naming these keep it running.
    pub fn needs_second_probe(self) -> bool {
        matches!(
            self,
            PacketEvent::ApplayerMismatchProtocolBothDirections
                | PacketEvent::ApplayerDetectProtocolOnlyOneDirection
        )
    }

    /// Raised by the TCP session state machine (`flow::tcp_ssn`), which runs only for rules
    /// naming one of these.
    pub fn is_tcp_session(self) -> bool {
        let i = self as u8;
        i >= PacketEvent::StreamSuspectedRstInject as u8 && i < PacketEvent::ProtoDetected as u8
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

/// A set of packet events: one bit each, in four words (a fixed-size bitset, 8-byte aligned:
/// it sits in every decoded packet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PacketEvents([u64; 4]);

impl PacketEvents {
    pub const NONE: PacketEvents = PacketEvents([0; 4]);

    #[inline]
    fn bit(e: PacketEvent) -> (usize, u64) {
        let i = e as usize;
        ((i >> 6) & 3, 1 << (i & 63))
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
        self.0 == [0; 4]
    }

    /// Every event of `want` is in `self`.
    #[inline]
    pub fn contains(self, want: PacketEvents) -> bool {
        (0..4).all(|w| self.0[w] & want.0[w] == want.0[w])
    }

    #[inline]
    pub fn union(self, o: PacketEvents) -> PacketEvents {
        PacketEvents([
            self.0[0] | o.0[0],
            self.0[1] | o.0[1],
            self.0[2] | o.0[2],
            self.0[3] | o.0[3],
        ])
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
    /// A later message that did not parse (Suricata 7.0.10 puts the event on the flow's most
    /// recent transaction: over TCP, the message parsed from the same data before it).
    DnsMalformedData,
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
    /// A request chunk-size line with an extension: `;` after the size and spaces only
    /// (libhtp 0.5.50's "Request chunk extension").
    HttpRequestChunkExtension,
    /// An HTTP/1.1 request asking to upgrade to HTTP/2 (`Upgrade: h2c`) that did not switch:
    /// any answer but `101` (Suricata 7.0.10 follows a switch to HTTP/2 only).
    HttpFailedProtocolChange,
    /// A ClientHello with more than one server_name extension.
    TlsMultipleSniExtensions,
    /// A record header whose version is not SSL 3.0 to TLS 1.3 (before that side's hello).
    TlsInvalidRecordVersion,
    /// A record of an unknown content type whose top two bits are clear (others are taken
    /// for SSLv2).
    TlsInvalidRecordType,
    /// A handshake record of 1 to 3 bytes.
    TlsInvalidSslRecord,
    /// A handshake message of a type Suricata does not support.
    TlsInvalidHandshakeMessage,
    /// A clear-text heartbeat of unknown type, with padding under 16 bytes, or a second one
    /// in flight from the same side.
    TlsInvalidHeartbeat,
    /// A clear-text heartbeat whose payload length overruns its record (CVE-2014-0160).
    TlsOverflowHeartbeat,
    /// A server_name entry that is not a host name.
    TlsInvalidSniType,
    /// A host name longer than 255 bytes or than its extension.
    TlsInvalidSniLength,
    /// A ClientHello field whose length overruns the message.
    TlsHandshakeInvalidLength,
    /// An SSLv2 ERROR message from the server.
    TlsErrorMessageEncountered,
    /// A certificate whose length overruns its message or whose DER does not frame.
    TlsInvalidCertificate,
    /// A certificate validity time that is not a valid UTCTime/GeneralizedTime.
    TlsCertificateInvalidDate,
    /// A reply line without a known 3-digit code (or a first reply that is not 220).
    SmtpInvalidReply,
    /// A command sent after an unanswered STARTTLS or DATA.
    SmtpInvalidPipelinedSequence,
    /// BDAT data running past the chunk's announced length (or an unreadable length).
    SmtpBdatChunkLenExceeded,
    /// A command before the server's first reply.
    SmtpNoServerWelcomeMessage,
    /// STARTTLS answered with a known code other than 220.
    SmtpTlsRejected,
    /// DATA answered with a known code other than 354.
    SmtpDataCommandRejected,
    /// A MIME boundary longer than 254 bytes.
    SmtpMimeLongBoundary,
    /// A second HELO/EHLO in the session, or a second MAIL FROM in a transaction.
    SmtpDuplicateFields,
    /// DATA while the transaction's previous DATA was never ended.
    SmtpUnparsableContent,
    /// An attachment file name longer than 255 bytes.
    SmtpMimeLongFilename,
    /// An SSH side's first line is not `SSH-<proto>-<software>`.
    SshInvalidBanner,
    /// An SSH identification line longer than 255 bytes.
    SshLongBanner,
    /// An SSH binary packet too short to hold its padding length and message code.
    SshInvalidRecord,
    /// An FTP command line longer than 4096 bytes.
    FtpRequestCommandTooLong,
    /// An FTP reply line longer than 4096 bytes.
    FtpResponseCommandTooLong,
}

impl AppEvent {
    pub const ALL: &'static [AppEvent] = &[
        AppEvent::DnsNotRequest,
        AppEvent::DnsNotResponse,
        AppEvent::DnsZFlagSet,
        AppEvent::DnsInvalidOpcode,
        AppEvent::DnsMalformedData,
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
        AppEvent::HttpRequestChunkExtension,
        AppEvent::HttpFailedProtocolChange,
        AppEvent::TlsMultipleSniExtensions,
        AppEvent::TlsInvalidRecordVersion,
        AppEvent::TlsInvalidRecordType,
        AppEvent::TlsInvalidSslRecord,
        AppEvent::TlsInvalidHandshakeMessage,
        AppEvent::TlsInvalidHeartbeat,
        AppEvent::TlsOverflowHeartbeat,
        AppEvent::TlsInvalidSniType,
        AppEvent::TlsInvalidSniLength,
        AppEvent::TlsHandshakeInvalidLength,
        AppEvent::TlsErrorMessageEncountered,
        AppEvent::TlsInvalidCertificate,
        AppEvent::TlsCertificateInvalidDate,
        AppEvent::SmtpInvalidReply,
        AppEvent::SmtpInvalidPipelinedSequence,
        AppEvent::SmtpBdatChunkLenExceeded,
        AppEvent::SmtpNoServerWelcomeMessage,
        AppEvent::SmtpTlsRejected,
        AppEvent::SmtpDataCommandRejected,
        AppEvent::SmtpMimeLongBoundary,
        AppEvent::SmtpDuplicateFields,
        AppEvent::SmtpUnparsableContent,
        AppEvent::SmtpMimeLongFilename,
        AppEvent::SshInvalidBanner,
        AppEvent::SshLongBanner,
        AppEvent::SshInvalidRecord,
        AppEvent::FtpRequestCommandTooLong,
        AppEvent::FtpResponseCommandTooLong,
    ];

    /// Suricata's name, `proto.event`.
    pub fn name(self) -> &'static str {
        use AppEvent::*;
        match self {
            DnsNotRequest => "dns.not_request",
            DnsNotResponse => "dns.not_response",
            DnsZFlagSet => "dns.z_flag_set",
            DnsInvalidOpcode => "dns.invalid_opcode",
            DnsMalformedData => "dns.malformed_data",
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
            HttpRequestChunkExtension => "http.request_chunk_extension",
            HttpFailedProtocolChange => "http.failed_protocol_change",
            TlsMultipleSniExtensions => "tls.multiple_sni_extensions",
            TlsInvalidRecordVersion => "tls.invalid_record_version",
            TlsInvalidRecordType => "tls.invalid_record_type",
            TlsInvalidSslRecord => "tls.invalid_ssl_record",
            TlsInvalidHandshakeMessage => "tls.invalid_handshake_message",
            TlsInvalidHeartbeat => "tls.invalid_heartbeat_message",
            TlsOverflowHeartbeat => "tls.overflow_heartbeat_message",
            TlsInvalidSniType => "tls.invalid_sni_type",
            TlsInvalidSniLength => "tls.invalid_sni_length",
            TlsHandshakeInvalidLength => "tls.handshake_invalid_length",
            TlsErrorMessageEncountered => "tls.error_message_encountered",
            TlsInvalidCertificate => "tls.invalid_certificate",
            TlsCertificateInvalidDate => "tls.certificate_invalid_date",
            SmtpInvalidReply => "smtp.invalid_reply",
            SmtpInvalidPipelinedSequence => "smtp.invalid_pipelined_sequence",
            SmtpBdatChunkLenExceeded => "smtp.bdat_chunk_len_exceeded",
            SmtpNoServerWelcomeMessage => "smtp.no_server_welcome_message",
            SmtpTlsRejected => "smtp.tls_rejected",
            SmtpDataCommandRejected => "smtp.data_command_rejected",
            SmtpMimeLongBoundary => "smtp.mime_long_boundary",
            SmtpDuplicateFields => "smtp.duplicate_fields",
            SmtpUnparsableContent => "smtp.unparsable_content",
            SmtpMimeLongFilename => "smtp.mime_long_filename",
            SshInvalidBanner => "ssh.invalid_banner",
            SshLongBanner => "ssh.long_banner",
            SshInvalidRecord => "ssh.invalid_record",
            FtpRequestCommandTooLong => "ftp.request_command_too_long",
            FtpResponseCommandTooLong => "ftp.response_command_too_long",
        }
    }

    /// The protocol whose parser raises the event (the prefix of its name).
    pub fn proto(self) -> crate::app::AppProto {
        use crate::app::AppProto as A;
        match self.name().split('.').next() {
            Some("dns") => A::Dns,
            Some("tls") => A::Tls,
            Some("smtp") => A::Smtp,
            Some("ssh") => A::Ssh,
            Some("ftp") => A::Ftp,
            _ => A::Http,
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

    #[inline]
    pub fn union(self, o: AppEvents) -> AppEvents {
        AppEvents(self.0 | o.0)
    }

    /// The events of `self` that are not in `o`.
    #[inline]
    pub fn without(self, o: AppEvents) -> AppEvents {
        AppEvents(self.0 & !o.0)
    }

    pub fn iter(self) -> impl Iterator<Item = AppEvent> {
        AppEvent::ALL.iter().copied().filter(move |e| self.has(*e))
    }
}

/// Why an event rule is refused: the sensor does not raise the event it names (or the name
/// is not one of Suricata's; both refuse the rule, with this reason).
pub fn refusal(keyword: &str, name: &str) -> String {
    match keyword {
        "app-layer-event" if name.starts_with("applayer_") => {
            format!("app-layer-event:{name} (not one of Suricata 7's protocol detection events)")
        }
        "app-layer-event" if unraised(name).is_some() => {
            format!(
                "app-layer-event:{name} ({})",
                unraised(name).unwrap_or_default()
            )
        }
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
                "http.request_line_missing_protocol" => {
                    "not one of Suricata 7.0.10's events (Suricata 8's; libhtp 0.5.50 only \
                     logs a missing protocol)"
                }
                _ => "the http parser does not raise this event",
            };
            format!("app-layer-event:{name} ({why})")
        }
        "app-layer-event" => {
            let proto = name.split('.').next().unwrap_or(name);
            if matches!(proto, "http" | "dns" | "tls" | "smtp" | "ssh" | "ftp") {
                format!("app-layer-event:{name} (the {proto} parser does not raise this event)")
            } else {
                format!("app-layer-event:{name} (the sensor has no {proto} parser raising events)")
            }
        }
        "stream-event" => {
            let why = match name.strip_prefix("stream.").unwrap_or(name) {
                "3whs_ack_in_wrong_dir" | "3whs_ack_data_inject" => {
                    "raised by Suricata in inline (IPS) mode only; the sensor is passive"
                }
                "3whs_async_wrong_seq" => {
                    "raised by Suricata with stream.async-oneside only, which the sensor does \
                     not offer"
                }
                "reassembly_overlap_different_data" => {
                    "reassembly keeps no copy of delivered bytes to compare a retransmission with"
                }
                "reassembly_segment_before_base_seq" => {
                    "reassembly does not follow Suricata's inspected-data base"
                }
                "wrong_thread" => "a flow's packets always reach the same worker",
                "reassembly_urgent_oob_limit_reached" => "urgent data is not handled out of band",
                _ => "stream reassembly does not raise this event",
            };
            format!("stream-event:{name} ({why})")
        }
        // Suricata raises it when the kernel hands over a frame longer than its ring slot; the
        // sensor's AF_PACKET capture cuts frames to its snap length by design and does not pass
        // that on (D37).
        "decode-event" if name.starts_with("afpacket.") => format!(
            "decode-event:{name} (an AF_PACKET ring event: the capture does not report kernel-truncated frames)"
        ),
        _ => format!("decode-event:{name} (the decoder does not raise this event)"),
    }
}

/// Events of Suricata's TLS, SMTP and DNS parsers the sensor does not raise, and why: the
/// differential test (`tests/data/app_events`) found Suricata 7.0.10 not raising them either,
/// or they arise where the sensor no longer reads the flow.
fn unraised(name: &str) -> Option<&'static str> {
    Some(match name {
        "tls.invalid_tls_header" => {
            "Suricata 7.0.10 raised it on none of the differential test's records"
        }
        "tls.invalid_sslv2_header" => {
            "Suricata 7.0.10 raised it on none of the differential test's SSLv2 records"
        }
        "tls.heartbeat_message" => "Suricata 7.0.10 never raises it",
        "tls.dataleak_heartbeat_mismatch" => {
            "it needs the encrypted records after the handshake, which the sensor does not read"
        }
        "tls.too_many_records_in_packet" => {
            "Suricata 7.0.10 raises it for more records in one chunk of stream than one per 6 \
             bytes, which TLS record framing does not allow"
        }
        "tls.certificate_invalid_length"
        | "tls.certificate_invalid_version"
        | "tls.certificate_invalid_serial"
        | "tls.certificate_invalid_algorithmidentifier"
        | "tls.certificate_invalid_x509name"
        | "tls.certificate_invalid_extensions"
        | "tls.certificate_invalid_der"
        | "tls.certificate_invalid_subject"
        | "tls.certificate_invalid_issuer"
        | "tls.certificate_invalid_validity" => {
            "Suricata 7.0.10 reports such certificates as tls.invalid_certificate or not at all"
        }
        "smtp.unable_to_match_reply_with_request" | "smtp.max_reply_line_len_exceeded" => {
            "Suricata 7.0.10 never raises it"
        }
        "smtp.max_command_line_len_exceeded" => {
            "Suricata 7.0.10 raises it only for a parameter over 65535 bytes, longer than any \
             line it keeps"
        }
        "smtp.failed_protocol_change" => {
            "the sensor hands STARTTLS flows to TLS and does not judge what follows"
        }
        "dns.name_too_long" | "dns.infinite_loop" | "dns.too_many_labels" => {
            "Suricata 7.0.10 raised it on none of the differential test's long, looping or \
             many-label names"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        assert!(PacketEvent::ALL.len() <= 256);
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
        // Suricata 7.0.10's names (D44); Suricata 8's missing-protocol event is refused.
        assert_eq!(
            AppEvent::from_name("dns.malformed_data"),
            Some(AppEvent::DnsMalformedData)
        );
        assert_eq!(
            AppEvent::from_name("http.request_chunk_extension"),
            Some(AppEvent::HttpRequestChunkExtension)
        );
        assert_eq!(
            AppEvent::from_name("http.failed_protocol_change"),
            Some(AppEvent::HttpFailedProtocolChange)
        );
        assert_eq!(
            AppEvent::from_name("http.request_line_missing_protocol"),
            None
        );
        assert!(
            refusal("app-layer-event", "http.request_line_missing_protocol").contains("Suricata 8")
        );
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
