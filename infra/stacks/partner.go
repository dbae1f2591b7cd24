package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/portico-dev/portico/constructs/gofunction"
	"github.com/portico-dev/portico/constructs/policy"
	"github.com/portico-dev/portico/constructs/restapi"
	"github.com/portico-dev/portico/constructs/userpool"
	"github.com/portico-dev/portico/contract"
)

// Partner sample settings: the seed's example of a resource policy (one CIDR range and one
// cross-account role, enforced with an explicit Deny for everyone else) and two usage plans.
const (
	PartnerCidr      = "203.0.113.0/24"
	PartnerRoleArn   = "arn:aws:iam::098765432109:role/MyRole"
	PartnerScope     = "partner/quotes"
	bronzeRate       = 5
	bronzeBurst      = 10
	bronzeMonthQuota = 10_000
	goldRate         = 50
	goldBurst        = 100
	goldMonthQuota   = 1_000_000
)

// NewPartnerStack is the partner sample: a public REST API whose callers need an API key of the
// Bronze or Gold usage plan and a Cognito access token with the partner/quotes scope, checked by
// the Go REQUEST authorizer (authorizers/restrequest), and must call from 203.0.113.0/24; and
// the same quotes on IAM-authorized routes (GET /iam/quotes, /iam/quotes/{symbol}) for the
// partner's cross-account role, which API Gateway recognizes only on SigV4-signed calls to such
// methods. The resource policy denies everyone who is neither; the role, in another account,
// also needs an Allow of execute-api:Invoke in its own identity policy.
func NewPartnerStack(scope constructs.Construct, id *string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, id, props)

	partners := userpool.NewUserPool(stack, jsii.String("Partners"), &userpool.UserPoolProps{
		ResourceServerIdentifier: jsii.String("partner"),
		Scopes:                   jsii.Strings("quotes"),
		// Machine clients get tokens from the domain's /oauth2/token endpoint.
		DomainPrefix: jsii.String("portico-partners-" + *stack.Account()),
	})
	authorizerFn := gofunction.NewGoFunction(stack, jsii.String("Authorizer"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("authorizers/restrequest/cmd")),
		FunctionOptions: awslambda.FunctionOptions{Environment: &map[string]*string{
			contract.JWTIssuerEnv:         jsii.String("https://cognito-idp." + *stack.Region() + ".amazonaws.com/" + *partners.Pool.UserPoolId()),
			contract.JWTClientIDsEnv:      partners.Client.UserPoolClientId(),
			contract.JWTTokenUseEnv:       jsii.String("access"),
			contract.JWTRequiredScopesEnv: jsii.String(PartnerScope),
		}},
	})
	quotes := gofunction.NewGoFunction(stack, jsii.String("Quotes"), &gofunction.GoFunctionProps{
		Entry: jsii.String(entry("functions/partner/cmd")),
	})

	api := restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{
		RestApiOptions: restapi.RestApiOptions{
			Description: jsii.String("Portico partner API"),
			// Allow statements alone would keep no one out: the routes use a Lambda authorizer,
			// and an authorizer's Allow with a policy that is silent about the caller is
			// allowed. AllowOnly adds the explicit Deny for everyone outside the CIDR who is
			// not the role, which API Gateway applies before the authorizer runs.
			Policy: policy.New().AllowOnly(policy.Cidrs(PartnerCidr), policy.Roles(PartnerRoleArn)),
		},
	})
	auth := api.AddRequestAuthorizer(jsii.String("Partner"), &restapi.LambdaAuthorizerProps{
		Function:        authorizerFn,
		IdentitySources: jsii.Strings("method.request.header.Authorization"),
	})
	keyed := &restapi.RouteOptions{Authorizer: auth, ApiKeyRequired: jsii.Bool(true)}
	keyedRoutes := []awsapigateway.Method{
		api.AddRoute("GET", "/quotes", quotes, keyed),
		api.AddRoute("GET", "/quotes/{symbol}", quotes, keyed),
	}
	// The role's routes: SigV4 identifies the partner, so no token; outside the CIDR.
	signed := &restapi.RouteOptions{IamAuthorization: jsii.Bool(true)}
	iamRoutes := []awsapigateway.Method{
		api.AddRoute("GET", "/iam/quotes", quotes, signed),
		api.AddRoute("GET", "/iam/quotes/{symbol}", quotes, signed),
	}

	bronzeKey := api.AddApiKey(jsii.String("BronzeKey"), &restapi.ApiKeyProps{Description: jsii.String("Example partner on the Bronze plan")})
	goldKey := api.AddApiKey(jsii.String("GoldKey"), &restapi.ApiKeyProps{Description: jsii.String("Example partner on the Gold plan")})
	api.AddUsagePlan(jsii.String("Bronze"), &restapi.UsagePlanProps{
		Name:     jsii.String("Bronze"),
		Throttle: &restapi.Throttle{RateLimit: jsii.Number(bronzeRate), BurstLimit: jsii.Number(bronzeBurst)},
		Quota:    &restapi.Quota{Limit: bronzeMonthQuota, Period: awsapigateway.Period_MONTH},
		MethodThrottles: &[]*restapi.MethodThrottle{{Method: "GET", Path: "/quotes/{symbol}",
			Throttle: restapi.Throttle{RateLimit: jsii.Number(2), BurstLimit: jsii.Number(4)}}},
		ApiKeys: &[]awsapigateway.IApiKey{bronzeKey},
	})
	api.AddUsagePlan(jsii.String("Gold"), &restapi.UsagePlanProps{
		Name:     jsii.String("Gold"),
		Throttle: &restapi.Throttle{RateLimit: jsii.Number(goldRate), BurstLimit: jsii.Number(goldBurst)},
		Quota:    &restapi.Quota{Limit: goldMonthQuota, Period: awsapigateway.Period_MONTH},
		ApiKeys:  &[]awsapigateway.IApiKey{goldKey},
	})

	// IDs only: key values stay in API Gateway (aws apigateway get-api-key --include-value).
	outputs(stack, map[string]*string{
		"ApiUrl":           api.Stage("prod").Resource().UrlForPath(jsii.String("/")),
		"BronzeKeyId":      bronzeKey.KeyId(),
		"GoldKeyId":        goldKey.KeyId(),
		"PartnersClientId": partners.Client.UserPoolClientId(),
		"TokenUrl":         jsii.String(*partners.Domain.BaseUrl(nil) + "/oauth2/token"),
	})

	suppressCog4(keyedRoutes, "Partners are authorized by the Go REQUEST authorizer (authorizers/restrequest), which verifies the Cognito "+
		"access token (signature, issuer, client ID, partner/quotes scope) of the Partners user pool; a Lambda authorizer is used "+
		"so the API key and token are checked together and the result is cached per token.")
	suppressCog4(iamRoutes, "The /iam/quotes routes use AWS_IAM authorization for the partner's cross-account role "+PartnerRoleArn+
		": API Gateway admits it only on a SigV4-signed request that both the resource policy (which names the role) and the role's own "+
		"identity policy allow; the partner is an IAM principal, not a Cognito user.")
	return stack
}

// suppressCog4 records on each method why it has no Cognito user pool authorizer.
func suppressCog4(methods []awsapigateway.Method, reason string) {
	for _, m := range methods {
		cdknag.NagSuppressions_AddResourceSuppressions(m, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String(reason)},
		}, jsii.Bool(true))
	}
}
