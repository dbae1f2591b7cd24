package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/nag"
	"github.com/portico-dev/portico/functions/caller"
	"github.com/portico-dev/portico/infra/stacks"
)

func TestCallerStack(t *testing.T) {
	// GIVEN the Hello and Caller samples with the checks Build applies
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	hello, api := stacks.NewHelloStack(app, jsii.String("Hello"), nil)
	stack := stacks.NewCallerStack(app, jsii.String("Caller"), nil, api)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	awscdk.Aspects_Of(app).Add(nag.NewPorticoChecks(nil), nil)
	tmpl := assertions.Template_FromStack(stack, nil)

	helloApi := map[string]any{"Fn::ImportValue": assertions.Match_StringLikeRegexp(jsii.String("^Hello:ExportsOutputRefApi"))}
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"the function knows the URL of hello's IAM route on its prod stage", "AWS::Lambda::Function", map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{caller.TargetURLEnv: map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{
				"https://", helloApi, ".execute-api.",
			})}}}},
		}},
		// "Resource format of permissions for executing API in API Gateway":
		// arn:aws:execute-api:{region}:{account-id}:{api-id}/{stage}/{METHOD}/{resource-path}.
		{"its role may invoke exactly that stage, method and path", "AWS::IAM::Policy", map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "execute-api:Invoke", "Effect": "Allow",
				"Resource": map[string]any{"Fn::Join": []any{"", []any{
					"arn:", map[string]any{"Ref": "AWS::Partition"}, ":execute-api:", map[string]any{"Ref": "AWS::Region"}, ":",
					map[string]any{"Ref": "AWS::AccountId"}, ":", helloApi, "/prod/GET/iam/hello",
				}}},
			}})},
		}},
		{"an IAM-authorized route of its own runs it", "AWS::ApiGatewayV2::Route", map[string]any{
			"RouteKey": stacks.CallerRoute, "AuthorizationType": "AWS_IAM",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tmpl.HasResourceProperties(jsii.String(tt.typ), tt.props) })
	}
	t.Run("both stacks pass cdk-nag", func(t *testing.T) {
		noNagErrors(t, hello) // also proves the packs ran
		for _, e := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("(AwsSolutions|Portico)-"))) {
			t.Error(describe(e))
		}
	})
}
