package jwt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/portico-dev/portico/authorizers/jwt"
)

// FuzzVerify feeds arbitrary strings to a warm verifier. It must never panic, must refuse with
// ErrInvalidToken or ErrForbidden, and may accept only a token whose signed part (header and
// payload) is exactly one the issuer signed: anything else accepted would be a forgery.
func FuzzVerify(f *testing.F) {
	iss := newIssuer(f)
	srv := newJWKSServer(f, iss)
	cfg := config(srv.URL, "id")
	cfg.RequiredGroups = []string{"admins"}
	v := newVerifier(f, cfg)

	signed := map[string]bool{}
	for _, claims := range []map[string]any{
		iss.IDClaims(client, "ada", "admins"),
		iss.IDClaims(client, "bob", "users"),
		iss.AccessClaims(client, "ada", []string{"orders/read"}, "admins"),
	} {
		tok := mint(f, iss, claims)
		signed[tok[:strings.LastIndexByte(tok, '.')]] = true
		parts := strings.Split(tok, ".")
		f.Add(tok)
		f.Add(parts[0] + "." + parts[1] + ".")
		f.Add(parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-2])
		f.Add(b64(`{"alg":"none","kid":"`+iss.KeyID+`"}`) + "." + parts[1] + ".")
		f.Add(b64(`{"alg":"HS256","kid":"`+iss.KeyID+`"}`) + "." + parts[1] + "." + parts[2])
	}
	f.Add("")
	f.Add("..")
	f.Add("a.b.c.d")
	f.Add(b64(`{"alg":"RS256","kid":{}}`) + "." + b64(`{}`) + ".")

	ctx := context.Background()
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(ctx, token)
		switch {
		case err == nil:
			if i := strings.LastIndexByte(token, '.'); i < 0 || !signed[token[:i]] {
				t.Fatalf("accepted a token the issuer never signed: %q", token)
			}
			if claims == nil {
				t.Fatal("accepted without claims")
			}
		case !errors.Is(err, jwt.ErrInvalidToken) && !errors.Is(err, jwt.ErrForbidden):
			t.Fatalf("refusal %v wraps neither ErrInvalidToken nor ErrForbidden", err)
		}
	})
}
