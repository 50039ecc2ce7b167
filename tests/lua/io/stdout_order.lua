-- print, io.write, io.stdout:write and io.stderr share order on standard output
io.write("a")
print("b")
io.stdout:write("c", "\n")
io.write("d", 1, 2.0, "\n")
print(io.stdout:write("e") == io.stdout)
io.stdout:setvbuf("no")
io.write("f")
print("g")
io.stdout:setvbuf("full")
io.write("h\n")
io.stdout:setvbuf("line")
print("i")
io.stderr:write("")
io.write("no newline at the end")
--[[expect
ab
c
d12
etrue
fg
h
i
no newline at the end]]
