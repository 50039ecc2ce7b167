-- Binary trees: allocates and walks many perfect binary trees of various
-- depths while one long-lived tree stays reachable (the Computer Language
-- Benchmarks Game problem). Stresses table allocation, the garbage collector
-- and recursion.

local MAX_DEPTH = 13
local MIN_DEPTH = 4
local EXPECTED = 1348958

local function bottomUp(depth)
  if depth == 0 then
    return {}
  end
  depth = depth - 1
  return { bottomUp(depth), bottomUp(depth) }
end

local function check(tree)
  local left = tree[1]
  if left == nil then
    return 1
  end
  return 1 + check(left) + check(tree[2])
end

local lines = {}
local total = 0

local stretch = MAX_DEPTH + 1
local c = check(bottomUp(stretch))
lines[#lines + 1] = string.format("stretch tree of depth %d\t check: %d", stretch, c)
total = total + c

local longLived = bottomUp(MAX_DEPTH)

for depth = MIN_DEPTH, MAX_DEPTH, 2 do
  local iterations = 1 << (MAX_DEPTH - depth + MIN_DEPTH)
  local sum = 0
  for _ = 1, iterations do
    sum = sum + check(bottomUp(depth))
  end
  if sum ~= iterations * ((1 << (depth + 1)) - 1) then
    error(string.format("binary_trees: wrong check %d for depth %d", sum, depth))
  end
  lines[#lines + 1] = string.format("%d\t trees of depth %d\t check: %d", iterations, depth, sum)
  total = total + sum
end

c = check(longLived)
lines[#lines + 1] = string.format("long lived tree of depth %d\t check: %d", MAX_DEPTH, c)
total = total + c

print(string.format("binary_trees checksum: %d (%d lines)", total, #lines))
if total ~= EXPECTED then
  error(string.format("binary_trees: checksum mismatch, expected %d\n%s", EXPECTED, table.concat(lines, "\n")))
end
