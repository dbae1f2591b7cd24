package gateway_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/gateway"
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
		{"HTTP form", httpTarget, "application/x-www-form-urlencoded", []byte("a=1&b=2"), "a=1&b=2", false},
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
