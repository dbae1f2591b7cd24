package httpapi

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Authorizer decides who may call a route. Make one with NewJwtAuthorizer,
// NewUserPoolAuthorizer, NewLambdaAuthorizer, IamAuthorizer or NoneAuthorizer; one value may
// protect many routes, and its CloudFormation resource is created when the first route binds it.
type Authorizer interface {
	kind() string
	routeAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer
}

// The authorization types of AWS::ApiGatewayV2::Route (and the Lambda authorizer's type).
const (
	kindJWT    = "JWT"
	kindLambda = "REQUEST (Lambda)"
	kindIAM    = "AWS_IAM"
	kindNone   = "NONE"
)

type authorizer struct {
	k string
	a awsapigatewayv2.IHttpRouteAuthorizer
}

func (a *authorizer) kind() string                                          { return a.k }
func (a *authorizer) routeAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer { return a.a }

// IamAuthorizer requires SigV4-signed requests; grant callers with HttpApi.GrantInvoke.
func IamAuthorizer() Authorizer {
	return &authorizer{k: kindIAM, a: awsapigatewayv2authorizers.NewHttpIamAuthorizer()}
}

// NoneAuthorizer makes a route public on an API that has a DefaultAuthorizer.
func NoneAuthorizer() Authorizer {
	return &authorizer{k: kindNone, a: awsapigatewayv2.NewHttpNoneAuthorizer()}
}

// DefaultIdentitySource is where JWT and Lambda authorizers read the caller's token.
const DefaultIdentitySource = "$request.header.Authorization"

// JwtAuthorizerProps configures a JWT authorizer for any OIDC issuer.
type JwtAuthorizerProps struct {
	// Issuer is the token issuer, an https URL; API Gateway reads its keys from
	// {Issuer}/.well-known/openid-configuration.
	// Default: none; required.
	Issuer *string

	// Audiences: a token's aud (ID tokens) or client_id (access tokens) must be one of them.
	// Default: none; at least one is required.
	Audiences *[]*string

	// IdentitySource is where the token is read, "$request.header.X" or "$request.querystring.x".
	// Default: "$request.header.Authorization".
	IdentitySource *string

	// AuthorizerName is the name of the authorizer in API Gateway.
	// Default: the id.
	AuthorizerName *string
}

// NewJwtAuthorizer makes a JWT authorizer for any OIDC issuer. Routes choose scopes with
// RouteOptions.AuthorizationScopes.
func NewJwtAuthorizer(id *string, props *JwtAuthorizerProps) Authorizer {
	where := fmt.Sprintf("httpapi.NewJwtAuthorizer %q", *id)
	if props == nil || props.Issuer == nil {
		panic(fmt.Errorf("%s: Issuer is required, e.g. \"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdE\"", where))
	}
	if !*awscdk.Token_IsUnresolved(props.Issuer) && !strings.HasPrefix(*props.Issuer, "https://") {
		panic(fmt.Errorf("%s: Issuer must be an https URL, got %q", where, *props.Issuer))
	}
	if props.Audiences == nil || len(*props.Audiences) == 0 {
		panic(fmt.Errorf("%s: Audiences must name at least one audience (an app client id for Cognito)", where))
	}
	source := identitySources(where, props.IdentitySource)
	return &authorizer{k: kindJWT, a: awsapigatewayv2authorizers.NewHttpJwtAuthorizer(id, props.Issuer, &awsapigatewayv2authorizers.HttpJwtAuthorizerProps{
		JwtAudience:    props.Audiences,
		IdentitySource: source,
		AuthorizerName: name(id, props.AuthorizerName),
	})}
}

// UserPoolAuthorizerProps configures a JWT authorizer for a Cognito user pool.
type UserPoolAuthorizerProps struct {
	// UserPool issues the tokens; the issuer is derived from it.
	// Default: none; required.
	UserPool awscognito.IUserPool

	// Clients are the app clients whose tokens are accepted (the audiences).
	// Default: none; at least one is required.
	Clients *[]awscognito.IUserPoolClient

	// IdentitySource is where the token is read.
	// Default: "$request.header.Authorization".
	IdentitySource *string

	// AuthorizerName is the name of the authorizer in API Gateway.
	// Default: the id.
	AuthorizerName *string
}

// NewUserPoolAuthorizer makes a JWT authorizer whose issuer is the user pool
// (https://cognito-idp.{region}.amazonaws.com/{poolId}) and whose audiences are the app
// clients. It accepts ID tokens (aud) and access tokens (client_id); a route that sets
// AuthorizationScopes accepts only tokens carrying one of them, in practice access tokens.
func NewUserPoolAuthorizer(id *string, props *UserPoolAuthorizerProps) Authorizer {
	where := fmt.Sprintf("httpapi.NewUserPoolAuthorizer %q", *id)
	if props == nil || props.UserPool == nil {
		panic(fmt.Errorf("%s: UserPool is required", where))
	}
	if props.Clients == nil || len(*props.Clients) == 0 {
		panic(fmt.Errorf("%s: Clients must name at least one app client: its id is the audience tokens must carry", where))
	}
	source := identitySources(where, props.IdentitySource)
	return &authorizer{k: kindJWT, a: awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(id, props.UserPool, &awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
		UserPoolClients: props.Clients,
		IdentitySource:  source,
		AuthorizerName:  name(id, props.AuthorizerName),
	})}
}

// LambdaAuthorizerProps configures a Go Lambda authorizer with simple responses
// ({"isAuthorized": bool, "context": {...}}, payload format 2.0).
type LambdaAuthorizerProps struct {
	// IdentitySources must all be present or API Gateway answers 401 without calling the
	// authorizer; together they are the cache key.
	// Default: ["$request.header.Authorization"].
	IdentitySources *[]*string

	// ResultsCacheTtl is how long a decision is reused for the same identity sources; 0 turns
	// caching off; at most 1 hour.
	// Default: 5 minutes.
	ResultsCacheTtl awscdk.Duration

	// SameDecisionForEveryRoute says the authorizer's answer never depends on the route (for
	// example it only verifies a token). It silences the synth warning about a cached decision
	// being reused across routes.
	// Default: false.
	SameDecisionForEveryRoute *bool

	// AuthorizerName is the name of the authorizer in API Gateway.
	// Default: the id.
	AuthorizerName *string
}

// RouteKeySource is the identity source that keys the authorizer cache per route.
const RouteKeySource = "$context.routeKey"

type lambdaAuthorizer struct {
	authorizer
	id        string
	ttl       float64
	sources   []string
	sameAll   bool
	warnedFor map[*httpApi]bool
}

// NewLambdaAuthorizer makes a Lambda REQUEST authorizer, payload 2.0 with simple responses,
// for handler (e.g. a GoFunction of authorizers/httpsimple/cmd).
func NewLambdaAuthorizer(id *string, handler awslambda.IFunction, props *LambdaAuthorizerProps) Authorizer {
	where := fmt.Sprintf("httpapi.NewLambdaAuthorizer %q", *id)
	if handler == nil {
		panic(fmt.Errorf("%s: a handler function is required", where))
	}
	if props == nil {
		props = &LambdaAuthorizerProps{}
	}
	var sources *[]*string
	if props.IdentitySources != nil {
		if len(*props.IdentitySources) == 0 {
			panic(fmt.Errorf("%s: IdentitySources must name at least one source, e.g. %q", where, DefaultIdentitySource))
		}
		for _, s := range *props.IdentitySources {
			identitySources(where, s)
		}
		sources = props.IdentitySources
	} else {
		sources = identitySources(where, nil)
	}
	ttl := props.ResultsCacheTtl
	if ttl == nil {
		ttl = awscdk.Duration_Minutes(jsii.Number(5))
	}
	seconds := -1.0
	if !*ttl.IsUnresolved() {
		seconds = *ttl.ToSeconds(nil)
		if seconds < 0 || seconds > 3600 {
			panic(fmt.Errorf("%s: ResultsCacheTtl must be between 0 (no caching) and 1 hour, got %s", where, *ttl.ToHumanString()))
		}
	}
	la := &lambdaAuthorizer{
		id:        *id,
		ttl:       seconds,
		sameAll:   props.SameDecisionForEveryRoute != nil && *props.SameDecisionForEveryRoute,
		warnedFor: map[*httpApi]bool{},
	}
	for _, s := range *sources {
		la.sources = append(la.sources, *s)
	}
	la.authorizer = authorizer{k: kindLambda, a: awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(id, handler, &awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
		AuthorizerName:  name(id, props.AuthorizerName),
		IdentitySource:  sources,
		ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
		ResultsCacheTtl: ttl,
	})}
	return la
}

// caches reports whether decisions may be reused across routes.
func (l *lambdaAuthorizer) caches() bool {
	return l.ttl != 0 && !l.sameAll && !slices.Contains(l.sources, RouteKeySource)
}

// warnIfShared adds a synth warning once the authorizer's cache is shared by two routes of
// the API: API Gateway keys the cache on the identity sources only, so the decision made for
// the first route is returned, unseen by the authorizer, for every other route.
func (l *lambdaAuthorizer) warnIfShared(a *httpApi, routes []string) {
	if len(routes) < 2 || l.warnedFor[a] {
		return
	}
	l.warnedFor[a] = true
	awscdk.Annotations_Of(a).AddWarningV2(jsii.String("@portico/httpapi:authorizerCacheSharedByRoutes"), jsii.String(fmt.Sprintf(
		"Lambda authorizer %q caches its decisions for %vs keyed on %s only, and routes %q and %q use it: API Gateway reuses the decision made for one route on the others. "+
			"Add %q to IdentitySources, set ResultsCacheTtl to 0, or set SameDecisionForEveryRoute when the decision never depends on the route.",
		l.id, l.ttl, strings.Join(l.sources, ","), routes[0], routes[1], RouteKeySource)), nil)
}

var identitySourceRe = regexp.MustCompile(`^\$(request\.header\.[^\s]+|request\.querystring\.[^\s]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$`)

// identitySources checks one identity source (or returns the default) as a one-element list.
func identitySources(where string, source *string) *[]*string {
	if source == nil {
		return jsii.Strings(DefaultIdentitySource)
	}
	if !identitySourceRe.MatchString(*source) {
		panic(fmt.Errorf("%s: identity source must be $request.header.NAME, $request.querystring.NAME, $context.NAME or $stageVariables.NAME, got %q", where, *source))
	}
	return &[]*string{source}
}

func name(id, given *string) *string {
	if given != nil {
		return given
	}
	return id
}
