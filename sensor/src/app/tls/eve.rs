//! EVE `"tls":{...}` object with Suricata 7's field names and order (extended logging):
//! subject, issuerdn, serial, fingerprint, session_resumed, sni, version, notbefore, notafter,
//! ja3, ja3s, ja4. Suricata 7 writes no ALPN fields, so neither do we. `ja4s` follows `ja4`
//! only when asked ([`TlsRecord::write_eve_tls_with`]): Suricata 7's EVE schema closes the
//! `tls` object (`additionalProperties: false`), so by default the record stays valid for it.

use super::info::TlsRecord;
use super::ja3::Fingerprint;
use crate::output::json::{write_bytes_lossy, write_str};

impl TlsRecord {
    /// Appends `"tls":{...}` (key included, no leading comma) to `out`: Suricata 7's fields.
    pub fn write_eve_tls(&self, out: &mut Vec<u8>) {
        self.write_eve_tls_with(out, false);
    }

    /// The same, with `"ja4s"` after `"ja4"` when `ja4s` is set and there was a ServerHello.
    pub fn write_eve_tls_with(&self, out: &mut Vec<u8>, ja4s: bool) {
        out.extend_from_slice(b"\"tls\":{");
        let mut w = Fields { out, first: true };
        if let Some(c) = &self.server_cert {
            w.str("subject", &c.subject);
            w.str("issuerdn", &c.issuer);
            w.str("serial", &c.serial);
            if let Some(fp) = &c.fingerprint {
                w.str("fingerprint", fp);
            }
        }
        if self.session_resumed() {
            w.key("session_resumed");
            w.out.extend_from_slice(b"true");
        }
        if let Some(sni) = self.sni() {
            w.key("sni");
            write_bytes_lossy(w.out, sni);
        }
        w.str("version", &self.version_name());
        if let Some(c) = &self.server_cert {
            w.str("notbefore", &c.not_before);
            w.str("notafter", &c.not_after);
        }
        if let Some(fp) = &self.ja3 {
            w.fingerprint("ja3", fp);
        }
        if let Some(fp) = &self.ja3s {
            w.fingerprint("ja3s", fp);
        }
        if let Some(ja4) = &self.ja4 {
            w.str("ja4", ja4);
        }
        if ja4s {
            if let Some(fp) = self.ja4s() {
                w.str("ja4s", &fp);
            }
        }
        out.push(b'}');
    }
}

struct Fields<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl Fields<'_> {
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push(b':');
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        write_str(self.out, v);
    }

    fn fingerprint(&mut self, k: &str, fp: &Fingerprint) {
        self.key(k);
        self.out.extend_from_slice(b"{\"hash\":");
        write_str(self.out, &fp.hash);
        self.out.extend_from_slice(b",\"string\":");
        write_str(self.out, &fp.string);
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tls::hello::ClientHello;

    #[test]
    fn minimal_record_is_valid_json() {
        let mut out = b"{".to_vec();
        TlsRecord::default().write_eve_tls(&mut out);
        out.push(b'}');
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"tls":{"version":"UNDETERMINED"}}"#
        );
        let rec = TlsRecord {
            client_hello: Some(ClientHello {
                sni: Some(b"a\"b\xff".to_vec()),
                ..Default::default()
            }),
            ja4: Some("t13d".into()),
            ..Default::default()
        };
        let mut out = b"{".to_vec();
        rec.write_eve_tls(&mut out);
        out.push(b'}');
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["tls"]["sni"], "a\"b\u{fffd}");
        assert_eq!(v["tls"]["ja4"], "t13d");
    }

    #[test]
    fn ja4s_only_when_asked_and_after_ja4() {
        use crate::app::tls::hello::ServerHello;
        let rec = TlsRecord {
            server_hello: Some(ServerHello {
                version: 0x0303,
                cipher: 0xc030,
                extensions: vec![0x0005, 0x0017, 0xff01, 0x0000],
                ..Default::default()
            }),
            ja4: Some("t13d".into()),
            ..Default::default()
        };
        let text = |ja4s: bool| {
            let mut out = Vec::new();
            rec.write_eve_tls_with(&mut out, ja4s);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            text(true),
            r#""tls":{"version":"TLS 1.2","ja4":"t13d","ja4s":"t120400_c030_4e8089b08790"}"#
        );
        assert_eq!(text(false), r#""tls":{"version":"TLS 1.2","ja4":"t13d"}"#);
        // No ServerHello: no field even when asked.
        let mut out = Vec::new();
        TlsRecord::default().write_eve_tls_with(&mut out, true);
        assert_eq!(out, br#""tls":{"version":"UNDETERMINED"}"#);
    }
}
