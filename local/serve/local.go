package serve

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/sigv4"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/credentials"
	"github.com/portico-dev/portico/local/gateway"
)

// Endpoint is an execute-api interface VPC endpoint of the assembly, served on its own listener.
type Endpoint struct {
	*assembly.VPCEndpoint
	URL string // the listener ("" until started)
}

// localSetup is what Start runs beside the gateway for access control: the local Cognito
// issuers, the access gate and one listener per VPC endpoint.
type localSetup struct {
	pools     *cognito.Pools
	gate      *access.Gate
	endpoints []*Endpoint
	servers   []*gateway.HTTPServer
}

// startLocal starts the local issuers, so that their JWKS URLs can be handed to the functions
// that verify their tokens.
func startLocal(asm *assembly.Assembly, pools *cognito.Pools) (*localSetup, error) {
	if err := pools.Serve(); err != nil {
		return nil, err
	}
	l := &localSetup{pools: pools}
	for _, ep := range asm.VPCEndpoints {
		l.endpoints = append(l.endpoints, &Endpoint{VPCEndpoint: ep})
	}
	return l, nil
}

// localEnvironment is what the functions' environment needs changed to work offline, by
// function ID: a Go authorizer whose PORTICO_JWT_ISSUER is a local pool fetches that pool's
// keys from its local JWKS URL, and a variable holding the cloud URL of an API of the assembly
// (https://{apiId}.execute-api.{region}.{suffix}/{stage}/..., e.g. a WebSocket stage's callback
// URL in PORTICO_CALLBACK_URL, or an IAM route another function calls) gets the local one.
// Every function gets the AWS credentials cfg.FunctionCredentials names, as Lambda's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (by default its execution
// role's local keys: the runtime passes no variable of portico's own environment). base is the
// gateway's URL.
func localEnvironment(asm *assembly.Assembly, pools *cognito.Pools, store *credentials.Store, base string, cfg Config) (map[string]map[string]string, error) {
	keys, err := cfg.FunctionCredentials.keys(store)
	if err != nil {
		return nil, err
	}
	out := cfg.Out
	apis := map[string]bool{}
	for _, api := range asm.RestAPIs {
		apis[api.ID] = true
	}
	for _, api := range slices.Concat(asm.HTTPAPIs, asm.WebSocketAPIs) {
		apis[api.ID] = true
	}
	env := map[string]map[string]string{}
	set := func(fn *assembly.Function, k, v string) {
		if env[fn.ID] == nil {
			env[fn.ID] = map[string]string{}
		}
		env[fn.ID][k] = v
	}
	for _, fn := range asm.SortedFunctions() {
		if iss, ok := fn.Environment[contract.JWTIssuerEnv]; ok {
			if pool := pools.ByIssuer(iss); pool != nil {
				set(fn, contract.JWTJWKSURLEnv, pool.JWKSURL)
			} else {
				fmt.Fprintf(out, "warning: function %s verifies tokens of %q, which is not a user pool of this assembly: its keys cannot be fetched offline\n", fn.ID, iss)
			}
		}
		for k, v := range fn.Environment {
			if local, ok := localURL(v, base, apis); ok {
				set(fn, k, local)
			}
		}
		vars, err := keys(fn.RoleARN)
		if err != nil {
			fmt.Fprintf(out, "warning: function %s gets no AWS credentials: its execution role: %v\n", fn.ID, err)
		}
		for k, v := range vars {
			set(fn, k, v)
		}
	}
	return env, nil
}

// localURL is the local gateway's URL for v when v is the cloud URL of one of apis
// (https://{apiId}.execute-api.{region}.{suffix}/{path}): base/{apiId}/{path}, the form
// CallbackURL and StageURL print.
func localURL(v, base string, apis map[string]bool) (string, bool) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" {
		return "", false
	}
	id, _, ok := strings.Cut(u.Host, ".execute-api.")
	if !ok || !apis[id] {
		return "", false
	}
	return base + "/" + id + u.EscapedPath(), true
}

// principalKeys gives the SigV4 verifier the keys of the local principals, the ones
// `portico credentials` prints and function processes get.
type principalKeys struct{ store *credentials.Store }

func (k principalKeys) Key(accessKeyID string) (sigv4.Key, bool) {
	p, ok := k.store.Lookup(accessKeyID)
	return sigv4.Key{AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken, Caller: p.Caller}, ok
}

// signatures verifies SigV4 signatures made with the local principals' keys. Its clock is the
// wall clock, not Config.Now: the signers (function processes, SDKs, curl) sign with theirs.
func signatures(store *credentials.Store) *sigv4.Verifier {
	return &sigv4.Verifier{Keys: principalKeys{store}}
}

// KeyDir is where the local issuers' signing keys live: {cacheDir}/cognito/{poolID}.pem, with
// cacheDir "" meaning serve's default cache folder.
func KeyDir(cacheDir string) (string, error) {
	dir, err := CacheDir(cacheDir)
	if err != nil {
		return "", err
	}
	return keyDir(dir), nil
}

// CacheDir is serve's cache folder: cacheDir, or serve's default when it is "". The local
// principals' keys live there (local/credentials).
func CacheDir(cacheDir string) (string, error) {
	cfg := Config{CacheDir: cacheDir}
	if err := cfg.defaults(); err != nil {
		return "", err
	}
	return cfg.CacheDir, nil
}

func keyDir(cacheDir string) string { return filepath.Join(cacheDir, "cognito") }

// serveEndpoints opens one listener per VPC endpoint, whose requests the gateway serves as
// arriving through that endpoint, and prints what a developer needs to call the APIs:
// listeners, issuers and API key values.
func (l *localSetup) serveEndpoints(cfg *Config, srv *gateway.Server) error {
	for _, ep := range l.endpoints {
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, "0"))
		if err != nil {
			return fmt.Errorf("listener for VPC endpoint %s: %w", ep.ID, err)
		}
		ep.URL = "http://" + ln.Addr().String()
		s := gateway.NewHTTPServer(srv.Via(ep.VPCEndpoint), cfg.Limits)
		go func() { _ = s.Serve(ln) }()
		l.servers = append(l.servers, s)
	}
	for _, ep := range l.endpoints {
		fmt.Fprintf(cfg.Out, "VPC endpoint %s (stack %s, %s in %s): %s  (private APIs only)\n", ep.LogicalID, ep.Stack, ep.ID, ep.VpcID, ep.URL)
	}
	for _, p := range l.pools.List {
		fmt.Fprintf(cfg.Out, "user pool %s/%s: issuer %s, JWKS %s  (portico token --pool %s/%s --user NAME)\n", p.Stack, p.LogicalID, p.Issuer.URL, p.JWKSURL, p.Stack, p.LogicalID)
	}
	if cfg.Access == nil {
		for _, k := range l.gate.Keys {
			state := ""
			if k.Disabled {
				state = " (disabled)"
			}
			fmt.Fprintf(cfg.Out, "API key %s (%s): x-api-key: %s%s\n", k.Name, k.ID, k.Value, state)
		}
		for _, n := range l.gate.Notices() {
			fmt.Fprintln(cfg.Out, n)
		}
	}
	return nil
}

func (l *localSetup) close() {
	for _, s := range l.servers {
		_ = s.Close()
	}
	if l.gate != nil {
		l.gate.Close()
	}
	_ = l.pools.Close()
}

// Endpoints are the VPC endpoint listeners of a started gateway.
func (r *Running) Endpoints() []*Endpoint { return r.local.endpoints }
