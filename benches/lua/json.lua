-- JSON: a small JSON codec written in Lua, exercised on a generated document
-- (an array of records holding strings with escapes, integers, floats,
-- booleans, nulls, nested arrays and objects). Each round encodes the
-- document, parses the text back and encodes the result again; both texts
-- must agree. Stresses string building with table.concat, string.byte,
-- string.find/sub with patterns, string.format and recursive descent.

local ROUNDS = 5
local RECORDS = 600
local EXPECTED_LENGTH = 172749 -- bytes of the encoded document
local EXPECTED_DIGEST = 25217102 -- of the decoded document, see digest below

local concat, format, byte, sub, find = table.concat, string.format, string.byte, string.sub, string.find

-- JSON null must survive a round trip through Lua tables, so it is a sentinel.
local null = setmetatable({}, { __tostring = function() return "null" end })

-- Objects keep their keys' order (Lua's own table order is unspecified).
local Object = {}
Object.__index = Object

local function newObject()
  return setmetatable({ keys = {}, values = {} }, Object)
end

function Object:set(key, value)
  local values = self.values
  if values[key] == nil then
    self.keys[#self.keys + 1] = key
  end
  values[key] = value
end

---------------------------------------------------------------- encoder

local ESCAPES = {
  ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}

local function escapeChar(c)
  return ESCAPES[c] or format("\\u%04x", byte(c))
end

local function encodeString(s)
  return '"' .. s:gsub('[%c"\\]', escapeChar) .. '"'
end

local encodeValue

local function encodeNumber(x)
  if math.type(x) == "integer" then
    return format("%d", x)
  end
  if x ~= x or x == math.huge or x == -math.huge then
    error("json: cannot encode " .. tostring(x))
  end
  local s = format("%.17g", x)
  if not find(s, "[.eE]") then
    s = s .. ".0" -- keep it a float when read back
  end
  return s
end

encodeValue = function(v, out)
  local t = type(v)
  if t == "string" then
    out[#out + 1] = encodeString(v)
  elseif t == "number" then
    out[#out + 1] = encodeNumber(v)
  elseif t == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif v == null then
    out[#out + 1] = "null"
  elseif getmetatable(v) == Object then
    out[#out + 1] = "{"
    local keys, values = v.keys, v.values
    for i = 1, #keys do
      if i > 1 then out[#out + 1] = "," end
      local k = keys[i]
      out[#out + 1] = encodeString(k)
      out[#out + 1] = ":"
      encodeValue(values[k], out)
    end
    out[#out + 1] = "}"
  elseif t == "table" then
    out[#out + 1] = "["
    for i = 1, #v do
      if i > 1 then out[#out + 1] = "," end
      encodeValue(v[i], out)
    end
    out[#out + 1] = "]"
  else
    error("json: cannot encode a " .. t)
  end
end

local function encode(v)
  local out = {}
  encodeValue(v, out)
  return concat(out)
end

---------------------------------------------------------------- decoder

local Parser = {}
Parser.__index = Parser

local MAX_DEPTH = 200

local function parseError(p, what)
  error(format("json: %s at offset %d", what, p.pos), 0)
end

function Parser:skip()
  local _, e = find(self.text, "^[ \t\r\n]*", self.pos)
  self.pos = e + 1
end

local UNESCAPE = { [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t", [34] = '"', [92] = "\\", [47] = "/" }

function Parser:string()
  local text = self.text
  local pos = self.pos + 1 -- after the opening quote
  local parts = nil
  while true do
    local _, e = find(text, '^[^"\\%c]*', pos)
    local stop = e + 1
    local c = byte(text, stop)
    if c == 34 then -- closing quote
      local piece = sub(text, pos, e)
      self.pos = stop + 1
      if parts == nil then return piece end
      parts[#parts + 1] = piece
      return concat(parts)
    elseif c == 92 then -- backslash
      parts = parts or {}
      parts[#parts + 1] = sub(text, pos, e)
      local esc = byte(text, stop + 1)
      if esc == 117 then -- \uXXXX
        local hex = sub(text, stop + 2, stop + 5)
        if not find(hex, "^%x%x%x%x$") then
          self.pos = stop
          parseError(self, "bad \\u escape")
        end
        parts[#parts + 1] = utf8.char(tonumber(hex, 16))
        pos = stop + 6
      else
        local u = UNESCAPE[esc]
        if u == nil then
          self.pos = stop
          parseError(self, "bad escape")
        end
        parts[#parts + 1] = u
        pos = stop + 2
      end
    else
      self.pos = stop
      parseError(self, c and "control character in string" or "unterminated string")
    end
  end
end

function Parser:number()
  local text = self.text
  local s, e = find(text, "^-?%d+", self.pos)
  if s == nil then parseError(self, "bad number") end
  local isFloat = false
  local s2, e2 = find(text, "^%.%d+", e + 1)
  if s2 then e = e2; isFloat = true end
  s2, e2 = find(text, "^[eE][-+]?%d+", e + 1)
  if s2 then e = e2; isFloat = true end
  local lexeme = sub(text, s, e)
  self.pos = e + 1
  if isFloat then
    return tonumber(lexeme) + 0.0
  end
  return math.tointeger(tonumber(lexeme)) or parseError(self, "integer out of range")
end

function Parser:value(depth)
  if depth > MAX_DEPTH then parseError(self, "too deeply nested") end
  self:skip()
  local text = self.text
  local c = byte(text, self.pos)
  if c == 34 then
    return self:string()
  elseif c == 123 then -- {
    local obj = newObject()
    self.pos = self.pos + 1
    self:skip()
    if byte(text, self.pos) == 125 then
      self.pos = self.pos + 1
      return obj
    end
    while true do
      self:skip()
      if byte(text, self.pos) ~= 34 then parseError(self, "expected a key") end
      local key = self:string()
      self:skip()
      if byte(text, self.pos) ~= 58 then parseError(self, "expected ':'") end
      self.pos = self.pos + 1
      obj:set(key, self:value(depth + 1))
      self:skip()
      c = byte(text, self.pos)
      self.pos = self.pos + 1
      if c == 125 then return obj end
      if c ~= 44 then parseError(self, "expected ',' or '}'") end
    end
  elseif c == 91 then -- [
    local arr = {}
    self.pos = self.pos + 1
    self:skip()
    if byte(text, self.pos) == 93 then
      self.pos = self.pos + 1
      return arr
    end
    local n = 0
    while true do
      n = n + 1
      arr[n] = self:value(depth + 1)
      self:skip()
      c = byte(text, self.pos)
      self.pos = self.pos + 1
      if c == 93 then return arr end
      if c ~= 44 then parseError(self, "expected ',' or ']'") end
    end
  elseif c == 116 then
    if sub(text, self.pos, self.pos + 3) ~= "true" then parseError(self, "bad literal") end
    self.pos = self.pos + 4
    return true
  elseif c == 102 then
    if sub(text, self.pos, self.pos + 4) ~= "false" then parseError(self, "bad literal") end
    self.pos = self.pos + 5
    return false
  elseif c == 110 then
    if sub(text, self.pos, self.pos + 3) ~= "null" then parseError(self, "bad literal") end
    self.pos = self.pos + 4
    return null
  else
    return self:number()
  end
end

local function decode(text)
  local p = setmetatable({ text = text, pos = 1 }, Parser)
  local v = p:value(0)
  p:skip()
  if p.pos <= #text then parseError(p, "trailing characters") end
  return v
end

---------------------------------------------------------------- the document

local seed = 42
local function random(n) -- a small linear congruential generator, 0 <= result < n
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local WORDS = { "alpha", "beta", "gamma", "delta", "tab\there", "quote\"d", "back\\slash", "line\nbreak",
  "caf\u{e9}", "\u{2603} snow", "bell\7", "plain text with several words in it" }

local function randomText()
  local n = 1 + random(4)
  local parts = {}
  for i = 1, n do
    parts[i] = WORDS[1 + random(#WORDS)]
  end
  return concat(parts, " ")
end

local function makeRecord(i)
  local r = newObject()
  r:set("id", i)
  r:set("name", randomText())
  r:set("active", random(2) == 0)
  r:set("score", random(1000000) / 1000)
  r:set("ratio", (random(2000) - 1000) / 7)
  r:set("parent", i > 1 and i - 1 or null)
  local tags = {}
  for j = 1, random(6) do
    tags[j] = WORDS[1 + random(#WORDS)]
  end
  r:set("tags", tags)
  local pos = newObject()
  pos:set("x", random(100000) - 50000)
  pos:set("y", random(100000) - 50000)
  pos:set("z", random(1000) * 0.25)
  r:set("position", pos)
  local history = {}
  for j = 1, random(5) do
    history[j] = { random(100), random(2) == 0, j % 3 == 0 and null or j * 1.5, { "nested", {} } }
  end
  r:set("history", history)
  return r
end

local document = newObject()
document:set("version", "1.0")
document:set("generator", "luna benchmarks \"json\"")
local records = {}
for i = 1, RECORDS do
  records[i] = makeRecord(i)
end
document:set("records", records)
document:set("empty", {})
document:set("emptyObject", newObject())

---------------------------------------------------------------- check

-- Sums the numbers and string bytes of a decoded document in a fixed order.
local function digest(v, acc)
  local t = type(v)
  if t == "string" then
    acc = acc + #v
    for i = 1, #v, 7 do acc = acc + byte(v, i) end
    return acc
  elseif t == "number" then
    if math.type(v) == "integer" then return acc + v end
    return acc + math.floor(v * 64)
  elseif t == "boolean" then
    return acc + (v and 3 or 5)
  elseif v == null then
    return acc + 11
  elseif getmetatable(v) == Object then
    for i = 1, #v.keys do
      local k = v.keys[i]
      acc = digest(v.values[k], digest(k, acc))
    end
    return acc
  else
    for i = 1, #v do acc = digest(v[i], acc) end
    return acc + #v
  end
end

-- Whitespace, exponents and escapes that the encoder never produces.
local sample = ' { "a" : [ 1 , -2.5e3 , true , false , null , "x\\u0041\\n\\/" ] ,\r\n\t"b" : { } } '
local canonical = '{"a":[1,-2500.0,true,false,null,"xA\\n/"],"b":{}}'
if encode(decode(sample)) ~= canonical then
  error("json: the sample document decodes wrongly: " .. encode(decode(sample)))
end

local checksum = 0
for _ = 1, ROUNDS do
  local text = encode(document)
  local parsed = decode(text)
  local again = encode(parsed)
  if again ~= text then
    error("json: round trip changed the document")
  end
  local d = digest(parsed, 0) + #again
  if #text ~= EXPECTED_LENGTH or d ~= EXPECTED_DIGEST then
    error(string.format("json: %d bytes with digest %d, expected %d and %d", #text, d, EXPECTED_LENGTH, EXPECTED_DIGEST))
  end
  checksum = checksum + d
end
print(string.format("json checksum: %d", checksum))
