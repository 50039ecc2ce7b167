-- string.dump and loading binary chunks
local function add(a, b) return a + b, "sum" end
local d = string.dump(add)
print(type(d), d:sub(1, 4) == "\27Lua", d:byte(5), d:byte(6))
local f = load(d)
print(f(2, 3))
print(load(string.dump(add, true))(10, 20))
-- upvalues: the first becomes the environment, the others start as nil
local up = 5
local function g() return up, x end
local h = load(string.dump(g))
print(pcall(h))
x = "global x"
print(load(string.dump(function() return x end))())
local env = {x = "env x"}
print(load(string.dump(function() return x end), "chunk", "b", env)())
-- nested functions, varargs, tables, strings
local src = [[
  local t = {...}
  local function inner(n) return function() return n * #t end end
  return inner(3)(), select("#", ...), string.rep("ab", 2), 2^53, "a long string constant with more than forty characters"
]]
local main = load(src, "=src")
print(load(string.dump(main))(1, 2, 3))
print(load(string.dump(main, true))("x"))
-- debug information is kept unless stripped
local function lined()
  error("where")
end
print(pcall(load(string.dump(lined))))
print(pcall(load(string.dump(lined, true))))
-- dumping a dumped function gives the same bytes
print(string.dump(load(d)) == d, string.dump(load(string.dump(add, true)), true) == string.dump(add, true))
-- errors
print(pcall(string.dump, print))
print(pcall(string.dump, 10))
print(pcall(string.dump))
print(load(d, "binary", "t"))
print(load("return 1", "text", "b"))
print(load(d:sub(1, 20)))
print(load(d:sub(1, 20), "=name"))
print(load(d:sub(1, 20), "@file.lua"))
print(load("\27Lux"))
print(load("\27Lua\x53" .. d:sub(6)))
print(load("\27Lua\x54\1" .. d:sub(7)))
local truncated = 0
for i = 1, #d - 1 do
  local ok, msg = load(d:sub(1, i))
  if not ok and msg:find("truncated chunk") then truncated = truncated + 1 end
end
print(truncated == #d - 1)
--[[expect
string	true	84	0
5	sum
30	sum
false	tests/lua/string/dump.lua:10: attempt to index a nil value (upvalue '_ENV')
global x
env x
9	3	abab	9.007199254741e+15	a long string constant with more than forty characters
3	1	abab	9.007199254741e+15	a long string constant with more than forty characters
false	tests/lua/string/dump.lua:28: where
false	where
true	true
false	unable to dump given function
false	bad argument #1 to 'string.dump' (function expected, got number)
false	bad argument #1 to 'string.dump' (function expected, got no value)
nil	attempt to load a binary chunk (mode is 't')
nil	attempt to load a text chunk (mode is 'b')
nil	binary string: bad binary format (truncated chunk)
nil	name: bad binary format (truncated chunk)
nil	file.lua: bad binary format (truncated chunk)
nil	binary string: bad binary format (not a binary chunk)
nil	binary string: bad binary format (version mismatch)
nil	binary string: bad binary format (format mismatch)
true
]]
