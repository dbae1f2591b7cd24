package gobuild_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/gobuild"
	"github.com/portico-dev/portico/internal/testmodule"
)

var host = gobuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}

// TestCacheSameEntryInTwoModules: two projects that name their function by the same relative
// folder, built from their own folders with one cache (as two CDK apps do with the user's
// cache), each get their own package and a binary of their own code.
func TestCacheSameEntryInTwoModules(t *testing.T) {
	cache := &gobuild.Cache{Dir: t.TempDir()}
	var bins [][]byte
	for _, name := range []string{"one", "two"} {
		// GIVEN a module with its own hello at ./functions/hello/cmd
		msg := "hello from module " + name
		mod := testmodule.New(t, "example.com/"+name, map[string]string{"functions/hello/cmd/main.go": testmodule.Main(msg)})

		// WHEN it is built from the module's folder
		t.Chdir(mod)
		pkg, bin, err := cache.Build(".", "./functions/hello/cmd", host)
		if err != nil {
			t.Fatal(err)
		}

		// THEN the package is this module's and the binary holds this module's code
		if want := "example.com/" + name + "/functions/hello/cmd"; pkg.ImportPath != want {
			t.Errorf("module %s: import path %q, want %q", name, pkg.ImportPath, want)
		}
		if !strings.HasPrefix(pkg.Dir, mod) {
			t.Errorf("module %s: package folder %s is not in %s", name, pkg.Dir, mod)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(msg)) {
			t.Errorf("module %s: binary %s does not contain %q: another module's build", name, bin, msg)
		}
		bins = append(bins, data)
	}
	if bytes.Equal(bins[0], bins[1]) {
		t.Error("two modules with different code got the same binary")
	}
}

// TestCacheImportPathEntry: an import path is resolved in the module of the folder it is built
// from, so an entry may come from a module that module requires (here Portico, replaced by
// this checkout).
func TestCacheImportPathEntry(t *testing.T) {
	// GIVEN an app module that requires Portico
	app := testmodule.RequiringPortico(t, "example.com/app", nil)

	// WHEN it builds one of Portico's authorizers by import path
	entry := testmodule.PorticoPath + "/authorizers/resttoken/cmd"
	pkg, bin, err := (&gobuild.Cache{Dir: t.TempDir()}).Build(app, entry, host)

	// THEN it gets that package, from this checkout
	if err != nil {
		t.Fatal(err)
	}
	if pkg.ImportPath != entry {
		t.Errorf("import path %q, want %q", pkg.ImportPath, entry)
	}
	if wd, _ := os.Getwd(); !strings.HasPrefix(pkg.Dir, filepath.Dir(filepath.Dir(wd))) {
		t.Errorf("package folder %s is not in this checkout", pkg.Dir)
	}
	if fi, err := os.Stat(bin); err != nil || fi.Size() == 0 {
		t.Errorf("no binary at %s: %v", bin, err)
	}
}

// TestCacheNoticesGoMod: an import path from a replaced module names other code when go.mod
// changes the replacement, although no file of the app's own module is built into it.
func TestCacheNoticesGoMod(t *testing.T) {
	// GIVEN an app whose go.mod replaces example.com/lib by ./liba (libb is another version)
	gomod := func(lib string) string {
		return "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ./" + lib + "\n"
	}
	app := testmodule.New(t, "example.com/app", map[string]string{
		"go.mod":           gomod("liba"),
		"liba/go.mod":      "module example.com/lib\n\ngo 1.22\n",
		"liba/cmd/main.go": testmodule.Main("lib version a"),
		"libb/go.mod":      "module example.com/lib\n\ngo 1.22\n",
		"libb/cmd/main.go": testmodule.Main("lib version b"),
	})
	cache := &gobuild.Cache{Dir: t.TempDir()}
	for i, lib := range []string{"liba", "libb"} {
		// WHEN go.mod points at lib and the entry is built again
		path := filepath.Join(app, "go.mod")
		if err := os.WriteFile(path, []byte(gomod(lib)), 0o644); err != nil {
			t.Fatal(err)
		}
		// (the same size: only the modification time tells the edit, whatever its resolution)
		mtime := time.Now().Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		pkg, bin, err := cache.Build(app, "example.com/lib/cmd", host)
		if err != nil {
			t.Fatal(err)
		}

		// THEN the package and the binary are lib's
		if want := filepath.Join(app, lib, "cmd"); pkg.Dir != want {
			t.Errorf("package folder %s, want %s", pkg.Dir, want)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if want := "lib version " + lib[3:]; !bytes.Contains(data, []byte(want)) {
			t.Errorf("binary of %s does not contain %q", lib, want)
		}
	}
}
