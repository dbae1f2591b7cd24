package runtime

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sync"

	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/internal/gobuild"
	"github.com/portico-dev/portico/local/assembly"
)

// Builder produces host binaries of functions, cached by the content of their Go sources.
type Builder struct {
	ModuleDir string // a directory inside the Go module that holds the entries
	CacheDir  string // e.g. os.UserCacheDir()/portico
	// FromSource builds from portico:entry even when the asset's bootstrap could run (--watch).
	FromSource bool
	// Log receives one line per cached build found corrupt and rebuilt; nil: os.Stderr.
	Log io.Writer

	once  sync.Once
	cache *gobuild.Cache
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
		return "", fmt.Errorf("function %s has no %q metadata and no %s bootstrap for this host in %q; define it with GoFunction", fn.ID, contract.MetadataEntry, hostArch(), fn.AssetPath)
	}
	return b.build(fn.Entry)
}

func (b *Builder) build(entry string) (string, error) {
	b.once.Do(func() { b.cache = &gobuild.Cache{Dir: b.CacheDir, Log: b.Log} })
	_, bin, err := b.cache.Build(b.ModuleDir, entry, gobuild.Target{GOOS: goruntime.GOOS, GOARCH: goruntime.GOARCH})
	return bin, err
}
