package gateway_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/assembly"
)

// hopByHop are request headers API Gateway passes to no integration: LocalStack's AWS-validated
// list (localstack/localstack localstack/services/apigateway/next_gen/execute_api/
// header_utils.py, DROPPED_FROM_REQUEST_COMMON); its capture on AWS
// (test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration) lacks the
// Connection the client sent and the Content-Length of its POST.
var hopByHop = []string{"Connection", "Content-Md5", "Expect", "Max-Forwards", "Proxy-Authenticate",
	"Server", "Te", "Trailer", "Upgrade", "Www-Authenticate"}

func withHopByHop(h http.Header) http.Header {
	for _, k := range hopByHop {
		h[k] = []string{"x"}
	}
	return h
}

// traceForm is X-Ray's trace id as API Gateway sends it (apigw-v2-request-no-authorizer.json:
// "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c").
var traceForm = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)

func withEndpointTypes(types ...string) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) { a.RestAPIs[0].EndpointTypes = types }
}

// TestRESTHeaders checks the headers of a REST event and answer on an EDGE API (the fixture's
// API has no EndpointConfiguration, which is EDGE) and on a REGIONAL one.
func TestRESTHeaders(t *testing.T) {
	for _, types := range [][]string{nil, {"REGIONAL"}} {
		edge := types == nil
		t.Run(map[bool]string{true: "EDGE", false: "REGIONAL"}[edge], func(t *testing.T) {
			h := withHopByHop(http.Header{"Host": {restID + ".execute-api.localhost:3000"}, "Content-Type": {"text/plain"}})
			rec := &recorder{payload: `{"statusCode":200}`}
			r := call(t, newGateway(t, rec, withEndpointTypes(types...)), "POST", "/prod/items/42/sub", h, []byte("hi")...)
			var ev events.APIGatewayProxyRequest
			rec.last(t, &ev)
			for _, k := range append(hopByHop, "Content-Length") {
				if _, ok := ev.MultiValueHeaders[k]; ok {
					t.Errorf("event has %s, which API Gateway drops", k)
				}
			}
			trace := ev.Headers["X-Amzn-Trace-Id"] // apigw-request-type capture and test_lambda_aws_proxy_integration: "X-Amzn-Trace-Id"
			// The CloudFront request headers of an EDGE API, named as test_lambda_aws_proxy_integration
			// (and apigw-request.json) name them; a REGIONAL API has none of them.
			cloudFront := map[string]string{
				"CloudFront-Forwarded-Proto":   "http",
				"CloudFront-Is-Desktop-Viewer": "true",
				"CloudFront-Is-Mobile-Viewer":  "false",
				"CloudFront-Is-SmartTV-Viewer": "false",
				"CloudFront-Is-Tablet-Viewer":  "false",
				"CloudFront-Viewer-ASN":        "0",  // chosen: AS 0, no AS (README Known differences)
				"CloudFront-Viewer-Country":    "ZZ", // chosen: unknown country (README Known differences)
			}
			for k, v := range cloudFront {
				if got, ok := ev.Headers[k]; ok != edge || (edge && got != v) {
					t.Errorf("%s = %q (present %v), want %q on EDGE only", k, got, ok, v)
				}
			}
			via := regexp.MustCompile(`^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$`) // apigw-request.json
			cfID := regexp.MustCompile(`^[A-Za-z0-9_-]{54}==$`)                              // apigw-request.json X-Amz-Cf-Id
			checkFields(t, []field{
				{"status", r.status, 200},
				{"X-Amzn-Trace-Id in the event", traceForm.MatchString(trace), true},
				{"X-Amzn-Trace-Id on the answer (header_utils.py set_default_response_headers)", r.header.Get("X-Amzn-Trace-Id"), trace},
				{"Content-Type passes", ev.Headers["Content-Type"], "text/plain"},
				{"event Via", via.MatchString(ev.Headers["Via"]), edge},
				{"event X-Amz-Cf-Id", cfID.MatchString(ev.Headers["X-Amz-Cf-Id"]), edge},
				{"answer Via is the request's", r.header.Get("Via") == ev.Headers["Via"], true},
				{"answer X-Amz-Cf-Id is the request's", r.header.Get("X-Amz-Cf-Id") == ev.Headers["X-Amz-Cf-Id"], true},
				{"answer X-Cache", r.header.Get("X-Cache"), map[bool]string{true: "Miss from cloudfront"}[edge]},
				{"answer X-Amz-Cf-Pop (chosen)", r.header.Get("X-Amz-Cf-Pop"), map[bool]string{true: "LOCAL-P1"}[edge]},
			})
		})
	}
}

// TestTraceIDKeepsCallersRoot: the caller's Root is kept; a malformed one is replaced.
func TestTraceIDKeepsCallersRoot(t *testing.T) {
	root := "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c" // apigw-v2-request-no-authorizer.json
	for caller, keep := range map[string]bool{root + ";Parent=53995c3f42cd8ad8;Sampled=1": true, "Root=nope": false} {
		var ev events.APIGatewayProxyRequest
		eventFor(t, "GET", "/"+restID+"/prod/items/42", http.Header{"X-Amzn-Trace-Id": {caller}}, &ev)
		got := ev.Headers["X-Amzn-Trace-Id"]
		if (got == root) != keep || !traceForm.MatchString(got) {
			t.Errorf("caller %q: trace id %q (keep %v)", caller, got, keep)
		}
	}
}

// TestGatewayErrorHeaders: API Gateway's own answers carry no trace id (header_utils.py: not
// on gateway responses) but, on an EDGE API, CloudFront's headers.
func TestGatewayErrorHeaders(t *testing.T) {
	r := call(t, newGateway(t, &recorder{}), "GET", "/"+restID+"/nostage/x", nil)
	checkFields(t, []field{
		{"status", r.status, 403},
		{"no X-Amzn-Trace-Id", r.header.Values("X-Amzn-Trace-Id"), []string(nil)},
		{"X-Cache", r.header.Get("X-Cache"), "Miss from cloudfront"},
	})
}

// TestHTTPHeaders checks HTTP API events: payload 2.0 lower-cases every name and carries
// x-amzn-trace-id and content-length (apigw-v2-request-no-authorizer.json: "0" for a GET
// without a body); payload 1.0 lower-cases the client's names but spells Authorization,
// User-Agent and the headers API Gateway adds in capitals (aws/aws-sam-cli issue #1860, the
// event of a deployed API: "x-test-camel-dashes", "Authorization", "User-Agent", "Host",
// "X-Amzn-Trace-Id", "X-Forwarded-For"). Neither gets hop-by-hop headers (chosen as on REST).
func TestHTTPHeaders(t *testing.T) {
	h := func() http.Header {
		return withHopByHop(http.Header{"Host": {httpID + ".execute-api.localhost:3000"}, "X-Test-Camel-Dashes": {"1"}, "Authorization": {"Bearer 7"}, "User-Agent": {"curl/7.58.0"}})
	}
	var v2 events.APIGatewayV2HTTPRequest
	eventFor(t, "GET", "/dev/items/7", h(), &v2)
	var v1 events.APIGatewayProxyRequest
	rec := &recorder{payload: `{"statusCode":200}`}
	r := call(t, newGateway(t, rec, withPayload10("GET /items/{id}")), "GET", "/dev/items/7", h())
	rec.last(t, &v1)
	for _, k := range hopByHop {
		if _, ok := v1.Headers[k]; ok {
			t.Errorf("payload 1.0 event has %s", k)
		}
	}
	checkFields(t, []field{
		{"2.0 x-amzn-trace-id", traceForm.MatchString(v2.Headers["x-amzn-trace-id"]), true},
		{"2.0 content-length", v2.Headers["content-length"], "0"},
		{"2.0 authorization", v2.Headers["authorization"], "Bearer 7"},
		{"2.0 no connection", v2.Headers["connection"], ""},
		{"2.0 no max-forwards", v2.Headers["max-forwards"], ""},
		{"1.0 status", r.status, 200},
		{"1.0 client name lower-cased", v1.Headers["x-test-camel-dashes"], "1"},
		{"1.0 Authorization", v1.Headers["Authorization"], "Bearer 7"},
		{"1.0 User-Agent", v1.Headers["User-Agent"], "curl/7.58.0"},
		{"1.0 Host", v1.Headers["Host"], httpID + ".execute-api.localhost:3000"},
		{"1.0 X-Amzn-Trace-Id", traceForm.MatchString(v1.Headers["X-Amzn-Trace-Id"]), true},
		{"1.0 X-Forwarded-For", v1.Headers["X-Forwarded-For"], "127.0.0.1"},
		{"HTTP answers carry no trace id (none captured)", r.header.Get("X-Amzn-Trace-Id"), ""},
		{"HTTP APIs are not behind CloudFront", r.header.Get("X-Cache"), ""},
	})
}
