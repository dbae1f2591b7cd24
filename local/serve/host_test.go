package serve_test

import (
	"context"
	"net"
	"net/url"
	"testing"

	"github.com/portico-dev/portico/local/serve"
)

// Serving on every interface (--host 0.0.0.0) keeps token-protected routes working: the local
// issuer's JWKS stays on loopback, where the JWT verifiers accept plain http.
func TestWildcardHostKeepsTokensWorking(t *testing.T) {
	g := startAccess(t) // the pool and its keys, shared with this second gateway
	out := &syncBuffer{}
	run, err := serve.Start(context.Background(), serve.Config{AssemblyDir: accessFixture, CacheDir: cacheDir, Out: out, Host: "0.0.0.0", Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	u, err := url.Parse(run.URL)
	if err != nil {
		t.Fatal(err)
	}
	loopback := "http://" + net.JoinHostPort("127.0.0.1", u.Port())
	valid := g.mint(t, g.pool.Issuer.AccessClaims(g.pool.ClientIDs[0], "alice", []string{"orders/read"}, "admin"))
	// Without a token every kind of authorizer answers 401 {"message":"Unauthorized"}: "Missing
	// identity source: 401 without invoking the authorizer" (/work/shared/APIGW-FACTS.md, Lambda
	// authorizers; the 401 body as in "Troubleshooting issues with HTTP API JWT authorizers",
	// docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html).
	tests := []struct {
		name, path, token string
		want              int
	}{
		{"REST Cognito authorizer", "/" + plainID + "/prod/cognito", valid, 200},
		{"REST Cognito authorizer, no token", "/" + plainID + "/prod/cognito", "", 401},
		{"HTTP JWT authorizer", "/" + httpAccessID + "/jwt", "Bearer " + valid, 200},
		{"HTTP JWT authorizer, no token", "/" + httpAccessID + "/jwt", "", 401},
		{"Go Lambda authorizer of the local issuer", "/" + plainID + "/prod/gojwt", "Bearer " + valid, 200},
		{"Go Lambda authorizer, no token", "/" + plainID + "/prod/gojwt", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string][]string{}
			if tt.token != "" {
				h = auth(tt.token)
			}
			if r := getFrom(t, client, loopback+tt.path, h); r.status != tt.want {
				t.Fatalf("got %d %s, want %d\ngateway output:\n%s", r.status, r.body, tt.want, out)
			}
		})
	}
}
