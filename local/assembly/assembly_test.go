package assembly_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/assembly"
)

func TestIntrinsics(t *testing.T) {
	a, err := assembly.Load("testdata/intrinsics")
	if err != nil {
		t.Fatal(err)
	}
	var consumer *assembly.Stack
	for _, s := range a.Stacks {
		if s.Name == "Consumer" {
			consumer = s
		}
	}
	if consumer == nil || len(a.Stacks) != 2 || a.Stacks[0].Name != "Producer" {
		t.Fatalf("stacks %v: want Producer before Consumer (dependency order)", a.Stacks)
	}
	props := consumer.Props("Probe")
	tests := []struct {
		key  string
		want any
	}{
		{"Ref", "dev"},
		{"Region", "eu-west-1"},
		{"Account", "111122223333"},
		{"Join", "a-dev-b"},
		{"Sub", "Consumer/dev/arn:aws:sqs:eu-west-1:111122223333:queue/Other/${Literal}/${stageVariables.keep}"},
		{"SubVars", "aws-dev"},
		{"Select", "y"},
		{"If", "dev-value"},
		{"IfBoth", "both"},
		{"Map", float64(128)},
		{"Import", "arn:aws:lambda:us-east-1:123456789012:function:Producer-Fn"},
		{"MissingImport", `<unresolved Fn::ImportValue "nobody-exports-this" (no loaded stack exports it)>`},
		// What CDK writes for weak cross-stack references (@aws-cdk/core:defaultCrossStackReferences).
		{"StackOutput", "Producer-Fn"},
		{"MissingOutput", `<unresolved Fn::GetStackOutput Producer.Nope (no loaded stack has it)>`},
		{"FnArn", "arn:aws:sqs:eu-west-1:111122223333:queue/Other"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := props[tt.key]; got != tt.want {
				t.Errorf("%s = %#v, want %#v", tt.key, got, tt.want)
			}
		})
	}
	if _, ok := props["NoValue"]; ok {
		t.Errorf("AWS::NoValue kept the key: %v", props["NoValue"])
	}
	if consumer.Props("OnlyInProd") != nil {
		t.Error("resource whose Condition is false was loaded")
	}
	for _, want := range []string{`Fn::ImportValue "nobody-exports-this"`, `Ref "Ssm"`} {
		if !strings.Contains(strings.Join(a.Warnings, "\n"), want) {
			t.Errorf("no warning naming %s in %q", want, a.Warnings)
		}
	}
}

func TestFunctionModel(t *testing.T) {
	a, err := assembly.Load("testdata/intrinsics", assembly.WithStacks("Producer"))
	if err != nil {
		t.Fatal(err)
	}
	fn := a.Functions["Fn"]
	if fn == nil {
		t.Fatalf("functions %v: want Fn", a.Functions)
	}
	abs, _ := filepath.Abs("testdata/intrinsics/asset.abc")
	got := fmt.Sprintf("%s|%s|%s|%s|%d|%s|%d|%v", fn.Name, fn.Entry, fn.AssetPath, fn.Timeout, fn.MemoryMB, fn.Architecture, *fn.ReservedConcurrency, fn.Environment)
	want := fmt.Sprintf("Producer-Fn|example.com/app/fn|%s|%s|512|arm64|2|map[REGION:us-east-1 TABLE:Table]", abs, 7*time.Second)
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	empty := t.TempDir()
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "manifest.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir string
		opts      []assembly.Option
		want      string
	}{
		{"no manifest", empty, nil, "has no manifest.json (run `cdk synth` first"},
		{"bad manifest", bad, nil, "manifest.json: invalid character"},
		{"unknown stack", "testdata/intrinsics", []assembly.Option{assembly.WithStacks("Nope")}, `stack "Nope" is not in assembly "testdata/intrinsics"; it has: Producer, Consumer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := assembly.Load(tt.dir, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestResolveFunction(t *testing.T) {
	a, err := assembly.Load("../internal/testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:Fixture-Probe0EC72DDE"
	invocation := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn
	tests := []struct {
		name, uri     string
		vars          map[string]string
		wantFn, wantQ string
		wantErr       string
	}{
		{"invocation ARN", invocation + "/invocations", nil, "Probe0EC72DDE", "", ""},
		{"function ARN", arn, nil, "Probe0EC72DDE", "", ""},
		{"alias from stage variable", invocation + ":${stageVariables.alias}/invocations", map[string]string{"alias": "beta"}, "Probe0EC72DDE", "beta", ""},
		{"version", arn + ":1", nil, "Probe0EC72DDE", "1", ""},
		{"missing stage variable", invocation + ":${stageVariables.alias}/invocations", nil, "", "", `uses stage variable "alias", which the stage does not set`},
		{"unknown alias", arn + ":gamma", nil, "", "", "has no such alias or version (aliases: beta, live)"},
		{"unknown function", "arn:aws:lambda:us-east-1:123456789012:function:Nope", nil, "", "", `names function "Nope", which no loaded stack defines`},
		{"not lambda", "arn:aws:sqs:us-east-1:123456789012:queue", nil, "", "", "does not name a Lambda function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn, q, err := a.ResolveFunction(tt.uri, tt.vars)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || fn.ID != tt.wantFn || q != tt.wantQ {
				t.Errorf("got %v %q %v, want %s %q", fn, q, err, tt.wantFn, tt.wantQ)
			}
		})
	}
}

func TestFixtureModel(t *testing.T) {
	a, err := assembly.Load("../internal/testdata/assembly")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.RestAPIs) != 2 || a.RestAPIs[0].Name != "Rest" || len(a.HTTPAPIs) != 1 || len(a.WebSocketAPIs) != 1 {
		t.Fatalf("got %d REST (first %s), %d HTTP, %d WebSocket APIs; want Rest and Web, 1 HTTP, 1 WebSocket", len(a.RestAPIs), a.RestAPIs[0].Name, len(a.HTTPAPIs), len(a.WebSocketAPIs))
	}
	var methods []string
	for _, m := range a.RestAPIs[0].Methods {
		methods = append(methods, m.HTTPMethod+" "+m.Path+" "+m.AuthorizationType)
	}
	for _, want := range []string{"GET / NONE", "GET /items/{id} NONE", "ANY /{proxy+} NONE", "GET /secure AWS_IAM", "ANY /items/{id}/{sub} NONE"} {
		if !strings.Contains(strings.Join(methods, "\n"), want) {
			t.Errorf("methods lack %q:\n%s", want, strings.Join(methods, "\n"))
		}
	}
	var stages []string
	for _, s := range a.HTTPAPIs[0].Stages {
		stages = append(stages, fmt.Sprintf("%s %v", s.Name, s.Variables))
	}
	if got := strings.Join(stages, ","); got != "dev map[color:red],$default map[]" {
		t.Errorf("HTTP stages %s", got)
	}
	if st := a.Stack(a.RestAPIs[0].Stack); st == nil || st.Name != a.RestAPIs[0].Stack {
		t.Errorf("Stack(%q) = %v, want the REST API's stack", a.RestAPIs[0].Stack, st)
	}
	if st := a.Stack("NoSuchStack"); st != nil {
		t.Errorf("Stack(NoSuchStack) = %s, want nil", st.Name)
	}
}
