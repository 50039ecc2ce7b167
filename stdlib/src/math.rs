//! The mathematical library (manual §6.7), with the Lua 5.3 functions the standard 5.4
//! build keeps (`LUA_COMPAT_MATHLIB`: `atan2`, `cosh`, `sinh`, `tanh`, `pow`, `frexp`,
//! `ldexp`, `log10`).
//!
//! Floating-point functions are the platform's (Rust's `f64` methods call the C math
//! library), so results match PUC-Lua's bit for bit. The pseudo-random generator is
//! xoshiro256** seeded and projected exactly as PUC-Lua 5.4 does, so a given seed yields the
//! same sequence.

use luna_interp::number::float_to_int_exact;
use luna_interp::userdata::UserData;
use luna_interp::{LuaResult, State, Value};

use crate::util::Reg;

pub fn open(st: &mut State) -> LuaResult<Value> {
    let t = crate::util::new_lib(st, FUNCS);
    st.raw_set_str(t, "pi", Value::Float(std::f64::consts::PI));
    st.raw_set_str(t, "huge", Value::Float(f64::INFINITY));
    st.raw_set_str(t, "maxinteger", Value::Int(i64::MAX));
    st.raw_set_str(t, "mininteger", Value::Int(i64::MIN));
    // The generator's state is a userdata shared by `random` and `randomseed`.
    let state = st.new_userdata(Box::new(Xoshiro::default()), 0);
    st.push(Value::UserData(state));
    let seed = random_seed(st);
    UserData::with_mut::<Xoshiro, _>(state, |x| x.seed(seed.0, seed.1));
    for (name, f) in [
        ("random", random as luna_interp::NativeFn),
        ("randomseed", randomseed),
    ] {
        let c = st.new_native_closure(f, vec![Value::UserData(state)]);
        st.raw_set_str(t, name, Value::NativeClosure(c));
    }
    st.pop();
    Ok(Value::Table(t))
}

const FUNCS: &[Reg] = &[
    ("abs", abs),
    ("acos", acos),
    ("asin", asin),
    ("atan", atan),
    ("ceil", ceil),
    ("cos", cos),
    ("deg", deg),
    ("exp", exp),
    ("tointeger", tointeger),
    ("floor", floor),
    ("fmod", fmod),
    ("ult", ult),
    ("log", log),
    ("max", max),
    ("min", min),
    ("modf", modf),
    ("rad", rad),
    ("sin", sin),
    ("sqrt", sqrt),
    ("tan", tan),
    ("type", type_),
    // Lua 5.3 compatibility.
    ("atan2", atan),
    ("cosh", cosh),
    ("sinh", sinh),
    ("tanh", tanh),
    ("pow", pow),
    ("frexp", frexp),
    ("ldexp", ldexp),
    ("log10", log10),
];

/// Defines `math.name(x)` as the float function `f` of one number.
macro_rules! float_fn {
    ($($name:ident => $f:expr;)*) => {$(
        fn $name(st: &mut State) -> LuaResult<usize> {
            let x = st.check_number(1)?;
            let f: fn(f64) -> f64 = $f;
            st.push_number(f(x));
            Ok(1)
        }
    )*};
}

float_fn! {
    sin => f64::sin;
    cos => f64::cos;
    tan => f64::tan;
    asin => f64::asin;
    acos => f64::acos;
    exp => f64::exp;
    sqrt => f64::sqrt;
    cosh => f64::cosh;
    sinh => f64::sinh;
    tanh => f64::tanh;
    log10 => f64::log10;
    deg => |x| x * (180.0 / std::f64::consts::PI);
    rad => |x| x * (std::f64::consts::PI / 180.0);
}

fn abs(st: &mut State) -> LuaResult<usize> {
    match st.arg(1) {
        Value::Int(n) => st.push_int(n.wrapping_abs()),
        _ => {
            let x = st.check_number(1)?;
            st.push_number(x.abs());
        }
    }
    Ok(1)
}

fn atan(st: &mut State) -> LuaResult<usize> {
    let y = st.check_number(1)?;
    let x = st.opt_number(2, 1.0)?;
    st.push_number(y.atan2(x));
    Ok(1)
}

fn tointeger(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    match st.to_integer(v) {
        Some(n) => st.push_int(n),
        None => {
            st.check_any(1)?;
            st.push_nil();
        }
    }
    Ok(1)
}

/// Pushes `d` as an integer when it has an exact integer value in range, else as a float.
fn push_num_int(st: &mut State, d: f64) {
    match float_to_int_exact(d) {
        Some(n) => st.push_int(n),
        None => st.push_number(d),
    }
}

fn floor(st: &mut State) -> LuaResult<usize> {
    match st.arg(1) {
        Value::Int(n) => st.push_int(n),
        _ => {
            let x = st.check_number(1)?;
            push_num_int(st, x.floor());
        }
    }
    Ok(1)
}

fn ceil(st: &mut State) -> LuaResult<usize> {
    match st.arg(1) {
        Value::Int(n) => st.push_int(n),
        _ => {
            let x = st.check_number(1)?;
            push_num_int(st, x.ceil());
        }
    }
    Ok(1)
}

fn fmod(st: &mut State) -> LuaResult<usize> {
    if let (Value::Int(a), Value::Int(d)) = (st.arg(1), st.arg(2)) {
        if (d as u64).wrapping_add(1) <= 1 {
            // d is 0 or -1: the latter would overflow with mininteger.
            st.arg_check(d != 0, 2, "zero")?;
            st.push_int(0);
        } else {
            st.push_int(a % d);
        }
    } else {
        let a = st.check_number(1)?;
        let b = st.check_number(2)?;
        st.push_number(a % b);
    }
    Ok(1)
}

fn modf(st: &mut State) -> LuaResult<usize> {
    if let Value::Int(_) = st.arg(1) {
        st.set_top(1);
        st.push_number(0.0);
    } else {
        let n = st.check_number(1)?;
        // Integer part, rounded toward zero.
        let ip = if n < 0.0 { n.ceil() } else { n.floor() };
        push_num_int(st, ip);
        st.push_number(if n == ip { 0.0 } else { n - ip });
    }
    Ok(2)
}

fn ult(st: &mut State) -> LuaResult<usize> {
    let a = st.check_int(1)?;
    let b = st.check_int(2)?;
    st.push_bool((a as u64) < (b as u64));
    Ok(1)
}

fn log(st: &mut State) -> LuaResult<usize> {
    let x = st.check_number(1)?;
    let res = if st.is_none_or_nil(2) {
        x.ln()
    } else {
        let base = st.check_number(2)?;
        if base == 2.0 {
            x.log2()
        } else if base == 10.0 {
            x.log10()
        } else {
            x.ln() / base.ln()
        }
    };
    st.push_number(res);
    Ok(1)
}

/// The extreme argument: `replaces(best, candidate)` says whether the candidate wins. Like
/// PUC-Lua, compares with `<` (metamethods included) without checking for numbers.
fn extreme(
    st: &mut State,
    replaces: fn(&mut State, Value, Value) -> LuaResult<bool>,
) -> LuaResult<usize> {
    let n = st.arg_count();
    st.arg_check(n >= 1, 1, "value expected")?;
    let mut best = 1;
    for i in 2..=n {
        let (a, b) = (st.arg(best), st.arg(i));
        if replaces(st, a, b)? {
            best = i;
        }
    }
    let v = st.arg(best);
    st.push(v);
    Ok(1)
}

fn min(st: &mut State) -> LuaResult<usize> {
    extreme(st, |st, cur, cand| st.less_than(cand, cur))
}

fn max(st: &mut State) -> LuaResult<usize> {
    extreme(st, |st, cur, cand| st.less_than(cur, cand))
}

fn type_(st: &mut State) -> LuaResult<usize> {
    match st.arg(1) {
        Value::Int(_) => st.push_str("integer"),
        Value::Float(_) => st.push_str("float"),
        _ => {
            st.check_any(1)?;
            st.push_nil();
        }
    }
    Ok(1)
}

fn pow(st: &mut State) -> LuaResult<usize> {
    let x = st.check_number(1)?;
    let y = st.check_number(2)?;
    st.push_number(x.powf(y));
    Ok(1)
}

fn frexp(st: &mut State) -> LuaResult<usize> {
    let x = st.check_number(1)?;
    let (m, e) = split_exponent(x);
    st.push_number(m);
    st.push_int(i64::from(e));
    Ok(2)
}

fn ldexp(st: &mut State) -> LuaResult<usize> {
    let x = st.check_number(1)?;
    // C converts the exponent to an `int`, keeping its low 32 bits.
    let e = st.check_int(2)? as i32;
    st.push_number(scale_by_power_of_two(x, e));
    Ok(1)
}

/// C's `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1` (`m = x`, `e = 0` for zero, infinities
/// and NaN).
fn split_exponent(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = split_exponent(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, biased - 1022)
}

/// C's `ldexp`/`scalbn`: `x * 2^n`, correctly rounded (musl's method: scale in steps that
/// cannot round twice).
fn scale_by_power_of_two(x: f64, mut n: i32) -> f64 {
    let two_1023 = f64::from_bits(0x7fe0_0000_0000_0000);
    let two_m1022_x_2_53 = f64::from_bits(0x0360_0000_0000_0000); // 2^-969
    let mut y = x;
    if n > 1023 {
        y *= two_1023;
        n -= 1023;
        if n > 1023 {
            y *= two_1023;
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        // Steps of 2^-969 keep the intermediate result normal, so the final multiply rounds
        // once.
        y *= two_m1022_x_2_53;
        n += 1022 - 53;
        if n < -1022 {
            y *= two_m1022_x_2_53;
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    y * f64::from_bits(((0x3ff + n as i64) as u64) << 52)
}

// ---------------------------------------------------------------------------------------
// Pseudo-random numbers: xoshiro256**
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Xoshiro {
    s: [u64; 4],
}

impl Xoshiro {
    fn next(&mut self) -> u64 {
        let [s0, s1, s2, s3] = self.s;
        let s2 = s2 ^ s0;
        let s3 = s3 ^ s1;
        let res = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        self.s = [s0 ^ s3, s1 ^ s2, s2 ^ (s1 << 17), s3.rotate_left(45)];
        res
    }

    /// Seeds the state as PUC-Lua does, discarding the first values to spread the seed.
    fn seed(&mut self, n1: u64, n2: u64) {
        self.s = [n1, 0xff, n2, 0];
        for _ in 0..16 {
            self.next();
        }
    }

    /// Projects the random value `ran` into `[0, n]` without bias: by masking to the
    /// smallest `2^b - 1` not below `n` and drawing again while the result exceeds `n`.
    fn project(&mut self, mut ran: u64, n: u64) -> u64 {
        if n & n.wrapping_add(1) == 0 {
            return ran & n; // n + 1 is a power of 2
        }
        let mut lim = n;
        lim |= lim >> 1;
        lim |= lim >> 2;
        lim |= lim >> 4;
        lim |= lim >> 8;
        lim |= lim >> 16;
        lim |= lim >> 32;
        loop {
            ran &= lim;
            if ran <= n {
                return ran;
            }
            ran = self.next();
        }
    }
}

/// A float in [0, 1) from the 53 high bits of a random value.
fn to_unit_float(x: u64) -> f64 {
    (x >> 11) as f64 * (0.5 / (1u64 << 52) as f64)
}

fn with_generator<R>(st: &mut State, f: impl FnOnce(&mut Xoshiro) -> R) -> R {
    let Value::UserData(u) = st.upvalue(1) else {
        unreachable!("random functions are created with their state")
    };
    UserData::with_mut::<Xoshiro, _>(u, f).expect("random state")
}

fn random(st: &mut State) -> LuaResult<usize> {
    let rv = with_generator(st, |g| g.next());
    let (low, up) = match st.arg_count() {
        0 => {
            st.push_number(to_unit_float(rv));
            return Ok(1);
        }
        1 => {
            let up = st.check_int(1)?;
            if up == 0 {
                st.push_int(rv as i64);
                return Ok(1);
            }
            (1, up)
        }
        2 => (st.check_int(1)?, st.check_int(2)?),
        _ => return Err(st.error("wrong number of arguments")),
    };
    st.arg_check(low <= up, 1, "interval is empty")?;
    let p = with_generator(st, |g| g.project(rv, (up as u64).wrapping_sub(low as u64)));
    st.push_int(p.wrapping_add(low as u64) as i64);
    Ok(1)
}

/// A "random" seed: the current time and the state's address.
fn random_seed(st: &State) -> (u64, u64) {
    let t = crate::ostime::now() as u64;
    let addr = st as *const State as usize as u64;
    (t, addr)
}

fn randomseed(st: &mut State) -> LuaResult<usize> {
    let (n1, n2) = if st.is_none(1) {
        random_seed(st)
    } else {
        let n1 = st.check_int(1)?;
        let n2 = st.opt_int(2, 0)?;
        (n1 as u64, n2 as u64)
    };
    with_generator(st, |g| g.seed(n1, n2));
    st.push_int(n1 as i64);
    st.push_int(n2 as i64);
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_and_ldexp_match_c() {
        assert_eq!(split_exponent(8.0), (0.5, 4));
        assert_eq!(split_exponent(-3.0), (-0.75, 2));
        assert_eq!(split_exponent(5e-324), (0.5, -1073));
        assert_eq!(split_exponent(f64::MAX).1, 1024);
        assert_eq!(scale_by_power_of_two(0.5, -1073), 5e-324);
        assert_eq!(scale_by_power_of_two(1.0, 1024), f64::INFINITY);
        assert_eq!(scale_by_power_of_two(1.5, -1074), 1e-323); // rounds half to even
        assert_eq!(scale_by_power_of_two(3.0, 10), 3072.0);
        assert_eq!(
            scale_by_power_of_two(f64::MIN_POSITIVE, 2000),
            f64::from_bits(0x7d10_0000_0000_0000) // 2^978
        );
    }

    #[test]
    fn seeded_sequence_matches_lua() {
        // lua5.4 -e "math.randomseed(42); print(math.random(0), math.random(0))"
        let mut g = Xoshiro::default();
        g.seed(42, 0);
        let a = g.next();
        assert_eq!(g.project(a, 99) + 1, 50);
    }
}
