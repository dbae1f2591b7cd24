package runtime_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/runtime"
)

// TestBuilderRebuildsTruncatedBinary: a host build truncated in the cache (it segfaulted on
// every request until removed by hand) is noticed at the next Binary, reported in one line on
// Builder.Log, and built again; the function then answers.
func TestBuilderRebuildsTruncatedBinary(t *testing.T) {
	var log bytes.Buffer
	b := &runtime.Builder{ModuleDir: "../..", CacheDir: t.TempDir(), Log: &log}
	fn := &assembly.Function{ID: "Probe", Name: "Probe", ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Probe", Timeout: 3 * time.Second,
		MemoryMB: 128, Entry: probeEntry}
	bin, err := b.Binary(fn)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(bin, fi.Size()/2); err != nil {
		t.Fatal(err)
	}

	again, err := b.Binary(fn)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(log.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], bin) || !strings.Contains(lines[0], "building it again") {
		t.Errorf("log %q, want one line naming %s and its rebuild", log.String(), bin)
	}
	m, err := runtime.New(runtime.Config{Functions: []*assembly.Function{fn}, Binaries: map[string]string{fn.ID: again}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Invoke(context.Background(), invoke.Call{Function: fn.ID, Payload: event("")}); err != nil {
		t.Errorf("invoke after the rebuild: %v", err)
	}
}
