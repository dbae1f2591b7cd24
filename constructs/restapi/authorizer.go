package restapi

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Limits API Gateway enforces on authorizers.
const (
	MaxAuthorizers       = 10
	MaxCacheTtlSeconds   = 3600
	DefaultCacheTtlSecs  = 300
	defaultTokenIdentity = "method.request.header.Authorization"
)

// Authorizer is an authorizer of one RestApi; pass it in RouteOptions.
type Authorizer struct {
	id     string
	api    *restApi
	kind   awsapigateway.AuthorizationType // COGNITO or CUSTOM
	auth   awsapigateway.IAuthorizer
	scopes *[]*string
}

// Resource is the awsapigateway authorizer.
func (z *Authorizer) Resource() awsapigateway.IAuthorizer { return z.auth }

// CognitoAuthorizerProps configures AddCognitoAuthorizer.
type CognitoAuthorizerProps struct {
	// UserPools whose tokens are accepted (created with userpool.NewUserPool or imported).
	// Default: none; at least one is required.
	UserPools *[]awscognito.IUserPool

	// Scopes: with scopes, callers must send an access token whose scope claim holds one of
	// them; without, an ID token. A route's own Scopes override these.
	// Default: none (ID tokens).
	Scopes *[]*string

	// IdentitySource is where the token is read.
	// Default: "method.request.header.Authorization".
	IdentitySource *string

	// CacheTtlSeconds caches a token's result; 0 disables, at most 3600.
	// Default: 300.
	CacheTtlSeconds *float64
}

// LambdaAuthorizerProps configures AddTokenAuthorizer and AddRequestAuthorizer.
type LambdaAuthorizerProps struct {
	// Function is the authorizer, e.g. a gofunction.NewGoFunction of authorizers/resttoken/cmd.
	// Default: none; required.
	Function awslambda.IFunction

	// IdentitySources name what the authorizer reads, e.g. "method.request.header.Authorization",
	// "method.request.querystring.key", "stageVariables.x", "context.sourceIp". TOKEN takes one.
	// A request missing one is refused with 401 without invoking the authorizer.
	// Default: TOKEN: the Authorization header; REQUEST: required (one or more).
	IdentitySources *[]*string

	// ValidationRegex a TOKEN must match before the authorizer runs (TOKEN only).
	// Default: none.
	ValidationRegex *string

	// CacheTtlSeconds caches results, keyed by the identity sources; 0 disables, at most 3600.
	// A cached policy is reused for every route, so return one that covers the API.
	// Default: 300.
	CacheTtlSeconds *float64
}

// AddCognitoAuthorizer adds a COGNITO_USER_POOLS authorizer.
func (a *restApi) AddCognitoAuthorizer(id *string, props *CognitoAuthorizerProps) *Authorizer {
	where := a.authorizerSlot(id)
	if props == nil || props.UserPools == nil || len(*props.UserPools) == 0 {
		panic(fmt.Errorf("%s: UserPools needs at least one user pool", where))
	}
	ttl := cacheTtl(where, props.CacheTtlSeconds)
	identity := props.IdentitySource
	if identity == nil {
		identity = jsii.String(defaultTokenIdentity)
	}
	checkIdentitySources(where, []*string{identity})
	auth := awsapigateway.NewCognitoUserPoolsAuthorizer(a, id, &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: props.UserPools,
		IdentitySource:   identity,
		ResultsCacheTtl:  awscdk.Duration_Seconds(jsii.Number(ttl)),
	})
	var pools []any
	for _, p := range *props.UserPools {
		pools = append(pools, p.UserPoolArn())
	}
	return a.addAuthorizer(id, awsapigateway.AuthorizationType_COGNITO, auth, props.Scopes, map[string]any{
		"pools": pools, "identity": identity, "ttl": ttl,
	})
}

// AddTokenAuthorizer adds a Lambda TOKEN authorizer; its invoke permission is scoped to the
// authorizer's ARN.
func (a *restApi) AddTokenAuthorizer(id *string, props *LambdaAuthorizerProps) *Authorizer {
	where := a.authorizerSlot(id)
	fn, ttl := lambdaAuthorizer(where, props)
	identity := jsii.String(defaultTokenIdentity)
	if props.IdentitySources != nil {
		if len(*props.IdentitySources) != 1 {
			panic(fmt.Errorf("%s: a TOKEN authorizer reads exactly one identity source, got %d", where, len(*props.IdentitySources)))
		}
		identity = (*props.IdentitySources)[0]
	}
	checkIdentitySources(where, []*string{identity})
	if !strings.HasPrefix(*identity, "method.request.header.") {
		panic(fmt.Errorf("%s: a TOKEN authorizer reads a header (method.request.header.<name>), got %q", where, *identity))
	}
	auth := awsapigateway.NewTokenAuthorizer(a, id, &awsapigateway.TokenAuthorizerProps{
		Handler:         fn,
		IdentitySource:  identity,
		ValidationRegex: props.ValidationRegex,
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(ttl)),
	})
	return a.addAuthorizer(id, awsapigateway.AuthorizationType_CUSTOM, auth, nil, map[string]any{
		"type": "TOKEN", "fn": fn.FunctionArn(), "identity": identity, "regex": props.ValidationRegex, "ttl": ttl,
	})
}

// AddRequestAuthorizer adds a Lambda REQUEST authorizer; its invoke permission is scoped to
// the authorizer's ARN.
func (a *restApi) AddRequestAuthorizer(id *string, props *LambdaAuthorizerProps) *Authorizer {
	where := a.authorizerSlot(id)
	fn, ttl := lambdaAuthorizer(where, props)
	if props.ValidationRegex != nil {
		panic(fmt.Errorf("%s: ValidationRegex applies to TOKEN authorizers only", where))
	}
	if props.IdentitySources == nil || len(*props.IdentitySources) == 0 {
		panic(fmt.Errorf("%s: a REQUEST authorizer needs IdentitySources, e.g. \"method.request.header.Authorization\"", where))
	}
	checkIdentitySources(where, *props.IdentitySources)
	auth := awsapigateway.NewRequestAuthorizer(a, id, &awsapigateway.RequestAuthorizerProps{
		Handler:         fn,
		IdentitySources: props.IdentitySources,
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(ttl)),
	})
	return a.addAuthorizer(id, awsapigateway.AuthorizationType_CUSTOM, auth, nil, map[string]any{
		"type": "REQUEST", "fn": fn.FunctionArn(), "identity": props.IdentitySources, "ttl": ttl,
	})
}

// authorizerSlot names the authorizer for messages and enforces API Gateway's limit.
func (a *restApi) authorizerSlot(id *string) string {
	where := fmt.Sprintf("RestApi %s authorizer %q", a.path(), deref(id))
	if a.nAuth >= MaxAuthorizers {
		panic(fmt.Errorf("%s: the API already has %d authorizers; API Gateway allows at most %d per REST API", where, a.nAuth, MaxAuthorizers))
	}
	return where
}

func (a *restApi) addAuthorizer(id *string, kind awsapigateway.AuthorizationType, auth awsapigateway.IAuthorizer, scopes *[]*string, hash map[string]any) *Authorizer {
	a.nAuth++
	// Authorizer settings live in the deployment snapshot too: redeploy when they change.
	a.addToDeployment(map[string]any{"authorizer": map[string]any{"id": *id, "kind": kind, "config": hash}})
	return &Authorizer{id: *id, api: a, kind: kind, auth: auth, scopes: scopes}
}

func lambdaAuthorizer(where string, props *LambdaAuthorizerProps) (awslambda.IFunction, float64) {
	if props == nil || props.Function == nil {
		panic(fmt.Errorf("%s: Function is required (e.g. a GoFunction of authorizers/restrequest/cmd)", where))
	}
	return props.Function, cacheTtl(where, props.CacheTtlSeconds)
}

func cacheTtl(where string, ttl *float64) float64 {
	if ttl == nil {
		return DefaultCacheTtlSecs
	}
	if *ttl < 0 || *ttl > MaxCacheTtlSeconds || *ttl != float64(int64(*ttl)) {
		panic(fmt.Errorf("%s: CacheTtlSeconds must be a whole number from 0 (no caching) to %d, got %v", where, MaxCacheTtlSeconds, *ttl))
	}
	return *ttl
}

var identityPrefixes = []string{"method.request.header.", "method.request.querystring.", "stageVariables.", "context."}

func checkIdentitySources(where string, sources []*string) {
	for _, s := range sources {
		if s == nil || *s == "" {
			panic(fmt.Errorf("%s: identity source is empty", where))
		}
		ok := false
		for _, p := range identityPrefixes {
			if strings.HasPrefix(*s, p) && len(*s) > len(p) {
				ok = true
			}
		}
		if !ok {
			panic(fmt.Errorf("%s: identity source must start with %s, got %q", where, strings.Join(identityPrefixes, ", "), *s))
		}
	}
}
