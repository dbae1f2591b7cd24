package websocket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/authorizers/internal/tokenauthtest"
	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/authorizers/tokenauth"
	"github.com/portico-dev/portico/authorizers/websocket"
)

func TestHandle(t *testing.T) {
	iss, a := tokenauthtest.New(t, "players")
	good := tokenauthtest.Token(t, iss, "ada", "players")
	tests := []struct {
		name    string
		query   string // the fixture's token query parameter
		header  string // Authorization header, if any
		wantErr error
		effect  string
	}{
		{name: "token query parameter", query: good, effect: "Allow"},
		{name: "Authorization header", header: "Bearer " + good, effect: "Allow"},
		{name: "query parameter wins over header", query: good, header: "Bearer garbage", effect: "Allow"},
		{name: "bad query parameter is not rescued by header", query: "garbage", header: "Bearer " + good, wantErr: tokenauth.ErrUnauthorized},
		{name: "valid token without the group", query: tokenauthtest.Token(t, iss, "eve"), effect: "Deny"},
		{name: "no token", wantErr: tokenauth.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tokenauthtest.Event[events.APIGatewayCustomAuthorizerRequestTypeRequest](t, tt.query)
			if tt.header != "" {
				req.Headers["Authorization"] = tt.header
			}
			resp, err := websocket.Handler{Authorizer: a}.Handle(context.Background(), req)
			if tokenauthtest.WantErr(t, err, tt.wantErr) {
				return
			}
			st := resp.PolicyDocument.Statement[0]
			want := "arn:aws:execute-api:us-east-1:123456789012:wsapi12345/prod/*"
			if st.Effect != tt.effect || len(st.Resource) != 1 || st.Resource[0] != want {
				t.Fatalf("got %s %v, want %s [%s]", st.Effect, st.Resource, tt.effect, want)
			}
			// WebSocket authorizer results are limited to 8 KB.
			if body, _ := json.Marshal(resp); len(body) > 8<<10 {
				t.Fatalf("response is %d bytes, over the 8 KB WebSocket limit", len(body))
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
	h := websocket.Handler{Authorizer: tokenauth.Authorizer{Verifier: v}}

	tok, _ := iss.Mint(iss.IDClaims("web", "ada"))
	resp, err := h.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:                  "REQUEST",
		MethodArn:             "arn:aws:execute-api:us-east-1:123456789012:wsapi12345/prod/$connect",
		QueryStringParameters: map[string]string{"token": tok},
	})
	fmt.Println(resp.PolicyDocument.Statement[0].Effect, resp.Context["sub"], err)
	// Output: Allow sub-ada <nil>
}
