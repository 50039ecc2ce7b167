-- Generational collector: an object whose finalizer ran may still be a key of a weak table
-- (keys of resurrected objects are not cleared). It used to go back to the young list, so
-- the next minor collection freed it while the (old, untouched) weak table still held it:
-- the following major collection then read freed memory.
collectgarbage("generational")
local function run(mode)
  local weak = setmetatable({}, { __mode = mode })
  local finalized = 0
  do
    local k = setmetatable({}, { __gc = function() finalized = finalized + 1 end })
    if mode == "v" then weak[1] = k else weak[k] = "value" end
  end
  collectgarbage()          -- k is unreachable: its finalizer runs
  collectgarbage("step")    -- a minor collection
  local keep = {}
  for i = 1, 2000 do keep[i] = { i } end   -- reuse freed memory
  collectgarbage()          -- the weak table is traversed again
  collectgarbage()
  local n = 0
  for _ in pairs(weak) do n = n + 1 end
  print(mode, finalized, n)
end
run("k")
run("v")
run("kv")
collectgarbage("incremental")
--[[expect
k	1	0
v	1	0
kv	1	0
]]
