package jwtissuer_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
)

func TestIssuer(t *testing.T) {
	iss, err := jwtissuer.New("https://issuer.example/pool")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.JWKSHandler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil || len(set.Keys) != 1 || set.Keys[0]["kid"] != iss.KeyID || set.Keys[0]["kty"] != "RSA" {
		t.Fatalf("JWKS %s (%v): want one RSA key with kid %q", body, err, iss.KeyID)
	}

	tests := []struct {
		name   string
		claims map[string]any
		want   map[string]any
	}{
		{name: "ID token", claims: iss.IDClaims("web", "ada", "admins"),
			want: map[string]any{"token_use": "id", "aud": "web", "cognito:username": "ada", "sub": "sub-ada", "iss": iss.URL}},
		{name: "access token", claims: iss.AccessClaims("web", "ada", []string{"a/read", "a/write"}),
			want: map[string]any{"token_use": "access", "client_id": "web", "username": "ada", "scope": "a/read a/write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.Mint(tt.claims)
			if err != nil {
				t.Fatal(err)
			}
			got := jwt.MapClaims{}
			parsed, err := jwt.ParseWithClaims(tok, got, func(*jwt.Token) (any, error) { return iss.PublicKey(), nil },
				jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Header["kid"] != iss.KeyID {
				t.Errorf("kid %v, want %q", parsed.Header["kid"], iss.KeyID)
			}
			for k, v := range tt.want {
				if fmt.Sprint(got[k]) != fmt.Sprint(v) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			for _, k := range []string{"exp", "iat", "auth_time", "jti"} {
				if got[k] == nil {
					t.Errorf("claim %s missing", k)
				}
			}
		})
	}
}

func TestSignHeader(t *testing.T) {
	iss, err := jwtissuer.New("https://issuer.example/pool")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Sign(map[string]any{"kid": nil, "typ": "at+jwt"}, map[string]any{"sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(tok, ".")
	raw, _ := jwt.NewParser().DecodeSegment(header)
	if strings.Contains(string(raw), "kid") || !strings.Contains(string(raw), `"typ":"at+jwt"`) {
		t.Fatalf("header %s: want no kid and typ at+jwt", raw)
	}
}

func ExampleIssuer_Mint() {
	iss, _ := jwtissuer.New("http://127.0.0.1:9229/local_pool")
	tok, _ := iss.Mint(iss.IDClaims("local-client", "ada", "admins"))
	fmt.Println(strings.Count(tok, "."))
	// Output: 2
}
