-- loading corrupt binary chunks is an error or runs, never a crash (luna checks bytecode;
-- PUC-Lua does not, so this file has no reference output)
local function add(a, b) return a + b, "sum" end
local d = string.dump(add)
-- corrupt chunks never crash: each byte replaced in turn
local loaded = 0
for i = 13, #d do
  for _, b in ipairs({0, 1, 0x7f, 0x80, 0xff}) do
    local c = d:sub(1, i - 1) .. string.char(b) .. d:sub(i + 1)
    local fn = load(c)
    if fn then loaded = loaded + 1; pcall(fn, 1, 2) end
  end
end
print(loaded > 0)
--[[expect
true
]]
