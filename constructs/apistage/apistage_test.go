package apistage_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/apistage"
	"github.com/portico-dev/portico/constructs/httpapi"
	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/websocketapi"
)

func TestOneStageOptionsForBothKinds(t *testing.T) {
	// GIVEN one StageOptions value
	f := constructstest.NewFixture()
	opts := &apistage.StageOptions{
		StageVariables:     &map[string]*string{"table": jsii.String("items-dev")},
		Throttle:           &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(7), BurstLimit: jsii.Number(14)},
		AccessLogRetention: awslogs.RetentionDays_ONE_WEEK,
	}
	// WHEN it configures a stage of an HTTP API and of a WebSocket API, as each package names it
	var httpOpts *httpapi.StageOptions = opts
	var wsOpts *websocketapi.StageOptions = opts
	httpapi.NewHttpApi(f.Stack, jsii.String("Http"), nil).AddStage("dev", httpOpts)
	websocketapi.NewWebSocketApi(f.Stack, jsii.String("Ws"), nil).AddStage("dev", wsOpts)

	// THEN both dev stages carry its settings
	tmpl := assertions.Template_FromStack(f.Stack, nil)
	for _, api := range []string{"^Http", "^Ws"} {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"ApiId":                map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String(api))},
			"StageName":            "dev",
			"StageVariables":       map[string]any{"table": "items-dev"},
			"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 7, "ThrottlingBurstLimit": 14},
		})
	}
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7}, jsii.Number(2))
}
