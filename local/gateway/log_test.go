package gateway_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/syncbuf"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/runtime"
)

// failingGateway serves the fixture on loopback with real function processes whose every start
// fails: each function runs a program that exits before it asks for an event.
func failingGateway(t *testing.T) (url string, log *syncbuf.Buffer) {
	t.Helper()
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := runtime.Config{Binaries: map[string]string{}}
	for id, fn := range asm.Functions {
		cfg.Functions = append(cfg.Functions, fn)
		cfg.Binaries[id] = bin
	}
	mgr, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	log = &syncbuf.Buffer{}
	srv := httptest.NewServer(gateway.New(asm, mgr, gateway.Options{Log: log}))
	t.Cleanup(srv.Close)
	return srv.URL, log
}

func send(t *testing.T, method, url string, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestLogFailedColdStart(t *testing.T) {
	url, log := failingGateway(t)
	// A function that fails its init fails the invocation: "If the function runs but returns an
	// error [...] API Gateway returns a 502" (AWS Lambda developer guide, "Handling Lambda errors
	// with an API Gateway API", services-apigateway-errors.html).
	if status := send(t, "GET", url+"/"+restID+"/prod/hello", nil); status != http.StatusBadGateway {
		t.Fatalf("got %d, want 502", status)
	}
	line := regexp.MustCompile(`(?m)^GET /` + restID + `/prod/hello 502 \S+ HelloAD23A60E cold \(function HelloAD23A60E crashed: during init: exit status 2\)$`)
	if !line.MatchString(log.String()) {
		t.Errorf("log does not say the failed start was cold:\n%s", log)
	}
}

func TestLogRefusedPayloadNamesNoFunction(t *testing.T) {
	url, log := failingGateway(t)
	// 10,000,000 bytes pass API Gateway's 10 MB payload limit but make an event over Lambda's
	// 6 MB invoke limit, so the runtime refuses the call before any process takes it.
	body := bytes.Repeat([]byte("a"), 10_000_000)
	if status := send(t, "POST", url+"/"+restID+"/prod/items/1/big", body); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("got %d, want 413", status)
	}
	line := regexp.MustCompile(`(?m)^POST /` + restID + `/prod/items/1/big 413 \S+ -$`)
	if !line.MatchString(log.String()) || strings.Contains(log.String(), "Probe0EC72DDE") {
		t.Errorf("log names a function that never ran:\n%s", log)
	}
}
