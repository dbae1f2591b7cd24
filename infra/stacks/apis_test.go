package stacks_test

import (
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/websocketapi"
	"github.com/portico-dev/portico/contract"
	"github.com/portico-dev/portico/infra/stacks"
)

// apiStacks synthesizes the Profile and Notifications samples once (each GoFunction is a Go
// build), with the AwsSolutions checks applied as Build applies them.
var apiStacks = sync.OnceValues(func() (profile, notifications awscdk.Stack) {
	app := awscdk.NewApp(nil)
	profile = stacks.NewProfileStack(app, jsii.String("Profile"), nil)
	notifications = stacks.NewNotificationsStack(app, jsii.String("Notifications"), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return profile, notifications
})

func ref(prefix string) map[string]any {
	return map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^" + prefix))}
}

func TestProfileStack(t *testing.T) {
	profile, _ := apiStacks()
	template := assertions.Template_FromStack(profile, nil)
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		// "Configuring CORS for an HTTP API": API Gateway answers preflights and adds the headers.
		{"an HTTP API with CORS for the front-end", "AWS::ApiGatewayV2::Api", map[string]any{"ProtocolType": "HTTP", "CorsConfiguration": map[string]any{
			"AllowOrigins": []any{stacks.FrontEndOrigin}, "AllowMethods": []any{"GET"}, "AllowHeaders": []any{"Authorization"}, "MaxAge": 600,
		}}},
		{"a JWT authorizer for the pool and both app clients", "AWS::ApiGatewayV2::Authorizer", map[string]any{
			"AuthorizerType": "JWT",
			"JwtConfiguration": map[string]any{
				"Audience": []any{ref("UsersWebClient"), ref("UsersClient")},
				"Issuer": map[string]any{"Fn::Join": []any{"", []any{
					"https://cognito-idp.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com/", ref("Users"),
				}}},
			},
		}},
		{"GET /profile needs a JWT and no scope", "AWS::ApiGatewayV2::Route", map[string]any{
			"RouteKey": "GET /profile", "AuthorizationType": "JWT", "AuthorizerId": ref("ApiCognito"), "AuthorizationScopes": assertions.Match_Absent(),
		}},
		{"the admin route needs the admin scope", "AWS::ApiGatewayV2::Route", map[string]any{
			"RouteKey": "GET /admin/profiles/{id}", "AuthorizationType": "JWT", "AuthorizationScopes": []any{stacks.ProfileAdminScope},
		}},
		{"the stage throttles, and the admin route more", "AWS::ApiGatewayV2::Stage", map[string]any{
			"StageName":            "$default",
			"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100},
			"RouteSettings":        map[string]any{"GET /admin/profiles/{id}": map[string]any{"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10}},
		}},
		{"payload 2.0 to the profile function", "AWS::ApiGatewayV2::Integration", map[string]any{
			"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
			"IntegrationUri": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^Profile")), "Arn"}},
		}},
		{"the admin scope exists on the pool's resource server", "AWS::Cognito::UserPoolResourceServer", map[string]any{
			"Identifier": "profile", "Scopes": []any{map[string]any{"ScopeName": "admin", "ScopeDescription": "admin"}},
		}},
		{"the machine client may ask for it", "AWS::Cognito::UserPoolClient", map[string]any{
			"AllowedOAuthFlows": []any{"client_credentials"}, "GenerateSecret": true,
		}},
		{"the web client signs users in with SRP", "AWS::Cognito::UserPoolClient", map[string]any{
			"ExplicitAuthFlows": assertions.Match_ArrayWith(&[]any{"ALLOW_USER_SRP_AUTH"}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template.HasResourceProperties(jsii.String(tt.typ), tt.props)
		})
	}
	template.HasResource(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Metadata": map[string]any{"portico:entry": "github.com/portico-dev/portico/functions/profile/cmd"},
	})
}

func TestNotificationsStack(t *testing.T) {
	_, notifications := apiStacks()
	template := assertions.Template_FromStack(notifications, nil)
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"a WebSocket API routing on action", "AWS::ApiGatewayV2::Api", map[string]any{"ProtocolType": "WEBSOCKET", "RouteSelectionExpression": "$request.body.action"}},
		{"a Lambda REQUEST authorizer reading ?token=", "AWS::ApiGatewayV2::Authorizer", map[string]any{
			"AuthorizerType": "REQUEST", "IdentitySource": []any{"route.request.querystring.token"},
		}},
		{"$connect uses it", "AWS::ApiGatewayV2::Route", map[string]any{"RouteKey": "$connect", "AuthorizationType": "CUSTOM", "AuthorizerId": ref("ApiCognitoJwt")}},
		{"$disconnect", "AWS::ApiGatewayV2::Route", map[string]any{"RouteKey": "$disconnect"}},
		{"$default", "AWS::ApiGatewayV2::Route", map[string]any{"RouteKey": "$default"}},
		{"echo", "AWS::ApiGatewayV2::Route", map[string]any{"RouteKey": "echo"}},
		{"whoami", "AWS::ApiGatewayV2::Route", map[string]any{"RouteKey": "whoami"}},
		{"the authorizer verifies the pool's ID tokens for its client", "AWS::Lambda::Function", map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{
				"PORTICO_JWT_ISSUER": map[string]any{"Fn::Join": []any{"", []any{
					"https://cognito-idp.", map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"}, "/", ref("Users"),
				}}},
				"PORTICO_JWT_CLIENT_IDS": ref("UsersClient"),
				"PORTICO_JWT_TOKEN_USE":  "id",
			}},
		}},
		{"the handler knows the callback URL", "AWS::Lambda::Function", map[string]any{
			"Environment": map[string]any{"Variables": map[string]any{
				contract.CallbackURLEnv: map[string]any{"Fn::Join": []any{"", []any{
					"https://", ref("Api"), ".execute-api.", map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"}, "/prod",
				}}},
			}},
		}},
		{"and may manage the prod stage's connections only", "AWS::IAM::Policy", map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "execute-api:ManageConnections", "Effect": "Allow",
				"Resource": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{ref("Api"), "/prod/*/@connections/*"})}},
			}})},
		}},
		{"access logs as JSON", "AWS::ApiGatewayV2::Stage", map[string]any{
			"StageName": "prod", "AccessLogSettings": map[string]any{"Format": websocketapi.AccessLogFormat, "DestinationArn": assertions.Match_AnyValue()},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template.HasResourceProperties(jsii.String(tt.typ), tt.props)
		})
	}
	for entry, want := range map[string]int{
		"github.com/portico-dev/portico/authorizers/websocket/cmd":   1,
		"github.com/portico-dev/portico/functions/notifications/cmd": 1,
	} {
		found := template.FindResources(jsii.String("AWS::Lambda::Function"), map[string]any{"Metadata": map[string]any{"portico:entry": entry}})
		if len(*found) != want {
			t.Errorf("%d functions built from %s, want %d", len(*found), entry, want)
		}
	}
}

// TestApiSampleGrantsAreScoped: no IAM statement in either sample allows an action on "*".
func TestApiSampleGrantsAreScoped(t *testing.T) {
	profile, notifications := apiStacks()
	for _, stack := range []awscdk.Stack{profile, notifications} {
		policies := assertions.Template_FromStack(stack, nil).FindResources(jsii.String("AWS::IAM::Policy"), nil)
		if len(*policies) == 0 {
			t.Fatalf("%s has no IAM policies to check", *stack.StackName())
		}
		for id, p := range *policies {
			for _, st := range (*p)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				res := st.(map[string]any)["Resource"]
				list, _ := res.([]any)
				if res == "*" || (len(list) > 0 && list[0] == "*") {
					t.Errorf("%s: policy %s allows %v on \"*\"", *stack.StackName(), id, st.(map[string]any)["Action"])
				}
			}
		}
	}
}
