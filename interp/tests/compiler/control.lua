-- loops, goto, labels, blocks
local a, b, n = ...
for i = 1, 10 do a = a + i end
for i = 10, 1, -1 do a = a + i end
for i = 1, n, 2 do a = a + i end
for i = 1.0, 2.5, 0.5 do a = a + i end
for i = a, b do end
for i = 1, 3 do for j = 1, 3 do a = a + i * j end end
for k, v in pairs(a) do b = k end
for k in next, a do b = k end
for k, v, w in a, b, n, 4, 5 do b = w end
for _, v in ipairs(a) do if v then break end end
for i = 1, 10 do if i == 5 then break end a = i end
while a do if b then break end a = a - 1 end
while true do
  local x = a
  if x then break end
end
repeat local x = a; a = x until x
repeat
  local x = a
  if x then goto continue end
  a = x
  ::continue::
until a
for i = 1, 10 do
  if i % 2 == 0 then goto cont end
  a = a + i
  ::cont::
end
do
  goto skip
  a = 1
  ::skip::
end
do
  ::top::
  a = a - 1
  if a > 0 then goto top end
end
do
  local x = 1
  do local y = 2; x = y end
  x = x + 1
end
do local z1; do local z2; do local z3 end end end
goto done
a = 2
::done::
if a then goto l1 end
a = 3
::l1:: ::l2::
do
  local i = 0
  ::again::
  i = i + 1
  if i < 3 then goto again end
end
return a
