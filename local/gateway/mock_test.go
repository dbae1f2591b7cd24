package gateway_test

import (
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
)

// withWebIntegration replaces the integration of the Web API's method at path.
func withWebIntegration(method, path string, in assembly.Integration) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) {
		for _, r := range a.RestAPIs {
			for _, m := range r.Methods {
				if r.ID == webID && m.HTTPMethod == method && m.Path == path {
					m.Integration = in
				}
			}
		}
	}
}

// corsHeaders are the integration response parameters aws-cdk-lib's Resource.addCorsPreflight
// writes (aws-apigateway/lib/resource.ts; the fixture's synthesized template), which the
// preflight answers with: "the OPTIONS method ... returns the required Access-Control-Allow-*
// headers" from a mock integration ("Enabling CORS for a REST API resource",
// how-to-cors.html).
var corsHeaders = map[string]string{
	"Access-Control-Allow-Headers": "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent",
	"Access-Control-Allow-Methods": "OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD",
	"Vary":                         "Origin",
}

// TestMockAnswers: MOCK methods answer without invoking anything, with the integration response
// their request template's statusCode selects ("Set up mock integrations in API Gateway",
// how-to-mock-integration.html: a request template {"statusCode": 200} returns the 200
// integration response; "The default integration response is the one with an undefined HTTP
// status regex"), its literal response parameters as headers and its static template as body.
func TestMockAnswers(t *testing.T) {
	status := func(req string, responses ...assembly.IntegrationResponse) func(*assembly.Assembly) {
		in := assembly.Integration{Type: "MOCK", Responses: responses}
		if req != "" {
			in.RequestTemplates = map[string]string{"application/json": req}
		}
		return withWebIntegration("GET", "/status", in)
	}
	up := assembly.IntegrationResponse{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"status":"up"}`}}
	down := assembly.IntegrationResponse{StatusCode: "500", SelectionPattern: `5\d{2}`, ResponseTemplates: map[string]string{"application/json": `{"status":"down"}`}}
	tests := []struct {
		name    string
		edit    func(*assembly.Assembly)
		method  string
		path    string
		origin  string
		status  int
		headers map[string]string
		body    string
	}{
		// CDK's preflight with one origin: { statusCode: 200 } selects the default response 204.
		{name: "CDK preflight, one origin", method: "OPTIONS", path: "/orders", origin: "https://elsewhere.example", status: 204,
			headers: merge(corsHeaders, map[string]string{"Access-Control-Allow-Origin": "https://app.example", "Content-Type": "application/json", "Access-Control-Allow-Credentials": ""})},
		// Several origins: CDK's template sends back the request's Origin when it is one of the
		// others, else the first origin stays.
		{name: "CDK preflight, listed origin", method: "OPTIONS", path: "/multi", origin: "https://c.example", status: 200,
			headers: merge(corsHeaders, map[string]string{"Access-Control-Allow-Origin": "https://c.example", "Access-Control-Allow-Credentials": "true", "Access-Control-Max-Age": "600"})},
		{name: "CDK preflight, first origin", method: "OPTIONS", path: "/multi", origin: "https://a.example", status: 200,
			headers: map[string]string{"Access-Control-Allow-Origin": "https://a.example"}},
		{name: "CDK preflight, other origin", method: "OPTIONS", path: "/multi", origin: "https://evil.example", status: 200,
			headers: map[string]string{"Access-Control-Allow-Origin": "https://a.example"}},
		{name: "static mock", method: "GET", path: "/status", status: 200,
			headers: map[string]string{"X-Mock": "static", "Content-Type": "application/json"}, body: `{"status":"up"}`},
		{name: "selection pattern", edit: status(`{"statusCode": 503}`, down, up), method: "GET", path: "/status", status: 500, body: `{"status":"down"}`},
		{name: "no request template: the default response", edit: status("", down, up), method: "GET", path: "/status", status: 200, body: `{"status":"up"}`},
		// No integration response for the status and no default: API_CONFIGURATION_ERROR,
		// "when integration response mapping can't match any template and no default template
		// is configured" (supported-gateway-response-types.html), answered 500.
		{name: "no integration response matches", edit: status(`{"statusCode": 200}`, down), method: "GET", path: "/status", status: 500,
			body: `{"message":"Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			var edits []func(*assembly.Assembly)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			gw := newGateway(t, rec, edits...)
			r := call(t, gw, tt.method, webURL(tt.path), http.Header{"Origin": {tt.origin}})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (body %s)", r.status, tt.status, r.body)
			}
			for name, want := range tt.headers {
				if got := r.header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if got := strings.TrimSpace(string(r.body)); got != tt.body {
				t.Errorf("body %q, want %q", got, tt.body)
			}
			if len(rec.calls) != 0 {
				t.Errorf("a MOCK method invoked %v", rec.calls)
			}
		})
	}
}

// TestMockRefused: MOCK methods that need more of VTL than a literal are refused by name.
func TestMockRefused(t *testing.T) {
	ok := assembly.IntegrationResponse{StatusCode: "200"}
	cdk := "#set($origin = $input.params().header.get(\"Origin\"))\n#if($origin == \"\")\n  #set($origin = $input.params().header.get(\"origin\"))\n#end\n" +
		"#if($origin == \"https://b.example\")\n  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end"
	tests := []struct {
		name string
		in   assembly.Integration
		want string
	}{
		{"VTL request template", assembly.Integration{RequestTemplates: map[string]string{"application/json": `{"statusCode": $input.params('code')}`}, Responses: []assembly.IntegrationResponse{ok}},
			`request template application/json "{\"statusCode\": $input.params('code')}": only a literal {"statusCode": N} is emulated`},
		{"templates disagree", assembly.Integration{RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`, "text/plain": `{"statusCode": 404}`}, Responses: []assembly.IntegrationResponse{ok}},
			`request templates give statusCode 200 and 404`},
		{"VTL response template", assembly.Integration{Responses: []assembly.IntegrationResponse{{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"id": "$context.requestId"}`}}}},
			`response template application/json "{\"id\": \"$context.requestId\"}" uses VTL: only static templates (and CDK's addCorsPreflight origin template) are emulated`},
		{"CDK origin template, changed", assembly.Integration{Responses: []assembly.IntegrationResponse{{StatusCode: "204", ResponseTemplates: map[string]string{"application/json": cdk + "\n"}}}},
			`uses VTL`},
		{"mapped response parameter", assembly.Integration{Responses: []assembly.IntegrationResponse{{StatusCode: "200", ResponseParameters: map[string]string{"method.response.header.X": "integration.response.header.Y"}}}},
			`response parameter method.response.header.X = "integration.response.header.Y": only method.response.header.{name} = 'literal' is emulated`},
		{"bad selection pattern", assembly.Integration{Responses: []assembly.IntegrationResponse{{StatusCode: "500", SelectionPattern: "5(\\d"}, ok}},
			`SelectionPattern "5(\\d" is not a regular expression`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Type = "MOCK"
			gw := newGateway(t, &recorder{}, withWebIntegration("GET", "/status", tt.in))
			r := call(t, gw, "GET", webURL("/status"), nil)
			if r.status != 501 || !strings.Contains(message(r.body), "(MOCK integration: ") || !strings.Contains(message(r.body), tt.want) {
				t.Errorf("got %d %s, want 501 naming %q", r.status, r.body, tt.want)
			}
		})
	}
	// The recogniser accepts CDK's template unchanged.
	gw := newGateway(t, &recorder{}, withWebIntegration("GET", "/status", assembly.Integration{Type: "MOCK",
		Responses: []assembly.IntegrationResponse{{StatusCode: "204", ResponseTemplates: map[string]string{"application/json": cdk}}}}))
	r := call(t, gw, "GET", webURL("/status"), http.Header{"Origin": {"https://b.example"}})
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://b.example" {
		t.Errorf("CDK's template: got %d %v", r.status, r.header)
	}
}

// merge is a copy of a with b's entries added.
func merge(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
