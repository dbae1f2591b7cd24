// Package depcheck holds the tests of the layout's rules (docs/ARCHITECTURE.md): the code that
// runs in Lambda and the local gateway build without Node.js or jsii, only local/assembly reads
// CloudFormation, and one composition root wires the gateway and the WebSocket stages.
package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

// forbidden are the module prefixes that pull in jsii and Node.js.
var forbidden = []string{
	"github.com/aws/aws-cdk-go/",
	"github.com/aws/constructs-go/",
	"github.com/aws/jsii-runtime-go",
	"github.com/cdklabs/",
}

// offenders lists the dependencies of the packages matching pattern that are forbidden.
func offenders(t *testing.T, pattern string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-deps", "-test", "-f", "{{.ImportPath}}", pattern).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pattern, err, out)
	}
	var bad []string
	for _, dep := range strings.Fields(string(out)) {
		for _, prefix := range forbidden {
			if strings.HasPrefix(dep, prefix) {
				bad = append(bad, dep)
			}
		}
	}
	return bad
}

func TestRuntimeCodeDoesNotImportCDK(t *testing.T) {
	for _, pattern := range []string{"../../functions/...", "../../authorizers/...", "../../local/...", "../../cmd/...", "../gobuild"} {
		t.Run(pattern, func(t *testing.T) {
			if bad := offenders(t, pattern); len(bad) > 0 {
				t.Errorf("%s must build without Node.js or jsii, but depends on %v", pattern, bad)
			}
		})
	}
}

// The check above passes trivially if go list matched nothing: the CDK app must trip it.
func TestCheckSeesTheCDK(t *testing.T) {
	if bad := offenders(t, "../../infra/..."); len(bad) == 0 {
		t.Fatal("infra/ imports aws-cdk-go, yet the dependency check found nothing")
	}
}
