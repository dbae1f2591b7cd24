package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/restapi"
)

// HelloIamPath is the Hello API's IAM-authorized route (GET), which the Caller sample calls.
const HelloIamPath = "/iam/hello"

// NewHelloStack is the first sample: a public REST API whose GET /hello runs functions/hello,
// and whose GET /iam/hello runs it for IAM principals of the account (SigV4-signed requests;
// the Caller sample is one). It returns the stack and the API.
func NewHelloStack(scope constructs.Construct, id *string, props *awscdk.StackProps) (awscdk.Stack, restapi.RestApi) {
	stack := awscdk.NewStack(scope, id, props)

	hello := gofunction.NewGoFunction(stack, jsii.String("Hello"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/hello/cmd")),
	})
	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{
		RestApiOptions: restapi.RestApiOptions{Description: jsii.String("Portico hello API")},
	})
	name := &map[string]*bool{"method.request.querystring.name": jsii.Bool(false)}
	public := api.AddRoute("GET", "/hello", hello, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), RequestParameters: name})
	signed := api.AddRoute("GET", HelloIamPath, hello, &restapi.RouteOptions{IamAuthorization: jsii.Bool(true), RequestParameters: name})

	cdknag.NagSuppressions_AddResourceSuppressions(public, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String("GET /hello is a public, read-only greeting with no data behind it; it needs no caller identity.")},
		{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String("GET /hello is a public, read-only greeting with no data behind it; it needs no Cognito user.")},
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(signed, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String("GET /iam/hello uses AWS_IAM authorization: its callers are IAM principals of the account (the Caller sample's function role) that sign with SigV4 and hold execute-api:Invoke on it, not Cognito users.")},
	}, jsii.Bool(true))
	return stack, api
}
