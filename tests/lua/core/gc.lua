-- the collector: cycles, weak tables, ephemerons, finalizers, collectgarbage options
collectgarbage()
local before = collectgarbage("count")
do
  for i = 1, 20000 do
    local a, b = {}, {}
    a.other, b.other = b, a
    a.f = function() return b end
  end
end
collectgarbage()
local after = collectgarbage("count")
print(after - before < 200)
-- weak values
local wv = setmetatable({}, {__mode = "v"})
wv[1] = {}
wv[2] = "a string stays"
local keep = {}
wv[3] = keep
collectgarbage()
print(wv[1], wv[2], wv[3] == keep)
-- weak keys (ephemeron): value refers to key
local wk = setmetatable({}, {__mode = "k"})
do
  local k1 = {}
  wk[k1] = {ref = k1}
  wk[keep] = "kept"
end
collectgarbage()
local n = 0
for k, v in pairs(wk) do n = n + 1 end
print(n, wk[keep])
-- all weak
local wkv = setmetatable({}, {__mode = "kv"})
wkv[{}] = {}
wkv[1] = 1
collectgarbage()
n = 0
for k, v in pairs(wkv) do n = n + 1 end
print(n)
-- finalizers: order (reverse of marking), resurrection
local order = {}
local objs = {}
for i = 1, 3 do
  objs[i] = setmetatable({}, {__gc = function() order[#order + 1] = i end})
end
objs = nil
collectgarbage()
print(#order, order[1], order[2], order[3])
local resurrected
do
  setmetatable({name = "zombie"}, {__gc = function(o) resurrected = o end})
end
collectgarbage()
print(resurrected and resurrected.name)
-- __gc set after setmetatable does not count
local flag = false
local mt = {}
setmetatable({}, mt)
mt.__gc = function() flag = true end
collectgarbage()
print(flag)
-- error in __gc becomes a warning, not an error
setmetatable({}, {__gc = function() error("in gc") end})
collectgarbage()
print("still running")
print(collectgarbage("isrunning"))
collectgarbage("stop")
print(collectgarbage("isrunning"))
collectgarbage("restart")
print(collectgarbage("isrunning"))
print(type(collectgarbage("count")))
print(collectgarbage("incremental"), collectgarbage("generational"), collectgarbage("incremental"))
print(type(collectgarbage("step")))
print(pcall(collectgarbage, "bogus"))
-- lots of garbage strings and closures
local s = 0
for i = 1, 100000 do local t = {i}; s = s + #t end
print(s)
--[[expect
true
nil	a string stays	true
1	kept
1
3	3	2	1
zombie
false
still running
true
false
true
number
generational	incremental	generational
boolean
false	bad argument #1 to 'collectgarbage' (invalid option 'bogus')
100000
]]
