-- Sieve: the sieve of Eratosthenes over 5000 flags, repeatedly (669 primes),
-- plus one larger sieve whose primes are summed. Stresses array writes
-- and reads in nested numeric for loops.

local ITERATIONS = 1500
local SIZE = 5000
local EXPECTED_PRIMES = 669
local BIG = 200000
local EXPECTED_BIG_COUNT, EXPECTED_BIG_SUM = 17984, 1709600813

local function sieve(size)
  local flags = {}
  for i = 1, size do
    flags[i] = true
  end
  local count = 0
  local sum = 0
  for i = 2, size do
    if flags[i] then
      count = count + 1
      sum = sum + i
      for k = i + i, size, i do
        flags[k] = false
      end
    end
  end
  return count, sum
end

local total = 0
for _ = 1, ITERATIONS do
  local count = sieve(SIZE)
  if count ~= EXPECTED_PRIMES then
    error(string.format("sieve: %d primes below %d, expected %d", count, SIZE, EXPECTED_PRIMES))
  end
  total = total + count
end
local bigCount, bigSum = sieve(BIG)
if bigCount ~= EXPECTED_BIG_COUNT or bigSum ~= EXPECTED_BIG_SUM then
  error(string.format("sieve: %d primes summing to %d, expected %d and %d", bigCount, bigSum, EXPECTED_BIG_COUNT, EXPECTED_BIG_SUM))
end
print(string.format("sieve checksum: %d", total + bigSum))
