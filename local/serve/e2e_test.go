package serve_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestRoutingPrecedence(t *testing.T) {
	tests := []struct {
		name, method, url string
		wantRoute         string // REST resource or HTTP routeKey
		wantParams        map[string]string
		wantFunction      string
	}{
		{"REST literal beats param", "GET", restURL("prod", "/items/special"), "/items/special", nil, "Probe"},
		{"REST param", "GET", restURL("prod", "/items/42"), "/items/{id}", map[string]string{"id": "42"}, "Probe"},
		{"REST nested params on ANY", "DELETE", restURL("prod", "/items/42/x"), "/items/{id}/{sub}", map[string]string{"id": "42", "sub": "x"}, "Probe"},
		{"REST greedy last", "GET", restURL("prod", "/a/b/c"), "/{proxy+}", map[string]string{"proxy": "a/b/c"}, "Probe"},
		{"REST method beats ANY", "POST", restURL("prod", "/things"), "/things", nil, "Short"},
		{"REST ANY", "PATCH", restURL("prod", "/things"), "/things", nil, "Probe"},
		{"REST root", "GET", restURL("prod", "/"), "/", nil, "Probe"},
		{"HTTP literal beats param", "GET", httpURL("/items/special"), "GET /items/special", nil, "Probe"},
		{"HTTP param", "GET", httpURL("/items/7"), "GET /items/{id}", map[string]string{"id": "7"}, "Probe"},
		{"HTTP greedy", "GET", httpURL("/x/y"), "GET /{proxy+}", map[string]string{"proxy": "x/y"}, "Probe"},
		{"HTTP ANY", "DELETE", httpURL("/things"), "ANY /things", nil, "Probe"},
		{"HTTP $default when no method matches", "POST", httpURL("/x"), "$default", nil, "Probe"},
		{"HTTP named stage", "GET", httpURL("/dev/items/9"), "GET /items/{id}", map[string]string{"id": "9"}, "Probe"},
		{"Host header addressing", "GET", "", "/items/{id}", map[string]string{"id": "5"}, "Probe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, header := tt.url, http.Header{}
			if url == "" {
				url = base + "/prod/items/5"
				header.Set("Host", restID+".execute-api.localhost")
			}
			req, _ := http.NewRequest(tt.method, url, nil)
			req.Host = header.Get("Host")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			var ev struct {
				Resource       string
				RouteKey       string
				PathParameters map[string]string
			}
			e := decodeEcho(t, response{status: resp.StatusCode, body: buf.Bytes()}, &ev)
			got := ev.Resource
			if strings.HasPrefix(tt.url, httpURL("")) {
				got = ev.RouteKey
			}
			if got != tt.wantRoute {
				t.Errorf("matched %q, want %q", got, tt.wantRoute)
			}
			if fmt.Sprint(ev.PathParameters) != fmt.Sprint(tt.wantParams) {
				t.Errorf("path parameters %v, want %v", ev.PathParameters, tt.wantParams)
			}
			if !strings.Contains(e.Env["AWS_LAMBDA_FUNCTION_NAME"], "-"+tt.wantFunction) {
				t.Errorf("ran %q, want function %s", e.Env["AWS_LAMBDA_FUNCTION_NAME"], tt.wantFunction)
			}
		})
	}
}

func TestEventV1Fields(t *testing.T) {
	h := http.Header{"X-Multi": {"a", "b"}, "User-Agent": {"portico-test"}, "Content-Type": {"application/json"}}
	before := time.Now()
	r := do(t, "POST", restURL("prod", "/items/42/sub?a=1&a=2&b=3"), h, []byte(`{"k":"v"}`))
	var ev events.APIGatewayProxyRequest
	e := decodeEcho(t, r, &ev)
	rc := ev.RequestContext
	checks := []struct {
		name      string
		got, want any
	}{
		{"resource", ev.Resource, "/items/{id}/{sub}"},
		{"path", ev.Path, "/items/42/sub"},
		{"httpMethod", ev.HTTPMethod, "POST"},
		{"header last value", ev.Headers["X-Multi"], "b"},
		{"multi-value header", fmt.Sprint(ev.MultiValueHeaders["X-Multi"]), "[a b]"},
		{"query last value", ev.QueryStringParameters["a"], "2"},
		{"multi-value query", fmt.Sprint(ev.MultiValueQueryStringParameters["a"]), "[1 2]"},
		{"path parameters", fmt.Sprint(ev.PathParameters), "map[id:42 sub:sub]"},
		{"stage variables", fmt.Sprint(ev.StageVariables), "map[alias:live color:blue]"},
		{"body", ev.Body, `{"k":"v"}`},
		{"isBase64Encoded", ev.IsBase64Encoded, false},
		{"requestId matches header", rc.RequestID, r.header.Get("X-Amzn-Requestid")},
		{"stage", rc.Stage, "prod"},
		{"resourcePath", rc.ResourcePath, "/items/{id}/{sub}"},
		{"requestContext.path", rc.Path, "/prod/items/42/sub"},
		{"apiId", rc.APIID, restID},
		{"sourceIp", rc.Identity.SourceIP, "127.0.0.1"},
		{"userAgent", rc.Identity.UserAgent, "portico-test"},
		{"requestContext.httpMethod", rc.HTTPMethod, "POST"},
		{"requestTimeEpoch is now", rc.RequestTimeEpoch >= before.UnixMilli() && rc.RequestTimeEpoch <= time.Now().UnixMilli(), true},
		{"requestTime set", rc.RequestTime != "", true},
		{"function environment", e.Env["GREETING"], "fixture"},
		{"no RPC port", e.Env["_LAMBDA_SERVER_PORT"], ""},
		{"TZ", e.Env["TZ"], "UTC"},
		{"deadline", e.HasDeadline, true},
		{"Lambda request id differs from API request id", e.RequestID != rc.RequestID && e.RequestID != "", true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEventV2Fields(t *testing.T) {
	h := http.Header{"X-Multi": {"a", "b"}, "Cookie": {"c1=1; c2=2"}, "User-Agent": {"portico-test"}}
	r := do(t, "GET", httpURL("/dev/items/7?a=1&a=2&b=%20x"), h, nil)
	var ev events.APIGatewayV2HTTPRequest
	decodeEcho(t, r, &ev)
	rc := ev.RequestContext
	checks := []struct {
		name      string
		got, want any
	}{
		{"version", ev.Version, "2.0"},
		{"routeKey", ev.RouteKey, "GET /items/{id}"},
		{"rawPath keeps the stage", ev.RawPath, "/dev/items/7"},
		{"rawQueryString", ev.RawQueryString, "a=1&a=2&b=%20x"},
		{"cookies", fmt.Sprint(ev.Cookies), "[c1=1 c2=2]"},
		{"no cookie header", ev.Headers["cookie"], ""},
		{"lower-cased joined headers", ev.Headers["x-multi"], "a,b"},
		{"joined query", ev.QueryStringParameters["a"], "1,2"},
		{"decoded query", ev.QueryStringParameters["b"], " x"},
		{"path parameters", fmt.Sprint(ev.PathParameters), "map[id:7]"},
		{"stage variables", fmt.Sprint(ev.StageVariables), "map[color:red]"},
		{"stage", rc.Stage, "dev"},
		{"requestId matches header", rc.RequestID, r.header.Get("Apigw-Requestid")},
		{"http.method", rc.HTTP.Method, "GET"},
		{"http.path", rc.HTTP.Path, "/dev/items/7"},
		{"http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
		{"http.userAgent", rc.HTTP.UserAgent, "portico-test"},
		{"apiId", rc.APIID, httpID},
		{"timeEpoch set", rc.TimeEpoch > 0, true},
		{"body empty", ev.Body, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestStageVariableAliasRouting(t *testing.T) {
	for _, stage := range []string{"prod", "beta"} {
		alias := map[string]string{"prod": "live", "beta": "beta"}[stage]
		t.Run(stage, func(t *testing.T) {
			e := decodeEcho(t, do(t, "GET", restURL(stage, "/alias"), nil, nil), nil)
			if !strings.HasSuffix(e.InvokedARN, ":function:Fixture-Probe0EC72DDE:"+alias) {
				t.Errorf("invoked %q, want the %s alias of Fixture-Probe0EC72DDE", e.InvokedARN, alias)
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	r := do(t, "GET", restURL("prod", "/items/1?do=mvh"), nil, nil)
	if r.status != 201 || string(r.body) != "multi" {
		t.Fatalf("got %d %q, want 201 \"multi\"", r.status, r.body)
	}
	for k, want := range map[string]string{"X-Multi": "[a b]", "Set-Cookie": "[c1=1 c2=2]", "X-Single": "[one]"} {
		if got := fmt.Sprint(r.header.Values(k)); got != want {
			t.Errorf("header %s = %s, want %s", k, got, want)
		}
	}
}

func TestV2ResponseInference(t *testing.T) {
	tests := []struct {
		query, wantBody, wantType string
		wantCookies               []string
	}{
		{"raw", `{"inferred":true,"n":[1,2]}`, "application/json", nil},
		{"string", "just a string", "application/json", nil},
		{"cookies", "cookies", "text/plain", []string{"c1=1", "c2=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := do(t, "GET", httpURL("/anything?do="+tt.query), nil, nil)
			if r.status != 200 || string(r.body) != tt.wantBody || r.header.Get("Content-Type") != tt.wantType {
				t.Errorf("got %d %q (%s), want 200 %q (%s)", r.status, r.body, r.header.Get("Content-Type"), tt.wantBody, tt.wantType)
			}
			if fmt.Sprint(r.header.Values("Set-Cookie")) != fmt.Sprint(tt.wantCookies) && tt.wantCookies != nil {
				t.Errorf("cookies %v, want %v", r.header.Values("Set-Cookie"), tt.wantCookies)
			}
		})
	}
}

func TestBinaryBodies(t *testing.T) {
	payload := []byte{0, 1, 2, 0xfe, 0xff, 'x'}
	tests := []struct {
		name, url, contentType, accept string
		want                           []byte
	}{
		{"REST binary media type, binary Accept", restURL("prod", "/items/1/x?do=echobody"), "application/octet-stream", "application/octet-stream", payload},
		{"REST binary media type, no binary Accept: base64 text", restURL("prod", "/items/1/x?do=echobody"), "application/octet-stream", "", []byte(base64.StdEncoding.EncodeToString(payload))},
		{"REST wildcard media type", restURL("prod", "/items/1/x?do=echobody"), "image/png", "image/png", payload},
		{"HTTP binary", httpURL("/things?do=echobody"), "application/octet-stream", "", payload},
		{"HTTP text stays text", httpURL("/things?do=echobody"), "application/json", "", []byte(`{"a":1}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := payload
			if tt.contentType == "application/json" {
				body = []byte(`{"a":1}`)
			}
			h := http.Header{"Content-Type": {tt.contentType}}
			if tt.accept != "" {
				h.Set("Accept", tt.accept)
			}
			r := do(t, "POST", tt.url, h, body)
			if r.status != 200 || !bytes.Equal(r.body, tt.want) {
				t.Errorf("got %d %q, want 200 %q", r.status, r.body, tt.want)
			}
		})
	}
	t.Run("binary response", func(t *testing.T) {
		r := do(t, "GET", httpURL("/things?do=binary"), nil, nil)
		if !bytes.Equal(r.body, []byte{0, 1, 2, 0xfe, 0xff}) {
			t.Errorf("body %v, want the decoded bytes", r.body)
		}
	})
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name, url  string
		wantStatus int
		wantBody   string
	}{
		{"REST malformed response", restURL("prod", "/items/1?do=malformed"), 502, `{"message":"Internal server error"}`},
		{"REST response not JSON", restURL("prod", "/items/1?do=notjson"), 502, `{"message":"Internal server error"}`},
		{"REST handler error", restURL("prod", "/items/1?do=error"), 502, `{"message":"Internal server error"}`},
		{"REST panic", restURL("prod", "/items/1?do=panic"), 502, `{"message":"Internal server error"}`},
		{"REST crash", restURL("prod", "/items/1?do=exit"), 502, `{"message":"Internal server error"}`},
		{"REST response without statusCode", restURL("prod", "/items/1?do=raw"), 502, `{"message":"Internal server error"}`},
		{"HTTP malformed response", httpURL("/things?do=malformed"), 500, `{"message":"Internal Server Error"}`},
		{"HTTP crash", httpURL("/things?do=exit"), 500, `{"message":"Internal Server Error"}`},
		// The function's own timeout (1 s, shorter than the integration's): Lambda reports it as
		// a function error, 502 on REST and 500 on HTTP APIs (services-apigateway-errors.html).
		{"REST timeout", restURL("prod", "/slow?do=sleep&ms=4000"), 502, `{"message":"Internal server error"}`},
		{"HTTP timeout", httpURL("/slow?do=sleep&ms=4000"), 500, `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := do(t, "GET", tt.url, nil, nil)
			if r.status != tt.wantStatus || strings.TrimSpace(string(r.body)) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tt.wantStatus, tt.wantBody)
			}
			if strings.Contains(tt.name, "timeout") && time.Since(start) > 3*time.Second {
				t.Errorf("timeout took %s; the function's timeout is 1s", time.Since(start))
			}
			// The next request gets a healthy (maybe fresh) process.
			if ok := do(t, "GET", restURL("prod", "/items/1"), nil, nil); ok.status != 200 {
				t.Errorf("after failure: %d %s", ok.status, ok.body)
			}
		})
	}
}

func TestUnknownAddresses(t *testing.T) {
	tests := []struct {
		name, method, url string
		wantStatus        int
		wantBody          string
	}{
		{"REST unknown stage", "GET", restURL("nostage", "/items"), 403, `{"message":"Missing Authentication Token"}`},
		// The root resource has GET only, and /{proxy+} takes no empty path.
		{"REST method not on resource", "PUT", restURL("prod", "/"), 403, `{"message":"Missing Authentication Token"}`},
		{"REST stage root", "GET", base + "/" + restID + "/prod", 200, ""},
		{"unknown API", "GET", base + "/nosuchapi0/prod/x", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, tt.method, tt.url, nil, nil)
			if r.status != tt.wantStatus || (tt.wantBody != "" && strings.TrimSpace(string(r.body)) != tt.wantBody) {
				t.Errorf("got %d %s, want %d %s", r.status, r.body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestOversizedBody(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 10*1024*1024+1)
	for _, tt := range []struct{ url, want string }{
		{restURL("prod", "/items/1"), `{"message":"Request Too Long"}`},
		{httpURL("/things"), `{"message":"Request Entity Too Large"}`},
	} {
		r := do(t, "POST", tt.url, http.Header{"Content-Type": {"text/plain"}}, big)
		if r.status != 413 || strings.TrimSpace(string(r.body)) != tt.want {
			t.Errorf("%s: got %d %s, want 413 %s", tt.url, r.status, r.body, tt.want)
		}
	}
}

func TestRefusedRoutes(t *testing.T) {
	for _, line := range []string{
		`not served: Web GET /vtl (MOCK integration: request template application/json "{\"statusCode\": $input.params('code')}": only a literal {"statusCode": N} is emulated)`,
		"WebSocket API Socket (stack Fixture, id kap966lq4i, route selection $request.body.action)",
	} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("start-up output lacks %q", line)
		}
	}
	// A refused route answers 501 and never falls through to /{proxy+}.
	for _, url := range []string{base + "/" + webID + "/prod/vtl"} {
		r := do(t, "GET", url, nil, nil)
		if r.status != 501 || !strings.Contains(string(r.body), "not served by portico") {
			t.Errorf("%s: got %d %s, want 501 not served", url, r.status, r.body)
		}
	}
}

func TestConcurrentRequests(t *testing.T) {
	const n = 30
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := do(t, "GET", restURL("prod", fmt.Sprintf("/items/%d?do=sleep&ms=200", i)), nil, nil)
			var ev events.APIGatewayProxyRequest
			var e echo
			if err := json.Unmarshal(r.body, &e); err != nil || json.Unmarshal(e.Event, &ev) != nil {
				errs <- fmt.Errorf("request %d: %d %s", i, r.status, r.body)
				return
			}
			if ev.PathParameters["id"] != fmt.Sprint(i) {
				errs <- fmt.Errorf("request %d got the answer for %s", i, ev.PathParameters["id"])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// 10 processes in parallel: 3 rounds of 200 ms, not 30.
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("%d requests of 200 ms took %s; they did not run concurrently", n, elapsed)
	}
}

func TestRequestLog(t *testing.T) {
	do(t, "GET", restURL("prod", "/items/logged"), nil, nil)
	if !strings.Contains(logs.String(), "GET /"+restID+"/prod/items/logged 200 ") {
		t.Errorf("no request log line in:\n%s", logs.String())
	}
}

// A route refused for its access control must not be reachable through another spelling of its
// path (which would fall through to /{proxy+} and run the handler unprotected).
func TestRefusedRouteNotReachableByPathTricks(t *testing.T) {
	for _, path := range []string{"/secure", "/secure/", "//secure", "/%73ecure", "/./secure", "/items/../secure"} {
		t.Run(path, func(t *testing.T) {
			req, err := http.NewRequest("GET", base+"/"+restID+"/prod"+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Opaque = "//" + req.URL.Host + "/" + restID + "/prod" + path // keep the path as written
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("GET %s reached a handler (200); want it refused", path)
			}
		})
	}
}
