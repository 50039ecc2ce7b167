-- to-be-closed variables
local function f1()
  local x <close> = nil
  return 1
end
local function f2(a)
  local x <close> = a
  return a()
end
local function f3(a)
  do
    local x <close> = a
  end
  return a()
end
local function f4(a)
  local x <close>, y = a, 1
  local z <const> = 2
  return x, y, z
end
local function f5(a)
  for i = 1, 3 do
    local x <close> = a
    if i == 2 then break end
  end
end
local function f6(a)
  while a do
    local x <close> = a
    if a then return end
  end
end
local function f7(a)
  local x <close> = a
  local function g() return x end
  return g
end
local function f8(...)
  local x <close> = ...
  return ...
end
return f1, f2, f3, f4, f5, f6, f7, f8
