-- Fixture: a submodule found as pkgsub/child.lua.
return { name = ..., file = select(2, ...) }
