-- os.date, os.time, os.difftime, os.clock (time-zone independent parts)
print(os.date("!%Y-%m-%d %H:%M:%S", 0))
print(os.date("!%Y-%m-%d %H:%M:%S", 86400 * 365 + 3661))
print(os.date("!%c", 1e9))
print(os.date("!%x %X %p %A %B %j %a %b %%", 1234567890))
print(os.date("!%Ey %OH", 0))

local t = os.date("!*t", 1234567890)
print(t.year, t.month, t.day, t.hour, t.min, t.sec, t.wday, t.yday, t.isdst)
local u = os.date("*t", 0)
print(type(u.isdst), math.type(u.year))

-- os.time normalises the table in place and round-trips with os.date("*t")
local d = {year = 2021, month = 14, day = 0, hour = 25, min = -1, sec = 61}
local tm = os.time(d)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday)
print(math.type(tm), os.time(os.date("*t", tm)) == tm)
local x = {year = 2000, month = 1, day = 1}
local t0 = os.time(x)
print(x.hour, x.min, x.sec)
print(os.time({year = 2000, month = 1, day = 2}) - t0, os.time({year = 2000, month = 1, day = 1, hour = 13}) - t0)
print(os.time({year = "2000", month = 1.0, day = 1}) == t0)

-- errors
print(pcall(os.time, {year = 2000, month = 1}))
print(pcall(os.time, {year = 2000, day = 1}))
print(pcall(os.time, {month = 1, day = 1}))
print(pcall(os.time, {year = 2000, month = 1, day = 1.5}))
print(pcall(os.time, {year = 2000, month = "x", day = 1}))
print(pcall(os.time, {year = 2000, month = 1, day = 1, hour = 2^31}))
print(pcall(os.time, {year = 2000, month = 1, day = 1, min = {}}))
print(pcall(os.time, 42))
print(pcall(os.date, "%Ez"))
print(pcall(os.date, "%"))
print(pcall(os.date, "%5"))
print(pcall(os.date, "%Y", 1.5))
print(pcall(os.date, {}))
print(pcall(os.date, "*t", 2^60))

-- __index is honoured when reading the table
local proxy = setmetatable({}, {__index = {year = 2000, month = 1, day = 1}})
print(os.time(proxy) == t0, rawget(proxy, "year"))

-- difftime and clock
print(os.difftime(10, 4), os.difftime(0, 2^53), math.type(os.difftime(1, 1)))
print(pcall(os.difftime, 1))
print(pcall(os.difftime, 1, 1.5))
print(math.type(os.clock()), os.clock() >= 0)
print(math.type(os.time()), os.time() > 1.6e9)
--[[expect
1970-01-01 00:00:00
1971-01-01 01:01:01
Sun Sep  9 01:46:40 2001
02/13/09 23:31:30 PM Friday February 044 Fri Feb %
70 00
2009	2	13	23	31	30	6	44	false
boolean	integer
2022	2	1	1	0	1	3	32
integer	true
12	0	0
86400	3600
true
false	field 'day' missing in date table
false	field 'month' missing in date table
false	field 'year' missing in date table
false	field 'day' is not an integer
false	field 'month' is not an integer
false	field 'hour' is out-of-bound
false	field 'min' is not an integer
false	bad argument #1 to 'os.time' (table expected, got number)
false	bad argument #1 to 'os.date' (invalid conversion specifier '%Ez')
false	bad argument #1 to 'os.date' (invalid conversion specifier '%')
false	bad argument #1 to 'os.date' (invalid conversion specifier '%5')
false	bad argument #2 to 'os.date' (number has no integer representation)
false	bad argument #1 to 'os.date' (string expected, got table)
false	date result cannot be represented in this installation
true	2000
6.0	-9.007199254741e+15	float
false	bad argument #2 to 'os.difftime' (number expected, got no value)
false	bad argument #2 to 'os.difftime' (number has no integer representation)
float	true
integer	true
]]
