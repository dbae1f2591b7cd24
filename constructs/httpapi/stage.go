package httpapi

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/apistage"
	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// StageOptions configures a stage; it is the type websocketapi.StageOptions is too.
type StageOptions = apistage.StageOptions

// AccessLogFormat is the JSON line written for each request: enough to trace a call through
// the authorizer and the integration.
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",` +
	`"routeKey":"$context.routeKey","path":"$context.path","status":"$context.status",` +
	`"protocol":"$context.protocol","responseLength":"$context.responseLength",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

func (a *httpApi) AddStage(name string, options *StageOptions) awsapigatewayv2.HttpStage {
	a.imported.Unsupported("AddStage", apigw.StagesOwned+", with the route throttles and usage plans that cover them; add the stage there")
	if name == DefaultStageName {
		panic(fmt.Errorf("HttpApi %s: AddStage: only the stage created with the API can be %q; set StageName in HttpApiProps", *a.Node().Path(), name))
	}
	return a.addStage("Stage"+name, name, options)
}

func (a *httpApi) addStage(id, name string, options *StageOptions) awsapigatewayv2.HttpStage {
	if name != DefaultStageName && !apigw.ValidStageName(name) {
		panic(fmt.Errorf("HttpApi %s: stage name must be %q or 1 to 128 letters, digits, \"-\" or \"_\", got %q", *a.Node().Path(), DefaultStageName, name))
	}
	return a.stages.Add(a, id, name, options, func(scope constructs.Construct, id *string, o *StageOptions) awsapigatewayv2.HttpStage {
		return awsapigatewayv2.NewHttpStage(scope, id, &awsapigatewayv2.HttpStageProps{
			HttpApi:        a.api,
			StageName:      jsii.String(name),
			AutoDeploy:     jsii.Bool(true),
			Description:    o.Description,
			StageVariables: o.StageVariables,
			Throttle:       o.Throttle,
		})
	})
}
