// Command fixtureapp synthesizes the gateway's test assembly (testdata/assembly). Regenerate it
// from the module root with:
//
//	cdk synth -q --app "go run ./local/internal/testdata/fixtureapp" -o /tmp/fixture.out
//
// then copy manifest.json and Fixture.template.json into testdata/assembly (no assets: the
// gateway builds host binaries from portico:entry).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Fixture"), nil)
	entry := jsii.String("./local/internal/testfunctions/probe")

	probe := gofunction.NewGoFunction(stack, jsii.String("Probe"), &gofunction.GoFunctionProps{
		Entry: entry,
		FunctionOptions: awslambda.FunctionOptions{
			Environment: &map[string]*string{"GREETING": jsii.String("fixture")},
			Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
		},
	})
	short := gofunction.NewGoFunction(stack, jsii.String("Short"), &gofunction.GoFunctionProps{
		Entry:           entry,
		FunctionOptions: awslambda.FunctionOptions{Timeout: awscdk.Duration_Seconds(jsii.Number(1))},
	})
	hello := gofunction.NewGoFunction(stack, jsii.String("Hello"), &gofunction.GoFunctionProps{Entry: jsii.String("./functions/hello/cmd")})
	version := probe.CurrentVersion()
	awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{AliasName: jsii.String("live"), Version: version})
	awslambda.NewAlias(stack, jsii.String("Beta"), &awslambda.AliasProps{AliasName: jsii.String("beta"), Version: version})

	rest := awsapigateway.NewRestApi(stack, jsii.String("Rest"), &awsapigateway.RestApiProps{
		BinaryMediaTypes: jsii.Strings("application/octet-stream", "image/*"),
		DeployOptions: &awsapigateway.StageOptions{
			StageName: jsii.String("prod"),
			Variables: &map[string]*string{"alias": jsii.String("live"), "color": jsii.String("blue")},
		},
	})
	awsapigateway.NewStage(stack, jsii.String("BetaStage"), &awsapigateway.StageProps{
		Deployment: rest.LatestDeployment(),
		StageName:  jsii.String("beta"),
		Variables:  &map[string]*string{"alias": jsii.String("beta"), "color": jsii.String("green")},
	})
	integ := awsapigateway.NewLambdaIntegration(probe, nil)
	rest.Root().AddMethod(jsii.String("GET"), integ, nil)
	items := rest.Root().AddResource(jsii.String("items"), nil)
	items.AddMethod(jsii.String("GET"), integ, nil)
	items.AddResource(jsii.String("special"), nil).AddMethod(jsii.String("GET"), integ, nil)
	item := items.AddResource(jsii.String("{id}"), nil)
	item.AddMethod(jsii.String("GET"), integ, nil)
	item.AddResource(jsii.String("{sub}"), nil).AddMethod(jsii.String("ANY"), integ, nil)
	things := rest.Root().AddResource(jsii.String("things"), nil)
	things.AddMethod(jsii.String("ANY"), integ, nil)
	things.AddMethod(jsii.String("POST"), awsapigateway.NewLambdaIntegration(short, nil), nil)
	rest.Root().AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("ANY"), integ, nil)
	rest.Root().AddResource(jsii.String("hello"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewLambdaIntegration(hello, nil), nil)
	rest.Root().AddResource(jsii.String("slow"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewLambdaIntegration(short, nil), nil)
	// Alias routing: the stage variable picks the alias of Probe.
	aliased := awslambda.Function_FromFunctionArn(stack, jsii.String("ProbeByStage"), jsii.String(*probe.FunctionArn()+":${stageVariables.alias}"))
	rest.Root().AddResource(jsii.String("alias"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewLambdaIntegration(aliased, nil), nil)
	rest.Root().AddResource(jsii.String("secure"), nil).AddMethod(jsii.String("GET"), integ, &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM})
	rest.Root().AddResource(jsii.String("keyed"), nil).AddMethod(jsii.String("GET"), integ, &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(true)})
	rest.Root().AddResource(jsii.String("mock"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)

	web(stack, awsapigateway.NewLambdaIntegration(probe, nil))

	httpAPI := awsapigatewayv2.NewHttpApi(stack, jsii.String("Http"), &awsapigatewayv2.HttpApiProps{
		DefaultIntegration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Fallback"), probe, nil),
	})
	hint := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Probe"), probe, nil)
	for _, p := range []string{"/items/{id}", "/items/special", "/{proxy+}"} {
		httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String(p), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET}, Integration: hint})
	}
	httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String("/things"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY}, Integration: hint})
	httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String("/slow"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Short"), short, nil)})
	httpAPI.AddRoutes(&awsapigatewayv2.AddRoutesOptions{Path: jsii.String("/private"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: hint, Authorizer: awsapigatewayv2authorizers.NewHttpIamAuthorizer()})
	awsapigatewayv2.NewHttpStage(stack, jsii.String("Dev"), &awsapigatewayv2.HttpStageProps{
		HttpApi: httpAPI, StageName: jsii.String("dev"), AutoDeploy: jsii.Bool(true),
		StageVariables: &map[string]*string{"color": jsii.String("red")},
	})

	ws := awsapigatewayv2.NewWebSocketApi(stack, jsii.String("Socket"), &awsapigatewayv2.WebSocketApiProps{
		ConnectRouteOptions: &awsapigatewayv2.WebSocketRouteOptions{Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String("Connect"), probe, nil)},
	})
	awsapigatewayv2.NewWebSocketStage(stack, jsii.String("SocketStage"), &awsapigatewayv2.WebSocketStageProps{WebSocketApi: ws, StageName: jsii.String("ws"), AutoDeploy: jsii.Bool(true)})
	app.Synth(nil)
}

// web adds the REST API of browser clients: CDK's CORS preflights (one origin; several with
// credentials), a static MOCK method, a MOCK method needing VTL (refused) and gateway responses.
func web(stack awscdk.Stack, integ awsapigateway.Integration) {
	api := awsapigateway.NewRestApi(stack, jsii.String("Web"), &awsapigateway.RestApiProps{
		DeployOptions: &awsapigateway.StageOptions{StageName: jsii.String("prod"), Variables: &map[string]*string{"color": jsii.String("teal")}},
	})
	orders := api.Root().AddResource(jsii.String("orders"), &awsapigateway.ResourceOptions{
		DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{AllowOrigins: jsii.Strings("https://app.example")},
	})
	orders.AddMethod(jsii.String("GET"), integ, &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(true)})
	multi := api.Root().AddResource(jsii.String("multi"), &awsapigateway.ResourceOptions{
		DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{
			AllowOrigins:     jsii.Strings("https://a.example", "https://b.example", "https://c.example"),
			AllowCredentials: jsii.Bool(true),
			MaxAge:           awscdk.Duration_Seconds(jsii.Number(600)),
			StatusCode:       jsii.Number(200),
		},
	})
	multi.AddMethod(jsii.String("GET"), integ, nil)
	api.Root().AddResource(jsii.String("status"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
		RequestTemplates: &map[string]*string{"application/json": jsii.String(`{"statusCode": 200}`)},
		IntegrationResponses: &[]*awsapigateway.IntegrationResponse{
			{StatusCode: jsii.String("500"), SelectionPattern: jsii.String(`5\d{2}`), ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"status":"down"}`)}},
			{StatusCode: jsii.String("200"), ResponseParameters: &map[string]*string{"method.response.header.X-Mock": jsii.String("'static'")},
				ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"status":"up"}`)}},
		},
	}), &awsapigateway.MethodOptions{MethodResponses: &[]*awsapigateway.MethodResponse{
		{StatusCode: jsii.String("200"), ResponseParameters: &map[string]*bool{"method.response.header.X-Mock": jsii.Bool(true)}},
		{StatusCode: jsii.String("500")},
	}})
	api.Root().AddResource(jsii.String("vtl"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
		RequestTemplates:     &map[string]*string{"application/json": jsii.String(`{"statusCode": $input.params('code')}`)},
		IntegrationResponses: &[]*awsapigateway.IntegrationResponse{{StatusCode: jsii.String("200")}},
	}), &awsapigateway.MethodOptions{MethodResponses: &[]*awsapigateway.MethodResponse{{StatusCode: jsii.String("200")}}})
	api.AddGatewayResponse(jsii.String("Default4xx"), &awsapigateway.GatewayResponseOptions{
		Type: awsapigateway.ResponseType_DEFAULT_4XX(),
		ResponseHeaders: &map[string]*string{
			"Access-Control-Allow-Origin": jsii.String("'https://app.example'"),
			"X-Echo-Probe":                jsii.String("method.request.header.X-Probe"),
		},
		Templates: &map[string]*string{"application/json": jsii.String(
			`{"error":$context.error.messageString,"type":"$context.error.responseType","requestId":"$context.requestId","stage":"$context.stage","color":"$stageVariables.color"}`)},
	})
	api.AddGatewayResponse(jsii.String("NoKey"), &awsapigateway.GatewayResponseOptions{
		Type:            awsapigateway.ResponseType_INVALID_API_KEY(),
		StatusCode:      jsii.String("401"),
		ResponseHeaders: &map[string]*string{"WWW-Authenticate": jsii.String("'ApiKey'")},
	})
}
