-- debug.traceback: messages, levels, threads, non-string messages, long stacks.
-- Tracebacks are taken inside coroutines so the whole stack is the test's own.
local function run(f, ...)
  local co = coroutine.create(f)
  local ok, res = coroutine.resume(co, ...)
  print(ok, res)
end

local function inner(msg, level) return debug.traceback(msg, level) end
local function middle(...) local r = inner(...) return r end
run(middle, "message")
run(middle, "level 2", 2)
run(middle, "level 0", 0)
run(middle, nil)
run(middle, 42)
run(middle, "too deep", 50)
run(function() return (debug.traceback(nil, -1)) end)

-- Non-string messages come back untouched.
local t = {}
print(debug.traceback(t) == t, debug.traceback(print, 3) == print, debug.traceback(true))
print(select('#', debug.traceback()))

-- Names: globals, fields, methods, locals, upvalues.
obj = {}
function obj.field() return debug.traceback("f") end
function obj:method() return obj.field() end
function globalfn() return obj:method() end
local function localfn() return (globalfn()) end
run(function() return localfn() end)

-- Tail calls are marked.
local function tail2() return debug.traceback("tails") end
local function tail1() return tail2() end
run(function() local r = tail1() return r end)

-- Traceback of another coroutine: suspended, then dead with an error.
local function rec(n) if n == 0 then coroutine.yield() else rec(n - 1) end end
local co = coroutine.create(rec)
coroutine.resume(co, 2)
print(debug.traceback(co))
print(debug.traceback(co, "msg"))
print(debug.traceback(co, "from 1", 1))
print(debug.traceback(co, nil, 10))
local bad = coroutine.create(function() local x = nil; return x.y end)
print(coroutine.resume(bad))
print(debug.traceback(bad))
print(debug.traceback(coroutine.create(print)))

-- Long stacks show 10 levels, a skip line and the last 11.
local function deep(n, level)
  if n == 0 then return debug.traceback("deep", level) end
  local r = deep(n - 1, level)
  return r
end
for _, depth in ipairs { 19, 20, 21, 22, 30 } do
  local co = coroutine.create(deep)
  local _, tb = coroutine.resume(co, depth, 1)
  local lines = 0
  for _ in tb:gmatch("\n") do lines = lines + 1 end
  print(depth, lines, tb:match("%.%.%.\t%(skipping %d+ levels%)"))
end
local _, tb = coroutine.resume(coroutine.create(deep), 25, 1)
print(tb)
--[[expect
true	message
stack traceback:
	tests/lua/debug/traceback.lua:9: in upvalue 'inner'
	tests/lua/debug/traceback.lua:10: in function <tests/lua/debug/traceback.lua:10>
true	level 2
stack traceback:
	tests/lua/debug/traceback.lua:10: in function <tests/lua/debug/traceback.lua:10>
true	level 0
stack traceback:
	[C]: in function 'debug.traceback'
	tests/lua/debug/traceback.lua:9: in upvalue 'inner'
	tests/lua/debug/traceback.lua:10: in function <tests/lua/debug/traceback.lua:10>
true	stack traceback:
	tests/lua/debug/traceback.lua:9: in upvalue 'inner'
	tests/lua/debug/traceback.lua:10: in function <tests/lua/debug/traceback.lua:10>
true	42
stack traceback:
	tests/lua/debug/traceback.lua:9: in upvalue 'inner'
	tests/lua/debug/traceback.lua:10: in function <tests/lua/debug/traceback.lua:10>
true	too deep
stack traceback:
true	stack traceback:
true	true	true
1
true	f
stack traceback:
	tests/lua/debug/traceback.lua:26: in function <tests/lua/debug/traceback.lua:26>
	(...tail calls...)
	tests/lua/debug/traceback.lua:29: in function <tests/lua/debug/traceback.lua:29>
	(...tail calls...)
true	tails
stack traceback:
	tests/lua/debug/traceback.lua:33: in function <tests/lua/debug/traceback.lua:33>
	(...tail calls...)
	tests/lua/debug/traceback.lua:35: in function <tests/lua/debug/traceback.lua:35>
stack traceback:
	[C]: in function 'coroutine.yield'
	tests/lua/debug/traceback.lua:38: in upvalue 'rec'
	tests/lua/debug/traceback.lua:38: in upvalue 'rec'
	tests/lua/debug/traceback.lua:38: in function <tests/lua/debug/traceback.lua:38>
msg
stack traceback:
	[C]: in function 'coroutine.yield'
	tests/lua/debug/traceback.lua:38: in upvalue 'rec'
	tests/lua/debug/traceback.lua:38: in upvalue 'rec'
	tests/lua/debug/traceback.lua:38: in function <tests/lua/debug/traceback.lua:38>
from 1
stack traceback:
	tests/lua/debug/traceback.lua:38: in upvalue 'rec'
	tests/lua/debug/traceback.lua:38: in upvalue 'rec'
	tests/lua/debug/traceback.lua:38: in function <tests/lua/debug/traceback.lua:38>
stack traceback:
false	tests/lua/debug/traceback.lua:45: attempt to index a nil value (local 'x')
stack traceback:
	tests/lua/debug/traceback.lua:45: in function <tests/lua/debug/traceback.lua:45>
stack traceback:
19	21	nil
20	22	nil
21	23	nil
22	23	...	(skipping 1 levels)
30	23	...	(skipping 9 levels)
deep
stack traceback:
	tests/lua/debug/traceback.lua:52: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	...	(skipping 4 levels)
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in upvalue 'deep'
	tests/lua/debug/traceback.lua:53: in function <tests/lua/debug/traceback.lua:51>
]]
