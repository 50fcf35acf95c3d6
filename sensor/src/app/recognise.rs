//! Probes of the protocols the sensor recognises without parsing them (their entries are in
//! [`super::registry::PROTOCOLS`]), as Suricata 7 recognises them: the first bytes of a
//! direction of a TCP stream, or a whole UDP datagram. Each probe reads only what it is given,
//! answers `NeedMore` while a TCP start is consistent but short, and never panics (property
//! tested below). [`Recognised`] is the parser of such a flow: it parses nothing.

use super::parser::{AppParser, Ports, Probe, Tx};
use super::registry::{patterns, AppProto};
use super::Direction;

fn be16(d: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(i)?, *d.get(i + 1)?]))
}

fn be32(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *d.get(i)?,
        *d.get(i + 1)?,
        *d.get(i + 2)?,
        *d.get(i + 3)?,
    ]))
}

/// `NeedMore` when `d` is shorter than `n`, else the answer of `full`.
fn need(d: &[u8], n: usize, full: impl FnOnce() -> bool) -> Probe {
    if d.len() < n {
        Probe::NeedMore
    } else if full() {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// SSH: the version line (`SSH-`, case ignored) from either side.
pub fn ssh(d: &[u8], _: Direction, _: Ports) -> Probe {
    patterns(d, &[b"SSH-"])
}

/// HTTP/2: the client's connection preface.
pub fn http2(d: &[u8], dir: Direction, _: Ports) -> Probe {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if dir != Direction::ToServer {
        return Probe::No;
    }
    let n = d.len().min(PREFACE.len());
    if d[..n] != PREFACE[..n] {
        Probe::No
    } else if n == PREFACE.len() {
        Probe::Yes
    } else {
        Probe::NeedMore
    }
}

/// SMB on any port: a NetBIOS session message (type 0, no flags but the length's 17th bit)
/// carrying an SMB1 (`\xffSMB`), SMB2/3 (`\xfeSMB`) or SMB3 transform (`\xfdSMB`) header.
pub fn smb(d: &[u8], _: Direction, _: Ports) -> Probe {
    if d.is_empty() {
        return Probe::NeedMore;
    }
    if d[0] != 0 || d.get(1).is_some_and(|f| f & 0xfe != 0) {
        return Probe::No;
    }
    let got = &d[d.len().min(4)..d.len().min(8)];
    let consistent = [b"\xffSMB", b"\xfeSMB", b"\xfdSMB"]
        .iter()
        .any(|m| m[..got.len()] == *got);
    match (consistent, d.len() >= 8) {
        (false, _) => Probe::No,
        (true, true) => Probe::Yes,
        (true, false) => Probe::NeedMore,
    }
}

/// SMB on its ports (139, 445): also the NetBIOS session service's answers to a session
/// request (positive or negative, from the server) and keep-alives. The request itself is not
/// recognised (Suricata 7.0.10 fails the client's direction on it, checked).
pub fn nbss(d: &[u8], dir: Direction, _: Ports) -> Probe {
    need(d, 4, || {
        let len = u32::from(d[1] & 1) << 16 | u32::from(be16(d, 2).unwrap_or(0));
        d[1] & 0xfe == 0
            && match (d[0], dir) {
                (0x82 | 0x83, Direction::ToClient) => len <= 1,
                (0x85, _) => len == 0,
                _ => false,
            }
    })
}

/// DCE/RPC over TCP (connection-oriented): a version 5.0 or 5.1 header with a known packet
/// type, a valid data representation and a fragment at least as long as the header.
pub fn dcerpc_tcp(d: &[u8], _: Direction, _: Ports) -> Probe {
    if d.first().is_some_and(|&v| v != 5) || d.get(1).is_some_and(|&m| m > 1) {
        return Probe::No;
    }
    need(d, 16, || {
        let le = d[4] & 0x10 != 0;
        let frag = if le {
            u16::from_le_bytes([d[8], d[9]])
        } else {
            u16::from_be_bytes([d[8], d[9]])
        };
        // Suricata 7's probe does not check the fragment length either (a SOCKS 5 reply
        // passes for DCE/RPC there); the sensor does.
        d[2] <= 20 && d[4] & 0xee == 0 && d[5] <= 3 && frag >= 16
    })
}

/// IMAP: Suricata 7 recognises only a client's `1 capability` at the stream start.
pub fn imap(d: &[u8], dir: Direction, _: Ports) -> Probe {
    match dir {
        Direction::ToServer => patterns(d, &[b"1 capability"]),
        Direction::ToClient => Probe::No,
    }
}

/// MQTT (port 1883): the client's CONNECT packet (fixed header, remaining length, protocol
/// name `MQTT` or `MQIsdp`, level 3 to 5).
pub fn mqtt(d: &[u8], dir: Direction, _: Ports) -> Probe {
    if dir != Direction::ToServer {
        return Probe::No;
    }
    if d.first().is_some_and(|&b| b != 0x10) {
        return Probe::No;
    }
    // Remaining length: 1 to 4 bytes, seven bits each.
    let mut i = 1;
    loop {
        match d.get(i) {
            None => return Probe::NeedMore,
            Some(b) if b & 0x80 != 0 && i < 4 => i += 1,
            Some(b) if b & 0x80 != 0 => return Probe::No,
            Some(_) => break,
        }
    }
    let p = &d[i + 1..];
    for (name, n) in [(&b"MQTT"[..], 4u16), (b"MQIsdp", 6)] {
        let want_len = 2 + name.len() + 1;
        let mut want = n.to_be_bytes().to_vec();
        want.extend_from_slice(name);
        let k = p.len().min(want.len());
        if p[..k] != want[..k] {
            continue;
        }
        if p.len() < want_len {
            return Probe::NeedMore;
        }
        return if (3..=5).contains(&p[want_len - 1]) {
            Probe::Yes
        } else {
            Probe::No
        };
    }
    Probe::No
}

/// RDP (port 3389): a TPKT header (version 3) around an X.224 connection request (from the
/// client) or confirm (from the server).
pub fn rdp(d: &[u8], dir: Direction, _: Ports) -> Probe {
    if d.first().is_some_and(|&v| v != 3) || d.get(1).is_some_and(|&r| r != 0) {
        return Probe::No;
    }
    need(d, 6, || {
        let len = be16(d, 2).unwrap_or(0) as usize;
        let code = match dir {
            Direction::ToServer => 0xe0,
            Direction::ToClient => 0xd0,
        };
        len >= 11 && d[4] >= 6 && usize::from(d[4]) < len && d[5] & 0xf0 == code
    })
}

/// A Kerberos 5 message: an ASN.1 application tag (AS-REQ 10, AS-REP 11, TGS-REQ 12,
/// TGS-REP 13, AP-REQ 14, AP-REP 15, KRB-ERROR 30), constructed, with a length that fits.
fn krb5_msg(d: &[u8]) -> bool {
    let Some(&tag) = d.first() else { return false };
    if tag & 0xe0 != 0x60 || !matches!(tag & 0x1f, 10..=15 | 30) {
        return false;
    }
    let Some(&l) = d.get(1) else { return false };
    let (len, hdr) = match l {
        0..=0x7f => (usize::from(l), 2),
        0x81 => (usize::from(d.get(2).copied().unwrap_or(0)), 3),
        0x82 => (usize::from(be16(d, 2).unwrap_or(0)), 4),
        _ => return false,
    };
    // The body is a SEQUENCE.
    len > 2 && hdr + len <= d.len() && d.get(hdr) == Some(&0x30)
}

pub fn krb5_udp(d: &[u8], _: Direction, _: Ports) -> Probe {
    if krb5_msg(d) {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// Kerberos over TCP (port 88): a 4-byte record length, then a message.
pub fn krb5_tcp(d: &[u8], _: Direction, _: Ports) -> Probe {
    if d.first().is_some_and(|&b| b & 0x80 != 0) {
        return Probe::No;
    }
    if d.len() < 6 {
        return Probe::NeedMore;
    }
    let len = be32(d, 0).unwrap_or(0) as usize;
    let body = &d[4..];
    if len > 0xffff {
        return Probe::No;
    }
    if body.len() < len {
        // Not all there yet: the tag must already look right.
        return if body[0] & 0xe0 == 0x60 && matches!(body[0] & 0x1f, 10..=15 | 30) {
            Probe::NeedMore
        } else {
            Probe::No
        };
    }
    if krb5_msg(&body[..len]) {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// A BER length at `i`: (length, bytes it took).
fn ber_len(d: &[u8], i: usize) -> Option<(usize, usize)> {
    let l = *d.get(i)?;
    match l {
        0..=0x7f => Some((usize::from(l), 1)),
        0x81 => Some((usize::from(*d.get(i + 1)?), 2)),
        0x82 => Some((usize::from(be16(d, i + 1)?), 3)),
        _ => None,
    }
}

/// SNMP (ports 161, 162): a SEQUENCE holding the version (v1, v2c, v3), then a community
/// string and a PDU (v1, v2c) or the v3 header's SEQUENCE.
pub fn snmp(d: &[u8], _: Direction, _: Ports) -> Probe {
    let ok = || -> Option<bool> {
        if *d.first()? != 0x30 {
            return Some(false);
        }
        let (len, n) = ber_len(d, 1)?;
        let mut i = 1 + n;
        if i + len > d.len() || d.get(i..i + 3)? != [0x02, 0x01, d[i + 2]] {
            return Some(false);
        }
        let version = d[i + 2];
        i += 3;
        match version {
            0 | 1 => {
                if *d.get(i)? != 0x04 {
                    return Some(false);
                }
                let (clen, n) = ber_len(d, i + 1)?;
                i += 1 + n + clen;
                Some((0xa0..=0xa8).contains(d.get(i)?))
            }
            3 => Some(*d.get(i)? == 0x30),
            _ => Some(false),
        }
    };
    if ok().unwrap_or(false) {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// SIP over UDP (port 5060): a request line `METHOD uri SIP/2.0` from the client, or a status
/// line `SIP/2.0 NNN` from the server.
pub fn sip(d: &[u8], dir: Direction, _: Ports) -> Probe {
    const METHODS: &[&[u8]] = &[
        b"INVITE ",
        b"ACK ",
        b"BYE ",
        b"CANCEL ",
        b"REGISTER ",
        b"OPTIONS ",
        b"PRACK ",
        b"SUBSCRIBE ",
        b"NOTIFY ",
        b"PUBLISH ",
        b"INFO ",
        b"REFER ",
        b"MESSAGE ",
        b"UPDATE ",
    ];
    let line = &d[..memchr::memchr(b'\n', d).unwrap_or(d.len())];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let ok = match dir {
        Direction::ToServer => {
            METHODS.iter().any(|m| line.starts_with(m)) && line.ends_with(b" SIP/2.0")
        }
        Direction::ToClient => {
            line.len() >= 11
                && line.starts_with(b"SIP/2.0 ")
                && line[8..11].iter().all(u8::is_ascii_digit)
        }
    };
    if ok {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// DHCP (ports 67, 68): a BOOTP request or reply with Ethernet addresses and the DHCP magic
/// cookie.
pub fn dhcp(d: &[u8], _: Direction, _: Ports) -> Probe {
    let ok = d.len() >= 240
        && matches!(d[0], 1 | 2)
        && d[1] == 1
        && d[2] == 6
        && d[236..240] == [0x63, 0x82, 0x53, 0x63];
    if ok {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// NTP (port 123): a version 3 or 4 packet of at least the 48-byte header.
pub fn ntp(d: &[u8], _: Direction, _: Ports) -> Probe {
    let ok = d.len() >= 48 && matches!((d[0] >> 3) & 7, 3 | 4);
    if ok {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// TFTP (port 69): a read or write request: file name and a known mode, each NUL-terminated.
pub fn tftp(d: &[u8], _: Direction, _: Ports) -> Probe {
    let ok = || -> Option<bool> {
        if !matches!(be16(d, 0)?, 1 | 2) {
            return Some(false);
        }
        let rest = &d[2..];
        let end = memchr::memchr(0, rest)?;
        let mode_all = &rest[end + 1..];
        let mode = &mode_all[..memchr::memchr(0, mode_all)?];
        Some(
            [&b"netascii"[..], b"octet", b"mail"]
                .iter()
                .any(|m| mode.eq_ignore_ascii_case(m)),
        )
    };
    if ok().unwrap_or(false) {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// IKE (port 500; Suricata 7 does not probe NAT traversal's port 4500, checked): an ISAKMP
/// header with an initiator SPI, version 1.0 or 2.0, an exchange type of that version, and a
/// length equal to the datagram's.
pub fn ike(d: &[u8], _: Direction, _: Ports) -> Probe {
    let ok = d.len() >= 28
        && d[..8] != [0; 8]
        && match d[17] {
            0x10 => matches!(d[18], 1..=5 | 32..=34),
            0x20 => matches!(d[18], 34..=37),
            _ => false,
        }
        && be32(d, 24) == Some(d.len() as u32);
    if ok {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// An ONC RPC message for NFS, as Suricata 7 checks it: a call (RPC version 2, program
/// 100003, NFS version 3 or 4, a procedure up to COMMIT, a known credential flavour, at least
/// 48 bytes over UDP) from the client, an accepted and successful reply (at least 32 bytes
/// over UDP) from the server.
fn rpc_nfs(d: &[u8], dir: Direction, udp: bool) -> Option<bool> {
    let msg_type = be32(d, 4)?;
    // Over TCP the record marker is checked instead.
    let least = match (dir, udp) {
        (Direction::ToServer, true) => 48,
        (Direction::ToClient, true) => 32,
        (Direction::ToServer, false) => 28,
        (Direction::ToClient, false) => 24,
    };
    if d.len() < least {
        return None;
    }
    Some(match dir {
        Direction::ToServer => {
            msg_type == 0
                && be32(d, 8)? == 2
                && be32(d, 12)? == 100_003
                && (3..=4).contains(&be32(d, 16)?)
                && be32(d, 20)? <= 21
                && matches!(be32(d, 24)?, 0 | 1 | 6)
        }
        // Reply: accepted (0), then the verifier, then success (0).
        Direction::ToClient => {
            let verf_len = be32(d, 16)? as usize;
            msg_type == 1
                && be32(d, 8)? == 0
                && verf_len <= 400
                && be32(d, 20 + verf_len.next_multiple_of(4))? == 0
        }
    })
}

pub fn nfs_udp(d: &[u8], dir: Direction, _: Ports) -> Probe {
    if rpc_nfs(d, dir, true).unwrap_or(false) {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// NFS over TCP (port 2049): an RPC record marker (last fragment, a plausible length), then
/// the message.
pub fn nfs_tcp(d: &[u8], dir: Direction, _: Ports) -> Probe {
    if d.first().is_some_and(|&b| b & 0x80 == 0) {
        return Probe::No;
    }
    let body = d.get(4..).unwrap_or(&[]);
    match rpc_nfs(body, dir, false) {
        Some(true) if be32(d, 0).is_some_and(|m| (m & 0x7fff_ffff) as usize >= 24) => Probe::Yes,
        Some(_) => Probe::No,
        // Within the session's probe limit.
        None => Probe::NeedMore,
    }
}

/// DNP3 (port 20000; disabled by default, as in Suricata): the link layer's start bytes and
/// a length of at least 5.
pub fn dnp3(d: &[u8], _: Direction, _: Ports) -> Probe {
    if d.first().is_some_and(|&b| b != 0x05) || d.get(1).is_some_and(|&b| b != 0x64) {
        return Probe::No;
    }
    need(d, 3, || d[2] >= 5)
}

/// Modbus/TCP (port 502; disabled by default, as in Suricata): an MBAP header with protocol
/// id 0, a length of 2 to 254 and a function code below 128.
pub fn modbus(d: &[u8], _: Direction, _: Ports) -> Probe {
    need(d, 8, || {
        let len = be16(d, 4).unwrap_or(0);
        be16(d, 2) == Some(0) && (2..=254).contains(&len) && d[7] < 0x80 && d[7] != 0
    })
}

/// RFB (VNC): the protocol version line `RFB xxx.yyy\n`, from either side.
pub fn rfb(d: &[u8], _: Direction, _: Ports) -> Probe {
    const SHAPE: &[u8] = b"RFB 000.000\n";
    for (i, (&b, &want)) in d.iter().zip(SHAPE).enumerate() {
        let ok = match want {
            b'0' => b.is_ascii_digit(),
            _ => b == want || (i < 3 && b.eq_ignore_ascii_case(&want)),
        };
        if !ok {
            return Probe::No;
        }
    }
    if d.len() < SHAPE.len() {
        Probe::NeedMore
    } else {
        Probe::Yes
    }
}

/// QUIC (UDP port 443): an IETF long header (fixed bit, a known version, connection ids of
/// at most 20 bytes) or a Google QUIC public header with its `Q0nn` version.
pub fn quic(d: &[u8], _: Direction, _: Ports) -> Probe {
    let ietf = || -> Option<bool> {
        let first = *d.first()?;
        if first & 0xc0 != 0xc0 {
            return Some(false);
        }
        let v = be32(d, 1)?;
        let known = v == 1 || v == 0x6b33_43cf || v & 0xffff_ff00 == 0xff00_0000;
        let dcid = usize::from(*d.get(5)?);
        let scid = usize::from(*d.get(6 + dcid)?);
        Some(known && dcid <= 20 && scid <= 20 && d.len() > 7 + dcid + scid)
    };
    let gquic = || -> Option<bool> {
        // Public flags: version present, 8-byte connection id, no reserved bit.
        let flags = *d.first()?;
        let v = d.get(9..13)?;
        Some(
            flags & 0x81 == 0x01
                && flags & 0x0c == 0x0c
                && v[0] == b'Q'
                && v[1..].iter().all(u8::is_ascii_digit),
        )
    };
    if ietf().unwrap_or(false) || gquic().unwrap_or(false) {
        Probe::Yes
    } else {
        Probe::No
    }
}

/// The parser of a flow whose protocol is only recognised: nothing is parsed, and the stream
/// is not reassembled for it (stream rules still get it).
pub struct Recognised(AppProto);

impl Recognised {
    pub fn new(proto: AppProto) -> Recognised {
        Recognised(proto)
    }
}

impl AppParser for Recognised {
    fn proto(&self) -> AppProto {
        self.0
    }

    fn feed(&mut self, _: Direction, _: &[u8]) {}

    fn gap(&mut self, _: Direction, _: u64) {}

    fn drain(&mut self, _: bool, _: &mut dyn FnMut(Tx<'_>)) {}

    fn is_done(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::registry::{detect_tcp, detect_udp, Detect, PROTOCOLS};
    use super::*;
    use proptest::prelude::*;

    const TS: Direction = Direction::ToServer;
    const TC: Direction = Direction::ToClient;

    fn on(server: u16) -> Ports {
        Ports {
            client: 50000,
            server,
        }
    }

    fn tcp(d: &[u8], dir: Direction, port: u16) -> Option<AppProto> {
        match detect_tcp(d, dir, on(port)) {
            Detect::Found(p) => Some(p.proto),
            _ => None,
        }
    }

    fn udp(d: &[u8], dir: Direction, port: u16) -> Option<AppProto> {
        detect_udp(d, dir, on(port)).map(|p| p.proto)
    }

    /// Every proper prefix of a recognised TCP start is `NeedMore` or `Yes` for its probe,
    /// never `No` (the session holds bytes while a probe waits).
    fn prefixes_wait(probe: fn(&[u8], Direction, Ports) -> Probe, d: &[u8], dir: Direction) {
        assert_eq!(probe(d, dir, on(1)), Probe::Yes, "{d:?}");
        for n in 0..d.len() {
            assert_ne!(probe(&d[..n], dir, on(1)), Probe::No, "prefix {n} of {d:?}");
        }
    }

    pub(crate) const SMB2_NEGOTIATE: &[u8] =
        b"\x00\x00\x00\x66\xfeSMB\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    pub(crate) const DCERPC_BIND: &[u8] =
        b"\x05\x00\x0b\x03\x10\x00\x00\x00\x48\x00\x00\x00\x01\x00\x00\x00\xb8\x10\xb8\x10";
    pub(crate) const MQTT_CONNECT: &[u8] =
        b"\x10\x17\x00\x04MQTT\x04\x02\x00\x3c\x00\x0bclient-0001";
    pub(crate) const RDP_CR: &[u8] =
        b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00";

    #[test]
    fn ssh_either_side_any_port() {
        prefixes_wait(ssh, b"SSH-2.0-OpenSSH_9.6\r\n", TS);
        assert_eq!(tcp(b"SSH-2.0-x\r\n", TC, 2222), Some(AppProto::Ssh));
        assert_eq!(tcp(b"ssh-1.99-x\r\n", TS, 22), Some(AppProto::Ssh));
        assert_eq!(ssh(b"SSX-", TS, on(22)), Probe::No);
    }

    #[test]
    fn smb_headers() {
        prefixes_wait(smb, SMB2_NEGOTIATE, TS);
        assert_eq!(tcp(SMB2_NEGOTIATE, TS, 8445), Some(AppProto::Smb));
        assert_eq!(
            tcp(b"\x00\x00\x00\x2f\xffSMBr\x00", TC, 445),
            Some(AppProto::Smb)
        );
        assert_eq!(smb(b"\x00\x00\x00\x2f\xfdSMB", TS, on(1)), Probe::Yes);
        assert_eq!(smb(b"\x00\x00\x00\x2f\xfcSMB", TS, on(1)), Probe::No);
        assert_eq!(smb(b"\x00\x02\x00\x2f\xffSMB", TS, on(1)), Probe::No);
        // NetBIOS session service: the server's answer, only on SMB's ports.
        let req = b"\x81\x00\x00\x44\x20CKFDENECFDEFFCFGEFFCCACACACACACA\x00";
        assert_eq!(tcp(req, TS, 139), None);
        assert_eq!(tcp(b"\x82\x00\x00\x00", TC, 139), Some(AppProto::Smb));
        assert_eq!(tcp(b"\x82\x00\x00\x00", TC, 1139), None);
        assert_eq!(tcp(b"\x82\x00\x00\x00", TS, 139), None);
    }

    #[test]
    fn dcerpc_header() {
        prefixes_wait(dcerpc_tcp, DCERPC_BIND, TS);
        assert_eq!(tcp(DCERPC_BIND, TS, 49152), Some(AppProto::Dcerpc));
        let mut bad = DCERPC_BIND.to_vec();
        bad[1] = 2;
        assert_eq!(dcerpc_tcp(&bad, TS, on(135)), Probe::No);
        bad[1] = 0;
        bad[4] = 0x12;
        assert_eq!(dcerpc_tcp(&bad, TS, on(135)), Probe::No);
        bad[4] = 0x10;
        bad[8] = 8;
        assert_eq!(dcerpc_tcp(&bad, TS, on(135)), Probe::No);
    }

    #[test]
    fn http2_preface_from_the_client() {
        let p = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04";
        prefixes_wait(http2, p, TS);
        assert_eq!(tcp(p, TS, 8080), Some(AppProto::Http2));
        assert_eq!(http2(p, TC, on(80)), Probe::No);
        assert_eq!(http2(b"PRI * HTTP/1.1\r\n", TS, on(80)), Probe::No);
    }

    #[test]
    fn mqtt_connect_on_its_port() {
        prefixes_wait(mqtt, MQTT_CONNECT, TS);
        assert_eq!(tcp(MQTT_CONNECT, TS, 1883), Some(AppProto::Mqtt));
        assert_eq!(tcp(MQTT_CONNECT, TS, 1884), None);
        let old = b"\x10\x19\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x0bclient-0001";
        assert_eq!(tcp(old, TS, 1883), Some(AppProto::Mqtt));
        let mut bad = MQTT_CONNECT.to_vec();
        bad[8] = 9;
        assert_eq!(mqtt(&bad, TS, on(1883)), Probe::No);
        assert_eq!(mqtt(b"\x20\x02\x00\x00", TS, on(1883)), Probe::No);
        assert_eq!(mqtt(b"\x10\xff\xff\xff\xff\x01", TS, on(1883)), Probe::No);
    }

    #[test]
    fn rdp_connection_request_and_confirm() {
        prefixes_wait(rdp, RDP_CR, TS);
        assert_eq!(tcp(RDP_CR, TS, 3389), Some(AppProto::Rdp));
        assert_eq!(tcp(RDP_CR, TS, 3390), None);
        let cc = b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x01\x00\x00\x00";
        assert_eq!(tcp(cc, TC, 3389), Some(AppProto::Rdp));
        assert_eq!(rdp(cc, TS, on(3389)), Probe::No);
    }

    #[test]
    fn imap_capability_only() {
        assert_eq!(tcp(b"1 CAPABILITY\r\n", TS, 143), Some(AppProto::Imap));
        assert_eq!(tcp(b"a1 LOGIN x y\r\n", TS, 143), None);
        assert_eq!(tcp(b"* OK IMAP4rev1\r\n", TC, 143), None);
    }

    pub(crate) const KRB5_AS_REQ: &[u8] = b"\x6a\x0a\x30\x08\xa1\x03\x02\x01\x05\xa2\x01\x0a";

    #[test]
    fn krb5_udp_and_tcp() {
        assert_eq!(udp(KRB5_AS_REQ, TS, 88), Some(AppProto::Krb5));
        assert_eq!(udp(KRB5_AS_REQ, TS, 89), None);
        let mut framed = (KRB5_AS_REQ.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(KRB5_AS_REQ);
        prefixes_wait(krb5_tcp, &framed, TS);
        assert_eq!(tcp(&framed, TS, 88), Some(AppProto::Krb5));
        assert_eq!(krb5_udp(b"\x6a\x7f\x30", TS, on(88)), Probe::No);
        assert_eq!(krb5_udp(b"\x61\x02\x30\x00", TS, on(88)), Probe::No);
    }

    pub(crate) const SNMP_GET: &[u8] = b"\x30\x26\x02\x01\x01\x04\x06public\xa0\x19\x02\x04\x12\x34\x56\x78\x02\x01\x00\x02\x01\x00\x30\x0b\x30\x09\x06\x05\x2b\x06\x01\x02\x01\x05\x00";

    #[test]
    fn snmp_versions() {
        assert_eq!(udp(SNMP_GET, TS, 161), Some(AppProto::Snmp));
        assert_eq!(udp(SNMP_GET, TS, 1161), None);
        let mut v5 = SNMP_GET.to_vec();
        v5[4] = 5;
        assert_eq!(snmp(&v5, TS, on(161)), Probe::No);
        assert_eq!(snmp(&SNMP_GET[..20], TS, on(161)), Probe::No);
    }

    #[test]
    fn sip_any_udp_port() {
        let inv = b"INVITE sip:bob@example.org SIP/2.0\r\nVia: x\r\n\r\n";
        assert_eq!(udp(inv, TS, 5060), Some(AppProto::Sip));
        // Suricata 7 probes SIP on its port only (checked).
        assert_eq!(udp(inv, TS, 15060), None);
        assert_eq!(
            udp(b"SIP/2.0 200 OK\r\n\r\n", TC, 5060),
            Some(AppProto::Sip)
        );
        assert_eq!(sip(b"SIP/2.0 200 OK\r\n", TS, on(5060)), Probe::No);
        assert_eq!(sip(b"INVITE sip:x HTTP/1.1\r\n", TS, on(5060)), Probe::No);
    }

    #[test]
    fn dhcp_ntp_tftp_on_their_ports() {
        let mut d = vec![0u8; 300];
        d[..3].copy_from_slice(&[1, 1, 6]);
        d[236..240].copy_from_slice(&[0x63, 0x82, 0x53, 0x63]);
        assert_eq!(udp(&d, TS, 67), Some(AppProto::Dhcp));
        assert_eq!(udp(&d, TS, 6767), None);
        d[237] = 0;
        assert_eq!(dhcp(&d, TS, on(67)), Probe::No);
        let mut n = vec![0u8; 48];
        n[0] = 0x23; // version 4, client
        assert_eq!(udp(&n, TS, 123), Some(AppProto::Ntp));
        n[0] = 0x13; // version 2
        assert_eq!(ntp(&n, TS, on(123)), Probe::No);
        assert_eq!(ntp(&[0x23; 47], TS, on(123)), Probe::No);
        assert_eq!(
            udp(b"\x00\x01file.txt\x00octet\x00", TS, 69),
            Some(AppProto::Tftp)
        );
        assert_eq!(
            tftp(b"\x00\x01file.txt\x00bogus\x00", TS, on(69)),
            Probe::No
        );
        assert_eq!(tftp(b"\x00\x03\x00\x01data", TS, on(69)), Probe::No);
        assert_eq!(tftp(b"\x00\x01file.txt\x00octet", TS, on(69)), Probe::No);
    }

    pub(crate) const IKE_SA_INIT: &[u8] = &[
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x20, 0x22,
        0x08, 0, 0, 0, 0, 0, 0, 0, 28,
    ];

    #[test]
    fn ike_header() {
        assert_eq!(udp(IKE_SA_INIT, TS, 500), Some(AppProto::Ike));
        assert_eq!(udp(IKE_SA_INIT, TS, 501), None);
        let mut natt = vec![0u8; 4];
        natt.extend_from_slice(IKE_SA_INIT);
        assert_eq!(udp(&natt, TS, 4500), None);
        let mut bad = IKE_SA_INIT.to_vec();
        bad[17] = 0x30;
        assert_eq!(ike(&bad, TS, on(500)), Probe::No);
        bad[17] = 0x20;
        bad[27] = 40;
        assert_eq!(ike(&bad, TS, on(500)), Probe::No);
    }

    #[test]
    fn nfs_rpc() {
        let mut call = b"\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa3\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        // Too short for Suricata's probe (48 bytes).
        assert_eq!(udp(&call, TS, 2049), None);
        call.extend_from_slice(&[0; 12]);
        assert_eq!(udp(&call, TS, 2049), Some(AppProto::Nfs));
        let call = &call[..];
        let mut framed = (0x8000_0000u32 | call.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(call);
        prefixes_wait(nfs_tcp, &framed, TS);
        assert_eq!(tcp(&framed, TS, 2049), Some(AppProto::Nfs));
        assert_eq!(tcp(&framed, TS, 2050), None);
        let reply = b"\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        assert_eq!(udp(reply, TC, 2049), Some(AppProto::Nfs));
        let mut mount = call.to_vec();
        mount[15] = 0xa5; // program 100005
        assert_eq!(nfs_udp(&mount, TS, on(2049)), Probe::No);
    }

    #[test]
    fn disabled_protocols_probe_but_are_not_detected() {
        assert_eq!(
            dnp3(b"\x05\x64\x05\xc9\x01\x00\x02\x00", TS, on(20000)),
            Probe::Yes
        );
        assert_eq!(tcp(b"\x05\x64\x05\xc9\x01\x00\x02\x00", TS, 20000), None);
        assert_eq!(
            modbus(
                b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x00\x00\x0a",
                TS,
                on(502)
            ),
            Probe::Yes
        );
        assert_eq!(
            modbus(b"\x00\x01\x00\x01\x00\x06\x01\x03", TS, on(502)),
            Probe::No
        );
    }

    #[test]
    fn rfb_and_quic() {
        let v = b"RFB 003.008\n";
        prefixes_wait(rfb, v, TC);
        assert_eq!(tcp(v, TC, 5901), Some(AppProto::Rfb));
        assert_eq!(rfb(b"RFB 3.8\n\0\0\0\0", TC, on(5900)), Probe::No);
        let mut initial = vec![0xc3, 0, 0, 0, 1, 8];
        initial.extend_from_slice(&[0x11; 8]);
        initial.push(0);
        initial.extend_from_slice(&[0; 40]);
        assert_eq!(udp(&initial, TS, 443), Some(AppProto::Quic));
        assert_eq!(udp(&initial, TS, 4443), None);
        let mut g = vec![0x0d];
        g.extend_from_slice(&[0x22; 8]);
        g.extend_from_slice(b"Q035");
        g.extend_from_slice(&[0; 30]);
        assert_eq!(udp(&g, TS, 443), Some(AppProto::Quic));
        initial[4] = 7;
        assert_eq!(quic(&initial, TS, on(443)), Probe::No);
        assert_eq!(quic(&[0x40; 30], TS, on(443)), Probe::No);
    }

    proptest! {
        /// Probes never panic, on any bytes, either direction, any port; and a TCP probe
        /// that said `No` on a start says `No` on every longer one (held bytes are never
        /// reconsidered).
        #[test]
        fn probes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300),
                              extra in proptest::collection::vec(any::<u8>(), 0..40),
                              server in any::<u16>(), ts in any::<bool>()) {
            let dir = if ts { TS } else { TC };
            let ports = Ports { client: 40000, server };
            for p in PROTOCOLS {
                let first = (p.probe)(&data, dir, ports);
                if p.transport == super::super::registry::Transport::Tcp && first == Probe::No {
                    let mut longer = data.clone();
                    longer.extend_from_slice(&extra);
                    prop_assert_eq!((p.probe)(&longer, dir, ports), Probe::No, "{}", p.name());
                }
            }
            let _ = detect_tcp(&data, dir, ports);
            let _ = detect_udp(&data, dir, ports);
        }

        /// Truncations of recognised starts never panic and never claim another protocol.
        #[test]
        fn truncated_starts(cut in 0usize..64, which in 0usize..4) {
            let (d, port, want) = [
                (SMB2_NEGOTIATE, 445, AppProto::Smb),
                (DCERPC_BIND, 135, AppProto::Dcerpc),
                (MQTT_CONNECT, 1883, AppProto::Mqtt),
                (RDP_CR, 3389, AppProto::Rdp),
            ][which];
            let d = &d[..cut.min(d.len())];
            if let Some(p) = tcp(d, TS, port) {
                prop_assert_eq!(p, want);
            }
        }
    }
}
