// Package gobuild builds Go main packages into Lambda `bootstrap` binaries with the exact flags
// that GoFunction uses, so the CDK constructs, the local gateway and `make sizes` share one
// definition of "the function's binary". It imports nothing from the CDK.
package gobuild

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Flags are the `go build` flags of every function binary: no RPC shim in aws-lambda-go,
// reproducible output (no paths, VCS stamps or build IDs), stripped symbols.
var Flags = []string{"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}

// Target is the platform a binary is built for.
type Target struct {
	GOOS, GOARCH string
}

// Env returns the environment of a build for t: the current one with GOOS, GOARCH and
// CGO_ENABLED=0 (a static binary that runs on provided.al2023).
func (t Target) Env() []string {
	return append(os.Environ(), "GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "CGO_ENABLED=0")
}

// BuildCommand is the command line that builds pkg into out, for display and cache keys.
func (t Target) BuildCommand(out, pkg string) []string {
	cmd := []string{"env", "GOOS=" + t.GOOS, "GOARCH=" + t.GOARCH, "CGO_ENABLED=0", "go", "build"}
	cmd = append(cmd, Flags...)
	return append(cmd, "-o", out, pkg)
}

// Package is a Go main package found by Inspect.
type Package struct {
	Entry      string // the directory as the user gave it
	Dir        string // absolute directory
	ImportPath string
}

// Inspect checks that entry is the directory of a Go main package.
func Inspect(entry string) (*Package, error) {
	st, err := os.Stat(entry)
	if err != nil {
		return nil, fmt.Errorf("entry %q: no such directory (give the folder of a Go main package, e.g. \"./functions/hello/cmd\")", entry)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("entry %q is a file; give the folder of a Go main package, e.g. \"./functions/hello/cmd\"", entry)
	}
	cmd := exec.Command("go", "list", "-json=Name,ImportPath,Dir", ".")
	cmd.Dir = entry
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("entry %q is not a Go package: %w\n%s", entry, err, strings.TrimSpace(stderr.String()))
	}
	var p struct{ Name, ImportPath, Dir string }
	if err := json.Unmarshal(out, &p); err != nil {
		return nil, fmt.Errorf("entry %q: reading go list output: %w", entry, err)
	}
	if p.Name != "main" {
		return nil, fmt.Errorf("entry %q is package %q, not a main package; a Lambda handler needs `package main` calling lambda.Start", entry, p.Name)
	}
	return &Package{Entry: entry, Dir: p.Dir, ImportPath: p.ImportPath}, nil
}

// Build compiles pkg for t into the file out.
func Build(pkg *Package, t Target, out string) error {
	args := append([]string{"build"}, Flags...)
	cmd := exec.Command("go", append(args, "-o", out, ".")...)
	cmd.Dir = pkg.Dir
	cmd.Env = t.Env()
	output, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("entry %q does not build for %s/%s:\n%s", pkg.Entry, t.GOOS, t.GOARCH, strings.TrimSpace(string(output)))
		}
		return fmt.Errorf("entry %q: run go build: %w", pkg.Entry, err)
	}
	return nil
}
