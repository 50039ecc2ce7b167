-- A Lua file named like the built-in native library lfs: found first, as under lua5.4.
return { mine = true }
