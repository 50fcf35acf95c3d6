//! The inspection buffers rules can name, with Suricata 7's keyword spellings and prefilter
//! priorities.

use crate::app::AppProto;

/// A buffer the matchers of a rule run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Buffer {
    /// The packet payload or reassembled stream (`pkt_data`, plain `content`).
    Payload,
    HttpUri,
    HttpUriRaw,
    HttpHost,
    HttpHostRaw,
    HttpMethod,
    HttpUserAgent,
    /// `http.header` (request or response headers, Cookie/Set-Cookie excluded).
    HttpHeader,
    HttpCookie,
    HttpRequestBody,
    HttpStatCode,
    HttpStatMsg,
    HttpContentType,
    HttpProtocol,
    HttpRequestLine,
    HttpResponseLine,
    /// `http.header_names`: `\r\n` then each header name followed by `\r\n`, then `\r\n`.
    HttpHeaderNames,
    /// `http.start`: start line and headers (`Name: Value\r\n` each), then `\r\n`.
    HttpStart,
    /// `http.header.raw`: the header lines as received.
    HttpHeaderRaw,
    /// `http.request_header` / `http.response_header`: each header as `Name: Value`, one
    /// buffer per header.
    HttpRequestHeader,
    HttpResponseHeader,
    HttpReferer,
    HttpAccept,
    HttpAcceptEnc,
    HttpAcceptLang,
    HttpConnection,
    HttpContentLen,
    HttpServer,
    HttpLocation,
    /// `file.data`; in Suricata 7 `http.response_body` and `http_server_body` are this buffer.
    FileData,
    /// `file.name`: the name of each file of the transaction (D46); its keyword is in the
    /// keyword table (it also has a legacy form with a value).
    FileName,
    DnsQuery,
    TlsSni,
    TlsCertSubject,
    TlsCertIssuer,
    TlsCertSerial,
    TlsCertFingerprint,
    /// `tls.certs`: each certificate of the server's chain (DER), inspected one by one.
    TlsCerts,
    Ja3Hash,
    Ja3String,
    Ja3sHash,
    Ja3sString,
    Ja4Hash,
    /// `ssh.proto` / `ssh.software`: the identification line's protocol and software
    /// versions, of the side the inspected direction comes from.
    SshProto,
    SshSoftware,
    /// `ssh.hassh` / `ssh.hassh.string` (the client's KEXINIT) and `ssh.hassh.server` /
    /// `ssh.hassh.server.string` (the server's).
    SshHassh,
    SshHasshString,
    SshHasshServer,
    SshHasshServerString,
    /// `dce_stub_data` / `dcerpc.stub_data`: a DCE/RPC call's request stub (to server) or
    /// response stub (to client), reassembled across fragments.
    DceStubData,
    /// `base64_data`: what the rule's `base64_decode` decoded (its matchers move into it).
    Base64Data,
    /// Packet headers: `ipv4.hdr` / `ipv6.hdr` (with IPv4 options / IPv6 extension headers),
    /// `tcp.hdr` (with options), `udp.hdr`, `icmpv4.hdr` / `icmpv6.hdr`.
    Ipv4Hdr,
    Ipv6Hdr,
    TcpHdr,
    UdpHdr,
    Icmpv4Hdr,
    Icmpv6Hdr,
    /// `ip.src` / `ip.dst`: the packet's source / destination address, 4 or 16 raw bytes.
    IpSrc,
    IpDst,
}

impl Buffer {
    /// The buffer a sticky-buffer keyword selects.
    pub fn from_sticky(keyword: &str) -> Option<Buffer> {
        use Buffer::*;
        Some(match keyword {
            "pkt_data" => Payload,
            "http.uri" => HttpUri,
            "http.uri.raw" => HttpUriRaw,
            "http.host" => HttpHost,
            "http.host.raw" => HttpHostRaw,
            "http.method" => HttpMethod,
            "http.user_agent" => HttpUserAgent,
            "http.header" => HttpHeader,
            "http.cookie" => HttpCookie,
            "http.request_body" => HttpRequestBody,
            "http.stat_code" => HttpStatCode,
            "http.stat_msg" => HttpStatMsg,
            "http.content_type" | "http_content_type" => HttpContentType,
            "http.protocol" | "http_protocol" => HttpProtocol,
            "http.request_line" | "http_request_line" => HttpRequestLine,
            "http.response_line" | "http_response_line" => HttpResponseLine,
            "http.header_names" | "http_header_names" => HttpHeaderNames,
            "http.start" | "http_start" => HttpStart,
            "http.header.raw" => HttpHeaderRaw,
            "http.request_header" => HttpRequestHeader,
            "http.response_header" => HttpResponseHeader,
            "http.referer" | "http_referer" => HttpReferer,
            "http.accept" | "http_accept" => HttpAccept,
            "http.accept_enc" | "http_accept_enc" => HttpAcceptEnc,
            "http.accept_lang" | "http_accept_lang" => HttpAcceptLang,
            "http.connection" | "http_connection" => HttpConnection,
            "http.content_len" | "http_content_len" => HttpContentLen,
            "http.server" => HttpServer,
            "http.location" => HttpLocation,
            "tls.cert_issuer" | "tls_cert_issuer" => TlsCertIssuer,
            "tls.cert_serial" | "tls_cert_serial" => TlsCertSerial,
            "tls.certs" => TlsCerts,
            "tls.cert_fingerprint" | "tls_cert_fingerprint" => TlsCertFingerprint,
            "http.response_body" | "file.data" | "file_data" => FileData,
            "dns.query" | "dns_query" => DnsQuery,
            "tls.sni" | "tls_sni" => TlsSni,
            "tls.cert_subject" | "tls_cert_subject" => TlsCertSubject,
            "ja3.hash" | "ja3_hash" => Ja3Hash,
            "ja3.string" | "ja3_string" => Ja3String,
            "ja3s.hash" => Ja3sHash,
            "ja3s.string" => Ja3sString,
            "ja4.hash" => Ja4Hash,
            "ssh.proto" | "ssh_proto" => SshProto,
            "ssh.software" | "ssh_software" => SshSoftware,
            "ssh.hassh" => SshHassh,
            "ssh.hassh.string" => SshHasshString,
            "ssh.hassh.server" => SshHasshServer,
            "ssh.hassh.server.string" => SshHasshServerString,
            "dce_stub_data" | "dcerpc.stub_data" => DceStubData,
            "base64_data" => Base64Data,
            "ipv4.hdr" => Ipv4Hdr,
            "ipv6.hdr" => Ipv6Hdr,
            "tcp.hdr" => TcpHdr,
            "udp.hdr" => UdpHdr,
            "icmpv4.hdr" => Icmpv4Hdr,
            "icmpv6.hdr" => Icmpv6Hdr,
            "ip.src" => IpSrc,
            "ip.dst" => IpDst,
            _ => return None,
        })
    }

    /// The buffer a legacy content modifier (`content:"x"; http_uri;`) moves content to.
    pub fn from_modifier(keyword: &str) -> Option<Buffer> {
        use Buffer::*;
        Some(match keyword {
            "http_uri" => HttpUri,
            "http_raw_uri" => HttpUriRaw,
            "http_host" => HttpHost,
            "http_raw_host" => HttpHostRaw,
            "http_method" => HttpMethod,
            "http_user_agent" => HttpUserAgent,
            "http_header" => HttpHeader,
            "http_raw_header" => HttpHeaderRaw,
            "http_cookie" => HttpCookie,
            "http_client_body" => HttpRequestBody,
            "http_stat_code" => HttpStatCode,
            "http_stat_msg" => HttpStatMsg,
            "http_server_body" => FileData,
            _ => return None,
        })
    }

    /// Suricata's name for the buffer (its sticky keyword).
    pub fn name(self) -> &'static str {
        use Buffer::*;
        match self {
            Payload => "pkt_data",
            HttpUri => "http.uri",
            HttpUriRaw => "http.uri.raw",
            HttpHost => "http.host",
            HttpHostRaw => "http.host.raw",
            HttpMethod => "http.method",
            HttpUserAgent => "http.user_agent",
            HttpHeader => "http.header",
            HttpCookie => "http.cookie",
            HttpRequestBody => "http.request_body",
            HttpStatCode => "http.stat_code",
            HttpStatMsg => "http.stat_msg",
            HttpContentType => "http.content_type",
            HttpProtocol => "http.protocol",
            HttpRequestLine => "http.request_line",
            HttpResponseLine => "http.response_line",
            HttpHeaderNames => "http.header_names",
            HttpStart => "http.start",
            HttpHeaderRaw => "http.header.raw",
            HttpRequestHeader => "http.request_header",
            HttpResponseHeader => "http.response_header",
            HttpReferer => "http.referer",
            HttpAccept => "http.accept",
            HttpAcceptEnc => "http.accept_enc",
            HttpAcceptLang => "http.accept_lang",
            HttpConnection => "http.connection",
            HttpContentLen => "http.content_len",
            HttpServer => "http.server",
            HttpLocation => "http.location",
            TlsCertIssuer => "tls.cert_issuer",
            TlsCertSerial => "tls.cert_serial",
            TlsCerts => "tls.certs",
            TlsCertFingerprint => "tls.cert_fingerprint",
            FileData => "file.data",
            FileName => "file.name",
            DnsQuery => "dns.query",
            TlsSni => "tls.sni",
            TlsCertSubject => "tls.cert_subject",
            Ja3Hash => "ja3.hash",
            Ja3String => "ja3.string",
            Ja3sHash => "ja3s.hash",
            Ja3sString => "ja3s.string",
            Ja4Hash => "ja4.hash",
            SshProto => "ssh.proto",
            SshSoftware => "ssh.software",
            SshHassh => "ssh.hassh",
            SshHasshString => "ssh.hassh.string",
            SshHasshServer => "ssh.hassh.server",
            SshHasshServerString => "ssh.hassh.server.string",
            DceStubData => "dcerpc.stub_data",
            Base64Data => "base64_data",
            Ipv4Hdr => "ipv4.hdr",
            Ipv6Hdr => "ipv6.hdr",
            TcpHdr => "tcp.hdr",
            UdpHdr => "udp.hdr",
            Icmpv4Hdr => "icmpv4.hdr",
            Icmpv6Hdr => "icmpv6.hdr",
            IpSrc => "ip.src",
            IpDst => "ip.dst",
        }
    }

    /// The application protocol the buffer implies (`None` for the payload).
    pub fn app_proto(self) -> Option<AppProto> {
        use Buffer::*;
        match self {
            Payload | Base64Data | Ipv4Hdr | Ipv6Hdr | TcpHdr | UdpHdr | Icmpv4Hdr | Icmpv6Hdr
            | IpSrc | IpDst => None,
            DnsQuery => Some(AppProto::Dns),
            TlsSni | TlsCertSubject | TlsCertIssuer | TlsCertSerial | TlsCerts
            | TlsCertFingerprint | Ja3Hash | Ja3String | Ja3sHash | Ja3sString | Ja4Hash => {
                Some(AppProto::Tls)
            }
            SshProto | SshSoftware | SshHassh | SshHasshString | SshHasshServer
            | SshHasshServerString => Some(AppProto::Ssh),
            DceStubData => Some(AppProto::Dcerpc),
            _ => Some(AppProto::Http),
        }
    }

    /// A packet header buffer (inspected per packet; `ip.src` / `ip.dst` too, as Suricata
    /// registers them).
    pub fn is_packet_header(self) -> bool {
        use Buffer::*;
        matches!(
            self,
            Ipv4Hdr | Ipv6Hdr | TcpHdr | UdpHdr | Icmpv4Hdr | Icmpv6Hdr | IpSrc | IpDst
        )
    }

    /// Suricata 7's fast-pattern priority for the buffer: lower wins. Checked with
    /// `--engine-analysis`: the payload is 3, `http.method` and `http.stat_code` are 4, every
    /// other buffer here is 2.
    pub fn mpm_priority(self) -> u8 {
        match self {
            Buffer::Payload => 3,
            Buffer::HttpMethod | Buffer::HttpStatCode => 4,
            _ => 2,
        }
    }
}
