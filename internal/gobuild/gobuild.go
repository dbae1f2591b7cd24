// Package gobuild builds Go main packages into Lambda `bootstrap` binaries with the exact flags
// that GoFunction uses, so the CDK constructs, the local gateway and `make sizes` share one
// definition of "the function's binary". It imports nothing from the CDK.
package gobuild

import (
	"errors"
	"fmt"
	"go/build"
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

// An EntryError is an entry that names no Go package: a folder that does not exist or holds
// no Go package, or an import path that neither the module nor its requirements provide.
type EntryError struct {
	Entry  string // as the user wrote it
	Reason string
}

func (e *EntryError) Error() string { return fmt.Sprintf("entry %q: %s", e.Entry, e.Reason) }

// IsFolder reports whether entry names a folder, relative ("./functions/hello/cmd", "../x",
// ".") or absolute, rather than an import path: whether it starts with "." or "/" or is
// absolute.
func IsFolder(entry string) bool {
	return strings.HasPrefix(entry, ".") || strings.HasPrefix(entry, "/") || filepath.IsAbs(entry)
}

// Pattern returns entry as a `go list` pattern. A folder must exist (relative to the working
// directory) and is returned in the form go reads as a folder; anything else is an import
// path, returned as it is for `go list` to resolve.
func Pattern(entry string) (string, error) {
	if !IsFolder(entry) {
		return entry, nil
	}
	st, err := os.Stat(entry)
	if err != nil {
		return "", &EntryError{Entry: entry, Reason: "no such directory"}
	}
	if !st.IsDir() {
		return "", &EntryError{Entry: entry, Reason: "a file, not the folder of a Go main package"}
	}
	if filepath.IsAbs(entry) || build.IsLocalImport(filepath.ToSlash(entry)) {
		return entry, nil
	}
	return "." + string(filepath.Separator) + entry, nil // ".hidden/cmd": go would read an import path
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
