-- utf8.char, charpattern, codepoint, len, offset and codes
print(utf8.char(72, 228, 8364, 128512), utf8.char(), utf8.char(0):byte(), #utf8.char(0x7fffffff))
print(utf8.char(0x7f):byte(1, -1)) print(utf8.char(0x80):byte(1, -1)) print(utf8.char(0x7ff):byte(1, -1))
print(utf8.char(0x800):byte(1, -1)) print(utf8.char(0xffff):byte(1, -1)) print(utf8.char(0x10ffff):byte(1, -1))
print(utf8.char(0x110000):byte(1, -1)) print(utf8.char(0x3ffffff):byte(1, -1)) print(utf8.char(0x7fffffff):byte(1, -1))
print(pcall(utf8.char, -1))
print(pcall(utf8.char, 0x80000000))
print(pcall(utf8.char, "x"))
print(utf8.charpattern == "[\0-\x7F\xC2-\xFD][\x80-\xBF]*", #utf8.charpattern)
local s = "häll€ 😀!"
print(utf8.len(s), #s, utf8.len(""), utf8.len(s, 3), utf8.len(s, -5), utf8.len(s, 1, 2), utf8.len(s, 5, 4))
print(utf8.len("\xff"), utf8.len("abc\xe4"), utf8.len("a\x80"), utf8.len("\xed\xa0\x80"), utf8.len("\xed\xa0\x80", 1, -1, true))
print(utf8.len("\xf4\x90\x80\x80"), utf8.len("\xf4\x90\x80\x80", 1, -1, true), utf8.len("\xc0\x80"), utf8.len("\xc1\xbf", 1, -1, true))
print(pcall(utf8.len, s, 0))
print(pcall(utf8.len, s, 100))
print(pcall(utf8.len, s, 1, 100))
print(utf8.len(s, #s + 1), utf8.len("abc", 4, 3))
print(utf8.codepoint(s), utf8.codepoint(s, 2), utf8.codepoint(s, 1, -1))
print(utf8.codepoint(s, 4, 3), utf8.codepoint("", 1, 0), utf8.codepoint(s, -5, -1))
print(pcall(utf8.codepoint, s, 3))
print(pcall(utf8.codepoint, s, 0))
print(pcall(utf8.codepoint, s, 1, 100))
print(pcall(utf8.codepoint, "\xed\xa0\x80"))
print(utf8.codepoint("\xed\xa0\x80", 1, 1, true), utf8.codepoint("\xf7\xbf\xbf\xbf", 1, 1, true))
print(utf8.offset(s, 1), utf8.offset(s, 2), utf8.offset(s, 3), utf8.offset(s, 6), utf8.offset(s, 9), utf8.offset(s, 10))
print(utf8.offset(s, -1), utf8.offset(s, -2), utf8.offset(s, 0, 3), utf8.offset(s, 0, 8), utf8.offset(s, 2, 2), utf8.offset(s, -1, 4))
print(utf8.offset("abc", 5), utf8.offset("abc", -4), utf8.offset("", 1), utf8.offset("", -1), utf8.offset("abc", 0, 4))
print(pcall(utf8.offset, s, 1, 3))
print(pcall(utf8.offset, s, 1, 100))
print(pcall(utf8.offset, s, 1, 0))
for p, c in utf8.codes(s) do io.write(p, ":", c, " ") end print()
for p, c in utf8.codes("") do io.write(p) end print("empty")
for p, c in utf8.codes("\xed\xa0\x80", true) do io.write(p, ":", c, " ") end print()
print(pcall(function() for p, c in utf8.codes("ab\xff") do end end))
print(pcall(function() for p, c in utf8.codes("\xed\xa0\x80") do end end))
print(pcall(function() for p, c in utf8.codes("a\xe4\x80") do end end))
print(pcall(utf8.codes))
-- charpattern with the string functions
local chars = {}
for c in s:gmatch(utf8.charpattern) do chars[#chars + 1] = #c end
print(table.concat(chars, ","))
print(("x€y"):match(utf8.charpattern, 2), ("x€y"):gsub(utf8.charpattern, "."))
--[[expect
Hä€😀		0	6
127
194	128
223	191
224	160	128
239	191	191
244	143	191	191
244	144	128	128
251	191	191	191	191
253	191	191	191	191	191
false	bad argument #1 to 'utf8.char' (value out of range)
false	bad argument #1 to 'utf8.char' (value out of range)
false	bad argument #1 to 'utf8.char' (number expected, got string)
true	14
8	14	0	nil	2	2	0
nil	nil	nil	nil	1
nil	1	nil	nil	1
false	bad argument #2 to 'utf8.len' (initial position out of bounds)
false	bad argument #2 to 'utf8.len' (initial position out of bounds)
false	bad argument #3 to 'utf8.len' (final position out of bounds)
0	0
104	228	104	228	108	108	8364	32	128512	33
nil	nil	128512	33
false	invalid UTF-8 code
false	bad argument #2 to 'utf8.codepoint' (out of bounds)
false	bad argument #3 to 'utf8.codepoint' (out of bounds)
false	invalid UTF-8 code
55296	2097151
1	2	4	9	15	nil
14	10	2	6	4	2
nil	nil	1	nil	4
false	initial position is a continuation byte
false	bad argument #3 to 'utf8.offset' (position out of bounds)
false	bad argument #3 to 'utf8.offset' (position out of bounds)
1:104 2:228 4:108 5:108 6:8364 9:32 10:128512 14:33 
empty
1:55296 
false	tests/lua/utf8/basics.lua:34: invalid UTF-8 code
false	tests/lua/utf8/basics.lua:35: invalid UTF-8 code
false	tests/lua/utf8/basics.lua:36: invalid UTF-8 code
false	bad argument #1 to 'utf8.codes' (string expected, got no value)
1,2,1,1,3,1,4,1
€	...	3
]]
