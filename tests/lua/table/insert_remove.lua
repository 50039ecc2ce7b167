-- table.insert and table.remove
local t = {}
table.insert(t, "a")
table.insert(t, "c")
table.insert(t, 2, "b")
table.insert(t, 1, "z")
table.insert(t, #t + 1, "end")
print(#t, table.concat(t, " "))

print(pcall(table.insert, t, 0, "x"))
print(pcall(table.insert, t, #t + 2, "x"))
print(pcall(table.insert, t, -1, "x"))
print(pcall(table.insert, t))
print(pcall(table.insert, t, 1, 2, 3))
print(pcall(table.insert, t, "2", "x"))
print(pcall(table.insert, t, 1.5, "x"))
print(pcall(table.insert, nil, 1))
print(#t, table.concat(t, " "))

-- remove from the end, from the front, a given position
print(table.remove(t))
print(table.remove(t, 1))
print(table.remove(t, 2))
print(#t, table.concat(t, " "))

-- edge positions: #t + 1 and the empty table
local e = {}
print(table.remove(e))
print(table.remove(e, 0))
print(table.remove(e, 1))
print(pcall(table.remove, e, 2))
print(pcall(table.remove, e, -1))
local one = {10}
print(table.remove(one, 2), #one)
print(pcall(table.remove, one, 3))
print(table.remove(one, 1), #one)

-- #t + 1 removal returns t[#t + 1] and clears it
local h = {1, 2, 3}
h[5] = "five"
print(table.remove(h, 4), h[4])

-- insert nil at the end (no change in border)
local n = {1, 2}
table.insert(n, nil)
print(#n)

-- through metamethods (a proxy table)
local store = {}
local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) return store[k] end,
  __newindex = function(_, k, v) log[#log + 1] = tostring(k) .. "=" .. tostring(v); store[k] = v end,
  __len = function() return #store end,
})
table.insert(proxy, "x")
table.insert(proxy, "y")
table.insert(proxy, 1, "w")
print(table.concat(store, ","), table.concat(log, " "))
log = {}
print(table.remove(proxy, 1), table.concat(store, ","), table.concat(log, " "))
--[[expect
5	z a b c end
false	bad argument #2 to 'table.insert' (position out of bounds)
false	bad argument #2 to 'table.insert' (position out of bounds)
false	bad argument #2 to 'table.insert' (position out of bounds)
false	wrong number of arguments to 'insert'
false	wrong number of arguments to 'insert'
true
false	bad argument #2 to 'table.insert' (number has no integer representation)
false	bad argument #1 to 'table.insert' (table expected, got nil)
6	z x a b c end
end
z
a
3	x b c
nil
nil
nil
false	bad argument #2 to 'table.remove' (position out of bounds)
false	bad argument #2 to 'table.remove' (position out of bounds)
nil	1
false	bad argument #2 to 'table.remove' (position out of bounds)
10	0
nil	nil
2
w,x,y	1=x 2=y 3=y 2=x 1=w
w	x,y	1=x 2=y 3=nil
]]
