package gobuild_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
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

// TestCacheRebuildsCorruptBinary: a cached binary that no longer matches the size and SHA-256
// recorded when it was stored, or that has no readable record, is reported in one line and built
// again, and the rebuilt binary runs; an intact one is reused without a word.
func TestCacheRebuildsCorruptBinary(t *testing.T) {
	const msg = "hello from the intact build"
	mod := testmodule.New(t, "example.com/corrupt", map[string]string{"cmd/main.go": testmodule.Main(msg)})
	var log bytes.Buffer
	cache := &gobuild.Cache{Dir: t.TempDir(), Log: &log}
	_, bin, err := cache.Build(mod, "./cmd", host)
	if err != nil {
		t.Fatal(err)
	}
	intact, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	write := func(path string, data []byte) {
		if err := os.WriteFile(path, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		corrupt func()
		want    string // in the log line
	}{
		{"truncated", func() { write(bin, intact[:len(intact)/2]) }, fmt.Sprintf("is %d bytes, but %d were stored", len(intact)/2, len(intact))},
		{"one byte flipped", func() {
			flipped := bytes.Clone(intact)
			flipped[len(flipped)/2] ^= 0xff
			write(bin, flipped)
		}, "has SHA-256 "},
		{"record missing", func() {
			if err := os.Remove(bin + ".sum"); err != nil {
				t.Fatal(err)
			}
		}, "has no record of its size and hash"},
		{"record unreadable", func() { write(bin+".sum", []byte("{")) }, "has an unreadable record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a cached binary corrupted after it was stored
			tt.corrupt()
			log.Reset()

			// WHEN the entry is built again
			_, again, err := cache.Build(mod, "./cmd", host)
			if err != nil {
				t.Fatal(err)
			}

			// THEN one line says which binary and what is wrong, and the binary is built again
			if lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n"); len(lines) != 1 ||
				!strings.Contains(lines[0], bin) || !strings.Contains(lines[0], tt.want) || !strings.HasSuffix(lines[0], "building it again") {
				t.Errorf("log %q, want one line naming %s and %q", log.String(), bin, tt.want)
			}
			if data, err := os.ReadFile(again); err != nil || !bytes.Equal(data, intact) {
				t.Errorf("binary at %s after the rebuild: %d bytes (%v), want the %d of the intact build", again, len(data), err, len(intact))
			}
			if out, err := exec.Command(again).CombinedOutput(); err != nil || !strings.Contains(string(out), msg) {
				t.Errorf("rebuilt binary: %q, %v; want it to print %q", out, err, msg)
			}
		})
	}

	// An intact binary is reused as it is, silently.
	log.Reset()
	before, _ := os.Stat(bin)
	if _, _, err := cache.Build(mod, "./cmd", host); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.Stat(bin); log.Len() != 0 || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("intact binary: log %q, modified %v -> %v; want it reused silently", log.String(), before.ModTime(), after.ModTime())
	}
}

// BenchmarkVerify measures what checking a cached binary costs at every reuse: reading and
// hashing a binary of the size of a function's bootstrap (6 MB).
func BenchmarkVerify(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "bootstrap")
	data := bytes.Repeat([]byte("portico!"), 6<<20/8)
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := gobuild.WriteRecord(bin); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if reuse, why := gobuild.Verify(bin); !reuse {
			b.Fatal(why)
		}
	}
}
