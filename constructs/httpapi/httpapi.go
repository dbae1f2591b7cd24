// Package httpapi provides HttpApi, an API Gateway HTTP API (AWS::ApiGatewayV2::Api, protocol
// HTTP) whose routes run Lambda functions, with JWT and Lambda authorizers, stages with stage
// variables and throttling, per-route throttling and JSON access logs. It builds on the
// aws-cdk-go awsapigatewayv2 constructs and refuses, with advice, the REST-only features
// (resource policies, private endpoints, API keys, COGNITO_USER_POOLS authorizers) that an HTTP
// API would otherwise silently lack.
package httpapi

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
	"github.com/portico-dev/portico/constructs/internal/v2stage"
)

// DefaultStageName is the stage served at the API's root URL, deployed on every change.
const DefaultStageName = "$default"

// HttpApiProps configures an HttpApi.
type HttpApiProps struct {
	// ApiName is the name of the API in API Gateway.
	// Default: the construct id.
	ApiName *string

	// Description of the API.
	// Default: none.
	Description *string

	// PayloadFormatVersion is the Lambda event format of every route: "2.0"
	// (events.APIGatewayV2HTTPRequest) or "1.0" (events.APIGatewayProxyRequest).
	// Default: "2.0".
	PayloadFormatVersion *string

	// Cors answers browser preflight requests at the gateway.
	// Default: no CORS.
	Cors *awsapigatewayv2.CorsPreflightOptions

	// StageName is the name of the stage created with the API; "$default" serves it at the
	// API's root URL.
	// Default: "$default".
	StageName *string

	// Stage configures the stage created with the API.
	// Default: no stage variables, account throttling, access logs kept one month.
	Stage *StageOptions

	// DefaultAuthorizer protects every route that names no Authorizer.
	// Default: none (routes are public unless they name an authorizer).
	DefaultAuthorizer Authorizer

	// DefaultAuthorizationScopes are required by every route that names no scopes (JWT only).
	// Default: none.
	DefaultAuthorizationScopes *[]*string

	// DisableExecuteApiEndpoint turns off the default execute-api URL, e.g. behind a custom domain.
	// Default: false.
	DisableExecuteApiEndpoint *bool

	// Policy is not supported: HTTP APIs have no resource policy. Setting it panics with the
	// REST construct to use, so that code ported from a REST API does not silently drop it.
	// Default: none.
	Policy awsiam.PolicyDocument

	// EndpointType may only be REGIONAL: HTTP APIs have no PRIVATE or EDGE endpoints.
	// Default: REGIONAL.
	EndpointType awsapigateway.EndpointType
}

// HttpApi is an HTTP API with one stage created with it and more added with AddStage, made by
// NewHttpApi or imported by FromHttpApiAttributes.
type HttpApi interface {
	constructs.Construct
	// Api is the API, the child "Resource": an awsapigatewayv2.HttpApi, or the imported API.
	Api() awsapigatewayv2.IHttpApi
	// DefaultStage is the stage created with the API (not on an imported API).
	DefaultStage() awsapigatewayv2.HttpStage
	// Url is the URL of the default stage (of the StageName an import names).
	Url() *string
	// AddRoute routes routeKey ("$default" or "METHOD /path", e.g. "GET /items/{id}") to
	// handler through a Lambda proxy integration.
	AddRoute(routeKey string, handler awslambda.IFunction, options *RouteOptions) awsapigatewayv2.HttpRoute
	// AddStage adds a named stage, deployed on every change, with its own access logs (not on
	// an imported API).
	AddStage(name string, options *StageOptions) awsapigatewayv2.HttpStage
	// GrantInvoke lets grantee call the IAM-authorized route routeKey ("GET /items/{id}") on
	// each of stages: execute-api:Invoke on {apiId}/{stage}/{METHOD}/{path}, a path parameter as
	// "*". No stages means the default stage (the StageName an import names).
	GrantInvoke(grantee awsiam.IGrantable, routeKey string, stages ...string) awsiam.Grant
}

type httpApi struct {
	constructs.Construct
	api          awsapigatewayv2.IHttpApi
	payload      awsapigatewayv2.PayloadFormatVersion
	defaultAuth  Authorizer
	defaultScope *[]*string
	defaultStage awsapigatewayv2.HttpStage
	stages       *v2stage.Stages[awsapigatewayv2.HttpStage]
	// routeAuth is the authorization kind of each route added here, e.g. kindIAM.
	routeAuth map[string]string
	// cacheUsers lists, per caching Lambda authorizer, the route keys that use it.
	cacheUsers map[*lambdaAuthorizer][]string
	// imported is set on an API imported by FromHttpApiAttributes, with stageName its stage.
	imported  *apigw.Imported
	stageName string
	// routeScope holds the routes: the API's "Resource", or the import itself.
	routeScope constructs.Construct
}

// NewHttpApi creates an HTTP API and its first stage. It panics with a clear message when a
// prop is invalid or names a feature HTTP APIs do not have.
func NewHttpApi(scope constructs.Construct, id *string, props *HttpApiProps) HttpApi {
	// The Go struct is the construct itself (a jsii subclass), so it can be a scope or be
	// passed to Stack_Of, Aspects_Of and cdk-nag like any construct.
	a := &httpApi{
		routeAuth:  map[string]string{},
		cacheUsers: map[*lambdaAuthorizer][]string{},
	}
	constructs.NewConstruct_Override(a, scope, id)
	if props == nil {
		props = &HttpApiProps{}
	}
	path := *a.Node().Path()
	a.stages = v2stage.New[awsapigatewayv2.HttpStage]("HttpApi "+path, AccessLogFormat)
	if props.Policy != nil {
		panic(fmt.Errorf("HttpApi %s: HTTP APIs have no resource policy, so Policy would be ignored; use restapi.NewPublicRestApi or restapi.NewPrivateRestApi (REST APIs enforce a resource policy before any authorizer)", path))
	}
	switch props.EndpointType {
	case "", awsapigateway.EndpointType_REGIONAL:
	case awsapigateway.EndpointType_PRIVATE:
		panic(fmt.Errorf("HttpApi %s: HTTP APIs have no private endpoint, got EndpointType %q; use restapi.NewPrivateRestApi, reached through an execute-api VPC endpoint", path, props.EndpointType))
	default:
		panic(fmt.Errorf("HttpApi %s: HTTP APIs are regional only, got EndpointType %q; allowed: REGIONAL (use restapi.NewPublicRestApi for an EDGE endpoint)", path, props.EndpointType))
	}
	payload := payloadFormat(path, props.PayloadFormatVersion)
	validateCors(path, props.Cors)
	stageName := DefaultStageName
	if props.StageName != nil {
		stageName = *props.StageName
	}
	validateScopes(path, "DefaultAuthorizationScopes", props.DefaultAuthorizer, props.DefaultAuthorizationScopes)

	name := props.ApiName
	if name == nil {
		name = id
	}
	a.payload = payload
	a.defaultAuth, a.defaultScope = props.DefaultAuthorizer, props.DefaultAuthorizationScopes
	api := awsapigatewayv2.NewHttpApi(a, jsii.String("Resource"), &awsapigatewayv2.HttpApiProps{
		ApiName:                   name,
		Description:               props.Description,
		CorsPreflight:             props.Cors,
		CreateDefaultStage:        jsii.Bool(false),
		DisableExecuteApiEndpoint: props.DisableExecuteApiEndpoint,
	})
	a.api, a.routeScope = api, api
	a.defaultStage = a.addStage("Stage", stageName, props.Stage)
	return a
}

func payloadFormat(path string, version *string) awsapigatewayv2.PayloadFormatVersion {
	payload := "2.0"
	if version != nil {
		payload = *version
	}
	if payload != "2.0" && payload != "1.0" {
		panic(fmt.Errorf("HttpApi %s: PayloadFormatVersion must be \"2.0\" or \"1.0\", got %q", path, payload))
	}
	return awsapigatewayv2.PayloadFormatVersion_Custom(jsii.String(payload))
}

// HttpApiAttributes name an HTTP API created elsewhere: in another stack or outside the CDK.
type HttpApiAttributes struct {
	// HttpApiId is the API's ID, e.g. "a1b2c3d4e5", or api.Api().ApiId() of another stack's API.
	// Default: none; required.
	HttpApiId *string

	// StageName is the stage that Url and GrantInvoke refer to.
	// Default: "$default".
	StageName *string

	// PayloadFormatVersion is the Lambda event format of the routes added through the import:
	// "2.0" or "1.0".
	// Default: "2.0".
	PayloadFormatVersion *string
}

// FromHttpApiAttributes imports an HTTP API so that this stack can add routes to it (its
// auto-deployed stages serve them at once), with their authorizers, and grant IAM callers.
// The API's stages and their settings stay with the stack that created it: DefaultStage,
// AddStage and route throttles panic on an imported API.
func FromHttpApiAttributes(scope constructs.Construct, id *string, attrs *HttpApiAttributes) HttpApi {
	a := &httpApi{
		routeAuth:  map[string]string{},
		cacheUsers: map[*lambdaAuthorizer][]string{},
	}
	a.imported = apigw.NewImport(a, scope, id, "HttpApi")
	if attrs == nil {
		attrs = &HttpApiAttributes{}
	}
	a.imported.Require("HttpApiId", attrs.HttpApiId)
	a.stageName = a.imported.StageName(attrs.StageName, DefaultStageName, DefaultStageName)
	a.payload = payloadFormat(a.imported.Path, attrs.PayloadFormatVersion)
	a.routeScope = a
	a.api = awsapigatewayv2.HttpApi_FromHttpApiAttributes(a, jsii.String("Resource"), &awsapigatewayv2.HttpApiAttributes{
		HttpApiId:   attrs.HttpApiId,
		ApiEndpoint: apigw.ExecuteApiEndpoint(a, "https", attrs.HttpApiId),
	})
	return a
}

func (a *httpApi) Api() awsapigatewayv2.IHttpApi { return a.api }

func (a *httpApi) DefaultStage() awsapigatewayv2.HttpStage {
	a.imported.Unsupported("DefaultStage", apigw.StagesOwned+"; use Url, or import the stage with awsapigatewayv2.HttpStage_FromHttpStageAttributes")
	return a.defaultStage
}

func (a *httpApi) Url() *string {
	if a.imported != nil {
		// As awsapigatewayv2.HttpStage builds it: "$default" is served at the root.
		stage := a.stageName
		if stage == DefaultStageName {
			stage = ""
		}
		return jsii.String(*a.api.ApiEndpoint() + "/" + stage)
	}
	return a.defaultStage.Url()
}

// RouteOptions configures one route.
type RouteOptions struct {
	// Authorizer decides who may call the route; NoneAuthorizer() makes a route public on an
	// API with a DefaultAuthorizer.
	// Default: the API's DefaultAuthorizer, or none.
	Authorizer Authorizer

	// AuthorizationScopes: the JWT must carry one of them (JWT authorizers only).
	// Default: the API's DefaultAuthorizationScopes when the route uses the default authorizer.
	AuthorizationScopes *[]*string

	// Throttle limits this route on every stage, below the stage's own limits.
	// Default: the stage's limits.
	Throttle *awsapigatewayv2.ThrottleSettings

	// ApiKeyRequired is not supported: HTTP APIs have no API keys or usage plans. Setting it
	// panics with the REST construct to use.
	// Default: false.
	ApiKeyRequired *bool

	// CognitoUserPools is not supported: HTTP APIs have no COGNITO_USER_POOLS authorizer.
	// Setting it panics and names NewUserPoolAuthorizer, the JWT authorizer for a user pool.
	// Default: none.
	CognitoUserPools *[]awscognito.IUserPool
}

var methods = []string{"ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func (a *httpApi) AddRoute(routeKey string, handler awslambda.IFunction, options *RouteOptions) awsapigatewayv2.HttpRoute {
	path := *a.Node().Path()
	if options == nil {
		options = &RouteOptions{}
	}
	key := parseRouteKey(path, routeKey)
	if _, dup := a.routeAuth[routeKey]; dup {
		panic(fmt.Errorf("HttpApi %s: route %q is already defined", path, routeKey))
	}
	if handler == nil {
		panic(fmt.Errorf("HttpApi %s: route %q needs a handler function", path, routeKey))
	}
	if options.ApiKeyRequired != nil && *options.ApiKeyRequired {
		panic(fmt.Errorf("HttpApi %s: route %q sets ApiKeyRequired, but HTTP APIs have no API keys or usage plans; use restapi.NewPublicRestApi with AddUsagePlan and AddApiKey, or check a key in a Lambda authorizer", path, routeKey))
	}
	if options.CognitoUserPools != nil {
		panic(fmt.Errorf("HttpApi %s: route %q sets CognitoUserPools, but HTTP APIs have no COGNITO_USER_POOLS authorizer; use httpapi.NewUserPoolAuthorizer (a JWT authorizer for the pool and its app clients), or restapi.NewPublicRestApi with AddCognitoAuthorizer for the REST kind", path, routeKey))
	}
	auth, scopes := options.Authorizer, options.AuthorizationScopes
	if auth == nil {
		auth = a.defaultAuth
		if scopes == nil {
			scopes = a.defaultScope
		}
	}
	validateScopes(path, fmt.Sprintf("route %q AuthorizationScopes", routeKey), auth, scopes)
	if options.Throttle != nil {
		a.imported.Unsupported("AddRoute with RouteOptions.Throttle", "route throttles are settings of every stage, and "+apigw.StagesOwned+"; throttle the route there")
	}
	v2stage.CheckThrottle("HttpApi "+path, fmt.Sprintf("route %q Throttle", routeKey), options.Throttle)

	id := routeID(routeKey)
	props := &awsapigatewayv2.HttpRouteProps{
		HttpApi:  a.api,
		RouteKey: key,
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(id+"Integration"), handler,
			&awsapigatewayv2integrations.HttpLambdaIntegrationProps{PayloadFormatVersion: a.payload}),
		AuthorizationScopes: scopes,
	}
	if auth != nil {
		props.Authorizer = auth.routeAuthorizer()
	}
	route := awsapigatewayv2.NewHttpRoute(a.routeScope, jsii.String(id), props)
	a.routeAuth[routeKey] = kindNone
	if auth != nil {
		a.routeAuth[routeKey] = auth.kind()
	}
	if la, ok := auth.(*lambdaAuthorizer); ok && la.caches() {
		a.cacheUsers[la] = append(a.cacheUsers[la], routeKey)
		la.warnIfShared(a, a.cacheUsers[la])
	}
	a.stages.Throttle(routeKey, route, options.Throttle)
	return route
}

// parseRouteKey checks routeKey and turns it into an awsapigatewayv2.HttpRouteKey.
func parseRouteKey(path, routeKey string) awsapigatewayv2.HttpRouteKey {
	if routeKey == "$default" {
		return awsapigatewayv2.HttpRouteKey_DEFAULT()
	}
	method, route, ok := strings.Cut(routeKey, " ")
	if !ok || !slices.Contains(methods, method) {
		panic(fmt.Errorf("HttpApi %s: route key must be \"$default\" or \"METHOD /path\" with METHOD one of %s, got %q", path, strings.Join(methods, ", "), routeKey))
	}
	if !strings.HasPrefix(route, "/") || (route != "/" && strings.HasSuffix(route, "/")) {
		panic(fmt.Errorf("HttpApi %s: route path must start with \"/\" and not end with \"/\", got %q", path, route))
	}
	if i := strings.IndexFunc(route, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '?' || r == '#' }); i >= 0 {
		panic(fmt.Errorf("HttpApi %s: route path %q has %q, which API Gateway does not accept in a path (no spaces, \"?\" or \"#\": a route matches the path only, never the query string)", path, route, string([]rune(route[i:])[0])))
	}
	segments := strings.Split(route[1:], "/")
	for i, seg := range segments {
		if seg == "" && route != "/" {
			panic(fmt.Errorf("HttpApi %s: route path has an empty segment, got %q", path, route))
		}
		if strings.ContainsAny(seg, "{}") && (!strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") || len(seg) < 3 || strings.Count(seg, "{") != 1) {
			panic(fmt.Errorf("HttpApi %s: a path parameter must be a whole segment like {id} or {proxy+}, got %q in %q", path, seg, route))
		}
		if strings.HasSuffix(seg, "+}") && i != len(segments)-1 {
			panic(fmt.Errorf("HttpApi %s: a greedy path parameter %s must be the last segment, got %q", path, seg, route))
		}
	}
	return awsapigatewayv2.HttpRouteKey_With(jsii.String(route), awsapigatewayv2.HttpMethod(method))
}

// routeID is the construct id of a route: its key with "/" replaced, as awsapigatewayv2 does.
func routeID(routeKey string) string {
	if routeKey == "$default" {
		return "DefaultRoute"
	}
	return strings.NewReplacer(" ", "", "/", "--").Replace(routeKey)
}

func (a *httpApi) GrantInvoke(grantee awsiam.IGrantable, routeKey string, stages ...string) awsiam.Grant {
	path := *a.Node().Path()
	var known []string
	stage := a.stageName
	if a.imported != nil {
		// The routes the stack that created the API added are unknown here: check the key's form.
		parseRouteKey(path, routeKey)
	} else if auth, ok := a.routeAuth[routeKey]; !ok {
		panic(fmt.Errorf("HttpApi %s: GrantInvoke: no route %q; add it with AddRoute first", path, routeKey))
	} else if auth != kindIAM {
		panic(fmt.Errorf("HttpApi %s: GrantInvoke: route %q uses %s, so an IAM grant has no effect on it; give it Authorizer: httpapi.IamAuthorizer()", path, routeKey, auth))
	} else {
		stage, known = *a.defaultStage.StageName(), a.stages.Names()
	}
	stages, err := apigw.GrantStages(stages, stage, known, DefaultStageName)
	if err != nil {
		panic(fmt.Errorf("HttpApi %s: GrantInvoke %q: %w", path, routeKey, err))
	}
	method, route := "*", "/*"
	if routeKey != "$default" {
		method, route, _ = strings.Cut(routeKey, " ")
		method, route = apigw.ArnMethod(method), apigw.ArnPath(route)
	}
	return apigw.Grant(a, grantee, "execute-api:Invoke", a.api.ApiId(), stages, method, route)
}

func validateCors(path string, cors *awsapigatewayv2.CorsPreflightOptions) {
	if cors == nil || cors.AllowCredentials == nil || !*cors.AllowCredentials || cors.AllowOrigins == nil {
		return
	}
	for _, o := range *cors.AllowOrigins {
		if o != nil && *o == "*" {
			panic(fmt.Errorf("HttpApi %s: Cors.AllowCredentials cannot be used with AllowOrigins \"*\"; list the origins that may send credentials", path))
		}
	}
}

func validateScopes(path, field string, auth Authorizer, scopes *[]*string) {
	if scopes == nil || len(*scopes) == 0 {
		return
	}
	if auth == nil || auth.kind() != kindJWT {
		got := "no authorizer"
		if auth != nil {
			got = "a " + auth.kind() + " authorizer"
		}
		panic(fmt.Errorf("HttpApi %s: %s need a JWT authorizer (NewJwtAuthorizer or NewUserPoolAuthorizer), got %s", path, field, got))
	}
}
