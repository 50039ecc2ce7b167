-- debug.sethook / gethook: call, return, line and count events, in Lua's exact order.
local events
local function recorder(event, line)
  local info = debug.getinfo(2, "nS")
  local where = info.what == "C" and "C" or tostring(info.linedefined)
  events[#events + 1] = event .. (line and (":" .. line) or "") .. "@" .. where .. ":" .. tostring(info.name)
end
local function run(mask, count, f, ...)
  events = {}
  debug.sethook(recorder, mask, count)
  f(...)
  debug.sethook()
  print(table.concat(events, " "))
end

local function add(a, b)
  return a + b
end
local function count(...)
  return select('#', ...)
end
local function body()
  local x = add(1, 2)
  local y = count(1, 2, 3) local z = add(x, y)
  if x > y then
    z = 0
  end
  return add(z, 1)
end
run("l", 0, body)
run("c", 0, body)
run("r", 0, body)
run("crl", 0, body)

-- Tail calls report "tail call".
local function down(n) if n == 0 then return "bottom" end return down(n - 1) end
run("cr", 0, down, 2)

-- Loops report their lines on every iteration.
run("l", 0, function()
  for i = 1, 3 do
    local _ = i
  end
  local n = 0
  while n < 2 do n = n + 1 end
end)

-- Count hooks.
local n = 0
debug.sethook(function(e) n = n + 1 end, "", 1)
for i = 1, 100 do end
debug.sethook()
print(n > 100 and n < 120)
n = 0
debug.sethook(function(e) n = n + 1 end, "", 10)
for i = 1, 100 do end
debug.sethook()
print(n >= 20 and n <= 22)

-- gethook returns the function, the mask and the count.
local function h() end
debug.sethook(h, "crl", 7)
local f, mask, c = debug.gethook()
debug.sethook()
print(f == h, mask, c)
debug.sethook(h, "", 3)
print(select(2, debug.gethook()), select(3, debug.gethook()))
debug.sethook(h, "lc")
print(select(2, debug.gethook()))
debug.sethook()
print(debug.gethook())
debug.sethook(h, "")
print(debug.gethook())

-- The hook function is named "hook"; hooks do not run inside hooks.
local inside = {}
debug.sethook(function()
  local info = debug.getinfo(1, "n")
  inside[#inside + 1] = info.namewhat .. ":" .. info.name
  add(1, 1)
end, "l")
local _ = 1
debug.sethook()
print(#inside, inside[1])

-- Call and return hooks see the transferred values.
local seen = {}
debug.sethook(function(event)
  local ar = debug.getinfo(2, "rn")
  if ar.name ~= "pick" and ar.name ~= "max" then return end
  local vals = {}
  for i = ar.ftransfer, ar.ftransfer + ar.ntransfer - 1 do
    vals[#vals + 1] = tostring(select(2, debug.getlocal(2, i)))
  end
  local va = {}
  for i = 1, 5 do
    local name, v = debug.getlocal(2, -i)
    if not name then break end
    va[#va + 1] = tostring(v)
  end
  seen[#seen + 1] = event .. " " .. ar.name .. " " .. ar.ftransfer .. "/" .. ar.ntransfer
    .. " [" .. table.concat(vals, ",") .. "] va[" .. table.concat(va, ",") .. "]"
end, "cr")
local function pick(a, ...) return ..., a end
pick(1, 2, 3)
math.max(4, 5)
debug.sethook()
for _, s in ipairs(seen) do print(s) end

-- Errors in hooks propagate.
print(pcall(function()
  debug.sethook(function(e, l) debug.sethook(); error("from hook") end, "l")
  local x = 1
end))
print(debug.gethook())

-- Bad arguments.
print(pcall(debug.sethook, 1, "l"))
print(pcall(debug.sethook, print))
--[[expect
line:11@8:run line:23@22:f line:17@16:add line:24@22:f line:20@19:count line:17@16:add line:25@22:f line:28@22:f line:17@16:nil line:12@8:run
call@22:f call@16:add call@19:count call@C:select call@16:add tail call@16:nil call@C:sethook
return@C:sethook return@16:add return@C:select return@19:count return@16:add return@16:nil
return@C:sethook line:11@8:run call@22:f line:23@22:f call@16:add line:17@16:add return@16:add line:24@22:f call@19:count line:20@19:count call@C:select return@C:select return@19:count call@16:add line:17@16:add return@16:add line:25@22:f line:28@22:f tail call@16:nil line:17@16:nil return@16:nil line:12@8:run call@C:sethook
return@C:sethook call@36:f tail call@36:nil tail call@36:nil return@36:nil call@C:sethook
line:11@8:run line:41@40:f line:42@40:f line:41@40:f line:42@40:f line:41@40:f line:42@40:f line:41@40:f line:44@40:f line:45@40:f line:45@40:f line:45@40:f line:46@40:f line:12@8:run
true
false
true	crl	7
	3
cl	0
nil
nil
2	hook:?
call pick 1/1 [1] va[2,3]
return pick 2/2 [2,1] va[2,3]
call max 1/2 [4,5] va[]
return max 3/1 [5] va[]
false	tests/lua/debug/hooks.lua:112: from hook
nil
false	bad argument #1 to 'debug.sethook' (function expected, got number)
false	bad argument #2 to 'debug.sethook' (string expected, got no value)
]]
