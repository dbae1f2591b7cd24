package websocketapi_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/websocketapi"
)

// TestStagesWaitForTheAccountSettings: a WebSocket stage with access logs fails to create unless
// the account and region have API Gateway's CloudWatch Logs role, so a stack with only a
// WebSocket API sets it, once, before its stages.
func TestStagesWaitForTheAccountSettings(t *testing.T) {
	// GIVEN a stack whose only APIs are two WebSocket APIs, one with a second stage
	f := constructstest.NewFixture()
	api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
	api.AddRoute(websocketapi.Connect, f.Fn, nil)
	api.AddStage("dev", nil)
	websocketapi.NewWebSocketApi(f.Stack, jsii.String("Other"), nil).AddRoute(websocketapi.Connect, f.Fn, nil)
	// WHEN it is synthesized
	tmpl := assertions.Template_FromStack(f.Stack, nil)

	// THEN it has one account setting, whose role API Gateway can assume, and every stage waits for it
	constructstest.StagesWaitForOneAccount(t, tmpl, "AWS::ApiGatewayV2::Stage", 3)
}

func TestCloudWatchRoleOptOut(t *testing.T) {
	// GIVEN a WebSocket API whose account settings are managed outside the app
	f := constructstest.NewFixture()
	websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), &websocketapi.WebSocketApiProps{CloudWatchRole: jsii.Bool(false)}).
		AddRoute(websocketapi.Connect, f.Fn, nil)
	// THEN the stack sets none and its stage waits for nothing
	tmpl := assertions.Template_FromStack(f.Stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0))
	tmpl.HasResource(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{"DependsOn": assertions.Match_Absent()})
}
