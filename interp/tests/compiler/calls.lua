-- calls, methods, varargs, returns
local f, g, o = ...
f()
f(1)
f(1, 2, 3)
f(g())
f(g(), 1)
f(1, g())
f(g(), g())
f(...)
f(..., 1)
f(1, ...)
f((g()))
f((...))
f"str"
f{1, 2}
f[[long]]
f.x()
f.x.y(1)
f[1](2)
f()()
f()()()
f(1)(2)(3)
o:m()
o:m(1, 2)
o:m(g())
o:m"s"
o:m{}
o.x:m()
o:m():n()
o:m(o:n())
o["m"](o)
o:very_long_method_name_longer_than_forty_characters_for_sure()
print(f(1), g(2), o:m(3))
local a = f()
local b, c = f()
local d, e, h = f(), g()
local i, j = f(), g(), o()
local k, l = ...
local m = ...
local n, p, q = 1, ...
local r = {f()}
local s = select('#', ...)
local function t1() return end
local function t2() return 1 end
local function t3() return 1, 2 end
local function t4() return f() end
local function t5() return f(), g() end
local function t6() return (f()) end
local function t7(...) return ... end
local function t8(...) return 1, ... end
local function t9(...) return (...) end
local function t10(x) return x end
local function t11(x) return x.y end
local function t12(x) return x:m() end
local function t13(x) local y = x; return y, x end
local function t14(...) local a, b = ...; return a + b end
local function t15(a, b, ...) return select('#', ...), a, b end
local function t16() return f(1, 2, 3) end
local function t17() do return end end
local function t18() if f then return 1 else return 2 end end
local function t19(...) local t = {...}; return #t end
local function t20(...) return f(...) end
return a, b, c, d, e, h, i, j, k, l, m, n, p, q, r, s
