package userpool_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/userpool"
)

func TestUserPool(t *testing.T) {
	// GIVEN one stack with a user pool without scopes and one with OAuth scopes
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	plain := userpool.NewUserPool(stack, jsii.String("Users"), nil)
	machine := userpool.NewUserPool(stack, jsii.String("Machines"), &userpool.UserPoolProps{
		ResourceServerIdentifier: jsii.String("orders"),
		Scopes:                   jsii.Strings("read", "write"),
		DomainPrefix:             jsii.String("portico-test"),
	})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	tmpl := assertions.Template_FromStack(stack, nil)

	t.Run("pool defaults pass a security review", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(2))
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"MfaConfiguration": "ON",
			"UserPoolTier":     "PLUS",
			"Policies":         map[string]any{"PasswordPolicy": assertions.Match_ObjectLike(&map[string]any{"MinimumLength": 12, "RequireSymbols": true})},
			"UserPoolAddOns":   map[string]any{"AdvancedSecurityMode": "ENFORCED"},
		})
	})
	t.Run("no scopes: SRP client, no OAuth", func(t *testing.T) {
		if plain.Scopes != nil {
			t.Errorf("Scopes = %v, want none", plain.Scopes)
		}
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
			"ExplicitAuthFlows": []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
			"AllowedOAuthFlows": assertions.Match_Absent(),
		})
	})
	t.Run("scopes: resource server and client credentials", func(t *testing.T) {
		got := fmt.Sprint(*machine.Scopes[0], ",", *machine.Scopes[1])
		if got != "orders/read,orders/write" {
			t.Errorf("Scopes = %s, want orders/read,orders/write", got)
		}
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolResourceServer"), map[string]any{
			"Identifier": "orders",
			"Scopes":     []any{map[string]any{"ScopeName": "read", "ScopeDescription": "read"}, map[string]any{"ScopeName": "write", "ScopeDescription": "write"}},
		})
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
			"AllowedOAuthFlows":  []any{"client_credentials"},
			"GenerateSecret":     true,
			"AllowedOAuthScopes": []any{"orders/read", "orders/write"},
		})
	})
	t.Run("domain for the token endpoint", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolDomain"), jsii.Number(1))
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{"Domain": "portico-test"})
	})
	t.Run("cdk-nag AwsSolutions has no errors", func(t *testing.T) {
		errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
		for _, e := range *errs {
			t.Error(describe(e))
		}
	})
}

func TestImport(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
	up := userpool.FromUserPoolId(stack, jsii.String("Existing"), jsii.String("us-east-1_AbCdEf123"))
	if got := *up.Pool.UserPoolId(); got != "us-east-1_AbCdEf123" {
		t.Errorf("UserPoolId = %q", got)
	}
}

func TestBadScope(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), `got "orders/read"`) {
			t.Fatalf("panic = %v, want one quoting the bad scope", r)
		}
	}()
	userpool.NewUserPool(stack, jsii.String("P"), &userpool.UserPoolProps{Scopes: jsii.Strings("orders/read")})
}

// describe renders a synthesis message (path, level and text) for a failure or a match.
func describe(m any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
