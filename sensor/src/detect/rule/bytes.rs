//! The payload keywords that read numbers out of the buffer or test positions in it:
//! `byte_test`, `byte_jump`, `byte_extract`, `isdataat` and `bsize`, parsed with Suricata 7's
//! forms and evaluated at the inspection position (see `inspect`).
//!
//! `byte_extract` stores a value in a rule-local variable; later keywords of the same buffer
//! name it where a number is expected (`byte_test` value and offset, `byte_jump` offset,
//! `isdataat`, content `offset`/`depth`/`distance`/`within`).

use super::error::{bail, ErrorKind, PResult};
use super::lexer::truncate;
use super::numeric::NumCmp;

/// Most `byte_extract` variables a rule may define.
pub const MAX_BYTE_VARS: usize = 8;

/// A number written in the rule, or a `byte_extract` variable (its index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Val {
    Lit(i64),
    Var(u8),
}

impl Val {
    /// The value, reading variables from `vars`.
    #[inline]
    pub fn get(self, vars: &[u64; MAX_BYTE_VARS]) -> i64 {
        match self {
            Val::Lit(v) => v,
            Val::Var(i) => vars[i as usize & (MAX_BYTE_VARS - 1)] as i64,
        }
    }
}

/// Names of the variables defined so far in a rule (index = variable id).
pub type VarNames = Vec<String>;

/// Resolves a number or a variable name (`kw` names the keyword in errors).
pub fn parse_val(kw: &str, s: &str, vars: &VarNames, min: i64, max: i64) -> PResult<Val> {
    let s = s.trim();
    if s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && !s.starts_with("0x") {
        return match vars.iter().position(|v| v == s) {
            Some(i) => Ok(Val::Var(i as u8)),
            None => bail!(
                "{kw}: unknown variable `{}` (byte_extract must define it earlier in the same buffer)",
                truncate(s, 40)
            ),
        };
    }
    let v = parse_int(s).ok_or_else(|| ErrorKind::syntax(format!("{kw}: invalid number `{s}`")))?;
    if v < min || v > max {
        bail!("{kw}: value {v} out of range {min}..={max}");
    }
    Ok(Val::Lit(v))
}

/// Decimal or `0x` hexadecimal, optionally negative.
fn parse_int(s: &str) -> Option<i64> {
    let (neg, t) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let v = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok()?,
        None => t.parse::<u64>().ok()?,
    };
    if neg {
        i64::try_from(v).ok().map(|v| -v)
    } else {
        i64::try_from(v).ok().or(Some(v as i64))
    }
}

/// How the extracted bytes are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extract {
    pub nbytes: u8,
    /// The byte count comes from this `byte_extract` variable (`nbytes` is then unused);
    /// a value outside the range the form allows makes the keyword not match.
    pub nbytes_var: Option<u8>,
    pub little: bool,
    /// `dce`: the byte order is the DCE/RPC call's (its data representation), `little` when
    /// the buffer is not a call's.
    pub dce: bool,
    /// `string` with its base (10, 16 or 8); `None` for binary.
    pub string_base: Option<u32>,
    pub bitmask: Option<u64>,
}

impl Extract {
    /// The extraction with its byte count resolved from the variables (`None`: the
    /// variable's value is not a valid count for this form).
    #[inline]
    pub fn resolve(&self, vars: &[u64; MAX_BYTE_VARS]) -> Option<Extract> {
        let Some(v) = self.nbytes_var else {
            return Some(*self);
        };
        let n = vars[v as usize & (MAX_BYTE_VARS - 1)];
        let (min, max) = nbytes_range(self.string_base);
        if n < min as u64 || n > max as u64 {
            return None;
        }
        Some(Extract {
            nbytes: n as u8,
            nbytes_var: None,
            ..*self
        })
    }

    /// Reads the value at `at` (which may be out of range: no value then).
    pub fn read(&self, buf: &[u8], at: i64) -> Option<u64> {
        if at < 0 {
            return None;
        }
        let at = at as usize;
        // `string` with 0 bytes: the number runs to the first non-digit (Suricata hands
        // strtoull the buffer itself).
        let n = match (self.nbytes, self.string_base) {
            (0, Some(_)) => buf.len().checked_sub(at)?,
            (n, _) => n as usize,
        };
        let end = at.checked_add(n)?;
        let bytes = buf.get(at..end)?;
        let mut v = match self.string_base {
            None => {
                let mut v = 0u64;
                if self.little {
                    for &b in bytes.iter().rev() {
                        v = v << 8 | b as u64;
                    }
                } else {
                    for &b in bytes {
                        v = v << 8 | b as u64;
                    }
                }
                v
            }
            Some(base) => parse_string_number(bytes, base)?,
        };
        if let Some(mask) = self.bitmask {
            v &= mask;
            if v != 0 {
                v >>= mask.trailing_zeros();
            }
        }
        Some(v)
    }
}

/// `strtoull` on a byte window: leading whitespace, optional sign, `0x` for base 16, then
/// digits up to the first non-digit; at least one digit. Overflow is no value.
fn parse_string_number(b: &[u8], base: u32) -> Option<u64> {
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    if base == 16
        && b.len() >= i + 3
        && b[i] == b'0'
        && (b[i + 1] | 0x20) == b'x'
        && b[i + 2].is_ascii_hexdigit()
    {
        i += 2;
    }
    let start = i;
    let mut v: u64 = 0;
    while i < b.len() {
        let Some(d) = (b[i] as char).to_digit(base) else {
            break;
        };
        v = v.checked_mul(base as u64)?.checked_add(d as u64)?;
        i += 1;
    }
    if i == start {
        return None;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The options common to the byte keywords, after the positional ones.
struct Flags {
    relative: bool,
    little: bool,
    dce: bool,
    string: bool,
    base: Option<u32>,
    bitmask: Option<u64>,
    multiplier: Option<u32>,
    align: bool,
    from_beginning: bool,
    from_end: bool,
    post_offset: Option<i32>,
    extract_align: Option<u8>,
}

fn parse_flags(kw: &str, items: &[&str]) -> PResult<Flags> {
    let mut f = Flags {
        relative: false,
        little: false,
        dce: false,
        string: false,
        base: None,
        bitmask: None,
        multiplier: None,
        align: false,
        from_beginning: false,
        from_end: false,
        post_offset: None,
        extract_align: None,
    };
    let mut endian_seen = false;
    for item in items {
        let item = item.trim();
        let (name, arg) = match item.split_once(char::is_whitespace) {
            Some((n, a)) => (n, Some(a.trim())),
            None => (item, None),
        };
        let num = |what: &str| -> PResult<i64> {
            arg.and_then(parse_int)
                .ok_or_else(|| ErrorKind::syntax(format!("{kw}: `{what}` needs a number")))
        };
        match (name.to_ascii_lowercase().as_str(), arg.is_some()) {
            ("relative", false) => f.relative = true,
            ("big", false) | ("little", false) => {
                if endian_seen {
                    bail!("{kw}: endianness given twice");
                }
                endian_seen = true;
                f.little = name.eq_ignore_ascii_case("little");
            }
            ("string", false) => f.string = true,
            ("dec", false) | ("hex", false) | ("oct", false) => {
                if f.base.is_some() {
                    bail!("{kw}: number base given twice");
                }
                f.base = Some(match name.to_ascii_lowercase().as_str() {
                    "dec" => 10,
                    "hex" => 16,
                    _ => 8,
                });
            }
            ("dce", false) => {
                if endian_seen {
                    bail!("{kw}: endianness given twice");
                }
                endian_seen = true;
                f.dce = true;
            }
            ("bitmask", true) => {
                let m = num("bitmask")?;
                if m <= 0 || m > u32::MAX as i64 {
                    bail!("{kw}: invalid bitmask");
                }
                f.bitmask = Some(m as u64);
            }
            ("multiplier", true) => {
                let m = num("multiplier")?;
                if !(1..=65535).contains(&m) {
                    bail!("{kw}: multiplier must be 1..65535");
                }
                f.multiplier = Some(m as u32);
            }
            ("align", false) if kw == "byte_jump" => f.align = true,
            ("align", true) if kw == "byte_extract" => {
                let a = num("align")?;
                if a != 2 && a != 4 {
                    bail!("{kw}: align must be 2 or 4");
                }
                f.extract_align = Some(a as u8);
            }
            ("from_beginning", false) => f.from_beginning = true,
            ("from_end", false) => f.from_end = true,
            ("post_offset", true) => {
                let p = num("post_offset")?;
                if !(-65535..=65535).contains(&p) {
                    bail!("{kw}: post_offset out of range");
                }
                f.post_offset = Some(p as i32);
            }
            _ => bail!("{kw}: unknown option `{}`", truncate(item, 40)),
        }
    }
    if f.base.is_some() && !f.string {
        bail!("{kw}: dec/hex/oct need `string`");
    }
    if f.string && (f.little || f.dce) {
        bail!("{kw}: `string` cannot be combined with an endianness");
    }
    Ok(f)
}

/// The byte counts a form allows: binary 1..=8, strings by base.
fn nbytes_range(base: Option<u32>) -> (i64, i64) {
    let max = match base {
        None => 8,
        Some(16) => 14,
        Some(8) => 23,
        Some(_) => 20,
    };
    let min = if base.is_some() { 0 } else { 1 };
    (min, max)
}

fn make_extract(kw: &str, nbytes: Nbytes, f: &Flags) -> PResult<Extract> {
    let base = if f.string {
        Some(f.base.unwrap_or(10))
    } else {
        None
    };
    let (min, max) = nbytes_range(base);
    let (nbytes, nbytes_var) = match nbytes {
        Nbytes::Lit(n) if n < min || n > max => {
            bail!("{kw}: number of bytes must be {min}..={max}")
        }
        Nbytes::Lit(n) => (n as u8, None),
        Nbytes::Var(v) => (0, Some(v)),
    };
    Ok(Extract {
        nbytes,
        nbytes_var,
        little: f.little,
        dce: f.dce,
        string_base: base,
        bitmask: f.bitmask,
    })
}

fn split_args(v: &str) -> Vec<&str> {
    v.split(',').map(str::trim).collect()
}

/// A byte count: a number, or (`byte_test`, `byte_jump`) a `byte_extract` variable.
#[derive(Clone, Copy, Debug)]
enum Nbytes {
    Lit(i64),
    Var(u8),
}

fn parse_nbytes(kw: &str, s: &str, vars: Option<&VarNames>) -> PResult<Nbytes> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Ok(Nbytes::Lit(n));
    }
    if !t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        bail!("{kw}: invalid number of bytes `{s}`");
    }
    let Some(vars) = vars else {
        return Err(ErrorKind::unsupported(format!(
            "{kw} with a variable byte count"
        )));
    };
    match parse_val(kw, t, vars, 0, 0)? {
        Val::Var(v) => Ok(Nbytes::Var(v)),
        Val::Lit(_) => bail!("{kw}: invalid number of bytes `{s}`"),
    }
}

/// `byte_test` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOp {
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    /// `&`: any bit in common.
    And,
    /// `^`: any bit different.
    Xor,
}

/// `byte_test:<n>,[!]<op>,<value>,<offset>[,flags]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteTest {
    pub extract: Extract,
    pub negated: bool,
    pub op: ByteOp,
    pub value: Val,
    pub offset: Val,
    pub relative: bool,
}

impl ByteTest {
    pub fn parse(v: &str, vars: &VarNames) -> PResult<Self> {
        let kw = "byte_test";
        let a = split_args(v);
        if a.len() < 4 {
            bail!("{kw} needs bytes, operator, value and offset");
        }
        let nbytes = parse_nbytes(kw, a[0], Some(vars))?;
        let op_s = a[1].trim();
        let (negated, op_s) = match op_s.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, op_s),
        };
        let (negated, op) = match op_s {
            "<" => (negated, ByteOp::Lt),
            ">" => (negated, ByteOp::Gt),
            "<=" => (negated, ByteOp::Le),
            ">=" => (negated, ByteOp::Ge),
            "=" => (negated, ByteOp::Eq),
            "&" => (negated, ByteOp::And),
            "^" => (negated, ByteOp::Xor),
            // `!` alone is `!=`.
            "" if negated => (true, ByteOp::Eq),
            _ => bail!("{kw}: invalid operator `{}`", truncate(a[1], 10)),
        };
        let value = match parse_val(kw, a[2], vars, i64::MIN, i64::MAX)? {
            Val::Lit(n) if n < 0 => bail!("{kw}: negative test value"),
            v => v,
        };
        let offset = parse_val(kw, a[3], vars, -65535, 65535)?;
        let f = parse_flags(kw, &a[4..])?;
        if f.multiplier.is_some()
            || f.align
            || f.from_beginning
            || f.from_end
            || f.post_offset.is_some()
            || f.extract_align.is_some()
        {
            bail!("{kw}: byte_jump/byte_extract options are not valid here");
        }
        let extract = make_extract(kw, nbytes, &f)?;
        if let Val::Lit(o) = offset {
            if o < 0 && !f.relative {
                bail!("{kw}: negative offset needs `relative`");
            }
        }
        Ok(ByteTest {
            extract,
            negated,
            op,
            value,
            offset,
            relative: f.relative,
        })
    }

    /// Whether the test holds at `buffer_offset` (the previous match end).
    pub fn matches(&self, buf: &[u8], buffer_offset: u32, vars: &[u64; MAX_BYTE_VARS]) -> bool {
        let mut at = self.offset.get(vars);
        if self.relative {
            at += buffer_offset as i64;
        }
        let Some(val) = self.extract.resolve(vars).and_then(|e| e.read(buf, at)) else {
            return false;
        };
        let value = self.value.get(vars) as u64;
        let hit = match self.op {
            ByteOp::Lt => val < value,
            ByteOp::Gt => val > value,
            ByteOp::Le => val <= value,
            ByteOp::Ge => val >= value,
            ByteOp::Eq => val == value,
            ByteOp::And => val & value != 0,
            ByteOp::Xor => val ^ value != 0,
        };
        hit != self.negated
    }
}

/// `byte_jump:<n>,<offset>[,flags]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteJump {
    pub extract: Extract,
    pub offset: Val,
    pub relative: bool,
    pub multiplier: u32,
    pub align: bool,
    pub from_beginning: bool,
    pub from_end: bool,
    pub post_offset: i32,
}

impl ByteJump {
    pub fn parse(v: &str, vars: &VarNames) -> PResult<Self> {
        let kw = "byte_jump";
        let a = split_args(v);
        if a.len() < 2 {
            bail!("{kw} needs bytes and offset");
        }
        let nbytes = parse_nbytes(kw, a[0], Some(vars))?;
        let offset = parse_val(kw, a[1], vars, -65535, 65535)?;
        let f = parse_flags(kw, &a[2..])?;
        if f.extract_align.is_some() {
            bail!("{kw}: invalid option");
        }
        if f.from_beginning && f.from_end {
            bail!("{kw}: from_beginning and from_end are exclusive");
        }
        let extract = make_extract(kw, nbytes, &f)?;
        Ok(ByteJump {
            extract,
            offset,
            relative: f.relative,
            multiplier: f.multiplier.unwrap_or(1),
            align: f.align,
            from_beginning: f.from_beginning,
            from_end: f.from_end,
            post_offset: f.post_offset.unwrap_or(0),
        })
    }

    /// The new inspection position, or `None` (no match).
    pub fn jump(&self, buf: &[u8], buffer_offset: u32, vars: &[u64; MAX_BYTE_VARS]) -> Option<u32> {
        let len = buf.len() as i64;
        if len == 0 {
            return None;
        }
        let mut at = self.offset.get(vars);
        if self.relative {
            at += buffer_offset as i64;
            if at >= len {
                return None;
            }
        }
        let extract = self.extract.resolve(vars)?;
        let val = extract.read(buf, at)?;
        let mut val = val.wrapping_mul(self.multiplier as u64);
        if self.align && val % 4 != 0 {
            val = val.wrapping_add(4 - val % 4);
        }
        let val = (val as i64).wrapping_add(self.post_offset as i64);
        let target = if self.from_beginning {
            val
        } else if self.from_end {
            len.wrapping_add(val)
        } else {
            at.wrapping_add(extract.nbytes as i64).wrapping_add(val)
        };
        if target < 0 {
            // Suricata moves a jump before the start to the start.
            return Some(0);
        }
        // Suricata 7.0.10 lets a jump land exactly at the end (checked on its verdicts).
        if target > len {
            return None;
        }
        Some(target as u32)
    }
}

/// `byte_extract:<n>,<offset>,<name>[,flags]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteExtract {
    pub extract: Extract,
    pub offset: i32,
    pub relative: bool,
    pub multiplier: u32,
    pub align: u8,
    /// Variable index the value is stored in.
    pub var: u8,
}

impl ByteExtract {
    /// Parses and defines the variable in `vars`.
    pub fn parse(v: &str, vars: &mut VarNames) -> PResult<Self> {
        let kw = "byte_extract";
        let a = split_args(v);
        if a.len() < 3 {
            bail!("{kw} needs bytes, offset and a variable name");
        }
        let nbytes = parse_nbytes(kw, a[0], None)?;
        let offset = match parse_int(a[1]) {
            Some(o) if (-65535..=65535).contains(&o) => o as i32,
            _ => bail!("{kw}: invalid offset `{}`", truncate(a[1], 20)),
        };
        let name = a[2];
        if name.is_empty()
            || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
        {
            bail!("{kw}: invalid variable name `{}`", truncate(name, 40));
        }
        let f = parse_flags(kw, &a[3..])?;
        if f.align || f.from_beginning || f.from_end || f.post_offset.is_some() {
            bail!("{kw}: byte_jump options are not valid here");
        }
        if f.string && f.base.is_none() {
            // Suricata requires the base for `string` here.
            bail!("{kw}: `string` needs dec, hex or oct");
        }
        let extract = make_extract(kw, nbytes, &f)?;
        let var = match vars.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                if vars.len() >= MAX_BYTE_VARS {
                    bail!("{kw}: more than {MAX_BYTE_VARS} variables in one rule");
                }
                vars.push(name.to_string());
                vars.len() - 1
            }
        };
        Ok(ByteExtract {
            extract,
            offset,
            relative: f.relative,
            multiplier: f.multiplier.unwrap_or(1),
            align: f.extract_align.unwrap_or(0),
            var: var as u8,
        })
    }

    /// Extracts the value into `vars`; returns the new inspection position (after the bytes).
    pub fn run(
        &self,
        buf: &[u8],
        buffer_offset: u32,
        vars: &mut [u64; MAX_BYTE_VARS],
    ) -> Option<u32> {
        let mut at = self.offset as i64;
        if self.relative {
            at += buffer_offset as i64;
        }
        let extract = self.extract.resolve(vars)?;
        let val = extract.read(buf, at)?;
        let mut val = val.wrapping_mul(self.multiplier as u64);
        if self.align > 1 {
            let a = self.align as u64;
            if val % a != 0 {
                val = val.wrapping_add(a - val % a);
            }
        }
        vars[self.var as usize & (MAX_BYTE_VARS - 1)] = val;
        Some((at + self.extract.nbytes as i64) as u32)
    }
}

/// `byte_math` operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MathOp {
    Add,
    Sub,
    Mul,
    Div,
    Shl,
    Shr,
}

/// `byte_math:bytes <n|var>, offset <n>, oper <op>, rvalue <n|var>, result <name>[, relative]
/// [, endian big|little][, string dec|hex|oct][, bitmask <n>]` (Suricata 7): reads a number
/// as `byte_extract` does, applies the operator with `rvalue` (64-bit wrapping, as Suricata's
/// C arithmetic; a division by zero does not match), masks the result and stores it in a
/// variable later keywords name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ByteMath {
    pub extract: Extract,
    pub offset: i32,
    pub relative: bool,
    pub op: MathOp,
    pub rvalue: Val,
    pub bitmask: Option<u64>,
    /// Variable index the result is stored in.
    pub var: u8,
}

impl ByteMath {
    /// Parses and defines the result variable in `vars`.
    pub fn parse(v: &str, vars: &mut VarNames) -> PResult<Self> {
        let kw = "byte_math";
        let (mut nbytes, mut offset, mut op, mut rvalue, mut result) =
            (None, None, None, None, None);
        let (mut relative, mut little, mut base, mut bitmask) = (false, None, None, None);
        let mut dce = false;
        for item in split_args(v) {
            let (name, arg) = match item.split_once(char::is_whitespace) {
                Some((n, a)) => (n.to_ascii_lowercase(), a.trim()),
                None => (item.to_ascii_lowercase(), ""),
            };
            let twice = |set: bool| -> PResult<()> {
                if set {
                    bail!("{kw}: `{name}` given twice");
                }
                Ok(())
            };
            match (name.as_str(), arg.is_empty()) {
                ("bytes", false) => {
                    twice(nbytes.is_some())?;
                    nbytes = Some(parse_nbytes(kw, arg, Some(vars))?);
                }
                ("offset", false) => {
                    twice(offset.is_some())?;
                    offset = match parse_int(arg) {
                        Some(o) if (-65535..=65535).contains(&o) => Some(o as i32),
                        _ => bail!("{kw}: invalid offset `{}`", truncate(arg, 20)),
                    };
                }
                ("oper", false) => {
                    twice(op.is_some())?;
                    op = Some(match arg {
                        "+" => MathOp::Add,
                        "-" => MathOp::Sub,
                        "*" => MathOp::Mul,
                        "/" => MathOp::Div,
                        "<<" => MathOp::Shl,
                        ">>" => MathOp::Shr,
                        _ => bail!("{kw}: invalid operator `{}`", truncate(arg, 10)),
                    });
                }
                ("rvalue", false) => {
                    twice(rvalue.is_some())?;
                    rvalue = Some(parse_val(kw, arg, vars, 0, u32::MAX as i64)?);
                }
                ("result", false) => {
                    twice(result.is_some())?;
                    if !arg.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                        || !arg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    {
                        bail!("{kw}: invalid result name `{}`", truncate(arg, 40));
                    }
                    result = Some(arg.to_string());
                }
                ("relative", true) => relative = true,
                ("endian", false) => {
                    twice(little.is_some())?;
                    little = Some(match arg.to_ascii_lowercase().as_str() {
                        "big" => false,
                        "little" => true,
                        "dce" => {
                            dce = true;
                            false
                        }
                        _ => bail!("{kw}: invalid endian `{}`", truncate(arg, 10)),
                    });
                }
                ("dce", true) => {
                    twice(little.is_some())?;
                    little = Some(false);
                    dce = true;
                }
                ("string", false) => {
                    twice(base.is_some())?;
                    base = Some(match arg.to_ascii_lowercase().as_str() {
                        "dec" => 10,
                        "hex" => 16,
                        "oct" => 8,
                        _ => bail!("{kw}: invalid string base `{}`", truncate(arg, 10)),
                    });
                }
                ("bitmask", false) => {
                    twice(bitmask.is_some())?;
                    bitmask = match parse_int(arg) {
                        Some(m) if m > 0 && m <= u32::MAX as i64 => Some(m as u64),
                        _ => bail!("{kw}: invalid bitmask"),
                    };
                }
                _ => bail!("{kw}: unknown option `{}`", truncate(item, 40)),
            }
        }
        let (Some(nbytes), Some(offset), Some(op), Some(rvalue), Some(result)) =
            (nbytes, offset, op, rvalue, result)
        else {
            bail!("{kw} needs bytes, offset, oper, rvalue and result");
        };
        if base.is_some() && little.is_some() {
            bail!("{kw}: `string` cannot be combined with an endianness");
        }
        // Suricata takes 1 to 10 bytes in either form; binary values wider than 8 bytes
        // cannot be read and never match.
        let (nbytes, nbytes_var) = match nbytes {
            Nbytes::Lit(n) if !(1..=10).contains(&n) => bail!("{kw}: bytes must be 1..=10"),
            Nbytes::Lit(n) => (n as u8, None),
            Nbytes::Var(v) => (0, Some(v)),
        };
        let extract = Extract {
            nbytes,
            nbytes_var,
            little: little.unwrap_or(false),
            dce,
            string_base: base,
            bitmask: None,
        };
        let var = match vars.iter().position(|n| *n == result) {
            Some(i) => i,
            None => {
                if vars.len() >= MAX_BYTE_VARS {
                    bail!("{kw}: more than {MAX_BYTE_VARS} variables in one rule");
                }
                vars.push(result);
                vars.len() - 1
            }
        };
        Ok(ByteMath {
            extract,
            offset,
            relative,
            op,
            rvalue,
            bitmask,
            var: var as u8,
        })
    }

    /// Computes the value into `vars`; returns the new inspection position (after the bytes).
    pub fn run(
        &self,
        buf: &[u8],
        buffer_offset: u32,
        vars: &mut [u64; MAX_BYTE_VARS],
    ) -> Option<u32> {
        let mut at = self.offset as i64;
        if self.relative {
            at += buffer_offset as i64;
            if at >= buf.len() as i64 {
                // Suricata: no match without data after the relative position.
                return None;
            }
        }
        let extract = match self.extract.nbytes_var {
            // A count from a variable: 1 to 10 bytes, as a literal count.
            Some(v) => {
                let n = vars[v as usize & (MAX_BYTE_VARS - 1)];
                if !(1..=10).contains(&n) {
                    return None;
                }
                Extract {
                    nbytes: n as u8,
                    nbytes_var: None,
                    ..self.extract
                }
            }
            None => self.extract,
        };
        if extract.string_base.is_none() && extract.nbytes > 8 {
            return None;
        }
        let val = extract.read(buf, at)?;
        let r = self.rvalue.get(vars) as u64;
        let mut val = match self.op {
            MathOp::Add => val.wrapping_add(r),
            MathOp::Sub => val.wrapping_sub(r),
            MathOp::Mul => val.wrapping_mul(r),
            MathOp::Div => val.checked_div(r)?,
            // C shifts past the width are undefined; they give 0 here.
            MathOp::Shl => val.checked_shl(r.min(64) as u32).unwrap_or(0),
            MathOp::Shr => val.checked_shr(r.min(64) as u32).unwrap_or(0),
        };
        if let Some(mask) = self.bitmask {
            val &= mask;
            if val != 0 {
                val >>= mask.trailing_zeros();
            }
        }
        vars[self.var as usize & (MAX_BYTE_VARS - 1)] = val;
        Some((at + extract.nbytes as i64) as u32)
    }
}

/// `isdataat:[!]<n>[,relative][,rawbytes]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IsDataAt {
    pub at: Val,
    pub relative: bool,
    pub negated: bool,
}

impl IsDataAt {
    pub fn parse(v: &str, vars: &VarNames) -> PResult<Self> {
        let kw = "isdataat";
        let a = split_args(v);
        let first = a[0];
        let (negated, n) = match first.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, first),
        };
        let at = parse_val(kw, n, vars, 0, 65535)?;
        let mut relative = false;
        for item in &a[1..] {
            match *item {
                "relative" if !relative => relative = true,
                // Payloads are not normalized here: raw bytes are what is inspected.
                "rawbytes" => {}
                _ => bail!("{kw}: unknown option `{}`", truncate(item, 40)),
            }
        }
        Ok(IsDataAt {
            at,
            relative,
            negated,
        })
    }
}

/// Outcome of a position keyword, as Suricata's content inspection treats it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Continue with the next keyword at this inspection position.
    Match(u32),
    /// No match; earlier keywords may retry.
    NoMatch,
    /// No match, and retrying cannot help.
    Discontinue,
}

impl IsDataAt {
    pub fn step(&self, len: u32, buffer_offset: u32, vars: &[u64; MAX_BYTE_VARS]) -> Step {
        let var = matches!(self.at, Val::Var(_));
        let raw = self.at.get(vars) as u64;
        if var && raw >= 100_000_000 {
            return if self.negated {
                Step::Match(buffer_offset)
            } else {
                Step::NoMatch
            };
        }
        let at = raw;
        let present = if self.relative {
            buffer_offset as u64 + at <= len as u64
        } else {
            at < len as u64
        };
        match (present, self.negated) {
            (true, false) | (false, true) => Step::Match(buffer_offset),
            (true, true) if self.relative || var => Step::NoMatch,
            (false, false) if self.relative && var => Step::NoMatch,
            (false, false) if !self.relative && var => Step::NoMatch,
            _ => Step::Discontinue,
        }
    }
}

/// `bsize`: the buffer's length (Suricata's integer forms).
pub fn parse_bsize(v: &str) -> PResult<NumCmp> {
    NumCmp::parse(v, u64::MAX)
        .map_err(|_| ErrorKind::syntax(format!("bsize: invalid value `{}`", truncate(v, 40))))
}

/// Most bytes `base64_decode` produces (Suricata's default decode limit).
pub const BASE64_MAX_DECODED: usize = 65_535;

/// `base64_decode[:bytes <n>][, offset <n>][, relative]` with the `base64_data` matchers that
/// inspect what it decoded. As in Suricata it is terminal: when the decoded data matches, the
/// rule's buffer matches (keywords after it in the same buffer are not evaluated); when
/// nothing decodes or the data does not match, it does not.
#[derive(Clone, Debug, PartialEq)]
pub struct Base64Decode {
    /// Encoded bytes to decode at most (0: to the end of the buffer).
    pub bytes: u32,
    pub offset: u32,
    pub relative: bool,
    /// The `base64_data` matchers (set when the rule is finished).
    pub data: Vec<super::inspect::Matcher>,
}

impl Base64Decode {
    pub fn parse(v: Option<&str>) -> PResult<Self> {
        let kw = "base64_decode";
        let mut d = Base64Decode {
            bytes: 0,
            offset: 0,
            relative: false,
            data: Vec::new(),
        };
        let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(d);
        };
        let (mut bytes, mut offset) = (false, false);
        for item in v.split(',').map(str::trim) {
            let (name, arg) = match item.split_once(char::is_whitespace) {
                Some((n, a)) => (n, Some(a.trim())),
                None => (item, None),
            };
            let num = || -> PResult<u32> {
                match arg.map(str::parse::<u32>) {
                    Some(Ok(n)) if n <= 65535 => Ok(n),
                    _ => bail!("{kw}: `{name}` needs a number up to 65535"),
                }
            };
            match (name, arg.is_some()) {
                ("bytes", true) if !bytes => {
                    bytes = true;
                    d.bytes = num()?;
                    if d.bytes == 0 {
                        bail!("{kw}: bytes must be at least 1");
                    }
                }
                ("offset", true) if !offset => {
                    offset = true;
                    d.offset = num()?;
                }
                ("relative", false) if !d.relative => d.relative = true,
                _ => bail!("{kw}: invalid or repeated option `{}`", truncate(item, 40)),
            }
        }
        Ok(d)
    }

    /// The encoded window at `buffer_offset`, if any.
    pub fn window<'a>(&self, buf: &'a [u8], buffer_offset: u32) -> Option<&'a [u8]> {
        let base = if self.relative {
            (buffer_offset as usize).min(buf.len())
        } else {
            0
        };
        let rest = &buf[base..];
        let start = self.offset as usize;
        if start > 0 && start >= rest.len() {
            return None;
        }
        let rest = &rest[start.min(rest.len())..];
        let n = match self.bytes {
            0 => rest.len(),
            b => rest.len().min(b as usize),
        };
        Some(&rest[..n])
    }
}

fn base64_value(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    })
}

/// Suricata 7.0.10's decoding for `base64_decode` (checked on its verdicts): decodes until a
/// byte outside the alphabet (a NUL, a space or a line end included); `=` counts as padding
/// inside its block, and decoding goes on after it; a last partial block of k characters
/// gives k - 1 bytes. Appends to `out`, at most [`BASE64_MAX_DECODED`] bytes in all.
pub fn base64_decode(src: &[u8], out: &mut Vec<u8>) {
    let mut block = [0u8; 4];
    let (mut n, mut pad) = (0usize, 0usize);
    let emit = |block: &[u8; 4], count: usize, out: &mut Vec<u8>| {
        let b = [
            block[0] << 2 | block[1] >> 4,
            block[1] << 4 | block[2] >> 2,
            block[2] << 6 | block[3],
        ];
        let room = BASE64_MAX_DECODED.saturating_sub(out.len());
        out.extend_from_slice(&b[..count.min(room)]);
    };
    for &c in src {
        let v = match (base64_value(c), c) {
            (Some(v), _) => v,
            (None, b'=') => {
                pad += 1;
                0
            }
            _ => break,
        };
        block[n] = v;
        n += 1;
        if n == 4 {
            emit(&block, 3 - pad.min(3), out);
            if out.len() >= BASE64_MAX_DECODED {
                return;
            }
            block = [0; 4];
            n = 0;
            pad = 0;
        }
    }
    if n > 1 {
        emit(&block, n - 1, out);
    }
}
