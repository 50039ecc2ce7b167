-- table.move
local function show(t, n) local r = {} for i = 1, n do r[i] = tostring(t[i]) end return table.concat(r, " ") end

local a = {1, 2, 3, 4, 5}
table.move(a, 1, 3, 3)     -- overlapping, destination after source
print(show(a, 5))
a = {1, 2, 3, 4, 5}
table.move(a, 3, 5, 1)     -- overlapping, destination before source
print(show(a, 5))
a = {1, 2, 3}
local b = table.move(a, 1, 3, 2, {})
print(show(b, 4))
print(table.move(a, 1, 0, 10) == a)
print(table.move({}, 1, 0, 1, b) == b)

-- negative and zero indices
local z = {[0] = "zero", [-1] = "minus", "one"}
local c = table.move(z, -1, 1, 1, {})
print(c[1], c[2], c[3])

-- errors
print(pcall(table.move, {}, 1, math.maxinteger, 2))
print(pcall(table.move, {}, -1, math.maxinteger, 2))
print(pcall(table.move, {}, 1, 2, math.maxinteger))
print(pcall(table.move, {}, 1, 2))
print(pcall(table.move, 1, 1, 2, 3))
print(pcall(table.move, {}, 1, 2, 3, 4))
print(pcall(table.move, {1}, 1, 1, 1, setmetatable({}, {__index = {}})) == true)

-- full range without overflow
local huge = table.move({}, math.mininteger, math.mininteger + 2, 1)
print(next(huge))

-- metamethods on both sides
local reads, writes = {}, {}
local src = setmetatable({}, {__index = function(_, i) reads[#reads + 1] = i; return i * 10 end})
local dst = setmetatable({}, {__newindex = function(t, i, v) writes[#writes + 1] = i .. ":" .. v; rawset(t, i, v) end})
table.move(src, 1, 3, 5, dst)
print(table.concat(reads, ","), table.concat(writes, ","))
--[[expect
1 2 1 2 3
3 4 5 4 5
nil 1 2 3
true
true
minus	zero	one
false	bad argument #4 to 'table.move' (destination wrap around)
false	bad argument #3 to 'table.move' (too many elements to move)
false	bad argument #4 to 'table.move' (destination wrap around)
false	bad argument #4 to 'table.move' (number expected, got no value)
false	bad argument #1 to 'table.move' (table expected, got number)
false	bad argument #5 to 'table.move' (table expected, got number)
true
nil
1,2,3	5:10,6:20,7:30
]]
