package stacks_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/nag"
	"github.com/portico-dev/portico/infra/stacks"
)

// checked builds one sample stack in its own app with the checks Build applies, and returns its
// template.
func checked(t *testing.T, build func(constructs awscdk.App) awscdk.Stack) (awscdk.Stack, assertions.Template) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := build(app)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	awscdk.Aspects_Of(app).Add(nag.NewPorticoChecks(nil), nil)
	return stack, assertions.Template_FromStack(stack, nil)
}

// noNagErrors fails for every unsuppressed AwsSolutions or Portico error.
func noNagErrors(t *testing.T, stack awscdk.Stack) {
	t.Helper()
	// The packs ran: AwsSolutions always warns that the API has no WAF web ACL (APIG3).
	if w := assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-APIG3"))); len(*w) == 0 {
		t.Fatal("no AwsSolutions-APIG3 warning: the cdk-nag checks did not run")
	}
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("(AwsSolutions|Portico)-")))
	for _, e := range *errs {
		t.Error(describe(e))
	}
}

func TestPrivateOrdersStack(t *testing.T) {
	// GIVEN the private orders sample with the checks Build applies
	stack, tmpl := checked(t, func(app awscdk.App) awscdk.Stack {
		return stacks.NewPrivateOrdersStack(app, jsii.String("Orders"), nil)
	})
	endpointRef := map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("ApiEndpoint"))}
	aliasURI := assertions.Match_ObjectLike(&map[string]any{"Type": "AWS_PROXY",
		"Uri": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{":${stageVariables.alias}/invocations"})}}})
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"VPC with flow logs", "AWS::EC2::FlowLog", map[string]any{"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"}},
		{"execute-api endpoint with private DNS", "AWS::EC2::VPCEndpoint", map[string]any{"VpcEndpointType": "Interface", "PrivateDnsEnabled": true}},
		{"PRIVATE API denies callers outside the endpoint", "AWS::ApiGateway::RestApi", map[string]any{
			"EndpointConfiguration": map[string]any{"Types": []any{"PRIVATE"}, "VpcEndpointIds": []any{endpointRef}},
			"Policy": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "execute-api:Invoke", "Effect": "Deny", "Principal": "*", "Resource": "execute-api:/*",
				"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": endpointRef}}}})}),
		}},
		{"Cognito authorizer", "AWS::ApiGateway::Authorizer", map[string]any{"Type": "COGNITO_USER_POOLS", "IdentitySource": "method.request.header.Authorization"}},
		{"GET requires orders/read", "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizationScopes": []any{"orders/read"}, "Integration": aliasURI}},
		{"POST requires orders/write", "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "POST", "AuthorizationType": "COGNITO_USER_POOLS", "AuthorizationScopes": []any{"orders/write"}, "Integration": aliasURI}},
		{"dev stage selects live", "AWS::ApiGateway::Stage", map[string]any{"StageName": "dev", "Variables": map[string]any{"alias": "live"},
			"AccessLogSetting": assertions.Match_ObjectLike(&map[string]any{"DestinationArn": assertions.Match_AnyValue()})}},
		{"prod stage selects live, traced", "AWS::ApiGateway::Stage", map[string]any{"StageName": "prod", "Variables": map[string]any{"alias": "live"}, "TracingEnabled": true}},
		{"live alias", "AWS::Lambda::Alias", map[string]any{"Name": "live"}},
		{"prod may invoke the live alias", "AWS::Lambda::Permission", map[string]any{
			// The alias by reference: CloudFormation creates it before the permission.
			"FunctionName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^OrdersLive"))},
			"SourceArn":    map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{"/prod/POST/orders"})}},
		}},
		{"OAuth scopes on the user pool", "AWS::Cognito::UserPoolResourceServer", map[string]any{"Identifier": "orders"}},
		// CORS preflights answered by a MOCK integration, open to the browser (which sends no
		// token on a preflight), as awsapigateway's addCorsPreflight writes them.
		{"CORS preflight for the front-end", "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod": "OPTIONS", "AuthorizationType": "NONE", "ApiKeyRequired": false,
			"Integration": assertions.Match_ObjectLike(&map[string]any{"Type": "MOCK", "IntegrationResponses": []any{assertions.Match_ObjectLike(&map[string]any{
				"StatusCode": "204",
				"ResponseParameters": assertions.Match_ObjectLike(&map[string]any{
					"method.response.header.Access-Control-Allow-Origin":  "'" + stacks.FrontEndOrigin + "'",
					"method.response.header.Access-Control-Allow-Methods": "'GET,POST'",
					"method.response.header.Access-Control-Allow-Headers": "'Authorization,Content-Type'",
					"method.response.header.Access-Control-Max-Age":       "'600'",
				}),
			})}}),
		}},
		// "Gateway responses for REST APIs": headers are mapped on the response type; a browser
		// reads a 401 only with Access-Control-Allow-Origin.
		{"4XX errors readable by the front-end", "AWS::ApiGateway::GatewayResponse", map[string]any{
			"ResponseType":       "DEFAULT_4XX",
			"ResponseParameters": map[string]any{"gatewayresponse.header.Access-Control-Allow-Origin": "'" + stacks.FrontEndOrigin + "'"},
			"ResponseTemplates":  map[string]any{"application/json": assertions.Match_StringLikeRegexp(jsii.String(`"type":"\$context.error.responseType"`))},
		}},
		{"5XX errors readable by the front-end", "AWS::ApiGateway::GatewayResponse", map[string]any{
			"ResponseType":       "DEFAULT_5XX",
			"ResponseParameters": map[string]any{"gatewayresponse.header.Access-Control-Allow-Origin": "'" + stacks.FrontEndOrigin + "'"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tmpl.HasResourceProperties(jsii.String(tt.typ), tt.props) })
	}
	t.Run("one invoke permission per route and stage", func(t *testing.T) {
		// 3 routes x 2 stages; the CloudFormation console's test-invoke is not granted.
		tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(6))
	})
	t.Run("a preflight on each path with a route", func(t *testing.T) {
		options := tmpl.FindResources(jsii.String("AWS::ApiGateway::Method"), &map[string]any{"Properties": map[string]any{"HttpMethod": "OPTIONS"}})
		if len(*options) != 2 {
			t.Errorf("want OPTIONS on /orders and /orders/{id}, got %d", len(*options))
		}
	})
	t.Run("outputs", func(t *testing.T) {
		for _, name := range []string{"ApiId", "VpcEndpointId", "UsersClientId", "TokenUrl"} {
			if got := tmpl.FindOutputs(jsii.String(name), nil); len(*got) != 1 {
				t.Errorf("output %s: found %d", name, len(*got))
			}
		}
	})
	t.Run("passes cdk-nag", func(t *testing.T) { noNagErrors(t, stack) })
	t.Run("no rule fails to validate", func(t *testing.T) {
		w := assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("CdkNagValidationFailure")))
		for _, e := range *w {
			t.Error(describe(e))
		}
	})
}

// describe renders a synthesis message (path, level and text) for a failure or a match.
func describe(m any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
