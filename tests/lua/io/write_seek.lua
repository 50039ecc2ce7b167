-- write results and number formats; seek; update modes; setvbuf
local name = os.tmpname()
local f = io.open(name, "w")
print(f:write("a", 1, " ", 2.5, " ", 1.0, " ", -0.0, " ", 1e100, " ", 2^63, " ", 1/3, " ", math.mininteger) == f)
print(f:write() == f)
print(pcall(f.write, f, {}))
print(pcall(f.write, f, nil))
print(pcall(f.write, f, true))
f:close()
print(io.open(name):read("a"))

-- seek
f = io.open(name, "w+")
f:write("hello world")
print(f:seek())
print(f:seek("set"))
print(f:read(5))
print(f:seek("cur"))
print(f:seek("cur", 1))
print(f:read("a"))
print(f:seek("end"))
print(f:seek("end", -5), f:read(2))
print(f:seek("set", 100), f:read("a"))
print(f:seek("set", -1))
print(pcall(f.seek, f, "bad"))
print(pcall(f.seek, f, "set", 1.5))
-- writing after reading lands at the read position
f:seek("set", 0)
print(f:read(5))
f:write("_")
f:seek("set")
print(f:read("a"))
-- reading after writing sees the written data
f:seek("set", 0)
f:write("HELLO")
print(f:read("a"))
f:close()

-- append modes write at the end whatever the position
f = io.open(name, "a+")
f:write("!")
f:seek("set", 0)
print(f:read(3))
f:write("?")
f:seek("set")
print(f:read("a"))
f:close()

-- r+ keeps the contents, w+ truncates
f = io.open(name, "r+")
f:write("J")
f:close()
print(io.open(name):read("a"))
f = io.open(name, "w+")
print(f:read("a") == "", f:seek("end"))
f:close()

-- setvbuf
f = io.open(name, "w")
print(f:setvbuf("no"), f:setvbuf("full", 2000), f:setvbuf("line"), f:setvbuf("full"))
print(pcall(f.setvbuf, f, "some"))
print(pcall(f.setvbuf, f))
f:close()
-- fully buffered: small writes wait for a flush
f = io.open(name, "w")
f:setvbuf("full", 1024)
f:write(string.rep("x", 10))
local g = io.open(name)
print(#g:read("a"))
f:flush()
print(#g:read("a"))
f:close()
g:close()
-- unbuffered: every write reaches the file
f = io.open(name, "w")
f:setvbuf("no")
g = io.open(name)
f:write("y")
print(#g:read("a"))
f:write("yy")
print(#g:read("a"))
f:close()
g:close()
-- line buffered: a newline flushes
f = io.open(name, "w")
f:setvbuf("line")
g = io.open(name)
f:write("z")
print(#g:read("a"))
f:write("z\n")
print(#g:read("a"))
f:close()
g:close()

-- big writes
f = io.open(name, "w")
local big = string.rep("0123456789", 10000)
f:write(big, big)
f:close()
f = io.open(name)
print(f:seek("end"), f:seek("set", 99995), f:read(10))
f:close()

-- tmpfile
local t = io.tmpfile()
print(io.type(t))
t:write("temporary")
t:seek("set")
print(t:read("a"))
t:close()

os.remove(name)
--[[expect
true
true
false	bad argument #2 to '?' (string expected, got table)
false	bad argument #2 to '?' (string expected, got nil)
false	bad argument #2 to '?' (string expected, got boolean)
a1 2.5 1 -0 1e+100 9.2233720368548e+18 0.33333333333333 -9223372036854775808
11
0
hello
5
6
world
11
6	wo
100	
nil	Invalid argument	22
false	bad argument #2 to '?' (invalid option 'bad')
false	bad argument #3 to '?' (number has no integer representation)
hello
hello_world
_world
HEL
HELLO_world!?
JELLO_world!?
true	0
true	true	true	true
false	bad argument #2 to '?' (invalid option 'some')
false	bad argument #2 to '?' (string expected, got no value)
0
10
1
2
0
3
200000	99995	5678901234
file
temporary
]]
