package authorizer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/invoke"
)

// fakeInvoker stands in for the runtime: it counts invocations and keeps the last event.
type fakeInvoker struct {
	calls  atomic.Int32
	last   []byte
	answer func(event []byte) ([]byte, error)
}

func (f *fakeInvoker) Invoke(_ context.Context, c invoke.Call) (*invoke.Result, error) {
	f.calls.Add(1)
	f.last = c.Payload
	out, err := f.answer(c.Payload)
	if err != nil {
		return nil, err
	}
	return &invoke.Result{Payload: out}, nil
}

func answer(s string) func([]byte) ([]byte, error) {
	return func([]byte) ([]byte, error) { return []byte(s), nil }
}

const arnBase = "arn:aws:execute-api:us-east-1:123456789012:api1/prod"

// allowOnly is a policy answer that allows only the given method ARN suffixes.
func allowOnly(effect string, resources ...string) string {
	for i, r := range resources {
		resources[i] = `"` + arnBase + r + `"`
	}
	return `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"` + effect + `","Resource":[` + strings.Join(resources, ",") + `]}]},` +
		`"context":{"tenant":"t1","level":3,"admin":true},"usageIdentifierKey":"alice-key-0123456789abcdef"}`
}

func restRequest(method, path, token string) *check.Request {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", token)
	}
	return &check.Request{Region: "us-east-1", AccountID: "123456789012", APIID: "api1", Stage: "prod",
		Method: method, Path: path, ResourcePath: path, RouteKey: method + " " + path, Headers: h, Query: url.Values{},
		SourceIP: netip.MustParseAddr("127.0.0.1")}
}

func ttl(n int) *int { return &n }

func tokenConfig() LambdaConfig {
	return LambdaConfig{Name: "TokenAuth", Function: "AuthFn", Protocol: REST, Type: TypeToken,
		IdentitySources: []string{"method.request.header.Authorization"}, ValidationRegex: `^Bearer [a-z0-9]+$`}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func denialOf(t *testing.T, err error) *check.Denial {
	t.Helper()
	var d *check.Denial
	if !errors.As(err, &d) {
		t.Fatalf("error = %v, want an *check.Denial", err)
	}
	return d
}

func TestLambdaErrors(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		answer  func([]byte) ([]byte, error)
		status  int
		invoked bool
		reason  string
	}{
		{"missing token", "", answer(allowOnly("Allow", "/*")), 401, false, "identity source method.request.header.Authorization is missing"},
		{"token fails validation", "Basic abc", answer(allowOnly("Allow", "/*")), 401, false, "validation expression"},
		{"function says Unauthorized", "Bearer abc", func([]byte) ([]byte, error) {
			return nil, fmt.Errorf("invoke: %w", &messages.InvokeResponse_Error{Message: "Unauthorized", Type: "errorString"})
		}, 401, true, `"Unauthorized"`},
		{"function fails otherwise", "Bearer abc", func([]byte) ([]byte, error) {
			return nil, &messages.InvokeResponse_Error{Message: "boom", Type: "errorString"}
		}, 500, true, "boom"},
		{"runtime fails", "Bearer abc", func([]byte) ([]byte, error) { return nil, context.DeadlineExceeded }, 500, true, "deadline"},
		{"not JSON", "Bearer abc", answer(`allow`), 500, true, "must be a JSON object"},
		{"no policyDocument", "Bearer abc", answer(`{"principalId":"u"}`), 500, true, "policyDocument is missing"},
		{"no principalId", "Bearer abc", answer(`{"policyDocument":{"Statement":[]}}`), 500, true, "principalId must be a string"},
		{"bad policy", "Bearer abc", answer(`{"principalId":"u","policyDocument":{"Statement":{"Effect":"Perhaps","Action":"*","Resource":"*"}}}`), 500, true, `got "Perhaps"`},
		{"nested context", "Bearer abc", answer(`{"principalId":"u","policyDocument":{"Statement":[]},"context":{"roles":["a"]}}`), 500, true, `context value "roles"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{answer: tt.answer}
			a, err := NewLambda(tokenConfig(), inv, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Authorize(context.Background(), restRequest("GET", "/a", tt.token))
			d := denialOf(t, err)
			if d.Status != tt.status || !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("denial = %v, want %d with %q", d, tt.status, tt.reason)
			}
			if got := inv.calls.Load() > 0; got != tt.invoked {
				t.Errorf("invoked = %v, want %v", got, tt.invoked)
			}
			wantType := map[int]string{401: "UnauthorizedException", 500: "AuthorizerConfigurationException"}[tt.status]
			if d.Type != wantType {
				t.Errorf("error type = %q, want %q", d.Type, wantType)
			}
		})
	}
}

func TestLambdaPolicyAndCache(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	inv := &fakeInvoker{answer: answer(allowOnly("Allow", "/GET/a"))}
	a, err := NewLambda(tokenConfig(), inv, c.now)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := a.Authorize(ctx, restRequest("GET", "/a", "Bearer abc"))
	if err != nil || first.Decision.Effect != iam.Allow || first.Cached {
		t.Fatalf("GET /a: %+v, %v; want an uncached Allow", first, err)
	}
	if first.PrincipalID != "user-1" || first.UsageIdentifierKey != "alice-key-0123456789abcdef" {
		t.Errorf("result = %+v, want the principal and usage key of the answer", first)
	}
	if first.Context["level"] != "3" || first.Context["admin"] != "true" || first.Context["tenant"] != "t1" {
		t.Errorf("REST context = %#v, want every value as a string", first.Context)
	}
	var ev map[string]string
	if err := json.Unmarshal(inv.last, &ev); err != nil || ev["type"] != "TOKEN" || ev["authorizationToken"] != "Bearer abc" || ev["methodArn"] != arnBase+"/GET/a" {
		t.Errorf("TOKEN event = %s", inv.last)
	}

	// Same token, other route: the cached policy is reused and does not cover it.
	second, err := a.Authorize(ctx, restRequest("GET", "/b", "Bearer abc"))
	if err != nil {
		t.Fatal(err)
	}
	if !second.Cached || inv.calls.Load() != 1 {
		t.Errorf("second route: cached=%v after %d invocations, want a cache hit", second.Cached, inv.calls.Load())
	}
	if second.Decision.Effect != iam.ImplicitDeny || !strings.Contains(second.Decision.Reason, "policy cached from GET /a (TTL 5m0s) does not cover GET /b") {
		t.Errorf("second route decision = %v, want the cached-policy pitfall explained", second.Decision)
	}
	d := denialOf(t, second.Err())
	if d.Status != 403 || d.Message != check.MsgImplicitDeny {
		t.Errorf("second route denial = %v %q, want 403 %q", d, d.Message, check.MsgImplicitDeny)
	}

	again, err := a.Authorize(ctx, restRequest("GET", "/a", "Bearer abc"))
	if err != nil || !again.Cached || !strings.Contains(again.Decision.Reason, "cached answer from GET /a") {
		t.Errorf("GET /a again: %v %v, want a cached Allow saying so", again.Decision, err)
	}
	// Another token is another cache entry.
	if _, err := a.Authorize(ctx, restRequest("GET", "/a", "Bearer other")); err != nil || inv.calls.Load() != 2 {
		t.Errorf("new token: %v after %d invocations, want a second invocation", err, inv.calls.Load())
	}
	// After the TTL the function runs again.
	c.t = c.t.Add(DefaultTTL)
	if res, err := a.Authorize(ctx, restRequest("GET", "/a", "Bearer abc")); err != nil || res.Cached || inv.calls.Load() != 3 {
		t.Errorf("after TTL: cached=%v, %d invocations, %v; want a fresh invocation", res != nil && res.Cached, inv.calls.Load(), err)
	}
}

func TestLambdaTTLZeroDisablesCache(t *testing.T) {
	inv := &fakeInvoker{answer: answer(allowOnly("Deny", "/*"))}
	cfg := tokenConfig()
	cfg.TTLSeconds = ttl(0)
	a, err := NewLambda(cfg, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		res, err := a.Authorize(context.Background(), restRequest("GET", "/a", "Bearer abc"))
		if err != nil {
			t.Fatal(err)
		}
		if d := denialOf(t, res.Err()); d.Message != check.MsgExplicitDeny {
			t.Errorf("Deny policy: %q, want %q", d.Message, check.MsgExplicitDeny)
		}
	}
	if n := inv.calls.Load(); n != 3 {
		t.Errorf("%d invocations with TTL 0, want 3", n)
	}
}

func TestHTTPAuthorizers(t *testing.T) {
	simple := func(ok bool) func([]byte) ([]byte, error) {
		return answer(fmt.Sprintf(`{"isAuthorized":%v,"context":{"n":1,"nested":{"a":"b"}}}`, ok))
	}
	tests := []struct {
		name    string
		cfg     LambdaConfig
		answer  func([]byte) ([]byte, error)
		routes  []string // requests made in order, all with the same header
		calls   int32
		allowed []bool
		event   string // substring of the last event
	}{
		{"simple response true, cache shared by routes",
			LambdaConfig{PayloadVersion: "2.0", SimpleResponses: true, IdentitySources: []string{"$request.header.Authorization"}},
			simple(true), []string{"/a", "/b"}, 1, []bool{true, true}, `"identitySource":["tok"]`},
		{"simple response false",
			LambdaConfig{PayloadVersion: "2.0", SimpleResponses: true, IdentitySources: []string{"$request.header.Authorization"}},
			simple(false), []string{"/a"}, 1, []bool{false}, `"routeArn":"` + arnBase + `/GET/a"`},
		{"routeKey identity source: one cache entry per route",
			LambdaConfig{PayloadVersion: "2.0", SimpleResponses: true, IdentitySources: []string{"$request.header.Authorization", "$context.routeKey"}},
			simple(true), []string{"/a", "/b", "/a"}, 2, []bool{true, true, true}, `"identitySource":["tok","GET /b"]`},
		{"payload 2.0 IAM policy",
			LambdaConfig{PayloadVersion: "2.0", IdentitySources: []string{"$request.header.Authorization"}},
			answer(allowOnly("Allow", "/GET/a")), []string{"/a", "/b"}, 1, []bool{true, false}, `"version":"2.0"`},
		{"payload 1.0 IAM policy, no cache",
			LambdaConfig{PayloadVersion: "1.0", IdentitySources: []string{"$request.header.Authorization"}, TTLSeconds: ttl(0)},
			answer(allowOnly("Allow", "/*")), []string{"/a", "/b"}, 2, []bool{true, true}, `"identitySource":"tok"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Name, tt.cfg.Function, tt.cfg.Protocol = "HttpAuth", "AuthFn", HTTP
			inv := &fakeInvoker{answer: tt.answer}
			a, err := NewLambda(tt.cfg, inv, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, path := range tt.routes {
				res, err := a.Authorize(context.Background(), restRequest("GET", path, "tok"))
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				err = res.Err()
				if (err == nil) != tt.allowed[i] {
					t.Errorf("request %d (%s): Err = %v, want allowed=%v", i, path, err, tt.allowed[i])
				}
				if err != nil && denialOf(t, err).Message != "Forbidden" {
					t.Errorf("HTTP denial message = %q, want Forbidden", denialOf(t, err).Message)
				}
				if tt.cfg.SimpleResponses && res.Context["nested"] == nil {
					t.Errorf("HTTP context = %v, want non-string values kept", res.Context)
				}
			}
			if n := inv.calls.Load(); n != tt.calls {
				t.Errorf("%d invocations, want %d", n, tt.calls)
			}
			if !strings.Contains(string(inv.last), tt.event) {
				t.Errorf("last event %s, want it to contain %s", inv.last, tt.event)
			}
		})
	}
}

func TestRESTRequestAuthorizer(t *testing.T) {
	inv := &fakeInvoker{answer: answer(allowOnly("Allow", "/*"))}
	a, err := NewLambda(LambdaConfig{Name: "ReqAuth", Function: "AuthFn", Protocol: REST, Type: TypeRequest,
		IdentitySources: []string{"method.request.header.X-Tenant", "method.request.querystring.key", "stageVariables.env"}}, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := restRequest("GET", "/a", "")
	r.Headers.Set("X-Tenant", "t1")
	r.StageVars = map[string]string{"env": "dev"}
	_, err = a.Authorize(context.Background(), r)
	if d := denialOf(t, err); d.Status != 401 || !strings.Contains(d.Reason, "method.request.querystring.key") {
		t.Errorf("missing query identity: %v, want 401 naming it", d)
	}
	r.Query.Set("key", "k")
	res, err := a.Authorize(context.Background(), r)
	if err != nil || res.Err() != nil {
		t.Fatalf("all identity sources present: %v %v", err, res.Err())
	}
	for _, want := range []string{`"type":"REQUEST"`, `"X-Tenant":"t1"`, `"queryStringParameters":{"key":"k"}`, `"stageVariables":{"env":"dev"}`, `"sourceIp":"127.0.0.1"`} {
		if !strings.Contains(string(inv.last), want) {
			t.Errorf("REQUEST event %s lacks %s", inv.last, want)
		}
	}
	r.StageVars["env"] = "prod"
	if _, err := a.Authorize(context.Background(), r); err != nil || inv.calls.Load() != 2 {
		t.Errorf("changed stage variable: %d invocations, want 2 (it is part of the cache key)", inv.calls.Load())
	}
}

// TestCacheKeyCollision tries to reuse another identity's cached Allow by moving a NUL byte
// between two identity values; the cache must not serve it.
func TestCacheKeyCollision(t *testing.T) {
	inv := &fakeInvoker{answer: func(event []byte) ([]byte, error) {
		if strings.Contains(string(event), `"a":"x\u0000y"`) {
			return []byte(allowOnly("Deny", "/*")), nil
		}
		return []byte(allowOnly("Allow", "/*")), nil
	}}
	a, err := NewLambda(LambdaConfig{Name: "Q", Function: "f", Protocol: REST,
		IdentitySources: []string{"method.request.querystring.a", "method.request.querystring.b"}}, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	victim := restRequest("GET", "/a", "")
	victim.Query = url.Values{"a": {"x"}, "b": {"y\x00z"}}
	if res, err := a.Authorize(context.Background(), victim); err != nil || res.Err() != nil {
		t.Fatalf("victim: %v %v", err, res.Err())
	}
	attacker := restRequest("GET", "/a", "")
	attacker.Query = url.Values{"a": {"x\x00y"}, "b": {"z"}}
	res, err := a.Authorize(context.Background(), attacker)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached || res.Err() == nil {
		t.Errorf("attacker got cached=%v err=%v: the victim's Allow was reused", res.Cached, res.Err())
	}
}

func TestLambdaConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  LambdaConfig
		want string
	}{
		{"protocol", LambdaConfig{Protocol: "SOAP", Function: "f"}, `got "SOAP"`},
		{"type", LambdaConfig{Protocol: REST, Type: "COOKIE", Function: "f"}, `got "COOKIE"`},
		{"TOKEN on HTTP", LambdaConfig{Protocol: HTTP, Type: TypeToken, Function: "f"}, "only on REST"},
		{"payload version", LambdaConfig{Protocol: HTTP, PayloadVersion: "3.0", Function: "f"}, `got "3.0"`},
		{"simple on 1.0", LambdaConfig{Protocol: HTTP, PayloadVersion: "1.0", SimpleResponses: true, Function: "f"}, "payload format 2.0"},
		{"no function", LambdaConfig{Protocol: REST}, "no function"},
		{"REST syntax on HTTP", LambdaConfig{Protocol: HTTP, Function: "f", IdentitySources: []string{"method.request.header.Authorization"}}, `"method.request.header.Authorization" is not a HTTP identity source`},
		{"unknown context variable", LambdaConfig{Protocol: HTTP, Function: "f", IdentitySources: []string{"$context.authorizer.x"}}, `context variable "authorizer.x" is not supported`},
		{"TOKEN from query", LambdaConfig{Protocol: REST, Type: TypeToken, Function: "f", IdentitySources: []string{"method.request.querystring.t"}}, "exactly one header"},
		{"bad regex", LambdaConfig{Protocol: REST, Type: TypeToken, Function: "f", IdentitySources: []string{"method.request.header.A"}, ValidationRegex: "("}, `validation expression "("`},
		{"regex on REQUEST", LambdaConfig{Protocol: REST, Function: "f", IdentitySources: []string{"method.request.header.A"}, ValidationRegex: "x"}, "TOKEN authorizers only"},
		{"TTL too long", LambdaConfig{Protocol: REST, Function: "f", IdentitySources: []string{"method.request.header.A"}, TTLSeconds: ttl(3601)}, "0 to 3600 seconds, got 3601"},
		{"cache without identity", LambdaConfig{Protocol: HTTP, Function: "f"}, "needs at least one identity source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewLambda(tt.cfg, &fakeInvoker{}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewLambda error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// BenchmarkCachedDecision is what a cached authorizer adds to a request: identity extraction,
// validation, cache lookup and evaluation of the cached policy (target: at most 50 µs).
func BenchmarkCachedDecision(b *testing.B) {
	inv := &fakeInvoker{answer: answer(allowOnly("Allow", "/GET/a", "/GET/b", "/POST/*"))}
	a, err := NewLambda(tokenConfig(), inv, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := restRequest("GET", "/b", "Bearer abc")
	ctx := context.Background()
	if _, err := a.Authorize(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := a.Authorize(ctx, r)
		if err != nil || !res.Cached || res.Decision.Effect != iam.Allow {
			b.Fatalf("not a cached Allow: %+v %v", res, err)
		}
	}
}

func TestCacheDropsExpiredEntries(t *testing.T) {
	c := &clock{t: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	cfg := tokenConfig()
	cfg.ValidationRegex, cfg.TTLSeconds = "", ttl(1)
	a, err := NewLambda(cfg, &fakeInvoker{answer: answer(allowOnly("Allow", "/*"))}, c.now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sweepAt {
		if _, err := a.Authorize(context.Background(), restRequest("GET", "/a", fmt.Sprint("token-", i))); err != nil {
			t.Fatal(err)
		}
	}
	c.t = c.t.Add(time.Second)
	if _, err := a.Authorize(context.Background(), restRequest("GET", "/a", "fresh")); err != nil {
		t.Fatal(err)
	}
	if n := len(a.cache); n != 1 {
		t.Errorf("cache holds %d entries after the TTL passed, want only the fresh one", n)
	}
}
