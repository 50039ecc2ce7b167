-- List: Takeuchi's function on linked lists (the Are We Fast Yet formulation:
-- tail(list 15, list 10, list 6) has length 10). Stresses deep recursion,
-- linked-list traversal and small object allocation.

local ITERATIONS = 500
local EXPECTED_LENGTH = 10
local EXPECTED_HEAD = 10 -- value of the result's first element

local Element = {}
Element.__index = Element

function Element.new(value, next)
  return setmetatable({ value = value, next = next }, Element)
end

function Element:length()
  if self.next == nil then
    return 1
  end
  return 1 + self.next:length()
end

local function makeList(length)
  if length == 0 then
    return nil
  end
  return Element.new(length, makeList(length - 1))
end

local function isShorterThan(x, y)
  local xs, ys = x, y
  while ys ~= nil do
    if xs == nil then
      return true
    end
    xs = xs.next
    ys = ys.next
  end
  return false
end

local function tail(x, y, z)
  if isShorterThan(y, x) then
    return tail(tail(x.next, y, z), tail(y.next, z, x), tail(z.next, x, y))
  end
  return z
end

local total = 0
for _ = 1, ITERATIONS do
  local result = tail(makeList(15), makeList(10), makeList(6))
  local length = result:length()
  if length ~= EXPECTED_LENGTH or result.value ~= EXPECTED_HEAD then
    error(string.format("list: result of length %d starting with %d, expected %d and %d",
      length, result.value, EXPECTED_LENGTH, EXPECTED_HEAD))
  end
  total = total + length + result.value
end
print(string.format("list checksum: %d", total))
