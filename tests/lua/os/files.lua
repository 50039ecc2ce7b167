-- os.remove, os.rename, os.tmpname, os.getenv
local name = os.tmpname()
print(type(name), name:match("^/tmp/lua_") ~= nil)
-- tmpname creates the file
local f = io.open(name, "r")
print(io.type(f), f:read("a"))
f:close()

local other = name .. ".renamed"
print(os.rename(name, other))
print(io.open(name) == nil, io.open(other) ~= nil)
local r1, m1, e1 = os.rename(name, other)
print(r1, m1, e1)
print(os.remove(other))
local r2, m2, e2 = os.remove(other)
print(r2, m2 == other .. ": No such file or directory", e2)

print(os.remove("/nonexistent-dir/file"))
-- removing an empty directory works like C's remove
local dir = os.tmpname()
os.remove(dir)
os.execute("mkdir " .. dir)
print(os.remove(dir))

print(pcall(os.remove))
print(pcall(os.rename, "a"))
print(pcall(os.remove, {}))

-- environment
print(type(os.getenv("PATH")), os.getenv("LUNA_SURELY_UNSET_VARIABLE_42"))
print(os.getenv(""), os.getenv("A=B"))
print(pcall(os.getenv))
print(pcall(os.getenv, {}))
--[[expect
string	true
file	
true
true	true
nil	No such file or directory	2
true
nil	true	2
nil	/nonexistent-dir/file: No such file or directory	2
true
false	bad argument #1 to 'os.remove' (string expected, got no value)
false	bad argument #2 to 'os.rename' (string expected, got no value)
false	bad argument #1 to 'os.remove' (string expected, got table)
string	nil
nil	nil
false	bad argument #1 to 'os.getenv' (string expected, got no value)
false	bad argument #1 to 'os.getenv' (string expected, got table)
]]
