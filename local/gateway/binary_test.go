package gateway_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
)

// withBinaryMediaTypes sets the binaryMediaTypes of the fixture's REST API.
func withBinaryMediaTypes(types ...string) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) { a.RestAPIs[0].BinaryMediaTypes = types }
}

// The answer rules of a REST API's binaryMediaTypes. Sources:
//   - [capture] LocalStack's test_apigateway_lambda.py::test_aws_proxy_binary_response (repo
//     localstack/localstack, tests/aws/services/apigateway, Apache-2.0), run against AWS: a
//     Lambda proxy answer {"isBase64Encoded":true} is decoded only when the request's first
//     Accept media type matches an entry; else the client gets the base64 text. The function's
//     Content-Type does not count; "type/*" entries match any subtype (and "type/*" itself);
//     entries with "*" as type ("*/test") match nothing; "image/*" and "*/*" in Accept are not
//     expanded against "image/png".
//   - [docs] "Binary media types for REST APIs in API Gateway" (api-gateway-payload-encodings.html):
//     "API Gateway uses the first Accept header from clients to determine if a response should
//     return binary media"; "*/* includes all content types".
func TestBinaryAnswers(t *testing.T) {
	const b64 = `iVBORw0KGgo=` // the PNG signature
	raw, _ := base64.StdEncoding.DecodeString(b64)
	captured := []string{"image/png", "*/test"} // the capture's second deployment
	wildcard := []string{"image/png", "application/*", "image/jpg"}
	tests := []struct {
		name        string
		types       []string
		accept      string
		contentType string // of the function's answer
		base64      bool   // the function's isBase64Encoded
		decoded     bool
	}{
		{"[capture] no binaryMediaTypes", nil, "image/png", "image/png", true, false},
		{"[capture] Accept matches", captured, "image/png", "image/png", true, true},
		{"[capture] Accept matches no entry", captured, "image/jpg", "image/png", true, false},
		{"[capture] a wildcard Accept is not expanded", captured, "image/*", "image/png", true, false},
		{"[capture] */* Accept is not expanded", captured, "*/*", "image/png", true, false},
		{"[capture] an entry with a wildcard type does not match itself", captured, "*/test", "image/png", true, false},
		{"[capture] an entry with a wildcard type matches no type", captured, "random/test", "image/png", true, false},
		{"[capture] only the first Accept media type counts", captured, "image/webp,image/png,*/*;q=0.8", "image/png", true, false},
		{"[capture] the first Accept media type matches", captured, "image/png,image/*,*/*;q=0.8", "image/png", true, true},
		{"[capture] isBase64Encoded false", captured, "image/png", "image/png", false, false},
		{"[capture] type/* entry, any subtype", wildcard, "application/whatever", "application/test", true, true},
		{"[capture] type/* entry, Accept type/*", wildcard, "application/*", "application/test", true, true},
		{"[capture] Content-Type matches another entry", wildcard, "image/jpg", "image/png", true, true},
		{"[capture] Content-Type matches no entry", wildcard, "image/png", "text/plain", true, true},
		{"[capture] no Content-Type", wildcard, "image/png", "", true, true},
		{"[capture] Accept without a subtype", wildcard, "application", "image/png", true, false},
		{"[capture] no Accept", wildcard, "", "image/png", true, false},
		{"[docs] */* entry: a browser's Accept", []string{"*/*"}, "text/html,application/xhtml+xml,*/*;q=0.8", "image/png", true, true},
		{"[docs] */* entry: curl's Accept", []string{"*/*"}, "*/*", "image/png", true, true},
		{"[choice] parameters of the first Accept media type are ignored", captured, "image/png;q=0.9, text/html", "image/png", true, true},
		{"[choice] media types match in any case", captured, "Image/PNG", "image/png", true, true},
	}
	rec := &recorder{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newGateway(t, rec, withBinaryMediaTypes(tt.types...))
			rec.payload = `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":` + map[bool]string{true: "true", false: "false"}[tt.base64]
			if tt.contentType != "" {
				rec.payload += `,"headers":{"Content-Type":"` + tt.contentType + `"}`
			}
			rec.payload += "}"
			h := http.Header{}
			if tt.accept != "" {
				h.Set("Accept", tt.accept)
			}
			r := call(t, srv, "GET", "/"+restID+"/prod/items/1", h)
			want := b64
			if tt.decoded {
				want = string(raw)
			}
			if r.status != 200 || string(r.body) != want {
				t.Errorf("got %d %q, want 200 %q", r.status, r.body, want)
			}
		})
	}
}

// The request rules of a REST API's binaryMediaTypes: the body reaches the function
// base64-encoded, with isBase64Encoded true, when the request's Content-Type matches an entry,
// whatever the bytes; else as text. Sources:
//   - [docs] "Content type conversions in API Gateway" (api-gateway-payload-encodings-workflow.html):
//     binary data with a Content-Type set in binaryMediaTypes is binary; text data with any type
//     when binaryMediaTypes is undefined is a UTF-8 string.
//   - [issue] aws/serverless-application-model#3794, observed on AWS: BinaryMediaTypes
//     ["application/json"] base64-encodes JSON request bodies.
//   - [docs] "Binary media types for REST APIs": "*/* includes all content types".
//   - [choice] an entry matches Content-Type as it matches Accept in TestBinaryAnswers.
func TestBinaryRequests(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a}
	tests := []struct {
		name        string
		types       []string
		contentType string
		body        []byte
		base64      bool
	}{
		{"[docs] no binaryMediaTypes", nil, "image/png", []byte("text"), false},
		{"[docs] Content-Type matches", []string{"image/png"}, "image/png", png, true},
		{"[issue] a text type listed as binary", []string{"application/json"}, "application/json", []byte(`{"a":1}`), true},
		{"[docs] Content-Type matches no entry", []string{"image/png"}, "application/json", []byte(`{"a":1}`), false},
		{"[docs] */* entry", []string{"*/*"}, "text/plain", []byte("text"), true},
		{"[choice] type/* entry", []string{"image/*"}, "image/png", png, true},
		{"[choice] Content-Type parameters are ignored", []string{"text/plain"}, "text/plain; charset=utf-8", []byte("text"), true},
		{"[choice] an entry with a wildcard type matches no type", []string{"*/png"}, "image/png", []byte("text"), false},
		{"[choice] no Content-Type with */*", []string{"*/*"}, "", []byte("text"), false},
	}
	rec := &recorder{payload: `{"statusCode":200}`}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newGateway(t, rec, withBinaryMediaTypes(tt.types...))
			h := http.Header{}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			call(t, srv, "POST", "/"+restID+"/prod/items/1/x", h, tt.body...)
			var ev struct {
				Body            string
				IsBase64Encoded bool
			}
			rec.last(t, &ev)
			want := string(tt.body)
			if tt.base64 {
				want = base64.StdEncoding.EncodeToString(tt.body)
			}
			if ev.Body != want || ev.IsBase64Encoded != tt.base64 {
				t.Errorf("body %q base64 %v, want %q base64 %v", ev.Body, ev.IsBase64Encoded, want, tt.base64)
			}
		})
	}
}
