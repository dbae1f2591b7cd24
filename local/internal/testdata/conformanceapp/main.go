// Command conformanceapp synthesizes the assembly of the conformance corpus
// (testdata/conformance): the APIs its cases, recorded on AWS, were sent to, each in front of
// the probe (an echo handler). Regenerate it from the module root with:
//
//	export PATH=/work/main/node_modules/.bin:$PATH
//	cdk synth -q --app "go run ./local/internal/testdata/conformanceapp" -o /tmp/conformance.out
//
// then copy manifest.json and Conformance.template.json into testdata/conformance.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Conformance"), nil)
	probe := gofunction.NewGoFunction(stack, jsii.String("Probe"), &gofunction.GoFunctionProps{Entry: jsii.String("./local/internal/testfunctions/probe")})

	// The REST APIs of LocalStack's test_lambda_aws_proxy_integration: ANY on /{proxy+} and on
	// /hardcoded, stage "stage" (and "test", the stage of its response-format tests).
	rest := func(id string, endpoint awsapigateway.EndpointType, binary []string) {
		api := awsapigateway.NewRestApi(stack, jsii.String(id), &awsapigateway.RestApiProps{
			EndpointTypes:    &[]awsapigateway.EndpointType{endpoint},
			BinaryMediaTypes: jsii.Strings(binary...),
			DeployOptions:    &awsapigateway.StageOptions{StageName: jsii.String("stage")},
		})
		awsapigateway.NewStage(stack, jsii.String(id+"Test"), &awsapigateway.StageProps{Deployment: api.LatestDeployment(), StageName: jsii.String("test")})
		integ := awsapigateway.NewLambdaIntegration(probe, nil)
		api.Root().AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("ANY"), integ, nil)
		api.Root().AddResource(jsii.String("hardcoded"), nil).AddMethod(jsii.String("ANY"), integ, nil)
	}
	rest("Edge", awsapigateway.EndpointType_EDGE, nil)
	rest("Regional", awsapigateway.EndpointType_REGIONAL, []string{"application/octet-stream"})

	// HTTP APIs: payload 2.0 on $default (aws-lambda-go's capture and the documented example),
	// payload 1.0 on GET /my/path (the documented example), no $default route there.
	awsapigatewayv2.NewHttpApi(stack, jsii.String("Http"), &awsapigatewayv2.HttpApiProps{
		DefaultIntegration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("V2"), probe, nil),
	})
	v1 := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpV1"), nil)
	v1.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:    jsii.String("/my/path"),
		Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("V1"), probe, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_1_0(),
		}),
	})
	app.Synth(nil)
}
