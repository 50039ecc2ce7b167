//! The engine of `string.pack`, `string.unpack` and `string.packsize` (Lua 5.4's binary
//! serialisation), with the native sizes and alignment of x86-64 Linux: `short` 2, `int` 4,
//! `long` 8, `size_t` 8, `lua_Integer` 8, `lua_Number` 8, maximum alignment 8.
//!
//! A format is read up to its first NUL byte, as C reads it. Options are parsed one at a time
//! while packing, so an error in a later option comes after earlier arguments were checked,
//! exactly as in lstrlib.c; messages are Lua's.

use crate::format::FormatArgs;
use std::fmt;

/// Native alignment (`offsetof(struct { char c; union { double; void*; long long; ... } })`).
const NATIVE_ALIGN: usize = 8;
/// Largest integer size an option may ask for.
const MAX_INT_SIZE: usize = 16;
/// Bytes in a `lua_Integer`.
const SZINT: usize = 8;
/// Lua's `MAXSIZE` for sizes read from formats and total sizes (`INT_MAX`).
const MAX_SIZE: usize = i32::MAX as usize;

/// An error from packing or unpacking: an argument error (Lua frames it as
/// "bad argument #arg to 'f' (msg)") or a plain message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackError {
    Arg { arg: usize, msg: String },
    Msg(String),
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackError::Arg { arg, msg } => write!(f, "bad argument #{arg} ({msg})"),
            PackError::Msg(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for PackError {}

fn arg_err(arg: usize, msg: &str) -> PackError {
    PackError::Arg {
        arg,
        msg: msg.to_owned(),
    }
}

/// A value produced by `string.unpack`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unpacked<'a> {
    Int(i64),
    Float(f64),
    Str(&'a [u8]),
}

/// The kind of one format option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Uint,
    Float,
    Number,
    Double,
    /// Fixed-size string `cN`.
    Char,
    /// Length-prefixed string `sN`.
    Str,
    /// Zero-terminated string `z`.
    Zstr,
    /// One padding byte `x`.
    Padding,
    /// Alignment padding `Xop`.
    PadAlign,
    /// Endianness, alignment settings and spaces.
    Nop,
}

/// The state of a format walk: the remaining format, endianness and maximum alignment.
struct Reader<'a> {
    fmt: &'a [u8],
    pos: usize,
    little: bool,
    max_align: usize,
}

impl<'a> Reader<'a> {
    fn new(fmt: &'a [u8]) -> Self {
        let end = memchr::memchr(0, fmt).unwrap_or(fmt.len());
        Reader {
            fmt: &fmt[..end],
            pos: 0,
            little: cfg!(target_endian = "little"),
            max_align: 1,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.fmt.len()
    }

    /// A decimal numeral, or `default` when none follows. Stops before the value could pass
    /// `MAX_SIZE` (the remaining digits then read as the next option, as in Lua).
    fn number(&mut self, default: usize) -> usize {
        if !self.fmt.get(self.pos).is_some_and(u8::is_ascii_digit) {
            return default;
        }
        let mut a = 0usize;
        loop {
            a = a * 10 + usize::from(self.fmt[self.pos] - b'0');
            self.pos += 1;
            if !(self.fmt.get(self.pos).is_some_and(u8::is_ascii_digit) && a <= (MAX_SIZE - 9) / 10)
            {
                return a;
            }
        }
    }

    /// A numeral for an integer size, checked against `[1, 16]`.
    fn int_size(&mut self, default: usize) -> Result<usize, PackError> {
        let size = self.number(default);
        if size > MAX_INT_SIZE || size == 0 {
            return Err(PackError::Msg(format!(
                "integral size ({size}) out of limits [1,{MAX_INT_SIZE}]"
            )));
        }
        Ok(size)
    }

    /// Reads the next option: its kind and size.
    fn option(&mut self) -> Result<(Kind, usize), PackError> {
        let opt = self.fmt[self.pos];
        self.pos += 1;
        Ok(match opt {
            b'b' => (Kind::Int, 1),
            b'B' => (Kind::Uint, 1),
            b'h' => (Kind::Int, 2),
            b'H' => (Kind::Uint, 2),
            b'l' | b'j' => (Kind::Int, 8),
            b'L' | b'J' | b'T' => (Kind::Uint, 8),
            b'f' => (Kind::Float, 4),
            b'n' => (Kind::Number, 8),
            b'd' => (Kind::Double, 8),
            b'i' => (Kind::Int, self.int_size(4)?),
            b'I' => (Kind::Uint, self.int_size(4)?),
            b's' => (Kind::Str, self.int_size(8)?),
            b'c' => {
                let size = self.number(usize::MAX);
                if size == usize::MAX {
                    return Err(PackError::Msg(
                        "missing size for format option 'c'".to_owned(),
                    ));
                }
                (Kind::Char, size)
            }
            b'z' => (Kind::Zstr, 0),
            b'x' => (Kind::Padding, 1),
            b'X' => (Kind::PadAlign, 0),
            b' ' => (Kind::Nop, 0),
            b'<' => {
                self.little = true;
                (Kind::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (Kind::Nop, 0)
            }
            b'=' => {
                self.little = cfg!(target_endian = "little");
                (Kind::Nop, 0)
            }
            b'!' => {
                self.max_align = self.int_size(NATIVE_ALIGN)?;
                (Kind::Nop, 0)
            }
            c => {
                return Err(PackError::Msg(format!(
                    "invalid format option '{}'",
                    char::from(c)
                )))
            }
        })
    }

    /// Reads the next option and the padding that aligns it at offset `total`:
    /// (kind, size, padding).
    fn details(&mut self, total: usize) -> Result<(Kind, usize, usize), PackError> {
        let (kind, size) = self.option()?;
        let mut align = size;
        if kind == Kind::PadAlign {
            let invalid = || arg_err(1, "invalid next option for option 'X'");
            if self.at_end() {
                return Err(invalid());
            }
            let (next, next_size) = self.option()?;
            if next == Kind::Char || next_size == 0 {
                return Err(invalid());
            }
            align = next_size;
        }
        if align <= 1 || kind == Kind::Char {
            return Ok((kind, size, 0));
        }
        align = align.min(self.max_align);
        if !align.is_power_of_two() {
            return Err(arg_err(1, "format asks for alignment not power of 2"));
        }
        let pad = (align - (total & (align - 1))) & (align - 1);
        Ok((kind, size, pad))
    }
}

/// Appends the `size`-byte representation of `n` (sign-extended past 8 bytes when `neg`).
fn pack_int(out: &mut Vec<u8>, n: u64, little: bool, size: usize, neg: bool) {
    let start = out.len();
    out.resize(start + size, 0);
    write_int(&mut out[start..], n, little, neg);
}

/// Writes `n` over `dst` (its length is the integer size).
fn write_int(dst: &mut [u8], n: u64, little: bool, neg: bool) {
    let size = dst.len();
    for i in 0..size {
        let byte = if i < SZINT {
            (n >> (8 * i)) as u8
        } else if neg {
            0xff
        } else {
            0
        };
        dst[if little { i } else { size - 1 - i }] = byte;
    }
}

/// Appends `bytes` (native little-endian order) in the requested byte order.
fn pack_bytes(out: &mut Vec<u8>, bytes: &[u8], little: bool) {
    if little {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

/// `string.pack(fmt, ...)`: appends the packed values to `out`. Values are arguments 2...
pub fn pack<A: FormatArgs + ?Sized>(
    fmt: &[u8],
    args: &mut A,
    out: &mut Vec<u8>,
) -> Result<(), A::Error> {
    let raise = |args: &mut A, e: PackError| match e {
        PackError::Arg { arg, msg } => args.arg_error(arg, &msg),
        PackError::Msg(msg) => args.error(msg),
    };
    let mut r = Reader::new(fmt);
    let mut arg = 1;
    let mut total = 0usize;
    while !r.at_end() {
        let (kind, size, pad) = match r.details(total) {
            Ok(d) => d,
            Err(e) => return Err(raise(args, e)),
        };
        total = total.saturating_add(pad + size);
        out.resize(out.len() + pad, 0);
        arg += 1;
        match kind {
            Kind::Int => {
                let n = args.integer(arg)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim <= n && n < lim) {
                        return Err(args.arg_error(arg, "integer overflow"));
                    }
                }
                pack_int(out, n as u64, r.little, size, n < 0);
            }
            Kind::Uint => {
                let n = args.integer(arg)?;
                if size < SZINT && (n as u64) >= 1u64 << (size * 8) {
                    return Err(args.arg_error(arg, "unsigned overflow"));
                }
                pack_int(out, n as u64, r.little, size, false);
            }
            Kind::Float => {
                let x = args.number(arg)? as f32;
                pack_bytes(out, &x.to_le_bytes(), r.little);
            }
            Kind::Number | Kind::Double => {
                let x = args.number(arg)?;
                pack_bytes(out, &x.to_le_bytes(), r.little);
            }
            Kind::Char => {
                let s = args.string(arg)?;
                if s.len() > size {
                    return Err(args.arg_error(arg, "string longer than given size"));
                }
                out.extend_from_slice(s);
                out.resize(out.len() + (size - s.len()), 0);
            }
            Kind::Str => {
                // The string goes in after room for its length, written once it is known.
                let start = out.len();
                let s = args.string(arg)?;
                let len = s.len();
                let fits = size >= 8 || (len as u64) < 1u64 << (size * 8);
                if fits {
                    out.resize(start + size, 0);
                    out.extend_from_slice(s);
                }
                if !fits {
                    return Err(args.arg_error(arg, "string length does not fit in given size"));
                }
                write_int(&mut out[start..start + size], len as u64, r.little, false);
                total = total.saturating_add(len);
            }
            Kind::Zstr => {
                let s = args.string(arg)?;
                if s.contains(&0) {
                    return Err(args.arg_error(arg, "string contains zeros"));
                }
                let len = s.len();
                out.extend_from_slice(s);
                out.push(0);
                total = total.saturating_add(len + 1);
            }
            Kind::Padding => {
                out.push(0);
                arg -= 1;
            }
            Kind::PadAlign | Kind::Nop => arg -= 1,
        }
    }
    Ok(())
}

/// `string.packsize(fmt)`.
pub fn packsize(fmt: &[u8]) -> Result<i64, PackError> {
    let mut r = Reader::new(fmt);
    let mut total = 0usize;
    while !r.at_end() {
        let (kind, size, pad) = r.details(total)?;
        if kind == Kind::Str || kind == Kind::Zstr {
            return Err(arg_err(1, "variable-length format"));
        }
        let size = size + pad;
        if total > MAX_SIZE - size.min(MAX_SIZE) || size > MAX_SIZE {
            return Err(arg_err(1, "format result too large"));
        }
        total += size;
    }
    Ok(total as i64)
}

/// Reads a `size`-byte integer; past 8 bytes the extra bytes must be a sign extension.
fn unpack_int(bytes: &[u8], little: bool, signed: bool) -> Result<i64, PackError> {
    let size = bytes.len();
    let byte = |i: usize| {
        if little {
            bytes[i]
        } else {
            bytes[size - 1 - i]
        }
    };
    let limit = size.min(SZINT);
    let mut res: u64 = 0;
    for i in (0..limit).rev() {
        res = (res << 8) | u64::from(byte(i));
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        let fill = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xff
        };
        if (limit..size).any(|i| byte(i) != fill) {
            return Err(PackError::Msg(format!(
                "{size}-byte integer does not fit into Lua Integer"
            )));
        }
    }
    Ok(res as i64)
}

/// `string.unpack(fmt, data, init)`: calls `push` with each value in order and returns the
/// 1-based position after the last byte read (unpack's final result). `init` is Lua's
/// possibly negative start position.
pub fn unpack<'d, E: From<PackError>>(
    fmt: &[u8],
    data: &'d [u8],
    init: i64,
    mut push: impl FnMut(Unpacked<'d>) -> Result<(), E>,
) -> Result<usize, E> {
    let ld = data.len();
    let mut pos = crate::pattern::start_position(init, ld) - 1;
    if pos > ld {
        return Err(arg_err(3, "initial position out of string").into());
    }
    let mut r = Reader::new(fmt);
    while !r.at_end() {
        let (kind, size, pad) = r.details(pos)?;
        if pad.checked_add(size).is_none_or(|need| need > ld - pos) {
            return Err(arg_err(2, "data string too short").into());
        }
        pos += pad;
        let little = r.little;
        match kind {
            Kind::Int | Kind::Uint => {
                let n = unpack_int(&data[pos..pos + size], little, kind == Kind::Int)?;
                push(Unpacked::Int(n))?;
            }
            Kind::Float => {
                let mut b = [0u8; 4];
                b.copy_from_slice(&data[pos..pos + 4]);
                let x = if little {
                    f32::from_le_bytes(b)
                } else {
                    f32::from_be_bytes(b)
                };
                push(Unpacked::Float(f64::from(x)))?;
            }
            Kind::Number | Kind::Double => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&data[pos..pos + 8]);
                let x = if little {
                    f64::from_le_bytes(b)
                } else {
                    f64::from_be_bytes(b)
                };
                push(Unpacked::Float(x))?;
            }
            Kind::Char => push(Unpacked::Str(&data[pos..pos + size]))?,
            Kind::Str => {
                let len = unpack_int(&data[pos..pos + size], little, false)? as u64;
                let avail = (ld - pos - size) as u64;
                if len > avail {
                    return Err(arg_err(2, "data string too short").into());
                }
                let len = len as usize;
                push(Unpacked::Str(&data[pos + size..pos + size + len]))?;
                pos += len;
            }
            Kind::Zstr => {
                let len = memchr::memchr(0, &data[pos..]).unwrap_or(ld - pos);
                if pos + len >= ld {
                    return Err(arg_err(2, "unfinished string for format 'z'").into());
                }
                push(Unpacked::Str(&data[pos..pos + len]))?;
                pos += len + 1;
            }
            Kind::PadAlign | Kind::Padding | Kind::Nop => {}
        }
        pos += size;
    }
    Ok(pos + 1)
}

#[cfg(test)]
mod tests;
