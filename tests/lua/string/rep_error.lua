-- a huge repetition is refused before any memory is used
print(#string.rep("ab", 1000))
local s = string.rep("x", 1 << 40, ",")
print("not reached")
--[[expect-error
tests/lua/string/rep_error.lua:3: resulting string too large
]]
