-- functions, upvalues, closing of captured variables
local a, b = 1, 2
local function f1() return a end
local function f2() a = b end
local function f3() local c = a; return function() return c + a + b end end
local function f4(x, y, ...) return function(...) return x, y, ... end end
local function rec(n) if n > 0 then return rec(n - 1) end return 0 end
function g1() return a end
function g1b(...) return ... end
t = {}
function t.m1(self) return self end
function t:m2(x) return self, x end
t.u = {}
function t.u.v.w(x) return x end
function t.u.v:w2(...) return self, ... end
local function outer()
  local x = 0
  local function mid()
    local y = 1
    return function() x = x + y; return x end
  end
  return mid
end
do
  local c = 0
  t.inc = function() c = c + 1 end
end
for i = 1, 3 do
  t[i] = function() return i end
end
for k, v in pairs(t) do
  t[k] = function() return k, v end
end
while a do
  local c = a
  t.f = function() return c end
  if c then break end
end
repeat
  local c = b
  t.g = function() return c end
until c
repeat
  local c = b
  t.g = function() return c end
  if c then break end
until c
do
  local d = 1
  t.h = function() return d end
  goto out
end
::out::
local function deep()
  local v1 = 1
  return function()
    local v2 = 2
    return function()
      local v3 = 3
      return function() return v1 + v2 + v3 + a end
    end
  end
end
local function shadow(a)
  local a = a
  return function() local a = a; return a end
end
local _ENV = {print = print}
x = 1
local function env() y = 2; return x end
return f1, f2, f3, f4, rec, outer, deep, shadow, env
