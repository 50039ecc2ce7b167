-- string.gsub
print(string.gsub("hello world", "o", "0"))
print(string.gsub("hello world", "o", "0", 1))
print(string.gsub("hello world", "(o)", "[%1%1]"), string.gsub("abc", "", "-"))
print(string.gsub("hello", "l+", "%0%0"), string.gsub("hello", ".", "%%"), string.gsub("abc", "b", "%%1"))
print(string.gsub("hello world", "(%w+) (%w+)", "%2 %1"))
print(string.gsub("abc", "%w", "%1"), string.gsub("abc", "()", "%1"))
print(string.gsub("$name is $age", "%$(%w+)", {name = "Bob", age = 42}))
print(string.gsub("$x $y", "%$(%w+)", {x = false}))
print(string.gsub("1 2 3", "%d", function(d) return d * 2 end))
print(string.gsub("a b c", "%a", function(c) if c == "b" then return nil end return c:upper() end))
print(string.gsub("abc", ".", {a = 1, b = 2.5}))
print(string.gsub("abc", "(a)(b)(c)", function(...) return select("#", ...) .. table.concat({...}) end))
print(string.gsub("hello", "", "|", 3))
print(string.gsub("hello", "l", "L", 0), string.gsub("hello", "l", "L", -1), string.gsub("hello", "l", "L", 1.0))
print(string.gsub("^^abc", "^%^", "x"), string.gsub("abc", "^", ">"), string.gsub("abc", "$", "<"))
print(string.gsub("abc", "b*", "-"))
print(string.gsub("a,b,,c", ",", ";"), string.gsub("", "x*", "y"))
print(string.gsub(12345, 3, 0), string.gsub("x", "x", 1.5))
print(string.gsub("abc", "%w", "%0%0", 2))
local s = "unchanged"
print(rawequal((string.gsub(s, "z", "y")), s), (string.gsub(s, "n", {})), (string.gsub(s, "n", function() end)))
print(pcall(string.gsub, "abc", "b", "%2"))
print(pcall(string.gsub, "abc", "b", "%x"))
print(pcall(string.gsub, "abc", "b", "%"))
print(pcall(string.gsub, "abc", "b", {b = {}}))
print(pcall(string.gsub, "abc", "b", function() return true end))
print(pcall(string.gsub, "abc", "b"))
print(pcall(string.gsub, "abc", "b", true))
print(pcall(string.gsub, "abc", "(b", "x"))
print(pcall(string.gsub, "abc", "b", "x", "y"))
-- replacement functions may call gsub again and see their captures
print(string.gsub("a(b(c))", "%b()", function(s) return (s:gsub("%a", string.upper)) end))
-- a table with __index
local t = setmetatable({}, {__index = function(_, k) return "<" .. k .. ">" end})
print(string.gsub("x y", "%a", t))
print(pcall(string.gsub, "abc", ".", function() error("boom") end))
print(pcall(string.gsub, "abc", ".", setmetatable({}, {__index = function() error("idx") end})))
--[[expect
hell0 w0rld	2
hell0 world	1
hell[oo] w[oo]rld	-a-b-c-	4
hellllo	%%%%%	a%1c	1
world hello	1
abc	1a2b3c4	4
Bob is 42	2
$x $y	2
2 4 6	3
A b C	3
12.5c	3
3abc	1
|h|e|llo	3
hello	hello	heLlo	1
x^abc	>abc	abc<	1
-a-c-	3
a;b;;c	y	1
12045	1.5	1
aabbc	2
true	unchanged	unchanged
false	invalid capture index %2
false	invalid use of '%' in replacement string
false	invalid use of '%' in replacement string
false	invalid replacement value (a table)
false	invalid replacement value (a boolean)
false	bad argument #3 to 'string.gsub' (string/function/table expected, got no value)
false	bad argument #3 to 'string.gsub' (string/function/table expected, got boolean)
true	axc	1
false	bad argument #4 to 'string.gsub' (number expected, got string)
a(B(C))	1
<x> <y>	2
false	tests/lua/string/gsub.lua:37: boom
false	tests/lua/string/gsub.lua:38: idx
]]
