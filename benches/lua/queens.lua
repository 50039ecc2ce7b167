-- Queens: counts every solution of the eight-queens problem by backtracking
-- over free rows and diagonals, repeatedly. Stresses recursion, boolean
-- arrays and integer index arithmetic.

local ITERATIONS = 200
local N = 8
local EXPECTED_SOLUTIONS = 92

local Board = {}
Board.__index = Board

function Board.new(n)
  local b = setmetatable({ n = n, freeRows = {}, freeMaxs = {}, freeMins = {}, queenRows = {}, solutions = 0, signature = 0 }, Board)
  for i = 1, n do b.freeRows[i] = true end
  for i = 1, 2 * n do
    b.freeMaxs[i] = true
    b.freeMins[i] = true
  end
  return b
end

function Board:isFree(r, c)
  return self.freeRows[r] and self.freeMaxs[c + r] and self.freeMins[c - r + self.n]
end

function Board:setRowColumn(r, c, free)
  self.freeRows[r] = free
  self.freeMaxs[c + r] = free
  self.freeMins[c - r + self.n] = free
end

function Board:place(c)
  local n = self.n
  if c > n then
    self.solutions = self.solutions + 1
    -- Fold the solution into a signature: row of each column, in order.
    local sig = self.signature
    for i = 1, n do
      sig = (sig * 9 + self.queenRows[i]) % 1000000007
    end
    self.signature = sig
    return
  end
  for r = 1, n do
    if self:isFree(r, c) then
      self.queenRows[c] = r
      self:setRowColumn(r, c, false)
      self:place(c + 1)
      self:setRowColumn(r, c, true)
    end
  end
end

local EXPECTED_SIGNATURE = 934339831 -- of the solutions in the order found

local total = 0
for _ = 1, ITERATIONS do
  local b = Board.new(N)
  b:place(1)
  if b.solutions ~= EXPECTED_SOLUTIONS or b.signature ~= EXPECTED_SIGNATURE then
    error(string.format("queens: %d solutions with signature %d, expected %d and %d",
      b.solutions, b.signature, EXPECTED_SOLUTIONS, EXPECTED_SIGNATURE))
  end
  total = total + b.solutions
end
print(string.format("queens checksum: %d", total))
