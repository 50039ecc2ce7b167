-- os.execute and os.setlocale
print(os.execute())
print(os.execute("true"))
print(os.execute("exit 3"))
print(os.execute("exit 255"))
print(os.execute("kill -9 $$"))
print(os.execute("kill -15 $$"))
print(os.execute("nonexistent-command-xyz 2>/dev/null"))
-- output ordering: ours first, then the child's
io.write("before ")
os.execute("echo child")
print("after")
print(pcall(os.execute, {}))

print(os.setlocale())
print(os.setlocale("C"))
print(os.setlocale("POSIX"))
print(os.setlocale(nil, "numeric"))
print(os.setlocale("C", "time"))
print(os.setlocale("xx_YY.nonexistent"))
print(pcall(os.setlocale, "C", "bogus"))
--[[expect
true
true	exit	0
nil	exit	3
nil	exit	255
nil	signal	9
nil	signal	15
nil	exit	127
child
before after
false	bad argument #1 to 'os.execute' (string expected, got table)
C
C
C
C
C
nil
false	bad argument #2 to 'os.setlocale' (invalid option 'bogus')
]]
