// Command iamapp synthesizes the IAM fixture assembly (testdata/iam): APIs whose routes require
// AWS_IAM, callers' roles with the identity policies of every cell of "How API Gateway resource
// policies affect authorization workflow", and the seed's resource policy (one CIDR, one
// cross-account role) with a loopback CIDR. Regenerate it from the module root with:
//
//	cdk synth -q --app "go run ./local/internal/testdata/iamapp" -o /tmp/iam.out
//
// then copy manifest.json and Iam.template.json into testdata/iam.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
)

// Callers outside the assembly, and the CIDR of the seed-shaped policy (loopback, so tests can
// send from it).
const (
	partnerRole = "arn:aws:iam::098765432109:role/MyRole"
	partnerCidr = "127.0.0.2/32"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Iam"), nil)
	probe := gofunction.NewGoFunction(stack, jsii.String("Probe"), &gofunction.GoFunctionProps{Entry: jsii.String("./local/internal/testfunctions/probe")})
	integration := awsapigateway.NewLambdaIntegration(probe, nil)
	iamOnly := &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM}

	// Callers of the assembly's own account: identity policy Allow, silent, explicit Deny.
	root := awsiam.NewAccountRootPrincipal()
	allowed := awsiam.NewRole(stack, jsii.String("Allowed"), &awsiam.RoleProps{AssumedBy: root})
	silent := awsiam.NewRole(stack, jsii.String("Silent"), &awsiam.RoleProps{AssumedBy: root})
	denied := awsiam.NewRole(stack, jsii.String("Denied"), &awsiam.RoleProps{AssumedBy: root})
	every := jsii.Strings("arn:aws:execute-api:*:*:*")
	allowed.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("execute-api:Invoke"), Resources: every}))
	denied.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("execute-api:*"), Resources: every}))
	denied.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Effect: awsiam.Effect_DENY, Actions: jsii.Strings("execute-api:Invoke"), Resources: every}))
	callers := []awsiam.IPrincipal{awsiam.NewArnPrincipal(allowed.RoleArn()), awsiam.NewArnPrincipal(silent.RoleArn()),
		awsiam.NewArnPrincipal(denied.RoleArn()), awsiam.NewArnPrincipal(jsii.String(partnerRole))}

	// Tables: the resource policy Allows the callers on /rp-allow, Denies them on /rp-deny and is
	// silent on /rp-silent; every method requires IAM.
	tables := awsapigateway.NewRestApi(stack, jsii.String("Tables"), &awsapigateway.RestApiProps{
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		DeployOptions:         &awsapigateway.StageOptions{StageName: jsii.String("prod")},
		Policy: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Principals: &callers, Actions: jsii.Strings("execute-api:Invoke"), Resources: jsii.Strings("execute-api:/prod/GET/rp-allow")}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Effect: awsiam.Effect_DENY, Principals: &callers, Actions: jsii.Strings("execute-api:Invoke"), Resources: jsii.Strings("execute-api:/prod/GET/rp-deny")}),
		}}),
	})
	for _, path := range []string{"rp-allow", "rp-deny", "rp-silent"} {
		tables.Root().AddResource(jsii.String(path), nil).AddMethod(jsii.String("GET"), integration, iamOnly)
	}

	// Seed: the seed's policy (allow a CIDR and a cross-account role, explicit Deny for everyone
	// else), on an open method and an IAM method.
	anyone := []awsiam.IPrincipal{awsiam.NewAnyPrincipal()}
	partner := []awsiam.IPrincipal{awsiam.NewArnPrincipal(jsii.String(partnerRole))}
	seed := awsapigateway.NewRestApi(stack, jsii.String("Seed"), &awsapigateway.RestApiProps{
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		DeployOptions:         &awsapigateway.StageOptions{StageName: jsii.String("prod")},
		Policy: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Principals: &anyone, Actions: jsii.Strings("execute-api:Invoke"), Resources: jsii.Strings("execute-api:/*"),
				Conditions: &map[string]any{"IpAddress": map[string]any{"aws:SourceIp": partnerCidr}}}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Principals: &partner, Actions: jsii.Strings("execute-api:Invoke"), Resources: jsii.Strings("execute-api:/*")}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Effect: awsiam.Effect_DENY, Principals: &anyone, Actions: jsii.Strings("execute-api:Invoke"), Resources: jsii.Strings("execute-api:/*"),
				Conditions: &map[string]any{"NotIpAddress": map[string]any{"aws:SourceIp": partnerCidr}, "StringNotEquals": map[string]any{"aws:PrincipalArn": partnerRole}}}),
		}}),
	})
	seed.Root().AddResource(jsii.String("open"), nil).AddMethod(jsii.String("GET"), integration, nil)
	seed.Root().AddResource(jsii.String("signed"), nil).AddMethod(jsii.String("GET"), integration, iamOnly)

	// Bench: the same function behind an open and an IAM method, no resource policy.
	bench := awsapigateway.NewRestApi(stack, jsii.String("Bench"), &awsapigateway.RestApiProps{
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}},
		DeployOptions:         &awsapigateway.StageOptions{StageName: jsii.String("prod")},
	})
	bench.Root().AddResource(jsii.String("open"), nil).AddMethod(jsii.String("GET"), integration, nil)
	bench.Root().AddResource(jsii.String("iam"), nil).AddMethod(jsii.String("GET"), integration, iamOnly)

	// An HTTP API: IAM is the caller's identity policy alone.
	httpAPI := awsapigatewayv2.NewHttpApi(stack, jsii.String("Http"), nil)
	httpIntegration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Probe"), probe, nil)
	httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String("/iam"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: httpIntegration, Authorizer: awsapigatewayv2authorizers.NewHttpIamAuthorizer()})
	httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String("/open"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}, Integration: httpIntegration})

	// A WebSocket API: IAM on $connect; the Sender function may manage its connections.
	sender := gofunction.NewGoFunction(stack, jsii.String("Sender"), &gofunction.GoFunctionProps{Entry: jsii.String("./local/internal/testfunctions/probe")})
	ws := awsapigatewayv2.NewWebSocketApi(stack, jsii.String("Ws"), &awsapigatewayv2.WebSocketApiProps{
		ConnectRouteOptions: &awsapigatewayv2.WebSocketRouteOptions{
			Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String("ConnectProbe"), probe, nil),
			Authorizer:  awsapigatewayv2authorizers.NewWebSocketIamAuthorizer(),
		},
		DefaultRouteOptions: &awsapigatewayv2.WebSocketRouteOptions{Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String("DefaultProbe"), probe, nil)},
	})
	stage := awsapigatewayv2.NewWebSocketStage(stack, jsii.String("WsProd"), &awsapigatewayv2.WebSocketStageProps{WebSocketApi: ws, StageName: jsii.String("prod"), AutoDeploy: jsii.Bool(true)})
	stage.GrantManagementApiAccess(sender)

	app.Synth(nil)
}
