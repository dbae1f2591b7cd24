// Command sizes prints the size of each function's bootstrap and zipped asset in a cloud
// assembly, beside a bare aws-lambda-go hello built with the same flags, and checks that each
// bootstrap is byte-for-byte what a plain `go build` of its entry makes (GoFunction adds nothing).
// It exits non-zero when a binary differs or a size is over its budget.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portico-dev/portico/local/assembly"
)

// budget is a size limit in bytes; zero means none.
type budget struct{ bootstrap, zip int64 }

// budgetFor gives the limits the project set: the hello handler (the cost of a Go handler on
// its own) and every authorizer (which carries the JWT stack). Other handlers are reported only:
// what they import is their team's choice.
func budgetFor(entry string) budget {
	switch {
	case strings.HasSuffix(entry, "/functions/hello/cmd"):
		return budget{bootstrap: 6 << 20, zip: 5 << 19} // 6 MiB, 2.5 MiB
	case strings.Contains(entry, "/authorizers/"):
		return budget{bootstrap: 7 << 20}
	}
	return budget{}
}

type function struct {
	stack, id, entry, bootstrap, arch string
}

func main() {
	dir := flag.String("assembly", "cdk.out", "cloud assembly folder")
	flag.Parse()
	if err := run(*dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sizes:", err)
		os.Exit(1)
	}
}

func run(dir string, w io.Writer) error {
	fns, err := functions(dir)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "portico-sizes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bare := filepath.Join(tmp, "barehello")
	if err := plainBuild("./bench/barehello", "arm64", bare); err != nil {
		return err
	}
	bareBin, bareZip, err := sizes(bare)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-40s %-7s %12s %12s  %s\n", "function", "arch", "bootstrap", "zip", "plain go build")
	fmt.Fprintf(w, "%-40s %-7s %12d %12d  %s\n", "bare aws-lambda-go hello", "arm64", bareBin, bareZip, "-")
	var problems []string
	for _, f := range fns {
		bootstrap := f.bootstrap
		bin, zipped, err := sizes(bootstrap)
		if err != nil {
			return err
		}
		plain := filepath.Join(tmp, f.stack+"-"+f.id)
		if err := plainBuild(f.entry, f.arch, plain); err != nil {
			return err
		}
		same, err := sameFile(bootstrap, plain)
		if err != nil {
			return err
		}
		verdict := "identical"
		if !same {
			verdict = "DIFFERS"
			problems = append(problems, fmt.Sprintf("%s/%s: bootstrap differs from a plain go build of %s", f.stack, f.id, f.entry))
		}
		fmt.Fprintf(w, "%-40s %-7s %12d %12d  %s\n", f.stack+"/"+f.id, f.arch, bin, zipped, verdict)
		if b := budgetFor(f.entry); (b.bootstrap > 0 && bin > b.bootstrap) || (b.zip > 0 && zipped > b.zip) {
			problems = append(problems, fmt.Sprintf("%s/%s: %d bytes (zip %d) is over its budget of %d (zip %d; 0 = none)", f.stack, f.id, bin, zipped, b.bootstrap, b.zip))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return nil
}

// functions lists the GoFunctions of every stack in the assembly, read by local/assembly.
func functions(dir string) ([]function, error) {
	asm, err := assembly.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make synth` first)", err)
	}
	var fns []function
	for _, fn := range asm.SortedFunctions() {
		if fn.Entry == "" || fn.AssetPath == "" {
			continue
		}
		arch := "arm64"
		if fn.Architecture == "x86_64" {
			arch = "amd64"
		}
		fns = append(fns, function{stack: fn.Stack, id: fn.LogicalID, entry: fn.Entry, bootstrap: filepath.Join(fn.AssetPath, "bootstrap"), arch: arch})
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].stack+fns[i].id < fns[j].stack+fns[j].id })
	return fns, nil
}

// plainBuild is the documented build command, spelled out here rather than taken from
// internal/gobuild, so that this check is independent of the code it checks.
func plainBuild(pkg, goarch, out string) error {
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid=", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// sizes returns the size of a bootstrap and of a zip holding it, deflated as the CDK does.
func sizes(bootstrap string) (bin, zipped int64, err error) {
	data, err := os.ReadFile(bootstrap)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	fw, err := zw.Create("bootstrap")
	if err == nil {
		_, err = fw.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	return int64(len(data)), int64(buf.Len()), err
}

func sameFile(a, b string) (bool, error) {
	da, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	db, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(da, db), nil
}
