package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
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
// "Set up a proxy resource"). A REST request no method takes, an unknown REST stage or path
// answers 403 {"message":"Missing Authentication Token"} and an HTTP API without a matching
// route 404 {"message":"Not Found"} (APIGW-FACTS.md, "Proxy integration payloads").
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
		// A REST resource without the method is passed over for a less specific one with it, as
		// on HTTP APIs: LocalStack's AWS-validated test_apigateway_common.py::TestProxyRouting::
		// test_proxy_routing_with_hardcoded_resource_sibling (OPTIONS /test, a resource with POST
		// only, reaches OPTIONS /{proxy+}).
		{name: "REST resource without the method", method: "PUT", target: rest + "/prod/items/special", route: "/{proxy+}", params: map[string]string{"proxy": "items/special"}, stage: "prod", function: probe},
		{name: "REST param resource without the method", method: "POST", target: rest + "/prod/items/42", route: "/{proxy+}", params: map[string]string{"proxy": "items/42"}, stage: "prod", function: probe},
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

		// Other spellings of a path reach the route its plain spelling reaches, never a less
		// specific one: /secure and /private are refused (501) and stand for a protected route
		// that must not fall through to /{proxy+} or $default. Empty segments (doubled,
		// leading, trailing slashes) are skipped in matching, as /stage//proxy-value and
		// //stage/proxy-value reach /{proxy+} with proxy "proxy-value" in the cloud (LocalStack's
		// AWS-validated test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration,
		// "invocation-payload-with-prepended-slash", "-with-prepended-slash-to-stage").
		{name: "REST refused route", method: "GET", target: rest + "/prod/secure", status: 501},
		{name: "REST trailing slash", method: "GET", target: rest + "/prod/secure/", status: 501},
		{name: "REST doubled slash", method: "GET", target: rest + "/prod//secure", status: 501},
		{name: "REST doubled slash before the stage", method: "GET", target: "//prod/secure", header: restHost, status: 501},
		{name: "REST doubled slash inside", method: "GET", target: rest + "/prod/items//special", route: "/items/special", stage: "prod", function: probe},
		// Escapes are decoded to compare segments with the route's (no capture: chosen so that
		// an escaped spelling reaches the same route).
		{name: "REST escaped letter", method: "GET", target: rest + "/prod/%73ecure", status: 501},
		// An encoded slash separates segments as "/" does (no capture: today's behaviour kept).
		{name: "REST encoded slash is a separator", method: "GET", target: rest + "/prod/items%2Fspecial", route: "/items/special", stage: "prod", function: probe},
		{name: "REST encoded trailing slash", method: "GET", target: rest + "/prod/secure%2F", status: 501},
		// Dot segments, plain or escaped, are refused with the API's no-route answer (no capture
		// of the cloud's handling; refusing reaches no route at all).
		{name: "REST dot segment", method: "GET", target: rest + "/prod/./secure", status: 403, message: "Missing Authentication Token"},
		{name: "REST dot-dot segment", method: "GET", target: rest + "/prod/items/../secure", status: 403, message: "Missing Authentication Token"},
		{name: "REST escaped dot-dot", method: "GET", target: rest + "/prod/items/%2e%2E/secure", status: 403, message: "Missing Authentication Token"},
		{name: "REST encoded slashes and dot-dot", method: "GET", target: rest + "/prod/items%2F..%2Fsecure", status: 403, message: "Missing Authentication Token"},
		{name: "REST dot-dot above the stage root", method: "GET", target: rest + "/prod/../../secure", status: 403, message: "Missing Authentication Token"},
		{name: "REST dot-dot into another stage", method: "GET", target: rest + "/beta/../prod/secure", status: 403, message: "Missing Authentication Token"},
		{name: "HTTP refused route", method: "GET", target: http2 + "/private", status: 501},
		{name: "HTTP trailing slash", method: "GET", target: http2 + "/private/", status: 501},
		{name: "HTTP doubled slash", method: "GET", target: http2 + "//private", status: 501},
		{name: "HTTP named stage doubled slash", method: "GET", target: http2 + "/dev//private", status: 501},
		{name: "HTTP escaped letter", method: "GET", target: http2 + "/%70rivate", status: 501},
		{name: "HTTP dot-dot segment", method: "GET", target: http2 + "/items/../private", status: 404, message: "Not Found"},
		{name: "HTTP encoded dot-dot", method: "GET", target: http2 + "/items/%2E%2E/private", status: 404, message: "Not Found"},
		{name: "HTTP encoded slash and dot-dot", method: "GET", target: http2 + "/items%2f..%2fprivate", status: 404, message: "Not Found"},
		{name: "HTTP named stage dot-dot", method: "GET", target: http2 + "/dev/items/../private", status: 404, message: "Not Found"},
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
		{name: "REST method missing on {param} falls to the greedy sibling", method: "POST", target: rest + "/prod/items/7", route: "/items/{rest+}", params: map[string]string{"rest": "7"}, stage: "prod", function: probe},
		{name: "HTTP param beats greedy", method: "GET", target: http2 + "/dev/items/7", route: "GET /items/{id}", params: map[string]string{"id": "7"}, stage: "dev", function: probe},
		{name: "HTTP greedy", method: "GET", target: http2 + "/dev/items/7/8", route: "GET /items/{rest+}", params: map[string]string{"rest": "7/8"}, stage: "dev", function: probe},
		{name: "HTTP method filters routes", method: "POST", target: http2 + "/dev/items/7", route: "$default", stage: "dev", function: probe},
		{name: "HTTP unknown stage without $default stage", method: "GET", target: http2 + "/items/7", status: 404, message: "Not Found"},
	}
	rec := &recorder{payload: `{"statusCode":200,"body":"ok"}`}
	runRoutes(t, newGateway(t, rec, withGreedyItems, withoutStage(httpID, "$default")), rec, tests)
}

// TestRouteMatchingWithoutGreedy: without a route of the method anywhere on the path, a REST
// resource without the method answers 403 {"message":"Missing Authentication Token"}
// (APIGW-FACTS.md, "Proxy integration payloads").
func TestRouteMatchingWithoutGreedy(t *testing.T) {
	tests := []routeCase{
		{name: "REST resource without the method", method: "PUT", target: "/" + restID + "/prod/items/special", status: 403, message: "Missing Authentication Token"},
		{name: "REST path without a resource", method: "GET", target: "/" + restID + "/prod/nothing/here", status: 403, message: "Missing Authentication Token"},
	}
	rec := &recorder{payload: `{"statusCode":200,"body":"ok"}`}
	runRoutes(t, newGateway(t, rec, withoutRESTRoute("/{proxy+}")), rec, tests)
}

// TestPathValues checks the path values of the events against the cloud's: REST `path`,
// requestContext.path and pathParameters as received (LocalStack's AWS-validated
// tests/aws/services/apigateway/test_apigateway_lambda.snapshot.json,
// test_lambda_aws_proxy_integration, recorded 02-08-2024 on an API with ANY /{proxy+} and stage
// "stage", here "prod"; each row names its snapshot key), HTTP rawPath as received and
// pathParameters decoded ("API Gateway decodes URL-encoded request parameters before passing
// them to your backend integration", http-api-develop-routes.html).
func TestPathValues(t *testing.T) {
	const rest, http2 = "/" + restID, "/" + httpID
	restHost := http.Header{"Host": {restID + ".execute-api.localhost:3000"}}
	tests := []routeCase{
		// "invocation-payload-without-trailing-slash"
		{name: "REST plain", method: "GET", target: rest + "/prod/proxy-value", route: "/{proxy+}", params: map[string]string{"proxy": "proxy-value"},
			path: "/proxy-value", stagePath: "/prod/proxy-value", stage: "prod", function: probe},
		// "invocation-payload-with-trailing-slash"
		{name: "REST trailing slash", method: "GET", target: rest + "/prod/proxy-value/", route: "/{proxy+}", params: map[string]string{"proxy": "proxy-value"},
			path: "/proxy-value/", stagePath: "/prod/proxy-value/", stage: "prod", function: probe},
		// "invocation-payload-with-double-slash"
		{name: "REST double slash", method: "GET", target: rest + "/prod/proxy-value//double-slash", route: "/{proxy+}", params: map[string]string{"proxy": "proxy-value//double-slash"},
			path: "/proxy-value//double-slash", stagePath: "/prod/proxy-value//double-slash", stage: "prod", function: probe},
		// "invocation-payload-with-prepended-slash-to-stage"
		{name: "REST slash before the stage", method: "GET", target: "//prod/proxy-value", header: restHost, route: "/{proxy+}", params: map[string]string{"proxy": "proxy-value"},
			path: "/proxy-value", stagePath: "/prod/proxy-value", stage: "prod", function: probe},
		// "invocation-payload-with-prepended-slash"
		{name: "REST slash after the stage", method: "GET", target: rest + "/prod//proxy-value", route: "/{proxy+}", params: map[string]string{"proxy": "proxy-value"},
			path: "/proxy-value", stagePath: "/prod//proxy-value", stage: "prod", function: probe},
		// "invocation-payload-with-path-encoded-email"
		{name: "REST percent-encoding kept", method: "GET", target: rest + "/prod/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com", route: "/{proxy+}",
			params: map[string]string{"proxy": "proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"},
			path:   "/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com", stagePath: "/prod/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com", stage: "prod", function: probe},
		// The same rules on a {param} and a literal (no capture of these; chosen to follow the
		// greedy captures above).
		{name: "REST {param} keeps percent-encoding", method: "GET", target: rest + "/prod/items/a%2Bb", route: "/items/{id}", params: map[string]string{"id": "a%2Bb"},
			path: "/items/a%2Bb", stagePath: "/prod/items/a%2Bb", stage: "prod", function: probe},
		{name: "REST {param} trailing slash", method: "GET", target: rest + "/prod/items/42/", route: "/items/{id}", params: map[string]string{"id": "42"},
			path: "/items/42/", stagePath: "/prod/items/42/", stage: "prod", function: probe},
		{name: "REST literal trailing slash", method: "GET", target: rest + "/prod/items/", route: "/items",
			path: "/items/", stagePath: "/prod/items/", stage: "prod", function: probe},
		{name: "REST greedy keeps an encoded slash", method: "GET", target: rest + "/prod/a%2Fb/c", route: "/{proxy+}", params: map[string]string{"proxy": "a%2Fb/c"},
			path: "/a%2Fb/c", stagePath: "/prod/a%2Fb/c", stage: "prod", function: probe},
		// HTTP API, payload 2.0: rawPath and requestContext.http.path as received, with the stage.
		{name: "HTTP {param} decoded", method: "GET", target: http2 + "/dev/items/a%2Bb", route: "GET /items/{id}", params: map[string]string{"id": "a+b"},
			stagePath: "/dev/items/a%2Bb", stage: "dev", function: probe},
		{name: "HTTP greedy decoded", method: "GET", target: http2 + "/x/a%20b/", route: "GET /{proxy+}", params: map[string]string{"proxy": "x/a b"},
			stagePath: "/x/a%20b/", stage: "$default", function: probe},
		{name: "HTTP doubled slash", method: "GET", target: http2 + "/dev//items/7", route: "GET /items/{id}", params: map[string]string{"id": "7"},
			stagePath: "/dev//items/7", stage: "dev", function: probe},
	}
	rec := &recorder{payload: `{"statusCode":200,"body":"ok"}`}
	runRoutes(t, newGateway(t, rec), rec, tests)
}

// routeCase is a request and the route, stage and function it reaches.
type routeCase struct {
	name, method, target string
	header               http.Header
	status               int    // 0: 200, the function answered
	message              string // the error body's message when status is not 200
	route                string // REST resource or HTTP routeKey of the event
	params               map[string]string
	path                 string // REST `path` ("": not checked)
	stagePath            string // REST requestContext.path, HTTP rawPath and requestContext.http.path ("": not checked)
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
				Resource, RouteKey, Path, RawPath string
				PathParameters                    map[string]string
				RequestContext                    struct {
					Stage, Path string
					HTTP        struct{ Path string }
				}
			}
			c := rec.last(t, &ev)
			route, stagePaths := ev.Resource, []string{ev.RequestContext.Path}
			if route == "" {
				route, stagePaths = ev.RouteKey, []string{ev.RawPath, ev.RequestContext.HTTP.Path}
			}
			checkFields(t, []field{
				{"route", route, tt.route},
				{"pathParameters", ev.PathParameters, tt.params},
				{"stage", ev.RequestContext.Stage, tt.stage},
				{"function", c.Function, tt.function},
				{"qualifier", c.Qualifier, tt.qualifier},
			})
			if tt.path != "" {
				checkFields(t, []field{{"path", ev.Path, tt.path}})
			}
			if tt.stagePath != "" {
				for _, got := range stagePaths {
					checkFields(t, []field{{"path with the stage", got, tt.stagePath}})
				}
			}
		})
	}
}

// TestAccessPath checks what access control gets: the decoded path with one slash between
// segments, whatever the spelling, so that the method ARN of every spelling of a path is the
// plain one a resource policy or authorizer policy names (for a plain path the ARN's path is
// the request's: aws-lambda-go events/testdata/apigw-custom-auth-request-type-request.json,
// path "/request", methodArn ".../test/GET/request"; other spellings are not captured), and
// the path parameters the event carries.
func TestAccessPath(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var got *check.Request
	guard := accessFunc(func(access.Target) (access.Guard, error) {
		return func(_ context.Context, r *check.Request) (*access.Grant, error) {
			got = r
			return nil, nil
		}, nil
	})
	srv := gateway.New(asm, staticInvoker{`{"statusCode":200}`}, gateway.Options{Access: guard})
	const arn = "arn:aws:execute-api:us-east-1:123456789012:" + restID + "/prod/GET/"
	tests := []struct {
		target, path string
		params       map[string]string
	}{
		{"/prod/items/7", "/items/7", map[string]string{"id": "7"}},
		{"/prod/items/7/", "/items/7", map[string]string{"id": "7"}},
		{"/prod//items//7", "/items/7", map[string]string{"id": "7"}},
		{"/prod/%69tems/a%2Bb", "/items/a+b", map[string]string{"id": "a%2Bb"}},
		{"/prod/items%2Fspecial", "/items/special", nil},
		{"/prod/", "/", nil},
	}
	for _, tt := range tests {
		got = nil
		if r := call(t, srv, "GET", "/"+restID+tt.target, nil); r.status != 200 || got == nil {
			t.Errorf("%s: got %d %s without an access check, want 200 after one", tt.target, r.status, r.body)
			continue
		}
		checkFields(t, []field{
			{tt.target + " path", got.Path, tt.path},
			{tt.target + " method ARN", got.MethodARN(), arn + strings.TrimPrefix(tt.path, "/")},
			{tt.target + " path parameters", got.PathParams, tt.params},
		})
	}
}
