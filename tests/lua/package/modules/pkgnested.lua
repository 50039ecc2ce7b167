-- Fixture: requires another module while loading.
local inner = require "pkgecho"
return { inner = inner, me = ... }
