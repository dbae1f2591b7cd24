package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/infra/stacks"
	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/internal/testcache"
	"github.com/portico-dev/portico/local/serve"
)

// The sample app served once for the tests that call it (browser, IAM callers).
var (
	sampleOnce     sync.Once
	sampleGW       *serve.Running
	sampleLogs     = &syncbuf.Buffer{}
	sampleCacheDir string
	sampleErr      error
	sampleDir      string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleGW != nil {
		_ = sampleGW.Close()
	}
	if sampleDir != "" {
		_ = os.RemoveAll(sampleDir)
	}
	os.Exit(code)
}

// sampleApp synthesizes the sample app (as `cdk synth` does, with cdk.json's context) into a
// temporary folder and serves it on loopback, once for the whole package; the build cache is the
// one the suites share.
func sampleApp(t *testing.T) (*serve.Running, *syncbuf.Buffer) {
	t.Helper()
	sampleOnce.Do(func() {
		if sampleCacheDir, sampleErr = testcache.Dir(); sampleErr != nil {
			return
		}
		if sampleDir, sampleErr = os.MkdirTemp("", "portico-sample-*"); sampleErr != nil {
			return
		}
		// The context of cdk.json, as `cdk synth` passes it (weak cross-stack references among it).
		var cdkJSON struct{ Context map[string]any }
		raw, err := os.ReadFile("../cdk.json")
		if err == nil {
			err = json.Unmarshal(raw, &cdkJSON)
		}
		if err != nil {
			sampleErr = fmt.Errorf("cdk.json: %w", err)
			return
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(sampleDir), Context: &cdkJSON.Context})
		stacks.Build(app)
		app.Synth(nil)
		module, err := filepath.Abs("..")
		if err != nil {
			sampleErr = err
			return
		}
		sampleGW, err = serve.Start(context.Background(), serve.Config{AssemblyDir: sampleDir, ModuleDir: module, CacheDir: sampleCacheDir, Out: sampleLogs})
		if err != nil {
			sampleErr = fmt.Errorf("serve the sample app: %w\n%s", err, sampleLogs)
		}
	})
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleGW, sampleLogs
}
