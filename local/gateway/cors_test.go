package gateway_test

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/gateway"
)

// Sources of the expectations below:
//   - [doc] API Gateway developer guide, "Configure CORS for HTTP APIs in API Gateway"
//     (http-api-cors.html).
//   - [401 capture] a public curl capture of an HTTP API with CORS and a JWT authorizer (host
//     x7jzrjfuv8.execute-api.us-east-1.amazonaws.com, apigw-requestid aQLT9hqNoAMEbuA=,
//     2024-07-01): GET /getUser from Origin http://localhost:5173 answered 401
//     {"message":"Unauthorized"} with www-authenticate: Bearer, access-control-allow-origin:
//     http://localhost:5173, vary: origin, access-control-allow-credentials: true.
//   - [* capture] a public curl capture of nckbku0m91.execute-api.eu-central-1.amazonaws.com:
//     GET /cars from Origin https://example.com answered "Access-Control-Allow-Origin: *" and no
//     Vary, on its 200, 400 and 404 alike.
//   - [choice] not documented and not captured: Portico's choice, in the README's Known
//     differences.

// corsConf is the CORS configuration of the tests: a local front end with credentials.
func corsConf() *assembly.Cors {
	age := 600
	return &assembly.Cors{AllowOrigins: []string{"http://localhost:5173", "https://*"}, AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"authorization", "content-type"}, ExposeHeaders: []string{"x-total", "date"}, AllowCredentials: true, MaxAge: &age}
}

// withCors gives the HTTP API the configuration c and drops its $default route, which would
// take every preflight ([doc] "The $default route catches requests for all methods and routes
// that you haven't explicitly defined, including OPTIONS requests.").
func withCors(c *assembly.Cors) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) {
		a.HTTPAPIs[0].Cors = c
		a.HTTPAPIs[0].Routes = slices.DeleteFunc(a.HTTPAPIs[0].Routes, func(r *assembly.V2Route) bool { return r.RouteKey == "$default" })
	}
}

// corsOf is the answer's CORS headers and Vary, lower-cased names.
func corsOf(h http.Header) map[string]string {
	m := map[string]string{}
	for k, v := range h {
		if k = strings.ToLower(k); strings.HasPrefix(k, "access-control-") || k == "vary" {
			m[k] = strings.Join(v, ", ")
		}
	}
	return m
}

func preflightHeader(origin, method, headers string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return h
}

// allowed is the full answer to an allowed preflight from origin under corsConf.
func allowed(origin string) map[string]string {
	return map[string]string{"access-control-allow-origin": origin, "vary": "origin", "access-control-allow-credentials": "true",
		"access-control-allow-methods": "GET,POST", "access-control-allow-headers": "authorization,content-type", "access-control-max-age": "600"}
}

func TestCORSPreflightMatching(t *testing.T) {
	all := &assembly.Cors{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}}
	tests := []struct {
		name   string
		conf   *assembly.Cors
		header http.Header
		want   map[string]string // the CORS headers of the 204; empty: none
	}{
		// [doc] "API Gateway automatically sends a response to preflight OPTIONS requests, even
		// if there isn't an OPTIONS route configured for your API."; echo, vary and credentials:
		// [401 capture]; methods, headers and max age as configured ([doc] table: maxAge 300,
		// allowMethods "GET, POST, DELETE, *", allowHeaders "authorization, *"); joined with ","
		// [choice].
		{"allowed origin, method and headers", corsConf(), preflightHeader("http://localhost:5173", "POST", "authorization"), allowed("http://localhost:5173")},
		// Header names are case-insensitive (RFC 9110 5.1); the request's list is comma-separated.
		{"headers in any case, listed", corsConf(), preflightHeader("http://localhost:5173", "GET", "Authorization, Content-Type"), allowed("http://localhost:5173")},
		{"no request headers", corsConf(), preflightHeader("http://localhost:5173", "GET", ""), allowed("http://localhost:5173")},
		// [doc] "https://* (allow any origin that begins with https://)".
		{"https://* matches an https origin", corsConf(), preflightHeader("https://app.example.com", "GET", ""), allowed("https://app.example.com")},
		// A refused preflight answers 204 without CORS headers [choice].
		{"https://* does not match http", corsConf(), preflightHeader("http://app.example.com", "GET", ""), nil},
		{"origin refused", corsConf(), preflightHeader("http://localhost:3000", "GET", ""), nil},
		{"method refused", corsConf(), preflightHeader("http://localhost:5173", "DELETE", ""), nil},
		{"header refused", corsConf(), preflightHeader("http://localhost:5173", "GET", "authorization, x-custom"), nil},
		// [doc] "* (allow all origins)", allowMethods "*", allowHeaders "*"; "*" without vary
		// [* capture]; no credentials or max age when not configured.
		{"all allowed", all, preflightHeader("http://localhost:5173", "PATCH", "x-custom"),
			map[string]string{"access-control-allow-origin": "*", "access-control-allow-methods": "*", "access-control-allow-headers": "*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{payload: `{"statusCode":200}`}
			var log bytes.Buffer
			asm, err := assembly.Load(fixture)
			if err != nil {
				t.Fatal(err)
			}
			withCors(tt.conf)(asm)
			srv := gateway.New(asm, rec.invoker(), gateway.Options{Log: &log})
			r := call(t, srv, "OPTIONS", "/"+httpID+"/items/7", tt.header)
			if r.status != http.StatusNoContent || len(r.body) != 0 {
				t.Errorf("status %d body %q, want 204 without a body", r.status, r.body)
			}
			if got := corsOf(r.header); !maps.Equal(got, tt.want) {
				t.Errorf("CORS headers\n got %v\nwant %v", got, tt.want)
			}
			if r.header.Get("Apigw-Requestid") == "" {
				t.Error("no apigw-requestid")
			}
			if len(rec.calls) != 0 {
				t.Errorf("the integration was invoked %d times", len(rec.calls))
			}
			// The request log shows the preflight, with no function.
			if line := log.String(); !regexp.MustCompile(`^OPTIONS /` + httpID + `/items/7 204 \S+ preflight\n$`).MatchString(line) {
				t.Errorf("log line %q, want OPTIONS ... 204 <latency> preflight", line)
			}
		})
	}
}

// TestCORSNotAPreflight: an OPTIONS without Access-Control-Request-Method is no preflight ([doc]
// "For the OPTIONS method, your request must contain an origin header and an
// Access-Control-Request-Method header."): no route takes it, and the 404 carries the CORS
// headers of a CORS request. An API without CORS answers a preflight as any request: 404.
func TestCORSNotAPreflight(t *testing.T) {
	srv := newGateway(t, &recorder{}, withCors(corsConf()))
	r := call(t, srv, "OPTIONS", "/"+httpID+"/items/7", http.Header{"Origin": {"http://localhost:5173"}})
	want := map[string]string{"access-control-allow-origin": "http://localhost:5173", "vary": "origin",
		"access-control-allow-credentials": "true", "access-control-expose-headers": "x-total,date"}
	if r.status != http.StatusNotFound || !maps.Equal(corsOf(r.header), want) {
		t.Errorf("got %d %v, want 404 %v", r.status, corsOf(r.header), want)
	}
	srv = newGateway(t, &recorder{}, withCors(nil))
	if r := call(t, srv, "OPTIONS", "/"+httpID+"/items/7", preflightHeader("http://localhost:5173", "GET", "")); r.status != http.StatusNotFound || len(corsOf(r.header)) != 0 {
		t.Errorf("without CORS: got %d %v, want 404 without CORS headers", r.status, corsOf(r.header))
	}
}

// denyAuthorized is an AccessControl whose guards refuse every request to a route with an
// authorizer: 401 with WWW-Authenticate for JWT (as http-api-troubleshooting-jwt.html shows it),
// 403 Forbidden for a Lambda (CUSTOM) authorizer.
type denyAuthorized struct{}

func (denyAuthorized) Guard(t access.Target) (access.Guard, error) {
	var d *check.Denial
	switch t.AuthorizationType {
	case "JWT":
		d = &check.Denial{Status: 401, Message: "Unauthorized", Header: http.Header{"Www-Authenticate": {"Bearer"}}, By: "authorizer Jwt", Reason: "no token"}
	case "CUSTOM":
		d = &check.Denial{Status: 403, Message: "Forbidden", By: "authorizer Lambda", Reason: "denied"}
	default:
		return nil, nil
	}
	return func(context.Context, *check.Request) (*access.Grant, error) { return nil, d }, nil
}

// withAuthorizer puts an authorizer of type kind on the HTTP API's route routeKey.
func withAuthorizer(routeKey, kind string) func(*assembly.Assembly) {
	return func(a *assembly.Assembly) {
		for _, r := range a.HTTPAPIs[0].Routes {
			if r.RouteKey == routeKey {
				r.AuthorizationType = kind
			}
		}
	}
}

func TestCORSHeadersOnEveryAnswer(t *testing.T) {
	origin := http.Header{"Origin": {"http://localhost:5173"}}
	// [401 capture]: the echoed origin, vary and credentials; Expose-Headers as configured
	// ([doc] table: exposeHeaders "date, x-api-id, *"), joined with "," [choice].
	cors := map[string]string{"access-control-allow-origin": "http://localhost:5173", "vary": "origin",
		"access-control-allow-credentials": "true", "access-control-expose-headers": "x-total,date"}
	// The integration's own CORS headers: [doc] "If you configure CORS for an API, API Gateway
	// ignores CORS headers returned from your backend integration."
	own := `{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*","access-control-allow-methods":"DELETE","Access-Control-Expose-Headers":"x-secret","X-Other":"kept"},"body":"ok"}`
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
		want               map[string]string
	}{
		// [doc] "For a CORS request, API Gateway adds the configured CORS headers to the
		// response from an integration."
		{"integration answer", "GET", "/items/7", origin, 200, cors},
		// [doc] "To return CORS headers, your request must contain an origin header." The
		// integration's are ignored all the same.
		{"integration answer, no Origin", "GET", "/items/7", nil, 200, map[string]string{}},
		// A refused origin gets none [choice, as on preflights].
		{"integration answer, origin refused", "GET", "/items/7", http.Header{"Origin": {"http://localhost:3000"}}, 200, map[string]string{}},
		// The gateway's own errors: [* capture] (its 404 carries the CORS header too).
		{"no route: 404", "POST", "/nowhere", origin, 404, cors},
		// Authorizer denials: [401 capture].
		{"JWT authorizer: 401", "POST", "/things", origin, 401, cors},
		{"Lambda authorizer: 403", "GET", "/items/special", origin, 403, cors},
		// A route that takes OPTIONS gets the preflight, authorizer included ([doc] "The
		// $default route catches requests for all methods ... including OPTIONS requests. To
		// support unauthorized OPTIONS requests, add an OPTIONS /{proxy+} route to your API that
		// doesn't require authorization"; an ANY route with a JWT authorizer fails its preflights,
		// anomalyco/sst#5493). Its answer carries the preflight's CORS headers [choice].
		{"preflight taken by an ANY route with an authorizer: 401", "OPTIONS", "/things", preflightHeader("http://localhost:5173", "POST", "authorization"), 401, allowed("http://localhost:5173")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{payload: own}
			asm, err := assembly.Load(fixture)
			if err != nil {
				t.Fatal(err)
			}
			for _, edit := range []func(*assembly.Assembly){withCors(corsConf()), withAuthorizer("ANY /things", "JWT"), withAuthorizer("GET /items/special", "CUSTOM")} {
				edit(asm)
			}
			srv := gateway.New(asm, rec.invoker(), gateway.Options{Access: denyAuthorized{}})
			r := call(t, srv, tt.method, "/"+httpID+tt.path, tt.header)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			if got := corsOf(r.header); !maps.Equal(got, tt.want) {
				t.Errorf("CORS headers\n got %v\nwant %v", got, tt.want)
			}
			if tt.status == 200 && r.header.Get("X-Other") != "kept" {
				t.Error("the integration's other headers were dropped")
			}
			if tt.status == 401 && r.header.Get("Www-Authenticate") != "Bearer" {
				t.Errorf("www-authenticate %q, want Bearer ([401 capture])", r.header.Get("Www-Authenticate"))
			}
		})
	}
}
