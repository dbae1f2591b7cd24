package stacks_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/infra/stacks"
)

// TestSampleAppPassesNag synthesizes the whole sample app as `cdk synth` does and checks that no
// stack has an unsuppressed cdk-nag error: such an error would fail `cdk synth`. It runs both
// environment-agnostic and with the account and region the CDK CLI sets from credentials, since
// findings (and so suppressions) name literal ARNs in the second case.
func TestSampleAppPassesNag(t *testing.T) {
	for _, env := range []map[string]string{
		{},
		{"CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "eu-west-1"},
	} {
		t.Run(fmt.Sprint(env), func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			checkNag(t)
		})
	}
}

func checkNag(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stacks.Build(app)

	var names []string
	for _, child := range *app.Node().Children() {
		stack, ok := child.(awscdk.Stack)
		if !ok {
			continue
		}
		names = append(names, *stack.StackName())
		// HasNoError panics with the list of errors it found.
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %v", *stack.StackName(), r)
				}
			}()
			assertions.Annotations_FromStack(stack).HasNoError(jsii.String("*"), assertions.Match_AnyValue())
		}()
	}
	if !strings.Contains(strings.Join(names, ","), "PorticoHello") {
		t.Fatalf("the sample app has stacks %v, want PorticoHello among them", names)
	}
}

// TestSynthIsReproducible synthesizes the sample app twice and compares every template byte for
// byte: a redeploy must follow from a change, never from map order or build noise.
func TestSynthIsReproducible(t *testing.T) {
	var first map[string][]byte
	for range 2 {
		dir := t.TempDir()
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		stacks.Build(app)
		app.Synth(nil)
		templates, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
		if err != nil || len(templates) == 0 {
			t.Fatalf("no templates in %s: %v", dir, err)
		}
		got := map[string][]byte{}
		for _, path := range templates {
			if got[filepath.Base(path)], err = os.ReadFile(path); err != nil {
				t.Fatal(err)
			}
		}
		if first == nil {
			first = got
			continue
		}
		for name, body := range first {
			if !bytes.Equal(body, got[name]) {
				t.Errorf("%s differs between two synths", name)
			}
		}
	}
}
