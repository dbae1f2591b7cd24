package restapi_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/portico-dev/portico/constructs/internal/constructstest"
	"github.com/portico-dev/portico/constructs/restapi"
)

func TestRestApiIsAConstruct(t *testing.T) {
	// GIVEN a REST API with two stages
	f := constructstest.NewFixture()
	api := restapi.NewPublicRestApi(f.Stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
		Stages: &[]*restapi.StageProps{{Name: jsii.String("dev")}, {Name: jsii.String("prod")}},
	}})
	api.AddRoute("GET", "/", f.Fn, public())
	// WHEN it is the scope of a child construct and of an output of its URL
	logs := awslogs.NewLogGroup(api, jsii.String("Extra"), nil)
	awscdk.NewCfnOutput(api, jsii.String("Url"), &awscdk.CfnOutputProps{Value: api.Url()})

	// THEN CDK finds its stack, its node and its children
	if got := *awscdk.Stack_Of(api).StackName(); got != "Stack" {
		t.Errorf("Stack_Of(api) = %q, want Stack", got)
	}
	if got := *api.Node().Path(); got != "Stack/Api" {
		t.Errorf("api.Node().Path() = %q, want Stack/Api", got)
	}
	if got := *logs.Node().Path(); got != "Stack/Api/Extra" {
		t.Errorf("the child is at %q, want Stack/Api/Extra", got)
	}
	tmpl := assertions.Template_FromStack(f.Stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(5)) // two stages' access and execution logs, and the child

	// AND the "Resource" child is the API, whose CloudFormation resource is the AWS::ApiGateway::RestApi
	child := api.Node().DefaultChild()
	if child == nil || *child.Node().Path() != "Stack/Api/Resource" || *api.Api().Node().Path() != "Stack/Api/Resource" {
		t.Fatalf("DefaultChild = %v, Api() at %s; want both Stack/Api/Resource", child, *api.Api().Node().Path())
	}
	cfn, ok := child.Node().DefaultChild().(awsapigateway.CfnRestApi)
	if !ok {
		t.Fatalf("the Resource child's default child is %T, want awsapigateway.CfnRestApi", child.Node().DefaultChild())
	}
	restApiID := *f.Stack.GetLogicalId(cfn)
	if apis := tmpl.FindResources(jsii.String("AWS::ApiGateway::RestApi"), nil); len(*apis) != 1 || (*apis)[restApiID] == nil {
		t.Errorf("the template's RestApi is not %s: %v", restApiID, *apis)
	}

	// AND Url is the URL of the first stage, dev
	devID := *f.Stack.GetLogicalId(api.Stage("dev").Resource().Node().DefaultChild().(awscdk.CfnElement))
	want := map[string]any{"Fn::Join": []any{"", []any{
		"https://", map[string]any{"Ref": restApiID}, ".execute-api.", map[string]any{"Ref": "AWS::Region"}, ".",
		map[string]any{"Ref": "AWS::URLSuffix"}, "/", map[string]any{"Ref": devID}, "/",
	}}}
	if got, w := resolve(f.Stack, api.Url()), mustJSON(want); got != w {
		t.Errorf("Url() = %s\nwant %s", got, w)
	}
}

func TestFromRestApiAttributes(t *testing.T) {
	// GIVEN a REST API in one stack
	owner := constructstest.NewFixture()
	api := restapi.NewPublicRestApi(owner.Stack, jsii.String("Api"), nil)
	api.AddRoute("GET", "/owned", owner.Fn, public())

	// WHEN another stack imports it and adds routes, an authorizer and an API key
	other := owner.Other("Other")
	imported := restapi.FromRestApiAttributes(other.Stack, jsii.String("Api"), &restapi.RestApiAttributes{
		RestApiId:      api.Api().RestApiId(),
		RootResourceId: api.Api().RestApiRootResourceId(),
	})
	token := imported.AddTokenAuthorizer(jsii.String("Token"), &restapi.LambdaAuthorizerProps{Function: other.Fn})
	imported.AddRoute("GET", "/added/{id}", other.Fn, &restapi.RouteOptions{Authorizer: token})
	imported.AddRoute("POST", "/added", other.Fn, public())
	imported.AddApiKey(jsii.String("Key"), nil)
	awscdk.NewCfnOutput(other.Stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: imported.Url()})

	// THEN the other stack's template holds them, on the owner's API
	apiRef := constructstest.ImportValue("ExportsOutputRefApi")
	tmpl := assertions.Template_FromStack(other.Stack, nil)
	constructstest.HasResources(t, tmpl, map[string]constructstest.Resource{
		"a resource under the owner's root": {Type: "AWS::ApiGateway::Resource", Props: map[string]any{
			"RestApiId": apiRef, "PathPart": "added", "ParentId": constructstest.ImportValue("RootResourceId"),
		}},
		"the route, behind the authorizer": {Type: "AWS::ApiGateway::Method", Props: map[string]any{
			"RestApiId": apiRef, "HttpMethod": "GET", "AuthorizationType": "CUSTOM",
			"AuthorizerId":       map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ApiToken"))},
			"RequestValidatorId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ApiValidator"))},
		}},
		"the authorizer on the owner's API": {Type: "AWS::ApiGateway::Authorizer", Props: map[string]any{"RestApiId": apiRef, "Type": "TOKEN"}},
		"a request validator of its own":    {Type: "AWS::ApiGateway::RequestValidator", Props: map[string]any{"RestApiId": apiRef, "ValidateRequestBody": true}},
		"an invoke permission for the route only": {Type: "AWS::Lambda::Permission", Props: map[string]any{
			"SourceArn": map[string]any{"Fn::Join": []any{"", assertions.Match_ArrayWith(&[]any{apiRef, "/*/POST/added"})}},
		}},
		"the API key": {Type: "AWS::ApiGateway::ApiKey", Props: map[string]any{"Enabled": true}},
	})
	t.Run("no deployment or stage of its own", func(t *testing.T) {
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Deployment"), jsii.Number(0))
		tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Stage"), jsii.Number(0))
	})
	t.Run("the imported API lists the routes added through it", func(t *testing.T) {
		if got := imported.Routes(); len(got) != 2 || got[0] != "GET /added/{id}" || got[1] != "POST /added" {
			t.Errorf("Routes() = %v", got)
		}
	})
	t.Run("Url names the prod stage", func(t *testing.T) {
		tmpl.HasOutput(jsii.String("Url"), map[string]any{"Value": map[string]any{"Fn::Join": []any{"", []any{
			"https://", apiRef, ".execute-api.", map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"}, "/prod/",
		}}}})
	})
}

func TestImportedRestApiRefusals(t *testing.T) {
	imported := func(f constructstest.Fixture) restapi.RestApi {
		return restapi.FromRestApiAttributes(f.Stack, jsii.String("Api"), &restapi.RestApiAttributes{
			RestApiId: jsii.String("a1b2c3d4e5"), RootResourceId: jsii.String("r00t"),
		})
	}
	owned := "the API's deployment and stages belong to the stack that created it"
	constructstest.RunPanicCases(t, []constructstest.PanicCase{
		{Name: "no RestApiId", Build: func(f constructstest.Fixture) {
			restapi.FromRestApiAttributes(f.Stack, jsii.String("Api"), &restapi.RestApiAttributes{RootResourceId: jsii.String("r00t")})
		}, Want: []string{"RestApi Stack/Api: RestApiId is required"}},
		{Name: "no RootResourceId", Build: func(f constructstest.Fixture) {
			restapi.FromRestApiAttributes(f.Stack, jsii.String("Api"), &restapi.RestApiAttributes{RestApiId: jsii.String("a1b2c3d4e5")})
		}, Want: []string{"RootResourceId is required"}},
		{Name: "bad StageName", Build: func(f constructstest.Fixture) {
			restapi.FromRestApiAttributes(f.Stack, jsii.String("Api"), &restapi.RestApiAttributes{
				RestApiId: jsii.String("a1b2c3d4e5"), RootResourceId: jsii.String("r00t"), StageName: jsii.String("my stage"),
			})
		}, Want: []string{`StageName must be 1 to 128 letters`, `got "my stage"`}},
		{Name: "Deployment", Build: func(f constructstest.Fixture) { imported(f).Deployment() },
			Want: []string{"RestApi Stack/Api: Deployment is not supported on an imported API", owned}},
		{Name: "Stages", Build: func(f constructstest.Fixture) { imported(f).Stages() },
			Want: []string{"Stages is not supported on an imported API", owned}},
		{Name: "Stage", Build: func(f constructstest.Fixture) { imported(f).Stage("prod") },
			Want: []string{"Stage is not supported on an imported API", owned}},
		{Name: "VpcEndpoints", Build: func(f constructstest.Fixture) { imported(f).VpcEndpoints() },
			Want: []string{"VpcEndpoints is not supported on an imported API", "set where it was created"}},
		{Name: "AddUsagePlan", Build: func(f constructstest.Fixture) { imported(f).AddUsagePlan(jsii.String("Plan"), nil) },
			Want: []string{"AddUsagePlan is not supported on an imported API", owned}},
		{Name: "route throttle", Build: func(f constructstest.Fixture) {
			imported(f).AddRoute("GET", "/x", f.Fn, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), Throttle: &restapi.Throttle{RateLimit: jsii.Number(1)}})
		}, Want: []string{"AddRoute with RouteOptions.Throttle is not supported on an imported API", "method setting of every stage"}},
		{Name: "route alias through a stage variable", Build: func(f constructstest.Fixture) {
			imported(f).AddRoute("GET", "/x", f.Fn, &restapi.RouteOptions{NoAuthorizer: jsii.Bool(true), FunctionAliasVariable: jsii.String("alias")})
		}, Want: []string{"AddRoute with RouteOptions.FunctionAliasVariable is not supported on an imported API"}},
	})
}

// resolve is v as CloudFormation will see it, in JSON.
func resolve(stack awscdk.Stack, v *string) string {
	return mustJSON(stack.Resolve(v))
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestOneAccountPerStack(t *testing.T) {
	// GIVEN a stack with two REST APIs, one of them with two stages
	f := constructstest.NewFixture()
	a := restapi.NewPublicRestApi(f.Stack, jsii.String("A"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
		Stages: &[]*restapi.StageProps{{Name: jsii.String("dev")}, {Name: jsii.String("prod")}},
	}})
	a.AddRoute("GET", "/", f.Fn, public())
	restapi.NewPublicRestApi(f.Stack, jsii.String("B"), nil).AddRoute("GET", "/", f.Fn, public())
	// WHEN the stack is synthesized
	tmpl := assertions.Template_FromStack(f.Stack, nil)

	// THEN the stack has one account setting, and every stage of both APIs waits for it
	accountDeps := constructstest.StagesWaitForOneAccount(t, tmpl, "AWS::ApiGateway::Stage", 3)
	// AND its one role has API Gateway's documented policy, and is retained
	apiGatewayRole := assertions.Match_ObjectLike(&map[string]any{
		"AssumeRolePolicyDocument": assertions.Match_ObjectLike(&map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
			"Principal": map[string]any{"Service": "apigateway.amazonaws.com"}})}}),
		"ManagedPolicyArns": []any{map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
			":iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}}}},
	})
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Role"), apiGatewayRole, jsii.Number(1))
	tmpl.HasResource(jsii.String("AWS::IAM::Role"), map[string]any{"DeletionPolicy": "Retain", "Properties": apiGatewayRole})
	// AND the account setting waits for the first API, as CDK's does, so that the new role can be assumed
	if apiA := *f.Stack.GetLogicalId(a.Api().Node().DefaultChild().(awscdk.CfnElement)); !slices.Contains(accountDeps, apiA) {
		t.Errorf("the account depends on %v, want API A %s", accountDeps, apiA)
	}
}

func TestCloudWatchRoleOptOut(t *testing.T) {
	// GIVEN a REST API whose account settings are managed outside the app
	f := constructstest.NewFixture()
	restapi.NewPublicRestApi(f.Stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
		CloudWatchRole: jsii.Bool(false),
	}}).AddRoute("GET", "/", f.Fn, public())
	// THEN the stack has no account setting and no role but the handler's
	tmpl := assertions.Template_FromStack(f.Stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(1))
}

func TestExecutionLogsExpire(t *testing.T) {
	// GIVEN stages with execution logs (the default ERROR, INFO) and one without
	f := constructstest.NewFixture()
	api := restapi.NewPublicRestApi(f.Stack, jsii.String("Api"), &restapi.PublicRestApiProps{RestApiOptions: restapi.RestApiOptions{
		Stages: &[]*restapi.StageProps{
			{Name: jsii.String("prod")},
			{Name: jsii.String("dev"), LoggingLevel: awsapigateway.MethodLoggingLevel_INFO, AccessLogRetention: awslogs.RetentionDays_ONE_WEEK},
			{Name: jsii.String("quiet"), LoggingLevel: awsapigateway.MethodLoggingLevel_OFF},
		},
	}})
	api.AddRoute("GET", "/", f.Fn, public())
	// WHEN the stack is synthesized
	tmpl := assertions.Template_FromStack(f.Stack, nil)
	logicalID := func(c constructs.IConstruct) string {
		return *f.Stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	}
	restApiID := logicalID(api.Api())

	// THEN each logging stage has the group API Gateway would create, with the stage's retention
	stages := constructstest.DependsOn(tmpl, "AWS::ApiGateway::Stage")
	for _, tt := range []struct {
		stage     string
		retention float64
	}{{"prod", 365}, {"dev", 7}} {
		t.Run(tt.stage, func(t *testing.T) {
			stage := api.Stage(tt.stage)
			name := map[string]any{"Fn::Join": []any{"", []any{"API-Gateway-Execution-Logs_", map[string]any{"Ref": restApiID}, "/" + tt.stage}}}
			tmpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
				"Properties": map[string]any{"LogGroupName": name, "RetentionInDays": tt.retention}, "DeletionPolicy": "Retain",
			})
			// AND it is the stage's ExecutionLogs, which the stage waits for, so API Gateway does
			// not create it first without retention
			group := logicalID(stage.ExecutionLogs())
			if props := (*tmpl.FindResources(jsii.String("AWS::Logs::LogGroup"), nil))[group]; props == nil || (*props)["Properties"].(map[string]any)["LogGroupName"] == nil {
				t.Errorf("ExecutionLogs() of %s is %s, not the named group", tt.stage, group)
			}
			if deps := stages[logicalID(stage.Resource())]; !slices.Contains(deps, group) {
				t.Errorf("stage %s depends on %v, want its execution log group %s", tt.stage, deps, group)
			}
		})
	}
	// AND the stage without execution logs has none: 3 access log groups + 2 execution log groups
	if api.Stage("quiet").ExecutionLogs() != nil {
		t.Error("stage quiet, LoggingLevel OFF, has execution logs")
	}
	tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(5))
}
