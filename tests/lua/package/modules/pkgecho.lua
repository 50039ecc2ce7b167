-- Fixture for tests/lua/package: returns the arguments require passed.
PKGECHO_LOADS = (PKGECHO_LOADS or 0) + 1
return { name = select(1, ...), file = select(2, ...), nargs = select('#', ...) }
