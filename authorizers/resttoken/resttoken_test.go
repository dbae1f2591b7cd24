package resttoken_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/internal/tokenauthtest"
	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/authorizers/resttoken"
	"github.com/portico-dev/portico/authorizers/tokenauth"
)

func TestHandle(t *testing.T) {
	iss, a := tokenauthtest.New(t, "admins")
	tests := []struct {
		name    string
		token   string
		raw     bool // the fixture's "Bearer " dropped
		wantErr error
		effect  string
	}{
		{name: "bearer token of an admin", token: tokenauthtest.Token(t, iss, "ada", "admins"), effect: "Allow"},
		{name: "raw token", token: tokenauthtest.Token(t, iss, "ada", "admins"), raw: true, effect: "Allow"},
		{name: "valid token without the group", token: tokenauthtest.Token(t, iss, "bob", "users"), effect: "Deny"},
		{name: "garbage", token: "abc.def.ghi", wantErr: tokenauth.ErrUnauthorized},
		{name: "empty", token: "", raw: true, wantErr: tokenauth.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tokenauthtest.Event[events.APIGatewayCustomAuthorizerRequest](t, tt.token)
			if tt.raw {
				req.AuthorizationToken = tt.token
			}
			resp, err := resttoken.Handler{Authorizer: a}.Handle(context.Background(), req)
			if tokenauthtest.WantErr(t, err, tt.wantErr) {
				return
			}
			st := resp.PolicyDocument.Statement[0]
			want := "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/*"
			if st.Effect != tt.effect || len(st.Resource) != 1 || st.Resource[0] != want {
				t.Fatalf("got %s %v, want %s [%s]", st.Effect, st.Resource, tt.effect, want)
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
	h := resttoken.Handler{Authorizer: tokenauth.Authorizer{Verifier: v}}

	tok, _ := iss.Mint(iss.IDClaims("web", "ada"))
	resp, err := h.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{
		Type:               "TOKEN",
		AuthorizationToken: "Bearer " + tok,
		MethodArn:          "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders",
	})
	fmt.Println(resp.PrincipalID, resp.PolicyDocument.Statement[0].Effect, resp.PolicyDocument.Statement[0].Resource, err)
	// Output: sub-ada Allow [arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/*] <nil>
}
