// Package constructstest holds what the API construct tests share: a stack with a stand-in
// handler, table tests of the template and of clear errors, and the message of a panic.
package constructstest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Fixture is a stack with a stand-in handler: construct tests need a function, not a Go build.
type Fixture struct {
	App   awscdk.App
	Stack awscdk.Stack
	Fn    awslambda.Function
}

// NewFixture returns stack "Stack" holding function "Fn", inline Node.js code.
func NewFixture() Fixture {
	return newFixture(awscdk.NewApp(nil), "Stack")
}

// Other returns a second stack of the fixture's app, named id and holding its own function
// "Fn": importers are tested from it.
func (f Fixture) Other(id string) Fixture {
	return newFixture(f.App, id)
}

func newFixture(app awscdk.App, id string) Fixture {
	stack := awscdk.NewStack(app, jsii.String(id), nil)
	fn := awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({})")),
	})
	return Fixture{App: app, Stack: stack, Fn: fn}
}

// Resource is a resource a template must have: its type and (some of) its properties.
type Resource struct {
	Type  string
	Props map[string]any
}

// HasResources checks, in one subtest per name, that template has each resource of want.
func HasResources(t *testing.T, template assertions.Template, want map[string]Resource) {
	for name, r := range want {
		t.Run(name, func(t *testing.T) { template.HasResourceProperties(jsii.String(r.Type), r.Props) })
	}
}

// ImportValue matches a reference to another stack's export whose name contains part.
func ImportValue(part string) map[string]any {
	return map[string]any{"Fn::ImportValue": assertions.Match_StringLikeRegexp(jsii.String(part))}
}

// TemplateCase is a table test of the template: Build adds constructs to a fresh Fixture, and
// Then maps a resource type to properties that one resource of that type has.
type TemplateCase struct {
	Name  string
	Build func(f Fixture)
	Then  map[string]map[string]any
}

// RunTemplateCases runs each case as a subtest; the assertions library panics on a mismatch.
func RunTemplateCases(t *testing.T, cases []TemplateCase) {
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			// GIVEN a stack with a handler
			f := NewFixture()
			// WHEN the API is built
			tt.Build(f)
			// THEN the template has the expected resources
			template := assertions.Template_FromStack(f.Stack, nil)
			for typ, props := range tt.Then {
				template.HasResourceProperties(jsii.String(typ), props)
			}
		})
	}
}

// PanicCase is a table test of a clear error: Build, given a fresh Fixture, must panic with a
// message containing every Want string.
type PanicCase struct {
	Name  string
	Build func(f Fixture)
	Want  []string
}

// RunPanicCases runs each case as a subtest.
func RunPanicCases(t *testing.T, cases []PanicCase) {
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			msg := PanicMessage(t, func() { tt.Build(NewFixture()) })
			for _, want := range tt.Want {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q\ndoes not contain %q", msg, want)
				}
			}
		})
	}
}

// PanicMessage runs f and returns what it panicked with, or fails the test.
func PanicMessage(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic, want a clear error")
		}
		msg = fmt.Sprint(r)
	}()
	f()
	return ""
}

// DependsOn maps the logical ID of each resource of type typ in template to its DependsOn list.
func DependsOn(template assertions.Template, typ string) map[string][]string {
	out := map[string][]string{}
	for id, r := range *template.FindResources(jsii.String(typ), nil) {
		out[id] = []string{}
		list, _ := (*r)["DependsOn"].([]any)
		for _, d := range list {
			out[id] = append(out[id], fmt.Sprint(d))
		}
	}
	return out
}

// StagesWaitForOneAccount checks that template has one AWS::ApiGateway::Account, naming a role
// API Gateway can assume, and stages resources of type stageType, each depending on it. It
// returns the account's DependsOn list.
func StagesWaitForOneAccount(t *testing.T, template assertions.Template, stageType string, stages int) []string {
	t.Helper()
	accounts := DependsOn(template, "AWS::ApiGateway::Account")
	if len(accounts) != 1 {
		t.Fatalf("%d AWS::ApiGateway::Account resources, want 1", len(accounts))
	}
	template.HasResourceProperties(jsii.String("AWS::ApiGateway::Account"), map[string]any{
		"CloudWatchRoleArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ApiGatewayAccountCloudWatchRole")), "Arn"}},
	})
	template.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]any{
		"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
			"Principal": map[string]any{"Service": "apigateway.amazonaws.com"}})}}),
	})
	var account string
	var accountDeps []string
	for id, deps := range accounts {
		account, accountDeps = id, deps
	}
	found := DependsOn(template, stageType)
	if len(found) != stages {
		t.Fatalf("%d resources of type %s, want %d", len(found), stageType, stages)
	}
	for id, deps := range found {
		if !slices.Contains(deps, account) {
			t.Errorf("stage %s depends on %v, not on the account %s", id, deps, account)
		}
	}
	return accountDeps
}
