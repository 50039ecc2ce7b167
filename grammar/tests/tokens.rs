//! The lexer's token stream (data/tokens.txt): kinds, values and lines.

mod common;

use logos::Logos;
use luna_grammar::lexer::{next_token, Near, Tok};

fn render(src: &[u8]) -> String {
    let mut lexer = Tok::lexer(src);
    let mut out = Vec::new();
    let mut line = 0;
    while let Some(tok) = next_token(&mut lexer) {
        let tok = match tok {
            Ok(t) => t,
            Err(e) => {
                let near = match e.near {
                    Near::Nothing => String::new(),
                    Near::Eof => " near <eof>".into(),
                    Near::Text(t) => format!(" near '{}'", String::from_utf8_lossy(&t)),
                };
                out.push(format!("ERROR {}{near}", e.message));
                break;
            }
        };
        if lexer.extras.line != line {
            line = lexer.extras.line;
            out.push(format!("@{line}"));
        }
        out.push(match tok {
            Tok::Name(n) => n.to_string(),
            Tok::Int(i) => format!("int:{i}"),
            Tok::Float(f) => format!("float:{f:?}"),
            Tok::Str(s) => format!("str:{}", common::render::string(&s.value)),
            Tok::Other(c) => format!("<{}>", common::escape(&[c])),
            t => t.fixed_text().expect("fixed token").to_string(),
        });
    }
    out.join(" ")
}

#[test]
fn token_streams() {
    let cases = common::read_pairs("tokens.txt");
    let mut failures = Vec::new();
    for (line, src, expected) in &cases {
        let got = render(src);
        if &got != expected {
            failures.push(format!(
                "line {line}:\n  expected {expected}\n       got {got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
