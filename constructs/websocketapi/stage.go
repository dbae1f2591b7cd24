package websocketapi

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/apiaccount"
	"github.com/portico-dev/portico/constructs/apistage"
	"github.com/portico-dev/portico/constructs/internal/apigw"
)

// StageOptions configures a stage; it is the type httpapi.StageOptions is too.
type StageOptions = apistage.StageOptions

// AccessLogFormat is the JSON line written for each connect, message and disconnect.
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","eventType":"$context.eventType",` +
	`"routeKey":"$context.routeKey","status":"$context.status","connectionId":"$context.connectionId",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

func (a *webSocketApi) AddStage(name string, options *StageOptions) awsapigatewayv2.WebSocketStage {
	a.imported.Unsupported("AddStage", apigw.StagesOwned+", with the route throttles and usage plans that cover them; add the stage there")
	return a.addStage("Stage"+name, name, options)
}

func (a *webSocketApi) addStage(id, name string, options *StageOptions) awsapigatewayv2.WebSocketStage {
	if !apigw.ValidStageName(name) {
		panic(fmt.Errorf("WebSocketApi %s: stage name must be 1 to 128 letters, digits, \"-\" or \"_\", got %q", *a.Node().Path(), name))
	}
	stage := a.stages.Add(a, id, name, options, func(scope constructs.Construct, id *string, o *StageOptions) awsapigatewayv2.WebSocketStage {
		return awsapigatewayv2.NewWebSocketStage(scope, id, &awsapigatewayv2.WebSocketStageProps{
			WebSocketApi:   a.api,
			StageName:      jsii.String(name),
			AutoDeploy:     jsii.Bool(true),
			Description:    o.Description,
			StageVariables: o.StageVariables,
			Throttle:       o.Throttle,
		})
	})
	// Every stage writes access logs, which WebSocket APIs (unlike HTTP APIs) deliver with the
	// account's CloudWatch Logs role.
	if a.accountSettings {
		apiaccount.Require(stage, a.api.Node().DefaultChild())
	}
	return stage
}
