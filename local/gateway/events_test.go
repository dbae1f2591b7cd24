package gateway_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/gateway"
	"github.com/portico-dev/portico/local/internal/eventkeys"
)

// eventFor serves one request, with a repeated X-Multi header and a User-Agent added to h,
// and decodes the event the function received into ev.
func eventFor(t *testing.T, method, target string, h http.Header, ev any, body ...byte) response {
	t.Helper()
	h.Set("User-Agent", "portico-test")
	h["X-Multi"] = []string{"a", "b"}
	rec := &recorder{payload: `{"statusCode":200}`}
	r := call(t, newGateway(t, rec), method, target, h, body...)
	rec.last(t, ev)
	return r
}

// TestEventV1 checks the payload 1.0 event a REST API sends ("Input format of a Lambda
// function for proxy integration", set-up-lambda-proxy-integrations.html): headers and query
// strings keep their last value, multiValue* keep all; API Gateway adds Host and
// X-Forwarded-For/-Proto/-Port; requestContext.path carries the stage, resourcePath the
// resource; domainName is the host the client called and domainPrefix its first label (the API
// id for {apiId}.execute-api.{region}.amazonaws.com).
func TestEventV1(t *testing.T) {
	h := http.Header{"Host": {restID + ".execute-api.localhost:3000"}, "Content-Type": {"application/json"}}
	var ev events.APIGatewayProxyRequest
	before := time.Now().UnixMilli()
	r := eventFor(t, "POST", "/prod/items/42/sub?a=1&a=2&b=3", h, &ev, []byte(`{"k":"v"}`)...)
	after := time.Now().UnixMilli()
	rc := ev.RequestContext
	checkFields(t, []field{
		{"status", r.status, 200},
		{"resource", ev.Resource, "/items/{id}/{sub}"},
		{"path", ev.Path, "/items/42/sub"},
		{"httpMethod", ev.HTTPMethod, "POST"},
		{"header, last value", ev.Headers["X-Multi"], "b"},
		{"multiValueHeaders", ev.MultiValueHeaders["X-Multi"], []string{"a", "b"}},
		{"Host", ev.Headers["Host"], restID + ".execute-api.localhost:3000"},
		{"X-Forwarded-For", ev.MultiValueHeaders["X-Forwarded-For"], []string{"127.0.0.1"}},
		{"X-Forwarded-Proto (the scheme the client used)", ev.Headers["X-Forwarded-Proto"], "http"},
		{"X-Forwarded-Port", ev.Headers["X-Forwarded-Port"], "3000"},
		{"query, last value", ev.QueryStringParameters["a"], "2"},
		{"multiValueQueryStringParameters", ev.MultiValueQueryStringParameters["a"], []string{"1", "2"}},
		{"single query", ev.MultiValueQueryStringParameters["b"], []string{"3"}},
		{"pathParameters", ev.PathParameters, map[string]string{"id": "42", "sub": "sub"}},
		{"stageVariables", ev.StageVariables, map[string]string{"alias": "live", "color": "blue"}},
		{"body", ev.Body, `{"k":"v"}`},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"requestContext.stage", rc.Stage, "prod"},
		{"requestContext.resourcePath", rc.ResourcePath, "/items/{id}/{sub}"},
		{"requestContext.path (with the stage)", rc.Path, "/prod/items/42/sub"},
		{"requestContext.httpMethod", rc.HTTPMethod, "POST"},
		{"requestContext.identity.sourceIp", rc.Identity.SourceIP, "127.0.0.1"},
		{"requestContext.identity.userAgent", rc.Identity.UserAgent, "portico-test"},
		{"requestContext.apiId", rc.APIID, restID},
		{"requestContext.domainName", rc.DomainName, restID + ".execute-api.localhost"},
		{"requestContext.domainPrefix", rc.DomainPrefix, restID},
		{"requestContext.protocol", rc.Protocol, "HTTP/1.1"},
		{"requestContext.requestId is the response's x-amzn-RequestId", rc.RequestID, r.header.Get("X-Amzn-Requestid")},
		{"requestContext.requestTimeEpoch is now", before <= rc.RequestTimeEpoch && rc.RequestTimeEpoch <= after, true},
	})
}

// TestEventV2 checks the payload 2.0 event an HTTP API sends ("Lambda function input format 2.0",
// http-api-develop-integrations-lambda.html; APIGW-FACTS.md "Proxy integration payloads"):
// header names lower-cased and repeated values joined by commas, Cookie headers split into
// cookies, the query string raw and joined, rawPath and requestContext.http.path with the stage.
func TestEventV2(t *testing.T) {
	h := http.Header{"Host": {httpID + ".execute-api.localhost:3000"}, "Cookie": {"c1=1; c2=2", "c3=3"}}
	var ev events.APIGatewayV2HTTPRequest
	r := eventFor(t, "GET", "/dev/items/7?a=1&a=2&b=%20x", h, &ev)
	rc := ev.RequestContext
	_, cookieHeader := ev.Headers["cookie"]
	checkFields(t, []field{
		{"status", r.status, 200},
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "GET /items/{id}"},
		{"rawPath (with the stage)", ev.RawPath, "/dev/items/7"},
		{"rawQueryString", ev.RawQueryString, "a=1&a=2&b=%20x"},
		{"cookies", ev.Cookies, []string{"c1=1", "c2=2", "c3=3"}},
		{"no cookie header", cookieHeader, false},
		{"headers lower-cased and joined", ev.Headers["x-multi"], "a,b"},
		{"host", ev.Headers["host"], httpID + ".execute-api.localhost:3000"},
		{"x-forwarded-for", ev.Headers["x-forwarded-for"], "127.0.0.1"},
		{"x-forwarded-port", ev.Headers["x-forwarded-port"], "3000"},
		{"query joined", ev.QueryStringParameters["a"], "1,2"},
		{"query decoded", ev.QueryStringParameters["b"], " x"},
		{"pathParameters", ev.PathParameters, map[string]string{"id": "7"}},
		{"stageVariables", ev.StageVariables, map[string]string{"color": "red"}},
		{"no body", ev.Body, ""},
		{"requestContext.routeKey", rc.RouteKey, "GET /items/{id}"},
		{"requestContext.stage", rc.Stage, "dev"},
		{"requestContext.apiId", rc.APIID, httpID},
		{"requestContext.domainName", rc.DomainName, httpID + ".execute-api.localhost"},
		{"requestContext.domainPrefix", rc.DomainPrefix, httpID},
		{"requestContext.http.method", rc.HTTP.Method, "GET"},
		{"requestContext.http.path", rc.HTTP.Path, "/dev/items/7"},
		{"requestContext.http.protocol", rc.HTTP.Protocol, "HTTP/1.1"},
		{"requestContext.http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
		{"requestContext.http.userAgent", rc.HTTP.UserAgent, "portico-test"},
		{"requestContext.requestId is the response's apigw-requestid", rc.RequestID, r.header.Get("Apigw-Requestid")},
	})
}

// TestEventBody checks when the body reaches the function base64-encoded. REST: when the
// request's Content-Type matches one of the API's binaryMediaTypes (here application/octet-stream
// and image/*), else as text (api-gateway-payload-encodings-workflow.html). HTTP API: text
// content types (text/*, JSON, XML, form) as text, other bodies base64
// (http-api-develop-integrations-lambda.html, isBase64Encoded).
func TestEventBody(t *testing.T) {
	const restTarget, httpTarget = "/" + restID + "/prod/items/1/x", "/" + httpID + "/things"
	raw := []byte{0, 1, 2, 0xfe, 0xff, 'x'}
	encoded := base64.StdEncoding.EncodeToString(raw)
	tests := []struct {
		name, target, contentType string
		body                      []byte
		want                      string
		base64                    bool
	}{
		{"REST binary media type", restTarget, "application/octet-stream", raw, encoded, true},
		{"REST wildcard binary media type", restTarget, "image/png", raw, encoded, true},
		{"REST JSON", restTarget, "application/json", []byte(`{"a":1}`), `{"a":1}`, false},
		{"REST text", restTarget, "text/plain; charset=utf-8", []byte("héllo"), "héllo", false},
		{"REST type not in binaryMediaTypes stays text", restTarget, "application/pdf", []byte("%PDF-1.4"), "%PDF-1.4", false},
		{"REST no body", restTarget, "application/octet-stream", nil, "", false},
		{"HTTP binary", httpTarget, "application/octet-stream", raw, encoded, true},
		{"HTTP image", httpTarget, "image/png", raw, encoded, true},
		{"HTTP other type", httpTarget, "application/pdf", []byte("%PDF-1.4"), base64.StdEncoding.EncodeToString([]byte("%PDF-1.4")), true},
		{"HTTP JSON", httpTarget, "application/json", []byte(`{"a":1}`), `{"a":1}`, false},
		{"HTTP text", httpTarget, "text/plain; charset=utf-8", []byte("héllo"), "héllo", false},
		{"HTTP form", httpTarget, "application/x-www-form-urlencoded", []byte("a=1&b=2"), base64.StdEncoding.EncodeToString([]byte("a=1&b=2")), true}, // AWS-validated: conformance case http-v2/form-urlencoded-body
	}
	rec := &recorder{payload: `{"statusCode":200}`}
	srv := newGateway(t, rec)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call(t, srv, "POST", tt.target, http.Header{"Content-Type": {tt.contentType}}, tt.body...)
			var ev struct {
				Body            string
				IsBase64Encoded bool
			}
			rec.last(t, &ev)
			if ev.Body != tt.want || ev.IsBase64Encoded != tt.base64 {
				t.Errorf("body %q base64 %v, want %q base64 %v", ev.Body, ev.IsBase64Encoded, tt.want, tt.base64)
			}
		})
	}
}

// TestBodyLimit: API Gateway accepts payloads up to 10 MB (APIGW-FACTS.md "Limits"); a larger
// request is refused with 413 before any invocation (Gateway responses, REQUEST_TOO_LARGE 413,
// supported-gateway-response-types.html).
func TestBodyLimit(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	srv := newGateway(t, rec)
	for _, target := range []string{"/" + restID + "/prod/items/1/x", "/" + httpID + "/things"} {
		for _, tt := range []struct {
			size, status int
			chunked      bool // no Content-Length: the limit applies while reading
		}{
			{10 * 1024 * 1024, 200, false},
			{10*1024*1024 + 1, 413, false},
			{10 * 1024 * 1024, 200, true},
			{10*1024*1024 + 1, 413, true},
		} {
			rec.calls = nil
			req := httptest.NewRequest("POST", target, bytes.NewReader(bytes.Repeat([]byte("a"), tt.size)))
			req.Header.Set("Content-Type", "text/plain")
			if tt.chunked {
				req.ContentLength = -1
				req.Body = io.NopCloser(req.Body)
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("%s, %d bytes (chunked %v): got %d, want %d", target, tt.size, tt.chunked, w.Code, tt.status)
			}
			if invoked := len(rec.calls) > 0; invoked != (tt.status == 200) {
				t.Errorf("%s, %d bytes (chunked %v): invoked %v", target, tt.size, tt.chunked, invoked)
			}
			if tt.status == 413 && message(w.Body.Bytes()) == "" {
				t.Errorf("%s: body %s, want a JSON message", target, w.Body)
			}
		}
	}
	if gateway.MaxBody != 10*1024*1024 {
		t.Errorf("MaxBody = %d, want API Gateway's 10 MB", gateway.MaxBody)
	}
}

// The forms of API Gateway's ids, from events recorded on AWS: requestId a UUID
// ("deef4878-7910-11e6-8f14-25afc3e9ae33") and extendedRequestId 16 characters of URL-safe
// base64 ("TWegAcC4EowCHnA=") in aws-lambda-go's events/testdata/apigw-request.json, the HTTP API
// requestId in that form too ("LV7fzho-PHcEJPw=", apigw-v2-request-no-authorizer.json), and a
// resourceId six lower-case letters and digits ("roq9wj", apigw-request.json).
var (
	uuidForm      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	extendedForm  = regexp.MustCompile(`^[A-Za-z0-9_-]{15}=$`)
	gatewayIDForm = regexp.MustCompile(`^[a-z0-9]{6}$`)
)

// identityNulls are the requestContext.identity keys the cloud sends as null to a caller with
// no IAM or Cognito identity: localstack/localstack tests/aws/services/apigateway/
// test_apigateway_lambda.snapshot.json, test_lambda_aws_proxy_integration (recorded on AWS,
// 10-07-2024), and the payload 1.0 example of "Working with AWS Lambda proxy integrations for
// HTTP APIs".
var identityNulls = []string{
	"accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
	"cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "user", "userArn",
}

// eventJSON is the last event rec received, as JSON values.
func eventJSON(t *testing.T, rec *recorder) map[string]any {
	t.Helper()
	var ev map[string]any
	rec.last(t, &ev)
	return ev
}

// checkNull fails t unless each key path of ev is present with the value null.
func checkNull(t *testing.T, ev map[string]any, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if v, ok := eventkeys.Lookup(ev, p); !ok || v != nil {
			t.Errorf("%s: got %#v (present %v), want null", p, v, ok)
		}
	}
}

// checkAbsent fails t when a key path of ev is present.
func checkAbsent(t *testing.T, ev map[string]any, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if v, ok := eventkeys.Lookup(ev, p); ok {
			t.Errorf("%s: got %#v, want no such key", p, v)
		}
	}
}

// TestEventV1AlwaysSent checks the keys a REST event carries even when they hold nothing, as
// test_apigateway_lambda.snapshot.json of localstack/localstack recorded them on AWS
// (test_lambda_aws_proxy_integration, "invocation-payload-without-trailing-slash": a GET
// without a body to a method without an authorizer or API key): isBase64Encoded false, body
// null, requestContext.deploymentId, the identity keys null, and neither an authorizer key nor
// apiKey, apiKeyId or clientCert. aws-lambda-go's struct drops them (omitempty) or writes "".
func TestEventV1AlwaysSent(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	r := call(t, newGateway(t, rec), "GET", "/"+restID+"/prod/items/1", nil)
	ev := eventJSON(t, rec)
	if v, ok := eventkeys.Lookup(ev, "isBase64Encoded"); v != false || !ok {
		t.Errorf("isBase64Encoded: got %#v (present %v), want false", v, ok)
	}
	checkNull(t, ev, "body")
	for _, k := range identityNulls {
		checkNull(t, ev, "requestContext.identity."+k)
	}
	checkAbsent(t, ev, "requestContext.authorizer", "requestContext.identity.apiKey",
		"requestContext.identity.apiKeyId", "requestContext.identity.clientCert")
	rc := ev["requestContext"].(map[string]any)
	checkFields(t, []field{
		{"deploymentId has the form of an API Gateway id", gatewayIDForm.MatchString(fmt.Sprint(rc["deploymentId"])), true},
		{"requestId is a UUID", uuidForm.MatchString(fmt.Sprint(rc["requestId"])), true},
		{"requestId is the answer's x-amzn-RequestId", rc["requestId"], r.header.Get("X-Amzn-Requestid")},
		{"extendedRequestId has the cloud's 16-character form", extendedForm.MatchString(fmt.Sprint(rc["extendedRequestId"])), true},
		{"extendedRequestId is the answer's x-amz-apigw-id", rc["extendedRequestId"], r.header.Get("X-Amz-Apigw-Id")},
	})
}

// TestEventIDs checks the ids that name what a REST request reached: every method of one
// resource has the resource's resourceId and the others another (all requests through
// /{proxy+} share "<resource-id:1>" in test_apigateway_lambda.snapshot.json of
// localstack/localstack, test_lambda_aws_proxy_integration), and every stage of one deployment
// its deploymentId (the stages prod and beta of the fixture both name one
// AWS::ApiGateway::Deployment).
func TestEventIDs(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	srv := newGateway(t, rec)
	ids := func(method, target string) (resourceID, deploymentID string) {
		t.Helper()
		call(t, srv, method, "/"+restID+target, nil)
		rc := eventJSON(t, rec)["requestContext"].(map[string]any)
		return fmt.Sprint(rc["resourceId"]), fmt.Sprint(rc["deploymentId"])
	}
	thingsAny, prod := ids("GET", "/prod/things")   // ANY /things
	thingsPost, beta := ids("POST", "/beta/things") // POST /things
	items, _ := ids("GET", "/prod/items")           // GET /items
	item, _ := ids("GET", "/prod/items/1")          // GET /items/{id}, a child of /items
	checkFields(t, []field{
		{"resourceId has the form of an API Gateway id", gatewayIDForm.MatchString(thingsAny), true},
		{"methods of one resource share its resourceId", thingsPost, thingsAny},
		{"other resources have other resourceIds", len(map[string]bool{thingsAny: true, items: true, item: true}), 3},
		{"deploymentId has the form of an API Gateway id", gatewayIDForm.MatchString(prod), true},
		{"stages of one deployment share its deploymentId", beta, prod},
	})
}

// TestEventV2AlwaysSent checks an HTTP API payload 2.0 event against the one aws-lambda-go
// captured on AWS (events/testdata/apigw-v2-request-no-authorizer.json): requestId in the
// 16-character form, answered as apigw-requestid, and no requestContext.authentication block,
// which the capture has only for a mutual TLS client certificate (aws-lambda-go writes an empty
// one).
func TestEventV2AlwaysSent(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	r := call(t, newGateway(t, rec), "GET", "/"+httpID+"/dev/items/7", nil)
	ev := eventJSON(t, rec)
	checkAbsent(t, ev, "requestContext.authentication", "body")
	id, _ := eventkeys.Lookup(ev, "requestContext.requestId")
	checkFields(t, []field{
		{"requestId has the cloud's 16-character form", extendedForm.MatchString(fmt.Sprint(id)), true},
		{"requestId is the answer's apigw-requestid", id, r.header.Get("Apigw-Requestid")},
		{"isBase64Encoded", ev["isBase64Encoded"], false},
	})
}

// TestEventHTTPPayload10 checks what an HTTP API payload 1.0 event has that a REST one has not,
// following the 1.0 example of "Working with AWS Lambda proxy integrations for HTTP APIs"
// (http-api-develop-integrations-lambda.html): version "1.0", resourceId null, no deploymentId,
// authorizer {"claims": null, "scopes": null} on a route without an authorizer, the identity
// keys null; requestId in the HTTP API's 16-character form (as in payload 2.0,
// apigw-v2-request-no-authorizer.json of aws-lambda-go), equal to extendedRequestId.
func TestEventHTTPPayload10(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	r := call(t, newGateway(t, rec, withPayload10("GET /items/{id}")), "GET", "/"+httpID+"/dev/items/7", nil)
	ev := eventJSON(t, rec)
	checkNull(t, ev, "requestContext.resourceId", "body", "requestContext.authorizer.claims", "requestContext.authorizer.scopes")
	for _, k := range identityNulls {
		checkNull(t, ev, "requestContext.identity."+k)
	}
	checkAbsent(t, ev, "requestContext.deploymentId", "requestContext.identity.clientCert")
	rc := ev["requestContext"].(map[string]any)
	checkFields(t, []field{
		{"version", ev["version"], "1.0"},
		{"isBase64Encoded", ev["isBase64Encoded"], false},
		{"requestId has the cloud's 16-character form", extendedForm.MatchString(fmt.Sprint(rc["requestId"])), true},
		{"requestId is the answer's apigw-requestid", rc["requestId"], r.header.Get("Apigw-Requestid")},
		{"extendedRequestId is the requestId", rc["extendedRequestId"], rc["requestId"]},
	})
}

// TestAnswerRequestIDs checks the request ids of the gateway's own error answers: a REST API
// answers with x-amzn-RequestId (a UUID) and x-amz-apigw-id (the extended id), as "Access logging
// for REST APIs" (set-up-access-logging.html) says of $context.requestId and
// $context.extendedRequestId, taking the client's x-amzn-RequestId when it is a UUID (same
// page); an HTTP API with apigw-requestid in the form of apigw-v2-request-no-authorizer.json.
func TestAnswerRequestIDs(t *testing.T) {
	rec := &recorder{err: errors.New("connection refused")} // answered 500 by the gateway
	srv := newGateway(t, rec)
	rest := call(t, srv, "GET", "/"+restID+"/prod/items/1", nil)
	own := "0f4e1ad3-6c1b-4a55-9f0e-3c2d7b8a9e10"
	overridden := call(t, srv, "GET", "/"+restID+"/prod/items/1", http.Header{"X-Amzn-Requestid": {own}})
	invalid := call(t, srv, "GET", "/"+restID+"/prod/items/1", http.Header{"X-Amzn-Requestid": {"not-a-uuid"}})
	httpAPI := call(t, srv, "GET", "/"+httpID+"/things", nil)
	checkFields(t, []field{
		{"REST status", rest.status, 500},
		{"REST x-amzn-RequestId is a UUID", uuidForm.MatchString(rest.header.Get("X-Amzn-Requestid")), true},
		{"REST x-amz-apigw-id", extendedForm.MatchString(rest.header.Get("X-Amz-Apigw-Id")), true},
		{"REST client's UUID kept", overridden.header.Get("X-Amzn-Requestid"), own},
		{"REST client's other id replaced", uuidForm.MatchString(invalid.header.Get("X-Amzn-Requestid")), true},
		{"HTTP status", httpAPI.status, 500},
		{"HTTP apigw-requestid", extendedForm.MatchString(httpAPI.header.Get("Apigw-Requestid")), true},
		{"HTTP no x-amz-apigw-id", httpAPI.header.Get("X-Amz-Apigw-Id"), ""},
	})
}
