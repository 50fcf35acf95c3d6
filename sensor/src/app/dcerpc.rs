//! DCE/RPC over TCP (connection-oriented PDUs), as Suricata 7 parses it: BIND / ALTER_CONTEXT
//! and their acknowledgements (the interfaces a client asked for and which the server
//! accepted), REQUEST / RESPONSE with their fragments (stub data reassembled per call),
//! the EVE `dcerpc` record and what the `dce_iface`, `dce_opnum` and `dce_stub_data`
//! keywords inspect.
//!
//! Each direction is cut into PDUs by the header's fragment length (the data representation
//! gives the byte order); a PDU split across segments waits in a buffer of at most one
//! fragment (65,535 bytes). Stub data is kept up to [`MAX_STUB`] per call and direction.

use std::collections::VecDeque;
use std::io::Write;

use super::parser::{AppParser, Tx};
use super::registry::AppProto;
use super::Direction;

/// Stub bytes kept per call and direction (more are counted, not kept).
pub const MAX_STUB: usize = 1 << 20;
/// Calls open at once (a flood of unanswered requests evicts the oldest, logged).
const MAX_OPEN: usize = 256;
/// Presentation contexts kept from one BIND.
const MAX_CONTEXTS: usize = 64;

const HDR: usize = 16;
const PFC_FIRST_FRAG: u8 = 0x01;
const PFC_LAST_FRAG: u8 = 0x02;

/// PDU types (the `PTYPE` octet).
pub const REQUEST: u8 = 0;
pub const RESPONSE: u8 = 2;
pub const BIND: u8 = 11;
pub const BIND_ACK: u8 = 12;
pub const ALTER_CONTEXT: u8 = 14;
pub const ALTER_CONTEXT_RESP: u8 = 15;

/// Suricata's name of a PDU type (EVE `request` / `response`).
pub fn type_name(t: u8) -> &'static str {
    const NAMES: [&str; 21] = [
        "REQUEST",
        "PING",
        "RESPONSE",
        "FAULT",
        "WORKING",
        "NOCALL",
        "REJECT",
        "ACK",
        "CL_CANCEL",
        "FACK",
        "CANCEL_ACK",
        "BIND",
        "BINDACK",
        "BINDNAK",
        "ALTER_CONTEXT",
        "ALTER_CONTEXT_RESP",
        "AUTH3",
        "SHUTDOWN",
        "CO_CANCEL",
        "ORPHANED",
        "RTS",
    ];
    NAMES.get(usize::from(t)).copied().unwrap_or("UNKNOWN")
}

/// One presentation context of a BIND or ALTER_CONTEXT: an interface (abstract syntax), and,
/// once the server answered, its result for it (0: accepted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    pub ctxid: u16,
    /// The interface UUID in its canonical (printed) byte order.
    pub uuid: [u8; 16],
    pub ver_major: u16,
    pub ver_minor: u16,
    pub ack_result: Option<u16>,
}

/// Request or response side of a call.
#[derive(Clone, Debug, Default)]
pub struct Side {
    /// PDU type that opened the side (`None`: not seen).
    pub ptype: Option<u8>,
    /// Fragments seen.
    pub frag_cnt: u32,
    /// Stub bytes of all fragments (EVE `stub_data_size`), kept or not.
    pub stub_len: u64,
    /// Stub data, reassembled across fragments, up to [`MAX_STUB`].
    pub stub: Vec<u8>,
    /// The last fragment was seen.
    pub done: bool,
    /// The side's first PDU carried the first-fragment flag (what `dce_iface` without
    /// `any_frag` asks).
    pub first_frag: bool,
    /// Little-endian data representation.
    pub little: bool,
}

/// A call: a BIND / ALTER_CONTEXT and its answer, or a REQUEST and its RESPONSE.
#[derive(Clone, Debug, Default)]
pub struct DcerpcTx {
    pub call_id: u32,
    pub opnum: u16,
    pub ctxid: u16,
    /// Header version (EVE `rpc_version`).
    pub rpc_vers: (u8, u8),
    pub req: Side,
    pub resp: Side,
    /// The contexts of a BIND, with the results of its BINDACK.
    pub interfaces: Vec<Context>,
    /// Directions whose inspection is due (bit 0 to server, bit 1 to client).
    inspect: u8,
    /// Directions inspected already.
    inspected: u8,
    logged: bool,
}

impl DcerpcTx {
    fn complete(&self) -> bool {
        self.req.done && self.resp.done
    }

    /// The stub of a direction (`dce_stub_data`): the request's to the server, the response's
    /// to the client.
    pub fn stub(&self, dir: Direction) -> &[u8] {
        match dir {
            Direction::ToServer => &self.req.stub,
            Direction::ToClient => &self.resp.stub,
        }
    }

    /// Whether the request's data representation is little-endian (the `dce` option of the
    /// byte keywords): the side's own, the request's when the side has none.
    pub fn little(&self, dir: Direction) -> bool {
        match dir {
            Direction::ToClient if self.resp.ptype.is_some() => self.resp.little,
            _ => self.req.little,
        }
    }

    /// The EVE `dcerpc` object, as Suricata 7 writes it.
    pub fn write_eve(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        match self.req.ptype {
            Some(t) => {
                let _ = write!(out, "\"request\":\"{}\"", type_name(t));
            }
            None => out.extend_from_slice(b"\"request\":\"REQUEST_LOST\""),
        }
        match self.req.ptype {
            Some(BIND) => {
                out.extend_from_slice(b",\"interfaces\":[");
                for (i, c) in self.interfaces.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"uuid\":\"");
                    write_uuid(out, &c.uuid);
                    let _ = write!(out, "\",\"version\":\"{}.{}\"", c.ver_major, c.ver_minor);
                    // A context the answer left out (or a BIND not answered) logs Suricata's
                    // default result, 0.
                    let _ = write!(out, ",\"ack_result\":{}}}", c.ack_result.unwrap_or(0));
                }
                out.push(b']');
            }
            Some(REQUEST) => {
                let _ = write!(
                    out,
                    ",\"req\":{{\"opnum\":{},\"frag_cnt\":{},\"stub_data_size\":{}}}",
                    self.opnum, self.req.frag_cnt, self.req.stub_len
                );
            }
            _ => {}
        }
        match self.resp.ptype {
            Some(t) => {
                let _ = write!(out, ",\"response\":\"{}\"", type_name(t));
                if t == RESPONSE {
                    let _ = write!(
                        out,
                        ",\"res\":{{\"frag_cnt\":{},\"stub_data_size\":{}}}",
                        self.resp.frag_cnt, self.resp.stub_len
                    );
                }
            }
            None => out.extend_from_slice(b",\"response\":\"UNREPLIED\""),
        }
        let _ = write!(
            out,
            ",\"call_id\":{},\"rpc_version\":\"{}.{}\"}}",
            self.call_id, self.rpc_vers.0, self.rpc_vers.1
        );
    }
}

/// Writes a UUID in its canonical form (lowercase, 8-4-4-4-12).
pub fn write_uuid(out: &mut Vec<u8>, u: &[u8; 16]) {
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        let _ = write!(out, "{b:02x}");
    }
}

/// The connection's binding as `dce_iface` sees it: the contexts of the last BIND or
/// ALTER_CONTEXT the server answered, with its results.
#[derive(Clone, Debug, Default)]
pub struct Binding {
    pub contexts: Vec<Context>,
    pub acked: bool,
}

/// DCE/RPC connection-oriented parser of one TCP flow.
#[derive(Default)]
pub struct DcerpcParser {
    /// A PDU split across segments, per direction (at most one fragment).
    pending: [Vec<u8>; 2],
    /// The direction can no longer be framed (a gap, or bytes that are no DCE/RPC header).
    lost: [bool; 2],
    /// Contexts of the last BIND / ALTER_CONTEXT, waiting for their answer.
    proposed: Vec<Context>,
    binding: Binding,
    txs: VecDeque<DcerpcTx>,
    ended: bool,
}

impl DcerpcParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The binding in force (the accepted contexts).
    pub fn binding(&self) -> &Binding {
        &self.binding
    }

    fn pdu(&mut self, d: usize, pdu: &[u8]) {
        let little = pdu[4] & 0x10 != 0;
        let u16_at = |o: usize| u16_at(pdu, o, little);
        let ptype = pdu[2];
        let flags = pdu[3];
        let call_id = {
            let b = [pdu[12], pdu[13], pdu[14], pdu[15]];
            if little {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }
        };
        let vers = (pdu[0], pdu[1]);
        match (d, ptype) {
            (0, REQUEST) => {
                let (Some(ctxid), Some(opnum)) = (u16_at(20), u16_at(22)) else {
                    return;
                };
                // Suricata 7's stub is the rest of the PDU after the opnum: an object UUID and
                // the authentication verifier are part of it.
                let stub = pdu.get(24..).unwrap_or(&[]);
                let i = match self.txs.iter().position(|t| {
                    t.call_id == call_id && t.req.ptype == Some(REQUEST) && !t.req.done
                }) {
                    Some(i) => i,
                    None => {
                        let mut tx = DcerpcTx {
                            call_id,
                            opnum,
                            ctxid,
                            rpc_vers: vers,
                            ..Default::default()
                        };
                        tx.req.ptype = Some(REQUEST);
                        tx.req.first_frag = flags & PFC_FIRST_FRAG != 0;
                        tx.req.little = little;
                        self.push(tx)
                    }
                };
                let tx = &mut self.txs[i];
                add_stub(&mut tx.req, stub);
                if flags & PFC_LAST_FRAG != 0 {
                    tx.req.done = true;
                    tx.inspect |= 1;
                }
            }
            (1, RESPONSE) => {
                // Suricata 7's response stub is the rest of the PDU after the common header:
                // the alloc hint, context id, cancel count and verifier are part of it.
                let stub = pdu.get(HDR..).unwrap_or(&[]);
                let Some(i) = self.txs.iter().position(|t| {
                    t.call_id == call_id
                        && t.req.ptype == Some(REQUEST)
                        && !t.resp.done
                        && (t.resp.ptype.is_none() || t.resp.ptype == Some(ptype))
                }) else {
                    return;
                };
                let tx = &mut self.txs[i];
                if tx.resp.ptype.is_none() {
                    tx.resp.ptype = Some(ptype);
                    tx.resp.first_frag = flags & PFC_FIRST_FRAG != 0;
                    tx.resp.little = little;
                }
                add_stub(&mut tx.resp, stub);
                if flags & PFC_LAST_FRAG != 0 {
                    tx.resp.done = true;
                    tx.inspect |= 2;
                }
            }
            (0, BIND | ALTER_CONTEXT) => {
                self.proposed = parse_contexts(pdu, little);
                let mut tx = DcerpcTx {
                    call_id,
                    rpc_vers: vers,
                    ..Default::default()
                };
                tx.req.ptype = Some(ptype);
                tx.req.done = true;
                tx.req.little = little;
                if ptype == BIND {
                    tx.interfaces = self.proposed.clone();
                }
                self.push(tx);
            }
            (1, BIND_ACK | ALTER_CONTEXT_RESP) => {
                let want = if ptype == BIND_ACK {
                    BIND
                } else {
                    ALTER_CONTEXT
                };
                let results = parse_results(pdu, little);
                let mut contexts = self.proposed.clone();
                for (c, r) in contexts.iter_mut().zip(&results) {
                    c.ack_result = Some(*r);
                }
                self.binding = Binding {
                    contexts,
                    acked: true,
                };
                let Some(i) = self.txs.iter().position(|t| {
                    t.call_id == call_id && t.req.ptype == Some(want) && !t.resp.done
                }) else {
                    return;
                };
                let tx = &mut self.txs[i];
                tx.resp.ptype = Some(ptype);
                tx.resp.done = true;
                if want == BIND {
                    tx.interfaces = self.binding.contexts.clone();
                }
            }
            // Suricata 7 handles the six types above; any other PDU (AUTH3, FAULT, BIND_NAK,
            // ...) is a parser error, after which nothing more of the flow is parsed.
            _ => self.lost = [true, true],
        }
    }

    /// Adds a call, evicting (marking done) the oldest when too many are open.
    fn push(&mut self, tx: DcerpcTx) -> usize {
        if self.txs.len() >= MAX_OPEN {
            if let Some(t) = self.txs.iter_mut().find(|t| !t.logged) {
                t.req.done = true;
                t.resp.done = true;
            }
        }
        self.txs.push_back(tx);
        self.txs.len() - 1
    }
}

fn add_stub(side: &mut Side, stub: &[u8]) {
    side.frag_cnt += 1;
    side.stub_len += stub.len() as u64;
    let room = MAX_STUB.saturating_sub(side.stub.len());
    side.stub.extend_from_slice(&stub[..stub.len().min(room)]);
}

/// The UUID at `at`, its first three fields read in the PDU's byte order, in canonical order.
fn uuid_at(pdu: &[u8], at: usize, little: bool) -> Option<[u8; 16]> {
    let b = pdu.get(at..at + 16)?;
    let mut u = [0u8; 16];
    u.copy_from_slice(b);
    if little {
        u[0..4].reverse();
        u[4..6].reverse();
        u[6..8].reverse();
    }
    Some(u)
}

/// The presentation contexts of a BIND or ALTER_CONTEXT (what fits in the PDU).
fn parse_contexts(pdu: &[u8], little: bool) -> Vec<Context> {
    let u16_at = |o: usize| u16_at(pdu, o, little);
    let mut out = Vec::new();
    let Some(&n) = pdu.get(24) else {
        return out;
    };
    let mut at = 28;
    for _ in 0..n {
        if out.len() >= MAX_CONTEXTS {
            break;
        }
        let (Some(ctxid), Some(&ntrans), Some(uuid), Some(major), Some(minor)) = (
            u16_at(at),
            pdu.get(at + 2),
            uuid_at(pdu, at + 4, little),
            u16_at(at + 20),
            u16_at(at + 22),
        ) else {
            break;
        };
        out.push(Context {
            ctxid,
            uuid,
            ver_major: major,
            ver_minor: minor,
            ack_result: None,
        });
        at += 24 + 20 * usize::from(ntrans);
    }
    out
}

/// The results of a BIND_ACK or ALTER_CONTEXT_RESP, in context order.
fn parse_results(pdu: &[u8], little: bool) -> Vec<u16> {
    let u16_at = |o: usize| u16_at(pdu, o, little);
    let mut out = Vec::new();
    // Secondary address (length, string), then padding to a 4-byte boundary.
    let Some(addr_len) = u16_at(24) else {
        return out;
    };
    let at = 26 + usize::from(addr_len);
    let at = (at + 3) & !3;
    let Some(&n) = pdu.get(at) else {
        return out;
    };
    for i in 0..usize::from(n).min(MAX_CONTEXTS) {
        match u16_at(at + 4 + 24 * i) {
            Some(r) => out.push(r),
            None => break,
        }
    }
    out
}

impl AppParser for DcerpcParser {
    fn proto(&self) -> AppProto {
        AppProto::Dcerpc
    }

    fn feed(&mut self, dir: Direction, mut data: &[u8]) {
        let d = match dir {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        };
        while !data.is_empty() && !self.lost[d] {
            // Whole PDUs in the data are parsed where they are, without a copy.
            if self.pending[d].is_empty() && data.len() >= HDR && header_ok(&data[..HDR]) {
                let need = frag_len(data);
                if data.len() >= need {
                    self.pdu(d, &data[..need]);
                    data = &data[need..];
                    continue;
                }
            }
            let mut pending = std::mem::take(&mut self.pending[d]);
            // The header first, then the rest of the fragment it announces.
            if pending.len() < HDR {
                let take = (HDR - pending.len()).min(data.len());
                pending.extend_from_slice(&data[..take]);
                data = &data[take..];
                if pending.len() < HDR {
                    self.pending[d] = pending;
                    return;
                }
                if !header_ok(&pending) {
                    // A parser error in Suricata: the flow's parsing stops.
                    self.lost = [true, true];
                    return;
                }
            }
            let need = frag_len(&pending);
            let take = need.saturating_sub(pending.len()).min(data.len());
            pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if pending.len() == need {
                self.pdu(d, &pending);
                pending.clear();
            }
            self.pending[d] = pending;
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        // PDUs cannot be found again after lost bytes.
        let d = match dir {
            Direction::ToServer => 0,
            Direction::ToClient => 1,
        };
        self.pending[d] = Vec::new();
        self.lost[d] = true;
    }

    fn finish(&mut self) {
        self.ended = true;
        // Suricata inspects a call in both directions by the flow's end, answered or not.
        for t in &mut self.txs {
            if t.req.ptype == Some(REQUEST) {
                t.inspect |= !t.inspected & 3;
            }
        }
    }

    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        for i in 0..self.txs.len() {
            let t = &mut self.txs[i];
            let inspect = std::mem::take(&mut t.inspect) & !t.inspected;
            t.inspected |= inspect;
            let log = !t.logged && (t.complete() || at_end || self.ended);
            if log {
                t.logged = true;
            }
            if inspect == 0 && !log {
                continue;
            }
            let t = &self.txs[i];
            for (bit, dir) in [(1, Direction::ToServer), (2, Direction::ToClient)] {
                if inspect & bit != 0 {
                    out(Tx::Dcerpc {
                        tx: t,
                        binding: &self.binding,
                        inspect: Some(dir),
                        log: false,
                    });
                }
            }
            if log {
                out(Tx::Dcerpc {
                    tx: t,
                    binding: &self.binding,
                    inspect: None,
                    log: true,
                });
            }
        }
        while self.txs.front().is_some_and(|t| t.logged) {
            self.txs.pop_front();
        }
    }

    fn is_done(&self) -> bool {
        self.lost[0] && self.lost[1]
    }
}

/// The 16-bit field at `o` in the PDU's byte order (`little`: its data representation's
/// integer flag), if the PDU holds it.
fn u16_at(pdu: &[u8], o: usize, little: bool) -> Option<u16> {
    let b = [*pdu.get(o)?, *pdu.get(o + 1)?];
    Some(if little {
        u16::from_le_bytes(b)
    } else {
        u16::from_be_bytes(b)
    })
}

fn frag_len(h: &[u8]) -> usize {
    usize::from(u16_at(h, 8, h[4] & 0x10 != 0).unwrap_or(0))
}

/// A header the parser can frame by: version 5.0/5.1 and a fragment that holds the header.
fn header_ok(h: &[u8]) -> bool {
    h[0] == 5 && h[1] <= 1 && frag_len(h) >= HDR
}

#[cfg(test)]
mod tests;
