package nagsuppress_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/internal/nagsuppress"
)

func TestAdd(t *testing.T) {
	tests := []struct {
		name      string
		appliesTo []any
		want      map[string]any
	}{
		{"whole rule", nil, map[string]any{"id": "AwsSolutions-SQS3", "reason": "a reason of ten or more characters"}},
		{"one finding", []any{jsii.String("Resource::*")},
			map[string]any{"id": "AwsSolutions-SQS3", "reason": "a reason of ten or more characters", "applies_to": []any{"Resource::*"}}},
		{"findings by regex", []any{&cdknag.RegexAppliesTo{Regex: jsii.String("/^x$/")}},
			map[string]any{"id": "AwsSolutions-SQS3", "reason": "a reason of ten or more characters", "applies_to": []any{map[string]any{"regex": "/^x$/"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a queue inside a parent construct
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Stack"), nil)
			parent := constructs.NewConstruct(stack, jsii.String("Parent"))
			awssqs.NewQueue(parent, jsii.String("Queue"), nil)
			// WHEN the rule is suppressed on the parent
			nagsuppress.Add(parent, "AwsSolutions-SQS3", "a reason of ten or more characters", tt.appliesTo...)
			// THEN the child resource carries exactly that suppression
			assertions.Template_FromStack(stack, nil).HasResource(jsii.String("AWS::SQS::Queue"), map[string]any{
				"Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": []any{assertions.Match_ObjectEquals(&tt.want)}}},
			})
		})
	}
}
