package authorizer

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
)

const poolURL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"

// pool is a local user pool: an issuer with its JWKS served on 127.0.0.1.
func pool(t *testing.T, url string) (*jwtissuer.Issuer, string) {
	t.Helper()
	iss, err := jwtissuer.New(url)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.JWKSHandler())
	t.Cleanup(srv.Close)
	return iss, srv.URL
}

func mint(t *testing.T, iss *jwtissuer.Issuer, claims map[string]any, edit func(map[string]any)) string {
	t.Helper()
	if edit != nil {
		edit(claims)
	}
	tok, err := iss.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func expired(c map[string]any) {
	c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
	c["exp"] = time.Now().Add(-time.Hour).Unix()
}

func TestTokenAuthorizers(t *testing.T) {
	iss, jwks := pool(t, poolURL)
	// Same issuer URL, another key: a forged token.
	forger, _ := pool(t, poolURL)
	other, _ := pool(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other")

	id := func(edit func(map[string]any)) string {
		return mint(t, iss, iss.IDClaims("web", "alice", "admin"), edit)
	}
	acc := func(scopes ...string) string { return mint(t, iss, iss.AccessClaims("web", "alice", scopes), nil) }

	tests := []struct {
		name   string
		kind   TokenKind
		header string
		scopes []string
		status int // 0: allowed
		reason string
	}{
		{"REST: ID token, no scopes", CognitoUserPools, id(nil), nil, 0, ""},
		{"REST: access token where an ID token is expected", CognitoUserPools, acc("orders/read"), nil, 401, `token_use is "access"`},
		{"REST: access token with the scope", CognitoUserPools, acc("orders/read", "x"), []string{"orders/read"}, 0, ""},
		{"REST: access token with the wrong scope", CognitoUserPools, acc("orders/write"), []string{"orders/read"}, 401, "hold none of"},
		{"REST: ID token where scopes are required", CognitoUserPools, id(nil), []string{"orders/read"}, 401, `token_use is "id"`},
		{"REST: expired", CognitoUserPools, id(expired), nil, 401, "expired"},
		{"REST: other issuer", CognitoUserPools, mint(t, other, other.IDClaims("web", "alice"), nil), nil, 401, "us-east-1_other"},
		{"REST: forged signature", CognitoUserPools, mint(t, forger, forger.IDClaims("web", "alice"), nil), nil, 401, "invalid token"},
		{"REST: other app client", CognitoUserPools, mint(t, iss, iss.IDClaims("mobile", "alice"), nil), nil, 401, "aud"},
		{"REST: no token", CognitoUserPools, "", nil, 401, "no token in method.request.header.Authorization"},
		{"REST: garbage", CognitoUserPools, "not.a.jwt", nil, 401, "not base64url"},
		{"HTTP: Bearer access token with scope", JWTAuthorizer, "Bearer " + acc("orders/read"), []string{"orders/read"}, 0, ""},
		{"HTTP: ID token, audience", JWTAuthorizer, "Bearer " + id(nil), nil, 0, ""},
		{"HTTP: wrong scope is 403", JWTAuthorizer, "Bearer " + acc("orders/write"), []string{"orders/read"}, 403, "hold none of"},
		{"HTTP: expired", JWTAuthorizer, "Bearer " + id(expired), nil, 401, "expired"},
		{"HTTP: other audience", JWTAuthorizer, "Bearer " + mint(t, iss, iss.AccessClaims("mobile", "a", nil), nil), nil, 401, "client_id"},
		{"HTTP: alg none", JWTAuthorizer, "Bearer " + noneToken(t, iss.IDClaims("web", "alice")), nil, 401, "invalid token"},
	}
	for _, kind := range []TokenKind{CognitoUserPools, JWTAuthorizer} {
		a, err := NewToken(TokenConfig{Name: "Pool", Kind: kind, Issuers: []Issuer{{URL: poolURL, JWKSURL: jwks, ClientIDs: []string{"web"}}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(a.Close)
		for _, tt := range tests {
			if tt.kind != kind {
				continue
			}
			t.Run(tt.name, func(t *testing.T) {
				r := restRequest("GET", "/orders", tt.header)
				res, err := a.Authorize(context.Background(), r, tt.scopes)
				if tt.status == 0 {
					if err != nil {
						t.Fatalf("Authorize = %v, want allowed", err)
					}
					if res.Subject != "sub-alice" || res.Claims["iss"] != poolURL {
						t.Errorf("result = %+v", res)
					}
					return
				}
				d := denialOf(t, err)
				if d.Status != tt.status || !strings.Contains(d.Reason, tt.reason) {
					t.Errorf("denial = %v, want %d with %q", d, tt.status, tt.reason)
				}
				wantErr := `error="invalid_token"`
				if tt.status == http.StatusForbidden {
					wantErr = `error="insufficient_scope"`
				}
				if h := d.Header.Get("Www-Authenticate"); !strings.HasPrefix(h, "Bearer ") || !strings.Contains(h, wantErr) {
					t.Errorf("WWW-Authenticate = %q, want Bearer ... %s", h, wantErr)
				}
			})
		}
	}
}

// noneToken is an unsigned token (alg "none"), which must never be accepted.
func noneToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	iss, _ := pool(t, poolURL)
	signed, err := iss.Sign(map[string]any{"alg": "none"}, claims)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(signed, ".")
	return parts[0] + "." + parts[1] + "."
}

func TestTokenConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  TokenConfig
		want string
	}{
		{"no issuer", TokenConfig{Name: "A"}, "no issuer"},
		{"JWT with two issuers", TokenConfig{Name: "A", Kind: JWTAuthorizer, Issuers: []Issuer{{URL: poolURL}, {URL: poolURL}}}, "exactly one issuer, got 2"},
		{"bad identity source", TokenConfig{Name: "A", IdentitySource: "header.Authorization", Issuers: []Issuer{{URL: poolURL, ClientIDs: []string{"c"}}}}, `"header.Authorization" is not a REST identity source`},
		{"no clients", TokenConfig{Name: "A", Issuers: []Issuer{{URL: poolURL}}}, "client IDs"},
		{"http issuer", TokenConfig{Name: "A", Issuers: []Issuer{{URL: "http://example.com/pool", ClientIDs: []string{"c"}}}}, "https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewToken(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewToken error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
