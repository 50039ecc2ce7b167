-- coroutines: yield across pcall, metamethods, iterators; status; wrap; close
local co = coroutine.create(function(...)
  print("start", ...)
  local ok, v = pcall(function()
    local r = coroutine.yield("in pcall")
    error("after " .. tostring(r))
  end)
  print("pcall gave", ok, v)
  local t = setmetatable({}, {__index = function(t, k) return coroutine.yield("index " .. k) end,
                              __add = function(a, b) return coroutine.yield("add") end,
                              __lt = function(a, b) return coroutine.yield("lt") end,
                              __concat = function(a, b) return coroutine.yield("concat") end,
                              __eq = function(a, b) return coroutine.yield("eq") end})
  print("index result", t.foo)
  print("add result", t + 1)
  print("lt result", t < t)
  print("concat result", t .. "x")
  print("eq result", t == setmetatable({}, getmetatable(t)))
  for i, v in function(s, c) if c < 3 then return c + 1, coroutine.yield("iter " .. c) end end, nil, 0 do
    print("loop", i, v)
  end
  return "finished"
end)
local v = {coroutine.resume(co, 1, 2)}
while coroutine.status(co) ~= "dead" do
  print("yielded", table and "" or "", v[2])
  v = {coroutine.resume(co, v[2] == "lt" and true or (v[2] == "eq" and false or v[2] .. "!"))}
end
print("final", v[1], v[2])
print(coroutine.resume(co))
print(coroutine.isyieldable())
print(select('#', coroutine.running()), coroutine.status(coroutine.running()))
local w = coroutine.wrap(function() error("wrapped") end)
print(pcall(w))
local w2 = coroutine.wrap(function() error({}) end)
print(select('#', pcall(w2)))
print(pcall(coroutine.yield, 1))
local co2 = coroutine.create(function() coroutine.yield() end)
coroutine.resume(co2)
print(coroutine.close(co2), coroutine.status(co2))
local co3 = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function(_, e) print("closing x", e) end})
  coroutine.yield()
end)
coroutine.resume(co3)
print(coroutine.close(co3))
local co4 = coroutine.create(function() error("e4") end)
print(coroutine.resume(co4))
print(coroutine.close(co4))
-- nested coroutines and status
local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function()
    print("outer status from inner", coroutine.status(outer))
    coroutine.yield(1)
  end)
  print(coroutine.resume(inner))
  print(coroutine.status(inner))
end)
coroutine.resume(outer)
print(coroutine.resume(coroutine.running()))
-- generators
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local sum = 0
for i in gen(100) do sum = sum + i end
print(sum)
--[[expect
start	1	2
yielded		in pcall
pcall gave	false	tests/lua/core/coroutines.lua:6: after in pcall!
yielded		index foo
index result	index foo!
yielded		add
add result	add!
yielded		lt
lt result	true
yielded		concat
concat result	concat!
yielded		eq
eq result	true
yielded		iter 0
loop	1	iter 0!
yielded		iter 1
loop	2	iter 1!
yielded		iter 2
loop	3	iter 2!
final	true	finished
false	cannot resume dead coroutine
false
2	running
false	tests/lua/core/coroutines.lua:33: wrapped
2
false	attempt to yield from outside a coroutine
true	dead
closing x	nil
true
false	tests/lua/core/coroutines.lua:47: e4
false	tests/lua/core/coroutines.lua:47: e4
outer status from inner	normal
true	1
suspended
false	cannot resume non-suspended coroutine
5050
]]
