//! Targeted tests: 5.4.6-specific code, errors, limits, line information, the API.

use std::rc::Rc;

use super::*;
use crate::opcodes::{Instr, OpCode};
use crate::proto::Constant;

/// The instructions of `p` as `(opcode, a, b, c, k)` tuples (operands as luac prints them).
fn ops(p: &FnProto) -> Vec<OpCode> {
    p.code.iter().map(|i| i.opcode().unwrap()).collect()
}

fn find(p: &FnProto, op: OpCode) -> Vec<(usize, Instr)> {
    p.code
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, i)| i.opcode() == Some(op))
        .collect()
}

/// The line of the first instruction with opcode `op`.
fn line_of(p: &FnProto, op: OpCode) -> u32 {
    let (pc, _) = find(p, op)[0];
    p.line_info[pc]
}

#[test]
fn compiler_smoke() {
    let p = compile("local x = 1 return x");
    check_limits(&p);
    assert_eq!(
        ops(&p),
        [
            OpCode::VarArgPrep,
            OpCode::LoadI,
            OpCode::Return,
            OpCode::Return
        ]
    );
}

#[test]
fn compiler_api_entry_point_and_shared_source() {
    let chunk = parse("local function f() return function() end end return f");
    let p = crate::compiler::compile(&chunk, b"=stdin").unwrap();
    let src = p.source.clone().unwrap();
    assert_eq!(&*src, b"=stdin");
    let f = &p.protos[0];
    let g = &f.protos[0];
    assert!(Rc::ptr_eq(&src, f.source.as_ref().unwrap()));
    assert!(Rc::ptr_eq(&src, g.source.as_ref().unwrap()));
    assert_eq!((f.line_defined, f.last_line_defined), (1, 1));
    assert!(p.is_vararg && !f.is_vararg);
    assert_eq!(p.upvalues.len(), 1);
    assert_eq!(p.upvalues[0].name.as_deref(), Some("_ENV"));
    assert!(p.upvalues[0].in_stack && p.upvalues[0].index == 0);
}

// ------------------------------------------------------------------ 5.4.6 specifics

#[test]
fn compiler_546_break_closes_from_loop_level() {
    // A `break` out of a loop whose body has a to-be-closed variable closes from the level
    // outside the loop (5.4.4 closed from above the loop's control variables).
    let src =
        "local a = ...\nfor i = 1, 3 do\n  local x <close> = a\n  if i == 2 then break end\nend";
    let p = compile(src);
    let closes: Vec<u32> = find(&p, OpCode::Close).iter().map(|(_, i)| i.a()).collect();
    assert_eq!(closes, [5, 1]);
    let p4 = compile_with(src, Compat::Lua544).unwrap();
    let closes: Vec<u32> = find(&p4, OpCode::Close)
        .iter()
        .map(|(_, i)| i.a())
        .collect();
    assert_eq!(closes, [5, 4]);
}

#[test]
fn compiler_546_block_locals_end_before_close() {
    // The scope of a block's variables ends before the CLOSE that leaves the block.
    let p = compile("do local c = 0; f = function() return c end end");
    let (close_pc, _) = find(&p, OpCode::Close)[0];
    let c = p.loc_vars.iter().find(|v| &*v.name == "c").unwrap();
    assert_eq!(c.end_pc as usize, close_pc);
    let p4 = compile_with(
        "do local c = 0; f = function() return c end end",
        Compat::Lua544,
    )
    .unwrap();
    let c4 = p4.loc_vars.iter().find(|v| &*v.name == "c").unwrap();
    assert_eq!(c4.end_pc as usize, close_pc + 1);
}

#[test]
fn compiler_546_const_env() {
    // A compile-time constant `_ENV`: globals index its value, loaded into a register.
    let p = compile("local _ENV <const> = nil\nx = 1\nreturn y");
    assert_eq!(
        ops(&p),
        [
            OpCode::VarArgPrep,
            OpCode::LoadNil,
            OpCode::SetField,
            OpCode::LoadNil,
            OpCode::GetField,
            OpCode::Return,
            OpCode::Return
        ]
    );
    check_limits(&p);
}

// ------------------------------------------------------------------ errors

#[test]
fn compiler_error_messages() {
    let cases: &[(&str, &str)] = &[
        ("\n\nbreak\n\n", "t.lua:5: break outside loop at line 3"),
        (
            "local function f()\n\n  goto q\nend\n",
            "t.lua:4: no visible label 'q' for <goto> at line 3",
        ),
        (
            "goto x; local a; ::x:: print(a)\n",
            "t.lua:1: <goto x> at line 1 jumps into the scope of local 'a'",
        ),
        (
            "::a::\n::a::",
            "t.lua:2: label 'a' already defined on line 2",
        ),
        (
            "::l1::\ndo ::l1:: end",
            "t.lua:2: label 'l1' already defined on line 1",
        ),
        (
            "local function f()\n ::a:: \n ::a::\nend",
            "t.lua:4: label 'a' already defined on line 3",
        ),
        (
            "local x <const> = 1\n\nx = 2",
            "t.lua:3: attempt to assign to const variable 'x'",
        ),
        (
            "local x <const> = 1\nlocal function f() x = 2 end",
            "t.lua:2: attempt to assign to const variable 'x'",
        ),
        (
            "local x <close> = nil\nx = 1",
            "t.lua:2: attempt to assign to const variable 'x'",
        ),
        (
            "local x <const> = {}\nx.y = 1 x = 1",
            "t.lua:2: attempt to assign to const variable 'x'",
        ),
        (
            "local x <const> = 1\nfunction x() end",
            "t.lua:2: attempt to assign to const variable 'x'",
        ),
        (
            "local x <const> = 1\nlocal y\nx, y = 1, 2",
            "t.lua:3: attempt to assign to const variable 'x'",
        ),
        (
            "local y\nlocal x <const> = f()\ny, x = 1, 2",
            "t.lua:3: attempt to assign to const variable 'x'",
        ),
        (
            "local a <const> = 1\nlocal function f() return function() a = 1 end end",
            "t.lua:2: attempt to assign to const variable 'a'",
        ),
        (
            "repeat\n goto l1\n local a\n ::l1::\nuntil a",
            "t.lua:5: <goto l1> at line 2 jumps into the scope of local 'a'",
        ),
        (
            "goto l1\nlocal a\n::l1::\n::l2::\nreturn",
            "t.lua:5: <goto l1> at line 1 jumps into the scope of local 'a'",
        ),
        (
            "do\n goto l1\n local a\n ::l1::\n a = 1\nend",
            "t.lua:5: <goto l1> at line 2 jumps into the scope of local 'a'",
        ),
        (
            "while x do end break",
            "t.lua:1: break outside loop at line 1",
        ),
    ];
    for (src, msg) in cases {
        assert_eq!(&compile_err(src), msg, "source:\n{src}");
    }
}

#[test]
fn compiler_rejects_vararg_outside_vararg_function() {
    // The parser rejects this first; the compiler does not trust it to.
    use luna_grammar::ast::*;
    let body = Block {
        stats: Vec::new(),
        ret: Some(Return {
            exprs: vec![Expr::new(ExprKind::Vararg, 1)],
            line: 1,
        }),
        end_line: 1,
    };
    let f = FuncBody {
        params: Vec::new(),
        is_vararg: false,
        is_method: false,
        body,
        line: 1,
        end_line: 1,
    };
    let chunk = Chunk {
        block: Block {
            stats: vec![Stat {
                kind: StatKind::Call(Expr::new(
                    ExprKind::Call(
                        Box::new(Expr::new(ExprKind::Function(Box::new(f)), 1)),
                        Vec::new(),
                    ),
                    1,
                )),
                line: 1,
            }],
            ret: None,
            end_line: 1,
        },
    };
    let e = crate::compiler::compile(&chunk, b"=t").unwrap_err();
    assert_eq!(
        e.message,
        "t:1: cannot use '...' outside a vararg function near '...'"
    );
}

#[test]
fn compiler_valid_gotos() {
    // Jumps to a label at the end of a block skip local declarations legally.
    for src in [
        "do\n goto l1\n local a\n ::l1::\nend",
        "for i=1,2 do\n if i then goto cont end\n local a\n ::cont::\nend",
        "goto l1\nlocal a\n::l1::\n::l2::\n",
        "do goto x end\n::x::",
        "while true do goto e end ::e::",
        "::top:: do goto top end",
        "local x <const> = 1 goto f ::f::",
    ] {
        check_limits(&compile(src));
    }
}

#[test]
fn compiler_chunk_names_in_messages() {
    let long_name = format!("@{}", "d/".repeat(40) + "file.lua");
    let cases: Vec<(Vec<u8>, String)> = vec![
        (b"=stdin".to_vec(), "stdin:1:".into()),
        (b"@f.lua".to_vec(), "f.lua:1:".into()),
        (b"break".to_vec(), "[string \"break\"]:1:".into()),
        (b"x = 1\nbreak".to_vec(), "[string \"x = 1...\"]:1:".into()),
        (
            long_name.clone().into_bytes(),
            format!("...{}:1:", &long_name[long_name.len() - 56..]),
        ),
        (
            vec![b'x'; 100],
            format!("[string \"{}...\"]:1:", "x".repeat(45)),
        ),
    ];
    let chunk = parse("break");
    for (name, prefix) in cases {
        let e = crate::compiler::compile(&chunk, &name).unwrap_err();
        assert!(e.message.starts_with(&prefix), "{} vs {prefix}", e.message);
        assert_eq!(e.line, 1);
        assert_eq!(e.to_string(), e.message);
    }
}

// ------------------------------------------------------------------ limits

#[test]
fn compiler_local_variable_limit() {
    let names = |n: usize| {
        (0..n)
            .map(|i| format!("a{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    check_limits(&compile(&format!("local {}", names(200))));
    // One statement with more names than a function may hold is a syntax error, reported
    // by the parser while it reads the names (as PUC-Lua does).
    let syntax_err = |src: &str| match luna_grammar::parse_chunk(src.as_bytes(), CHUNKNAME) {
        Ok(_) => panic!("expected a syntax error"),
        Err(e) => e.message,
    };
    let e = syntax_err(&format!("local {}", names(201)));
    assert!(
        e.starts_with("t.lua:1: too many local variables (limit is 200) in main function near"),
        "{e}"
    );
    let e = syntax_err(&format!("\nlocal function f()\n local {}\nend", names(201)));
    assert!(
        e.contains("too many local variables (limit is 200) in function at line 2"),
        "{e}"
    );
    // Many statements together exceed the limit only in the compiler.
    let many = (0..201).map(|i| format!("local a{i}\n")).collect::<String>();
    let e = compile_err(&many);
    assert!(e.contains("too many local variables (limit is 200) in main function"), "{e}");
    // Locals of an enclosing function do not count.
    let src = format!(
        "local {}\nlocal function f() local {} end",
        names(150),
        names(150)
    );
    check_limits(&compile(&src));
}

#[test]
fn compiler_debug_variable_limit() {
    // Lua keeps at most 32767 variable entries per function (scopes in sequence).
    check_limits(&compile(&"do local x end\n".repeat(32767)));
    let e = compile_err(&"do local x end\n".repeat(32768));
    assert!(
        e.ends_with("too many local variables (limit is 32767)"),
        "{e}"
    );
}

#[test]
fn compiler_upvalue_limit() {
    // From the official suite: 254 upvalues + _ENV... fooC needs more than 255.
    let lim = 127;
    let mut s = String::from("local function fooA ()\n  local ");
    for j in 1..=lim {
        s += &format!("a{j}, ");
    }
    s += "b,c\nlocal function fooB ()\n  local ";
    for j in 1..=lim {
        s += &format!("b{j}, ");
    }
    s += "b\nfunction fooC () return b+c";
    for j in 1..=lim {
        s += &format!("+a{j}+b{j}");
    }
    s += "\nend  end end";
    let e = compile_err(&s);
    assert!(
        e.contains("too many upvalues (limit is 255) in function at line 5"),
        "{e}"
    );
    // 255 upvalues are fine.
    let mut s = String::from("local ");
    s += &(0..199)
        .map(|i| format!("a{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    s += "\nlocal function f()\nlocal ";
    s += &(0..56)
        .map(|i| format!("b{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    s += "\nreturn function() return ";
    s += &(0..199)
        .map(|i| format!("a{i}"))
        .chain((0..56).map(|i| format!("b{i}")))
        .collect::<Vec<_>>()
        .join(" + ");
    s += " end end";
    let p = compile(&s);
    assert_eq!(p.protos[0].protos[0].upvalues.len(), 255);
    check_limits(&p);
}

#[test]
fn compiler_register_limit() {
    let e = compile_err(&format!("local x = f({})", vec!["x"; 300].join(",")));
    assert_eq!(
        e,
        "t.lua:1: function or expression needs too many registers"
    );
    // Just below the limit.
    let p = compile(&format!("local x = f({})", vec!["x"; 250].join(",")));
    assert!(p.max_stack as u32 <= 254);
    check_limits(&p);
    // Table constructors flush every 50 items, so long ones need few registers.
    let p = compile(&format!("local t = {{{}}}", vec!["{}"; 300].join(",")));
    assert!(p.max_stack <= 53);
    check_limits(&p);
}

#[test]
fn compiler_loadkx_beyond_bx() {
    // More constants than Bx reaches: LOADKX with EXTRAARG.
    let n = crate::opcodes::MAX_BX as usize + 10;
    let mut src = String::with_capacity(n * 12);
    src.push_str("local t = {");
    for i in 0..n {
        src.push_str(&format!("{}.5,", i));
    }
    src.push('}');
    let p = compile(&src);
    check_limits(&p);
    assert_eq!(p.constants.len(), n);
    let kx = find(&p, OpCode::LoadKX);
    assert_eq!(kx.len(), n - (crate::opcodes::MAX_BX as usize + 1));
    let (pc, _) = kx[0];
    assert_eq!(p.code[pc + 1].opcode(), Some(OpCode::ExtraArg));
    assert_eq!(p.code[pc + 1].ax_arg(), crate::opcodes::MAX_BX + 1);
    assert_eq!(
        p.constants[p.code[pc + 1].ax_arg() as usize],
        Constant::Float(131072.5)
    );
}

#[test]
fn compiler_deep_left_spines() {
    // Left-associative chains of any length compile without deep recursion.
    let n = 100_000;
    let src = format!("local a = ... return a{}", " + a".repeat(n));
    let chunk = parse(&src);
    let p = Compiler::new(CHUNKNAME, Compat::Lua546)
        .main_func(&chunk)
        .unwrap();
    assert_eq!(find(&p, OpCode::Add).len(), n);
    let src = format!("local a = ... return a{}", ".b".repeat(n));
    let chunk = parse(&src);
    let p = Compiler::new(CHUNKNAME, Compat::Lua546)
        .main_func(&chunk)
        .unwrap();
    assert_eq!(find(&p, OpCode::GetField).len(), n);
}

// ------------------------------------------------------------------ lines

#[test]
fn compiler_error_lines_as_lua() {
    // From the official suite's errors.lua: the instruction that raises is on these lines.
    let p = compile("a = \na\n+\n{}");
    assert_eq!(line_of(&p, OpCode::Add), 3);
    let p = compile("a = \n3\n+\n(\n4\n/\nprint)");
    assert_eq!(line_of(&p, OpCode::Div), 6);
    let p = compile("a = \nprint\n+\n(\n4\n/\n7)");
    assert_eq!(line_of(&p, OpCode::AddK), 3);
    let p = compile("a\n=\n-\n\nprint\n;");
    assert_eq!(line_of(&p, OpCode::Unm), 3);
    let p = compile("a\n(\n23)\n");
    assert_eq!(line_of(&p, OpCode::Call), 1);
    let p = compile("local a = {x = 13}\na\n.\nx\n(\n23\n)");
    assert_eq!(line_of(&p, OpCode::Call), 2);
    let p = compile("local a = {x = 13}\na\n.\nx\n(\n23 + a\n)");
    assert_eq!(line_of(&p, OpCode::AddI), 6);
    let p = compile("local a\n for i=1,'a' do \n print(i) \n end");
    assert_eq!(line_of(&p, OpCode::ForPrep), 2);
    let p = compile("\n local a \n for k,v in 3 \n do \n print(k) \n end");
    assert_eq!(line_of(&p, OpCode::TForCall), 3);
    let p = compile("\n\n for k,v in \n 3 \n do \n print(k) \n end");
    assert_eq!(line_of(&p, OpCode::TForCall), 4);
    let p = compile("function a.x.y ()\na=a+1\nend");
    assert_eq!(line_of(&p, OpCode::SetField), 1);
    let p = compile("  local a = 0\n  local b = 1\n  local c = b % a\n");
    assert_eq!(line_of(&p, OpCode::Mod), 3);
    let p = compile(&format!("{} return __A.x", "\n".repeat(300)));
    assert_eq!(line_of(&p, OpCode::GetField), 301);
}

#[test]
fn compiler_line_info_and_debug_info() {
    let p = compile("local function f(a, b)\n  local c = a + b\n  return c\nend\nreturn f");
    let f = &p.protos[0];
    assert_eq!(
        (f.line_defined, f.last_line_defined, f.num_params),
        (1, 4, 2)
    );
    assert_eq!(f.line_info, [2, 2, 3, 4]);
    let names: Vec<(&str, u32, u32)> = f
        .loc_vars
        .iter()
        .map(|v| (&*v.name, v.start_pc, v.end_pc))
        .collect();
    assert_eq!(names, [("a", 0, 4), ("b", 0, 4), ("c", 2, 4)]);
    // A local function's variable is visible only after its closure is made.
    assert_eq!((&*p.loc_vars[0].name, p.loc_vars[0].start_pc), ("f", 2));
    // The internal state of loops is named "(for state)".
    let p = compile("for i = 1, 2 do end for k, v in next, {} do end");
    let names: Vec<&str> = p.loc_vars.iter().map(|v| &*v.name).collect();
    assert_eq!(
        names,
        [
            "(for state)",
            "(for state)",
            "(for state)",
            "i",
            "(for state)",
            "(for state)",
            "(for state)",
            "(for state)",
            "k",
            "v"
        ]
    );
}

// ------------------------------------------------------------------ code shapes

#[test]
fn compiler_returns_and_tail_calls() {
    let p = compile("local function f(...) return g(...) end");
    let f = &p.protos[0];
    assert_eq!(
        ops(f),
        [
            OpCode::VarArgPrep,
            OpCode::GetTabUp,
            OpCode::VarArg,
            OpCode::TailCall,
            OpCode::Return,
            OpCode::Return
        ]
    );
    assert_eq!(f.code[3].c(), 1); // vararg: C = nparams + 1
                                  // No tail call in the scope of a to-be-closed variable.
    let p = compile("local function f(x) local y <close> = x return g() end");
    let f = &p.protos[0];
    assert!(find(f, OpCode::TailCall).is_empty());
    assert!(find(f, OpCode::Return).iter().all(|(_, i)| i.k()));
    // Plain functions end with RETURN0/RETURN1.
    let p = compile("local function f(x) return x end local function g() end");
    assert_eq!(ops(&p.protos[0]), [OpCode::Return1, OpCode::Return0]);
    assert_eq!(ops(&p.protos[1]), [OpCode::Return0]);
}

#[test]
fn compiler_folding_never_makes_nan_or_zero() {
    let p = compile("return 0/0, 1-1.0, -0.0, 0.0*-1, 1//0, 1%0, 1e308*10");
    // 0/0 (NaN), 1-1.0 (0.0), -0.0 and 0.0*-1 (zeros) and the divisions by zero stay
    // operations; 1e308*10 (inf) folds.
    for c in &p.constants {
        if let Constant::Float(f) = c {
            assert!(!f.is_nan() && (*f != 0.0 || f.is_sign_positive()));
        }
    }
    assert!(p.constants.contains(&Constant::Float(f64::INFINITY)));
    assert_eq!(
        find(&p, OpCode::Div).len() + find(&p, OpCode::DivK).len(),
        1
    );
}

// ------------------------------------------------------------------ disassembler

#[test]
fn disasm_listing_format() {
    let p = compile("local t = {} t.x = 'a\\n' return t.x .. #t");
    let s = crate::disasm::disassemble(&p);
    let expected = "
main <t.lua:0,0> (9 instructions)
0+ params, 3 slots, 1 upvalue, 1 local, 2 constants, 0 functions
\t1\t[1]\tVARARGPREP\t0
\t2\t[1]\tNEWTABLE \t0 0 0\t; 0
\t3\t[1]\tEXTRAARG \t0
\t4\t[1]\tSETFIELD \t0 0 1k\t; \"x\" \"a\\n\"
\t5\t[1]\tGETFIELD \t1 0 0\t; \"x\"
\t6\t[1]\tLEN      \t2 0
\t7\t[1]\tCONCAT   \t1 2
\t8\t[1]\tRETURN   \t1 2 1\t; 1 out
\t9\t[1]\tRETURN   \t1 1 1\t; 0 out
constants (2):
\t0\tS\t\"x\"
\t1\tS\t\"a\\n\"
locals (1):
\t0\tt\t4\t10
upvalues (1):
\t0\t_ENV\t1\t0
";
    assert_eq!(s, expected);
}

#[test]
fn disasm_survives_corrupt_prototypes() {
    let mut p = FnProto::new(None);
    p.code = vec![
        Instr(0x7f),                                  // no such opcode
        Instr::abx(OpCode::LoadK, 0, 99),             // constant out of range
        Instr::abc(OpCode::GetUpval, 0, 9, 0, false), // upvalue out of range
        Instr::abx(OpCode::Closure, 0, 5),            // prototype out of range
        Instr::abc(OpCode::LoadKX, 0, 0, 0, false),   // no EXTRAARG
        Instr::abc(OpCode::MmBin, 0, 0, 250, false),  // no such event
        Instr::abc(OpCode::NewTable, 0, 0, 0, true),  // no EXTRAARG
    ];
    let s = crate::disasm::disassemble(&p);
    assert!(s.contains("main <?:0,0> (7 instructions)"));
    assert!(s.contains("[-]"));
}

/// Rough timing of parsing and compiling the official test suite (run with `--release
/// --ignored --nocapture`); compare with `time luac5.4 -p` over the same files.
#[test]
#[ignore]
fn compiler_speed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.testes/testes");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut srcs = Vec::new();
    for e in entries {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "lua") {
            let mut s = std::fs::read(&p).unwrap();
            if s.first() == Some(&b'#') {
                let end = s.iter().position(|&c| c == b'\n').unwrap_or(s.len());
                s.drain(..end);
            }
            srcs.push(s);
        }
    }
    let bytes: usize = srcs.iter().map(|s| s.len()).sum();
    let rounds = 20;
    let (mut tparse, mut tcomp) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for _ in 0..rounds {
        for s in &srcs {
            let t0 = std::time::Instant::now();
            let chunk = luna_grammar::parse_chunk(s, b"@t.lua").unwrap();
            let t1 = std::time::Instant::now();
            let p = crate::compiler::compile(&chunk, b"@t.lua").unwrap();
            let t2 = std::time::Instant::now();
            std::hint::black_box(p);
            tparse += t1 - t0;
            tcomp += t2 - t1;
        }
    }
    eprintln!(
        "{} files, {} KB x {rounds}: parse {:?}/round, compile {:?}/round",
        srcs.len(),
        bytes / 1024,
        tparse / rounds,
        tcomp / rounds
    );
}

#[test]
fn compiler_deepest_nestings_fit_a_small_stack() {
    // For each kind of nesting, the deepest the parser accepts compiles on a small stack
    // (debug builds use several times the stack of release ones).
    type Maker = fn(usize) -> String;
    let makers: &[(&str, Maker)] = &[
        ("parens", |n| {
            format!("return {}1{}", "(".repeat(n), ")".repeat(n))
        }),
        ("tables", |n| {
            format!("return {}{}", "{".repeat(n), "}".repeat(n))
        }),
        ("calls", |n| {
            format!("return {}1{}", "f(".repeat(n), ")".repeat(n))
        }),
        ("unary", |n| format!("return {}x", "- ".repeat(n))),
        ("concat", |n| format!("return x{}", " .. x".repeat(n))),
        ("pow", |n| format!("return x{}", " ^ x".repeat(n))),
        ("functions", |n| {
            format!(
                "return {}1{}",
                "function() return ".repeat(n),
                " end".repeat(n)
            )
        }),
        ("blocks", |n| {
            format!("{}x = 1{}", "do ".repeat(n), " end".repeat(n))
        }),
        ("ifs", |n| {
            format!("{}x = 1{}", "if x then ".repeat(n), " end".repeat(n))
        }),
        ("whiles", |n| {
            format!("{}break{}", "while x do ".repeat(n), " end".repeat(n))
        }),
        ("fields", |n| {
            format!("return {}1{}", "{a = ".repeat(n), "}".repeat(n))
        }),
        ("index", |n| {
            format!("return {}1{}", "t[".repeat(n), "]".repeat(n))
        }),
        ("andor", |n| {
            format!("return {}x{}", "(x and ".repeat(n), " or y)".repeat(n))
        }),
    ];
    for (what, make) in makers {
        let mut n = 260;
        let chunk = loop {
            if let Ok(c) = luna_grammar::parse_chunk(make(n).as_bytes(), CHUNKNAME) {
                break c;
            }
            n -= 1;
            assert!(n > 50, "{what}: parser rejects even {n} levels");
        };
        let what = what.to_string();
        std::thread::Builder::new()
            .stack_size(if cfg!(debug_assertions) {
                3 << 20
            } else {
                1 << 20
            })
            .spawn(move || {
                let r = Compiler::new(CHUNKNAME, Compat::Lua546).main_func(&chunk);
                match r {
                    Ok(p) => check_limits(&p),
                    Err(e) => assert!(e.message.contains("registers"), "{what}: {}", e.message),
                }
            })
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("compiling the deepest {n} nesting overflowed"));
    }
}
