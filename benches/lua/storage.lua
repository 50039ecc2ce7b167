-- Storage: builds a tree of arrays, four children per node to depth 7 with
-- leaves of random length (the Are We Fast Yet formulation: 5461 nodes),
-- and throws it away, repeatedly. Stresses table allocation and the garbage
-- collector.

local ITERATIONS = 75
local EXPECTED_NODES = 5461
local EXPECTED_LEAF_SLOTS = 22420

local Random = {}
Random.__index = Random

function Random.new()
  return setmetatable({ seed = 74755 }, Random)
end

function Random:next()
  self.seed = ((self.seed * 1309) + 13849) & 65535
  return self.seed
end

local function newArray(n)
  local a = {}
  for i = 1, n do
    a[i] = 0
  end
  return a
end

local count, leafSlots = 0, 0

local function buildTree(depth, random)
  count = count + 1
  if depth == 1 then
    local n = random:next() % 10 + 1
    leafSlots = leafSlots + n
    return newArray(n)
  end
  local arr = newArray(4)
  for i = 1, 4 do
    arr[i] = buildTree(depth - 1, random)
  end
  return arr
end

local total = 0
for _ = 1, ITERATIONS do
  count, leafSlots = 0, 0
  local tree = buildTree(7, Random.new())
  if count ~= EXPECTED_NODES or leafSlots ~= EXPECTED_LEAF_SLOTS or #tree ~= 4 then
    error(string.format("storage: %d nodes with %d leaf slots, expected %d and %d",
      count, leafSlots, EXPECTED_NODES, EXPECTED_LEAF_SLOTS))
  end
  total = total + count + leafSlots
end
print(string.format("storage checksum: %d", total))
