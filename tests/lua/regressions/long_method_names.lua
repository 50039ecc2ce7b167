-- Method calls and field access with keys longer than the interned-string limit (40 bytes),
-- directly and through __index tables.
local name = "_012345678901234567890123456789012345678901234567890123456789"
local t = {x = 1}
function t:_012345678901234567890123456789012345678901234567890123456789() return self.x end
print(t:_012345678901234567890123456789012345678901234567890123456789())
local obj = setmetatable({x = 2}, {__index = t})
print(obj:_012345678901234567890123456789012345678901234567890123456789())
print(obj[name] == t[name], rawget(obj, name))
print(pcall(function() return obj:_01234567890123456789012345678901234567890123456789012345678X() end))

--[[expect
1
2
true	nil
false	tests/lua/regressions/long_method_names.lua:10: attempt to call a nil value (method '_01234567890123456789012345678901234567890123456789012345678X')
]]
