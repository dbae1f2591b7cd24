package httpapi_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/httpapi"
	"github.com/portico-dev/portico/constructs/internal/constructstest"
)

func newPool(stack awscdk.Stack) (awscognito.UserPool, awscognito.UserPoolClient) {
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	return pool, pool.AddClient(jsii.String("Client"), nil)
}

func TestHttpApi(t *testing.T) {
	constructstest.RunTemplateCases(t, []constructstest.TemplateCase{
		{
			Name: "defaults: HTTP API, $default stage with JSON access logs, payload 2.0",
			Build: func(f constructstest.Fixture) {
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /items/{id}", f.Fn, nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api": {"Name": "Api", "ProtocolType": "HTTP", "CorsConfiguration": assertions.Match_Absent()},
				"AWS::ApiGatewayV2::Stage": {
					"StageName":  "$default",
					"AutoDeploy": true,
					"AccessLogSettings": map[string]any{
						"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiStageAccessLogs")), "Arn"}},
						"Format":         httpapi.AccessLogFormat,
					},
					"RouteSettings": assertions.Match_Absent(),
				},
				"AWS::Logs::LogGroup":            {"RetentionInDays": 30},
				"AWS::ApiGatewayV2::Route":       {"RouteKey": "GET /items/{id}", "AuthorizationType": "NONE"},
				"AWS::ApiGatewayV2::Integration": {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0"},
			},
		},
		{
			Name: "payload 1.0, name, description, no execute-api endpoint",
			Build: func(f constructstest.Fixture) {
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{
					ApiName: jsii.String("orders"), Description: jsii.String("Orders"),
					PayloadFormatVersion: jsii.String("1.0"), DisableExecuteApiEndpoint: jsii.Bool(true),
				}).AddRoute("$default", f.Fn, nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api":         {"Name": "orders", "Description": "Orders", "DisableExecuteApiEndpoint": true},
				"AWS::ApiGatewayV2::Route":       {"RouteKey": "$default"},
				"AWS::ApiGatewayV2::Integration": {"PayloadFormatVersion": "1.0"},
			},
		},
		{
			Name: "CORS",
			Build: func(f constructstest.Fixture) {
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{Cors: &awsapigatewayv2.CorsPreflightOptions{
					AllowOrigins: jsii.Strings("https://app.example.com"), AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{awsapigatewayv2.CorsHttpMethod_GET},
					AllowCredentials: jsii.Bool(true),
				}})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Api": {"CorsConfiguration": map[string]any{
					"AllowOrigins": []any{"https://app.example.com"}, "AllowMethods": []any{"GET"}, "AllowCredentials": true,
				}},
			},
		},
		{
			Name: "named default stage with variables, throttling and retention",
			Build: func(f constructstest.Fixture) {
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{
					StageName: jsii.String("prod"),
					Stage: &httpapi.StageOptions{
						Description:        jsii.String("production"),
						StageVariables:     &map[string]*string{"table": jsii.String("orders-prod")},
						Throttle:           &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(100), BurstLimit: jsii.Number(50)},
						AccessLogRetention: awslogs.RetentionDays_ONE_WEEK,
					},
				})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {
					"StageName": "prod", "Description": "production",
					"StageVariables":       map[string]any{"table": "orders-prod"},
					"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 50},
				},
				"AWS::Logs::LogGroup": {"RetentionInDays": 7},
			},
		},
		{
			Name: "AddStage adds a second stage with its own variables and log group",
			Build: func(f constructstest.Fixture) {
				api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
				api.AddStage("dev", &httpapi.StageOptions{StageVariables: &map[string]*string{"table": jsii.String("orders-dev")}})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {
					"StageName": "dev", "AutoDeploy": true, "StageVariables": map[string]any{"table": "orders-dev"},
					"AccessLogSettings": map[string]any{
						"DestinationArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiStagedevAccessLogs")), "Arn"}},
						"Format":         httpapi.AccessLogFormat,
					},
				},
			},
		},
		{
			Name: "per-route throttling lands on every stage, added before or after the route",
			Build: func(f constructstest.Fixture) {
				api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
				api.AddRoute("POST /orders", f.Fn, &httpapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(5), BurstLimit: jsii.Number(10)}})
				api.AddStage("dev", nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Stage": {"StageName": "dev", "RouteSettings": map[string]any{
					"POST /orders": map[string]any{"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10},
				}},
			},
		},
		{
			Name: "JWT authorizer for any OIDC issuer, scopes per route",
			Build: func(f constructstest.Fixture) {
				auth := httpapi.NewJwtAuthorizer(jsii.String("Oidc"), &httpapi.JwtAuthorizerProps{
					Issuer: jsii.String("https://issuer.example.com"), Audiences: jsii.Strings("my-client"),
				})
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /admin", f.Fn, &httpapi.RouteOptions{
					Authorizer: auth, AuthorizationScopes: jsii.Strings("api/admin"),
				})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {
					"AuthorizerType": "JWT", "Name": "Oidc", "IdentitySource": []any{"$request.header.Authorization"},
					"JwtConfiguration": map[string]any{"Issuer": "https://issuer.example.com", "Audience": []any{"my-client"}},
				},
				"AWS::ApiGatewayV2::Route": {"RouteKey": "GET /admin", "AuthorizationType": "JWT", "AuthorizationScopes": []any{"api/admin"}},
			},
		},
		{
			Name: "default scopes apply with the default JWT authorizer; name and identity source",
			Build: func(f constructstest.Fixture) {
				auth := httpapi.NewJwtAuthorizer(jsii.String("Oidc"), &httpapi.JwtAuthorizerProps{
					Issuer: jsii.String("https://issuer.example.com"), Audiences: jsii.Strings("my-client"),
					IdentitySource: jsii.String("$request.header.X-Token"), AuthorizerName: jsii.String("oidc"),
				})
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{
					DefaultAuthorizer: auth, DefaultAuthorizationScopes: jsii.Strings("api/read"),
				}).AddRoute("GET /items", f.Fn, nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {"Name": "oidc", "IdentitySource": []any{"$request.header.X-Token"}},
				"AWS::ApiGatewayV2::Route":      {"RouteKey": "GET /items", "AuthorizationType": "JWT", "AuthorizationScopes": []any{"api/read"}},
			},
		},
		{
			Name: "user pool authorizer: issuer and audience derived from the pool and client",
			Build: func(f constructstest.Fixture) {
				pool, client := newPool(f.Stack)
				auth := httpapi.NewUserPoolAuthorizer(jsii.String("Cognito"), &httpapi.UserPoolAuthorizerProps{
					UserPool: pool, Clients: &[]awscognito.IUserPoolClient{client},
				})
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{DefaultAuthorizer: auth}).AddRoute("GET /me", f.Fn, nil)
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {
					"AuthorizerType": "JWT",
					"JwtConfiguration": map[string]any{
						"Audience": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^PoolClient"))}},
						"Issuer": map[string]any{"Fn::Join": []any{"", []any{
							"https://cognito-idp.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com/",
							map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Pool"))},
						}}},
					},
				},
				"AWS::ApiGatewayV2::Route": {"RouteKey": "GET /me", "AuthorizationType": "JWT"},
			},
		},
		{
			Name: "Lambda authorizer: simple responses, payload 2.0, identity sources, cache TTL",
			Build: func(f constructstest.Fixture) {
				auth := httpapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.Fn, &httpapi.LambdaAuthorizerProps{
					IdentitySources: jsii.Strings("$request.header.Authorization", httpapi.RouteKeySource),
					ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(60)),
					AuthorizerName:  jsii.String("go-authorizer"),
				})
				httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /me", f.Fn, &httpapi.RouteOptions{Authorizer: auth})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Authorizer": {
					"AuthorizerType": "REQUEST", "Name": "go-authorizer", "AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": true,
					"IdentitySource":               []any{"$request.header.Authorization", "$context.routeKey"},
					"AuthorizerResultTtlInSeconds": 60,
				},
				"AWS::ApiGatewayV2::Route": {"AuthorizationType": "CUSTOM"},
			},
		},
		{
			Name: "NoneAuthorizer makes one route public under a default authorizer",
			Build: func(f constructstest.Fixture) {
				api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{DefaultAuthorizer: httpapi.IamAuthorizer()})
				api.AddRoute("GET /private", f.Fn, nil)
				api.AddRoute("GET /health", f.Fn, &httpapi.RouteOptions{Authorizer: httpapi.NoneAuthorizer()})
			},
			Then: map[string]map[string]any{
				"AWS::ApiGatewayV2::Route": {"RouteKey": "GET /health", "AuthorizationType": "NONE"},
			},
		},
	})
}

func TestDefaultAuthorizerAppliesToRoutes(t *testing.T) {
	// GIVEN an API whose default authorizer is IAM
	f := constructstest.NewFixture()
	api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{DefaultAuthorizer: httpapi.IamAuthorizer()})
	// WHEN a route names no authorizer
	api.AddRoute("GET /private", f.Fn, nil)
	// THEN it uses IAM
	assertions.Template_FromStack(f.Stack, nil).HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
		"RouteKey": "GET /private", "AuthorizationType": "AWS_IAM",
	})
}

func TestThrottledRouteIsCreatedBeforeStages(t *testing.T) {
	// GIVEN a throttled route
	f := constructstest.NewFixture()
	api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
	route := api.AddRoute("POST /orders", f.Fn, &httpapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(5)}})
	api.AddStage("dev", nil)
	// THEN both stages depend on it: CloudFormation rejects settings for a route it has not made
	routeID := *f.Stack.GetLogicalId(route.Node().DefaultChild().(awscdk.CfnElement))
	stages := assertions.Template_FromStack(f.Stack, nil).FindResources(jsii.String("AWS::ApiGatewayV2::Stage"), nil)
	if len(*stages) != 2 {
		t.Fatalf("got %d stages, want 2", len(*stages))
	}
	for id, r := range *stages {
		deps, _ := (*r)["DependsOn"].([]any)
		if !containsAny(deps, routeID) {
			t.Errorf("stage %s DependsOn %v, want it to include %s", id, deps, routeID)
		}
	}
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestGrantInvokeIsScopedToTheRoute(t *testing.T) {
	// GIVEN an IAM-authorized route and a role
	f := constructstest.NewFixture()
	api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{StageName: jsii.String("prod"), DefaultAuthorizer: httpapi.IamAuthorizer()})
	api.AddRoute("GET /reports/{id}", f.Fn, nil)
	role := awsiam.NewRole(f.Stack, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	// WHEN the role is granted the route
	api.GrantInvoke(role, "GET /reports/{id}")
	// THEN the policy names the stage, method and path (the parameter as a wildcard), not "*"
	template := assertions.Template_FromStack(f.Stack, nil)
	template.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:Invoke",
			"Resource": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Api"))},
				"/prod/GET/reports/*",
			})}},
		}}},
	})
}

func TestGrantInvokeCoversTheStagesItNames(t *testing.T) {
	// GIVEN an IAM-authorized route on an API with stages prod and dev
	f := constructstest.NewFixture()
	api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{StageName: jsii.String("prod")})
	api.AddStage("dev", nil)
	api.AddRoute("ANY /reports", f.Fn, &httpapi.RouteOptions{Authorizer: httpapi.IamAuthorizer()})
	role := awsiam.NewRole(f.Stack, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	// WHEN the role is granted the route on both stages
	api.GrantInvoke(role, "ANY /reports", "dev", "prod")
	// THEN the policy has one execute-api ARN per stage ("Resource format of permissions for
	// executing API in API Gateway": {api-id}/{stage}/{METHOD}/{path}, * for any method)
	arn := func(suffix string) any {
		return map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Api"))}, suffix})}}
	}
	assertions.Template_FromStack(f.Stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:Invoke", "Resource": []any{arn("/dev/*/reports"), arn("/prod/*/reports")},
		}}},
	})
}

func TestClearErrors(t *testing.T) {
	constructstest.RunPanicCases(t, []constructstest.PanicCase{
		{Name: "resource policy", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{Policy: awsiam.NewPolicyDocument(nil)})
		}, Want: []string{"HTTP APIs have no resource policy", "restapi.NewPrivateRestApi"}},
		{Name: "private endpoint", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{EndpointType: awsapigateway.EndpointType_PRIVATE})
		}, Want: []string{"no private endpoint", `"PRIVATE"`, "restapi.NewPrivateRestApi"}},
		{Name: "edge endpoint", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{EndpointType: awsapigateway.EndpointType_EDGE})
		}, Want: []string{"regional only", `"EDGE"`, "allowed: REGIONAL"}},
		{Name: "API key / usage plan", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /x", f.Fn, &httpapi.RouteOptions{ApiKeyRequired: jsii.Bool(true)})
		}, Want: []string{`route "GET /x"`, "no API keys or usage plans", "restapi.NewPublicRestApi with AddUsagePlan"}},
		{Name: "REST-kind Cognito authorizer", Build: func(f constructstest.Fixture) {
			pool, _ := newPool(f.Stack)
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /x", f.Fn, &httpapi.RouteOptions{CognitoUserPools: &[]awscognito.IUserPool{pool}})
		}, Want: []string{"no COGNITO_USER_POOLS authorizer", "httpapi.NewUserPoolAuthorizer", "restapi.NewPublicRestApi with AddCognitoAuthorizer"}},
		{Name: "payload version", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{PayloadFormatVersion: jsii.String("3.0")})
		}, Want: []string{`"2.0" or "1.0"`, `got "3.0"`}},
		{Name: "CORS credentials with any origin", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{Cors: &awsapigatewayv2.CorsPreflightOptions{
				AllowOrigins: jsii.Strings("*"), AllowCredentials: jsii.Bool(true)}})
		}, Want: []string{"AllowCredentials cannot be used with AllowOrigins \"*\""}},
		{Name: "bad stage name", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{StageName: jsii.String("my stage")})
		}, Want: []string{`got "my stage"`, `letters, digits, "-" or "_"`}},
		{Name: "second $default stage", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{StageName: jsii.String("prod")}).AddStage("$default", nil)
		}, Want: []string{`only the stage created with the API can be "$default"`}},
		{Name: "duplicate stage", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{StageName: jsii.String("prod")}).AddStage("prod", nil)
		}, Want: []string{`stage "prod" is already defined`}},
		{Name: "negative stage throttle", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), &httpapi.HttpApiProps{Stage: &httpapi.StageOptions{
				Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(-1)}}})
		}, Want: []string{"RateLimit must be 0 or more", "got -1"}},
		{Name: "fractional route burst", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /x", f.Fn, &httpapi.RouteOptions{
				Throttle: &awsapigatewayv2.ThrottleSettings{BurstLimit: jsii.Number(1.5)}})
		}, Want: []string{`route "GET /x" Throttle.BurstLimit must be a whole number`, "got 1.5"}},
		{Name: "unknown method", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("FETCH /x", f.Fn, nil)
		}, Want: []string{`"$default" or "METHOD /path"`, "ANY, GET", `got "FETCH /x"`}},
		{Name: "trailing slash", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET orders/", f.Fn, nil)
		}, Want: []string{`route path must start with "/" and not end with "/", got "orders/"`}},
		{Name: "greedy parameter not last", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /{proxy+}/x", f.Fn, nil)
		}, Want: []string{"greedy path parameter {proxy+} must be the last segment"}},
		{Name: "space in the path", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /my items", f.Fn, nil)
		}, Want: []string{`route path "/my items" has " "`, `no spaces, "?" or "#"`}},
		{Name: "query string in the path", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /items?id=1", f.Fn, nil)
		}, Want: []string{`route path "/items?id=1" has "?"`}},
		{Name: "fragment in the path", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /items#top", f.Fn, nil)
		}, Want: []string{`route path "/items#top" has "#"`}},
		{Name: "tab in the path", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /a\tb", f.Fn, nil)
		}, Want: []string{`route path "/a\tb" has "\t"`}},
		{Name: "partial path parameter", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /items/id{id}", f.Fn, nil)
		}, Want: []string{"a path parameter must be a whole segment", `got "id{id}"`}},
		{Name: "duplicate route", Build: func(f constructstest.Fixture) {
			api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute("GET /x", f.Fn, nil)
			api.AddRoute("GET /x", f.Fn, nil)
		}, Want: []string{`route "GET /x" is already defined`}},
		{Name: "scopes without JWT authorizer", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).AddRoute("GET /x", f.Fn, &httpapi.RouteOptions{
				Authorizer: httpapi.IamAuthorizer(), AuthorizationScopes: jsii.Strings("api/admin")})
		}, Want: []string{"need a JWT authorizer", "got a AWS_IAM authorizer"}},
		{Name: "grant on an unknown route", Build: func(f constructstest.Fixture) {
			httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil).GrantInvoke(awsiam.NewAccountRootPrincipal(), "GET /nope")
		}, Want: []string{`GrantInvoke: no route "GET /nope"`}},
		{Name: "grant of a route without IAM", Build: func(f constructstest.Fixture) {
			api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute("GET /open", f.Fn, nil)
			api.GrantInvoke(f.Fn, "GET /open")
		}, Want: []string{`GrantInvoke: route "GET /open" uses NONE, so an IAM grant has no effect on it`, "httpapi.IamAuthorizer()"}},
		{Name: "grant on a stage the API lacks", Build: func(f constructstest.Fixture) {
			api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute("GET /x", f.Fn, &httpapi.RouteOptions{Authorizer: httpapi.IamAuthorizer()})
			api.GrantInvoke(f.Fn, "GET /x", "prod")
		}, Want: []string{`GrantInvoke "GET /x": no stage "prod"; the API's stages are ["$default"]`}},
		{Name: "JWT issuer not https", Build: func(constructstest.Fixture) {
			httpapi.NewJwtAuthorizer(jsii.String("A"), &httpapi.JwtAuthorizerProps{Issuer: jsii.String("http://issuer"), Audiences: jsii.Strings("c")})
		}, Want: []string{"Issuer must be an https URL", `got "http://issuer"`}},
		{Name: "JWT without audiences", Build: func(constructstest.Fixture) {
			httpapi.NewJwtAuthorizer(jsii.String("A"), &httpapi.JwtAuthorizerProps{Issuer: jsii.String("https://issuer")})
		}, Want: []string{"Audiences must name at least one audience"}},
		{Name: "user pool without clients", Build: func(f constructstest.Fixture) {
			pool, _ := newPool(f.Stack)
			httpapi.NewUserPoolAuthorizer(jsii.String("A"), &httpapi.UserPoolAuthorizerProps{UserPool: pool})
		}, Want: []string{"Clients must name at least one app client"}},
		{Name: "bad identity source", Build: func(f constructstest.Fixture) {
			httpapi.NewLambdaAuthorizer(jsii.String("A"), f.Fn, &httpapi.LambdaAuthorizerProps{IdentitySources: jsii.Strings("Authorization")})
		}, Want: []string{"identity source must be $request.header.NAME", `got "Authorization"`}},
		{Name: "cache TTL over an hour", Build: func(f constructstest.Fixture) {
			httpapi.NewLambdaAuthorizer(jsii.String("A"), f.Fn, &httpapi.LambdaAuthorizerProps{ResultsCacheTtl: awscdk.Duration_Hours(jsii.Number(2))})
		}, Want: []string{"ResultsCacheTtl must be between 0 (no caching) and 1 hour", "got 2 hours"}},
	})
}

func TestAuthorizerCacheWarning(t *testing.T) {
	const warning = "@portico/httpapi:authorizerCacheSharedByRoutes"
	tests := []struct {
		name   string
		props  *httpapi.LambdaAuthorizerProps
		routes []string
		want   bool
	}{
		{"cached, two routes, no routeKey source", nil, []string{"GET /a", "DELETE /a"}, true},
		{"cached, one route", nil, []string{"GET /a"}, false},
		{"routeKey is an identity source", &httpapi.LambdaAuthorizerProps{IdentitySources: jsii.Strings(httpapi.DefaultIdentitySource, httpapi.RouteKeySource)}, []string{"GET /a", "DELETE /a"}, false},
		{"caching off", &httpapi.LambdaAuthorizerProps{ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0))}, []string{"GET /a", "DELETE /a"}, false},
		{"same decision for every route", &httpapi.LambdaAuthorizerProps{SameDecisionForEveryRoute: jsii.Bool(true)}, []string{"GET /a", "DELETE /a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a Lambda authorizer
			f := constructstest.NewFixture()
			auth := httpapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.Fn, tt.props)
			// WHEN routes use it
			api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
			for _, r := range tt.routes {
				api.AddRoute(r, f.Fn, &httpapi.RouteOptions{Authorizer: auth})
			}
			// THEN synth warns exactly when a cached decision can leak across routes
			found := assertions.Annotations_FromStack(f.Stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("reuses the decision made for one route")))
			if got := len(*found) > 0; got != tt.want {
				t.Errorf("warning %s present = %v, want %v", warning, got, tt.want)
			}
		})
	}
}

func TestHttpApiIsAConstruct(t *testing.T) {
	// GIVEN an HttpApi
	f := constructstest.NewFixture()
	api := httpapi.NewHttpApi(f.Stack, jsii.String("Api"), nil)
	// WHEN it is used where CDK expects a construct
	awscdk.NewCfnOutput(api, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	// THEN CDK finds its stack and its children
	if got := *awscdk.Stack_Of(api).StackName(); got != "Stack" {
		t.Errorf("Stack_Of(api) = %q, want Stack", got)
	}
	if got := *api.Api().Node().Path(); got != "Stack/Api/Resource" {
		t.Errorf("the HTTP API is at %q, want Stack/Api/Resource", got)
	}
	outputs := assertions.Template_FromStack(f.Stack, nil).FindOutputs(jsii.String("*"), nil)
	if len(*outputs) != 1 {
		t.Errorf("got outputs %v, want the one added under the API", *outputs)
	}
}

func TestFromHttpApiAttributes(t *testing.T) {
	// GIVEN an HTTP API in one stack
	owner := constructstest.NewFixture()
	api := httpapi.NewHttpApi(owner.Stack, jsii.String("Api"), nil)
	api.AddRoute("POST /owned", owner.Fn, &httpapi.RouteOptions{Authorizer: httpapi.IamAuthorizer()})

	// WHEN another stack imports it, adds an IAM-authorized route, and grants a role both routes
	other := owner.Other("Other")
	imported := httpapi.FromHttpApiAttributes(other.Stack, jsii.String("Api"), &httpapi.HttpApiAttributes{
		HttpApiId: api.Api().ApiId(), PayloadFormatVersion: jsii.String("1.0"),
	})
	imported.AddRoute("GET /added/{id}", other.Fn, &httpapi.RouteOptions{Authorizer: httpapi.IamAuthorizer()})
	role := awsiam.NewRole(other.Stack, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	imported.GrantInvoke(role, "GET /added/{id}")
	imported.GrantInvoke(role, "POST /owned")
	awscdk.NewCfnOutput(other.Stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: imported.Url()})

	// THEN the other stack's template holds them, on the owner's API and its $default stage
	apiRef := constructstest.ImportValue("ExportsOutputRefApi")
	tmpl := assertions.Template_FromStack(other.Stack, nil)
	constructstest.HasResources(t, tmpl, map[string]constructstest.Resource{
		"the route on the owner's API": {Type: "AWS::ApiGatewayV2::Route", Props: map[string]any{
			"ApiId": apiRef, "RouteKey": "GET /added/{id}", "AuthorizationType": "AWS_IAM",
		}},
		"its integration, with the import's payload format": {Type: "AWS::ApiGatewayV2::Integration", Props: map[string]any{
			"ApiId": apiRef, "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "1.0",
		}},
		"the grants, on the $default stage": {Type: "AWS::IAM::Policy", Props: map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow",
					"Resource": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{apiRef, "/$default/GET/added/*"})}}},
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow",
					"Resource": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{apiRef, "/$default/POST/owned"})}}},
			}},
		}},
	})
	t.Run("no stage of its own", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Stage"), jsii.Number(0))
	})
	t.Run("Url is the $default stage's, at the root", func(t *testing.T) {
		tmpl.HasOutput(jsii.String("Url"), map[string]any{"Value": map[string]any{"Fn::Join": []any{"", []any{
			"https://", apiRef, ".execute-api.", map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"}, "/",
		}}}})
	})
}

func TestImportedHttpApiRefusals(t *testing.T) {
	imported := func(f constructstest.Fixture) httpapi.HttpApi {
		return httpapi.FromHttpApiAttributes(f.Stack, jsii.String("Api"), &httpapi.HttpApiAttributes{HttpApiId: jsii.String("a1b2c3d4e5")})
	}
	owned := "belong to the stack that created"
	constructstest.RunPanicCases(t, []constructstest.PanicCase{
		{Name: "no HttpApiId", Build: func(f constructstest.Fixture) {
			httpapi.FromHttpApiAttributes(f.Stack, jsii.String("Api"), nil)
		}, Want: []string{"HttpApi Stack/Api: HttpApiId is required"}},
		{Name: "bad StageName", Build: func(f constructstest.Fixture) {
			httpapi.FromHttpApiAttributes(f.Stack, jsii.String("Api"), &httpapi.HttpApiAttributes{HttpApiId: jsii.String("a1b2c3d4e5"), StageName: jsii.String("a/b")})
		}, Want: []string{"StageName must be", `got "a/b"`}},
		{Name: "bad PayloadFormatVersion", Build: func(f constructstest.Fixture) {
			httpapi.FromHttpApiAttributes(f.Stack, jsii.String("Api"), &httpapi.HttpApiAttributes{HttpApiId: jsii.String("a1b2c3d4e5"), PayloadFormatVersion: jsii.String("3.0")})
		}, Want: []string{`PayloadFormatVersion must be "2.0" or "1.0", got "3.0"`}},
		{Name: "DefaultStage", Build: func(f constructstest.Fixture) { imported(f).DefaultStage() },
			Want: []string{"HttpApi Stack/Api: DefaultStage is not supported on an imported API", owned}},
		{Name: "AddStage", Build: func(f constructstest.Fixture) { imported(f).AddStage("dev", nil) },
			Want: []string{"AddStage is not supported on an imported API", owned}},
		{Name: "route throttle", Build: func(f constructstest.Fixture) {
			imported(f).AddRoute("GET /x", f.Fn, &httpapi.RouteOptions{Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(1)}})
		}, Want: []string{"AddRoute with RouteOptions.Throttle is not supported on an imported API", owned}},
		{Name: "grant with a bad route key", Build: func(f constructstest.Fixture) {
			imported(f).GrantInvoke(f.Fn, "GET items")
		}, Want: []string{`route path must start with "/"`, `got "items"`}},
		{Name: "grant on a malformed stage", Build: func(f constructstest.Fixture) {
			imported(f).GrantInvoke(f.Fn, "GET /items", "a/b")
		}, Want: []string{`stage name must be 1 to 128 letters, digits, "-" or "_" or "$default", got "a/b"`}},
	})
}
