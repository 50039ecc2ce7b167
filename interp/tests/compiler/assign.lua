-- locals, multiple assignment, conflicts, constants, globals, upvalues
local a, b, c = 1, 2
local d, e = 1, 2, 3
local f, g = f, g
local h
local i, j
local k = nil
local l, m = nil, nil
local n = h
local o = a + b
a, b = b, a
a, b, c = 1
a, b = 1, 2, 3
a, b = f()
a, b, c = 1, f()
a, b = f(), g()
a = a
a.x, a = 1, 2
a, a.x = 1, 2
a[b], b = 1, 2
b, a[b] = 1, 2
a[b], a = b, a
a.x, a.y = a.y, a.x
x, y = y, x
x, a = a, x
x.y, x = 1, 2
t = {}; t.x, t.y, t = 1, 2, 3
local p <const> = 10
local q <const> = "str"
local r <const> = 2.5
local s <const> = true
local u <const> = nil
local v <const> = p * 2 + 1
local w <const> = f()
local x1, x2 <const> = 1, 2
local x3 <const>, x4 = 1, 2
local x5 <const>, x6 <const> = f(), 2
local y1 = p + q .. r
local y2 = v + w + x2 + x6
local y3 = -p; local y4 = ~p; local y5 = not s; local y6 = #q
local y7 = p < 11; local y8 = p == 10
if s then y1 = 1 end
if u then y1 = 2 end
local z = {p, q, r, s, u, [p] = q, [q] = p}
z.x = p; z[q] = r; z[p] = s
local function cl() return p, q, r, s, u, v, w, x1, x2, x5, x6 end
local function cl2() return function() return p + w end end
local big <const> = 1000000
local hug <const> = 9007199254740993
local y9 = a + big + hug
local ff <const> = 0.0
local y10 = a + ff; local y11 = ff + 1; local y12 = 1 / ff
local ss <const> = "a string constant longer than forty characters, quite long indeed"
z[ss] = z.ss; z.k = ss
return a, b, c, d, e, i, j, k, l, m, n, o, y1, y2, y3, y4, y5, y6, y7, y8, y9
