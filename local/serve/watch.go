package serve

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/runtime"
)

// watch rebuilds functions when a .go file (or go.mod/go.sum) in the module changes; new
// processes run the new binary and idle ones are retired. Builds are content-cached, so a
// change that does not touch a function's sources leaves it alone. built holds the binaries
// the runtime started with, by function ID.
func watch(ctx context.Context, cfg Config, asm *assembly.Assembly, b *runtime.Builder, mgr *runtime.Manager, built map[string]string) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	err = filepath.WalkDir(cfg.ModuleDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != cfg.ModuleDir && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "cdk.out" || name == "testdata") {
			return filepath.SkipDir
		}
		return w.Add(path)
	})
	if err != nil {
		w.Close()
		return err
	}
	current := maps.Clone(built)
	go func() {
		defer w.Close()
		var debounce <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-w.Events:
				name := filepath.Base(ev.Name)
				if strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum" {
					debounce = time.After(200 * time.Millisecond)
				}
			case err := <-w.Errors:
				fmt.Fprintln(cfg.Out, "watch:", err)
			case <-debounce:
				for _, fn := range asm.SortedFunctions() {
					bin, err := b.Binary(fn)
					switch {
					case err != nil:
						fmt.Fprintf(cfg.Out, "rebuild %s failed, still serving the previous build:\n%v\n", fn.ID, err)
					case bin != current[fn.ID]:
						current[fn.ID] = bin
						mgr.SetBinary(fn.ID, bin)
						fmt.Fprintf(cfg.Out, "rebuilt %s\n", fn.ID)
					}
				}
			}
		}
	}()
	return nil
}
