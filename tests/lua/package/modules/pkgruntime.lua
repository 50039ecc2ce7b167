-- Fixture: fails while running.
PKGRUNTIME_STARTED = true
error("module failed on purpose")
