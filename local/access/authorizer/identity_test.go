package authorizer

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"

	"github.com/portico-dev/portico/local/access/check"
)

func TestIdentitySources(t *testing.T) {
	r := &check.Request{Method: "GET", Path: "/pets/7", ResourcePath: "/pets/{id}", RouteKey: "GET /pets/{id}", Stage: "prod", APIID: "api1",
		Headers:   http.Header{"Authorization": {"tok"}, "X-Multi": {"a", "b"}},
		Query:     url.Values{"key": {"k1", "k2"}},
		StageVars: map[string]string{"env": "dev"},
		SourceIP:  netip.MustParseAddr("127.0.0.7")}
	tests := []struct {
		protocol Protocol
		expr     string
		want     string
	}{
		{REST, "method.request.header.Authorization", "tok"},
		{REST, "method.request.header.authorization", "tok"}, // header names are case-insensitive
		{REST, " method.request.header.X-Multi", "a,b"},
		{REST, "method.request.querystring.key", "k1,k2"},
		{REST, "stageVariables.env", "dev"},
		{REST, "context.httpMethod", "GET"},
		{REST, "context.identity.sourceIp", "127.0.0.7"},
		{REST, "method.request.header.Missing", ""},
		{HTTP, "$request.header.authorization", "tok"},
		{HTTP, "$request.querystring.key", "k1,k2"},
		{HTTP, "$stageVariables.env", "dev"},
		{HTTP, "$context.routeKey", "GET /pets/{id}"},
		{WebSocket, "route.request.header.Authorization", "tok"},
		{WebSocket, "route.request.querystring.key", "k1,k2"},
		{WebSocket, "context.stage", "prod"},
	}
	for _, tt := range tests {
		t.Run(string(tt.protocol)+" "+tt.expr, func(t *testing.T) {
			s, err := parseIdentitySource(tt.protocol, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.value(r); got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		protocol Protocol
		expr     string
	}{{REST, "$request.header.A"}, {HTTP, "stageVariables.env"}, {WebSocket, "method.request.header.A"}, {REST, "method.request.header."}, {REST, "method.request.body.x"}} {
		if _, err := parseIdentitySource(bad.protocol, bad.expr); err == nil {
			t.Errorf("%s %q was accepted", bad.protocol, bad.expr)
		}
	}
}
