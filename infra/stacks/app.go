// Package stacks holds Portico's sample stacks for teams and Build, which adds them to an app
// together with the cdk-nag checks every stack must pass.
package stacks

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/apiaccount"
	"github.com/portico-dev/portico/constructs/nag"
)

// FrontEndOrigin is the origin of a local web front-end (Vite's default dev server) that the
// Profile and Private Orders samples allow through CORS.
const FrontEndOrigin = "http://localhost:5173"

// Build adds every sample stack to app and applies the AwsSolutions checks to all of them. An
// unsuppressed finding of level error is an error annotation, which fails `cdk synth`.
func Build(app awscdk.App) {
	// API Gateway has one CloudWatch Logs role per account and region: PorticoHello, the first
	// sample and the quickest to deploy, sets it; the stacks whose REST or WebSocket stages log
	// depend on it, so `cdk deploy PorticoNotifications` deploys PorticoHello first. `cdk deploy
	// -c @portico/apigateway:accountStack=OtherStack` moves it.
	if app.Node().TryGetContext(jsii.String(apiaccount.OwnerStackContext)) == nil {
		app.Node().SetContext(jsii.String(apiaccount.OwnerStackContext), "PorticoHello")
	}
	env := environment()
	_, hello := NewHelloStack(app, jsii.String("PorticoHello"), &awscdk.StackProps{Env: env, Description: jsii.String("Portico sample: a public REST API with one Go handler, public and IAM-authorized")})
	NewPrivateOrdersStack(app, jsii.String("PorticoPrivateOrders"), &awscdk.StackProps{Env: env, Description: jsii.String("Portico sample: a private REST API behind a VPC endpoint with a Cognito authorizer")})
	NewPartnerStack(app, jsii.String("PorticoPartner"), &awscdk.StackProps{Env: env, Description: jsii.String("Portico sample: a partner REST API with a Go REQUEST authorizer, usage plans and API keys")})
	NewProfileStack(app, jsii.String("PorticoProfile"), &awscdk.StackProps{Env: env, Description: jsii.String("Portico sample: an HTTP API with a Cognito JWT authorizer and a scoped admin route")})
	NewCallerStack(app, jsii.String("PorticoCaller"), &awscdk.StackProps{Env: env, Description: jsii.String("Portico sample: a Go function that calls the Hello API's IAM route, signed with its role")}, hello)
	NewNotificationsStack(app, jsii.String("PorticoNotifications"), &awscdk.StackProps{Env: env, Description: jsii.String("Portico sample: a WebSocket API with a Go $connect authorizer and @connections callbacks")})
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(app).Add(nag.NewPorticoChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// environment pins the stacks to the account and region of the caller's credentials, which the
// CDK CLI passes as CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION. Without credentials there is no
// account, and the CLI's region is only its us-east-1 default: the stacks stay
// environment-agnostic then.
func environment() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" {
		return nil
	}
	env := &awscdk.Environment{Account: jsii.String(account)}
	if region != "" {
		env.Region = jsii.String(region)
	}
	return env
}
