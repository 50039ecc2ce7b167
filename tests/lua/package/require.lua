-- require with Lua files found along package.path (fixtures in tests/lua/package/modules).
local dir = "tests/lua/package/modules/"
package.path = dir .. "?.lua;" .. dir .. "?/init.lua"
package.cpath = ""

-- The loader gets the module name and the file name; require returns the value and the file.
local m, where = require "pkgecho"
print(m.name, m.file, m.nargs, where)
print(package.loaded.pkgecho == m, PKGECHO_LOADS)
-- Cached: the file does not run again and there is no second value.
print(require "pkgecho" == m, select('#', require "pkgecho"), PKGECHO_LOADS)

-- A module returning nothing is stored as true.
print(require "pkgnil", PKGNIL_RAN, package.loaded.pkgnil)
-- A module may store its own value.
print(require "pkgself")
-- false is a value: require keeps it (and loads again next time, since false is not "loaded").
print(require "pkgfalse", package.loaded.pkgfalse)

-- Submodules: dots become directory separators; init.lua for packages.
local c, f = require "pkgsub.child"
print(c.name, c.file, f)
local d, g = require "pkgdir"
print(d.name, d.file, g)

-- Nested require while loading.
local n = require "pkgnested"
print(n.me, n.inner == m)

-- A first line starting with '#' is skipped but counted.
print(require("pkgshebang").line)

-- Errors while loading name the module and the file.
local ok, err = pcall(require, "pkgsyntax")
print(ok, err)
print(package.loaded.pkgsyntax)
ok, err = pcall(require, "pkgruntime")
print(ok, err, PKGRUNTIME_STARTED, package.loaded.pkgruntime)

-- Reloading after clearing package.loaded runs the file again.
package.loaded.pkgecho = nil
local m2 = require "pkgecho"
print(m2 ~= m, PKGECHO_LOADS)

-- searchpath finds the same files.
print(package.searchpath("pkgsub.child", package.path))
print(package.searchpath("pkgdir", package.path))
print(package.searchpath("pkgsub/child", dir .. "?.lua", "/", "/"))
print(package.searchpath("nope", package.path))
--[[expect
pkgecho	tests/lua/package/modules/pkgecho.lua	2	tests/lua/package/modules/pkgecho.lua
true	1
true	1	1
true	true	true
stored by the module	tests/lua/package/modules/pkgself.lua
false	false
pkgsub.child	tests/lua/package/modules/pkgsub/child.lua	tests/lua/package/modules/pkgsub/child.lua
pkgdir	tests/lua/package/modules/pkgdir/init.lua	tests/lua/package/modules/pkgdir/init.lua
pkgnested	true
3
false	error loading module 'pkgsyntax' from file 'tests/lua/package/modules/pkgsyntax.lua':
	tests/lua/package/modules/pkgsyntax.lua:2: unexpected symbol near '='
nil
false	tests/lua/package/modules/pkgruntime.lua:3: module failed on purpose	true	nil
true	2
tests/lua/package/modules/pkgsub/child.lua
tests/lua/package/modules/pkgdir/init.lua
tests/lua/package/modules/pkgsub/child.lua
nil	no file 'tests/lua/package/modules/nope.lua'
	no file 'tests/lua/package/modules/nope/init.lua'
]]
