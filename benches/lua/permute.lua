-- Permute: generates every permutation of a small array by recursive
-- swapping (the Are We Fast Yet formulation: 8660 calls for 6 elements).
-- Stresses recursive method calls and array element swaps.

local ITERATIONS = 180
local EXPECTED_CALLS = 8660 -- calls to permute for 6 elements
local EXPECTED_SIGNATURE = 114033394 -- of the sequence of permutations visited

local Permuter = {}
Permuter.__index = Permuter

function Permuter.new(n)
  local v = {}
  for i = 1, n do v[i] = i end
  return setmetatable({ n = n, v = v, count = 0, signature = 0 }, Permuter)
end

function Permuter:swap(i, j)
  local v = self.v
  v[i], v[j] = v[j], v[i]
end

function Permuter:permute(n)
  self.count = self.count + 1
  if n ~= 0 then
    local n1 = n - 1
    self:permute(n1)
    for i = n, 1, -1 do
      self:swap(n, i)
      self:permute(n1)
      self:swap(n, i)
    end
  else
    -- Fold the permutation into a running signature so the order matters.
    local v, sig = self.v, self.signature
    for i = 1, self.n do
      sig = (sig * 31 + v[i]) % 1000000007
    end
    self.signature = sig
  end
end

local total, signature = 0, 0
for _ = 1, ITERATIONS do
  local p = Permuter.new(6)
  p:permute(6)
  if p.count ~= EXPECTED_CALLS or p.signature ~= EXPECTED_SIGNATURE then
    error(string.format("permute: %d calls with signature %d, expected %d and %d",
      p.count, p.signature, EXPECTED_CALLS, EXPECTED_SIGNATURE))
  end
  total = total + p.count
  signature = (signature + p.signature) % 1000000007
end
print(string.format("permute checksum: %d %d", total, signature))
