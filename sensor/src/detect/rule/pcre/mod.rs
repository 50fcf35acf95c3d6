//! The `pcre` keyword: Suricata's `/regex/flags` syntax and a pure-Rust engine with PCRE2
//! semantics for the subset rules use.
//!
//! The PCRE pattern is translated, not passed through: every construct is re-emitted in an
//! explicit form both `regex-automata` and `fancy-regex` read the same way (classes as byte
//! sets with case folding applied, `.` as a class, flags baked in, anchors spelled out). That
//! removes the dialect differences (`\h`, `\v`, `[[]`, `&&` in classes, `{` literals, `x`-mode
//! whitespace in classes, ...). Patterns without look-around, back-references, atomic groups
//! or possessive quantifiers run on `regex-automata` (linear time); the others on
//! `fancy-regex` in byte mode.
//!
//! PCRE's `$` also matches before a final newline, and multi-line `^` does not match after a
//! final newline. Those need look-around; such patterns get two engines: an exact one and a
//! fast one that is used when the subject does not end with `\n` (where the two agree).
//!
//! Unsupported (load error, never a silent mismatch): recursion and subroutine calls, `(?|`,
//! conditionals, callouts, backtracking verbs and `(*...)` settings, `\G`, `\p`/`\P`, `\X`,
//! `\C`, inline flags other than `imsxU`, and numeric back-references in patterns that mix
//! named and unnamed groups. Known difference: PCRE's match limits (Suricata: 3500) are not
//! emulated; a pattern that exhausts them fails in Suricata and may match here.
//!
//! Layout: [`keyword`] parses the keyword into [`Pcre`]; [`translate`] rewrites the PCRE
//! syntax for the engines; [`classes`] holds the byte sets classes translate to; [`engine`]
//! picks the engine and compiles.

mod classes;
mod engine;
mod keyword;
mod translate;
mod xform;

pub use keyword::{Pcre, PcreBufferFlag};
pub use xform::PcreXform;
