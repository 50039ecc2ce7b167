-- Regenerates the expected values of a value file from the reference interpreter:
--   lua5.4 grammar/tests/data/regen_values.lua literals|tonumber FILE
-- Each case is a line (escaped: \n \r \t \\ \xHH) followed by `--> ` and its value:
-- `int N`, `float X` (%.17g), `string ESCAPED`, or `nil`. For `literals`, the case is an
-- expression evaluated by `load("return " .. case)`; for `tonumber`, a string given to
-- `tonumber`.

local function unescape(s)
  local out, i = {}, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == "\\" then
      local e = s:sub(i + 1, i + 1)
      if e == "x" then
        out[#out + 1] = string.char(tonumber(s:sub(i + 2, i + 3), 16))
        i = i + 4
      else
        out[#out + 1] = ({ n = "\n", r = "\r", t = "\t", ["\\"] = "\\" })[e]
        i = i + 2
      end
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
  return table.concat(out)
end

local function escape(s)
  return (s:gsub("[%c\\\128-\255]", function(c)
    if c == "\n" then return "\\n" elseif c == "\r" then return "\\r"
    elseif c == "\t" then return "\\t" elseif c == "\\" then return "\\\\"
    else return string.format("\\x%02X", c:byte()) end
  end))
end

local function describe(v)
  if math.type(v) == "integer" then return "int " .. string.format("%d", v)
  elseif math.type(v) == "float" then return "float " .. string.format("%.17g", v)
  elseif type(v) == "string" then return "string " .. escape(v)
  else return tostring(v) end
end

local mode, path = arg[1], arg[2]
local out = {}
for line in io.lines(path) do
  if line:match("^%-%->") then
  elseif line:match("^#") or line == "" then
    out[#out + 1] = line
  else
    local src = unescape(line)
    local v
    if mode == "literals" then
      local f, err = load("return " .. src, "=src")
      v = f and describe(f()) or ("error " .. escape(err))
    else
      v = describe(tonumber(src))
    end
    out[#out + 1] = line
    out[#out + 1] = "--> " .. v
  end
end
local f = assert(io.open(path, "w"))
f:write(table.concat(out, "\n"), "\n")
f:close()
