-- Scripts run inside the command line's native entry function, as lua's run inside pmain:
-- every traceback ends with its "[C]: in ?" line.
print(debug.traceback("x"))
print(select(2, xpcall(function() error("e") end, debug.traceback)))
print(pcall(coroutine.yield))

--[[expect
x
stack traceback:
	tests/lua/debug/traceback_bottom.lua:3: in main chunk
	[C]: in ?
tests/lua/debug/traceback_bottom.lua:4: e
stack traceback:
	[C]: in function 'error'
	tests/lua/debug/traceback_bottom.lua:4: in function <tests/lua/debug/traceback_bottom.lua:4>
	[C]: in function 'xpcall'
	tests/lua/debug/traceback_bottom.lua:4: in main chunk
	[C]: in ?
false	attempt to yield from outside a coroutine
]]
