package websocketapi

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Authorizer checks a caller on $connect. Make one with NewLambdaAuthorizer or IamAuthorizer.
type Authorizer interface {
	routeAuthorizer() awsapigatewayv2.IWebSocketRouteAuthorizer
}

type authorizer struct {
	a awsapigatewayv2.IWebSocketRouteAuthorizer
}

func (a *authorizer) routeAuthorizer() awsapigatewayv2.IWebSocketRouteAuthorizer { return a.a }

// IamAuthorizer requires a SigV4-signed $connect request.
func IamAuthorizer() Authorizer {
	return &authorizer{a: awsapigatewayv2authorizers.NewWebSocketIamAuthorizer()}
}

// DefaultIdentitySource is where the Go authorizer reads the token: browsers cannot set headers
// on a WebSocket upgrade, so clients pass it as ?token=...
const DefaultIdentitySource = "route.request.querystring.token"

// LambdaAuthorizerProps configures a Lambda REQUEST authorizer on $connect.
type LambdaAuthorizerProps struct {
	// IdentitySources must all be present on $connect or API Gateway refuses the connection
	// with 401 without calling the authorizer. WebSocket authorizers are never cached.
	// Default: ["route.request.querystring.token"].
	IdentitySources *[]*string

	// AuthorizerName is the name of the authorizer in API Gateway.
	// Default: the id.
	AuthorizerName *string
}

var identitySourceRe = regexp.MustCompile(`^(route\.request\.header\.[^\s]+|route\.request\.querystring\.[^\s]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)

// NewLambdaAuthorizer makes a Lambda REQUEST authorizer for $connect, for handler (e.g. a
// GoFunction of authorizers/websocket/cmd, which verifies Cognito JWTs).
func NewLambdaAuthorizer(id *string, handler awslambda.IFunction, props *LambdaAuthorizerProps) Authorizer {
	where := fmt.Sprintf("websocketapi.NewLambdaAuthorizer %q", *id)
	if handler == nil {
		panic(fmt.Errorf("%s: a handler function is required", where))
	}
	if props == nil {
		props = &LambdaAuthorizerProps{}
	}
	sources := jsii.Strings(DefaultIdentitySource)
	if props.IdentitySources != nil {
		sources = props.IdentitySources
		if len(*sources) == 0 {
			panic(fmt.Errorf("%s: IdentitySources must name at least one source, e.g. %q", where, DefaultIdentitySource))
		}
		for _, s := range *sources {
			if s == nil || !identitySourceRe.MatchString(*s) {
				panic(fmt.Errorf("%s: identity source must be route.request.header.NAME, route.request.querystring.NAME, stageVariables.NAME or context.NAME, got %q", where, deref(s)))
			}
		}
	}
	name := props.AuthorizerName
	if name == nil {
		name = id
	}
	return &authorizer{a: awsapigatewayv2authorizers.NewWebSocketLambdaAuthorizer(id, handler, &awsapigatewayv2authorizers.WebSocketLambdaAuthorizerProps{
		AuthorizerName: name,
		IdentitySource: sources,
	})}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
