-- A first taste: closures, tables, string formatting and coroutines.
local function greeter(greeting)
  return function(name) return string.format("%s, %s!", greeting, name) end
end
print(greeter("Hello")("world"))

local squares = {}
for i = 1, 5 do squares[#squares + 1] = i * i end
print("squares: " .. table.concat(squares, " "))

local gen = coroutine.wrap(function()
  local a, b = 0, 1
  while true do coroutine.yield(a); a, b = b, a + b end
end)
local fib = {}
for _ = 1, 10 do fib[#fib + 1] = gen() end
print("fibonacci: " .. table.concat(fib, ", "))
print(_VERSION)
