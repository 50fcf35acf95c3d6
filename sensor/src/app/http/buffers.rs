//! The buffers Suricata rules inspect, per transaction.
//!
//! What each holds (checked against Suricata 7.0.10 with `content; startswith; endswith;` rules
//! and Lua output on crafted traffic):
//!
//! | keyword | buffer |
//! |---|---|
//! | `http.uri` | normalized target, see `normalize` (absent for CONNECT or when empty) |
//! | `http.uri.raw` | target as sent |
//! | `http.host` | host without port, lowercased; from an absolute URI if present, else Host |
//! | `http.host.raw` | Host value as sent (port included); the normalized URI host if the target is absolute |
//! | `http.method` | method as sent (case kept) |
//! | `http.protocol` | request protocol as sent |
//! | `http.request_line` | request line without its line end |
//! | `http.user_agent` | User-Agent value |
//! | `http.header` (to server) | `Name: Value\r\n` per header, libhtp table order (same-name headers joined with `", "` at the first one), Cookie left out, no extra final CRLF |
//! | `http.header` (to client) | same for the response, Set-Cookie left out |
//! | `http.cookie` | Cookie value (to server), Set-Cookie value (to client) |
//! | `http.content_type` | Content-Type value, whole (either direction) |
//! | `http.request_body` | first `request_body_limit` bytes of the de-chunked, decompressed body |
//! | `http.stat_code` | status code text as sent (may be non-numeric) |
//! | `http.stat_msg` | reason phrase; absent when the status line has none |
//! | `http.response_line` | status line without its line end |
//! | `http.response_body`, `file.data` | first `response_body_limit` bytes of the de-chunked, decompressed body |
//! | `http.header_names` | `\r\n`, then each header name (merged table order) and `\r\n`, then `\r\n` |
//! | `http.header.raw` | each header line as received plus `\r\n`, then `\r\n` (line ends written as CRLF) |
//! | `http.start` | start line, `\r\n`, `Name: Value\r\n` per header (merged table), `\r\n` |
//! | `http.referer`, `http.accept`, `http.accept_enc`, `http.accept_lang` | that request header's value |
//! | `http.connection`, `http.content_len` | Connection / Content-Length value (either direction) |
//! | `http.server`, `http.location` | Server / Location response header value |
//! | `http.request_header`, `http.response_header` | each header of the table as `Name: Value`, one buffer per header (built by the engine) |
//!
//! Values are header values with SP/HT trimmed at both ends; folded lines are joined with the
//! continuation's leading whitespace kept. Bodies are inflated when their Content-Encoding
//! names gzip or deflate (see `decompress`). Difference from Suricata: `http.host` is always
//! lowercase (libhtp leaves a Host value with a port in its original
//! case; Suricata only accepts lowercase `http.host` patterns, so this can only add matches).

use super::transaction::HttpTransaction;

/// A sticky buffer of an HTTP transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpBuffer {
    Uri,
    UriRaw,
    Host,
    HostRaw,
    Method,
    Protocol,
    RequestLine,
    UserAgent,
    /// `http.header` on the request.
    RequestHeaders,
    /// `http.header` on the response.
    ResponseHeaders,
    /// `http.cookie` on the request (Cookie).
    Cookie,
    /// `http.cookie` on the response (Set-Cookie).
    SetCookie,
    RequestContentType,
    ResponseContentType,
    RequestBody,
    StatCode,
    StatMsg,
    ResponseLine,
    /// `http.response_body` and `file.data`.
    ResponseBody,
    /// `http.header_names` on the request / response.
    RequestHeaderNames,
    ResponseHeaderNames,
    /// `http.start` on the request / response.
    RequestStart,
    ResponseStart,
    /// `http.header.raw` on the request / response.
    RequestHeaderRaw,
    ResponseHeaderRaw,
    /// Single header values: `http.referer`, `http.accept`, `http.accept_enc`,
    /// `http.accept_lang` (request), `http.connection`, `http.content_len` (either),
    /// `http.server`, `http.location` (response).
    Referer,
    Accept,
    AcceptEnc,
    AcceptLang,
    RequestConnection,
    ResponseConnection,
    RequestContentLen,
    ResponseContentLen,
    Server,
    Location,
}

impl HttpBuffer {
    /// Buffers a rule keyword inspects: two for keywords that apply to both directions
    /// (`http.header`, `http.cookie`, `http.content_type`); empty for unknown keywords.
    pub fn for_keyword(keyword: &str) -> &'static [HttpBuffer] {
        use HttpBuffer::*;
        match keyword {
            "http.uri" | "http_uri" => &[Uri],
            "http.uri.raw" | "http_raw_uri" => &[UriRaw],
            "http.host" | "http_host" => &[Host],
            "http.host.raw" | "http_raw_host" => &[HostRaw],
            "http.method" | "http_method" => &[Method],
            "http.protocol" => &[Protocol],
            "http.request_line" => &[RequestLine],
            "http.user_agent" | "http_user_agent" => &[UserAgent],
            "http.header" | "http_header" => &[RequestHeaders, ResponseHeaders],
            "http.cookie" | "http_cookie" => &[Cookie, SetCookie],
            "http.content_type" => &[RequestContentType, ResponseContentType],
            "http.request_body" | "http_client_body" => &[RequestBody],
            "http.stat_code" | "http_stat_code" => &[StatCode],
            "http.stat_msg" | "http_stat_msg" => &[StatMsg],
            "http.response_line" => &[ResponseLine],
            "http.response_body" | "http_server_body" | "file.data" | "file_data" => {
                &[ResponseBody]
            }
            "http.header_names" => &[RequestHeaderNames, ResponseHeaderNames],
            "http.start" => &[RequestStart, ResponseStart],
            "http.header.raw" | "http_raw_header" => &[RequestHeaderRaw, ResponseHeaderRaw],
            "http.referer" => &[Referer],
            "http.accept" => &[Accept],
            "http.accept_enc" => &[AcceptEnc],
            "http.accept_lang" => &[AcceptLang],
            "http.connection" => &[RequestConnection, ResponseConnection],
            "http.content_len" => &[RequestContentLen, ResponseContentLen],
            "http.server" => &[Server],
            "http.location" => &[Location],
            _ => &[],
        }
    }

    /// Whether the buffer comes from the response.
    pub fn is_response(self) -> bool {
        use HttpBuffer::*;
        matches!(
            self,
            ResponseHeaders
                | SetCookie
                | ResponseContentType
                | StatCode
                | StatMsg
                | ResponseLine
                | ResponseBody
                | ResponseHeaderNames
                | ResponseStart
                | ResponseHeaderRaw
                | ResponseConnection
                | ResponseContentLen
                | Server
                | Location
        )
    }
}

impl HttpTransaction {
    /// The bytes of `b`, or `None` when the transaction has no such buffer.
    pub fn buffer(&self, b: HttpBuffer) -> Option<&[u8]> {
        use HttpBuffer::*;
        if b.is_response() {
            let r = self.response()?;
            return match b {
                ResponseHeaders => Some(r.header_buffer()),
                SetCookie => r.set_cookie(),
                ResponseContentType => r.content_type(),
                StatCode => r.status(),
                StatMsg => r.status_message(),
                ResponseLine => r.has_status_line().then(|| r.line()),
                ResponseHeaderNames => Some(r.header_names()),
                ResponseStart => Some(r.start()),
                ResponseHeaderRaw => Some(r.header_raw()),
                ResponseConnection => r.header(b"connection"),
                ResponseContentLen => r.header(b"content-length"),
                Server => r.header(b"server"),
                Location => r.location(),
                _ => Some(r.body()),
            };
        }
        let r = self.request()?;
        match b {
            Uri => r.uri(),
            UriRaw => r.uri_raw(),
            Host => r.host(),
            HostRaw => r.host_raw(),
            Method => Some(r.method()),
            Protocol => r.protocol(),
            RequestLine => Some(r.line()),
            UserAgent => r.user_agent(),
            RequestHeaders => Some(r.header_buffer()),
            Cookie => r.cookie(),
            RequestContentType => r.content_type(),
            RequestHeaderNames => Some(r.header_names()),
            RequestStart => Some(r.start()),
            RequestHeaderRaw => Some(r.header_raw()),
            Referer => r.referer(),
            Accept => r.header(b"accept"),
            AcceptEnc => r.header(b"accept-encoding"),
            AcceptLang => r.header(b"accept-language"),
            RequestConnection => r.header(b"connection"),
            RequestContentLen => r.header(b"content-length"),
            _ => Some(r.body()),
        }
    }
}
