local a, b, c = ...
local r = a +
  b *
  c
r = a
  + b
  - c
r = f(a,
  b,
  c)
r = a.b
  .c
  .d
r = a[b]
  [c]
r = not
  a
r = -
  a
r = a ..
  b ..
  c
if a and
  b or
  c then
  r = 1
end
while a <
  b do
  a = a + 1
end
local t = {1,
  2,
  x = 3,
  [4] = 5}
for i = 1,
  10 do
  r = i
end
for k, v in
  pairs(t) do
  r = k
end
local function g(x,
  y)
  return x +
    y
end
return r,
  a,
  b
