package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// resourceType matches a CloudFormation resource type such as "AWS::ApiGateway::Method".
var resourceType = regexp.MustCompile(`^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+`)

// templateReaders lists the non-test Go files under the given folders that name a
// CloudFormation resource type: the code that reads templates.
func templateReaders(t *testing.T, roots ...string) []string {
	t.Helper()
	var found []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && d.Name() == "testdata":
				return filepath.SkipDir
			case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && resourceType.MatchString(s) {
						found = append(found, filepath.ToSlash(path))
						return false
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(found)
	return slices.Compact(found)
}

// TestOnlyAssemblyReadsTemplates: of the code that reads a cloud assembly (the local gateway,
// the command and the benchmarks), only local/assembly reads CloudFormation; everything else
// works on its typed model. (Its resources' properties are unexported, so no other package can
// reach template JSON through it either.)
func TestOnlyAssemblyReadsTemplates(t *testing.T) {
	readers := templateReaders(t, "../../local", "../../cmd", "../../bench")
	var outside []string
	for _, f := range readers {
		if !strings.HasPrefix(f, "../../local/assembly/") {
			outside = append(outside, f)
		}
	}
	if len(outside) > 0 {
		t.Errorf("only local/assembly may read CloudFormation templates, but these files name resource types: %v", outside)
	}
	if len(readers) == len(outside) {
		t.Error("the check found no resource type in local/assembly either: it sees nothing")
	}
}

// TestOneCompositionRoot: the pipeline (local/gateway) and the WebSocket stages (local/websocket)
// know nothing of each other; only the composition root (local/serve) wires them together.
func TestOneCompositionRoot(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const gateway, websocket = "github.com/portico-dev/portico/local/gateway", "github.com/portico-dev/portico/local/websocket"
	var both []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if slices.Contains(fields[1:], gateway) && slices.Contains(fields[1:], websocket) {
			both = append(both, fields[0])
		}
	}
	if want := []string{"github.com/portico-dev/portico/local/serve"}; !slices.Equal(both, want) {
		t.Errorf("packages importing both local/gateway and local/websocket: %v, want %v", both, want)
	}
}
