package gobuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
type Cache struct {
	Dir string // e.g. os.UserCacheDir()/portico

	toolchainOnce sync.Once
	toolchain     string
	toolchainErr  error
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

// Build returns the package named by pattern (an import path or a directory such as ".")
// as seen from dir, and the path of its binary for t in the cache, building it if needed.
func (c *Cache) Build(dir, pattern string, t Target) (*Package, string, error) {
	toolchain, err := c.goEnv()
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{dir, pattern, t.GOOS, t.GOARCH, toolchain}, "\x00")))
	stampPath := filepath.Join(c.Dir, "stamps", hex.EncodeToString(sum[:12])+".json")
	st, err := readStamp(stampPath)
	if err != nil || !st.fresh() {
		if st, err = c.inspect(dir, pattern, t, toolchain); err != nil {
			return nil, "", err
		}
	}
	pkg := &Package{Entry: pattern, Dir: st.PkgDir, ImportPath: st.ImportPath}
	bin := filepath.Join(c.Dir, "builds", st.Key, "bootstrap")
	if _, err := os.Stat(bin); err != nil {
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
			return nil, "", fmt.Errorf("build cache: %w", err)
		}
		// Build beside the final name and rename, so concurrent builders never see half a file.
		tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
		if err := Build(pkg, t, tmp); err != nil {
			return nil, "", err
		}
		if err := os.Rename(tmp, bin); err != nil {
			return nil, "", fmt.Errorf("build cache: %w", err)
		}
	}
	raw, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(stampPath), 0o755); err == nil {
		_ = os.WriteFile(stampPath, raw, 0o644) // a missing stamp only costs a `go list` next time
	}
	return pkg, bin, nil
}

// goEnv identifies the toolchain and the settings that change its output, once per Cache.
func (c *Cache) goEnv() (string, error) {
	c.toolchainOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOAMD64", "GOARM64").Output()
		if err != nil {
			c.toolchainErr = fmt.Errorf("go env: %w", err)
		}
		c.toolchain = string(out)
	})
	return c.toolchain, c.toolchainErr
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
func (c *Cache) inspect(dir, pattern string, t Target, toolchain string) (*stamp, error) {
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,Name,Standard,GoFiles,CgoFiles,EmbedFiles,Module,Error", pattern)
	cmd.Dir = dir
	cmd.Env = t.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("entry %q is not a Go package: %w\n%s", pattern, err, strings.TrimSpace(stderr.String()))
	}
	h := sha256.New()
	fmt.Fprintln(h, toolchain, t.GOOS, t.GOARCH, strings.Join(Flags, " "))
	st := &stamp{Files: map[string]fileStat{}}
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
