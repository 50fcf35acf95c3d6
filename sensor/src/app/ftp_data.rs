//! FTP data connections (`ftp-data`), linked to their control session as Suricata 7 links
//! them (`app-layer-expectation.c`, `FTPDataParse`).
//!
//! A control session's `STOR` or `RETR`, once a data port is known (PORT/EPRT/PASV/EPSV),
//! leaves an expectation: the two addresses, the data port, the direction the file flows in
//! within the data connection, the command and the file name. A TCP flow between the same
//! two addresses whose server port is that port and whose first data (in the expected
//! direction) no protocol probe recognises takes the expectation: it becomes `ftp-data`, and
//! the file is what its expected direction carries.
//!
//! The table is shared by the workers (a data connection hashes to any worker), behind one
//! mutex that is taken only when a control session creates an expectation and when a new TCP
//! flow that probes did not recognise looks for one while any is waiting (an atomic count),
//! never per packet. Entries are bounded: 10 per address pair (the oldest dropped, as
//! Suricata's `EXPECTATION_MAX_LEVEL`), 4,096 in all; one that does not match is dropped once
//! it is 30 s old (Suricata's `EXPECTATION_TIMEOUT`), and a control session's entries go when
//! it ends.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::parser::{AppParser, Tx};
use super::registry::AppProto;
use super::Direction;
use crate::time::Timestamp;

/// Expectations per address pair (Suricata's `EXPECTATION_MAX_LEVEL`).
const PER_PAIR: usize = 10;
/// Expectations in all.
const MAX_TOTAL: usize = 4096;
/// Age in seconds past which an expectation that did not match is dropped
/// (`EXPECTATION_TIMEOUT`, compared in whole seconds as Suricata does).
const TIMEOUT_SECS: u64 = 30;
/// File bytes kept for `file.data` (Suricata inspects a file in windows; the sensor inspects
/// what it kept once the transfer ends).
pub const FILE_KEEP: usize = 64 * 1024;

/// The transfer command of a data connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FtpDataCmd {
    Stor,
    Retr,
}

impl FtpDataCmd {
    pub fn name(self) -> &'static str {
        match self {
            FtpDataCmd::Stor => "STOR",
            FtpDataCmd::Retr => "RETR",
        }
    }
}

/// What a control session's STOR/RETR expects, as its parser hands it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// The data connection's server port.
    pub port: u16,
    /// Direction of the file within the data connection.
    pub dir: Direction,
    pub cmd: FtpDataCmd,
    /// The command line from its sixth byte (Suricata's `line + 5`), up to 4095 bytes.
    pub file_name: Vec<u8>,
}

struct Entry {
    expect: Expect,
    created: Timestamp,
    /// The control flow (EVE `parent_id`).
    origin: u64,
    /// Insertion order, for the global bound.
    seq: u64,
}

#[derive(Default)]
struct Inner {
    /// Per unordered address pair, newest first.
    pairs: HashMap<(IpAddr, IpAddr), Vec<Entry>>,
    seq: u64,
}

/// The expectations of all workers.
#[derive(Default)]
pub struct Expectations {
    count: AtomicUsize,
    inner: Mutex<Inner>,
}

fn pair(a: IpAddr, b: IpAddr) -> (IpAddr, IpAddr) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// An expectation taken by a data connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    pub expect: Expect,
    /// The control flow's id.
    pub origin: u64,
}

impl Expectations {
    /// Records what the control flow `origin` between `a` and `b` expects.
    pub fn add(&self, a: IpAddr, b: IpAddr, expect: Expect, created: Timestamp, origin: u64) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *g;
        inner.seq += 1;
        let seq = inner.seq;
        let list = inner.pairs.entry(pair(a, b)).or_default();
        list.insert(
            0,
            Entry {
                expect,
                created,
                origin,
                seq,
            },
        );
        // The count changes only under the lock.
        let mut total = self.count.load(Ordering::Acquire) + 1;
        if list.len() > PER_PAIR {
            list.pop();
            total -= 1;
        }
        while total > MAX_TOTAL {
            // The oldest entry of all goes (rare: only under a flood of transfers).
            let key = inner
                .pairs
                .iter()
                .filter_map(|(k, v)| v.last().map(|e| (e.seq, *k)))
                .min()
                .map(|(_, k)| k);
            let Some(k) = key else { break };
            if let Some(v) = inner.pairs.get_mut(&k) {
                v.pop();
                if v.is_empty() {
                    inner.pairs.remove(&k);
                }
            }
            total -= 1;
        }
        self.count.store(total, Ordering::Release);
    }

    /// The expectation a new flow from `client` to `server:server_port` takes, whose first
    /// data of direction `dir` came at `now` (Suricata's `AppLayerExpectationHandle`: every
    /// matching entry is consumed, the oldest one's data kept; entries that do not match and
    /// are past the timeout are dropped).
    pub fn take(
        &self,
        client: IpAddr,
        server: IpAddr,
        server_port: u16,
        dir: Direction,
        now: Timestamp,
    ) -> Option<Taken> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = pair(client, server);
        let list = g.pairs.get_mut(&key)?;
        let mut found = None;
        let mut removed = 0;
        list.retain(|e| {
            if e.expect.port == server_port && e.expect.dir == dir {
                found = Some(Taken {
                    expect: e.expect.clone(),
                    origin: e.origin,
                });
                removed += 1;
                return false;
            }
            if now.secs() > e.created.secs() + TIMEOUT_SECS {
                removed += 1;
                return false;
            }
            true
        });
        if list.is_empty() {
            g.pairs.remove(&key);
        }
        self.count.fetch_sub(removed, Ordering::AcqRel);
        found
    }

    /// Expectations waiting.
    pub fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The one transaction of a data connection.
#[derive(Debug, Default)]
pub struct FtpDataTx {
    /// Command and file name, once the expected direction carried data (Suricata fills its
    /// state from the expectation then; a connection whose data all went the other way logs
    /// an empty object).
    pub cmd: Option<FtpDataCmd>,
    pub file_name: Vec<u8>,
    /// The first bytes of a file sent to the server (up to [`FILE_KEEP`], and up to its first
    /// hole): its `file.data`.
    pub file: Vec<u8>,
    /// Part of the file was lost.
    pub file_gap: bool,
    pub file_size: u64,
    /// Direction of the file.
    pub dir: Option<Direction>,
    /// The control flow's id (EVE `parent_id`).
    pub parent: u64,
}

impl FtpDataTx {
    /// The EVE `ftp_data` object (Suricata 7's `EveFTPDataAddMetadata`).
    pub fn write_eve(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        if let Some(cmd) = self.cmd {
            out.extend_from_slice(b"\"filename\":");
            super::dns::write_json_bytes(out, &self.file_name);
            out.extend_from_slice(b",\"command\":\"");
            out.extend_from_slice(cmd.name().as_bytes());
            out.push(b'"');
        }
        out.push(b'}');
    }
}

/// Parser of a data connection: keeps the start of the file its expected direction carries.
pub struct FtpDataParser {
    expect: Expect,
    tx: FtpDataTx,
    logged: bool,
}

impl FtpDataParser {
    pub fn new(taken: Taken) -> FtpDataParser {
        FtpDataParser {
            tx: FtpDataTx {
                parent: taken.origin,
                ..Default::default()
            },
            expect: taken.expect,
            logged: false,
        }
    }
}

impl FtpDataParser {
    /// The expected direction carried data: the transaction takes the command and name.
    fn open(&mut self, dir: Direction) {
        if self.tx.cmd.is_none() {
            self.tx.cmd = Some(self.expect.cmd);
            self.tx.dir = Some(dir);
            self.tx.file_name = std::mem::take(&mut self.expect.file_name);
        }
    }
}

impl AppParser for FtpDataParser {
    fn proto(&self) -> AppProto {
        AppProto::FtpData
    }

    fn feed(&mut self, dir: Direction, data: &[u8]) {
        if dir != self.expect.dir || data.is_empty() {
            return;
        }
        self.open(dir);
        self.tx.file_size += data.len() as u64;
        // Only files sent to the server are `file.data` (as Suricata 7.0.10 matched them).
        if dir == Direction::ToServer && !self.tx.file_gap {
            let room = FILE_KEEP.saturating_sub(self.tx.file.len());
            self.tx
                .file
                .extend_from_slice(&data[..data.len().min(room)]);
        }
    }

    /// Lost bytes of the file's direction (or its start, which detection could not hold)
    /// still mean a transfer: the record names it; `file.data` stops at the hole.
    fn gap(&mut self, dir: Direction, _len: u64) {
        if dir == self.expect.dir {
            self.open(dir);
            self.tx.file_gap = true;
        }
    }

    fn drain(&mut self, at_end: bool, out: &mut dyn FnMut(Tx<'_>)) {
        if at_end && !self.logged {
            self.logged = true;
            out(Tx::FtpData(&self.tx));
        }
    }

    fn is_done(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    fn expect(port: u16, dir: Direction) -> Expect {
        Expect {
            port,
            dir,
            cmd: FtpDataCmd::Retr,
            file_name: b"f".to_vec(),
        }
    }

    #[test]
    fn taken_once_by_the_pair_port_and_direction() {
        let t = Expectations::default();
        let now = Timestamp::from_secs_nanos(0, 1);
        assert!(t
            .take(ip(1), ip(2), 5000, Direction::ToClient, now)
            .is_none());
        t.add(ip(1), ip(2), expect(5000, Direction::ToClient), now, 7);
        assert_eq!(t.len(), 1);
        // Another pair, port or direction does not take it.
        assert!(t
            .take(ip(3), ip(2), 5000, Direction::ToClient, now)
            .is_none());
        assert!(t
            .take(ip(1), ip(2), 5001, Direction::ToClient, now)
            .is_none());
        assert!(t
            .take(ip(1), ip(2), 5000, Direction::ToServer, now)
            .is_none());
        // Either address order is the pair (active mode connects from the server).
        let got = t
            .take(ip(2), ip(1), 5000, Direction::ToClient, now)
            .unwrap();
        assert_eq!(got.origin, 7);
        assert!(t.is_empty());
        assert!(t
            .take(ip(1), ip(2), 5000, Direction::ToClient, now)
            .is_none());
    }

    #[test]
    fn bounded_and_expired() {
        let t = Expectations::default();
        let t0 = Timestamp::from_secs_nanos(0, 1);
        for p in 0..15 {
            t.add(ip(1), ip(2), expect(6000 + p, Direction::ToServer), t0, 1);
        }
        assert_eq!(t.len(), PER_PAIR);
        // The oldest went.
        assert!(t
            .take(ip(1), ip(2), 6000, Direction::ToServer, t0)
            .is_none());
        // A lookup 31 s later drops what it does not take.
        let late = Timestamp::from_secs_nanos(31, 1);
        assert!(t
            .take(ip(1), ip(2), 6014, Direction::ToServer, late)
            .is_some());
        assert!(t.is_empty());
    }

    #[test]
    fn file_from_the_expected_direction_only() {
        let mut p = FtpDataParser::new(Taken {
            expect: expect(5000, Direction::ToServer),
            origin: 9,
        });
        p.feed(Direction::ToClient, b"ignored");
        p.feed(Direction::ToServer, b"hello ");
        p.feed(Direction::ToServer, b"world");
        let mut out = Vec::new();
        p.drain(false, &mut |_| panic!("logged before the end"));
        p.drain(true, &mut |tx| {
            let Tx::FtpData(tx) = tx else { panic!() };
            assert_eq!(tx.file, b"hello world");
            assert_eq!(tx.parent, 9);
            tx.write_eve(&mut out);
        });
        assert_eq!(out, br#"{"filename":"f","command":"RETR"}"#);
        // Nothing in the expected direction: an empty object, as Suricata logs it.
        let p = FtpDataParser::new(Taken {
            expect: expect(5000, Direction::ToClient),
            origin: 9,
        });
        let mut out = Vec::new();
        p.tx.write_eve(&mut out);
        assert_eq!(out, b"{}");
    }

    #[test]
    fn a_lost_start_still_names_the_transfer() {
        let mut p = FtpDataParser::new(Taken {
            expect: expect(5000, Direction::ToClient),
            origin: 1,
        });
        p.gap(Direction::ToServer, 0);
        assert!(p.tx.cmd.is_none());
        p.gap(Direction::ToClient, 0);
        p.feed(Direction::ToClient, b"rest");
        assert_eq!(p.tx.cmd, Some(FtpDataCmd::Retr));
        assert_eq!(p.tx.file_name, b"f");
        assert_eq!(p.tx.file_size, 4);
        // A file sent to the client is not kept (no `file.data` for it).
        assert!(p.tx.file.is_empty());
    }
}
