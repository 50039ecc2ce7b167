-- Fannkuch-redux: for every permutation of 1..n, counts the prefix
-- reversals ("pancake flips") needed to bring 1 to the front; reports the
-- alternating checksum and the maximum (the Computer Language Benchmarks Game
-- problem). Stresses small integer arrays, swaps and tight loops.

local N = 9
local EXPECTED_CHECKSUM, EXPECTED_FLIPS = 8629, 30 -- the published values for n = 9

local function fannkuch(n)
  local perm, perm1, count = {}, {}, {}
  for i = 1, n do
    perm1[i] = i
    perm[i] = i
    count[i] = 0
  end
  local maxFlips, checksum, parity = 0, 0, 1
  local r = n
  while true do
    while r ~= 1 do
      count[r] = r
      r = r - 1
    end
    for i = 1, n do
      perm[i] = perm1[i]
    end
    local flips = 0
    local k = perm[1]
    while k ~= 1 do
      local i, j = 1, k
      while i < j do
        perm[i], perm[j] = perm[j], perm[i]
        i, j = i + 1, j - 1
      end
      flips = flips + 1
      k = perm[1]
    end
    if flips > maxFlips then
      maxFlips = flips
    end
    checksum = checksum + parity * flips
    -- Advance to the next permutation: rotate prefixes of growing length.
    while true do
      if r == n then
        return checksum, maxFlips
      end
      local first = perm1[1]
      for i = 1, r do
        perm1[i] = perm1[i + 1]
      end
      perm1[r + 1] = first
      local c = count[r + 1] - 1
      count[r + 1] = c
      if c > 0 then
        break
      end
      r = r + 1
    end
    parity = -parity
  end
end

local checksum, flips = fannkuch(N)
print(string.format("fannkuch checksum: %d (Pfannkuchen(%d) = %d)", checksum, N, flips))
if checksum ~= EXPECTED_CHECKSUM or flips ~= EXPECTED_FLIPS then
  error(string.format("fannkuch: expected checksum %d and %d flips", EXPECTED_CHECKSUM, EXPECTED_FLIPS))
end
