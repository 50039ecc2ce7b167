-- debug.getmetatable/setmetatable for any type, getregistry, user values, setcstacklimit.
local t = setmetatable({}, { __metatable = "protected" })
print(getmetatable(t), type(debug.getmetatable(t)), debug.getmetatable(t).__metatable)
print(debug.setmetatable(t, nil) == t, getmetatable(t))
print(debug.getmetatable(1), debug.getmetatable(nil), debug.getmetatable(print))

-- Per-type metatables: numbers, booleans, functions, nil.
debug.setmetatable(10, { __index = { double = function(n) return n * 2 end } })
print((21):double(), (1.5):double())
debug.setmetatable(0, nil)
print(pcall(function() return (1):double() end))
debug.setmetatable(true, { __tostring = function(b) return b and "yes" or "no" end, __name = "BOOL" })
print(tostring(true), tostring(false))
debug.setmetatable(false, nil)
print(tostring(true))
debug.setmetatable(print, { __index = { name = "a function" } })
print(print.name, (function() end).name)
debug.setmetatable(print, nil)
debug.setmetatable(nil, { __index = function(_, k) return "nil." .. k end })
print((nil).anything)
debug.setmetatable(nil, nil)
print(pcall(function() return (nil).anything end))
print(getmetatable("").__index == string, debug.getmetatable("x").__index == string)

print(pcall(debug.setmetatable, t, 1))
print(pcall(debug.setmetatable, t))
print(pcall(debug.getmetatable))

-- The registry holds the loaded table and the main thread.
local reg = debug.getregistry()
print(type(reg), reg._LOADED == package.loaded, reg[2] == _G, type(reg[1]))
print(debug.getregistry() == reg)

-- User values: non-full-userdata values have none.
print(debug.getuservalue(1), debug.getuservalue({}), debug.getuservalue(nil, 2))
print(select('#', debug.getuservalue(1)), select('#', debug.getuservalue(io.stdout, 10)))
print(debug.setuservalue(io.stdout, 10, 10))
print(pcall(debug.setuservalue, {}, 1))
print(pcall(debug.setuservalue, io.stdout))
print(pcall(debug.getuservalue, io.stdout, "x"))

-- setcstacklimit is deprecated and does nothing.
print(debug.setcstacklimit(100), debug.setcstacklimit(1000))
print(pcall(debug.setcstacklimit))

local names = {}
for k in pairs(debug) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, " "))
--[[expect
protected	table	protected
true	nil
nil	nil	nil
42	3.0
false	tests/lua/debug/misc.lua:11: attempt to index a number value
yes	no
true
a function	a function
nil.anything
false	tests/lua/debug/misc.lua:22: attempt to index a nil value
true	true
false	bad argument #2 to 'debug.setmetatable' (nil or table expected, got number)
false	bad argument #2 to 'debug.setmetatable' (nil or table expected, got no value)
false	bad argument #1 to 'debug.getmetatable' (value expected)
table	true	true	thread
true
nil	nil	nil
1	1
nil
false	bad argument #1 to 'debug.setuservalue' (userdata expected, got table)
false	bad argument #2 to 'debug.setuservalue' (value expected)
false	bad argument #2 to 'debug.getuservalue' (number expected, got string)
200	200
false	bad argument #1 to 'debug.setcstacklimit' (number expected, got no value)
debug gethook getinfo getlocal getmetatable getregistry getupvalue getuservalue setcstacklimit sethook setlocal setmetatable setupvalue setuservalue traceback upvalueid upvaluejoin
]]
