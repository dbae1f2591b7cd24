package stacks

import (
	"os"
	"path/filepath"
)

// entry turns a path relative to the module root into a GoFunction Entry that works from the
// app's directory (cdk synth) and from this package's directory (go test).
func entry(rel string) string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, rel)
		}
		if filepath.Dir(d) == d {
			return rel
		}
	}
}
