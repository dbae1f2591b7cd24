package serve_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/serve"
)

// TestAccessRefusedByName: what the access gate cannot emulate faithfully refuses the route at
// start-up, naming the reason, instead of serving it open.
func TestAccessRefusedByName(t *testing.T) {
	integration := map[string]any{"Type": "AWS_PROXY", "Uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"}
	restAPI := func(policy any) map[string]any {
		p := map[string]any{"Name": "r"}
		if policy != nil {
			p["Policy"] = policy
		}
		return map[string]any{"Type": "AWS::ApiGateway::RestApi", "Properties": p}
	}
	method := func(api string, extra map[string]any) map[string]any {
		p := map[string]any{"RestApiId": map[string]any{"Ref": api}, "ResourceId": map[string]any{"Fn::GetAtt": []any{api, "RootResourceId"}},
			"HttpMethod": "GET", "AuthorizationType": "NONE", "Integration": integration}
		for k, v := range extra {
			p[k] = v
		}
		return map[string]any{"Type": "AWS::ApiGateway::Method", "Properties": p}
	}
	tests := []struct {
		name      string
		resources map[string]any
		want      string
	}{
		{"unsupported policy operator", map[string]any{
			"Api": restAPI(map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
				"Condition": map[string]any{"DateGreaterThan": map[string]any{"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}}}),
			"Get": method("Api", nil),
		}, "DateGreaterThan"},
		{"Cognito provider outside the assembly", map[string]any{
			"Api":  restAPI(nil),
			"Auth": map[string]any{"Type": "AWS::ApiGateway::Authorizer", "Properties": map[string]any{"RestApiId": map[string]any{"Ref": "Api"}, "Name": "Ext", "Type": "COGNITO_USER_POOLS", "IdentitySource": "method.request.header.Authorization", "ProviderARNs": []any{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_real"}}},
			"Get":  method("Api", map[string]any{"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": map[string]any{"Ref": "Auth"}}),
		}, `authorizer Ext (COGNITO_USER_POOLS): provider "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_real" is not a user pool of this assembly`},
		{"JWT issuer outside the assembly", map[string]any{
			"Http":  map[string]any{"Type": "AWS::ApiGatewayV2::Api", "Properties": map[string]any{"Name": "h", "ProtocolType": "HTTP"}},
			"Integ": map[string]any{"Type": "AWS::ApiGatewayV2::Integration", "Properties": map[string]any{"ApiId": map[string]any{"Ref": "Http"}, "IntegrationType": "AWS_PROXY", "IntegrationUri": "arn:aws:lambda:us-east-1:123456789012:function:f", "PayloadFormatVersion": "2.0"}},
			"Jwt": map[string]any{"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": map[string]any{"ApiId": map[string]any{"Ref": "Http"}, "Name": "Auth0", "AuthorizerType": "JWT",
				"IdentitySource": []any{"$request.header.Authorization"}, "JwtConfiguration": map[string]any{"Issuer": "https://example.auth0.com/", "Audience": []any{"x"}}}},
			"Route": map[string]any{"Type": "AWS::ApiGatewayV2::Route", "Properties": map[string]any{"ApiId": map[string]any{"Ref": "Http"}, "RouteKey": "GET /a", "AuthorizationType": "JWT",
				"AuthorizerId": map[string]any{"Ref": "Jwt"}, "Target": "integrations/Integ"}},
		}, `JWT authorizer Auth0: issuer "https://example.auth0.com/" is not a user pool of this assembly`},
		{"throttle for every method of one path", map[string]any{
			"Api":   restAPI(nil),
			"Get":   method("Api", nil),
			"Stage": map[string]any{"Type": "AWS::ApiGateway::Stage", "Properties": map[string]any{"RestApiId": map[string]any{"Ref": "Api"}, "StageName": "prod", "MethodSettings": []any{map[string]any{"ResourcePath": "/~1a", "HttpMethod": "*", "ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 1}}}},
		}, `method setting "/~1a" "*": throttles for all methods of one path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.resources["F"] = map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{"FunctionName": "f", "Runtime": "provided.al2023", "Handler": "bootstrap"}}
			tpl, _ := json.Marshal(map[string]any{"Resources": tt.resources})
			manifest := `{"version":"55.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","environment":"aws://unknown-account/unknown-region","properties":{"templateFile":"S.template.json"},"displayName":"S"}}}`
			if err := os.WriteFile(filepath.Join(dir, "S.template.json"), tpl, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			routes, err := serve.Load(serve.Config{AssemblyDir: dir, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			var refused []string
			for _, api := range routes.Server.APIs() {
				for _, rt := range api.Routes {
					refused = append(refused, rt.Refused)
				}
			}
			if len(refused) != 1 || !strings.Contains(refused[0], tt.want) {
				t.Fatalf("refusals %q, want one containing %q", refused, tt.want)
			}
		})
	}
}
