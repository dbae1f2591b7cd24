package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/userpool"
	"github.com/portico-dev/portico/constructs/websocketapi"
	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/functions/notifications"
)

// NewNotificationsStack is the WebSocket API sample: a Cognito user pool and app client; a Go
// Lambda authorizer on $connect (authorizers/websocket) that verifies the pool's ID token from
// the "token" query parameter; and functions/notifications on $connect, $disconnect, $default,
// "echo" and "whoami", answering through the stage's @connections endpoint.
func NewNotificationsStack(scope constructs.Construct, id *string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	users := userpool.NewUserPool(stack, jsii.String("Users"), nil)
	authorizer := gofunction.NewGoFunction(stack, jsii.String("Authorizer"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("authorizers/websocket/cmd")),
		FunctionOptions: awslambda.FunctionOptions{
			Description: jsii.String("Verifies the Cognito ID token of a WebSocket $connect"),
			Environment: &map[string]*string{
				contract.JWTIssuerEnv:    jsii.String("https://cognito-idp." + *stack.Region() + "." + *stack.UrlSuffix() + "/" + *users.Pool.UserPoolId()),
				contract.JWTClientIDsEnv: users.Client.UserPoolClientId(),
				contract.JWTTokenUseEnv:  jsii.String("id"),
			},
		},
	})
	handler := gofunction.NewGoFunction(stack, jsii.String("Handler"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/notifications/cmd")),
	})

	api := websocketapi.NewWebSocketApi(stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{
		Description: jsii.String("Portico notifications API"),
		Stage: &websocketapi.StageOptions{
			Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(50), BurstLimit: jsii.Number(100)},
		},
	})
	api.AddRoute(websocketapi.Connect, handler, &websocketapi.RouteOptions{
		Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("CognitoJwt"), authorizer, nil),
	})
	api.AddRoute(websocketapi.Disconnect, handler, nil)
	api.AddRoute(websocketapi.Default, handler, nil)
	api.AddRoute(notifications.RouteEcho, handler, nil)
	api.AddRoute(notifications.RouteWhoami, handler, nil)
	api.AllowCallbacks(handler)

	awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	awscdk.NewCfnOutput(stack, jsii.String("CallbackUrl"), &awscdk.CfnOutputProps{Value: api.CallbackUrl()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: users.Pool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("ClientId"), &awscdk.CfnOutputProps{Value: users.Client.UserPoolClientId()})
	return stack
}
