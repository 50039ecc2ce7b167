-- crypto through Lua against published vectors: FIPS 180-4 (SHA), RFC 7693 (BLAKE2b),
-- RFC 4231 (HMAC), RFC 8439 (ChaCha20-Poly1305), RFC 4648 (base64).
local crypto = require "crypto"
local hex, unhex = crypto.hex, crypto.unhex

local function check(name, got, want)
  if got ~= want then error(name .. ": got " .. tostring(got) .. ", want " .. want, 2) end
  print(name, "ok")
end

local abc2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
check("sha1 abc", hex(crypto.digest("sha1", "abc")), "a9993e364706816aba3e25717850c26c9cd0d89d")
check("sha1 2-block", hex(crypto.digest("sha1", abc2)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
check("sha256 abc", hex(crypto.digest("sha256", "abc")),
  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
check("sha256 2-block", hex(crypto.digest("sha256", abc2)),
  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
check("sha512 abc", hex(crypto.digest("sha512", "abc")),
  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" ..
  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
check("blake2b abc", hex(crypto.digest("blake2b", "abc")),
  "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1" ..
  "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
check("sha256 empty", hex(crypto.digest("sha256", "")),
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

-- RFC 4231, test cases 1 and 2.
check("hmac-sha256 tc1", hex(crypto.hmac("sha256", ("\x0b"):rep(20), "Hi There")),
  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
check("hmac-sha512 tc1", hex(crypto.hmac("sha512", ("\x0b"):rep(20), "Hi There")),
  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde" ..
  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")
check("hmac-sha256 tc2", hex(crypto.hmac("sha256", "Jefe", "what do ya want for nothing?")),
  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")

-- RFC 8439, section 2.8.2.
local plaintext = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip " ..
  "for the future, sunscreen would be it."
local aad = unhex("50515253c0c1c2c3c4c5c6c7")
local key = unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
local nonce = unhex("070000004041424344454647")
local sealed = crypto.seal(key, nonce, plaintext, aad)
check("chacha20-poly1305 ciphertext", hex(sealed:sub(1, -17)),
  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" ..
  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" ..
  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" ..
  "3ff4def08e4b7a9de576d26586cec64b6116")
check("chacha20-poly1305 tag", hex(sealed:sub(-16)), "1ae10b594f09e26a7e902ecbd0600691")
check("open", crypto.open(key, nonce, sealed, aad), plaintext)
print("tampered", crypto.open(key, nonce, sealed:sub(1, -2) .. "x", aad))
print("wrong aad", crypto.open(key, nonce, sealed, "other"))
print("bad key", pcall(crypto.seal, "short", nonce, "x"))

-- Random bytes: the right length, and not all the same.
local r1, r2 = crypto.random(32), crypto.random(32)
print("random", #r1, #crypto.random(0), r1 ~= r2)

-- Codecs.
check("base64", crypto.base64("foobar"), "Zm9vYmFy")
check("unbase64", crypto.unbase64("Zm9vYg=="), "foob")
check("hex round trip", unhex(hex("\0\1\254\255")), "\0\1\254\255")
print("bad hex", unhex("abc"))
print("bad base64", crypto.unbase64("Z"))
print("unknown algorithm", pcall(crypto.digest, "md4", "x"))

--[[expect
sha1 abc	ok
sha1 2-block	ok
sha256 abc	ok
sha256 2-block	ok
sha512 abc	ok
blake2b abc	ok
sha256 empty	ok
hmac-sha256 tc1	ok
hmac-sha512 tc1	ok
hmac-sha256 tc2	ok
chacha20-poly1305 ciphertext	ok
chacha20-poly1305 tag	ok
open	ok
tampered	nil	authentication failed
wrong aad	nil	authentication failed
bad key	false	bad argument #1 to 'crypto.seal' (key must be 32 bytes)
random	32	0	true
base64	ok
unbase64	ok
hex round trip	ok
bad hex	nil	invalid hex string
bad base64	nil	invalid base64 string
unknown algorithm	false	unknown digest algorithm 'md4'
]]
