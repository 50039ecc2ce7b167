//! Number formatting in the manner of C's printf, shared by `tostring` and `string.format`.
//!
//! Every function appends to a caller-owned byte buffer and allocates nothing else (except
//! for absurd precisions, past what `string.format` accepts, which fall back to a heap
//! scratch buffer). The output equals glibc's `printf` bit for bit:
//!
//! - Decimal digits come from Rust's float formatting, which is exact: `{:.N}` and `{:.Ne}`
//!   round the exact binary value half-to-even, as glibc does in the default rounding mode.
//!   This module only lays those digits out (`%e` exponents with a sign and two digits at
//!   least, `%g`'s choice of style and its trailing-zero removal, flags and width).
//! - `%a` is produced from the bits directly, in glibc's style: normal numbers as `0x1.…p±e`,
//!   subnormals as `0x0.…p-1022`, zero as `0x0p+0`, digits rounded half-to-even.
//! - Infinities and NaNs print as `inf`/`nan` with the sign bit's `-` (so the NaN that `0/0`
//!   yields on x86-64 prints as `-nan`), padded with spaces even under the `0` flag.
//!
//! `lua_number_to_str` is Lua's `tostring` for floats (`%.14g`, plus `.0` when the result
//! looks like an integer); `lua_integer_to_str` is its integer counterpart.

use std::fmt::Write as _;

/// The flag characters of a printf conversion specification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    /// `-`: justify left within the field.
    pub left: bool,
    /// `+`: always print a sign for signed conversions.
    pub plus: bool,
    /// ` `: print a space where a `+` sign would go.
    pub space: bool,
    /// `#`: alternate form (`0x` prefix, forced decimal point, kept trailing zeros).
    pub alt: bool,
    /// `0`: pad with zeros after the sign instead of spaces before it.
    pub zero: bool,
}

/// One printf conversion: flags, minimum field width, precision and conversion character.
///
/// Float conversions are `e E f F g G a A`; integer conversions are `d i u o x X c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub flags: Flags,
    pub width: usize,
    pub precision: Option<usize>,
    pub conv: u8,
}

/// The spec of a float conversion (same type as for integers).
pub type FloatSpec = Spec;
/// The spec of an integer conversion (same type as for floats).
pub type IntSpec = Spec;

impl Spec {
    /// A spec with no flags, width or precision.
    pub const fn new(conv: u8) -> Spec {
        Spec {
            flags: Flags {
                left: false,
                plus: false,
                space: false,
                alt: false,
                zero: false,
            },
            width: 0,
            precision: None,
            conv,
        }
    }

    /// Parses the part of a conversion specification after `%`: flags, width, `.precision`
    /// and the conversion character (`"-+08.3f"`). Returns `None` unless the whole input is
    /// consumed. No validation of which flags suit which conversion: that is the caller's.
    pub fn parse(spec: &[u8]) -> Option<Spec> {
        let mut s = Spec::new(0);
        let mut i = 0;
        while let Some(&c) = spec.get(i) {
            match c {
                b'-' => s.flags.left = true,
                b'+' => s.flags.plus = true,
                b' ' => s.flags.space = true,
                b'#' => s.flags.alt = true,
                b'0' => s.flags.zero = true,
                _ => break,
            }
            i += 1;
        }
        while let Some(&c) = spec.get(i).filter(|c| c.is_ascii_digit()) {
            s.width = s
                .width
                .checked_mul(10)?
                .checked_add(usize::from(c - b'0'))?;
            i += 1;
        }
        if spec.get(i) == Some(&b'.') {
            i += 1;
            let mut p = 0usize;
            while let Some(&c) = spec.get(i).filter(|c| c.is_ascii_digit()) {
                p = p.checked_mul(10)?.checked_add(usize::from(c - b'0'))?;
                i += 1;
            }
            s.precision = Some(p);
        }
        s.conv = *spec.get(i)?;
        (i + 1 == spec.len()).then_some(s)
    }
}

// ---------------------------------------------------------------------------------------
// Scratch buffer for Rust's float formatting
// ---------------------------------------------------------------------------------------

/// Enough for `%.99f` of the largest double (309 integer digits + point + 99 decimals).
const SCRATCH: usize = 448;

/// A fixed-size `fmt::Write` sink on the stack; writing past its end fails.
struct Scratch {
    buf: [u8; SCRATCH],
    len: usize,
}

impl Scratch {
    #[inline]
    fn new() -> Scratch {
        Scratch {
            buf: [0; SCRATCH],
            len: 0,
        }
    }

    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for Scratch {
    #[inline]
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > SCRATCH {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Runs `f` on the text of `args` (formatted on the stack when it fits, else on the heap).
#[inline]
fn with_formatted<R>(args: std::fmt::Arguments<'_>, f: impl FnOnce(&[u8]) -> R) -> R {
    let mut s = Scratch::new();
    if s.write_fmt(args).is_ok() {
        f(s.as_bytes())
    } else {
        f(std::fmt::format(args).as_bytes())
    }
}

/// The significant digits and decimal exponent of a finite, non-negative number as Rust's
/// `{:e}` family prints it (`"d.ddde-7"`): digits without the point, and the exponent.
fn split_exp(text: &[u8], digits: &mut [u8]) -> (usize, i32) {
    let mut n = 0;
    let mut i = 0;
    while i < text.len() && text[i] != b'e' {
        if text[i] != b'.' {
            digits[n] = text[i];
            n += 1;
        }
        i += 1;
    }
    let mut exp: i32 = 0;
    let mut neg = false;
    for &c in &text[(i + 1).min(text.len())..] {
        if c == b'-' {
            neg = true;
        } else {
            exp = exp * 10 + i32::from(c - b'0');
        }
    }
    (n, if neg { -exp } else { exp })
}

// ---------------------------------------------------------------------------------------
// Padding and signs
// ---------------------------------------------------------------------------------------

/// Appends `prefix` (sign, `0x`) and `body` to `out`, padded to `width`: spaces after when
/// justified left, zeros between prefix and body when `zero_pad`, else spaces before.
#[inline]
fn emit_padded(
    out: &mut Vec<u8>,
    prefix: &[u8],
    body: &[u8],
    width: usize,
    left: bool,
    zero_pad: bool,
) {
    let len = prefix.len() + body.len();
    let pad = width.saturating_sub(len);
    if pad == 0 {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    } else if left {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + pad, b' ');
    } else if zero_pad {
        out.extend_from_slice(prefix);
        out.resize(out.len() + pad, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(out.len() + pad, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
}

/// The sign character a signed conversion prints for a value of the given sign.
#[inline]
fn sign_char(negative: bool, flags: Flags) -> Option<u8> {
    if negative {
        Some(b'-')
    } else if flags.plus {
        Some(b'+')
    } else if flags.space {
        Some(b' ')
    } else {
        None
    }
}

/// Appends a string as `%s` with the given flags, width and precision (bytes kept).
pub fn fmt_str(out: &mut Vec<u8>, s: &[u8], spec: &Spec) {
    let s = match spec.precision {
        Some(p) if p < s.len() => &s[..p],
        _ => s,
    };
    emit_padded(out, b"", s, spec.width, spec.flags.left, false);
}

// ---------------------------------------------------------------------------------------
// Floats
// ---------------------------------------------------------------------------------------

/// Appends `x` formatted as printf would with `spec` (conversion `e E f F g G a A`).
/// Any other conversion character is treated as `g`.
pub fn fmt_float(out: &mut Vec<u8>, x: f64, spec: &Spec) {
    let upper = spec.conv.is_ascii_uppercase();
    let negative = x.is_sign_negative();
    let sign = sign_char(negative, spec.flags);
    let mut prefix = [0u8; 3];
    let mut plen = 0;
    if let Some(c) = sign {
        prefix[0] = c;
        plen = 1;
    }
    if !x.is_finite() {
        let body: &[u8] = match (x.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        emit_padded(
            out,
            &prefix[..plen],
            body,
            spec.width,
            spec.flags.left,
            false,
        );
        return;
    }
    let ax = x.abs();
    let mut body = [0u8; SCRATCH];
    let blen;
    match spec.conv.to_ascii_lowercase() {
        b'a' => {
            prefix[plen] = b'0';
            prefix[plen + 1] = if upper { b'X' } else { b'x' };
            plen += 2;
            match spec.precision {
                Some(p) if p > 16 => {
                    // Beyond every significant nibble: zeros, with no room worries.
                    let mut v = Vec::with_capacity(p + 8);
                    hex_body(&mut v, ax, Some(p), spec.flags.alt, upper);
                    emit_padded(
                        out,
                        &prefix[..plen],
                        &v,
                        spec.width,
                        spec.flags.left,
                        spec.flags.zero,
                    );
                    return;
                }
                p => {
                    let mut v = HexBuf {
                        buf: [0; 40],
                        len: 0,
                    };
                    hex_body(&mut v, ax, p, spec.flags.alt, upper);
                    let n = v.len;
                    body[..n].copy_from_slice(&v.buf[..n]);
                    blen = n;
                }
            }
        }
        b'f' => {
            let prec = spec.precision.unwrap_or(6);
            let fits = with_formatted(format_args!("{ax:.prec$}"), |text| {
                if text.len() < SCRATCH {
                    body[..text.len()].copy_from_slice(text);
                    Some(text.len())
                } else {
                    let mut v = text.to_vec();
                    if spec.flags.alt && prec == 0 {
                        v.push(b'.');
                    }
                    emit_padded(
                        out,
                        &prefix[..plen],
                        &v,
                        spec.width,
                        spec.flags.left,
                        spec.flags.zero,
                    );
                    None
                }
            });
            let Some(mut n) = fits else { return };
            if spec.flags.alt && prec == 0 {
                body[n] = b'.';
                n += 1;
            }
            blen = n;
        }
        b'e' => {
            let prec = spec.precision.unwrap_or(6);
            if prec + 10 > SCRATCH {
                let mut v = Vec::new();
                with_formatted(format_args!("{ax:.prec$e}"), |text| {
                    let mut digits = vec![0u8; text.len()];
                    let (n, exp) = split_exp(text, &mut digits);
                    layout_exp(&mut v, &digits[..n], exp, spec.flags.alt, false);
                });
                if upper {
                    v.make_ascii_uppercase();
                }
                emit_padded(
                    out,
                    &prefix[..plen],
                    &v,
                    spec.width,
                    spec.flags.left,
                    spec.flags.zero,
                );
                return;
            }
            let mut digits = [0u8; SCRATCH];
            let (n, exp) =
                with_formatted(format_args!("{ax:.prec$e}"), |t| split_exp(t, &mut digits));
            let mut v = SliceBuf {
                buf: &mut body,
                len: 0,
            };
            layout_exp(&mut v, &digits[..n], exp, spec.flags.alt, false);
            blen = v.len;
        }
        _ => {
            let p = match spec.precision {
                None => 6,
                Some(0) => 1,
                Some(p) => p,
            };
            if p + 10 > SCRATCH {
                let mut v = Vec::new();
                with_formatted(format_args!("{:.*e}", p - 1, ax), |text| {
                    let mut digits = vec![0u8; text.len()];
                    let (n, exp) = split_exp(text, &mut digits);
                    layout_general(&mut v, &digits[..n], exp, p, spec.flags.alt);
                });
                if upper {
                    v.make_ascii_uppercase();
                }
                emit_padded(
                    out,
                    &prefix[..plen],
                    &v,
                    spec.width,
                    spec.flags.left,
                    spec.flags.zero,
                );
                return;
            }
            let mut digits = [0u8; SCRATCH];
            let (n, exp) = with_formatted(format_args!("{:.*e}", p - 1, ax), |t| {
                split_exp(t, &mut digits)
            });
            let mut v = SliceBuf {
                buf: &mut body,
                len: 0,
            };
            layout_general(&mut v, &digits[..n], exp, p, spec.flags.alt);
            blen = v.len;
        }
    }
    let body = &mut body[..blen];
    if upper {
        body.make_ascii_uppercase();
    }
    emit_padded(
        out,
        &prefix[..plen],
        body,
        spec.width,
        spec.flags.left,
        spec.flags.zero,
    );
}

/// A byte sink: `Vec<u8>` or a slice being filled.
trait Sink {
    fn push(&mut self, b: u8);
    fn extend(&mut self, s: &[u8]);
    fn fill(&mut self, b: u8, n: usize) {
        for _ in 0..n {
            self.push(b);
        }
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn push(&mut self, b: u8) {
        Vec::push(self, b);
    }
    #[inline]
    fn extend(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
    #[inline]
    fn fill(&mut self, b: u8, n: usize) {
        self.resize(self.len() + n, b);
    }
}

struct SliceBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Sink for SliceBuf<'_> {
    #[inline]
    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    #[inline]
    fn extend(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }
}

struct HexBuf {
    buf: [u8; 40],
    len: usize,
}

impl Sink for HexBuf {
    #[inline]
    fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    #[inline]
    fn extend(&mut self, s: &[u8]) {
        self.buf[self.len..self.len + s.len()].copy_from_slice(s);
        self.len += s.len();
    }
}

/// Appends the exponent part of `%e`: `e`, its sign, and at least two digits.
#[inline]
fn push_exponent<S: Sink>(out: &mut S, marker: u8, exp: i32, min_digits: usize) {
    out.push(marker);
    out.push(if exp < 0 { b'-' } else { b'+' });
    let mut tmp = [0u8; 10];
    let mut n = exp.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    while tmp.len() - i < min_digits {
        i -= 1;
        tmp[i] = b'0';
    }
    out.extend(&tmp[i..]);
}

/// `%e` layout of significant digits `d0 d1 …` with decimal exponent `exp`;
/// `strip` removes trailing fractional zeros (for `%g`).
fn layout_exp<S: Sink>(out: &mut S, digits: &[u8], exp: i32, alt: bool, strip: bool) {
    out.push(digits[0]);
    let mut frac = &digits[1..];
    if strip {
        while let [rest @ .., b'0'] = frac {
            frac = rest;
        }
    }
    if !frac.is_empty() || alt {
        out.push(b'.');
        out.extend(frac);
    }
    push_exponent(out, b'e', exp, 2);
}

/// `%g` layout of `p` significant digits with decimal exponent `exp` (the exponent after
/// rounding to `p` digits, as `%e` with precision `p - 1` gives it).
fn layout_general<S: Sink>(out: &mut S, digits: &[u8], exp: i32, p: usize, alt: bool) {
    let p_i = i64::try_from(p).unwrap_or(i64::MAX);
    let x = i64::from(exp);
    if x < -4 || x >= p_i {
        layout_exp(out, digits, exp, alt, !alt);
        return;
    }
    // Fixed notation with p - 1 - exp decimals: the same digits, placed around the point.
    let (int_part, frac_lead_zeros, frac_digits): (&[u8], usize, &[u8]) = if exp >= 0 {
        let k = exp as usize + 1;
        (&digits[..k], 0, &digits[k..])
    } else {
        (b"0", (-exp - 1) as usize, digits)
    };
    let mut frac = frac_digits;
    if !alt {
        while let [rest @ .., b'0'] = frac {
            frac = rest;
        }
    }
    out.extend(int_part);
    if !frac.is_empty() {
        out.push(b'.');
        out.fill(b'0', frac_lead_zeros);
        out.extend(frac);
    } else if alt {
        out.push(b'.');
        // `#` keeps all p digits; with exp < 0 the leading zeros come first.
        out.fill(b'0', frac_lead_zeros);
    }
}

/// The hexadecimal body of `%a` for a finite non-negative `x` (without `0x`).
fn hex_body<S: Sink>(out: &mut S, x: f64, precision: Option<usize>, alt: bool, upper: bool) {
    const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
    const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let hex = if upper { HEX_UPPER } else { HEX_LOWER };
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mant = bits & ((1u64 << 52) - 1);
    let (lead, exp) = match (biased, mant) {
        (0, 0) => (0u64, 0),
        (0, _) => (0u64, -1022),
        _ => (1u64, biased - 1023),
    };
    // The leading digit and 13 nibbles of fraction, as one integer.
    let value = (lead << 52) | mant;
    let (lead, mant, ndigits) = match precision {
        Some(p) if p < 13 => {
            // Round to p nibbles, half to even; a carry may turn the leading 1 into a 2.
            let drop = (13 - p) * 4;
            let mut kept = value >> drop;
            let rest = value & ((1u64 << drop) - 1);
            let half = 1u64 << (drop - 1);
            if rest > half || (rest == half && kept & 1 == 1) {
                kept += 1;
            }
            let frac_bits = p * 4;
            (
                kept >> frac_bits,
                (kept & ((1u64 << frac_bits) - 1)) << drop,
                p,
            )
        }
        Some(_) => (lead, mant, 13),
        None => {
            let mut n = 13;
            while n > 0 && (mant >> ((13 - n) * 4)) & 0xf == 0 {
                n -= 1;
            }
            (lead, mant, n)
        }
    };
    out.push(hex[lead as usize]);
    let extra_zeros = precision.map_or(0, |p| p.saturating_sub(13));
    if ndigits > 0 || extra_zeros > 0 || alt {
        out.push(b'.');
    }
    for i in 0..ndigits {
        let nib = (mant >> ((12 - i) * 4)) & 0xf;
        out.push(hex[nib as usize]);
    }
    out.fill(b'0', extra_zeros);
    push_exponent(out, if upper { b'P' } else { b'p' }, exp, 1);
}

// ---------------------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------------------

const DEC_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `n` at the end of `buf`; returns where they start.
#[inline]
fn u64_decimal(mut n: u64, buf: &mut [u8; 24]) -> usize {
    let mut i = buf.len();
    while n >= 100 {
        let r = (n % 100) as usize;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DEC_PAIRS[2 * r..2 * r + 2]);
    }
    if n >= 10 {
        let r = n as usize;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DEC_PAIRS[2 * r..2 * r + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

/// Appends the decimal form of `n` (Lua's `tostring` of an integer, `%d`).
#[inline]
pub fn lua_integer_to_str(n: i64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 24];
    let mut i = u64_decimal(n.unsigned_abs(), &mut buf);
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `n` formatted with `spec`, conversion `d i u o x X c`. `u o x X` see the two's
/// complement bits as unsigned (as C does with a `long long` passed to them); `c` prints the
/// low byte. Any other conversion character is treated as `d`.
pub fn fmt_int(out: &mut Vec<u8>, n: i64, spec: &Spec) {
    let flags = spec.flags;
    if spec.conv == b'c' {
        emit_padded(out, b"", &[n as u8], spec.width, flags.left, false);
        return;
    }
    let mut buf = [0u8; 24];
    let mut prefix = [0u8; 2];
    let mut plen = 0;
    let u = n as u64;
    let start = match spec.conv {
        b'o' => {
            let mut i = buf.len();
            let mut v = u;
            loop {
                i -= 1;
                buf[i] = b'0' + (v & 7) as u8;
                v >>= 3;
                if v == 0 {
                    break;
                }
            }
            i
        }
        b'x' | b'X' => {
            let hex: &[u8; 16] = if spec.conv == b'x' {
                b"0123456789abcdef"
            } else {
                b"0123456789ABCDEF"
            };
            let mut i = buf.len();
            let mut v = u;
            loop {
                i -= 1;
                buf[i] = hex[(v & 15) as usize];
                v >>= 4;
                if v == 0 {
                    break;
                }
            }
            if flags.alt && u != 0 {
                prefix = [b'0', spec.conv];
                plen = 2;
            }
            i
        }
        b'u' => u64_decimal(u, &mut buf),
        _ => {
            if let Some(c) = sign_char(n < 0, flags) {
                prefix[0] = c;
                plen = 1;
            }
            u64_decimal(n.unsigned_abs(), &mut buf)
        }
    };
    let mut digits: &[u8] = &buf[start..];
    if spec.precision == Some(0) && u == 0 {
        digits = b"";
    }
    // Zeros demanded by the precision, or by `#` for octal (a leading 0 digit).
    let mut min_digits = spec.precision.unwrap_or(0);
    if spec.conv == b'o' && flags.alt && digits.first() != Some(&b'0') {
        min_digits = min_digits.max(digits.len() + 1);
    }
    let zeros = min_digits.saturating_sub(digits.len());
    let len = plen + zeros + digits.len();
    let pad = spec.width.saturating_sub(len);
    let zero_pad = flags.zero && !flags.left && spec.precision.is_none();
    if pad > 0 && !flags.left && !zero_pad {
        out.resize(out.len() + pad, b' ');
    }
    out.extend_from_slice(&prefix[..plen]);
    if pad > 0 && zero_pad {
        out.resize(out.len() + pad, b'0');
    }
    out.resize(out.len() + zeros, b'0');
    out.extend_from_slice(digits);
    if pad > 0 && flags.left {
        out.resize(out.len() + pad, b' ');
    }
}

// ---------------------------------------------------------------------------------------
// Lua's tostring for floats
// ---------------------------------------------------------------------------------------

/// Appends Lua's text for the float `x`: `%.14g`, followed by `.0` when that looks like an
/// integer (`3.0`, `-0.0`, `1e+15`, `inf`, `-nan`).
pub fn lua_number_to_str(x: f64, out: &mut Vec<u8>) {
    if !x.is_finite() {
        if x.is_sign_negative() {
            out.push(b'-');
        }
        out.extend_from_slice(if x.is_nan() { b"nan" } else { b"inf" });
        return;
    }
    // Integral values below 10^14 have at most 14 digits: %.14g prints them exactly.
    if x.abs() < 1e14 && x == x.trunc() {
        if x == 0.0 && x.is_sign_negative() {
            out.extend_from_slice(b"-0.0");
        } else {
            lua_integer_to_str(x as i64, out);
            out.extend_from_slice(b".0");
        }
        return;
    }
    if x.is_sign_negative() {
        out.push(b'-');
    }
    let ax = x.abs();
    // The shortest round-trip digits, when there are at most 14 of them, are the digits of
    // %.14g too: they lie within half an ulp of x, far less than half a unit in the 14th
    // digit, so no other 14-digit decimal is nearer.
    let mut digits = [0u8; 32];
    let mut s = Scratch::new();
    let (mut n, mut exp) = (usize::MAX, 0);
    if ax >= f64::MIN_POSITIVE {
        // (Subnormals have fewer significant bits, and the argument above fails for them.)
        let _ = write!(s, "{ax:e}");
        (n, exp) = split_exp(s.as_bytes(), &mut digits);
    }
    if n > 14 {
        s.len = 0;
        let _ = write!(s, "{ax:.13e}");
        (n, exp) = split_exp(s.as_bytes(), &mut digits);
    }
    let start = out.len();
    layout_general(out, &digits[..n], exp, 14, false);
    if !out[start..].iter().any(|&c| c == b'.' || c == b'e') {
        out.extend_from_slice(b".0");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(spec: &str, x: f64) -> String {
        let s = Spec::parse(spec.as_bytes()).expect("spec");
        let mut out = Vec::new();
        fmt_float(&mut out, x, &s);
        String::from_utf8(out).unwrap()
    }

    fn i(spec: &str, n: i64) -> String {
        let s = Spec::parse(spec.as_bytes()).expect(spec);
        let mut out = Vec::new();
        fmt_int(&mut out, n, &s);
        String::from_utf8(out).unwrap()
    }

    fn tostr(x: f64) -> String {
        let mut out = Vec::new();
        lua_number_to_str(x, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn itostr(n: i64) -> String {
        let mut out = Vec::new();
        lua_integer_to_str(n, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn spec_parse() {
        let s = Spec::parse(b"-+ #012.34e").unwrap();
        assert!(s.flags.left && s.flags.plus && s.flags.space && s.flags.alt && s.flags.zero);
        assert_eq!((s.width, s.precision, s.conv), (12, Some(34), b'e'));
        assert_eq!(Spec::parse(b".f").unwrap().precision, Some(0));
        assert!(Spec::parse(b"5").is_none());
        assert!(Spec::parse(b"5dd").is_none());
    }

    #[test]
    fn tostring_floats() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e15, "1e+15"),
            (1e14, "1e+14"),
            (99999999999999.0, "99999999999999.0"),
            (123456789012345.0, "1.2345678901234e+14"),
            (0.1, "0.1"),
            (1.0 / 3.0, "0.33333333333333"),
            (2f64.powi(63), "9.2233720368548e+18"),
            (1e100, "1e+100"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (12345.000000000001, "12345.0"),
            (0.99999999999999999, "1.0"),
            (5e-324, "4.9406564584125e-324"),
            (f64::MAX, "1.7976931348623e+308"),
            (-1.5, "-1.5"),
            (100.25, "100.25"),
            (3.14159265358979, "3.1415926535898"),
        ];
        for &(x, want) in cases {
            assert_eq!(tostr(x), want, "{x:e}");
        }
    }

    #[test]
    fn tostring_integers() {
        for (n, want) in [
            (0i64, "0"),
            (-1, "-1"),
            (9, "9"),
            (10, "10"),
            (99, "99"),
            (100, "100"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ] {
            assert_eq!(itostr(n), want);
        }
        for n in (-2000..2000).chain([1234567, -7654321, 1 << 40]) {
            assert_eq!(itostr(n), n.to_string());
        }
    }

    #[test]
    fn float_conversions() {
        let cases: &[(&str, f64, &str)] = &[
            (".0f", 0.5, "0"),
            (".1f", 0.25, "0.2"),
            (".2f", 0.125, "0.12"),
            (".0e", 2.5, "2e+00"),
            ("f", 1.0, "1.000000"),
            ("e", 0.0, "0.000000e+00"),
            ("e", -0.0, "-0.000000e+00"),
            ("e", 1e-300, "1.000000e-300"),
            ("g", 1e-5, "1e-05"),
            ("g", 123456789.0, "1.23457e+08"),
            ("g", 100000.0, "100000"),
            ("g", 1000000.0, "1e+06"),
            ("g", 0.0001, "0.0001"),
            ("#g", 1.0, "1.00000"),
            ("#g", 0.0, "0.00000"),
            ("#.3g", 0.0001, "0.000100"),
            ("#10.3g", 100.0, "      100."),
            ("10.3g", 0.0001234, "  0.000123"),
            (".0g", 0.5, "0.5"),
            (".20g", 0.1, "0.10000000000000000555"),
            ("G", 1e-20, "1E-20"),
            ("E", 1e300, "1.000000E+300"),
            ("010.2f", -3.14159, "-000003.14"),
            ("010f", f64::INFINITY, "       inf"),
            ("010e", -f64::NAN, "      -nan"),
            ("-10f", f64::NAN, "nan       "),
            ("+f", f64::INFINITY, "+inf"),
            ("-+8.1e", 2.5, "+2.5e+00"),
            ("#.0e", 3.0, "3.e+00"),
            ("#.0f", 3.0, "3."),
            (" 5.2f", 3.14159, " 3.14"),
            ("05.1f", -2.25, "-02.2"),
            ("-08.2e", 1.5, "1.50e+00"),
            ("F", f64::INFINITY, "INF"),
            (".3f", 1e20, "100000000000000000000.000"),
            ("e", 1e100, "1.000000e+100"),
            (".99f", 5e-324, ""), // length checked below
        ];
        for &(spec, x, want) in cases {
            if want.is_empty() {
                continue;
            }
            assert_eq!(f(spec, x), want, "%{spec} of {x:e}");
        }
        assert_eq!(f(".99f", 5e-324).len(), 101);
        assert_eq!(f(".99f", -f64::MAX).len(), 1 + 309 + 1 + 99);
        assert_eq!(f(".99e", 1.0 / 3.0).len(), 1 + 1 + 99 + 4);
        // Precisions past the scratch buffer still work.
        assert_eq!(f(".500f", 1.0).len(), 502);
        assert_eq!(f(".500e", 1.0).len(), 506);
        assert_eq!(f(".500g", 0.5).len(), 3);
        assert_eq!(f("#.500g", 0.5).len(), 502);
    }

    #[test]
    fn hex_floats() {
        let cases: &[(&str, f64, &str)] = &[
            ("a", 1.0, "0x1p+0"),
            ("a", 3.0, "0x1.8p+1"),
            ("a", 0.0, "0x0p+0"),
            ("a", -0.0, "-0x0p+0"),
            ("a", 0.1, "0x1.999999999999ap-4"),
            ("a", 5e-324, "0x0.0000000000001p-1022"),
            ("a", f64::from_bits(1 << 44), "0x0.01p-1022"),
            ("A", 255.5, "0X1.FFP+7"),
            ("A", -f64::NAN, "-NAN"),
            (".0a", 1.5, "0x2p+0"),
            (".0a", 2.5, "0x1p+1"),
            (".1a", 1.03125, "0x1.0p+0"),
            (".1a", 1.09375, "0x1.2p+0"),
            (".3a", 1.999, "0x1.ffcp+0"),
            (".14a", 1.0, "0x1.00000000000000p+0"),
            (".0a", 5e-324, "0x0p-1022"),
            (".1a", 5e-324 * 31.0, "0x0.0p-1022"),
            ("#.0a", 1.0, "0x1.p+0"),
            ("#a", 1.0, "0x1.p+0"),
            ("010a", 1.0, "0x00001p+0"),
            ("-10a", 1.0, "0x1p+0    "),
            ("+a", 1.0, "+0x1p+0"),
            (" a", 1.0, " 0x1p+0"),
            ("a", f64::MAX, "0x1.fffffffffffffp+1023"),
            (".1a", f64::MAX, "0x2.0p+1023"),
            ("a", f64::INFINITY, "inf"),
        ];
        for &(spec, x, want) in cases {
            assert_eq!(f(spec, x), want, "%{spec} of {x:e}");
        }
        assert_eq!(f(".20a", 1.0), "0x1.00000000000000000000p+0");
    }

    #[test]
    fn integer_conversions() {
        let cases: &[(&str, i64, &str)] = &[
            ("d", 0, "0"),
            ("d", -42, "-42"),
            ("5d", 42, "   42"),
            ("-5d", 42, "42   "),
            ("05d", -42, "-0042"),
            (".3d", 7, "007"),
            ("08.3d", 5, "     005"),
            ("-08d", 5, "5       "),
            (".0d", 0, ""),
            ("+.0d", 0, "+"),
            ("+d", 5, "+5"),
            (" d", 5, " 5"),
            ("i", i64::MIN, "-9223372036854775808"),
            ("u", -1, "18446744073709551615"),
            ("x", -1, "ffffffffffffffff"),
            ("X", 255, "FF"),
            ("#x", 0, "0"),
            ("#X", 255, "0XFF"),
            ("#010x", 255, "0x000000ff"),
            ("#o", 0, "0"),
            ("#o", 8, "010"),
            ("#.3o", 8, "010"),
            ("#.0o", 0, "0"),
            ("#.0x", 0, ""),
            ("5.0x", 0, "     "),
            ("o", -1, "1777777777777777777777"),
            ("c", 65, "A"),
            ("-5c", 65, "A    "),
            ("3c", 66, "  B"),
        ];
        for &(spec, n, want) in cases {
            assert_eq!(i(spec, n), want, "%{spec} of {n}");
        }
    }

    #[test]
    fn strings() {
        let mut out = Vec::new();
        fmt_str(&mut out, b"abc", &Spec::parse(b"5.1s").unwrap());
        fmt_str(&mut out, b"y", &Spec::parse(b"-5s").unwrap());
        fmt_str(&mut out, b"abc", &Spec::parse(b".2s").unwrap());
        assert_eq!(out, b"    ay    ab");
    }

    // -----------------------------------------------------------------------------------
    // Differential tests against the reference interpreter, when it is installed.
    // -----------------------------------------------------------------------------------

    /// A small deterministic generator (xorshift64*), so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn float(&mut self) -> f64 {
            match self.below(8) {
                0 => f64::from_bits(self.next()),
                1 => (self.below(2_000_001) as f64 - 1e6) / 8.0,
                2 => (self.below(100_000) as f64) * 10f64.powi(self.below(40) as i32 - 20),
                3 => self.below(1 << 20) as f64,
                4 => f64::from_bits(self.below(1 << 53)),
                5 => (self.next() as i64) as f64,
                6 => [
                    0.0, -0.0, 0.5, 1.5, 2.5, 0.125, 1e15, 1e14, 1e16, 1e-4, 1e-5,
                ][self.below(11) as usize],
                _ => {
                    let x = self.below(1_000_000_000) as f64 / 1000.0;
                    if self.below(2) == 0 {
                        -x
                    } else {
                        x
                    }
                }
            }
        }
    }

    fn lua_available() -> bool {
        std::process::Command::new("lua5.4")
            .arg("-v")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// Runs `script` under lua5.4 and returns its standard output, split at newlines.
    fn run_lua(script: &str) -> Vec<String> {
        let dir = std::env::temp_dir();
        let path = dir.join(format!(
            "luna_numfmt_{}_{}.lua",
            std::process::id(),
            script.len()
        ));
        std::fs::write(&path, script).unwrap();
        let out = std::process::Command::new("lua5.4")
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// A Lua numeral that reads back as exactly `x`.
    fn lua_literal(x: f64) -> String {
        if x.is_nan() {
            if x.is_sign_negative() {
                "(0/0)".into()
            } else {
                "(-(0/0))".into()
            }
        } else if x.is_infinite() {
            if x < 0.0 {
                "(-1/0)".into()
            } else {
                "(1/0)".into()
            }
        } else {
            let mut out = Vec::new();
            fmt_float(&mut out, x, &Spec::new(b'a'));
            String::from_utf8(out).unwrap()
        }
    }

    #[test]
    fn differential_tostring() {
        if !lua_available() {
            eprintln!("lua5.4 not installed; skipping");
            return;
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let xs: Vec<f64> = (0..4000).map(|_| rng.float()).collect();
        let mut script = String::from("local t = {\n");
        for x in &xs {
            script.push_str(&lua_literal(*x));
            script.push_str(",\n");
        }
        script.push_str("}\nfor i = 1, #t do print(tostring(t[i])) end\n");
        let want = run_lua(&script);
        assert_eq!(want.len(), xs.len());
        for (x, w) in xs.iter().zip(&want) {
            assert_eq!(&tostr(*x), w, "tostring of {x:e} ({})", lua_literal(*x));
        }
    }

    #[test]
    fn differential_float_formats() {
        if !lua_available() {
            eprintln!("lua5.4 not installed; skipping");
            return;
        }
        let mut rng = Rng(0x1234_5678_9ABC_DEF1);
        let convs = b"aAeEfgG";
        let flagset = [b'-', b'+', b' ', b'#', b'0'];
        let mut cases = Vec::new();
        for _ in 0..6000 {
            let conv = convs[rng.below(convs.len() as u64) as usize];
            let mut spec = String::new();
            for &fl in &flagset {
                if rng.below(5) == 0 {
                    spec.push(fl as char);
                }
            }
            if rng.below(3) == 0 {
                spec.push_str(&(rng.below(30) + 1).to_string());
            }
            if rng.below(2) == 0 {
                spec.push('.');
                let p = if rng.below(4) == 0 {
                    rng.below(100)
                } else {
                    rng.below(20)
                };
                spec.push_str(&p.to_string());
            }
            spec.push(conv as char);
            let mut x = rng.float();
            if conv == b'f' && x.abs() > 1e60 {
                x = x.signum() * (rng.below(1000) as f64);
            }
            cases.push((spec, x));
        }
        let mut script = String::from("local t = {\n");
        for (spec, x) in &cases {
            script.push_str(&format!("{{'%{spec}', {}}},\n", lua_literal(*x)));
        }
        script.push_str(
            "}\nfor i = 1, #t do print('[' .. string.format(t[i][1], t[i][2]) .. ']') end\n",
        );
        let want = run_lua(&script);
        assert_eq!(want.len(), cases.len());
        for ((spec, x), w) in cases.iter().zip(&want) {
            assert_eq!(
                format!("[{}]", f(spec, *x)),
                *w,
                "%{spec} of {}",
                lua_literal(*x)
            );
        }
    }

    #[test]
    fn differential_integer_formats() {
        if !lua_available() {
            eprintln!("lua5.4 not installed; skipping");
            return;
        }
        let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
        let mut cases = Vec::new();
        for _ in 0..4000 {
            let conv = b"diuoxXc"[rng.below(7) as usize];
            let allowed: &[u8] = match conv {
                b'd' | b'i' => b"-+0 ",
                b'u' => b"-0",
                b'c' => b"-",
                _ => b"-#0",
            };
            let mut spec = String::new();
            for &fl in allowed {
                if rng.below(4) == 0 {
                    spec.push(fl as char);
                }
            }
            if rng.below(2) == 0 {
                spec.push_str(&(rng.below(25) + 1).to_string());
            }
            if conv != b'c' && rng.below(2) == 0 {
                spec.push('.');
                spec.push_str(&rng.below(25).to_string());
            }
            spec.push(conv as char);
            let n: i64 = match (conv, rng.below(4)) {
                (b'c', _) => 32 + rng.below(95) as i64,
                (_, 0) => rng.next() as i64,
                (_, 1) => rng.below(10) as i64 - 5,
                (_, 2) => [i64::MIN, i64::MAX, 0, -1][rng.below(4) as usize],
                _ => (rng.next() as i64) >> rng.below(64),
            };
            cases.push((spec, n));
        }
        let mut script = String::from("local t = {\n");
        for (spec, n) in &cases {
            script.push_str(&format!("{{'%{spec}', math.tointeger('{n}')}},\n"));
        }
        script.push_str(
            "}\nfor i = 1, #t do print('[' .. string.format(t[i][1], t[i][2]) .. ']') end\n",
        );
        let want = run_lua(&script);
        assert_eq!(want.len(), cases.len());
        for ((spec, n), w) in cases.iter().zip(&want) {
            assert_eq!(format!("[{}]", i(spec, *n)), *w, "%{spec} of {n}");
        }
    }
}
