package httpsimple_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/httpsimple"
	"github.com/portico-dev/portico/authorizers/internal/tokenauthtest"
	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/authorizers/tokenauth"
)

func TestHandle(t *testing.T) {
	iss, a := tokenauthtest.New(t, "admins", "readers")
	a.Config.GroupRoutes = map[string][]string{"admins": {"*"}, "readers": {"GET/*"}}
	tests := []struct {
		name    string
		token   string
		method  string // replaces GET in the fixture's routeArn
		wantErr error
		want    bool
	}{
		{name: "admin", token: tokenauthtest.Token(t, iss, "ada", "admins"), want: true},
		{name: "reader reads", token: tokenauthtest.Token(t, iss, "bob", "readers"), want: true},
		{name: "reader writes", token: tokenauthtest.Token(t, iss, "bob", "readers"), method: "DELETE", want: false},
		{name: "no required group", token: tokenauthtest.Token(t, iss, "eve", "guests"), want: false},
		{name: "no token", token: "", wantErr: tokenauth.ErrUnauthorized},
		{name: "alg none", token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", wantErr: tokenauth.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tokenauthtest.Event[events.APIGatewayV2CustomAuthorizerV2Request](t, tt.token)
			if tt.method != "" {
				req.RouteArn = strings.Replace(req.RouteArn, "/GET/", "/"+tt.method+"/", 1)
			}
			resp, err := httpsimple.Handler{Authorizer: a}.Handle(context.Background(), req)
			if tokenauthtest.WantErr(t, err, tt.wantErr) {
				return
			}
			if resp.IsAuthorized != tt.want {
				t.Fatalf("isAuthorized %v, want %v", resp.IsAuthorized, tt.want)
			}
			body, _ := json.Marshal(resp)
			if !strings.Contains(string(body), `"username":`) {
				t.Fatalf("response %s has no flat username in its context", body)
			}
		})
	}
}

func ExampleHandler_Handle() {
	// A stand-in user pool with its JWKS on 127.0.0.1; in Lambda, tokenauth.FromEnv(os.Getenv, nil).
	iss, _ := jwtissuer.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example")
	jwks := httptest.NewServer(iss.JWKSHandler())
	defer jwks.Close()
	v, _ := jwt.New(jwt.Config{Issuer: iss.URL, JWKSURL: jwks.URL, ClientIDs: []string{"web"}, TokenUse: "id"}, nil)
	defer v.Close()
	h := httpsimple.Handler{Authorizer: tokenauth.Authorizer{Verifier: v}}

	tok, _ := iss.Mint(iss.IDClaims("web", "ada"))
	resp, err := h.Handle(context.Background(), events.APIGatewayV2CustomAuthorizerV2Request{
		Type:     "REQUEST",
		RouteArn: "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/$default/GET/orders",
		Headers:  map[string]string{"authorization": "Bearer " + tok},
	})
	fmt.Println(resp.IsAuthorized, resp.Context["username"], err)
	// Output: true ada <nil>
}
