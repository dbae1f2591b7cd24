package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/gofunction"
)

// NewHelloStack is the first sample: a public REST API whose GET /hello runs functions/hello.
func NewHelloStack(scope constructs.Construct, id *string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	hello := gofunction.NewGoFunction(stack, jsii.String("Hello"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/hello/cmd")),
	})

	accessLogs := awslogs.NewLogGroup(stack, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH,
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
		Description:               jsii.String("Portico hello API"),
		EndpointTypes:             &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole:            jsii.Bool(true),
		DisableExecuteApiEndpoint: jsii.Bool(false),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String("prod"),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_JsonWithStandardFields(nil),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			TracingEnabled:       jsii.Bool(false),
		},
	})
	validator := api.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	api.Root().AddResource(jsii.String("hello"), nil).AddMethod(jsii.String("GET"),
		awsapigateway.NewLambdaIntegration(hello, nil),
		&awsapigateway.MethodOptions{
			RequestValidator:  validator,
			AuthorizationType: awsapigateway.AuthorizationType_NONE,
		})

	cdknag.NagSuppressions_AddResourceSuppressions(api, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String("GET /hello is a public, read-only greeting with no data behind it; it needs no caller identity.")},
		{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String("GET /hello is a public, read-only greeting with no data behind it; it needs no Cognito user.")},
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String("The account-level API Gateway logging role uses AmazonAPIGatewayPushToCloudWatchLogs, the policy API Gateway documents for that role; it grants log writes only."), AppliesTo: &[]interface{}{jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")}},
	}, jsii.Bool(true))
	return stack
}
