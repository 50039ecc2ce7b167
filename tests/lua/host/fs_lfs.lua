-- The fs library and the LuaFileSystem-compatible lfs, on a scratch directory.
local fs, lfs = require "fs", require "lfs"
local root = os.tmpname()
os.remove(root)
assert(lfs.mkdir(root))

print("write", fs.write(root .. "/a.txt", "alpha\n"))
print("append", fs.append(root .. "/a.txt", "beta\n"))
print("read", (fs.read(root .. "/a.txt"):gsub("\n", "|")))
print("exists", fs.exists(root .. "/a.txt"), fs.exists(root .. "/none"))
local st = fs.stat(root .. "/a.txt")
print("stat", st.type, st.size, type(st.modified))
print("mkdir -p", fs.mkdir(root .. "/x/y/z", true), fs.stat(root .. "/x/y").type)
print("mkdir again", fs.mkdir(root .. "/x/y/z", true))
print("mkdir exists", select(2, fs.mkdir(root .. "/x")):match("File exists") ~= nil)
print("list", table.concat(fs.list(root), ","))
print("rename", fs.rename(root .. "/a.txt", root .. "/b.txt"), fs.exists(root .. "/a.txt"))
print("read missing", select(2, fs.read(root .. "/a.txt")):sub(#root + 1))

-- lfs (require sets the global too, as lfs 1.8 does)
print("lfs global", _G.lfs == lfs)
print("lfs mode", lfs.attributes(root, "mode"), lfs.attributes(root .. "/b.txt").mode)
local a = lfs.attributes(root .. "/b.txt")
print("lfs fields", a.size, a.permissions:match("^[rwx-]+$") ~= nil, type(a.ino), type(a.dev))
local _, why, code = lfs.attributes(root .. "/nope")
print("lfs missing", why == "cannot obtain information from file '" .. root .. "/nope': No such file or directory", code)
local names = {}
for name in lfs.dir(root) do names[#names + 1] = name end
table.sort(names)
print("lfs dir", table.concat(names, ","))
local iter, d = lfs.dir(root)
print("dir object", tostring(d):match("^directory") ~= nil, type(d:next()))
d:close()
print("closed dir", pcall(d.next, d))
print("touch", lfs.touch(root .. "/b.txt", 86400, 172800),
  lfs.attributes(root .. "/b.txt", "access"), lfs.attributes(root .. "/b.txt", "modification"))
print("touch missing", lfs.touch(root .. "/nope"))
print("rmdir nonempty", lfs.rmdir(root .. "/x") == nil)
print("rmdir", lfs.rmdir(root .. "/x/y/z"))
print("bad attribute", pcall(lfs.attributes, root, "colour"))
print("setmode", lfs.setmode(io.stdout, "binary"))
local here = lfs.currentdir()
print("chdir", lfs.chdir(root), lfs.currentdir() == root, io.open("b.txt"):read("l"))
local ok, why = lfs.chdir(root .. "/nope")
print("chdir missing", ok, why == "Unable to change working directory to '" .. root .. "/nope'\nNo such file or directory\n")
assert(lfs.chdir(here))

-- Symlinks: lfs.symlinkattributes describes the link itself.
os.execute("ln -s b.txt " .. root .. "/link")
print("symlink", lfs.symlinkattributes(root .. "/link", "mode"), lfs.attributes(root .. "/link", "mode"),
  lfs.symlinkattributes(root .. "/link").target)

-- lfs.link: a symlink holds the text of `old`; a hard link is another name of the file.
print("link -s", lfs.link("b.txt", root .. "/slink", true), lfs.symlinkattributes(root .. "/slink", "mode"),
  lfs.symlinkattributes(root .. "/slink").target, io.open(root .. "/slink"):read("l"))
print("link -s dangling", lfs.link("nowhere", root .. "/dangling", true),
  lfs.symlinkattributes(root .. "/dangling").target, lfs.attributes(root .. "/dangling") == nil)
print("nlink before", lfs.attributes(root .. "/b.txt", "nlink"))
print("link", lfs.link(root .. "/b.txt", root .. "/hard"), lfs.attributes(root .. "/hard", "mode"),
  lfs.attributes(root .. "/b.txt", "nlink"), lfs.attributes(root .. "/hard", "nlink"),
  lfs.attributes(root .. "/hard", "ino") == lfs.attributes(root .. "/b.txt", "ino"))
print("link false", lfs.link(root .. "/b.txt", root .. "/hard2", false), lfs.attributes(root .. "/b.txt", "nlink"))
print("link exists", lfs.link(root .. "/b.txt", root .. "/hard"))
print("link -s exists", lfs.link("b.txt", root .. "/slink", true))
print("link missing", lfs.link(root .. "/nope", root .. "/hard3"))
print("link args", pcall(lfs.link, root .. "/b.txt"))
print("copyright", lfs._COPYRIGHT)

-- Cleanup with fs.remove (files, links, empty directories).
for _, p in ipairs { "/link", "/slink", "/dangling", "/hard", "/hard2", "/b.txt", "/x/y", "/x" } do
  assert(fs.remove(root .. p))
end
print("removed", fs.remove(root), fs.exists(root))

--[[expect
write	true
append	true
read	alpha|beta|
exists	true	false
stat	file	11	number
mkdir -p	true	directory
mkdir again	true
mkdir exists	true
list	a.txt,x
rename	true	false
read missing	/a.txt: No such file or directory
lfs global	true
lfs mode	directory	file
lfs fields	11	true	number	number
lfs missing	true	2
lfs dir	.,..,b.txt,x
dir object	true	string
closed dir	false	calling 'next' on bad self (closed directory)
touch	true	86400	172800
touch missing	nil	No such file or directory	2
rmdir nonempty	true
rmdir	true
bad attribute	false	invalid attribute name 'colour'
setmode	true	binary
chdir	true	true	alpha
chdir missing	nil	true
symlink	link	file	b.txt
link -s	true	link	b.txt	alpha
link -s dangling	true	nowhere	true
nlink before	1
link	true	file	2	2	true
link false	true	3
link exists	nil	File exists	17
link -s exists	nil	File exists	17
link missing	nil	No such file or directory	2
link args	false	bad argument #2 to 'lfs.link' (string expected, got no value)
copyright	Copyright (C) 2003-2017 Kepler Project
removed	true	false
]]
