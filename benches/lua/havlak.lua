-- Havlak: loop recognition in a control-flow graph (Havlak, "Nesting of
-- reducible and irreducible loops", TOPLAS 1997), on the synthetic graph of
-- Hundt's "Loop Recognition in C++/Java/Go/Scala" study: about 5,000 basic
-- blocks of nested diamonds and loops. Stresses deep recursion (a DFS),
-- union-find with path compression, tables keyed by objects, many small
-- arrays and sets.

local DUMMY_LOOPS = 1 -- searches on the small graph, accumulated into one result
local FIND_LOOPS = 7 -- independent searches on the big graph
local EXPECTED_LOOPS, EXPECTED_NODES = 1605, 5213
local EXPECTED_PER_SEARCH = 1602 -- loops of the big graph, root included
local EXPECTED_DEPTH = 5 -- nesting level of the root loop

local function class()
  local c = {}
  c.__index = c
  return c
end

---------------------------------------------------------------- control-flow graph

local BasicBlock = class()

function BasicBlock.new(name)
  return setmetatable({ name = name, inEdges = {}, outEdges = {} }, BasicBlock)
end

local Graph = class()

function Graph.new()
  return setmetatable({ blocks = {}, start = nil, edgeCount = 0 }, Graph)
end

-- Blocks are named by consecutive integers from 0.
function Graph:node(name)
  local blocks = self.blocks
  local b = blocks[name + 1]
  if b == nil then
    b = BasicBlock.new(name)
    blocks[name + 1] = b
    if #blocks == 1 then
      self.start = b
    end
  end
  return b
end

function Graph:edge(fromName, toName)
  local from, to = self:node(fromName), self:node(toName)
  from.outEdges[#from.outEdges + 1] = to
  to.inEdges[#to.inEdges + 1] = from
  self.edgeCount = self.edgeCount + 1
end

function Graph:numNodes()
  return #self.blocks
end

---------------------------------------------------------------- loops

local Loop = class()

function Loop.new(header, reducible)
  local loop = setmetatable({
    header = header,
    reducible = reducible,
    blocks = {},
    children = {},
    parent = nil,
    isRoot = false,
    nestingLevel = 0,
    depthLevel = 0,
    counter = 0,
  }, Loop)
  if header ~= nil then
    loop.blocks[1] = header
  end
  return loop
end

function Loop:addBlock(b)
  self.blocks[#self.blocks + 1] = b
end

function Loop:setParent(p)
  self.parent = p
  p.children[#p.children + 1] = self
end

function Loop:setNestingLevel(level)
  self.nestingLevel = level
  if level == 0 then
    self.isRoot = true
  end
end

local LoopGraph = class()

function LoopGraph.new()
  local root = Loop.new(nil, true)
  root:setNestingLevel(0)
  return setmetatable({ root = root, loops = { root }, counter = 1 }, LoopGraph)
end

function LoopGraph:newLoop(header, reducible)
  local loop = Loop.new(header, reducible)
  loop.counter = self.counter
  self.counter = self.counter + 1
  self.loops[#self.loops + 1] = loop
  return loop
end

local function nestingLevels(loop, depth)
  loop.depthLevel = depth
  local children = loop.children
  for i = 1, #children do
    local child = children[i]
    nestingLevels(child, depth + 1)
    if 1 + child.nestingLevel > loop.nestingLevel then
      loop:setNestingLevel(1 + child.nestingLevel)
    end
  end
end

function LoopGraph:calculateNestingLevel()
  local root = self.root
  for _, loop in ipairs(self.loops) do
    if not loop.isRoot and loop.parent == nil then
      loop:setParent(root)
    end
  end
  nestingLevels(root, 0)
end

function LoopGraph:numLoops()
  return #self.loops
end

---------------------------------------------------------------- union-find

local UnionFindNode = class()

function UnionFindNode.new()
  return setmetatable({ parent = nil, block = nil, dfsNumber = 0, loop = nil }, UnionFindNode)
end

function UnionFindNode:init(block, dfsNumber)
  self.parent = self
  self.block = block
  self.dfsNumber = dfsNumber
  self.loop = nil
end

-- The representative of this node's set, compressing the path to it.
function UnionFindNode:findSet()
  local path = {}
  local node = self
  while node ~= node.parent do
    if node.parent ~= node.parent.parent then
      path[#path + 1] = node
    end
    node = node.parent
  end
  for i = 1, #path do
    path[i].parent = node.parent
  end
  return node
end

function UnionFindNode:union(other)
  self.parent = other
end

---------------------------------------------------------------- Havlak's algorithm

local UNVISITED = math.maxinteger
local MAX_NON_BACK_PREDS = 32 * 1024

local BB_NONHEADER, BB_REDUCIBLE, BB_SELF, BB_IRREDUCIBLE, BB_DEAD = 1, 2, 3, 4, 5

-- An insertion-ordered set of integers.
local IntSet = class()

function IntSet.new()
  return setmetatable({ n = 0, has = {} }, IntSet)
end

function IntSet:add(x)
  if not self.has[x] then
    self.has[x] = true
    local n = self.n + 1
    self.n = n
    self[n] = x
  end
end

local Finder = class()

function Finder.new(graph, loops)
  return setmetatable({ graph = graph, loops = loops }, Finder)
end

-- Numbers the blocks in depth-first order; returns the last number used below `block`.
function Finder:dfs(block, current)
  self.nodes[current]:init(block, current)
  local number = self.number
  number[block] = current
  local lastId = current
  local out = block.outEdges
  for i = 1, #out do
    local target = out[i]
    if number[target] == UNVISITED then
      lastId = self:dfs(target, lastId + 1)
    end
  end
  self.last[current] = lastId
  return lastId
end

function Finder:isAncestor(w, v)
  return w <= v and v <= self.last[w]
end

function Finder:findLoops()
  local graph = self.graph
  if graph.start == nil then return end
  local size = graph:numNodes()
  local nonBackPreds, backPreds, nodes = {}, {}, {}
  local header, kind, last, number = {}, {}, {}, {}
  self.nodes, self.last, self.number = nodes, last, number
  for i = 0, size - 1 do
    nonBackPreds[i] = IntSet.new()
    backPreds[i] = {}
    nodes[i] = UnionFindNode.new()
  end
  for _, b in ipairs(graph.blocks) do
    number[b] = UNVISITED
  end
  self:dfs(graph.start, 0)

  -- Classify every edge into a block as a back edge or not.
  for w = 0, size - 1 do
    header[w] = 0
    kind[w] = BB_NONHEADER
    local blockW = nodes[w].block
    if blockW == nil then
      kind[w] = BB_DEAD
    else
      local preds = blockW.inEdges
      for i = 1, #preds do
        local v = number[preds[i]]
        if v ~= UNVISITED then
          if self:isAncestor(w, v) then
            local bp = backPreds[w]
            bp[#bp + 1] = v
          else
            nonBackPreds[w]:add(v)
          end
        end
      end
    end
  end
  header[0] = 0

  -- Bottom-up, collapse each loop body into its header.
  for w = size - 1, 0, -1 do
    local blockW = nodes[w].block
    if blockW ~= nil then
      local pool = {}
      local bp = backPreds[w]
      for i = 1, #bp do
        local v = bp[i]
        if v ~= w then
          pool[#pool + 1] = nodes[v]:findSet()
        else
          kind[w] = BB_SELF
        end
      end
      local work = {}
      for i = 1, #pool do work[i] = pool[i] end
      if #pool ~= 0 then
        kind[w] = BB_REDUCIBLE
      end
      local head = 1
      while head <= #work do
        local x = work[head]
        head = head + 1
        local preds = nonBackPreds[x.dfsNumber]
        if preds.n > MAX_NON_BACK_PREDS then return end
        for i = 1, preds.n do
          local ydash = nodes[preds[i]]:findSet()
          local yn = ydash.dfsNumber
          if not self:isAncestor(w, yn) then
            kind[w] = BB_IRREDUCIBLE
            nonBackPreds[w]:add(yn)
          elseif yn ~= w then
            local found = false
            for j = 1, #pool do
              if pool[j] == ydash then found = true; break end
            end
            if not found then
              work[#work + 1] = ydash
              pool[#pool + 1] = ydash
            end
          end
        end
      end
      if #pool > 0 or kind[w] == BB_SELF then
        local loop = self.loops:newLoop(blockW, kind[w] ~= BB_IRREDUCIBLE)
        local nodeW = nodes[w]
        nodeW.loop = loop
        for i = 1, #pool do
          local node = pool[i]
          header[node.dfsNumber] = w
          node:union(nodeW)
          if node.loop ~= nil then
            node.loop:setParent(loop)
          else
            loop:addBlock(node.block)
          end
        end
      end
    end
  end
end

---------------------------------------------------------------- the synthetic program

local function straight(g, start, n)
  for i = 0, n - 1 do
    g:edge(start + i, start + i + 1)
  end
  return start + n
end

local function diamond(g, start)
  g:edge(start, start + 1)
  g:edge(start, start + 2)
  g:edge(start + 1, start + 3)
  g:edge(start + 2, start + 3)
  return start + 3
end

-- A loop around two diamonds, each in its own loop.
local function baseLoop(g, from)
  local header = straight(g, from, 1)
  local d1 = diamond(g, header)
  local d11 = straight(g, d1, 1)
  local d2 = diamond(g, d11)
  local footer = straight(g, d2, 1)
  g:edge(d2, d11)
  g:edge(d1, header)
  g:edge(footer, from)
  return straight(g, footer, 1)
end

local function findLoops(g, lg)
  Finder.new(g, lg):findLoops()
end

local function run(dummyLoops, findLoopIterations, parLoops, pparLoops, ppparLoops)
  local g = Graph.new()
  local lg = LoopGraph.new()
  g:node(0)
  baseLoop(g, 0)
  g:node(1)
  g:edge(0, 2)
  for _ = 1, dummyLoops do
    findLoops(g, lg)
  end
  local n = 2
  for _ = 1, parLoops do
    g:node(n + 1)
    g:edge(2, n + 1)
    n = n + 1
    for _ = 1, pparLoops do
      local top = n
      n = straight(g, n, 1)
      for _ = 1, ppparLoops do
        n = baseLoop(g, n)
      end
      local bottom = straight(g, n, 1)
      g:edge(n, top)
      n = bottom
    end
    g:edge(n, 1)
  end
  findLoops(g, lg)
  local found = 0
  for _ = 1, findLoopIterations do
    local fresh = LoopGraph.new()
    findLoops(g, fresh)
    found = found + fresh:numLoops()
  end
  lg:calculateNestingLevel()
  return lg:numLoops(), g:numNodes(), found, lg.root.nestingLevel
end

local loops, nodes, found, depth = run(DUMMY_LOOPS, FIND_LOOPS, 10, 10, 5)
local checksum = loops + nodes + found + depth
print(string.format("havlak checksum: %d (loops %d, nodes %d, depth %d)", checksum, loops, nodes, depth))
if loops ~= EXPECTED_LOOPS or nodes ~= EXPECTED_NODES or depth ~= EXPECTED_DEPTH then
  error(string.format("havlak: expected %d loops, %d nodes, depth %d", EXPECTED_LOOPS, EXPECTED_NODES, EXPECTED_DEPTH))
end
if found ~= FIND_LOOPS * EXPECTED_PER_SEARCH then
  error("havlak: a search of the big graph found the wrong number of loops")
end
