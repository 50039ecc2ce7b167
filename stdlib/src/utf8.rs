//! The utf8 library (manual §6.5).
//!
//! Decoding accepts sequences of up to six bytes encoding values up to `0x7FFFFFFF`, as Lua
//! 5.4 does; "strict" decoding (the default) also rejects values above `0x10FFFF` and
//! surrogates. Overlong encodings are always invalid. Reading past the end of the subject
//! sees a NUL byte, as the C implementation reads the string's terminator.

use luna_interp::{LuaResult, State, Value};

use crate::util::{new_lib, Reg};

/// Largest code point of strict UTF-8.
const MAX_UNICODE: u32 = 0x10FFFF;
/// Largest value the lax encoding can represent.
const MAX_UTF: u32 = 0x7FFF_FFFF;
const MSG_INVALID: &str = "invalid UTF-8 code";
/// Pattern matching exactly one UTF-8 byte sequence.
const CHAR_PATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";

pub fn open(st: &mut State) -> LuaResult<Value> {
    let t = new_lib(st, FUNCS);
    let pat = st.str_value(CHAR_PATTERN);
    st.raw_set_str(t, "charpattern", pat);
    Ok(Value::Table(t))
}

const FUNCS: &[Reg] = &[
    ("offset", offset),
    ("codepoint", codepoint),
    ("char", char),
    ("len", len),
    ("codes", codes),
];

#[inline]
fn is_cont(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The byte at `i`, or NUL past the end.
#[inline]
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// Decodes the sequence starting at `i`: the value and the index just past it, or `None`
/// for an invalid sequence.
fn decode(s: &[u8], i: usize, strict: bool) -> Option<(u32, usize)> {
    const LIMITS: [u32; 6] = [u32::MAX, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let mut c = u32::from(byte_at(s, i));
    let res;
    let mut count = 0;
    if c < 0x80 {
        res = c;
    } else {
        let mut acc: u32 = 0;
        while c & 0x40 != 0 {
            count += 1;
            let cc = byte_at(s, i + count);
            if !is_cont(cc) {
                return None;
            }
            acc = (acc << 6) | u32::from(cc & 0x3F);
            c <<= 1;
        }
        if count > 5 {
            return None;
        }
        acc |= (c & 0x7F) << (count * 5);
        if acc > MAX_UTF || acc < LIMITS[count] {
            return None;
        }
        res = acc;
    }
    if strict && (res > MAX_UNICODE || (0xD800..=0xDFFF).contains(&res)) {
        return None;
    }
    Some((res, i + count + 1))
}

/// Lua's `u_posrelat`: negative positions count from the end; too negative gives 0.
fn posrelat(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// `utf8.len(s [, i [, j [, lax]]])`: characters starting in `[i, j]`, or fail and the
/// position of the first invalid byte.
fn len(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let mut posi = posrelat(st.opt_int(2, 1)?, l);
    let posj = posrelat(st.opt_int(3, -1)?, l);
    let lax = st.to_bool(4);
    st.arg_check(
        1 <= posi && posi - 1 <= l as i64,
        2,
        "initial position out of bounds",
    )?;
    posi -= 1;
    let posj = posj - 1;
    st.arg_check(posj < l as i64, 3, "final position out of bounds")?;
    let bytes = s.as_bytes();
    let mut n: i64 = 0;
    while posi <= posj {
        match decode(bytes, posi as usize, !lax) {
            Some((_, next)) => {
                posi = next as i64;
                n += 1;
            }
            None => {
                st.push_nil();
                st.push_int(posi + 1);
                return Ok(2);
            }
        }
    }
    st.push_int(n);
    Ok(1)
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`: the code points of the characters starting in
/// `[i, j]`.
fn codepoint(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let posi = posrelat(st.opt_int(2, 1)?, l);
    let pose = posrelat(st.opt_int(3, posi)?, l);
    let lax = st.to_bool(4);
    st.arg_check(posi >= 1, 2, "out of bounds")?;
    st.arg_check(pose <= l as i64, 3, "out of bounds")?;
    if posi > pose {
        return Ok(0);
    }
    if pose - posi >= i64::from(i32::MAX) {
        return Err(st.error("string slice too long"));
    }
    st.check_stack((pose - posi + 1) as usize, "string slice too long")?;
    let bytes = s.as_bytes();
    let end = pose as usize;
    let mut i = posi as usize - 1;
    let mut n = 0;
    while i < end {
        match decode(bytes, i, !lax) {
            Some((code, next)) => {
                st.push_int(i64::from(code));
                n += 1;
                i = next;
            }
            None => return Err(st.error(MSG_INVALID)),
        }
    }
    Ok(n)
}

/// Appends the encoding of `x` (at most `MAX_UTF`) in up to six bytes (Lua's `%U`).
fn encode(x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut buf = [0u8; 6];
    let mut n = 0;
    let mut x = x;
    let mut max_first = 0x3Fu32;
    loop {
        buf[5 - n] = 0x80 | (x & 0x3F) as u8;
        n += 1;
        x >>= 6;
        max_first >>= 1;
        if x <= max_first {
            break;
        }
    }
    buf[5 - n] = ((!max_first << 1) | x) as u8;
    out.extend_from_slice(&buf[5 - n..]);
}

/// `utf8.char(...)`: the concatenated encodings of the arguments.
fn char(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    let mut out = Vec::with_capacity(n * 2);
    for i in 1..=n {
        let code = st.check_int(i)? as u64;
        st.arg_check(code <= u64::from(MAX_UTF), i, "value out of range")?;
        encode(code as u32, &mut out);
    }
    st.push_str(&out);
    Ok(1)
}

/// `utf8.offset(s, n [, i])`: the byte position where the `n`-th character counting from
/// position `i` starts (`n = 0`: the start of the character containing byte `i`).
fn offset(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let mut n = st.check_int(2)?;
    let default = if n >= 0 { 1 } else { l as i64 + 1 };
    let mut posi = posrelat(st.opt_int(3, default)?, l);
    st.arg_check(
        1 <= posi && posi - 1 <= l as i64,
        3,
        "position out of bounds",
    )?;
    posi -= 1;
    let bytes = s.as_bytes();
    let cont_at = |p: i64| is_cont(byte_at(bytes, p as usize));
    if n == 0 {
        while posi > 0 && cont_at(posi) {
            posi -= 1;
        }
    } else {
        if cont_at(posi) {
            return Err(st.error("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && posi > 0 {
                loop {
                    posi -= 1;
                    if !(posi > 0 && cont_at(posi)) {
                        break;
                    }
                }
                n += 1;
            }
        } else {
            n -= 1;
            while n > 0 && posi < l as i64 {
                loop {
                    posi += 1;
                    if !cont_at(posi) {
                        break;
                    }
                }
                n -= 1;
            }
        }
    }
    if n == 0 {
        st.push_int(posi + 1);
    } else {
        st.push_nil();
    }
    Ok(1)
}

/// The iterator of `utf8.codes`: the position and code point of the character after the
/// one at the control position.
fn iter_aux(st: &mut State, strict: bool) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let bytes = s.as_bytes();
    let ctl = st.arg(2);
    let mut n = st.to_integer(ctl).unwrap_or(0) as u64;
    if n < l as u64 {
        while n < l as u64 && is_cont(bytes[n as usize]) {
            n += 1;
        }
    }
    if n >= l as u64 {
        return Ok(0);
    }
    let i = n as usize;
    match decode(bytes, i, strict) {
        Some((code, next)) if !is_cont(byte_at(bytes, next)) => {
            st.push_int(i as i64 + 1);
            st.push_int(i64::from(code));
            Ok(2)
        }
        _ => Err(st.error(MSG_INVALID)),
    }
}

fn iter_strict(st: &mut State) -> LuaResult<usize> {
    iter_aux(st, true)
}

fn iter_lax(st: &mut State) -> LuaResult<usize> {
    iter_aux(st, false)
}

/// `utf8.codes(s [, lax])`: a generic-for iterator over the characters of `s`.
fn codes(st: &mut State) -> LuaResult<usize> {
    let lax = st.to_bool(2);
    let s = st.check_str(1)?;
    st.arg_check(!is_cont(byte_at(s.as_bytes(), 0)), 1, MSG_INVALID)?;
    st.push(Value::Native(if lax { iter_lax } else { iter_strict }));
    st.push(Value::Str(s));
    st.push_int(0);
    Ok(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip() {
        for &x in &[
            0u32,
            0x7F,
            0x80,
            0x7FF,
            0x800,
            0xFFFF,
            0x10000,
            0x10FFFF,
            0x110000,
            0x7FFF_FFFF,
        ] {
            let mut out = Vec::new();
            encode(x, &mut out);
            assert_eq!(decode(&out, 0, false), Some((x, out.len())), "{x:#x}");
        }
        assert_eq!(decode(b"\xED\xA0\x80", 0, true), None);
        assert_eq!(decode(b"\xED\xA0\x80", 0, false), Some((0xD800, 3)));
        assert_eq!(decode(b"\xC0\x80", 0, false), None);
        assert_eq!(decode(b"\xFE\x80\x80\x80\x80\x80\x80", 0, false), None);
        assert_eq!(decode(b"\xE4\xB8", 0, false), None);
    }
}
