//! The attachments of a mail's data (MIME, RFC 2045/2046), decoded as Suricata 7's SMTP parser
//! hands them to `file.data`: an entity is an attachment when its `Content-Disposition` names a
//! `filename=` or its `Content-Type` a `name=` (quoted or not); its body is decoded (base64,
//! quoted-printable, or taken as it is) into one file per attachment. Text bodies, preambles,
//! epilogues and headers are not file data (checked against Suricata 7.0.10).
//!
//! Fed line by line (without the line end), so the result does not depend on how the stream
//! was split; everything held is bounded: header values, nesting, files per mail and bytes per
//! file (Suricata's `smtp.inspect-tracker` `content-limit`, 100,000 bytes). Nothing is
//! allocated before an entity's headers arrive.

use super::files::{File, FileNeeds, Hasher};

/// Bytes kept per attachment.
pub const FILE_LIMIT: usize = 100_000;
/// Attachments kept per mail.
pub const MAX_FILES: usize = 16;
/// Nested multipart boundaries followed.
const MAX_DEPTH: usize = 8;
/// Bytes kept of a header value (folded lines joined), and of a boundary.
const MAX_HEADER: usize = 2048;
const MAX_BOUNDARY: usize = 256;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Enc {
    #[default]
    Plain,
    Base64,
    Qp,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Hdr {
    #[default]
    Other,
    Type,
    Encoding,
    Disposition,
}

/// MIME decoding state of one mail's data.
#[derive(Debug, Default)]
pub struct Mime {
    /// In the body of the current entity (else in its headers).
    in_body: bool,
    hdr: Hdr,
    ctype: Vec<u8>,
    cte: Vec<u8>,
    disp: Vec<u8>,
    /// Boundaries of the enclosing multipart entities, outermost first.
    boundaries: Vec<Vec<u8>>,
    enc: Enc,
    /// The current body goes to the last of `files`.
    file_open: bool,
    b64: [u8; 4],
    b64_len: u8,
    /// A line end to add before the next body line (the one before a boundary belongs to it).
    crlf: bool,
    /// Decoded attachments, in order (their first `FILE_LIMIT` bytes in `content`).
    pub files: Vec<File>,
    /// Digests the attachments need (D46).
    pub needs: FileNeeds,
    /// Digests of the attachment being decoded.
    hasher: Option<Box<Hasher>>,
    /// A multipart boundary over 254 bytes was seen (Suricata's `mime_long_boundary`).
    pub long_boundary: bool,
    /// An attachment name over 255 bytes was seen (Suricata's `mime_long_filename`).
    pub long_filename: bool,
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The value of parameter `name` (`boundary`) in a header value, quotes removed.
fn param<'a>(value: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let pos = value
        .windows(name.len() + 1)
        .position(|w| w[..name.len()].eq_ignore_ascii_case(name) && w[name.len()] == b'=')?;
    let rest = &value[pos + name.len() + 1..];
    let v = if let Some(q) = rest.strip_prefix(b"\"") {
        &q[..memchr::memchr(b'"', q).unwrap_or(q.len())]
    } else {
        let end = rest
            .iter()
            .position(|&c| c == b';' || c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        &rest[..end]
    };
    (!v.is_empty()).then_some(v)
}

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// An attachment being decoded and its digests.
struct Sink<'a> {
    file: &'a mut File,
    hasher: &'a mut Option<Box<Hasher>>,
}

fn push_bounded(sink: &mut Sink<'_>, bytes: &[u8]) {
    sink.file.append(sink.hasher, bytes, FILE_LIMIT);
}

impl Mime {
    /// One line of the mail's data, without its line end.
    pub fn line(&mut self, b: &[u8]) {
        if b.starts_with(b"--") && !self.boundaries.is_empty() {
            let tail = &b[2..];
            if let Some(i) = self
                .boundaries
                .iter()
                .rposition(|bnd| tail.starts_with(bnd))
            {
                let closing = tail[self.boundaries[i].len()..].starts_with(b"--");
                self.end_entity();
                if closing {
                    // The epilogue of the closed multipart: not file data.
                    self.boundaries.truncate(i);
                    self.in_body = true;
                } else {
                    self.boundaries.truncate(i + 1);
                    self.in_body = false;
                }
                return;
            }
        }
        if self.in_body {
            self.body_line(b);
        } else {
            self.header_line(b);
        }
    }

    /// The mail's data ended.
    pub fn finish(&mut self) {
        self.end_entity();
    }

    fn header_line(&mut self, b: &[u8]) {
        if b.is_empty() {
            self.headers_done();
            return;
        }
        let value = if b[0] == b' ' || b[0] == b'\t' {
            b
        } else {
            let Some(colon) = memchr::memchr(b':', b) else {
                self.hdr = Hdr::Other;
                return;
            };
            let name = b[..colon].trim_ascii();
            self.hdr = if name.eq_ignore_ascii_case(b"content-type") {
                Hdr::Type
            } else if name.eq_ignore_ascii_case(b"content-transfer-encoding") {
                Hdr::Encoding
            } else if name.eq_ignore_ascii_case(b"content-disposition") {
                Hdr::Disposition
            } else {
                Hdr::Other
            };
            &b[colon + 1..]
        };
        let field = match self.hdr {
            Hdr::Other => return,
            Hdr::Type => &mut self.ctype,
            Hdr::Encoding => &mut self.cte,
            Hdr::Disposition => &mut self.disp,
        };
        let room = MAX_HEADER.saturating_sub(field.len());
        field.extend_from_slice(&value[..value.len().min(room)]);
    }

    fn headers_done(&mut self) {
        self.in_body = true;
        self.hdr = Hdr::Other;
        let boundary =
            param(&self.ctype, b"boundary").filter(|_| contains_ci(&self.ctype, b"multipart/"));
        self.long_boundary |= boundary.is_some_and(|b| b.len() > 254);
        let boundary = boundary.map(|b| b[..b.len().min(MAX_BOUNDARY)].to_vec());
        let long_name = |v: Option<&[u8]>| v.is_some_and(|n| n.len() > 255);
        self.long_filename |=
            long_name(param(&self.disp, b"filename")) || long_name(param(&self.ctype, b"name"));
        if let Some(bnd) = boundary {
            // The preamble follows: not file data.
            if self.boundaries.len() < MAX_DEPTH {
                self.boundaries.push(bnd);
            }
        } else {
            // RFC 2231 splits a long name into sections (`filename*0=`, `filename*1=`),
            // which Suricata 7 joins: those name an attachment too.
            let attachment = contains_ci(&self.disp, b"filename=")
                || contains_ci(&self.disp, b"filename*")
                || contains_ci(&self.ctype, b"name=")
                || contains_ci(&self.ctype, b"name*");
            self.enc = if contains_ci(&self.cte, b"base64") {
                Enc::Base64
            } else if contains_ci(&self.cte, b"quoted-printable") {
                Enc::Qp
            } else {
                Enc::Plain
            };
            if attachment && self.files.len() < MAX_FILES {
                let mut file = File::new(b"", true);
                match param(&self.disp, b"filename") {
                    Some(n) => file.name.extend_from_slice(n),
                    None => {
                        // RFC 2231 sections, joined in order as Suricata 7 does.
                        let mut key = *b"filename*0";
                        for n in 0..10u8 {
                            key[9] = b'0' + n;
                            let Some(v) = param(&self.disp, &key) else {
                                break;
                            };
                            file.name.extend_from_slice(v);
                        }
                        if file.name.is_empty() {
                            if let Some(n) = param(&self.ctype, b"name") {
                                file.name.extend_from_slice(n);
                            }
                        }
                    }
                }
                self.files.push(file);
                self.hasher = Hasher::new(self.needs);
                self.file_open = true;
            }
        }
        self.ctype.clear();
        self.cte.clear();
        self.disp.clear();
    }

    fn end_entity(&mut self) {
        if self.file_open {
            if let Some(file) = self.files.last_mut() {
                let file = &mut Sink {
                    file,
                    hasher: &mut self.hasher,
                };
                match self.enc {
                    Enc::Base64 => flush_b64(file, &self.b64[..self.b64_len as usize]),
                    // Suricata 7 keeps a quoted-printable body's last line end, not a raw
                    // body's (before a boundary it is the boundary's; at the mail's end,
                    // the file sizes of Suricata's fileinfo records leave it out).
                    Enc::Qp if self.crlf => push_bounded(file, b"\r\n"),
                    _ => {}
                }
                file.file.close(file.hasher, false);
            }
        }
        self.file_open = false;
        self.b64_len = 0;
        self.crlf = false;
        self.enc = Enc::Plain;
        self.hdr = Hdr::Other;
        self.ctype.clear();
        self.cte.clear();
        self.disp.clear();
    }

    fn body_line(&mut self, b: &[u8]) {
        if !self.file_open {
            return;
        }
        let Some(file) = self.files.last_mut() else {
            return;
        };
        let file = &mut Sink {
            file,
            hasher: &mut self.hasher,
        };
        match self.enc {
            Enc::Plain => {
                if self.crlf {
                    push_bounded(file, b"\r\n");
                }
                push_bounded(file, b);
                self.crlf = true;
            }
            Enc::Qp => {
                if self.crlf {
                    push_bounded(file, b"\r\n");
                }
                let mut out = [0u8; 256];
                let mut n = 0;
                let mut i = 0;
                let mut soft = false;
                while i < b.len() {
                    let c = b[i];
                    let byte = if c == b'=' {
                        if b[i + 1..].iter().all(|c| *c == b' ' || *c == b'\t') {
                            soft = true;
                            break;
                        }
                        match (
                            b.get(i + 1).and_then(|&c| hex(c)),
                            b.get(i + 2).and_then(|&c| hex(c)),
                        ) {
                            (Some(h), Some(l)) => {
                                i += 2;
                                h << 4 | l
                            }
                            _ => c,
                        }
                    } else {
                        c
                    };
                    out[n] = byte;
                    n += 1;
                    if n == out.len() {
                        push_bounded(file, &out);
                        n = 0;
                    }
                    i += 1;
                }
                push_bounded(file, &out[..n]);
                self.crlf = !soft;
            }
            Enc::Base64 => {
                for &c in b {
                    if c == b'=' {
                        flush_b64(file, &self.b64[..self.b64_len as usize]);
                        self.b64_len = 0;
                        continue;
                    }
                    let Some(v) = b64_value(c) else {
                        continue;
                    };
                    self.b64[self.b64_len as usize] = v;
                    self.b64_len += 1;
                    if self.b64_len == 4 {
                        flush_b64(file, &self.b64);
                        self.b64_len = 0;
                    }
                }
            }
        }
    }
}

/// The bytes of a base64 group of 2 to 4 sextets (fewer make no byte).
fn flush_b64(file: &mut Sink<'_>, s: &[u8]) {
    if s.len() < 2 {
        return;
    }
    let bytes = [
        s[0] << 2 | s[1] >> 4,
        s[1] << 4 | s.get(2).map_or(0, |v| v >> 2),
        s.get(2).map_or(0, |v| v << 6) | s.get(3).copied().unwrap_or(0),
    ];
    push_bounded(file, &bytes[..s.len() - 1]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(data: &[u8]) -> Vec<Vec<u8>> {
        let mut m = Mime::default();
        for line in data.split(|&c| c == b'\n') {
            m.line(line.strip_suffix(b"\r").unwrap_or(line));
        }
        m.finish();
        m.files.into_iter().map(|f| f.content).collect()
    }

    const MULTI: &[u8] = b"Subject: s\r\nContent-Type: multipart/mixed;\r\n boundary=\"BND\"\r\n\r\n\
preamble\r\n--BND\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
body soft=\r\nbreak\r\n--BND\r\nContent-Type: application/octet-stream; name=\"x.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nQVRU\r\nQUNI=\r\n--BND\r\n\
Content-Disposition: attachment; filename=q.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
a=41=\r\nb =3D=zz\r\nlast\r\n--BND--\r\nepilogue";

    #[test]
    fn attachments_only_decoded() {
        assert_eq!(
            decode(MULTI),
            vec![b"ATTACH".to_vec(), b"aAb ==zz\r\nlast\r\n".to_vec()]
        );
    }

    #[test]
    fn plain_message_has_no_file_and_single_attachment_keeps_its_last_line_end() {
        assert!(decode(b"Subject: x\r\n\r\nhello\r\n").is_empty());
        assert_eq!(
            decode(b"Content-Disposition: attachment; filename=\"a\"\r\n\r\nraw\r\nline"),
            vec![b"raw\r\nline".to_vec()]
        );
    }

    /// A name split into RFC 2231 sections (`filename*0=`, `filename*1=`) over folded lines
    /// names an attachment; base64 padding inside the body ends a group and decoding goes on
    /// (the capture of Suricata's bug 6207: `NA=`, `=Mg`, `==` is "42").
    #[test]
    fn rfc2231_sections_name_an_attachment() {
        let m = b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n\
Content-Type: application/zip;\r\nContent-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment;\n filename*0=part-one;\n filename*1=two.zip\r\n\r\n\
NA=\r\n=Mg\r\n==\r\n\r\n--B--\r\n";
        assert_eq!(decode(m), vec![b"42".to_vec()]);
        let mut mime = Mime::default();
        for line in m.split(|&c| c == b'\n') {
            mime.line(line.strip_suffix(b"\r").unwrap_or(line));
        }
        mime.finish();
        assert_eq!(mime.files[0].name, b"part-onetwo.zip");
        let m = b"Content-Type: text/plain; name*=UTF-8''x.txt\r\n\r\nbody";
        assert_eq!(decode(m), vec![b"body".to_vec()]);
    }

    #[test]
    fn nested_multipart_and_epilogue() {
        let m = b"Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\n\
Content-Type: multipart/alternative; boundary=in\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nt\r\n\
--in--\r\nnot a file\r\n--out\r\nContent-Type: text/plain; name=n\r\n\r\nfile\r\n--out--\r\nepi\r\n";
        assert_eq!(decode(m), vec![b"file".to_vec()]);
    }

    #[test]
    fn bounded() {
        let mut m = Mime::default();
        m.line(b"Content-Type: a; name=x");
        m.line(b"");
        let long = vec![b'a'; 1000];
        for _ in 0..200 {
            m.line(&long);
        }
        m.finish();
        assert_eq!(m.files[0].content.len(), FILE_LIMIT);
        // The file's size and name are the whole attachment's (line ends between lines).
        assert_eq!(m.files[0].size, 200 * 1000 + 199 * 2);
        assert_eq!(m.files[0].name, b"x");
        assert_eq!(m.files[0].state, crate::app::files::FileState::Closed);
        let mut m = Mime::default();
        m.line(b"Content-Type: multipart/mixed; boundary=b");
        m.line(b"");
        for _ in 0..100 {
            m.line(b"--b");
            m.line(b"Content-Type: x; name=y");
            m.line(b"");
            m.line(b"z");
        }
        m.finish();
        assert_eq!(m.files.len(), MAX_FILES);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_lines_never_panic(lines in proptest::collection::vec(
            proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80), 0..40)) {
            let mut m = Mime::default();
            for l in &lines {
                m.line(l);
            }
            m.finish();
            for f in &m.files {
                proptest::prop_assert!(f.content.len() <= FILE_LIMIT);
            }
        }
    }
}
