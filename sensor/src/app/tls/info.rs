//! What one connection's handshake revealed: the record the EVE writer and the detection
//! engine (`tls.sni`, `ja3.hash`, `ja3.string`, `ja3s.hash`, `ja4.hash`) read.

use std::borrow::Cow;

use super::hello::{ClientHello, ServerHello, EXT_SESSION_TICKET, EXT_SUPPORTED_VERSIONS};
use super::ja3::Fingerprint;
use super::ja4::Transport;
use super::ja4s::ja4s;
use super::x509::Certificate;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsRecord {
    /// The first ClientHello (a second one after a HelloRetryRequest is not kept).
    pub client_hello: Option<ClientHello>,
    /// The ServerHello that settled the connection (not a HelloRetryRequest).
    pub server_hello: Option<ServerHello>,
    /// The HelloRetryRequest, if the server sent one first.
    pub hello_retry: Option<ServerHello>,
    /// The first certificate the server sent (TLS <= 1.2; TLS 1.3 encrypts it).
    pub server_cert: Option<Certificate>,
    /// The server's certificate chain as sent (DER, in order), for `tls.certs`: the
    /// certificates that fit whole in the first 32 KiB of the Certificate message.
    pub cert_chain: Vec<Vec<u8>>,
    pub ja3: Option<Fingerprint>,
    pub ja3s: Option<Fingerprint>,
    pub ja4: Option<String>,
    /// Version of the server's latest record header before any ServerHello (0: none), which is
    /// what Suricata reports when there is no ServerHello.
    pub server_record_version: u16,
    /// Parser anomalies (`app-layer-event:tls.*`) as the request side's inspection [0] and
    /// the response side's [1] see them.
    pub events: [crate::events::AppEvents; 2],
}

impl TlsRecord {
    /// The first ServerHello the server sent: the HelloRetryRequest if there was one (as for
    /// JA3S, and as FoxIO's tools, which fingerprint a stream's first ServerHello).
    pub fn first_server_hello(&self) -> Option<&ServerHello> {
        self.hello_retry.as_ref().or(self.server_hello.as_ref())
    }

    /// JA4S of the first ServerHello (TLS over TCP: the sensor parses no QUIC handshakes).
    pub fn ja4s(&self) -> Option<String> {
        Some(ja4s(self.first_server_hello()?, Transport::Tcp))
    }

    /// SNI host name bytes, as the `tls.sni` buffer.
    pub fn sni(&self) -> Option<&[u8]> {
        self.client_hello.as_ref()?.sni.as_deref()
    }

    /// The connection's version the way Suricata 7 computes it: from the ServerHello (its
    /// supported_versions extension, else its version field, pre-draft-16 TLS 1.3 folded to
    /// 0x7f01; a HelloRetryRequest if that is all there is), else from the server's record headers; 0 when unknown.
    pub fn version(&self) -> u16 {
        match self.server_hello.as_ref().or(self.hello_retry.as_ref()) {
            Some(sh) => sh.selected_version.unwrap_or(match sh.version {
                0x0304 | 0x7f01..=0x7f0f => 0x7f01,
                v => v,
            }),
            None => self.server_record_version,
        }
    }

    /// `version()` named as in Suricata 7's EVE (`TLS 1.2`, `TLSv1`, `UNDETERMINED`, ...).
    pub fn version_name(&self) -> Cow<'static, str> {
        version_name(self.version())
    }

    /// Suricata's `session_resumed`: the server resumed a session (same session id, or the client
    /// offered a ticket) and sent no certificate, on a pre-1.3 connection.
    pub fn session_resumed(&self) -> bool {
        let (Some(ch), Some(sh)) = (&self.client_hello, &self.server_hello) else {
            return false;
        };
        let resumed = (!sh.session_id.is_empty() && sh.session_id == ch.session_id)
            || ch.has_extension(EXT_SESSION_TICKET);
        let tls13 = sh.version == 0x0304
            || sh.version >> 8 == 0x7f
            || (ch.has_extension(EXT_SUPPORTED_VERSIONS)
                && sh.selected_version.is_some_and(|v| v > 0x0303));
        resumed && self.server_cert.is_none() && !tls13
    }
}

/// Suricata 7's names for TLS versions; others print as `0x%04x`.
pub fn version_name(v: u16) -> Cow<'static, str> {
    Cow::Borrowed(match v {
        0x0000 => "UNDETERMINED",
        0x0200 | 0x0002 => "SSLv2",
        0x0300 => "SSLv3",
        0x0301 => "TLSv1",
        0x0302 => "TLS 1.1",
        0x0303 => "TLS 1.2",
        0x0304 => "TLS 1.3",
        0x7f1c => "TLS 1.3 draft-28",
        0x7f1b => "TLS 1.3 draft-27",
        0x7f1a => "TLS 1.3 draft-26",
        0x7f19 => "TLS 1.3 draft-25",
        0x7f18 => "TLS 1.3 draft-24",
        0x7f17 => "TLS 1.3 draft-23",
        0x7f16 => "TLS 1.3 draft-22",
        0x7f15 => "TLS 1.3 draft-21",
        0x7f14 => "TLS 1.3 draft-20",
        0x7f13 => "TLS 1.3 draft-19",
        0x7f12 => "TLS 1.3 draft-18",
        0x7f11 => "TLS 1.3 draft-17",
        0x7f10 => "TLS 1.3 draft-16",
        0x7f01 => "TLS 1.3 draft-<16",
        0xfb14 => "TLS 1.3 draft-20-fb",
        0xfb15 => "TLS 1.3 draft-21-fb",
        0xfb16 => "TLS 1.3 draft-22-fb",
        0xfb17 => "TLS 1.3 draft-23-fb",
        0xfb1a => "TLS 1.3 draft-26-fb",
        _ => return Cow::Owned(format!("0x{v:04x}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ja4s_is_that_of_the_first_server_hello() {
        let sh = |cipher: u16, extensions: Vec<u16>, hrr: bool| ServerHello {
            version: 0x0303,
            cipher,
            extensions,
            selected_version: Some(0x0304),
            hello_retry_request: hrr,
            ..Default::default()
        };
        let mut rec = TlsRecord::default();
        assert_eq!(rec.ja4s(), None);
        rec.server_hello = Some(sh(0x1301, vec![0x0033, 0x002b], false));
        assert_eq!(rec.ja4s().as_deref(), Some("t130200_1301_234ea6891581"));
        // A HelloRetryRequest came first (key_share, supported_versions): it is the one, as
        // for JA3S and in FoxIO's tools.
        rec.hello_retry = Some(sh(0x1302, vec![0x002b, 0x0033], true));
        assert_eq!(rec.ja4s().as_deref(), Some("t130200_1302_a56c5b993250"));
    }
}
