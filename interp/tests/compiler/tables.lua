-- table constructors, indexing, assignment to fields
local a, b, k = ...
local t
t = {}
t = {1, 2, 3}
t = {a, b, k}
t = {x = 1, y = 2}
t = {[1] = 1, [2] = 2}
t = {1, x = 2, [a] = 3, 4}
t = {a = a, b = b, [k] = k}
t = {a(), b()}
t = {a(), b(), nil}
t = {(a())}
t = {...}
t = {..., 1}
t = {1, ...}
t = {f = function() end}
t = {{}, {{}}, {1, {2, {3}}}}
t = {[1.5] = 1, [true] = 2, ["s"] = 3, [-1] = 4, [256] = 5, [0] = 6}
t = {1; 2; x = 3;}
t = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
  "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
  a, b, a()}
t = {x1 = 1, x2 = 2, x3 = 3, x4 = 4, x5 = 5, x6 = 6, x7 = 7, x8 = 8, x9 = 9}
t = {this_is_a_very_long_field_name_longer_than_forty_characters = 1}
t = {1, 2, x = 1, 3, y = 2, 4, z = 3, a(), b = 1}
local v
v = t[1]; v = t[0]; v = t[255]; v = t[256]; v = t[-1]; v = t[1.0]; v = t[1.5]
v = t.x; v = t["x"]; v = t[k]; v = t[a + b]; v = t[true]; v = t[nil]; v = t.x.y.z
v = t["this_is_a_very_long_field_name_longer_than_forty_characters"]
v = t[#t]; v = t[t[1]]; v = t.x[k].y[1]
t[1] = v; t[0] = v; t[256] = v; t[-1] = v; t.x = v; t[k] = v; t[a .. b] = v
t[1] = 1; t.x = "s"; t[k] = nil; t.y = true; t[2] = 1.5; t.z = {}; t[k] = k
t.x.y = 1; t[1][2] = 3; t[k][k] = k
t.this_is_a_very_long_field_name_longer_than_forty_characters = 1
g = 1; g = v; g = g; g = nil; g.x = 1; g[1] = g
h = {}; h.x = h.y
local function up() t.x = 1; t[1] = t[2]; return t.y, t[k], t[1] end
return t, v, up
