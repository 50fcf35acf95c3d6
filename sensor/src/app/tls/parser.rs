//! The per-flow TLS parser: stream bytes in (per direction, any split), [`TlsRecord`] out.
//!
//! Each direction runs record framing, then handshake-message reassembly, and stops as soon as it
//! has what it needs: the client after its ClientHello, the server after a TLS 1.3 ServerHello,
//! its first certificate, ServerHelloDone, ChangeCipherSpec, an alert or application data. Once
//! both have stopped, [`TlsParser::is_done`] is true and `feed` returns at once, so encrypted
//! payload costs nothing. Malformed input stops the direction and is counted; nothing panics.

use super::anomaly::{
    certificate_events, client_hello_events, supported_handshake_type, Heartbeat,
};
use super::handshake::{
    Body, Message, Reassembler, HS_CERTIFICATE, HS_CLIENT_HELLO, HS_SERVER_HELLO,
    HS_SERVER_HELLO_DONE,
};
use super::hello::{parse_client_hello, parse_server_hello, parse_sslv2_client_hello};
use super::info::TlsRecord;
use super::ja3::{ja3, ja3s};
use super::ja4::{ja4, Transport};
use super::reader::Reader;
use super::record::{
    Chunk, RecordError, RecordFramer, RecordHeader, CT_ALERT, CT_APPLICATION_DATA,
    CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, CT_HEARTBEAT, CT_SSLV2,
};
use super::x509::parse_certificate_prefix;
use crate::app::Direction;
use crate::events::{AppEvent, AppEvents};

/// Largest handshake message (or message prefix) kept, per direction.
pub const MAX_HANDSHAKE_LEN: usize = 64 * 1024;

/// Prefix of a Certificate message kept: first certificates are a few KB; for a bigger one the
/// names and validity still come from the prefix, and the server side finishes sooner.
const MAX_CERT_PREFIX: usize = 32 * 1024;

/// Why a direction stopped being parsed before the handshake told us what we wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsError {
    /// A record header that is not TLS (bad content type or version).
    BadRecordHeader,
    /// A record longer than TLS allows.
    RecordTooLong,
    /// An empty or unexpected SSLv2 record.
    BadSslv2Record,
    /// A hello larger than [`MAX_HANDSHAKE_LEN`].
    HandshakeTooLong,
    MalformedClientHello,
    MalformedServerHello,
    /// The first certificate could not be decoded (the handshake is otherwise fine).
    MalformedCertificate,
}

#[derive(Debug, Default)]
struct Side {
    framer: RecordFramer,
    hs: Reassembler,
    /// Content type of the record whose body is being read.
    content_type: u8,
    /// Body of an SSLv2 record (at most 32767 bytes).
    v2: Vec<u8>,
    finished: bool,
    /// The side finished on an application-data record that counts (see `walk_headers`).
    app_data_pending: bool,
    /// Record framing is lost (a parse error, a gap, SSLv2): record headers after the end of
    /// the handshake cannot be followed.
    lost: bool,
    /// The heartbeat record being read, if any.
    hb: Heartbeat,
}

impl Side {
    fn finish(&mut self) {
        self.finished = true;
        self.hs.reset();
        self.v2 = Vec::new();
    }
}

#[derive(Debug, Default)]
struct Counters {
    errors: u32,
    anomalies: u32,
    gaps: u32,
    last_error: Option<TlsError>,
    /// A ChangeCipherSpec was seen from either side: heartbeats are encrypted from then on.
    ccs: bool,
    /// The side whose clear-text heartbeat request awaits its response.
    hb_inflight: Option<Direction>,
}

/// Raises an event on the flow's handshake, for the inspection of both sides.
fn raise(rec: &mut TlsRecord, e: AppEvent) {
    for side in &mut rec.events {
        side.set(e);
    }
}

/// Judges heartbeat body bytes (clear-text ones only, as Suricata).
fn heartbeat(side: &mut Side, dir: Direction, rec: &mut TlsRecord, c: &mut Counters, b: &[u8]) {
    if c.ccs {
        return;
    }
    let mut ev = AppEvents::NONE;
    side.hb.push(b, dir, &mut c.hb_inflight, &mut ev);
    for e in ev.iter() {
        raise(rec, e);
    }
}

impl Counters {
    fn fail(&mut self, side: &mut Side, e: TlsError) {
        self.errors = self.errors.saturating_add(1);
        self.last_error = Some(e);
        side.lost = true;
        side.finish();
    }
}

/// Incremental TLS handshake parser for one flow.
#[derive(Debug, Default)]
pub struct TlsParser {
    record: TlsRecord,
    client: Side,
    server: Side,
    counters: Counters,
    /// An application-data record was seen (after the ServerHello when from the client):
    /// what follows is encrypted.
    encrypted: bool,
}

impl TlsParser {
    pub fn new() -> TlsParser {
        TlsParser::default()
    }

    /// Feeds in-order stream bytes of one direction; any split is fine.
    pub fn feed(&mut self, dir: Direction, data: &[u8]) {
        let side = match dir {
            Direction::ToServer => &mut self.client,
            Direction::ToClient => &mut self.server,
        };
        let mut data = data;
        if !side.finished {
            feed_side(side, dir, &mut self.record, &mut self.counters, &mut data);
        }
        if side.finished && !self.encrypted && !side.lost {
            self.encrypted = walk_headers(side, dir, &mut self.record, &mut self.counters, data);
        }
    }

    /// Encrypted application data has started (Suricata's point for `encryption-handling:
    /// default`: content inspection of the flow's payload stops there). Once the handshake
    /// parsing is over, only record headers are read, up to the first application-data one.
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }

    /// Bytes were lost in `dir`: that direction gives up (its partial state is dropped); what
    /// was already parsed stays, and the other direction goes on.
    pub fn gap(&mut self, dir: Direction) {
        let side = match dir {
            Direction::ToServer => &mut self.client,
            Direction::ToClient => &mut self.server,
        };
        side.lost = true;
        if !side.finished {
            self.counters.gaps = self.counters.gaps.saturating_add(1);
            side.finish();
        }
    }

    /// Both directions are finished: the caller can stop feeding this flow.
    pub fn is_done(&self) -> bool {
        self.client.finished && self.server.finished
    }

    /// One direction is finished: its further bytes are ignored.
    pub fn is_direction_done(&self, dir: Direction) -> bool {
        match dir {
            Direction::ToServer => self.client.finished,
            Direction::ToClient => self.server.finished,
        }
    }

    pub fn record(&self) -> &TlsRecord {
        &self.record
    }

    pub fn into_record(self) -> TlsRecord {
        self.record
    }

    /// Parse errors so far (each stops a direction, except a bad certificate).
    pub fn errors(&self) -> u32 {
        self.counters.errors
    }

    pub fn last_error(&self) -> Option<TlsError> {
        self.counters.last_error
    }

    /// Malformed extension values that were skipped inside otherwise valid hellos.
    pub fn anomalies(&self) -> u32 {
        self.counters.anomalies
    }

    /// Gaps that made a direction give up.
    pub fn gaps(&self) -> u32 {
        self.counters.gaps
    }

    /// Heap bytes held for partial messages (bounded by about `2 * MAX_HANDSHAKE_LEN`).
    pub fn buffered_bytes(&self) -> usize {
        self.client.hs.capacity()
            + self.server.hs.capacity()
            + self.client.v2.capacity()
            + self.server.v2.capacity()
    }

    /// Writes the EVE `"tls":{...}` object (see [`TlsRecord::write_eve_tls`]).
    pub fn write_eve_tls(&self, out: &mut Vec<u8>) {
        self.record.write_eve_tls(out);
    }
}

fn feed_side(
    side: &mut Side,
    dir: Direction,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    data: &mut &[u8],
) {
    while !data.is_empty() && !side.finished {
        match side.framer.next(data) {
            Err(RecordError::BadHeader) => counters.fail(side, TlsError::BadRecordHeader),
            Err(RecordError::BadType) => {
                raise(rec, AppEvent::TlsInvalidRecordType);
                counters.fail(side, TlsError::BadRecordHeader)
            }
            Err(RecordError::BadVersion) => {
                // Suricata judges record versions until the side's hello set the version.
                let before_hello = match dir {
                    Direction::ToServer => rec.client_hello.is_none(),
                    Direction::ToClient => rec.server_hello.is_none(),
                };
                if before_hello {
                    raise(rec, AppEvent::TlsInvalidRecordVersion);
                }
                counters.fail(side, TlsError::BadRecordHeader)
            }
            Err(RecordError::TooLong) => counters.fail(side, TlsError::RecordTooLong),
            Ok(None) => break,
            Ok(Some(Chunk::Header(h))) => {
                // An SSLv2 server ERROR message (type 0 first in the body); Suricata's request
                // side has finished with the flow by then, so only the response side sees it.
                if h.content_type == CT_SSLV2
                    && dir == Direction::ToClient
                    && h.len > 0
                    && data.first() == Some(&0)
                {
                    rec.events[1].set(AppEvent::TlsErrorMessageEncountered);
                }
                on_header(side, dir, rec, counters, h)
            }
            Ok(Some(Chunk::Body { len, last })) => {
                let (body, rest) = data.split_at(len.min(data.len()));
                *data = rest;
                side.framer.consumed(body.len());
                on_body(side, dir, rec, counters, body, last);
            }
        }
    }
    if side.content_type == CT_APPLICATION_DATA && side.finished && !side.lost {
        // The record that finished the side was application data: put its header back in
        // view of `walk_headers` (its body is skipped there).
        side.content_type = 0;
        side.app_data_pending = app_data_counts(dir, rec);
    }
}

/// Application data from the client counts once the ServerHello was seen (TLS 1.3 early data
/// comes before it), as in Suricata.
fn app_data_counts(dir: Direction, rec: &TlsRecord) -> bool {
    dir == Direction::ToClient || rec.server_hello.is_some()
}

/// Follows record headers of a finished side through `data`; true at the first
/// application-data record that counts.
fn walk_headers(
    side: &mut Side,
    dir: Direction,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    mut data: &[u8],
) -> bool {
    if std::mem::take(&mut side.app_data_pending) {
        return true;
    }
    while !data.is_empty() {
        match side.framer.next(&mut data) {
            Err(e) => {
                if e == RecordError::BadType {
                    raise(rec, AppEvent::TlsInvalidRecordType);
                }
                side.lost = true;
                return false;
            }
            Ok(None) => break,
            Ok(Some(Chunk::Header(h))) => {
                if h.content_type == CT_SSLV2 {
                    side.lost = true;
                    return false;
                }
                if h.content_type == CT_APPLICATION_DATA && app_data_counts(dir, rec) {
                    return true;
                }
                if h.content_type == CT_CHANGE_CIPHER_SPEC {
                    counters.ccs = true;
                }
                if h.content_type == CT_HEARTBEAT {
                    side.hb.start(h.len);
                }
            }
            Ok(Some(Chunk::Body { len, .. })) => {
                let n = len.min(data.len());
                heartbeat(side, dir, rec, counters, &data[..n]);
                data = &data[n..];
                side.framer.consumed(n);
            }
        }
    }
    false
}

fn on_header(
    side: &mut Side,
    dir: Direction,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    h: RecordHeader,
) {
    side.content_type = h.content_type;
    if dir == Direction::ToClient && rec.server_hello.is_none() {
        rec.server_record_version = h.version;
    }
    if h.content_type == CT_CHANGE_CIPHER_SPEC {
        counters.ccs = true;
    }
    if h.content_type == CT_HEARTBEAT {
        side.hb.start(h.len);
    }
    match h.content_type {
        // TLS 1.3 middlebox compatibility: a CCS may follow a HelloRetryRequest in clear.
        CT_CHANGE_CIPHER_SPEC
            if dir == Direction::ToClient
                && rec.hello_retry.is_some()
                && rec.server_hello.is_none() => {}
        CT_CHANGE_CIPHER_SPEC | CT_ALERT | CT_APPLICATION_DATA => side.finish(),
        CT_SSLV2 if h.len == 0 => counters.fail(side, TlsError::BadSslv2Record),
        // Too short for a handshake message header. Suricata gives up on the flow there; the
        // sensor raises the same event but goes on reassembling the message (a hello split
        // into tiny records still yields its fields).
        CT_HANDSHAKE if (1..4).contains(&h.len) => raise(rec, AppEvent::TlsInvalidSslRecord),
        // An SSLv2 server answer: its version (SSLv2) is all we report.
        CT_SSLV2 if dir == Direction::ToClient => {
            side.lost = true;
            side.finish()
        }
        _ => {}
    }
}

fn on_body(
    side: &mut Side,
    dir: Direction,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    body: &[u8],
    last: bool,
) {
    match side.content_type {
        CT_HANDSHAKE => on_handshake_bytes(side, dir, rec, counters, body),
        CT_HEARTBEAT => heartbeat(side, dir, rec, counters, body),
        CT_SSLV2 => {
            // Zero-copy when the whole record is in this slice.
            if side.v2.is_empty() && last {
                on_sslv2_client_hello(side, rec, counters, body);
            } else {
                if side.v2.is_empty() {
                    side.v2.reserve_exact(side.framer.record_len());
                }
                side.v2.extend_from_slice(body);
                if last {
                    let v2 = std::mem::take(&mut side.v2);
                    on_sslv2_client_hello(side, rec, counters, &v2);
                }
            }
        }
        // Heartbeats and a CCS after a HelloRetryRequest are skipped.
        _ => {}
    }
}

fn on_sslv2_client_hello(
    side: &mut Side,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    msg: &[u8],
) {
    match parse_sslv2_client_hello(msg) {
        Some(ch) => {
            if rec.client_hello.is_none() {
                rec.client_hello = Some(ch);
            }
            side.finish();
        }
        None => counters.fail(side, TlsError::BadSslv2Record),
    }
}

fn on_handshake_bytes(
    side: &mut Side,
    dir: Direction,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    chunk: &[u8],
) {
    let mut off = 0;
    while off < chunk.len() && !side.finished {
        let input = chunk.get(off..).unwrap_or_default();
        let (used, msg) = side.hs.push(input, |ty| wanted(dir, rec, ty));
        if let Some(m) = msg {
            if !supported_handshake_type(m.msg_type) {
                raise(rec, AppEvent::TlsInvalidHandshakeMessage);
            }
            let body = match m.body {
                Body::Input { start, end } => input.get(start..end).unwrap_or_default(),
                Body::Buffered => side.hs.buffered(),
                Body::Skipped => &[],
            };
            // The body may borrow the reassembler; copy the verdict out before finishing.
            let verdict = on_message(dir, rec, counters, m, body);
            match verdict {
                Verdict::Continue => {}
                Verdict::Finish => side.finish(),
                Verdict::Fail(e) => counters.fail(side, e),
            }
        }
        off += used.max(1);
    }
}

/// How many body bytes of a message type this direction keeps.
fn wanted(dir: Direction, rec: &TlsRecord, ty: u8) -> usize {
    match (dir, ty) {
        (Direction::ToServer, HS_CLIENT_HELLO) if rec.client_hello.is_none() => MAX_HANDSHAKE_LEN,
        (Direction::ToClient, HS_SERVER_HELLO) if rec.server_hello.is_none() => MAX_HANDSHAKE_LEN,
        (Direction::ToClient, HS_CERTIFICATE) if rec.server_cert.is_none() => MAX_CERT_PREFIX,
        _ => 0,
    }
}

enum Verdict {
    Continue,
    Finish,
    Fail(TlsError),
}

fn on_message(
    dir: Direction,
    rec: &mut TlsRecord,
    counters: &mut Counters,
    m: Message,
    body: &[u8],
) -> Verdict {
    match (dir, m.msg_type) {
        (Direction::ToServer, HS_CLIENT_HELLO) if rec.client_hello.is_none() => {
            if !m.complete {
                return Verdict::Fail(TlsError::HandshakeTooLong);
            }
            for e in client_hello_events(body).iter() {
                raise(rec, e);
            }
            let Some((ch, anomalies)) = parse_client_hello(body) else {
                return Verdict::Fail(TlsError::MalformedClientHello);
            };
            counters.anomalies = counters.anomalies.saturating_add(anomalies);
            rec.ja3 = ja3(&ch);
            rec.ja4 = ja4(&ch, Transport::Tcp);
            rec.client_hello = Some(ch);
            Verdict::Finish
        }
        (Direction::ToClient, HS_SERVER_HELLO) if rec.server_hello.is_none() => {
            if !m.complete {
                return Verdict::Fail(TlsError::HandshakeTooLong);
            }
            let Some((sh, anomalies)) = parse_server_hello(body) else {
                return Verdict::Fail(TlsError::MalformedServerHello);
            };
            counters.anomalies = counters.anomalies.saturating_add(anomalies);
            // As Suricata, JA3S is that of the first ServerHello, a HelloRetryRequest included.
            if rec.ja3s.is_none() {
                rec.ja3s = Some(ja3s(&sh));
            }
            if sh.hello_retry_request {
                rec.hello_retry = Some(sh);
                return Verdict::Continue;
            }
            let encrypted = sh.encrypts_rest();
            rec.server_hello = Some(sh);
            if encrypted {
                Verdict::Finish
            } else {
                Verdict::Continue
            }
        }
        (Direction::ToClient, HS_CERTIFICATE) if rec.server_cert.is_none() => {
            for e in certificate_events(body, m.complete).iter() {
                raise(rec, e);
            }
            // The chain's whole certificates within the kept prefix, for `tls.certs`.
            let mut all = Reader::new(body);
            if all.u24().is_some() {
                while let Some(len) = all.u24() {
                    match all.take(len as usize) {
                        Some(der) => rec.cert_chain.push(der.to_vec()),
                        None => break,
                    }
                }
            }
            // Only the first certificate is parsed: a prefix of a huge chain is enough.
            let mut r = Reader::new(body);
            let first = r.u24().and_then(|_| r.u24()).map(|len| {
                let len = len as usize;
                let rest = r.rest();
                (rest.get(..len).unwrap_or(rest), len)
            });
            match first.and_then(|(der, len)| parse_certificate_prefix(der, len)) {
                Some(cert) => {
                    rec.server_cert = Some(cert);
                    Verdict::Finish
                }
                None => {
                    counters.errors = counters.errors.saturating_add(1);
                    counters.last_error = Some(TlsError::MalformedCertificate);
                    Verdict::Finish
                }
            }
        }
        (Direction::ToClient, HS_SERVER_HELLO_DONE) => Verdict::Finish,
        _ => Verdict::Continue,
    }
}
