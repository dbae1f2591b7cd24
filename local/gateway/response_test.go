package gateway_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestResponseMapping maps what the function returns to what the client receives.
//
// Sources (AWS-validated captures; each row names its case):
//   - [LS-REST] localstack/localstack tests/aws/services/apigateway/test_apigateway_lambda.py::
//     test_aws_proxy_response_payload_format_validation (markers.aws.validated, added by
//     localstack/localstack#11856, 2024-11-15): the status codes it asserts come from AWS.
//   - [LS-HTTP1], [LS-HTTP2] LocalStack's TestHttpApiAwsProxyIntegration::
//     test_aws_proxy_response_payload_format_validation_v1 / _v2 (markers.aws.validated; the
//     stored index shows the test, not its repository path): statuses asserted against AWS.
//   - [DOTNET] aws/aws-lambda-dotnet Tools/LambdaTestTool-v2/tests/Amazon.Lambda.TestTool.Tests.Common/
//     ApiGatewayResponseTestCases.cs: IntegrationAssertions run against deployed REST and HTTP APIs.
//   - [MERGE] "Output format of a Lambda function for proxy integration"
//     (set-up-lambda-proxy-integrations.html): headers and multiValueHeaders are merged into a
//     single list; a key-value pair in both appears once. The order (multiValueHeaders values
//     first) is an AWS console log quoted in aws/aws-sam-cli#1166 (2019-05-16):
//     "Content-Type=application/json,text/html, X-Foo=foo,bar".
//
// Lambda developer guide, services-apigateway-errors.html: a response "in the wrong format"
// is a 502 {"message": "Internal server error"} on REST; HTTP APIs answer 500 {"message":
// "Internal Server Error"} (http-api-troubleshooting-lambda.html). A base64 body is decoded on
// REST only when the first media type of the request's Accept matches one of the API's
// binaryMediaTypes (api-gateway-payload-encodings.html: "API Gateway uses the first Accept
// header"; the fixture's types: application/octet-stream, image/*; more cases in
// TestBinaryAnswers), always on HTTP APIs. Payload 2.0 takes a response without statusCode that is valid
// JSON as a 200 application/json whose body is that JSON (a JSON string: the string itself)
// (http-api-develop-integrations-lambda.html; knowledge center api-gateway-status-codes-http-api).
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
		// [DOTNET] V1_CombinesSingleAndMultiValueHeaders; [MERGE]; [LS-REST] invoke-api-multi-headers-overwrite-casing (200).
		{name: "REST header in both maps keeps both values", target: restTarget, payload: `{"statusCode":200,"headers":{"test-multi":"value-solo","X-Only":"o"},"multiValueHeaders":{"tesT-Multi":["value-multi"]}}`,
			status: 200, header: http.Header{"Test-Multi": {"value-multi", "value-solo"}, "X-Only": {"o"}}},
		// [MERGE]: "If the same key-value pair is specified in both, only the values from multiValueHeaders will appear".
		{name: "REST same pair in both maps appears once", target: restTarget, payload: `{"statusCode":200,"headers":{"X-Same":"a"},"multiValueHeaders":{"X-Same":["a","b"]}}`,
			status: 200, header: http.Header{"X-Same": {"a", "b"}}},
		// [DOTNET] V1_DefaultsToCorrectContentTYpe (Rest).
		{name: "REST defaults Content-Type to application/json", target: restTarget, payload: `{"statusCode":200,"body":"Hello, World!"}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "Hello, World!"},
		{name: "REST no body", target: restTarget, payload: `{"statusCode":204}`, status: 204},
		// [LS-REST] invoke-api-only-headers: no statusCode is a 200.
		{name: "REST missing statusCode is 200", target: restTarget, payload: `{"headers":{"test-header":"value"}}`,
			status: 200, header: http.Header{"Test-Header": {"value"}, "Content-Type": {"application/json"}}},
		// [LS-REST] invoke-api-empty-response: an object without any field is refused.
		{name: "REST empty object", target: restTarget, payload: `{}`, status: 502, body: "Internal server error"},
		// [LS-REST] invoke-api-status-code-str, invoke-api-invalid-status-code; [DOTNET] V1_HandlesZeroStatusCode.
		{name: "REST statusCode as a string", target: restTarget, payload: `{"statusCode":"201"}`, status: 201},
		{name: "REST statusCode not a number", target: restTarget, payload: `{"statusCode":"test"}`, status: 502, body: "Internal server error"},
		{name: "REST statusCode 0", target: restTarget, payload: `{"statusCode":0,"body":"x"}`, status: 502, body: "Internal server error"},
		// [LS-REST] invoke-api-with-headers (200); the text of a boolean ("true") is our choice.
		{name: "REST boolean header value", target: restTarget, payload: `{"statusCode":200,"headers":{"test-header":"value","header-bool":true}}`,
			status: 200, header: http.Header{"Test-Header": {"value"}, "Header-Bool": {"true"}}},
		// [LS-REST] invoke-api-with-headers-null.
		{name: "REST null headers", target: restTarget, payload: `{"statusCode":200,"headers":null}`, status: 200},
		// Not captured: a number stays refused as before (README, Known differences).
		{name: "REST number header value", target: restTarget, payload: `{"statusCode":200,"headers":{"X-Num":5}}`, status: 502, body: "Internal server error"},
		// [LS-REST] invoke-api-multi-headers-invalid.
		{name: "REST multiValueHeaders value not a list", target: restTarget, payload: `{"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}}`, status: 502, body: "Internal server error"},
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
		// [LS-REST] invoke-api-wrong-format.
		{name: "REST unknown field", target: restTarget, payload: `{"statusCode":200,"wrongValue":"value"}`, status: 502, body: "Internal server error"},
		{name: "REST cookies are not a 1.0 field", target: restTarget, payload: `{"statusCode":200,"cookies":["c=1"]}`, status: 502, body: "Internal server error"},
		// AWS console log in vincentsarago/lambda-proxy#59 (2022-11-02): an object body is a "Malformed Lambda proxy response", 502.
		{name: "REST body not a string", target: restTarget, payload: `{"statusCode":200,"body":{"hey":"dude"}}`, status: 502, body: "Internal server error"},
		// [LS-REST] invoke-api-just-string.
		{name: "REST JSON string", target: restTarget, payload: `"justAString"`, status: 502, body: "Internal server error"},
		{name: "REST not JSON", target: restTarget, payload: `hello`, status: 502, body: "Internal server error"},

		{name: "HTTP status, header, cookies", target: httpTarget, payload: `{"statusCode":201,"headers":{"X-Single":"one","Content-Type":"text/plain"},"cookies":["c1=1","c2=2"],"body":"cookies"}`,
			status: 201, header: http.Header{"X-Single": {"one"}, "Content-Type": {"text/plain"}, "Set-Cookie": {"c1=1", "c2=2"}}, body: "cookies"},
		// [DOTNET] V2_DefaultsToTextPlainContentType.
		{name: "HTTP defaults Content-Type to text/plain", target: httpTarget, payload: `{"statusCode":200,"body":"Hello, World!"}`,
			status: 200, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "Hello, World!"},
		// [LS-HTTP2] invoke-api-status-code-str, invoke-api-invalid-status-code, invoke-api-with-headers, invoke-api-wrong-format.
		{name: "HTTP statusCode as a string", target: httpTarget, payload: `{"statusCode":"201"}`, status: 201},
		{name: "HTTP statusCode not a number", target: httpTarget, payload: `{"statusCode":"test"}`, status: 500, body: "Internal Server Error"},
		{name: "HTTP boolean header value", target: httpTarget, payload: `{"statusCode":200,"headers":{"header-bool":false}}`,
			status: 200, header: http.Header{"Header-Bool": {"false"}}},
		{name: "HTTP unknown field is ignored", target: httpTarget, payload: `{"statusCode":200,"wrongValue":"value","body":"x"}`, status: 200, body: "x"},
		// [LS-HTTP2] invoke-api-cookies-invalid, invoke-api-error-message, invoke-api-only-headers.
		{name: "HTTP cookies not a list", target: httpTarget, payload: `{"statusCode":200,"cookies":{"test-cookies-invalid":"value1"}}`, status: 500, body: "Internal Server Error"},
		{name: "HTTP errorMessage without statusCode", target: httpTarget, payload: `{"errorMessage":"test fake error message"}`, status: 500, body: "Internal Server Error"},
		{name: "HTTP object without statusCode is inferred", target: httpTarget, payload: `{"headers":{"test-header":"value"}}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}, "Test-Header": nil}, body: `{"headers":{"test-header":"value"}}`},
		{name: "HTTP base64 always decoded", target: httpTarget, payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: binary},
		{name: "HTTP inferred object", target: httpTarget, payload: `{"inferred":true,"n":[1,2]}`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: `{"inferred":true,"n":[1,2]}`},
		// [LS-HTTP2] invoke-api-just-string.
		{name: "HTTP inferred JSON string", target: httpTarget, payload: `"justAString"`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "justAString"},
		{name: "HTTP inferred number", target: httpTarget, payload: `42`,
			status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: "42"},
		{name: "HTTP not JSON", target: httpTarget, payload: `hello`, status: 500, body: "Internal Server Error"},
		{name: "HTTP statusCode with a malformed field", target: httpTarget, payload: `{"statusCode":200,"headers":"x"}`, status: 500, body: "Internal Server Error"},

		{name: "HTTP 1.0 multi-value headers", target: http10, payload: `{"statusCode":200,"multiValueHeaders":{"X-Multi":["a","b"]},"body":"x"}`,
			status: 200, header: http.Header{"X-Multi": {"a", "b"}}, body: "x"},
		// [DOTNET] V1_CombinesSingleAndMultiValueHeaders (HttpV1); [LS-HTTP1] invoke-api-multi-headers-overwrite (200).
		{name: "HTTP 1.0 header in both maps keeps both values", target: http10, payload: `{"statusCode":200,"multiValueHeaders":{"test-multi":["value-multi"]},"headers":{"test-multi":"value-solo"}}`,
			status: 200, header: http.Header{"Test-Multi": {"value-multi", "value-solo"}}},
		// [DOTNET] V1_DefaultsToCorrectContentTYpe (HttpV1).
		{name: "HTTP 1.0 defaults Content-Type to text/plain", target: http10, payload: `{"statusCode":200,"body":"Hello, World!"}`,
			status: 200, header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, body: "Hello, World!"},
		{name: "HTTP 1.0 base64 always decoded", target: http10, payload: `{"statusCode":200,"body":"` + b64 + `","isBase64Encoded":true}`,
			status: 200, body: binary},
		// [LS-HTTP1] invoke-api-status-code-str, invoke-api-with-headers, invoke-api-wrong-format, invoke-api-only-headers,
		// invoke-api-multi-headers-invalid; [DOTNET] V1_HandlesZeroStatusCode (HttpV1).
		{name: "HTTP 1.0 statusCode as a string", target: http10, payload: `{"statusCode":"201"}`, status: 201},
		{name: "HTTP 1.0 boolean header value", target: http10, payload: `{"statusCode":200,"headers":{"header-bool":true}}`,
			status: 200, header: http.Header{"Header-Bool": {"true"}}},
		{name: "HTTP 1.0 unknown field is ignored", target: http10, payload: `{"statusCode":200,"wrongValue":"value","body":"x"}`, status: 200, body: "x"},
		{name: "HTTP 1.0 missing statusCode", target: http10, payload: `{"headers":{"test-header":"value"}}`, status: 500, body: "Internal Server Error"},
		{name: "HTTP 1.0 multiValueHeaders value not a list", target: http10, payload: `{"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}}`, status: 500, body: "Internal Server Error"},
		{name: "HTTP 1.0 statusCode 0", target: http10, payload: `{"statusCode":0}`, status: 500, body: "Internal Server Error"},
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
