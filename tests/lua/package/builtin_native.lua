-- lfs is built in, but found where PUC-Lua finds a C library: after preload and after Lua
-- files along package.path, by the native searcher.
local saved = package.path
package.path = "tests/lua/package/modules/override/?.lua"
print(require("lfs").mine)
package.loaded.lfs = nil
package.path = ""
local lfs, where = require("lfs")
print(type(lfs.dir), where, _G.lfs == lfs)
package.path = saved

--[[expect
true
function	:builtin:	true
]]
