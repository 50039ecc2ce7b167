-- debug.getlocal / debug.setlocal: named locals, temporaries, varargs, parameters, errors.
local function all_locals(level)
  local out = {}
  for i = 1, 50 do
    local name, value = debug.getlocal(level + 1, i)
    if not name then break end
    if type(value) == "function" or type(value) == "table" then value = type(value) end
    out[#out + 1] = name .. "=" .. tostring(value)
  end
  return table.concat(out, " ")
end

local function f(a, b, ...)
  local c = a + b
  do local hidden = "scoped" end
  for i = 1, 1 do
    print(all_locals(1))
  end
  local varargs = {}
  for i = 1, 10 do
    local name, value = debug.getlocal(1, -i)
    if not name then break end
    varargs[#varargs + 1] = name .. "=" .. tostring(value)
  end
  print(table.concat(varargs, " "))
  print(debug.setlocal(1, -2, "changed"), select(2, ...))
  print(debug.setlocal(1, -10, "x"), debug.getlocal(1, -10))
  print(debug.setlocal(1, 1, 100), a)
  print(debug.setlocal(1, 3, "c!"), c)
  print(debug.setlocal(1, 99, 1), debug.getlocal(1, 99))
  return c
end
f(1, 2, "x", "y", "z")
f(1, 2)

-- A non-vararg function has no varargs.
local function fixed(x) return debug.getlocal(1, -1) end
print(fixed(1))

-- Parameter names of a function value (no values).
local function params(p1, p2, ...) local inner end
print(debug.getlocal(params, 1), debug.getlocal(params, 2), debug.getlocal(params, 3))
print(debug.getlocal(params, 0), debug.getlocal(params, -1))
print(debug.getlocal(print, 1))

-- The caller's locals, and changing them.
local function setter()
  print(debug.setlocal(2, 1, "from callee"))
end
local function owner()
  local mine = "original"
  setter()
  return mine
end
print(owner())

-- Native frames: arguments are "(C temporary)".
print(debug.getlocal(0, 1))
print(debug.getlocal(0, 2))
print(debug.getlocal(0, 3))
print(debug.getlocal(0, 0))

-- Temporaries of a Lua frame (registers beyond the named locals).
local function temps(a, b)
  return (a + 1) + (function()
    local name, value = debug.getlocal(2, 3)
    return value
  end)()
end
print(temps(10, 20))

-- A local is visible only after its declaration is complete.
local function probe()
  local before = debug.getlocal(1, 1)
  local x = debug.getlocal(1, 1)
  return before, x
end
print(probe())

-- Errors.
print(pcall(debug.getlocal, 50, 1))
print(pcall(debug.getlocal, -1, 1))
print(pcall(debug.setlocal, 50, 1, 2))
print(pcall(debug.setlocal, 1, 1))
print(pcall(debug.getlocal, 1))
print(pcall(debug.getlocal, 1, "x"))
print(pcall(debug.getlocal, {}, 1))
--[[expect
a=1 b=2 c=3 (for state)=1 (for state)=0 (for state)=1 i=1 (temporary)=function
(vararg)=x (vararg)=y (vararg)=z
(vararg)	changed	z
nil	nil
a	100
c	c!
nil	nil
a=1 b=2 c=3 (for state)=1 (for state)=0 (for state)=1 i=1 (temporary)=function

nil
nil	nil
a	100
c	c!
nil	nil
nil
p1	p2	nil
nil	nil
nil
mine
from callee
(C temporary)	0
(C temporary)	2
nil
nil
22
nil	before
false	bad argument #1 to 'debug.getlocal' (level out of range)
false	bad argument #1 to 'debug.getlocal' (level out of range)
false	bad argument #1 to 'debug.setlocal' (level out of range)
false	bad argument #3 to 'debug.setlocal' (value expected)
false	bad argument #2 to 'debug.getlocal' (number expected, got no value)
false	bad argument #2 to 'debug.getlocal' (number expected, got string)
false	bad argument #1 to 'debug.getlocal' (number expected, got table)
]]
