package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/invoke"
)

// The fixture assembly (local/internal/testdata/assembly) has a REST API, an HTTP API and a
// WebSocket API.
const (
	fixture = "../internal/testdata/assembly"
	restID  = "9v9meb89t8"
	httpID  = "kwgtzma07x"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

// call serves one request in process, as a client at 127.0.0.1 would send it.
func call(t testing.TB, h http.Handler, method, target string, header http.Header, body ...byte) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:50000"
	for k, v := range header {
		if k != "Host" { // net/http moves Host out of the header map
			req.Header[k] = v
		}
	}
	if host := header.Get("Host"); host != "" {
		req.Host = host
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// recorder is an in-process Invoker (an invoke.Func): it records each call the gateway makes
// and answers every call with payload, or fails it with err.
type recorder struct {
	payload string
	err     error
	calls   []invoke.Call
}

func (r *recorder) invoker() invoke.Func {
	return func(_ context.Context, c invoke.Call) (*invoke.Result, error) {
		r.calls = append(r.calls, c)
		if r.err != nil {
			return nil, r.err
		}
		return &invoke.Result{Payload: []byte(r.payload)}, nil
	}
}

// last is the call the gateway made, decoding its event into ev (when not nil).
func (r *recorder) last(t testing.TB, ev any) invoke.Call {
	t.Helper()
	if len(r.calls) == 0 {
		t.Fatal("the function was not invoked")
	}
	c := r.calls[len(r.calls)-1]
	if ev != nil {
		if err := json.Unmarshal(c.Payload, ev); err != nil {
			t.Fatalf("event is not JSON: %v\n%s", err, c.Payload)
		}
	}
	return c
}

// newGateway serves the fixture assembly, changed by edits, through the in-process invoker of
// rec.
func newGateway(t testing.TB, rec *recorder, edits ...func(*assembly.Assembly)) *gateway.Server {
	t.Helper()
	return gateway.New(editedFixture(t, edits...), rec.invoker(), gateway.Options{})
}

// editedFixture is the fixture assembly changed by edits.
func editedFixture(t testing.TB, edits ...func(*assembly.Assembly)) *assembly.Assembly {
	t.Helper()
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, edit := range edits {
		edit(asm)
	}
	return asm
}

// message is the "message" of an API Gateway JSON error body ("" when the body is not one).
func message(body []byte) string {
	var m struct{ Message string }
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	return m.Message
}

// field is one value of an event compared with what API Gateway sends.
type field struct {
	name      string
	got, want any
}

func checkFields(t *testing.T, fields []field) {
	t.Helper()
	for _, f := range fields {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s: got %#v, want %#v", f.name, f.got, f.want)
		}
	}
}

// withGreedyItems adds a greedy route next to /items/{id}: ANY /items/{rest+} on the REST API
// and GET /items/{rest+} on the HTTP API, invoking the same function.
func withGreedyItems(a *assembly.Assembly) {
	for _, m := range a.RestAPIs[0].Methods {
		if m.Path == "/items/{id}" {
			c := *m
			c.LogicalID, c.Path, c.HTTPMethod = "RestitemsrestANY", "/items/{rest+}", "ANY"
			a.RestAPIs[0].Methods = append(a.RestAPIs[0].Methods, &c)
			break
		}
	}
	http := a.HTTPAPIs[0]
	for _, r := range http.Routes {
		if r.RouteKey == "GET /items/{id}" {
			c := *r
			c.LogicalID, c.RouteKey = "HttpGETitemsrest", "GET /items/{rest+}"
			http.Routes = append(http.Routes, &c)
			break
		}
	}
}

// withoutRESTRoute removes the methods of the REST API's resource path.
func withoutRESTRoute(path string) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) {
		a.RestAPIs[0].Methods = slices.DeleteFunc(a.RestAPIs[0].Methods, func(m *assembly.RestMethod) bool { return m.Path == path })
	}
}

// withoutStage removes a stage of the HTTP API apiID.
func withoutStage(apiID, name string) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) {
		for _, api := range a.HTTPAPIs {
			if api.ID == apiID {
				api.Stages = slices.DeleteFunc(api.Stages, func(s *assembly.Stage) bool { return s.Name == name })
			}
		}
	}
}

// withPayload10 makes the HTTP API's route routeKey use payload format 1.0.
func withPayload10(routeKey string) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) {
		for _, r := range a.HTTPAPIs[0].Routes {
			if r.RouteKey == routeKey {
				in := *r.Integration // integrations are shared between routes
				in.PayloadFormatVersion = "1.0"
				r.Integration = &in
			}
		}
	}
}
