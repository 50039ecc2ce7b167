-- The net library on 127.0.0.1: an echo exchange inside one script (the server's accept
-- queue holds the connection), receive patterns, timeouts, refused connections, UDP.
local net = require "net"

local server = assert(net.bind("127.0.0.1", 0))
local ip, port, family = server:getsockname()
print("bound", ip, port > 0, family)

local client = assert(net.connect("127.0.0.1", port))
local conn = assert(server:accept())
print("peer", (conn:getpeername()), select(2, client:getsockname()) == select(2, conn:getpeername()))

print("sent", client:send("line one\r\nline two\nrest"))
print("l", conn:receive("*l"))
print("l", conn:receive())
print("n", conn:receive(2))
conn:send("echo:" .. conn:receive(2) .. "\n")
print("echo", client:receive("*l"))

-- Timeouts: nothing to read, nothing to accept.
conn:settimeout(0.05)
print("receive timeout", conn:receive("*l"))
server:settimeout(0.05)
print("accept timeout", server:accept())

-- "*a" reads until the peer closes; a closed peer ends line reads with "closed".
client:send("tail")
client:close()
conn:settimeout(nil)
print("a", conn:receive("*a"))
print("after close", conn:receive("*l"))
print("closed client", client:send("x"))
conn:close()
server:close()

-- A port nobody listens on.
local probe = assert(net.bind("127.0.0.1", 0))
local _, free = probe:getsockname()
probe:close()
print("refused", net.connect("127.0.0.1", free))

-- UDP between two sockets.
local a, b = net.udp(), net.udp()
assert(a:setsockname("127.0.0.1", 0))
local _, aport = a:getsockname()
print("sendto", b:sendto("datagram", "127.0.0.1", aport))
a:settimeout(1)
local data, from, fromport = a:receivefrom()
print("receivefrom", data, from, fromport == select(2, b:getsockname()))
a:settimeout(0.05)
print("udp timeout", a:receive())
a:close(); b:close()

print("resolve", net.resolve("127.0.0.1")[1])

--[[expect
bound	127.0.0.1	true	inet
peer	127.0.0.1	true
sent	23
l	line one
l	line two
n	re
echo	echo:st
receive timeout	nil	timeout	
accept timeout	nil	timeout
a	tail
after close	nil	closed	
closed client	nil	closed
refused	nil	connection refused
sendto	8
receivefrom	datagram	127.0.0.1	true
udp timeout	nil	timeout
resolve	127.0.0.1
]]
