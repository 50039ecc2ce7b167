//! The syntax tree: operator precedence, every statement form, the call/statement ambiguity,
//! and the line each node carries.

mod common;

use common::render;
use luna_grammar::ast::*;
use luna_grammar::parse_chunk;

fn parse(src: &[u8]) -> Chunk {
    parse_chunk(src, b"=test").unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(src)))
}

fn check_file(name: &str, prefix: &str) {
    let mut failures = Vec::new();
    let cases = common::read_pairs(name);
    for (line, src, expected) in &cases {
        let mut full = prefix.as_bytes().to_vec();
        full.extend_from_slice(src);
        let got = match parse_chunk(&full, b"=test") {
            Ok(chunk) => match &chunk.block.ret {
                Some(r) if prefix == "return " => render::expr(&r.exprs[0]),
                _ => render::chunk(&chunk),
            },
            Err(e) => e.message,
        };
        if &got != expected {
            failures.push(format!(
                "line {line}: {}\n  expected {expected}\n       got {got}",
                String::from_utf8_lossy(src)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn precedence_and_associativity() {
    check_file("precedence.txt", "return ");
}

#[test]
fn statement_forms() {
    check_file("statements.txt", "");
}

fn first_stat(src: &str) -> Stat {
    parse(src.as_bytes())
        .block
        .stats
        .into_iter()
        .next()
        .unwrap()
}

fn assigned(src: &str) -> Expr {
    match first_stat(src).kind {
        StatKind::Assign { mut exprs, .. } => exprs.remove(0),
        StatKind::Local { mut exprs, .. } => exprs.remove(0),
        k => panic!("not an assignment: {k:?}"),
    }
}

#[test]
fn expression_lines() {
    // Binary and unary operators: the operator's line.
    assert_eq!(assigned("x = a\n+\nb").line, 2);
    assert_eq!(assigned("x = a\n..\nb\n..\nc").line, 2);
    assert_eq!(assigned("x =\n-\ny").line, 2);
    // Index: the line of `.` or `[`.
    assert_eq!(assigned("x = a\n.b").line, 2);
    assert_eq!(assigned("x = a\n\n[1]").line, 3);
    // Calls: the line of the token that opens the arguments.
    assert_eq!(assigned("x = f\n(\n1)").line, 2);
    assert_eq!(assigned("x = f\n'x'").line, 2);
    assert_eq!(assigned("x = f\n\n{}").line, 3);
    assert_eq!(assigned("x = o\n:m\n(1)").line, 3);
    // Others: the first token.
    assert_eq!(assigned("x =\n(\na)").line, 2);
    assert_eq!(assigned("x =\n{\n}").line, 2);
    assert_eq!(assigned("x =\n[[\n]]").line, 2);
    let ExprKind::Function(f) = assigned("x =\nfunction\n(a)\nend").into_kind() else {
        panic!()
    };
    assert_eq!((f.line, f.end_line), (2, 4));
}

#[test]
fn statement_lines() {
    // Assignment: the line of `=`.
    assert_eq!(first_stat("a,\nb\n=\n1, 2").line, 3);
    // Calls, locals and compound statements: the first token.
    assert_eq!(first_stat("\n\nf\n(1)").line, 3);
    assert_eq!(first_stat("local\nx = 1").line, 1);
    let s = first_stat("local\nfunction f()\nend");
    assert_eq!(s.line, 2);
    let StatKind::LocalFunction { func, .. } = s.kind else {
        panic!()
    };
    assert_eq!((func.line, func.end_line), (2, 3));
    let s = first_stat("function\na.b:c()\nend");
    assert_eq!(s.line, 1);
    let StatKind::Function { func, .. } = s.kind else {
        panic!()
    };
    assert!(func.is_method);
    assert_eq!((func.line, func.end_line), (1, 3));
    let StatKind::GenFor { in_line, body, .. } = first_stat("for k in\n\npairs(t) do\nend").kind
    else {
        panic!()
    };
    assert_eq!((in_line, body.end_line), (3, 4));
    let s = first_stat("if a then\nelseif b then\n\nelse\nend");
    assert_eq!(s.line, 1);
    let StatKind::If {
        arms,
        else_block,
        end_line,
    } = s.kind
    else {
        panic!()
    };
    assert_eq!((arms[0].line, arms[0].block.end_line), (1, 2));
    assert_eq!((arms[1].line, arms[1].block.end_line), (2, 4));
    assert_eq!((else_block.unwrap().end_line, end_line), (5, 5));
    let StatKind::Repeat { body, .. } = first_stat("repeat\n\nuntil x").kind else {
        panic!()
    };
    assert_eq!(body.end_line, 3);
    let StatKind::While { body, .. } = first_stat("while x do\nend").kind else {
        panic!()
    };
    assert_eq!(body.end_line, 2);
}

#[test]
fn chunk_lines() {
    let c = parse(b"x = 1\n\nreturn\nx\n\n");
    assert_eq!(c.block.ret.as_ref().unwrap().line, 3);
    assert_eq!(c.block.end_line, 6);
    // Every kind of line break counts once; \n\r and \r\n are one break.
    let c = parse(b"a = 1\r\nb = 2\n\rc = 3\rd = 4\ne = [[\r\n\r\n]] f = 5");
    let lines: Vec<u32> = c.block.stats.iter().map(|s| s.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 7]);
}

#[test]
fn long_strings_and_comments() {
    let value = |src: &str| match assigned(src).into_kind() {
        ExprKind::Str(s) => s.to_vec(),
        k => panic!("{k:?}"),
    };
    assert_eq!(
        value("x = [[\nfirst newline skipped]]"),
        b"first newline skipped"
    );
    assert_eq!(
        value("x = [==[\r\na]]b]=]c\r\nd\n\re]==]"),
        b"a]]b]=]c\nd\ne"
    );
    assert_eq!(value("x = [[]]"), b"");
    assert_eq!(value("x = [=[\n\n]=]"), b"\n");
    assert_eq!(
        value("--[==[ long\ncomment ]] ]==] x = --[[ ]] 'v' -- short"),
        b"v"
    );
    assert_eq!(first_stat("--[[ a\n b ]] x = 1").line, 2);
}

#[test]
fn every_escape() {
    let value = |src: &[u8]| match assigned(std::str::from_utf8(src).unwrap()).into_kind() {
        ExprKind::Str(s) => s.to_vec(),
        k => panic!("{k:?}"),
    };
    assert_eq!(
        value(br#"x = "\a\b\f\n\r\t\v\\\"\'""#),
        b"\x07\x08\x0c\n\r\t\x0b\\\"'"
    );
    assert_eq!(value(br#"x = '\x00\xff\xAb'"#), b"\x00\xff\xab");
    assert_eq!(
        value(br#"x = "\0\9\10\255\0651""#),
        b"\x00\x09\x0a\xff\x411"
    );
    assert_eq!(
        value(b"x = \"a\\\nb\\\r\nc\\\n\rd\\\re\""),
        b"a\nb\nc\nd\ne"
    );
    assert_eq!(value(b"x = \"a\\z \n\t\r\n  b\\z\""), b"ab");
    assert_eq!(
        value(br#"x = "\u{0}\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}""#),
        "\0\x7f\u{80}\u{7ff}\u{800}\u{ffff}".as_bytes()
    );
    assert_eq!(
        value(br#"x = "\u{10FFFF}\u{0000000041}""#),
        "\u{10ffff}A".as_bytes()
    );
    // Beyond Unicode, the extended UTF-8 of PUC-Lua, up to six bytes.
    assert_eq!(value(br#"x = "\u{110000}""#), b"\xf4\x90\x80\x80");
    assert_eq!(value(br#"x = "\u{200000}""#), b"\xf8\x88\x80\x80\x80");
    assert_eq!(value(br#"x = "\u{7FFFFFFF}""#), b"\xfd\xbf\xbf\xbf\xbf\xbf");
}

#[test]
fn names_and_keywords() {
    let c = parse(b"local _a1, A_, andx, nil_, _ENV = 1");
    let StatKind::Local { names, .. } = &c.block.stats[0].kind else {
        panic!()
    };
    let names: Vec<&str> = names.iter().map(|n| &*n.name).collect();
    assert_eq!(names, ["_a1", "A_", "andx", "nil_", "_ENV"]);
}
