package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/httpapi"
	"github.com/portico-dev/portico/constructs/restapi"
	"github.com/portico-dev/portico/functions/caller"
)

// CallerRoute is the route of the Caller sample's own API that runs functions/caller.
const CallerRoute = "GET /call"

// NewCallerStack is the same-account IAM caller sample: functions/caller, which signs a GET to
// hello's IAM route (HelloIamPath on its default stage) with its execution role's credentials,
// granted execute-api:Invoke on exactly that stage, method and path. An HTTP API runs it on
// CallerRoute, itself IAM-authorized, so only principals of the account allowed to invoke it
// (e.g. a developer with `curl --aws-sigv4`) can make the function call on their behalf.
func NewCallerStack(scope constructs.Construct, id *string, props *awscdk.StackProps, hello restapi.RestApi) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	fn := gofunction.NewGoFunction(stack, jsii.String("Caller"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/caller/cmd")),
		FunctionOptions: awslambda.FunctionOptions{Environment: &map[string]*string{
			caller.TargetURLEnv: jsii.String(*hello.Url() + HelloIamPath[1:]),
		}},
	})
	hello.GrantInvoke(fn, "GET", HelloIamPath)

	api := httpapi.NewHttpApi(stack, jsii.String("Api"), &httpapi.HttpApiProps{
		Description:       jsii.String("Portico caller API: runs the same-account IAM caller"),
		DefaultAuthorizer: httpapi.IamAuthorizer(),
	})
	api.AddRoute(CallerRoute, fn, nil)

	awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	return stack
}
