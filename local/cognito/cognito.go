// Package cognito is the local Cognito of `portico serve`: one token issuer per
// AWS::Cognito::UserPool of the assembly, with the issuer URL the cloud would use, an RS256 key
// persisted under a key folder (so `portico token` and a running `portico serve` agree), and a
// loopback JWKS endpoint that the gateway's authorizers and the Go Lambda authorizers fetch.
package cognito

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/portico-dev/portico/authorizers/jwt/jwtissuer"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/internal/secretfile"
)

// Pool is one local user pool.
type Pool struct {
	Stack, LogicalID string
	ID               string // e.g. us-east-1_ab12cd34ef, as Ref of the pool resolves locally
	Name             string // the UserPoolName property, if any
	ClientIDs        []string
	// Issuer signs the pool's tokens; Issuer.URL is https://cognito-idp.{region}.amazonaws.com/{ID}.
	Issuer *jwtissuer.Issuer
	// JWKSURL is the loopback address of the pool's JWKS ("" until Serve).
	JWKSURL string
}

// Pools are the local issuers of an assembly.
type Pools struct {
	List []*Pool
	srv  *http.Server
}

// Load creates the issuer of every user pool in asm. Each pool's RSA key is read from
// keyDir/{poolID}.pem, or generated and written there (0600) on first use.
func Load(asm *assembly.Assembly, keyDir string) (*Pools, error) {
	ps := &Pools{}
	for _, up := range asm.UserPools {
		p := &Pool{Stack: up.Stack, LogicalID: up.LogicalID, ID: up.ID, Name: up.Name, ClientIDs: up.ClientIDs}
		key, err := loadKey(filepath.Join(keyDir, p.ID+".pem"))
		if err != nil {
			return nil, fmt.Errorf("user pool %s/%s: %w", up.Stack, up.LogicalID, err)
		}
		if p.Issuer, err = jwtissuer.FromKey(up.IssuerURL, key); err != nil {
			return nil, fmt.Errorf("user pool %s/%s: %w", up.Stack, up.LogicalID, err)
		}
		ps.List = append(ps.List, p)
	}
	return ps, nil
}

func loadKey(path string) (*rsa.PrivateKey, error) {
	raw, err := secretfile.Read(path, "key file", "who could sign tokens with it")
	if errors.Is(err, fs.ErrNotExist) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("key folder: %w", err)
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		// When two commands race on first use, the loser reads the winner's complete key.
		created, err := secretfile.Create(path, block)
		if err != nil {
			return nil, fmt.Errorf("write key: %w", err)
		}
		if !created {
			return loadKey(path)
		}
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("key file %s holds no PEM block; delete it to get a new key", path)
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w; delete it to get a new key", path, err)
	}
	return key, nil
}

// Find returns the pool named by its logical ID, "Stack/LogicalID", pool ID or UserPoolName.
func (ps *Pools) Find(name string) (*Pool, error) {
	var found []*Pool
	for _, p := range ps.List {
		if name == p.LogicalID || name == p.Stack+"/"+p.LogicalID || name == p.ID || (p.Name != "" && name == p.Name) {
			found = append(found, p)
		}
	}
	var names []string
	for _, p := range ps.List {
		names = append(names, p.Stack+"/"+p.LogicalID)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("no user pool %q; the assembly has %q", name, names)
	}
	return nil, fmt.Errorf("user pool %q is ambiguous; name it as Stack/LogicalID, one of %q", name, names)
}

// ByIssuer returns the pool whose issuer URL is iss, or nil.
func (ps *Pools) ByIssuer(iss string) *Pool {
	for _, p := range ps.List {
		if p.Issuer.URL == iss {
			return p
		}
	}
	return nil
}

// ByARN returns the pool a COGNITO_USER_POOLS authorizer's provider ARN names, or nil.
func (ps *Pools) ByARN(arn string) *Pool {
	for _, p := range ps.List {
		if strings.HasSuffix(arn, ":userpool/"+p.ID) {
			return p
		}
	}
	return nil
}

// Serve listens on 127.0.0.1 (a free port) and serves each pool's JWKS at
// /{poolID}/.well-known/jwks.json. The JWKS stays on loopback whatever host the gateway serves
// on: only the gateway and the local functions fetch it, and the JWT verifiers accept plain
// http only from a loopback address. It serves public keys only.
func (ps *Pools) Serve() error {
	if len(ps.List) == 0 {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("local Cognito: %w", err)
	}
	mux := http.NewServeMux()
	for _, p := range ps.List {
		path := "/" + p.ID + "/.well-known/jwks.json"
		mux.Handle("GET "+path, p.Issuer.JWKSHandler())
		p.JWKSURL = "http://" + ln.Addr().String() + path
	}
	ps.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = ps.srv.Serve(ln) }()
	return nil
}

// Close stops the JWKS endpoint.
func (ps *Pools) Close() error {
	if ps.srv == nil {
		return nil
	}
	return ps.srv.Close()
}

// TokenRequest says what token to mint.
type TokenRequest struct {
	User   string
	Groups []string
	Scopes []string // access tokens only
	Use    string   // "id" or "access"; Default: "access" when Scopes are given, else "id"
	Client string   // app client ID; Default: the pool's first client
	TTL    time.Duration
}

// Token mints a signed token of the pool.
func (p *Pool) Token(tr TokenRequest) (string, error) {
	client := tr.Client
	if client == "" {
		if len(p.ClientIDs) == 0 {
			return "", fmt.Errorf("user pool %s has no app client; tokens need one for aud/client_id", p.LogicalID)
		}
		client = p.ClientIDs[0]
	} else if !slices.Contains(p.ClientIDs, client) {
		return "", fmt.Errorf("user pool %s has no app client %q; it has %q", p.LogicalID, client, p.ClientIDs)
	}
	use := tr.Use
	if use == "" {
		use = "id"
		if len(tr.Scopes) > 0 {
			use = "access"
		}
	}
	var claims map[string]any
	switch use {
	case "id":
		if len(tr.Scopes) > 0 {
			return "", fmt.Errorf("ID tokens carry no scopes; use an access token for scopes %q", tr.Scopes)
		}
		claims = p.Issuer.IDClaims(client, tr.User, tr.Groups...)
	case "access":
		claims = p.Issuer.AccessClaims(client, tr.User, tr.Scopes, tr.Groups...)
	default:
		return "", fmt.Errorf("token use must be \"id\" or \"access\", got %q", use)
	}
	if tr.TTL > 0 {
		claims["exp"] = time.Now().Add(tr.TTL).Unix()
	}
	return p.Issuer.Mint(claims)
}
