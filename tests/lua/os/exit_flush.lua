-- os.exit without closing the state still flushes buffered output, as C's exit does
io.write("no newline before exit")
io.stdout:write("; and more")
os.exit(0)
print("not reached")
--[[expect
no newline before exit; and more]]
