package serve_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/serve"
)

// The access fixture (testdata/access, written by hand) has REST APIs Guarded (the seed's policy
// shape on loopback: Allow 127.0.0.2, Allow a cross-account role, Deny 127.0.0.4), Plain (no
// policy; Lambda, Cognito and Go JWT authorizers, API keys and usage plans), Private (behind VPC
// endpoint "Endpoint"; a second endpoint "OtherEndpoint" is not allowed), and an HTTP API with
// JWT and simple-response Lambda authorizers.
const (
	accessFixture = "../internal/testdata/access"
	guardedID     = "x7re4ljt48"
	plainID       = "41h27d6gwh"
	privateID     = "kr6wmp0nwr"
	httpAccessID  = "mfal7o2zoz"
	byAuthID      = "v4af9ocg19"
)

// fakeClock is the gateway's injected clock: authorizer caches, token expiry, throttles, quotas.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type accessGateway struct {
	run   *serve.Running
	clock *fakeClock
	pool  *cognito.Pool
	out   *syncBuffer
}

var (
	accessOnce sync.Once
	accessGW   *accessGateway
	accessErr  error
)

// startAccess starts the access fixture once for the package (one process per function, so the
// test authorizer's invocation counter is exact).
func startAccess(t testing.TB) *accessGateway {
	t.Helper()
	accessOnce.Do(func() {
		g := &accessGateway{clock: &fakeClock{t: time.Now()}, out: &syncBuffer{}}
		g.run, accessErr = serve.Start(context.Background(), serve.Config{AssemblyDir: accessFixture, CacheDir: cacheDir, Out: g.out, Concurrency: 1, Now: g.clock.Now})
		if accessErr != nil {
			return
		}
		var asm *assembly.Assembly
		if asm, accessErr = assembly.Load(accessFixture); accessErr != nil {
			return
		}
		keys, _ := serve.KeyDir(cacheDir)
		pools, err := cognito.Load(asm, keys) // the same key files as the running gateway
		if err != nil {
			accessErr = err
			return
		}
		g.pool, accessErr = pools.Find("Users")
		accessGW = g
	})
	if accessErr != nil {
		t.Fatal(accessErr)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway output:\n%s", accessGW.out)
		}
	})
	return accessGW
}

// clientFrom is an HTTP client whose connections come from the loopback address ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func getFrom(t *testing.T, c *http.Client, url string, header http.Header) response {
	t.Helper()
	return doWith(t, c, "GET", url, header, nil)
}

func auth(token string) http.Header { return http.Header{"Authorization": {token}} }

// authorizerOf returns requestContext.authorizer of the probe's echo.
func authorizerOf(t *testing.T, r response) map[string]any {
	t.Helper()
	var ev struct {
		RequestContext struct {
			Authorizer map[string]any `json:"authorizer"`
		} `json:"requestContext"`
	}
	decodeEcho(t, r, &ev)
	return ev.RequestContext.Authorizer
}

// invocations is the test authorizer's counter as the handler saw it.
func invocations(t *testing.T, r response) int {
	t.Helper()
	n, ok := authorizerOf(t, r)["n"]
	if !ok {
		t.Fatalf("no authorizer context n in %s", r.body)
	}
	var v int
	if err := json.Unmarshal([]byte(strings.Trim(jsonString(n), `"`)), &v); err != nil {
		t.Fatalf("authorizer n = %v: %v", n, err)
	}
	return v
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// mint signs claims of the local pool valid from real now to an hour after the gateway's clock
// (the Go authorizer process checks them against the real clock).
func (g *accessGateway) mint(t *testing.T, claims map[string]any) string {
	t.Helper()
	claims["iat"], claims["auth_time"] = time.Now().Add(-time.Minute).Unix(), time.Now().Add(-time.Minute).Unix()
	claims["exp"] = g.clock.Now().Add(time.Hour).Unix()
	tok, err := g.pool.Issuer.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (g *accessGateway) accessToken(t *testing.T, scopes ...string) string {
	return g.mint(t, g.pool.Issuer.AccessClaims(g.pool.ClientIDs[0], "alice", scopes, "admin"))
}

func TestAccessCombinationTable(t *testing.T) {
	g := startAccess(t)
	idToken := g.mint(t, g.pool.Issuer.IDClaims(g.pool.ClientIDs[0], "alice"))
	const (
		explicit = "with an explicit deny"
		implicit = "is not authorized to access this resource"
		policy   = "is not authorized to perform: execute-api:Invoke"
	)
	rows := []struct {
		name, from, api, path, token string
		want                         int
		body                         string // substring of a refusal
	}{
		{"policy Allow, no authorizer", "127.0.0.2", guardedID, "/open", "", 200, ""},
		{"policy Allow, Lambda Allow", "127.0.0.2", guardedID, "/lambda", "allow-all-row1", 200, ""},
		{"policy Allow, Lambda silent", "127.0.0.2", guardedID, "/lambda", "silent-row1", 200, ""},
		{"policy Allow, Lambda Deny", "127.0.0.2", guardedID, "/lambda", "deny-row1", 403, explicit},
		{"policy Allow, Cognito valid", "127.0.0.2", guardedID, "/cognito", idToken, 200, ""},
		{"policy silent, no authorizer", "127.0.0.3", guardedID, "/open", "", 403, policy},
		{"policy silent, Lambda Allow", "127.0.0.3", guardedID, "/lambda", "allow-all-row2", 200, ""},
		{"policy silent, Lambda silent", "127.0.0.3", guardedID, "/lambda", "silent-row2", 403, implicit},
		{"policy silent, Lambda Deny", "127.0.0.3", guardedID, "/lambda", "deny-row2", 403, explicit},
		{"policy silent, Cognito valid (stricter reading)", "127.0.0.3", guardedID, "/cognito", idToken, 403, policy},
		{"policy Deny, no authorizer", "127.0.0.4", guardedID, "/open", "", 403, explicit},
		{"policy Deny, Lambda Allow", "127.0.0.4", guardedID, "/lambda", "allow-all-row3", 403, explicit},
		{"policy Deny, Cognito valid", "127.0.0.4", guardedID, "/cognito", idToken, 403, explicit},
		{"no policy, no authorizer", "127.0.0.3", plainID, "/open", "", 200, ""},
		{"no policy, Lambda Allow", "127.0.0.3", plainID, "/lambda", "allow-all-row4", 200, ""},
		{"no policy, Lambda silent", "127.0.0.3", plainID, "/lambda", "silent-row4", 403, implicit},
		{"no policy, Lambda Deny", "127.0.0.3", plainID, "/lambda", "deny-row4", 403, explicit},
		{"no policy, Lambda Unauthorized", "127.0.0.3", plainID, "/lambda", "unauthorized", 401, "Unauthorized"},
		{"no policy, Lambda error", "127.0.0.3", plainID, "/lambda", "boom", 500, "Internal Server Error"},
		{"no policy, identity source missing", "127.0.0.3", plainID, "/lambda", "", 401, "Unauthorized"},
		{"no policy, Cognito valid", "127.0.0.3", plainID, "/cognito-id", idToken, 200, ""},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.token != "" {
				h = auth(tt.token)
			}
			r := getFrom(t, clientFrom(tt.from), base4(g, tt.api, tt.path), h)
			if r.status != tt.want || !strings.Contains(string(r.body), tt.body) {
				t.Fatalf("got %d %s, want %d with %q", r.status, r.body, tt.want, tt.body)
			}
		})
	}
}

func base4(g *accessGateway, api, path string) string { return g.run.URL + "/" + api + "/prod" + path }

func TestExplicitDenyRunsNoAuthorizer(t *testing.T) {
	g := startAccess(t)
	url := base4(g, guardedID, "/lambda")
	before := invocations(t, getFrom(t, clientFrom("127.0.0.2"), url, auth("allow-all-deny-a")))
	if r := getFrom(t, clientFrom("127.0.0.4"), url, auth("allow-all-deny-b")); r.status != 403 {
		t.Fatalf("denied address: got %d %s, want 403", r.status, r.body)
	}
	after := invocations(t, getFrom(t, clientFrom("127.0.0.2"), url, auth("allow-all-deny-c")))
	if after != before+1 {
		t.Errorf("authorizer invocations went from %d to %d around an explicit Deny, want one (the Deny must not invoke it)", before, after)
	}
	if !strings.Contains(g.out.String(), `403 Forbidden by resource policy: explicit Deny: statement #2 (Sid "DenyBlocked")`) {
		t.Errorf("log lacks the resource policy's explicit deny naming the statement:\n%s", g.out)
	}
}

func TestSeedPolicy(t *testing.T) {
	g := startAccess(t)
	url := base4(g, guardedID, "/open")
	if r := getFrom(t, clientFrom("127.0.0.2"), url, nil); r.status != 200 {
		t.Errorf("allowed CIDR: got %d %s, want 200", r.status, r.body)
	}
	r := getFrom(t, clientFrom("127.0.0.3"), url, nil)
	want := `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:` + guardedID + `/prod/GET/open"}`
	if r.status != 403 || strings.TrimSpace(string(r.body)) != want || r.header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
		t.Errorf("other address: got %d %s (type %q), want 403 %s", r.status, r.body, r.header.Get("X-Amzn-Errortype"), want)
	}
	// The policy's cross-account role cannot use this open method: API Gateway knows a caller
	// only from a SigV4 signature on an AWS_IAM method (the role's cases are in
	// TestIAMSeedPolicyEndToEnd), so explain --caller is anonymous here too.
	ex, err := serve.Explain(serve.Config{AssemblyDir: accessFixture, CacheDir: cacheDir},
		serve.ExplainRequest{Method: "GET", Target: "/" + guardedID + "/prod/open", SourceIP: "127.0.0.3", CallerARN: "arn:aws:iam::098765432109:role/MyRole"})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Err == nil || !strings.Contains(ex.String(), "principal does not match caller anonymous") {
		t.Errorf("MyRole on the open method: want denied as anonymous\n%s", ex)
	}
}

func TestExplainRunsAuthorizers(t *testing.T) {
	tests := []struct {
		token, from string
		want        string // "" allowed, else a substring of the refusal
	}{
		{"allow-all-explain", "127.0.0.3", ""},
		{"silent-explain", "127.0.0.3", "User is not authorized to access this resource"},
		{"silent-explain", "127.0.0.2", ""}, // the resource policy allows
		{"allow-all-explain", "127.0.0.4", "with an explicit deny"},
	}
	for _, tt := range tests {
		t.Run(tt.token+" from "+tt.from, func(t *testing.T) {
			ex, err := serve.Explain(serve.Config{AssemblyDir: accessFixture, CacheDir: cacheDir}, serve.ExplainRequest{Method: "GET",
				Target: "/" + guardedID + "/prod/lambda", SourceIP: tt.from, Header: auth(tt.token), RunAuthorizers: true})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if ex.Err != nil {
				got = ex.String()
			}
			if (tt.want == "") != (ex.Err == nil) || !strings.Contains(got, tt.want) {
				t.Fatalf("decision:\n%s\nwant %q", ex, tt.want)
			}
		})
	}
}

func TestPrivateAPI(t *testing.T) {
	g := startAccess(t)
	eps := map[string]string{}
	for _, ep := range g.run.Endpoints() {
		eps[ep.LogicalID] = ep.URL
	}
	if len(eps) != 2 || !strings.Contains(g.out.String(), "VPC endpoint Endpoint (stack Access") {
		t.Fatalf("want 2 endpoint listeners printed, got %v\n%s", eps, g.out)
	}
	path := "/" + privateID + "/prod/orders"
	tests := []struct {
		name, url string
		header    http.Header
		want      int
		body      string
	}{
		{"through its endpoint", eps["Endpoint"] + path, nil, 200, ""},
		{"endpoint DNS name with x-apigw-api-id", eps["Endpoint"] + "/prod/orders", http.Header{"X-Apigw-Api-Id": {privateID}}, 200, ""},
		{"on the public listener", g.run.URL + path, nil, 403, `{"message":"Forbidden"}`},
		{"through another endpoint", eps["OtherEndpoint"] + path, nil, 403, "with an explicit deny"},
		{"public API through an endpoint", eps["Endpoint"] + "/" + plainID + "/prod/open", nil, 403, `{"message":"Forbidden"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := getFrom(t, clientFrom("127.0.0.5"), tt.url, tt.header)
			if r.status != tt.want || !strings.Contains(string(r.body), tt.body) {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tt.want, tt.body)
			}
			if tt.want == 200 {
				var ev struct {
					RequestContext struct{ Identity struct{ SourceIP string } } `json:"requestContext"`
				}
				decodeEcho(t, r, &ev)
				if ev.RequestContext.Identity.SourceIP != "127.0.0.5" {
					t.Errorf("sourceIp %q, want the client address 127.0.0.5", ev.RequestContext.Identity.SourceIP)
				}
			}
		})
	}
}

func TestAuthorizerCache(t *testing.T) {
	g := startAccess(t)
	c := clientFrom("127.0.0.1")
	first := invocations(t, getFrom(t, c, base4(g, plainID, "/lambda"), auth("allow-one-cache")))
	if again := invocations(t, getFrom(t, c, base4(g, plainID, "/lambda"), auth("allow-one-cache"))); again != first {
		t.Errorf("second call invoked the authorizer (n %d -> %d), want a cache hit", first, again)
	}
	// The pitfall: the cached policy names only GET /lambda, so another method is refused.
	r := getFrom(t, c, base4(g, plainID, "/lambda-other"), auth("allow-one-cache"))
	if r.status != 403 || !strings.Contains(string(r.body), "User is not authorized to access this resource") {
		t.Fatalf("other method with a cached method-scoped policy: got %d %s, want 403", r.status, r.body)
	}
	if !strings.Contains(g.out.String(), "policy cached from GET /lambda (TTL 5m0s) does not cover GET /lambda-other") {
		t.Errorf("log does not explain the cached-policy denial:\n%s", g.out)
	}
	g.clock.Advance(301 * time.Second) // past the TTL
	if n := invocations(t, getFrom(t, c, base4(g, plainID, "/lambda"), auth("allow-one-cache"))); n != first+1 {
		t.Errorf("after the TTL: n = %d, want %d (invoked again)", n, first+1)
	}
	// HTTP simple responses are cached too (TTL 300 in the template).
	h1 := getFrom(t, c, g.run.URL+"/"+httpAccessID+"/simple", auth("allow-simple"))
	h2 := getFrom(t, c, g.run.URL+"/"+httpAccessID+"/simple", auth("allow-simple"))
	n1, n2 := lambdaContext(t, h1)["n"], lambdaContext(t, h2)["n"]
	if n1 == nil || jsonString(n1) != jsonString(n2) {
		t.Errorf("HTTP simple authorizer n %v then %v, want one invocation", n1, n2)
	}
	if r := getFrom(t, c, g.run.URL+"/"+httpAccessID+"/simple", auth("nope")); r.status != 403 || string(r.body) != `{"message":"Forbidden"}`+"\n" {
		t.Errorf("isAuthorized false: got %d %q, want 403 Forbidden", r.status, r.body)
	}
}

func lambdaContext(t *testing.T, r response) map[string]any {
	t.Helper()
	var ev struct {
		RequestContext struct {
			Authorizer struct {
				Lambda map[string]any `json:"lambda"`
			} `json:"authorizer"`
		} `json:"requestContext"`
	}
	decodeEcho(t, r, &ev)
	return ev.RequestContext.Authorizer.Lambda
}

func TestCognitoTokens(t *testing.T) {
	g := startAccess(t)
	other, err := jwtissuer.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")
	if err != nil {
		t.Fatal(err)
	}
	forger, err := jwtissuer.New(g.pool.Issuer.URL) // same iss, another key
	if err != nil {
		t.Fatal(err)
	}
	expired := g.pool.Issuer.AccessClaims(g.pool.ClientIDs[0], "alice", []string{"orders/read"})
	expired["exp"] = g.clock.Now().Add(-time.Minute).Unix()
	expiredTok, _ := g.pool.Issuer.Mint(expired)
	otherTok, _ := other.Mint(other.AccessClaims(g.pool.ClientIDs[0], "alice", []string{"orders/read"}))
	forged, _ := forger.Sign(map[string]any{"kid": g.pool.Issuer.KeyID}, g.pool.Issuer.AccessClaims(g.pool.ClientIDs[0], "mallory", []string{"orders/read"}))
	valid := g.accessToken(t, "orders/read")
	plain := func(p string) string { return base4(g, plainID, p) }
	httpURL := func(p string) string { return g.run.URL + "/" + httpAccessID + p }
	tests := []struct {
		name, url, token string
		want             int
		header           string // substring of WWW-Authenticate
	}{
		{"REST valid scope", plain("/cognito"), valid, 200, ""},
		{"REST wrong scope", plain("/cognito"), g.accessToken(t, "orders/write"), 401, ""},
		{"REST expired", plain("/cognito"), expiredTok, 401, ""},
		{"REST other issuer", plain("/cognito"), otherTok, 401, ""},
		{"REST forged key", plain("/cognito"), forged, 401, ""},
		{"REST access token where an ID token is expected", plain("/cognito-id"), valid, 401, ""},
		{"REST no token", plain("/cognito"), "", 401, ""},
		{"HTTP JWT valid", httpURL("/jwt"), "Bearer " + valid, 200, ""},
		{"HTTP JWT expired", httpURL("/jwt"), "Bearer " + expiredTok, 401, `error="invalid_token"`},
		{"HTTP JWT other issuer", httpURL("/jwt"), "Bearer " + otherTok, 401, `error="invalid_token"`},
		{"HTTP JWT missing scope", httpURL("/admin"), "Bearer " + valid, 403, `error="insufficient_scope"`},
		{"Go Lambda authorizer, local issuer", plain("/gojwt"), "Bearer " + valid, 200, ""},
		{"Go Lambda authorizer, other issuer", plain("/gojwt"), "Bearer " + otherTok, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.token != "" {
				h = auth(tt.token)
			}
			r := getFrom(t, client, tt.url, h)
			if r.status != tt.want {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tt.want)
			}
			if tt.header != "" && !strings.Contains(r.header.Get("Www-Authenticate"), tt.header) {
				t.Errorf("WWW-Authenticate %q lacks %q", r.header.Get("Www-Authenticate"), tt.header)
			}
		})
	}
	// The handler sees the verified claims.
	claims, _ := authorizerOf(t, getFrom(t, client, plain("/cognito"), auth(valid)))["claims"].(map[string]any)
	if claims["sub"] != "sub-alice" || claims["iss"] != g.pool.Issuer.URL {
		t.Errorf("REST authorizer claims %v, want sub-alice from %s", claims, g.pool.Issuer.URL)
	}
}

func TestAPIKeysAndUsagePlans(t *testing.T) {
	g := startAccess(t)
	m := regexp.MustCompile(`API key throttled \(Access/ThrottledKey\): x-api-key: (\S+)`).FindStringSubmatch(g.out.String())
	if m == nil {
		t.Fatalf("start-up output does not print the throttled key's value:\n%s", g.out)
	}
	throttledKey, quotaKey := m[1], "quota-key-0123456789abcdef"
	key := func(v string) http.Header { return http.Header{"X-Api-Key": {v}} }
	url := func(p string) string { return base4(g, plainID, p) }
	expect := func(t *testing.T, r response, status int, body string) {
		t.Helper()
		if r.status != status || (body != "" && strings.TrimSpace(string(r.body)) != body) {
			t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, body)
		}
	}
	t.Run("missing and unknown keys", func(t *testing.T) {
		expect(t, getFrom(t, client, url("/keyed"), nil), 403, `{"message":"Forbidden"}`)
		expect(t, getFrom(t, client, url("/keyed"), key("not-a-key-0123456789abcdef")), 403, `{"message":"Forbidden"}`)
		var ev struct {
			RequestContext struct {
				Identity struct{ APIKey, APIKeyID string }
			} `json:"requestContext"`
		}
		decodeEcho(t, getFrom(t, client, url("/keyed"), key(quotaKey)), &ev)
		if ev.RequestContext.Identity.APIKey != quotaKey {
			t.Errorf("identity.apiKey %q, want %q", ev.RequestContext.Identity.APIKey, quotaKey)
		}
	})
	t.Run("rate and burst exceeded then recovered", func(t *testing.T) {
		g.clock.Advance(time.Minute) // full buckets
		for range 2 {                // burst 2
			expect(t, getFrom(t, client, url("/keyed"), key(throttledKey)), 200, "")
		}
		expect(t, getFrom(t, client, url("/keyed"), key(throttledKey)), 429, `{"message":"Too Many Requests"}`)
		g.clock.Advance(time.Second) // rate 1/s: one token back
		expect(t, getFrom(t, client, url("/keyed"), key(throttledKey)), 200, "")
		// The plan's per-method throttle (rate 0.5, burst 1) on /keyed-slow; it draws on the
		// plan's bucket too, so let that refill first.
		g.clock.Advance(2 * time.Second)
		expect(t, getFrom(t, client, url("/keyed-slow"), key(throttledKey)), 200, "")
		expect(t, getFrom(t, client, url("/keyed-slow"), key(throttledKey)), 429, `{"message":"Too Many Requests"}`)
		g.clock.Advance(2 * time.Second)
		expect(t, getFrom(t, client, url("/keyed-slow"), key(throttledKey)), 200, "")
		if !strings.Contains(g.out.String(), `429 Too Many Requests by usage plan "Throttled": throttle for key throttled on GET /keyed-slow (rate 0.5/s, burst 1) exceeded`) {
			t.Errorf("log does not name the plan that throttled:\n%s", g.out)
		}
	})
	t.Run("stage and route throttles apply without a key", func(t *testing.T) {
		g.clock.Advance(time.Minute)
		for _, u := range []string{url("/stage-throttled"), g.run.URL + "/" + httpAccessID + "/throttled"} {
			expect(t, getFrom(t, client, u, nil), 200, "")
			expect(t, getFrom(t, client, u, nil), 429, `{"message":"Too Many Requests"}`)
			g.clock.Advance(time.Second)
			expect(t, getFrom(t, client, u, nil), 200, "")
		}
	})
	t.Run("key from the authorizer", func(t *testing.T) {
		u := base4(g, byAuthID, "/keyed")
		expect(t, getFrom(t, client, u, auth("key:partner-key-0123456789abcdef")), 200, "")
		// x-api-key is ignored when the API reads keys from the authorizer.
		h := auth("allow-all-nokey")
		h.Set("X-Api-Key", "partner-key-0123456789abcdef")
		expect(t, getFrom(t, client, u, h), 403, `{"message":"Forbidden"}`)
		expect(t, getFrom(t, client, u, auth("key:unknown-key-0123456789abcdef")), 403, `{"message":"Forbidden"}`)
	})
	t.Run("quota exhausted and reset at the period boundary", func(t *testing.T) {
		now := g.clock.Now().UTC()
		midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
		g.clock.Advance(midnight.Sub(now) + time.Minute) // just past midnight UTC: a new period
		for range 3 {
			expect(t, getFrom(t, client, url("/keyed"), key(quotaKey)), 200, "")
		}
		expect(t, getFrom(t, client, url("/keyed"), key(quotaKey)), 429, `{"message":"Limit Exceeded"}`)
		g.clock.Advance(23 * time.Hour) // same day
		expect(t, getFrom(t, client, url("/keyed"), key(quotaKey)), 429, `{"message":"Limit Exceeded"}`)
		g.clock.Advance(time.Hour) // next day
		expect(t, getFrom(t, client, url("/keyed"), key(quotaKey)), 200, "")
	})
}

// BenchmarkCachedAuthorizerOverhead alternates a warm request to a route without authorizer and
// one behind a Lambda authorizer whose answer is cached; the p50 difference is what the cached
// decision adds to a request.
func BenchmarkCachedAuthorizerOverhead(b *testing.B) {
	g := startAccess(b)
	c := &http.Client{Timeout: 10 * time.Second}
	send := func(url string, h http.Header) time.Duration {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header = h
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: status %d", url, resp.StatusCode)
		}
		return time.Since(start)
	}
	open, guarded := base4(g, plainID, "/open"), base4(g, plainID, "/lambda")
	h := http.Header{"Authorization": {"allow-all-bench"}}
	for range 50 {
		send(open, nil)
		send(guarded, h)
	}
	var without, with []time.Duration
	b.ResetTimer()
	for range b.N {
		without = append(without, send(open, nil))
		with = append(with, send(guarded, h))
	}
	b.StopTimer()
	b.ReportMetric(percentile(without, 0.5)*1000, "open-p50-us")
	b.ReportMetric(percentile(with, 0.5)*1000, "cached-auth-p50-us")
	b.ReportMetric((percentile(with, 0.5)-percentile(without, 0.5))*1000, "added-p50-us")
}
