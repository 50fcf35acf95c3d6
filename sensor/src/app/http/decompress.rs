//! Body decompression: `Content-Encoding: gzip` / `deflate` (and layers of them), inflated as
//! the body arrives, the way libhtp 0.5 does it for Suricata 7.
//!
//! * Codings come from the Content-Encoding value (repeated headers joined): an exact `gzip`,
//!   `x-gzip`, `deflate` or `x-deflate` (case and NUL bytes ignored) is one layer; anything else
//!   is split on `,` and space, and each token counts towards the layer limit: a token that
//!   contains `gzip` or `deflate` is a layer, others (`identity`, `br`, `lzma`, ...) are not
//!   decoded. Layers are applied in header order (libhtp's order, not the reverse the RFC
//!   implies; each layer accepts every format, so the order rarely matters).
//! * Every layer accepts gzip, zlib and raw deflate. It starts with the format its token names
//!   (gzip: a gzip or zlib header; deflate: raw) and, when the stream fails before producing
//!   anything, restarts on the bytes seen so far as libhtp does: once more after skipping
//!   what libhtp's probe takes for a gzip header, then with the other format, then the first
//!   again. When all fail, the layer's input is taken as not compressed and passed through raw
//!   (straight to the body, as libhtp's callback does).
//! * A stream that fails after producing output stops there: what it produced is kept, the
//!   rest of the body is not decoded. The gzip trailer and anything after the end of the first
//!   stream are ignored (libhtp does not read them either).
//! * Bounds: the final output is cut at the body limit and decoding stops there (nothing
//!   beyond the kept prefix is ever inflated), and all layers together inflate at most
//!   [`work_bound`] bytes per body (see there). State is allocated when a compressed body
//!   starts (per layer: the inflater with its 32 KiB window, an 8 KiB output buffer, the
//!   restart buffer) and freed when it ends; uncompressed bodies never get here.
//!
//! Nothing here panics on any input (property-tested).

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// Most layers decoded whatever the configuration says (a layer holds ~50 KiB while its body
/// is in progress). Suricata's default limit is 2.
pub const MAX_LAYERS: usize = 8;

/// Output buffer of one layer.
const OUT_BUF: usize = 8192;

/// Input bytes of a layer kept while it has produced nothing, to restart on (libhtp restarts on
/// the data chunk in hand; a header and the first block's code tables fit well within this).
const HEAD_KEEP: usize = 1024;

/// The coding a Content-Encoding token names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Deflate,
}

/// The codings to undo, in the order they are applied to the body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Codings {
    list: [Option<Coding>; MAX_LAYERS],
    len: usize,
}

impl Codings {
    pub(crate) fn as_slice(&self) -> impl Iterator<Item = Coding> + '_ {
        self.list[..self.len].iter().flatten().copied()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, c: Coding) {
        if self.len < MAX_LAYERS {
            self.list[self.len] = Some(c);
            self.len += 1;
        }
    }
}

/// ASCII case-insensitive equality that skips NUL bytes in `value` (libhtp's
/// `bstr_cmp_c_nocasenorzero`).
fn eq_nocase_nozero(value: &[u8], want: &[u8]) -> bool {
    let mut it = value.iter().filter(|&&c| c != 0);
    for &w in want {
        match it.next() {
            Some(c) if c.eq_ignore_ascii_case(&w) => {}
            _ => return false,
        }
    }
    it.next().is_none()
}

fn contains_nocase(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The layers a Content-Encoding value asks for. `layer_limit` counts tokens as libhtp does
/// (0: no limit besides [`MAX_LAYERS`]).
pub(crate) fn codings(value: &[u8], layer_limit: u32) -> Codings {
    let mut out = Codings::default();
    if eq_nocase_nozero(value, b"gzip") || eq_nocase_nozero(value, b"x-gzip") {
        out.push(Coding::Gzip);
        return out;
    }
    if eq_nocase_nozero(value, b"deflate") || eq_nocase_nozero(value, b"x-deflate") {
        out.push(Coding::Deflate);
        return out;
    }
    if eq_nocase_nozero(value, b"lzma") || eq_nocase_nozero(value, b"inflate") {
        return out;
    }
    let sep = |c: &u8| *c == b',' || *c == b' ';
    let mut input = value;
    let mut layers = 0u32;
    // libhtp's tokenizer: skip separators, take a token, then advance by the token's length
    // plus one from where the search started (so runs of separators shift the next token).
    while !input.is_empty() {
        let skip = input.iter().take_while(|c| sep(c)).count();
        let rest = &input[skip..];
        if rest.is_empty() {
            break;
        }
        let tok_len = rest.iter().take_while(|c| !sep(c)).count();
        let tok = &rest[..tok_len];
        layers += 1;
        if layer_limit != 0 && layers > layer_limit {
            break;
        }
        if contains_nocase(tok, b"gzip") {
            out.push(Coding::Gzip);
        } else if contains_nocase(tok, b"deflate") {
            out.push(Coding::Deflate);
        }
        if tok_len + 1 >= input.len() {
            break;
        }
        input = &input[tok_len + 1..];
    }
    out
}

/// Bytes all layers of one body may inflate together: the final output stops at the body
/// limit anyway, so this only bounds what inner layers produce for outer ones (a bomb inside
/// a bomb, or an inner stream that inflates to empty blocks). An absolute bound rather than
/// libhtp's ratio (2048 times the compressed size past 1 MiB): the kept output is capped, so a
/// bomb can only cost time, and a ratio lets that time grow with the compressed size while an
/// absolute bound caps it per body. Generous for real data: an inner layer's output is the
/// compressed form of the next, about as large as what that layer keeps.
pub(crate) fn work_bound(limit: usize) -> u64 {
    (limit as u64).saturating_mul(4).max(1 << 20)
}

/// How a layer's current attempt reads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// A gzip header (then raw deflate) or a zlib stream, told apart by the first two bytes
    /// (zlib's `windowBits` 15 + 32).
    Auto,
    Raw,
}

/// libhtp's restart sequence per coding: (mode, skip libhtp's gzip-header probe).
fn attempt(kind: Coding, n: u8) -> Option<(Mode, bool)> {
    use Mode::*;
    let seq: [(Mode, bool); 4] = match kind {
        Coding::Gzip => [(Auto, false), (Auto, true), (Raw, true), (Auto, true)],
        Coding::Deflate => [(Raw, false), (Raw, true), (Auto, true), (Raw, true)],
    };
    seq.get(n as usize).copied()
}

/// libhtp's gzip header probe: how many bytes to skip when the data starts like a gzip member
/// with a non-zero flag byte (FNAME/FCOMMENT: up to the first NUL after the fixed header;
/// FHCRC: 12; otherwise 10). Zero when it does not apply or the data is too short for it.
fn probe(d: &[u8]) -> usize {
    probe_ready(d).unwrap_or(0)
}

/// [`probe`], or `None` while more bytes could change its answer (libhtp probes the chunk in
/// hand, which holds the whole header in practice; waiting for it keeps the result the same
/// however the body is split).
fn probe_ready(d: &[u8]) -> Option<usize> {
    match d {
        [a, ..] if *a != 0x1f => return Some(0),
        [_, b, ..] if *b != 0x8b => return Some(0),
        [_, _, _, 0, ..] => return Some(0),
        _ if d.len() < 4 => return None,
        _ => {}
    }
    let need = if d[3] & (0x08 | 0x10) != 0 {
        let nul = d.get(10..)?.iter().position(|&c| c == 0)?;
        10 + nul + 1
    } else if d[3] & 0x02 != 0 {
        12
    } else {
        10
    };
    (need <= d.len()).then_some(need)
}

/// Reading a gzip member header (RFC 1952) as zlib does: method 8, no reserved flag bits;
/// the optional fields are skipped (the header CRC is not checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GzHeader {
    part: GzPart,
    flags: u8,
    /// Bytes of the current part read (fixed header, extra length, CRC).
    n: u8,
    /// Extra field length, then what is left of it.
    len: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GzPart {
    Fixed,
    ExtraLen,
    Extra,
    Name,
    Comment,
    Crc,
    Done,
}

const FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;

impl GzHeader {
    fn new() -> GzHeader {
        GzHeader {
            part: GzPart::Fixed,
            flags: 0,
            n: 0,
            len: 0,
        }
    }

    /// The optional part after `from` that the flags ask for.
    fn next_part(&self, from: GzPart) -> GzPart {
        [
            (GzPart::ExtraLen, FEXTRA),
            (GzPart::Name, FNAME),
            (GzPart::Comment, FCOMMENT),
            (GzPart::Crc, FHCRC),
        ]
        .into_iter()
        .find(|&(p, f)| p > from && self.flags & f != 0)
        .map_or(GzPart::Done, |(p, _)| p)
    }

    /// Consumes header bytes: `Ok(Some(n))` when the header ended after `n` bytes of `d`,
    /// `Ok(None)` when all of `d` was header, `Err` when this is not a gzip header zlib takes.
    fn feed(&mut self, d: &[u8]) -> Result<Option<usize>, ()> {
        let mut i = 0;
        loop {
            // Parts that end without another byte.
            let (part, n) = (self.part, self.n);
            let ended = match part {
                GzPart::Fixed => n == 10,
                GzPart::ExtraLen => n == 2,
                GzPart::Extra => self.len == 0,
                GzPart::Crc => n == 2,
                GzPart::Done => return Ok(Some(i)),
                GzPart::Name | GzPart::Comment => false,
            };
            if ended {
                self.part = if part == GzPart::ExtraLen {
                    GzPart::Extra
                } else {
                    self.next_part(part)
                };
                self.n = 0;
                continue;
            }
            let Some(&b) = d.get(i) else {
                return Ok(None);
            };
            i += 1;
            match part {
                GzPart::Fixed => {
                    let ok = match n {
                        0 => b == 0x1f,
                        1 => b == 0x8b,
                        2 => b == 8,
                        3 => b & 0xe0 == 0,
                        _ => true,
                    };
                    if !ok {
                        return Err(());
                    }
                    if n == 3 {
                        self.flags = b;
                    }
                    self.n += 1;
                }
                GzPart::ExtraLen => {
                    self.len |= u16::from(b) << (8 * n);
                    self.n += 1;
                }
                GzPart::Extra => {
                    // This byte and as many more of the field as are here.
                    let take = (usize::from(self.len) - 1).min(d.len() - i);
                    i += take;
                    self.len -= 1 + take as u16;
                }
                GzPart::Name | GzPart::Comment => {
                    if b == 0 {
                        self.part = self.next_part(part);
                    }
                }
                GzPart::Crc => self.n += 1,
                GzPart::Done => {}
            }
        }
    }
}

/// Where a layer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Auto mode before the first two bytes (the first one held when it came alone).
    Sniff {
        held: Option<u8>,
    },
    Header(GzHeader),
    Inflate,
    /// The stream ended (or failed after producing output): input is ignored.
    Done,
    /// Not compressed as far as this layer can tell: input goes to the body as is.
    Passthrough,
    /// A restart waits for enough of the head to probe it.
    Wait,
}

/// The current attempt failed before producing anything.
struct Restart;

struct Layer {
    kind: Coding,
    attempt: u8,
    step: Step,
    inflater: Box<InflateState>,
    out: Box<[u8]>,
    /// The first input bytes (up to [`HEAD_KEEP`]) while the layer has produced nothing.
    head: Vec<u8>,
    /// Bytes this layer has taken in.
    fed: u64,
    /// Output held in `out`, not yet passed on: an attempt that fails before its output is
    /// passed on is restarted and that output dropped (libhtp passes a decoder's output on
    /// when its 8 KiB buffer fills or the stream ends; before that, garbage from trying the
    /// wrong format is thrown away with the failed attempt).
    pending: usize,
    /// Bytes passed on.
    produced: u64,
}

impl Layer {
    fn new(kind: Coding) -> Layer {
        let mut l = Layer {
            kind,
            attempt: 0,
            step: Step::Done,
            inflater: InflateState::new_boxed(DataFormat::Raw),
            out: vec![0; OUT_BUF].into_boxed_slice(),
            head: Vec::with_capacity(HEAD_KEEP),
            fed: 0,
            pending: 0,
            produced: 0,
        };
        l.start_attempt();
        l
    }

    /// Sets up the current attempt; its probe skip, or `None` when no attempt is left.
    fn start_attempt(&mut self) -> Option<bool> {
        let (mode, skip) = attempt(self.kind, self.attempt)?;
        self.step = match mode {
            Mode::Auto => Step::Sniff { held: None },
            Mode::Raw => {
                self.inflater.reset(DataFormat::Raw);
                Step::Inflate
            }
        };
        Some(skip)
    }
}

/// What a decoder saw, read when its body ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DecodeResult {
    /// Some layer produced output.
    pub inflated: bool,
    /// Some layer failed: not compressed as labelled (passed through), corrupt, or cut by the
    /// work bound or a gap.
    pub error: bool,
    /// Some layer would not inflate (libhtp's "GZip decompressor" warning): its restarts all
    /// failed, or its stream went corrupt. Truncation, gaps and the work bound are not this.
    pub failed: bool,
}

/// The decoder of one body in progress.
pub(crate) struct BodyDecoder {
    layers: Vec<Layer>,
    /// Body bytes kept (the body limit).
    limit: usize,
    /// Bytes all layers may still inflate.
    budget: u64,
    /// Decoding stopped: the kept prefix is full, or a bound or a gap ended it.
    stopped: bool,
    result: DecodeResult,
}

impl std::fmt::Debug for BodyDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyDecoder")
            .field("layers", &self.layers.len())
            .field("stopped", &self.stopped)
            .field("result", &self.result)
            .finish()
    }
}

impl BodyDecoder {
    /// A decoder for `codings` keeping `limit` bytes; `None` when there is nothing to decode.
    pub(crate) fn new(codings: &Codings, limit: usize) -> Option<Box<BodyDecoder>> {
        if codings.is_empty() {
            return None;
        }
        Some(Box::new(BodyDecoder {
            layers: codings.as_slice().map(Layer::new).collect(),
            limit,
            budget: work_bound(limit),
            stopped: limit == 0,
            result: DecodeResult::default(),
        }))
    }

    /// Heap bytes held (at most [`max_decoder_bytes`] for its layer count).
    pub(crate) fn heap_bytes(&self) -> usize {
        std::mem::size_of::<BodyDecoder>()
            + self
                .layers
                .iter()
                .map(|l| {
                    std::mem::size_of::<Layer>()
                        + std::mem::size_of::<InflateState>()
                        + l.out.len()
                        + l.head.capacity()
                })
                .sum::<usize>()
    }

    /// Decodes the next body bytes (de-chunked, in order), appending to `body` up to the
    /// limit.
    pub(crate) fn feed(&mut self, data: &[u8], body: &mut Vec<u8>) {
        if self.stopped || data.is_empty() {
            return;
        }
        let mut ctx = Ctx {
            body,
            limit: self.limit,
            budget: &mut self.budget,
            result: &mut self.result,
            stop: false,
        };
        feed_layers(&mut self.layers, data, &mut ctx);
        self.stopped = ctx.stop;
    }

    /// Body bytes were lost: the stream cannot go on.
    pub(crate) fn gap(&mut self) {
        if !self.stopped {
            self.stopped = true;
            self.result.error = true;
        }
    }

    /// The body ended: passes on the output the layers still hold, then says what happened.
    pub(crate) fn finish(&mut self, body: &mut Vec<u8>) -> DecodeResult {
        if !self.stopped {
            let mut ctx = Ctx {
                body,
                limit: self.limit,
                budget: &mut self.budget,
                result: &mut self.result,
                stop: false,
            };
            for i in 0..self.layers.len() {
                let (layer, rest) = self.layers[i..].split_first_mut().expect("in range");
                commit(layer, rest, &mut ctx);
            }
        }
        self.result()
    }

    /// What happened so far. A stream still in progress when the body ended (not stopped at
    /// the limit) was truncated: an error.
    fn result(&self) -> DecodeResult {
        let mut r = self.result;
        let truncated = self.layers.iter().any(|l| {
            l.fed > 0
                && matches!(
                    l.step,
                    Step::Sniff { .. } | Step::Header(_) | Step::Inflate | Step::Wait
                )
        });
        r.error |= truncated && !self.stopped;
        r
    }
}

/// The most a decoder of `layers` layers holds.
#[cfg(test)]
pub(crate) fn max_decoder_bytes(layers: usize) -> usize {
    std::mem::size_of::<BodyDecoder>()
        + layers.min(MAX_LAYERS)
            * (std::mem::size_of::<Layer>()
                + std::mem::size_of::<InflateState>()
                + OUT_BUF
                + HEAD_KEEP)
}

/// State of one feed through the layers.
struct Ctx<'a> {
    body: &'a mut Vec<u8>,
    limit: usize,
    budget: &'a mut u64,
    result: &'a mut DecodeResult,
    /// The kept prefix is full or the work bound was reached: decoding stops.
    stop: bool,
}

impl Ctx<'_> {
    fn keep(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.body.len());
        let n = room.min(bytes.len());
        self.body.extend_from_slice(&bytes[..n]);
        if self.body.len() >= self.limit {
            self.stop = true;
        }
    }
}

/// Feeds `data` to the first of `layers`; its output goes to the next one, the last one's to
/// the body.
fn feed_layers(layers: &mut [Layer], data: &[u8], ctx: &mut Ctx<'_>) {
    let Some((layer, rest)) = layers.split_first_mut() else {
        ctx.keep(data);
        return;
    };
    let prev = layer.fed;
    layer.fed += data.len() as u64;
    if layer.produced == 0 && prev == layer.head.len() as u64 && layer.head.len() < HEAD_KEEP {
        let take = (HEAD_KEEP - layer.head.len()).min(data.len());
        layer.head.extend_from_slice(&data[..take]);
    }
    if layer.step == Step::Wait {
        restart(layer, rest, data, prev, ctx, false);
    } else if run(layer, rest, data, ctx).is_err() {
        restart(layer, rest, data, prev, ctx, true);
    }
}

/// The current attempt failed before producing output: the next attempts run on the input
/// so far when the kept head and `data` (which started `prev` bytes in) cover it, else on
/// `data` alone (libhtp restarts on the chunk in hand); when all fail, that input goes to the
/// body as is, and so does the rest of the layer's. `next`: move on to the next attempt (else
/// retry the current one, which was waiting for its probe).
fn restart(
    layer: &mut Layer,
    rest: &mut [Layer],
    data: &[u8],
    prev: u64,
    ctx: &mut Ctx<'_>,
    next: bool,
) {
    // libhtp warns on every failed attempt, even one a restart recovers from.
    ctx.result.failed |= next;
    let input = match usize::try_from(prev) {
        Ok(prev) if prev <= layer.head.len() => {
            let mut v = std::mem::take(&mut layer.head);
            let covered = (v.len() - prev).min(data.len());
            v.extend_from_slice(&data[covered..]);
            v
        }
        _ => data.to_vec(),
    };
    // Whether `input` is all the layer's input so far (later restarts may use it again).
    let whole = usize::try_from(prev).is_ok_and(|p| p + data.len() == input.len());
    let mut next = next;
    loop {
        if next {
            layer.attempt += 1;
        }
        next = true;
        let Some(skip) = layer.start_attempt() else {
            break;
        };
        let from = match (skip, probe_ready(&input)) {
            (false, _) => 0,
            (true, Some(n)) => n,
            (true, None) if whole && input.len() < HEAD_KEEP => {
                layer.step = Step::Wait;
                layer.head = input;
                return;
            }
            (true, None) => probe(&input),
        };
        if run(layer, rest, &input[from..], ctx).is_ok() {
            if whole && layer.produced == 0 {
                let mut input = input;
                input.truncate(HEAD_KEEP);
                layer.head = input;
            }
            return;
        }
        ctx.result.failed = true;
    }
    ctx.result.error = true;
    ctx.result.failed = true;
    layer.step = Step::Passthrough;
    ctx.keep(&input);
}

/// Runs the layer's current attempt over `data`.
fn run(
    layer: &mut Layer,
    rest: &mut [Layer],
    mut data: &[u8],
    ctx: &mut Ctx<'_>,
) -> Result<(), Restart> {
    while !data.is_empty() && !ctx.stop {
        match layer.step {
            Step::Done | Step::Wait => return Ok(()),
            Step::Passthrough => {
                ctx.keep(data);
                return Ok(());
            }
            Step::Sniff { held } => {
                let (b0, b1) = match held {
                    Some(h) => (h, data[0]),
                    None if data.len() >= 2 => (data[0], data[1]),
                    None => {
                        layer.step = Step::Sniff {
                            held: Some(data[0]),
                        };
                        return Ok(());
                    }
                };
                if b0 == 0x1f && b1 == 0x8b {
                    layer.step = Step::Header(GzHeader::new());
                } else {
                    layer.inflater.reset(DataFormat::Zlib);
                    layer.step = Step::Inflate;
                }
                if let Some(h) = held {
                    run(layer, rest, &[h], ctx)?;
                }
            }
            Step::Header(mut h) => match h.feed(data) {
                Err(()) => return Err(Restart),
                Ok(None) => {
                    layer.step = Step::Header(h);
                    return Ok(());
                }
                Ok(Some(n)) => {
                    data = &data[n..];
                    layer.inflater.reset(DataFormat::Raw);
                    layer.step = Step::Inflate;
                }
            },
            Step::Inflate => return inflate_some(layer, rest, data, ctx),
        }
    }
    Ok(())
}

/// Passes the layer's held output on (to the next layer or the body).
fn commit(layer: &mut Layer, rest: &mut [Layer], ctx: &mut Ctx<'_>) {
    let n = std::mem::take(&mut layer.pending);
    if n == 0 || ctx.stop {
        return;
    }
    layer.produced += n as u64;
    layer.head = Vec::new();
    ctx.result.inflated = true;
    feed_layers(rest, &layer.out[..n], ctx);
}

/// Inflates `data` into the layer's buffer, passing it on when full, and drains what the
/// inflater still holds.
fn inflate_some(
    layer: &mut Layer,
    rest: &mut [Layer],
    mut data: &[u8],
    ctx: &mut Ctx<'_>,
) -> Result<(), Restart> {
    loop {
        if ctx.stop {
            return Ok(());
        }
        let room = OUT_BUF - layer.pending;
        let r = inflate(
            &mut layer.inflater,
            data,
            &mut layer.out[layer.pending..],
            MZFlush::None,
        );
        let consumed = r.bytes_consumed.min(data.len());
        data = &data[consumed..];
        let written = r.bytes_written.min(room);
        if written > 0 {
            if *ctx.budget < written as u64 {
                // The work bound: stop here.
                *ctx.budget = 0;
                ctx.result.error = true;
                ctx.stop = true;
                return Ok(());
            }
            *ctx.budget -= written as u64;
            layer.pending += written;
        }
        let filled = written == room;
        if layer.pending == OUT_BUF {
            commit(layer, rest, ctx);
        }
        match r.status {
            Ok(MZStatus::StreamEnd) => {
                commit(layer, rest, ctx);
                layer.step = Step::Done;
                return Ok(());
            }
            // The output buffer filled: more may be waiting even with no input left.
            Ok(_) if filled => {}
            Ok(_) if data.is_empty() || (consumed == 0 && written == 0) => return Ok(()),
            Ok(_) => {}
            Err(MZError::Buf) => return Ok(()),
            Err(_) => {
                layer.pending = 0;
                if layer.produced == 0 {
                    return Err(Restart);
                }
                // Corrupt after some output: keep what was passed on, decode no more of
                // this layer.
                ctx.result.error = true;
                ctx.result.failed = true;
                layer.step = Step::Done;
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};
    use proptest::prelude::*;

    fn text(n: usize) -> Vec<u8> {
        (0..n)
            .map(|i| b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE! "[i % 36] ^ (i / 97) as u8 & 7)
            .collect()
    }

    /// A gzip member: `flags` adds the optional fields (FEXTRA, FNAME, FCOMMENT, FHCRC).
    fn gzip_with(plain: &[u8], flags: u8) -> Vec<u8> {
        let mut v = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3];
        if flags & FEXTRA != 0 {
            v.extend_from_slice(&[5, 0, b'a', b'b', 2, 0, 1]);
        }
        if flags & FNAME != 0 {
            v.extend_from_slice(b"eicar.txt\0");
        }
        if flags & FCOMMENT != 0 {
            v.extend_from_slice(b"a comment\0");
        }
        if flags & FHCRC != 0 {
            v.extend_from_slice(&[0xab, 0xcd]);
        }
        v.extend(compress_to_vec(plain, 6));
        v.extend_from_slice(&[1, 2, 3, 4]); // CRC (not checked)
        v.extend_from_slice(&(plain.len() as u32).to_le_bytes());
        v
    }

    fn gzip(plain: &[u8]) -> Vec<u8> {
        gzip_with(plain, 0)
    }

    fn decode_pieces(ce: &[u8], pieces: &[&[u8]], limit: usize) -> (Vec<u8>, DecodeResult) {
        let mut body = Vec::new();
        let Some(mut d) = BodyDecoder::new(&codings(ce, 2), limit) else {
            for p in pieces {
                body.extend_from_slice(p);
            }
            return (body, DecodeResult::default());
        };
        for p in pieces {
            d.feed(p, &mut body);
            assert!(body.len() <= limit);
        }
        let r = d.finish(&mut body);
        assert!(body.len() <= limit);
        (body, r)
    }

    fn decode(ce: &[u8], wire: &[u8], limit: usize) -> (Vec<u8>, DecodeResult) {
        decode_pieces(ce, &[wire], limit)
    }

    /// Decodes whole, one byte at a time, and cut in two at every position: all the same.
    fn decode_every_split(ce: &[u8], wire: &[u8], limit: usize) -> (Vec<u8>, DecodeResult) {
        let whole = decode(ce, wire, limit);
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        assert_eq!(decode_pieces(ce, &bytes, limit), whole, "byte by byte");
        for cut in 0..=wire.len() {
            let (a, b) = wire.split_at(cut);
            assert_eq!(decode_pieces(ce, &[a, b], limit), whole, "cut at {cut}");
        }
        whole
    }

    const OK: DecodeResult = DecodeResult {
        inflated: true,
        error: false,
        failed: false,
    };

    #[test]
    fn content_encoding_tokens_like_libhtp() {
        let c = |v: &[u8], lim| codings(v, lim).as_slice().collect::<Vec<_>>();
        use Coding::*;
        assert_eq!(c(b"gzip", 2), [Gzip]);
        assert_eq!(c(b"X-GZip", 2), [Gzip]);
        assert_eq!(c(b"g\0zip", 2), [Gzip]);
        assert_eq!(c(b"deflate", 2), [Deflate]);
        assert_eq!(c(b"x-deflate", 0), [Deflate]);
        assert!(c(b"identity", 2).is_empty());
        assert!(c(b"lzma", 2).is_empty());
        assert!(c(b"br", 2).is_empty());
        assert_eq!(c(b"gzip, deflate", 2), [Gzip, Deflate]);
        assert_eq!(c(b"gzip,deflate,gzip", 2), [Gzip, Deflate]);
        assert_eq!(c(b"gzip,deflate,gzip", 3), [Gzip, Deflate, Gzip]);
        // Unknown tokens count towards the limit.
        assert_eq!(c(b"identity, gzip, gzip", 2), [Gzip]);
        // Tokens that contain the name.
        assert_eq!(c(b"xgzipx, foo-deflate", 2), [Gzip, Deflate]);
        // No limit, but never more than MAX_LAYERS.
        assert_eq!(c(&b"gzip,".repeat(20), 0).len(), MAX_LAYERS);
        // libhtp's tokenizer: a run of separators shifts the next token ("deflate" then "e").
        assert_eq!(c(b"gzip,  deflate", 0), [Gzip, Deflate]);
    }

    #[test]
    fn gzip_zlib_and_raw_under_either_name() {
        let plain = text(3000);
        // libhtp's first attempt (gzip/zlib for gzip, raw for deflate) failing is its
        // decompression warning even when a restart recovers (measured with Suricata 7.0.10).
        for (ce, first_fails) in [
            (&b"gzip"[..], [false, false, true]),
            (b"deflate", [true, true, false]),
        ] {
            for (wire, failed) in [
                gzip(&plain),
                compress_to_vec_zlib(&plain, 6),
                compress_to_vec(&plain, 6),
            ]
            .into_iter()
            .zip(first_fails)
            {
                let (body, r) = decode_every_split(ce, &wire, 1 << 20);
                assert_eq!(body, plain);
                assert_eq!(r, DecodeResult { failed, ..OK });
            }
        }
    }

    #[test]
    fn gzip_optional_header_fields() {
        let plain = text(500);
        for flags in 0..32u8 {
            let wire = gzip_with(&plain, flags);
            let (body, r) = decode_every_split(b"gzip", &wire, 1 << 20);
            assert_eq!(body, plain, "flags {flags:#x}");
            assert_eq!(r, OK);
        }
    }

    #[test]
    fn reserved_gzip_flags_fall_back_to_libhtps_probe() {
        // zlib refuses reserved flag bits; libhtp then skips its guess of the header (up to
        // the NUL after the name) and inflates raw.
        let plain = text(400);
        let mut wire = gzip_with(&plain, FNAME);
        wire[3] |= 0x20;
        let (body, r) = decode_every_split(b"gzip", &wire, 1 << 20);
        assert_eq!((body, r), (plain, DecodeResult { failed: true, ..OK }));
    }

    #[test]
    fn layers_in_header_order_or_not() {
        let plain = text(2000);
        let inner = compress_to_vec_zlib(&plain, 9);
        let wire = gzip(&inner);
        for ce in [&b"gzip, deflate"[..], b"deflate, gzip", b"gzip,gzip"] {
            let (body, r) = decode_every_split(ce, &wire, 1 << 20);
            // A deflate layer's raw first attempt fails on the zlib stream (a warning).
            let failed = ce != b"gzip,gzip";
            let want = DecodeResult { failed, ..OK };
            assert_eq!(
                (&body, r),
                (&plain, want),
                "{}",
                String::from_utf8_lossy(ce)
            );
        }
        // One layer asked for, two applied: the inner stream is what is kept.
        let (body, r) = decode(b"gzip", &wire, 1 << 20);
        assert_eq!((body, r), (inner, OK));
        // Two layers asked for, one applied: the second passes the plain text through.
        let (body, r) = decode(b"gzip, gzip", &gzip(&plain), 1 << 20);
        assert_eq!(body, plain);
        assert!(r.inflated && r.error);
    }

    #[test]
    fn layer_limit_stops_at_the_limit() {
        let plain = text(1000);
        let wire = gzip(&gzip(&gzip(&plain)));
        let mut body = Vec::new();
        let mut d = BodyDecoder::new(&codings(b"gzip, gzip, gzip", 2), 1 << 20).unwrap();
        d.feed(&wire, &mut body);
        assert_eq!(body, gzip(&plain));
        let mut body = Vec::new();
        let mut d = BodyDecoder::new(&codings(b"gzip, gzip, gzip", 3), 1 << 20).unwrap();
        d.feed(&wire, &mut body);
        assert_eq!(body, plain);
    }

    #[test]
    fn not_compressed_passes_through() {
        let plain =
            b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*".to_vec();
        for ce in [&b"gzip"[..], b"deflate", b"gzip, deflate"] {
            let (body, r) = decode_every_split(ce, &plain, 1 << 20);
            assert_eq!(body, plain);
            assert_eq!(
                r,
                DecodeResult {
                    inflated: false,
                    error: true,
                    failed: true,
                }
            );
        }
        // Text that raw inflate decodes for a while before failing (216 bytes of garbage
        // from zlib): the failed attempt's output is dropped, the text passes through.
        let json = br#"{"sdk_version":11026,"app_package":"com.xcm.huasheng","app_version":"1.7.4","device_id":"350672920106648"}"#;
        let (body, r) = decode_every_split(b"gzip", json, 1 << 20);
        assert_eq!(body, json);
        assert!(r.error && !r.inflated);
        // A long plain body: passed through whole, whatever its pieces.
        let long = text(5000);
        let pieces: Vec<&[u8]> = long.chunks(700).collect();
        let (body, _) = decode_pieces(b"gzip", &pieces, 1 << 20);
        assert_eq!(body, long);
    }

    #[test]
    fn corrupt_stream_keeps_what_it_produced() {
        let plain: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut wire = gzip(&plain);
        let mid = wire.len() / 2;
        for b in &mut wire[mid..mid + 40] {
            *b ^= 0x5a;
        }
        let (body, r) = decode(b"gzip", &wire, 1 << 20);
        assert!(r.inflated && r.error);
        assert!(!body.is_empty() && body.len() < plain.len());
        // What was produced before the damage is right.
        let good = body.len().min(plain.len() / 4);
        assert_eq!(body[..good], plain[..good]);
    }

    #[test]
    fn truncated_stream_keeps_its_prefix() {
        let plain = text(50_000);
        let wire = gzip(&plain);
        let (body, r) = decode(b"gzip", &wire[..wire.len() / 2], 1 << 20);
        assert!(r.inflated && r.error, "{r:?}");
        assert!(!body.is_empty());
        assert_eq!(body[..], plain[..body.len()]);
        // Cut inside the header: nothing produced, still an error.
        let (body, r) = decode(b"gzip", &wire[..6], 1 << 20);
        assert!(body.is_empty());
        assert!(r.error && !r.inflated);
        // An empty body is no error.
        assert_eq!(decode(b"gzip", b"", 1 << 20).1, DecodeResult::default());
    }

    #[test]
    fn trailing_data_after_the_stream_is_ignored() {
        let plain = text(300);
        let mut wire = gzip(&plain);
        wire.extend(gzip(b"second member"));
        wire.extend_from_slice(b"garbage");
        let (body, r) = decode_every_split(b"gzip", &wire, 1 << 20);
        assert_eq!((body, r), (plain, OK));
    }

    #[test]
    fn output_stops_at_the_limit() {
        // 64 MiB of zeros in ~64 KiB: only the kept prefix is ever inflated.
        let zeros = vec![0u8; 64 << 20];
        let wire = gzip(&zeros);
        drop(zeros);
        let mut d = BodyDecoder::new(&codings(b"gzip", 2), 4096).unwrap();
        let mut body = Vec::new();
        for piece in wire.chunks(1460) {
            d.feed(piece, &mut body);
        }
        assert_eq!(body, vec![0u8; 4096]);
        assert!(d.stopped);
        assert!(d.layers[0].produced <= (4096 + OUT_BUF) as u64);
        assert_eq!(d.finish(&mut body), OK);
    }

    #[test]
    fn bomb_inside_a_layer_hits_the_work_bound() {
        // The inner stream ends after a few bytes, then 32 MiB of zeros follow it: the outer
        // layer would inflate all of them for nothing.
        let mut inner = gzip(b"hello");
        inner.extend(vec![0u8; 32 << 20]);
        let wire = gzip(&inner);
        drop(inner);
        let mut d = BodyDecoder::new(&codings(b"gzip, gzip", 2), 4096).unwrap();
        let mut body = Vec::new();
        for piece in wire.chunks(1460) {
            d.feed(piece, &mut body);
        }
        assert_eq!(body, b"hello");
        assert!(d.stopped);
        assert!(d.layers[0].produced <= work_bound(4096) + OUT_BUF as u64);
        let r = d.finish(&mut body);
        assert!(r.inflated && r.error);
    }

    #[test]
    fn gap_stops_decoding() {
        let plain = text(20_000);
        let wire = gzip(&plain);
        let mut d = BodyDecoder::new(&codings(b"gzip", 2), 1 << 20).unwrap();
        let mut body = Vec::new();
        d.feed(&wire[..100], &mut body);
        d.gap();
        let before = body.len();
        d.feed(&wire[200..], &mut body);
        assert_eq!(body.len(), before);
        assert!(d.finish(&mut body).error);
    }

    #[test]
    fn probe_is_libhtps() {
        assert_eq!(probe(b"\x1f\x8b\x08\x00rest-of-it"), 0);
        assert_eq!(probe(b"\x1f\x8b\x08\x02abcdefghij"), 12);
        assert_eq!(probe(b"\x1f\x8b\x08\x04abcdefghij"), 10);
        assert_eq!(probe(b"\x1f\x8b\x08\x08abcdefname\0x"), 15);
        // No NUL: everything, which is more than there is: nothing skipped.
        assert_eq!(probe(b"\x1f\x8b\x08\x08abcdefname"), 0);
        assert_eq!(probe(b"\x1f\x8b\x08"), 0);
        assert_eq!(probe(b"hello world"), 0);
    }

    fn arb_codings() -> impl Strategy<Value = Vec<u8>> {
        prop::sample::select(vec![
            &b"gzip"[..],
            b"deflate",
            b"gzip, deflate",
            b"deflate, gzip, gzip",
            b"x-gzip",
            b"br, gzip",
        ])
        .prop_map(|s| s.to_vec())
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(
            ce in arb_codings(),
            limit in 0usize..5000,
            layers in 0u32..4,
            data in prop::collection::vec(any::<u8>(), 0..3000),
            cuts in prop::collection::vec(0usize..3000, 0..8),
        ) {
            let Some(mut d) = BodyDecoder::new(&codings(&ce, layers), limit) else {
                return Ok(());
            };
            let mut body = Vec::new();
            let mut cuts = cuts;
            cuts.push(data.len());
            cuts.sort_unstable();
            let mut at = 0;
            for c in cuts {
                let c = c.min(data.len());
                if c > at {
                    d.feed(&data[at..c], &mut body);
                    at = c;
                }
                prop_assert!(body.len() <= limit);
            }
            let _ = d.finish(&mut body);
        }

        #[test]
        fn damaged_compressed_input_never_panics(
            plain in prop::collection::vec(any::<u8>(), 0..2000),
            flips in prop::collection::vec((0usize..4000, any::<u8>()), 0..6),
            cut in 0usize..4000,
            zlib in any::<bool>(),
        ) {
            let mut wire = if zlib { compress_to_vec_zlib(&plain, 6) } else { gzip(&gzip(&plain)) };
            for (at, x) in flips {
                let n = wire.len();
                if n > 0 {
                    wire[at % n] ^= x;
                }
            }
            let cut = cut.min(wire.len());
            let (a, b) = wire.split_at(cut);
            let (body, _) = decode_pieces(b"gzip, deflate", &[a, b], 4096);
            prop_assert!(body.len() <= 4096);
        }

        #[test]
        fn split_anywhere_same_output(
            plain in prop::collection::vec(any::<u8>(), 0..5000),
            cuts in prop::collection::vec(0usize..6000, 0..10),
        ) {
            let wire = gzip(&compress_to_vec_zlib(&plain, 1));
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(wire.len())).collect();
            cuts.push(0);
            cuts.push(wire.len());
            cuts.sort_unstable();
            let pieces: Vec<&[u8]> = cuts.windows(2).map(|w| &wire[w[0]..w[1]]).collect();
            let (body, r) = decode_pieces(b"gzip, deflate", &pieces, 1 << 20);
            prop_assert_eq!(&body, &plain);
            prop_assert!(!r.error);
        }
    }
}
