package restapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/policy"
	"github.com/portico-dev/portico/constructs/restapi"
)

const frontEnd = "http://localhost:5173"

// preflight matches the OPTIONS method CDK's Resource.addCorsPreflight writes (aws-cdk-lib
// aws-apigateway/lib/resource.js): a MOCK integration whose request template is
// "{ statusCode: 200 }" and whose one integration response (204) sets the CORS headers as
// literals, with no authorizer and no API key. The developer guide's "CORS for REST APIs in API
// Gateway" (Enabling CORS for non-proxy integrations) describes the same: an OPTIONS method with
// a mock integration and the Access-Control-Allow-Headers, -Methods and -Origin response headers.
func preflight(headers map[string]any) map[string]any {
	params := map[string]any{}
	declared := map[string]any{}
	for k, v := range headers {
		params["method.response.header."+k] = v
		declared["method.response.header."+k] = true
	}
	return map[string]any{
		"HttpMethod": "OPTIONS", "AuthorizationType": "NONE", "ApiKeyRequired": false,
		"Integration": assertions.Match_ObjectLike(&map[string]any{
			"Type":             "MOCK",
			"RequestTemplates": map[string]any{"application/json": "{ statusCode: 200 }"},
			"IntegrationResponses": []any{assertions.Match_ObjectLike(&map[string]any{
				"StatusCode": "204", "ResponseParameters": params,
			})},
		}),
		"MethodResponses": []any{map[string]any{"StatusCode": "204", "ResponseParameters": declared}},
	}
}

// allHeaders is CDK's Cors.DEFAULT_HEADERS, allMethods its Cors.ALL_METHODS.
const (
	allHeaders = "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent'"
	allMethods = "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'"
)

func TestCorsPreflight(t *testing.T) {
	tests := []struct {
		name   string
		cors   *restapi.Cors
		routes func(api restapi.RestApi, s awscdk.Stack)
		want   map[string]any
	}{
		{"any origin, CDK's default headers and methods", &restapi.Cors{AllowOrigins: jsii.Strings("*")}, nil,
			preflight(map[string]any{"Access-Control-Allow-Origin": "'*'", "Access-Control-Allow-Headers": allHeaders, "Access-Control-Allow-Methods": allMethods})},
		{"one origin with credentials, max age and exposed headers", &restapi.Cors{
			AllowOrigins: jsii.Strings(frontEnd), AllowMethods: jsii.Strings("GET", "POST"), AllowHeaders: jsii.Strings("Authorization", "Content-Type"),
			ExposeHeaders: jsii.Strings("X-Request-Id"), AllowCredentials: jsii.Bool(true), MaxAgeSeconds: jsii.Number(600),
		}, nil, preflight(map[string]any{
			"Access-Control-Allow-Origin": "'" + frontEnd + "'", "Vary": "'Origin'", "Access-Control-Allow-Credentials": "'true'",
			"Access-Control-Allow-Headers": "'Authorization,Content-Type'", "Access-Control-Allow-Methods": "'GET,POST'",
			"Access-Control-Expose-Headers": "'X-Request-Id'", "Access-Control-Max-Age": "'600'",
		})},
		// With several origins CDK answers with the first as a literal, and a response template
		// that overrides the header with the request's Origin when it is one of the others.
		// (on a route: the API's Cors would need gateway responses with their own header)
		{"several origins: a template picks the caller's", nil, func(api restapi.RestApi, s awscdk.Stack) {
			api.AddRoute("GET", "/x", fn(s, "F"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Cors: &restapi.Cors{AllowOrigins: jsii.Strings("https://app.example.com", frontEnd)}})
		},
			map[string]any{"HttpMethod": "OPTIONS", "Integration": assertions.Match_ObjectLike(&map[string]any{
				"IntegrationResponses": []any{assertions.Match_ObjectLike(&map[string]any{
					"ResponseParameters": assertions.Match_ObjectLike(&map[string]any{"method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'"}),
					"ResponseTemplates": map[string]any{"application/json": "#set($origin = $input.params().header.get(\"Origin\"))\n" +
						"#if($origin == \"\")\n  #set($origin = $input.params().header.get(\"origin\"))\n#end\n" +
						"#if($origin == \"" + frontEnd + "\")\n  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end"},
				})},
			})}},
		{"a route's own Cors on its path", nil, func(api restapi.RestApi, s awscdk.Stack) {
			api.AddRoute("GET", "/public", fn(s, "P"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Cors: &restapi.Cors{AllowOrigins: jsii.Strings("*"), AllowMethods: jsii.Strings("GET")}})
		}, preflight(map[string]any{"Access-Control-Allow-Origin": "'*'", "Access-Control-Allow-Headers": allHeaders, "Access-Control-Allow-Methods": "'GET'"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN an API with Cors
			s := newStack()
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Cors: tt.cors}})
			// WHEN routes are added
			if tt.routes != nil {
				tt.routes(api, s)
			} else {
				api.AddRoute("GET", "/orders/{id}", fn(s, "F"), public())
			}
			// THEN the path has the preflight
			assertions.Template_FromStack(s, nil).HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), tt.want)
		})
	}
}

func TestCorsPreflightPerPath(t *testing.T) {
	// GIVEN an API with Cors, a route on two methods of /orders, one on /orders/{id}, and one
	// with a Cognito authorizer and an API key
	s := newStack()
	api := restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Cors: &restapi.Cors{AllowOrigins: jsii.Strings(frontEnd)}}})
	pool := awscognito.NewUserPool(s, jsii.String("Pool"), nil)
	auth := api.AddCognitoAuthorizer(jsii.String("Cognito"), &restapi.CognitoAuthorizerProps{UserPools: &[]awscognito.IUserPool{pool}})
	h := fn(s, "F")
	api.AddRoute("GET", "/orders", h, &restapi.RouteOptions{Authorizer: auth, ApiKeyRequired: jsii.Bool(true)})
	api.AddRoute("POST", "/orders", h, &restapi.RouteOptions{Authorizer: auth})
	api.AddRoute("GET", "/orders/{id}", h, public())
	tmpl := assertions.Template_FromStack(s, nil)

	// THEN each path has one preflight, none elsewhere ("/" has no route), and every OPTIONS
	// method is open: the browser sends no token or key on a preflight (Fetch standard)
	options := tmpl.FindResources(jsii.String("AWS::ApiGateway::Method"), &map[string]any{"Properties": map[string]any{"HttpMethod": "OPTIONS"}})
	if len(*options) != 2 {
		t.Errorf("want 2 OPTIONS methods (/orders, /orders/{id}), got %d", len(*options))
	}
	open := tmpl.FindResources(jsii.String("AWS::ApiGateway::Method"), &map[string]any{"Properties": map[string]any{
		"HttpMethod": "OPTIONS", "AuthorizationType": "NONE", "ApiKeyRequired": false, "AuthorizerId": assertions.Match_Absent()}})
	if len(*open) != 2 {
		t.Errorf("want both OPTIONS methods without authorizer or key, got %d", len(*open))
	}
	// AND the routes keep their authorizer
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{"HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS", "ApiKeyRequired": true})

	// AND cdk-nag's AwsSolutions pack reports APIG4 and COG4 (authorization) on the public GET
	// only: it exempts CORS preflights itself
	awscdk.Aspects_Of(s).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
	errs := assertions.Annotations_FromStack(s).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-(APIG4|COG4)")))
	var onGet int
	for _, e := range *errs {
		//lint:ignore SA1019 the replacement type lives in @aws-cdk/cloud-assembly-api, which has no Go binding
		switch id := *e.Id; {
		case strings.HasSuffix(id, "/orders/{id}/GET/Resource"):
			onGet++
		default:
			//lint:ignore SA1019 the replacement type lives in @aws-cdk/cloud-assembly-api, which has no Go binding
			t.Errorf("unexpected finding on %s: %s", id, mustJSON(e.Entry.Data))
		}
	}
	if onGet != 2 {
		t.Errorf("want APIG4 and COG4 on the public GET (the checks ran), got %d findings", onGet)
	}
}

func TestCorsPrivatePolicy(t *testing.T) {
	role := "arn:aws:iam::098765432109:role/Caller"
	tests := []struct {
		name       string
		policy     *policy.Document
		wantAllow  bool
		statements int
	}{
		// The construct's Allow for everyone covers preflights already.
		{"default policy", nil, false, 2},
		// An Allow by role matches only signed requests, never a browser's preflight.
		{"the user's Allow by role", policy.New().Allow(policy.Roles(role)), true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a private API with Cors
			s := newStack()
			api := restapi.NewPrivateRestApi(s, jsii.String("Api"), &restapi.PrivateRestApiProps{VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"),
				RestApiOptions: restapi.RestApiOptions{Cors: &restapi.Cors{AllowOrigins: jsii.Strings(frontEnd)}, Policy: tt.policy}})
			// WHEN routes are added
			h := fn(s, "F")
			api.AddRoute("GET", "/orders/{id}", h, &restapi.RouteOptions{IamAuthorization: jsii.Bool(true)}) // the role's route
			api.AddRoute("GET", "/", h, public())
			// THEN the policy has an Allow of exactly the preflights when it needs one; the Deny
			// outside the endpoint still applies to them
			res := assertions.Template_FromStack(s, nil).FindResources(jsii.String("AWS::ApiGateway::RestApi"), nil)
			for _, r := range *res {
				stmts := (*r)["Properties"].(map[string]any)["Policy"].(map[string]any)["Statement"].([]any)
				if len(stmts) != tt.statements {
					t.Fatalf("want %d statements, got %s", tt.statements, mustJSON(stmts))
				}
				want := mustJSON(map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Principal": "*",
					"Resource": []any{"execute-api:/*/OPTIONS/orders/*", "execute-api:/*/OPTIONS/"}})
				if got := mustJSON(stmts[len(stmts)-1]); (got == want) != tt.wantAllow {
					t.Errorf("last statement %s; want the preflight Allow: %v", got, tt.wantAllow)
				}
			}
		})
	}
}

func TestCorsErrors(t *testing.T) {
	route := func(c *restapi.Cors) func(s awscdk.Stack) {
		return func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddRoute("GET", "/x", fn(s, "F"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Cors: c})
		}
	}
	onAPI := func(c *restapi.Cors) func(s awscdk.Stack) {
		return func(s awscdk.Stack) {
			restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Cors: c}})
		}
	}
	origins := func(o ...string) *restapi.Cors { return &restapi.Cors{AllowOrigins: jsii.Strings(o...)} }
	tests := []struct {
		name  string
		build func(s awscdk.Stack)
		want  string
	}{
		{"no origin", onAPI(&restapi.Cors{}), "Cors.AllowOrigins needs at least one origin"},
		// Fetch standard, CORS check: with credentials, "*" in Access-Control-Allow-Origin fails.
		{"credentials with any origin", onAPI(&restapi.Cors{AllowOrigins: jsii.Strings("*"), AllowCredentials: jsii.Bool(true)}), `Cors.AllowCredentials cannot be used with AllowOrigins "*"`},
		{"* among origins", route(origins("*", frontEnd)), `"*" allows every origin and cannot be listed with others`},
		// An origin is scheme://host[:port] (RFC 6454 serialization, as the Origin header holds it).
		{"origin with a path", route(origins("https://app.example.com/login")), `got "https://app.example.com/login"`},
		{"origin with a trailing slash", onAPI(origins("https://app.example.com/")), `got "https://app.example.com/"`},
		{"origin without scheme", onAPI(origins("app.example.com")), `got "app.example.com"`},
		{"origin in upper case", onAPI(origins("https://App.example.com")), `got "https://App.example.com"`},
		{"origin with the default port", onAPI(origins("https://app.example.com:443")), `got "https://app.example.com:443"`},
		{"wildcard subdomain", onAPI(origins("https://*.example.com")), `got "https://*.example.com"`},
		{"not a method", onAPI(&restapi.Cors{AllowOrigins: jsii.Strings(frontEnd), AllowMethods: jsii.Strings("GET", "FETCH")}), `Cors.AllowMethods must be HTTP methods among OPTIONS, GET, PUT, POST, DELETE, PATCH, HEAD, or ANY alone, got "FETCH"`},
		{"ANY with others", onAPI(&restapi.Cors{AllowOrigins: jsii.Strings(frontEnd), AllowMethods: jsii.Strings("ANY", "GET")}), "ANY stands for every method"},
		{"not a header name", onAPI(&restapi.Cors{AllowOrigins: jsii.Strings(frontEnd), AllowHeaders: jsii.Strings("X Custom")}), `the header names of Cors.AllowHeaders may have letters`},
		{"* header with credentials", onAPI(&restapi.Cors{AllowOrigins: jsii.Strings(frontEnd), AllowCredentials: jsii.Bool(true), ExposeHeaders: jsii.Strings("*")}), `"*" in Cors.ExposeHeaders is no wildcard for requests with credentials`},
		{"negative max age", onAPI(&restapi.Cors{AllowOrigins: jsii.Strings(frontEnd), MaxAgeSeconds: jsii.Number(-1)}), "Cors.MaxAgeSeconds must be a whole number 0 or more, got -1"},
		{"routes of one path disagree", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Cors: origins(frontEnd)}})
			api.AddRoute("GET", "/x", fn(s, "F"), public())
			api.AddRoute("POST", "/x", fn(s, "G"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Cors: origins("*")})
		}, "route POST /x: its Cors differs from that of another route on /x"},
		{"OPTIONS route with Cors", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Cors: origins(frontEnd)}})
			api.AddRoute("OPTIONS", "/x", fn(s, "F"), public())
		}, "route OPTIONS /x: with Cors, the OPTIONS method of a route's path answers CORS preflights itself"},
		{"Cors on the path of an OPTIONS route", func(s awscdk.Stack) {
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
			api.AddRoute("OPTIONS", "/x", fn(s, "F"), public())
			api.AddRoute("GET", "/x", fn(s, "G"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Cors: origins(frontEnd)})
		}, "but route OPTIONS /x is defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := panicOf(func() { tt.build(newStack()) }); !strings.Contains(got, tt.want) {
				t.Errorf("panic %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
}
