package jwt_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/portico-dev/portico/authorizers/jwt"
	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/internal/fakeclock"
)

const (
	issuerURL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
	client    = "client-1"
)

// jwksServer serves a replaceable JWKS document on 127.0.0.1 and counts fetches.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int64
	mu      sync.Mutex
	body    []byte
}

func newJWKSServer(t testing.TB, issuers ...*jwtissuer.Issuer) *jwksServer {
	t.Helper()
	s := &jwksServer{}
	s.set(t, issuers...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		_, _ = w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

// set serves the union of the issuers' keys (a key rotation serves two).
func (s *jwksServer) set(t testing.TB, issuers ...*jwtissuer.Issuer) {
	t.Helper()
	var all struct {
		Keys []json.RawMessage `json:"keys"`
	}
	for _, iss := range issuers {
		var one struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(iss.JWKS(), &one); err != nil {
			t.Fatal(err)
		}
		all.Keys = append(all.Keys, one.Keys...)
	}
	body, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
}

func newIssuer(t testing.TB) *jwtissuer.Issuer {
	t.Helper()
	iss, err := jwtissuer.New(issuerURL)
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func newVerifier(t testing.TB, cfg jwt.Config) *jwt.Verifier {
	t.Helper()
	v, err := jwt.New(cfg, slog.New(slog.NewTextHandler(t.Output(), nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func config(jwksURL, tokenUse string) jwt.Config {
	return jwt.Config{Issuer: issuerURL, JWKSURL: jwksURL, ClientIDs: []string{client}, TokenUse: tokenUse}
}

func mint(t testing.TB, iss *jwtissuer.Issuer, claims map[string]any) string {
	t.Helper()
	tok, err := iss.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func with(c map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
			continue
		}
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

func TestVerifyAttacks(t *testing.T) {
	iss := newIssuer(t)
	other := newIssuer(t)
	srv := newJWKSServer(t, iss)
	now := time.Now().Unix()
	pubPEM := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(iss.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()
	id := func() map[string]any { return iss.IDClaims(client, "ada", "admins") }
	access := func() map[string]any { return iss.AccessClaims(client, "ada", []string{"orders/read"}, "admins") }

	tests := []struct {
		name     string
		tokenUse string
		scopes   []string
		groups   []string
		token    func(t *testing.T) string
		want     error // nil: accepted
	}{
		{name: "valid ID token", tokenUse: "id", token: func(t *testing.T) string { return mint(t, iss, id()) }},
		{name: "valid access token", tokenUse: "access", token: func(t *testing.T) string { return mint(t, iss, access()) }},
		{name: "skew within leeway", tokenUse: "id", token: func(t *testing.T) string {
			return mint(t, iss, with(id(), "exp", now-2, "iat", now+2, "nbf", now+2))
		}},
		{name: "alg none", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			tok := gojwt.NewWithClaims(gojwt.SigningMethodNone, gojwt.MapClaims(id()))
			tok.Header["kid"] = iss.KeyID
			s, err := tok.SignedString(gojwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "HS256 signed with the public key", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			tok := gojwt.NewWithClaims(gojwt.SigningMethodHS256, gojwt.MapClaims(id()))
			tok.Header["kid"] = iss.KeyID
			s, err := tok.SignedString(pubPEM)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "RS512 is not RS256", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			s, err := iss.Sign(map[string]any{"alg": "RS512"}, id())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "re-signed with another key under the same kid", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			s, err := other.Sign(map[string]any{"kid": iss.KeyID}, id())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "unknown kid", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, other, id()) }},
		{name: "missing kid", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			s, err := iss.Sign(map[string]any{"kid": nil}, id())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "expired", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "exp", now-60)) }},
		{name: "no exp", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "exp", nil)) }},
		{name: "nbf in the future", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "nbf", now+60)) }},
		{name: "iat in the future", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "iat", now+60)) }},
		{name: "wrong issuer", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(id(), "iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_evil"))
		}},
		{name: "issuer with trailing slash", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "iss", issuerURL+"/")) }},
		{name: "no issuer", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "iss", nil)) }},
		{name: "wrong audience", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "aud", "client-2")) }},
		{name: "ID token with client_id but no aud", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(id(), "aud", nil, "client_id", client))
		}},
		{name: "wrong client", tokenUse: "access", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(access(), "client_id", "client-2")) }},
		{name: "access token with aud but no client_id", tokenUse: "access", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(access(), "client_id", nil, "aud", client))
		}},
		{name: "ID token where access is required", tokenUse: "access", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(id(), "client_id", client))
		}},
		{name: "access token where ID is required", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(access(), "aud", client))
		}},
		{name: "missing token_use", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string { return mint(t, iss, with(id(), "token_use", nil)) }},
		{name: "groups of the wrong type", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(id(), "cognito:groups", "admins"))
		}},
		{name: "tampered payload", tokenUse: "id", groups: []string{"admins"}, want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			parts := strings.Split(mint(t, iss, iss.IDClaims(client, "eve", "users")), ".")
			payload, err := json.Marshal(iss.IDClaims(client, "eve", "admins"))
			if err != nil {
				t.Fatal(err)
			}
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
		}},
		{name: "malformed base64", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			parts := strings.Split(mint(t, iss, id()), ".")
			return parts[0] + ".!!!" + parts[1] + "." + parts[2]
		}},
		{name: "malformed header JSON", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			parts := strings.Split(mint(t, iss, id()), ".")
			return b64(`{"alg":"RS256",`) + "." + parts[1] + "." + parts[2]
		}},
		{name: "malformed payload JSON", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			parts := strings.Split(mint(t, iss, id()), ".")
			return parts[0] + "." + b64(`{"sub":`) + "." + parts[2]
		}},
		{name: "two segments", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			parts := strings.Split(mint(t, iss, id()), ".")
			return parts[0] + "." + parts[1]
		}},
		{name: "empty", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(*testing.T) string { return "" }},
		{name: "oversized but validly signed", tokenUse: "id", want: jwt.ErrInvalidToken, token: func(t *testing.T) string {
			return mint(t, iss, with(id(), "pad", strings.Repeat("x", jwt.MaxTokenBytes)))
		}},
		{name: "required group present", tokenUse: "id", groups: []string{"ops", "admins"}, token: func(t *testing.T) string { return mint(t, iss, id()) }},
		{name: "required group missing", tokenUse: "id", groups: []string{"ops"}, want: jwt.ErrForbidden, token: func(t *testing.T) string { return mint(t, iss, id()) }},
		{name: "required scope present", tokenUse: "access", scopes: []string{"orders/write", "orders/read"}, token: func(t *testing.T) string { return mint(t, iss, access()) }},
		{name: "required scope missing", tokenUse: "access", scopes: []string{"orders/write"}, want: jwt.ErrForbidden, token: func(t *testing.T) string { return mint(t, iss, access()) }},
		{name: "scope prefix is not the scope", tokenUse: "access", scopes: []string{"orders"}, want: jwt.ErrForbidden, token: func(t *testing.T) string { return mint(t, iss, access()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config(srv.URL, tt.tokenUse)
			cfg.RequiredGroups, cfg.RequiredScopes = tt.groups, tt.scopes
			v := newVerifier(t, cfg)
			claims, err := v.Verify(context.Background(), tt.token(t))
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("refused a good token: %v", err)
			case tt.want == nil && claims.Name() != "ada":
				t.Fatalf("name %q, want ada", claims.Name())
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("got error %v, want %v", err, tt.want)
			case errors.Is(err, jwt.ErrForbidden) && (claims == nil || claims.Subject != "sub-ada"):
				t.Fatalf("a forbidden token must still name its subject, got %+v", claims)
			case errors.Is(err, jwt.ErrInvalidToken) && claims != nil:
				t.Fatalf("an invalid token returned claims %+v", claims)
			}
		})
	}
}

func TestVerifyJWKSFailures(t *testing.T) {
	iss := newIssuer(t)
	token := mint(t, iss, iss.IDClaims(client, "ada"))
	huge := `{"keys":[],"pad":"` + strings.Repeat("x", jwt.MaxJWKSBytes) + `"}`
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		name    string
		url     string
		handler http.HandlerFunc
	}{
		{name: "down", url: down.URL},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			_, _ = w.Write(iss.JWKS())
		}},
		{name: "garbage", handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>oops</html>")) }},
		{name: "server error", handler: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }},
		{name: "huge with length", handler: func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(huge)) }},
		{name: "huge chunked", handler: func(w http.ResponseWriter, _ *http.Request) {
			// The real keys first, then padding: only the size limit can refuse it.
			_, _ = w.Write(iss.JWKS()[:len(iss.JWKS())-1])
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(`,"pad":"` + strings.Repeat("x", jwt.MaxJWKSBytes) + `"}`))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if tt.handler != nil {
				srv := httptest.NewServer(tt.handler)
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			v := newVerifier(t, config(url, "id"))
			for range 2 { // the second call must not wait either
				start := time.Now()
				_, err := v.Verify(context.Background(), token)
				if !errors.Is(err, jwt.ErrInvalidToken) {
					t.Fatalf("JWKS %s: got %v, want a denial", tt.name, err)
				}
				if d := time.Since(start); d > jwt.FetchTimeout+500*time.Millisecond {
					t.Fatalf("JWKS %s: verification took %s, more than the %s fetch timeout", tt.name, d, jwt.FetchTimeout)
				}
			}
		})
	}
}

func TestJWKSFetchPolicy(t *testing.T) {
	iss, rotated, unknown := newIssuer(t), newIssuer(t), newIssuer(t)
	ctx := context.Background()
	verify := func(t *testing.T, v *jwt.Verifier, iss *jwtissuer.Issuer) error {
		_, err := v.Verify(ctx, mint(t, iss, iss.IDClaims(client, "ada")))
		return err
	}

	t.Run("lazy, then warm path makes no call", func(t *testing.T) {
		srv := newJWKSServer(t, iss)
		v := newVerifier(t, config(srv.URL, "id"))
		if n := srv.fetches.Load(); n != 0 {
			t.Fatalf("New fetched the JWKS %d times, want 0 until the first token", n)
		}
		for range 50 {
			if err := verify(t, v, iss); err != nil {
				t.Fatal(err)
			}
		}
		if n := srv.fetches.Load(); n != 1 {
			t.Fatalf("50 verifications fetched %d times, want 1", n)
		}
	})

	t.Run("unknown kid refreshes at most once per interval", func(t *testing.T) {
		srv := newJWKSServer(t, iss)
		clk := newClock()
		cfg := config(srv.URL, "id")
		clk.use(&cfg)
		const interval = 5 * time.Minute // the default UnknownKIDInterval
		v := newVerifier(t, cfg)
		if err := verify(t, v, iss); err != nil {
			t.Fatal(err)
		}
		srv.set(t, iss, rotated)
		for range 5 { // within the interval of the first fetch: denied without a call
			if err := verify(t, v, rotated); !errors.Is(err, jwt.ErrInvalidToken) {
				t.Fatalf("got %v, want a denial until the next refresh", err)
			}
		}
		clk.Advance(interval - time.Nanosecond)
		if err := verify(t, v, rotated); !errors.Is(err, jwt.ErrInvalidToken) {
			t.Fatalf("got %v at the end of the interval, want a denial until the next refresh", err)
		}
		if n := srv.fetches.Load(); n != 1 {
			t.Fatalf("unknown kids within the interval caused %d fetches, want 1 in all", n)
		}
		clk.Advance(time.Nanosecond)
		if err := verify(t, v, rotated); err != nil {
			t.Fatalf("rotated key after the interval: %v", err)
		}
		for range 5 {
			if err := verify(t, v, unknown); !errors.Is(err, jwt.ErrInvalidToken) {
				t.Fatalf("got %v, want a denial", err)
			}
		}
		if n := srv.fetches.Load(); n != 2 {
			t.Fatalf("got %d fetches, want 2 (first use, one unknown-kid refresh)", n)
		}
	})

	t.Run("background refresh picks up a rotation", func(t *testing.T) {
		srv := newJWKSServer(t, iss)
		clk := newClock() // never advances: no unknown-kid refresh can bring the rotated key
		cfg := config(srv.URL, "id")
		clk.use(&cfg)
		v := newVerifier(t, cfg)
		refreshed := make(chan struct{})
		jwt.OnRefresh(v, func() { refreshed <- struct{}{} })
		if got := clk.tickers(); len(got) != 0 {
			t.Fatalf("New started refresh tickers %v, want none until the first token", got)
		}
		if err := verify(t, v, iss); err != nil {
			t.Fatal(err)
		}
		if got := clk.tickers(); !slices.Equal(got, []time.Duration{time.Hour}) {
			t.Fatalf("first use started refresh tickers %v, want one of 1h (the default RefreshInterval)", got)
		}
		srv.set(t, rotated)
		clk.tick(t, refreshed)
		if err := verify(t, v, rotated); err != nil {
			t.Fatalf("rotated key after a background refresh: %v", err)
		}
		if err := verify(t, v, iss); !errors.Is(err, jwt.ErrInvalidToken) {
			t.Fatalf("a key removed from the JWKS must be refused, got %v", err)
		}
		clk.tick(t, refreshed)
		if n := srv.fetches.Load(); n != 3 {
			t.Fatalf("got %d fetches, want 3 (first use, one per tick)", n)
		}
	})
}

// clock is a Config clock that moves only when told, with a refresh ticker that ticks only when
// told.
type clock struct {
	*fakeclock.Clock
	mu      sync.Mutex
	periods []time.Duration // of the tickers started
	ticks   chan time.Time
}

func newClock() *clock { return &clock{Clock: fakeclock.New(time.Now()), ticks: make(chan time.Time)} }

// use makes cfg run on c.
func (c *clock) use(cfg *jwt.Config) { cfg.Now, cfg.NewTicker = c.Now, c.NewTicker }

func (c *clock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.periods = append(c.periods, d)
	return c.ticks, func() {}
}

func (c *clock) tickers() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.periods)
}

// tick delivers one tick and waits until the refresh it starts reports on done.
func (c *clock) tick(t *testing.T, done <-chan struct{}) {
	t.Helper()
	guard := time.NewTimer(5 * time.Second) // a failure guard: the refresh takes milliseconds
	defer guard.Stop()
	select {
	case c.ticks <- c.Now():
	case <-guard.C:
		t.Fatal("no background refresh is waiting for a tick")
	}
	select {
	case <-done:
	case <-guard.C:
		t.Fatal("the background refresh did not finish within 5s")
	}
}

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{
		contract.JWTIssuerEnv:    issuerURL,
		contract.JWTClientIDsEnv: "a, b,,",
		contract.JWTTokenUseEnv:  "access",
	}
	tests := []struct {
		name    string
		set     map[string]string
		wantErr string
	}{
		{name: "minimal", set: nil},
		{name: "all", set: map[string]string{contract.JWTJWKSURLEnv: "http://127.0.0.1:9/jwks", contract.JWTRequiredScopesEnv: "x/read", contract.JWTRequiredGroupsEnv: "g1,g2"}},
		{name: "no issuer", set: map[string]string{contract.JWTIssuerEnv: ""}, wantErr: `PORTICO_JWT_ISSUER) must be an absolute https URL without query, got ""`},
		{name: "http issuer", set: map[string]string{contract.JWTIssuerEnv: "http://evil.example/pool"}, wantErr: `must use https (http only on 127.0.0.1, ::1 or localhost), got "http://evil.example/pool"`},
		{name: "bad JWKS URL", set: map[string]string{contract.JWTJWKSURLEnv: "jwks.json"}, wantErr: `JWKS URL (PORTICO_JWT_JWKS_URL) must be an absolute https URL without query, got "jwks.json"`},
		{name: "no clients", set: map[string]string{contract.JWTClientIDsEnv: " , "}, wantErr: "PORTICO_JWT_CLIENT_IDS) must list at least one app client ID, got none"},
		{name: "bad token use", set: map[string]string{contract.JWTTokenUseEnv: "refresh"}, wantErr: `must be "id" or "access", got "refresh"`},
		{name: "scopes with ID tokens", set: map[string]string{contract.JWTTokenUseEnv: "id", contract.JWTRequiredScopesEnv: "x/read"}, wantErr: `need token use "access"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.set {
				env[k] = v
			}
			cfg, err := jwt.ConfigFromEnv(func(k string) string { return env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(cfg.ClientIDs, "|") != "a|b" || cfg.Issuer != issuerURL {
				t.Fatalf("got %+v", cfg)
			}
		})
	}
}

func TestClaimsLookup(t *testing.T) {
	iss := newIssuer(t)
	srv := newJWKSServer(t, iss)
	v := newVerifier(t, config(srv.URL, "id"))
	claims, err := v.Verify(context.Background(), mint(t, iss, with(iss.IDClaims(client, "ada"), "custom:tenant", "t-42")))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := claims.Lookup("custom:tenant"); !ok || got != "t-42" {
		t.Fatalf("Lookup(custom:tenant) = %v, %v; want t-42", got, ok)
	}
	if _, ok := claims.Lookup("absent"); ok {
		t.Fatal("Lookup(absent) found a value")
	}
}

// A JWKS that also publishes a symmetric key must not let anyone who read it sign tokens.
func TestSymmetricKeyInJWKS(t *testing.T) {
	iss := newIssuer(t)
	secret := []byte("0123456789abcdef0123456789abcdef")
	srv := newJWKSServer(t, iss)
	var set map[string][]map[string]string
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	set["keys"] = append(set["keys"], map[string]string{"kty": "oct", "kid": "shared", "alg": "HS256", "k": base64.RawURLEncoding.EncodeToString(secret)})
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	srv.body = body
	srv.mu.Unlock()
	v := newVerifier(t, config(srv.URL, "id"))

	hs := gojwt.NewWithClaims(gojwt.SigningMethodHS256, gojwt.MapClaims(iss.IDClaims(client, "eve")))
	hs.Header["kid"] = "shared"
	hsToken, err := hs.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	rsToken, err := iss.Sign(map[string]any{"kid": "shared"}, iss.IDClaims(client, "eve"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"HS256 with the published secret": hsToken, "RS256 naming the symmetric kid": rsToken} {
		if _, err := v.Verify(context.Background(), tok); !errors.Is(err, jwt.ErrInvalidToken) {
			t.Errorf("%s: got %v, want a denial", name, err)
		}
	}
	if _, err := v.Verify(context.Background(), mint(t, iss, iss.IDClaims(client, "ada"))); err != nil {
		t.Errorf("the RSA key beside it must still work: %v", err)
	}
}

// Concurrent first use: one fetch, every caller served.
func TestConcurrentFirstUse(t *testing.T) {
	iss := newIssuer(t)
	srv := newJWKSServer(t, iss)
	v := newVerifier(t, config(srv.URL, "id"))
	token := mint(t, iss, iss.IDClaims(client, "ada"))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), token)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("20 concurrent first verifications fetched %d times, want 1", n)
	}
}
