-- Richards: Martin Richards' operating-system simulation. A scheduler runs
-- six tasks (idle, worker, two handlers, two devices) that exchange packets
-- through linked queues. Stresses method calls through metatables, field
-- access on small objects, linked lists and bitwise state flags.

local ITERATIONS = 110
local COUNT = 1000 -- idle task loops per run; the classic expected values hold for 1000
local EXPECTED_QUEUE, EXPECTED_HOLD = 2322, 928

local ID_IDLE, ID_WORKER, ID_HANDLER_A, ID_HANDLER_B, ID_DEVICE_A, ID_DEVICE_B = 1, 2, 3, 4, 5, 6
local KIND_DEVICE, KIND_WORK = 0, 1
local DATA_SIZE = 4

-- Task states are bit sets: RUNNABLE (packets waiting), SUSPENDED, HELD.
local STATE_RUNNING = 0
local STATE_RUNNABLE = 1
local STATE_SUSPENDED = 2
local STATE_HELD = 4
local STATE_SUSPENDED_RUNNABLE = STATE_SUSPENDED | STATE_RUNNABLE

local function class()
  local c = {}
  c.__index = c
  return c
end

---------------------------------------------------------------- packets

local Packet = class()

function Packet.new(link, id, kind)
  return setmetatable({ link = link, id = id, kind = kind, a1 = 0, a2 = { 0, 0, 0, 0 } }, Packet)
end

-- Appends this packet to the end of `queue` and returns the queue's head.
function Packet:addTo(queue)
  self.link = nil
  if queue == nil then
    return self
  end
  local last = queue
  local nxt = last.link
  while nxt ~= nil do
    last = nxt
    nxt = last.link
  end
  last.link = self
  return queue
end

---------------------------------------------------------------- task control blocks

local Tcb = class()

function Tcb.new(link, id, priority, queue, task)
  local state = queue == nil and STATE_SUSPENDED or STATE_SUSPENDED_RUNNABLE
  return setmetatable({ link = link, id = id, priority = priority, queue = queue, task = task, state = state }, Tcb)
end

function Tcb:setRunning() self.state = STATE_RUNNING end
function Tcb:markAsNotHeld() self.state = self.state & ~STATE_HELD end
function Tcb:markAsHeld() self.state = self.state | STATE_HELD end
function Tcb:markAsSuspended() self.state = self.state | STATE_SUSPENDED end
function Tcb:markAsRunnable() self.state = self.state | STATE_RUNNABLE end

function Tcb:isHeldOrSuspended()
  return (self.state & STATE_HELD) ~= 0 or self.state == STATE_SUSPENDED
end

function Tcb:run()
  local packet = nil
  if self.state == STATE_SUSPENDED_RUNNABLE then
    packet = self.queue
    self.queue = packet.link
    self.state = self.queue == nil and STATE_RUNNING or STATE_RUNNABLE
  end
  return self.task:run(packet)
end

-- A packet arrives for this task from `sender`; returns the task to run next.
function Tcb:checkPriorityAdd(sender, packet)
  if self.queue == nil then
    self.queue = packet
    self:markAsRunnable()
    if self.priority > sender.priority then
      return self
    end
  else
    self.queue = packet:addTo(self.queue)
  end
  return sender
end

---------------------------------------------------------------- scheduler

local Scheduler = class()

function Scheduler.new()
  return setmetatable({ queueCount = 0, holdCount = 0, blocks = {}, list = nil, current = nil, currentId = nil }, Scheduler)
end

function Scheduler:addTask(id, priority, queue, task)
  local tcb = Tcb.new(self.list, id, priority, queue, task)
  self.current = tcb
  self.list = tcb
  self.blocks[id] = tcb
end

function Scheduler:schedule()
  local tcb = self.list
  self.current = tcb
  while tcb ~= nil do
    if tcb:isHeldOrSuspended() then
      tcb = tcb.link
    else
      self.currentId = tcb.id
      tcb = tcb:run()
    end
    self.current = tcb
  end
end

function Scheduler:release(id)
  local tcb = self.blocks[id]
  if tcb == nil then return nil end
  tcb:markAsNotHeld()
  if tcb.priority > self.current.priority then
    return tcb
  end
  return self.current
end

function Scheduler:holdCurrent()
  self.holdCount = self.holdCount + 1
  self.current:markAsHeld()
  return self.current.link
end

function Scheduler:suspendCurrent()
  self.current:markAsSuspended()
  return self.current
end

function Scheduler:queue(packet)
  local target = self.blocks[packet.id]
  if target == nil then return nil end
  self.queueCount = self.queueCount + 1
  packet.link = nil
  packet.id = self.currentId
  return target:checkPriorityAdd(self.current, packet)
end

---------------------------------------------------------------- tasks

local IdleTask = class()

function IdleTask.new(scheduler, seed, count)
  return setmetatable({ scheduler = scheduler, seed = seed, count = count }, IdleTask)
end

function IdleTask:run(_)
  local s = self.scheduler
  self.count = self.count - 1
  if self.count == 0 then
    return s:holdCurrent()
  end
  if self.seed & 1 == 0 then
    self.seed = self.seed >> 1
    return s:release(ID_DEVICE_A)
  end
  self.seed = (self.seed >> 1) ~ 0xD008
  return s:release(ID_DEVICE_B)
end

local DeviceTask = class()

function DeviceTask.new(scheduler)
  return setmetatable({ scheduler = scheduler, pending = nil }, DeviceTask)
end

function DeviceTask:run(packet)
  local s = self.scheduler
  if packet == nil then
    local p = self.pending
    if p == nil then
      return s:suspendCurrent()
    end
    self.pending = nil
    return s:queue(p)
  end
  self.pending = packet
  return s:holdCurrent()
end

local WorkerTask = class()

function WorkerTask.new(scheduler, destination, counter)
  return setmetatable({ scheduler = scheduler, destination = destination, counter = counter }, WorkerTask)
end

function WorkerTask:run(packet)
  local s = self.scheduler
  if packet == nil then
    return s:suspendCurrent()
  end
  self.destination = self.destination == ID_HANDLER_A and ID_HANDLER_B or ID_HANDLER_A
  packet.id = self.destination
  packet.a1 = 0
  local data = packet.a2
  local counter = self.counter
  for i = 1, DATA_SIZE do
    counter = counter + 1
    if counter > 26 then counter = 1 end
    data[i] = counter
  end
  self.counter = counter
  return s:queue(packet)
end

local HandlerTask = class()

function HandlerTask.new(scheduler)
  return setmetatable({ scheduler = scheduler, work = nil, devices = nil }, HandlerTask)
end

function HandlerTask:run(packet)
  local s = self.scheduler
  if packet ~= nil then
    if packet.kind == KIND_WORK then
      self.work = packet:addTo(self.work)
    else
      self.devices = packet:addTo(self.devices)
    end
  end
  local work = self.work
  if work ~= nil then
    local index = work.a1
    if index < DATA_SIZE then
      local dev = self.devices
      if dev ~= nil then
        self.devices = dev.link
        dev.a1 = work.a2[index + 1]
        work.a1 = index + 1
        return s:queue(dev)
      end
    else
      self.work = work.link
      return s:queue(work)
    end
  end
  return s:suspendCurrent()
end

---------------------------------------------------------------- driver

local function packets(n, id, kind)
  local queue = nil
  for _ = 1, n do
    queue = Packet.new(queue, id, kind)
  end
  return queue
end

local function runRichards()
  local s = Scheduler.new()
  s:addTask(ID_IDLE, 0, nil, IdleTask.new(s, 1, COUNT))
  s.current:setRunning()
  s:addTask(ID_WORKER, 1000, packets(2, ID_WORKER, KIND_WORK), WorkerTask.new(s, ID_HANDLER_A, 0))
  s:addTask(ID_HANDLER_A, 2000, packets(3, ID_DEVICE_A, KIND_DEVICE), HandlerTask.new(s))
  s:addTask(ID_HANDLER_B, 3000, packets(3, ID_DEVICE_B, KIND_DEVICE), HandlerTask.new(s))
  s:addTask(ID_DEVICE_A, 4000, nil, DeviceTask.new(s))
  s:addTask(ID_DEVICE_B, 5000, nil, DeviceTask.new(s))
  s:schedule()
  if s.queueCount ~= EXPECTED_QUEUE or s.holdCount ~= EXPECTED_HOLD then
    error(string.format("richards: queueCount %d holdCount %d, expected %d and %d",
      s.queueCount, s.holdCount, EXPECTED_QUEUE, EXPECTED_HOLD))
  end
  return s.queueCount + s.holdCount
end

local checksum = 0
for _ = 1, ITERATIONS do
  checksum = checksum + runRichards()
end
print(string.format("richards checksum: %d", checksum))
if checksum ~= ITERATIONS * (EXPECTED_QUEUE + EXPECTED_HOLD) then
  error("richards: checksum mismatch")
end
