-- Fixture: returns false, which require keeps (only nil becomes true).
return false
