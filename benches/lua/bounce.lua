-- Bounce: balls bouncing in a box, moved step by step with integer
-- positions from a small deterministic random generator (the Are We Fast Yet
-- formulation: 1331 bounces of 100 balls in 50 steps). Stresses method
-- calls, field arithmetic and math.abs.

local ITERATIONS = 400
local EXPECTED_BOUNCES = 1331

local abs = math.abs

local Random = {}
Random.__index = Random

function Random.new()
  return setmetatable({ seed = 74755 }, Random)
end

function Random:next()
  self.seed = ((self.seed * 1309) + 13849) & 65535
  return self.seed
end

local Ball = {}
Ball.__index = Ball

function Ball.new(random)
  return setmetatable({
    x = random:next() % 500,
    y = random:next() % 500,
    xVel = (random:next() % 300) - 150,
    yVel = (random:next() % 300) - 150,
  }, Ball)
end

function Ball:bounce()
  local xLimit, yLimit = 500, 500
  local bounced = false
  self.x = self.x + self.xVel
  self.y = self.y + self.yVel
  if self.x > xLimit then
    self.x = xLimit
    self.xVel = 0 - abs(self.xVel)
    bounced = true
  end
  if self.x < 0 then
    self.x = 0
    self.xVel = abs(self.xVel)
    bounced = true
  end
  if self.y > yLimit then
    self.y = yLimit
    self.yVel = 0 - abs(self.yVel)
    bounced = true
  end
  if self.y < 0 then
    self.y = 0
    self.yVel = abs(self.yVel)
    bounced = true
  end
  return bounced
end

local function run()
  local random = Random.new()
  local balls = {}
  for i = 1, 100 do
    balls[i] = Ball.new(random)
  end
  local bounces = 0
  for _ = 1, 50 do
    for i = 1, #balls do
      if balls[i]:bounce() then
        bounces = bounces + 1
      end
    end
  end
  return bounces
end

local total = 0
for _ = 1, ITERATIONS do
  local bounces = run()
  if bounces ~= EXPECTED_BOUNCES then
    error(string.format("bounce: %d bounces, expected %d", bounces, EXPECTED_BOUNCES))
  end
  total = total + bounces
end
print(string.format("bounce checksum: %d", total))
