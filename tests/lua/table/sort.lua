-- table.sort
local function check(t, lt)
  for i = 2, #t do
    if lt then assert(not lt(t[i], t[i - 1])) else assert(not (t[i] < t[i - 1])) end
  end
  return true
end

local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0}
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))

local s = {"pear", "apple", "fig", "banana", "Cherry", "apple"}
table.sort(s)
print(table.concat(s, " "))

-- mixed integers and floats
local m = {3, 1.5, -2, 2^53, -0.0, 1, 1.0, math.huge, -math.huge}
table.sort(m)
print(table.concat(m, " ", 1, 9))

-- trivial sizes
local e = {}; table.sort(e); print(#e)
local one = {1}; table.sort(one); print(one[1])
local two = {2, 1}; table.sort(two); print(two[1], two[2])
local three = {3, 1, 2}; table.sort(three); print(table.concat(three, " "))

-- larger arrays, sorted, reversed, constant, random
local N = 2000
local a = {}
for i = 1, N do a[i] = (i * 7919) % 1009 end
table.sort(a); print(check(a))
for i = 1, N do a[i] = N - i end
table.sort(a); print(check(a), a[1], a[N])
for i = 1, N do a[i] = 5 end
table.sort(a); print(check(a))
table.sort(a, function(x, y) return x > y end); print(check(a, function(x, y) return x > y end))

-- sorting records by a field
local recs = {}
for i = 1, 50 do recs[i] = {key = (i * 37) % 50, id = i} end
table.sort(recs, function(x, y) return x.key < y.key end)
print(recs[1].key, recs[50].key)

-- __lt on elements
local mt = {__lt = function(x, y) return x.v < y.v end}
local objs = {}
for i = 1, 20 do objs[i] = setmetatable({v = (i * 13) % 20}, mt) end
table.sort(objs)
print(objs[1].v, objs[20].v)

-- errors
print(pcall(table.sort, {1, "x", 2}))
print(pcall(table.sort, {1, nil, 3, n = 3}))
print(pcall(table.sort, {3, 2, 1}, 42))
print(pcall(table.sort, 42))
print(pcall(table.sort, {3, 2, 1}, function(a, b) error("cmp fails") end))
local big = setmetatable({}, {__len = function() return math.maxinteger end, __index = rawget, __newindex = rawset})
print(pcall(table.sort, big))

-- an inconsistent order function is detected (with a big enough array)
local bad = {}
for i = 1, 100 do bad[i] = i % 7 end
print(pcall(table.sort, bad, function(x, y) return true end))

-- a proxy table
local store = {5, 4, 3, 2, 1}
local proxy = setmetatable({}, {
  __index = store,
  __newindex = function(_, k, v) store[k] = v end,
  __len = function() return #store end,
})
table.sort(proxy)
print(table.concat(store, " "))

-- the comparator may see the array in any intermediate state but never loses elements
local c = {}
for i = 1, 300 do c[i] = (i * 101) % 300 end
local calls = 0
table.sort(c, function(x, y) calls = calls + 1; collectgarbage("step"); return x < y end)
print(check(c), calls > 300)
--[[expect
0 1 2 3 4 5 6 7 8 9
9 8 7 6 5 4 3 2 1 0
Cherry apple apple banana fig pear
-inf -2 -0.0 1 1.0 1.5 3 9.007199254741e+15 inf
0
1
1	2
1 2 3
true
true	0	1999
true
true
0	49
0	19
false	attempt to compare string with number
false	attempt to compare nil with number
false	bad argument #2 to 'table.sort' (function expected, got number)
false	bad argument #1 to 'table.sort' (table expected, got number)
false	tests/lua/table/sort.lua:59: cmp fails
false	bad argument #1 to 'table.sort' (array too big)
false	invalid order function for sorting
1 2 3 4 5
true	true
]]
