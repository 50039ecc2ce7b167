use super::*;
use crate::opcodes::{Instr, OpCode};
use crate::state::State;
use crate::value::Value;

fn compile(src: &str) -> FnProto {
    let ast = luna_grammar::parse_chunk(src.as_bytes(), b"=test").expect("parses");
    crate::compiler::compile(&ast, b"=test").expect("compiles")
}

/// What `dump(p, true)` keeps of `p`.
fn stripped(p: &FnProto) -> FnProto {
    let mut s = p.clone();
    s.source = None;
    s.line_info.clear();
    s.loc_vars.clear();
    for u in &mut s.upvalues {
        u.name = None;
    }
    s.protos = p.protos.iter().map(|q| Rc::new(stripped(q))).collect();
    s
}

/// Runs a binary chunk in a fresh state with an instruction budget; errors are fine.
fn run_chunk(chunk: &[u8]) {
    let mut st = State::new();
    st.set_instruction_limit(Some(50_000));
    let Ok(f) = st.load(chunk, b"=fuzz", "b", None) else {
        return;
    };
    let base = st.abs_top();
    st.push(Value::LuaFn(f));
    st.push(Value::Int(3));
    st.push(Value::Int(4));
    let _ = st.pcall_k(base, -1, 0, None, 0);
}

/// Programs touching most instructions without needing any library.
const PROGRAMS: &[&str] = &[
    r#"
    local a, b = ...
    local t = {1, 2, 3, x = 1, y = "s", [10] = 2.5}
    local s = 0
    for i = 1, #t do s = s + t[i] * 2 - i // 1 % 3 end
    for i = 10, 1, -2.5 do s = s + i end
    local function iter(t, i) i = i + 1; if t[i] then return i, t[i] end end
    for i, v in iter, t, 0 do s = s + v end
    local str = "a" .. s .. "b" .. 1.5
    local n = (a or 0) & 0xff | 3 ~ 5 << 2 >> 1
    while n > 0 do n = n - 1; if n == 3 then break end end
    repeat s = s - 1 until s < 0 or s ~= s
    goto done
    ::done::
    return s, str, n, -n, ~n, not n, #str, t.x, t["y"], a == b, a < b, a <= b
    "#,
    r#"
    local function counter()
      local c = 0
      return function(...) c = c + select and 1 or c + 1; return c, ... end
    end
    local f = counter()
    f(1, 2, 3)
    local obj = {v = 1}
    function obj:get(k) return self.v + k end
    local t = {f(), f(1), obj:get(2), ...}
    local function va(...) local x, y = ...; return select, {...}, x, y end
    return va(t, #t, 1 < 2, 2.0 == 2, "x" >= "y")
    "#,
    r#"
    local big = {}
    for i = 1, 300 do big[i] = i * 1.5 end
    local t = {big[1], big[2], big[3], big[4], big[5], big[6], big[7], big[8], big[9], big[10],
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8,
      9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
    local up = 0
    local function g(n) if n <= 0 then return up end up = up + n return g(n - 1) end
    local ok = g(20)
    local s = ""
    for k = 1, 5 do s = s .. k .. "," end
    return t[55], #big, ok, s, 2^10, 7 // 2, 7.5 // 2, 7 % -3, 1e300 * 1e300
    "#,
];

#[test]
fn header_is_lua_5_4s() {
    let c = dump(&compile("return 1"), false);
    let mut want = b"\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08".to_vec();
    want.extend_from_slice(&0x5678i64.to_ne_bytes());
    want.extend_from_slice(&370.5f64.to_ne_bytes());
    assert_eq!(&c[..want.len()], &want[..]);
    // The main function has one upvalue (_ENV).
    assert_eq!(c[want.len()], 1);
}

#[test]
fn round_trip_keeps_everything() {
    for src in PROGRAMS {
        let p = compile(src);
        let c = dump(&p, false);
        let q = undump(&c, b"=t").expect("loads");
        assert_eq!(q, p);
        assert_eq!(dump(&q, false), c);
        let s = undump(&dump(&p, true), b"=t").expect("loads stripped");
        assert_eq!(s, stripped(&p));
    }
}

#[test]
fn nested_functions_share_the_source() {
    let p = compile("return function() return function() end end");
    let c = dump(&p, false);
    // "test" is written once.
    assert_eq!(c.windows(5).filter(|w| w == b"=test").count(), 1);
    let q = undump(&c, b"x").unwrap();
    assert_eq!(q.protos[0].protos[0].source.as_deref(), Some(&b"=test"[..]));
}

#[test]
fn line_information_survives_large_gaps() {
    let mut src = String::from("local x = 1\n");
    for i in 0..400 {
        src.push_str(&"\n".repeat(i % 300));
        src.push_str("x = x + 1\n");
    }
    src.push_str("return x\n");
    let p = compile(&src);
    let q = undump(&dump(&p, false), b"=t").unwrap();
    assert_eq!(q.line_info, p.line_info);
}

#[test]
fn errors_read_like_lua() {
    let c = dump(&compile("return 1"), false);
    let err = |chunk: &[u8], name: &[u8]| undump(chunk, name).unwrap_err();
    assert_eq!(
        err(&c[..10], b"=stdin"),
        "stdin: bad binary format (truncated chunk)"
    );
    assert_eq!(
        err(&c[..10], b"@f.lua"),
        "f.lua: bad binary format (truncated chunk)"
    );
    assert_eq!(
        err(&c[..10], &c),
        "binary string: bad binary format (truncated chunk)"
    );
    assert_eq!(
        err(&c[..10], b"chunk"),
        "chunk: bad binary format (truncated chunk)"
    );
    let mut bad = c.clone();
    bad[2] = b'x';
    assert_eq!(
        err(&bad, b"=x"),
        "x: bad binary format (not a binary chunk)"
    );
    let mut bad = c.clone();
    bad[4] = 0x53;
    assert_eq!(err(&bad, b"=x"), "x: bad binary format (version mismatch)");
    let mut bad = c.clone();
    bad[5] = 1;
    assert_eq!(err(&bad, b"=x"), "x: bad binary format (format mismatch)");
    let mut bad = c.clone();
    bad[8] = b'\n';
    assert_eq!(err(&bad, b"=x"), "x: bad binary format (corrupted chunk)");
    for (at, what) in [(12, "Instruction"), (13, "lua_Integer"), (14, "lua_Number")] {
        let mut bad = c.clone();
        bad[at] += 4;
        assert_eq!(
            err(&bad, b"=x"),
            format!("x: bad binary format ({what} size mismatch)")
        );
    }
    let mut bad = c.clone();
    bad[15..23].copy_from_slice(&0x5678i64.to_be_bytes());
    assert_eq!(
        err(&bad, b"=x"),
        "x: bad binary format (integer format mismatch)"
    );
    let mut bad = c.clone();
    bad[23..31].copy_from_slice(&370.5f64.to_be_bytes());
    assert_eq!(
        err(&bad, b"=x"),
        "x: bad binary format (float format mismatch)"
    );
}

#[test]
fn every_prefix_is_truncated() {
    for src in PROGRAMS {
        for strip in [false, true] {
            let c = dump(&compile(src), strip);
            for i in 1..c.len() {
                let e = undump(&c[..i], b"=t").unwrap_err();
                assert!(e.contains("truncated chunk"), "prefix {i}: {e}");
            }
        }
    }
}

/// A function of `code` with a few registers, constants and an upvalue.
fn proto_with(code: Vec<Instr>) -> FnProto {
    let mut p = FnProto::new(None);
    p.max_stack = 4;
    p.code = code;
    p.constants = vec![Constant::Int(1), Constant::Str(b"k".to_vec().into())];
    p.upvalues = vec![UpvalDesc {
        name: None,
        in_stack: true,
        index: 0,
        kind: VarKind::Regular,
    }];
    p
}

fn verify_code(code: Vec<Instr>) -> Result<(), String> {
    let p = proto_with(code);
    // Through the whole reader, so the checker runs as it does on load.
    undump(&dump(&p, false), b"=v").map(|_| ())
}

#[test]
fn the_checker_rejects_what_the_vm_cannot_run() {
    use OpCode::*;
    let ret = Instr::abc(Return0, 0, 0, 0, false);
    let ok = |code: Vec<Instr>| assert_eq!(verify_code(code), Ok(()));
    let bad = |code: Vec<Instr>, what: &str| {
        let e = verify_code(code).unwrap_err();
        assert!(e.contains(what), "{e} should mention {what}");
    };
    ok(vec![Instr::abc(Move, 0, 3, 0, false), ret]);
    bad(vec![Instr::abc(Move, 0, 4, 0, false), ret], "register");
    bad(vec![Instr::abx(LoadK, 0, 2), ret], "constant");
    bad(vec![Instr::abc(GetField, 0, 0, 0, false), ret], "constant");
    ok(vec![Instr::abc(GetField, 0, 0, 1, false), ret]);
    bad(vec![Instr::abc(GetUpval, 0, 1, 0, false), ret], "upvalue");
    bad(vec![Instr::abx(Closure, 0, 0), ret], "prototype");
    bad(vec![Instr::sj(Jmp, 5), ret], "jump");
    bad(vec![Instr::sj(Jmp, -2), ret], "jump");
    bad(
        vec![Instr::abc(Move, 0, 1, 0, false)],
        "past its last instruction",
    );
    bad(vec![Instr(127), ret], "opcode");
    bad(
        vec![Instr::abc(LoadKX, 0, 0, 0, false), ret],
        "extra argument",
    );
    bad(
        vec![Instr::abc(Eq, 0, 1, 0, false), ret, ret],
        "conditional jump",
    );
    bad(
        vec![Instr::abc(Add, 0, 1, 2, false), ret, ret],
        "metamethod fallback",
    );
    bad(vec![Instr::abc(MmBin, 0, 1, 6, false), ret], "position");
    bad(vec![Instr::abc(LoadNil, 2, 2, 0, false), ret], "register");
    bad(vec![Instr::abc(Call, 0, 0, 1, false), ret], "stack top");
    ok(vec![
        Instr::abc(Call, 1, 1, 0, false),
        Instr::abc(Call, 0, 0, 1, false),
        ret,
    ]);
    bad(
        vec![
            Instr::abc(Call, 0, 1, 0, false),
            Instr::abc(Call, 0, 0, 1, false),
            ret,
        ],
        "stack top",
    );
    // A jump into the instruction that consumes the stack top.
    bad(
        vec![
            Instr::sj(Jmp, 1),
            Instr::abc(Call, 1, 1, 0, false),
            Instr::abc(Return, 0, 0, 0, false),
        ],
        "stack top",
    );
    bad(vec![Instr::abc(Return, 0, 1, 2, false)], "vararg");
    bad(vec![Instr::abc(VarArg, 0, 2, 0, false), ret], "vararg");
    bad(vec![Instr::abx(ForLoop, 1, 0), ret], "register");
    bad(vec![Instr::abx(ForPrep, 0, 5), ret], "jump");
    bad(vec![Instr::abc(TForCall, 0, 0, 1, false), ret], "register");
    bad(
        vec![
            Instr::abc(NewTable, 0, 30, 0, false),
            Instr::ax(ExtraArg, 0),
            ret,
        ],
        "table size",
    );
    bad(
        vec![
            Instr::abc(NewTable, 0, 0, 0, true),
            Instr::ax(ExtraArg, 1 << 20),
            ret,
        ],
        "table size",
    );
    bad(
        vec![Instr::abc(Concat, 0, 1, 0, false), ret],
        "operand count",
    );
    bad(
        vec![Instr::abc(VarArgPrep, 0, 0, 0, false), ret],
        "vararg preparation",
    );
}

#[test]
fn the_checker_rejects_bad_captures_and_locals() {
    let mut p = compile("local a; return function() return a end");
    let mut sub = (*p.protos[0]).clone();
    sub.upvalues[0].index = 200;
    p.protos[0] = Rc::new(sub);
    let e = undump(&dump(&p, false), b"=v").unwrap_err();
    assert!(e.contains("upvalue of a nested function"), "{e}");

    let mut p = compile("local a, b, c = 1, 2, 3");
    for v in &mut p.loc_vars {
        v.start_pc = 0;
    }
    p.max_stack = 2;
    assert!(undump(&dump(&p, false), b"=v").is_err());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Hand-build a chain of 1000 nested functions.
    let mut p = compile("return 1");
    for _ in 0..1000 {
        let mut outer = compile("return function() end");
        outer.protos[0] = Rc::new(p);
        p = outer;
    }
    let e = undump(&dump(&p, true), b"=v").unwrap_err();
    assert!(e.contains("nested too deeply"), "{e}");
}

#[test]
fn loaded_chunks_run() {
    let mut st = State::new();
    let src = "local a, b = ...; return a * b + 1, 'x' .. a";
    let c = dump(&compile(src), true);
    let f = st.load(&c, &c, "b", None).expect("loads");
    let base = st.abs_top();
    st.push(Value::LuaFn(f));
    st.push(Value::Int(6));
    st.push(Value::Int(7));
    st.pcall_k(base, 2, 0, None, 0).expect("runs");
    assert!(matches!(st.stack_at(base), Value::Int(43)));
    match st.stack_at(base + 1) {
        Value::Str(s) => assert_eq!(s.as_bytes(), b"x6"),
        other => panic!("{other:?}"),
    }
}

/// Chunks written by PUC-Lua's `luac` load and run (same instruction set, same format).
#[test]
fn luac_chunks_load() {
    let dir = std::env::temp_dir().join(format!("luna_dump_{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let src = dir.join("t.lua");
    let out = dir.join("t.out");
    std::fs::write(
        &src,
        "local t = {...} local s = 0 for i = 1, #t do s = s + t[i] end return s * 2",
    )
    .unwrap();
    let ok = std::process::Command::new("luac5.4")
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("luac5.4 not available; skipping");
        return;
    }
    let chunk = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut st = State::new();
    let f = st
        .load(&chunk, b"=luac", "b", None)
        .expect("luac output loads");
    let base = st.abs_top();
    st.push(Value::LuaFn(f));
    for i in 1..=4 {
        st.push(Value::Int(i));
    }
    st.pcall_k(base, 1, 0, None, 0).expect("runs");
    assert!(matches!(st.stack_at(base), Value::Int(20)));
}

/// Every file of the official test suite (when present) survives dump and load, with and
/// without debug information: the checker accepts all the compiler produces.
#[test]
fn the_official_suite_round_trips() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.testes/testes");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no test suite at {}; skipping", dir.display());
        return;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("lua") {
            continue;
        }
        let mut src = std::fs::read(&path).unwrap();
        if src.first() == Some(&b'#') {
            // A first-line comment, as `loadfile` skips it.
            let end = src.iter().position(|&b| b == b'\n').unwrap_or(src.len());
            src.drain(..end);
        }
        let Ok(ast) = luna_grammar::parse_chunk(&src, b"@t.lua") else {
            continue;
        };
        let Ok(p) = crate::compiler::compile(&ast, b"@t.lua") else {
            continue;
        };
        let q =
            undump(&dump(&p, false), b"=t").unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(q, p, "{}", path.display());
        let s =
            undump(&dump(&p, true), b"=t").unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(s, stripped(&p));
        n += 1;
    }
    assert!(n > 20, "only {n} files compiled");
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Byte ranges of the code of `p` and of its nested functions in a dump `c` of it.
fn code_ranges(c: &[u8], p: &FnProto, out: &mut Vec<std::ops::Range<usize>>) {
    let words: Vec<u8> = p.code.iter().flat_map(|i| i.0.to_ne_bytes()).collect();
    if let Some(start) = c.windows(words.len()).position(|w| w == &words[..]) {
        out.push(start..start + words.len());
    }
    for q in &p.protos {
        code_ranges(c, q, out);
    }
}

/// Corrupted chunks load with an error or run to an error or a result: never a panic, a
/// crash or undefined behaviour (debug builds also check the VM's assertions).
#[test]
fn mutated_chunks_never_crash() {
    let iters: usize = std::env::var("LUNA_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1500);
    let mut rng = Rng(std::env::var("LUNA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15));
    let mut loaded = 0;
    for src in PROGRAMS {
        let p = compile(src);
        for strip in [false, true] {
            let c = dump(&p, strip);
            let mut ranges = Vec::new();
            code_ranges(&c, &p, &mut ranges);
            for _ in 0..iters {
                let mut m = c.clone();
                let edits = 1 + rng.below(3);
                for _ in 0..edits {
                    let code = ranges[rng.below(ranges.len())].clone();
                    match rng.below(6) {
                        // Anywhere in the chunk.
                        0 => {
                            let at = rng.below(m.len());
                            m[at] = rng.next() as u8;
                        }
                        1 => {
                            let at = rng.below(m.len());
                            m[at] ^= 1 << rng.below(8);
                        }
                        // An operand or opcode byte of an instruction.
                        2 | 3 => {
                            let at = code.start + rng.below(code.len());
                            m[at] = rng.next() as u8;
                        }
                        // A whole instruction replaced by another one of the same function.
                        4 => {
                            let n = code.len() / 4;
                            let (a, b) = (rng.below(n), rng.below(n));
                            let w: [u8; 4] = m[code.start + 4 * b..code.start + 4 * b + 4]
                                .try_into()
                                .unwrap();
                            m[code.start + 4 * a..code.start + 4 * a + 4].copy_from_slice(&w);
                        }
                        _ => {
                            let at = code.start + 4 * rng.below(code.len() / 4);
                            let op = rng.below(OpCode::ALL.len() + 2) as u8;
                            m[at] = (m[at] & 0x80) | (op & 0x7f);
                        }
                    }
                }
                if undump(&m, b"=fuzz").is_ok() {
                    loaded += 1;
                }
                run_chunk(&m);
            }
        }
    }
    eprintln!("{loaded} mutated chunks passed the checker and ran");
    assert!(loaded > 0);
}
