//! Parse speed: a few MB of generated Lua with varied constructs, parsed by `luna-grammar`.
//!
//! The generated source is also written to `$TMPDIR/luna-parse-bench.lua`, so the same file can
//! be timed with `luac5.4 -p` (see the end of this file for the command).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A deterministic generator of plausible Lua code (~`target` bytes).
pub fn generate(target: usize) -> String {
    let mut out = String::with_capacity(target + 4096);
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rand = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut unit = 0;
    while out.len() < target {
        unit += 1;
        let m = format!("M{unit}");
        let k = rand(1000);
        let f = rand(10_000) as f64 / 7.0;
        out.push_str(&format!(
            r#"-- unit {unit}: helpers for {m}
do
local {m} = {{ name = "{m}", count = {k}, ratio = {f:.3}, flags = 0x{k:X}, [{k}] = true }}

local function helper_{unit}(a, b, ...)
  local x, y = a + b * 2 - (a // 3) % 7, "str\t\"escaped\"\n\65\u{{48}}"
  if x > {k} and y ~= nil or not a then
    x = x .. tostring(b) .. [[long
string {unit}]]
  elseif x <= 0x1F and x >= -{k} then
    x = -x ^ 2 + ~a & 0xff | b << 3 >> 1
  else
    for i = 1, {k}, 2 do x = x + i * 1.5e-3 end
  end
  while x < 100 do x = x * 1.5 end
  repeat x = x - 1 until x < 50
  for key, v in pairs({m}) do {m}[key] = v end
  --[==[ a long comment
     spanning lines ]==]
  local t = {{ 1, 2.5, "three", key = x, ["k" .. {k}] = {{ nested = true }}, f = function(z) return z end }}
  t.field = {m}:method(x, y, ...)
  print(("fmt %d"):format(#t), select('#', ...), t[1], t.key)
  return x, y
end

function {m}.run(self, n)
  local total <const> = n or {k}
  local acc = 0
  for i = 1, total do
    if i % 3 == 0 then acc = acc + helper_{unit}(i, acc) elseif i % 5 == 0 then acc = acc - 1 else acc = acc ~ i end
  end
  goto done
  ::done::
  return acc, {{ total, acc, self.name }}
end

function {m}:method(p, q, ...)
  local s = string.rep("x", {k}) .. 'single \'quoted\''
  local ok, err = pcall(function() return self.count + p end)
  return ok and s or err, q, ...
end
end
"#
        ));
        if rand(4) == 0 {
            out.push_str(&format!(
                "big_{unit} = {{ {} }}\n",
                (0..50)
                    .map(|i| format!("{}", i * 7 + rand(100) as usize))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let source = generate(4 << 20);
    let path = std::env::temp_dir().join("luna-parse-bench.lua");
    std::fs::write(&path, &source).expect("write the generated source");
    eprintln!(
        "generated {} bytes, written to {}",
        source.len(),
        path.display()
    );
    // It must be valid Lua.
    luna_grammar::parse_chunk(source.as_bytes(), b"=bench").expect("generated source parses");

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.sample_size(20);
    // The tree is dropped outside the measurement: parsing proper.
    group.bench_function("parse", |b| {
        b.iter_with_large_drop(|| luna_grammar::parse_chunk(source.as_bytes(), b"=bench").unwrap())
    });
    // Parsing and freeing the tree, as a one-shot `luna --check` does.
    group.bench_function("parse and drop", |b| {
        b.iter(|| luna_grammar::parse_chunk(source.as_bytes(), b"=bench").unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

// To compare with PUC-Lua's parser (which also generates code) on the same file:
//   hyperfine -N -w 3 'luac5.4 -p /tmp/luna-parse-bench.lua' \
//                     'target/release/luna --check /tmp/luna-parse-bench.lua'
