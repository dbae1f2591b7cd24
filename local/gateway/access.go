package gateway

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/local/access"
	"github.com/portico-dev/portico/local/access/authorizer"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/internal/proxyevent"
	"github.com/portico-dev/portico/local/invoke"
)

// LocalAccess is the AccessControl `portico serve` uses: resource policies, Lambda authorizers
// (run through the runtime, cached as in the cloud), Cognito and JWT authorizers verified against
// the local issuers, API keys and usage plans. Whatever it cannot emulate is refused by route.
type LocalAccess struct {
	asm     *assembly.Assembly
	pools   *cognito.Pools
	limiter *usage.Limiter
	// Keys are the API keys with their local values, for printing at start-up.
	Keys []usage.Key

	apis        map[string]*apiAccess // by API id
	authorizers map[string]*localAuthorizer
	limiterErr  error
}

type apiAccess struct {
	stack     *assembly.Stack
	private   bool
	policy    *iam.Policy
	keySource usage.KeySource
	err       error // why the API's routes cannot be served faithfully
}

type localAuthorizer struct {
	lambda *authorizer.Lambda
	token  *authorizer.Token
	err    error
}

// NewLocalAccess reads the access configuration of asm. inv runs Lambda authorizers; pools are
// the local issuers (Serve must have been called so that their JWKS URLs are set); now is the
// clock of the authorizers and the limiter (nil: each uses time.Now).
func NewLocalAccess(asm *assembly.Assembly, inv invoke.Invoker, pools *cognito.Pools, now func() time.Time) *LocalAccess {
	la := &LocalAccess{asm: asm, pools: pools, apis: map[string]*apiAccess{}, authorizers: map[string]*localAuthorizer{}}
	for _, r := range asm.RestAPIs {
		st := asm.Stack(r.Stack)
		a := &apiAccess{stack: st, private: slices.Contains(r.EndpointTypes, "PRIVATE"), keySource: usage.FromHeader}
		if src := r.Resource.String("ApiKeySourceType"); src != "" {
			a.keySource = usage.KeySource(src)
		}
		if a.keySource != usage.FromHeader && a.keySource != usage.FromAuthorizer {
			a.err = fmt.Errorf("ApiKeySourceType must be HEADER or AUTHORIZER, got %q", a.keySource)
		}
		if doc, ok := r.Resource.Properties["Policy"]; ok && a.err == nil {
			a.policy, a.err = parsePolicy(doc, iam.Scope{Region: st.Region, Account: st.Account, APIID: r.ID})
		}
		la.apis[r.ID] = a
	}
	for _, h := range asm.HTTPAPIs {
		la.apis[h.ID] = &apiAccess{stack: asm.Stack(h.Stack)}
	}
	for _, st := range asm.Stacks {
		for id, res := range st.Resources {
			switch res.Type {
			case "AWS::ApiGateway::Authorizer", "AWS::ApiGatewayV2::Authorizer":
				la.authorizers[st.Name+"/"+id] = la.newAuthorizer(res, inv, now)
			}
		}
	}
	cfg, err := usageConfig(asm)
	if err == nil {
		cfg.Now = now
		la.Keys = cfg.Keys
		la.limiter, err = usage.New(cfg)
	}
	la.limiterErr = err
	return la
}

func parsePolicy(doc any, scope iam.Scope) (*iam.Policy, error) {
	raw, err := jsonBytes(doc)
	if err != nil {
		return nil, err
	}
	p, err := iam.ParseResourcePolicy(raw, scope)
	if err != nil {
		return nil, fmt.Errorf("resource policy: %w", err)
	}
	return p, nil
}

func (la *LocalAccess) newAuthorizer(res *assembly.Resource, inv invoke.Invoker, now func() time.Time) *localAuthorizer {
	p := res.Properties
	name := res.String("Name")
	if name == "" {
		name = res.LogicalID
	}
	typ := res.String("Type")
	protocol, sources := authorizer.REST, splitComma(res.String("IdentitySource"))
	if res.Type == "AWS::ApiGatewayV2::Authorizer" {
		typ, protocol, sources = res.String("AuthorizerType"), authorizer.HTTP, stringList(p["IdentitySource"])
	}
	switch typ {
	case "COGNITO_USER_POOLS":
		var issuers []authorizer.Issuer
		for _, arn := range stringList(p["ProviderARNs"]) {
			pool := la.pools.ByARN(arn)
			if pool == nil {
				return &localAuthorizer{err: fmt.Errorf("authorizer %s (COGNITO_USER_POOLS): provider %q is not a user pool of this assembly", name, arn)}
			}
			// A COGNITO_USER_POOLS authorizer accepts every app client of its pools.
			issuers = append(issuers, authorizer.Issuer{URL: pool.Issuer.URL, JWKSURL: pool.JWKSURL, ClientIDs: pool.ClientIDs})
		}
		t, err := authorizer.NewToken(authorizer.TokenConfig{Name: name, Kind: authorizer.CognitoUserPools, Issuers: issuers, IdentitySource: first(sources), Now: now})
		return &localAuthorizer{token: t, err: err}
	case "JWT":
		jc, _ := p["JwtConfiguration"].(map[string]any)
		iss, _ := jc["Issuer"].(string)
		pool := la.pools.ByIssuer(iss)
		if pool == nil {
			return &localAuthorizer{err: fmt.Errorf("JWT authorizer %s: issuer %q is not a user pool of this assembly; only local issuers can be verified offline", name, iss)}
		}
		t, err := authorizer.NewToken(authorizer.TokenConfig{Name: name, Kind: authorizer.JWTAuthorizer, Now: now, IdentitySource: first(sources),
			Issuers: []authorizer.Issuer{{URL: iss, JWKSURL: pool.JWKSURL, ClientIDs: stringList(jc["Audience"])}}})
		return &localAuthorizer{token: t, err: err}
	case "TOKEN", "REQUEST":
		uri := res.String("AuthorizerUri")
		fn, _, err := la.asm.ResolveFunction(uri, nil)
		if err != nil {
			return &localAuthorizer{err: fmt.Errorf("authorizer %s (Lambda): %w", name, err)}
		}
		cfg := authorizer.LambdaConfig{Name: name, Function: fn.ID, Protocol: protocol, Type: typ, IdentitySources: sources,
			ValidationRegex: res.String("IdentityValidationExpression"), PayloadVersion: res.String("AuthorizerPayloadFormatVersion")}
		cfg.SimpleResponses, _ = p["EnableSimpleResponses"].(bool)
		if ttl, ok := number(p["AuthorizerResultTtlInSeconds"]); ok {
			cfg.TTLSeconds = &ttl
		} else if protocol == authorizer.HTTP {
			zero := 0 // HTTP APIs cache only when a TTL is set
			cfg.TTLSeconds = &zero
		}
		l, err := authorizer.NewLambda(cfg, inv, now)
		return &localAuthorizer{lambda: l, err: err}
	}
	return &localAuthorizer{err: fmt.Errorf("authorizer %s: type %q is not emulated", name, typ)}
}

// Close stops the token verifiers' background key refreshes.
func (la *LocalAccess) Close() {
	for _, a := range la.authorizers {
		if a.token != nil {
			a.token.Close()
		}
	}
}

// Guard settles how rt is protected; see AccessControl.
func (la *LocalAccess) Guard(rt *Route) (Check, error) {
	a := la.apis[rt.API.ID]
	if a == nil {
		return nil, fmt.Errorf("API %s has no access configuration", rt.API.ID)
	}
	if a.err != nil {
		return nil, a.err
	}
	g := &guard{la: la, api: a, rt: rt}
	switch rt.AuthorizationType {
	case "", "NONE":
	case "AWS_IAM":
		return nil, fmt.Errorf("AWS_IAM authorization: SigV4 signatures are not emulated")
	default:
		auth := la.authorizers[rt.API.Stack+"/"+rt.AuthorizerID]
		if auth == nil {
			return nil, fmt.Errorf("%s authorization names authorizer %q, which is not in the template", rt.AuthorizationType, rt.AuthorizerID)
		}
		if auth.err != nil {
			return nil, auth.err
		}
		g.auth = auth
		if rt.Source != nil {
			g.scopes = stringList(rt.Source.Properties["AuthorizationScopes"])
		}
	}
	if la.limiterErr != nil {
		return nil, fmt.Errorf("usage plans: %w", la.limiterErr)
	}
	return g.check, nil
}

// guard is the access check of one route.
type guard struct {
	la     *LocalAccess
	api    *apiAccess
	rt     *Route
	auth   *localAuthorizer
	scopes []string
}

// callerKey carries the caller identity `portico explain` assumes.
type callerKey struct{}

// endpointKey marks requests that arrived on a VPC endpoint's listener.
type endpointKey struct{}

// Endpoint is an execute-api interface VPC endpoint of the assembly, served on its own listener.
type Endpoint struct {
	Stack, LogicalID string
	ID, VpcID        string // vpce-..., vpc-... as Ref resolves them locally
	URL              string // the listener ("" until started)
}

func (g *guard) check(ctx context.Context, x *Exchange) error {
	r := g.request(x)
	ep, _ := ctx.Value(endpointKey{}).(*Endpoint)
	switch {
	case g.api.private && ep == nil:
		return &access.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "ForbiddenException", By: "portico",
			Reason: "a private API is reachable only through a VPC endpoint listener (its DNS name does not resolve outside the VPC)"}
	case !g.api.private && ep != nil:
		return &access.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "ForbiddenException", By: "VPC endpoint " + ep.ID,
			Reason: "only private APIs are reached through an execute-api endpoint with private DNS"}
	case ep != nil:
		r.VpceID, r.VpcID = ep.ID, ep.VpcID
	}
	return g.decide(ctx, x, r)
}

func (g *guard) request(x *Exchange) *access.Request {
	src, _ := netip.ParseAddr(proxyevent.SourceIP(x.Request))
	caller, _ := x.Request.Context().Value(callerKey{}).(string)
	return &access.Request{
		Region: g.api.stack.Region, AccountID: g.api.stack.Account, APIID: x.API.ID, Stage: x.Stage.Name, RequestID: x.RequestID,
		Private: g.api.private, Method: x.Request.Method, Path: x.Path, ResourcePath: g.rt.Path, RouteKey: g.rt.RouteKey,
		Headers: x.Request.Header, Query: x.Request.URL.Query(), PathParams: x.PathParams, StageVars: x.Stage.Variables,
		SourceIP: src.Unmap(), CallerARN: caller,
	}
}

// decide applies the cloud's order: resource policy (explicit Deny first), authorizer, the
// combination of both, then API key and usage plan.
func (g *guard) decide(ctx context.Context, x *Exchange, r *access.Request) error {
	rest := g.rt.API.Kind == REST
	var resource *iam.Decision
	if rest {
		resource = access.EvaluateResourcePolicy(g.api.policy, r)
		if resource != nil {
			x.trace("resource policy: %s", resource)
		}
		if err := access.PreAuthorize(r, resource); err != nil {
			return err
		}
	}
	auth := access.Authorizer{Kind: access.NoAuthorizer}
	var usageKey string
	switch {
	case g.auth == nil:
	case g.auth.lambda != nil:
		res, err := g.auth.lambda.Authorize(ctx, r)
		if err != nil {
			return err
		}
		x.trace("authorizer %s: %s (cached: %t)", res.Name, res.Decision, res.Cached)
		if !rest {
			if err := res.Err(); err != nil {
				return err
			}
			x.authorizerV2 = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: res.Context}
			break
		}
		auth, usageKey = res.Authorizer(), res.UsageIdentifierKey
		x.Authorizer = map[string]any{"principalId": res.PrincipalID}
		for k, v := range res.Context {
			x.Authorizer[k] = v
		}
	default:
		res, err := g.auth.token.Authorize(ctx, r, g.scopes)
		if err != nil {
			return err
		}
		x.trace("authorizer %s: valid token of %s, scopes %q", res.Name, res.Subject, res.Scopes)
		auth = res.Authorizer()
		claims := map[string]string{}
		for k, v := range res.Claims {
			if s, ok := v.(string); ok {
				claims[k] = s
			} else {
				claims[k] = fmt.Sprint(v)
			}
		}
		if !rest {
			x.authorizerV2 = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: res.Scopes}}
			break
		}
		x.Authorizer = map[string]any{"claims": claims}
	}
	if rest {
		if err := access.Combine(r, resource, auth); err != nil {
			return err
		}
	}
	// Throttles are keyed by the method or route as the template names it (ANY, $default).
	method := g.rt.Method
	if g.rt.RouteKey == "$default" {
		method = "$default"
	}
	grant, err := g.la.limiter.Admit(usage.Request{APIID: r.APIID, Stage: r.Stage, ResourcePath: r.ResourcePath, Method: method,
		APIKeyRequired: g.rt.APIKeyRequired, KeySource: g.api.keySource, HeaderKey: r.Headers.Get("X-Api-Key"), AuthorizerKey: usageKey})
	if err != nil {
		return err
	}
	if grant.Plan != nil {
		x.apiKey = grant.Key
		x.trace("usage plan %s: admitted key %s", grant.Plan.Name, grant.Key.Name)
	}
	return nil
}

// Endpoints lists the execute-api VPC endpoints of the assembly.
func Endpoints(asm *assembly.Assembly) []*Endpoint {
	var out []*Endpoint
	for _, st := range asm.Stacks {
		for _, id := range sortedKeys(st.Resources) {
			r := st.Resources[id]
			if r.Type == "AWS::EC2::VPCEndpoint" && strings.HasSuffix(r.String("ServiceName"), ".execute-api") {
				out = append(out, &Endpoint{Stack: st.Name, LogicalID: id, ID: st.PhysicalRef(id), VpcID: r.String("VpcId")})
			}
		}
	}
	return out
}

// serveEndpoints starts one listener per VPC endpoint; requests there carry the endpoint.
func serveEndpoints(host string, eps []*Endpoint, h http.Handler) ([]*http.Server, error) {
	var servers []*http.Server
	for _, ep := range eps {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			for _, s := range servers {
				s.Close()
			}
			return nil, fmt.Errorf("listener for VPC endpoint %s: %w", ep.ID, err)
		}
		ep.URL = "http://" + ln.Addr().String()
		s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
			BaseContext: func(net.Listener) context.Context { return context.WithValue(context.Background(), endpointKey{}, ep) }}
		go func() { _ = s.Serve(ln) }()
		servers = append(servers, s)
	}
	return servers, nil
}

func splitComma(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func stringList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// localSetup is what Start runs beside the gateway for access control: the local Cognito
// issuers and one listener per VPC endpoint.
type localSetup struct {
	pools     *cognito.Pools
	endpoints []*Endpoint
	servers   []*http.Server
	access    *LocalAccess // nil when Config.Access replaces it
}

// prepareLocal starts the local issuers and points the Go Lambda authorizers of the template
// at them, so that a token from `portico token` works end to end. It runs before the runtime
// starts the function processes.
func prepareLocal(cfg *Config, asm *assembly.Assembly) (*localSetup, error) {
	pools, err := cognito.Load(asm, keyDir(cfg.CacheDir))
	if err != nil {
		return nil, err
	}
	if err := pools.Serve(cfg.Host); err != nil {
		return nil, err
	}
	pointAuthorizers(asm, pools, cfg.Out)
	return &localSetup{pools: pools, endpoints: Endpoints(asm)}, nil
}

// pointAuthorizers sets PORTICO_JWT_JWKS_URL of every function whose PORTICO_JWT_ISSUER is a
// local pool's issuer, before any function process starts.
func pointAuthorizers(asm *assembly.Assembly, pools *cognito.Pools, out io.Writer) {
	for _, fn := range asm.SortedFunctions() {
		iss, ok := fn.Environment[contract.JWTIssuerEnv]
		if !ok {
			continue
		}
		if pool := pools.ByIssuer(iss); pool != nil {
			fn.Environment[contract.JWTJWKSURLEnv] = pool.JWKSURL
		} else {
			fmt.Fprintf(out, "warning: function %s verifies tokens of %q, which is not a user pool of this assembly: its keys cannot be fetched offline\n", fn.ID, iss)
		}
	}
}

// KeyDir is where the local issuers' signing keys live: {cacheDir}/cognito/{poolID}.pem, with
// cacheDir "" meaning serve's default cache folder.
func KeyDir(cacheDir string) (string, error) {
	cfg := Config{CacheDir: cacheDir}
	if err := cfg.defaults(); err != nil {
		return "", err
	}
	return keyDir(cfg.CacheDir), nil
}

func keyDir(cacheDir string) string { return filepath.Join(cacheDir, "cognito") }

func (l *localSetup) control(cfg *Config, asm *assembly.Assembly, inv invoke.Invoker) AccessControl {
	if cfg.Access != nil {
		return cfg.Access
	}
	l.access = NewLocalAccess(asm, inv, l.pools, cfg.Now)
	return l.access
}

// start opens the VPC endpoint listeners and prints what a developer needs to call the APIs:
// listeners, issuers and API key values.
func (l *localSetup) start(cfg *Config, h http.Handler) error {
	servers, err := serveEndpoints(cfg.Host, l.endpoints, h)
	if err != nil {
		return err
	}
	l.servers = servers
	for _, ep := range l.endpoints {
		fmt.Fprintf(cfg.Out, "VPC endpoint %s (stack %s, %s in %s): %s  (private APIs only)\n", ep.LogicalID, ep.Stack, ep.ID, ep.VpcID, ep.URL)
	}
	for _, p := range l.pools.List {
		fmt.Fprintf(cfg.Out, "user pool %s/%s: issuer %s, JWKS %s  (portico token --pool %s/%s --user NAME)\n", p.Stack, p.LogicalID, p.Issuer.URL, p.JWKSURL, p.Stack, p.LogicalID)
	}
	if l.access != nil {
		for _, k := range l.access.Keys {
			state := ""
			if k.Disabled {
				state = " (disabled)"
			}
			fmt.Fprintf(cfg.Out, "API key %s (%s): x-api-key: %s%s\n", k.Name, k.ID, k.Value, state)
		}
	}
	return nil
}

func (l *localSetup) close() {
	for _, s := range l.servers {
		_ = s.Close()
	}
	if l.access != nil {
		l.access.Close()
	}
	_ = l.pools.Close()
}

// Endpoints are the VPC endpoint listeners of a started gateway.
func (r *Running) Endpoints() []*Endpoint {
	if r.local == nil {
		return nil
	}
	return r.local.endpoints
}
