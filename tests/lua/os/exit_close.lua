-- os.exit(true, true) closes the state: pending to-be-closed variables and finalizers run,
-- and buffered output is flushed before the process ends
local keep = setmetatable({}, {__gc = function() print("finalizer ran") end})
io.write("buffered without newline; ")
local t <close> = setmetatable({}, {__close = function() print("closed t") end})
os.exit(true, true)
print("not reached")
--[[expect
buffered without newline; closed t
finalizer ran
]]
