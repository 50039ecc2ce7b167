-- math: floating-point functions and the 5.3 compatibility functions
local function p(...) print(...) end
p(math.sqrt(16), math.sqrt(2), math.sqrt(-1) ~= math.sqrt(-1))
p(math.sin(0), math.cos(0), math.tan(0), math.sin(math.pi / 2), math.cos(math.pi))
p(math.asin(1), math.acos(0), math.acos(1), math.atan(1), math.atan(1, 1), math.atan(-1, -1))
p(math.atan(0, -1), math.atan(-0.0, -1), math.atan(1, 0), math.atan(2), math.atan2(3, 4))
p(math.exp(0), math.exp(1), math.exp(710), math.exp(-1000))
p(math.log(1), math.log(math.exp(2)), math.log(0), math.log(-1) ~= math.log(-1))
p(math.log(8, 2), math.log(1024, 2), math.log(2^-1074, 2), math.log(1000, 10), math.log(1e15, 10))
p(math.log(27, 3), math.log(100, 100), math.log(2, 4), math.log(0, 10), math.log(5, 1))
p(math.deg(math.pi), math.rad(180), math.deg(1), math.rad(1))
p(math.sin("0"), pcall(math.sin, "x"))
p(pcall(math.sqrt))
-- Lua 5.3 compatibility
p(math.pow(2, 10), math.pow(2, 0.5), math.pow(-8, 1/3) ~= math.pow(-8, 1/3), math.pow(0, -1))
p(math.log10(1000), math.log10(2), math.log10(0))
p(math.cosh(0), math.sinh(0), math.tanh(0), math.cosh(1), math.sinh(1), math.tanh(1), math.tanh(1000))
p(math.frexp(8), math.frexp(-3), math.frexp(0), math.frexp(0.1), math.frexp(1e-310))
p(math.frexp(math.huge), math.frexp(-math.huge))
p(math.ldexp(0.5, 4), math.ldexp(1, -1074), math.ldexp(1, -1075), math.ldexp(1.5, -1074), math.ldexp(1, 1024))
p(math.ldexp(0.75, 2), math.ldexp(3, 2^32 + 2), math.ldexp(-1, 10), math.ldexp(2^-1022, 2045))
p(pcall(math.ldexp, 1, 1.5))
-- results are floats even for integral arguments
p(math.type(math.sqrt(4)), math.type(math.exp(0)), math.type(math.pow(2, 2)), math.type(math.ldexp(1, 2)))
--[[expect
4.0	1.4142135623731	true
0.0	1.0	0.0	1.0	-1.0
1.5707963267949	1.5707963267949	0.0	0.78539816339745	0.78539816339745	-2.3561944901923
3.1415926535898	-3.1415926535898	1.5707963267949	1.1071487177941	0.64350110879328
1.0	2.718281828459	inf	0.0
0.0	2.0	-inf	true
3.0	10.0	-1074.0	3.0	15.0
3.0	1.0	0.5	-inf	inf
180.0	3.1415926535898	57.295779513082	0.017453292519943
0.0	false	bad argument #1 to 'math.sin' (number expected, got string)
false	bad argument #1 to 'math.sqrt' (number expected, got no value)
1024.0	1.4142135623731	true	inf
3.0	0.30102999566398	-inf
1.0	0.0	0.0	1.5430806348152	1.1752011936438	0.76159415595576	1.0
0.5	-0.75	0.0	0.8	0.57526180315594	-1029
inf	-inf	0
8.0	4.9406564584125e-324	0.0	9.8813129168249e-324	inf
3.0	12.0	-1024.0	8.9884656743116e+307
false	bad argument #2 to 'math.ldexp' (number has no integer representation)
float	float	float	float
]]
