package serve_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/serve"
)

// watchedMain is a dependency-free Lambda function (a bare Runtime API loop), so the test module
// builds offline; it answers with the word in its source.
const watchedMain = `package main

import (
	"io"
	"net/http"
	"os"
	"strings"
)

func main() {
	api := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/invocation/"
	for {
		resp, err := http.Get(api + "next")
		if err != nil {
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		out, err := http.Post(api+id+"/response", "application/json", strings.NewReader(` + "`" + `{"statusCode":200,"body":"WORD"}` + "`" + `))
		if err == nil {
			out.Body.Close()
		}
	}
}
`

const watchedTemplate = `{"Resources": {
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 3}, "Metadata": {"portico:entry": "example.com/watched"}},
  "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "W"}},
  "Get": {"Type": "AWS::ApiGateway::Method", "Properties": {"HttpMethod": "GET", "RestApiId": {"Ref": "Api"},
    "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
    "Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}},
  "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "s"}}
}}`

func TestWatchRebuilds(t *testing.T) {
	mod := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(mod, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/watched\n\ngo 1.22\n")
	write("main.go", strings.Replace(watchedMain, "WORD", "before", 1))
	asm := filepath.Join(t.TempDir(), "cdk.out")
	if err := os.Mkdir(asm, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(asm, "manifest.json"), []byte(`{"artifacts":{"W":{"type":"aws:cloudformation:stack","properties":{"templateFile":"W.template.json"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(asm, "W.template.json"), []byte(watchedTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	gw, err := serve.Start(context.Background(), serve.Config{AssemblyDir: asm, ModuleDir: mod, CacheDir: t.TempDir(), Watch: true, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	url := fmt.Sprintf("%s/%s/s/", gw.URL, gw.Server.APIs()[0].ID)
	if r := do(t, "GET", url, nil, nil); string(r.body) != "before" {
		t.Fatalf("got %d %q, want \"before\"\n%s", r.status, r.body, out.String())
	}
	write("main.go", strings.Replace(watchedMain, "WORD", "after", 1))
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := do(t, "GET", url, nil, nil)
		if string(r.body) == "after" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %q 30s after the source changed\n%s", r.body, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "rebuilt Fn") {
		t.Errorf("no rebuild line in:\n%s", out.String())
	}
}
