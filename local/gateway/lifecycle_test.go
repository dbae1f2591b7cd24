package gateway_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/invoke"
)

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
	srv := gateway.New(asm, staticInvoker{`{"ok":true}`}, gateway.Options{})
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
		r := call(t, srv, tt.method, "/"+httpID+tt.path, nil)
		if r.status != tt.status || strings.TrimSpace(string(r.body)) != tt.body {
			t.Errorf("%s %s: got %d %s, want %d %s", tt.method, tt.path, r.status, r.body, tt.status, tt.body)
		}
	}
}

// accessFunc adapts a function to gateway.AccessControl.
type accessFunc func(access.Target) (access.Guard, error)

func (f accessFunc) Guard(t access.Target) (access.Guard, error) { return f(t) }

func TestAccessCheckRunsBeforeInvoke(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	guard := accessFunc(func(t access.Target) (access.Guard, error) {
		if t.AuthorizationType != "AWS_IAM" {
			return nil, nil
		}
		return func(_ context.Context, r *check.Request) (*access.Grant, error) {
			if r.Headers.Get("Authorization") != "let-me-in" {
				return nil, &check.Denial{Status: 403, Message: "Forbidden"}
			}
			return &access.Grant{Authorizer: map[string]any{"principalId": "tester"}}, nil
		}, nil
	})
	srv := gateway.New(asm, staticInvoker{`{"statusCode":200,"body":"in"}`}, gateway.Options{Access: guard})
	url := "/" + restID + "/prod/secure"
	if r := call(t, srv, "GET", url, nil); r.status != 403 || !strings.Contains(string(r.body), "Forbidden") {
		t.Errorf("without credentials: %d %s, want 403 Forbidden", r.status, r.body)
	}
	if r := call(t, srv, "GET", url, http.Header{"Authorization": {"let-me-in"}}); r.status != 200 || string(r.body) != "in" {
		t.Errorf("with credentials: %d %s, want 200 in", r.status, r.body)
	}
	// With an AccessControl installed, the routes it accepts without a check are served.
	if r := call(t, srv, "GET", "/"+restID+"/prod/keyed", nil); r.status != 200 {
		t.Errorf("a Guard that accepts the route serves it: got %d", r.status)
	}
}

func TestUnrunnableFunctionRefused(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	srv := gateway.New(asm, staticInvoker{`{"statusCode":200}`}, gateway.Options{Unrunnable: map[string]string{"HelloAD23A60E": "no bootstrap for this host"}})
	var refused []string
	for _, rt := range srv.APIs()[0].Routes {
		if rt.Refused != "" {
			refused = append(refused, rt.RouteKey+": "+rt.Refused)
		}
	}
	if want := "GET /hello: no bootstrap for this host"; !slices.Contains(refused, want) {
		t.Errorf("refused routes %q, want %q among them", refused, want)
	}
	if r := call(t, srv, "GET", "/"+restID+"/prod/hello", nil); r.status != 501 || !strings.Contains(string(r.body), "no bootstrap for this host") {
		t.Errorf("got %d %s, want 501 naming the reason", r.status, r.body)
	}
}
