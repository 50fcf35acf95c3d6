//! Transforms: keywords placed right after a sticky buffer that rewrite the buffer before its
//! matchers (and the prefilter) see it. A buffer with transforms is a buffer of its own, as
//! in Suricata: `dns.query; dotprefix;` and plain `dns.query` are inspected separately.
//!
//! Implemented: `dotprefix`, `strip_whitespace`, `compress_whitespace`, `to_lowercase`,
//! `to_uppercase`. Other transforms are refused at load.

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
}

impl Transform {
    pub fn from_keyword(kw: &str) -> Option<Transform> {
        Some(match kw {
            "dotprefix" => Transform::DotPrefix,
            "strip_whitespace" => Transform::StripWhitespace,
            "compress_whitespace" => Transform::CompressWhitespace,
            "to_lowercase" => Transform::ToLowercase,
            "to_uppercase" => Transform::ToUppercase,
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
        }
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
