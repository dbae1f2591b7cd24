// Package jwtissuer is a stand-in Cognito user pool: an RSA signing key, its JWKS document, and a
// minter of Cognito-shaped ID and access tokens. The authorizer tests use it, and the local
// gateway serves it as its local Cognito, so it is ordinary (non-test) code.
package jwtissuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer signs tokens for one issuer URL with one RS256 key.
type Issuer struct {
	// URL is the iss claim, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc.
	URL string
	// KeyID is the kid header of minted tokens and of the key in the JWKS.
	KeyID string
	key   *rsa.PrivateKey
	jwks  []byte
}

// New creates an issuer with a fresh 2048-bit RSA key (the size Cognito uses).
func New(issuerURL string) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return FromKey(issuerURL, key)
}

// FromKey creates an issuer with the given key, e.g. to sign with another key under the same kid.
func FromKey(issuerURL string, key *rsa.PrivateKey) (*Issuer, error) {
	pub := key.PublicKey
	kid := keyID(&pub)
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"alg": "RS256",
		"use": "sig",
		"kid": kid,
		"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	if err != nil {
		return nil, fmt.Errorf("encode JWKS: %w", err)
	}
	return &Issuer{URL: issuerURL, KeyID: kid, key: key, jwks: jwks}, nil
}

// keyID derives a stable kid from the modulus, so two issuers with different keys never share one.
func keyID(pub *rsa.PublicKey) string {
	return base64.RawURLEncoding.EncodeToString(pub.N.Bytes()[:12])
}

// PublicKey is the verification key.
func (i *Issuer) PublicKey() *rsa.PublicKey { return &i.key.PublicKey }

// JWKS is the JSON Web Key Set document (what Cognito serves at {issuer}/.well-known/jwks.json).
func (i *Issuer) JWKS() []byte { return i.jwks }

// JWKSHandler serves the JWKS document on any path; mount it at /.well-known/jwks.json.
func (i *Issuer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(i.jwks)
	})
}

// IDClaims returns the claims of a Cognito ID token for clientID, valid for one hour from now.
// Callers may edit the map before Mint (that is how the tests forge bad tokens).
func (i *Issuer) IDClaims(clientID, username string, groups ...string) map[string]any {
	c := i.baseClaims(username, groups)
	c["token_use"] = "id"
	c["aud"] = clientID
	c["cognito:username"] = username
	return c
}

// AccessClaims returns the claims of a Cognito access token for clientID with the given scopes
// (space-joined into scope, as Cognito does), valid for one hour from now.
func (i *Issuer) AccessClaims(clientID, username string, scopes []string, groups ...string) map[string]any {
	c := i.baseClaims(username, groups)
	c["token_use"] = "access"
	c["client_id"] = clientID
	c["username"] = username
	c["scope"] = strings.Join(scopes, " ")
	return c
}

func (i *Issuer) baseClaims(username string, groups []string) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{
		"iss":       i.URL,
		"sub":       "sub-" + username,
		"iat":       now,
		"auth_time": now,
		"exp":       now + 3600,
		"jti":       rand.Text(),
	}
	if len(groups) > 0 {
		c["cognito:groups"] = groups
	}
	return c
}

// Mint signs claims with RS256 under the issuer's kid.
func (i *Issuer) Mint(claims map[string]any) (string, error) {
	return i.Sign(nil, claims)
}

// Sign signs claims with RS256 and the header fields given; a nil value removes a header field
// (e.g. {"kid": nil} mints a token without kid).
func (i *Issuer) Sign(header, claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	t.Header["kid"] = i.KeyID
	for k, v := range header {
		if v == nil {
			delete(t.Header, k)
			continue
		}
		t.Header[k] = v
	}
	s, err := t.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}
