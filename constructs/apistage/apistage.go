// Package apistage provides StageOptions, the settings of one stage of an HTTP or WebSocket API
// (API Gateway v2). httpapi.StageOptions and websocketapi.StageOptions are this type, so one
// value configures a stage of either kind.
package apistage

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// StageOptions configures a stage of an HTTP or WebSocket API.
type StageOptions struct {
	// Description of the stage.
	// Default: none.
	Description *string

	// StageVariables are passed to handlers and authorizers as stageVariables.
	// Default: none.
	StageVariables *map[string]*string

	// Throttle limits every route of the stage (steady rate per second and burst).
	// Default: the account's limits.
	Throttle *awsapigatewayv2.ThrottleSettings

	// AccessLogRetention is how long the stage's JSON access logs are kept.
	// Default: one month.
	AccessLogRetention awslogs.RetentionDays
}
