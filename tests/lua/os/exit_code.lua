-- os.exit's status, seen from a child interpreter started through the shell
local exe = arg and arg[-1]
local i = -1
while arg and arg[i - 1] do i = i - 1 end
exe = arg and arg[i]
if not exe then print("skip") return end
local function run(code)
  local f = assert(io.popen(string.format("%q -e %q", exe, code)))
  local out = f:read("a")
  return out, f:close()
end
print(run("os.exit(true)"))
print(run("os.exit(false)"))
print(run("os.exit(7)"))
print(run("io.write('x') os.exit(3, true)"))
print(run("error('boom')"))
--[[expect
	true	exit	0
	nil	exit	1
	nil	exit	7
x	nil	exit	3
	nil	exit	1
]]
