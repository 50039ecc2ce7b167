-- math: integer/float subtypes of abs, floor, ceil, fmod, modf, tointeger, type, ult, min, max
local function show(...)
  local r = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    r[i] = tostring(v) .. (math.type(v) and (":" .. math.type(v):sub(1, 1)) or "")
  end
  print(table.concat(r, " "))
end

show(math.abs(-3), math.abs(3), math.abs(-3.5), math.abs(-0.0), math.abs(math.mininteger))
show(math.floor(3.7), math.floor(-3.7), math.floor(5), math.floor(-0.0), math.floor(2^62), math.floor(2^63))
show(math.floor(1e100), math.floor(-math.huge), math.floor("3.5"), math.floor("7"))
show(math.ceil(3.2), math.ceil(-3.2), math.ceil(5), math.ceil(-0.5), math.ceil(2^63 - 1024), math.ceil(1/0))
show(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(-7, -3))
show(math.fmod(7.5, 2), math.fmod(-7.5, 2), math.fmod(1, 0.0), math.fmod(math.mininteger, -1))
show(math.fmod(math.mininteger, math.mininteger), math.fmod(5, math.huge), math.fmod(3, 2.0))
print(pcall(math.fmod, 1, 0))
print(pcall(math.fmod, 1))
show(math.modf(3.7))
show(math.modf(-3.7))
show(math.modf(5))
show(math.modf(math.huge))
show(math.modf(-math.huge))
show(math.modf(2^63))
show(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger("x"), math.tointeger(2^63))
show(math.tointeger({}), math.tointeger("0x10"), math.tointeger(-0.0))
print(pcall(math.tointeger))
show(math.type(1), math.type(1.0), math.type("1"), math.type(nil))
print(pcall(math.type))
show(math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(math.maxinteger, math.mininteger))
print(pcall(math.ult, 1.5, 2))
show(math.max(1, 2.5, -1), math.max(3), math.max(2, 2.0), math.max(2.0, 2), math.max(-0.0, 0))
show(math.min(1, 2.5, -1), math.min(3), math.min(2, 2.0), math.min(2.0, 2), math.min("10", "9"))
show(math.max(math.mininteger, math.maxinteger + 0.0), math.min(math.maxinteger, 2^63))
print(pcall(math.max))
print(pcall(math.min))
print(pcall(math.max, 1, "x"))
print(pcall(math.min, {}, {}))
show(math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger)
show(math.pi, math.huge, -math.huge)
--[[expect
3:i 3:i 3.5:f 0.0:f -9223372036854775808:i
3:i -4:i 5:i 0:i 4611686018427387904:i 9.2233720368548e+18:f
1e+100:f -inf:f 3:i 7:i
4:i -3:i 5:i 0:i 9223372036854774784:i inf:f
1:i -1:i 1:i -1:i
1.5:f -1.5:f -nan:f 0:i
0:i 5.0:f 1.0:f
false	bad argument #2 to 'math.fmod' (zero)
false	bad argument #2 to 'math.fmod' (number expected, got no value)
3:i 0.7:f
-3:i -0.7:f
5:i 0.0:f
inf:f 0.0:f
-inf:f 0.0:f
9.2233720368548e+18:f 0.0:f
3:i nil 8:i nil nil
nil 16:i 0:i
false	bad argument #1 to 'math.tointeger' (value expected)
integer float nil nil
false	bad argument #1 to 'math.type' (value expected)
true false true true
false	bad argument #1 to 'math.ult' (number has no integer representation)
2.5:f 3:i 2:i 2.0:f -0.0:f
-1:i 3:i 2:i 2.0:f 10
9.2233720368548e+18:f 9223372036854775807:i
false	bad argument #1 to 'math.max' (value expected)
false	bad argument #1 to 'math.min' (value expected)
false	attempt to compare number with string
false	attempt to compare two table values
9223372036854775807:i -9223372036854775808:i true
3.1415926535898:f inf:f -inf:f
]]
