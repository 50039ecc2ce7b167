-- an error raised by the utf8 library ends the script
print(utf8.len("ok"))
for _, c in utf8.codes("abc\xff") do io.write(c, " ") end
--[[expect-error
tests/lua/utf8/len_error.lua:3: invalid UTF-8 code
]]
