package apiaccount_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/apiaccount"
	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/websocketapi"
)

func TestOfIsOnePerStack(t *testing.T) {
	// GIVEN a stack
	f := constructstest.NewFixture()
	// WHEN its account settings are asked for twice, from the stack and from a nested scope
	first := apiaccount.Of(f.Stack)
	second := apiaccount.Of(constructs.NewConstruct(f.Stack, jsii.String("Nested")))
	// THEN both are the one construct at the stack's root, with one role and one account setting
	if *first.Node().Path() != "Stack/"+apiaccount.ID || *second.Node().Path() != *first.Node().Path() {
		t.Errorf("Of gave %s then %s, want Stack/%s twice", *first.Node().Path(), *second.Node().Path(), apiaccount.ID)
	}
	tmpl := assertions.Template_FromStack(f.Stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Account"), map[string]any{
		"CloudWatchRoleArn": map[string]any{"Fn::GetAtt": []any{*f.Stack.GetLogicalId(first.Role().Node().DefaultChild().(awscdk.CfnElement)), "Arn"}},
	})
	if got := *f.Stack.GetLogicalId(first.Resource()); !strings.HasPrefix(got, apiaccount.ID) {
		t.Errorf("the account setting is %s, want it named after %s", got, apiaccount.ID)
	}
}

func TestOwnerStackHoldsTheSettings(t *testing.T) {
	// GIVEN an app whose context names the stack that owns the account settings
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{apiaccount.OwnerStackContext: "Shared"}})
	shared := awscdk.NewStack(app, jsii.String("Shared"), nil)
	apiaccount.Of(shared)
	other := constructstest.Fixture{App: app}.Other("Chat")
	// WHEN another stack has a WebSocket API, whose stages log
	websocketapi.NewWebSocketApi(other.Stack, jsii.String("Api"), nil).AddStage("dev", nil)
	// THEN that stack sets nothing itself and is deployed after the owner
	assertions.Template_FromStack(other.Stack, nil).ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0))
	deps := *other.Stack.Dependencies()
	if len(deps) != 1 || *deps[0].StackName() != "Shared" {
		t.Errorf("Chat depends on %d stacks, want Shared only", len(deps))
	}
}

func TestClearErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		build func()
		want  string
	}{
		{"the owner is not a stack of the app", func() {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{apiaccount.OwnerStackContext: "Missing"}})
			f := constructstest.Fixture{App: app}.Other("Chat")
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
		}, `context @portico/apigateway:accountStack names "Missing", which is not a stack of this app`},
		{"the owner has no settings", func() {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{apiaccount.OwnerStackContext: "Shared"}})
			awscdk.NewStack(app, jsii.String("Shared"), nil)
			f := constructstest.Fixture{App: app}.Other("Chat")
			websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
			app.Synth(nil)
		}, "stack Shared (context @portico/apigateway:accountStack) holds no API Gateway account settings"},
		{"the id is taken", func() {
			f := constructstest.NewFixture()
			constructs.NewConstruct(f.Stack, jsii.String(apiaccount.ID))
			apiaccount.Of(f.Stack)
		}, `the construct id "ApiGatewayAccount" is reserved for the stack's API Gateway account settings`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if msg := constructstest.PanicMessage(t, tt.build); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q\ndoes not contain %q", msg, tt.want)
			}
		})
	}
}
