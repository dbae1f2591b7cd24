package assembly_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
)

// loadTemplate writes one stack template (resources only) with its manifest and loads it.
func loadTemplate(t *testing.T, resources map[string]any) *assembly.Assembly {
	t.Helper()
	a, err := assembly.Load(writeTemplate(t, resources))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// writeTemplate writes one stack, S, of the given resources with its manifest into a new
// folder and returns the folder.
func writeTemplate(t *testing.T, resources map[string]any) string {
	t.Helper()
	dir := t.TempDir()
	tpl, err := json.Marshal(map[string]any{"Resources": resources})
	if err != nil {
		t.Fatal(err)
	}
	manifest := `{"version":"55.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","environment":"aws://unknown-account/unknown-region","properties":{"templateFile":"S.template.json"},"displayName":"S"}}}`
	if err := os.WriteFile(filepath.Join(dir, "S.template.json"), tpl, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAccessModel checks the access configuration read from the hand-written access fixture:
// authorizers of every kind bound to their methods and routes, usage plans with keys and
// throttles, API keys, execute-api endpoints, the user pool and resource policies.
func TestAccessModel(t *testing.T) {
	a, err := assembly.Load("../internal/testdata/access")
	if err != nil {
		t.Fatal(err)
	}
	authorizers := map[string]*assembly.Authorizer{}
	for _, z := range a.Authorizers {
		authorizers[z.LogicalID] = z
	}
	if z := authorizers["PlainGoAuthz"]; z == nil || z.V2 || z.Type != "TOKEN" && z.Type != "REQUEST" || z.TTLSeconds == nil || *z.TTLSeconds != 0 ||
		!slices.Equal(z.IdentitySources, []string{"method.request.header.Authorization"}) || !strings.HasSuffix(z.FunctionURI, "/invocations") {
		t.Errorf("PlainGoAuthz = %+v, want a REST Lambda authorizer with TTL 0 and the Authorization header", z)
	}
	if z := authorizers["GuardedCognitoAuthz"]; z == nil || z.Type != "COGNITO_USER_POOLS" || len(z.ProviderARNs) != 1 || !strings.Contains(z.ProviderARNs[0], ":userpool/") {
		t.Errorf("GuardedCognitoAuthz = %+v, want a Cognito authorizer naming the pool's ARN", z)
	}
	if z := authorizers["HttpJwt"]; z == nil || !z.V2 || z.Type != "JWT" || !strings.HasPrefix(z.JWTIssuer, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_") || len(z.JWTAudience) != 1 {
		t.Errorf("HttpJwt = %+v, want a JWT authorizer of the local pool's issuer and client", z)
	}
	if z := authorizers["HttpLambda"]; z == nil || z.PayloadFormatVersion != "2.0" || z.TTLSeconds == nil || *z.TTLSeconds != 300 {
		t.Errorf("HttpLambda = %+v, want payload 2.0 and TTL 300", z)
	}
	bound := 0
	for _, api := range a.RestAPIs {
		for _, m := range api.Methods {
			if m.AuthorizerID == "" {
				continue
			}
			bound++
			if m.Authorizer == nil || m.Authorizer.LogicalID != m.AuthorizerID {
				t.Errorf("%s %s %s: authorizer %q not bound (%+v)", api.Name, m.HTTPMethod, m.Path, m.AuthorizerID, m.Authorizer)
			}
		}
	}
	if bound == 0 {
		t.Error("no REST method names an authorizer; the fixture should")
	}

	plans := map[string]*assembly.UsagePlan{}
	for _, p := range a.UsagePlans {
		plans[p.Name] = p
	}
	if p := plans["Quota"]; p == nil || p.Quota == nil || *p.Quota != (assembly.Quota{Limit: 3, Period: "DAY"}) || len(p.Keys) != 1 || p.Keys[0].KeyType != "API_KEY" {
		t.Errorf("plan Quota = %+v, want a DAY quota of 3 with one API key", p)
	}
	p := plans["Throttled"]
	if p == nil || p.Throttle == nil || *p.Throttle.RateLimit != 1 || *p.Throttle.BurstLimit != 2 || len(p.Stages) != 1 || p.Stages[0].Stage != "prod" {
		t.Fatalf("plan Throttled = %+v, want rate 1 burst 2 on stage prod", p)
	}
	if mt, ok := p.Stages[0].MethodThrottles["/keyed-slow/GET"]; !ok || *mt.RateLimit != 0.5 || *mt.BurstLimit != 1 {
		t.Errorf("plan Throttled method throttles = %+v, want /keyed-slow/GET at rate 0.5 burst 1", p.Stages[0].MethodThrottles)
	}
	keys := map[string]*assembly.APIKey{}
	for _, k := range a.APIKeys {
		keys[k.Name] = k
	}
	if k := keys["partner"]; k == nil || k.Value != "partner-key-0123456789abcdef" || !k.Enabled || k.ID() != "Access/PartnerKey" {
		t.Errorf("key partner = %+v, want its value, enabled, id Access/PartnerKey", k)
	}
	if k := keys["throttled"]; k == nil || k.Value != "" {
		t.Errorf("key throttled = %+v, want no value (API Gateway generates one)", k)
	}
	if len(a.VPCEndpoints) != 2 || !strings.HasPrefix(a.VPCEndpoints[0].ID, "vpce-") || !strings.HasPrefix(a.VPCEndpoints[0].VpcID, "vpc-") {
		t.Errorf("VPC endpoints = %+v, want the two execute-api endpoints with local ids", a.VPCEndpoints)
	}
	if len(a.UserPools) != 1 || len(a.UserPools[0].ClientIDs) != 1 || a.UserPools[0].IssuerURL != "https://cognito-idp.us-east-1.amazonaws.com/"+a.UserPools[0].ID {
		t.Errorf("user pools = %+v, want one pool with its client and Cognito issuer URL", a.UserPools)
	}
	for _, api := range a.RestAPIs {
		switch api.Name {
		case "Private":
			if !api.Private() {
				t.Errorf("API Private: Private() = false for endpoint types %v", api.EndpointTypes)
			}
		case "ByAuth":
			if api.APIKeySource != "AUTHORIZER" {
				t.Errorf("API ByAuth key source %q, want AUTHORIZER", api.APIKeySource)
			}
		case "Plain":
			if api.APIKeySource != "HEADER" || len(api.Stages) != 1 || len(api.Stages[0].MethodSettings) != 1 {
				t.Errorf("API Plain = key source %q, stages %+v; want HEADER and one throttling method setting", api.APIKeySource, api.Stages)
			}
		}
	}
	var policies int
	for _, api := range a.RestAPIs {
		if api.Policy != nil {
			policies++
			if !json.Valid(api.Policy) {
				t.Errorf("API %s policy is not JSON: %s", api.Name, api.Policy)
			}
		}
	}
	if policies == 0 {
		t.Error("no REST API has a resource policy; the fixture's Guarded and Private APIs do")
	}
}

// TestRolesModel: each AWS::IAM::Role with the AWS::IAM::Policy resources attached to it by
// name, and its ARN in IAM's global form (arn:aws:iam::{account}:role/{name}, no region).
func TestRolesModel(t *testing.T) {
	a, err := assembly.Load("../internal/testdata/notifications")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Roles) != 2 {
		t.Fatalf("roles = %d, want the two functions' execution roles", len(a.Roles))
	}
	for _, r := range a.Roles {
		if r.ARN != "arn:aws:iam::123456789012:role/"+r.Name || !strings.HasPrefix(r.Name, "PorticoNotifications-") {
			t.Errorf("role %s ARN %q, want arn:aws:iam::123456789012:role/%s", r.LogicalID, r.ARN, r.Name)
		}
		if !json.Valid(r.AssumeRolePolicy) || !strings.Contains(string(r.AssumeRolePolicy), "lambda.amazonaws.com") {
			t.Errorf("role %s trust policy %s, want Lambda's service principal", r.LogicalID, r.AssumeRolePolicy)
		}
		if len(r.Policies) == 0 || !json.Valid(r.Policies[0].Document) {
			t.Errorf("role %s policies %+v, want its AWS::IAM::Policy attached", r.LogicalID, r.Policies)
		}
	}
	// Each function's execution role is the role its Role property names (Fn::GetAtt
	// [{role}, Arn] in the template).
	for fn, role := range map[string]string{"Authorizer86142796": "AuthorizerServiceRoleB8F38EC9", "Handler27ECDDB2": "HandlerServiceRoleFCDC14AE"} {
		want := "arn:aws:iam::123456789012:role/PorticoNotifications-" + role
		if got := a.Functions[fn].RoleARN; got != want {
			t.Errorf("function %s RoleARN %q, want %q", fn, got, want)
		}
	}
}

// TestImportedExecutionRole: a Role property holding a literal ARN (a role the stack imports) is
// the function's execution role as written.
func TestImportedExecutionRole(t *testing.T) {
	const arn = "arn:aws:iam::098765432109:role/team/Shared"
	a := loadTemplate(t, map[string]any{"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{"Role": arn, "Runtime": "provided.al2023"}}})
	if got := a.Functions["Fn"].RoleARN; got != arn {
		t.Errorf("RoleARN %q, want %q", got, arn)
	}
}

// TestModelOfWhatComesNext reads the properties the CORS, MOCK and gateway-response work needs,
// with the property names of the CloudFormation reference (AWS::ApiGatewayV2::Api
// CorsConfiguration, AWS::ApiGateway::Method Integration, AWS::ApiGateway::GatewayResponse,
// AWS::ApiGatewayV2::RouteResponse, AWS::IAM::Role Policies and ManagedPolicyArns).
func TestModelOfWhatComesNext(t *testing.T) {
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	a := loadTemplate(t, map[string]any{
		"Http": map[string]any{"Type": "AWS::ApiGatewayV2::Api", "Properties": map[string]any{"Name": "h", "ProtocolType": "HTTP",
			"CorsConfiguration": map[string]any{"AllowOrigins": []any{"http://localhost:5173"}, "AllowMethods": []any{"GET", "POST"},
				"AllowHeaders": []any{"authorization"}, "ExposeHeaders": []any{"x-total"}, "AllowCredentials": true, "MaxAge": 600}}},
		"Rest": map[string]any{"Type": "AWS::ApiGateway::RestApi", "Properties": map[string]any{"Name": "r"}},
		"Preflight": map[string]any{"Type": "AWS::ApiGateway::Method", "Properties": map[string]any{"RestApiId": ref("Rest"),
			"ResourceId": map[string]any{"Fn::GetAtt": []any{"Rest", "RootResourceId"}}, "HttpMethod": "OPTIONS", "AuthorizationType": "NONE",
			"Integration": map[string]any{"Type": "MOCK", "RequestTemplates": map[string]any{"application/json": "{ statusCode: 200 }"},
				"IntegrationResponses": []any{map[string]any{"StatusCode": "204",
					"ResponseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": "'http://localhost:5173'"}}}}}},
		"Denied": map[string]any{"Type": "AWS::ApiGateway::GatewayResponse", "Properties": map[string]any{"RestApiId": ref("Rest"),
			"ResponseType": "ACCESS_DENIED", "StatusCode": "403", "ResponseTemplates": map[string]any{"application/json": `{"message":$context.error.messageString}`}}},
		"Ws":           map[string]any{"Type": "AWS::ApiGatewayV2::Api", "Properties": map[string]any{"Name": "w", "ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.op"}},
		"Echo":         map[string]any{"Type": "AWS::ApiGatewayV2::Route", "Properties": map[string]any{"ApiId": ref("Ws"), "RouteKey": "echo"}},
		"EchoResponse": map[string]any{"Type": "AWS::ApiGatewayV2::RouteResponse", "Properties": map[string]any{"ApiId": ref("Ws"), "RouteId": ref("Echo"), "RouteResponseKey": "$default"}},
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"RoleName": "caller",
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{}},
			"Policies":                 []any{map[string]any{"PolicyName": "invoke", "PolicyDocument": map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}}}}},
			"ManagedPolicyArns":        []any{"arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"}}},
	})
	cors := a.HTTPAPIs[0].Cors
	if cors == nil || !slices.Equal(cors.AllowOrigins, []string{"http://localhost:5173"}) || !slices.Equal(cors.AllowMethods, []string{"GET", "POST"}) ||
		!slices.Equal(cors.ExposeHeaders, []string{"x-total"}) || !cors.AllowCredentials || cors.MaxAge == nil || *cors.MaxAge != 600 {
		t.Errorf("CORS = %+v", cors)
	}
	rest := a.RestAPIs[0]
	in := rest.Methods[0].Integration
	if in.Type != "MOCK" || in.RequestTemplates["application/json"] != "{ statusCode: 200 }" || len(in.Responses) != 1 ||
		in.Responses[0].StatusCode != "204" || in.Responses[0].ResponseParameters["method.response.header.Access-Control-Allow-Origin"] != "'http://localhost:5173'" {
		t.Errorf("OPTIONS integration = %+v", in)
	}
	if len(rest.GatewayResponses) != 1 || rest.GatewayResponses[0].ResponseType != "ACCESS_DENIED" || rest.GatewayResponses[0].StatusCode != "403" ||
		!strings.Contains(rest.GatewayResponses[0].ResponseTemplates["application/json"], "$context.error.messageString") {
		t.Errorf("gateway responses = %+v", rest.GatewayResponses)
	}
	ws := a.WebSocketAPIs[0]
	if ws.RouteSelectionExpression != "$request.body.op" || len(ws.Routes) != 1 || !ws.Routes[0].RouteResponse {
		t.Errorf("WebSocket API = %+v, routes %+v; want the selection expression and a two-way echo route", ws, ws.Routes)
	}
	role := a.Roles[0]
	if role.Name != "caller" || role.ARN != "arn:aws:iam::123456789012:role/caller" || len(role.Policies) != 1 || role.Policies[0].Name != "invoke" ||
		!slices.Equal(role.ManagedPolicyARNs, []string{"arn:aws:iam::aws:policy/AmazonAPIGatewayInvokeFullAccess"}) {
		t.Errorf("role = %+v", role)
	}
}

// TestEndpointTypes: an API without EndpointConfiguration is EDGE (CDK's
// EndpointConfiguration.Types: "Default: EndpointType.EDGE"; the LocalStack capture of an API
// created without one, test_lambda_aws_proxy_integration, carries CloudFront's headers).
func TestEndpointTypes(t *testing.T) {
	tests := []struct {
		types         []string
		edge, private bool
	}{
		{nil, true, false},
		{[]string{"EDGE"}, true, false},
		{[]string{"REGIONAL"}, false, false},
		{[]string{"PRIVATE"}, false, true},
	}
	for _, tt := range tests {
		api := &assembly.RestAPI{EndpointTypes: tt.types}
		if api.Edge() != tt.edge || api.Private() != tt.private {
			t.Errorf("endpoint types %v: Edge %v Private %v, want %v %v", tt.types, api.Edge(), api.Private(), tt.edge, tt.private)
		}
	}
}

// TestManagedPolicies: a customer-managed AWS::IAM::ManagedPolicy attached through its Roles
// property or a role's ManagedPolicyArns (Ref of the policy: its ARN, per the CloudFormation
// reference of AWS::IAM::ManagedPolicy, "Return values") joins the role's Policies, once; an AWS
// managed policy ARN stays in ManagedPolicyARNs, since its document is not in the template.
func TestManagedPolicies(t *testing.T) {
	ref := func(id string) map[string]any { return map[string]any{"Ref": id} }
	doc := map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "execute-api:ManageConnections", "Resource": "*"}}}
	a := loadTemplate(t, map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"RoleName": "caller",
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{}},
			"ManagedPolicyArns":        []any{ref("Manage"), "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}}},
		"Manage": map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"ManagedPolicyName": "manage", "Path": "/app/",
			"PolicyDocument": doc, "Roles": []any{ref("Role")}}},
		"Other": map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"PolicyDocument": doc, "Roles": []any{ref("Role")}}},
	})
	role := a.Roles[0]
	var names []string
	for _, p := range role.Policies {
		names = append(names, p.Name)
		if !json.Valid(p.Document) || !strings.Contains(string(p.Document), "ManageConnections") {
			t.Errorf("policy %s document %s", p.Name, p.Document)
		}
	}
	if want := []string{"arn:aws:iam::123456789012:policy/app/manage", "arn:aws:iam::123456789012:policy/S-Other"}; !slices.Equal(names, want) {
		t.Errorf("role policies %q, want %q", names, want)
	}
	if want := []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}; !slices.Equal(role.ManagedPolicyARNs, want) {
		t.Errorf("ManagedPolicyARNs = %q, want %q", role.ManagedPolicyARNs, want)
	}
	if len(a.ManagedPolicies) != 2 {
		t.Errorf("ManagedPolicies = %d, want 2", len(a.ManagedPolicies))
	}
}
