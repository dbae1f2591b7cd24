package restapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/policy"
	"github.com/portico-dev/portico/constructs/restapi"
)

func iam() *restapi.RouteOptions {
	return &restapi.RouteOptions{IamAuthorization: jsii.Bool(true)}
}

// twoStages is a public API with stages prod (the default) and dev.
func twoStages(f constructstest.Fixture) restapi.RestApi {
	return restapi.NewPublicRestApi(f.Stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
		Stages: &[]*restapi.StageProps{{Name: jsii.String("prod")}, {Name: jsii.String("dev")}},
	}})
}

func caller(f constructstest.Fixture) awsiam.Role {
	return awsiam.NewRole(f.Stack, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
}

// invokeArns matches the Resource of a grant: one execute-api ARN of the API per suffix
// ("/prod/GET/reports/*"), as "Resource format of permissions for executing API in API Gateway"
// writes them: arn:{partition}:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/{path}.
func invokeArns(apiRef any, suffixes ...string) any {
	var arns []any
	for _, s := range suffixes {
		tail := []any{":", apiRef, s}
		if id, literal := apiRef.(string); literal { // CDK joins literal parts into one
			tail = []any{":" + id + s}
		}
		arns = append(arns, map[string]any{"Fn::Join": []any{"", append([]any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":execute-api:", map[string]any{"Ref": "AWS::Region"}, ":",
			map[string]any{"Ref": "AWS::AccountId"}}, tail...)}})
	}
	if len(arns) == 1 {
		return arns[0]
	}
	return arns
}

func TestIamRoutes(t *testing.T) {
	apiRef := map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Api"))}
	constructstest.RunTemplateCases(t, []constructstest.TemplateCase{
		{Name: "an IAM route is an AWS_IAM method without an authorizer", Build: func(f constructstest.Fixture) {
			twoStages(f).AddRoute("GET", "/reports/{id}", f.Fn, iam())
		}, Then: map[string]map[string]any{"AWS::ApiGateway::Method": {
			"HttpMethod": "GET", "AuthorizationType": "AWS_IAM", "AuthorizerId": assertions.Match_Absent(),
		}}},
		{Name: "GrantInvoke without stages covers the default stage, a parameter as *", Build: func(f constructstest.Fixture) {
			api := twoStages(f)
			api.AddRoute("GET", "/reports/{id}", f.Fn, iam())
			api.GrantInvoke(caller(f), "GET", "/reports/{id}")
		}, Then: map[string]map[string]any{"AWS::IAM::Policy": {"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": invokeArns(apiRef, "/prod/GET/reports/*"),
		}}}}}},
		{Name: "GrantInvoke covers every stage it names; ANY is *", Build: func(f constructstest.Fixture) {
			api := twoStages(f)
			api.AddRoute("ANY", "/reports", f.Fn, iam())
			api.GrantInvoke(caller(f), "ANY", "/reports", "dev", "prod")
		}, Then: map[string]map[string]any{"AWS::IAM::Policy": {"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": invokeArns(apiRef, "/dev/*/reports", "/prod/*/reports"),
		}}}}}},
		{Name: "GrantInvoke of one method of an ANY route", Build: func(f constructstest.Fixture) {
			api := twoStages(f)
			api.AddRoute("ANY", "/", f.Fn, iam())
			api.GrantInvoke(caller(f), "GET", "/", "dev")
		}, Then: map[string]map[string]any{"AWS::IAM::Policy": {"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": invokeArns(apiRef, "/dev/GET/"),
		}}}}}},
	})
}

func TestImportedRestApiGrantInvoke(t *testing.T) {
	// GIVEN a REST API imported with a stage name, with an IAM route added through the import
	f := constructstest.NewFixture()
	imported := restapi.FromRestApiAttributes(f.Stack, jsii.String("Api"), &restapi.RestApiAttributes{
		RestApiId: jsii.String("a1b2c3d4e5"), RootResourceId: jsii.String("r00t"), StageName: jsii.String("live"),
	})
	imported.AddRoute("POST", "/added", f.Fn, iam())
	// WHEN a role is granted it, and a route of the owner on another stage
	role := caller(f)
	imported.GrantInvoke(role, "POST", "/added")
	imported.GrantInvoke(role, "GET", "/owned/{id}", "beta")
	// THEN the grants name the import's stage, or the stage given
	assertions.Template_FromStack(f.Stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{
			map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": invokeArns("a1b2c3d4e5", "/live/POST/added")},
			map[string]any{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": invokeArns("a1b2c3d4e5", "/beta/GET/owned/*")},
		}},
	})
}

func TestIamClearErrors(t *testing.T) {
	withRoutes := func(f constructstest.Fixture) restapi.RestApi {
		api := twoStages(f)
		api.AddRoute("GET", "/iam", f.Fn, iam())
		api.AddRoute("GET", "/open", f.Fn, public())
		return api
	}
	constructstest.RunPanicCases(t, []constructstest.PanicCase{
		{Name: "IAM and an authorizer", Build: func(f constructstest.Fixture) {
			api := twoStages(f)
			api.AddRoute("GET", "/", f.Fn, &restapi.RouteOptions{IamAuthorization: jsii.Bool(true),
				Authorizer: api.AddTokenAuthorizer(jsii.String("T"), &restapi.LambdaAuthorizerProps{Function: f.Fn})})
		}, Want: []string{"route GET / sets Authorizer and IamAuthorization; choose one"}},
		{Name: "IAM and no authorizer", Build: func(f constructstest.Fixture) {
			twoStages(f).AddRoute("GET", "/", f.Fn, &restapi.RouteOptions{IamAuthorization: jsii.Bool(true), NoAuthorizer: jsii.Bool(true)})
		}, Want: []string{"sets IamAuthorization and NoAuthorizer; choose one"}},
		{Name: "IAM with Cognito scopes", Build: func(f constructstest.Fixture) {
			twoStages(f).AddRoute("GET", "/", f.Fn, &restapi.RouteOptions{IamAuthorization: jsii.Bool(true), Scopes: jsii.Strings("a/b")})
		}, Want: []string{"sets Scopes, which only a Cognito authorizer checks"}},
		{Name: "grant of a bad method", Build: func(f constructstest.Fixture) { withRoutes(f).GrantInvoke(f.Fn, "get", "/iam") },
			Want: []string{"GrantInvoke: method must be one of GET", `got "get"`}},
		{Name: "grant of a bad path", Build: func(f constructstest.Fixture) { withRoutes(f).GrantInvoke(f.Fn, "GET", "iam") },
			Want: []string{"GrantInvoke: route path must start with", `got "iam"`}},
		{Name: "grant of a missing route", Build: func(f constructstest.Fixture) { withRoutes(f).GrantInvoke(f.Fn, "POST", "/iam") },
			Want: []string{"GrantInvoke POST /iam: no such route", `["GET /iam" "GET /open"]`}},
		{Name: "grant of a route without IAM", Build: func(f constructstest.Fixture) { withRoutes(f).GrantInvoke(f.Fn, "GET", "/open") },
			Want: []string{"GrantInvoke GET /open: the route does not use IAM authorization", "IamAuthorization: true"}},
		{Name: "grant on a stage the API lacks", Build: func(f constructstest.Fixture) { withRoutes(f).GrantInvoke(f.Fn, "GET", "/iam", "prod", "test") },
			Want: []string{`GrantInvoke GET /iam: no stage "test"; the API's stages are ["prod" "dev"]`}},
		{Name: "grant on an imported API with a malformed stage", Build: func(f constructstest.Fixture) {
			restapi.FromRestApiAttributes(f.Stack, jsii.String("Api"), &restapi.RestApiAttributes{RestApiId: jsii.String("a1b2c3d4e5"), RootResourceId: jsii.String("r00t")}).
				GrantInvoke(f.Fn, "GET", "/x", "a b")
		}, Want: []string{`stage name must be 1 to 128 letters, digits, "-" or "_", got "a b"`}},
	})
}

// TestPrincipalsNeedAnIamRoute: API Gateway evaluates a caller's identity only in the IAM
// workflow ("How API Gateway resource policies affect authorization workflow"); a resource
// policy statement about principals on an API without AWS_IAM methods matches no request.
func TestPrincipalsNeedAnIamRoute(t *testing.T) {
	role := "arn:aws:iam::098765432109:role/MyRole"
	tests := []struct {
		name string
		doc  *policy.Document
		iam  bool
		want string // "" when synth must succeed
	}{
		{"AllowOnly a CIDR and a role", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24"), policy.Roles(role)), false,
			`RestApi Stack/Api: the resource policy names IAM principals ["` + role + `" "` + role + `"], but no route uses IAM authorization`},
		{"an account", policy.New().Allow(policy.Accounts("098765432109")), false, `IAM principals ["098765432109"]`},
		{"a raw statement with a principal", policy.New().AddStatements(map[string]any{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
			"Principal": map[string]any{"AWS": []string{role}}}), false, "RouteOptions.IamAuthorization: true, or take the principals out of the policy"},
		{"the same role with an IAM route", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24"), policy.Roles(role)), true, ""},
		{"addresses only", policy.New().AllowOnly(policy.Cidrs("203.0.113.0/24")), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a public API with the policy and a route
			f := constructstest.NewFixture()
			api := restapi.NewPublicRestApi(f.Stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{Policy: tt.doc}})
			api.AddRoute("GET", "/open", f.Fn, public())
			if tt.iam {
				api.AddRoute("GET", "/iam", f.Fn, iam())
			}
			// WHEN it is synthesized THEN it fails naming the principals, or succeeds
			got := panicOf(func() { assertions.Template_FromStack(f.Stack, nil) })
			if tt.want == "" && got != "" {
				t.Fatalf("synth failed: %s", got)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("synth error %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
	t.Run("a private API's principals", func(t *testing.T) {
		f := constructstest.NewFixture()
		restapi.NewPrivateRestApi(f.Stack, jsii.String("Api"), &restapi.PrivateRestApiProps{VpcEndpointIds: jsii.Strings("vpce-0123456789abcdef0"),
			RestApiOptions: restapi.RestApiOptions{Policy: policy.New().Allow(policy.Roles(role))}}).AddRoute("GET", "/", f.Fn, public())
		if got := panicOf(func() { f.App.Synth(nil) }); !strings.Contains(got, `IAM principals ["`+role+`"]`) {
			t.Errorf("synth error %q, want one naming the role", got)
		}
	})
}
