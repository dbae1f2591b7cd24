package assembly_test

import (
	"strings"
	"testing"

	"github.com/portico-dev/portico/local/assembly"
)

// Template builders: one small stack per property, the value under test in place.

func function(prop string, v any) map[string]any {
	return map[string]any{"Fn": resource("AWS::Lambda::Function", map[string]any{prop: v})}
}

func resource(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

var ref = func(id string) map[string]any { return map[string]any{"Ref": id} }

func restAPI(endpoint string) map[string]any {
	props := map[string]any{"Name": "api"}
	if endpoint != "" {
		props["EndpointConfiguration"] = map[string]any{"Types": []any{endpoint}}
	}
	return resource("AWS::ApiGateway::RestApi", props)
}

func v2API(protocol string) map[string]any {
	return resource("AWS::ApiGatewayV2::Api", map[string]any{"Name": "api", "ProtocolType": protocol})
}

func restAuthorizerTTL(v any) map[string]any {
	return map[string]any{"Api": restAPI(""), "Authz": resource("AWS::ApiGateway::Authorizer",
		map[string]any{"RestApiId": ref("Api"), "Type": "TOKEN", "AuthorizerResultTtlInSeconds": v})}
}

func v2AuthorizerTTL(v any) map[string]any {
	return map[string]any{"Api": v2API("HTTP"), "Authz": resource("AWS::ApiGatewayV2::Authorizer",
		map[string]any{"ApiId": ref("Api"), "AuthorizerType": "REQUEST", "AuthorizerResultTtlInSeconds": v})}
}

func restIntegrationTimeout(endpoint string, v any) map[string]any {
	return map[string]any{"Api": restAPI(endpoint), "Get": resource("AWS::ApiGateway::Method", map[string]any{
		"RestApiId": ref("Api"), "ResourceId": map[string]any{"Fn::GetAtt": []any{"Api", "RootResourceId"}}, "HttpMethod": "GET",
		"Integration": map[string]any{"Type": "AWS_PROXY", "Uri": "arn", "TimeoutInMillis": v}})}
}

func v2IntegrationTimeout(protocol string, v any) map[string]any {
	return map[string]any{"Api": v2API(protocol), "Integ": resource("AWS::ApiGatewayV2::Integration",
		map[string]any{"ApiId": ref("Api"), "IntegrationType": "AWS_PROXY", "TimeoutInMillis": v})}
}

func restStageSetting(key string, v any) map[string]any {
	return map[string]any{"Api": restAPI(""), "Stage": resource("AWS::ApiGateway::Stage", map[string]any{"RestApiId": ref("Api"), "StageName": "prod",
		"MethodSettings": []any{map[string]any{"ResourcePath": "/*", "HttpMethod": "*", key: v}}})}
}

func v2StageSetting(settings string, v any) map[string]any {
	value := map[string]any{"ThrottlingBurstLimit": v}
	if settings == "RouteSettings" {
		value = map[string]any{"$default": value}
	}
	return map[string]any{"Api": v2API("HTTP"), "Stage": resource("AWS::ApiGatewayV2::Stage",
		map[string]any{"ApiId": ref("Api"), "StageName": "prod", settings: value})}
}

func usagePlan(props map[string]any) map[string]any {
	return map[string]any{"Plan": resource("AWS::ApiGateway::UsagePlan", props)}
}

func httpCorsMaxAge(v any) map[string]any {
	return map[string]any{"Api": resource("AWS::ApiGatewayV2::Api", map[string]any{"Name": "api", "ProtocolType": "HTTP",
		"CorsConfiguration": map[string]any{"MaxAge": v}})}
}

// TestTemplateRanges: every number portico serve reads from a template is loaded at the bounds
// CloudFormation accepts and refused beyond them, by stack, resource, property and value. The
// bounds come from the pages cited next to each range in ranges.go: AWS::Lambda::Function and
// the Lambda API reference (Timeout 1..900, MemorySize 128..10240, ReservedConcurrentExecutions
// >= 0), AWS::ApiGateway::Authorizer and AWS::ApiGatewayV2::Authorizer (TTL 0..3600),
// AWS::ApiGateway::Method Integration and the REST API quotas page (50..29000, raisable for
// Regional and private APIs), AWS::ApiGatewayV2::Integration (HTTP 50..30000, WebSocket
// 50..29000), API Gateway's QuotaSettings (DAY, WEEK, MONTH). Throttles and quota counts at
// least 0, and Integer values within 32 bits, are Portico's choices (README).
func TestTemplateRanges(t *testing.T) {
	tests := []struct {
		name      string
		resources map[string]any
		want      string // "" when the value is accepted; else the refusal
	}{
		{"timeout at minimum", function("Timeout", 1), ""},
		{"timeout at maximum", function("Timeout", 900), ""},
		{"timeout as a string", function("Timeout", "30"), ""},
		{"timeout zero", function("Timeout", 0), "stack S: AWS::Lambda::Function Fn: Timeout is 0; CloudFormation accepts an integer from 1 to 900 (seconds)"},
		{"timeout above maximum", function("Timeout", 901), "Timeout is 901; CloudFormation accepts an integer from 1 to 900 (seconds)"},
		{"timeout 1e300", function("Timeout", 1e300), "Timeout is 1e+300; CloudFormation accepts an integer from 1 to 900"},
		{"timeout not an integer", function("Timeout", 2.5), "Timeout is 2.5;"},
		{"timeout not a number", function("Timeout", "soon"), `Timeout is "soon";`},
		{"timeout a boolean", function("Timeout", true), "Timeout is true;"},
		{"memory at minimum", function("MemorySize", 128), ""},
		{"memory at maximum", function("MemorySize", 10240), ""},
		{"memory below minimum", function("MemorySize", 127), "stack S: AWS::Lambda::Function Fn: MemorySize is 127; CloudFormation accepts an integer from 128 to 10240 (MB)"},
		{"memory negative", function("MemorySize", -512), "MemorySize is -512;"},
		{"memory above maximum", function("MemorySize", 10241), "MemorySize is 10241;"},
		{"reserved concurrency zero", function("ReservedConcurrentExecutions", 0), ""},
		{"reserved concurrency negative", function("ReservedConcurrentExecutions", -1), "ReservedConcurrentExecutions is -1; CloudFormation accepts an integer from 0 to 2147483647"},
		{"reserved concurrency beyond 32 bits", function("ReservedConcurrentExecutions", 2147483648), "ReservedConcurrentExecutions is 2147483648;"},
		{"REST authorizer TTL at 0", restAuthorizerTTL(0), ""},
		{"REST authorizer TTL at 3600", restAuthorizerTTL(3600), ""},
		{"REST authorizer TTL above", restAuthorizerTTL(3601), "stack S: AWS::ApiGateway::Authorizer Authz: AuthorizerResultTtlInSeconds is 3601; CloudFormation accepts an integer from 0 to 3600 (seconds)"},
		{"REST authorizer TTL negative", restAuthorizerTTL(-1), "AuthorizerResultTtlInSeconds is -1;"},
		{"v2 authorizer TTL at 3600", v2AuthorizerTTL(3600), ""},
		{"v2 authorizer TTL above", v2AuthorizerTTL(3601), "stack S: AWS::ApiGatewayV2::Authorizer Authz: AuthorizerResultTtlInSeconds is 3601;"},
		{"REST timeout at 50", restIntegrationTimeout("", 50), ""},
		{"REST timeout at 29000", restIntegrationTimeout("EDGE", 29000), ""},
		{"REST timeout below 50", restIntegrationTimeout("", 49), "stack S: AWS::ApiGateway::Method Get: Integration.TimeoutInMillis is 49; CloudFormation accepts an integer from 50 to 29000 (milliseconds)"},
		{"edge REST timeout above 29000", restIntegrationTimeout("EDGE", 29001), "Integration.TimeoutInMillis is 29001; CloudFormation accepts an integer from 50 to 29000"},
		{"regional REST timeout above 29000 (raised quota)", restIntegrationTimeout("REGIONAL", 29001), ""},
		{"private REST timeout below 50", restIntegrationTimeout("PRIVATE", 49), "Integration.TimeoutInMillis is 49; CloudFormation accepts an integer from 50 to 2147483647"},
		{"HTTP timeout at 30000", v2IntegrationTimeout("HTTP", 30000), ""},
		{"HTTP timeout above 30000", v2IntegrationTimeout("HTTP", 30001), "stack S: AWS::ApiGatewayV2::Integration Integ: TimeoutInMillis is 30001; CloudFormation accepts an integer from 50 to 30000 (milliseconds)"},
		{"HTTP timeout below 50", v2IntegrationTimeout("HTTP", 49), "TimeoutInMillis is 49;"},
		{"WebSocket timeout at 29000", v2IntegrationTimeout("WEBSOCKET", 29000), ""},
		{"WebSocket timeout above 29000", v2IntegrationTimeout("WEBSOCKET", 29001), "TimeoutInMillis is 29001; CloudFormation accepts an integer from 50 to 29000 (milliseconds)"},
		{"REST stage burst 0", restStageSetting("ThrottlingBurstLimit", 0), ""},
		{"REST stage burst negative", restStageSetting("ThrottlingBurstLimit", -1), "stack S: AWS::ApiGateway::Stage Stage: MethodSettings[0].ThrottlingBurstLimit is -1; CloudFormation accepts an integer from 0 to 2147483647"},
		{"REST stage burst not an integer", restStageSetting("ThrottlingBurstLimit", 1.5), "MethodSettings[0].ThrottlingBurstLimit is 1.5;"},
		{"REST stage rate 0.5", restStageSetting("ThrottlingRateLimit", 0.5), ""},
		{"REST stage rate negative", restStageSetting("ThrottlingRateLimit", -0.5), "MethodSettings[0].ThrottlingRateLimit is -0.5; CloudFormation accepts a number of at least 0 (requests per second)"},
		{"REST stage rate not a number", restStageSetting("ThrottlingRateLimit", "fast"), `MethodSettings[0].ThrottlingRateLimit is "fast";`},
		{"HTTP default route burst negative", v2StageSetting("DefaultRouteSettings", -5), "stack S: AWS::ApiGatewayV2::Stage Stage: DefaultRouteSettings.ThrottlingBurstLimit is -5;"},
		{"HTTP route burst negative", v2StageSetting("RouteSettings", -5), "RouteSettings.$default.ThrottlingBurstLimit is -5;"},
		{"plan quota", usagePlan(map[string]any{"Quota": map[string]any{"Limit": 0, "Offset": 0, "Period": "DAY"}}), ""},
		{"plan quota limit negative", usagePlan(map[string]any{"Quota": map[string]any{"Limit": -1, "Period": "DAY"}}), "stack S: AWS::ApiGateway::UsagePlan Plan: Quota.Limit is -1;"},
		{"plan quota offset negative", usagePlan(map[string]any{"Quota": map[string]any{"Limit": 5, "Offset": -1, "Period": "WEEK"}}), "Quota.Offset is -1;"},
		{"plan quota period", usagePlan(map[string]any{"Quota": map[string]any{"Limit": 5, "Period": "YEAR"}}), `Quota.Period is "YEAR"; CloudFormation accepts one of DAY, WEEK, MONTH`},
		{"plan rate negative", usagePlan(map[string]any{"Throttle": map[string]any{"RateLimit": -1}}), "Throttle.RateLimit is -1;"},
		{"plan method burst negative", usagePlan(map[string]any{"ApiStages": []any{map[string]any{"ApiId": "a", "Stage": "prod",
			"Throttle": map[string]any{"/pets/GET": map[string]any{"BurstLimit": -1}}}}}), "ApiStages[0].Throttle./pets/GET.BurstLimit is -1;"},
		{"CORS max age", httpCorsMaxAge(600), ""},
		{"CORS max age not an integer", httpCorsMaxAge(0.5), "stack S: AWS::ApiGatewayV2::Api Api: CorsConfiguration.MaxAge is 0.5;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTemplate(t, tt.resources)
			_, err := assembly.Load(dir)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused a value CloudFormation accepts: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("loaded; want the refusal %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error\n%v\nwant one containing\n%s", err, tt.want)
			}
		})
	}
}

// TestTemplateRangesAll: every refused value of an assembly is named in the one error, after
// the assembly's folder, so that one start-up shows them all.
func TestTemplateRangesAll(t *testing.T) {
	dir := writeTemplate(t, map[string]any{
		"Fn":   resource("AWS::Lambda::Function", map[string]any{"Timeout": 1e300, "MemorySize": -1, "ReservedConcurrentExecutions": -1}),
		"Okay": resource("AWS::Lambda::Function", map[string]any{"Timeout": 30}),
	})
	_, err := assembly.Load(dir)
	if err == nil {
		t.Fatal("loaded an assembly with three values out of range")
	}
	for _, want := range []string{"assembly " + `"` + dir + `"`, "Fn: Timeout is 1e+300", "Fn: MemorySize is -1", "Fn: ReservedConcurrentExecutions is -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "Okay") {
		t.Errorf("error names a function whose values are in range:\n%v", err)
	}
}

// TestTemplateRangesUnresolved: a value that cannot be resolved locally is warned about (as
// before) and left at its default, not refused.
func TestTemplateRangesUnresolved(t *testing.T) {
	a, err := assembly.Load(writeTemplate(t, function("Timeout", map[string]any{"Ref": "Nowhere"})))
	if err != nil {
		t.Fatal(err)
	}
	if fn := a.Functions["Fn"]; fn == nil || fn.Timeout.Seconds() != 3 {
		t.Errorf("function %+v, want the default timeout of 3 s (AWS::Lambda::Function Timeout: \"The default is 3 seconds.\")", fn)
	}
	if !strings.Contains(strings.Join(a.Warnings, "\n"), `Ref "Nowhere"`) {
		t.Errorf("no warning names the unresolved Ref: %q", a.Warnings)
	}
}
