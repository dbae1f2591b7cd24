package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/infra/stacks"
)

func TestPartnerStack(t *testing.T) {
	// GIVEN the partner sample with the checks Build applies
	stack, tmpl := checked(t, func(app awscdk.App) awscdk.Stack {
		return stacks.NewPartnerStack(app, jsii.String("Partner"), nil)
	})
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		// The role as "API Gateway resource policy examples" names a cross-account role
		// (Principal {"AWS": ARN}); aws:PrincipalArn compared with an ARN operator, as "AWS global
		// condition context keys" recommends for its ARN type. An unsigned caller has no
		// aws:PrincipalArn, so the Deny's ArnNotEquals is true for it (a negated operator matches a
		// missing key: "Condition operators").
		{"public API, policy lets in only the CIDR and the cross-account role: an explicit Deny for everyone else", "AWS::ApiGateway::RestApi", map[string]any{
			"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
			"ApiKeySourceType":      "HEADER",
			"Policy": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": "*", "Resource": "execute-api:/*",
					"Condition": map[string]any{"IpAddress": map[string]any{"aws:SourceIp": stacks.PartnerCidr}}},
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": map[string]any{"AWS": stacks.PartnerRoleArn}, "Resource": "execute-api:/*"},
				map[string]any{"Action": "execute-api:Invoke", "Effect": "Deny", "Principal": "*", "Resource": "execute-api:/*",
					"Condition": map[string]any{
						"NotIpAddress": map[string]any{"aws:SourceIp": stacks.PartnerCidr},
						"ArnNotEquals": map[string]any{"aws:PrincipalArn": stacks.PartnerRoleArn},
					}},
			}},
		}},
		{"Go REQUEST authorizer", "AWS::ApiGateway::Authorizer", map[string]any{
			"Type": "REQUEST", "IdentitySource": "method.request.header.Authorization", "AuthorizerResultTtlInSeconds": 300,
		}},
		{"authorizer verifies Cognito access tokens with the scope", "AWS::Lambda::Function", map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				"PORTICO_JWT_TOKEN_USE": "access", "PORTICO_JWT_REQUIRED_SCOPES": stacks.PartnerScope,
				"PORTICO_JWT_ISSUER": assertions.Match_AnyValue(), "PORTICO_JWT_CLIENT_IDS": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("PartnersClient"))},
			})},
		}},
		{"keyed routes", "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "GET", "AuthorizationType": "CUSTOM", "ApiKeyRequired": true}},
		{"the role's routes are IAM-authorized, with no authorizer or key", "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod": "GET", "AuthorizationType": "AWS_IAM", "AuthorizerId": assertions.Match_Absent(), "ApiKeyRequired": assertions.Match_Absent(),
			"ResourceId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Apiiamquotes"))},
		}},
		{"Bronze plan with a per-method throttle", "AWS::ApiGateway::UsagePlan", map[string]any{
			"UsagePlanName": "Bronze", "Throttle": map[string]any{"RateLimit": 5, "BurstLimit": 10}, "Quota": map[string]any{"Limit": 10000, "Period": "MONTH"},
			"ApiStages": []any{assertions.Match_ObjectLike(&map[string]any{"Throttle": map[string]any{"/quotes/{symbol}/GET": map[string]any{"RateLimit": 2, "BurstLimit": 4}}})},
		}},
		{"Gold plan", "AWS::ApiGateway::UsagePlan", map[string]any{
			"UsagePlanName": "Gold", "Throttle": map[string]any{"RateLimit": 50, "BurstLimit": 100}, "Quota": map[string]any{"Limit": 1000000, "Period": "MONTH"},
		}},
		{"generated API keys", "AWS::ApiGateway::ApiKey", map[string]any{"Enabled": true, "Value": assertions.Match_Absent()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tmpl.HasResourceProperties(jsii.String(tt.typ), tt.props) })
	}
	t.Run("two IAM routes, two keyed ones", func(t *testing.T) {
		for typ, n := range map[string]int{"AWS_IAM": 2, "CUSTOM": 2} {
			if got := tmpl.FindResources(jsii.String("AWS::ApiGateway::Method"), map[string]any{"Properties": map[string]any{"AuthorizationType": typ}}); len(*got) != n {
				t.Errorf("%d %s methods, want %d", len(*got), typ, n)
			}
		}
	})
	t.Run("one key per plan", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::ApiKey"), jsii.Number(2))
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlanKey"), jsii.Number(2))
	})
	t.Run("outputs name what to call, never a key value", func(t *testing.T) {
		for _, name := range []string{"ApiUrl", "BronzeKeyId", "GoldKeyId", "PartnersClientId", "TokenUrl"} {
			if got := tmpl.FindOutputs(jsii.String(name), nil); len(*got) != 1 {
				t.Errorf("output %s: found %d", name, len(*got))
			}
		}
		tmpl.HasOutput(jsii.String("BronzeKeyId"), map[string]any{"Value": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("BronzeKey"))}})
	})
	t.Run("passes cdk-nag", func(t *testing.T) { noNagErrors(t, stack) })
	t.Run("the policy restricts the authorized routes (no Portico-REST6 warning)", func(t *testing.T) {
		w := assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("Portico-REST6")))
		for _, e := range *w {
			t.Error(describe(e))
		}
	})
}
