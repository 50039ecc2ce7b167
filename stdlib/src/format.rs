//! The engine of `string.format`: walks the format string, validates each conversion
//! specification exactly as Lua 5.4's `str_format` does, and formats the arguments, which it
//! reads through [`FormatArgs`] (implemented by the binding layer).
//!
//! Validation follows lstrlib.c to the letter, including the order of checks (some
//! conversions fetch their argument before validating the spec, some after), so the same
//! error wins when several apply:
//! - a spec spans the bytes `-+#0 123456789.` and one more (the conversion); 22 bytes or more
//!   is "invalid format (too long)";
//! - each conversion accepts its own flags, a width of at most two digits (not starting with
//!   `0`) and, for some, a precision of at most two digits; anything else is
//!   "invalid conversion specification: '%...'";
//! - an unknown conversion is "invalid conversion '%...' to 'format'".
//!
//! Numbers are formatted by [`luna_interp::numfmt`], which reproduces glibc's printf.

use luna_interp::numfmt::{self, Spec};

/// Access to the arguments of `string.format` (or of any function using the same argument
/// conventions, such as `string.pack`). Argument numbers are Lua's: the format string is
/// argument 1, the first value to format is argument 2.
pub trait FormatArgs {
    /// The binding layer's error type.
    type Error;

    /// Number of arguments, the format string included (`lua_gettop`).
    fn top(&self) -> usize;

    /// Argument `arg` as an integer (`luaL_checkinteger`: floats with an exact integer
    /// value and numeric strings convert; otherwise "number has no integer representation"
    /// or "number expected, got X").
    fn integer(&mut self, arg: usize) -> Result<i64, Self::Error>;

    /// Argument `arg` as a float (`luaL_checknumber`).
    fn number(&mut self, arg: usize) -> Result<f64, Self::Error>;

    /// Argument `arg` converted as `tostring` does (`luaL_tolstring`, honouring `__tostring`
    /// and `__name`).
    fn tostring(&mut self, arg: usize) -> Result<&[u8], Self::Error>;

    /// Argument `arg` as a string (`luaL_checklstring`: strings, and numbers converted).
    /// Used by `string.pack`; the default refuses everything.
    fn string(&mut self, arg: usize) -> Result<&[u8], Self::Error> {
        Err(self.arg_error(arg, "string expected"))
    }

    /// Argument `arg` for `%q`.
    fn literal(&mut self, arg: usize) -> Result<Literal<'_>, Self::Error>;

    /// The address `lua_topointer` gives for argument `arg` (`None` for values that are not
    /// objects: nil, booleans, numbers). Used by `%p`.
    fn pointer(&mut self, arg: usize) -> Option<usize>;

    /// An argument error, `luaL_argerror(L, arg, msg)`:
    /// "bad argument #arg to 'format' (msg)".
    fn arg_error(&mut self, arg: usize, msg: &str) -> Self::Error;

    /// A plain error with message `msg` (`luaL_error` from a C function adds no position).
    fn error(&mut self, msg: String) -> Self::Error;
}

/// A value as `%q` sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Literal<'a> {
    Str(&'a [u8]),
    Int(i64),
    Float(f64),
    Nil,
    Bool(bool),
    /// Tables, functions, userdata, threads: "value has no literal form".
    Other,
}

/// Flags accepted by `a A e E f g G`.
const FLAGS_FLOAT: &[u8] = b"-+#0 ";
/// Flags accepted by `o x X`.
const FLAGS_HEX: &[u8] = b"-#0";
/// Flags accepted by `d i`.
const FLAGS_INT: &[u8] = b"-+0 ";
/// Flags accepted by `u`.
const FLAGS_UNSIGNED: &[u8] = b"-0";
/// Flags accepted by `c p s`.
const FLAGS_CHAR: &[u8] = b"-";

/// Longest spec (after `%`, conversion included) Lua accepts: `MAX_FORMAT - 10` exclusive.
const MAX_SPEC: usize = 32 - 10;

/// Bytes a spec may span before its conversion character.
const SPEC_CHARS: &[u8] = b"-+#0 123456789.";

/// A conversion specification as written: `%` and the spec bytes, for messages.
struct Form {
    buf: [u8; MAX_SPEC + 1],
    len: usize,
}

impl Form {
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text C would print for this form with `%s` (up to any NUL byte).
    fn text(&self) -> String {
        let b = self.bytes();
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    }

    /// Whether the spec has anything between `%` and the conversion.
    fn has_modifiers(&self) -> bool {
        self.len > 2
    }
}

/// Skips at most two ASCII digits.
fn skip_2digits(s: &[u8], mut i: usize) -> usize {
    for _ in 0..2 {
        if s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i
}

/// Lua's `checkformat`: whether `form` is `%`, flags from `flags`, a width of at most two
/// digits (not starting with 0), optionally `.` and a precision of at most two digits, and a
/// letter.
fn form_is_valid(form: &[u8], flags: &[u8], precision: bool) -> bool {
    let mut i = 1;
    while form.get(i).is_some_and(|c| flags.contains(c)) {
        i += 1;
    }
    if form.get(i) != Some(&b'0') {
        i = skip_2digits(form, i);
        if form.get(i) == Some(&b'.') && precision {
            i = skip_2digits(form, i + 1);
        }
    }
    form.get(i).is_some_and(u8::is_ascii_alphabetic)
}

fn check_form<A: FormatArgs + ?Sized>(
    args: &mut A,
    form: &Form,
    flags: &[u8],
    precision: bool,
) -> Result<Spec, A::Error> {
    if !form_is_valid(form.bytes(), flags, precision) {
        return Err(args.error(format!(
            "invalid conversion specification: '{}'",
            form.text()
        )));
    }
    Ok(Spec::parse(&form.bytes()[1..]).unwrap_or(Spec::new(form.buf[form.len - 1])))
}

/// Formats `fmt` with the arguments from `args`, appending to `out`.
pub fn format<A: FormatArgs + ?Sized>(
    fmt: &[u8],
    args: &mut A,
    out: &mut Vec<u8>,
) -> Result<(), A::Error> {
    let top = args.top();
    let mut arg = 1;
    let mut i = 0;
    while i < fmt.len() {
        // Copy the literal run up to the next '%'.
        let run = memchr::memchr(b'%', &fmt[i..]).unwrap_or(fmt.len() - i);
        out.extend_from_slice(&fmt[i..i + run]);
        i += run;
        if i >= fmt.len() {
            break;
        }
        i += 1; // the '%'
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        arg += 1;
        if arg > top {
            return Err(args.arg_error(arg, "no value"));
        }
        // The spec: flags, digits and '.', then the conversion (NUL past the end, as in C).
        let span = fmt[i..]
            .iter()
            .take_while(|c| SPEC_CHARS.contains(c))
            .count()
            + 1;
        if span >= MAX_SPEC {
            return Err(args.error("invalid format (too long)".to_owned()));
        }
        let mut form = Form {
            buf: [0; MAX_SPEC + 1],
            len: span + 1,
        };
        form.buf[0] = b'%';
        for k in 0..span {
            form.buf[k + 1] = fmt.get(i + k).copied().unwrap_or(0);
        }
        let conv = form.buf[span];
        i += span;
        match conv {
            b'c' => {
                let spec = check_form(args, &form, FLAGS_CHAR, false)?;
                let n = args.integer(arg)?;
                numfmt::fmt_int(out, n, &spec);
            }
            b'd' | b'i' | b'u' | b'o' | b'x' | b'X' => {
                let flags = match conv {
                    b'd' | b'i' => FLAGS_INT,
                    b'u' => FLAGS_UNSIGNED,
                    _ => FLAGS_HEX,
                };
                let n = args.integer(arg)?;
                let spec = check_form(args, &form, flags, true)?;
                numfmt::fmt_int(out, n, &spec);
            }
            b'a' | b'A' => {
                let spec = check_form(args, &form, FLAGS_FLOAT, true)?;
                let x = args.number(arg)?;
                numfmt::fmt_float(out, x, &spec);
            }
            b'f' | b'e' | b'E' | b'g' | b'G' => {
                let x = args.number(arg)?;
                let spec = check_form(args, &form, FLAGS_FLOAT, true)?;
                numfmt::fmt_float(out, x, &spec);
            }
            b'p' => {
                let ptr = args.pointer(arg);
                let mut spec = check_form(args, &form, FLAGS_CHAR, false)?;
                spec.precision = None;
                match ptr {
                    None => numfmt::fmt_str(out, b"(null)", &spec),
                    Some(p) => {
                        let mut text = [0u8; 18];
                        let n = hex_address(p, &mut text);
                        numfmt::fmt_str(out, &text[..n], &spec);
                    }
                }
            }
            b'q' => {
                if form.has_modifiers() {
                    return Err(args.error("specifier '%q' cannot have modifiers".to_owned()));
                }
                add_literal(args, arg, out)?;
            }
            b's' => {
                // The argument is converted once (its `__tostring` may have effects); the
                // errors are raised after, in Lua's order.
                let valid = form_is_valid(form.bytes(), FLAGS_CHAR, true);
                let s = args.tostring(arg)?;
                let mut has_zero = false;
                if !form.has_modifiers() {
                    out.extend_from_slice(s);
                } else if s.contains(&0) {
                    has_zero = true;
                } else if valid {
                    let spec = Spec::parse(&form.bytes()[1..])
                        .unwrap_or(Spec::new(form.buf[form.len - 1]));
                    if spec.precision.is_none() && s.len() >= 100 {
                        // Too long to be formatted: kept whole, width ignored.
                        out.extend_from_slice(s);
                    } else {
                        numfmt::fmt_str(out, s, &spec);
                    }
                }
                if has_zero {
                    return Err(args.arg_error(arg, "string contains zeros"));
                }
                if form.has_modifiers() && !valid {
                    check_form(args, &form, FLAGS_CHAR, true)?;
                }
            }
            _ => {
                return Err(args.error(format!("invalid conversion '{}' to 'format'", form.text())));
            }
        }
    }
    Ok(())
}

/// glibc's `%p` text of a non-null address: `0x` and lowercase hex digits.
fn hex_address(p: usize, buf: &mut [u8; 18]) -> usize {
    let mut digits = [0u8; 16];
    let mut n = 0;
    let mut v = p;
    loop {
        digits[n] = b"0123456789abcdef"[v & 15];
        n += 1;
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    buf[0] = b'0';
    buf[1] = b'x';
    for k in 0..n {
        buf[2 + k] = digits[n - 1 - k];
    }
    n + 2
}

/// `%q`: the value as Lua source that reads back as the same value.
fn add_literal<A: FormatArgs + ?Sized>(
    args: &mut A,
    arg: usize,
    out: &mut Vec<u8>,
) -> Result<(), A::Error> {
    match args.literal(arg)? {
        Literal::Str(s) => add_quoted(s, out),
        Literal::Int(n) => {
            if n == i64::MIN {
                // -9223372036854775808 would read back as a float.
                out.extend_from_slice(b"0x8000000000000000");
            } else {
                numfmt::lua_integer_to_str(n, out);
            }
        }
        Literal::Float(x) => quote_float(x, out),
        Literal::Nil => out.extend_from_slice(b"nil"),
        Literal::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Literal::Other => return Err(args.arg_error(arg, "value has no literal form")),
    }
    Ok(())
}

/// A float as a numeral that reads back exactly: hexadecimal (`%a`), except for the values
/// no numeral denotes.
pub fn quote_float(x: f64, out: &mut Vec<u8>) {
    if x == f64::INFINITY {
        out.extend_from_slice(b"1e9999");
    } else if x == f64::NEG_INFINITY {
        out.extend_from_slice(b"-1e9999");
    } else if x.is_nan() {
        out.extend_from_slice(b"(0/0)");
    } else {
        numfmt::fmt_float(out, x, &Spec::new(b'a'));
    }
}

/// A string in double quotes with the escapes that make it read back byte for byte:
/// `\"`, `\\`, `\` before a newline, and control bytes in decimal (three digits when a digit
/// follows).
pub fn add_quoted(s: &[u8], out: &mut Vec<u8>) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    for (k, &c) in s.iter().enumerate() {
        match c {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(c);
            }
            _ if c.is_ascii_control() => {
                out.push(b'\\');
                let next_is_digit = s.get(k + 1).is_some_and(u8::is_ascii_digit);
                if next_is_digit {
                    out.extend_from_slice(&[b'0' + c / 100, b'0' + c / 10 % 10, b'0' + c % 10]);
                } else {
                    numfmt::lua_integer_to_str(i64::from(c), out);
                }
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
pub(crate) mod tests;
