package serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/internal/testcache"
	"github.com/portico-dev/portico/local/serve"
)

// The fixture assembly (testdata/assembly, made by testdata/fixtureapp) has a REST API, an HTTP
// API and a WebSocket API whose functions run internal/testfunctions/probe.
const (
	fixture = "../internal/testdata/assembly"
	restID  = "9v9meb89t8"
	httpID  = "kwgtzma07x"
	webID   = "r714vjs0za" // the REST API of browser clients: CORS preflights, MOCK methods, gateway responses
)

var (
	base     string // URL of the shared gateway
	cacheDir string // host builds and issuer keys, shared with the other suites (testcache)
	logs     syncBuffer
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if cacheDir, err = testcache.Dir(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	gw, err := serve.Start(context.Background(), serve.Config{AssemblyDir: fixture, CacheDir: cacheDir, Out: &logs})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start gateway:", err)
		return 1
	}
	defer gw.Close()
	base = gw.URL
	return m.Run()
}

// syncBuffer collects the gateway's output, written from many goroutines.
type syncBuffer = syncbuf.Buffer

type response struct {
	status int
	header http.Header
	body   []byte
}

var client = &http.Client{Timeout: 10 * time.Second}

func do(t testing.TB, method, url string, header http.Header, body []byte) response {
	t.Helper()
	return doWith(t, client, method, url, header, body)
}

// doWith sends method url with header and body through c and reads the whole answer.
func doWith(t testing.TB, c *http.Client, method, url string, header http.Header, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// echo is the probe's default answer.
type echo struct {
	Event       json.RawMessage   `json:"event"`
	InvokedARN  string            `json:"invokedArn"`
	RequestID   string            `json:"requestId"`
	Env         map[string]string `json:"env"`
	HasDeadline bool              `json:"hasDeadline"`
}

func decodeEcho(t testing.TB, r response, event any) echo {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d body %s, want 200", r.status, r.body)
	}
	var e echo
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if event != nil {
		if err := json.Unmarshal(e.Event, event); err != nil {
			t.Fatalf("event %s: %v", e.Event, err)
		}
	}
	return e
}

func restURL(stage, path string) string { return base + "/" + restID + "/" + stage + path }
func httpURL(path string) string        { return base + "/" + httpID + path }
