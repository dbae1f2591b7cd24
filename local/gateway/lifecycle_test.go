package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/invoke"
)

func TestNoChildSurvivesShutdown(t *testing.T) {
	gw, err := gateway.Start(context.Background(), gateway.Config{AssemblyDir: fixture, CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	// Busy processes (one sleeping mid-invocation) and idle ones.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms := "50"
			if i == 0 {
				ms = "4000"
			}
			req, _ := http.NewRequest("GET", gw.URL+"/"+restID+"/prod/items/1?do=sleep&ms="+ms, nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(gw.Runtime.Processes()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	pids := gw.Runtime.Processes()
	if len(pids) < 2 {
		t.Fatalf("only %d function processes started", len(pids))
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("function process %d survived shutdown (kill -0: %v)", pid, err)
		}
	}
}

// staticInvoker answers every call with one payload, to test the pipeline without processes.
type staticInvoker struct{ payload string }

func (s staticInvoker) Invoke(context.Context, invoke.Call) (*invoke.Result, error) {
	return &invoke.Result{Payload: []byte(s.payload)}, nil
}

func TestHTTPAPIUnknownRouteWithoutDefault(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	api := asm.HTTPAPIs[0]
	for i, rt := range api.Routes {
		if rt.RouteKey == "$default" {
			api.Routes = append(api.Routes[:i], api.Routes[i+1:]...)
			break
		}
	}
	srv := httptest.NewServer(gateway.New(asm, staticInvoker{`{"ok":true}`}, gateway.Options{}))
	defer srv.Close()
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/items/special", 404, `{"message":"Not Found"}`},
		{"GET", "/dev", 404, `{"message":"Not Found"}`},
		{"GET", "/items/special", 200, `{"ok":true}`},
	}
	for _, tt := range tests {
		r := do(t, tt.method, srv.URL+"/"+httpID+tt.path, nil, nil)
		if r.status != tt.status || strings.TrimSpace(string(r.body)) != tt.body {
			t.Errorf("%s %s: got %d %s, want %d %s", tt.method, tt.path, r.status, r.body, tt.status, tt.body)
		}
	}
}

// accessFunc adapts a function to gateway.AccessControl.
type accessFunc func(*gateway.Route) (gateway.Check, error)

func (f accessFunc) Guard(rt *gateway.Route) (gateway.Check, error) { return f(rt) }

func TestAccessCheckRunsBeforeInvoke(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	access := accessFunc(func(rt *gateway.Route) (gateway.Check, error) {
		if rt.AuthorizationType != "AWS_IAM" {
			return nil, nil
		}
		return func(_ context.Context, x *gateway.Exchange) error {
			if x.Request.Header.Get("Authorization") != "let-me-in" {
				return &gateway.Error{Status: 403, Message: "Forbidden"}
			}
			x.Authorizer = map[string]any{"principalId": "tester"}
			return nil
		}, nil
	})
	srv := httptest.NewServer(gateway.New(asm, staticInvoker{`{"statusCode":200,"body":"in"}`}, gateway.Options{Access: access}))
	defer srv.Close()
	url := srv.URL + "/" + restID + "/prod/secure"
	if r := do(t, "GET", url, nil, nil); r.status != 403 || !strings.Contains(string(r.body), "Forbidden") {
		t.Errorf("without credentials: %d %s, want 403 Forbidden", r.status, r.body)
	}
	if r := do(t, "GET", url, http.Header{"Authorization": {"let-me-in"}}, nil); r.status != 200 || string(r.body) != "in" {
		t.Errorf("with credentials: %d %s, want 200 in", r.status, r.body)
	}
	// With an AccessControl installed, the routes it accepts without a check are served.
	if r := do(t, "GET", srv.URL+"/"+restID+"/prod/keyed", nil, nil); r.status != 200 {
		t.Errorf("a Guard that accepts the route serves it: got %d", r.status)
	}
}

func TestUnrunnableFunctionRefused(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	srv := gateway.New(asm, staticInvoker{`{"statusCode":200}`}, gateway.Options{Unrunnable: map[string]string{"HelloAD23A60E": "no bootstrap for this host"}})
	gateway.PrintRoutes(&table, srv, "http://x")
	if !strings.Contains(table.String(), "not served: Rest GET /hello (no bootstrap for this host)") {
		t.Errorf("route table does not refuse /hello:\n%s", table.String())
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	if r := do(t, "GET", hs.URL+"/"+restID+"/prod/hello", nil, nil); r.status != 501 || !strings.Contains(string(r.body), "no bootstrap for this host") {
		t.Errorf("got %d %s, want 501 naming the reason", r.status, r.body)
	}
}
