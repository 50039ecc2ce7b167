//! Differential testing: random programs compiled by us and by `luac5.4`, listings compared.
//!
//! The generator writes small functions mixing every expression and statement form with
//! operands chosen to reach the special cases of the code generator (immediate and constant
//! operand ranges, folding corners, jump lists of nested `and`/`or`/`not`, multiple
//! assignment conflicts, upvalues, to-be-closed variables). Runs a fixed number of programs
//! from a fixed seed; `LUNA_FUZZ_ITERS` and `LUNA_FUZZ_SEED` change that.

use super::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const CONSTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "127",
    "128",
    "-127",
    "-128",
    "-129",
    "255",
    "256",
    "1000",
    "65535",
    "65536",
    "-65536",
    "2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "0x7fffffffffffffff",
    "0xffffffffffffffff",
    "0.0",
    "-0.0",
    "1.0",
    "1.5",
    "-2.5",
    "2.0",
    "127.0",
    "128.0",
    "1e100",
    "2^53",
    "3.25",
    "1e15",
    "\"x\"",
    "\"s\"",
    "'long string with more than forty characters in it'",
    "nil",
    "true",
    "false",
];
const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", ">", ">=", "and", "or", "&",
    "|", "~", "<<", ">>",
];
const UNOPS: &[&str] = &["- ", "not ", "#", "~"];

struct Gen {
    rng: Rng,
    /// Names usable as values in the current function: locals, upvalues, globals.
    vars: Vec<String>,
    depth: usize,
    in_loop: bool,
    vararg: bool,
    nlocals: usize,
    /// Labels visible from the current block (of the current function).
    labels: Vec<String>,
}

impl Gen {
    fn atom(&mut self) -> String {
        match self.rng.below(10) {
            0..=3 => self.rng.pick(CONSTS).to_string(),
            4..=8 => {
                let i = self.rng.below(self.vars.len());
                self.vars[i].clone()
            }
            _ => {
                if self.vararg {
                    "...".to_string()
                } else {
                    "g".to_string()
                }
            }
        }
    }

    fn expr(&mut self) -> String {
        if self.depth > 3 {
            return self.atom();
        }
        self.depth += 1;
        let e = match self.rng.below(16) {
            0..=3 => self.atom(),
            4..=7 => {
                let op = self.rng.pick(BINOPS);
                format!("{} {} {}", self.expr(), op, self.expr())
            }
            8 => {
                let op = self.rng.pick(UNOPS);
                format!("{}{}", op, self.expr())
            }
            9 => format!("({})", self.expr()),
            10 => format!("{}.{}", self.prefix(), self.rng.pick(&["x", "y", "z"])),
            11 => format!("{}[{}]", self.prefix(), self.expr()),
            12 => format!("{}({})", self.prefix(), self.args()),
            13 => format!(
                "{}:{}({})",
                self.prefix(),
                self.rng.pick(&["m", "n"]),
                self.args()
            ),
            14 => {
                let mut items = Vec::new();
                for _ in 0..self.rng.below(5) {
                    match self.rng.below(3) {
                        0 => items.push(self.expr()),
                        1 => items.push(format!(
                            "{} = {}",
                            self.rng.pick(&["a", "b", "k"]),
                            self.expr()
                        )),
                        _ => items.push(format!("[{}] = {}", self.expr(), self.expr())),
                    }
                }
                format!("{{{}}}", items.join(", "))
            }
            _ => {
                let a = self.expr();
                let b = self.expr();
                let c = self.expr();
                format!("{a} and {b} or {c}")
            }
        };
        self.depth -= 1;
        e
    }

    fn prefix(&mut self) -> String {
        match self.rng.below(4) {
            0 => format!("({})", self.expr()),
            _ => {
                let i = self.rng.below(self.vars.len());
                self.vars[i].clone()
            }
        }
    }

    fn args(&mut self) -> String {
        let n = self.rng.below(4);
        (0..n).map(|_| self.expr()).collect::<Vec<_>>().join(", ")
    }

    fn target(&mut self) -> String {
        match self.rng.below(4) {
            0 => format!("{}.{}", self.prefix(), self.rng.pick(&["x", "y"])),
            1 => format!("{}[{}]", self.prefix(), self.expr()),
            _ => {
                // locals, upvalues or globals (not the constants)
                let names: Vec<String> = self
                    .vars
                    .iter()
                    .filter(|v| !v.starts_with('k'))
                    .cloned()
                    .collect();
                names[self.rng.below(names.len())].clone()
            }
        }
    }

    fn block(&mut self, n: usize, out: &mut String) {
        // Sometimes a label at the start (backward gotos) or at the end (forward gotos).
        let saved = self.labels.len();
        let start = self.rng.chance(8).then(|| format!("s{}", self.nlocals));
        let end = self.rng.chance(12).then(|| format!("e{}", self.nlocals));
        self.nlocals += 1;
        if let Some(l) = &start {
            out.push_str(&format!("::{l}::\n"));
            self.labels.push(l.clone());
        }
        if let Some(l) = &end {
            self.labels.push(l.clone());
        }
        for _ in 0..n {
            self.stat(out);
        }
        if let Some(l) = &end {
            out.push_str(&format!("::{l}::\n"));
            if self.rng.chance(20) {
                // not the last statement: locals declared before it are in scope
                out.push_str(&format!("{} = {}\n", self.target(), self.expr()));
            }
        }
        self.labels.truncate(saved);
    }

    fn stat(&mut self, out: &mut String) {
        if self.depth > 2 {
            out.push_str(&format!("{} = {}\n", self.target(), self.expr()));
            return;
        }
        self.depth += 1;
        match self.rng.below(16) {
            0 | 1 => {
                let n = 1 + self.rng.below(3);
                let m = self.rng.below(4);
                let names: Vec<String> =
                    (0..n).map(|i| format!("l{}_{}", self.nlocals, i)).collect();
                let exprs: Vec<String> = (0..m).map(|_| self.expr()).collect();
                let attrib = if self.rng.chance(15) { " <const>" } else { "" };
                if exprs.is_empty() {
                    out.push_str(&format!("local {}\n", names.join(", ")));
                } else {
                    out.push_str(&format!(
                        "local {}{} = {}\n",
                        names.join(", "),
                        attrib,
                        exprs.join(", ")
                    ));
                }
                self.nlocals += 1;
                if attrib.is_empty() {
                    self.vars.extend(names);
                }
            }
            2 | 3 => {
                let n = 1 + self.rng.below(3);
                let targets: Vec<String> = (0..n).map(|_| self.target()).collect();
                let m = 1 + self.rng.below(3);
                let exprs: Vec<String> = (0..m).map(|_| self.expr()).collect();
                out.push_str(&format!("{} = {}\n", targets.join(", "), exprs.join(", ")));
            }
            4 => out.push_str(&format!("{}({})\n", self.prefix(), self.args())),
            5 => {
                out.push_str(&format!("if {} then\n", self.expr()));
                self.scoped(1, out);
                if self.rng.chance(50) {
                    out.push_str(&format!("elseif {} then\n", self.expr()));
                    self.scoped(1, out);
                }
                if self.rng.chance(50) {
                    out.push_str("else\n");
                    self.scoped(1, out);
                }
                out.push_str("end\n");
            }
            6 => {
                out.push_str(&format!("while {} do\n", self.expr()));
                self.looped(out);
                out.push_str("end\n");
            }
            7 => {
                out.push_str("repeat\n");
                let saved = self.vars.len();
                let was = self.in_loop;
                self.in_loop = true;
                {
                    let k = 1 + self.rng.below(2);
                    self.block(k, out);
                }
                self.in_loop = was;
                out.push_str(&format!("until {}\n", self.expr()));
                self.vars.truncate(saved);
            }
            8 => {
                let v = format!("i{}", self.nlocals);
                self.nlocals += 1;
                let step = if self.rng.chance(50) {
                    format!(", {}", self.expr())
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "for {v} = {}, {}{step} do\n",
                    self.expr(),
                    self.expr()
                ));
                self.vars.push(v);
                self.looped(out);
                self.vars.pop();
                out.push_str("end\n");
            }
            9 => {
                let k = format!("k{}", self.nlocals);
                let v = format!("v{}", self.nlocals);
                self.nlocals += 1;
                out.push_str(&format!("for {k}, {v} in {} do\n", self.args_nonempty()));
                self.vars.push(v.clone());
                self.looped(out);
                self.vars.pop();
                out.push_str("end\n");
            }
            10 => {
                out.push_str("do\n");
                self.scoped(2, out);
                out.push_str("end\n");
            }
            11 => {
                // a closure capturing what is visible
                let saved_vararg = self.vararg;
                let saved_loop = self.in_loop;
                self.vararg = self.rng.chance(50);
                self.in_loop = false;
                out.push_str(&format!(
                    "local function f{}(p{}{})\n",
                    self.nlocals,
                    self.nlocals,
                    if self.vararg { ", ..." } else { "" }
                ));
                let p = format!("p{}", self.nlocals);
                self.nlocals += 1;
                let saved = self.vars.len();
                let saved_labels = std::mem::take(&mut self.labels);
                self.vars.push(p);
                {
                    let k = 1 + self.rng.below(3);
                    self.block(k, out);
                }
                self.labels = saved_labels;
                out.push_str(&format!("return {}\n", self.args()));
                self.vars.truncate(saved);
                out.push_str("end\n");
                self.vararg = saved_vararg;
                self.in_loop = saved_loop;
            }
            12 if self.in_loop => out.push_str(&format!("if {} then break end\n", self.expr())),
            12 if !self.labels.is_empty() => {
                let l = self.labels[self.rng.below(self.labels.len())].clone();
                if self.rng.chance(50) {
                    out.push_str(&format!("if {} then goto {l} end\n", self.expr()));
                } else {
                    out.push_str(&format!("goto {l}\n"));
                }
            }
            14 => match self.rng.below(5) {
                0 => out.push_str(&format!(
                    "function t.{}:m(x, ...) return self, x, ... end\n",
                    self.rng.pick(&["x", "y"])
                )),
                1 => {
                    let saved = std::mem::replace(&mut self.vararg, false);
                    out.push_str(&format!("function g.a.b(x) return {} end\n", self.expr()));
                    self.vararg = saved;
                }
                2 => out.push_str(&format!("{}\"str\"\n", self.prefix())),
                3 => out.push_str(&format!("{}{{{}}}\n", self.prefix(), self.args())),
                _ => out.push_str(&format!("{}:m\"s\"\n", self.prefix())),
            },
            13 => {
                let v = format!("c{}", self.nlocals);
                self.nlocals += 1;
                out.push_str(&format!("local {v} <close> = {}\n", self.expr()));
            }
            _ => out.push_str(&format!("{} = {}\n", self.target(), self.expr())),
        }
        self.depth -= 1;
    }

    fn args_nonempty(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        (0..n).map(|_| self.expr()).collect::<Vec<_>>().join(", ")
    }

    fn scoped(&mut self, n: usize, out: &mut String) {
        let saved = self.vars.len();
        {
            let k = 1 + self.rng.below(n + 1);
            self.block(k, out);
        }
        self.vars.truncate(saved);
    }

    fn looped(&mut self, out: &mut String) {
        let was = self.in_loop;
        self.in_loop = true;
        self.scoped(2, out);
        self.in_loop = was;
    }

    fn program(&mut self) -> String {
        self.vars = vec![
            "a".into(),
            "b".into(),
            "t".into(),
            "g".into(),
            "h".into(),
            "kc".into(),
        ];
        self.nlocals = 0;
        self.depth = 0;
        self.in_loop = false;
        self.vararg = true;
        self.labels.clear();
        let mut out = String::from("local a, b, t = ...\nlocal kc <const> = 10\n");
        {
            let k = 3 + self.rng.below(5);
            self.block(k, &mut out);
        }
        out.push_str(&format!("return {}\n", self.args()));
        out
    }
}

fn strip_near(msg: &str) -> &str {
    match msg.find(" near ") {
        Some(p) => &msg[..p],
        None => msg,
    }
}

#[test]
fn compiler_fuzz_against_luac() {
    if !luac_available() {
        eprintln!("skipped: luac5.4 is not installed");
        return;
    }
    let iters: usize = std::env::var("LUNA_FUZZ_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("LUNA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed);
    let mut g = Gen {
        rng: Rng(seed | 1),
        vars: Vec::new(),
        depth: 0,
        in_loop: false,
        vararg: true,
        nlocals: 0,
        labels: Vec::new(),
    };
    let mut failures = Vec::new();
    let mut compared = 0;
    for n in 0..iters {
        let src = g.program();
        let theirs = luac_listing(src.as_bytes());
        let ours = match luna_grammar::parse_chunk(src.as_bytes(), CHUNKNAME) {
            Err(e) => {
                // Lua reports semantic errors met before the syntax error; we parse first.
                if theirs.is_err() {
                    continue;
                }
                Err(e.message)
            }
            Ok(chunk) => Compiler::new(CHUNKNAME, Compat::Lua544)
                .main_func(&chunk)
                .map(|p| {
                    check_limits(&p);
                    normalize(&disassemble(&p))
                })
                .map_err(|e| e.message),
        };
        match (theirs, ours) {
            (Ok(t), Ok(o)) => {
                compared += 1;
                if let Some(d) = diff(&t, &o) {
                    failures.push(format!("program {n}:\n{src}\n{d}"));
                }
            }
            (Err(t), Err(o)) => {
                let t = t.trim().trim_start_matches("luac5.4: ");
                if strip_near(t) != strip_near(&o) {
                    failures.push(format!("program {n}:\n{src}\nluac: {t}\nours: {o}"));
                }
            }
            (Ok(_), Err(o)) => {
                failures.push(format!("program {n}:\n{src}\nluac compiles it; ours: {o}"))
            }
            (Err(t), Ok(_)) => {
                failures.push(format!("program {n}:\n{src}\nluac: {t}; ours compiles it"))
            }
        }
        if failures.len() >= 3 {
            break;
        }
    }
    eprintln!("{compared} programs compared");
    if !failures.is_empty() {
        panic!("{}", failures.join("\n----\n"));
    }
}
