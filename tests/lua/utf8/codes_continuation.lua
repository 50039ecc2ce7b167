-- utf8.codes refuses a subject that starts with a continuation byte (Lua 5.4.6)
for p, c in utf8.codes("abc") do io.write(p, ":", c, " ") end
print()
for p, c in utf8.codes("\x80abc") do io.write(p, ":", c, " ") end
print("not reached")
--[[expect-error
bad argument #1 to 'codes' (invalid UTF-8 code)
]]
