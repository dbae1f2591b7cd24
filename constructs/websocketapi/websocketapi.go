// Package websocketapi provides WebSocketApi, an API Gateway WebSocket API
// (AWS::ApiGatewayV2::Api, protocol WEBSOCKET) whose $connect, $disconnect, $default and custom
// routes run Lambda functions; authorization on $connect (a Go Lambda REQUEST authorizer or
// IAM); stages with stage variables, throttling and JSON access logs; API keys on $connect with
// usage plans; and callbacks: @connections permissions scoped to one stage and its callback URL
// in the handler's environment.
package websocketapi

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/internal/apigw"
	"github.com/portico-dev/portico/constructs/internal/nagsuppress"
	"github.com/portico-dev/portico/constructs/internal/v2stage"
	"github.com/portico-dev/portico/contract"
)

// Route keys API Gateway gives a meaning to.
const (
	Connect    = "$connect"
	Disconnect = "$disconnect"
	Default    = "$default"
)

// DefaultStageName is the name of the stage created with the API.
const DefaultStageName = "prod"

// WebSocketApiProps configures a WebSocketApi.
type WebSocketApiProps struct {
	// ApiName is the name of the API in API Gateway.
	// Default: the construct id.
	ApiName *string

	// Description of the API.
	// Default: none.
	Description *string

	// RouteSelectionExpression picks a message's route, e.g. "$request.body.action": a JSON
	// message {"action":"echo"} goes to route "echo"; anything else goes to $default.
	// Default: "$request.body.action".
	RouteSelectionExpression *string

	// ApiKeySelection requires an API key on $connect: HEADER_X_API_KEY (the x-api-key header)
	// or AUTHORIZER_USAGE_IDENTIFIER_KEY (the $connect authorizer's usageIdentifierKey). Meter
	// keys with AddUsagePlan.
	// Default: no API key.
	ApiKeySelection awsapigatewayv2.WebSocketApiKeySelectionExpression

	// StageName is the name of the stage created with the API.
	// Default: "prod".
	StageName *string

	// Stage configures the stage created with the API.
	// Default: no stage variables, account throttling, access logs kept one month.
	Stage *StageOptions

	// CloudWatchRole makes the stages wait for the account settings (AWS::ApiGateway::Account
	// and its CloudWatch Logs role) without which API Gateway refuses a stage with access logs:
	// the stack's apiaccount.ApiAccount, shared by its REST and WebSocket APIs and created by the
	// first, or, when the app's context names another stack (apiaccount.OwnerStackContext), that
	// stack's. Set false when the settings are managed outside this app.
	// Default: true.
	CloudWatchRole *bool
}

// WebSocketApi is a WebSocket API with one stage created with it and more added with AddStage,
// made by NewWebSocketApi or imported by FromWebSocketApiAttributes.
type WebSocketApi interface {
	constructs.Construct
	// Api is the API, the child "Resource": an awsapigatewayv2.WebSocketApi, or the imported API.
	Api() awsapigatewayv2.IWebSocketApi
	// DefaultStage is the stage created with the API (not on an imported API).
	DefaultStage() awsapigatewayv2.WebSocketStage
	// Url is the wss:// URL of the default stage (of the StageName an import names).
	Url() *string
	// CallbackUrl is the https:// @connections endpoint of the default stage.
	CallbackUrl() *string
	// AddRoute routes routeKey ($connect, $disconnect, $default or a custom key matched by the
	// route selection expression) to handler.
	AddRoute(routeKey string, handler awslambda.IFunction, options *RouteOptions) awsapigatewayv2.WebSocketRoute
	// AddStage adds a named stage, deployed on every change, with its own access logs (not on
	// an imported API).
	AddStage(name string, options *StageOptions) awsapigatewayv2.WebSocketStage
	// GrantManageConnections lets grantee post to, read and close connections of each of stages
	// (execute-api:ManageConnections on {api}/{stage}/*/@connections/*). No stages means the
	// default stage (the StageName an import names).
	GrantManageConnections(grantee awsiam.IGrantable, stages ...string) awsiam.Grant
	// AllowCallbacks grants handler ManageConnections on the default stage and sets
	// PORTICO_CALLBACK_URL in its environment, so it can answer clients.
	AllowCallbacks(handler awslambda.Function) awsiam.Grant
	// AddUsagePlan creates a usage plan covering every stage added so far; add keys with
	// plan.AddApiKey. The API must require API keys (ApiKeySelection); not on an imported API.
	AddUsagePlan(id *string, props *UsagePlanOptions) awsapigatewayv2.UsagePlan
}

type webSocketApi struct {
	constructs.Construct
	api          awsapigatewayv2.IWebSocketApi
	keys         bool
	defaultStage awsapigatewayv2.WebSocketStage
	stages       *v2stage.Stages[awsapigatewayv2.WebSocketStage]
	routes       map[string]awsapigatewayv2.WebSocketRoute
	// connectAuthorized is set once $connect has an authorizer, which covers every route.
	connectAuthorized bool
	// imported is set on an API imported by FromWebSocketApiAttributes, with stageName its stage.
	imported  *apigw.Imported
	stageName string
	// routeScope holds the routes: the API's "Resource", or the import itself.
	routeScope constructs.Construct
	// accountSettings: the stages wait for the account's CloudWatch Logs role (apiaccount).
	accountSettings bool
}

// NewWebSocketApi creates a WebSocket API and its first stage. It panics with a clear message
// when a prop is invalid.
func NewWebSocketApi(scope constructs.Construct, id *string, props *WebSocketApiProps) WebSocketApi {
	// The Go struct is the construct itself (a jsii subclass), so it can be a scope or be
	// passed to Stack_Of, Aspects_Of and cdk-nag like any construct.
	a := &webSocketApi{routes: map[string]awsapigatewayv2.WebSocketRoute{}}
	constructs.NewConstruct_Override(a, scope, id)
	if props == nil {
		props = &WebSocketApiProps{}
	}
	path := *a.Node().Path()
	a.stages = v2stage.New[awsapigatewayv2.WebSocketStage]("WebSocketApi "+path, AccessLogFormat)
	selection := "$request.body.action"
	if props.RouteSelectionExpression != nil {
		selection = *props.RouteSelectionExpression
	}
	if !strings.HasPrefix(selection, "$request.body.") {
		panic(fmt.Errorf("WebSocketApi %s: RouteSelectionExpression must select a JSON property of the message, like \"$request.body.action\", got %q", path, selection))
	}
	stageName := DefaultStageName
	if props.StageName != nil {
		stageName = *props.StageName
	}
	name := props.ApiName
	if name == nil {
		name = id
	}
	a.keys = props.ApiKeySelection != nil
	api := awsapigatewayv2.NewWebSocketApi(a, jsii.String("Resource"), &awsapigatewayv2.WebSocketApiProps{
		ApiName:                   name,
		Description:               props.Description,
		RouteSelectionExpression:  jsii.String(selection),
		ApiKeySelectionExpression: props.ApiKeySelection,
	})
	a.api, a.routeScope = api, api
	a.accountSettings = props.CloudWatchRole == nil || *props.CloudWatchRole
	if a.keys {
		a.Node().AddValidation(&needsConnect{a})
	}
	a.defaultStage = a.addStage("Stage", stageName, props.Stage)
	return a
}

// needsConnect fails synth when API keys are required but no $connect route exists to require
// them on: the setting would otherwise do nothing.
type needsConnect struct{ a *webSocketApi }

func (v *needsConnect) Validate() *[]*string {
	if _, ok := v.a.routes[Connect]; ok {
		return &[]*string{}
	}
	return jsii.Strings(fmt.Sprintf("WebSocketApi %s: ApiKeySelection requires an API key on $connect, but there is no $connect route; add one with AddRoute(%q, ...)", *v.a.Node().Path(), Connect))
}

// WebSocketApiAttributes name a WebSocket API created elsewhere: in another stack or outside the
// CDK.
type WebSocketApiAttributes struct {
	// WebSocketApiId is the API's ID, e.g. "a1b2c3d4e5", or api.Api().ApiId() of another stack's
	// API.
	// Default: none; required.
	WebSocketApiId *string

	// StageName is the stage that Url, CallbackUrl, GrantManageConnections and AllowCallbacks
	// refer to.
	// Default: "prod".
	StageName *string
}

// FromWebSocketApiAttributes imports a WebSocket API so that this stack can add routes to it
// (its auto-deployed stages serve them at once) and let handlers answer its clients
// (GrantManageConnections, AllowCallbacks). The API's stages, usage plans and API key setting
// stay with the stack that created it: DefaultStage, AddStage, AddUsagePlan and route throttles
// panic on an imported API, and routes added here require no API key.
func FromWebSocketApiAttributes(scope constructs.Construct, id *string, attrs *WebSocketApiAttributes) WebSocketApi {
	a := &webSocketApi{routes: map[string]awsapigatewayv2.WebSocketRoute{}}
	a.imported = apigw.NewImport(a, scope, id, "WebSocketApi")
	if attrs == nil {
		attrs = &WebSocketApiAttributes{}
	}
	a.imported.Require("WebSocketApiId", attrs.WebSocketApiId)
	a.stageName = a.imported.StageName(attrs.StageName, DefaultStageName)
	a.api = awsapigatewayv2.WebSocketApi_FromWebSocketApiAttributes(a, jsii.String("Resource"), &awsapigatewayv2.WebSocketApiAttributes{
		WebSocketId: attrs.WebSocketApiId,
		ApiEndpoint: apigw.ExecuteApiEndpoint(a, "wss", attrs.WebSocketApiId),
	})
	a.routeScope = a
	return a
}

func (a *webSocketApi) Api() awsapigatewayv2.IWebSocketApi { return a.api }

func (a *webSocketApi) DefaultStage() awsapigatewayv2.WebSocketStage {
	a.imported.Unsupported("DefaultStage", apigw.StagesOwned+"; use Url and CallbackUrl, or import the stage with awsapigatewayv2.WebSocketStage_FromWebSocketStageAttributes")
	return a.defaultStage
}

func (a *webSocketApi) Url() *string {
	if a.imported != nil {
		return jsii.String(*a.api.ApiEndpoint() + "/" + a.stageName)
	}
	return a.defaultStage.Url()
}

func (a *webSocketApi) CallbackUrl() *string {
	if a.imported != nil {
		return jsii.String(*apigw.ExecuteApiEndpoint(a, "https", a.api.ApiId()) + "/" + a.stageName)
	}
	return a.defaultStage.CallbackUrl()
}

// RouteOptions configures one route.
type RouteOptions struct {
	// Authorizer checks the caller before the connection opens; $connect only.
	// Default: none.
	Authorizer Authorizer

	// ReturnResponse sends the handler's response body back to the client (two-way route).
	// Default: false.
	ReturnResponse *bool

	// Throttle limits this route on every stage, below the stage's own limits.
	// Default: the stage's limits.
	Throttle *awsapigatewayv2.ThrottleSettings

	// CognitoUserPools is not supported: WebSocket APIs have no Cognito authorizer. Setting it
	// panics and names the Go authorizer that verifies Cognito JWTs.
	// Default: none.
	CognitoUserPools *[]awscognito.IUserPool
}

func (a *webSocketApi) AddRoute(routeKey string, handler awslambda.IFunction, options *RouteOptions) awsapigatewayv2.WebSocketRoute {
	path := *a.Node().Path()
	if options == nil {
		options = &RouteOptions{}
	}
	if routeKey == "" || (strings.HasPrefix(routeKey, "$") && routeKey != Connect && routeKey != Disconnect && routeKey != Default) {
		panic(fmt.Errorf("WebSocketApi %s: route key must be $connect, $disconnect, $default or a custom key not starting with \"$\", got %q", path, routeKey))
	}
	if _, dup := a.routes[routeKey]; dup {
		panic(fmt.Errorf("WebSocketApi %s: route %q is already defined", path, routeKey))
	}
	if handler == nil {
		panic(fmt.Errorf("WebSocketApi %s: route %q needs a handler function", path, routeKey))
	}
	if options.CognitoUserPools != nil {
		panic(fmt.Errorf("WebSocketApi %s: route %q sets CognitoUserPools, but WebSocket APIs have no Cognito authorizer; use websocketapi.NewLambdaAuthorizer on $connect with the Go authorizer authorizers/websocket/cmd, which verifies Cognito JWTs (PORTICO_JWT_ISSUER, PORTICO_JWT_CLIENT_IDS)", path, routeKey))
	}
	if options.Authorizer != nil && routeKey != Connect {
		panic(fmt.Errorf("WebSocketApi %s: route %q sets an Authorizer, but WebSocket APIs authorize on $connect only; put it on the $connect route (the connection stays authorized until it closes)", path, routeKey))
	}
	v2stage.CheckThrottle("WebSocketApi "+path, fmt.Sprintf("route %q Throttle", routeKey), options.Throttle)
	if options.Throttle != nil {
		a.imported.Unsupported("AddRoute with RouteOptions.Throttle", "route throttles are settings of every stage, and "+apigw.StagesOwned+"; throttle the route there")
	}

	id := strings.ReplaceAll(routeKey, "/", "--") + "Route"
	props := &awsapigatewayv2.WebSocketRouteProps{
		WebSocketApi:   a.api,
		RouteKey:       jsii.String(routeKey),
		Integration:    awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String(id+"Integration"), handler, nil),
		ReturnResponse: options.ReturnResponse,
		ApiKeyRequired: jsii.Bool(a.keys && routeKey == Connect),
	}
	if options.Authorizer != nil {
		props.Authorizer = options.Authorizer.routeAuthorizer()
	}
	route := awsapigatewayv2.NewWebSocketRoute(a.routeScope, jsii.String(id), props)
	a.routes[routeKey] = route
	switch {
	case routeKey == Connect && options.Authorizer != nil:
		a.connectAuthorized = true
		for key, r := range a.routes {
			if key != Connect {
				suppressConnectOnly(r)
			}
		}
	case routeKey != Connect && a.connectAuthorized:
		suppressConnectOnly(route)
	}
	a.stages.Throttle(routeKey, route, options.Throttle)
	return route
}

// suppressConnectOnly records, for cdk-nag, why a message route has no authorizer of its own.
func suppressConnectOnly(route awsapigatewayv2.WebSocketRoute) {
	nagsuppress.Add(route, "AwsSolutions-APIG4",
		"WebSocket APIs authorize on $connect only (API Gateway rejects authorizers on other routes); this route runs only on connections that the $connect authorizer admitted.")
}

func (a *webSocketApi) GrantManageConnections(grantee awsiam.IGrantable, stages ...string) awsiam.Grant {
	stage, known := a.stageName, []string(nil)
	if a.imported == nil {
		stage, known = *a.defaultStage.StageName(), a.stages.Names()
	}
	stages, err := apigw.GrantStages(stages, stage, known)
	if err != nil {
		panic(fmt.Errorf("WebSocketApi %s: GrantManageConnections: %w", *a.Node().Path(), err))
	}
	// Any method (POST, GET, DELETE) on any connection: connection IDs are made at run time.
	grant := apigw.Grant(a, grantee, "execute-api:ManageConnections", a.api.ApiId(), stages, "*", "/@connections/*")
	// The policy names this API and stage; only the connection ID, made at run time, and the
	// method (POST, GET or DELETE) are wildcards: tell cdk-nag so on the grantee's policy.
	var principal constructs.IConstruct
	switch g := grantee.(type) {
	case awslambda.IFunction:
		principal = g.Role()
	case constructs.IConstruct: // a role, user or group
		principal = g
	}
	if principal != nil {
		nagsuppress.Add(principal, "AwsSolutions-IAM5",
			"execute-api:ManageConnections is scoped to one API stage; connection IDs are created at run time, so @connections/* (any connection, POST/GET/DELETE) is the narrowest resource.",
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:(<AWS::Partition>|[a-z-]+):execute-api:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):<[A-Za-z0-9]+>\/[A-Za-z0-9_-]+\/\*\/@connections\/\*$/`)})
	}
	return grant
}

func (a *webSocketApi) AllowCallbacks(handler awslambda.Function) awsiam.Grant {
	handler.AddEnvironment(jsii.String(contract.CallbackURLEnv), a.CallbackUrl(), nil)
	return a.GrantManageConnections(handler)
}

// UsagePlanOptions configures a usage plan for the API's stages.
type UsagePlanOptions struct {
	// Name of the plan.
	// Default: generated.
	Name *string

	// Description of the plan.
	// Default: none.
	Description *string

	// Throttle limits each key's $connect calls (steady rate per second and burst).
	// Default: no per-key throttling.
	Throttle *awsapigatewayv2.ThrottleSettings

	// Quota caps each key's $connect calls per DAY, WEEK or MONTH.
	// Default: no quota.
	Quota *awsapigatewayv2.QuotaSettings
}

func (a *webSocketApi) AddUsagePlan(id *string, props *UsagePlanOptions) awsapigatewayv2.UsagePlan {
	path := *a.Node().Path()
	a.imported.Unsupported("AddUsagePlan", "a usage plan names the API's stages and needs its ApiKeySelection, which belong to the stack that created the API; add the plan there")
	if !a.keys {
		panic(fmt.Errorf("WebSocketApi %s: AddUsagePlan: a usage plan meters only calls that carry an API key, and this API requires none; set ApiKeySelection (e.g. HEADER_X_API_KEY) in WebSocketApiProps", path))
	}
	if props == nil {
		props = &UsagePlanOptions{}
	}
	v2stage.CheckThrottle("WebSocketApi "+path, "usage plan Throttle", props.Throttle)
	if q := props.Quota; q != nil && q.Limit != nil {
		if err := apigw.CheckQuotaLimit("usage plan Quota", *q.Limit); err != nil {
			panic(fmt.Errorf("WebSocketApi %s: %w", path, err))
		}
	}
	if q := props.Quota; q != nil && q.Offset != nil {
		if err := apigw.CheckQuotaOffset("usage plan Quota", string(q.Period), *q.Offset); err != nil {
			panic(fmt.Errorf("WebSocketApi %s: %w", path, err))
		}
	}
	stages := make([]*awsapigatewayv2.UsagePlanPerApiStage, 0, len(a.stages.All()))
	for _, s := range a.stages.All() {
		stages = append(stages, &awsapigatewayv2.UsagePlanPerApiStage{Api: a.api, Stage: s})
	}
	plan := awsapigatewayv2.NewUsagePlan(a, id, &awsapigatewayv2.UsagePlanProps{
		UsagePlanName: props.Name,
		Description:   props.Description,
		Throttle:      props.Throttle,
		Quota:         props.Quota,
		ApiStages:     &stages,
	})
	return plan
}
