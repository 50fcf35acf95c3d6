//! Capture file writers: classic pcap (either byte order, microsecond or nanosecond stamps) and
//! pcapng (several interfaces, each with its own link type and timestamp resolution).

use std::io::{self, Write};

/// Where generated packets go.
pub trait PacketSink {
    /// One packet: `iface` selects the pcapng interface (ignored by classic pcap), `data` the
    /// captured bytes, `wire_len` the length on the wire (larger when snapped).
    fn packet(&mut self, iface: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()>;
}

/// Link types the generator writes (pcap LINKTYPE_* values).
pub const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_LINUX_SLL2: u32 = 276;

/// Byte order of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    fn u16(self, v: u16) -> [u8; 2] {
        match self {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }
    fn u32(self, v: u32) -> [u8; 4] {
        match self {
            Endian::Little => v.to_le_bytes(),
            Endian::Big => v.to_be_bytes(),
        }
    }
}

/// Classic libpcap format.
pub struct PcapWriter<W: Write> {
    out: W,
    endian: Endian,
    nanos: bool,
    snaplen: u32,
    pub bytes_written: u64,
    pub packets: u64,
}

impl<W: Write> PcapWriter<W> {
    pub fn new(
        mut out: W,
        endian: Endian,
        nanos: bool,
        linktype: u32,
        snaplen: u32,
    ) -> io::Result<Self> {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&endian.u32(magic));
        h.extend_from_slice(&endian.u16(2));
        h.extend_from_slice(&endian.u16(4));
        h.extend_from_slice(&endian.u32(0)); // thiszone
        h.extend_from_slice(&endian.u32(0)); // sigfigs
        h.extend_from_slice(&endian.u32(snaplen));
        h.extend_from_slice(&endian.u32(linktype));
        out.write_all(&h)?;
        Ok(PcapWriter {
            out,
            endian,
            nanos,
            snaplen,
            bytes_written: 24,
            packets: 0,
        })
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> PacketSink for PcapWriter<W> {
    fn packet(&mut self, _iface: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()> {
        let caplen = (data.len() as u32).min(self.snaplen);
        let secs = (ts_ns / 1_000_000_000) as u32;
        let frac = (ts_ns % 1_000_000_000) as u32;
        let frac = if self.nanos { frac } else { frac / 1000 };
        let e = self.endian;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&e.u32(secs));
        h[4..8].copy_from_slice(&e.u32(frac));
        h[8..12].copy_from_slice(&e.u32(caplen));
        h[12..16].copy_from_slice(&e.u32(wire_len.max(caplen)));
        self.out.write_all(&h)?;
        self.out.write_all(&data[..caplen as usize])?;
        self.bytes_written += 16 + caplen as u64;
        self.packets += 1;
        Ok(())
    }
}

/// One pcapng interface description.
#[derive(Clone, Debug)]
pub struct Interface {
    pub linktype: u32,
    pub name: String,
    /// Nanosecond (`if_tsresol` 9) instead of the default microsecond stamps.
    pub nanos: bool,
}

/// pcapng, little-endian, one section.
pub struct PcapngWriter<W: Write> {
    out: W,
    nanos: Vec<bool>,
    pub bytes_written: u64,
    pub packets: u64,
}

fn push_option(v: &mut Vec<u8>, code: u16, value: &[u8]) {
    v.extend_from_slice(&code.to_le_bytes());
    v.extend_from_slice(&(value.len() as u16).to_le_bytes());
    v.extend_from_slice(value);
    v.resize(v.len().next_multiple_of(4), 0);
}

impl<W: Write> PcapngWriter<W> {
    pub fn new(out: W, ifaces: &[Interface]) -> io::Result<Self> {
        let mut w = PcapngWriter {
            out,
            nanos: Vec::new(),
            bytes_written: 0,
            packets: 0,
        };
        let mut body = Vec::new();
        body.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        body.extend_from_slice(&1u16.to_le_bytes());
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        push_option(&mut body, 4, b"sensor generate"); // shb_userappl
        push_option(&mut body, 0, &[]);
        w.block(0x0a0d_0d0a, &body)?;
        for i in ifaces {
            let mut body = Vec::new();
            body.extend_from_slice(&(i.linktype as u16).to_le_bytes());
            body.extend_from_slice(&0u16.to_le_bytes());
            body.extend_from_slice(&0u32.to_le_bytes()); // no snap length
            push_option(&mut body, 2, i.name.as_bytes()); // if_name
            if i.nanos {
                push_option(&mut body, 9, &[9]); // if_tsresol: 10^-9
            }
            push_option(&mut body, 0, &[]);
            w.block(1, &body)?;
            w.nanos.push(i.nanos);
        }
        Ok(w)
    }

    fn block(&mut self, ty: u32, body: &[u8]) -> io::Result<()> {
        let total = (12 + body.len().next_multiple_of(4)) as u32;
        self.out.write_all(&ty.to_le_bytes())?;
        self.out.write_all(&total.to_le_bytes())?;
        self.out.write_all(body)?;
        let pad = body.len().next_multiple_of(4) - body.len();
        self.out.write_all(&[0u8; 3][..pad])?;
        self.out.write_all(&total.to_le_bytes())?;
        self.bytes_written += total as u64;
        Ok(())
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> PacketSink for PcapngWriter<W> {
    fn packet(&mut self, iface: u32, ts_ns: u64, data: &[u8], wire_len: u32) -> io::Result<()> {
        let nanos = self.nanos.get(iface as usize).copied().unwrap_or(false);
        let ts = if nanos { ts_ns } else { ts_ns / 1000 };
        let mut body = Vec::with_capacity(20 + data.len() + 3);
        body.extend_from_slice(&iface.to_le_bytes());
        body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ts as u32).to_le_bytes());
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(&wire_len.max(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        self.block(6, &body)?;
        self.packets += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_header_both_orders() {
        let w = PcapWriter::new(Vec::new(), Endian::Little, false, 1, 65535).unwrap();
        let v = w.into_inner();
        assert_eq!(&v[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(v.len(), 24);
        let mut w = PcapWriter::new(Vec::new(), Endian::Big, true, 1, 65535).unwrap();
        w.packet(0, 1_793_710_800_000_000_123, &[1, 2, 3], 3)
            .unwrap();
        let v = w.into_inner();
        assert_eq!(&v[..4], &[0xa1, 0xb2, 0x3c, 0x4d]);
        assert_eq!(&v[20..24], &[0, 0, 0, 1]);
        // seconds 1793710800 = 0x6AE9_DAD0, nanoseconds 123.
        assert_eq!(&v[24..32], &[0x6a, 0xe9, 0xda, 0xd0, 0, 0, 0, 123]);
        assert_eq!(v.len(), 24 + 16 + 3);
    }

    #[test]
    fn pcapng_blocks_are_aligned() {
        let ifaces = [
            Interface {
                linktype: LINKTYPE_ETHERNET,
                name: "eth0".into(),
                nanos: true,
            },
            Interface {
                linktype: LINKTYPE_LINUX_SLL2,
                name: "any".into(),
                nanos: true,
            },
        ];
        let mut w = PcapngWriter::new(Vec::new(), &ifaces).unwrap();
        w.packet(1, 5, &[9; 61], 61).unwrap();
        let v = w.into_inner();
        assert_eq!(v.len() % 4, 0);
        let shb_len = u32::from_le_bytes([v[4], v[5], v[6], v[7]]) as usize;
        assert_eq!(&v[shb_len..shb_len + 4], &1u32.to_le_bytes());
    }
}
