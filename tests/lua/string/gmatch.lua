-- string.gmatch
for w in string.gmatch("one two three", "%a+") do io.write(w, ";") end print()
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do io.write(k, "->", v, " ") end print()
for p in ("abc"):gmatch("()") do io.write(p, " ") end print()
for a in ("abc"):gmatch("") do io.write("[", a, "]") end print()
for x in ("hello world"):gmatch("o", 6) do io.write(x, ".") end print()
for x in ("hello world"):gmatch("%a+", -5) do io.write(x, ".") end print()
for x in ("hello"):gmatch("l*") do io.write("<", x, ">") end print()
for x in ("^a^b"):gmatch("^.") do io.write(x, " ") end print()
for x in ("abc"):gmatch(".", 10) do io.write(x) end print("none")
local it = ("x1 y2"):gmatch("(%a)(%d)")
print(it()) print(it()) print(it()) print(it())
local n = 0
for _ in string.rep("ab", 1000):gmatch("ab") do n = n + 1 end
print(n)
-- the subject is kept alive by the iterator
local g = string.gmatch(string.rep("z", 3) .. "!", ".")
collectgarbage()
print(g(), g(), g(), g(), g())
print(pcall(string.gmatch, "abc"))
print(pcall(function() for x in ("abc"):gmatch("(") do end end))
print(pcall(function() for x in ("abc"):gmatch("%") do end end))
--[[expect
one;two;three;
a->1 b->2 c->3 
1 2 3 4 
[][][][]
o.
world.
<><><ll><>
^a ^b 
none
x	1
y	2


1000
z	z	z	!
false	bad argument #2 to 'string.gmatch' (string expected, got no value)
false	tests/lua/string/gmatch.lua:21: unfinished capture
false	tests/lua/string/gmatch.lua:22: malformed pattern (ends with '%')
]]
