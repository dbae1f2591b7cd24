package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/portico-dev/portico/local/runtime"
)

// TestErrorMapping: the invoker fails as the real runtime does, and each failure reaches the
// client as API Gateway's answer, on a REST API (payload 1.0) and an HTTP API (payload 2.0).
//
// Sources:
//   - Lambda developer guide, "Handling Lambda errors with an API Gateway API"
//     (services-apigateway-errors.html): "If the Lambda API rejects the invocation request, API
//     Gateway returns a 500 error code. If the function runs but returns an error, or returns a
//     response in the wrong format, API Gateway returns a 502 ... {"message": "Internal server
//     error"}." A function that times out on its own ("Task timed out after ...") or whose
//     process exits is a function error of that kind.
//   - HTTP APIs answer integration failures with 500 {"message":"Internal Server Error"}
//     (API Gateway developer guide, http-api-troubleshooting-lambda.html).
//   - API Gateway's own integration timeout (29 s REST, 30 s HTTP) is a 504 (APIGW-FACTS.md
//     "Limits"; Gateway responses, INTEGRATION_TIMEOUT 504, supported-gateway-response-types.html).
//     REST says {"message": "Endpoint request timed out"}; HTTP APIs say "Service Unavailable"
//     (reported in anomalyco/sst#2232, serverless/serverless#11222).
//   - Every response carries the request id: x-amzn-RequestId on REST APIs, apigw-requestid on
//     HTTP APIs.
func TestErrorMapping(t *testing.T) {
	type answer struct {
		status  int
		message string // "": not asserted
	}
	tests := []struct {
		name       string
		err        error
		rest, http answer
	}{
		{name: "function error", err: &runtime.FunctionError{Function: probe, Type: "errorString", Message: "boom"},
			rest: answer{502, "Internal server error"}, http: answer{500, "Internal Server Error"}},
		{name: "wrapped function error", err: fmt.Errorf("invoke %s: %w", probe, &runtime.FunctionError{Function: probe, Type: "Runtime.ExitError", Message: "panic"}),
			rest: answer{502, "Internal server error"}, http: answer{500, "Internal Server Error"}},
		{name: "process crashed", err: &runtime.CrashError{Function: probe, Exit: "exit status 2"},
			rest: answer{502, "Internal server error"}, http: answer{500, "Internal Server Error"}},
		{name: "integration timeout", err: fmt.Errorf("invoke: %w", context.DeadlineExceeded),
			rest: answer{504, "Endpoint request timed out"}, http: answer{504, "Service Unavailable"}},
		{name: "plain invoke failure", err: errors.New("connection refused"),
			rest: answer{500, "Internal server error"}, http: answer{500, "Internal Server Error"}},
		// A 6 MB+ event is refused by Lambda with RequestEntityTooLargeException; clients are
		// reported to see 413 (jun711.github.io/aws/handling-aws-api-gateway-and-lambda-413-error).
		{name: "event over Lambda's payload limit", err: &runtime.PayloadTooLargeError{Function: probe, Size: 7 << 20, Limit: 6 << 20},
			rest: answer{413, ""}, http: answer{413, ""}},
		// The function's own timeout, shorter than the integration's: Lambda reports "Task timed
		// out" as a function error, which API Gateway answers with 502 (REST) / 500 (HTTP); 504
		// is for API Gateway's integration timeout only (services-apigateway-errors.html).
		{name: "function timed out on its own", err: &runtime.TimeoutError{Function: short, Timeout: time.Second},
			rest: answer{502, "Internal server error"}, http: answer{500, "Internal Server Error"}},
		// Lambda rejects the invocation (TooManyRequestsException): "If the Lambda API rejects
		// the invocation request, API Gateway returns a 500 error code"
		// (services-apigateway-errors.html; re:Post QUfI6bsdd0SOiPeyimzxSkfQ).
		{name: "function throttled", err: &runtime.ThrottledError{Function: probe},
			rest: answer{500, "Internal server error"}, http: answer{500, "Internal Server Error"}},
	}
	rec := &recorder{}
	srv := newGateway(t, rec)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.err = tt.err
			for _, api := range []struct {
				kind, target, requestID, otherID string
				want                             answer
			}{
				{"REST", "/" + restID + "/prod/items/1", "X-Amzn-Requestid", "Apigw-Requestid", tt.rest},
				{"HTTP", "/" + httpID + "/things", "Apigw-Requestid", "X-Amzn-Requestid", tt.http},
			} {
				rec.calls = nil
				r := call(t, srv, "GET", api.target, nil)
				if len(rec.calls) != 1 {
					t.Errorf("%s: %d invocations, want 1", api.kind, len(rec.calls))
				}
				if r.status != api.want.status {
					t.Errorf("%s: status %d, want %d (%s)", api.kind, r.status, api.want.status, r.body)
				}
				got := message(r.body)
				if got == "" || (api.want.message != "" && got != api.want.message) {
					t.Errorf("%s: body %s, want message %q", api.kind, r.body, api.want.message)
				}
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("%s: Content-Type %q, want application/json", api.kind, ct)
				}
				if r.header.Get(api.requestID) == "" || r.header.Get(api.otherID) != "" {
					t.Errorf("%s: request id headers %s=%q %s=%q, want only %s", api.kind,
						api.requestID, r.header.Get(api.requestID), api.otherID, r.header.Get(api.otherID), api.requestID)
				}
			}
		})
	}
}

// TestRequestIDHeader: a successful response carries the request id too, the same id as the
// event's requestContext.requestId.
func TestRequestIDHeader(t *testing.T) {
	rec := &recorder{payload: `{"statusCode":200}`}
	srv := newGateway(t, rec)
	for _, tt := range []struct{ target, header string }{
		{"/" + restID + "/prod/items/1", "X-Amzn-Requestid"},
		{"/" + httpID + "/things", "Apigw-Requestid"},
	} {
		r := call(t, srv, "GET", tt.target, nil)
		var ev struct{ RequestContext struct{ RequestID string } }
		rec.last(t, &ev)
		if got := r.header.Get(tt.header); got == "" || got != ev.RequestContext.RequestID {
			t.Errorf("%s: %s %q, want the event's requestId %q", tt.target, tt.header, got, ev.RequestContext.RequestID)
		}
	}
}
