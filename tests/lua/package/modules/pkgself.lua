-- Fixture: stores its own value in package.loaded and returns nil.
package.loaded[...] = "stored by the module"
