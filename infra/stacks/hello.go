package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/restapi"
)

// NewHelloStack is the first sample: a public REST API whose GET /hello runs functions/hello.
func NewHelloStack(scope constructs.Construct, id *string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	hello := gofunction.NewGoFunction(stack, jsii.String("Hello"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/hello/cmd")),
	})
	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{
		RestApiOptions: restapi.RestApiOptions{Description: jsii.String("Portico hello API")},
	})
	api.AddRoute("GET", "/hello", hello, &restapi.RouteOptions{
		NoAuthorizer:      jsii.Bool(true),
		RequestParameters: &map[string]*bool{"method.request.querystring.name": jsii.Bool(false)},
	})

	cdknag.NagSuppressions_AddResourceSuppressions(api.Api(), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String("GET /hello is a public, read-only greeting with no data behind it; it needs no caller identity.")},
		{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String("GET /hello is a public, read-only greeting with no data behind it; it needs no Cognito user.")},
	}, jsii.Bool(true))
	return stack
}
