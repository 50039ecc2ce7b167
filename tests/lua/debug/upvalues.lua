-- debug.getupvalue / setupvalue / upvalueid / upvaluejoin.
local a, b, c = 1, 2, 3
local function f1(x) b = x; return c end
local function f2(x) a = x; return c + b end

local function names(f)
  local out = {}
  for i = 1, 10 do
    local name, value = debug.getupvalue(f, i)
    if not name then break end
    out[#out + 1] = name .. "=" .. tostring(value)
  end
  return table.concat(out, " ")
end
print(names(f1))
print(names(f2))
print(debug.getupvalue(f1, 0), debug.getupvalue(f1, 3), debug.getupvalue(f1, -1))
print(select('#', debug.getupvalue(f1, 3)))

-- Setting an upvalue changes the shared variable.
print(debug.setupvalue(f1, 1, 20), b, f2(10), a)
print(debug.setupvalue(f1, 5, 0), select('#', debug.setupvalue(f1, 5, 0)))

-- The main chunk's only upvalue is _ENV.
print(debug.getupvalue(load("return x"), 1) == "_ENV")
local fn = load("return x")
debug.setupvalue(fn, 1, { x = "from custom env" })
print(fn())

-- Native closures have upvalues with empty names; light natives have none.
local iter = string.gmatch("one two", "%a+")
local name = debug.getupvalue(iter, 1)
print(name == "", type(name))
print(debug.getupvalue(print, 1))
print(debug.setupvalue(iter, 100, 1))

-- Identity of upvalues.
-- f1's upvalues are b, c; f2's are a, c, b.
print(debug.upvalueid(f1, 2) == debug.upvalueid(f2, 1))
print(debug.upvalueid(f1, 2) == debug.upvalueid(f2, 2))
print(debug.upvalueid(f1, 1) == debug.upvalueid(f2, 3))
print(debug.upvalueid(f1, 1) == debug.upvalueid(f1, 2))
print(type(debug.upvalueid(f1, 1)))
print(debug.upvalueid(f1, 3), debug.upvalueid(print, 1))
print(debug.upvalueid(iter, 1) == debug.upvalueid(iter, 1), debug.upvalueid(iter, 50))

-- Joining: f1's first upvalue becomes f2's first.
debug.upvaluejoin(f1, 1, f2, 1)
print(debug.upvalueid(f1, 1) == debug.upvalueid(f2, 1))
f1(7)
print(a, b)

-- Closures made in a loop have fresh upvalues.
local fs = {}
for i = 1, 2 do fs[i] = function() return i end end
print(debug.upvalueid(fs[1], 1) == debug.upvalueid(fs[2], 1))
debug.upvaluejoin(fs[1], 1, fs[2], 1)
print(fs[1](), fs[2]())

-- Errors.
print(pcall(debug.upvaluejoin, f1, 9, f2, 1))
print(pcall(debug.upvaluejoin, f1, 1, f2, 9))
print(pcall(debug.upvaluejoin, iter, 1, f2, 1))
print(pcall(debug.upvaluejoin, f1, 1, iter, 1))
print(pcall(debug.upvaluejoin, print, 1, f2, 1))
print(pcall(debug.getupvalue, {}, 1))
print(pcall(debug.getupvalue, f1))
print(pcall(debug.setupvalue, f1, 1))
print(pcall(debug.upvalueid, 1, 1))
--[[expect
b=2 c=3
a=1 c=3 b=2
nil	nil
0
b	20	23	10
nil	0
true
from custom env
true	string


false
true
true
false
userdata
nil	nil
true	nil
true
7	20
false
2	2
false	bad argument #2 to 'debug.upvaluejoin' (invalid upvalue index)
false	bad argument #4 to 'debug.upvaluejoin' (invalid upvalue index)
false	bad argument #1 to 'debug.upvaluejoin' (Lua function expected)
false	bad argument #3 to 'debug.upvaluejoin' (Lua function expected)
false	bad argument #2 to 'debug.upvaluejoin' (invalid upvalue index)
false	bad argument #1 to 'debug.getupvalue' (function expected, got table)
false	bad argument #2 to 'debug.getupvalue' (number expected, got no value)
false	bad argument #3 to 'debug.setupvalue' (value expected)
false	bad argument #1 to 'debug.upvalueid' (function expected, got number)
]]
