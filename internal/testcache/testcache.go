// Package testcache gives the test suites that build functions one shared build cache, so
// that a `go test ./...` run builds each function once rather than once per package. The cache
// (internal/gobuild) is content-addressed and its writers rename finished files into place, so
// concurrent test processes and later runs share it safely, as they share Go's own build cache.
package testcache

import (
	"os"
	"path/filepath"
)

// Dir is the shared cache folder, created on first use: $PORTICO_TEST_CACHE when set, else
// portico-test-builds in the temporary folder (`make clean` removes it).
func Dir() (string, error) {
	dir := os.Getenv("PORTICO_TEST_CACHE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "portico-test-builds")
	}
	return dir, os.MkdirAll(dir, 0o700)
}
