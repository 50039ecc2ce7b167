-- io.input, io.output, io.read, io.write, io.lines and io.close on the default files
print(io.input() == io.stdin, io.output() == io.stdout)
print(io.input(io.stdin) == io.stdin, io.output(io.stdout) == io.stdout)
local name = os.tmpname()

-- io.output with a name opens it for writing
local out = io.output(name)
print(io.type(out), io.output() == out, out ~= io.stdout)
print(io.write("line one\n", 2, "\n", 3.5, "\n") == out)
print(io.close())
print(io.type(out))
print(pcall(io.write, "x"))
print(pcall(io.flush))
print(pcall(io.close))
io.output(io.stdout)

-- io.input with a name opens it for reading
local inp = io.input(name)
print(io.read(), io.read("n"), io.read("n"), io.read("l"), io.read("l"))
print(io.read("a"), io.read("l"))
io.close(inp)
print(pcall(io.read))
print(pcall(io.lines))
io.input(io.stdin)

-- io.lines without a file name reads the default input and does not close it
io.input(name)
for l in io.lines() do io.write(l, "|") end
print(io.type(io.input()))
io.close(io.input())
io.input(io.stdin)

-- errors
print(pcall(io.input, "/nonexistent-dir/x"))
print(pcall(io.output, "/nonexistent-dir/x"))
print(pcall(io.input, {}))
local closed = io.open(name)
closed:close()
print(pcall(io.output, closed))
-- a number is a file name
print(pcall(io.input, 42))

-- io.flush returns true
print(io.flush())
print(io.stdout:flush(), io.stdout:seek("cur") ~= nil or true)
os.remove(name)
--[[expect
true	true
true	true
file	true	true
true
true
closed file
false	default output file is closed
false	default output file is closed
false	attempt to use a closed file
line one	2	3.5		nil
	nil
false	default input file is closed
false	attempt to use a closed file
line one|2|3.5|file
false	cannot open file '/nonexistent-dir/x' (No such file or directory)
false	cannot open file '/nonexistent-dir/x' (No such file or directory)
false	bad argument #1 to 'io.input' (FILE* expected, got table)
false	attempt to use a closed file
false	cannot open file '42' (No such file or directory)
true
true	true
]]
