-- comparisons, logical operators, conditions
local a, b, c = ...
local r
r = a == b; r = a ~= b; r = a < b; r = a <= b; r = a > b; r = a >= b
r = a == 1; r = a ~= 1; r = a < 1; r = a <= 1; r = a > 1; r = a >= 1
r = 1 == a; r = 1 ~= a; r = 1 < a; r = 1 <= a; r = 1 > a; r = 1 >= a
r = a == 1.0; r = a < 2.0; r = a >= -3.0; r = 2.0 > a; r = a < 1.5; r = 1.5 < a
r = a == 127; r = a == 128; r = a == -127; r = a == -128; r = a < 128; r = a < -128
r = a == "x"; r = "x" == a; r = a ~= "y"; r = a == nil; r = a ~= nil; r = nil == a
r = a == true; r = a == false; r = true == a; r = a < "s"; r = "s" < a
r = a == 1e100; r = a < 1e100; r = a == 2^53
r = a and b; r = a or b; r = a and b or c; r = a or b and c; r = (a or b) and c
r = not a; r = not (a and b); r = not (a == b); r = not (a < b); r = not not (a == b)
r = a and 1; r = a or 1; r = a and nil; r = a or nil; r = a or false; r = nil or a
r = false and a; r = true and a; r = 1 and a; r = nil and a; r = "s" or a
r = a and b and c; r = a or b or c; r = (a and b) or (b and c) or (c and a)
r = a == b and b == c; r = a < b or b < c; r = a and b == c; r = (a == b) == c
r = a.x and a.y; r = a[b] or a[c]; r = a(b) and c(a)
if a then r = 1 end
if not a then r = 1 end
if a and b then r = 1 end
if a or b then r = 1 end
if a == b then r = 1 end
if a ~= 1 then r = 1 end
if a < b then r = 1 else r = 2 end
if a and (b or c) then r = 1 end
if not (a or b) then r = 1 end
if a == nil then r = 1 end
if nil then r = 1 end
if false then r = 1 else r = 2 end
if true then r = 1 end
if 1 then r = 1 end
if "s" then r = 1 end
if not nil then r = 1 end
if a then elseif b then r = 2 elseif c then r = 3 else r = 4 end
if a then r = 1 elseif b then r = 2 end
while a do r = 1 end
while a and b do r = 1 end
while not a do r = 1 end
while true do if a then break end end
while 1 < a do a = a - 1 end
repeat r = 1 until a
repeat r = 1 until a or b
repeat r = 1 until not a
repeat until true
repeat until nil
local x = a and b
local y = a or b
local z = a == b
local w = not a
local v = a and b or c
local u = a > 1 and "big" or "small"
local t = (a or b) == c
return a and b, a or b, a == b, not a
