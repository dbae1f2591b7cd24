package access

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/fakeclock"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/assembly"
)

// TestStageDefaultThrottlePerMethodOrRoute: a stage's default throttle is the limit of each
// method (REST) or route (HTTP, WebSocket) separately, each in a bucket of its own, not one bucket
// the whole stage shares; a method or route with a setting of its own is limited by that instead.
// Every case: stage default rate 1/s burst 2; "own" has rate 1/s burst 1.
func TestStageDefaultThrottlePerMethodOrRoute(t *testing.T) {
	rate, burst, ownBurst := 1.0, 2, 1
	stageDefault := &assembly.Throttle{RateLimit: &rate, BurstLimit: &burst}
	own := assembly.Throttle{RateLimit: &rate, BurstLimit: &ownBurst}
	rest := &assembly.RestAPI{ID: "rest1", APIKeySource: "HEADER", Stages: []*assembly.Stage{{Name: "prod", MethodSettings: []assembly.MethodSetting{
		{ResourcePath: "/*", HTTPMethod: "*", Throttle: *stageDefault},
		{ResourcePath: "/~1slow", HTTPMethod: "GET", Throttle: own},
	}}}}
	httpAPI := &assembly.V2API{ID: "http1", ProtocolType: "HTTP", Stages: []*assembly.Stage{{Name: "$default",
		DefaultRouteThrottle: stageDefault, RouteThrottles: map[string]assembly.Throttle{"GET /slow": own}}}}
	ws := &assembly.V2API{ID: "ws1", ProtocolType: "WEBSOCKET", Stages: []*assembly.Stage{{Name: "prod",
		DefaultRouteThrottle: stageDefault, RouteThrottles: map[string]assembly.Throttle{"whoami": own}}}}

	// admit sends one request to the route ("GET /pets", "$default" or a WebSocket route key).
	type admit func(t *testing.T, g *Gate, route string) error
	guarded := func(apiID, stage string) admit {
		return func(t *testing.T, g *Gate, route string) error {
			method, path, _ := strings.Cut(route, " ")
			guard, err := g.Guard(Target{APIID: apiID, REST: apiID == rest.ID, Method: method, ResourcePath: path, RouteKey: route})
			if err != nil {
				t.Fatal(err)
			}
			_, err = guard(context.Background(), &check.Request{APIID: apiID, Stage: stage, Method: method, Path: path, ResourcePath: path, RouteKey: route})
			return err
		}
	}
	tests := []struct {
		name      string
		add       func(*assembly.Assembly)
		apiID     string
		stage     string
		admit     admit
		unit      string // "method" or "route", as the denial names it
		a, b, own string // two routes at the stage default, and one with a setting of its own
		doc       string // the AWS documentation the case checks
	}{{
		name: "REST", add: func(a *assembly.Assembly) { a.RestAPIs = append(a.RestAPIs, rest) },
		apiID: rest.ID, stage: "prod", admit: guarded(rest.ID, "prod"),
		unit: "method", a: "GET /pets", b: "POST /pets", own: "GET /slow",
		// "Per-API, per-stage throttling limits are applied at the API method level for a stage. You
		// can configure the same settings for all methods, or configure different throttle settings
		// for each method." (AWS, "Throttle requests to your REST APIs for better throughput in API
		// Gateway", How throttling limit settings are applied in API Gateway,
		// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html)
		doc: "per-stage throttling limits are applied at the API method level",
	}, {
		name: "HTTP", add: func(a *assembly.Assembly) { a.HTTPAPIs = append(a.HTTPAPIs, httpAPI) },
		apiID: httpAPI.ID, stage: "$default", admit: guarded(httpAPI.ID, "$default"),
		unit: "route", a: "GET /pets", b: "$default", own: "GET /slow",
		// "You can set route-level throttling to override the account-level request throttling
		// limits for a specific stage or for individual routes in your API. The default route
		// throttling limits can't exceed account-level rate limits." (AWS, "Throttling requests to
		// your HTTP API", Route-level throttling,
		// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html)
		doc: "route-level throttling for a stage: default route throttling limits",
	}, {
		name: "WebSocket", add: func(a *assembly.Assembly) { a.WebSocketAPIs = append(a.WebSocketAPIs, ws) },
		apiID: ws.ID, stage: "prod", admit: func(t *testing.T, g *Gate, route string) error {
			c, err := g.WebSocket(ws)
			if err != nil {
				t.Fatal(err)
			}
			return c.Admit(context.Background(), &check.Request{APIID: ws.ID, Stage: "prod", RouteKey: route})
		},
		unit: "route", a: "$connect", b: "echo", own: "whoami",
		// The same two sentences under Route-level throttling of AWS, "Protecting your WebSocket
		// API", https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-protect.html
		doc: "route-level throttling for a stage: default route throttling limits",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asm := &assembly.Assembly{}
			tt.add(asm)
			clock := fakeclock.New(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			g := New(Config{Assembly: asm, Now: clock.Now})
			defer g.Close()
			throttled := func(route, reason string) {
				t.Helper()
				var d *check.Denial
				err := tt.admit(t, g, route)
				if !errors.As(err, &d) || d.Status != http.StatusTooManyRequests || string(d.Body()) != `{"message":"Too Many Requests"}` ||
					d.By != "stage "+tt.apiID+"/"+tt.stage || !strings.Contains(d.Reason, reason) {
					t.Errorf("%s: %v, want 429 Too Many Requests by the stage for %q (%s)", route, err, reason, tt.doc)
				}
			}
			for _, route := range []string{tt.a, tt.b} {
				for i := range burst {
					if err := tt.admit(t, g, route); err != nil {
						t.Fatalf("%s request %d of the stage default's burst %d: %v; each %s has a bucket of its own (%s)", route, i+1, burst, err, tt.unit, tt.doc)
					}
				}
			}
			throttled(tt.a, "throttle for "+tt.unit+" "+tt.a+", at the stage default per "+tt.unit+" (rate 1/s, burst 2) exceeded")
			if err := tt.admit(t, g, tt.own); err != nil {
				t.Fatalf("%s, first request: %v", tt.own, err)
			}
			throttled(tt.own, "throttle for "+tt.unit+" "+tt.own+" (rate 1/s, burst 1) exceeded")
			clock.Advance(time.Second) // one token at 1/s
			if err := tt.admit(t, g, tt.a); err != nil {
				t.Errorf("%s after a second: %v, want admitted", tt.a, err)
			}
		})
	}
}
