// Package testtool finds the programs some tests run (Chromium, curl): on a developer's machine
// a missing one skips the test, loudly; in CI (CI set), which installs them (.ci/run), it fails
// the test.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Unavailable skips the test, naming what it needs and why it is missing, or fails it in CI.
func Unavailable(t testing.TB, what, reason string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: CI must run the tests that need %s", reason, what)
	}
	t.Skipf("SKIPPED (needs %s): %s", what, reason)
}

// Find is the path of the program name on PATH; when there is none the test is Unavailable.
func Find(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, name, "no "+name+" on PATH (install it: "+install+")")
	}
	return path
}
