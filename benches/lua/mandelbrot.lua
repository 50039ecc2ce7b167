-- Mandelbrot: renders the set as a bitmap, one bit per pixel, XOR-folding
-- each byte into a checksum (the Are We Fast Yet formulation). Stresses
-- float arithmetic in tight while loops, integer shifts and XOR. The total
-- number of iterations is checked too.

local SIZE = 500
local EXPECTED = 191 -- the classic value for size 500
local EXPECTED_ITERATIONS = 8095192

local function mandelbrot(size)
  local sum = 0
  local byteAcc = 0
  local bitNum = 0
  local iterations = 0
  for y = 0, size - 1 do
    local ci = (2.0 * y / size) - 1.0
    for x = 0, size - 1 do
      local zrzr, zi, zizi = 0.0, 0.0, 0.0
      local cr = (2.0 * x / size) - 1.5
      local escape = 0
      local z = 0
      while z < 50 do
        local zr = zrzr - zizi + cr
        zi = 2.0 * zr * zi + ci
        zrzr = zr * zr
        zizi = zi * zi
        if zrzr + zizi > 4.0 then
          escape = 1
          break
        end
        z = z + 1
      end
      iterations = iterations + z
      byteAcc = (byteAcc << 1) + escape
      bitNum = bitNum + 1
      if bitNum == 8 then
        sum = sum ~ byteAcc
        byteAcc, bitNum = 0, 0
      elseif x == size - 1 then
        byteAcc = byteAcc << (8 - bitNum)
        sum = sum ~ byteAcc
        byteAcc, bitNum = 0, 0
      end
    end
  end
  return sum, iterations
end

local result, iterations = mandelbrot(SIZE)
print(string.format("mandelbrot checksum: %d (%d iterations)", result, iterations))
if result ~= EXPECTED or iterations ~= EXPECTED_ITERATIONS then
  error(string.format("mandelbrot: expected checksum %d after %d iterations", EXPECTED, EXPECTED_ITERATIONS))
end
