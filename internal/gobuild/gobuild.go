// Package gobuild builds Go main packages into Lambda `bootstrap` binaries with the exact flags
// that GoFunction uses, so the CDK constructs, the local gateway and `make sizes` share one
// definition of "the function's binary". It imports nothing from the CDK.
package gobuild

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// Package is a Go main package.
type Package struct {
	Entry      string // the package as the user named it
	Dir        string // absolute directory
	ImportPath string
}

// DirPattern checks that entry is a directory and returns it as a `go list` pattern
// ("functions/x/cmd" becomes "./functions/x/cmd", which go would otherwise read as an import path).
func DirPattern(entry string) (string, error) {
	st, err := os.Stat(entry)
	if err != nil {
		return "", fmt.Errorf("entry %q: no such directory (give the folder of a Go main package, e.g. \"./functions/hello/cmd\")", entry)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("entry %q is a file; give the folder of a Go main package, e.g. \"./functions/hello/cmd\"", entry)
	}
	if filepath.IsAbs(entry) || strings.HasPrefix(entry, ".") {
		return entry, nil
	}
	return "." + string(filepath.Separator) + entry, nil
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
