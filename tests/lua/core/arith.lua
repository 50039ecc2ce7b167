-- integer and float arithmetic, division, modulo, overflow, comparisons
print(1 + 2, 1 - 2.5, 3 * 4, 7 / 2, 7 // 2, 7 % 3, -7 // 2, -7 % 3, 7 // -2, 7 % -3)
print(7.5 // 2, 7.5 % 2, -7.5 % 2, 5.3 % -2, 1 / 0, -1 / 0, 0/0 ~= 0/0)
print(type(math), 2^10, 2^0.5, (-8)^(1/3) ~= (-8)^(1/3))
print(9223372036854775807 + 1, -9223372036854775807 - 2, 9223372036854775807 * 2)
print(9223372036854775808, -9223372036854775808, 0x7fffffffffffffff, 0xffffffffffffffff)
print(1e308 * 10, -1e308 * 10, 5 // 0.0, -5 // 0.0, 0/0 == 0/0)
print(pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(1 == 1.0, 1 < 1.5, 2 > 1.5, 1 <= 1.0, "a" < "b", "abc" < "abd", "" < "a", "Z" < "a")
print(9007199254740993 == 9007199254740992.0, 9007199254740993 > 9007199254740992.0)
print(9223372036854775807 < 9223372036854775808.0, -9223372036854775808 == -9223372036854775808.0)
print(3 & 5, 3 | 5, 3 ~ 5, ~5, 1 << 63, 1 << 64, -1 >> 1, -1 >> 64, 2 << -1, 3.0 & 1)
print(pcall(function() return 1.5 & 1 end))
print(pcall(function() return {} + 1 end))
print(pcall(function() local x; return x + 1 end))
print(pcall(function() return -{} end))
print(pcall(function() return #5 end))
print(pcall(function() return {} < {} end))
print(pcall(function() return 1 < "2" end))
print(pcall(function() return {} .. "x" end))
print(1 .. 2, 1.5 .. "", -0.0 .. "", 1e100 .. "", 2^63 .. "", 100 .. "")
print(0.1, 1/3, 100.0, -0.0, 1e15, 1e16, 123456789012345678)
print(tostring(1e300 * 1e10), tostring(-(0/0)) ~= nil)
print(type(math), 10 == "10", "10" == "10")
print(-2^2, 2^-1, 2^3^2, (2^3)^2, -3 % 5, 3 % -5, -3.0 % 5)
print(8 // 3 * 3 + 8 % 3, (-8) // 3 * 3 + (-8) % 3)
--[[expect
3	-1.5	12	3.5	3	1	-4	2	-4	-2
3.0	1.5	0.5	-0.7	inf	-inf	true
table	1024.0	1.4142135623731	true
-9223372036854775808	9223372036854775807	-2
9.2233720368548e+18	-9.2233720368548e+18	9223372036854775807	-1
inf	-inf	inf	-inf	false
false	tests/lua/core/arith.lua:8: attempt to divide by zero
false	tests/lua/core/arith.lua:9: attempt to perform 'n%0'
true	true	true	true	true	true	true	true
false	true
true	true
1	7	6	-6	-9223372036854775808	0	9223372036854775807	0	1	1
false	tests/lua/core/arith.lua:14: number has no integer representation
false	tests/lua/core/arith.lua:15: attempt to perform arithmetic on a table value
false	tests/lua/core/arith.lua:16: attempt to perform arithmetic on a nil value (local 'x')
false	tests/lua/core/arith.lua:17: attempt to perform arithmetic on a table value
false	tests/lua/core/arith.lua:18: attempt to get length of a number value
false	tests/lua/core/arith.lua:19: attempt to compare two table values
false	tests/lua/core/arith.lua:20: attempt to compare number with string
false	tests/lua/core/arith.lua:21: attempt to concatenate a table value
12	1.5	-0.0	1e+100	9.2233720368548e+18	100
0.1	0.33333333333333	100.0	-0.0	1e+15	1e+16	123456789012345678
inf	true
table	false	true
-4.0	0.5	512.0	64.0	2	-2	2.0
8	-8
]]
