package nag_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/nag"
	"github.com/portico-dev/portico/constructs/policy"
	"github.com/portico-dev/portico/constructs/restapi"
)

func stand(stack awscdk.Stack) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_LATEST(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({statusCode: 200})")),
	})
}

func statement(effect awsiam.Effect, cond map[string]any) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect: effect, Principals: &[]awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Actions: jsii.Strings("execute-api:Invoke"), Resources: jsii.Strings("execute-api:/*"), Conditions: &cond,
	})
}

// plainApi is a REST API made with the aws-cdk-lib L2 only, so the rules are shown to work on
// stacks that do not use Portico's constructs.
func plainApi(stack awscdk.Stack, private bool, stmts []awsiam.PolicyStatement, opts *awsapigateway.StageOptions) awsapigateway.RestApi {
	types := []awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}
	if private {
		types = []awsapigateway.EndpointType{awsapigateway.EndpointType_PRIVATE}
	}
	props := &awsapigateway.RestApiProps{EndpointTypes: &types, DeployOptions: opts, CloudWatchRole: jsii.Bool(false)}
	if stmts != nil {
		props.Policy = awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &stmts})
	}
	return awsapigateway.NewRestApi(stack, jsii.String("Api"), props)
}

func aliasRoute(stack awscdk.Stack, api awsapigateway.RestApi, fn awslambda.Function) {
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Proxy: jsii.Bool(true), Service: jsii.String("lambda"),
		Path: jsii.String("2015-03-31/functions/" + *fn.FunctionArn() + ":${stageVariables.alias}/invocations"),
	}), nil)
}

func TestRules(t *testing.T) {
	vpce := map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": "vpce-0123456789abcdef0"}}
	tests := []struct {
		name  string
		build func(stack awscdk.Stack)
		rule  string // e.g. "REST3[GET /@prod]"; "" when the stack must have no Portico finding
		error bool   // an error, else a warning
	}{
		{"REST1: private API without a policy", func(s awscdk.Stack) {
			plainApi(s, true, nil, nil).Root().AddMethod(jsii.String("GET"), nil, nil)
		}, "REST1", true},
		{"REST1: a bare CloudFormation PRIVATE API", func(s awscdk.Stack) {
			awsapigateway.NewCfnRestApi(s, jsii.String("Raw"), &awsapigateway.CfnRestApiProps{
				Name: jsii.String("raw"), EndpointConfiguration: &awsapigateway.CfnRestApi_EndpointConfigurationProperty{Types: jsii.Strings("PRIVATE")},
				Policy: map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}}},
			})
		}, "REST1", true},
		{"REST1: private API that allows all and denies no one", func(s awscdk.Stack) {
			plainApi(s, true, []awsiam.PolicyStatement{statement(awsiam.Effect_ALLOW, nil)}, nil).Root().AddMethod(jsii.String("GET"), nil, nil)
		}, "REST1", true},
		{"REST2: aws:SourceIp on a private API", func(s awscdk.Stack) {
			plainApi(s, true, []awsiam.PolicyStatement{
				statement(awsiam.Effect_ALLOW, map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}), statement(awsiam.Effect_DENY, vpce),
			}, nil).Root().AddMethod(jsii.String("GET"), nil, nil)
		}, "REST2", true},
		{"REST3: alias named by a stage variable without permission", func(s awscdk.Stack) {
			api := plainApi(s, false, nil, &awsapigateway.StageOptions{Variables: &map[string]*string{"alias": jsii.String("live")}})
			aliasRoute(s, api, stand(s))
		}, "REST3[GET /@prod]", true},
		{"REST3 satisfied by a permission on the alias", func(s awscdk.Stack) {
			api := plainApi(s, false, nil, &awsapigateway.StageOptions{Variables: &map[string]*string{"alias": jsii.String("live")}})
			fn := stand(s)
			aliasRoute(s, api, fn)
			alias := awslambda.NewAlias(s, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: fn.CurrentVersion()})
			alias.AddPermission(jsii.String("Invoke"), &awslambda.Permission{
				Principal: awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
				SourceArn: api.ArnForExecuteApi(jsii.String("GET"), jsii.String("/"), jsii.String("prod")),
			})
		}, "", false},
		{"REST4: API key required, no usage plan", func(s awscdk.Stack) {
			plainApi(s, false, nil, nil).Root().AddMethod(jsii.String("GET"), nil, &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(true)})
		}, "REST4[prod]", true},
		{"REST4 satisfied by a usage plan on the stage", func(s awscdk.Stack) {
			api := plainApi(s, false, nil, nil)
			api.Root().AddMethod(jsii.String("GET"), nil, &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(true)})
			api.AddUsagePlan(jsii.String("Plan"), &awsapigateway.UsagePlanProps{ApiStages: &[]*awsapigateway.UsagePlanPerApiStage{{Api: api, Stage: api.DeploymentStage()}}})
		}, "", false},
		{"REST5: public API allows everyone unconditionally", func(s awscdk.Stack) {
			plainApi(s, false, []awsiam.PolicyStatement{statement(awsiam.Effect_ALLOW, nil)}, nil).Root().AddMethod(jsii.String("GET"), nil, nil)
		}, "REST5", false},
		{"REST6: Allow-only policy on a public API with a Lambda authorizer", func(s awscdk.Stack) {
			api := plainApi(s, false, []awsiam.PolicyStatement{statement(awsiam.Effect_ALLOW, map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}})}, nil)
			api.Root().AddMethod(jsii.String("GET"), nil, &awsapigateway.MethodOptions{Authorizer: awsapigateway.NewTokenAuthorizer(s, jsii.String("Auth"), &awsapigateway.TokenAuthorizerProps{Handler: stand(s)})})
			api.Root().AddResource(jsii.String("open"), nil).AddMethod(jsii.String("GET"), nil, nil) // no authorizer: the policy does restrict it
		}, "REST6[GET /]", false},
		{"REST6: Allow-only policy with a Cognito authorizer", func(s awscdk.Stack) {
			api := plainApi(s, false, []awsiam.PolicyStatement{statement(awsiam.Effect_ALLOW, map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}})}, nil)
			pool := awscognito.NewUserPool(s, jsii.String("Pool"), nil)
			api.Root().AddResource(jsii.String("orders"), nil).AddMethod(jsii.String("POST"), nil, &awsapigateway.MethodOptions{
				Authorizer: awsapigateway.NewCognitoUserPoolsAuthorizer(s, jsii.String("Auth"), &awsapigateway.CognitoUserPoolsAuthorizerProps{CognitoUserPools: &[]awscognito.IUserPool{pool}}),
			})
		}, "REST6[POST /orders]", false},
		{"REST6 satisfied by an explicit Deny outside the CIDR", func(s awscdk.Stack) {
			api := plainApi(s, false, []awsiam.PolicyStatement{
				statement(awsiam.Effect_ALLOW, map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}}),
				statement(awsiam.Effect_DENY, map[string]any{"NotIpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}}),
			}, nil)
			api.Root().AddMethod(jsii.String("GET"), nil, &awsapigateway.MethodOptions{Authorizer: awsapigateway.NewTokenAuthorizer(s, jsii.String("Auth"), &awsapigateway.TokenAuthorizerProps{Handler: stand(s)})})
		}, "", false},
		{"Portico constructs pass every rule", func(s awscdk.Stack) {
			api := restapi.NewPrivateRestApi(s, jsii.String("Private"), &restapi.PrivateRestApiProps{
				VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"),
				RestApiOptions: restapi.RestApiOptions{Stages: &[]*restapi.StageProps{
					{Name: jsii.String("dev"), Variables: &map[string]*string{"alias": jsii.String("dev")}},
					{Name: jsii.String("prod"), Variables: &map[string]*string{"alias": jsii.String("live")}},
				}},
			})
			fn := stand(s)
			api.AddRoute("GET", "/orders", fn, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias"), ApiKeyRequired: jsii.Bool(true)})
			for _, name := range []string{"dev", "live"} {
				awslambda.NewAlias(s, jsii.String(name), &awslambda.AliasProps{AliasName: jsii.String(name), Version: fn.CurrentVersion()})
			}
			api.AddUsagePlan(jsii.String("Plan"), nil)
			pub := restapi.NewPublicRestApi(s, jsii.String("Public"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
				Policy: policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24")), CloudWatchRole: jsii.Bool(false)}})
			pub.AddRoute("GET", "/", fn, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true)})
			pub.AddRoute("GET", "/token", fn, &restapi.RouteOptions{Authorizer: pub.AddTokenAuthorizer(jsii.String("Token"), &restapi.LambdaAuthorizerProps{Function: fn})})
		}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a stack WHEN Portico's checks run
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			tt.build(stack)
			awscdk.Aspects_Of(stack).Add(nag.NewPorticoChecks(nil), nil)
			ann := assertions.Annotations_FromStack(stack)
			all := assertions.Match_StringLikeRegexp(jsii.String("Portico-"))
			errs, warns := ann.FindError(jsii.String("*"), all), ann.FindWarning(jsii.String("*"), all)
			// THEN exactly the broken rule is reported, at its level
			if tt.rule == "" {
				for _, f := range append(*errs, *warns...) {
					t.Errorf("unexpected finding: %s", describe(f))
				}
				return
			}
			found, other := *warns, *errs
			if tt.error {
				found, other = *errs, *warns
			}
			if len(found) != 1 || len(other) != 0 {
				t.Fatalf("want one %s finding at the right level, got errors %d, warnings %d: %v %v", tt.rule, len(*errs), len(*warns), errs, warns)
			}
			if msg := describe(found[0]); !strings.Contains(msg, "Portico-"+tt.rule+":") {
				t.Errorf("finding %v, want rule Portico-%s", msg, tt.rule)
			}
		})
	}
}

func TestSuppression(t *testing.T) {
	// GIVEN a broken private API whose finding is suppressed with a reason
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
	api := plainApi(stack, true, nil, nil)
	api.Root().AddMethod(jsii.String("GET"), nil, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(api, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Portico-REST1"), Reason: jsii.String("The policy is attached by another pipeline."),
	}}, jsii.Bool(true))
	awscdk.Aspects_Of(stack).Add(nag.NewPorticoChecks(nil), nil)
	// THEN there is no REST1 error
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("Portico-REST1")))
	if len(*errs) != 0 {
		t.Errorf("suppressed rule still reported: %v", errs)
	}
}

// describe renders a synthesis message (path, level and text) for a failure or a match.
func describe(m any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
