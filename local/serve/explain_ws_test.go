package serve_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/serve"
)

// Explain replays a WebSocket $connect: its Lambda authorizer (with --run-authorizers), then its
// API key and usage plan, without running the $connect function.
func TestExplainWebSocketConnect(t *testing.T) {
	dir := keyedTemplate(t)
	asm, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := serve.KeyDir(cacheDir)
	if err != nil {
		t.Fatal(err)
	}
	pools, err := cognito.Load(asm, keys) // the key files Explain verifies against
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pools.Find("Users10139FB0")
	if err != nil {
		t.Fatal(err)
	}
	token, err := pool.Token(cognito.TokenRequest{User: "kim"})
	if err != nil {
		t.Fatal(err)
	}
	id := asm.WebSocketAPIs[0].ID
	tests := []struct {
		name, target, key string
		run               bool
		want              []string // in the report
	}{
		{"authorizer not run", "/" + id + "/prod?token=" + token, throttledKey, false,
			[]string{"route $connect", "decision: undecided: it rests with authorizer CognitoJwt"}},
		{"allowed", "/" + id + "/prod?token=" + token, throttledKey, true,
			[]string{"authorizer CognitoJwt: Allow", "usage plan throttled: admitted key ThrottledKey", "decision: allowed"}},
		// A method that requires an API key answers 403 {"message":"Forbidden"} without one (AWS
		// Knowledge Center, "How do I troubleshoot HTTP 403 errors from API Gateway?").
		{"no API key", "/" + id + "/prod?token=" + token, "", true,
			[]string{"authorizer CognitoJwt: Allow", `decision: 403 {"message":"Forbidden"}`, "decided by API key check"}},
		{"unknown stage", "/" + id + "/nostage", throttledKey, true, []string{`decision: 404 {"message":"WebSocket API ` + id + ` has no stage \"nostage\"; stages: prod"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.key != "" {
				h.Set("X-Api-Key", tt.key)
			}
			ex, err := serve.Explain(serve.Config{AssemblyDir: dir, CacheDir: cacheDir}, serve.ExplainRequest{Method: "GET", Target: tt.target, Header: h, RunAuthorizers: tt.run})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(ex.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, ex)
				}
			}
		})
	}
}
