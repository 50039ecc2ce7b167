-- math.random and math.randomseed: xoshiro256** with Lua's seeding and projection
print(math.randomseed(42))
local r = {}
for i = 1, 10 do r[i] = math.random(1, 100) end
print(table.concat(r, " "))
print(math.random(0), math.random(0))
print(math.random(), math.random())
print(math.random(10), math.random(3, 3), math.random(-5, 5))
print(math.random(math.mininteger, math.maxinteger))
print(math.random(math.maxinteger), math.random(math.mininteger, -1))
print(math.random(0, math.maxinteger), math.random(1 << 40))

-- two seeds
print(math.randomseed(7, 11))
print(math.random(1000000), math.random(0))
print(math.randomseed(-1, math.mininteger))
print(math.random(0))
print(math.randomseed(3.0))
print(math.random(6))

-- same seed, same sequence
math.randomseed(123)
local a = {math.random(), math.random(1, 6), math.random(0)}
math.randomseed(123)
local b = {math.random(), math.random(1, 6), math.random(0)}
print(a[1] == b[1], a[2] == b[2], a[3] == b[3])

-- floats are in [0, 1), integers in range
math.randomseed(99)
local okf, oki = true, true
for _ = 1, 10000 do
  local x = math.random()
  if not (x >= 0 and x < 1) then okf = false end
  local n = math.random(-3, 3)
  if n < -3 or n > 3 or math.type(n) ~= "integer" then oki = false end
end
print(okf, oki)

-- errors
print(pcall(math.random, 2, 1))
print(pcall(math.random, 0, -1))
print(pcall(math.random, 1, 2, 3))
print(pcall(math.random, 1.5))
print(pcall(math.random, "x"))
print(pcall(math.randomseed, "x"))
print(pcall(math.randomseed, 1.5))

-- a random seed: two integers
local s1, s2 = math.randomseed()
print(math.type(s1), math.type(s2))
--[[expect
42	0
50 76 86 54 64 7 25 3 24 24
1351074849451138816	786156329281515712
0.53770781951237	0.40590734956309
8	3	4
-5551181838183337496
7616342095575388333	-6231897288346500571
8199334984444204936	68261882564
7	11
857730	-2407047669276335503
-1	-9223372036854775808
-1643677802752814401
3	0
2
true	true	true
true	true
false	bad argument #1 to 'math.random' (interval is empty)
false	bad argument #1 to 'math.random' (interval is empty)
false	wrong number of arguments
false	bad argument #1 to 'math.random' (number has no integer representation)
false	bad argument #1 to 'math.random' (number expected, got string)
false	bad argument #1 to 'math.randomseed' (number expected, got string)
false	bad argument #1 to 'math.randomseed' (number has no integer representation)
integer	integer
]]
