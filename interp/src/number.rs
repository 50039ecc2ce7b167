//! Numeric semantics of Lua 5.4: integer/float conversions, exact mixed comparisons, floor
//! division and modulo, shifts, and string conversions.

use crate::value::Value;

/// 2^63 as a float: the first float above every i64.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Float to integer when the float has an exact integer value in range (Lua's `F2Ieq`).
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    if f >= -TWO_63 && f < TWO_63 {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// Float to integer rounding toward -inf (`F2Ifloor`), if in range.
#[inline]
pub fn float_to_int_floor(f: f64) -> Option<i64> {
    let fl = f.floor();
    if fl >= -TWO_63 && fl < TWO_63 {
        Some(fl as i64)
    } else {
        None
    }
}

/// Float to integer rounding toward +inf (`F2Iceil`), if in range.
#[inline]
pub fn float_to_int_ceil(f: f64) -> Option<i64> {
    let c = f.ceil();
    if c >= -TWO_63 && c < TWO_63 {
        Some(c as i64)
    } else {
        None
    }
}

/// Exact equality of an integer and a float.
#[inline]
pub fn int_eq_float(i: i64, f: f64) -> bool {
    float_to_int_exact(f) == Some(i)
}

/// `i < f`, exactly.
#[inline]
pub fn int_lt_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    // i < f  <=>  i < ceil(f) when ceil(f) fits; otherwise decided by f's sign.
    match float_to_int_ceil(f) {
        Some(c) => i < c,
        None => f > 0.0,
    }
}

/// `i <= f`, exactly.
#[inline]
pub fn int_le_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_to_int_floor(f) {
        Some(fl) => i <= fl,
        None => f > 0.0,
    }
}

/// `f < i`, exactly.
#[inline]
pub fn float_lt_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_to_int_floor(f) {
        Some(fl) => fl < i,
        None => f < 0.0,
    }
}

/// `f <= i`, exactly.
#[inline]
pub fn float_le_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    match float_to_int_ceil(f) {
        Some(c) => c <= i,
        None => f < 0.0,
    }
}

/// Numeric `<` for two numbers (values already known to be numbers).
#[inline]
pub fn num_lt(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
        (Value::Int(x), Value::Float(y)) => int_lt_float(x, y),
        (Value::Float(x), Value::Int(y)) => float_lt_int(x, y),
        _ => false,
    }
}

/// Numeric `<=` for two numbers.
#[inline]
pub fn num_le(a: Value, b: Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x <= y,
        (Value::Float(x), Value::Float(y)) => x <= y,
        (Value::Int(x), Value::Float(y)) => int_le_float(x, y),
        (Value::Float(x), Value::Int(y)) => float_le_int(x, y),
        _ => false,
    }
}

/// Integer floor division; `None` on division by zero.
#[inline]
pub fn int_floor_div(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    if b == -1 {
        return Some(a.wrapping_neg());
    }
    let q = a / b;
    if (a % b != 0) && ((a ^ b) < 0) {
        Some(q - 1)
    } else {
        Some(q)
    }
}

/// Integer modulo with the sign of the divisor; `None` on modulo by zero.
#[inline]
pub fn int_mod(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    if b == -1 {
        return Some(0);
    }
    let r = a % b;
    if r != 0 && (r ^ b) < 0 {
        Some(r + b)
    } else {
        Some(r)
    }
}

/// Float modulo as Lua defines it (`a - floor(a/b)*b`, computed with fmod).
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && (m > 0.0) != (b > 0.0) {
        m + b
    } else {
        m
    }
}

/// Float floor division.
#[inline]
pub fn float_floor_div(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// Float exponentiation (`^`), with C's `pow` for the edge cases.
#[inline]
pub fn float_pow(a: f64, b: f64) -> f64 {
    if b == 2.0 {
        a * a
    } else {
        a.powf(b)
    }
}

/// Logical shift left (negative counts shift right); counts of 64 or more give 0.
#[inline]
pub fn shift_left(x: i64, n: i64) -> i64 {
    if n <= -64 || n >= 64 {
        0
    } else if n >= 0 {
        ((x as u64) << n) as i64
    } else {
        ((x as u64) >> (-n)) as i64
    }
}

/// Converts a string to a number with Lua's rules (whitespace, hex, exponents...).
#[inline]
pub fn str_to_number(s: &[u8]) -> Option<Value> {
    match luna_grammar::number::str_to_number(s)? {
        luna_grammar::number::Number::Int(i) => Some(Value::Int(i)),
        luna_grammar::number::Number::Float(f) => Some(Value::Float(f)),
    }
}

/// Appends Lua's text form of a float (`%.14g`, with `.0` added to integral values).
pub fn write_float(out: &mut Vec<u8>, x: f64) {
    crate::numfmt::lua_number_to_str(x, out)
}

/// Appends the decimal form of an integer.
#[inline]
pub fn write_int(out: &mut Vec<u8>, i: i64) {
    crate::numfmt::lua_integer_to_str(i, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_comparisons_are_exact() {
        let max = i64::MAX;
        assert!(int_lt_float(max, TWO_63));
        assert!(!int_eq_float(max, TWO_63));
        assert!(int_le_float(1 << 53, 9007199254740992.0));
        assert!(!int_lt_float((1 << 53) + 1, 9007199254740992.0));
        assert!(float_lt_int(9007199254740992.0, (1 << 53) + 1));
        assert!(!int_lt_float(0, f64::NAN));
        assert!(int_lt_float(i64::MIN, -1e300) == false);
        assert!(float_lt_int(-1e300, i64::MIN));
    }

    #[test]
    fn floor_division_and_modulo() {
        assert_eq!(int_floor_div(7, -2), Some(-4));
        assert_eq!(int_mod(7, -2), Some(-1));
        assert_eq!(int_mod(-7, 2), Some(1));
        assert_eq!(int_floor_div(i64::MIN, -1), Some(i64::MIN));
        assert_eq!(int_mod(i64::MIN, -1), Some(0));
        assert_eq!(int_floor_div(1, 0), None);
        assert_eq!(float_mod(5.5, -2.0), -0.5);
    }
}
