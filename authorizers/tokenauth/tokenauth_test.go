package tokenauth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/authorizers/tokenauth"
	"github.com/portico-dev/portico/contract"
)

const (
	stageArn  = "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod"
	methodArn = stageArn + "/GET/orders/42"
	client    = "web"
)

// setup returns an issuer and a verifier that trusts it (JWKS on 127.0.0.1).
func setup(t *testing.T) (*jwtissuer.Issuer, *jwt.Verifier) {
	t.Helper()
	iss, err := jwtissuer.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test")
	if err != nil {
		t.Fatal(err)
	}
	return iss, verifierFor(t, iss)
}

// verifierFor trusts iss, and demands one of requiredGroups if any.
func verifierFor(t *testing.T, iss *jwtissuer.Issuer, requiredGroups ...string) *jwt.Verifier {
	t.Helper()
	srv := httptest.NewServer(iss.JWKSHandler())
	t.Cleanup(srv.Close)
	v, err := jwt.New(jwt.Config{Issuer: iss.URL, JWKSURL: srv.URL, ClientIDs: []string{client}, TokenUse: "id", RequiredGroups: requiredGroups}, quiet(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func quiet(t *testing.T) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func token(t *testing.T, iss *jwtissuer.Issuer, claims map[string]any) string {
	t.Helper()
	tok, err := iss.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// covers is IAM's matching for the resources Portico emits: exact, or a prefix before a final *.
func covers(resources []string, arn string) bool {
	return slices.ContainsFunc(resources, func(r string) bool {
		prefix, wild := strings.CutSuffix(r, "*")
		return r == arn || wild && strings.HasPrefix(arn, prefix)
	})
}

func TestIAMResponse(t *testing.T) {
	iss, v := setup(t)
	strict := verifierFor(t, iss, "ops")
	routes := map[string][]string{"admins": {"*"}, "readers": {"GET/orders/*", "GET/orders/*"}}
	tests := []struct {
		name      string
		verifier  tokenauth.Verifier
		cfg       tokenauth.Config
		arn       string
		token     string
		wantErr   error
		effect    string
		resources []string
		usageKey  string
	}{
		{name: "valid token allows the whole stage", token: token(t, iss, iss.IDClaims(client, "ada", "admins")),
			effect: "Allow", resources: []string{stageArn + "/*"}},
		{name: "no token", token: "", wantErr: tokenauth.ErrUnauthorized},
		{name: "invalid token", token: "not.a.token", wantErr: tokenauth.ErrUnauthorized},
		{name: "expired token", token: token(t, iss, func() map[string]any {
			c := iss.IDClaims(client, "ada")
			c["exp"] = 1
			return c
		}()), wantErr: tokenauth.ErrUnauthorized},
		{name: "valid token without the required group is denied", verifier: strict,
			token: token(t, iss, iss.IDClaims(client, "ada", "admins")), effect: "Deny", resources: []string{stageArn + "/*"}},
		{name: "admins group gets every route", cfg: tokenauth.Config{GroupRoutes: routes},
			token: token(t, iss, iss.IDClaims(client, "ada", "admins")), effect: "Allow", resources: []string{stageArn + "/*"}},
		{name: "readers group gets its routes once", cfg: tokenauth.Config{GroupRoutes: routes},
			token: token(t, iss, iss.IDClaims(client, "bob", "readers")), effect: "Allow", resources: []string{stageArn + "/GET/orders/*"}},
		{name: "no mapped group is denied", cfg: tokenauth.Config{GroupRoutes: routes},
			token: token(t, iss, iss.IDClaims(client, "eve", "guests")), effect: "Deny", resources: []string{stageArn + "/*"}},
		{name: "usage identifier from a claim", cfg: tokenauth.Config{UsageIdentifierClaim: "custom:api_key"},
			token: token(t, iss, func() map[string]any {
				c := iss.IDClaims(client, "ada")
				c["custom:api_key"] = "k-0123456789abcdefghij"
				return c
			}()), effect: "Allow", resources: []string{stageArn + "/*"}, usageKey: "k-0123456789abcdefghij"},
		{name: "usage identifier claim missing", cfg: tokenauth.Config{UsageIdentifierClaim: "custom:api_key"},
			token: token(t, iss, iss.IDClaims(client, "ada")), effect: "Allow", resources: []string{stageArn + "/*"}},
		{name: "WebSocket $connect", arn: stageArn + "/$connect", token: token(t, iss, iss.IDClaims(client, "ada")),
			effect: "Allow", resources: []string{stageArn + "/*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tokenauth.Authorizer{Verifier: v, Config: tt.cfg, Log: quiet(t)}
			if tt.verifier != nil {
				a.Verifier = tt.verifier
			}
			arn := methodArn
			if tt.arn != "" {
				arn = tt.arn
			}
			resp, err := a.IAMResponse(context.Background(), arn, tt.token)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || err.Error() != "Unauthorized" {
					t.Fatalf("got %v, want exactly %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st := resp.PolicyDocument.Statement
			if len(st) != 1 || st[0].Effect != tt.effect || !slices.Equal(st[0].Resource, tt.resources) || st[0].Action[0] != "execute-api:Invoke" {
				t.Fatalf("policy %+v, want %s on %v", resp.PolicyDocument, tt.effect, tt.resources)
			}
			if !strings.HasPrefix(resp.PrincipalID, "sub-") || resp.Context["sub"] != resp.PrincipalID {
				t.Errorf("principal %q context %v: want the token's sub in both", resp.PrincipalID, resp.Context)
			}
			for k, v := range resp.Context {
				if _, ok := v.(string); !ok {
					t.Errorf("context %s is %T, want a flat string", k, v)
				}
			}
			if resp.UsageIdentifierKey != tt.usageKey {
				t.Errorf("usageIdentifierKey %q, want %q", resp.UsageIdentifierKey, tt.usageKey)
			}
		})
	}
}

// A cached Allow is reused for every route: it must cover routes other than the first one.
func TestIAMResponseCoversCachedRoutes(t *testing.T) {
	iss, v := setup(t)
	a := tokenauth.Authorizer{Verifier: v, Log: quiet(t)}
	resp, err := a.IAMResponse(context.Background(), methodArn, token(t, iss, iss.IDClaims(client, "ada")))
	if err != nil {
		t.Fatal(err)
	}
	res := resp.PolicyDocument.Statement[0].Resource
	for _, later := range []string{stageArn + "/POST/users", stageArn + "/GET/", stageArn + "/DELETE/orders/42/items/1"} {
		if !covers(res, later) {
			t.Errorf("policy %v does not cover the later call %s", res, later)
		}
	}
	for _, other := range []string{"arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/dev/GET/orders", "arn:aws:execute-api:us-east-1:123456789012:zzzz/prod/GET/orders"} {
		if covers(res, other) {
			t.Errorf("policy %v covers %s of another stage or API", res, other)
		}
	}
}

func TestSimpleResponse(t *testing.T) {
	iss, v := setup(t)
	strict := verifierFor(t, iss, "ops")
	routes := map[string][]string{"readers": {"GET/orders/*"}}
	tests := []struct {
		name     string
		verifier tokenauth.Verifier
		cfg      tokenauth.Config
		arn      string
		token    string
		wantErr  bool
		want     bool
	}{
		{name: "valid", arn: methodArn, token: token(t, iss, iss.IDClaims(client, "ada")), want: true},
		{name: "no token", arn: methodArn, wantErr: true},
		{name: "forged token", arn: methodArn, token: token(t, iss, iss.IDClaims(client, "ada"))[:40] + "x.y.z", wantErr: true},
		{name: "missing group", verifier: strict, arn: methodArn, token: token(t, iss, iss.IDClaims(client, "ada")), want: false},
		{name: "route of the group", cfg: tokenauth.Config{GroupRoutes: routes}, arn: stageArn + "/GET/orders/42/items",
			token: token(t, iss, iss.IDClaims(client, "bob", "readers")), want: true},
		{name: "route outside the group", cfg: tokenauth.Config{GroupRoutes: routes}, arn: stageArn + "/DELETE/orders/42",
			token: token(t, iss, iss.IDClaims(client, "bob", "readers")), want: false},
		{name: "prefix is not the route", cfg: tokenauth.Config{GroupRoutes: routes}, arn: stageArn + "/GET/ordersX",
			token: token(t, iss, iss.IDClaims(client, "bob", "readers")), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tokenauth.Authorizer{Verifier: v, Config: tt.cfg, Log: quiet(t)}
			if tt.verifier != nil {
				a.Verifier = tt.verifier
			}
			resp, err := a.SimpleResponse(context.Background(), tt.arn, tt.token)
			if tt.wantErr {
				if !errors.Is(err, tokenauth.ErrUnauthorized) {
					t.Fatalf("got %v, want Unauthorized", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.IsAuthorized != tt.want || resp.Context["username"] == "" {
				t.Fatalf("got %+v, want isAuthorized %v with a username", resp, tt.want)
			}
		})
	}
}

func TestBadArn(t *testing.T) {
	iss, v := setup(t)
	a := tokenauth.Authorizer{Verifier: v, Log: quiet(t)}
	tok := token(t, iss, iss.IDClaims(client, "ada"))
	for _, arn := range []string{"", "arn:aws:lambda:us-east-1:1:function:x", "arn:aws:execute-api:us-east-1:1:abc", "arn:aws:execute-api:us-east-1:1:abc//GET/"} {
		if _, err := a.IAMResponse(context.Background(), arn, tok); err == nil || errors.Is(err, tokenauth.ErrUnauthorized) || !strings.Contains(err.Error(), "got \""+arn+"\"") {
			t.Errorf("IAMResponse(%q): got %v, want a configuration error quoting it", arn, err)
		}
		if _, err := a.SimpleResponse(context.Background(), arn, tok); err == nil || errors.Is(err, tokenauth.ErrUnauthorized) {
			t.Errorf("SimpleResponse(%q): got %v, want a configuration error", arn, err)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    tokenauth.Config
		wantErr string
	}{
		{name: "empty", env: nil},
		{name: "routes and usage claim", env: map[string]string{tokenauth.EnvGroupRoutes: `{"admins":["*"],"readers":["GET/*"]}`, tokenauth.EnvUsageIdentifierClaim: "custom:key"},
			want: tokenauth.Config{GroupRoutes: map[string][]string{"admins": {"*"}, "readers": {"GET/*"}}, UsageIdentifierClaim: "custom:key"}},
		{name: "not JSON", env: map[string]string{tokenauth.EnvGroupRoutes: "admins=*"}, wantErr: `PORTICO_GROUP_ROUTES must be a JSON object of group to route patterns like {"admins":["*"],"readers":["GET/*"]}, got "admins=*"`},
		{name: "bad method", env: map[string]string{tokenauth.EnvGroupRoutes: `{"readers":["FETCH/*"]}`}, wantErr: `route pattern "FETCH/*" of group "readers" must be "*" or METHOD/path`},
		{name: "no slash", env: map[string]string{tokenauth.EnvGroupRoutes: `{"readers":["GET"]}`}, wantErr: `route pattern "GET" of group "readers"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tokenauth.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.UsageIdentifierClaim != tt.want.UsageIdentifierClaim || len(got.GroupRoutes) != len(tt.want.GroupRoutes) ||
				!slices.Equal(got.GroupRoutes["readers"], tt.want.GroupRoutes["readers"]) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	env := map[string]string{contract.JWTIssuerEnv: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x", contract.JWTClientIDsEnv: "web", contract.JWTTokenUseEnv: "id"}
	if _, err := tokenauth.FromEnv(func(k string) string { return env[k] }, nil); err != nil {
		t.Fatalf("good environment: %v", err)
	}
	env[contract.JWTTokenUseEnv] = "both"
	if _, err := tokenauth.FromEnv(func(k string) string { return env[k] }, nil); err == nil || !strings.Contains(err.Error(), `got "both"`) {
		t.Fatalf("bad token use: got %v", err)
	}
}

func TestTokenHelpers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bearer abc.def.ghi", "abc.def.ghi"},
		{"bearer  abc", "abc"},
		{"abc.def.ghi", "abc.def.ghi"},
		{"Bearer", "Bearer"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tokenauth.BearerToken(tt.in); got != tt.want {
			t.Errorf("BearerToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	h := map[string]string{"AUTHORIZATION": "x"}
	if tokenauth.Header(h, "Authorization") != "x" || tokenauth.Header(h, "Host") != "" {
		t.Errorf("Header lookup is not case-insensitive: %v", h)
	}
}

func ExampleAuthorizer_IAMResponse() {
	iss, _ := jwtissuer.New("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example")
	jwks := httptest.NewServer(iss.JWKSHandler())
	defer jwks.Close()
	v, _ := jwt.New(jwt.Config{Issuer: iss.URL, JWKSURL: jwks.URL, ClientIDs: []string{"web"}, TokenUse: "id"}, nil)
	defer v.Close()
	a := tokenauth.Authorizer{Verifier: v, Config: tokenauth.Config{GroupRoutes: map[string][]string{"readers": {"GET/*"}}}}

	tok, _ := iss.Mint(iss.IDClaims("web", "ada", "readers"))
	resp, _ := a.IAMResponse(context.Background(), "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders", tok)
	st := resp.PolicyDocument.Statement[0]
	fmt.Println(st.Effect, st.Resource, resp.Context["username"])
	_, err := a.IAMResponse(context.Background(), "arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/orders", "")
	fmt.Println(err)
	// Output:
	// Allow [arn:aws:execute-api:us-east-1:123456789012:abcd1234ef/prod/GET/*] ada
	// Unauthorized
}
