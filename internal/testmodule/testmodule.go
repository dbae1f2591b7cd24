// Package testmodule writes throwaway Go modules for the tests of code that builds Go packages
// from a module other than Portico's own checkout: the build cache's keys, and entries that a
// team's app takes from Portico (its authorizers) beside its own functions.
package testmodule

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// PorticoPath is the module path of this checkout.
const PorticoPath = "github.com/portico-dev/portico"

// New writes a module named path into a fresh temporary folder, with files (slash-separated
// name -> content) beside its go.mod, and returns the folder. A "go.mod" in files replaces the
// minimal one.
func New(t testing.TB, path string, files map[string]string) string {
	t.Helper()
	return write(t, fmt.Sprintf("module %s\n\ngo 1.22\n", path), files)
}

// RequiringPortico writes a module like New whose go.mod requires Portico, replaced by this
// checkout, with Portico's go.sum. It sets GOFLAGS=-mod=mod for the test, so that go adds the
// requirements the new go.mod does not list from the module cache, as `go mod tidy` would.
func RequiringPortico(t testing.TB, path string, files map[string]string) string {
	t.Helper()
	root := checkout(t)
	goVersion := goDirective(t, filepath.Join(root, "go.mod"))
	gomod := fmt.Sprintf("module %s\n\ngo %s\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", path, goVersion, PorticoPath, PorticoPath, root)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir := write(t, gomod, files)
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOFLAGS", strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"))
	return dir
}

// Main is the source of a main package that prints msg, so that its binary contains msg.
func Main(msg string) string {
	return fmt.Sprintf("package main\n\nfunc main() { println(%q) }\n", msg)
}

func write(t testing.TB, gomod string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"go.mod": gomod}
	for name, content := range files {
		all[name] = content
	}
	for name, content := range all {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// checkout finds this checkout's root: the folder at or above the test's working directory
// (its package folder) whose go.mod declares Portico.
func checkout(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if field(filepath.Join(d, "go.mod"), "module") == PorticoPath {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no %s checkout at or above %s", PorticoPath, dir)
		}
	}
}

// goDirective returns the version of the go line of the go.mod at path.
func goDirective(t testing.TB, path string) string {
	t.Helper()
	v := field(path, "go")
	if v == "" {
		t.Fatalf("%s has no go directive", path)
	}
	return v
}

// field returns the argument of the first line of the file at path that starts with keyword.
func field(path, keyword string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), keyword+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}
