package stacks

import (
	"maps"
	"slices"

	"github.com/portico-dev/portico/functions/orders"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/restapi"
	"github.com/portico-dev/portico/constructs/userpool"
)

// NewPrivateOrdersStack is the private orders sample: a VPC with isolated subnets and an
// execute-api endpoint, a PRIVATE REST API reachable only through it, a Cognito authorizer that
// requires OAuth scopes, dev and prod stages whose stage variable "alias" selects the live alias
// of functions/orders, and CORS for a local front-end on FrontEndOrigin: preflights answered by
// the gateway, and gateway responses whose JSON errors a browser can read.
func NewPrivateOrdersStack(scope constructs.Construct, id *string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	flowLogs := awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_ONE_YEAR})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
			Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24),
		}},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{"All": {
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
			TrafficType: awsec2.FlowLogTrafficType_ALL,
		}},
	})

	handler := gofunction.NewGoFunction(stack, jsii.String("Orders"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/orders/cmd")),
		FunctionOptions: awslambda.FunctionOptions{
			Environment: &map[string]*string{orders.AllowOriginEnv: jsii.String(FrontEndOrigin)},
		},
	})
	live := awslambda.NewAlias(stack, jsii.String("OrdersLive"), &awslambda.AliasProps{
		AliasName: jsii.String("live"),
		Version:   handler.CurrentVersion(),
	})

	users := userpool.NewUserPool(stack, jsii.String("Users"), &userpool.UserPoolProps{
		ResourceServerIdentifier: jsii.String("orders"),
		Scopes:                   jsii.Strings("read", "write"),
		DomainPrefix:             jsii.String("portico-orders-" + *stack.Account()),
	})

	alias := map[string]*string{"alias": live.AliasName()}
	api := restapi.NewPrivateRestApi(stack, jsii.String("Api"), &restapi.PrivateRestApiProps{
		Vpc: vpc,
		RestApiOptions: restapi.RestApiOptions{
			Description: jsii.String("Portico private orders API"),
			Cors: &restapi.Cors{
				AllowOrigins:  jsii.Strings(FrontEndOrigin),
				AllowMethods:  jsii.Strings("GET", "POST"),
				AllowHeaders:  jsii.Strings("Authorization", "Content-Type"),
				MaxAgeSeconds: jsii.Number(600),
			},
			// The CORS headers are added to these and to DEFAULT_5XX, so a browser can read why
			// the authorizer refused it.
			GatewayResponses: &map[string]*restapi.GatewayResponse{
				"DEFAULT_4XX": {Templates: &map[string]*string{
					"application/json": jsii.String(`{"message":$context.error.messageString,"type":"$context.error.responseType","requestId":"$context.requestId"}`),
				}},
			},
			Stages: &[]*restapi.StageProps{
				{Name: jsii.String("dev"), Variables: &alias, ThrottlingRateLimit: jsii.Number(10), ThrottlingBurstLimit: jsii.Number(20)},
				{Name: jsii.String("prod"), Variables: &alias, ThrottlingRateLimit: jsii.Number(100), ThrottlingBurstLimit: jsii.Number(200), TracingEnabled: jsii.Bool(true)},
			},
		},
	})
	cognito := api.AddCognitoAuthorizer(jsii.String("Cognito"), &restapi.CognitoAuthorizerProps{
		UserPools: &[]awscognito.IUserPool{users.Pool},
	})
	read := &restapi.RouteOptions{Authorizer: cognito, Scopes: jsii.Strings("orders/read"), FunctionAliasVariable: jsii.String("alias")}
	api.AddRoute("GET", "/orders", handler, read)
	api.AddRoute("GET", "/orders/{id}", handler, read)
	api.AddRoute("POST", "/orders", handler, &restapi.RouteOptions{Authorizer: cognito, Scopes: jsii.Strings("orders/write"), FunctionAliasVariable: jsii.String("alias")})

	outputs(stack, map[string]*string{
		"ApiId":         api.Api().RestApiId(),
		"VpcEndpointId": api.VpcEndpoints()[0].VpcEndpointId(),
		"UsersClientId": users.Client.UserPoolClientId(),
		"TokenUrl":      jsii.String(*users.Domain.BaseUrl(nil) + "/oauth2/token"),
	})
	return stack
}

// outputs adds a stack output per name, so a team finds what to call after `cdk deploy`.
// outputs adds values in name order: a template lists outputs in creation order, and two synths
// must give identical templates.
func outputs(stack awscdk.Stack, values map[string]*string) {
	for _, name := range slices.Sorted(maps.Keys(values)) {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: values[name]})
	}
}
