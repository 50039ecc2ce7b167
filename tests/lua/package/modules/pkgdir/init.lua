-- Fixture: a package found as pkgdir/init.lua.
return { name = ..., file = select(2, ...) }
