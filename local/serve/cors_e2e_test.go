package serve_test

import (
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/serve"
)

// TestHTTPAPICORS calls the access fixture's HTTP API, whose CorsConfiguration allows the local
// front end http://localhost:5173 (GET, POST; authorization, content-type; exposes x-total;
// credentials; max age 600), through portico serve. Sources: the API Gateway developer guide's
// "Configure CORS for HTTP APIs in API Gateway" (http-api-cors.html, [doc]) and a public curl
// capture of an HTTP API with CORS and a JWT authorizer ([401 capture], host
// x7jzrjfuv8.execute-api.us-east-1.amazonaws.com, apigw-requestid aQLT9hqNoAMEbuA=: a 401
// {"message":"Unauthorized"} with www-authenticate: Bearer, access-control-allow-origin: the
// origin, vary: origin, access-control-allow-credentials: true). Lists joined with "," are
// Portico's choice (README, Known differences).
func TestHTTPAPICORS(t *testing.T) {
	g := startAccess(t)
	url := g.run.URL + "/" + httpAccessID
	const origin = "http://localhost:5173"

	// The route table shows the preflights the gateway answers itself.
	if !regexp.MustCompile(`(?m)^  OPTIONS +\(no route\) +-> preflight 204 \(CORS: http://localhost:5173\)$`).MatchString(g.out.String()) {
		t.Errorf("route table has no preflight line:\n%s", g.out)
	}

	// [doc] "API Gateway automatically sends a response to preflight OPTIONS requests, even if
	// there isn't an OPTIONS route configured for your API": GET /jwt has a JWT authorizer, and
	// the preflight (which carries no token) does not meet it.
	pre := do(t, "OPTIONS", url+"/jwt", http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"authorization"}}, nil)
	want := map[string]string{
		"Access-Control-Allow-Origin": origin, "Vary": "origin", "Access-Control-Allow-Credentials": "true", // [401 capture]
		"Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Max-Age": "600", // [doc] table
	}
	checkHeaders(t, "preflight", pre, 204, want)
	if !regexp.MustCompile(`(?m)^OPTIONS /` + httpAccessID + `/jwt 204 \S+ preflight$`).MatchString(g.out.String()) {
		t.Errorf("request log has no preflight line:\n%s", g.out)
	}

	// The JWT authorizer's 401 carries the CORS headers: [401 capture].
	cors := map[string]string{"Access-Control-Allow-Origin": origin, "Vary": "origin", "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": "x-total"}
	denied := do(t, "GET", url+"/jwt", http.Header{"Origin": {origin}}, nil)
	checkHeaders(t, "authorizer denial", denied, 401, cors)

	// The integration's answer gets the configured headers, its own CORS headers ignored: [doc]
	// "For a CORS request, API Gateway adds the configured CORS headers to the response from an
	// integration." "If you configure CORS for an API, API Gateway ignores CORS headers returned
	// from your backend integration."
	own := base64.StdEncoding.EncodeToString([]byte(`{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*","Access-Control-Max-Age":"1"},"body":"ok"}`))
	ok := do(t, "GET", url+"/jwt", http.Header{"Origin": {origin}, "Authorization": {"Bearer " + g.accessToken(t, "orders/read")}, "X-Probe-Respond": {own}}, nil)
	checkHeaders(t, "integration answer", ok, 200, cors)
	if ok.header.Get("Access-Control-Max-Age") != "" {
		t.Errorf("the integration's Access-Control-Max-Age reached the client")
	}

	// No route: the gateway's 404 carries them too (a curl capture of
	// nckbku0m91.execute-api.eu-central-1.amazonaws.com: its 404 to GET /cars/0 from an Origin
	// carries Access-Control-Allow-Origin).
	checkHeaders(t, "404", do(t, "GET", url+"/nowhere", http.Header{"Origin": {origin}}, nil), 404, cors)
}

// checkHeaders checks r's status and the values of the headers in want.
func checkHeaders(t *testing.T, what string, r response, status int, want map[string]string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (%s)", what, r.status, status, r.body)
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

// TestExplainPreflight: explain says that the gateway answers a preflight no route takes itself.
func TestExplainPreflight(t *testing.T) {
	h := http.Header{"Origin": {"http://localhost:5173"}, "Access-Control-Request-Method": {"GET"}}
	ex, err := serve.Explain(serve.Config{AssemblyDir: accessFixture, CacheDir: cacheDir},
		serve.ExplainRequest{Method: "OPTIONS", Target: "/" + httpAccessID + "/jwt", Header: h})
	if err != nil {
		t.Fatal(err)
	}
	if got := ex.String(); !strings.Contains(got, "decision: 204, answered by API Gateway itself") {
		t.Errorf("explain of a preflight:\n%s\nwant the decision that API Gateway answers it", got)
	}
}
