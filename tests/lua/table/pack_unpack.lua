-- table.pack and table.unpack
local p = table.pack()
print(p.n, #p)
p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4])
p = table.pack("a", "b")
print(p.n, p[1], p[2])

print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 3))
print(table.unpack({1, 2, 3}, 3, 5))
print(select("#", table.unpack({1, 2, 3}, 3, 2)))
print(select("#", table.unpack({}, 1, 0)))
print(table.unpack({[-1] = "m", [0] = "z", "o"}, -1, 1))
print(select("#", table.unpack({}, 1, 3)))
print(table.unpack({1, 2, 3}, nil, 2))

-- ranges that cannot be pushed
print(pcall(table.unpack, {}, 1, 1e7))
print(pcall(table.unpack, {}, math.mininteger, math.maxinteger))
print(pcall(table.unpack, {}, 0, math.maxinteger))
print(select("#", table.unpack({}, math.maxinteger, math.maxinteger)))
print(select("#", table.unpack({}, math.mininteger, math.mininteger)))
print(pcall(table.unpack, {}, 1.5))
print(pcall(table.unpack))

-- __index and __len
local proxy = setmetatable({}, {
  __index = function(_, i) return i * i end,
  __len = function() return 4 end,
})
print(table.unpack(proxy))
print(table.unpack(proxy, 3, 6))

-- round trip
local t = table.pack(table.unpack({10, 20, 30}))
print(t.n, t[1], t[2], t[3])
--[[expect
0	0
4	1	nil	3	nil
2	a	b
1	2	3
2	3
2	3
3	nil	nil
0
0
m	z	o
3
1	2
false	too many results to unpack
false	too many results to unpack
false	too many results to unpack
1
1
false	bad argument #2 to 'table.unpack' (number has no integer representation)
false	attempt to get length of a nil value
1	4	9	16
9	16	25	36
3	10	20	30
]]
