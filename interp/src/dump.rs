//! Binary chunks: the serialisation of `FnProto` behind `string.dump` and the loading of
//! precompiled code.
//!
//! luna's instruction set is Lua 5.4's, opcode for opcode, so its binary chunks use Lua 5.4's
//! layout (`ldump.c`/`lundump.c`): a header, then the main function. Chunks written by luna
//! and by PUC-Lua 5.4 on the same platform are interchangeable.
//!
//! ```text
//! header   "\x1bLua" 0x54(version) 0x00(format) "\x19\x93\r\n\x1a\n"
//!          4(instruction size) 8(integer size) 8(float size)
//!          0x5678 as a native integer, 370.5 as a native float   (endianness and formats)
//! byte     number of upvalues of the main function
//! function source(string) line_defined(int) last_line_defined(int)
//!          num_params(byte) is_vararg(byte) max_stack(byte)
//!          code: n(int), n native 32-bit words
//!          constants: n(int), each a tag byte (Lua's variant tags) and its payload
//!          upvalues: n(int), each in_stack(byte) index(byte) kind(byte)
//!          protos: n(int), each a function (source omitted when equal to the parent's)
//!          line info: n(int) bytes of line deltas (-128: see the absolute list),
//!                     n(int) absolute entries pc(int) line(int)
//!          locals: n(int), each name(string) start_pc(int) end_pc(int)
//!          upvalue names: n(int: 0 or the number of upvalues), each a string
//! ```
//!
//! Integers ("int", sizes) are unsigned varints, most significant group first, the last byte
//! flagged with 0x80. Strings are a size (0: absent, else length + 1) and the bytes.
//!
//! Reading trusts nothing: every count is bounded by the bytes left, nesting is limited, and
//! each function is checked by `verify` against the invariants the VM relies on (see
//! `proto.rs`) before it can run, so a corrupt or malicious chunk is an error, never undefined
//! behaviour. Errors read like PUC-Lua's: "name: bad binary format (truncated chunk)".

mod verify;

use std::rc::Rc;

use crate::opcodes::Instr;
use crate::proto::{Constant, FnProto, LocVar, UpvalDesc, VarKind};

/// The signature every binary chunk starts with (Lua's `LUA_SIGNATURE`).
pub const SIGNATURE: &[u8] = b"\x1bLua";
/// Lua 5.4.
pub const VERSION: u8 = 0x54;
/// The official format.
pub const FORMAT: u8 = 0;
/// Bytes that catch text-mode conversions (`LUAC_DATA`).
const DATA: &[u8] = b"\x19\x93\r\n\x1a\n";
/// Test values for the integer and float formats (`LUAC_INT`, `LUAC_NUM`).
const CHECK_INT: i64 = 0x5678;
const CHECK_NUM: f64 = 370.5;

// Constant tags: Lua's type tags with variant bits.
const TAG_NIL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 1 | (1 << 4);
const TAG_INT: u8 = 3;
const TAG_FLOAT: u8 = 3 | (1 << 4);
const TAG_SHORT_STR: u8 = 4;
const TAG_LONG_STR: u8 = 4 | (1 << 4);

/// Strings up to this length are "short" in the constant tags.
const MAX_SHORT_LEN: usize = crate::string::MAX_SHORT_LEN;

/// Line info: a delta byte meaning "see the absolute list" (`ABSLINEINFO`).
const ABS_LINE_MARK: u8 = 0x80;
/// Deltas must be smaller than this in magnitude (`LIMLINEDIFF`).
const LINE_DIFF_LIMIT: i64 = 0x80;
/// At most this many instructions between absolute entries (`MAXIWTHABS`).
const MAX_WITHOUT_ABS: u32 = 128;

/// Deepest nesting of functions a chunk may have (as the parser allows).
const MAX_NESTING: usize = luna_grammar::ast::MAX_SYNTAX_LEVELS as usize;

// ---------------------------------------------------------------------- writing

/// Serialises `p` as a binary chunk; `strip` leaves out debug information (sources, line
/// information, local and upvalue names).
pub fn dump(p: &FnProto, strip: bool) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(256 + p.code.len() * 5),
        strip,
    };
    w.header();
    w.byte(p.upvalues.len().min(255) as u8);
    w.function(p, None);
    w.out
}

struct Writer {
    out: Vec<u8>,
    strip: bool,
}

impl Writer {
    fn header(&mut self) {
        self.out.extend_from_slice(SIGNATURE);
        self.out.push(VERSION);
        self.out.push(FORMAT);
        self.out.extend_from_slice(DATA);
        self.out.push(std::mem::size_of::<Instr>() as u8);
        self.out.push(std::mem::size_of::<i64>() as u8);
        self.out.push(std::mem::size_of::<f64>() as u8);
        self.out.extend_from_slice(&CHECK_INT.to_ne_bytes());
        self.out.extend_from_slice(&CHECK_NUM.to_ne_bytes());
    }

    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn size(&mut self, mut x: u64) {
        let mut buf = [0u8; 10];
        let mut n = 0;
        loop {
            buf[buf.len() - 1 - n] = (x & 0x7f) as u8;
            n += 1;
            x >>= 7;
            if x == 0 {
                break;
            }
        }
        let last = buf.len() - 1;
        buf[last] |= 0x80;
        self.out.extend_from_slice(&buf[buf.len() - n..]);
    }

    fn int(&mut self, x: usize) {
        self.size(x as u64);
    }

    fn string(&mut self, s: Option<&[u8]>) {
        match s {
            None => self.size(0),
            Some(s) => {
                self.size(s.len() as u64 + 1);
                self.out.extend_from_slice(s);
            }
        }
    }

    fn function(&mut self, p: &FnProto, parent_source: Option<&[u8]>) {
        let source = p.source.as_deref();
        if self.strip || (source.is_some() && source == parent_source) {
            self.string(None);
        } else {
            self.string(source);
        }
        self.int(p.line_defined as usize);
        self.int(p.last_line_defined as usize);
        self.byte(p.num_params);
        self.byte(p.is_vararg as u8);
        self.byte(p.max_stack);
        self.int(p.code.len());
        for i in &p.code {
            self.out.extend_from_slice(&i.0.to_ne_bytes());
        }
        self.int(p.constants.len());
        for k in &p.constants {
            match k {
                Constant::Nil => self.byte(TAG_NIL),
                Constant::Bool(false) => self.byte(TAG_FALSE),
                Constant::Bool(true) => self.byte(TAG_TRUE),
                Constant::Int(i) => {
                    self.byte(TAG_INT);
                    self.out.extend_from_slice(&i.to_ne_bytes());
                }
                Constant::Float(x) => {
                    self.byte(TAG_FLOAT);
                    self.out.extend_from_slice(&x.to_ne_bytes());
                }
                Constant::Str(s) => {
                    self.byte(if s.len() <= MAX_SHORT_LEN {
                        TAG_SHORT_STR
                    } else {
                        TAG_LONG_STR
                    });
                    self.string(Some(s));
                }
            }
        }
        self.int(p.upvalues.len());
        for u in &p.upvalues {
            self.byte(u.in_stack as u8);
            self.byte(u.index);
            self.byte(match u.kind {
                VarKind::Regular => 0,
                VarKind::Const => 1,
                VarKind::Close => 2,
                VarKind::CompileTimeConst => 3,
            });
        }
        self.int(p.protos.len());
        let own_source = if self.strip { None } else { source };
        for sub in &p.protos {
            self.function(sub, own_source);
        }
        self.debug(p);
    }

    fn debug(&mut self, p: &FnProto) {
        if self.strip || p.line_info.is_empty() {
            self.int(0);
            self.int(0);
        } else {
            let (deltas, abs) = encode_lines(p);
            self.int(deltas.len());
            self.out.extend_from_slice(&deltas);
            self.int(abs.len());
            for (pc, line) in abs {
                self.int(pc);
                self.int(line as usize);
            }
        }
        if self.strip {
            self.int(0);
        } else {
            self.int(p.loc_vars.len());
            for v in &p.loc_vars {
                self.string(Some(v.name.as_bytes()));
                self.int(v.start_pc as usize);
                self.int(v.end_pc as usize);
            }
        }
        let named = !self.strip && p.upvalues.iter().any(|u| u.name.is_some());
        if named {
            self.int(p.upvalues.len());
            for u in &p.upvalues {
                self.string(u.name.as_deref().map(str::as_bytes));
            }
        } else {
            self.int(0);
        }
    }
}

/// Encodes absolute lines as Lua does: one signed delta byte per instruction, with an
/// absolute (pc, line) entry when the delta does not fit or every `MAX_WITHOUT_ABS`
/// instructions.
fn encode_lines(p: &FnProto) -> (Vec<u8>, Vec<(usize, u32)>) {
    let mut deltas = Vec::with_capacity(p.line_info.len());
    let mut abs = Vec::new();
    let mut previous = i64::from(p.line_defined);
    let mut without_abs = 0u32;
    for (pc, &line) in p.line_info.iter().enumerate() {
        let diff = i64::from(line) - previous;
        let needs_abs = diff.abs() >= LINE_DIFF_LIMIT || {
            let n = without_abs;
            without_abs += 1;
            n >= MAX_WITHOUT_ABS
        };
        if needs_abs {
            abs.push((pc, line));
            deltas.push(ABS_LINE_MARK);
            without_abs = 1;
        } else {
            deltas.push(diff as i8 as u8);
        }
        previous = i64::from(line);
    }
    (deltas, abs)
}

// ---------------------------------------------------------------------- reading

/// Reads a binary chunk whose first byte (ESC) the caller has seen. `chunkname` names the
/// chunk in error messages, as Lua does: without its `@`/`=` prefix, or "binary string" when
/// the name is the chunk itself.
pub fn undump(chunk: &[u8], chunkname: &[u8]) -> Result<FnProto, String> {
    let name = match chunkname.first() {
        Some(b'@' | b'=') => String::from_utf8_lossy(&chunkname[1..]).into_owned(),
        Some(&c) if c == SIGNATURE[0] => "binary string".to_string(),
        _ => String::from_utf8_lossy(chunkname).into_owned(),
    };
    let mut r = Reader {
        data: chunk,
        pos: 0,
        name,
    };
    r.header()?;
    let nup = r.byte()?;
    let main = r.function(None, 0)?;
    if main.upvalues.len() != usize::from(nup) {
        return Err(r.error("wrong number of upvalues"));
    }
    Ok(main)
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    name: String,
}

impl<'a> Reader<'a> {
    fn error(&self, why: &str) -> String {
        format!("{}: bad binary format ({})", self.name, why)
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn block(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(self.error("truncated chunk"));
        }
        let b = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.block(1)?[0])
    }

    fn literal(&mut self, expected: &[u8], why: &str) -> Result<(), String> {
        if self.block(expected.len())? != expected {
            return Err(self.error(why));
        }
        Ok(())
    }

    fn unsigned(&mut self, limit: u64) -> Result<u64, String> {
        let limit = limit >> 7;
        let mut x: u64 = 0;
        loop {
            let b = self.byte()?;
            if x >= limit {
                return Err(self.error("integer overflow"));
            }
            x = (x << 7) | u64::from(b & 0x7f);
            if b & 0x80 != 0 {
                return Ok(x);
            }
        }
    }

    fn size(&mut self) -> Result<usize, String> {
        let n = self.unsigned(usize::MAX as u64)?;
        usize::try_from(n).map_err(|_| self.error("integer overflow"))
    }

    fn int(&mut self) -> Result<u32, String> {
        Ok(self.unsigned(i32::MAX as u64)? as u32)
    }

    /// A count of items that take at least `min_bytes` each: bounded by what is left.
    fn count(&mut self, min_bytes: usize) -> Result<usize, String> {
        let n = self.int()? as usize;
        if n.saturating_mul(min_bytes) > self.remaining() {
            return Err(self.error("truncated chunk"));
        }
        Ok(n)
    }

    fn i64(&mut self) -> Result<i64, String> {
        let b = self.block(8)?;
        Ok(i64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b = self.block(8)?;
        Ok(f64::from_ne_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn string(&mut self) -> Result<Option<&'a [u8]>, String> {
        match self.size()? {
            0 => Ok(None),
            n => self.block(n - 1).map(Some),
        }
    }

    fn header(&mut self) -> Result<(), String> {
        self.literal(SIGNATURE, "not a binary chunk")?;
        if self.byte()? != VERSION {
            return Err(self.error("version mismatch"));
        }
        if self.byte()? != FORMAT {
            return Err(self.error("format mismatch"));
        }
        self.literal(DATA, "corrupted chunk")?;
        for (size, what) in [
            (std::mem::size_of::<Instr>(), "Instruction"),
            (std::mem::size_of::<i64>(), "lua_Integer"),
            (std::mem::size_of::<f64>(), "lua_Number"),
        ] {
            if usize::from(self.byte()?) != size {
                return Err(self.error(&format!("{} size mismatch", what)));
            }
        }
        if self.i64()? != CHECK_INT {
            return Err(self.error("integer format mismatch"));
        }
        if self.f64()? != CHECK_NUM {
            return Err(self.error("float format mismatch"));
        }
        Ok(())
    }

    fn function(
        &mut self,
        parent_source: Option<&Rc<[u8]>>,
        depth: usize,
    ) -> Result<FnProto, String> {
        if depth >= MAX_NESTING {
            return Err(self.error("functions nested too deeply"));
        }
        let source: Option<Rc<[u8]>> = match self.string()? {
            Some(s) => Some(Rc::from(s)),
            None => parent_source.cloned(),
        };
        let mut p = FnProto::new(source);
        p.line_defined = self.int()?;
        p.last_line_defined = self.int()?;
        p.num_params = self.byte()?;
        p.is_vararg = self.byte()? != 0;
        p.max_stack = self.byte()?;

        let n = self.count(4)?;
        let words = self.block(n * 4)?;
        p.code = words
            .chunks_exact(4)
            .map(|w| Instr(u32::from_ne_bytes([w[0], w[1], w[2], w[3]])))
            .collect();

        let n = self.count(1)?;
        p.constants = Vec::with_capacity(n);
        for _ in 0..n {
            let k = match self.byte()? {
                TAG_NIL => Constant::Nil,
                TAG_FALSE => Constant::Bool(false),
                TAG_TRUE => Constant::Bool(true),
                TAG_INT => Constant::Int(self.i64()?),
                TAG_FLOAT => Constant::Float(self.f64()?),
                TAG_SHORT_STR | TAG_LONG_STR => match self.string()? {
                    Some(s) => Constant::Str(s.into()),
                    None => return Err(self.error("bad format for constant string")),
                },
                _ => return Err(self.error("bad format for constant")),
            };
            p.constants.push(k);
        }

        let n = self.count(3)?;
        p.upvalues = Vec::with_capacity(n);
        for _ in 0..n {
            let in_stack = self.byte()? != 0;
            let index = self.byte()?;
            let kind = match self.byte()? {
                0 => VarKind::Regular,
                1 => VarKind::Const,
                2 => VarKind::Close,
                3 => VarKind::CompileTimeConst,
                _ => return Err(self.error("bad upvalue kind")),
            };
            p.upvalues.push(UpvalDesc {
                name: None,
                in_stack,
                index,
                kind,
            });
        }

        let n = self.count(1)?;
        p.protos = Vec::with_capacity(n);
        for _ in 0..n {
            let sub = self.function(p.source.as_ref(), depth + 1)?;
            p.protos.push(Rc::new(sub));
        }

        self.debug(&mut p)?;
        verify::check(&p).map_err(|why| self.error(&why))?;
        Ok(p)
    }

    fn debug(&mut self, p: &mut FnProto) -> Result<(), String> {
        let n = self.count(1)?;
        let deltas = self.block(n)?;
        let nabs = self.count(2)?;
        let mut abs = Vec::with_capacity(nabs);
        for _ in 0..nabs {
            let pc = self.int()?;
            let line = self.int()?;
            abs.push((pc as usize, line));
        }
        if n != 0 {
            if n != p.code.len() {
                return Err(self.error("bad line information"));
            }
            p.line_info = decode_lines(p.line_defined, deltas, &abs);
        }

        let n = self.count(3)?;
        p.loc_vars = Vec::with_capacity(n);
        for _ in 0..n {
            let name = match self.string()? {
                Some(s) => String::from_utf8_lossy(s).into(),
                None => "?".into(),
            };
            let start_pc = self.int()?;
            let end_pc = self.int()?;
            p.loc_vars.push(LocVar {
                name,
                start_pc,
                end_pc,
            });
        }

        // A non-zero count means "named": there are exactly as many names as upvalues.
        if self.int()? != 0 {
            for j in 0..p.upvalues.len() {
                let name = self.string()?.map(|s| String::from_utf8_lossy(s).into());
                p.upvalues[j].name = name;
            }
        }
        Ok(())
    }
}

/// Absolute lines from Lua's encoding: an absolute entry resets the line at its pc, other
/// instructions add their delta to the previous line.
fn decode_lines(line_defined: u32, deltas: &[u8], abs: &[(usize, u32)]) -> Vec<u32> {
    let mut lines = Vec::with_capacity(deltas.len());
    let mut line = i64::from(line_defined);
    let mut next_abs = 0;
    for (pc, &d) in deltas.iter().enumerate() {
        let mut reset = false;
        while next_abs < abs.len() && abs[next_abs].0 <= pc {
            if abs[next_abs].0 == pc {
                line = i64::from(abs[next_abs].1);
                reset = true;
            }
            next_abs += 1;
        }
        if !reset {
            line += i64::from(d as i8);
        }
        lines.push(line.clamp(0, i64::from(u32::MAX)) as u32);
    }
    lines
}

#[cfg(test)]
mod tests;
