package gobuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Cache keeps built binaries under Dir, keyed by the content of every non-standard source file
// a package depends on (module-cache dependencies by path@version), the Go toolchain, the
// target and Flags. A stamp of the files' sizes and modification times lets an unchanged tree
// be recognised with stat calls alone, without `go list` or `go build`.
//
// A stamp belongs to one slot: the absolute root of the module the entry is resolved in, the
// entry (its absolute folder, or its import path), the toolchain, Flags and the target. A slot
// named by the relative entry alone would be shared by every project that uses the same
// relative folder, and a stamp only checks that the files it recorded are unchanged, not that
// they are still the ones the entry names: another project's build would be reused.
//
// Each binary is stored with a record of its size and SHA-256 (bootstrap.sum beside it), checked
// before every reuse: a binary truncated or altered since it was stored, or without a record, is
// reported on Log and built again.
type Cache struct {
	Dir string // e.g. os.UserCacheDir()/portico
	// Log receives one line per cached binary found corrupt and rebuilt; nil: os.Stderr.
	Log io.Writer

	mu   sync.Mutex
	envs map[string]*goEnv // by absolute folder
}

// goEnv is what `go env` says in one folder: the toolchain and the settings that change its
// output, and the module (and workspace) that resolve entries there.
type goEnv struct {
	toolchain string // GOVERSION, GOFLAGS, GOEXPERIMENT, GOAMD64, GOARM64
	gomod     string // the go.mod file of the module holding the folder
	gowork    string // the go.work file in use, if any
}

// root is the absolute folder of the module that resolves entries in this environment.
func (e *goEnv) root(dir string) string {
	if e.gomod == "" || e.gomod == os.DevNull {
		return dir // not in a module: `go list` will say so
	}
	return filepath.Dir(e.gomod)
}

// stamp records what a build depended on.
type stamp struct {
	Key        string
	ImportPath string
	PkgDir     string
	Files      map[string]fileStat
}

type fileStat struct {
	Size    int64
	ModTime time.Time
}

// Build returns the package named by pattern (an import path, or a folder such as "." or
// "./functions/hello/cmd") as seen from dir, and the path of its binary for t in the cache,
// building it if needed.
func (c *Cache) Build(dir, pattern string, t Target) (*Package, string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", fmt.Errorf("entry %q: %w", pattern, err)
	}
	env, err := c.goEnv(dir)
	if err != nil {
		return nil, "", err
	}
	stampPath := filepath.Join(c.Dir, "stamps", slot(env, dir, pattern, t)+".json")
	st, err := readStamp(stampPath)
	if err != nil || !st.fresh() {
		if st, err = c.inspect(dir, pattern, t, env); err != nil {
			return nil, "", err
		}
	}
	pkg := &Package{Entry: pattern, Dir: st.PkgDir, ImportPath: st.ImportPath}
	bin := filepath.Join(c.Dir, "builds", st.Key, "bootstrap")
	reuse, why := verify(bin)
	if why != "" {
		fmt.Fprintf(c.log(), "build cache: %s %s; building it again\n", bin, why)
	}
	if !reuse {
		if err := store(pkg, t, bin); err != nil {
			return nil, "", err
		}
	}
	raw, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(stampPath), 0o755); err == nil {
		_ = os.WriteFile(stampPath, raw, 0o644) // a missing stamp only costs a `go list` next time
	}
	return pkg, bin, nil
}

func (c *Cache) log() io.Writer {
	if c.Log == nil {
		return os.Stderr
	}
	return c.Log
}

// record is a stored binary's size and SHA-256, kept in its sumFile.
type record struct {
	Size   int64
	SHA256 string
}

// sumFile is where the record of the binary at bin is kept.
func sumFile(bin string) string { return bin + ".sum" }

// measure reads the file at path into a record.
func measure(path string) (record, error) {
	f, err := os.Open(path)
	if err != nil {
		return record{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return record{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// verify reports whether the binary at bin may be reused: it exists and matches its record.
// why says what is wrong with a binary that exists but may not be reused.
func verify(bin string) (reuse bool, why string) {
	fi, err := os.Stat(bin)
	if err != nil {
		return false, "" // never built: nothing to report
	}
	raw, err := os.ReadFile(sumFile(bin))
	if err != nil {
		return false, "has no record of its size and hash"
	}
	var want record
	if err := json.Unmarshal(raw, &want); err != nil {
		return false, fmt.Sprintf("has an unreadable record %s", sumFile(bin))
	}
	if fi.Size() != want.Size {
		return false, fmt.Sprintf("is %d bytes, but %d were stored", fi.Size(), want.Size)
	}
	got, err := measure(bin)
	if err != nil {
		return false, fmt.Sprintf("cannot be read (%v)", err)
	}
	if got != want {
		return false, fmt.Sprintf("has SHA-256 %s, but %s was stored", got.SHA256, want.SHA256)
	}
	return true, ""
}

// store builds pkg for t into bin with its record. Both are written beside their final names
// and renamed into place, the record first, so that concurrent builders never see half a file
// and a reader never takes a new binary for one without a record.
func store(pkg *Package, t Target, bin string) error {
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	if err := Build(pkg, t, tmp); err != nil {
		return err
	}
	if err := writeRecord(tmp, bin); err != nil {
		return err
	}
	if err := os.Rename(tmp, bin); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	return nil
}

// writeRecord measures the file at path and stores the result as the record of the binary at
// bin, renaming it into place.
func writeRecord(path, bin string) error {
	rec, err := measure(path)
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	raw, _ := json.Marshal(rec) // a record always marshals
	tmp := fmt.Sprintf("%s.%d.tmp", sumFile(bin), os.Getpid())
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	if err := os.Rename(tmp, sumFile(bin)); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	return nil
}

// slot names the stamp of pattern built from dir (absolute) for t: the module root, the entry
// as an absolute folder (or its import path), the workspace, the toolchain, Flags and t.
func slot(env *goEnv, dir, pattern string, t Target) string {
	entry := pattern
	if filepath.IsAbs(pattern) {
		entry = filepath.Clean(pattern)
	} else if IsFolder(pattern) {
		entry = filepath.Join(dir, pattern)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{
		env.root(dir), entry, env.gowork, env.toolchain, strings.Join(Flags, " "), t.GOOS, t.GOARCH,
	}, "\x00")))
	return hex.EncodeToString(sum[:12])
}

// goEnv runs `go env` once per folder and Cache.
func (c *Cache) goEnv(dir string) (*goEnv, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if env, ok := c.envs[dir]; ok {
		return env, nil
	}
	cmd := exec.Command("go", "env", "GOMOD", "GOWORK", "GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOAMD64", "GOARM64")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env in %s: %w", dir, err)
	}
	lines := strings.SplitN(string(out), "\n", 3)
	if len(lines) < 3 {
		return nil, fmt.Errorf("go env in %s: unexpected output %q", dir, out)
	}
	env := &goEnv{gomod: lines[0], gowork: lines[1], toolchain: lines[2]}
	if c.envs == nil {
		c.envs = map[string]*goEnv{}
	}
	c.envs[dir] = env
	return env, nil
}

func readStamp(path string) (*stamp, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st stamp
	return &st, json.Unmarshal(raw, &st)
}

func (s *stamp) fresh() bool {
	for path, want := range s.Files {
		fi, err := os.Stat(path)
		if err != nil || fi.Size() != want.Size || !fi.ModTime().Equal(want.ModTime) {
			return false
		}
	}
	return len(s.Files) > 0
}

type listedPackage struct {
	ImportPath, Dir, Name         string
	Standard                      bool
	GoFiles, CgoFiles, EmbedFiles []string
	Module                        *struct {
		Path, Version, GoMod string
		Main                 bool
		Replace              *struct{ Path string }
	}
	Error *struct{ Err string }
}

// inspect lists the package's dependencies and hashes their sources. Directories are stamped
// too, so an added file invalidates the stamp.
func (c *Cache) inspect(dir, pattern string, t Target, env *goEnv) (*stamp, error) {
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,Name,Standard,GoFiles,CgoFiles,EmbedFiles,Module,Error", pattern)
	cmd.Dir = dir
	cmd.Env = t.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return nil, fmt.Errorf("entry %q: run go list: %w", pattern, err)
		}
		goSays := strings.Join(strings.Fields(stderr.String()), " ")
		if IsFolder(pattern) {
			return nil, &EntryError{Entry: pattern, Reason: "not a Go package: " + goSays}
		}
		reason := fmt.Sprintf("no package with this import path in the module at %s or the modules it requires: %s", env.root(dir), goSays)
		if fi, err := os.Stat(filepath.Join(dir, pattern)); err == nil && fi.IsDir() {
			reason += fmt.Sprintf(" (to name the folder, write %q)", "."+string(filepath.Separator)+pattern)
		}
		return nil, &EntryError{Entry: pattern, Reason: reason}
	}
	h := sha256.New()
	st := &stamp{Files: map[string]fileStat{}}
	// go.mod and go.work decide which code an import path names (a required version, a
	// replacement): a change to either makes the stamp stale, even when no file of the app's
	// own module is built into the entry.
	for _, f := range []string{env.gomod, env.gowork} {
		if filepath.IsAbs(f) {
			if fi, err := os.Stat(f); err == nil {
				st.Files[f] = fileStat{Size: fi.Size(), ModTime: fi.ModTime()}
			}
		}
	}
	fmt.Fprintln(h, env.toolchain, t.GOOS, t.GOARCH, strings.Join(Flags, " "))
	addFile := func(path string, content bool) error {
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		st.Files[path] = fileStat{Size: fi.Size(), ModTime: fi.ModTime()}
		if !content {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\n", path)
		_, err = io.Copy(h, f)
		return err
	}
	var main *listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("entry %q: reading go list output: %w", pattern, err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("entry %q: %s", pattern, p.Error.Err)
		}
		if p.Standard {
			continue
		}
		main = &p // go list -deps prints the named package last
		if m := p.Module; m != nil && !m.Main && m.Replace == nil {
			fmt.Fprintf(h, "module %s@%s\n", m.Path, m.Version)
			continue
		}
		if m := p.Module; m != nil && m.GoMod != "" {
			if err := addFile(m.GoMod, true); err != nil {
				return nil, fmt.Errorf("entry %q: %w", pattern, err)
			}
		}
		if err := addFile(p.Dir, false); err != nil {
			return nil, fmt.Errorf("entry %q: %w", pattern, err)
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles} {
			for _, f := range list {
				if err := addFile(filepath.Join(p.Dir, f), true); err != nil {
					return nil, fmt.Errorf("entry %q: %w", pattern, err)
				}
			}
		}
	}
	if main == nil {
		return nil, fmt.Errorf("entry %q: go list did not list it", pattern)
	}
	if main.Name != "main" {
		return nil, fmt.Errorf("entry %q is package %q, not a main package; a Lambda handler needs `package main` calling lambda.Start", pattern, main.Name)
	}
	st.Key = hex.EncodeToString(h.Sum(nil))[:32]
	st.ImportPath, st.PkgDir = main.ImportPath, main.Dir
	return st, nil
}
