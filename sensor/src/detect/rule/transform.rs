//! Transforms: keywords placed right after a sticky buffer that rewrite the buffer before its
//! matchers (and the prefilter) see it. A buffer with transforms is a buffer of its own, as
//! in Suricata: `dns.query; dotprefix;` and plain `dns.query` are inspected separately.
//!
//! Implemented: `dotprefix`, `strip_whitespace`, `compress_whitespace`, `to_lowercase`,
//! `to_uppercase`, `url_decode`, `to_md5`, `to_sha1`, `to_sha256`. Other transforms
//! (`pcrexform`, `xor`, `from_base64`, ...) are refused at load.

use super::error::{bail, PResult};

/// One transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Transform {
    /// Prepends a `.` (so `.example.com` with `endswith` matches the domain and its
    /// subdomains, never `badexample.com`).
    DotPrefix = 1,
    /// Removes every whitespace byte (`isspace`: SP, HT, LF, VT, FF, CR).
    StripWhitespace = 2,
    /// Replaces each run of whitespace with one space.
    CompressWhitespace = 3,
    ToLowercase = 4,
    ToUppercase = 5,
    /// `%XX` to its byte and `+` to a space; a `%` not followed by two hex digits is kept
    /// with what follows it.
    UrlDecode = 6,
    /// The buffer's MD5 / SHA-1 / SHA-256 digest (binary, 16 / 20 / 32 bytes).
    ToMd5 = 7,
    ToSha1 = 8,
    ToSha256 = 9,
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

    fn from_u8(v: u8) -> Option<Transform> {
        Some(match v {
            1 => Transform::DotPrefix,
            2 => Transform::StripWhitespace,
            3 => Transform::CompressWhitespace,
            4 => Transform::ToLowercase,
            5 => Transform::ToUppercase,
            6 => Transform::UrlDecode,
            7 => Transform::ToMd5,
            8 => Transform::ToSha1,
            9 => Transform::ToSha256,
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
    ops: [u8; Transforms::MAX],
}

impl Transforms {
    pub const MAX: usize = 4;
    pub const NONE: Transforms = Transforms {
        ops: [0; Transforms::MAX],
    };

    pub fn is_empty(&self) -> bool {
        self.ops[0] == 0
    }

    pub fn push(&mut self, t: Transform) -> PResult<()> {
        match self.ops.iter_mut().find(|o| **o == 0) {
            Some(slot) => {
                *slot = t as u8;
                Ok(())
            }
            None => bail!("more than {} transforms on one buffer", Self::MAX),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = Transform> + '_ {
        self.ops.iter().map_while(|&o| Transform::from_u8(o))
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
