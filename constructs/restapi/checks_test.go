package restapi_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/restapi"
)

// aliasApi is an API whose dev and prod stages select the handler's alias through the stage
// variable "alias".
func aliasApi(stack awscdk.Stack, dev, prod string) restapi.RestApi {
	return restapi.NewPublicRestApi(stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
		Stages: &[]*restapi.StageProps{
			{Name: jsii.String("dev"), Variables: &map[string]*string{"alias": jsii.String(dev)}},
			{Name: jsii.String("prod"), Variables: &map[string]*string{"alias": jsii.String(prod)}},
		},
	}})
}

func aliasOf(stack awscdk.Stack, id, name string, f awslambda.Function) awslambda.Alias {
	return awslambda.NewAlias(stack, jsii.String(id), &awslambda.AliasProps{AliasName: jsii.String(name), Version: f.CurrentVersion()})
}

func logicalID(stack awscdk.Stack, c awscdk.IResource) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func TestAliasMustBeDefined(t *testing.T) {
	tests := []struct {
		name  string
		build func(s awscdk.Stack)
		want  string // "" when synth must succeed
	}{
		{"no alias at all", func(s awscdk.Stack) {
			aliasApi(s, "dev", "live").AddRoute("GET", "/orders", fn(s, "H"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
			aliasOf(s, "Dev", "dev", fn(s, "Unused")) // an alias "dev", of another function
		}, `route GET /orders: stage "dev" selects alias "dev" of function S/H through stage variable "alias", but no awslambda.Alias in the app defines "dev" for that function`},
		{"one of two stages", func(s awscdk.Stack) {
			h := fn(s, "H")
			aliasApi(s, "dev", "live").AddRoute("GET", "/orders", h, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
			aliasOf(s, "Dev", "dev", h)
		}, `stage "prod" selects alias "live"`},
		{"a version number is not an alias", func(s awscdk.Stack) {
			aliasApi(s, "1", "2").AddRoute("GET", "/orders", fn(s, "H"), &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
		}, ""},
		{"the alias in another stack of the app", func(s awscdk.Stack) {
			other := awscdk.NewStack(s.Node().Scope().(awscdk.App), jsii.String("Other"), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
			})
			h := fn(other, "H")
			aliasOf(other, "Live", "live", h)
			aliasApi(s, "live", "live").AddRoute("GET", "/orders", h, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN a route that selects an alias through a stage variable
			stack := newStack()
			tt.build(stack)
			// WHEN the app is synthesized THEN it fails naming the stage, alias and function
			got := panicOf(func() { assertions.Template_FromStack(stack, nil) })
			if tt.want == "" && got != "" {
				t.Fatalf("synth failed: %s", got)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("synth error %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
}

func TestSiblingPathParameters(t *testing.T) {
	tests := []struct {
		name, first, second string
		want                string // the panic of the second route
	}{
		{"two names", "GET /a/{id}", "PUT /a/{name}", `route PUT /a/{name}: path parameter "{name}" under "/a" conflicts with "{id}" of route GET /a/{id}`},
		{"name and greedy", "GET /a/{id}", "ANY /a/{proxy+}", `path parameter "{proxy+}" under "/a" conflicts with "{id}" of route GET /a/{id}`},
		{"deeper", "GET /a/{id}/b", "GET /a/{key}/c", `path parameter "{key}" under "/a" conflicts with "{id}" of route GET /a/{id}/b`},
		{"at the root", "GET /{id}", "GET /{name}/x", `path parameter "{name}" under "/" conflicts with "{id}" of route GET /{id}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN an API with one route
			s := newStack()
			api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
			h := fn(s, "F")
			m, p, _ := strings.Cut(tt.first, " ")
			api.AddRoute(m, p, h, public())
			// WHEN a route with another parameter at the same level is added THEN it names both
			m, p, _ = strings.Cut(tt.second, " ")
			got := panicOf(func() { api.AddRoute(m, p, h, public()) })
			if !strings.Contains(got, tt.want) {
				t.Errorf("panic = %q\nwant it to contain %q", got, tt.want)
			}
		})
	}
	t.Run("the same parameter and other literals are fine", func(t *testing.T) {
		s := newStack()
		api := restapi.NewPublicRestApi(s, jsii.String("Api"), nil)
		h := fn(s, "F")
		api.AddRoute("GET", "/a/{id}", h, public())
		api.AddRoute("PUT", "/a/{id}", h, public())
		api.AddRoute("GET", "/a/{id}/b", h, public())
		api.AddRoute("GET", "/a/list", h, public())
		api.AddRoute("GET", "/c/{name}", h, public())
	})
}

func TestQuotaOffset(t *testing.T) {
	tests := []struct {
		period awsapigateway.Period
		offset float64
		want   string // "" when allowed
	}{
		{awsapigateway.Period_DAY, 0, ""},
		{awsapigateway.Period_DAY, 1, `Quota.Offset for period DAY must be 0, got 1`},
		{awsapigateway.Period_WEEK, 6, ""},
		{awsapigateway.Period_WEEK, 7, `Quota.Offset for period WEEK must be a whole number from 0 to 6 (the day the week starts, 0 is Sunday), got 7`},
		{awsapigateway.Period_WEEK, -1, `Quota.Offset for period WEEK must be a whole number from 0 to 6 (the day the week starts, 0 is Sunday), got -1`},
		{awsapigateway.Period_MONTH, 27, ""},
		{awsapigateway.Period_MONTH, 28, `Quota.Offset for period MONTH must be a whole number from 0 to 27 (the day the month starts, 0 is the 1st), got 28`},
		{awsapigateway.Period_MONTH, 1.5, `got 1.5`},
	}
	for _, tt := range tests {
		t.Run(string(tt.period), func(t *testing.T) {
			// GIVEN a usage plan WHEN its quota has an offset THEN it must fit the period
			s := newStack()
			got := panicOf(func() {
				restapi.NewPublicRestApi(s, jsii.String("Api"), nil).AddUsagePlan(jsii.String("P"), &restapi.UsagePlanProps{
					Quota: &restapi.Quota{Limit: 100, Period: tt.period, Offset: jsii.Number(tt.offset)}})
			})
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("offset %v for %s: panic = %q, want %q", tt.offset, tt.period, got, tt.want)
			}
		})
	}
}
