package restapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/restapi"
)

// apiDefault is the body API Gateway gives every type it was not told otherwise (API Gateway API
// reference, GetGatewayResponses example: each default response's application/json template).
const apiDefault = `{"message":$context.error.messageString}`

func gatewayResponse(typ string, headers map[string]any, templates map[string]any) map[string]any {
	params := map[string]any{}
	for k, v := range headers {
		params["gatewayresponse.header."+k] = v
	}
	return map[string]any{"ResponseType": typ, "ResponseParameters": params, "ResponseTemplates": templates}
}

func TestGatewayResponses(t *testing.T) {
	body := `{"message":$context.error.messageString,"type":"$context.error.responseType"}`
	tests := []struct {
		name      string
		cors      *restapi.Cors
		responses map[string]*restapi.GatewayResponse
		want      []map[string]any
		count     int
	}{
		// A browser reads a 4XX/5XX only with Access-Control-Allow-Origin ("Gateway responses":
		// the console example maps 'a.b.c' to Access-Control-Allow-Origin "to allow CORS access").
		{"Cors adds DEFAULT_4XX and DEFAULT_5XX with its headers", &restapi.Cors{
			AllowOrigins: jsii.Strings(frontEnd), AllowCredentials: jsii.Bool(true), ExposeHeaders: jsii.Strings("X-Request-Id", "ETag"),
		}, nil, []map[string]any{
			gatewayResponse("DEFAULT_4XX", map[string]any{"Access-Control-Allow-Origin": "'" + frontEnd + "'", "Access-Control-Allow-Credentials": "'true'", "Access-Control-Expose-Headers": "'X-Request-Id,ETag'"}, map[string]any{"application/json": apiDefault}),
			gatewayResponse("DEFAULT_5XX", map[string]any{"Access-Control-Allow-Origin": "'" + frontEnd + "'", "Access-Control-Allow-Credentials": "'true'", "Access-Control-Expose-Headers": "'X-Request-Id,ETag'"}, map[string]any{"application/json": apiDefault}),
		}, 2},
		{"a type of the user's gets the CORS headers too", &restapi.Cors{AllowOrigins: jsii.Strings("*")}, map[string]*restapi.GatewayResponse{
			"UNAUTHORIZED": {StatusCode: jsii.String("401"), Templates: &map[string]*string{"application/json": jsii.String(body)}},
		}, []map[string]any{
			{"ResponseType": "UNAUTHORIZED", "StatusCode": "401", "ResponseParameters": map[string]any{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}, "ResponseTemplates": map[string]any{"application/json": body}},
			gatewayResponse("DEFAULT_4XX", map[string]any{"Access-Control-Allow-Origin": "'*'"}, map[string]any{"application/json": apiDefault}),
		}, 3},
		{"several origins: the user's own Allow-Origin is kept", &restapi.Cors{AllowOrigins: jsii.Strings(frontEnd, "https://app.example.com")}, map[string]*restapi.GatewayResponse{
			"DEFAULT_4XX": {Headers: &map[string]*string{"access-control-allow-origin": jsii.String("method.request.header.Origin")}},
			"DEFAULT_5XX": {Headers: &map[string]*string{"Access-Control-Allow-Origin": jsii.String("'https://app.example.com'")}},
		}, []map[string]any{
			gatewayResponse("DEFAULT_4XX", map[string]any{"access-control-allow-origin": "method.request.header.Origin"}, map[string]any{"application/json": apiDefault}),
			gatewayResponse("DEFAULT_5XX", map[string]any{"Access-Control-Allow-Origin": "'https://app.example.com'"}, map[string]any{"application/json": apiDefault}),
		}, 2},
		{"without Cors, only the user's types, as written", nil, map[string]*restapi.GatewayResponse{
			"THROTTLED": {Headers: &map[string]*string{"Retry-After": jsii.String("'1'")}},
		}, []map[string]any{
			gatewayResponse("THROTTLED", map[string]any{"Retry-After": "'1'"}, map[string]any{"application/json": apiDefault}),
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN an API with those options and a route
			s := newStack()
			opts := restapi.RestApiOptions{Cors: tt.cors}
			if tt.responses != nil {
				opts.GatewayResponses = &tt.responses
			}
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: opts})
			api.AddRoute("GET", "/orders", fn(s, "F"), public())
			// THEN the template has exactly these gateway responses
			tmpl := assertions.Template_FromStack(s, nil)
			tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::GatewayResponse"), jsii.Number(tt.count))
			for _, want := range tt.want {
				tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), want)
			}
			// AND the deployment waits for them: a stage serves its deployment's snapshot
			for id, deps := range dependsOn(tmpl, "AWS::ApiGateway::Deployment") {
				n := 0
				for _, d := range deps {
					if strings.Contains(d, "GatewayResponse") {
						n++
					}
				}
				if n != tt.count {
					t.Errorf("deployment %s depends on %d gateway responses, want %d: %v", id, n, tt.count, deps)
				}
			}
		})
	}
}

func dependsOn(tmpl assertions.Template, typ string) map[string][]string {
	out := map[string][]string{}
	for id, r := range *tmpl.FindResources(jsii.String(typ), nil) {
		list, _ := (*r)["DependsOn"].([]any)
		for _, d := range list {
			out[id] = append(out[id], d.(string))
		}
	}
	return out
}

func TestGatewayResponseErrors(t *testing.T) {
	with := func(cors *restapi.Cors, responses map[string]*restapi.GatewayResponse) func(s awscdk.Stack) {
		return func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Cors: cors, GatewayResponses: &responses}})
		}
	}
	tests := []struct {
		name  string
		build func(s awscdk.Stack)
		want  string
	}{
		// "Gateway response types for API Gateway" lists the types.
		{"unknown type", with(nil, map[string]*restapi.GatewayResponse{"NOT_FOUND": {}}), `gateway response NOT_FOUND: unknown type "NOT_FOUND"; API Gateway's types are ACCESS_DENIED,`},
		{"bad status", with(nil, map[string]*restapi.GatewayResponse{"THROTTLED": {StatusCode: jsii.String("42")}}), `StatusCode must be an HTTP status code of three digits, 100 to 599, e.g. "404", got "42"`},
		// "Gateway responses": a header value is a quoted static value or a request parameter.
		{"unquoted literal header", with(nil, map[string]*restapi.GatewayResponse{"DEFAULT_4XX": {Headers: &map[string]*string{"X-Team": jsii.String("orders")}}}),
			`header X-Team must be a literal in single quotes ("'value'") or a request value`},
		{"bad template media type", with(nil, map[string]*restapi.GatewayResponse{"DEFAULT_4XX": {Templates: &map[string]*string{"json": jsii.String("{}")}}}),
			`the keys of Templates are media types "type/subtype", e.g. "application/json", got "json"`},
		// Gateway response templates are not VTL and headers are literals or request values: no
		// header can pick the caller's origin among several.
		{"several origins without the user's header", with(&restapi.Cors{AllowOrigins: jsii.Strings(frontEnd, "https://app.example.com")}, nil),
			`gateway response DEFAULT_4XX: Cors allows several origins ["http://localhost:5173" "https://app.example.com"], and a gateway response cannot pick the caller's among them`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := panicOf(func() { tt.build(newStack()) }); !strings.Contains(got, tt.want) {
				t.Errorf("panic %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
}
