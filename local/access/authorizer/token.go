package authorizer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/local/access/check"
)

// TokenKind picks which cloud rules a token authorizer follows.
type TokenKind int

const (
	// CognitoUserPools is a REST COGNITO_USER_POOLS authorizer: without scopes on the method it
	// takes an ID token, with scopes an access token holding one of them; any failure is 401.
	CognitoUserPools TokenKind = iota
	// JWTAuthorizer is an HTTP API JWT authorizer: aud (or client_id) among the audiences, a
	// "Bearer " prefix allowed; a valid token without a route scope is 403 insufficient_scope.
	JWTAuthorizer
)

// Issuer is one accepted token issuer (a user pool).
type Issuer struct {
	// URL is the exact iss claim, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc.
	URL string
	// JWKSURL is where its keys are fetched. Default: URL + "/.well-known/jwks.json".
	JWKSURL string
	// ClientIDs: for REST, the pool's app clients (a Cognito authorizer takes tokens of any of
	// them); for HTTP, the authorizer's audiences.
	ClientIDs []string
}

// TokenConfig describes a Cognito or JWT authorizer.
type TokenConfig struct {
	Name string
	Kind TokenKind
	// Issuers: a REST authorizer's user pools (providerARNs); an HTTP authorizer has one.
	Issuers []Issuer
	// IdentitySource is where the token is. Default: the Authorization header.
	IdentitySource string
	// Now is the verification clock. Default: time.Now.
	Now func() time.Time
	// Log receives JWKS fetch failures. Default: slog.Default().
	Log *slog.Logger
}

// Token is a Cognito user pool or JWT authorizer. It is safe for concurrent use.
type Token struct {
	cfg    TokenConfig
	source identitySource
	// verifiers per issuer URL and token_use ("id", "access"): authorizers/jwt checks one use.
	verifiers map[string]map[string]*jwt.Verifier
}

// NewToken validates cfg and prepares a verifier per issuer and token use; keys are fetched on
// first use. Close releases them.
func NewToken(cfg TokenConfig) (*Token, error) {
	p, expr := REST, "method.request.header.Authorization"
	if cfg.Kind == JWTAuthorizer {
		p, expr = HTTP, "$request.header.Authorization"
		if len(cfg.Issuers) != 1 {
			return nil, fmt.Errorf("authorizer %q: a JWT authorizer has exactly one issuer, got %d", cfg.Name, len(cfg.Issuers))
		}
	}
	if cfg.IdentitySource != "" {
		expr = cfg.IdentitySource
	}
	src, err := parseIdentitySource(p, expr)
	if err != nil {
		return nil, fmt.Errorf("authorizer %q: %w", cfg.Name, err)
	}
	if len(cfg.Issuers) == 0 {
		return nil, fmt.Errorf("authorizer %q: no issuer (user pool) to accept tokens from", cfg.Name)
	}
	t := &Token{cfg: cfg, source: src, verifiers: map[string]map[string]*jwt.Verifier{}}
	for _, iss := range cfg.Issuers {
		t.verifiers[iss.URL] = map[string]*jwt.Verifier{}
		for _, use := range []string{"id", "access"} {
			v, err := jwt.New(jwt.Config{Issuer: iss.URL, JWKSURL: iss.JWKSURL, ClientIDs: iss.ClientIDs, TokenUse: use, Now: cfg.Now}, cfg.Log)
			if err != nil {
				t.Close()
				return nil, fmt.Errorf("authorizer %q issuer %q: %w", cfg.Name, iss.URL, err)
			}
			t.verifiers[iss.URL][use] = v
		}
	}
	return t, nil
}

// Close stops the verifiers' background key refresh.
func (t *Token) Close() {
	for _, byUse := range t.verifiers {
		for _, v := range byUse {
			v.Close()
		}
	}
}

// TokenResult is a verified token.
type TokenResult struct {
	Name string
	// Subject is the sub claim.
	Subject string
	// Claims are all the token's claims (requestContext.authorizer.claims on REST,
	// requestContext.authorizer.jwt.claims on HTTP).
	Claims map[string]any
	Scopes []string
}

// Authorize verifies the request's token for a method or route that requires scopes (any one of
// them; none for no scope check). Errors are *check.Denial: 401 with
// WWW-Authenticate error="invalid_token", or, for HTTP JWT authorizers, 403 insufficient_scope.
func (t *Token) Authorize(ctx context.Context, r *check.Request, scopes []string) (*TokenResult, error) {
	raw := t.source.value(r)
	if t.cfg.Kind == JWTAuthorizer && len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = raw[7:]
	}
	if raw == "" {
		return nil, t.invalid(fmt.Sprintf("no token in %s", t.source.expr))
	}
	// The claims are read before verification only to pick the verifier, which checks iss and
	// token_use again; once it has verified the token, they are the result's claims.
	all, err := payload(raw)
	if err != nil {
		return nil, t.invalid(err.Error())
	}
	issuer, _ := all["iss"].(string)
	tokenUse, _ := all["token_use"].(string)
	byUse, ok := t.verifiers[issuer]
	if !ok {
		return nil, t.invalid(fmt.Sprintf("issuer %q is not one this authorizer accepts", issuer))
	}
	use := "access"
	switch {
	case t.cfg.Kind == CognitoUserPools && len(scopes) == 0:
		use = "id" // without scopes the Cognito authorizer expects an ID token
	case t.cfg.Kind == JWTAuthorizer && tokenUse == "id":
		use = "id"
	}
	claims, err := byUse[use].Verify(ctx, raw)
	if err != nil {
		return nil, t.invalid(err.Error())
	}
	have := claims.Scopes()
	if len(scopes) > 0 && !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(have, s) }) {
		reason := fmt.Sprintf("token scopes %q hold none of %q", have, scopes)
		if t.cfg.Kind == CognitoUserPools {
			return nil, t.invalid(reason)
		}
		return nil, &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "AccessDeniedException", ResponseType: "ACCESS_DENIED", By: "authorizer " + t.cfg.Name, Reason: reason,
			Header: http.Header{"Www-Authenticate": {fmt.Sprintf(`Bearer scope=%q error="insufficient_scope" error_description="the token lacks a required scope"`, strings.Join(scopes, " "))}}}
	}
	return &TokenResult{Name: t.cfg.Name, Subject: claims.Subject, Claims: all, Scopes: have}, nil
}

func (t *Token) invalid(reason string) *check.Denial {
	return &check.Denial{Status: http.StatusUnauthorized, Message: "Unauthorized", Type: "UnauthorizedException", ResponseType: "UNAUTHORIZED", By: "authorizer " + t.cfg.Name, Reason: reason,
		Header: http.Header{"Www-Authenticate": {`Bearer scope="" error="invalid_token" error_description="the token is not valid"`}}}
}

// payload decodes a JWT's claims segment.
func payload(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("token is not a JWT (header.payload.signature)")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("token payload is not base64url: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("token payload is not a JSON object: %w", err)
	}
	return m, nil
}
