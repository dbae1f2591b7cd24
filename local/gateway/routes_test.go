package gateway_test

import (
	"net/http"
	"testing"
)

// Functions of the fixture assembly (their logical IDs).
const (
	probe = "Probe0EC72DDE"
	short = "Short6AF32F3C"
)

// TestRouteMatching walks requests through address and route matching to the function they
// invoke. The fixture's REST API has GET /, GET /items, GET /items/special, GET /items/{id},
// ANY /items/{id}/{sub}, ANY and POST (Short) /things, ANY /{proxy+}, GET /alias (Probe at the
// alias named by stage variable "alias": live in prod, beta in beta), GET /secure (AWS_IAM,
// refused here); its HTTP API has GET /items/{id}, GET /items/special, GET /{proxy+},
// ANY /things, GET /slow (Short), GET /private (AWS_IAM, refused) and $default, in stages
// $default and dev.
//
// Precedence is API Gateway's: "the most specific match", a literal path before a {param}
// before a greedy {proxy+}, and a method route before ANY (HTTP API: "Routing API requests",
// http-api-develop-routes.html; REST: api-gateway-method-settings-method-request.html,
// "Set up a proxy resource"). A REST resource without the method, an unknown REST stage or
// path answers 403 {"message":"Missing Authentication Token"} and an HTTP API without a
// matching route 404 {"message":"Not Found"} (APIGW-FACTS.md, "Proxy integration payloads").
func TestRouteMatching(t *testing.T) {
	const rest, http2 = "/" + restID, "/" + httpID
	restHost := http.Header{"Host": {restID + ".execute-api.localhost:3000"}}
	httpHost := http.Header{"Host": {httpID + ".execute-api.localhost:3000"}}
	tests := []routeCase{
		// REST: literal > {param} > {proxy+}; method > ANY.
		{name: "REST root", method: "GET", target: rest + "/prod/", route: "/", stage: "prod", function: probe},
		{name: "REST stage root without slash", method: "GET", target: rest + "/prod", route: "/", stage: "prod", function: probe},
		{name: "REST literal", method: "GET", target: rest + "/prod/items", route: "/items", stage: "prod", function: probe},
		{name: "REST literal beats param", method: "GET", target: rest + "/prod/items/special", route: "/items/special", stage: "prod", function: probe},
		{name: "REST param", method: "GET", target: rest + "/prod/items/42", route: "/items/{id}", params: map[string]string{"id": "42"}, stage: "prod", function: probe},
		{name: "REST nested params on ANY", method: "DELETE", target: rest + "/prod/items/42/x", route: "/items/{id}/{sub}", params: map[string]string{"id": "42", "sub": "x"}, stage: "prod", function: probe},
		{name: "REST greedy proxy last", method: "GET", target: rest + "/prod/a/b/c", route: "/{proxy+}", params: map[string]string{"proxy": "a/b/c"}, stage: "prod", function: probe},
		{name: "REST greedy below a literal", method: "GET", target: rest + "/prod/items/1/2/3", route: "/{proxy+}", params: map[string]string{"proxy": "items/1/2/3"}, stage: "prod", function: probe},
		{name: "REST method beats ANY", method: "POST", target: rest + "/prod/things", route: "/things", stage: "prod", function: short},
		{name: "REST ANY takes other methods", method: "PATCH", target: rest + "/prod/things", route: "/things", stage: "prod", function: probe},
		{name: "REST other stage", method: "GET", target: rest + "/beta/items/1", route: "/items/{id}", params: map[string]string{"id": "1"}, stage: "beta", function: probe},
		// REST picks the resource first: its missing method is not served by /{proxy+}.
		{name: "REST resource without the method", method: "PUT", target: rest + "/prod/items/special", status: 403, message: "Missing Authentication Token"},
		{name: "REST param resource without the method", method: "POST", target: rest + "/prod/items/42", status: 403, message: "Missing Authentication Token"},
		{name: "REST unknown stage", method: "GET", target: rest + "/nostage/items", status: 403, message: "Missing Authentication Token"},
		// A stage variable in the integration URI picks the alias per stage.
		{name: "REST stage variable alias prod", method: "GET", target: rest + "/prod/alias", route: "/alias", stage: "prod", function: probe, qualifier: "live"},
		{name: "REST stage variable alias beta", method: "GET", target: rest + "/beta/alias", route: "/alias", stage: "beta", function: probe, qualifier: "beta"},
		// Addressing: Host {apiId}.execute-api.localhost, or header x-apigw-api-id (a private
		// API called at its VPC endpoint's DNS name, APIGW-FACTS.md "Resource policies").
		{name: "REST by Host header", method: "GET", target: "/prod/items/5", header: restHost, route: "/items/{id}", params: map[string]string{"id": "5"}, stage: "prod", function: probe},
		{name: "REST by x-apigw-api-id", method: "GET", target: "/prod/items/5", header: http.Header{"X-Apigw-Api-Id": {restID}}, route: "/items/{id}", params: map[string]string{"id": "5"}, stage: "prod", function: probe},
		// No such API here: Portico's own 404 (in the cloud the host would not resolve).
		{name: "unknown API", method: "GET", target: "/nosuchapi0/prod/items", status: 404},
		{name: "unknown API by Host", method: "GET", target: "/prod/items", header: http.Header{"Host": {"nosuchapi0.execute-api.localhost"}}, status: 404},

		// HTTP API: only routes of the method (or ANY) are candidates, then $default.
		{name: "HTTP literal beats param", method: "GET", target: http2 + "/items/special", route: "GET /items/special", stage: "$default", function: probe},
		{name: "HTTP param", method: "GET", target: http2 + "/items/7", route: "GET /items/{id}", params: map[string]string{"id": "7"}, stage: "$default", function: probe},
		{name: "HTTP greedy", method: "GET", target: http2 + "/x/y", route: "GET /{proxy+}", params: map[string]string{"proxy": "x/y"}, stage: "$default", function: probe},
		{name: "HTTP ANY", method: "DELETE", target: http2 + "/things", route: "ANY /things", stage: "$default", function: probe},
		{name: "HTTP method filters routes", method: "POST", target: http2 + "/items/7", route: "$default", stage: "$default", function: probe},
		{name: "HTTP $default when nothing matches", method: "PUT", target: http2 + "/nothing/here", route: "$default", stage: "$default", function: probe},
		{name: "HTTP other function", method: "GET", target: http2 + "/slow", route: "GET /slow", stage: "$default", function: short},
		{name: "HTTP named stage", method: "GET", target: http2 + "/dev/items/9", route: "GET /items/{id}", params: map[string]string{"id": "9"}, stage: "dev", function: probe},
		{name: "HTTP named stage $default route", method: "POST", target: http2 + "/dev/x", route: "$default", stage: "dev", function: probe},
		{name: "HTTP by Host header, $default stage", method: "GET", target: "/items/3", header: httpHost, route: "GET /items/{id}", params: map[string]string{"id": "3"}, stage: "$default", function: probe},
		{name: "HTTP by Host header, named stage", method: "GET", target: "/dev/items/3", header: httpHost, route: "GET /items/{id}", params: map[string]string{"id": "3"}, stage: "dev", function: probe},

		// Path cleaning: dot segments, doubled slashes and escapes are resolved before
		// matching, so no spelling reaches a route the clean path would not. /secure and
		// /private are refused (501) and must not fall through to /{proxy+} or $default.
		{name: "REST refused route", method: "GET", target: rest + "/prod/secure", status: 501},
		{name: "REST trailing slash", method: "GET", target: rest + "/prod/secure/", status: 501},
		{name: "REST doubled slash", method: "GET", target: rest + "/prod//secure", status: 501},
		{name: "REST escaped letter", method: "GET", target: rest + "/prod/%73ecure", status: 501},
		{name: "REST dot segment", method: "GET", target: rest + "/prod/./secure", status: 501},
		{name: "REST dot-dot segment", method: "GET", target: rest + "/prod/items/../secure", status: 501},
		{name: "REST encoded slashes and dot-dot", method: "GET", target: rest + "/prod/items%2F..%2Fsecure", status: 501},
		{name: "REST dot-dot above the stage root", method: "GET", target: rest + "/prod/../../secure", status: 501},
		{name: "REST encoded slash is a separator", method: "GET", target: rest + "/prod/items%2Fspecial", route: "/items/special", stage: "prod", function: probe},
		{name: "HTTP refused route", method: "GET", target: http2 + "/private", status: 501},
		{name: "HTTP dot-dot segment", method: "GET", target: http2 + "/items/../private", status: 501},
		{name: "HTTP encoded dot-dot", method: "GET", target: http2 + "/items/%2E%2E/private", status: 501},
		{name: "HTTP named stage dot-dot", method: "GET", target: http2 + "/dev/items/../private", status: 501},
	}
	rec := &recorder{payload: `{"statusCode":200,"body":"ok"}`}
	runRoutes(t, newGateway(t, rec), rec, tests)
}

// TestRouteMatchingEditedFixture adds what the fixture lacks: a greedy route beside a {param}
// one (REST ANY /items/{rest+}, HTTP GET /items/{rest+}), and an HTTP API without a $default
// stage, whose unknown stages answer 404 {"message":"Not Found"} (APIGW-FACTS.md).
func TestRouteMatchingEditedFixture(t *testing.T) {
	const rest, http2 = "/" + restID, "/" + httpID
	tests := []routeCase{
		{name: "REST param beats greedy", method: "GET", target: rest + "/prod/items/7", route: "/items/{id}", params: map[string]string{"id": "7"}, stage: "prod", function: probe},
		{name: "REST params beat greedy", method: "GET", target: rest + "/prod/items/7/8", route: "/items/{id}/{sub}", params: map[string]string{"id": "7", "sub": "8"}, stage: "prod", function: probe},
		{name: "REST deeper greedy beats root greedy", method: "GET", target: rest + "/prod/items/7/8/9", route: "/items/{rest+}", params: map[string]string{"rest": "7/8/9"}, stage: "prod", function: probe},
		{name: "REST resource first, even with a greedy ANY", method: "POST", target: rest + "/prod/items/7", status: 403, message: "Missing Authentication Token"},
		{name: "HTTP param beats greedy", method: "GET", target: http2 + "/dev/items/7", route: "GET /items/{id}", params: map[string]string{"id": "7"}, stage: "dev", function: probe},
		{name: "HTTP greedy", method: "GET", target: http2 + "/dev/items/7/8", route: "GET /items/{rest+}", params: map[string]string{"rest": "7/8"}, stage: "dev", function: probe},
		{name: "HTTP method filters routes", method: "POST", target: http2 + "/dev/items/7", route: "$default", stage: "dev", function: probe},
		{name: "HTTP unknown stage without $default stage", method: "GET", target: http2 + "/items/7", status: 404, message: "Not Found"},
	}
	rec := &recorder{payload: `{"statusCode":200,"body":"ok"}`}
	runRoutes(t, newGateway(t, rec, withGreedyItems, withoutStage(httpID, "$default")), rec, tests)
}

// routeCase is a request and the route, stage and function it reaches.
type routeCase struct {
	name, method, target string
	header               http.Header
	status               int    // 0: 200, the function answered
	message              string // the error body's message when status is not 200
	route                string // REST resource or HTTP routeKey of the event
	params               map[string]string
	stage                string
	function, qualifier  string
}

func runRoutes(t *testing.T, srv http.Handler, rec *recorder, tests []routeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.calls = nil
			r := call(t, srv, tt.method, tt.target, tt.header)
			want := tt.status
			if want == 0 {
				want = http.StatusOK
			}
			if r.status != want {
				t.Fatalf("got %d %s, want %d", r.status, r.body, want)
			}
			if want != http.StatusOK {
				if len(rec.calls) != 0 {
					t.Errorf("the function was invoked (%s)", rec.calls[0].Function)
				}
				if tt.message != "" && message(r.body) != tt.message {
					t.Errorf("body %s, want message %q", r.body, tt.message)
				}
				if want == http.StatusForbidden {
					// The error type REST APIs send with a missing route (Gateway responses,
					// MISSING_AUTHENTICATION_TOKEN; knowledge-center api-gateway-authentication-token-errors).
					if got := r.header.Get("X-Amzn-Errortype"); got != "MissingAuthenticationTokenException" {
						t.Errorf("x-amzn-ErrorType %q, want MissingAuthenticationTokenException", got)
					}
				}
				return
			}
			var ev struct {
				Resource, RouteKey string
				PathParameters     map[string]string
				RequestContext     struct{ Stage string }
			}
			c := rec.last(t, &ev)
			route := ev.Resource
			if route == "" {
				route = ev.RouteKey
			}
			checkFields(t, []field{
				{"route", route, tt.route},
				{"pathParameters", ev.PathParameters, tt.params},
				{"stage", ev.RequestContext.Stage, tt.stage},
				{"function", c.Function, tt.function},
				{"qualifier", c.Qualifier, tt.qualifier},
			})
		})
	}
}
