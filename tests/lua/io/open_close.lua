-- io.open modes, failures, closing, io.type, tostring
local name = os.tmpname()

for _, mode in ipairs({"r", "w", "a", "r+", "w+", "a+", "rb", "wb", "r+b", "abb"}) do
  local f = io.open(name, mode)
  io.write(mode, "=", io.type(f), " ")
  f:close()
end
print()

for _, mode in ipairs({"", "x", "rw", "rb+", "r+bk", "+", "b", "ww"}) do
  print(mode, pcall(io.open, name, mode))
end

-- failures return nil, message, errno
print(io.open("/nonexistent-dir/x"))
print(io.open("/nonexistent-dir/x", "w"))
print(io.open("/", "w"))

-- handles
local f = io.open(name, "w")
print(io.type(f), tostring(f):match("^file %(0x%x+%)$") ~= nil)
print(f:close())
print(io.type(f), tostring(f))
print(pcall(f.close, f))
print(pcall(f.write, f, "x"))
print(pcall(f.read, f))
print(pcall(f.lines, f))
print(pcall(f.seek, f))
print(pcall(f.flush, f))
print(pcall(f.setvbuf, f, "no"))
print(pcall(io.close, f))
print(io.type(42), io.type(nil), io.type({}), io.type(io.stdout))
print(pcall(io.type))
print(pcall(io.close, 42))
print(pcall(f.read, 42))

-- standard files cannot be closed
print(io.stdout:close())
print(io.stderr:close())
print(io.type(io.stdout), io.type(io.stdin), io.type(io.stderr))

-- the metatable
local mt = getmetatable(io.stdout)
print(mt.__name, type(mt.__index), type(mt.__gc), type(mt.__close), type(mt.__tostring))
print(getmetatable(f) == mt)

-- to-be-closed handles
do
  local g <close> = io.open(name, "w")
  g:write("closed by the block")
  f = g
end
print(io.type(f))
print(io.open(name):read("a"))

-- files are closed by the collector
do
  local g = io.open(name, "w")
  g:write("flushed by __gc")
end
collectgarbage()
collectgarbage()
print(io.open(name):read("a"))

-- reading a write-only file and writing a read-only one
f = io.open(name, "w")
print(f:read("a"))
f:close()
f = io.open(name, "r")
print(f:write("x"))
f:close()

-- a directory opens for reading but cannot be read
f = io.open("/")
print(io.type(f), f:read("a"))
f:close()

os.remove(name)
--[[expect
r=file w=file a=file r+=file w+=file a+=file rb=file wb=file r+b=file abb=file 
	false	bad argument #2 to 'io.open' (invalid mode)
x	false	bad argument #2 to 'io.open' (invalid mode)
rw	false	bad argument #2 to 'io.open' (invalid mode)
rb+	false	bad argument #2 to 'io.open' (invalid mode)
r+bk	false	bad argument #2 to 'io.open' (invalid mode)
+	false	bad argument #2 to 'io.open' (invalid mode)
b	false	bad argument #2 to 'io.open' (invalid mode)
ww	false	bad argument #2 to 'io.open' (invalid mode)
nil	/nonexistent-dir/x: No such file or directory	2
nil	/nonexistent-dir/x: No such file or directory	2
nil	/: Is a directory	21
file	true
true
closed file	file (closed)
false	attempt to use a closed file
false	attempt to use a closed file
false	attempt to use a closed file
false	attempt to use a closed file
false	attempt to use a closed file
false	attempt to use a closed file
false	attempt to use a closed file
false	attempt to use a closed file
nil	nil	nil	file
false	bad argument #1 to 'io.type' (value expected)
false	bad argument #1 to 'io.close' (FILE* expected, got number)
false	bad argument #1 to '?' (FILE* expected, got number)
nil	cannot close standard file
nil	cannot close standard file
file	file	file
FILE*	table	function	function	function
true
closed file
closed by the block
flushed by __gc
nil	Bad file descriptor	9
nil	Bad file descriptor	9
file	nil	Is a directory	21
]]
