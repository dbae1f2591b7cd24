package restapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/policy"
	"github.com/portico-dev/portico/constructs/restapi"
)

// fn is a stand-in handler: the constructs take any awslambda.IFunction, and inline code keeps
// these tests free of go build.
func fn(scope awscdk.Stack, id string) awslambda.Function {
	return awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_LATEST(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({statusCode: 200})")),
	})
}

func newStack() awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
}

func public() *restapi.RouteOptions { return &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true)} }

func TestPublicRestApi(t *testing.T) {
	// GIVEN a public API with a route, two stages and a resource policy
	stack := newStack()
	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{
		RestApiOptions: restapi.RestApiOptions{
			Stages: &[]*restapi.StageProps{
				{Name: jsii.String("dev"), Variables: &map[string]*string{"color": jsii.String("blue")}, TracingEnabled: jsii.Bool(true)},
				{Name: jsii.String("prod"), ThrottlingRateLimit: jsii.Number(100), ThrottlingBurstLimit: jsii.Number(200)},
			},
			Policy: policy.New().Allow(policy.Cidrs("203.0.113.0/24")).Allow(policy.Roles("arn:aws:iam::098765432109:role/MyRole")),
		},
	})
	// WHEN routes are added
	h := fn(stack, "Handler")
	api.AddRoute("GET", "/orders/{id}", h, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Throttle: &restapi.Throttle{RateLimit: jsii.Number(5), BurstLimit: jsii.Number(10)}})
	api.AddRoute("POST", "/orders", h, iam()) // the role's route
	tmpl := assertions.Template_FromStack(stack, nil)

	// THEN
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"regional, TLS 1.2, policy", "AWS::ApiGateway::RestApi", map[string]any{
			"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
			"SecurityPolicy":        "TLS_1_2",
			"Policy": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": "*", "Resource": "execute-api:/*",
					"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}}},
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::098765432109:role/MyRole"}, "Resource": "execute-api:/*"},
			}}),
		}},
		{"request validation on", "AWS::ApiGateway::RequestValidator", map[string]any{"ValidateRequestBody": true, "ValidateRequestParameters": true}},
		{"dev stage: variables, tracing, JSON access logs", "AWS::ApiGateway::Stage", map[string]any{
			"StageName": "dev", "Variables": map[string]any{"color": "blue"}, "TracingEnabled": true,
			"AccessLogSetting": assertions.Match_ObjectLike(&map[string]any{"Format": assertions.Match_StringLikeRegexp(jsii.String(`^\{"requestId":"\$context.requestId"`))}),
			"MethodSettings":   assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"HttpMethod": "*", "ResourcePath": "/*", "LoggingLevel": "ERROR", "DataTraceEnabled": false})}),
		}},
		{"prod stage throttle and method throttle", "AWS::ApiGateway::Stage", map[string]any{
			"StageName": "prod",
			"MethodSettings": []any{
				assertions.Match_ObjectLike(&map[string]any{"HttpMethod": "*", "ResourcePath": "/*", "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200}),
				assertions.Match_ObjectLike(&map[string]any{"HttpMethod": "GET", "ResourcePath": "/~1orders~1{id}", "ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10}),
			},
		}},
		{"access logs kept a year", "AWS::Logs::LogGroup", map[string]any{"RetentionInDays": 365}},
		{"lambda proxy integration, no authorizer by choice", "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod": "GET", "AuthorizationType": "NONE",
			"RequestValidatorId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Validator"))},
			"Integration": assertions.Match_ObjectLike(&map[string]any{"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
				"Uri": map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":apigateway:us-east-1:lambda:path/2015-03-31/functions/", map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("Handler")), "Arn"}}, "/invocations"}}}}),
		}},
		{"invoke permission scoped to method and path on every stage", "AWS::Lambda::Permission", map[string]any{
			"Principal": "apigateway.amazonaws.com",
			"SourceArn": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{"/*/GET/orders/*"})}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tmpl.HasResourceProperties(jsii.String(tt.typ), tt.props) })
	}
	t.Run("two stages share one deployment", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Deployment"), jsii.Number(1))
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Stage"), jsii.Number(2))
		tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2))
	})
}

func TestEdge(t *testing.T) {
	stack := newStack()
	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{EndpointType: awsapigateway.EndpointType_EDGE})
	api.AddRoute("GET", "/", fn(stack, "H"), public())
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
		"EndpointConfiguration": map[string]any{"Types": []any{"EDGE"}},
	})
}

func TestPrivateRestApi(t *testing.T) {
	tests := []struct {
		name   string
		props  func(awscdk.Stack) *restapi.PrivateRestApiProps
		checks func(t *testing.T, tmpl assertions.Template)
	}{
		{"endpoint created in the VPC", func(s awscdk.Stack) *restapi.PrivateRestApiProps {
			return &restapi.PrivateRestApiProps{Vpc: awsec2.NewVpc(s, jsii.String("Vpc"), nil)}
		}, func(t *testing.T, tmpl assertions.Template) {
			tmpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), map[string]any{
				"VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
				"ServiceName": assertions.Match_StringLikeRegexp(jsii.String("execute-api")),
			})
			tmpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
				"SecurityGroupIngress": []any{map[string]any{"CidrIp": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("Vpc")), "CidrBlock"}},
					"FromPort": 443, "ToPort": 443, "IpProtocol": "tcp", "Description": "HTTPS from the VPC"}},
			})
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
				"EndpointConfiguration": map[string]any{"Types": []any{"PRIVATE"}, "VpcEndpointIds": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Endpoint"))}}},
				"Policy": map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": "*", "Resource": "execute-api:/*"},
					map[string]any{"Action": "execute-api:Invoke", "Effect": "Deny", "Principal": "*", "Resource": "execute-api:/*",
						"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Endpoint"))}}}},
				}},
			})
		}},
		{"imported endpoints, restricted by VPC, user's narrower Allow kept", func(s awscdk.Stack) *restapi.PrivateRestApiProps {
			return &restapi.PrivateRestApiProps{
				VpcEndpointIds:   jsii.Strings("vpce-0123456789abcdef0", "vpce-0123456789abcdef1"),
				RestrictToVpcIds: jsii.Strings("vpc-0123456789abcdef0"),
				RestApiOptions:   restapi.RestApiOptions{Policy: policy.New().Allow(policy.Cidrs("10.1.0.0/16"))},
			}
		}, func(t *testing.T, tmpl assertions.Template) {
			tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(0))
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
				"EndpointConfiguration": map[string]any{"Types": []any{"PRIVATE"}, "VpcEndpointIds": []any{"vpce-0123456789abcdef0", "vpce-0123456789abcdef1"}},
				"Policy": map[string]any{"Version": "2012-10-17", "Statement": []any{
					map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": "*", "Resource": "execute-api:/*",
						"Condition": map[string]any{"IpAddress": map[string]any{"aws:VpcSourceIp": "10.1.0.0/16"}}},
					map[string]any{"Action": "execute-api:Invoke", "Effect": "Deny", "Principal": "*", "Resource": "execute-api:/*",
						"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpc": "vpc-0123456789abcdef0"}}},
				}},
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := newStack()
			api := restapi.NewPrivateRestApi(stack, jsii.String("Api"), tt.props(stack))
			api.AddRoute("GET", "/", fn(stack, "H"), public())
			tt.checks(t, assertions.Template_FromStack(stack, nil))
		})
	}
}

func TestAuthorizers(t *testing.T) {
	// GIVEN an API with each kind of authorizer
	stack := newStack()
	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), nil)
	h, authFn := fn(stack, "Handler"), fn(stack, "AuthFn")
	token := api.AddTokenAuthorizer(jsii.String("Token"), &restapi.LambdaAuthorizerProps{Function: authFn, ValidationRegex: jsii.String(`^Bearer [-0-9a-zA-Z._]+$`), CacheTtlSeconds: jsii.Number(0)})
	request := api.AddRequestAuthorizer(jsii.String("Request"), &restapi.LambdaAuthorizerProps{Function: authFn, IdentitySources: jsii.Strings("method.request.header.Authorization", "context.sourceIp")})
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	cognito := api.AddCognitoAuthorizer(jsii.String("Cognito"), &restapi.CognitoAuthorizerProps{UserPools: &[]awscognito.IUserPool{pool}, Scopes: jsii.Strings("orders/read")})
	// WHEN routes use them
	api.AddRoute("GET", "/token", h, &restapi.RouteOptions{Authorizer: token})
	api.AddRoute("GET", "/request", h, &restapi.RouteOptions{Authorizer: request, ApiKeyRequired: jsii.Bool(true)})
	api.AddRoute("GET", "/cognito", h, &restapi.RouteOptions{Authorizer: cognito})
	api.AddRoute("POST", "/cognito", h, &restapi.RouteOptions{Authorizer: cognito, Scopes: jsii.Strings("orders/write")})
	tmpl := assertions.Template_FromStack(stack, nil)

	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"TOKEN with regex and no cache", "AWS::ApiGateway::Authorizer", map[string]any{
			"Type": "TOKEN", "IdentitySource": "method.request.header.Authorization", "IdentityValidationExpression": `^Bearer [-0-9a-zA-Z._]+$`, "AuthorizerResultTtlInSeconds": 0,
		}},
		{"REQUEST with identity sources, cache 300 s", "AWS::ApiGateway::Authorizer", map[string]any{
			"Type": "REQUEST", "IdentitySource": "method.request.header.Authorization,context.sourceIp", "AuthorizerResultTtlInSeconds": 300,
		}},
		{"Cognito", "AWS::ApiGateway::Authorizer", map[string]any{
			"Type": "COGNITO_USER_POOLS", "ProviderARNs": []any{map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("Pool")), "Arn"}}},
		}},
		{"Cognito scopes switch to access tokens", "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizationScopes": []any{"orders/read"},
		}},
		{"route scopes override", "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod": "POST", "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizationScopes": []any{"orders/write"},
		}},
		{"custom authorizer and API key on a method", "AWS::ApiGateway::Method", map[string]any{
			"AuthorizationType": "CUSTOM", "ApiKeyRequired": true,
			"AuthorizerId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Request"))},
		}},
		{"authorizer invoke permission scoped to the authorizer ARN", "AWS::Lambda::Permission", map[string]any{
			"FunctionName": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("AuthFn")), "Arn"}},
			"SourceArn":    map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{"/authorizers/", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Token"))}})}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tmpl.HasResourceProperties(jsii.String(tt.typ), tt.props) })
	}
}

func TestStageVariableAlias(t *testing.T) {
	// GIVEN dev and prod stages that each name an alias of the handler
	stack := newStack()
	api := aliasApi(stack, "dev", "live")
	// WHEN a route selects the alias through the stage variable, the aliases declared after it
	h := fn(stack, "Handler")
	api.AddRoute("GET", "/orders", h, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
	dev, live := aliasOf(stack, "Dev", "dev", h), aliasOf(stack, "Live", "live", h)
	tmpl := assertions.Template_FromStack(stack, nil)

	// THEN the URI names ${stageVariables.alias}, each stage's alias may be invoked by that stage
	// only, and the permission names the alias by reference, so CloudFormation creates the alias
	// first (aws-cdk#2084)
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
		"Integration": assertions.Match_ObjectLike(&map[string]any{"Uri": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{":${stageVariables.alias}/invocations"})}}}),
	})
	for stage, alias := range map[string]awslambda.Alias{"dev": dev, "prod": live} {
		t.Run(stage, func(t *testing.T) {
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
				"FunctionName": map[string]any{"Ref": logicalID(stack, alias)},
				"SourceArn":    map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{"/" + stage + "/GET/orders"})}},
			})
		})
	}
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(2))
}

func TestUsagePlans(t *testing.T) {
	// GIVEN an API with a keyed route
	stack := newStack()
	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{ApiKeySource: awsapigateway.ApiKeySourceType_AUTHORIZER}})
	api.AddRoute("GET", "/items", fn(stack, "H"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), ApiKeyRequired: jsii.Bool(true)})
	key := api.AddApiKey(jsii.String("Key"), nil)
	imported := awsapigateway.ApiKey_FromApiKeyId(stack, jsii.String("Imported"), jsii.String("abc123"))
	// WHEN a plan with throttle, quota and a method throttle is added
	api.AddUsagePlan(jsii.String("Gold"), &restapi.UsagePlanProps{
		Name:            jsii.String("gold"),
		Throttle:        &restapi.Throttle{RateLimit: jsii.Number(50), BurstLimit: jsii.Number(100)},
		Quota:           &restapi.Quota{Limit: 1_000_000, Period: awsapigateway.Period_MONTH},
		MethodThrottles: &[]*restapi.MethodThrottle{{Method: "GET", Path: "/items", Throttle: restapi.Throttle{RateLimit: jsii.Number(10), BurstLimit: jsii.Number(20)}}},
		ApiKeys:         &[]awsapigateway.IApiKey{key, imported},
	})
	tmpl := assertions.Template_FromStack(stack, nil)

	// THEN
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"ApiKeySourceType": "AUTHORIZER"})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlan"), map[string]any{
		"UsagePlanName": "gold",
		"Throttle":      map[string]any{"RateLimit": 50, "BurstLimit": 100},
		"Quota":         map[string]any{"Limit": 1000000, "Period": "MONTH"},
		"ApiStages": []any{map[string]any{
			"ApiId": map[string]any{"Ref": assertions.Match_AnyValue()}, "Stage": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("Stageprod"))},
			"Throttle": map[string]any{"/items/GET": map[string]any{"RateLimit": 10, "BurstLimit": 20}},
		}},
	})
	// No key value anywhere: CloudFormation generates it.
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::ApiKey"), map[string]any{"Enabled": true, "Value": assertions.Match_Absent()})
	tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlanKey"), jsii.Number(2))
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlanKey"), map[string]any{"KeyId": "abc123", "KeyType": "API_KEY"})
}

// deploymentID synthesizes an API built from c and returns its deployment's logical ID.
func deploymentID(t *testing.T, c apiConfig) string {
	t.Helper()
	stack := newStack()
	opts := restapi.RestApiOptions{Stages: &[]*restapi.StageProps{{Name: jsii.String("prod"), Variables: &map[string]*string{"v": jsii.String(c.variable)}}}}
	if c.binary != "" {
		opts.BinaryMediaTypes = jsii.Strings(c.binary)
	}
	if c.origin != "" {
		opts.Cors = &restapi.Cors{AllowOrigins: jsii.Strings(c.origin)}
	}
	if c.throttledStatus != "" {
		opts.GatewayResponses = &map[string]*restapi.GatewayResponse{"THROTTLED": {StatusCode: jsii.String(c.throttledStatus)}}
	}
	var api restapi.RestApi
	if c.private {
		opts.Policy = policy.New().Allow(policy.Cidrs(c.cidr))
		api = restapi.NewPrivateRestApi(stack, jsii.String("Api"), &restapi.PrivateRestApiProps{RestApiOptions: opts, VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0")})
	} else {
		opts.Policy = policy.New().Allow(policy.Cidrs(c.cidr))
		api = restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: opts, EndpointType: c.endpoint})
	}
	h := awslambda.NewFunction(stack, jsii.String("H"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_LATEST(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")), MemorySize: jsii.Number(c.memory),
	})
	h2 := fn(stack, "H2")
	auth := api.AddTokenAuthorizer(jsii.String("Auth"), &restapi.LambdaAuthorizerProps{Function: h2, CacheTtlSeconds: jsii.Number(c.ttl)})
	target := awslambda.IFunction(h)
	if c.otherFn {
		target = h2
	}
	api.AddRoute("GET", "/a", target, &restapi.RouteOptions{Authorizer: auth, ApiKeyRequired: jsii.Bool(c.apiKey)})
	if c.extraRoute {
		api.AddRoute("GET", "/b", h, &restapi.RouteOptions{Authorizer: auth})
	}
	res := assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::ApiGateway::Deployment"), nil)
	if len(*res) != 1 {
		t.Fatalf("want one deployment, got %d", len(*res))
	}
	for id := range *res {
		return id
	}
	return ""
}

type apiConfig struct {
	cidr, variable string
	endpoint       awsapigateway.EndpointType
	private        bool
	ttl, memory    float64
	apiKey         bool
	extraRoute     bool
	otherFn        bool
	binary         string // a BinaryMediaTypes entry
	origin         string // the Cors origin
	// throttledStatus is the status of a THROTTLED gateway response.
	throttledStatus string
}

func TestDeploymentChangesWhenItMust(t *testing.T) {
	base := apiConfig{cidr: "203.0.113.0/24", variable: "one", endpoint: awsapigateway.EndpointType_REGIONAL, ttl: 300, memory: 128}
	baseID := deploymentID(t, base)
	tests := []struct {
		name    string
		change  func(c *apiConfig)
		changes bool
	}{
		{"route added", func(c *apiConfig) { c.extraRoute = true }, true},
		{"integration target changed", func(c *apiConfig) { c.otherFn = true }, true},
		{"authorizer cache TTL changed", func(c *apiConfig) { c.ttl = 60 }, true},
		{"resource policy changed", func(c *apiConfig) { c.cidr = "198.51.100.0/24" }, true},
		{"endpoint type changed", func(c *apiConfig) { c.endpoint = awsapigateway.EndpointType_EDGE }, true},
		{"private with endpoints", func(c *apiConfig) { c.private = true }, true},
		{"API key requirement changed", func(c *apiConfig) { c.apiKey = true }, true},
		// A stage serves the binaryMediaTypes of its deployment: LocalStack's AWS-run
		// test_apigateway_lambda.py::test_aws_proxy_binary_response deploys again to see a change.
		{"binary media types set", func(c *apiConfig) { c.binary = "image/png" }, true},
		{"CORS preflight added", func(c *apiConfig) { c.origin = "https://app.example.com" }, true},
		{"gateway response added", func(c *apiConfig) { c.throttledStatus = "503" }, true},
		{"stage variable changed (not part of a deployment)", func(c *apiConfig) { c.variable = "two" }, false},
		{"function memory changed (not part of a deployment)", func(c *apiConfig) { c.memory = 256 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.change(&c)
			got := deploymentID(t, c)
			if changed := got != baseID; changed != tt.changes {
				t.Errorf("deployment %s -> %s: changed = %v, want %v", baseID, got, changed, tt.changes)
			}
		})
	}
}

// TestBinaryMediaTypes: the list reaches AWS::ApiGateway::RestApi as written, "/" unescaped (the
// form of CDK's RestApiProps.BinaryMediaTypes, e.g. "image/png", and of the RestApi CloudFormation
// reference's BinaryMediaTypes: "The list of binary media types supported by the RestApi"), on
// public and private APIs; without it the template has none, and tokens pass unchecked.
func TestBinaryMediaTypes(t *testing.T) {
	newPublic := func(s awscdk.Stack, types *[]*string) restapi.RestApi {
		return restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: types}})
	}
	tests := []struct {
		name  string
		build func(s awscdk.Stack, types *[]*string) restapi.RestApi
		types func(s awscdk.Stack) *[]*string
		want  any
	}{
		{"public API", newPublic, func(awscdk.Stack) *[]*string {
			return jsii.Strings("image/png", "application/*", "*/*", "application/vnd.ms-excel")
		}, []any{"image/png", "application/*", "*/*", "application/vnd.ms-excel"}},
		{"private API", func(s awscdk.Stack, types *[]*string) restapi.RestApi {
			return restapi.NewPrivateRestApi(s, jsii.String("Api"), &restapi.PrivateRestApiProps{VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"), RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: types}})
		}, func(awscdk.Stack) *[]*string { return jsii.Strings("application/octet-stream") }, []any{"application/octet-stream"}},
		{"a token", newPublic, func(s awscdk.Stack) *[]*string {
			return &[]*string{awscdk.NewCfnParameter(s, jsii.String("Type"), nil).ValueAsString()}
		}, []any{map[string]any{"Ref": "Type"}}},
		{"none", newPublic, func(awscdk.Stack) *[]*string { return nil }, assertions.Match_Absent()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a stack WHEN the API is built
			stack := newStack()
			tt.build(stack, tt.types(stack)).AddRoute("GET", "/", fn(stack, "F"), public())
			// THEN
			assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"),
				map[string]any{"BinaryMediaTypes": tt.want})
		})
	}
}

// panicOf runs f and returns what it panicked with, or "" when it returned.
func panicOf(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestClearErrors(t *testing.T) {
	longDoc := policy.New()
	for i := range 200 {
		longDoc.Allow(policy.Cidrs(fmt.Sprintf("10.%d.0.0/16", i)))
	}
	sourceIP := policy.New().AddStatements(map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
		"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}})
	tests := []struct {
		name  string
		build func(s awscdk.Stack)
		want  string
	}{
		{"private API with no endpoint", func(s awscdk.Stack) {
			restapi.NewPrivateRestApi(s, jsii.String("Api"), &restapi.PrivateRestApiProps{})
		}, "needs at least one execute-api VPC endpoint"},
		{"aws:SourceIp on a private API", func(s awscdk.Stack) {
			restapi.NewPrivateRestApi(s, jsii.String("Api"), &restapi.PrivateRestApiProps{VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"), RestApiOptions: restapi.RestApiOptions{Policy: sourceIP}})
		}, `"aws:SourceIp" does not work on a PRIVATE API (API Gateway sees the VPC endpoint's address); use aws:VpcSourceIp`},
		{"bad imported endpoint ID", func(s awscdk.Stack) {
			restapi.NewPrivateRestApi(s, jsii.String("Api"), &restapi.PrivateRestApiProps{VpcEndpointIds: jsii.Strings("vpc-123")})
		}, `got "vpc-123"`},
		{"PRIVATE through NewPublicRestApi", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{EndpointType: awsapigateway.EndpointType_PRIVATE})
		}, `EndpointType must be REGIONAL or EDGE, got "PRIVATE"`},
		{"resource policy over 8,192 characters", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Policy: longDoc}})
		}, "API Gateway allows at most 8192"},
		{"cache TTL over 3600", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
			api.AddTokenAuthorizer(jsii.String("A"), &restapi.LambdaAuthorizerProps{Function: fn(s, "F"), CacheTtlSeconds: jsii.Number(3601)})
		}, "CacheTtlSeconds must be a whole number from 0 (no caching) to 3600, got 3601"},
		{"more than 10 authorizers", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
			f := fn(s, "F")
			for i := range 11 {
				api.AddTokenAuthorizer(jsii.String(fmt.Sprint("A", i)), &restapi.LambdaAuthorizerProps{Function: f})
			}
		}, "the API already has 10 authorizers; API Gateway allows at most 10"},
		{"REQUEST authorizer without identity sources", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRequestAuthorizer(jsii.String("A"), &restapi.LambdaAuthorizerProps{Function: fn(s, "F")})
		}, "a REQUEST authorizer needs IdentitySources"},
		{"bad identity source", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRequestAuthorizer(jsii.String("A"), &restapi.LambdaAuthorizerProps{Function: fn(s, "F"), IdentitySources: jsii.Strings("header.Authorization")})
		}, `got "header.Authorization"`},
		{"usage plan on a stage of another API", func(s awscdk.Stack) {
			a := restapi.NewPublicRestApi(s, jsii.String("A"), nil)
			b := restapi.NewPublicRestApi(s, jsii.String("B"), nil)
			a.AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{Stages: &[]*restapi.Stage{b.Stage("prod")}})
		}, `stage "prod" of API S/B is not a stage of this API`},
		{"method throttle for an unknown route", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{MethodThrottles: &[]*restapi.MethodThrottle{{Method: "GET", Path: "/nope"}}})
		}, "method throttle for GET /nope names no route"},
		{"quota period", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{Quota: &restapi.Quota{Limit: 10, Period: "YEAR"}})
		}, `quota Period must be DAY, WEEK or MONTH, got "YEAR"`},
		{"quota limit below 1", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{Quota: &restapi.Quota{Limit: 0, Period: awsapigateway.Period_DAY}})
		}, `usage plan "P": Quota.Limit must be a whole number of 1 or more, got 0`},
		{"usage plan throttle with a fractional burst", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{Throttle: &restapi.Throttle{BurstLimit: jsii.Number(1.5)}})
		}, `usage plan "P": Throttle.BurstLimit must be a whole number 0 or more, got 1.5`},
		{"method throttle with a negative rate", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
			api.AddRoute("GET", "/items", fn(s, "F"), public())
			api.AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{MethodThrottles: &[]*restapi.MethodThrottle{{Method: "GET", Path: "/items", Throttle: restapi.Throttle{RateLimit: jsii.Number(-1)}}}})
		}, `MethodThrottles "GET /items" Throttle.RateLimit must be 0 or more requests per second, got -1`},
		{"route throttle with a negative burst", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "/x", fn(s, "F"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Throttle: &restapi.Throttle{BurstLimit: jsii.Number(-2)}})
		}, `route GET /x: Throttle.BurstLimit must be a whole number 0 or more, got -2`},
		{"stage declared twice", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
				Stages: &[]*restapi.StageProps{{Name: jsii.String("prod")}, {Name: jsii.String("prod")}},
			}})
		}, `RestApi S/Api: stage "prod" is declared twice`},
		{"route path with trailing slash", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "/orders/", fn(s, "F"), public())
		}, `route path must start with "/" and not end with "/", got "/orders/"`},
		{"route path without leading slash", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "orders", fn(s, "F"), public())
		}, `got "orders"`},
		{"route path with bad segment", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "/orders//x", fn(s, "F"), public())
		}, `has segment ""`},
		{"greedy parameter not last", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "/{proxy+}/x", fn(s, "F"), public())
		}, `greedy parameter "{proxy+}" must be the last segment`},
		{"bad method", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("FETCH", "/", fn(s, "F"), public())
		}, `got "FETCH"`},
		{"route without an authorizer decision", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "/", fn(s, "F"), nil)
		}, "has no authorization: set Authorizer, IamAuthorization: true (SigV4-signed IAM callers), or NoAuthorizer: true"},
		{"duplicate route", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
			f := fn(s, "F")
			api.AddRoute("GET", "/", f, public())
			api.AddRoute("GET", "/", f, public())
		}, "route GET / is already defined"},
		{"authorizer of another API", func(s awscdk.Stack) {
			a := restapi.NewPublicRestApi(s, jsii.String("A"), nil)
			b := restapi.NewPublicRestApi(s, jsii.String("B"), nil)
			f := fn(s, "F")
			a.AddRoute("GET", "/", f, &restapi.RouteOptions{Authorizer: b.AddTokenAuthorizer(jsii.String("T"), &restapi.LambdaAuthorizerProps{Function: f})})
		}, "uses authorizer T of another API"},
		{"stage variable name", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Stages: &[]*restapi.StageProps{{Name: jsii.String("dev"), Variables: &map[string]*string{"my-var": jsii.String("x")}}}}})
		}, `stage variable name must be 1 to 64 of [A-Za-z0-9_], got "my-var"`},
		{"stage variable value", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Stages: &[]*restapi.StageProps{{Name: jsii.String("dev"), Variables: &map[string]*string{"v": jsii.String("a b")}}}}})
		}, `stage variable v must be 1 to 512 of letters, digits and -._~:/?#&=, got "a b"`},
		{"stage variable value too long", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Stages: &[]*restapi.StageProps{{Name: jsii.String("dev"), Variables: &map[string]*string{"v": jsii.String(strings.Repeat("a", 513))}}}}})
		}, "stage variable v must be 1 to 512"},
		{"binary media type escaped for a JSON patch path", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: jsii.Strings("image~1png")}})
		}, `RestApi S/Api: a BinaryMediaTypes entry must be "type/subtype", "type/*" or "*/*" (e.g. "image/png", "image/*"), without parameters or "~1" for "/", got "image~1png"`},
		{"binary media type with a wildcard type", func(s awscdk.Stack) {
			restapi.NewPrivateRestApi(s, jsii.String("Api"), &restapi.PrivateRestApiProps{VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"), RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: jsii.Strings("*/png")}})
		}, `got "*/png"`},
		{"binary media type without a subtype", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: jsii.Strings("*")}})
		}, `got "*"`},
		{"binary media type with parameters", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: jsii.Strings("text/plain; charset=utf-8")}})
		}, `got "text/plain; charset=utf-8"`},
		{"binary media type empty", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: jsii.Strings("")}})
		}, `got ""`},
		{"binary media type listed twice", func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{BinaryMediaTypes: jsii.Strings("image/png", "image/png")}})
		}, `RestApi S/Api: BinaryMediaTypes lists "image/png" twice`},
		{"alias variable missing on a stage", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Stages: &[]*restapi.StageProps{
				{Name: jsii.String("dev"), Variables: &map[string]*string{"alias": jsii.String("dev")}}, {Name: jsii.String("prod")}}}})
			api.AddRoute("GET", "/", fn(s, "F"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
		}, `stage variable "alias", but stage "prod" does not set it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := panicOf(func() { tt.build(newStack()) })
			if !strings.Contains(got, tt.want) {
				t.Errorf("panic = %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
}

// The policy in the template is exactly the document's JSON: nothing is lost on the way.
func TestPolicyRoundTrip(t *testing.T) {
	doc := policy.New().Allow(policy.Accounts("098765432109"), policy.Scope{Stage: "prod", Method: "GET", Path: "/orders/*"})
	want, err := doc.JSON(policy.Public)
	if err != nil {
		t.Fatal(err)
	}
	stack := newStack()
	restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Policy: doc}}).
		AddRoute("GET", "/orders/{id}", fn(stack, "F"), &restapi.RouteOptions{IamAuthorization: jsii.Bool(true)})
	res := assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::ApiGateway::RestApi"), nil)
	for _, r := range *res {
		got, _ := json.Marshal((*r)["Properties"].(map[string]any)["Policy"])
		w, _ := json.Marshal(want)
		if string(got) != string(w) {
			t.Errorf("policy in template\n%s\nwant\n%s", got, w)
		}
	}
}
