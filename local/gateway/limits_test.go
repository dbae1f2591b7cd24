package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
)

// TestQueryStrings checks that no query parameter is dropped. REST APIs split on ";" as on "&"
// ("The semicolon character (;) is not supported for any request URL query string and results in
// the data being split.", "Amazon API Gateway important notes for REST APIs"); HTTP APIs are not
// documented to, and keep the value whole (Portico's choice). An invalid percent-encoding is
// refused with 400 before any invoke (a stray "%" gets 400 from API Gateway: ustayready/fireprox
// issue #27); the body is Portico's.
func TestQueryStrings(t *testing.T) {
	restHost := http.Header{"Host": {restID + ".execute-api.localhost"}}
	httpHost := http.Header{"Host": {httpID + ".execute-api.localhost"}}

	var v1 events.APIGatewayProxyRequest
	if r := eventFor(t, "GET", "/prod/items/1?a=1;b=2&c=3", restHost.Clone(), &v1); r.status != 200 {
		t.Fatalf("REST: status %d %s", r.status, r.body)
	}
	checkFields(t, []field{
		{"REST queryStringParameters", v1.QueryStringParameters, map[string]string{"a": "1", "b": "2", "c": "3"}},
		{"REST multiValueQueryStringParameters", v1.MultiValueQueryStringParameters, map[string][]string{"a": {"1"}, "b": {"2"}, "c": {"3"}}},
	})

	var v2 events.APIGatewayV2HTTPRequest
	if r := eventFor(t, "GET", "/dev/items/1?a=1;b=2&c=3", httpHost.Clone(), &v2); r.status != 200 {
		t.Fatalf("HTTP: status %d %s", r.status, r.body)
	}
	checkFields(t, []field{
		{"HTTP queryStringParameters", v2.QueryStringParameters, map[string]string{"a": "1;b=2", "c": "3"}},
		{"HTTP rawQueryString", v2.RawQueryString, "a=1;b=2&c=3"},
	})

	for _, c := range []struct{ host http.Header }{{restHost}, {httpHost}} {
		rec := &recorder{payload: `{"statusCode":200}`}
		target := "/prod/items/1?ok=1&name=%zz"
		if c.host.Get("Host") == httpHost.Get("Host") {
			target = "/dev/items/1?ok=1&name=%zz"
		}
		r := call(t, newGateway(t, rec), "GET", target, c.host)
		want := `Bad Request: invalid percent-encoding in query parameter "name=%zz": a % must be followed by two hexadecimal digits`
		if r.status != 400 || message(r.body) != want || len(rec.calls) != 0 {
			t.Errorf("%s: got %d %s (%d invokes), want 400 %q and no invoke", target, r.status, r.body, len(rec.calls), want)
		}
	}
}

// TestHeadLimit checks the quota on a request's head at its boundary: "Total combined size of
// request line and header values | 10240 bytes" (HTTP API quotas; the REST table has the same
// row). Portico counts the request line and each header's name and value.
func TestHeadLimit(t *testing.T) {
	const host = restID + ".execute-api.localhost"
	const target = "/prod/items/1"
	fixed := len("GET "+target+" HTTP/1.1") + len("Host"+host) + len("X-Pad")
	for _, c := range []struct {
		size int
		want int
	}{{10240, 200}, {10241, 431}} {
		rec := &recorder{payload: `{"statusCode":200}`}
		h := http.Header{"Host": {host}, "X-Pad": {strings.Repeat("p", c.size-fixed)}}
		r := call(t, newGateway(t, rec), "GET", target, h)
		if r.status != c.want {
			t.Errorf("head of %d bytes: status %d %s, want %d", c.size, r.status, r.body, c.want)
		}
		if c.want == 431 && (message(r.body) != "HTTP header is larger than 10240 bytes." || len(rec.calls) != 0 || r.header.Get("X-Amzn-Requestid") == "") {
			t.Errorf("head of %d bytes: got %s %v (%d invokes), want the JSON refusal with a request id and no invoke", c.size, r.body, r.header, len(rec.calls))
		}
	}
	// Many empty headers count too: 20,000 of them are far over the quota.
	h := http.Header{"Host": {host}}
	for i := range 20000 {
		h.Set(fmt.Sprintf("X-%d", i), "")
	}
	if r := call(t, newGateway(t, &recorder{}), "GET", target, h); r.status != 431 {
		t.Errorf("%d empty headers: status %d, want 431", len(h), r.status)
	}
}

// TestMethodARNLimit checks the quota on a method ARN at its boundary: "When authorization is
// enabled on a method, the maximum length of the method's ARN ... is 1600 bytes. ... the API
// client receives a 414 Request URI too long response." ("Amazon API Gateway quotas and
// important notes")
func TestMethodARNLimit(t *testing.T) {
	asm, err := assembly.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	guard := accessFunc(func(access.Target) (access.Guard, error) {
		return func(_ context.Context, r *check.Request) (*access.Grant, error) {
			arns = append(arns, r.MethodARN())
			return nil, nil
		}, nil
	})
	srv := gateway.New(asm, staticInvoker{`{"statusCode":200}`}, gateway.Options{Access: guard})
	base := "/" + restID + "/prod/items/"
	call(t, srv, "GET", base+"x", nil)
	if len(arns) != 1 {
		t.Fatalf("the guard ran %d times, want once", len(arns))
	}
	prefix := len(arns[0]) - 1 // the ARN without the id "x"
	for _, c := range []struct{ size, want int }{{1600, 200}, {1601, 414}} {
		r := call(t, srv, "GET", base+strings.Repeat("i", c.size-prefix), nil)
		if r.status != c.want {
			t.Errorf("method ARN of %d bytes: status %d %s, want %d", c.size, r.status, r.body, c.want)
		}
	}
	if got := len(arns[len(arns)-1]); got != 1600 {
		t.Errorf("the last ARN the guard saw has %d bytes, want 1600 (the longer one refused before it)", got)
	}
}

// TestHostMatchesAsDNSName checks that the API id in the Host is matched as a DNS name: in any
// case and with a trailing dot (RFC 4343: DNS names compare case-insensitively; RFC 1034: a
// trailing dot names the same absolute name).
func TestHostMatchesAsDNSName(t *testing.T) {
	for _, host := range []string{
		strings.ToUpper(restID) + ".EXECUTE-API.LOCALHOST",
		restID + ".execute-api.localhost.",
		strings.ToUpper(restID) + ".Execute-Api.Localhost.:3000",
	} {
		rec := &recorder{payload: `{"statusCode":200}`}
		r := call(t, newGateway(t, rec), "GET", "/prod/items/1", http.Header{"Host": {host}})
		if r.status != 200 || len(rec.calls) != 1 {
			t.Errorf("Host %s: status %d %s, want the REST API's route served", host, r.status, r.body)
		}
	}
}
