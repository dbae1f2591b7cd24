package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/infra/stacks"
)

func TestHelloStack(t *testing.T) {
	// GIVEN the hello sample with the checks Build applies
	stack, tmpl := checked(t, func(app awscdk.App) awscdk.Stack {
		stack, _ := stacks.NewHelloStack(app, jsii.String("Hello"), nil)
		return stack
	})
	// THEN GET /hello is public by choice, on the prod stage, and the stack passes cdk-nag
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
		"HttpMethod": "GET", "AuthorizationType": "NONE",
		"RequestParameters": map[string]any{"method.request.querystring.name": false},
		"Integration":       assertions.Match_ObjectLike(&map[string]any{"Type": "AWS_PROXY"}),
	})
	// AND GET /iam/hello is for signed IAM callers
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
		"HttpMethod": "GET", "AuthorizationType": "AWS_IAM",
		"ResourceId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Apiiamhello"))},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{"StageName": "prod"})
	noNagErrors(t, stack)
}
