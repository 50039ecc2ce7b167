-- arithmetic on strings goes through the string metatable's metamethods
print("10" + 1, "10" - 1, "3" * "4", "7" / "2", "7" // "2", "7" % "4", "2" ^ "10", -"3")
print("0x10" + 0, "1e2" * 1, " 5 " + 0, "5." + 0, ".5" * 2, "-0x8" + 0, "10" + 1.5)
print(math.type("10" + 1), math.type("10.0" + 1), math.type("1e1" // 1), math.type(-"2"), math.type(-"2.0"))
print(10 .. "", "3" + "4" == 7, "9007199254740993" + 0, "0x7fffffffffffffff" + 1)
print(pcall(function() return "a" + 1 end))
print(pcall(function() return 1 + "a" end))
print(pcall(function() return "abc" * "2" end))
print(pcall(function() return -"x" end))
print(pcall(function() return "1" + {} end))
print(pcall(function() return {} - "1" end))
print(pcall(function() return "10" // "0" end))
print(pcall(function() return "10" % "0" end))
print("10" // "0.0", "-10" // "0.0", "10" % "0.0" ~= "10" % "0.0")
print(pcall(function() return "3" & 1 end))
print(pcall(function() return "1\0" + 1 end))
-- a metamethod of the other operand is used when the string is not a numeral
local v = setmetatable({}, {__add = function(a, b) return "add(" .. type(a) .. "," .. type(b) .. ")" end,
                            __unm = function() return "unm" end})
print("x" + v, v + "x", -v)
print(pcall(function() return "x" - v end))
-- the metamethods themselves
local mt = getmetatable("")
print(mt.__add("1", "2"), mt.__sub(10, "4"), mt.__unm("5", "5"), mt.__idiv("7", 2), mt.__mod(7, "3"))
print(pcall(mt.__add, "a", "b"))
print(pcall(mt.__pow, {}, "2"))
print(mt.__concat, mt.__band, mt.__len, mt.__eq)
--[[expect
11	9	12	3.5	3	3	1024.0	-3
16	100.0	5	5.0	1.0	-8	11.5
integer	float	float	integer	float
10	true	9007199254740993	-9223372036854775808
false	tests/lua/string/arith.lua:6: attempt to add a 'string' with a 'number'
false	tests/lua/string/arith.lua:7: attempt to add a 'number' with a 'string'
false	tests/lua/string/arith.lua:8: attempt to mul a 'string' with a 'string'
false	tests/lua/string/arith.lua:9: attempt to unm a 'string' with a 'string'
false	tests/lua/string/arith.lua:10: attempt to add a 'string' with a 'table'
false	tests/lua/string/arith.lua:11: attempt to sub a 'table' with a 'string'
false	attempt to divide by zero
false	attempt to perform 'n%0'
inf	-inf	true
false	tests/lua/string/arith.lua:15: attempt to perform bitwise operation on a string value (constant '3')
false	tests/lua/string/arith.lua:16: attempt to add a 'string' with a 'number'
add(string,table)	add(table,string)	unm
false	tests/lua/string/arith.lua:21: attempt to sub a 'string' with a 'table'
3	6	-5	3	1
false	attempt to add a 'string' with a 'string'
false	attempt to pow a 'table' with a 'string'
nil	nil	nil	nil
]]
