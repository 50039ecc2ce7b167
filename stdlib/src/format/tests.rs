use super::*;
use crate::testutil::{err_line, hex, lua_available, ok_line, run_lua, Enc, Rng};

/// A Lua value, as far as these tests need one.
#[derive(Clone, Debug)]
pub(crate) enum V {
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    Nil,
    Bool(bool),
    Table,
}

impl V {
    fn type_name(&self) -> &'static str {
        match self {
            V::Int(_) | V::Float(_) => "number",
            V::Str(_) => "string",
            V::Nil => "nil",
            V::Bool(_) => "boolean",
            V::Table => "table",
        }
    }

    /// A Lua expression for this value.
    pub(crate) fn lua(&self) -> String {
        match self {
            V::Int(n) => format!("math.tointeger('{n}')"),
            V::Float(x) if x.is_nan() => {
                // (0/0) is the negative NaN on x86-64.
                if x.is_sign_negative() {
                    "(0/0)".into()
                } else {
                    "(-(0/0))".into()
                }
            }
            V::Float(x) => {
                let mut out = Vec::new();
                quote_float(*x, &mut out);
                String::from_utf8(out).unwrap()
            }
            V::Str(s) => format!("unhex'{}'", hex(s)),
            V::Nil => "nil".into(),
            V::Bool(b) => b.to_string(),
            V::Table => "{}".into(),
        }
    }
}

/// Arguments of a call to a library function named `fname`; `vals[0]` is argument 1.
pub(crate) struct Args {
    pub(crate) fname: &'static str,
    pub(crate) vals: Vec<V>,
    /// Report a missing argument as nil (string.pack pushes a nil past its arguments).
    pub(crate) missing_is_nil: bool,
    scratch: Vec<u8>,
}

impl Args {
    pub(crate) fn new(fname: &'static str, vals: Vec<V>) -> Args {
        Args {
            fname,
            vals,
            missing_is_nil: false,
            scratch: Vec::new(),
        }
    }

    fn get(&self, arg: usize) -> V {
        self.vals.get(arg - 1).cloned().unwrap_or(V::Nil)
    }

    fn type_error(&mut self, arg: usize, expected: &str) -> String {
        let got = if arg > self.vals.len() && !self.missing_is_nil {
            "no value"
        } else {
            self.get(arg).type_name()
        };
        self.arg_error(arg, &format!("{expected} expected, got {got}"))
    }

    fn str_to_number(s: &[u8]) -> Option<V> {
        let t = std::str::from_utf8(s).ok()?.trim();
        if let Some(h) = t.strip_prefix("0x") {
            return u64::from_str_radix(h, 16).ok().map(|n| V::Int(n as i64));
        }
        if let Ok(n) = t.parse::<i64>() {
            return Some(V::Int(n));
        }
        t.parse::<f64>().ok().map(V::Float)
    }
}

impl FormatArgs for Args {
    type Error = String;

    fn top(&self) -> usize {
        self.vals.len()
    }

    fn integer(&mut self, arg: usize) -> Result<i64, String> {
        let v = match self.get(arg) {
            V::Str(s) => Self::str_to_number(&s).unwrap_or(V::Str(s)),
            v => v,
        };
        match v {
            V::Int(n) => Ok(n),
            V::Float(x)
                if x == x.floor() && (-9.223372036854776e18..9.223372036854776e18).contains(&x) =>
            {
                Ok(x as i64)
            }
            V::Float(_) => Err(self.arg_error(arg, "number has no integer representation")),
            _ => Err(self.type_error(arg, "number")),
        }
    }

    fn number(&mut self, arg: usize) -> Result<f64, String> {
        let v = match self.get(arg) {
            V::Str(s) => Self::str_to_number(&s).unwrap_or(V::Str(s)),
            v => v,
        };
        match v {
            V::Int(n) => Ok(n as f64),
            V::Float(x) => Ok(x),
            _ => Err(self.type_error(arg, "number")),
        }
    }

    fn tostring(&mut self, arg: usize) -> Result<&[u8], String> {
        self.scratch.clear();
        match self.get(arg) {
            V::Int(n) => numfmt::lua_integer_to_str(n, &mut self.scratch),
            V::Float(x) => numfmt::lua_number_to_str(x, &mut self.scratch),
            V::Str(s) => self.scratch = s,
            V::Nil => self.scratch.extend_from_slice(b"nil"),
            V::Bool(b) => self
                .scratch
                .extend_from_slice(if b { b"true" } else { b"false" }),
            V::Table => self.scratch.extend_from_slice(b"table: 0x1"),
        }
        Ok(&self.scratch)
    }

    fn string(&mut self, arg: usize) -> Result<&[u8], String> {
        match self.get(arg) {
            V::Str(_) | V::Int(_) | V::Float(_) => self.tostring(arg),
            _ => Err(self.type_error(arg, "string")),
        }
    }

    fn literal(&mut self, arg: usize) -> Result<Literal<'_>, String> {
        Ok(match self.get(arg) {
            V::Int(n) => Literal::Int(n),
            V::Float(x) => Literal::Float(x),
            V::Str(s) => {
                self.scratch = s;
                Literal::Str(&self.scratch)
            }
            V::Nil => Literal::Nil,
            V::Bool(b) => Literal::Bool(b),
            V::Table => Literal::Other,
        })
    }

    fn pointer(&mut self, arg: usize) -> Option<usize> {
        match self.get(arg) {
            V::Table | V::Str(_) => Some(0x55d0_1234_5678),
            _ => None,
        }
    }

    fn arg_error(&mut self, arg: usize, msg: &str) -> String {
        format!("bad argument #{arg} to '{}' ({msg})", self.fname)
    }

    fn error(&mut self, msg: String) -> String {
        msg
    }
}

fn fmt(f: &str, vals: Vec<V>) -> Result<String, String> {
    let mut all = vec![V::Str(f.as_bytes().to_vec())];
    all.extend(vals);
    let mut args = Args::new("format", all);
    let mut out = Vec::new();
    format(f.as_bytes(), &mut args, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn ok(f: &str, vals: Vec<V>) -> String {
    fmt(f, vals).unwrap()
}

fn err(f: &str, vals: Vec<V>) -> String {
    fmt(f, vals).unwrap_err()
}

fn st(s: &str) -> V {
    V::Str(s.as_bytes().to_vec())
}

#[test]
fn basics() {
    assert_eq!(ok("hello", vec![]), "hello");
    assert_eq!(ok("100%%", vec![]), "100%");
    assert_eq!(ok("%d items", vec![V::Int(3)]), "3 items");
    assert_eq!(
        ok(
            "%5.2f|%-5d|%x",
            vec![V::Float(1.23456), V::Int(42), V::Int(255)]
        ),
        " 1.23|42   |ff"
    );
    assert_eq!(ok("%d", vec![V::Float(3.0)]), "3");
    assert_eq!(ok("%d", vec![st("10")]), "10");
    assert_eq!(
        ok("%s %s %s", vec![V::Int(1), V::Float(2.0), V::Nil]),
        "1 2.0 nil"
    );
    assert_eq!(
        ok("%10s|%-10s|%.2s", vec![st("hi"), st("hi"), st("hello")]),
        "        hi|hi        |he"
    );
    assert_eq!(
        ok("%c%c%c", vec![V::Int(76), V::Int(117), V::Int(97)]),
        "Lua"
    );
    assert_eq!(ok("%5c|%-5c", vec![V::Int(65), V::Int(66)]), "    A|B    ");
    assert_eq!(
        ok("%a %A", vec![V::Float(1.0), V::Float(0.5)]),
        "0x1p+0 0X1P-1"
    );
    assert_eq!(
        ok("%g %g %g", vec![V::Float(1e20), V::Float(0.1), V::Int(100)]),
        "1e+20 0.1 100"
    );
    assert_eq!(ok("%i", vec![V::Int(-7)]), "-7");
    assert_eq!(ok("%u", vec![V::Int(-1)]), "18446744073709551615");
    assert_eq!(ok("%p %p", vec![V::Nil, V::Int(1)]), "(null) (null)");
    assert_eq!(
        ok("%10p|%-10p", vec![V::Nil, V::Nil]),
        "    (null)|(null)    "
    );
    assert_eq!(ok("%p", vec![V::Table]), "0x55d012345678");
    assert_eq!(ok("%99.99f", vec![V::Float(1.0)]).len(), 101);
    let long = "x".repeat(150);
    assert_eq!(ok("%5s", vec![st(&long)]), long);
    assert_eq!(ok("%.3s", vec![st(&long)]), "xxx");
    assert_eq!(ok("%s", vec![V::Str(b"a\0b".to_vec())]), "a\0b");
}

#[test]
fn quoted() {
    assert_eq!(
        ok("%q", vec![st("he said \"hi\"\n\\")]),
        "\"he said \\\"hi\\\"\\\n\\\\\""
    );
    assert_eq!(
        ok("%q", vec![V::Str(b"\0\x01x\x012\r\x7f".to_vec())]),
        "\"\\0\\1x\\0012\\13\\127\""
    );
    assert_eq!(
        ok("%q", vec![V::Str(b"\xe9\xff".to_vec())]),
        "\"\u{fffd}\u{fffd}\""
    );
    assert_eq!(ok("%q", vec![V::Int(42)]), "42");
    assert_eq!(ok("%q", vec![V::Int(i64::MIN)]), "0x8000000000000000");
    assert_eq!(ok("%q", vec![V::Float(1.0)]), "0x1p+0");
    assert_eq!(ok("%q", vec![V::Float(0.1)]), "0x1.999999999999ap-4");
    assert_eq!(
        ok(
            "%q %q %q",
            vec![
                V::Float(f64::INFINITY),
                V::Float(f64::NEG_INFINITY),
                V::Float(f64::NAN)
            ]
        ),
        "1e9999 -1e9999 (0/0)"
    );
    assert_eq!(
        ok("%q %q %q", vec![V::Nil, V::Bool(true), V::Bool(false)]),
        "nil true false"
    );
    assert_eq!(
        err("%q", vec![V::Table]),
        "bad argument #2 to 'format' (value has no literal form)"
    );
    assert_eq!(
        err("%10q", vec![st("x")]),
        "specifier '%q' cannot have modifiers"
    );
}

#[test]
fn errors() {
    assert_eq!(err("%d", vec![]), "bad argument #2 to 'format' (no value)");
    assert_eq!(
        err("%d %d", vec![V::Int(1)]),
        "bad argument #3 to 'format' (no value)"
    );
    assert_eq!(
        err("%d", vec![V::Float(1.5)]),
        "bad argument #2 to 'format' (number has no integer representation)"
    );
    assert_eq!(
        err("%d", vec![st("x")]),
        "bad argument #2 to 'format' (number expected, got string)"
    );
    assert_eq!(
        err("%y", vec![V::Int(1)]),
        "invalid conversion '%y' to 'format'"
    );
    assert_eq!(
        err("%10.3y", vec![V::Int(1)]),
        "invalid conversion '%10.3y' to 'format'"
    );
    assert_eq!(
        err("%", vec![V::Int(1)]),
        "invalid conversion '%' to 'format'"
    );
    assert_eq!(
        err("%5", vec![V::Int(1)]),
        "invalid conversion '%5' to 'format'"
    );
    assert_eq!(
        err("%ld", vec![V::Int(1)]),
        "invalid conversion '%l' to 'format'"
    );
    assert_eq!(
        err("%100d", vec![V::Int(1)]),
        "invalid conversion specification: '%100d'"
    );
    assert_eq!(
        err("%.100f", vec![V::Float(1.0)]),
        "invalid conversion specification: '%.100f'"
    );
    assert_eq!(
        err("%#d", vec![V::Int(1)]),
        "invalid conversion specification: '%#d'"
    );
    assert_eq!(
        err("%+x", vec![V::Int(1)]),
        "invalid conversion specification: '%+x'"
    );
    assert_eq!(
        err("%.3c", vec![V::Int(65)]),
        "invalid conversion specification: '%.3c'"
    );
    assert_eq!(
        err("%05s", vec![st("x")]),
        "invalid conversion specification: '%05s'"
    );
    assert_eq!(
        err("%05c", vec![V::Int(65)]),
        "invalid conversion specification: '%05c'"
    );
    assert_eq!(
        err("%-+#0 -+#0 -+#0 123456789.d", vec![V::Int(1)]),
        "invalid format (too long)"
    );
    assert_eq!(
        err("%-+#0 -+#0 123456789.2d", vec![V::Int(1)]),
        "invalid format (too long)"
    );
    assert_eq!(
        err("%-+#0 -+#0 123456789.d", vec![V::Int(1)]),
        "invalid conversion specification: '%-+#0 -+#0 123456789.d'"
    );
    assert_eq!(
        err("%10s", vec![V::Str(b"a\0".to_vec())]),
        "bad argument #2 to 'format' (string contains zeros)"
    );
    // Integer conversions read their argument before checking the spec; %c and %a after.
    assert_eq!(
        err("%#d", vec![V::Float(1.5)]),
        "bad argument #2 to 'format' (number has no integer representation)"
    );
    assert_eq!(
        err("%.3c", vec![V::Float(1.5)]),
        "invalid conversion specification: '%.3c'"
    );
    assert_eq!(
        err("%#5.3e", vec![st("x")]),
        "bad argument #2 to 'format' (number expected, got string)"
    );
}

// -------------------------------------------------------------------------------------------
// Differential test against lua5.4
// -------------------------------------------------------------------------------------------

fn random_value(rng: &mut Rng) -> V {
    match rng.below(9) {
        0 => V::Int(rng.next() as i64 >> rng.below(64)),
        1 => V::Int(rng.below(300) as i64 - 20),
        2 => V::Float(f64::from_bits(rng.next())),
        3 => V::Float((rng.below(20001) as f64 - 10000.0) / 16.0),
        4 => V::Float(rng.pick(&[
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1e100,
            2.5,
        ])),
        5 => {
            let alphabet = b"ab\"\\\n\r\0\x01\x7f9\xe9 %";
            V::Str((0..rng.below(8)).map(|_| rng.pick(&alphabet[..])).collect())
        }
        6 => st(rng.pick(&["12", "0x10", " 7 ", "1e2", "abc", ""])),
        7 => V::Bool(rng.below(2) == 0),
        _ => {
            if rng.below(2) == 0 {
                V::Nil
            } else {
                V::Table
            }
        }
    }
}

fn random_format(rng: &mut Rng) -> String {
    let mut f = String::new();
    for _ in 0..rng.below(4) + 1 {
        if rng.below(3) == 0 {
            f.push_str(rng.pick(&["x", " ", "%%", "=", "\n"]));
        }
        f.push('%');
        for fl in ["-", "+", " ", "#", "0"] {
            if rng.below(7) == 0 {
                f.push_str(fl);
            }
        }
        if rng.below(3) == 0 {
            let limit = if rng.below(10) == 0 { 200 } else { 30 };
            f.push_str(&rng.below(limit).to_string());
        }
        if rng.below(3) == 0 {
            f.push('.');
            let limit = if rng.below(10) == 0 { 200 } else { 20 };
            f.push_str(&rng.below(limit).to_string());
        }
        f.push(rng.pick(&[
            'd', 'i', 'u', 'c', 'o', 'x', 'X', 'a', 'A', 'e', 'E', 'f', 'g', 'G', 'q', 's', 's',
            'q', 'y', 'l', 'p',
        ]));
    }
    if rng.below(20) == 0 {
        f.push('%');
    }
    f
}

#[test]
fn differential_against_lua() {
    if !lua_available() {
        return;
    }
    let mut rng = Rng(0xF0F0_1234_ABCD);
    let mut script = String::new();
    let mut want = Vec::new();
    for _ in 0..5000 {
        let f = random_format(&mut rng);
        let n = rng.below(5) as usize;
        let vals: Vec<V> = (0..n).map(|_| random_value(&mut rng)).collect();
        // %p of strings and tables, and %s of tables, print addresses, which differ.
        let vals: Vec<V> = vals
            .into_iter()
            .map(|v| match v {
                V::Str(_) if f.contains('p') => V::Int(1),
                V::Table if f.contains('p') || f.contains('s') => V::Nil,
                v => v,
            })
            .collect();
        let lua_args: Vec<String> = vals.iter().map(V::lua).collect();
        script.push_str(&format!(
            "print(run(F, unhex'{}'{}{}))\n",
            hex(f.as_bytes()),
            if lua_args.is_empty() { "" } else { ", " },
            lua_args.join(", ")
        ));
        let mut all = vec![V::Str(f.as_bytes().to_vec())];
        all.extend(vals);
        let mut args = Args::new("format", all);
        let mut out = Vec::new();
        want.push(match format(f.as_bytes(), &mut args, &mut out) {
            Ok(()) => ok_line(&[Enc::Str(&out)]),
            Err(e) => err_line(&e),
        });
    }
    // Called from a Lua function (not a tail call), errors name the function 'format'.
    let script = format!("F = function(...) local r = string.format(...) return r end\n{script}");
    let got = run_lua(&script);
    assert_eq!(got.len(), want.len());
    let lines: Vec<&str> = script.lines().skip(1).collect();
    let mut failures = 0;
    for (i, (lua, ours)) in got.iter().zip(&want).enumerate() {
        if lua != ours {
            failures += 1;
            if failures < 10 {
                eprintln!("case {}\n  lua:  {lua}\n  ours: {ours}", lines[i]);
            }
        }
    }
    assert_eq!(failures, 0, "{failures} differences from lua5.4");
}
