-- len, sub, upper, lower, reverse, rep, byte, char and the string metatable
local s = "hello, world"
print(#s, s:len(), string.len(""), string.len("\0\0\0"), ("x"):len())
print(s:sub(1, 5), s:sub(8), s:sub(-5), s:sub(-5, -2), s:sub(0), s:sub(3, 2) == "")
print(s:sub(-100, 3), s:sub(5, 100), s:sub(100), s:sub(2, -100) == "", s:sub(math.mininteger, math.maxinteger))
print(s:sub(0, 0) == "", s:sub(1, 0) == "", s:sub(-1), s:sub(-1, -1), s:sub(12, 12), s:sub(13) == "")
print(("abc"):sub(2.0, 3.0), pcall(string.sub, "abc", 1.5))
print(string.upper("Hello 123 \xe9"), string.lower("HeLLo \xC9"), ("aBc"):upper(), ("ABC"):lower())
print(string.reverse("abc"), ("a"):reverse(), (""):reverse() == "", ("a\0b"):reverse() == "b\0a")
print(string.rep("ab", 3), string.rep("ab", 3, ", "), string.rep("x", 0) == "", string.rep("x", -5) == "")
print(string.rep("", 5) == "", string.rep("", 3, "-"), string.rep("abc", 1, "SEP"), string.rep(5, 2), string.rep("a", 2.0))
print(pcall(string.rep, "aa", 1 << 30))
print(pcall(string.rep, "a", 1 << 31, ","))
print(pcall(string.rep, "x", 1.5))
print(pcall(string.rep))
print(string.byte("ABC"), string.byte("ABC", 2), string.byte("ABC", -1), string.byte("ABC", 1, -1))
print(string.byte("ABC", 10), string.byte("ABC", 0), string.byte("ABC", 3, 2), string.byte(""), string.byte("ABC", -10, 10))
print(select("#", string.byte("hello", 1, -1)), select("#", string.byte("hello", 4, 2)))
print(string.char(), string.char(72, 105), string.char(0, 255):byte(1, -1))
print(pcall(string.char, 256))
print(pcall(string.char, 65, -1))
print(pcall(string.char, "x"))
print(pcall(string.char, 65.5))
print(string.char(string.byte("\0\1\2\255", 1, -1)) == "\0\1\2\255")
-- numbers are accepted where strings are expected
print(string.len(1234), string.upper(12), string.sub(123456, 2, 4), string.rep(1.5, 2))
-- the metatable
local mt = getmetatable("")
print(type(mt), mt.__index == string, getmetatable("abc") == mt, ("x").nothing)
print(("%d-%d"):format(1, 2), ("abc"):find("b"), #("abc"):rep(10))
print(pcall(function() return ("x"):nothing() end))
print(pcall(string.len))
print(pcall(string.len, {}))
print(pcall(function() return ("x"):sub() end))
print(pcall(function() local t = {} return string.upper(t) end))
print(tostring("abc"), tostring(nil) .. "", ("x" .. 1 .. 2.5))
--[[expect
12	12	0	3	1
hello	world	world	worl	hello, world	true
hel	o, world		true	hello, world
true	true	d	d	d	true
bc	false	bad argument #2 to 'string.sub' (number has no integer representation)
HELLO 123 é	hello É	ABC	abc
cba	a	true	true
ababab	ab, ab, ab	true	true
true	--	abc	55	aa
false	resulting string too large
false	resulting string too large
false	bad argument #2 to 'string.rep' (number has no integer representation)
false	bad argument #1 to 'string.rep' (string expected, got no value)
65	66	67	65	66	67
nil	nil	nil	nil	65	66	67
5	0
	Hi	0	255
false	bad argument #1 to 'string.char' (value out of range)
false	bad argument #2 to 'string.char' (value out of range)
false	bad argument #1 to 'string.char' (number expected, got string)
false	bad argument #1 to 'string.char' (number has no integer representation)
true
4	12	234	1.51.5
table	true	true	nil
1-2	2	30
false	tests/lua/string/basics.lua:31: attempt to call a nil value (method 'nothing')
false	bad argument #1 to 'string.len' (string expected, got no value)
false	bad argument #1 to 'string.len' (string expected, got table)
false	tests/lua/string/basics.lua:34: bad argument #1 to 'sub' (number expected, got no value)
false	tests/lua/string/basics.lua:35: bad argument #1 to 'upper' (string expected, got table)
abc	nil	x12.5
]]
