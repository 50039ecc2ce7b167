-- Generational collector: a closed upvalue that the remembered set brought into one minor
-- collection must still trigger the write barrier for the next young value stored in it.
-- It used to stay gray after that collection, so the second store skipped the barrier and
-- the next minor collection freed a table still reachable through the upvalue.
collectgarbage("generational")
local function mk()
  local up = {}
  return function(v) up = v end, function() return up end
end
local set, get = mk()
collectgarbage()            -- the closed upvalue is old now
set({ "first" })            -- young value into an old upvalue: remembered
collectgarbage("step")      -- a minor collection traverses the upvalue
set({ "second", "x" })      -- another young value into the same upvalue
collectgarbage("step")      -- a minor collection: the table must survive
for i = 1, 200 do local _ = { i, {}, "s" .. i } end
local t = get()
print(t[1], t[2], #t)
collectgarbage("incremental")
--[[expect
second	x	2
]]
