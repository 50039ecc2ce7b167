-- io.popen: reading a command's output, writing its input, exit statuses
local p = assert(io.popen("echo hello; echo world"))
print(io.type(p), tostring(p):match("^file %(0x%x+%)$") ~= nil)
print(p:read("l"), p:read("L"), p:read("l"))
print(p:close())

p = io.popen("printf '1 2.5 0x10'")
print(p:read("n", "n", "n", "n"))
print(p:close())

print(io.popen("exit 5"):close())
print(io.popen("kill -9 $$"):close())
print(io.popen("true", "r"):read("a"))

for l in io.popen("printf 'a\\nb\\nc'"):lines() do io.write(l, ";") end
print()

-- write mode: the command reads what we write
local name = os.tmpname()
p = assert(io.popen("cat > " .. name, "w"))
p:write("through ", "the ", 1, " pipe\n")
print(p:close())
print(io.open(name):read("a"))
os.remove(name)

-- a pipe cannot seek; its other direction is unusable
p = io.popen("echo x")
print(p:seek("set", 0))
print(p:write("y"))
p:close()
p = io.popen("cat > /dev/null", "w")
print(p:read("a"))
p:close()

-- invalid modes
print(pcall(io.popen, "ls", ""))
print(pcall(io.popen, "ls", "r+"))
print(pcall(io.popen, "ls", "rw"))
print(pcall(io.popen, "ls", "rb"))
print(pcall(io.popen))

-- output written before popen comes first
io.write("parent ")
local c = io.popen("echo child", "w")
c:close()
print("done")
--[[expect
file	true
hello	world
	nil
true	exit	0
1	2.5	16	nil
true	exit	0
nil	exit	5
nil	signal	9

a;b;c;
true	exit	0
through the 1 pipe

nil	Illegal seek	29
nil	Bad file descriptor	9
nil	Bad file descriptor	9
false	bad argument #2 to 'io.popen' (invalid mode)
false	bad argument #2 to 'io.popen' (invalid mode)
false	bad argument #2 to 'io.popen' (invalid mode)
false	bad argument #2 to 'io.popen' (invalid mode)
false	bad argument #1 to 'io.popen' (string expected, got no value)
parent child
done
]]
