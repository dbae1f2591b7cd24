package websocketapi

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/apigw"
	"github.com/portico-dev/portico/constructs/internal/v2stage"
)

// StageOptions configures a stage.
type StageOptions struct {
	// Description of the stage.
	// Default: none.
	Description *string

	// StageVariables are passed to handlers and the authorizer as stageVariables.
	// Default: none.
	StageVariables *map[string]*string

	// Throttle limits every route of the stage (steady rate per second and burst).
	// Default: the account's limits.
	Throttle *awsapigatewayv2.ThrottleSettings

	// AccessLogRetention is how long the stage's JSON access logs are kept.
	// Default: one month.
	AccessLogRetention awslogs.RetentionDays
}

// AccessLogFormat is the JSON line written for each connect, message and disconnect.
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","eventType":"$context.eventType",` +
	`"routeKey":"$context.routeKey","status":"$context.status","connectionId":"$context.connectionId",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

func (a *webSocketApi) AddStage(name string, options *StageOptions) awsapigatewayv2.WebSocketStage {
	return a.addStage("Stage"+name, name, options)
}

func (a *webSocketApi) addStage(id, name string, options *StageOptions) awsapigatewayv2.WebSocketStage {
	if !apigw.ValidStageName(name) {
		panic(fmt.Errorf("WebSocketApi %s: stage name must be 1 to 128 letters, digits, \"-\" or \"_\", got %q", *a.Node().Path(), name))
	}
	return a.stages.Add(a, id, name, (*v2stage.Options)(options), func(scope constructs.Construct, id *string, o *v2stage.Options) awsapigatewayv2.WebSocketStage {
		return awsapigatewayv2.NewWebSocketStage(scope, id, &awsapigatewayv2.WebSocketStageProps{
			WebSocketApi:   a.api,
			StageName:      jsii.String(name),
			AutoDeploy:     jsii.Bool(true),
			Description:    o.Description,
			StageVariables: o.StageVariables,
			Throttle:       o.Throttle,
		})
	})
}
