-- string.pack, string.unpack and string.packsize
local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
print(hex(string.pack("i4", 1)), hex(string.pack(">i4", 1)), hex(string.pack("<i2 >i2", 258, 258)))
print(hex(string.pack("b B h H", -1, 255, -2, 65535)), hex(string.pack("j", -1)), hex(string.pack("z", "ab")))
print(hex(string.pack("s1", "hi")), hex(string.pack("c5", "ab")), hex(string.pack("!4 i1 i4", 1, 2)))
print(hex(string.pack("d", 1.5)), hex(string.pack("f", -2)), hex(string.pack("n", 0.1)))
print(string.unpack("i4", string.pack("i4", -123456)), string.unpack("<I2", "\1\2"), string.unpack(">I2", "\1\2"))
print(string.unpack("z z", "ab\0cd\0"), string.unpack("s1", "\3abc"), string.unpack("c2", "xyz"))
print(string.unpack("d", string.pack("d", math.pi)) == math.pi, string.unpack("b", "\255"), string.unpack("B", "\255"))
print(string.unpack("i2", "\1\0\2\0", 3), string.unpack("i2", "\1\0\2\0", -2), string.unpack("xxB", "\1\2\3"))
print(string.packsize("i4 i8"), string.packsize("!8 i1 i8"), string.packsize("c10"), string.packsize(""), string.packsize("d n j"))
print(string.unpack("i16", string.pack("i16", -3)), string.unpack("I3", string.pack("I3", 0xabcdef)))
print(pcall(string.pack, "i1", 200))
print(pcall(string.pack, "I1", -1))
print(pcall(string.pack, "i17", 1))
print(pcall(string.pack, "c2", "abc"))
print(pcall(string.pack, "z", "a\0b"))
print(pcall(string.pack, "s1", string.rep("x", 300)))
print(pcall(string.pack, "y", 1))
print(pcall(string.pack, "i4"))
print(pcall(string.pack, "i4", "x"))
print(pcall(string.unpack, "i4", "abc"))
print(pcall(string.unpack, "z", "abc"))
print(pcall(string.unpack, "i4", "abcd", 10))
print(pcall(string.unpack, "i9", string.rep("\255", 8) .. "\1"))
print(pcall(string.packsize, "s"))
print(pcall(string.packsize, "z"))
print(pcall(string.pack, "!17 i4", 1))
print(pcall(string.pack, "Xz", 1))
--[[expect
01000000	00000001	02010102
fffffeffffff	ffffffffffffffff	616200
026869	6162000000	0100000002000000
000000000000f83f	000000c0	9a9999999999b93f
-123456	513	258	3
ab	abc	xy	3
true	-1	255	2
2	2	3	4
12	16	10	0	24
-3	11259375	4
false	bad argument #2 to 'string.pack' (integer overflow)
false	bad argument #2 to 'string.pack' (unsigned overflow)
false	integral size (17) out of limits [1,16]
false	bad argument #2 to 'string.pack' (string longer than given size)
false	bad argument #2 to 'string.pack' (string contains zeros)
false	bad argument #2 to 'string.pack' (string length does not fit in given size)
false	invalid format option 'y'
false	bad argument #2 to 'string.pack' (number expected, got nil)
false	bad argument #2 to 'string.pack' (number expected, got string)
false	bad argument #2 to 'string.unpack' (data string too short)
false	bad argument #2 to 'string.unpack' (unfinished string for format 'z')
false	bad argument #3 to 'string.unpack' (initial position out of string)
false	9-byte integer does not fit into Lua Integer
false	bad argument #1 to 'string.packsize' (variable-length format)
false	bad argument #1 to 'string.packsize' (variable-length format)
false	integral size (17) out of limits [1,16]
false	bad argument #1 to 'string.pack' (invalid next option for option 'X')
]]
