-- string.format
print(string.format("%d %i %5d|%-5d|%05d %+d % d", 42, -7, 3, 3, 42, 5, 5))
print(string.format("%x %X %#x %o %#o %c%c%c", 255, 255, 255, 8, 8, 76, 117, 97))
print(string.format("%f %.2f %10.3f|%-10.1f|%e %.3E %g %g %g", 1/3, 2/3, math.pi, 1.5, 12345.678, 0.00012, 1e20, 0.1, 100))
print(string.format("%a %A %.1a", 1.0, 0.5, 3.0))
print(string.format("%s %s %s %s %s", "str", 12, 1.5, true, nil))
print(string.format("%10s|%-10s|%.2s|%5.1s|", "abc", "abc", "abc", "abc"))
print(string.format("%%"), string.format("100%% %s", "x"), string.format("no args"))
print(string.format("%d", 3.0), string.format("%d", "10"), string.format("%.0f", 0.5), string.format("%5.2f", "1.5"))
print(string.format("%q", "a\nb\"c\\d\0e\1f\200\r"))
print(string.format("%q", 1/0), string.format("%q", -1/0), string.format("%q", 0/0), string.format("%q", math.mininteger))
print(string.format("%q %q %q %q", 42, 0.5, true, nil))
print(string.format("%s", setmetatable({}, {__tostring = function() return "custom" end})))
print(string.format("%-8s|", setmetatable({}, {__tostring = function() return "obj" end})))
print(string.format("%p", nil), string.format("%p", 1), string.format("%10p|", true))
local t = {}
print(string.format("%p", t) == string.format("%p", t), string.format("%p", t) ~= string.format("%p", {}))
print(select("#", string.format("")), #string.format("%099d", 1), #string.format("%.99f", 1))
print(pcall(string.format, "%d", 1.5))
print(pcall(string.format, "%d", "x"))
print(pcall(string.format, "%d"))
print(pcall(string.format, "%y", 1))
print(pcall(string.format, "%123d", 1))
print(pcall(string.format, "%10q", "x"))
print(pcall(string.format, "%q", {}))
print(pcall(string.format, "%10.3c", 65))
print(pcall(string.format, "%s %s", 1))
print(pcall(string.format, "%10s", "a\0b"))
print(pcall(string.format, "%s", setmetatable({}, {__tostring = function() return {} end})))
print(pcall(string.format))
print(pcall(string.format, "%", 1))
print(string.format("%s", "a\0b") == "a\0b", #string.format("%s %s", "\0", "\0"))
print(string.format("%5s", string.rep("x", 200)) == string.rep("x", 200))
print(string.format("%.3s", setmetatable({}, {__name = "MyType"})))
--[[expect
42 -7     3|3    |00042 +5  5
ff FF 0xff 10 010 Lua
0.333333 0.67      3.142|1.5       |1.234568e+04 1.200E-04 1e+20 0.1 100
0x1p+0 0X1P-1 0x1.8p+1
str 12 1.5 true nil
       abc|abc       |ab|    a|
%	100% x	no args
3	10	0	 1.50
"a\
b\"c\\d\0e\1f»\13"
1e9999	-1e9999	(0/0)	0x8000000000000000
42 0x1p-1 true nil
custom
obj     |
(null)	(null)	    (null)|
true	true
1	99	101
false	bad argument #2 to 'string.format' (number has no integer representation)
false	bad argument #2 to 'string.format' (number expected, got string)
false	bad argument #2 to 'string.format' (no value)
false	invalid conversion '%y' to 'format'
false	invalid conversion specification: '%123d'
false	specifier '%q' cannot have modifiers
false	bad argument #2 to 'string.format' (value has no literal form)
false	invalid conversion specification: '%10.3c'
false	bad argument #3 to 'string.format' (no value)
false	bad argument #2 to 'string.format' (string contains zeros)
false	'__tostring' must return a string
false	bad argument #1 to 'string.format' (string expected, got no value)
false	invalid conversion '%' to 'format'
true	3
true
MyT
]]
