package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/infra/stacks"
)

// TestOneStackOwnsTheAccountSettings: API Gateway has one CloudWatch Logs role per account and
// region, so one sample stack sets it and every stack whose REST or WebSocket stages log is
// deployed after that one (`cdk deploy PorticoNotifications` deploys PorticoHello first).
func TestOneStackOwnsTheAccountSettings(t *testing.T) {
	// GIVEN the sample app
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stacks.Build(app)
	// WHEN each stack is synthesized
	// THEN only PorticoHello has an AWS::ApiGateway::Account, and the stacks that log need it
	wantOwner := "PorticoHello"
	needs := map[string]bool{"PorticoPrivateOrders": true, "PorticoPartner": true, "PorticoNotifications": true, "PorticoProfile": false}
	for _, child := range *app.Node().Children() {
		stack, ok := child.(awscdk.Stack)
		if !ok {
			continue
		}
		name := *stack.StackName()
		t.Run(name, func(t *testing.T) {
			want := 0
			if name == wantOwner {
				want = 1
			}
			assertions.Template_FromStack(stack, nil).ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(want))
			dependsOnOwner := false
			for _, d := range *stack.Dependencies() {
				dependsOnOwner = dependsOnOwner || *d.StackName() == wantOwner
			}
			if need, listed := needs[name]; listed && dependsOnOwner != need {
				t.Errorf("%s depends on %s: %v, want %v", name, wantOwner, dependsOnOwner, need)
			}
		})
	}
}

// TestRegionAloneLeavesTheAppEnvironmentAgnostic: without AWS configuration the CDK CLI still
// sets CDK_DEFAULT_REGION (to us-east-1) but no account; `make synth` must not pin the
// templates to that guess.
func TestRegionAloneLeavesTheAppEnvironmentAgnostic(t *testing.T) {
	for _, tt := range []struct {
		name, account, region, want string
	}{
		{"no AWS configuration", "", "us-east-1", "aws://unknown-account/unknown-region"},
		{"credentials", "123456789012", "eu-west-1", "aws://123456789012/eu-west-1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the environment the CDK CLI passes to the app
			t.Setenv("CDK_DEFAULT_ACCOUNT", tt.account)
			t.Setenv("CDK_DEFAULT_REGION", tt.region)
			// WHEN the app is built
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stacks.Build(app)
			// THEN every stack has the expected environment
			for _, child := range *app.Node().Children() {
				if stack, ok := child.(awscdk.Stack); ok {
					if got := *stack.Environment(); got != tt.want {
						t.Errorf("%s: environment %s, want %s", *stack.StackName(), got, tt.want)
					}
				}
			}
		})
	}
}
