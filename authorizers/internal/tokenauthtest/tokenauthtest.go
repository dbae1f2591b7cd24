// Package tokenauthtest sets up what every authorizer test needs: a test issuer, its JWKS on
// 127.0.0.1, an tokenauth.Authorizer that trusts it, the package's fixture event and the check of a
// handler's error.
package tokenauthtest

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/authorizers/tokenauth"
)

// ClientID is the app client the Authorizer accepts.
const ClientID = "web"

// New returns an issuer and an Authorizer for its ID tokens; the caller may set Config.
func New(t testing.TB, requiredGroups ...string) (*jwtissuer.Issuer, tokenauth.Authorizer) {
	t.Helper()
	iss, err := jwtissuer.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.JWKSHandler())
	t.Cleanup(srv.Close)
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	v, err := jwt.New(jwt.Config{Issuer: iss.URL, JWKSURL: srv.URL, ClientIDs: []string{ClientID}, TokenUse: "id", RequiredGroups: requiredGroups}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return iss, tokenauth.Authorizer{Verifier: v, Log: log}
}

// Token mints an ID token for username in groups.
func Token(t testing.TB, iss *jwtissuer.Issuer, username string, groups ...string) string {
	t.Helper()
	tok, err := iss.Mint(iss.IDClaims(ClientID, username, groups...))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Event loads the test's testdata/event.json, an E event with TOKEN replaced by token.
func Event[E any](t testing.TB, token string) E {
	t.Helper()
	raw, err := os.ReadFile("testdata/event.json")
	if err != nil {
		t.Fatal(err)
	}
	var e E
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(raw), "TOKEN", token)), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// WantErr checks a handler's err. With want set, err must wrap it and the caller's subtest
// stops there (WantErr returns true); without, err must be nil.
func WantErr(t testing.TB, err, want error) (stop bool) {
	t.Helper()
	if want != nil {
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}
