package serve_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestPreflightAndGatewayResponses serves the fixture's Web API (fixtureapp's web), synthesized
// by CDK: its preflight OPTIONS methods (Resource.addCorsPreflight, MOCK integrations) answer
// without a function, and the gateway's own refusals are shaped by its gateway responses.
//
// Sources: the integration responses CDK wrote into the template (aws-cdk-lib
// aws-apigateway/lib/resource.ts, addCorsPreflight: status 204 by default, the statusCode
// option otherwise; Access-Control-Allow-* and Vary headers as literals); "Set up mock
// integrations in API Gateway" (how-to-mock-integration.html); "Gateway response types for API
// Gateway" (supported-gateway-response-types.html: MISSING_AUTHENTICATION_TOKEN 403 "including
// the cases when the client attempts to invoke an unsupported API method or resource",
// INVALID_API_KEY 403, falling back to DEFAULT_4XX) and "Gateway responses in API Gateway"
// (api-gateway-gatewayResponse-definition.html: status, headers by parameter mappings, a body
// by a non-VTL template with $context and $stageVariables).
func TestPreflightAndGatewayResponses(t *testing.T) {
	url := func(path string) string { return base + "/" + webID + "/prod" + path }
	t.Run("preflight", func(t *testing.T) {
		r := do(t, "OPTIONS", url("/orders"), http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"GET"}}, nil)
		want := map[string]string{
			"Access-Control-Allow-Origin":  "https://app.example",
			"Access-Control-Allow-Methods": "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD",
			"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent",
			"Vary":                         "Origin",
		}
		if r.status != 204 || len(r.body) != 0 {
			t.Errorf("got %d %q, want 204 and no body", r.status, r.body)
		}
		for name, v := range want {
			if got := r.header.Get(name); got != v {
				t.Errorf("%s = %q, want %q", name, got, v)
			}
		}
		if r.header.Get("X-Amzn-Requestid") == "" {
			t.Error("no x-amzn-RequestId")
		}
		// Several origins with credentials: the request's origin when listed (CDK's template).
		r = do(t, "OPTIONS", url("/multi"), http.Header{"Origin": {"https://b.example"}}, nil)
		if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://b.example" || r.header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("multi: got %d %v", r.status, r.header)
		}
	})
	t.Run("log and route table", func(t *testing.T) {
		do(t, "OPTIONS", url("/orders"), nil, nil)
		if !regexp.MustCompile(`(?m)^OPTIONS /` + webID + `/prod/orders 204 \S+ - preflight$`).MatchString(logs.String()) {
			t.Errorf("request log lacks the preflight line:\n%s", logs.String())
		}
		if !regexp.MustCompile(`(?m)^  OPTIONS /orders +-> MOCK 204 \(preflight\)  \[auth: none\]$`).MatchString(logs.String()) {
			t.Errorf("route table lacks the preflight:\n%s", logs.String())
		}
	})
	t.Run("DEFAULT_4XX", func(t *testing.T) {
		r := do(t, "GET", url("/nothing"), http.Header{"X-Probe": {"p-1"}}, nil)
		want := `{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","requestId":"` + r.header.Get("X-Amzn-Requestid") + `","stage":"prod","color":"teal"}`
		if r.status != 403 || string(r.body) != want {
			t.Errorf("got %d %s, want 403 %s", r.status, r.body, want)
		}
		if r.header.Get("Access-Control-Allow-Origin") != "https://app.example" || r.header.Get("X-Echo-Probe") != "p-1" {
			t.Errorf("headers %v lack the gateway response's", r.header)
		}
	})
	t.Run("INVALID_API_KEY", func(t *testing.T) {
		r := do(t, "GET", url("/orders"), nil, nil)
		if r.status != 401 || r.header.Get("Www-Authenticate") != "ApiKey" || strings.TrimSpace(string(r.body)) != `{"message":"Forbidden"}` {
			t.Errorf("got %d %v %s, want 401 WWW-Authenticate: ApiKey {\"message\":\"Forbidden\"}", r.status, r.header, r.body)
		}
	})
	t.Run("static MOCK", func(t *testing.T) {
		r := do(t, "GET", url("/status"), nil, nil)
		if r.status != 200 || r.header.Get("X-Mock") != "static" || string(r.body) != `{"status":"up"}` {
			t.Errorf("got %d %v %s", r.status, r.header, r.body)
		}
	})
}
