-- assert(v, msg) raises msg as error(msg) would at level 1: a string message gets the
-- position of the code that called assert; other messages pass unchanged. luafun's test
-- runner depends on it (it parses "chunk:line: message").
local function check(obj) assert(obj ~= nil, "invalid iterator") end
local ok, e = pcall(check, nil)
print(ok, (e:gsub("^.-(:%d+:)", "chunk%1")))
print(pcall(assert, false, "called from pcall: no position"))
print(pcall(function() assert(false, 42) end))
local t = {}
print(select(2, pcall(function() assert(false, t) end)) == t)
print(pcall(function() assert(false, nil) end))
ok, e = pcall(function() assert(false) end)
print((e:gsub("^.-(:%d+:)", "chunk%1")))
print(select('#', assert(1, 2, 3)))
--[[expect
false	chunk:4: invalid iterator
false	called from pcall: no position
false	42
true
false	nil
chunk:12: assertion failed!
3
]]
