package restrequest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/internal/tokenauthtest"
	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/authorizers/restrequest"
	"github.com/portico-dev/portico/authorizers/tokenauth"
)

func TestHandle(t *testing.T) {
	iss, a := tokenauthtest.New(t)
	a.Config.GroupRoutes = map[string][]string{"readers": {"GET/orders/*"}}
	good := tokenauthtest.Token(t, iss, "ada", "readers")
	tests := []struct {
		name      string
		headers   map[string]string // nil: the fixture's
		token     string
		wantErr   error
		effect    string
		resources []string
	}{
		{name: "lower-case header from the fixture", token: good, effect: "Allow",
			resources: []string{"arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders/*"}},
		{name: "canonical header without Bearer", headers: map[string]string{"Authorization": good}, effect: "Allow",
			resources: []string{"arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders/*"}},
		{name: "group without routes", token: tokenauthtest.Token(t, iss, "eve", "guests"), effect: "Deny",
			resources: []string{"arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/*"}},
		{name: "no Authorization header", headers: map[string]string{"Host": "x"}, wantErr: tokenauth.ErrUnauthorized},
		{name: "token in another header only", headers: map[string]string{"X-Token": good}, wantErr: tokenauth.ErrUnauthorized},
		{name: "tampered token", token: good[:len(good)-4] + "AAAA", wantErr: tokenauth.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tokenauthtest.Event[events.APIGatewayCustomAuthorizerRequestTypeRequest](t, tt.token)
			if tt.headers != nil {
				req.Headers = tt.headers
			}
			resp, err := restrequest.Handler{Authorizer: a}.Handle(context.Background(), req)
			if tokenauthtest.WantErr(t, err, tt.wantErr) {
				return
			}
			st := resp.PolicyDocument.Statement[0]
			if st.Effect != tt.effect || strings.Join(st.Resource, " ") != strings.Join(tt.resources, " ") {
				t.Fatalf("got %s %v, want %s %v", st.Effect, st.Resource, tt.effect, tt.resources)
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
	h := restrequest.Handler{Authorizer: tokenauth.Authorizer{Verifier: v}}

	tok, _ := iss.Mint(iss.IDClaims("web", "ada", "admins", "ops"))
	resp, err := h.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:      "REQUEST",
		MethodArn: "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders",
		Headers:   map[string]string{"Authorization": "Bearer " + tok},
	})
	fmt.Println(resp.PolicyDocument.Statement[0].Effect, resp.Context["groups"], err)
	// Output: Allow admins,ops <nil>
}
