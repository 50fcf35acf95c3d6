//! SSH (RFC 4253) up to the end of the key exchange, as Suricata 7 parses and logs it: each
//! side's identification line (`SSH-protoversion-softwareversion comments`, the first line of
//! each side: a server's lines before it make the side invalid, as in Suricata), then the binary
//! packets in the clear, of which only KEXINIT is read (for HASSH) and NEWKEYS (what follows is
//! encrypted: that side is done). EVE `ssh` records and the `ssh.*` rule buffers.
//!
//! One transaction per flow, logged once both identification lines are in (Suricata logs at
//! "banner done"), or at flow end if only one came. A side's buffers are inspected when its
//! line is complete (and its HASSH once its KEXINIT is); the session's events
//! (`ssh.invalid_banner`, `ssh.long_banner`, `ssh.invalid_record`) once from each side, as
//! Suricata inspects a transaction's events. Bounded: a banner line keeps at most 255 bytes, a
//! KEXINIT at most 64 KiB; other packets are skipped without being held.

use super::parser::{AppParser, ParserEvent, Tx};
use super::registry::AppProto;
use super::Direction;
use crate::events::{AppEvent, AppEvents};

/// Longest identification line kept (RFC 4253: 255 bytes with CR LF; Suricata's limit).
pub const MAX_BANNER: usize = 255;
/// Largest KEXINIT read for HASSH (larger ones are skipped: no HASSH for that side).
const MAX_KEXINIT: usize = 64 * 1024;

const MSG_KEXINIT: u8 = 20;
const MSG_NEWKEYS: u8 = 21;

/// HASSH: the MD5 of `kex;encryption;mac;compression` of a KEXINIT (the client's lists for
/// `ssh.hassh`, the server's for `ssh.hassh.server`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hassh {
    pub string: String,
    pub hash: String,
}

/// What one side said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshSide {
    /// `2.0`, `1.99`, ... (the text between `SSH-` and the next `-`).
    pub proto_version: Vec<u8>,
    /// The software version: up to the first space (comments are not part of it).
    pub software_version: Vec<u8>,
    pub hassh: Option<Hassh>,
    /// The identification line was complete.
    pub banner_done: bool,
}

/// The flow's transaction: both sides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshTx {
    pub client: SshSide,
    pub server: SshSide,
    /// Parser events of the session (Suricata's are the transaction's, seen from both sides).
    pub events: AppEvents,
}

impl SshTx {
    pub fn side(&self, dir: Direction) -> &SshSide {
        match dir {
            Direction::ToServer => &self.client,
            Direction::ToClient => &self.server,
        }
    }

    fn side_mut(&mut self, dir: Direction) -> &mut SshSide {
        match dir {
            Direction::ToServer => &mut self.client,
            Direction::ToClient => &mut self.server,
        }
    }

    /// The EVE `ssh` object: `client` and `server` with what each side sent. HASSH is not
    /// written, as in Suricata's default configuration (`app-layer.protocols.ssh.hassh`
    /// off); rules still see it.
    pub fn write_eve(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        let mut first = true;
        for (name, side) in [("client", &self.client), ("server", &self.server)] {
            if !side.banner_done && side.proto_version.is_empty() {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":{\"proto_version\":");
            crate::output::json::write_bytes_lossy(out, &side.proto_version);
            out.extend_from_slice(b",\"software_version\":");
            crate::output::json::write_bytes_lossy(out, &side.software_version);
            out.push(b'}');
        }
        out.push(b'}');
    }
}

/// Where a side's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Phase {
    /// Before the identification line (servers may send other lines first).
    #[default]
    Banner,
    /// Binary packets in the clear.
    Records,
    /// After NEWKEYS (or after data that is not SSH): nothing more is read.
    Done,
}

#[derive(Debug, Default)]
struct SideState {
    phase: Phase,
    /// The line being read (at most [`MAX_BANNER`] bytes kept).
    line: Vec<u8>,
    line_len: usize,
    /// Header bytes of the binary packet being read (length, padding length, message code).
    head: [u8; 6],
    head_len: usize,
    /// Bytes of the current packet still to come after its header.
    rest: u64,
    /// The current packet is a KEXINIT being kept (its payload after the message code).
    kexinit: Option<Vec<u8>>,
}

pub struct SshParser {
    tx: SshTx,
    sides: [SideState; 2],
    /// The transaction was handed out for logging.
    logged: bool,
    /// Sides whose buffers are ready to inspect and were not handed out yet (bit per side:
    /// 1 banner, 2 HASSH, 4 new events).
    pending: [u8; 2],
    /// Events already handed out for inspection, per direction.
    inspected: [AppEvents; 2],
    events: Vec<ParserEvent>,
}

impl Default for SshParser {
    fn default() -> Self {
        Self::new()
    }
}

fn idx(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

const DIRS: [Direction; 2] = [Direction::ToServer, Direction::ToClient];

impl SshParser {
    pub fn new() -> SshParser {
        SshParser {
            tx: SshTx::default(),
            sides: Default::default(),
            logged: false,
            pending: [0; 2],
            inspected: [AppEvents::NONE; 2],
            events: Vec::new(),
        }
    }

    fn event(&mut self, dir: Direction, name: &'static str) {
        let e = match name {
            "invalid_banner" => AppEvent::SshInvalidBanner,
            "long_banner" => AppEvent::SshLongBanner,
            _ => AppEvent::SshInvalidRecord,
        };
        if !self.tx.events.has(e) {
            self.tx.events.set(e);
            // Suricata inspects the transaction's events once from each side.
            self.pending[0] |= 4;
            self.pending[1] |= 4;
        }
        // Each kind once per direction: the list stays bounded whatever the traffic.
        if !self.events.iter().any(|e| e.dir == dir && e.name == name) {
            self.events.push(ParserEvent {
                proto: AppProto::Ssh,
                dir,
                name,
            });
        }
    }

    /// A complete line of the banner phase (without LF; a CR before it is trimmed).
    fn banner_line(&mut self, dir: Direction, line: &[u8], too_long: bool) {
        let i = idx(dir);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(rest) = line.strip_prefix(b"SSH-") else {
            // RFC 4253 lets a server send other lines first; Suricata 7 takes the first line
            // for the identification, and so does this parser (same records, same events).
            self.invalid_banner(dir);
            return;
        };
        if too_long {
            self.event(dir, "long_banner");
        }
        let Some(dash) = rest.iter().position(|&b| b == b'-') else {
            self.invalid_banner(dir);
            return;
        };
        let software = &rest[dash + 1..];
        let end = software
            .iter()
            .position(|&b| b == b' ' || b == b'\r')
            .unwrap_or(software.len());
        let side = self.tx.side_mut(dir);
        side.proto_version = rest[..dash].to_vec();
        side.software_version = software[..end].to_vec();
        side.banner_done = true;
        self.sides[i].phase = Phase::Records;
        self.pending[i] |= 1;
    }

    /// A side's first line is not an identification: that side stops; a client's also stops
    /// the server's (Suricata fails the flow's parser then, and logs nothing).
    fn invalid_banner(&mut self, dir: Direction) {
        self.event(dir, "invalid_banner");
        self.sides[idx(dir)].phase = Phase::Done;
        if dir == Direction::ToServer && !self.tx.server.banner_done {
            self.sides[1].phase = Phase::Done;
        }
    }

    fn feed_banner<'d>(&mut self, dir: Direction, data: &'d [u8]) -> &'d [u8] {
        let i = idx(dir);
        let mut data = data;
        while self.sides[i].phase == Phase::Banner && !data.is_empty() {
            let nl = memchr::memchr(b'\n', data);
            let part = &data[..nl.unwrap_or(data.len())];
            let s = &mut self.sides[i];
            let room = MAX_BANNER.saturating_sub(s.line.len());
            s.line.extend_from_slice(&part[..part.len().min(room)]);
            s.line_len += part.len();
            match nl {
                Some(n) => {
                    data = &data[n + 1..];
                    let line = std::mem::take(&mut self.sides[i].line);
                    let too_long = self.sides[i].line_len + 1 > MAX_BANNER;
                    self.sides[i].line_len = 0;
                    self.banner_line(dir, &line, too_long);
                    self.sides[i].line = line;
                    self.sides[i].line.clear();
                }
                None => data = &[],
            }
        }
        data
    }

    fn feed_records(&mut self, dir: Direction, mut data: &[u8]) {
        let i = idx(dir);
        while self.sides[i].phase == Phase::Records && !data.is_empty() {
            let s = &mut self.sides[i];
            if s.rest > 0 {
                let take = (s.rest as usize).min(data.len());
                if let Some(k) = &mut s.kexinit {
                    k.extend_from_slice(&data[..take]);
                }
                s.rest -= take as u64;
                data = &data[take..];
                if s.rest == 0 {
                    if let Some(k) = s.kexinit.take() {
                        self.kexinit(dir, &k);
                    }
                }
                continue;
            }
            let need = 6 - s.head_len;
            let take = need.min(data.len());
            s.head[s.head_len..s.head_len + take].copy_from_slice(&data[..take]);
            s.head_len += take;
            data = &data[take..];
            // A length that cannot hold the padding length and message code is judged as soon
            // as it is read (Suricata does not wait for more).
            if s.head_len >= 4
                && u32::from_be_bytes([s.head[0], s.head[1], s.head[2], s.head[3]]) < 2
            {
                self.event(dir, "invalid_record");
                self.sides[i].phase = Phase::Done;
                break;
            }
            if s.head_len < 6 {
                break;
            }
            s.head_len = 0;
            let len = u32::from_be_bytes([s.head[0], s.head[1], s.head[2], s.head[3]]);
            let code = s.head[5];
            // The packet's bytes after the message code (payload rest and padding).
            let rest = u64::from(len) - 2;
            let s = &mut self.sides[i];
            s.rest = rest;
            s.kexinit = (code == MSG_KEXINIT
                && self.tx.side(dir).hassh.is_none()
                && rest as usize <= MAX_KEXINIT)
                .then(|| Vec::with_capacity(rest as usize));
            if code == MSG_NEWKEYS {
                // What follows this packet is encrypted.
                s.phase = Phase::Done;
            }
            if rest == 0 {
                if let Some(k) = s.kexinit.take() {
                    self.kexinit(dir, &k);
                }
            }
        }
    }

    /// A KEXINIT's bytes after the message code: cookie, ten name-lists, ...
    fn kexinit(&mut self, dir: Direction, body: &[u8]) {
        let Some(mut p) = body.get(16..) else {
            return;
        };
        let mut lists: [&[u8]; 8] = [&[]; 8];
        for l in lists.iter_mut() {
            let Some(n) = p
                .get(..4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            else {
                return;
            };
            let Some(v) = p.get(4..4 + n as usize) else {
                return;
            };
            *l = v;
            p = &p[4 + n as usize..];
        }
        // kex, host key, enc c2s, enc s2c, mac c2s, mac s2c, comp c2s, comp s2c.
        let pick = match dir {
            Direction::ToServer => [lists[0], lists[2], lists[4], lists[6]],
            Direction::ToClient => [lists[0], lists[3], lists[5], lists[7]],
        };
        let mut string = String::new();
        for (n, l) in pick.iter().enumerate() {
            if n > 0 {
                string.push(';');
            }
            string.push_str(&String::from_utf8_lossy(l));
        }
        use md5::Digest;
        let digest = md5::Md5::digest(string.as_bytes());
        let mut hash = String::with_capacity(32);
        for b in digest {
            hash.push_str(&format!("{b:02x}"));
        }
        self.tx.side_mut(dir).hassh = Some(Hassh { string, hash });
        self.pending[idx(dir)] |= 2;
    }
}

impl AppParser for SshParser {
    fn proto(&self) -> AppProto {
        AppProto::Ssh
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        let i = idx(dir);
        let mut data = data;
        if self.sides[i].phase == Phase::Banner {
            data = self.feed_banner(dir, data);
        }
        if self.sides[i].phase == Phase::Records {
            self.feed_records(dir, data);
        }
    }

    fn gap(&mut self, dir: Direction, _len: u64) {
        // Lost bytes: packet boundaries cannot be found again.
        self.sides[idx(dir)].phase = Phase::Done;
    }

    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        for dir in DIRS {
            let i = idx(dir);
            if self.pending[i] != 0 {
                let ready = self.pending[i];
                self.pending[i] = 0;
                let new = self.tx.events.without(self.inspected[i]);
                self.inspected[i] = self.tx.events;
                out(Tx::Ssh {
                    tx: &self.tx,
                    inspect: Some((dir, ready, new)),
                    log: false,
                });
            }
        }
        let both = self.tx.client.banner_done && self.tx.server.banner_done;
        let any = self.tx.client.banner_done || self.tx.server.banner_done;
        if !self.logged && (both || at_end && any) {
            self.logged = true;
            out(Tx::Ssh {
                tx: &self.tx,
                inspect: None,
                log: true,
            });
        }
    }

    fn events(&mut self, out: &mut dyn FnMut(ParserEvent)) {
        for e in self.events.drain(..) {
            out(e);
        }
    }

    fn is_done(&self) -> bool {
        // Nothing more is read once both sides are done; what is left is the record, unless
        // neither side ever sent an identification (then there is none to log).
        let nothing_to_log = !self.tx.client.banner_done && !self.tx.server.banner_done;
        self.sides.iter().all(|s| s.phase == Phase::Done) && (self.logged || nothing_to_log)
    }

    fn encrypted(&self) -> bool {
        self.sides.iter().all(|s| s.phase == Phase::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary packet: length, padding length, payload, padding (4 bytes).
    fn packet(payload: &[u8]) -> Vec<u8> {
        let pad = 4;
        let len = (payload.len() + pad + 1) as u32;
        let mut v = len.to_be_bytes().to_vec();
        v.push(pad as u8);
        v.extend_from_slice(payload);
        v.extend_from_slice(&[0; 4]);
        v
    }

    fn name_list(s: &str) -> Vec<u8> {
        let mut v = (s.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(s.as_bytes());
        v
    }

    fn kexinit(lists: [&str; 10]) -> Vec<u8> {
        let mut v = vec![MSG_KEXINIT];
        v.extend_from_slice(&[7; 16]);
        for l in lists {
            v.extend(name_list(l));
        }
        v.push(0);
        v.extend_from_slice(&[0; 4]);
        packet(&v)
    }

    fn run(
        client: &[u8],
        server: &[u8],
        split: usize,
    ) -> (SshParser, Vec<(Option<Direction>, bool)>) {
        let mut p = SshParser::new();
        let mut seen = Vec::new();
        for (dir, data) in [(Direction::ToClient, server), (Direction::ToServer, client)] {
            for chunk in data.chunks(split.max(1)) {
                p.feed(dir, chunk);
                p.drain(false, &mut |tx| {
                    if let Tx::Ssh { inspect, log, .. } = tx {
                        seen.push((inspect.map(|i| i.0), log));
                    }
                });
            }
        }
        (p, seen)
    }

    fn session() -> (Vec<u8>, Vec<u8>) {
        let mut c = b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n".to_vec();
        c.extend(kexinit([
            "curve25519-sha256,ext-info-c",
            "ssh-ed25519",
            "aes128-ctr,aes256-gcm@openssh.com",
            "aes128-ctr",
            "hmac-sha2-256",
            "hmac-sha2-256",
            "none,zlib@openssh.com",
            "none",
            "",
            "",
        ]));
        c.extend(packet(&[30, 1, 2, 3]));
        c.extend(packet(&[MSG_NEWKEYS]));
        c.extend_from_slice(&[0xde; 40]);
        let mut s = b"SSH-1.99-Cisco-1.25\n".to_vec();
        s.extend(kexinit([
            "diffie-hellman-group14-sha1",
            "ssh-rsa",
            "aes128-cbc",
            "aes256-cbc",
            "hmac-sha1",
            "hmac-md5",
            "none",
            "zlib",
            "",
            "",
        ]));
        s.extend(packet(&[MSG_NEWKEYS]));
        s.extend_from_slice(&[0xad; 40]);
        (c, s)
    }

    #[test]
    fn banners_hassh_and_newkeys_whatever_the_split() {
        let (c, s) = session();
        for split in [1, 2, 3, 7, 64, 10_000] {
            let (p, seen) = run(&c, &s, split);
            let t = &p.tx;
            assert_eq!(t.client.proto_version, b"2.0");
            assert_eq!(t.client.software_version, b"OpenSSH_8.9p1");
            assert_eq!(t.server.proto_version, b"1.99");
            assert_eq!(t.server.software_version, b"Cisco-1.25");
            let ch = t.client.hassh.as_ref().unwrap();
            assert_eq!(
                ch.string,
                "curve25519-sha256,ext-info-c;aes128-ctr,aes256-gcm@openssh.com;hmac-sha2-256;none,zlib@openssh.com"
            );
            assert_eq!(ch.hash.len(), 32);
            let sh = t.server.hassh.as_ref().unwrap();
            assert_eq!(
                sh.string,
                "diffie-hellman-group14-sha1;aes256-cbc;hmac-md5;zlib"
            );
            assert!(p.encrypted() && p.is_done(), "split {split}");
            // Logged once, each side inspected (banner, then HASSH: once or twice by split).
            assert_eq!(seen.iter().filter(|s| s.1).count(), 1);
            assert!(seen.contains(&(Some(Direction::ToServer), false)));
            assert!(seen.contains(&(Some(Direction::ToClient), false)));
        }
    }

    #[test]
    fn hassh_equals_suricatas() {
        // Suricata 7.0.10 (`ssh.hassh: yes`) on zeek-traces/var-services-std-ports.pcap: the
        // OpenSSH_5.2 client's HASSH and its string.
        let kex = "diffie-hellman-group-exchange-sha256,diffie-hellman-group-exchange-sha1,diffie-hellman-group14-sha1,diffie-hellman-group1-sha1";
        let enc = "aes128-ctr,aes192-ctr,aes256-ctr,arcfour256,arcfour128,aes128-cbc,3des-cbc,blowfish-cbc,cast128-cbc,aes192-cbc,aes256-cbc,arcfour,rijndael-cbc@lysator.liu.se";
        let mac = "hmac-md5,hmac-sha1,umac-64@openssh.com,hmac-ripemd160,hmac-ripemd160@openssh.com,hmac-sha1-96,hmac-md5-96";
        let comp = "none,zlib@openssh.com,zlib";
        let mut p = SshParser::new();
        p.feed(Direction::ToServer, b"SSH-2.0-OpenSSH_5.2\r\n");
        p.feed(
            Direction::ToServer,
            &kexinit([kex, "ssh-rsa", enc, "x", mac, "x", comp, "x", "", ""]),
        );
        let h = p.tx.client.hassh.as_ref().unwrap();
        assert_eq!(h.string, format!("{kex};{enc};{mac};{comp}"));
        assert_eq!(h.hash, "21b457a327ce7a2d4fce5ef2c42400bd");
    }

    #[test]
    fn not_ssh_and_broken_records_stop_parsing() {
        let mut p = SshParser::new();
        p.feed(Direction::ToServer, b"GET / HTTP/1.1\r\n");
        let mut names = Vec::new();
        p.events(&mut |e| names.push(e.name));
        assert_eq!(names, ["invalid_banner"]);
        let mut p = SshParser::new();
        p.feed(Direction::ToServer, b"SSH-2.0-x\r\n\x00\x00\x00\x01\x00");
        let mut names = Vec::new();
        p.events(&mut |e| names.push(e.name));
        assert_eq!(names, ["invalid_record"]);
        assert_eq!(p.tx.client.software_version, b"x");
    }

    #[test]
    fn long_banner_is_flagged_and_packets_follow() {
        let mut line = b"SSH-2.0-".to_vec();
        line.extend(std::iter::repeat_n(b'a', 400));
        line.extend_from_slice(b"\r\n");
        line.extend(packet(&[MSG_NEWKEYS]));
        for split in [1, 50, 1000] {
            let mut p = SshParser::new();
            for c in line.chunks(split) {
                p.feed(Direction::ToServer, c);
            }
            let mut names = Vec::new();
            p.events(&mut |e| names.push(e.name));
            assert_eq!(names, ["long_banner"], "split {split}");
            assert!(p.tx.client.software_version.len() < MAX_BANNER);
            assert_eq!(p.sides[0].phase, Phase::Done, "split {split}");
        }
    }

    #[test]
    fn eve_object() {
        let (c, s) = session();
        let (p, _) = run(&c, &s, 100);
        let mut out = Vec::new();
        p.tx.write_eve(&mut out);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["client"]["software_version"], "OpenSSH_8.9p1");
        assert_eq!(v["server"]["proto_version"], "1.99");
    }
}
