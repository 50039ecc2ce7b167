-- A third-party native module (examples/native-module) loaded with require from the native
-- module path (the luna executable's directory).
local greet = require "greet"
print(greet.hello("world"))
print(greet.count({ 10, 20, 30, name = "x" }))
local p = greet.person("Ada", 36)
print(p.name, p.age)
print(pcall(greet.fail, "from the module"))
print(pcall(greet.hello, {}))
print(package.loaded.greet == greet, require "greet" == greet)
-- Every function gets the same treatment as a built-in one.
print(type(greet.hello), debug.getinfo(greet.hello, "S").what)

--[[expect
Hello, world!
4	60.0
Ada	36
false	from the module
false	bad argument #1 to 'greet.hello' (string expected, got table)
true	true
function	C
]]
