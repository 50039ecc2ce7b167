-- The package table: its fields, preload, searchpath and require's error messages.
print(type(package.path), type(package.cpath), type(package.searchers), #package.searchers)
print((package.config:gsub("\n", "|")))
print(package.loaded._G == _G, package.loaded.package == package, package.loaded.string == string)
print(package.loaded == debug.getregistry()._LOADED, package.preload == debug.getregistry()._PRELOAD)
print(require "string" == string, require "_G" == _G, require "debug" == debug)
print(type(require), type(package.searchpath), type(package.loadlib))

-- preload: the loader gets the name and ":preload:"; require returns both values.
package.preload.pre = function(...)
  print("loading", ...)
  return { args = { ... } }
end
local m, data = require "pre"
print(m.args[1], m.args[2], data, package.loaded.pre == m)
print(select('#', require "pre"))
package.preload.prenil = function() end
print(require "prenil", package.loaded.prenil)

-- require keeps working with its own package table when the global is replaced.
local saved = package
package = nil
print(require "pre" == m)
package = saved

-- The "not found" message lists every searcher's attempt.
package.path = "?.lua;sub/?/x.lua"
package.cpath = "?.so;lib?.so"
print(select(2, pcall(require, "no.such")))
package.cpath = ""
print(select(2, pcall(require, "nothing")))
package.path = ""
print(select(2, pcall(require, "empty")))
package.path = "a;"
print(select(2, pcall(require, "trailing")))

-- Non-string paths and non-table searchers are errors.
package.path = {}
print(pcall(require, "x"))
package.path = "?.lua"
package.cpath = 42
print(select(2, pcall(require, "x")))
package.cpath = ""
local searchers = package.searchers
package.searchers = "none"
print(pcall(require, "x"))
package.searchers = searchers
print(pcall(require))
print(pcall(require, {}))

-- searchpath: sep and rep.
print(package.searchpath("a.b.c", "x/?.lua;y/?"))
print(package.searchpath("a.b", "?", "", ""))
print(package.searchpath("a-b", "?.z", "-", "+"))
print(package.searchpath("a.b", "?;?", ".", "::"))
print(package.searchpath("x", ""))
print(pcall(package.searchpath, "x"))
print(pcall(package.searchpath, nil, "?"))
print(package.searchpath("tests.lua.package.basics", "./?.lua"))
print(package.searchpath("tests/lua/package/basics.lua", "?", "/", "/"))
--[[expect
string	string	table	4
/|;|?|!|-|
true	true	true
true	true
true	true	true
function	function	function
loading	pre	:preload:
pre	:preload:	:preload:	true
1
true	true
true
module 'no.such' not found:
	no field package.preload['no.such']
	no file 'no/such.lua'
	no file 'sub/no/such/x.lua'
	no file 'no/such.so'
	no file 'libno/such.so'
	no file 'no.so'
	no file 'libno.so'
module 'nothing' not found:
	no field package.preload['nothing']
	no file 'nothing.lua'
	no file 'sub/nothing/x.lua'
	no file ''
module 'empty' not found:
	no field package.preload['empty']
	no file ''
	no file ''
module 'trailing' not found:
	no field package.preload['trailing']
	no file 'a'
	no file ''
	no file ''
false	'package.path' must be a string
module 'x' not found:
	no field package.preload['x']
	no file 'x.lua'
	no file '42'
false	'package.searchers' must be a table
false	bad argument #1 to 'require' (string expected, got no value)
false	bad argument #1 to 'require' (string expected, got table)
nil	no file 'x/a/b/c.lua'
	no file 'y/a/b/c'
nil	no file 'a.b'
nil	no file 'a+b.z'
nil	no file 'a::b'
	no file 'a::b'
nil	no file ''
false	bad argument #2 to 'package.searchpath' (string expected, got no value)
false	bad argument #1 to 'package.searchpath' (string expected, got nil)
./tests/lua/package/basics.lua
tests/lua/package/basics.lua
]]
