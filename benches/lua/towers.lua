-- Towers: the towers of Hanoi with 13 disks, each pile a linked list of
-- disk objects (the Are We Fast Yet formulation: 8191 moves). Stresses
-- recursion, small object allocation and field updates.

local ITERATIONS = 150
local DISKS = 13
local EXPECTED_MOVES = 8191

local Disk = {}
Disk.__index = Disk

function Disk.new(size)
  return setmetatable({ size = size, next = nil }, Disk)
end

local Towers = {}
Towers.__index = Towers

function Towers.new()
  return setmetatable({ piles = { nil, nil, nil }, moves = 0 }, Towers)
end

function Towers:push(disk, pile)
  local top = self.piles[pile]
  if top ~= nil and disk.size >= top.size then
    error("towers: cannot put a big disk on a smaller one")
  end
  disk.next = top
  self.piles[pile] = disk
end

function Towers:pop(pile)
  local top = self.piles[pile]
  if top == nil then
    error("towers: attempt to remove a disk from an empty pile")
  end
  self.piles[pile] = top.next
  top.next = nil
  return top
end

function Towers:build(pile, disks)
  for size = disks, 1, -1 do
    self:push(Disk.new(size), pile)
  end
end

function Towers:moveTop(from, to)
  self:push(self:pop(from), to)
  self.moves = self.moves + 1
end

function Towers:move(from, to, disks)
  if disks == 1 then
    self:moveTop(from, to)
  else
    local other = 6 - from - to
    self:move(from, other, disks - 1)
    self:moveTop(from, to)
    self:move(other, to, disks - 1)
  end
end

local total = 0
for _ = 1, ITERATIONS do
  local t = Towers.new()
  t:build(1, DISKS)
  t:move(1, 2, DISKS)
  -- All disks must now sit on pile 2, in order.
  local size, disk = 0, t.piles[2]
  while disk ~= nil do
    size = size + 1
    if disk.size ~= size then error("towers: pile 2 is out of order") end
    disk = disk.next
  end
  if t.moves ~= EXPECTED_MOVES or size ~= DISKS or t.piles[1] ~= nil or t.piles[3] ~= nil then
    error(string.format("towers: %d moves, expected %d", t.moves, EXPECTED_MOVES))
  end
  total = total + t.moves
end
print(string.format("towers checksum: %d", total))
