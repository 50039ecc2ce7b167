-- read formats: l, L, n, a, counts, and their results at end of file
local name = os.tmpname()
local function writefile(s) local f = assert(io.open(name, "wb")); f:write(s); f:close() end

writefile("first line\nsecond line\n\nlast line without newline")
local f = io.open(name)
print(f:read())
print(f:read("L"))
print(f:read("l"))
print(f:read("l"))
print(f:read("l"))
print(f:read("a"))
print(f:read("a"))
print(f:read("l"))
print(f:read(0))
print(f:read(5))
f:close()

-- counts
f = io.open(name)
print(f:read(0), f:read(5), f:read(1), f:read(100))
print(f:read(0), f:read(1))
f:close()

-- several formats at once, stopping at the first failure
f = io.open(name)
print(f:read("l", "l", "L", "l", "l", "l", "l"))
f:close()

-- the old '*' prefixes
f = io.open(name)
print(f:read("*l"), f:read("*L"), #f:read("*a"))
f:close()
print(pcall(io.read, "x"))
print(pcall(io.read, {}))
print(pcall(io.read, 1.5))

-- numbers
writefile("10 -3 0x1F 1e2 .5 5. -0x.8p1 +7 0xA.8 123456789012345678901 1e500 \t\n 42")
f = io.open(name)
local r = {}
for i = 1, 13 do
  local v = f:read("n")
  r[#r + 1] = tostring(v) .. ":" .. tostring(math.type(v))
end
print(table.concat(r, " "))
f:close()

writefile("12abc 0x 1e+ --1 .e1 3")
f = io.open(name)
print(f:read("n"), f:read("a"))
f:close()
f = io.open(name)
print(f:read(5), f:read("n"), f:read(3))
print(f:read("n"), f:read(1))
print(f:read("n"), f:read(2))
print(f:read("n"), f:read(1))
print(f:read("n"), f:read("a"))
f:close()

writefile("1 2 3\n4 five 6")
f = io.open(name)
print(f:read("n", "n", "n", "n", "n", "n"))
print(f:read("a"))
f:close()

-- a numeral longer than 200 characters is rejected
writefile(string.rep("1", 201) .. " 7")
f = io.open(name)
print(f:read("n"), #f:read("a"))
f:close()
writefile(string.rep("0", 199) .. "1 7")
f = io.open(name)
print(f:read("n"), f:read("n"))
f:close()

-- binary data
writefile("a\0b\r\n\255\n")
f = io.open(name, "rb")
local l1 = f:read("l")
print(#l1, l1:byte(1, -1))
print(f:read("L"):byte(1, -1))
print(f:read("a") == "")
f:close()

-- a long line
writefile(string.rep("x", 100000) .. "\nend")
f = io.open(name)
print(#f:read("l"), f:read("l"))
f:close()

-- stdin is empty here
print(io.read("a") == "" or io.read("a"))
print(io.read("l"))
print(io.read(0))

os.remove(name)
--[[expect
first line
second line


last line without newline
nil


nil
nil
nil
	first	 	line
second line

last line without newline
nil	nil
first line	second line	
	last line without newline	nil
first line	second line
	26
false	bad argument #1 to 'io.read' (invalid format)
false	bad argument #1 to 'io.read' (string expected, got table)
false	bad argument #1 to 'io.read' (number has no integer representation)
10:integer -3:integer 31:integer 100.0:float 0.5:float 5.0:float -1.0:float 7:integer 10.5:float 1.2345678901235e+20:float inf:float 42:integer nil:nil
12	abc 0x 1e+ --1 .e1 3
12abc	nil	 1e
nil	 
nil	-1
nil	e
1	 3
1	2	3	4	nil
five 6
nil	3
1	7
4	97	0	98	13
255	10
true
100000	end
true
nil
nil
]]
