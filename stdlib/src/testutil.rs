//! Helpers for differential tests against the reference interpreter (`lua5.4`), which
//! skip cleanly when it is not installed.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether `lua5.4` can be run.
pub fn lua_available() -> bool {
    let ok = Command::new("lua5.4")
        .arg("-v")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("lua5.4 not installed; skipping differential test");
    }
    ok
}

/// Runs `script` (prefixed with [`PRELUDE`]) under lua5.4; returns its output lines.
pub fn run_lua(script: &str) -> Vec<String> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("luna_stdlib_{}_{n}.lua", std::process::id()));
    std::fs::write(&path, format!("{PRELUDE}\n{script}")).unwrap();
    let out = Command::new("lua5.4").arg(&path).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "lua5.4 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Lua helpers: `unhex`, `enc(...)` (a line-safe encoding of values) and `run(f, ...)`
/// (`ok:` and the encoded results, or `err:` and the hex of the message).
pub const PRELUDE: &str = r#"
local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
function unhex(h) return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)) end
function enc(...)
  local t = table.pack(...)
  local out = {}
  for i = 1, t.n do
    local v = t[i]
    if type(v) == "string" then out[#out + 1] = "s" .. hex(v)
    elseif math.type(v) == "integer" then out[#out + 1] = "i" .. v
    elseif math.type(v) == "float" then out[#out + 1] = "f" .. string.format("%a", v)
    else out[#out + 1] = tostring(v) end
  end
  return table.concat(out, ",")
end
function run(f, ...)
  local r = table.pack(pcall(f, ...))
  if r[1] then return "ok:" .. enc(table.unpack(r, 2, r.n))
  else return "err:" .. hex((tostring(r[2]):gsub("^[^:]*:%d+: ", ""))) end
end
"#;

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A value in the encoding of the prelude's `enc`.
pub enum Enc<'a> {
    Str(&'a [u8]),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
}

pub fn enc(values: &[Enc<'_>]) -> String {
    let parts: Vec<String> = values
        .iter()
        .map(|v| match v {
            Enc::Str(s) => format!("s{}", hex(s)),
            Enc::Int(n) => format!("i{n}"),
            Enc::Float(x) => {
                let mut out = b"f".to_vec();
                luna_interp::numfmt::fmt_float(&mut out, *x, &luna_interp::numfmt::Spec::new(b'a'));
                String::from_utf8(out).unwrap()
            }
            Enc::Bool(b) => b.to_string(),
            Enc::Nil => "nil".to_owned(),
        })
        .collect();
    parts.join(",")
}

/// `ok:` line for successful results, `err:` line for an error message.
pub fn ok_line(values: &[Enc<'_>]) -> String {
    format!("ok:{}", enc(values))
}

pub fn err_line(msg: &str) -> String {
    format!("err:{}", hex(msg.as_bytes()))
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}
