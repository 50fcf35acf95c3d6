//! Counters of one worker's application layer (protocol detection, parsers, reassembly).

use super::dns::TcpDirStats;
use super::http::HttpStats;
use super::registry::AppProto;
use crate::stream::StreamStats;

/// Counters of one worker's application layer.
#[derive(Clone, Copy, Debug, Default)]
pub struct AppStats {
    pub flows_http: u64,
    pub flows_tls: u64,
    pub flows_dns_udp: u64,
    pub flows_dns_tcp: u64,
    pub flows_ftp: u64,
    pub flows_smtp: u64,
    pub flows_failed: u64,
    pub http_tx: u64,
    pub tls_handshakes: u64,
    pub dns_messages: u64,
    pub dns_errors: u64,
    pub ftp_tx: u64,
    pub smtp_tx: u64,
    pub ssh_tx: u64,
    pub dcerpc_tx: u64,
    /// Parser events, as `parser::EVENTS` lists them.
    pub events: [u64; super::parser::EVENTS.len()],
    pub stream: StreamStats,
    /// HTTP parser counters of the flows that ended (limits hit, gaps, tunnels, ...).
    pub http: HttpStats,
    /// DNS-over-TCP framing counters of the flows that ended, both directions.
    pub dns_tcp: TcpDirStats,
    /// TLS parser problems of the flows that ended: errors that stopped a direction,
    /// malformed extension values stepped over, gaps that made a direction give up.
    pub tls_errors: u64,
    pub tls_anomalies: u64,
    pub tls_gaps: u64,
    /// Files of transactions (D46), those `filestore` wrote (also the EVE `file_id`), and
    /// those it failed to write.
    pub files: u64,
    pub files_stored: u64,
    pub filestore_errors: u64,
}

impl AppStats {
    pub fn add(&mut self, o: &AppStats) {
        self.flows_http += o.flows_http;
        self.flows_tls += o.flows_tls;
        self.flows_dns_udp += o.flows_dns_udp;
        self.flows_dns_tcp += o.flows_dns_tcp;
        self.flows_ftp += o.flows_ftp;
        self.flows_smtp += o.flows_smtp;
        self.flows_failed += o.flows_failed;
        self.files += o.files;
        self.files_stored += o.files_stored;
        self.filestore_errors += o.filestore_errors;
        self.ftp_tx += o.ftp_tx;
        self.smtp_tx += o.smtp_tx;
        self.ssh_tx += o.ssh_tx;
        self.dcerpc_tx += o.dcerpc_tx;
        for (a, b) in self.events.iter_mut().zip(&o.events) {
            *a += b;
        }
        self.http_tx += o.http_tx;
        self.tls_handshakes += o.tls_handshakes;
        self.dns_messages += o.dns_messages;
        self.dns_errors += o.dns_errors;
        self.stream.add(&o.stream);
        self.http += o.http;
        self.dns_tcp.add(&o.dns_tcp);
        self.tls_errors += o.tls_errors;
        self.tls_anomalies += o.tls_anomalies;
        self.tls_gaps += o.tls_gaps;
    }

    /// Counts a parser event.
    pub fn event(&mut self, e: &super::parser::ParserEvent) {
        if let Some(i) = super::parser::EVENTS
            .iter()
            .position(|&(p, n)| p == e.proto && n == e.name)
        {
            self.events[i] += 1;
        }
    }

    /// Counts a flow whose protocol was just decided.
    pub fn flow_detected(&mut self, proto: AppProto) {
        match proto {
            AppProto::Http => self.flows_http += 1,
            AppProto::Tls => self.flows_tls += 1,
            AppProto::Dns => self.flows_dns_tcp += 1,
            AppProto::Ftp => self.flows_ftp += 1,
            AppProto::Smtp => self.flows_smtp += 1,
            AppProto::Failed => self.flows_failed += 1,
            // Protocols without a parser (and SOCKS) have no counter of their own yet.
            _ => {}
        }
    }
}
