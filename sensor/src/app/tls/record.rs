//! Record-layer framing for one direction. Only the record header (at most 5 bytes) is ever
//! buffered: record bodies are handed on as slices of the caller's input, so a record split
//! over many calls costs no copy and no memory beyond the header.

/// Content types (RFC 8446 5.1).
pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;
pub const CT_HEARTBEAT: u8 = 24;
/// Pseudo content type for an SSLv2 record (only accepted as a direction's first record).
pub const CT_SSLV2: u8 = 0x80;

/// TLSCiphertext may carry 2^14 + 2048 bytes; anything longer is not TLS.
pub const MAX_RECORD_LEN: usize = 16384 + 2048;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub content_type: u8,
    /// Record-layer version (0x0200 for SSLv2 records, as Suricata).
    pub version: u16,
    pub len: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Chunk {
    /// A complete record header was read.
    Header(RecordHeader),
    /// `len` bytes of the current record's body are at the start of the remaining input;
    /// `last` says the record ends with them.
    Body { len: usize, last: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    BadHeader,
    /// An unknown content type that is not SSLv2-looking (top two bits clear).
    BadType,
    /// A known content type with a version that is not SSL 3.0 to TLS 1.3.
    BadVersion,
    TooLong,
}

#[derive(Debug, Default)]
pub struct RecordFramer {
    hdr: [u8; 5],
    hdr_len: u8,
    /// Body bytes still to come for the current record.
    remaining: usize,
    /// Body length of the current record.
    len: usize,
    /// Records started so far (SSLv2 framing is only valid for the first).
    records: u32,
}

impl RecordFramer {
    /// Consumes input from the front of `data`. Returns `Ok(None)` when `data` was used up while
    /// buffering a partial header; body chunks are not consumed here: the caller takes `len`
    /// bytes from `data` itself, then must call [`RecordFramer::consumed`].
    pub fn next(&mut self, data: &mut &[u8]) -> Result<Option<Chunk>, RecordError> {
        if self.remaining > 0 {
            let len = self.remaining.min(data.len());
            return Ok(Some(Chunk::Body {
                len,
                last: len == self.remaining,
            }));
        }
        while let Some((&b, rest)) = data.split_first() {
            *data = rest;
            self.hdr[self.hdr_len as usize] = b;
            self.hdr_len += 1;
            // SSLv2 two-byte header (high bit set, 15-bit length) is only valid first.
            let sslv2 = self.records == 0 && self.hdr[0] & 0x80 != 0;
            if (self.hdr_len as usize) < if sslv2 { 2 } else { 5 } {
                continue;
            }
            self.hdr_len = 0;
            self.records = self.records.saturating_add(1);
            let h = if sslv2 {
                RecordHeader {
                    content_type: CT_SSLV2,
                    version: 0x0200,
                    len: (((self.hdr[0] & 0x7f) as usize) << 8) | self.hdr[1] as usize,
                }
            } else {
                let h = RecordHeader {
                    content_type: self.hdr[0],
                    version: u16::from_be_bytes([self.hdr[1], self.hdr[2]]),
                    len: u16::from_be_bytes([self.hdr[3], self.hdr[4]]) as usize,
                };
                if !(CT_CHANGE_CIPHER_SPEC..=CT_HEARTBEAT).contains(&h.content_type) {
                    return Err(if h.content_type & 0xc0 == 0 {
                        RecordError::BadType
                    } else {
                        RecordError::BadHeader
                    });
                }
                if self.hdr[1] != 3 || self.hdr[2] > 4 {
                    return Err(RecordError::BadVersion);
                }
                if h.len > MAX_RECORD_LEN {
                    return Err(RecordError::TooLong);
                }
                h
            };
            self.remaining = h.len;
            self.len = h.len;
            return Ok(Some(Chunk::Header(h)));
        }
        Ok(None)
    }

    /// Body length of the current record.
    pub fn record_len(&self) -> usize {
        self.len
    }

    /// Records that `n` body bytes were taken after a [`Chunk::Body`].
    pub fn consumed(&mut self, n: usize) {
        self.remaining = self.remaining.saturating_sub(n);
    }
}
