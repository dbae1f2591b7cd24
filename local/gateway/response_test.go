package gateway_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestResponseMapping maps what the function returns to what the client receives.
//
// REST (payload 1.0): the response must be {statusCode, headers, multiValueHeaders, body,
// isBase64Encoded}; anything else, a missing statusCode included, is 502 {"message":
// "Internal server error"} (APIGW-FACTS.md "Proxy integration payloads"; Lambda developer
// guide, services-apigateway-errors.html: "returns a response in the wrong format, API Gateway
// returns a 502"). Headers and multiValueHeaders are merged, multiValueHeaders winning for the
// same key ("Output format of a Lambda function for proxy integration",
// set-up-lambda-proxy-integrations.html). A base64 body is decoded only when the first media
// type of the request's Accept matches one of the API's binaryMediaTypes, else passed on as the
// base64 text (api-gateway-payload-encodings.html: "API Gateway uses the first Accept header";
// the fixture's types: application/octet-stream, image/*; more cases in TestBinaryAnswers).
//
// HTTP API (http-api-develop-integrations-lambda.html, "Lambda function response format"):
// payload 1.0 is read as on REST, except that base64 bodies are always decoded and failures are
// 500; payload 2.0 adds cookies (Set-Cookie headers), always decodes isBase64Encoded bodies,
// and takes a response without statusCode that is valid JSON as a 200 application/json whose
// body is that JSON (a JSON string: the string itself); anything else is 500
// {"message":"Internal Server Error"} (http-api-troubleshooting-lambda.html).
func TestResponseMapping(t *testing.T) {
	const (
		restTarget = "/" + restID + "/prod/items/1"
		httpTarget = "/" + httpID + "/things"
		http10     = "/" + httpID + "/slow" // switched to payload 1.0
		b64        = `AAEC/w==`             // 0x00 0x01 0x02 0xff
	)
	binary := string([]byte{0, 1, 2, 0xff})
	tests := []struct {
		name, target, accept, payload string
		status                        int
		header                        http.Header // expected values of these headers
		body                          string
	}{
		{name: "REST status, header and body", target: restTarget, payload: `{"statusCode":201,"headers":{"X-Single":"one","Content-Type":"text/plain"},"body":"hi"}`,
			status: 201, header: http.Header{"X-Single": {"one"}, "Content-Type": {"text/plain"}}, body: "hi"},
		{name: "REST multi-value headers and cookies", target: restTarget, payload: `{"statusCode":200,"multiValueHeaders":{"X-Multi":["a","b"],"Set-Cookie":["c1=1","c2=2"]},"body":"multi"}`,
			status: 200, header: http.Header{"X-Multi": {"a", "b"}, "Set-Cookie": {"c1=1", "c2=2"}}, body: "multi"},
		{name: "REST headers merged, multiValueHeaders win", target: restTarget, payload: `{"statusCode":200,"headers":{"X-Both":"h","X-Only":"o"},"multiValueHeaders":{"X-Both":["m1","m2"]}}`,
			status: 200, header: http.Header{"X-Both": {"m1", "m2"}, "X-Only": {"o"}}},
		{name: "REST no body", target: restTarget, payload: `{"statusCode":204}`, status: 204},
		{name: "REST base64 with binary Accept is decoded", target: restTarget, accept: "application/octet-stream", payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: binary},
		{name: "REST base64 with wildcard media type is decoded", target: restTarget, accept: "image/png;q=0.9, text/html", payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: binary},
		{name: "REST base64 with binary Accept second stays text", target: restTarget, accept: "text/html, image/png;q=0.9", payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: b64},
		{name: "REST base64 without binary Accept stays text", target: restTarget, payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: b64},
		{name: "REST base64 with text Accept stays text", target: restTarget, accept: "application/json", payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: b64},
		{name: "REST missing statusCode", target: restTarget, payload: `{"body":"x"}`, status: 502, body: "Internal server error"},
		{name: "REST unknown field", target: restTarget, payload: `{"statusCode":200,"bodyy":"x"}`, status: 502, body: "Internal server error"},
		{name: "REST cookies are not a 1.0 field", target: restTarget, payload: `{"statusCode":200,"cookies":["c=1"]}`, status: 502, body: "Internal server error"},
		{name: "REST not JSON", target: restTarget, payload: `hello`, status: 502, body: "Internal server error"},
		{name: "REST JSON object without statusCode is not inferred", target: restTarget, payload: `{"inferred":true}`, status: 502, body: "Internal server error"},

		{name: "HTTP status, header, cookies", target: httpTarget, payload: `{"statusCode":201,"headers":{"X-Single":"one","Content-Type":"text/plain"},"cookies":["c1=1","c2=2"],"body":"cookies"}`,
			status: 201, header: http.Header{"X-Single": {"one"}, "Content-Type": {"text/plain"}, "Set-Cookie": {"c1=1", "c2=2"}}, body: "cookies"},
		{name: "HTTP base64 always decoded", target: httpTarget, payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: binary},
		{name: "HTTP inferred object", target: httpTarget, payload: `{"inferred":true,"n":[1,2]}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `{"inferred":true,"n":[1,2]}`},
		{name: "HTTP inferred JSON string", target: httpTarget, payload: `"just a string"`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "just a string"},
		{name: "HTTP inferred number", target: httpTarget, payload: `42`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "42"},
		{name: "HTTP 1.0 multi-value headers", target: http10, payload: `{"statusCode":200,"multiValueHeaders":{"X-Multi":["a","b"]},"body":"x"}`,
			status: 200, header: http.Header{"X-Multi": {"a", "b"}}, body: "x"},
		{name: "HTTP 1.0 base64 always decoded", target: http10, payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: binary},
		{name: "HTTP 1.0 missing statusCode", target: http10, payload: `{"inferred":true}`, status: 500, body: "Internal Server Error"},
		{name: "HTTP not JSON", target: httpTarget, payload: `hello`, status: 500, body: "Internal Server Error"},
		{name: "HTTP statusCode with a malformed field", target: httpTarget, payload: `{"statusCode":200,"headers":"x"}`, status: 500, body: "Internal Server Error"},
	}
	rec := &recorder{}
	srv := newGateway(t, rec, withPayload10("GET /slow"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.payload = tt.payload
			var h http.Header
			if tt.accept != "" {
				h = http.Header{"Accept": {tt.accept}}
			}
			r := call(t, srv, "GET", tt.target, h)
			body := string(r.body)
			if r.status >= 500 {
				body = message(r.body)
			}
			if r.status != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", r.status, r.body, tt.status, tt.body)
			}
			for k, want := range tt.header {
				if got := r.header.Values(k); !reflect.DeepEqual(got, want) {
					t.Errorf("header %s: %q, want %q", k, got, want)
				}
			}
		})
	}
}
