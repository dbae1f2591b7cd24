package restapi_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/policy"
	"github.com/portico-dev/portico/constructs/restapi"
)

func ExampleNewPrivateRestApi() {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Example"), nil)
	// A stand-in handler; a Go one is gofunction.NewGoFunction.
	handler := awslambda.NewFunction(stack, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_LATEST(), Handler: jsii.String("index.handler"),
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({statusCode: 200})")),
	})
	// Each stage's variable names an alias the app defines (synth fails otherwise).
	for _, name := range []string{"dev", "live"} {
		awslambda.NewAlias(stack, jsii.String(name), &awslambda.AliasProps{AliasName: jsii.String(name), Version: handler.CurrentVersion()})
	}

	api := restapi.NewPrivateRestApi(stack, jsii.String("Api"), &restapi.PrivateRestApiProps{
		VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"),
		RestApiOptions: restapi.RestApiOptions{
			// Only callers from this subnet, inside the endpoint's VPC (aws:VpcSourceIp).
			Policy: policy.New().Allow(policy.Cidrs("10.0.1.0/24")),
			Stages: &[]*restapi.StageProps{
				{Name: jsii.String("dev"), Variables: &map[string]*string{"alias": jsii.String("dev")}},
				{Name: jsii.String("prod"), Variables: &map[string]*string{"alias": jsii.String("live")}},
			},
		},
	})
	api.AddRoute("GET", "/orders/{id}", handler, &restapi.RouteOptions{
		NoAuthorizer:          jsii.Bool(true),
		FunctionAliasVariable: jsii.String("alias"),
	})
	for _, s := range api.Stages() {
		alias, _ := s.Variable("alias")
		fmt.Println(s.Name(), "->", alias)
	}
	fmt.Println(api.Routes())
	// Output:
	// dev -> dev
	// prod -> live
	// [GET /orders/{id}]
}
