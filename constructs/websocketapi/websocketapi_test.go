package websocketapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/websocketapi"
)

// fixture is a stack with a stand-in handler: construct tests need a function, not a Go build.
type fixture struct {
	stack awscdk.Stack
	fn    awslambda.Function
}

func newFixture() fixture {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Stack"), nil)
	fn := awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
	})
	return fixture{stack: stack, fn: fn}
}

var ref = func(prefix string) map[string]any {
	return map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^" + prefix))}
}

func TestWebSocketApi(t *testing.T) {
	tests := []struct {
		name  string
		build func(f fixture)
		then  map[string]map[string]any
	}{
		{
			name: "defaults: WEBSOCKET API on $request.body.action, prod stage with JSON access logs",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil)
				api.AddRoute(websocketapi.Connect, f.fn, nil)
				api.AddRoute(websocketapi.Disconnect, f.fn, nil)
				api.AddRoute(websocketapi.Default, f.fn, nil)
			},
			then: map[string]map[string]any{
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
			name: "custom route, two-way response, custom selection expression",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{
					ApiName: jsii.String("chat"), Description: jsii.String("Chat"), RouteSelectionExpression: jsii.String("$request.body.type"),
				})
				api.AddRoute("echo", f.fn, &websocketapi.RouteOptions{ReturnResponse: jsii.Bool(true)})
			},
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api":           {"Name": "chat", "Description": "Chat", "RouteSelectionExpression": "$request.body.type"},
				"AWS::ApiGatewayV2::Route":         {"RouteKey": "echo", "RouteResponseSelectionExpression": "$default"},
				"AWS::ApiGatewayV2::RouteResponse": {"RouteResponseKey": "$default"},
			},
		},
		{
			name: "stage name, variables, throttling, retention; AddStage",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{
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
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {
					"StageName": "live", "Description": "live", "StageVariables": map[string]any{"table": "connections"},
					"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 20},
				},
				"AWS::Logs::LogGroup": {"RetentionInDays": 14},
			},
		},
		{
			name: "second stage",
			build: func(f fixture) {
				websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddStage("dev", &websocketapi.StageOptions{
					StageVariables: &map[string]*string{"table": jsii.String("connections-dev")}})
			},
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {"StageName": "dev", "AutoDeploy": true, "StageVariables": map[string]any{"table": "connections-dev"},
					"AccessLogSettings": map[string]any{"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiStagedevAccessLogs")), "Arn"}}, "Format": websocketapi.AccessLogFormat}},
			},
		},
		{
			name: "per-route throttling on every stage",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil)
				api.AddRoute("echo", f.fn, &websocketapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(2), BurstLimit: jsii.Number(4)}})
				api.AddStage("dev", nil)
			},
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {"StageName": "dev", "RouteSettings": map[string]any{"echo": map[string]any{"ThrottlingRateLimit": 2, "ThrottlingBurstLimit": 4}}},
			},
		},
		{
			name: "Lambda REQUEST authorizer on $connect reads ?token=",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil)
				api.AddRoute(websocketapi.Connect, f.fn, &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.fn, nil)})
			},
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {"AuthorizerType": "REQUEST", "Name": "GoAuth", "IdentitySource": []any{"route.request.querystring.token"}},
				"AWS::ApiGatewayV2::Route":      {"RouteKey": "$connect", "AuthorizationType": "CUSTOM", "AuthorizerId": ref("ApiGoAuth")},
			},
		},
		{
			name: "Lambda authorizer with a header identity source",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil)
				api.AddRoute(websocketapi.Connect, f.fn, &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.fn,
					&websocketapi.LambdaAuthorizerProps{IdentitySources: jsii.Strings("route.request.header.Authorization"), AuthorizerName: jsii.String("jwt")})})
			},
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {"Name": "jwt", "IdentitySource": []any{"route.request.header.Authorization"}},
			},
		},
		{
			name: "IAM on $connect",
			build: func(f fixture) {
				websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddRoute(websocketapi.Connect, f.fn, &websocketapi.RouteOptions{Authorizer: websocketapi.IamAuthorizer()})
			},
			then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Route": {"RouteKey": "$connect", "AuthorizationType": "AWS_IAM"},
			},
		},
		{
			name: "API key on $connect with a usage plan for the stage",
			build: func(f fixture) {
				api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()})
				api.AddRoute(websocketapi.Connect, f.fn, nil)
				api.AddRoute(websocketapi.Default, f.fn, nil)
				plan := api.AddUsagePlan(jsii.String("Plan"), &websocketapi.UsagePlanOptions{
					Name:        jsii.String("basic"),
					Description: jsii.String("basic plan"),
					Throttle:    &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(10), BurstLimit: jsii.Number(5)},
					Quota:       &awsapigatewayv2.QuotaSettings{Limit: jsii.Number(1000), Period: awsapigatewayv2.Period_DAY},
				})
				plan.AddApiKey(awsapigatewayv2.NewApiKey(f.stack, jsii.String("Key"), nil), nil)
			},
			then: map[string]map[string]any{
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a stack with a handler
			f := newFixture()
			// WHEN the API is built
			tt.build(f)
			// THEN the template has the expected resources
			template := assertions.Template_FromStack(f.stack, nil)
			for typ, props := range tt.then {
				template.HasResourceProperties(jsii.String(typ), props)
			}
		})
	}
}

func TestDefaultRouteHasNoApiKey(t *testing.T) {
	// GIVEN an API requiring keys
	f := newFixture()
	api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()})
	api.AddRoute(websocketapi.Connect, f.fn, nil)
	// WHEN a message route is added
	api.AddRoute(websocketapi.Default, f.fn, nil)
	// THEN only $connect requires the key: API Gateway checks keys on $connect only
	assertions.Template_FromStack(f.stack, nil).HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
		"RouteKey": "$default", "ApiKeyRequired": false,
	})
}

func TestCallbacksAreScopedToTheStage(t *testing.T) {
	// GIVEN a handler that answers clients
	f := newFixture()
	api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{StageName: jsii.String("live")})
	api.AddRoute("echo", f.fn, nil)
	// WHEN it is allowed to call back
	api.AllowCallbacks(f.fn)
	template := assertions.Template_FromStack(f.stack, nil)
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
			websocketapi.CallbackUrlEnv: map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				"https://", ref("Api"), ".execute-api.",
			})}},
		}},
	})
}

func panicMessage(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic, want a clear error")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

func TestClearErrors(t *testing.T) {
	withKeys := &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()}
	tests := []struct {
		name  string
		build func(f fixture)
		want  []string
	}{
		{"authorizer on a message route", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddRoute("echo", f.fn, &websocketapi.RouteOptions{Authorizer: websocketapi.IamAuthorizer()})
		}, []string{`route "echo" sets an Authorizer`, "authorize on $connect only"}},
		{"authorizer on $default", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddRoute("$default", f.fn, &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("A"), f.fn, nil)})
		}, []string{`route "$default" sets an Authorizer`}},
		{"Cognito authorizer", func(f fixture) {
			pool := awscognito.NewUserPool(f.stack, jsii.String("Pool"), nil)
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddRoute(websocketapi.Connect, f.fn, &websocketapi.RouteOptions{CognitoUserPools: &[]awscognito.IUserPool{pool}})
		}, []string{"no Cognito authorizer", "websocketapi.NewLambdaAuthorizer", "authorizers/websocket/cmd", "verifies Cognito JWTs"}},
		{"unknown $ route", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddRoute("$message", f.fn, nil)
		}, []string{"route key must be $connect, $disconnect, $default or a custom key", `got "$message"`}},
		{"duplicate route", func(f fixture) {
			api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil)
			api.AddRoute("echo", f.fn, nil)
			api.AddRoute("echo", f.fn, nil)
		}, []string{`route "echo" is already defined`}},
		{"selection expression", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{RouteSelectionExpression: jsii.String("action")})
		}, []string{"RouteSelectionExpression must select a JSON property", `got "action"`}},
		{"bad stage name", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{StageName: jsii.String("$default")})
		}, []string{"stage name must be 1 to 128 letters", `got "$default"`}},
		{"duplicate stage", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddStage("prod", nil)
		}, []string{`stage "prod" is already defined`}},
		{"negative route throttle", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddRoute("echo", f.fn, &websocketapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(-5)}})
		}, []string{`route "echo" Throttle.RateLimit must be 0 or more`, "got -5"}},
		{"usage plan without API keys", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil).AddUsagePlan(jsii.String("Plan"), nil)
		}, []string{"meters only calls that carry an API key", "set ApiKeySelection"}},
		{"usage plan quota", func(f fixture) {
			websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), withKeys).AddUsagePlan(jsii.String("Plan"), &websocketapi.UsagePlanOptions{Quota: &awsapigatewayv2.QuotaSettings{Limit: jsii.Number(0)}})
		}, []string{"Quota.Limit must be a whole number of 1 or more", "got 0"}},
		{"bad identity source", func(f fixture) {
			websocketapi.NewLambdaAuthorizer(jsii.String("A"), f.fn, &websocketapi.LambdaAuthorizerProps{IdentitySources: jsii.Strings("$request.querystring.token")})
		}, []string{"identity source must be route.request.header.NAME", `got "$request.querystring.token"`}},
		{"empty identity sources", func(f fixture) {
			websocketapi.NewLambdaAuthorizer(jsii.String("A"), f.fn, &websocketapi.LambdaAuthorizerProps{IdentitySources: &[]*string{}})
		}, []string{"IdentitySources must name at least one source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(t, func() { tt.build(newFixture()) })
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q\ndoes not contain %q", msg, want)
				}
			}
		})
	}
}

func TestApiKeysWithoutConnectFailSynth(t *testing.T) {
	// GIVEN an API requiring keys but with no $connect route
	f := newFixture()
	websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{ApiKeySelection: awsapigatewayv2.WebSocketApiKeySelectionExpression_HEADER_X_API_KEY()}).
		AddRoute(websocketapi.Default, f.fn, nil)
	// WHEN it is synthesized THEN synth fails and says what to add
	msg := panicMessage(t, func() { assertions.Template_FromStack(f.stack, nil) })
	if !strings.Contains(msg, "there is no $connect route") {
		t.Errorf("error %q does not say $connect is missing", msg)
	}
}

func TestWebSocketApiIsAConstruct(t *testing.T) {
	// GIVEN a WebSocketApi
	f := newFixture()
	api := websocketapi.NewWebSocketApi(f.stack, jsii.String("Api"), nil)
	// WHEN it is used where CDK expects a construct
	awscdk.NewCfnOutput(api, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	// THEN CDK finds its stack and its children
	if got := *awscdk.Stack_Of(api).StackName(); got != "Stack" {
		t.Errorf("Stack_Of(api) = %q, want Stack", got)
	}
	if got := *api.Api().Node().Path(); got != "Stack/Api/Resource" {
		t.Errorf("the WebSocket API is at %q, want Stack/Api/Resource", got)
	}
	outputs := assertions.Template_FromStack(f.stack, nil).FindOutputs(jsii.String("*"), nil)
	if len(*outputs) != 1 {
		t.Errorf("got outputs %v, want the one added under the API", *outputs)
	}
}
