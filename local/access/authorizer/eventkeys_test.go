package authorizer

import (
	"context"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/internal/eventkeys"
)

// TestEventKeyPaths checks that each authorizer event has every key path of the authorizer
// events aws-lambda-go captured on AWS (events/testdata of its module; the fixture column names
// the file the expected paths come from).
func TestEventKeyPaths(t *testing.T) {
	tests := []struct {
		name     string
		cfg      LambdaConfig
		fixture  string
		freeForm []string
	}{
		{"REST TOKEN", tokenConfig(), "apigw-custom-auth-request.json", eventkeys.FreeFormV1},
		{"REST REQUEST",
			LambdaConfig{Protocol: REST, Type: TypeRequest, IdentitySources: []string{"method.request.header.Authorization"}},
			"apigw-custom-auth-request-type-request.json", eventkeys.FreeFormV1},
		{"HTTP REQUEST payload 2.0",
			LambdaConfig{Protocol: HTTP, PayloadVersion: "2.0", IdentitySources: []string{"$request.header.Authorization"}},
			"apigw-v2-custom-authorizer-v2-request.json", eventkeys.FreeFormV2},
		{"HTTP REQUEST payload 1.0",
			LambdaConfig{Protocol: HTTP, PayloadVersion: "1.0", IdentitySources: []string{"$request.header.Authorization"}},
			"apigw-v2-custom-authorizer-v1-request.json", eventkeys.FreeFormV1},
		// No WebSocket authorizer event was captured: the REST REQUEST capture is the event the
		// WebSocket one is documented against ("similar to that for REST APIs").
		{"WebSocket REQUEST",
			LambdaConfig{Protocol: WebSocket, Type: TypeRequest, IdentitySources: []string{"route.request.header.Authorization"}},
			"apigw-custom-auth-request-type-request.json", eventkeys.FreeFormV1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Name, tt.cfg.Function = "Auth", "AuthFn"
			inv := &fakeInvoker{answer: answer(allowOnly("Allow", "/*"))}
			a, err := NewLambda(tt.cfg, inv, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := restRequest("GET", "/request", "Bearer abc")
			r.Headers.Set("Cookie", "cookie1=1; cookie2=2")
			r.Query.Set("QueryString1", "queryValue1")
			r.PathParams = map[string]string{"parameter1": "value1"}
			r.StageVars = map[string]string{"StageVar1": "stageValue1"}
			if tt.cfg.Protocol == WebSocket {
				r.Method, r.Path, r.ResourcePath, r.RouteKey, r.PathParams = "", "", "", "$connect", nil
			}
			if _, err := a.Authorize(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			eventkeys.Check(t, tt.fixture, inv.last, tt.freeForm, nil)
			// The capture has one entry per cookie: ["cookie1", "cookie2"].
			if tt.cfg.PayloadVersion == "2.0" && !strings.Contains(string(inv.last), `"cookies":["cookie1=1","cookie2=2"]`) {
				t.Errorf("payload 2.0 event %s, want one cookies entry per cookie", inv.last)
			}
		})
	}
}
