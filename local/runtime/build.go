package runtime

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
	goruntime "runtime"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/gobuild"
	"github.com/portico-dev/portico/local/assembly"
)

// Builder produces host binaries of functions, cached by the content of their Go sources.
type Builder struct {
	ModuleDir string // a directory inside the Go module that holds the entries
	CacheDir  string // e.g. os.UserCacheDir()/portico
	// FromSource builds from portico:entry even when the asset's bootstrap could run (--watch).
	FromSource bool
}

// hostArch is the Lambda name of the host architecture.
func hostArch() string {
	if goruntime.GOARCH == "arm64" {
		return "arm64"
	}
	return "x86_64"
}

// Binary returns the path of an executable for fn on this host: the asset's own bootstrap
// when it was built for this architecture, else a build of fn.Entry for the host.
func (b *Builder) Binary(fn *assembly.Function) (string, error) {
	asset := filepath.Join(fn.AssetPath, "bootstrap")
	if goruntime.GOOS == "linux" && fn.Architecture == hostArch() && fn.AssetPath != "" && (!b.FromSource || fn.Entry == "") {
		if _, err := os.Stat(asset); err == nil {
			return asset, nil
		}
	}
	if fn.Entry == "" {
		return "", fmt.Errorf("function %s has no %q metadata and no %s bootstrap for this host in %q; define it with GoFunction", fn.ID, assembly.MetadataEntry, hostArch(), fn.AssetPath)
	}
	return b.build(fn.Entry)
}

// stamp records the files a build depended on, so an unchanged tree is recognised with stat
// calls instead of `go list` (which costs ~200 ms) at every start.
type stamp struct {
	Key   string
	Files map[string]fileStat
}

type fileStat struct {
	Size    int64
	ModTime time.Time
}

func (b *Builder) target() gobuild.Target {
	return gobuild.Target{GOOS: goruntime.GOOS, GOARCH: goruntime.GOARCH}
}

func (b *Builder) build(entry string) (string, error) {
	t := b.target()
	sum := sha256.Sum256([]byte(strings.Join([]string{entry, t.GOOS, t.GOARCH, b.ModuleDir}, "\x00")))
	stampPath := filepath.Join(b.CacheDir, "stamps", hex.EncodeToString(sum[:12])+".json")
	if st, err := readStamp(stampPath); err == nil && st.fresh() {
		bin := filepath.Join(b.CacheDir, "builds", st.Key, "bootstrap")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
	}
	pkg, st, err := b.inspect(entry)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(b.CacheDir, "builds", st.Key)
	bin := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bin); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("build cache: %w", err)
		}
		tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
		if err := gobuild.Build(pkg, t, tmp); err != nil {
			return "", err
		}
		if err := os.Rename(tmp, bin); err != nil {
			return "", fmt.Errorf("build cache: %w", err)
		}
	}
	raw, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(stampPath), 0o755); err == nil {
		_ = os.WriteFile(stampPath, raw, 0o644) // a missing stamp only costs a `go list` next time
	}
	return bin, nil
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

// inspect lists entry's dependencies and hashes their sources: module-cache dependencies by
// path@version, everything else (the main module, replacements) by file content. Directories
// are stamped too, so an added file invalidates the stamp.
func (b *Builder) inspect(entry string) (*gobuild.Package, *stamp, error) {
	t := b.target()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,Name,Standard,GoFiles,CgoFiles,EmbedFiles,Module,Error", entry)
	cmd.Dir = b.ModuleDir
	cmd.Env = t.Env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, fmt.Errorf("entry %q: go list in %s: %w\n%s", entry, b.ModuleDir, err, strings.TrimSpace(stderr.String()))
	}
	h := sha256.New()
	fmt.Fprintln(h, t.GOOS, t.GOARCH, strings.Join(gobuild.Flags, " "))
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
			return nil, nil, fmt.Errorf("entry %q: reading go list output: %w", entry, err)
		}
		if p.Error != nil {
			return nil, nil, fmt.Errorf("entry %q: %s", entry, p.Error.Err)
		}
		if p.Standard {
			continue
		}
		main = &p
		if m := p.Module; m != nil && !m.Main && m.Replace == nil {
			fmt.Fprintf(h, "module %s@%s\n", m.Path, m.Version)
			continue
		}
		if m := p.Module; m != nil && m.GoMod != "" {
			if err := addFile(m.GoMod, true); err != nil {
				return nil, nil, fmt.Errorf("entry %q: %w", entry, err)
			}
		}
		if err := addFile(p.Dir, false); err != nil {
			return nil, nil, fmt.Errorf("entry %q: %w", entry, err)
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles} {
			for _, f := range list {
				if err := addFile(filepath.Join(p.Dir, f), true); err != nil {
					return nil, nil, fmt.Errorf("entry %q: %w", entry, err)
				}
			}
		}
	}
	// go list -deps prints the named package last.
	if main == nil || main.ImportPath != entry {
		return nil, nil, errors.New("entry " + entry + ": go list did not list it")
	}
	if main.Name != "main" {
		return nil, nil, fmt.Errorf("entry %q is package %q, not a main package", entry, main.Name)
	}
	st.Key = hex.EncodeToString(h.Sum(nil))[:32]
	return &gobuild.Package{Entry: entry, Dir: main.Dir, ImportPath: main.ImportPath}, st, nil
}
