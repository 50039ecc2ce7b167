-- debug.getinfo: every option, levels and functions, names, errors.
local function fields(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if type(v) == "table" then
      local lines = {}
      for l in pairs(v) do lines[#lines + 1] = l end
      table.sort(lines)
      v = "{" .. table.concat(lines, ",") .. "}"
    elseif type(v) == "function" then
      v = "<fn>"
    end
    out[#out + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(out, " ")
end

local function twoparams(a, b)
  local x = a
  return debug.getinfo(1), debug.getinfo(2, "nSl")
end
local me, caller = twoparams(1, 2)
print(fields(me))
print(fields(caller))

-- Functions instead of levels: no current line, no name.
print(fields(debug.getinfo(twoparams)))
print(fields(debug.getinfo(twoparams, "L")))
print(fields(debug.getinfo(print)))
print(fields(debug.getinfo(print, "L")))
print(fields(debug.getinfo(function(...) end, "u")))
print(fields(debug.getinfo(string.gmatch("a", "a"), "u")))

-- Active lines: lines with code, not the 'function' line of a vararg function.
local function lines(...)
  local a = 1

  local b = 2
end
print(fields(debug.getinfo(lines, "L")))
print(fields(debug.getinfo(load("\n\nreturn 1"), "SL")))

-- Names from the calling instruction.
local t = {}
function t.field() return debug.getinfo(1, "n") end
function t:method() return debug.getinfo(1, "n") end
local function loc() return debug.getinfo(1, "n") end
glob = function() return debug.getinfo(1, "n") end
local up = loc
local function useup() return up() end
print(fields(t.field()), fields(t:method()), fields(loc()), fields(glob()), fields(useup()))
for _ in function() print(fields(debug.getinfo(1, "n"))) end do end
local mt = setmetatable({}, { __index = function() return debug.getinfo(1, "n") end,
                               __add = function() return debug.getinfo(1, "n") end,
                               __call = function() return debug.getinfo(1, "n") end })
print(fields(mt.x), fields(mt + 1), fields(mt()))
print(fields(pcall(debug.getinfo, 1, "n") and select(2, pcall(debug.getinfo, 1, "n"))))

-- Tail calls.
local function tailed() return debug.getinfo(1, "tn"), debug.getinfo(2, "tnS") end
local function tailer() return tailed() end
local a, b = tailer()
print(fields(a), fields(b))

-- Sources of chunks.
for _, name in ipairs { "=custom", "@file.lua", "return 1", "x\ny", "" } do
  local f = load("return debug.getinfo(1, 'S')", name)
  print(fields(f()))
end
print(debug.getinfo(load(string.rep("x = 1 ", 20)), "S").short_src)

-- Levels out of range and bad options.
print(debug.getinfo(100), debug.getinfo(-1))
print(pcall(debug.getinfo, 1, "X"))
print(pcall(debug.getinfo, print, "X"))
print(pcall(debug.getinfo, 1, ">S"))
print(pcall(debug.getinfo, 100, ">S"))
print(pcall(debug.getinfo, 100, "X"))
print(pcall(debug.getinfo, "x"))
print(pcall(debug.getinfo, {}))
print(pcall(debug.getinfo))
print(fields(debug.getinfo(1, "")))
print(debug.getinfo(1, "f").func ~= nil, debug.getinfo(print, "f").func == print)
--[[expect
currentline=24 ftransfer=0 func=<fn> istailcall=false isvararg=false lastlinedefined=25 linedefined=22 name=twoparams namewhat=local nparams=2 ntransfer=0 nups=1 short_src=tests/lua/debug/getinfo.lua source=@tests/lua/debug/getinfo.lua what=Lua
currentline=26 lastlinedefined=0 linedefined=0 namewhat= short_src=tests/lua/debug/getinfo.lua source=@tests/lua/debug/getinfo.lua what=main
currentline=-1 ftransfer=0 func=<fn> istailcall=false isvararg=false lastlinedefined=25 linedefined=22 namewhat= nparams=2 ntransfer=0 nups=1 short_src=tests/lua/debug/getinfo.lua source=@tests/lua/debug/getinfo.lua what=Lua
activelines={23,24,25}
currentline=-1 ftransfer=0 func=<fn> istailcall=false isvararg=true lastlinedefined=-1 linedefined=-1 namewhat= nparams=0 ntransfer=0 nups=0 short_src=[C] source==[C] what=C

isvararg=true nparams=0 nups=0
isvararg=true nparams=0 nups=3
activelines={40,42,43}
activelines={3} lastlinedefined=0 linedefined=0 short_src=[string "..."] source=

return 1 what=main
name=field namewhat=field	name=method namewhat=method	name=loc namewhat=local	name=glob namewhat=global	namewhat=
name=for iterator namewhat=for iterator
name=index namewhat=metamethod	name=add namewhat=metamethod	name=mt namewhat=local
name=pcall namewhat=global
istailcall=true namewhat=	istailcall=false lastlinedefined=0 linedefined=0 namewhat= short_src=tests/lua/debug/getinfo.lua source=@tests/lua/debug/getinfo.lua what=main
lastlinedefined=0 linedefined=0 short_src=custom source==custom what=main
lastlinedefined=0 linedefined=0 short_src=file.lua source=@file.lua what=main
lastlinedefined=0 linedefined=0 short_src=[string "return 1"] source=return 1 what=main
lastlinedefined=0 linedefined=0 short_src=[string "x..."] source=x
y what=main
lastlinedefined=0 linedefined=0 short_src=[string ""] source= what=main
[string "x = 1 x = 1 x = 1 x = 1 x = 1 x = 1 x = 1 x =..."]
nil	nil
false	bad argument #2 to 'debug.getinfo' (invalid option)
false	bad argument #2 to 'debug.getinfo' (invalid option)
false	bad argument #2 to 'debug.getinfo' (invalid option '>')
false	bad argument #2 to 'debug.getinfo' (invalid option '>')
true	nil
false	bad argument #1 to 'debug.getinfo' (number expected, got string)
false	bad argument #1 to 'debug.getinfo' (number expected, got table)
false	bad argument #1 to 'debug.getinfo' (number expected, got no value)

true	true
]]
