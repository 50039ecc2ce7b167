-- Fixture: returns nothing, so require stores true.
PKGNIL_RAN = true
