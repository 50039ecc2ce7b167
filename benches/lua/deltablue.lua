-- DeltaBlue: the incremental constraint solver of Freeman-Benson, Maloney and
-- Borning, run on its two classic workloads: a long chain of equality
-- constraints and a projection of many variables through scale constraints.
-- Stresses class hierarchies built from metatables (inherited and overridden
-- methods), small object allocation, ordered collections and queues.

local ITERATIONS = 85
local SIZE = 100

local function class(parent)
  local c = {}
  c.__index = c
  if parent then
    setmetatable(c, { __index = parent })
  end
  return c
end

---------------------------------------------------------------- ordered collections

-- A growable array with an O(1) removeFirst, used as a work queue.
local Queue = class()

function Queue.new()
  return setmetatable({ first = 1, last = 0 }, Queue)
end

function Queue:push(x)
  local last = self.last + 1
  self.last = last
  self[last] = x
end

function Queue:isEmpty()
  return self.first > self.last
end

function Queue:pop()
  local first = self.first
  local x = self[first]
  self[first] = nil
  self.first = first + 1
  return x
end

---------------------------------------------------------------- strengths

-- Strengths are ordered by their level: 0 is the strongest.
local Strength = class()

function Strength.new(level, name)
  return setmetatable({ level = level, name = name }, Strength)
end

local REQUIRED = Strength.new(0, "required")
local STRONG_PREFERRED = Strength.new(1, "strongPreferred")
local PREFERRED = Strength.new(2, "preferred")
local STRONG_DEFAULT = Strength.new(3, "strongDefault")
local NORMAL = Strength.new(4, "normal")
local WEAK_DEFAULT = Strength.new(5, "weakDefault")
local WEAKEST = Strength.new(6, "weakest")

local BY_LEVEL = { [0] = REQUIRED, STRONG_PREFERRED, PREFERRED, STRONG_DEFAULT, NORMAL, WEAK_DEFAULT, WEAKEST }

local function stronger(a, b) return a.level < b.level end
local function weaker(a, b) return a.level > b.level end
local function weakestOf(a, b) if weaker(a, b) then return a end return b end

function Strength:nextWeaker()
  return BY_LEVEL[self.level + 1] or WEAKEST
end

---------------------------------------------------------------- variables

local Variable = class()

function Variable.new(name, value)
  return setmetatable({
    name = name,
    value = value,
    constraints = {},
    determinedBy = nil,
    mark = 0,
    walkStrength = WEAKEST,
    stay = true,
  }, Variable)
end

function Variable:addConstraint(c)
  local cs = self.constraints
  cs[#cs + 1] = c
end

function Variable:removeConstraint(c)
  local cs = self.constraints
  local j = 0
  for i = 1, #cs do
    local x = cs[i]
    cs[i] = nil
    if x ~= c then
      j = j + 1
      cs[j] = x
    end
  end
  if self.determinedBy == c then
    self.determinedBy = nil
  end
end

---------------------------------------------------------------- constraints

local Constraint = class()

function Constraint:init(planner, strength)
  self.planner = planner
  self.strength = strength
end

function Constraint:addConstraint()
  self:addToGraph()
  self.planner:incrementalAdd(self)
end

-- Tries to satisfy this constraint; returns the constraint it overrode, if any.
function Constraint:satisfy(mark)
  self:chooseMethod(mark)
  if not self:isSatisfied() then
    if self.strength == REQUIRED then
      error("could not satisfy a required constraint")
    end
    return nil
  end
  self:markInputs(mark)
  local out = self:output()
  local overridden = out.determinedBy
  if overridden ~= nil then
    overridden:markUnsatisfied()
  end
  out.determinedBy = self
  if not self.planner:addPropagate(self, mark) then
    error("cycle encountered")
  end
  out.mark = mark
  return overridden
end

function Constraint:destroyConstraint()
  if self:isSatisfied() then
    self.planner:incrementalRemove(self)
  else
    self:removeFromGraph()
  end
end

function Constraint:isInput() return false end

-- Constraints on one variable.
local UnaryConstraint = class(Constraint)

function UnaryConstraint:init(planner, v, strength)
  Constraint.init(self, planner, strength)
  self.myOutput = v
  self.satisfied = false
  self:addConstraint()
end

function UnaryConstraint:addToGraph()
  self.myOutput:addConstraint(self)
  self.satisfied = false
end

function UnaryConstraint:chooseMethod(mark)
  local out = self.myOutput
  self.satisfied = out.mark ~= mark and stronger(self.strength, out.walkStrength)
end

function UnaryConstraint:isSatisfied() return self.satisfied end
function UnaryConstraint:markInputs(_) end
function UnaryConstraint:output() return self.myOutput end

function UnaryConstraint:recalculate()
  local out = self.myOutput
  out.walkStrength = self.strength
  out.stay = not self:isInput()
  if out.stay then
    self:execute()
  end
end

function UnaryConstraint:markUnsatisfied() self.satisfied = false end
function UnaryConstraint:inputsKnown(_) return true end

function UnaryConstraint:removeFromGraph()
  if self.myOutput ~= nil then
    self.myOutput:removeConstraint(self)
  end
  self.satisfied = false
end

-- Keeps a variable at its value.
local StayConstraint = class(UnaryConstraint)

function StayConstraint.new(planner, v, strength)
  local c = setmetatable({}, StayConstraint)
  c:init(planner, v, strength)
  return c
end

function StayConstraint:execute() end

-- Marks a variable as changed by the user.
local EditConstraint = class(UnaryConstraint)

function EditConstraint.new(planner, v, strength)
  local c = setmetatable({}, EditConstraint)
  c:init(planner, v, strength)
  return c
end

function EditConstraint:isInput() return true end
function EditConstraint:execute() end

-- Constraints between two variables, satisfiable in either direction.
local NONE, FORWARD, BACKWARD = 0, 1, -1

local BinaryConstraint = class(Constraint)

function BinaryConstraint:init(planner, v1, v2, strength)
  Constraint.init(self, planner, strength)
  self.v1 = v1
  self.v2 = v2
  self.direction = NONE
  self:addConstraint()
end

function BinaryConstraint:chooseMethod(mark)
  local v1, v2, strength = self.v1, self.v2, self.strength
  if v1.mark == mark then
    self.direction = (v2.mark ~= mark and stronger(strength, v2.walkStrength)) and FORWARD or NONE
  elseif v2.mark == mark then
    self.direction = (v1.mark ~= mark and stronger(strength, v1.walkStrength)) and BACKWARD or NONE
  elseif weaker(v1.walkStrength, v2.walkStrength) then
    self.direction = stronger(strength, v1.walkStrength) and BACKWARD or NONE
  else
    self.direction = stronger(strength, v2.walkStrength) and FORWARD or NONE
  end
end

function BinaryConstraint:addToGraph()
  self.v1:addConstraint(self)
  self.v2:addConstraint(self)
  self.direction = NONE
end

function BinaryConstraint:isSatisfied() return self.direction ~= NONE end
function BinaryConstraint:markInputs(mark) self:input().mark = mark end

function BinaryConstraint:input()
  if self.direction == FORWARD then return self.v1 end
  return self.v2
end

function BinaryConstraint:output()
  if self.direction == FORWARD then return self.v2 end
  return self.v1
end

function BinaryConstraint:recalculate()
  local ihn, out = self:input(), self:output()
  out.walkStrength = weakestOf(self.strength, ihn.walkStrength)
  out.stay = ihn.stay
  if out.stay then
    self:execute()
  end
end

function BinaryConstraint:markUnsatisfied() self.direction = NONE end

function BinaryConstraint:inputsKnown(mark)
  local i = self:input()
  return i.mark == mark or i.stay or i.determinedBy == nil
end

function BinaryConstraint:removeFromGraph()
  if self.v1 ~= nil then self.v1:removeConstraint(self) end
  if self.v2 ~= nil then self.v2:removeConstraint(self) end
  self.direction = NONE
end

-- v2 = v1 * scale + offset
local ScaleConstraint = class(BinaryConstraint)

function ScaleConstraint.new(planner, src, scale, offset, dest, strength)
  local c = setmetatable({ scale = scale, offset = offset }, ScaleConstraint)
  c:init(planner, src, dest, strength)
  return c
end

function ScaleConstraint:addToGraph()
  BinaryConstraint.addToGraph(self)
  self.scale:addConstraint(self)
  self.offset:addConstraint(self)
end

function ScaleConstraint:removeFromGraph()
  BinaryConstraint.removeFromGraph(self)
  if self.scale ~= nil then self.scale:removeConstraint(self) end
  if self.offset ~= nil then self.offset:removeConstraint(self) end
end

function ScaleConstraint:markInputs(mark)
  BinaryConstraint.markInputs(self, mark)
  self.scale.mark = mark
  self.offset.mark = mark
end

function ScaleConstraint:execute()
  if self.direction == FORWARD then
    self.v2.value = self.v1.value * self.scale.value + self.offset.value
  else
    self.v1.value = (self.v2.value - self.offset.value) // self.scale.value
  end
end

function ScaleConstraint:recalculate()
  local ihn, out = self:input(), self:output()
  out.walkStrength = weakestOf(self.strength, ihn.walkStrength)
  out.stay = ihn.stay and self.scale.stay and self.offset.stay
  if out.stay then
    self:execute()
  end
end

-- v1 == v2
local EqualityConstraint = class(BinaryConstraint)

function EqualityConstraint.new(planner, v1, v2, strength)
  local c = setmetatable({}, EqualityConstraint)
  c:init(planner, v1, v2, strength)
  return c
end

function EqualityConstraint:execute()
  self:output().value = self:input().value
end

---------------------------------------------------------------- plans

local Plan = class()

function Plan.new() return setmetatable({}, Plan) end

function Plan:add(c) self[#self + 1] = c end

function Plan:execute()
  for i = 1, #self do
    self[i]:execute()
  end
end

---------------------------------------------------------------- planner

local Planner = class()

function Planner.new() return setmetatable({ currentMark = 0 }, Planner) end

function Planner:newMark()
  self.currentMark = self.currentMark + 1
  return self.currentMark
end

function Planner:incrementalAdd(c)
  local mark = self:newMark()
  local overridden = c:satisfy(mark)
  while overridden ~= nil do
    overridden = overridden:satisfy(mark)
  end
end

function Planner:incrementalRemove(c)
  local out = c:output()
  c:markUnsatisfied()
  c:removeFromGraph()
  local unsatisfied = self:removePropagateFrom(out)
  local strength = REQUIRED
  repeat
    for i = 1, #unsatisfied do
      local u = unsatisfied[i]
      if u.strength == strength then
        self:incrementalAdd(u)
      end
    end
    strength = strength:nextWeaker()
  until strength == WEAKEST
end

-- Collects the satisfied constraints that read `v`, except the one that determines it.
local function addConstraintsConsumingTo(v, queue)
  local determining = v.determinedBy
  local cs = v.constraints
  for i = 1, #cs do
    local c = cs[i]
    if c ~= determining and c:isSatisfied() then
      queue:push(c)
    end
  end
end

function Planner:makePlan(sources)
  local mark = self:newMark()
  local plan = Plan.new()
  local todo = sources
  while not todo:isEmpty() do
    local c = todo:pop()
    local out = c:output()
    if out.mark ~= mark and c:inputsKnown(mark) then
      plan:add(c)
      out.mark = mark
      addConstraintsConsumingTo(out, todo)
    end
  end
  return plan
end

function Planner:extractPlanFromConstraints(constraints)
  local sources = Queue.new()
  for i = 1, #constraints do
    local c = constraints[i]
    if c:isInput() and c:isSatisfied() then
      sources:push(c)
    end
  end
  return self:makePlan(sources)
end

function Planner:addPropagate(c, mark)
  local todo = Queue.new()
  todo:push(c)
  while not todo:isEmpty() do
    local d = todo:pop()
    if d:output().mark == mark then
      self:incrementalRemove(c)
      return false
    end
    d:recalculate()
    addConstraintsConsumingTo(d:output(), todo)
  end
  return true
end

function Planner:removePropagateFrom(out)
  out.determinedBy = nil
  out.walkStrength = WEAKEST
  out.stay = true
  local unsatisfied = {}
  local todo = Queue.new()
  todo:push(out)
  while not todo:isEmpty() do
    local v = todo:pop()
    local cs = v.constraints
    for i = 1, #cs do
      local c = cs[i]
      if not c:isSatisfied() then
        unsatisfied[#unsatisfied + 1] = c
      end
    end
    local determining = v.determinedBy
    for i = 1, #cs do
      local c = cs[i]
      if c ~= determining and c:isSatisfied() then
        c:recalculate()
        todo:push(c:output())
      end
    end
  end
  return unsatisfied
end

---------------------------------------------------------------- workloads

-- A chain v1 == v2 == ... == vn; editing v1 must propagate to vn.
local function chainTest(n)
  local planner = Planner.new()
  local vars = {}
  for i = 0, n do
    vars[i] = Variable.new("v" .. i, 0)
  end
  for i = 0, n - 1 do
    EqualityConstraint.new(planner, vars[i], vars[i + 1], REQUIRED)
  end
  local first, last = vars[0], vars[n]
  StayConstraint.new(planner, last, STRONG_DEFAULT)
  local edit = EditConstraint.new(planner, first, PREFERRED)
  local plan = planner:extractPlanFromConstraints({ edit })
  local sum = 0
  for i = 0, 99 do
    first.value = i
    plan:execute()
    if last.value ~= i then
      error("chain test failed: " .. tostring(last.value) .. " ~= " .. i)
    end
    sum = sum + last.value
  end
  return sum + #plan + planner.currentMark
end

local function change(planner, v, newValue)
  local edit = EditConstraint.new(planner, v, PREFERRED)
  local plan = planner:extractPlanFromConstraints({ edit })
  for _ = 1, 10 do
    v.value = newValue
    plan:execute()
  end
  edit:destroyConstraint()
  return #plan
end

-- n pairs dst = src * scale + offset, edited from both ends and through scale and offset.
local function projectionTest(n)
  local planner = Planner.new()
  local scale = Variable.new("scale", 10)
  local offset = Variable.new("offset", 1000)
  local src, dst
  local dests = {}
  for i = 0, n - 1 do
    src = Variable.new("src" .. i, i)
    dst = Variable.new("dst" .. i, i)
    dests[i] = dst
    StayConstraint.new(planner, src, NORMAL)
    ScaleConstraint.new(planner, src, scale, offset, dst, REQUIRED)
  end
  local planned = change(planner, src, 17)
  if dst.value ~= 1170 then error("projection 1 failed") end
  planned = planned + change(planner, dst, 1050)
  if src.value ~= 5 then error("projection 2 failed") end
  planned = planned + change(planner, scale, 5)
  for i = 0, n - 2 do
    if dests[i].value ~= i * 5 + 1000 then error("projection 3 failed") end
  end
  planned = planned + change(planner, offset, 2000)
  local sum = 0
  for i = 0, n - 2 do
    if dests[i].value ~= i * 5 + 2000 then error("projection 4 failed") end
    sum = sum + dests[i].value
  end
  return sum + planned + planner.currentMark
end

local EXPECTED_PER_ITERATION = 227825 -- values, plan sizes and marks of one chain and one projection test

local checksum = 0
for _ = 1, ITERATIONS do
  checksum = checksum + chainTest(SIZE) + projectionTest(SIZE)
end
print(string.format("deltablue checksum: %d", checksum))
if checksum ~= ITERATIONS * EXPECTED_PER_ITERATION then
  error(string.format("deltablue: checksum mismatch, expected %d", ITERATIONS * EXPECTED_PER_ITERATION))
end
