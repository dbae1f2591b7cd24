package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/internal/testcache"
	"github.com/portico-dev/portico/internal/testmodule"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/invoke"
	"github.com/portico-dev/portico/local/runtime"
)

const probeEntry = "github.com/portico-dev/portico/local/internal/testfunctions/probe"

var probeBinary string

func TestMain(m *testing.M) {
	dir, err := testcache.Dir()
	if err != nil {
		panic(err)
	}
	b := &runtime.Builder{ModuleDir: "../..", CacheDir: dir}
	probeBinary, err = b.Binary(&assembly.Function{ID: "probe", Entry: probeEntry})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func newManager(t *testing.T, reserved *int, timeout time.Duration) *runtime.Manager {
	t.Helper()
	fn := &assembly.Function{ID: "Probe", Name: "Probe", ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Probe", Timeout: timeout,
		MemoryMB: 128, Environment: map[string]string{"GREETING": "hi"}, ReservedConcurrency: reserved}
	m, err := runtime.New(runtime.Config{Functions: []*assembly.Function{fn}, Binaries: map[string]string{"Probe": probeBinary}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func event(do string, extra ...string) []byte {
	q := map[string]string{"do": do}
	for i := 0; i+1 < len(extra); i += 2 {
		q[extra[i]] = extra[i+1]
	}
	b, _ := json.Marshal(map[string]any{"queryStringParameters": q})
	return b
}

func TestInvoke(t *testing.T) {
	m := newManager(t, nil, 3*time.Second)
	ctx := context.Background()
	first, err := m.Invoke(ctx, invoke.Call{Function: "Probe", Qualifier: "live", Payload: event("")})
	if err != nil {
		t.Fatal(err)
	}
	second, err := m.Invoke(ctx, invoke.Call{Function: "Probe", Payload: event("")})
	if err != nil {
		t.Fatal(err)
	}
	if !first.Cold || second.Cold {
		t.Errorf("cold flags %v, %v; want the first cold and the second warm", first.Cold, second.Cold)
	}
	var resp struct{ Body string }
	if err := json.Unmarshal(first.Payload, &resp); err != nil {
		t.Fatal(err)
	}
	var echo struct {
		InvokedARN string            `json:"invokedArn"`
		RequestID  string            `json:"requestId"`
		Env        map[string]string `json:"env"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &echo); err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"invoked ARN has the qualifier":  {echo.InvokedARN, "arn:aws:lambda:eu-west-1:123456789012:function:Probe:live"},
		"request id reaches the handler": {echo.RequestID, first.RequestID},
		"function env":                   {echo.Env["GREETING"], "hi"},
		"region from the ARN":            {echo.Env["AWS_REGION"], "eu-west-1"},
		"memory":                         {echo.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s: got %q, want %q", name, c[0], c[1])
		}
	}
}

func TestTypedErrors(t *testing.T) {
	zero := 0
	const shortTimeout = 200 * time.Millisecond // the timeout case waits for it
	tests := []struct {
		name     string
		reserved *int
		timeout  time.Duration // the function's; 0: 1 s
		function string
		payload  []byte
		check    func(error) bool
	}{
		{"handler error", nil, 0, "Probe", event("error"), func(err error) bool {
			var e *runtime.FunctionError
			var lambdaErr *messages.InvokeResponse_Error
			return errors.As(err, &e) && e.Message == "handler said no" && errors.As(err, &lambdaErr) && lambdaErr.Message == "handler said no"
		}},
		{"panic", nil, 0, "Probe", event("panic"), func(err error) bool {
			var e *runtime.FunctionError
			return errors.As(err, &e) && strings.Contains(e.Message, "probe panicked")
		}},
		{"crash", nil, 0, "Probe", event("exit"), func(err error) bool {
			var e *runtime.CrashError
			return errors.As(err, &e) && strings.Contains(e.Exit, "exit status 3")
		}},
		{"timeout", nil, shortTimeout, "Probe", event("sleep", "ms", "3000"), func(err error) bool {
			var e *runtime.TimeoutError
			return errors.As(err, &e) && e.Timeout == shortTimeout
		}},
		{"payload too large", nil, 0, "Probe", make([]byte, runtime.MaxPayload+1), func(err error) bool {
			var e *runtime.PayloadTooLargeError
			return errors.As(err, &e)
		}},
		{"unknown function", nil, 0, "Nope", event(""), func(err error) bool {
			var e *runtime.UnknownFunctionError
			return errors.As(err, &e) && e.Function == "Nope"
		}},
		{"reserved concurrency 0", &zero, 0, "Probe", event(""), func(err error) bool {
			var e *runtime.ThrottledError
			return errors.As(err, &e)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = time.Second
			}
			m := newManager(t, tt.reserved, timeout)
			_, err := m.Invoke(context.Background(), invoke.Call{Function: tt.function, Payload: tt.payload})
			if !tt.check(err) {
				t.Fatalf("got error %v (%T)", err, err)
			}
			if tt.function == "Probe" && tt.reserved == nil && len(tt.payload) < 1000 {
				// The function recovers: a later call gets a working process.
				if _, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("")}); err != nil {
					t.Errorf("after %s: %v", tt.name, err)
				}
			}
		})
	}
}

func TestReservedConcurrencyBoundsProcesses(t *testing.T) {
	one := 1
	m := newManager(t, &one, 3*time.Second)
	var wg sync.WaitGroup
	var cold atomic.Int32 // each process started serves its first call cold
	start := time.Now()
	for range 3 {
		wg.Go(func() {
			res, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("sleep", "ms", "150")})
			if err != nil {
				t.Error(err)
				return
			}
			if res.Cold {
				cold.Add(1)
			}
		})
	}
	wg.Wait()
	if n, alive := cold.Load(), len(m.Processes()); n != 1 || alive != 1 {
		t.Errorf("%d processes started, %d alive, with reserved concurrency 1; want 1", n, alive)
	}
	if elapsed := time.Since(start); elapsed < 450*time.Millisecond {
		t.Errorf("3 calls of 150 ms took %s with one process; they ran in parallel", elapsed)
	}
}

func TestLogsArePrefixedLines(t *testing.T) {
	var logs syncbuf.Buffer
	fn := &assembly.Function{ID: "Probe", Name: "Probe", ARN: "arn:aws:lambda:eu-west-1:123456789012:function:Probe", Timeout: 3 * time.Second}
	m, err := runtime.New(runtime.Config{Functions: []*assembly.Function{fn}, Binaries: map[string]string{"Probe": probeBinary}, Logs: &logs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("log")}); err != nil {
		t.Fatal(err)
	}
	m.Close() // flushes the pipes
	for _, want := range []string{"Probe | to stdout\n", "Probe | to stderr in two writes\n"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

func TestCallerCancel(t *testing.T) {
	m := newManager(t, nil, 3*time.Second)
	// A warm process takes the call at once, so the caller's deadline falls while it runs.
	if _, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("")}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := m.Invoke(ctx, invoke.Call{Function: "Probe", Payload: event("sleep", "ms", "400")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}

func TestBuilderCache(t *testing.T) {
	mod := t.TempDir()
	write := func(msg string) {
		src := "package main\n\nfunc main() { println(" + fmt.Sprintf("%q", msg) + ") }\n"
		if err := os.WriteFile(filepath.Join(mod, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/tiny\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write("one")
	b := &runtime.Builder{ModuleDir: mod, CacheDir: t.TempDir()}
	fn := &assembly.Function{ID: "Tiny", Entry: "example.com/tiny"}
	first, err := b.Binary(fn)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Binary(fn)
	if err != nil || again != first {
		t.Fatalf("unchanged source: got %s (%v), want the cached %s", again, err, first)
	}
	write("two")
	changed, err := b.Binary(fn)
	if err != nil || changed == first {
		t.Fatalf("changed source: got %s (%v), want a new build", changed, err)
	}
	if _, err := b.Binary(&assembly.Function{ID: "Bad", Entry: "example.com/tiny/missing"}); err == nil || !strings.Contains(err.Error(), "example.com/tiny/missing") {
		t.Errorf("missing entry: error %v, want one naming the entry", err)
	}
	if _, err := b.Binary(&assembly.Function{ID: "NoEntry", Architecture: "arm64"}); err == nil || !strings.Contains(err.Error(), "portico:entry") {
		t.Errorf("no entry: error %v, want one naming portico:entry", err)
	}
}

// TestBuilderEntryFromAnotherModule: the portico:entry of a function that an app took from a
// module it requires (a Portico authorizer) builds from the app's module, as GoFunction built it.
func TestBuilderEntryFromAnotherModule(t *testing.T) {
	app := testmodule.RequiringPortico(t, "example.com/app", map[string]string{
		"functions/own/cmd/main.go": testmodule.Main("the app's own function"),
	})
	b := &runtime.Builder{ModuleDir: app, CacheDir: t.TempDir()}
	for _, entry := range []string{testmodule.PorticoPath + "/authorizers/resttoken/cmd", "example.com/app/functions/own/cmd"} {
		bin, err := b.Binary(&assembly.Function{ID: "Fn", Entry: entry})
		if err != nil {
			t.Fatalf("entry %s: %v", entry, err)
		}
		if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("entry %s: no executable at %s (%v)", entry, bin, err)
		}
	}
}

func TestQueuedCallSaysHowLong(t *testing.T) {
	one := 1
	m := newManager(t, &one, 3*time.Second)
	results := make(chan *invoke.Result, 2)
	for range 2 {
		go func() {
			res, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("sleep", "ms", "300")})
			if err != nil {
				t.Error(err)
			}
			results <- res
		}()
	}
	first, second := <-results, <-results
	if first == nil || second == nil {
		t.FailNow()
	}
	if first.Queued != 0 || second.Queued < 250*time.Millisecond || second.Cold {
		t.Errorf("queued %s then %s (cold %v); want 0, then about 300ms behind the first on the same process", first.Queued, second.Queued, second.Cold)
	}
}

// A caller that leaves (a client that hung up) does not cost the function its process: the
// process finishes the call and serves the next one warm.
func TestCallerLeavingKeepsTheProcess(t *testing.T) {
	one := 1
	m := newManager(t, &one, 3*time.Second)
	if _, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("")}); err != nil {
		t.Fatal(err)
	}
	before := m.Processes()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, err := m.Invoke(ctx, invoke.Call{Function: "Probe", Payload: event("sleep", "ms", "400")})
	if !errors.Is(err, context.Canceled) || res == nil || res.Cold {
		t.Fatalf("got %+v, %v; want the warm process's result and context.Canceled", res, err)
	}
	next, err := m.Invoke(context.Background(), invoke.Call{Function: "Probe", Payload: event("")})
	if err != nil {
		t.Fatal(err)
	}
	if after := m.Processes(); next.Cold || len(after) != 1 || after[0] != before[0] {
		t.Errorf("after the caller left: cold %v, processes %v then %v; want the same warm process", next.Cold, before, after)
	}
}
