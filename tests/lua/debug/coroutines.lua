-- The debug library on other threads: levels, locals, per-thread hooks, tracebacks.
local co = coroutine.create(function(x)
  local a = 1
  local got = coroutine.yield(debug.getinfo(1, "l").currentline)
  local b = got .. "!"
  coroutine.yield(a, b, x)
  return "done"
end)
local _, line = coroutine.resume(co, 10)

-- Level 0 of a suspended coroutine is yield; level 1 the function that called it.
local yinfo = debug.getinfo(co, 0, "nSl")
print(yinfo.what, yinfo.currentline, yinfo.short_src, yinfo.name)
local info = debug.getinfo(co, 1, "Sl")
print(info.what, info.currentline == line, info.linedefined)
print(debug.getinfo(co, 2))
print(debug.getlocal(co, 1, 1), debug.getlocal(co, 1, 2))
print(debug.getlocal(co, 1, 3))
print(pcall(debug.getlocal, co, 2, 1))
print(debug.getlocal(co, 0, 1))

-- Changing a local of the suspended coroutine.
print(debug.setlocal(co, 1, 2, "a changed"))
print(coroutine.resume(co, "resumed"))

-- A coroutine that has not started has no levels.
local fresh = coroutine.create(function(p, q) end)
print(debug.getinfo(fresh, 0), pcall(debug.getlocal, fresh, 0, 1))
print(debug.getlocal(fresh, function(p, q) end, 2))

-- Hooks belong to threads; new coroutines inherit the creator's hook.
local lines = {}
local hooked = coroutine.create(function()
  local s = 0
  for i = 1, 2 do
    s = s + i
  end
  coroutine.yield(s)
  return s
end)
debug.sethook(hooked, function(e, l) lines[#lines + 1] = e .. (l and (":" .. l) or "") end, "lcr")
print(debug.gethook(), select(2, debug.gethook(hooked)))
print(coroutine.resume(hooked))
print(table.concat(lines, " "))
lines = {}
print(coroutine.resume(hooked))
print(table.concat(lines, " "))
print(debug.gethook(hooked) ~= nil)

local log = {}
debug.sethook(function(e) log[#log + 1] = e end, "c")
local child = coroutine.create(function() return 1 end)
debug.sethook()
print(debug.gethook(), select(2, debug.gethook(child)))
coroutine.resume(child)
print(#log > 0)
debug.sethook(child)
print(debug.gethook(child))

-- Tracebacks of coroutines at different stages.
local function level3() coroutine.yield() end
local function level2() level3() end
local staged = coroutine.wrap(function() level2(); error("boom") end)
staged()
print(pcall(staged))

local dead = coroutine.create(function() local t = nil; t.x = 1 end)
coroutine.resume(dead)
print(debug.traceback(dead, "dead"))
print(debug.getinfo(dead, 0, "l").currentline)
--[[expect
C	-1	[C]	yield
Lua	true	2
nil
x	a	1
nil
false	bad argument #2 to 'debug.getlocal' (level out of range)
nil
a
true	a changed	resumed!	10
nil	false	bad argument #2 to 'debug.getlocal' (level out of range)
q
nil	crl	0
true	3
call line:34 line:35 line:36 line:35 line:36 line:35 line:38 call
true	3
return line:39 return
true
nil	c	0
true
nil
false	tests/lua/debug/coroutines.lua:63: boom
dead
stack traceback:
	tests/lua/debug/coroutines.lua:67: in function <tests/lua/debug/coroutines.lua:67>
67
]]
