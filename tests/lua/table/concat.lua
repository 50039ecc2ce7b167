-- table.concat: separators, ranges, number formatting, metamethods, errors
local t = {"a", "b", "c", 1, 2.5, 3.0, -0.0, 2^63, 10 // 3}
print(table.concat(t))
print(table.concat(t, ", "))
print(table.concat(t, "-", 2, 4))
print(table.concat(t, "-", 4, 4))
print("[" .. table.concat(t, "-", 5, 4) .. "]")
print("[" .. table.concat({}) .. "]")
print("[" .. table.concat({}, "x", 1, 0) .. "]")
print(table.concat({1, 2, 3}, 0))
print(table.concat({"x", "y"}, "\0"):len())

-- explicit ranges use t[i], not the border
local sparse = {[1] = "one", [3] = "three", [2] = "two", [10] = "ten"}
print(table.concat(sparse, " ", 1, 3))

-- errors name the index and the type
print(pcall(table.concat, {1, {}, 3}))
print(pcall(table.concat, {1, 2}, ",", 1, 3))
print(pcall(table.concat, {true}))
print(pcall(table.concat, "abc"))
print(pcall(table.concat, {}, {}))
print(pcall(table.concat, {"a"}, "", 1.5))

-- a proxy with __index and __len
local proxy = setmetatable({}, {
  __index = function(_, i) return "v" .. i end,
  __len = function() return 4 end,
})
print(table.concat(proxy, "|"))

-- a userdata-like value: a table is required unless the metatable has what is needed
local onlylen = setmetatable({}, {__len = function() return 2 end})
print(pcall(table.concat, onlylen))
print(pcall(table.concat, setmetatable({}, {__index = function() return "x" end}), "", 1, 3))

-- large concatenation
local big = {}
for i = 1, 1000 do big[i] = i % 10 end
local s = table.concat(big)
print(#s, s:sub(1, 12), s:sub(-5))
--[[expect
abc12.53.0-0.09.2233720368548e+183
a, b, c, 1, 2.5, 3.0, -0.0, 9.2233720368548e+18, 3
b-c-1
1
[]
[]
[]
10203
3
one two three
false	invalid value (table) at index 2 in table for 'concat'
false	invalid value (nil) at index 3 in table for 'concat'
false	invalid value (boolean) at index 1 in table for 'concat'
false	bad argument #1 to 'table.concat' (table expected, got string)
false	bad argument #2 to 'table.concat' (string expected, got table)
false	bad argument #3 to 'table.concat' (number has no integer representation)
v1|v2|v3|v4
false	invalid value (nil) at index 1 in table for 'concat'
true	xxx
1000	123456789012	67890
]]
