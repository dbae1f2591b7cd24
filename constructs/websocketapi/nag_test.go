package websocketapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/websocketapi"
)

// nagErrors applies AwsSolutions to the fixture's stack and returns its error findings.
func nagErrors(f constructstest.Fixture) []string {
	awscdk.Aspects_Of(f.Stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	var out []string
	for _, m := range *assertions.Annotations_FromStack(f.Stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
		//lint:ignore SA1019 the replacement type lives in @aws-cdk/cloud-assembly-api, which has no Go binding
		out = append(out, *m.Id+" "+m.Entry.Data.(string))
	}
	return out
}

func TestNagSuppressionsAreEarned(t *testing.T) {
	auth := func(f constructstest.Fixture) *websocketapi.RouteOptions {
		return &websocketapi.RouteOptions{Authorizer: websocketapi.NewLambdaAuthorizer(jsii.String("GoAuth"), f.Fn, nil)}
	}
	tests := []struct {
		name  string
		build func(f constructstest.Fixture)
		// want lists substrings of the errors that must remain; every other error fails.
		want []string
	}{
		{"authorized $connect covers the message routes", func(f constructstest.Fixture) {
			api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute(websocketapi.Connect, f.Fn, auth(f))
			api.AddRoute("echo", f.Fn, nil)
			api.AddRoute(websocketapi.Default, f.Fn, nil)
		}, nil},
		{"routes added before $connect are covered too", func(f constructstest.Fixture) {
			api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute("echo", f.Fn, nil)
			api.AddRoute(websocketapi.Connect, f.Fn, auth(f))
		}, nil},
		{"an unauthenticated API is still reported", func(f constructstest.Fixture) {
			api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute(websocketapi.Connect, f.Fn, nil)
			api.AddRoute("echo", f.Fn, nil)
		}, []string{"Api/Resource/$connectRoute/Resource AwsSolutions-APIG4", "Api/Resource/echoRoute/Resource AwsSolutions-APIG4"}},
		{"only the @connections wildcard is excused", func(f constructstest.Fixture) {
			api := websocketapi.NewWebSocketApi(f.Stack, jsii.String("Api"), nil)
			api.AddRoute(websocketapi.Connect, f.Fn, auth(f))
			api.AllowCallbacks(f.Fn)
			f.Fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("*")}))
		}, []string{"AwsSolutions-IAM5[Resource::*]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := constructstest.NewFixture()
			tt.build(f)
			errs := nagErrors(f)
			for _, want := range tt.want {
				found := false
				for _, e := range errs {
					found = found || strings.Contains(e, want)
				}
				if !found {
					t.Errorf("no error %q among %q", want, errs)
				}
			}
			for _, e := range errs {
				expected := false
				for _, want := range tt.want {
					expected = expected || strings.Contains(e, want)
				}
				// The stand-in function is not our concern (IAM4 managed policy, L1 runtime).
				if !expected && strings.Contains(e, "/Api/") {
					t.Errorf("unexpected finding %q", e)
				}
				if strings.Contains(e, "@connections") {
					t.Errorf("the @connections grant was reported: %q", e)
				}
			}
		})
	}
}
