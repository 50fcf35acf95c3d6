//! Transforms: keywords placed right after a sticky buffer that rewrite the buffer before its
//! matchers (and the prefilter) see it. A buffer with transforms is a buffer of its own, as
//! in Suricata: `dns.query; dotprefix;` and plain `dns.query` are inspected separately.
//!
//! Implemented: `dotprefix`, `strip_whitespace`, `compress_whitespace`, `to_lowercase`,
//! `to_uppercase`, `url_decode`, `to_md5`, `to_sha1`, `to_sha256`, and with a value
//! `pcrexform` and `xor`. Other transforms (`from_base64`, ...) are refused at load.
//!
//! A transform with a value refers to it as `&'static`: values are interned (one copy per
//! distinct text for the life of the process, so reloading the same rules adds nothing),
//! which keeps [`Transforms`] a small `Copy` key that buffer lists and prefilters are indexed
//! by.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::error::{bail, PResult};
use super::pcre::PcreXform;

/// One transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transform {
    /// Prepends a `.` (so `.example.com` with `endswith` matches the domain and its
    /// subdomains, never `badexample.com`).
    DotPrefix,
    /// Removes every whitespace byte (`isspace`: SP, HT, LF, VT, FF, CR).
    StripWhitespace,
    /// Replaces each run of whitespace with one space.
    CompressWhitespace,
    ToLowercase,
    ToUppercase,
    /// `%XX` to its byte and `+` to a space; a `%` not followed by two hex digits is kept
    /// with what follows it.
    UrlDecode,
    /// The buffer's MD5 / SHA-1 / SHA-256 digest (binary, 16 / 20 / 32 bytes).
    ToMd5,
    ToSha1,
    ToSha256,
    /// `pcrexform:"<re>"`: the buffer becomes the expression's group 1 when it matches
    /// (otherwise it stays as it was, as in Suricata 7.0.10).
    PcreXform(&'static PcreXform),
    /// `xor:"<hex key>"`: each byte XORed with the key, repeated.
    Xor(&'static XorKey),
}

/// A `xor` key (1 to 255 bytes).
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct XorKey(pub Box<[u8]>);

impl XorKey {
    /// Parses the hex digits of `xor:"..."` (Suricata 7: an even count, hex only).
    pub fn parse(hex_key: &str) -> PResult<XorKey> {
        let h = hex_key.as_bytes();
        if h.is_empty() {
            bail!("xor needs a key");
        }
        if h.len() % 2 != 0 {
            bail!("xor key `{hex_key}`: an even number of hex digits is needed");
        }
        if h.len() / 2 > 255 {
            bail!("xor key longer than 255 bytes");
        }
        let mut key = Vec::with_capacity(h.len() / 2);
        for pair in h.chunks(2) {
            match (hex(pair[0]), hex(pair[1])) {
                (Some(a), Some(b)) => key.push(a << 4 | b),
                _ => bail!("xor key `{hex_key}`: hex digits only"),
            }
        }
        Ok(XorKey(key.into_boxed_slice()))
    }
}

/// One interned copy per distinct value: rule loading only (never per packet).
fn intern<T: Eq + std::hash::Hash + Send + Sync + 'static>(
    table: &'static OnceLock<Mutex<HashMap<String, &'static T>>>,
    text: &str,
    make: impl FnOnce() -> PResult<T>,
) -> PResult<&'static T> {
    let map = table.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = map.get(text) {
        return Ok(v);
    }
    let v: &'static T = Box::leak(Box::new(make()?));
    map.insert(text.to_string(), v);
    Ok(v)
}

impl Transform {
    /// `pcrexform` with its expression (compiled once per distinct text).
    pub fn pcrexform(re: &str) -> PResult<Transform> {
        static T: OnceLock<Mutex<HashMap<String, &'static PcreXform>>> = OnceLock::new();
        intern(&T, re, || PcreXform::compile(re)).map(Transform::PcreXform)
    }

    /// `xor` with its key in hex.
    pub fn xor(hex_key: &str) -> PResult<Transform> {
        static T: OnceLock<Mutex<HashMap<String, &'static XorKey>>> = OnceLock::new();
        intern(&T, hex_key, || XorKey::parse(hex_key)).map(Transform::Xor)
    }
}

impl Transform {
    pub fn from_keyword(kw: &str) -> Option<Transform> {
        Some(match kw {
            "dotprefix" => Transform::DotPrefix,
            "strip_whitespace" => Transform::StripWhitespace,
            "compress_whitespace" => Transform::CompressWhitespace,
            "to_lowercase" => Transform::ToLowercase,
            "to_uppercase" => Transform::ToUppercase,
            "url_decode" => Transform::UrlDecode,
            "to_md5" => Transform::ToMd5,
            "to_sha1" => Transform::ToSha1,
            "to_sha256" => Transform::ToSha256,
            _ => return None,
        })
    }

    fn apply(self, input: &[u8], out: &mut Vec<u8>) {
        // Suricata's isspace() set.
        let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        match self {
            Transform::DotPrefix => {
                out.push(b'.');
                out.extend_from_slice(input);
            }
            Transform::StripWhitespace => out.extend(input.iter().copied().filter(|&b| !space(b))),
            Transform::CompressWhitespace => {
                let mut prev_space = false;
                for &b in input {
                    if space(b) {
                        if !prev_space {
                            out.push(b' ');
                        }
                        prev_space = true;
                    } else {
                        out.push(b);
                        prev_space = false;
                    }
                }
            }
            Transform::ToLowercase => out.extend(input.iter().map(u8::to_ascii_lowercase)),
            Transform::ToUppercase => out.extend(input.iter().map(u8::to_ascii_uppercase)),
            Transform::UrlDecode => url_decode(input, out),
            Transform::ToMd5 => {
                use md5::Digest;
                out.extend_from_slice(&md5::Md5::digest(input))
            }
            Transform::ToSha1 => {
                use sha1::Digest;
                out.extend_from_slice(&sha1::Sha1::digest(input))
            }
            Transform::ToSha256 => {
                use sha2::Digest;
                out.extend_from_slice(&sha2::Sha256::digest(input))
            }
            Transform::PcreXform(x) => out.extend_from_slice(x.capture(input).unwrap_or(input)),
            Transform::Xor(k) => {
                out.extend(input.iter().zip(k.0.iter().cycle()).map(|(b, k)| b ^ k))
            }
        }
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|v| v as u8)
}

/// Suricata's `url_decode`.
fn url_decode(input: &[u8], out: &mut Vec<u8>) {
    // Pending escape: `%` seen, and its first hex digit if any.
    let mut pending: Option<Option<u8>> = None;
    for &b in input {
        match pending {
            Some(first) => match (hex(b), first) {
                (Some(_), None) => pending = Some(Some(b)),
                (Some(lo), Some(hi)) => {
                    out.push(hex(hi).unwrap_or(0) << 4 | lo);
                    pending = None;
                }
                (None, first) => {
                    out.push(b'%');
                    out.extend(first);
                    out.push(b);
                    pending = None;
                }
            },
            None if b == b'%' => pending = Some(None),
            None if b == b'+' => out.push(b' '),
            None => out.push(b),
        }
    }
    if let Some(first) = pending {
        out.push(b'%');
        out.extend(first);
    }
}

/// The transforms of a buffer, in order (at most [`Transforms::MAX`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Transforms {
    ops: [Option<Transform>; Transforms::MAX],
}

impl Transforms {
    pub const MAX: usize = 4;
    pub const NONE: Transforms = Transforms {
        ops: [None; Transforms::MAX],
    };

    pub fn is_empty(&self) -> bool {
        self.ops[0].is_none()
    }

    pub fn push(&mut self, t: Transform) -> PResult<()> {
        match self.ops.iter_mut().find(|o| o.is_none()) {
            Some(slot) => {
                *slot = Some(t);
                Ok(())
            }
            None => bail!("more than {} transforms on one buffer", Self::MAX),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Transform> + '_ {
        self.ops.iter().map_while(|o| *o)
    }

    /// The transformed buffer, built in `scratch` (no allocation once its buffers have grown).
    pub fn apply<'a>(&self, input: &[u8], scratch: &'a mut [Vec<u8>; 2]) -> &'a [u8] {
        let [a, b] = scratch;
        a.clear();
        a.extend_from_slice(input);
        for t in self.iter() {
            b.clear();
            t.apply(a, b);
            std::mem::swap(a, b);
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ts: &[Transform], input: &[u8]) -> Vec<u8> {
        let mut x = Transforms::NONE;
        for t in ts {
            x.push(*t).unwrap();
        }
        let mut s = Default::default();
        x.apply(input, &mut s).to_vec()
    }

    #[test]
    fn transforms_apply_in_order() {
        use Transform::*;
        assert_eq!(run(&[DotPrefix], b"example.com"), b".example.com");
        assert_eq!(run(&[DotPrefix], b""), b".");
        assert_eq!(run(&[StripWhitespace], b" a \tb\r\nc "), b"abc");
        assert_eq!(run(&[CompressWhitespace], b"a  \t b\r\n"), b"a b ");
        assert_eq!(run(&[ToLowercase, DotPrefix], b"EviL.COM"), b".evil.com");
        assert_eq!(run(&[ToUppercase], b"abc1"), b"ABC1");
        assert_eq!(run(&[], b"same"), b"same");
        assert_eq!(run(&[UrlDecode], b"a%41+b%2f%zz%4%"), b"aA b/%zz%4%");
        assert_eq!(run(&[UrlDecode], b"%%41"), b"%%41");
        // Digests are binary; of an empty buffer too.
        assert_eq!(
            run(&[ToMd5], b"abc"),
            hex("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(run(&[ToMd5], b""), hex("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(
            run(&[ToSha1], b"abc"),
            hex("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            run(&[ToSha256], b"abc"),
            hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        // Transforms chain: the digest of the lowercased buffer.
        assert_eq!(run(&[ToLowercase, ToMd5], b"ABC"), run(&[ToMd5], b"abc"));
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn at_most_four_transforms() {
        let mut x = Transforms::NONE;
        for _ in 0..Transforms::MAX {
            x.push(Transform::DotPrefix).unwrap();
        }
        assert!(x.push(Transform::DotPrefix).is_err());
        assert_eq!(x.iter().count(), Transforms::MAX);
    }
}
