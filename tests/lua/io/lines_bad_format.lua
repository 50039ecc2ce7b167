-- an invalid format is reported when the iterator runs
local name = os.tmpname()
local f = assert(io.open(name, "w"))
f:write("x\n")
f:close()
local ok, err = pcall(function() for l in io.lines(name, "*x") do end end)
os.remove(name)
error(err, 0)
--[[expect-error
tests/lua/io/lines_bad_format.lua:6: bad argument #2 to 'for iterator' (invalid format)
]]
