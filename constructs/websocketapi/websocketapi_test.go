package websocketapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/websocketapi"
	"github.com/portico-dev/portico/contract"
)

var ref = func(prefix string) map[string]any {
	return map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^" + prefix))}
}

func TestWebSocketApi(t *testing.T) {
	constructstest.RunTemplateCases(t, []constructstest.TemplateCase{
		{
			Name: "defaults: WEBSOCKET API on $request.body.action, prod stage with JSON access logs",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
				api.AddRoute(websocketapi.Connect, f.Fn, nil)
				api.AddRoute(websocketapi.Disconnect, f.Fn, nil)
				api.AddRoute(websocketapi.Default, f.Fn, nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api": {"Name": "Api", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action", "ApiKeySelectionExpression": assertions.Match_Absent()},
				"AWS::ApiGatewayV2::Stage": {
					"StageName": "prod", "AutoDeploy": true,
					"AccessLogSettings": map[string]any{
						"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiStageAccessLogs")), "Arn"}},
						"Format":         websocketapi.AccessLogFormat,
					},
				},
				"AWS::Logs::LogGroup":            {"RetentionInDays": 30},
				"AWS::ApiGatewayV2::Route":       {"RouteKey": "$disconnect", "AuthorizationType": "NONE", "ApiKeyRequired": false},
				"AWS::ApiGatewayV2::Integration": {"IntegrationType": "AWS_PROXY"},
			},
		},
		{
			Name: "custom route, two-way response, custom selection expression",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{
					ApiName: jsii.String("chat"), Description: jsii.String("Chat"), RouteSelectionExpression: jsii.String("$request.body.type"),
				})
				api.AddRoute("echo", f.Fn, &websocketapi.RouteOptions{ReturnResponse: jsii.Bool(true)})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api":           {"Name": "chat", "Description": "Chat", "RouteSelectionExpression": "$request.body.type"},
				"AWS::ApiGatewayV2::Route":         {"RouteKey": "echo", "RouteResponseSelectionExpression": "$default"},
				"AWS::ApiGatewayV2::RouteResponse": {"RouteResponseKey": "$default"},
			},
		},
		{
			Name: "stage name, variables, throttling, retention; AddStage",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{
					StageName: jsii.String("live"),
					Stage: &websocketapi.StageOptions{
						Description:        jsii.String("live"),
						StageVariables:     &map[string]*string{"table": jsii.String("connections")},
						Throttle:           &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(50), BurstLimit: jsii.Number(20)},
						AccessLogRetention: awslogs.RetentionDays_TWO_WEEKS,
					},
				})
				api.AddStage("dev", &websocketapi.StageOptions{StageVariables: &map[string]*string{"table": jsii.String("connections-dev")}})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {
					"StageName": "live", "Description": "live", "StageVariables": map[string]any{"table": "connections"},
					"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 20},
				},
				"AWS::Logs::LogGroup": {"RetentionInDays": 14},
			},
		},
		{
			Name: "second stage",
			Build: func(f constructstest.Fixture) {
				websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddStage("dev", &websocketapi.StageOptions{
					StageVariables: &map[string]*string{"table": jsii.String("connections-dev")}})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {"StageName": "dev", "AutoDeploy": true, "StageVariables": map[string]any{"table": "connections-dev"},
					"AccessLogSettings": map[string]any{"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiStagedevAccessLogs")), "Arn"}}, "Format": websocketapi.AccessLogFormat}},
			},
		},
		{
			Name: "per-route throttling on every stage",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
				api.AddRoute("echo", f.Fn, &websocketapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(2), BurstLimit: jsii.Number(4)}})
				api.AddStage("dev", nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {"StageName": "dev", "RouteSettings": map[string]any{"echo": map[string]any{"ThrottlingRateLimit": 2, "ThrottlingBurstLimit": 4}}},
			},
		},
		{
			Name: "Lambda REQUEST authorizer on $connect reads ?token=",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
				api.AddRoute(websocketapi.Connect, f.Fn, &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.Fn, nil)})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {"AuthorizerType": "REQUEST", "Name": "GoAuth", "IdentitySource": []any{"route.request.querystring.token"}},
				"AWS::ApiGatewayV2::Route":      {"RouteKey": "$connect", "AuthorizationType": "CUSTOM", "AuthorizerId": ref("ApiGoAuth")},
			},
		},
		{
			Name: "Lambda authorizer with a header identity source",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
				api.AddRoute(websocketapi.Connect, f.Fn, &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.Fn,
					&websocketapi.LambdaAuthorizerProps{IdentitySources: jsii.Strings("route.request.header.Authorization"), AuthorizerName: jsii.String("jwt")})})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {"Name": "jwt", "IdentitySource": []any{"route.request.header.Authorization"}},
			},
		},
		{
			Name: "IAM on $connect",
			Build: func(f constructstest.Fixture) {
				websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddRoute(websocketapi.Connect, f.Fn, &websocketapi.RouteOptions{Authorizer: websocketapi.IamAuthorizer()})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Route": {"RouteKey": "$connect", "AuthorizationType": "AWS_IAM"},
			},
		},
		{
			Name: "API key on $connect with a usage plan for the stage",
			Build: func(f constructstest.Fixture) {
				api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()})
				api.AddRoute(websocketapi.Connect, f.Fn, nil)
				api.AddRoute(websocketapi.Default, f.Fn, nil)
				plan := api.AddUsagePlan(jsii.String("Plan"), &websocketapi.UsagePlanOptions{
					Name:        jsii.String("basic"),
					Description: jsii.String("basic plan"),
					Throttle:    &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(10), BurstLimit: jsii.Number(5)},
					Quota:       &awsapigatewayv2.QuotaSettings{Limit: jsii.Number(1000), Period: awsapigatewayv2.Period_DAY},
				})
				plan.AddApiKey(awsapigatewayv2.NewApiKey(f.Stack, jsii.String("Key"), nil), nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api":   {"ApiKeySelectionExpression": "$request.header.x-api-key"},
				"AWS::ApiGatewayV2::Route": {"RouteKey": "$connect", "ApiKeyRequired": true},
				"AWS::ApiGateway::UsagePlan": {
					"UsagePlanName": "basic",
					"Description":   "basic plan",
					"ApiStages":     []any{map[string]any{"ApiId": ref("Api"), "Stage": "prod"}},
					"Throttle":      map[string]any{"RateLimit": 10, "BurstLimit": 5},
					"Quota":         map[string]any{"Limit": 1000, "Period": "DAY"},
				},
				"AWS::ApiGateway::UsagePlanKey": {"KeyType": "API_KEY", "UsagePlanId": ref("ApiPlan")},
			},
		},
	})
}

func TestDefaultRouteHasNoApiKey(t *testing.T) {
	// GIVEN an API requiring keys
	f := constructstest.NewFixture()
	api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()})
	api.AddRoute(websocketapi.Connect, f.Fn, nil)
	// WHEN a message route is added
	api.AddRoute(websocketapi.Default, f.Fn, nil)
	// THEN only $connect requires the key: API Gateway checks keys on $connect only
	assertions.Template_FromStack(f.Stack, nil).HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
		"RouteKey": "$default", "ApiKeyRequired": false,
	})
}

func TestCallbacksAreScopedToTheStage(t *testing.T) {
	// GIVEN a handler that answers clients
	f := constructstest.NewFixture()
	api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{StageName: jsii.String("live")})
	api.AddRoute("echo", f.Fn, nil)
	// WHEN it is allowed to call back
	api.AllowCallbacks(f.Fn)
	template := assertions.Template_FromStack(f.Stack, nil)
	// THEN it may manage connections of the live stage only, never "*"
	template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:ManageConnections",
			"Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				ref("Api"), "/live/*/@connections/*",
			})}},
		}}},
	})
	policies := template.FindResources(jsii.String("AWS::IAM::Policy"), nil)
	for id, p := range *policies {
		for _, st := range (*p)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			if r := st.(map[string]any)["Resource"]; r == "*" {
				t.Errorf("policy %s has a statement on Resource \"*\": %v", id, st)
			}
		}
	}
	// AND it knows the stage's callback URL
	template.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			contract.CallbackURLEnv: map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				"https://", ref("Api"), ".execute-api.",
			})}},
		}},
	})
}

func TestGrantManageConnectionsCoversTheStagesItNames(t *testing.T) {
	// GIVEN an API with stages live and beta, and a role
	f := constructstest.NewFixture()
	api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{StageName: jsii.String("live")})
	api.AddStage("beta", nil)
	api.AddRoute("echo", f.Fn, nil)
	role := awsiam.NewRole(f.Stack, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	// WHEN the role is granted both stages
	api.GrantManageConnections(role, "beta", "live")
	// THEN it may manage the connections of each (APIGW-FACTS: ManageConnections on
	// {apiId}/{stage}/{METHOD}/@connections/{connectionId}), and of no other stage
	arn := func(stage string) any {
		return map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{ref("Api"), "/" + stage + "/*/@connections/*"})}}
	}
	assertions.Template_FromStack(f.Stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:ManageConnections", "Effect": "Allow", "Resource": []any{arn("beta"), arn("live")},
		}}},
	})
}

func TestClearErrors(t *testing.T) {
	withKeys := &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()}
	constructstest.RunPanicCases(t, []constructstest.PanicCase{
		{Name: "callbacks on a stage the API lacks", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).GrantManageConnections(f.Fn, "dev")
		}, Want: []string{`WebSocketApi Stack/Api: GrantManageConnections: no stage "dev"; the API's stages are ["prod"]`}},
		{Name: "authorizer on a message route", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddRoute("echo", f.Fn, &websocketapi.RouteOptions{Authorizer: websocketapi.IamAuthorizer()})
		}, Want: []string{`route "echo" sets an Authorizer`, "authorize on $connect only"}},
		{Name: "authorizer on $default", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddRoute("$default", f.Fn, &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("A"), f.Fn, nil)})
		}, Want: []string{`route "$default" sets an Authorizer`}},
		{Name: "Cognito authorizer", Build: func(f constructstest.Fixture) {
			pool := awscognito.NewUserPool(f.Stack, jsii.String("Pool"), nil)
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddRoute(websocketapi.Connect, f.Fn, &websocketapi.RouteOptions{CognitoUserPools: &[]awscognito.IUserPool{pool}})
		}, Want: []string{"no Cognito authorizer", "websocketapi.NewLambdaAuthorizer", "authorizers/websocket/cmd", "verifies Cognito JWTs"}},
		{Name: "unknown $ route", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddRoute("$message", f.Fn, nil)
		}, Want: []string{"route key must be $connect, $disconnect, $default or a custom key", `got "$message"`}},
		{Name: "duplicate route", Build: func(f constructstest.Fixture) {
			api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute("echo", f.Fn, nil)
			api.AddRoute("echo", f.Fn, nil)
		}, Want: []string{`route "echo" is already defined`}},
		{Name: "selection expression", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{RouteSelectionExpression: jsii.String("action")})
		}, Want: []string{"RouteSelectionExpression must select a JSON property", `got "action"`}},
		{Name: "bad stage name", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{StageName: jsii.String("$default")})
		}, Want: []string{"stage name must be 1 to 128 letters", `got "$default"`}},
		{Name: "duplicate stage", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddStage("prod", nil)
		}, Want: []string{`stage "prod" is already defined`}},
		{Name: "negative route throttle", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddRoute("echo", f.Fn, &websocketapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(-5)}})
		}, Want: []string{`route "echo" Throttle.RateLimit must be 0 or more`, "got -5"}},
		{Name: "usage plan without API keys", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil).AddUsagePlan(jsii.String("Plan"), nil)
		}, Want: []string{"meters only calls that carry an API key", "set ApiKeySelection"}},
		{Name: "usage plan quota", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), withKeys).AddUsagePlan(jsii.String("Plan"), &websocketapi.UsagePlanOptions{Quota: &awsapigatewayv2.QuotaSettings{Limit: jsii.Number(0)}})
		}, Want: []string{"Quota.Limit must be a whole number of 1 or more", "got 0"}},
		{Name: "usage plan quota offset outside its week", Build: func(f constructstest.Fixture) {
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), withKeys).AddUsagePlan(jsii.String("Plan"), &websocketapi.UsagePlanOptions{Quota: &awsapigatewayv2.QuotaSettings{Limit: jsii.Number(10), Period: awsapigatewayv2.Period_WEEK, Offset: jsii.Number(-1)}})
		}, Want: []string{"usage plan Quota.Offset for period WEEK must be a whole number from 0 to 6", "got -1"}},
		{Name: "bad identity source", Build: func(f constructstest.Fixture) {
			websocketapi.NewLambdaAuthorizer(jsii.String("A"), f.Fn, &websocketapi.LambdaAuthorizerProps{IdentitySources: jsii.Strings("$request.querystring.token")})
		}, Want: []string{"identity source must be route.request.header.NAME", `got "$request.querystring.token"`}},
		{Name: "empty identity sources", Build: func(f constructstest.Fixture) {
			websocketapi.NewLambdaAuthorizer(jsii.String("A"), f.Fn, &websocketapi.LambdaAuthorizerProps{IdentitySources: &[]*string{}})
		}, Want: []string{"IdentitySources must name at least one source"}},
	})
}

func TestApiKeysWithoutConnectFailSynth(t *testing.T) {
	// GIVEN an API requiring keys but with no $connect route
	f := constructstest.NewFixture()
	websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()}).
		AddRoute(websocketapi.Default, f.Fn, nil)
	// WHEN it is synthesized THEN synth fails and says what to add
	msg := constructstest.PanicMessage(t, func() { assertions.Template_FromStack(f.Stack, nil) })
	if !strings.Contains(msg, "there is no $connect route") {
		t.Errorf("error %q does not say $connect is missing", msg)
	}
}

func TestWebSocketApiIsAConstruct(t *testing.T) {
	// GIVEN a WebSocketApi
	f := constructstest.NewFixture()
	api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
	// WHEN it is used where CDK expects a construct
	awscdk.NewCfnOutput(api, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	// THEN CDK finds its stack and its children
	if got := *awscdk.Stack_Of(api).StackName(); got != "Stack" {
		t.Errorf("Stack_Of(api) = %q, want Stack", got)
	}
	if got := *api.Api().Node().Path(); got != "Stack/Api/Resource" {
		t.Errorf("the WebSocket API is at %q, want Stack/Api/Resource", got)
	}
	outputs := assertions.Template_FromStack(f.Stack, nil).FindOutputs(jsii.String("*"), nil)
	if len(*outputs) != 1 {
		t.Errorf("got outputs %v, want the one added under the API", *outputs)
	}
}

func TestFromWebSocketApiAttributes(t *testing.T) {
	// GIVEN a WebSocket API in one stack
	owner := constructstest.NewFixture()
	api := websocketapi.NewWebSocketApi(owner.Stack, jsii.String("Api"), nil)
	api.AddRoute(websocketapi.Connect, owner.Fn, nil)

	// WHEN another stack imports it, adds a route and lets its handler answer clients
	other := owner.Other("Other")
	imported := websocketapi.FromWebSocketApiAttributes(other.Stack, jsii.String("Api"), &websocketapi.WebSocketApiAttributes{
		WebSocketApiId: api.Api().ApiId(),
	})
	imported.AddRoute("ping", other.Fn, &websocketapi.RouteOptions{ReturnResponse: jsii.Bool(true)})
	imported.AllowCallbacks(other.Fn)
	awscdk.NewCfnOutput(other.Stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: imported.Url()})

	// THEN the other stack's template holds them, on the owner's API and its prod stage
	apiRef := constructstest.ImportValue("ExportsOutputRefApi")
	endpoint := func(scheme, stage string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{
			scheme + "://", apiRef, ".execute-api.", map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"}, "/" + stage,
		}}}
	}
	tmpl := assertions.Template_FromStack(other.Stack, nil)
	constructstest.HasResources(t, tmpl, map[string]constructstest.Resource{
		"the route on the owner's API": {Type: "AWS::ApiGatewayV2::Route", Props: map[string]any{"ApiId": apiRef, "RouteKey": "ping", "ApiKeyRequired": false}},
		"its integration":              {Type: "AWS::ApiGatewayV2::Integration", Props: map[string]any{"ApiId": apiRef, "IntegrationType": "AWS_PROXY"}},
		"the handler knows the prod callback URL": {Type: "AWS::Lambda::Function", Props: map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{contract.CallbackURLEnv: endpoint("https", "prod")}},
		}},
		"and may manage prod's connections only": {Type: "AWS::IAM::Policy", Props: map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "execute-api:ManageConnections", "Effect": "Allow",
				"Resource": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{apiRef, "/prod/*/@connections/*"})}},
			}})},
		}},
	})
	t.Run("no stage of its own", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Stage"), jsii.Number(0))
	})
	t.Run("Url is the prod stage's wss:// URL", func(t *testing.T) {
		tmpl.HasOutput(jsii.String("Url"), map[string]any{"Value": endpoint("wss", "prod")})
	})
}

func TestImportedWebSocketApiRefusals(t *testing.T) {
	imported := func(f constructstest.Fixture) websocketapi.WebSocketApi {
		return websocketapi.FromWebSocketApiAttributes(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiAttributes{WebSocketApiId: jsii.String("a1b2c3d4e5")})
	}
	owned := "belong to the stack that created"
	constructstest.RunPanicCases(t, []constructstest.PanicCase{
		{Name: "no WebSocketApiId", Build: func(f constructstest.Fixture) {
			websocketapi.FromWebSocketApiAttributes(f.Stack, jsii.String("Api"), nil)
		}, Want: []string{"WebSocketApi Stack/Api: WebSocketApiId is required"}},
		{Name: "bad StageName", Build: func(f constructstest.Fixture) {
			websocketapi.FromWebSocketApiAttributes(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiAttributes{WebSocketApiId: jsii.String("a1b2c3d4e5"), StageName: jsii.String("$default")})
		}, Want: []string{"StageName must be 1 to 128 letters", `got "$default"`}},
		{Name: "DefaultStage", Build: func(f constructstest.Fixture) { imported(f).DefaultStage() },
			Want: []string{"WebSocketApi Stack/Api: DefaultStage is not supported on an imported API", owned}},
		{Name: "AddStage", Build: func(f constructstest.Fixture) { imported(f).AddStage("dev", nil) },
			Want: []string{"AddStage is not supported on an imported API", owned}},
		{Name: "AddUsagePlan", Build: func(f constructstest.Fixture) { imported(f).AddUsagePlan(jsii.String("Plan"), nil) },
			Want: []string{"AddUsagePlan is not supported on an imported API", owned}},
		{Name: "route throttle", Build: func(f constructstest.Fixture) {
			imported(f).AddRoute("echo", f.Fn, &websocketapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(1)}})
		}, Want: []string{"AddRoute with RouteOptions.Throttle is not supported on an imported API", owned}},
	})
}
