local a, b, c = ...
local r
r = a .. b
r = a .. b .. c
r = a .. "x" .. b .. 1 .. c .. 2.5
r = "x" .. "y"
r = 1 .. 2
r = a .. b + c
r = a + b .. c
r = (a .. b) .. c
r = a .. (b .. c)
r = a .. b .. (c .. a) .. b
r = a.x .. a[b] .. a(c)
r = -a .. #b
r = a .. b .. c .. a .. b .. c .. a .. b .. c .. a
print(a .. b, b .. c)
return a .. b
