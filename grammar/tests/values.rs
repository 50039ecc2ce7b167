//! Literal values (numerals, strings) and `str_to_number`, against the values lua5.4 gives
//! (data/literals.txt, data/tonumber.txt; expectations written by data/regen_values.lua).

mod common;

use luna_grammar::ast::ExprKind;
use luna_grammar::number::{str_to_number, Number};

/// Compares with `int N`, `float X` (a decimal that reads back exactly), `string S`, `nil`.
fn same(expected: &str, got: Option<Value>) -> bool {
    match (expected.split_once(' '), got) {
        (Some(("int", n)), Some(Value::Int(i))) => n.parse() == Ok(i),
        (Some(("float", x)), Some(Value::Float(f))) => {
            x.parse::<f64>().map(f64::to_bits) == Ok(f.to_bits())
        }
        (Some(("string", s)), Some(Value::Str(b))) => common::unescape(s) == b,
        (None, None) => expected == "nil",
        _ => false,
    }
}

#[derive(Debug)]
enum Value {
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
}

fn check(name: &str, value_of: impl Fn(&[u8]) -> Result<Option<Value>, String>) {
    let cases = common::read_cases(name);
    let mut failures = Vec::new();
    for case in &cases {
        let ok = match value_of(&case.source) {
            Ok(v) => {
                let pass = same(
                    &case.expected_escaped,
                    v.as_ref().map(|v| match v {
                        Value::Int(i) => Value::Int(*i),
                        Value::Float(f) => Value::Float(*f),
                        Value::Str(s) => Value::Str(s.clone()),
                    }),
                );
                (pass, format!("{v:?}"))
            }
            Err(msg) => (
                case.expected_escaped == format!("error {}", common::escape(msg.as_bytes())),
                msg,
            ),
        };
        if !ok.0 {
            failures.push(format!(
                "line {}: {}: expected {}, got {}",
                case.line,
                common::escape(&case.source),
                case.expected,
                ok.1
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn literals() {
    check("literals.txt", |src| {
        let mut chunk = b"return ".to_vec();
        chunk.extend_from_slice(src);
        let c = luna_grammar::parse_chunk(&chunk, b"=src").map_err(|e| e.message)?;
        Ok(Some(match &c.block.ret.as_ref().unwrap().exprs[0].kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => Value::Str(s.to_vec()),
            k => panic!("not a literal: {k:?}"),
        }))
    });
}

#[test]
fn tonumber() {
    check("tonumber.txt", |src| {
        Ok(str_to_number(src).map(|n| match n {
            Number::Int(i) => Value::Int(i),
            Number::Float(f) => Value::Float(f),
        }))
    });
}
