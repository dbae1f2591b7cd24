// Package access is the access gate of the local gateway: it decides, as API Gateway does,
// whether a request may reach its integration. The Gate, built from the assembly, composes its
// children in the cloud's order: the resource policy (package iam), the authorizer (package
// authorizer), their combination (Combine), then API keys and usage plans (package usage), for
// REST and HTTP routes and WebSocket $connect. AWS_IAM routes instead verify the SigV4
// signature (Config.Verify) and combine the resource policy with the caller's identity-based
// policies (roles of the assembly, or the policy assumed for outside principals) by the
// same-account and cross-account tables; @connections checks ManageConnections the same way.
// Package check holds the request and denial types they share.
package access

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/portico-dev/portico/local/access/authorizer"
	"github.com/portico-dev/portico/local/access/check"
	"github.com/portico-dev/portico/local/access/iam"
	"github.com/portico-dev/portico/local/access/usage"
	"github.com/portico-dev/portico/local/assembly"
	"github.com/portico-dev/portico/local/cognito"
	"github.com/portico-dev/portico/local/invoke"
)

// Config is what a Gate is built from.
type Config struct {
	Assembly *assembly.Assembly
	// Pools are the local issuers; their JWKS URLs must be set (cognito.Pools.Serve).
	Pools *cognito.Pools
	// Invoker runs Lambda authorizers.
	Invoker invoke.Invoker
	// Now is the clock of authorizer caches, token expiry and quotas. Default: time.Now.
	Now func() time.Time
	// Verify checks the SigV4 signatures of requests to AWS_IAM routes and @connections. Nil:
	// AWS_IAM routes are refused at start-up.
	Verify Verifier
	// Outside are the identity-based policies assumed for principals outside the assembly, by
	// principal ARN; the key "*" replaces DefaultOutsidePolicy for the others
	// (ReadOutsidePolicies reads them from a file).
	Outside map[string]*iam.Policy
}

// Gate is the access control of `portico serve`: resource policies, Lambda authorizers (cached
// as in the cloud), Cognito and JWT authorizers verified against the local issuers, API keys and
// usage plans. Whatever it cannot emulate faithfully it refuses by route, with the reason.
type Gate struct {
	cfg     Config
	limiter *usage.Limiter
	// Keys are the API keys with their local values, for printing at start-up.
	Keys []usage.Key

	apis        map[string]*apiAccess // by API id
	authorizers map[*assembly.Authorizer]*built
	limiterErr  error
	// roles are the identities of the assembly's roles by ARN; outsideDefault is the policy
	// assumed for other principals.
	roles          map[string]*identity
	outsideDefault *iam.Policy
}

type apiAccess struct {
	private   bool // a PRIVATE REST API
	policy    *iam.Policy
	keySource usage.KeySource
	err       error // why the API's routes cannot be served faithfully
}

// built is an authorizer ready to run, or why it cannot be.
type built struct {
	lambda *authorizer.Lambda
	token  *authorizer.Token
	err    error
}

// New reads the access configuration of cfg.Assembly.
func New(cfg Config) *Gate {
	g := &Gate{cfg: cfg, apis: map[string]*apiAccess{}, authorizers: map[*assembly.Authorizer]*built{},
		roles: readRoles(cfg.Assembly.Roles), outsideDefault: mustParse("assumed for principals outside the assembly", DefaultOutsidePolicy)}
	asm := cfg.Assembly
	for _, r := range asm.RestAPIs {
		a := &apiAccess{private: r.Private(), keySource: usage.KeySource(r.APIKeySource)}
		if a.keySource != usage.FromHeader && a.keySource != usage.FromAuthorizer {
			a.err = fmt.Errorf("ApiKeySourceType must be HEADER or AUTHORIZER, got %q", a.keySource)
		}
		if r.Policy != nil && a.err == nil {
			a.policy, a.err = iam.ParseResourcePolicy(r.Policy, iam.Scope{Region: r.Region, Account: r.Account, APIID: r.ID})
			if a.err != nil {
				a.err = fmt.Errorf("resource policy: %w", a.err)
			}
		}
		g.apis[r.ID] = a
	}
	for _, h := range asm.HTTPAPIs {
		g.apis[h.ID] = &apiAccess{}
	}
	for _, z := range asm.Authorizers {
		g.authorizers[z] = g.build(z)
	}
	limits, err := usageConfig(asm)
	if err == nil {
		limits.Now = cfg.Now
		g.Keys = limits.Keys
		g.limiter, err = usage.New(limits)
	}
	g.limiterErr = err
	return g
}

func (g *Gate) build(z *assembly.Authorizer) *built {
	protocol := authorizer.REST
	if z.V2 {
		protocol = authorizer.HTTP
	}
	switch z.Type {
	case "COGNITO_USER_POOLS":
		var issuers []authorizer.Issuer
		for _, arn := range z.ProviderARNs {
			pool := g.cfg.Pools.ByARN(arn)
			if pool == nil {
				return &built{err: fmt.Errorf("authorizer %s (COGNITO_USER_POOLS): provider %q is not a user pool of this assembly", z.Name, arn)}
			}
			// A COGNITO_USER_POOLS authorizer accepts every app client of its pools.
			issuers = append(issuers, authorizer.Issuer{URL: pool.Issuer.URL, JWKSURL: pool.JWKSURL, ClientIDs: pool.ClientIDs})
		}
		t, err := authorizer.NewToken(authorizer.TokenConfig{Name: z.Name, Kind: authorizer.CognitoUserPools, Issuers: issuers, IdentitySource: first(z.IdentitySources), Now: g.cfg.Now})
		return &built{token: t, err: err}
	case "JWT":
		pool := g.cfg.Pools.ByIssuer(z.JWTIssuer)
		if pool == nil {
			return &built{err: fmt.Errorf("JWT authorizer %s: issuer %q is not a user pool of this assembly; only local issuers can be verified offline", z.Name, z.JWTIssuer)}
		}
		t, err := authorizer.NewToken(authorizer.TokenConfig{Name: z.Name, Kind: authorizer.JWTAuthorizer, Now: g.cfg.Now, IdentitySource: first(z.IdentitySources),
			Issuers: []authorizer.Issuer{{URL: z.JWTIssuer, JWKSURL: pool.JWKSURL, ClientIDs: z.JWTAudience}}})
		return &built{token: t, err: err}
	case "TOKEN", "REQUEST":
		cfg, err := g.lambdaConfig(z, protocol)
		if err != nil {
			return &built{err: err}
		}
		l, err := authorizer.NewLambda(cfg, g.cfg.Invoker, g.cfg.Now)
		return &built{lambda: l, err: err}
	}
	return &built{err: fmt.Errorf("authorizer %s: type %q is not emulated", z.Name, z.Type)}
}

// lambdaConfig is the configuration of a Lambda authorizer of the given protocol.
func (g *Gate) lambdaConfig(z *assembly.Authorizer, protocol authorizer.Protocol) (authorizer.LambdaConfig, error) {
	fn, _, err := g.cfg.Assembly.ResolveFunction(z.FunctionURI, nil)
	if err != nil {
		return authorizer.LambdaConfig{}, fmt.Errorf("authorizer %s (Lambda): %w", z.Name, err)
	}
	cfg := authorizer.LambdaConfig{Name: z.Name, Function: fn.ID, Protocol: protocol, Type: z.Type, IdentitySources: z.IdentitySources,
		ValidationRegex: z.ValidationExpression, PayloadVersion: z.PayloadFormatVersion, SimpleResponses: z.SimpleResponses, TTLSeconds: z.TTLSeconds}
	if cfg.TTLSeconds == nil && protocol == authorizer.HTTP {
		zero := 0 // HTTP APIs cache only when a TTL is set
		cfg.TTLSeconds = &zero
	}
	return cfg, nil
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}

// Close stops the token verifiers' background key refreshes.
func (g *Gate) Close() {
	for _, b := range g.authorizers {
		if b.token != nil {
			b.token.Close()
		}
	}
}

// Target is a method (REST) or route (HTTP API) as the gate settles its protection.
type Target struct {
	APIID string
	REST  bool
	// Method is the method or route method as the template names it (ANY; "$default" for an
	// HTTP API's $default route): throttles are keyed by it.
	Method       string
	ResourcePath string // REST resource or HTTP route path, e.g. /pets/{id}
	RouteKey     string
	// AuthorizationType is NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS or JWT.
	AuthorizationType string
	// AuthorizerID is the logical ID the template names; Authorizer is nil when it names none
	// that exists.
	AuthorizerID   string
	Authorizer     *assembly.Authorizer
	Scopes         []string
	APIKeyRequired bool
}

// Grant is what an admitted request carries into its event.
type Grant struct {
	// Authorizer is requestContext.authorizer of a payload 1.0 event: principalId and the
	// Lambda authorizer's context, or the token's claims.
	Authorizer map[string]any
	// AuthorizerV2 is requestContext.authorizer of an HTTP API payload 2.0 event.
	AuthorizerV2 *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	// APIKey is the key a usage plan admitted, nil when none was required.
	APIKey *usage.Key
	// Caller is the SigV4 caller of an AWS_IAM route (REST requestContext.identity, HTTP
	// requestContext.authorizer.iam), nil on other routes.
	Caller *check.Caller
}

// Guard decides whether one request may reach the integration of its target. A refusal is a
// *check.Denial.
type Guard func(ctx context.Context, r *check.Request) (*Grant, error)

// Guard settles, once at start-up, how t is protected. It returns nil when the target needs no
// check, or an error saying why it cannot be served faithfully.
func (g *Gate) Guard(t Target) (Guard, error) {
	a := g.apis[t.APIID]
	if a == nil {
		return nil, fmt.Errorf("API %s has no access configuration", t.APIID)
	}
	if a.err != nil {
		return nil, a.err
	}
	rg := &routeGuard{gate: g, api: a, t: t}
	switch t.AuthorizationType {
	case "", "NONE":
	case "AWS_IAM":
		if g.cfg.Verify == nil {
			return nil, fmt.Errorf("AWS_IAM authorization: no SigV4 verifier configured")
		}
		rg.iam = true
	default:
		if t.Authorizer == nil {
			return nil, fmt.Errorf("%s authorization names authorizer %q, which is not in the template", t.AuthorizationType, t.AuthorizerID)
		}
		b := g.authorizers[t.Authorizer]
		if b.err != nil {
			return nil, b.err
		}
		rg.auth = b
	}
	if g.limiterErr != nil {
		return nil, fmt.Errorf("usage plans: %w", g.limiterErr)
	}
	return rg.decide, nil
}

// routeGuard is the access check of one target.
type routeGuard struct {
	gate *Gate
	api  *apiAccess
	t    Target
	auth *built
	iam  bool // AWS_IAM: signature and identity-based policies instead of an authorizer
}

// decide applies the cloud's order: the endpoint a private API needs; then either IAM (signature,
// resource policy and identity-based policies by the outcome tables) or the resource policy
// (explicit Deny first), authorizer and the combination of both; then API key and usage plan.
func (rg *routeGuard) decide(ctx context.Context, r *check.Request) (*Grant, error) {
	private := rg.api.private
	switch {
	case private && r.VpceID == "":
		return nil, &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "ForbiddenException", ResponseType: "DEFAULT_4XX", By: "portico",
			Reason: "a private API is reachable only through a VPC endpoint listener (its DNS name does not resolve outside the VPC)"}
	case !private && r.VpceID != "":
		return nil, &check.Denial{Status: http.StatusForbidden, Message: "Forbidden", Type: "ForbiddenException", ResponseType: "DEFAULT_4XX", By: "VPC endpoint " + r.VpceID,
			Reason: "only private APIs are reached through an execute-api endpoint with private DNS"}
	}
	r.Private = private
	grant := &Grant{}
	var usageKey string
	var err error
	if rg.iam {
		grant.Caller, err = rg.gate.authorizeIAM(r, rg.kind(), rg.api.policy)
	} else {
		usageKey, err = rg.authorizeWithPolicy(ctx, r, grant)
	}
	if err != nil {
		return nil, err
	}
	admitted, err := rg.gate.limiter.Admit(usage.Request{APIID: r.APIID, Stage: r.Stage, ResourcePath: rg.t.ResourcePath, Method: rg.t.Method,
		APIKeyRequired: rg.t.APIKeyRequired, KeySource: rg.api.keySource, HeaderKey: r.Headers.Get("X-Api-Key"), AuthorizerKey: usageKey})
	if err != nil {
		return nil, err
	}
	if admitted.Plan != nil {
		grant.APIKey = admitted.Key
	}
	traceAdmitted(r, admitted)
	return grant, nil
}

func (rg *routeGuard) kind() apiKind {
	if rg.t.REST {
		return restAPI
	}
	return v2API
}

// authorizeWithPolicy runs the resource policy (explicit Deny first), the authorizer and their
// combination. It returns the authorizer's usage identifier key.
func (rg *routeGuard) authorizeWithPolicy(ctx context.Context, r *check.Request, grant *Grant) (string, error) {
	if r.Caller != nil {
		// Only explain gives a caller here: API Gateway learns who calls only from a SigV4
		// signature on an AWS_IAM method, so on this method the caller is anonymous to policies.
		r.Tracef("caller %s ignored: the method's authorization is %s, not AWS_IAM, so API Gateway does not know the caller (anonymous to the resource policy)", r.Caller.ARN, cmp.Or(rg.t.AuthorizationType, "NONE"))
		r.Caller = nil
	}
	var resource *iam.Decision
	if rg.t.REST {
		resource = EvaluateResourcePolicy(rg.api.policy, r)
		if resource != nil {
			r.Tracef("resource policy: %s", resource)
		}
		if err := PreAuthorize(r, resource); err != nil {
			return "", err
		}
	}
	auth, usageKey, err := rg.authorize(ctx, r, grant)
	if err != nil {
		return "", err
	}
	if rg.t.REST {
		err = Combine(r, resource, auth)
	}
	return usageKey, err
}

// traceAdmitted records the usage plan that admitted r, if any.
func traceAdmitted(r *check.Request, g usage.Grant) {
	if g.Plan != nil {
		r.Tracef("usage plan %s: admitted key %s", g.Plan.Name, g.Key.Name)
	}
}

// traceLambda records a Lambda authorizer's answer for r.
func traceLambda(r *check.Request, res *authorizer.Result) {
	r.Tracef("authorizer %s: %s (cached: %t)", res.Name, res.Decision, res.Cached)
}

// authorize runs the target's authorizer, if any, and fills the grant's authorizer context. It
// returns the answer the resource policy is combined with and the usage identifier key.
func (rg *routeGuard) authorize(ctx context.Context, r *check.Request, grant *Grant) (Authorizer, string, error) {
	switch {
	case rg.auth == nil:
		return Authorizer{Kind: NoAuthorizer}, "", nil
	case rg.auth.lambda != nil:
		res, err := rg.auth.lambda.Authorize(ctx, r)
		if err != nil {
			return Authorizer{}, "", err
		}
		traceLambda(r, res)
		if !rg.t.REST {
			if err := res.Err(); err != nil {
				return Authorizer{}, "", err
			}
			grant.AuthorizerV2 = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: res.Context}
			return Authorizer{Kind: NoAuthorizer}, "", nil
		}
		grant.Authorizer = map[string]any{"principalId": res.PrincipalID}
		for k, v := range res.Context {
			grant.Authorizer[k] = v
		}
		return Authorizer{Kind: LambdaAuthorizer, Name: res.Name, Decision: res.Decision}, res.UsageIdentifierKey, nil
	default:
		res, err := rg.auth.token.Authorize(ctx, r, rg.t.Scopes)
		if err != nil {
			return Authorizer{}, "", err
		}
		r.Tracef("authorizer %s: valid token of %s, scopes %q", res.Name, res.Subject, res.Scopes)
		claims := map[string]string{}
		for k, v := range res.Claims {
			if s, ok := v.(string); ok {
				claims[k] = s
			} else {
				claims[k] = fmt.Sprint(v)
			}
		}
		if rg.t.REST {
			grant.Authorizer = map[string]any{"claims": claims}
		} else {
			grant.AuthorizerV2 = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: res.Scopes}}
		}
		return Authorizer{Kind: TokenAuthorizer, Name: res.Name}, "", nil
	}
}
