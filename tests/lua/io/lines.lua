-- io.lines and file:lines
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("one\ntwo\n\nfour\n5 6 7\nlast")
f:close()

for l in io.lines(name) do io.write("[", l, "]") end
print()
for l in io.lines(name, "L") do io.write("[", l, "]") end
print()
for a, b in io.lines(name, 1, 2) do io.write("<", a, "|", b, ">") end
print()
for n in io.lines(name, "n") do print(n) end
local count = 0
for _ in io.lines(name, 0) do count = count + 1; if count > 100 then break end end
print(count)

-- the iterator closes the file it opened at the end ...
local it = io.lines(name)
while it() do end
print(pcall(it))
-- ... and the 4th value closes it when the loop is left early
local it2, s, c, closing = io.lines(name)
print(io.type(closing), s, c)
for l in it2, s, c, closing do break end
print(io.type(closing))

-- file:lines does not close the file
f = io.open(name)
for l in f:lines() do end
print(io.type(f), f:read("a"), f:seek("cur"))
f:seek("set")
for a, b in f:lines("l", "n") do print(a, b) end
f:close()
print(pcall(f.lines, f))

-- errors
print(pcall(io.lines, "/nonexistent-dir/x"))
print(pcall(function() for l in io.lines(name, "x") do end end))
print(pcall(io.lines, name, table.unpack({}, 1, 251)))
os.remove(name)
--[[expect
[one][two][][four][5 6 7][last]
[one
][two
][
][four
][5 6 7
][last]
<o|ne><
|tw><o|

><f|ou><r|
5>< |6 ><7|
l><a|st>
101
false	file is already closed
file	nil	nil
closed file
file		24
one	nil
two	nil
four	5
 6 7	nil
last	nil
false	attempt to use a closed file
false	cannot open file '/nonexistent-dir/x' (No such file or directory)
false	tests/lua/io/lines.lua:39: bad argument #2 to 'for iterator' (invalid format)
false	bad argument #252 to 'io.lines' (too many arguments)
]]
