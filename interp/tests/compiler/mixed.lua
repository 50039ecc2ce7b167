local a, b <const> = 1, 2
local t = {1, 2, x = 3, [a] = "s", 1.5}
function t.f(self, ...)
  local u = a + b * 3.0 - 1
  if u > 5 and t then return ... end
  for i = 1, 10, 2 do u = u .. i end
  for k, v in pairs(t) do print(k, v) end
  return t:g(u), #t, -u, ~a, not u, u // 2, u >> 3, 1 << u
end
goto x
::x::
local c <close> = nil
return t.f(1)
