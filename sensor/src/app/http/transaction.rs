//! Parsed messages and transactions. Each message owns one arena (`Vec<u8>`) holding its start
//! line, header lines and derived buffers, plus its body prefix; everything else is spans.

use super::headers::{HeaderTable, Span};

/// Anomalies and conditions seen on a transaction (bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TxFlags(pub u64);

impl TxFlags {
    /// The request ended early (stream closed, gap, or parse error): what was seen is kept.
    pub const REQUEST_TRUNCATED: TxFlags = TxFlags(1 << 0);
    /// The response ended early (stream closed, gap, or parse error).
    pub const RESPONSE_TRUNCATED: TxFlags = TxFlags(1 << 1);
    /// Request body bytes were lost in a gap; parsing went on after it.
    pub const REQUEST_BODY_GAP: TxFlags = TxFlags(1 << 2);
    /// Response body bytes were lost in a gap; parsing went on after it.
    pub const RESPONSE_BODY_GAP: TxFlags = TxFlags(1 << 3);
    /// Request line plus headers over the size or count limit: parsing of that direction stopped.
    pub const REQUEST_HEADER_LIMIT: TxFlags = TxFlags(1 << 4);
    /// Response status line plus headers over the size or count limit.
    pub const RESPONSE_HEADER_LIMIT: TxFlags = TxFlags(1 << 5);
    /// Content-Length not a number: that direction stopped (libhtp does the same).
    pub const INVALID_CONTENT_LENGTH: TxFlags = TxFlags(1 << 6);
    /// Several Content-Length headers with different values (the first one is used).
    pub const AMBIGUOUS_CONTENT_LENGTH: TxFlags = TxFlags(1 << 7);
    /// Both Transfer-Encoding: chunked and Content-Length (chunked wins): request smuggling sign.
    pub const CONTENT_LENGTH_AND_CHUNKED: TxFlags = TxFlags(1 << 8);
    /// Malformed chunked encoding: that direction stopped.
    pub const INVALID_CHUNK: TxFlags = TxFlags(1 << 9);
    /// A response that no request could be paired with.
    pub const UNMATCHED_RESPONSE: TxFlags = TxFlags(1 << 10);
    /// HTTP/0.9 request (no headers; the response is raw data until close).
    pub const HTTP09: TxFlags = TxFlags(1 << 11);
    /// CONNECT accepted (2xx) or 101 Switching Protocols: the stream is no longer HTTP.
    pub const TUNNEL: TxFlags = TxFlags(1 << 12);
    /// Response without an `HTTP` status line (raw data until close).
    pub const RESPONSE_NO_STATUS_LINE: TxFlags = TxFlags(1 << 13);
    /// Transfer-Encoding present without `chunked` on a request (ignored).
    pub const INVALID_TRANSFER_ENCODING: TxFlags = TxFlags(1 << 14);
    /// `multipart/byteranges` response without a length: not parsed (as libhtp), that
    /// direction stopped.
    pub const MULTIPART_BYTERANGES: TxFlags = TxFlags(1 << 15);
    /// The request's start was lost in a gap; what followed it is kept as its body.
    pub const REQUEST_HEAD_LOST: TxFlags = TxFlags(1 << 16);
    /// The response's start was lost in a gap; what followed it is kept as its body.
    pub const RESPONSE_HEAD_LOST: TxFlags = TxFlags(1 << 17);

    // Anomalies behind Suricata's `app-layer-event:http.*` names (`events.rs`).
    /// Whitespace before the request method (libhtp's warning).
    pub const REQ_LEADING_WS: TxFlags = TxFlags(1 << 18);
    /// Whitespace other than SP between method and target.
    pub const REQ_METHOD_DELIM: TxFlags = TxFlags(1 << 19);
    /// Whitespace other than SP inside the request target.
    pub const REQ_URI_DELIM: TxFlags = TxFlags(1 << 20);
    /// A request header line without a colon.
    pub const REQ_NO_COLON: TxFlags = TxFlags(1 << 21);
    /// A request header with an empty name, LWS before the colon or a non-token name.
    pub const REQ_HEADER_INVALID: TxFlags = TxFlags(1 << 22);
    /// The first request header line is a continuation line.
    pub const REQ_BAD_FOLDING: TxFlags = TxFlags(1 << 23);
    /// A request head line over libhtp's hard field limit.
    pub const REQ_FIELD_TOO_LONG: TxFlags = TxFlags(1 << 24);
    /// More request header lines than libhtp's header limit.
    pub const REQ_TOO_MANY_HEADERS: TxFlags = TxFlags(1 << 25);
    /// Invalid chunk length in the request body.
    pub const REQ_BAD_CHUNK: TxFlags = TxFlags(1 << 26);
    /// Data that is not a request followed a bodiless request in the same chunk.
    pub const REQ_BODY_UNEXPECTED: TxFlags = TxFlags(1 << 27);
    /// The request body would not inflate as its Content-Encoding says.
    pub const REQ_INFLATE_FAILED: TxFlags = TxFlags(1 << 28);
    /// Request Content-Length without digits.
    pub const REQ_BAD_CONTENT_LENGTH: TxFlags = TxFlags(1 << 29);
    /// HTTP/1.1 request head without a Host header.
    pub const HOST_MISSING: TxFlags = TxFlags(1 << 30);
    /// The URI's host or port differs from the Host header's.
    pub const HOST_AMBIGUOUS: TxFlags = TxFlags(1 << 31);
    /// The Host header is not a valid host[:port].
    pub const HOSTH_INVALID: TxFlags = TxFlags(1 << 32);
    /// The absolute URI's host or port is invalid.
    pub const HOSTU_INVALID: TxFlags = TxFlags(1 << 33);
    /// A response header line without a colon.
    pub const RESP_NO_COLON: TxFlags = TxFlags(1 << 34);
    /// A response header with an empty name, LWS before the colon or a non-token name.
    pub const RESP_HEADER_INVALID: TxFlags = TxFlags(1 << 35);
    /// The first response header line is a continuation line.
    pub const RESP_BAD_FOLDING: TxFlags = TxFlags(1 << 36);
    /// More response header lines than libhtp's header limit.
    pub const RESP_TOO_MANY_HEADERS: TxFlags = TxFlags(1 << 37);
    /// Invalid chunk length in the response body.
    pub const RESP_BAD_CHUNK: TxFlags = TxFlags(1 << 38);
    /// The response body would not inflate as its Content-Encoding says.
    pub const RESP_INFLATE_FAILED: TxFlags = TxFlags(1 << 39);
    /// Response Content-Length without digits.
    pub const RESP_BAD_CONTENT_LENGTH: TxFlags = TxFlags(1 << 40);
    /// Status line protocol other than HTTP/0.9, 1.0, 1.1.
    pub const RESP_BAD_PROTOCOL: TxFlags = TxFlags(1 << 41);
    /// Status not a number 100-999.
    pub const RESP_BAD_STATUS: TxFlags = TxFlags(1 << 42);
    /// Chunked response below HTTP/1.1.
    pub const RESP_CHUNKED_OLD: TxFlags = TxFlags(1 << 43);
    /// Response Transfer-Encoding with `chunked` but not exactly it.
    pub const RESP_TE_ABNORMAL: TxFlags = TxFlags(1 << 44);
    /// Response Content-Encoding with an unknown or oddly spelled coding.
    pub const CE_ABNORMAL: TxFlags = TxFlags(1 << 45);
    /// Response Content-Encoding with more layers than the limit.
    pub const CE_TOO_MANY_LAYERS: TxFlags = TxFlags(1 << 46);
    /// A second 100 Continue for the request.
    pub const CONTINUE_TWICE: TxFlags = TxFlags(1 << 47);
    /// A response body with an unparseable or impossible Content-Range.
    pub const RANGE_INVALID: TxFlags = TxFlags(1 << 48);
    /// A `101` to HTTP/2 (`Upgrade: h2c`) on a flow that changed protocol before.
    pub const FAILED_PROTOCOL_CHANGE: TxFlags = TxFlags(1 << 49);

    pub fn contains(self, other: TxFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn insert(&mut self, other: TxFlags) {
        self.0 |= other.0;
    }
}

/// What the response side needs to know about the request it answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReqMeta {
    pub head: bool,
    pub connect: bool,
    pub upgrade: bool,
    pub expect_continue: bool,
    pub http09: bool,
    /// A `100 Continue` answered it already.
    pub seen_100: bool,
}

/// Parts common to requests and responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Message {
    /// Start line, header lines (without line ends) and derived buffers.
    pub arena: Vec<u8>,
    pub line: Span,
    pub headers: HeaderTable,
    /// `http.header` buffer (set once the headers are complete).
    pub header_buf: Span,
    /// `http.header_names`, `http.start` and `http.header.raw` buffers (set with
    /// `header_buf`).
    pub names_buf: Span,
    pub start_buf: Span,
    pub raw_buf: Span,
    /// Header section finished (libhtp's "headers" stage ran).
    pub headers_done: bool,
    /// First bytes of the decoded (de-chunked, decompressed) body, up to the configured limit.
    pub body: Vec<u8>,
    /// De-chunked body length as sent (before decompression), including bytes skipped past the
    /// limit or lost in gaps.
    pub body_len: u64,
    /// Body length as sent (chunked framing included): Suricata's `length`.
    pub wire_len: u64,
    pub content_length: Option<u64>,
    pub chunked: bool,
    /// A chunk-size line carried an extension (`;` after the digits and spaces only).
    pub chunk_extension: bool,
    pub complete: bool,
    /// A decoder inflated the body (its kept bytes are the decoded ones).
    pub inflated: bool,
    /// Body bytes lost in gaps (counted in `body_len`, not in the body's file).
    pub gap_bytes: u64,
}

impl Message {
    pub(crate) fn with_capacity(n: usize) -> Message {
        Message {
            arena: Vec::with_capacity(n),
            ..Message::default()
        }
    }

    /// Heap bytes held (capacities).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.arena.capacity()
            + self.body.capacity()
            + (self.headers.raw.capacity() + self.headers.merged.capacity())
                * std::mem::size_of::<super::headers::Field>()
            + self.headers.lines.capacity() * std::mem::size_of::<Span>()
    }

    #[inline]
    pub(crate) fn span(&self, s: Span) -> &[u8] {
        s.get(&self.arena)
    }

    pub(crate) fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.headers.get(&self.arena, name).map(|s| self.span(s))
    }

    /// libhtp's header table (repeated names merged at their first place), as detection sees
    /// it.
    pub(crate) fn table_iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers
            .fields()
            .iter()
            .map(move |f| (self.span(f.name), self.span(f.value)))
    }

    fn headers_iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers
            .raw
            .iter()
            .map(move |f| (self.span(f.name), self.span(f.value)))
    }
}

/// One HTTP request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    pub(crate) m: Message,
    pub(crate) method: Span,
    pub(crate) uri: Option<Span>,
    pub(crate) protocol: Option<Span>,
    pub(crate) uri_norm: Option<Span>,
    pub(crate) host: Option<Span>,
    pub(crate) host_raw: Option<Span>,
    pub(crate) eve_hostname: Option<Span>,
    pub(crate) port: Option<u16>,
}

impl HttpRequest {
    /// `http.header.raw` (request side).
    pub fn header_raw(&self) -> &[u8] {
        self.m.span(self.m.raw_buf)
    }
    /// `http.header_names` (request side).
    pub fn header_names(&self) -> &[u8] {
        self.m.span(self.m.names_buf)
    }
    /// `http.start` (request side).
    pub fn start(&self) -> &[u8] {
        self.m.span(self.m.start_buf)
    }
    /// Request line as received, line end removed (`http.request_line`).
    pub fn line(&self) -> &[u8] {
        self.m.span(self.m.line)
    }
    /// Method token (`http.method`), case kept.
    pub fn method(&self) -> &[u8] {
        self.m.span(self.method)
    }
    /// Request target as sent (`http.uri.raw`, EVE `url`); `None` when the line has no target.
    pub fn uri_raw(&self) -> Option<&[u8]> {
        self.uri.map(|s| self.m.span(s))
    }
    /// Normalized URI (`http.uri`; see `normalize` for the rules); `None` when empty.
    pub fn uri(&self) -> Option<&[u8]> {
        self.uri_norm.map(|s| self.m.span(s))
    }
    /// Protocol as sent (`http.protocol`, EVE `protocol`); `None` for HTTP/0.9-style lines.
    pub fn protocol(&self) -> Option<&[u8]> {
        self.protocol.map(|s| self.m.span(s))
    }
    /// Host without port, lowercased (`http.host`): from an absolute URI if it has one,
    /// otherwise from the Host header. `None` when neither gives a host.
    pub fn host(&self) -> Option<&[u8]> {
        self.host.map(|s| self.m.span(s))
    }
    /// `http.host.raw`: the Host header value as sent (port included), or the normalized
    /// hostname of an absolute URI when the URI has one (Suricata's choice).
    pub fn host_raw(&self) -> Option<&[u8]> {
        self.host_raw.map(|s| self.m.span(s))
    }
    /// Port given with the host (absolute URI or Host header), when valid (1..=65535).
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// Every header line in arrival order, folded lines joined; name and value as sent
    /// (value trimmed of SP/HT).
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.m.headers_iter()
    }
    /// The header table detection uses (`http.request_header`): repeated names merged.
    pub fn header_table(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.m.table_iter()
    }
    /// Header value by name (ASCII case-insensitive); repeated headers joined with `", "`.
    pub fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.m.header(name)
    }
    /// `http.user_agent`.
    pub fn user_agent(&self) -> Option<&[u8]> {
        self.header(b"user-agent")
    }
    /// `http.referer`.
    pub fn referer(&self) -> Option<&[u8]> {
        self.header(b"referer")
    }
    /// `http.content_type` (request side), whole value.
    pub fn content_type(&self) -> Option<&[u8]> {
        self.header(b"content-type")
    }
    /// `http.cookie` (request side): the Cookie header value.
    pub fn cookie(&self) -> Option<&[u8]> {
        self.header(b"cookie")
    }
    /// Whether a Cookie header is present.
    pub fn has_cookie(&self) -> bool {
        self.cookie().is_some()
    }
    /// Content-Length as parsed (first value if repeated).
    pub fn content_length(&self) -> Option<u64> {
        self.m.content_length
    }
    /// `http.header` (request side): `Name: Value\r\n` per header, Cookie left out.
    pub fn header_buffer(&self) -> &[u8] {
        self.m.span(self.m.header_buf)
    }
    /// `http.request_body`: the first bytes of the de-chunked body, inflated when its
    /// Content-Encoding names gzip or deflate (up to the configured limit).
    pub fn body(&self) -> &[u8] {
        &self.m.body
    }
    /// De-chunked body length as sent, before decompression (bytes beyond the stored prefix and
    /// bytes lost in gaps included).
    pub fn body_len(&self) -> u64 {
        self.m.body_len
    }
    /// Body length as sent on the wire (chunked framing included).
    pub fn wire_len(&self) -> u64 {
        self.m.wire_len
    }
    /// Chunked transfer coding was used.
    pub fn is_chunked(&self) -> bool {
        self.m.chunked
    }
    /// Whole request seen (false if it was cut short by a close, a gap or an error).
    pub fn is_complete(&self) -> bool {
        self.m.complete
    }
}

/// One HTTP response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    pub(crate) m: Message,
    pub(crate) protocol: Option<Span>,
    pub(crate) status: Option<Span>,
    pub(crate) status_code: Option<u16>,
    pub(crate) message: Option<Span>,
    pub(crate) no_status_line: bool,
}

impl HttpResponse {
    /// `http.header.raw` (response side).
    pub fn header_raw(&self) -> &[u8] {
        self.m.span(self.m.raw_buf)
    }
    /// `http.header_names` (response side).
    pub fn header_names(&self) -> &[u8] {
        self.m.span(self.m.names_buf)
    }
    /// `http.start` (response side).
    pub fn start(&self) -> &[u8] {
        self.m.span(self.m.start_buf)
    }
    /// Status line as received (`http.response_line`); empty when there was none.
    pub fn line(&self) -> &[u8] {
        self.m.span(self.m.line)
    }
    /// Protocol of the status line (`HTTP/1.1`).
    pub fn protocol(&self) -> Option<&[u8]> {
        self.protocol.map(|s| self.m.span(s))
    }
    /// Status code text as sent (`http.stat_code`).
    pub fn status(&self) -> Option<&[u8]> {
        self.status.map(|s| self.m.span(s))
    }
    /// Status code when it is a number in 100..=999.
    pub fn status_code(&self) -> Option<u16> {
        self.status_code
    }
    /// Reason phrase (`http.stat_msg`); `None` when the line has none.
    pub fn status_message(&self) -> Option<&[u8]> {
        self.message.map(|s| self.m.span(s))
    }
    /// Every header line in arrival order (see [`HttpRequest::headers`]).
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.m.headers_iter()
    }
    /// The header table detection uses (`http.response_header`): repeated names merged.
    pub fn header_table(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.m.table_iter()
    }
    /// Header value by name (ASCII case-insensitive); repeated headers joined with `", "`.
    pub fn header(&self, name: &[u8]) -> Option<&[u8]> {
        self.m.header(name)
    }
    /// `http.content_type` (response side), whole value.
    pub fn content_type(&self) -> Option<&[u8]> {
        self.header(b"content-type")
    }
    /// `http.cookie` (response side): the Set-Cookie header value.
    pub fn set_cookie(&self) -> Option<&[u8]> {
        self.header(b"set-cookie")
    }
    /// Location header (EVE `redirect`).
    pub fn location(&self) -> Option<&[u8]> {
        self.header(b"location")
    }
    /// Content-Length as parsed.
    pub fn content_length(&self) -> Option<u64> {
        self.m.content_length
    }
    /// `http.header` (response side): `Name: Value\r\n` per header, Set-Cookie left out.
    pub fn header_buffer(&self) -> &[u8] {
        self.m.span(self.m.header_buf)
    }
    /// `http.response_body` / `file.data`: first bytes of the de-chunked body, inflated when its
    /// Content-Encoding names gzip or deflate.
    pub fn body(&self) -> &[u8] {
        &self.m.body
    }
    /// De-chunked body length as sent, before decompression (gap bytes included).
    pub fn body_len(&self) -> u64 {
        self.m.body_len
    }
    /// Body length as sent, chunked framing included (EVE `length`, libhtp's message length).
    pub fn wire_len(&self) -> u64 {
        self.m.wire_len
    }
    /// Chunked transfer coding was used.
    pub fn is_chunked(&self) -> bool {
        self.m.chunked
    }
    /// Whole response seen (a close-delimited body counts as complete at close).
    pub fn is_complete(&self) -> bool {
        self.m.complete
    }
    /// No `HTTP/...` status line: the response is raw data (HTTP/0.9 or garbage).
    pub fn has_status_line(&self) -> bool {
        !self.no_status_line
    }
}

/// A request and the response paired with it (FIFO per flow).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpTransaction {
    pub(crate) id: u64,
    pub(crate) request: Option<HttpRequest>,
    pub(crate) response: Option<HttpResponse>,
    pub(crate) flags: TxFlags,
    pub(crate) meta: ReqMeta,
    pub(crate) req_done: bool,
    pub(crate) resp_done: bool,
    /// The final response's head has been parsed (CONNECT/Upgrade decisions are made there).
    pub(crate) resp_head_seen: bool,
    /// The transaction's files (uploads first, then the response's), D46.
    pub(crate) files: Vec<crate::app::files::File>,
}

impl HttpTransaction {
    /// Heap bytes held by this transaction.
    pub fn heap_bytes(&self) -> usize {
        self.request.as_ref().map_or(0, |r| r.m.heap_bytes())
            + self.response.as_ref().map_or(0, |r| r.m.heap_bytes())
    }

    /// Position in the flow, from 0 (Suricata's `tx_id`).
    pub fn id(&self) -> u64 {
        self.id
    }
    /// The request; `None` for a response that matched no request.
    pub fn request(&self) -> Option<&HttpRequest> {
        self.request.as_ref()
    }
    /// The response; `None` if none was seen.
    pub fn response(&self) -> Option<&HttpResponse> {
        self.response.as_ref()
    }
    pub fn flags(&self) -> TxFlags {
        self.flags
    }
    /// The files of the transaction: a request body (POST, PUT) or its `multipart/form-data`
    /// uploads, and the response body, as Suricata 7 opens them.
    pub fn files(&self) -> &[crate::app::files::File] {
        &self.files
    }
    /// A file's bytes as kept: a whole body is not copied into its file (`in_body`).
    pub fn file_content<'a>(&'a self, f: &'a crate::app::files::File) -> &'a [u8] {
        if !f.in_body {
            return &f.content;
        }
        if f.to_server {
            self.request.as_ref().map_or(&[], |r| r.body())
        } else {
            self.response.as_ref().map_or(&[], |r| r.body())
        }
    }
    /// Both sides are finished (complete, cut short, or known never to come).
    pub fn is_done(&self) -> bool {
        self.req_done && self.resp_done
    }
}
