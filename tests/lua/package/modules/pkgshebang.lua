#!/usr/bin/env lua
-- Fixture: starts with a '#' line; errors report the right line.
return { line = debug.getinfo(1, "l").currentline }
