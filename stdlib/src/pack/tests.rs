use super::*;
use crate::format::tests::{Args, V};
use crate::testutil::{enc, err_line, hex, lua_available, ok_line, run_lua, Enc, Rng};

fn pk(fmt: &str, vals: Vec<V>) -> Result<Vec<u8>, String> {
    let mut all = vec![V::Str(fmt.as_bytes().to_vec())];
    all.extend(vals);
    let mut args = Args::new("pack", all);
    args.missing_is_nil = true;
    let mut out = Vec::new();
    pack(fmt.as_bytes(), &mut args, &mut out)?;
    Ok(out)
}

/// Lua's framing of an error from `unpack`/`packsize`.
fn frame(e: PackError, fname: &str) -> String {
    match e {
        PackError::Arg { arg, msg } => format!("bad argument #{arg} to '{fname}' ({msg})"),
        PackError::Msg(m) => m,
    }
}

#[derive(Debug, PartialEq)]
enum U {
    I(i64),
    F(f64),
    S(Vec<u8>),
}

fn up(fmt: &str, data: &[u8], init: i64) -> Result<(Vec<U>, usize), String> {
    let mut vals = Vec::new();
    let next = unpack(fmt.as_bytes(), data, init, |v| -> Result<(), PackError> {
        vals.push(match v {
            Unpacked::Int(n) => U::I(n),
            Unpacked::Float(x) => U::F(x),
            Unpacked::Str(s) => U::S(s.to_vec()),
        });
        Ok(())
    })
    .map_err(|e| frame(e, "unpack"))?;
    Ok((vals, next))
}

fn size(fmt: &str) -> Result<i64, String> {
    packsize(fmt.as_bytes()).map_err(|e| frame(e, "packsize"))
}

#[test]
fn integers() {
    assert_eq!(pk("i4", vec![V::Int(1)]).unwrap(), [1, 0, 0, 0]);
    assert_eq!(pk(">i4", vec![V::Int(1)]).unwrap(), [0, 0, 0, 1]);
    assert_eq!(
        pk("<h>h=h", vec![V::Int(-2), V::Int(-2), V::Int(258)]).unwrap(),
        [0xfe, 0xff, 0xff, 0xfe, 2, 1]
    );
    assert_eq!(pk("b", vec![V::Int(-128)]).unwrap(), [0x80]);
    assert_eq!(pk("B", vec![V::Int(255)]).unwrap(), [0xff]);
    assert_eq!(pk("i3", vec![V::Int(-1)]).unwrap(), [0xff; 3]);
    assert_eq!(pk("i16", vec![V::Int(-1)]).unwrap(), [0xff; 16]);
    assert_eq!(
        pk(">I10", vec![V::Int(1)]).unwrap(),
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(
        pk("j", vec![V::Float(3.0)]).unwrap(),
        [3, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(
        pk("i2", vec![V::Int(40000)]).unwrap_err(),
        "bad argument #2 to 'pack' (integer overflow)"
    );
    assert_eq!(
        pk("I2", vec![V::Int(-1)]).unwrap_err(),
        "bad argument #2 to 'pack' (unsigned overflow)"
    );
    assert_eq!(
        pk("i4i4", vec![V::Int(1)]).unwrap_err(),
        "bad argument #3 to 'pack' (number expected, got nil)"
    );
    assert_eq!(
        up("i3", &[0xff, 0xff, 0xff], 1).unwrap(),
        (vec![U::I(-1)], 4)
    );
    assert_eq!(
        up("I3", &[0xff, 0xff, 0xff], 1).unwrap(),
        (vec![U::I(0xffffff)], 4)
    );
    assert_eq!(up(">i2", &[1, 2], 1).unwrap(), (vec![U::I(258)], 3));
    assert_eq!(
        up(
            "i9",
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            1
        )
        .unwrap(),
        (vec![U::I(-1)], 10)
    );
    assert_eq!(
        up(
            "i9",
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1],
            1
        )
        .unwrap_err(),
        "9-byte integer does not fit into Lua Integer"
    );
    assert_eq!(
        up("I9", &[0, 0, 0, 0, 0, 0, 0, 0x80, 0], 1).unwrap(),
        (vec![U::I(i64::MIN)], 10)
    );
}

#[test]
fn floats_and_strings() {
    assert_eq!(pk("d", vec![V::Float(1.5)]).unwrap(), 1.5f64.to_le_bytes());
    assert_eq!(pk(">f", vec![V::Float(1.5)]).unwrap(), 1.5f32.to_be_bytes());
    assert_eq!(pk("n", vec![V::Int(2)]).unwrap(), 2.0f64.to_le_bytes());
    assert_eq!(
        up(">f", &1.5f32.to_be_bytes(), 1).unwrap(),
        (vec![U::F(1.5)], 5)
    );
    assert_eq!(pk("z", vec![V::Str(b"hi".to_vec())]).unwrap(), b"hi\0");
    assert_eq!(pk("s1", vec![V::Str(b"hi".to_vec())]).unwrap(), b"\x02hi");
    assert_eq!(
        pk(">s2", vec![V::Str(b"hi".to_vec())]).unwrap(),
        b"\0\x02hi"
    );
    assert_eq!(pk("c5", vec![V::Str(b"hi".to_vec())]).unwrap(), b"hi\0\0\0");
    assert_eq!(pk("c0", vec![V::Str(b"".to_vec())]).unwrap(), b"");
    assert_eq!(
        pk("s1", vec![V::Str(vec![b'x'; 256])]).unwrap_err(),
        "bad argument #2 to 'pack' (string length does not fit in given size)"
    );
    assert_eq!(
        pk("c1", vec![V::Str(b"hi".to_vec())]).unwrap_err(),
        "bad argument #2 to 'pack' (string longer than given size)"
    );
    assert_eq!(
        pk("z", vec![V::Str(b"a\0b".to_vec())]).unwrap_err(),
        "bad argument #2 to 'pack' (string contains zeros)"
    );
    assert_eq!(pk("z", vec![V::Int(12)]).unwrap(), b"12\0");
    assert_eq!(
        up("z", b"hi\0rest", 1).unwrap(),
        (vec![U::S(b"hi".to_vec())], 4)
    );
    assert_eq!(
        up("z", b"hi", 1).unwrap_err(),
        "bad argument #2 to 'unpack' (unfinished string for format 'z')"
    );
    assert_eq!(
        up("s1", b"\x05hi", 1).unwrap_err(),
        "bad argument #2 to 'unpack' (data string too short)"
    );
    assert_eq!(
        up("s1c2", b"\x02hiok", 1).unwrap(),
        (vec![U::S(b"hi".to_vec()), U::S(b"ok".to_vec())], 6)
    );
    assert_eq!(
        up("c2", b"abcd", -2).unwrap(),
        (vec![U::S(b"cd".to_vec())], 5)
    );
    assert_eq!(
        up("c2", b"abcd", 6).unwrap_err(),
        "bad argument #3 to 'unpack' (initial position out of string)"
    );
    assert_eq!(
        up("i4", b"abc", 1).unwrap_err(),
        "bad argument #2 to 'unpack' (data string too short)"
    );
}

#[test]
fn alignment_and_options() {
    assert_eq!(
        pk("!4 b i4", vec![V::Int(1), V::Int(2)]).unwrap(),
        [1, 0, 0, 0, 2, 0, 0, 0]
    );
    assert_eq!(
        pk("!2 b i4", vec![V::Int(1), V::Int(2)]).unwrap(),
        [1, 0, 2, 0, 0, 0]
    );
    assert_eq!(
        pk("b i4", vec![V::Int(1), V::Int(2)]).unwrap(),
        [1, 2, 0, 0, 0]
    );
    assert_eq!(pk("!bXi4", vec![V::Int(1)]).unwrap(), [1, 0, 0, 0]);
    assert_eq!(pk("bxb", vec![V::Int(1), V::Int(2)]).unwrap(), [1, 0, 2]);
    assert_eq!(size("!8 b d"), Ok(16));
    assert_eq!(size("!b d"), Ok(16));
    assert_eq!(size("b d"), Ok(9));
    assert_eq!(size("!4 b i8"), Ok(12));
    assert_eq!(
        size("!4 i3 i8").unwrap_err(),
        "bad argument #1 to 'packsize' (format asks for alignment not power of 2)"
    );
    assert_eq!(size("i4 Xi8"), Ok(4));
    assert_eq!(size("!i4 Xi8"), Ok(8));
    assert_eq!(size("c3 !4 Xi4"), Ok(4));
    assert_eq!(
        size("hHlLjJTfdn"),
        Ok(2 + 2 + 8 + 8 + 8 + 8 + 8 + 4 + 8 + 8)
    );
    assert_eq!(
        size("i17").unwrap_err(),
        "integral size (17) out of limits [1,16]"
    );
    assert_eq!(
        size("i0").unwrap_err(),
        "integral size (0) out of limits [1,16]"
    );
    assert_eq!(
        size("!17").unwrap_err(),
        "integral size (17) out of limits [1,16]"
    );
    assert_eq!(size("c").unwrap_err(), "missing size for format option 'c'");
    assert_eq!(
        size("!3i4").unwrap_err(),
        "bad argument #1 to 'packsize' (format asks for alignment not power of 2)"
    );
    assert_eq!(
        size("Xc1").unwrap_err(),
        "bad argument #1 to 'packsize' (invalid next option for option 'X')"
    );
    assert_eq!(
        size("X").unwrap_err(),
        "bad argument #1 to 'packsize' (invalid next option for option 'X')"
    );
    assert_eq!(
        size("Xz").unwrap_err(),
        "bad argument #1 to 'packsize' (invalid next option for option 'X')"
    );
    assert_eq!(size("y").unwrap_err(), "invalid format option 'y'");
    assert_eq!(
        size("s").unwrap_err(),
        "bad argument #1 to 'packsize' (variable-length format)"
    );
    assert_eq!(
        size("z").unwrap_err(),
        "bad argument #1 to 'packsize' (variable-length format)"
    );
    assert_eq!(
        size("c2147483647c1").unwrap_err(),
        "invalid format option '7'"
    );
    assert_eq!(
        size("c2147483639c2147483639").unwrap_err(),
        "bad argument #1 to 'packsize' (format result too large)"
    );
    // The format ends at its first NUL byte.
    assert_eq!(size("i4\0y"), Ok(4));
    assert_eq!(up("b\0b", &[1, 2], 1).unwrap(), (vec![U::I(1)], 2));
}

// -------------------------------------------------------------------------------------------
// Differential test against lua5.4
// -------------------------------------------------------------------------------------------

const OPTIONS: &[&str] = &[
    "b", "B", "h", "H", "l", "L", "j", "J", "T", "i", "I", "i1", "i2", "i3", "I5", "i7", "i8",
    "I9", "i12", "I16", "i16", "f", "d", "n", "s", "s1", "s2", "s4", "z", "x", "c0", "c3", "c10",
    "<", ">", "=", "!", "!1", "!2", "!4", "!8", "!16", "!3", " ", "Xi4", "Xh", "Xd", "X", "Xc2",
    "i0", "i17", "y", "c",
];

fn random_arg(rng: &mut Rng) -> V {
    match rng.below(8) {
        0 => V::Int(rng.next() as i64 >> rng.below(64)),
        1 => V::Int(rng.below(600) as i64 - 300),
        2 => V::Float((rng.below(2001) as f64 - 1000.0) / 8.0),
        3 => V::Float(f64::from_bits(
            rng.next() & !(0x7ffu64 << 52) | (0x400u64 << 52),
        )),
        4 => V::Str(
            (0..rng.below(12))
                .map(|_| rng.pick(&b"ab\0c"[..]))
                .collect(),
        ),
        5 => V::Int(rng.below(70000) as i64),
        6 => V::Nil,
        _ => V::Str(b"12".to_vec()),
    }
}

/// Arguments that suit each option of `fmt` (mostly), so packing gets far.
fn fitting_args(fmt: &str, rng: &mut Rng) -> Vec<V> {
    let b = fmt.as_bytes();
    let mut vals = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        i += 1;
        let mut n = 0usize;
        let mut has_n = false;
        while i < b.len() && b[i].is_ascii_digit() {
            n = n * 10 + usize::from(b[i] - b'0');
            has_n = true;
            i += 1;
        }
        match c {
            b'b' | b'B' | b'h' | b'H' | b'i' | b'I' | b'l' | b'L' | b'j' | b'J' | b'T' => {
                let bits = match c {
                    b'b' | b'B' => 8,
                    b'h' | b'H' => 16,
                    b'i' | b'I' if has_n => (8 * n).min(64),
                    b'i' | b'I' => 32,
                    _ => 64,
                };
                let bits: u32 = bits.clamp(1, 64) as u32;
                let mut v = rng.next() >> (64 - bits);
                if c.is_ascii_lowercase() && bits < 64 {
                    v = v.wrapping_sub(1u64 << (bits - 1));
                    v = ((v as i64) << (64 - bits) >> (64 - bits)) as u64;
                }
                vals.push(V::Int(v as i64));
            }
            b'f' | b'd' | b'n' => {
                // (NaN payloads do not survive the trip through a Lua literal.)
                let x = f64::from_bits(rng.next());
                vals.push(V::Float(if x.is_nan() { 0.5 } else { x }));
            }
            b's' | b'z' => vals.push(V::Str(
                (0..rng.below(6)).map(|_| rng.pick(&b"abc"[..])).collect(),
            )),
            b'c' => vals.push(V::Str(
                (0..rng.below(n as u64 + 1))
                    .map(|_| rng.pick(&b"abc"[..]))
                    .collect(),
            )),
            b'X' => i += 1,
            _ => {}
        }
    }
    vals
}

#[test]
fn differential_against_lua() {
    if !lua_available() {
        return;
    }
    let mut rng = Rng(0xABCD_EF01_2345);
    let mut script = String::from("P = function(...) local r = string.pack(...) return r end\n");
    script.push_str("U = function(...) local r = table.pack(string.unpack(...)) return table.unpack(r, 1, r.n) end\n");
    script.push_str("Z = function(...) local r = string.packsize(...) return r end\n");
    let mut want = Vec::new();
    for _ in 0..3000 {
        let fmt: String = (0..rng.below(6) + 1).map(|_| rng.pick(OPTIONS)).collect();
        let vals: Vec<V> = if rng.below(2) == 0 {
            (0..rng.below(6)).map(|_| random_arg(&mut rng)).collect()
        } else {
            fitting_args(&fmt, &mut rng)
        };
        let fh = hex(fmt.as_bytes());
        let lua_args: String = vals.iter().map(|v| format!(", {}", v.lua())).collect();
        // pack
        script.push_str(&format!("print(run(P, unhex'{fh}'{lua_args}))\n"));
        let packed = pk(&fmt, vals.clone());
        want.push(match &packed {
            Ok(b) => ok_line(&[Enc::Str(b)]),
            Err(e) => err_line(e),
        });
        // packsize
        script.push_str(&format!("print(run(Z, unhex'{fh}'))\n"));
        want.push(match size(&fmt) {
            Ok(n) => ok_line(&[Enc::Int(n)]),
            Err(e) => err_line(&e),
        });
        // unpack of the packed data, or of random bytes
        let data: Vec<u8> = match packed {
            Ok(b) if rng.below(4) != 0 => b,
            _ => (0..rng.below(40))
                .map(|_| rng.pick(&[0u8, 1, 0x7f, 0x80, 0xff, b'a']))
                .collect(),
        };
        let init = if rng.below(4) == 0 {
            rng.below(10) as i64 - 5
        } else {
            1
        };
        script.push_str(&format!(
            "print(run(U, unhex'{fh}', unhex'{}', {init}))\n",
            hex(&data)
        ));
        want.push(match up(&fmt, &data, init) {
            Ok((vals, next)) => {
                let mut e: Vec<Enc<'_>> = vals
                    .iter()
                    .map(|v| match v {
                        U::I(n) => Enc::Int(*n),
                        U::F(x) => Enc::Float(*x),
                        U::S(s) => Enc::Str(s),
                    })
                    .collect();
                e.push(Enc::Int(next as i64));
                ok_line(&e)
            }
            Err(e) => err_line(&e),
        });
    }
    let got = run_lua(&script);
    assert_eq!(got.len(), want.len());
    let lines: Vec<&str> = script.lines().skip(3).collect();
    let mut failures = 0;
    for (i, (lua, ours)) in got.iter().zip(&want).enumerate() {
        if lua != ours {
            failures += 1;
            if failures < 10 {
                eprintln!("case {}\n  lua:  {lua}\n  ours: {ours}", lines[i]);
            }
        }
    }
    let _ = enc;
    assert_eq!(failures, 0, "{failures} differences from lua5.4");
}
