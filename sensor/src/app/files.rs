//! Files as Suricata 7 tracks them in transactions (HTTP bodies and uploads, SMTP
//! attachments): name, size, state, the first bytes (what `file.data` and `filestore` see)
//! and the MD5/SHA-1/SHA-256 of every byte, computed only when something needs them
//! ([`FileNeeds`]: a `filemd5`/`filesha1`/`filesha256`/`filestore` rule, or the configured
//! fileinfo hashes). Also the EVE `fileinfo` object and file-store v2's naming (D46).
//!
//! The parsers own the files of their transactions. An HTTP file is the body prefix the parser
//! keeps (Suricata truncates it at the body limit), hashed once when the transaction ends; an
//! SMTP attachment streams through a boxed [`Hasher`] while it is decoded. Nothing is done
//! per packet beyond the body handling.

use std::io::Write;
use std::path::Path;

use md5::Digest;

use crate::output::json;

/// Which digests files need (a rule keyword or the configured fileinfo hashes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileNeeds {
    pub md5: bool,
    pub sha1: bool,
    pub sha256: bool,
}

impl FileNeeds {
    pub const NONE: FileNeeds = FileNeeds {
        md5: false,
        sha1: false,
        sha256: false,
    };

    pub fn any(self) -> bool {
        self.md5 || self.sha1 || self.sha256
    }

    pub fn union(self, o: FileNeeds) -> FileNeeds {
        FileNeeds {
            md5: self.md5 || o.md5,
            sha1: self.sha1 || o.sha1,
            sha256: self.sha256 || o.sha256,
        }
    }

    /// Suricata's `force-hash` names (`md5`, `sha1`, `sha256`); `None` for another name.
    pub fn with_name(mut self, name: &str) -> Option<FileNeeds> {
        match name.trim().to_ascii_lowercase().as_str() {
            "md5" => self.md5 = true,
            "sha1" => self.sha1 = true,
            "sha256" => self.sha256 = true,
            _ => return None,
        }
        Some(self)
    }
}

/// What is done with the files of transactions besides detection (D46).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilesOutput {
    /// Digests computed for every file and written in `fileinfo` (Suricata's `force-hash`).
    pub hashes: FileNeeds,
    /// Write an EVE `fileinfo` record per file.
    pub fileinfo: bool,
    /// Where `filestore` puts files (file-store v2's layout); `None`: not stored. Leaked
    /// once per configuration, so the settings stay `Copy`.
    pub store_dir: Option<&'static Path>,
}

impl Default for FilesOutput {
    fn default() -> Self {
        FilesOutput {
            hashes: FileNeeds::NONE,
            fileinfo: true,
            store_dir: None,
        }
    }
}

/// Suricata's file states as EVE writes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileState {
    #[default]
    Open,
    Closed,
    Truncated,
}

impl FileState {
    pub fn name(self) -> &'static str {
        match self {
            FileState::Open => "OPEN",
            FileState::Closed => "CLOSED",
            FileState::Truncated => "TRUNCATED",
        }
    }
}

/// One file of a transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// As the protocol names it (HTTP: Content-Disposition's `filename` or the URI path;
    /// SMTP: the attachment's name); may be empty.
    pub name: Vec<u8>,
    /// Sent by the client (an upload, a mail) rather than the server.
    pub to_server: bool,
    /// Every byte of the file, also those past `content`.
    pub size: u64,
    pub state: FileState,
    /// The first bytes, bounded by the protocol's limit.
    pub content: Vec<u8>,
    /// HTTP: the bytes are the message's kept body, not copied here
    /// (`HttpTransaction::file_content`).
    pub in_body: bool,
    /// Digests of the whole file, when needed and the file was closed.
    pub md5: Option<[u8; 16]>,
    pub sha1: Option<[u8; 20]>,
    pub sha256: Option<[u8; 32]>,
}

impl File {
    pub fn new(name: &[u8], to_server: bool) -> File {
        File {
            name: name.to_vec(),
            to_server,
            ..File::default()
        }
    }

    /// A file already whole in memory (a part of a buffered body), closed or cut.
    pub fn whole(
        name: &[u8],
        to_server: bool,
        data: &[u8],
        closed: bool,
        needs: FileNeeds,
    ) -> File {
        let mut f = File::new(name, to_server);
        f.size = data.len() as u64;
        f.content = data.to_vec();
        if closed {
            if let Some(mut h) = Hasher::new(needs) {
                h.update(data);
                h.finish(&mut f);
            }
            f.state = FileState::Closed;
        } else {
            f.state = FileState::Truncated;
        }
        f
    }

    /// Adds bytes: counted, hashed, kept up to `limit`.
    pub fn append(&mut self, hasher: &mut Option<Box<Hasher>>, data: &[u8], limit: usize) {
        self.size += data.len() as u64;
        if let Some(h) = hasher {
            h.update(data);
        }
        let room = limit.saturating_sub(self.content.len());
        self.content
            .extend_from_slice(&data[..data.len().min(room)]);
    }

    /// Ends the file: digests are only final for a file seen whole, as in Suricata.
    pub fn close(&mut self, hasher: &mut Option<Box<Hasher>>, truncated: bool) {
        let h = hasher.take();
        if truncated {
            self.state = FileState::Truncated;
        } else {
            self.state = FileState::Closed;
            if let Some(h) = h {
                h.finish(self);
            }
        }
    }

    /// The extension `fileext` compares: after the last dot of the last path part.
    pub fn ext(&self) -> Option<&[u8]> {
        let base = self
            .name
            .rsplit(|&c| c == b'/')
            .next()
            .unwrap_or(&self.name);
        let dot = memchr::memrchr(b'.', base)?;
        Some(&base[dot + 1..])
    }
}

/// Streaming digests of one open file (only those asked for).
#[derive(Clone, Default)]
pub struct Hasher {
    md5: Option<md5::Md5>,
    sha1: Option<sha1::Sha1>,
    sha256: Option<sha2::Sha256>,
}

impl Hasher {
    /// `None` when nothing is needed: no allocation for files nobody hashes.
    pub fn new(needs: FileNeeds) -> Option<Box<Hasher>> {
        needs.any().then(|| {
            Box::new(Hasher {
                md5: needs.md5.then(md5::Md5::new),
                sha1: needs.sha1.then(sha1::Sha1::new),
                sha256: needs.sha256.then(sha2::Sha256::new),
            })
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.md5 {
            h.update(data);
        }
        if let Some(h) = &mut self.sha1 {
            h.update(data);
        }
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
    }

    fn finish(self, f: &mut File) {
        f.md5 = self.md5.map(|h| h.finalize().into());
        f.sha1 = self.sha1.map(|h| h.finalize().into());
        f.sha256 = self.sha256.map(|h| h.finalize().into());
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

/// The value of a `filename=` token of a Content-Disposition value, as Suricata 7 reads it
/// for HTTP: the value split on `;`, each part trimmed, the first starting with `filename=`
/// (case-insensitive), surrounding double quotes removed.
pub fn disposition_filename(value: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"filename=";
    value.split(|&c| c == b';').find_map(|part| {
        let part = part.trim_ascii();
        if part.len() < KEY.len() || !part[..KEY.len()].eq_ignore_ascii_case(KEY) {
            return None;
        }
        let v = &part[KEY.len()..];
        let v = match v {
            [b'"', inner @ .., b'"'] => inner,
            _ => v,
        };
        Some(v)
    })
}

/// A `multipart/form-data` request body's files (parts whose Content-Disposition names a
/// `filename`), from the body as kept: Suricata 7 also parses uploads from its buffered
/// request body. `cut`: bytes of the body were not kept (a part the kept bytes do not close is
/// truncated).
pub fn multipart_files(
    content_type: &[u8],
    body: &[u8],
    cut: bool,
    needs: FileNeeds,
    out: &mut Vec<File>,
) {
    let Some(boundary) = boundary(content_type) else {
        return;
    };
    // Delimiters are CRLF "--" boundary; the first may start the body.
    let mut delim = Vec::with_capacity(boundary.len() + 4);
    delim.extend_from_slice(b"\r\n--");
    delim.extend_from_slice(boundary);
    let finder = memchr::memmem::Finder::new(&delim);
    let mut pos = if body.starts_with(&delim[2..]) {
        delim.len() - 2
    } else {
        match finder.find(body) {
            Some(i) => i + delim.len(),
            None => return,
        }
    };
    while out.len() < MAX_UPLOADS {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return;
        }
        // The rest of the delimiter line, then the part's headers.
        let Some(eol) = memchr::memmem::find(rest, b"\r\n") else {
            return;
        };
        let part = &rest[eol + 2..];
        let (headers, data) = if let Some(d) = part.strip_prefix(b"\r\n") {
            (&part[..0], d)
        } else {
            let Some(hend) = memchr::memmem::find(part, b"\r\n\r\n") else {
                return;
            };
            (&part[..hend], &part[hend + 4..])
        };
        let name = headers
            .split(|&c| c == b'\n')
            .filter_map(|l| {
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                let colon = memchr::memchr(b':', l)?;
                l[..colon]
                    .trim_ascii()
                    .eq_ignore_ascii_case(b"content-disposition")
                    .then(|| &l[colon + 1..])
            })
            .find_map(disposition_filename);
        let end = finder.find(data);
        if let Some(name) = name {
            let bytes = &data[..end.unwrap_or(data.len())];
            out.push(File::whole(name, true, bytes, end.is_some() || !cut, needs));
        }
        let Some(end) = end else { return };
        pos = body.len() - data.len() + end + delim.len();
    }
}

/// Uploads kept per request.
const MAX_UPLOADS: usize = 16;

fn boundary(ct: &[u8]) -> Option<&[u8]> {
    const MP: &[u8] = b"multipart/form-data";
    let ct = ct.trim_ascii_start();
    if ct.len() < MP.len() || !ct[..MP.len()].eq_ignore_ascii_case(MP) {
        return None;
    }
    const KEY: &[u8] = b"boundary=";
    let at = ct
        .windows(KEY.len())
        .position(|w| w.eq_ignore_ascii_case(KEY))?;
    let v = &ct[at + KEY.len()..];
    let v = if let Some(q) = v.strip_prefix(b"\"") {
        &q[..memchr::memchr(b'"', q).unwrap_or(q.len())]
    } else {
        let end = v
            .iter()
            .position(|&c| c == b';' || c == b',' || c.is_ascii_whitespace())
            .unwrap_or(v.len());
        &v[..end]
    };
    (!v.is_empty() && v.len() <= 256).then_some(v)
}

fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
}

/// Suricata 7's EVE `fileinfo` object (braces included): `filename`, `sid`, `gaps`, `state`,
/// the digests computed, `stored` (and `file_id` when stored), `size`, `tx_id`.
pub fn write_fileinfo(out: &mut Vec<u8>, f: &File, sids: &[u32], stored: Option<u64>, tx_id: u64) {
    out.extend_from_slice(b"{\"filename\":");
    json::write_bytes_lossy(out, &f.name);
    // The `filestore` signatures that matched the file, as Suricata lists them.
    if !sids.is_empty() {
        out.extend_from_slice(b",\"sid\":[");
        for (i, s) in sids.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json::write_u64(out, u64::from(*s));
        }
        out.push(b']');
    }
    out.extend_from_slice(b",\"gaps\":false,\"state\":\"");
    out.extend_from_slice(f.state.name().as_bytes());
    out.push(b'"');
    for (key, d) in [
        ("md5", f.md5.as_ref().map(|d| &d[..])),
        ("sha1", f.sha1.as_ref().map(|d| &d[..])),
        ("sha256", f.sha256.as_ref().map(|d| &d[..])),
    ] {
        if let Some(d) = d {
            let _ = write!(out, ",\"{key}\":\"");
            write_hex(out, d);
            out.push(b'"');
        }
    }
    out.extend_from_slice(b",\"stored\":");
    json::write_bool(out, stored.is_some());
    if let Some(id) = stored {
        out.extend_from_slice(b",\"file_id\":");
        json::write_u64(out, id);
    }
    out.extend_from_slice(b",\"size\":");
    json::write_u64(out, f.size);
    out.extend_from_slice(b",\"tx_id\":");
    json::write_u64(out, tx_id);
    out.push(b'}');
}

/// Stores a file as Suricata's file-store v2 does: `<dir>/<first two hex digits of the
/// SHA-256>/<SHA-256>`, written once (a file with the same content is already there). Only a
/// file seen whole and with its SHA-256 can be stored; returns whether it is on disk.
pub fn store(dir: &Path, f: &File, content: &[u8]) -> std::io::Result<bool> {
    let Some(sha) = f.sha256 else {
        return Ok(false);
    };
    if f.state != FileState::Closed || f.size != content.len() as u64 {
        return Ok(false);
    }
    let mut hex = Vec::with_capacity(64);
    write_hex(&mut hex, &sha);
    let hex = String::from_utf8(hex).unwrap_or_default();
    let sub = dir.join(&hex[..2]);
    std::fs::create_dir_all(&sub)?;
    let path = sub.join(&hex);
    if path.exists() {
        return Ok(true);
    }
    // Written aside and renamed, so a reader never sees a partial file.
    let tmp = sub.join(format!(".{hex}.tmp"));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, &path)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: FileNeeds = FileNeeds {
        md5: true,
        sha1: true,
        sha256: true,
    };

    #[test]
    fn streamed_digests_cover_bytes_past_the_kept_content() {
        let mut f = File::new(b"/a/b.txt", false);
        let mut h = Hasher::new(ALL);
        f.append(&mut h, b"hello ", 4);
        f.append(&mut h, b"world", 4);
        f.close(&mut h, false);
        assert_eq!(f.content, b"hell");
        assert_eq!(f.size, 11);
        assert_eq!(f.state, FileState::Closed);
        let mut out = Vec::new();
        write_hex(&mut out, &f.md5.unwrap());
        assert_eq!(out, b"5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert!(f.size > f.content.len() as u64);
    }

    #[test]
    fn truncated_files_have_no_digest_and_nothing_hashes_without_need() {
        let mut f = File::new(b"x", true);
        let mut h = Hasher::new(ALL);
        f.append(&mut h, b"abc", 10);
        f.close(&mut h, true);
        assert_eq!(f.state, FileState::Truncated);
        assert!(f.md5.is_none() && f.sha256.is_none());
        assert!(Hasher::new(FileNeeds::NONE).is_none());
        let only = FileNeeds::NONE.with_name("SHA1").unwrap();
        let f = File::whole(b"y", true, b"abc", true, only);
        assert!(f.sha1.is_some() && f.md5.is_none() && f.sha256.is_none());
        assert!(FileNeeds::NONE.with_name("crc32").is_none());
    }

    #[test]
    fn extension_is_after_the_last_dot_of_the_last_path_part() {
        let ext = |n: &[u8]| File::new(n, false).ext().map(<[u8]>::to_vec);
        assert_eq!(ext(b"/a/expl/2008.mp4"), Some(b"mp4".to_vec()));
        assert_eq!(ext(b"x.tar.gz"), Some(b"gz".to_vec()));
        assert_eq!(ext(b"/dir.d/readme"), None);
        assert_eq!(ext(b"trailing."), Some(Vec::new()));
    }

    #[test]
    fn content_disposition_filename_as_suricata_reads_it() {
        let f = |v: &[u8]| disposition_filename(v).map(<[u8]>::to_vec);
        assert_eq!(
            f(b"attachment; filename=\"a b.exe\""),
            Some(b"a b.exe".to_vec())
        );
        assert_eq!(
            f(b"attachment;FILENAME=x.zip ; y=1"),
            Some(b"x.zip".to_vec())
        );
        assert_eq!(f(b"inline"), None);
        // `name=` of a form field is not a file name.
        assert_eq!(f(b"form-data; name=\"field\""), None);
    }

    #[test]
    fn multipart_uploads_only_parts_with_a_filename() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfield\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"up.bin\"\r\n\
Content-Type: application/octet-stream\r\n\r\nbin\r\ndata\r\n--XyZ--\r\n";
        let mut out = Vec::new();
        multipart_files(
            b"multipart/form-data; boundary=XyZ",
            body,
            false,
            ALL,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, b"up.bin");
        assert_eq!(out[0].content, b"bin\r\ndata");
        assert_eq!(out[0].state, FileState::Closed);
        assert!(out[0].to_server && out[0].md5.is_some());
        // The kept body stops inside the part: truncated, no digest.
        out.clear();
        let cut = &body[..body.len() - 16];
        multipart_files(
            b"multipart/form-data; boundary=\"XyZ\"",
            cut,
            true,
            ALL,
            &mut out,
        );
        assert_eq!(out[0].state, FileState::Truncated);
        assert!(out[0].md5.is_none());
        // Not form-data: no upload.
        out.clear();
        multipart_files(b"multipart/mixed; boundary=XyZ", body, false, ALL, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn fileinfo_object_in_suricata_order() {
        let f = File::whole(
            b"/",
            false,
            b"abc",
            true,
            FileNeeds::NONE.with_name("md5").unwrap(),
        );
        let mut out = Vec::new();
        write_fileinfo(&mut out, &f, &[], None, 3);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"filename\":\"/\",\"gaps\":false,\"state\":\"CLOSED\",\
\"md5\":\"900150983cd24fb0d6963f7d28e17f72\",\"stored\":false,\"size\":3,\"tx_id\":3}"
        );
    }

    #[test]
    fn store_names_files_by_sha256() {
        let dir = std::env::temp_dir().join(format!("files-store-{}", std::process::id()));
        let f = File::whole(b"a", false, b"abc", true, ALL);
        assert!(store(&dir, &f, &f.content).unwrap());
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(
            std::fs::read(dir.join("ba").join(sha)).unwrap(),
            b"abc".to_vec()
        );
        // Cut files are not stored (their content is not the file).
        let cut = File::whole(b"a", false, b"abc", false, ALL);
        assert!(!store(&dir, &cut, &cut.content).unwrap());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
