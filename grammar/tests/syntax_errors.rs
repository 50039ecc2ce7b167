//! Every chunk of data/syntax_errors.txt and data/mutations.txt must give exactly PUC-Lua's
//! message (or parse, when PUC-Lua accepts it).

mod common;

#[test]
fn messages_match_puc_lua() {
    check("syntax_errors.txt");
}

/// Mutated real code: the messages people will actually see.
#[test]
fn mutated_code_messages_match_puc_lua() {
    check("mutations.txt");
}

fn check(file: &str) {
    let cases = common::read_cases(file);
    assert!(cases.len() > 100);
    let mut failures = Vec::new();
    for case in &cases {
        let got = match luna_grammar::parse_chunk(&case.source, b"=src") {
            Ok(_) => "OK".to_string(),
            Err(e) => e.message,
        };
        if got != case.expected {
            failures.push(format!(
                "line {}: {:?}\n   expected: {}\n        got: {}",
                case.line,
                String::from_utf8_lossy(&case.source),
                case.expected,
                got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
