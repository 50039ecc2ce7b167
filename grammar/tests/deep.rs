//! Nesting limits: PUC-Lua rejects input nested deeper than its 200 "C levels" and accepts
//! anything shallower at any length. luna must reject and accept the same chunks, and never
//! overflow its own stack, whether parsing, failing or dropping the tree.

mod common;

use luna_grammar::parse_chunk;

fn parses(src: &str) -> bool {
    parse_chunk(src.as_bytes(), b"=deep").is_ok()
}

fn is_depth_error(src: &str) -> bool {
    match parse_chunk(src.as_bytes(), b"=deep") {
        Ok(_) => false,
        Err(e) => e.message.contains("too many") || e.message.contains("overflow"),
    }
}

/// `pre .. rep:rep(n) .. mid .. close:rep(n)`, and the largest `n` lua5.4 accepts when
/// `load` is called from a script (found with lua5.4 itself).
const LIMITS: &[(&str, &str, &str, &str, usize)] = &[
    ("return ", "(", "1", ")", 195),
    ("", "do ", "", " end", 197),
    ("", "while a do ", "", " end", 196),
    ("local a; ", "if a then else ", "", " end", 196),
    ("", "if a then elseif b then ", "", " end", 196),
    ("", "function foo () ", "", " end", 197),
    ("", "local function f() ", "", " end", 197),
    ("f = ", "function () return ", "1", " end", 97),
    ("local a; a=", "{", "0", "}", 195),
    ("local t = ", "{f = function() return ", "1", " end}", 65),
    ("return ", "{(", "1", ")}", 97),
    (
        "local function a (x) return x end; return ",
        "a(",
        "2.2",
        ")",
        195,
    ),
    ("", "f(", "1", ")", 196),
    ("local a = ''; return ", "a..", "'a'", "", 195),
    ("local a = 1; return ", "a^", "a", "", 195),
    ("return ", "a + b .. ", "1", "", 195),
    ("local a = 1; return ", "- ", "a", "", 195),
    ("local a = 1; return ", "not ", "a", "", 195),
    ("return ", "-a^", "1", "", 97),
    ("return ", "a^-", "1", "", 97),
    ("local a; a", ",a", "= 1", "", 195),
    ("", "do ", "x = 1", " end", 195),
    ("", "repeat ", "", " until x", 196),
];

fn build(pre: &str, rep: &str, mid: &str, close: &str, n: usize) -> String {
    format!("{pre}{}{mid}{}", rep.repeat(n), close.repeat(n))
}

#[test]
fn same_limits_as_puc_lua() {
    let mut wrong = Vec::new();
    for &(pre, rep, mid, close, max) in LIMITS {
        if !parses(&build(pre, rep, mid, close, max)) {
            wrong.push(format!("{pre}{rep}...: {max} levels should parse"));
        }
        if !is_depth_error(&build(pre, rep, mid, close, max + 1)) {
            wrong.push(format!("{pre}{rep}...: {} levels should fail", max + 1));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// errors.lua's `testrep`: 100 levels parse; 500, unfinished, fail as too deep (not as an
/// unexpected end of input).
#[test]
fn unfinished_deep_input_fails_as_too_deep() {
    for &(pre, rep, mid, close, max) in LIMITS {
        assert!(
            parses(&build(pre, rep, mid, close, max.min(100))),
            "{pre}{rep}: 100 levels"
        );
        let src = format!("{pre}{}", rep.repeat(500));
        let err = parse_chunk(src.as_bytes(), b"=deep").unwrap_err();
        assert!(
            err.message.contains("too many"),
            "{pre}{rep} x 500: {}",
            err.message
        );
    }
}

#[test]
fn two_hundred_thousand_open_parentheses() {
    let src = format!("x = {}", "(".repeat(200_000));
    let err = common::with_small_stack(move || parse_chunk(src.as_bytes(), b"=deep").unwrap_err());
    assert!(err.message.contains("too many"), "{}", err.message);
    assert_eq!(err.line, 1);
}

#[test]
fn long_but_shallow_input_parses_and_drops_on_a_small_stack() {
    let long_sum = format!("x = a{}", "+a".repeat(100_000));
    let long_table = format!("t = {{{}}}", "1,".repeat(300_000));
    let many_statements = "x = 1\n".repeat(100_000);
    let long_chain = format!("x = a{}", ".b".repeat(100_000));
    let long_calls = format!("f{}", "(1)".repeat(100_000));
    let long_methods = format!("o{}", ":m()".repeat(50_000));
    let long_and = format!("x = a{}", " and a or a".repeat(50_000));
    // Trivia between two tokens: comments and line breaks, any number in a row.
    let comments = format!("x = 1\n{}y = 2", "-- c\n".repeat(100_000));
    let long_comments = format!("x = 1{}y = 2", "--[[c]]".repeat(100_000));
    let blank_lines = format!("x = 1{}y = 2", " \n\t\r\n".repeat(100_000));
    for src in [
        long_sum,
        long_table,
        many_statements,
        long_chain,
        long_calls,
        long_methods,
        long_and,
        comments,
        long_comments,
        blank_lines,
    ] {
        let head: String = src.chars().take(20).collect();
        let ok = common::with_small_stack(move || {
            let chunk = parse_chunk(src.as_bytes(), b"=long");
            let ok = chunk.is_ok();
            drop(chunk);
            ok
        });
        assert!(ok, "{head}...");
    }
}

#[test]
fn deepest_accepted_trees_drop_on_a_small_stack() {
    for &(pre, rep, mid, close, max) in LIMITS {
        let src = build(pre, rep, mid, close, max);
        common::with_small_stack(move || {
            let chunk = parse_chunk(src.as_bytes(), b"=deep").unwrap();
            drop(chunk);
        });
    }
}
