package cognito_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
)

// twoStacks writes an assembly whose two stacks each have a pool with the same logical ID, as
// the sample stacks do.
func twoStacks(t *testing.T) *assembly.Assembly {
	t.Helper()
	dir := t.TempDir()
	manifest := map[string]any{"version": "55.0.0", "artifacts": map[string]any{}}
	for _, name := range []string{"A", "B"} {
		tpl := map[string]any{"Resources": map[string]any{
			"Users":  map[string]any{"Type": "AWS::Cognito::UserPool", "Properties": map[string]any{"UserPoolName": "users-" + name}},
			"Client": map[string]any{"Type": "AWS::Cognito::UserPoolClient", "Properties": map[string]any{"UserPoolId": map[string]any{"Ref": "Users"}}},
		}}
		writeJSON(t, filepath.Join(dir, name+".template.json"), tpl)
		manifest["artifacts"].(map[string]any)[name] = map[string]any{"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region",
			"properties": map[string]any{"templateFile": name + ".template.json"}, "displayName": name}
	}
	writeJSON(t, filepath.Join(dir, "manifest.json"), manifest)
	asm, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestKeysPersistAndPoolsAreDistinct(t *testing.T) {
	asm, keys := twoStacks(t), t.TempDir()
	first, err := cognito.Load(asm, keys)
	if err != nil {
		t.Fatal(err)
	}
	second, err := cognito.Load(asm, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.List) != 2 {
		t.Fatalf("got %d pools, want 2", len(first.List))
	}
	a, b := first.List[0], first.List[1]
	if a.Issuer.URL == b.Issuer.URL || a.Issuer.KeyID == b.Issuer.KeyID {
		t.Errorf("pools of two stacks share issuer %q or key %q", a.Issuer.URL, a.Issuer.KeyID)
	}
	for i := range first.List {
		if first.List[i].Issuer.KeyID != second.List[i].Issuer.KeyID {
			t.Errorf("pool %s: key changed between loads (%s, %s); tokens of `portico token` would not verify", first.List[i].ID, first.List[i].Issuer.KeyID, second.List[i].Issuer.KeyID)
		}
	}
	info, err := os.Stat(filepath.Join(keys, a.ID+".pem"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v, want 0600", err, info)
	}
	if !strings.HasPrefix(a.ID, "us-east-1_") || len(a.ClientIDs) != 1 {
		t.Errorf("pool id %q clients %q, want us-east-1_... with one client", a.ID, a.ClientIDs)
	}
}

func TestCorruptKeyIsRefused(t *testing.T) {
	asm, keys := twoStacks(t), t.TempDir()
	ps, err := cognito.Load(asm, keys)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(keys, ps.List[0].ID+".pem")
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cognito.Load(asm, keys); err == nil || !strings.Contains(err.Error(), "delete it to get a new key") {
		t.Fatalf("error %v, want one saying how to recover", err)
	}
}

func TestFind(t *testing.T) {
	ps, err := cognito.Load(twoStacks(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want, wantErr string }{
		{"A/Users", "A", ""},
		{"users-B", "B", ""},
		{ps.List[1].ID, "B", ""},
		{"Users", "", `user pool "Users" is ambiguous; name it as Stack/LogicalID, one of ["A/Users" "B/Users"]`},
		{"Nope", "", `no user pool "Nope"; the assembly has ["A/Users" "B/Users"]`},
	}
	for _, tt := range tests {
		p, err := ps.Find(tt.name)
		switch {
		case tt.wantErr != "":
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Find(%q) error %v, want %q", tt.name, err, tt.wantErr)
			}
		case err != nil || p.Stack != tt.want:
			t.Errorf("Find(%q) = %v, %v, want stack %s", tt.name, p, err, tt.want)
		}
	}
}

func TestTokenAndJWKS(t *testing.T) {
	p := servedPools(t).List[0]
	resp, err := http.Get(p.JWKSURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != string(p.Issuer.JWKS()) {
		t.Fatalf("JWKS at %s = %s, want the issuer's", p.JWKSURL, body)
	}
	tests := []struct {
		name    string
		req     cognito.TokenRequest
		claims  map[string]any
		wantErr string
	}{
		{"ID token by default", cognito.TokenRequest{User: "alice", Groups: []string{"admin"}}, map[string]any{"token_use": "id", "aud": p.ClientIDs[0], "cognito:username": "alice"}, ""},
		{"access token with scopes", cognito.TokenRequest{User: "bob", Scopes: []string{"a/read", "a/write"}}, map[string]any{"token_use": "access", "client_id": p.ClientIDs[0], "scope": "a/read a/write"}, ""},
		{"unknown client", cognito.TokenRequest{User: "c", Client: "other"}, nil, `has no app client "other"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := p.Token(tt.req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return p.Issuer.PublicKey(), nil }, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(p.Issuer.URL))
			if err != nil {
				t.Fatal(err)
			}
			claims := parsed.Claims.(jwt.MapClaims)
			for k, v := range tt.claims {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
		})
	}
}

// Two commands starting together (serve and token) must end up with the same key.
func TestConcurrentFirstUseAgreesOnOneKey(t *testing.T) {
	asm, keys := twoStacks(t), t.TempDir()
	const n = 4
	kids := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			ps, err := cognito.Load(asm, keys)
			if err != nil {
				errs <- err
				return
			}
			kids <- ps.List[0].Issuer.KeyID
		}()
	}
	seen := map[string]bool{}
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case kid := <-kids:
			seen[kid] = true
		}
	}
	if len(seen) != 1 {
		t.Errorf("concurrent loads produced keys %v, want one", seen)
	}
}

// The JWKS listener serves public keys only, on loopback, and nothing else.
func TestJWKSListenerServesPublicKeysOnly(t *testing.T) {
	p := servedPools(t).List[0]
	u, err := url.Parse(p.JWKSURL)
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("JWKS URL %s (%v), want one on 127.0.0.1", p.JWKSURL, err)
	}
	resp, err := http.Get(p.JWKSURL)
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct{ Keys []map[string]any }
	err = json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	if err != nil || len(jwks.Keys) == 0 {
		t.Fatalf("JWKS: %v, %d keys", err, len(jwks.Keys))
	}
	// The private members of an RSA JWK (RFC 7518, section 6.3.2).
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth"} {
		for _, k := range jwks.Keys {
			if _, ok := k[private]; ok {
				t.Errorf("JWKS key %v has the private member %q", k["kid"], private)
			}
		}
	}
	root := u.Scheme + "://" + u.Host
	for _, path := range []string{"/", "/" + p.ID, "/" + p.ID + ".pem", "/cognito/" + p.ID + ".pem", "/" + p.ID + "/.well-known/openid-configuration", "/debug/pprof/"} {
		resp, err := http.Get(root + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// A key file that other users can read is refused: whoever reads it can sign tokens that the
// local authorizers accept.
func TestKeyFileReadableByOthersIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	asm, keys := twoStacks(t), t.TempDir()
	ps, err := cognito.Load(asm, keys)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(keys, ps.List[0].ID+".pem")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = cognito.Load(asm, keys)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "-rw-r--r--") {
		t.Fatalf("key file readable by others: error %v, want one naming %s and its mode", err, path)
	}
}

// servedPools loads the pools of two stacks and serves their issuers until the test ends.
func servedPools(t *testing.T) *cognito.Pools {
	t.Helper()
	ps, err := cognito.Load(twoStacks(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Serve(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ps.Close() })
	return ps
}
