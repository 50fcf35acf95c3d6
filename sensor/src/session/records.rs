//! The records of a flow: what the parsers hand out written as EVE records (with the flow's
//! transaction ids and Community ID), run through the signatures and tapped for the
//! behaviour stage.

use std::io::Write;

use super::{dir_index, Detector, Who};
use crate::app::dns::{self, DnsMessage};
use crate::app::files::{self, File};
use crate::app::http::{self, HttpTransaction};
use crate::app::parser::Tx;
use crate::app::tls::TlsParser;
use crate::app::{AppProto, AppStats};
use crate::detect::engine::{FlowDetect, HttpPhase, Subject};
use crate::flow::TO_SERVER;
use crate::output::eve;
use crate::time::Timestamp;

/// What records about a flow keep between packets.
#[derive(Default)]
pub(super) struct FlowRecords {
    /// Transaction count and Community ID, once a record needed them (most flows of a flood
    /// or a scan never write any record but their flow record).
    pub(super) logged: Option<Box<Logged>>,
    pub(super) detect: FlowDetect,
}

#[derive(Default)]
pub(super) struct Logged {
    /// Transactions logged so far (EVE `tx_id`).
    pub(super) tx_id: u64,
    pub(super) community_id: Option<String>,
    /// HTTP transactions whose request was inspected on its own (`HttpPhase::Request`):
    /// requests are reported in order, and once the session is established all are.
    pub(super) http_requests_inspected: std::ops::Range<u64>,
}

/// The flow's Community ID, computed once.
pub(super) fn community_id<'a>(logged: &'a mut Option<Box<Logged>>, who: &Who) -> &'a str {
    logged
        .get_or_insert_with(Default::default)
        .community_id
        .get_or_insert_with(|| who.ident.community_id())
}

/// `xff` overwrite mode: who the alerts of an HTTP transaction name, the request's
/// `X-Forwarded-For` address as the client when it holds one. Take the flow's Community ID
/// (`community_id`) before running rules with it.
fn xff_who(xff: Option<crate::config::Xff>, who: &Who, tx: &HttpTransaction) -> Who {
    let mut out = *who;
    let forwarded = xff.and_then(|x| {
        let (_, v) = tx
            .request()?
            .header_table()
            .find(|(n, _)| n.eq_ignore_ascii_case(b"x-forwarded-for"))?;
        x.address(v)
    });
    if let Some(ip) = forwarded {
        out.ident.endpoints.src = ip;
    }
    out
}

/// The flow's next EVE `tx_id`, counted.
fn next_tx_id(logged: &mut Option<Box<Logged>>) -> u64 {
    let l = logged.get_or_insert_with(Default::default);
    l.tx_id += 1;
    l.tx_id - 1
}

/// The flow's current EVE `tx_id`.
fn tx_id(logged: &Option<Box<Logged>>) -> u64 {
    logged.as_ref().map_or(0, |l| l.tx_id)
}

/// Writes the records of what a flow's parser hands out, runs the signatures on them and
/// taps them for the behaviour stage.
pub(super) struct TxWriter<'a> {
    pub(super) stats: &'a mut AppStats,
    pub(super) det: &'a mut Option<Detector>,
    pub(super) beh: &'a mut Option<crate::behaviour::Tap>,
    pub(super) rec: &'a mut FlowRecords,
    pub(super) who: &'a Who,
    pub(super) ts: Timestamp,
    pub(super) out: &'a mut Vec<u8>,
    /// The flow's protocol before an upgrade (TLS records name it: `from_proto`).
    pub(super) orig: AppProto,
    /// Write `tls.ja4s` (outside Suricata 7's EVE schema).
    pub(super) tls_ja4s: bool,
    /// `[outputs.xff]`.
    pub(super) xff: Option<crate::config::Xff>,
    /// Fileinfo records and the filestore directory (D46).
    pub(super) files: crate::app::files::FilesOutput,
}

impl TxWriter<'_> {
    pub(super) fn tx(&mut self, tx: Tx<'_>) {
        match tx {
            Tx::HttpRequest(tx) => self.http_request(tx),
            Tx::Http(tx) => self.http(tx),
            Tx::Ftp(tx) => {
                self.stats.ftp_tx += 1;
                self.simple("ftp", |o| tx.write_eve(o));
                if let Some(det) = self.det {
                    // Each side of the command, as Suricata inspects a transaction per
                    // direction (its alerts carry no `ftp` object in 7.0).
                    for dir in [TO_SERVER, 1 - TO_SERVER] {
                        det.run(
                            &Subject::Ftp { tx, dir },
                            self.who,
                            self.rec,
                            self.ts,
                            Some("ftp"),
                            self.out,
                            None,
                        );
                    }
                }
            }
            Tx::FtpData(tx) => {
                self.simple("ftp_data", |o| tx.write_eve(o));
                if let Some(det) = self.det {
                    let obj = |o: &mut Vec<u8>| {
                        o.extend_from_slice(b"\"ftp_data\":");
                        tx.write_eve(o)
                    };
                    det.run(
                        &Subject::FtpData(tx),
                        self.who,
                        self.rec,
                        self.ts,
                        Some("ftp-data"),
                        self.out,
                        Some(&obj),
                    );
                }
            }
            Tx::Smtp(tx) => {
                self.stats.smtp_tx += 1;
                self.simple("smtp", |o| tx.write_eve(o));
                let tx_no = tx_id(&self.rec.logged).saturating_sub(1);
                let obj = |o: &mut Vec<u8>| {
                    o.extend_from_slice(b"\"smtp\":");
                    tx.write_eve(o)
                };
                if let Some(det) = self.det {
                    det.run(
                        &Subject::Smtp(tx),
                        self.who,
                        self.rec,
                        self.ts,
                        Some("smtp"),
                        self.out,
                        Some(&obj),
                    );
                }
                self.files(&tx.files, |f| &f.content, "smtp", &obj, tx_no);
            }
            Tx::Ssh { tx, inspect, log } => {
                if log {
                    self.stats.ssh_tx += 1;
                    self.simple("ssh", |o| tx.write_eve(o));
                }
                if let (Some((dir, ready, events)), Some(det)) = (inspect, &mut *self.det) {
                    det.run(
                        &Subject::Ssh {
                            tx,
                            dir: dir_index(dir),
                            ready,
                            events,
                        },
                        self.who,
                        self.rec,
                        self.ts,
                        Some("ssh"),
                        self.out,
                        None,
                    );
                }
            }
            Tx::Dcerpc {
                tx,
                binding,
                inspect,
                log,
            } => {
                if log {
                    self.stats.dcerpc_tx += 1;
                    self.simple("dcerpc", |o| tx.write_eve(o));
                }
                // Suricata 7.0.10 writes no `dcerpc` object into the alerts of a call.
                if let (Some(dir), Some(det)) = (inspect, &mut *self.det) {
                    det.run(
                        &Subject::Dcerpc {
                            tx,
                            binding,
                            dir: dir_index(dir),
                        },
                        self.who,
                        self.rec,
                        self.ts,
                        Some("dcerpc"),
                        self.out,
                        None,
                    );
                }
            }
            Tx::Tls(p) => self.tls(p),
            Tx::Dns {
                msg,
                dir,
                malformed,
            } => {
                self.stats.dns_messages += 1;
                if let Some(t) = self.beh {
                    let who = self.who;
                    t.dns(&who.ident.endpoints, who.ident.proto, self.ts, msg);
                }
                write_dns(
                    self.rec,
                    self.det,
                    self.who,
                    msg,
                    self.ts,
                    (dir_index(dir), malformed),
                    self.out,
                );
            }
        }
    }

    /// The EVE record of a transaction (`tx_id`, Community ID, then the protocol's object):
    /// FTP and SMTP, which no signature inspects yet beyond the stream.
    fn simple(&mut self, event_type: &str, object: impl Fn(&mut Vec<u8>)) {
        let (who, ts, out) = (self.who, self.ts, &mut *self.out);
        let tx_no = next_tx_id(&mut self.rec.logged);
        let cid = community_id(&mut self.rec.logged, who);
        eve::write_head(out, ts, &who.ident, event_type, false);
        let _ = write!(
            out,
            ",\"tx_id\":{tx_no},\"community_id\":\"{cid}\",\"{event_type}\":"
        );
        object(out);
        out.extend_from_slice(b"}\n");
    }

    /// A request just finished: the rules it decides alone (the record waits for the
    /// response). Not before the session is established: Suricata retries a rule whose
    /// `flow` conditions fail on later packets, so a request sent with the SYN (TCP Fast
    /// Open) is inspected with the rest of its transaction.
    fn http_request(&mut self, tx: &HttpTransaction) {
        if !self.who.facts.established {
            return;
        }
        if let Some(det) = self.det {
            let logged = self.rec.logged.get_or_insert_with(Default::default);
            let seen = &mut logged.http_requests_inspected;
            if seen.is_empty() {
                *seen = tx.id()..tx.id();
            }
            seen.end = tx.id() + 1;
            let obj = |o: &mut Vec<u8>| http::write_eve_http(tx, o);
            let subject = Subject::Http {
                tx,
                phase: HttpPhase::Request,
            };
            let ts = self.ts;
            // The Community ID is the flow's: taken before `xff` renames the client.
            community_id(&mut self.rec.logged, self.who);
            let xwho = xff_who(self.xff, self.who, tx);
            det.run(
                &subject,
                &xwho,
                self.rec,
                ts,
                Some("http"),
                self.out,
                Some(&obj),
            );
        }
    }

    /// The EVE `http` record of a finished transaction, and the rules its request did not
    /// decide (all of them if it was not inspected before).
    fn http(&mut self, tx: &HttpTransaction) {
        let request_inspected = self
            .rec
            .logged
            .as_ref()
            .is_some_and(|l| l.http_requests_inspected.contains(&tx.id()));
        let (who, ts, out) = (self.who, self.ts, &mut *self.out);
        self.stats.http_tx += 1;
        if let Some(t) = self.beh {
            t.http(&who.ident.endpoints, who.ident.proto, ts, tx);
        }
        let tx_no = next_tx_id(&mut self.rec.logged);
        let cid = community_id(&mut self.rec.logged, who);
        eve::write_head(out, ts, &who.ident, "http", false);
        let _ = write!(out, ",\"tx_id\":{tx_no},\"community_id\":\"{cid}\",");
        http::write_eve_http(tx, out);
        out.extend_from_slice(b"}\n");
        let obj = |o: &mut Vec<u8>| http::write_eve_http(tx, o);
        if let Some(det) = self.det {
            let phase = if request_inspected {
                HttpPhase::Rest
            } else {
                HttpPhase::Whole
            };
            let xwho = xff_who(self.xff, who, tx);
            det.run(
                &Subject::Http { tx, phase },
                &xwho,
                self.rec,
                ts,
                Some("http"),
                out,
                Some(&obj),
            );
        }
        self.files(tx.files(), |f| tx.file_content(f), "http", &obj, tx_no);
    }

    /// The files of a transaction just inspected: those its `filestore` signatures matched
    /// are stored, and each gets its EVE `fileinfo` record (oriented as the file travelled),
    /// with the transaction's object beside it.
    fn files<'d>(
        &mut self,
        files: &'d [File],
        content: impl Fn(&'d File) -> &'d [u8],
        app_proto: &str,
        obj: eve::WriteObject<'_>,
        tx_no: u64,
    ) {
        if files.is_empty() {
            return;
        }
        let store: &[(usize, u32)] = self.det.as_ref().map_or(&[], |d| &d.store);
        for (i, f) in files.iter().enumerate() {
            self.stats.files += 1;
            let mut sids = [0u32; 8];
            let mut n = 0;
            for &(_, sid) in store.iter().filter(|(j, _)| *j == i) {
                if n < sids.len() && !sids[..n].contains(&sid) {
                    sids[n] = sid;
                    n += 1;
                }
            }
            let mut stored = None;
            if let (Some(dir), true) = (self.files.store_dir, n > 0) {
                match files::store(dir, f, content(f)) {
                    Ok(true) => {
                        self.stats.files_stored += 1;
                        stored = Some(self.stats.files_stored);
                    }
                    Ok(false) => {}
                    Err(_) => self.stats.filestore_errors += 1,
                }
            }
            if !self.files.fileinfo {
                continue;
            }
            let (who, out) = (self.who, &mut *self.out);
            let cid = community_id(&mut self.rec.logged, who);
            eve::write_head(out, self.ts, &who.ident, "fileinfo", !f.to_server);
            let _ = write!(out, ",\"community_id\":\"{cid}\",");
            obj(out);
            let _ = write!(out, ",\"app_proto\":\"{app_proto}\",\"fileinfo\":");
            files::write_fileinfo(out, f, &sids[..n], stored, tx_no);
            out.extend_from_slice(b"}\n");
        }
    }

    /// The EVE `tls` record of a handshake.
    fn tls(&mut self, p: &TlsParser) {
        let (who, ts, out) = (self.who, self.ts, &mut *self.out);
        self.stats.tls_handshakes += 1;
        let cid = community_id(&mut self.rec.logged, who);
        eve::write_head(out, ts, &who.ident, "tls", false);
        let _ = write!(out, ",\"community_id\":\"{cid}\",");
        p.record().write_eve_tls_with(out, self.tls_ja4s);
        if let Some(from) = self.orig.name() {
            // Inside the `tls` object, last, as Suricata writes it.
            let sep = if out.ends_with(b"{}") { "" } else { "," };
            out.pop();
            let _ = write!(out, "{sep}\"from_proto\":\"{from}\"}}");
        }
        out.extend_from_slice(b"}\n");
        if let Some(t) = self.beh {
            t.tls(&who.ident.endpoints, who.ident.proto, ts, p.record());
        }
        if let Some(det) = self.det {
            let ja4s = self.tls_ja4s;
            let obj = |o: &mut Vec<u8>| p.record().write_eve_tls_with(o, ja4s);
            det.run(
                &Subject::Tls(p.record()),
                who,
                self.rec,
                ts,
                Some("tls"),
                out,
                Some(&obj),
            );
        }
    }
}

/// Writes the EVE `dns` records of one message (one per question for a query, one for a
/// response; Suricata 7's version 2 format).
fn write_dns(
    rec: &mut FlowRecords,
    det: &mut Option<Detector>,
    who: &Who,
    msg: &DnsMessage,
    ts: Timestamp,
    (dir, malformed): (usize, bool),
    out: &mut Vec<u8>,
) {
    let n = dns::eve_record_count(msg);
    let tx = tx_id(&rec.logged);
    let cid = community_id(&mut rec.logged, who);
    for i in 0..n {
        let mark = out.len();
        eve::write_head(out, ts, &who.ident, "dns", dir != TO_SERVER);
        let _ = write!(out, ",\"community_id\":\"{cid}\",");
        if dns::write_eve_dns_record(msg, i, tx, out) {
            out.extend_from_slice(b"}\n");
        } else {
            out.truncate(mark);
        }
    }
    if let Some(det) = det {
        let tx_id = tx;
        let obj = |o: &mut Vec<u8>| {
            dns::write_eve_dns_record(msg, 0, tx_id, o);
        };
        let has_record = n > 0;
        det.run(
            &Subject::Dns {
                msg,
                dir,
                malformed,
            },
            who,
            rec,
            ts,
            Some("dns"),
            out,
            if has_record { Some(&obj) } else { None },
        );
    }
    if !msg.is_response() {
        next_tx_id(&mut rec.logged);
    }
}
