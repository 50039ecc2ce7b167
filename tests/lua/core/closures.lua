-- closures share upvalues; loops create fresh locals per iteration
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local function mk()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = mk()
inc(); inc()
print(get())
local a = {}
local x = 10
while x < 13 do local y = x; a[#a + 1] = function() return y end; x = x + 1 end
print(a[1](), a[2](), a[3]())
-- upvalue of upvalue
local function outer()
  local v = "o"
  return function() return function() v = v .. "!"; return v end end
end
local f = outer()()
print(f(), f())
-- repeat-until sees body locals, closure captures them
local k = 0
repeat local z = k; k = k + 1; a[k] = function() return z end until z >= 2
print(a[1](), a[2](), a[3]())
-- recursive local function
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(20))
-- varargs
local function va(...) return select('#', ...), ... end
print(va())
print(va(nil, nil))
print((va(1, 2, 3)))
local function pack2(...) return {...}, select('#', ...) end
local t, n = pack2(1, nil, 3)
print(n, t[1], t[2], t[3])
local function tail(n) if n == 0 then return "done" end return tail(n - 1) end
print(tail(100000))
local function multi() return 1, 2, 3 end
print(multi(), multi())
print(({multi(), multi()})[4], #{multi(), multi()})
local t2 = {multi(), (multi())}
print(#t2)
print(string == nil and "nostring" or "string")
--[[expect
1	2	3
2
10	11	12
o!	o!!
0	1	2
2432902008176640000
0
2	nil	nil
3
3	1	nil	3
done
1	1	2	3
3	4
2
string
]]
