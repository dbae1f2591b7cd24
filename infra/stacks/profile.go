package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/httpapi"
	"github.com/portico-dev/portico/constructs/userpool"
	"github.com/portico-dev/portico/functions/profile"
)

// ProfileAdminScope is the OAuth scope the admin route requires.
const ProfileAdminScope = "profile/admin"

// NewProfileStack is the HTTP API sample: a Cognito user pool with a web client (users sign in
// and send ID tokens) and a machine client (client credentials, access tokens with scope
// profile/admin); an HTTP API whose every route needs a JWT from the pool, one admin route
// needing the scope, and CORS for a local front-end on FrontEndOrigin; and functions/profile,
// which answers from the verified claims.
func NewProfileStack(scope constructs.Construct, id *string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	users := userpool.NewUserPool(stack, jsii.String("Users"), &userpool.UserPoolProps{
		ResourceServerIdentifier: jsii.String("profile"),
		Scopes:                   jsii.Strings("admin"),
	})
	web := users.Pool.AddClient(jsii.String("WebClient"), &awscognito.UserPoolClientOptions{
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
	})
	// The machine client gets its access tokens from the pool's OAuth token endpoint.
	domain := users.Pool.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String("portico-profile-" + *stack.Account())},
	})

	handler := gofunction.NewGoFunction(stack, jsii.String("Profile"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/profile/cmd")),
	})
	api := httpapi.NewHttpApi(stack, jsii.String("Api"), &httpapi.HttpApiProps{
		Description: jsii.String("Portico profile API"),
		DefaultAuthorizer: httpapi.NewUserPoolAuthorizer(jsii.String("Cognito"), &httpapi.UserPoolAuthorizerProps{
			UserPool: users.Pool,
			Clients:  &[]awscognito.IUserPoolClient{web, users.Client},
		}),
		// A browser page on FrontEndOrigin may call with its ID token: API Gateway answers the
		// preflight before the authorizer runs and adds the CORS headers to every response.
		Cors: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: jsii.Strings(FrontEndOrigin),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{awsapigatewayv2.CorsHttpMethod_GET},
			AllowHeaders: jsii.Strings("Authorization"),
			MaxAge:       awscdk.Duration_Minutes(jsii.Number(10)),
		},
		Stage: &httpapi.StageOptions{
			Throttle: &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(50), BurstLimit: jsii.Number(100)},
		},
	})
	api.AddRoute(profile.RouteMe, handler, nil)
	api.AddRoute(profile.RouteAdmin, handler, &httpapi.RouteOptions{
		AuthorizationScopes: jsii.Strings(ProfileAdminScope),
		Throttle:            &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(5), BurstLimit: jsii.Number(10)},
	})

	awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: users.Pool.UserPoolId()})
	awscdk.NewCfnOutput(stack, jsii.String("WebClientId"), &awscdk.CfnOutputProps{Value: web.UserPoolClientId()})
	awscdk.NewCfnOutput(stack, jsii.String("MachineClientId"), &awscdk.CfnOutputProps{Value: users.Client.UserPoolClientId()})
	awscdk.NewCfnOutput(stack, jsii.String("TokenUrl"), &awscdk.CfnOutputProps{Value: jsii.String(*domain.BaseUrl(nil) + "/oauth2/token")})
	return stack
}
