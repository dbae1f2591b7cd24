// Package authztest sets up what every authorizer test needs: a test issuer, its JWKS on
// 127.0.0.1 and an authz.Authorizer that trusts it.
package authztest

import (
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/portico-dev/portico/authorizers/authz"
	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwttest"
)

// ClientID is the app client the Authorizer accepts.
const ClientID = "web"

// New returns an issuer and an Authorizer for its ID tokens; the caller may set Config.
func New(t testing.TB, requiredGroups ...string) (*jwttest.Issuer, authz.Authorizer) {
	t.Helper()
	iss, err := jwttest.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test")
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
	return iss, authz.Authorizer{Verifier: v, Log: log}
}

// Token mints an ID token for username in groups.
func Token(t testing.TB, iss *jwttest.Issuer, username string, groups ...string) string {
	t.Helper()
	tok, err := iss.Mint(iss.IDClaims(ClientID, username, groups...))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
