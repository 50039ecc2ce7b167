//! Lua's string-to-number conversion and chunk names.
//!
//! `str_to_number` is the single conversion used by the lexer (numerals), by `tonumber` and by
//! string-to-number coercion, so they agree byte for byte with PUC-Lua 5.4:
//! - the whole string must be consumed, apart from leading and trailing C whitespace
//!   (` \t\n\v\f\r`); an optional sign may precede the digits;
//! - an integer is tried first: decimal digits that fit in an `i64` (including
//!   `-9223372036854775808`), or `0x` hex digits, which wrap around modulo 2^64;
//! - otherwise a float: decimal in C `strtod` syntax (a decimal integer that overflows lands
//!   here), or a C99 hexadecimal float (`0x1.8p3`, `0xA.8p0`, exponent optional). Both are
//!   correctly rounded, as glibc's `strtod` is. `inf` and `nan` are never numbers.

/// A Lua number: the two subtypes of Lua 5.4.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// Converts a string to a Lua number exactly as PUC-Lua's `luaO_str2num` does, or `None` when the
/// string is not a numeral.
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if let Some(i) = str_to_int(s) {
        return Some(Number::Int(i));
    }
    str_to_float(s).map(Number::Float)
}

/// C's `isspace` in the "C" locale, which is what Lua's `lisspace` tests.
#[inline]
pub fn is_lua_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn trim_space(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if !is_lua_space(*first) {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if !is_lua_space(*last) {
            break;
        }
        s = rest;
    }
    s
}

/// Splits an optional sign; returns (negative, rest).
fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    }
}

#[inline]
fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

fn str_to_int(s: &[u8]) -> Option<i64> {
    let (neg, digits) = split_sign(trim_space(s));
    let mut acc: u64 = 0;
    match digits {
        [b'0', b'x' | b'X', hex @ ..] => {
            if hex.is_empty() {
                return None;
            }
            for &c in hex {
                acc = acc.wrapping_mul(16).wrapping_add(u64::from(hex_value(c)?));
            }
        }
        _ => {
            if digits.is_empty() {
                return None;
            }
            // The magnitude may reach 2^63 only for a negative number.
            let max_last = 7 + u64::from(neg);
            const MAX_BY_10: u64 = (i64::MAX / 10) as u64;
            for &c in digits {
                if !c.is_ascii_digit() {
                    return None;
                }
                let d = u64::from(c - b'0');
                if acc >= MAX_BY_10 && (acc > MAX_BY_10 || d > max_last) {
                    return None; // does not fit: the caller tries a float
                }
                acc = acc * 10 + d;
            }
        }
    }
    Some(if neg {
        acc.wrapping_neg() as i64
    } else {
        acc as i64
    })
}

fn str_to_float(s: &[u8]) -> Option<f64> {
    // PUC-Lua refuses anything containing 'n' or 'N', which rules out "inf" and "nan".
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None;
    }
    let body = trim_space(s);
    let (neg, rest) = split_sign(body);
    if let [b'0', b'x' | b'X', hex @ ..] = rest {
        let v = hex_float(hex)?;
        return Some(if neg { -v } else { v });
    }
    // Decimal: Rust's grammar for finite floats is exactly C's `strtod` decimal syntax
    // (digits with an optional '.', at least one digit, optional exponent), and it rounds
    // correctly. Reject what Rust would take but C would not: nothing else remains once
    // 'n' (inf, nan) is excluded, except a second sign, which Rust refuses too.
    if rest.first().is_some_and(|&c| c == b'+' || c == b'-') {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    text.parse::<f64>().ok()
}

/// Parses the part of a C99 hexadecimal float after `0x`: hex digits with at most one '.',
/// at least one digit, then an optional `p[+-]digits` binary exponent. Correctly rounded
/// (round half to even), with overflow to infinity and gradual underflow.
fn hex_float(s: &[u8]) -> Option<f64> {
    let mut mantissa: u64 = 0; // first 16 significant hex digits
    let mut sticky = false; // some nonzero digit did not fit in `mantissa`
    let mut exp: i64 = 0; // binary exponent correction
    let mut any_digit = false;
    let mut seen_dot = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if seen_dot {
                return None;
            }
            seen_dot = true;
        } else if let Some(d) = hex_value(c) {
            any_digit = true;
            if mantissa >> 60 == 0 {
                mantissa = mantissa * 16 + u64::from(d);
                if seen_dot {
                    exp -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if i < s.len() {
        if s[i] != b'p' && s[i] != b'P' {
            return None;
        }
        let (eneg, edigits) = split_sign(&s[i + 1..]);
        if edigits.is_empty() {
            return None;
        }
        let mut e: i64 = 0;
        for &c in edigits {
            if !c.is_ascii_digit() {
                return None;
            }
            // Saturate: anything this large is already infinity or zero.
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
        }
        exp += if eneg { -e } else { e };
    }
    Some(compose_float(mantissa, exp, sticky))
}

/// The f64 nearest to `mantissa * 2^exp` (plus a little more when `sticky`), ties to even.
fn compose_float(mantissa: u64, exp: i64, sticky: bool) -> f64 {
    if mantissa == 0 {
        return 0.0;
    }
    let lz = mantissa.leading_zeros();
    let m = mantissa << lz; // top bit set: value = m * 2^e
    let e = exp - i64::from(lz);
    // value = 1.f * 2^(e + 63)
    let unbiased = e + 63;
    if unbiased > 1023 {
        return f64::INFINITY;
    }
    // How many low bits of `m` do not fit in the result's 53-bit (or fewer, if subnormal)
    // significand.
    let shift: i64 = if unbiased >= -1022 {
        11
    } else {
        11 + (-1022 - unbiased)
    };
    if shift > 64 + 1 {
        return 0.0; // below half the smallest subnormal
    }
    let m = u128::from(m);
    let shift = shift as u32;
    let mut kept = m >> shift;
    let rest = m & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rest > half || (rest == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    if unbiased >= -1022 {
        let mut biased = (unbiased + 1023) as u64;
        if kept == 1u128 << 53 {
            kept >>= 1;
            biased += 1;
            if biased >= 2047 {
                return f64::INFINITY;
            }
        }
        f64::from_bits((biased << 52) | (kept as u64 & ((1u64 << 52) - 1)))
    } else {
        // Subnormal (a carry into bit 52 yields the smallest normal, which the same bits encode).
        f64::from_bits(kept as u64)
    }
}

/// Lua's `LUA_IDSIZE`: the size of a chunk id, including C's terminating NUL.
const ID_SIZE: usize = 60;

/// Formats a chunk name for messages as PUC-Lua's `luaO_chunkid` does: `=name` gives `name`,
/// `@file` gives `file` (keeping its end, behind `...`, when too long), and anything else is
/// source text, shown as `[string "first line..."]`.
pub fn chunk_id(chunkname: &[u8]) -> String {
    let bytes: Vec<u8> = match chunkname {
        [b'=', rest @ ..] => rest[..rest.len().min(ID_SIZE - 1)].to_vec(),
        [b'@', rest @ ..] => {
            if rest.len() < ID_SIZE {
                rest.to_vec()
            } else {
                let keep = ID_SIZE - 1 - 3;
                let mut v = b"...".to_vec();
                v.extend_from_slice(&rest[rest.len() - keep..]);
                v
            }
        }
        source => {
            const PRE: &[u8] = b"[string \"";
            const POS: &[u8] = b"\"]";
            let room = ID_SIZE - (PRE.len() + 3 + POS.len()) - 1;
            let newline = source.iter().position(|&c| c == b'\n');
            let mut v = PRE.to_vec();
            if source.len() < room && newline.is_none() {
                v.extend_from_slice(source);
            } else {
                let len = newline.unwrap_or(source.len()).min(room);
                v.extend_from_slice(&source[..len]);
                v.extend_from_slice(b"...");
            }
            v.extend_from_slice(POS);
            v
        }
    };
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Option<Number> {
        str_to_number(s.as_bytes())
    }

    #[test]
    fn integers() {
        assert_eq!(n("10"), Some(Number::Int(10)));
        assert_eq!(n("  -7\t\n"), Some(Number::Int(-7)));
        assert_eq!(n("+7"), Some(Number::Int(7)));
        assert_eq!(n("9223372036854775807"), Some(Number::Int(i64::MAX)));
        assert_eq!(n("-9223372036854775808"), Some(Number::Int(i64::MIN)));
        assert_eq!(
            n("9223372036854775808"),
            Some(Number::Float(9223372036854775808.0))
        );
        assert_eq!(n("0x10"), Some(Number::Int(16)));
        assert_eq!(n("0xffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(n("0x1ffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(n("-0x1"), Some(Number::Int(-1)));
    }

    #[test]
    fn floats() {
        assert_eq!(n("1e2"), Some(Number::Float(100.0)));
        assert_eq!(n(".5"), Some(Number::Float(0.5)));
        assert_eq!(n("5."), Some(Number::Float(5.0)));
        assert_eq!(n("0x1p-2"), Some(Number::Float(0.25)));
        assert_eq!(n("0xA.8p0"), Some(Number::Float(10.5)));
        assert_eq!(n("0x.8"), Some(Number::Float(0.5)));
        assert_eq!(n("0x1p99999"), Some(Number::Float(f64::INFINITY)));
        assert_eq!(n("1e400"), Some(Number::Float(f64::INFINITY)));
        assert_eq!(n("0x1p-1074"), Some(Number::Float(f64::from_bits(1))));
        assert_eq!(n("0x1p-1075"), Some(Number::Float(0.0)));
        assert_eq!(n("0x1.8p-1075"), Some(Number::Float(f64::from_bits(1))));
        assert_eq!(
            n("0x1fffffffffffff.8p0"),
            Some(Number::Float(9007199254740992.0))
        );
    }

    #[test]
    fn not_numbers() {
        for s in [
            "", " ", "-", "0x", "0x.", "1e", "1e+", "inf", "nan", "-inf", "1 2", "1..2", "0x1p",
            "+-1", "--1", "1f", "0x1.8.0", "\u{0}1", "1\u{0}", "0xg",
        ] {
            assert_eq!(n(s), None, "{s:?}");
        }
    }

    #[test]
    fn chunk_ids() {
        assert_eq!(chunk_id(b"=stdin"), "stdin");
        assert_eq!(chunk_id(b"@file.lua"), "file.lua");
        assert_eq!(chunk_id(b"return 1"), "[string \"return 1\"]");
        assert_eq!(chunk_id(b"x = 1\ny = 2"), "[string \"x = 1...\"]");
        let long = format!("@{}", "a".repeat(100));
        assert_eq!(chunk_id(long.as_bytes()), format!("...{}", "a".repeat(56)));
        let long = format!("={}", "b".repeat(100));
        assert_eq!(chunk_id(long.as_bytes()), "b".repeat(59));
        let long = "c".repeat(100);
        assert_eq!(
            chunk_id(long.as_bytes()),
            format!("[string \"{}...\"]", "c".repeat(45))
        );
    }
}
