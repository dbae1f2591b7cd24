package profile_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/functions/internal/fixture"
	"github.com/portico-dev/portico/functions/profile"
)

func TestHandle(t *testing.T) {
	base := fixture.Load[events.APIGatewayV2HTTPRequest](t, "request.json")
	accessClaims := map[string]string{"sub": "client-123", "token_use": "access", "client_id": "client-123", "scope": "profile/admin profile/read"}
	tests := []struct {
		name       string
		routeKey   string
		claims     map[string]string // nil keeps the fixture's
		noJWT      bool
		params     map[string]string
		wantStatus int
		want       any // a pointer to the decoded body type, filled with the expected value
		got        any
	}{
		{
			name: "ID token: the caller's own profile", routeKey: profile.RouteMe, wantStatus: 200,
			want: &profile.Profile{Subject: "8f1c2b3a-1111-2222-3333-444455556666", Username: "ada", Email: "ada@example.com", TokenUse: "id", Groups: []string{"admins", "readers"}, Stage: "$default"},
			got:  &profile.Profile{},
		},
		{
			name: "access token: scopes from the scope claim", routeKey: profile.RouteMe, claims: accessClaims, wantStatus: 200,
			want: &profile.Profile{Subject: "client-123", TokenUse: "access", Scopes: []string{"profile/admin", "profile/read"}, Stage: "$default"},
			got:  &profile.Profile{},
		},
		{
			name: "admin route names the requested profile and the caller", routeKey: profile.RouteAdmin, claims: accessClaims,
			params: map[string]string{"id": "user-9"}, wantStatus: 200,
			want: &profile.AdminView{Subject: "user-9", RequestedBy: "client-123", Scopes: []string{"profile/admin", "profile/read"}},
			got:  &profile.AdminView{},
		},
		{
			name: "no verified claims fails closed", routeKey: profile.RouteMe, noJWT: true, wantStatus: 401,
			want: &map[string]string{"message": "Unauthorized"}, got: &map[string]string{},
		},
		{
			name: "claims without a subject fail closed", routeKey: profile.RouteMe, claims: map[string]string{"email": "x@example.com"}, wantStatus: 401,
			want: &map[string]string{"message": "Unauthorized"}, got: &map[string]string{},
		},
		{
			name: "unknown route", routeKey: "GET /other", wantStatus: 404,
			want: &map[string]string{"message": "Not Found"}, got: &map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := base
			req.RouteKey, req.PathParameters = tt.routeKey, tt.params
			auth := *base.RequestContext.Authorizer
			jwt := *auth.JWT
			auth.JWT = &jwt
			if tt.claims != nil {
				jwt.Claims = tt.claims
			}
			if tt.noJWT {
				auth.JWT = nil
			}
			req.RequestContext.Authorizer = &auth

			resp, err := profile.Handler{}.Handle(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || resp.Headers["Content-Type"] != "application/json" {
				t.Fatalf("status %d headers %v, want %d application/json", resp.StatusCode, resp.Headers, tt.wantStatus)
			}
			if err := json.Unmarshal([]byte(resp.Body), tt.got); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("body %s\nwant %+v", resp.Body, tt.want)
			}
		})
	}
}

func ExampleHandler_Handle() {
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: profile.RouteMe,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			Stage: "prod",
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": "42", "token_use": "id"}},
			},
		},
	}
	resp, _ := profile.Handler{}.Handle(context.Background(), req)
	fmt.Println(resp.StatusCode, resp.Body)
	// Output: 200 {"sub":"42","tokenUse":"id","stage":"prod"}
}
