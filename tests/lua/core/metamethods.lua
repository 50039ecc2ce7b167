-- every metamethod event, raw access and __index/__newindex chains
local log = {}
local mt = {}
for _, e in ipairs{"add","sub","mul","div","mod","pow","unm","idiv","band","bor","bxor","shl","shr","bnot","concat"} do
  mt["__" .. e] = function(a, b) return e end
end
local o = setmetatable({}, mt)
print(o + 1, 1 - o, o * o, o / 2, o % 2, o ^ 2, -o, o // 2)
print(o & 1, 1 | o, o ~ 1, o << 1, o >> 1, ~o, o .. "x", "x" .. o, 1 .. o)
mt.__len = function() return 42 end
print(#o)
mt.__eq = function(a, b) return true end
local o2 = setmetatable({}, mt)
print(o == o2, o ~= o2, o == 1, rawequal(o, o2))
mt.__lt = function(a, b) return true end
mt.__le = function(a, b) return false end
print(o < o2, o <= o2, o > o2, o >= o2, o < 1, 1 < o)
mt.__call = function(self, a, b) return "called", a, b end
print(o(1, 2))
mt.__index = function(t, k) return k .. "?" end
print(o.foo, o[1], rawget(o, "foo"))
mt.__newindex = function(t, k, v) rawset(t, k, v * 2) end
o.x = 5
print(rawget(o, "x"), o.x)
o.x = 7
print(o.x)
-- chains through tables
local base = {greet = function(self) return "hi " .. self.name end}
local mid = setmetatable({}, {__index = base})
local obj = setmetatable({name = "bob"}, {__index = mid})
print(obj:greet())
local store = {}
local proxy = setmetatable({}, {__newindex = store})
proxy.a = 1
print(rawget(proxy, "a"), store.a)
-- __tostring and __name
print(tostring(setmetatable({}, {__tostring = function() return "custom!" end})))
print((tostring(setmetatable({}, {__name = "MyType"})):gsub("0x%x+", "ADDR")))
-- __metatable protection
local p = setmetatable({}, {__metatable = "locked"})
print(getmetatable(p), pcall(setmetatable, p, {}))
-- __close and __gc exist
do
  local a <close> = setmetatable({}, {__close = function(self, err) print("close a", err) end})
  local b <close> = setmetatable({}, {__close = function(self, err) print("close b", err) end})
  print("body")
end
print(pcall(function()
  local c <close> = setmetatable({}, {__close = function(self, err) print("close c", err) end})
  error("oops", 0)
end))
local function withret()
  local d <close> = setmetatable({}, {__close = function() print("close d") end})
  return "ret"
end
print(withret())
for i = 1, 2 do
  local e <close> = setmetatable({}, {__close = function() print("close e", i) end})
  if i == 1 then goto continue end
  print("i", i)
  ::continue::
end
print(pcall(function() local f <close> = 42 end))
-- __index on non-tables via debug-free path: strings have no metatable without string lib
print(pcall(function() local n = nil; return n.x end))
print(pcall(function() return undefinedglobal.x end))
print(pcall(function() local t = {} ; return t.a.b end))
print(pcall(function() local t = {} ; t.a.b = 1 end))
print(pcall(function() undefinedf() end))
print(pcall(function() local t = {}; t:nomethod() end))
print(pcall(function() local t = {}; t.field() end))
local up = nil
print(pcall(function() return up.x end))
print(pcall(function() return ("x")() end))
--[[expect
add	sub	mul	div	mod	pow	unm	idiv
band	bor	bxor	shl	shr	bnot	concat	concat	concat
42
true	false	false	false
true	false	true	false	true	true
called	1	2
foo?	1?	nil
10	10
7
hi bob
nil	1
custom!
MyType: ADDR
locked	false	cannot change a protected metatable
body
close b	nil
close a	nil
close c	oops
false	oops
close d
ret
close e	1
i	2
close e	2
false	tests/lua/core/metamethods.lua:63: variable 'f' got a non-closable value
false	tests/lua/core/metamethods.lua:65: attempt to index a nil value (local 'n')
false	tests/lua/core/metamethods.lua:66: attempt to index a nil value (global 'undefinedglobal')
false	tests/lua/core/metamethods.lua:67: attempt to index a nil value (field 'a')
false	tests/lua/core/metamethods.lua:68: attempt to index a nil value (field 'a')
false	tests/lua/core/metamethods.lua:69: attempt to call a nil value (global 'undefinedf')
false	tests/lua/core/metamethods.lua:70: attempt to call a nil value (method 'nomethod')
false	tests/lua/core/metamethods.lua:71: attempt to call a nil value (field 'field')
false	tests/lua/core/metamethods.lua:73: attempt to index a nil value (upvalue 'up')
false	tests/lua/core/metamethods.lua:74: attempt to call a string value (constant 'x')
]]
