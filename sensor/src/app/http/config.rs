//! Parser limits.

/// Limits of one HTTP parser (per flow). Memory held by a parser is bounded by about
/// `max_txs * 2 * (4 * max_head_bytes + body limit)` in the worst case (head bytes, the derived
/// buffers built from them, and the stored body prefix), and is far less for real traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Request body bytes kept for `http.request_body` (the rest is counted, not copied).
    pub request_body_limit: usize,
    /// Response body bytes kept for `http.response_body` / `file.data`.
    pub response_body_limit: usize,
    /// Largest start line plus header section of one message; beyond it that direction stops.
    pub max_head_bytes: usize,
    /// Most header lines in one message; beyond it that direction stops.
    pub max_headers: usize,
    /// Most transactions held per flow (in flight or not yet taken); the oldest is dropped
    /// beyond it (counted in `txs_evicted`), responses still pair correctly.
    pub max_txs: usize,
    /// Content-Encoding tokens looked at per body, Suricata's
    /// `response-body-decompress-layer-limit` (default 2; 0: no limit besides the decoder's
    /// own [`MAX_LAYERS`](super::decompress::MAX_LAYERS)). Gzip and deflate layers among them
    /// are inflated before `http.response_body` / `file.data` and, as libhtp does for
    /// Suricata, `http.request_body` see the body; the body limits cap what is kept.
    pub decompress_layer_limit: u32,
    /// Digests the files of transactions need (D46; set from the rules and the fileinfo
    /// output, not from the `[http]` section).
    pub files: crate::app::files::FileNeeds,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            request_body_limit: 4096,
            response_body_limit: 4096,
            max_head_bytes: 64 * 1024,
            max_headers: 200,
            max_txs: 32,
            decompress_layer_limit: 2,
            files: crate::app::files::FileNeeds::NONE,
        }
    }
}

impl HttpConfig {
    /// Clamps values the parser relies on (at least two transactions, spans below 4 GiB).
    pub(crate) fn sanitized(mut self) -> HttpConfig {
        const MAX: usize = 256 * 1024 * 1024;
        self.max_txs = self.max_txs.max(2);
        self.max_head_bytes = self.max_head_bytes.clamp(1, MAX);
        self.request_body_limit = self.request_body_limit.min(MAX);
        self.response_body_limit = self.response_body_limit.min(MAX);
        self
    }
}
