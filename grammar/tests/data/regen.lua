-- Regenerates the expected messages of a case file from the reference interpreter:
--   lua5.4 grammar/tests/data/regen.lua grammar/tests/data/syntax_errors.txt
-- A case file holds pairs of lines: a chunk (escaped: \n \r \t \\ \xHH), then `--> ` and
-- the message `load(chunk, "=src")` gives for it, or `--> OK`. Lines starting with `#` and
-- blank lines between cases are kept as they are.

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

local path = assert(arg[1], "usage: regen.lua CASEFILE")
local out = {}
local pending
for line in io.lines(path) do
  if line:match("^%-%->") then
    -- old expectation: dropped, recomputed below
  elseif line:match("^#") or line == "" then
    out[#out + 1] = line
  else
    local src = unescape(line)
    local f, msg = load(src, "=src")
    out[#out + 1] = line
    out[#out + 1] = "--> " .. (f and "OK" or escape(msg))
  end
end
local f = assert(io.open(path, "w"))
f:write(table.concat(out, "\n"), "\n")
f:close()
