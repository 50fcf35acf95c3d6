//! Hand-built captures for the reader tests.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::input::Endian;
use super::{CaptureError, LinkType, PacketSource};

fn put16(buf: &mut Vec<u8>, e: Endian, v: u16) {
    buf.extend_from_slice(&match e {
        Endian::Little => v.to_le_bytes(),
        Endian::Big => v.to_be_bytes(),
    });
}

fn put32(buf: &mut Vec<u8>, e: Endian, v: u32) {
    buf.extend_from_slice(&match e {
        Endian::Little => v.to_le_bytes(),
        Endian::Big => v.to_be_bytes(),
    });
}

/// A classic pcap file under construction.
pub(crate) struct PcapBuilder {
    pub buf: Vec<u8>,
    e: Endian,
}

impl PcapBuilder {
    pub fn new(e: Endian, nanos: bool, link: u32, snaplen: u32) -> PcapBuilder {
        let mut buf = Vec::new();
        put32(&mut buf, e, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 });
        put16(&mut buf, e, 2);
        put16(&mut buf, e, 4);
        put32(&mut buf, e, 0); // thiszone
        put32(&mut buf, e, 0); // sigfigs
        put32(&mut buf, e, snaplen);
        put32(&mut buf, e, link);
        PcapBuilder { buf, e }
    }

    /// A record with explicit lengths (they need not match `data`).
    pub fn record(&mut self, secs: u32, frac: u32, caplen: u32, origlen: u32, data: &[u8]) {
        let e = self.e;
        put32(&mut self.buf, e, secs);
        put32(&mut self.buf, e, frac);
        put32(&mut self.buf, e, caplen);
        put32(&mut self.buf, e, origlen);
        self.buf.extend_from_slice(data);
    }

    pub fn packet(&mut self, secs: u32, frac: u32, data: &[u8]) -> &mut PcapBuilder {
        let n = data.len() as u32;
        self.record(secs, frac, n, n, data);
        self
    }
}

/// A pcapng file under construction.
pub(crate) struct PcapngBuilder {
    pub buf: Vec<u8>,
    e: Endian,
}

impl PcapngBuilder {
    pub fn new(e: Endian) -> PcapngBuilder {
        let mut b = PcapngBuilder { buf: Vec::new(), e };
        b.section(e);
        b
    }

    /// A block with the given body, padded, lengths on both sides.
    pub fn block(&mut self, btype: u32, body: &[u8]) -> &mut PcapngBuilder {
        let e = self.e;
        let padded = body.len().next_multiple_of(4);
        let len = (12 + padded) as u32;
        put32(&mut self.buf, e, btype);
        put32(&mut self.buf, e, len);
        self.buf.extend_from_slice(body);
        self.buf.resize(self.buf.len() + padded - body.len(), 0);
        put32(&mut self.buf, e, len);
        self
    }

    /// Starts a new section in byte order `e`.
    pub fn section(&mut self, e: Endian) -> &mut PcapngBuilder {
        self.e = e;
        let mut body = Vec::new();
        put32(&mut body, e, 0x1a2b_3c4d);
        put16(&mut body, e, 1);
        put16(&mut body, e, 0);
        body.extend_from_slice(&[0xff; 8]); // section length: unknown
        self.block(0x0a0d_0d0a, &body)
    }

    pub fn idb(
        &mut self,
        link: u16,
        snaplen: u32,
        tsresol: Option<u8>,
        tsoffset: Option<i64>,
    ) -> &mut PcapngBuilder {
        let e = self.e;
        let mut body = Vec::new();
        put16(&mut body, e, link);
        put16(&mut body, e, 0);
        put32(&mut body, e, snaplen);
        // An option the reader ignores, with padding: if_name "eth0x".
        put16(&mut body, e, 2);
        put16(&mut body, e, 5);
        body.extend_from_slice(b"eth0x\0\0\0");
        if let Some(r) = tsresol {
            put16(&mut body, e, 9);
            put16(&mut body, e, 1);
            body.extend_from_slice(&[r, 0, 0, 0]);
        }
        if let Some(o) = tsoffset {
            put16(&mut body, e, 14);
            put16(&mut body, e, 8);
            body.extend_from_slice(&match e {
                Endian::Little => o.to_le_bytes(),
                Endian::Big => o.to_be_bytes(),
            });
        }
        put16(&mut body, e, 0);
        put16(&mut body, e, 0);
        self.block(1, &body)
    }

    pub fn epb(&mut self, iface: u32, ticks: u64, data: &[u8]) -> &mut PcapngBuilder {
        let e = self.e;
        let mut body = Vec::new();
        put32(&mut body, e, iface);
        put32(&mut body, e, (ticks >> 32) as u32);
        put32(&mut body, e, ticks as u32);
        put32(&mut body, e, data.len() as u32);
        put32(&mut body, e, data.len() as u32 + 10);
        body.extend_from_slice(data);
        body.resize(body.len().next_multiple_of(4), 0);
        // An epb_flags option, then the end of options.
        put16(&mut body, e, 2);
        put16(&mut body, e, 4);
        put32(&mut body, e, 1);
        put16(&mut body, e, 0);
        put16(&mut body, e, 0);
        self.block(6, &body)
    }

    /// Obsolete Packet Block.
    pub fn pb(&mut self, iface: u16, ticks: u64, data: &[u8]) -> &mut PcapngBuilder {
        let e = self.e;
        let mut body = Vec::new();
        put16(&mut body, e, iface);
        put16(&mut body, e, 0);
        put32(&mut body, e, (ticks >> 32) as u32);
        put32(&mut body, e, ticks as u32);
        put32(&mut body, e, data.len() as u32);
        put32(&mut body, e, data.len() as u32);
        body.extend_from_slice(data);
        self.block(2, &body)
    }

    pub fn spb(&mut self, origlen: u32, data: &[u8]) -> &mut PcapngBuilder {
        let e = self.e;
        let mut body = Vec::new();
        put32(&mut body, e, origlen);
        body.extend_from_slice(data);
        self.block(3, &body)
    }
}

/// A packet as the tests compare it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pkt {
    pub ts: u64,
    pub link: LinkType,
    pub wire_len: u32,
    pub data: Vec<u8>,
}

/// Reads a source to its end (at most `limit` packets, to stop a looping reader).
pub(crate) fn read_all(src: &mut dyn PacketSource) -> Result<Vec<Pkt>, CaptureError> {
    let mut out = Vec::new();
    while src.advance()? {
        let p = src
            .current()
            .expect("a packet is staged after advance() returned true");
        out.push(Pkt {
            ts: p.ts.as_nanos(),
            link: p.link,
            wire_len: p.wire_len,
            data: p.data.to_vec(),
        });
        assert!(out.len() <= 10_000_000, "reader does not end");
    }
    assert!(src.current().is_none(), "nothing staged after the end");
    Ok(out)
}

/// A directory under the system temp dir, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("sensor-capture-{}-{n}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
