//! The disassembler: a readable listing of a `FnProto`, in the format of `luac -l -l`.
//!
//! For each function (the main one first, then its nested functions depth first): a header
//! with its source and lines, its counts of parameters, registers, upvalues, locals, constants
//! and functions; one line per instruction with its index (from 1), its source line, mnemonic
//! and operands, and a comment resolving constants, upvalue names, jump targets and result
//! counts; then its constants, locals (with their pc ranges) and upvalues.
//!
//! The listing differs from luac's only where luac prints memory addresses: function headers
//! and section titles name no address, and `CLOSURE` names the nested function by its
//! position and lines. The disassembler never panics, even on a prototype that breaks the
//! invariants of `proto.rs` (a corrupt binary chunk): what it cannot resolve it prints as `?`.

use std::fmt::Write as _;

use crate::numfmt::lua_number_to_str;
use crate::opcodes::{Instr, OpCode, TagMethod, MAX_C};
use crate::proto::{Constant, FnProto};

/// The listing of `p` and, after it, of every function nested in it.
pub fn disassemble(p: &FnProto) -> String {
    let mut out = String::new();
    function(&mut out, p, true);
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The name of the chunk as luac shows it.
fn source_name(p: &FnProto) -> String {
    match p.source.as_deref() {
        None => "?".to_string(),
        Some([b'@' | b'=', rest @ ..]) => String::from_utf8_lossy(rest).into_owned(),
        Some([0x1b, ..]) => "(bstring)".to_string(),
        Some(_) => "(string)".to_string(),
    }
}

fn function(out: &mut String, p: &FnProto, is_main: bool) {
    header(out, p, is_main);
    code(out, p);
    constants(out, p);
    locals(out, p);
    upvalues(out, p);
    for sub in &p.protos {
        function(out, sub, false);
    }
}

fn header(out: &mut String, p: &FnProto, is_main: bool) {
    let n = p.code.len();
    let _ = writeln!(
        out,
        "\n{} <{}:{},{}> ({} instruction{})",
        if is_main && p.line_defined == 0 {
            "main"
        } else {
            "function"
        },
        source_name(p),
        p.line_defined,
        p.last_line_defined,
        n,
        plural(n)
    );
    let np = p.num_params as usize;
    let _ = write!(
        out,
        "{}{} param{}, {} slot{}, {} upvalue{}, ",
        np,
        if p.is_vararg { "+" } else { "" },
        plural(np),
        p.max_stack,
        plural(p.max_stack as usize),
        p.upvalues.len(),
        plural(p.upvalues.len())
    );
    let _ = writeln!(
        out,
        "{} local{}, {} constant{}, {} function{}",
        p.loc_vars.len(),
        plural(p.loc_vars.len()),
        p.constants.len(),
        plural(p.constants.len()),
        p.protos.len(),
        plural(p.protos.len())
    );
}

/// Writes a string constant quoted, with C escapes for special and unprintable bytes.
fn quoted(out: &mut String, s: &[u8]) {
    out.push('"');
    for &c in s {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0b => out.push_str("\\v"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\{c:03}");
            }
        }
    }
    out.push('"');
}

fn constant(out: &mut String, p: &FnProto, i: u32) {
    match p.constants.get(i as usize) {
        None => out.push('?'),
        Some(Constant::Nil) => out.push_str("nil"),
        Some(Constant::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Constant::Int(n)) => {
            let _ = write!(out, "{n}");
        }
        Some(Constant::Float(f)) => {
            let mut buf = Vec::new();
            lua_number_to_str(*f, &mut buf);
            out.push_str(&String::from_utf8_lossy(&buf));
        }
        Some(Constant::Str(s)) => quoted(out, s),
    }
}

fn upvalue_name(p: &FnProto, i: u32) -> &str {
    match p.upvalues.get(i as usize) {
        Some(u) => u.name.as_deref().unwrap_or("-"),
        None => "?",
    }
}

fn event_name(c: u32) -> &'static str {
    TagMethod::from_u8(c as u8)
        .filter(|_| c < 256)
        .map_or("?", |t| t.name())
}

/// The Ax of the instruction after `pc` (an `EXTRAARG`), or 0.
fn extra_arg(p: &FnProto, pc: usize) -> u32 {
    match p.code.get(pc + 1) {
        Some(i) if i.opcode() == Some(OpCode::ExtraArg) => i.ax_arg(),
        _ => 0,
    }
}

fn code(out: &mut String, p: &FnProto) {
    for (pc, &i) in p.code.iter().enumerate() {
        let _ = write!(out, "\t{}\t", pc + 1);
        match p.line_at(pc) {
            Some(l) if l > 0 => {
                let _ = write!(out, "[{l}]\t");
            }
            _ => out.push_str("[-]\t"),
        }
        instruction(out, p, pc, i);
        out.push('\n');
    }
}

/// Operands and comment of one instruction.
fn instruction(out: &mut String, p: &FnProto, pc: usize, i: Instr) {
    let Some(op) = i.opcode() else {
        let _ = write!(out, "{:<9}\t{:#010x}", "?", i.0);
        return;
    };
    let _ = write!(out, "{:<9}\t", op.name());
    let (a, b, c, k) = (i.a(), i.b(), i.c(), i.k());
    let (sb, sc, bx, sbx) = (i.sb(), i.sc(), i.bx(), i.sbx());
    let isk = if k { "k" } else { "" };
    let pc = pc as i64;
    const COMMENT: &str = "\t; ";
    use OpCode::*;
    match op {
        Move | Unm | BNot | Not | Len | Concat => {
            let _ = write!(out, "{a} {b}");
        }
        LoadI | LoadF => {
            let _ = write!(out, "{a} {sbx}");
        }
        LoadK => {
            let _ = write!(out, "{a} {bx}{COMMENT}");
            constant(out, p, bx);
        }
        LoadKX => {
            let _ = write!(out, "{a}{COMMENT}");
            constant(out, p, extra_arg(p, pc as usize));
        }
        LoadFalse | LFalseSkip | LoadTrue | Close | Tbc | Return1 | VarArgPrep => {
            let _ = write!(out, "{a}");
        }
        LoadNil => {
            let _ = write!(out, "{a} {b}{COMMENT}{} out", b + 1);
        }
        GetUpval | SetUpval => {
            let _ = write!(out, "{a} {b}{COMMENT}{}", upvalue_name(p, b));
        }
        GetTabUp => {
            let _ = write!(out, "{a} {b} {c}{COMMENT}{} ", upvalue_name(p, b));
            constant(out, p, c);
        }
        GetTable | GetI => {
            let _ = write!(out, "{a} {b} {c}");
        }
        GetField => {
            let _ = write!(out, "{a} {b} {c}{COMMENT}");
            constant(out, p, c);
        }
        SetTabUp => {
            let _ = write!(out, "{a} {b} {c}{isk}{COMMENT}{} ", upvalue_name(p, a));
            constant(out, p, b);
            if k {
                out.push(' ');
                constant(out, p, c);
            }
        }
        SetTable | SetI | SelfOp => {
            let _ = write!(out, "{a} {b} {c}{isk}");
            if k {
                out.push_str(COMMENT);
                constant(out, p, c);
            }
        }
        SetField => {
            let _ = write!(out, "{a} {b} {c}{isk}{COMMENT}");
            constant(out, p, b);
            if k {
                out.push(' ');
                constant(out, p, c);
            }
        }
        NewTable => {
            let extra = if k {
                extra_arg(p, pc as usize) * (MAX_C + 1)
            } else {
                0
            };
            let _ = write!(out, "{a} {b} {c}{COMMENT}{}", c as u64 + extra as u64);
        }
        AddI | ShrI | ShlI => {
            let _ = write!(out, "{a} {b} {sc}");
        }
        AddK | SubK | MulK | ModK | PowK | DivK | IDivK | BAndK | BOrK | BXorK => {
            let _ = write!(out, "{a} {b} {c}{COMMENT}");
            constant(out, p, c);
        }
        Add | Sub | Mul | Mod | Pow | Div | IDiv | BAnd | BOr | BXor | Shl | Shr => {
            let _ = write!(out, "{a} {b} {c}");
        }
        MmBin => {
            let _ = write!(out, "{a} {b} {c}{COMMENT}{}", event_name(c));
        }
        MmBinI => {
            let _ = write!(out, "{a} {sb} {c} {}{COMMENT}{}", k as u8, event_name(c));
            if k {
                out.push_str(" flip");
            }
        }
        MmBinK => {
            let _ = write!(out, "{a} {b} {c} {}{COMMENT}{} ", k as u8, event_name(c));
            constant(out, p, b);
            if k {
                out.push_str(" flip");
            }
        }
        Jmp => {
            let sj = i.sj_arg() as i64;
            let _ = write!(out, "{sj}{COMMENT}to {}", sj + pc + 2);
        }
        Eq | Lt | Le => {
            let _ = write!(out, "{a} {b} {}", k as u8);
        }
        EqK => {
            let _ = write!(out, "{a} {b} {}{COMMENT}", k as u8);
            constant(out, p, b);
        }
        EqI | LtI | LeI | GtI | GeI => {
            let _ = write!(out, "{a} {sb} {}", k as u8);
        }
        Test => {
            let _ = write!(out, "{a} {}", k as u8);
        }
        TestSet => {
            let _ = write!(out, "{a} {b} {}", k as u8);
        }
        Call => {
            let _ = write!(out, "{a} {b} {c}{COMMENT}");
            if b == 0 {
                out.push_str("all in ");
            } else {
                let _ = write!(out, "{} in ", b as i64 - 1);
            }
            if c == 0 {
                out.push_str("all out");
            } else {
                let _ = write!(out, "{} out", c as i64 - 1);
            }
        }
        TailCall => {
            let _ = write!(out, "{a} {b} {c}{isk}{COMMENT}{} in", b as i64 - 1);
        }
        Return => {
            let _ = write!(out, "{a} {b} {c}{isk}{COMMENT}");
            if b == 0 {
                out.push_str("all out");
            } else {
                let _ = write!(out, "{} out", b as i64 - 1);
            }
        }
        Return0 => {}
        ForLoop | TForLoop => {
            let _ = write!(out, "{a} {bx}{COMMENT}to {}", pc - bx as i64 + 2);
        }
        ForPrep => {
            let _ = write!(out, "{a} {bx}{COMMENT}exit to {}", pc + bx as i64 + 3);
        }
        TForPrep => {
            let _ = write!(out, "{a} {bx}{COMMENT}to {}", pc + bx as i64 + 2);
        }
        TForCall => {
            let _ = write!(out, "{a} {c}");
        }
        SetList => {
            let _ = write!(out, "{a} {b} {c}");
            if k {
                let extra = extra_arg(p, pc as usize) as u64 * (MAX_C as u64 + 1);
                let _ = write!(out, "{COMMENT}{}", c as u64 + extra);
            }
        }
        Closure => {
            let _ = write!(out, "{a} {bx}{COMMENT}");
            match p.protos.get(bx as usize) {
                Some(f) => {
                    let _ = write!(out, "function <{},{}>", f.line_defined, f.last_line_defined);
                }
                None => out.push('?'),
            }
        }
        VarArg => {
            let _ = write!(out, "{a} {c}{COMMENT}");
            if c == 0 {
                out.push_str("all out");
            } else {
                let _ = write!(out, "{} out", c as i64 - 1);
            }
        }
        ExtraArg => {
            let _ = write!(out, "{}", i.ax_arg());
        }
    }
}

fn constants(out: &mut String, p: &FnProto) {
    let _ = writeln!(out, "constants ({}):", p.constants.len());
    for (i, c) in p.constants.iter().enumerate() {
        let tag = match c {
            Constant::Nil => "N",
            Constant::Bool(_) => "B",
            Constant::Float(_) => "F",
            Constant::Int(_) => "I",
            Constant::Str(_) => "S",
        };
        let _ = write!(out, "\t{i}\t{tag}\t");
        constant(out, p, i as u32);
        out.push('\n');
    }
}

fn locals(out: &mut String, p: &FnProto) {
    let _ = writeln!(out, "locals ({}):", p.loc_vars.len());
    for (i, v) in p.loc_vars.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{}\t{}\t{}\t{}",
            i,
            v.name,
            v.start_pc as u64 + 1,
            v.end_pc as u64 + 1
        );
    }
}

fn upvalues(out: &mut String, p: &FnProto) {
    let _ = writeln!(out, "upvalues ({}):", p.upvalues.len());
    for (i, u) in p.upvalues.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{}\t{}\t{}\t{}",
            i,
            u.name.as_deref().unwrap_or("-"),
            u.in_stack as u8,
            u.index
        );
    }
}
