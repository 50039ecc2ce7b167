-- error values, levels, positions, handlers
print(pcall(error))
print(pcall(error, nil))
print(pcall(error, "msg"))
print(pcall(error, "msg", 0))
local function lvl2() error("deep", 2) end
local function caller() lvl2() end
print(pcall(caller))
print(type(select(2, pcall(error, {1}))))
print(select(2, pcall(error, setmetatable({}, {__tostring = function() return "E" end}))) ~= nil)
print(xpcall(function() error("x") end, function(m) return "handled: " .. m end))
print(xpcall(function() return 1, 2 end, print))
print(xpcall(error, error))
print(xpcall(function() local a = nil; a() end, function(m) return m end))
-- error in handler
print(xpcall(function() error("first") end, function(m) error("second") end))
-- nested pcall
print(pcall(pcall, error, "e"))
print(pcall(assert, false))
print(pcall(assert, nil, "custom"))
print(pcall(assert, 1, 2, 3))
print(pcall(assert))
-- stack overflow is catchable
local function rec(n) return 1 + rec(n + 1) end
local ok, msg = pcall(rec, 1)
print(ok, msg)
local function rec2() rec2() end
print(pcall(rec2))
-- errors with non-string values keep identity
local e = {}
print(select(2, pcall(error, e)) == e)
-- runtime errors inside metamethods
print(pcall(function() return setmetatable({}, {__index = function() error("in index") end}).x end))
-- tostring of error position in nested functions
local t = {}
function t.f() local x = {} ; return x.y.z end
print(pcall(t.f))
print(pcall(string.rep))
print(pcall(setmetatable, 1))
print(pcall(rawset, {}, nil, 1))
print(pcall(next, {}, "nokey"))
print(pcall(ipairs))
print(select(-1, 1, 2, 3), pcall(select, 0))
print(tostring(nil), tostring(true), tonumber("0x1p4"), tonumber("1e2"), tonumber("abc"), tonumber("10", 36))
print(pcall(tonumber, "10", 99))
--[[expect
false	nil
false	nil
false	msg
false	msg
false	tests/lua/core/errors.lua:7: deep
table
true
false	handled: tests/lua/core/errors.lua:11: x
true	1	2
false	error in error handling
false	tests/lua/core/errors.lua:14: attempt to call a nil value (local 'a')
false	error in error handling
true	false	e
false	assertion failed!
false	custom
true	1	2	3
false	bad argument #1 to 'assert' (value expected)
false	tests/lua/core/errors.lua:24: stack overflow
false	tests/lua/core/errors.lua:27: stack overflow
true
false	tests/lua/core/errors.lua:33: in index
false	tests/lua/core/errors.lua:36: attempt to index a nil value (field 'y')
false	bad argument #1 to 'string.rep' (string expected, got no value)
false	bad argument #1 to 'setmetatable' (table expected, got number)
false	table index is nil
false	invalid key to 'next'
false	bad argument #1 to 'ipairs' (value expected)
3	false	bad argument #1 to 'select' (index out of range)
nil	true	16.0	100.0	nil	36
false	bad argument #2 to 'tonumber' (base out of range)
]]
