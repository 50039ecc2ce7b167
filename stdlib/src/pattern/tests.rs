use super::*;
use crate::testutil::{err_line, hex, lua_available, ok_line, run_lua, Enc, Rng};

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `string.find` results as strings: (start, end, captures), or the error message.
fn find_res(
    subject: &str,
    pattern: &str,
    init: i64,
) -> Result<Option<(usize, usize, Vec<String>)>, String> {
    let m = string_find(subject.as_bytes(), pattern.as_bytes(), init, false)?;
    let Some(m) = m else { return Ok(None) };
    let mut caps = Vec::new();
    for i in 0..m.capture_count() {
        caps.push(match m.get(i)? {
            Capture::Slice { start, end } => s(&subject.as_bytes()[start..end]),
            Capture::Position(p) => format!("@{p}"),
        });
    }
    Ok(Some((m.start() + 1, m.end(), caps)))
}

fn match_res(subject: &str, pattern: &str) -> Result<Option<Vec<String>>, String> {
    let Some(m) = string_match(subject.as_bytes(), pattern.as_bytes(), 1)? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for v in m.values() {
        out.push(match v? {
            Capture::Slice { start, end } => s(&subject.as_bytes()[start..end]),
            Capture::Position(p) => format!("@{p}"),
        });
    }
    Ok(Some(out))
}

fn m1(subject: &str, pattern: &str) -> Option<String> {
    match_res(subject, pattern).unwrap().map(|v| v.join("|"))
}

fn gsub(subject: &str, pattern: &str, repl: &str) -> Result<(String, i64), String> {
    let (out, n) = gsub_str(
        subject.as_bytes(),
        pattern.as_bytes(),
        repl.as_bytes(),
        None,
    )?;
    Ok((s(&out), n))
}

fn gmatch_all(subject: &str, pattern: &str) -> Vec<String> {
    let mut g = Gmatch::new(subject.len(), 1);
    let mut out = Vec::new();
    while let Some(m) = g.next(subject.as_bytes(), pattern.as_bytes()).unwrap() {
        let vals: Vec<String> = m
            .values()
            .map(|v| match v.unwrap() {
                Capture::Slice { start, end } => s(&subject.as_bytes()[start..end]),
                Capture::Position(p) => format!("@{p}"),
            })
            .collect();
        out.push(vals.join("|"));
    }
    out
}

#[test]
fn classes() {
    assert_eq!(m1("  hello123", "%a+"), Some("hello".into()));
    assert_eq!(m1("abc123", "%d+"), Some("123".into()));
    assert_eq!(m1("abc 123", "%s"), Some(" ".into()));
    assert_eq!(m1("a\x0bb", "%s"), Some("\x0b".into()));
    assert_eq!(m1("ABCdef", "%l+"), Some("def".into()));
    assert_eq!(m1("abcDEF", "%u+"), Some("DEF".into()));
    assert_eq!(m1("a,b", "%p"), Some(",".into()));
    assert_eq!(m1("a\x01b", "%c"), Some("\x01".into()));
    assert_eq!(m1("zz0xfF", "%x+"), Some("0".into()));
    assert_eq!(m1("__ab1_", "%w+"), Some("ab1".into()));
    assert_eq!(m1(" \t!x", "%g"), Some("!".into()));
    assert_eq!(m1("abc123", "%D+"), Some("abc".into()));
    assert_eq!(m1("a\0b", "%z"), Some("\0".into()));
    assert_eq!(m1("a.b", "%."), Some(".".into()));
    assert_eq!(m1("\u{e9}", "%a"), None);
    assert_eq!(m1("\u{e9}", "%A+"), Some("\u{e9}".into()));
}

#[test]
fn sets() {
    assert_eq!(m1("xyz-abc", "[a-c]+"), Some("abc".into()));
    assert_eq!(m1("abc]d", "[]]"), Some("]".into()));
    assert_eq!(m1("abc]d", "[^]]+"), Some("abc".into()));
    assert_eq!(m1("a-b", "[a-]+"), Some("a-".into()));
    assert_eq!(m1("x-y", "[%-]"), Some("-".into()));
    assert_eq!(m1("12ab", "[%a_]+"), Some("ab".into()));
    assert_eq!(m1("ab12", "[^%a]+"), Some("12".into()));
    assert_eq!(m1("^x", "[%^x]+"), Some("^x".into()));
    assert_eq!(m1("b^", "[b^]+"), Some("b^".into()));
    assert_eq!(m1("--", "[--]+"), Some("--".into()));
}

#[test]
fn repetitions_and_anchors() {
    assert_eq!(m1("aaab", "a*"), Some("aaa".into()));
    assert_eq!(m1("baaa", "a*"), Some("".into()));
    assert_eq!(m1("aaab", "a-b"), Some("aaab".into()));
    assert_eq!(m1("<a><b>", "<.->"), Some("<a>".into()));
    assert_eq!(m1("<a><b>", "<.*>"), Some("<a><b>".into()));
    assert_eq!(m1("color colour", "colou?r"), Some("color".into()));
    assert_eq!(m1("xaaay", "a+"), Some("aaa".into()));
    assert_eq!(m1("hello", "^h"), Some("h".into()));
    assert_eq!(m1("hello", "^e"), None);
    assert_eq!(m1("hello", "o$"), Some("o".into()));
    assert_eq!(m1("hello$", "o$"), None);
    assert_eq!(m1("a$b", "$b"), Some("$b".into()));
    assert_eq!(m1("a^b", "a^b"), Some("a^b".into()));
    assert_eq!(m1("", ""), Some("".into()));
    assert_eq!(m1("", "^$"), Some("".into()));
}

#[test]
fn captures() {
    assert_eq!(m1("hello world", "(%w+) (%w+)"), Some("hello|world".into()));
    assert_eq!(m1("hello", "()ll()"), Some("@3|@5".into()));
    assert_eq!(
        m1("key = value", "(%w+)%s*=%s*(%w+)"),
        Some("key|value".into())
    );
    assert_eq!(m1("abcabc", "(abc)%1"), Some("abc".into()));
    assert_eq!(m1("xaax", "(a*(.)%2)"), Some("aa|a".into()));
    assert_eq!(m1("THE (quick) fox", "%((%a+)%)"), Some("quick".into()));
    assert_eq!(m1("f(a(b)c)d", "%b()"), Some("(a(b)c)".into()));
    assert_eq!(m1("THE (quick) fox", "%f[%a]%a+%f[%A]"), Some("THE".into()));
    assert_eq!(m1("hello", "%f[%z]"), Some("".into()));
    assert_eq!(find_res("hello", "l+", 1).unwrap(), Some((3, 4, vec![])));
    assert_eq!(
        find_res("hello", "(l)(l)", 1).unwrap(),
        Some((3, 4, vec!["l".into(), "l".into()]))
    );
    assert_eq!(find_res("hello", "l", -2).unwrap(), Some((4, 4, vec![])));
    assert_eq!(find_res("hello", "", 10).unwrap(), None);
    assert_eq!(find_res("hello", "", 6).unwrap(), Some((6, 5, vec![])));
    // A back-reference to a position capture never matches.
    assert_eq!(m1("aa", "()%1"), None);
}

#[test]
fn errors() {
    let e = |p: &str| match_res("some subject (x)", p).unwrap_err();
    assert_eq!(e("%"), "malformed pattern (ends with '%')");
    assert_eq!(e("[a"), "malformed pattern (missing ']')");
    assert_eq!(e("[a%"), "malformed pattern (missing ']')");
    assert_eq!(e("s%b"), "malformed pattern (missing arguments to '%b')");
    assert_eq!(e("s%bx"), "malformed pattern (missing arguments to '%b')");
    assert_eq!(e("%fx"), "missing '[' after '%f' in pattern");
    assert_eq!(e("%1"), "invalid capture index %1");
    assert_eq!(e("s%0"), "invalid capture index %0");
    assert_eq!(e("(s%1)"), "invalid capture index %1");
    assert_eq!(e("s)"), "invalid pattern capture");
    assert_eq!(e("(s"), "unfinished capture");
    assert_eq!(e(&"(".repeat(33)), "too many captures");
    // Each matched `a?` nests one call: 199 fit in the budget, 200 do not.
    let a300 = "a".repeat(300);
    assert!(match_res(&a300, &"a?".repeat(199)).unwrap().is_some());
    assert_eq!(
        match_res(&a300, &"a?".repeat(200)).unwrap_err(),
        "pattern too complex"
    );
    assert!(match_res(&a300, &"(a)?".repeat(20)).unwrap().is_none());
    // Checked only as far as matching gets.
    assert_eq!(m1("abc", "x%"), None);
    assert_eq!(gsub("abc", "(a", "x").unwrap(), ("xbc".into(), 1));
    assert_eq!(
        gsub("abc", "b", "%2").unwrap_err(),
        "invalid capture index %2"
    );
    assert_eq!(
        gsub("abc", "b", "%x").unwrap_err(),
        "invalid use of '%' in replacement string"
    );
    assert_eq!(
        gsub("abc", "b", "x%").unwrap_err(),
        "invalid use of '%' in replacement string"
    );
}

#[test]
fn no_stack_overflow() {
    // Long literal patterns loop instead of recursing.
    let long = "a".repeat(100_000);
    assert_eq!(m1(&long, &long).map(|x| x.len()), Some(100_000));
    // Deep backtracking is bounded by the depth budget.
    let subject = "a".repeat(10_000);
    assert_eq!(
        m1(&subject, &"a*".repeat(250)).map(|x| x.len()),
        Some(10_000)
    );
    assert_eq!(
        match_res(&subject, &"a-".repeat(250)).unwrap_err(),
        "pattern too complex"
    );
    assert_eq!(
        match_res(&subject, &"(a)".repeat(40)).unwrap_err(),
        "too many captures"
    );
    assert!(match_res(&subject[..2000], ".-b").unwrap().is_none());
    assert_eq!(m1(&subject, "a-$").map(|x| x.len()), Some(10_000));
}

#[test]
fn gmatch_and_gsub() {
    assert_eq!(
        gmatch_all("hello world from Lua", "%a+"),
        ["hello", "world", "from", "Lua"]
    );
    assert_eq!(
        gmatch_all("k1=v1, k2=v2", "(%w+)=(%w+)"),
        ["k1|v1", "k2|v2"]
    );
    assert_eq!(gmatch_all("abc", ""), ["", "", "", ""]);
    assert_eq!(gmatch_all("abc", "a*"), ["a", "", ""]);
    assert_eq!(gmatch_all("a^b", "^."), ["^b"]);
    assert_eq!(
        gsub("hello world", "o", "0").unwrap(),
        ("hell0 w0rld".into(), 2)
    );
    assert_eq!(
        gsub("hello world", "(%w+)", "<%1>").unwrap(),
        ("<hello> <world>".into(), 2)
    );
    assert_eq!(gsub("abc", "%w", "%0%0").unwrap(), ("aabbcc".into(), 3));
    assert_eq!(gsub("abc", "", "-").unwrap(), ("-a-b-c-".into(), 4));
    assert_eq!(gsub("abc", "b*", "-").unwrap(), ("-a-c-".into(), 3));
    assert_eq!(gsub("hello", "^h", "H").unwrap(), ("Hello".into(), 1));
    assert_eq!(gsub("hello", "^l", "L").unwrap(), ("hello".into(), 0));
    assert_eq!(gsub("50%", "%%", "%%%%").unwrap(), ("50%%".into(), 1));
    assert_eq!(gsub("abc", "()", "%1").unwrap(), ("1a2b3c4".into(), 4));
    assert_eq!(gsub("abc", "b", "%1").unwrap(), ("abc".into(), 1));
    let (out, n) = gsub_str(b"aaaa", b"a", b"b", Some(2)).unwrap();
    assert_eq!((s(&out), n), ("bbaa".into(), 2));
    let (out, n) = gsub_str(b"aaaa", b"a", b"b", Some(0)).unwrap();
    assert_eq!((s(&out), n), ("aaaa".into(), 0));
}

#[test]
fn plain_find() {
    assert_eq!(find_plain(b"hello", b"ll", 0), Some(2));
    assert_eq!(find_plain(b"hello", b"", 5), Some(5));
    assert_eq!(find_plain(b"hello", b"", 6), None);
    assert_eq!(find_plain(b"hello", b"lo", 4), None);
    let m = string_find(b"a.b", b".", 1, true).unwrap().unwrap();
    assert_eq!((m.start(), m.end(), m.capture_count()), (1, 2, 0));
    assert!(!has_specials(b"hello world"));
    assert!(has_specials(b"a.b"));
}

// -------------------------------------------------------------------------------------------
// Differential tests against lua5.4
// -------------------------------------------------------------------------------------------

const PIECES: &[&str] = &[
    "a", "b", "c", "a", "b", ".", "%a", "%d", "%s", "%w", "%A", "%S", "[ab]", "[^a]", "[a-c]",
    "[%d_]", "[]]", "(", ")", "()", "(", ")", "%1", "%2", "%b()", "%bab", "%f[%w]", "%f[^a]", "*",
    "+", "-", "?", "*", "+", "-", "?", "^", "$", " ", "x", "%%", "%.", "1",
];

fn random_pattern(rng: &mut Rng) -> String {
    let mut p = String::new();
    if rng.below(5) == 0 {
        p.push('^');
    }
    for _ in 0..rng.below(7) {
        p.push_str(rng.pick(PIECES));
    }
    if rng.below(6) == 0 {
        p.push('$');
    }
    if rng.below(30) == 0 {
        p.push(rng.pick(&['%', '[', '(']));
    }
    p
}

fn random_subject(rng: &mut Rng) -> String {
    let alphabet = b"aaabbbc12 ()_-.x\n";
    (0..rng.below(14))
        .map(|_| rng.pick(&alphabet[..]) as char)
        .collect()
}

fn encode_capture(subject: &[u8], c: Capture) -> Enc<'_> {
    match c {
        Capture::Slice { start, end } => Enc::Str(&subject[start..end]),
        Capture::Position(p) => Enc::Int(p as i64),
    }
}

fn our_find(subject: &[u8], pattern: &[u8], init: i64, plain: bool) -> String {
    let r = (|| -> Result<String, PatternError> {
        let Some(m) = string_find(subject, pattern, init, plain)? else {
            return Ok(ok_line(&[Enc::Nil]));
        };
        let mut vals = vec![Enc::Int(m.start() as i64 + 1), Enc::Int(m.end() as i64)];
        for i in 0..m.capture_count() {
            vals.push(encode_capture(subject, m.get(i)?));
        }
        Ok(ok_line(&vals))
    })();
    r.unwrap_or_else(|e| err_line(&e.to_string()))
}

fn our_match(subject: &[u8], pattern: &[u8], init: i64) -> String {
    let r = (|| -> Result<String, PatternError> {
        let Some(m) = string_match(subject, pattern, init)? else {
            return Ok(ok_line(&[Enc::Nil]));
        };
        let mut vals = Vec::new();
        for v in m.values() {
            vals.push(encode_capture(subject, v?));
        }
        Ok(ok_line(&vals))
    })();
    r.unwrap_or_else(|e| err_line(&e.to_string()))
}

fn our_gmatch(subject: &[u8], pattern: &[u8], init: i64) -> String {
    let r = (|| -> Result<String, PatternError> {
        let mut g = Gmatch::new(subject.len(), init);
        let mut items = Vec::new();
        for _ in 0..50 {
            let Some(m) = g.next(subject, pattern)? else {
                break;
            };
            let mut vals = Vec::new();
            for v in m.values() {
                vals.push(encode_capture(subject, v?));
            }
            items.push(crate::testutil::enc(&vals));
        }
        Ok(ok_line(&[Enc::Str(items.join(";").as_bytes())]))
    })();
    r.unwrap_or_else(|e| err_line(&e.to_string()))
}

fn our_gsub(subject: &[u8], pattern: &[u8], repl: &[u8], max: Option<i64>) -> String {
    match gsub_str(subject, pattern, repl, max) {
        Ok((out, n)) => ok_line(&[Enc::Str(&out), Enc::Int(n)]),
        Err(e) => err_line(&e.to_string()),
    }
}

#[test]
fn differential_against_lua() {
    if !lua_available() {
        return;
    }
    let mut rng = Rng(0x005E_ED0F_BA55);
    let repls = ["<%1>", "%0%0", "x", "%%", "%2", "%", "[%1|%2]", "", "%a"];
    let mut script = String::from("local S, P = unhex, unhex\n");
    let mut want = Vec::new();
    for _ in 0..3000 {
        let subject = random_subject(&mut rng);
        let pattern = random_pattern(&mut rng);
        let (sb, pb) = (subject.as_bytes(), pattern.as_bytes());
        let (sh, ph) = (hex(sb), hex(pb));
        let init = rng.below(12) as i64 - 4;
        let plain = rng.below(8) == 0;
        script.push_str(&format!(
            "print(run(string.find, S'{sh}', P'{ph}', {init}, {plain}))\n"
        ));
        want.push(our_find(sb, pb, init, plain));
        script.push_str(&format!(
            "print(run(string.match, S'{sh}', P'{ph}', {init}))\n"
        ));
        want.push(our_match(sb, pb, init));
        script.push_str(&format!(
            "print(run(function(s, p, i) local it = string.gmatch(s, p, i) local out = {{}} \
             for k = 1, 50 do local t = table.pack(it()) if t[1] == nil then break end \
             out[#out + 1] = enc(table.unpack(t, 1, t.n)) end return table.concat(out, ';') end, \
             S'{sh}', P'{ph}', {init}))\n"
        ));
        want.push(our_gmatch(sb, pb, init));
        let repl = rng.pick(&repls[..]);
        let max = if rng.below(4) == 0 {
            Some(rng.below(4) as i64)
        } else {
            None
        };
        let max_lua = max.map_or("nil".to_owned(), |m| m.to_string());
        script.push_str(&format!(
            "print(run(string.gsub, S'{sh}', P'{ph}', '{repl}', {max_lua}))\n"
        ));
        want.push(our_gsub(sb, pb, repl.as_bytes(), max));
    }
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

/// Rough timings of common operations (run with `--ignored --nocapture` in release mode).
#[test]
#[ignore]
fn timing() {
    let text: String = (0..20_000)
        .map(|i| format!("word{} {} ", i % 97, i))
        .collect();
    let t = text.as_bytes();
    let time = |name: &str, f: &mut dyn FnMut() -> usize| {
        let start = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..20 {
            n += f();
        }
        eprintln!("{name}: {:?} ({n})", start.elapsed() / 20);
    };
    time("gmatch %a+", &mut || {
        let mut g = Gmatch::new(t.len(), 1);
        let mut n = 0;
        while g.next(t, b"%a+").unwrap().is_some() {
            n += 1;
        }
        n
    });
    time("gsub %s+", &mut || {
        gsub_str(t, b"%s+", b"_", None).unwrap().1 as usize
    });
    time("gsub (%w+) <%1>", &mut || {
        gsub_str(t, b"(%w+)", b"<%1>", None).unwrap().1 as usize
    });
    time("find plain", &mut || {
        string_find(t, b"word96 19999", 1, true)
            .unwrap()
            .map_or(0, |m| m.start())
    });
    time("find %d+$", &mut || {
        string_find(t, b"%d+ $", 1, false)
            .unwrap()
            .map_or(0, |m| m.start())
    });
    time("match many", &mut || {
        let mut n = 0;
        for i in 0..10_000 {
            let s = format!("{i}-{}", i * 7);
            if string_match(s.as_bytes(), b"^(%d+)-(%d+)$", 1)
                .unwrap()
                .is_some()
            {
                n += 1;
            }
        }
        n
    });
}
